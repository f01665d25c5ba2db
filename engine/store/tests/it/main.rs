//! The store's contract: every test here runs on a temporary SQLite file and on a fresh PostgreSQL schema.

mod lti;
mod plugins;
mod runtime;

use store::{NewAuditEntry, NewOrganisation, NewSession, NewUser, Store, StoreError, Throttle};

store::contract_tests!(
    migrations_are_complete,
    organisations_are_unique_by_name_ignoring_case,
    users_carry_roles_and_organisation,
    duplicate_email_is_a_conflict,
    setup_happens_once,
    list_users_is_scoped_to_an_organisation,
    sessions_expire,
    throttle_round_trips,
    audit_log_is_newest_first_and_scoped,
    unknown_role_is_refused_by_the_schema,
);

fn org(name: &str) -> NewOrganisation {
    NewOrganisation {
        name: name.to_owned(),
        slug: name.to_lowercase().replace(' ', "-"),
        kind: "acute_trust".to_owned(),
        region: Some("London".to_owned()),
    }
}

fn user(email: &str, organisation_id: Option<i64>, roles: &[&str]) -> NewUser {
    NewUser {
        organisation_id,
        email: email.to_owned(),
        display_name: format!("Name of {email}"),
        password_hash: Some("$argon2id$stand-in".to_owned()),
        roles: roles.iter().map(|r| r.to_string()).collect(),
    }
}

async fn migrations_are_complete(store: &Store) {
    assert!(store.is_ready().await.unwrap());
    store.migrate().await.expect("migrating twice is a no-op");
}

async fn organisations_are_unique_by_name_ignoring_case(store: &Store) {
    let created = store
        .create_organisation(&org("North Trust"), 100)
        .await
        .unwrap();
    assert_eq!(created.name, "North Trust");
    assert_eq!(created.created_at, 100);
    let mut shouting = org("NORTH TRUST");
    shouting.slug = "other-slug".to_owned();
    let err = store.create_organisation(&shouting, 101).await.unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict { ref what } if what == "an organisation with this name"),
        "{err:?}"
    );
    assert_eq!(
        store.find_organisation("north trust").await.unwrap().id,
        created.id
    );
    assert_eq!(
        store.find_organisation("north-trust").await.unwrap().id,
        created.id
    );
    assert!(matches!(
        store.find_organisation("nowhere").await,
        Err(StoreError::NotFound)
    ));
}

async fn users_carry_roles_and_organisation(store: &Store) {
    let trust = store
        .create_organisation(&org("West Trust"), 1)
        .await
        .unwrap();
    let created = store
        .create_user(
            &user(
                "lead@west.nhs.uk",
                Some(trust.id),
                &["security_lead", "learner"],
            ),
            5,
        )
        .await
        .unwrap();
    assert_eq!(created.roles, vec!["learner", "security_lead"]);
    assert_eq!(created.organisation_name.as_deref(), Some("West Trust"));
    let found = store.user_by_email("lead@west.nhs.uk").await.unwrap();
    assert_eq!(found, created);
    assert!(
        !format!("{found:?}").contains("argon2"),
        "Debug must not show the password hash"
    );
}

async fn duplicate_email_is_a_conflict(store: &Store) {
    store
        .create_user(&user("a@b.nhs.uk", None, &["learner"]), 1)
        .await
        .unwrap();
    let err = store
        .create_user(&user("a@b.nhs.uk", None, &["learner"]), 2)
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict { ref what } if what == "a user with this email address"),
        "{err:?}"
    );
    assert_eq!(
        store.count_users().await.unwrap(),
        1,
        "the failed insert left nothing behind"
    );
}

async fn setup_happens_once(store: &Store) {
    assert!(!store.is_setup_complete().await.unwrap());
    store
        .complete_setup(&user("admin@x.nhs.uk", None, &["platform_admin"]), 1)
        .await
        .unwrap();
    assert!(store.is_setup_complete().await.unwrap());
    let err = store
        .complete_setup(&user("second@x.nhs.uk", None, &["platform_admin"]), 2)
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict { ref what } if what == "platform setup"),
        "{err:?}"
    );
    assert!(matches!(
        store.user_by_email("second@x.nhs.uk").await,
        Err(StoreError::NotFound)
    ));
}

async fn list_users_is_scoped_to_an_organisation(store: &Store) {
    let a = store.create_organisation(&org("Trust A"), 1).await.unwrap();
    let b = store.create_organisation(&org("Trust B"), 1).await.unwrap();
    store
        .create_user(&user("one@a.nhs.uk", Some(a.id), &["learner"]), 1)
        .await
        .unwrap();
    store
        .create_user(
            &user("two@b.nhs.uk", Some(b.id), &["org_admin", "learner"]),
            1,
        )
        .await
        .unwrap();
    let only_b = store.list_users(Some(b.id)).await.unwrap();
    assert_eq!(
        only_b.iter().map(|u| u.email.as_str()).collect::<Vec<_>>(),
        ["two@b.nhs.uk"]
    );
    assert_eq!(only_b[0].roles, ["learner", "org_admin"]);
    assert_eq!(store.list_users(None).await.unwrap().len(), 2);
}

