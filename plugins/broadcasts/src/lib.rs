//! Broadcasts: national threat advisories for health and care organisations.
//!
//! The national CERT (analysts with the `cert_analyst` role, who belong to no organisation, so their
//! calls run in the platform scope) writes advisories, previews and publishes them to organisations
//! chosen by type, region or name, updates them in numbered revisions and closes them. Each targeted
//! organisation that turned the plugin on gets the advisory in its inbox, with in-app notifications,
//! email and its signed webhook for its audience (security leads, IT staff or everyone); a named course
//! is assigned to that audience as just-in-time training. High and critical advisories must be
//! acknowledged by the security lead within 48 hours, then answered (applies or not, actions, plan),
//! with updates until completed; reminders go before the deadline and the CERT is told when it passes.
//! Organisations can ask the CERT for more information. Advisories export as CSAF 2.0 and import from
//! vendors' CSAF documents; Atom feeds serve each organisation (by a secret address) and the public
//! (TLP:CLEAR advisories only).
//!
//! Only the public plugin API is used: storage for state, events between the CERT and organisations
//! (`publish-to` down, `publish-to-platform` up), notify, directory and training.

use rampart_plugin_sdk::prelude::*;

mod cert;
mod edit;
mod org;
mod routes;
mod show;

/// Event topics between the CERT (platform scope) and organisations.
pub mod topics {
    /// CERT → organisation: an advisory published, updated or closed ([`advisory::distribution::Delivery`]).
    pub const ADVISORY: &str = "broadcasts.advisory";
    /// CERT → organisation: the answer to a question ([`advisory::distribution::Answer`]).
    pub const ANSWER: &str = "broadcasts.answer";
    /// Organisation → CERT: the organisation's whole response so far ([`advisory::distribution::ResponseReport`]).
    pub const RESPONSE: &str = "broadcasts.response";
    /// Organisation → CERT: a request for more information ([`advisory::distribution::Question`]).
    pub const QUESTION: &str = "broadcasts.question";
    /// Organisation → CERT: the organisation's feed token ([`advisory::distribution::FeedOwner`] is keyed by it).
    pub const FEED: &str = "broadcasts.feed";
}

/// This plugin's name: events from any other source are ignored.
pub const NAME: &str = "broadcasts";

struct Broadcasts;

impl Plugin for Broadcasts {
    fn describe() -> PluginInfo {
        PluginInfo::new(NAME, env!("CARGO_PKG_VERSION"), "Broadcasts")
            .description(
                "Threat advisories from the national CERT: targeted to organisations, acknowledged \
                 within 48 hours when severe, acted on and reported back.",
            )
            .capability("events.cross-organisation")
            .capability("events.platform")
            .capability("notify.in-app")
            .capability("notify.email")
            .capability("notify.webhook")
            .capability("directory.read")
            .capability("training.assign")
            .page(PageInfo::new("inbox", "Advisories").in_menu())
            .page(PageInfo::new("advisory", "Advisory"))
            .page(PageInfo::new("feeds", "Advisory feeds").roles(["security_lead", "org_admin"]))
            .page(
                PageInfo::new("cert", "CERT desk")
                    .in_menu()
                    .roles(["cert_analyst"]),
            )
            .page(PageInfo::new("edit", "Write an advisory").roles(["cert_analyst"]))
            .page(PageInfo::new("manage", "Manage an advisory").roles(["cert_analyst"]))
            .page(PageInfo::new("import", "Import CSAF").roles(["cert_analyst"]))
            .page(PageInfo::new("requests", "Information requests").roles(["cert_analyst"]))
            .subscribe("broadcasts.*")
            .tick_every(300)
    }

    fn render_page(
        ctx: CallContext,
        page: String,
        query: Vec<(String, String)>,
    ) -> Result<Page, String> {
        let id = param(&query, "id").unwrap_or_default();
        match (is_platform(&ctx), page.as_str()) {
            (true, "cert") => cert::desk(&ctx),
            (true, "edit") => edit::page(&ctx, id),
            (true, "manage") => cert::manage(&ctx, id),
            (true, "import") => Ok(cert::import_page()),
            (true, "requests") => cert::requests(),
            (true, "inbox" | "advisory" | "feeds") => Ok(cert::national_staff_note()),
            (false, "inbox") => org::inbox(&ctx),
            (false, "advisory") => org::advisory(&ctx, id),
            (false, "feeds") => org::feeds(&ctx),
            (false, "cert" | "edit" | "manage" | "import" | "requests") => {
                Err("this page is for the national CERT's analysts".into())
            }
            _ => Err(format!("no such page: {page}")),
        }
    }

    /// Form ids carry what they act on after a colon (`acknowledge:RAM-2026-0042`), because a submitted
    /// form holds only its declared fields.
    fn submit_form(
        ctx: CallContext,
        page: String,
        form: String,
        fields: Vec<(String, String)>,
    ) -> Result<FormOutcome, String> {
        let (name, subject) = form.split_once(':').unwrap_or((form.as_str(), ""));
        let outcome = Self::dispatch_form(&ctx, &page, name, subject, &fields)?;
        // Back to the advisory the form was about: the host returns to the bare page otherwise.
        Ok(match outcome {
            FormOutcome::Done((message, None))
                if matches!(page.as_str(), "manage" | "advisory") =>
            {
                FormOutcome::Done((message, Some(format!("{page}?id={subject}"))))
            }
            other => other,
        })
    }

