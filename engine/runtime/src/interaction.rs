//! SCORM 2004 interaction types and the syntax of their learner responses and correct-response patterns
//! (RTE 4.2.9.1 and 4.2.9.2).

use crate::value::{SPM_HEADROOM, is_identifier, parse_real, split_language};

pub(crate) const TYPES: &[&str] = &[
    "true-false",
    "choice",
    "fill-in",
    "long-fill-in",
    "likert",
    "matching",
    "performance",
    "sequencing",
    "numeric",
    "other",
];

const SHORT_ID: usize = 250;

/// How many correct-response patterns an interaction of `kind` may hold (the SPM of its
/// `correct_responses` collection). Single-pattern types are hard limits.
pub(crate) fn max_patterns(kind: &str) -> usize {
    match kind {
        "true-false" | "likert" | "numeric" | "other" => 1,
        "choice" | "sequencing" => 10 * SPM_HEADROOM,
        _ => 5 * SPM_HEADROOM,
    }
}

/// Checks a 2004 `learner_response` (`pattern == false`) or `correct_responses.n.pattern` of `kind`.
pub(crate) fn is_valid(kind: &str, value: &str, pattern: bool) -> bool {
    match kind {
        "true-false" => value == "true" || value == "false",
        "choice" => identifier_list(value, true),
        "sequencing" => identifier_list(value, false),
        "likert" => is_identifier(value, SHORT_ID),
        "matching" => split_list(value).all(|pair| match pair.split_once("[.]") {
            Some((source, target)) => {
                is_identifier(source, SHORT_ID) && is_identifier(target, SHORT_ID)
            }
            None => false,
        }),
        "fill-in" => {
            let Some(rest) = strip_options(value, pattern, true) else {
                return false;
            };
            let items: Vec<&str> = split_list(rest).collect();
            items.len() <= 10 * SPM_HEADROOM && items.iter().all(|item| localized(item, 250))
        }
        "long-fill-in" => match strip_options(value, pattern, false) {
            Some(rest) => localized(rest, 4000),
            None => false,
        },
        "performance" => {
            let Some(rest) = strip_options(value, pattern, true) else {
                return false;
            };
            split_list(rest).all(|step| performance_step(step, pattern))
        }
        "numeric" if pattern => numeric_range(value),
        "numeric" => parse_real(value).is_some(),
        "other" => value.chars().count() <= 4000 * SPM_HEADROOM,
        _ => false,
    }
}

fn split_list(value: &str) -> impl Iterator<Item = &str> {
    value.split("[,]")
}

/// `short_identifier[,]…`: an empty value is an empty set; `unique` forbids repeats (a choice is a set).
fn identifier_list(value: &str, unique: bool) -> bool {
    if value.is_empty() {
        return true;
    }
    let items: Vec<&str> = split_list(value).collect();
    if items.len() > 36 * SPM_HEADROOM || !items.iter().all(|item| is_identifier(item, SHORT_ID)) {
        return false;
    }
    if unique {
        let mut sorted = items.clone();
        sorted.sort_unstable();
        sorted.dedup();
        sorted.len() == items.len()
    } else {
        true
    }
}

fn localized(text: &str, spm: usize) -> bool {
    match split_language(text) {
        Ok((_, body)) => body.chars().count() <= spm * SPM_HEADROOM,
        Err(()) => false,
    }
}

/// Strips the leading `{case_matters=…}` / `{order_matters=…}` delimiters of a correct-response pattern
/// (in either order). They may only open the pattern: once the first string's `{lang=…}` appears,
/// what follows is that string's text, braces and all (as the ADL conformance suite expects).
/// `None` when a delimiter's value is not `true` or `false`.
fn strip_options(value: &str, pattern: bool, order_allowed: bool) -> Option<&str> {
    if !pattern {
        return Some(value);
    }
    let mut rest = value;
    loop {
        if let Some(after) = rest.strip_prefix("{case_matters=") {
            rest = boolean_option(after)?;
        } else if let Some(after) = rest
            .strip_prefix("{order_matters=")
            .filter(|_| order_allowed)
        {
            rest = boolean_option(after)?;
        } else {
            return Some(rest);
        }
    }
}

fn boolean_option(after: &str) -> Option<&str> {
    let (flag, rest) = after.split_once('}')?;
    (flag == "true" || flag == "false").then_some(rest)
}

/// `step_name[.]step_answer`: the name a short identifier (or empty), the answer a string or, in a
/// pattern, a numeric range `min[:]max`; at least one side non-empty.
fn performance_step(step: &str, pattern: bool) -> bool {
    let Some((name, answer)) = step.split_once("[.]") else {
        return false;
    };
    if name.is_empty() && answer.is_empty() {
        return false;
    }
    if answer.contains("[.]") {
        return false;
    }
    let name_ok = name.is_empty() || is_identifier(name, SHORT_ID);
    let answer_ok = if pattern && answer.contains("[:]") {
        numeric_range(answer)
    } else {
        answer.chars().count() <= 250 * SPM_HEADROOM
    };
    name_ok && answer_ok
}

