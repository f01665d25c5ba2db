//! The SCORM 1.2 run-time data model (`cmi.core.*` and friends; SCORM 1.2 RTE, section 3.4).

use crate::data::{AttemptData, Interaction, Objective, Score};
use crate::errors::ErrorCode;
use crate::session::{Answer, Fault, Model, keyword_set, refuse_set};
use crate::time::{format_scorm12_timespan, is_scorm12_time, parse_scorm12_timespan};
use crate::value::{clip, is_identifier, parse_index, parse_real};
use crate::{Exit, LaunchContext, Mode};

const CORE_CHILDREN: &str = "student_id,student_name,lesson_location,credit,lesson_status,entry,score,total_time,lesson_mode,exit,session_time";
const SCORE_CHILDREN: &str = "raw,min,max";
const OBJECTIVE_CHILDREN: &str = "id,score,status";
const STUDENT_DATA_CHILDREN: &str = "mastery_score,max_time_allowed,time_limit_action";
const PREFERENCE_CHILDREN: &str = "audio,language,speed,text";
const INTERACTION_CHILDREN: &str =
    "id,objectives,time,type,correct_responses,weighting,student_response,result,latency";

/// `cmi.core.lesson_status` a SCO may set (`not attempted` is the LMS's alone).
const LESSON_STATUS: &[&str] = &["passed", "completed", "failed", "incomplete", "browsed"];
const OBJECTIVE_STATUS: &[&str] = &[
    "passed",
    "completed",
    "failed",
    "incomplete",
    "browsed",
    "not attempted",
];
const EXIT: &[&str] = &["time-out", "suspend", "logout", ""];
const TYPES: &[&str] = &[
    "true-false",
    "choice",
    "fill-in",
    "matching",
    "performance",
    "sequencing",
    "likert",
    "numeric",
];
const RESULT: &[&str] = &["correct", "wrong", "unanticipated", "neutral"];

/// SCORM 1.2 gives `suspend_data` 4,096 characters; real courses store far more, so accept up to this.
const SUSPEND_DATA_CEILING: usize = 64_000;
const MAX_RECORDS: usize = 1000;

fn invalid(element: &str) -> Fault {
    Fault::new(
        ErrorCode::InvalidArgument12,
        format!(
            "{} is not an element of the SCORM 1.2 data model",
            clip(element)
        ),
    )
}

fn read_only(element: &str) -> Fault {
    Fault::new(ErrorCode::ReadOnly, format!("{element} is read-only"))
}

fn write_only(element: &str) -> Fault {
    Fault::new(ErrorCode::WriteOnly, format!("{element} is write-only"))
}

fn wrong_type(element: &str, expected: &str, value: &str) -> Fault {
    Fault::new(
        ErrorCode::TypeMismatch,
        format!("{element} must be {expected}; \"{}\" is not", clip(value)),
    )
}

