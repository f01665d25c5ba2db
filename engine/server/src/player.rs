//! What the player knows about a package besides the run-time: its items in manifest order with their
//! status, which may be launched now (SCORM 1.2 `adlcp:prerequisites`), what comes before and after, the
//! values the manifest gives an item's launch, and the rollup of SCO results into the attempt summary.
//!
//! The flow is the simple one of SCORM 1.2 and of 2004 packages before a sequencing engine exists: every
//! launchable item of the default organization, in manifest order.

use package::{Item, Manifest, ScormType};
use runtime::{AttemptData, LaunchContext, Session, SharedData, Version};
use store::{AttemptSummary, ScoState};

/// One item of the default organization, depth first.
pub struct Entry<'m> {
    pub item: &'m Item,
    pub depth: usize,
    /// Where the item launches from inside the package (with its parameters), `None` for a heading.
    pub launch: Option<String>,
    /// Whether the resource is a SCO (assets never talk to the API and do not count in the rollup).
    pub is_sco: bool,
}

pub fn version(manifest: &Manifest) -> Version {
    if manifest.standard.is_2004() {
        Version::Scorm2004
    } else {
        Version::Scorm12
    }
}

/// Every item of the organization learners get, in manifest order.
pub fn entries(manifest: &Manifest) -> Vec<Entry<'_>> {
    fn walk<'m>(manifest: &'m Manifest, items: &'m [Item], depth: usize, out: &mut Vec<Entry<'m>>) {
        for item in items {
            let resource = item
                .identifier_ref
                .as_deref()
                .and_then(|id| manifest.resource(id));
            let launch = resource.and_then(|r| manifest.launch_path(r)).map(|path| {
                with_parameters(&path, resource_query(resource), item.parameters.as_deref())
            });
            out.push(Entry {
                item,
                depth,
                launch,
                is_sco: resource.is_some_and(|r| r.scorm_type == Some(ScormType::Sco)),
            });
            walk(manifest, &item.children, depth + 1, out);
        }
    }
    let mut out = Vec::new();
    if let Some(organization) = manifest.default_organization() {
        walk(manifest, &organization.items, 0, &mut out);
    }
    out
}

/// The query an href carries itself (`index.html?lang=en`), which the launch path leaves out.
fn resource_query(resource: Option<&package::Resource>) -> Option<&str> {
    let href = resource?.href.as_deref()?;
    href.find(['?', '#']).map(|at| &href[at..])
}

/// Applies an item's `parameters` to a launch path as SCORM CAM 3.4.1.14 describes: leading `?` and `&`
/// are dropped, a `#` fragment is appended as is, and the rest joins the href's own query.
fn with_parameters(path: &str, href_query: Option<&str>, parameters: Option<&str>) -> String {
    let mut url = format!("{path}{}", href_query.unwrap_or(""));
    let Some(parameters) = parameters.map(str::trim).filter(|p| !p.is_empty()) else {
        return url;
    };
    if parameters.starts_with('#') {
        if !url.contains('#') {
            url.push_str(parameters);
        }
        return url;
    }
    let parameters = parameters.trim_start_matches(['?', '&']);
    if parameters.is_empty() {
        return url;
    }
    url.push(if url.contains('?') { '&' } else { '?' });
    url.push_str(parameters);
    url
}

/// Whether an item counts as done for prerequisites and flow: completed or passed (SCORM 1.2 also counts
/// `failed` as finished for completion, but not for prerequisites, which ask for completed or passed).
pub fn is_satisfied(state: Option<&ScoState>) -> bool {
    state.is_some_and(|s| {
        matches!(s.completion_status.as_deref(), Some("completed" | "passed"))
            || s.success_status.as_deref() == Some("passed")
    })
}

/// Evaluates a SCORM 1.2 `adlcp:prerequisites` expression (`aicc_script`) in its common form: item
/// identifiers combined with `&`, `|`, `~` and parentheses. An identifier is true when that item is
/// completed or passed. Forms this does not understand (`=`, sets, `*`) are treated as met, so a package
/// is never locked by syntax we cannot read.
pub fn prerequisites_met(expression: &str, satisfied: &dyn Fn(&str) -> bool) -> bool {
    let tokens = match tokenize(expression) {
        Some(tokens) if !tokens.is_empty() => tokens,
        _ => return true,
    };
    let mut parser = Parser {
        tokens: &tokens,
        at: 0,
        satisfied,
    };
    match parser.or() {
        Some(value) if parser.at == tokens.len() => value,
        _ => true,
    }
}

