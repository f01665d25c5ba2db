//! CSAF 2.0 (OASIS Common Security Advisory Framework): export an advisory as a `csaf_security_advisory`
//! document, and import any CSAF 2.0 document as a draft.
//!
//! The types are hand-written serde structs for the parts of CSAF 2.0 read and written here; everything
//! else in an imported document is ignored. The one crate on crates.io that models CSAF (`csaf-rs`)
//! brings a JSON Schema validator, regex engines, date, CPE, PURL and SPDX parsers and embedded
//! schemas — far too much to link into a plugin component for a few dozen fields.
//!
//! # Export
//!
//! [`export`] produces a document valid against the CSAF 2.0 JSON schema (the tests check every exported
//! document against it):
//! - `document.tracking`: a draft is `status: draft`, `version: "0"` and one revision-history entry
//!   numbered `"0"` (CSAF's numbering for a document not yet released, conformance test 6.1.17); a
//!   published or closed advisory is `status: final` with one entry per [`Revision`] and `version` the
//!   latest revision's number (a closed advisory's last revision says why it was closed).
//! - `product_tree`: branches vendor → product name → version, product ids `CSAFPID-0001`, … in the
//!   order of [`Advisory::products`]; a version that names a range (`< 2.17`, `all versions`, …) is a
//!   `product_version_range`, as conformance test 6.1.31 asks. An advisory with no products has no
//!   product tree.
//! - `vulnerabilities`: one per CVE (one without `cve` when there are none), each with the summary as a
//!   note, every product as `known_affected`, the score and every remediation step (`vendor_fix` when
//!   the step says to update, upgrade, patch or install a fixed version, `mitigation` otherwise).
//! - CVSS: a 3.x vector is a `cvss_v3` score. CSAF 2.0 has no field for CVSS 4.0 (`cvss_v4` arrives
//!   with CSAF 2.1), so a 4.0 vector is carried as a vulnerability note of category `other` titled
//!   `CVSS v4.0` whose text is the vector; the same note carries a 3.x vector when there are no products
//!   for a score to name. [`import`] reads both back.
//! - TLP: CSAF 2.0 uses TLP 1.0 labels, so CLEAR is exported as `WHITE` (and `WHITE` imported as CLEAR).
//!
//! # Import
//!
//! [`import`] reads any CSAF 2.0 document (any category: security advisory, VEX, informational, base)
//! into a [`Status::Draft`] advisory whose `id` is [`IMPORTED_ID`], which the caller replaces; the
//! vendor's tracking id and publisher go in [`Advisory::source`]. It takes:
//! - `title`; `summary` from the first `summary` note, else `general`, else `description`, else a
//!   vulnerability's note, its white space collapsed to one paragraph; `threat` from the `description`
//!   and `details` notes (else the vulnerabilities' notes);
//! - `products` flattened from the product tree (branches, `full_product_names`, relationships): only
//!   those some vulnerability lists as affected (`known_affected`, `first_affected`, `last_affected`)
//!   when any is, otherwise all; versions of one vendor's product are merged into one row;
//! - the CVEs; the highest-scoring CVSS vector (`cvss_v3`, or a `CVSS v…` note); remediation details;
//!   the document's and vulnerabilities' `http(s)` references;
//! - `tlp` from `distribution.tlp.label`; **a document without one is imported as TLP:GREEN**: kept
//!   off the public feed until an author marks it CLEAR, yet shareable with every organisation;
//! - `severity` from the vector's score, else from `aggregate_severity` (Critical, Important/High,
//!   Moderate/Medium, Low), else Information;
//! - `kind`: Information for an informational advisory or a document with no vulnerabilities,
//!   Vulnerability otherwise;
//! - `revisions` from the revision history without the pre-release entries (`0`, `0.y.z`), sorted and
//!   renumbered 1, 2, …; `created_at`/`updated_at` from `initial_release_date`/`current_release_date`.
//!
//! Text too long for an advisory is cut (with `…`) and lists are cut to [`MAX_ITEMS`] entries, so an
//! imported draft always passes the checks a draft is saved with.

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::cvss::{self, CvssVersion};
use crate::model::{
    Advisory, AdvisoryKind, AffectedProduct, MAX_ITEMS, MAX_NAME, MAX_SHORT_TEXT, MAX_STEP,
    MAX_SUMMARY, MAX_THREAT, MAX_TITLE, MAX_VERSIONS, Reference, Revision, Severity, Source,
    Status, Tlp, url_problem, valid_cve,
};
use crate::time::{parse_rfc3339, rfc3339};

/// The largest document [`import`] reads: 1 MiB.
pub const MAX_CSAF_BYTES: usize = 1024 * 1024;

