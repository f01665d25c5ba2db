//! CSAF 2.0 import and export against the OASIS examples and JSON schema kept in `shared/conformance`.
//!
//! - `CSAF_IMPORT_DIR`: documents to import (default: the OASIS examples in
//!   `<repo>/../shared/conformance/csaf-2.0/examples`); every `*.json` there must import.
//! - `CSAF_EXPORT_DIR`: where exported documents are written for inspection (default: the plugins
//!   workspace's `target/csaf-export`).
//!
//! Each exported document is validated against the CSAF 2.0 JSON schema (draft 2020-12) with formats
//! checked; the schema's `$ref`s to FIRST's CVSS schemas resolve to the local copies in
//! `referenced_schema/first/` through a retriever that never touches the network.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use advisory::csaf::{self, CsafError, IMPORTED_ID, MAX_CSAF_BYTES, Publisher};
use advisory::{
    Advisory, AdvisoryKind, AffectedProduct, Reference, Severity, Status, Tlp, rfc3339,
};
use serde_json::{Value, json};

/// 2026-11-29T10:15:30Z
const NOW: i64 = 1_795_947_330_000;
const DAY: i64 = 86_400_000;

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `shared/` sits beside the repository: plugins/advisory → ../../../shared.
fn conformance() -> PathBuf {
    manifest_dir().join("../../../shared/conformance/csaf-2.0")
}

fn import_dir() -> PathBuf {
    std::env::var_os("CSAF_IMPORT_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| conformance().join("examples"))
}

fn export_dir() -> PathBuf {
    let dir = std::env::var_os("CSAF_EXPORT_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest_dir().join("../target/csaf-export"));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("creating {}: {e}", dir.display()));
    dir
}

fn publisher() -> Publisher {
    Publisher {
        name: "NHS England".into(),
        namespace: "https://www.england.nhs.uk".into(),
        contact: "cybersecurity@example.nhs.uk".into(),
    }
}

/// Resolves the schema's references to FIRST's CVSS schemas from `referenced_schema/first/`; refuses
/// anything else, so validation never reaches the network.
struct LocalFirstSchemas {
    dir: PathBuf,
}

impl jsonschema::Retrieve for LocalFirstSchemas {
    fn retrieve(
        &self,
        uri: &jsonschema::Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        let uri = uri.as_str();
        let name = uri
            .strip_prefix("https://www.first.org/cvss/")
            .filter(|name| !name.contains('/') && name.ends_with(".json"))
            .ok_or_else(|| format!("no local copy of {uri}: only FIRST's CVSS schemas are kept"))?;
        let path = self.dir.join(name);
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(serde_json::from_str(&text)?)
    }
}

fn validator() -> jsonschema::Validator {
    let path = conformance().join("json_schema/csaf_json_schema.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .with_retriever(LocalFirstSchemas {
            dir: conformance().join("referenced_schema/first"),
        })
        .build(&schema)
        .expect("the CSAF 2.0 schema compiles")
}

#[track_caller]
fn assert_schema_valid(validator: &jsonschema::Validator, name: &str, doc: &Value) {
    let errors: Vec<String> = validator
        .iter_errors(doc)
        .map(|e| format!("  at {}: {e}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{name} is not valid CSAF 2.0:\n{}\n{}",
        errors.join("\n"),
        serde_json::to_string_pretty(doc).unwrap()
    );
}

fn examples() -> Vec<(String, Vec<u8>)> {
    let dir = import_dir();
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&path).unwrap())
        })
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no *.json in {}", dir.display());
    files
}

fn import_all() -> Vec<(String, Advisory)> {
    examples()
        .into_iter()
        .map(|(name, bytes)| match csaf::import(&bytes) {
            Ok(advisory) => (name, advisory),
            Err(e) => panic!("{name}: import failed: {e}"),
        })
        .collect()
}

fn product(vendor: &str, product: &str, versions: &str) -> AffectedProduct {
    AffectedProduct {
        vendor: vendor.into(),
        product: product.into(),
        versions: versions.into(),
    }
}

