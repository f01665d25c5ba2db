//! Names and Role Provisioning Services: the course roster fetched from the platform (paged by `Link:
//! rel="next"`), so an instructor's view shows who has not started yet; and that view itself, which is
//! what an instructor's launch of a resource link opens.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use store::{LtiPlatform, LtiResourceLink, RosterMember};

use super::page::{Page, esc};
use crate::AppState;

/// How often one course's roster is fetched at most.
const ROSTER_EVERY_SECS: i64 = 600;
/// The largest roster page read (a few thousand members).
const MAX_PAGE_BYTES: usize = 10 * 1024 * 1024;
/// At most this many pages are read (a safety net against a platform whose `next` never ends).
const MAX_PAGES: usize = 100;

/// Fetches the roster after a launch, without holding the launch up. Failures are logged.
pub fn refresh_in_background(
    state: AppState,
    platform: LtiPlatform,
    context_id: String,
    memberships_url: String,
) {
    // One fetch per course every few minutes, however many learners launch.
    let now = state.clock.now();
    {
        let mut fetched = state.lti.roster_fetched.lock().unwrap();
        let key = (platform.id, context_id.clone());
        if fetched
            .get(&key)
            .is_some_and(|at| now - at < ROSTER_EVERY_SECS)
        {
            return;
        }
        fetched.retain(|_, at| now - *at < ROSTER_EVERY_SECS);
        fetched.insert(key, now);
    }
    tokio::spawn(async move {
        if let Err(error) = refresh(&state, &platform, &context_id, &memberships_url).await {
            tracing::warn!(platform = platform.id, %error, "could not fetch the course roster");
        }
    });
}

/// Reads every page of the roster and replaces what is stored.
pub async fn refresh(
    state: &AppState,
    platform: &LtiPlatform,
    context_id: &str,
    memberships_url: &str,
) -> Result<usize, String> {
    let token =
        super::grades::service_token(state, platform, &[lti::claims::SCOPE_NRPS_MEMBERSHIP])
            .await?;
    let mut members: Vec<RosterMember> = Vec::new();
    let mut next = Some(memberships_url.to_owned());
    let mut pages = 0;
    while let Some(url) = next.take() {
        pages += 1;
        if pages > MAX_PAGES {
            break;
        }
        let response = state
            .lti
            .http
            .get(&url)
            .bearer_auth(&token)
            .header("accept", lti::nrps::MEMBERSHIP_MEDIA_TYPE)
            .send()
            .await
            .map_err(|e| format!("the roster could not be fetched: {}", e.without_url()))?;
        if !response.status().is_success() {
            return Err(format!(
                "the roster service answered HTTP {}",
                response.status().as_u16()
            ));
        }
        next = response
            .headers()
            .get_all("link")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(lti::nrps::next_page)
            // The bearer token goes only where the roster lives.
            .filter(|next| super::web_origin(next) == super::web_origin(memberships_url));
        let text = super::read_limited(response, MAX_PAGE_BYTES)
            .await
            .map_err(|e| format!("the roster could not be read: {e}"))?;
        let page: lti::nrps::MembershipContainer = serde_json::from_str(&text)
            .map_err(|e| format!("the roster is not a membership container: {e}"))?;
        members.extend(page.members.into_iter().map(|m| RosterMember {
            name: m.name.clone().or_else(|| {
                let joined = [m.given_name.as_deref(), m.family_name.as_deref()]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" ");
                (!joined.is_empty()).then_some(joined)
            }),
            email: m.email,
            roles: m.roles.join(" "),
            status: format!("{:?}", m.status),
            subject: m.user_id,
        }));
    }
    let count = members.len();
    state
        .accounts
        .store()
        .replace_roster(platform.id, context_id, &members, state.clock.now())
        .await
        .map_err(|e| e.to_string())?;
    Ok(count)
}

/// What an instructor's launch opens: the course's roster with each learner's progress, and a way into
/// the course itself.
pub async fn instructor_page(
    state: &AppState,
    platform: &LtiPlatform,
    link: &LtiResourceLink,
    package_id: i64,
    token: &str,
) -> Response {
    let store = state.accounts.store();
    let rows = match &link.context_id {
        Some(context) => store
            .roster_progress(
                platform.id,
                context,
                &super::launch::identity_scope(platform),
                package_id,
            )
            .await
            .unwrap_or_default(),
        None => Vec::new(),
    };
    let title = link.title.clone().unwrap_or_else(|| "This activity".into());
    let mut page = Page::new(&title, state.lti.frame_ancestors());
    let started = rows
        .iter()
        .filter(|(_, _, status)| status.is_some())
        .count();
    let table = if rows.is_empty() {
        "<p>The course roster has not arrived from your learning system yet. Reload this page in a \
         moment.</p>"
            .to_owned()
    } else {
        let body: String = rows
            .iter()
            .map(|(subject, name, status)| {
                format!(
                    "<tr><td>{}</td><td>{}</td></tr>",
                    esc(name.as_deref().unwrap_or(subject)),
                    esc(match status.as_deref() {
                        None => "Not started",
                        Some("completed") => "Completed",
                        Some("incomplete") => "In progress",
                        Some(_) => "Started",
                    })
                )
            })
            .collect();
        format!(
            "<table><caption>Learners and their progress ({started} of {total} started)</caption>\
             <thead><tr><th scope=\"col\">Learner</th><th scope=\"col\">Progress</th></tr></thead>\
             <tbody>{body}</tbody></table>",
            total = rows.len()
        )
    };
    page.body = format!(
        "<h1>{title}</h1><p>You opened this activity as an instructor. Learners who open it see the course; \
         their scores go to your gradebook when they finish.</p>\
         <p><a class=\"button\" href=\"/lti/play/{package_id}#{token}\">Open the course</a></p>{table}",
        title = esc(&title),
        token = esc(token),
    );
    (StatusCode::OK, page).into_response()
}
