//! The advisory, its checks and its lifecycle: draft → published (revision 1, 2, …) → closed.
//!
//! Everything here is pure: times are Unix milliseconds passed in by the caller, and a lifecycle step
//! either changes the advisory completely or, when it returns an error, leaves it exactly as it was.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::cvss;
use crate::time::format_date;

/// Longest title, in characters.
pub const MAX_TITLE: usize = 200;
/// Longest summary, in characters.
pub const MAX_SUMMARY: usize = 2000;
/// Longest threat description, in characters.
pub const MAX_THREAT: usize = 20_000;
/// Most products, CVEs, references or remediation steps.
pub const MAX_ITEMS: usize = 50;
/// Longest remediation step, in characters.
pub const MAX_STEP: usize = 4000;
/// Longest vendor or product name, in characters.
pub const MAX_NAME: usize = 200;
/// Longest description of affected versions, in characters.
pub const MAX_VERSIONS: usize = 1000;
/// Longest URL, in characters.
pub const MAX_URL: usize = 2000;
/// Longest reference summary or revision summary, in characters.
pub const MAX_SHORT_TEXT: usize = 500;
/// Longest course identifier, in characters.
pub const MAX_COURSE: usize = 200;

/// A national threat advisory for health and care organisations. Stored as JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Advisory {
    /// `RAM-2026-0042` (see [`valid_id`]).
    pub id: String,
    /// One line.
    pub title: String,
    /// Plain text, one paragraph.
    pub summary: String,
    /// Markdown: the threat described.
    pub threat: String,
    /// What the advisory is about.
    pub kind: AdvisoryKind,
    /// Affected products.
    pub products: Vec<AffectedProduct>,
    /// `CVE-2026-12345`, each once.
    pub cves: Vec<String>,
    /// A normalised CVSS 3.1 or 4.0 vector (3.0 is kept when imported).
    pub cvss: Option<String>,
    /// Follows the CVSS base score when there is a vector; chosen by the author otherwise.
    pub severity: Severity,
    /// Remediation steps, markdown, one per step.
    pub remediation: Vec<String>,
    /// Further reading.
    pub references: Vec<Reference>,
    /// Traffic Light Protocol: who may see it. Only [`Tlp::Clear`] goes on the public feed.
    pub tlp: Tlp,
    /// A Rampart course identifier to assign as just-in-time training.
    pub course: Option<String>,
    /// Where the advisory is in its life.
    pub status: Status,
    /// Numbered change log, 1 = first publication.
    pub revisions: Vec<Revision>,
    /// Unix ms.
    pub created_at: i64,
    /// Unix ms of the first publication.
    pub published_at: Option<i64>,
    /// Unix ms of the last change.
    pub updated_at: i64,
    /// Unix ms of closing.
    pub closed_at: Option<i64>,
    /// Where an imported advisory came from.
    pub source: Option<Source>,
}

/// What an advisory is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AdvisoryKind {
    /// A flaw in a product (usually with CVEs).
    #[default]
    Vulnerability,
    /// A way attackers are operating (phishing campaign, ransomware tradecraft, …).
    AttackMethodology,
    /// Information with no specific flaw.
    Information,
}

impl AdvisoryKind {
    /// Words for people: "Vulnerability", "Attack methodology", "Information".
    pub fn label(self) -> &'static str {
        match self {
            Self::Vulnerability => "Vulnerability",
            Self::AttackMethodology => "Attack methodology",
            Self::Information => "Information",
        }
    }
}

/// An affected product. `versions` is free text: `2.0 to 2.14.1`, `< 7.2`, or empty for all.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct AffectedProduct {
    /// The vendor (may be empty when unknown).
    pub vendor: String,
    /// The product.
    pub product: String,
    /// The affected versions, free text.
    pub versions: String,
}

/// A link with a short description.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct Reference {
    /// `https://` (or `http://`).
    pub url: String,
    /// One line saying what is there.
    pub summary: String,
}

/// One entry of the change log.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Revision {
    /// 1, 2, 3, … with no gaps.
    pub number: u32,
    /// Unix ms.
    pub at: i64,
    /// What changed.
    pub summary: String,
}

