//! Element by element: what each data-model element accepts, refuses (with which error) and reads back,
//! for SCORM 2004 and SCORM 1.2, plus the cross-session rules (entry, total time, attempts).

use runtime::{AttemptData, LaunchContext, Mode, NavigationContext, Session, SharedData, Version};

fn context() -> LaunchContext {
    LaunchContext {
        learner_id: "learner-7".into(),
        learner_name: "Okafor, Ada".into(),
        launch_data: Some("chapter=2".into()),
        ..LaunchContext::default()
    }
}

fn started(version: Version, context: LaunchContext) -> Session {
    let mut session = Session::new(version, context, None);
    assert!(session.initialize(""));
    session
}

/// Sets `value`, then checks the result and `GetLastError`.
#[track_caller]
fn set(session: &mut Session, element: &str, value: &str, expected_error: &str) {
    let accepted = session.set_value(element, value);
    assert_eq!(
        session.get_last_error(),
        expected_error,
        "SetValue({element}, {value:?}): {}",
        session.get_diagnostic("")
    );
    assert_eq!(
        accepted,
        expected_error == "0",
        "SetValue({element}, {value:?}) returned {accepted}"
    );
}

#[track_caller]
fn get(session: &mut Session, element: &str, expected: &str, expected_error: &str) {
    let value = session.get_value(element);
    assert_eq!(
        session.get_last_error(),
        expected_error,
        "GetValue({element}): {}",
        session.get_diagnostic("")
    );
    assert_eq!(value, expected, "GetValue({element})");
}

#[test]
fn scorm2004_read_only_elements_come_from_the_launch() {
    let mut s = started(Version::Scorm2004, context());
    get(&mut s, "cmi._version", "1.0", "0");
    get(&mut s, "cmi.learner_id", "learner-7", "0");
    get(&mut s, "cmi.learner_name", "Okafor, Ada", "0");
    get(&mut s, "cmi.launch_data", "chapter=2", "0");
    get(&mut s, "cmi.credit", "credit", "0");
    get(&mut s, "cmi.mode", "normal", "0");
    get(&mut s, "cmi.entry", "ab-initio", "0");
    get(&mut s, "cmi.time_limit_action", "continue,no message", "0");
    get(&mut s, "cmi.completion_threshold", "", "403");
    get(&mut s, "cmi.scaled_passing_score", "", "403");
    get(&mut s, "cmi.max_time_allowed", "", "403");
    for element in [
        "cmi.learner_id",
        "cmi.credit",
        "cmi.mode",
        "cmi.entry",
        "cmi.launch_data",
        "cmi.total_time",
        "cmi._version",
    ] {
        set(&mut s, element, "x", "404");
    }
    set(&mut s, "cmi.objectives._count", "1", "404");
}

#[test]
fn scorm2004_write_only_and_undefined_elements() {
    let mut s = started(Version::Scorm2004, context());
    get(&mut s, "cmi.exit", "", "405");
    get(&mut s, "cmi.session_time", "", "405");
    get(&mut s, "cmi.nonsense", "", "401");
    get(&mut s, "cmi", "", "401");
    get(&mut s, "", "", "301");
    get(&mut s, "cmi.location._children", "", "301");
    get(&mut s, "cmi.location._count", "", "301");
    set(&mut s, "", "x", "351");
    set(&mut s, "cmi.nonsense", "x", "401");
}

