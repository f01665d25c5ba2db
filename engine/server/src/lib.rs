//! The `rampart` server: a thin shell that wires configuration, storage, accounts and the web app into two
//! axum routers (the engine origin and the content origin). Policy lives in the crates it calls.
//!
//! [`router`] and [`content_router`] bind no socket, so tests drive them with `oneshot`.

pub mod config;
mod content;
pub mod content_token;
pub mod courses;
mod export;
mod guard;
mod headers;
pub mod import;
mod launcher;
pub mod lti;
pub mod outbox;
pub mod player;
pub mod plugin_cli;
pub mod plugins;
pub mod runtime_api;
pub mod serve;
mod upload;

use std::path::PathBuf;
use std::sync::Arc;

use accounts::{Accounts, AccountsConfig, Clock};
use axum::Router;
use axum::extract::{FromRef, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::get;
use leptos::config::LeptosOptions;
use leptos_axum::{LeptosRoutes, generate_route_list};
use store::Store;
use tower::ServiceBuilder;
use tower_http::services::ServeDir;
use web::api::ssr::{CookiePolicy, WebState};

pub use content::content_router;

/// Bytes as lower-case hex (content hashes, webhook signatures, one-time token hashes, random ids).
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The one application state; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub accounts: Accounts,
    pub cookies: CookiePolicy,
    pub leptos: LeptosOptions,
    pub public_origin: String,
    pub site_dir: PathBuf,
    pub content_dir: PathBuf,
    /// The content origin's URL (for links to course files).
    pub content_url: String,
    pub content_tokens: content_token::ContentTokens,
    pub blobs: import::BlobStore,
    pub package_limits: package::Limits,
    pub clock: Arc<dyn Clock>,
    pub runtime: Arc<runtime_api::Runtime>,
    pub plugins: plugin_host::PluginHost,
    pub plugin_flash: plugins::Flash,
    pub lti: Arc<lti::Lti>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos.clone()
    }
}

/// What [`AppState::new`] needs beyond the store.
pub struct StateConfig {
    pub package_limits: package::Limits,
    pub public_url: String,
    pub content_url: String,
    pub site_dir: PathBuf,
    pub content_dir: PathBuf,
    pub secret: accounts::SecretKey,
    pub accounts: AccountsConfig,
    pub clock: Arc<dyn Clock>,
    /// Where installed plugins and their compiled code live, and the sandbox limits.
    pub plugins: plugin_host::HostConfig,
}

impl AppState {
    pub fn new(store: Store, config: StateConfig) -> AppState {
        let leptos = LeptosOptions::builder()
            .output_name("web")
            .site_root(config.site_dir.display().to_string())
            .site_pkg_dir("pkg")
            .build();
        let plugins =
            plugin_host::PluginHost::new(store.clone(), config.clock.clone(), config.plugins)
                .unwrap_or_else(|error| panic!("the plugin host could not start: {error:#}"));
        AppState {
            lti: Arc::new(lti::Lti::new(
                config.secret.clone(),
                config.clock.clone(),
                &config.public_url,
            )),
            plugins,
            plugin_flash: plugins::Flash::default(),
            content_tokens: content_token::ContentTokens::new(
                config.secret.clone(),
                config.clock.clone(),
            ),
            blobs: import::BlobStore::new(&config.content_dir),
            runtime: Arc::new(runtime_api::Runtime::new(config.secret.clone())),
            clock: config.clock.clone(),
            package_limits: config.package_limits,
            content_url: config.content_url.trim_end_matches('/').to_owned(),
            accounts: Accounts::new(store, config.secret, config.accounts, config.clock),
            cookies: CookiePolicy {
                secure: config.public_url.starts_with("https://"),
            },
            leptos,
            public_origin: config::origin(&config.public_url),
            site_dir: config.site_dir,
            content_dir: config.content_dir,
        }
    }

    /// The plugin host as the web pages see it.
    pub fn host_plugins(&self) -> plugins::HostPlugins {
        plugins::HostPlugins {
            host: self.plugins.clone(),
            flash: self.plugin_flash.clone(),
            clock: self.clock.clone(),
        }
    }

    fn web_state(&self) -> WebState {
        let (tokens, content_url) = (self.content_tokens.clone(), self.content_url.clone());
        let state = self.clone();
        WebState {
            accounts: self.accounts.clone(),
            cookies: self.cookies,
            content_origin: config::origin(&self.content_url),
            player: Arc::new(move |user, package_id, item| {
                let state = state.clone();
                Box::pin(async move { player::outline(&state, &user, package_id, item).await })
            }),
            plugins: Arc::new(self.host_plugins()),
            lti: Arc::new(lti::admin::Admin {
                state: self.clone(),
            }),
            content_link: std::sync::Arc::new(move |version, user, path| {
                let token = tokens.issue(version, user, PREVIEW_TTL_SECS);
                format!("{content_url}/content/{token}/{version}/{path}")
            }),
        }
    }
}

/// How long a content link stays valid: long enough for a sitting, short enough that a leaked link dies.
const PREVIEW_TTL_SECS: i64 = 4 * 3600;