/// Where an imported advisory came from.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Source {
    /// The publisher's name (CSAF `document.publisher.name`).
    pub publisher: String,
    /// The publisher's id for the document (CSAF `document.tracking.id`).
    pub tracking_id: String,
}

/// Severity on the CVSS qualitative scale, ordered: `Information < Low < … < Critical`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// CVSS "None" (0.0), or no score.
    #[default]
    Information,
    /// 0.1–3.9
    Low,
    /// 4.0–6.9
    Medium,
    /// 7.0–8.9
    High,
    /// 9.0–10.0
    Critical,
}

impl Severity {
    /// All of them, lowest first.
    pub const ALL: [Self; 5] = [
        Self::Information,
        Self::Low,
        Self::Medium,
        Self::High,
        Self::Critical,
    ];

    /// Organisations must acknowledge High and Critical advisories.
    pub fn requires_acknowledgement(self) -> bool {
        self >= Self::High
    }

    /// `"information"`, `"low"`, …: the stored form, also the Atom category term.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Information => "information",
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
            Self::Critical => "critical",
        }
    }

    /// `"Information"`, `"Low"`, …: for people.
    pub fn label(self) -> &'static str {
        match self {
            Self::Information => "Information",
            Self::Low => "Low",
            Self::Medium => "Medium",
            Self::High => "High",
            Self::Critical => "Critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// The CVSS qualitative rating of a score: 0 → Information (CVSS "None"), 0.1–3.9 Low, 4.0–6.9 Medium,
/// 7.0–8.9 High, 9.0–10.0 Critical. A score that is not a number is Information.
pub fn severity_for(score: f64) -> Severity {
    if score >= 9.0 {
        Severity::Critical
    } else if score >= 7.0 {
        Severity::High
    } else if score >= 4.0 {
        Severity::Medium
    } else if score > 0.0 {
        Severity::Low
    } else {
        Severity::Information
    }
}

/// Traffic Light Protocol 2.0 label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tlp {
    /// Not sensitive: goes on the public feed.
    Clear,
    /// The community (every organisation the service reaches), not the public.
    #[default]
    Green,
    /// Recipients' organisations only.
    Amber,
    /// Named recipients only.
    Red,
}

impl Tlp {
    /// Only CLEAR may be shown to anyone.
    pub fn is_public(self) -> bool {
        self == Self::Clear
    }

    /// `"TLP:CLEAR"`, `"TLP:GREEN"`, …
    pub fn label(self) -> &'static str {
        match self {
            Self::Clear => "TLP:CLEAR",
            Self::Green => "TLP:GREEN",
            Self::Amber => "TLP:AMBER",
            Self::Red => "TLP:RED",
        }
    }
}

/// Where an advisory is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Being written; not visible to organisations.
    #[default]
    Draft,
    /// Issued; changes are numbered revisions.
    Published,
    /// Finished with; read-only.
    Closed,
}

/// One problem with one field, for a form to show next to that field. `field` names it the way the
/// stored JSON does: `title`, `cves[2]`, `products[0].vendor`, `references[1].url`, `change_summary`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    /// Which field.
    pub field: String,
    /// What is wrong and what to do.
    pub message: String,
}

impl FieldError {
    fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// Why a lifecycle step was refused. The advisory is unchanged whenever one is returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdvisoryError {
    /// Fields fail their checks; `errors` has every one of them.
    Invalid {
        /// The advisory.
        id: String,
        /// What was being done: "published", "saved", "updated".
        action: &'static str,
        /// Every problem found.
        errors: Vec<FieldError>,
    },
    /// The advisory is closed: read-only.
    Closed {
        /// The advisory.
        id: String,
        /// `2026-11-29`.
        closed_on: String,
    },
    /// `publish` on an advisory already published.
    AlreadyPublished {
        /// The advisory.
        id: String,
        /// Its latest revision.
        revision: u32,
    },
    /// `close` on a draft.
    NotPublished {
        /// The advisory.
        id: String,
    },
    /// `update` of a published advisory that changes nothing.
    Unchanged {
        /// The advisory.
        id: String,
    },
}