/// The id an imported draft gets; the caller replaces it with the next free `RAM-…` id.
pub const IMPORTED_ID: &str = "RAM-0000-0000";

const TLP_URL: &str = "https://www.first.org/tlp/";

/// Who issues the exported documents (CSAF `document.publisher`, category `coordinator`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Publisher {
    /// `NHS England`.
    pub name: String,
    /// An `https://` URL identifying the publisher: `https://www.england.nhs.uk`.
    pub namespace: String,
    /// How to reach the publisher; left out of the document when empty.
    pub contact: String,
}

/// Why a document could not be imported. Each says what is wrong and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CsafError {
    /// Over [`MAX_CSAF_BYTES`].
    TooLarge {
        /// The document's size.
        bytes: usize,
    },
    /// Not JSON at all.
    NotJson {
        /// The parser's message, with line and column.
        message: String,
    },
    /// JSON, but not a CSAF 2.0 document.
    NotCsaf {
        /// What is missing or different.
        message: String,
    },
    /// A CSAF 2.0 document with a value of the wrong kind or a missing required member.
    Malformed {
        /// Where: `document.tracking.revision_history[0].date`.
        path: String,
        /// What: `invalid type: integer `5`, expected a string at line 3 column 10`.
        message: String,
    },
}

fn megabytes(bytes: usize) -> String {
    // Rounded up to a tenth, so that anything over the limit reads as more than it.
    let tenths = (bytes as u64 * 10).div_ceil(1024 * 1024);
    format!("{}.{}", tenths / 10, tenths % 10)
}

impl fmt::Display for CsafError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooLarge { bytes } => write!(
                f,
                "the document is {} MB; the limit is {} MB",
                megabytes(*bytes),
                MAX_CSAF_BYTES / (1024 * 1024)
            ),
            Self::NotJson { message } => write!(f, "not a JSON document: {message}"),
            Self::NotCsaf { message } => write!(f, "not a CSAF document: {message}"),
            Self::Malformed { path, message } if path.is_empty() || path == "." => {
                f.write_str(message)
            }
            Self::Malformed { path, message } => write!(f, "{path}: {message}"),
        }
    }
}

impl std::error::Error for CsafError {}

// ---------------------------------------------------------------------------------------------------
// The CSAF 2.0 types (only what is read or written here). Lists default to empty and are left out of the
// output when empty: the schema requires every list it defines to have at least one item.
// ---------------------------------------------------------------------------------------------------

/// A CSAF 2.0 document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CsafDocument {
    /// Document-level metadata.
    pub document: DocumentMeta,
    /// The products.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_tree: Option<ProductTree>,
    /// The vulnerabilities.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub vulnerabilities: Vec<Vulnerability>,
}

/// `document`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocumentMeta {
    /// `aggregate_severity`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aggregate_severity: Option<AggregateSeverity>,
    /// `csaf_security_advisory`, `csaf_vex`, `csaf_informational_advisory`, `csaf_base`, …
    pub category: String,
    /// `"2.0"`.
    pub csaf_version: String,
    /// `distribution`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distribution: Option<Distribution>,
    /// `lang`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
    /// `notes`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<Note>,
    /// `publisher`.
    pub publisher: CsafPublisher,
    /// `references`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<CsafReference>,
    /// `title`.
    pub title: String,
    /// `tracking`.
    pub tracking: Tracking,
}

/// `document.aggregate_severity`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AggregateSeverity {
    /// `namespace`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// `text`: `Critical`, `Important`, `Moderate`, …
    pub text: String,
}

/// `document.distribution`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Distribution {
    /// `text`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// `tlp`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tlp: Option<TlpLabel>,
}

/// `document.distribution.tlp`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TlpLabel {
    /// `WHITE`, `GREEN`, `AMBER` or `RED`.
    pub label: String,
    /// `url`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// A note (`notes_t`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Note {
    /// `description`, `details`, `faq`, `general`, `legal_disclaimer`, `other` or `summary`.
    pub category: String,
    /// `text`.
    pub text: String,
    /// `title`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

/// `document.publisher`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CsafPublisher {
    /// `coordinator`, `vendor`, …
    pub category: String,
    /// `contact_details`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_details: Option<String>,
    /// `name`.
    pub name: String,
    /// `namespace`.
    pub namespace: String,
}

/// A reference (`references_t`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CsafReference {
    /// `external` or `self`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// `summary`.
    pub summary: String,
    /// `url`.
    pub url: String,
}

/// `document.tracking`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tracking {
    /// `current_release_date`.
    pub current_release_date: String,
    /// `generator`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generator: Option<Generator>,
    /// `id`.
    pub id: String,
    /// `initial_release_date`.
    pub initial_release_date: String,
    /// `revision_history`.
    pub revision_history: Vec<RevisionEntry>,
    /// `draft`, `final` or `interim`.
    pub status: String,
    /// `version`.
    pub version: String,
}

