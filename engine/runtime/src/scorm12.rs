//! SCORM 1.2 `cmi.*`.
use crate::data::AttemptData;
use crate::errors::ErrorCode;
use crate::session::{Answer, Fault, Model};
use crate::{LaunchContext, Mode};

pub(crate) fn get(_model: &Model, element: &str) -> Answer<String> {
    Err(Fault::new(
        ErrorCode::UnimplementedElement,
        format!("{element} is not implemented yet"),
    ))
}

pub(crate) fn set(_model: &mut Model, element: &str, _value: &str) -> Answer<()> {
    Err(Fault::new(
        ErrorCode::UnimplementedElement,
        format!("{element} is not implemented yet"),
    ))
}

pub(crate) fn apply_end_of_session_rules(
    _mode: Mode,
    _credit: bool,
    _context: &LaunchContext,
    _data: &mut AttemptData,
) {
}
