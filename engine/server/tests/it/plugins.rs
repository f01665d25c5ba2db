//! A plugin made from the template, built for wasm32-wasip2 and installed into a real server: its page
//! and form in the site, its storage, its JSON route, and the engine's `course.completed` event after a
//! learner really completes a course. Also the admin's grants and the refusals around them, and the
//! in-app notifications plugins send, as people read them at `/notifications`.

use axum::http::StatusCode;
use serde_json::json;
use store::{NewNotification, Store};

use crate::runtime::{Course, batch, call, commit, course, launched, set};
use crate::support::{PASSWORD, TestApp};

store::contract_tests!(a_plugin_made_from_the_template_works_end_to_end);

const ORIGIN: &str = "http://127.0.0.1:3000";

/// Makes a plugin from the template and builds it (once per test run: the build is cached).
fn template_plugin() -> Vec<u8> {
    static BUILT: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    BUILT
        .get_or_init(|| {
            let workspace = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
            let parent = tempfile::tempdir().unwrap();
            let dir = server::plugin_cli::new_plugin(
                parent.path(),
                "staff-notes",
                Some("Staff notes"),
                &server::plugin_cli::default_sdk_path(),
            )
            .unwrap();
            // The same dependency versions as the plugins workspace, so the shared target folder
            // already holds them.
            std::fs::copy(workspace.join("plugins/Cargo.lock"), dir.join("Cargo.lock")).unwrap();
            let target = std::env::var_os("RAMPART_TEST_PLUGIN_TARGET_DIR")
                .map(std::path::PathBuf::from)
                .unwrap_or_else(|| workspace.join("target/plugins"));
            let wasm = server::plugin_cli::build_plugin_in(&dir, &target).unwrap();
            std::fs::read(wasm).unwrap()
        })
        .clone()
}

