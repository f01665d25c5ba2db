//! Package checks against the ADL conformance manifests, a corpus of valid packages built here for each
//! standard, and a hostile corpus: each case is a real zip and must be refused with the right rule.

use std::io::{Cursor, Write};
use std::path::PathBuf;

use package::{Limits, Report, Rule, Severity, Standard, check_manifest, check_package};
use zip::write::SimpleFileOptions;

fn cts_dir() -> PathBuf {
    std::env::var_os("SCORM_CTS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../../../shared/conformance/scorm2004-4ed-cts")
        })
}

#[test]
fn every_adl_conformance_manifest_parses_and_validates() {
    let packages = cts_dir().join("packages");
    let mut entries: Vec<_> = std::fs::read_dir(&packages)
        .unwrap_or_else(|e| {
            panic!(
                "the ADL test packages are needed at {}: {e}",
                packages.display()
            )
        })
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    let mut checked = 0;
    let mut failures = Vec::new();
    for dir in entries {
        let bytes = std::fs::read(dir.join("imsmanifest.xml")).unwrap();
        let report = check_manifest(&bytes);
        let manifest = report.manifest.as_ref();
        if !report.valid || manifest.map(|m| m.standard) != Some(Standard::Scorm2004Fourth) {
            let errors: Vec<String> = report.errors().map(|d| d.to_string()).collect();
            failures.push(format!("{}: {}", dir.display(), errors.join("; ")));
        }
        checked += 1;
    }
    println!("{checked} ADL manifests checked, {} failed", failures.len());
    assert!(checked >= 100, "expected the ADL packages, found {checked}");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn adl_sequencing_is_kept_whole_and_idrefs_resolve() {
    let bytes =
        std::fs::read(cts_dir().join("packages/LMSTestPackage_API/imsmanifest.xml")).unwrap();
    let report = check_manifest(&bytes);
    let manifest = report.manifest.unwrap();
    assert_eq!(manifest.identifier, "LMSTestPackage_API");
    let items = manifest.items();
    assert_eq!(items[0].identifier, "activity_1");
    assert_eq!(items[0].parameters.as_deref(), Some("?tc=API&act=1"));
    assert!(
        items[0]
            .presentation
            .as_ref()
            .unwrap()
            .xml
            .contains("hideLMSUI")
    );
    let resource = manifest.resource("APIRTE01").unwrap();
    assert_eq!(
        manifest.launch_path(resource).as_deref(),
        Some("resources/APIRTETest1.htm"),
        "xml:base applied"
    );
    let with_collection = std::fs::read_dir(cts_dir().join("packages"))
        .unwrap()
        .map(|e| std::fs::read(e.unwrap().path().join("imsmanifest.xml")).unwrap())
        .filter_map(|bytes| check_manifest(&bytes).manifest)
        .find(|m| m.sequencing_collection.is_some());
    if let Some(m) = with_collection {
        let collection = m.sequencing_collection.unwrap();
        assert!(collection.xml.starts_with('<') && collection.xml.trim_end().ends_with('>'));
    }
}

// ----- building packages -----

struct Package {
    files: Vec<(String, Vec<u8>)>,
}

impl Package {
    fn new() -> Package {
        Package { files: Vec::new() }
    }

    fn file(mut self, name: &str, content: impl AsRef<[u8]>) -> Package {
        self.files
            .push((name.to_owned(), content.as_ref().to_vec()));
        self
    }

    fn zip(&self) -> Vec<u8> {
        let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, content) in &self.files {
            writer
                .start_file(name.as_str(), SimpleFileOptions::default())
                .unwrap();
            writer.write_all(content).unwrap();
        }
        writer.finish().unwrap().into_inner()
    }
}

fn check(zip: &[u8]) -> Report {
    check_package(
        &mut Cursor::new(zip.to_vec()),
        "course.zip",
        &Limits::default(),
    )
}

fn rules(report: &Report, severity: Severity) -> Vec<Rule> {
    report
        .diagnostics
        .iter()
        .filter(|d| d.severity == severity)
        .map(|d| d.rule)
        .collect()
}

