use thiserror::Error;

/// What can go wrong in the store, in terms callers can act on.
#[derive(Debug, Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// A uniqueness rule was broken: the thing already exists.
    #[error("{what} already exists")]
    Conflict { what: String },
    /// The database could not be reached or opened. `url` has its password redacted.
    #[error("cannot use the database at {url}: {reason}")]
    Unavailable { url: String, reason: String },
    #[error("database migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("database error: {0}")]
    Database(sqlx::Error),
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        match error {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict {
                what: conflict_subject(db.constraint().unwrap_or_else(|| db.message())),
            },
            other => StoreError::Database(other),
        }
    }
}

/// Names the thing a unique constraint protects, from the constraint (PostgreSQL) or message (SQLite).
fn conflict_subject(constraint_or_message: &str) -> String {
    let text = constraint_or_message.to_ascii_lowercase();
    let subject = if text.contains("email") {
        "a user with this email address"
    } else if text.contains("organisations") && (text.contains("slug") || text.contains("name")) {
        "an organisation with this name"
    } else if text.contains("platform_setup") {
        "platform setup"
    } else if text.contains("user_roles") {
        "this role"
    } else {
        "a record with these values"
    };
    subject.to_owned()
}
