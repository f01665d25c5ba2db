//! The no-I/O core of the broadcasts plugin: national threat advisories for NHS health and care
//! organisations (ids like `RAM-2026-0042`), their checks and lifecycle ([`model`]), CVSS 3.x/4.0 scoring
//! ([`cvss`]), CSAF 2.0 export and import ([`csaf`]) and the Atom feed ([`atom`]).
//!
//! No threads, files, clock or randomness: times are Unix milliseconds passed in by the caller, so the
//! crate builds natively for its tests and for `wasm32-wasip2`, where the plugin component links it.

#![warn(missing_docs)]

pub mod atom;
pub mod csaf;
pub mod cvss;
// Plain records and form parsing for the broadcasts plugin; their names say what they are.
#[allow(missing_docs)]
pub mod distribution;
#[allow(missing_docs)]
pub mod form;
pub mod model;
mod time;

pub use model::{
    Advisory, AdvisoryDraft, AdvisoryError, AdvisoryKind, AffectedProduct, FieldError, Reference,
    Revision, Severity, Source, Status, Tlp, severity_for, valid_cve, valid_id,
};
pub use time::{format_date, parse_rfc3339, rfc3339};
