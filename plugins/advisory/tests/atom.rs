//! The Atom feed, read back with an independent parser (feed-rs).

use advisory::atom::{self, entry_id};
use advisory::{Advisory, Severity, Tlp};

/// 2026-11-29T10:15:30Z
const NOW: i64 = 1_795_947_330_000;
const HOUR: i64 = 3_600_000;

const FEED_ID: &str = "https://broadcasts.example.nhs.uk/p/broadcasts/feed";
const SELF_URL: &str = "https://broadcasts.example.nhs.uk/p/broadcasts/feed.atom";

fn published(id: &str, title: &str, vector: &str, at: i64) -> Advisory {
    let mut a = Advisory::new_draft(id, title, at - HOUR);
    a.summary = format!("Summary of {title}.");
    a.tlp = Tlp::Clear;
    a.set_cvss(Some(vector)).unwrap();
    a.publish(at, "").unwrap();
    a
}

fn link(a: &Advisory) -> String {
    format!("https://broadcasts.example.nhs.uk/p/broadcasts/{}", a.id)
}

#[test]
fn the_feed_parses_with_an_independent_reader() {
    let high = published(
        "RAM-2026-0042",
        "Remote code execution in Example PACS",
        "CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
        NOW,
    );
    let mut tricky = published(
        "RAM-2026-0043",
        "<script>alert(\"x\")</script> & 'quotes' in Trust's VPN",
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N",
        NOW + HOUR,
    );
    let mut draft = tricky.draft();
    draft.summary = "Ampersands & <angle brackets> survive; so does ünïcödé.".into();
    tricky
        .update(draft, NOW + 2 * HOUR, "Clarified the summary")
        .unwrap();

    let xml = atom::feed(
        "NHS England cyber alerts",
        FEED_ID,
        SELF_URL,
        NOW + 3 * HOUR,
        &[&tricky, &high],
        link,
    );
    let feed = feed_rs::parser::parse(xml.as_bytes()).unwrap_or_else(|e| panic!("{e}\n{xml}"));

    assert_eq!(feed.feed_type, feed_rs::model::FeedType::Atom);
    assert_eq!(feed.id, FEED_ID);
    assert_eq!(
        feed.title.as_ref().unwrap().content,
        "NHS England cyber alerts"
    );
    assert_eq!(feed.updated.unwrap().timestamp_millis(), NOW + 3 * HOUR);
    assert_eq!(
        feed.authors[0].name.as_deref(),
        Some("NHS England cyber alerts")
    );
    let self_link = feed
        .links
        .iter()
        .find(|l| l.rel.as_deref() == Some("self"))
        .unwrap();
    assert_eq!(self_link.href, SELF_URL);

    assert_eq!(feed.entries.len(), 2);
    let (e0, e1) = (&feed.entries[0], &feed.entries[1]);
    assert_eq!(
        e0.id,
        "tag:broadcasts.example.nhs.uk,2026:advisory/RAM-2026-0043"
    );
    assert_eq!(
        e1.id,
        "tag:broadcasts.example.nhs.uk,2026:advisory/RAM-2026-0042"
    );
    assert_eq!(
        e0.title.as_ref().unwrap().content,
        "[MEDIUM] RAM-2026-0043: <script>alert(\"x\")</script> & 'quotes' in Trust's VPN"
    );
    assert_eq!(
        e1.title.as_ref().unwrap().content,
        "[HIGH] RAM-2026-0042: Remote code execution in Example PACS"
    );
    assert_eq!(e0.updated.unwrap().timestamp_millis(), NOW + 2 * HOUR);
    assert_eq!(e0.published.unwrap().timestamp_millis(), NOW + HOUR);
    assert_eq!(e1.updated.unwrap().timestamp_millis(), NOW);
    assert_eq!(e1.published.unwrap().timestamp_millis(), NOW);
    assert_eq!(
        e0.links[0].href,
        "https://broadcasts.example.nhs.uk/p/broadcasts/RAM-2026-0043"
    );
    assert_eq!(
        e0.summary.as_ref().unwrap().content,
        "Ampersands & <angle brackets> survive; so does ünïcödé."
    );
    assert_eq!(e0.categories[0].term, "medium");
    assert_eq!(e0.categories[0].label.as_deref(), Some("Medium"));
    assert_eq!(e1.categories[0].term, "high");
    assert!(
        !xml.contains("<script>"),
        "markup in text is escaped:\n{xml}"
    );
}

#[test]
fn entry_ids_are_stable_across_changes() {
    let mut a = published(
        "RAM-2026-0042",
        "Title",
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        NOW,
    );
    let before = entry_id(FEED_ID, &a);
    let mut draft = a.draft();
    draft.title = "New title".into();
    a.update(draft, NOW + HOUR, "Retitled").unwrap();
    a.close(NOW + 2 * HOUR, "").unwrap();
    assert_eq!(entry_id(FEED_ID, &a), before);
    assert_eq!(
        entry_id("urn:not-a-url", &a),
        "tag:rampart.invalid,2026:advisory/RAM-2026-0042"
    );
}

#[test]
fn an_empty_feed_is_valid_and_control_characters_are_dropped() {
    let xml = atom::feed("Alerts\u{1}", FEED_ID, SELF_URL, NOW, &[], link);
    let feed = feed_rs::parser::parse(xml.as_bytes()).unwrap_or_else(|e| panic!("{e}\n{xml}"));
    assert_eq!(feed.title.unwrap().content, "Alerts");
    assert!(feed.entries.is_empty());

    let mut draft = Advisory::new_draft("RAM-2026-0001", "Draft\u{0} title", NOW);
    draft.severity = Severity::Critical;
    let xml = atom::feed("Alerts", FEED_ID, SELF_URL, NOW, &[&draft], link);
    let feed = feed_rs::parser::parse(xml.as_bytes()).unwrap_or_else(|e| panic!("{e}\n{xml}"));
    let entry = &feed.entries[0];
    assert_eq!(
        entry.title.as_ref().unwrap().content,
        "[CRITICAL] RAM-2026-0001: Draft title"
    );
    assert!(entry.published.is_none(), "never published: no <published>");

    // Absurd times are clamped, never a panic (a panic would trap the plugin).
    let xml = atom::feed("Alerts", FEED_ID, SELF_URL, i64::MAX, &[&draft], link);
    assert!(
        xml.contains("<updated>9999-12-31T23:59:59.999+00:00</updated>"),
        "{xml}"
    );
    let xml = atom::feed("Alerts", FEED_ID, SELF_URL, i64::MIN, &[&draft], link);
    assert!(feed_rs::parser::parse(xml.as_bytes()).is_ok(), "{xml}");
}
