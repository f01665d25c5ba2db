//! Load test of the SCORM run-time commit path, printed as numbers for `docs/benchmarks.md`.
//!
//! `cargo bench -p server --bench runtime_load` (release build). For each database (SQLite on disk,
//! PostgreSQL on 127.0.0.1) it serves the real engine router over loopback, then simulates learners:
//! each launches a SCO, sends a burst of `SetValue`s with a `Commit` every `LOAD_COMMIT_SECS` (default 10),
//! and terminates. It prints commits per second and p50/p99/max commit latency, next to a bare axum
//! route and the engine's `/healthz` measured with the same number of clients at the same pace in the
//! same run, and the saturated throughput of 32 learners committing back to back.
//!
//! Knobs (environment): `LOAD_LEARNERS` (1000), `LOAD_SECONDS` (30), `LOAD_COMMIT_SECS` (10),
//! `LOAD_BACKENDS` (`sqlite,postgres`), `RAMPART_TEST_POSTGRES_URL`.
//!
//! Learners are seeded straight into the store with one shared password hash and signed in through
//! `accounts` (each from its own documentation-range IP, as the throttle is per address), because a
//! thousand argon2 hashes would measure argon2, not the run-time.

use std::io::Write as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

use accounts::{SecretKey, SystemClock};
use anyhow::{Context, Result, bail};
use serde_json::{Value, json};
use server::{AppState, StateConfig};
use store::{NewOrganisation, NewUser, Store};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

const PASSWORD: &str = "load test pass phrase";
const MANIFEST: &str = r#"<manifest identifier="load" xmlns="http://www.imsglobal.org/xsd/imscp_v1p1" xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3">
  <metadata><schema>ADL SCORM</schema><schemaversion>2004 4th Edition</schemaversion></metadata>
  <organizations default="O"><organization identifier="O"><title>Load</title>
    <item identifier="S1" identifierref="R1"><title>One</title></item>
  </organization></organizations>
  <resources><resource identifier="R1" type="webcontent" adlcp:scormType="sco" href="sco.html"><file href="sco.html"/></resource></resources>
</manifest>"#;

