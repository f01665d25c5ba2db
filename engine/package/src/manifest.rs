//! The typed manifest: SCORM 1.2 and SCORM 2004 (2nd–4th edition) `imsmanifest.xml`.
//!
//! Known elements become fields; sequencing, presentation and every unknown extension are kept whole as
//! [`XmlFragment`]s (verbatim source), so nothing an authoring tool wrote is lost.

use serde::{Deserialize, Serialize};

use crate::diagnostic::{Diagnostic, Position, Rule};
use crate::xml::{self, Element};

pub const MANIFEST_FILE: &str = "imsmanifest.xml";

const NS_ADLCP_12: &str = "http://www.adlnet.org/xsd/adlcp_rootv1p2";
const NS_ADLCP_2004: &str = "http://www.adlnet.org/xsd/adlcp_v1p3";
const NS_IMSSS: &str = "http://www.imsglobal.org/xsd/imsss";
const NS_ADLNAV: &str = "http://www.adlnet.org/xsd/adlnav_v1p3";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Standard {
    #[serde(rename = "SCORM 1.2")]
    Scorm12,
    #[serde(rename = "SCORM 2004 2nd Edition")]
    Scorm2004Second,
    #[serde(rename = "SCORM 2004 3rd Edition")]
    Scorm2004Third,
    #[serde(rename = "SCORM 2004 4th Edition")]
    Scorm2004Fourth,
}

impl Standard {
    pub fn is_2004(self) -> bool {
        !matches!(self, Standard::Scorm12)
    }

    pub fn label(self) -> &'static str {
        match self {
            Standard::Scorm12 => "SCORM 1.2",
            Standard::Scorm2004Second => "SCORM 2004 2nd Edition",
            Standard::Scorm2004Third => "SCORM 2004 3rd Edition",
            Standard::Scorm2004Fourth => "SCORM 2004 4th Edition",
        }
    }
}

/// An element kept verbatim, with where it came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct XmlFragment {
    pub name: String,
    pub xml: String,
    pub position: Position,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub identifier: String,
    pub version: Option<String>,
    pub standard: Standard,
    pub schema: Option<String>,
    pub schema_version: Option<String>,
    /// The manifest's `<metadata>` whole (LOM, `adlcp:location` …).
    pub metadata: Option<XmlFragment>,
    /// `xml:base` of the manifest element.
    pub base: Option<String>,
    pub default_organization: Option<String>,
    pub organizations: Vec<Organization>,
    /// `xml:base` of the `<resources>` element.
    pub resources_base: Option<String>,
    pub resources: Vec<Resource>,
    /// `imsss:sequencingCollection`, kept whole for the sequencing engine.
    pub sequencing_collection: Option<XmlFragment>,
    /// IDs of the `imsss:sequencing` entries in the collection (for IDRef checks).
    pub sequencing_collection_ids: Vec<String>,
    pub extensions: Vec<XmlFragment>,
    pub position: Position,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Organization {
    pub identifier: String,
    pub title: String,
    pub structure: Option<String>,
    pub objectives_global_to_system: Option<bool>,
    pub shared_data_global_to_system: Option<bool>,
    pub items: Vec<Item>,
    pub sequencing: Option<Sequencing>,
    pub extensions: Vec<XmlFragment>,
    pub position: Position,
}

