//! The API state machine: Not Initialized → Running → Terminated, the last error, and how a session ends.

use serde::{Deserialize, Serialize};

use crate::data::{AttemptData, Objective};
use crate::errors::{ErrorCode, error_string};
use crate::{Exit, LaunchContext, NavRequest, SharedData, Version, scorm12, scorm2004};

/// Why a data-model call failed: the code `GetLastError` reports and what `GetDiagnostic` explains.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Fault {
    pub code: ErrorCode,
    pub diagnostic: String,
}

impl Fault {
    pub fn new(code: ErrorCode, diagnostic: impl Into<String>) -> Fault {
        Fault {
            code,
            diagnostic: diagnostic.into(),
        }
    }
}

pub(crate) type Answer<T> = Result<T, Fault>;

/// `SetValue` on `_children`, `_count` or `_version`.
pub(crate) fn keyword_set(element: &str) -> Fault {
    Fault::new(
        ErrorCode::KeywordSet,
        format!(
            "{} is a keyword and cannot be set",
            crate::value::clip(element)
        ),
    )
}

/// Why a `SetValue` on an element with no setter fails: undefined when `GetValue` (the `probe`) says the
/// element does not exist, otherwise `refusal` (read-only, or a keyword).
pub(crate) fn refuse_set(probe: Answer<String>, undefined: ErrorCode, refusal: Fault) -> Fault {
    match probe {
        Err(fault) if fault.code == undefined => fault,
        _ => refusal,
    }
}

/// Everything an element handler may read or change.
pub(crate) struct Model<'a> {
    pub context: &'a LaunchContext,
    pub data: &'a mut AttemptData,
    pub entry: &'a str,
    pub shared: &'a mut Vec<SharedData>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    NotInitialized,
    Running,
    Terminated,
}

/// One launch of one SCO.
#[derive(Clone, Debug)]
pub struct Session {
    version: Version,
    context: LaunchContext,
    data: AttemptData,
    entry: &'static str,
    shared: Vec<SharedData>,
    state: State,
    last_error: ErrorCode,
    diagnostic: String,
    dirty: bool,
}

impl Session {
    /// A session starting from `resumed` (the attempt so far) or, when `None`, a new attempt.
    pub fn new(version: Version, context: LaunchContext, resumed: Option<AttemptData>) -> Session {
        let entry = match &resumed {
            None => "ab-initio",
            Some(data) if data.suspended => "resume",
            Some(_) => "",
        };
        let mut data = resumed
            .filter(|data| data.version == version)
            .unwrap_or_else(|| fresh_attempt(version, &context));
        data.suspended = false;
        data.exit = Exit::Unspecified;
        data.session_time_cs = None;
        data.nav_request = NavRequest::None;
        data.shared_data_writes.clear();
        data.sessions = data.sessions.saturating_add(1);
        let shared = context.shared_data.clone();
        Session {
            version,
            context,
            data,
            entry,
            shared,
            state: State::NotInitialized,
            last_error: ErrorCode::NoError,
            diagnostic: String::new(),
            dirty: false,
        }
    }

    pub fn version(&self) -> Version {
        self.version
    }

    pub fn context(&self) -> &LaunchContext {
        &self.context
    }

    /// The data as it stands now (what a commit stores).
    pub fn data(&self) -> &AttemptData {
        &self.data
    }