#[test]
fn scorm2004_vocabularies_and_ranges() {
    let mut s = started(Version::Scorm2004, context());
    get(&mut s, "cmi.completion_status", "unknown", "0");
    set(&mut s, "cmi.completion_status", "completed", "0");
    get(&mut s, "cmi.completion_status", "completed", "0");
    set(&mut s, "cmi.completion_status", "done", "406");
    set(&mut s, "cmi.success_status", "passed", "0");
    set(&mut s, "cmi.success_status", "", "406");
    set(&mut s, "cmi.exit", "suspend", "0");
    set(&mut s, "cmi.exit", "illegal_state", "406");
    set(&mut s, "cmi.score.scaled", "0.75", "0");
    get(&mut s, "cmi.score.scaled", "0.75", "0");
    set(&mut s, "cmi.score.scaled", "1.0000999", "407");
    set(&mut s, "cmi.score.scaled", "abc", "406");
    set(&mut s, "cmi.score.raw", "-250.5", "0");
    get(&mut s, "cmi.score.min", "", "403");
    get(&mut s, "cmi.score._children", "scaled,raw,min,max", "0");
    set(&mut s, "cmi.progress_measure", "1.5", "407");
    set(&mut s, "cmi.progress_measure", "0.5", "0");
    set(&mut s, "cmi.session_time", "PT1H30M", "0");
    set(&mut s, "cmi.session_time", "P1Y6M14DT", "406");
    set(&mut s, "cmi.learner_preference.audio_level", "-1", "407");
    set(&mut s, "cmi.learner_preference.language", "en-GB", "0");
    set(&mut s, "cmi.learner_preference.language", "english", "406");
    set(
        &mut s,
        "cmi.learner_preference.audio_captioning",
        "2",
        "406",
    );
    get(&mut s, "cmi.learner_preference.delivery_speed", "1", "0");
}

#[test]
fn scorm2004_sizes_are_floors_not_ceilings_but_bounded() {
    let mut s = started(Version::Scorm2004, context());
    get(&mut s, "cmi.suspend_data", "", "403");
    let big = "x".repeat(64_000);
    set(&mut s, "cmi.suspend_data", &big, "0");
    assert_eq!(s.get_value("cmi.suspend_data").len(), 64_000);
    let location = "y".repeat(1_500);
    set(&mut s, "cmi.location", &location, "0");
    set(&mut s, "cmi.suspend_data", &"z".repeat(1_000_000), "351");
    assert_eq!(
        s.get_value("cmi.suspend_data").len(),
        64_000,
        "a refused value changes nothing"
    );
}

#[test]
fn scorm2004_objectives_need_an_id_first_and_keep_it() {
    let mut s = started(Version::Scorm2004, context());
    get(&mut s, "cmi.objectives._count", "0", "0");
    set(&mut s, "cmi.objectives.0.success_status", "passed", "408");
    set(&mut s, "cmi.objectives.1.id", "obj-2", "351");
    set(&mut s, "cmi.objectives.0.id", "urn:", "406");
    set(&mut s, "cmi.objectives.0.id", "obj-1", "0");
    set(&mut s, "cmi.objectives.0.id", "obj-1", "0");
    set(&mut s, "cmi.objectives.0.id", "obj-other", "351");
    set(&mut s, "cmi.objectives.1.id", "obj-1", "351");
    set(&mut s, "cmi.objectives.0.score.scaled", "0.5", "0");
    get(&mut s, "cmi.objectives.0.success_status", "unknown", "0");
    get(&mut s, "cmi.objectives.0.score.scaled", "0.5", "0");
    get(&mut s, "cmi.objectives.0.description", "", "403");
    get(&mut s, "cmi.objectives.5.id", "", "301");
    get(&mut s, "cmi.objectives._count", "1", "0");
    get(
        &mut s,
        "cmi.objectives._children",
        "id,score,success_status,completion_status,progress_measure,description",
        "0",
    );
}

#[test]
fn scorm2004_manifest_objectives_start_in_the_list() {
    let mut ctx = context();
    ctx.objective_ids = vec!["primary".into(), "secondary".into()];
    let mut s = started(Version::Scorm2004, ctx);
    get(&mut s, "cmi.objectives._count", "2", "0");
    get(&mut s, "cmi.objectives.1.id", "secondary", "0");
}

