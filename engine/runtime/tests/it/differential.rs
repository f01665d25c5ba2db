//! Differential test: random SCORM API call sequences run through our runtime and through the npm package
//! `scorm-again` (driven by `e2e/differential/scorm-again.mjs`, one node process for all sequences), and
//! compared call by call: the return value and `GetLastError` right after each call.
//!
//! `scorm-again` has known deviations from the standard. Each one is a named rule in [`KNOWN`] with its
//! justification (also listed in `docs/differential-scorm-again.md`); a mismatch no rule explains fails the
//! test. A rule may also say that the two data models now hold different values, so that later answers
//! about the same elements are the consequence of that difference, not a new one.
//!
//! `DIFFERENTIAL_SEED` (default a constant) and `DIFFERENTIAL_CASES` (default 300) steer the generator.
//! Needs `node` on PATH and `npm ci` run at the repository root.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use runtime::{LaunchContext, Session, Version};

/// The `scorm-again` release the rules below were written against (pinned in the root `package.json`).
const SCORM_AGAIN_VERSION: &str = "3.4.3";
const DEFAULT_SEED: u64 = 0x5C0E_A6A1_2004_0012;
const DEFAULT_CASES: usize = 300;

// ---------------------------------------------------------------------------------------------------------
// A small deterministic generator.

/// xorshift64*, seeded through splitmix64 so that nearby seeds give unrelated streams.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        Rng(if z == 0 { 1 } else { z })
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn range(&mut self, low: usize, high: usize) -> usize {
        low + self.below(high - low + 1)
    }

    /// True `percent` times in a hundred.
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

// ---------------------------------------------------------------------------------------------------------
// API calls and sequences.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Method {
    Initialize,
    Terminate,
    GetValue,
    SetValue,
    Commit,
    GetLastError,
    GetErrorString,
    GetDiagnostic,
}

impl Method {
    fn name(self, version: Version) -> &'static str {
        match (version, self) {
            (Version::Scorm2004, Method::Initialize) => "Initialize",
            (Version::Scorm2004, Method::Terminate) => "Terminate",
            (Version::Scorm2004, Method::GetValue) => "GetValue",
            (Version::Scorm2004, Method::SetValue) => "SetValue",
            (Version::Scorm2004, Method::Commit) => "Commit",
            (Version::Scorm2004, Method::GetLastError) => "GetLastError",
            (Version::Scorm2004, Method::GetErrorString) => "GetErrorString",
            (Version::Scorm2004, Method::GetDiagnostic) => "GetDiagnostic",
            (Version::Scorm12, Method::Initialize) => "LMSInitialize",
            (Version::Scorm12, Method::Terminate) => "LMSFinish",
            (Version::Scorm12, Method::GetValue) => "LMSGetValue",
            (Version::Scorm12, Method::SetValue) => "LMSSetValue",
            (Version::Scorm12, Method::Commit) => "LMSCommit",
            (Version::Scorm12, Method::GetLastError) => "LMSGetLastError",
            (Version::Scorm12, Method::GetErrorString) => "LMSGetErrorString",
            (Version::Scorm12, Method::GetDiagnostic) => "LMSGetDiagnostic",
        }
    }

    fn is_error_function(self) -> bool {
        matches!(
            self,
            Method::GetLastError | Method::GetErrorString | Method::GetDiagnostic
        )
    }
}

#[derive(Clone, Debug)]
struct ApiCall {
    method: Method,
    args: Vec<String>,
}

impl ApiCall {
    fn new(method: Method, args: &[&str]) -> ApiCall {
        ApiCall {
            method,
            args: args.iter().map(|a| (*a).to_owned()).collect(),
        }
    }

    fn arg(&self, i: usize) -> &str {
        self.args.get(i).map(String::as_str).unwrap_or("")
    }

    /// The element of a `GetValue`/`SetValue`.
    fn element(&self) -> Option<&str> {
        matches!(self.method, Method::GetValue | Method::SetValue).then(|| self.arg(0))
    }

    fn is_get(&self, element: &str) -> bool {
        self.method == Method::GetValue && self.arg(0) == element
    }

    fn is_set(&self, element: &str) -> bool {
        self.method == Method::SetValue && self.arg(0) == element
    }

    fn show(&self, version: Version) -> String {
        let args: Vec<String> = self.args.iter().map(|a| show_text(a)).collect();
        format!("{}({})", self.method.name(version), args.join(", "))
    }
}

/// A value as a JSON-ish literal, long ones shortened.
fn show_text(text: &str) -> String {
    let count = text.chars().count();
    if count > 60 {
        let head: String = text.chars().take(24).collect();
        format!("{:?}…({count} chars)", head)
    } else {
        format!("{text:?}")
    }
}

struct Sequence {
    version: Version,
    learner_id: String,
    learner_name: String,
    calls: Vec<ApiCall>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Outcome {
    ret: String,
    err: String,
}

impl Outcome {
    fn ok(&self) -> bool {
        self.err == "0"
    }
}

// ---------------------------------------------------------------------------------------------------------
// The element vocabulary and value pools.

/// What values an element takes, for choosing what to set it to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// `_children`, `_count`, `_version` and read-only elements: any value.
    Any,
    // SCORM 2004.
    Completion,
    Success,
    Exit2004,
    /// A real in 0..1.
    Unit,
    /// A real in -1..1.
    Scaled,
    /// A real without bounds.
    Real,
    /// A real ≥ 0.
    NonNegative,
    Captioning,
    Language,
    /// A characterstring of at most this many characters.
    Text(usize),
    /// A localized_string of at most this many characters.
    Localized(usize),
    Identifier,
    Timestamp,
    Duration,
    NavRequest,
    InteractionType2004,
    /// `correct_responses.m.pattern` (2004) or `student_response`/`pattern` (1.2), for the record's type.
    Pattern,
    LearnerResponse,
    Result2004,
    // SCORM 1.2.
    LessonStatus,
    Exit12,
    Score12,
    Timespan,
    Time12,
    Identifier12,
    Audio12,
    Speed12,
    Text12,
    ObjectiveStatus12,
    InteractionType12,
    Result12,
    Comments12,
}

/// Every element of the SCORM 2004 data model; `n` and `m` are record indices.
const ELEMENTS_2004: &[(&str, Kind)] = &[
    ("cmi._version", Kind::Any),
    ("cmi.comments_from_learner._children", Kind::Any),
    ("cmi.comments_from_learner._count", Kind::Any),
    ("cmi.comments_from_learner.n.comment", Kind::Localized(4000)),
    ("cmi.comments_from_learner.n.location", Kind::Text(250)),
    ("cmi.comments_from_learner.n.timestamp", Kind::Timestamp),
    ("cmi.comments_from_lms._children", Kind::Any),
    ("cmi.comments_from_lms._count", Kind::Any),
    ("cmi.comments_from_lms.n.comment", Kind::Localized(4000)),
    ("cmi.comments_from_lms.n.location", Kind::Text(250)),
    ("cmi.comments_from_lms.n.timestamp", Kind::Timestamp),
    ("cmi.completion_status", Kind::Completion),
    ("cmi.completion_threshold", Kind::Unit),
    ("cmi.credit", Kind::Any),
    ("cmi.entry", Kind::Any),
    ("cmi.exit", Kind::Exit2004),
    ("cmi.interactions._children", Kind::Any),
    ("cmi.interactions._count", Kind::Any),
    ("cmi.interactions.n.id", Kind::Identifier),
    ("cmi.interactions.n.type", Kind::InteractionType2004),
    ("cmi.interactions.n.objectives._count", Kind::Any),
    ("cmi.interactions.n.objectives.m.id", Kind::Identifier),
    ("cmi.interactions.n.timestamp", Kind::Timestamp),
    ("cmi.interactions.n.correct_responses._count", Kind::Any),
    (
        "cmi.interactions.n.correct_responses.m.pattern",
        Kind::Pattern,
    ),
    ("cmi.interactions.n.weighting", Kind::Real),
    ("cmi.interactions.n.learner_response", Kind::LearnerResponse),
    ("cmi.interactions.n.result", Kind::Result2004),
    ("cmi.interactions.n.latency", Kind::Duration),
    ("cmi.interactions.n.description", Kind::Localized(250)),
    ("cmi.launch_data", Kind::Any),
    ("cmi.learner_id", Kind::Any),
    ("cmi.learner_name", Kind::Any),
    ("cmi.learner_preference._children", Kind::Any),
    ("cmi.learner_preference.audio_level", Kind::NonNegative),
    ("cmi.learner_preference.language", Kind::Language),
    ("cmi.learner_preference.delivery_speed", Kind::NonNegative),
    ("cmi.learner_preference.audio_captioning", Kind::Captioning),
    ("cmi.location", Kind::Text(1000)),
    ("cmi.max_time_allowed", Kind::Duration),
    ("cmi.mode", Kind::Any),
    ("cmi.objectives._children", Kind::Any),
    ("cmi.objectives._count", Kind::Any),
    ("cmi.objectives.n.id", Kind::Identifier),
    ("cmi.objectives.n.score._children", Kind::Any),
    ("cmi.objectives.n.score.scaled", Kind::Scaled),
    ("cmi.objectives.n.score.raw", Kind::Real),
    ("cmi.objectives.n.score.min", Kind::Real),
    ("cmi.objectives.n.score.max", Kind::Real),
    ("cmi.objectives.n.success_status", Kind::Success),
    ("cmi.objectives.n.completion_status", Kind::Completion),
    ("cmi.objectives.n.progress_measure", Kind::Unit),
    ("cmi.objectives.n.description", Kind::Localized(250)),
    ("cmi.progress_measure", Kind::Unit),
    ("cmi.scaled_passing_score", Kind::Scaled),
    ("cmi.score._children", Kind::Any),
    ("cmi.score.scaled", Kind::Scaled),
    ("cmi.score.raw", Kind::Real),
    ("cmi.score.min", Kind::Real),
    ("cmi.score.max", Kind::Real),
    ("cmi.session_time", Kind::Duration),
    ("cmi.success_status", Kind::Success),
    ("cmi.suspend_data", Kind::Text(64000)),
    ("cmi.time_limit_action", Kind::Any),
    ("cmi.total_time", Kind::Duration),
    ("adl.nav.request", Kind::NavRequest),
    ("adl.nav.request_valid.continue", Kind::Any),
    ("adl.nav.request_valid.previous", Kind::Any),
    ("adl.nav.request_valid.choice.{target=sco-2}", Kind::Any),
    ("adl.nav.request_valid.jump.{target=sco-2}", Kind::Any),
    ("adl.data._children", Kind::Any),
    ("adl.data._count", Kind::Any),
    ("adl.data.n.id", Kind::Any),
    ("adl.data.n.store", Kind::Text(64000)),
];

