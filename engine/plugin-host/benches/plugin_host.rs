//! What the plugin host costs, printed as numbers for `docs/benchmarks.md`.
//!
//! `cargo bench -p plugin-host --bench plugin_host` (release build). Needs the built plugins
//! (`cargo xtask build-plugins`; the folder is `RAMPART_TEST_PLUGINS`, default
//! `target/plugins/wasm32-wasip2/release`) and uses a temporary SQLite database.
//!
//! 1. Compiling `hello.wasm`: `install` with an empty state folder (compiles) against `install` on a new
//!    host over the same state folder (loads the cached code), and the bare `Component::new` against
//!    `Component::deserialize_file` on the host's engine.
//! 2. A request: `handle_request` (`GET /ok` on `misbehave`, platform scope: fresh store, instantiate on
//!    the pooling allocator, call, drop), one caller and several at once; and `scope_for`.
//! 3. Instantiation alone (the host's engine, imports defined as traps, no call), and resident memory:
//!    per idle instance, and per call in flight (calls to `GET /loop`, which spins until its deadline).
//!
//! Knobs (environment): `BENCH_CALLS` (5000), `BENCH_INSTANCES` (100), `BENCH_WORKERS` (2: tokio worker
//! threads, as many as the machine's cores).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use accounts::SystemClock;
use anyhow::{Context, Result, bail};
use plugin_host::{CallScope, CompileSource, HostConfig, HttpExchange, PluginError, PluginHost};
use store::{NewOrganisation, Store};
use wasmtime::component::{Component, Linker};

fn knob(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn plugins_dir() -> PathBuf {
    std::env::var_os("RAMPART_TEST_PLUGINS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../../target/plugins/wasm32-wasip2/release")
        })
}

fn wasm(name: &str) -> Result<Vec<u8>> {
    let path = plugins_dir().join(format!("{name}.wasm"));
    std::fs::read(&path).with_context(|| {
        format!(
            "{}: build the plugins first with `cargo xtask build-plugins`",
            path.display()
        )
    })
}

fn host(
    store: &Store,
    state: &std::path::Path,
    config: impl FnOnce(&mut HostConfig),
) -> PluginHost {
    let mut settings = HostConfig::new(state, "http://127.0.0.1:3000");
    config(&mut settings);
    PluginHost::new(store.clone(), Arc::new(SystemClock), settings).expect("plugin host")
}

/// wasmtime 48 has an error type of its own.
fn w<T>(result: wasmtime::Result<T>) -> Result<T> {
    result.map_err(|error| anyhow::anyhow!("{error:#}"))
}

fn show(d: Duration) -> String {
    let micros = d.as_secs_f64() * 1e6;
    if micros >= 10_000.0 {
        format!("{:.1} ms", micros / 1000.0)
    } else if micros >= 1000.0 {
        format!("{:.2} ms", micros / 1000.0)
    } else if micros >= 10.0 {
        format!("{micros:.1} µs")
    } else {
        format!("{micros:.2} µs")
    }
}

/// Prints n, p50, p99, max (p99 only with enough samples to mean something).
fn report(what: &str, samples: &mut [Duration]) {
    samples.sort();
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    let p99 = if samples.len() >= 100 {
        show(at(0.99))
    } else {
        "-".into()
    };
    println!(
        "| {what} | {} | {} | {p99} | {} |",
        samples.len(),
        show(at(0.5)),
        show(*samples.last().unwrap())
    );
}

fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kib| kib.parse().ok())
        .unwrap_or(0)
}

fn main() -> Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(knob("BENCH_WORKERS", 2))
        .enable_all()
        .build()?;
    runtime.block_on(run())
}

