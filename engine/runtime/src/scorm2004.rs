//! SCORM 2004 `cmi.*` and `adl.*`.

use crate::errors::ErrorCode;
use crate::session::{Answer, Fault, Model};

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
