//! Reading the advisory form: the fields a CERT analyst submits, as an [`AdvisoryDraft`] and a
//! [`Targeting`]. Lines that do not parse are kept as given, so the domain checks name them.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::distribution::{KINDS, Target, Targeting};
use crate::{AdvisoryDraft, AffectedProduct, FieldError, Reference, Severity};

/// The first value of `name` among the submitted fields.
pub fn param<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// An enum's serde name (`attack_methodology`), for form values.
pub fn name_of<T: Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

pub fn parse_name<T: DeserializeOwned>(text: &str) -> Option<T> {
    serde_json::from_value(serde_json::Value::String(text.to_owned())).ok()
}

/// `region_north_west` for the region checkbox of "North West".
pub fn region_field(region: &str) -> String {
    let slug: String = region
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    format!("region_{slug}")
}

pub fn regions(directory: &[Target]) -> Vec<String> {
    let mut regions: Vec<String> = directory.iter().filter_map(|o| o.region.clone()).collect();
    regions.sort();
    regions.dedup();
    regions
}

fn lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines().map(str::trim).filter(|l| !l.is_empty())
}

fn ticked(fields: &[(String, String)], name: &str) -> bool {
    param(fields, name).is_some_and(|v| !v.is_empty())
}

/// The form's advisory fields. Lines that do not parse are kept as given so the domain checks name them.
pub fn draft_from(fields: &[(String, String)]) -> AdvisoryDraft {
    let get = |name: &str| param(fields, name).unwrap_or_default().trim().to_owned();
    let products = lines(&get("products"))
        .map(|line| {
            let mut parts = line.splitn(3, '|').map(str::trim);
            let first = parts.next().unwrap_or_default().to_owned();
            match (parts.next(), parts.next()) {
                (Some(product), versions) => AffectedProduct {
                    vendor: first,
                    product: product.to_owned(),
                    versions: versions.unwrap_or_default().to_owned(),
                },
                (None, _) => AffectedProduct {
                    vendor: String::new(),
                    product: first,
                    versions: String::new(),
                },
            }
        })
        .collect();
    let references = lines(&get("references"))
        .map(|line| {
            let (url, summary) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
            Reference {
                url: url.to_owned(),
                summary: summary.trim().to_owned(),
            }
        })
        .collect();
    AdvisoryDraft {
        title: get("title"),
        summary: get("summary"),
        threat: get("threat"),
        kind: parse_name(&get("kind")).unwrap_or_default(),
        products,
        cves: get("cves")
            .split([',', '\n', ' '])
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_owned)
            .collect(),
        cvss: Some(get("cvss")).filter(|v| !v.is_empty()),
        severity: parse_name(&get("severity")).unwrap_or(Severity::Information),
        remediation: lines(&get("remediation")).map(str::to_owned).collect(),
        references,
        tlp: parse_name(&get("tlp")).unwrap_or_default(),
        course: Some(get("course")).filter(|v| !v.is_empty()),
    }
}

