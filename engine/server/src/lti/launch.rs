//! The LTI 1.3 launch: OIDC login initiation (`/lti/login`), the launch (`/lti/launch`), the cookie-less
//! browser binding (`/lti/launch/confirm`) and the player page in the frame (`/lti/play/<course>`).
//!
//! Binding the launch to the browser that started the login (what stops login CSRF): the login stores
//! the state server-side (single use, 10 minutes) and also sets a cookie named after it. When the launch
//! arrives with that cookie, it is bound. Inside an LMS frame third-party cookies are usually blocked, so
//! when the platform offered its postMessage storage (`lti_storage_target`) the login page also puts the
//! state there, and the launch answers a page that reads it back and only then confirms. With neither,
//! the launch is refused with a way to open Rampart in a new window, where cookies work.
//!
//! After the launch the learner's session is a launch-bound token (see [`super::Lti::launch_token`]) in
//! the player page's URL fragment, never sent to the server in a URL and never a cookie.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::{Path, Query, RawQuery, State};
use axum::http::header::{LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use lti::launch::{Launch, LaunchError, MessageType};
use lti::roles::RampartRole;
use serde::{Deserialize, Serialize};
use store::{LtiPlatform, NewGradeTarget, NewLtiLaunch, NewResourceLink, NewUser, Store, User};

use super::page::{Page, esc, js, refusal};
use super::{hash_hex, random_token};
use crate::AppState;

const STATE_TTL_SECS: i64 = 600;
/// Clock difference allowed on `exp` and `iat`.
const SKEW_SECS: u64 = 60;
/// How long a fetched platform key set is trusted before it is fetched again.
const JWKS_MAX_AGE_SECS: i64 = 3600;
/// The most of a platform's answer Rampart reads (key sets, configurations, registrations).
pub(super) const MAX_PLATFORM_ANSWER_BYTES: usize = 1024 * 1024;
/// How long a launch waiting for its platform-storage check stays valid.
const PENDING_TTL_SECS: i64 = 120;
const PENDING_PURPOSE: &str = "lti-pending-launch";
/// The parameters of an OIDC login initiation.
const LOGIN_PARAMS: [&str; 6] = [
    "iss",
    "login_hint",
    "target_link_uri",
    "lti_message_hint",
    "client_id",
    "lti_deployment_id",
];
/// The custom parameters that name the course a resource link launches.
pub const COURSE_PARAMS: [&str; 2] = ["rampart_course", "course"];

/// Form and query pairs of a request: the query, plus a form body when there is one.
fn request_params(query: Option<&str>, body: &[u8]) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = query
        .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default();
    pairs.extend(form_urlencoded::parse(body).into_owned());
    pairs
}

fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty())
}

/// The registered, active platforms of an issuer in the core's terms, with their store rows.
pub(super) async fn platforms_of(
    store: &Store,
    issuer: &str,
) -> Result<Vec<(LtiPlatform, lti::Platform)>, store::StoreError> {
    let mut out = Vec::new();
    for row in store.lti_platforms_by_issuer(issuer).await? {
        if row.status != "active" {
            continue;
        }
        let deployments = store.lti_deployments(row.id).await?;
        let core = core_platform(&row, deployments);
        out.push((row, core));
    }
    Ok(out)
}

pub(super) fn core_platform(row: &LtiPlatform, deployment_ids: Vec<String>) -> lti::Platform {
    lti::Platform {
        issuer: row.issuer.clone(),
        client_id: row.client_id.clone(),
        auth_endpoint: row.auth_endpoint.clone(),
        token_endpoint: row.token_endpoint.clone(),
        jwks_url: row.jwks_url.clone(),
        deployment_ids,
    }
}

/// Over https the cookie is `__Host-` prefixed: the browser then refuses it from any other host (a
/// content host of the same site, say) and without `Secure` and `Path=/`.
fn state_cookie_name(state: &str, secure: bool) -> String {
    let prefix = if secure { "__Host-" } else { "" };
    format!("{prefix}rampart_lti_{}", &hash_hex(state)[..16])
}

fn has_cookie(headers: &HeaderMap, name: &str) -> bool {
    crate::guard::cookie_value(headers, name) == Some("1")
}

/// A refusal logged for the admin (the reason names no token) and shown to the learner.
async fn refuse(
    state: &AppState,
    platform: Option<&LtiPlatform>,
    message_type: &str,
    status: StatusCode,
    reason: &str,
) -> Response {
    let source = platform.map(|p| format!("p{}", p.id));
    let launch = NewLtiLaunch {
        organisation_id: platform.map(|p| p.organisation_id),
        source: source.as_deref(),
        user_id: None,
        message_type,
        accepted: false,
        reason,
    };
    refused(state, &launch, status, "LTI").await
}