async fn run() -> Result<()> {
    let calls = knob("BENCH_CALLS", 5000);
    let instances = knob("BENCH_INSTANCES", 100);
    let hello = wasm("hello")?;
    let misbehave = wasm("misbehave")?;
    println!(
        "plugin host benchmark: {} cores, load average {}, hello.wasm {} KiB, misbehave.wasm {} KiB",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" "),
        hello.len() / 1024,
        misbehave.len() / 1024,
    );
    let db = store::test_db::TestDb::sqlite().await;
    let store = db.store.clone();

    println!("\n| what | n | p50 | p99 | max |\n| --- | --- | --- | --- | --- |");
    compile(&store, &hello).await?;
    requests(&store, &misbehave, calls).await?;
    instantiate_only(&store, &misbehave, calls).await?;
    println!();
    memory(&store, &misbehave, instances).await?;
    Ok(())
}

/// 1. Compiling against loading from the cache.
async fn compile(store: &Store, hello: &[u8]) -> Result<()> {
    const COLD: usize = 5;
    const WARM: usize = 30;
    let state = tempfile::tempdir()?;
    let mut new_host = Vec::new();
    let mut cold = Vec::new();
    for _ in 0..COLD {
        // A fresh state folder each time: nothing cached.
        let fresh = tempfile::tempdir()?;
        let started = Instant::now();
        let host = host(store, fresh.path(), |_| {});
        new_host.push(started.elapsed());
        let started = Instant::now();
        let installed = host.install(hello.to_vec()).await?;
        cold.push(started.elapsed());
        assert_eq!(installed.compiled, CompileSource::Compiled);
    }
    host(store, state.path(), |_| {})
        .install(hello.to_vec())
        .await?;
    let mut warm = Vec::new();
    for _ in 0..WARM {
        let started = Instant::now();
        let host = host(store, state.path(), |_| {});
        new_host.push(started.elapsed());
        let started = Instant::now();
        let installed = host.install(hello.to_vec()).await?;
        warm.push(started.elapsed());
        assert_eq!(installed.compiled, CompileSource::FromCache);
    }
    report(
        "`PluginHost::new` (engine, linkers, epoch thread)",
        &mut new_host,
    );
    report("`install(hello)`, nothing cached (compiles)", &mut cold);
    report(
        "`install(hello)` on a new host, same state folder (cached)",
        &mut warm,
    );

    let host = host(store, state.path(), |_| {});
    let engine = host.engine().clone();
    let bytes = hello.to_vec();
    let (mut compiles, mut loads, cwasm_len) = tokio::task::spawn_blocking(move || {
        let mut compiles = Vec::new();
        let mut component = None;
        for _ in 0..COLD * 2 {
            let started = Instant::now();
            component = Some(w(Component::new(&engine, &bytes))?);
            compiles.push(started.elapsed());
        }
        let serialized = w(component.expect("compiled").serialize())?;
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("hello.cwasm");
        std::fs::write(&path, &serialized)?;
        let mut loads = Vec::new();
        for _ in 0..500 {
            let started = Instant::now();
            // SAFETY: the file was just written by `serialize` on this engine.
            let component = w(unsafe { Component::deserialize_file(&engine, &path) })?;
            loads.push(started.elapsed());
            drop(component);
        }
        anyhow::Ok((compiles, loads, serialized.len()))
    })
    .await??;
    report(
        "`Component::new(hello)` on the host's engine (2 compile threads)",
        &mut compiles,
    );
    report(
        &format!(
            "`Component::deserialize_file` of its {} KiB precompiled code",
            cwasm_len / 1024
        ),
        &mut loads,
    );
    Ok(())
}

async fn organisation_with(store: &Store, plugin: &str) -> Result<i64> {
    let organisation = store
        .create_organisation(
            &NewOrganisation {
                name: "Bench Trust".into(),
                slug: "bench-trust".into(),
                kind: "acute_trust".into(),
                region: None,
            },
            1,
        )
        .await?
        .id;
    store
        .set_activation(
            plugin,
            organisation,
            true,
            &["directory.read".into()],
            None,
            1,
        )
        .await?;
    Ok(organisation)
}

fn ok_request() -> HttpExchange {
    HttpExchange {
        method: "GET".into(),
        path: "/ok".into(),
        ..HttpExchange::default()
    }
}

