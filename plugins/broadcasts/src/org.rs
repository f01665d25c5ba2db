//! An organisation's side, in its own scope: the inbox, reading an advisory, acknowledging, responding,
//! updates, questions to the CERT, the feed address; advisories arriving (notify, email, webhook,
//! training) and reminders before the deadline.

use advisory::{Severity, Status};
use rampart_plugin_sdk::prelude::*;
use serde::Serialize;

use crate::show::{advisory_blocks, date_time, severity_tone};
use crate::{person_name, put_checked, topics, with_revision};
use advisory::distribution::*;

const RESPONDERS: [&str; 2] = ["security_lead", "org_admin"];

fn is_responder(ctx: &CallContext) -> bool {
    ctx.roles.iter().any(|r| RESPONDERS.contains(&r.as_str()))
}

fn find(id: &str) -> Result<Option<InboxItem>, String> {
    Ok(storage::get_stored::<InboxItem>(INBOX, id)?
        .map(|s| with_revision(s, |i, r| i.revision = r)))
}

fn load(id: &str) -> Result<InboxItem, String> {
    find(id)?.ok_or_else(|| format!("your organisation has not received an advisory {id}"))
}

/// Loads an item the caller may see: in the audience, or a responder.
fn visible(ctx: &CallContext, id: &str) -> Result<InboxItem, String> {
    let item = load(id)?;
    if item.audience.includes(&ctx.roles) {
        Ok(item)
    } else {
        Err(format!(
            "{id} was sent to {} only",
            item.audience.label().to_lowercase()
        ))
    }
}

/// Saves the item and reports the organisation's whole response to the CERT.
fn save_and_report(item: &mut InboxItem, now: i64) -> Result<(), String> {
    item.changed_at = now.max(item.changed_at + 1);
    save(item)?;
    let payload = serde_json::to_string(&item.report()).map_err(|e| e.to_string())?;
    events::publish_to_platform(topics::RESPONSE, &payload)?;
    Ok(())
}

/// Saves the item unless it changed since it was read (a new revision arriving while someone responds).
fn save(item: &mut InboxItem) -> Result<(), String> {
    item.revision = put_checked(
        INBOX,
        &item.advisory.id,
        item,
        &[storage::index("state", item.state_index())],
        item.revision,
    )?;
    Ok(())
}

fn inbox_items() -> Result<Vec<InboxItem>, String> {
    let mut items: Vec<InboxItem> =
        storage::query_json::<InboxItem>(&DocumentQuery::new(INBOX).limit(500))?
            .into_iter()
            .map(|s| with_revision(s, |i, r| i.revision = r))
            .collect();
    items.sort_by_key(|i| std::cmp::Reverse(i.received_at));
    Ok(items)
}

// ----- pages -----

pub fn inbox(ctx: &CallContext) -> Result<Page, String> {
    let now = clock::now();
    let items: Vec<InboxItem> = inbox_items()?
        .into_iter()
        .filter(|i| i.audience.includes(&ctx.roles))
        .collect();
    let mut page = Page::new("Advisories");
    let waiting: Vec<&InboxItem> = items.iter().filter(|i| i.needs_acknowledgement()).collect();
    if !waiting.is_empty() {
        let list: Vec<String> = waiting
            .iter()
            .map(|i| {
                let deadline = i.deadline.map(date_time).unwrap_or_default();
                let late = if i.overdue(now) {
                    " — **overdue**"
                } else {
                    ""
                };
                format!(
                    "- [{}: {}](advisory?id={}) — acknowledge by {deadline}{late}",
                    i.advisory.id, i.advisory.title, i.advisory.id
                )
            })
            .collect();
        page.push(notice(
            Tone::Danger,
            format!(
                "{} high or critical {} need{} acknowledging by your security lead",
                waiting.len(),
                if waiting.len() == 1 {
                    "advisory"
                } else {
                    "advisories"
                },
                if waiting.len() == 1 { "s" } else { "" }
            ),
            list.join("\n"),
        ));
    }
    let unread = ctx.user_id.map_or(0, |me| {
        items.iter().filter(|i| !i.read_by.contains(&me)).count()
    });
    page.push(summary([
        ("Unread", unread.to_string()),
        ("Received", items.len().to_string()),
    ]));
    if items.is_empty() {
        page.push(text(
            "Your organisation has not received any advisories yet.",
        ));
        return Ok(page);
    }
    let mut table = Table::new("inbox", "Advisories received, newest first")
        .column("Advisory")
        .column("Title")
        .column("Severity")
        .column("Received")
        .column("Acknowledge by")
        .column("State")
        .column("New");
    for i in &items {
        let unread = ctx.user_id.is_some_and(|me| !i.read_by.contains(&me));
        let state = if i.overdue(now) {
            "Overdue".to_owned()
        } else if i.advisory.status == Status::Closed {
            "Closed by the CERT".to_owned()
        } else {
            i.state().label().to_owned()
        };
        table = table.row([
            cell(i.advisory.id.clone()).link(format!("advisory?id={}", i.advisory.id)),
            cell(i.advisory.title.clone()),
            cell(i.advisory.severity.label())
                .tone(severity_tone(i.advisory.severity))
                .sort_key((i.advisory.severity as u8).to_string()),
            cell(date_time(i.received_at)).sort_key(i.received_at.to_string()),
            cell(
                i.deadline
                    .map(date_time)
                    .unwrap_or_else(|| "Not required".into()),
            ),
            cell(state).tone(if i.overdue(now) {
                Tone::Danger
            } else {
                Tone::Neutral
            }),
            cell(if unread { "New" } else { "" }),
        ]);
    }
    page.push(table);
    if is_responder(ctx) {
        page.push(links([link("Feeds and webhooks", "feeds")]));
    }
    Ok(page)
}

