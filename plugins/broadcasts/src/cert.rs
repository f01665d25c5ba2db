//! The national CERT's side, in the platform scope: the desk, managing an advisory (preview, publish,
//! close, the per-organisation dashboard), CSAF import, the information-request queue, reports arriving
//! from organisations, and escalation when a deadline passes.

use advisory::{Advisory, Status};
use rampart_plugin_sdk::prelude::*;

use crate::show::{self, advisory_blocks, date_time, severity_tone};
use crate::{put_checked, topics, with_revision};
use advisory::distribution::*;

// ----- storage -----

pub fn find(id: &str) -> Result<Option<Broadcast>, String> {
    Ok(storage::get_stored::<Broadcast>(ADVISORIES, id)?
        .map(|s| with_revision(s, |b, r| b.revision = r)))
}

pub fn load(id: &str) -> Result<Broadcast, String> {
    find(id)?.ok_or_else(|| format!("there is no advisory {id}"))
}

/// Saves the advisory unless another analyst changed it since it was read.
pub fn save(broadcast: &mut Broadcast) -> Result<(), String> {
    let status = advisory::form::name_of(&broadcast.advisory.status);
    broadcast.revision = put_checked(
        ADVISORIES,
        &broadcast.advisory.id,
        broadcast,
        &[storage::index("status", status)],
        broadcast.revision,
    )?;
    Ok(())
}

pub fn all_advisories() -> Result<Vec<Broadcast>, String> {
    let mut all = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let mut query = DocumentQuery::new(ADVISORIES).limit(200);
        if let Some(key) = &after {
            query = query.after(key.clone());
        }
        let page = storage::query_json::<Broadcast>(&query)?;
        let done = page.len() < 200;
        after = page.last().map(|s| s.key.clone());
        all.extend(
            page.into_iter()
                .map(|s| with_revision(s, |b: &mut Broadcast, r| b.revision = r)),
        );
        if done {
            break;
        }
    }
    // Newest first.
    all.reverse();
    Ok(all)
}

/// Every organisation's entry for the advisory, read page by page.
pub fn ledger(advisory: &str) -> Result<Vec<LedgerEntry>, String> {
    const PAGE: u32 = 500;
    let mut entries = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let mut query = DocumentQuery::new(LEDGER)
            .where_index("advisory", advisory)
            .limit(PAGE);
        if let Some(key) = &after {
            query = query.after(key.clone());
        }
        let page = storage::query_json::<LedgerEntry>(&query)?;
        let full = page.len() == PAGE as usize;
        after = page.last().map(|s| s.key.clone());
        entries.extend(
            page.into_iter()
                .map(|s| with_revision(s, |e: &mut LedgerEntry, r| e.revision = r)),
        );
        if !full {
            return Ok(entries);
        }
    }
}

fn find_ledger(key: &str) -> Result<Option<LedgerEntry>, String> {
    Ok(storage::get_stored::<LedgerEntry>(LEDGER, key)?
        .map(|s| with_revision(s, |e, r| e.revision = r)))
}

/// Saves the entry unless it changed since it was read (a report and the escalation tick at once).
fn save_ledger(entry: &mut LedgerEntry) -> Result<(), String> {
    entry.revision = put_checked(
        LEDGER,
        &LedgerEntry::key(&entry.advisory, entry.organisation.id),
        entry,
        &[
            storage::index("advisory", entry.advisory.clone()),
            storage::index("organisation", entry.organisation.id.to_string()),
        ],
        entry.revision,
    )?;
    Ok(())
}

pub fn directory_targets() -> Result<Vec<Target>, String> {
    Ok(directory::organisations()?
        .into_iter()
        .map(|o| Target {
            id: o.id,
            name: o.name,
            kind: o.kind,
            region: o.region,
        })
        .collect())
}

/// Sends the advisory as it stands to every target. Ledger entries are written when an organisation
/// first reports back (or misses its deadline), so publishing to thousands of organisations is one
/// batch of events, not thousands of writes inside one plugin call.
pub fn send(broadcast: &Broadcast) -> Result<(), String> {
    let deadline = broadcast.deadline();
    let delivery = Delivery {
        advisory: broadcast.advisory.clone(),
        audience: broadcast.audience,
        deadline,
    };
    let payload = serde_json::to_string(&delivery).map_err(|e| e.to_string())?;
    events::publish_to(&broadcast.targets, topics::ADVISORY, &payload)?;
    log::info(&format!(
        "{} revision {} sent to {} organisations",
        broadcast.advisory.id,
        broadcast.advisory.version(),
        broadcast.targets.len()
    ));
    Ok(())
}

