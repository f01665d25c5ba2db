//! LTI 1.1 for older platforms: consumers get a key and secret per organisation (`rampart lti consumer
//! add --org <name>`, or the admin page); `POST /lti11/launch` verifies the OAuth 1.0a HMAC-SHA1
//! signature within a 5-minute window with single-use nonces, provisions the learner, and opens the
//! course bound to the resource link (custom parameter `rampart_course`, or bound earlier). When the
//! launch names an outcome service, the learner's result goes back as Basic Outcomes `replaceResult`
//! through the grade outbox.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use store::{Lti11Consumer, NewGradeTarget, NewLtiLaunch, NewResourceLink};

use super::keys::{open, seal};
use super::launch::{Person, link_with_course, not_set_up, play_redirect, provision};
use super::random_token;
use crate::AppState;

/// How far an `oauth_timestamp` may be from now.
pub const TIMESTAMP_WINDOW_SECS: u64 = 300;
const SECRET_PURPOSE: &str = "lti11-consumer-secret";

/// The consumer's shared secret, opened.
pub fn consumer_secret(state: &AppState, consumer: &Lti11Consumer) -> Result<String, String> {
    open(state.lti.secret(), SECRET_PURPOSE, &consumer.secret_sealed)
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or_else(|| {
            "the consumer's secret cannot be opened with this server's secret key".to_owned()
        })
}

/// A new consumer for an organisation: its key and secret (the secret is stored sealed, shown once).
pub async fn add_consumer(
    state: &AppState,
    organisation_id: i64,
    name: &str,
) -> Result<(String, String), store::StoreError> {
    let key = format!("rampart-{}", random_token(9));
    let secret = random_token(32);
    let sealed = seal(state.lti.secret(), SECRET_PURPOSE, secret.as_bytes());
    state
        .accounts
        .store()
        .insert_lti11_consumer(organisation_id, name, &key, &sealed, state.clock.now())
        .await?;
    state.lti.remember_new_secret(&key, &secret);
    if let Err(error) = state
        .lti
        .refresh_frame_ancestors(state.accounts.store())
        .await
    {
        tracing::error!(%error, "could not refresh who may frame LTI pages");
    }
    Ok((key, secret))
}

/// The URL the consumer signed: our public launch URL (behind a proxy the request's own URL may differ).
fn signed_url(state: &AppState) -> url::Url {
    url::Url::parse(&state.lti.urls().lti11_launch).expect("the public URL parses")
}

async fn refuse(
    state: &AppState,
    consumer: Option<&Lti11Consumer>,
    status: StatusCode,
    reason: &str,
) -> Response {
    let source = consumer.map(|c| format!("c{}", c.id));
    let launch = NewLtiLaunch {
        organisation_id: consumer.map(|c| c.organisation_id),
        source: source.as_deref(),
        user_id: None,
        message_type: "basic-lti-launch-request",
        accepted: false,
        reason,
    };
    super::launch::refused(state, &launch, status, "LTI 1.1").await
}

