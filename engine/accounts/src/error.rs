use store::StoreError;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum AccountsError {
    /// Deliberately vague: it must not reveal whether the email exists.
    #[error("the email address or password is not right")]
    InvalidCredentials,
    #[error("too many failed sign-in attempts; try again in {} minutes", (retry_after_secs + 59) / 60)]
    Throttled { retry_after_secs: i64 },
    #[error("setup has already been completed; sign in instead")]
    SetupAlreadyDone,
    #[error("{0}")]
    Forbidden(&'static str),
    /// A field failed validation; `field` is the form field's name so that a page can point at it.
    #[error("{message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    #[error("there is no organisation called {0:?}")]
    UnknownOrganisation(String),
    #[error("{what} already exists")]
    Conflict { what: String },
    #[error(transparent)]
    Store(StoreError),
    #[error("{0}")]
    Internal(String),
}

impl From<StoreError> for AccountsError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Conflict { what } => AccountsError::Conflict { what },
            other => AccountsError::Store(other),
        }
    }
}

impl AccountsError {
    /// True for errors caused by the request (shown to the person) rather than by the system.
    pub fn is_client_error(&self) -> bool {
        !matches!(self, AccountsError::Store(_) | AccountsError::Internal(_))
    }
}
