//! The server over HTTP, driven through `router(state)` without a socket, plus a real browser run
//! (`browser.rs`) against the `rampart` binary, and the LTI conformance harness (`lti_harness.rs`).

mod broadcasts;
mod browser;
mod cli;
mod courses;
mod import;
mod lti;
mod lti_harness;
mod outbox;
mod plugins;
mod runtime;
mod support;

use axum::http::StatusCode;
use store::Store;
use support::{PASSWORD, TestApp, zip_bytes};

store::contract_tests!(
    first_run_goes_to_setup_and_setup_signs_the_admin_in,
    state_changing_requests_need_the_csrf_token,
    protected_pages_redirect_to_sign_in_and_back,
    expired_sessions_redirect_with_a_notice_and_clear_the_cookie,
    wrong_passwords_are_refused_then_throttled,
    organisation_admins_only_see_their_own_organisation,
    learners_get_403_on_admin_pages,
    sign_out_ends_the_session,
    admins_export_csv_and_read_the_audit_log,
    admins_upload_packages_and_preview_them,
);

async fn first_run_goes_to_setup_and_setup_signs_the_admin_in(store: &Store) {
    let mut app = TestApp::new(store, "http://127.0.0.1:3000").await;
    let home = app.get("/").await;
    assert_eq!(home.status, StatusCode::SEE_OTHER);
    assert_eq!(home.location(), Some("/setup"));

    let setup = app.get("/setup").await;
    assert!(
        setup.body.contains("Create the platform administrator"),
        "{}",
        setup.body
    );
    let done = app
        .setup_admin("Ada Admin", "ada@nhs.example", PASSWORD)
        .await;
    assert_eq!(done.status, StatusCode::FOUND, "{}", done.body);
    assert_eq!(done.location(), Some("/admin/organisations"));
    let cookie = done
        .set_cookie("rampart_session")
        .expect("session cookie set");
    assert!(
        cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Strict")
            && cookie.contains("Path=/"),
        "{cookie}"
    );
    assert!(
        !cookie.contains("Secure"),
        "plain http must not set Secure: {cookie}"
    );

    let dashboard = app.get("/dashboard").await;
    assert_eq!(dashboard.status, StatusCode::OK);
    assert!(
        dashboard.body.contains("Welcome, Ada Admin"),
        "{}",
        dashboard.body
    );

    let again = app.get("/setup").await;
    assert!(again.body.contains("already set up"), "{}", again.body);
    let mut stranger = app.fork_without_cookies();
    let second = stranger
        .setup_admin("Eve", "eve@nhs.example", PASSWORD)
        .await;
    assert!(
        second.body.contains("already been completed"),
        "{} {}",
        second.status,
        second.body
    );
}

async fn state_changing_requests_need_the_csrf_token(store: &Store) {
    let mut app = TestApp::new(store, "http://127.0.0.1:3000").await;
    app.get("/setup").await;
    let form = [
        ("display_name", "Ada"),
        ("email", "ada@nhs.example"),
        ("password", PASSWORD),
    ];

    let without = app.post_form("/api/complete_setup", &form, None).await;
    assert_eq!(without.status, StatusCode::FORBIDDEN);
    assert!(
        without.body.contains("did not come from Rampart"),
        "{}",
        without.body
    );

    let forged = app
        .post_form("/api/complete_setup", &form, Some("bm90LXRoZS10b2tlbg"))
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);

    let mut other_browser = app.fork_without_cookies();
    other_browser.get("/setup").await;
    let stolen_token = other_browser.csrf_token().await;
    let cross = app
        .post_form("/api/complete_setup", &form, Some(&stolen_token))
        .await;
    assert_eq!(
        cross.status,
        StatusCode::FORBIDDEN,
        "a token is bound to its own browser's cookie"
    );

    let token = app.csrf_token().await;
    let evil_origin = app
        .post_form_from_origin("/api/complete_setup", &form, &token, "https://evil.example")
        .await;
    assert_eq!(evil_origin.status, StatusCode::FORBIDDEN);
    assert!(evil_origin.body.contains("another website"));

    assert!(
        store.count_users().await.unwrap() == 0,
        "nothing was created by refused requests"
    );
    let ok = app
        .post_form("/api/complete_setup", &form, Some(&token))
        .await;
    assert_eq!(ok.status, StatusCode::FOUND, "{}", ok.body);
    assert_eq!(store.count_users().await.unwrap(), 1);
}

