//! The SCORM run-time over HTTP: `POST /api/runtime/launch` and `POST /api/runtime/commit`.
//!
//! The browser answers the SCO with the same `runtime` crate compiled to wasm and journals every accepted
//! state-changing call. The player page sends the journal here in batches; the server re-runs the
//! launch's base data and *all* calls of the launch on a fresh [`Session`] (a cached one when it is
//! current), so a call the server's copy refuses is refused (422) and nothing is stored, and on terminate
//! the exact [`Session::finish`] is known. The new state and the journal row go to the database in one
//! transaction before the answer.
//!
//! A batch names the position of its first call in the launch's journal (`seq`), so a replayed batch is
//! acknowledged without being applied twice and overlapping batches (a beacon sent while a fetch was in
//! flight) apply only what is new.
//!
//! CSRF: launch is an ordinary JSON POST under the CSRF layer (`x-csrf-token`). Commit must also work from
//! `navigator.sendBeacon`, which cannot set headers, so it carries a per-launch HMAC token in its body
//! (bound to user, attempt, item and launch; only the launch answer, readable by our own pages, holds it)
//! and a foreign `Origin` is refused.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use accounts::{Actor, SecretKey, User};
use axum::Extension;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::header::ORIGIN;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use package::Manifest;
use runtime::{AttemptData, Call, LaunchContext, NavRequest, Session, SessionEnd, Version};
use serde::{Deserialize, Serialize};
use store::{Attempt, RuntimeCommit, ScoState, ScoWrite, Store, StoreError};
use web::api::ssr::RequestAuth;

use crate::{AppState, player};

/// The largest commit body accepted (a batch of calls, suspend data included).
pub const MAX_COMMIT_BYTES: usize = 1024 * 1024;
/// How long a launch's content links stay valid.
const CONTENT_TTL_SECS: i64 = 4 * 3600;
const CACHED_SESSIONS: usize = 10_000;
const CACHED_MANIFESTS: usize = 64;

/// Keys and caches of the run-time service. The caches only save work: every answer is what a rebuild
/// from the database would give.
pub struct Runtime {
    secret: SecretKey,
    /// The live session after the last acknowledged batch, per `(attempt, item)`.
    sessions: Mutex<HashMap<(i64, String), Cached>>,
    manifests: Mutex<HashMap<i64, Arc<Manifest>>>,
}

struct Cached {
    launch_no: i64,
    n_calls: i64,
    revision: i64,
    session: Session,
}

impl Runtime {
    pub fn new(secret: SecretKey) -> Runtime {
        Runtime {
            secret,
            sessions: Mutex::new(HashMap::new()),
            manifests: Mutex::new(HashMap::new()),
        }
    }

    fn commit_token(&self, user_id: i64, attempt_id: i64, item: &str, launch_no: i64) -> String {
        self.secret.mac_b64(
            "runtime-commit",
            &token_message(user_id, attempt_id, item, launch_no),
        )
    }

    fn verify_commit_token(&self, user_id: i64, request: &CommitRequest) -> bool {
        self.secret.verify_mac_b64(
            "runtime-commit",
            &token_message(user_id, request.attempt, &request.item, request.launch),
            &request.token,
        )
    }

    /// The parsed manifest of a package version.
    pub async fn manifest(
        &self,
        store: &Store,
        version_id: i64,
    ) -> Result<Arc<Manifest>, ApiError> {
        if let Some(manifest) = self.manifests.lock().unwrap().get(&version_id) {
            return Ok(manifest.clone());
        }
        let version = store.package_version(version_id).await?;
        let manifest: Manifest = serde_json::from_str(&version.manifest_json).map_err(|e| {
            tracing::error!(version_id, error = %e, "stored manifest cannot be read");
            ApiError::internal()
        })?;
        let manifest = Arc::new(manifest);
        let mut cache = self.manifests.lock().unwrap();
        if cache.len() >= CACHED_MANIFESTS {
            cache.clear();
        }
        cache.insert(version_id, manifest.clone());
        Ok(manifest)
    }