#[derive(Debug, PartialEq)]
enum Token {
    And,
    Or,
    Not,
    Open,
    Close,
    Id(String),
}

fn tokenize(text: &str) -> Option<Vec<Token>> {
    let mut tokens = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '&' => {
                chars.next();
                tokens.push(Token::And);
            }
            '|' => {
                chars.next();
                tokens.push(Token::Or);
            }
            '~' => {
                chars.next();
                tokens.push(Token::Not);
            }
            '(' => {
                chars.next();
                tokens.push(Token::Open);
            }
            ')' => {
                chars.next();
                tokens.push(Token::Close);
            }
            '=' | '*' | '{' | '}' | ',' | '"' | '<' | '>' => return None,
            _ => {
                let mut id = String::new();
                while let Some(&c) = chars.peek() {
                    if c.is_whitespace() || "&|~()=*{},\"<>".contains(c) {
                        break;
                    }
                    id.push(c);
                    chars.next();
                }
                tokens.push(Token::Id(id));
            }
        }
    }
    Some(tokens)
}

struct Parser<'a> {
    tokens: &'a [Token],
    at: usize,
    satisfied: &'a dyn Fn(&str) -> bool,
}

impl Parser<'_> {
    fn or(&mut self) -> Option<bool> {
        let mut value = self.and()?;
        while self.tokens.get(self.at) == Some(&Token::Or) {
            self.at += 1;
            value |= self.and()?;
        }
        Some(value)
    }

    fn and(&mut self) -> Option<bool> {
        let mut value = self.not()?;
        while self.tokens.get(self.at) == Some(&Token::And) {
            self.at += 1;
            value &= self.not()?;
        }
        Some(value)
    }

    fn not(&mut self) -> Option<bool> {
        match self.tokens.get(self.at)? {
            Token::Not => {
                self.at += 1;
                Some(!self.not()?)
            }
            Token::Open => {
                self.at += 1;
                let value = self.or()?;
                if self.tokens.get(self.at) != Some(&Token::Close) {
                    return None;
                }
                self.at += 1;
                Some(value)
            }
            Token::Id(id) => {
                self.at += 1;
                Some((self.satisfied)(id))
            }
            _ => None,
        }
    }
}

/// Whether `item` may be launched given the states of the attempt.
pub fn available(item: &Item, states: &[ScoState]) -> bool {
    match item.prerequisites.as_deref() {
        Some(expression) => prerequisites_met(expression, &|id| {
            is_satisfied(states.iter().find(|s| s.item_identifier == id))
        }),
        None => true,
    }
}

/// The launch context of one item: who the learner is, the manifest's values for the item
/// ([`package::item_launch`]) and the current values of the shared data stores it maps.
pub fn launch_context(
    manifest: &Manifest,
    item: &Item,
    learner_id: String,
    learner_name: String,
    shared: &[(String, String)],
) -> LaunchContext {
    let launch = package::item_launch(manifest, item);
    let shared_data = launch
        .shared_data
        .iter()
        .map(|map| SharedData {
            id: map.target_id.clone(),
            readable: map.readable,
            writable: map.writable,
            store: shared
                .iter()
                .find(|(id, _)| *id == map.target_id)
                .map(|(_, store)| store.clone()),
        })
        .collect();
    LaunchContext {
        learner_id,
        learner_name,
        launch_data: launch.launch_data,
        completion_threshold: launch.completion_threshold,
        scaled_passing_score: launch.scaled_passing_score,
        mastery_score: launch.mastery_score,
        max_time_allowed: launch.max_time_allowed,
        time_limit_action: launch.time_limit_action,
        objective_ids: launch.objective_ids,
        shared_data,
        ..LaunchContext::default()
    }
}

