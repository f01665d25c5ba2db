//! The SCORM run-time environment: the SCORM 1.2 and SCORM 2004 (3rd/4th edition) data models and the API
//! state machine a SCO talks to (`Initialize`, `GetValue`, `SetValue`, `Commit`, `Terminate`,
//! `GetLastError`, `GetErrorString`, `GetDiagnostic`, and their 1.2 `LMS…` twins).
//!
//! Pure by design: no I/O, no clock, no randomness. The same code answers the SCO in the browser (compiled
//! to wasm) and re-validates every change on the server, so the two can never disagree about what a value
//! means. Time enters only as values the SCO or the caller passes in (`cmi.session_time`, timestamps).
//!
//! One [`Session`] is one launch of one SCO. What survives between sessions of the same attempt is an
//! [`AttemptData`]; [`Session::finish`] says how the session ended and [`SessionEnd::resume_data`] gives
//! the data the next launch starts from (`None` when the next launch begins a new attempt).

mod data;
mod errors;
mod interaction;
mod languages;
mod scorm12;
mod scorm2004;
mod session;
mod time;
mod value;

pub use data::{AttemptData, Comment, Interaction, Objective, Preferences, Score};
pub use errors::{ErrorCode, error_string};
pub use session::{Call, ReplayError, Session, SessionEnd, Summary, replay};
pub use time::{
    format_iso_duration, format_scorm12_timespan, parse_iso_duration, parse_scorm12_timespan,
};
pub use value::{values_equal, values_equal_typed};

use serde::{Deserialize, Serialize};

/// Which run-time API and data model a SCO speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Version {
    /// SCORM 1.2: `window.API`, `LMSInitialize`…, `cmi.core.*`.
    Scorm12,
    /// SCORM 2004 (2nd–4th edition): `window.API_1484_11`, `Initialize`…, `cmi.*` and `adl.*`.
    Scorm2004,
}

/// `cmi.mode` (`cmi.core.lesson_mode` in 1.2).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    #[default]
    Normal,
    Browse,
    Review,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Normal => "normal",
            Mode::Browse => "browse",
            Mode::Review => "review",
        }
    }
}

/// What the LMS knows about a launch before the SCO says anything: the learner, the manifest's values for
/// this item, and what navigation is possible. Built by the server (or a test) from the package manifest.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct LaunchContext {
    pub learner_id: String,
    pub learner_name: String,
    /// `cmi.credit`: `true` is `credit`.
    pub credit: bool,
    pub mode: Mode,
    /// `adlcp:dataFromLMS` (`cmi.launch_data`).
    pub launch_data: Option<String>,
    /// SCORM 2004 `adlcp:completionThreshold` (`cmi.completion_threshold`), 0..=1.
    pub completion_threshold: Option<f64>,
    /// SCORM 2004 primary objective's `minNormalizedMeasure` when satisfied by measure, -1..=1.
    pub scaled_passing_score: Option<f64>,
    /// SCORM 1.2 `adlcp:masteryscore` (`cmi.student_data.mastery_score`), 0..=100.
    pub mastery_score: Option<f64>,
    /// `adlcp:maxtimeallowed` (1.2 `HHHH:MM:SS`) or the attempt duration limit (2004 ISO 8601 duration).
    pub max_time_allowed: Option<String>,
    /// `adlcp:timeLimitAction` / `adlcp:timelimitaction`.
    pub time_limit_action: Option<String>,
    /// Objective identifiers the manifest declares for this item: they start out in `cmi.objectives`.
    pub objective_ids: Vec<String>,
    /// `adl.data`: the shared data stores mapped to this item (2004 4th edition).
    pub shared_data: Vec<SharedData>,
    /// `cmi.comments_from_lms` (2004) or `cmi.comments_from_lms` text (1.2, joined).
    pub comments_from_lms: Vec<LmsComment>,
    /// What `adl.nav.request_valid.*` answers.
    pub navigation: NavigationContext,
}

impl Default for LaunchContext {
    fn default() -> Self {
        LaunchContext {
            learner_id: String::new(),
            learner_name: String::new(),
            credit: true,
            mode: Mode::Normal,
            launch_data: None,
            completion_threshold: None,
            scaled_passing_score: None,
            mastery_score: None,
            max_time_allowed: None,
            time_limit_action: None,
            objective_ids: Vec::new(),
            shared_data: Vec::new(),
            comments_from_lms: Vec::new(),
            navigation: NavigationContext::default(),
        }
    }
}

/// One `adl.data` store as seen by one SCO: its permissions come from the item's `adlcp:map`.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct SharedData {
    pub id: String,
    pub readable: bool,
    pub writable: bool,
    /// The store's current value, `None` until some SCO writes it.
    pub store: Option<String>,
}

/// A comment the LMS shows the learner (`cmi.comments_from_lms.n`).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct LmsComment {
    pub comment: String,
    pub location: Option<String>,
    pub timestamp: Option<String>,
}

/// Which navigation requests would succeed right now; `None` answers `unknown`.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct NavigationContext {
    pub continue_valid: Option<bool>,
    pub previous_valid: Option<bool>,
    /// Activity identifiers a `choice` request may target, with whether it would succeed.
    pub choice: Vec<(String, bool)>,
    /// Activity identifiers a `jump` request may target, with whether it would succeed.
    pub jump: Vec<(String, bool)>,
}

/// How a session asked to leave, from `cmi.exit` (`cmi.core.exit`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Exit {
    /// `""`: no exit set.
    #[default]
    Unspecified,
    Normal,
    Suspend,
    Logout,
    TimeOut,
}

/// `adl.nav.request` as the SCO left it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "request", content = "target")]
pub enum NavRequest {
    #[default]
    None,
    Continue,
    Previous,
    Choice(String),
    Jump(String),
    Exit,
    ExitAll,
    Abandon,
    AbandonAll,
    SuspendAll,
}
