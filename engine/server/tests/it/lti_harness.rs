//! The LTI conformance harness (`../shared/lti-harness/harness.py`): an LMS ("platform") written in
//! Python on separately written LTI libraries, which launches a tool over HTTP and checks what it does.
//! `cargo xtask test` makes its venv and exports where it is; tests start one subcommand at a time:
//!
//! ```ignore
//! let platform = HarnessPlatform::new();           // its own free port and key folder
//! // ... register platform.issuer(), CLIENT_ID, DEPLOYMENT_ID, platform.jwks_url() in Rampart ...
//! let mut run = platform.start("lti13", &["--tool-base", &base_url]);
//! run.wait_for_line("valid launch: tool accepts", Duration::from_secs(60)).await;
//! run.finish(Duration::from_secs(300)).await.assert_passed(&["AGS score"]);
//! ```
//!
//! Every check prints one line (`[PASS]`, `[FAIL]`, `[SKIP]`, `[INFO]`) and the last line is
//! `N passed, N failed[, N skipped]`; the exit code is 1 when a check failed.

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::{Child, Command};
use tokio::task::JoinHandle;

/// `harness.py`, set by `cargo xtask test`. `RAMPART_TEST_*` because `rampart` refuses any other
/// `RAMPART_*` variable it does not know, and some tests start it with the test's environment.
pub const HARNESS_ENV: &str = "RAMPART_TEST_LTI_HARNESS";
/// The Python of the harness's venv (`<target>/lti-harness-venv/bin/python`), set by `cargo xtask test`.
pub const PYTHON_ENV: &str = "RAMPART_TEST_LTI_HARNESS_PYTHON";

/// The harness platform's defaults (`harness.py platform-info`), which the tests keep.
pub const CLIENT_ID: &str = "harness-client";
pub const DEPLOYMENT_ID: &str = "harness-deployment-1";

/// `(harness.py, python)` from the environment `cargo xtask test` sets, if it is set.
pub fn harness_available() -> Option<(PathBuf, PathBuf)> {
    let script = std::env::var_os(HARNESS_ENV)?;
    let python = std::env::var_os(PYTHON_ENV)?;
    Some((PathBuf::from(script), PathBuf::from(python)))
}

/// `(harness.py, python)`, or a test failure saying how to get them: LTI tests never skip.
pub fn harness() -> (PathBuf, PathBuf) {
    let Some((script, python)) = harness_available() else {
        panic!(
            "the LTI harness is not set up: {HARNESS_ENV} and {PYTHON_ENV} are missing. Run `cargo xtask \
             test`, which makes the harness's Python venv and sets them (for a plain `cargo test`, run \
             `eval \"$(cargo xtask lti-harness)\"` first)"
        );
    };
    assert!(
        script.is_file(),
        "{HARNESS_ENV} names {}, which is not a file; run `cargo xtask test`",
        script.display()
    );
    assert!(
        python.is_file(),
        "{PYTHON_ENV} names {}, which is not a file; run `cargo xtask test`",
        python.display()
    );
    (script, python)
}

/// One harness platform: a free port on 127.0.0.1 (its issuer is `http://127.0.0.1:<port>`) and its own
/// state folder, which keeps its RSA key (and so its `kid`) for every subcommand run on it.
pub struct HarnessPlatform {
    script: PathBuf,
    python: PathBuf,
    port: u16,
    state_dir: tempfile::TempDir,
}