// ----- pages -----

pub fn national_staff_note() -> Page {
    Page::new("Advisories")
        .block(text(
            "This is where organisations read advisories. National staff write and follow them on the CERT desk.",
        ))
        .block(links([link("Go to the CERT desk", "cert")]))
}

/// How many targets are in each state, for the chart and the table.
struct Tally {
    not_received: usize,
    awaiting: usize,
    acknowledged: usize,
    responded: usize,
    overdue: usize,
}

fn tally(entries: &[LedgerEntry], now: i64) -> Tally {
    let mut t = Tally {
        not_received: 0,
        awaiting: 0,
        acknowledged: 0,
        responded: 0,
        overdue: 0,
    };
    for e in entries {
        if e.overdue(now) {
            t.overdue += 1;
            continue;
        }
        match e.report.state {
            ResponseState::Sent => t.not_received += 1,
            ResponseState::Received => t.awaiting += 1,
            ResponseState::Acknowledged => t.acknowledged += 1,
            ResponseState::Responded | ResponseState::Completed => t.responded += 1,
        }
    }
    t
}

pub fn desk(_ctx: &CallContext) -> Result<Page, String> {
    let now = clock::now();
    let advisories = all_advisories()?;
    let directory = directory_targets()?;
    let open_requests = storage::count(REQUESTS, Some(storage::index("state", "open")))?;
    let mut page = Page::new("CERT desk").block(links([
        link("Write an advisory", "edit"),
        link("Import a CSAF document", "import"),
        link(
            format!("Information requests ({open_requests} open)"),
            "requests",
        ),
        link("Public feed (TLP:CLEAR)", "/p/broadcasts/public/feed.atom"),
    ]));
    let live: Vec<&Broadcast> = advisories
        .iter()
        .filter(|b| b.advisory.status == Status::Published)
        .take(12)
        .collect();
    let mut rows = Vec::new();
    let mut chart_data = Vec::new();
    for b in &advisories {
        let entries = responses(b, &directory)?;
        let t = tally(&entries, now);
        if live.iter().any(|l| l.advisory.id == b.advisory.id) {
            chart_data.push((
                b.advisory.id.clone(),
                t.responded,
                t.acknowledged,
                t.awaiting + t.not_received,
                t.overdue,
            ));
        }
        rows.push(vec![
            cell(b.advisory.id.clone()).link(format!("manage?id={}", b.advisory.id)),
            cell(b.advisory.title.clone()),
            cell(b.advisory.severity.label())
                .tone(severity_tone(b.advisory.severity))
                .sort_key(format!("{}", b.advisory.severity as u8)),
            cell(show::status_label(b.advisory.status)),
            cell(b.advisory.version().to_string()),
            cell(entries.len().to_string()),
            cell((t.acknowledged + t.responded).to_string()),
            cell(t.overdue.to_string()).tone(if t.overdue > 0 {
                Tone::Danger
            } else {
                Tone::Neutral
            }),
        ]);
    }
    if !chart_data.is_empty() {
        let labels: Vec<String> = chart_data.iter().map(|c| c.0.clone()).collect();
        page.push(
            Chart::new(
                ChartKind::StackedBar,
                "Responses to published advisories",
                labels,
            )
            .series("Responded", chart_data.iter().map(|c| c.1 as f64))
            .series("Acknowledged", chart_data.iter().map(|c| c.2 as f64))
            .series("Waiting", chart_data.iter().map(|c| c.3 as f64))
            .series("Overdue", chart_data.iter().map(|c| c.4 as f64))
            .unit("organisations"),
        );
    }
    let mut table = Table::new("advisories", "Advisories, newest first")
        .column("Advisory")
        .column("Title")
        .column("Severity")
        .column("Status")
        .numeric_column("Revision")
        .numeric_column("Organisations")
        .numeric_column("Acknowledged")
        .numeric_column("Overdue")
        .csv_export();
    for row in rows {
        table = table.row(row);
    }
    if advisories.is_empty() {
        page.push(text(
            "No advisories yet. Write one, or import a vendor's CSAF document.",
        ));
    } else {
        page.push(table);
    }
    Ok(page)
}