    fn cached_session(&self, state: &ScoState) -> Option<Session> {
        let cache = self.sessions.lock().unwrap();
        let cached = cache.get(&(state.attempt_id, state.item_identifier.clone()))?;
        (cached.launch_no == state.launch_no
            && cached.n_calls == state.n_calls
            && cached.revision == state.revision)
            .then(|| cached.session.clone())
    }

    fn remember(&self, state: &ScoState, session: Option<Session>) {
        let key = (state.attempt_id, state.item_identifier.clone());
        let mut cache = self.sessions.lock().unwrap();
        match session {
            Some(session) => {
                if cache.len() >= CACHED_SESSIONS {
                    cache.clear();
                }
                cache.insert(
                    key,
                    Cached {
                        launch_no: state.launch_no,
                        n_calls: state.n_calls,
                        revision: state.revision,
                        session,
                    },
                );
            }
            None => {
                cache.remove(&key);
            }
        }
    }
}

fn token_message(user_id: i64, attempt_id: i64, item: &str, launch_no: i64) -> Vec<u8> {
    format!("u{user_id}:a{attempt_id}:l{launch_no}:i{item}").into_bytes()
}

/// What the `context` column holds: the launch context with the data model version it was built for.
#[derive(Serialize, Deserialize)]
struct LaunchRecord {
    version: Version,
    context: LaunchContext,
}

/// An error answer: a status and a JSON body `{"error": code, "message": sentence, ...}`.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    body: serde_json::Value,
}

impl ApiError {
    fn new(status: StatusCode, code: &str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            body: serde_json::json!({ "error": code, "message": message.into() }),
        }
    }

    fn internal() -> ApiError {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Something went wrong on our side; your progress in this page is kept and will be sent again.",
        )
    }

    fn forbidden(message: &str) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    fn conflict(code: &str, message: &str) -> ApiError {
        ApiError::new(StatusCode::CONFLICT, code, message)
    }

    /// Another writer changed the same row between our read and our write: worth trying again.
    fn is_race(&self) -> bool {
        self.status == StatusCode::CONFLICT && self.body["error"] == "conflict"
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> ApiError {
        match error {
            StoreError::NotFound => ApiError::new(StatusCode::NOT_FOUND, "not-found", "not found"),
            other => {
                tracing::error!(error = %other, "run-time storage failed");
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    "Progress cannot be saved right now; it will be sent again.",
                )
            }
        }
    }
}

impl From<accounts::AccountsError> for ApiError {
    fn from(error: accounts::AccountsError) -> ApiError {
        tracing::error!(%error, "run-time account lookup failed");
        ApiError::internal()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, axum::Json(self.body)).into_response()
    }
}

fn signed_in(auth: &RequestAuth) -> Result<User, ApiError> {
    auth.user.clone().ok_or_else(|| {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "not-signed-in",
            "Your session has ended. Sign in again to continue.",
        )
    })
}

// ----- launch -----

/// What to launch: a registration, a package version or a package (the learner's registration on it is
/// created on first use), and optionally the item (default: where the learner left off, else the first).
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LaunchRequest {
    pub registration: Option<i64>,
    pub version: Option<i64>,
    pub package: Option<i64>,
    pub item: Option<String>,
}

/// Everything the player and the launcher need for one launch of one SCO.
#[derive(Debug, Serialize)]
pub struct LaunchResponse {
    /// The data model and API the SCO gets.
    pub version: Version,
    pub context: LaunchContext,
    /// What the session starts from (`null`: a new attempt on this SCO).
    pub data: Option<AttemptData>,
    /// `cmi.entry`: `ab-initio`, `resume` or empty.
    pub entry: String,
    pub registration: i64,
    pub attempt: i64,
    pub item: String,
    pub title: String,
    pub launch: i64,
    /// The position the first batch of this launch starts at.
    pub seq: i64,
    /// The per-launch commit token (goes back in every commit body).
    pub token: String,
    /// The SCO's URL on the content origin (signed path).
    pub content_url: String,
    /// The launcher page on the content origin that hosts the API and frames the SCO.
    pub launcher_url: String,
    /// The content origin, for `postMessage` target checks.
    pub content_origin: String,
    pub commit_url: String,
}

