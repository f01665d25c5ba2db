//! What the builder found wrong with a course's source: which file, which line, what is wrong, what to do.

use std::fmt;
use std::path::{Path, PathBuf};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// The module cannot be built until this is fixed.
    Error,
    /// The module builds, but a learner or reviewer would notice.
    Warning,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub severity: Severity,
    /// The source file, as the caller named it (for example `courses/modules/01-x/pages/01-a.md`).
    pub file: PathBuf,
    /// 1-based line in that file, when the problem has one.
    pub line: Option<usize>,
    /// What is wrong.
    pub message: String,
    /// What to do about it.
    pub help: String,
}

impl Problem {
    pub fn error(file: &Path, line: Option<usize>, message: impl Into<String>) -> Problem {
        Problem {
            severity: Severity::Error,
            file: file.to_path_buf(),
            line,
            message: message.into(),
            help: String::new(),
        }
    }

    pub fn warning(file: &Path, line: Option<usize>, message: impl Into<String>) -> Problem {
        Problem {
            severity: Severity::Warning,
            ..Problem::error(file, line, message)
        }
    }

    pub fn help(mut self, help: impl Into<String>) -> Problem {
        self.help = help.into();
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Problem {
    /// `file:line: error: message` then an indented `help:` line, as compilers print.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        let label = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, ": {label}: {}", self.message)?;
        if !self.help.is_empty() {
            write!(f, "\n  help: {}", self.help)?;
        }
        Ok(())
    }
}

/// Every problem found at once (errors first), so an author fixes them in one pass.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problems(pub Vec<Problem>);

impl Problems {
    pub fn errors(&self) -> impl Iterator<Item = &Problem> {
        self.0.iter().filter(|p| p.is_error())
    }
}

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (n, problem) in self.0.iter().enumerate() {
            if n > 0 {
                writeln!(f)?;
            }
            write!(f, "{problem}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Problems {}

/// 1-based line of byte `offset` in `text`.
pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// A TOML parse or shape error as a problem at the right line of `file`; `first_line` is the line of
/// the file where `text` starts (1 for a whole file, later for a fenced block inside a page).
pub(crate) fn toml_problem(
    file: &Path,
    text: &str,
    first_line: usize,
    error: &toml::de::Error,
    what: &str,
) -> Problem {
    let line = error
        .span()
        .map(|span| first_line + line_of(text, span.start) - 1);
    // toml's message repeats the snippet with its own line numbers; keep only the explanation.
    let message = error.message().trim().to_owned();
    Problem::error(
        file,
        line.or(Some(first_line)),
        format!("{what}: {message}"),
    )
    .help("see courses/FORMAT.md for the keys this block takes and an example")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_print_file_line_and_help() {
        let p = Problem::error(Path::new("m/module.toml"), Some(3), "no title")
            .help("add title = \"…\"");
        assert_eq!(
            p.to_string(),
            "m/module.toml:3: error: no title\n  help: add title = \"…\""
        );
        let w = Problem::warning(Path::new("m/questions.toml"), None, "small bank");
        assert_eq!(w.to_string(), "m/questions.toml: warning: small bank");
    }

    #[test]
    fn lines_count_from_one() {
        assert_eq!(line_of("a\nb\nc", 0), 1);
        assert_eq!(line_of("a\nb\nc", 2), 2);
        assert_eq!(line_of("a\nb\nc", 99), 3);
    }
}