/// `document.tracking.generator`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Generator {
    /// `engine`.
    pub engine: Engine,
}

/// `document.tracking.generator.engine`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Engine {
    /// `name`.
    pub name: String,
    /// `version`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

/// An entry of `document.tracking.revision_history`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RevisionEntry {
    /// `date`.
    pub date: String,
    /// `number`: `"1"` or `"1.0.0"`.
    pub number: String,
    /// `summary`.
    pub summary: String,
}

/// `product_tree`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ProductTree {
    /// `branches`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub branches: Vec<Branch>,
    /// `full_product_names`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub full_product_names: Vec<FullProductName>,
    /// `relationships`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub relationships: Vec<Relationship>,
}

/// A branch (`branches_t`): either sub-branches or a product.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Branch {
    /// `branches`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub branches: Vec<Branch>,
    /// `vendor`, `product_name`, `product_version`, …
    pub category: String,
    /// `name`.
    pub name: String,
    /// `product`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product: Option<FullProductName>,
}

/// `full_product_name_t`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FullProductName {
    /// `name`.
    pub name: String,
    /// `product_id`.
    pub product_id: String,
}

/// An entry of `product_tree.relationships`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Relationship {
    /// `category`.
    pub category: String,
    /// `full_product_name`.
    pub full_product_name: FullProductName,
    /// `product_reference`.
    pub product_reference: String,
    /// `relates_to_product_reference`.
    pub relates_to_product_reference: String,
}

/// An entry of `vulnerabilities`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Vulnerability {
    /// `cve`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cve: Option<String>,
    /// `notes`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<Note>,
    /// `product_status`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_status: Option<ProductStatus>,
    /// `references`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<CsafReference>,
    /// `remediations`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub remediations: Vec<Remediation>,
    /// `scores`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scores: Vec<Score>,
}

/// `vulnerabilities[].product_status` (the lists read here).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ProductStatus {
    /// `first_affected`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub first_affected: Vec<String>,
    /// `known_affected`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub known_affected: Vec<String>,
    /// `last_affected`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub last_affected: Vec<String>,
}

/// An entry of `vulnerabilities[].remediations`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Remediation {
    /// `mitigation`, `vendor_fix`, `workaround`, …
    pub category: String,
    /// `details`.
    pub details: String,
    /// `product_ids`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub product_ids: Vec<String>,
    /// `url`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// An entry of `vulnerabilities[].scores`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Score {
    /// `cvss_v2`: read past, never written.
    #[serde(default, skip_serializing)]
    pub cvss_v2: Option<Value>,
    /// `cvss_v3`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cvss_v3: Option<CvssV3>,
    /// `products`.
    pub products: Vec<String>,
}

/// The FIRST CVSS v3.x JSON object (the members read and written here).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CvssV3 {
    /// `3.0` or `3.1`.
    pub version: String,
    /// `vectorString`.
    #[serde(rename = "vectorString")]
    pub vector_string: String,
    /// `baseScore`.
    #[serde(rename = "baseScore")]
    pub base_score: f64,
    /// `baseSeverity`: `NONE`, `LOW`, `MEDIUM`, `HIGH` or `CRITICAL`.
    #[serde(rename = "baseSeverity")]
    pub base_severity: String,
}

// ---------------------------------------------------------------------------------------------------
// Export
// ---------------------------------------------------------------------------------------------------

/// Conformance test 6.1.31: a `product_version` must not name a range.
fn names_a_range(versions: &str) -> bool {
    let lower = versions.to_lowercase();
    [
        "<", ">", "after", "all", "before", "earlier", "later", "prior", "versions",
    ]
    .iter()
    .any(|w| lower.contains(w))
}

/// `vendor_fix` for a step that says to update, `mitigation` for anything else.
fn remediation_category(step: &str) -> &'static str {
    let lower = step.to_lowercase();
    let fix = [
        "update",
        "upgrade",
        "patch",
        "install version",
        "fixed version",
        "hotfix",
    ];
    if fix.iter().any(|w| lower.contains(w)) {
        "vendor_fix"
    } else {
        "mitigation"
    }
}

fn product_id(index: usize) -> String {
    format!("CSAFPID-{:04}", index + 1)
}

fn full_name(p: &AffectedProduct) -> String {
    [p.vendor.trim(), p.product.trim(), p.versions.trim()]
        .iter()
        .filter(|s| !s.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" ")
}

