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

#[test]
fn plugin_and_webhook_commands_manage_the_data_directory() {
    let dir = tempfile::tempdir().unwrap();
    let plugins = std::env::var_os("RAMPART_TEST_PLUGINS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../target/plugins/wasm32-wasip2/release")
        });
    let wasm = plugins.join("misbehave.wasm");
    let wasm = wasm.to_str().unwrap();

    let installed = rampart(dir.path(), &["plugin", "install", wasm], None);
    assert!(installed.status.success(), "{}", text(&installed));
    assert!(
        text(&installed).contains("installed misbehave"),
        "{}",
        text(&installed)
    );
    assert!(text(&installed).contains("it asks for: events.publish, notify.email, directory.read"));

    let not_a_plugin = dir.path().join("rampart.db");
    let refused = rampart(
        dir.path(),
        &["plugin", "install", not_a_plugin.to_str().unwrap()],
        None,
    );
    assert!(!refused.status.success());
    assert!(
        text(&refused).contains("this file is not a Rampart plugin"),
        "{}",
        text(&refused)
    );

    let disabled = rampart(dir.path(), &["plugin", "disable", "misbehave"], None);
    assert!(disabled.status.success(), "{}", text(&disabled));
    let listed = text(&rampart(dir.path(), &["plugin", "list"], None));
    assert!(
        listed.contains("misbehave\t") && listed.contains("\tdisabled\tapi 0.3.0"),
        "{listed}"
    );
    assert!(
        rampart(dir.path(), &["plugin", "enable", "misbehave"], None)
            .status
            .success()
    );
    assert!(text(&rampart(dir.path(), &["plugin", "list"], None)).contains("\tenabled\t"));
    let removed = rampart(dir.path(), &["plugin", "remove", "misbehave"], None);
    assert!(
        text(&removed).contains("removed misbehave"),
        "{}",
        text(&removed)
    );
    assert!(!text(&rampart(dir.path(), &["plugin", "list"], None)).contains("misbehave"));

    assert!(
        rampart(dir.path(), &["org", "create", "Hook Trust"], None)
            .status
            .success()
    );
    let insecure = rampart(
        dir.path(),
        &[
            "org",
            "webhook",
            "hook-trust",
            "--url",
            "http://example.org/x",
        ],
        None,
    );
    assert!(!insecure.status.success());
    assert!(text(&insecure).contains("must start with https://"));
    let set = rampart(
        dir.path(),
        &[
            "org",
            "webhook",
            "hook-trust",
            "--url",
            "https://soc.example/hook",
        ],
        None,
    );
    assert!(set.status.success(), "{}", text(&set));
    assert!(
        text(&set).contains("signing secret (shown once"),
        "{}",
        text(&set)
    );
    assert!(text(&set).contains("whsec_"));
}

#[test]
fn plugin_new_writes_the_template_and_refuses_a_bad_name() {
    let dir = tempfile::tempdir().unwrap();
    let parent = dir.path().to_str().unwrap();
    let created = rampart(
        dir.path(),
        &["plugin", "new", "ward-notes", "--dir", parent],
        None,
    );
    assert!(created.status.success(), "{}", text(&created));
    assert!(dir.path().join("ward-notes/src/lib.rs").is_file());
    let bad = rampart(
        dir.path(),
        &["plugin", "new", "Ward Notes", "--dir", parent],
        None,
    );
    assert!(!bad.status.success());
    assert!(text(&bad).contains("lower-case letters"), "{}", text(&bad));
}

#[test]
fn lti_commands_print_a_registration_url_and_a_consumer_and_rotate_keys() {
    let dir = tempfile::tempdir().unwrap();
    let created = rampart(
        dir.path(),
        &["org", "create", "Leeds Trust", "--kind", "acute_trust"],
        None,
    );
    assert!(created.status.success(), "{}", text(&created));

    let url = rampart(
        dir.path(),
        &["lti", "registration-url", "--org", "leeds-trust"],
        None,
    );
    assert!(url.status.success(), "{}", text(&url));
    let printed = String::from_utf8_lossy(&url.stdout).trim().to_owned();
    assert!(
        printed.starts_with("http://127.0.0.1:3000/lti/register/") && printed.len() > 40,
        "{printed}"
    );

    let consumer = rampart(
        dir.path(),
        &["lti", "consumer", "add", "--org", "Leeds Trust"],
        None,
    );
    assert!(consumer.status.success(), "{}", text(&consumer));
    let out = String::from_utf8_lossy(&consumer.stdout).into_owned();
    let key = out
        .lines()
        .find_map(|l| l.strip_prefix("consumer key: "))
        .unwrap_or_else(|| panic!("{out}"));
    let secret = out
        .lines()
        .find_map(|l| l.strip_prefix("shared secret: "))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(secret.len() >= 40, "{out}");
    let listed = rampart(dir.path(), &["lti", "consumer", "list"], None);
    assert!(text(&listed).contains(key), "{}", text(&listed));
    assert!(
        !text(&listed).contains(secret),
        "the secret is never shown again"
    );

    let unknown = rampart(
        dir.path(),
        &["lti", "registration-url", "--org", "Nowhere"],
        None,
    );
    assert!(!unknown.status.success());
    assert!(
        text(&unknown).contains("no organisation called"),
        "{}",
        text(&unknown)
    );

    // The first key is made on first use; a rotation makes a second, both published.
    let rotated = rampart(dir.path(), &["lti", "rotate-keys"], None);
    assert!(rotated.status.success(), "{}", text(&rotated));
    assert!(
        text(&rotated).contains("new signing key"),
        "{}",
        text(&rotated)
    );
}
