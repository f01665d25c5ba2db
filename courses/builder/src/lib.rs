//! The course builder: turns a course's plain-text source (`courses/FORMAT.md`: `module.toml`, Markdown
//! pages with knowledge checks and scenarios, `questions.toml`, images) into SCORM 1.2 and SCORM 2004
//! 4th edition packages with a small self-contained player inside.
//!
//! Pure: no file system, network or clock. The caller hands over the source files as bytes keyed by
//! their path ([`Module::from_files`], [`Course::from_files`]) and gets back the package's files
//! ([`build`]) or a zip of them ([`zip_package`]). Problems name the file, the line, what is wrong and
//! what to do, and all of them are reported at once.

mod blocks;
mod manifest;
mod markdown;
mod player;
mod problem;
mod source;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub use problem::{Problem, Problems, Severity};
pub use source::{Pathway, load_course};

/// The player's script and style sheet, copied into every package.
pub const PLAYER_JS: &str = include_str!("../assets/player.js");
pub const PLAYER_CSS: &str = include_str!("../assets/player.css");

/// Which SCORM a package is built for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Format {
    /// SCORM 1.2: `imscp_rootv1p1p2` + `adlcp_rootv1p2`, the `API` object, `cmi.core.*`.
    Scorm12,
    /// SCORM 2004 4th edition: `imscp_v1p1` + `adlcp_v1p3` + IMS SS, the `API_1484_11` object.
    Scorm2004,
}

impl Format {
    pub const ALL: [Format; 2] = [Format::Scorm12, Format::Scorm2004];

    /// `scorm12` or `scorm2004`, as the command line and file names spell it.
    pub fn slug(self) -> &'static str {
        match self {
            Format::Scorm12 => "scorm12",
            Format::Scorm2004 => "scorm2004",
        }
    }

    pub fn parse(text: &str) -> Option<Format> {
        match text
            .to_ascii_lowercase()
            .replace(['-', '_', ' ', '.'], "")
            .as_str()
        {
            "scorm12" => Some(Format::Scorm12),
            "scorm2004" => Some(Format::Scorm2004),
            _ => None,
        }
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Format::Scorm12 => "SCORM 1.2",
            Format::Scorm2004 => "SCORM 2004 4th Edition",
        })
    }
}

/// A whole course: its modules (in folder order) and role pathways.
#[derive(Clone, Debug)]
pub struct Course {
    pub modules: Vec<Module>,
    pub pathways: Vec<Pathway>,
    /// Warnings from every file (nothing here stops a build).
    pub warnings: Vec<Problem>,
}

impl Course {
    /// Reads a course from its files, keyed by path relative to the course folder: `pathways.toml` and
    /// `modules/<folder>/…`. Fails with every error found in any module or pathway.
    pub fn from_files(files: &BTreeMap<PathBuf, Vec<u8>>) -> Result<Course, Problems> {
        Course::from_files_at(Path::new(""), files)
    }

    /// As [`Course::from_files`]; problems name files under `root` (for example `courses`).
    pub fn from_files_at(
        root: &Path,
        files: &BTreeMap<PathBuf, Vec<u8>>,
    ) -> Result<Course, Problems> {
        let loaded = load_course(root, files);
        let mut problems = loaded.problems;
        problems.sort_by_key(|p| p.severity);
        if problems.iter().any(Problem::is_error) {
            return Err(Problems(problems));
        }
        Ok(Course {
            modules: loaded.modules,
            pathways: loaded.pathways,
            warnings: problems,
        })
    }
}

/// One module: one SCO.
#[derive(Clone, Debug)]
pub struct Module {
    /// The module's folder as the caller named it (problems and messages use it).
    pub dir: PathBuf,
    pub id: String,
    pub title: String,
    pub summary: String,
    pub minutes: u32,
    pub audience: Vec<String>,
    pub version: String,
    pub assessment: Assessment,
    pub pages: Vec<Page>,
    pub sources: Vec<Source>,
    /// The final assessment's question bank.
    pub questions: Vec<Question>,
    /// Knowledge checks of all pages, in page order (`c0`, `c1`, … in the HTML).
    pub checks: Vec<Check>,
    /// Scenarios of all pages, in page order (`s0`, `s1`, … in the HTML).
    pub scenarios: Vec<Scenario>,
    /// Images the pages use, by their path in the package (`images/x.svg`).
    pub images: BTreeMap<String, Vec<u8>>,
    /// What the builder would point out to the author; nothing here stops a build.
    pub warnings: Vec<Problem>,
}

