//! The zip itself: every entry is checked before anything is extracted or trusted.

use std::collections::{BTreeSet, HashMap};
use std::io::{Read, Seek};

use crate::diagnostic::{Diagnostic, Rule};
use crate::manifest::MANIFEST_FILE;

/// Limits against hostile archives. The defaults suit real courses (video-heavy packages reach a few
/// hundred MB; thousands of files are normal) while refusing bombs.
#[derive(Clone, Debug)]
pub struct Limits {
    pub max_entries: usize,
    pub max_total_uncompressed: u64,
    pub max_entry_uncompressed: u64,
    /// Uncompressed ÷ compressed, per entry, above which an entry is treated as a bomb (text compresses
    /// 5–20×, zeros 1000×).
    pub max_ratio: u64,
    pub max_manifest_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_entries: 50_000,
            max_total_uncompressed: 4 * 1024 * 1024 * 1024,
            max_entry_uncompressed: 2 * 1024 * 1024 * 1024,
            max_ratio: 200,
            max_manifest_bytes: 8 * 1024 * 1024,
        }
    }
}

/// One checked file entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The entry's index in the zip, for extraction.
    pub index: usize,
    pub path: String,
    pub size: u64,
    pub compressed_size: u64,
}

/// The package's files after every safety check passed.
#[derive(Clone, Debug, Default)]
pub struct Index {
    pub entries: Vec<Entry>,
    pub total_size: u64,
}

impl Index {
    pub fn paths(&self) -> BTreeSet<String> {
        self.entries.iter().map(|e| e.path.clone()).collect()
    }
}

/// Why an entry name is unsafe, if it is.
pub fn unsafe_path_reason(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        return Some("it is empty");
    }
    if name.contains('\\') {
        return Some("it contains a backslash");
    }
    if name.starts_with('/') {
        return Some("it is an absolute path");
    }
    let bytes = name.as_bytes();
    if bytes.len() >= 2 && bytes[1] == b':' && bytes[0].is_ascii_alphabetic() {
        return Some("it starts with a drive letter");
    }
    if name.contains('\0') || name.chars().any(|c| c.is_control()) {
        return Some("it contains control characters");
    }
    if name.split('/').any(|segment| segment == "..") {
        return Some("it climbs out of the package with ..");
    }
    None
}

pub trait ReadSeek: Read + Seek {}
impl<T: Read + Seek> ReadSeek for T {}