impl HarnessPlatform {
    pub fn new() -> Self {
        let (script, python) = harness();
        let port = free_port_below_ephemeral_range();
        HarnessPlatform {
            script,
            python,
            port,
            state_dir: tempfile::tempdir().unwrap(),
        }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The platform's `iss`.
    pub fn issuer(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The OIDC authorisation endpoint the tool sends the browser to.
    pub fn auth_url(&self) -> String {
        format!("{}/auth", self.issuer())
    }

    /// The platform's JWKS (the key that signs its id_tokens).
    pub fn jwks_url(&self) -> String {
        format!("{}/jwks.json", self.issuer())
    }

    /// The OAuth2 token endpoint, also the `aud` of the tool's client assertion.
    pub fn token_url(&self) -> String {
        format!("{}/token", self.issuer())
    }

    /// Starts `harness.py <subcommand> --state-dir <dir> --platform-port <port> <args>`; its output
    /// is collected line by line while it runs.
    pub fn start(&self, subcommand: &str, args: &[&str]) -> RunningHarness {
        let mut command = Command::new(&self.python);
        command
            .arg(&self.script)
            .arg(subcommand)
            .arg("--state-dir")
            .arg(self.state_dir.path())
            .arg("--platform-port")
            .arg(self.port.to_string())
            .args(args)
            // Line by line as it happens, not in blocks when the pipe's buffer fills.
            .env("PYTHONUNBUFFERED", "1")
            .current_dir(self.state_dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let description = format!("harness.py {subcommand} {}", args.join(" "));
        let mut child = command
            .spawn()
            .unwrap_or_else(|error| panic!("could not start {description}: {error}"));
        let lines = Arc::new(Mutex::new(Vec::new()));
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let readers = vec![
            collect_lines(child.stdout.take().unwrap(), lines.clone()),
            collect_lines(child.stderr.take().unwrap(), stderr.clone()),
        ];
        RunningHarness {
            description,
            child,
            lines,
            stderr,
            readers,
        }
    }

    /// Runs a subcommand to the end (killed after `timeout`).
    pub async fn run(&self, subcommand: &str, args: &[&str], timeout: Duration) -> HarnessRun {
        self.start(subcommand, args).finish(timeout).await
    }

    /// `platform-info`: the values a tool is configured with, including the platform's JWKS (which
    /// stays the same for every run on this platform).
    pub async fn info(&self) -> serde_json::Value {
        let run = self
            .run("platform-info", &[], Duration::from_secs(60))
            .await;
        run.assert_passed(&[]);
        // The JSON document comes first, then the check lines.
        let json: Vec<&str> = run
            .lines
            .iter()
            .map(String::as_str)
            .take_while(|line| !line.starts_with('['))
            .collect();
        serde_json::from_str(&json.join("\n"))
            .unwrap_or_else(|error| panic!("platform-info printed no JSON ({error}):\n{run}"))
    }
}

/// A port that is free now, bound and dropped: the harness binds it again when a subcommand starts its
/// platform server. Taken below Linux's ephemeral range (32768+), so that between the drop and the
/// harness's bind no outgoing connection (the tool's own calls, say) can be handed the same port.
fn free_port_below_ephemeral_range() -> u16 {
    use rand::Rng;
    let mut rng = rand::thread_rng();
    for _ in 0..200 {
        let port = rng.gen_range(20_000..32_000);
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    panic!("no free port for the harness platform between 20000 and 32000");
}

fn collect_lines(
    stream: impl AsyncRead + Unpin + Send + 'static,
    into: Arc<Mutex<Vec<String>>>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut lines = BufReader::new(stream).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            into.lock().unwrap().push(line);
        }
    })
}

/// A harness subcommand while it runs.
pub struct RunningHarness {
    description: String,
    child: Child,
    lines: Arc<Mutex<Vec<String>>>,
    stderr: Arc<Mutex<Vec<String>>>,
    readers: Vec<JoinHandle<()>>,
}

impl RunningHarness {
    /// What it has printed so far.
    pub fn lines(&self) -> Vec<String> {
        self.lines.lock().unwrap().clone()
    }

