//! Integration tests of the run-time: element by element, differentially against scorm-again, and the ADL SCORM 2004 conformance test suite
//! replayed against it.

mod cts;
mod differential;
mod elements;
