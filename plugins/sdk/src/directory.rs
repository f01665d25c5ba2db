//! Reading the directory of organisations and people. Needs `directory.read`.

use crate::__bindings::rampart::plugin::directory as host;
pub use crate::{Organisation, Person};

/// The organisations on this Rampart.
pub fn organisations() -> Result<Vec<Organisation>, String> {
    host::organisations()
}

/// The people of the calling organisation with `role`.
pub fn users_with_role(role: &str) -> Result<Vec<Person>, String> {
    host::users_with_role(role)
}
