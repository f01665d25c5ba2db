//! Write Rampart plugins in Rust.
//!
//! A Rampart plugin is a WebAssembly component that the engine loads into a sandbox. It describes itself
//! (name, pages, event subscriptions, the capabilities it needs), draws pages as a tree of declarative
//! blocks that the host renders, answers form submissions and requests to `/p/<name>/…`, reacts to events
//! and runs on a timer. Everything it may touch goes through the host: [`storage`] (JSON documents private
//! to the plugin and the organisation), [`events`], [`notify`], [`directory`] and [`facts`] (each behind a
//! capability an organisation admin grants), [`log`] and [`clock`].
//!
//! This crate wraps the `rampart:plugin@0.3.0` WIT API so that a plugin author writes plain Rust:
//! implement [`Plugin`] on a type and name it in [`export_plugin!`]. Build with
//! `cargo build --target wasm32-wasip2 --release`; the `.wasm` file under
//! `target/wasm32-wasip2/release/` is the plugin.
//!
//! # Example
//!
//! ```no_run
//! use rampart_plugin_sdk::prelude::*;
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Serialize, Deserialize)]
//! struct Greeting {
//!     text: String,
//! }
//!
//! struct Hello;
//!
//! impl Plugin for Hello {
//!     fn describe() -> PluginInfo {
//!         PluginInfo::new("hello", env!("CARGO_PKG_VERSION"), "Hello")
//!             .description("Says hello.")
//!             .page(PageInfo::new("home", "Hello").in_menu())
//!             .subscribe("course.completed")
//!     }
//!
//!     fn render_page(_ctx: CallContext, page: String, _query: Vec<(String, String)>) -> Result<Page, String> {
//!         if page != "home" {
//!             return Err(format!("no such page: {page}"));
//!         }
//!         let greeting = storage::get_json::<Greeting>("greetings", "latest")?
//!             .map(|g| g.text)
//!             .unwrap_or_else(|| "Nobody said anything yet.".into());
//!         Ok(Page::new("Hello")
//!             .block(heading(2, "Hello"))
//!             .block(text(greeting))
//!             .block(Form::new("say", "Say it").field(field_text("text", "Greeting").required())))
//!     }
//!
//!     fn submit_form(
//!         _ctx: CallContext,
//!         _page: String,
//!         _form: String,
//!         fields: Vec<(String, String)>,
//!     ) -> Result<FormOutcome, String> {
//!         let text = param(&fields, "text").unwrap_or_default().to_string();
//!         storage::put_json("greetings", "latest", &Greeting { text }, &[])?;
//!         Ok(FormOutcome::done("Saved."))
//!     }
//!
//!     fn handle_event(_ctx: CallContext, event: Event) -> Result<(), String> {
//!         log::info(&format!("saw {} #{}", event.topic, event.id));
//!         Ok(())
//!     }
//!
//!     fn handle_request(_ctx: CallContext, request: HttpRequest) -> Result<HttpResponse, String> {
//!         Ok(match (request.method.as_str(), request.path.as_str()) {
//!             ("GET", "/greeting") => HttpResponse::json(200, &storage::get_json::<Greeting>("greetings", "latest")?),
//!             _ => HttpResponse::not_found(),
//!         })
//!     }
//! }
//!
//! export_plugin!(Hello);
//! ```
//!
//! # Failures
//!
//! Every export returns `Result<_, String>`: an `Err` is logged by the host and shown as an error page
//! (or, for events, makes the host deliver the event again later). A panic aborts the plugin's instance
//! (a trap); the host drops it, answers with an error and, if it keeps happening, suspends the plugin.
//! The host's error types ([`StorageError`]) convert into `String`, so `?` works inside the exports.

#![warn(missing_docs)]

#[doc(hidden)]
#[allow(missing_docs, clippy::all)]
pub mod __bindings {
    wit_bindgen::generate!({
        path: "../wit/0.3.0",
        world: "rampart-plugin",
        pub_export_macro: true,
        default_bindings_module: "rampart_plugin_sdk::__bindings",
        additional_derives: [serde::Serialize, serde::Deserialize],
    });
}

pub mod clock;
pub mod directory;
pub mod events;
pub mod facts;
mod http;
pub mod log;
pub mod notify;
pub mod storage;
pub mod training;
mod ui;

pub use http::{param, parse_query, percent_decode};
pub use ui::*;

/// The plugin API version this SDK builds against (the WIT package `rampart:plugin@0.3.0`).
pub const API_VERSION: &str = "0.3.0";