#[test]
fn scorm2004_interactions_by_type() {
    let mut s = started(Version::Scorm2004, context());
    set(&mut s, "cmi.interactions.0.type", "choice", "408");
    set(&mut s, "cmi.interactions.0.id", "q1", "0");
    set(&mut s, "cmi.interactions.0.learner_response", "a", "408");
    set(
        &mut s,
        "cmi.interactions.0.correct_responses.0.pattern",
        "a",
        "408",
    );
    set(&mut s, "cmi.interactions.0.type", "choice", "0");
    set(
        &mut s,
        "cmi.interactions.0.correct_responses.0.pattern",
        "a[,]b",
        "0",
    );
    set(
        &mut s,
        "cmi.interactions.0.correct_responses.2.pattern",
        "c",
        "351",
    );
    set(&mut s, "cmi.interactions.0.learner_response", "[,]", "406");
    set(&mut s, "cmi.interactions.0.learner_response", "b[,]a", "0");
    set(&mut s, "cmi.interactions.0.result", "incorrect", "0");
    set(&mut s, "cmi.interactions.0.result", "wrong", "406");
    set(&mut s, "cmi.interactions.0.latency", "PT5S", "0");
    set(
        &mut s,
        "cmi.interactions.0.timestamp",
        "2026-11-28T09:45:00.5Z",
        "0",
    );
    set(
        &mut s,
        "cmi.interactions.0.timestamp",
        "2026-11-28T09:45Z",
        "406",
    );
    set(&mut s, "cmi.interactions.0.objectives.0.id", "obj-1", "0");
    set(&mut s, "cmi.interactions.0.objectives.1.id", "obj-1", "351");
    get(&mut s, "cmi.interactions.0.objectives._count", "1", "0");
    get(
        &mut s,
        "cmi.interactions.0.correct_responses._count",
        "1",
        "0",
    );

    set(&mut s, "cmi.interactions.1.id", "q2", "0");
    set(&mut s, "cmi.interactions.1.type", "true-false", "0");
    set(
        &mut s,
        "cmi.interactions.1.correct_responses.0.pattern",
        "true",
        "0",
    );
    set(
        &mut s,
        "cmi.interactions.1.correct_responses.1.pattern",
        "false",
        "351",
    );
    set(
        &mut s,
        "cmi.interactions.1.learner_response",
        "maybe",
        "406",
    );

    set(&mut s, "cmi.interactions.2.id", "q3", "0");
    set(&mut s, "cmi.interactions.2.type", "numeric", "0");
    set(
        &mut s,
        "cmi.interactions.2.correct_responses.0.pattern",
        "30[:]-4500",
        "406",
    );
    set(
        &mut s,
        "cmi.interactions.2.correct_responses.0.pattern",
        "1.5[:]4",
        "0",
    );
    set(&mut s, "cmi.interactions.2.learner_response", "3.2", "0");

    set(&mut s, "cmi.interactions.3.id", "q4", "0");
    set(&mut s, "cmi.interactions.3.type", "fill-in", "0");
    set(
        &mut s,
        "cmi.interactions.3.correct_responses.0.pattern",
        "{case_matters=true}{lang=en}Phishing",
        "0",
    );
    set(
        &mut s,
        "cmi.interactions.3.correct_responses.1.pattern",
        "{order_matters=maybe}x",
        "406",
    );

    set(&mut s, "cmi.interactions.4.id", "q5", "0");
    set(&mut s, "cmi.interactions.4.type", "matching", "0");
    set(
        &mut s,
        "cmi.interactions.4.learner_response",
        "1[.]a[,]2[.]b",
        "0",
    );
    set(&mut s, "cmi.interactions.4.learner_response", "1-a", "406");
    get(&mut s, "cmi.interactions._count", "5", "0");
}

#[test]
fn scorm2004_status_follows_the_manifest_thresholds() {
    let mut ctx = context();
    ctx.completion_threshold = Some(0.8);
    ctx.scaled_passing_score = Some(0.7);
    let mut s = started(Version::Scorm2004, ctx);
    set(&mut s, "cmi.completion_status", "completed", "0");
    get(&mut s, "cmi.completion_status", "unknown", "0");
    set(&mut s, "cmi.progress_measure", "0.5", "0");
    get(&mut s, "cmi.completion_status", "incomplete", "0");
    set(&mut s, "cmi.progress_measure", "0.8", "0");
    get(&mut s, "cmi.completion_status", "completed", "0");
    set(&mut s, "cmi.success_status", "passed", "0");
    set(&mut s, "cmi.score.scaled", "0.69", "0");
    get(&mut s, "cmi.success_status", "failed", "0");
    set(&mut s, "cmi.score.scaled", "0.7", "0");
    get(&mut s, "cmi.success_status", "passed", "0");
}

