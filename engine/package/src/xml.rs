//! A small, bounded element tree over quick-xml: namespaces resolved, positions kept, DTDs and custom
//! entities refused. The manifest is read into this tree first, so that extensions (sequencing,
//! unknown elements) can be kept whole as XML text while the known parts become typed data.

use quick_xml::NsReader;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;

use crate::diagnostic::{Diagnostic, Position, Rule};

/// How deep elements may nest before the document is refused (real manifests stay under 20).
pub const MAX_DEPTH: usize = 64;

/// How many elements a manifest may have: large real courses have a few thousand; the cap keeps a
/// small but dense manifest from costing gigabytes as a tree.
pub const MAX_ELEMENTS: usize = 200_000;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Element {
    /// Namespace URI, empty when none.
    pub ns: String,
    pub local: String,
    /// The name as written, with its prefix (`adlcp:location`).
    pub qualified: String,
    /// `(namespace URI, local name, value)`; `xml:base` arrives as (`XML_NS`, `base`, …).
    pub attributes: Vec<(String, String, String)>,
    pub children: Vec<Element>,
    pub text: String,
    pub position: Position,
    /// Byte range of the element in the source, to keep extensions verbatim.
    pub span: (usize, usize),
}

pub const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";

impl Element {
    /// An attribute by local name, in any namespace, with surrounding white space removed (SCORM's
    /// attributes are IDs, IDREFs, URIs and tokens, whose schema types collapse white space).
    pub fn attr(&self, local: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(_, name, _)| name == local)
            .map(|(_, _, value)| value.trim())
    }

    /// An attribute by local name, ignoring ASCII case (`adlcp:scormtype` vs `adlcp:scormType`).
    pub fn attr_ignore_case(&self, local: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(_, name, _)| name.eq_ignore_ascii_case(local))
            .map(|(_, _, value)| value.trim())
    }

    pub fn xml_base(&self) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(ns, name, _)| ns == XML_NS && name == "base")
            .map(|(_, _, value)| value.trim())
    }

    pub fn children_named<'a>(&'a self, local: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children
            .iter()
            .filter(move |child| child.local == local)
    }

    pub fn child(&self, local: &str) -> Option<&Element> {
        self.children.iter().find(|child| child.local == local)
    }

    pub fn child_text(&self, local: &str) -> Option<String> {
        self.child(local).map(|child| child.text.trim().to_owned())
    }
}

/// Line and column (1-based, columns in characters) of byte offsets in a document.
pub struct LineIndex {
    line_starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(at, _)| at + 1));
        LineIndex { line_starts }
    }

    pub fn position(&self, text: &str, offset: usize) -> Position {
        let offset = offset.min(text.len());
        let line = self.line_starts.partition_point(|&start| start <= offset);
        let start = self.line_starts[line - 1];
        let column = text
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count())
            + 1;
        Position {
            line: line as u32,
            column: column as u32,
        }
    }
}

/// Parses `text` (already decoded) into its root element.
pub fn parse(text: &str, file: &str) -> Result<Element, Diagnostic> {
    let index = LineIndex::new(text);
    let mut reader = NsReader::from_str(text);
    reader.config_mut().trim_text(false);
    let mut stack: Vec<Element> = Vec::new();
    let mut n_elements = 0usize;
    let fail = |rule: Rule, offset: usize, message: String| {
        Diagnostic::error(rule, file, Some(index.position(text, offset)), message)
    };

    loop {
        let offset_before = reader.buffer_position() as usize;
        let (resolved, event) = match reader.read_resolved_event() {
            Ok(pair) => pair,
            Err(error) => {
                let at = reader.error_position() as usize;
                return Err(fail(
                    Rule::MalformedXml,
                    at,
                    format!("{file} is not well-formed XML: {error}"),
                ));
            }
        };
        let is_empty = matches!(event, Event::Empty(_));
        let namespace = match resolved {
            ResolveResult::Bound(ns) => String::from_utf8_lossy(ns.as_ref()).into_owned(),
            _ => String::new(),
        };
        match event {
            Event::DocType(_) => {
                return Err(fail(
                    Rule::DtdNotAllowed,
                    offset_before,
                    format!(
                        "{file} declares a DTD; DTDs and entity declarations are refused for safety (remove the <!DOCTYPE …> line)"
                    ),
                ));
            }
            Event::Start(start) | Event::Empty(start) => {
                n_elements += 1;
                if n_elements > MAX_ELEMENTS {
                    return Err(fail(
                        Rule::ManifestTooLarge,
                        offset_before,
                        format!("{file} has more than {MAX_ELEMENTS} elements"),
                    ));
                }
                if stack.len() >= MAX_DEPTH {
                    return Err(fail(
                        Rule::TooDeep,
                        offset_before,
                        format!("{file} nests elements more than {MAX_DEPTH} deep"),
                    ));
                }
                let mut element = open_element(
                    &reader,
                    &start,
                    namespace,
                    &index,
                    text,
                    offset_before,
                    file,
                )?;
                if !is_empty {
                    stack.push(element);
                    continue;
                }
                element.span.1 = reader.buffer_position() as usize;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(element),
                    None => return Ok(element),
                }
            }
            Event::End(_) => {
                let mut element = stack.pop().expect("quick-xml checks that end tags match");
                element.span.1 = reader.buffer_position() as usize;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(element),
                    None => return Ok(element),
                }
            }
            Event::Text(content) => {
                if let Some(current) = stack.last_mut() {
                    let decoded = content.decode().map_err(|e| {
                        fail(
                            Rule::MalformedXml,
                            offset_before,
                            format!("{file} has text that is not valid: {e}"),
                        )
                    })?;
                    current.text.push_str(&decoded);
                }
            }
            Event::CData(content) => {
                if let Some(current) = stack.last_mut() {
                    current
                        .text
                        .push_str(&String::from_utf8_lossy(&content.into_inner()));
                }
            }
            Event::GeneralRef(reference) => {
                let name = String::from_utf8_lossy(&reference.into_inner()).into_owned();
                let Some(resolved) = resolve_reference(&name) else {
                    return Err(fail(
                        Rule::EntityNotAllowed,
                        offset_before,
                        format!(
                            "{file} uses the entity &{name}; which is not one of XML's five predefined entities; custom and external entities are refused"
                        ),
                    ));
                };
                if let Some(current) = stack.last_mut() {
                    current.text.push(resolved);
                }
            }
            Event::Eof => {
                return Err(fail(
                    Rule::MalformedXml,
                    text.len(),
                    format!("{file} ends before its root element is closed"),
                ));
            }
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
        }
    }
}