/// Every element of the SCORM 1.2 data model.
const ELEMENTS_12: &[(&str, Kind)] = &[
    ("cmi._version", Kind::Any),
    ("cmi.core._children", Kind::Any),
    ("cmi.core.student_id", Kind::Any),
    ("cmi.core.student_name", Kind::Any),
    ("cmi.core.lesson_location", Kind::Text(255)),
    ("cmi.core.credit", Kind::Any),
    ("cmi.core.lesson_status", Kind::LessonStatus),
    ("cmi.core.entry", Kind::Any),
    ("cmi.core.score._children", Kind::Any),
    ("cmi.core.score.raw", Kind::Score12),
    ("cmi.core.score.min", Kind::Score12),
    ("cmi.core.score.max", Kind::Score12),
    ("cmi.core.total_time", Kind::Timespan),
    ("cmi.core.lesson_mode", Kind::Any),
    ("cmi.core.exit", Kind::Exit12),
    ("cmi.core.session_time", Kind::Timespan),
    ("cmi.suspend_data", Kind::Text(4096)),
    ("cmi.launch_data", Kind::Any),
    ("cmi.comments", Kind::Comments12),
    ("cmi.comments_from_lms", Kind::Any),
    ("cmi.objectives._children", Kind::Any),
    ("cmi.objectives._count", Kind::Any),
    ("cmi.objectives.n.id", Kind::Identifier12),
    ("cmi.objectives.n.score._children", Kind::Any),
    ("cmi.objectives.n.score.raw", Kind::Score12),
    ("cmi.objectives.n.score.min", Kind::Score12),
    ("cmi.objectives.n.score.max", Kind::Score12),
    ("cmi.objectives.n.status", Kind::ObjectiveStatus12),
    ("cmi.student_data._children", Kind::Any),
    ("cmi.student_data.mastery_score", Kind::Score12),
    ("cmi.student_data.max_time_allowed", Kind::Timespan),
    ("cmi.student_data.time_limit_action", Kind::Any),
    ("cmi.student_preference._children", Kind::Any),
    ("cmi.student_preference.audio", Kind::Audio12),
    ("cmi.student_preference.language", Kind::Text(255)),
    ("cmi.student_preference.speed", Kind::Speed12),
    ("cmi.student_preference.text", Kind::Text12),
    ("cmi.interactions._children", Kind::Any),
    ("cmi.interactions._count", Kind::Any),
    ("cmi.interactions.n.id", Kind::Identifier12),
    ("cmi.interactions.n.objectives._count", Kind::Any),
    ("cmi.interactions.n.objectives.m.id", Kind::Identifier12),
    ("cmi.interactions.n.time", Kind::Time12),
    ("cmi.interactions.n.type", Kind::InteractionType12),
    ("cmi.interactions.n.correct_responses._count", Kind::Any),
    (
        "cmi.interactions.n.correct_responses.m.pattern",
        Kind::Pattern,
    ),
    ("cmi.interactions.n.weighting", Kind::Real),
    ("cmi.interactions.n.student_response", Kind::LearnerResponse),
    ("cmi.interactions.n.result", Kind::Result12),
    ("cmi.interactions.n.latency", Kind::Timespan),
];

/// Names that are not elements: typos, the other version's names, keywords in the wrong place.
const GARBAGE_ELEMENTS_2004: &[&str] = &[
    "",
    "cmi",
    "cmi.",
    "cmi.foo",
    "cmi.core.student_id",
    "cmi.core.lesson_status",
    "cmi.score",
    "cmi.score._count",
    "cmi.location._children",
    "cmi.location._count",
    "cmi.completion_status._version",
    "cmi.learner_preference._count",
    "cmi.objectives",
    "cmi.interactions.0",
    "cmi.objectives.0.score._count",
    "cmi.objectives.0.foo",
    "cmi.interactions.0.foo",
    "cmi._children",
    "cmi._count",
    "adl",
    "adl.nav",
    "adl.nav.request_valid",
    "adl.nav.request_valid.choice",
    "adl.nav.request_valid.foo",
    "adl.data",
    "CMI.location",
    "cmi.learner_preference.audio",
    "cmi.student_data.mastery_score",
    "cmi.interactions._version",
];

const GARBAGE_ELEMENTS_12: &[&str] = &[
    "",
    "cmi",
    "cmi.",
    "cmi.foo",
    "cmi.core",
    "cmi.core.foo",
    "cmi.location",
    "cmi.completion_status",
    "cmi.learner_id",
    "cmi.core.score",
    "cmi.core.score._count",
    "cmi.core.lesson_status._children",
    "cmi.core.student_id._count",
    "cmi.suspend_data._children",
    "cmi.student_data",
    "cmi.student_preference._count",
    "cmi.objectives",
    "cmi.objectives.0",
    "cmi.objectives.0.foo",
    "cmi.interactions.0.foo",
    "cmi.interactions.0.learner_response",
    "cmi._children",
    "cmi.core._count",
    "cmi.core._version",
    "CMI.core.student_id",
    "cmi.interactions.0.description",
];

/// Indices that are never valid record numbers.
const BAD_INDICES: &[&str] = &["99", "100000", "-1", "x", "01", "1.5", "", " 0"];

const LONG_LENGTHS: &[usize] = &[250, 251, 255, 256, 1000, 1001, 4000, 4001, 4096, 4097];

fn long_string(rng: &mut Rng) -> String {
    let length = if rng.chance(10) {
        *rng.pick(&[64000, 64001])
    } else {
        *rng.pick(LONG_LENGTHS)
    };
    "abcdefghij".chars().cycle().take(length).collect()
}

/// Values that fit no element, or fit by accident.
fn garbage_value(rng: &mut Rng) -> String {
    if rng.chance(15) {
        return long_string(rng);
    }
    rng.pick(&[
        "",
        " ",
        "null",
        "undefined",
        "true",
        "0",
        "-1",
        "1e3",
        "NaN",
        "Infinity",
        "{lang=en}x",
        "<b>bold</b>",
        "ünïcödé ✓",
        "a,b",
        "a[,]b",
        "PT1H",
        "00:00:01",
        "2026-02-30T10:00:00",
        "passed",
        "completed",
        "urn:x:y",
        "line\nbreak",
    ])
    .to_string()
}

fn real_value(rng: &mut Rng, low: f64, high: f64) -> String {
    let valid = rng.chance(70);
    if valid {
        let step = rng.below(5) as f64 / 4.0;
        let value = low + (high - low) * step;
        if rng.chance(30) {
            return format!("{value:.3}");
        }
        return format!("{value}");
    }
    rng.pick(&[
        "-1.0001", "1.0001", "2", "-2", "100.5", "abc", "", "1e2", ".5", "5.", "+1", "0x10", " 1",
        "1,5", "NaN", "-0",
    ])
    .to_string()
}

/// The interaction types a pattern or response may be written for.
const TYPES_2004: &[&str] = &[
    "true-false",
    "choice",
    "fill-in",
    "long-fill-in",
    "likert",
    "matching",
    "performance",
    "sequencing",
    "numeric",
    "other",
];

const TYPES_12: &[&str] = &[
    "true-false",
    "choice",
    "fill-in",
    "matching",
    "performance",
    "sequencing",
    "likert",
    "numeric",
];

fn response_2004(rng: &mut Rng, kind: &str, pattern: bool) -> String {
    let pool: &[&str] = match kind {
        "true-false" => &["true", "false", "t", "1", "TRUE"],
        "choice" => &[
            "a",
            "a[,]b",
            "choice_1[,]choice_2[,]c3",
            "",
            "a[,]a",
            "a[,]",
            "a b",
        ],
        "fill-in" => &[
            "word",
            "{lang=en}word",
            "{case_matters=true}{order_matters=false}one[,]two",
            "{order_matters=true}x",
            "{lang=zz-invalid-tag}x",
            "",
        ],
        "long-fill-in" => &[
            "a long answer with spaces",
            "{case_matters=true}{lang=fr}réponse",
            "{order_matters=false}x",
            "",
        ],
        "likert" => &["strongly_agree", "urn:scale:5", "bad id", ""],
        "matching" => &["a[.]1", "a[.]1[,]b[.]2", "a[.]", "a", "[.]1", ""],
        "performance" => &[
            "step1[.]answer1",
            "step1[.]answer1[,]step2[.]answer2",
            "{order_matters=false}s[.]a",
            "[.]x",
            "s[.]1[:]5",
            "",
        ],
        "sequencing" => &["a[,]b[,]c", "a", "a[,]a", "", "a[,]b c"],
        "numeric" => &["3", "1.5", "1[:]5", "[:]10", "5[:]", "5[:]1", "x", ""],
        "other" => &["anything at all", "", "{lang=en}x"],
        _ => &["x"],
    };
    let value = rng.pick(pool).to_string();
    if !pattern && kind == "numeric" && value.contains("[:]") && rng.chance(50) {
        return "42".into();
    }
    value
}

fn response_12(rng: &mut Rng, kind: &str) -> String {
    let pool: &[&str] = match kind {
        "true-false" => &["t", "f", "0", "1", "true", "yes"],
        "choice" => &["a", "a,b", "{a,b}", "1", ""],
        "fill-in" => &["word", "two words", ""],
        "matching" => &["a.1", "a.1,b.2", "{a.1}", "a"],
        "performance" => &["step 1", "x"],
        "sequencing" => &["a,b,c", "1"],
        "likert" => &["1", "a", "z"],
        "numeric" => &["3", "1.5", "-2", "x", ""],
        _ => &["x"],
    };
    rng.pick(pool).to_string()
}

// ---------------------------------------------------------------------------------------------------------
// The sequence generator.

/// What the generator believes about the records it created (it cannot see which calls succeed; it only
/// steers towards sequences that exercise the data model rather than its error paths).
#[derive(Default)]
struct Belief {
    counts: HashMap<String, usize>,
    types: HashMap<String, String>,
}

struct Generator {
    rng: Rng,
}

impl Generator {
    fn sequence(&mut self) -> Sequence {
        let version = if self.rng.chance(50) {
            Version::Scorm2004
        } else {
            Version::Scorm12
        };
        let learner_id = self
            .rng
            .pick(&["learner-1", "urn:rampart:learner:42", "u_007", "ë-ünïcode"])
            .to_string();
        let learner_name = self
            .rng
            .pick(&["Ada Lovelace", "O'Brien, Zoë", "", "李 小龙"])
            .to_string();
        let length = self.rng.range(20, 60);
        let mut calls = Vec::with_capacity(length + 8);
        let mut belief = Belief::default();

        // Calls before Initialize.
        if self.rng.chance(15) {
            for _ in 0..self.rng.range(1, 3) {
                let call = self.misplaced_call(version, &mut belief);
                calls.push(call);
            }
        }
        if self.rng.chance(96) {
            let argument = if self.rng.chance(95) {
                ""
            } else {
                *self.rng.pick(&["x", "true", " "])
            };
            calls.push(ApiCall::new(Method::Initialize, &[argument]));
        }
        let terminates = self.rng.chance(80);
        let body = length.saturating_sub(calls.len() + usize::from(terminates));
        for _ in 0..body {
            let call = self.body_call(version, &mut belief);
            calls.push(call);
            if self.rng.chance(12) {
                let call = self.error_call(version);
                calls.push(call);
            }
        }
        if terminates {
            let argument = if self.rng.chance(95) {
                ""
            } else {
                *self.rng.pick(&["x", "false"])
            };
            calls.push(ApiCall::new(Method::Terminate, &[argument]));
            if self.rng.chance(35) {
                for _ in 0..self.rng.range(1, 4) {
                    let call = self.misplaced_call(version, &mut belief);
                    calls.push(call);
                }
            }
        }
        Sequence {
            version,
            learner_id,
            learner_name,
            calls,
        }
    }

    /// A call in the wrong state: before Initialize or after Terminate.
    fn misplaced_call(&mut self, version: Version, belief: &mut Belief) -> ApiCall {
        match self.rng.below(8) {
            0 => ApiCall::new(Method::Initialize, &[""]),
            1 => ApiCall::new(Method::Terminate, &[""]),
            2 => ApiCall::new(Method::Commit, &[""]),
            3 => ApiCall::new(Method::GetLastError, &[]),
            4 | 5 => {
                let element = self.element(version, belief).0;
                ApiCall::new(Method::GetValue, &[&element])
            }
            _ => self.set_call(version, belief),
        }
    }