/// Logs and records a refused launch (1.3 or 1.1), and answers the learner's page.
pub(super) async fn refused(
    state: &AppState,
    launch: &NewLtiLaunch<'_>,
    status: StatusCode,
    version: &str,
) -> Response {
    tracing::warn!(
        source = launch.source,
        reason = launch.reason,
        "refused an {version} launch"
    );
    let now = state.clock.now();
    if let Err(error) = state.accounts.store().record_lti_launch(launch, now).await {
        tracing::error!(%error, "could not record a refused LTI launch");
    }
    refusal(
        status,
        "This course could not be opened",
        "Your learning system asked Rampart to open a course, but the request could not be checked, so \
         Rampart did not open it. Try opening the activity again from your course page.",
        &format!("Rampart refused the {version} launch: {}.", launch.reason),
        state.lti.frame_ancestors(),
        None,
    )
}

/// The platform a state or confirmation names, when it is still active; else the refusal to answer.
async fn active_platform(state: &AppState, id: i64) -> Result<LtiPlatform, Response> {
    match state.accounts.store().lti_platform(id).await {
        Ok(platform) if platform.status == "active" => Ok(platform),
        Ok(platform) => Err(refuse(
            state,
            Some(&platform),
            "launch",
            StatusCode::FORBIDDEN,
            "the platform registration is not active; an admin must approve it in Rampart",
        )
        .await),
        Err(error) => {
            tracing::error!(%error, "could not read an LTI platform");
            Err(unavailable(state))
        }
    }
}

// ----- login initiation -----

/// `GET|POST /lti/login`: checks the platform and deployment, stores a single-use state with its nonce,
/// and sends the browser to the platform's authorisation endpoint.
pub async fn login(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    let params = request_params(query.as_deref(), &body);
    let store = state.accounts.store();
    let initiation = lti::oidc::LoginInitiation {
        iss: param(&params, "iss").map(str::to_owned),
        login_hint: param(&params, "login_hint").map(str::to_owned),
        target_link_uri: param(&params, "target_link_uri").map(str::to_owned),
        lti_message_hint: param(&params, "lti_message_hint").map(str::to_owned),
        client_id: param(&params, "client_id").map(str::to_owned),
        lti_deployment_id: param(&params, "lti_deployment_id").map(str::to_owned),
    };
    let rows = match platforms_of(store, initiation.iss.as_deref().unwrap_or("")).await {
        Ok(rows) => rows,
        Err(error) => {
            tracing::error!(%error, "could not read LTI platforms");
            return unavailable(&state);
        }
    };
    let cores: Vec<lti::Platform> = rows.iter().map(|(_, core)| core.clone()).collect();
    let urls = state.lti.urls();
    let tool_url = url::Url::parse(&urls.launch).expect("the public URL parses");
    let valid = match lti::oidc::validate_login(&initiation, &cores, &tool_url) {
        Ok(valid) => valid,
        Err(error) => {
            let row = rows.first().map(|(row, _)| row);
            let reason = match error {
                lti::oidc::LoginError::UnknownIssuer | lti::oidc::LoginError::UnknownClientId
                    if waits_for_approval(
                        store,
                        initiation.iss.as_deref(),
                        initiation.client_id.as_deref(),
                    )
                    .await =>
                {
                    "the platform is registered but waits for an admin's approval in Rampart (Admin › LMS)"
                        .to_owned()
                }
                other => other.to_string(),
            };
            return refuse(&state, row, "login", StatusCode::BAD_REQUEST, &reason).await;
        }
    };
    let row = rows
        .iter()
        .find(|(_, core)| core == valid.platform)
        .map(|(row, _)| row.clone())
        .expect("the valid platform is one of the rows");

    let login_state = random_token(32);
    let nonce = random_token(24);
    let storage_target = param(&params, "lti_storage_target").map(str::to_owned);
    // Kept to start again in a new window: only the initiation's own parameters, each bounded.
    let kept_params: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(
            params
                .iter()
                .filter(|(k, _)| LOGIN_PARAMS.contains(&k.as_str()))
                .filter(|(_, v)| v.len() <= 2048)
                .map(|(k, v)| (k.as_str(), v.as_str())),
        )
        .finish();
    let now = state.clock.now();
    let stored = store::LoginState {
        platform_id: row.id,
        nonce: nonce.clone(),
        target_link_uri: valid.target_link_uri.clone(),
        storage_target: storage_target.clone(),
        login_params: kept_params,
        expires_at: now + STATE_TTL_SECS,
    };
    if let Err(error) = store
        .insert_login_state(&hash_hex(&login_state), &stored)
        .await
    {
        tracing::error!(%error, "could not store an LTI login state");
        return unavailable(&state);
    }
    let auth_url = match lti::oidc::auth_request_url(&valid, &urls.launch, &login_state, &nonce) {
        Ok(url) => url,
        Err(error) => {
            return refuse(
                &state,
                Some(&row),
                "login",
                StatusCode::BAD_REQUEST,
                &error.to_string(),
            )
            .await;
        }
    };
    let cookie = state_cookie(&state, &login_state);
    let mut response = match storage_target {
        Some(target) => storage_page(&state, &row, &login_state, &target, auth_url.as_str()),
        None => {
            let mut response = StatusCode::FOUND.into_response();
            if let Ok(value) = HeaderValue::from_str(auth_url.as_str()) {
                response.headers_mut().insert(LOCATION, value);
            }
            response
        }
    };
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(SET_COOKIE, value);
    }
    response
}

