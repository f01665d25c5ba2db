//! Request guards of the engine origin: who is asking (session cookie), whether they must sign in first,
//! and whether a state-changing request really came from one of our own forms (CSRF).

use std::net::SocketAddr;

use accounts::SessionToken;
use axum::body::{Body, to_bytes};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, COOKIE, ORIGIN, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use web::api::ssr::RequestAuth;

use crate::AppState;

/// The largest form body the CSRF check will read. Forms here are small; uploads will carry the token in
/// a header instead.
const MAX_FORM_BYTES: usize = 64 * 1024;

/// A session cookie was sent but no longer names a live session.
#[derive(Clone, Copy)]
struct SessionEnded;

pub(crate) fn cookie_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
        .filter(|value| !value.is_empty())
}

/// Resolves the session cookie to a user, makes sure a CSRF cookie exists, and records both in a
/// [`RequestAuth`] extension for the pages and server functions.
pub async fn authenticate(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    if request.uri().path().starts_with("/api/runtime/")
        && let Some(token) = bearer_launch_token(request.headers())
    {
        return authenticate_launch_token(state, token, request, next).await;
    }
    let headers = request.headers();
    let session =
        cookie_value(headers, state.cookies.session_name()).map(SessionToken::from_cookie);
    let existing_csrf_id = cookie_value(headers, state.cookies.csrf_name()).map(str::to_owned);
    let client_ip = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip().to_string());

    let user = match &session {
        Some(token) => match state.accounts.authenticate(token).await {
            Ok(user) => user,
            Err(error) => {
                tracing::error!(%error, "could not check the session");
                return (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "Rampart cannot reach its database. Try again shortly.",
                )
                    .into_response();
            }
        },
        None => None,
    };
    let session_ended = session.is_some() && user.is_none();
    let csrf_id = existing_csrf_id
        .clone()
        .unwrap_or_else(|| state.accounts.new_csrf_id());
    request.extensions_mut().insert(RequestAuth {
        user,
        session: session.filter(|_| !session_ended),
        csrf_token: state.accounts.csrf_token(&csrf_id),
        client_ip,
    });
    request.extensions_mut().insert(CsrfId(csrf_id.clone()));
    if session_ended {
        request.extensions_mut().insert(SessionEnded);
    }

    let mut response = next.run(request).await;
    if existing_csrf_id.is_none() {
        // Lives as long as a long working day; pages rendered before it expires still submit fine.
        let cookie = state
            .cookies
            .build(state.cookies.csrf_name(), csrf_id, 24 * 3600);
        append_cookie(&mut response, &cookie);
    }
    // A dead session cookie is cleared, unless this very response signs the person in again.
    let session_prefix = format!("{}=", state.cookies.session_name());
    let signs_in = response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .any(|v| v.as_bytes().starts_with(session_prefix.as_bytes()));
    if session_ended && !signs_in {
        let cleared = state
            .cookies
            .build(state.cookies.session_name(), String::new(), 0);
        append_cookie(&mut response, &cleared);
    }
    response
}

/// A launch-bound token (`Authorization: Bearer lt1.…`): the learner's session inside an LMS frame.
fn bearer_launch_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .filter(|token| token.starts_with("lt1."))
        .map(str::to_owned)
}

/// The run-time API called with a launch-bound token: the token's learner, for the token's course only
/// (the [`crate::lti::LaunchGrant`] extension), with no cookie read or set. A header credential cannot
/// be sent by another site's form, so such requests pass the CSRF layer.
async fn authenticate_launch_token(
    state: AppState,
    token: String,
    mut request: Request,
    next: Next,
) -> Response {
    let Some(grant) = state.lti.verify_launch_token(&token) else {
        return (
            StatusCode::UNAUTHORIZED,
            axum::Json(serde_json::json!({
                "error": "not-signed-in",
                "message": "This course window has expired. Open the activity again from your learning system.",
            })),
        )
            .into_response();
    };
    let user = match state.accounts.store().user(grant.user_id).await {
        Ok(user) if !user.disabled => user,
        Ok(_) | Err(store::StoreError::NotFound) => {
            return (StatusCode::UNAUTHORIZED, "This account cannot use Rampart.").into_response();
        }
        Err(error) => {
            tracing::error!(%error, "could not check a launch token's user");
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                "Rampart cannot reach its database. Try again shortly.",
            )
                .into_response();
        }
    };
    request.extensions_mut().insert(RequestAuth {
        user: Some(user),
        session: None,
        csrf_token: String::new(),
        client_ip: None,
    });
    request.extensions_mut().insert(grant);
    next.run(request).await
}