/// A vendor and its products, each with the indexes of its rows in [`Advisory::products`].
type VendorGroup<'a> = (&'a str, Vec<(&'a str, Vec<usize>)>);

fn product_tree(products: &[AffectedProduct]) -> Option<ProductTree> {
    if products.is_empty() {
        return None;
    }
    // vendor → product name → [(index, versions)], each level in order of first appearance.
    let mut vendors: Vec<VendorGroup<'_>> = Vec::new();
    for (i, p) in products.iter().enumerate() {
        let vendor = p.vendor.trim();
        let v = match vendors.iter().position(|(name, _)| *name == vendor) {
            Some(v) => v,
            None => {
                vendors.push((vendor, Vec::new()));
                vendors.len() - 1
            }
        };
        let names = &mut vendors[v].1;
        let product = p.product.trim();
        match names.iter_mut().find(|(name, _)| *name == product) {
            Some((_, indexes)) => indexes.push(i),
            None => names.push((product, vec![i])),
        }
    }
    let leaf = |i: usize| FullProductName {
        name: full_name(&products[i]),
        product_id: product_id(i),
    };
    let mut top = Vec::new();
    for (vendor, names) in vendors {
        let mut name_branches = Vec::new();
        for (name, indexes) in names {
            let versions = |i: usize| products[i].versions.trim();
            let branch = if indexes.len() == 1 && versions(indexes[0]).is_empty() {
                Branch {
                    branches: Vec::new(),
                    category: "product_name".into(),
                    name: name.to_owned(),
                    product: Some(leaf(indexes[0])),
                }
            } else {
                let version_branches = indexes
                    .iter()
                    .map(|&i| {
                        let v = versions(i);
                        let (category, name) = if v.is_empty() {
                            ("product_version_range", "all versions")
                        } else if names_a_range(v) {
                            ("product_version_range", v)
                        } else {
                            ("product_version", v)
                        };
                        Branch {
                            branches: Vec::new(),
                            category: category.into(),
                            name: name.to_owned(),
                            product: Some(leaf(i)),
                        }
                    })
                    .collect();
                Branch {
                    branches: version_branches,
                    category: "product_name".into(),
                    name: name.to_owned(),
                    product: None,
                }
            };
            name_branches.push(branch);
        }
        if vendor.is_empty() {
            top.extend(name_branches);
        } else {
            top.push(Branch {
                branches: name_branches,
                category: "vendor".into(),
                name: vendor.to_owned(),
                product: None,
            });
        }
    }
    Some(ProductTree {
        branches: top,
        ..ProductTree::default()
    })
}

fn note(category: &str, title: &str, text: &str) -> Note {
    Note {
        category: category.into(),
        text: text.into(),
        title: Some(title.into()),
    }
}

/// The advisory as a CSAF 2.0 document (see the module documentation for the mapping). `publisher`
/// should carry an `https://` namespace; the advisory should pass [`Advisory::validate`] (a draft that
/// does not may export a document the schema refuses, e.g. one with an empty title).
pub fn export_document(advisory: &Advisory, publisher: &Publisher) -> CsafDocument {
    let ids: Vec<String> = (0..advisory.products.len()).map(product_id).collect();
    let scored = advisory.cvss.as_deref().and_then(|v| cvss::score(v).ok());

    let mut notes = Vec::new();
    if !advisory.summary.trim().is_empty() {
        notes.push(note("summary", "Summary", &advisory.summary));
    }
    if !advisory.threat.trim().is_empty() {
        notes.push(note("description", "Threat", &advisory.threat));
    }

    let references = advisory
        .references
        .iter()
        .map(|r| CsafReference {
            category: Some("external".into()),
            summary: r.summary.clone(),
            url: r.url.clone(),
        })
        .collect();

    let (status, version, revision_history) = if advisory.revisions.is_empty() {
        (
            "draft",
            "0".to_owned(),
            vec![RevisionEntry {
                date: rfc3339(advisory.updated_at),
                number: "0".into(),
                summary: "Draft".into(),
            }],
        )
    } else {
        (
            if advisory.status == Status::Draft {
                "draft"
            } else {
                "final"
            },
            advisory.version().to_string(),
            advisory
                .revisions
                .iter()
                .map(|r| RevisionEntry {
                    date: rfc3339(r.at),
                    number: r.number.to_string(),
                    summary: r.summary.clone(),
                })
                .collect(),
        )
    };
    let first_revision = advisory
        .revisions
        .first()
        .map_or(advisory.created_at, |r| r.at);
    let last_revision = advisory
        .revisions
        .last()
        .map_or(advisory.updated_at, |r| r.at);
    let initial = match advisory.status {
        Status::Draft => advisory.created_at.min(first_revision),
        _ => advisory
            .published_at
            .unwrap_or(first_revision)
            .min(first_revision),
    };
    let current = advisory.updated_at.max(last_revision);

    let mut vuln_notes = vec![note(
        "summary",
        "Summary",
        if advisory.summary.trim().is_empty() {
            &advisory.title
        } else {
            &advisory.summary
        },
    )];
    let mut scores = Vec::new();
    if let Some(s) = &scored {
        if s.version.is_v3() && !ids.is_empty() {
            scores.push(Score {
                cvss_v2: None,
                cvss_v3: Some(CvssV3 {
                    version: s.version.as_str().into(),
                    vector_string: s.vector.clone(),
                    base_score: s.base_score,
                    base_severity: cvss_v3_severity(s.base_score).into(),
                }),
                products: ids.clone(),
            });
        } else {
            vuln_notes.push(note("other", &format!("CVSS v{}", s.version), &s.vector));
        }
    }
    let remediations: Vec<Remediation> = advisory
        .remediation
        .iter()
        .filter(|step| !step.trim().is_empty())
        .map(|step| Remediation {
            category: remediation_category(step).into(),
            details: step.clone(),
            product_ids: ids.clone(),
            url: None,
        })
        .collect();
    let product_status = (!ids.is_empty()).then(|| ProductStatus {
        known_affected: ids.clone(),
        ..ProductStatus::default()
    });
    let vulnerability = |cve: Option<&String>| Vulnerability {
        cve: cve.cloned(),
        notes: vuln_notes.clone(),
        product_status: product_status.clone(),
        references: Vec::new(),
        remediations: remediations.clone(),
        scores: scores.clone(),
    };
    let vulnerabilities = if advisory.cves.is_empty() {
        vec![vulnerability(None)]
    } else {
        advisory.cves.iter().map(Some).map(vulnerability).collect()
    };

    CsafDocument {
        document: DocumentMeta {
            aggregate_severity: Some(AggregateSeverity {
                namespace: None,
                text: advisory.severity.label().into(),
            }),
            category: "csaf_security_advisory".into(),
            csaf_version: "2.0".into(),
            distribution: Some(Distribution {
                text: None,
                tlp: Some(TlpLabel {
                    label: match advisory.tlp {
                        Tlp::Clear => "WHITE",
                        Tlp::Green => "GREEN",
                        Tlp::Amber => "AMBER",
                        Tlp::Red => "RED",
                    }
                    .into(),
                    url: Some(TLP_URL.into()),
                }),
            }),
            lang: Some("en-GB".into()),
            notes,
            publisher: CsafPublisher {
                category: "coordinator".into(),
                contact_details: Some(publisher.contact.trim().to_owned())
                    .filter(|c| !c.is_empty()),
                name: publisher.name.clone(),
                namespace: publisher.namespace.clone(),
            },
            references,
            title: advisory.title.clone(),
            tracking: Tracking {
                current_release_date: rfc3339(current),
                generator: Some(Generator {
                    engine: Engine {
                        name: "Rampart".into(),
                        version: Some(env!("CARGO_PKG_VERSION").into()),
                    },
                }),
                id: advisory.id.clone(),
                initial_release_date: rfc3339(initial),
                revision_history,
                status: status.into(),
                version,
            },
        },
        product_tree: product_tree(&advisory.products),
        vulnerabilities,
    }
}

/// The FIRST CVSS v3 JSON `baseSeverity` of a score.
fn cvss_v3_severity(score: f64) -> &'static str {
    match crate::model::severity_for(score) {
        Severity::Information => "NONE",
        Severity::Low => "LOW",
        Severity::Medium => "MEDIUM",
        Severity::High => "HIGH",
        Severity::Critical => "CRITICAL",
    }
}

