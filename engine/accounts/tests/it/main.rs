//! Account policy, run against both storage backends.

use std::sync::Arc;

use accounts::{
    Accounts, AccountsConfig, AccountsError, Actor, ManualClock, NewOrganisationRequest,
    NewUserRequest, Role, SecretKey, SessionToken,
};
use store::Store;

store::contract_tests!(
    setup_creates_a_signed_in_platform_admin_once,
    sign_in_accepts_the_right_password_only,
    sign_in_is_throttled_per_account,
    sign_in_is_throttled_per_ip,
    parallel_guesses_cannot_outrun_the_limit,
    sessions_end_when_idle_and_at_the_absolute_limit,
    sign_out_ends_the_session,
    organisation_admins_stay_inside_their_organisation,
    learners_cannot_administer,
    audit_log_records_what_happened,
);

const T0: i64 = 1_800_000_000;
const PASSWORD: &str = "correct horse battery";

fn accounts(store: &Store) -> (Accounts, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new(T0));
    let accounts = Accounts::new(
        store.clone(),
        SecretKey::generate(),
        AccountsConfig::default(),
        clock.clone(),
    );
    (accounts, clock)
}

fn ip(n: u8) -> Option<String> {
    Some(format!("192.0.2.{n}"))
}

async fn with_org_and_learner(accounts: &Accounts) -> (accounts::Organisation, accounts::User) {
    let org = accounts
        .create_organisation(
            &Actor::System,
            &NewOrganisationRequest {
                name: "Leeds Trust".into(),
                kind: "acute_trust".into(),
                region: None,
            },
            None,
        )
        .await
        .unwrap();
    let learner = accounts
        .create_user(
            &Actor::System,
            &NewUserRequest {
                email: "Nurse@Leeds.nhs.uk".into(),
                display_name: "Nia Nurse".into(),
                password: PASSWORD.into(),
                organisation_id: Some(org.id),
                roles: vec![Role::Learner],
            },
            None,
        )
        .await
        .unwrap();
    (org, learner)
}

async fn setup_creates_a_signed_in_platform_admin_once(store: &Store) {
    let (accounts, _) = accounts(store);
    assert!(accounts.setup_needed().await.unwrap());
    let signed_in = accounts
        .complete_setup("admin@nhs.uk", "Ada Admin", PASSWORD, ip(1))
        .await
        .unwrap();
    assert_eq!(signed_in.user.roles, ["platform_admin"]);
    let user = accounts
        .authenticate(&signed_in.token)
        .await
        .unwrap()
        .expect("session is live");
    assert_eq!(user.email, "admin@nhs.uk");
    assert!(!accounts.setup_needed().await.unwrap());
    let again = accounts
        .complete_setup("other@nhs.uk", "Other", PASSWORD, ip(1))
        .await
        .unwrap_err();
    assert!(
        matches!(again, AccountsError::SetupAlreadyDone),
        "{again:?}"
    );
    // A second server process sharing the database sees setup as done too.
    let (other_process, _) = self::accounts(store);
    assert!(!other_process.setup_needed().await.unwrap());
}

async fn sign_in_accepts_the_right_password_only(store: &Store) {
    let (accounts, _) = accounts(store);
    with_org_and_learner(&accounts).await;
    let wrong = accounts
        .sign_in("nurse@leeds.nhs.uk", "not the password", ip(2))
        .await
        .unwrap_err();
    assert!(matches!(wrong, AccountsError::InvalidCredentials));
    let unknown = accounts
        .sign_in("nobody@leeds.nhs.uk", PASSWORD, ip(2))
        .await
        .unwrap_err();
    assert_eq!(
        unknown.to_string(),
        wrong.to_string(),
        "unknown email and wrong password look the same"
    );
    let ok = accounts
        .sign_in("  NURSE@leeds.nhs.uk ", PASSWORD, ip(2))
        .await
        .unwrap();
    assert_eq!(ok.user.display_name, "Nia Nurse");
    assert_eq!(ok.user.organisation_name.as_deref(), Some("Leeds Trust"));
    assert!(
        !format!("{:?}", ok.token).contains(ok.token.as_str()),
        "token must not be printable"
    );
}

