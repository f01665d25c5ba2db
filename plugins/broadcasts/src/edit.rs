//! Writing an advisory: the form (new or existing), and saving it as a draft or as a new revision.

use advisory::distribution::{Audience, Broadcast, COUNTERS, KINDS, Target, Targeting};
use advisory::form::{draft_from, name_of, region_field, regions, targeting_from};
use advisory::{Advisory, AdvisoryDraft, AdvisoryKind, Severity, Status, Tlp};
use rampart_plugin_sdk::prelude::*;

use crate::cert::{self, directory_targets, load, save};

const KINDS_OF_ADVISORY: [AdvisoryKind; 3] = [
    AdvisoryKind::Vulnerability,
    AdvisoryKind::AttackMethodology,
    AdvisoryKind::Information,
];
const SEVERITIES: [Severity; 5] = [
    Severity::Critical,
    Severity::High,
    Severity::Medium,
    Severity::Low,
    Severity::Information,
];
const TLPS: [Tlp; 4] = [Tlp::Clear, Tlp::Green, Tlp::Amber, Tlp::Red];

pub fn page(_ctx: &CallContext, id: &str) -> Result<Page, String> {
    let existing = if id.is_empty() { None } else { Some(load(id)?) };
    if let Some(b) = &existing
        && b.advisory.status == Status::Closed
    {
        return Ok(Page::new(format!("{} is closed", b.advisory.id))
            .block(notice(
                Tone::Warning,
                "Closed advisories cannot be edited",
                format!(
                    "{} was closed on {}. Publish a new advisory instead.",
                    b.advisory.id,
                    advisory::format_date(b.advisory.closed_at.unwrap_or(b.advisory.updated_at))
                ),
            ))
            .block(links([link(
                "Back to the advisory",
                format!("manage?id={}", b.advisory.id),
            )])));
    }
    let directory = directory_targets()?;
    let draft = existing
        .as_ref()
        .map(|b| b.advisory.draft())
        .unwrap_or_default();
    let (targeting, audience) = existing
        .as_ref()
        .map(|b| (b.targeting.clone(), b.audience))
        .unwrap_or_default();
    let title = match &existing {
        Some(b) => format!("Edit {}", b.advisory.id),
        None => "Write an advisory".to_owned(),
    };
    let published = existing
        .as_ref()
        .is_some_and(|b| b.advisory.status == Status::Published);
    let mut page = Page::new(title);
    if published {
        page.push(notice(
            Tone::Info,
            "Saving publishes a new revision",
            "Organisations are sent the change at once, with your change summary in the revision history.",
        ));
    }
    let form_id = format!(
        "advisory:{}",
        existing.as_ref().map_or("", |b| b.advisory.id.as_str())
    );
    page.push(advisory_form(
        &form_id, &draft, &targeting, audience, &directory, published,
    ));
    Ok(page)
}

