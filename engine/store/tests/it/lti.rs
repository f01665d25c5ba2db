//! LTI rows on both backends: the single-use pieces a launch's security rests on, provisioning races,
//! the grade outbox's idempotency and retries.

use store::{
    LoginState, NewGradeTarget, NewLtiPlatform, NewPackageVersion, NewResourceLink, Store,
    StoreError,
};

use crate::{org, user};

store::contract_tests!(
    login_states_are_single_use_and_expire,
    nonces_are_single_use_per_scope,
    registration_tokens_are_single_use_and_expire,
    a_platform_is_registered_once_per_issuer_and_client,
    an_identity_is_provisioned_once,
    grades_are_queued_once_and_retried_until_given_up,
);

async fn platform(store: &Store) -> (i64, i64) {
    let organisation = store.create_organisation(&org("Leeds"), 1).await.unwrap();
    let deployments = vec!["d1".to_owned()];
    let id = store
        .insert_lti_platform(
            &NewLtiPlatform {
                organisation_id: organisation.id,
                name: "Moodle",
                issuer: "https://lms.example",
                client_id: "c1",
                auth_endpoint: "https://lms.example/auth",
                token_endpoint: "https://lms.example/token",
                jwks_url: "https://lms.example/jwks",
                status: "active",
                registered_via: "manual",
                deployment_ids: &deployments,
            },
            1,
        )
        .await
        .unwrap();
    (organisation.id, id)
}

async fn login_states_are_single_use_and_expire(store: &Store) {
    let (_, platform_id) = platform(store).await;
    let state = LoginState {
        platform_id,
        nonce: "n1".into(),
        target_link_uri: "https://rampart/lti/launch".into(),
        storage_target: None,
        login_params: String::new(),
        expires_at: 100,
    };
    store.insert_login_state("s1", &state).await.unwrap();
    assert_eq!(
        store.take_login_state("s1", 50).await.unwrap(),
        Some(state.clone())
    );
    assert_eq!(
        store.take_login_state("s1", 50).await.unwrap(),
        None,
        "used once"
    );
    store.insert_login_state("s2", &state).await.unwrap();
    assert_eq!(
        store.take_login_state("s2", 100).await.unwrap(),
        None,
        "expired"
    );
    store.insert_login_state("s3", &state).await.unwrap();
    assert_eq!(store.delete_expired_lti_states(200).await.unwrap(), 1);
    assert_eq!(store.take_login_state("unknown", 1).await.unwrap(), None);
}

async fn nonces_are_single_use_per_scope(store: &Store) {
    assert!(store.use_nonce("iss:a", "n", 100).await.unwrap());
    assert!(!store.use_nonce("iss:a", "n", 100).await.unwrap());
    assert!(
        store.use_nonce("iss:b", "n", 100).await.unwrap(),
        "another issuer's nonce space"
    );
    store.delete_expired_lti_states(101).await.unwrap();
    assert!(
        store.use_nonce("iss:a", "n", 300).await.unwrap(),
        "forgotten once it cannot be valid"
    );
}

async fn registration_tokens_are_single_use_and_expire(store: &Store) {
    let organisation = store.create_organisation(&org("York"), 1).await.unwrap();
    store
        .insert_registration_token("h1", organisation.id, None, 1, 100)
        .await
        .unwrap();
    assert_eq!(
        store
            .registration_token_organisation("h1", 50)
            .await
            .unwrap(),
        Some(organisation.id)
    );
    assert_eq!(
        store.use_registration_token("h1", 50).await.unwrap(),
        Some(organisation.id)
    );
    assert_eq!(
        store.use_registration_token("h1", 51).await.unwrap(),
        None,
        "used once"
    );
    assert_eq!(
        store
            .registration_token_organisation_any("h1")
            .await
            .unwrap(),
        Some((organisation.id, 100)),
        "a used token still names its organisation (for a registration awaiting approval)"
    );
    store
        .insert_registration_token("h2", organisation.id, None, 1, 100)
        .await
        .unwrap();
    assert_eq!(
        store.use_registration_token("h2", 100).await.unwrap(),
        None,
        "expired"
    );
}