/// The advisories built here: a 3.1 vector, a 4.0 vector, no vector, closed with three revisions, a
/// bare draft, and an information advisory with neither products nor CVEs.
fn built_in() -> Vec<(String, Advisory)> {
    let mut v31 = Advisory::new_draft(
        "RAM-2026-0042",
        "Remote code execution in Example PACS",
        NOW,
    );
    v31.summary = "Unauthenticated attackers can run code on Example PACS servers.".into();
    v31.threat =
        "Exploitation is **confirmed** in the wild.\n\n- DICOM port 104 is the vector.".into();
    v31.products = vec![
        product("Example Medical", "Example PACS", "< 7.2.1"),
        product("Example Medical", "Example PACS Viewer", "7.0"),
        product("", "Generic DICOM Gateway", ""),
    ];
    v31.cves = vec!["CVE-2026-12345".into(), "CVE-2026-12346".into()];
    v31.set_cvss(Some("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"))
        .unwrap();
    v31.remediation = vec![
        "Update Example PACS to 7.2.1 or later.".into(),
        "Block inbound DICOM (port 104) from the internet.".into(),
    ];
    v31.references = vec![Reference {
        url: "https://example.com/security/EM-2026-01".into(),
        summary: "Example Medical security bulletin".into(),
    }];
    v31.tlp = Tlp::Clear;
    v31.publish(NOW, "Initial release").unwrap();

    let mut v40 = Advisory::new_draft(
        "RAM-2026-0043",
        "Privilege escalation in Example EPR agent",
        NOW,
    );
    v40.summary = "A local user can gain SYSTEM on workstations running the EPR agent.".into();
    v40.products = vec![product("Example Health", "EPR Agent", "4.1")];
    v40.cves = vec!["CVE-2026-20001".into()];
    v40.set_cvss(Some(
        "CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
    ))
    .unwrap();
    v40.remediation = vec!["Apply the vendor's hotfix HF-4.1.3.".into()];
    v40.tlp = Tlp::Amber;
    v40.publish(NOW, "").unwrap();

    let mut none = Advisory::new_draft(
        "RAM-2026-0044",
        "Phishing campaign impersonating NHSmail",
        NOW,
    );
    none.kind = AdvisoryKind::AttackMethodology;
    none.summary =
        "Emails claiming mailbox quota problems lead to a credential-harvesting page.".into();
    none.threat = "The pages copy the NHSmail sign-in page.".into();
    none.products = vec![product("NHS", "NHSmail", "")];
    none.severity = Severity::Medium;
    none.remediation = vec!["Block the sender domains listed below at the mail gateway.".into()];
    none.tlp = Tlp::Green;
    none.publish(NOW, "").unwrap();

    let mut closed = v31.clone();
    closed.id = "RAM-2026-0045".into();
    closed.title = "Closed advisory with three revisions".into();
    let mut draft = closed.draft();
    draft
        .remediation
        .push("Monitor for the indicators in the vendor bulletin.".into());
    closed
        .update(draft, NOW + DAY, "Added monitoring advice")
        .unwrap();
    closed
        .close(NOW + 2 * DAY, "All known sites patched")
        .unwrap();
    assert_eq!(closed.revisions.len(), 3);

    let mut draft = Advisory::new_draft(
        "RAM-2026-0046",
        "Draft: suspected ransomware precursor",
        NOW,
    );
    draft.tlp = Tlp::Red;
    draft
        .set_cvss(Some("CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N"))
        .unwrap();

    let mut info = Advisory::new_draft("RAM-2026-0047", "End of support for Windows 10", NOW);
    info.kind = AdvisoryKind::Information;
    info.summary = "Windows 10 leaves extended support; plan replacements.".into();
    info.set_cvss(Some(
        "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N",
    ))
    .ok();
    info.tlp = Tlp::Clear;
    info.publish(NOW, "").unwrap();

    for (name, a) in [
        ("v31", &v31),
        ("v40", &v40),
        ("none", &none),
        ("closed", &closed),
        ("info", &info),
    ] {
        assert_eq!(a.validate(), [], "{name}");
    }
    vec![
        ("built-in-cvss31.json".into(), v31),
        ("built-in-cvss40.json".into(), v40),
        ("built-in-no-vector.json".into(), none),
        ("built-in-closed.json".into(), closed),
        ("built-in-draft.json".into(), draft),
        ("built-in-information.json".into(), info),
    ]
}

#[test]
fn every_example_imports_as_a_draft() {
    for (name, a) in import_all() {
        assert_eq!(a.status, Status::Draft, "{name}");
        assert_eq!(a.id, IMPORTED_ID, "{name}");
        assert!(!a.title.is_empty(), "{name}");
        let source = a
            .source
            .as_ref()
            .unwrap_or_else(|| panic!("{name}: no source"));
        assert!(
            !source.tracking_id.is_empty() && !source.publisher.is_empty(),
            "{name}"
        );
        // An imported draft can be saved as it is.
        let mut saved = a.clone();
        saved.update(a.draft(), NOW, "").unwrap_or_else(|e| {
            panic!("{name}: the imported draft does not pass the draft checks: {e}")
        });
    }
}

