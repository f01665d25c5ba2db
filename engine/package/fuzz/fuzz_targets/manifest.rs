//! Any bytes as imsmanifest.xml: the parser and validator must answer with a report, never panic or hang.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let report = package::check_manifest(data);
    // A report that claims validity must have a manifest with at least one organization.
    if report.valid {
        assert!(report.manifest.as_ref().is_some_and(|m| !m.organizations.is_empty()));
    }
});
