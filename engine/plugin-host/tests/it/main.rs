//! The plugin host against real plugins (built from `plugins/` for wasm32-wasip2 by `cargo xtask test`)
//! and a real database: the sandbox, capabilities, isolation, events and API versions.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use accounts::ManualClock;
use plugin_host::{CompileSource, HostConfig, HttpExchange, PluginError, PluginHost};
use store::{DocumentScope, NewOrganisation, Store};

store::contract_tests!(
    storage_is_private_to_plugin_and_organisation,
    events_are_delivered_at_least_once_after_a_restart,
);

/// The folder with the built test plugins.
fn plugins_dir() -> PathBuf {
    std::env::var_os("RAMPART_TEST_PLUGINS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../../target/plugins/wasm32-wasip2/release")
        })
}

fn wasm(name: &str) -> Vec<u8> {
    let path = plugins_dir().join(format!("{name}.wasm"));
    std::fs::read(&path).unwrap_or_else(|error| {
        panic!(
            "{}: {error}. Build the test plugins first: `cargo xtask build-plugins` (or `cargo xtask test`).",
            path.display()
        )
    })
}

struct Fixture {
    host: PluginHost,
    clock: Arc<ManualClock>,
    state: tempfile::TempDir,
    store: Store,
}

fn config(state: &std::path::Path) -> HostConfig {
    let mut config = HostConfig::new(state, "http://127.0.0.1:3000");
    config.call_timeout = Duration::from_millis(500);
    config.memory_cap_bytes = 32 * 1024 * 1024;
    config
}

async fn fixture(store: &Store) -> Fixture {
    let clock = Arc::new(ManualClock::new(1_800_000_000));
    let state = tempfile::tempdir().unwrap();
    let host = PluginHost::new(store.clone(), clock.clone(), config(state.path())).unwrap();
    Fixture {
        host,
        clock,
        state,
        store: store.clone(),
    }
}

async fn organisation(store: &Store, name: &str) -> i64 {
    store
        .create_organisation(
            &NewOrganisation {
                name: name.into(),
                slug: name.to_lowercase().replace(' ', "-"),
                kind: "acute_trust".into(),
                region: None,
            },
            1,
        )
        .await
        .unwrap()
        .id
}

impl Fixture {
    async fn install(&self, name: &str) {
        self.host.install(wasm(name)).await.unwrap();
    }

    async fn turn_on(&self, plugin: &str, organisation: i64, capabilities: &[&str]) {
        let granted: Vec<String> = capabilities.iter().map(|c| c.to_string()).collect();
        self.host
            .set_activation(plugin, organisation, true, &granted, None)
            .await
            .unwrap();
    }

    fn clock_now(&self) -> i64 {
        use accounts::Clock;
        self.clock.now()
    }

