//! Importing a SCORM package: check it (the `package` crate), stream its files into the
//! content-addressed blob store, and record the version in the database. A failed import leaves no
//! rows, no new blobs and no temporary files behind.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use package::{Limits, Report};
use sha2::{Digest, Sha256};
use store::{NewPackageVersion, PackageVersion, Store};

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The package broke the rules; the report says which and where.
    #[error("the package is not valid ({} errors)", .0.errors().count())]
    Invalid(Box<Report>),
    #[error("could not store the package files: {0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Store(#[from] store::StoreError),
}

/// Where package files live: `<root>/blobs/ab/abcdef…` named by SHA-256, so identical files are kept
/// once across packages and versions.
#[derive(Clone, Debug)]
pub struct BlobStore {
    root: PathBuf,
    /// One import at a time into this store (clones share it): a failing import removes the blobs it
    /// created, which must not be blobs a concurrent import found already present and has not yet
    /// committed references to. Per store rather than per process, so that independent stores (tests,
    /// tenants' content folders) never wait on each other.
    import_lock: std::sync::Arc<tokio::sync::Mutex<()>>,
}

impl BlobStore {
    pub fn new(content_dir: &Path) -> BlobStore {
        BlobStore {
            root: content_dir.to_path_buf(),
            import_lock: Default::default(),
        }
    }

    pub fn path(&self, sha256: &str) -> PathBuf {
        let prefix = sha256.get(..2).unwrap_or("00");
        self.root.join("blobs").join(prefix).join(sha256)
    }

    /// Where files wait before they are hashed into place (same file system as the blobs).
    pub fn temp_dir(&self) -> PathBuf {
        self.root.join("tmp")
    }
}

pub struct Imported {
    pub version: PackageVersion,
    pub report: Report,
    /// Files whose content was new to the blob store.
    pub n_new_blobs: usize,
    /// In-progress attempts switched to this version (with [`InProgress::MoveToNewVersion`]).
    pub n_moved_attempts: u64,
}

/// What happens to learners part-way through an attempt on an older version when a new one arrives.
/// Registrations always stay; new attempts always start on the newest version.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum InProgress {
    /// They finish on the version they started (safe when the new version changes its data model).
    #[default]
    FinishOnTheirVersion,
    /// Their attempts continue on the new version (for fixes that must reach everyone now).
    MoveToNewVersion,
}

pub struct ImportRequest<'a> {
    pub zip: &'a Path,
    pub organisation_id: Option<i64>,
    pub created_by: Option<i64>,
    pub limits: Limits,
    pub in_progress: InProgress,
}

/// Checks and imports a package zip from disk.
pub async fn import_package(
    store: &Store,
    blobs: &BlobStore,
    request: ImportRequest<'_>,
    now: i64,
) -> Result<Imported, ImportError> {
    let _one_at_a_time = blobs.import_lock.lock().await;
    let zip = request.zip.to_path_buf();
    let blob_store = blobs.clone();
    let limits = request.limits.clone();
    // Zip reading and hashing are blocking work: keep them off the async workers.
    let extracted = tokio::task::spawn_blocking(move || extract(&zip, &blob_store, &limits))
        .await
        .map_err(|e| std::io::Error::other(format!("the import task failed: {e}")))??;
    let Extracted {
        report,
        files,
        new_blobs,
    } = extracted;
    let manifest = report
        .manifest
        .as_ref()
        .expect("a valid report has a manifest");
    let launch_path = manifest
        .default_organization()
        .and_then(|o| first_launchable(manifest, &o.items))
        .and_then(|r| manifest.launch_path(r));
    let new = NewPackageVersion {
        organisation_id: request.organisation_id,
        identifier: manifest.identifier.clone(),
        standard: manifest.standard.label().to_owned(),
        title: report
            .title
            .clone()
            .filter(|t| !t.is_empty())
            .unwrap_or_else(|| manifest.identifier.clone()),
        launch_path,
        manifest_json: serde_json::to_string(manifest).map_err(std::io::Error::other)?,
        report_json: serde_json::to_string(&report).map_err(std::io::Error::other)?,
        total_bytes: report.total_bytes as i64,
        created_by: request.created_by,
        files,
    };
    match store.insert_package_version(&new, now).await {
        Ok(version) => {
            let n_moved_attempts = match request.in_progress {
                InProgress::MoveToNewVersion => {
                    store
                        .move_in_progress_attempts(version.package_id, version.id)
                        .await?
                }
                InProgress::FinishOnTheirVersion => 0,
            };
            Ok(Imported {
                version,
                report,
                n_new_blobs: new_blobs.len(),
                n_moved_attempts,
            })
        }
        Err(error) => {
            remove_unreferenced(store, blobs, &new_blobs).await;
            Err(error.into())
        }
    }
}

fn first_launchable<'m>(
    manifest: &'m package::Manifest,
    items: &'m [package::Item],
) -> Option<&'m package::Resource> {
    items.iter().find_map(|item| {
        item.identifier_ref
            .as_deref()
            .and_then(|id| manifest.resource(id))
            .or_else(|| first_launchable(manifest, &item.children))
    })
}

struct Extracted {
    report: Report,
    files: Vec<(String, String, i64)>,
    new_blobs: Vec<String>,
}

fn extract(zip: &Path, blobs: &BlobStore, limits: &Limits) -> Result<Extracted, ImportError> {
    let name = zip.file_name().map_or_else(
        || "package.zip".to_owned(),
        |n| n.to_string_lossy().into_owned(),
    );
    let mut reader = std::io::BufReader::new(std::fs::File::open(zip)?);
    let report = package::check_package(&mut reader, &name, limits);
    if !report.valid {
        return Err(ImportError::Invalid(Box::new(report)));
    }
    let index = report.index.clone().expect("a valid report has an index");
    std::fs::create_dir_all(blobs.temp_dir())?;
    let mut files = Vec::with_capacity(index.entries.len());
    let mut new_blobs = Vec::new();
    let result = package::read_files(&mut reader, &index, &mut |entry, content| {
        let (sha256, created) = store_blob(blobs, content)?;
        if created {
            new_blobs.push(sha256.clone());
        }
        files.push((entry.path.clone(), sha256, entry.size as i64));
        Ok(())
    });
    if let Err(error) = result {
        for sha256 in &new_blobs {
            let _ = std::fs::remove_file(blobs.path(sha256));
        }
        return Err(error.into());
    }
    Ok(Extracted {
        report,
        files,
        new_blobs,
    })
}

/// Streams `content` into a temporary file while hashing it, then moves it to its blob path (or drops
/// it when that content is already stored). Returns the hash and whether the blob is new.
fn store_blob(blobs: &BlobStore, content: &mut dyn Read) -> std::io::Result<(String, bool)> {
    let mut temp = tempfile::NamedTempFile::new_in(blobs.temp_dir())?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        let n = content.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
        temp.write_all(&buffer[..n])?;
    }
    let sha256 = crate::hex(&hasher.finalize());
    let target = blobs.path(&sha256);
    if target.exists() {
        return Ok((sha256, false));
    }
    std::fs::create_dir_all(target.parent().expect("blob paths have a parent"))?;
    temp.persist(&target).map_err(|e| e.error)?;
    Ok((sha256, true))
}

async fn remove_unreferenced(store: &Store, blobs: &BlobStore, candidates: &[String]) {
    for sha256 in candidates {
        if matches!(store.blob_references(sha256).await, Ok(0)) {
            let _ = std::fs::remove_file(blobs.path(sha256));
        }
    }
}