pub fn advisory(ctx: &CallContext, id: &str) -> Result<Page, String> {
    let mut item = visible(ctx, id)?;
    let now = clock::now();
    if let Some(me) = ctx.user_id
        && !item.read_by.contains(&me)
    {
        item.read_by.push(me);
        // A read marker is not worth failing the page for: if the item changed meanwhile, show the
        // newest and mark it next time.
        if let Err(error) = save(&mut item) {
            if error != crate::CHANGED_MEANWHILE {
                return Err(error);
            }
            item = load(id)?;
        }
    }
    let a = &item.advisory;
    let mut page = Page::new(format!("{}: {}", a.id, a.title));
    if a.status == Status::Closed {
        page.push(notice(
            Tone::Info,
            "Closed by the CERT",
            "No further action is asked for.",
        ));
    }
    if item.needs_acknowledgement() {
        let deadline = item.deadline.map(date_time).unwrap_or_default();
        let (tone, title) = if item.overdue(now) {
            (
                Tone::Danger,
                format!("Overdue: acknowledgement was due by {deadline}"),
            )
        } else {
            (
                Tone::Warning,
                format!("Your security lead must acknowledge this by {deadline}"),
            )
        };
        page.push(notice(tone, title, "High and critical advisories are acknowledged within 48 hours, then answered: does it apply, what has been done, and the plan."));
    }
    let responder = is_responder(ctx) && a.status != Status::Closed && item.completed.is_none();
    if responder {
        if item.acknowledged.is_none() {
            page.push(
                Form::new(format!("acknowledge:{}", a.id), "Acknowledge").field(
                    field_checkbox(
                        "confirm",
                        "I have read this advisory and will lead our response",
                    )
                    .required(),
                ),
            );
        } else if item.response.is_none() {
            page.push(response_form(&a.id));
        }
    }
    for block in advisory_blocks(a) {
        page.push(block);
    }
    page.push(heading(2, "Your organisation's response"));
    page.push(timeline(history(&item)));
    if responder && item.response.is_some() {
        page.push(
            Form::new(format!("update:{}", a.id), "Add update")
                .title("Progress update")
                .field(
                    field_textarea("text", "What has changed")
                        .required()
                        .max_length(5000),
                ),
        );
        page.push(
            Form::new(format!("complete:{}", a.id), "Mark as completed")
                .title("Completed")
                .field(
                    field_text("text", "How it ended")
                        .required()
                        .max_length(1000)
                        .hint("Remediated, accepted the risk, not applicable …"),
                ),
        );
    }
    if is_responder(ctx) {
        page.push(
            Form::new(format!("question:{}", a.id), "Ask the CERT")
                .title("Need more information?")
                .field(
                    field_textarea("question", "Your question")
                        .required()
                        .max_length(2000),
                ),
        );
    }
    page.push(links([link(
        "Download as CSAF 2.0",
        format!("/p/broadcasts/csaf/{}.json", a.id),
    )]));
    Ok(page)
}