/// The five predefined entities and character references; nothing else.
fn resolve_reference(name: &str) -> Option<char> {
    match name {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        _ => {
            let number = name.strip_prefix('#')?;
            let code = match number
                .strip_prefix('x')
                .or_else(|| number.strip_prefix('X'))
            {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => number.parse().ok()?,
            };
            char::from_u32(code)
        }
    }
}

fn open_element(
    reader: &NsReader<&[u8]>,
    start: &BytesStart<'_>,
    ns: String,
    index: &LineIndex,
    text: &str,
    offset: usize,
    file: &str,
) -> Result<Element, Diagnostic> {
    let position = index.position(text, offset);
    let qualified = String::from_utf8_lossy(start.name().as_ref()).into_owned();
    let local = String::from_utf8_lossy(start.local_name().as_ref()).into_owned();
    let mut attributes = Vec::new();
    for attribute in start.attributes() {
        let attribute = attribute.map_err(|e| {
            Diagnostic::error(
                Rule::MalformedXml,
                file,
                Some(position),
                format!("{file}: a bad attribute on <{qualified}>: {e}"),
            )
        })?;
        let key = attribute.key;
        if key.as_ref().starts_with(b"xmlns") {
            continue;
        }
        let (resolved, name) = reader.resolve_attribute(key);
        let attribute_ns = match resolved {
            ResolveResult::Bound(ns) => String::from_utf8_lossy(ns.as_ref()).into_owned(),
            _ if key.as_ref().starts_with(b"xml:") => XML_NS.to_owned(),
            _ => String::new(),
        };
        let value = attribute.unescape_value().map_err(|e| {
            Diagnostic::error(
                Rule::EntityNotAllowed,
                file,
                Some(position),
                format!(
                    "{file}: the attribute {} on <{qualified}> cannot be read: {e}",
                    String::from_utf8_lossy(key.as_ref())
                ),
            )
        })?;
        attributes.push((
            attribute_ns,
            String::from_utf8_lossy(name.as_ref()).into_owned(),
            value.into_owned(),
        ));
    }
    Ok(Element {
        ns,
        local,
        qualified,
        attributes,
        children: Vec::new(),
        text: String::new(),
        position,
        span: (offset, offset),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_lines_and_columns() {
        let text = "<a>\n  <b x=\"1\"/>\n</a>";
        let root = parse(text, "m.xml").unwrap();
        assert_eq!(root.children[0].position, Position { line: 2, column: 3 });
        assert_eq!(root.children[0].attr("x"), Some("1"));
        assert_eq!(
            &text[root.children[0].span.0..root.children[0].span.1],
            "<b x=\"1\"/>"
        );
    }

    #[test]
    fn references_resolve_and_custom_entities_are_refused() {
        let root = parse("<a>x &amp; y &#65;&#x42;</a>", "m.xml").unwrap();
        assert_eq!(root.text, "x & y AB");
        let err = parse("<a>&bomb;</a>", "m.xml").unwrap_err();
        assert_eq!(err.rule, Rule::EntityNotAllowed);
    }
}