/// `LMSGetValue`. Unset values read as `""` (SCORM 1.2 has no "not initialised" error).
pub(crate) fn get(model: &Model, element: &str) -> Answer<String> {
    let parts: Vec<&str> = element.split('.').collect();
    let data = &model.data;
    let context = model.context;
    let text = |value: &Option<String>| value.clone().unwrap_or_default();
    match parts.as_slice() {
        ["cmi", "_version"] => Ok("3.4".into()),
        ["cmi", "core", "_children"] => Ok(CORE_CHILDREN.into()),
        ["cmi", "core", "student_id"] => Ok(context.learner_id.clone()),
        ["cmi", "core", "student_name"] => Ok(context.learner_name.clone()),
        ["cmi", "core", "lesson_location"] => Ok(text(&data.location)),
        ["cmi", "core", "credit"] => Ok(if context.credit {
            "credit"
        } else {
            "no-credit"
        }
        .into()),
        ["cmi", "core", "lesson_status"] => Ok(data
            .completion_status
            .clone()
            .unwrap_or_else(|| "not attempted".into())),
        ["cmi", "core", "entry"] => Ok(model.entry.into()),
        ["cmi", "core", "score", rest @ ..] => score_get(&data.score, rest, element),
        ["cmi", "core", "total_time"] => Ok(format_scorm12_timespan(data.total_time_cs)),
        ["cmi", "core", "lesson_mode"] => Ok(context.mode.as_str().into()),
        ["cmi", "core", "exit" | "session_time"] => Err(write_only(element)),
        ["cmi", "suspend_data"] => Ok(text(&data.suspend_data)),
        ["cmi", "launch_data"] => Ok(context.launch_data.clone().unwrap_or_default()),
        ["cmi", "comments"] => Ok(text(&data.comments_text)),
        ["cmi", "comments_from_lms"] => Ok(context
            .comments_from_lms
            .iter()
            .map(|c| c.comment.as_str())
            .collect::<Vec<_>>()
            .join("\n")),
        ["cmi", "objectives", rest @ ..] => collection_get(
            &data.objectives,
            rest,
            OBJECTIVE_CHILDREN,
            element,
            |objective, tail| match tail {
                ["id"] => Ok(objective.id.clone()),
                ["score", rest @ ..] => score_get(&objective.score, rest, element),
                ["status"] => Ok(objective
                    .success_status
                    .clone()
                    .unwrap_or_else(|| "not attempted".into())),
                _ => Err(invalid(element)),
            },
        ),
        ["cmi", "student_data", "_children"] => Ok(STUDENT_DATA_CHILDREN.into()),
        ["cmi", "student_data", "mastery_score"] => Ok(context
            .mastery_score
            .map(|s| s.to_string())
            .unwrap_or_default()),
        ["cmi", "student_data", "max_time_allowed"] => {
            Ok(context.max_time_allowed.clone().unwrap_or_default())
        }
        ["cmi", "student_data", "time_limit_action"] => {
            Ok(context.time_limit_action.clone().unwrap_or_default())
        }
        ["cmi", "student_preference", "_children"] => Ok(PREFERENCE_CHILDREN.into()),
        ["cmi", "student_preference", "audio"] => Ok(data.preferences.audio_level.clone()),
        ["cmi", "student_preference", "language"] => Ok(data.preferences.language.clone()),
        ["cmi", "student_preference", "speed"] => Ok(data.preferences.delivery_speed.clone()),
        ["cmi", "student_preference", "text"] => Ok(data.preferences.audio_captioning.clone()),
        ["cmi", "interactions", "_children"] => Ok(INTERACTION_CHILDREN.into()),
        ["cmi", "interactions", "_count"] => Ok(data.interactions.len().to_string()),
        ["cmi", "interactions", index, "objectives", "_count"] => {
            interaction_at(model, index, element).map(|i| i.objective_ids.len().to_string())
        }
        ["cmi", "interactions", index, "correct_responses", "_count"] => {
            interaction_at(model, index, element).map(|i| i.correct_responses.len().to_string())
        }
        ["cmi", "interactions", index, ..] if is_interaction_field(&parts[3..]) => {
            // Write-only whether or not the record exists yet (SCORM 1.2 RTE 3.4.3: 404 on any get).
            parse_index(index).ok_or_else(|| invalid(element))?;
            Err(write_only(element))
        }
        [.., "_children"] if is_known(&parts[..parts.len() - 1]) => Err(Fault::new(
            ErrorCode::ElementCannotHaveChildren12,
            format!("{} has no children", clip(element)),
        )),
        [.., "_count"] if is_known(&parts[..parts.len() - 1]) => Err(Fault::new(
            ErrorCode::ElementNotAnArray12,
            format!("{} is not a list", clip(element)),
        )),
        _ => Err(invalid(element)),
    }
}

fn is_interaction_field(tail: &[&str]) -> bool {
    matches!(
        tail,
        ["id" | "time" | "type" | "weighting" | "student_response" | "result" | "latency"]
            | ["objectives", _, "id"]
            | ["correct_responses", _, "pattern"]
    ) && (tail.len() < 3 || parse_index(tail[1]).is_some())
}

