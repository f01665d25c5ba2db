//! Rampart's storage: one schema on SQLite (the embedded default) and PostgreSQL.
//!
//! Every query is written once, in SQL both backends accept (`$1` placeholders work on SQLite too), and
//! run through [`with_pool!`] so that it is type-checked against each driver. Times are Unix seconds passed
//! in by the caller: the store never reads a clock, which keeps expiry and throttling testable.

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

mod error;
mod records;
#[cfg(feature = "test-support")]
pub mod test_db;

pub use assignments::*;
pub use error::StoreError;
pub use lti::*;
pub use plugins::*;
pub use records::*;

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// A handle on the database; cheap to clone (it wraps a connection pool).
#[derive(Clone)]
pub struct Store {
    pool: Pool,
}

#[derive(Clone)]
enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Which database engine a [`Store`] runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs `$body` with `$pool` bound to the concrete pool, so each query is compiled for both drivers.
macro_rules! with_pool {
    ($store:expr, $pool:ident => $body:expr) => {
        match &$store.pool {
            Pool::Sqlite($pool) => $body,
            Pool::Postgres($pool) => $body,
        }
    };
}

/// A `SELECT` of user columns (with the organisation's name) followed by `$tail`.
macro_rules! user_select {
    ($tail:literal) => {
        concat!(
            "SELECT u.id, u.organisation_id, o.name AS organisation_name, u.email, u.display_name,
                    u.password_hash, u.disabled, u.created_at
             FROM users u LEFT JOIN organisations o ON o.id = u.organisation_id ",
            $tail
        )
    };
}
const USER_SELECT_BY_ID: &str = user_select!("WHERE u.id = $1");
const USER_SELECT_BY_EMAIL: &str = user_select!("WHERE u.email = $1");
// Three plain queries rather than one `$1 IS NULL OR organisation_id = $1`, which neither planner serves
// from the `users_organisation` index: the broadcasts benchmark saw every delivery scan all users.
const USERS_ALL: &str = user_select!("ORDER BY lower(u.display_name), u.id");
const USERS_OF_ORGANISATION: &str =
    user_select!("WHERE u.organisation_id = $1 ORDER BY lower(u.display_name), u.id");
const USERS_WITHOUT_ORGANISATION: &str =
    user_select!("WHERE u.organisation_id IS NULL ORDER BY lower(u.display_name), u.id");
const ROLES_ALL: &str = "SELECT user_id, role FROM user_roles ORDER BY role";
const ROLES_OF_ORGANISATION: &str = "SELECT r.user_id, r.role FROM user_roles r
    JOIN users u ON u.id = r.user_id WHERE u.organisation_id = $1 ORDER BY r.role";
const ROLES_WITHOUT_ORGANISATION: &str = "SELECT r.user_id, r.role FROM user_roles r
    JOIN users u ON u.id = r.user_id WHERE u.organisation_id IS NULL ORDER BY r.role";

/// The columns of an [`Attempt`].
macro_rules! attempt_select {
    () => {
        "SELECT id, registration_id, version_id, number, status, started_at, ended_at, completion_status,
                success_status, score_scaled, total_time_cs, last_item, updated_at FROM attempts"
    };
}

/// A `SELECT` of [`ScoState`] columns followed by `$tail`.
macro_rules! concat_sco {
    ($tail:literal) => {
        concat!(
            "SELECT attempt_id, item_identifier, data, base_data, context, launch_no, n_calls, open, resume,
                    completion_status, success_status, score_scaled, total_time_cs, launched_at, updated_at, revision
             FROM sco_state",
            $tail
        )
    };
}

/// Inserts a user and its roles inside an open transaction and evaluates to the new id.
macro_rules! insert_user {
    ($tx:expr, $new:expr, $now:expr) => {{
        let new: &NewUser = $new;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO users (organisation_id, email, display_name, password_hash, created_at)
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(new.organisation_id)
        .bind(&new.email)
        .bind(&new.display_name)
        .bind(&new.password_hash)
        .bind($now)
        .fetch_one($tx)
        .await?;
        for role in &new.roles {
            sqlx::query("INSERT INTO user_roles (user_id, role) VALUES ($1, $2)")
                .bind(id)
                .bind(role)
                .execute($tx)
                .await?;
        }
        id
    }};
}

