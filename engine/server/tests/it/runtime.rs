//! The SCORM run-time API over HTTP: launch, commit batches (fetch and beacon), idempotency, refusals,
//! ownership and limits, on SQLite and PostgreSQL.

use axum::http::StatusCode;
use serde_json::{Value, json};
use store::Store;

use crate::support::{PASSWORD, Reply, TestApp, zip_bytes};

store::contract_tests!(
    a_commit_round_trip_survives_a_restart,
    admins_download_training_progress_as_csv,
    a_forged_commit_to_another_learners_attempt_is_403,
    a_refused_call_is_422_and_stores_nothing,
    a_replayed_batch_is_acknowledged_once,
    commits_arrive_by_beacon_with_their_token,
    oversized_commits_are_413,
    launch_needs_csrf_a_visible_package_and_prerequisites,
    the_player_and_dashboard_show_the_course,
    scorm_2004_shares_data_and_starts_a_new_attempt_unless_suspended,
    a_launch_finishes_sessions_left_open,
    concurrent_copies_of_a_batch_are_stored_once,
);

/// Two SCORM 1.2 SCOs; the second needs the first completed or passed.
pub const MANIFEST: &str = r#"<manifest identifier="rt" xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2" xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">
  <metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>
  <organizations default="O"><organization identifier="O"><title>Runtime course</title>
    <item identifier="S1" identifierref="R1"><title>Part one</title><adlcp:masteryscore>50</adlcp:masteryscore></item>
    <item identifier="S2" identifierref="R2" parameters="?chapter=2"><title>Part two</title><adlcp:prerequisites type="aicc_script">S1</adlcp:prerequisites></item>
  </organization></organizations>
  <resources>
    <resource identifier="R1" type="webcontent" adlcp:scormtype="sco" href="one.html"><file href="one.html"/></resource>
    <resource identifier="R2" type="webcontent" adlcp:scormtype="sco" href="two.html"><file href="two.html"/></resource>
  </resources>
</manifest>"#;

const ORIGIN: &str = "http://127.0.0.1:3000";

/// An admin who uploaded the course, and two signed-in learners of one organisation.
pub struct Course {
    pub admin: TestApp,
    pub nia: TestApp,
    pub yas: TestApp,
    pub package_id: i64,
}

pub async fn course(store: &Store) -> Course {
    let mut admin = TestApp::with_admin(store).await;
    let token = admin.csrf_token().await;
    let zip = zip_bytes(&[
        ("imsmanifest.xml", MANIFEST),
        ("one.html", "<p>one</p>"),
        ("two.html", "<p>two</p>"),
    ]);
    let uploaded = admin
        .upload(
            "/admin/packages/upload",
            Some(&token),
            "course.zip",
            &zip,
            "text/html",
        )
        .await;
    assert_eq!(uploaded.status, StatusCode::SEE_OTHER, "{}", uploaded.body);
    let package_id = store.list_packages(None).await.unwrap()[0].id;
    admin.create_org("Leeds Trust").await;
    let leeds = store.find_organisation("leeds-trust").await.unwrap();
    for (name, email) in [
        ("Nia Nurse", "nia@leeds.example"),
        ("Yas Porter", "yas@leeds.example"),
    ] {
        admin.create_user(name, email, leeds.id, &["learner"]).await;
    }
    let mut nia = admin.fork_without_cookies();
    nia.sign_in("nia@leeds.example", PASSWORD, "/dashboard")
        .await;
    let mut yas = admin.fork_without_cookies();
    yas.sign_in("yas@leeds.example", PASSWORD, "/dashboard")
        .await;
    Course {
        admin,
        nia,
        yas,
        package_id,
    }
}

fn json_of(reply: &Reply) -> Value {
    serde_json::from_str(&reply.body)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {} {}", reply.status, reply.body))
}

async fn launch(app: &mut TestApp, request: Value) -> Reply {
    let token = app.csrf_token().await;
    app.post_body(
        "/api/runtime/launch",
        "application/json",
        request.to_string(),
        &[("x-csrf-token", &token), ("origin", ORIGIN)],
    )
    .await
}

pub async fn launched(app: &mut TestApp, request: Value) -> Value {
    let reply = launch(app, request).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    json_of(&reply)
}