impl fmt::Display for AdvisoryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Invalid { id, action, errors } => {
                let n = errors.len();
                write!(
                    f,
                    "{id} cannot be {action}: {n} field{} need{} attention — ",
                    if n == 1 { "" } else { "s" },
                    if n == 1 { "s" } else { "" }
                )?;
                for (i, e) in errors.iter().enumerate() {
                    if i > 0 {
                        f.write_str("; ")?;
                    }
                    write!(f, "{e}")?;
                }
                Ok(())
            }
            Self::Closed { id, closed_on } => write!(
                f,
                "{id} was closed on {closed_on}; closed advisories cannot be edited — \
                 publish a new advisory instead"
            ),
            Self::AlreadyPublished { id, revision } => write!(
                f,
                "{id} is already published (revision {revision}); change it with an update, \
                 which adds revision {}",
                revision + 1
            ),
            Self::NotPublished { id } => write!(
                f,
                "{id} is a draft and was never published, so it cannot be closed — \
                 delete the draft instead"
            ),
            Self::Unchanged { id } => write!(
                f,
                "nothing in {id} changed, so no revision was added — edit a field, then update"
            ),
        }
    }
}

impl std::error::Error for AdvisoryError {}

/// The fields an author edits, as a form submits them (every field defaults when absent). `severity` is
/// used only when `cvss` is empty; with a vector the severity follows its score.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct AdvisoryDraft {
    /// See [`Advisory::title`].
    pub title: String,
    /// See [`Advisory::summary`].
    pub summary: String,
    /// See [`Advisory::threat`].
    pub threat: String,
    /// See [`Advisory::kind`].
    pub kind: AdvisoryKind,
    /// See [`Advisory::products`].
    pub products: Vec<AffectedProduct>,
    /// See [`Advisory::cves`].
    pub cves: Vec<String>,
    /// A CVSS vector; empty or absent for none.
    pub cvss: Option<String>,
    /// The severity when there is no vector.
    pub severity: Severity,
    /// See [`Advisory::remediation`].
    pub remediation: Vec<String>,
    /// See [`Advisory::references`].
    pub references: Vec<Reference>,
    /// See [`Advisory::tlp`].
    pub tlp: Tlp,
    /// See [`Advisory::course`]; empty or absent for none.
    pub course: Option<String>,
}

/// `RAM-2026-0042`: `RAM-`, a four-digit year, `-`, and four to six digits.
pub fn valid_id(id: &str) -> bool {
    let Some(rest) = id.strip_prefix("RAM-") else {
        return false;
    };
    let Some((year, number)) = rest.split_once('-') else {
        return false;
    };
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    year.len() == 4 && digits(year) && (4..=6).contains(&number.len()) && digits(number)
}

/// `CVE-2026-12345`: `CVE-`, a four-digit year, `-`, and four or more digits (at most 19).
pub fn valid_cve(cve: &str) -> bool {
    let Some(rest) = cve.strip_prefix("CVE-") else {
        return false;
    };
    let Some((year, number)) = rest.split_once('-') else {
        return false;
    };
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    year.len() == 4 && digits(year) && (4..=19).contains(&number.len()) && digits(number)
}

/// Why `url` is not an acceptable link, if it is not: `http://` or `https://`, a host, and only the
/// characters a URI may contain (non-ASCII must be percent-encoded).
pub fn url_problem(url: &str) -> Option<String> {
    if url.is_empty() {
        return Some("give the link's address (https://…)".into());
    }
    let chars = url.chars().count();
    if chars > MAX_URL {
        return Some(format!(
            "is {chars} characters; the limit is {MAX_URL} — link to a shorter address"
        ));
    }
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    let rest = if lower.starts_with("https://") {
        &url[8..]
    } else if lower.starts_with("http://") {
        &url[7..]
    } else {
        return Some(
            "must start with https:// (or http://); other kinds of link are not allowed".into(),
        );
    };
    if let Some(c) = url.chars().find(|c| c.is_whitespace() || c.is_control()) {
        return Some(format!(
            "contains {}; remove it or percent-encode it (%20 for a space)",
            if c == ' ' {
                "a space".to_owned()
            } else {
                format!("the character {c:?}")
            }
        ));
    }
    if let Some(c) = url
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || "-._~:/?#[]@!$&'()*+,;=%".contains(*c)))
    {
        return Some(format!(
            "contains {c:?}, which a URL may not contain as it is; percent-encode it"
        ));
    }
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = host.rsplit('@').next().unwrap_or_default();
    if host.is_empty() || host.starts_with(':') {
        return Some("has no host name after the //".into());
    }
    None
}

