//! What publishing a national advisory to many organisations costs, printed as numbers for
//! `docs/benchmarks.md`.
//!
//! `cargo bench -p plugin-host --bench broadcast_fanout` (release build). Needs the built `broadcasts`
//! plugin (`cargo xtask build-plugins`; the folder is `RAMPART_TEST_PLUGINS`, default
//! `target/plugins/wasm32-wasip2/release`) and uses a temporary SQLite file per size.
//!
//! For each number of organisations N (each with broadcasts turned on and all seven capabilities
//! granted, a security lead and five staff, a course to assign and a webhook address):
//!
//! 1. Publish fan-out: the CERT writes one critical advisory (`edit` form) and publishes it (`manage`
//!    form, platform scope): one `publish-to` event per organisation, inside one plugin call.
//! 2. Delivery: `deliver_due` until nothing is due: N advisory deliveries down (inbox item, in-app
//!    notifications, six emails and a webhook queued, course assigned, report sent up), then N reports up
//!    (ledger updates in the platform scope). `deliver_due` takes up to 100 deliveries a call, so per
//!    delivery is each call's time divided by what it delivered.
//! 3. The CERT's dashboard of that advisory (`manage`, one row per organisation), 20 renders.
//!
//! Then, apart: the public Atom feed and the CERT desk with 50 published advisories; and the peak
//! resident memory of the process.
//!
//! Each size runs `BENCH_REPEAT` times on a fresh database; the tables show the median of each time, and
//! percentiles over the pooled per-call samples (the machine is shared, so single runs are noisy).
//!
//! Knobs (environment): `BENCH_ORGS` (`10,100,500`), `BENCH_REPEAT` (3), `BENCH_RENDERS` (20),
//! `BENCH_WORKERS` (2).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use accounts::{Clock, SystemClock};
use anyhow::{Context, Result, bail};
use plugin_api::{Block, FormOutcome};
use plugin_host::{CallScope, HostConfig, HttpExchange, PluginHost};
use store::{NewOrganisation, NewPackageVersion, NewUser, Store};

const PLUGIN: &str = "broadcasts";
const COURSE: &str = "rampart-ransomware";
const VECTOR: &str = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";
const CAPABILITIES: [&str; 7] = [
    "events.cross-organisation",
    "events.platform",
    "notify.in-app",
    "notify.email",
    "notify.webhook",
    "directory.read",
    "training.assign",
];
const REGIONS: [&str; 7] = [
    "London",
    "North West",
    "North East and Yorkshire",
    "Midlands",
    "East of England",
    "South East",
    "South West",
];
const STAFF: usize = 5;

fn knob(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn sizes() -> Vec<usize> {
    std::env::var("BENCH_ORGS")
        .ok()
        .map(|v| v.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .filter(|v: &Vec<usize>| !v.is_empty())
        .unwrap_or_else(|| vec![10, 100, 500])
}

fn plugins_dir() -> PathBuf {
    std::env::var_os("RAMPART_TEST_PLUGINS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../../target/plugins/wasm32-wasip2/release")
        })
}

fn broadcasts_wasm() -> Result<Vec<u8>> {
    let path = plugins_dir().join("broadcasts.wasm");
    std::fs::read(&path).with_context(|| {
        format!(
            "{}: build the plugins first with `cargo xtask build-plugins`",
            path.display()
        )
    })
}

fn show(d: Duration) -> String {
    let micros = d.as_secs_f64() * 1e6;
    if micros >= 1_000_000.0 {
        format!("{:.2} s", micros / 1e6)
    } else if micros >= 10_000.0 {
        format!("{:.1} ms", micros / 1000.0)
    } else if micros >= 1000.0 {
        format!("{:.2} ms", micros / 1000.0)
    } else if micros >= 10.0 {
        format!("{micros:.1} µs")
    } else {
        format!("{micros:.2} µs")
    }
}

fn quantile(samples: &mut [Duration], q: f64) -> Duration {
    samples.sort();
    samples[((samples.len() - 1) as f64 * q).round() as usize]
}

