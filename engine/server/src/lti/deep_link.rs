//! Deep linking: an instructor picks one or more of the organisation's courses in a Rampart page and
//! Rampart answers the platform with a signed `LtiDeepLinkingResponse` of `ltiResourceLink` items, each
//! with a line item (so the LMS makes a gradebook column) and the custom parameter `rampart_course`
//! that binds the link to the course when it is launched.
//!
//! The picker works without cookies: each course has its own small form carrying a response already
//! signed for that course ("Add this course"), and when the platform accepts several items a second
//! form posts the ticked courses with a sealed context to `/lti/deep-link`, which signs the response
//! and answers an auto-submitting form.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use lti::deep_linking::{ItemLineItem, ResourceLinkItem, ResponseContext};
use lti::launch::{DeepLinkingSettings, Launch};
use serde::{Deserialize, Serialize};
use store::{LtiPlatform, NewLtiLaunch, PackageSummary};

use super::page::{Page, esc, refusal};
use super::random_token;
use crate::AppState;

/// The score a course's line item is out of: scores are reported as percentages.
pub const SCORE_MAXIMUM: f64 = 100.0;
const CONTEXT_TTL_SECS: i64 = 3600;
const CONTEXT_PURPOSE: &str = "lti-deep-link";

/// What the multi-course form carries, sealed: enough to sign the response later.
#[derive(Serialize, Deserialize)]
struct PickerContext {
    platform_id: i64,
    deployment_id: String,
    settings: DeepLinkingSettings,
    expires_at: i64,
}

/// The content item for one course.
fn item_for(state: &AppState, course: &PackageSummary) -> ResourceLinkItem {
    let mut custom = BTreeMap::new();
    custom.insert("rampart_course".to_owned(), course.id.to_string());
    ResourceLinkItem {
        title: Some(course.title.clone()),
        url: Some(state.lti.urls().launch),
        custom,
        line_item: Some(ItemLineItem {
            score_maximum: SCORE_MAXIMUM,
            label: Some(course.title.clone()),
            resource_id: Some(format!("rampart-course-{}", course.id)),
            tag: Some("rampart".to_owned()),
        }),
    }
}

fn sign(
    state: &AppState,
    platform: &LtiPlatform,
    deployment_id: &str,
    settings: &DeepLinkingSettings,
    items: &[ResourceLinkItem],
) -> Result<String, String> {
    let key = state
        .lti
        .keys
        .signing()
        .ok_or_else(|| "the tool's signing key is not loaded".to_owned())?;
    let nonce = random_token(16);
    let count = items.len();
    let message = format!(
        "{count} course{} added from Rampart",
        if count == 1 { "" } else { "s" }
    );
    let context = ResponseContext {
        client_id: &platform.client_id,
        platform_issuer: &platform.issuer,
        deployment_id,
        nonce: &nonce,
        now: u64::try_from(state.clock.now()).unwrap_or(0),
        lifetime: 600,
        msg: Some(&message),
    };
    lti::deep_linking::signed_response(&context, settings, items, &key).map_err(|e| e.to_string())
}