/// The advisory as a CSAF 2.0 JSON document: [`export_document`] as a [`Value`].
pub fn export(advisory: &Advisory, publisher: &Publisher) -> Value {
    serde_json::to_value(export_document(advisory, publisher))
        .expect("CSAF types serialise to JSON without fail: no maps with non-string keys, no NaN")
}

// ---------------------------------------------------------------------------------------------------
// Import
// ---------------------------------------------------------------------------------------------------

#[derive(Deserialize)]
struct Probe {
    document: Option<ProbeDocument>,
}

#[derive(Deserialize)]
struct ProbeDocument {
    csaf_version: Option<Value>,
}

/// Cuts `text` to `limit` characters, ending with `…` when cut.
fn cut(text: &str, limit: usize) -> String {
    if text.chars().count() <= limit {
        text.to_owned()
    } else {
        let mut out: String = text.chars().take(limit - 1).collect();
        out.push('…');
        out
    }
}

/// One line: white space (line breaks included) collapsed to single spaces, control characters removed.
fn one_line(text: &str, limit: usize) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    let line: String = words
        .join(" ")
        .chars()
        .filter(|c| !c.is_control())
        .collect();
    cut(&line, limit)
}

/// Multi-line text with control characters other than line breaks and tabs removed.
fn clean_text(text: &str, limit: usize) -> String {
    let kept: String = text
        .trim()
        .chars()
        .filter(|c| !c.is_control() || matches!(c, '\n' | '\t'))
        .collect();
    cut(&kept, limit)
}