/// One block of a page: a heading, text, a form, a table, a chart … (see the free functions of this crate
/// and the `From` conversions for building them).
pub use __bindings::rampart::plugin::types::Block;
pub use __bindings::rampart::plugin::types::{
    Badge, CallContext, Cell, Chart, ChartKind, Choice, Column, CourseCompletion, Document,
    DocumentQuery, Event, Field, FieldError, FieldKind, Form, FormOutcome, Heading, HttpRequest,
    HttpResponse, IndexEntry, Level, Link, Notice, Organisation, Page, PageInfo, Person,
    PluginInfo, Recipients, Series, StorageError, SummaryRow, Table, TimelineEntry, Tone,
};

/// What a plugin does. Only [`describe`](Plugin::describe) is required; every other export has a default
/// that does nothing useful (404, "no such page", …), so a plugin implements only what it uses.
///
/// All functions are associated functions (no `self`): a plugin instance may be created fresh for every
/// call, so keep state in [`storage`], not in statics.
pub trait Plugin {
    /// Who the plugin is: name, version, pages, subscriptions, capabilities. Called when the plugin is
    /// installed and whenever the host needs to know, possibly outside any organisation: build it from
    /// constants, without calling the host.
    fn describe() -> PluginInfo;

    /// A request to `/p/<name>/…`; `request.path` is the part after `/p/<name>` and starts with `/`.
    /// The default answers 404. Responses are served with a CSP that allows no scripts.
    fn handle_request(ctx: CallContext, request: HttpRequest) -> Result<HttpResponse, String> {
        let _ = (ctx, request);
        Ok(HttpResponse::not_found())
    }

    /// An event from a subscribed topic. Delivery is at least once: the same `event.id` may come twice,
    /// so make the handler idempotent. An `Err` makes the host retry later. The default ignores events.
    fn handle_event(ctx: CallContext, event: Event) -> Result<(), String> {
        let _ = (ctx, event);
        Ok(())
    }

    /// Draws the page `page` (an id from [`PluginInfo::pages`]) with the URL's query pairs.
    /// The default knows no page.
    fn render_page(
        ctx: CallContext,
        page: String,
        query: Vec<(String, String)>,
    ) -> Result<Page, String> {
        let _ = (ctx, query);
        Err(format!("no such page: {page}"))
    }

    /// A submitted form `form` of page `page`, after the host checked the fields' `required`,
    /// `max-length`, kind and choices. Return [`FormOutcome::done`] or [`FormOutcome::invalid`].
    /// The default knows no form.
    fn submit_form(
        ctx: CallContext,
        page: String,
        form: String,
        fields: Vec<(String, String)>,
    ) -> Result<FormOutcome, String> {
        let _ = (ctx, fields);
        Err(format!("no such form: {page}/{form}"))
    }

    /// Called every [`PluginInfo::tick_seconds`] for every organisation that enabled the plugin, with the
    /// host's clock in Unix milliseconds. The default does nothing.
    fn tick(ctx: CallContext, now: i64) -> Result<(), String> {
        let _ = (ctx, now);
        Ok(())
    }
}

impl<T: Plugin> __bindings::exports::rampart::plugin::plugin::Guest for T {
    fn describe() -> PluginInfo {
        <T as Plugin>::describe()
    }
    fn handle_request(ctx: CallContext, request: HttpRequest) -> Result<HttpResponse, String> {
        <T as Plugin>::handle_request(ctx, request)
    }
    fn handle_event(ctx: CallContext, event: Event) -> Result<(), String> {
        <T as Plugin>::handle_event(ctx, event)
    }
    fn render_page(
        ctx: CallContext,
        page: String,
        query: Vec<(String, String)>,
    ) -> Result<Page, String> {
        <T as Plugin>::render_page(ctx, page, query)
    }
    fn submit_form(
        ctx: CallContext,
        page: String,
        form: String,
        fields: Vec<(String, String)>,
    ) -> Result<FormOutcome, String> {
        <T as Plugin>::submit_form(ctx, page, form, fields)
    }
    fn tick(ctx: CallContext, now: i64) -> Result<(), String> {
        <T as Plugin>::tick(ctx, now)
    }
}

/// Makes a type that implements [`Plugin`] the plugin's exports. Use it once, at the crate root of a
/// `cdylib` crate:
///
/// ```ignore
/// struct MyPlugin;
/// impl rampart_plugin_sdk::Plugin for MyPlugin { /* … */ }
/// rampart_plugin_sdk::export_plugin!(MyPlugin);
/// ```
#[macro_export]
macro_rules! export_plugin {
    ($ty:ident) => {
        $crate::__bindings::export!($ty with_types_in $crate::__bindings);
    };
}

