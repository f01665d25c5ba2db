//! LTI Dynamic Registration: an admin makes a one-time URL (`/lti/register/<token>`, 24 hours, one use)
//! for an organisation and pastes it into the LMS. The LMS opens it with its `openid_configuration` URL
//! and a `registration_token`; Rampart reads the configuration, posts its tool registration, stores the
//! platform (active) with the deployment the platform created, and answers a page that closes the LMS's
//! registration window (`org.imsglobal.lti.close`). A URL already used or expired still registers, but
//! the platform waits for the organisation admin's approval; an unknown token registers nothing.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use store::NewLtiPlatform;

use super::page::{Page, refusal};
use super::{hash_hex, random_token};
use crate::AppState;

/// How long a registration URL stays usable.
pub const REGISTRATION_TTL_SECS: i64 = 24 * 3600;

/// Makes a one-time registration URL for an organisation.
pub async fn registration_url(
    state: &AppState,
    organisation_id: i64,
    created_by: Option<i64>,
) -> Result<String, store::StoreError> {
    let token = random_token(24);
    let now = state.clock.now();
    state
        .accounts
        .store()
        .insert_registration_token(
            &hash_hex(&token),
            organisation_id,
            created_by,
            now,
            now + REGISTRATION_TTL_SECS,
        )
        .await?;
    Ok(format!("{}/{token}", state.lti.urls().registration))
}

#[derive(Deserialize)]
pub struct StartQuery {
    openid_configuration: Option<String>,
    registration_token: Option<String>,
}

fn failed(state: &AppState, status: StatusCode, reason: &str) -> Response {
    tracing::warn!(reason, "an LTI dynamic registration did not complete");
    refusal(
        status,
        "Rampart could not be registered",
        "The registration of Rampart in your learning system did not complete.",
        &format!("Dynamic registration stopped: {reason}."),
        state.lti.frame_ancestors(),
        None,
    )
}

/// `GET /lti/register/<token>?openid_configuration=…&registration_token=…`.
pub async fn start(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Query(query): Query<StartQuery>,
) -> Response {
    let store = state.accounts.store();
    let now = state.clock.now();
    let token_hash = hash_hex(&token);
    // The token is only looked at here; it is used up once the platform is stored, so a failed attempt
    // (a fetch error, a link preview) leaves it usable.
    let organisation_id = match store
        .registration_token_organisation(&token_hash, now)
        .await
    {
        Ok(Some(organisation)) => organisation,
        Ok(None) => match token_organisation_any(&state, &token_hash).await {
            Some((organisation, expired_at)) if expired_at > now - STALE_TOKEN_GRACE_SECS => {
                organisation
            }
            _ => {
                return failed(
                    &state,
                    StatusCode::NOT_FOUND,
                    "the registration URL is not one Rampart made, or is long past its expiry; ask a \
                     Rampart admin for a new one",
                );
            }
        },
        Err(error) => {
            tracing::error!(%error, "could not read a registration token");
            return failed(
                &state,
                StatusCode::SERVICE_UNAVAILABLE,
                "Rampart's database did not answer",
            );
        }
    };
    let Some(config_url) = query.openid_configuration.filter(|u| !u.is_empty()) else {
        return failed(
            &state,
            StatusCode::BAD_REQUEST,
            "the LMS did not send openid_configuration",
        );
    };
    let config = match fetch_text(&state, &config_url, None).await {
        Ok(text) => match lti::registration::PlatformConfiguration::parse(&text, &config_url) {
            Ok(config) => config,
            Err(error) => return failed(&state, StatusCode::BAD_GATEWAY, &error.to_string()),
        },
        Err(error) => return failed(&state, StatusCode::BAD_GATEWAY, &error),
    };
    let endpoint = config.registration_endpoint.clone();
    let urls = match lti::registration::ToolUrls::from_base(&state.public_origin) {
        Ok(urls) => urls,
        Err(error) => {
            return failed(
                &state,
                StatusCode::INTERNAL_SERVER_ERROR,
                &error.to_string(),
            );
        }
    };
    let mut request = lti::registration::registration_request(&urls, "Rampart", &config);
    // Rampart's own paths: the key set lives at the well-known address, and deep linking arrives at
    // the launch URL like every other message.
    let jwks = state.lti.urls().jwks;
    let launch = state.lti.urls().launch;
    request["jwks_uri"] = serde_json::Value::String(jwks);
    request["redirect_uris"] = serde_json::json!([launch.clone()]);
    if let Some(messages) =
        request[lti::registration::TOOL_CONFIGURATION]["messages"].as_array_mut()
    {
        for message in messages {
            message["target_link_uri"] = serde_json::Value::String(launch.clone());
        }
    }
    let answer = match post_registration(
        &state,
        &endpoint,
        &request,
        query.registration_token.as_deref(),
    )
    .await
    {
        Ok(answer) => answer,
        Err(error) => return failed(&state, StatusCode::BAD_GATEWAY, &error),
    };
    let registered = match lti::registration::parse_registration_response(&answer) {
        Ok(registered) => registered,
        Err(error) => return failed(&state, StatusCode::BAD_GATEWAY, &error.to_string()),
    };
    let platform = lti::registration::platform(&config, &registered);
    let name = if config.lti.product_family_code.is_empty() {
        platform.issuer.clone()
    } else {
        config.lti.product_family_code.clone()
    };
    let new = NewLtiPlatform {
        organisation_id,
        name: &name,
        issuer: &platform.issuer,
        client_id: &platform.client_id,
        auth_endpoint: &platform.auth_endpoint,
        token_endpoint: &platform.token_endpoint,
        jwks_url: &platform.jwks_url,
        status: "pending",
        registered_via: "dynamic",
        deployment_ids: &platform.deployment_ids,
    };
    let platform_id = match store.insert_lti_platform(&new, now).await {
        Ok(id) => id,
        Err(error) => {
            return failed(
                &state,
                StatusCode::CONFLICT,
                &format!("the platform could not be stored: {error}"),
            );
        }
    };
    // Active only when this registration is the one that used the token.
    let approved = matches!(
        store.use_registration_token(&token_hash, now).await,
        Ok(Some(_))
    );
    if approved && let Err(error) = store.set_lti_platform_status(platform_id, "active").await {
        tracing::error!(%error, "could not activate a registered platform");
    }
    if let Err(error) = state.lti.refresh_frame_ancestors(store).await {
        tracing::error!(%error, "could not refresh LTI frame ancestors");
    }
    tracing::info!(issuer = %platform.issuer, approved, "registered an LTI platform dynamically");
    closing_page(&state, approved)
}