async fn protected_pages_redirect_to_sign_in_and_back(store: &Store) {
    let mut app = TestApp::with_admin(store).await;
    let mut visitor = app.fork_without_cookies();
    for path in ["/dashboard", "/admin/users", "/admin/organisations"] {
        let response = visitor.get(path).await;
        assert_eq!(response.status, StatusCode::SEE_OTHER, "{path}");
        let expected = format!("/sign-in?next={}", path.replace('/', "%2F"));
        assert_eq!(response.location(), Some(expected.as_str()));
    }
    let signed_in = visitor
        .sign_in("ada@nhs.example", PASSWORD, "/admin/users")
        .await;
    assert_eq!(signed_in.status, StatusCode::FOUND, "{}", signed_in.body);
    assert_eq!(signed_in.location(), Some("/admin/users"));
    let hostile = app
        .sign_in("ada@nhs.example", PASSWORD, "//evil.example/")
        .await;
    assert_eq!(
        hostile.location(),
        Some("/dashboard"),
        "only local paths are followed"
    );
}

async fn expired_sessions_redirect_with_a_notice_and_clear_the_cookie(store: &Store) {
    let mut app = TestApp::with_admin(store).await;
    assert_eq!(app.get("/dashboard").await.status, StatusCode::OK);
    app.clock.advance(3 * 3600);
    let expired = app.get("/dashboard").await;
    assert_eq!(expired.status, StatusCode::SEE_OTHER);
    assert_eq!(
        expired.location(),
        Some("/sign-in?next=%2Fdashboard&expired=1")
    );
    let cleared = expired
        .set_cookie("rampart_session")
        .expect("the dead cookie is cleared");
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    let notice = app.get("/sign-in?next=%2Fdashboard&expired=1").await;
    assert!(
        notice.body.contains("Your session ended"),
        "{}",
        notice.body
    );

    // Signing in again while the browser still sends the dead cookie must leave the new one in place.
    let mut stale = app.fork_without_cookies();
    let token = stale.csrf_token().await;
    stale.put_cookie("rampart_session", "a-dead-session-token");
    let fields = [
        ("email", "ada@nhs.example"),
        ("password", PASSWORD),
        ("next", "/dashboard"),
    ];
    let again = stale.post_form("/api/sign_in", &fields, Some(&token)).await;
    assert_eq!(again.status, StatusCode::FOUND, "{}", again.body);
    let set: Vec<&str> = again
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    let cleared = set
        .iter()
        .any(|c| c.starts_with("rampart_session=") && c.contains("Max-Age=0"));
    assert!(
        !cleared,
        "the new session cookie must not be cleared: {set:?}"
    );
    assert_eq!(stale.get("/dashboard").await.status, StatusCode::OK);
}

async fn wrong_passwords_are_refused_then_throttled(store: &Store) {
    let app = TestApp::with_admin(store).await;
    let mut visitor = app.fork_without_cookies();
    for _ in 0..5 {
        let wrong = visitor
            .sign_in_json("ada@nhs.example", "not the password")
            .await;
        assert!(
            wrong
                .body
                .contains("The email address or password is not right"),
            "{}",
            wrong.body
        );
    }
    let locked = visitor.sign_in_json("ada@nhs.example", PASSWORD).await;
    assert!(
        locked.body.contains("Too many failed sign-in attempts"),
        "{}",
        locked.body
    );
    assert!(locked.set_cookie("rampart_session").is_none());
}