pub fn batch(launched: &Value, seq: i64, calls: Value, is_final: bool) -> Value {
    json!({
        "attempt": launched["attempt"],
        "item": launched["item"],
        "launch": launched["launch"],
        "seq": seq,
        "calls": calls,
        "final": is_final,
        "token": launched["token"],
    })
}

pub async fn commit(app: &mut TestApp, body: &Value) -> Reply {
    app.post_body(
        "/api/runtime/commit",
        "application/json",
        body.to_string(),
        &[("origin", ORIGIN)],
    )
    .await
}

pub fn set(element: &str, value: &str) -> Value {
    json!({"call": "set-value", "element": element, "value": value})
}

pub fn call(name: &str) -> Value {
    json!({ "call": name })
}

async fn journal_len(store: &Store, launched: &Value) -> usize {
    store
        .runtime_commits(
            launched["attempt"].as_i64().unwrap(),
            launched["item"].as_str().unwrap(),
            launched["launch"].as_i64().unwrap(),
        )
        .await
        .unwrap()
        .len()
}

async fn a_commit_round_trip_survives_a_restart(store: &Store) {
    let Course {
        mut nia,
        package_id,
        ..
    } = course(store).await;
    let first = launched(&mut nia, json!({ "package": package_id })).await;
    assert_eq!(first["version"], "scorm12");
    assert_eq!(first["item"], "S1", "the first SCO in manifest order");
    assert_eq!(first["entry"], "ab-initio");
    assert_eq!(first["data"], Value::Null);
    assert_eq!(first["seq"], 0);
    assert_eq!(first["context"]["learner_name"], "Nia Nurse");
    assert_eq!(first["context"]["mastery_score"], 50.0);
    let content_url = first["content_url"].as_str().unwrap();
    assert!(
        content_url.starts_with("http://localhost:3001/content/")
            && content_url.ends_with("/one.html"),
        "{content_url}"
    );
    assert_eq!(
        first["launcher_url"],
        "http://localhost:3001/__rampart/launch.html"
    );
    assert_eq!(first["content_origin"], "http://localhost:3001");

    let opened = commit(
        &mut nia,
        &batch(
            &first,
            0,
            json!([
                call("initialize"),
                set("cmi.core.lesson_location", "page-3"),
                set("cmi.suspend_data", "abc"),
                set("cmi.core.exit", "suspend"),
            ]),
            false,
        ),
    )
    .await;
    assert_eq!(opened.status, StatusCode::OK, "{}", opened.body);
    assert_eq!(json_of(&opened)["acknowledged"], 4);

    // A restarted server has no cached session: it rebuilds it from the base data and the journal.
    let mut nia = nia.restarted();
    let more = commit(
        &mut nia,
        &batch(
            &first,
            4,
            json!([set("cmi.core.score.raw", "80"), call("commit")]),
            false,
        ),
    )
    .await;
    assert_eq!(more.status, StatusCode::OK, "{}", more.body);
    assert_eq!(json_of(&more)["acknowledged"], 6);
    let ended = commit(
        &mut nia,
        &batch(&first, 6, json!([call("terminate")]), true),
    )
    .await;
    assert_eq!(ended.status, StatusCode::OK, "{}", ended.body);
    assert_eq!(json_of(&ended)["ended"], true);

    let attempt = store
        .attempt(first["attempt"].as_i64().unwrap())
        .await
        .unwrap();
    assert_eq!(attempt.last_item.as_deref(), Some("S1"));
    let sco = store.sco_state(attempt.id, "S1").await.unwrap().unwrap();
    assert!(!sco.open && sco.resume, "{sco:?}");
    assert_eq!(
        sco.completion_status.as_deref(),
        Some("passed"),
        "80 against a mastery score of 50"
    );
    assert_eq!(sco.score_scaled, Some(0.8));

    let mut nia = nia.restarted();
    let again = launched(&mut nia, json!({ "package": package_id, "item": "S1" })).await;
    assert_eq!(again["entry"], "resume");
    assert_eq!(again["launch"], 2);
    assert_eq!(again["data"]["location"], "page-3");
    assert_eq!(again["data"]["suspend_data"], "abc");
    assert_ne!(again["token"], first["token"], "tokens are per launch");
    let stale = commit(&mut nia, &batch(&first, 7, json!([call("commit")]), false)).await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);
}

