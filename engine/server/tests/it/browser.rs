//! End to end in a real browser: the `rampart` binary on a fresh SQLite data directory, driven by
//! headless Debian chromium through playwright-core (`e2e/foundation.mjs`). Needs the browser bundle,
//! which `cargo xtask test` builds first.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

fn wait_until_ready(url: &str, server: &mut Server) {
    let deadline = Instant::now() + Duration::from_secs(30);
    let address = url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    while Instant::now() < deadline {
        if let Some(status) = server.0.try_wait().unwrap() {
            panic!("rampart exited before it was ready: {status}");
        }
        if let Ok(mut stream) = std::net::TcpStream::connect(&address) {
            use std::io::{Read, Write};
            let _ = write!(stream, "GET /readyz HTTP/1.0\r\nHost: {address}\r\n\r\n");
            let mut answer = String::new();
            let _ = stream.read_to_string(&mut answer);
            if answer.starts_with("HTTP/1.0 200") || answer.starts_with("HTTP/1.1 200") {
                return;
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("rampart did not become ready at {url} within 30 s");
}

#[test]
fn a_person_sets_up_signs_in_and_the_page_hydrates() {
    let root = workspace_root();
    let site_dir = std::env::var_os("RAMPART_SITE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target/site"));
    assert!(
        site_dir.join("pkg/web_bg.wasm").is_file(),
        "the browser bundle is missing from {}; run `cargo xtask test`, which builds it first",
        site_dir.display()
    );
    assert!(
        root.join("node_modules/playwright-core").is_dir(),
        "playwright-core is missing; run `cargo xtask test`, which installs it with npm ci"
    );
    let data_dir = tempfile::tempdir().unwrap();
    let (port, content_port) = (free_port(), free_port());
    let base_url = format!("http://127.0.0.1:{port}");
    let artifacts = root.join("target/e2e");
    std::fs::create_dir_all(&artifacts).unwrap();
    let log = std::fs::File::create(artifacts.join("server.log")).unwrap();
    let package_zip = artifacts.join("e2e-course.zip");
    crate::support::write_zip(
        &package_zip,
        &[
            ("imsmanifest.xml", crate::cli::MANIFEST),
            (
                "index.html",
                "<!DOCTYPE html><title>Course</title><h1>Hello from the content origin</h1>",
            ),
        ],
    );

    let mut server = Server(
        Command::new(env!("CARGO_BIN_EXE_rampart"))
            .arg("serve")
            .env("RAMPART_DATA_DIR", data_dir.path())
            .env("RAMPART_LISTEN", format!("127.0.0.1:{port}"))
            .env(
                "RAMPART_CONTENT_LISTEN",
                format!("127.0.0.1:{content_port}"),
            )
            .env("RAMPART_PUBLIC_URL", &base_url)
            .env(
                "RAMPART_CONTENT_URL",
                format!("http://localhost:{content_port}"),
            )
            .env("RAMPART_SITE_DIR", &site_dir)
            .env_remove("DATABASE_URL")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start rampart"),
    );
    wait_until_ready(&base_url, &mut server);

    let output = Command::new("node")
        .arg(root.join("e2e/foundation.mjs"))
        .env("RAMPART_URL", &base_url)
        .env("ARTIFACTS_DIR", &artifacts)
        .env("PACKAGE_ZIP", &package_zip)
        .current_dir(&root)
        .output()
        .expect("run node (Node.js must be installed)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{stdout}");
    assert!(
        output.status.success(),
        "browser test failed:\n{stdout}\n{stderr}"
    );
    assert!(
        artifacts.join("dashboard.png").is_file(),
        "the screenshot artefact was written"
    );

    drop(server);
    let server_log = std::fs::read_to_string(artifacts.join("server.log")).unwrap();
    for secret in ["correct horse battery staple", "rampart_session="] {
        assert!(
            !server_log.contains(secret),
            "the server log must not contain {secret:?}"
        );
    }
}