/// Elements that exist without children, for the 202/203 errors.
fn is_known(parts: &[&str]) -> bool {
    matches!(
        parts,
        [
            "cmi",
            "core",
            "student_id"
                | "student_name"
                | "lesson_location"
                | "credit"
                | "lesson_status"
                | "entry"
                | "total_time"
                | "lesson_mode"
                | "exit"
                | "session_time"
        ] | ["cmi", "core", "score", "raw" | "min" | "max"]
            | [
                "cmi",
                "suspend_data" | "launch_data" | "comments" | "comments_from_lms"
            ]
            | ["cmi", "student_data", _]
            | ["cmi", "student_preference", _]
            | ["cmi", "core"]
            | ["cmi", "student_data"]
            | ["cmi", "student_preference"]
            | ["cmi", "core", "score"]
    )
}

fn interaction_at<'m>(model: &'m Model, index: &str, element: &str) -> Answer<&'m Interaction> {
    let index = parse_index(index).ok_or_else(|| invalid(element))?;
    model.data.interactions.get(index).ok_or_else(|| {
        Fault::new(
            ErrorCode::InvalidArgument12,
            format!("{}: there is no interaction {index}", clip(element)),
        )
    })
}

fn collection_get<T>(
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
            let index = parse_index(index).ok_or_else(|| invalid(element))?;
            let item = items.get(index).ok_or_else(|| {
                Fault::new(
                    ErrorCode::InvalidArgument12,
                    format!("{}: there is no record {index}", clip(element)),
                )
            })?;
            field(item, tail)
        }
        _ => Err(invalid(element)),
    }
}

fn score_get(score: &Score, rest: &[&str], element: &str) -> Answer<String> {
    match rest {
        ["_children"] => Ok(SCORE_CHILDREN.into()),
        ["raw"] => Ok(score.raw.clone().unwrap_or_default()),
        ["min"] => Ok(score.min.clone().unwrap_or_default()),
        ["max"] => Ok(score.max.clone().unwrap_or_default()),
        ["_count"] => Err(Fault::new(
            ErrorCode::ElementNotAnArray12,
            format!("{element} is not a list"),
        )),
        _ => Err(invalid(element)),
    }
}

/// `LMSSetValue`.
pub(crate) fn set(model: &mut Model, element: &str, value: &str) -> Answer<()> {
    let parts: Vec<&str> = element.split('.').collect();
    if matches!(parts.last(), Some(&"_children" | &"_count" | &"_version")) {
        return Err(refuse_set(
            get(model, element),
            ErrorCode::InvalidArgument12,
            keyword_set(element),
        ));
    }
    let data = &mut *model.data;
    match parts.as_slice() {
        ["cmi", "core", "lesson_location"] => {
            check_string(element, value, 255)?;
            data.location = Some(value.into());
        }
        ["cmi", "core", "lesson_status"] => {
            vocabulary(element, value, LESSON_STATUS)?;
            data.completion_status = Some(value.into());
        }
        ["cmi", "core", "score", field] => score_set(&mut data.score, field, element, value)?,
        ["cmi", "core", "exit"] => {
            vocabulary(element, value, EXIT)?;
            data.exit = match value {
                "time-out" => Exit::TimeOut,
                "suspend" => Exit::Suspend,
                "logout" => Exit::Logout,
                _ => Exit::Unspecified,
            };
        }
        ["cmi", "core", "session_time"] => {
            let centis = parse_scorm12_timespan(value)
                .ok_or_else(|| wrong_type(element, "a time span HHHH:MM:SS.SS", value))?;
            data.session_time_cs = Some(centis);
        }
        ["cmi", "suspend_data"] => {
            if value.chars().count() > SUSPEND_DATA_CEILING {
                return Err(wrong_type(
                    element,
                    &format!("at most {SUSPEND_DATA_CEILING} characters"),
                    value,
                ));
            }
            data.suspend_data = Some(value.into());
        }
        ["cmi", "comments"] => {
            // Each LMSSetValue("cmi.comments") adds to the comments already made.
            let mut comments = data.comments_text.clone().unwrap_or_default();
            comments.push_str(value);
            check_string(element, &comments, 4096)?;
            data.comments_text = Some(comments);
        }
        ["cmi", "objectives", index, tail @ ..] if !tail.is_empty() => {
            let index = parse_index(index).ok_or_else(|| invalid(element))?;
            let objectives = &mut data.objectives;
            let mut objective = record_for(objectives, index, element)?;
            objective_set(&mut objective, tail, element, value)?;
            store_record(objectives, index, objective);
        }
        ["cmi", "student_preference", field] => preference_set(model, field, element, value)?,
        ["cmi", "interactions", index, tail @ ..] if !tail.is_empty() => {
            let index = parse_index(index).ok_or_else(|| invalid(element))?;
            let interactions = &mut data.interactions;
            let mut interaction = record_for(interactions, index, element)?;
            interaction_set(&mut interaction, tail, element, value)?;
            store_record(interactions, index, interaction);
        }
        _ => {
            return Err(refuse_set(
                get(model, element),
                ErrorCode::InvalidArgument12,
                read_only(element),
            ));
        }
    }
    Ok(())
}

