//! Reading the directory of organisations and people. Needs `directory.read`.

use crate::__bindings::rampart::plugin::directory as host;
pub use crate::{Organisation, Person};

/// The organisations on this Rampart.
pub fn organisations() -> Result<Vec<Organisation>, String> {
    host::organisations()
}

/// One organisation by id; `None` when there is no such organisation. Needs `directory.read`.
pub fn organisation(id: i64) -> Result<Option<Organisation>, String> {
    host::organisation_by_id(id)
}

/// People of the calling organisation with the role. Needs `directory.read`.
pub fn users_with_role(role: &str) -> Result<Vec<Person>, String> {
    host::users_with_role(role)
}
