//! CVSS base vectors: check, normalise and score CVSS 3.0, 3.1 and 4.0.
//!
//! The arithmetic is the RustSec [`cvss`] crate's (version 3: it scores 3.0/3.1 with the specification's
//! formula and `Roundup`, and 4.0 with FIRST's MacroVector lookup table and reference interpolation; it
//! has no dependencies, is `no_std` underneath and builds for `wasm32-wasip2`; built here without its
//! CVSS 2 code). What this module adds in front of it is the checking: the crate's own errors are terse
//! and it silently scores a 3.x vector with a missing base metric as if the metric were zero, so every
//! vector is first read against the tables below, which name the metric, the value and the values
//! allowed. The normalised vector has the metrics in the specification's order, upper-case names and
//! canonical values.
//!
//! Only the *base* score is computed. Temporal/threat, environmental and supplemental metrics are checked
//! and kept in the normalised vector (vendors' CSAF documents carry them, e.g. `E:F/RL:O/RC:C`), but do not
//! change the score: the score that sets an advisory's severity is the base score the vendor publishes.

use std::fmt;

use crate::model::{Severity, severity_for};

/// Longest vector accepted, in characters (a CVSS 4.0 vector with every metric is about 200).
pub const MAX_VECTOR_CHARS: usize = 300;

/// Which CVSS version a vector is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CvssVersion {
    /// `CVSS:3.0/…` (accepted so imported documents keep their vectors; new advisories should use 3.1).
    V3_0,
    /// `CVSS:3.1/…`
    V3_1,
    /// `CVSS:4.0/…`
    V4_0,
}

impl CvssVersion {
    /// `"3.0"`, `"3.1"` or `"4.0"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::V3_0 => "3.0",
            Self::V3_1 => "3.1",
            Self::V4_0 => "4.0",
        }
    }

    /// 3.0 or 3.1.
    pub fn is_v3(self) -> bool {
        matches!(self, Self::V3_0 | Self::V3_1)
    }
}

impl fmt::Display for CvssVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A checked vector and its base score.
#[derive(Debug, Clone, PartialEq)]
pub struct CvssScore {
    /// The version named by the vector's prefix.
    pub version: CvssVersion,
    /// The vector normalised: `CVSS:3.1/AV:N/…` with metrics in the specification's order.
    pub vector: String,
    /// Base score, 0.0–10.0 with one decimal.
    pub base_score: f64,
    /// The qualitative rating of `base_score` (CVSS "None" is [`Severity::Information`]).
    pub severity: Severity,
}

/// Why a vector was refused. Its `Display` starts with the vector as given, then says what is wrong and
/// what is allowed: `CVSS:3.1/AV:X/… — metric AV has value X; allowed: N, A, L, P`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CvssError {
    /// Nothing but white space.
    Empty,
    /// Longer than [`MAX_VECTOR_CHARS`].
    TooLong {
        /// Length in characters.
        chars: usize,
    },
    /// Does not start with `CVSS:3.0/`, `CVSS:3.1/` or `CVSS:4.0/`.
    UnknownPrefix {
        /// The vector as given.
        vector: String,
        /// What stands where the prefix should be.
        prefix: String,
    },
    /// `CVSS:<version>` with a version this module does not score (2.0, 3.2, …).
    UnsupportedVersion {
        /// The vector as given.
        vector: String,
        /// The version named.
        version: String,
    },
    /// A part between slashes that is not `METRIC:VALUE`.
    Malformed {
        /// The vector as given.
        vector: String,
        /// The offending part (empty for `//` or a trailing slash).
        component: String,
    },
    /// A metric name the version does not define.
    UnknownMetric {
        /// The vector as given.
        vector: String,
        /// The version named by the prefix.
        version: CvssVersion,
        /// The name given.
        metric: String,
    },
    /// A metric with a value it does not take.
    InvalidValue {
        /// The vector as given.
        vector: String,
        /// The metric (canonical upper-case name).
        metric: &'static str,
        /// The value given.
        value: String,
        /// The values the metric takes.
        allowed: &'static [&'static str],
    },
    /// A metric given twice.
    DuplicateMetric {
        /// The vector as given.
        vector: String,
        /// The metric.
        metric: &'static str,
    },
    /// A base metric left out.
    MissingMetric {
        /// The vector as given.
        vector: String,
        /// The metric.
        metric: &'static str,
        /// Its name in words.
        name: &'static str,
        /// The values it takes.
        allowed: &'static [&'static str],
    },
    /// The scoring library refused a vector these tables accepted (a bug here: report it).
    Scoring {
        /// The base vector scored.
        vector: String,
        /// The library's message.
        message: String,
    },
}