    /// Waits until a printed line contains `needle` and returns it. Fails with the output so far when
    /// the harness ends first or `timeout` passes.
    pub async fn wait_for_line(&mut self, needle: &str, timeout: Duration) -> String {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let found = |lines: &Arc<Mutex<Vec<String>>>| {
                lines
                    .lock()
                    .unwrap()
                    .iter()
                    .find(|line| line.contains(needle))
                    .cloned()
            };
            if let Some(line) = found(&self.lines) {
                return line;
            }
            let exited = self.child.try_wait().unwrap().is_some();
            if exited {
                // Read what is left in the pipes before deciding.
                for reader in self.readers.drain(..) {
                    let _ = reader.await;
                }
                if let Some(line) = found(&self.lines) {
                    return line;
                }
            }
            if exited || tokio::time::Instant::now() >= deadline {
                let why = if exited { "ended" } else { "is still running" };
                panic!(
                    "{} {why} without printing a line containing {needle:?}:\n{}",
                    self.description,
                    output_text(&self.lines(), &self.stderr.lock().unwrap())
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits for the end (killing it after `timeout`, which fails the test) and parses the output.
    pub async fn finish(mut self, timeout: Duration) -> HarnessRun {
        let status = match tokio::time::timeout(timeout, self.child.wait()).await {
            Ok(status) => status.expect("waiting for the harness"),
            Err(_) => {
                let _ = self.child.kill().await;
                panic!(
                    "{} did not finish within {timeout:?}; output so far:\n{}",
                    self.description,
                    output_text(&self.lines(), &self.stderr.lock().unwrap())
                );
            }
        };
        for reader in self.readers.drain(..) {
            let _ = reader.await;
        }
        let lines = std::mem::take(&mut *self.lines.lock().unwrap());
        let stderr = std::mem::take(&mut *self.stderr.lock().unwrap());
        HarnessRun::parse(&self.description, lines, stderr, status.code())
    }
}

/// A finished harness run.
#[derive(Debug)]
pub struct HarnessRun {
    /// `harness.py <subcommand> <args>`, for messages.
    pub description: String,
    /// Everything it printed on stdout, line by line.
    pub lines: Vec<String>,
    /// Its stderr (Python tracebacks, if any).
    pub stderr: Vec<String>,
    /// The counts of the summary line; all 0 when there was none.
    pub passed: usize,
    pub failed: usize,
    pub skipped: usize,
    /// The summary line `N passed, N failed[, N skipped]`, if the last line was one.
    pub summary: Option<String>,
    /// `None` when it was ended by a signal.
    pub exit_code: Option<i32>,
}

impl HarnessRun {
    pub fn parse(
        description: &str,
        lines: Vec<String>,
        stderr: Vec<String>,
        exit_code: Option<i32>,
    ) -> HarnessRun {
        let last = lines.iter().rev().find(|line| !line.trim().is_empty());
        let counts = last.and_then(|line| parse_summary(line));
        let (passed, failed, skipped) = counts.unwrap_or((0, 0, 0));
        HarnessRun {
            description: description.to_owned(),
            summary: counts.and(last.cloned()),
            lines,
            stderr,
            passed,
            failed,
            skipped,
            exit_code,
        }
    }

    /// The names of the checks that printed `tag` (`"FAIL"`, `"SKIP"`, `"PASS"`): the text between the
    /// tag and ` -- ` (where the detail starts).
    pub fn checks(&self, tag: &str) -> Vec<&str> {
        let prefix = format!("[{tag}] ");
        self.lines
            .iter()
            .filter_map(|line| line.strip_prefix(&prefix))
            .map(|rest| rest.split_once(" -- ").map_or(rest, |(name, _)| name))
            .collect()
    }

    /// Fails the test, with the whole output, unless every check passed: no `[FAIL]` line, exit code 0,
    /// a summary line with no failures and at least one pass, and every `[SKIP]` named in
    /// `allowed_skips` (a check is allowed when its name starts with one of them).
    pub fn assert_passed(&self, allowed_skips: &[&str]) {
        let mut problems = Vec::new();
        for name in self.checks("FAIL") {
            problems.push(format!("failed: {name}"));
        }
        for name in self.checks("SKIP") {
            if !allowed_skips
                .iter()
                .any(|allowed| name.starts_with(allowed))
            {
                problems.push(format!("skipped, and not allowed to be: {name}"));
            }
        }
        match &self.summary {
            None => problems.push("no summary line (`N passed, N failed`) at the end".to_owned()),
            Some(_) if self.failed > 0 => {
                problems.push(format!("the summary counts {} failed", self.failed))
            }
            Some(_) if self.passed == 0 => problems.push("no check passed".to_owned()),
            Some(_) => {}
        }
        if self.exit_code != Some(0) {
            problems.push(format!("exit code {:?}", self.exit_code));
        }
        if !problems.is_empty() {
            panic!(
                "{} did not pass:\n  - {}\n{self}",
                self.description,
                problems.join("\n  - ")
            );
        }
    }
}

impl std::fmt::Display for HarnessRun {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", output_text(&self.lines, &self.stderr))
    }
}

fn output_text(lines: &[String], stderr: &[String]) -> String {
    let mut text = format!("--- harness output ---\n{}\n", lines.join("\n"));
    if !stderr.is_empty() {
        text.push_str(&format!("--- harness stderr ---\n{}\n", stderr.join("\n")));
    }
    text
}

/// `3 passed, 1 failed` or `3 passed, 1 failed, 2 skipped`.
fn parse_summary(line: &str) -> Option<(usize, usize, usize)> {
    let mut parts = line.trim().split(", ");
    let mut count =
        |word: &str| -> Option<usize> { parts.next()?.strip_suffix(word)?.trim_end().parse().ok() };
    let passed = count("passed")?;
    let failed = count("failed")?;
    let skipped = match parts.next() {
        None => 0,
        Some(part) => part.strip_suffix("skipped")?.trim_end().parse().ok()?,
    };
    Some((passed, failed, skipped))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recorded(text: &str, exit_code: i32) -> HarnessRun {
        HarnessRun::parse(
            "harness.py recorded",
            text.lines().map(str::to_owned).collect(),
            Vec::new(),
            Some(exit_code),
        )
    }

    /// The panic message of `assert_passed`, or `None` when it passed.
    fn verdict(run: &HarnessRun, allowed_skips: &[&str]) -> Option<String> {
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            run.assert_passed(allowed_skips)
        }));
        outcome.err().map(|panic| {
            panic
                .downcast_ref::<String>()
                .cloned()
                .unwrap_or_else(|| "a panic without a message".to_owned())
        })
    }