async fn call_ok(host: &PluginHost, scope: &CallScope) -> Result<()> {
    let response = host.handle_request(scope.clone(), ok_request()).await?;
    if response.status != 200 || response.body != b"ok" {
        bail!("GET /ok answered {}", response.status);
    }
    Ok(())
}

/// 2. A request through the host, and working out its scope.
async fn requests(store: &Store, misbehave: &[u8], calls: usize) -> Result<()> {
    let state = tempfile::tempdir()?;
    let host = host(store, state.path(), |_| {});
    host.install(misbehave.to_vec()).await?;
    let organisation = organisation_with(store, "misbehave").await?;
    let scope = host.scope_for("misbehave", None, None, Vec::new()).await?;
    for _ in 0..calls / 10 {
        call_ok(&host, &scope).await?;
    }
    let mut samples = Vec::with_capacity(calls);
    let all = Instant::now();
    for _ in 0..calls {
        let started = Instant::now();
        call_ok(&host, &scope).await?;
        samples.push(started.elapsed());
    }
    let throughput = calls as f64 / all.elapsed().as_secs_f64();
    report(
        &format!(
            "`handle_request` `GET /ok` (new store, instantiate, call, drop), one caller ({throughput:.0} calls/s)"
        ),
        &mut samples,
    );

    // Several callers at once on the worker threads: latency and throughput.
    for callers in [2, 8] {
        let started = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..callers {
            let (host, scope) = (host.clone(), scope.clone());
            let each = calls / callers;
            tasks.push(tokio::spawn(async move {
                let mut samples = Vec::with_capacity(each);
                for _ in 0..each {
                    let started = Instant::now();
                    call_ok(&host, &scope).await?;
                    samples.push(started.elapsed());
                    // A server's request task awaits its socket between calls; without this a caller
                    // would keep its worker until the next epoch tick made its call yield.
                    tokio::task::yield_now().await;
                }
                anyhow::Ok(samples)
            }));
        }
        let mut samples = Vec::new();
        for task in tasks {
            samples.extend(task.await??);
        }
        let throughput = samples.len() as f64 / started.elapsed().as_secs_f64();
        report(
            &format!(
                "`handle_request` `GET /ok`, {callers} callers at once ({throughput:.0} calls/s in total)"
            ),
            &mut samples,
        );
    }

    let mut platform = Vec::with_capacity(calls);
    let mut organisation_scope = Vec::with_capacity(calls);
    for _ in 0..calls {
        let started = Instant::now();
        host.scope_for("misbehave", None, None, Vec::new()).await?;
        platform.push(started.elapsed());
        let started = Instant::now();
        host.scope_for(
            "misbehave",
            Some(organisation),
            Some(1),
            vec!["learner".into()],
        )
        .await?;
        organisation_scope.push(started.elapsed());
    }
    report(
        "`scope_for`, platform (reads the plugin's row)",
        &mut platform,
    );
    report(
        "`scope_for`, an organisation (the plugin's row and the activation)",
        &mut organisation_scope,
    );
    Ok(())
}

/// A pre-linked `misbehave` on the host's engine with every import a trap: the same engine settings
/// (pooling allocator, epoch interruption) as the host's own instances, without the host's state.
fn trap_linked(
    host: &PluginHost,
    misbehave: &[u8],
) -> Result<wasmtime::component::InstancePre<()>> {
    let engine = host.engine();
    let component = w(Component::new(engine, misbehave))?;
    let mut linker = Linker::<()>::new(engine);
    w(linker.define_unknown_imports_as_traps(&component))?;
    w(linker.instantiate_pre(&component))
}

fn new_store(engine: &wasmtime::Engine) -> wasmtime::Store<()> {
    let mut store = wasmtime::Store::new(engine, ());
    store.set_epoch_deadline(1_000_000);
    store
}