/// The vector as it is echoed in messages: at most 120 characters.
fn shown(vector: &str) -> String {
    if vector.chars().count() <= 120 {
        vector.to_owned()
    } else {
        let cut: String = vector.chars().take(119).collect();
        format!("{cut}…")
    }
}

impl fmt::Display for CvssError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str(
                "the CVSS vector is empty; give a vector such as \
                 CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H, or leave the field out",
            ),
            Self::TooLong { chars } => write!(
                f,
                "the CVSS vector is {chars} characters long; the limit is {MAX_VECTOR_CHARS} — \
                 paste just the vector"
            ),
            Self::UnknownPrefix { vector, prefix } => write!(
                f,
                "{} — unknown prefix \"{}\"; a vector starts with CVSS:3.1/, CVSS:4.0/ or CVSS:3.0/ \
                 (CVSS 2 vectors are not accepted)",
                shown(vector),
                shown(prefix)
            ),
            Self::UnsupportedVersion { vector, version } => write!(
                f,
                "{} — CVSS version {} is not supported; use CVSS:3.1/ or CVSS:4.0/ (3.0 is accepted too)",
                shown(vector),
                shown(version)
            ),
            Self::Malformed { vector, component } if component.is_empty() => write!(
                f,
                "{} — empty metric between slashes (a doubled or trailing \"/\"); remove it",
                shown(vector)
            ),
            Self::Malformed { vector, component } => write!(
                f,
                "{} — \"{}\" is not METRIC:VALUE (for example AV:N)",
                shown(vector),
                shown(component)
            ),
            Self::UnknownMetric {
                vector,
                version,
                metric,
            } => write!(
                f,
                "{} — unknown metric {}: CVSS {} has no such metric; allowed metrics: {}",
                shown(vector),
                shown(metric),
                version,
                table(*version)
                    .iter()
                    .map(|m| m.name)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Self::InvalidValue {
                vector,
                metric,
                value,
                allowed,
            } => write!(
                f,
                "{} — metric {} has value {}; allowed: {}",
                shown(vector),
                metric,
                shown(value),
                allowed.join(", ")
            ),
            Self::DuplicateMetric { vector, metric } => write!(
                f,
                "{} — duplicate metric {}: give each metric once",
                shown(vector),
                metric
            ),
            Self::MissingMetric {
                vector,
                metric,
                name,
                allowed,
            } => write!(
                f,
                "{} — missing mandatory metric {} ({}); add {}:{} (one of {})",
                shown(vector),
                metric,
                name,
                metric,
                allowed[0],
                allowed.join(", ")
            ),
            Self::Scoring { vector, message } => {
                write!(f, "{} — could not be scored: {}", shown(vector), message)
            }
        }
    }
}

impl std::error::Error for CvssError {}

/// One metric of a version: its abbreviation, its name, the values it takes (canonical spelling) and
/// whether it belongs to the base group (mandatory, and the only ones scored).
struct Metric {
    name: &'static str,
    title: &'static str,
    values: &'static [&'static str],
    base: bool,
}

const fn base(name: &'static str, title: &'static str, values: &'static [&'static str]) -> Metric {
    Metric {
        name,
        title,
        values,
        base: true,
    }
}

const fn extra(name: &'static str, title: &'static str, values: &'static [&'static str]) -> Metric {
    Metric {
        name,
        title,
        values,
        base: false,
    }
}

/// CVSS v3.0/v3.1 metrics in the specification's order (Table 15 of the 3.1 specification).
const V3: &[Metric] = &[
    base("AV", "Attack Vector", &["N", "A", "L", "P"]),
    base("AC", "Attack Complexity", &["L", "H"]),
    base("PR", "Privileges Required", &["N", "L", "H"]),
    base("UI", "User Interaction", &["N", "R"]),
    base("S", "Scope", &["U", "C"]),
    base("C", "Confidentiality", &["H", "L", "N"]),
    base("I", "Integrity", &["H", "L", "N"]),
    base("A", "Availability", &["H", "L", "N"]),
    extra("E", "Exploit Code Maturity", &["X", "H", "F", "P", "U"]),
    extra("RL", "Remediation Level", &["X", "U", "W", "T", "O"]),
    extra("RC", "Report Confidence", &["X", "C", "R", "U"]),
    extra("CR", "Confidentiality Requirement", &["X", "H", "M", "L"]),
    extra("IR", "Integrity Requirement", &["X", "H", "M", "L"]),
    extra("AR", "Availability Requirement", &["X", "H", "M", "L"]),
    extra("MAV", "Modified Attack Vector", &["X", "N", "A", "L", "P"]),
    extra("MAC", "Modified Attack Complexity", &["X", "L", "H"]),
    extra("MPR", "Modified Privileges Required", &["X", "N", "L", "H"]),
    extra("MUI", "Modified User Interaction", &["X", "N", "R"]),
    extra("MS", "Modified Scope", &["X", "U", "C"]),
    extra("MC", "Modified Confidentiality", &["X", "H", "L", "N"]),
    extra("MI", "Modified Integrity", &["X", "H", "L", "N"]),
    extra("MA", "Modified Availability", &["X", "H", "L", "N"]),
];