/// `imsss:sequencing`, kept whole; `id_ref` points into the sequencing collection.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sequencing {
    pub id: Option<String>,
    pub id_ref: Option<String>,
    pub fragment: XmlFragment,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CompletionThreshold {
    pub completed_by_measure: bool,
    pub min_progress_measure: Option<f64>,
    pub progress_weight: Option<f64>,
    /// 2004 3rd edition wrote the threshold as the element's text.
    pub legacy_value: Option<f64>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataMap {
    pub target_id: String,
    pub read_shared_data: bool,
    pub write_shared_data: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Item {
    pub identifier: String,
    pub identifier_ref: Option<String>,
    pub parameters: Option<String>,
    pub is_visible: bool,
    pub title: String,
    pub children: Vec<Item>,
    // SCORM 1.2 adlcp extensions.
    pub mastery_score: Option<f64>,
    pub prerequisites: Option<String>,
    pub max_time_allowed: Option<String>,
    pub time_limit_action: Option<String>,
    pub data_from_lms: Option<String>,
    // SCORM 2004 extensions.
    pub completion_threshold: Option<CompletionThreshold>,
    pub data_maps: Vec<DataMap>,
    pub presentation: Option<XmlFragment>,
    pub sequencing: Option<Sequencing>,
    pub extensions: Vec<XmlFragment>,
    pub position: Position,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ScormType {
    Sco,
    Asset,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resource {
    pub identifier: String,
    pub resource_type: String,
    /// `None` when the attribute is missing or has a value other than `sco`/`asset` (reported).
    pub scorm_type: Option<ScormType>,
    pub href: Option<String>,
    pub base: Option<String>,
    pub files: Vec<FileRef>,
    pub dependencies: Vec<String>,
    /// `<metadata>` and any other element besides files and dependencies, kept verbatim.
    pub extensions: Vec<XmlFragment>,
    pub position: Position,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileRef {
    pub href: String,
    pub position: Position,
}

impl Manifest {
    /// Every item of every organization, depth first.
    pub fn items(&self) -> Vec<&Item> {
        fn walk<'a>(items: &'a [Item], out: &mut Vec<&'a Item>) {
            for item in items {
                out.push(item);
                walk(&item.children, out);
            }
        }
        let mut out = Vec::new();
        for organization in &self.organizations {
            walk(&organization.items, &mut out);
        }
        out
    }

    pub fn resource(&self, identifier: &str) -> Option<&Resource> {
        self.resources.iter().find(|r| r.identifier == identifier)
    }

    /// The organization learners get: the `default` one, or the first.
    pub fn default_organization(&self) -> Option<&Organization> {
        match &self.default_organization {
            Some(id) => self.organizations.iter().find(|o| &o.identifier == id),
            None => self.organizations.first(),
        }
    }

    /// The package-relative path a resource's href resolves to, applying `xml:base` at the manifest,
    /// `<resources>` and `<resource>` levels. `None` for external URLs or without href.
    pub fn resource_path(&self, resource: &Resource, href: &str) -> Option<String> {
        if is_external(href) {
            return None;
        }
        let bases = [
            self.base.as_deref(),
            self.resources_base.as_deref(),
            resource.base.as_deref(),
        ];
        let mut path = String::new();
        for base in bases.into_iter().flatten() {
            if is_external(base) {
                return None;
            }
            path = join(&path, base);
        }
        Some(normalise(&join(&path, href)))
    }

    /// Where a resource launches from inside the package.
    pub fn launch_path(&self, resource: &Resource) -> Option<String> {
        resource
            .href
            .as_deref()
            .and_then(|href| self.resource_path(resource, strip_query(href)))
    }
}

pub fn is_external(href: &str) -> bool {
    let lower = href.to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://") || lower.starts_with("//")
}

fn strip_query(href: &str) -> &str {
    href.split(['?', '#']).next().unwrap_or(href)
}

fn join(base: &str, relative: &str) -> String {
    if base.is_empty() {
        return relative.to_owned();
    }
    if relative.starts_with('/') {
        return relative.to_owned();
    }
    let base = if base.ends_with('/') {
        base.to_owned()
    } else {
        format!("{base}/")
    };
    format!("{base}{relative}")
}

/// Resolves `.` and `..` segments and percent-decoding-free separators; a result starting with `../`
/// means the path leaves the package (reported by validation).
pub fn normalise(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    let mut escapes = 0;
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    escapes += 1;
                }
            }
            other => parts.push(other),
        }
    }
    let mut out = "../".repeat(escapes);
    out.push_str(&parts.join("/"));
    out
}