/// 3a. Instantiation alone. The host's pre-linked components are private, so this links its own.
async fn instantiate_only(store: &Store, misbehave: &[u8], calls: usize) -> Result<()> {
    let state = tempfile::tempdir()?;
    let host = host(store, state.path(), |_| {});
    let pre = trap_linked(&host, misbehave)?;
    let engine = host.engine().clone();
    let mut stores = Vec::with_capacity(calls);
    let mut instantiations = Vec::with_capacity(calls);
    for round in 0..calls + calls / 10 {
        let started = Instant::now();
        let store = new_store(&engine);
        let elapsed = started.elapsed();
        drop(store);
        let started = Instant::now();
        let mut store = new_store(&engine);
        w(pre.instantiate_async(&mut store).await)?;
        drop(store);
        if round >= calls / 10 {
            stores.push(elapsed);
            instantiations.push(started.elapsed());
        }
    }
    report("`Store::new` + drop (the host's engine)", &mut stores);
    report(
        "new store + instantiate `misbehave` + drop (pooling allocator, no call)",
        &mut instantiations,
    );
    Ok(())
}

/// 3b. Resident memory per live instance: idle instances held in their stores, and calls in flight.
async fn memory(store: &Store, misbehave: &[u8], instances: usize) -> Result<()> {
    let state = tempfile::tempdir()?;
    let host = host(store, state.path(), |config| {
        config.call_timeout = Duration::from_millis(1500);
        config.suspend_after_failures = 1_000_000;
        config.max_instances = (instances as u32 + 10).max(200);
    });
    host.install(misbehave.to_vec()).await?;
    let pre = trap_linked(&host, misbehave)?;
    // Warm the pool's slots, the allocator and the code pages once, so the deltas are per instance.
    for _ in 0..10 {
        let mut store = new_store(host.engine());
        w(pre.instantiate_async(&mut store).await)?;
    }
    let scope = host.scope_for("misbehave", None, None, Vec::new()).await?;
    call_ok(&host, &scope).await?;

    let before = rss_kib();
    let mut held = Vec::with_capacity(instances);
    for _ in 0..instances {
        let mut store = new_store(host.engine());
        let instance = w(pre.instantiate_async(&mut store).await)?;
        held.push((store, instance));
    }
    let with_idle = rss_kib();
    drop(held);
    let after_idle = rss_kib();

    // Calls in flight: each spins in wasm, yielding every epoch tick, until its deadline stops it.
    let before_calls = rss_kib();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..instances {
        let (host, scope) = (host.clone(), scope.clone());
        tasks.push(tokio::spawn(async move {
            let request = HttpExchange {
                method: "GET".into(),
                path: "/loop".into(),
                ..HttpExchange::default()
            };
            host.handle_request(scope, request).await
        }));
    }
    let mut peak = before_calls;
    while started.elapsed() < Duration::from_millis(1200) {
        tokio::time::sleep(Duration::from_millis(50)).await;
        if started.elapsed() > Duration::from_millis(300) {
            peak = peak.max(rss_kib());
        }
    }
    let mut timeouts = 0;
    for task in tasks {
        match task.await? {
            Err(PluginError::Timeout { .. }) => timeouts += 1,
            other => bail!("a looping call ended with {other:?}"),
        }
    }
    let stopped = started.elapsed();
    let after_calls = rss_kib();

    let per = |delta: u64| delta as f64 / instances as f64;
    println!("| resident memory (VmRSS) | KiB |\n| --- | --- |");
    println!(
        "| {instances} idle instances of `misbehave` held in their stores | +{} in all, **{:.1} per instance** ({} after dropping them) |",
        with_idle.saturating_sub(before),
        per(with_idle.saturating_sub(before)),
        after_idle as i64 - before as i64,
    );
    println!(
        "| {instances} `GET /loop` calls in flight at once (instance, fiber stack, host state, task) | +{} at the peak, **{:.1} per call** ({} after they ended) |",
        peak.saturating_sub(before_calls),
        per(peak.saturating_sub(before_calls)),
        after_calls as i64 - before_calls as i64,
    );
    println!(
        "\nall {timeouts} looping calls were stopped by their 1.5 s deadline; the last ended after {}",
        show(stopped)
    );
    println!("process RSS at the end: {} KiB", rss_kib());
    Ok(())
}
