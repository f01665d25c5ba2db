//! The builder over real source: the fixture module (every feature once) and every module the course
//! has in `courses/modules`, built in both formats, checked by the repository's own package validator
//! and, for SCORM 2004, by the ADL schemas (`../shared/conformance/scorm2004-xsd`, or `$SCORM_XSD_DIR`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use course::{Course, Format, Module, build, zip_package};

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every file under `dir`, keyed by its path relative to `dir`.
fn read_tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let rel = path.strip_prefix(root).unwrap().to_path_buf();
                out.insert(rel, std::fs::read(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// The course folder's pathways and modules (not the builder's own source).
fn real_course() -> (Course, usize) {
    let root = manifest_dir().join("..");
    let files: BTreeMap<PathBuf, Vec<u8>> = read_tree(&root)
        .into_iter()
        .filter(|(p, _)| p.starts_with("modules") || p == Path::new("pathways.toml"))
        .collect();
    let folders = std::fs::read_dir(root.join("modules"))
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().is_dir())
        .count();
    let course = Course::from_files_at(Path::new("courses"), &files)
        .unwrap_or_else(|problems| panic!("the course in courses/ does not build:\n{problems}"));
    (course, folders)
}

fn fixture() -> Course {
    let files = read_tree(&manifest_dir().join("tests/fixtures/course"));
    Course::from_files(&files).unwrap_or_else(|p| panic!("{p}"))
}

fn check(module: &Module, format: Format) -> package::Report {
    let zip = zip_package(&build(module, format));
    let name = course::package_file_name(module, format);
    package::check_package(
        &mut std::io::Cursor::new(zip),
        &name,
        &package::Limits::default(),
    )
}

fn text(files: &[(String, Vec<u8>)], name: &str) -> String {
    let (_, bytes) = files.iter().find(|(p, _)| p == name).unwrap();
    String::from_utf8(bytes.clone()).unwrap()
}

#[test]
fn the_fixture_reads_with_every_feature() {
    let course = fixture();
    assert!(course.warnings.is_empty(), "{:?}", course.warnings);
    assert_eq!(course.pathways[0].modules, ["fixture-basics"]);
    let m = &course.modules[0];
    assert_eq!(m.id, "fixture-basics");
    assert_eq!(m.pages.len(), 2);
    assert_eq!(m.pages[0].id, "01-start");
    assert_eq!(m.pages[1].title, "The phone call");
    assert_eq!(m.checks.len(), 2);
    assert_eq!(m.scenarios.len(), 1);
    assert_eq!(m.questions.len(), 3);
    assert_eq!(m.questions[1].correct(), [0, 1]);
    assert_eq!(m.images.keys().collect::<Vec<_>>(), ["images/padlock.svg"]);
    assert_eq!(m.assessment.needed(2), 2);
    assert_eq!(m.assessment.needed(6), 5);
    assert_eq!(m.assessment.needed(5), 4);
}

#[test]
fn fixture_packages_hold_a_manifest_the_player_and_the_images() {
    let course = fixture();
    let m = &course.modules[0];
    for format in Format::ALL {
        let files = build(m, format);
        let names: Vec<&str> = files.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(
            names,
            [
                "imsmanifest.xml",
                "index.html",
                "player.js",
                "player.css",
                "images/padlock.svg"
            ]
        );
        let report = check(m, format);
        assert!(report.valid, "{format}: {:#?}", report.diagnostics);
        assert!(
            report.diagnostics.is_empty(),
            "{format}: {:#?}",
            report.diagnostics
        );
        assert_eq!(
            report.title.as_deref(),
            Some("Fixture: basics & <edge> cases")
        );
        let html = text(&files, "index.html");
        assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"en-GB\">"));
        assert!(html.contains("<title>Fixture: basics &amp; &lt;edge&gt; cases</title>"));
        assert!(html.contains(&format!("\"format\":\"{}\"", format.slug())));
        assert!(
            !html.contains("</script>\n<script") && html.matches("<script").count() == 2,
            "only the player and the data block"
        );
        assert!(!html.contains("http://") || !html.contains("src=\"http"));
        assert!(
            !html.contains("<link rel=\"stylesheet\" href=\"http"),
            "nothing from the network"
        );
    }
    let m12 = text(&build(m, Format::Scorm12), "imsmanifest.xml");
    assert!(m12.contains("<schemaversion>1.2</schemaversion>"));
    assert!(m12.contains("<adlcp:masteryscore>80</adlcp:masteryscore>"));
    assert!(m12.contains("adlcp:scormtype=\"sco\""));
    assert!(m12.contains("identifier=\"rampart.course.fixture-basics.scorm12\""));
    let m2004 = text(&build(m, Format::Scorm2004), "imsmanifest.xml");
    assert!(m2004.contains("<schemaversion>2004 4th Edition</schemaversion>"));
    assert!(m2004.contains("satisfiedByMeasure=\"true\""));
    assert!(m2004.contains("<imsss:minNormalizedMeasure>0.8</imsss:minNormalizedMeasure>"));
    assert!(m2004.contains("identifier=\"rampart.course.fixture-basics.scorm2004\""));
}

#[test]
fn the_player_is_small_and_self_contained() {
    let size = course::PLAYER_JS.len() + course::PLAYER_CSS.len();
    assert!(size < 30 * 1024, "player.js + player.css = {size} bytes");
    for asset in [course::PLAYER_JS, course::PLAYER_CSS] {
        for banned in [
            "http://",
            "https://",
            "fetch(",
            "XMLHttpRequest",
            "setTimeout",
            "setInterval",
            "@import",
        ] {
            assert!(!asset.contains(banned), "the player must not use {banned}");
        }
    }
}

