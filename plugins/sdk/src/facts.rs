//! Facts from the engine. Needs `facts.training`.

use crate::__bindings::rampart::plugin::facts as host;
pub use crate::CourseCompletion;

/// Training progress of the calling organisation, one entry per course.
pub fn training_completion() -> Result<Vec<CourseCompletion>, String> {
    host::training_completion()
}