    async fn request(
        &self,
        plugin: &str,
        organisation: Option<i64>,
        method: &str,
        path: &str,
        body: &str,
    ) -> Result<(u16, String), PluginError> {
        let scope = self
            .host
            .scope_for(plugin, organisation, Some(1), vec!["learner".into()])
            .await?;
        let response = self
            .host
            .handle_request(
                scope,
                HttpExchange {
                    method: method.into(),
                    path: path.into(),
                    body: body.as_bytes().to_vec(),
                    ..HttpExchange::default()
                },
            )
            .await?;
        Ok((
            response.status,
            String::from_utf8_lossy(&response.body).into_owned(),
        ))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_infinite_loop_is_stopped_at_its_deadline_while_other_calls_are_served() {
    let db = store::test_db::TestDb::sqlite().await;
    let f = fixture(&db.store).await;
    f.install("misbehave").await;
    let started = Instant::now();
    let host = f.host.clone();
    let looping = tokio::spawn(async move {
        let scope = host
            .scope_for("misbehave", None, None, Vec::new())
            .await
            .unwrap();
        let request = HttpExchange {
            method: "GET".into(),
            path: "/loop".into(),
            ..HttpExchange::default()
        };
        let result = host.handle_request(scope, request).await;
        (result, started.elapsed())
    });
    // While the loop runs, other calls are answered promptly.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut answered_during_loop = 0;
    while !looping.is_finished() && started.elapsed() < Duration::from_millis(400) {
        let (status, body) = f
            .request("misbehave", None, "GET", "/ok", "")
            .await
            .unwrap();
        assert_eq!((status, body.as_str()), (200, "ok"));
        answered_during_loop += 1;
    }
    let (result, elapsed) = looping.await.unwrap();
    let error = result.unwrap_err();
    assert!(
        matches!(error, PluginError::Timeout { budget_ms: 500, .. }),
        "{error}"
    );
    assert!(
        answered_during_loop > 0,
        "no call was served during the loop"
    );
    assert!(
        elapsed < Duration::from_millis(1500),
        "the loop was stopped only after {elapsed:?}"
    );
    let failures = f.store.plugin_failures("misbehave", 0, 10).await.unwrap();
    assert_eq!(failures[0].kind, "timeout");
    assert!(failures[0].message.contains("did not finish within 500 ms"));
    db.drop_database().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_memory_bomb_is_trapped_and_the_plugin_keeps_serving() {
    let db = store::test_db::TestDb::sqlite().await;
    let f = fixture(&db.store).await;
    f.install("misbehave").await;
    let error = f
        .request("misbehave", None, "GET", "/bomb", "")
        .await
        .unwrap_err();
    match &error {
        PluginError::Memory { detail, .. } => {
            assert!(detail.contains("the limit is 32 MiB"), "{detail}")
        }
        other => panic!("expected a memory error, got {other}"),
    }
    assert_eq!(
        f.request("misbehave", None, "GET", "/ok", "")
            .await
            .unwrap(),
        (200, "ok".into())
    );
    let audit = f.store.recent_audit(None, 10).await.unwrap();
    assert!(
        audit.iter().any(|entry| entry.action == "plugin.failure"
            && entry.target.as_deref() == Some("misbehave"))
    );
    db.drop_database().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panic_fails_only_its_call_and_repeated_failures_suspend_the_plugin() {
    let db = store::test_db::TestDb::sqlite().await;
    let f = fixture(&db.store).await;
    f.install("misbehave").await;
    f.install("hello").await;
    let error = f
        .request("misbehave", None, "GET", "/panic", "")
        .await
        .unwrap_err();
    match &error {
        PluginError::Trap { detail, .. } => {
            assert!(
                detail.contains("deliberate panic for the isolation test"),
                "{detail}"
            )
        }
        other => panic!("expected a trap, got {other}"),
    }
    // The next call gets a fresh instance.
    assert_eq!(
        f.request("misbehave", None, "GET", "/ok", "")
            .await
            .unwrap()
            .0,
        200
    );
    for _ in 0..4 {
        f.request("misbehave", None, "GET", "/panic", "")
            .await
            .unwrap_err();
    }
    let record = f.store.plugin("misbehave").await.unwrap();
    assert_eq!(record.status, "suspended");
    let reason = record.status_reason.unwrap();
    assert!(reason.contains("after 5 failures"), "{reason}");
    let refused = f
        .request("misbehave", None, "GET", "/ok", "")
        .await
        .unwrap_err();
    assert!(
        matches!(refused, PluginError::Unavailable { .. }),
        "{refused}"
    );
    // Other plugins are untouched, and the platform admin can lift the suspension.
    assert_eq!(f.store.plugin("hello").await.unwrap().status, "enabled");
    f.host.set_enabled("misbehave", true, None).await.unwrap();
    assert_eq!(
        f.request("misbehave", None, "GET", "/ok", "")
            .await
            .unwrap()
            .0,
        200
    );
    db.drop_database().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ungranted_capability_is_refused_and_a_granted_one_works() {
    let db = store::test_db::TestDb::sqlite().await;
    let f = fixture(&db.store).await;
    f.install("misbehave").await;
    let org = organisation(&f.store, "Northshire Trust").await;
    // Not turned on for the organisation: nothing is reachable.
    let error = f
        .request("misbehave", Some(org), "GET", "/ok", "")
        .await
        .unwrap_err();
    assert!(matches!(error, PluginError::NotActive(_)), "{error}");

    f.turn_on("misbehave", org, &[]).await;
    for (method, path, capability) in [
        ("POST", "/email", "notify.email"),
        ("GET", "/orgs", "directory.read"),
        ("POST", "/publish", "events.publish"),
        ("GET", "/facts", "facts.training"),
    ] {
        let (status, body) = f
            .request("misbehave", Some(org), method, path, "{}")
            .await
            .unwrap();
        assert_eq!(status, 403, "{path}: {body}");
        assert!(
            body.contains(&format!("the capability {capability} is not granted")),
            "{body}"
        );
    }
    let queued = f.store.due_outbox(i64::MAX, 10).await.unwrap();
    assert!(queued.is_empty());

    // facts.training is not declared by the plugin: granting it changes nothing.
    f.turn_on("misbehave", org, &["directory.read", "facts.training"])
        .await;
    let (status, body) = f
        .request("misbehave", Some(org), "GET", "/orgs", "")
        .await
        .unwrap();
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("Northshire Trust"));
    let (status, _) = f
        .request("misbehave", Some(org), "GET", "/facts", "")
        .await
        .unwrap();
    assert_eq!(status, 403);
    db.drop_database().await;
}

async fn storage_is_private_to_plugin_and_organisation(store: &Store) {
    let f = fixture(store).await;
    f.install("misbehave").await;
    f.install("legacy_0_1_0").await;
    let x = organisation(store, "Organisation X").await;
    let y = organisation(store, "Organisation Y").await;
    for org in [x, y] {
        f.turn_on("misbehave", org, &[]).await;
        f.turn_on("legacy", org, &[]).await;
    }
    let put = f
        .request(
            "misbehave",
            Some(x),
            "PUT",
            "/doc/plan",
            r#"{"secret":"x"}"#,
        )
        .await
        .unwrap();
    assert_eq!(put, (200, "1".into()));
    assert_eq!(
        f.request("misbehave", Some(x), "GET", "/doc/plan", "")
            .await
            .unwrap(),
        (200, r#"{"secret":"x"}"#.into())
    );
    // Another organisation, the platform scope and another plugin see nothing.
    assert_eq!(
        f.request("misbehave", Some(y), "GET", "/doc/plan", "")
            .await
            .unwrap()
            .0,
        404
    );
    assert_eq!(
        f.request("misbehave", None, "GET", "/doc/plan", "")
            .await
            .unwrap()
            .0,
        404
    );
    assert_eq!(
        f.request("legacy", Some(x), "GET", "/doc/plan", "")
            .await
            .unwrap()
            .0,
        404
    );
    // The same key in Y is a separate document.
    assert_eq!(
        f.request(
            "misbehave",
            Some(y),
            "PUT",
            "/doc/plan",
            r#"{"secret":"y"}"#
        )
        .await
        .unwrap(),
        (200, "1".into())
    );
    assert_eq!(
        f.request("misbehave", Some(x), "GET", "/doc/plan", "")
            .await
            .unwrap()
            .1,
        r#"{"secret":"x"}"#
    );
    assert_eq!(
        f.request("misbehave", Some(x), "GET", "/count", "")
            .await
            .unwrap(),
        (200, "1".into())
    );
    // Not JSON: refused with the reason, nothing stored.
    let (status, body) = f
        .request("misbehave", Some(x), "PUT", "/doc/bad", "not json")
        .await
        .unwrap();
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("not JSON"), "{body}");
    assert_eq!(
        f.request("misbehave", Some(x), "GET", "/doc/bad", "")
            .await
            .unwrap()
            .0,
        404
    );
}

async fn seen_events(store: &Store, plugin: &str, organisation: i64) -> Vec<i64> {
    let scope = DocumentScope {
        plugin,
        scope_id: organisation,
    };
    match store.document(scope, "events", "seen").await.unwrap() {
        Some(document) => serde_json::from_str(&document.body).unwrap(),
        None => Vec::new(),
    }
}

async fn events_are_delivered_at_least_once_after_a_restart(store: &Store) {
    let f = fixture(store).await;
    f.install("misbehave").await;
    f.install("legacy_0_1_0").await;
    let org = organisation(store, "Eventful Trust").await;
    f.turn_on("misbehave", org, &["events.publish"]).await;
    f.turn_on("legacy", org, &[]).await;
    let (status, id) = f
        .request("misbehave", Some(org), "POST", "/publish", r#"{"n":1}"#)
        .await
        .unwrap();
    assert_eq!(status, 200, "{id}");
    let id: i64 = id.trim().parse().unwrap();
    // The server stops before the dispatcher ran.
    let Fixture {
        host, clock, state, ..
    } = f;
    drop(host);

    let host = PluginHost::new(store.clone(), clock.clone(), config(state.path())).unwrap();
    assert_eq!(host.load_installed().await.unwrap(), 2);
    assert_eq!(host.deliver_due().await.unwrap(), 2);
    assert_eq!(seen_events(store, "misbehave", org).await, vec![id]);
    assert_eq!(seen_events(store, "legacy", org).await, vec![id]);
    assert_eq!(host.deliver_due().await.unwrap(), 0);
    assert_eq!(store.delivery_counts("misbehave").await.unwrap(), (1, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_delivery_is_retried_with_back_off() {
    let db = store::test_db::TestDb::sqlite().await;
    let f = fixture(&db.store).await;
    f.install("misbehave").await;
    f.host
        .services()
        .publish("test.fail", None, "{}", "test")
        .await
        .unwrap();
    assert_eq!(f.host.deliver_due().await.unwrap(), 0);
    assert_eq!(db.store.delivery_counts("misbehave").await.unwrap(), (0, 1));
    // Not due again until the back-off has passed.
    assert!(
        db.store
            .due_deliveries(f.clock_now(), 10)
            .await
            .unwrap()
            .is_empty()
    );
    f.clock.advance(31);
    let due = db.store.due_deliveries(f.clock_now(), 10).await.unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].attempts, 1);
    db.drop_database().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plugins_built_against_0_1_0_and_0_2_0_keep_working_beside_0_3_0() {
    let db = store::test_db::TestDb::sqlite().await;
    let f = fixture(&db.store).await;
    f.install("legacy_0_1_0").await;
    f.install("legacy_0_2_0").await;
    f.install("misbehave").await;
    assert_eq!(f.host.info("legacy").unwrap().1, "0.1.0");
    assert_eq!(f.host.info("legacy-two").unwrap().1, "0.2.0");
    assert_eq!(f.host.info("misbehave").unwrap().1, "0.3.0");
    let org = organisation(&f.store, "Old Trust").await;
    f.turn_on("legacy", org, &[]).await;
    f.turn_on("legacy-two", org, &[]).await;
    assert_eq!(
        f.request("legacy-two", Some(org), "PUT", "/doc/b", "{}")
            .await
            .unwrap(),
        (200, "1".into())
    );
    let scope = f
        .host
        .scope_for("legacy-two", Some(org), None, Vec::new())
        .await
        .unwrap();
    let page = f.host.render_page(scope, "home", Vec::new()).await.unwrap();
    assert!(format!("{page:?}").contains("Built against 0.2.0"));
    assert_eq!(
        f.request("legacy", Some(org), "GET", "/ok", "")
            .await
            .unwrap()
            .0,
        200
    );
    assert_eq!(
        f.request("legacy", Some(org), "PUT", "/doc/a", "[1,2]")
            .await
            .unwrap(),
        (200, "1".into())
    );
    assert_eq!(
        f.request("legacy", Some(org), "GET", "/doc/a", "")
            .await
            .unwrap(),
        (200, "[1,2]".into())
    );
    let scope = f
        .host
        .scope_for("legacy", Some(org), None, Vec::new())
        .await
        .unwrap();
    let page = f.host.render_page(scope, "home", Vec::new()).await.unwrap();
    let shown = format!("{page:?}");
    assert!(shown.contains("Built against 0.1.0"), "{shown}");
    // The function 0.2.0 added works for the plugin built against it.
    assert_eq!(
        f.request("misbehave", None, "GET", "/count", "")
            .await
            .unwrap(),
        (200, "0".into())
    );
    db.drop_database().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn install_refuses_what_is_not_a_plugin_and_records_nothing() {
    let db = store::test_db::TestDb::sqlite().await;
    let f = fixture(&db.store).await;
    for (bytes, expected) in [
        (b"hello".to_vec(), "does not compile"),
        (b"\0asm\x01\0\0\0".to_vec(), "core WebAssembly module"),
    ] {
        let error = f.host.install(bytes).await.unwrap_err();
        assert!(error.to_string().contains(expected), "{error}");
    }
    assert!(db.store.list_plugins().await.unwrap().is_empty());
    assert!(
        std::fs::read_dir(f.state.path().join("installed"))
            .unwrap()
            .next()
            .is_none()
    );
    db.drop_database().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compiled_code_is_cached_and_reused() {
    let db = store::test_db::TestDb::sqlite().await;
    let f = fixture(&db.store).await;
    let first = f.host.install(wasm("hello")).await.unwrap();
    assert_eq!(first.compiled, CompileSource::Compiled);
    assert!(first.changed);
    let again = f.host.install(wasm("hello")).await.unwrap();
    assert_eq!(again.compiled, CompileSource::FromCache);
    assert!(!again.changed);
    db.drop_database().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ticks_run_per_scope_at_their_interval() {
    let db = store::test_db::TestDb::sqlite().await;
    let f = fixture(&db.store).await;
    f.install("misbehave").await;
    let org = organisation(&f.store, "Ticking Trust").await;
    f.turn_on("misbehave", org, &[]).await;
    // The platform scope and the organisation that turned it on.
    assert_eq!(f.host.run_ticks().await.unwrap(), 2);
    assert_eq!(f.host.run_ticks().await.unwrap(), 0, "not due again yet");
    f.clock.advance(60);
    assert_eq!(f.host.run_ticks().await.unwrap(), 2);
    let count = |scope_id| {
        let store = f.store.clone();
        async move {
            let scope = DocumentScope {
                plugin: "misbehave",
                scope_id,
            };
            store
                .document(scope, "ticks", "count")
                .await
                .unwrap()
                .map(|d| d.body)
        }
    };
    assert_eq!(count(org).await.as_deref(), Some("2"));
    assert_eq!(count(store::PLATFORM_SCOPE).await.as_deref(), Some("2"));
    db.drop_database().await;
}

async fn learner(store: &Store, organisation: i64, email: &str) -> i64 {
    store
        .create_user(
            &store::NewUser {
                organisation_id: Some(organisation),
                email: email.into(),
                display_name: email.into(),
                password_hash: None,
                roles: vec!["learner".into()],
            },
            1,
        )
        .await
        .unwrap()
        .id
}

async fn course(store: &Store, organisation: i64, identifier: &str) -> i64 {
    store
        .insert_package_version(
            &store::NewPackageVersion {
                organisation_id: Some(organisation),
                identifier: identifier.into(),
                standard: "scorm_2004_4th".into(),
                title: format!("Course {identifier}"),
                launch_path: Some("index.html".into()),
                manifest_json: "{}".into(),
                report_json: "{}".into(),
                total_bytes: 0,
                created_by: None,
                files: Vec::new(),
            },
            1,
        )
        .await
        .unwrap()
        .package_id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_sent_up_to_the_platform_names_its_sender_and_needs_its_grant() {
    let db = store::test_db::TestDb::sqlite().await;
    let f = fixture(&db.store).await;
    f.install("misbehave").await;
    let granted = organisation(&f.store, "Granted Trust").await;
    let refused = organisation(&f.store, "Refused Trust").await;
    f.turn_on("misbehave", granted, &["events.platform"]).await;
    f.turn_on("misbehave", refused, &[]).await;
    let (status, body) = f
        .request("misbehave", Some(refused), "POST", "/report", "{}")
        .await
        .unwrap();
    assert_eq!(status, 403);
    assert!(body.contains("events.platform"), "{body}");
    // The payload cannot claim another sender: the host stamps the organisation.
    let (status, _) = f
        .request(
            "misbehave",
            Some(granted),
            "POST",
            "/report",
            &format!("{{\"organisation_id\": {refused}}}"),
        )
        .await
        .unwrap();
    assert_eq!(status, 200);
    assert_eq!(f.host.deliver_due().await.unwrap(), 1);
    let reports = db
        .store
        .document(
            DocumentScope {
                plugin: "misbehave",
                scope_id: store::PLATFORM_SCOPE,
            },
            "events",
            "reports",
        )
        .await
        .unwrap()
        .expect("the platform scope handled the report");
    assert_eq!(reports.body, format!("[{granted}]"));
    // Nothing reached the sender's own scope.
    assert!(seen_events(&f.store, "misbehave", granted).await.is_empty());
    db.drop_database().await;
}

async fn courses_are_assigned_inside_the_calling_organisation_only(store: &Store) {
    let f = fixture(store).await;
    f.install("misbehave").await;
    let org = organisation(store, "Assigning Trust").await;
    let other = organisation(store, "Other Trust").await;
    let ours = course(store, org, "rampart-phishing").await;
    course(store, other, "rampart-passwords").await;
    let ada = learner(store, org, "ada@assigning.example").await;
    let bob = learner(store, other, "bob@other.example").await;
    f.turn_on("misbehave", org, &["training.assign"]).await;
    let (status, body) = f
        .request("misbehave", Some(org), "GET", "/courses", "")
        .await
        .unwrap();
    assert_eq!(status, 200);
    assert!(
        body.contains("rampart-phishing") && !body.contains("rampart-passwords"),
        "{body}"
    );
    let due = 1_900_000_000_000i64;
    assert_eq!(
        f.request(
            "misbehave",
            Some(org),
            "POST",
            "/assign/rampart-phishing",
            &due.to_string()
        )
        .await
        .unwrap(),
        (200, "1".into())
    );
    // Assigning again adds nobody; another organisation's course is not found.
    assert_eq!(
        f.request(
            "misbehave",
            Some(org),
            "POST",
            "/assign/rampart-phishing",
            ""
        )
        .await
        .unwrap(),
        (200, "0".into())
    );
    let (status, body) = f
        .request(
            "misbehave",
            Some(org),
            "POST",
            "/assign/rampart-passwords",
            "",
        )
        .await
        .unwrap();
    assert_eq!(status, 403);
    assert!(
        body.contains("no course with the identifier \"rampart-passwords\""),
        "{body}"
    );
    let assigned = store.assignments_of_user(ada).await.unwrap();
    assert_eq!(assigned.len(), 1);
    assert_eq!(assigned[0].package_id, ours);
    assert_eq!(assigned[0].due_at, Some(due / 1000));
    assert_eq!(assigned[0].source, "misbehave");
    assert!(store.assignments_of_user(bob).await.unwrap().is_empty());
    // Without the grant, nothing.
    f.turn_on("misbehave", org, &[]).await;
    let (status, body) = f
        .request("misbehave", Some(org), "GET", "/courses", "")
        .await
        .unwrap();
    assert_eq!(status, 403);
    assert!(body.contains("training.assign"), "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn courses_are_assigned_inside_the_calling_organisation_only_on_sqlite() {
    let db = store::test_db::TestDb::sqlite().await;
    courses_are_assigned_inside_the_calling_organisation_only(&db.store).await;
    db.drop_database().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn courses_are_assigned_inside_the_calling_organisation_only_on_postgres() {
    let db = store::test_db::TestDb::postgres().await;
    courses_are_assigned_inside_the_calling_organisation_only(&db.store).await;
    db.drop_database().await;
}