/// `POST /lti11/launch`.
pub async fn launch(State(state): State<AppState>, _headers: HeaderMap, body: Bytes) -> Response {
    let params: Vec<(String, String)> = form_urlencoded::parse(&body).into_owned().collect();
    let store = state.accounts.store();
    let key = match lti::lti11::oauth::consumer_key(&params) {
        Ok(key) => key.to_owned(),
        Err(error) => {
            return refuse(&state, None, StatusCode::BAD_REQUEST, &error.to_string()).await;
        }
    };
    let consumer = match store.lti11_consumer_by_key(&key).await {
        Ok(Some(consumer)) => consumer,
        Ok(None) => {
            return refuse(
                &state,
                None,
                StatusCode::UNAUTHORIZED,
                "the consumer key is not registered in Rampart; add a consumer under Admin › LMS",
            )
            .await;
        }
        Err(error) => {
            tracing::error!(%error, "could not read an LTI 1.1 consumer");
            return refuse(
                &state,
                None,
                StatusCode::SERVICE_UNAVAILABLE,
                "Rampart's database did not answer",
            )
            .await;
        }
    };
    let secret = match consumer_secret(&state, &consumer) {
        Ok(secret) => secret,
        Err(reason) => {
            return refuse(
                &state,
                Some(&consumer),
                StatusCode::INTERNAL_SERVER_ERROR,
                &reason,
            )
            .await;
        }
    };
    let now = state.clock.now();
    let (verified, basic) = match lti::lti11::verify_launch(
        &signed_url(&state),
        &params,
        &secret,
        u64::try_from(now).unwrap_or(0),
        TIMESTAMP_WINDOW_SECS,
    ) {
        Ok(pair) => pair,
        Err(error) => {
            return refuse(
                &state,
                Some(&consumer),
                StatusCode::UNAUTHORIZED,
                &error.to_string(),
            )
            .await;
        }
    };
    let nonce_scope = format!("lti11:{}", consumer.id);
    match store
        .use_nonce(
            &nonce_scope,
            &verified.nonce,
            now + 2 * TIMESTAMP_WINDOW_SECS as i64,
        )
        .await
    {
        Ok(true) => {}
        Ok(false) => {
            return refuse(
                &state,
                Some(&consumer),
                StatusCode::UNAUTHORIZED,
                "the oauth_nonce was used before (a replayed launch)",
            )
            .await;
        }
        Err(error) => {
            tracing::error!(%error, "could not record an LTI 1.1 nonce");
            return refuse(
                &state,
                Some(&consumer),
                StatusCode::SERVICE_UNAVAILABLE,
                "Rampart's database did not answer",
            )
            .await;
        }
    }
    match open_course(&state, &consumer, &basic).await {
        Ok(response) => response,
        Err(error) => {
            tracing::error!(%error, "an LTI 1.1 launch failed on our side");
            refuse(
                &state,
                Some(&consumer),
                StatusCode::SERVICE_UNAVAILABLE,
                "Rampart's database did not answer",
            )
            .await
        }
    }
}

async fn open_course(
    state: &AppState,
    consumer: &Lti11Consumer,
    basic: &lti::lti11::BasicLaunch,
) -> Result<Response, store::StoreError> {
    let store = state.accounts.store();
    let now = state.clock.now();
    let source = format!("c{}", consumer.id);
    let Some(subject) = basic.user_id.as_deref().filter(|u| !u.is_empty()) else {
        return Ok(refuse(
            state,
            Some(consumer),
            StatusCode::BAD_REQUEST,
            "the launch has no user_id; Rampart needs one to keep the learner's progress",
        )
        .await);
    };
    let issuer = format!("lti11:{}", consumer.consumer_key);
    let person = Person {
        name: basic.name.as_deref(),
        given_name: basic.given_name.as_deref(),
        family_name: basic.family_name.as_deref(),
        email: basic.email.as_deref(),
        role: basic.rampart_role,
    };
    let user = provision(
        store,
        &issuer,
        subject,
        consumer.organisation_id,
        &person,
        now,
    )
    .await?;
    let link = link_with_course(
        store,
        &NewResourceLink {
            source: &source,
            organisation_id: consumer.organisation_id,
            resource_link_id: &basic.resource_link_id,
            context_id: basic.context_id.as_deref(),
            title: basic.resource_link_title.as_deref(),
            lineitem_url: None,
        },
        &basic.custom,
        now,
    )
    .await?;
    let Some(package_id) = link.package_id else {
        store
            .record_lti_launch(
                &NewLtiLaunch {
                    organisation_id: Some(consumer.organisation_id),
                    source: Some(&source),
                    user_id: Some(user.id),
                    message_type: "basic-lti-launch-request",
                    accepted: false,
                    reason: "the resource link is not bound to a course yet",
                },
                now,
            )
            .await?;
        return Ok(not_set_up(
            state,
            "Set the custom parameter rampart_course (custom_rampart_course) to the course's id.",
        ));
    };
    if let (Some(url), Some(sourcedid)) = (&basic.outcome_service_url, &basic.result_sourcedid) {
        store
            .upsert_grade_target(
                &NewGradeTarget {
                    resource_link_id: link.id,
                    user_id: user.id,
                    package_id,
                    kind: "lti11",
                    service_url: url,
                    subject: sourcedid,
                },
                now,
            )
            .await?;
    }
    store
        .record_lti_launch(
            &NewLtiLaunch {
                organisation_id: Some(consumer.organisation_id),
                source: Some(&source),
                user_id: Some(user.id),
                message_type: "basic-lti-launch-request",
                accepted: true,
                reason: "",
            },
            now,
        )
        .await?;
    let token = state.lti.launch_token(user.id, package_id);
    Ok(play_redirect(package_id, &token))
}
