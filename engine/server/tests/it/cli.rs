//! The `rampart` admin commands against a real data directory, as an operator runs them.

use std::io::Write;

use crate::support::write_zip;
use std::process::{Command, Output, Stdio};

fn rampart(data_dir: &std::path::Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args(args)
        .env("RAMPART_DATA_DIR", data_dir)
        .env("RAMPART_LOG", "warn")
        .env_remove("DATABASE_URL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(text) = stdin {
        child
            .stdin
            .as_mut()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[test]
fn org_and_user_commands_work_on_the_data_directory() {
    let dir = tempfile::tempdir().unwrap();
    let created = rampart(
        dir.path(),
        &[
            "org",
            "create",
            "Leeds Teaching Hospitals NHS Trust",
            "--kind",
            "acute_trust",
        ],
        None,
    );
    assert!(created.status.success(), "{}", text(&created));
    assert!(
        text(&created).contains("slug leeds-teaching-hospitals-nhs-trust"),
        "{}",
        text(&created)
    );
    assert!(
        dir.path().join("rampart.db").is_file(),
        "SQLite file created on first use"
    );
    assert!(
        dir.path().join("secret.key").is_file(),
        "secret key generated on first use"
    );

    let user = rampart(
        dir.path(),
        &[
            "user",
            "create",
            "--email",
            "Nia@Leeds.example",
            "--name",
            "Nia Nurse",
            "--org",
            "leeds-teaching-hospitals-nhs-trust",
            "--role",
            "learner",
            "--role",
            "security_lead",
        ],
        Some("a long enough password\n"),
    );
    assert!(user.status.success(), "{}", text(&user));
    assert!(
        !text(&user).contains("a long enough password"),
        "a piped password is never echoed"
    );

    let generated = rampart(
        dir.path(),
        &[
            "user",
            "create",
            "--email",
            "cert@nhs.example",
            "--name",
            "Cy Cert",
            "--role",
            "cert_analyst",
        ],
        Some(""),
    );
    assert!(generated.status.success(), "{}", text(&generated));
    assert!(
        text(&generated).contains("initial password (shown once)"),
        "{}",
        text(&generated)
    );

    let list = rampart(dir.path(), &["user", "list"], None);
    let listing = text(&list);
    assert!(
        listing.contains("nia@leeds.example") && listing.contains("learner,security_lead"),
        "{listing}"
    );
    assert!(listing.contains("cert@nhs.example"), "{listing}");

    let unknown_org = rampart(
        dir.path(),
        &[
            "user",
            "create",
            "--email",
            "x@y.example",
            "--name",
            "X",
            "--org",
            "nowhere",
        ],
        Some("a long enough password\n"),
    );
    assert!(!unknown_org.status.success());
    assert!(
        text(&unknown_org).contains("no organisation called \"nowhere\""),
        "{}",
        text(&unknown_org)
    );
}

#[test]
fn bad_configuration_stops_start_up_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args(["org", "list"])
        .env("RAMPART_DATA_DIR", dir.path())
        .env("RAMPART_LISTEN", "three thousand")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output).contains("RAMPART_LISTEN"),
        "{}",
        text(&output)
    );

    let unreachable = Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args(["org", "list"])
        .env("RAMPART_DATA_DIR", dir.path())
        .env(
            "DATABASE_URL",
            "postgres://rampart:hunter2@127.0.0.1:1/rampart?connect_timeout=2",
        )
        .output()
        .unwrap();
    assert!(!unreachable.status.success());
    let message = text(&unreachable);
    assert!(
        message.contains("127.0.0.1:1") && !message.contains("hunter2"),
        "{message}"
    );
}

pub const MANIFEST: &str = r#"<manifest identifier="m" xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2" xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">
  <metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>
  <organizations default="O"><organization identifier="O"><title>Course</title>
    <item identifier="I" identifierref="R"><title>One</title></item>
  </organization></organizations>
  <resources><resource identifier="R" type="webcontent" adlcp:scormtype="sco" href="index.html"><file href="index.html"/></resource></resources>
</manifest>"#;

/// `MANIFEST` with item I pointing at resource R9, which does not exist.
pub fn manifest_with_unknown_resource() -> String {
    MANIFEST.replace("identifierref=\"R\"", "identifierref=\"R9\"")
}

#[test]
fn package_validate_reports_and_sets_the_exit_status() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.zip");
    write_zip(
        &good,
        &[("imsmanifest.xml", MANIFEST), ("index.html", "<p>hi</p>")],
    );
    let output = rampart(
        dir.path(),
        &["package", "validate", good.to_str().unwrap()],
        None,
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    assert!(
        text(&output).contains("good.zip: SCORM 1.2 \"Course\", 2 files"),
        "{}",
        text(&output)
    );

    let bad = dir.path().join("bad.zip");
    write_zip(
        &bad,
        &[
            ("imsmanifest.xml", &manifest_with_unknown_resource()),
            ("index.html", ""),
        ],
    );
    let output = rampart(
        dir.path(),
        &["package", "validate", bad.to_str().unwrap()],
        None,
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output).contains("imsmanifest.xml:4:5: error[unknown-resource]: item I references resource R9, which does not exist"), "{}", text(&output));

    let json = rampart(
        dir.path(),
        &["package", "validate", "--json", bad.to_str().unwrap()],
        None,
    );
    assert_eq!(json.status.code(), Some(1));
    let parsed: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(parsed["diagnostics"][0]["rule"], "unknown-resource");

    let not_zip = dir.path().join("notes.zip");
    std::fs::write(&not_zip, "not a zip").unwrap();
    assert_eq!(
        rampart(
            dir.path(),
            &["package", "validate", not_zip.to_str().unwrap()],
            None
        )
        .status
        .code(),
        Some(2)
    );
    let missing = dir.path().join("missing.zip");
    assert_eq!(
        rampart(
            dir.path(),
            &["package", "validate", missing.to_str().unwrap()],
            None
        )
        .status
        .code(),
        Some(2)
    );
}

#[test]
fn package_import_adds_versions_and_refuses_bad_packages() {
    let dir = tempfile::tempdir().unwrap();
    let zip = dir.path().join("course.zip");
    write_zip(
        &zip,
        &[("imsmanifest.xml", MANIFEST), ("index.html", "<p>hi</p>")],
    );
    let first = rampart(
        dir.path(),
        &["package", "import", zip.to_str().unwrap()],
        None,
    );
    assert!(first.status.success(), "{}", text(&first));
    assert!(
        text(&first).contains("as version 1 of package"),
        "{}",
        text(&first)
    );
    let second = rampart(
        dir.path(),
        &["package", "import", zip.to_str().unwrap()],
        None,
    );
    assert!(
        text(&second).contains("as version 2 of package")
            && text(&second).contains("0 new to the store"),
        "{}",
        text(&second)
    );

    let bad = dir.path().join("bad.zip");
    write_zip(
        &bad,
        &[
            ("imsmanifest.xml", &manifest_with_unknown_resource()),
            ("index.html", ""),
        ],
    );
    let refused = rampart(
        dir.path(),
        &["package", "import", bad.to_str().unwrap()],
        None,
    );
    assert!(!refused.status.success());
    assert!(
        text(&refused).contains("nothing was imported")
            && text(&refused).contains("unknown-resource"),
        "{}",
        text(&refused)
    );
}
