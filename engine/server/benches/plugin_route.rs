//! Per-request cost of a plugin route through the whole engine router, against the same answer from a
//! native route, printed for `docs/benchmarks.md`.
//!
//! `cargo bench -p server --bench plugin_route` (release). Builds the real router on a SQLite file,
//! installs the `misbehave` test plugin (built by `cargo xtask build-plugins`), and sends
//! `GET /p/misbehave/ok` (plugin: new store, instantiate, call, drop, plus the plugin's status lookup)
//! and `GET /native/ok` (an axum route answering "ok" behind the same authenticate and CSRF layers
//! the plugin routes have) one after the other, `PLUGIN_BENCH_REQUESTS` (default 5000) each, through
//! `tower::ServiceExt::oneshot`: no sockets, so the difference is the plugin's own overhead.

use std::sync::Arc;
use std::time::{Duration, Instant};

use accounts::{SecretKey, SystemClock};
use anyhow::{Context, Result};
use axum::body::Body;
use axum::http::Request;
use server::{AppState, StateConfig};
use tower::ServiceExt;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

async fn measure(router: &axum::Router, path: &str, n: usize) -> Result<Vec<Duration>> {
    let mut times = Vec::with_capacity(n);
    for _ in 0..n {
        let request = Request::get(path).body(Body::empty())?;
        let started = Instant::now();
        let response = router.clone().oneshot(request).await?;
        let status = response.status();
        let _ = axum::body::to_bytes(response.into_body(), 1024).await?;
        times.push(started.elapsed());
        anyhow::ensure!(status.is_success(), "{path} answered {status}");
    }
    times.sort();
    Ok(times)
}

fn report(label: &str, times: &[Duration]) {
    let mean = times.iter().sum::<Duration>() / times.len() as u32;
    println!(
        "{label:<28} p50 {:>7.1} µs   p99 {:>7.1} µs   mean {:>7.1} µs",
        percentile(times, 0.5).as_secs_f64() * 1e6,
        percentile(times, 0.99).as_secs_f64() * 1e6,
        mean.as_secs_f64() * 1e6
    );
}

fn main() -> Result<()> {
    let n: usize = std::env::var("PLUGIN_BENCH_REQUESTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5000);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let workdir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/bench-plugin-route");
        let _ = std::fs::remove_dir_all(&workdir);
        std::fs::create_dir_all(&workdir)?;
        let store = store::Store::connect(&format!("sqlite://{}/bench.db", workdir.display())).await?;
        store.migrate().await?;
        let state = AppState::new(
            store,
            StateConfig {
                package_limits: package::Limits::default(),
                public_url: "http://127.0.0.1:3000".into(),
                content_url: "http://localhost:3001".into(),
                site_dir: workdir.join("site"),
                content_dir: workdir.join("content"),
                secret: SecretKey::generate(),
                accounts: accounts::AccountsConfig::default(),
                clock: Arc::new(SystemClock),
                plugins: plugin_host::HostConfig::new(workdir.join("plugins"), "http://127.0.0.1:3000"),
            },
        );
        let plugins = std::env::var_os("RAMPART_TEST_PLUGINS")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| {
                std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("../../target/plugins/wasm32-wasip2/release")
            });
        let wasm = std::fs::read(plugins.join("misbehave.wasm"))
            .context("build the test plugins first: cargo xtask build-plugins")?;
        state.plugins.install(wasm).await?;
        let router = server::router_with_native_probe(state.clone());
        println!("plugin route overhead: {n} requests each, sequential, through the engine router; {} cores",
            std::thread::available_parallelism().map_or(0, |c| c.get()));
        for round in 0..2 {
            // Round 0 warms caches and the allocator pool; round 1 is reported.
            let native = measure(&router, "/native/ok", if round == 0 { 500 } else { n }).await?;
            let plugin = measure(&router, "/p/misbehave/ok", if round == 0 { 500 } else { n }).await?;
            if round == 1 {
                report("native route (/native/ok)", &native);
                report("plugin route (/p/misbehave/ok)", &plugin);
                let overhead = percentile(&plugin, 0.5).saturating_sub(percentile(&native, 0.5));
                println!("plugin overhead at p50: {:.1} µs", overhead.as_secs_f64() * 1e6);
            }
        }
        Ok(())
    })
}