/// What the OASIS examples hold, where they are the documents imported.
#[test]
fn the_oasis_examples_import_faithfully() {
    let imported: HashMap<String, Advisory> = import_all().into_iter().collect();
    if let Some(bsi) = imported.get("bsi-2022-0001.json") {
        assert_eq!(
            bsi.title,
            "CVRF-CSAF-Converter: XML External Entities Vulnerability"
        );
        assert_eq!(bsi.cves, ["CVE-2022-27193"]);
        assert_eq!(
            bsi.cvss.as_deref(),
            Some("CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:U/C:H/I:N/A:L/E:F/RL:O/RC:C")
        );
        assert_eq!(bsi.severity, Severity::Medium);
        assert_eq!(bsi.tlp, Tlp::Clear, "TLP WHITE is CLEAR");
        assert_eq!(
            bsi.products,
            [product(
                "CSAF Tools",
                "CVRF-CSAF-Converter",
                "1.0.0-alpha, 1.0.0-dev1, 1.0.0-dev2, 1.0.0-dev3, 1.0.0-rc1"
            )],
            "only the known-affected versions, merged into one row"
        );
        assert!(
            bsi.summary
                .starts_with("CSAF Tools CVRF-CSAF-Converter 1.0.0-rc1 resolves XML")
        );
        assert_eq!(bsi.remediation.len(), 1);
        assert!(bsi.remediation[0].starts_with("Update to the latest version of the product."));
        assert!(bsi.remediation[0].ends_with(
            "<https://github.com/csaf-tools/CVRF-CSAF-Converter/releases/tag/1.0.0-rc2>"
        ));
        assert_eq!(bsi.revisions.len(), 1);
        assert_eq!(bsi.kind, AdvisoryKind::Vulnerability);
        let source = bsi.source.as_ref().unwrap();
        assert_eq!(source.tracking_id, "BSI-2022-0001");
        assert_eq!(
            source.publisher,
            "Bundesamt für Sicherheit in der Informationstechnik"
        );
        assert_eq!(rfc3339(bsi.created_at), "2022-03-17T13:03:42.105Z");
    }
    if let Some(rhsa) = imported.get("rhsa-2019_1862.json") {
        assert_eq!(rhsa.kind, AdvisoryKind::Information);
        assert_eq!(rhsa.severity, Severity::Low, "from aggregate_severity");
        assert_eq!(rhsa.cves, Vec::<String>::new());
        assert_eq!(rhsa.cvss, None);
        assert!(
            rhsa.summary
                .starts_with("This is the one-month notification")
        );
        assert!(!rhsa.products.is_empty());
    }
    if let Some(vex) = imported.get("sec-vex-2022-0001.json") {
        assert_eq!(
            vex.cves,
            ["CVE-2021-44228", "CVE-2021-45046", "CVE-2021-45105"]
        );
        assert_eq!(vex.cvss, None);
    }
    if let Some(evd) = imported.get("2022-evd-uc-01-a-001.json") {
        assert_eq!(
            evd.tlp,
            Tlp::Green,
            "a document without a TLP label is imported as GREEN"
        );
        assert_eq!(evd.cves, ["CVE-2021-44228"]);
    }
}

#[test]
fn exports_are_schema_valid_and_round_trip() {
    let validator = validator();
    let dir = export_dir();
    let mut advisories = built_in();
    advisories.extend(
        import_all()
            .into_iter()
            .map(|(name, a)| (format!("imported-{name}"), a)),
    );
    for (name, advisory) in &advisories {
        let doc = csaf::export(advisory, &publisher());
        let text = serde_json::to_string_pretty(&doc).unwrap();
        std::fs::write(dir.join(name), &text).unwrap();
        assert_schema_valid(&validator, name, &doc);

        let back = csaf::import(text.as_bytes())
            .unwrap_or_else(|e| panic!("{name}: the export does not import: {e}"));
        assert_eq!(back.title, advisory.title, "{name}: title");
        assert_eq!(back.cves, advisory.cves, "{name}: CVEs");
        assert_eq!(back.products, advisory.products, "{name}: products");
        assert_eq!(back.cvss, advisory.cvss, "{name}: CVSS vector");
        assert_eq!(back.tlp, advisory.tlp, "{name}: TLP");
        assert_eq!(
            back.revisions.len(),
            advisory.revisions.len(),
            "{name}: revisions"
        );
        assert_eq!(back.severity, advisory.severity, "{name}: severity");
        assert_eq!(
            back.remediation, advisory.remediation,
            "{name}: remediation"
        );
        assert_eq!(back.references, advisory.references, "{name}: references");
        if !advisory.summary.is_empty() {
            assert_eq!(back.summary, advisory.summary, "{name}: summary");
        }
        let source = back.source.unwrap();
        assert_eq!(source.tracking_id, advisory.id, "{name}: tracking id");
        assert_eq!(source.publisher, "NHS England");
    }
}