fn chars(s: &str) -> usize {
    s.chars().count()
}

fn too_long(what: &str, n: usize, limit: usize) -> String {
    format!("{what} is {n} characters; the limit is {limit} — shorten it")
}

/// Checks one line of text: required or not, length, no line breaks or control characters.
fn check_line(
    errors: &mut Vec<FieldError>,
    field: String,
    value: &str,
    limit: usize,
    required: Option<&str>,
) {
    if value.trim().is_empty() {
        if let Some(what_to_do) = required {
            errors.push(FieldError::new(field, what_to_do));
        } else if !value.is_empty() {
            errors.push(FieldError::new(
                field,
                "is only white space; clear it or fill it in",
            ));
        }
        return;
    }
    let n = chars(value);
    if n > limit {
        errors.push(FieldError::new(field, too_long("it", n, limit)));
    } else if value.contains(['\n', '\r']) {
        errors.push(FieldError::new(
            field,
            "must be one line; remove the line breaks",
        ));
    } else if value.chars().any(char::is_control) {
        errors.push(FieldError::new(
            field,
            "contains control characters; retype it or paste it as plain text",
        ));
    }
}

/// Checks multi-line text: length and no control characters other than line breaks and tabs.
fn check_text(errors: &mut Vec<FieldError>, field: String, value: &str, limit: usize) {
    let n = chars(value);
    if n > limit {
        errors.push(FieldError::new(field, too_long("it", n, limit)));
    } else if value
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        errors.push(FieldError::new(
            field,
            "contains control characters; retype it or paste it as plain text",
        ));
    }
}

fn check_count(errors: &mut Vec<FieldError>, field: &str, n: usize, what: &str) {
    if n > MAX_ITEMS {
        errors.push(FieldError::new(
            field,
            format!(
                "has {n} {what}; the limit is {MAX_ITEMS} — keep the most important and link to a \
                 full list in a reference"
            ),
        ));
    }
}