async fn organisation_admins_only_see_their_own_organisation(store: &Store) {
    let mut admin = TestApp::with_admin(store).await;
    admin.create_org("Leeds Trust").await;
    admin.create_org("York Practice").await;
    let leeds = store.find_organisation("leeds-trust").await.unwrap();
    let york = store.find_organisation("york-practice").await.unwrap();
    admin
        .create_user("Lee Admin", "lee@leeds.example", leeds.id, &["org_admin"])
        .await;
    admin
        .create_user("Yas Learner", "yas@york.example", york.id, &["learner"])
        .await;

    let mut lee = admin.fork_without_cookies();
    lee.sign_in("lee@leeds.example", PASSWORD, "/dashboard")
        .await;
    let users = lee.get_json("/api/users").await;
    assert_eq!(users.status, StatusCode::OK, "{}", users.body);
    assert!(
        users.body.contains("lee@leeds.example") && !users.body.contains("yas@york.example"),
        "{}",
        users.body
    );
    let page = lee.get("/admin/users").await;
    assert!(
        !page.body.contains("yas@york.example"),
        "the rendered page leaks nothing either"
    );

    let into_york = lee
        .create_user("Sneaky", "sneaky@york.example", york.id, &["learner"])
        .await;
    assert!(
        into_york.body.contains("own organisation"),
        "{}",
        into_york.body
    );
    let national = lee
        .create_user(
            "Sneaky",
            "sneaky@leeds.example",
            leeds.id,
            &["platform_admin"],
        )
        .await;
    assert!(
        national.body.contains("national roles"),
        "{}",
        national.body
    );
    assert!(matches!(
        store.user_by_email("sneaky@york.example").await,
        Err(store::StoreError::NotFound)
    ));
}

async fn learners_get_403_on_admin_pages(store: &Store) {
    let mut admin = TestApp::with_admin(store).await;
    admin.create_org("Leeds Trust").await;
    let leeds = store.find_organisation("leeds-trust").await.unwrap();
    admin
        .create_user("Nia Nurse", "nia@leeds.example", leeds.id, &["learner"])
        .await;
    let mut nia = admin.fork_without_cookies();
    nia.sign_in("nia@leeds.example", PASSWORD, "/dashboard")
        .await;
    let dashboard = nia.get("/dashboard").await;
    assert!(
        dashboard.body.contains("Welcome, Nia Nurse") && dashboard.body.contains("Leeds Trust")
    );
    let admin_page = nia.get("/admin/users").await;
    assert_eq!(admin_page.status, StatusCode::FORBIDDEN);
    let api = nia.get_json("/api/users").await;
    assert!(
        api.body.contains("Forbidden"),
        "{} {}",
        api.status,
        api.body
    );
}

