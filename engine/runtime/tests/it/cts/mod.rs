//! The ADL SCORM 2004 4th Edition conformance test suite (CTS), replayed against the runtime: the
//! scripted API calls of the API, DMI and DMB test packages, evaluated as the ADL driver evaluates them.
//!
//! The data lives in `../shared/conformance/scorm2004-4ed-cts` (or `$SCORM_CTS_DIR`): the packages'
//! manifests, `TestCases/<family>.properties` and the abbreviation table `Commands.properties`.
//! Each `Act<N>V<M>.commands.K` is call K of visit M to `activity_N`; visits run in file order, and the
//! replay's LMS carries each activity's suspended attempt and the shared data stores between them.
//! Navigation-UI expectations (`UIQ`, `CUI`) are not part of this replay.
//!
//! `CTS_ALLOW_FAILURES=1` prints the results without failing; `CTS_PRINTED_FAILURES=n` prints up to n
//! failing commands per family (40 by default). The counts also go to `target/cts-report.txt`.

mod command;
mod evaluate;
mod properties;

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use package::{Item, Manifest, ScormType};
use runtime::{AttemptData, LaunchContext, Session, SharedData, Version};

use command::{Api, Command, Learner, Table, java_split};
use evaluate::Returned;

/// The test package families replayed, in order.
const FAMILIES: [&str; 3] = ["API", "DMI", "DMB"];

/// Who the replay's LMS launches every activity for.
const LEARNER: Learner<'static> = Learner {
    id: "rampart-learner-1",
    name: "Learner, Test",
};

/// Failing commands printed per family (all are counted); `CTS_PRINTED_FAILURES` changes it.
const PRINTED_FAILURES: usize = 40;

#[test]
fn scorm_2004_conformance_test_suite_replays() {
    let cts = cts_dir();
    let table = Table::new(properties::parse(&read(&cts.join("Commands.properties"))));
    let reports: Vec<FamilyReport> = FAMILIES
        .iter()
        .map(|family| replay_family(&cts, family, &table))
        .collect();

    let mut summary = String::new();
    for report in &reports {
        println!("{}", report.details());
        writeln!(summary, "{}", report.counts()).unwrap();
    }
    print!("{summary}");
    let report_file = target_dir().join("cts-report.txt");
    if let Err(error) = std::fs::write(&report_file, &summary) {
        println!("could not write {}: {error}", report_file.display());
    }

    for report in &reports {
        assert!(
            report.commands_passed + report.commands_failed > 0,
            "{}: no commands were replayed",
            report.family
        );
    }
    let failed: usize = reports.iter().map(|r| r.commands_failed).sum();
    if std::env::var("CTS_ALLOW_FAILURES").is_ok_and(|v| v == "1") {
        return;
    }
    assert_eq!(
        failed, 0,
        "{failed} CTS commands failed (set CTS_ALLOW_FAILURES=1 to only print them)\n{summary}"
    );
}

fn cts_dir() -> PathBuf {
    std::env::var_os("SCORM_CTS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../../../shared/conformance/scorm2004-4ed-cts")
        })
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"))
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| {
        panic!(
            "the ADL conformance data is needed at {} (or set SCORM_CTS_DIR): {e}",
            path.display()
        )
    })
}

// ----- the script -----

/// One launch of one activity: `Act<N>V<M>` and its commands in call order.
struct Visit {
    name: String,
    activity: String,
    /// `(K, the command as written)`.
    commands: Vec<(u32, String)>,
}