pub fn manage(_ctx: &CallContext, id: &str) -> Result<Page, String> {
    let broadcast = load(id)?;
    let a = &broadcast.advisory;
    let now = clock::now();
    let directory = directory_targets()?;
    let mut page = Page::new(format!("{}: {}", a.id, a.title));
    let mut facts = vec![
        ("Status", show::status_label(a.status).to_owned()),
        ("Targeting", broadcast.targeting.describe(&directory)),
        ("Audience", broadcast.audience.label().to_owned()),
    ];
    if let Some(deadline) = broadcast.deadline() {
        facts.push(("Acknowledge by", date_time(deadline)));
    } else if a.severity.requires_acknowledgement() {
        facts.push((
            "Acknowledgement",
            "Required within 48 hours of publication".into(),
        ));
    }
    if let Some(course) = &a.course {
        facts.push(("Training assigned", course.clone()));
    }
    page.push(summary(facts));
    let mut actions = vec![link(
        "Download CSAF 2.0",
        format!("/p/broadcasts/csaf/{}.json", a.id),
    )];
    if a.status != Status::Closed {
        actions.insert(0, link("Edit", format!("edit?id={}", a.id)));
    }
    page.push(links(actions));
    match a.status {
        Status::Draft => {
            let reach = broadcast.targeting.resolve(&directory).len();
            page.push(
                Form::new(format!("publish:{}", a.id), "Publish")
                    .title(format!("Publish to {}", show::organisations(reach)))
                    .field(
                        field_text("summary", "Note for the revision history")
                            .max_length(500)
                            .hint("Optional; “Initial release” when blank."),
                    ),
            );
            page.push(notice(
                Tone::Info,
                "Preview",
                "Below is the advisory as organisations will see it.",
            ));
            for block in advisory_blocks(a) {
                page.push(block);
            }
        }
        Status::Published => {
            for block in dashboard(&broadcast, now)? {
                page.push(block);
            }
            page.push(
                Form::new(format!("close:{}", a.id), "Close advisory")
                    .title("Close")
                    .field(
                        field_text("summary", "Why it is closed")
                            .required()
                            .max_length(500)
                            .hint("Shown to organisations; a closed advisory cannot be edited."),
                    ),
            );
            page.push(heading(2, "The advisory"));
            for block in advisory_blocks(a) {
                page.push(block);
            }
        }
        Status::Closed => {
            for block in dashboard(&broadcast, now)? {
                page.push(block);
            }
            for block in advisory_blocks(a) {
                page.push(block);
            }
        }
    }
    Ok(page)
}

/// The advisory's responses at a glance (a chart, with its numbers in a table beside it) and in full.
fn dashboard(broadcast: &Broadcast, now: i64) -> Result<Vec<Block>, String> {
    let entries = responses(broadcast, &directory_targets()?)?;
    let t = tally(&entries, now);
    let chart = Chart::new(
        ChartKind::Bar,
        "Organisations by response",
        [
            "Responded",
            "Acknowledged",
            "Awaiting",
            "Not received",
            "Overdue",
        ],
    )
    .series(
        "Organisations",
        [
            t.responded,
            t.acknowledged,
            t.awaiting,
            t.not_received,
            t.overdue,
        ]
        .map(|n| n as f64),
    )
    .unit("organisations");
    let mut table = Table::new("organisations", "Organisations and their responses")
        .column("Organisation")
        .column("Type")
        .column("Region")
        .column("State")
        .column("Acknowledged")
        .column("Applies")
        .column("Plan date")
        .numeric_column("Updates")
        .column("Escalated")
        .csv_export();
    for e in &entries {
        let overdue = e.overdue(now);
        let state = if overdue {
            "Overdue".to_owned()
        } else {
            e.report.state.label().to_owned()
        };
        table = table.row([
            cell(e.organisation.name.clone()),
            cell(kind_label(&e.organisation.kind)),
            cell(e.organisation.region.clone().unwrap_or_default()),
            cell(state).tone(if overdue { Tone::Danger } else { Tone::Neutral }),
            cell(e.report.acknowledged_at.map(date_time).unwrap_or_default())
                .sort_key(e.report.acknowledged_at.unwrap_or(0).to_string()),
            cell(match e.report.applicable {
                Some(true) => "Yes",
                Some(false) => "No",
                None => "",
            }),
            cell(e.report.plan_date.clone().unwrap_or_default()),
            cell(e.report.updates.to_string()),
            cell(e.escalated_at.map(date_time).unwrap_or_default()),
        ]);
    }
    Ok(vec![chart.into(), table.into()])
}