    /// Recorded from `harness.py lti11` against a tool that was not listening.
    const FAILING: &str = "\
[FAIL] LTI 1.1 valid basic-lti-launch-request accepted -- no response
[SKIP] LTI 1.1 reject bad_signature (signed with the wrong secret) -- valid launch was not accepted, so a rejection would prove nothing
[SKIP] LTI 1.1 reject tampered_param (roles changed after signing) -- valid launch was not accepted, so a rejection would prove nothing
[SKIP] LTI 1.1 Basic Outcomes -- --score-wait 0

Failures:
  - LTI 1.1 valid basic-lti-launch-request accepted: no response
0 passed, 1 failed, 3 skipped
";

    /// The shape of a passing `lti13` run (check names as `harness.py` prints them).
    const PASSING: &str = "\
[INFO] platform issuer=http://127.0.0.1:18765 client_id=harness-client deployment_id=harness-deployment-1
[PASS] auth request: scope=openid
[PASS] valid launch: tool accepts LtiResourceLinkRequest -- HTTP 200
[PASS] reject bad_signature -- HTTP 401
[SKIP] AGS score -- --score-wait 0
4 passed, 0 failed, 1 skipped
";

    #[test]
    fn a_passing_run_is_parsed_and_passes_with_its_skips_allowed() {
        let run = recorded(PASSING, 0);
        assert_eq!((run.passed, run.failed, run.skipped), (4, 0, 1));
        assert_eq!(
            run.summary.as_deref(),
            Some("4 passed, 0 failed, 1 skipped")
        );
        assert_eq!(
            run.checks("PASS")[1],
            "valid launch: tool accepts LtiResourceLinkRequest"
        );
        assert_eq!(verdict(&run, &["AGS score"]), None);

        let message = verdict(&run, &[]).expect("a skip that is not allowed fails");
        assert!(
            message.contains("skipped, and not allowed to be: AGS score")
                && message.contains("[PASS] reject bad_signature"),
            "{message}"
        );
    }