const SCORM12: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="com.example.cyber12" version="1"
    xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
    xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">
  <metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>
  <organizations default="ORG">
    <organization identifier="ORG">
      <title>Cyber basics</title>
      <item identifier="ITEM-1" identifierref="RES-1" isvisible="true">
        <title>Passwords</title>
        <adlcp:masteryscore>80</adlcp:masteryscore>
        <adlcp:maxtimeallowed>00:30:00</adlcp:maxtimeallowed>
        <adlcp:timelimitaction>continue,no message</adlcp:timelimitaction>
        <adlcp:datafromlms>hello &amp; welcome</adlcp:datafromlms>
        <vendor:extra xmlns:vendor="urn:example:vendor">kept</vendor:extra>
      </item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="RES-1" type="webcontent" adlcp:scormtype="sco" href="index.html">
      <metadata><lom xmlns="http://ltsc.ieee.org/xsd/LOM"><general><title>Passwords SCO</title></general></lom></metadata>
      <file href="index.html"/>
      <file href="media/intro.mp4"/>
    </resource>
  </resources>
</manifest>"#;

fn scorm2004(schema_version: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="com.example.cyber2004" version="1" xml:base="content/"
    xmlns="http://www.imsglobal.org/xsd/imscp_v1p1"
    xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3"
    xmlns:adlseq="http://www.adlnet.org/xsd/adlseq_v1p3"
    xmlns:adlnav="http://www.adlnet.org/xsd/adlnav_v1p3"
    xmlns:imsss="http://www.imsglobal.org/xsd/imsss">
  <metadata><schema>ADL SCORM</schema><schemaversion>{schema_version}</schemaversion></metadata>
  <organizations default="ORG">
    <organization identifier="ORG">
      <title>Cyber basics 2004</title>
      <item identifier="MODULE">
        <title>Module 1</title>
        <item identifier="SCO-1" identifierref="RES-1">
          <title>Why it matters</title>
          <adlcp:completionThreshold completedByMeasure="true" minProgressMeasure="0.8"/>
          <adlcp:data><adlcp:map targetID="com.example.shared" readSharedData="true" writeSharedData="true"/></adlcp:data>
          <imsss:sequencing IDRef="COMMON"/>
        </item>
        <item identifier="SCO-2" identifierref="RES-2">
          <title>Passwords</title>
          <imsss:sequencing><imsss:controlMode flow="true"/></imsss:sequencing>
        </item>
      </item>
      <imsss:sequencing><imsss:controlMode choice="true" flow="true"/></imsss:sequencing>
    </organization>
  </organizations>
  <resources xml:base="sco/">
    <resource identifier="RES-1" type="webcontent" adlcp:scormType="sco" href="one/index.html" xml:base="m1/">
      <file href="one/index.html"/>
      <dependency identifierref="SHARED"/>
    </resource>
    <resource identifier="RES-2" type="webcontent" adlcp:scormType="sco" href="two/index.html?page=1" xml:base="m1/">
      <file href="two/index.html"/>
      <dependency identifierref="SHARED"/>
    </resource>
    <resource identifier="SHARED" type="webcontent" adlcp:scormType="asset">
      <file href="shared/api.js"/>
    </resource>
  </resources>
  <imsss:sequencingCollection>
    <imsss:sequencing ID="COMMON"><imsss:controlMode flow="true"/></imsss:sequencing>
  </imsss:sequencingCollection>
</manifest>"#
    )
}

fn scorm2004_package(schema_version: &str) -> Package {
    Package::new()
        .file("imsmanifest.xml", scorm2004(schema_version))
        .file("content/sco/m1/one/index.html", "<p>1</p>")
        .file("content/sco/m1/two/index.html", "<p>2</p>")
        .file("content/sco/shared/api.js", "//")
}

