//! The few pages LTI shows inside an LMS frame, outside the Leptos app (they must work with no session
//! cookie): refusals, the platform-storage steps, the course player, the instructor's pages and
//! auto-submitting forms. Every value is escaped; every script carries the response's CSP nonce.

use axum::http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// Escapes text for HTML content and attribute values.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// A value for a JavaScript string literal inside a `<script>` (JSON, with `<` escaped so no text can
/// close the script element).
pub fn js(value: &str) -> String {
    serde_json::to_string(value)
        .unwrap_or_default()
        .replace('<', "\\u003c")
}

/// One page: its title, body, the frame ancestors allowed, the origins its forms may post to, and
/// the frame sources (the content origin for the player).
pub struct Page<'a> {
    pub status: StatusCode,
    pub title: &'a str,
    pub body: String,
    pub frame_ancestors: String,
    pub form_action: String,
    pub frame_src: String,
    pub nonce: String,
}

impl<'a> Page<'a> {
    pub fn new(title: &'a str, frame_ancestors: String) -> Page<'a> {
        Page {
            status: StatusCode::OK,
            title,
            body: String::new(),
            frame_ancestors,
            form_action: "'self'".to_owned(),
            frame_src: "'none'".to_owned(),
            nonce: super::random_token(16),
        }
    }
}

impl IntoResponse for Page<'_> {
    fn into_response(self) -> Response {
        let html = format!(
            "<!DOCTYPE html>\n<html lang=\"en-GB\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <title>{title} – Rampart</title><link rel=\"stylesheet\" href=\"/assets/rampart.css\"></head>\
             <body class=\"lti\"><main id=\"main\" class=\"lti-main\">{body}</main></body></html>",
            title = esc(self.title),
            body = self.body,
        );
        let csp = format!(
            "default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self'; img-src 'self' data:; \
             connect-src 'self'; frame-src {frame_src}; frame-ancestors {ancestors}; form-action {forms}; \
             base-uri 'none'; object-src 'none'",
            nonce = self.nonce,
            frame_src = self.frame_src,
            ancestors = self.frame_ancestors,
            forms = self.form_action,
        );
        let mut response = (self.status, html).into_response();
        let headers = response.headers_mut();
        headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if let Ok(value) = HeaderValue::from_str(&csp) {
            headers.insert(CONTENT_SECURITY_POLICY, value);
        }
        // Framing is governed by `frame-ancestors`; tell the security-headers layer not to add DENY.
        headers.insert("x-rampart-frameable", HeaderValue::from_static("1"));
        response
    }
}

/// A refused launch: what went wrong in words the learner understands, and what to tell the LMS admin
/// (the specific reason, which never holds a token). Optionally a way on (a link).
pub fn refusal(
    status: StatusCode,
    headline: &str,
    explanation: &str,
    for_admin: &str,
    frame_ancestors: String,
    way_on: Option<(&str, &str)>,
) -> Response {
    let mut page = Page::new(headline, frame_ancestors);
    page.status = status;
    let way_on = way_on
        .map(|(href, label)| {
            format!(
                "<p><a class=\"button\" href=\"{}\" target=\"_blank\" rel=\"noopener\">{}<span class=\"visually-hidden\"> (opens in a new window)</span></a></p>",
                esc(href),
                esc(label)
            )
        })
        .unwrap_or_default();
    page.body = format!(
        "<h1>{headline}</h1><p>{explanation}</p>{way_on}\
         <h2>What to tell your LMS administrator</h2><p class=\"lti-reason\">{for_admin}</p>\
         <p>Your progress in Rampart is safe; nothing was changed.</p>",
        headline = esc(headline),
        explanation = esc(explanation),
        for_admin = esc(for_admin),
    );
    page.into_response()
}