fn advisory_form(
    form_id: &str,
    draft: &AdvisoryDraft,
    targeting: &Targeting,
    audience: Audience,
    directory: &[Target],
    published: bool,
) -> Form {
    let courses = training::courses().unwrap_or_default();
    let products: Vec<String> = draft
        .products
        .iter()
        .map(|p| format!("{} | {} | {}", p.vendor, p.product, p.versions))
        .collect();
    let references: Vec<String> = draft
        .references
        .iter()
        .map(|r| format!("{} {}", r.url, r.summary).trim().to_owned())
        .collect();
    let (target, chosen_kinds, chosen_regions, chosen_orgs) = match targeting {
        Targeting::All => ("all", Vec::new(), Vec::new(), Vec::new()),
        Targeting::Kinds(k) => ("kinds", k.clone(), Vec::new(), Vec::new()),
        Targeting::Regions(r) => ("regions", Vec::new(), r.clone(), Vec::new()),
        Targeting::Organisations(ids) => ("organisations", Vec::new(), Vec::new(), ids.clone()),
    };
    let org_names: Vec<String> = directory
        .iter()
        .filter(|o| chosen_orgs.contains(&o.id))
        .map(|o| o.name.clone())
        .collect();
    let mut course_choices = vec![choice("", "No course")];
    course_choices.extend(courses.into_iter().map(|c| choice(c.identifier, c.title)));
    let mut form = Form::new(form_id, if published { "Publish revision" } else { "Save draft" })
        .field(field_text("title", "Title").required().max_length(200).value(draft.title.clone()))
        .field(
            field_textarea("summary", "Summary")
                .required()
                .max_length(2000)
                .hint("One paragraph in plain words: what is happening and who should act.")
                .value(draft.summary.clone()),
        )
        .field(
            field_textarea("threat", "Threat details")
                .max_length(20000)
                .hint("Markdown. How the attack works, what is at risk, signs to look for.")
                .value(draft.threat.clone()),
        )
        .field(
            field_select(
                "kind",
                "Type",
                KINDS_OF_ADVISORY.iter().map(|k| choice(name_of(k), k.label())),
            )
            .required()
            .value(name_of(&draft.kind)),
        )
        .field(
            field_textarea("products", "Affected products")
                .max_length(10000)
                .hint("One per line: Vendor | Product | Versions")
                .value(products.join("\n")),
        )
        .field(
            field_textarea("cves", "CVE identifiers")
                .max_length(2000)
                .hint("One per line, like CVE-2026-12345")
                .value(draft.cves.join("\n")),
        )
        .field(
            field_text("cvss", "CVSS vector")
                .max_length(300)
                .hint("CVSS 3.1 or 4.0, like CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H. The severity follows its score.")
                .value(draft.cvss.clone().unwrap_or_default()),
        )
        .field(
            field_select(
                "severity",
                "Severity without a CVSS vector",
                SEVERITIES.iter().map(|s| choice(name_of(s), s.label())),
            )
            .value(name_of(&draft.severity)),
        )
        .field(
            field_textarea("remediation", "Remediation steps")
                .max_length(20000)
                .hint("One step per line, in the order to take them.")
                .value(draft.remediation.join("\n")),
        )
        .field(
            field_textarea("references", "References")
                .max_length(10000)
                .hint("One per line: the https address, a space, then what is there.")
                .value(references.join("\n")),
        )
        .field(
            field_radio("tlp", "Sharing (TLP)", TLPS.iter().map(|t| choice(name_of(t), t.label())))
                .required()
                .hint("TLP:CLEAR advisories also go on the public feed.")
                .value(name_of(&draft.tlp)),
        )
        .field(
            field_select("course", "Training to assign", course_choices)
                .hint("Assigned to the audience in every targeted organisation when published.")
                .value(draft.course.clone().unwrap_or_default()),
        )
        .field(
            field_radio(
                "audience",
                "Who in each organisation",
                Audience::ALL.iter().map(|a| choice(a.as_str(), a.label())),
            )
            .required()
            .value(audience.as_str()),
        )
        .field(
            field_radio(
                "target",
                "Which organisations",
                [
                    choice("all", "All organisations"),
                    choice("kinds", "Organisations of the types ticked below"),
                    choice("regions", "Organisations in the regions ticked below"),
                    choice("organisations", "The organisations named below"),
                ],
            )
            .required()
            .value(target),
        );
    for (kind, label) in KINDS {
        let mut field = field_checkbox(format!("kind_{kind}"), format!("Type: {label}"));
        if chosen_kinds.iter().any(|k| k == kind) {
            field = field.value("on");
        }
        form = form.field(field);
    }
    for region in regions(directory) {
        let mut field = field_checkbox(region_field(&region), format!("Region: {region}"));
        if chosen_regions.contains(&region) {
            field = field.value("on");
        }
        form = form.field(field);
    }
    form = form.field(
        field_textarea("organisations", "Named organisations")
            .max_length(20000)
            .hint("One organisation name per line.")
            .value(org_names.join("\n")),
    );
    if published {
        form = form.field(
            field_text("change_summary", "What changed")
                .required()
                .max_length(500)
                .hint("Shown to organisations in the revision history."),
        );
    }
    form
}

/// Saves the form: a new draft, a changed draft, or a new revision of a published advisory (sent to its
/// organisations at once).
pub fn submit(id: &str, fields: &[(String, String)]) -> Result<FormOutcome, String> {
    let directory = directory_targets()?;
    let targeting = match targeting_from(fields, &directory) {
        Ok(t) => t,
        Err(error) => return Ok(crate::form_errors(&[error])),
    };
    let audience = param(fields, "audience")
        .and_then(Audience::parse)
        .unwrap_or_default();
    let draft = draft_from(fields);
    let now = clock::now();
    let (mut broadcast, is_new) = if id.is_empty() {
        // Numbered only once it saves, so a refused form uses up no number.
        let advisory = Advisory::new_draft(advisory::csaf::IMPORTED_ID, draft.title.clone(), now);
        (
            Broadcast {
                revision: 0,
                advisory,
                targeting: Targeting::All,
                audience,
                targets: Vec::new(),
            },
            true,
        )
    } else {
        (load(id)?, false)
    };
    let change_summary = param(fields, "change_summary").unwrap_or_default();
    if let Err(error) = broadcast.advisory.update(draft, now, change_summary) {
        return Ok(match error {
            advisory::AdvisoryError::Invalid { errors, .. } => crate::form_errors(&errors),
            other => FormOutcome::invalid("title", other.to_string()),
        });
    }
    if is_new {
        broadcast.advisory.id = next_id(now)?;
    }
    broadcast.targeting = targeting;
    broadcast.audience = audience;
    let published = broadcast.advisory.status == Status::Published;
    if published {
        // Organisations newly matched by changed targeting get it too; nobody is dropped.
        for org in broadcast.targeting.resolve(&directory) {
            if !broadcast.targets.contains(&org.id) {
                broadcast.targets.push(org.id);
            }
        }
    }
    save(&mut broadcast)?;
    let message = if published {
        cert::send(&broadcast)?;
        format!(
            "{} revision {} sent to {}.",
            broadcast.advisory.id,
            broadcast.advisory.version(),
            crate::show::organisations(broadcast.targets.len())
        )
    } else if is_new {
        format!(
            "{} saved as a draft. Preview it, then publish.",
            broadcast.advisory.id
        )
    } else {
        format!("{} saved.", broadcast.advisory.id)
    };
    Ok(FormOutcome::done_and_go(
        Some(message),
        format!("manage?id={}", broadcast.advisory.id),
    ))
}

/// The next `RAM-<year>-<number>`, numbered per year.
pub fn next_id(now: i64) -> Result<String, String> {
    let year = advisory::format_date(now)[..4].to_owned();
    let number = storage::update_json(COUNTERS, &year, &[], |n: Option<u32>| n.unwrap_or(0) + 1)?;
    Ok(format!("RAM-{year}-{number:04}"))
}
