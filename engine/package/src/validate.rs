//! Rules a parsed manifest must follow, checked against the files the package really holds when known.

use std::collections::{BTreeSet, HashMap, HashSet};

use crate::diagnostic::{Diagnostic, Position, Rule};
use crate::manifest::{Item, MANIFEST_FILE, Manifest, is_external, normalise};

/// Checks cross-references and structure; with `files` (the package's file names), also that listed
/// files exist and which files no resource lists.
pub fn validate(manifest: &Manifest, files: Option<&BTreeSet<String>>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let error = |rule: Rule, position: Position, message: String| {
        Diagnostic::error(rule, MANIFEST_FILE, Some(position), message)
    };
    let warning = |rule: Rule, position: Position, message: String| {
        Diagnostic::warning(rule, MANIFEST_FILE, Some(position), message)
    };

    // Identifiers are XML IDs: unique across the whole document.
    let mut seen: HashMap<&str, Position> = HashMap::new();
    let identified = manifest
        .organizations
        .iter()
        .map(|o| (o.identifier.as_str(), o.position))
        .chain(
            manifest
                .items()
                .into_iter()
                .map(|i| (i.identifier.as_str(), i.position)),
        )
        .chain(
            manifest
                .resources
                .iter()
                .map(|r| (r.identifier.as_str(), r.position)),
        );
    for (identifier, position) in identified.filter(|(id, _)| !id.is_empty()) {
        if let Some(first) = seen.insert(identifier, position) {
            out.push(error(
                Rule::DuplicateIdentifier,
                position,
                format!("the identifier {identifier} is used again (first at line {}); identifiers must be unique", first.line),
            ));
        }
    }

    if manifest.organizations.is_empty() {
        out.push(
            error(Rule::NoOrganization, manifest.position, "the manifest has no <organization>, so there is nothing to launch".into())
                .with_help("add an <organizations> element with at least one <organization> whose items reference the SCOs"),
        );
    }
    if let Some(default) = &manifest.default_organization
        && !manifest
            .organizations
            .iter()
            .any(|o| &o.identifier == default)
    {
        out.push(error(
            Rule::UnknownDefaultOrganization,
            manifest.position,
            format!(
                "<organizations default=\"{default}\"> names an organization that does not exist"
            ),
        ));
    }

    for organization in &manifest.organizations {
        check_items(manifest, &organization.items, &mut out);
        if let Some(sequencing) = &organization.sequencing {
            check_sequencing_ref(
                manifest,
                sequencing.id_ref.as_deref(),
                &organization.identifier,
                sequencing.fragment.position,
                &mut out,
            );
        }
    }

    let resource_ids: HashSet<&str> = manifest
        .resources
        .iter()
        .map(|r| r.identifier.as_str())
        .collect();
    for resource in &manifest.resources {
        for dependency in &resource.dependencies {
            if !resource_ids.contains(dependency.as_str()) {
                out.push(error(
                    Rule::UnknownDependency,
                    resource.position,
                    format!(
                        "resource {} depends on resource {dependency}, which does not exist",
                        resource.identifier
                    ),
                ));
            }
        }
        let hrefs = resource
            .href
            .iter()
            .chain(resource.files.iter().map(|f| &f.href));
        for href in hrefs {
            if is_external(href) {
                out.push(warning(
                    Rule::ExternalHref,
                    resource.position,
                    format!(
                        "resource {} points outside the package ({href}); it will only work online",
                        resource.identifier
                    ),
                ));
            } else if manifest
                .resource_path(resource, href)
                .is_some_and(|p| p.starts_with("../"))
                || href.starts_with('/')
            {
                out.push(error(
                    Rule::HrefOutsidePackage,
                    resource.position,
                    format!(
                        "resource {} refers to {href}, which resolves outside the package",
                        resource.identifier
                    ),
                ));
            }
        }
    }

    if let Some(files) = files {
        check_files(manifest, files, &mut out);
    }
    out
}