    /// `cmi.entry` for this session.
    pub fn entry(&self) -> &'static str {
        self.entry
    }

    pub fn is_initialized(&self) -> bool {
        self.state == State::Running
    }

    pub fn is_terminated(&self) -> bool {
        self.state == State::Terminated
    }

    /// Whether anything was set since the last commit.
    pub fn has_uncommitted_changes(&self) -> bool {
        self.dirty
    }

    /// `Initialize("")` / `LMSInitialize("")`.
    pub fn initialize(&mut self, argument: &str) -> bool {
        let outcome = if !argument.is_empty() {
            Err(Fault::new(
                ErrorCode::GeneralArgumentError,
                "Initialize takes an empty string argument",
            ))
        } else {
            match self.state {
                State::NotInitialized => {
                    self.state = State::Running;
                    Ok(())
                }
                State::Running => Err(Fault::new(
                    ErrorCode::AlreadyInitialized,
                    "Initialize was already called for this session",
                )),
                State::Terminated => Err(Fault::new(
                    ErrorCode::ContentInstanceTerminated,
                    "the session has already been terminated",
                )),
            }
        };
        self.settle(outcome).is_some()
    }

    /// `Terminate("")` / `LMSFinish("")`.
    pub fn terminate(&mut self, argument: &str) -> bool {
        let outcome = if !argument.is_empty() {
            Err(Fault::new(
                ErrorCode::GeneralArgumentError,
                "Terminate takes an empty string argument",
            ))
        } else {
            match self.state {
                State::NotInitialized => Err(Fault::new(
                    ErrorCode::TerminationBeforeInitialization,
                    "Terminate was called before Initialize",
                )),
                State::Terminated => Err(Fault::new(
                    ErrorCode::TerminationAfterTermination,
                    "Terminate was already called",
                )),
                State::Running => {
                    self.state = State::Terminated;
                    self.apply_status_rules_at_end();
                    self.dirty = false;
                    Ok(())
                }
            }
        };
        self.settle(outcome).is_some()
    }

    /// `Commit("")` / `LMSCommit("")`. The data to persist is [`Session::data`].
    pub fn commit(&mut self, argument: &str) -> bool {
        let outcome = if !argument.is_empty() {
            Err(Fault::new(
                ErrorCode::GeneralArgumentError,
                "Commit takes an empty string argument",
            ))
        } else {
            match self.state {
                State::NotInitialized => Err(Fault::new(
                    ErrorCode::CommitBeforeInitialization,
                    "Commit was called before Initialize",
                )),
                State::Terminated => Err(Fault::new(
                    ErrorCode::CommitAfterTermination,
                    "Commit was called after Terminate",
                )),
                State::Running => {
                    self.dirty = false;
                    Ok(())
                }
            }
        };
        self.settle(outcome).is_some()
    }

    /// `GetValue(element)` / `LMSGetValue(element)`: the value, or `""` with the error recorded.
    pub fn get_value(&mut self, element: &str) -> String {
        let outcome = match self.state {
            State::NotInitialized => Err(Fault::new(
                self.before_init(ErrorCode::RetrieveDataBeforeInitialization),
                "GetValue was called before Initialize",
            )),
            State::Terminated => Err(Fault::new(
                ErrorCode::RetrieveDataAfterTermination,
                "GetValue was called after Terminate",
            )),
            State::Running => {
                let model = Model {
                    context: &self.context,
                    data: &mut self.data,
                    entry: self.entry,
                    shared: &mut self.shared,
                };
                match self.version {
                    Version::Scorm2004 => scorm2004::get(&model, element),
                    Version::Scorm12 => scorm12::get(&model, element),
                }
            }
        };
        self.settle(outcome).unwrap_or_default()
    }

    /// `SetValue(element, value)` / `LMSSetValue(element, value)`.
    pub fn set_value(&mut self, element: &str, value: &str) -> bool {
        let outcome = match self.state {
            State::NotInitialized => Err(Fault::new(
                self.before_init(ErrorCode::StoreDataBeforeInitialization),
                "SetValue was called before Initialize",
            )),
            State::Terminated => Err(Fault::new(
                ErrorCode::StoreDataAfterTermination,
                "SetValue was called after Terminate",
            )),
            State::Running => {
                let mut model = Model {
                    context: &self.context,
                    data: &mut self.data,
                    entry: self.entry,
                    shared: &mut self.shared,
                };
                match self.version {
                    Version::Scorm2004 => scorm2004::set(&mut model, element, value),
                    Version::Scorm12 => scorm12::set(&mut model, element, value),
                }
            }
        };
        let ok = self.settle(outcome).is_some();
        if ok {
            self.dirty = true;
        }
        ok
    }

    /// `GetLastError()`.
    pub fn get_last_error(&self) -> String {
        self.last_error.code(self.version).to_string()
    }

    /// `GetErrorString(code)`.
    pub fn get_error_string(&self, code: &str) -> String {
        error_string(self.version, code).to_owned()
    }

    /// `GetDiagnostic(code)`: details of the last error when `code` is it (or empty), else the code's
    /// description. Always shorter than 255 characters.
    pub fn get_diagnostic(&self, code: &str) -> String {
        let last = self.get_last_error();
        let text = if code.is_empty() || code == last {
            if self.diagnostic.is_empty() {
                error_string(self.version, &last).to_owned()
            } else {
                self.diagnostic.clone()
            }
        } else {
            error_string(self.version, code).to_owned()
        };
        truncate_chars(&text, 254)
    }

    /// Status, score and time as the LMS reports them now (the manifest's thresholds applied).
    pub fn summary(&self) -> Summary {
        let model = Model {
            context: &self.context,
            data: &mut self.data.clone(),
            entry: self.entry,
            shared: &mut self.shared.clone(),
        };
        summarise(self.version, &model)
    }

    /// How the session ended. Call after `terminate`. If the SCO never terminated (the tab was closed,
    /// the browser crashed), the session ends as the data stands and, unless the SCO had set an exit of
    /// its own, as *suspended*: the learner did not choose to end the attempt, so the next launch resumes
    /// where they were and closing a tab loses nothing. The LMS's end-of-session status rules (SCORM 1.2
    /// "completed when unset") apply only to a real terminate.
    pub fn finish(mut self) -> SessionEnd {
        let abandoned = self.state != State::Terminated;
        let mut data = std::mem::replace(&mut self.data, AttemptData::new(self.version));
        let exit = data.exit;
        let nav_request = data.nav_request.clone();
        data.total_time_cs = data.total_time_with_session_cs();
        data.session_time_cs = None;
        let suspended = match self.version {
            Version::Scorm2004 => exit == Exit::Suspend || nav_request == NavRequest::SuspendAll,
            Version::Scorm12 => exit == Exit::Suspend,
        } || (abandoned && exit == Exit::Unspecified);
        data.suspended = suspended;
        let shared_data_writes = std::mem::take(&mut data.shared_data_writes);
        let summary = {
            let model = Model {
                context: &self.context,
                data: &mut data.clone(),
                entry: self.entry,
                shared: &mut self.shared,
            };
            summarise(self.version, &model)
        };
        SessionEnd {
            summary,
            version: self.version,
            data,
            exit,
            nav_request,
            suspended,
            shared_data_writes,
        }
    }

    fn before_init(&self, code_2004: ErrorCode) -> ErrorCode {
        match self.version {
            Version::Scorm2004 => code_2004,
            Version::Scorm12 => ErrorCode::NotInitialized12,
        }
    }

    /// The LMS's own status rules that apply when a session ends (SCORM 1.2 RTE 3.4.4).
    fn apply_status_rules_at_end(&mut self) {
        if self.version == Version::Scorm12 {
            scorm12::apply_end_of_session_rules(
                self.context.mode,
                self.context.credit,
                &self.context,
                &mut self.data,
            );
        }
    }

    fn settle<T>(&mut self, outcome: Answer<T>) -> Option<T> {
        match outcome {
            Ok(value) => {
                self.last_error = ErrorCode::NoError;
                self.diagnostic.clear();
                Some(value)
            }
            Err(fault) => {
                self.last_error = fault.code;
                self.diagnostic = fault.diagnostic;
                None
            }
        }
    }
}

