//! The SCORM 2004 (3rd/4th edition) run-time data model: `cmi.*` and `adl.*` (RTE book, chapter 4).

use crate::data::{Comment, Interaction, Objective, Score};
use crate::errors::ErrorCode;
use crate::interaction;
use crate::session::{Answer, Fault, Model, keyword_set, refuse_set};
use crate::time::{format_iso_duration, is_iso_timestamp, parse_iso_duration};
use crate::value::{
    check_identifier, check_localized, check_real, check_string, check_vocabulary, clip,
    is_language, parse_index,
};
use crate::{Exit, NavRequest};

const COMMENT_CHILDREN: &str = "comment,location,timestamp";
const INTERACTION_CHILDREN: &str = "id,type,objectives,timestamp,correct_responses,weighting,learner_response,result,latency,description";
const OBJECTIVE_CHILDREN: &str =
    "id,score,success_status,completion_status,progress_measure,description";
const SCORE_CHILDREN: &str = "scaled,raw,min,max";
const PREFERENCE_CHILDREN: &str = "audio_level,language,delivery_speed,audio_captioning";
const DATA_CHILDREN: &str = "id,store";

const COMPLETION: &[&str] = &["completed", "incomplete", "not attempted", "unknown"];
const SUCCESS: &[&str] = &["passed", "failed", "unknown"];
const EXIT: &[&str] = &["time-out", "suspend", "logout", "normal", ""];
const RESULT: &[&str] = &["correct", "incorrect", "unanticipated", "neutral"];
const CAPTIONING: &[&str] = &["-1", "0", "1"];

/// Bounds on collections, far above the standard's smallest permitted maximums (100 objectives,
/// 250 interactions, 250 comments, 10 objectives per interaction), to keep a record bounded.
const MAX_RECORDS: usize = 1000;
const MAX_INTERACTION_OBJECTIVES: usize = 100;

const LONG_ID: usize = 4000;

fn undefined(element: &str) -> Fault {
    Fault::new(
        ErrorCode::UndefinedElement,
        format!(
            "{} is not an element of the SCORM 2004 data model",
            clip(element)
        ),
    )
}

fn not_initialized(element: &str) -> Fault {
    Fault::new(
        ErrorCode::ValueNotInitialized,
        format!("{element} has not been set yet"),
    )
}

fn read_only(element: &str) -> Fault {
    Fault::new(ErrorCode::ReadOnly, format!("{element} is read-only"))
}

fn write_only(element: &str) -> Fault {
    Fault::new(ErrorCode::WriteOnly, format!("{element} is write-only"))
}

fn no_children(element: &str) -> Fault {
    Fault::new(
        ErrorCode::GeneralGetFailure,
        format!("{} has no _children or _count", clip(element)),
    )
}

fn or_uninitialized(value: &Option<String>, element: &str) -> Answer<String> {
    value.clone().ok_or_else(|| not_initialized(element))
}