/// CVSS v4.0 metrics in the specification's order (section 7 of the 4.0 specification).
const V4: &[Metric] = &[
    base("AV", "Attack Vector", &["N", "A", "L", "P"]),
    base("AC", "Attack Complexity", &["L", "H"]),
    base("AT", "Attack Requirements", &["N", "P"]),
    base("PR", "Privileges Required", &["N", "L", "H"]),
    base("UI", "User Interaction", &["N", "P", "A"]),
    base("VC", "Vulnerable System Confidentiality", &["H", "L", "N"]),
    base("VI", "Vulnerable System Integrity", &["H", "L", "N"]),
    base("VA", "Vulnerable System Availability", &["H", "L", "N"]),
    base("SC", "Subsequent System Confidentiality", &["H", "L", "N"]),
    base("SI", "Subsequent System Integrity", &["H", "L", "N"]),
    base("SA", "Subsequent System Availability", &["H", "L", "N"]),
    extra("E", "Exploit Maturity", &["X", "A", "P", "U"]),
    extra("CR", "Confidentiality Requirement", &["X", "H", "M", "L"]),
    extra("IR", "Integrity Requirement", &["X", "H", "M", "L"]),
    extra("AR", "Availability Requirement", &["X", "H", "M", "L"]),
    extra("MAV", "Modified Attack Vector", &["X", "N", "A", "L", "P"]),
    extra("MAC", "Modified Attack Complexity", &["X", "L", "H"]),
    extra("MAT", "Modified Attack Requirements", &["X", "N", "P"]),
    extra("MPR", "Modified Privileges Required", &["X", "N", "L", "H"]),
    extra("MUI", "Modified User Interaction", &["X", "N", "P", "A"]),
    extra(
        "MVC",
        "Modified Vulnerable System Confidentiality",
        &["X", "H", "L", "N"],
    ),
    extra(
        "MVI",
        "Modified Vulnerable System Integrity",
        &["X", "H", "L", "N"],
    ),
    extra(
        "MVA",
        "Modified Vulnerable System Availability",
        &["X", "H", "L", "N"],
    ),
    extra(
        "MSC",
        "Modified Subsequent System Confidentiality",
        &["X", "H", "L", "N"],
    ),
    extra(
        "MSI",
        "Modified Subsequent System Integrity",
        &["X", "S", "H", "L", "N"],
    ),
    extra(
        "MSA",
        "Modified Subsequent System Availability",
        &["X", "S", "H", "L", "N"],
    ),
    extra("S", "Safety", &["X", "N", "P"]),
    extra("AU", "Automatable", &["X", "N", "Y"]),
    extra("R", "Recovery", &["X", "A", "U", "I"]),
    extra("V", "Value Density", &["X", "D", "C"]),
    extra("RE", "Vulnerability Response Effort", &["X", "L", "M", "H"]),
    extra(
        "U",
        "Provider Urgency",
        &["X", "Clear", "Green", "Amber", "Red"],
    ),
];

fn table(version: CvssVersion) -> &'static [Metric] {
    if version.is_v3() { V3 } else { V4 }
}