#[test]
fn scorm_1_2_package_with_extensions() {
    let zip = Package::new()
        .file("imsmanifest.xml", SCORM12)
        .file("index.html", "<p>")
        .file("media/intro.mp4", [0u8; 64])
        .zip();
    let report = check(&zip);
    assert!(report.valid, "{:#?}", report.diagnostics);
    assert_eq!(report.standard, Some(Standard::Scorm12));
    assert_eq!(report.title.as_deref(), Some("Cyber basics"));
    let manifest = report.manifest.unwrap();
    let item = &manifest.organizations[0].items[0];
    assert_eq!(item.mastery_score, Some(80.0));
    assert_eq!(item.max_time_allowed.as_deref(), Some("00:30:00"));
    assert_eq!(
        item.time_limit_action.as_deref(),
        Some("continue,no message")
    );
    assert_eq!(item.data_from_lms.as_deref(), Some("hello & welcome"));
    assert_eq!(item.extensions.len(), 1, "the vendor element is kept");
    assert!(item.extensions[0].xml.contains("<vendor:extra"));
    let resource = manifest.resource("RES-1").unwrap();
    assert!(
        resource.extensions[0].xml.contains("Passwords SCO"),
        "resource metadata is kept whole"
    );
    assert!(
        manifest
            .metadata
            .as_ref()
            .unwrap()
            .xml
            .contains("<schemaversion>1.2</schemaversion>")
    );
    assert_eq!(report.n_files, 3);
}

#[test]
fn scorm_2004_editions_with_sequencing_xml_base_and_subfolders() {
    for (version, standard) in [
        ("CAM 1.3", Standard::Scorm2004Second),
        ("2004 3rd Edition", Standard::Scorm2004Third),
        ("2004 4th Edition", Standard::Scorm2004Fourth),
    ] {
        let report = check(&scorm2004_package(version).zip());
        assert!(report.valid, "{version}: {:#?}", report.diagnostics);
        assert_eq!(report.standard, Some(standard));
        let manifest = report.manifest.unwrap();
        let sco = manifest.resource("RES-2").unwrap();
        assert_eq!(
            manifest.launch_path(sco).as_deref(),
            Some("content/sco/m1/two/index.html")
        );
        let items = manifest.items();
        let sco1 = items.iter().find(|i| i.identifier == "SCO-1").unwrap();
        assert_eq!(
            sco1.sequencing.as_ref().unwrap().id_ref.as_deref(),
            Some("COMMON")
        );
        let threshold = sco1.completion_threshold.as_ref().unwrap();
        assert!(threshold.completed_by_measure);
        assert_eq!(threshold.min_progress_measure, Some(0.8));
        assert_eq!(sco1.data_maps[0].target_id, "com.example.shared");
        assert!(
            manifest.organizations[0]
                .sequencing
                .as_ref()
                .unwrap()
                .fragment
                .xml
                .contains("choice=\"true\"")
        );
        assert_eq!(manifest.sequencing_collection_ids, ["COMMON"]);
    }
}

#[test]
fn byte_order_marks_and_utf16_manifests_are_read() {
    let mut bom = vec![0xEF, 0xBB, 0xBF];
    bom.extend_from_slice(SCORM12.as_bytes());
    let report = check(
        &Package::new()
            .file("imsmanifest.xml", &bom)
            .file("index.html", "")
            .file("media/intro.mp4", "")
            .zip(),
    );
    assert!(report.valid, "{:#?}", report.diagnostics);

    for little_endian in [true, false] {
        let utf16_text = SCORM12
            .replace("encoding=\"UTF-8\"", "encoding=\"UTF-16\"")
            .replace("Cyber basics", "Cyber basics — ünïcode");
        let mut bytes = if little_endian {
            vec![0xFF, 0xFE]
        } else {
            vec![0xFE, 0xFF]
        };
        for unit in utf16_text.encode_utf16() {
            bytes.extend_from_slice(&if little_endian {
                unit.to_le_bytes()
            } else {
                unit.to_be_bytes()
            });
        }
        let report = check(
            &Package::new()
                .file("imsmanifest.xml", &bytes)
                .file("index.html", "")
                .file("media/intro.mp4", "")
                .zip(),
        );
        assert!(report.valid, "{:#?}", report.diagnostics);
        assert_eq!(report.title.as_deref(), Some("Cyber basics — ünïcode"));
    }
}

