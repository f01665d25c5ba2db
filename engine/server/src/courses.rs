//! Course source on disk to SCORM packages: reading a course or module folder for the `course` crate
//! (which does no I/O), writing the zips of `rampart course build` / `build-all`, and seeding the
//! built SCORM 2004 packages into an empty Rampart on first run.

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

use course::{Format, Module, Problem};
use store::Store;

use crate::import::{BlobStore, ImportError, ImportRequest, InProgress, import_package};

/// Largest source file read (a page or an image); anything bigger is a mistake in a course folder.
const MAX_SOURCE_FILE: u64 = 20 << 20;

/// Every file under `dir` (hidden files and folders skipped), keyed by its path relative to `dir`.
/// `keep` decides on each relative path (folders included) whether to descend or read it.
fn read_tree(dir: &Path, keep: &dyn Fn(&Path) -> bool) -> io::Result<BTreeMap<PathBuf, Vec<u8>>> {
    fn walk(
        root: &Path,
        dir: &Path,
        keep: &dyn Fn(&Path) -> bool,
        out: &mut BTreeMap<PathBuf, Vec<u8>>,
    ) -> io::Result<()> {
        for entry in std::fs::read_dir(dir)? {
            let entry = entry?;
            if entry.file_name().to_string_lossy().starts_with('.') {
                continue;
            }
            let path = entry.path();
            let rel = path.strip_prefix(root).unwrap_or(&path).to_path_buf();
            if !keep(&rel) {
                continue;
            }
            let kind = entry.file_type()?;
            if kind.is_dir() {
                walk(root, &path, keep, out)?;
            } else if kind.is_file() {
                if entry.metadata()?.len() > MAX_SOURCE_FILE {
                    return Err(io::Error::other(format!(
                        "{} is over {} MiB, too big for course source",
                        path.display(),
                        MAX_SOURCE_FILE >> 20
                    )));
                }
                out.insert(rel, std::fs::read(&path)?);
            }
        }
        Ok(())
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, keep, &mut out)
        .map_err(|e| io::Error::new(e.kind(), format!("reading {}: {e}", dir.display())))?;
    Ok(out)
}

/// The files of one module folder, keyed relative to it.
pub fn read_module_files(dir: &Path) -> io::Result<BTreeMap<PathBuf, Vec<u8>>> {
    read_tree(dir, &|_| true)
}

/// The source files of a course folder: `pathways.toml` and everything under `modules/` (not the
/// builder's code that also lives there).
pub fn read_course_files(dir: &Path) -> io::Result<BTreeMap<PathBuf, Vec<u8>>> {
    read_tree(dir, &|rel| {
        rel == Path::new("pathways.toml") || rel.starts_with("modules")
    })
}

/// A package zip built in memory, already checked with the repository's package validator.
pub struct BuiltPackage {
    pub file_name: String,
    pub zip: Vec<u8>,
    pub n_files: usize,
    pub report: package::Report,
}

/// Builds and zips one module, then checks the zip as an import would.
pub fn build_package(module: &Module, format: Format) -> BuiltPackage {
    let files = course::build(module, format);
    let n_files = files.len();
    let zip = course::zip_package(&files);
    let file_name = course::package_file_name(module, format);
    let report = package::check_package(
        &mut io::Cursor::new(&zip),
        &file_name,
        &package::Limits::default(),
    );
    BuiltPackage {
        file_name,
        zip,
        n_files,
        report,
    }
}

/// What [`seed`] did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Seeded {
    /// Titles of the packages imported.
    pub imported: Vec<String>,
    /// Why nothing was seeded, when nothing was.
    pub skipped: Option<String>,
    /// Modules (or pathways) that did not build, as problems naming file and line.
    pub problems: Vec<String>,
}

/// On first run (no packages at all), builds the SCORM 2004 package of every module under
/// `courses_dir` and imports each, shared with every organisation. A module with errors is left out
/// (its problems are returned and logged); the others are still seeded. A missing folder seeds nothing.
pub async fn seed(
    store: &Store,
    blobs: &BlobStore,
    courses_dir: &Path,
    limits: &package::Limits,
    now: i64,
) -> anyhow::Result<Seeded> {
    let mut seeded = Seeded::default();
    if !store.list_packages(None).await?.is_empty() {
        seeded.skipped = Some("packages already exist".into());
        return Ok(seeded);
    }
    if !courses_dir.is_dir() {
        seeded.skipped = Some(format!(
            "there is no courses folder at {} (configuration key courses_dir)",
            courses_dir.display()
        ));
        return Ok(seeded);
    }
    let dir = courses_dir.to_path_buf();
    let files = tokio::task::spawn_blocking(move || read_course_files(&dir)).await??;
    let loaded = course::load_course(courses_dir, &files);
    seeded.problems = loaded
        .problems
        .iter()
        .filter(|p| p.is_error())
        .map(Problem::to_string)
        .collect();
    if loaded.modules.is_empty() {
        seeded.skipped = Some(format!(
            "no module under {} could be built",
            courses_dir.join("modules").display()
        ));
        return Ok(seeded);
    }
    std::fs::create_dir_all(blobs.temp_dir())?;
    for module in &loaded.modules {
        let built = build_package(module, Format::Scorm2004);
        if !built.report.valid {
            seeded.problems.push(format!(
                "{}: the built package is not valid: {}",
                module.dir.display(),
                built
                    .report
                    .errors()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; ")
            ));
            continue;
        }
        let mut temp = tempfile::Builder::new()
            .suffix(".zip")
            .tempfile_in(blobs.temp_dir())?;
        io::Write::write_all(&mut temp, &built.zip)?;
        let request = ImportRequest {
            zip: temp.path(),
            organisation_id: None,
            created_by: None,
            limits: limits.clone(),
            in_progress: InProgress::FinishOnTheirVersion,
        };
        match import_package(store, blobs, request, now).await {
            Ok(imported) => seeded.imported.push(imported.version.title),
            Err(ImportError::Invalid(report)) => seeded.problems.push(format!(
                "{}: refused on import: {}",
                module.dir.display(),
                report
                    .errors()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; ")
            )),
            Err(other) => return Err(other.into()),
        }
    }
    Ok(seeded)
}

/// Seeds on start-up and logs what happened; never stops the server.
pub async fn seed_on_start(state: &crate::AppState, courses_dir: &Path) {
    let store = state.accounts.store();
    match seed(
        store,
        &state.blobs,
        courses_dir,
        &state.package_limits,
        state.clock.now(),
    )
    .await
    {
        Ok(seeded) => {
            for problem in &seeded.problems {
                tracing::warn!("course not seeded: {problem}");
            }
            if let Some(reason) = &seeded.skipped {
                tracing::info!(courses_dir = %courses_dir.display(), "no courses seeded: {reason}");
            }
            if !seeded.imported.is_empty() {
                tracing::info!(
                    n = seeded.imported.len(),
                    courses_dir = %courses_dir.display(),
                    "first run: seeded the built courses, shared with every organisation"
                );
            }
        }
        Err(error) => tracing::warn!(%error, "could not seed the built courses"),
    }
}