fn response_form(id: &str) -> Form {
    Form::new(format!("respond:{id}"), "Send response")
        .title("Respond")
        .field(
            field_radio(
                "applicable",
                "Does it apply to your organisation?",
                [
                    choice("yes", "Yes, we use affected products or are exposed"),
                    choice("no", "No"),
                ],
            )
            .required(),
        )
        .field(
            field_textarea("actions", "Actions taken so far")
                .required()
                .max_length(5000),
        )
        .field(
            field_textarea("plan", "Remediation plan")
                .max_length(5000)
                .hint("Leave blank when it does not apply."),
        )
        .field(field_date("plan_date", "Remediation due").hint("When the plan will be done."))
}

fn history(item: &InboxItem) -> Vec<TimelineEntry> {
    let mut entries = vec![timeline_entry(item.received_at, "Received", Tone::Info)];
    if let Some(s) = &item.acknowledged {
        entries.push(timeline_entry(
            s.at,
            format!("Acknowledged by {}", s.by),
            Tone::Success,
        ));
    }
    if let Some(r) = &item.response {
        let applies = if r.applicable {
            "Applies"
        } else {
            "Does not apply"
        };
        let mut body = format!("**{applies}.** {}", r.actions);
        if !r.plan.is_empty() {
            body.push_str(&format!("\n\nPlan: {}", r.plan));
        }
        if let Some(d) = &r.plan_date {
            body.push_str(&format!(" (by {d})"));
        }
        entries.push(
            timeline_entry(r.at, format!("Response from {}", r.by), Tone::Success).body(body),
        );
    }
    for n in &item.updates {
        entries.push(
            timeline_entry(n.at, format!("Update from {}", n.by), Tone::Neutral)
                .body(n.text.clone()),
        );
    }
    for q in &item.questions {
        entries.push(
            timeline_entry(
                q.asked_at,
                format!("{} asked the CERT", q.asked_by),
                Tone::Neutral,
            )
            .body(q.question.clone()),
        );
        if let (Some(answer), Some(at)) = (&q.answer, q.answered_at) {
            entries.push(timeline_entry(at, "The CERT answered", Tone::Info).body(answer.clone()));
        }
    }
    if let Some(s) = &item.completed {
        entries.push(timeline_entry(
            s.at,
            format!("Completed by {}", s.by),
            Tone::Success,
        ));
    }
    entries.sort_by_key(|e| e.at);
    entries
}

pub fn feeds(ctx: &CallContext) -> Result<Page, String> {
    let token = storage::get_json::<FeedToken>(SETTINGS, "feed")?;
    let mut page = Page::new("Advisory feeds");
    match &token {
        Some(t) => page.push(summary([(
            "Your organisation's feed",
            format!(
                "{}/p/broadcasts/public/orgs/{}/feed.atom",
                ctx.base_url, t.token
            ),
        )])),
        None => page.push(text("Your organisation has no feed address yet.")),
    }
    page.push(text(
        "The feed lists every advisory sent to your organisation, whatever its sharing level. Keep the address private: anyone with it can read the feed. Making a new address stops the old one.",
    ));
    page.push(Form::new(
        "feed",
        if token.is_some() {
            "Make a new address"
        } else {
            "Make a feed address"
        },
    ));
    page.push(heading(2, "Public feed"));
    page.push(links([link(
        "Advisories cleared for everyone (TLP:CLEAR)",
        "/p/broadcasts/public/feed.atom",
    )]));
    page.push(heading(2, "Webhook"));
    page.push(text(
        "When your platform admin has set a webhook address for your organisation, every advisory is also posted there as JSON (event broadcasts.advisory), signed with your webhook secret.",
    ));
    Ok(page)
}

// ----- forms -----

fn not_found(id: &str) -> FormOutcome {
    FormOutcome::done(format!("{id} is not in your inbox."))
}

fn only_responders(ctx: &CallContext) -> Result<(), String> {
    if is_responder(ctx) {
        Ok(())
    } else {
        Err("only your security lead or organisation admin can respond to advisories".into())
    }
}