fn fresh_attempt(version: Version, context: &LaunchContext) -> AttemptData {
    let mut data = AttemptData::new(version);
    data.objectives = context
        .objective_ids
        .iter()
        .map(|id| Objective {
            id: id.clone(),
            ..Objective::default()
        })
        .collect();
    if version == Version::Scorm12 {
        data.completion_status = Some("not attempted".into());
    }
    data
}

fn truncate_chars(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

/// What an LMS shows about an attempt: both standards' statuses mapped onto SCORM 2004's two.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// `completed`, `incomplete`, `not attempted` or `unknown`.
    pub completion: String,
    /// `passed`, `failed` or `unknown`.
    pub success: String,
    /// Score scaled to -1..=1 (SCORM 1.2 raw scores are read against min/max, default 0..100).
    pub score_scaled: Option<f64>,
    pub score_raw: Option<f64>,
    /// Total time including the current session, in centiseconds.
    pub total_time_cs: u64,
}

fn summarise(version: Version, model: &Model) -> Summary {
    let data = &*model.data;
    let (completion, success, score_scaled) = match version {
        Version::Scorm2004 => (
            scorm2004::completion_status(model),
            scorm2004::success_status(model),
            data.score_scaled(),
        ),
        Version::Scorm12 => {
            let status = data.completion_status.as_deref().unwrap_or("not attempted");
            let completion = match status {
                "passed" | "completed" | "failed" => "completed",
                "incomplete" | "browsed" => "incomplete",
                _ => "not attempted",
            };
            let success = match status {
                "passed" => "passed",
                "failed" => "failed",
                _ => "unknown",
            };
            let min = data
                .score
                .min
                .as_deref()
                .and_then(|v| v.parse::<f64>().ok())
                .unwrap_or(0.0);
            let max = data
                .score
                .max
                .as_deref()
                .and_then(|v| v.parse::<f64>().ok())
                .unwrap_or(100.0);
            let scaled = data
                .score_raw()
                .filter(|_| max > min)
                .map(|raw| ((raw - min) / (max - min)).clamp(-1.0, 1.0));
            (completion.to_owned(), success.to_owned(), scaled)
        }
    };
    Summary {
        completion,
        success,
        score_scaled,
        score_raw: data.score_raw(),
        total_time_cs: data.total_time_with_session_cs(),
    }
}

