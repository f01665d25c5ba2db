//! Time intervals and timestamps of both standards, as centiseconds (the precision both standards keep).

const CS_PER_SECOND: u64 = 100;
const CS_PER_MINUTE: u64 = 60 * CS_PER_SECOND;
const CS_PER_HOUR: u64 = 60 * CS_PER_MINUTE;
const CS_PER_DAY: u64 = 24 * CS_PER_HOUR;
/// ISO 8601 leaves months and years open; SCORM implementations conventionally count 30 and 365 days.
const CS_PER_MONTH: u64 = 30 * CS_PER_DAY;
const CS_PER_YEAR: u64 = 365 * CS_PER_DAY;

/// Parses a SCORM 2004 `timeinterval (second,10,2)`: `P[nY][nM][nD][T[nH][nM][n[.n]S]]`.
pub fn parse_iso_duration(value: &str) -> Option<u64> {
    let rest = value.strip_prefix('P')?;
    let (date, time) = match rest.split_once('T') {
        Some((date, time)) => {
            if time.is_empty() {
                return None;
            }
            (date, Some(time))
        }
        None => (rest, None),
    };
    if date.is_empty() && time.is_none() {
        return None;
    }
    let mut total: u64 = 0;
    let mut units_seen = String::new();
    for (number, unit) in components(date)? {
        let factor = match unit {
            'Y' => CS_PER_YEAR,
            'M' => CS_PER_MONTH,
            'D' => CS_PER_DAY,
            _ => return None,
        };
        total = add_component(total, &number, factor, false)?;
        units_seen.push(unit);
    }
    if !in_order(&units_seen, "YMD") {
        return None;
    }
    if let Some(time) = time {
        let mut seen = String::new();
        for (number, unit) in components(time)? {
            let (factor, fraction_allowed) = match unit {
                'H' => (CS_PER_HOUR, false),
                'M' => (CS_PER_MINUTE, false),
                'S' => (CS_PER_SECOND, true),
                _ => return None,
            };
            total = add_component(total, &number, factor, fraction_allowed)?;
            seen.push(unit);
        }
        if !in_order(&seen, "HMS") {
            return None;
        }
    }
    Some(total)
}

/// Splits `12H3M4.5S` into `[("12",'H'),("3",'M'),("4.5",'S')]`.
fn components(text: &str) -> Option<Vec<(String, char)>> {
    let mut parts = Vec::new();
    let mut number = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() || c == '.' {
            number.push(c);
        } else if c.is_ascii_uppercase() {
            if number.is_empty() {
                return None;
            }
            parts.push((std::mem::take(&mut number), c));
        } else {
            return None;
        }
    }
    if !number.is_empty() {
        return None;
    }
    Some(parts)
}

fn in_order(seen: &str, order: &str) -> bool {
    let mut position = 0;
    for unit in seen.chars() {
        match order[position..].find(unit) {
            Some(offset) => position += offset + 1,
            None => return false,
        }
    }
    true
}

fn add_component(total: u64, number: &str, factor: u64, fraction_allowed: bool) -> Option<u64> {
    let (whole, fraction) = match number.split_once('.') {
        Some((whole, fraction)) if fraction_allowed => (whole, fraction),
        Some(_) => return None,
        None => (number, ""),
    };
    if whole.is_empty() && fraction.is_empty() {
        return None;
    }
    if !whole.chars().all(|c| c.is_ascii_digit()) || !fraction.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let whole: u64 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let centis = fraction_to_centis(fraction);
    let value = whole.checked_mul(factor)?.checked_add(centis)?;
    total.checked_add(value)
}

/// `"5"` → 50, `"25"` → 25, `"256"` → 25: centiseconds, further digits dropped.
fn fraction_to_centis(fraction: &str) -> u64 {
    let mut digits = fraction.chars().chain(std::iter::repeat('0')).take(2);
    let tens = digits.next().and_then(|c| c.to_digit(10)).unwrap_or(0);
    let units = digits.next().and_then(|c| c.to_digit(10)).unwrap_or(0);
    u64::from(tens * 10 + units)
}