/// Severity from `aggregate_severity.text` (Red Hat, SUSE, Microsoft, BSI and CVSS words).
fn severity_from_text(text: &str) -> Severity {
    let lower = text.to_lowercase();
    if lower.contains("critical") {
        Severity::Critical
    } else if lower.contains("important") || lower.contains("high") {
        Severity::High
    } else if lower.contains("moderate") || lower.contains("medium") {
        Severity::Medium
    } else if lower.contains("low") {
        Severity::Low
    } else {
        Severity::Information
    }
}

/// A product found in the tree, with its id.
struct Found {
    id: String,
    product: AffectedProduct,
}

#[derive(Clone, Default)]
struct Context {
    vendor: Option<String>,
    family: Option<String>,
    name: Option<String>,
    version: Vec<String>,
}

fn walk(branches: &[Branch], context: &Context, out: &mut Vec<Found>) {
    for branch in branches {
        let mut here = context.clone();
        let name = branch.name.trim().to_owned();
        match branch.category.as_str() {
            "vendor" => here.vendor = Some(name),
            "product_family" => here.family = Some(name),
            "product_name" => here.name = Some(name),
            "product_version" | "product_version_range" | "patch_level" | "service_pack" => {
                here.version.push(name)
            }
            _ => {}
        }
        if let Some(product) = &branch.product {
            out.push(Found {
                id: product.product_id.clone(),
                product: AffectedProduct {
                    vendor: here.vendor.clone().unwrap_or_default(),
                    product: here
                        .name
                        .clone()
                        .or_else(|| here.family.clone())
                        .unwrap_or_else(|| product.name.trim().to_owned()),
                    versions: here.version.join(" "),
                },
            });
        }
        walk(&branch.branches, &here, out);
    }
}

fn products(doc: &CsafDocument) -> Vec<AffectedProduct> {
    let Some(tree) = &doc.product_tree else {
        return Vec::new();
    };
    let mut found = Vec::new();
    walk(&tree.branches, &Context::default(), &mut found);
    for p in &tree.full_product_names {
        found.push(Found {
            id: p.product_id.clone(),
            product: AffectedProduct {
                vendor: String::new(),
                product: p.name.trim().to_owned(),
                versions: String::new(),
            },
        });
    }
    for r in &tree.relationships {
        let referenced = found
            .iter()
            .find(|f| f.id == r.product_reference)
            .map(|f| f.product.clone());
        if let Some(product) = referenced {
            found.push(Found {
                id: r.full_product_name.product_id.clone(),
                product,
            });
        }
    }
    let affected: BTreeSet<&str> = doc
        .vulnerabilities
        .iter()
        .filter_map(|v| v.product_status.as_ref())
        .flat_map(|s| {
            s.known_affected
                .iter()
                .chain(&s.first_affected)
                .chain(&s.last_affected)
        })
        .map(String::as_str)
        .collect();
    let mut merged: Vec<AffectedProduct> = Vec::new();
    for f in found {
        if !affected.is_empty() && !affected.contains(f.id.as_str()) {
            continue;
        }
        let p = AffectedProduct {
            vendor: one_line(&f.product.vendor, MAX_NAME),
            product: one_line(&f.product.product, MAX_NAME),
            versions: one_line(&f.product.versions, MAX_VERSIONS),
        };
        if p.product.is_empty() {
            continue;
        }
        match merged
            .iter_mut()
            .find(|m| m.vendor == p.vendor && m.product == p.product)
        {
            Some(m) => {
                let listed = m.versions.split(", ").any(|v| v == p.versions);
                if !listed && !p.versions.is_empty() {
                    m.versions = if m.versions.is_empty() {
                        p.versions
                    } else {
                        one_line(&format!("{}, {}", m.versions, p.versions), MAX_VERSIONS)
                    };
                }
            }
            None => merged.push(p),
        }
    }
    merged.truncate(MAX_ITEMS);
    merged
}