/// How one session ended.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SessionEnd {
    /// Status, score and total time after the session.
    pub summary: Summary,
    pub version: Version,
    /// The attempt's data after the session: total time includes this session.
    pub data: AttemptData,
    pub exit: Exit,
    pub nav_request: NavRequest,
    /// The learner left to come back: the next launch resumes.
    pub suspended: bool,
    /// `adl.data` stores the SCO wrote, to be saved for every SCO that maps them.
    pub shared_data_writes: Vec<(String, String)>,
}

impl SessionEnd {
    /// What the next launch of the same SCO starts from: the suspended attempt (SCORM 2004), the kept data
    /// (SCORM 1.2 keeps one attempt), or `None` when the next launch is a new attempt.
    pub fn resume_data(&self) -> Option<AttemptData> {
        match self.version {
            Version::Scorm2004 if !self.suspended => None,
            _ => Some(self.data.clone()),
        }
    }
}

/// One state-changing API call, as the browser journals them for the server to re-validate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "call", rename_all = "kebab-case")]
pub enum Call {
    Initialize,
    SetValue { element: String, value: String },
    Commit,
    Terminate,
}

/// A journaled call the runtime refused when the server replayed it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplayError {
    /// Position of the refused call in the journal.
    pub index: usize,
    pub call: Call,
    /// `GetLastError` after the call.
    pub error_code: String,
    pub diagnostic: String,
}

impl std::fmt::Display for ReplayError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "call {} ({:?}) was refused with error {}: {}",
            self.index + 1,
            self.call,
            self.error_code,
            self.diagnostic
        )
    }
}

impl std::error::Error for ReplayError {}

/// Re-runs journaled calls on `session`; the first refused call stops the replay.
pub fn replay(session: &mut Session, calls: &[Call]) -> Result<(), ReplayError> {
    for (index, call) in calls.iter().enumerate() {
        let accepted = match call {
            Call::Initialize => session.initialize(""),
            Call::SetValue { element, value } => session.set_value(element, value),
            Call::Commit => session.commit(""),
            Call::Terminate => session.terminate(""),
        };
        if !accepted {
            return Err(ReplayError {
                index,
                call: call.clone(),
                error_code: session.get_last_error(),
                diagnostic: session.get_diagnostic(""),
            });
        }
    }
    Ok(())
}