async fn admins_download_training_progress_as_csv(store: &Store) {
    let Course {
        mut admin,
        mut nia,
        mut yas,
        package_id,
    } = course(store).await;
    let first = launched(&mut nia, json!({ "package": package_id })).await;
    let calls = json!([
        call("initialize"),
        set("cmi.core.score.raw", "80"),
        set("cmi.core.lesson_status", "passed"),
        call("terminate"),
    ]);
    let ended = commit(&mut nia, &batch(&first, 0, calls.clone(), true)).await;
    assert_eq!(ended.status, StatusCode::OK, "{}", ended.body);
    let halfway = admin.get("/admin/training.csv").await;
    assert!(
        halfway
            .body
            .contains("nia@leeds.example,Runtime course,in progress,80,"),
        "one of two parts done: {}",
        halfway.body
    );
    let second = launched(&mut nia, json!({ "package": package_id, "item": "S2" })).await;
    let ended = commit(&mut nia, &batch(&second, 0, calls, true)).await;
    assert_eq!(ended.status, StatusCode::OK, "{}", ended.body);

    let csv = admin.get("/admin/training.csv").await;
    assert_eq!(csv.status, StatusCode::OK, "{}", csv.body);
    assert_eq!(csv.header("content-type"), Some("text/csv; charset=utf-8"));
    let mut lines = csv.body.lines();
    assert_eq!(
        lines.next(),
        Some("organisation,name,email,course,status,score %,last activity")
    );
    let nia_row = csv
        .body
        .lines()
        .find(|line| line.contains("nia@leeds.example"))
        .expect("Nia's course is listed");
    assert!(
        nia_row.starts_with("Leeds Trust,Nia Nurse,nia@leeds.example,Runtime course,passed,80,"),
        "{nia_row}"
    );
    assert!(
        !csv.body.contains("yas@leeds.example"),
        "a learner who never opened the course has no row"
    );

    let learner_download = yas.get("/admin/training.csv").await;
    assert_eq!(
        learner_download.status,
        StatusCode::FORBIDDEN,
        "learners cannot download everyone's progress"
    );
}

async fn a_forged_commit_to_another_learners_attempt_is_403(store: &Store) {
    let Course {
        mut nia,
        mut yas,
        package_id,
        ..
    } = course(store).await;
    let nias = launched(&mut nia, json!({ "package": package_id })).await;
    let yass = launched(&mut yas, json!({ "package": package_id })).await;
    assert_ne!(nias["attempt"], yass["attempt"]);

    // Yas's own token on Nia's attempt, and Nia's token (somehow obtained) from Yas's session.
    let mut forged = batch(&nias, 0, json!([call("initialize")]), false);
    forged["token"] = yass["token"].clone();
    let reply = commit(&mut yas, &forged).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.body);
    let stolen = batch(&nias, 0, json!([call("initialize")]), false);
    let reply = commit(&mut yas, &stolen).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.body);
    // Nor can Yas relaunch through Nia's registration.
    let reply = launch(&mut yas, json!({ "registration": nias["registration"] })).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.body);

    assert_eq!(journal_len(store, &nias).await, 0, "nothing was stored");
    let own = commit(&mut nia, &stolen).await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.body);
}

async fn a_refused_call_is_422_and_stores_nothing(store: &Store) {
    let Course {
        mut nia,
        package_id,
        ..
    } = course(store).await;
    let first = launched(&mut nia, json!({ "package": package_id })).await;
    let refused = commit(
        &mut nia,
        &batch(
            &first,
            0,
            json!([call("initialize"), set("cmi.core.no_such_thing", "x")]),
            false,
        ),
    )
    .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    let body = json_of(&refused);
    assert_eq!(body["error"], "refused");
    assert_eq!(body["index"], 1);
    assert_eq!(body["error_code"], "201", "SCORM 1.2: invalid argument");
    assert!(body["diagnostic"].as_str().is_some_and(|d| !d.is_empty()));
    assert_eq!(journal_len(store, &first).await, 0);
    let sco = store
        .sco_state(first["attempt"].as_i64().unwrap(), "S1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!((sco.n_calls, sco.data), (0, None));

    // Garbage in the batch itself is a 400, not a server error.
    let mut garbage = batch(&first, 0, json!([{"call": "launch-missiles"}]), false);
    let reply = commit(&mut nia, &garbage).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    garbage["calls"] = json!([call("initialize")]);
    garbage["seq"] = json!(-1);
    let reply = commit(&mut nia, &garbage).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);

    let fine = commit(
        &mut nia,
        &batch(&first, 0, json!([call("initialize")]), false),
    )
    .await;
    assert_eq!(fine.status, StatusCode::OK, "{}", fine.body);
}