/// The visits of a test case in the order they first appear in the file (state carries between them,
/// so the order matters: DMB goes back to activity 6 after activity 9).
fn visits(pairs: &[(String, String)]) -> Vec<Visit> {
    let mut visits: Vec<Visit> = Vec::new();
    for (key, value) in pairs {
        let Some((name, rest)) = key.split_once('.') else {
            continue;
        };
        let Some(activity) = activity_of(name) else {
            continue;
        };
        let at = match visits.iter().position(|v| v.name == name) {
            Some(at) => at,
            None => {
                visits.push(Visit {
                    name: name.to_owned(),
                    activity,
                    commands: Vec::new(),
                });
                visits.len() - 1
            }
        };
        let Some(k) = rest
            .strip_prefix("commands.")
            .and_then(|k| k.parse::<u32>().ok())
        else {
            continue;
        };
        let commands = &mut visits[at].commands;
        // A repeated key replaces the earlier value, as java.util.Properties does.
        commands.retain(|(existing, _)| *existing != k);
        commands.push((k, value.clone()));
    }
    for visit in &mut visits {
        visit.commands.sort_by_key(|(k, _)| *k);
    }
    visits
}

/// `Act12V3` → `activity_12`.
fn activity_of(visit: &str) -> Option<String> {
    let rest = visit.strip_prefix("Act")?;
    let (number, attempt) = rest.split_once('V')?;
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    (all_digits(number) && all_digits(attempt)).then(|| format!("activity_{number}"))
}

// ----- the LMS -----

/// What the replay's LMS remembers for one learner on one package.
#[derive(Default)]
struct Lms {
    /// Each activity's attempt to resume (absent: the next launch starts a new attempt).
    resume: HashMap<String, AttemptData>,
    /// `adl.data` stores by target id.
    stores: HashMap<String, String>,
}

impl Lms {
    fn launch_context(&self, manifest: &Manifest, item: &Item) -> LaunchContext {
        let launch = package::item_launch(manifest, item);
        LaunchContext {
            learner_id: LEARNER.id.to_owned(),
            learner_name: LEARNER.name.to_owned(),
            launch_data: launch.launch_data,
            completion_threshold: launch.completion_threshold,
            scaled_passing_score: launch.scaled_passing_score,
            mastery_score: launch.mastery_score,
            max_time_allowed: launch.max_time_allowed,
            time_limit_action: launch.time_limit_action,
            objective_ids: launch.objective_ids,
            shared_data: launch
                .shared_data
                .into_iter()
                .map(|map| SharedData {
                    store: self.stores.get(&map.target_id).cloned(),
                    id: map.target_id,
                    readable: map.readable,
                    writable: map.writable,
                })
                .collect(),
            ..LaunchContext::default()
        }
    }

    /// The SCO is done: terminate it if it did not, keep what the next launch resumes, save shared data.
    fn end(&mut self, activity: &str, mut session: Session) {
        if !session.is_terminated() {
            session.terminate("");
        }
        let end = session.finish();
        for (id, value) in &end.shared_data_writes {
            self.stores.insert(id.clone(), value.clone());
        }
        match end.resume_data() {
            Some(data) => self.resume.insert(activity.to_owned(), data),
            None => self.resume.remove(activity),
        };
    }
}

// ----- replaying -----

struct FamilyReport {
    family: String,
    commands_passed: usize,
    commands_failed: usize,
    visits_passed: usize,
    visits_failed: usize,
    /// Commands the ADL parser ignores (no known call), as `visit #K: text`.
    skipped: Vec<String>,
    failures: Vec<String>,
}

impl FamilyReport {
    fn counts(&self) -> String {
        format!(
            "{}: {} passed, {} failed ({} of {} visits passed, {} failed; {} commands skipped as the ADL driver skips them)",
            self.family,
            self.commands_passed,
            self.commands_failed,
            self.visits_passed,
            self.visits_passed + self.visits_failed,
            self.visits_failed,
            self.skipped.len()
        )
    }

    fn details(&self) -> String {
        let mut out = String::new();
        let printed = std::env::var("CTS_PRINTED_FAILURES")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(PRINTED_FAILURES);
        for failure in self.failures.iter().take(printed) {
            writeln!(out, "  FAIL {failure}").unwrap();
        }
        if self.failures.len() > printed {
            writeln!(
                out,
                "  … and {} more failures",
                self.failures.len() - printed
            )
            .unwrap();
        }
        for skipped in &self.skipped {
            writeln!(out, "  SKIP {skipped}").unwrap();
        }
        write!(out, "{}", self.counts()).unwrap();
        out
    }
}

