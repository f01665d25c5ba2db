//! Telling people, inside the calling organisation. In-app notifications are immediate; email and
//! webhooks go through the host's outbox.

use crate::__bindings::rampart::plugin::notify as host;
pub use crate::Recipients;

/// An in-app notification with a Markdown body and an optional link; returns how many people were
/// notified. Needs `notify.in-app`.
pub fn in_app(
    to: &Recipients,
    title: &str,
    body_markdown: &str,
    link: Option<&str>,
) -> Result<u32, String> {
    host::in_app(to, title, body_markdown, link)
}

/// Like [`in_app`], and also shown as a banner at the top of every page until the person reads it. For
/// what must not be missed; needs `notify.in-app`.
pub fn alert(
    to: &Recipients,
    title: &str,
    body_markdown: &str,
    link: Option<&str>,
) -> Result<u32, String> {
    host::alert(to, title, body_markdown, link)
}

/// A plain-text email through the host's SMTP settings; returns how many were queued. Needs
/// `notify.email`.
pub fn email(to: &Recipients, subject: &str, body_text: &str) -> Result<u32, String> {
    host::email(to, subject, body_text)
}

/// POSTs `payload` (JSON text) to the organisation's webhook URL, signed with
/// `x-rampart-signature: sha256=<hmac>`. Needs `notify.webhook`.
pub fn webhook(event: &str, payload: &str) -> Result<(), String> {
    host::webhook(event, payload)
}