/// The engine origin: pages, server functions, health, static assets. Binds no socket.
pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(web::App);
    let web_state = state.web_state();
    let leptos = state.leptos.clone();
    let pages = Router::<AppState>::new()
        .leptos_routes_with_context(
            &state,
            routes,
            move || {
                leptos::prelude::provide_context(web_state.clone());
                leptos::nonce::provide_nonce();
            },
            move || web::shell(leptos.clone()),
        )
        .route("/", get(home))
        .route("/admin/users.csv", get(export::users_csv))
        .route("/admin/audit.csv", get(export::audit_csv))
        .route("/admin/training.csv", get(export::training_csv))
        .route(
            "/plugins/{plugin}/{page}",
            axum::routing::post(plugins::submit),
        )
        .route("/plugins/{plugin}/{page}/{file}", get(plugins::table_csv))
        .route("/notifications/{id}/open", get(plugins::open_notification))
        .route(
            "/admin/packages/upload",
            axum::routing::post(upload::upload_package).layer(
                axum::extract::DefaultBodyLimit::max(upload::MAX_UPLOAD_BYTES),
            ),
        )
        .route("/assets/rampart.css", get(stylesheet))
        .route("/assets/upload.js", get(upload_script))
        .route("/assets/player.js", get(player_script))
        .nest_service("/pkg", ServeDir::new(state.site_dir.join("pkg")))
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(
            web::shell,
        ));

    // The run-time API: signed-in learners only. Launch is an ordinary JSON POST under the CSRF layer;
    // commit also arrives by `sendBeacon` (no custom headers), so it checks its own per-launch token.
    let runtime_routes = Router::<AppState>::new()
        .route(
            "/api/runtime/launch",
            axum::routing::post(runtime_api::launch).layer(axum::middleware::from_fn_with_state(
                state.clone(),
                guard::check_csrf,
            )),
        )
        .route(
            "/api/runtime/commit",
            axum::routing::post(runtime_api::commit).layer(axum::extract::DefaultBodyLimit::max(
                runtime_api::MAX_COMMIT_BYTES,
            )),
        )
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            guard::authenticate,
        ));

    // Plugins' own HTTP routes: signed-in users act in their organisation, anyone else in the platform
    // scope. Forms and scripts from other sites are kept out by the CSRF layer on unsafe methods.
    let plugin_routes = Router::<AppState>::new()
        .route("/p/{plugin}/{*rest}", axum::routing::any(plugins::request))
        .layer(axum::extract::DefaultBodyLimit::max(
            plugins::MAX_PLUGIN_BODY_BYTES,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            guard::check_csrf,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            guard::authenticate,
        ));

    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .merge(runtime_routes)
        .merge(plugin_routes)
        .merge(lti::routes())
        .merge(
            pages.layer(
                ServiceBuilder::new()
                    .layer(axum::middleware::from_fn_with_state(
                        state.clone(),
                        guard::authenticate,
                    ))
                    .layer(axum::middleware::from_fn_with_state(
                        state.clone(),
                        guard::require_sign_in,
                    ))
                    .layer(axum::middleware::from_fn_with_state(
                        state.clone(),
                        guard::check_csrf,
                    )),
            ),
        )
        .layer(axum::middleware::from_fn(headers::engine_security_headers))
        .with_state(state)
}

/// [`router`] plus `GET /native/ok`, a native route behind the same layers as the plugin routes, for the
/// plugin-route benchmark's comparison.
#[doc(hidden)]
pub fn router_with_native_probe(state: AppState) -> Router {
    let probe = Router::<AppState>::new()
        .route("/native/ok", get(|| async { "ok" }))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            guard::check_csrf,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            guard::authenticate,
        ))
        .with_state(state.clone());
    router(state).merge(probe)
}

/// `/` sends people where they belong: setup on first run, their dashboard, or sign-in.
async fn home(
    State(state): State<AppState>,
    auth: Option<axum::Extension<web::api::ssr::RequestAuth>>,
) -> Redirect {
    if state.accounts.setup_needed().await.unwrap_or(false) {
        return Redirect::to("/setup");
    }
    match auth {
        Some(axum::Extension(auth)) if auth.user.is_some() => Redirect::to("/dashboard"),
        _ => Redirect::to("/sign-in"),
    }
}

/// Ready when the database answers and is fully migrated; load balancers stop sending traffic otherwise.
async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    match state.accounts.store().is_ready().await {
        Ok(true) => (StatusCode::OK, "ready"),
        Ok(false) => (
            StatusCode::SERVICE_UNAVAILABLE,
            "database migrations are pending",
        ),
        Err(error) => {
            tracing::warn!(%error, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    }
}

const STYLESHEET: &str = web::STYLESHEET;

async fn upload_script() -> impl IntoResponse {
    (
        [
            (
                axum::http::header::CONTENT_TYPE,
                "text/javascript; charset=utf-8",
            ),
            (axum::http::header::CACHE_CONTROL, "public, max-age=300"),
        ],
        web::UPLOAD_SCRIPT,
    )
}

async fn player_script() -> impl IntoResponse {
    (
        [
            (
                axum::http::header::CONTENT_TYPE,
                "text/javascript; charset=utf-8",
            ),
            (axum::http::header::CACHE_CONTROL, "public, max-age=300"),
        ],
        web::PLAYER_SCRIPT,
    )
}

async fn stylesheet() -> impl IntoResponse {
    (
        [
            (axum::http::header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (axum::http::header::CACHE_CONTROL, "public, max-age=300"),
        ],
        STYLESHEET,
    )
}