    fn body_call(&mut self, version: Version, belief: &mut Belief) -> ApiCall {
        let roll = self.rng.below(100);
        match roll {
            0..=47 => self.set_call(version, belief),
            48..=89 => {
                let element = self.element(version, belief).0;
                ApiCall::new(Method::GetValue, &[&element])
            }
            90..=94 => {
                let argument = if self.rng.chance(90) { "" } else { "x" };
                ApiCall::new(Method::Commit, &[argument])
            }
            95..=96 => ApiCall::new(Method::Initialize, &[""]),
            _ => ApiCall::new(Method::GetLastError, &[]),
        }
    }

    fn error_call(&mut self, version: Version) -> ApiCall {
        let codes: &[&str] = match version {
            Version::Scorm2004 => &[
                "0", "101", "103", "112", "122", "132", "142", "201", "301", "351", "401", "403",
                "404", "405", "406", "407", "408", "999", "", "abc", "0101",
            ],
            Version::Scorm12 => &[
                "0", "101", "201", "202", "203", "301", "401", "402", "403", "404", "405", "999",
                "", "abc",
            ],
        };
        match self.rng.below(3) {
            0 => ApiCall::new(Method::GetLastError, &[]),
            1 => {
                let code = *self.rng.pick(codes);
                ApiCall::new(Method::GetErrorString, &[code])
            }
            _ => {
                let code = if self.rng.chance(50) {
                    ""
                } else {
                    *self.rng.pick(codes)
                };
                ApiCall::new(Method::GetDiagnostic, &[code])
            }
        }
    }

    fn set_call(&mut self, version: Version, belief: &mut Belief) -> ApiCall {
        let (element, kind, new_record) = self.element(version, belief);
        let (element, kind) = match new_record {
            // Mostly give a new record its id first, as a SCO would.
            Some(ref record) if self.rng.chance(70) && has_id(record) => {
                (format!("{record}.id"), identifier_kind(version))
            }
            _ => (element, kind),
        };
        let (value, valid) = self.value(version, &element, kind, belief);
        if valid {
            note_record(belief, &element, &value);
        }
        ApiCall::new(Method::SetValue, &[&element, &value])
    }

    /// An element name: mostly from the vocabulary with indices filled in, sometimes garbage. Also returns
    /// the record path when the chosen index is the next new record (`cmi.objectives.3`).
    fn element(&mut self, version: Version, belief: &Belief) -> (String, Kind, Option<String>) {
        let (elements, garbage) = match version {
            Version::Scorm2004 => (ELEMENTS_2004, GARBAGE_ELEMENTS_2004),
            Version::Scorm12 => (ELEMENTS_12, GARBAGE_ELEMENTS_12),
        };
        if self.rng.chance(8) {
            return (self.rng.pick(garbage).to_string(), Kind::Any, None);
        }
        let (pattern, kind) = *self.rng.pick(elements);
        let mut name = String::new();
        let mut new_record = None;
        for (i, part) in pattern.split('.').enumerate() {
            if i > 0 {
                name.push('.');
            }
            if part == "n" || part == "m" {
                let collection = name.trim_end_matches('.').to_owned();
                let count = belief.counts.get(&collection).copied().unwrap_or(0);
                let index = self.index(count);
                if index == count.to_string() {
                    new_record = Some(format!("{collection}.{index}"));
                }
                name.push_str(&index);
            } else {
                name.push_str(part);
            }
        }
        (name, kind, new_record)
    }

    fn index(&mut self, count: usize) -> String {
        let roll = self.rng.below(100);
        match roll {
            0..=44 if count > 0 => (count - 1).to_string(),
            0..=74 => count.to_string(),
            75..=89 => self.rng.below(4).to_string(),
            _ => self.rng.pick(BAD_INDICES).to_string(),
        }
    }

    /// A value for `element` of `kind`, and whether it was drawn from the valid pool.
    fn value(
        &mut self,
        version: Version,
        element: &str,
        kind: Kind,
        belief: &Belief,
    ) -> (String, bool) {
        if self.rng.chance(8) {
            return (garbage_value(&mut self.rng), false);
        }
        let valid = self.rng.chance(75);
        let rng = &mut self.rng;
        let pick = |rng: &mut Rng, good: &[&str], bad: &[&str]| -> String {
            if valid || bad.is_empty() {
                rng.pick(good).to_string()
            } else {
                rng.pick(bad).to_string()
            }
        };
        let value = match kind {
            Kind::Any => garbage_value(rng),
            Kind::Completion => pick(
                rng,
                &["completed", "incomplete", "not attempted", "unknown"],
                &["complete", "COMPLETED", "", "passed", "browsed"],
            ),
            Kind::Success => pick(
                rng,
                &["passed", "failed", "unknown"],
                &["pass", "Passed", "", "completed"],
            ),
            Kind::Exit2004 => pick(
                rng,
                &["time-out", "suspend", "logout", "normal", ""],
                &["Suspend", "exit", "timeout", "suspend "],
            ),
            Kind::Unit => return (real_value(rng, 0.0, 1.0), valid),
            Kind::Scaled => return (real_value(rng, -1.0, 1.0), valid),
            Kind::Real => pick(
                rng,
                &["85", "-3.5", "0", "1000000", "0.0001", "100", "-100"],
                &["abc", "", "1e2", "85%", "+5", " 5", "5 "],
            ),
            Kind::NonNegative => pick(
                rng,
                &["0", "1", "2.5", "0.75", "100"],
                &["-1", "-0.5", "abc", "", "1e1"],
            ),
            Kind::Captioning => pick(rng, &["-1", "0", "1"], &["2", "-2", "on", "", "1.0"]),
            Kind::Language => pick(
                rng,
                &[
                    "en",
                    "en-US",
                    "fr-CA",
                    "",
                    "zh-Hant-TW",
                    "i-klingon",
                    "x-private",
                ],
                &[
                    "english",
                    "en_US",
                    "e",
                    "toolongprimary-xx",
                    "en-",
                    "1en",
                    "en--us",
                ],
            ),
            Kind::Text(max) => {
                if valid {
                    rng.pick(&["", "page-3", "a b c", "ünïcödé ✓", "{lang=en}x", "x"])
                        .to_string()
                } else {
                    let over: String = "abcdefghij".chars().cycle().take(max + 1).collect();
                    if rng.chance(50) {
                        over
                    } else {
                        long_string(rng)
                    }
                }
            }
            Kind::Localized(max) => {
                if valid {
                    rng.pick(&[
                        "plain text",
                        "{lang=en}hello",
                        "{lang=fr-CA}bonjour",
                        "",
                        "{lang=}x",
                        "{lang=en}",
                    ])
                    .to_string()
                } else if rng.chance(40) {
                    let over: String = "abcdefghij".chars().cycle().take(max + 1).collect();
                    over
                } else {
                    rng.pick(&[
                        "{lang=xxxxxxxxxx}x",
                        "{lang=en x",
                        "{lang=123}x",
                        "{lang=en}{lang=fr}x",
                    ])
                    .to_string()
                }
            }
            Kind::Identifier => {
                if valid {
                    rng.pick(&[
                        "obj-1",
                        "q_2",
                        "urn:ADL:objective:1",
                        "urn:x-y:z",
                        "Question14_1",
                        "o.3",
                    ])
                    .to_string()
                } else if rng.chance(20) {
                    "i".repeat(*rng.pick(&[4000, 4001]))
                } else {
                    rng.pick(&["", " ", "two words", "urn:", "urn:x", "urn:ADL:", "tab\tid"])
                        .to_string()
                }
            }
            Kind::Timestamp => pick(
                rng,
                &[
                    "2026-01-02T03:04:05",
                    "2026-01-02T03:04:05.1Z",
                    "2026-01-02T03:04:05.12+01:00",
                    "2026",
                    "2026-01-02",
                    "2026-01-02T03",
                    "2026-01-02T03:04",
                ],
                &[
                    "2026-13-01",
                    "2026-01-02T25:00:00",
                    "yesterday",
                    "",
                    "2026-01-02 03:04:05",
                    "2026-01-02T03:04:05.123",
                    "1969-01-01",
                    "2026-02-30T00:00:00",
                    "2026-01-02T03:04:05+1",
                ],
            ),
            Kind::Duration => pick(
                rng,
                &[
                    "PT1H30M",
                    "P1Y2M3DT4H5M6.7S",
                    "PT0S",
                    "P1D",
                    "PT0.25S",
                    "P0Y",
                    "PT120M",
                ],
                &[
                    "PT", "P", "1:00:00", "-PT1H", "PT1H30", "PT1.123S", "P1H", "", "pt1h",
                ],
            ),
            Kind::NavRequest => pick(
                rng,
                &[
                    "continue",
                    "previous",
                    "exit",
                    "exitAll",
                    "abandon",
                    "abandonAll",
                    "suspendAll",
                    "_none_",
                    "{target=sco-2}choice",
                    "{target=sco-2}jump",
                ],
                &[
                    "start",
                    "",
                    "Continue",
                    "{target=}choice",
                    "{target=sco-2}",
                    "choice",
                    "resumeAll",
                ],
            ),
            Kind::InteractionType2004 => {
                pick(rng, TYPES_2004, &["essay", "", "True-False", "fill_in"])
            }
            Kind::Pattern | Kind::LearnerResponse => {
                let typed = interaction_type(belief, element);
                match version {
                    Version::Scorm2004 => {
                        let kind = match typed {
                            Some(t) if rng.chance(75) => t,
                            _ => rng.pick(TYPES_2004).to_string(),
                        };
                        response_2004(
                            rng,
                            &kind,
                            matches!(kind, _ if element.ends_with("pattern")),
                        )
                    }
                    Version::Scorm12 => {
                        let kind = match typed {
                            Some(t) if rng.chance(75) => t,
                            _ => rng.pick(TYPES_12).to_string(),
                        };
                        if valid {
                            response_12(rng, &kind)
                        } else {
                            "r".repeat(*rng.pick(&[255, 256]))
                        }
                    }
                }
            }
            Kind::Result2004 => pick(
                rng,
                &[
                    "correct",
                    "incorrect",
                    "unanticipated",
                    "neutral",
                    "12.5",
                    "-1",
                ],
                &["wrong", "", "Correct", "12.5.1"],
            ),
            Kind::LessonStatus => pick(
                rng,
                &["passed", "completed", "failed", "incomplete", "browsed"],
                &["not attempted", "unknown", "", "Passed", "complete"],
            ),
            Kind::Exit12 => pick(
                rng,
                &["time-out", "suspend", "logout", ""],
                &["normal", "Suspend", "exit"],
            ),
            Kind::Score12 => pick(
                rng,
                &["0", "50", "100", "85.25", ""],
                &["-1", "100.5", "101", "abc", "1e2", " 50"],
            ),
            Kind::Timespan => pick(
                rng,
                &[
                    "0000:00:00",
                    "00:30:00",
                    "01:02:03.45",
                    "9999:59:59.99",
                    "12:00:00.5",
                ],
                &[
                    "1:2:3",
                    "00:60:00",
                    "PT1H",
                    "",
                    "99:59:59.999",
                    "00:00:60",
                    "10000:00:00",
                ],
            ),
            Kind::Time12 => pick(
                rng,
                &["12:30:00", "00:00:00", "23:59:59", "12:30:00.5"],
                &["25:00:00", "12:30", "", "12:60:00", "noon"],
            ),
            Kind::Identifier12 => {
                if valid {
                    rng.pick(&["obj1", "q-2", "urn:x:y", "A_1"]).to_string()
                } else {
                    rng.pick(&["", "a b", &"i".repeat(256)]).to_string()
                }
            }
            Kind::Audio12 => pick(
                rng,
                &["-1", "0", "50", "100"],
                &["101", "-2", "abc", "", "50.5"],
            ),
            Kind::Speed12 => pick(rng, &["-100", "0", "100", "-50"], &["101", "-101", "x", ""]),
            Kind::Text12 => pick(rng, &["-1", "0", "1"], &["2", "-2", "on", ""]),
            Kind::ObjectiveStatus12 => pick(
                rng,
                &[
                    "passed",
                    "completed",
                    "failed",
                    "incomplete",
                    "browsed",
                    "not attempted",
                ],
                &["unknown", "", "Passed"],
            ),
            Kind::InteractionType12 => {
                pick(rng, TYPES_12, &["long-fill-in", "other", "", "Choice"])
            }
            Kind::Result12 => pick(
                rng,
                &["correct", "wrong", "unanticipated", "neutral", "12.5"],
                &["incorrect", "", "Correct"],
            ),
            Kind::Comments12 => {
                if valid {
                    rng.pick(&["Great course.", "", " and more"]).to_string()
                } else {
                    "c".repeat(*rng.pick(&[4096, 4097]))
                }
            }
        };
        (value, valid)
    }
}