/// A SCO's results for reports, as the run-time rules read its data (evaluated statuses, not only what
/// the SCO wrote): `(completion, success, scaled score)`.
pub fn results(
    version: Version,
    context: &LaunchContext,
    data: &AttemptData,
) -> (Option<String>, Option<String>, Option<f64>) {
    let mut session = Session::new(version, context.clone(), Some(data.clone()));
    session.initialize("");
    let mut read = |element: &str| {
        let value = session.get_value(element);
        (!value.is_empty()).then_some(value)
    };
    match version {
        Version::Scorm2004 => {
            let completion = read("cmi.completion_status").or(data.completion_status.clone());
            let success = read("cmi.success_status").or(data.success_status.clone());
            let scaled = read("cmi.score.scaled")
                .and_then(|v| v.parse().ok())
                .or(data.score_scaled());
            (completion, success, scaled)
        }
        Version::Scorm12 => {
            let status = read("cmi.core.lesson_status").or(data.completion_status.clone());
            let success = match status.as_deref() {
                Some("passed") => Some("passed".to_owned()),
                Some("failed") => Some("failed".to_owned()),
                _ => None,
            };
            let raw = read("cmi.core.score.raw")
                .and_then(|v| v.parse::<f64>().ok())
                .or(data.score_raw());
            let max = read("cmi.core.score.max")
                .and_then(|v| v.parse::<f64>().ok())
                .or(data.score.max.as_deref().and_then(|v| v.parse().ok()))
                .filter(|max| *max > 0.0)
                .unwrap_or(100.0);
            let scaled = raw.map(|raw| (raw / max).clamp(-1.0, 1.0));
            (status, success, scaled)
        }
    }
}

/// The attempt's summary from its SCOs: completed when every SCO is (1.2 `passed` and `failed` count as
/// completed), failed when any SCO failed, passed when every SCO that reports success passed; the score
/// is the mean of the SCOs' scaled scores; time is the sum.
pub fn rollup(
    manifest: &Manifest,
    states: &[ScoState],
    last_item: &str,
    now: i64,
) -> AttemptSummary {
    let scos: Vec<&str> = entries(manifest)
        .into_iter()
        .filter(|e| e.is_sco && e.launch.is_some())
        .map(|e| e.item.identifier.as_str())
        .collect();
    let state = |id: &str| states.iter().find(|s| s.item_identifier == id);
    let done = |s: &ScoState| {
        matches!(
            s.completion_status.as_deref(),
            Some("completed" | "passed" | "failed")
        )
    };
    let all_done = !scos.is_empty() && scos.iter().all(|id| state(id).is_some_and(done));
    let completion = if all_done {
        "completed"
    } else if states.iter().any(|s| s.data.is_some()) {
        "incomplete"
    } else {
        "not attempted"
    };
    let reports_success: Vec<&ScoState> = scos
        .iter()
        .filter_map(|id| state(id))
        .filter(|s| matches!(s.success_status.as_deref(), Some("passed" | "failed")))
        .collect();
    let success = if reports_success
        .iter()
        .any(|s| s.success_status.as_deref() == Some("failed"))
    {
        Some("failed")
    } else if all_done && !reports_success.is_empty() {
        Some("passed")
    } else {
        None
    };
    let scores: Vec<f64> = states.iter().filter_map(|s| s.score_scaled).collect();
    let score_scaled =
        (!scores.is_empty()).then(|| scores.iter().sum::<f64>() / scores.len() as f64);
    AttemptSummary {
        status: if all_done { "completed" } else { "in_progress" }.to_owned(),
        ended_at: all_done.then_some(now),
        completion_status: Some(completion.to_owned()),
        success_status: success.map(str::to_owned),
        score_scaled,
        total_time_cs: states.iter().map(|s| s.total_time_cs).sum(),
        last_item: Some(last_item.to_owned()),
    }
}