/// `min[:]max` with either bound optional and `min <= max`, or a single real number.
fn numeric_range(value: &str) -> bool {
    let Some((min, max)) = value.split_once("[:]") else {
        return parse_real(value).is_some();
    };
    let bound = |text: &str| -> Result<Option<f64>, ()> {
        if text.is_empty() {
            Ok(None)
        } else {
            parse_real(text).map(Some).ok_or(())
        }
    };
    match (bound(min), bound(max)) {
        (Ok(Some(low)), Ok(Some(high))) => low <= high,
        (Ok(_), Ok(_)) => true,
        _ => false,
    }
}

/// Semantic equality of two responses of `kind` (defaults of optional delimiters, real numbers).
pub(crate) fn responses_equal(kind: &str, a: &str, b: &str, pattern: bool) -> bool {
    canonical(kind, a, pattern) == canonical(kind, b, pattern)
}

fn canonical(kind: &str, value: &str, pattern: bool) -> String {
    match kind {
        "numeric" => value
            .split("[:]")
            .map(|part| {
                parse_real(part)
                    .map(|n| n.to_string())
                    .unwrap_or_else(|| part.to_owned())
            })
            .collect::<Vec<_>>()
            .join("[:]"),
        "fill-in" | "long-fill-in" | "performance" if pattern => {
            let (case, order, language, text) = leading_delimiters(value);
            format!(
                "{{case_matters={}}}{{order_matters={}}}{{lang={}}}{}",
                case.unwrap_or("false"),
                order.unwrap_or("true"),
                language.unwrap_or("en").to_ascii_lowercase(),
                text.replace("{lang=en}", "")
            )
        }
        "fill-in" | "long-fill-in" => value.replace("{lang=en}", ""),
        _ => value.to_owned(),
    }
}

/// The delimiters opening a pattern, in any order: `(case_matters, order_matters, lang, rest)`.
fn leading_delimiters(value: &str) -> (Option<&str>, Option<&str>, Option<&str>, &str) {
    let (mut case, mut order, mut language) = (None, None, None);
    let mut rest = value;
    while let Some(end) = rest.find('}').filter(|_| rest.starts_with('{')) {
        let inner = &rest[1..end];
        match inner.split_once('=') {
            Some(("case_matters", flag)) if case.is_none() => case = Some(flag),
            Some(("order_matters", flag)) if order.is_none() => order = Some(flag),
            Some(("lang", tag)) if language.is_none() => language = Some(tag),
            _ => break,
        }
        rest = &rest[end + 1..];
    }
    (case, order, language, rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn examples_from_the_conformance_suite() {
        assert!(is_valid("true-false", "true", true));
        assert!(!is_valid("true-false", "a[,]a", true));
        assert!(is_valid("choice", "", true));
        assert!(!is_valid("choice", "[,]", true));
        assert!(!is_valid("choice", "{}{[]}{}{[]}{}", false));
        assert!(is_valid("choice", "uri.uri.uri.abcd[,]testuri", false));
        assert!(is_valid("fill-in", "[,]", true));
        assert!(is_valid(
            "fill-in",
            "{case_matters=false}{lang=en-US}{order_matters=false}z",
            true
        ));
        assert!(!is_valid("fill-in", "{case_matters=invalid}z", true));
        assert!(!is_valid("fill-in", "{lang=exg}z", true));
        assert!(is_valid("fill-in", "{}{[]}{}{[]}{}", true));
        assert!(is_valid(
            "fill-in",
            "{lang=eng}{order_matters=true}{case_matters=invalid}a",
            true
        ));
        assert!(!is_valid(
            "fill-in",
            "{case_matters=invalid}{lang=exg}{order_matters=invalid}z",
            true
        ));
        assert!(!is_valid("performance", "[.]a[.]b", false));
        assert!(is_valid("numeric", "3.333[:]4.0", true));
        assert!(!is_valid("numeric", "30[:]-4500", true));
        assert!(!is_valid("numeric", "100,000.00", true));
        assert!(!is_valid("numeric", "-400[:]-500.00", false));
        assert!(is_valid("matching", "a[.]b[,]c[.]d", false));
        assert!(is_valid("performance", "step1[.]answer[,][.]5", false));
        assert!(is_valid(
            "performance",
            "{order_matters=false}s[.]1[:]2",
            true
        ));
    }

    #[test]
    fn canonical_forms() {
        assert!(responses_equal("numeric", "1.0[:]2", "1[:]2.00", true));
        assert!(responses_equal(
            "fill-in",
            "{case_matters=false}abc",
            "abc",
            true
        ));
        assert!(!responses_equal("choice", "a[,]b", "a", false));
        assert!(responses_equal(
            "long-fill-in",
            "{lang=eng}{case_matters=true}x",
            "{case_matters=true}{lang=eng}x",
            true
        ));
    }
}