/// Formats centiseconds as a SCORM 2004 time interval, `PT1H2M3.04S` (`PT0H0M0S` for zero).
pub fn format_iso_duration(centis: u64) -> String {
    let hours = centis / CS_PER_HOUR;
    let minutes = (centis % CS_PER_HOUR) / CS_PER_MINUTE;
    let seconds = (centis % CS_PER_MINUTE) / CS_PER_SECOND;
    let fraction = centis % CS_PER_SECOND;
    if fraction == 0 {
        format!("PT{hours}H{minutes}M{seconds}S")
    } else {
        format!("PT{hours}H{minutes}M{seconds}.{fraction:02}S")
    }
}

/// Parses a SCORM 1.2 `CMITimespan`: `HHHH:MM:SS.SS` (hours 2–4 digits, seconds with 0–2 decimals).
pub fn parse_scorm12_timespan(value: &str) -> Option<u64> {
    let mut parts = value.split(':');
    let (hours, minutes, seconds) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    if !(2..=4).contains(&hours.len()) || !hours.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    if minutes.len() != 2 || !minutes.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let (whole, fraction) = seconds.split_once('.').unwrap_or((seconds, ""));
    if whole.len() != 2 || !whole.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    if seconds.contains('.') && !(1..=2).contains(&fraction.len()) {
        return None;
    }
    if !fraction.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let minutes: u64 = minutes.parse().ok()?;
    let whole: u64 = whole.parse().ok()?;
    if minutes > 59 || whole > 59 {
        return None;
    }
    let hours: u64 = hours.parse().ok()?;
    Some(
        hours * CS_PER_HOUR
            + minutes * CS_PER_MINUTE
            + whole * CS_PER_SECOND
            + fraction_to_centis(fraction),
    )
}

/// Formats centiseconds as a SCORM 1.2 `CMITimespan`, `0001:02:03.04`.
pub fn format_scorm12_timespan(centis: u64) -> String {
    let hours = (centis / CS_PER_HOUR).min(9999);
    let minutes = (centis % CS_PER_HOUR) / CS_PER_MINUTE;
    let seconds = (centis % CS_PER_MINUTE) / CS_PER_SECOND;
    let fraction = centis % CS_PER_SECOND;
    format!("{hours:04}:{minutes:02}:{seconds:02}.{fraction:02}")
}

/// SCORM 1.2 `CMITime`: `HH:MM:SS(.SS)`, a time of day.
pub(crate) fn is_scorm12_time(value: &str) -> bool {
    let Some(centis) = parse_scorm12_timespan(value) else {
        return false;
    };
    value.split(':').next().is_some_and(|h| h.len() == 2) && centis < CS_PER_DAY
}

/// SCORM 2004 `time (second,10,0)`: `YYYY[-MM[-DD[Thh[:mm[:ss[.s[TZD]]]]]]]`, years 1970–2038.
pub(crate) fn is_iso_timestamp(value: &str) -> bool {
    let bytes = value.as_bytes();
    let digits = |from: usize, count: usize| -> Option<u32> {
        let slice = bytes.get(from..from + count)?;
        if !slice.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(slice).ok()?.parse().ok()
    };
    let Some(year) = digits(0, 4) else {
        return false;
    };
    if !(1970..=2038).contains(&year) {
        return false;
    }
    let mut at = 4;
    let mut month = 1;
    // Each optional part: separator, then two digits within range.
    let steps: [(u8, u32, u32); 5] = [
        (b'-', 1, 12),
        (b'-', 1, 31),
        (b'T', 0, 23),
        (b':', 0, 59),
        (b':', 0, 59),
    ];
    for (index, (separator, low, high)) in steps.iter().enumerate() {
        if at == bytes.len() {
            // Hours without minutes is allowed by the grammar; a time zone needs seconds.
            return true;
        }
        if bytes[at] != *separator {
            return false;
        }
        let Some(number) = digits(at + 1, 2) else {
            return false;
        };
        if number < *low || number > *high {
            return false;
        }
        if index == 0 {
            month = number;
        }
        if index == 1 && number > days_in_month(year, month) {
            return false;
        }
        at += 3;
    }
    // After seconds: an optional fraction, and only after a fraction a time zone designator (the grammar
    // nests `[TZD]` inside `[.s…]`, and the ADL conformance suite refuses `…:58Z`).
    let rest = &value[at..];
    if rest.is_empty() {
        return true;
    }
    let Some(fraction) = rest.strip_prefix('.') else {
        return false;
    };
    let count = fraction.chars().take_while(char::is_ascii_digit).count();
    if count == 0 || count > 2 {
        return false;
    }
    is_time_zone(&fraction[count..])
}