#[test]
fn missing_and_unlisted_files_are_warnings() {
    let zip = Package::new()
        .file("imsmanifest.xml", SCORM12)
        .file("index.html", "")
        .file("notes/readme.txt", "")
        .zip();
    let report = check(&zip);
    assert!(
        report.valid,
        "warnings do not block: {:#?}",
        report.diagnostics
    );
    let mut warnings = rules(&report, Severity::Warning);
    warnings.sort_by_key(|rule| rule.code());
    assert_eq!(warnings, [Rule::ListedFileMissing, Rule::UnlistedFile]);
    let missing = &report
        .diagnostics
        .iter()
        .find(|d| d.rule == Rule::ListedFileMissing)
        .unwrap();
    assert!(
        missing.message.contains("media/intro.mp4"),
        "{}",
        missing.message
    );
}

// ----- broken manifests: precise errors -----

fn manifest_errors(manifest: &str) -> Report {
    check_manifest(manifest.as_bytes())
}

#[test]
fn a_dangling_identifierref_names_both_ends_and_the_line() {
    let broken = SCORM12.replace("identifierref=\"RES-1\"", "identifierref=\"RES-9\"");
    let report = manifest_errors(&broken);
    assert!(!report.valid);
    let error = report.errors().next().unwrap();
    assert_eq!(error.rule, Rule::UnknownResource);
    assert_eq!(
        error.message,
        "item ITEM-1 references resource RES-9, which does not exist"
    );
    assert_eq!(error.position.unwrap().line, 9);
    assert!(
        error
            .to_string()
            .starts_with("imsmanifest.xml:9:7: error[unknown-resource]"),
        "{error}"
    );
}

#[test]
fn structural_rules_are_enforced() {
    let cases: Vec<(String, Rule)> = vec![
        (SCORM12.replace("default=\"ORG\"", "default=\"NOPE\""), Rule::UnknownDefaultOrganization),
        (SCORM12.replace("identifier=\"ITEM-1\"", "identifier=\"RES-1\""), Rule::DuplicateIdentifier),
        (SCORM12.replace(" identifierref=\"RES-1\"", ""), Rule::LeafWithoutResource),
        (SCORM12.replace(" href=\"index.html\">", ">"), Rule::LaunchWithoutHref),
        (SCORM12.replace("scormtype=\"sco\"", "scormtype=\"lesson\""), Rule::UnknownScormType),
        (SCORM12.replace("<file href=\"index.html\"/>", "<file href=\"../../etc/passwd\"/>"), Rule::HrefOutsidePackage),
        (SCORM12.replace("<adlcp:masteryscore>80", "<adlcp:masteryscore>eighty"), Rule::BadValue),
        (SCORM12.replace("<resource identifier=\"RES-1\"", "<resource"), Rule::MissingIdentifier),
        (scorm2004("2004 4th Edition").replace("IDRef=\"COMMON\"", "IDRef=\"MISSING\""), Rule::UnknownSequencingReference),
        (scorm2004("2004 4th Edition").replace("<dependency identifierref=\"SHARED\"/>\n    </resource>\n    <resource identifier=\"RES-2\"", "<dependency identifierref=\"GONE\"/>\n    </resource>\n    <resource identifier=\"RES-2\""), Rule::UnknownDependency),
        (scorm2004("2004 4th Edition").replace("<item identifier=\"MODULE\">", "<item identifier=\"MODULE\" identifierref=\"RES-1\">"), Rule::ParentWithResource),
        (SCORM12.replace("<organizations default=\"ORG\">", "<organizations>").replace(&SCORM12[SCORM12.find("<organization identifier").unwrap()..SCORM12.find("</organizations>").unwrap()], ""), Rule::NoOrganization),
        ("<html><body/></html>".to_owned(), Rule::NotAManifest),
    ];
    for (manifest, rule) in cases {
        let report = manifest_errors(&manifest);
        let errors: Vec<Rule> = report.errors().map(|d| d.rule).collect();
        assert!(
            errors.contains(&rule),
            "expected {rule:?}, got {:#?}",
            report.diagnostics
        );
    }
}

