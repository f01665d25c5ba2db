//! The content origin: a second listener that serves course files and nothing else. It never reads or
//! sets cookies and has no route into the engine, so SCO JavaScript running here cannot reach the
//! engine's pages, cookies or API except through the player's `postMessage` bridge.

use std::path::Path;

use axum::Router;
use axum::http::HeaderValue;
use axum::http::header::{CONTENT_SECURITY_POLICY, X_CONTENT_TYPE_OPTIONS};
use axum::routing::get;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

/// Serves `content_dir` under `/content/`. Pages may only be framed by the engine origin's player.
pub fn content_router(content_dir: &Path, engine_origin: &str) -> Router {
    let frame_policy = HeaderValue::from_str(&format!("frame-ancestors {engine_origin}"))
        .unwrap_or_else(|_| HeaderValue::from_static("frame-ancestors 'none'"));
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .nest_service("/content", ServeDir::new(content_dir))
        .layer(SetResponseHeaderLayer::overriding(
            X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            CONTENT_SECURITY_POLICY,
            frame_policy,
        ))
}