async fn a_replayed_batch_is_acknowledged_once(store: &Store) {
    let Course {
        mut nia,
        package_id,
        ..
    } = course(store).await;
    let first = launched(&mut nia, json!({ "package": package_id })).await;
    let calls = json!([call("initialize"), set("cmi.core.lesson_location", "p1")]);
    let once = commit(&mut nia, &batch(&first, 0, calls.clone(), false)).await;
    assert_eq!(once.status, StatusCode::OK, "{}", once.body);
    assert_eq!(json_of(&once)["duplicate"], false);
    let twice = commit(&mut nia, &batch(&first, 0, calls, false)).await;
    assert_eq!(twice.status, StatusCode::OK, "{}", twice.body);
    assert_eq!(json_of(&twice)["duplicate"], true);
    assert_eq!(json_of(&twice)["acknowledged"], 2);
    assert_eq!(journal_len(store, &first).await, 1);

    // A batch overlapping what is stored (a beacon sent while a fetch was in flight) adds only the rest.
    let overlapping = json!([
        call("initialize"),
        set("cmi.core.lesson_location", "p1"),
        set("cmi.core.lesson_location", "p2"),
    ]);
    let reply = commit(&mut nia, &batch(&first, 0, overlapping, false)).await;
    assert_eq!(json_of(&reply)["acknowledged"], 3, "{}", reply.body);
    let journal = store
        .runtime_commits(first["attempt"].as_i64().unwrap(), "S1", 1)
        .await
        .unwrap();
    assert_eq!(
        journal.iter().map(|c| c.seq).collect::<Vec<_>>(),
        vec![0, 2]
    );

    let rewritten = commit(
        &mut nia,
        &batch(
            &first,
            1,
            json!([set("cmi.core.lesson_location", "evil")]),
            false,
        ),
    )
    .await;
    assert_eq!(rewritten.status, StatusCode::CONFLICT, "{}", rewritten.body);
    let gap = commit(&mut nia, &batch(&first, 9, json!([call("commit")]), false)).await;
    assert_eq!(gap.status, StatusCode::CONFLICT, "{}", gap.body);
    assert_eq!(json_of(&gap)["acknowledged"], 3);

    let location = store
        .sco_state(first["attempt"].as_i64().unwrap(), "S1")
        .await
        .unwrap()
        .unwrap()
        .data
        .unwrap();
    assert!(location.contains("\"p2\""), "{location}");
}

async fn commits_arrive_by_beacon_with_their_token(store: &Store) {
    let Course {
        mut nia,
        package_id,
        ..
    } = course(store).await;
    let first = launched(&mut nia, json!({ "package": package_id })).await;
    let body = batch(
        &first,
        0,
        json!([call("initialize"), set("cmi.core.exit", "suspend")]),
        true,
    )
    .to_string();
    // sendBeacon: text/plain, the session cookie, an Origin, and no custom header.
    let evil = nia
        .post_body(
            "/api/runtime/commit",
            "text/plain;charset=UTF-8",
            body.clone(),
            &[("origin", "https://evil.example")],
        )
        .await;
    assert_eq!(evil.status, StatusCode::FORBIDDEN, "{}", evil.body);
    let mut tokenless: Value = serde_json::from_str(&body).unwrap();
    tokenless["token"] = json!("bm90LWEtdG9rZW4");
    let forged = nia
        .post_body(
            "/api/runtime/commit",
            "text/plain;charset=UTF-8",
            tokenless.to_string(),
            &[("origin", ORIGIN)],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN, "{}", forged.body);
    let mut stranger = nia.fork_without_cookies();
    let anonymous = stranger
        .post_body(
            "/api/runtime/commit",
            "text/plain;charset=UTF-8",
            body.clone(),
            &[("origin", ORIGIN)],
        )
        .await;
    assert_eq!(
        anonymous.status,
        StatusCode::UNAUTHORIZED,
        "{}",
        anonymous.body
    );
    assert_eq!(journal_len(store, &first).await, 0);

    let beacon = nia
        .post_body(
            "/api/runtime/commit",
            "text/plain;charset=UTF-8",
            body,
            &[("origin", ORIGIN)],
        )
        .await;
    assert_eq!(beacon.status, StatusCode::OK, "{}", beacon.body);
    assert_eq!(json_of(&beacon)["ended"], true);
    // The tab was closed without LMSFinish: the next launch resumes the suspended session.
    let again = launched(&mut nia, json!({ "package": package_id })).await;
    assert_eq!(again["item"], "S1", "resumes at the last SCO");
    assert_eq!(again["entry"], "resume");
}

