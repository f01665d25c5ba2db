//! Sends what plugins queued: emails through the configured SMTP server and signed webhooks to
//! organisations' own tooling. Each item is retried with back-off until it goes out.

use std::time::Duration;

use anyhow::Context;
use hmac::{Hmac, Mac};
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use plugin_host::PluginHost;
use serde::Deserialize;
use sha2::Sha256;

use crate::config::Config;

/// The longest wait between two tries of one item.
const MAX_BACKOFF_SECS: i64 = 6 * 3600;

/// The SMTP side: none when `smtp_url` is not set (emails then wait in the outbox).
pub struct Mailer {
    transport: Option<AsyncSmtpTransport<Tokio1Executor>>,
    from: Mailbox,
}

impl Mailer {
    pub fn from_config(config: &Config) -> anyhow::Result<Mailer> {
        let from: Mailbox = config
            .mail_from
            .parse()
            .with_context(|| format!("mail_from {:?} is not an email address", config.mail_from))?;
        let transport = match &config.smtp_url {
            Some(url) => Some(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .with_context(|| {
                        format!(
                            "smtp_url {} is not a valid SMTP URL",
                            store::redact_url(url)
                        )
                    })?
                    .timeout(Some(Duration::from_secs(20)))
                    .build(),
            ),
            None => None,
        };
        Ok(Mailer { transport, from })
    }
}

#[derive(Deserialize)]
struct EmailMessage {
    to: String,
    subject: String,
    body: String,
}

#[derive(Deserialize)]
struct WebhookMessage {
    event: String,
    payload: String,
}

/// The signature a webhook receiver checks: HMAC-SHA256 over `<timestamp>.<body>` with the
/// organisation's webhook secret, as `sha256=<hex>`.
pub fn webhook_signature(secret: &str, timestamp: i64, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    let digest = mac.finalize().into_bytes();
    format!("sha256={}", crate::hex(&digest))
}

/// A new webhook signing secret: 32 random bytes as hex, prefixed so it is recognisable in a vault.
pub fn new_webhook_secret() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    format!("whsec_{}", crate::hex(&bytes))
}

/// Runs forever: sends due items when woken and every 10 seconds.
pub async fn run(host: PluginHost, mailer: Mailer) {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(15))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("an HTTP client");
    loop {
        tokio::select! {
            _ = host.services().outbox_ready.notified() => {}
            _ = tokio::time::sleep(Duration::from_secs(10)) => {}
        }
        if let Err(error) = send_due(&host, &mailer, &http).await {
            tracing::warn!(%error, "sending the outbox failed");
        }
    }
}

/// Sends every due item once; returns how many went out.
pub async fn send_due(
    host: &PluginHost,
    mailer: &Mailer,
    http: &reqwest::Client,
) -> anyhow::Result<usize> {
    let store = &host.services().store;
    let now = host.services().clock.now();
    let mut sent = 0;
    for item in store.due_outbox(now, 50).await? {
        let result = match item.kind.as_str() {
            "email" => send_email(mailer, &item).await,
            "webhook" => send_webhook(store, http, &item, now).await,
            other => Err(format!("unknown outbox kind {other}")),
        };
        match result {
            Ok(()) => {
                store.outbox_sent(item.id, now).await?;
                sent += 1;
            }
            Err(error) => {
                let attempts = item.attempts + 1;
                let wait = (60 * attempts * attempts).min(MAX_BACKOFF_SECS);
                tracing::warn!(id = item.id, kind = %item.kind, %error, "an outbox item did not go out");
                store.outbox_failed(item.id, &error, now + wait).await?;
            }
        }
    }
    Ok(sent)
}

async fn send_email(mailer: &Mailer, item: &store::OutboxItem) -> Result<(), String> {
    let Some(transport) = &mailer.transport else {
        return Err("no SMTP server is configured (smtp_url)".into());
    };
    let message: EmailMessage =
        serde_json::from_str(&item.message).map_err(|error| error.to_string())?;
    let to: Mailbox = message
        .to
        .parse()
        .map_err(|error| format!("the recipient address is not valid: {error}"))?;
    let email = Message::builder()
        .from(mailer.from.clone())
        .to(to)
        .subject(message.subject)
        .body(message.body)
        .map_err(|error| error.to_string())?;
    transport
        .send(email)
        .await
        .map(|_| ())
        .map_err(|error| format!("the SMTP server refused it: {error}"))
}

async fn send_webhook(
    store: &store::Store,
    http: &reqwest::Client,
    item: &store::OutboxItem,
    now: i64,
) -> Result<(), String> {
    let organisation = item
        .organisation_id
        .ok_or("a webhook needs an organisation")?;
    let (url, secret) = store
        .webhook(organisation)
        .await
        .map_err(|error| error.to_string())?
        .ok_or("the organisation removed its webhook")?;
    let message: WebhookMessage =
        serde_json::from_str(&item.message).map_err(|error| error.to_string())?;
    let body = serde_json::json!({
        "id": item.id,
        "event": message.event,
        "source": item.source,
        "organisation_id": organisation,
        "payload": serde_json::from_str::<serde_json::Value>(&message.payload).unwrap_or_default(),
    })
    .to_string();
    let response = http
        .post(&url)
        .header("content-type", "application/json")
        .header("x-rampart-event", &message.event)
        .header("x-rampart-delivery", item.id.to_string())
        .header("x-rampart-timestamp", now.to_string())
        .header(
            "x-rampart-signature",
            webhook_signature(&secret, now, &body),
        )
        .body(body)
        .send()
        .await
        .map_err(|error| format!("could not reach the webhook: {error}"))?;
    if response.status().is_success() {
        Ok(())
    } else {
        Err(format!("the webhook answered {}", response.status()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_cover_the_timestamp_and_the_body() {
        let signature = webhook_signature("secret", 1_800_000_000, "{}");
        assert!(signature.starts_with("sha256=") && signature.len() == 7 + 64);
        assert_ne!(signature, webhook_signature("secret", 1_800_000_001, "{}"));
        assert_ne!(signature, webhook_signature("other", 1_800_000_000, "{}"));
    }
}
