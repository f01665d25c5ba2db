//! SCORM content packaging: reads a package zip, checks it is safe, parses `imsmanifest.xml` (SCORM 1.2
//! and SCORM 2004 2nd–4th edition) into a typed [`Manifest`] and validates it, with findings that name
//! the file, line, column and rule.
//!
//! No I/O beyond reading the zip it is given: no database, no network, no clock, nothing written. The
//! server extracts and stores what this crate has approved.

mod archive;
mod diagnostic;
mod launch;
mod manifest;
mod validate;
mod xml;

use serde::Serialize;

pub use archive::{Entry, Index, Limits, ReadSeek, inspect, read_files, unsafe_path_reason};
pub use diagnostic::{Diagnostic, Position, Rule, Severity};
pub use launch::{ItemLaunch, SharedDataMap, item_launch};
pub use manifest::{
    CompletionThreshold, DataMap, FileRef, Item, MANIFEST_FILE, Manifest, Organization, Resource,
    ScormType, Sequencing, Standard, XmlFragment, parse_manifest,
};
pub use validate::validate;

/// The outcome of checking a package: the manifest when it could be read, the archive's files, and
/// every finding, errors first.
#[derive(Debug, Serialize)]
pub struct Report {
    pub valid: bool,
    pub standard: Option<Standard>,
    pub title: Option<String>,
    pub n_files: usize,
    pub total_bytes: u64,
    pub diagnostics: Vec<Diagnostic>,
    #[serde(skip)]
    pub manifest: Option<Manifest>,
    #[serde(skip)]
    pub index: Option<Index>,
}

impl Report {
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| d.is_error())
    }
}

/// Checks a package zip end to end: archive safety, manifest parsing, validation against its files.
pub fn check_package(reader: &mut dyn ReadSeek, zip_name: &str, limits: &Limits) -> Report {
    let (index, manifest_bytes) = match inspect(reader, zip_name, limits) {
        Ok(pair) => pair,
        Err(diagnostics) => return report(None, None, diagnostics),
    };
    let (manifest, mut diagnostics) = parse_manifest(&manifest_bytes, MANIFEST_FILE);
    if let Some(manifest) = &manifest {
        diagnostics.extend(validate(manifest, Some(&index.paths())));
    }
    report(manifest, Some(index), diagnostics)
}

/// Checks a manifest on its own, without the package's files (for manifests kept apart from content).
pub fn check_manifest(bytes: &[u8]) -> Report {
    let (manifest, mut diagnostics) = parse_manifest(bytes, MANIFEST_FILE);
    if let Some(manifest) = &manifest {
        diagnostics.extend(validate(manifest, None));
    }
    report(manifest, None, diagnostics)
}

fn report(
    manifest: Option<Manifest>,
    index: Option<Index>,
    mut diagnostics: Vec<Diagnostic>,
) -> Report {
    diagnostics.sort_by_key(|d| (d.severity, d.position.map(|p| (p.line, p.column))));
    let title = manifest
        .as_ref()
        .and_then(|m| m.default_organization().map(|o| o.title.clone()));
    Report {
        valid: manifest.is_some() && !diagnostics.iter().any(Diagnostic::is_error),
        standard: manifest.as_ref().map(|m| m.standard),
        title,
        n_files: index.as_ref().map_or(0, |i| i.entries.len()),
        total_bytes: index.as_ref().map_or(0, |i| i.total_size),
        diagnostics,
        manifest,
        index,
    }
}
