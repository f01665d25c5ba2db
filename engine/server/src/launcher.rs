//! The SCO launcher on the content origin: a small page that holds the SCORM API (`window.API` for 1.2,
//! `window.API_1484_11` for 2004) backed by the run-time compiled to wasm, and frames the SCO from the
//! same origin so the standard search of parent windows finds it synchronously.
//!
//! The launcher holds no engine credential. It talks only to the engine origin's player page, by
//! `postMessage` with exact origins both ways: it receives the launch (data model, context, data, SCO
//! URL) and sends the journal of accepted calls; the player stores them through `/api/runtime/commit`.

use axum::Router;
use axum::extract::State;
use axum::http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::AppState;

const PAGE: &str = include_str!("../assets/launcher.html");
const SCRIPT: &str = include_str!("../assets/launcher.js");
const STYLE: &str = include_str!("../assets/launcher.css");

pub fn routes(state: &AppState) -> Router<AppState> {
    let page = PAGE.replace("{ENGINE_ORIGIN}", &html_attribute(&state.public_origin));
    Router::new()
        .route(
            "/__rampart/launch.html",
            get(move |State(state): State<AppState>| async move {
                let policy = format!(
                    "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'; \
                     frame-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors {}; \
                     base-uri 'none'; form-action 'none'",
                    state.lti.content_frame_ancestors(&state.public_origin)
                );
                (
                    [
                        (CONTENT_TYPE, "text/html; charset=utf-8".to_owned()),
                        (CACHE_CONTROL, "no-cache".to_owned()),
                        (CONTENT_SECURITY_POLICY, policy),
                        (
                            axum::http::header::REFERRER_POLICY,
                            "no-referrer".to_owned(),
                        ),
                    ],
                    page,
                )
            }),
        )
        .route(
            "/__rampart/launch.js",
            get(|| async { asset("text/javascript; charset=utf-8", SCRIPT) }),
        )
        .route(
            "/__rampart/launch.css",
            get(|| async { asset("text/css; charset=utf-8", STYLE) }),
        )
        .route("/__rampart/runtime.js", get(runtime_file))
        .route("/__rampart/runtime_bg.wasm", get(runtime_file))
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (CONTENT_TYPE, content_type),
            (CACHE_CONTROL, "public, max-age=300"),
        ],
        body,
    )
        .into_response()
}

/// The wasm run-time and its bindings, built by `cargo xtask build` into `<site_dir>/pkg`.
async fn runtime_file(State(state): State<AppState>, uri: axum::http::Uri) -> Response {
    let (name, content_type) = if uri.path().ends_with(".wasm") {
        ("runtime_bg.wasm", "application/wasm")
    } else {
        ("runtime.js", "text/javascript; charset=utf-8")
    };
    match tokio::fs::read(state.site_dir.join("pkg").join(name)).await {
        Ok(bytes) => (
            [
                (CONTENT_TYPE, HeaderValue::from_static(content_type)),
                (
                    CACHE_CONTROL,
                    HeaderValue::from_static("public, max-age=300"),
                ),
            ],
            bytes,
        )
            .into_response(),
        Err(_) => (
            StatusCode::NOT_FOUND,
            "The SCORM run-time is not built; run `cargo xtask build`.",
        )
            .into_response(),
    }
}

fn html_attribute(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
