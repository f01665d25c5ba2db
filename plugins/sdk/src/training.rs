//! Training in the engine: the courses there are, and assigning them to people. Needs `training.assign`.

use crate::__bindings::rampart::plugin::training as host;
pub use crate::Recipients;
pub use host::Course;

/// The calling organisation's courses; in the platform scope, every course identifier on the platform.
pub fn courses() -> Result<Vec<Course>, String> {
    host::courses()
}

/// Assigns the course with this manifest identifier to people of the calling organisation, with a reason
/// and an optional due date (Unix milliseconds) shown on their dashboards. Returns how many were newly
/// assigned.
pub fn assign(
    course: &str,
    to: &Recipients,
    due_at: Option<i64>,
    reason: &str,
) -> Result<u32, String> {
    host::assign(course, to, due_at, reason)
}