#[test]
fn scorm2004_navigation_and_shared_data() {
    let mut ctx = context();
    ctx.navigation = NavigationContext {
        continue_valid: Some(true),
        previous_valid: Some(false),
        choice: vec![("intro".into(), true)],
        jump: vec![],
    };
    ctx.shared_data = vec![
        SharedData {
            id: "notes".into(),
            readable: true,
            writable: true,
            store: None,
        },
        SharedData {
            id: "locked".into(),
            readable: true,
            writable: false,
            store: Some("v".into()),
        },
        SharedData {
            id: "secret".into(),
            readable: false,
            writable: true,
            store: None,
        },
    ];
    let mut s = started(Version::Scorm2004, ctx);
    get(&mut s, "adl.nav.request", "_none_", "0");
    get(&mut s, "adl.nav.request_valid.continue", "true", "0");
    get(&mut s, "adl.nav.request_valid.previous", "false", "0");
    get(
        &mut s,
        "adl.nav.request_valid.choice.{target=intro}",
        "true",
        "0",
    );
    get(
        &mut s,
        "adl.nav.request_valid.choice.{target=elsewhere}",
        "unknown",
        "0",
    );
    set(&mut s, "adl.nav.request_valid.continue", "true", "404");
    set(&mut s, "adl.nav.request", "{target=intro}choice", "0");
    get(&mut s, "adl.nav.request", "{target=intro}choice", "0");
    set(&mut s, "adl.nav.request", "sideways", "406");
    get(&mut s, "adl.data._count", "3", "0");
    get(&mut s, "adl.data.0.store", "", "403");
    set(&mut s, "adl.data.0.store", "hello", "0");
    get(&mut s, "adl.data.0.store", "hello", "0");
    set(&mut s, "adl.data.1.store", "x", "404");
    get(&mut s, "adl.data.2.store", "", "405");
    set(&mut s, "adl.data.0.id", "other", "404");
    assert!(s.terminate(""));
    let end = s.finish();
    assert_eq!(
        end.shared_data_writes,
        vec![("notes".to_owned(), "hello".to_owned())]
    );
}

#[test]
fn scorm2004_api_state_machine_and_error_strings() {
    let mut s = Session::new(Version::Scorm2004, context(), None);
    assert_eq!(s.get_value("cmi.location"), "");
    assert_eq!(s.get_last_error(), "122");
    assert!(!s.set_value("cmi.location", "x"));
    assert_eq!(s.get_last_error(), "132");
    assert!(!s.commit(""));
    assert_eq!(s.get_last_error(), "142");
    assert!(!s.terminate(""));
    assert_eq!(s.get_last_error(), "112");
    assert!(!s.initialize("x"));
    assert_eq!(s.get_last_error(), "201");
    assert!(s.initialize(""));
    assert!(!s.initialize(""));
    assert_eq!(s.get_last_error(), "103");
    assert!(!s.commit("x"));
    assert_eq!(s.get_last_error(), "201");
    assert!(s.commit(""));
    assert!(s.terminate(""));
    assert!(!s.terminate(""));
    assert_eq!(s.get_last_error(), "113");
    assert_eq!(s.get_value("cmi.location"), "");
    assert_eq!(s.get_last_error(), "123");
    assert!(!s.initialize(""));
    assert_eq!(s.get_last_error(), "104");
    assert_eq!(s.get_error_string("401"), "Undefined Data Model Element");
    assert_eq!(s.get_error_string("001"), "");
    assert!(s.get_diagnostic("").chars().count() < 255);
}

#[test]
fn scorm2004_suspend_resumes_and_normal_exit_starts_a_new_attempt() {
    let mut s = started(Version::Scorm2004, context());
    set(&mut s, "cmi.location", "page-4", "0");
    set(&mut s, "cmi.suspend_data", "answers=abc", "0");
    set(&mut s, "cmi.session_time", "PT1M", "0");
    set(&mut s, "cmi.exit", "suspend", "0");
    assert!(s.terminate(""));
    let end = s.finish();
    assert!(end.suspended);
    let resumed = end.resume_data().expect("suspended attempts resume");

    let mut s = Session::new(Version::Scorm2004, context(), Some(resumed));
    assert!(s.initialize(""));
    get(&mut s, "cmi.entry", "resume", "0");
    get(&mut s, "cmi.location", "page-4", "0");
    get(&mut s, "cmi.suspend_data", "answers=abc", "0");
    get(&mut s, "cmi.total_time", "PT0H1M0S", "0");
    set(&mut s, "cmi.session_time", "PT30S", "0");
    set(&mut s, "cmi.exit", "normal", "0");
    assert!(s.terminate(""));
    let end = s.finish();
    assert_eq!(end.summary.total_time_cs, 9_000);
    assert!(
        end.resume_data().is_none(),
        "a normal exit ends the attempt"
    );
}

