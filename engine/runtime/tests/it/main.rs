//! Integration tests of the run-time: the ADL SCORM 2004 conformance test suite replayed against it.

mod cts;