impl Module {
    /// Reads a module from its files, keyed by path relative to the module folder (`module.toml`,
    /// `pages/01-x.md`, `questions.toml`, `images/y.svg`). `dir` only names the folder in problems.
    pub fn from_files(dir: &Path, files: &BTreeMap<PathBuf, Vec<u8>>) -> Result<Module, Problems> {
        source::load_module(dir, files)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Assessment {
    /// Questions drawn from the bank for each attempt.
    pub questions: usize,
    /// Fraction correct needed to pass, in (0, 1].
    pub pass_mark: f64,
    /// A failed attempt can be retaken straight away.
    pub retry: bool,
}

impl Assessment {
    /// How many of the drawn questions must be right to pass.
    pub fn needed(&self, drawn: usize) -> usize {
        ((self.pass_mark * drawn as f64) - 1e-9).ceil().max(0.0) as usize
    }
}

#[derive(Clone, Debug)]
pub struct Page {
    /// The file stem (`01-introduction`): reported as `location`, used in URLs and element ids.
    pub id: String,
    /// The source file, as problems name it.
    pub file: PathBuf,
    /// The text of the page's `# Heading`.
    pub title: String,
    /// The rendered body (a fragment; the heading included).
    pub html: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Source {
    pub title: String,
    pub url: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// One answer (radio buttons).
    Single,
    /// Every correct answer (check boxes); right only when exactly the correct ones are chosen.
    Multiple,
}

impl Kind {
    pub fn slug(self) -> &'static str {
        match self {
            Kind::Single => "single",
            Kind::Multiple => "multiple",
        }
    }
}

/// An answer option of a check or a question; the texts are rendered HTML.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    pub html: String,
    pub correct: bool,
    pub feedback_html: String,
}

/// A knowledge check (not scored).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Check {
    pub question_html: String,
    pub kind: Kind,
    pub options: Vec<Answer>,
}

/// A question of the final assessment's bank.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Question {
    /// Stable; reported as the SCORM interaction id.
    pub id: String,
    pub kind: Kind,
    pub text_html: String,
    pub options: Vec<Answer>,
}

impl Question {
    /// Indices of the correct options.
    pub fn correct(&self) -> Vec<usize> {
        (0..self.options.len())
            .filter(|&i| self.options[i].correct)
            .collect()
    }
}

/// A branching scenario: steps linked by choices, ending in an outcome.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scenario {
    pub title: String,
    /// Index of the first step.
    pub start: usize,
    pub steps: Vec<Step>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    pub id: String,
    pub html: String,
    /// (choice text, index of the next step); empty for an end.
    pub choices: Vec<(String, usize)>,
    /// `Some` for an end step.
    pub outcome: Option<Outcome>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Good,
    Bad,
    Neutral,
}

/// The files of the module's package for `format`: `imsmanifest.xml`, `index.html`, the player's
/// script and style sheet, and the images, as (path in the zip, bytes), manifest first.
pub fn build(module: &Module, format: Format) -> Vec<(String, Vec<u8>)> {
    let mut files = vec![
        (
            "index.html".to_owned(),
            player::index_html(module, format).into_bytes(),
        ),
        ("player.js".to_owned(), PLAYER_JS.as_bytes().to_vec()),
        ("player.css".to_owned(), PLAYER_CSS.as_bytes().to_vec()),
    ];
    for (path, bytes) in &module.images {
        files.push((path.clone(), bytes.clone()));
    }
    let listed: Vec<&str> = files.iter().map(|(p, _)| p.as_str()).collect();
    let manifest = manifest::manifest(module, format, &listed);
    files.insert(0, ("imsmanifest.xml".to_owned(), manifest.into_bytes()));
    files
}

/// The file name a built package gets: `<module id>-<scorm12|scorm2004>.zip`.
pub fn package_file_name(module: &Module, format: Format) -> String {
    format!("{}-{}.zip", module.id, format.slug())
}

/// Zips package files (in memory, deflated, with a fixed timestamp so equal input gives equal bytes).
pub fn zip_package(files: &[(String, Vec<u8>)]) -> Vec<u8> {
    use std::io::Write;
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default())
        .unix_permissions(0o644);
    for (path, bytes) in files {
        writer
            .start_file(path.as_str(), options)
            .and_then(|()| writer.write_all(bytes).map_err(Into::into))
            .expect("writing to memory cannot fail");
    }
    writer
        .finish()
        .expect("writing to memory cannot fail")
        .into_inner()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(pairs: &[(&str, &str)]) -> BTreeMap<PathBuf, Vec<u8>> {
        pairs
            .iter()
            .map(|(p, t)| (PathBuf::from(p), t.as_bytes().to_vec()))
            .collect()
    }

    const MODULE: &str = r#"id = "tiny"