/// Whether the issuer (and client, when named) has a registration an admin has not approved yet.
async fn waits_for_approval(store: &Store, issuer: Option<&str>, client_id: Option<&str>) -> bool {
    let Some(issuer) = issuer else { return false };
    store
        .lti_platforms_by_issuer(issuer)
        .await
        .is_ok_and(|rows| {
            rows.iter().any(|p| {
                p.status == "pending" && client_id.is_none_or(|c| c.is_empty() || c == p.client_id)
            })
        })
}

/// The cookie that binds a state to this browser when cookies work. Over https it is `SameSite=None;
/// Secure` (the launch is a cross-site POST); over plain http browsers refuse that, so it is `Lax` and
/// binds only non-browser clients, and browsers use platform storage.
fn state_cookie(state: &AppState, login_state: &str) -> String {
    let name = state_cookie_name(login_state, state.cookies.secure);
    let attributes = if state.cookies.secure {
        "SameSite=None; Secure"
    } else {
        "SameSite=Lax"
    };
    format!("{name}=1; Path=/; HttpOnly; Max-Age={STATE_TTL_SECS}; {attributes}")
}

/// The login page used with platform storage: puts the state in the platform's storage, then goes on
/// to the authorisation endpoint.
fn storage_page(
    state: &AppState,
    platform: &LtiPlatform,
    login_state: &str,
    target: &str,
    auth_url: &str,
) -> Response {
    let platform_origin = super::web_origin(&platform.auth_endpoint);
    let mut page = Page::new("Opening your course", state.lti.frame_ancestors());
    page.body = format!(
        "<h1>Opening your course</h1><p id=\"lti-status\" role=\"status\">Connecting to your learning system…</p>\
         <noscript><p>Rampart needs JavaScript to open inside your learning system.</p></noscript>\
         <script nonce=\"{nonce}\">{script}</script>",
        nonce = page.nonce,
        script = storage_put_script(target, &platform_origin, login_state, auth_url),
    );
    page.into_response()
}

fn storage_put_script(
    target: &str,
    platform_origin: &str,
    login_state: &str,
    auth_url: &str,
) -> String {
    format!(
        "(function(){{'use strict';\
         var target={target},origin={origin},state={state},next={next};\
         var frame=target==='_parent'?window.parent:(window.parent.frames[target]||window.parent);\
         var id='put-'+Math.random().toString(36).slice(2);\
         var done=false;\
         function go(){{if(done)return;done=true;window.location.replace(next);}}\
         window.addEventListener('message',function(e){{\
           if(e.origin!==origin||!e.data||e.data.message_id!==id)return;\
           if(e.data.subject==='lti.put_data.response')go();}});\
         frame.postMessage({{subject:'lti.put_data',message_id:id,key:'state_'+state,value:state}},origin);\
         setTimeout(go,3000);}})();",
        target = js(target),
        origin = js(platform_origin),
        state = js(login_state),
        next = js(auth_url),
    )
}

fn unavailable(state: &AppState) -> Response {
    refusal(
        StatusCode::SERVICE_UNAVAILABLE,
        "Rampart is not available right now",
        "Rampart could not reach its database. Wait a minute, then open the activity again.",
        "Rampart's database did not answer during an LTI launch; check the Rampart server's health.",
        state.lti.frame_ancestors(),
        None,
    )
}

// ----- the launch -----

