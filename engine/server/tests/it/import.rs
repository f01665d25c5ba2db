//! Package import into the blob store and the database, on both backends.

use package::Limits;
use server::import::{BlobStore, ImportError, ImportRequest, import_package};
use store::Store;

use crate::support::write_zip;

store::contract_tests!(
    import_stores_files_once_and_versions_packages,
    a_refused_import_leaves_nothing_behind
);

const MANIFEST_2004: &str = r#"<manifest identifier="com.example.m1" xml:base="course/"
    xmlns="http://www.imsglobal.org/xsd/imscp_v1p1" xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3">
  <metadata><schema>ADL SCORM</schema><schemaversion>2004 4th Edition</schemaversion></metadata>
  <organizations default="O"><organization identifier="O"><title>Phishing</title>
    <item identifier="I1" identifierref="R1"><title>One</title></item>
    <item identifier="I2" identifierref="R2"><title>Two</title></item>
  </organization></organizations>
  <resources>
    <resource identifier="R1" type="webcontent" adlcp:scormType="sco" href="one.html"><file href="one.html"/><file href="shared.js"/></resource>
    <resource identifier="R2" type="webcontent" adlcp:scormType="sco" href="two.html"><file href="two.html"/><file href="shared.js"/></resource>
  </resources>
</manifest>"#;

fn blobs_on_disk(root: &std::path::Path) -> usize {
    let blobs = root.join("blobs");
    if !blobs.exists() {
        return 0;
    }
    std::fs::read_dir(blobs)
        .unwrap()
        .map(|d| std::fs::read_dir(d.unwrap().path()).unwrap().count())
        .sum()
}

fn request(zip: &std::path::Path) -> ImportRequest<'_> {
    ImportRequest {
        zip,
        organisation_id: None,
        created_by: None,
        limits: Limits::default(),
    }
}

async fn import_stores_files_once_and_versions_packages(store: &Store) {
    let dir = tempfile::tempdir().unwrap();
    let blobs = BlobStore::new(&dir.path().join("content"));
    let zip = dir.path().join("m1.zip");
    // one.html and two.html have the same bytes: stored once.
    write_zip(
        &zip,
        &[
            ("imsmanifest.xml", MANIFEST_2004),
            ("course/one.html", "<p>same</p>"),
            ("course/two.html", "<p>same</p>"),
            ("course/shared.js", "//"),
        ],
    );
    let first = import_package(store, &blobs, request(&zip), 100)
        .await
        .unwrap();
    assert_eq!(first.version.version_no, 1);
    assert_eq!(first.version.title, "Phishing");
    assert_eq!(first.version.standard, "SCORM 2004 4th Edition");
    assert_eq!(
        first.version.launch_path.as_deref(),
        Some("course/one.html")
    );
    assert_eq!(first.version.n_files, 4);
    assert_eq!(first.n_new_blobs, 3, "identical files share one blob");
    assert_eq!(blobs_on_disk(&dir.path().join("content")), 3);

    let file = store
        .package_file(first.version.id, "course/two.html")
        .await
        .unwrap();
    let stored = std::fs::read_to_string(blobs.path(&file.sha256)).unwrap();
    assert_eq!(stored, "<p>same</p>");

    let second = import_package(store, &blobs, request(&zip), 200)
        .await
        .unwrap();
    assert_eq!(second.version.version_no, 2);
    assert_eq!(
        second.version.package_id, first.version.package_id,
        "same identifier: a new version"
    );
    assert_eq!(second.n_new_blobs, 0);
    assert_eq!(blobs_on_disk(&dir.path().join("content")), 3);
    let listed = store.list_packages(None).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].version_no, 2);
    assert_eq!(
        std::fs::read_dir(dir.path().join("content/tmp"))
            .unwrap()
            .count(),
        0,
        "no temporary files left"
    );
}

async fn a_refused_import_leaves_nothing_behind(store: &Store) {
    let dir = tempfile::tempdir().unwrap();
    let blobs = BlobStore::new(&dir.path().join("content"));
    let zip = dir.path().join("bad.zip");
    write_zip(
        &zip,
        &[
            (
                "imsmanifest.xml",
                &MANIFEST_2004.replace("identifierref=\"R2\"", "identifierref=\"R3\""),
            ),
            ("course/one.html", "x"),
        ],
    );
    match import_package(store, &blobs, request(&zip), 100).await {
        Err(ImportError::Invalid(report)) => {
            assert!(
                report
                    .errors()
                    .any(|d| d.message.contains("item I2 references resource R3"))
            );
        }
        Err(other) => panic!("expected an invalid package, got {other}"),
        Ok(_) => panic!("an invalid package must not import"),
    }
    assert!(store.list_packages(None).await.unwrap().is_empty());
    assert_eq!(blobs_on_disk(&dir.path().join("content")), 0);
}