pub async fn launch(
    State(state): State<AppState>,
    Extension(auth): Extension<RequestAuth>,
    grant: Option<Extension<crate::lti::LaunchGrant>>,
    body: Bytes,
) -> Response {
    let result = async {
        let user = signed_in(&auth)?;
        let request: LaunchRequest = serde_json::from_slice(&body).map_err(|e| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "bad-request",
                format!("The launch request is not valid: {e}"),
            )
        })?;
        // A launch-bound token (LTI) opens its own course only.
        if let Some(Extension(grant)) = grant
            && (request.package != Some(grant.package_id)
                || request.registration.is_some()
                || request.version.is_some())
        {
            return Err(ApiError::forbidden(
                "This course window can only open the course it was launched for.",
            ));
        }
        let mut tries = 0;
        loop {
            match launch_once(&state, &user, &request).await {
                Err(error) if error.is_race() && tries < 3 => tries += 1,
                other => return other,
            }
        }
    }
    .await;
    match result {
        Ok(launched) => axum::Json(launched).into_response(),
        Err(error) => error.into_response(),
    }
}

/// The learner's attempt to continue: the newest one while it is in progress; after a completed (or
/// abandoned) one, a new attempt on the package's newest version, so a finished attempt stays as it was
/// in reports.
async fn current_attempt(
    store: &Store,
    registration_id: i64,
    newest_version: i64,
    now: i64,
) -> Result<Attempt, ApiError> {
    let attempts = store.attempts(registration_id).await?;
    match attempts.into_iter().last() {
        Some(attempt) if attempt.status == "in_progress" => Ok(attempt),
        _ => Ok(store
            .start_attempt(registration_id, newest_version, now)
            .await?),
    }
}

