//! The plugin API's data in plain Rust: what a plugin page is made of, what a plugin declares, and the
//! capability names. Pure data with serde, so `web` can render plugin pages without depending on wasmtime,
//! and `plugin-host` converts the WIT bindings of every API version into these types.
//!
//! The WIT files in `plugins/wit/<version>/` are the contract; these types follow the newest version.

use serde::{Deserialize, Serialize};

/// Every capability a plugin may ask for, with what an organisation admin is told it allows.
pub const CAPABILITIES: &[(&str, &str)] = &[
    ("events.publish", "Publish events inside your organisation"),
    (
        "events.cross-organisation",
        "Publish events to other organisations",
    ),
    (
        "events.engine",
        "Receive training events about your staff (enrolments, completions)",
    ),
    ("notify.in-app", "Send in-app notifications to your staff"),
    ("notify.email", "Email your staff through Rampart"),
    (
        "notify.webhook",
        "Post signed messages to your organisation's webhook",
    ),
    (
        "directory.read",
        "Read the list of organisations and your staff's names, emails and roles",
    ),
    (
        "facts.training",
        "Read your organisation's training completion figures",
    ),
    (
        "events.platform",
        "Send reports from your organisation to the platform (such as a national CERT)",
    ),
    (
        "training.assign",
        "Assign courses to your staff, with a reason and a due date",
    ),
];

/// What the capability allows, in words for the admin, or `None` for an unknown name.
pub fn capability_description(name: &str) -> Option<&'static str> {
    CAPABILITIES
        .iter()
        .find(|(known, _)| *known == name)
        .map(|(_, description)| *description)
}

/// Who a page is for.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PageInfo {
    pub id: String,
    pub title: String,
    /// Rampart roles allowed; empty means every signed-in user.
    pub roles: Vec<String>,
    pub in_menu: bool,
}

/// What a plugin says about itself (`describe`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PluginInfo {
    pub name: String,
    pub version: String,
    pub title: String,
    pub description: String,
    pub capabilities: Vec<String>,
    pub pages: Vec<PageInfo>,
    pub subscriptions: Vec<String>,
    pub tick_seconds: Option<u32>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Tone {
    Neutral,
    Info,
    Success,
    Warning,
    Danger,
}