/// `GetValue`.
pub(crate) fn get(model: &Model, element: &str) -> Answer<String> {
    if element.is_empty() {
        return Err(Fault::new(
            ErrorCode::GeneralGetFailure,
            "GetValue needs the name of a data model element",
        ));
    }
    if let Some(rest) = element.strip_prefix("adl.nav.request_valid.") {
        return navigation_valid(model, rest, element);
    }
    let parts: Vec<&str> = element.split('.').collect();
    let data = &model.data;
    let context = model.context;
    match parts.as_slice() {
        ["cmi", "_version"] => Ok("1.0".into()),
        ["cmi", "comments_from_learner", rest @ ..] => collection_get(
            &data.comments_from_learner,
            rest,
            COMMENT_CHILDREN,
            element,
            |comment, tail| comment_get(comment, tail, element),
        ),
        ["cmi", "comments_from_lms", rest @ ..] => {
            let comments: Vec<Comment> = context
                .comments_from_lms
                .iter()
                .map(|c| Comment {
                    comment: Some(c.comment.clone()),
                    location: c.location.clone(),
                    timestamp: c.timestamp.clone(),
                })
                .collect();
            collection_get(
                &comments,
                rest,
                COMMENT_CHILDREN,
                element,
                |comment, tail| comment_get(comment, tail, element),
            )
        }
        ["cmi", "completion_status"] => Ok(completion_status(model)),
        ["cmi", "completion_threshold"] => context
            .completion_threshold
            .map(|t| t.to_string())
            .ok_or_else(|| not_initialized(element)),
        ["cmi", "credit"] => Ok(if context.credit {
            "credit"
        } else {
            "no-credit"
        }
        .into()),
        ["cmi", "entry"] => Ok(model.entry.into()),
        ["cmi", "exit"] | ["cmi", "session_time"] => Err(write_only(element)),
        ["cmi", "interactions", rest @ ..] => collection_get(
            &data.interactions,
            rest,
            INTERACTION_CHILDREN,
            element,
            |interaction, tail| interaction_get(interaction, tail, element),
        ),
        ["cmi", "launch_data"] => or_uninitialized(&context.launch_data, element),
        ["cmi", "learner_id"] => Ok(context.learner_id.clone()),
        ["cmi", "learner_name"] => Ok(context.learner_name.clone()),
        ["cmi", "learner_preference", "_children"] => Ok(PREFERENCE_CHILDREN.into()),
        ["cmi", "learner_preference", "audio_level"] => Ok(data.preferences.audio_level.clone()),
        ["cmi", "learner_preference", "language"] => Ok(data.preferences.language.clone()),
        ["cmi", "learner_preference", "delivery_speed"] => {
            Ok(data.preferences.delivery_speed.clone())
        }
        ["cmi", "learner_preference", "audio_captioning"] => {
            Ok(data.preferences.audio_captioning.clone())
        }
        ["cmi", "location"] => or_uninitialized(&data.location, element),
        ["cmi", "max_time_allowed"] => or_uninitialized(&context.max_time_allowed, element),
        ["cmi", "mode"] => Ok(context.mode.as_str().into()),
        ["cmi", "objectives", rest @ ..] => collection_get(
            &data.objectives,
            rest,
            OBJECTIVE_CHILDREN,
            element,
            |objective, tail| objective_get(objective, tail, element),
        ),
        ["cmi", "progress_measure"] => or_uninitialized(&data.progress_measure, element),
        ["cmi", "scaled_passing_score"] => context
            .scaled_passing_score
            .map(|s| s.to_string())
            .ok_or_else(|| not_initialized(element)),
        ["cmi", "score", rest @ ..] => score_get(&data.score, rest, element),
        ["cmi", "success_status"] => Ok(success_status(model)),
        ["cmi", "suspend_data"] => or_uninitialized(&data.suspend_data, element),
        ["cmi", "time_limit_action"] => Ok(context
            .time_limit_action
            .clone()
            .unwrap_or_else(|| "continue,no message".into())),
        ["cmi", "total_time"] => Ok(format_iso_duration(data.total_time_cs)),
        ["adl", "nav", "request"] => Ok(nav_request_text(&data.nav_request)),
        ["adl", "data", rest @ ..] => shared_data_get(model, rest, element),
        [.., last]
            if (*last == "_children" || *last == "_count")
                && is_leaf(&parts[..parts.len() - 1]) =>
        {
            Err(no_children(element))
        }
        _ => Err(undefined(element)),
    }
}

/// Elements that exist but hold no collection or children, for the `_children`/`_count` error (301).
fn is_leaf(parts: &[&str]) -> bool {
    matches!(
        parts,
        [
            "cmi",
            "completion_status"
                | "completion_threshold"
                | "credit"
                | "entry"
                | "exit"
                | "launch_data"
                | "learner_id"
                | "learner_name"
                | "location"
                | "max_time_allowed"
                | "mode"
                | "progress_measure"
                | "scaled_passing_score"
                | "session_time"
                | "success_status"
                | "suspend_data"
                | "time_limit_action"
                | "total_time"
        ] | ["cmi", "score", "scaled" | "raw" | "min" | "max"]
            | ["cmi", "learner_preference", ..]
            | ["cmi", "objectives", _, _, ..]
            | ["cmi", "interactions", _, _, ..]
            | ["cmi", "comments_from_learner", _, _]
            | ["cmi", "comments_from_lms", _, _]
            | ["adl", "nav", "request"]
            | ["adl", "data", _, _]
    )
}

