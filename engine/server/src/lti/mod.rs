//! LTI over HTTP: the thin shell around the `lti` crate. Rampart is an LTI 1.3 Advantage tool and an LTI
//! 1.1 provider:
//!
//! - `keys`: the tool's signing keys, the published JWKS, sealing secrets at rest;
//! - `launch`: OIDC login initiation, the launch, the cookie-less browser binding (platform storage) and
//!   the launch-bound token that is the learner's session in the LMS frame;
//! - `deep_link`: the instructor's course picker and the signed deep linking response;
//! - `register`: Dynamic Registration with one-time tokens;
//! - `lti11`: LTI 1.1 basic launches;
//! - `grades`: the durable outbox that sends AGS scores and LTI 1.1 outcomes, with cached service tokens;
//! - `roster`: NRPS roster fetches;
//! - `admin`: what the admin pages show and change;
//! - `page`: the learner-facing pages (refusals say what went wrong and what to tell the LMS admin).
//!
//! These routes sit outside the cookie session and CSRF layers on purpose: each request proves itself
//! (a signed id_token and a single-use state, an OAuth 1.0a signature, a one-time registration token, a
//! launch-bound token), because inside an LMS frame cookies are often not sent at all.

pub mod admin;
pub mod deep_link;
pub mod grades;
pub mod keys;
pub mod launch;
pub mod lti11;
mod page;
pub mod register;
pub mod roster;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

use accounts::{Clock, SecretKey};
use axum::Router;
use axum::extract::State;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use crate::AppState;

/// How long a launch-bound token (the learner's session in the LMS frame) lives.
pub const LAUNCH_TOKEN_TTL_SECS: i64 = 4 * 3600;
const LAUNCH_TOKEN_PURPOSE: &str = "lti-launch-token";

/// LTI's keys, clients and caches; one per server.
pub struct Lti {
    pub keys: keys::ToolKeys,
    secret: SecretKey,
    clock: Arc<dyn Clock>,
    http: reqwest::Client,
    /// The tool's public base URL (`https://rampart.example`).
    base: String,
    /// Service access tokens per platform and scope set, until shortly before they expire.
    service_tokens: Mutex<HashMap<(i64, String), (String, i64)>>,
    /// New LTI 1.1 secrets, shown once to the admin who made them (key → secret, expiry).
    new_secrets: Mutex<HashMap<String, (String, i64)>>,
    /// Who may frame Rampart's LTI pages and the content they show.
    framing: RwLock<Framing>,
    keys_loaded: tokio::sync::Mutex<bool>,
    /// When each course's roster was last fetched: `(platform, context)` → Unix seconds.
    roster_fetched: Mutex<HashMap<(i64, String), i64>>,
    /// Wakes the grade outbox when something was queued.
    pub outbox_wake: tokio::sync::Notify,
}

/// Rampart's LTI URLs, as an LMS admin types them in.
#[derive(Clone, Debug)]
pub struct ToolUrls {
    pub login: String,
    pub launch: String,
    pub jwks: String,
    pub registration: String,
    pub lti11_launch: String,
    pub domain: String,
}

impl Lti {
    pub fn new(secret: SecretKey, clock: Arc<dyn Clock>, public_url: &str) -> Lti {
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("the HTTP client builds");
        Lti {
            keys: keys::ToolKeys::empty(),
            secret,
            clock,
            http,
            base: public_url.trim_end_matches('/').to_owned(),
            service_tokens: Mutex::new(HashMap::new()),
            new_secrets: Mutex::new(HashMap::new()),
            framing: RwLock::new(Framing::default()),
            keys_loaded: tokio::sync::Mutex::new(false),
            roster_fetched: Mutex::new(HashMap::new()),
            outbox_wake: tokio::sync::Notify::new(),
        }
    }

    pub fn urls(&self) -> ToolUrls {
        let base = &self.base;
        ToolUrls {
            login: format!("{base}/lti/login"),
            launch: format!("{base}/lti/launch"),
            jwks: format!("{base}/.well-known/jwks.json"),
            registration: format!("{base}/lti/register"),
            lti11_launch: format!("{base}/lti11/launch"),
            domain: url::Url::parse(base)
                .ok()
                .and_then(|u| {
                    u.host_str().map(|h| match u.port() {
                        Some(p) => format!("{h}:{p}"),
                        None => h.to_owned(),
                    })
                })
                .unwrap_or_default(),
        }
    }

    fn now(&self) -> i64 {
        self.clock.now()
    }

    /// Loads (or on first run makes) the signing keys, once.
    pub async fn ensure_keys(&self, store: &store::Store) -> anyhow::Result<()> {
        let mut loaded = self.keys_loaded.lock().await;
        if !*loaded {
            self.keys.load(store, &self.secret, self.now()).await?;
            self.refresh_frame_ancestors(store).await?;
            *loaded = true;
        }
        Ok(())
    }

    /// Re-reads the keys after a rotation.
    pub async fn reload_keys(&self, store: &store::Store) -> anyhow::Result<()> {
        self.keys.load(store, &self.secret, self.now()).await
    }