/// Reads a manifest from raw bytes (UTF-8 with or without BOM, or UTF-16 with BOM).
/// Returns the manifest (when it could be read at all) and what was found on the way.
pub fn parse_manifest(bytes: &[u8], file: &str) -> (Option<Manifest>, Vec<Diagnostic>) {
    let text = match decode(bytes, file) {
        Ok(text) => text,
        Err(diagnostic) => return (None, vec![diagnostic]),
    };
    let root = match xml::parse(&text, file) {
        Ok(root) => root,
        Err(diagnostic) => return (None, vec![diagnostic]),
    };
    let mut reader = ManifestReader {
        file,
        text: &text,
        diagnostics: Vec::new(),
    };
    let manifest = reader.manifest(&root);
    (manifest, reader.diagnostics)
}

fn decode(bytes: &[u8], file: &str) -> Result<String, Diagnostic> {
    let utf16 = |bytes: &[u8], little: bool| -> Result<String, Diagnostic> {
        let units: Vec<u16> = bytes
            .chunks_exact(2)
            .map(|pair| {
                if little {
                    u16::from_le_bytes([pair[0], pair[1]])
                } else {
                    u16::from_be_bytes([pair[0], pair[1]])
                }
            })
            .collect();
        String::from_utf16(&units).map_err(|_| {
            Diagnostic::error(
                Rule::Encoding,
                file,
                None,
                format!("{file} says it is UTF-16 but is not valid UTF-16"),
            )
        })
    };
    let text = match bytes {
        [0xEF, 0xBB, 0xBF, rest @ ..] => std::str::from_utf8(rest)
            .map(str::to_owned)
            .map_err(|e| e.valid_up_to() + 3),
        [0xFF, 0xFE, rest @ ..] => return utf16(rest, true).map(fix_declared_encoding),
        [0xFE, 0xFF, rest @ ..] => return utf16(rest, false).map(fix_declared_encoding),
        _ => std::str::from_utf8(bytes)
            .map(str::to_owned)
            .map_err(|e| e.valid_up_to()),
    };
    text.map_err(|offset| {
        Diagnostic::error(
            Rule::Encoding,
            file,
            None,
            format!("{file} is not valid UTF-8 (first bad byte at offset {offset})"),
        )
        .with_help("save the manifest as UTF-8 (or UTF-16 with a byte order mark)")
    })
}

/// After decoding UTF-16 ourselves the text is UTF-8; drop the declaration's stale `encoding`.
fn fix_declared_encoding(text: String) -> String {
    if let Some(end) = text.find("?>").filter(|_| text.starts_with("<?xml")) {
        let declaration = &text[..end];
        let cleaned: String = declaration
            .replace("UTF-16", "UTF-8")
            .replace("utf-16", "UTF-8");
        return format!("{cleaned}{}", &text[end..]);
    }
    text
}

struct ManifestReader<'a> {
    file: &'a str,
    text: &'a str,
    diagnostics: Vec<Diagnostic>,
}

