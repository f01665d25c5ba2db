//! Hello: a Rampart plugin.
//!
//! What it shows, one of each:
//! - a page (`home`, in the site menu) with a heading, Markdown, a table of notes (sortable, with a CSV
//!   download) and a form to add one;
//! - storage: each note is a JSON document in the collection `notes`, indexed by its author;
//! - an event handler: it counts `course.completed` events, each one once however often it is delivered;
//! - a JSON route: `GET /p/hello/notes` returns the notes.
//!
//! Build with `cargo build --target wasm32-wasip2 --release`; the plugin is
//! `target/wasm32-wasip2/release/hello.wasm`.

use rampart_plugin_sdk::prelude::*;
use rampart_plugin_sdk::storage::Stored;
use serde::{Deserialize, Serialize};

/// The collection of notes; a note's key is the time it was written, so key order is time order.
const NOTES: &str = "notes";
/// One document per `course.completed` event seen, keyed by the event's id.
const COMPLETIONS: &str = "completions";
/// The longest note, in characters (the host enforces it before `submit_form` is called).
const MAX_NOTE: u32 = 500;

/// A note as it is stored.
#[derive(Serialize, Deserialize)]
struct Note {
    text: String,
    /// The user who wrote it.
    author: Option<i64>,
    /// Unix milliseconds.
    created_at: i64,
}

/// A note as `GET /p/hello/notes` returns it.
#[derive(Serialize)]
struct NoteJson<'a> {
    id: &'a str,
    text: &'a str,
    author: Option<i64>,
    created_at: i64,
}

struct App;

impl Plugin for App {
    fn describe() -> PluginInfo {
        PluginInfo::new("hello", env!("CARGO_PKG_VERSION"), "Hello")
            .description("Notes for your organisation, and a count of completed courses.")
            .page(PageInfo::new("home", "Hello").in_menu())
            // Engine topics (`course.*`, `learner.*`, `engine.*`) reach only plugins granted this.
            .capability("events.engine")
            .subscribe("course.completed")
    }

    fn render_page(
        ctx: CallContext,
        page: String,
        _query: Vec<(String, String)>,
    ) -> Result<Page, String> {
        match page.as_str() {
            "home" => home(&ctx),
            _ => Err(format!("no such page: {page}")),
        }
    }

    fn submit_form(
        ctx: CallContext,
        page: String,
        form: String,
        fields: Vec<(String, String)>,
    ) -> Result<FormOutcome, String> {
        if page != "home" || form != "add-note" {
            return Err(format!("no such form: {page}/{form}"));
        }
        // The host has checked that `text` is present and not too long; blank is still possible.
        let text = param(&fields, "text").unwrap_or_default().trim();
        if text.is_empty() {
            return Ok(FormOutcome::invalid("text", "Write something first."));
        }
        let now = clock::now();
        let note = Note {
            text: text.to_string(),
            author: ctx.user_id,
            created_at: now,
        };
        let indexes = [storage::index("author", author_key(&ctx))];
        // Expected revision 0 means "must not exist yet": two notes written in the same millisecond get
        // two keys instead of one overwriting the other.
        let mut at = now;
        loop {
            match storage::put_json_if(NOTES, &format!("{at:016}"), &note, &indexes, 0) {
                Ok(_) => break,
                Err(StorageError::Conflict(_)) => at += 1,
                Err(error) => return Err(error.into()),
            }
        }
        log::info("a note was added");
        Ok(FormOutcome::done("Note added."))
    }

    fn handle_event(_ctx: CallContext, event: Event) -> Result<(), String> {
        if event.topic != "course.completed" {
            return Ok(());
        }
        // Delivery is at least once. Recording the event under its id, only if it is not there yet,
        // makes a second delivery change nothing.
        match storage::put_json_if(
            COMPLETIONS,
            &event.id.to_string(),
            &event.published_at,
            &[],
            0,
        ) {
            Ok(_) | Err(StorageError::Conflict(_)) => Ok(()),
            Err(error) => Err(error.into()),
        }
    }

    fn handle_request(_ctx: CallContext, request: HttpRequest) -> Result<HttpResponse, String> {
        Ok(match (request.method.as_str(), request.path.as_str()) {
            ("GET", "/notes") => {
                let notes = notes()?;
                let json: Vec<NoteJson> = notes
                    .iter()
                    .map(|stored| NoteJson {
                        id: &stored.key,
                        text: &stored.value.text,
                        author: stored.value.author,
                        created_at: stored.value.created_at,
                    })
                    .collect();
                HttpResponse::json(200, &json)
            }
            (_, "/notes") => HttpResponse::method_not_allowed(),
            _ => HttpResponse::not_found(),
        })
    }
}

/// The first 100 notes, oldest first (page on with `.after(last_key)`).
fn notes() -> Result<Vec<Stored<Note>>, StorageError> {
    storage::query_json(&DocumentQuery::new(NOTES).limit(100))
}

/// The value of a note's `author` index.
fn author_key(ctx: &CallContext) -> String {
    ctx.user_id
        .map_or_else(|| "nobody".to_string(), |id| id.to_string())
}

fn home(ctx: &CallContext) -> Result<Page, String> {
    let notes = notes()?;
    let mine = storage::count(NOTES, Some(storage::index("author", author_key(ctx))))?;
    let completions = storage::count(COMPLETIONS, None)?;

    let mut page = Page::new("Hello")
        .block(heading(2, "Notes"))
        .block(markdown(
            "Notes for everyone in your organisation. Other tools can read them as JSON at \
             `/p/hello/notes`.",
        ))
        .block(summary([
            (
                "Courses completed since the plugin was enabled",
                completions.to_string(),
            ),
            ("Notes you wrote", mine.to_string()),
        ]));
    if notes.is_empty() {
        page.push(text("No notes yet."));
    } else {
        let rows = notes
            .iter()
            .map(|stored| {
                vec![
                    cell(stored.value.text.as_str()),
                    cell(clock::date_time(stored.value.created_at)).sort_key(stored.key.as_str()),
                ]
            })
            .collect();
        // Sortable by either column (through links, no script) and downloadable as CSV.
        page.push(
            table(
                "notes",
                "Notes, oldest first",
                ["Note", "Added (UTC)"],
                rows,
            )
            .csv_export(),
        );
    }
    page.push(
        Form::new("add-note", "Add note")
            .title("Add a note")
            .field(field_text("text", "Note").required().max_length(MAX_NOTE)),
    );
    Ok(page)
}

export_plugin!(App);
