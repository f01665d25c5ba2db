//! Data types.
/// Whether two values of `element` mean the same (`"1.0"` and `"1"` for a real, `PT1M` and `PT60S`…).
pub fn values_equal(_element: &str, expected: &str, returned: &str) -> bool {
    expected == returned
}