    /// Recomputes who may frame LTI pages: every active or pending platform's issuer and login
    /// endpoint origins, and any origin once an LTI 1.1 consumer exists (1.1 launches do not say where
    /// the consumer lives).
    pub async fn refresh_frame_ancestors(&self, store: &store::Store) -> anyhow::Result<()> {
        let mut origins: Vec<String> = Vec::new();
        for platform in store.lti_platforms(None).await? {
            // Only approved platforms: an unapproved registration must not widen who may frame us.
            if platform.status != "active" {
                continue;
            }
            for url in [&platform.issuer, &platform.auth_endpoint] {
                let origin = web_origin(url);
                if !origin.is_empty() && !origins.contains(&origin) {
                    origins.push(origin);
                }
            }
        }
        let any_origin = !store.lti11_consumers(None).await?.is_empty();
        *self.framing.write().unwrap() = Framing {
            origins: origins.join(" "),
            any_origin,
        };
        Ok(())
    }

    /// The `frame-ancestors` sources of LTI pages.
    fn frame_ancestors(&self) -> String {
        let framing = self.framing.read().unwrap();
        if framing.any_origin {
            "*".to_owned()
        } else {
            sources(&["'self'", &framing.origins])
        }
    }

    /// The `frame-ancestors` sources of the content origin's pages: `frame-ancestors` is checked against
    /// every ancestor, so a SCO shown in the player inside an LMS page must allow the LMS too.
    pub fn content_frame_ancestors(&self, engine_origin: &str) -> String {
        let framing = self.framing.read().unwrap();
        if framing.any_origin {
            "*".to_owned()
        } else {
            sources(&["'self'", engine_origin, &framing.origins])
        }
    }

    /// A launch-bound token: the learner's session in the LMS frame, for one course, until it expires.
    pub fn launch_token(&self, user_id: i64, package_id: i64) -> String {
        let expires = self.now() + LAUNCH_TOKEN_TTL_SECS;
        let message = format!("{user_id}.{package_id}.{expires}");
        let mac = self
            .secret
            .mac_b64(LAUNCH_TOKEN_PURPOSE, message.as_bytes());
        format!("lt1.{message}.{mac}")
    }

    /// The `(user, package)` a launch-bound token grants, when it is genuine and not expired.
    pub fn verify_launch_token(&self, token: &str) -> Option<LaunchGrant> {
        let rest = token.strip_prefix("lt1.")?;
        let mut parts = rest.splitn(4, '.');
        let (user, package, expires, mac) =
            (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
        let message = format!("{user}.{package}.{expires}");
        if !self
            .secret
            .verify_mac_b64(LAUNCH_TOKEN_PURPOSE, message.as_bytes(), mac)
        {
            return None;
        }
        let expires: i64 = expires.parse().ok()?;
        (expires > self.now()).then_some(LaunchGrant {
            user_id: user.parse().ok()?,
            package_id: package.parse().ok()?,
        })
    }

    fn secret(&self) -> &SecretKey {
        &self.secret
    }

    /// The server secret, for `rampart lti rotate-keys`.
    pub fn secret_key(&self) -> &SecretKey {
        &self.secret
    }

    /// Drops a platform's cached service tokens (the platform said one is no longer valid).
    fn forget_token(&self, platform_id: i64) {
        self.service_tokens
            .lock()
            .unwrap()
            .retain(|(id, _), _| *id != platform_id);
    }

    /// Keeps a new LTI 1.1 secret for its admin to see once.
    fn remember_new_secret(&self, key: &str, secret: &str) {
        let expires = self.now() + 600;
        let mut secrets = self.new_secrets.lock().unwrap();
        let now = self.now();
        secrets.retain(|_, (_, until)| *until > now);
        secrets.insert(key.to_owned(), (secret.to_owned(), expires));
    }

    fn take_new_secret(&self, key: &str) -> Option<String> {
        let now = self.now();
        self.new_secrets
            .lock()
            .unwrap()
            .remove(key)
            .filter(|(_, until)| *until > now)
            .map(|(secret, _)| secret)
    }
}

/// CSP sources separated by single spaces, empty ones left out.
fn sources(parts: &[&str]) -> String {
    parts
        .iter()
        .filter(|part| !part.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Who may frame LTI pages.
#[derive(Default)]
struct Framing {
    /// Registered platforms' origins, space-separated.
    origins: String,
    /// Any origin (an LTI 1.1 consumer exists).
    any_origin: bool,
}

/// What a launch-bound token grants: the run-time API for one learner and one course.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LaunchGrant {
    pub user_id: i64,
    pub package_id: i64,
}

/// The LTI routes. They take no cookie session and no CSRF token: each proves itself (see the module
/// documentation).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/.well-known/jwks.json", get(jwks))
        .route("/lti/jwks.json", get(jwks))
        .route("/lti/deep-linking", post(launch::launch))
        .route("/lti/login", get(launch::login).post(launch::login))
        .route("/lti/launch", post(launch::launch))
        .route("/lti/launch/confirm", post(launch::confirm))
        .route("/lti/play/{package}", get(launch::play))
        .route("/lti/deep-link", post(deep_link::submit))
        .route("/lti/register/{token}", get(register::start))
        .route("/lti11/launch", post(lti11::launch))
        .layer(axum::extract::DefaultBodyLimit::max(64 * 1024))
}

/// Loads the tool keys (making the first on first run) and starts the grade outbox and the clean-up of
/// spent login states and nonces.
pub async fn start(state: &AppState) -> anyhow::Result<()> {
    state.lti.ensure_keys(state.accounts.store()).await?;
    tokio::spawn(grades::run(state.clone()));
    let cleaner = state.clone();
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(std::time::Duration::from_secs(600)).await;
            let now = cleaner.clock.now();
            if let Err(error) = cleaner
                .accounts
                .store()
                .delete_expired_lti_states(now)
                .await
            {
                tracing::warn!(%error, "could not clear spent LTI states");
            }
            // Changes made by another process (`rampart lti rotate-keys`, `rampart lti platform add`,
            // another server's admin page) are picked up here.
            if let Err(error) = cleaner.lti.reload_keys(cleaner.accounts.store()).await {
                tracing::warn!(%error, "could not reload the LTI keys");
            }
            if let Err(error) = cleaner
                .lti
                .refresh_frame_ancestors(cleaner.accounts.store())
                .await
            {
                tracing::warn!(%error, "could not refresh who may frame LTI pages");
            }
        }
    });
    Ok(())
}