/// `POST /lti/launch`: a form post of `id_token` and `state` from the platform.
pub async fn launch(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let params = request_params(None, &body);
    let (Some(id_token), Some(login_state)) = (param(&params, "id_token"), param(&params, "state"))
    else {
        return refuse(
            &state,
            None,
            "launch",
            StatusCode::BAD_REQUEST,
            "the launch has no id_token or no state; the LMS must post both",
        )
        .await;
    };
    let store = state.accounts.store();
    let now = state.clock.now();
    let taken = match store.take_login_state(&hash_hex(login_state), now).await {
        Ok(taken) => taken,
        Err(error) => {
            tracing::error!(%error, "could not read an LTI login state");
            return unavailable(&state);
        }
    };
    let Some(login) = taken else {
        return refuse(
            &state,
            None,
            "launch",
            StatusCode::BAD_REQUEST,
            "the launch's state is unknown, already used or expired (a launch can be used once, within 10 \
             minutes of its login)",
        )
        .await;
    };
    let platform = match active_platform(&state, login.platform_id).await {
        Ok(platform) => platform,
        Err(response) => return response,
    };
    let verified = match verify(&state, &platform, id_token, now).await {
        Ok(launch) => launch,
        Err(reason) => {
            return refuse(
                &state,
                Some(&platform),
                "launch",
                StatusCode::UNAUTHORIZED,
                &reason,
            )
            .await;
        }
    };
    if verified.nonce != login.nonce {
        return refuse(
            &state,
            Some(&platform),
            "launch",
            StatusCode::UNAUTHORIZED,
            "the id_token's nonce is not the one Rampart sent for this login (a replayed launch)",
        )
        .await;
    }
    match store
        .use_nonce(
            &format!("iss:{}", platform.issuer),
            &verified.nonce,
            now + 2 * 3600,
        )
        .await
    {
        Ok(true) => {}
        Ok(false) => {
            return refuse(
                &state,
                Some(&platform),
                "launch",
                StatusCode::UNAUTHORIZED,
                "the id_token's nonce was used before (a replayed launch)",
            )
            .await;
        }
        Err(error) => {
            tracing::error!(%error, "could not record an LTI nonce");
            return unavailable(&state);
        }
    }
    if has_cookie(
        &headers,
        &state_cookie_name(login_state, state.cookies.secure),
    ) {
        return complete(&state, &platform, verified).await;
    }
    match &login.storage_target {
        Some(target) => bind_check_page(&state, &platform, login_state, target, &verified),
        None => {
            let again = format!("{}?{}", state.lti.urls().login, login.login_params);
            let _ = record_refusal(
                &state,
                &platform,
                "the browser could not be bound to the launch: it sent no cookie and the platform offered no \
                 postMessage storage; the learner was offered a new window",
            )
            .await;
            refusal(
                StatusCode::UNAUTHORIZED,
                "Open this course in a new window",
                "Your browser blocks what Rampart needs to open inside your learning system's page. Open the \
                 course in a new window instead.",
                "The launch arrived without the browser's Rampart cookie and the LMS offered no LTI \
                 platform storage. Enable LTI client-side storage in the LMS, or set the tool to open in a \
                 new window.",
                state.lti.frame_ancestors(),
                Some((&again, "Open the course in a new window")),
            )
        }
    }
}

async fn record_refusal(
    state: &AppState,
    platform: &LtiPlatform,
    reason: &str,
) -> Result<(), store::StoreError> {
    let source = format!("p{}", platform.id);
    state
        .accounts
        .store()
        .record_lti_launch(
            &NewLtiLaunch {
                organisation_id: Some(platform.organisation_id),
                source: Some(&source),
                user_id: None,
                message_type: "launch",
                accepted: false,
                reason,
            },
            state.clock.now(),
        )
        .await
}

/// Verifies the id_token with the platform's key set, fetching it when it is not cached and once more
/// when the token names a key the cached set lacks (the platform rotated its keys).
pub(super) async fn verify(
    state: &AppState,
    platform: &LtiPlatform,
    id_token: &str,
    now: i64,
) -> Result<Launch, String> {
    let store = state.accounts.store();
    let deployments = store
        .lti_deployments(platform.id)
        .await
        .map_err(|e| format!("storage: {e}"))?;
    let core = core_platform(platform, deployments);
    let now_u = u64::try_from(now).unwrap_or(0);
    // A cached key set is used for an hour: a key the platform withdrew (after a compromise, say)
    // stops verifying within that time even if nobody presents a new `kid`.
    let fresh_enough = platform
        .jwks_fetched_at
        .is_some_and(|at| now - at < JWKS_MAX_AGE_SECS);
    let cached = platform
        .jwks_json
        .as_deref()
        .filter(|_| fresh_enough)
        .and_then(|json| serde_json::from_str::<lti::JwkSet>(json).ok());
    let (jwks, fresh) = match cached {
        Some(jwks) => (jwks, false),
        None => (fetch_jwks(state, platform).await?, true),
    };
    match lti::launch::verify_launch(id_token, &core, &jwks, now_u, SKEW_SECS) {
        Err(LaunchError::UnknownKid(_)) if !fresh => {
            let jwks = fetch_jwks(state, platform).await?;
            lti::launch::verify_launch(id_token, &core, &jwks, now_u, SKEW_SECS)
                .map_err(|e| e.to_string())
        }
        other => other.map_err(|e| e.to_string()),
    }
}