impl Tone {
    pub fn as_str(self) -> &'static str {
        match self {
            Tone::Neutral => "neutral",
            Tone::Info => "info",
            Tone::Success => "success",
            Tone::Warning => "warning",
            Tone::Danger => "danger",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Heading {
    /// 2 to 4; the page title is the only level 1.
    pub level: u8,
    pub text: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Notice {
    pub tone: Tone,
    pub title: String,
    pub body_markdown: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Badge {
    pub label: String,
    pub tone: Tone,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Link {
    pub label: String,
    pub href: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FieldKind {
    Text,
    Textarea,
    Email,
    Url,
    Number,
    Date,
    Select,
    Radio,
    Checkbox,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Choice {
    pub value: String,
    pub label: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Field {
    pub name: String,
    pub label: String,
    pub hint: Option<String>,
    pub kind: FieldKind,
    pub required: bool,
    pub max_length: Option<u32>,
    pub value: Option<String>,
    pub choices: Vec<Choice>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Form {
    pub id: String,
    pub title: Option<String>,
    pub fields: Vec<Field>,
    pub submit_label: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Column {
    pub label: String,
    pub numeric: bool,
    pub sortable: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Cell {
    pub text: String,
    pub link: Option<String>,
    pub sort_key: Option<String>,
    pub tone: Option<Tone>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Table {
    pub id: String,
    pub caption: String,
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Cell>>,
    pub csv_export: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TimelineEntry {
    /// Unix milliseconds.
    pub at: i64,
    pub title: String,
    pub body_markdown: Option<String>,
    pub tone: Tone,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChartKind {
    Bar,
    StackedBar,
    Line,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Series {
    pub name: String,
    pub values: Vec<f64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Chart {
    pub title: String,
    pub kind: ChartKind,
    pub labels: Vec<String>,
    pub series: Vec<Series>,
    pub unit: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SummaryRow {
    pub key: String,
    pub value: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "kebab-case")]
pub enum Block {
    Heading(Heading),
    Text(String),
    Markdown(String),
    Notice(Notice),
    Badges(Vec<Badge>),
    Summary(Vec<SummaryRow>),
    Links(Vec<Link>),
    Form(Form),
    Table(Table),
    Timeline(Vec<TimelineEntry>),
    Chart(Chart),
}

/// A page as a plugin describes it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Page {
    pub title: String,
    pub blocks: Vec<Block>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

/// What became of a form submission.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum FormOutcome {
    Done {
        message: Option<String>,
        redirect: Option<String>,
    },
    Invalid(Vec<FieldError>),
}

/// What the server hands `web` to show: plugin pages, the plugin menu and the admin overview.
pub mod views {
    use super::{FieldError, Page};
    use serde::{Deserialize, Serialize};

    /// The submitted values and errors of a form that did not pass, shown again above and in the form.
    #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
    pub struct FormEcho {
        pub form_id: String,
        pub values: Vec<(String, String)>,
        pub errors: Vec<FieldError>,
    }

    /// One plugin page, ready to render at `/plugins/<plugin>/<page_id>`.
    #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
    pub struct PluginPageData {
        pub plugin: String,
        pub plugin_title: String,
        pub page_id: String,
        pub page: Page,
        /// A one-off message after a successful form ("Saved").
        pub notice: Option<String>,
        pub form: Option<FormEcho>,
    }

    /// A plugin page in the site menu.
    #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
    pub struct MenuEntry {
        pub href: String,
        pub label: String,
    }

    #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
    pub struct CapabilityView {
        pub name: String,
        pub description: String,
        /// Granted for the viewer's organisation (platform admins: for the platform scope).
        pub granted: bool,
    }

    /// One installed plugin as the admin page lists it.
    #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
    pub struct InstalledPluginView {
        pub name: String,
        pub title: String,
        pub version: String,
        /// The `rampart:plugin` API version it was built against.
        pub api_version: String,
        pub description: String,
        /// `enabled`, `disabled` or `suspended`.
        pub status: String,
        /// Why it is suspended or disabled, for the admin.
        pub status_reason: Option<String>,
        pub capabilities: Vec<CapabilityView>,
        /// Turned on for the viewer's organisation.
        pub active: bool,
        pub pages: Vec<MenuEntry>,
        /// Recent failures (trap, timeout, error), newest first, at most 10: (unix seconds, what happened).
        pub recent_failures: Vec<(i64, String)>,
    }

    #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
    pub struct PluginsOverview {
        pub plugins: Vec<InstalledPluginView>,
        /// The viewer may enable, disable and remove plugins (platform admin).
        pub can_manage: bool,
        /// The organisation whose grants are shown and edited (none for a platform admin without one).
        pub organisation_id: Option<i64>,
        pub organisation_name: Option<String>,
    }

    /// One in-app notification a plugin sent to the viewer, ready to show at `/notifications`.
    #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
    pub struct NotificationView {
        pub id: i64,
        /// The plugin that sent it (its name), so relative links in the body go to its pages.
        pub plugin: String,
        /// Who sent it, for people: the plugin's title, or its name when it is not loaded.
        pub source: String,
        pub title: String,
        pub body_markdown: String,
        /// Where "Open" goes: a page of this site (`/…`) or an `https://` URL; others are left out.
        pub link: Option<String>,
        /// Unix seconds.
        pub created_at: i64,
        pub unread: bool,
    }

    /// The viewer's notifications, newest first, and how many of all of theirs are unread.
    #[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
    pub struct NotificationsView {
        pub items: Vec<NotificationView>,
        pub unread: i64,
    }
}