    fn handle_request(ctx: CallContext, request: HttpRequest) -> Result<HttpResponse, String> {
        routes::handle(&ctx, &request)
    }

    fn handle_event(ctx: CallContext, event: Event) -> Result<(), String> {
        if event.source != NAME {
            log::warn(&format!(
                "ignored {} from {}: only broadcasts itself sends these",
                event.topic, event.source
            ));
            return Ok(());
        }
        if is_platform(&ctx) {
            cert::handle_event(&event)
        } else {
            org::handle_event(&ctx, &event)
        }
    }

    fn tick(ctx: CallContext, now: i64) -> Result<(), String> {
        if is_platform(&ctx) {
            cert::escalate_overdue(now)
        } else {
            org::remind(now)
        }
    }
}

impl Broadcasts {
    /// Runs the form `name` about `subject` (an advisory id, a request key, or nothing).
    fn dispatch_form(
        ctx: &CallContext,
        page: &str,
        name: &str,
        subject: &str,
        fields: &[(String, String)],
    ) -> Result<FormOutcome, String> {
        if is_platform(ctx) {
            if !ctx.roles.iter().any(|r| r == "cert_analyst") {
                return Err("only the national CERT's analysts change advisories".into());
            }
            match (page, name) {
                ("edit", "advisory") => edit::submit(subject, fields),
                ("manage", "publish") => cert::publish(subject, fields),
                ("manage", "close") => cert::close(subject, fields),
                ("import", "csaf") => cert::import_form(fields),
                ("requests", "answer") => cert::answer(subject, fields),
                _ => Err(format!("no such form: {page}/{name}")),
            }
        } else {
            match (page, name) {
                ("advisory", "acknowledge") => org::acknowledge(ctx, subject),
                ("advisory", "respond") => org::respond(ctx, subject, fields),
                ("advisory", "update") => org::add_update(ctx, subject, fields),
                ("advisory", "complete") => org::complete(ctx, subject, fields),
                ("advisory", "question") => org::ask(ctx, subject, fields),
                ("feeds", "feed") => org::new_feed(),
                _ => Err(format!("no such form: {page}/{name}")),
            }
        }
    }
}

/// What a write says when someone else changed the same document since it was read.
pub const CHANGED_MEANWHILE: &str = "someone else changed this at the same moment; nothing was saved — reload the page and try again";

/// Writes `value` only if the stored revision is still `expected` (0: it must not exist yet); returns
/// the new revision, or [`CHANGED_MEANWHILE`].
fn put_checked<T: serde::Serialize>(
    collection: &str,
    key: &str,
    value: &T,
    indexes: &[IndexEntry],
    expected: u64,
) -> Result<u64, String> {
    match storage::put_json_if(collection, key, value, indexes, expected) {
        Ok(revision) => Ok(revision),
        Err(StorageError::Conflict(_)) => Err(CHANGED_MEANWHILE.into()),
        Err(error) => Err(error.into()),
    }
}

/// `Ok(true)` when the write happened, `Ok(false)` when the document changed meanwhile (a tick then
/// leaves it for next time), the error otherwise.
fn saved_unless_changed(result: Result<(), String>) -> Result<bool, String> {
    match result {
        Ok(()) => Ok(true),
        Err(error) if error == CHANGED_MEANWHILE => Ok(false),
        Err(error) => Err(error),
    }
}

/// A stored document with its revision kept in the value, for [`put_checked`].
fn with_revision<T>(stored: storage::Stored<T>, set: impl FnOnce(&mut T, u64)) -> T {
    let mut value = stored.value;
    set(&mut value, stored.revision);
    value
}

/// The CERT's side: calls without an organisation.
fn is_platform(ctx: &CallContext) -> bool {
    ctx.organisation_id.is_none()
}

/// A person's name for stamps and logs: from the directory, or their user number.
fn person_name(ctx: &CallContext) -> String {
    let Some(id) = ctx.user_id else {
        return "the system".into();
    };
    [
        "security_lead",
        "org_admin",
        "it_staff",
        "cert_analyst",
        "learner",
    ]
    .iter()
    .filter(|role| ctx.roles.iter().any(|r| r == *role))
    .find_map(|role| {
        directory::users_with_role(role)
            .ok()?
            .into_iter()
            .find(|p| p.id == id)
            .map(|p| p.name)
    })
    .unwrap_or_else(|| format!("user #{id}"))
}

/// Field errors from the domain crate as the form shows them: `products[2].vendor` → `products`.
fn form_errors(errors: &[advisory::FieldError]) -> FormOutcome {
    let mut shown: Vec<FieldError> = Vec::new();
    for error in errors {
        let field = error
            .field
            .split(['[', '.'])
            .next()
            .unwrap_or(&error.field)
            .to_owned();
        let message = if field == error.field {
            error.message.clone()
        } else {
            format!("{}: {}", error.field, error.message)
        };
        match shown.iter_mut().find(|e| e.field == field) {
            Some(existing) => {
                existing.message.push_str("; ");
                existing.message.push_str(&message);
            }
            None => shown.push(FieldError { field, message }),
        }
    }
    FormOutcome::Invalid(shown)
}

export_plugin!(Broadcasts);