async fn sign_in_is_throttled_per_account(store: &Store) {
    let (accounts, clock) = accounts(store);
    with_org_and_learner(&accounts).await;
    for n in 0..5 {
        // Different IPs each time: the account limit alone must stop a distributed guesser.
        let err = accounts
            .sign_in("nurse@leeds.nhs.uk", "guess", ip(10 + n))
            .await
            .unwrap_err();
        assert!(matches!(err, AccountsError::InvalidCredentials), "{err:?}");
    }
    let locked = accounts
        .sign_in("nurse@leeds.nhs.uk", PASSWORD, ip(99))
        .await
        .unwrap_err();
    assert!(
        matches!(
            locked,
            AccountsError::Throttled {
                retry_after_secs: 900
            }
        ),
        "{locked:?}"
    );
    assert!(locked.to_string().contains("15 minutes"), "{locked}");
    clock.advance(901);
    accounts
        .sign_in("nurse@leeds.nhs.uk", PASSWORD, ip(99))
        .await
        .expect("lock expires");
}

async fn sign_in_is_throttled_per_ip(store: &Store) {
    let (accounts, clock) = accounts(store);
    with_org_and_learner(&accounts).await;
    for n in 0..20 {
        let _ = accounts
            .sign_in(&format!("spray{n}@leeds.nhs.uk"), "guess", ip(50))
            .await;
    }
    let refused = accounts
        .sign_in("nurse@leeds.nhs.uk", PASSWORD, ip(50))
        .await
        .unwrap_err();
    assert!(
        matches!(refused, AccountsError::Throttled { .. }),
        "{refused:?}"
    );
    accounts
        .sign_in("nurse@leeds.nhs.uk", PASSWORD, ip(51))
        .await
        .expect("another IP is unaffected");
    clock.advance(16 * 60);
    accounts
        .sign_in("nurse@leeds.nhs.uk", PASSWORD, ip(50))
        .await
        .expect("the IP lock expires");
}

async fn sessions_end_when_idle_and_at_the_absolute_limit(store: &Store) {
    let (accounts, clock) = accounts(store);
    with_org_and_learner(&accounts).await;
    let idle = accounts
        .sign_in("nurse@leeds.nhs.uk", PASSWORD, None)
        .await
        .unwrap()
        .token;
    clock.advance(2 * 3600 + 1);
    assert_eq!(
        accounts.authenticate(&idle).await.unwrap(),
        None,
        "idle session expired"
    );

    let active = accounts
        .sign_in("nurse@leeds.nhs.uk", PASSWORD, None)
        .await
        .unwrap()
        .token;
    for _ in 0..11 {
        clock.advance(3600);
        assert!(
            accounts.authenticate(&active).await.unwrap().is_some(),
            "activity keeps it alive"
        );
    }
    clock.advance(3600);
    assert_eq!(
        accounts.authenticate(&active).await.unwrap(),
        None,
        "12 hours is the absolute limit"
    );
    assert_eq!(
        accounts
            .authenticate(&SessionToken::from_cookie("forged"))
            .await
            .unwrap(),
        None
    );
}

async fn sign_out_ends_the_session(store: &Store) {
    let (accounts, _) = accounts(store);
    with_org_and_learner(&accounts).await;
    let signed_in = accounts
        .sign_in("nurse@leeds.nhs.uk", PASSWORD, None)
        .await
        .unwrap();
    accounts
        .sign_out(&signed_in.token, Some(&signed_in.user), None)
        .await
        .unwrap();
    assert_eq!(accounts.authenticate(&signed_in.token).await.unwrap(), None);
}