/// A responder's change to an open item: loads it (or says why it cannot be changed), applies `change`
/// with the time and the responder's name, saves it, reports the new state to the CERT and shows the
/// message `change` returned. `change` may instead refuse with a form outcome, and nothing is saved.
fn change_open_item(
    ctx: &CallContext,
    id: &str,
    change: impl FnOnce(&mut InboxItem, Stamp) -> Result<String, FormOutcome>,
) -> Result<FormOutcome, String> {
    only_responders(ctx)?;
    let Some(mut item) = find(id)? else {
        return Ok(not_found(id));
    };
    if item.advisory.status == Status::Closed || item.completed.is_some() {
        return Ok(FormOutcome::done(format!(
            "{id} is closed; nothing was changed."
        )));
    }
    let now = clock::now();
    let stamp = Stamp {
        at: now,
        by: person_name(ctx),
    };
    match change(&mut item, stamp) {
        Ok(message) => {
            save_and_report(&mut item, now)?;
            Ok(FormOutcome::done(message))
        }
        Err(refused) => Ok(refused),
    }
}

fn text_field(fields: &[(String, String)], name: &str) -> String {
    param(fields, name).unwrap_or_default().trim().to_owned()
}

pub fn acknowledge(ctx: &CallContext, id: &str) -> Result<FormOutcome, String> {
    change_open_item(ctx, id, |item, stamp| {
        if item.acknowledged.is_some() {
            return Err(FormOutcome::done(format!("{id} was already acknowledged.")));
        }
        item.acknowledged = Some(stamp);
        Ok(format!(
            "{id} acknowledged. Now tell the CERT whether it applies."
        ))
    })
}

pub fn respond(
    ctx: &CallContext,
    id: &str,
    fields: &[(String, String)],
) -> Result<FormOutcome, String> {
    let applicable = param(fields, "applicable") == Some("yes");
    let plan = text_field(fields, "plan");
    let plan_date = Some(text_field(fields, "plan_date")).filter(|d| !d.is_empty());
    let mut errors = Vec::new();
    if applicable && plan.is_empty() {
        errors.push(FieldError {
            field: "plan".into(),
            message: "It applies, so say how you will fix it.".into(),
        });
    }
    if applicable && plan_date.is_none() {
        errors.push(FieldError {
            field: "plan_date".into(),
            message: "It applies, so give the date the plan will be done.".into(),
        });
    }
    if !errors.is_empty() {
        return Ok(FormOutcome::Invalid(errors));
    }
    change_open_item(ctx, id, |item, stamp| {
        // Responding is also acknowledging.
        item.acknowledged.get_or_insert_with(|| stamp.clone());
        item.response = Some(Response {
            applicable,
            actions: text_field(fields, "actions"),
            plan,
            plan_date,
            at: stamp.at,
            by: stamp.by,
        });
        Ok("Response sent to the CERT.".into())
    })
}

pub fn add_update(
    ctx: &CallContext,
    id: &str,
    fields: &[(String, String)],
) -> Result<FormOutcome, String> {
    change_open_item(ctx, id, |item, stamp| {
        item.updates.push(Note {
            at: stamp.at,
            by: stamp.by,
            text: text_field(fields, "text"),
        });
        Ok("Update sent to the CERT.".into())
    })
}

pub fn complete(
    ctx: &CallContext,
    id: &str,
    fields: &[(String, String)],
) -> Result<FormOutcome, String> {
    change_open_item(ctx, id, |item, stamp| {
        item.updates.push(Note {
            at: stamp.at,
            by: stamp.by.clone(),
            text: text_field(fields, "text"),
        });
        item.completed = Some(stamp);
        Ok(format!("{id} marked as completed."))
    })
}

pub fn ask(
    ctx: &CallContext,
    id: &str,
    fields: &[(String, String)],
) -> Result<FormOutcome, String> {
    only_responders(ctx)?;
    let Some(mut item) = find(id)? else {
        return Ok(not_found(id));
    };
    let now = clock::now();
    let question = Question {
        advisory: id.to_owned(),
        question: param(fields, "question")
            .unwrap_or_default()
            .trim()
            .to_owned(),
        asked_by: person_name(ctx),
        asked_at: now,
    };
    item.questions.push(Answerable {
        question: question.question.clone(),
        asked_by: question.asked_by.clone(),
        asked_at: now,
        answer: None,
        answered_at: None,
    });
    save(&mut item)?;
    let payload = serde_json::to_string(&question).map_err(|e| e.to_string())?;
    events::publish_to_platform(topics::QUESTION, &payload)?;
    Ok(FormOutcome::done(
        "Your question is with the CERT. The answer will appear here.",
    ))
}

