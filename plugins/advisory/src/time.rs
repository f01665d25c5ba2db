//! Dates without a clock: Unix milliseconds in, text out (and back).
//!
//! The crate reads no clock, so every time is a Unix timestamp in milliseconds (UTC) passed in by the
//! caller. These few functions are the civil-from-days conversion (Howard Hinnant's algorithm) that the
//! CSAF and Atom formats need; a date crate would add more than it saves.

const MS_PER_DAY: i64 = 86_400_000;
/// 0000-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z: the range four-digit years can write.
const MIN_MS: i64 = -62_167_219_200_000;
const MAX_MS: i64 = 253_402_300_799_999;

/// Days since 1970-01-01 → (year, month 1–12, day 1–31) in the proleptic Gregorian calendar.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097); // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11]
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// (year, month 1–12, day 1–31) → days since 1970-01-01.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        _ => 28,
    }
}

/// The UTC calendar date of a Unix time in milliseconds: `2026-11-29`. Times before year 0 or after
/// year 9999 are written as the first or last day of that range.
pub fn format_date(ms: i64) -> String {
    let ms = ms.clamp(MIN_MS, MAX_MS);
    let (y, m, d) = civil_from_days(ms.div_euclid(MS_PER_DAY));
    format!("{y:04}-{m:02}-{d:02}")
}

/// A Unix time in milliseconds as an RFC 3339 UTC timestamp: `2026-11-29T10:15:30Z`, with `.123` before the
/// `Z` only when the milliseconds are not zero. Times outside years 0000–9999 are clamped into them.
pub fn rfc3339(ms: i64) -> String {
    let ms = ms.clamp(MIN_MS, MAX_MS);
    let day_ms = ms.rem_euclid(MS_PER_DAY);
    let secs = day_ms / 1000;
    let millis = day_ms % 1000;
    let (h, mi, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    let date = format_date(ms);
    if millis == 0 {
        format!("{date}T{h:02}:{mi:02}:{s:02}Z")
    } else {
        format!("{date}T{h:02}:{mi:02}:{s:02}.{millis:03}Z")
    }
}

/// Reads an RFC 3339 date-time (`2022-03-17T13:03:42.105Z`, `2022-03-14T13:10:55.000+01:00`; a space or a
/// lower-case `t` instead of `T` is accepted, as RFC 3339 allows) into Unix milliseconds. Fractions beyond
/// milliseconds are truncated; a leap second (`:60`) counts as `:59.999`. `None` when it is not one.
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| -> Option<i64> {
        let part = b.get(range)?;
        if part.is_empty() || !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        Some(part.iter().fold(0, |n, c| n * 10 + i64::from(c - b'0')))
    };
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let year = digits(0..4)?;
    let month = u32::try_from(digits(5..7)?).ok()?;
    let day = u32::try_from(digits(8..10)?).ok()?;
    let (hour, minute, mut second) = (digits(11..13)?, digits(14..16)?, digits(17..19)?);
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let mut i = 19;
    let mut millis = 0;
    if b[i] == b'.' {
        let start = i + 1;
        i = start;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return None;
        }
        let frac = &b[start..i.min(start + 3)];
        millis = frac.iter().fold(0, |n, c| n * 10 + i64::from(c - b'0'));
        millis *= 10_i64.pow(3 - frac.len() as u32);
    }
    if second == 60 {
        second = 59;
        millis = 999;
    }
    let offset_minutes = match b.get(i)? {
        b'Z' | b'z' if i + 1 == b.len() => 0,
        sign @ (b'+' | b'-') if i + 6 == b.len() && b[i + 3] == b':' => {
            let (oh, om) = (digits(i + 1..i + 3)?, digits(i + 4..i + 6)?);
            if oh > 23 || om > 59 {
                return None;
            }
            let minutes = oh * 60 + om;
            if *sign == b'-' { -minutes } else { minutes }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    let secs = days * 86_400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
    Some(secs * 1000 + millis)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_dates_and_timestamps() {
        assert_eq!(format_date(0), "1970-01-01");
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        // 2026-11-29T10:15:30.123Z
        let ms = 1_795_947_330_123;
        assert_eq!(format_date(ms), "2026-11-29");
        assert_eq!(rfc3339(ms), "2026-11-29T10:15:30.123Z");
        assert_eq!(rfc3339(951_782_400_000), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(-1), "1969-12-31T23:59:59.999Z");
        assert_eq!(rfc3339(i64::MAX), "9999-12-31T23:59:59.999Z");
        assert_eq!(rfc3339(i64::MIN), "0000-01-01T00:00:00Z");
        assert_eq!(format_date(i64::MAX), "9999-12-31");
    }

    #[test]
    fn parses_what_it_formats_and_offsets() {
        for ms in [
            0,
            1,
            999,
            1_795_947_330_123,
            951_782_400_000,
            -86_400_001,
            4_102_444_799_000,
        ] {
            assert_eq!(parse_rfc3339(&rfc3339(ms)), Some(ms), "{}", rfc3339(ms));
        }
        assert_eq!(
            parse_rfc3339("2022-03-14T13:10:55.000+01:00"),
            parse_rfc3339("2022-03-14T12:10:55Z")
        );
        assert_eq!(
            parse_rfc3339("2022-03-17T13:03:42.105Z"),
            Some(1_647_522_222_105)
        );
        assert_eq!(
            parse_rfc3339("2022-03-17T13:03:42.1059999Z"),
            Some(1_647_522_222_105)
        );
        assert_eq!(
            parse_rfc3339("2022-03-17 13:03:42-00:30"),
            Some(1_647_524_022_000)
        );
    }

    #[test]
    fn refuses_what_is_not_rfc3339() {
        for bad in [
            "",
            "2022-03-17",
            "2022-03-17T13:03:42",
            "2022-13-17T13:03:42Z",
            "2022-02-30T13:03:42Z",
            "2021-02-29T00:00:00Z",
            "2022-03-17T24:00:00Z",
            "2022-03-17T13:03:42.Z",
            "2022-03-17T13:03:42+0100",
            "2022-03-17T13:03:42Zjunk",
            "２０２２-03-17T13:03:42Z",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }
}