/// The `completion_status` the LMS reports: decided by `completion_threshold` when the manifest sets one.
pub(crate) fn completion_status(model: &Model) -> String {
    match model.context.completion_threshold {
        Some(threshold) => match model.data.progress() {
            Some(progress) if progress >= threshold => "completed".into(),
            Some(_) => "incomplete".into(),
            None => "unknown".into(),
        },
        None => model
            .data
            .completion_status
            .clone()
            .unwrap_or_else(|| "unknown".into()),
    }
}

/// The `success_status` the LMS reports: decided by `scaled_passing_score` when the manifest sets one.
pub(crate) fn success_status(model: &Model) -> String {
    match model.context.scaled_passing_score {
        Some(passing) => match model.data.score_scaled() {
            Some(scaled) if scaled >= passing => "passed".into(),
            Some(_) => "failed".into(),
            None => "unknown".into(),
        },
        None => model
            .data
            .success_status
            .clone()
            .unwrap_or_else(|| "unknown".into()),
    }
}

fn collection_get<T: Default>(
    items: &[T],
    rest: &[&str],
    children: &str,
    element: &str,
    field: impl Fn(&T, &[&str]) -> Answer<String>,
) -> Answer<String> {
    match rest {
        ["_children"] => Ok(children.into()),
        ["_count"] => Ok(items.len().to_string()),
        [index, tail @ ..] if !tail.is_empty() => {
            let index = parse_index(index).ok_or_else(|| undefined(element))?;
            if index >= items.len() {
                // A malformed name is undefined (401) whatever the index; a well-formed one beyond the
                // records is a get failure (301). Asking an empty record tells the two apart.
                if let Err(fault) = field(&T::default(), tail)
                    && fault.code == ErrorCode::UndefinedElement
                {
                    return Err(fault);
                }
            }
            let item = items.get(index).ok_or_else(|| {
                Fault::new(
                    ErrorCode::GeneralGetFailure,
                    format!(
                        "{} has no record {index}; it holds {}",
                        clip(element),
                        items.len()
                    ),
                )
            })?;
            field(item, tail)
        }
        _ => Err(undefined(element)),
    }
}

fn comment_get(comment: &Comment, tail: &[&str], element: &str) -> Answer<String> {
    match tail {
        ["comment"] => or_uninitialized(&comment.comment, element),
        ["location"] => or_uninitialized(&comment.location, element),
        ["timestamp"] => or_uninitialized(&comment.timestamp, element),
        _ => Err(undefined(element)),
    }
}

fn score_get(score: &Score, rest: &[&str], element: &str) -> Answer<String> {
    match rest {
        ["_children"] => Ok(SCORE_CHILDREN.into()),
        ["scaled"] => or_uninitialized(&score.scaled, element),
        ["raw"] => or_uninitialized(&score.raw, element),
        ["min"] => or_uninitialized(&score.min, element),
        ["max"] => or_uninitialized(&score.max, element),
        ["_count"] => Err(no_children(element)),
        _ => Err(undefined(element)),
    }
}

fn objective_get(objective: &Objective, tail: &[&str], element: &str) -> Answer<String> {
    match tail {
        ["id"] => Ok(objective.id.clone()),
        ["score", rest @ ..] => score_get(&objective.score, rest, element),
        ["success_status"] => Ok(objective
            .success_status
            .clone()
            .unwrap_or_else(|| "unknown".into())),
        ["completion_status"] => Ok(objective
            .completion_status
            .clone()
            .unwrap_or_else(|| "unknown".into())),
        ["progress_measure"] => or_uninitialized(&objective.progress_measure, element),
        ["description"] => or_uninitialized(&objective.description, element),
        _ => Err(undefined(element)),
    }
}

