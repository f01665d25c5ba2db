//! LTI 1.3 launch server time and grade outbox throughput, printed for `docs/benchmarks.md`.
//!
//! `cargo bench -p server --bench lti_launch` (release). The real engine router on a SQLite file, a
//! registered platform (the `lti` crate's test platform key, its key set already cached as after a
//! first launch) and a resource link bound to a course.
//!
//! - **Launch**: per launch, `GET /lti/login` (platform check, state stored, redirect) then `POST
//!   /lti/launch` (state taken, id_token verified with RS256, nonce recorded, learner found or
//!   provisioned, resource link and grade target written, launch logged, launch-bound token, 303 to the
//!   player), through `oneshot`: server time only. The platform's signing of each id_token happens
//!   between the two requests and is not counted. `LTI_BENCH_LAUNCHES` (default 2000) launches, one
//!   learner in ten new (just-in-time provisioning), the rest returning.
//! - **Outbox**: `LTI_BENCH_SCORES` (default 2000) scores queued, then sent to a local AGS endpoint
//!   (token endpoint and score endpoint on a real socket, answering at once) by the outbox's own
//!   `send_due`; scores per second.

use std::sync::Arc;
use std::time::{Duration, Instant};

use accounts::{SecretKey, SystemClock};
use anyhow::Result;
use axum::body::Body;
use axum::http::Request;
use server::{AppState, StateConfig};
use tower::ServiceExt;

const ISSUER: &str = "https://lms.bench.example";
const CLIENT_ID: &str = "bench-client";
const DEPLOYMENT: &str = "bench-deployment";
const PUBLIC_URL: &str = "http://127.0.0.1:3000";

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn report(label: &str, times: &mut [Duration]) {
    times.sort();
    let mean = times.iter().sum::<Duration>() / times.len() as u32;
    println!(
        "{label:<34} p50 {:>6.2} ms   p99 {:>6.2} ms   mean {:>6.2} ms   max {:>6.2} ms",
        percentile(times, 0.5).as_secs_f64() * 1e3,
        percentile(times, 0.99).as_secs_f64() * 1e3,
        mean.as_secs_f64() * 1e3,
        times.last().unwrap().as_secs_f64() * 1e3,
    );
}

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// The platform's id_token for one launch.
fn id_token(
    key: &jsonwebtoken::EncodingKey,
    nonce: &str,
    subject: &str,
    lineitems: &str,
) -> String {
    let now = now();
    let claims = serde_json::json!({
        "iss": ISSUER, "aud": CLIENT_ID, "azp": CLIENT_ID, "sub": subject, "nonce": nonce,
        "iat": now, "exp": now + 300, "name": format!("Learner {subject}"),
        "https://purl.imsglobal.org/spec/lti/claim/message_type": "LtiResourceLinkRequest",
        "https://purl.imsglobal.org/spec/lti/claim/version": "1.3.0",
        "https://purl.imsglobal.org/spec/lti/claim/deployment_id": DEPLOYMENT,
        "https://purl.imsglobal.org/spec/lti/claim/target_link_uri": format!("{PUBLIC_URL}/lti/launch"),
        "https://purl.imsglobal.org/spec/lti/claim/resource_link": {"id": "rl-bench"},
        "https://purl.imsglobal.org/spec/lti/claim/roles": ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"],
        "https://purl.imsglobal.org/spec/lti/claim/context": {"id": "ctx-bench"},
        "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint": {
            "scope": ["https://purl.imsglobal.org/spec/lti-ags/scope/score"],
            "lineitem": format!("{lineitems}/li-1"), "lineitems": lineitems,
        },
    });
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
    header.kid = Some("platform-key-1".into());
    jsonwebtoken::encode(&header, &claims, key).unwrap()
}