async fn oversized_commits_are_413(store: &Store) {
    let Course {
        mut nia,
        package_id,
        ..
    } = course(store).await;
    let first = launched(&mut nia, json!({ "package": package_id })).await;
    let huge = "x".repeat(1024 * 1024);
    let body = batch(
        &first,
        0,
        json!([call("initialize"), set("cmi.suspend_data", &huge)]),
        false,
    );
    let reply = commit(&mut nia, &body).await;
    assert_eq!(
        reply.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        reply.body
    );
    assert_eq!(journal_len(store, &first).await, 0);
}

async fn launch_needs_csrf_a_visible_package_and_prerequisites(store: &Store) {
    let Course {
        mut nia,
        package_id,
        ..
    } = course(store).await;
    let without = nia
        .post_body(
            "/api/runtime/launch",
            "application/json",
            json!({ "package": package_id }).to_string(),
            &[("origin", ORIGIN)],
        )
        .await;
    assert_eq!(without.status, StatusCode::FORBIDDEN, "{}", without.body);
    let unknown = launch(&mut nia, json!({ "package": package_id + 100 })).await;
    assert_eq!(unknown.status, StatusCode::FORBIDDEN, "{}", unknown.body);
    let no_item = launch(&mut nia, json!({ "package": package_id, "item": "S9" })).await;
    assert_eq!(no_item.status, StatusCode::NOT_FOUND, "{}", no_item.body);

    let locked = launch(&mut nia, json!({ "package": package_id, "item": "S2" })).await;
    assert_eq!(locked.status, StatusCode::CONFLICT, "{}", locked.body);
    assert_eq!(json_of(&locked)["error"], "prerequisites");

    let first = launched(&mut nia, json!({ "package": package_id })).await;
    let done = commit(
        &mut nia,
        &batch(
            &first,
            0,
            json!([
                call("initialize"),
                set("cmi.core.lesson_status", "completed"),
                call("terminate"),
            ]),
            false,
        ),
    )
    .await;
    assert_eq!(json_of(&done)["ended"], true, "{}", done.body);
    let second = launched(&mut nia, json!({ "package": package_id, "item": "S2" })).await;
    assert!(
        second["content_url"]
            .as_str()
            .unwrap()
            .ends_with("/two.html?chapter=2"),
        "{}",
        second["content_url"]
    );
}