fn interaction_get(interaction: &Interaction, tail: &[&str], element: &str) -> Answer<String> {
    match tail {
        ["id"] => Ok(interaction.id.clone()),
        ["type"] => or_uninitialized(&interaction.kind, element),
        ["objectives", rest @ ..] => {
            let ids: Vec<String> = interaction.objective_ids.clone();
            collection_get(&ids, rest, "id", element, |id, tail| match tail {
                ["id"] => Ok(id.clone()),
                _ => Err(undefined(element)),
            })
        }
        ["timestamp"] => or_uninitialized(&interaction.timestamp, element),
        ["correct_responses", rest @ ..] => collection_get(
            &interaction.correct_responses,
            rest,
            "pattern",
            element,
            |p, tail| match tail {
                ["pattern"] => Ok(p.clone()),
                _ => Err(undefined(element)),
            },
        ),
        ["weighting"] => or_uninitialized(&interaction.weighting, element),
        ["learner_response"] => or_uninitialized(&interaction.learner_response, element),
        ["result"] => or_uninitialized(&interaction.result, element),
        ["latency"] => or_uninitialized(&interaction.latency, element),
        ["description"] => or_uninitialized(&interaction.description, element),
        _ => Err(undefined(element)),
    }
}

fn nav_request_text(request: &NavRequest) -> String {
    match request {
        NavRequest::None => "_none_".into(),
        NavRequest::Continue => "continue".into(),
        NavRequest::Previous => "previous".into(),
        NavRequest::Choice(target) => format!("{{target={target}}}choice"),
        NavRequest::Jump(target) => format!("{{target={target}}}jump"),
        NavRequest::Exit => "exit".into(),
        NavRequest::ExitAll => "exitAll".into(),
        NavRequest::Abandon => "abandon".into(),
        NavRequest::AbandonAll => "abandonAll".into(),
        NavRequest::SuspendAll => "suspendAll".into(),
    }
}

fn parse_nav_request(value: &str) -> Option<NavRequest> {
    let simple = match value {
        "_none_" => Some(NavRequest::None),
        "continue" => Some(NavRequest::Continue),
        "previous" => Some(NavRequest::Previous),
        "exit" => Some(NavRequest::Exit),
        "exitAll" => Some(NavRequest::ExitAll),
        "abandon" => Some(NavRequest::Abandon),
        "abandonAll" => Some(NavRequest::AbandonAll),
        "suspendAll" => Some(NavRequest::SuspendAll),
        _ => None,
    };
    if simple.is_some() {
        return simple;
    }
    let rest = value.strip_prefix("{target=")?;
    let (target, request) = rest.split_once('}')?;
    if target.is_empty() || !crate::value::is_identifier(target, LONG_ID) {
        return None;
    }
    match request {
        "choice" => Some(NavRequest::Choice(target.into())),
        "jump" => Some(NavRequest::Jump(target.into())),
        _ => None,
    }
}

fn answer(valid: Option<bool>) -> String {
    match valid {
        Some(true) => "true".into(),
        Some(false) => "false".into(),
        None => "unknown".into(),
    }
}

fn navigation_valid(model: &Model, rest: &str, element: &str) -> Answer<String> {
    let navigation = &model.context.navigation;
    let lookup = |targets: &[(String, bool)], spec: &str| -> Answer<String> {
        let target = spec
            .strip_prefix("{target=")
            .and_then(|t| t.strip_suffix('}'))
            .filter(|t| !t.is_empty())
            .ok_or_else(|| undefined(element))?;
        Ok(answer(
            targets
                .iter()
                .find(|(id, _)| id == target)
                .map(|(_, valid)| *valid),
        ))
    };
    match rest {
        "continue" => Ok(answer(navigation.continue_valid)),
        "previous" => Ok(answer(navigation.previous_valid)),
        _ => {
            if let Some(spec) = rest.strip_prefix("choice.") {
                lookup(&navigation.choice, spec)
            } else if let Some(spec) = rest.strip_prefix("jump.") {
                lookup(&navigation.jump, spec)
            } else {
                Err(undefined(element))
            }
        }
    }
}