#[test]
fn scorm2004_suspend_all_suspends_whatever_the_exit() {
    let mut s = started(Version::Scorm2004, context());
    set(&mut s, "adl.nav.request", "suspendAll", "0");
    assert!(s.terminate(""));
    assert!(s.finish().suspended);
}

#[test]
fn scorm2004_a_closed_tab_ends_the_session_as_it_stands() {
    let mut s = started(Version::Scorm2004, context());
    set(&mut s, "cmi.location", "p2", "0");
    set(&mut s, "cmi.exit", "suspend", "0");
    let end = s.finish();
    assert_eq!(end.data.location.as_deref(), Some("p2"));
    assert!(end.suspended);
}

#[test]
fn a_session_never_terminated_is_suspended_unless_the_sco_chose_an_exit() {
    let mut s = started(Version::Scorm2004, context());
    set(&mut s, "cmi.location", "p7", "0");
    let end = s.finish();
    assert!(end.suspended, "closing the tab must not end the attempt");
    let mut s = Session::new(Version::Scorm2004, context(), end.resume_data());
    assert!(s.initialize(""));
    get(&mut s, "cmi.entry", "resume", "0");
    get(&mut s, "cmi.location", "p7", "0");

    let mut s = started(Version::Scorm2004, context());
    set(&mut s, "cmi.exit", "normal", "0");
    assert!(!s.finish().suspended, "an exit the SCO chose is respected");

    let mut s = started(Version::Scorm12, context());
    let end = s.clone().finish();
    assert!(end.suspended);
    assert_eq!(
        end.data.completion_status.as_deref(),
        Some("not attempted"),
        "an abandoned 1.2 session is not marked completed"
    );
    assert!(s.terminate(""));
    assert_eq!(
        s.finish().data.completion_status.as_deref(),
        Some("completed")
    );
}