#[test]
fn hostile_xml_is_refused() {
    let dtd = SCORM12.replace(
        "<manifest ",
        "<!DOCTYPE manifest [<!ENTITY x \"y\">]>\n<manifest ",
    );
    let external = SCORM12.replace("<title>Passwords</title>", "<title>&xxe;</title>");
    let deep = format!(
        "<manifest identifier=\"m\">{}{}</manifest>",
        "<x>".repeat(100),
        "</x>".repeat(100)
    );
    let malformed = SCORM12.replace("</organization>", "</organisation>");
    let dense = format!(
        "<manifest identifier=\"m\">{}</manifest>",
        "<a/>".repeat(250_000)
    );
    let latin1 = b"<manifest identifier=\"m\"><title>caf\xe9</title></manifest>".to_vec();
    for (bytes, rule) in [
        (dtd.into_bytes(), Rule::DtdNotAllowed),
        (external.into_bytes(), Rule::EntityNotAllowed),
        (deep.into_bytes(), Rule::TooDeep),
        (malformed.into_bytes(), Rule::MalformedXml),
        (latin1, Rule::Encoding),
        (dense.into_bytes(), Rule::ManifestTooLarge),
    ] {
        let report = check_manifest(&bytes);
        assert!(!report.valid);
        assert_eq!(
            report.errors().next().map(|d| d.rule),
            Some(rule),
            "{:#?}",
            report.diagnostics
        );
    }
    let report = check_manifest(
        SCORM12
            .replace("</organization>", "</organisation>")
            .as_bytes(),
    );
    let position = report.diagnostics[0].position.unwrap();
    assert_eq!(
        position.line, 17,
        "the malformed end tag's line: {:#?}",
        report.diagnostics
    );
}

// ----- hostile archives -----

fn with_manifest(extra: &str, content: &[u8]) -> Vec<u8> {
    Package::new()
        .file("imsmanifest.xml", SCORM12)
        .file("index.html", "")
        .file(extra, content)
        .zip()
}

#[test]
fn hostile_archives_are_refused_with_the_right_rule() {
    let cases: Vec<(&str, Vec<u8>, Rule)> = vec![
        (
            "traversal",
            with_manifest("../../evil.sh", b"x"),
            Rule::UnsafePath,
        ),
        (
            "nested traversal",
            with_manifest("media/../../evil.sh", b"x"),
            Rule::UnsafePath,
        ),
        (
            "absolute",
            with_manifest("/etc/cron.d/evil", b"x"),
            Rule::UnsafePath,
        ),
        (
            "backslash",
            with_manifest("..\\evil.bat", b"x"),
            Rule::UnsafePath,
        ),
        (
            "drive letter",
            with_manifest("C:/Windows/evil.dll", b"x"),
            Rule::UnsafePath,
        ),
        (
            "duplicate by case",
            with_manifest("INDEX.HTML", b"x"),
            Rule::DuplicateEntry,
        ),
        (
            "not a zip",
            b"this is not a zip file".to_vec(),
            Rule::NotAZip,
        ),
        (
            "no manifest",
            Package::new().file("index.html", "").zip(),
            Rule::MissingManifest,
        ),
        (
            "manifest in a folder",
            Package::new().file("course/imsmanifest.xml", SCORM12).zip(),
            Rule::MissingManifest,
        ),
    ];
    for (name, zip, rule) in cases {
        let report = check(&zip);
        assert!(!report.valid, "{name} must be refused");
        assert_eq!(
            report.errors().next().map(|d| d.rule),
            Some(rule),
            "{name}: {:#?}",
            report.diagnostics
        );
    }
    let nested = check(&Package::new().file("course/imsmanifest.xml", SCORM12).zip());
    assert!(
        nested.diagnostics[0]
            .help
            .as_deref()
            .unwrap()
            .contains("zip the folder's contents")
    );
}

#[test]
fn symlinks_are_refused() {
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    writer
        .start_file("imsmanifest.xml", SimpleFileOptions::default())
        .unwrap();
    writer.write_all(SCORM12.as_bytes()).unwrap();
    writer
        .add_symlink("index.html", "/etc/passwd", SimpleFileOptions::default())
        .unwrap();
    let zip = writer.finish().unwrap().into_inner();
    let report = check(&zip);
    assert_eq!(
        report.errors().next().map(|d| d.rule),
        Some(Rule::Symlink),
        "{:#?}",
        report.diagnostics
    );
}

