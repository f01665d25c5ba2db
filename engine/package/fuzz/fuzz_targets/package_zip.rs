//! Any bytes as a package zip: archive checks must refuse or accept, never panic or allocate wildly.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = package::Limits { max_total_uncompressed: 64 << 20, max_manifest_bytes: 1 << 20, ..Default::default() };
    let _ = package::check_package(&mut std::io::Cursor::new(data), "fuzz.zip", &limits);
});
