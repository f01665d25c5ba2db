//! The course builder end to end: every module in `courses/modules` built in both formats, passed by the
//! package validator and imported through the real import path on both backends; seeding on first
//! run; and the `rampart course` commands.

use std::path::{Path, PathBuf};
use std::process::Command;

use course::{Course, Format};
use server::courses::{build_package, read_course_files, seed};
use server::import::{BlobStore, ImportRequest, InProgress, import_package};
use store::Store;

store::contract_tests!(
    every_real_module_imports_in_both_formats,
    first_run_seeds_every_module_once_shared_with_every_organisation,
);

fn courses_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../courses")
}

fn fixture_dir() -> PathBuf {
    courses_dir().join("builder/tests/fixtures/course")
}

/// The real course; every folder of `courses/modules` must be a module that builds.
fn real_course() -> Course {
    let files = read_course_files(&courses_dir()).unwrap();
    let course = Course::from_files_at(Path::new("courses"), &files)
        .unwrap_or_else(|problems| panic!("the course does not build:\n{problems}"));
    let folders = std::fs::read_dir(courses_dir().join("modules"))
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().is_dir())
        .count();
    assert!(folders > 0);
    assert_eq!(course.modules.len(), folders, "every module folder builds");
    course
}

async fn every_real_module_imports_in_both_formats(store: &Store) {
    let course = real_course();
    let dir = tempfile::tempdir().unwrap();
    let blobs = BlobStore::new(&dir.path().join("content"));
    for module in &course.modules {
        for format in Format::ALL {
            let built = build_package(module, format);
            assert!(
                built.report.valid && built.report.diagnostics.is_empty(),
                "{} {format}: {:#?}",
                module.id,
                built.report.diagnostics
            );
            let zip = dir.path().join(&built.file_name);
            std::fs::write(&zip, &built.zip).unwrap();
            let request = ImportRequest {
                zip: &zip,
                organisation_id: None,
                created_by: None,
                limits: package::Limits::default(),
                in_progress: InProgress::FinishOnTheirVersion,
            };
            let imported = import_package(store, &blobs, request, 1_800_000_000)
                .await
                .unwrap_or_else(|e| panic!("{} {format}: {e}", module.id));
            let version = &imported.version;
            assert_eq!(version.title, module.title);
            assert_eq!(version.standard, format.to_string());
            assert_eq!(version.version_no, 1);
            assert_eq!(version.launch_path.as_deref(), Some("index.html"));
            for path in ["index.html", "player.js", "player.css", "imsmanifest.xml"] {
                store
                    .package_file(version.id, path)
                    .await
                    .unwrap_or_else(|e| panic!("{} {format}: {path}: {e}", module.id));
            }
            for image in module.images.keys() {
                store.package_file(version.id, image).await.unwrap();
            }
        }
    }
    let packages = store.list_packages(None).await.unwrap();
    assert_eq!(
        packages.len(),
        2 * course.modules.len(),
        "a SCORM 1.2 and a SCORM 2004 build are two packages"
    );
}