/// The targeting chosen on the form, or the field error to show.
pub fn targeting_from(
    fields: &[(String, String)],
    directory: &[Target],
) -> Result<Targeting, FieldError> {
    let error = |field: &str, message: String| FieldError {
        field: field.into(),
        message,
    };
    match param(fields, "target").unwrap_or("all") {
        "all" => Ok(Targeting::All),
        "kinds" => {
            let kinds: Vec<String> = KINDS
                .iter()
                .filter(|(kind, _)| ticked(fields, &format!("kind_{kind}")))
                .map(|(kind, _)| kind.to_string())
                .collect();
            if kinds.is_empty() {
                return Err(error(
                    "target",
                    "Tick at least one organisation type, or choose another way to target.".into(),
                ));
            }
            Ok(Targeting::Kinds(kinds))
        }
        "regions" => {
            let chosen: Vec<String> = regions(directory)
                .into_iter()
                .filter(|region| ticked(fields, &region_field(region)))
                .collect();
            if chosen.is_empty() {
                return Err(error(
                    "target",
                    "Tick at least one region, or choose another way to target.".into(),
                ));
            }
            Ok(Targeting::Regions(chosen))
        }
        "organisations" => {
            let text = param(fields, "organisations").unwrap_or_default();
            let mut ids = Vec::new();
            let mut unknown = Vec::new();
            for name in lines(text) {
                match directory.iter().find(|o| o.name.eq_ignore_ascii_case(name)) {
                    Some(org) => ids.push(org.id),
                    None => unknown.push(name.to_owned()),
                }
            }
            if !unknown.is_empty() {
                return Err(error(
                    "organisations",
                    format!(
                        "No organisation is called {}; check the spelling against the directory.",
                        unknown.join(", ")
                    ),
                ));
            }
            if ids.is_empty() {
                return Err(error(
                    "organisations",
                    "Name at least one organisation, one per line.".into(),
                ));
            }
            Ok(Targeting::Organisations(ids))
        }
        other => Err(error(
            "target",
            format!("{other:?} is not a way to target."),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{AdvisoryKind, Tlp};

    fn fields(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn directory() -> Vec<Target> {
        vec![
            Target {
                id: 1,
                name: "Leeds Teaching Hospitals".into(),
                kind: "acute_trust".into(),
                region: Some("North East and Yorkshire".into()),
            },
            Target {
                id: 2,
                name: "Bridge Street Surgery".into(),
                kind: "gp_practice".into(),
                region: Some("London".into()),
            },
        ]
    }

    #[test]
    fn the_form_reads_products_references_and_cves_line_by_line() {
        let draft = draft_from(&fields(&[
            ("title", " Exchange flaw "),
            (
                "products",
                "Microsoft | Exchange Server | 2016, 2019\n\nJust a product",
            ),
            (
                "references",
                "https://msrc.microsoft.com/x Vendor advisory\nhttps://example.org",
            ),
            ("cves", "CVE-2026-0001, cve-2026-0002\nCVE-2026-0003"),
            ("kind", "attack_methodology"),
            ("tlp", "clear"),
            ("course", ""),
        ]));
        assert_eq!(draft.title, "Exchange flaw");
        assert_eq!(draft.products.len(), 2);
        assert_eq!(draft.products[0].versions, "2016, 2019");
        assert_eq!(draft.products[1].product, "Just a product");
        assert_eq!(draft.references[0].summary, "Vendor advisory");
        assert_eq!(draft.references[1].summary, "");
        assert_eq!(draft.cves.len(), 3);
        assert_eq!(draft.kind, AdvisoryKind::AttackMethodology);
        assert_eq!(draft.tlp, Tlp::Clear);
        assert_eq!(draft.course, None);
    }

    #[test]
    fn targeting_needs_a_choice_and_names_unknown_organisations() {
        let d = directory();
        assert_eq!(
            targeting_from(
                &fields(&[("target", "kinds"), ("kind_gp_practice", "on")]),
                &d
            ),
            Ok(Targeting::Kinds(vec!["gp_practice".into()]))
        );
        assert_eq!(
            targeting_from(
                &fields(&[("target", "regions"), ("region_london", "on")]),
                &d
            ),
            Ok(Targeting::Regions(vec!["London".into()]))
        );
        assert_eq!(
            targeting_from(
                &fields(&[
                    ("target", "organisations"),
                    ("organisations", "bridge street surgery")
                ]),
                &d
            ),
            Ok(Targeting::Organisations(vec![2]))
        );
        let error = targeting_from(
            &fields(&[
                ("target", "organisations"),
                ("organisations", "Nowhere Trust"),
            ]),
            &d,
        )
        .unwrap_err();
        assert_eq!(error.field, "organisations");
        assert!(error.message.contains("Nowhere Trust"));
        assert_eq!(
            targeting_from(&fields(&[("target", "kinds")]), &d)
                .unwrap_err()
                .field,
            "target"
        );
    }
}