#[test]
fn zips_are_reproducible() {
    let course = fixture();
    let files = build(&course.modules[0], Format::Scorm2004);
    assert_eq!(zip_package(&files), zip_package(&files));
}

#[test]
fn mistakes_name_the_file_and_line() {
    let mut files = read_tree(&manifest_dir().join("tests/fixtures/course"));
    let page = PathBuf::from("modules/01-fixture/pages/01-start.md");
    let broken = String::from_utf8(files[&page].clone())
        .unwrap()
        .replace("![A padlock on a laptop screen]", "![]");
    files.insert(page, broken.into_bytes());
    files.insert(
        PathBuf::from("modules/01-fixture/questions.toml"),
        b"[[question]]\nid = \"q one\"\ntext = \"?\"\n".to_vec(),
    );
    let problems = Course::from_files_at(Path::new("courses"), &files).unwrap_err();
    let text = problems.to_string();
    assert!(
        text.contains("courses/modules/01-fixture/pages/01-start.md:6: error: the image \"images/padlock.svg\" has no alt text"),
        "{text}"
    );
    assert!(
        text.contains(
            "courses/modules/01-fixture/questions.toml:2: error: the question id \"q one\""
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "courses/modules/01-fixture/questions.toml:2: error: question \"q one\" has 0 option(s)"
        ),
        "{text}"
    );
    assert!(
        text.contains("courses/modules/01-fixture/questions.toml: error: the bank holds 1 questions but each attempt draws 2"),
        "{text}"
    );
    assert!(text.contains("help: "), "{text}");

    let mut files = read_tree(&manifest_dir().join("tests/fixtures/course"));
    files.insert(
        PathBuf::from("pathways.toml"),
        b"[[pathway]]\nid = \"x\"\ntitle = \"X\"\nmodules = [\"nope\"]\n".to_vec(),
    );
    let problems = Course::from_files_at(Path::new("courses"), &files).unwrap_err();
    assert!(
        problems.to_string().contains("courses/pathways.toml:4: error: pathway \"x\" lists the module \"nope\", which does not exist"),
        "{problems}"
    );
}

#[test]
fn every_real_module_builds_and_passes_the_package_checker() {
    let (course, folders) = real_course();
    assert!(folders > 0, "courses/modules has no modules");
    assert_eq!(
        course.modules.len(),
        folders,
        "every folder of courses/modules is a module"
    );
    for warning in &course.warnings {
        eprintln!("{warning}");
    }
    for module in &course.modules {
        assert!(
            (10..=20).contains(&module.minutes),
            "{}: {} minutes",
            module.id,
            module.minutes
        );
        for format in Format::ALL {
            let report = check(module, format);
            let errors: Vec<String> = report.errors().map(ToString::to_string).collect();
            assert!(
                report.valid && errors.is_empty(),
                "{} ({format}): {errors:#?}",
                module.id
            );
            eprintln!(
                "{} {format}: {} files, {} bytes unpacked, {} warnings",
                module.id,
                report.n_files,
                report.total_bytes,
                report.diagnostics.len()
            );
        }
    }
    assert!(
        !course.pathways.is_empty(),
        "courses/pathways.toml names the role pathways"
    );
    for pathway in &course.pathways {
        assert!(!pathway.modules.is_empty(), "{}", pathway.id);
    }
}

fn xsd_dir() -> PathBuf {
    std::env::var_os("SCORM_XSD_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest_dir().join("../../../shared/conformance/scorm2004-xsd"))
}

/// Runs the ADL schema check on one manifest; `Err` carries xmllint's words.
fn validate_2004(manifest: &str, name: &str) -> Result<(), String> {
    let script = xsd_dir().join("validate.sh");
    assert!(
        script.is_file(),
        "\n\n*** The ADL SCORM 2004 schemas are needed at {} (or set SCORM_XSD_DIR). ***\n\n",
        script.display()
    );
    let xmllint = Command::new("xmllint").arg("--version").output();
    assert!(
        xmllint.is_ok_and(|o| o.status.success()),
        "\n\n*** xmllint is missing: install Debian's libxml2-utils (apt-get install libxml2-utils), \
         or run `cargo xtask test`, which installs it. The SCORM 2004 manifests cannot be checked \
         against the ADL schemas without it. ***\n\n"
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(format!("{name}.xml"));
    std::fs::write(&file, manifest).unwrap();
    let output = Command::new("bash")
        .arg(&script)
        .arg(&file)
        .output()
        .unwrap();
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

#[test]
fn every_scorm2004_manifest_validates_against_the_adl_schemas() {
    let (course, _) = real_course();
    let fixture = fixture();
    for module in course.modules.iter().chain(&fixture.modules) {
        let files = build(module, Format::Scorm2004);
        let manifest = text(&files, "imsmanifest.xml");
        if let Err(message) = validate_2004(&manifest, &module.id) {
            panic!(
                "{}: the manifest does not validate:\n{message}\n{manifest}",
                module.id
            );
        }
    }
    // The check itself can fail: a manifest with an element out of order does not pass.
    let module = &fixture.modules[0];
    let manifest = text(&build(module, Format::Scorm2004), "imsmanifest.xml").replace(
        "<imsss:deliveryControls completionSetByContent=\"true\" objectiveSetByContent=\"true\"/>",
        "",
    ).replace("<imsss:objectives>", "<imsss:deliveryControls/><imsss:objectives>");
    assert!(validate_2004(&manifest, "broken").is_err());
}