async fn launch_once(
    state: &AppState,
    user: &User,
    request: &LaunchRequest,
) -> Result<LaunchResponse, ApiError> {
    let store = state.accounts.store();
    let now = state.clock.now();
    let not_shared =
        || ApiError::forbidden("This course does not exist or is not shared with you.");
    let package_id = match (request.registration, request.version, request.package) {
        (Some(id), _, _) => {
            let registration = store.registration(id).await.map_err(|_| not_shared())?;
            if registration.user_id != user.id {
                return Err(not_shared());
            }
            registration.package_id
        }
        (None, Some(id), _) => {
            store
                .package_version(id)
                .await
                .map_err(|_| not_shared())?
                .package_id
        }
        (None, None, Some(id)) => id,
        (None, None, None) => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "bad-request",
                "Say which course to launch: registration, version or package.",
            ));
        }
    };
    let actor = Actor::User(Box::new(user.clone()));
    let visible = state.accounts.visible_packages(&actor).await?;
    let package = visible
        .iter()
        .find(|p| p.id == package_id)
        .ok_or_else(not_shared)?;
    let enrolled_before = store
        .find_registration(package_id, user.id)
        .await?
        .is_some();
    let registration = store.register(package_id, user.id, now).await?;
    if !enrolled_before {
        let payload = serde_json::json!({
            "user_id": user.id,
            "course_id": package_id,
            "course_title": package.title,
            "registration_id": registration.id,
        });
        publish_engine_event(state, "learner.enrolled", user.organisation_id, payload).await;
    }
    let attempt = current_attempt(store, registration.id, package.version_id, now).await?;
    let manifest = state.runtime.manifest(store, attempt.version_id).await?;
    let version = player::version(&manifest);
    let mut states = store.sco_states(attempt.id).await?;
    // Sessions of other activities the browser left without a final batch end now (one activity runs
    // at a time per attempt), so their results count before this launch.
    for open in states.iter_mut() {
        if open.open && open.n_calls > 0 && request.item.as_deref() != Some(&open.item_identifier) {
            let (record, session) = rebuild(state, store, open).await?;
            let end = session.finish();
            let finished = finished_state(open.clone(), &record, &end);
            let written = store
                .write_sco(
                    &ScoWrite {
                        state: finished,
                        expected_revision: Some(open.revision),
                        journal: None,
                        registration_id: registration.id,
                        shared_data: end.shared_data_writes,
                        summary: None,
                    },
                    now,
                )
                .await
                .map_err(|error| match error {
                    StoreError::Conflict { .. } => ApiError::conflict(
                        "conflict",
                        "Another activity of this course saved at the same moment; try again.",
                    ),
                    other => other.into(),
                })?;
            state.runtime.remember(&written, None);
            *open = written;
        }
    }
    let entries = player::entries(&manifest);
    let launchable = |id: &str| {
        entries
            .iter()
            .find(|e| e.item.identifier == id && e.launch.is_some())
    };
    let entry = match &request.item {
        Some(id) => launchable(id).ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "not-found",
                "This course has no activity with that identifier to launch.",
            )
        })?,
        None => attempt
            .last_item
            .as_deref()
            .and_then(launchable)
            .or_else(|| entries.iter().find(|e| e.launch.is_some()))
            .ok_or_else(|| {
                ApiError::new(
                    StatusCode::NOT_FOUND,
                    "not-found",
                    "This course has nothing to launch.",
                )
            })?,
    };
    if !player::available(entry.item, &states) {
        return Err(ApiError::conflict(
            "prerequisites",
            "Finish the activities this one depends on first.",
        ));
    }
    let item_id = entry.item.identifier.clone();
    let existing = states
        .iter()
        .find(|s| s.item_identifier == item_id)
        .cloned();

    // A launch whose session was never finished (the browser went away before its final batch) is
    // finished now, from its journal, exactly as a terminate would have left it.
    let mut shared_writes = Vec::new();
    let mut previous = existing.clone();
    if let Some(open) = existing.as_ref().filter(|s| s.open && s.n_calls > 0) {
        let (record, session) = rebuild(state, store, open).await?;
        let end = session.finish();
        shared_writes = end.shared_data_writes.clone();
        previous = Some(finished_state(open.clone(), &record, &end));
    }

    let shared = if shared_writes.is_empty() {
        store.shared_data(registration.id).await?
    } else {
        let mut shared = store.shared_data(registration.id).await?;
        for (id, value) in &shared_writes {
            match shared.iter_mut().find(|(known, _)| known == id) {
                Some(slot) => slot.1 = value.clone(),
                None => shared.push((id.clone(), value.clone())),
            }
        }
        shared
    };
    let context = player::launch_context(
        &manifest,
        entry.item,
        user.id.to_string(),
        user.display_name.clone(),
        &shared,
    );
    let base: Option<AttemptData> = match &previous {
        Some(s) if s.resume => s
            .data
            .as_deref()
            .and_then(|json| serde_json::from_str(json).ok()),
        _ => None,
    };
    let session = Session::new(version, context.clone(), base.clone());
    let record = LaunchRecord {
        version,
        context: context.clone(),
    };
    let launch_no = previous.as_ref().map_or(0, |s| s.launch_no) + 1;
    let new_state = ScoState {
        attempt_id: attempt.id,
        item_identifier: item_id.clone(),
        data: previous.as_ref().and_then(|s| s.data.clone()),
        base_data: base.as_ref().map(to_json),
        context: to_json(&record),
        launch_no,
        n_calls: 0,
        open: true,
        resume: previous.as_ref().is_some_and(|s| s.resume),
        completion_status: previous.as_ref().and_then(|s| s.completion_status.clone()),
        success_status: previous.as_ref().and_then(|s| s.success_status.clone()),
        score_scaled: previous.as_ref().and_then(|s| s.score_scaled),
        total_time_cs: previous.as_ref().map_or(0, |s| s.total_time_cs),
        launched_at: now,
        updated_at: now,
        revision: 0,
    };
    let mut all_states: Vec<ScoState> = states
        .into_iter()
        .filter(|s| s.item_identifier != item_id)
        .collect();
    all_states.push(new_state.clone());
    let summary = player::rollup(&manifest, &all_states, &item_id, now);
    let written = store
        .write_sco(
            &ScoWrite {
                state: new_state,
                expected_revision: existing.as_ref().map(|s| s.revision),
                journal: None,
                registration_id: registration.id,
                shared_data: shared_writes,
                summary: Some(summary),
            },
            now,
        )
        .await
        .map_err(|error| match error {
            StoreError::Conflict { .. } => ApiError::conflict(
                "conflict",
                "This activity was opened elsewhere at the same moment; try again.",
            ),
            other => other.into(),
        })?;
    state.runtime.remember(&written, Some(session.clone()));

    let content_token = state
        .content_tokens
        .issue(attempt.version_id, user.id, CONTENT_TTL_SECS);
    let path = entry.launch.clone().unwrap_or_default();
    Ok(LaunchResponse {
        version,
        entry: session.entry().to_owned(),
        context,
        data: base,
        registration: registration.id,
        attempt: attempt.id,
        title: entry.item.title.clone(),
        launch: launch_no,
        seq: 0,
        token: state
            .runtime
            .commit_token(user.id, attempt.id, &item_id, launch_no),
        content_url: format!(
            "{}/content/{content_token}/{}/{path}",
            state.content_url, attempt.version_id
        ),
        launcher_url: format!("{}/__rampart/launch.html", state.content_url),
        content_origin: crate::config::origin(&state.content_url),
        commit_url: "/api/runtime/commit".to_owned(),
        item: item_id,
    })
}