title = "Tiny"
summary = "A tiny module."
minutes = 10
version = "1"
[assessment]
questions = 1
pass_mark = 1.0
retry = false
[[page]]
file = "pages/one.md"
"#;

    const QUESTIONS: &str = r#"[[question]]
id = "q1"
text = "Is a < b when the script says `</script>`?"
[[question.option]]
text = "Yes"
correct = true
feedback = "Right."
[[question.option]]
text = "No"
feedback = "Wrong."
"#;

    fn tiny() -> Module {
        Module::from_files(
            Path::new("tiny"),
            &files(&[
                ("module.toml", MODULE),
                ("pages/one.md", "# One\n\nHello.\n"),
                ("questions.toml", QUESTIONS),
            ]),
        )
        .unwrap()
    }

    fn course_data(html: &str) -> serde_json::Value {
        let start = html.find("id=\"course-data\">").unwrap() + "id=\"course-data\">".len();
        let end = start + html[start..].find("</script>").unwrap();
        serde_json::from_str(&html[start..end]).unwrap()
    }

    #[test]
    fn formats_parse_as_the_command_line_spells_them() {
        assert_eq!(Format::parse("scorm12"), Some(Format::Scorm12));
        assert_eq!(Format::parse("SCORM-2004"), Some(Format::Scorm2004));
        assert_eq!(Format::parse("scorm2005"), None);
        assert_eq!(Format::Scorm2004.to_string(), "SCORM 2004 4th Edition");
    }

    #[test]
    fn index_html_holds_every_page_the_assessment_and_safe_data() {
        let module = tiny();
        assert!(
            module
                .warnings
                .iter()
                .any(|w| w.message.contains("retry repeats"))
        );
        let built = build(&module, Format::Scorm12);
        let html = String::from_utf8(built[1].1.clone()).unwrap();
        assert!(html.contains("<section class=\"page\" id=\"page-one\" data-page=\"one\""));
        assert!(html.contains("id=\"page-assessment\""));
        assert!(html.contains("You need 1 right (100%) to pass."));
        assert!(!html.contains("try again straight away"), "retry = false");
        assert_eq!(
            html.matches("</script>").count(),
            2,
            "no string closes the data early"
        );
        let data = course_data(&html);
        assert_eq!(data["format"], "scorm12");
        assert_eq!(data["assessment"]["n"], 1);
        assert_eq!(data["assessment"]["retry"], false);
        assert_eq!(data["bank"][0]["id"], "q1");
        assert_eq!(data["bank"][0]["options"][0]["c"], true);
        assert!(
            data["bank"][0]["text"]
                .as_str()
                .unwrap()
                .contains("a &lt; b when the script says <code>&lt;/script&gt;</code>")
        );
    }

    #[test]
    fn manifests_take_the_pass_mark() {
        let module = tiny();
        let manifest = |format| String::from_utf8(build(&module, format)[0].1.clone()).unwrap();
        assert!(manifest(Format::Scorm12).contains("<adlcp:masteryscore>100</adlcp:masteryscore>"));
        assert!(
            manifest(Format::Scorm2004)
                .contains("<imsss:minNormalizedMeasure>1</imsss:minNormalizedMeasure>")
        );
        assert!(manifest(Format::Scorm2004).contains("<file href=\"player.js\"/>"));
    }

    #[test]
    fn a_missing_module_toml_or_page_is_named() {
        let problems = Module::from_files(Path::new("m"), &files(&[])).unwrap_err();
        assert_eq!(
            problems.to_string().lines().next().unwrap(),
            "m/module.toml: error: the module folder has no module.toml"
        );
        let problems = Module::from_files(
            Path::new("m"),
            &files(&[("module.toml", MODULE), ("questions.toml", QUESTIONS)]),
        )
        .unwrap_err();
        assert!(
            problems
                .to_string()
                .contains("m/module.toml:11: error: page file \"pages/one.md\" does not exist"),
            "{problems}"
        );
        let problems = Module::from_files(
            Path::new("m"),
            &files(&[
                ("module.toml", &MODULE.replace("title", "titel")),
                ("questions.toml", QUESTIONS),
            ]),
        )
        .unwrap_err();
        assert!(
            problems.to_string().contains(
                "m/module.toml:2: error: module.toml is not valid: unknown field `titel`"
            ),
            "{problems}"
        );
    }
}