pub fn new_feed() -> Result<FormOutcome, String> {
    let mut bytes = [0u8; 24];
    getrandom::fill(&mut bytes).map_err(|e| format!("no randomness for a feed address: {e}"))?;
    let token: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let feed = FeedToken { token };
    storage::put_json(SETTINGS, "feed", &feed, &[])?;
    let payload = serde_json::to_string(&feed).map_err(|e| e.to_string())?;
    events::publish_to_platform(topics::FEED, &payload)?;
    Ok(FormOutcome::done(
        "New feed address made. The old one, if any, no longer works.",
    ))
}

// ----- events -----

pub fn handle_event(ctx: &CallContext, event: &Event) -> Result<(), String> {
    match event.topic.as_str() {
        topics::ADVISORY => receive(ctx, event.payload_json()?),
        topics::ANSWER => take_answer(event.payload_json()?),
        _ => Ok(()),
    }
}

/// What an organisation's webhook receives.
#[derive(Serialize)]
struct WebhookAdvisory<'a> {
    id: &'a str,
    title: &'a str,
    summary: &'a str,
    severity: Severity,
    status: Status,
    revision: u32,
    cves: &'a [String],
    acknowledge_by: Option<String>,
    link: String,
}

fn receive(ctx: &CallContext, delivery: Delivery) -> Result<(), String> {
    let now = clock::now();
    let id = delivery.advisory.id.clone();
    let existing = find(&id)?;
    let first = existing.is_none();
    let mut item = match existing {
        Some(mut item) => {
            // Deliveries may repeat or arrive out of order: keep the newest revision.
            if (delivery.advisory.version(), delivery.advisory.status as u8)
                < (item.advisory.version(), item.advisory.status as u8)
            {
                return Ok(());
            }
            if delivery.advisory.version() == item.advisory.version()
                && delivery.advisory.status == item.advisory.status
            {
                return Ok(());
            }
            item.advisory = delivery.advisory;
            item.deadline = delivery.deadline;
            item.audience = delivery.audience;
            item.read_by.clear();
            item
        }
        None => InboxItem {
            revision: 0,
            advisory: delivery.advisory,
            audience: delivery.audience,
            received_at: now,
            deadline: delivery.deadline,
            acknowledged: None,
            response: None,
            updates: Vec::new(),
            questions: Vec::new(),
            completed: None,
            reminded_at: None,
            overdue_notified_at: None,
            read_by: Vec::new(),
            changed_at: now,
        },
    };
    save_and_report(&mut item, now)?;
    // Looked up once for every channel and the training.
    let audience = audience_recipients(item.audience);
    tell_audience(ctx, &item, first, &audience);
    if first {
        assign_training(&item, now, &audience);
    }
    Ok(())
}

/// The audience as recipients: everyone, or the people holding the audience's roles (once each).
fn audience_recipients(audience: Audience) -> Recipients {
    match audience.roles() {
        None => Recipients::Everyone,
        Some(roles) => {
            let mut ids: Vec<i64> = roles
                .iter()
                .chain(["org_admin"].iter())
                .filter_map(|role| directory::users_with_role(role).ok())
                .flatten()
                .map(|p| p.id)
                .collect();
            ids.sort_unstable();
            ids.dedup();
            Recipients::Users(ids)
        }
    }
}

/// In-app, email and webhook. A channel the organisation has not granted is skipped and logged: the
/// advisory is in the inbox either way.
fn tell_audience(ctx: &CallContext, item: &InboxItem, first: bool, to: &Recipients) {
    let a = &item.advisory;
    let what = match (first, a.status) {
        (_, Status::Closed) => "closed",
        (true, _) => "new",
        (false, _) => "updated",
    };
    let title = format!(
        "{} {} advisory {}: {}",
        advisory::distribution::severity_tag(a.severity),
        what,
        a.id,
        a.title
    );
    let deadline = item
        .deadline
        .filter(|_| item.needs_acknowledgement())
        .map(|d| {
            format!(
                "\n\nYour security lead must acknowledge it by {}.",
                date_time(d)
            )
        })
        .unwrap_or_default();
    let body = format!("{}{deadline}", a.summary);
    let link = format!("advisory?id={}", a.id);
    // A new high or critical advisory is a banner on every page until each person opens it.
    let urgent = first && a.severity.requires_acknowledgement() && a.status != Status::Closed;
    let told = if urgent {
        notify::alert(to, &title, &body, Some(&link))
    } else {
        notify::in_app(to, &title, &body, Some(&link))
    };
    if let Err(error) = told {
        log::warn(&format!("{}: in-app notice not sent: {error}", a.id));
    }
    let email = format!(
        "{body}\n\nRead it and respond: {}/plugins/broadcasts/advisory?id={}\n",
        ctx.base_url, a.id
    );
    if let Err(error) = notify::email(to, &title, &email) {
        log::warn(&format!("{}: email not sent: {error}", a.id));
    }
    let hook = WebhookAdvisory {
        id: &a.id,
        title: &a.title,
        summary: &a.summary,
        severity: a.severity,
        status: a.status,
        revision: a.version(),
        cves: &a.cves,
        acknowledge_by: item.deadline.map(advisory::rfc3339),
        link: format!("{}/plugins/broadcasts/advisory?id={}", ctx.base_url, a.id),
    };
    match serde_json::to_string(&hook) {
        Ok(payload) => {
            if let Err(error) = notify::webhook(topics::ADVISORY, &payload) {
                log::info(&format!("{}: webhook not posted: {error}", a.id));
            }
        }
        Err(error) => log::warn(&format!("{}: webhook payload: {error}", a.id)),
    }
}

