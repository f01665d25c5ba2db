//! The advisories feed as Atom 1.0 (RFC 4287), written with the `atom_syndication` crate (built without
//! its builders; it writes through `quick-xml`, which escapes every text and attribute).

use atom_syndication::{
    Category, Entry, Feed, FixedDateTime, Generator, Link, Person, Text, WriteConfig,
};

use crate::model::Advisory;
use crate::time::{format_date, rfc3339};

/// Characters XML 1.0 cannot carry at all (control characters other than tab and line breaks,
/// U+FFFE, U+FFFF) are dropped; the rest is escaped by the writer.
fn xml_text(text: &str) -> String {
    text.chars()
        .filter(|&c| !c.is_control() || matches!(c, '\t' | '\n' | '\r'))
        .filter(|&c| !matches!(c, '\u{FFFE}' | '\u{FFFF}'))
        .collect()
}

fn datetime(ms: i64) -> FixedDateTime {
    rfc3339(ms)
        .parse()
        .expect("rfc3339() writes dates that chrono reads")
}

/// The host of an `http(s)://` URL, lower-case; `rampart.invalid` when there is none.
fn host_of(url: &str) -> String {
    let rest = url
        .split_once("://")
        .map(|(_, rest)| rest)
        .unwrap_or_default();
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = authority.rsplit('@').next().unwrap_or_default();
    let host = match host.strip_prefix('[') {
        Some(ipv6) => ipv6.split(']').next().unwrap_or_default(),
        None => host.split(':').next().unwrap_or_default(),
    };
    let ok = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-'));
    if ok {
        host.to_ascii_lowercase()
    } else {
        "rampart.invalid".to_owned()
    }
}

/// The entry id of an advisory: a `tag:` URI (RFC 4151) that never changes for it,
/// `tag:<host of feed_id_url>,<year it was created>:advisory/RAM-2026-0042`.
pub fn entry_id(feed_id_url: &str, advisory: &Advisory) -> String {
    let year = &format_date(advisory.created_at)[..4];
    let specific: String = advisory
        .id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-._~".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("tag:{},{year}:advisory/{specific}", host_of(feed_id_url))
}

/// `[HIGH] RAM-2026-0042: title`.
pub fn entry_title(advisory: &Advisory) -> String {
    format!(
        "[{}] {}: {}",
        advisory.severity.label().to_uppercase(),
        advisory.id,
        advisory.title
    )
}

/// An Atom 1.0 feed of `entries`, in the order given. The caller chooses them: a public feed must hold
/// only published or closed TLP:CLEAR advisories.
///
/// The feed has `id` = `feed_id_url`, `title`, `updated` = `updated_ms`, a `rel="self"` link to
/// `self_url`, `title` as its author and Rampart as generator. Each entry has the stable id of
/// [`entry_id`], the title of [`entry_title`], `updated` (last change), `published` (first publication;
/// left out for a draft), a link to `link_for(advisory)`, the summary, and the severity as a category
/// (`term="high" label="High"`).
pub fn feed(
    title: &str,
    feed_id_url: &str,
    self_url: &str,
    updated_ms: i64,
    entries: &[&Advisory],
    link_for: impl Fn(&Advisory) -> String,
) -> String {
    let entries = entries
        .iter()
        .map(|advisory| Entry {
            title: Text::plain(xml_text(&entry_title(advisory))),
            id: entry_id(feed_id_url, advisory),
            updated: datetime(advisory.updated_at),
            published: advisory.published_at.map(datetime),
            links: vec![Link {
                href: xml_text(&link_for(advisory)),
                rel: "alternate".into(),
                mime_type: Some("text/html".into()),
                ..Link::default()
            }],
            summary: Some(Text::plain(xml_text(&advisory.summary))),
            categories: vec![Category {
                term: advisory.severity.as_str().into(),
                scheme: None,
                label: Some(advisory.severity.label().into()),
            }],
            ..Entry::default()
        })
        .collect();
    let feed = Feed {
        title: Text::plain(xml_text(title)),
        id: xml_text(feed_id_url),
        updated: datetime(updated_ms),
        authors: vec![Person {
            name: xml_text(title),
            ..Person::default()
        }],
        links: vec![Link {
            href: xml_text(self_url),
            rel: "self".into(),
            mime_type: Some("application/atom+xml".into()),
            ..Link::default()
        }],
        generator: Some(Generator {
            value: "Rampart".into(),
            uri: None,
            version: Some(env!("CARGO_PKG_VERSION").into()),
        }),
        lang: Some("en-GB".into()),
        entries,
        ..Feed::default()
    };
    let config = WriteConfig {
        write_document_declaration: true,
        indent_size: Some(1),
    };
    let bytes = feed
        .write_with_config(Vec::new(), config)
        .expect("writing XML into memory cannot fail");
    String::from_utf8(bytes).expect("quick-xml writes the UTF-8 it is given")
}
