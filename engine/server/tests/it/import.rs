//! Package import into the blob store and the database, on both backends.

use package::Limits;
use server::import::{BlobStore, ImportError, ImportRequest, InProgress, import_package};
use store::Store;

use crate::support::{test_state, write_zip};

store::contract_tests!(
    import_stores_files_once_and_versions_packages,
    a_refused_import_leaves_nothing_behind,
    the_content_origin_serves_package_files_by_signed_path,
    new_versions_keep_registrations_and_pin_or_move_attempts_as_asked,
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
        in_progress: InProgress::FinishOnTheirVersion,
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

async fn the_content_origin_serves_package_files_by_signed_path(store: &Store) {
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use tower::ServiceExt;

    let (state, clock) = test_state(store, "http://127.0.0.1:3000");
    let dir = tempfile::tempdir().unwrap();
    let zip = dir.path().join("m1.zip");
    let script = "x".repeat(1000);
    write_zip(
        &zip,
        &[
            ("imsmanifest.xml", MANIFEST_2004),
            ("course/one.html", "<p>one</p>"),
            ("course/two.html", "<p>two</p>"),
            ("course/shared.js", &script),
        ],
    );
    let imported = import_package(store, &state.blobs, request(&zip), 100)
        .await
        .unwrap();
    let version = imported.version.id;
    let token = state.content_tokens.issue(version, 1, 3600);
    let router = server::content_router(state.clone());
    let get = |path: String, range: Option<&str>| {
        let mut builder = Request::get(path).header("cookie", "rampart_session=ignored");
        if let Some(range) = range {
            builder = builder.header("range", range);
        }
        router.clone().oneshot(builder.body(Body::empty()).unwrap())
    };

    let page = get(format!("/content/{token}/{version}/course/one.html"), None)
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(page.headers()["content-type"], "text/html");
    assert_eq!(page.headers()["x-content-type-options"], "nosniff");
    assert_eq!(
        page.headers()["content-security-policy"],
        "frame-ancestors 'self' http://127.0.0.1:3000",
        "the SCO launcher (same origin) and the player frame content"
    );
    assert!(page.headers().get("set-cookie").is_none());
    let body = axum::body::to_bytes(page.into_body(), 1 << 20)
        .await
        .unwrap();
    assert_eq!(&body[..], b"<p>one</p>");

    let partial = get(
        format!("/content/{token}/{version}/course/shared.js"),
        Some("bytes=0-9"),
    )
    .await
    .unwrap();
    assert_eq!(
        partial.status(),
        StatusCode::PARTIAL_CONTENT,
        "range requests work for media"
    );
    assert_eq!(partial.headers()["content-type"], "text/javascript");

    let missing = get(format!("/content/{token}/{version}/course/nope.html"), None)
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    let traversal = get(format!("/content/{token}/{version}/../../secret.key"), None)
        .await
        .unwrap();
    assert_ne!(traversal.status(), StatusCode::OK);
    let forged = get(
        format!(
            "/content/{}/{version}/course/one.html",
            token.replace('-', "0")
        ),
        None,
    )
    .await
    .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let other_version = get(
        format!("/content/{token}/{}/course/one.html", version + 1),
        None,
    )
    .await
    .unwrap();
    assert_eq!(other_version.status(), StatusCode::FORBIDDEN);
    let engine_page = get("/dashboard".to_owned(), None).await.unwrap();
    assert_eq!(engine_page.status(), StatusCode::NOT_FOUND);

    clock.advance(3601);
    let expired = get(format!("/content/{token}/{version}/course/one.html"), None)
        .await
        .unwrap();
    assert_eq!(expired.status(), StatusCode::FORBIDDEN);
}

async fn new_versions_keep_registrations_and_pin_or_move_attempts_as_asked(store: &Store) {
    let dir = tempfile::tempdir().unwrap();
    let blobs = BlobStore::new(&dir.path().join("content"));
    let zip = dir.path().join("m1.zip");
    write_zip(
        &zip,
        &[
            ("imsmanifest.xml", MANIFEST_2004),
            ("course/one.html", "1"),
            ("course/two.html", "2"),
            ("course/shared.js", "//"),
        ],
    );
    let v1 = import_package(store, &blobs, request(&zip), 100)
        .await
        .unwrap()
        .version;
    let learner = store
        .create_user(
            &store::NewUser {
                organisation_id: None,
                email: "l@nhs.example".into(),
                display_name: "L".into(),
                password_hash: None,
                roles: vec!["cert_analyst".into()],
            },
            100,
        )
        .await
        .unwrap();
    let registration = store
        .register(v1.package_id, learner.id, 101)
        .await
        .unwrap();
    let attempt = store
        .start_attempt(registration.id, v1.id, 102)
        .await
        .unwrap();
    assert_eq!(
        (attempt.number, attempt.status.as_str()),
        (1, "in_progress")
    );

    // Default: the learner finishes on the version they started.
    let v2 = import_package(store, &blobs, request(&zip), 200)
        .await
        .unwrap();
    assert_eq!(v2.n_moved_attempts, 0);
    assert_eq!(
        store
            .register(v1.package_id, learner.id, 201)
            .await
            .unwrap(),
        registration,
        "the registration is kept"
    );
    assert_eq!(
        store.attempts(registration.id).await.unwrap()[0].version_id,
        v1.id
    );
    assert_eq!(
        store.in_progress_by_version(v1.package_id).await.unwrap(),
        [(v1.id, 1)]
    );

    // Asked to move: in-progress attempts continue on the newest version.
    let mut moving = request(&zip);
    moving.in_progress = InProgress::MoveToNewVersion;
    let v3 = import_package(store, &blobs, moving, 300).await.unwrap();
    assert_eq!(v3.n_moved_attempts, 1);
    assert_eq!(
        store.attempts(registration.id).await.unwrap()[0].version_id,
        v3.version.id
    );
    let next = store
        .start_attempt(registration.id, v3.version.id, 301)
        .await
        .unwrap();
    assert_eq!(next.number, 2);
}