impl Store {
    /// Connects to `url` (`sqlite://…` or `postgres://…`). SQLite files are created on first use and run
    /// in WAL mode with foreign keys enforced.
    pub async fn connect(url: &str) -> Result<Store> {
        let unavailable = |source: sqlx::Error| StoreError::Unavailable {
            url: redact_url(url),
            reason: source.to_string(),
        };
        let pool = if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)
                .map_err(unavailable)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(5));
            let pool = SqlitePoolOptions::new()
                .max_connections(8)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(options)
                .await
                .map_err(unavailable)?;
            Pool::Sqlite(pool)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let options = PgConnectOptions::from_str(url).map_err(unavailable)?;
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(options)
                .await
                .map_err(unavailable)?;
            Pool::Postgres(pool)
        } else {
            return Err(StoreError::Unavailable {
                url: redact_url(url),
                reason: "the URL must start with sqlite:// or postgres://".to_owned(),
            });
        };
        Ok(Store { pool })
    }

    pub fn backend(&self) -> Backend {
        match self.pool {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    /// Applies every pending migration of this backend.
    pub async fn migrate(&self) -> Result<()> {
        match &self.pool {
            Pool::Sqlite(pool) => SQLITE_MIGRATIONS.run(pool).await?,
            Pool::Postgres(pool) => POSTGRES_MIGRATIONS.run(pool).await?,
        }
        Ok(())
    }

    /// True when the database answers and every migration this build knows has been applied.
    pub async fn is_ready(&self) -> Result<bool> {
        let (applied, known): (i64, usize) = match &self.pool {
            Pool::Sqlite(pool) => (
                sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations WHERE success")
                    .fetch_one(pool)
                    .await?,
                SQLITE_MIGRATIONS.iter().count(),
            ),
            Pool::Postgres(pool) => (
                sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations WHERE success")
                    .fetch_one(pool)
                    .await?,
                POSTGRES_MIGRATIONS.iter().count(),
            ),
        };
        Ok(applied as usize == known)
    }

    pub async fn close(&self) {
        with_pool!(self, pool => pool.close().await)
    }

    // ----- organisations -----

    pub async fn create_organisation(
        &self,
        new: &NewOrganisation,
        now: i64,
    ) -> Result<Organisation> {
        const SQL: &str = "INSERT INTO organisations (name, slug, kind, region, created_at)
                           VALUES ($1, $2, $3, $4, $5)
                           RETURNING id, name, slug, kind, region, created_at";
        with_pool!(self, pool => sqlx::query_as(SQL)
            .bind(&new.name)
            .bind(&new.slug)
            .bind(&new.kind)
            .bind(&new.region)
            .bind(now)
            .fetch_one(pool)
            .await
            .map_err(StoreError::from))
    }

    pub async fn list_organisations(&self) -> Result<Vec<Organisation>> {
        const SQL: &str = "SELECT id, name, slug, kind, region, created_at FROM organisations ORDER BY lower(name)";
        with_pool!(self, pool => sqlx::query_as(SQL).fetch_all(pool).await.map_err(StoreError::from))
    }

    pub async fn organisation(&self, id: i64) -> Result<Organisation> {
        const SQL: &str =
            "SELECT id, name, slug, kind, region, created_at FROM organisations WHERE id = $1";
        with_pool!(self, pool => sqlx::query_as(SQL).bind(id).fetch_one(pool).await.map_err(StoreError::from))
    }

    /// Finds an organisation by its slug or, ignoring case, its name.
    pub async fn find_organisation(&self, slug_or_name: &str) -> Result<Organisation> {
        const SQL: &str = "SELECT id, name, slug, kind, region, created_at FROM organisations
                           WHERE slug = $1 OR lower(name) = lower($1)";
        with_pool!(self, pool => sqlx::query_as(SQL)
            .bind(slug_or_name)
            .fetch_one(pool)
            .await
            .map_err(StoreError::from))
    }

    // ----- users -----

    pub async fn count_users(&self) -> Result<i64> {
        with_pool!(self, pool => sqlx::query_scalar("SELECT count(*) FROM users")
            .fetch_one(pool)
            .await
            .map_err(StoreError::from))
    }

    pub async fn is_setup_complete(&self) -> Result<bool> {
        let rows: i64 = with_pool!(self, pool => sqlx::query_scalar("SELECT count(*) FROM platform_setup")
            .fetch_one(pool)
            .await?);
        Ok(rows > 0)
    }

    /// Creates the first platform admin and marks setup complete, in one transaction. A second attempt,
    /// even a concurrent one, fails with [`StoreError::Conflict`] and changes nothing.
    pub async fn complete_setup(&self, admin: &NewUser, now: i64) -> Result<User> {
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query("INSERT INTO platform_setup (id, completed_at) VALUES (1, $1)")
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(|e| match StoreError::from(e) {
                    StoreError::Conflict { .. } => StoreError::Conflict { what: "platform setup".into() },
                    other => other,
                })?;
            let id = insert_user!(&mut *tx, admin, now);
            tx.commit().await?;
            self.user(id).await
        })
    }

    pub async fn create_user(&self, new: &NewUser, now: i64) -> Result<User> {
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let id = insert_user!(&mut *tx, new, now);
            tx.commit().await?;
            self.user(id).await
        })
    }

    pub async fn user(&self, id: i64) -> Result<User> {
        let user: User = with_pool!(self, pool => sqlx::query_as(USER_SELECT_BY_ID)
            .bind(id)
            .fetch_one(pool)
            .await?);
        self.with_roles(user).await
    }

    pub async fn user_by_email(&self, email: &str) -> Result<User> {
        let user: User = with_pool!(self, pool => sqlx::query_as(USER_SELECT_BY_EMAIL)
            .bind(email)
            .fetch_one(pool)
            .await?);
        self.with_roles(user).await
    }

    /// Lists users, all of them or only those of one organisation, ordered by name.
    /// Every user (`None`), or those of one organisation.
    pub async fn list_users(&self, organisation_id: Option<i64>) -> Result<Vec<User>> {
        match organisation_id {
            Some(id) => {
                self.users_and_roles(USERS_OF_ORGANISATION, ROLES_OF_ORGANISATION, Some(id))
                    .await
            }
            None => self.users_and_roles(USERS_ALL, ROLES_ALL, None).await,
        }
    }

    /// The platform's own staff: users who belong to no organisation (platform admins, CERT analysts).
    pub async fn list_platform_staff(&self) -> Result<Vec<User>> {
        self.users_and_roles(USERS_WITHOUT_ORGANISATION, ROLES_WITHOUT_ORGANISATION, None)
            .await
    }

    /// Users by `users_sql` with their roles by `roles_sql`; both take `$1 = organisation` when given.
    async fn users_and_roles(
        &self,
        users_sql: &'static str,
        roles_sql: &'static str,
        organisation_id: Option<i64>,
    ) -> Result<Vec<User>> {
        let mut users: Vec<User> = with_pool!(self, pool => {
            let query = sqlx::query_as(users_sql);
            let query = match organisation_id {
                Some(id) => query.bind(id),
                None => query,
            };
            query.fetch_all(pool).await?
        });
        let roles: Vec<(i64, String)> = with_pool!(self, pool => {
            let query = sqlx::query_as(roles_sql);
            let query = match organisation_id {
                Some(id) => query.bind(id),
                None => query,
            };
            query.fetch_all(pool).await?
        });
        let mut roles_by_user: std::collections::HashMap<i64, Vec<String>> =
            std::collections::HashMap::new();
        for (user_id, role) in roles {
            roles_by_user.entry(user_id).or_default().push(role);
        }
        for user in &mut users {
            user.roles = roles_by_user.remove(&user.id).unwrap_or_default();
        }
        Ok(users)
    }

    async fn with_roles(&self, mut user: User) -> Result<User> {
        user.roles = with_pool!(self, pool => sqlx::query_scalar(
            "SELECT role FROM user_roles WHERE user_id = $1 ORDER BY role")
            .bind(user.id)
            .fetch_all(pool)
            .await?);
        Ok(user)
    }

    // ----- sessions -----

    pub async fn insert_session(&self, session: &NewSession) -> Result<()> {
        const SQL: &str = "INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at, client_ip)
                           VALUES ($1, $2, $3, $3, $4, $5)";
        with_pool!(self, pool => sqlx::query(SQL)
            .bind(&session.token_hash)
            .bind(session.user_id)
            .bind(session.created_at)
            .bind(session.expires_at)
            .bind(&session.client_ip)
            .execute(pool)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    /// The live session with this token hash, or `NotFound` when it is unknown or expired at `now`.
    pub async fn live_session(&self, token_hash: &[u8], now: i64) -> Result<Session> {
        const SQL: &str =
            "SELECT token_hash, user_id, created_at, last_seen_at, expires_at FROM sessions
                           WHERE token_hash = $1 AND expires_at > $2";
        with_pool!(self, pool => sqlx::query_as(SQL)
            .bind(token_hash)
            .bind(now)
            .fetch_one(pool)
            .await
            .map_err(StoreError::from))
    }

    pub async fn touch_session(&self, token_hash: &[u8], now: i64, expires_at: i64) -> Result<()> {
        const SQL: &str =
            "UPDATE sessions SET last_seen_at = $2, expires_at = $3 WHERE token_hash = $1";
        with_pool!(self, pool => sqlx::query(SQL)
            .bind(token_hash)
            .bind(now)
            .bind(expires_at)
            .execute(pool)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    pub async fn delete_session(&self, token_hash: &[u8]) -> Result<()> {
        with_pool!(self, pool => sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(pool)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    /// Removes sessions that expired before `now`; returns how many.
    pub async fn delete_expired_sessions(&self, now: i64) -> Result<u64> {
        let done = with_pool!(self, pool => sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(now)
            .execute(pool)
            .await?
            .rows_affected());
        Ok(done)
    }

    // ----- sign-in throttling -----

    pub async fn throttle(&self, key: &str) -> Result<Option<Throttle>> {
        const SQL: &str = "SELECT failures, window_started_at, locked_until FROM sign_in_throttle WHERE throttle_key = $1";
        with_pool!(self, pool => sqlx::query_as(SQL)
            .bind(key)
            .fetch_optional(pool)
            .await
            .map_err(StoreError::from))
    }

    pub async fn put_throttle(&self, key: &str, throttle: &Throttle) -> Result<()> {
        const SQL: &str = "INSERT INTO sign_in_throttle (throttle_key, failures, window_started_at, locked_until)
                           VALUES ($1, $2, $3, $4)
                           ON CONFLICT (throttle_key) DO UPDATE SET failures = $2, window_started_at = $3,
                           locked_until = $4";
        with_pool!(self, pool => sqlx::query(SQL)
            .bind(key)
            .bind(throttle.failures)
            .bind(throttle.window_started_at)
            .bind(throttle.locked_until)
            .execute(pool)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    /// Counts one more sign-in attempt against `key` in a single statement (so concurrent attempts cannot
    /// overwrite each other's count), starting a new window when the old one is over. Returns the state
    /// after counting.
    pub async fn reserve_sign_in_attempt(
        &self,
        key: &str,
        now: i64,
        window_secs: i64,
    ) -> Result<Throttle> {
        const SQL: &str = "INSERT INTO sign_in_throttle (throttle_key, failures, window_started_at, locked_until)
                           VALUES ($1, 1, $2, 0)
                           ON CONFLICT (throttle_key) DO UPDATE SET
                             failures = CASE WHEN $2 - sign_in_throttle.window_started_at >= $3 THEN 1
                                             ELSE sign_in_throttle.failures + 1 END,
                             window_started_at = CASE WHEN $2 - sign_in_throttle.window_started_at >= $3 THEN $2
                                                      ELSE sign_in_throttle.window_started_at END
                           RETURNING failures, window_started_at, locked_until";
        with_pool!(self, pool => sqlx::query_as(SQL)
            .bind(key)
            .bind(now)
            .bind(window_secs)
            .fetch_one(pool)
            .await
            .map_err(StoreError::from))
    }

    /// Takes back one reserved attempt (it succeeded, so it was no failure).
    pub async fn release_sign_in_attempt(&self, key: &str) -> Result<()> {
        with_pool!(self, pool => sqlx::query(
            "UPDATE sign_in_throttle SET failures = failures - 1 WHERE throttle_key = $1 AND failures > 0")
            .bind(key)
            .execute(pool)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    /// Locks `key` until `until` (at least: an existing longer lock stays).
    pub async fn lock_sign_in(&self, key: &str, until: i64) -> Result<()> {
        with_pool!(self, pool => sqlx::query(
            "UPDATE sign_in_throttle SET locked_until = $2 WHERE throttle_key = $1 AND locked_until < $2")
            .bind(key)
            .bind(until)
            .execute(pool)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    pub async fn clear_throttle(&self, key: &str) -> Result<()> {
        with_pool!(self, pool => sqlx::query("DELETE FROM sign_in_throttle WHERE throttle_key = $1")
            .bind(key)
            .execute(pool)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    // ----- packages -----

    /// Records a new version of a package (creating the package on its first upload) with its files, in
    /// one transaction: a failure records nothing.
    pub async fn insert_package_version(
        &self,
        new: &NewPackageVersion,
        now: i64,
    ) -> Result<PackageVersion> {
        let version_id: i64 = with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let existing: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM packages WHERE identifier = $1
                 AND (organisation_id = $2 OR (organisation_id IS NULL AND $2 IS NULL))",
            )
            .bind(&new.identifier)
            .bind(new.organisation_id)
            .fetch_optional(&mut *tx)
            .await?;
            let package_id: i64 = match existing {
                Some(id) => {
                    sqlx::query("UPDATE packages SET title = $2 WHERE id = $1")
                        .bind(id)
                        .bind(&new.title)
                        .execute(&mut *tx)
                        .await?;
                    id
                }
                None => sqlx::query_scalar(
                    "INSERT INTO packages (organisation_id, identifier, title, created_at)
                     VALUES ($1, $2, $3, $4) RETURNING id",
                )
                .bind(new.organisation_id)
                .bind(&new.identifier)
                .bind(&new.title)
                .bind(now)
                .fetch_one(&mut *tx)
                .await?,
            };
            let version_no: i64 = sqlx::query_scalar(
                "SELECT COALESCE(MAX(version_no), 0) + 1 FROM package_versions WHERE package_id = $1",
            )
            .bind(package_id)
            .fetch_one(&mut *tx)
            .await?;
            let version_id: i64 = sqlx::query_scalar(
                "INSERT INTO package_versions (package_id, version_no, standard, title, launch_path, manifest_json,
                 report_json, n_files, total_bytes, created_by, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
            )
            .bind(package_id)
            .bind(version_no)
            .bind(&new.standard)
            .bind(&new.title)
            .bind(&new.launch_path)
            .bind(&new.manifest_json)
            .bind(&new.report_json)
            .bind(new.files.len() as i64)
            .bind(new.total_bytes)
            .bind(new.created_by)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            for (path, sha256, size) in &new.files {
                sqlx::query("INSERT INTO package_files (version_id, path, sha256, size) VALUES ($1, $2, $3, $4)")
                    .bind(version_id)
                    .bind(path)
                    .bind(sha256)
                    .bind(size)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            version_id
        });
        self.package_version(version_id).await
    }

    pub async fn package_version(&self, id: i64) -> Result<PackageVersion> {
        const SQL: &str = "SELECT v.id, v.package_id, p.organisation_id, v.version_no, v.standard, v.title,
                           v.launch_path, v.manifest_json, v.report_json, v.n_files, v.total_bytes, v.created_at
                           FROM package_versions v JOIN packages p ON p.id = v.package_id WHERE v.id = $1";
        with_pool!(self, pool => sqlx::query_as(SQL).bind(id).fetch_one(pool).await.map_err(StoreError::from))
    }

    /// Packages with their newest version: all of them, or those of one organisation plus the shared
    /// (organisation-less) ones.
    pub async fn list_packages(&self, organisation_id: Option<i64>) -> Result<Vec<PackageSummary>> {
        // Two queries, not `$1 IS NULL OR …`, so one organisation's list uses the index.
        macro_rules! packages_where {
            ($filter:literal) => {
                concat!(
                    "SELECT p.id, p.organisation_id, o.name AS organisation_name, p.identifier, p.title,
                     v.id AS version_id, v.version_no, v.standard, v.launch_path, v.n_files, v.total_bytes,
                     v.created_at AS updated_at
                     FROM packages p
                     JOIN package_versions v ON v.package_id = p.id
                     LEFT JOIN organisations o ON o.id = p.organisation_id
                     WHERE v.version_no = (SELECT MAX(version_no) FROM package_versions WHERE package_id = p.id) ",
                    $filter,
                    " ORDER BY lower(p.title), p.id"
                )
            };
        }
        match organisation_id {
            Some(id) => with_pool!(self, pool => sqlx::query_as(
                packages_where!("AND (p.organisation_id = $1 OR p.organisation_id IS NULL)"))
                .bind(id)
                .fetch_all(pool)
                .await
                .map_err(StoreError::from)),
            None => with_pool!(self, pool => sqlx::query_as(packages_where!(""))
                .fetch_all(pool)
                .await
                .map_err(StoreError::from)),
        }
    }

    pub async fn package_file(&self, version_id: i64, path: &str) -> Result<PackageFile> {
        const SQL: &str =
            "SELECT sha256, size FROM package_files WHERE version_id = $1 AND path = $2";
        with_pool!(self, pool => sqlx::query_as(SQL)
            .bind(version_id)
            .bind(path)
            .fetch_one(pool)
            .await
            .map_err(StoreError::from))
    }

    /// How many stored files point at a blob (0 means the blob may be removed).
    pub async fn blob_references(&self, sha256: &str) -> Result<i64> {
        with_pool!(self, pool => sqlx::query_scalar("SELECT count(*) FROM package_files WHERE sha256 = $1")
            .bind(sha256)
            .fetch_one(pool)
            .await
            .map_err(StoreError::from))
    }

    // ----- registrations and attempts -----

    /// The learner's registration on a package, created on first use.
    pub async fn register(&self, package_id: i64, user_id: i64, now: i64) -> Result<Registration> {
        with_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO registrations (package_id, user_id, created_at) VALUES ($1, $2, $3)
                 ON CONFLICT (package_id, user_id) DO NOTHING",
            )
            .bind(package_id)
            .bind(user_id)
            .bind(now)
            .execute(pool)
            .await?;
            sqlx::query_as("SELECT id, package_id, user_id, created_at FROM registrations WHERE package_id = $1 AND user_id = $2")
                .bind(package_id)
                .bind(user_id)
                .fetch_one(pool)
                .await
                .map_err(StoreError::from)
        })
    }

    /// Starts the next attempt of a registration on a given package version.
    pub async fn start_attempt(
        &self,
        registration_id: i64,
        version_id: i64,
        now: i64,
    ) -> Result<Attempt> {
        const SQL: &str = "INSERT INTO attempts (registration_id, version_id, number, status, started_at)
                           VALUES ($1, $2, (SELECT COALESCE(MAX(number), 0) + 1 FROM attempts WHERE registration_id = $1),
                                   'in_progress', $3)
                           RETURNING id, registration_id, version_id, number, status, started_at, ended_at,
                                     completion_status, success_status, score_scaled, total_time_cs, last_item,
                                     updated_at";
        with_pool!(self, pool => sqlx::query_as(SQL)
            .bind(registration_id)
            .bind(version_id)
            .bind(now)
            .fetch_one(pool)
            .await
            .map_err(StoreError::from))
    }

    pub async fn attempts(&self, registration_id: i64) -> Result<Vec<Attempt>> {
        const SQL: &str = concat!(
            attempt_select!(),
            " WHERE registration_id = $1 ORDER BY number"
        );
        with_pool!(self, pool => sqlx::query_as(SQL)
            .bind(registration_id)
            .fetch_all(pool)
            .await
            .map_err(StoreError::from))
    }

    /// Moves every in-progress attempt on older versions of `package_id` to `version_id`; returns how many.
    pub async fn move_in_progress_attempts(&self, package_id: i64, version_id: i64) -> Result<u64> {
        const SQL: &str = "UPDATE attempts SET version_id = $2
                           WHERE status = 'in_progress' AND version_id <> $2
                           AND registration_id IN (SELECT id FROM registrations WHERE package_id = $1)";
        let moved = with_pool!(self, pool => sqlx::query(SQL)
            .bind(package_id)
            .bind(version_id)
            .execute(pool)
            .await?
            .rows_affected());
        Ok(moved)
    }

    /// In-progress attempts per version of a package: `(version_id, count)`.
    pub async fn in_progress_by_version(&self, package_id: i64) -> Result<Vec<(i64, i64)>> {
        const SQL: &str = "SELECT a.version_id, count(*) FROM attempts a
                           JOIN registrations r ON r.id = a.registration_id
                           WHERE r.package_id = $1 AND a.status = 'in_progress'
                           GROUP BY a.version_id ORDER BY a.version_id";
        with_pool!(self, pool => sqlx::query_as(SQL)
            .bind(package_id)
            .fetch_all(pool)
            .await
            .map_err(StoreError::from))
    }

    /// The learner's registration on a package, if they have one (unlike [`Store::register`], creates none).
    pub async fn find_registration(
        &self,
        package_id: i64,
        user_id: i64,
    ) -> Result<Option<Registration>> {
        with_pool!(self, pool => sqlx::query_as(
            "SELECT id, package_id, user_id, created_at FROM registrations WHERE package_id = $1 AND user_id = $2")
            .bind(package_id)
            .bind(user_id)
            .fetch_optional(pool)
            .await
            .map_err(StoreError::from))
    }

    pub async fn registration(&self, id: i64) -> Result<Registration> {
        with_pool!(self, pool => sqlx::query_as(
            "SELECT id, package_id, user_id, created_at FROM registrations WHERE id = $1")
            .bind(id)
            .fetch_one(pool)
            .await
            .map_err(StoreError::from))
    }

    pub async fn attempt(&self, id: i64) -> Result<Attempt> {
        const SQL: &str = concat!(attempt_select!(), " WHERE id = $1");
        with_pool!(self, pool => sqlx::query_as(SQL).bind(id).fetch_one(pool).await.map_err(StoreError::from))
    }

    /// A learner's registrations, each with its newest attempt (if any).
    pub async fn registrations_of_user(&self, user_id: i64) -> Result<Vec<RegistrationProgress>> {
        const SQL: &str = "SELECT r.id AS registration_id, r.package_id, a.id AS attempt_id, a.status AS attempt_status,
                           a.completion_status, a.success_status, a.score_scaled, a.last_item, a.updated_at
                           FROM registrations r
                           LEFT JOIN attempts a ON a.registration_id = r.id
                             AND a.number = (SELECT MAX(number) FROM attempts WHERE registration_id = r.id)
                           WHERE r.user_id = $1 ORDER BY r.id";
        with_pool!(self, pool => sqlx::query_as(SQL)
            .bind(user_id)
            .fetch_all(pool)
            .await
            .map_err(StoreError::from))
    }

    // ----- SCORM run-time -----

    /// The run-time state of one SCO in one attempt, `None` before its first launch.
    pub async fn sco_state(
        &self,
        attempt_id: i64,
        item_identifier: &str,
    ) -> Result<Option<ScoState>> {
        const SQL: &str = concat_sco!(" WHERE attempt_id = $1 AND item_identifier = $2");
        with_pool!(self, pool => sqlx::query_as(SQL)
            .bind(attempt_id)
            .bind(item_identifier)
            .fetch_optional(pool)
            .await
            .map_err(StoreError::from))
    }

    /// Every SCO state of an attempt.
    pub async fn sco_states(&self, attempt_id: i64) -> Result<Vec<ScoState>> {
        const SQL: &str = concat_sco!(" WHERE attempt_id = $1 ORDER BY item_identifier");
        with_pool!(self, pool => sqlx::query_as(SQL)
            .bind(attempt_id)
            .fetch_all(pool)
            .await
            .map_err(StoreError::from))
    }

    /// The journal of one launch, in call order.
    pub async fn runtime_commits(
        &self,
        attempt_id: i64,
        item_identifier: &str,
        launch_no: i64,
    ) -> Result<Vec<RuntimeCommit>> {
        const SQL: &str = "SELECT launch_no, seq, calls, is_final, received_at FROM runtime_commits
                           WHERE attempt_id = $1 AND item_identifier = $2 AND launch_no = $3 ORDER BY seq";
        with_pool!(self, pool => sqlx::query_as(SQL)
            .bind(attempt_id)
            .bind(item_identifier)
            .bind(launch_no)
            .fetch_all(pool)
            .await
            .map_err(StoreError::from))
    }

    /// The shared data stores (`adl.data`) of a registration: `(target id, store)`.
    pub async fn shared_data(&self, registration_id: i64) -> Result<Vec<(String, String)>> {
        with_pool!(self, pool => sqlx::query_as(
            "SELECT target_id, store FROM adl_data WHERE registration_id = $1 ORDER BY target_id")
            .bind(registration_id)
            .fetch_all(pool)
            .await
            .map_err(StoreError::from))
    }

    /// Writes one run-time step in a single transaction: the SCO's state (only if it is still at
    /// `expected_revision`), the journal row, shared data and the attempt's rollup. A concurrent writer or
    /// a journal row that already exists is a [`StoreError::Conflict`] and nothing is written.
    pub async fn write_sco(&self, write: &ScoWrite, now: i64) -> Result<ScoState> {
        let state = &write.state;
        let conflict = || StoreError::Conflict {
            what: "a newer run-time state".into(),
        };
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            // Both statements bind the same fifteen values; the update also names the revision it read.
            macro_rules! bind_state {
                ($query:expr) => {
                    $query
                        .bind(state.attempt_id)
                        .bind(&state.item_identifier)
                        .bind(&state.data)
                        .bind(&state.base_data)
                        .bind(&state.context)
                        .bind(state.launch_no)
                        .bind(state.n_calls)
                        .bind(state.open)
                        .bind(state.resume)
                        .bind(&state.completion_status)
                        .bind(&state.success_status)
                        .bind(state.score_scaled)
                        .bind(state.total_time_cs)
                        .bind(state.launched_at)
                        .bind(now)
                };
            }
            let changed = match write.expected_revision {
                None => bind_state!(sqlx::query(
                    "INSERT INTO sco_state (attempt_id, item_identifier, data, base_data, context, launch_no, n_calls,
                     open, resume, completion_status, success_status, score_scaled, total_time_cs, launched_at,
                     updated_at, revision)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, 1)
                     ON CONFLICT (attempt_id, item_identifier) DO NOTHING",
                ))
                .execute(&mut *tx)
                .await?
                .rows_affected(),
                Some(revision) => bind_state!(sqlx::query(
                    "UPDATE sco_state SET data = $3, base_data = $4, context = $5, launch_no = $6, n_calls = $7,
                     open = $8, resume = $9, completion_status = $10, success_status = $11, score_scaled = $12,
                     total_time_cs = $13, launched_at = $14, updated_at = $15, revision = revision + 1
                     WHERE attempt_id = $1 AND item_identifier = $2 AND revision = $16",
                ))
                .bind(revision)
                .execute(&mut *tx)
                .await?
                .rows_affected(),
            };
            if changed != 1 {
                return Err(conflict());
            }
            if let Some(commit) = &write.journal {
                sqlx::query(
                    "INSERT INTO runtime_commits (attempt_id, item_identifier, launch_no, seq, calls, is_final, received_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(state.attempt_id)
                .bind(&state.item_identifier)
                .bind(commit.launch_no)
                .bind(commit.seq)
                .bind(&commit.calls)
                .bind(commit.is_final)
                .bind(commit.received_at)
                .execute(&mut *tx)
                .await
                .map_err(|e| match StoreError::from(e) {
                    StoreError::Conflict { .. } => conflict(),
                    other => other,
                })?;
            }
            for (target_id, value) in &write.shared_data {
                sqlx::query(
                    "INSERT INTO adl_data (registration_id, target_id, store, updated_at) VALUES ($1, $2, $3, $4)
                     ON CONFLICT (registration_id, target_id) DO UPDATE SET store = $3, updated_at = $4",
                )
                .bind(write.registration_id)
                .bind(target_id)
                .bind(value)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            if let Some(summary) = &write.summary {
                sqlx::query(
                    "UPDATE attempts SET status = $2, ended_at = $3, completion_status = $4, success_status = $5,
                     score_scaled = $6, total_time_cs = $7, last_item = $8, updated_at = $9 WHERE id = $1",
                )
                .bind(state.attempt_id)
                .bind(&summary.status)
                .bind(summary.ended_at)
                .bind(&summary.completion_status)
                .bind(&summary.success_status)
                .bind(summary.score_scaled)
                .bind(summary.total_time_cs)
                .bind(&summary.last_item)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
        });
        self.sco_state(state.attempt_id, &state.item_identifier)
            .await?
            .ok_or(StoreError::NotFound)
    }

    // ----- audit log -----

    pub async fn append_audit(&self, entry: &NewAuditEntry) -> Result<()> {
        const SQL: &str = "INSERT INTO audit_log (at, actor_user_id, organisation_id, action, target, detail, client_ip)
                           VALUES ($1, $2, $3, $4, $5, $6, $7)";
        with_pool!(self, pool => sqlx::query(SQL)
            .bind(entry.at)
            .bind(entry.actor_user_id)
            .bind(entry.organisation_id)
            .bind(&entry.action)
            .bind(&entry.target)
            .bind(&entry.detail)
            .bind(&entry.client_ip)
            .execute(pool)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    /// The newest `limit` audit entries, for one organisation or all of them.
    pub async fn recent_audit(
        &self,
        organisation_id: Option<i64>,
        limit: i64,
    ) -> Result<Vec<AuditEntry>> {
        const SQL: &str =
            "SELECT id, at, actor_user_id, organisation_id, action, target, detail, client_ip
                           FROM audit_log WHERE $1 IS NULL OR organisation_id = $1
                           ORDER BY id DESC LIMIT $2";
        with_pool!(self, pool => sqlx::query_as(SQL)
            .bind(organisation_id)
            .bind(limit)
            .fetch_all(pool)
            .await
            .map_err(StoreError::from))
    }
}

/// Hides the password in a database URL so that it can be shown in errors and logs.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    match rest.split_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _password)) => format!("{scheme}://{user}:***@{host}"),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn redacts_passwords_in_urls() {
        assert_eq!(
            redact_url("postgres://rampart:s3cret@db:5432/x"),
            "postgres://rampart:***@db:5432/x"
        );
        assert_eq!(
            redact_url("postgres://rampart@db/x"),
            "postgres://rampart@db/x"
        );
        assert_eq!(
            redact_url("sqlite://data/rampart.db"),
            "sqlite://data/rampart.db"
        );
    }
}

// After the macros above, which it uses.
mod assignments;
mod lti;
mod plugins;
