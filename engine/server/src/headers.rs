//! Security headers for every engine response. HTML pages get a nonce-based Content-Security-Policy from
//! the web shell; everything else gets the strict default below.

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::http::header::{
    CONTENT_SECURITY_POLICY, REFERRER_POLICY, STRICT_TRANSPORT_SECURITY, X_CONTENT_TYPE_OPTIONS,
    X_FRAME_OPTIONS,
};
use axum::middleware::Next;
use axum::response::Response;

/// For responses that are not pages (assets, API answers): nothing may run or be framed.
const DEFAULT_CSP: &str =
    "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

pub async fn engine_security_headers(request: Request, next: Next) -> Response {
    let https = request.uri().scheme_str() == Some("https");
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    // LTI pages are framed by LMSs; their own CSP `frame-ancestors` says by which.
    let frameable = headers.remove("x-rampart-frameable").is_some();
    if !frameable {
        headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    // Same-origin referrers are needed by no-JavaScript form posts, which return to the page they came from.
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    // A framed LTI page may need `window.opener` (an LMS's registration window); others are isolated.
    headers.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static(if frameable {
            "unsafe-none"
        } else {
            "same-origin"
        }),
    );
    headers.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(), geolocation=()"),
    );
    if https {
        headers.insert(
            STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    headers
        .entry(CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static(DEFAULT_CSP));
    response
}