/// Every scorable vector in the document: `cvss_v3` scores and `CVSS v…` notes.
fn best_vector(doc: &CsafDocument) -> Option<cvss::CvssScore> {
    let mut candidates = Vec::new();
    for v in &doc.vulnerabilities {
        for s in &v.scores {
            if let Some(c) = &s.cvss_v3 {
                candidates.push(c.vector_string.as_str());
            }
        }
        for n in &v.notes {
            let titled = n.title.as_deref().unwrap_or_default();
            if titled.trim().to_ascii_uppercase().starts_with("CVSS V") {
                candidates.push(n.text.as_str());
            }
        }
    }
    let rank = |s: &cvss::CvssScore| (s.base_score, s.version == CvssVersion::V4_0);
    candidates
        .into_iter()
        .filter_map(|v| cvss::score(v).ok())
        .fold(None, |best: Option<cvss::CvssScore>, s| match best {
            Some(b) if rank(&b) >= rank(&s) => Some(b),
            _ => Some(s),
        })
}

/// Version key for sorting revision numbers: `"2"` → [2], `"1.10.0"` → [1, 10, 0]; a pre-release or
/// build suffix is ignored.
fn version_key(number: &str) -> Vec<u64> {
    number
        .split(['-', '+'])
        .next()
        .unwrap_or_default()
        .split('.')
        .map(|part| part.parse().unwrap_or(0))
        .collect()
}

fn date(path: String, text: &str) -> Result<i64, CsafError> {
    parse_rfc3339(text.trim()).ok_or_else(|| CsafError::Malformed {
        path,
        message: format!(
            "\"{}\" is not an RFC 3339 date-time such as 2026-11-29T10:15:30Z",
            cut(text, 60)
        ),
    })
}

/// Reads a CSAF 2.0 document into a draft advisory (see the module documentation for what is taken).
pub fn import(json: &[u8]) -> Result<Advisory, CsafError> {
    if json.len() > MAX_CSAF_BYTES {
        return Err(CsafError::TooLarge { bytes: json.len() });
    }
    let probe: Probe = serde_json::from_slice(json).map_err(|e| {
        if e.is_syntax() || e.is_eof() || e.is_io() {
            CsafError::NotJson {
                message: e.to_string(),
            }
        } else {
            CsafError::NotCsaf {
                message: format!(
                    "the top level must be an object whose \"document\" member is an object ({e})"
                ),
            }
        }
    })?;
    let Some(probe) = probe.document else {
        return Err(CsafError::NotCsaf {
            message: "it has no \"document\" object".into(),
        });
    };
    match probe.csaf_version {
        Some(Value::String(v)) if v == "2.0" => {}
        Some(other) => {
            return Err(CsafError::NotCsaf {
                message: format!("csaf_version must be \"2.0\" (it is {other})"),
            });
        }
        None => {
            return Err(CsafError::NotCsaf {
                message: "document.csaf_version is missing; it must be \"2.0\"".into(),
            });
        }
    }
    let mut de = serde_json::Deserializer::from_slice(json);
    let doc: CsafDocument =
        serde_path_to_error::deserialize(&mut de).map_err(|e| CsafError::Malformed {
            path: e.path().to_string(),
            message: e.inner().to_string(),
        })?;
    from_document(&doc)
}