async fn fetch_jwks(state: &AppState, platform: &LtiPlatform) -> Result<lti::JwkSet, String> {
    let fail = |what: String| {
        format!(
            "the platform's key set could not be fetched from its JWKS URL ({what}); check the JWKS URL in \
             the platform registration"
        )
    };
    let response = state
        .lti
        .http
        .get(&platform.jwks_url)
        .header("accept", "application/json")
        .send()
        .await
        .map_err(|e| fail(e.without_url().to_string()))?;
    if !response.status().is_success() {
        return Err(fail(format!("HTTP {}", response.status().as_u16())));
    }
    let text = super::read_limited(response, MAX_PLATFORM_ANSWER_BYTES)
        .await
        .map_err(fail)?;
    let jwks: lti::JwkSet =
        serde_json::from_str(&text).map_err(|_| fail("not a JSON key set".to_owned()))?;
    if let Err(error) = state
        .accounts
        .store()
        .store_lti_platform_jwks(platform.id, &text, state.clock.now())
        .await
    {
        tracing::warn!(%error, "could not cache a platform key set");
    }
    Ok(jwks)
}

/// A verified launch waiting for the browser to prove it holds the state in platform storage.
#[derive(Serialize, Deserialize)]
struct Pending {
    platform_id: i64,
    state_hash: String,
    expires_at: i64,
    launch: Launch,
}

fn seal_pending(state: &AppState, pending: &Pending) -> String {
    super::seal_json(state.lti.secret(), PENDING_PURPOSE, pending)
}

fn open_pending(state: &AppState, sealed: &str) -> Option<Pending> {
    let pending: Pending = super::open_json(state.lti.secret(), PENDING_PURPOSE, sealed)?;
    (pending.expires_at > state.clock.now()).then_some(pending)
}

/// Answers a verified launch that came without the state cookie: a page that reads the state back from
/// platform storage and, when it matches, confirms.
fn bind_check_page(
    state: &AppState,
    platform: &LtiPlatform,
    login_state: &str,
    target: &str,
    launch: &Launch,
) -> Response {
    let pending = Pending {
        platform_id: platform.id,
        state_hash: hash_hex(login_state),
        expires_at: state.clock.now() + PENDING_TTL_SECS,
        launch: launch.clone(),
    };
    let sealed = seal_pending(state, &pending);
    let platform_origin = super::web_origin(&platform.auth_endpoint);
    let mut page = Page::new("Opening your course", state.lti.frame_ancestors());
    page.body = format!(
        "<h1>Opening your course</h1><p id=\"lti-status\" role=\"status\">Checking with your learning system…</p>\
         <form id=\"lti-confirm\" method=\"post\" action=\"/lti/launch/confirm\">\
         <input type=\"hidden\" name=\"pending\" value=\"{sealed}\"><input type=\"hidden\" name=\"state\" value=\"\"></form>\
         <noscript><p>Rampart needs JavaScript to open inside your learning system.</p></noscript>\
         <script nonce=\"{nonce}\">{script}</script>",
        sealed = esc(&sealed),
        nonce = page.nonce,
        script = storage_get_script(target, &platform_origin, login_state),
    );
    page.into_response()
}

/// Reads the state back from platform storage and confirms the launch with it.
fn storage_get_script(target: &str, platform_origin: &str, login_state: &str) -> String {
    format!(
        "(function(){{'use strict';\
             var target={target},origin={origin};\
             var frame=target==='_parent'?window.parent:(window.parent.frames[target]||window.parent);\
             var id='get-'+Math.random().toString(36).slice(2);\
             var key='state_'+{hash_hint};\
             window.addEventListener('message',function(e){{\
               if(e.origin!==origin||!e.data||e.data.message_id!==id||e.data.subject!=='lti.get_data.response')return;\
               if(typeof e.data.value!=='string'||!e.data.value){{document.getElementById('lti-status').textContent='Your learning system did not confirm this launch. Open the activity again.';return;}}\
               var form=document.getElementById('lti-confirm');form.elements.state.value=e.data.value;form.submit();}});\
             frame.postMessage({{subject:'lti.get_data',message_id:id,key:key}},origin);}})();",
        target = js(target),
        origin = js(platform_origin),
        hash_hint = js(login_state),
    )
}

