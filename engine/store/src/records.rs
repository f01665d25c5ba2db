//! Plain records read from and written to the database.

#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct Organisation {
    pub id: i64,
    pub name: String,
    pub slug: String,
    /// The type of health or care organisation, e.g. `acute_trust` (used to target advisories).
    pub kind: String,
    pub region: Option<String>,
    pub created_at: i64,
}

#[derive(Clone, Debug)]
pub struct NewOrganisation {
    pub name: String,
    pub slug: String,
    pub kind: String,
    pub region: Option<String>,
}

/// A user with their roles. `password_hash` is an argon2 PHC string; `Debug` never shows it.
#[derive(Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct User {
    pub id: i64,
    pub organisation_id: Option<i64>,
    pub organisation_name: Option<String>,
    pub email: String,
    pub display_name: String,
    pub password_hash: Option<String>,
    pub disabled: bool,
    pub created_at: i64,
    /// Loaded by a second query (`user_roles`), not a column.
    #[sqlx(skip)]
    pub roles: Vec<String>,
}

impl std::fmt::Debug for User {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("User")
            .field("id", &self.id)
            .field("organisation_id", &self.organisation_id)
            .field("email", &self.email)
            .field("display_name", &self.display_name)
            .field(
                "password_hash",
                &self.password_hash.as_ref().map(|_| "<redacted>"),
            )
            .field("disabled", &self.disabled)
            .field("roles", &self.roles)
            .finish()
    }
}

pub struct NewUser {
    pub organisation_id: Option<i64>,
    /// Already normalised (trimmed, lower-case) by the caller.
    pub email: String,
    pub display_name: String,
    pub password_hash: Option<String>,
    pub roles: Vec<String>,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Session {
    pub token_hash: Vec<u8>,
    pub user_id: i64,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub expires_at: i64,
}

pub struct NewSession {
    /// SHA-256 of the cookie's token: a stolen database does not yield usable sessions.
    pub token_hash: Vec<u8>,
    pub user_id: i64,
    pub created_at: i64,
    pub expires_at: i64,
    pub client_ip: Option<String>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct Throttle {
    pub failures: i64,
    pub window_started_at: i64,
    pub locked_until: i64,
}

#[derive(Clone, Debug, Default)]
pub struct NewAuditEntry {
    pub at: i64,
    pub actor_user_id: Option<i64>,
    pub organisation_id: Option<i64>,
    pub action: String,
    pub target: Option<String>,
    pub detail: String,
    pub client_ip: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct AuditEntry {
    pub id: i64,
    pub at: i64,
    pub actor_user_id: Option<i64>,
    pub organisation_id: Option<i64>,
    pub action: String,
    pub target: Option<String>,
    pub detail: String,
    pub client_ip: Option<String>,
}

/// A package with its newest version, for lists.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct PackageSummary {
    pub id: i64,
    pub organisation_id: Option<i64>,
    pub organisation_name: Option<String>,
    pub identifier: String,
    pub title: String,
    pub version_id: i64,
    pub version_no: i64,
    pub standard: String,
    pub launch_path: Option<String>,
    pub n_files: i64,
    pub total_bytes: i64,
    pub updated_at: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct PackageVersion {
    pub id: i64,
    pub package_id: i64,
    pub organisation_id: Option<i64>,
    pub version_no: i64,
    pub standard: String,
    pub title: String,
    pub launch_path: Option<String>,
    pub manifest_json: String,
    pub report_json: String,
    pub n_files: i64,
    pub total_bytes: i64,
    pub created_at: i64,
}

pub struct NewPackageVersion {
    pub organisation_id: Option<i64>,
    /// The manifest's identifier: a new upload with the same identifier (in the same organisation) is a
    /// new version of the same package.
    pub identifier: String,
    pub standard: String,
    pub title: String,
    pub launch_path: Option<String>,
    pub manifest_json: String,
    pub report_json: String,
    pub total_bytes: i64,
    pub created_by: Option<i64>,
    /// `(path, sha256 hex, size)`.
    pub files: Vec<(String, String, i64)>,
}

#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct PackageFile {
    pub sha256: String,
    pub size: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct Registration {
    pub id: i64,
    pub package_id: i64,
    pub user_id: i64,
    pub created_at: i64,
}

#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct Attempt {
    pub id: i64,
    pub registration_id: i64,
    pub version_id: i64,
    pub number: i64,
    /// `in_progress`, `completed` or `abandoned`.
    pub status: String,
    pub started_at: i64,
    pub ended_at: Option<i64>,
    /// The rollup of its SCOs, for reports: `completed`/`incomplete`/`not attempted`/`unknown`.
    pub completion_status: Option<String>,
    /// `passed`/`failed`/`unknown`.
    pub success_status: Option<String>,
    /// -1..=1.
    pub score_scaled: Option<f64>,
    /// Time spent in all its SCOs, in centiseconds.
    pub total_time_cs: i64,
    /// The SCO item last launched (where the learner resumes).
    pub last_item: Option<String>,
    pub updated_at: Option<i64>,
}

/// A registration with its newest attempt, for a learner's dashboard.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct RegistrationProgress {
    pub registration_id: i64,
    pub package_id: i64,
    pub attempt_id: Option<i64>,
    pub attempt_status: Option<String>,
    pub completion_status: Option<String>,
    pub success_status: Option<String>,
    pub score_scaled: Option<f64>,
    pub last_item: Option<String>,
    pub updated_at: Option<i64>,
}

/// The run-time state of one SCO item in one attempt: the data as it stands, the launch in progress and
/// a summary for reports. JSON columns are opaque to the store.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct ScoState {
    pub attempt_id: i64,
    pub item_identifier: String,
    /// `runtime::AttemptData` JSON after the last acknowledged batch (`None` before the first).
    pub data: Option<String>,
    /// What the current launch started from (`None`: a new attempt on this SCO).
    pub base_data: Option<String>,
    /// The current launch's `runtime::LaunchContext` JSON.
    pub context: String,
    pub launch_no: i64,
    /// Calls journaled in the current launch.
    pub n_calls: i64,
    /// The current launch's session has not been finished.
    pub open: bool,
    /// The next launch resumes from `data`; otherwise it starts a new attempt on this SCO.
    pub resume: bool,
    pub completion_status: Option<String>,
    pub success_status: Option<String>,
    pub score_scaled: Option<f64>,
    pub total_time_cs: i64,
    pub launched_at: i64,
    pub updated_at: i64,
    /// Bumped by every write; writers name the revision they read (optimistic concurrency).
    pub revision: i64,
}