#[test]
fn export_maps_the_lifecycle_onto_tracking() {
    let advisories: HashMap<String, Advisory> = built_in().into_iter().collect();
    let tracking =
        |name: &str| csaf::export(&advisories[name], &publisher())["document"]["tracking"].clone();

    let draft = tracking("built-in-draft.json");
    assert_eq!(draft["status"], "draft");
    assert_eq!(draft["version"], "0");
    assert_eq!(draft["revision_history"].as_array().unwrap().len(), 1);
    assert_eq!(draft["revision_history"][0]["number"], "0");

    let closed = tracking("built-in-closed.json");
    assert_eq!(closed["status"], "final");
    assert_eq!(closed["version"], "3");
    let numbers: Vec<&str> = closed["revision_history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["number"].as_str().unwrap())
        .collect();
    assert_eq!(numbers, ["1", "2", "3"]);
    assert_eq!(
        closed["revision_history"][2]["summary"],
        "All known sites patched"
    );
    assert_eq!(closed["initial_release_date"], rfc3339(NOW));
    assert_eq!(closed["current_release_date"], rfc3339(NOW + 2 * DAY));
    assert_eq!(closed["generator"]["engine"]["name"], "Rampart");
}

#[test]
fn export_writes_the_expected_document() {
    let advisories: HashMap<String, Advisory> = built_in().into_iter().collect();
    let doc = csaf::export(&advisories["built-in-cvss31.json"], &publisher());
    let d = &doc["document"];
    assert_eq!(d["category"], "csaf_security_advisory");
    assert_eq!(d["csaf_version"], "2.0");
    assert_eq!(d["lang"], "en-GB");
    assert_eq!(d["publisher"]["category"], "coordinator");
    assert_eq!(
        d["publisher"]["contact_details"],
        "cybersecurity@example.nhs.uk"
    );
    assert_eq!(d["distribution"]["tlp"]["label"], "WHITE");
    assert_eq!(d["notes"][0]["category"], "summary");
    assert_eq!(d["notes"][1]["category"], "description");
    assert_eq!(d["references"][0]["category"], "external");
    assert_eq!(d["aggregate_severity"]["text"], "Critical");

    let branches = &doc["product_tree"]["branches"];
    assert_eq!(branches[0]["category"], "vendor");
    assert_eq!(branches[0]["name"], "Example Medical");
    let pacs = &branches[0]["branches"][0];
    assert_eq!(
        (pacs["category"].as_str(), pacs["name"].as_str()),
        (Some("product_name"), Some("Example PACS"))
    );
    assert_eq!(
        pacs["branches"][0],
        json!({
            "category": "product_version_range",
            "name": "< 7.2.1",
            "product": { "name": "Example Medical Example PACS < 7.2.1", "product_id": "CSAFPID-0001" }
        })
    );
    assert_eq!(
        branches[0]["branches"][1]["branches"][0]["category"],
        "product_version"
    );
    assert_eq!(
        branches[1],
        json!({
            "category": "product_name",
            "name": "Generic DICOM Gateway",
            "product": { "name": "Generic DICOM Gateway", "product_id": "CSAFPID-0003" }
        }),
        "no vendor, no version: the product sits on its name"
    );

    let vulns = doc["vulnerabilities"].as_array().unwrap();
    assert_eq!(vulns.len(), 2, "one per CVE");
    assert_eq!(vulns[1]["cve"], "CVE-2026-12346");
    let v = &vulns[0];
    assert_eq!(
        v["product_status"]["known_affected"],
        json!(["CSAFPID-0001", "CSAFPID-0002", "CSAFPID-0003"])
    );
    assert_eq!(
        v["scores"][0]["cvss_v3"],
        json!({
            "version": "3.1",
            "vectorString": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            "baseScore": 9.8,
            "baseSeverity": "CRITICAL"
        })
    );
    assert_eq!(v["remediations"][0]["category"], "vendor_fix");
    assert_eq!(v["remediations"][1]["category"], "mitigation");
    assert_eq!(
        v["remediations"][1]["product_ids"]
            .as_array()
            .unwrap()
            .len(),
        3
    );

    // CVSS 4.0 travels in a note: CSAF 2.0 has no cvss_v4.
    let doc = csaf::export(&advisories["built-in-cvss40.json"], &publisher());
    let v = &doc["vulnerabilities"][0];
    assert!(v.get("scores").is_none());
    let note = v["notes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["title"] == "CVSS v4.0")
        .expect("a CVSS v4.0 note");
    assert_eq!(note["category"], "other");
    assert_eq!(
        note["text"],
        "CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"
    );

    // No CVE: one vulnerability without `cve`; no products: no product tree.
    let doc = csaf::export(&advisories["built-in-information.json"], &publisher());
    assert_eq!(doc["vulnerabilities"].as_array().unwrap().len(), 1);
    assert!(doc["vulnerabilities"][0].get("cve").is_none());
    assert!(doc.get("product_tree").is_none());
}

/// The validator is not vacuous: it resolves the CVSS schemas, checks formats and enums.
#[test]
fn the_schema_check_catches_broken_documents() {
    let validator = validator();
    let advisories: HashMap<String, Advisory> = built_in().into_iter().collect();
    let good = csaf::export(&advisories["built-in-cvss31.json"], &publisher());
    assert!(validator.is_valid(&good));
    type Breakage = (&'static str, fn(&mut Value));
    let broken: [Breakage; 5] = [
        ("a CVSS vector the FIRST schema refuses", |d| {
            d["vulnerabilities"][0]["scores"][0]["cvss_v3"]["vectorString"] = json!("CVSS:3.1/AV:X")
        }),
        ("a date that is not a date-time", |d| {
            d["document"]["tracking"]["current_release_date"] = json!("yesterday")
        }),
        ("an unknown tracking status", |d| {
            d["document"]["tracking"]["status"] = json!("published")
        }),
        ("an empty title", |d| d["document"]["title"] = json!("")),
        ("an empty list", |d| d["document"]["references"] = json!([])),
    ];
    for (what, breaks) in broken {
        let mut doc = good.clone();
        breaks(&mut doc);
        assert!(!validator.is_valid(&doc), "the validator accepted {what}");
    }
}

fn bsi_example() -> Value {
    let path = conformance().join("examples/bsi-2022-0001.json");
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

#[test]
fn a_malformed_document_is_refused_with_the_path() {
    let mut doc = bsi_example();
    doc["document"]["tracking"]["revision_history"][0]["date"] = json!(5);
    let err = csaf::import(doc.to_string().as_bytes()).unwrap_err();
    assert!(matches!(err, CsafError::Malformed { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.starts_with("document.tracking.revision_history[0].date: invalid type: integer `5`, expected a string"),
        "{text}"
    );

    let mut doc = bsi_example();
    doc["document"]["tracking"]["revision_history"][0]["date"] = json!("17 March 2022");
    assert_eq!(
        csaf::import(doc.to_string().as_bytes())
            .unwrap_err()
            .to_string(),
        "document.tracking.revision_history[0].date: \"17 March 2022\" is not an RFC 3339 date-time \
         such as 2026-11-29T10:15:30Z"
    );

    let mut doc = bsi_example();
    doc["document"].as_object_mut().unwrap().remove("title");
    let text = csaf::import(doc.to_string().as_bytes())
        .unwrap_err()
        .to_string();
    assert!(
        text.starts_with("document: missing field `title`"),
        "{text}"
    );

    let mut doc = bsi_example();
    doc["vulnerabilities"][0]["scores"][0]["cvss_v3"]["baseScore"] = json!("high");
    let text = csaf::import(doc.to_string().as_bytes())
        .unwrap_err()
        .to_string();
    assert!(
        text.starts_with("vulnerabilities[0].scores[0].cvss_v3.baseScore: invalid type: string"),
        "{text}"
    );
}

#[test]
fn what_is_not_csaf_2_0_is_refused() {
    let mut doc = bsi_example();
    doc["document"]["csaf_version"] = json!("2.1");
    assert_eq!(
        csaf::import(doc.to_string().as_bytes())
            .unwrap_err()
            .to_string(),
        "not a CSAF document: csaf_version must be \"2.0\" (it is \"2.1\")"
    );
    assert_eq!(
        csaf::import(br#"{"hello": "world"}"#)
            .unwrap_err()
            .to_string(),
        "not a CSAF document: it has no \"document\" object"
    );
    assert!(
        csaf::import(br#"{"document": {"title": "x"}}"#)
            .unwrap_err()
            .to_string()
            .contains("csaf_version is missing")
    );
    assert!(matches!(
        csaf::import(b"[1, 2]"),
        Err(CsafError::NotCsaf { .. })
    ));
    let err = csaf::import(b"<?xml version=\"1.0\"?><cvrfdoc/>").unwrap_err();
    assert!(matches!(err, CsafError::NotJson { .. }), "{err:?}");
    assert!(
        err.to_string()
            .starts_with("not a JSON document: expected value at line 1 column 1"),
        "{err}"
    );
    assert!(matches!(csaf::import(b""), Err(CsafError::NotJson { .. })));
}

#[test]
fn an_oversized_document_is_refused_before_it_is_read() {
    let mut doc = bsi_example();
    let padding = "x".repeat(2_202_009);
    doc["document"]["notes"] = json!([{ "category": "general", "text": padding }]);
    let bytes = doc.to_string().into_bytes();
    assert!(bytes.len() > MAX_CSAF_BYTES);
    let err = csaf::import(&bytes).unwrap_err();
    assert_eq!(err, CsafError::TooLarge { bytes: bytes.len() });
    assert_eq!(err.to_string(), "the document is 2.2 MB; the limit is 1 MB");
    assert_eq!(
        CsafError::TooLarge { bytes: 2_202_009 }.to_string(),
        "the document is 2.1 MB; the limit is 1 MB"
    );
    assert_eq!(
        CsafError::TooLarge {
            bytes: MAX_CSAF_BYTES + 1
        }
        .to_string(),
        "the document is 1.1 MB; the limit is 1 MB"
    );
    // Exactly at the limit is still read (and here fails for what it is, not for its size).
    let at_limit = vec![b' '; MAX_CSAF_BYTES];
    assert!(matches!(
        csaf::import(&at_limit),
        Err(CsafError::NotJson { .. })
    ));
}

#[test]
fn shared_folder_is_found_relative_to_the_crate() {
    let schema = conformance().join("json_schema/csaf_json_schema.json");
    assert!(schema.is_file(), "{} is missing", schema.display());
    assert!(Path::new(&import_dir()).is_dir());
}

/// Truncated documents and documents with values of the wrong kind give errors, never a panic (a panic
/// would trap the plugin).
#[test]
fn damaged_documents_never_panic() {
    for (name, bytes) in examples() {
        for end in (0..bytes.len()).step_by(89) {
            let _ = csaf::import(&bytes[..end]);
        }
        let doc: Value = serde_json::from_slice(&bytes).unwrap();
        let mut variants = Vec::new();
        retype_all(&doc, &mut 0, &mut variants);
        assert!(!variants.is_empty());
        for variant in variants {
            match csaf::import(variant.to_string().as_bytes()) {
                Ok(a) => assert!(!a.title.is_empty(), "{name}"),
                Err(e) => assert!(!e.to_string().is_empty(), "{name}"),
            }
        }
    }
}

/// Every seventh scalar or container replaced by an object, one at a time.
fn retype_all(doc: &Value, seed: &mut usize, out: &mut Vec<Value>) {
    let mut pointers = Vec::new();
    collect_pointers(doc, String::new(), &mut pointers);
    for pointer in pointers.into_iter().filter(|_| {
        *seed += 1;
        seed.is_multiple_of(7)
    }) {
        let mut variant = doc.clone();
        if let Some(v) = variant.pointer_mut(&pointer) {
            *v = json!({"unexpected": [1, 2]});
        }
        out.push(variant);
    }
}

fn collect_pointers(value: &Value, here: String, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                collect_pointers(
                    v,
                    format!("{here}/{}", k.replace('~', "~0").replace('/', "~1")),
                    out,
                );
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                collect_pointers(v, format!("{here}/{i}"), out);
            }
        }
        _ => {}
    }
    if !here.is_empty() {
        out.push(here);
    }
}