fn query_value(url: &str, name: &str) -> String {
    let query = url.split_once('?').map(|(_, q)| q).unwrap_or("");
    form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// A stand-in LMS for the outbox: a token endpoint and line item score endpoints, answering at once.
async fn fake_lms() -> Result<String> {
    use axum::routing::post;
    let app = axum::Router::new()
        .route(
            "/token",
            post(|| async {
                axum::Json(serde_json::json!({
                    "access_token": "bench-token", "token_type": "Bearer", "expires_in": 3600,
                }))
            }),
        )
        .route("/lineitems/li-1/scores", post(|| async { "" }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Ok(base)
}

fn main() -> Result<()> {
    let launches = env_number("LTI_BENCH_LAUNCHES", 2000);
    let scores = env_number("LTI_BENCH_SCORES", 2000);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let workdir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/bench-lti-launch");
        let _ = std::fs::remove_dir_all(&workdir);
        std::fs::create_dir_all(&workdir)?;
        let store =
            store::Store::connect(&format!("sqlite://{}/bench.db", workdir.display())).await?;
        store.migrate().await?;
        let state = AppState::new(
            store.clone(),
            StateConfig {
                package_limits: package::Limits::default(),
                public_url: PUBLIC_URL.into(),
                content_url: "http://localhost:3001".into(),
                site_dir: workdir.join("site"),
                content_dir: workdir.join("content"),
                secret: SecretKey::generate(),
                accounts: accounts::AccountsConfig::default(),
                clock: Arc::new(SystemClock),
                plugins: plugin_host::HostConfig::new(workdir.join("plugins"), PUBLIC_URL),
            },
        );
        state.lti.ensure_keys(&store).await?;
        let lms = fake_lms().await?;
        let lineitems = format!("{lms}/lineitems");

        // An organisation, a course and the platform.
        let organisation = store
            .create_organisation(
                &store::NewOrganisation {
                    name: "Bench Trust".into(),
                    slug: "bench-trust".into(),
                    kind: "acute_trust".into(),
                    region: None,
                },
                1,
            )
            .await?;
        let package_id = seed_course(&state, organisation.id).await?;
        let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../lti/tests/data");
        let jwks = std::fs::read_to_string(data.join("platform.jwks.json"))?;
        let key = jsonwebtoken::EncodingKey::from_rsa_pem(&std::fs::read(
            data.join("platform.key.pem"),
        )?)?;
        let deployments = vec![DEPLOYMENT.to_owned()];
        let platform_id = store
            .insert_lti_platform(
                &store::NewLtiPlatform {
                    organisation_id: organisation.id,
                    name: "Bench LMS",
                    issuer: ISSUER,
                    client_id: CLIENT_ID,
                    auth_endpoint: "https://lms.bench.example/auth",
                    token_endpoint: &format!("{lms}/token"),
                    jwks_url: "https://lms.bench.example/jwks",
                    status: "active",
                    registered_via: "manual",
                    deployment_ids: &deployments,
                },
                1,
            )
            .await?;
        store
            .store_lti_platform_jwks(platform_id, &jwks, now() as i64)
            .await?;
        let link = store
            .upsert_resource_link(
                &store::NewResourceLink {
                    source: &format!("p{platform_id}"),
                    organisation_id: organisation.id,
                    resource_link_id: "rl-bench",
                    context_id: None,
                    title: None,
                    lineitem_url: None,
                },
                1,
            )
            .await?;
        store.bind_resource_link(link.id, package_id).await?;
        let router = server::router(state.clone());

        println!(
            "LTI 1.3 launch, server time (login + launch + redirect), {launches} launches, sequential, \
             SQLite, {} cores",
            std::thread::available_parallelism().map_or(0, |c| c.get())
        );
        let mut login_times = Vec::with_capacity(launches);
        let mut launch_times = Vec::with_capacity(launches);
        let mut totals = Vec::with_capacity(launches);
        for i in 0..launches + 200 {
            // One learner in ten is new; the rest come back.
            let subject = if i % 10 == 0 { format!("new-{i}") } else { format!("learner-{}", i % 97) };
            let login_url = format!(
                "/lti/login?iss={ISSUER}&login_hint={subject}&client_id={CLIENT_ID}&lti_deployment_id={DEPLOYMENT}&target_link_uri={PUBLIC_URL}/lti/launch"
            );
            let started = Instant::now();
            let response = router
                .clone()
                .oneshot(Request::get(&login_url).body(Body::empty())?)
                .await?;
            let login_time = started.elapsed();
            anyhow::ensure!(response.status().as_u16() == 302, "login answered {}", response.status());
            let location = response.headers()["location"].to_str()?.to_owned();
            let cookie = response.headers()["set-cookie"].to_str()?.split(';').next().unwrap().to_owned();
            let (login_state, nonce) = (query_value(&location, "state"), query_value(&location, "nonce"));
            let token = id_token(&key, &nonce, &subject, &lineitems);
            let body = form_urlencoded::Serializer::new(String::new())
                .append_pair("id_token", &token)
                .append_pair("state", &login_state)
                .finish();
            let request = Request::post("/lti/launch")
                .header("content-type", "application/x-www-form-urlencoded")
                .header("cookie", cookie)
                .body(Body::from(body))?;
            let started = Instant::now();
            let response = router.clone().oneshot(request).await?;
            let launch_time = started.elapsed();
            anyhow::ensure!(response.status().as_u16() == 303, "launch answered {}", response.status());
            if i >= 200 {
                // The first 200 warm caches and the connection pool.
                login_times.push(login_time);
                launch_times.push(launch_time);
                totals.push(login_time + launch_time);
            }
        }
        report("login (GET /lti/login)", &mut login_times);
        report("launch (POST /lti/launch)", &mut launch_times);
        report("login + launch", &mut totals);

        // The outbox: scores for as many learners as there are grade targets, queued then drained.
        let targets: Vec<i64> = {
            let mut ids = Vec::new();
            for i in 0..97 {
                if let Some(user) = store.lti_identity(ISSUER, &format!("learner-{i}")).await? {
                    ids.extend(store.grade_targets(user, package_id).await?.into_iter().map(|t| t.id));
                }
            }
            ids
        };
        anyhow::ensure!(!targets.is_empty(), "no grade targets were made by the launches");
        let now_s = now() as i64;
        for i in 0..scores {
            let target = targets[i % targets.len()];
            let payload = serde_json::json!({"completion": "completed", "scaled": 0.8, "at_ms": now_s * 1000});
            store
                .enqueue_grade(target, &format!("bench-{i}"), &payload.to_string(), now_s)
                .await?;
        }
        let started = Instant::now();
        let mut sent = 0;
        while sent < scores {
            let tried = server::lti::grades::send_due(&state).await;
            anyhow::ensure!(tried > 0, "the outbox stopped with {sent} of {scores} sent");
            sent += tried;
        }
        let elapsed = started.elapsed();
        let counts = store.outbox_counts(&format!("p{platform_id}")).await?;
        anyhow::ensure!(counts.failed == 0 && counts.pending == 0, "outbox {counts:?}");
        println!(
            "AGS outbox: {scores} scores sent in {:.2} s = {:.0} scores/s (token fetched once, then cached)",
            elapsed.as_secs_f64(),
            scores as f64 / elapsed.as_secs_f64()
        );
        Ok(())
    })
}

/// A one-SCO SCORM 1.2 course imported for the organisation.
async fn seed_course(state: &AppState, organisation_id: i64) -> Result<i64> {
    let manifest = r#"<manifest identifier="bench" xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2" xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">
  <metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>
  <organizations default="O"><organization identifier="O"><title>Bench course</title>
    <item identifier="S1" identifierref="R1"><title>Bench course</title></item>
  </organization></organizations>
  <resources><resource identifier="R1" type="webcontent" adlcp:scormtype="sco" href="one.html"><file href="one.html"/></resource></resources>
</manifest>"#;
    let path = std::env::temp_dir().join(format!("rampart-lti-bench-{}.zip", std::process::id()));
    {
        let file = std::fs::File::create(&path)?;
        let mut zip = zip::ZipWriter::new(file);
        let options = zip::write::SimpleFileOptions::default();
        zip.start_file("imsmanifest.xml", options)?;
        std::io::Write::write_all(&mut zip, manifest.as_bytes())?;
        zip.start_file("one.html", options)?;
        std::io::Write::write_all(&mut zip, b"<p>one</p>")?;
        zip.finish()?;
    }
    let imported = server::import::import_package(
        state.accounts.store(),
        &state.blobs,
        server::import::ImportRequest {
            zip: &path,
            organisation_id: Some(organisation_id),
            created_by: None,
            limits: package::Limits::default(),
            in_progress: server::import::InProgress::FinishOnTheirVersion,
        },
        1,
    )
    .await
    .map_err(|e| anyhow::anyhow!("importing the bench course: {e}"))?;
    let _ = std::fs::remove_file(&path);
    Ok(imported.version.package_id)
}
