//! Results back to the LMS: when a learner's attempt ends, a score for every place their result goes
//! (an AGS line item, an LTI 1.1 outcome service) is written to a durable outbox in the database, keyed
//! so the same result is queued once. A worker sends due items, retrying failures with growing pauses
//! and giving up after [`MAX_ATTEMPTS`] (the admin page shows the error). AGS calls carry a bearer token
//! from the platform's token endpoint, got with the `oauth2` crate (client credentials with a signed
//! RFC 7523 assertion) and cached until shortly before it expires.

use std::time::Duration;

use lti::ags::Completion;
use oauth2::basic::BasicClient;
use oauth2::{AuthType, ClientId, Scope, TokenResponse, TokenUrl};
use serde::{Deserialize, Serialize};
use store::{GradeOutboxItem, LtiPlatform};

use super::deep_link::SCORE_MAXIMUM;
use crate::AppState;

/// Tries before an item is marked failed.
pub const MAX_ATTEMPTS: i64 = 10;
const BATCH: i64 = 50;
/// How long a claimed item is left to its sender before another may try it (longer than a send can
/// take: the HTTP client gives up after 10 s).
const CLAIM_LEASE_SECS: i64 = 120;
/// A token is not used in its last minute.
const TOKEN_MARGIN_SECS: i64 = 60;

/// What the outbox holds for one result.
#[derive(Debug, Serialize, Deserialize)]
struct Payload {
    completion: Completion,
    /// 0..1.
    scaled: Option<f64>,
    /// Unix milliseconds when the result was reached.
    at_ms: u64,
}

/// The rollup of an ended SCO session as the LMS should hear it.
pub struct AttemptResult<'a> {
    pub attempt_id: i64,
    pub completion_status: Option<&'a str>,
    pub success_status: Option<&'a str>,
    pub score_scaled: Option<f64>,
}

impl AttemptResult<'_> {
    fn completion(&self) -> Completion {
        match self.completion_status {
            Some("completed") => Completion::Completed,
            _ if matches!(self.success_status, Some("passed" | "failed")) => Completion::Completed,
            Some("incomplete") => Completion::Incomplete,
            _ => Completion::NotAttempted,
        }
    }

    /// The 0..1 score: the content's own, else full marks for a completed course with no score of its
    /// own (completion is the result), else none.
    fn scaled(&self) -> Option<f64> {
        match self.score_scaled {
            Some(s) => Some(s.clamp(0.0, 1.0)),
            None if self.completion() == Completion::Completed
                && self.success_status != Some("failed") =>
            {
                Some(1.0)
            }
            None if self.success_status == Some("failed") => Some(0.0),
            None => None,
        }
    }
}

/// Queues the result of an attempt for every place this learner's result for this course goes. Called
/// when a SCO session ends; a failure is logged, never returned (the learner's progress is already
/// saved, and the next end queues again).
pub async fn queue(state: &AppState, user_id: i64, package_id: i64, result: &AttemptResult<'_>) {
    let store = state.accounts.store();
    let targets = match store.grade_targets(user_id, package_id).await {
        Ok(targets) => targets,
        Err(error) => {
            tracing::error!(%error, "could not read where LTI results go");
            return;
        }
    };
    if targets.is_empty() {
        return;
    }
    let now = state.clock.now();
    let completion = result.completion();
    let scaled = result.scaled();
    // A gradebook wants results, not every pause: a session that ended with neither a score nor the
    // course completed sends nothing (the next one that does will).
    if completion != Completion::Completed && scaled.is_none() {
        return;
    }
    let payload = Payload {
        completion,
        scaled,
        at_ms: u64::try_from(now).unwrap_or(0) * 1000,
    };
    let payload = serde_json::to_string(&payload).expect("serialisable");
    for target in targets {
        // One item per target, attempt and result: ending the same attempt twice with the same result
        // queues nothing new; a better score later does.
        let key = format!(
            "t{}:a{}:{:?}:{}",
            target.id,
            result.attempt_id,
            completion,
            scaled.map_or("none".to_owned(), |s| format!("{s:.4}"))
        );
        if let Err(error) = store.enqueue_grade(target.id, &key, &payload, now).await {
            tracing::error!(%error, "could not queue an LTI result");
        }
    }
    state.lti.outbox_wake.notify_one();
}

