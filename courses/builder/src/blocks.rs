//! The TOML inside pages (` ```check ` and ` ```scenario ` blocks) and the answer options they share
//! with `questions.toml`: shapes, rules and the HTML the player drives.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;
use std::ops::Range;
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use crate::markdown::{escape, render_fragment};
use crate::problem::{Problem, line_of, toml_problem};
use crate::{Answer, Check, Kind, Outcome, Scenario, Step};

/// Most options a question may have: SCORM 1.2 choice responses are single characters a–z.
const MAX_OPTIONS: usize = 26;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct OptionToml {
    text: Spanned<String>,
    #[serde(default)]
    correct: bool,
    #[serde(default)]
    feedback: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckToml {
    question: String,
    #[serde(default)]
    kind: Option<Spanned<String>>,
    #[serde(default)]
    option: Vec<OptionToml>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScenarioToml {
    title: String,
    start: Spanned<String>,
    #[serde(default)]
    step: Vec<StepToml>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StepToml {
    id: Spanned<String>,
    text: String,
    #[serde(default)]
    end: bool,
    #[serde(default)]
    outcome: Option<Spanned<String>>,
    #[serde(default)]
    choice: Vec<ChoiceToml>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChoiceToml {
    text: String,
    next: Spanned<String>,
}

/// Where a block's text sits in its file, to turn spans into file lines.
pub(crate) struct Block<'a> {
    pub file: &'a Path,
    pub text: &'a str,
    /// The file line of the block's first line.
    pub first_line: usize,
}

impl Block<'_> {
    fn line(&self, span: Range<usize>) -> Option<usize> {
        Some(self.first_line + line_of(self.text, span.start) - 1)
    }
}

pub(crate) fn kind(
    kind: Option<&str>,
    file: &Path,
    line: Option<usize>,
    problems: &mut Vec<Problem>,
) -> Kind {
    match kind {
        None | Some("single") => Kind::Single,
        Some("multiple") => Kind::Multiple,
        Some(other) => {
            problems.push(
                Problem::error(file, line, format!("kind = {other:?} is not a kind of question"))
                    .help("use kind = \"single\" (one answer) or kind = \"multiple\" (choose all that apply)"),
            );
            Kind::Single
        }
    }
}

/// Markdown of a TOML text field as HTML; `inline` drops the paragraph around a single line.
pub(crate) fn fragment(
    text: &str,
    inline: bool,
    file: &Path,
    line: Option<usize>,
    problems: &mut Vec<Problem>,
) -> String {
    match render_fragment(text, inline) {
        Ok(html) => html,
        Err(message) => {
            problems.push(Problem::error(file, line, message).help(
                "write plain Markdown here: emphasis, links and lists work; HTML and images do not",
            ));
            escape(text)
        }
    }
}

/// Checks and renders the options of a check or question: at least two, each with text and feedback;
/// one correct for `single`, at least one for `multiple`.
pub(crate) fn answers(
    options: &[OptionToml],
    kind: Kind,
    what: &str,
    file: &Path,
    line: Option<usize>,
    text: &str,
    problems: &mut Vec<Problem>,
) -> Vec<Answer> {
    answers_in(
        options,
        kind,
        what,
        &Block {
            file,
            text,
            first_line: 1,
        },
        line,
        problems,
    )
}

fn answers_in(
    options: &[OptionToml],
    kind: Kind,
    what: &str,
    block: &Block<'_>,
    line: Option<usize>,
    problems: &mut Vec<Problem>,
) -> Vec<Answer> {
    let file = block.file;
    if options.len() < 2 {
        problems.push(
            Problem::error(file, line, format!("{what} has {} option(s); it needs at least two", options.len()))
                .help("add [[option]] tables (in questions.toml [[question.option]]) with text, feedback and correct = true on the right one(s)"),
        );
    }
    if options.len() > MAX_OPTIONS {
        problems.push(
            Problem::error(
                file,
                line,
                format!(
                    "{what} has {} options; at most {MAX_OPTIONS} are possible",
                    options.len()
                ),
            )
            .help("keep questions to a handful of options"),
        );
    }
    let n_correct = options.iter().filter(|o| o.correct).count();
    match kind {
        Kind::Single if n_correct != 1 && !options.is_empty() => problems.push(
            Problem::error(
                file,
                line,
                format!("{what} is single choice but marks {n_correct} options correct"),
            )
            .help("mark exactly one option with correct = true, or make it kind = \"multiple\""),
        ),
        Kind::Multiple if n_correct == 0 && !options.is_empty() => problems.push(
            Problem::error(file, line, format!("{what} marks no option correct"))
                .help("mark every right option with correct = true"),
        ),
        _ => {}
    }
    let mut seen = BTreeSet::new();
    options
        .iter()
        .map(|o| {
            let option_line = block.line(o.text.span());
            let text = o.text.get_ref().trim();
            if text.is_empty() {
                problems.push(Problem::error(
                    file,
                    option_line,
                    format!("an option of {what} has no text"),
                ));
            }
            if !seen.insert(text.to_owned()) {
                problems.push(
                    Problem::error(
                        file,
                        option_line,
                        format!("{what} has the option {text:?} twice"),
                    )
                    .help("every option must read differently"),
                );
            }
            let feedback = o.feedback.as_deref().unwrap_or("").trim();
            if feedback.is_empty() {
                problems.push(
                    Problem::error(
                        file,
                        option_line,
                        format!("the option {text:?} of {what} has no feedback"),
                    )
                    .help("add feedback = \"…\" saying why this answer is right or wrong"),
                );
            }
            Answer {
                html: fragment(text, true, file, option_line, problems),
                correct: o.correct,
                feedback_html: fragment(feedback, false, file, option_line, problems),
            }
        })
        .collect()
}

/// A ` ```check ` block: the check, and its form as HTML (`index` numbers it in the module).
pub(crate) fn check(
    block: &Block<'_>,
    index: usize,
    problems: &mut Vec<Problem>,
) -> Option<(Check, String)> {
    let parsed: CheckToml = match toml::from_str(block.text) {
        Ok(parsed) => parsed,
        Err(e) => {
            problems.push(toml_problem(
                block.file,
                block.text,
                block.first_line,
                &e,
                "this check block is not valid",
            ));
            return None;
        }
    };
    let line = Some(block.first_line);
    let kind_line = parsed.kind.as_ref().and_then(|k| block.line(k.span()));
    let kind = kind(
        parsed.kind.as_ref().map(|k| k.get_ref().as_str()),
        block.file,
        kind_line,
        problems,
    );
    if parsed.question.trim().is_empty() {
        problems.push(
            Problem::error(block.file, line, "the check has no question")
                .help("add question = \"…\""),
        );
    }
    let question_html = fragment(parsed.question.trim(), true, block.file, line, problems);
    let options = answers_in(&parsed.option, kind, "this check", block, line, problems);
    let check = Check {
        question_html,
        kind,
        options,
    };
    let html = check_html(&check, index);
    Some((check, html))
}

fn check_html(check: &Check, n: usize) -> String {
    let (input, hint) = match check.kind {
        Kind::Single => ("radio", "Choose one answer."),
        Kind::Multiple => ("checkbox", "Choose all that apply."),
    };
    let mut h = format!(
        "<form class=\"check\" id=\"c{n}\" data-check=\"{n}\" novalidate>\n\
         <fieldset aria-describedby=\"c{n}-hint\">\n\
         <legend><span class=\"kicker\">Knowledge check</span> {}</legend>\n\
         <p class=\"hint\" id=\"c{n}-hint\">{hint}</p>\n",
        check.question_html
    );
    for (k, option) in check.options.iter().enumerate() {
        let _ = writeln!(
            h,
            "<div class=\"option\"><input type=\"{input}\" id=\"c{n}-o{k}\" name=\"c{n}\" value=\"{k}\">\
             <label for=\"c{n}-o{k}\">{}</label></div>",
            option.html
        );
    }
    let _ = write!(
        h,
        "</fieldset>\n<button type=\"submit\" class=\"button secondary\" id=\"c{n}-submit\">Check your answer</button>\n\
         <div class=\"feedback\" id=\"c{n}-feedback\" aria-live=\"polite\"></div>\n</form>\n"
    );
    h
}

/// A ` ```scenario ` block: the scenario and its steps as HTML.
pub(crate) fn scenario(
    block: &Block<'_>,
    index: usize,
    problems: &mut Vec<Problem>,
) -> Option<(Scenario, String)> {
    let file = block.file;
    let parsed: ScenarioToml = match toml::from_str(block.text) {
        Ok(parsed) => parsed,
        Err(e) => {
            problems.push(toml_problem(
                file,
                block.text,
                block.first_line,
                &e,
                "this scenario block is not valid",
            ));
            return None;
        }
    };
    let before = problems.iter().filter(|p| p.is_error()).count();
    let line = Some(block.first_line);
    if parsed.title.trim().is_empty() {
        problems.push(
            Problem::error(file, line, "the scenario has no title").help("add title = \"…\""),
        );
    }
    let mut ids: BTreeMap<&str, usize> = BTreeMap::new();
    for (k, step) in parsed.step.iter().enumerate() {
        if ids.insert(step.id.get_ref().as_str(), k).is_some() {
            problems.push(
                Problem::error(
                    file,
                    block.line(step.id.span()),
                    format!("the step id {:?} is used twice", step.id.get_ref()),
                )
                .help("give every step of a scenario its own id"),
            );
        }
    }
    let start = match ids.get(parsed.start.get_ref().as_str()) {
        Some(&k) => k,
        None => {
            let known: Vec<&str> = ids.keys().copied().collect();
            problems.push(
                Problem::error(
                    file,
                    block.line(parsed.start.span()),
                    format!("start = {:?} names no step", parsed.start.get_ref()),
                )
                .help(format!("start with one of the steps: {}", known.join(", "))),
            );
            0
        }
    };
    let mut steps = Vec::new();
    for step in &parsed.step {
        let step_line = block.line(step.id.span());
        let id = step.id.get_ref();
        let outcome = match (
            step.end,
            step.outcome.as_ref().map(|o| o.get_ref().as_str()),
        ) {
            (false, None) => None,
            (false, Some(_)) => {
                problems.push(
                    Problem::error(
                        file,
                        step_line,
                        format!("step {id:?} has an outcome but is not an end"),
                    )
                    .help("add end = true to close the scenario here, or remove the outcome"),
                );
                None
            }
            (true, None | Some("neutral")) => Some(Outcome::Neutral),
            (true, Some("good")) => Some(Outcome::Good),
            (true, Some("bad")) => Some(Outcome::Bad),
            (true, Some(other)) => {
                problems.push(
                    Problem::error(
                        file,
                        step_line,
                        format!("outcome = {other:?} is not an outcome"),
                    )
                    .help("use outcome = \"good\", \"bad\" or \"neutral\""),
                );
                Some(Outcome::Neutral)
            }
        };
        if step.end && !step.choice.is_empty() {
            problems.push(
                Problem::error(
                    file,
                    step_line,
                    format!("step {id:?} is an end but offers choices"),
                )
                .help("remove end = true, or remove its [[step.choice]] tables"),
            );
        }
        if !step.end && step.choice.is_empty() {
            problems.push(
                Problem::error(
                    file,
                    step_line,
                    format!("step {id:?} offers no choice and is not an end"),
                )
                .help(
                    "add [[step.choice]] tables with text and next, or end = true with an outcome",
                ),
            );
        }
        if step.text.trim().is_empty() {
            problems.push(Problem::error(
                file,
                step_line,
                format!("step {id:?} has no text"),
            ));
        }
        let mut choices = Vec::new();
        for choice in &step.choice {
            let choice_line = block.line(choice.next.span());
            let next = choice.next.get_ref();
            match ids.get(next.as_str()) {
                Some(&k) => choices.push((
                    fragment(choice.text.trim(), true, file, choice_line, problems),
                    k,
                )),
                None => problems.push(
                    Problem::error(
                        file,
                        choice_line,
                        format!("a choice of step {id:?} leads to {next:?}, which is not a step"),
                    )
                    .help(format!(
                        "use one of the step ids: {}",
                        ids.keys().copied().collect::<Vec<_>>().join(", ")
                    )),
                ),
            }
            if choice.text.trim().is_empty() {
                problems.push(Problem::error(
                    file,
                    choice_line,
                    format!("a choice of step {id:?} has no text"),
                ));
            }
        }
        steps.push(Step {
            id: id.clone(),
            html: fragment(step.text.trim(), false, file, step_line, problems),
            choices,
            outcome,
        });
    }
    if steps.is_empty() {
        problems.push(
            Problem::error(file, line, "the scenario has no steps")
                .help("add [[step]] tables: see courses/FORMAT.md"),
        );
    }
    if problems.iter().filter(|p| p.is_error()).count() > before {
        return None;
    }
    // Every step must be reachable from the start, and some end must be.
    let mut reached = BTreeSet::from([start]);
    let mut todo = vec![start];
    while let Some(k) = todo.pop() {
        for &(_, next) in &steps[k].choices {
            if reached.insert(next) {
                todo.push(next);
            }
        }
    }
    for (k, step) in steps.iter().enumerate() {
        if !reached.contains(&k) {
            problems.push(
                Problem::error(
                    file,
                    block.line(parsed.step[k].id.span()),
                    format!("no choice leads to step {:?}", step.id),
                )
                .help("link it from another step's choice with next = \"…\", or remove it"),
            );
        }
    }
    if !steps.iter().any(|s| s.outcome.is_some()) {
        problems.push(
            Problem::error(file, line, "the scenario never ends")
                .help("mark at least one step with end = true and an outcome"),
        );
    }
    if problems.iter().filter(|p| p.is_error()).count() > before {
        return None;
    }
    let scenario = Scenario {
        title: parsed.title.trim().to_owned(),
        start,
        steps,
    };
    let html = scenario_html(&scenario, index);
    Some((scenario, html))
}

fn scenario_html(scenario: &Scenario, n: usize) -> String {
    let mut h = format!(
        "<section class=\"scenario\" id=\"s{n}\" data-scenario=\"{n}\" data-start=\"{}\" aria-labelledby=\"s{n}-title\">\n\
         <h2 id=\"s{n}-title\"><span class=\"kicker\">Scenario</span> {}</h2>\n",
        scenario.start,
        escape(&scenario.title)
    );
    for (k, step) in scenario.steps.iter().enumerate() {
        let class = match step.outcome {
            None => "step".to_owned(),
            Some(o) => format!("step end outcome-{}", outcome_slug(o)),
        };
        let _ = write!(
            h,
            "<div class=\"{class}\" id=\"s{n}-{k}\" data-step=\"{k}\" tabindex=\"-1\">\n<p class=\"chosen\" hidden></p>\n"
        );
        if let Some(outcome) = step.outcome {
            let label = match outcome {
                Outcome::Good => "A good outcome",
                Outcome::Bad => "A poor outcome",
                Outcome::Neutral => "Outcome",
            };
            let _ = writeln!(h, "<p class=\"outcome\"><strong>{label}</strong></p>");
        }
        h.push_str(&step.html);
        if step.choices.is_empty() {
            h.push_str("<button type=\"button\" class=\"button secondary restart\">Try the scenario again</button>\n");
        } else {
            h.push_str("<ul class=\"choices\">\n");
            for (text, next) in &step.choices {
                let _ = writeln!(
                    h,
                    "<li><button type=\"button\" class=\"button secondary choice\" data-next=\"{next}\">{text}</button></li>"
                );
            }
            h.push_str("</ul>\n");
        }
        h.push_str("</div>\n");
    }
    h.push_str("</section>\n");
    h
}

fn outcome_slug(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Good => "good",
        Outcome::Bad => "bad",
        Outcome::Neutral => "neutral",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(text: &str) -> Block<'_> {
        Block {
            file: Path::new("m/pages/01.md"),
            text,
            first_line: 10,
        }
    }

    const CHECK: &str = r#"question = "A colleague asks to borrow your smartcard. What do you do?"
kind = "single"
[[option]]
text = "Lend it"
feedback = "Your card is your identity."
[[option]]
text = "Refuse and help them get their own"
correct = true
feedback = "Right: access is personal."
"#;

    #[test]
    fn a_check_renders_a_labelled_fieldset() {
        let mut problems = Vec::new();
        let (check, html) = check(&block(CHECK), 3, &mut problems).unwrap();
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(check.kind, Kind::Single);
        assert!(check.options[1].correct);
        assert!(html.contains("<legend><span class=\"kicker\">Knowledge check</span> A colleague"));
        assert!(html.contains(
            "<input type=\"radio\" id=\"c3-o1\" name=\"c3\" value=\"1\"><label for=\"c3-o1\">Refuse"
        ));
        assert!(html.contains("aria-live=\"polite\""));
    }

    #[test]
    fn check_mistakes_name_the_line() {
        let mut problems = Vec::new();
        let wrong = CHECK
            .replace("correct = true\n", "")
            .replace("feedback = \"Your card is your identity.\"\n", "");
        check(&block(&wrong), 0, &mut problems);
        let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert!(
            text.iter().any(|t| t.contains("marks 0 options correct")),
            "{text:?}"
        );
        assert!(
            text.iter().any(
                |t| t.starts_with("m/pages/01.md:13: error: the option \"Lend it\"")
                    && t.contains("no feedback")
            ),
            "{text:?}"
        );

        let mut problems = Vec::new();
        check(
            &block("question = \"q\"\ncorect = true\n"),
            0,
            &mut problems,
        );
        assert_eq!(problems[0].line, Some(11), "{:?}", problems[0]);
        assert!(problems[0].message.contains("corect"), "{:?}", problems[0]);
    }

    const SCENARIO: &str = r#"title = "The urgent phone call"
start = "call"
[[step]]
id = "call"
text = "A caller says they are from IT."
[[step.choice]]
text = "Give it"
next = "gave-it"
[[step.choice]]
text = "Call back"
next = "called-back"
[[step]]
id = "gave-it"
end = true
outcome = "bad"
text = "The caller was not from IT."
[[step]]
id = "called-back"
end = true
outcome = "good"
text = "No such job was open."
"#;

    #[test]
    fn a_scenario_links_steps_by_index() {
        let mut problems = Vec::new();
        let (scenario, html) = scenario(&block(SCENARIO), 0, &mut problems).unwrap();
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(scenario.steps[0].choices[1].1, 2);
        assert_eq!(scenario.steps[1].outcome, Some(Outcome::Bad));
        assert!(html.contains("data-next=\"2\">Call back</button>"));
        assert!(html.contains("class=\"step end outcome-good\""));
    }

    #[test]
    fn scenario_mistakes_are_explained() {
        let mut problems = Vec::new();
        let broken = SCENARIO.replace("next = \"called-back\"", "next = \"callback\"");
        assert!(scenario(&block(&broken), 0, &mut problems).is_none());
        assert!(
            problems[0].message.contains("leads to \"callback\""),
            "{problems:?}"
        );
        assert_eq!(problems[0].line, Some(20));

        let mut problems = Vec::new();
        let orphan = SCENARIO.replace("next = \"called-back\"", "next = \"gave-it\"");
        assert!(scenario(&block(&orphan), 0, &mut problems).is_none());
        assert!(
            problems[0]
                .message
                .contains("no choice leads to step \"called-back\""),
            "{problems:?}"
        );
    }
}