fn to_json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("run-time records serialise")
}

/// The launch's session as it stands after every journaled call: the cached one when it is current,
/// otherwise the base data and the whole journal run again.
async fn rebuild(
    state: &AppState,
    store: &Store,
    sco: &ScoState,
) -> Result<(LaunchRecord, Session), ApiError> {
    let record: LaunchRecord = serde_json::from_str(&sco.context).map_err(|e| {
        tracing::error!(error = %e, "stored launch context cannot be read");
        ApiError::internal()
    })?;
    if let Some(session) = state.runtime.cached_session(sco) {
        return Ok((record, session));
    }
    let base: Option<AttemptData> = match &sco.base_data {
        Some(json) => Some(serde_json::from_str(json).map_err(|e| {
            tracing::error!(error = %e, "stored base data cannot be read");
            ApiError::internal()
        })?),
        None => None,
    };
    let mut session = Session::new(record.version, record.context.clone(), base);
    let calls = stored_calls(store, sco).await?;
    if let Err(refused) = runtime::replay(&mut session, &calls) {
        // The calls were accepted when they were stored; only a changed run-time refuses them now.
        tracing::error!(%refused, attempt = sco.attempt_id, "a stored journal no longer replays");
        return Err(ApiError::internal());
    }
    Ok((record, session))
}

/// A SCO's state once its session has ended.
fn finished_state(mut sco: ScoState, record: &LaunchRecord, end: &SessionEnd) -> ScoState {
    let (completion, success, score) = player::results(record.version, &record.context, &end.data);
    sco.data = Some(to_json(&end.data));
    sco.resume = end.resume_data().is_some();
    sco.open = false;
    sco.completion_status = completion;
    sco.success_status = success;
    sco.score_scaled = score;
    sco.total_time_cs = i64::try_from(end.data.total_time_cs).unwrap_or(i64::MAX);
    sco
}

// ----- commit -----

/// One batch of journaled calls. The same JSON arrives from `fetch` (`application/json`) and from
/// `navigator.sendBeacon` (`text/plain`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommitRequest {
    pub attempt: i64,
    pub item: String,
    pub launch: i64,
    /// Position of the first call in the launch's journal.
    pub seq: i64,
    pub calls: Vec<Call>,
    /// The browser is done with this launch (terminated, or the page is going away): end the session.
    #[serde(rename = "final", default)]
    pub is_final: bool,
    /// The commit token from the launch answer.
    pub token: String,
}

#[derive(Debug, Serialize)]
pub struct CommitResponse {
    /// Calls of this launch stored so far: the next batch starts here.
    pub acknowledged: i64,
    /// The session has ended (terminated or final).
    pub ended: bool,
    /// What the SCO asked for when it ended (`adl.nav.request`), for the player's next step.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nav_request: Option<NavRequest>,
    /// This batch had been stored before: nothing was applied again.
    pub duplicate: bool,
}

