//! The content origin: a second listener that serves course files and nothing else. It never reads or
//! sets cookies and has no route into the engine, so SCO JavaScript running here cannot reach the
//! engine's pages, cookies or API except through the player's `postMessage` bridge. Access is granted
//! by a signed, expiring token in the path (see `content_token`).

use axum::Router;
use axum::extract::{Path, Request, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, X_CONTENT_TYPE_OPTIONS};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tower::ServiceExt;
use tower_http::services::ServeFile;
use tower_http::set_header::SetResponseHeaderLayer;

use crate::AppState;

/// Serves package files under `/content/<token>/<version>/<path>`, and the SCO launcher under
/// `/__rampart/`. Pages may only be framed by the engine origin's player (and, for SCOs, the launcher).
pub fn content_router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/content/{token}/{version}/{*path}", get(serve_file))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            content_frame_policy,
        ))
        .merge(crate::launcher::routes(&state))
        .layer(SetResponseHeaderLayer::overriding(
            X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .with_state(state)
}

/// SCOs run framed by the launcher (this origin), which the engine's player frames in turn, which an
/// LMS may frame (LTI): each of them must be allowed.
async fn content_frame_policy(
    State(state): State<AppState>,
    request: Request,
    next: axum::middleware::Next,
) -> Response {
    let mut response = next.run(request).await;
    let policy = format!(
        "frame-ancestors {}",
        state.lti.content_frame_ancestors(&state.public_origin)
    );
    if let Ok(value) = HeaderValue::from_str(&policy) {
        response
            .headers_mut()
            .insert(CONTENT_SECURITY_POLICY, value);
    }
    response
}

async fn serve_file(
    State(state): State<AppState>,
    Path((token, version, path)): Path<(String, i64, String)>,
    request: Request,
) -> Response {
    if let Err(error) = state.content_tokens.verify(&token, version) {
        return (StatusCode::FORBIDDEN, error.to_string()).into_response();
    }
    let file = match state.accounts.store().package_file(version, &path).await {
        Ok(file) => file,
        Err(store::StoreError::NotFound) => {
            return (
                StatusCode::NOT_FOUND,
                format!("{path} is not part of this package"),
            )
                .into_response();
        }
        Err(error) => {
            tracing::error!(%error, "content lookup failed");
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                "Course content is unavailable; try again shortly.",
            )
                .into_response();
        }
    };
    let mime = mime_guess::from_path(&path).first_or_octet_stream();
    let service = ServeFile::new_with_mime(state.blobs.path(&file.sha256), &mime);
    match service.oneshot(request).await {
        Ok(response) => {
            let mut response = response.into_response();
            // Tokens expire, so shared caches must not keep what they authorise.
            response.headers_mut().insert(
                CACHE_CONTROL,
                HeaderValue::from_static("private, max-age=3600"),
            );
            response
        }
        Err(error) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("could not read the file: {error}"),
        )
            .into_response(),
    }
}