/// Checks every entry of the zip against `limits` and the path rules, and reads the manifest.
/// Returns the index and the manifest's bytes, or every problem found (all entries are checked, so
/// the report is complete).
pub fn inspect(
    reader: &mut dyn ReadSeek,
    zip_name: &str,
    limits: &Limits,
) -> Result<(Index, Vec<u8>), Vec<Diagnostic>> {
    let mut archive = zip::ZipArchive::new(reader).map_err(|e| {
        vec![
            Diagnostic::error(
                Rule::NotAZip,
                zip_name,
                None,
                format!("{zip_name} cannot be read as a zip archive: {e}"),
            )
            .with_help("export the course again as a SCORM zip package"),
        ]
    })?;
    let mut problems = Vec::new();
    if archive.len() > limits.max_entries {
        return Err(vec![Diagnostic::error(
            Rule::TooManyEntries,
            zip_name,
            None,
            format!(
                "{zip_name} has {} entries; the limit is {}",
                archive.len(),
                limits.max_entries
            ),
        )]);
    }
    let mut index = Index::default();
    let mut seen: HashMap<String, String> = HashMap::new();
    for i in 0..archive.len() {
        let entry = match archive.by_index_raw(i) {
            Ok(entry) => entry,
            Err(e) => {
                problems.push(Diagnostic::error(
                    Rule::NotAZip,
                    zip_name,
                    None,
                    format!("entry {i} of {zip_name} is damaged: {e}"),
                ));
                continue;
            }
        };
        let name = String::from_utf8_lossy(entry.name_raw()).into_owned();
        if let Some(reason) = unsafe_path_reason(&name) {
            problems.push(Diagnostic::error(
                Rule::UnsafePath,
                &name,
                None,
                format!("the entry {name:?} is refused because {reason}; nothing is ever written outside the package"),
            ));
            continue;
        }
        if entry.encrypted() {
            problems.push(Diagnostic::error(
                Rule::Encrypted,
                &name,
                None,
                format!("{name} is encrypted; SCORM packages must not be password-protected"),
            ));
            continue;
        }
        if entry
            .unix_mode()
            .is_some_and(|mode| mode & 0o170000 == 0o120000)
        {
            problems.push(Diagnostic::error(
                Rule::Symlink,
                &name,
                None,
                format!("{name} is a symbolic link, which is refused"),
            ));
            continue;
        }
        // Case-insensitive file systems (and browsers on them) would merge these.
        if let Some(previous) = seen.insert(name.to_lowercase(), name.clone()) {
            problems.push(Diagnostic::error(
                Rule::DuplicateEntry,
                &name,
                None,
                format!("{name} appears twice in the zip (also as {previous})"),
            ));
            continue;
        }
        if entry.is_dir() {
            continue;
        }
        let (size, compressed) = (entry.size(), entry.compressed_size());
        if size > limits.max_entry_uncompressed {
            problems.push(Diagnostic::error(
                Rule::TooLarge,
                &name,
                None,
                format!(
                    "{name} unpacks to {} MiB; the limit per file is {} MiB",
                    size >> 20,
                    limits.max_entry_uncompressed >> 20
                ),
            ));
            continue;
        }
        if size > 1024 * 1024 && size / compressed.max(1) > limits.max_ratio {
            problems.push(Diagnostic::error(
                Rule::CompressionRatio,
                &name,
                None,
                format!(
                    "{name} expands {}× ({} KiB to {} MiB), more than the {}× allowed: this looks like a zip bomb",
                    size / compressed.max(1),
                    compressed >> 10,
                    size >> 20,
                    limits.max_ratio
                ),
            ));
            continue;
        }
        index.total_size += size;
        index.entries.push(Entry {
            index: i,
            path: name,
            size,
            compressed_size: compressed,
        });
    }
    if index.total_size > limits.max_total_uncompressed {
        problems.push(Diagnostic::error(
            Rule::TooLarge,
            zip_name,
            None,
            format!(
                "{zip_name} unpacks to {} MiB; the limit is {} MiB",
                index.total_size >> 20,
                limits.max_total_uncompressed >> 20
            ),
        ));
    }
    let manifest = index
        .entries
        .iter()
        .find(|e| e.path == MANIFEST_FILE)
        .cloned();
    let Some(manifest) = manifest else {
        let nested = index
            .entries
            .iter()
            .find(|e| e.path.ends_with("/imsmanifest.xml"))
            .map(|e| e.path.clone());
        let help = match nested {
            Some(path) => format!(
                "the zip holds {path}: zip the folder's contents, not the folder, so imsmanifest.xml is at the top"
            ),
            None => "SCORM packages have imsmanifest.xml at the top of the zip".to_owned(),
        };
        problems.push(
            Diagnostic::error(
                Rule::MissingManifest,
                zip_name,
                None,
                format!("{zip_name} has no imsmanifest.xml at its root"),
            )
            .with_help(help),
        );
        return Err(problems);
    };
    if manifest.size > limits.max_manifest_bytes {
        problems.push(Diagnostic::error(
            Rule::ManifestTooLarge,
            MANIFEST_FILE,
            None,
            format!(
                "imsmanifest.xml is {} KiB; the limit is {} KiB",
                manifest.size >> 10,
                limits.max_manifest_bytes >> 10
            ),
        ));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let bytes = read_bounded(&mut archive, manifest.index, limits.max_manifest_bytes).map_err(
        |message| {
            vec![Diagnostic::error(
                Rule::NotAZip,
                MANIFEST_FILE,
                None,
                message,
            )]
        },
    )?;
    Ok((index, bytes))
}

/// Streams every file of a checked package to `each`, in zip order. Each reader yields exactly the
/// entry's declared size; an entry that unpacks to more (a lying header) fails with `InvalidData`.
pub fn read_files(
    reader: &mut dyn ReadSeek,
    index: &Index,
    each: &mut dyn FnMut(&Entry, &mut dyn Read) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let mut archive = zip::ZipArchive::new(reader).map_err(std::io::Error::other)?;
    for entry in &index.entries {
        let file = archive
            .by_index(entry.index)
            .map_err(std::io::Error::other)?;
        let mut bounded = CountingReader {
            inner: file.take(entry.size + 1),
            n: 0,
        };
        each(entry, &mut bounded)?;
        std::io::copy(&mut bounded, &mut std::io::sink())?;
        if bounded.n != entry.size {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!(
                    "{} unpacked to {} bytes but its header says {}",
                    entry.path, bounded.n, entry.size
                ),
            ));
        }
    }
    Ok(())
}

struct CountingReader<R> {
    inner: R,
    n: u64,
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.n += n as u64;
        Ok(n)
    }
}

/// Reads one entry, trusting not its declared size but the bytes that really come out.
fn read_bounded(
    archive: &mut zip::ZipArchive<&mut dyn ReadSeek>,
    index: usize,
    limit: u64,
) -> Result<Vec<u8>, String> {
    let entry = archive
        .by_index(index)
        .map_err(|e| format!("imsmanifest.xml cannot be unpacked: {e}"))?;
    let mut bytes = Vec::new();
    entry
        .take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("imsmanifest.xml cannot be unpacked: {e}"))?;
    if bytes.len() as u64 > limit {
        return Err(format!(
            "imsmanifest.xml unpacks to more than {} KiB",
            limit >> 10
        ));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::unsafe_path_reason;

    #[test]
    fn path_rules() {
        assert_eq!(unsafe_path_reason("a/b.htm"), None);
        assert_eq!(
            unsafe_path_reason("a/..b/c"),
            None,
            "dots inside a name are fine"
        );
        assert!(unsafe_path_reason("../x").is_some());
        assert!(unsafe_path_reason("a/../../x").is_some());
        assert!(unsafe_path_reason("/etc/passwd").is_some());
        assert!(unsafe_path_reason("C:/Windows/x").is_some());
        assert!(unsafe_path_reason("a\\..\\x").is_some());
    }
}