fn has_id(record: &str) -> bool {
    record.starts_with("cmi.objectives.")
        || (record.starts_with("cmi.interactions.") && !record.contains(".correct_responses."))
}

fn identifier_kind(version: Version) -> Kind {
    match version {
        Version::Scorm2004 => Kind::Identifier,
        Version::Scorm12 => Kind::Identifier12,
    }
}

/// The record path of an element of a collection record, `cmi.interactions.2` for
/// `cmi.interactions.2.type`; the innermost record for nested collections.
fn record_of(element: &str) -> Option<(String, String)> {
    let parts: Vec<&str> = element.split('.').collect();
    let position = parts
        .iter()
        .rposition(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))?;
    Some((parts[..position].join("."), parts[..=position].join(".")))
}

/// The collection holding the outermost record of `element`: `cmi.interactions` for
/// `cmi.interactions.2.objectives.0.id` (an index read loosely, as scorm-again reads it: `" 0"` and `""`
/// count).
fn outer_collection(element: &str) -> Option<String> {
    let parts: Vec<&str> = element.split('.').collect();
    let position = parts
        .iter()
        .position(|p| p.trim().chars().all(|c| c.is_ascii_digit()))?;
    Some(parts[..position].join("."))
}

fn note_record(belief: &mut Belief, element: &str, value: &str) {
    let Some((collection, record)) = record_of(element) else {
        return;
    };
    let index: usize = record
        .rsplit('.')
        .next()
        .unwrap()
        .parse()
        .unwrap_or(usize::MAX);
    let count = belief.counts.entry(collection).or_insert(0);
    if index == *count {
        *count += 1;
    }
    if element.ends_with(".type") {
        belief.types.insert(record, value.to_owned());
    }
}

fn interaction_type(belief: &Belief, element: &str) -> Option<String> {
    let parts: Vec<&str> = element.split('.').collect();
    if parts.len() < 3 {
        return None;
    }
    belief.types.get(&parts[..3].join(".")).cloned()
}

// ---------------------------------------------------------------------------------------------------------
// Running the sequences.

fn run_ours(sequence: &Sequence) -> Vec<Outcome> {
    let context = LaunchContext {
        learner_id: sequence.learner_id.clone(),
        learner_name: sequence.learner_name.clone(),
        ..LaunchContext::default()
    };
    let mut session = Session::new(sequence.version, context, None);
    let flag = |ok: bool| if ok { "true" } else { "false" }.to_owned();
    sequence
        .calls
        .iter()
        .map(|call| {
            let ret = match call.method {
                Method::Initialize => flag(session.initialize(call.arg(0))),
                Method::Terminate => flag(session.terminate(call.arg(0))),
                Method::Commit => flag(session.commit(call.arg(0))),
                Method::GetValue => session.get_value(call.arg(0)),
                Method::SetValue => flag(session.set_value(call.arg(0), call.arg(1))),
                Method::GetLastError => session.get_last_error(),
                Method::GetErrorString => session.get_error_string(call.arg(0)),
                Method::GetDiagnostic => session.get_diagnostic(call.arg(0)),
            };
            Outcome {
                ret,
                err: session.get_last_error(),
            }
        })
        .collect()
}

fn repository_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs every sequence through scorm-again in one node process.
fn run_theirs(sequences: &[Sequence]) -> Vec<Vec<Outcome>> {
    let root = repository_root();
    let package = root.join("node_modules/scorm-again/package.json");
    let manifest = std::fs::read_to_string(&package).unwrap_or_else(|_| {
        panic!(
            "{} is missing: run `npm ci` at the repository root ({}) to install scorm-again",
            package.display(),
            root.display()
        )
    });
    let manifest: serde_json::Value =
        serde_json::from_str(&manifest).expect("scorm-again's package.json");
    assert_eq!(
        manifest["version"].as_str(),
        Some(SCORM_AGAIN_VERSION),
        "node_modules holds another scorm-again than the pinned {SCORM_AGAIN_VERSION}: run `npm ci`"
    );
    let input: Vec<serde_json::Value> = sequences
        .iter()
        .map(|sequence| {
            serde_json::json!({
                "version": match sequence.version {
                    Version::Scorm12 => "scorm12",
                    Version::Scorm2004 => "scorm2004",
                },
                "learner_id": sequence.learner_id,
                "learner_name": sequence.learner_name,
                "calls": sequence.calls.iter().map(|call| {
                    let mut row = vec![call.method.name(sequence.version).to_owned()];
                    row.extend(call.args.iter().cloned());
                    row
                }).collect::<Vec<_>>(),
            })
        })
        .collect();
    let input = serde_json::to_vec(&input).unwrap();
    let script = root.join("e2e/differential/scorm-again.mjs");
    let mut child = Command::new("node")
        .arg(&script)
        .current_dir(&root)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start `node` (is Node.js on PATH?): {e}"));
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let output = child.wait_with_output().expect("waiting for node");
    writer
        .join()
        .unwrap()
        .expect("writing the sequences to node");
    assert!(
        output.status.success(),
        "{} failed ({}):\n{}",
        script.display(),
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let results: Vec<Vec<serde_json::Value>> =
        serde_json::from_slice(&output.stdout).expect("the node script's JSON output");
    assert_eq!(
        results.len(),
        sequences.len(),
        "one result list per sequence"
    );
    results
        .into_iter()
        .map(|calls| {
            calls
                .into_iter()
                .map(|result| match result["exception"].as_str() {
                    Some(exception) => Outcome {
                        ret: "<exception>".into(),
                        err: format!(
                            "<exception: {}>",
                            exception.lines().next().unwrap_or_default()
                        ),
                    },
                    None => Outcome {
                        ret: result["ret"].as_str().unwrap_or("<missing>").to_owned(),
                        err: result["err"].as_str().unwrap_or("<missing>").to_owned(),
                    },
                })
                .collect()
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------------------
// Known differences.

/// One call as both sides answered it, with what came before.
struct Ctx<'a> {
    version: Version,
    call: &'a ApiCall,
    ours: &'a Outcome,
    theirs: &'a Outcome,
    /// The calls before this one, with both answers.
    before: &'a [(ApiCall, Outcome, Outcome)],
}

impl Ctx<'_> {
    fn is_2004(&self) -> bool {
        self.version == Version::Scorm2004
    }

    fn is_12(&self) -> bool {
        self.version == Version::Scorm12
    }

    /// Whether LMSFinish/Terminate succeeded on our side before this call.
    fn finished(&self) -> bool {
        self.before
            .iter()
            .any(|(call, ours, _)| call.method == Method::Terminate && ours.ok())
    }

    fn element(&self) -> &str {
        self.call.element().unwrap_or("")
    }

    /// No earlier SetValue of `element` succeeded on either side.
    fn never_set(&self, element: &str) -> bool {
        !self
            .before
            .iter()
            .any(|(call, ours, theirs)| call.is_set(element) && (ours.ok() || theirs.ok()))
    }

    fn value(&self) -> &str {
        self.call.arg(1)
    }
}

/// The element with its record indices replaced by `n`: `cmi.interactions.n.objectives.n.id`.
fn norm(element: &str) -> String {
    element
        .split('.')
        .map(|part| {
            if !part.is_empty() && part.chars().all(|c| c.is_ascii_digit()) {
                "n"
            } else {
                part
            }
        })
        .collect::<Vec<_>>()
        .join(".")
}

fn has_index(element: &str) -> bool {
    norm(element).split('.').any(|part| part == "n")
}

fn same_set(a: &str, b: &str) -> bool {
    let mut a: Vec<&str> = a.split(',').collect();
    let mut b: Vec<&str> = b.split(',').collect();
    a.sort_unstable();
    b.sort_unstable();
    a == b
}

/// An ISO 8601 duration in hundredths of a second (years as 365 days, months as 30), `None` if the
/// text is not one.
fn duration_cs(text: &str) -> Option<u128> {
    let rest = text.strip_prefix('P')?;
    let (date, time) = match rest.split_once('T') {
        Some((date, time)) if !time.is_empty() => (date, Some(time)),
        Some(_) => return None,
        None => (rest, None),
    };
    let mut total = 0u128;
    let mut parse = |part: &str, units: &[(char, u128)]| -> Option<()> {
        let mut number = String::new();
        let mut next = 0;
        for ch in part.chars() {
            if ch.is_ascii_digit() || ch == '.' {
                number.push(ch);
                continue;
            }
            let position = units[next..].iter().position(|(u, _)| *u == ch)? + next;
            next = position + 1;
            let (whole, fraction) = number.split_once('.').unwrap_or((&number, ""));
            if whole.is_empty() || (ch != 'S' && !fraction.is_empty()) || fraction.len() > 2 {
                return None;
            }
            let fraction = format!("{fraction:0<2}");
            let value = whole.parse::<u128>().ok()? * 100 + fraction.parse::<u128>().ok()?;
            total += value * units[position].1;
            number.clear();
        }
        number.is_empty().then_some(())
    };
    parse(date, &[('Y', 365 * 86400), ('M', 30 * 86400), ('D', 86400)])?;
    if let Some(time) = time {
        parse(time, &[('H', 3600), ('M', 60), ('S', 1)])?;
    }
    Some(total)
}

/// A name that holds other elements rather than a value.
fn is_container(version: Version, element: &str) -> bool {
    let containers: &[&str] = match version {
        Version::Scorm2004 => &[
            "cmi",
            "cmi.score",
            "cmi.objectives",
            "cmi.interactions",
            "cmi.comments_from_learner",
            "cmi.comments_from_lms",
            "cmi.learner_preference",
            "cmi.objectives.n",
            "cmi.objectives.n.score",
            "cmi.interactions.n",
            "cmi.interactions.n.objectives",
            "cmi.interactions.n.correct_responses",
            "adl",
            "adl.nav",
            "adl.nav.request_valid",
            "adl.nav.request_valid.choice",
            "adl.nav.request_valid.jump",
            "adl.data",
            "adl.data.n",
        ],
        Version::Scorm12 => &[
            "cmi",
            "cmi.core",
            "cmi.core.score",
            "cmi.objectives",
            "cmi.objectives.n",
            "cmi.objectives.n.score",
            "cmi.student_data",
            "cmi.student_preference",
            "cmi.interactions",
            "cmi.interactions.n",
            "cmi.interactions.n.objectives",
            "cmi.interactions.n.correct_responses",
        ],
    };
    containers.contains(&norm(element).as_str())
}

/// What a known difference leaves behind, beyond the call itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Effect {
    /// Nothing: the data models still agree.
    None,
    /// The element now holds different values on the two sides (or exists on one side only).
    Element,
    /// The collection (`cmi.interactions`) differs in its records, so every later index differs too.
    Collection,
    /// The API state differs: the rest of the sequence differs.
    Everything,
}

/// Which part of a call's answer a rule explains.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Part {
    /// The return value only.
    Ret,
    /// The error code only.
    Err,
    /// Both.
    Both,
}

