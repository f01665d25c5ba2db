//! The SCORM run-time in the browser: one [`ScormSession`] per launch answers the SCO synchronously, as
//! SCORM requires, with exactly the code the server re-validates with (`runtime`). Every call the
//! run-time accepts that changes state (`Initialize`, `SetValue`, `Commit`, `Terminate`) is journaled;
//! the page sends the journal to the server (`journal()`) and drops what it handed over
//! (`acknowledge(n)`).
//!
//! Results are strings, as the SCORM API returns them (`"true"`/`"false"` for the state-changing calls).
//!
//! Small on purpose: the launch arrives as a JavaScript object (read with `serde-wasm-bindgen`, which
//! uses the browser's own parser) and the journal is written by hand, so no JSON library is compiled in.

use runtime::{AttemptData, Call, LaunchContext, Session, Version};
use serde::Deserialize;
use wasm_bindgen::prelude::*;

/// What the launcher hands over: the launch answer's `version`, `context` and `data`.
#[derive(Deserialize)]
struct Launch {
    version: Version,
    #[serde(default)]
    context: LaunchContext,
    #[serde(default)]
    data: Option<AttemptData>,
}

/// One launch of one SCO, wrapping `runtime::Session` for JavaScript.
#[wasm_bindgen]
pub struct ScormSession {
    session: Session,
    journal: Vec<Call>,
}

fn answer(accepted: bool) -> String {
    if accepted { "true" } else { "false" }.to_owned()
}

#[wasm_bindgen]
impl ScormSession {
    /// Starts a session from the launch object `{version, context, data}` (the launch answer's fields).
    #[wasm_bindgen(constructor)]
    pub fn new(launch: JsValue) -> Result<ScormSession, JsError> {
        let launch: Launch = serde_wasm_bindgen::from_value(launch)
            .map_err(|error| JsError::new(&format!("the launch is not valid: {error}")))?;
        Ok(ScormSession::from_launch(launch))
    }

    fn from_launch(launch: Launch) -> ScormSession {
        ScormSession {
            session: Session::new(launch.version, launch.context, launch.data),
            journal: Vec::new(),
        }
    }

    /// `cmi.entry` of this session: `ab-initio`, `resume` or empty.
    pub fn entry(&self) -> String {
        self.session.entry().to_owned()
    }

    /// `Initialize("")` / `LMSInitialize("")`.
    pub fn initialize(&mut self, argument: &str) -> String {
        let accepted = self.session.initialize(argument);
        self.record(accepted, Call::Initialize)
    }

    /// `Terminate("")` / `LMSFinish("")`.
    pub fn terminate(&mut self, argument: &str) -> String {
        let accepted = self.session.terminate(argument);
        self.record(accepted, Call::Terminate)
    }

    /// `Commit("")` / `LMSCommit("")`.
    pub fn commit(&mut self, argument: &str) -> String {
        let accepted = self.session.commit(argument);
        self.record(accepted, Call::Commit)
    }

    /// `GetValue(element)` / `LMSGetValue(element)`.
    pub fn get_value(&mut self, element: &str) -> String {
        self.session.get_value(element)
    }

    /// `SetValue(element, value)` / `LMSSetValue(element, value)`.
    pub fn set_value(&mut self, element: &str, value: &str) -> String {
        let accepted = self.session.set_value(element, value);
        self.record(
            accepted,
            Call::SetValue {
                element: element.to_owned(),
                value: value.to_owned(),
            },
        )
    }

    /// `GetLastError()`.
    pub fn get_last_error(&self) -> String {
        self.session.get_last_error()
    }

    /// `GetErrorString(code)`.
    pub fn get_error_string(&self, code: &str) -> String {
        self.session.get_error_string(code)
    }

    /// `GetDiagnostic(code)`.
    pub fn get_diagnostic(&self, code: &str) -> String {
        self.session.get_diagnostic(code)
    }

    /// The journaled calls not yet acknowledged, as a JSON array of `runtime::Call`
    /// (`{"call":"set-value","element":…,"value":…}`, `{"call":"initialize"}` …).
    pub fn journal(&self) -> String {
        let mut out = String::from("[");
        for (index, call) in self.journal.iter().enumerate() {
            if index > 0 {
                out.push(',');
            }
            match call {
                Call::Initialize => out.push_str(r#"{"call":"initialize"}"#),
                Call::Commit => out.push_str(r#"{"call":"commit"}"#),
                Call::Terminate => out.push_str(r#"{"call":"terminate"}"#),
                Call::SetValue { element, value } => {
                    out.push_str(r#"{"call":"set-value","element":"#);
                    push_json_string(&mut out, element);
                    out.push_str(r#","value":"#);
                    push_json_string(&mut out, value);
                    out.push('}');
                }
            }
        }
        out.push(']');
        out
    }

    /// How many calls are journaled and not yet acknowledged.
    pub fn pending(&self) -> usize {
        self.journal.len()
    }

    /// Drops the first `n` journaled calls: they were handed over.
    pub fn acknowledge(&mut self, n: usize) {
        let n = n.min(self.journal.len());
        self.journal.drain(..n);
    }

    /// Whether `Terminate` succeeded.
    pub fn is_terminated(&self) -> bool {
        self.session.is_terminated()
    }

    fn record(&mut self, accepted: bool, call: Call) -> String {
        if accepted {
            self.journal.push(call);
        }
        answer(accepted)
    }
}

/// Appends `text` as a JSON string literal.
fn push_json_string(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c == '\u{2028}' || c == '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(json: &str) -> ScormSession {
        ScormSession::from_launch(serde_json::from_str(json).expect("a valid launch"))
    }

    #[test]
    fn the_journal_is_json_the_server_reads() {
        let mut s = session(r#"{"version":"scorm12","context":{},"data":null}"#);
        s.initialize("");
        let tricky = "quote \" backslash \\ newline \n tab \t nul \u{0} bell \u{7} é 😀 \u{2028}";
        assert_eq!(s.set_value("cmi.suspend_data", tricky), "true");
        let calls: Vec<Call> = serde_json::from_str(&s.journal()).expect("valid JSON");
        assert_eq!(
            calls,
            vec![
                Call::Initialize,
                Call::SetValue {
                    element: "cmi.suspend_data".into(),
                    value: tricky.into()
                }
            ]
        );
    }

    #[test]
    fn accepted_calls_are_journaled_and_acknowledged() {
        let mut session = session(r#"{"version":"scorm2004","context":{},"data":null}"#);
        assert_eq!(session.entry(), "ab-initio");
        assert_eq!(session.commit(""), "false", "commit before initialize");
        assert_eq!(session.get_last_error(), "142");
        assert_eq!(session.initialize(""), "true");
        assert_eq!(session.set_value("cmi.location", "page-2"), "true");
        assert_eq!(session.set_value("cmi.no_such_thing", "x"), "false");
        assert_eq!(session.get_value("cmi.location"), "page-2");
        assert_eq!(session.pending(), 2);
        assert_eq!(
            session.journal(),
            r#"[{"call":"initialize"},{"call":"set-value","element":"cmi.location","value":"page-2"}]"#
        );
        session.acknowledge(1);
        assert_eq!(session.pending(), 1);
        assert_eq!(session.terminate(""), "true");
        assert!(session.is_terminated());
        session.acknowledge(99);
        assert_eq!(session.journal(), "[]");
    }
}