pub async fn commit(
    State(state): State<AppState>,
    Extension(auth): Extension<RequestAuth>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let result = async {
        if let Some(origin) = headers.get(ORIGIN)
            && !crate::guard::is_our_origin(origin, &state)
        {
            return Err(ApiError::forbidden(
                "This request came from another website, so Rampart refused it.",
            ));
        }
        let user = signed_in(&auth)?;
        let request: CommitRequest = serde_json::from_slice(&body).map_err(|e| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "bad-request",
                format!("The commit is not valid: {e}"),
            )
        })?;
        if !state.runtime.verify_commit_token(user.id, &request) {
            tracing::warn!(
                attempt = request.attempt,
                "refused a commit without a valid token"
            );
            return Err(ApiError::forbidden(
                "This commit does not belong to your launch of this activity.",
            ));
        }
        let mut tries = 0;
        loop {
            match commit_once(&state, &user, &request).await {
                Err(error) if error.is_race() && tries < 3 => tries += 1,
                other => return other,
            }
        }
    }
    .await;
    match result {
        Ok(answer) => axum::Json(answer).into_response(),
        Err(error) => error.into_response(),
    }
}

async fn commit_once(
    state: &AppState,
    user: &User,
    request: &CommitRequest,
) -> Result<CommitResponse, ApiError> {
    let store = state.accounts.store();
    let now = state.clock.now();
    let attempt = store.attempt(request.attempt).await?;
    let registration = store.registration(attempt.registration_id).await?;
    if registration.user_id != user.id {
        return Err(ApiError::forbidden(
            "You can only save progress to your own attempts.",
        ));
    }
    let sco = store
        .sco_state(request.attempt, &request.item)
        .await?
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "not-found",
                "This activity was never launched.",
            )
        })?;
    if sco.launch_no != request.launch {
        return Err(ApiError::conflict(
            "stale-launch",
            "This activity has been opened again elsewhere; this window can no longer save.",
        ));
    }
    let n_calls = usize::try_from(sco.n_calls).unwrap_or(0);
    let seq = usize::try_from(request.seq).map_err(|_| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad-request",
            "seq cannot be negative",
        )
    })?;
    if seq > n_calls {
        let mut error = ApiError::conflict("gap", "Earlier calls of this launch are missing.");
        error.body["acknowledged"] = sco.n_calls.into();
        return Err(error);
    }
    let already = n_calls - seq;
    if already > 0 {
        // The overlapping calls must be the ones stored: a batch cannot rewrite history.
        let stored = stored_calls(store, &sco).await?;
        let overlap = already.min(request.calls.len());
        if stored.get(seq..seq + overlap) != Some(&request.calls[..overlap]) {
            return Err(ApiError::conflict(
                "mismatch",
                "These calls differ from the ones already saved for this launch.",
            ));
        }
    }
    let new_calls = request.calls.get(already..).unwrap_or(&[]);
    let duplicate = new_calls.is_empty();
    if duplicate && (!request.is_final || !sco.open) {
        return Ok(CommitResponse {
            acknowledged: sco.n_calls,
            ended: !sco.open,
            nav_request: None,
            duplicate: true,
        });
    }
    if !sco.open {
        return Err(ApiError::conflict(
            "ended",
            "This launch has ended; open the activity again to carry on.",
        ));
    }

    let (record, mut session) = rebuild(state, store, &sco).await?;
    if let Err(refused) = runtime::replay(&mut session, new_calls) {
        return Err(ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            body: serde_json::json!({
                "error": "refused",
                "message": refused.to_string(),
                "index": already + refused.index,
                "error_code": refused.error_code,
                "diagnostic": refused.diagnostic,
            }),
        });
    }
    let n_after = sco.n_calls + new_calls.len() as i64;
    let ends = request.is_final || session.is_terminated();
    let journal = (!new_calls.is_empty()).then(|| RuntimeCommit {
        launch_no: sco.launch_no,
        seq: sco.n_calls,
        calls: to_json(&new_calls),
        is_final: ends,
        received_at: now,
    });
    let mut next = sco.clone();
    next.n_calls = n_after;
    let (write, nav_request, live) = if ends {
        let end = session.finish();
        let nav = end.nav_request.clone();
        let finished = finished_state(next, &record, &end);
        let manifest = state.runtime.manifest(store, attempt.version_id).await?;
        let mut all_states: Vec<ScoState> = store
            .sco_states(attempt.id)
            .await?
            .into_iter()
            .filter(|s| s.item_identifier != sco.item_identifier)
            .collect();
        all_states.push(finished.clone());
        let summary = player::rollup(&manifest, &all_states, &sco.item_identifier, now);
        (
            ScoWrite {
                state: finished,
                expected_revision: Some(sco.revision),
                journal,
                registration_id: registration.id,
                shared_data: end.shared_data_writes,
                summary: Some(summary),
            },
            Some(nav),
            None,
        )
    } else {
        next.data = Some(to_json(session.data()));
        (
            ScoWrite {
                state: next,
                expected_revision: Some(sco.revision),
                journal,
                registration_id: registration.id,
                shared_data: Vec::new(),
                summary: None,
            },
            None,
            Some(session),
        )
    };
    let finished_summary = write.summary.clone();
    let written = store
        .write_sco(&write, now)
        .await
        .map_err(|error| match error {
            StoreError::Conflict { .. } => {
                state.runtime.remember(&sco, None);
                ApiError::conflict(
                    "conflict",
                    "Another save of this launch happened at the same moment.",
                )
            }
            other => other.into(),
        })?;
    state.runtime.remember(&written, live);
    if let Some(summary) = &finished_summary {
        let result = crate::lti::grades::AttemptResult {
            attempt_id: attempt.id,
            completion_status: summary.completion_status.as_deref(),
            success_status: summary.success_status.as_deref(),
            score_scaled: summary.score_scaled,
        };
        crate::lti::grades::queue(state, user.id, registration.package_id, &result).await;
    }
    if let Some(summary) = finished_summary
        && is_done(
            summary.completion_status.as_deref(),
            summary.success_status.as_deref(),
        )
        && (!is_done(
            attempt.completion_status.as_deref(),
            attempt.success_status.as_deref(),
        ) || attempt.score_scaled != summary.score_scaled)
    {
        let payload = serde_json::json!({
            "user_id": user.id,
            "course_id": registration.package_id,
            "registration_id": registration.id,
            "attempt": attempt.number,
            "completion_status": summary.completion_status,
            "success_status": summary.success_status,
            "score_scaled": summary.score_scaled,
        });
        publish_engine_event(state, "course.completed", user.organisation_id, payload).await;
    }
    Ok(CommitResponse {
        acknowledged: written.n_calls,
        ended: !written.open,
        nav_request,
        duplicate: false,
    })
}