fn shared_data_get(model: &Model, rest: &[&str], element: &str) -> Answer<String> {
    collection_get(
        model.shared,
        rest,
        DATA_CHILDREN,
        element,
        |store, tail| match tail {
            ["id"] => Ok(store.id.clone()),
            ["store"] if !store.readable => Err(write_only(element)),
            ["store"] => or_uninitialized(&store.store, element),
            _ => Err(undefined(element)),
        },
    )
}

/// `SetValue`.
pub(crate) fn set(model: &mut Model, element: &str, value: &str) -> Answer<()> {
    if element.is_empty() {
        return Err(Fault::new(
            ErrorCode::GeneralSetFailure,
            "SetValue needs the name of a data model element",
        ));
    }
    if element.starts_with("adl.nav.request_valid.") {
        return Err(refuse_set(
            get(model, element),
            ErrorCode::UndefinedElement,
            read_only(element),
        ));
    }
    let parts: Vec<&str> = element.split('.').collect();
    if matches!(parts.last(), Some(&"_children" | &"_count" | &"_version")) {
        return Err(refuse_set(
            get(model, element),
            ErrorCode::UndefinedElement,
            keyword_set(element),
        ));
    }
    let data = &mut *model.data;
    match parts.as_slice() {
        ["cmi", "comments_from_learner", rest @ ..] => collection_set(
            &mut data.comments_from_learner,
            rest,
            element,
            |comment, _, tail| comment_set(comment, tail, element, value),
        ),
        ["cmi", "completion_status"] => {
            check_vocabulary(element, value, COMPLETION)?;
            data.completion_status = Some(value.into());
            Ok(())
        }
        ["cmi", "exit"] => {
            check_vocabulary(element, value, EXIT)?;
            data.exit = match value {
                "time-out" => Exit::TimeOut,
                "suspend" => Exit::Suspend,
                "logout" => Exit::Logout,
                "normal" => Exit::Normal,
                _ => Exit::Unspecified,
            };
            Ok(())
        }
        ["cmi", "interactions", rest @ ..] => collection_set(
            &mut data.interactions,
            rest,
            element,
            |interaction, new, tail| interaction_set(interaction, new, tail, element, value),
        ),
        ["cmi", "learner_preference", field] => {
            let preferences = &mut data.preferences;
            match *field {
                "audio_level" => {
                    check_real(element, value, Some(0.0), None)?;
                    preferences.audio_level = value.into();
                }
                "language" => {
                    if !value.is_empty() && !is_language(value) {
                        return Err(Fault::new(
                            ErrorCode::TypeMismatch,
                            format!(
                                "{element} must be a language code such as en-GB; \"{}\" is not",
                                clip(value)
                            ),
                        ));
                    }
                    preferences.language = value.into();
                }
                "delivery_speed" => {
                    check_real(element, value, Some(0.0), None)?;
                    preferences.delivery_speed = value.into();
                }
                "audio_captioning" => {
                    check_vocabulary(element, value, CAPTIONING)?;
                    preferences.audio_captioning = value.into();
                }
                _ => return Err(undefined(element)),
            }
            Ok(())
        }
        ["cmi", "location"] => {
            check_string(element, value, 1000)?;
            data.location = Some(value.into());
            Ok(())
        }
        ["cmi", "objectives", rest @ ..] => {
            let others: Vec<String> = data.objectives.iter().map(|o| o.id.clone()).collect();
            collection_set(
                &mut data.objectives,
                rest,
                element,
                |objective, new, tail| objective_set(objective, new, tail, element, value, &others),
            )
        }
        ["cmi", "progress_measure"] => {
            check_real(element, value, Some(0.0), Some(1.0))?;
            data.progress_measure = Some(value.into());
            Ok(())
        }
        ["cmi", "score", field] => score_set(&mut data.score, field, element, value),
        ["cmi", "session_time"] => {
            let centis = parse_iso_duration(value).ok_or_else(|| {
                Fault::new(
                    ErrorCode::TypeMismatch,
                    format!(
                        "{element} must be an ISO 8601 duration such as PT1H5M; \"{}\" is not",
                        clip(value)
                    ),
                )
            })?;
            data.session_time_cs = Some(centis);
            Ok(())
        }
        ["cmi", "success_status"] => {
            check_vocabulary(element, value, SUCCESS)?;
            data.success_status = Some(value.into());
            Ok(())
        }
        ["cmi", "suspend_data"] => {
            check_string(element, value, 64_000)?;
            data.suspend_data = Some(value.into());
            Ok(())
        }
        ["adl", "nav", "request"] => {
            data.nav_request = parse_nav_request(value).ok_or_else(|| {
                Fault::new(
                    ErrorCode::TypeMismatch,
                    format!("{element} must be a navigation request such as continue or {{target=id}}choice; \"{}\" is not", clip(value)),
                )
            })?;
            Ok(())
        }
        ["adl", "data", index, "store"] => shared_data_set(model, index, element, value),
        ["adl", "data", ..] if !matches!(parts.as_slice(), ["adl", "data", _, "id"]) => {
            Err(undefined(element))
        }
        ["adl", "data", index, "id"] => match parse_index(index) {
            Some(i) if i < model.shared.len() => Err(read_only(element)),
            Some(_) => Err(Fault::new(
                ErrorCode::GeneralSetFailure,
                format!("{element}: no such store"),
            )),
            None => Err(undefined(element)),
        },
        // Everything else that exists is read-only (or a write-only element handled above).
        _ => Err(refuse_set(
            get(model, element),
            ErrorCode::UndefinedElement,
            read_only(element),
        )),
    }
}