/// The player page's outline of a course for a learner (read only: launching creates the registration
/// and attempt). Shown to pages through `WebState::player`.
pub async fn outline(
    state: &crate::AppState,
    user: &accounts::User,
    package_id: i64,
    requested: Option<String>,
) -> Result<web::api::PlayerView, web::api::AppError> {
    use web::api::{AppError, PlayerView, TocEntry};
    let internal = |error: &dyn std::fmt::Display| {
        tracing::error!(%error, "the player outline failed");
        AppError::Internal
    };
    let store = state.accounts.store();
    let actor = accounts::Actor::User(Box::new(user.clone()));
    let visible = state
        .accounts
        .visible_packages(&actor)
        .await
        .map_err(|e| internal(&e))?;
    let Some(package) = visible.into_iter().find(|p| p.id == package_id) else {
        return Err(AppError::Forbidden(
            "this course does not exist or is not shared with you".into(),
        ));
    };
    let registration = store
        .find_registration(package_id, user.id)
        .await
        .map_err(|e| internal(&e))?;
    let attempt = match &registration {
        Some(registration) => store
            .attempts(registration.id)
            .await
            .map_err(|e| internal(&e))?
            .into_iter()
            .last(),
        None => None,
    };
    // A launch after a finished attempt starts a new one on the newest version (see
    // `runtime_api::current_attempt`), but until then the contents show how the last attempt ended.
    let version_id = attempt
        .as_ref()
        .filter(|a| a.status == "in_progress")
        .map_or(package.version_id, |a| a.version_id);
    let states = match &attempt {
        Some(attempt) => store
            .sco_states(attempt.id)
            .await
            .map_err(|e| internal(&e))?,
        None => Vec::new(),
    };
    let manifest = state
        .runtime
        .manifest(store, version_id)
        .await
        .map_err(|_| AppError::Internal)?;
    let entries = entries(&manifest);
    let launchable = |id: &str| {
        entries
            .iter()
            .any(|e| e.item.identifier == id && e.launch.is_some())
    };
    let current = requested
        .filter(|id| launchable(id))
        .or_else(|| {
            attempt
                .as_ref()
                .and_then(|a| a.last_item.clone())
                .filter(|id| launchable(id))
        })
        .or_else(|| {
            entries
                .iter()
                .find(|e| e.launch.is_some())
                .map(|e| e.item.identifier.clone())
        });
    let order: Vec<&Entry> = entries.iter().filter(|e| e.launch.is_some()).collect();
    let position = current
        .as_deref()
        .and_then(|id| order.iter().position(|e| e.item.identifier == id));
    let previous = position
        .and_then(|at| at.checked_sub(1))
        .map(|at| order[at].item.identifier.clone());
    let next_entry = position.and_then(|at| order.get(at + 1));
    let toc = entries
        .iter()
        .filter(|e| e.item.is_visible)
        .map(|e| {
            let state = states
                .iter()
                .find(|s| s.item_identifier == e.item.identifier);
            TocEntry {
                identifier: e.item.identifier.clone(),
                title: e.item.title.clone(),
                depth: e.depth,
                launchable: e.launch.is_some(),
                available: available(e.item, &states),
                status: status_label(state).to_owned(),
                current: current.as_deref() == Some(e.item.identifier.as_str()),
            }
        })
        .collect();
    Ok(PlayerView {
        package_id,
        title: manifest
            .default_organization()
            .map_or(package.title.clone(), |o| o.title.clone()),
        standard: manifest.standard.label().to_owned(),
        entries: toc,
        current_title: current
            .as_deref()
            .and_then(|id| entries.iter().find(|e| e.item.identifier == id))
            .map(|e| e.item.title.clone())
            .unwrap_or_default(),
        current,
        previous,
        next: next_entry.map(|e| e.item.identifier.clone()),
        next_available: next_entry.is_some_and(|e| available(e.item, &states)),
    })
}

/// An item's status in words, for the table of contents.
fn status_label(state: Option<&ScoState>) -> &'static str {
    let Some(state) = state else {
        return "Not started";
    };
    match (
        state.success_status.as_deref(),
        state.completion_status.as_deref(),
    ) {
        (Some("passed"), _) | (_, Some("passed")) => "Passed",
        (Some("failed"), _) | (_, Some("failed")) => "Failed",
        (_, Some("completed")) => "Completed",
        (_, Some("not attempted")) | (_, None) if state.data.is_none() => "Not started",
        _ => "Incomplete",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prerequisites_combine_identifiers() {
        let done = |id: &str| matches!(id, "A" | "B");
        assert!(prerequisites_met("A", &done));
        assert!(!prerequisites_met("C", &done));
        assert!(prerequisites_met("A & B", &done));
        assert!(!prerequisites_met("A&C", &done));
        assert!(prerequisites_met("C | B", &done));
        assert!(prerequisites_met("~C", &done));
        assert!(!prerequisites_met("~(A|C)", &done));
        assert!(prerequisites_met("(A & (C | B))", &done));
        // Forms we cannot read are met rather than locking the learner out.
        assert!(prerequisites_met("C = \"passed\"", &done));
        assert!(prerequisites_met("2*{C,D,E}", &done));
        assert!(prerequisites_met("(C", &done));
        assert!(prerequisites_met("", &done));
    }

    #[test]
    fn parameters_join_the_launch_path() {
        assert_eq!(with_parameters("a/index.html", None, None), "a/index.html");
        assert_eq!(
            with_parameters("a/index.html", None, Some("?x=1")),
            "a/index.html?x=1"
        );
        assert_eq!(
            with_parameters("a/index.html", Some("?lang=en"), Some("&x=1")),
            "a/index.html?lang=en&x=1"
        );
        assert_eq!(
            with_parameters("a/index.html", None, Some("#page2")),
            "a/index.html#page2"
        );
    }
}