fn check_items(manifest: &Manifest, items: &[Item], out: &mut Vec<Diagnostic>) {
    for item in items {
        let position = Some(item.position);
        match &item.identifier_ref {
            Some(reference) => match manifest.resource(reference) {
                None => out.push(Diagnostic::error(
                    Rule::UnknownResource,
                    MANIFEST_FILE,
                    position,
                    format!("item {} references resource {reference}, which does not exist", item.identifier),
                ).with_help(format!("add <resource identifier=\"{reference}\" …> under <resources>, or correct the item's identifierref"))),
                Some(resource) => {
                    if resource.href.is_none() {
                        out.push(Diagnostic::error(
                            Rule::LaunchWithoutHref,
                            MANIFEST_FILE,
                            Some(resource.position),
                            format!("resource {} is launched by item {} but has no href", resource.identifier, item.identifier),
                        ));
                    }
                    if manifest.standard.is_2004() && !item.children.is_empty() {
                        out.push(Diagnostic::error(
                            Rule::ParentWithResource,
                            MANIFEST_FILE,
                            position,
                            format!("item {} has child items and also references a resource; in SCORM 2004 only leaf items launch content", item.identifier),
                        ));
                    }
                }
            },
            None if item.children.is_empty() => out.push(
                Diagnostic::error(
                    Rule::LeafWithoutResource,
                    MANIFEST_FILE,
                    position,
                    format!("item {} has no child items and no identifierref, so it launches nothing", item.identifier),
                )
                .with_help("give the item an identifierref to a SCO or asset resource"),
            ),
            None => {}
        }
        if let Some(sequencing) = &item.sequencing {
            check_sequencing_ref(
                manifest,
                sequencing.id_ref.as_deref(),
                &item.identifier,
                sequencing.fragment.position,
                out,
            );
        }
        if manifest.standard.is_2004() && item.mastery_score.is_some() {
            out.push(Diagnostic::warning(
                Rule::Deprecated,
                MANIFEST_FILE,
                position,
                format!("item {} uses SCORM 1.2's adlcp:masteryscore; SCORM 2004 uses imsss:minNormalizedMeasure", item.identifier),
            ));
        }
        check_items(manifest, &item.children, out);
    }
}

fn check_sequencing_ref(
    manifest: &Manifest,
    id_ref: Option<&str>,
    owner: &str,
    position: Position,
    out: &mut Vec<Diagnostic>,
) {
    if let Some(id_ref) = id_ref
        && !manifest
            .sequencing_collection_ids
            .iter()
            .any(|id| id == id_ref)
    {
        out.push(Diagnostic::error(
            Rule::UnknownSequencingReference,
            MANIFEST_FILE,
            Some(position),
            format!("the sequencing of {owner} refers to IDRef {id_ref}, which is not in the imsss:sequencingCollection"),
        ));
    }
}

/// Listed files must exist (warning: many tools list loosely); present files no resource lists are
/// reported once as a summary so a large package does not drown the report.
fn check_files(manifest: &Manifest, files: &BTreeSet<String>, out: &mut Vec<Diagnostic>) {
    let mut listed: HashSet<String> = HashSet::new();
    for resource in &manifest.resources {
        let hrefs = resource
            .href
            .iter()
            .map(|h| h.split(['?', '#']).next().unwrap_or(h))
            .chain(resource.files.iter().map(|f| f.href.as_str()));
        for href in hrefs {
            let Some(path) = manifest.resource_path(resource, href) else {
                continue;
            };
            let path = percent_decode(&normalise(&path));
            if !files.contains(&path) {
                out.push(Diagnostic::warning(
                    Rule::ListedFileMissing,
                    MANIFEST_FILE,
                    Some(resource.position),
                    format!(
                        "resource {} lists {path}, which is not in the package",
                        resource.identifier
                    ),
                ));
            }
            listed.insert(path);
        }
    }
    let unlisted: Vec<&String> = files
        .iter()
        .filter(|f| {
            f.as_str() != crate::manifest::MANIFEST_FILE
                && !f.ends_with('/')
                && !listed.contains(*f)
        })
        .filter(|f| !f.ends_with(".xsd") && !f.ends_with(".dtd"))
        .collect();
    if let Some(first) = unlisted.first() {
        let more = if unlisted.len() > 1 {
            format!(" and {} more", unlisted.len() - 1)
        } else {
            String::new()
        };
        out.push(Diagnostic::warning(
            Rule::UnlistedFile,
            first,
            None,
            format!(
                "{first}{more} {} in the package but listed by no resource",
                if unlisted.len() > 1 { "are" } else { "is" }
            ),
        ));
    }
}

/// `%20` and friends in hrefs name files with those characters.
fn percent_decode(path: &str) -> String {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Some(byte) = std::str::from_utf8(&bytes[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| path.to_owned())
}
