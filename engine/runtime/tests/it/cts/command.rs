//! The scripted calls, decoded as the ADL driver's `LMSParser` decodes them: `CALL->ARG->expected
//! value->expected error code`, every token looked up in `Commands.properties` (a token the table lacks
//! stands for itself), element tokens joined with `.`.

use std::collections::HashMap;

/// `Commands.properties`: the abbreviations.
pub struct Table(HashMap<String, String>);

impl Table {
    pub fn new(pairs: Vec<(String, String)>) -> Table {
        Table(pairs.into_iter().collect())
    }

    /// `LMSMessages.Commands.getString(key)`: the entry, or the key itself when there is none.
    pub fn get(&self, key: &str) -> String {
        self.0.get(key).cloned().unwrap_or_else(|| key.to_owned())
    }

    /// `getString(key, argument)`: the entry with `%s` filled in (`tar` → `{target=%s}`).
    pub fn format(&self, key: &str, argument: &str) -> String {
        match self.0.get(key) {
            Some(pattern) => pattern.replacen("%s", argument, 1),
            None => key.to_owned(),
        }
    }
}

/// The API call a command makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Api {
    Initialize,
    Terminate,
    Commit,
    GetValue,
    SetValue,
    GetLastError,
    GetErrorString,
    GetDiagnostic,
    /// `COI`: the driver reads `cmi.objectives` and compares the ids with the manifest's.
    CompareObjectiveIds,
}

impl Api {
    pub fn name(self) -> &'static str {
        match self {
            Api::Initialize => "Initialize",
            Api::Terminate => "Terminate",
            Api::Commit => "Commit",
            Api::GetValue => "GetValue",
            Api::SetValue => "SetValue",
            Api::GetLastError => "GetLastError",
            Api::GetErrorString => "GetErrorString",
            Api::GetDiagnostic => "GetDiagnostic",
            Api::CompareObjectiveIds => "CompareObjectiveIds",
        }
    }
}

/// Who the replay's LMS launched: `cmi.learner_id` / `cmi.learner_name` are expected to be these.
pub struct Learner<'a> {
    pub id: &'a str,
    pub name: &'a str,
}

/// One decoded command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Command {
    pub api: Api,
    /// What the driver passes, before `&id&` placeholders are resolved: the element (`GetValue`),
    /// `element!value` (`SetValue`), the argument (`Initialize`, `GetErrorString`…), the expected
    /// objective ids separated by `,` (`COI`).
    pub params: String,
    /// The expected return value, already mapped through the table where the driver maps it.
    pub value: String,
    /// The expected `GetLastError` after the call.
    pub error: String,
    /// `GET->c~INTR~0~LR!TY.c`: the interaction type the expected value is written for.
    pub interaction_type: Option<String>,
}

/// Decodes one `commands.K` value. `None` when the driver's parser ignores it (an unknown call).
pub fn decode(line: &str, table: &Table, learner: &Learner) -> Option<Command> {
    let parts = java_split(line, "->");
    let api = match *parts.first()? {
        "GET" => Api::GetValue,
        "I" => Api::Initialize,
        "C" => Api::Commit,
        "T" => Api::Terminate,
        "SET" => Api::SetValue,
        "GES" => Api::GetErrorString,
        "GeDi" => Api::GetDiagnostic,
        "GLE" => Api::GetLastError,
        "COI" => Api::CompareObjectiveIds,
        _ => return None,
    };
    let part = |at: usize| parts.get(at).copied().unwrap_or("");
    let command = match api {
        Api::GetValue | Api::Initialize | Api::Commit | Api::Terminate => {
            let (params, interaction_type) = get_params(part(1), table);
            let mut value = middle_parts(&parts)
                .map(|token| expected_get_value(token, table))
                .unwrap_or_default();
            // parseGetCommands: any argument naming LN or LI expects the launched learner's name or id.
            if part(1).contains("LN") {
                value = learner.name.to_owned();
            } else if part(1).contains("LI") {
                value = learner.id.to_owned();
            }
            Command {
                api,
                params,
                value,
                error: last_part(&parts),
                interaction_type,
            }
        }
        Api::SetValue => Command {
            api,
            params: set_params(part(1), table),
            value: middle_parts(&parts)
                .map(|token| table.get(token))
                .unwrap_or_default(),
            error: last_part(&parts),
            interaction_type: None,
        },
        Api::GetErrorString | Api::GetDiagnostic | Api::GetLastError => Command {
            api,
            params: if api == Api::GetLastError {
                String::new()
            } else {
                part(1).to_owned()
            },
            value: part(2).to_owned(),
            error: part(3).to_owned(),
            interaction_type: None,
        },
        Api::CompareObjectiveIds => Command {
            api,
            params: part(1).to_owned(),
            value: String::new(),
            error: String::new(),
            interaction_type: None,
        },
    };
    Some(command)
}