struct Known {
    id: &'static str,
    why: &'static str,
    part: Part,
    matches: fn(&Ctx) -> bool,
    effect: Effect,
}

/// Codes for "no such element": 401 in SCORM 2004, 201 in SCORM 1.2.
fn undefined_code(version: Version) -> &'static str {
    match version {
        Version::Scorm2004 => "401",
        Version::Scorm12 => "201",
    }
}

const KNOWN: &[Known] = &[
    // ----- Left to the implementation by the standard: neither side is wrong.
    Known {
        id: "impl-diagnostic-text",
        why: "GetDiagnostic's text is implementation-defined (2004 RTE, 1.2 RTE); only \
              the error code it leaves is compared",
        part: Part::Ret,
        matches: |c| c.call.method == Method::GetDiagnostic,
        effect: Effect::None,
    },
    Known {
        id: "impl-12-error-string-wording",
        why: "SCORM 1.2 names its error codes without fixing the exact text; the two differ only in \
              letter case and punctuation (\"General exception\" / \"General Exception\")",
        part: Part::Ret,
        matches: |c| {
            c.is_12()
                && c.call.method == Method::GetErrorString
                && !c.ours.ret.is_empty()
                && loose(&c.ours.ret) == loose(&c.theirs.ret)
        },
        effect: Effect::None,
    },
    Known {
        id: "impl-children-order",
        why: "_children lists the supported children; the standard fixes no order (the ADL suite \
              compares the list as a set)",
        part: Part::Ret,
        matches: |c| {
            c.element().ends_with("._children")
                && c.ours.ok()
                && c.theirs.ok()
                && same_set(&c.ours.ret, &c.theirs.ret)
        },
        effect: Effect::None,
    },
    Known {
        id: "impl-duration-format",
        why: "a timeinterval (second,10,2) has many spellings of one duration (PT0S, PT0H0M0S); both \
              are valid ISO 8601",
        part: Part::Ret,
        matches: |c| {
            c.is_2004()
                && c.call.method == Method::GetValue
                && duration_cs(&c.ours.ret).is_some()
                && duration_cs(&c.ours.ret) == duration_cs(&c.theirs.ret)
        },
        effect: Effect::None,
    },
    Known {
        id: "impl-12-preference-defaults",
        why: "SCORM 1.2 gives cmi.student_preference.* no mandatory initial value (the LMS starts from \
              the student's stored preferences); ours starts audio/speed/text at 0 (\"no change\"), \
              scorm-again at \"\"",
        part: Part::Ret,
        matches: |c| {
            c.is_12()
                && c.call.method == Method::GetValue
                && c.element().starts_with("cmi.student_preference.")
                && c.ours.ok()
                && c.theirs.ret.is_empty()
                && c.never_set(c.element())
        },
        effect: Effect::None,
    },
    Known {
        id: "impl-duration-precision",
        why: "timeinterval (second,10,2) is kept to 0.01 s; ours accepts an ISO 8601 duration with more \
              decimals of a second (ISO 8601 allows any) and keeps 0.01 s, scorm-again refuses it",
        part: Part::Both,
        matches: |c| {
            c.is_2004()
                && c.call.method == Method::SetValue
                && kind_of(c.version, c.element()) == Some(Kind::Duration)
                && c.ours.ok()
                && c.theirs.err == "406"
                && c.value()
                    .split_once('.')
                    .is_some_and(|(_, f)| f.trim_end_matches('S').len() > 2)
        },
        effect: Effect::Element,
    },
    Known {
        id: "impl-nav-request-valid",
        why: "adl.nav.request_valid.choice/jump answer what the LMS's sequencer predicts; with no \
              activity tree ours says unknown, scorm-again false: both are in the vocabulary \
              (2004 RTE)",
        part: Part::Ret,
        matches: |c| {
            c.call.method == Method::GetValue
                && c.element().starts_with("adl.nav.request_valid.")
                && c.ours.ok()
                && ["true", "false", "unknown"].contains(&c.ours.ret.as_str())
                && ["true", "false", "unknown"].contains(&c.theirs.ret.as_str())
        },
        effect: Effect::None,
    },
    Known {
        id: "impl-12-write-only-missing-record",
        why: "SCORM 1.2 interaction fields are write-only; for a record that does not exist ours \
              answers 201 (no such element), scorm-again 404 (write-only): the standard does not \
              order the two checks",
        part: Part::Err,
        matches: |c| {
            c.is_12()
                && c.call.method == Method::GetValue
                && norm(c.element()).starts_with("cmi.interactions.n.")
                && is_defined(c.version, c.element())
                && c.ours.err == "201"
                && c.theirs.err == "404"
        },
        effect: Effect::None,
    },
    Known {
        id: "impl-12-missing-record-count",
        why: "the _count of a sub-collection of an interaction that does not exist: ours 201 (no such \
              element), scorm-again 0; SCORM 1.2 does not say",
        part: Part::Both,
        matches: |c| {
            c.is_12()
                && c.call.method == Method::GetValue
                && c.element().ends_with("._count")
                && norm(c.element()).starts_with("cmi.interactions.n.")
                && c.ours.err == "201"
                && c.theirs.ret == "0"
        },
        effect: Effect::None,
    },
    Known {
        id: "impl-2004-misplaced-keyword",
        why: "a keyword where the data model has none (cmi.location._children set, cmi.interactions.\
              _version, cmi._count): the RTE only fixes 404 for setting a real keyword and 301 for \
              getting _children/_count of a leaf; ours answers 404 on set and 401 for names the \
              model lacks, scorm-again 401, 351 or 301",
        part: Part::Err,
        matches: |c| {
            c.is_2004()
                && ["._children", "._count", "._version"]
                    .iter()
                    .any(|k| c.element().ends_with(k))
                && !c.ours.ok()
                && !c.theirs.ok()
                && c.ours.ret == c.theirs.ret
                && matches!(c.ours.err.as_str(), "401" | "404")
                && matches!(c.theirs.err.as_str(), "301" | "351" | "401")
                && !(c.call.method == Method::GetValue
                    && c.element() == "cmi.learner_preference._count")
        },
        effect: Effect::None,
    },
    Known {
        id: "impl-root-children",
        why: "neither standard defines cmi._children (only cmi._version at the root); ours answers \
              undefined element (401 / 201), scorm-again lists its top-level names",
        part: Part::Both,
        matches: |c| c.call.is_get("cmi._children") && c.ours.err == undefined_code(c.version),
        effect: Effect::None,
    },
    Known {
        id: "impl-12-objective-status-default",
        why: "SCORM 1.2 gives cmi.objectives.n.status no initial value; ours answers \"not attempted\" \
              (the first state of the vocabulary, as for cmi.core.lesson_status), scorm-again \"\"",
        part: Part::Ret,
        matches: |c| {
            c.is_12()
                && c.call.method == Method::GetValue
                && norm(c.element()) == "cmi.objectives.n.status"
                && c.ours.ret == "not attempted"
                && c.theirs.ret.is_empty()
        },
        effect: Effect::None,
    },
    Known {
        id: "impl-12-comments-append",
        why: "SCORM 1.2 cmi.comments collects the learner's comments; ours appends each \
              LMSSetValue to the comments so far (bounded to 4,096 characters), scorm-again keeps \
              only the last value. The 1.2 RTE does not settle append or replace",
        part: Part::Ret,
        matches: |c| c.is_12() && c.call.is_get("cmi.comments") && c.ours.ok() && c.theirs.ok(),
        effect: Effect::None,
    },
    Known {
        id: "impl-real-lexical",
        why: "real(10,7) follows the XML Schema decimal lexical form, in which \"5.\" and \".5\" are \
              numbers: ours reads them as numbers (and answers 407 when out of range), scorm-again's \
              pattern refuses them with 406",
        part: Part::Both,
        matches: |c| {
            c.is_2004()
                && c.call.method == Method::SetValue
                && (c.value().starts_with('.')
                    || c.value().ends_with('.')
                    || c.value().starts_with("-."))
                && c.theirs.err == "406"
        },
        effect: Effect::Element,
    },
    Known {
        id: "impl-check-order",
        why: "a SetValue wrong in two ways gets one code: a changed objective id that is also \
              malformed (ours 406 for the value, scorm-again 351 for the change), a 1.2 record index \
              beyond _count with a malformed value (ours 201 for the index, scorm-again 405 for the \
              value, or the other way round); the standards do not order the checks",
        part: Part::Err,
        matches: |c| {
            c.call.method == Method::SetValue
                && !c.ours.ok()
                && !c.theirs.ok()
                && match c.version {
                    Version::Scorm2004 => {
                        norm(c.element()) == "cmi.objectives.n.id"
                            && c.ours.err == "406"
                            && c.theirs.err == "351"
                    }
                    Version::Scorm12 => {
                        matches!(
                            (c.ours.err.as_str(), c.theirs.err.as_str()),
                            ("201", "405") | ("405", "201")
                        )
                    }
                }
        },
        effect: Effect::None,
    },
    // ----- Intended differences of ours.
    Known {
        id: "ours-spm-ceiling",
        why: "past its own ceiling (4 times the SPM, at least 4,096 characters) ours refuses a value \
              with 351 (2004: general set failure, well-formed but more than this LMS stores; 405 in \
              1.2); scorm-again refuses anything over the SPM as a type mismatch (406 in 2004, 405 in \
              1.2), or has no limit at all (1.2 patterns and responses, 2004 descriptions)",
        part: Part::Both,
        matches: |c| {
            c.call.method == Method::SetValue
                && c.ours.err == if c.is_2004() { "351" } else { "405" }
                && c.theirs.err != c.ours.err
                && spm(c.version, c.element())
                    .is_some_and(|spm| c.value().chars().count() > (4 * spm).max(4096))
        },
        effect: Effect::None,
    },
    Known {
        id: "ours-spm-floor",
        why: "sizes in both standards are smallest permitted maximums, a floor an LMS must store; \
              ours stores up to 4 times the SPM (at least 4,096 characters; 64,000 for 1.2 \
              suspend_data, as real courses need) where scorm-again refuses anything over the SPM \
              (issue 4: \"minimum sizes as floors not ceilings\")",
        part: Part::Both,
        matches: |c| {
            c.call.method == Method::SetValue
                && c.ours.ok()
                && !c.theirs.ok()
                && spm(c.version, c.element()).is_some_and(|spm| c.value().chars().count() > spm)
        },
        effect: Effect::None,
    },
    // ----- scorm-again departs from the standard.
    Known {
        id: "sa-sticky-error",
        why: "a successful call sets the error code to 0 (2004 RTE, 1.2 RTE); scorm-again's \
              GetValue of cmi.completion_status / cmi.success_status (and other getters) returns the \
              value but leaves the previous call's error code",
        part: Part::Err,
        matches: |c| {
            c.call.method == Method::GetValue
                && c.ours.ok()
                && !c.theirs.ok()
                && c.before
                    .last()
                    .is_some_and(|(_, _, t)| t.err == c.theirs.err)
        },
        effect: Effect::None,
    },
    Known {
        id: "sa-false-without-error",
        why: "a call that returns \"false\" sets an error code (2004 RTE: every failure has a \
              code); scorm-again returns \"false\" with error 0 for a value set on a record name \
              (cmi.objectives.0) or an empty element name",
        part: Part::Err,
        matches: |c| c.theirs.ret == "false" && c.theirs.err == "0" && !c.ours.ok(),
        effect: Effect::None,
    },
    Known {
        id: "sa-undefined-element-code",
        why: "a name that is not in the data model is 401 (undefined data model element) in SCORM \
              2004 and 201 (invalid argument) in SCORM 1.2, whose 401 means \"valid but not \
              implemented\"; scorm-again answers other codes (1.2: 401; 2004: 404, 301…)",
        part: Part::Err,
        matches: |c| {
            matches!(c.call.method, Method::GetValue | Method::SetValue)
                && !is_defined(c.version, c.element())
                && !keyword_of_element(c)
                && c.ours.err == undefined_code(c.version)
                && !c.theirs.ok()
                && c.ours.ret == c.theirs.ret
        },
        effect: Effect::None,
    },
    Known {
        id: "sa-get-container",
        why: "a name holding other elements (cmi, cmi.core, adl.nav, cmi.objectives.0) is not an element: \
              GetValue is 401 in 2004 (ADL DMI: GetValue(cmi) is 401) and 201 in 1.2; scorm-again \
              returns its internal object",
        part: Part::Both,
        matches: |c| {
            c.call.method == Method::GetValue
                && is_container(c.version, c.element())
                && c.ours.err == undefined_code(c.version)
        },
        effect: Effect::None,
    },
    Known {
        id: "sa-set-container",
        why: "a name holding other elements cannot be set: 401 in 2004 (ADL DMI: SetValue(cmi) is 401), \
              201 in 1.2; scorm-again accepts it and replaces its own object, after which its data \
              model misbehaves (other elements fail, Commit and Terminate throw)",
        part: Part::Both,
        matches: |c| {
            c.call.method == Method::SetValue
                && c.theirs.ret == "true"
                && c.ours.err == undefined_code(c.version)
                && is_container(c.version, c.element())
        },
        effect: Effect::Everything,
    },
    Known {
        id: "sa-12-keyword-set-code",
        why: "1.2 RTE: LMSSetValue on a keyword (_children, _count, _version) is 402; ours \
              answers 402, or 201 when the keyword belongs to no element (cmi._children, a missing \
              record); scorm-again answers 401 (not implemented) or 402 for those",
        part: Part::Err,
        matches: |c| {
            c.is_12()
                && c.call.method == Method::SetValue
                && ["._children", "._count", "._version"]
                    .iter()
                    .any(|k| c.element().ends_with(k))
                && matches!(c.ours.err.as_str(), "402" | "201")
                && matches!(c.theirs.err.as_str(), "401" | "402")
        },
        effect: Effect::None,
    },
    Known {
        id: "sa-12-unknown-code-string",
        why: "LMSGetErrorString of a code SCORM 1.2 does not define: scorm-again answers \"No Error\"; \
              ours answers \"\" as SCORM 2004 RTE requires for unknown codes (1.2 lists only \
              its codes)",
        part: Part::Ret,
        matches: |c| {
            c.is_12()
                && c.call.method == Method::GetErrorString
                && c.ours.ret.is_empty()
                && c.theirs.ret == "No Error"
        },
        effect: Effect::None,
    },
    Known {
        id: "sa-12-total-time-blank",
        why: "1.2 RTE cmi.core.total_time: the LMS initialises it (0000:00:00) on the first \
              launch; scorm-again answers \"\" unless the LMS loads a value",
        part: Part::Ret,
        matches: |c| {
            c.is_12()
                && c.call.is_get("cmi.core.total_time")
                && c.ours.ok()
                && c.theirs.ret.is_empty()
        },
        effect: Effect::None,
    },
    Known {
        id: "sa-12-score-max-100",
        why: "1.2 RTE: score.raw/min/max start blank (\"\") until the SCO sets them; scorm-again \
              answers 100 for an unset score.max",
        part: Part::Ret,
        matches: |c| {
            c.is_12()
                && c.call.method == Method::GetValue
                && c.element().ends_with("score.max")
                && c.ours.ok()
                && c.ours.ret.is_empty()
                && c.theirs.ret == "100"
        },
        effect: Effect::None,
    },
    Known {
        id: "sa-12-finish-twice-true",
        why: "a second LMSFinish is an error (101) and returns \"false\" (1.2 RTE: \"false\" on \
              error); scorm-again sets 101 but returns \"true\"",
        part: Part::Ret,
        matches: |c| {
            c.is_12()
                && c.call.method == Method::Terminate
                && c.ours.ret == "false"
                && c.theirs.ret == "true"
                && c.ours.err == c.theirs.err
        },
        effect: Effect::None,
    },
    Known {
        id: "sa-12-after-finish",
        why: "after LMSFinish the SCO may call only the error functions (1.2 RTE); ours refuses \
              LMSGetValue/LMSSetValue/LMSCommit with 101, scorm-again still serves them",
        part: Part::Both,
        matches: |c| c.is_12() && c.finished() && c.ours.err == "101" && c.theirs.err != "101",
        effect: Effect::Everything,
    },
    Known {
        id: "sa-12-initialize-after-finish-throws",
        why: "LMSInitialize after LMSFinish must return \"false\" with 101 (1.2 RTE: one \
              LMSInitialize per launch); scorm-again throws a TypeError (student_data.initialize \
              is not a function) instead of answering",
        part: Part::Both,
        matches: |c| {
            c.is_12()
                && c.call.method == Method::Initialize
                && c.finished()
                && c.ours.ret == "false"
                && c.theirs.err.starts_with("<exception")
        },
        effect: Effect::Everything,
    },
    Known {
        id: "sa-2004-launch-data-not-403",
        why: "2004 RTE: with no adlcp:dataFromLMS, GetValue(cmi.launch_data) returns \"\" with \
              403 (value not initialized); scorm-again returns \"\" with 0",
        part: Part::Err,
        matches: |c| c.is_2004() && c.call.is_get("cmi.launch_data") && c.ours.err == "403",
        effect: Effect::None,
    },
    Known {
        id: "sa-2004-missing-record-403",
        why: "GetValue of a record index at or beyond _count is 301 (general get failure) in the ADL \
              suite (DMI: cmi.objectives.0.* before any objective); scorm-again answers 403",
        part: Part::Err,
        matches: |c| {
            c.is_2004()
                && c.call.method == Method::GetValue
                && has_index(c.element())
                && c.ours.err == "301"
                && c.theirs.err == "403"
        },
        effect: Effect::None,
    },
    Known {
        id: "sa-2004-nav-request-write-only",
        why: "adl.nav.request is read/write with initial value _none_ (2004 RTE); scorm-again \
              refuses GetValue with 405",
        part: Part::Both,
        matches: |c| {
            c.is_2004() && c.call.is_get("adl.nav.request") && c.ours.ok() && c.theirs.err == "405"
        },
        effect: Effect::None,
    },
    Known {
        id: "sa-2004-adl-data-invented",
        why: "adl.data holds only the stores the manifest maps to the SCO (2004 4th ed. RTE); a \
              SCO cannot add one. scorm-again accepts SetValue(adl.data.n.*) for a store that does \
              not exist, or answers 404 for its id (ours: 351 for an index beyond _count)",
        part: Part::Both,
        matches: |c| {
            c.is_2004()
                && c.call.method == Method::SetValue
                && norm(c.element()).starts_with("adl.data.n.")
                && c.ours.err == "351"
        },
        effect: Effect::Collection,
    },
    Known {
        id: "sa-2004-record-without-id",
        why: "a new objective or interaction record must get its id first: any other element of it is \
              408 (dependency not established, 2004 RTE and 4.2.17; ADL DMI); scorm-again \
              creates the record without an id",
        part: Part::Both,
        matches: |c| {
            c.is_2004()
                && c.call.method == Method::SetValue
                && c.ours.err == "408"
                && c.theirs.ok()
                && !matches!(
                    norm(c.element()).as_str(),
                    "cmi.objectives.n.id" | "cmi.interactions.n.id"
                )
        },
        effect: Effect::Collection,
    },
    Known {
        id: "sa-2004-empty-string-refused",
        why: "an empty characterstring is a valid value (ADL DMI: SetValue(cmi.location, \"\") and \
              SetValue(cmi.learner_preference.language, \"\") succeed); scorm-again refuses it with 406",
        part: Part::Both,
        matches: |c| {
            c.is_2004()
                && c.call.method == Method::SetValue
                && c.value().is_empty()
                && c.ours.ok()
                && c.theirs.err == "406"
        },
        effect: Effect::None,
    },
    Known {
        id: "sa-12-identifier-syntax",
        why: "a SCORM 1.2 CMIIdentifier has no white space or unprintable characters (1.2 RTE, \
              \"alphanumeric\"); ours also refuses the characters a URI may not hold. scorm-again \
              knowingly accepts any printable ASCII and white space",
        part: Part::Both,
        matches: |c| {
            c.is_12()
                && c.call.method == Method::SetValue
                && c.element().ends_with(".id")
                && c.ours.err == "405"
                && c.theirs.ok()
                && (c.value().is_empty()
                    || bad_identifier(c.value())
                    || c.value().contains(['[', ']']))
        },
        effect: Effect::None,
    },
    Known {
        id: "sa-12-timespan-syntax",
        why: "CMITimespan is HHHH:MM:SS.SS with 2 to 4 hour digits, minutes and seconds under 60 \
              (1.2 RTE); scorm-again accepts any number of hour digits and 60 minutes",
        part: Part::Both,
        matches: |c| {
            c.is_12()
                && c.call.method == Method::SetValue
                && kind_of(c.version, c.element()) == Some(Kind::Timespan)
                && c.ours.err == "405"
                && c.theirs.ok()
        },
        effect: Effect::None,
    },
    Known {
        id: "sa-12-exit-normal",
        why: "the SCORM 1.2 cmi.core.exit vocabulary is time-out, suspend, logout and \"\" (\"normal\" \
              arrived with 2004); scorm-again accepts \"normal\"",
        part: Part::Both,
        matches: |c| {
            c.is_12() && c.call.is_set("cmi.core.exit") && c.value() == "normal" && c.theirs.ok()
        },
        effect: Effect::None,
    },
    Known {
        id: "sa-12-result-vocabulary",
        why: "the SCORM 1.2 cmi.interactions.n.result vocabulary is correct, wrong, unanticipated, \
              neutral or a number (\"incorrect\" arrived with 2004); scorm-again accepts \"incorrect\"",
        part: Part::Both,
        matches: |c| {
            c.is_12()
                && norm(c.element()) == "cmi.interactions.n.result"
                && c.value() == "incorrect"
                && c.theirs.ok()
        },
        effect: Effect::None,
    },
    Known {
        id: "sa-12-feedback-typed",
        why: "a SCORM 1.2 student_response or correct pattern is a CMIFeedback whose syntax follows \
              the interaction type: 0/1/t/f for true-false, a number for numeric (1.2 RTE); \
              scorm-again accepts any text",
        part: Part::Both,
        matches: |c| {
            c.is_12()
                && matches!(
                    norm(c.element()).as_str(),
                    "cmi.interactions.n.student_response"
                        | "cmi.interactions.n.correct_responses.n.pattern"
                )
                && c.ours.err == "405"
                && c.theirs.ok()
        },
        effect: Effect::None,
    },
    Known {
        id: "sa-12-weighting-range",
        why: "SCORM 1.2 cmi.interactions.n.weighting is a CMIDecimal with no range; scorm-again limits \
              it to -100..100",
        part: Part::Both,
        matches: |c| {
            c.is_12()
                && norm(c.element()) == "cmi.interactions.n.weighting"
                && c.ours.ok()
                && c.theirs.err == "405"
        },
        effect: Effect::None,
    },
    Known {
        id: "sa-12-empty-element",
        why: "LMSGetValue(\"\") names no element: 201 (invalid argument, 1.2 RTE); scorm-again \
              answers \"\" with no error",
        part: Part::Err,
        matches: |c| c.is_12() && c.call.is_get("") && c.ours.err == "201" && c.theirs.ok(),
        effect: Effect::None,
    },
    Known {
        id: "sa-malformed-index",
        why: "a record index is a plain decimal number (\"0\", not \" 0\" or \"\"); scorm-again \
              parses \" 0\" and \"\" as an index, ours answers undefined element (401 / 201)",
        part: Part::Both,
        matches: |c| {
            matches!(c.call.method, Method::GetValue | Method::SetValue)
                && c.ours.err == undefined_code(c.version)
                && c.theirs.ok()
                && c.element().split('.').any(|p| {
                    p.is_empty()
                        || (p.trim().chars().all(|ch| ch.is_ascii_digit()) && p.trim() != p)
                })
        },
        effect: Effect::Collection,
    },
    Known {
        id: "sa-2004-nav-request-vocabulary",
        why: "adl.nav.request takes continue, previous, {target=ID}choice, {target=ID}jump, exit, \
              exitAll, abandon, abandonAll, suspendAll or _none_ (2004 RTE); scorm-again also \
              accepts start, resumeAll, retry and a choice or jump without target",
        part: Part::Both,
        matches: |c| {
            c.is_2004() && c.call.is_set("adl.nav.request") && c.ours.err == "406" && c.theirs.ok()
        },
        effect: Effect::Element,
    },
    Known {
        id: "sa-2004-delivery-speed-zero",
        why: "cmi.learner_preference.delivery_speed is a real ≥ 0 (2004 RTE; the ADL DMI reads \
              back 0.0); scorm-again refuses 0 with 407",
        part: Part::Both,
        matches: |c| {
            c.is_2004()
                && c.call.is_set("cmi.learner_preference.delivery_speed")
                && c.ours.ok()
                && c.theirs.err == "407"
                && c.value().parse::<f64>() == Ok(0.0)
        },
        effect: Effect::Element,
    },
    Known {
        id: "sa-2004-captioning-range",
        why: "cmi.learner_preference.audio_captioning is a state (-1, 0, 1): another value is a type \
              mismatch, 406 (ADL DMI: \"IlSt\" is 406); scorm-again treats it as a number range and \
              answers 407 for 2 or -2",
        part: Part::Err,
        matches: |c| {
            c.is_2004()
                && c.call.is_set("cmi.learner_preference.audio_captioning")
                && c.ours.err == "406"
                && c.theirs.err == "407"
        },
        effect: Effect::None,
    },
    Known {
        id: "sa-2004-dependency-first",
        why: "a field of a new interaction or objective record before its id is 408 whatever the value \
              (ADL DMI expects 408 for values that are also malformed); scorm-again checks the value \
              first and answers 406",
        part: Part::Err,
        matches: |c| {
            c.is_2004()
                && c.call.method == Method::SetValue
                && c.ours.err == "408"
                && matches!(c.theirs.err.as_str(), "406" | "407" | "351")
        },
        effect: Effect::None,
    },
    Known {
        id: "sa-2004-comments-from-lms-read-only",
        why: "cmi.comments_from_lms.n.* are read-only: SetValue is 404 whatever n (ADL DMI sets \
              cmi.comments_from_lms.0.* with no comments and expects 404); scorm-again answers 351 \
              for an index beyond _count",
        part: Part::Err,
        matches: |c| {
            c.is_2004()
                && c.call.method == Method::SetValue
                && norm(c.element()).starts_with("cmi.comments_from_lms.n")
                && c.ours.err == "404"
                && c.theirs.err == "351"
        },
        effect: Effect::None,
    },
    Known {
        id: "sa-2004-interaction-id-change",
        why: "an interaction's id may be set again, even to an id another interaction has (ADL DMI sets \
              cmi.interactions.0.id five times, the last to DUPLICATEID, expecting true); scorm-again \
              refuses with 351",
        part: Part::Both,
        matches: |c| {
            c.is_2004()
                && norm(c.element()) == "cmi.interactions.n.id"
                && (c.ours.ok() || c.ours.err == "406")
                && c.theirs.err == "351"
        },
        effect: Effect::Element,
    },
    Known {
        id: "sa-2004-language-syntax",
        why: "a language tag (RFC 3066) starts with a 2 or 3 letter ISO 639 code, or i / x (2004 RTE \
              4.1.1.5); scorm-again accepts a 1-letter primary tag such as \"e\"",
        part: Part::Both,
        matches: |c| {
            c.is_2004()
                && c.call.method == Method::SetValue
                && kind_of(c.version, c.element()) == Some(Kind::Language)
                && c.ours.err == "406"
                && c.theirs.ok()
        },
        effect: Effect::Element,
    },
    Known {
        id: "sa-2004-unset-not-403",
        why: "GetValue of an element that has no default and was never set is \"\" with 403 (ADL DMI: \
              cmi.comments_from_learner.0.timestamp unset is 403); scorm-again answers 0 for some \
              (cmi.comments_from_learner.n.location)",
        part: Part::Err,
        matches: |c| {
            c.is_2004()
                && c.call.method == Method::GetValue
                && c.ours.err == "403"
                && c.theirs.ok()
                && c.theirs.ret.is_empty()
                && c.never_set(c.element())
        },
        effect: Effect::None,
    },
    Known {
        id: "sa-2004-duration-syntax",
        why: "a timeinterval is an ISO 8601 duration: P, then date parts, then T and time parts, with \
              at least one part (2004 RTE); scorm-again accepts P alone and P1H (hours without T)",
        part: Part::Both,
        matches: |c| {
            c.is_2004()
                && c.call.method == Method::SetValue
                && kind_of(c.version, c.element()) == Some(Kind::Duration)
                && c.ours.err == "406"
                && c.theirs.ok()
        },
        effect: Effect::Element,
    },
    Known {
        id: "sa-2004-localized-delimiter",
        why: "a localized_string_type has at most one {lang=…} delimiter, at the start; what follows is \
              the string, braces included (2004 RTE), so \"{lang=en}{lang=fr}x\" is the English \
              text \"{lang=fr}x\"; scorm-again refuses it with 406",
        part: Part::Both,
        matches: |c| {
            c.is_2004()
                && c.call.method == Method::SetValue
                && matches!(kind_of(c.version, c.element()), Some(Kind::Localized(_)))
                && c.ours.ok()
                && c.theirs.err == "406"
                && c.value().starts_with("{lang=")
        },
        effect: Effect::Element,
    },
    Known {
        id: "sa-line-break-refused",
        why: "a characterstring may hold any ISO 10646 character in 2004 and any ASCII \
              character in a 1.2 CMIString, line breaks included; scorm-again's patterns refuse a \
              line break (406 / 405)",
        part: Part::Both,
        matches: |c| {
            c.call.method == Method::SetValue
                && c.value().contains('\n')
                && c.ours.ok()
                && matches!(c.theirs.err.as_str(), "405" | "406")
        },
        effect: Effect::Element,
    },
    Known {
        id: "sa-2004-timestamp-syntax",
        why: "a time (second,10,0) is an ISO 8601 date and time that exists (no 30 February, no hour \
              25, at most 2 decimals of a second, a complete zone offset); scorm-again's pattern \
              accepts some that do not",
        part: Part::Both,
        matches: |c| {
            c.is_2004()
                && c.call.method == Method::SetValue
                && kind_of(c.version, c.element()) == Some(Kind::Timestamp)
                && c.ours.err == "406"
                && c.theirs.ok()
        },
        effect: Effect::Element,
    },
    Known {
        id: "sa-2004-identifier-syntax",
        why: "identifiers are URIs (2004 RTE, RFC 3986): no white space, no < > \" { } | \\ ^ `, \
              [ ] only in an IP literal, and urn: needs a namespace and a string; scorm-again \
              accepts such values",
        part: Part::Both,
        matches: |c| {
            c.is_2004()
                && c.call.method == Method::SetValue
                && c.element().ends_with(".id")
                && c.ours.err == "406"
                && c.theirs.ok()
                && (bad_identifier(c.value()) || c.value().contains(['[', ']']))
        },
        effect: Effect::None,
    },
];