/// [`import`] for a document already read.
pub fn from_document(doc: &CsafDocument) -> Result<Advisory, CsafError> {
    let meta = &doc.document;
    let tracking = &meta.tracking;
    let created_at = date(
        "document.tracking.initial_release_date".into(),
        &tracking.initial_release_date,
    )?;
    let updated_at = date(
        "document.tracking.current_release_date".into(),
        &tracking.current_release_date,
    )?;
    let mut history = Vec::new();
    for (i, entry) in tracking.revision_history.iter().enumerate() {
        let at = date(
            format!("document.tracking.revision_history[{i}].date"),
            &entry.date,
        )?;
        let key = version_key(entry.number.trim());
        if key.first().is_none_or(|major| *major == 0) {
            continue; // a pre-release ("0", "0.y.z"): not a published revision
        }
        history.push((key, at, entry));
    }
    history.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
    let mut revisions: Vec<Revision> = Vec::new();
    for (key, at, entry) in history {
        let at = revisions.last().map_or(at, |r| at.max(r.at));
        let summary = one_line(&entry.summary, MAX_SHORT_TEXT);
        revisions.push(Revision {
            number: revisions.len() as u32 + 1,
            at,
            summary: if summary.is_empty() {
                format!(
                    "Revision {}",
                    key.iter().map(u64::to_string).collect::<Vec<_>>().join(".")
                )
            } else {
                summary
            },
        });
    }

    let doc_notes = |categories: &[&str]| -> Vec<&str> {
        meta.notes
            .iter()
            .filter(|n| categories.contains(&n.category.as_str()) && !n.text.trim().is_empty())
            .map(|n| n.text.as_str())
            .collect()
    };
    let vuln_notes = |categories: &[&str]| -> Vec<String> {
        doc.vulnerabilities
            .iter()
            .flat_map(|v| {
                v.notes
                    .iter()
                    .filter(|n| {
                        categories.contains(&n.category.as_str()) && !n.text.trim().is_empty()
                    })
                    .map(move |n| match &v.cve {
                        Some(cve) => format!("**{}**: {}", cve.trim(), n.text.trim()),
                        None => n.text.trim().to_owned(),
                    })
            })
            .collect()
    };
    let summary = doc_notes(&["summary"])
        .into_iter()
        .chain(doc_notes(&["general"]))
        .chain(doc_notes(&["description"]))
        .next()
        .map(str::to_owned)
        .or_else(|| {
            doc.vulnerabilities
                .iter()
                .flat_map(|v| &v.notes)
                .find(|n| matches!(n.category.as_str(), "summary" | "description"))
                .map(|n| n.text.clone())
        })
        .unwrap_or_default();
    let mut threat_parts: Vec<String> = doc_notes(&["description", "details"])
        .into_iter()
        .map(|t| t.trim().to_owned())
        .collect();
    if threat_parts.is_empty() {
        threat_parts = vuln_notes(&["description", "details"]);
    }

    let mut cves: Vec<String> = Vec::new();
    for v in &doc.vulnerabilities {
        if let Some(cve) = &v.cve {
            let cve = cve.trim().to_ascii_uppercase();
            if valid_cve(&cve) && !cves.contains(&cve) && cves.len() < MAX_ITEMS {
                cves.push(cve);
            }
        }
    }

    let mut remediation: Vec<String> = Vec::new();
    for r in doc.vulnerabilities.iter().flat_map(|v| &v.remediations) {
        let mut step = r.details.trim().to_owned();
        if let Some(url) = r.url.as_deref().map(str::trim)
            && !url.is_empty()
            && !step.contains(url)
            && url_problem(url).is_none()
        {
            step = format!("{step} <{url}>");
        }
        let step = clean_text(&step, MAX_STEP);
        if !step.is_empty() && !remediation.contains(&step) && remediation.len() < MAX_ITEMS {
            remediation.push(step);
        }
    }

    let mut references: Vec<Reference> = Vec::new();
    let all_refs = meta
        .references
        .iter()
        .chain(doc.vulnerabilities.iter().flat_map(|v| &v.references));
    for r in all_refs {
        let url = r.url.trim();
        if url_problem(url).is_some() || references.iter().any(|x| x.url == url) {
            continue;
        }
        if references.len() == MAX_ITEMS {
            break;
        }
        let summary = one_line(&r.summary, MAX_SHORT_TEXT);
        references.push(Reference {
            url: url.to_owned(),
            summary: if summary.is_empty() {
                one_line(url, MAX_SHORT_TEXT)
            } else {
                summary
            },
        });
    }

    let tlp = match meta
        .distribution
        .as_ref()
        .and_then(|d| d.tlp.as_ref())
        .map(|t| t.label.trim().to_ascii_uppercase())
        .as_deref()
    {
        Some("WHITE" | "CLEAR") => Tlp::Clear,
        Some("AMBER" | "AMBER+STRICT") => Tlp::Amber,
        Some("RED") => Tlp::Red,
        _ => Tlp::Green,
    };

    let scored = best_vector(doc);
    let severity = match &scored {
        Some(s) => s.severity,
        None => meta
            .aggregate_severity
            .as_ref()
            .map_or(Severity::Information, |a| severity_from_text(&a.text)),
    };
    let kind = if meta.category == "csaf_informational_advisory" || doc.vulnerabilities.is_empty() {
        AdvisoryKind::Information
    } else {
        AdvisoryKind::Vulnerability
    };

    let title = one_line(&meta.title, MAX_TITLE);
    let mut advisory = Advisory::new_draft(
        IMPORTED_ID,
        match (title.is_empty(), one_line(&tracking.id, MAX_TITLE)) {
            (false, _) => title,
            (true, id) if !id.is_empty() => id,
            (true, _) => "Imported advisory".to_owned(),
        },
        created_at,
    );
    advisory.summary = one_line(&summary, MAX_SUMMARY);
    advisory.threat = clean_text(&threat_parts.join("\n\n"), MAX_THREAT);
    advisory.kind = kind;
    advisory.products = products(doc);
    advisory.cves = cves;
    advisory.cvss = scored.map(|s| s.vector);
    advisory.severity = severity;
    advisory.remediation = remediation;
    advisory.references = references;
    advisory.tlp = tlp;
    advisory.revisions = revisions;
    advisory.updated_at = updated_at.max(created_at);
    advisory.source = Some(Source {
        publisher: one_line(&meta.publisher.name, MAX_NAME),
        tracking_id: one_line(&tracking.id, MAX_NAME),
    });
    Ok(advisory)
}
