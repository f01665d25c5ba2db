//! Start-up and shutdown: open the store, migrate, bind both origins, serve until told to stop.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use accounts::{AccountsConfig, SystemClock};
use anyhow::Context;
use store::Store;
use tokio::net::TcpListener;
use tower_http::trace::TraceLayer;

use crate::config::Config;
use crate::{AppState, StateConfig, content_router, router};

/// Opens (creating if needed) and migrates the configured database.
pub async fn open_store(config: &Config) -> anyhow::Result<Store> {
    if config.database_url.is_none() {
        std::fs::create_dir_all(&config.data_dir).with_context(|| {
            format!("creating the data directory {}", config.data_dir.display())
        })?;
    }
    let store = Store::connect(&config.database_url()).await?;
    store
        .migrate()
        .await
        .context("applying database migrations")?;
    Ok(store)
}

pub fn app_state(config: &Config, store: Store) -> anyhow::Result<AppState> {
    Ok(AppState::new(
        store,
        StateConfig {
            package_limits: config.package_limits(),
            public_url: config.public_url.clone(),
            content_url: config.content_url.clone(),
            site_dir: config.site_dir.clone(),
            content_dir: config.data_dir.join("content"),
            secret: config.secret_key()?,
            accounts: AccountsConfig::default(),
            clock: Arc::new(SystemClock),
            plugins: config.plugin_host(),
        },
    ))
}

/// Runs both listeners until SIGINT or SIGTERM, then lets in-flight requests finish.
pub async fn serve(config: Config) -> anyhow::Result<()> {
    let started = Instant::now();
    let store = open_store(&config).await?;
    let state = app_state(&config, store.clone())?;
    std::fs::create_dir_all(&state.content_dir)
        .with_context(|| format!("creating {}", state.content_dir.display()))?;
    crate::courses::seed_on_start(&state, &config.courses_dir).await;
    start_plugins(&state, &config).await?;
    crate::lti::start(&state).await?;
    if !config.site_dir.join("pkg").join("web.js").is_file() {
        tracing::warn!(
            site_dir = %config.site_dir.display(),
            "the browser bundle is missing: pages will render but not hydrate; build it with `cargo xtask build`"
        );
    }

    let engine = router(state.clone()).layer(trace_layer());
    let content = content_router(state.clone()).layer(trace_layer());
    let engine_listener = bind(config.listen, "listen").await?;
    let content_listener = bind(config.content_listen, "content_listen").await?;
    tokio::spawn(expire_sessions(state.accounts.clone()));

    tracing::info!(
        engine = %config.public_url,
        content = %config.content_url,
        database = %store::redact_url(&config.database_url()),
        startup_ms = started.elapsed().as_millis() as u64,
        "Rampart is ready"
    );
    let shutdown = shutdown_signal();
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let content_stop = {
        let mut rx = stop_rx.clone();
        async move {
            let _ = rx.changed().await;
        }
    };
    let engine_server = axum::serve(
        engine_listener,
        engine.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        shutdown.await;
        let _ = stop_tx.send(true);
    });
    let content_server = axum::serve(content_listener, content.into_make_service())
        .with_graceful_shutdown(content_stop);
    let (engine_result, content_result) = tokio::join!(engine_server, content_server);
    engine_result.context("engine listener failed")?;
    content_result.context("content listener failed")?;
    store.close().await;
    tracing::info!("Rampart stopped");
    Ok(())
}

/// Loads the installed plugins, installs or upgrades the bundled ones, and starts the workers that
/// deliver their events and send their emails and webhooks.
async fn start_plugins(state: &AppState, config: &Config) -> anyhow::Result<()> {
    let already_installed = state.plugins.load_installed().await?;
    let bundled = state.plugins.install_dir(&config.plugins_dir).await;
    if !bundled.is_empty() {
        tracing::info!(plugins = %bundled.join(", "), "installed or upgraded bundled plugins");
    }
    tracing::info!(
        already_installed,
        plugins = %state.plugins.loaded().join(", "),
        "plugins ready"
    );
    tokio::spawn(crate::plugins::run_dispatcher(state.plugins.clone()));
    tokio::spawn(crate::outbox::run(
        state.plugins.clone(),
        crate::outbox::Mailer::from_config(config)?,
    ));
    Ok(())
}

async fn bind(addr: SocketAddr, key: &str) -> anyhow::Result<TcpListener> {
    TcpListener::bind(addr).await.with_context(|| {
        format!("cannot listen on {addr} (configuration key {key}); is another server using it?")
    })
}

/// Logs method, path and status; never headers (cookies) or query strings (which may carry tokens).
fn trace_layer() -> TraceLayer<
    tower_http::classify::SharedClassifier<tower_http::classify::ServerErrorsAsFailures>,
    impl Fn(&axum::http::Request<axum::body::Body>) -> tracing::Span + Clone,
> {
    TraceLayer::new_for_http().make_span_with(|request: &axum::http::Request<axum::body::Body>| {
        tracing::info_span!("request", method = %request.method(), path = %loggable_path(request.uri().path()))
    })
}

/// The path as logged: credentials that travel in paths (one-time registration tokens, signed content
/// tokens) are left out.
pub fn loggable_path(path: &str) -> String {
    for prefix in ["/lti/register/", "/content/"] {
        if let Some(rest) = path.strip_prefix(prefix) {
            let after = rest.find('/').map_or("", |i| &rest[i..]);
            return format!("{prefix}…{after}");
        }
    }
    path.to_owned()
}

async fn expire_sessions(accounts: accounts::Accounts) {
    let mut every = tokio::time::interval(Duration::from_secs(15 * 60));
    loop {
        every.tick().await;
        match accounts.delete_expired_sessions().await {
            Ok(0) => {}
            Ok(n) => tracing::info!(n, "removed expired sessions"),
            Err(error) => tracing::warn!(%error, "could not remove expired sessions"),
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}

#[cfg(test)]
mod tests {
    #[test]
    fn tokens_in_paths_are_not_logged() {
        use super::loggable_path;
        assert_eq!(loggable_path("/lti/register/abc123"), "/lti/register/…");
        assert_eq!(
            loggable_path("/content/tok.en/12/index.html"),
            "/content/…/12/index.html"
        );
        assert_eq!(loggable_path("/lti/launch"), "/lti/launch");
    }
}