/// Sets a field of record `index`: an index equal to `_count` appends a record, beyond it fails (351).
fn collection_set<T: Default + Clone>(
    items: &mut Vec<T>,
    rest: &[&str],
    element: &str,
    field: impl FnOnce(&mut T, bool, &[&str]) -> Answer<()>,
) -> Answer<()> {
    let [index, tail @ ..] = rest else {
        return Err(undefined(element));
    };
    if tail.is_empty() {
        return Err(undefined(element));
    }
    let index = parse_index(index).ok_or_else(|| undefined(element))?;
    if index > items.len() {
        return Err(Fault::new(
            ErrorCode::GeneralSetFailure,
            format!(
                "{}: records must be added in order; the next index is {}",
                clip(element),
                items.len()
            ),
        ));
    }
    if index == items.len() && items.len() >= MAX_RECORDS {
        return Err(Fault::new(
            ErrorCode::GeneralSetFailure,
            format!("{}: at most {MAX_RECORDS} records are kept", clip(element)),
        ));
    }
    let is_new = index == items.len();
    let mut record = if is_new {
        T::default()
    } else {
        items[index].clone()
    };
    field(&mut record, is_new, tail)?;
    if is_new {
        items.push(record);
    } else {
        items[index] = record;
    }
    Ok(())
}

fn comment_set(comment: &mut Comment, tail: &[&str], element: &str, value: &str) -> Answer<()> {
    match tail {
        ["comment"] => {
            check_localized(element, value, 4000)?;
            comment.comment = Some(value.into());
        }
        ["location"] => {
            check_string(element, value, 250)?;
            comment.location = Some(value.into());
        }
        ["timestamp"] => {
            check_timestamp(element, value)?;
            comment.timestamp = Some(value.into());
        }
        _ => return Err(undefined(element)),
    }
    Ok(())
}

fn check_timestamp(element: &str, value: &str) -> Answer<()> {
    if is_iso_timestamp(value) {
        Ok(())
    } else {
        Err(Fault::new(
            ErrorCode::TypeMismatch,
            format!(
                "{element} must be a date and time such as 2026-11-28T09:45:00Z; \"{}\" is not",
                clip(value)
            ),
        ))
    }
}

fn score_set(score: &mut Score, field: &str, element: &str, value: &str) -> Answer<()> {
    match field {
        "scaled" => {
            check_real(element, value, Some(-1.0), Some(1.0))?;
            score.scaled = Some(value.into());
        }
        "raw" => {
            check_real(element, value, None, None)?;
            score.raw = Some(value.into());
        }
        "min" => {
            check_real(element, value, None, None)?;
            score.min = Some(value.into());
        }
        "max" => {
            check_real(element, value, None, None)?;
            score.max = Some(value.into());
        }
        _ => return Err(undefined(element)),
    }
    Ok(())
}