/// The launch's journaled calls as of `sco` (the state read): rows a concurrent writer added since are
/// left out, so the session rebuilt matches the revision the caller will name when it writes.
async fn stored_calls(store: &Store, sco: &ScoState) -> Result<Vec<Call>, ApiError> {
    let wanted = usize::try_from(sco.n_calls).unwrap_or(0);
    let mut calls = Vec::new();
    for row in store
        .runtime_commits(sco.attempt_id, &sco.item_identifier, sco.launch_no)
        .await?
    {
        if calls.len() >= wanted {
            break;
        }
        let batch: Vec<Call> = serde_json::from_str(&row.calls).map_err(|e| {
            tracing::error!(error = %e, "stored journal cannot be read");
            ApiError::internal()
        })?;
        calls.extend(batch);
    }
    if calls.len() != wanted {
        // Rows and state disagree: only a writer between our two reads explains it, so read again.
        return Err(ApiError::conflict(
            "conflict",
            "Another save of this launch happened at the same moment.",
        ));
    }
    Ok(calls)
}

/// Completed, or passed (a course that only reports success counts as done once passed).
fn is_done(completion: Option<&str>, success: Option<&str>) -> bool {
    completion == Some("completed") || success == Some("passed")
}

/// Tells plugins about a learner's progress. The learner's save has already succeeded, so a failure
/// here is logged rather than returned.
async fn publish_engine_event(
    state: &AppState,
    topic: &str,
    organisation_id: Option<i64>,
    payload: serde_json::Value,
) {
    if let Err(error) = state
        .plugins
        .publish_engine_event(topic, organisation_id, &payload)
        .await
    {
        tracing::error!(%error, topic, "could not publish an engine event");
    }
}