/// `/.well-known/jwks.json`: the tool's public keys, current first, rotated-out ones until their overlap
/// ends.
async fn jwks(State(state): State<AppState>) -> Response {
    if let Err(error) = state.lti.ensure_keys(state.accounts.store()).await {
        tracing::error!(%error, "the LTI keys could not be loaded");
        return (
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            "The key set is not available right now.",
        )
            .into_response();
    }
    (
        [
            (CONTENT_TYPE, "application/json"),
            (CACHE_CONTROL, "public, max-age=300"),
        ],
        state.lti.keys.jwks().to_string(),
    )
        .into_response()
}

/// Whether a form post came from one of Rampart's own pages: browsers send `Origin` with every POST,
/// and another site's form (a login CSRF attempt replaying a sealed launch, say) carries its own.
pub(crate) fn from_our_page(state: &AppState, headers: &axum::http::HeaderMap) -> bool {
    headers
        .get(axum::http::header::ORIGIN)
        .is_some_and(|origin| crate::guard::is_our_origin(origin, state))
}

/// A random URL-safe value with `bytes` bytes of entropy.
pub(crate) fn random_token(bytes: usize) -> String {
    use base64::Engine as _;
    let mut buffer = vec![0u8; bytes];
    rand::RngCore::fill_bytes(&mut rand::thread_rng(), &mut buffer);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buffer)
}

/// `value` as JSON with a MAC for `purpose`: something a browser carries between two requests and
/// cannot alter (a verified launch awaiting its storage check, a deep linking context).
pub(crate) fn seal_json<T: serde::Serialize>(
    secret: &SecretKey,
    purpose: &str,
    value: &T,
) -> String {
    use base64::Engine as _;
    let body = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(serde_json::to_vec(value).expect("serialisable"));
    let mac = secret.mac_b64(purpose, body.as_bytes());
    format!("{body}.{mac}")
}

/// What [`seal_json`] sealed for `purpose`, when its MAC holds.
pub(crate) fn open_json<T: serde::de::DeserializeOwned>(
    secret: &SecretKey,
    purpose: &str,
    sealed: &str,
) -> Option<T> {
    use base64::Engine as _;
    let (body, mac) = sealed.rsplit_once('.')?;
    if !secret.verify_mac_b64(purpose, body.as_bytes(), mac) {
        return None;
    }
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(body)
        .ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// A URL's origin as browsers write it (`https://lms.example`, no default port): what `postMessage`'s
/// `event.origin` holds and what CSP sources match. Empty when the URL is not absolute.
pub(crate) fn web_origin(url: &str) -> String {
    match url::Url::parse(url).map(|u| u.origin()) {
        Ok(origin @ url::Origin::Tuple(..)) => origin.ascii_serialization(),
        _ => String::new(),
    }
}

/// Reads at most `limit` bytes of a platform's answer as text: a hostile or broken platform cannot
/// make Rampart hold an unbounded body.
pub(crate) async fn read_limited(
    mut response: reqwest::Response,
    limit: usize,
) -> Result<String, String> {
    if response.content_length().is_some_and(|n| n > limit as u64) {
        return Err(format!("the answer is larger than {} KiB", limit / 1024));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| format!("the answer could not be read: {}", e.without_url()))?
    {
        if body.len() + chunk.len() > limit {
            return Err(format!("the answer is larger than {} KiB", limit / 1024));
        }
        body.extend_from_slice(&chunk);
    }
    String::from_utf8(body).map_err(|_| "the answer is not UTF-8 text".to_owned())
}

/// SHA-256 in hex: how one-time tokens and states are stored.
pub(crate) fn hash_hex(value: &str) -> String {
    use sha2::Digest;
    crate::hex(&sha2::Sha256::digest(value.as_bytes()))
}