async fn organisation_admins_stay_inside_their_organisation(store: &Store) {
    let (accounts, _) = accounts(store);
    let (leeds, _) = with_org_and_learner(&accounts).await;
    let york = accounts
        .create_organisation(
            &Actor::System,
            &NewOrganisationRequest {
                name: "York GP".into(),
                kind: "gp_practice".into(),
                region: None,
            },
            None,
        )
        .await
        .unwrap();
    let new_user = |email: &str, org: i64, roles: Vec<Role>| NewUserRequest {
        email: email.into(),
        display_name: "Someone".into(),
        password: PASSWORD.into(),
        organisation_id: Some(org),
        roles,
    };
    let york_learner = new_user("gp@york.nhs.uk", york.id, vec![Role::Learner]);
    accounts
        .create_user(&Actor::System, &york_learner, None)
        .await
        .unwrap();
    let admin = accounts
        .create_user(
            &Actor::System,
            &new_user("admin@leeds.nhs.uk", leeds.id, vec![Role::OrgAdmin]),
            None,
        )
        .await
        .unwrap();
    let actor = Actor::User(Box::new(admin));

    let visible = accounts.list_users(&actor).await.unwrap();
    assert!(
        visible.iter().all(|u| u.organisation_id == Some(leeds.id)),
        "only Leeds users are listed"
    );
    assert_eq!(visible.len(), 2);
    let orgs = accounts.list_organisations(&actor).await.unwrap();
    assert_eq!(orgs.iter().map(|o| o.id).collect::<Vec<_>>(), [leeds.id]);

    let into_york = new_user("x@york.nhs.uk", york.id, vec![Role::Learner]);
    assert!(matches!(
        accounts.create_user(&actor, &into_york, None).await,
        Err(AccountsError::Forbidden(_))
    ));
    let national = new_user("x@leeds.nhs.uk", leeds.id, vec![Role::PlatformAdmin]);
    assert!(matches!(
        accounts.create_user(&actor, &national, None).await,
        Err(AccountsError::Forbidden(_))
    ));
    let fine = new_user(
        "lead@leeds.nhs.uk",
        leeds.id,
        vec![Role::SecurityLead, Role::Learner],
    );
    assert_eq!(
        accounts
            .create_user(&actor, &fine, None)
            .await
            .unwrap()
            .organisation_id,
        Some(leeds.id)
    );
    let org_request = NewOrganisationRequest {
        name: "Mine".into(),
        kind: "other".into(),
        region: None,
    };
    assert!(matches!(
        accounts
            .create_organisation(&actor, &org_request, None)
            .await,
        Err(AccountsError::Forbidden(_))
    ));
}

async fn learners_cannot_administer(store: &Store) {
    let (accounts, _) = accounts(store);
    let (_, learner) = with_org_and_learner(&accounts).await;
    let actor = Actor::User(Box::new(learner));
    assert!(matches!(
        accounts.list_users(&actor).await,
        Err(AccountsError::Forbidden(_))
    ));
    assert!(matches!(
        accounts.recent_audit(&actor, 10).await,
        Err(AccountsError::Forbidden(_))
    ));
}

async fn audit_log_records_what_happened(store: &Store) {
    let (accounts, _) = accounts(store);
    with_org_and_learner(&accounts).await;
    let _ = accounts.sign_in("nurse@leeds.nhs.uk", "wrong", ip(7)).await;
    accounts
        .sign_in("nurse@leeds.nhs.uk", PASSWORD, ip(7))
        .await
        .unwrap();
    let actions: Vec<String> = accounts
        .recent_audit(&Actor::System, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(
        actions,
        [
            "sign_in",
            "sign_in.failed",
            "user.create",
            "organisation.create"
        ]
    );
    let entries = accounts.recent_audit(&Actor::System, 10).await.unwrap();
    assert!(
        entries
            .iter()
            .all(|e| !e.detail.contains(PASSWORD) && !e.detail.contains("wrong"))
    );
    assert_eq!(entries[0].client_ip.as_deref(), Some("192.0.2.7"));
}

async fn parallel_guesses_cannot_outrun_the_limit(store: &Store) {
    let (accounts, _) = accounts(store);
    with_org_and_learner(&accounts).await;
    let mut guesses = tokio::task::JoinSet::new();
    for n in 0..30 {
        let accounts = accounts.clone();
        guesses.spawn(async move {
            accounts
                .sign_in(
                    "nurse@leeds.nhs.uk",
                    &format!("guess {n}"),
                    ip(60 + (n % 3) as u8),
                )
                .await
        });
    }
    let mut n_checked = 0;
    while let Some(result) = guesses.join_next().await {
        match result.unwrap() {
            Err(AccountsError::InvalidCredentials) => n_checked += 1,
            Err(AccountsError::Throttled { .. }) => {}
            other => panic!("unexpected {:?}", other.map(|s| s.user.email)),
        }
    }
    assert!(
        n_checked <= 5,
        "only the allowed 5 passwords were checked, not {n_checked}"
    );
    let locked = accounts
        .sign_in("nurse@leeds.nhs.uk", PASSWORD, ip(99))
        .await
        .unwrap_err();
    assert!(
        matches!(locked, AccountsError::Throttled { .. }),
        "{locked:?}"
    );
}