fn dependency(element: &str, on: &str) -> Fault {
    Fault::new(
        ErrorCode::DependencyNotEstablished,
        format!("{}: set {on} first", clip(element)),
    )
}

fn objective_set(
    objective: &mut Objective,
    is_new: bool,
    tail: &[&str],
    element: &str,
    value: &str,
    existing_ids: &[String],
) -> Answer<()> {
    if is_new && tail != ["id"] {
        if is_known_objective_field(tail) {
            return Err(dependency(element, "the objective's id"));
        }
        return Err(undefined(element));
    }
    match tail {
        ["id"] => {
            check_identifier(element, value, LONG_ID)?;
            if !is_new && objective.id != value {
                return Err(Fault::new(
                    ErrorCode::GeneralSetFailure,
                    format!("{element}: an objective's id cannot change once set"),
                ));
            }
            if is_new && existing_ids.iter().any(|id| id == value) {
                return Err(Fault::new(
                    ErrorCode::GeneralSetFailure,
                    format!(
                        "{element}: another objective already has the id {}",
                        clip(value)
                    ),
                ));
            }
            objective.id = value.into();
        }
        ["score", field] => score_set(&mut objective.score, field, element, value)?,
        ["success_status"] => {
            check_vocabulary(element, value, SUCCESS)?;
            objective.success_status = Some(value.into());
        }
        ["completion_status"] => {
            check_vocabulary(element, value, COMPLETION)?;
            objective.completion_status = Some(value.into());
        }
        ["progress_measure"] => {
            check_real(element, value, Some(0.0), Some(1.0))?;
            objective.progress_measure = Some(value.into());
        }
        ["description"] => {
            check_localized(element, value, 250)?;
            objective.description = Some(value.into());
        }
        _ => return Err(undefined(element)),
    }
    Ok(())
}

fn is_known_objective_field(tail: &[&str]) -> bool {
    matches!(
        tail,
        ["score", "scaled" | "raw" | "min" | "max"]
            | ["success_status" | "completion_status" | "progress_measure" | "description"]
    )
}

fn is_known_interaction_field(tail: &[&str]) -> bool {
    matches!(
        tail,
        ["type"
            | "timestamp"
            | "weighting"
            | "learner_response"
            | "result"
            | "latency"
            | "description"]
            | ["objectives", _, "id"]
            | ["correct_responses", _, "pattern"]
    ) && tail
        .iter()
        .skip(1)
        .take(1)
        .all(|index| tail.len() < 3 || parse_index(index).is_some())
}