async fn the_player_and_dashboard_show_the_course(store: &Store) {
    let Course {
        mut admin,
        mut nia,
        package_id,
        ..
    } = course(store).await;
    let dashboard = nia.get("/dashboard").await;
    assert!(
        dashboard.body.contains("Runtime course")
            && dashboard
                .body
                .contains(&format!("href=\"/learn/{package_id}\""))
            && dashboard.body.contains("Not started"),
        "{}",
        dashboard.body
    );
    let page = nia.get(&format!("/learn/{package_id}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    for needle in [
        "id=\"player-toc\"",
        "id=\"player-frame\"",
        "id=\"player-continue\"",
        "Part one",
        "Part two",
        "/assets/player.js",
    ] {
        assert!(page.body.contains(needle), "{needle}: {}", page.body);
    }
    let csp = page.header("content-security-policy").unwrap();
    assert!(
        csp.contains("frame-src 'self' http://localhost:3001"),
        "{csp}"
    );

    let first = launched(&mut nia, json!({ "package": package_id })).await;
    commit(
        &mut nia,
        &batch(
            &first,
            0,
            json!([
                call("initialize"),
                set("cmi.core.lesson_status", "completed"),
                call("terminate"),
            ]),
            false,
        ),
    )
    .await;
    let dashboard = nia.get("/dashboard").await;
    assert!(dashboard.body.contains("In progress"), "{}", dashboard.body);
    let page = nia.get(&format!("/learn/{package_id}?item=S2")).await;
    assert!(page.body.contains("data-item=\"S2\""), "{}", page.body);

    let mut visitor = admin.fork_without_cookies();
    let redirect = visitor.get(&format!("/learn/{package_id}")).await;
    assert_eq!(redirect.status, StatusCode::SEE_OTHER);
    let _ = admin.get("/dashboard").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_launcher_is_served_by_the_content_origin() {
    use tower::ServiceExt;
    let db = store::test_db::TestDb::sqlite().await;
    let (state, _) = crate::support::test_state(&db.store, ORIGIN);
    let router = server::content_router(state);
    let get = |path: &str| {
        router.clone().oneshot(
            axum::http::Request::get(path)
                .body(axum::body::Body::empty())
                .unwrap(),
        )
    };
    let page = get("/__rampart/launch.html").await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let csp = page.headers()["content-security-policy"].to_str().unwrap();
    for rule in [
        "default-src 'none'",
        "script-src 'self' 'wasm-unsafe-eval'",
        "frame-src 'self'",
        // Framed by the engine's player (and by registered LMSs, none here).
        "frame-ancestors 'self' http://127.0.0.1:3000;",
    ] {
        assert!(csp.contains(rule), "{rule}: {csp}");
    }
    assert!(page.headers().get("set-cookie").is_none());
    let body = axum::body::to_bytes(page.into_body(), 1 << 20)
        .await
        .unwrap();
    let body = String::from_utf8_lossy(&body);
    assert!(
        body.contains(r#"<meta name="rampart-engine-origin" content="http://127.0.0.1:3000">"#),
        "{body}"
    );
    let script = get("/__rampart/launch.js").await.unwrap();
    assert_eq!(script.status(), StatusCode::OK);
    assert_eq!(
        script.headers()["content-type"],
        "text/javascript; charset=utf-8"
    );
    // The wasm comes from the site directory, built by `cargo xtask build`; this one is empty.
    let wasm = get("/__rampart/runtime_bg.wasm").await.unwrap();
    assert_eq!(wasm.status(), StatusCode::NOT_FOUND);
    db.drop_database().await;
}

const MANIFEST_2004: &str = r#"<manifest identifier="rt4" version="1" xmlns="http://www.imsglobal.org/xsd/imscp_v1p1" xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3" xmlns:adlseq="http://www.adlnet.org/xsd/adlseq_v1p3" xmlns:adlnav="http://www.adlnet.org/xsd/adlnav_v1p3" xmlns:imsss="http://www.imsglobal.org/xsd/imsss">
  <metadata><schema>ADL SCORM</schema><schemaversion>2004 4th Edition</schemaversion></metadata>
  <organizations default="O"><organization identifier="O"><title>Shared notes</title>
    <item identifier="A" identifierref="R"><title>Write a note</title>
      <adlcp:data><adlcp:map targetID="notes" readSharedData="true" writeSharedData="true"/></adlcp:data>
    </item>
  </organization></organizations>
  <resources><resource identifier="R" type="webcontent" adlcp:scormType="sco" href="a.html"><file href="a.html"/></resource></resources>
</manifest>"#;

async fn scorm_2004_shares_data_and_starts_a_new_attempt_unless_suspended(store: &Store) {
    let Course {
        mut admin, mut nia, ..
    } = course(store).await;
    let token = admin.csrf_token().await;
    let zip = zip_bytes(&[("imsmanifest.xml", MANIFEST_2004), ("a.html", "<p>a</p>")]);
    let uploaded = admin
        .upload(
            "/admin/packages/upload",
            Some(&token),
            "notes.zip",
            &zip,
            "text/html",
        )
        .await;
    assert_eq!(uploaded.status, StatusCode::SEE_OTHER, "{}", uploaded.body);
    let package_id = store
        .list_packages(None)
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.title == "Shared notes")
        .unwrap()
        .id;

    let first = launched(&mut nia, json!({ "package": package_id })).await;
    assert_eq!(first["version"], "scorm2004");
    assert_eq!(first["context"]["shared_data"][0]["id"], "notes");
    assert_eq!(first["context"]["shared_data"][0]["store"], Value::Null);
    let done = commit(
        &mut nia,
        &batch(
            &first,
            0,
            json!([
                call("initialize"),
                set("adl.data.0.store", "remember me"),
                set("cmi.location", "end"),
                set("cmi.completion_status", "completed"),
                set("cmi.score.scaled", "0.5"),
                call("terminate"),
            ]),
            false,
        ),
    )
    .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert_eq!(json_of(&done)["ended"], true);
    let registration = first["registration"].as_i64().unwrap();
    assert_eq!(
        store.shared_data(registration).await.unwrap(),
        vec![("notes".to_owned(), "remember me".to_owned())]
    );
    let attempt = store
        .attempt(first["attempt"].as_i64().unwrap())
        .await
        .unwrap();
    assert_eq!(attempt.status, "completed", "{attempt:?}");
    assert_eq!(attempt.completion_status.as_deref(), Some("completed"));
    assert_eq!(attempt.score_scaled, Some(0.5));

    // The course is completed: the next launch is a new attempt (the finished one stays as it was in
    // reports), and it sees the shared store, which belongs to the registration.
    let second = launched(&mut nia, json!({ "package": package_id })).await;
    assert_ne!(second["attempt"], first["attempt"]);
    assert_eq!(second["registration"], first["registration"]);
    assert_eq!(
        store
            .attempt(first["attempt"].as_i64().unwrap())
            .await
            .unwrap()
            .status,
        "completed"
    );
    assert_eq!(second["entry"], "ab-initio");
    assert_eq!(second["data"], Value::Null);
    assert_eq!(second["context"]["shared_data"][0]["store"], "remember me");
    let suspended = commit(
        &mut nia,
        &batch(
            &second,
            0,
            json!([
                call("initialize"),
                set("cmi.location", "middle"),
                set("cmi.exit", "suspend"),
                call("terminate"),
            ]),
            false,
        ),
    )
    .await;
    assert_eq!(suspended.status, StatusCode::OK, "{}", suspended.body);
    let third = launched(&mut nia, json!({ "package": package_id })).await;
    assert_eq!(third["entry"], "resume");
    assert_eq!(third["data"]["location"], "middle");
}

async fn a_launch_finishes_sessions_left_open(store: &Store) {
    let Course {
        mut nia,
        package_id,
        ..
    } = course(store).await;
    let first = launched(&mut nia, json!({ "package": package_id })).await;
    // The browser went away after this batch: no Terminate, no final beacon.
    let reply = commit(
        &mut nia,
        &batch(
            &first,
            0,
            json!([
                call("initialize"),
                set("cmi.core.lesson_status", "completed"),
                set("cmi.core.session_time", "0000:01:30.00"),
            ]),
            false,
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    // S2 needs S1 completed, which only the end of S1's session records.
    let second = launched(&mut nia, json!({ "package": package_id, "item": "S2" })).await;
    assert_eq!(second["item"], "S2");
    let s1 = store
        .sco_state(first["attempt"].as_i64().unwrap(), "S1")
        .await
        .unwrap()
        .unwrap();
    assert!(!s1.open);
    assert_eq!(s1.completion_status.as_deref(), Some("completed"));
    assert_eq!(s1.total_time_cs, 9_000);
    let late = commit(&mut nia, &batch(&first, 3, json!([call("commit")]), false)).await;
    assert_eq!(late.status, StatusCode::CONFLICT, "{}", late.body);
}

async fn concurrent_copies_of_a_batch_are_stored_once(store: &Store) {
    let Course {
        mut nia,
        package_id,
        ..
    } = course(store).await;
    let first = launched(&mut nia, json!({ "package": package_id })).await;
    // A beacon and a fetch racing, answered by two server processes on one database.
    let mut other_server = nia.restarted();
    let body = batch(
        &first,
        0,
        json!([call("initialize"), set("cmi.core.lesson_location", "p9")]),
        false,
    );
    let (one, two) = tokio::join!(commit(&mut nia, &body), commit(&mut other_server, &body));
    assert_eq!(one.status, StatusCode::OK, "{}", one.body);
    assert_eq!(two.status, StatusCode::OK, "{}", two.body);
    assert_eq!(json_of(&one)["acknowledged"], 2);
    assert_eq!(json_of(&two)["acknowledged"], 2);
    assert_eq!(journal_len(store, &first).await, 1);
    // Each server continues from what the other stored.
    let next = commit(&mut nia, &batch(&first, 2, json!([call("commit")]), false)).await;
    assert_eq!(json_of(&next)["acknowledged"], 3, "{}", next.body);
    let last = commit(
        &mut other_server,
        &batch(&first, 3, json!([call("terminate")]), false),
    )
    .await;
    assert_eq!(json_of(&last)["ended"], true, "{}", last.body);
}