/// Runs the outbox until the process ends: sends what is due, then waits to be woken or a few seconds.
pub async fn run(state: AppState) {
    loop {
        let sent = send_due(&state).await;
        if sent == 0 {
            tokio::select! {
                _ = state.lti.outbox_wake.notified() => {}
                _ = tokio::time::sleep(Duration::from_secs(5)) => {}
            }
        }
    }
}

/// Sends every item due now; returns how many were tried.
pub async fn send_due(state: &AppState) -> usize {
    let store = state.accounts.store();
    let due = match store.due_grades(state.clock.now(), BATCH).await {
        Ok(due) => due,
        Err(error) => {
            tracing::error!(%error, "could not read the LTI outbox");
            return 0;
        }
    };
    let count = due.len();
    for item in due {
        let now = state.clock.now();
        match store
            .claim_grade(item.id, now, now + CLAIM_LEASE_SECS)
            .await
        {
            Ok(true) => {}
            Ok(false) => continue,
            Err(error) => {
                tracing::error!(%error, "could not claim an LTI result");
                continue;
            }
        }
        let outcome = send(state, &item).await;
        let now = state.clock.now();
        let written = match outcome {
            Ok(()) => store.grade_sent(item.id, now).await,
            Err(error) => {
                let attempts = item.attempts + 1;
                let next = (attempts < MAX_ATTEMPTS).then(|| now + backoff_secs(attempts));
                tracing::warn!(item = item.id, attempts, %error, "an LTI result could not be sent");
                store.grade_failed(item.id, &error, next).await
            }
        };
        if let Err(error) = written {
            tracing::error!(%error, "could not update the LTI outbox");
        }
    }
    count
}

/// 10 s, 20 s, 40 s … capped at an hour.
fn backoff_secs(attempts: i64) -> i64 {
    (10_i64 << attempts.clamp(0, 12)).min(3600)
}

async fn send(state: &AppState, item: &GradeOutboxItem) -> Result<(), String> {
    let payload: Payload =
        serde_json::from_str(&item.payload).map_err(|e| format!("unreadable item: {e}"))?;
    match item.kind.as_str() {
        "ags" => send_score(state, item, &payload).await,
        "lti11" => send_outcome(state, item, &payload).await,
        other => Err(format!("unknown kind {other}")),
    }
}

fn source_id(source: &str, prefix: char) -> Result<i64, String> {
    source
        .strip_prefix(prefix)
        .and_then(|id| id.parse().ok())
        .ok_or_else(|| format!("unexpected source {source}"))
}

async fn send_score(
    state: &AppState,
    item: &GradeOutboxItem,
    payload: &Payload,
) -> Result<(), String> {
    let platform = state
        .accounts
        .store()
        .lti_platform(source_id(&item.source, 'p')?)
        .await
        .map_err(|e| e.to_string())?;
    let score = lti::ags::score_from_result(
        &item.subject,
        payload.scaled,
        payload.completion,
        SCORE_MAXIMUM,
        payload.at_ms,
        None,
    )
    .map_err(|e| e.to_string())?;
    let url = lti::ags::score_url(&item.service_url).map_err(|e| e.to_string())?;
    let token = service_token(state, &platform, &[lti::claims::SCOPE_SCORE]).await?;
    let response = state
        .lti
        .http
        .post(&url)
        .bearer_auth(&token)
        .header("content-type", lti::ags::SCORE_MEDIA_TYPE)
        .body(serde_json::to_string(&score).expect("serialisable"))
        .send()
        .await
        .map_err(|e| format!("the platform could not be reached: {}", e.without_url()))?;
    let status = response.status();
    if status.is_success() {
        return Ok(());
    }
    if status == reqwest::StatusCode::UNAUTHORIZED {
        state.lti.forget_token(platform.id);
    }
    Err(format!("the platform answered HTTP {}", status.as_u16()))
}

