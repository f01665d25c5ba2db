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
        if !summary.trim().is_empty() {
            check_line(
                &mut errors,
                "publish_summary".into(),
                summary,
                MAX_SHORT_TEXT,
                None,
            );
        }
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
        if !summary.trim().is_empty() {
            check_line(
                &mut errors,
                "close_summary".into(),
                summary,
                MAX_SHORT_TEXT,
                None,
            );
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-11-29T10:15:30Z
    const NOW: i64 = 1_795_947_330_000;
    const HOUR: i64 = 3_600_000;

    fn sample() -> Advisory {
        let mut a = Advisory::new_draft(
            "RAM-2026-0042",
            "Remote code execution in Example PACS",
            NOW,
        );
        a.summary = "A flaw in Example PACS lets an unauthenticated attacker run code.".into();
        a.threat = "## Threat\n\nAttackers are **actively** exploiting it.".into();
        a.products = vec![AffectedProduct {
            vendor: "Example Medical".into(),
            product: "Example PACS".into(),
            versions: "< 7.2.1".into(),
        }];
        a.cves = vec!["CVE-2026-12345".into()];
        a.set_cvss(Some("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"))
            .unwrap();
        a.remediation = vec!["Update to 7.2.1 or later.".into()];
        a.references = vec![Reference {
            url: "https://example.com/security/2026-01".into(),
            summary: "Vendor advisory".into(),
        }];
        a.course = Some("cyber-basics-patching".into());
        a
    }

    fn fields(errors: &[FieldError]) -> Vec<&str> {
        errors.iter().map(|e| e.field.as_str()).collect()
    }

    #[track_caller]
    fn only_error(a: &Advisory, field: &str, needle: &str) {
        let errors = a.validate();
        assert_eq!(fields(&errors), [field], "{errors:?}");
        assert!(
            errors[0].message.contains(needle),
            "{:?} lacks {needle:?}",
            errors[0].message
        );
    }

    #[test]
    fn ids_and_cves() {
        for ok in ["RAM-2026-0042", "RAM-2026-123456", "RAM-0000-0000"] {
            assert!(valid_id(ok), "{ok}");
        }
        for bad in [
            "",
            "RAM-2026-042",
            "ram-2026-0042",
            "RAM-26-0042",
            "RAM-2026-1234567",
            "RAM-2026-00a2",
            "RAM-2026-0042 ",
        ] {
            assert!(!valid_id(bad), "{bad}");
        }
        for ok in ["CVE-2021-44228", "CVE-2026-1234567"] {
            assert!(valid_cve(ok), "{ok}");
        }
        for bad in [
            "",
            "CVE-2021-123",
            "cve-2021-44228",
            "CVE-21-44228",
            "CVE-2021-44228x",
            "CVE-2021_44228",
        ] {
            assert!(!valid_cve(bad), "{bad}");
        }
    }

    #[test]
    fn severity_scale() {
        let cases = [
            (0.0, Severity::Information),
            (0.1, Severity::Low),
            (3.9, Severity::Low),
            (4.0, Severity::Medium),
            (6.9, Severity::Medium),
            (7.0, Severity::High),
            (8.9, Severity::High),
            (9.0, Severity::Critical),
            (10.0, Severity::Critical),
            (f64::NAN, Severity::Information),
        ];
        for (score, severity) in cases {
            assert_eq!(severity_for(score), severity, "{score}");
        }
        assert!(Severity::Information < Severity::Low && Severity::High < Severity::Critical);
        let ack: Vec<_> = Severity::ALL
            .into_iter()
            .filter(|s| s.requires_acknowledgement())
            .collect();
        assert_eq!(ack, [Severity::High, Severity::Critical]);
    }

    #[test]
    fn stored_as_snake_case_json() {
        let mut a = sample();
        a.kind = AdvisoryKind::AttackMethodology;
        a.tlp = Tlp::Clear;
        let json = serde_json::to_value(&a).unwrap();
        assert_eq!(json["kind"], "attack_methodology");
        assert_eq!(json["severity"], "critical");
        assert_eq!(json["tlp"], "clear");
        assert_eq!(json["status"], "draft");
        let back: Advisory = serde_json::from_value(json).unwrap();
        assert_eq!(back, a);
    }

    #[test]
    fn a_complete_advisory_is_valid() {
        assert_eq!(sample().validate(), []);
        let fresh = Advisory::new_draft("RAM-2026-0001", "Title", NOW);
        assert_eq!(fresh.tlp, Tlp::Green);
        assert_eq!(fresh.severity, Severity::Information);
        assert_eq!(
            fields(&fresh.validate()),
            ["summary"],
            "a new draft lacks only its summary"
        );
    }

    #[test]
    fn id_and_title_rules() {
        let mut a = sample();
        a.id = "RAM-26-1".into();
        only_error(&a, "id", "ids look like RAM-2026-0042");

        let mut a = sample();
        a.title = "  ".into();
        only_error(&a, "title", "give the advisory a title");
        a.title = "x".repeat(201);
        only_error(&a, "title", "is 201 characters; the limit is 200");
        a.title = "é".repeat(200);
        assert_eq!(a.validate(), [], "the limit counts characters, not bytes");
        a.title = "two\nlines".into();
        only_error(&a, "title", "one line");
        a.title = "bell\u{7}".into();
        only_error(&a, "title", "control characters");
    }

    #[test]
    fn summary_and_threat_rules() {
        let mut a = sample();
        a.summary = String::new();
        only_error(&a, "summary", "write a one-paragraph summary");
        a.summary = "s".repeat(2001);
        only_error(&a, "summary", "is 2001 characters; the limit is 2000");
        a.summary = "para one\n\npara two".into();
        only_error(&a, "summary", "one paragraph");

        let mut a = sample();
        a.threat = "t".repeat(20_001);
        only_error(&a, "threat", "the limit is 20000");
        a.threat = "line\nline\r\n\ttabbed".into();
        assert_eq!(a.validate(), []);
        a.threat = "nul\u{0}".into();
        only_error(&a, "threat", "control characters");
        a.threat = String::new();
        assert_eq!(a.validate(), [], "a threat description is optional");
    }

    #[test]
    fn product_rules() {
        let product = |v: &str, p: &str, ver: &str| AffectedProduct {
            vendor: v.into(),
            product: p.into(),
            versions: ver.into(),
        };
        let mut a = sample();
        a.products.push(product("Acme", "", "1.0"));
        only_error(&a, "products[1].product", "name the product");
        a.products[1] = product("Acme\nCorp", "Widget", "");
        only_error(&a, "products[1].vendor", "one line");
        a.products[1] = product("", "Widget", &"9".repeat(1001));
        only_error(&a, "products[1].versions", "the limit is 1000");
        a.products[1] = a.products[0].clone();
        only_error(&a, "products[1]", "repeats products[0]");
        a.products = (0..51)
            .map(|i| product("Acme", &format!("P{i}"), ""))
            .collect();
        only_error(&a, "products", "has 51 products; the limit is 50");
    }

    #[test]
    fn cve_rules() {
        let mut a = sample();
        a.cves.push("CVE-2026-123".into());
        only_error(&a, "cves[1]", "write it like CVE-2026-12345");
        a.cves[1] = "CVE-2026-12345".into();
        only_error(&a, "cves[1]", "already listed as cves[0]");
        a.cves = (0..51).map(|i| format!("CVE-2026-{:05}", i)).collect();
        only_error(&a, "cves", "has 51 CVEs; the limit is 50");
    }

    #[test]
    fn cvss_rules() {
        let mut a = sample();
        a.cvss = Some("CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H".into());
        only_error(&a, "cvss", "metric AV has value X; allowed: N, A, L, P");
        let mut a = sample();
        a.severity = Severity::Low;
        only_error(
            &a,
            "severity",
            "is Low but the CVSS vector scores 9.8 (Critical)",
        );
        a.cvss = None;
        assert_eq!(
            a.validate(),
            [],
            "without a vector the author chooses the severity"
        );
    }

    #[test]
    fn remediation_rules() {
        let mut a = sample();
        a.remediation.push(" ".into());
        only_error(&a, "remediation[1]", "is empty");
        a.remediation[1] = "x".repeat(4001);
        only_error(&a, "remediation[1]", "the limit is 4000");
        a.remediation = vec!["step".into(); 51];
        only_error(&a, "remediation", "has 51 steps");
    }

    #[test]
    fn reference_rules() {
        let cases = [
            ("ftp://example.com/x", "must start with https://"),
            ("javascript:alert(1)", "must start with https://"),
            ("https://", "no host name"),
            ("https://exa mple.com", "contains a space"),
            ("https://example.com/ü", "percent-encode it"),
            ("https://example.com/<script>", "percent-encode it"),
            ("", "give the link's address"),
        ];
        for (url, needle) in cases {
            let mut a = sample();
            a.references[0].url = url.into();
            only_error(&a, "references[0].url", needle);
        }
        let mut a = sample();
        a.references[0].url = format!("https://example.com/{}", "a".repeat(2000));
        only_error(&a, "references[0].url", "the limit is 2000");
        a.references[0].url = "HTTP://example.com/a?b=c#d".into();
        assert_eq!(a.validate(), []);
        a.references[0].summary = String::new();
        only_error(&a, "references[0].summary", "say in a few words");
        a.references = vec![a.references[0].clone(); 51];
        a.references[0].summary = "ok".into();
        let errors = a.validate();
        assert!(fields(&errors).contains(&"references"), "{errors:?}");
    }

    #[test]
    fn course_and_revision_rules() {
        let mut a = sample();
        a.course = Some(" ".into());
        only_error(&a, "course", "is blank");
        a.course = Some("c".repeat(201));
        only_error(&a, "course", "the limit is 200");
        a.course = Some(" padded".into());
        only_error(&a, "course", "choose the course from the list");
        a.course = None;
        assert_eq!(a.validate(), []);

        let mut a = sample();
        a.revisions = vec![
            Revision {
                number: 1,
                at: NOW,
                summary: "first".into(),
            },
            Revision {
                number: 3,
                at: NOW - 1,
                summary: String::new(),
            },
        ];
        assert_eq!(
            fields(&a.validate()),
            ["revisions[1]", "revisions[1]", "revisions[1].summary"]
        );
    }

    #[test]
    fn every_error_is_reported_at_once() {
        let mut a = sample();
        a.title.clear();
        a.summary.clear();
        a.cves = vec!["nope".into()];
        a.references[0].url = "ftp://x".into();
        let errors = a.validate();
        assert_eq!(
            fields(&errors),
            ["title", "summary", "cves[0]", "references[0].url"]
        );
        assert!(errors.iter().all(|e| !e.message.is_empty()));
    }

    #[test]
    fn set_cvss_normalises_and_sets_severity() {
        let mut a = sample();
        a.set_cvss(Some(
            "cvss:4.0/av:n/ac:l/at:n/pr:n/ui:n/vc:h/vi:h/va:h/sc:n/si:n/sa:n",
        ))
        .unwrap();
        assert_eq!(
            a.cvss.as_deref(),
            Some("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N")
        );
        assert_eq!(a.severity, Severity::Critical);
        let before = a.clone();
        let err = a.set_cvss(Some("CVSS:3.1/AV:N")).unwrap_err();
        assert!(
            err.to_string().contains("missing mandatory metric AC"),
            "{err}"
        );
        assert_eq!(a, before, "a refused vector changes nothing");
        a.set_cvss(None).unwrap();
        assert_eq!((a.cvss.as_deref(), a.severity), (None, Severity::Critical));
    }

    #[test]
    fn publish_makes_revision_one() {
        let mut a = sample();
        a.publish(NOW + HOUR, "  ").unwrap();
        assert_eq!(a.status, Status::Published);
        assert_eq!(a.published_at, Some(NOW + HOUR));
        assert_eq!(a.updated_at, NOW + HOUR);
        assert_eq!(
            a.revisions,
            [Revision {
                number: 1,
                at: NOW + HOUR,
                summary: "Initial release".into()
            }]
        );
        let before = a.clone();
        let err = a.publish(NOW + 2 * HOUR, "again").unwrap_err();
        assert_eq!(
            err.to_string(),
            "RAM-2026-0042 is already published (revision 1); change it with an update, which adds revision 2"
        );
        assert_eq!(a, before);
    }

    #[test]
    fn publish_refuses_an_incomplete_draft() {
        let mut a = Advisory::new_draft("RAM-2026-0007", "Phishing wave", NOW);
        let before = a.clone();
        let err = a.publish(NOW, "First").unwrap_err();
        match &err {
            AdvisoryError::Invalid { errors, action, .. } => {
                assert_eq!(*action, "published");
                assert_eq!(fields(errors), ["summary"]);
            }
            other => panic!("{other:?}"),
        }
        assert!(
            err.to_string().starts_with(
                "RAM-2026-0007 cannot be published: 1 field needs attention — summary:"
            )
        );
        assert_eq!(a, before);
    }

    #[test]
    fn editing_a_draft_adds_no_revision() {
        let mut a = Advisory::new_draft("RAM-2026-0007", "Phishing wave", NOW);
        let mut draft = a.draft();
        draft.title = "Phishing wave targeting GP practices".into();
        draft.kind = AdvisoryKind::AttackMethodology;
        draft.cvss = Some("  ".into());
        draft.course = Some("".into());
        draft.severity = Severity::Medium;
        a.update(draft, NOW + HOUR, "").unwrap();
        assert_eq!(a.title, "Phishing wave targeting GP practices");
        assert_eq!(
            (a.cvss.as_deref(), a.course.as_deref()),
            (None, None),
            "blank means none"
        );
        assert_eq!(a.severity, Severity::Medium);
        assert_eq!(a.revisions, []);
        assert_eq!(a.status, Status::Draft);
        assert_eq!(a.updated_at, NOW + HOUR);
        // A draft may be saved without a summary, but not with a broken field.
        let mut draft = a.draft();
        draft.references = vec![Reference {
            url: "file:///etc/passwd".into(),
            summary: "x".into(),
        }];
        let err = a.update(draft, NOW + 2 * HOUR, "").unwrap_err();
        assert!(
            err.to_string().starts_with("RAM-2026-0007 cannot be saved"),
            "{err}"
        );
    }

    #[test]
    fn updating_a_published_advisory_adds_a_revision() {
        let mut a = sample();
        a.publish(NOW, "Initial release").unwrap();
        let mut draft = a.draft();
        draft.cves.push(" cve-2026-99999 ".into());
        draft.cvss = Some("CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N".into());
        a.update(
            draft,
            NOW + HOUR,
            "Added CVE-2026-99999; rescored with CVSS 4.0",
        )
        .unwrap();
        assert_eq!(a.status, Status::Published);
        assert_eq!(a.cves, ["CVE-2026-12345", "CVE-2026-99999"]);
        assert_eq!(a.severity, Severity::High, "8.5 under CVSS 4.0");
        assert_eq!(a.version(), 2);
        assert_eq!(
            a.revisions[1].summary,
            "Added CVE-2026-99999; rescored with CVSS 4.0"
        );
        assert_eq!(a.published_at, Some(NOW), "first publication stays");
        assert_eq!(a.updated_at, NOW + HOUR);
    }

    #[test]
    fn a_published_update_needs_a_summary_and_a_change() {
        let mut a = sample();
        a.publish(NOW, "").unwrap();
        let before = a.clone();
        let mut draft = a.draft();
        draft.title = "New title".into();
        let err = a.update(draft.clone(), NOW + HOUR, " ").unwrap_err();
        match &err {
            AdvisoryError::Invalid { errors, .. } => assert_eq!(fields(errors), ["change_summary"]),
            other => panic!("{other:?}"),
        }
        assert_eq!(a, before);
        let err = a.update(a.draft(), NOW + HOUR, "nothing").unwrap_err();
        assert_eq!(
            err,
            AdvisoryError::Unchanged {
                id: "RAM-2026-0042".into()
            }
        );
        assert_eq!(a, before);
        // Published advisories must keep a summary.
        draft.summary.clear();
        let err = a.update(draft, NOW + HOUR, "cleared").unwrap_err();
        assert!(
            err.to_string()
                .contains("summary: write a one-paragraph summary"),
            "{err}"
        );
        assert_eq!(a, before);
    }

    #[test]
    fn an_invalid_cvss_vector_is_refused_with_its_reason() {
        let mut a = sample();
        a.publish(NOW, "").unwrap();
        let before = a.clone();
        let mut draft = a.draft();
        draft.cvss = Some("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H".into());
        let err = a.update(draft, NOW + HOUR, "rescored").unwrap_err();
        match &err {
            AdvisoryError::Invalid { errors, .. } => {
                assert_eq!(fields(errors), ["cvss"]);
                assert_eq!(
                    errors[0].message,
                    "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H — missing mandatory metric A \
                     (Availability); add A:H (one of H, L, N)"
                );
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(a, before);
    }

    #[test]
    fn close_adds_the_last_revision() {
        let mut a = sample();
        let err = a.close(NOW, "withdrawn").unwrap_err();
        assert_eq!(
            err.to_string(),
            "RAM-2026-0042 is a draft and was never published, so it cannot be closed — delete the draft instead"
        );
        a.publish(NOW, "").unwrap();
        let mut draft = a.draft();
        draft
            .remediation
            .push("Block port 104 at the perimeter.".into());
        a.update(draft, NOW + HOUR, "Added a mitigation").unwrap();
        a.close(NOW + 2 * HOUR, "").unwrap();
        assert_eq!(a.status, Status::Closed);
        assert_eq!(a.closed_at, Some(NOW + 2 * HOUR));
        let numbers: Vec<u32> = a.revisions.iter().map(|r| r.number).collect();
        assert_eq!(numbers, [1, 2, 3]);
        assert_eq!(a.revisions[2].summary, "Closed");
        assert_eq!(a.validate(), []);
    }

    #[test]
    fn a_closed_advisory_cannot_be_edited() {
        let mut a = sample();
        a.publish(NOW - 2 * HOUR, "").unwrap();
        a.close(NOW, "Superseded by RAM-2026-0050").unwrap();
        let before = a.clone();
        let expected = "RAM-2026-0042 was closed on 2026-11-29; closed advisories cannot be edited — \
                        publish a new advisory instead";
        let mut draft = a.draft();
        draft.title = "Changed".into();
        let err = a.update(draft, NOW + HOUR, "late change").unwrap_err();
        assert_eq!(err.to_string(), expected);
        assert_eq!(a.publish(NOW + HOUR, "").unwrap_err().to_string(), expected);
        assert_eq!(a.close(NOW + HOUR, "").unwrap_err().to_string(), expected);
        assert_eq!(a, before, "refused edits change nothing");
    }

    #[test]
    fn the_change_log_stays_in_order_when_the_clock_steps_back() {
        let mut a = sample();
        a.publish(NOW, "").unwrap();
        let mut draft = a.draft();
        draft.title = "Later".into();
        a.update(draft, NOW - HOUR, "clock skew").unwrap();
        assert_eq!(a.revisions[1].at, NOW);
        assert_eq!(a.validate(), []);
    }
}