fn status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix(field))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kib| kib.parse().ok())
        .unwrap_or(0)
}

fn fields(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The e2e test's advisory: critical by its CVSS vector, TLP:CLEAR, to every acute trust, everyone in
/// each organisation, with a course to assign.
fn advisory_fields(title: &str) -> Vec<(String, String)> {
    fields(&[
        ("title", title),
        (
            "summary",
            "A remote code execution flaw in NetScaler is being exploited against NHS organisations.",
        ),
        (
            "threat",
            "Attackers send a crafted request to the **management interface**.",
        ),
        ("kind", "vulnerability"),
        (
            "products",
            "Citrix | NetScaler ADC | 13.1 before 13.1-51.15",
        ),
        ("cves", "CVE-2026-21234"),
        ("cvss", VECTOR),
        ("severity", "information"),
        (
            "remediation",
            "Install 13.1-51.15 or later.\nCheck the logs for requests to /vpn/.",
        ),
        (
            "references",
            "https://support.citrix.com/article/CTX1 Vendor bulletin",
        ),
        ("tlp", "clear"),
        ("course", COURSE),
        ("audience", "everyone"),
        ("target", "kinds"),
        ("kind_acute_trust", "on"),
        ("organisations", ""),
    ])
}

fn message(outcome: &FormOutcome) -> String {
    match outcome {
        FormOutcome::Done { message, .. } => message.clone().unwrap_or_default(),
        FormOutcome::Invalid(errors) => format!("refused: {errors:?}"),
    }
}

/// A platform with `organisations` acute trusts ready to receive advisories, and the CERT's scope.
struct Platform {
    db: store::test_db::TestDb,
    host: PluginHost,
    cert: CallScope,
    /// One staff member per organisation would do; the first organisation's first learner.
    learner: i64,
    _state: tempfile::TempDir,
}

async fn user(store: &Store, organisation: Option<i64>, email: &str, role: &str) -> Result<i64> {
    Ok(store
        .create_user(
            &NewUser {
                organisation_id: organisation,
                email: email.into(),
                display_name: email.split('@').next().unwrap_or(email).into(),
                password_hash: None,
                roles: vec![role.into()],
            },
            1,
        )
        .await?
        .id)
}

async fn platform(wasm: &[u8], organisations: usize) -> Result<Platform> {
    let db = store::test_db::TestDb::sqlite().await;
    let store = db.store.clone();
    let state = tempfile::tempdir()?;
    let host = PluginHost::new(
        store.clone(),
        Arc::new(SystemClock),
        HostConfig::new(state.path(), "http://127.0.0.1:3000"),
    )?;
    host.install(wasm.to_vec()).await?;
    let granted: Vec<String> = CAPABILITIES.iter().map(|c| c.to_string()).collect();
    let now = SystemClock.now();
    let mut learner = 0;
    for i in 0..organisations {
        let organisation = store
            .create_organisation(
                &NewOrganisation {
                    name: format!("Trust {i:04}"),
                    slug: format!("trust-{i:04}"),
                    kind: "acute_trust".into(),
                    region: Some(REGIONS[i % REGIONS.len()].into()),
                },
                1,
            )
            .await?
            .id;
        user(
            &store,
            Some(organisation),
            &format!("lead{i}@trust{i}.example"),
            "security_lead",
        )
        .await?;
        for s in 0..STAFF {
            let id = user(
                &store,
                Some(organisation),
                &format!("staff{s}@trust{i}.example"),
                "learner",
            )
            .await?;
            if learner == 0 {
                learner = id;
            }
        }
        store
            .insert_package_version(
                &NewPackageVersion {
                    organisation_id: Some(organisation),
                    identifier: COURSE.into(),
                    standard: "scorm_2004_4th".into(),
                    title: "Ransomware: what to do".into(),
                    launch_path: Some("index.html".into()),
                    manifest_json: "{}".into(),
                    report_json: "{}".into(),
                    total_bytes: 0,
                    created_by: None,
                    files: Vec::new(),
                },
                1,
            )
            .await?;
        store
            .set_webhook(
                organisation,
                &format!("https://hooks.trust{i}.example/rampart"),
                "bench-webhook-secret",
                now,
            )
            .await?;
        host.set_activation(PLUGIN, organisation, true, &granted, None)
            .await?;
    }
    let analyst = user(&store, None, "cat@cert.example", "cert_analyst").await?;
    let cert = host
        .scope_for(PLUGIN, None, Some(analyst), vec!["cert_analyst".into()])
        .await?;
    Ok(Platform {
        db,
        host,
        cert,
        learner,
        _state: state,
    })
}

/// Writes a draft; returns its id (from the redirect to its `manage` page).
async fn create(p: &Platform, title: &str) -> Result<String> {
    let outcome = p
        .host
        .submit_form(p.cert.clone(), "edit", "advisory:", advisory_fields(title))
        .await?;
    match &outcome {
        FormOutcome::Done {
            redirect: Some(to), ..
        } => Ok(to
            .strip_prefix("manage?id=")
            .context("redirect to manage")?
            .to_owned()),
        other => bail!("the advisory was not saved: {}", message(other)),
    }
}

async fn publish(p: &Platform, id: &str) -> Result<String> {
    let outcome = p
        .host
        .submit_form(
            p.cert.clone(),
            "manage",
            &format!("publish:{id}"),
            fields(&[("summary", "")]),
        )
        .await?;
    Ok(message(&outcome))
}

struct Fanout {
    organisations: usize,
    setup: Duration,
    create: Duration,
    publish: Duration,
    down: Duration,
    up: Duration,
    /// Per delivery, each `deliver_due` call's time divided by what it delivered.
    per_delivery: Vec<Duration>,
    calls: usize,
    dashboard: Vec<Duration>,
    dashboard_rows: usize,
    received_rows: usize,
}

async fn fanout(wasm: &[u8], organisations: usize, renders: usize) -> Result<Fanout> {
    let started = Instant::now();
    let p = platform(wasm, organisations).await?;
    let setup = started.elapsed();

    let started = Instant::now();
    let id = create(&p, "NetScaler exploited").await?;
    let create = started.elapsed();

    let started = Instant::now();
    let published = publish(&p, &id).await;
    let publish = started.elapsed();
    let published = published.with_context(|| {
        format!(
            "publishing to {organisations} organisations failed after {}",
            show(publish)
        )
    })?;
    if !published.contains(&format!("published to {organisations} organisations")) {
        bail!("publish answered {published:?}");
    }

    // Down first (oldest events first), then the reports they sent up.
    let (mut down, mut up) = (Duration::ZERO, Duration::ZERO);
    let mut per_delivery = Vec::new();
    let mut delivered = 0;
    loop {
        let started = Instant::now();
        let count = p.host.deliver_due().await?;
        let elapsed = started.elapsed();
        if count == 0 {
            break;
        }
        per_delivery.push(elapsed / count as u32);
        // A call that straddles the two directions is shared out by count.
        let downs = organisations.saturating_sub(delivered).min(count);
        down += elapsed.mul_f64(downs as f64 / count as f64);
        up += elapsed.mul_f64((count - downs) as f64 / count as f64);
        delivered += count;
    }
    let (done, pending) = p.db.store.delivery_counts(PLUGIN).await?;
    if (done, pending) != (2 * organisations as i64, 0) {
        bail!(
            "{done} deliveries done and {pending} pending, expected {} and 0",
            2 * organisations
        );
    }
    let failures = p.db.store.plugin_failures(PLUGIN, 0, 5).await?;
    if let Some(failure) = failures.first() {
        bail!("the plugin failed: {}: {}", failure.kind, failure.message);
    }
    let assigned = p.db.store.assignments_of_user(p.learner).await?;
    if assigned.len() != 1 {
        bail!("the course was not assigned: {assigned:?}");
    }

    let query = vec![("id".to_owned(), id.clone())];
    let mut dashboard = Vec::with_capacity(renders);
    let mut page = None;
    for round in 0..renders + 2 {
        let started = Instant::now();
        let rendered = p
            .host
            .render_page(p.cert.clone(), "manage", query.clone())
            .await?;
        if round >= 2 {
            dashboard.push(started.elapsed());
        }
        page = Some(rendered);
    }
    let table = page
        .context("rendered")?
        .blocks
        .into_iter()
        .find_map(|block| match block {
            Block::Table(table) if table.id == "organisations" => Some(table),
            _ => None,
        })
        .context("the dashboard has no table of organisations")?;
    let received_rows = table
        .rows
        .iter()
        .filter(|row| {
            row.get(3)
                .is_some_and(|cell| cell.text == "Awaiting acknowledgement")
        })
        .count();
    let dashboard_rows = table.rows.len();
    p.db.drop_database().await;
    Ok(Fanout {
        organisations,
        setup,
        create,
        publish,
        down,
        up,
        calls: per_delivery.len(),
        per_delivery,
        dashboard,
        dashboard_rows,
        received_rows,
    })
}

/// The median of each time over repeated runs of one size, with the per-call samples pooled.
fn median_of(mut runs: Vec<Fanout>) -> Fanout {
    fn median(runs: &[Fanout], time: impl Fn(&Fanout) -> Duration) -> Duration {
        let mut times: Vec<Duration> = runs.iter().map(time).collect();
        quantile(&mut times, 0.5)
    }
    let (setup, create, publish, down, up) = (
        median(&runs, |r| r.setup),
        median(&runs, |r| r.create),
        median(&runs, |r| r.publish),
        median(&runs, |r| r.down),
        median(&runs, |r| r.up),
    );
    let mut merged = runs.remove(0);
    for run in runs {
        merged.per_delivery.extend(run.per_delivery);
        merged.calls += run.calls;
        merged.dashboard.extend(run.dashboard);
        merged.dashboard_rows = merged.dashboard_rows.min(run.dashboard_rows);
        merged.received_rows = merged.received_rows.min(run.received_rows);
    }
    Fanout {
        setup,
        create,
        publish,
        down,
        up,
        ..merged
    }
}

struct Feeds {
    feed: Vec<Duration>,
    entries: usize,
    bytes: usize,
    desk: Vec<Duration>,
}

/// The public Atom feed and the CERT desk with 50 published TLP:CLEAR advisories (to one organisation:
/// neither reads who received them, beyond the desk's count per advisory).
async fn feeds(wasm: &[u8], renders: usize) -> Result<Feeds> {
    const ADVISORIES: usize = 50;
    let p = platform(wasm, 1).await?;
    for n in 0..ADVISORIES {
        let id = create(&p, &format!("Advisory number {n}")).await?;
        let published = publish(&p, &id).await?;
        if !published.contains("published to 1 organisations") {
            bail!("publish answered {published:?}");
        }
    }
    while p.host.deliver_due().await? > 0 {}
    let anonymous = p.host.scope_for(PLUGIN, None, None, Vec::new()).await?;
    let request = HttpExchange {
        method: "GET".into(),
        path: "/public/feed.atom".into(),
        ..HttpExchange::default()
    };
    let (mut feed, mut desk) = (Vec::new(), Vec::new());
    let (mut entries, mut bytes) = (0, 0);
    for round in 0..renders + 2 {
        let started = Instant::now();
        let response = p
            .host
            .handle_request(anonymous.clone(), request.clone())
            .await?;
        let elapsed = started.elapsed();
        if response.status != 200 {
            bail!("the public feed answered {}", response.status);
        }
        entries = String::from_utf8_lossy(&response.body)
            .matches("<entry>")
            .count();
        bytes = response.body.len();
        let started = Instant::now();
        p.host
            .render_page(p.cert.clone(), "cert", Vec::new())
            .await?;
        if round >= 2 {
            feed.push(elapsed);
            desk.push(started.elapsed());
        }
    }
    if entries != ADVISORIES {
        bail!("the public feed has {entries} entries, expected {ADVISORIES}");
    }
    p.db.drop_database().await;
    Ok(Feeds {
        feed,
        entries,
        bytes,
        desk,
    })
}

fn main() -> Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(knob("BENCH_WORKERS", 2))
        .enable_all()
        .build()?;
    runtime.block_on(run())
}

