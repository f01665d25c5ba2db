//! The SCORM run-time's storage: SCO state guarded by revisions, the commit journal, shared data and the
//! attempt rollup, on both backends.

use store::{
    AttemptSummary, NewPackageVersion, NewUser, RuntimeCommit, ScoState, ScoWrite, Store,
    StoreError,
};

store::contract_tests!(
    sco_state_is_written_once_per_revision,
    a_journal_row_is_never_written_twice,
    shared_data_and_the_attempt_rollup_are_written_with_the_state,
);

/// A learner with a registration and an attempt on a one-version package: `(registration, attempt)`.
async fn attempt(store: &Store) -> (i64, i64) {
    let learner = store
        .create_user(
            &NewUser {
                organisation_id: None,
                email: "nia@example.nhs.uk".into(),
                display_name: "Nia".into(),
                password_hash: None,
                roles: vec!["learner".into()],
            },
            1,
        )
        .await
        .unwrap();
    let version = store
        .insert_package_version(
            &NewPackageVersion {
                organisation_id: None,
                identifier: "course".into(),
                standard: "SCORM 2004 4th Edition".into(),
                title: "Course".into(),
                launch_path: Some("index.html".into()),
                manifest_json: "{}".into(),
                report_json: "{}".into(),
                total_bytes: 0,
                created_by: None,
                files: vec![],
            },
            2,
        )
        .await
        .unwrap();
    let registration = store
        .register(version.package_id, learner.id, 3)
        .await
        .unwrap();
    let attempt = store
        .start_attempt(registration.id, version.id, 4)
        .await
        .unwrap();
    (registration.id, attempt.id)
}

fn state(attempt_id: i64, launch_no: i64, n_calls: i64, data: &str) -> ScoState {
    ScoState {
        attempt_id,
        item_identifier: "SCO-1".into(),
        data: Some(data.into()),
        base_data: None,
        context: "{}".into(),
        launch_no,
        n_calls,
        open: true,
        resume: false,
        completion_status: Some("incomplete".into()),
        success_status: None,
        score_scaled: None,
        total_time_cs: 0,
        launched_at: 10,
        updated_at: 0,
        revision: 0,
    }
}

fn write(state: ScoState, expected_revision: Option<i64>) -> ScoWrite {
    ScoWrite {
        state,
        expected_revision,
        journal: None,
        registration_id: 0,
        shared_data: vec![],
        summary: None,
    }
}

fn commit(launch_no: i64, seq: i64, calls: &str) -> RuntimeCommit {
    RuntimeCommit {
        launch_no,
        seq,
        calls: calls.into(),
        is_final: false,
        received_at: 20,
    }
}

async fn sco_state_is_written_once_per_revision(store: &Store) {
    let (_, attempt_id) = attempt(store).await;
    assert_eq!(store.sco_state(attempt_id, "SCO-1").await.unwrap(), None);
    let first = store
        .write_sco(&write(state(attempt_id, 1, 0, "{\"a\":1}"), None), 11)
        .await
        .unwrap();
    assert_eq!(first.revision, 1);
    assert_eq!(first.updated_at, 11);
    let again = store
        .write_sco(&write(state(attempt_id, 1, 0, "{}"), None), 12)
        .await
        .unwrap_err();
    assert!(matches!(again, StoreError::Conflict { .. }), "{again:?}");

    let second = store
        .write_sco(&write(state(attempt_id, 1, 3, "{\"a\":2}"), Some(1)), 13)
        .await
        .unwrap();
    assert_eq!(
        (second.revision, second.n_calls, second.data.as_deref()),
        (2, 3, Some("{\"a\":2}"))
    );
    let stale = store
        .write_sco(
            &write(state(attempt_id, 1, 9, "{\"stale\":1}"), Some(1)),
            14,
        )
        .await
        .unwrap_err();
    assert!(matches!(stale, StoreError::Conflict { .. }), "{stale:?}");
    let now = store.sco_state(attempt_id, "SCO-1").await.unwrap().unwrap();
    assert_eq!(now, second, "a stale writer changed nothing");
    assert_eq!(store.sco_states(attempt_id).await.unwrap(), vec![second]);
}