/// The expected value: the parser's loop keeps the last part between the argument and the error code.
fn middle_parts<'a>(parts: &[&'a str]) -> Option<&'a str> {
    (parts.len() > 3).then(|| parts[parts.len() - 2])
}

fn last_part(parts: &[&str]) -> String {
    if parts.len() > 2 {
        parts[parts.len() - 1].to_owned()
    } else {
        String::new()
    }
}

/// A GET expected value: mapped, except that a token whose entry is empty (`es=`) stays as written.
fn expected_get_value(token: &str, table: &Table) -> String {
    let mapped = table.get(token);
    if mapped.is_empty() && !token.is_empty() {
        token.to_owned()
    } else {
        mapped
    }
}

/// `parseGetCommandsDMParams`: the element, and the interaction type a `!TYPE` suffix names.
fn get_params(argument: &str, table: &Table) -> (String, Option<String>) {
    if !argument.contains('~') {
        return (argument.to_owned(), None);
    }
    let mut tokens: Vec<String> = java_split(argument, "~")
        .into_iter()
        .map(str::to_owned)
        .collect();
    let mut interaction_type = None;
    if tokens.get(1).is_some_and(|t| t == "INTR") && argument.contains('!') {
        for token in tokens.iter_mut().filter(|t| t.contains('!')) {
            let pieces = java_split(token, "!");
            interaction_type = Some(table.get(pieces.get(1).copied().unwrap_or("")));
            *token = pieces.first().copied().unwrap_or("").to_owned();
        }
    }
    let element = if tokens.len() == 6 && argument.contains("a~n~r") {
        // adl.nav.request_valid.choice.{target=activity_2}
        let mut element: Vec<String> = tokens[..4].iter().map(|t| table.get(t)).collect();
        element.push(table.format(&tokens[4], &tokens[5]));
        element.join(".")
    } else {
        tokens
            .iter()
            .map(|t| table.get(t))
            .collect::<Vec<_>>()
            .join(".")
    };
    (element, interaction_type)
}