/// A 2004 GetValue of `_children` / `_count` on a data model element that has none: the RTE's answer is
/// 301 (general get failure), not 401, so no rule about undefined names may cover it.
fn keyword_of_element(c: &Ctx) -> bool {
    let Some(parent) = c
        .element()
        .strip_suffix("._children")
        .or_else(|| c.element().strip_suffix("._count"))
    else {
        return false;
    };
    c.is_2004()
        && c.call.method == Method::GetValue
        && parent != "cmi"
        && (is_defined(c.version, parent) || is_container(c.version, parent))
}

/// Lower-case letters and digits only: for comparing wordings.
fn loose(text: &str) -> String {
    text.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// What no URI may hold, or an incomplete urn.
fn bad_identifier(value: &str) -> bool {
    let forbidden = |c: char| c.is_whitespace() || c.is_control() || "{}<>\"\\^`|".contains(c);
    value.chars().any(forbidden)
        || value
            .get(..4)
            .is_some_and(|p| p.eq_ignore_ascii_case("urn:"))
            && value[4..]
                .split_once(':')
                .is_none_or(|(nid, nss)| nid.is_empty() || nss.is_empty())
}

/// The element's vocabulary entry, indices normalised.
fn kind_of(version: Version, element: &str) -> Option<Kind> {
    let elements = match version {
        Version::Scorm2004 => ELEMENTS_2004,
        Version::Scorm12 => ELEMENTS_12,
    };
    let wanted = norm(element);
    elements
        .iter()
        .find(|(pattern, _)| norm_pattern(pattern) == wanted)
        .map(|(_, kind)| *kind)
}

fn norm_pattern(pattern: &str) -> String {
    pattern
        .split('.')
        .map(|p| if p == "m" { "n" } else { p })
        .collect::<Vec<_>>()
        .join(".")
}

/// Whether `element` is a data model element (or keyword) of `version`.
fn is_defined(version: Version, element: &str) -> bool {
    if version == Version::Scorm2004 {
        for request in ["choice", "jump"] {
            let prefix = format!("adl.nav.request_valid.{request}.{{target=");
            if element
                .strip_prefix(&prefix)
                .is_some_and(|rest| rest.len() > 1 && rest.ends_with('}'))
            {
                return true;
            }
        }
    }
    kind_of(version, element).is_some()
}

/// The smallest permitted maximum of a string element.
fn spm(version: Version, element: &str) -> Option<usize> {
    match kind_of(version, element)? {
        Kind::Text(n) | Kind::Localized(n) => Some(n),
        Kind::Identifier => Some(4000),
        Kind::Identifier12 | Kind::Pattern | Kind::LearnerResponse
            if version == Version::Scorm12 =>
        {
            Some(255)
        }
        Kind::Comments12 => Some(4096),
        _ => None,
    }
}

/// A part of the data model that a known difference left different on the two sides.
#[derive(Clone, Debug)]
struct Divergence {
    rule: &'static str,
    /// An element, record or collection path; `""` for everything.
    scope: String,
    exact: bool,
}

impl Divergence {
    fn covers(&self, element: &str) -> bool {
        if self.exact {
            return element == self.scope;
        }
        self.scope.is_empty()
            || element == self.scope
            || element
                .strip_prefix(self.scope.as_str())
                .is_some_and(|rest| rest.starts_with('.'))
    }
}

fn divergence(rule: &'static str, effect: Effect, element: &str) -> Option<Divergence> {
    let (scope, exact) = match effect {
        Effect::None => return None,
        Effect::Element => (element.to_owned(), true),
        // The outermost collection: a new interaction made by its objectives.0.id shifts cmi.interactions.
        Effect::Collection => (
            outer_collection(element).unwrap_or_else(|| element.to_owned()),
            false,
        ),
        Effect::Everything => (String::new(), false),
    };
    Some(Divergence { rule, scope, exact })
}

/// Differences that show in no answer at the time they happen.
fn silent_divergence(ctx: &Ctx) -> Option<Divergence> {
    // A refused SetValue into a new record leaves an empty record behind in scorm-again (its index read
    // loosely: " 0" is 0 there).
    if ctx.call.method != Method::SetValue || ctx.theirs.ok() {
        return None;
    }
    let parts: Vec<&str> = ctx.element().split('.').collect();
    let position = parts.iter().position(|p| {
        let p = p.trim();
        !p.is_empty() && p.chars().all(|c| c.is_ascii_digit())
    })?;
    let collection = parts[..position].join(".");
    if !is_defined(ctx.version, &format!("{collection}._count"))
        || record_existed_on_both(ctx.before, ctx.element())
    {
        return None;
    }
    Some(Divergence {
        rule: "sa-phantom-record",
        scope: collection,
        exact: false,
    })
}

/// How the differences of one call are explained: by the rules that match it, by the last error already
/// differing for a known reason (for the error functions), or by an earlier known difference of the data
/// models. `None` when some part stays unexplained.
fn explain(
    ctx: &Ctx,
    divergences: &[Divergence],
    error_rule: Option<&'static str>,
) -> Option<(&'static str, Effect)> {
    // scorm-again throws once one of its objects was replaced by a SetValue on a container name.
    if ctx.theirs.err.starts_with("<exception") {
        if let Some(rule) = KNOWN
            .iter()
            .find(|rule| rule.part == Part::Both && (rule.matches)(ctx))
        {
            return Some((rule.id, rule.effect));
        }
        return divergences
            .iter()
            .find(|d| d.rule == "sa-set-container")
            .map(|d| (d.rule, Effect::Everything));
    }
    let ret_differs = ctx.ours.ret != ctx.theirs.ret;
    let err_differs = ctx.ours.err != ctx.theirs.err;
    let rule_for = |part: Part| {
        KNOWN
            .iter()
            .find(|rule| (rule.part == part || rule.part == Part::Both) && (rule.matches)(ctx))
    };
    let inherited = ctx
        .call
        .element()
        .and_then(|element| divergences.iter().rev().find(|d| d.covers(element)))
        .or_else(|| divergences.iter().rev().find(|d| d.scope.is_empty()))
        .map(|d| d.rule);
    let mut found: Option<(&'static str, Effect)> = None;
    let mut note = |id: &'static str, effect: Effect| {
        if found.is_none_or(|(_, e)| effect > e) || found.is_none() {
            found = Some((id, effect));
        }
    };
    if ret_differs {
        let by_rule = rule_for(Part::Ret);
        let by_error = (ctx.call.method == Method::GetLastError)
            .then_some(error_rule)
            .flatten();
        match (by_rule, by_error, inherited) {
            (Some(rule), _, _) => note(rule.id, rule.effect),
            (None, Some(id), _) | (None, None, Some(id)) => note(id, Effect::None),
            (None, None, None) => return None,
        }
    }
    if err_differs {
        let by_error = ctx
            .call
            .method
            .is_error_function()
            .then_some(error_rule)
            .flatten();
        match (by_error, rule_for(Part::Err), inherited) {
            (Some(id), _, _) => note(id, Effect::None),
            (None, Some(rule), _) => note(rule.id, rule.effect),
            (None, None, Some(id)) => note(id, Effect::None),
            (None, None, None) => return None,
        }
    }
    found
}

/// Whether the collection record holding `element` had been created on both sides before (an element
/// outside collections always exists).
fn record_existed_on_both(history: &[(ApiCall, Outcome, Outcome)], element: &str) -> bool {
    let Some((_, record)) = record_of(element) else {
        return true;
    };
    let inside = |call: &ApiCall| {
        call.method == Method::SetValue
            && call
                .arg(0)
                .strip_prefix(record.as_str())
                .is_some_and(|rest| rest.starts_with('.'))
    };
    let ours = history.iter().any(|(c, o, _)| inside(c) && o.ok());
    let theirs = history.iter().any(|(c, _, t)| inside(c) && t.ok());
    ours && theirs
}

// ---------------------------------------------------------------------------------------------------------
// The test.

struct Mismatch {
    sequence: usize,
    call: usize,
}

fn env_number(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(text) => {
            let text = text.trim();
            let parsed = match text.strip_prefix("0x") {
                Some(hex) => u64::from_str_radix(hex, 16),
                None => text.parse(),
            };
            parsed.unwrap_or_else(|_| panic!("{name}={text} is not a number"))
        }
        Err(_) => default,
    }
}