fn append_cookie(response: &mut Response, cookie: &str) {
    if let Ok(value) = HeaderValue::from_str(cookie) {
        response.headers_mut().append(SET_COOKIE, value);
    }
}

#[derive(Clone)]
struct CsrfId(String);

/// Paths that show a person's own data need a session: without one, the browser is sent to sign in and
/// brought back afterwards.
pub async fn require_sign_in(request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let protected = path == "/dashboard"
        || path.starts_with("/dashboard/")
        || path.starts_with("/admin")
        || path.starts_with("/learn/")
        || path.starts_with("/plugins/")
        || path == "/notifications";
    let signed_in = request
        .extensions()
        .get::<RequestAuth>()
        .is_some_and(|auth| auth.user.is_some());
    if protected && !signed_in {
        let ended = request.extensions().get::<SessionEnded>().is_some();
        let next_path = request
            .uri()
            .path_and_query()
            .map_or(path, |pq| pq.as_str());
        let mut target = format!("/sign-in?next={}", percent_encode(next_path));
        if ended {
            target.push_str("&expired=1");
        }
        return Redirect::to(&target).into_response();
    }
    next.run(request).await
}

fn percent_encode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// Refuses state-changing requests that did not come from a Rampart page: the `Origin` must be ours when
/// sent, and the request must carry the CSRF token bound to this browser's CSRF cookie, in the
/// `x-csrf-token` header, the `csrf_token` form field, or (multipart uploads only) the action URL.
pub async fn check_csrf(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    ) || request
        .extensions()
        .get::<crate::lti::LaunchGrant>()
        .is_some()
    {
        return next.run(request).await;
    }
    if let Some(origin) = request.headers().get(ORIGIN)
        && !is_our_origin(origin, &state)
    {
        tracing::warn!(origin = ?origin, path = request.uri().path(), "refused a cross-origin request");
        return refuse("This request came from another website, so Rampart refused it.");
    }
    let Some(CsrfId(csrf_id)) = request.extensions().get::<CsrfId>().cloned() else {
        return refuse("This form has expired. Go back, reload the page and try again.");
    };

    let header_token = request
        .headers()
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or_else(|| multipart_query_token(&request));
    let (request, token) = match header_token {
        Some(token) => (request, Some(token)),
        None => match take_form_token(request).await {
            Ok(pair) => pair,
            Err(response) => return response,
        },
    };
    match token {
        Some(token) if state.accounts.verify_csrf(&csrf_id, &token) => next.run(request).await,
        _ => {
            tracing::warn!(
                path = request.uri().path(),
                "refused a request without a valid CSRF token"
            );
            refuse(
                "This form has expired or did not come from Rampart. Go back, reload the page and try again.",
            )
        }
    }
}

/// File uploads without JavaScript cannot put the token in a header and the layer does not parse
/// multipart bodies, so for multipart posts it may ride in the form's action URL (`?csrf_token=`).
fn multipart_query_token(request: &Request) -> Option<String> {
    let multipart = request
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    if !multipart {
        return None;
    }
    let query = request.uri().query()?;
    form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "csrf_token")
        .map(|(_, v)| v.into_owned())
}

/// Compares normalised origins: `Origin` headers omit default ports, the configuration may not.
pub(crate) fn is_our_origin(origin: &HeaderValue, state: &AppState) -> bool {
    origin
        .to_str()
        .map(|o| crate::config::origin(o) == state.public_origin)
        .unwrap_or(false)
}

/// Reads a url-encoded body (bounded), finds `csrf_token`, and rebuilds the request with the same bytes.
async fn take_form_token(request: Request) -> Result<(Request, Option<String>), Response> {
    let is_form = request
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Ok((request, None));
    }
    let (parts, body) = request.into_parts();
    let bytes = match to_bytes(body, MAX_FORM_BYTES).await {
        Ok(bytes) => bytes,
        Err(_) => {
            return Err((
                StatusCode::PAYLOAD_TOO_LARGE,
                format!(
                    "This form is larger than {} KiB, which Rampart does not accept.",
                    MAX_FORM_BYTES / 1024
                ),
            )
                .into_response());
        }
    };
    let token = form_urlencoded::parse(&bytes)
        .find(|(key, _)| key == "csrf_token")
        .map(|(_, v)| v.into_owned());
    Ok((Request::from_parts(parts, Body::from(bytes)), token))
}

fn refuse(message: &'static str) -> Response {
    (StatusCode::FORBIDDEN, message).into_response()
}