async fn run() -> Result<()> {
    let renders = knob("BENCH_RENDERS", 20).max(1);
    let repeat = knob("BENCH_REPEAT", 3).max(1);
    let wasm = broadcasts_wasm()?;
    println!(
        "broadcasts fan-out benchmark: {} cores, load average {}, broadcasts.wasm {} KiB, SQLite file (WAL), \
         each size {repeat} times on a fresh database (medians; per-call samples pooled)",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" "),
        wasm.len() / 1024,
    );

    let mut results = Vec::new();
    for organisations in sizes() {
        let mut runs = Vec::with_capacity(repeat);
        for _ in 0..repeat {
            match fanout(&wasm, organisations, renders).await {
                Ok(result) => runs.push(result),
                Err(error) => {
                    println!("\n**{organisations} organisations: {error:#}**");
                    break;
                }
            }
        }
        if !runs.is_empty() {
            results.push(median_of(runs));
        }
    }

    println!(
        "\n| organisations | set-up: install, organisations, users, courses (not part of the numbers) | create draft | publish (one call) | publish per organisation | deliver down (N advisories) | deliver up (N reports) | deliveries/s (both ways) | per delivery (each `deliver_due` call ÷ what it delivered): p50 / max, calls (all runs) |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
    );
    for r in &mut results {
        let total = r.down + r.up;
        let rate = (2 * r.organisations) as f64 / total.as_secs_f64();
        let (p50, max) = (
            quantile(&mut r.per_delivery, 0.5),
            quantile(&mut r.per_delivery, 1.0),
        );
        println!(
            "| {} | {} | {} | **{}** | {} | {} ({} each) | {} ({} each) | {rate:.0} | {} / {}, {} |",
            r.organisations,
            show(r.setup),
            show(r.create),
            show(r.publish),
            show(r.publish / r.organisations as u32),
            show(r.down),
            show(r.down / r.organisations as u32),
            show(r.up),
            show(r.up / r.organisations as u32),
            show(p50),
            show(max),
            r.calls,
        );
    }

    println!(
        "\n| organisations | CERT dashboard (`manage`) p50 | max | rows shown (of them \"Awaiting acknowledgement\": received and reported back) |\n| --- | --- | --- | --- |"
    );
    for r in &mut results {
        println!(
            "| {} | **{}** | {} | {} of {} ({}) |",
            r.organisations,
            show(quantile(&mut r.dashboard, 0.5)),
            show(quantile(&mut r.dashboard, 1.0)),
            r.dashboard_rows,
            r.organisations,
            r.received_rows,
        );
    }

    let mut f = feeds(&wasm, renders).await?;
    println!("\n| with 50 published advisories | p50 | max |\n| --- | --- | --- |");
    println!(
        "| `GET /public/feed.atom` ({} entries, {} KiB) | **{}** | {} |",
        f.entries,
        f.bytes / 1024,
        show(quantile(&mut f.feed, 0.5)),
        show(quantile(&mut f.feed, 1.0)),
    );
    println!(
        "| CERT desk (`cert`: every advisory and its ledger) | **{}** | {} |",
        show(quantile(&mut f.desk, 0.5)),
        show(quantile(&mut f.desk, 1.0)),
    );
    println!(
        "\npeak resident memory (VmHWM): {} KiB; at the end (VmRSS): {} KiB",
        status_kib("VmHWM:"),
        status_kib("VmRSS:"),
    );
    Ok(())
}