fn replay_family(cts: &Path, family: &str, table: &Table) -> FamilyReport {
    let script = properties::parse(&read(&cts.join(format!("TestCases/{family}.properties"))));
    let manifest_path = cts.join(format!("packages/LMSTestPackage_{family}/imsmanifest.xml"));
    let manifest = package::check_manifest(read(&manifest_path).as_bytes())
        .manifest
        .unwrap_or_else(|| panic!("{} does not parse", manifest_path.display()));
    let mut report = FamilyReport {
        family: family.to_owned(),
        commands_passed: 0,
        commands_failed: 0,
        visits_passed: 0,
        visits_failed: 0,
        skipped: Vec::new(),
        failures: Vec::new(),
    };
    let mut lms = Lms::default();
    for visit in visits(&script) {
        let failures_before = report.commands_failed;
        replay_visit(&visit, &manifest, table, &mut lms, &mut report);
        if report.commands_failed == failures_before {
            report.visits_passed += 1;
        } else {
            report.visits_failed += 1;
        }
    }
    report
}

fn replay_visit(
    visit: &Visit,
    manifest: &Manifest,
    table: &Table,
    lms: &mut Lms,
    report: &mut FamilyReport,
) {
    let items = manifest.items();
    let Some(item) = items.iter().find(|i| i.identifier == visit.activity) else {
        report.commands_failed += visit.commands.len().max(1);
        report.failures.push(format!(
            "{} {}: the manifest has no item {}",
            report.family, visit.name, visit.activity
        ));
        return;
    };
    let is_sco = item
        .identifier_ref
        .as_deref()
        .and_then(|r| manifest.resource(r))
        .is_some_and(|r| r.scorm_type == Some(ScormType::Sco));
    if !is_sco {
        // An asset: the LMS launches it without an API session; its visit has no calls to make.
        for (k, line) in &visit.commands {
            report.commands_failed += 1;
            report.failures.push(format!(
                "{} {} #{k} {line}: {} is not a SCO",
                report.family, visit.name, visit.activity
            ));
        }
        return;
    }
    let context = lms.launch_context(manifest, item);
    let resumed = lms.resume.remove(&visit.activity);
    let mut session = Session::new(Version::Scorm2004, context, resumed);
    let mut index = 0i64;
    for (k, line) in &visit.commands {
        let Some(command) = command::decode(line, table, &LEARNER) else {
            report
                .skipped
                .push(format!("{} #{k}: {}", visit.name, clip(line, 100)));
            continue;
        };
        let returned = run(&mut session, &command, &mut index);
        if evaluate::passes(&command, &returned) {
            report.commands_passed += 1;
        } else {
            report.commands_failed += 1;
            report.failures.push(format!(
                "{} {} #{k} {}\n       {}",
                report.family,
                visit.name,
                clip(line, 100),
                describe(&command, &returned)
            ));
        }
    }
    lms.end(&visit.activity, session);
}

/// Makes the call as the driver's `Command.evaluate` does: the argument splits at its first `!` into
/// element and value, an `&id&` placeholder in the element becomes the id's index, and `GetLastError()`
/// is asked right after.
fn run(session: &mut Session, command: &Command, index: &mut i64) -> Returned {
    if command.api == Api::CompareObjectiveIds {
        return Returned::ObjectiveIds(objective_ids(session));
    }
    let (element, value) = command
        .params
        .split_once('!')
        .unwrap_or((command.params.as_str(), ""));
    let element = resolve_placeholder(session, element, index);
    if element.contains("-1") {
        // The driver reports the id as not found and does not make the call.
        return Returned::NotMade(format!(
            "the id \"{}\" was not found",
            evaluate::placeholder_id(&command.params)
        ));
    }
    let returned = match command.api {
        Api::Initialize => session.initialize(&element).to_string(),
        Api::Terminate => session.terminate(&element).to_string(),
        Api::Commit => session.commit(&element).to_string(),
        Api::GetValue => session.get_value(&element),
        Api::SetValue => session.set_value(&element, value).to_string(),
        Api::GetLastError => session.get_last_error(),
        Api::GetErrorString => session.get_error_string(&element),
        Api::GetDiagnostic => session.get_diagnostic(&element),
        Api::CompareObjectiveIds => unreachable!("handled above"),
    };
    Returned::Call {
        value: returned,
        error: session.get_last_error(),
        index: *index,
    }
}