#[test]
fn encrypted_entries_are_refused() {
    let mut zip = with_manifest("secret.html", b"x");
    // Set the "encrypted" flag (bit 0 of the general-purpose flags) on every local and central header.
    for at in 0..zip.len() - 4 {
        match &zip[at..at + 4] {
            [0x50, 0x4b, 0x03, 0x04] => zip[at + 6] |= 1,
            [0x50, 0x4b, 0x01, 0x02] => zip[at + 8] |= 1,
            _ => {}
        }
    }
    let report = check(&zip);
    assert_eq!(
        report.errors().next().map(|d| d.rule),
        Some(Rule::Encrypted),
        "{:#?}",
        report.diagnostics
    );
}

#[test]
fn zip_bombs_and_oversized_packages_are_refused() {
    let zeros = vec![0u8; 8 * 1024 * 1024];
    let bomb = with_manifest("media/zeros.bin", &zeros);
    let report = check(&bomb);
    assert_eq!(
        report.errors().next().map(|d| d.rule),
        Some(Rule::CompressionRatio),
        "{:#?}",
        report.diagnostics
    );

    let limits = Limits {
        max_total_uncompressed: 1024,
        max_ratio: 1_000_000,
        ..Limits::default()
    };
    let report = check_package(
        &mut Cursor::new(with_manifest("big.bin", &[7u8; 4096])),
        "big.zip",
        &limits,
    );
    assert!(
        report.errors().any(|d| d.rule == Rule::TooLarge),
        "{:#?}",
        report.diagnostics
    );

    let limits = Limits {
        max_entries: 2,
        ..Limits::default()
    };
    let report = check_package(
        &mut Cursor::new(with_manifest("third.html", b"")),
        "many.zip",
        &limits,
    );
    assert_eq!(
        report.errors().next().map(|d| d.rule),
        Some(Rule::TooManyEntries)
    );

    let limits = Limits {
        max_manifest_bytes: 100,
        ..Limits::default()
    };
    let report = check_package(
        &mut Cursor::new(with_manifest("x.html", b"")),
        "m.zip",
        &limits,
    );
    assert_eq!(
        report.errors().next().map(|d| d.rule),
        Some(Rule::ManifestTooLarge)
    );
}

#[test]
fn the_report_serialises_for_machines() {
    let broken = SCORM12.replace("identifierref=\"RES-1\"", "identifierref=\"RES-9\"");
    let report = check(
        &Package::new()
            .file("imsmanifest.xml", broken)
            .file("index.html", "")
            .zip(),
    );
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["valid"], false);
    assert_eq!(json["standard"], "SCORM 1.2");
    let first = &json["diagnostics"][0];
    assert_eq!(first["severity"], "error");
    assert_eq!(first["rule"], "unknown-resource");
    assert_eq!(first["file"], "imsmanifest.xml");
    assert_eq!(first["position"]["line"], 9);
}

/// A deterministic mutation run: thousands of corrupted manifests (flipped, dropped and duplicated
/// bytes) must each give a report, never a panic, and every error must name its file.
#[test]
fn corrupted_manifests_never_panic() {
    let seeds = [
        SCORM12.as_bytes().to_vec(),
        scorm2004("2004 4th Edition").into_bytes(),
    ];
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut n_invalid = 0;
    for round in 0..4000 {
        let mut bytes = seeds[round % 2].clone();
        for _ in 0..1 + next() % 4 {
            let at = (next() as usize) % bytes.len();
            match next() % 3 {
                0 => bytes[at] = (next() & 0xFF) as u8,
                1 => {
                    bytes.remove(at);
                }
                _ => {
                    let end = (at + (next() as usize % 40)).min(bytes.len());
                    let copy = bytes[at..end].to_vec();
                    bytes.splice(at..at, copy);
                }
            }
        }
        let report = check_manifest(&bytes);
        assert!(report.diagnostics.iter().all(|d| !d.file.is_empty()));
        n_invalid += usize::from(!report.valid);
    }
    assert!(
        n_invalid > 1000,
        "most corruptions are caught ({n_invalid} of 4000)"
    );
}