/// `POST /lti/launch/confirm`: the state read back from platform storage, with the sealed verified
/// launch. Single use.
pub async fn confirm(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    if !super::from_our_page(&state, &headers) {
        return refuse(
            &state,
            None,
            "launch",
            StatusCode::FORBIDDEN,
            "a launch confirmation came from another website's page",
        )
        .await;
    }
    let params = request_params(None, &body);
    let pending = param(&params, "pending").and_then(|sealed| open_pending(&state, sealed));
    let login_state = param(&params, "state").unwrap_or("");
    let Some(pending) = pending.filter(|p| p.state_hash == hash_hex(login_state)) else {
        return refuse(
            &state,
            None,
            "launch",
            StatusCode::UNAUTHORIZED,
            "the launch could not be confirmed through the platform's storage (expired, or the state did \
             not match)",
        )
        .await;
    };
    let store = state.accounts.store();
    let platform = match active_platform(&state, pending.platform_id).await {
        Ok(platform) => platform,
        Err(response) => return response,
    };
    match store
        .use_nonce(
            "confirm",
            &pending.state_hash,
            state.clock.now() + PENDING_TTL_SECS,
        )
        .await
    {
        Ok(true) => complete(&state, &platform, pending.launch).await,
        Ok(false) => {
            refuse(
                &state,
                Some(&platform),
                "launch",
                StatusCode::UNAUTHORIZED,
                "this launch was already confirmed once",
            )
            .await
        }
        Err(error) => {
            tracing::error!(%error, "could not record a confirmation");
            unavailable(&state)
        }
    }
}

// ----- after a verified, bound launch -----

/// The person a launch names, provisioned just in time: found by (issuer, subject), else created in
/// the platform's organisation with the name and email only if the platform sent them.
pub(super) async fn provision(
    store: &Store,
    issuer: &str,
    subject: &str,
    organisation_id: i64,
    person: &Person<'_>,
    now: i64,
) -> Result<User, store::StoreError> {
    let roles: Vec<String> = match person.role {
        RampartRole::Administrator => vec!["learner".into(), "org_admin".into()],
        _ => vec!["learner".into()],
    };
    if let Some(user_id) = store.lti_identity(issuer, subject).await? {
        store
            .refresh_lti_user(user_id, person.display_name().as_deref(), &roles)
            .await?;
        return store.user(user_id).await;
    }
    let email = match person.email.map(|e| e.trim().to_ascii_lowercase()) {
        Some(email) if email.contains('@') && !store.email_in_use(&email).await? => email,
        // No address, or one already in use: a placeholder that can receive nothing. Rampart never
        // links an LMS identity to an existing account by email (an LMS could claim anyone's address).
        _ => format!(
            "lti-{}@lti.invalid",
            &hash_hex(&format!("{issuer}\n{subject}"))[..20]
        ),
    };
    let display_name = person
        .display_name()
        .unwrap_or_else(|| "LMS learner".to_owned());
    let new = NewUser {
        organisation_id: Some(organisation_id),
        email,
        display_name,
        password_hash: None,
        roles,
    };
    store.provision_lti_user(issuer, subject, &new, now).await
}

/// Whose people a platform's `sub`s name: the issuer *within the platform's organisation*. An issuer
/// alone is not enough: an admin of another organisation could register the same issuer with a key of
/// their own and would then launch as (and change) this organisation's people.
pub(super) fn identity_scope(platform: &LtiPlatform) -> String {
    format!("o{}:{}", platform.organisation_id, platform.issuer)
}

/// What a launch says about the person.
pub(super) struct Person<'a> {
    pub name: Option<&'a str>,
    pub given_name: Option<&'a str>,
    pub family_name: Option<&'a str>,
    pub email: Option<&'a str>,
    pub role: RampartRole,
}