/// `Command.parseForIndex`: `adl.data.&tarID1&.store` → `adl.data.2.store` (`-1` when not found). The
/// lookup reads a copy of the session, so the last error the script checks next is untouched.
fn resolve_placeholder(session: &Session, element: &str, index: &mut i64) -> String {
    if !element.contains('&') {
        return element.to_owned();
    }
    let parts = java_split(element, "&");
    let part = |at: usize| parts.get(at).copied().unwrap_or("");
    let collection = if part(0).contains("data") {
        "adl.data"
    } else if part(0).contains("objective") {
        "cmi.objectives"
    } else {
        return element.to_owned();
    };
    *index = find_id(session, collection, part(1));
    format!("{}{}{}", part(0), index, part(2))
}

fn find_id(session: &Session, collection: &str, id: &str) -> i64 {
    let mut probe = session.clone();
    let count: i64 = probe
        .get_value(&format!("{collection}._count"))
        .parse()
        .unwrap_or(0);
    (0..count)
        .find(|n| probe.get_value(&format!("{collection}.{n}.id")) == id)
        .unwrap_or(-1)
}

/// `COI`: the ids in `cmi.objectives`, read through the API as the driver reads them.
fn objective_ids(session: &mut Session) -> Vec<String> {
    let count: usize = session
        .get_value("cmi.objectives._count")
        .parse()
        .unwrap_or(0);
    (0..count)
        .map(|n| session.get_value(&format!("cmi.objectives.{n}.id")))
        .collect()
}

fn describe(command: &Command, returned: &Returned) -> String {
    let call = match command.api {
        Api::SetValue => {
            let (element, value) = command
                .params
                .split_once('!')
                .unwrap_or((&command.params, ""));
            format!("SetValue(\"{element}\", \"{}\")", clip(value, 40))
        }
        Api::GetLastError => "GetLastError()".to_owned(),
        api => format!("{}(\"{}\")", api.name(), command.params),
    };
    let typed = command
        .interaction_type
        .as_deref()
        .map(|t| format!(" [{t}]"))
        .unwrap_or_default();
    match returned {
        Returned::Call { value, error, .. } => format!(
            "{call}{typed}: expected \"{}\" error {}, returned \"{}\" error {error}",
            clip(&command.value, 60),
            command.error,
            clip(value, 60)
        ),
        Returned::NotMade(why) => format!("{call}: not made, {why}"),
        Returned::ObjectiveIds(ids) => format!(
            "{call}: expected {}, found {}",
            command.params,
            ids.join(",")
        ),
    }
}

fn clip(text: &str, max: usize) -> String {
    let count = text.chars().count();
    if count <= max {
        text.to_owned()
    } else {
        let head: String = text.chars().take(max).collect();
        format!("{head}… ({count} chars)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visits_keep_file_order_and_sort_commands_numerically() {
        let pairs = properties::parse(
            "title=DMB\nAct1V1.commands.10=K10\nAct1V1.commands.2=K2\nAct1V1.CUI=x\n\
             Act2V1.commands.0=A\nAct1V2.commands.0=B\nAct3V1.CUI=Exit\nAct1V1.commands.2=K2b\n",
        );
        let visits = visits(&pairs);
        let names: Vec<_> = visits.iter().map(|v| v.name.as_str()).collect();
        assert_eq!(names, ["Act1V1", "Act2V1", "Act1V2", "Act3V1"]);
        assert_eq!(visits[0].activity, "activity_1");
        assert_eq!(
            visits[0].commands,
            [(2, "K2b".to_owned()), (10, "K10".to_owned())]
        );
        assert!(visits[3].commands.is_empty());
        assert_eq!(activity_of("Act12V3").as_deref(), Some("activity_12"));
        assert_eq!(activity_of("Actual"), None);
    }
}