/// A `CMIString…` of at least `spm` characters; far longer values are a data type error (405), the
/// nearest SCORM 1.2 has to "too long".
fn check_string(element: &str, value: &str, spm: usize) -> Answer<()> {
    crate::value::check_string(element, value, spm).map_err(|fault| Fault {
        code: ErrorCode::TypeMismatch,
        ..fault
    })
}

fn vocabulary(element: &str, value: &str, words: &[&str]) -> Answer<()> {
    if words.contains(&value) {
        Ok(())
    } else {
        Err(wrong_type(
            element,
            &format!("one of {}", words.join(", ")),
            value,
        ))
    }
}

/// The record at `index`, or a new one when `index` is the next free one.
fn record_for<T: Default + Clone>(items: &[T], index: usize, element: &str) -> Answer<T> {
    if index < items.len() {
        return Ok(items[index].clone());
    }
    if index == items.len() && items.len() < MAX_RECORDS {
        return Ok(T::default());
    }
    Err(Fault::new(
        ErrorCode::InvalidArgument12,
        format!(
            "{}: records must be added in order; the next index is {}",
            clip(element),
            items.len()
        ),
    ))
}

fn store_record<T>(items: &mut Vec<T>, index: usize, record: T) {
    if index == items.len() {
        items.push(record);
    } else {
        items[index] = record;
    }
}

/// `CMIDecimal` score between 0 and 100, or blank.
fn score_set(score: &mut Score, field: &str, element: &str, value: &str) -> Answer<()> {
    if !value.is_empty() {
        let number = parse_real(value).ok_or_else(|| wrong_type(element, "a number", value))?;
        if !(0.0..=100.0).contains(&number) {
            return Err(wrong_type(element, "a number from 0 to 100", value));
        }
    }
    let slot = match field {
        "raw" => &mut score.raw,
        "min" => &mut score.min,
        "max" => &mut score.max,
        _ => return Err(invalid(element)),
    };
    *slot = Some(value.into());
    Ok(())
}

fn objective_set(
    objective: &mut Objective,
    tail: &[&str],
    element: &str,
    value: &str,
) -> Answer<()> {
    match tail {
        ["id"] => {
            if !is_identifier(value, 255) {
                return Err(wrong_type(element, "an identifier without spaces", value));
            }
            objective.id = value.into();
        }
        ["score", field] => score_set(&mut objective.score, field, element, value)?,
        ["status"] => {
            vocabulary(element, value, OBJECTIVE_STATUS)?;
            objective.success_status = Some(value.into());
        }
        _ => return Err(invalid(element)),
    }
    Ok(())
}

fn preference_set(model: &mut Model, field: &str, element: &str, value: &str) -> Answer<()> {
    let integer_in = |low: i32, high: i32| -> Answer<()> {
        match value.parse::<i32>() {
            Ok(n) if (low..=high).contains(&n) && !value.starts_with('+') => Ok(()),
            _ => Err(wrong_type(
                element,
                &format!("a whole number from {low} to {high}"),
                value,
            )),
        }
    };
    let preferences = &mut model.data.preferences;
    match field {
        "audio" => {
            integer_in(-1, 100)?;
            preferences.audio_level = value.into();
        }
        "language" => {
            check_string(element, value, 255)?;
            preferences.language = value.into();
        }
        "speed" => {
            integer_in(-100, 100)?;
            preferences.delivery_speed = value.into();
        }
        "text" => {
            integer_in(-1, 1)?;
            preferences.audio_captioning = value.into();
        }
        _ => return Err(invalid(element)),
    }
    Ok(())
}