async fn sign_out_ends_the_session(store: &Store) {
    let mut app = TestApp::with_admin(store).await;
    let token = app.csrf_token().await;
    let out = app.post_form("/api/sign_out", &[], Some(&token)).await;
    assert_eq!(out.location(), Some("/sign-in"));
    assert!(
        out.set_cookie("rampart_session")
            .unwrap()
            .contains("Max-Age=0")
    );
    assert_eq!(app.get("/dashboard").await.status, StatusCode::SEE_OTHER);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_readiness_and_headers() {
    let db = store::test_db::TestDb::sqlite().await;
    let mut app = TestApp::new(&db.store, "https://rampart.example.nhs.uk").await;
    assert_eq!(app.get("/healthz").await.body, "ok");
    assert_eq!(app.get("/readyz").await.body, "ready");
    let page = app.get("/sign-in").await;
    let csp = page
        .header("content-security-policy")
        .expect("CSP on pages");
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("a nonce");
    assert!(
        page.body.contains(&format!("nonce=\"{nonce}\"")),
        "inline scripts carry the response's nonce"
    );
    assert!(csp.contains("frame-ancestors 'none'"));
    assert_eq!(page.header("x-frame-options"), Some("DENY"));
    let csrf = page
        .set_cookie("__Host-rampart_csrf")
        .expect("https uses __Host- cookies");
    assert!(csrf.contains("Secure"), "{csrf}");
    db.drop_database().await;
}

async fn admins_export_csv_and_read_the_audit_log(store: &Store) {
    let mut admin = TestApp::with_admin(store).await;
    admin.create_org("Leeds Trust").await;
    let leeds = store.find_organisation("leeds-trust").await.unwrap();
    admin
        .create_user(
            "=HYPERLINK(\"http://evil.example\")",
            "nia@leeds.example",
            leeds.id,
            &["learner"],
        )
        .await;
    let mut nia = admin.fork_without_cookies();
    nia.sign_in_json("nia@leeds.example", "wrong password here")
        .await;

    let csv = admin.get("/admin/users.csv").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(csv.header("content-type"), Some("text/csv; charset=utf-8"));
    assert!(
        csv.header("content-disposition")
            .unwrap()
            .contains("rampart-users.csv")
    );
    let mut lines = csv.body.lines();
    assert_eq!(
        lines.next(),
        Some("name,email,organisation,roles,status,created")
    );
    assert!(csv.body.contains("\"'=HYPERLINK(\"\"http://evil.example\"\")\",nia@leeds.example,Leeds Trust,learner,active"), "{}", csv.body);

    let audit = admin.get("/admin/audit").await;
    assert!(
        audit.body.contains("Sign-in failed") && audit.body.contains("nia@leeds.example"),
        "{}",
        audit.body
    );
    let audit_csv = admin.get("/admin/audit.csv").await;
    assert!(
        audit_csv.body.contains("sign_in.failed,nia@leeds.example"),
        "{}",
        audit_csv.body
    );

    nia.sign_in("nia@leeds.example", PASSWORD, "/dashboard")
        .await;
    assert_eq!(
        nia.get("/admin/users.csv").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        nia.get("/admin/audit.csv").await.status,
        StatusCode::FORBIDDEN
    );
    let mut visitor = admin.fork_without_cookies();
    assert_eq!(
        visitor.get("/admin/users.csv").await.status,
        StatusCode::SEE_OTHER
    );
}

async fn admins_upload_packages_and_preview_them(store: &Store) {
    let mut admin = TestApp::with_admin(store).await;
    let good = zip_bytes(&[
        ("imsmanifest.xml", cli::MANIFEST),
        ("index.html", "<p>hello learner</p>"),
    ]);
    let token = admin.csrf_token().await;

    let unprotected = admin
        .upload(
            "/admin/packages/upload",
            None,
            "course.zip",
            &good,
            "text/html",
        )
        .await;
    assert_eq!(
        unprotected.status,
        StatusCode::FORBIDDEN,
        "uploads need the CSRF token too"
    );

    let uploaded = admin
        .upload(
            "/admin/packages/upload",
            Some(&token),
            "course.zip",
            &good,
            "text/html",
        )
        .await;
    assert_eq!(uploaded.status, StatusCode::SEE_OTHER, "{}", uploaded.body);
    assert_eq!(uploaded.location(), Some("/admin/packages?added=Course"));
    let page = admin.get("/admin/packages?added=Course").await;
    assert!(page.body.contains("Course was imported."), "{}", page.body);
    assert!(page.body.contains("SCORM 1.2"));
    let marker = "href=\"http://localhost:3001/content/";
    let start = page
        .body
        .find(marker)
        .expect("a preview link to the content origin")
        + "href=\"http://localhost:3001".len();
    let preview_path = page.body[start..].split('"').next().unwrap().to_owned();
    assert!(preview_path.ends_with("/index.html"), "{preview_path}");

    let bad = zip_bytes(&[
        ("imsmanifest.xml", &cli::manifest_with_unknown_resource()),
        ("index.html", ""),
    ]);
    let refused = admin
        .upload(
            "/admin/packages/upload",
            Some(&token),
            "bad.zip",
            &bad,
            "text/html",
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused
            .body
            .contains("item I references resource R9, which does not exist"),
        "{}",
        refused.body
    );
    let refused_json = admin
        .upload(
            "/admin/packages/upload",
            Some(&token),
            "bad.zip",
            &bad,
            "application/json",
        )
        .await;
    assert!(
        refused_json.body.contains("\"rule\":\"unknown-resource\""),
        "{}",
        refused_json.body
    );
    assert_eq!(
        store.list_packages(None).await.unwrap().len(),
        1,
        "the refused package left nothing"
    );

    admin.create_org("Leeds Trust").await;
    let leeds = store.find_organisation("leeds-trust").await.unwrap();
    admin
        .create_user("Nia Nurse", "nia@leeds.example", leeds.id, &["learner"])
        .await;
    let mut nia = admin.fork_without_cookies();
    nia.sign_in("nia@leeds.example", PASSWORD, "/dashboard")
        .await;
    let nia_token = nia.csrf_token().await;
    let forbidden = nia
        .upload(
            "/admin/packages/upload",
            Some(&nia_token),
            "course.zip",
            &good,
            "application/json",
        )
        .await;
    assert_eq!(
        forbidden.status,
        StatusCode::FORBIDDEN,
        "{}",
        forbidden.body
    );
}