#[test]
fn runtime_agrees_with_scorm_again() {
    let seed = env_number("DIFFERENTIAL_SEED", DEFAULT_SEED);
    let cases = env_number("DIFFERENTIAL_CASES", DEFAULT_CASES as u64) as usize;
    let mut generator = Generator {
        rng: Rng::new(seed),
    };
    let sequences: Vec<Sequence> = (0..cases).map(|_| generator.sequence()).collect();
    let theirs = run_theirs(&sequences);

    let mut calls = 0;
    let mut identical = 0;
    let mut known: HashMap<&'static str, usize> = HashMap::new();
    let mut unexplained = Vec::new();
    let mut explained: Vec<(usize, usize, &'static str)> = Vec::new();
    for (number, (sequence, theirs)) in sequences.iter().zip(&theirs).enumerate() {
        let ours = run_ours(sequence);
        assert_eq!(
            ours.len(),
            theirs.len(),
            "sequence {number}: one answer per call"
        );
        let mut history: Vec<(ApiCall, Outcome, Outcome)> = Vec::new();
        let mut divergences: Vec<Divergence> = Vec::new();
        // The rule that explains why the two last-error codes differ right now.
        let mut error_rule: Option<&'static str> = None;
        for (index, ((call, ours), theirs)) in
            sequence.calls.iter().zip(&ours).zip(theirs).enumerate()
        {
            calls += 1;
            let ctx = Ctx {
                version: sequence.version,
                call,
                ours,
                theirs,
                before: &history,
            };
            if ours == theirs {
                identical += 1;
            } else {
                match explain(&ctx, &divergences, error_rule) {
                    Some((rule, effect)) => {
                        *known.entry(rule).or_default() += 1;
                        explained.push((number, index, rule));
                        // A SetValue accepted on one side only leaves the models different.
                        let effect = if call.method == Method::SetValue && ours.ok() != theirs.ok()
                        {
                            let least = if record_existed_on_both(&history, ctx.element()) {
                                Effect::Element
                            } else {
                                Effect::Collection
                            };
                            effect.max(least)
                        } else {
                            effect
                        };
                        divergences.extend(divergence(rule, effect, ctx.element()));
                        if ours.err != theirs.err {
                            error_rule = Some(rule);
                        }
                    }
                    None => unexplained.push(Mismatch {
                        sequence: number,
                        call: index,
                    }),
                }
            }
            divergences.extend(silent_divergence(&ctx));
            if ours.err == theirs.err {
                error_rule = None;
            }
            history.push((call.clone(), ours.clone(), theirs.clone()));
        }
    }

    if let Ok(path) = std::env::var("DIFFERENTIAL_DUMP") {
        dump(&path, &sequences, &theirs, &unexplained, &explained);
    }
    let known_total: usize = known.values().sum();
    let mut by_rule: Vec<_> = known.iter().collect();
    by_rule.sort();
    let by_rule: Vec<String> = by_rule.iter().map(|(id, n)| format!("{id} {n}")).collect();
    for mismatch in unexplained.iter().take(8) {
        let sequence = &sequences[mismatch.sequence];
        let ours = run_ours(sequence);
        println!(
            "\nunexplained difference in sequence {} ({:?}, learner {:?} {:?}), call {}:",
            mismatch.sequence,
            sequence.version,
            sequence.learner_id,
            sequence.learner_name,
            mismatch.call + 1
        );
        for (i, call) in sequence.calls.iter().enumerate().take(mismatch.call + 1) {
            let (o, t) = (&ours[i], &theirs[mismatch.sequence][i]);
            let mark = if i == mismatch.call {
                ">>"
            } else if o == t {
                "  "
            } else {
                " ~"
            };
            println!(
                "{mark} {:3} {}  ours {} [{}]  scorm-again {} [{}]",
                i + 1,
                call.show(sequence.version),
                show_text(&o.ret),
                o.err,
                show_text(&t.ret),
                t.err
            );
        }
    }
    println!(
        "\ndifferential: {} sequences, {calls} calls, {identical} identical, {known_total} known differences ({}), {} unexplained",
        sequences.len(),
        if by_rule.is_empty() {
            "none".to_owned()
        } else {
            by_rule.join(", ")
        },
        unexplained.len()
    );
    assert!(
        unexplained.is_empty(),
        "{} calls answered differently by our runtime and scorm-again with no known reason (seed {seed:#x})",
        unexplained.len()
    );
}

/// Writes every unexplained difference as a JSON line to `path`, for studying them in bulk.
fn dump(
    path: &str,
    sequences: &[Sequence],
    theirs: &[Vec<Outcome>],
    unexplained: &[Mismatch],
    explained: &[(usize, usize, &'static str)],
) {
    let mut out = String::new();
    let all = unexplained
        .iter()
        .map(|m| (m.sequence, m.call, ""))
        .chain(explained.iter().copied());
    for (sequence_number, call_number, rule) in all {
        let mismatch = Mismatch {
            sequence: sequence_number,
            call: call_number,
        };
        let sequence = &sequences[mismatch.sequence];
        let all_ours = run_ours(sequence);
        let all_theirs = &theirs[mismatch.sequence];
        let prefix: Vec<String> = (0..mismatch.call)
            .map(|i| {
                format!(
                    "{} -> {} [{}] / {} [{}]",
                    sequence.calls[i].show(sequence.version),
                    show_text(&all_ours[i].ret),
                    all_ours[i].err,
                    show_text(&all_theirs[i].ret),
                    all_theirs[i].err
                )
            })
            .collect();
        let ours = &all_ours[mismatch.call];
        let theirs = &all_theirs[mismatch.call];
        let call = &sequence.calls[mismatch.call];
        let line = serde_json::json!({
            "sequence": mismatch.sequence,
            "call": mismatch.call,
            "version": format!("{:?}", sequence.version),
            "method": call.method.name(sequence.version),
            "args": call.args,
            "ours": [ours.ret, ours.err],
            "theirs": [theirs.ret, theirs.err],
            "prefix": prefix,
            "rule": rule,
        });
        out.push_str(&line.to_string());
        out.push('\n');
    }
    std::fs::write(path, out).expect("writing DIFFERENTIAL_DUMP");
}

/// Every rule is named once, justified, and listed in `docs/differential-scorm-again.md`.
#[test]
fn known_differences_are_documented() {
    let doc_path = repository_root().join("docs/differential-scorm-again.md");
    let doc = std::fs::read_to_string(&doc_path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", doc_path.display()));
    let mut seen = std::collections::HashSet::new();
    for rule in KNOWN {
        assert!(seen.insert(rule.id), "rule {} is listed twice", rule.id);
        assert!(
            rule.why.len() > 40,
            "rule {} needs a justification",
            rule.id
        );
        assert!(
            doc.contains(&format!("`{}`", rule.id)),
            "rule {} is not in {}",
            rule.id,
            doc_path.display()
        );
    }
    assert!(
        doc.contains("`sa-phantom-record`"),
        "the silent rule sa-phantom-record is not in {}",
        doc_path.display()
    );
}
