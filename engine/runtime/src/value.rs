//! The data types of the SCORM data models: syntax checks with the standard error codes, and the
//! semantic equality a conformance test needs (`"1.0"` equals `"1"` as a real).
//!
//! Sizes: the standards give *smallest permitted maximums* (SPM). Real courses write more (notably
//! `suspend_data`), so an SPM is a floor we always accept; the ceiling is a multiple of it, there only to
//! keep one learner's record bounded.

use crate::errors::ErrorCode;
use crate::interaction;
use crate::languages::{ISO_639_1, ISO_639_2};
use crate::session::{Answer, Fault};
use crate::time::{parse_iso_duration, parse_scorm12_timespan};

/// How far past the smallest permitted maximum a character string may go.
pub(crate) const SPM_HEADROOM: usize = 4;

/// `characterstring (SPM: spm)` with the generous ceiling.
pub(crate) fn check_string(element: &str, value: &str, spm: usize) -> Answer<()> {
    let ceiling = (spm * SPM_HEADROOM).max(4096);
    let length = value.chars().count();
    if length > ceiling {
        return Err(Fault::new(
            ErrorCode::GeneralSetFailure,
            format!("{element} accepts at most {ceiling} characters; {length} were given"),
        ));
    }
    Ok(())
}

/// A record index as the data models write it: decimal digits only (no sign, no spaces).
pub(crate) fn parse_index(text: &str) -> Option<usize> {
    if text.is_empty() || !text.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// A real number as SCORM writes it: optional minus, digits, optional decimal part.
pub(crate) fn parse_real(value: &str) -> Option<f64> {
    let unsigned = value.strip_prefix('-').unwrap_or(value);
    let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let digits_ok =
        whole.chars().all(|c| c.is_ascii_digit()) && fraction.chars().all(|c| c.is_ascii_digit());
    if !digits_ok || (whole.is_empty() && fraction.is_empty()) || unsigned.is_empty() {
        return None;
    }
    if unsigned.ends_with('.') && fraction.is_empty() && whole.is_empty() {
        return None;
    }
    value.parse().ok()
}

/// `real (10,7)` within `[min, max]`: 406 when not a number, 407 when outside the range.
pub(crate) fn check_real(
    element: &str,
    value: &str,
    min: Option<f64>,
    max: Option<f64>,
) -> Answer<f64> {
    let Some(number) = parse_real(value) else {
        return Err(Fault::new(
            ErrorCode::TypeMismatch,
            format!(
                "{element} must be a real number; \"{}\" is not",
                clip(value)
            ),
        ));
    };
    let below = min.is_some_and(|min| number < min);
    let above = max.is_some_and(|max| number > max);
    if below || above {
        let range = match (min, max) {
            (Some(min), Some(max)) => format!("from {min} to {max}"),
            (Some(min), None) => format!("of at least {min}"),
            (None, Some(max)) => format!("of at most {max}"),
            (None, None) => String::new(),
        };
        return Err(Fault::new(
            ErrorCode::OutOfRange,
            format!("{element} must be a number {range}; {value} is outside"),
        ));
    }
    Ok(number)
}

/// One of a fixed vocabulary.
pub(crate) fn check_vocabulary(element: &str, value: &str, words: &[&str]) -> Answer<()> {
    if words.contains(&value) {
        Ok(())
    } else {
        Err(Fault::new(
            ErrorCode::TypeMismatch,
            format!(
                "{element} must be one of {}; \"{}\" is not",
                words.join(", "),
                clip(value)
            ),
        ))
    }
}

/// `long_identifier_type` (a URI, SPM 4000) or `short_identifier_type` (SPM 250).
pub(crate) fn is_identifier(value: &str, spm: usize) -> bool {
    if value.is_empty() || value.chars().count() > spm * SPM_HEADROOM {
        return false;
    }
    let forbidden = |c: char| c.is_whitespace() || c.is_control() || "{}[]<>\"\\^`|".contains(c);
    if value.chars().any(forbidden) {
        return false;
    }
    if value.len() >= 4 && value[..4].eq_ignore_ascii_case("urn:") {
        return is_urn(&value[4..]);
    }
    true
}

/// `urn:<NID>:<NSS>` (RFC 2141): NID is 1–32 letters, digits or hyphens, not starting with a hyphen.
fn is_urn(rest: &str) -> bool {
    let Some((nid, nss)) = rest.split_once(':') else {
        return false;
    };
    let nid_ok = (1..=32).contains(&nid.len())
        && !nid.starts_with('-')
        && nid.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    nid_ok && !nss.is_empty()
}

pub(crate) fn check_identifier(element: &str, value: &str, spm: usize) -> Answer<()> {
    if is_identifier(value, spm) {
        Ok(())
    } else {
        Err(Fault::new(
            ErrorCode::TypeMismatch,
            format!(
                "{element} must be an identifier (a URI without spaces); \"{}\" is not",
                clip(value)
            ),
        ))
    }
}

/// `language_type`: an RFC 3066 tag such as `en`, `en-GB`, `zh-xiang`, `i-klingon`; empty allowed where
/// the element allows it.
pub(crate) fn is_language(value: &str) -> bool {
    let mut parts = value.split('-');
    let primary = parts.next().unwrap_or_default();
    let lower = primary.to_ascii_lowercase();
    let primary_ok = match lower.len() {
        1 => lower == "i" || lower == "x",
        2 => ISO_639_1.binary_search(&lower.as_str()).is_ok(),
        3 => ISO_639_2.binary_search(&lower.as_str()).is_ok(),
        _ => false,
    };
    primary_ok
        && parts.all(|part| {
            (1..=8).contains(&part.len()) && part.chars().all(|c| c.is_ascii_alphanumeric())
        })
}

/// Splits a `localized_string_type` into its `{lang=…}` tag (if any) and the text.
pub(crate) fn split_language(value: &str) -> Result<(Option<&str>, &str), ()> {
    let Some(rest) = value.strip_prefix("{lang=") else {
        return Ok((None, value));
    };
    let Some((language, text)) = rest.split_once('}') else {
        return Err(());
    };
    if !is_language(language) {
        return Err(());
    }
    Ok((Some(language), text))
}

/// `localized_string_type (SPM: spm)`.
pub(crate) fn check_localized(element: &str, value: &str, spm: usize) -> Answer<()> {
    match split_language(value) {
        Ok((_, text)) => check_string(element, text, spm),
        Err(()) => Err(Fault::new(
            ErrorCode::TypeMismatch,
            format!(
                "{element} has a malformed {{lang=…}} delimiter in \"{}\"",
                clip(value)
            ),
        )),
    }
}

/// A value cut short for a diagnostic message (which must stay under 255 characters).
pub(crate) fn clip(value: &str) -> String {
    const MAX: usize = 40;
    if value.chars().count() <= MAX {
        value.to_owned()
    } else {
        let head: String = value.chars().take(MAX).collect();
        format!("{head}…")
    }
}

/// What kind of value an element holds, for semantic comparison.
enum Kind {
    Real,
    Interval,
    Localized,
    Language,
    Response,
    Pattern,
    Exact,
}

fn kind_of(element: &str) -> Kind {
    let last = element.rsplit('.').next().unwrap_or_default();
    match last {
        "scaled"
        | "raw"
        | "min"
        | "max"
        | "progress_measure"
        | "completion_threshold"
        | "scaled_passing_score"
        | "weighting"
        | "audio_level"
        | "delivery_speed"
        | "mastery_score" => Kind::Real,
        "total_time" | "session_time" | "max_time_allowed" | "latency"
            if element.starts_with("cmi.") && !element.starts_with("cmi.core") =>
        {
            Kind::Interval
        }
        "comment" | "description" | "learner_name" => Kind::Localized,
        "language" => Kind::Language,
        "learner_response" => Kind::Response,
        "pattern" => Kind::Pattern,
        _ => Kind::Exact,
    }
}

/// Whether `returned` means the same as `expected` for `element`. The interaction type, when known, is
/// passed as `{type}` prefix-free context through [`values_equal_typed`].
pub fn values_equal(element: &str, expected: &str, returned: &str) -> bool {
    values_equal_typed(element, expected, returned, None)
}

/// [`values_equal`] for interaction responses, given the interaction's type.
pub fn values_equal_typed(
    element: &str,
    expected: &str,
    returned: &str,
    interaction_type: Option<&str>,
) -> bool {
    if expected == returned {
        return true;
    }
    if element.ends_with("._children") {
        // `_children` lists are sets: the standard fixes their members, not their order.
        return sorted_list(expected) == sorted_list(returned);
    }
    match kind_of(element) {
        Kind::Real => match (parse_real(expected), parse_real(returned)) {
            (Some(a), Some(b)) => (a - b).abs() < 1e-9,
            _ => false,
        },
        Kind::Interval => match (parse_iso_duration(expected), parse_iso_duration(returned)) {
            (Some(a), Some(b)) => a == b,
            _ => match (
                parse_scorm12_timespan(expected),
                parse_scorm12_timespan(returned),
            ) {
                (Some(a), Some(b)) => a == b,
                _ => false,
            },
        },
        Kind::Localized => localized_equal(expected, returned),
        Kind::Language => expected.eq_ignore_ascii_case(returned),
        Kind::Response => interaction_type
            .is_some_and(|kind| interaction::responses_equal(kind, expected, returned, false)),
        Kind::Pattern => interaction_type
            .is_some_and(|kind| interaction::responses_equal(kind, expected, returned, true)),
        Kind::Exact => false,
    }
}

fn sorted_list(list: &str) -> Vec<&str> {
    let mut items: Vec<&str> = list.split(',').collect();
    items.sort_unstable();
    items
}

/// `{lang=en}text` equals `text`: English is the default language.
fn localized_equal(expected: &str, returned: &str) -> bool {
    match (split_language(expected), split_language(returned)) {
        (Ok((a_lang, a_text)), Ok((b_lang, b_text))) => {
            a_text == b_text
                && a_lang
                    .unwrap_or("en")
                    .eq_ignore_ascii_case(b_lang.unwrap_or("en"))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reals() {
        assert_eq!(parse_real("0.5"), Some(0.5));
        assert_eq!(parse_real("-1"), Some(-1.0));
        assert_eq!(parse_real(".5"), Some(0.5));
        for bad in [
            "",
            "-",
            ".",
            "1e5",
            "4000.003a",
            "3.1456200.045",
            "100,000.00",
            " 1",
            "+1",
        ] {
            assert_eq!(parse_real(bad), None, "{bad}");
        }
        assert!(
            check_real("x", "1.9", Some(-1.0), Some(1.0))
                .is_err_and(|f| f.code == ErrorCode::OutOfRange)
        );
        assert!(
            check_real("x", "abc", None, None).is_err_and(|f| f.code == ErrorCode::TypeMismatch)
        );
    }

    #[test]
    fn identifiers() {
        assert!(is_identifier("obj-1", 4000));
        assert!(is_identifier("urn:adl:obj01", 4000));
        assert!(!is_identifier("", 4000));
        assert!(!is_identifier("urn:", 4000));
        assert!(!is_identifier("urn:adl:lms Test/OBJ01", 4000));
    }

    #[test]
    fn languages() {
        for good in ["en", "EN", "en-GB", "zh-xiang", "i-klingon", "ABK"] {
            assert!(is_language(good), "{good}");
        }
        for bad in [
            "", "english", "en_GB", "en-", "e", "exg", "frl", "sp", "ruq-JM",
        ] {
            assert!(!is_language(bad), "{bad}");
        }
    }

    #[test]
    fn semantic_equality() {
        assert!(values_equal("cmi.score.scaled", "1.0", "1"));
        assert!(values_equal("cmi.total_time", "PT1M", "PT0H1M0S"));
        assert!(values_equal(
            "cmi.comments_from_learner.0.comment",
            "{lang=en}hi",
            "hi"
        ));
        assert!(!values_equal("cmi.location", "a", "b"));
    }
}