    #[test]
    fn a_failing_run_fails_with_its_whole_output() {
        let run = recorded(FAILING, 1);
        assert_eq!((run.passed, run.failed, run.skipped), (0, 1, 3));
        assert_eq!(run.exit_code, Some(1));
        let message =
            verdict(&run, &["LTI 1.1 reject", "LTI 1.1 Basic Outcomes"]).expect("it fails");
        assert!(
            message.contains("failed: LTI 1.1 valid basic-lti-launch-request accepted")
                && message.contains("exit code Some(1)")
                && message
                    .contains("  - LTI 1.1 valid basic-lti-launch-request accepted: no response")
                && message.contains("0 passed, 1 failed, 3 skipped"),
            "{message}"
        );
    }

    #[test]
    fn a_run_without_a_summary_or_with_a_bad_exit_code_fails() {
        let cut_short = recorded(
            "[PASS] auth request: scope=openid\nTraceback (most recent call last):",
            1,
        );
        assert_eq!(cut_short.summary, None);
        let message = verdict(&cut_short, &[]).expect("no summary fails");
        assert!(message.contains("no summary line"), "{message}");

        let exit_without_fail = recorded("[PASS] something\n1 passed, 0 failed\n", 2);
        assert_eq!(
            (exit_without_fail.passed, exit_without_fail.skipped),
            (1, 0)
        );
        let message = verdict(&exit_without_fail, &[]).expect("a non-zero exit fails");
        assert!(message.contains("exit code Some(2)"), "{message}");

        assert_eq!(parse_summary("12 passed, 0 failed"), Some((12, 0, 0)));
        assert_eq!(parse_summary("  - reject x: 0 passed, 1 failed"), None);
        assert_eq!(parse_summary("1 passed, 0 failed, lots skipped"), None);
    }

    /// The real harness, as the LTI tests run it: its platform key loads, progress is seen while it
    /// runs, and the platform's URLs are the ones the tests register.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_harness_runs_and_describes_its_platform() {
        let platform = HarnessPlatform::new();
        let mut running = platform.start("platform-info", &[]);
        let line = running
            .wait_for_line("platform key loaded", Duration::from_secs(60))
            .await;
        assert!(line.starts_with("[PASS]"), "{line}");
        assert!(!running.lines().is_empty());
        let run = running.finish(Duration::from_secs(60)).await;
        run.assert_passed(&[]);
        assert_eq!((run.passed, run.failed, run.skipped), (1, 0, 0));

        let info = platform.info().await;
        assert_eq!(info["issuer"], platform.issuer().as_str());
        assert_eq!(info["client_id"], CLIENT_ID);
        assert_eq!(info["deployment_id"], DEPLOYMENT_ID);
        assert_eq!(info["platform_jwks_url"], platform.jwks_url().as_str());
        assert_eq!(info["token_endpoint"], platform.token_url().as_str());
        assert_eq!(
            info["authorization_endpoint (OIDC auth login URL)"],
            platform.auth_url().as_str()
        );
        assert_eq!(
            info["issuer"],
            format!("http://127.0.0.1:{}", platform.port())
        );
        let kid = &info["platform_jwks"]["keys"][0]["kid"];
        assert!(kid.is_string(), "{info}");
        assert_eq!(
            &platform.info().await["platform_jwks"]["keys"][0]["kid"],
            kid,
            "the key stays the same for every run on one platform"
        );
    }
}
