//! End to end in a real browser: the `rampart` binary on a fresh SQLite data directory, driven by
//! headless Debian chromium through playwright-core (`e2e/*.mjs`). Needs the browser bundle and, for the
//! plugin test, the built plugins (`RAMPART_TEST_PLUGINS`), which `cargo xtask test` builds first.

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

/// The `rampart` binary without the test's own `RAMPART_*` variables or `DATABASE_URL`: `cargo xtask
/// test` sets some for the tests themselves (`RAMPART_TEST_PLUGINS`, `RAMPART_TEST_PLUGIN_TARGET_DIR`), which
/// `rampart` would refuse as unknown configuration keys. Each test passes what it means explicitly.
fn rampart() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_rampart"));
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("RAMPART_") {
            command.env_remove(name);
        }
    }
    command.env_remove("DATABASE_URL");
    command
}

/// `rampart serve` on its own data directory, engine on 127.0.0.1 and content on localhost; it seeds
/// courses from `courses_dir` and installs every `*.wasm` in `plugins_dir` at start-up.
fn serve(
    data_dir: &Path,
    (port, content_port): (u16, u16),
    site_dir: &Path,
    log: std::fs::File,
    (courses_dir, plugins_dir): (&Path, &Path),
) -> Server {
    Server(
        rampart()
            .arg("serve")
            .env("RAMPART_DATA_DIR", data_dir)
            .env("RAMPART_LISTEN", format!("127.0.0.1:{port}"))
            .env(
                "RAMPART_CONTENT_LISTEN",
                format!("127.0.0.1:{content_port}"),
            )
            .env("RAMPART_PUBLIC_URL", format!("http://127.0.0.1:{port}"))
            .env(
                "RAMPART_CONTENT_URL",
                format!("http://localhost:{content_port}"),
            )
            .env("RAMPART_SITE_DIR", site_dir)
            .env("RAMPART_COURSES_DIR", courses_dir)
            .env("RAMPART_PLUGINS_DIR", plugins_dir)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start rampart"),
    )
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

    let mut server = serve(
        data_dir.path(),
        (port, content_port),
        &site_dir,
        log,
        (
            &data_dir.path().join("no-courses"),
            &data_dir.path().join("no-plugins"),
        ),
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

/// A server on a fresh SQLite data directory with a platform admin, the Leeds Trust and its learner Lena
/// (all seeded through the CLI, as an operator would), plus what its [`Setup`] asks for.
struct LearnerServer {
    base_url: String,
    log: PathBuf,
    _server: Server,
    _data_dir: tempfile::TempDir,
}

const LEARNER_PASSWORD: &str = "correct horse battery staple";

/// What a [`learner_server`] has besides its admin, Leeds and Lena.
#[derive(Default)]
struct Setup<'a> {
    /// A package imported for Leeds.
    package_zip: Option<&'a Path>,
    /// A courses folder seeded on first run.
    courses_dir: Option<&'a Path>,
    /// The folder the server installs plugins from at start-up.
    plugins_dir: Option<&'a Path>,
    /// Leeds' organisation admin Olu (`olu@leeds.example`).
    org_admin: bool,
    /// Leeds' security lead Sam (`sam@leeds.example`).
    security_lead: bool,
    /// The national CERT's analyst Cat (`cat@cert.example`), who belongs to no organisation.
    cert_analyst: bool,
    /// An LMS registered for Leeds before the server starts (the LMS of `e2e/lti-iframe.mjs`).
    lti_platform: Option<&'a IframePlatform>,
}

fn learner_server(name: &str, setup: Setup<'_>) -> LearnerServer {
    let root = workspace_root();
    let site_dir = std::env::var_os("RAMPART_SITE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target/site"));
    for file in ["pkg/web_bg.wasm", "pkg/runtime_bg.wasm"] {
        assert!(
            site_dir.join(file).is_file(),
            "{file} is missing from {}; run `cargo xtask test`, which builds it first",
            site_dir.display()
        );
    }
    let data_dir = tempfile::tempdir().unwrap();
    let (port, content_port) = (free_port(), free_port());
    let base_url = format!("http://127.0.0.1:{port}");
    let cli = |args: &[&str], stdin: Option<&str>| {
        use std::io::Write;
        let mut child = rampart()
            .args(args)
            .env("RAMPART_DATA_DIR", data_dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run rampart");
        if let Some(input) = stdin {
            writeln!(child.stdin.take().unwrap(), "{input}").unwrap();
        }
        let output = child.wait_with_output().unwrap();
        assert!(
            output.status.success(),
            "rampart {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    };
    cli(&["migrate"], None);
    cli(
        &[
            "user",
            "create",
            "--email",
            "ada@nhs.example",
            "--name",
            "Ada Admin",
            "--role",
            "platform_admin",
        ],
        Some(LEARNER_PASSWORD),
    );
    cli(
        &["org", "create", "Leeds Trust", "--kind", "acute_trust"],
        None,
    );
    cli(
        &[
            "user",
            "create",
            "--email",
            "lena@leeds.example",
            "--name",
            "Lena Learner",
            "--org",
            "leeds-trust",
        ],
        Some(LEARNER_PASSWORD),
    );
    if setup.org_admin {
        cli(
            &[
                "user",
                "create",
                "--email",
                "olu@leeds.example",
                "--name",
                "Olu Okafor",
                "--org",
                "leeds-trust",
                "--role",
                "org_admin",
            ],
            Some(LEARNER_PASSWORD),
        );
    }
    if setup.security_lead {
        cli(
            &[
                "user",
                "create",
                "--email",
                "sam@leeds.example",
                "--name",
                "Sam Lead",
                "--org",
                "leeds-trust",
                "--role",
                "security_lead",
            ],
            Some(LEARNER_PASSWORD),
        );
    }
    if setup.cert_analyst {
        cli(
            &[
                "user",
                "create",
                "--email",
                "cat@cert.example",
                "--name",
                "Cat Analyst",
                "--role",
                "cert_analyst",
            ],
            Some(LEARNER_PASSWORD),
        );
    }
    if let Some(zip) = setup.package_zip {
        cli(
            &[
                "package",
                "import",
                zip.to_str().unwrap(),
                "--org",
                "leeds-trust",
            ],
            None,
        );
    }
    if let Some(platform) = setup.lti_platform {
        register_iframe_platform(data_dir.path(), platform);
    }
    let artifacts = root.join("target/e2e");
    std::fs::create_dir_all(&artifacts).unwrap();
    let log_path = artifacts.join(format!("{name}-server.log"));
    let log = std::fs::File::create(&log_path).unwrap();
    let (no_courses, no_plugins) = (
        data_dir.path().join("no-courses"),
        data_dir.path().join("no-plugins"),
    );
    let mut server = serve(
        data_dir.path(),
        (port, content_port),
        &site_dir,
        log,
        (
            setup.courses_dir.unwrap_or(&no_courses),
            setup.plugins_dir.unwrap_or(&no_plugins),
        ),
    );
    wait_until_ready(&base_url, &mut server);
    LearnerServer {
        base_url,
        log: log_path,
        _server: server,
        _data_dir: data_dir,
    }
}

/// Runs one `e2e/*.mjs` script against `server` and checks the server log kept the password out.
fn run_browser_script(script: &str, server: &LearnerServer) {
    run_browser_script_with(script, server, &[]);
}

/// [`run_browser_script`] with more environment for the script.
fn run_browser_script_with(script: &str, server: &LearnerServer, env: &[(&str, String)]) {
    let root = workspace_root();
    let output = Command::new("node")
        .arg(root.join("e2e").join(script))
        .envs(env.iter().map(|(name, value)| (name, value)))
        .env("RAMPART_URL", &server.base_url)
        .env("ARTIFACTS_DIR", root.join("target/e2e"))
        .env("LEARNER_EMAIL", "lena@leeds.example")
        .env("ORG_ADMIN_EMAIL", "olu@leeds.example")
        .env("SECURITY_LEAD_EMAIL", "sam@leeds.example")
        .env("CERT_ANALYST_EMAIL", "cat@cert.example")
        .current_dir(&root)
        .output()
        .expect("run node (Node.js must be installed)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{stdout}");
    assert!(
        output.status.success(),
        "{script} failed:\n{stdout}\n{stderr}"
    );
    let server_log = std::fs::read_to_string(&server.log).unwrap();
    assert!(
        !server_log.contains(LEARNER_PASSWORD),
        "the server log must not contain the password"
    );
}

/// The two-part SCORM 2004 course of `e2e/fixtures/player-course`, zipped as an LMS would receive it.
fn player_course_zip() -> PathBuf {
    let root = workspace_root();
    let fixture = root.join("e2e/fixtures/player-course");
    let mut files: Vec<(String, String)> = std::fs::read_dir(&fixture)
        .unwrap()
        .map(|entry| {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&path).unwrap())
        })
        .collect();
    files.sort();
    let borrowed: Vec<(&str, &str)> = files
        .iter()
        .map(|(name, body)| (name.as_str(), body.as_str()))
        .collect();
    let artifacts = root.join("target/e2e");
    std::fs::create_dir_all(&artifacts).unwrap();
    let package_zip = artifacts.join("player-course.zip");
    crate::support::write_zip(&package_zip, &borrowed);
    package_zip
}

/// A learner takes a two-part SCORM 2004 course in the player; closing the tab mid-session loses nothing.
#[test]
fn a_learner_closes_the_tab_mid_session_and_resumes_where_they_were() {
    let package_zip = player_course_zip();
    let server = learner_server(
        "player",
        Setup {
            package_zip: Some(&package_zip),
            ..Setup::default()
        },
    );
    run_browser_script("player.mjs", &server);
}

/// The LMS that `e2e/lti-iframe.mjs` plays, on 127.0.0.2 (another site than Rampart's 127.0.0.1, so
/// Rampart's frame in its page is third party). The script makes a new RSA key each run and serves it at
/// `jwks_url`.
#[derive(Debug)]
struct IframePlatform {
    /// `http://127.0.0.2:<port>`: the `iss` of its id_tokens.
    issuer: String,
    port: u16,
    client_id: &'static str,
    deployment_id: &'static str,
    /// Its OIDC authorisation endpoint, `<issuer>/auth`.
    auth_endpoint: String,
    /// `<issuer>/token`. The script serves no token endpoint (its launches carry no AGS or NRPS claim).
    token_endpoint: String,
    /// `<issuer>/jwks.json`.
    jwks_url: String,
    /// The organisation it is registered for (the player course is imported for it too).
    organisation: &'static str,
    /// Sent as the custom parameter `rampart_course` (the fixture manifest's identifier), which binds
    /// the resource link `rl-iframe-1` to the player course on its first launch.
    course: &'static str,
}

impl IframePlatform {
    fn on_free_port() -> IframePlatform {
        let port = TcpListener::bind("127.0.0.2:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port on 127.0.0.2 (Linux answers the whole of 127.0.0.0/8)")
            .port();
        let issuer = format!("http://127.0.0.2:{port}");
        IframePlatform {
            auth_endpoint: format!("{issuer}/auth"),
            token_endpoint: format!("{issuer}/token"),
            jwks_url: format!("{issuer}/jwks.json"),
            issuer,
            port,
            client_id: "iframe-client",
            deployment_id: "iframe-deployment",
            organisation: "leeds-trust",
            course: "rampart.e2e.cyber-basics",
        }
    }
}

/// Registers the script's LMS for Leeds as an operator would (`rampart lti platform add`), after the
/// command-line seeding and before `rampart serve` starts, which reads who may frame its LTI pages. The
/// JWKS is fetched at launch: the script makes a new key every run. The resource link is bound by the
/// launch's custom `rampart_course`.
fn register_iframe_platform(data_dir: &Path, platform: &IframePlatform) {
    let output = Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args([
            "lti",
            "platform",
            "add",
            "--org",
            platform.organisation,
            "--name",
            "Example LMS (e2e)",
            "--issuer",
            &platform.issuer,
            "--client-id",
            platform.client_id,
            "--auth-endpoint",
            &platform.auth_endpoint,
            "--token-endpoint",
            &platform.token_endpoint,
            "--jwks-url",
            &platform.jwks_url,
            "--deployment",
            platform.deployment_id,
        ])
        .env("RAMPART_DATA_DIR", data_dir)
        .env("RAMPART_LOG", "warn")
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "rampart lti platform add: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// An LMS frames Rampart with third-party cookies blocked (chromium, proven by a cookie probe first). With
/// the LMS's postMessage storage the launch binds through it, the player runs on its launch-bound token
/// and the SCO's progress is saved with no session cookie; without it the frame offers a new window (4xx).
/// axe-core on the player in the frame and on the refusal.
///
/// CSP `frame-ancestors` is checked against every ancestor, so this also proves the content origin (the
/// launcher and the course files) lets the registered LMS frame it; it once did not, and the player
/// never reached `data-state="running"`.
#[test]
fn an_lms_frames_a_launch_with_third_party_cookies_blocked() {
    let package_zip = player_course_zip();
    let platform = IframePlatform::on_free_port();
    let server = learner_server(
        "lti-iframe",
        Setup {
            package_zip: Some(&package_zip),
            lti_platform: Some(&platform),
            ..Setup::default()
        },
    );
    run_browser_script_with(
        "lti-iframe.mjs",
        &server,
        &[
            ("PLATFORM_PORT", platform.port.to_string()),
            ("LTI_CLIENT_ID", platform.client_id.to_owned()),
            ("LTI_DEPLOYMENT_ID", platform.deployment_id.to_owned()),
            ("LTI_COURSE", platform.course.to_owned()),
        ],
    );
    let server_log = std::fs::read_to_string(&server.log).unwrap();
    assert!(
        !server_log.contains("lt1."),
        "the launch-bound token must never reach the server log"
    );
}

/// A learner takes a real module from `courses/` (seeded on first run) through the player: a knowledge
/// check, a failed assessment with a retry, then a pass recorded with its score.
#[test]
fn a_learner_fails_then_passes_a_cyber_basics_module() {
    let courses = workspace_root().join("courses");
    let server = learner_server(
        "course",
        Setup {
            courses_dir: Some(&courses),
            ..Setup::default()
        },
    );
    run_browser_script("course.mjs", &server);
}

/// The bundled Hello plugin, installed at start-up: Leeds' organisation admin turns it on and grants what
/// it asks for, then Lena uses its page (a form checked by the host, a sortable table, a CSV download)
/// and its JSON route, with axe-core on both pages.
#[test]
fn an_admin_turns_a_plugin_on_and_a_learner_uses_its_page() {
    let plugins_dir = plugins_dir_with(&["hello"]);
    let server = learner_server(
        "plugins",
        Setup {
            plugins_dir: Some(plugins_dir.path()),
            org_admin: true,
            ..Setup::default()
        },
    );
    run_browser_script("plugins.mjs", &server);
}

/// A folder for the server to install plugins from at start-up, holding the named built plugins
/// (`<name>.wasm` from `RAMPART_TEST_PLUGINS`, or the default `build-plugins` output).
fn plugins_dir_with(names: &[&str]) -> tempfile::TempDir {
    let built = std::env::var_os("RAMPART_TEST_PLUGINS")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target/plugins/wasm32-wasip2/release"));
    let plugins_dir = tempfile::tempdir().unwrap();
    for name in names {
        let wasm = built.join(format!("{name}.wasm"));
        assert!(
            wasm.is_file(),
            "{} is missing; run `cargo xtask test` (or `cargo xtask build-plugins`), which builds it first",
            wasm.display()
        );
        std::fs::copy(&wasm, plugins_dir.path().join(format!("{name}.wasm"))).unwrap();
    }
    plugins_dir
}

/// The bundled Broadcasts plugin, installed at start-up: Leeds' organisation admin turns it on with every
/// capability it asks for; the national CERT's analyst writes, previews and publishes a critical
/// advisory to acute trusts; Leeds' security lead finds it in the inbox, acknowledges it, is refused an
/// incomplete response and then sends a complete one; the CERT sees Leeds as responded. axe-core on the
/// CERT's form, the inbox and the advisory, and phone-width checks.
#[test]
fn a_security_lead_acknowledges_and_answers_an_advisory() {
    let plugins_dir = plugins_dir_with(&["broadcasts"]);
    let server = learner_server(
        "broadcasts",
        Setup {
            plugins_dir: Some(plugins_dir.path()),
            org_admin: true,
            security_lead: true,
            cert_analyst: true,
            ..Setup::default()
        },
    );
    run_browser_script("broadcasts.mjs", &server);
}
