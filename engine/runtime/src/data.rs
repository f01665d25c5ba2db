//! What one attempt on one SCO has recorded. Values are kept exactly as the SCO set them (a real number
//! stays `"0.50"` if that is what was written) because `GetValue` must hand back what was stored; their
//! meaning is read through the typed accessors.

use serde::{Deserialize, Serialize};

use crate::{Exit, NavRequest, Version};

/// The run-time data of one attempt: saved at every commit, carried into the next session when the
/// learner suspended, and read by the LMS for status, score and time.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct AttemptData {
    pub version: Version,
    /// Set when a session ended suspended: the next launch resumes (`cmi.entry = resume`).
    pub suspended: bool,
    /// How many sessions this attempt has had (the next one is `sessions + 1`).
    pub sessions: u32,
    /// `cmi.completion_status` as set (2004). In 1.2 this is `cmi.core.lesson_status`.
    pub completion_status: Option<String>,
    /// `cmi.success_status` as set (2004).
    pub success_status: Option<String>,
    pub score: Score,
    pub progress_measure: Option<String>,
    pub location: Option<String>,
    pub suspend_data: Option<String>,
    /// Accumulated time of earlier sessions, in centiseconds.
    pub total_time_cs: u64,
    /// `cmi.session_time` of the current session, in centiseconds, once the SCO set it.
    pub session_time_cs: Option<u64>,
    pub exit: Exit,
    pub nav_request: NavRequest,
    pub objectives: Vec<Objective>,
    pub interactions: Vec<Interaction>,
    pub comments_from_learner: Vec<Comment>,
    /// SCORM 1.2 `cmi.comments`: one growing string.
    pub comments_text: Option<String>,
    pub preferences: Preferences,
    /// `adl.data.n.store` values this session wrote, by store id.
    pub shared_data_writes: Vec<(String, String)>,
}

impl Default for AttemptData {
    fn default() -> Self {
        AttemptData::new(Version::Scorm2004)
    }
}

impl AttemptData {
    pub fn new(version: Version) -> AttemptData {
        AttemptData {
            version,
            suspended: false,
            sessions: 0,
            completion_status: None,
            success_status: None,
            score: Score::default(),
            progress_measure: None,
            location: None,
            suspend_data: None,
            total_time_cs: 0,
            session_time_cs: None,
            exit: Exit::Unspecified,
            nav_request: NavRequest::None,
            objectives: Vec::new(),
            interactions: Vec::new(),
            comments_from_learner: Vec::new(),
            comments_text: None,
            preferences: Preferences::new(version),
            shared_data_writes: Vec::new(),
        }
    }

    /// Total time including the current session's reported time, in centiseconds.
    pub fn total_time_with_session_cs(&self) -> u64 {
        self.total_time_cs
            .saturating_add(self.session_time_cs.unwrap_or(0))
    }

    pub fn score_scaled(&self) -> Option<f64> {
        parse(&self.score.scaled)
    }

    pub fn score_raw(&self) -> Option<f64> {
        parse(&self.score.raw)
    }

    pub fn progress(&self) -> Option<f64> {
        parse(&self.progress_measure)
    }
}

fn parse(value: &Option<String>) -> Option<f64> {
    value.as_deref().and_then(|v| v.parse().ok())
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Score {
    pub scaled: Option<String>,
    pub raw: Option<String>,
    pub min: Option<String>,
    pub max: Option<String>,
}

impl Score {
    pub fn is_empty(&self) -> bool {
        self.scaled.is_none() && self.raw.is_none() && self.min.is_none() && self.max.is_none()
    }
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Objective {
    pub id: String,
    pub score: Score,
    /// 2004 `success_status`; in 1.2 the objective's `status`.
    pub success_status: Option<String>,
    pub completion_status: Option<String>,
    pub progress_measure: Option<String>,
    pub description: Option<String>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Interaction {
    pub id: String,
    pub kind: Option<String>,
    pub objective_ids: Vec<String>,
    /// 2004 `timestamp`, 1.2 `time`.
    pub timestamp: Option<String>,
    pub correct_responses: Vec<String>,
    pub weighting: Option<String>,
    pub learner_response: Option<String>,
    pub result: Option<String>,
    pub latency: Option<String>,
    pub description: Option<String>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Comment {
    pub comment: Option<String>,
    pub location: Option<String>,
    pub timestamp: Option<String>,
}

/// `cmi.learner_preference` (2004) or `cmi.student_preference` (1.2).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Preferences {
    pub audio_level: String,
    pub language: String,
    pub delivery_speed: String,
    /// 2004 `audio_captioning`, 1.2 `text`: -1, 0 or 1.
    pub audio_captioning: String,
}

impl Default for Preferences {
    fn default() -> Self {
        Preferences::new(Version::Scorm2004)
    }
}

impl Preferences {
    pub fn new(version: Version) -> Preferences {
        match version {
            Version::Scorm2004 => Preferences {
                audio_level: "1".into(),
                language: String::new(),
                delivery_speed: "1".into(),
                audio_captioning: "0".into(),
            },
            Version::Scorm12 => Preferences {
                audio_level: "0".into(),
                language: String::new(),
                delivery_speed: "0".into(),
                audio_captioning: "0".into(),
            },
        }
    }
}