fn interaction_set(
    interaction: &mut Interaction,
    tail: &[&str],
    element: &str,
    value: &str,
) -> Answer<()> {
    match tail {
        ["id"] => {
            if !is_identifier(value, 255) {
                return Err(wrong_type(element, "an identifier without spaces", value));
            }
            interaction.id = value.into();
        }
        ["objectives", index, "id"] => {
            let index = parse_index(index).ok_or_else(|| invalid(element))?;
            if !is_identifier(value, 255) {
                return Err(wrong_type(element, "an identifier without spaces", value));
            }
            let ids = &mut interaction.objective_ids;
            let id = record_for(ids, index, element).map(|_| value.to_owned())?;
            store_record(ids, index, id);
        }
        ["time"] => {
            if !is_scorm12_time(value) {
                return Err(wrong_type(element, "a time of day HH:MM:SS", value));
            }
            interaction.timestamp = Some(value.into());
        }
        ["type"] => {
            vocabulary(element, value, TYPES)?;
            interaction.kind = Some(value.into());
        }
        ["correct_responses", index, "pattern"] => {
            let index = parse_index(index).ok_or_else(|| invalid(element))?;
            check_feedback(interaction.kind.as_deref(), element, value)?;
            let patterns = &mut interaction.correct_responses;
            let pattern = record_for(patterns, index, element).map(|_| value.to_owned())?;
            store_record(patterns, index, pattern);
        }
        ["weighting"] => {
            parse_real(value).ok_or_else(|| wrong_type(element, "a number", value))?;
            interaction.weighting = Some(value.into());
        }
        ["student_response"] => {
            check_feedback(interaction.kind.as_deref(), element, value)?;
            interaction.learner_response = Some(value.into());
        }
        ["result"] => {
            if !RESULT.contains(&value) && parse_real(value).is_none() {
                return Err(wrong_type(
                    element,
                    "correct, wrong, unanticipated, neutral or a number",
                    value,
                ));
            }
            interaction.result = Some(value.into());
        }
        ["latency"] => {
            parse_scorm12_timespan(value)
                .ok_or_else(|| wrong_type(element, "a time span HHHH:MM:SS.SS", value))?;
            interaction.latency = Some(value.into());
        }
        _ => return Err(invalid(element)),
    }
    Ok(())
}

/// `CMIFeedback`: free text of at most 255 characters, typed for true-false and numeric interactions.
fn check_feedback(kind: Option<&str>, element: &str, value: &str) -> Answer<()> {
    match kind {
        Some("true-false") if !matches!(value, "0" | "1" | "t" | "f" | "true" | "false") => {
            Err(wrong_type(element, "0, 1, t or f", value))
        }
        Some("numeric") if parse_real(value).is_none() => {
            Err(wrong_type(element, "a number", value))
        }
        _ => check_string(element, value, 255),
    }
}

/// What the LMS decides when a SCORM 1.2 session ends: a mastery score turns a raw score into passed or
/// failed (when the learner is taking it for credit), and a SCO that never set a status has been
/// browsed (browse mode) or completed.
pub(crate) fn apply_end_of_session_rules(
    mode: Mode,
    credit: bool,
    context: &LaunchContext,
    data: &mut AttemptData,
) {
    if let (Some(mastery), Some(raw), true, Mode::Normal) =
        (context.mastery_score, data.score_raw(), credit, mode)
    {
        data.completion_status = Some(if raw >= mastery { "passed" } else { "failed" }.into());
        return;
    }
    let unset = matches!(
        data.completion_status.as_deref(),
        None | Some("not attempted")
    );
    if unset {
        data.completion_status = Some(
            if mode == Mode::Browse {
                "browsed"
            } else {
                "completed"
            }
            .into(),
        );
    }
}