async fn sessions_expire(store: &Store) {
    let u = store
        .create_user(&user("s@x.nhs.uk", None, &["learner"]), 1)
        .await
        .unwrap();
    let hash = vec![7u8; 32];
    store
        .insert_session(&NewSession {
            token_hash: hash.clone(),
            user_id: u.id,
            created_at: 1000,
            expires_at: 2000,
            client_ip: Some("192.0.2.1".into()),
        })
        .await
        .unwrap();
    assert_eq!(store.live_session(&hash, 1999).await.unwrap().user_id, u.id);
    assert!(matches!(
        store.live_session(&hash, 2000).await,
        Err(StoreError::NotFound)
    ));
    store.touch_session(&hash, 1500, 3000).await.unwrap();
    assert_eq!(
        store.live_session(&hash, 2500).await.unwrap().last_seen_at,
        1500
    );
    assert_eq!(store.delete_expired_sessions(3000).await.unwrap(), 1);
    assert!(matches!(
        store.live_session(&hash, 0).await,
        Err(StoreError::NotFound)
    ));
}

async fn throttle_round_trips(store: &Store) {
    assert_eq!(store.throttle("ip:192.0.2.1").await.unwrap(), None);
    let t = Throttle {
        failures: 3,
        window_started_at: 10,
        locked_until: 0,
    };
    store.put_throttle("ip:192.0.2.1", &t).await.unwrap();
    let locked = Throttle {
        failures: 5,
        window_started_at: 10,
        locked_until: 900,
    };
    store.put_throttle("ip:192.0.2.1", &locked).await.unwrap();
    assert_eq!(store.throttle("ip:192.0.2.1").await.unwrap(), Some(locked));
    store.clear_throttle("ip:192.0.2.1").await.unwrap();
    assert_eq!(store.throttle("ip:192.0.2.1").await.unwrap(), None);
}

async fn audit_log_is_newest_first_and_scoped(store: &Store) {
    let a = store.create_organisation(&org("Audit A"), 1).await.unwrap();
    for (i, organisation_id) in [(1, Some(a.id)), (2, None), (3, Some(a.id))] {
        store
            .append_audit(&NewAuditEntry {
                at: i,
                organisation_id,
                action: format!("action.{i}"),
                ..Default::default()
            })
            .await
            .unwrap();
    }
    let for_a = store.recent_audit(Some(a.id), 10).await.unwrap();
    assert_eq!(
        for_a.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(),
        ["action.3", "action.1"]
    );
    assert_eq!(store.recent_audit(None, 2).await.unwrap().len(), 2);
}

async fn unknown_role_is_refused_by_the_schema(store: &Store) {
    let err = store
        .create_user(&user("r@x.nhs.uk", None, &["superuser"]), 1)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Database(_)), "{err:?}");
    assert!(
        matches!(
            store.user_by_email("r@x.nhs.uk").await,
            Err(StoreError::NotFound)
        ),
        "rolled back"
    );
}

#[test]
fn migrations_are_numbered_in_step() {
    let names = |backend: &str| -> Vec<String> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("migrations")
            .join(backend);
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    let (sqlite, postgres) = (names("sqlite"), names("postgres"));
    assert!(!sqlite.is_empty());
    assert_eq!(
        sqlite, postgres,
        "every migration needs a twin with the same number and name on each backend"
    );
}

#[tokio::test]
async fn an_unreachable_database_is_named_without_its_password() {
    let err =
        match Store::connect("postgres://rampart:hunter2@127.0.0.1:1/rampart?connect_timeout=2")
            .await
        {
            Err(err) => err,
            Ok(_) => panic!("nothing listens on port 1"),
        };
    let message = err.to_string();
    assert!(
        message.contains("postgres://rampart:***@127.0.0.1:1/rampart"),
        "{message}"
    );
    assert!(!message.contains("hunter2"), "{message}");

    let err = match Store::connect("sqlite:///nonexistent-dir/deeper/rampart.db").await {
        Err(err) => err,
        Ok(_) => panic!("the directory does not exist"),
    };
    assert!(
        err.to_string()
            .contains("/nonexistent-dir/deeper/rampart.db"),
        "{err}"
    );

    let err = match Store::connect("mysql://localhost/x").await {
        Err(err) => err,
        Ok(_) => panic!("mysql is not supported"),
    };
    assert!(
        err.to_string()
            .contains("must start with sqlite:// or postgres://"),
        "{err}"
    );
}