/// Checks, normalises and scores a CVSS 3.0, 3.1 or 4.0 vector (see the module documentation).
///
/// Metric names and values are matched without regard to case; surrounding white space is ignored.
pub fn score(vector: &str) -> Result<CvssScore, CvssError> {
    let given = vector.trim();
    if given.is_empty() {
        return Err(CvssError::Empty);
    }
    let chars = given.chars().count();
    if chars > MAX_VECTOR_CHARS {
        return Err(CvssError::TooLong { chars });
    }
    let mut parts = given.split('/');
    let prefix = parts.next().unwrap_or_default();
    let version = match prefix.split_once(':') {
        Some((label, version)) if label.eq_ignore_ascii_case("CVSS") => match version {
            "3.0" => CvssVersion::V3_0,
            "3.1" => CvssVersion::V3_1,
            "4.0" => CvssVersion::V4_0,
            other => {
                return Err(CvssError::UnsupportedVersion {
                    vector: given.to_owned(),
                    version: other.to_owned(),
                });
            }
        },
        _ => {
            return Err(CvssError::UnknownPrefix {
                vector: given.to_owned(),
                prefix: prefix.to_owned(),
            });
        }
    };
    let metrics = table(version);
    let mut values: Vec<Option<&'static str>> = vec![None; metrics.len()];
    for component in parts {
        let malformed = || CvssError::Malformed {
            vector: given.to_owned(),
            component: component.to_owned(),
        };
        let (name, value) = component.split_once(':').ok_or_else(malformed)?;
        if name.is_empty() || value.is_empty() || value.contains(':') {
            return Err(malformed());
        }
        let index = metrics
            .iter()
            .position(|m| m.name.eq_ignore_ascii_case(name))
            .ok_or_else(|| CvssError::UnknownMetric {
                vector: given.to_owned(),
                version,
                metric: name.to_owned(),
            })?;
        let metric = &metrics[index];
        let canonical = metric
            .values
            .iter()
            .find(|v| v.eq_ignore_ascii_case(value))
            .ok_or_else(|| CvssError::InvalidValue {
                vector: given.to_owned(),
                metric: metric.name,
                value: value.to_owned(),
                allowed: metric.values,
            })?;
        if values[index].is_some() {
            return Err(CvssError::DuplicateMetric {
                vector: given.to_owned(),
                metric: metric.name,
            });
        }
        values[index] = Some(canonical);
    }
    if let Some(missing) = metrics
        .iter()
        .zip(&values)
        .find(|(m, v)| m.base && v.is_none())
    {
        return Err(CvssError::MissingMetric {
            vector: given.to_owned(),
            metric: missing.0.name,
            name: missing.0.title,
            allowed: missing.0.values,
        });
    }
    let render = |base_only: bool| {
        let mut out = format!("CVSS:{}", version.as_str());
        for (metric, value) in metrics.iter().zip(&values) {
            if let Some(value) = value
                && (metric.base || !base_only)
            {
                out.push('/');
                out.push_str(metric.name);
                out.push(':');
                out.push_str(value);
            }
        }
        out
    };
    let base_vector = render(true);
    let scoring = |message: String| CvssError::Scoring {
        vector: base_vector.clone(),
        message,
    };
    let base_score = if version.is_v3() {
        base_vector
            .parse::<cvss::v3::Vector>()
            .map_err(|e| scoring(e.to_string()))?
            .base_score()
            .value()
    } else {
        base_vector
            .parse::<cvss::v4::Vector>()
            .map_err(|e| scoring(e.to_string()))?
            .score()
            .value()
    };
    // Scores are published with one decimal; strip float noise such as 9.800000000000001.
    let base_score = (base_score * 10.0).round() / 10.0;
    Ok(CvssScore {
        version,
        vector: render(false),
        base_score,
        severity: severity_for(base_score),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(vector: &str, expected: f64, severity: Severity) {
        let scored = score(vector).unwrap_or_else(|e| panic!("{vector}: {e}"));
        assert_eq!(scored.base_score, expected, "{vector}");
        assert_eq!(scored.severity, severity, "{vector}");
    }

    /// Scores from the CVSS 3.1 specification's examples and FIRST's calculator.
    #[test]
    fn scores_cvss_3_1() {
        use Severity::*;
        check(
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            9.8,
            Critical,
        );
        check(
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H",
            10.0,
            Critical,
        );
        check(
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N",
            0.0,
            Information,
        );
        check("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1, Medium);
        check(
            "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H",
            9.9,
            Critical,
        );
        check("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", 7.5, High);
        check("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 7.8, High);
        check("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N", 5.3, Medium);
        check("CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N", 5.9, Medium);
        // The BSI example's vector, with temporal metrics that do not change the base score.
        check(
            "CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:U/C:H/I:N/A:L/E:F/RL:O/RC:C",
            6.1,
            Medium,
        );
    }

    #[test]
    fn scores_cvss_3_0() {
        check(
            "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            9.8,
            Severity::Critical,
        );
        let scored = score("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H").unwrap();
        assert_eq!(scored.version, CvssVersion::V3_0);
        assert_eq!(scored.base_score, 10.0);
    }

    /// Scores from the CVSS 4.0 specification and FIRST's "CVSS v4.0 Examples" page.
    #[test]
    fn scores_cvss_4_0() {
        use Severity::*;
        let examples = [
            (
                "AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
                9.3,
                Critical,
            ),
            (
                "AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
                8.5,
                High,
            ),
            (
                "AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H",
                10.0,
                Critical,
            ),
            (
                "AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N",
                0.0,
                Information,
            ),
            (
                "AV:L/AC:L/AT:P/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
                7.3,
                High,
            ),
            (
                "AV:N/AC:L/AT:P/PR:N/UI:P/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
                7.7,
                High,
            ),
            (
                "AV:L/AC:L/AT:N/PR:N/UI:A/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N",
                4.6,
                Medium,
            ),
            (
                "AV:N/AC:L/AT:N/PR:N/UI:A/VC:N/VI:N/VA:N/SC:L/SI:L/SA:N",
                5.1,
                Medium,
            ),
            (
                "AV:N/AC:L/AT:N/PR:L/UI:P/VC:N/VI:N/VA:N/SC:L/SI:L/SA:N",
                5.1,
                Medium,
            ),
            (
                "AV:L/AC:L/AT:N/PR:H/UI:N/VC:N/VI:N/VA:N/SC:H/SI:N/SA:N",
                5.9,
                Medium,
            ),
            (
                "AV:L/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H",
                9.4,
                Critical,
            ),
            (
                "AV:P/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H",
                8.6,
                High,
            ),
            (
                "AV:N/AC:L/AT:N/PR:L/UI:N/VC:H/VI:N/VA:N/SC:N/SI:N/SA:N",
                7.1,
                High,
            ),
            (
                "AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:L/SA:N",
                6.9,
                Medium,
            ),
            (
                "AV:P/AC:L/AT:P/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
                5.4,
                Medium,
            ),
            // Supplemental metrics never change the score.
            (
                "AV:P/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:H/SA:N/S:P/V:D",
                8.3,
                High,
            ),
        ];
        for (metrics, expected, severity) in examples {
            check(&format!("CVSS:4.0/{metrics}"), expected, severity);
        }
    }

    #[test]
    fn normalises_case_and_order() {
        let scored = score("  cvss:3.1/c:h/i:h/a:h/av:n/ac:l/pr:n/ui:n/s:u/e:f ").unwrap();
        assert_eq!(
            scored.vector,
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:F"
        );
        assert_eq!(scored.version, CvssVersion::V3_1);
        let v4 =
            score("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/U:amber/E:A")
                .unwrap();
        assert_eq!(
            v4.vector,
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:A/U:Amber"
        );
        assert_eq!(
            v4.base_score, 9.3,
            "threat and supplemental metrics leave the base score"
        );
    }

    #[test]
    fn errors_name_the_metric_and_the_allowed_values() {
        let text = |v: &str| score(v).unwrap_err().to_string();
        assert_eq!(
            text("CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
            "CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H — metric AV has value X; allowed: N, A, L, P"
        );
        assert_eq!(
            text("CVSS:3.1/AV:N/AC:L/UI:N/S:U/C:H/I:H/A:H"),
            "CVSS:3.1/AV:N/AC:L/UI:N/S:U/C:H/I:H/A:H — missing mandatory metric PR \
             (Privileges Required); add PR:N (one of N, L, H)"
        );
        assert!(
            text("CVSS:3.1/AV:N/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")
                .ends_with("— duplicate metric AV: give each metric once")
        );
        assert!(text("AV:N/AC:L/Au:N/C:P/I:P/A:P").contains("— unknown prefix \"AV:N\""));
        assert!(text("CVSS:2.0/AV:N").contains("CVSS version 2.0 is not supported"));
        assert!(
            text("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/S:C")
                .contains("metric S has value C; allowed: X, N, P")
        );
        assert!(
            text("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N")
                .contains("missing mandatory metric SA (Subsequent System Availability)")
        );
        assert!(
            text("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/AT:N")
                .contains("unknown metric AT: CVSS 3.1 has no such metric")
        );
        assert!(text("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/").contains("empty metric"));
        assert!(text("CVSS:3.1/AVN/AC:L").contains("\"AVN\" is not METRIC:VALUE"));
        assert_eq!(score("   "), Err(CvssError::Empty));
        assert!(matches!(
            score(&"CVSS:3.1/AV:N".repeat(40)),
            Err(CvssError::TooLong { .. })
        ));
    }
}