/// `Some(trimmed)` for a non-blank optional field, `None` for absent or blank.
fn non_blank(value: Option<&str>) -> Option<String> {
    value
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

impl Advisory {
    /// A new draft: no products, CVEs, vector, steps or references; severity Information, TLP:GREEN
    /// (not public until an author says CLEAR), kind Vulnerability.
    pub fn new_draft(id: impl Into<String>, title: impl Into<String>, now: i64) -> Self {
        Self {
            id: id.into(),
            title: title.into(),
            summary: String::new(),
            threat: String::new(),
            kind: AdvisoryKind::default(),
            products: Vec::new(),
            cves: Vec::new(),
            cvss: None,
            severity: Severity::Information,
            remediation: Vec::new(),
            references: Vec::new(),
            tlp: Tlp::default(),
            course: None,
            status: Status::Draft,
            revisions: Vec::new(),
            created_at: now,
            published_at: None,
            updated_at: now,
            closed_at: None,
            source: None,
        }
    }

    /// The editable fields as they stand, to fill a form.
    pub fn draft(&self) -> AdvisoryDraft {
        AdvisoryDraft {
            title: self.title.clone(),
            summary: self.summary.clone(),
            threat: self.threat.clone(),
            kind: self.kind,
            products: self.products.clone(),
            cves: self.cves.clone(),
            cvss: self.cvss.clone(),
            severity: self.severity,
            remediation: self.remediation.clone(),
            references: self.references.clone(),
            tlp: self.tlp,
            course: self.course.clone(),
        }
    }

    /// The latest revision's number; 0 for a draft never published.
    pub fn version(&self) -> u32 {
        self.revisions.last().map_or(0, |r| r.number)
    }

    /// Sets the CVSS vector (normalised) and the severity its base score gives; `None` removes the vector
    /// and leaves the severity as it is. A plain setter: it records no revision (use [`Advisory::update`]
    /// for a published advisory) and, on error, changes nothing.
    pub fn set_cvss(&mut self, vector: Option<&str>) -> Result<(), cvss::CvssError> {
        match vector {
            None => self.cvss = None,
            Some(vector) => {
                let scored = cvss::score(vector)?;
                self.cvss = Some(scored.vector);
                self.severity = scored.severity;
            }
        }
        Ok(())
    }

    /// Every field checked as for publication (title and summary required); every problem is returned,
    /// in field order, so that a form can show each next to its field. Empty means valid.
    pub fn validate(&self) -> Vec<FieldError> {
        self.check(true)
    }

    /// The checks; `for_publication` adds "required" rules that a draft being written may still break.
    fn check(&self, for_publication: bool) -> Vec<FieldError> {
        let mut errors = Vec::new();
        if !valid_id(&self.id) {
            errors.push(FieldError::new(
                "id",
                format!(
                    "\"{}\" is not an advisory id; ids look like RAM-2026-0042: RAM-, the year, \
                     a dash and four to six digits",
                    self.id.chars().take(40).collect::<String>()
                ),
            ));
        }
        check_line(
            &mut errors,
            "title".into(),
            &self.title,
            MAX_TITLE,
            Some("give the advisory a title"),
        );
        let n = chars(&self.summary);
        if self.summary.trim().is_empty() {
            if for_publication {
                errors.push(FieldError::new(
                    "summary",
                    "write a one-paragraph summary; organisations read it first",
                ));
            }
        } else if n > MAX_SUMMARY {
            errors.push(FieldError::new("summary", too_long("it", n, MAX_SUMMARY)));
        } else if self.summary.contains(['\n', '\r']) {
            errors.push(FieldError::new(
                "summary",
                "must be one paragraph of plain text; remove the line breaks and put detail in the \
                 threat description",
            ));
        } else if self.summary.chars().any(char::is_control) {
            errors.push(FieldError::new(
                "summary",
                "contains control characters; retype it or paste it as plain text",
            ));
        }
        check_text(&mut errors, "threat".into(), &self.threat, MAX_THREAT);

        check_count(&mut errors, "products", self.products.len(), "products");
        for (i, p) in self.products.iter().enumerate() {
            check_line(
                &mut errors,
                format!("products[{i}].vendor"),
                &p.vendor,
                MAX_NAME,
                None,
            );
            check_line(
                &mut errors,
                format!("products[{i}].product"),
                &p.product,
                MAX_NAME,
                Some("name the product (or remove this row)"),
            );
            check_line(
                &mut errors,
                format!("products[{i}].versions"),
                &p.versions,
                MAX_VERSIONS,
                None,
            );
            if let Some(first) = self.products[..i].iter().position(|q| q == p) {
                errors.push(FieldError::new(
                    format!("products[{i}]"),
                    format!("repeats products[{first}]; remove one of them"),
                ));
            }
        }

        check_count(&mut errors, "cves", self.cves.len(), "CVEs");
        for (i, cve) in self.cves.iter().enumerate() {
            if !valid_cve(cve) {
                errors.push(FieldError::new(
                    format!("cves[{i}]"),
                    format!(
                        "\"{}\" is not a CVE id; write it like CVE-2026-12345 (CVE-, the year, a \
                         dash and at least four digits)",
                        cve.chars().take(40).collect::<String>()
                    ),
                ));
            } else if let Some(first) = self.cves[..i].iter().position(|c| c == cve) {
                errors.push(FieldError::new(
                    format!("cves[{i}]"),
                    format!("{cve} is already listed as cves[{first}]; remove one of them"),
                ));
            }
        }

        if let Some(vector) = &self.cvss {
            match cvss::score(vector) {
                Err(e) => errors.push(FieldError::new("cvss", e.to_string())),
                Ok(scored) if scored.severity != self.severity => errors.push(FieldError::new(
                    "severity",
                    format!(
                        "is {} but the CVSS vector scores {:.1} ({}); with a vector the severity \
                         follows its score — set it to {} or change the vector",
                        self.severity, scored.base_score, scored.severity, scored.severity
                    ),
                )),
                Ok(_) => {}
            }
        }

        check_count(&mut errors, "remediation", self.remediation.len(), "steps");
        for (i, step) in self.remediation.iter().enumerate() {
            let field = format!("remediation[{i}]");
            if step.trim().is_empty() {
                errors.push(FieldError::new(
                    field,
                    "is empty; write the step or remove it",
                ));
            } else {
                check_text(&mut errors, field, step, MAX_STEP);
            }
        }

        check_count(
            &mut errors,
            "references",
            self.references.len(),
            "references",
        );
        for (i, r) in self.references.iter().enumerate() {
            if let Some(problem) = url_problem(&r.url) {
                errors.push(FieldError::new(format!("references[{i}].url"), problem));
            }
            check_line(
                &mut errors,
                format!("references[{i}].summary"),
                &r.summary,
                MAX_SHORT_TEXT,
                Some("say in a few words what the link is"),
            );
        }

        if let Some(course) = &self.course {
            let n = chars(course);
            if course.trim().is_empty() {
                errors.push(FieldError::new(
                    "course",
                    "is blank; choose a course or leave none",
                ));
            } else if n > MAX_COURSE {
                errors.push(FieldError::new(
                    "course",
                    too_long("the identifier", n, MAX_COURSE),
                ));
            } else if course.trim() != course || course.chars().any(char::is_control) {
                errors.push(FieldError::new(
                    "course",
                    "is not a course identifier (it has spaces at the ends or control characters); \
                     choose the course from the list",
                ));
            }
        }

        let mut expected = 1;
        for (i, r) in self.revisions.iter().enumerate() {
            let field = format!("revisions[{i}]");
            if r.number != expected {
                errors.push(FieldError::new(
                    field.clone(),
                    format!(
                        "is numbered {} but should be {expected}: revisions count 1, 2, 3, …",
                        r.number
                    ),
                ));
            }
            expected = r.number.saturating_add(1);
            if i > 0 && r.at < self.revisions[i - 1].at {
                errors.push(FieldError::new(
                    field.clone(),
                    "is dated before the revision it follows",
                ));
            }
            check_line(
                &mut errors,
                format!("{field}.summary"),
                &r.summary,
                MAX_SHORT_TEXT,
                Some("say what changed in this revision"),
            );
        }
        errors
    }

    fn closed_error(&self) -> AdvisoryError {
        AdvisoryError::Closed {
            id: self.id.clone(),
            closed_on: format_date(self.closed_at.unwrap_or(self.updated_at)),
        }
    }

    /// The time of a change: `now`, but never before the last change (the change log stays in order
    /// even if the caller's clock steps back).
    fn change_time(&self, now: i64) -> i64 {
        now.max(self.updated_at)
            .max(self.revisions.last().map_or(i64::MIN, |r| r.at))
    }

    fn push_revision(&mut self, at: i64, summary: &str) {
        let number = self.version() + 1;
        self.revisions.push(Revision {
            number,
            at,
            summary: summary.trim().to_owned(),
        });
        self.updated_at = at;
    }

    /// Draft → Published: checks every field as [`Advisory::validate`] does, then records the next
    /// revision (1 for a new draft; an imported draft keeps its source's history and continues it) with
    /// `summary` ("Initial release" when blank).
    pub fn publish(&mut self, now: i64, summary: &str) -> Result<(), AdvisoryError> {
        match self.status {
            Status::Closed => return Err(self.closed_error()),
            Status::Published => {
                return Err(AdvisoryError::AlreadyPublished {
                    id: self.id.clone(),
                    revision: self.version(),
                });
            }
            Status::Draft => {}
        }
        let mut errors = self.check(true);
        check_line(
            &mut errors,
            "publish_summary".into(),
            summary,
            MAX_SHORT_TEXT,
            None,
        );
        if !errors.is_empty() {
            return Err(AdvisoryError::Invalid {
                id: self.id.clone(),
                action: "published",
                errors,
            });
        }
        let at = self.change_time(now);
        let summary = if summary.trim().is_empty() {
            "Initial release"
        } else {
            summary
        };
        self.push_revision(at, summary);
        self.status = Status::Published;
        self.published_at = Some(at);
        Ok(())
    }

    /// Replaces the editable fields with `changed`. A draft is simply saved (no revision; the checks
    /// that only publication needs are left for [`Advisory::publish`]). A published advisory stays
    /// published and gets revision n+1 with `change_summary`, which is then required; an update that
    /// changes nothing is refused. A closed advisory cannot be edited. On any error nothing changes.
    pub fn update(
        &mut self,
        changed: AdvisoryDraft,
        now: i64,
        change_summary: &str,
    ) -> Result<(), AdvisoryError> {
        if self.status == Status::Closed {
            return Err(self.closed_error());
        }
        let published = self.status == Status::Published;
        let mut next = self.clone();
        let mut errors = Vec::new();
        next.title = changed.title;
        next.summary = changed.summary;
        next.threat = changed.threat;
        next.kind = changed.kind;
        next.products = changed.products;
        next.cves = changed
            .cves
            .into_iter()
            .map(|c| c.trim().to_ascii_uppercase())
            .collect();
        next.remediation = changed.remediation;
        next.references = changed.references;
        next.tlp = changed.tlp;
        next.course = non_blank(changed.course.as_deref());
        next.severity = changed.severity;
        match non_blank(changed.cvss.as_deref()) {
            None => next.cvss = None,
            Some(vector) => match cvss::score(&vector) {
                Ok(scored) => {
                    next.cvss = Some(scored.vector);
                    next.severity = scored.severity;
                }
                Err(e) => {
                    next.cvss = None;
                    errors.push(FieldError::new("cvss", e.to_string()));
                }
            },
        }
        errors.extend(next.check(published));
        if published {
            check_line(
                &mut errors,
                "change_summary".into(),
                change_summary,
                MAX_SHORT_TEXT,
                Some("say what changed; it is shown in the revision history organisations see"),
            );
        }
        if !errors.is_empty() {
            return Err(AdvisoryError::Invalid {
                id: self.id.clone(),
                action: if published { "updated" } else { "saved" },
                errors,
            });
        }
        if published && next.draft() == self.draft() {
            return Err(AdvisoryError::Unchanged {
                id: self.id.clone(),
            });
        }
        let at = self.change_time(now);
        if published {
            next.push_revision(at, change_summary);
        } else {
            next.updated_at = at;
        }
        *self = next;
        Ok(())
    }

    /// Published → Closed, recording revision n+1 with `summary` ("Closed" when blank). A draft cannot
    /// be closed (delete it); a closed advisory cannot be closed again.
    pub fn close(&mut self, now: i64, summary: &str) -> Result<(), AdvisoryError> {
        match self.status {
            Status::Closed => return Err(self.closed_error()),
            Status::Draft => {
                return Err(AdvisoryError::NotPublished {
                    id: self.id.clone(),
                });
            }
            Status::Published => {}
        }
        let mut errors = Vec::new();
        check_line(
            &mut errors,
            "close_summary".into(),
            summary,
            MAX_SHORT_TEXT,
            None,
        );
        if !errors.is_empty() {
            return Err(AdvisoryError::Invalid {
                id: self.id.clone(),
                action: "closed",
                errors,
            });
        }
        let at = self.change_time(now);
        let summary = if summary.trim().is_empty() {
            "Closed"
        } else {
            summary
        };
        self.push_revision(at, summary);
        self.status = Status::Closed;
        self.closed_at = Some(at);
        Ok(())
    }
}
