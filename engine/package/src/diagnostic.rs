//! Findings about a package: which file, where, which rule, what is wrong and what to do about it.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Blocks the import.
    Error,
    /// Reported; the import goes ahead.
    Warning,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    pub line: u32,
    pub column: u32,
}

/// Every rule the checks can report, with a stable kebab-case code for machines (`--json`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rule {
    // The archive.
    NotAZip,
    UnsafePath,
    Symlink,
    Encrypted,
    DuplicateEntry,
    TooManyEntries,
    TooLarge,
    CompressionRatio,
    MissingManifest,
    ManifestTooLarge,
    // The XML.
    Encoding,
    MalformedXml,
    DtdNotAllowed,
    EntityNotAllowed,
    TooDeep,
    // The manifest.
    NotAManifest,
    MissingIdentifier,
    DuplicateIdentifier,
    UnknownSchemaVersion,
    NoOrganization,
    UnknownDefaultOrganization,
    UnknownResource,
    LeafWithoutResource,
    ParentWithResource,
    LaunchWithoutHref,
    UnknownScormType,
    UnknownDependency,
    UnknownSequencingReference,
    HrefOutsidePackage,
    ExternalHref,
    BadValue,
    // The files.
    ListedFileMissing,
    UnlistedFile,
    Deprecated,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    pub severity: Severity,
    pub rule: Rule,
    /// The file in the package the finding is about (`imsmanifest.xml`, an entry name, or the zip).
    pub file: String,
    pub position: Option<Position>,
    pub message: String,
    /// What to do about it, when there is more to say than the message.
    pub help: Option<String>,
}

impl Diagnostic {
    fn new(
        severity: Severity,
        rule: Rule,
        file: &str,
        position: Option<Position>,
        message: String,
    ) -> Diagnostic {
        Diagnostic {
            severity,
            rule,
            file: file.to_owned(),
            position,
            message,
            help: None,
        }
    }

    pub fn error(
        rule: Rule,
        file: &str,
        position: Option<Position>,
        message: String,
    ) -> Diagnostic {
        Diagnostic::new(Severity::Error, rule, file, position, message)
    }

    pub fn warning(
        rule: Rule,
        file: &str,
        position: Option<Position>,
        message: String,
    ) -> Diagnostic {
        Diagnostic::new(Severity::Warning, rule, file, position, message)
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl std::fmt::Display for Diagnostic {
    /// `imsmanifest.xml:12:5: error[unknown-resource]: item ITEM-3 references … (help: …)`
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let severity = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let rule = self.rule.code();
        match self.position {
            Some(p) => write!(
                f,
                "{}:{}:{}: {severity}[{rule}]: {}",
                self.file, p.line, p.column, self.message
            )?,
            None => write!(f, "{}: {severity}[{rule}]: {}", self.file, self.message)?,
        }
        if let Some(help) = &self.help {
            write!(f, "\n  help: {help}")?;
        }
        Ok(())
    }
}

impl Rule {
    /// The kebab-case code of a rule, as `--json` writes it.
    pub fn code(self) -> String {
        let debug = format!("{self:?}");
        let mut code = String::new();
        for (i, c) in debug.chars().enumerate() {
            if c.is_ascii_uppercase() {
                if i > 0 {
                    code.push('-');
                }
                code.push(c.to_ascii_lowercase());
            } else {
                code.push(c);
            }
        }
        code
    }
}