/// One acknowledged batch of API calls.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct RuntimeCommit {
    pub launch_no: i64,
    /// Position of the batch's first call in the launch's journal.
    pub seq: i64,
    /// JSON array of `runtime::Call`.
    pub calls: String,
    pub is_final: bool,
    pub received_at: i64,
}

/// The attempt-level rollup written with a SCO's state.
#[derive(Clone, Debug, PartialEq)]
pub struct AttemptSummary {
    /// `in_progress` or `completed`.
    pub status: String,
    pub ended_at: Option<i64>,
    pub completion_status: Option<String>,
    pub success_status: Option<String>,
    pub score_scaled: Option<f64>,
    pub total_time_cs: i64,
    pub last_item: Option<String>,
}

/// Everything one acknowledged step of the run-time writes, in one transaction: the SCO's new state,
/// the journal row, shared data stores and the attempt's rollup.
#[derive(Clone, Debug)]
pub struct ScoWrite {
    /// The new row; its `revision` is ignored (the store sets `expected_revision + 1`, or 1).
    pub state: ScoState,
    /// The revision the writer read, `None` when there was no row. Anything else is a `Conflict`.
    pub expected_revision: Option<i64>,
    pub journal: Option<RuntimeCommit>,
    /// The registration whose `adl.data` stores `shared_data` writes.
    pub registration_id: i64,
    /// `(target id, store)` written by the session.
    pub shared_data: Vec<(String, String)>,
    pub summary: Option<AttemptSummary>,
}
