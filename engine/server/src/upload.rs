//! Package upload from the admin pages: the multipart body streams to a temporary file (never held in
//! memory), then goes through the same import as the command line.

use std::io::Write;

use accounts::Actor;
use axum::Json;
use axum::extract::{Extension, Multipart, State};
use axum::http::header::ACCEPT;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use web::api::ssr::RequestAuth;

use crate::AppState;
use crate::import::{ImportError, ImportRequest, import_package};

/// The largest upload accepted (a video-heavy course can reach a few hundred MB).
pub const MAX_UPLOAD_BYTES: usize = 2 * 1024 * 1024 * 1024;

fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get(ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"))
}

fn fail(json: bool, status: StatusCode, message: String) -> Response {
    if json {
        (status, Json(serde_json::json!({ "error": message }))).into_response()
    } else {
        (
            status,
            Html(page(
                "The package was not uploaded",
                &format!("<p>{}</p>", escape(&message)),
            )),
        )
            .into_response()
    }
}

pub async fn upload_package(
    State(state): State<AppState>,
    Extension(auth): Extension<RequestAuth>,
    headers: HeaderMap,
    mut multipart: Multipart,
) -> Response {
    let json = wants_json(&headers);
    let Some(user) = auth.user.clone() else {
        return fail(
            json,
            StatusCode::UNAUTHORIZED,
            "Sign in to upload packages.".into(),
        );
    };
    let actor = Actor::User(Box::new(user.clone()));
    // Refuse people who may not upload before reading a byte of the body.
    if let Err(error) = state.accounts.upload_target(&actor, None) {
        return fail(json, StatusCode::FORBIDDEN, error.to_string());
    }
    let mut requested_org: Option<i64> = None;
    let mut in_progress = crate::import::InProgress::FinishOnTheirVersion;
    let temp_dir = state.content_dir.join("tmp");
    if let Err(error) = std::fs::create_dir_all(&temp_dir) {
        tracing::error!(%error, "cannot create the upload folder");
        return fail(
            json,
            StatusCode::INTERNAL_SERVER_ERROR,
            "Uploads are unavailable right now.".into(),
        );
    }
    let mut upload: Option<(tempfile::NamedTempFile, String)> = None;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(error) => {
                return fail(
                    json,
                    error.status(),
                    format!(
                        "The upload was interrupted or too large: {}",
                        error.body_text()
                    ),
                );
            }
        };
        match field.name() {
            Some("organisation_id") => {
                let text = small_text(field).await;
                requested_org = text.trim().parse().ok();
            }
            Some("in_progress") => {
                let choice = small_text(field).await;
                in_progress = match choice.trim() {
                    "move" => crate::import::InProgress::MoveToNewVersion,
                    _ => crate::import::InProgress::FinishOnTheirVersion,
                };
            }
            Some("package") => {
                let file_name = field.file_name().unwrap_or("package.zip").to_owned();
                match save_field(field, &temp_dir).await {
                    Ok(file) => upload = Some((file, file_name)),
                    Err(response) => return fail(json, StatusCode::BAD_REQUEST, response),
                }
            }
            _ => {}
        }
    }
    let Some((file, file_name)) = upload else {
        return fail(
            json,
            StatusCode::BAD_REQUEST,
            "Choose a SCORM package (.zip) to upload.".into(),
        );
    };
    let organisation_id = match state.accounts.upload_target(&actor, requested_org) {
        Ok(org) => org,
        Err(error) => return fail(json, StatusCode::FORBIDDEN, error.to_string()),
    };
    let request = ImportRequest {
        zip: file.path(),
        organisation_id,
        created_by: Some(user.id),
        limits: state.package_limits.clone(),
        in_progress,
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    match import_package(state.accounts.store(), &state.blobs, request, now).await {
        Ok(imported) => {
            let what = format!(
                "{} version {}",
                imported.version.title, imported.version.version_no
            );
            state
                .accounts
                .record(
                    &actor,
                    organisation_id,
                    "package.import",
                    &what,
                    auth.client_ip.clone(),
                )
                .await;
            let target = web::api::ssr::with_added("/admin/packages", &imported.version.title);
            tracing::info!(
                package = imported.version.package_id,
                version = imported.version.version_no,
                "package imported"
            );
            if json {
                Json(serde_json::json!({ "redirect": target, "report": imported.report }))
                    .into_response()
            } else {
                Redirect::to(&target).into_response()
            }
        }
        Err(ImportError::Invalid(report)) => {
            if json {
                (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    Json(serde_json::json!({ "report": *report })),
                )
                    .into_response()
            } else {
                let items: String = report
                    .diagnostics
                    .iter()
                    .map(|d| format!("<li>{}</li>", escape(&d.to_string())))
                    .collect();
                let body = format!(
                    "<p>{} has problems that must be fixed before it can be used:</p><ul>{items}</ul>",
                    escape(&file_name)
                );
                (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    Html(page("The package was not imported", &body)),
                )
                    .into_response()
            }
        }
        Err(error) => {
            tracing::error!(%error, "package import failed");
            fail(
                json,
                StatusCode::INTERNAL_SERVER_ERROR,
                "The package could not be stored. Try again shortly.".into(),
            )
        }
    }
}

/// A short form field (an id, a choice), read up to 64 bytes so a huge one cannot fill memory.
async fn small_text(mut field: axum::extract::multipart::Field<'_>) -> String {
    let mut bytes = Vec::new();
    while let Ok(Some(chunk)) = field.chunk().await {
        bytes.extend_from_slice(&chunk[..chunk.len().min(64 - bytes.len().min(64))]);
        if bytes.len() >= 64 {
            break;
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Streams one multipart field to a temporary file.
async fn save_field(
    mut field: axum::extract::multipart::Field<'_>,
    dir: &std::path::Path,
) -> Result<tempfile::NamedTempFile, String> {
    let mut file = tempfile::Builder::new()
        .prefix("upload-")
        .suffix(".zip")
        .tempfile_in(dir)
        .map_err(|e| e.to_string())?;
    loop {
        match field.chunk().await {
            Ok(Some(chunk)) => file
                .write_all(&chunk)
                .map_err(|e| format!("could not save the upload: {e}"))?,
            Ok(None) => break,
            Err(error) => {
                return Err(format!(
                    "The upload was interrupted or too large: {}",
                    error.body_text()
                ));
            }
        }
    }
    file.flush().map_err(|e| e.to_string())?;
    Ok(file)
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A plain page for answers to forms posted without JavaScript.
fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html><html lang=\"en-GB\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} – Rampart</title><link rel=\"stylesheet\" href=\"/assets/rampart.css\"></head>\
         <body><main id=\"main\" class=\"container\"><div class=\"error-summary\" role=\"alert\"><h1>{title}</h1>{body}</div>\
         <p><a href=\"/admin/packages\">Back to packages</a></p></main></body></html>"
    )
}