impl ManifestReader<'_> {
    fn error(&mut self, rule: Rule, position: Position, message: String) {
        self.diagnostics
            .push(Diagnostic::error(rule, self.file, Some(position), message));
    }

    fn warning(&mut self, rule: Rule, position: Position, message: String) {
        self.diagnostics.push(Diagnostic::warning(
            rule,
            self.file,
            Some(position),
            message,
        ));
    }

    fn fragment(&self, element: &Element) -> XmlFragment {
        XmlFragment {
            name: element.qualified.clone(),
            xml: self
                .text
                .get(element.span.0..element.span.1)
                .unwrap_or_default()
                .to_owned(),
            position: element.position,
        }
    }

    fn required_identifier(&mut self, element: &Element) -> String {
        match element
            .attr("identifier")
            .map(str::trim)
            .filter(|id| !id.is_empty())
        {
            Some(id) => id.to_owned(),
            None => {
                self.error(
                    Rule::MissingIdentifier,
                    element.position,
                    format!(
                        "<{}> has no identifier attribute; every {} needs a unique one",
                        element.qualified, element.local
                    ),
                );
                String::new()
            }
        }
    }

    fn manifest(&mut self, root: &Element) -> Option<Manifest> {
        if root.local != "manifest" {
            self.error(
                Rule::NotAManifest,
                root.position,
                format!("the root element is <{}>, not <manifest>: this is not an IMS content package manifest", root.qualified),
            );
            return None;
        }
        let identifier = self.required_identifier(root);
        let metadata = root.child("metadata");
        let schema = metadata.and_then(|m| m.child_text("schema"));
        let schema_version = metadata.and_then(|m| m.child_text("schemaversion"));
        let standard = self.standard(root, schema_version.as_deref());

        let mut organizations = Vec::new();
        let mut default_organization = None;
        if let Some(element) = root.child("organizations") {
            default_organization = element.attr("default").map(str::to_owned);
            for organization in element.children_named("organization") {
                organizations.push(self.organization(organization, standard));
            }
        }
        let resources_element = root.child("resources");
        let resources = resources_element
            .map(|element| {
                element
                    .children_named("resource")
                    .map(|r| self.resource(r, standard))
                    .collect()
            })
            .unwrap_or_default();
        let collection = root
            .children
            .iter()
            .find(|c| c.ns == NS_IMSSS && c.local == "sequencingCollection");
        let sequencing_collection_ids = collection
            .map(|c| {
                c.children_named("sequencing")
                    .filter_map(|s| s.attr("ID").map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        let known = [
            "metadata",
            "organizations",
            "resources",
            "sequencingCollection",
            "manifest",
        ];
        let extensions = root
            .children
            .iter()
            .filter(|c| !known.contains(&c.local.as_str()))
            .map(|c| self.fragment(c))
            .collect();
        if root.children.iter().any(|c| c.local == "manifest") {
            self.warning(
                Rule::Deprecated,
                root.position,
                "this manifest contains sub-manifests (<manifest> inside <manifest>), which SCORM 2004 4th Edition no longer supports; they are kept but not launched".to_owned(),
            );
        }

        Some(Manifest {
            identifier,
            version: root.attr("version").map(str::to_owned),
            standard,
            schema,
            schema_version,
            metadata: metadata.map(|m| self.fragment(m)),
            base: root.xml_base().map(str::to_owned),
            default_organization,
            organizations,
            resources_base: resources_element
                .and_then(|r| r.xml_base())
                .map(str::to_owned),
            resources,
            sequencing_collection: collection.map(|c| self.fragment(c)),
            sequencing_collection_ids,
            extensions,
            position: root.position,
        })
    }

    /// The standard from `<schemaversion>`, or from the namespaces when it is missing.
    fn standard(&mut self, root: &Element, schema_version: Option<&str>) -> Standard {
        let declared = schema_version.map(|v| v.trim().to_ascii_lowercase());
        match declared.as_deref() {
            Some("1.2") => return Standard::Scorm12,
            Some("cam 1.3") => return Standard::Scorm2004Second,
            Some("2004 3rd edition") => return Standard::Scorm2004Third,
            Some("2004 4th edition") => return Standard::Scorm2004Fourth,
            _ => {}
        }
        let source = &self.text[root.span.0..root.span.1.min(self.text.len()).max(root.span.0)];
        let guess = if source.contains(NS_ADLCP_12) {
            Standard::Scorm12
        } else if source.contains(NS_ADLCP_2004)
            || source.contains(NS_IMSSS)
            || source.contains(NS_ADLNAV)
        {
            Standard::Scorm2004Fourth
        } else {
            Standard::Scorm12
        };
        let found = match schema_version {
            Some(v) => format!("the schemaversion {v:?} is not one SCORM defines"),
            None => "there is no <schemaversion>".to_owned(),
        };
        self.warning(
            Rule::UnknownSchemaVersion,
            root.position,
            format!(
                "{found}; treating the package as {} from its namespaces",
                guess.label()
            ),
        );
        guess
    }

    fn organization(&mut self, element: &Element, standard: Standard) -> Organization {
        let identifier = self.required_identifier(element);
        let items = element
            .children_named("item")
            .map(|item| self.item(item, standard))
            .collect();
        let sequencing = element
            .children
            .iter()
            .find(|c| c.ns == NS_IMSSS && c.local == "sequencing");
        let known = [
            "title",
            "item",
            "metadata",
            "sequencing",
            "completionThreshold",
        ];
        Organization {
            identifier,
            title: element.child_text("title").unwrap_or_default(),
            structure: element.attr("structure").map(str::to_owned),
            objectives_global_to_system: element
                .attr("objectivesGlobalToSystem")
                .and_then(parse_bool),
            shared_data_global_to_system: element
                .attr("sharedDataGlobalToSystem")
                .and_then(parse_bool),
            items,
            sequencing: sequencing.map(|s| self.sequencing(s)),
            extensions: element
                .children
                .iter()
                .filter(|c| !known.contains(&c.local.as_str()))
                .map(|c| self.fragment(c))
                .collect(),
            position: element.position,
        }
    }

    fn sequencing(&self, element: &Element) -> Sequencing {
        Sequencing {
            id: element.attr("ID").map(str::to_owned),
            id_ref: element.attr("IDRef").map(str::to_owned),
            fragment: self.fragment(element),
        }
    }

    fn item(&mut self, element: &Element, standard: Standard) -> Item {
        let identifier = self.required_identifier(element);
        let children = element
            .children_named("item")
            .map(|child| self.item(child, standard))
            .collect();
        let adlcp = |local: &str| {
            element.children.iter().find(|c| {
                (c.ns == NS_ADLCP_12 || c.ns == NS_ADLCP_2004)
                    && c.local.eq_ignore_ascii_case(local)
            })
        };
        let mastery_score = adlcp("masteryscore").and_then(|e| {
            let text = e.text.trim();
            let value = text.parse::<f64>().ok().filter(|v| (0.0..=100.0).contains(v));
            if value.is_none() {
                self.error(
                    Rule::BadValue,
                    e.position,
                    format!("adlcp:masteryscore of item {identifier} is {text:?}; it must be a number from 0 to 100"),
                );
            }
            value
        });
        let completion_threshold =
            adlcp("completionThreshold").map(|e| self.completion_threshold(e));
        let data_maps = adlcp("data")
            .map(|data| {
                data.children_named("map")
                    .map(|map| DataMap {
                        target_id: map.attr("targetID").unwrap_or_default().to_owned(),
                        read_shared_data: map
                            .attr("readSharedData")
                            .and_then(parse_bool)
                            .unwrap_or(true),
                        write_shared_data: map
                            .attr("writeSharedData")
                            .and_then(parse_bool)
                            .unwrap_or(true),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let presentation = element
            .children
            .iter()
            .find(|c| c.ns == NS_ADLNAV && c.local == "presentation");
        let sequencing = element
            .children
            .iter()
            .find(|c| c.ns == NS_IMSSS && c.local == "sequencing");
        let is_adlcp = |c: &Element| c.ns == NS_ADLCP_12 || c.ns == NS_ADLCP_2004;
        let known_adlcp = [
            "masteryscore",
            "prerequisites",
            "maxtimeallowed",
            "timelimitaction",
            "datafromlms",
            "completionthreshold",
            "data",
        ];
        let extensions = element
            .children
            .iter()
            .filter(|c| !matches!(c.local.as_str(), "title" | "item"))
            .filter(|c| {
                !(is_adlcp(c) && known_adlcp.contains(&c.local.to_ascii_lowercase().as_str()))
            })
            .filter(|c| !(c.ns == NS_ADLNAV && c.local == "presentation"))
            .filter(|c| !(c.ns == NS_IMSSS && c.local == "sequencing"))
            .map(|c| self.fragment(c))
            .collect();
        if !standard.is_2004() && sequencing.is_some() {
            self.warning(
                Rule::Deprecated,
                element.position,
                format!("item {identifier} has imsss:sequencing, which SCORM 1.2 does not define; it is kept but ignored"),
            );
        }
        Item {
            identifier,
            identifier_ref: element.attr("identifierref").map(str::to_owned),
            parameters: element.attr("parameters").map(str::to_owned),
            is_visible: element
                .attr("isvisible")
                .and_then(parse_bool)
                .unwrap_or(true),
            title: element.child_text("title").unwrap_or_default(),
            children,
            mastery_score,
            prerequisites: adlcp("prerequisites").map(|e| e.text.trim().to_owned()),
            max_time_allowed: adlcp("maxtimeallowed").map(|e| e.text.trim().to_owned()),
            time_limit_action: adlcp("timelimitaction").map(|e| e.text.trim().to_owned()),
            data_from_lms: adlcp("datafromlms").map(|e| e.text.clone()),
            completion_threshold,
            data_maps,
            presentation: presentation.map(|p| self.fragment(p)),
            sequencing: sequencing.map(|s| self.sequencing(s)),
            extensions,
            position: element.position,
        }
    }

    fn completion_threshold(&mut self, element: &Element) -> CompletionThreshold {
        let mut number = |name: &str, value: Option<&str>| -> Option<f64> {
            let value = value?.trim();
            let parsed = value
                .parse::<f64>()
                .ok()
                .filter(|v| (0.0..=1.0).contains(v));
            if parsed.is_none() {
                self.error(
                    Rule::BadValue,
                    element.position,
                    format!("adlcp:completionThreshold {name} is {value:?}; it must be a decimal from 0 to 1"),
                );
            }
            parsed
        };
        let min_progress_measure = number("minProgressMeasure", element.attr("minProgressMeasure"));
        let progress_weight = number("progressWeight", element.attr("progressWeight"));
        let text = element.text.trim();
        let legacy_value = if text.is_empty() {
            None
        } else {
            number("value", Some(text))
        };
        CompletionThreshold {
            completed_by_measure: element
                .attr("completedByMeasure")
                .and_then(parse_bool)
                .unwrap_or(false),
            min_progress_measure,
            progress_weight,
            legacy_value,
        }
    }

    fn resource(&mut self, element: &Element, standard: Standard) -> Resource {
        let identifier = self.required_identifier(element);
        let declared = element.attr_ignore_case("scormType");
        let scorm_type = match declared.map(|t| t.trim().to_ascii_lowercase()).as_deref() {
            Some("sco") => Some(ScormType::Sco),
            Some("asset") => Some(ScormType::Asset),
            None => None,
            Some(other) => {
                self.error(
                    Rule::UnknownScormType,
                    element.position,
                    format!("resource {identifier} has adlcp:scormType {other:?}; it must be \"sco\" or \"asset\""),
                );
                None
            }
        };
        if declared.is_some() {
            let name = element
                .attributes
                .iter()
                .find(|(_, name, _)| name.eq_ignore_ascii_case("scormType"))
                .map(|(_, name, _)| name.as_str())
                .unwrap_or_default();
            let expected = if standard.is_2004() {
                "scormType"
            } else {
                "scormtype"
            };
            if name != expected {
                self.warning(
                    Rule::Deprecated,
                    element.position,
                    format!("resource {identifier} spells the attribute adlcp:{name}; {} spells it adlcp:{expected}", standard.label()),
                );
            }
        }
        Resource {
            identifier,
            resource_type: element.attr("type").unwrap_or_default().to_owned(),
            scorm_type,
            href: element.attr("href").map(str::to_owned),
            base: element.xml_base().map(str::to_owned),
            files: element
                .children_named("file")
                .filter_map(|f| {
                    f.attr("href").map(|href| FileRef {
                        href: href.to_owned(),
                        position: f.position,
                    })
                })
                .collect(),
            dependencies: element
                .children_named("dependency")
                .filter_map(|d| d.attr("identifierref").map(str::to_owned))
                .collect(),
            extensions: element
                .children
                .iter()
                .filter(|c| !matches!(c.local.as_str(), "file" | "dependency"))
                .map(|c| self.fragment(c))
                .collect(),
            position: element.position,
        }
    }
}

fn parse_bool(value: &str) -> Option<bool> {
    match value.trim() {
        "true" | "1" => Some(true),
        "false" | "0" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::normalise;

    #[test]
    fn paths_normalise_and_escapes_show() {
        assert_eq!(normalise("resources/./a/../b.htm"), "resources/b.htm");
        assert_eq!(normalise("../../etc/passwd"), "../../etc/passwd");
        assert_eq!(normalise("a//b/"), "a/b");
    }
}