pub fn import_page() -> Page {
    Page::new("Import a CSAF document")
        .block(text(
            "Paste a vendor's CSAF 2.0 advisory (JSON). It becomes a draft with its own RAM number; check it, choose who gets it, then publish.",
        ))
        .block(
            Form::new("csaf", "Import").field(
                field_textarea("csaf", "CSAF 2.0 document")
                    .required()
                    .max_length(advisory::csaf::MAX_CSAF_BYTES as u32),
            ),
        )
}

/// Imports a CSAF document as a draft; the error names what is wrong and where.
pub fn import(json: &[u8], now: i64) -> Result<Result<Broadcast, String>, String> {
    let mut imported = match advisory::csaf::import(json) {
        Ok(a) => a,
        Err(error) => return Ok(Err(error.to_string())),
    };
    imported.id = crate::edit::next_id(now)?;
    imported.created_at = now;
    imported.updated_at = now;
    let mut broadcast = Broadcast {
        revision: 0,
        advisory: imported,
        targeting: Targeting::All,
        audience: Audience::SecurityLeads,
        targets: Vec::new(),
    };
    save(&mut broadcast)?;
    Ok(Ok(broadcast))
}

pub fn import_form(fields: &[(String, String)]) -> Result<FormOutcome, String> {
    let text = param(fields, "csaf").unwrap_or_default();
    match import(text.as_bytes(), clock::now())? {
        Ok(b) => Ok(FormOutcome::done_and_go(
            Some(format!("Imported as {} (a draft).", b.advisory.id)),
            format!("manage?id={}", b.advisory.id),
        )),
        Err(message) => Ok(FormOutcome::invalid("csaf", message)),
    }
}

pub fn publish(id: &str, fields: &[(String, String)]) -> Result<FormOutcome, String> {
    let mut broadcast = load(id)?;
    let now = clock::now();
    let directory = directory_targets()?;
    let targets = broadcast.targeting.resolve(&directory);
    if targets.is_empty() {
        return Ok(FormOutcome::invalid(
            "summary",
            "No organisation matches this advisory's targeting; edit it to choose organisations first.",
        ));
    }
    if let Err(error) = broadcast
        .advisory
        .publish(now, param(fields, "summary").unwrap_or_default())
    {
        return Ok(FormOutcome::invalid("summary", error.to_string()));
    }
    broadcast.targets = targets.iter().map(|t| t.id).collect();
    save(&mut broadcast)?;
    send(&broadcast)?;
    Ok(FormOutcome::done(format!(
        "{} published to {}.",
        broadcast.advisory.id,
        show::organisations(broadcast.targets.len())
    )))
}

pub fn close(id: &str, fields: &[(String, String)]) -> Result<FormOutcome, String> {
    let mut broadcast = load(id)?;
    let now = clock::now();
    if let Err(error) = broadcast
        .advisory
        .close(now, param(fields, "summary").unwrap_or_default())
    {
        return Ok(FormOutcome::invalid("summary", error.to_string()));
    }
    save(&mut broadcast)?;
    send(&broadcast)?;
    Ok(FormOutcome::done(format!(
        "{} closed.",
        broadcast.advisory.id
    )))
}

