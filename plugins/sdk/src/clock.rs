//! The host's clock (tests can move it, so use this rather than the system time).

use crate::__bindings::rampart::plugin::clock as host;

/// Now, in Unix milliseconds.
pub fn now() -> i64 {
    host::now()
}

/// The UTC date of Unix milliseconds as `YYYY-MM-DD`.
pub fn date(unix_ms: i64) -> String {
    let (year, month, day) = civil(unix_ms.div_euclid(86_400_000));
    format!("{year:04}-{month:02}-{day:02}")
}

/// The UTC time of Unix milliseconds as `YYYY-MM-DD HH:MM`.
pub fn date_time(unix_ms: i64) -> String {
    let minutes = unix_ms.div_euclid(60_000).rem_euclid(24 * 60);
    format!("{} {:02}:{:02}", date(unix_ms), minutes / 60, minutes % 60)
}

/// Days since 1970-01-01 to (year, month, day) in the proleptic Gregorian calendar (H. Hinnant's
/// `civil_from_days`).
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(
            date_time(951_782_400_000 + 3_600_000 + 120_000),
            "2000-02-29 01:02"
        );
        assert_eq!(date(1_767_225_599_999), "2025-12-31");
        assert_eq!(date(-1), "1969-12-31");
    }
}