/// The line item of a resource link in a context's line items container: found by `resource_link_id`,
/// else created (out of [`SCORE_MAXIMUM`], tagged `rampart`). Returns its URL.
pub async fn ensure_line_item(
    state: &AppState,
    platform: &LtiPlatform,
    container: &str,
    resource_link_id: &str,
    package_id: i64,
    title: &str,
) -> Result<String, String> {
    let token = service_token(state, platform, &[lti::claims::SCOPE_LINEITEM]).await?;
    let mut query_url =
        url::Url::parse(container).map_err(|_| "the line items URL is not a URL".to_owned())?;
    query_url
        .query_pairs_mut()
        .append_pair("resource_link_id", resource_link_id);
    let existing = state
        .lti
        .http
        .get(query_url.as_str())
        .bearer_auth(&token)
        .header("accept", lti::ags::LINEITEM_CONTAINER_MEDIA_TYPE)
        .send()
        .await
        .map_err(|e| format!("the line items could not be read: {}", e.without_url()))?;
    if existing.status().is_success() {
        let text = super::read_limited(existing, super::launch::MAX_PLATFORM_ANSWER_BYTES)
            .await
            .unwrap_or_default();
        if let Ok(items) = serde_json::from_str::<Vec<lti::ags::LineItem>>(&text)
            && let Some(id) = items
                .into_iter()
                .filter(|item| item.resource_link_id.as_deref() == Some(resource_link_id))
                .find_map(|item| item.id)
        {
            return Ok(id);
        }
    }
    let item = lti::ags::LineItem {
        id: None,
        score_maximum: SCORE_MAXIMUM,
        label: title.to_owned(),
        resource_id: Some(format!("rampart-course-{package_id}")),
        resource_link_id: Some(resource_link_id.to_owned()),
        tag: Some("rampart".to_owned()),
        start_date_time: None,
        end_date_time: None,
    };
    let created = state
        .lti
        .http
        .post(container)
        .bearer_auth(&token)
        .header("content-type", lti::ags::LINEITEM_MEDIA_TYPE)
        .header("accept", lti::ags::LINEITEM_MEDIA_TYPE)
        .body(serde_json::to_string(&item).expect("serialisable"))
        .send()
        .await
        .map_err(|e| format!("the line item could not be made: {}", e.without_url()))?;
    let status = created.status();
    let text = super::read_limited(created, super::launch::MAX_PLATFORM_ANSWER_BYTES)
        .await
        .unwrap_or_default();
    if !status.is_success() {
        return Err(format!(
            "making the line item answered HTTP {}",
            status.as_u16()
        ));
    }
    serde_json::from_str::<lti::ags::LineItem>(&text)
        .ok()
        .and_then(|item| item.id)
        .ok_or_else(|| "the platform's new line item has no id".to_owned())
}

/// A bearer token for the platform's services with these scopes, from the cache or the token endpoint.
pub async fn service_token(
    state: &AppState,
    platform: &LtiPlatform,
    scopes: &[&str],
) -> Result<String, String> {
    let now = state.clock.now();
    let cache_key = (platform.id, scopes.join(" "));
    if let Some((token, until)) = state.lti.service_tokens.lock().unwrap().get(&cache_key)
        && *until > now
    {
        return Ok(token.clone());
    }
    state
        .lti
        .ensure_keys(state.accounts.store())
        .await
        .map_err(|e| e.to_string())?;
    let key = state
        .lti
        .keys
        .signing()
        .ok_or("the tool's signing key is not loaded")?;
    let assertion = lti::client_assertion::AssertionClaims::new(
        &platform.client_id,
        &platform.token_endpoint,
        u64::try_from(now).unwrap_or(0),
        300,
        &super::random_token(16),
    )
    .sign(&key)
    .map_err(|e| e.to_string())?;
    let client = BasicClient::new(ClientId::new(platform.client_id.clone()))
        .set_auth_type(AuthType::RequestBody)
        .set_token_uri(
            TokenUrl::new(platform.token_endpoint.clone())
                .map_err(|_| "the platform's token endpoint is not a URL".to_owned())?,
        );
    let answer = client
        .exchange_client_credentials()
        .add_extra_param(
            "client_assertion_type",
            lti::client_assertion::ASSERTION_TYPE,
        )
        .add_extra_param("client_assertion", assertion)
        .add_scopes(scopes.iter().map(|s| Scope::new((*s).to_owned())))
        .request_async(&state.lti.http)
        .await
        .map_err(|e| format!("the platform's token endpoint refused: {e}"))?;
    let token = answer.access_token().secret().clone();
    let lifetime = answer
        .expires_in()
        .map_or(3600, |d| i64::try_from(d.as_secs()).unwrap_or(3600));
    let until = now + (lifetime - TOKEN_MARGIN_SECS).max(0);
    state
        .lti
        .service_tokens
        .lock()
        .unwrap()
        .insert(cache_key, (token.clone(), until));
    Ok(token)
}