fn is_time_zone(text: &str) -> bool {
    if text.is_empty() || text == "Z" {
        return true;
    }
    let Some(offset) = text.strip_prefix('+').or_else(|| text.strip_prefix('-')) else {
        return false;
    };
    let two_digits = |s: &str, max: u32| {
        s.len() == 2
            && s.chars().all(|c| c.is_ascii_digit())
            && s.parse::<u32>().is_ok_and(|n| n <= max)
    };
    match offset.split_once(':') {
        Some((hours, minutes)) => two_digits(hours, 23) && two_digits(minutes, 59),
        None => two_digits(offset, 23),
    }
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_durations_parse_to_centiseconds() {
        assert_eq!(parse_iso_duration("PT1M"), Some(6_000));
        assert_eq!(
            parse_iso_duration("PT01H059M020S"),
            Some(CS_PER_HOUR + 59 * CS_PER_MINUTE + 2_000)
        );
        assert_eq!(parse_iso_duration("P0Y029DT0H"), Some(29 * CS_PER_DAY));
        assert_eq!(parse_iso_duration("PT0.25S"), Some(25));
        assert_eq!(parse_iso_duration("P1Y6M14DT"), None);
        assert_eq!(parse_iso_duration("P1Y6M14D4H15M6.34S"), None);
        assert_eq!(parse_iso_duration("1Y6M14DT4H15M6.34S"), None);
        assert_eq!(parse_iso_duration("P"), None);
        assert_eq!(parse_iso_duration("PT1.5M"), None);
        assert_eq!(parse_iso_duration("PT1S1M"), None);
    }

    #[test]
    fn iso_durations_format_round_trip() {
        for centis in [0, 1, 99, 6_000, 7_220_000, 123_456_789] {
            assert_eq!(
                parse_iso_duration(&format_iso_duration(centis)),
                Some(centis)
            );
        }
        assert_eq!(format_iso_duration(0), "PT0H0M0S");
    }

    #[test]
    fn scorm12_timespans() {
        assert_eq!(parse_scorm12_timespan("0000:01:00"), Some(6_000));
        assert_eq!(
            parse_scorm12_timespan("12:00:30.5"),
            Some(12 * CS_PER_HOUR + 3_050)
        );
        assert_eq!(parse_scorm12_timespan("1:00:00"), None);
        assert_eq!(parse_scorm12_timespan("00:60:00"), None);
        assert_eq!(format_scorm12_timespan(6_050), "0000:01:00.50");
        assert!(is_scorm12_time("23:59:59.99"));
        assert!(!is_scorm12_time("24:00:00"));
    }

    #[test]
    fn iso_timestamps() {
        assert!(is_iso_timestamp("2004"));
        assert!(is_iso_timestamp("2004-04-01T09:45:00"));
        assert!(is_iso_timestamp("2004-04-01T09:45:00.25Z"));
        assert!(is_iso_timestamp("2004-04-01T09:45:00.5+01:00"));
        assert!(!is_iso_timestamp("2004-04-01T09:45:58Z"));
        assert!(!is_iso_timestamp("2004-04-01T09:45Z"));
        assert!(!is_iso_timestamp("2004-04-01T09:45-03"));
        assert!(!is_iso_timestamp("2004-02-30"));
        assert!(!is_iso_timestamp("1969-01-01"));
    }
}