/// Answers a verified `LtiDeepLinkingRequest` with the course picker.
pub async fn picker(state: &AppState, platform: &LtiPlatform, launch: Launch) -> Response {
    let store = state.accounts.store();
    let now = state.clock.now();
    if let Err(error) = state.lti.ensure_keys(store).await {
        tracing::error!(%error, "the LTI keys could not be loaded");
    }
    let Some(settings) = launch.deep_linking.clone() else {
        return refusal(
            StatusCode::BAD_REQUEST,
            "This request could not be used",
            "Your learning system asked to pick content but sent no deep linking settings.",
            "The LtiDeepLinkingRequest has no deep_linking_settings claim.",
            state.lti.frame_ancestors(),
            None,
        );
    };
    let source = format!("p{}", platform.id);
    let user_id = match launch.sub.as_deref() {
        Some(subject) => super::launch::provision(
            store,
            &super::launch::identity_scope(platform),
            subject,
            platform.organisation_id,
            &super::launch::Person::of(&launch),
            now,
        )
        .await
        .ok()
        .map(|u| u.id),
        None => None,
    };
    let _ = store
        .record_lti_launch(
            &NewLtiLaunch {
                organisation_id: Some(platform.organisation_id),
                source: Some(&source),
                user_id,
                message_type: "LtiDeepLinkingRequest",
                accepted: true,
                reason: "",
            },
            now,
        )
        .await;
    let courses = match store.list_packages(Some(platform.organisation_id)).await {
        Ok(courses) => courses,
        Err(error) => {
            tracing::error!(%error, "could not list courses for deep linking");
            return (StatusCode::SERVICE_UNAVAILABLE, "Try again shortly.").into_response();
        }
    };
    let return_url = settings.deep_link_return_url.clone();
    let mut page = Page::new("Choose Rampart courses", state.lti.frame_ancestors());
    page.form_action = format!("'self' {}", super::web_origin(&return_url));
    let mut rows = String::new();
    for course in &courses {
        let jwt = match sign(
            state,
            platform,
            &launch.deployment_id,
            &settings,
            &[item_for(state, course)],
        ) {
            Ok(jwt) => jwt,
            Err(error) => {
                tracing::error!(%error, "could not sign a deep linking response");
                continue;
            }
        };
        rows.push_str(&format!(
            "<li class=\"lti-course\"><form method=\"post\" action=\"{action}\">\
             <input type=\"hidden\" name=\"JWT\" value=\"{jwt}\">\
             <span class=\"lti-course-title\" id=\"course-{id}\">{title}</span> \
             <button type=\"submit\" class=\"button\" aria-describedby=\"course-{id}\">Add this course</button>\
             </form></li>",
            action = esc(&return_url),
            jwt = esc(&jwt),
            id = course.id,
            title = esc(&course.title),
        ));
    }
    let multiple = if settings.accept_multiple != Some(false) && courses.len() > 1 {
        let context = PickerContext {
            platform_id: platform.id,
            deployment_id: launch.deployment_id.clone(),
            settings: settings.clone(),
            expires_at: now + CONTEXT_TTL_SECS,
        };
        let boxes: String = courses
            .iter()
            .map(|course| {
                format!(
                    "<div class=\"checkbox\"><input type=\"checkbox\" name=\"course\" value=\"{id}\" id=\"pick-{id}\">\
                     <label for=\"pick-{id}\">{title}</label></div>",
                    id = course.id,
                    title = esc(&course.title)
                )
            })
            .collect();
        format!(
            "<h2>Add several courses at once</h2><form method=\"post\" action=\"/lti/deep-link\">\
             <input type=\"hidden\" name=\"context\" value=\"{context}\">\
             <fieldset><legend>Courses to add</legend>{boxes}</fieldset>\
             <button type=\"submit\" class=\"button\">Add the chosen courses</button></form>",
            context = esc(&seal_context(state, &context)),
        )
    } else {
        String::new()
    };
    let intro = settings
        .text
        .as_deref()
        .map(|t| format!("<p>{}</p>", esc(t)))
        .unwrap_or_default();
    page.body = if courses.is_empty() {
        "<h1>Choose Rampart courses</h1><p>Your organisation has no courses in Rampart yet. An \
         administrator can add them under Admin › Courses.</p>"
            .to_owned()
    } else {
        format!(
            "<h1>Choose Rampart courses</h1>{intro}<p>Each course you add becomes an activity in your \
             course, with a gradebook column for its score (out of {max}).</p>\
             <ul class=\"lti-courses\">{rows}</ul>{multiple}",
            max = SCORE_MAXIMUM
        )
    };
    page.into_response()
}