async fn a_platform_is_registered_once_per_issuer_and_client(store: &Store) {
    let (organisation_id, id) = platform(store).await;
    let deployments = vec!["d2".to_owned()];
    let again = store
        .insert_lti_platform(
            &NewLtiPlatform {
                organisation_id,
                name: "Moodle again",
                issuer: "https://lms.example",
                client_id: "c1",
                auth_endpoint: "https://lms.example/auth",
                token_endpoint: "https://lms.example/token",
                jwks_url: "https://lms.example/jwks",
                status: "active",
                registered_via: "manual",
                deployment_ids: &deployments,
            },
            2,
        )
        .await;
    assert!(
        matches!(again, Err(StoreError::Conflict { .. })),
        "{again:?}"
    );
    assert_eq!(
        store.lti_deployments(id).await.unwrap(),
        vec!["d1".to_owned()],
        "nothing half-written"
    );
    store.add_lti_deployment(id, "d1", 3).await.unwrap();
    store.add_lti_deployment(id, "d3", 3).await.unwrap();
    assert_eq!(store.lti_deployments(id).await.unwrap().len(), 2);
}

async fn an_identity_is_provisioned_once(store: &Store) {
    let (organisation_id, _) = platform(store).await;
    let first = store
        .provision_lti_user(
            "https://lms.example",
            "sub-1",
            &user("a@lti.invalid", Some(organisation_id), &["learner"]),
            1,
        )
        .await
        .unwrap();
    // A second provisioning of the same identity (a concurrent launch) answers the first user.
    let second = store
        .provision_lti_user(
            "https://lms.example",
            "sub-1",
            &user("b@lti.invalid", Some(organisation_id), &["learner"]),
            1,
        )
        .await
        .unwrap();
    assert_eq!(first.id, second.id);
    assert_eq!(
        store
            .lti_identity("https://lms.example", "sub-1")
            .await
            .unwrap(),
        Some(first.id)
    );
    assert_eq!(
        store
            .lti_identity("https://other.example", "sub-1")
            .await
            .unwrap(),
        None
    );
    store
        .refresh_lti_user(
            first.id,
            Some("New Name"),
            &["learner".into(), "org_admin".into()],
        )
        .await
        .unwrap();
    let refreshed = store.user(first.id).await.unwrap();
    assert_eq!(refreshed.display_name, "New Name");
    assert!(refreshed.roles.contains(&"org_admin".to_owned()));
}

async fn grades_are_queued_once_and_retried_until_given_up(store: &Store) {
    let (organisation_id, platform_id) = platform(store).await;
    let learner = store
        .create_user(
            &user("l@lti.invalid", Some(organisation_id), &["learner"]),
            1,
        )
        .await
        .unwrap();
    let package_id = store
        .insert_package_version(
            &NewPackageVersion {
                organisation_id: None,
                identifier: "course".into(),
                standard: "SCORM 1.2".into(),
                title: "Phishing".into(),
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
        .unwrap()
        .package_id;
    let source = format!("p{platform_id}");
    let link = store
        .upsert_resource_link(
            &NewResourceLink {
                source: &source,
                organisation_id,
                resource_link_id: "rl",
                context_id: Some("ctx"),
                title: Some("Phishing"),
                lineitem_url: None,
            },
            1,
        )
        .await
        .unwrap();
    let target = store
        .upsert_grade_target(
            &NewGradeTarget {
                resource_link_id: link.id,
                user_id: learner.id,
                package_id,
                kind: "ags",
                service_url: "https://lms.example/li/1",
                subject: "sub-1",
            },
            1,
        )
        .await
        .unwrap();
    assert!(store.enqueue_grade(target, "k1", "{}", 10).await.unwrap());
    assert!(
        !store.enqueue_grade(target, "k1", "{}", 11).await.unwrap(),
        "same key, queued once"
    );
    let due = store.due_grades(10, 10).await.unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(
        (due[0].kind.as_str(), due[0].source.as_str()),
        ("ags", source.as_str())
    );
    assert!(
        store.claim_grade(due[0].id, 10, 130).await.unwrap(),
        "one sender claims it"
    );
    assert!(
        !store.claim_grade(due[0].id, 10, 130).await.unwrap(),
        "a second sender does not"
    );
    assert!(
        store.due_grades(100, 10).await.unwrap().is_empty(),
        "claimed until 130"
    );
    store
        .grade_failed(due[0].id, "HTTP 503", Some(40))
        .await
        .unwrap();
    assert!(
        store.due_grades(39, 10).await.unwrap().is_empty(),
        "waits for its retry"
    );
    assert_eq!(store.due_grades(40, 10).await.unwrap()[0].attempts, 1);
    store
        .grade_failed(due[0].id, "HTTP 503", None)
        .await
        .unwrap();
    assert!(
        store.due_grades(10_000, 10).await.unwrap().is_empty(),
        "given up"
    );
    let counts = store.outbox_counts(&source).await.unwrap();
    assert_eq!((counts.pending, counts.sent, counts.failed), (0, 0, 1));
    let recent = store.recent_outbox(&source, 10).await.unwrap();
    assert_eq!(recent[0].last_error.as_deref(), Some("HTTP 503"));
}