/// `parseSetCommandsDMParams`: `element!value`, with the driver's per-length quirks kept (the third
/// token of a four-token path is not looked up; a path of one token, or of more than six, is looked
/// up whole; the value of a five-token path ends at its second `!`).
fn set_params(argument: &str, table: &Table) -> String {
    let tokens = java_split(argument, "~");
    let first = table.get(tokens.first().copied().unwrap_or(""));
    let last = tokens.last().copied().unwrap_or("");
    let (last_element, value) = match last.find('!') {
        Some(at) => (&last[..at], &last[at + 1..]),
        None => (last, ""),
    };
    let value = table.get(value);
    let mapped = |at: usize| table.get(tokens[at]);
    match tokens.len() {
        2 => format!("{first}.{}!{value}", table.get(last_element)),
        3 => format!("{first}.{}.{}!{value}", mapped(1), table.get(last_element)),
        4 => format!(
            "{first}.{}.{}.{}!{value}",
            mapped(1),
            tokens[2],
            table.get(last_element)
        ),
        5 if argument.contains("a~n~r") => {
            // a~n~r!tar~activity_1~TY.c → adl.nav.request!{target=activity_1}choice
            let request = java_split(tokens[2], "!");
            let piece = |at: usize| request.get(at).copied().unwrap_or("");
            format!(
                "{first}.{}.{}!{}{}",
                mapped(1),
                table.get(piece(0)),
                table.format(piece(1), tokens[3]),
                mapped(4)
            )
        }
        5 => {
            let pieces = java_split(tokens[4], "!");
            let piece = |at: usize| pieces.get(at).copied().unwrap_or("");
            format!(
                "{first}.{}.{}.{}.{}!{}",
                mapped(1),
                mapped(2),
                mapped(3),
                table.get(piece(0)),
                table.get(piece(1))
            )
        }
        6 => format!(
            "{first}.{}.{}.{}.{}.{}!{value}",
            mapped(1),
            mapped(2),
            mapped(3),
            mapped(4),
            table.get(last_element)
        ),
        _ => first,
    }
}