fn seal_context(state: &AppState, context: &PickerContext) -> String {
    super::seal_json(state.lti.secret(), CONTEXT_PURPOSE, context)
}

fn open_context(state: &AppState, sealed: &str) -> Option<PickerContext> {
    let context: PickerContext = super::open_json(state.lti.secret(), CONTEXT_PURPOSE, sealed)?;
    (context.expires_at > state.clock.now()).then_some(context)
}

/// `POST /lti/deep-link`: the ticked courses; answers an auto-submitting form with the signed response.
pub async fn submit(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    body: Bytes,
) -> Response {
    if !super::from_our_page(&state, &headers) {
        return refusal(
            StatusCode::FORBIDDEN,
            "This choice came from another website",
            "Rampart only accepts course choices made on its own page. Start again from your learning \
             system.",
            "A deep linking choice was posted by a page that is not Rampart's.",
            state.lti.frame_ancestors(),
            None,
        );
    }
    let pairs: Vec<(String, String)> = form_urlencoded::parse(&body).into_owned().collect();
    let context = pairs
        .iter()
        .find(|(k, _)| k == "context")
        .and_then(|(_, v)| open_context(&state, v));
    let Some(context) = context else {
        return refusal(
            StatusCode::BAD_REQUEST,
            "This choice has expired",
            "The page for choosing courses was open for too long. Start again from your learning system.",
            "A deep linking choice arrived with an expired or altered context.",
            state.lti.frame_ancestors(),
            None,
        );
    };
    let store = state.accounts.store();
    let loaded = async {
        let platform = store.lti_platform(context.platform_id).await?;
        let courses = store.list_packages(Some(platform.organisation_id)).await?;
        Ok::<_, store::StoreError>((platform, courses))
    };
    let (platform, courses) = match loaded.await {
        Ok(loaded) => loaded,
        Err(error) => {
            tracing::error!(%error, "could not read deep linking data");
            return (StatusCode::SERVICE_UNAVAILABLE, "Try again shortly.").into_response();
        }
    };
    let chosen: Vec<&PackageSummary> = courses
        .iter()
        .filter(|c| {
            pairs
                .iter()
                .any(|(k, v)| k == "course" && *v == c.id.to_string())
        })
        .collect();
    if chosen.is_empty() {
        return refusal(
            StatusCode::BAD_REQUEST,
            "Choose at least one course",
            "No course was ticked. Go back and tick the courses to add.",
            "A deep linking choice arrived with no course.",
            state.lti.frame_ancestors(),
            None,
        );
    }
    let items: Vec<ResourceLinkItem> = chosen.iter().map(|c| item_for(&state, c)).collect();
    match sign(
        &state,
        &platform,
        &context.deployment_id,
        &context.settings,
        &items,
    ) {
        Ok(jwt) => auto_submit(&state, &context.settings.deep_link_return_url, &jwt),
        Err(error) => refusal(
            StatusCode::BAD_REQUEST,
            "These courses could not be added",
            "Your learning system does not accept what was chosen.",
            &format!("The deep linking response could not be made: {error}."),
            state.lti.frame_ancestors(),
            None,
        ),
    }
}

/// A page that posts the signed response back to the platform (a button when scripts are off).
fn auto_submit(state: &AppState, return_url: &str, jwt: &str) -> Response {
    let mut page = Page::new("Adding the courses", state.lti.frame_ancestors());
    page.form_action = format!("'self' {}", super::web_origin(return_url));
    page.body = format!(
        "<h1>Adding the courses</h1><form id=\"lti-return\" method=\"post\" action=\"{action}\">\
         <input type=\"hidden\" name=\"JWT\" value=\"{jwt}\">\
         <button type=\"submit\" class=\"button\">Return to your learning system</button></form>\
         <script nonce=\"{nonce}\">document.getElementById('lti-return').submit();</script>",
        action = esc(return_url),
        jwt = esc(jwt),
        nonce = page.nonce,
    );
    page.into_response()
}
