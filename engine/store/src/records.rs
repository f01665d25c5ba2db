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

#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct Attempt {
    pub id: i64,
    pub registration_id: i64,
    pub version_id: i64,
    pub number: i64,
    /// `in_progress`, `completed` or `abandoned`.
    pub status: String,
    pub started_at: i64,
    pub ended_at: Option<i64>,
}
