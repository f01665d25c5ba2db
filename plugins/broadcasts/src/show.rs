//! How an advisory reads: the same blocks for the CERT's preview and an organisation's inbox.

use advisory::{Advisory, Severity, Status};
use rampart_plugin_sdk::prelude::*;

pub fn severity_tone(severity: Severity) -> Tone {
    match severity {
        Severity::Critical | Severity::High => Tone::Danger,
        Severity::Medium => Tone::Warning,
        Severity::Low => Tone::Info,
        Severity::Information => Tone::Neutral,
    }
}

pub fn status_label(status: Status) -> &'static str {
    match status {
        Status::Draft => "Draft",
        Status::Published => "Published",
        Status::Closed => "Closed",
    }
}

/// `9.8 Critical (CVSS 3.1)`, or the severity alone without a vector.
pub fn score_text(advisory: &Advisory) -> String {
    match advisory.cvss.as_deref().map(advisory::cvss::score) {
        Some(Ok(score)) => format!(
            "{:.1} {} (CVSS {})",
            score.base_score,
            score.severity.label(),
            score.version.as_str()
        ),
        _ => format!("{} (no CVSS vector)", advisory.severity.label()),
    }
}

/// `1 organisation`, `3 organisations`.
pub fn organisations(n: usize) -> String {
    if n == 1 {
        "1 organisation".into()
    } else {
        format!("{n} organisations")
    }
}

pub fn date_time(ms: i64) -> String {
    clock::date_time(ms)
}

/// The advisory itself: badges, key facts, threat, products, CVEs, remediation, references, revisions.
pub fn advisory_blocks(advisory: &Advisory) -> Vec<Block> {
    let mut blocks = vec![badges([
        badge(advisory.severity.label(), severity_tone(advisory.severity)),
        badge(status_label(advisory.status), Tone::Neutral),
        badge(advisory.tlp.label(), Tone::Info),
    ])];
    let mut facts = vec![
        ("Advisory", advisory.id.clone()),
        ("Type", advisory.kind.label().to_owned()),
        ("Severity", score_text(advisory)),
    ];
    if let Some(vector) = &advisory.cvss {
        facts.push(("CVSS vector", vector.clone()));
    }
    if let Some(published) = advisory.published_at {
        facts.push(("Published", date_time(published)));
    }
    if advisory.version() > 1 {
        facts.push((
            "Revision",
            format!(
                "{} ({})",
                advisory.version(),
                date_time(advisory.updated_at)
            ),
        ));
    }
    if let Some(source) = &advisory.source {
        facts.push((
            "Source",
            format!("{} {}", source.publisher, source.tracking_id),
        ));
    }
    blocks.push(summary(facts));
    blocks.push(heading(2, "Summary"));
    blocks.push(text(advisory.summary.clone()));
    if !advisory.threat.trim().is_empty() {
        blocks.push(heading(2, "Threat"));
        blocks.push(markdown(advisory.threat.clone()));
    }
    if !advisory.products.is_empty() {
        let mut products = Table::new("products", "Affected products")
            .column("Vendor")
            .column("Product")
            .column("Versions");
        for p in &advisory.products {
            products = products.row([
                cell(p.vendor.clone()),
                cell(p.product.clone()),
                cell(p.versions.clone()),
            ]);
        }
        blocks.push(heading(2, "Affected products"));
        blocks.push(products.into());
    }
    if !advisory.cves.is_empty() {
        blocks.push(heading(2, "Vulnerabilities"));
        blocks.push(links(advisory.cves.iter().map(|cve| {
            link(
                cve.clone(),
                format!("https://www.cve.org/CVERecord?id={cve}"),
            )
        })));
    }
    if !advisory.remediation.is_empty() {
        blocks.push(heading(2, "Remediation"));
        let steps: Vec<String> = advisory
            .remediation
            .iter()
            .enumerate()
            .map(|(i, step)| format!("{}. {}", i + 1, step.replace('\n', " ")))
            .collect();
        blocks.push(markdown(steps.join("\n")));
    }
    if !advisory.references.is_empty() {
        blocks.push(heading(2, "References"));
        blocks.push(links(advisory.references.iter().map(|r| {
            let label = if r.summary.is_empty() {
                r.url.clone()
            } else {
                r.summary.clone()
            };
            link(label, r.url.clone())
        })));
    }
    if !advisory.revisions.is_empty() {
        blocks.push(heading(2, "Revision history"));
        blocks.push(timeline(advisory.revisions.iter().rev().map(|r| {
            timeline_entry(r.at, format!("Revision {}", r.number), Tone::Neutral)
                .body(r.summary.clone())
        })));
    }
    blocks
}