async fn first_run_seeds_every_module_once_shared_with_every_organisation(store: &Store) {
    let course = real_course();
    let dir = tempfile::tempdir().unwrap();
    let blobs = BlobStore::new(&dir.path().join("content"));
    let limits = package::Limits::default();

    let nowhere = seed(store, &blobs, &dir.path().join("no-courses"), &limits, 100)
        .await
        .unwrap();
    assert!(nowhere.imported.is_empty());
    assert!(
        nowhere
            .skipped
            .as_deref()
            .is_some_and(|s| s.contains("no courses folder") && s.contains("courses_dir")),
        "{nowhere:?}"
    );

    let first = seed(store, &blobs, &courses_dir(), &limits, 200)
        .await
        .unwrap();
    assert!(first.problems.is_empty(), "{:#?}", first.problems);
    assert_eq!(first.skipped, None);
    let mut titles: Vec<&str> = course.modules.iter().map(|m| m.title.as_str()).collect();
    let mut imported: Vec<&str> = first.imported.iter().map(String::as_str).collect();
    titles.sort_unstable();
    imported.sort_unstable();
    assert_eq!(imported, titles);

    let new_org = store::NewOrganisation {
        name: "Leeds Trust".into(),
        slug: "leeds-trust".into(),
        kind: "acute_trust".into(),
        region: None,
    };
    let org = store.create_organisation(&new_org, 300).await.unwrap();
    let visible = store.list_packages(Some(org.id)).await.unwrap();
    assert_eq!(
        visible.len(),
        course.modules.len(),
        "shared with every organisation"
    );
    for package in &visible {
        assert_eq!(package.organisation_id, None);
        assert_eq!(package.standard, "SCORM 2004 4th Edition");
        assert_eq!(package.launch_path.as_deref(), Some("index.html"));
    }

    let again = seed(store, &blobs, &courses_dir(), &limits, 400)
        .await
        .unwrap();
    assert!(again.imported.is_empty());
    assert_eq!(again.skipped.as_deref(), Some("packages already exist"));
    assert_eq!(
        store.list_packages(None).await.unwrap().len(),
        course.modules.len()
    );
}

fn rampart(args: &[&str]) -> (Option<i32>, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args(args)
        .env("RAMPART_LOG", "warn")
        .output()
        .unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_tree(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

#[test]
fn course_build_writes_a_package_that_validates() {
    let dir = tempfile::tempdir().unwrap();
    let module = fixture_dir().join("modules/01-fixture");
    for format in ["scorm12", "scorm2004"] {
        let zip = dir.path().join(format!("out/{format}.zip"));
        let (code, out, err) = rampart(&[
            "course",
            "build",
            module.to_str().unwrap(),
            "--format",
            format,
            "-o",
            zip.to_str().unwrap(),
        ]);
        assert_eq!(code, Some(0), "{out}{err}");
        assert!(out.contains("built ") && out.contains("5 files"), "{out}");
        let (code, out, err) = rampart(&["package", "validate", zip.to_str().unwrap()]);
        assert_eq!(code, Some(0), "{out}{err}");
        assert!(out.contains("0 error(s), 0 warning(s)"), "{out}");
    }
}

#[test]
fn course_build_all_builds_both_formats_and_names_the_file_and_line_of_errors() {
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("courses");
    copy_tree(&fixture_dir(), &source);
    let out_dir = dir.path().join("dist");
    let (code, out, err) = rampart(&[
        "course",
        "build-all",
        source.to_str().unwrap(),
        "-o",
        out_dir.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("2 packages built from 1 modules"), "{out}");
    assert!(out_dir.join("fixture-basics-scorm12.zip").is_file());
    assert!(out_dir.join("fixture-basics-scorm2004.zip").is_file());

    // A second module with a mistake: reported with file and line; the good module still builds.
    let broken = source.join("modules/02-broken");
    copy_tree(&source.join("modules/01-fixture"), &broken);
    let module_toml = std::fs::read_to_string(broken.join("module.toml"))
        .unwrap()
        .replace("fixture-basics", "fixture-broken")
        .replace("minutes = 10", "minutes = 45");
    std::fs::write(broken.join("module.toml"), module_toml).unwrap();
    let (code, out, err) = rampart(&[
        "course",
        "build-all",
        source.to_str().unwrap(),
        "-o",
        out_dir.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(1), "{out}{err}");
    let expected = format!(
        "{}:5: error: minutes = 45: a module takes 10 to 20 minutes",
        broken.join("module.toml").display()
    );
    assert!(err.contains(&expected), "{err}");
    assert!(err.contains("help: "), "{err}");
    assert!(
        out.contains("built "),
        "the good module is still built: {out}"
    );

    let (code, _, err) = rampart(&[
        "course",
        "build",
        broken.to_str().unwrap(),
        "--format",
        "scorm2004",
        "-o",
        dir.path().join("x.zip").to_str().unwrap(),
    ]);
    assert_eq!(code, Some(1));
    assert!(
        err.contains(&expected) && err.contains("nothing was built"),
        "{err}"
    );
    assert!(!dir.path().join("x.zip").exists());
}