/// Everything a plugin usually needs: `use rampart_plugin_sdk::prelude::*;`.
///
/// Brings in the [`Plugin`] trait, [`export_plugin!`], the API types, the page builders and the host
/// modules ([`storage`], [`events`], [`log`], …) by name.
pub mod prelude {
    pub use crate::ui::*;
    pub use crate::{
        Badge, Block, CallContext, Cell, Chart, ChartKind, Choice, Column, CourseCompletion,
        Document, DocumentQuery, Event, Field, FieldError, FieldKind, Form, FormOutcome, Heading,
        HttpRequest, HttpResponse, IndexEntry, Level, Link, Notice, Organisation, Page, PageInfo,
        Person, Plugin, PluginInfo, Recipients, Series, StorageError, SummaryRow, Table,
        TimelineEntry, Tone,
    };
    pub use crate::{clock, directory, events, facts, log, notify, storage, training};
    pub use crate::{export_plugin, param, parse_query};
}

impl CallContext {
    /// True when the user has the Rampart role (`learner`, `org_admin`, `security_lead`, `cert_analyst`,
    /// `platform_admin`).
    pub fn has_role(&self, role: &str) -> bool {
        self.roles.iter().any(|r| r == role)
    }

    /// An absolute URL for a path of this Rampart (`/p/my-plugin/feed` → `https://…/p/my-plugin/feed`).
    pub fn url(&self, path: &str) -> String {
        format!(
            "{}/{}",
            self.base_url.trim_end_matches('/'),
            path.trim_start_matches('/')
        )
    }
}

impl PluginInfo {
    /// A plugin with a name (lower-case letters, digits and dashes), its own semantic version (usually
    /// `env!("CARGO_PKG_VERSION")`) and a title; no pages, capabilities or subscriptions yet.
    pub fn new(
        name: impl Into<String>,
        version: impl Into<String>,
        title: impl Into<String>,
    ) -> Self {
        PluginInfo {
            name: name.into(),
            version: version.into(),
            title: title.into(),
            description: String::new(),
            capabilities: Vec::new(),
            pages: Vec::new(),
            subscriptions: Vec::new(),
            tick_seconds: None,
        }
    }

    /// Sets the one-paragraph description the admin sees.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = description.into();
        self
    }

    /// Asks for a capability (`events.publish`, `notify.email`, `directory.read`, …); an organisation
    /// admin grants it or not, and calls needing a capability that was not granted return `Err`.
    pub fn capability(mut self, capability: impl Into<String>) -> Self {
        self.capabilities.push(capability.into());
        self
    }

    /// Adds a page.
    pub fn page(mut self, page: PageInfo) -> Self {
        self.pages.push(page);
        self
    }

    /// Subscribes to an event topic; `*` at the end matches a prefix (`course.*`).
    pub fn subscribe(mut self, topic: impl Into<String>) -> Self {
        self.subscriptions.push(topic.into());
        self
    }

    /// Asks for [`Plugin::tick`] every `seconds` (at least 60).
    pub fn tick_every(mut self, seconds: u32) -> Self {
        self.tick_seconds = Some(seconds);
        self
    }
}

impl PageInfo {
    /// A page any signed-in user may open, not in the menu.
    pub fn new(id: impl Into<String>, title: impl Into<String>) -> Self {
        PageInfo {
            id: id.into(),
            title: title.into(),
            roles: Vec::new(),
            in_menu: false,
        }
    }

    /// Shows the page in the site menu.
    pub fn in_menu(mut self) -> Self {
        self.in_menu = true;
        self
    }

    /// Only users with one of these roles may open the page.
    pub fn roles<I, S>(mut self, roles: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.roles = roles.into_iter().map(Into::into).collect();
        self
    }
}

impl FormOutcome {
    /// Done: show `message` and go back to the page.
    pub fn done(message: impl Into<String>) -> Self {
        FormOutcome::Done((Some(message.into()), None))
    }

    /// Done: show `message` (if any) and go to `link` (a page id, `page?x=1`, `?x=1` or an https URL).
    pub fn done_and_go(message: Option<String>, link: impl Into<String>) -> Self {
        FormOutcome::Done((message, Some(link.into())))
    }

    /// Show the form again with one error next to `field`.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        FormOutcome::Invalid(vec![FieldError {
            field: field.into(),
            message: message.into(),
        }])
    }
}

impl StorageError {
    /// A sentence saying what went wrong (the generated `Display` prints the variant's debug form).
    pub fn message(&self) -> String {
        match self {
            StorageError::Conflict(revision) => {
                format!("storage conflict: the document is now at revision {revision}")
            }
            StorageError::TooLarge(bytes) => format!("storage: over the limit of {bytes} bytes"),
            StorageError::Invalid(why) => format!("storage: not acceptable: {why}"),
            StorageError::Unavailable(why) => format!("storage unavailable: {why}"),
        }
    }
}

/// So that `?` on a storage call works inside the exports, which return `Result<_, String>`.
impl From<StorageError> for String {
    fn from(error: StorageError) -> String {
        error.message()
    }
}