impl<'a> Person<'a> {
    pub(super) fn of(launch: &'a Launch) -> Person<'a> {
        Person {
            name: launch.name.as_deref(),
            given_name: launch.given_name.as_deref(),
            family_name: launch.family_name.as_deref(),
            email: launch.email.as_deref(),
            role: launch.rampart_role,
        }
    }

    fn display_name(&self) -> Option<String> {
        let name = self.name.map(str::trim).filter(|n| !n.is_empty());
        if let Some(name) = name {
            return Some(name.chars().take(200).collect());
        }
        let joined = [self.given_name, self.family_name]
            .into_iter()
            .flatten()
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        (!joined.is_empty()).then(|| joined.chars().take(200).collect())
    }
}

/// The course a custom parameter names: a package id, or a course identifier or title, among the
/// organisation's courses.
pub(super) async fn course_from_custom(
    store: &Store,
    organisation_id: i64,
    custom: &BTreeMap<String, String>,
) -> Result<Option<i64>, store::StoreError> {
    let Some(wanted) = COURSE_PARAMS
        .iter()
        .find_map(|name| custom.get(*name))
        .map(|v| v.trim())
    else {
        return Ok(None);
    };
    let packages = store.list_packages(Some(organisation_id)).await?;
    Ok(packages
        .iter()
        .find(|p| {
            p.id.to_string() == wanted
                || p.identifier.eq_ignore_ascii_case(wanted)
                || p.title.eq_ignore_ascii_case(wanted)
        })
        .map(|p| p.id))
}

/// The launch's resource link, stored or refreshed, bound to the course its custom parameter names
/// when it is not bound yet.
pub(super) async fn link_with_course(
    store: &Store,
    link: &NewResourceLink<'_>,
    custom: &BTreeMap<String, String>,
    now: i64,
) -> Result<store::LtiResourceLink, store::StoreError> {
    let mut stored = store.upsert_resource_link(link, now).await?;
    if stored.package_id.is_none()
        && let Some(package_id) = course_from_custom(store, link.organisation_id, custom).await?
    {
        store.bind_resource_link(stored.id, package_id).await?;
        stored.package_id = Some(package_id);
    }
    Ok(stored)
}

/// What a learner sees when the link they opened is bound to no course yet.
pub(super) fn not_set_up(state: &AppState, how_to_bind: &str) -> Response {
    refusal(
        StatusCode::CONFLICT,
        "This activity is not set up yet",
        "This link in your learning system does not point to a Rampart course yet.",
        &format!("The resource link is not bound to a Rampart course. {how_to_bind}"),
        state.lti.frame_ancestors(),
        None,
    )
}

/// A verified, bound launch: provision the person and send them on.
async fn complete(state: &AppState, platform: &LtiPlatform, launch: Launch) -> Response {
    match launch.message_type {
        MessageType::LtiDeepLinkingRequest => {
            super::deep_link::picker(state, platform, launch).await
        }
        MessageType::LtiResourceLinkRequest => {
            match resource_link(state, platform, &launch).await {
                Ok(response) => response,
                Err(error) => {
                    tracing::error!(%error, "an LTI launch failed on our side");
                    unavailable(state)
                }
            }
        }
    }
}

async fn resource_link(
    state: &AppState,
    platform: &LtiPlatform,
    launch: &Launch,
) -> Result<Response, store::StoreError> {
    let store = state.accounts.store();
    let now = state.clock.now();
    let source = format!("p{}", platform.id);
    let Some(subject) = launch.sub.as_deref() else {
        return Ok(refuse(
            state,
            Some(platform),
            "LtiResourceLinkRequest",
            StatusCode::BAD_REQUEST,
            "the launch names no user (sub); Rampart needs one to keep the learner's progress",
        )
        .await);
    };
    let Some(link) = &launch.resource_link else {
        return Ok(refuse(
            state,
            Some(platform),
            "LtiResourceLinkRequest",
            StatusCode::BAD_REQUEST,
            "the launch has no resource link claim",
        )
        .await);
    };
    // Which course first: a launch that cannot open one is refused before anything is created.
    let bound = match store.resource_link(&source, &link.id).await? {
        Some(existing) if existing.package_id.is_some() => existing.package_id,
        _ => course_from_custom(store, platform.organisation_id, &launch.custom).await?,
    };
    if bound.is_none() {
        store
            .record_lti_launch(
                &NewLtiLaunch {
                    organisation_id: Some(platform.organisation_id),
                    source: Some(&source),
                    user_id: None,
                    message_type: "LtiResourceLinkRequest",
                    accepted: false,
                    reason: "the resource link is not bound to a course yet",
                },
                now,
            )
            .await?;
        return Ok(not_set_up(
            state,
            "Add it with deep linking (\"Select content\" in the LMS), or set the custom parameter \
             rampart_course to the course's id.",
        ));
    }
    let user = provision(
        store,
        &identity_scope(platform),
        subject,
        platform.organisation_id,
        &Person::of(launch),
        now,
    )
    .await?;
    let lineitem = launch.ags.as_ref().and_then(|ags| ags.lineitem.as_deref());
    let stored_link = link_with_course(
        store,
        &NewResourceLink {
            source: &source,
            organisation_id: platform.organisation_id,
            resource_link_id: &link.id,
            context_id: launch.context.as_ref().map(|c| c.id.as_str()),
            title: link.title.as_deref(),
            lineitem_url: lineitem,
        },
        &launch.custom,
        now,
    )
    .await?;
    let package_id = stored_link.package_id.or(bound).expect("bound above");
    let record = |accepted: bool, reason: &'static str| NewLtiLaunch {
        organisation_id: Some(platform.organisation_id),
        source: Some(&source),
        user_id: Some(user.id),
        message_type: "LtiResourceLinkRequest",
        accepted,
        reason,
    };
    // The line item: the one the platform coupled with the link (deep linking made it), else the one
    // Rampart made for the link before, else one made now in the context's line items.
    let mut lineitem = lineitem
        .map(str::to_owned)
        .or(stored_link.lineitem_url.clone());
    if lineitem.is_none()
        && let Some(ags) = &launch.ags
        && let Some(container) = &ags.lineitems
        && ags.scope.iter().any(|s| s == lti::claims::SCOPE_LINEITEM)
    {
        let title = link
            .title
            .clone()
            .unwrap_or_else(|| "Rampart course".to_owned());
        match super::grades::ensure_line_item(
            state, platform, container, &link.id, package_id, &title,
        )
        .await
        {
            Ok(url) => {
                store
                    .upsert_resource_link(
                        &NewResourceLink {
                            source: &source,
                            organisation_id: platform.organisation_id,
                            resource_link_id: &link.id,
                            context_id: None,
                            title: None,
                            lineitem_url: Some(&url),
                        },
                        now,
                    )
                    .await?;
                lineitem = Some(url);
            }
            Err(error) => {
                tracing::warn!(platform = platform.id, %error, "could not find or make the line item");
            }
        }
    }
    if let (Some(ags), Some(lineitem)) = (&launch.ags, lineitem.as_deref())
        && ags.scope.iter().any(|s| s == lti::claims::SCOPE_SCORE)
    {
        store
            .upsert_grade_target(
                &NewGradeTarget {
                    resource_link_id: stored_link.id,
                    user_id: user.id,
                    package_id,
                    kind: "ags",
                    service_url: lineitem,
                    subject,
                },
                now,
            )
            .await?;
    }
    store.record_lti_launch(&record(true, ""), now).await?;
    if let (Some(nrps), Some(context)) = (&launch.nrps, &launch.context) {
        super::roster::refresh_in_background(
            state.clone(),
            platform.clone(),
            context.id.clone(),
            nrps.context_memberships_url.clone(),
        );
    }
    let token = state.lti.launch_token(user.id, package_id);
    if launch.rampart_role >= RampartRole::Instructor {
        return Ok(super::roster::instructor_page(
            state,
            platform,
            &stored_link,
            package_id,
            &token,
        )
        .await);
    }
    Ok(play_redirect(package_id, &token))
}