fn knob(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() -> Result<()> {
    let learners = knob("LOAD_LEARNERS", 1000) as usize;
    let seconds = knob("LOAD_SECONDS", 30);
    let every = knob("LOAD_COMMIT_SECS", 10);
    let backends = std::env::var("LOAD_BACKENDS").unwrap_or_else(|_| "sqlite,postgres".into());
    println!(
        "runtime load test: {learners} learners, a commit each every {every} s, for {seconds} s; {} cores",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    for backend in backends.split(',').map(str::trim).filter(|b| !b.is_empty()) {
        run_backend(
            backend,
            learners,
            Duration::from_secs(seconds),
            Duration::from_secs(every),
        )
        .with_context(|| format!("the {backend} run failed"))?;
    }
    Ok(())
}

/// The server on its own two worker threads; the load generator on one more.
fn run_backend(backend: &str, learners: usize, length: Duration, every: Duration) -> Result<()> {
    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let client_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    let workdir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/bench-runtime");
    std::fs::create_dir_all(&workdir)?;

    let (store, cleanup) = server_rt.block_on(open_store(backend, &workdir))?;
    let state = AppState::new(
        store.clone(),
        StateConfig {
            package_limits: package::Limits::default(),
            public_url: "http://127.0.0.1:3000".into(),
            content_url: "http://localhost:3001".into(),
            site_dir: workdir.join("site"),
            content_dir: workdir.join(format!("content-{backend}")),
            secret: SecretKey::generate(),
            accounts: accounts::AccountsConfig::default(),
            clock: Arc::new(SystemClock),
            plugins: plugin_host::HostConfig::new(workdir.join("plugins"), "http://127.0.0.1:3000"),
        },
    );
    let seed_started = Instant::now();
    let package_id = server_rt.block_on(import_course(&state, &workdir))?;
    let seeded_learners = server_rt.block_on(seed_learners(&state, learners))?;
    let seeded = seed_started.elapsed();

    let (engine, bare) = server_rt.block_on(serve(state.clone()))?;
    let result = client_rt.block_on(async {
        let launched = launch_all(&engine, seeded_learners, package_id).await?;
        let (paced, mut launched) = paced_commits(&engine, launched, length, every)
            .await
            .context("paced commits")?;
        let health = paced_gets(
            &engine,
            "/healthz",
            learners,
            length.min(Duration::from_secs(15)),
            every,
        )
        .await?;
        let bare_route = paced_gets(
            &bare,
            "/",
            learners,
            length.min(Duration::from_secs(15)),
            every,
        )
        .await?;
        let rest = launched.split_off(launched.len().min(32));
        let (saturated, mut launched) =
            saturated_commits(&engine, launched, Duration::from_secs(10)).await?;
        launched.extend(rest);
        terminate_all(&engine, launched).await?;
        Ok::<_, anyhow::Error>((paced, health, bare_route, saturated))
    })?;
    let (paced, health, bare_route, saturated) = result;
    println!(
        "\n== {backend} (seeded {learners} learners in {:.1} s)",
        seeded.as_secs_f64()
    );
    println!(
        "{:<44} {:>8} {:>9} {:>8} {:>8} {:>8} {:>6}",
        "", "requests", "per sec", "p50 ms", "p99 ms", "max ms", "errors"
    );
    paced.print(&format!("commits, {learners} learners paced"));
    health.print(&format!("engine /healthz, {learners} clients paced"));
    bare_route.print(&format!("bare axum route, {learners} clients paced"));
    saturated.print("commits, 32 learners back to back");
    std::io::stdout().flush()?;
    server_rt.block_on(cleanup.run());
    server_rt.shutdown_timeout(Duration::from_secs(2));
    Ok(())
}

enum Cleanup {
    File(std::path::PathBuf),
    Postgres(store::test_db::TestDb),
}

impl Cleanup {
    async fn run(self) {
        match self {
            Cleanup::File(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            Cleanup::Postgres(db) => db.drop_database().await,
        }
    }
}

/// SQLite on disk (not `/tmp`, which may be memory), or a fresh PostgreSQL schema.
async fn open_store(backend: &str, workdir: &std::path::Path) -> Result<(Store, Cleanup)> {
    match backend {
        "sqlite" => {
            let path = workdir.join(format!("runtime-{}.db", std::process::id()));
            let store = Store::connect(&format!("sqlite://{}", path.display())).await?;
            store.migrate().await?;
            Ok((store, Cleanup::File(path)))
        }
        "postgres" => {
            let db = store::test_db::TestDb::postgres().await;
            Ok((db.store.clone(), Cleanup::Postgres(db)))
        }
        other => bail!("unknown backend {other}: use sqlite or postgres"),
    }
}

async fn import_course(state: &AppState, workdir: &std::path::Path) -> Result<i64> {
    let zip_path = workdir.join("course.zip");
    {
        let file = std::fs::File::create(&zip_path)?;
        let mut zip = zip::ZipWriter::new(file);
        let options = zip::write::SimpleFileOptions::default();
        for (name, body) in [("imsmanifest.xml", MANIFEST), ("sco.html", "<p>SCO</p>")] {
            zip.start_file(name, options)?;
            zip.write_all(body.as_bytes())?;
        }
        zip.finish()?;
    }
    let store = state.accounts.store();
    let imported = server::import::import_package(
        store,
        &state.blobs,
        server::import::ImportRequest {
            zip: &zip_path,
            organisation_id: None,
            created_by: None,
            limits: package::Limits::default(),
            in_progress: Default::default(),
        },
        now(),
    )
    .await
    .map_err(|e| anyhow::anyhow!("import failed: {e}"))?;
    Ok(imported.version.package_id)
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// A signed-in learner: the `Cookie` header value and the matching CSRF token.
struct Learner {
    cookie: String,
    csrf: String,
}

/// Learners with one shared password hash, each signed in.
async fn seed_learners(state: &AppState, learners: usize) -> Result<Vec<Learner>> {
    let store = state.accounts.store();
    let organisation = store
        .create_organisation(
            &NewOrganisation {
                name: "Load Test Trust".into(),
                slug: "load-test-trust".into(),
                kind: "acute-trust".into(),
                region: None,
            },
            now(),
        )
        .await?;
    let hash = accounts::hash_password(PASSWORD)?;
    let permits = Arc::new(tokio::sync::Semaphore::new(8));
    let mut tasks = Vec::new();
    for i in 0..learners {
        let state = state.clone();
        let hash = hash.clone();
        let permits = permits.clone();
        let organisation_id = organisation.id;
        tasks.push(tokio::spawn(async move {
            let _permit = permits.acquire().await?;
            let email = format!("learner{i}@load.example");
            state
                .accounts
                .store()
                .create_user(
                    &NewUser {
                        organisation_id: Some(organisation_id),
                        email: email.clone(),
                        display_name: format!("Learner {i}"),
                        password_hash: Some(hash),
                        roles: vec!["learner".into()],
                    },
                    now(),
                )
                .await?;
            let ip = format!("198.51.{}.{}", i / 250, i % 250 + 1);
            let signed_in = state.accounts.sign_in(&email, PASSWORD, Some(ip)).await?;
            let csrf_id = format!("load-csrf-{i}");
            Ok::<_, anyhow::Error>(Learner {
                cookie: format!(
                    "{}={}; {}={csrf_id}",
                    state.cookies.session_name(),
                    signed_in.token.as_str(),
                    state.cookies.csrf_name(),
                ),
                csrf: state.accounts.csrf_token(&csrf_id),
            })
        }));
    }
    let mut cookies = Vec::with_capacity(learners);
    for task in tasks {
        cookies.push(task.await??);
    }
    Ok(cookies)
}

/// Serves the engine router and a bare axum router on loopback; returns their addresses.
async fn serve(state: AppState) -> Result<(String, String)> {
    let engine = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let bare = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addresses = (
        engine.local_addr()?.to_string(),
        bare.local_addr()?.to_string(),
    );
    let app = server::router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    tokio::spawn(async move { axum::serve(engine, app).await });
    let plain = axum::Router::new().route("/", axum::routing::get(|| async { "ok" }));
    tokio::spawn(async move { axum::serve(bare, plain).await });
    Ok(addresses)
}

/// One keep-alive HTTP/1.1 connection.
struct Connection {
    reader: BufReader<TcpStream>,
    host: String,
}

impl Connection {
    async fn open(address: &str) -> Result<Connection> {
        let stream = TcpStream::connect(address).await?;
        stream.set_nodelay(true)?;
        Ok(Connection {
            reader: BufReader::new(stream),
            host: address.to_owned(),
        })
    }

    async fn send(
        &mut self,
        method: &str,
        path: &str,
        headers: &str,
        body: &[u8],
    ) -> Result<(u16, Vec<u8>)> {
        let head = format!(
            "{method} {path} HTTP/1.1\r\nhost: {}\r\ncontent-length: {}\r\n{headers}\r\n",
            self.host,
            body.len()
        );
        let stream = self.reader.get_mut();
        stream.write_all(head.as_bytes()).await?;
        stream.write_all(body).await?;
        let mut line = String::new();
        self.reader.read_line(&mut line).await?;
        let status: u16 = line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .with_context(|| format!("bad status line {line:?}"))?;
        let mut length = 0usize;
        loop {
            line.clear();
            self.reader.read_line(&mut line).await?;
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse()?;
            }
        }
        let mut reply = vec![0; length];
        self.reader.read_exact(&mut reply).await?;
        Ok((status, reply))
    }
}

struct Launched {
    cookie: String,
    launch: Value,
    seq: i64,
    burst: u64,
}

async fn launch_all(
    engine: &str,
    learners: Vec<Learner>,
    package_id: i64,
) -> Result<Vec<Launched>> {
    // Learners arrive over a ramp, not in one instant: at most 64 launches are in flight.
    let permits = Arc::new(tokio::sync::Semaphore::new(64));
    let mut tasks = Vec::new();
    for Learner { cookie, csrf } in learners {
        let engine = engine.to_owned();
        let permits = permits.clone();
        tasks.push(tokio::spawn(async move {
            let _permit = permits.acquire().await?;
            let mut connection = Connection::open(&engine).await?;
            let headers = format!(
                "cookie: {cookie}\r\nx-csrf-token: {csrf}\r\norigin: http://127.0.0.1:3000\r\ncontent-type: application/json\r\n"
            );
            let body = json!({ "package": package_id }).to_string();
            let (status, reply) = connection
                .send("POST", "/api/runtime/launch", &headers, body.as_bytes())
                .await?;
            if status != 200 {
                bail!("launch answered {status}: {}", String::from_utf8_lossy(&reply));
            }
            let launch: Value = serde_json::from_slice(&reply)?;
            let seq = launch["seq"].as_i64().unwrap_or(0);
            Ok(Launched { cookie, launch, seq, burst: 0 })
        }));
    }
    let mut launched = Vec::new();
    for (i, task) in tasks.into_iter().enumerate() {
        launched.push(
            task.await?
                .with_context(|| format!("launching learner {i}"))?,
        );
    }
    Ok(launched)
}

/// What a SCO typically sends between two commits: position, state, progress and an answered question.
fn burst_calls(learner: usize, burst: u64, first: bool) -> Vec<Value> {
    let mut calls = Vec::new();
    if first {
        calls.push(json!({"call": "initialize"}));
    }
    let set = |element: String, value: String| json!({"call": "set-value", "element": element, "value": value});
    calls.push(set("cmi.location".into(), format!("page-{burst}")));
    calls.push(set(
        "cmi.suspend_data".into(),
        format!(
            "{{\"learner\":{learner},\"answers\":\"{}\"}}",
            "a".repeat(1500)
        ),
    ));
    calls.push(set(
        "cmi.progress_measure".into(),
        format!("{}", (burst % 10) as f64 / 10.0),
    ));
    calls.push(set("cmi.session_time".into(), format!("PT{}S", burst * 10)));
    let n = burst % 200;
    calls.push(set(format!("cmi.interactions.{n}.id"), format!("q{burst}")));
    calls.push(set(format!("cmi.interactions.{n}.type"), "choice".into()));
    calls.push(set(
        format!("cmi.interactions.{n}.learner_response"),
        "a[,]c".into(),
    ));
    calls.push(set(
        format!("cmi.interactions.{n}.result"),
        "correct".into(),
    ));
    calls.push(json!({"call": "commit"}));
    calls
}

async fn commit(
    connection: &mut Connection,
    learner: usize,
    launched: &mut Launched,
    calls: Vec<Value>,
    is_final: bool,
) -> Result<Duration> {
    let count = calls.len() as i64;
    let body = json!({
        "attempt": launched.launch["attempt"],
        "item": launched.launch["item"],
        "launch": launched.launch["launch"],
        "seq": launched.seq,
        "calls": calls,
        "final": is_final,
        "token": launched.launch["token"],
    })
    .to_string();
    let headers = format!(
        "cookie: {}\r\norigin: http://127.0.0.1:3000\r\ncontent-type: application/json\r\n",
        launched.cookie
    );
    let started = Instant::now();
    let (status, reply) = connection
        .send("POST", "/api/runtime/commit", &headers, body.as_bytes())
        .await?;
    let took = started.elapsed();
    if status != 200 {
        bail!(
            "learner {learner}: commit answered {status}: {}",
            String::from_utf8_lossy(&reply)
        );
    }
    launched.seq += count;
    Ok(took)
}

#[derive(Default)]
struct Measured {
    latencies: Vec<Duration>,
    errors: usize,
    wall: Duration,
}

impl Measured {
    fn merge(&mut self, other: Measured) {
        self.latencies.extend(other.latencies);
        self.errors += other.errors;
    }

    fn print(mut self, label: &str) {
        self.latencies.sort_unstable();
        let pick = |q: f64| -> f64 {
            if self.latencies.is_empty() {
                return 0.0;
            }
            let index = ((self.latencies.len() as f64 - 1.0) * q).round() as usize;
            self.latencies[index].as_secs_f64() * 1000.0
        };
        let per_second = self.latencies.len() as f64 / self.wall.as_secs_f64().max(1e-9);
        println!(
            "{label:<44} {:>8} {:>9.1} {:>8.2} {:>8.2} {:>8.2} {:>6}",
            self.latencies.len(),
            per_second,
            pick(0.5),
            pick(0.99),
            pick(1.0),
            self.errors
        );
    }
}

/// Each learner commits every `every`, starting at a spread-out offset, for `length`.
async fn paced_commits(
    engine: &str,
    launched: Vec<Launched>,
    length: Duration,
    every: Duration,
) -> Result<(Measured, Vec<Launched>)> {
    let learners = launched.len();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (i, mut learner) in launched.into_iter().enumerate() {
        let engine = engine.to_owned();
        let offset = every.mul_f64(i as f64 / learners as f64);
        tasks.push(tokio::spawn(async move {
            let mut measured = Measured::default();
            let mut connection = Connection::open(&engine).await?;
            let mut next = started + offset;
            while next < started + length {
                tokio::time::sleep_until(next.into()).await;
                let calls = burst_calls(i, learner.burst, learner.seq == 0);
                learner.burst += 1;
                match commit(&mut connection, i, &mut learner, calls, false).await {
                    Ok(took) => measured.latencies.push(took),
                    Err(error) => {
                        measured.errors += 1;
                        eprintln!("{error:#}");
                        connection = Connection::open(&engine).await?;
                    }
                }
                next += every;
            }
            Ok::<_, anyhow::Error>((measured, learner))
        }));
    }
    let mut total = Measured::default();
    let mut after = Vec::with_capacity(learners);
    for task in tasks {
        let (measured, learner) = task.await??;
        total.merge(measured);
        after.push(learner);
    }
    total.wall = length;
    Ok((total, after))
}

async fn paced_gets(
    address: &str,
    path: &str,
    clients: usize,
    length: Duration,
    every: Duration,
) -> Result<Measured> {
    let started = Instant::now();
    let mut tasks = Vec::new();
    for i in 0..clients {
        let address = address.to_owned();
        let path = path.to_owned();
        let offset = every.mul_f64(i as f64 / clients as f64);
        tasks.push(tokio::spawn(async move {
            let mut measured = Measured::default();
            let mut connection = Connection::open(&address).await?;
            let mut next = started + offset;
            while next < started + length {
                tokio::time::sleep_until(next.into()).await;
                let began = Instant::now();
                match connection.send("GET", &path, "", b"").await {
                    Ok((200, _)) => measured.latencies.push(began.elapsed()),
                    _ => measured.errors += 1,
                }
                next += every;
            }
            Ok::<_, anyhow::Error>(measured)
        }));
    }
    let mut total = Measured::default();
    for task in tasks {
        total.merge(task.await??);
    }
    total.wall = length;
    Ok(total)
}

/// `learners` commit as fast as the server answers, for `length`.
async fn saturated_commits(
    engine: &str,
    learners: Vec<Launched>,
    length: Duration,
) -> Result<(Measured, Vec<Launched>)> {
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (i, mut learner) in learners.into_iter().enumerate() {
        let engine = engine.to_owned();
        tasks.push(tokio::spawn(async move {
            let mut measured = Measured::default();
            let mut connection = Connection::open(&engine).await?;
            while started.elapsed() < length {
                let calls = burst_calls(i, learner.burst, learner.seq == 0);
                learner.burst += 1;
                match commit(&mut connection, i, &mut learner, calls, false).await {
                    Ok(took) => measured.latencies.push(took),
                    Err(_) => {
                        measured.errors += 1;
                        connection = Connection::open(&engine).await?;
                    }
                }
            }
            Ok::<_, anyhow::Error>((measured, learner))
        }));
    }
    let mut total = Measured::default();
    let mut back = Vec::new();
    for task in tasks {
        let (measured, learner) = task.await??;
        total.merge(measured);
        back.push(learner);
    }
    total.wall = started.elapsed();
    Ok((total, back))
}

/// Every learner terminates (the session ends and the attempt's summary is written).
async fn terminate_all(engine: &str, learners: Vec<Launched>) -> Result<()> {
    let mut connection = Connection::open(engine).await?;
    for (i, mut learner) in learners.into_iter().enumerate() {
        let calls = vec![
            json!({"call": "set-value", "element": "cmi.exit", "value": "suspend"}),
            json!({"call": "terminate"}),
        ];
        commit(&mut connection, i, &mut learner, calls, true).await?;
    }
    Ok(())
}