#[test]
fn scorm12_core_elements() {
    let mut ctx = context();
    ctx.mastery_score = Some(80.0);
    ctx.max_time_allowed = Some("00:30:00".into());
    let mut s = started(Version::Scorm12, ctx.clone());
    get(&mut s, "cmi._version", "3.4", "0");
    get(&mut s, "cmi.core.student_id", "learner-7", "0");
    get(&mut s, "cmi.core.student_name", "Okafor, Ada", "0");
    get(&mut s, "cmi.core.lesson_status", "not attempted", "0");
    get(&mut s, "cmi.core.entry", "ab-initio", "0");
    get(&mut s, "cmi.core.lesson_mode", "normal", "0");
    get(&mut s, "cmi.core.total_time", "0000:00:00.00", "0");
    get(&mut s, "cmi.core.lesson_location", "", "0");
    get(&mut s, "cmi.student_data.mastery_score", "80", "0");
    get(&mut s, "cmi.student_data.max_time_allowed", "00:30:00", "0");
    get(&mut s, "cmi.launch_data", "chapter=2", "0");
    get(&mut s, "cmi.core.exit", "", "404");
    get(&mut s, "cmi.core.session_time", "", "404");
    get(
        &mut s,
        "cmi.core._children",
        "student_id,student_name,lesson_location,credit,lesson_status,entry,score,total_time,lesson_mode,exit,session_time",
        "0",
    );
    get(&mut s, "cmi.core.student_id._children", "", "202");
    get(&mut s, "cmi.core.lesson_location._count", "", "203");
    get(&mut s, "cmi.core.nonsense", "", "201");
    set(&mut s, "cmi.core.student_id", "x", "403");
    set(&mut s, "cmi.core._children", "x", "402");
    set(&mut s, "cmi.core.lesson_status", "not attempted", "405");
    set(&mut s, "cmi.core.lesson_status", "incomplete", "0");
    set(&mut s, "cmi.core.score.raw", "101", "405");
    set(&mut s, "cmi.core.score.raw", "85", "0");
    set(&mut s, "cmi.core.session_time", "1:00:00", "405");
    set(&mut s, "cmi.core.session_time", "0000:10:00", "0");
    set(&mut s, "cmi.core.exit", "suspend", "0");
    set(&mut s, "cmi.student_preference.audio", "101", "405");
    set(&mut s, "cmi.student_preference.text", "1", "0");
    set(&mut s, "cmi.suspend_data", &"s".repeat(10_000), "0");
    set(&mut s, "cmi.comments", "first. ", "0");
    set(&mut s, "cmi.comments", "second.", "0");
    get(&mut s, "cmi.comments", "first. second.", "0");
    set(&mut s, "cmi.interactions.0.id", "q1", "0");
    set(&mut s, "cmi.interactions.0.type", "true-false", "0");
    set(&mut s, "cmi.interactions.0.student_response", "t", "0");
    set(&mut s, "cmi.interactions.0.result", "wrong", "0");
    set(&mut s, "cmi.interactions.0.time", "25:00:00", "405");
    set(&mut s, "cmi.interactions.2.id", "q3", "201");
    get(&mut s, "cmi.interactions.0.id", "", "404");
    get(&mut s, "cmi.interactions._count", "1", "0");
    set(&mut s, "cmi.objectives.0.id", "obj1", "0");
    set(&mut s, "cmi.objectives.0.status", "passed", "0");
    get(&mut s, "cmi.objectives.0.status", "passed", "0");
    assert!(s.terminate(""));
    let end = s.finish();
    assert_eq!(
        end.data.completion_status.as_deref(),
        Some("passed"),
        "raw 85 ≥ mastery 80"
    );
    assert_eq!(end.summary.success, "passed");

    let mut s = Session::new(Version::Scorm12, ctx, end.resume_data());
    assert!(s.initialize(""));
    get(&mut s, "cmi.core.entry", "resume", "0");
    get(&mut s, "cmi.core.total_time", "0000:10:00.00", "0");
    assert_eq!(s.get_value("cmi.suspend_data").len(), 10_000);
}

#[test]
fn scorm12_not_initialized_and_unset_status() {
    let mut s = Session::new(Version::Scorm12, context(), None);
    assert_eq!(s.get_value("cmi.core.student_id"), "");
    assert_eq!(s.get_last_error(), "301");
    assert_eq!(s.get_error_string("301"), "Not initialized");
    assert!(s.initialize(""));
    assert!(s.terminate(""));
    let end = s.finish();
    assert_eq!(end.data.completion_status.as_deref(), Some("completed"));
    let mut browse = context();
    browse.mode = Mode::Browse;
    let mut s = started(Version::Scorm12, browse);
    assert!(s.terminate(""));
    assert_eq!(
        s.finish().data.completion_status.as_deref(),
        Some("browsed")
    );
}

#[test]
fn replaying_a_journal_reproduces_the_session_and_refuses_forgeries() {
    use runtime::{Call, replay};
    let calls = vec![
        Call::Initialize,
        Call::SetValue {
            element: "cmi.location".into(),
            value: "p3".into(),
        },
        Call::Commit,
    ];
    let mut s = Session::new(Version::Scorm2004, context(), None);
    replay(&mut s, &calls).expect("a valid journal replays");
    assert_eq!(s.data().location.as_deref(), Some("p3"));

    let forged = vec![
        Call::Initialize,
        Call::SetValue {
            element: "cmi.learner_id".into(),
            value: "someone-else".into(),
        },
    ];
    let mut s = Session::new(Version::Scorm2004, context(), None);
    let error = replay(&mut s, &forged).expect_err("read-only elements cannot be journaled");
    assert_eq!((error.index, error.error_code.as_str()), (1, "404"));
    let data: AttemptData = s.data().clone();
    assert!(data.location.is_none());
}