pub fn requests() -> Result<Page, String> {
    let stored = storage::query_json::<InfoRequest>(&DocumentQuery::new(REQUESTS).limit(500))?;
    let mut page = Page::new("Information requests");
    if stored.is_empty() {
        page.push(text("No organisation has asked for more information yet."));
        return Ok(page);
    }
    let mut table = Table::new("requests", "Questions from organisations")
        .column("Asked")
        .column("Advisory")
        .column("Organisation")
        .column("Question")
        .column("Answer")
        .csv_export();
    for s in stored.iter().rev() {
        let r = &s.value;
        table = table.row([
            cell(date_time(r.asked_at)),
            cell(r.advisory.clone()).link(format!("manage?id={}", r.advisory)),
            cell(r.organisation_name.clone()),
            cell(r.question.clone()),
            cell(r.answer.clone().unwrap_or_else(|| "Waiting".into())).tone(
                if r.answer.is_some() {
                    Tone::Success
                } else {
                    Tone::Warning
                },
            ),
        ]);
    }
    page.push(table);
    for s in stored.iter().filter(|s| s.value.answer.is_none()) {
        let r = &s.value;
        page.push(
            Form::new(format!("answer:{}", s.key), "Send answer")
                .title(format!(
                    "{} asks about {}: “{}”",
                    r.organisation_name, r.advisory, r.question
                ))
                .field(
                    field_textarea("answer", "Answer")
                        .required()
                        .max_length(5000),
                ),
        );
    }
    Ok(page)
}

pub fn answer(key: &str, fields: &[(String, String)]) -> Result<FormOutcome, String> {
    let Some(mut request) = storage::get_json::<InfoRequest>(REQUESTS, key)? else {
        return Err(format!("there is no request {key}"));
    };
    let now = clock::now();
    let text = param(fields, "answer")
        .unwrap_or_default()
        .trim()
        .to_owned();
    request.answer = Some(text.clone());
    request.answered_at = Some(now);
    storage::put_json(
        REQUESTS,
        key,
        &request,
        &[storage::index("state", "answered")],
    )?;
    let reply = Answer {
        advisory: request.advisory.clone(),
        question: request.question.clone(),
        answer: text,
        answered_at: now,
    };
    let payload = serde_json::to_string(&reply).map_err(|e| e.to_string())?;
    events::publish_to(&[request.organisation], topics::ANSWER, &payload)?;
    Ok(FormOutcome::done(format!(
        "Answer sent to {}.",
        request.organisation_name
    )))
}

// ----- events and ticks -----

pub fn handle_event(event: &Event) -> Result<(), String> {
    // Reports sent up by organisations carry the sender, stamped by the host.
    let Some(from) = event.organisation_id else {
        return Ok(());
    };
    match event.topic.as_str() {
        topics::RESPONSE => record_report(from, event.payload_json()?),
        topics::QUESTION => queue_question(from, event.payload_json()?),
        topics::FEED => {
            // The token opens the sender's feed only, whatever else the payload says.
            let feed: FeedToken = event.payload_json()?;
            storage::put_json(FEEDS, &feed.token, &FeedOwner { organisation: from }, &[])?;
            Ok(())
        }
        _ => Ok(()),
    }
}

/// A target's entry as the CERT knows it: stored, or (before the organisation first reported) a new
/// one in state "sent". `None` when the advisory was not sent to that organisation.
fn entry_for(broadcast: &Broadcast, organisation: i64) -> Result<Option<LedgerEntry>, String> {
    if !broadcast.targets.contains(&organisation) {
        return Ok(None);
    }
    let key = LedgerEntry::key(&broadcast.advisory.id, organisation);
    if let Some(mut entry) = find_ledger(&key)? {
        entry.deadline = broadcast.deadline();
        return Ok(Some(entry));
    }
    let target = directory::organisation(organisation)?.map(|o| Target {
        id: o.id,
        name: o.name,
        kind: o.kind,
        region: o.region,
    });
    Ok(Some(new_entry(broadcast, organisation, target)))
}

/// The entry of a target that has not reported yet.
fn new_entry(broadcast: &Broadcast, organisation: i64, target: Option<Target>) -> LedgerEntry {
    let target = target.unwrap_or_else(|| Target {
        id: organisation,
        name: format!("Organisation #{organisation} (no longer in the directory)"),
        kind: "other".into(),
        region: None,
    });
    LedgerEntry {
        revision: 0,
        advisory: broadcast.advisory.id.clone(),
        organisation: target,
        sent_at: broadcast.advisory.published_at.unwrap_or_default(),
        deadline: broadcast.deadline(),
        report: ResponseReport {
            advisory: broadcast.advisory.id.clone(),
            ..ResponseReport::default()
        },
        escalated_at: None,
    }
}