fn interaction_set(
    interaction: &mut Interaction,
    is_new: bool,
    tail: &[&str],
    element: &str,
    value: &str,
) -> Answer<()> {
    if is_new && tail != ["id"] {
        if is_known_interaction_field(tail) {
            return Err(dependency(element, "the interaction's id"));
        }
        return Err(undefined(element));
    }
    match tail {
        ["id"] => {
            check_identifier(element, value, LONG_ID)?;
            interaction.id = value.into();
        }
        ["type"] => {
            check_vocabulary(element, value, interaction::TYPES)?;
            interaction.kind = Some(value.into());
        }
        ["objectives", index, "id"] => {
            let ids = &mut interaction.objective_ids;
            let index = parse_index(index).ok_or_else(|| undefined(element))?;
            if index > ids.len() || (index == ids.len() && ids.len() >= MAX_INTERACTION_OBJECTIVES)
            {
                return Err(Fault::new(
                    ErrorCode::GeneralSetFailure,
                    format!("{}: the next index is {}", clip(element), ids.len()),
                ));
            }
            check_identifier(element, value, LONG_ID)?;
            if ids
                .iter()
                .enumerate()
                .any(|(i, id)| i != index && id == value)
            {
                return Err(Fault::new(
                    ErrorCode::GeneralSetFailure,
                    format!(
                        "{element}: the interaction already lists objective {}",
                        clip(value)
                    ),
                ));
            }
            if index == ids.len() {
                ids.push(value.into());
            } else {
                ids[index] = value.into();
            }
        }
        ["timestamp"] => {
            check_timestamp(element, value)?;
            interaction.timestamp = Some(value.into());
        }
        ["correct_responses", index, "pattern"] => {
            let index = parse_index(index).ok_or_else(|| undefined(element))?;
            let kind = interaction
                .kind
                .clone()
                .ok_or_else(|| dependency(element, "the interaction's type"))?;
            let patterns = &mut interaction.correct_responses;
            if index > patterns.len() || index >= interaction::max_patterns(&kind) {
                return Err(Fault::new(
                    ErrorCode::GeneralSetFailure,
                    format!(
                        "{}: a {kind} interaction holds at most {} patterns, added in order",
                        clip(element),
                        interaction::max_patterns(&kind)
                    ),
                ));
            }
            check_response(&kind, element, value, true)?;
            // A choice's correct answers are alternatives; listing one twice is refused (the ADL suite's rule).
            let repeated = patterns
                .iter()
                .enumerate()
                .any(|(i, p)| i != index && p == value);
            if kind == "choice" && repeated {
                return Err(Fault::new(
                    ErrorCode::GeneralSetFailure,
                    format!("{element}: the same pattern is already listed"),
                ));
            }
            if index == patterns.len() {
                patterns.push(value.into());
            } else {
                patterns[index] = value.into();
            }
        }
        ["weighting"] => {
            check_real(element, value, None, None)?;
            interaction.weighting = Some(value.into());
        }
        ["learner_response"] => {
            let kind = interaction
                .kind
                .clone()
                .ok_or_else(|| dependency(element, "the interaction's type"))?;
            check_response(&kind, element, value, false)?;
            interaction.learner_response = Some(value.into());
        }
        ["result"] => {
            if !RESULT.contains(&value) && crate::value::parse_real(value).is_none() {
                return Err(Fault::new(
                    ErrorCode::TypeMismatch,
                    format!(
                        "{element} must be correct, incorrect, unanticipated, neutral or a number; \"{}\" is not",
                        clip(value)
                    ),
                ));
            }
            interaction.result = Some(value.into());
        }
        ["latency"] => {
            parse_iso_duration(value).ok_or_else(|| {
                Fault::new(
                    ErrorCode::TypeMismatch,
                    format!(
                        "{element} must be an ISO 8601 duration; \"{}\" is not",
                        clip(value)
                    ),
                )
            })?;
            interaction.latency = Some(value.into());
        }
        ["description"] => {
            check_localized(element, value, 250)?;
            interaction.description = Some(value.into());
        }
        _ => return Err(undefined(element)),
    }
    Ok(())
}

fn check_response(kind: &str, element: &str, value: &str, pattern: bool) -> Answer<()> {
    if interaction::is_valid(kind, value, pattern) {
        Ok(())
    } else {
        Err(Fault::new(
            ErrorCode::TypeMismatch,
            format!(
                "{element} is not a valid {kind} response: \"{}\"",
                clip(value)
            ),
        ))
    }
}

fn shared_data_set(model: &mut Model, index: &str, element: &str, value: &str) -> Answer<()> {
    let index = parse_index(index).ok_or_else(|| undefined(element))?;
    let Some(store) = model.shared.get_mut(index) else {
        return Err(Fault::new(
            ErrorCode::GeneralSetFailure,
            format!(
                "{element}: this SCO has {} shared data stores",
                model.shared.len()
            ),
        ));
    };
    if !store.writable {
        return Err(read_only(element));
    }
    check_string(element, value, 64_000)?;
    // An empty store reads as never written (403), as the ADL conformance suite expects.
    store.store = (!value.is_empty()).then(|| value.to_owned());
    let id = store.id.clone();
    let writes = &mut model.data.shared_data_writes;
    writes.retain(|(existing, _)| *existing != id);
    writes.push((id, value.into()));
    Ok(())
}
