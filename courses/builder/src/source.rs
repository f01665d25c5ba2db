//! Reading a course's source: `module.toml`, the pages, `questions.toml`, images and `pathways.toml`.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::path::{Component, Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::blocks::{self, OptionToml};
use crate::markdown::{self, PageContext};
use crate::problem::{Problem, Problems, line_of, toml_problem};
use crate::{Assessment, Module, Page, Question, Source};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ModuleToml {
    id: Spanned<String>,
    title: Spanned<String>,
    summary: Spanned<String>,
    minutes: Spanned<u32>,
    #[serde(default)]
    audience: Vec<String>,
    version: Spanned<String>,
    assessment: AssessmentToml,
    #[serde(default)]
    page: Vec<PageToml>,
    #[serde(default)]
    source: Vec<SourceToml>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AssessmentToml {
    questions: Spanned<usize>,
    pass_mark: Spanned<f64>,
    #[serde(default = "yes")]
    retry: bool,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PageToml {
    file: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SourceToml {
    title: Spanned<String>,
    url: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BankToml {
    #[serde(default)]
    question: Vec<QuestionToml>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct QuestionToml {
    id: Spanned<String>,
    #[serde(default)]
    kind: Option<Spanned<String>>,
    text: String,
    #[serde(default)]
    option: Vec<OptionToml>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PathwaysToml {
    #[serde(default)]
    pathway: Vec<PathwayToml>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PathwayToml {
    id: Spanned<String>,
    title: String,
    #[serde(default)]
    description: String,
    modules: Spanned<Vec<String>>,
}

/// A role pathway: which modules a staff group takes, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pathway {
    pub id: String,
    pub title: String,
    pub description: String,
    pub modules: Vec<String>,
}

/// A course read as far as possible: every module that loaded, and every problem (errors of the
/// modules that did not load included). [`crate::Course::from_files`] is the all-or-nothing form.
#[derive(Debug)]
pub struct LoadedCourse {
    pub modules: Vec<Module>,
    pub pathways: Vec<Pathway>,
    pub problems: Vec<Problem>,
}

/// Reads every `modules/<folder>/` and `pathways.toml` from `files` (paths relative to the course
/// folder; anything else is ignored). `root` names the course folder in problems.
pub fn load_course(root: &Path, files: &BTreeMap<PathBuf, Vec<u8>>) -> LoadedCourse {
    let mut by_folder: BTreeMap<String, BTreeMap<PathBuf, Vec<u8>>> = BTreeMap::new();
    for (path, bytes) in files {
        let Ok(rest) = path.strip_prefix("modules") else {
            continue;
        };
        let mut parts = rest.components();
        let (Some(Component::Normal(folder)), rest) = (parts.next(), parts.as_path()) else {
            continue;
        };
        if rest.as_os_str().is_empty() {
            continue; // a file directly under modules/
        }
        by_folder
            .entry(folder.to_string_lossy().into_owned())
            .or_default()
            .insert(rest.to_path_buf(), bytes.clone());
    }
    let mut modules = Vec::new();
    let mut problems = Vec::new();
    let mut ids: BTreeMap<String, PathBuf> = BTreeMap::new();
    for (folder, module_files) in &by_folder {
        let dir = root.join("modules").join(folder);
        let (id, result) = load(&dir, module_files);
        if let Some(id) = id {
            if let Some(first) = ids.get(&id) {
                problems.push(
                    Problem::error(
                        &dir.join("module.toml"),
                        None,
                        format!(
                            "the module id {id:?} is already used by {}",
                            first.display()
                        ),
                    )
                    .help("every module needs its own id: it identifies the package in every LMS"),
                );
            } else {
                ids.insert(id, dir.clone());
            }
        }
        match result {
            Ok(mut module) => {
                problems.append(&mut module.warnings.clone());
                module.warnings.clear();
                modules.push(module);
            }
            Err(mut found) => problems.append(&mut found),
        }
    }
    let pathways_file = root.join("pathways.toml");
    let pathways = match files.get(Path::new("pathways.toml")) {
        Some(bytes) => pathways(&pathways_file, bytes, &ids, &mut problems),
        None => {
            if !by_folder.is_empty() {
                problems.push(
                    Problem::warning(&pathways_file, None, "the course has no pathways.toml")
                        .help("list which modules each staff group takes: see courses/FORMAT.md"),
                );
            }
            Vec::new()
        }
    };
    LoadedCourse {
        modules,
        pathways,
        problems,
    }
}

fn pathways(
    file: &Path,
    bytes: &[u8],
    ids: &BTreeMap<String, PathBuf>,
    problems: &mut Vec<Problem>,
) -> Vec<Pathway> {
    let Some(text) = utf8(file, bytes, problems) else {
        return Vec::new();
    };
    let parsed: PathwaysToml = match toml::from_str(&text) {
        Ok(parsed) => parsed,
        Err(e) => {
            problems.push(toml_problem(
                file,
                &text,
                1,
                &e,
                "pathways.toml is not valid",
            ));
            return Vec::new();
        }
    };
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for p in parsed.pathway {
        let line = Some(line_of(&text, p.id.span().start));
        let id = p.id.into_inner();
        if !seen.insert(id.clone()) {
            problems.push(
                Problem::error(file, line, format!("the pathway id {id:?} is used twice"))
                    .help("give each pathway its own id"),
            );
        }
        if p.title.trim().is_empty() {
            problems.push(Problem::error(
                file,
                line,
                format!("pathway {id:?} has no title"),
            ));
        }
        let modules_line = Some(line_of(&text, p.modules.span().start));
        let modules = p.modules.into_inner();
        if modules.is_empty() {
            problems.push(
                Problem::error(
                    file,
                    modules_line,
                    format!("pathway {id:?} lists no modules"),
                )
                .help("list the ids of the modules this staff group takes"),
            );
        }
        for module in &modules {
            if !ids.contains_key(module) {
                let known: Vec<&str> = ids.keys().map(String::as_str).collect();
                problems.push(
                    Problem::error(
                        file,
                        modules_line,
                        format!("pathway {id:?} lists the module {module:?}, which does not exist"),
                    )
                    .help(format!(
                        "use a module's id (from its module.toml): {}",
                        known.join(", ")
                    )),
                );
            }
        }
        out.push(Pathway {
            id,
            title: p.title,
            description: p.description,
            modules,
        });
    }
    out
}

pub(crate) fn load_module(
    dir: &Path,
    files: &BTreeMap<PathBuf, Vec<u8>>,
) -> Result<Module, Problems> {
    load(dir, files).1.map_err(|mut problems| {
        problems.sort_by_key(|p| p.severity);
        Problems(problems)
    })
}

fn utf8(file: &Path, bytes: &[u8], problems: &mut Vec<Problem>) -> Option<String> {
    match String::from_utf8(bytes.to_vec()) {
        Ok(text) => Some(
            text.strip_prefix('\u{feff}')
                .map(str::to_owned)
                .unwrap_or(text),
        ),
        Err(e) => {
            let line = line_of(
                &String::from_utf8_lossy(bytes),
                e.utf8_error().valid_up_to(),
            );
            problems.push(
                Problem::error(file, Some(line), "the file is not valid UTF-8 text").help(
                    "save it as UTF-8 (most editors offer this under \"Save as\" or \"Encoding\")",
                ),
            );
            None
        }
    }
}

/// `a/./b/../c` → `a/c`; `None` for a path that leaves its root.
pub(crate) fn normalise(path: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::Normal(p) => out.push(p),
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    return None;
                }
            }
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(out)
}

fn is_module_id(id: &str) -> bool {
    id.starts_with(|c: char| c.is_ascii_lowercase())
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// Page ids become element ids and `cmi.location`: letters, digits, `-` and `_`.
fn is_page_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 100
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Question ids become SCORM interaction ids, which must be identifiers in both standards.
fn is_question_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 200
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
}

/// Reads one module; also returns its id when module.toml could be read, so pathways can be checked
/// against modules that have other errors.
fn load(
    dir: &Path,
    files: &BTreeMap<PathBuf, Vec<u8>>,
) -> (Option<String>, Result<Module, Vec<Problem>>) {
    let mut problems = Vec::new();
    let module_file = dir.join("module.toml");
    let Some(bytes) = files.get(Path::new("module.toml")) else {
        problems.push(
            Problem::error(&module_file, None, "the module folder has no module.toml")
                .help("every module folder needs a module.toml with its id, title, pages and assessment: see courses/FORMAT.md"),
        );
        return (None, Err(problems));
    };
    let Some(text) = utf8(&module_file, bytes, &mut problems) else {
        return (None, Err(problems));
    };
    let meta: ModuleToml = match toml::from_str(&text) {
        Ok(meta) => meta,
        Err(e) => {
            problems.push(toml_problem(
                &module_file,
                &text,
                1,
                &e,
                "module.toml is not valid",
            ));
            return (None, Err(problems));
        }
    };
    let at = |span: Range<usize>| Some(line_of(&text, span.start));
    let mut error = |span: Range<usize>, message: String, help: &str| {
        problems.push(Problem::error(&module_file, at(span), message).help(help));
    };

    let id = meta.id.get_ref().clone();
    if !is_module_id(&id) {
        error(
            meta.id.span(),
            format!("the module id {id:?} cannot be used as an identifier"),
            "use lower-case letters, digits and hyphens, starting with a letter (e.g. \"passwords-and-mfa\")",
        );
    }
    for (field, value) in [
        ("title", &meta.title),
        ("summary", &meta.summary),
        ("version", &meta.version),
    ] {
        if value.get_ref().trim().is_empty() {
            error(
                value.span(),
                format!("{field} is empty"),
                "every module needs a title, a summary and a version",
            );
        }
    }
    let minutes = *meta.minutes.get_ref();
    if !(10..=20).contains(&minutes) {
        error(
            meta.minutes.span(),
            format!("minutes = {minutes}: a module takes 10 to 20 minutes"),
            "split a longer module in two, or merge a shorter one with its neighbour",
        );
    }
    let drawn = *meta.assessment.questions.get_ref();
    if drawn == 0 {
        error(
            meta.assessment.questions.span(),
            "assessment.questions is 0: the assessment needs at least one question".into(),
            "say how many questions are drawn from the bank for each attempt (e.g. 6)",
        );
    }
    let pass_mark = *meta.assessment.pass_mark.get_ref();
    if !(pass_mark > 0.0 && pass_mark <= 1.0) {
        error(
            meta.assessment.pass_mark.span(),
            format!("assessment.pass_mark = {pass_mark} is not a fraction between 0 and 1"),
            "write the fraction correct needed to pass, e.g. 0.8 for 80 %",
        );
    }
    if meta.page.is_empty() {
        problems.push(
            Problem::error(&module_file, None, "the module lists no pages")
                .help("add a [[page]] with file = \"pages/01-….md\" for each page, in order"),
        );
    }
    let mut sources = Vec::new();
    for s in &meta.source {
        let url = s.url.get_ref().trim();
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            problems.push(
                Problem::error(
                    &module_file,
                    at(s.url.span()),
                    format!("source URL {url:?} is not a web address"),
                )
                .help("give the full address, starting with https://"),
            );
        }
        if s.title.get_ref().trim().is_empty() {
            problems.push(Problem::error(
                &module_file,
                at(s.title.span()),
                "a source has no title",
            ));
        }
        sources.push(Source {
            title: s.title.get_ref().trim().to_owned(),
            url: url.to_owned(),
        });
    }

    // Pages: first their ids (links between pages need them), then their content.
    let mut page_ids: BTreeMap<PathBuf, String> = BTreeMap::new();
    let mut listed = Vec::new();
    for page in &meta.page {
        let line = at(page.file.span());
        let raw = page.file.get_ref();
        let Some(rel) = normalise(Path::new(raw)) else {
            problems.push(
                Problem::error(
                    &module_file,
                    line,
                    format!("page file {raw:?} is outside the module folder"),
                )
                .help("write the path from the module folder, e.g. \"pages/01-introduction.md\""),
            );
            continue;
        };
        if !files.contains_key(&rel) {
            let candidates: Vec<String> = files
                .keys()
                .filter(|p| p.extension().is_some_and(|e| e == "md"))
                .map(|p| p.display().to_string())
                .collect();
            problems.push(
                Problem::error(
                    &module_file,
                    line,
                    format!("page file {raw:?} does not exist"),
                )
                .help(if candidates.is_empty() {
                    "create it under pages/, or fix the path".to_owned()
                } else {
                    format!("Markdown files in this module: {}", candidates.join(", "))
                }),
            );
            continue;
        }
        let stem = rel
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        if !is_page_id(&stem) || stem == "assessment" {
            problems.push(
                Problem::error(&module_file, line, format!("the page file name {stem:?} cannot be used as a page id"))
                    .help("name page files with letters, digits and hyphens only (e.g. 02-real-incidents.md); \"assessment\" is reserved"),
            );
            continue;
        }
        if page_ids.values().any(|id| *id == stem) {
            problems.push(
                Problem::error(
                    &module_file,
                    line,
                    format!("page {raw:?} is listed twice, or two pages share the name {stem:?}"),
                )
                .help("list each page once; page file names must differ"),
            );
            continue;
        }
        page_ids.insert(rel.clone(), stem.clone());
        listed.push((rel, stem));
    }

    let mut pages = Vec::new();
    let mut checks = Vec::new();
    let mut scenarios = Vec::new();
    let mut used_images: BTreeSet<PathBuf> = BTreeSet::new();
    for (rel, page_id) in &listed {
        let file = dir.join(rel);
        let Some(page_text) = utf8(&file, &files[rel], &mut problems) else {
            continue;
        };
        let context = PageContext {
            file: &file,
            rel,
            files,
            page_ids: &page_ids,
        };
        let rendered = markdown::render_page(
            &context,
            &page_text,
            page_id,
            &mut checks,
            &mut scenarios,
            &mut problems,
        );
        used_images.extend(rendered.images);
        if let Some(title) = rendered.title {
            pages.push(Page {
                id: page_id.clone(),
                file: file.clone(),
                title,
                html: rendered.html,
            });
        }
    }

    let mut warnings = Vec::new();
    for path in files.keys() {
        let is_page = path.starts_with("pages") && path.extension().is_some_and(|e| e == "md");
        if is_page && !page_ids.contains_key(path) {
            warnings.push(
                Problem::warning(
                    &dir.join(path),
                    None,
                    "this page is not listed in module.toml, so it is left out",
                )
                .help("add a [[page]] entry for it, or delete it"),
            );
        }
        if path.starts_with("images") && !used_images.contains(path) {
            warnings.push(
                Problem::warning(
                    &dir.join(path),
                    None,
                    "no page uses this image, so it is left out",
                )
                .help("reference it from a page with ![alt text](images/…), or delete it"),
            );
        }
    }
    let images = used_images
        .iter()
        .map(|p| {
            let name = p.to_string_lossy().replace('\\', "/");
            (name, files[p].clone())
        })
        .collect();

    let questions = question_bank(dir, files, drawn, &mut problems, &mut warnings);

    if problems.iter().any(Problem::is_error) {
        return (Some(id), Err(problems));
    }
    let module = Module {
        dir: dir.to_path_buf(),
        id: id.clone(),
        title: meta.title.into_inner().trim().to_owned(),
        summary: meta.summary.into_inner().trim().to_owned(),
        minutes,
        audience: meta.audience,
        version: meta.version.into_inner().trim().to_owned(),
        assessment: Assessment {
            questions: drawn,
            pass_mark,
            retry: meta.assessment.retry,
        },
        pages,
        sources,
        questions,
        checks,
        scenarios,
        images,
        warnings: problems.into_iter().chain(warnings).collect(),
    };
    (Some(id), Ok(module))
}

fn question_bank(
    dir: &Path,
    files: &BTreeMap<PathBuf, Vec<u8>>,
    drawn: usize,
    problems: &mut Vec<Problem>,
    warnings: &mut Vec<Problem>,
) -> Vec<Question> {
    let file = dir.join("questions.toml");
    let Some(bytes) = files.get(Path::new("questions.toml")) else {
        problems.push(
            Problem::error(&file, None, "the module has no questions.toml")
                .help("the final assessment draws its questions from questions.toml: see courses/FORMAT.md"),
        );
        return Vec::new();
    };
    let Some(text) = utf8(&file, bytes, problems) else {
        return Vec::new();
    };
    let bank: BankToml = match toml::from_str(&text) {
        Ok(bank) => bank,
        Err(e) => {
            problems.push(toml_problem(
                &file,
                &text,
                1,
                &e,
                "questions.toml is not valid",
            ));
            return Vec::new();
        }
    };
    let mut ids = BTreeSet::new();
    let mut out = Vec::new();
    for q in bank.question {
        let line = Some(line_of(&text, q.id.span().start));
        let id = q.id.get_ref().clone();
        if !is_question_id(&id) {
            problems.push(
                Problem::error(&file, line, format!("the question id {id:?} cannot be a SCORM interaction id"))
                    .help("use letters, digits, hyphens, underscores and dots only (e.g. \"q-phish-link\")"),
            );
        }
        if !ids.insert(id.clone()) {
            problems.push(
                Problem::error(&file, line, format!("the question id {id:?} is used twice"))
                    .help("question ids are reported to the LMS and must be unique in the bank"),
            );
        }
        let kind_line = q.kind.as_ref().map(|k| line_of(&text, k.span().start));
        let kind = blocks::kind(
            q.kind.as_ref().map(|k| k.get_ref().as_str()),
            &file,
            kind_line.or(line),
            problems,
        );
        let what = format!("question {id:?}");
        let text_html = blocks::fragment(&q.text, true, &file, line, problems);
        if q.text.trim().is_empty() {
            problems.push(Problem::error(&file, line, format!("{what} has no text")));
        }
        let options = blocks::answers(&q.option, kind, &what, &file, line, &text, problems);
        out.push(Question {
            id,
            kind,
            text_html,
            options,
        });
    }
    if out.len() < drawn {
        problems.push(
            Problem::error(
                &file,
                None,
                format!(
                    "the bank holds {} questions but each attempt draws {drawn}",
                    out.len()
                ),
            )
            .help("add questions, or lower assessment.questions in module.toml"),
        );
    } else if out.len() * 2 < drawn * 3 {
        warnings.push(
            Problem::warning(
                &file,
                None,
                format!(
                    "the bank holds {} questions for {drawn} per attempt, so a retry repeats most of them",
                    out.len()
                ),
            )
            .help(format!("hold at least {} questions (one and a half times as many)", drawn * 3 / 2)),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_normalise_inside_their_root_only() {
        assert_eq!(
            normalise(Path::new("./pages/../images/a.svg")),
            Some(PathBuf::from("images/a.svg"))
        );
        assert_eq!(normalise(Path::new("../a.svg")), None);
        assert_eq!(normalise(Path::new("/etc/passwd")), None);
    }

    #[test]
    fn identifiers() {
        assert!(is_module_id("passwords-and-mfa"));
        assert!(!is_module_id("01-why"));
        assert!(!is_module_id("Why"));
        assert!(is_page_id("01-introduction"));
        assert!(!is_page_id("01 introduction"));
        assert!(is_question_id("q-phish.link_2"));
        assert!(!is_question_id("q phish"));
    }
}