/// Every target's entry: the stored ones, and new ones for those that have not reported yet.
pub fn responses(broadcast: &Broadcast, directory: &[Target]) -> Result<Vec<LedgerEntry>, String> {
    let mut stored: std::collections::HashMap<i64, LedgerEntry> = ledger(&broadcast.advisory.id)?
        .into_iter()
        .map(|e| (e.organisation.id, e))
        .collect();
    Ok(broadcast
        .targets
        .iter()
        .map(|id| match stored.remove(id) {
            Some(mut entry) => {
                entry.deadline = broadcast.deadline();
                entry
            }
            None => new_entry(
                broadcast,
                *id,
                directory.iter().find(|t| t.id == *id).cloned(),
            ),
        })
        .collect())
}

fn record_report(from: i64, report: ResponseReport) -> Result<(), String> {
    let Some(broadcast) = find(&report.advisory)? else {
        log::warn(&format!(
            "organisation {from} reported on unknown advisory {}",
            report.advisory
        ));
        return Ok(());
    };
    // A conflict with the escalation tick fails this delivery, which is retried with the fresh entry.
    let Some(mut entry) = entry_for(&broadcast, from)? else {
        log::warn(&format!(
            "organisation {from} reported on {}, which was not sent to it",
            report.advisory
        ));
        return Ok(());
    };
    // At-least-once and unordered delivery: only a newer state replaces what is known.
    if report.changed_at >= entry.report.changed_at {
        entry.report = report;
        save_ledger(&mut entry)?;
    }
    Ok(())
}

fn queue_question(from: i64, question: Question) -> Result<(), String> {
    let key = format!("{:016}-{from}", question.asked_at);
    let sent = match find(&question.advisory)? {
        Some(broadcast) => entry_for(&broadcast, from)?,
        None => None,
    };
    let Some(entry) = sent else {
        log::warn(&format!(
            "organisation {from} asked about {}, which was not sent to it",
            question.advisory
        ));
        return Ok(());
    };
    let organisation_name = entry.organisation.name;
    let request = InfoRequest {
        advisory: question.advisory.clone(),
        organisation: from,
        organisation_name: organisation_name.clone(),
        question: question.question.clone(),
        asked_by: question.asked_by,
        asked_at: question.asked_at,
        answer: None,
        answered_at: None,
    };
    // The same question delivered twice is stored once.
    match storage::put_json_if(
        REQUESTS,
        &key,
        &request,
        &[storage::index("state", "open")],
        0,
    ) {
        Ok(_) => {}
        Err(StorageError::Conflict(_)) => return Ok(()),
        Err(error) => return Err(error.into()),
    }
    let to = Recipients::Role("cert_analyst".into());
    let title = format!(
        "Question about {} from {organisation_name}",
        question.advisory
    );
    notify::in_app(&to, &title, &question.question, Some("requests"))?;
    Ok(())
}

/// Tells the CERT, once per organisation, when a deadline passes without an acknowledgement.
pub fn escalate_overdue(now: i64) -> Result<(), String> {
    let query = DocumentQuery::new(ADVISORIES)
        .where_index("status", "published")
        .limit(500);
    for stored in storage::query_json::<Broadcast>(&query)? {
        let broadcast = stored.value;
        if broadcast.deadline().is_none_or(|d| now <= d) {
            continue;
        }
        let directory = directory_targets()?;
        let mut late = Vec::new();
        for mut entry in responses(&broadcast, &directory)? {
            if entry.overdue(now) && entry.escalated_at.is_none() {
                entry.escalated_at = Some(now);
                // Changed meanwhile (a report just arrived): the next tick looks again.
                if crate::saved_unless_changed(save_ledger(&mut entry))? {
                    late.push(entry.organisation.name);
                }
            }
        }
        if !late.is_empty() {
            escalate(&broadcast.advisory, &late)?;
        }
    }
    Ok(())
}

fn escalate(advisory: &Advisory, late: &[String]) -> Result<(), String> {
    let to = Recipients::Role("cert_analyst".into());
    let title = format!(
        "{}: {} missed the 48-hour acknowledgement",
        advisory.id,
        show::organisations(late.len())
    );
    let body = format!(
        "Not acknowledged in time: {}.\n\nFollow up with their security leads.",
        late.join(", ")
    );
    notify::in_app(
        &to,
        &title,
        &body,
        Some(&format!("manage?id={}", advisory.id)),
    )?;
    if let Err(error) = notify::email(&to, &title, &body) {
        log::warn(&format!("escalation email not sent: {error}"));
    }
    log::warn(&title);
    Ok(())
}