/// A used or expired token still names its organisation (the registration then waits for approval),
/// for this long after its expiry; after that it registers nothing.
const STALE_TOKEN_GRACE_SECS: i64 = 7 * 24 * 3600;

/// The organisation and expiry of a token, usable or not.
async fn token_organisation_any(state: &AppState, token_hash: &str) -> Option<(i64, i64)> {
    // `registration_token_organisation` only answers for usable tokens; look far back in time for the
    // row itself.
    state
        .accounts
        .store()
        .registration_token_organisation_any(token_hash)
        .await
        .ok()
        .flatten()
}

async fn fetch_text(state: &AppState, url: &str, bearer: Option<&str>) -> Result<String, String> {
    let mut request = state.lti.http.get(url).header("accept", "application/json");
    if let Some(token) = bearer {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.map_err(|e| {
        format!(
            "the platform's configuration could not be fetched: {}",
            e.without_url()
        )
    })?;
    if !response.status().is_success() {
        return Err(format!(
            "the platform's configuration answered HTTP {}",
            response.status().as_u16()
        ));
    }
    super::read_limited(response, super::launch::MAX_PLATFORM_ANSWER_BYTES).await
}

async fn post_registration(
    state: &AppState,
    endpoint: &str,
    body: &serde_json::Value,
    token: Option<&str>,
) -> Result<String, String> {
    let mut request = state
        .lti
        .http
        .post(endpoint)
        .header("content-type", "application/json")
        .header("accept", "application/json")
        .body(body.to_string());
    if let Some(token) = token.filter(|t| !t.is_empty()) {
        request = request.bearer_auth(token);
    }
    let response = request
        .send()
        .await
        .map_err(|e| format!("the registration could not be sent: {}", e.without_url()))?;
    let status = response.status();
    let text = super::read_limited(response, super::launch::MAX_PLATFORM_ANSWER_BYTES)
        .await
        .unwrap_or_default();
    if !status.is_success() {
        return Err(format!(
            "the platform refused the registration (HTTP {})",
            status.as_u16()
        ));
    }
    Ok(text)
}

fn closing_page(state: &AppState, approved: bool) -> Response {
    let mut page = Page::new("Rampart is registered", state.lti.frame_ancestors());
    let note = if approved {
        "Rampart is now registered with your learning system. You can close this window."
    } else {
        "Rampart received the registration. Because the registration link had already been used or had \
         expired, an administrator of your organisation must approve it in Rampart (Admin › LMS) before \
         launches work."
    };
    page.body = format!(
        "<h1>Rampart is registered</h1><p>{note}</p>\
         <script nonce=\"{nonce}\">(window.opener||window.parent).postMessage({{subject:'org.imsglobal.lti.close'}},'*');</script>",
        nonce = page.nonce,
    );
    (StatusCode::OK, page).into_response()
}