async fn a_journal_row_is_never_written_twice(store: &Store) {
    let (_, attempt_id) = attempt(store).await;
    let mut first = write(state(attempt_id, 1, 2, "{}"), None);
    first.journal = Some(commit(1, 0, "[1,2]"));
    store.write_sco(&first, 20).await.unwrap();
    let mut second = write(state(attempt_id, 1, 3, "{}"), Some(1));
    second.journal = Some(commit(1, 2, "[3]"));
    store.write_sco(&second, 21).await.unwrap();

    // The same batch again, even with the right revision, conflicts and leaves the state alone.
    let mut replay = write(state(attempt_id, 1, 4, "{\"twice\":1}"), Some(2));
    replay.journal = Some(commit(1, 2, "[3]"));
    let error = store.write_sco(&replay, 22).await.unwrap_err();
    assert!(matches!(error, StoreError::Conflict { .. }), "{error:?}");
    let now = store.sco_state(attempt_id, "SCO-1").await.unwrap().unwrap();
    assert_eq!((now.revision, now.n_calls), (2, 3));

    let journal = store.runtime_commits(attempt_id, "SCO-1", 1).await.unwrap();
    assert_eq!(
        journal
            .iter()
            .map(|c| (c.seq, c.calls.as_str()))
            .collect::<Vec<_>>(),
        vec![(0, "[1,2]"), (2, "[3]")]
    );
    // The next launch's journal starts empty; the old one stays.
    let mut next = write(state(attempt_id, 2, 1, "{}"), Some(2));
    next.journal = Some(commit(2, 0, "[9]"));
    store.write_sco(&next, 23).await.unwrap();
    assert_eq!(
        store
            .runtime_commits(attempt_id, "SCO-1", 2)
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        store
            .runtime_commits(attempt_id, "SCO-1", 1)
            .await
            .unwrap()
            .len(),
        2
    );
}

async fn shared_data_and_the_attempt_rollup_are_written_with_the_state(store: &Store) {
    let (registration_id, attempt_id) = attempt(store).await;
    let registration = store.registration(registration_id).await.unwrap();
    let mut finished = write(state(attempt_id, 1, 5, "{}"), None);
    finished.registration_id = registration_id;
    finished.shared_data = vec![("notes".into(), "hello".into()), ("b".into(), "x".into())];
    finished.summary = Some(AttemptSummary {
        status: "completed".into(),
        ended_at: Some(30),
        completion_status: Some("completed".into()),
        success_status: Some("passed".into()),
        score_scaled: Some(0.75),
        total_time_cs: 12_345,
        last_item: Some("SCO-1".into()),
    });
    store.write_sco(&finished, 30).await.unwrap();
    let mut overwrite = write(state(attempt_id, 1, 5, "{}"), Some(1));
    overwrite.registration_id = registration_id;
    overwrite.shared_data = vec![("notes".into(), "changed".into())];
    store.write_sco(&overwrite, 31).await.unwrap();
    assert_eq!(
        store.shared_data(registration_id).await.unwrap(),
        vec![
            ("b".to_owned(), "x".to_owned()),
            ("notes".to_owned(), "changed".to_owned())
        ]
    );

    let attempt = store.attempt(attempt_id).await.unwrap();
    assert_eq!(attempt.status, "completed");
    assert_eq!(attempt.ended_at, Some(30));
    assert_eq!(attempt.success_status.as_deref(), Some("passed"));
    assert_eq!(attempt.score_scaled, Some(0.75));
    assert_eq!(attempt.total_time_cs, 12_345);
    assert_eq!(attempt.last_item.as_deref(), Some("SCO-1"));
    assert_eq!(
        store.attempts(registration_id).await.unwrap(),
        vec![attempt.clone()]
    );

    let progress = store
        .registrations_of_user(registration.user_id)
        .await
        .unwrap();
    assert_eq!(progress.len(), 1);
    assert_eq!(progress[0].package_id, registration.package_id);
    assert_eq!(progress[0].attempt_id, Some(attempt_id));
    assert_eq!(progress[0].completion_status.as_deref(), Some("completed"));
}