/// 303 to the player, the token in the fragment (never sent to a server, never logged).
pub(super) fn play_redirect(package_id: i64, token: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    let location = format!("/lti/play/{package_id}#{token}");
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(LOCATION, value);
    }
    response
}

#[derive(Deserialize)]
pub struct PlayQuery {
    item: Option<String>,
}

/// `GET /lti/play/<course>`: the course player inside the LMS frame. The page holds nothing personal:
/// the launch-bound token arrives in the fragment and the player script sends it with its API calls.
pub async fn play(
    State(state): State<AppState>,
    Path(package_id): Path<i64>,
    Query(query): Query<PlayQuery>,
) -> Response {
    // The page is public and names nothing: the course's title arrives with the launch (which needs
    // the token) and the player script shows it.
    let title = "Your course";
    let mut page = Page::new(title, state.lti.frame_ancestors());
    page.frame_src = format!("'self' {}", super::web_origin(&state.content_url));
    page.body = format!(
        "<div class=\"player player-lti\" id=\"player\" data-package=\"{package_id}\" data-item=\"{item}\" \
         data-lti=\"1\" data-item-base=\"/lti/play/{package_id}\">\
         <h1 id=\"player-title\">{title}</h1>\
         <section class=\"player-stage\" aria-labelledby=\"player-title\">\
         <p id=\"player-status\" class=\"player-status\" role=\"status\" aria-live=\"polite\">Opening the activity…</p>\
         <div class=\"player-frame-wrap\"><iframe id=\"player-frame\" title=\"{title}\"></iframe></div>\
         <noscript><p>The course player needs JavaScript switched on.</p></noscript>\
         </section></div><script src=\"/assets/player.js\" defer></script>",
        item = esc(query.item.as_deref().unwrap_or("")),
        title = esc(title),
    );
    page.into_response()
}