async fn send_outcome(
    state: &AppState,
    item: &GradeOutboxItem,
    payload: &Payload,
) -> Result<(), String> {
    let consumer = state
        .accounts
        .store()
        .lti11_consumer(source_id(&item.source, 'c')?)
        .await
        .map_err(|e| e.to_string())?;
    let secret = super::lti11::consumer_secret(state, &consumer)?;
    let score = payload.scaled.unwrap_or(0.0);
    let message_id = super::random_token(12);
    let body = lti::lti11::outcomes::replace_result_request(&message_id, &item.subject, score)
        .map_err(|e| e.to_string())?;
    let header = lti::lti11::outcomes::authorization_header(
        &item.service_url,
        body.as_bytes(),
        &consumer.consumer_key,
        &secret,
        &super::random_token(16),
        u64::try_from(state.clock.now()).unwrap_or(0),
    )
    .map_err(|e| e.to_string())?;
    let response = state
        .lti
        .http
        .post(&item.service_url)
        .header("authorization", header)
        .header("content-type", lti::lti11::outcomes::CONTENT_TYPE)
        .body(body)
        .send()
        .await
        .map_err(|e| format!("the consumer could not be reached: {}", e.without_url()))?;
    let status = response.status();
    let text = super::read_limited(response, super::launch::MAX_PLATFORM_ANSWER_BYTES)
        .await
        .unwrap_or_default();
    if !status.is_success() {
        return Err(format!("the consumer answered HTTP {}", status.as_u16()));
    }
    let answer = lti::lti11::outcomes::parse_response(&text).map_err(|e| e.to_string())?;
    if answer.success {
        Ok(())
    } else {
        Err(format!(
            "the consumer did not accept the result ({}): {}",
            answer.code_major,
            answer.description.unwrap_or_default()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result<'a>(c: Option<&'a str>, s: Option<&'a str>, score: Option<f64>) -> AttemptResult<'a> {
        AttemptResult {
            attempt_id: 1,
            completion_status: c,
            success_status: s,
            score_scaled: score,
        }
    }

    #[test]
    fn a_result_maps_to_completion_and_score() {
        let passed = result(Some("completed"), Some("passed"), Some(0.8));
        assert_eq!(passed.completion(), Completion::Completed);
        assert_eq!(passed.scaled(), Some(0.8));
        let completed_unscored = result(Some("completed"), None, None);
        assert_eq!(completed_unscored.scaled(), Some(1.0));
        let failed = result(Some("incomplete"), Some("failed"), None);
        assert_eq!(failed.completion(), Completion::Completed);
        assert_eq!(failed.scaled(), Some(0.0));
        let started = result(Some("incomplete"), None, None);
        assert_eq!(started.completion(), Completion::Incomplete);
        assert_eq!(started.scaled(), None);
    }

    #[test]
    fn retries_back_off_up_to_an_hour() {
        assert_eq!(backoff_secs(1), 20);
        assert_eq!(backoff_secs(2), 40);
        assert_eq!(backoff_secs(9), 3600);
    }
}