fn assign_training(item: &InboxItem, now: i64, to: &Recipients) {
    let Some(course) = &item.advisory.course else {
        return;
    };
    let due = item.deadline.unwrap_or(now + TRAINING_DUE_MS);
    let reason = format!(
        "Training for advisory {}: {}",
        item.advisory.id, item.advisory.title
    );
    match training::assign(course, to, Some(due), &reason) {
        Ok(n) => log::info(&format!(
            "{}: {course} assigned to {n} people",
            item.advisory.id
        )),
        Err(error) => log::warn(&format!(
            "{}: training not assigned: {error}",
            item.advisory.id
        )),
    }
}

fn take_answer(answer: Answer) -> Result<(), String> {
    let Some(mut item) = find(&answer.advisory)? else {
        return Ok(());
    };
    let Some(question) = item
        .questions
        .iter_mut()
        .find(|q| q.question == answer.question && q.answer.is_none())
    else {
        return Ok(());
    };
    question.answer = Some(answer.answer.clone());
    question.answered_at = Some(answer.answered_at);
    save(&mut item)?;
    let to = audience_recipients(Audience::SecurityLeads);
    let title = format!("The CERT answered your question about {}", answer.advisory);
    let _ = notify::in_app(
        &to,
        &title,
        &answer.answer,
        Some(&format!("advisory?id={}", answer.advisory)),
    );
    Ok(())
}

// ----- ticks -----

/// Reminds security leads before the deadline, and tells them when it has passed (the CERT is told by
/// its own tick).
pub fn remind(now: i64) -> Result<(), String> {
    let open = storage::query_json::<InboxItem>(
        &DocumentQuery::new(INBOX)
            .where_index("state", "open")
            .limit(500),
    )?;
    // Security leads and admins, looked up once, and only if someone needs reminding.
    let mut leads: Option<Recipients> = None;
    for stored in open {
        let mut item = with_revision(stored, |i, r| i.revision = r);
        let Some(deadline) = item.deadline.filter(|_| item.needs_acknowledgement()) else {
            continue;
        };
        let to: &Recipients =
            leads.get_or_insert_with(|| audience_recipients(Audience::SecurityLeads));
        let a = item.advisory.clone();
        if now > deadline && item.overdue_notified_at.is_none() {
            item.overdue_notified_at = Some(now);
            if !crate::saved_unless_changed(save(&mut item))? {
                continue;
            }
            let title = format!("Overdue: {} was not acknowledged within 48 hours", a.id);
            let body = format!(
                "It was due by {}. The national CERT has been told. Acknowledge it now.",
                date_time(deadline)
            );
            let _ = notify::in_app(to, &title, &body, Some(&format!("advisory?id={}", a.id)));
            let _ = notify::email(to, &title, &body);
        } else if now >= deadline - REMIND_BEFORE_MS
            && now <= deadline
            && item.reminded_at.is_none()
        {
            item.reminded_at = Some(now);
            if !crate::saved_unless_changed(save(&mut item))? {
                continue;
            }
            let title = format!("Reminder: acknowledge {} by {}", a.id, date_time(deadline));
            let body = format!("{}: {}\n\n{}", a.id, a.title, a.summary);
            let _ = notify::in_app(to, &title, &body, Some(&format!("advisory?id={}", a.id)));
            let _ = notify::email(to, &title, &body);
        }
    }
    Ok(())
}