async fn a_plugin_made_from_the_template_works_end_to_end(store: &Store) {
    let wasm = template_plugin();
    let Course {
        mut admin,
        mut nia,
        package_id,
        ..
    } = course(store).await;
    let installed = admin.state.plugins.install(wasm).await.unwrap();
    assert_eq!(installed.info.name, "staff-notes");
    assert_eq!(installed.api_version, "0.3.0");

    // Not turned on for Leeds yet: the page is refused and the menu does not offer it.
    let refused = nia.get("/plugins/staff-notes/home").await;
    assert!(
        refused.body.contains("not turned on for this organisation"),
        "{}",
        refused.body
    );

    // Leeds' admin turns it on and grants the engine events it asks for.
    let leeds = store.find_organisation("leeds-trust").await.unwrap();
    admin
        .create_user("Lee Admin", "lee@leeds.example", leeds.id, &["org_admin"])
        .await;
    let lee = store.user_by_email("lee@leeds.example").await.unwrap();
    let lee = admin.state.accounts.store().user(lee.id).await.unwrap();
    let plugins = admin.state.host_plugins();
    use web::api::ssr::Plugins;
    let wrong = plugins
        .set_grants(
            lee.clone(),
            "staff-notes".into(),
            true,
            vec!["notify.email".into()],
        )
        .await
        .unwrap_err();
    assert!(
        wrong.to_string().contains("does not ask for notify.email"),
        "{wrong}"
    );
    plugins
        .set_grants(
            lee.clone(),
            "staff-notes".into(),
            true,
            vec!["events.engine".into()],
        )
        .await
        .unwrap();
    let overview = plugins.overview(lee).await.unwrap();
    let listed = &overview.plugins[0];
    assert!(listed.active && listed.capabilities.iter().all(|c| c.granted));
    let audit = store.recent_audit(None, 20).await.unwrap();
    assert!(audit.iter().any(|e| e.action == "plugin.grants"));

    // The page renders inside Rampart's layout, with its form.
    let page = nia.get("/plugins/staff-notes/home").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("Staff notes"), "{}", page.body);
    assert!(page.body.contains("No notes yet."));
    assert!(
        page.body
            .contains("action=\"/plugins/staff-notes/home?form=add-note\""),
        "{}",
        page.body
    );

    // An empty note is refused by the host's check of the declared field, and nothing is stored.
    let token = nia.csrf_token().await;
    let empty = nia
        .post_form_from_origin(
            "/plugins/staff-notes/home?form=add-note",
            &[("text", " ")],
            &token,
            ORIGIN,
        )
        .await;
    assert_eq!(empty.status, StatusCode::SEE_OTHER, "{}", empty.body);
    let shown = nia.get(empty.location().unwrap()).await;
    assert!(shown.body.contains("Enter note"), "{}", shown.body);
    assert!(shown.body.contains("No notes yet."));

    // A note is stored in the plugin's storage and shown, with the notice.
    let added = nia
        .post_form_from_origin(
            "/plugins/staff-notes/home?form=add-note",
            &[("text", "Phishing drill on Friday")],
            &token,
            ORIGIN,
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    let shown = nia.get(added.location().unwrap()).await;
    assert!(shown.body.contains("Note added."), "{}", shown.body);
    assert!(shown.body.contains("Phishing drill on Friday"));

    // Without a CSRF token the form is refused.
    let forged = nia
        .post_form_from_origin(
            "/plugins/staff-notes/home?form=add-note",
            &[("text", "x")],
            "forged",
            "https://evil.example",
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN, "{}", forged.body);

    // The plugin's JSON route, with a CSP that allows no script.
    let notes = nia.get("/p/staff-notes/notes").await;
    assert_eq!(notes.status, StatusCode::OK, "{}", notes.body);
    assert!(notes.body.contains("Phishing drill on Friday"));
    assert!(
        notes
            .header("content-security-policy")
            .unwrap()
            .contains("default-src 'none'")
    );

    // Nia completes the course; the engine's course.completed reaches the plugin.
    for item in ["S1", "S2"] {
        let launch = launched(&mut nia, json!({ "package": package_id, "item": item })).await;
        let done = commit(
            &mut nia,
            &batch(
                &launch,
                0,
                json!([
                    call("initialize"),
                    set("cmi.core.lesson_status", "passed"),
                    call("terminate")
                ]),
                true,
            ),
        )
        .await;
        assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    }
    assert_eq!(admin.state.plugins.deliver_due().await.unwrap(), 1);
    let page = nia.get("/plugins/staff-notes/home").await;
    let completed = page
        .body
        .split("Courses completed since the plugin was enabled")
        .nth(1)
        .unwrap_or_default();
    assert!(
        completed
            .trim_start_matches(|c: char| !c.is_ascii_digit())
            .starts_with('1'),
        "{}",
        page.body
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_plugins_anonymous_callers_and_oversized_bodies_get_clear_answers() {
    let db = store::test_db::TestDb::sqlite().await;
    let mut app = TestApp::with_admin(&db.store).await;
    let missing = app.get("/p/nothing-here/x").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(
        missing
            .body
            .contains("there is no plugin called nothing-here")
    );

    let plugins = std::env::var_os("RAMPART_TEST_PLUGINS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../target/plugins/wasm32-wasip2/release")
        });
    let wasm = std::fs::read(plugins.join("misbehave.wasm")).unwrap();
    app.state.plugins.install(wasm).await.unwrap();
    // The platform admin acts in the platform scope, where the plugin has what it declared ...
    let orgs = app.get("/p/misbehave/orgs").await;
    assert_eq!(orgs.status, StatusCode::OK, "{}", orgs.body);
    // ... but someone not signed in gets no capability at all.
    let mut anonymous = app.fork_without_cookies();
    let refused = anonymous.get("/p/misbehave/orgs").await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    assert!(
        refused.body.contains("directory.read is not granted"),
        "{}",
        refused.body
    );

    // A body over 1 MiB is refused before the plugin runs.
    let token = app.csrf_token().await;
    let big = app
        .post_body(
            "/p/misbehave/doc/big",
            "application/json",
            format!("\"{}\"", "x".repeat(1024 * 1024 + 10)),
            &[
                ("x-csrf-token", &token),
                ("origin", "http://127.0.0.1:3000"),
            ],
        )
        .await;
    assert_eq!(big.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", big.body);
    let after = app.get("/p/misbehave/doc/big").await;
    assert_eq!(after.status, StatusCode::NOT_FOUND);
    db.drop_database().await;
}

/// A test plugin from `plugins/tests`, built by `cargo xtask build-plugins`.
fn built_test_plugin(file: &str) -> Vec<u8> {
    let dir = std::env::var_os("RAMPART_TEST_PLUGINS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../target/plugins/wasm32-wasip2/release")
        });
    std::fs::read(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn people_read_their_notifications_and_mark_them_read() {
    let db = store::test_db::TestDb::sqlite().await;
    let store = &db.store;
    let mut admin = TestApp::with_admin(store).await;
    admin
        .state
        .plugins
        .install(built_test_plugin("misbehave.wasm"))
        .await
        .unwrap();
    admin.create_org("Leeds Trust").await;
    let leeds = store.find_organisation("leeds-trust").await.unwrap();
    for (name, email) in [
        ("Nia Nurse", "nia@leeds.example"),
        ("Yas Porter", "yas@leeds.example"),
    ] {
        let created = admin.create_user(name, email, leeds.id, &["learner"]).await;
        assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    }
    let nia_id = store.user_by_email("nia@leeds.example").await.unwrap().id;
    // An older one from a plugin that is no longer installed, with a link that must not be followed,
    // then a newer one from the installed plugin.
    store
        .notify_users(
            &[nia_id],
            &NewNotification {
                organisation_id: Some(leeds.id),
                source: "retired-plugin",
                title: "Older news",
                body: "",
                link: Some("javascript:alert(1)"),
                urgent: false,
            },
            1_799_990_000,
        )
        .await
        .unwrap();
    store
        .notify_users(
            &[nia_id],
            &NewNotification {
                organisation_id: Some(leeds.id),
                source: "misbehave",
                title: "Phishing drill on Friday",
                body: "Meet at **9**. <script>alert(1)</script>",
                link: Some("/plugins/misbehave/home"),
                urgent: false,
            },
            1_800_000_000,
        )
        .await
        .unwrap();

    // Not signed in: sent to sign in first.
    let mut visitor = admin.fork_without_cookies();
    let redirect = visitor.get("/notifications").await;
    assert!(
        redirect
            .location()
            .is_some_and(|l| l.starts_with("/sign-in?next=%2Fnotifications")),
        "{:?}",
        redirect.location()
    );

    let mut nia = admin.fork_without_cookies();
    nia.sign_in("nia@leeds.example", PASSWORD, "/dashboard")
        .await;
    let dashboard = nia.get("/dashboard").await;
    assert!(
        dashboard
            .body
            .contains(r#"aria-label="Notifications, 2 unread""#),
        "{}",
        dashboard.body
    );

    let page = nia.get("/notifications").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let body = &page.body;
    assert!(body.contains("<h1>Notifications</h1>"), "{body}");
    assert!(
        body.contains(r#"aria-label="Notifications, 2 unread""#),
        "{body}"
    );
    let newer = body.find("Phishing drill on Friday").expect(body);
    let older = body.find("Older news").expect(body);
    assert!(newer < older, "newest first: {body}");
    assert!(body.contains(">Misbehave<"), "the plugin's title: {body}");
    assert!(body.contains(">retired-plugin<"), "{body}");
    assert!(body.contains("<strong>9</strong>"), "{body}");
    assert!(!body.contains("<script>alert"), "{body}");
    assert!(body.contains(r#"href="/plugins/misbehave/home""#), "{body}");
    assert!(!body.contains("javascript:"), "{body}");
    assert!(
        body.contains(r#"<time datetime="2027-01-15T08:00:00Z">"#),
        "{body}"
    );
    assert_eq!(body.matches("Unread: ").count(), 2, "{body}");
    assert!(body.contains("action=\"/api/mark_notifications_read\""));

    // The read-only server function answers JSON.
    let json = nia.get_json("/api/notifications").await;
    assert_eq!(json.status, StatusCode::OK, "{}", json.body);
    let json: serde_json::Value = serde_json::from_str(&json.body).unwrap();
    assert_eq!(json["unread"], 2);
    assert_eq!(json["items"][0]["source"], "Misbehave");
    assert_eq!(json["items"][1]["link"], serde_json::Value::Null);

    // Yas has none, and sees the empty state.
    let mut yas = admin.fork_without_cookies();
    yas.sign_in("yas@leeds.example", PASSWORD, "/dashboard")
        .await;
    let theirs = yas.get("/notifications").await;
    assert_eq!(theirs.status, StatusCode::OK, "{}", theirs.body);
    assert!(
        theirs.body.contains("You have no notifications."),
        "{}",
        theirs.body
    );
    assert!(!theirs.body.contains("Phishing drill"));
    assert!(!theirs.body.contains(" unread\""), "{}", theirs.body);

    // Marking all read needs the CSRF token ...
    let forged = nia
        .post_form_from_origin(
            "/api/mark_notifications_read",
            &[],
            "forged",
            "https://evil.example",
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN, "{}", forged.body);
    assert_eq!(store.unread_notifications(nia_id).await.unwrap(), 2);

    // ... and with it, the plain form (as a browser without JavaScript posts it) goes back to the list,
    // where nothing is unread any more.
    let token = nia.csrf_token().await;
    let marked = nia
        .post_form("/api/mark_notifications_read", &[], Some(&token))
        .await;
    assert_eq!(marked.status, StatusCode::FOUND, "{}", marked.body);
    let location = marked.location().unwrap().to_owned();
    assert!(location.starts_with("/notifications"), "{location}");
    assert_eq!(store.unread_notifications(nia_id).await.unwrap(), 0);
    let page = nia.get(&location).await;
    let body = &page.body;
    assert!(
        body.contains("All your notifications are marked as read."),
        "{body}"
    );
    assert!(body.contains("Phishing drill on Friday"), "{body}");
    assert!(!body.contains("Unread: "), "{body}");
    assert!(
        !body.contains(" unread\""),
        "no count in the header: {body}"
    );
    assert!(!body.contains("Mark all as read"), "{body}");
    db.drop_database().await;
}
