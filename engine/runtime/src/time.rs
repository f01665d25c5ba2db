//! Time intervals.
pub fn parse_iso_duration(_value: &str) -> Option<u64> {
    None
}
pub fn format_iso_duration(_cs: u64) -> String {
    String::new()
}
pub fn parse_scorm12_timespan(_value: &str) -> Option<u64> {
    None
}
pub fn format_scorm12_timespan(_cs: u64) -> String {
    String::new()
}
