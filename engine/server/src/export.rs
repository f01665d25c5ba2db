//! CSV exports for admins: the users they may see, their training progress and the audit log. Same
//! authorisation as the pages.

use accounts::{AccountsError, Actor};
use axum::extract::{Extension, State};
use axum::http::StatusCode;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use web::api::ssr::{RequestAuth, format_time};

use crate::AppState;

/// Spreadsheet programs run cells that start with these as formulas; a leading `'` keeps them as text.
fn neutralise(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell.to_owned()
    }
}

/// A CSV download with owned column names (plugin tables).
pub(crate) fn csv_download(file_name: &str, header: &[String], rows: Vec<Vec<String>>) -> Response {
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    csv_response(file_name, &header, rows)
}

fn csv_response(file_name: &str, header: &[&str], rows: Vec<Vec<String>>) -> Response {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let written = writer.write_record(header).and_then(|_| {
        rows.iter()
            .try_for_each(|row| writer.write_record(row.iter().map(|cell| neutralise(cell))))
    });
    match (written, writer.into_inner()) {
        (Ok(()), Ok(bytes)) => (
            [
                (CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                (
                    CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{file_name}\""),
                ),
            ],
            bytes,
        )
            .into_response(),
        _ => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "Could not write the CSV file.",
        )
            .into_response(),
    }
}

fn actor(auth: &RequestAuth) -> Option<Actor> {
    auth.user.clone().map(|user| Actor::User(Box::new(user)))
}

fn refused(error: AccountsError) -> Response {
    match error {
        AccountsError::Forbidden(why) => (
            StatusCode::FORBIDDEN,
            format!("You do not have permission: {why}."),
        )
            .into_response(),
        other => {
            tracing::error!(error = %other, "export failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong on our side.",
            )
                .into_response()
        }
    }
}

pub async fn users_csv(
    State(state): State<AppState>,
    Extension(auth): Extension<RequestAuth>,
) -> Response {
    let Some(actor) = actor(&auth) else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    match state.accounts.list_users(&actor).await {
        Ok(users) => {
            let rows = users
                .into_iter()
                .map(|u| {
                    vec![
                        u.display_name,
                        u.email,
                        u.organisation_name.unwrap_or_default(),
                        u.roles.join(" "),
                        if u.disabled { "disabled" } else { "active" }.to_owned(),
                        format_time(u.created_at),
                    ]
                })
                .collect();
            csv_response(
                "rampart-users.csv",
                &[
                    "name",
                    "email",
                    "organisation",
                    "roles",
                    "status",
                    "created",
                ],
                rows,
            )
        }
        Err(error) => refused(error),
    }
}

pub async fn audit_csv(
    State(state): State<AppState>,
    Extension(auth): Extension<RequestAuth>,
) -> Response {
    let Some(actor) = actor(&auth) else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    match state.accounts.recent_audit(&actor, 10_000).await {
        Ok(entries) => {
            let rows = entries
                .into_iter()
                .map(|e| {
                    vec![
                        format_time(e.at),
                        e.action,
                        e.target.unwrap_or_default(),
                        e.detail,
                        e.client_ip.unwrap_or_default(),
                    ]
                })
                .collect();
            csv_response(
                "rampart-audit-log.csv",
                &["time (UTC)", "action", "target", "detail", "client IP"],
                rows,
            )
        }
        Err(error) => refused(error),
    }
}

/// Training progress of every learner the admin may see (their own organisation, or all for platform
/// admins): one row per learner and course, from the newest attempt. The evidence a Data Security and
/// Protection Toolkit return asks for: who completed which training, when, with what result.
pub async fn training_csv(
    State(state): State<AppState>,
    Extension(auth): Extension<RequestAuth>,
) -> Response {
    let Some(actor) = actor(&auth) else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    let users = match state.accounts.list_users(&actor).await {
        Ok(users) => users,
        Err(error) => return refused(error),
    };
    let store = state.accounts.store();
    let titles: std::collections::HashMap<i64, String> = match store.list_packages(None).await {
        Ok(packages) => packages.into_iter().map(|p| (p.id, p.title)).collect(),
        Err(error) => return refused(error.into()),
    };
    let mut rows = Vec::new();
    for user in users {
        let progress = match store.registrations_of_user(user.id).await {
            Ok(progress) => progress,
            Err(error) => return refused(error.into()),
        };
        for course in progress {
            rows.push(vec![
                user.organisation_name.clone().unwrap_or_default(),
                user.display_name.clone(),
                user.email.clone(),
                titles.get(&course.package_id).cloned().unwrap_or_default(),
                training_status(&course),
                course
                    .score_scaled
                    .map(|s| format!("{:.0}", (s * 100.0).clamp(0.0, 100.0)))
                    .unwrap_or_default(),
                course.updated_at.map(format_time).unwrap_or_default(),
            ]);
        }
    }
    csv_response(
        "rampart-training.csv",
        &[
            "organisation",
            "name",
            "email",
            "course",
            "status",
            "score %",
            "last activity",
        ],
        rows,
    )
}

/// One word for where a learner stands on a course: passed, failed, completed, in progress, not started.
fn training_status(course: &store::RegistrationProgress) -> String {
    match (
        course.success_status.as_deref(),
        course.completion_status.as_deref(),
        course.attempt_id,
    ) {
        (Some("passed"), ..) => "passed",
        (Some("failed"), ..) => "failed",
        (_, Some("completed"), _) => "completed",
        (_, _, Some(_)) => "in progress",
        (_, _, None) => "not started",
    }
    .to_owned()
}

#[cfg(test)]
mod tests {
    #[test]
    fn formula_cells_are_neutralised() {
        assert_eq!(super::neutralise("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(super::neutralise("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(super::neutralise("Nia Nurse"), "Nia Nurse");
        assert_eq!(super::format_time(0), "1970-01-01 00:00:00");
    }
}