/// `String.split` with a literal separator: trailing empty pieces are dropped, and a string without
/// the separator is one piece.
pub fn java_split<'a>(text: &'a str, separator: &str) -> Vec<&'a str> {
    if !text.contains(separator) {
        return vec![text];
    }
    let mut pieces: Vec<&str> = text.split(separator).collect();
    while pieces.last().is_some_and(|piece| piece.is_empty()) {
        pieces.pop();
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    const LEARNER: Learner<'static> = Learner {
        id: "learner-7",
        name: "Learner, Test",
    };

    fn table() -> Table {
        let text = "a=adl\nc=cmi\nn=nav\nr=request\nrv=request_valid\ntar={target=%s}\nLOC=location\n\
                    S=score\nSCA=scaled\nOB=objectives\nID=id\nX=exit\nX.s=suspend\nIlSt=illegal_state\n\
                    TY.c=choice\nINTR=interactions\nLR=learner_response\nE=entry\nE.a=ab-initio\n\
                    unk=unknown\nt=true\nf=false\nV=_version\nN.sa=suspendAll\nDA=data\nSTR=store\n\
                    CR=correct_responses\nP=pattern\nLI=learner_id\nLN=learner_name\nes=\ntest=test\n";
        Table::new(super::super::properties::parse(text))
    }

    fn decoded(line: &str) -> Command {
        decode(line, &table(), &LEARNER).unwrap()
    }

    fn set(line: &str) -> (String, String, String) {
        let command = decoded(line);
        assert_eq!(command.api, Api::SetValue);
        (command.params, command.value, command.error)
    }

    #[test]
    fn set_paths_and_values() {
        let s = |a: &str, b: &str, c: &str| (a.to_owned(), b.to_owned(), c.to_owned());
        assert_eq!(
            set("SET->c~S~SCA!-0.5->t->0"),
            s("cmi.score.scaled!-0.5", "true", "0")
        );
        assert_eq!(
            set("SET->c~OB~0~ID!x->t->0"),
            s("cmi.objectives.0.id!x", "true", "0")
        );
        assert_eq!(
            set("SET->c~X!X.s->t->0"),
            s("cmi.exit!suspend", "true", "0")
        );
        assert_eq!(
            set("SET->c~V!1.0.0->f->404"),
            s("cmi._version!1.0.0", "false", "404")
        );
        assert_eq!(set("SET->c~X!->t->0"), s("cmi.exit!", "true", "0"));
        assert_eq!(
            set("SET->c~LOC!IlSt->f->404"),
            s("cmi.location!illegal_state", "false", "404")
        );
        assert_eq!(
            set("SET->a~n~r!tar~activity_1~TY.c->t->0"),
            s("adl.nav.request!{target=activity_1}choice", "true", "0")
        );
        assert_eq!(
            set("SET->a~n~r!N.sa->t->0"),
            s("adl.nav.request!suspendAll", "true", "0")
        );
        assert_eq!(
            set("SET->a~DA~&tarID1&~STR!v->t->0"),
            s("adl.data.&tarID1&.store!v", "true", "0")
        );
        assert_eq!(
            set("SET->c~OB~0~S~SCA!-1.0->t->0"),
            s("cmi.objectives.0.score.scaled!-1.0", "true", "0")
        );
        assert_eq!(
            set("SET->c~INTR~0~CR~0~P!a!b->t->0"),
            s(
                "cmi.interactions.0.correct_responses.0.pattern!a!b",
                "true",
                "0"
            )
        );
        // One token is looked up whole; its `!` splits element and value when the call is made.
        assert_eq!(set("SET->!test->f->351"), s("!test", "false", "351"));
        assert_eq!(
            set("SET->cmi!illegal->f->401"),
            s("cmi!illegal", "false", "401")
        );
    }

    #[test]
    fn get_elements_and_expected_values() {
        let entry = decoded("GET->c~E->E.a->0");
        assert_eq!(
            (
                entry.api,
                entry.params.as_str(),
                entry.value.as_str(),
                entry.error.as_str()
            ),
            (Api::GetValue, "cmi.entry", "ab-initio", "0")
        );
        assert_eq!(decoded("GET->c~CS->unk->0").value, "unknown");
        assert_eq!(decoded("GET->c~LOC->->122").value, "");
        assert_eq!(decoded("GET->c~TT->PT0H0M0S->0").value, "PT0H0M0S");
        assert_eq!(
            decoded("GET->c~SD->es->0").value,
            "es",
            "an empty entry keeps the literal"
        );
        assert_eq!(decoded("GET->->->301").params, "");
        assert_eq!(
            decoded("GET->a~n~rv~TY.c~tar~activity_2->t->0").params,
            "adl.nav.request_valid.choice.{target=activity_2}"
        );
        let id = decoded("GET->c~OB~&obj1&~ID->obj1->0");
        assert_eq!(id.params, "cmi.objectives.&obj1&.id");
        assert_eq!(
            decoded("GET->a~DA~&tarID1&~STR->x->0").params,
            "adl.data.&tarID1&.store"
        );
        let typed = decoded("GET->c~INTR~0~LR!TY.c->a[,]b->0");
        assert_eq!(typed.params, "cmi.interactions.0.learner_response");
        assert_eq!(typed.interaction_type.as_deref(), Some("choice"));
        assert_eq!(typed.value, "a[,]b");
        assert_eq!(decoded("GET->c~LI->m->0").value, LEARNER.id);
        assert_eq!(decoded("GET->c~LN->->0").value, LEARNER.name);
    }

    #[test]
    fn other_calls() {
        let init = decoded("I->illegal->f->201");
        assert_eq!(
            (
                init.api,
                init.params.as_str(),
                init.value.as_str(),
                init.error.as_str()
            ),
            (Api::Initialize, "illegal", "false", "201")
        );
        let gle = decoded("GLE->->201->201");
        assert_eq!((gle.api, gle.value.as_str()), (Api::GetLastError, "201"));
        let ges = decoded("GES->402->less255->0");
        assert_eq!(
            (ges.api, ges.params.as_str(), ges.value.as_str()),
            (Api::GetErrorString, "402", "less255")
        );
        assert_eq!(decoded("GeDi->->less255->201").api, Api::GetDiagnostic);
        assert_eq!(
            decode("c~INTR~6~CR~0~P!TY.m->a->0", &table(), &LEARNER),
            None,
            "the driver skips a line without a known call"
        );
    }

    #[test]
    fn java_split_drops_trailing_empties() {
        assert_eq!(java_split("I->->t->0", "->"), ["I", "", "t", "0"]);
        assert_eq!(java_split("a->", "->"), ["a"]);
        assert_eq!(java_split("", "->"), [""]);
        assert_eq!(java_split("LR!", "!"), ["LR"]);
    }
}
