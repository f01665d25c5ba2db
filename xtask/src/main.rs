//! Build automation for Rampart: `cargo xtask <command>`.
//!
//! - `run`: build the browser bundle and the release server, then serve on http://127.0.0.1:3000 (SQLite).
//! - `test`: everything CI checks: formatting, clippy, both `web` feature sets, the plugins workspace, the
//!   Rust tests (SQLite and PostgreSQL), the headless-browser tests and the LTI conformance harness
//!   (`../shared/lti-harness`, in a Python 3.11 venv under the target folder).
//! - `build`: the browser bundles into `target/site/pkg`: the web app's islands (`web*`) and the
//!   SCORM run-time for the SCO launcher (`runtime*`); then the plugins (`build-plugins`).
//! - `build-plugins`: the `plugins/` workspace for wasm32-wasip2 (release) into `<target>/plugins`, and
//!   the bundled plugins copied into `target/site/plugins` (the server installs every `*.wasm` there).
//! - `lti-harness`: the LTI harness's venv, then the two variables the LTI tests read, as shell
//!   `export` lines (`eval "$(cargo xtask lti-harness)"` before a plain `cargo test`).
//! - `bench`: start-up time, idle memory and requests per second of the release server.
//! - `bench-import`: a 200 MB package imported against `unzip -q`, peak memory, manifests per second.
//!
//! Only registries are used: wasm-bindgen runs as a library pinned to the same version as the app's
//! `wasm-bindgen`, and `wasm-opt` comes from npm's `binaryen` (Debian's is too old and breaks the bundle).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

mod bench;
mod bench_import;

const WASM_TARGET: &str = "wasm32-unknown-unknown";

/// Selects the browser half of the `web` crate (for `cargo build` and `cargo clippy` alike).
const WEB_HYDRATE_ARGS: [&str; 8] = [
    "--package",
    "web",
    "--lib",
    "--target",
    WASM_TARGET,
    "--no-default-features",
    "--features",
    "hydrate",
];

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = workspace_root();
    std::env::set_current_dir(&root)?;
    match args.first().map(String::as_str) {
        Some("build") => build_bundle(&root).and_then(|_| build_plugins(&root)),
        Some("build-plugins") => build_plugins(&root),
        Some("run") => run(&root, &args[1..]),
        Some("test") => test(&root),
        Some("lti-harness") => print_lti_harness_env(&root),
        Some("bench") => bench::bench(&root),
        Some("bench-import") => bench_import::bench_import(&root),
        _ => {
            eprintln!(
                "usage: cargo xtask <run|test|build|build-plugins|lti-harness|bench|bench-import>"
            );
            bail!("unknown or missing command")
        }
    }
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}

fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()))
}

fn status(command: &mut Command) -> Result<()> {
    eprintln!("xtask: running {command:?}");
    let status = command
        .status()
        .with_context(|| format!("could not start {command:?}"))?;
    if !status.success() {
        bail!("{command:?} failed with {status}");
    }
    Ok(())
}

/// `npm ci` once per lock file change: binaryen's wasm-opt and playwright-core.
fn ensure_npm_tools(root: &Path) -> Result<()> {
    let stamp = root.join("node_modules/.rampart-lock");
    let lock =
        std::fs::read(root.join("package-lock.json")).context("reading package-lock.json")?;
    if std::fs::read(&stamp).ok().as_deref() == Some(&lock[..]) {
        return Ok(());
    }
    status(
        Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(root),
    )?;
    std::fs::write(&stamp, &lock)?;
    Ok(())
}

/// The toolchain file lists the wasm targets; rustup installs them with a new toolchain but not into
/// one that is already present, so add any that are missing.
fn ensure_rust_targets() -> Result<()> {
    let output = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output();
    let Ok(output) = output else {
        return Ok(()); // No rustup: trust the toolchain to have the target, and let cargo say if not.
    };
    let installed = String::from_utf8_lossy(&output.stdout);
    for target in [WASM_TARGET, "wasm32-wasip2"] {
        if !installed.lines().any(|line| line.trim() == target) {
            status(Command::new("rustup").args(["target", "add", target]))?;
        }
    }
    Ok(())
}

/// Builds the browser half of the SCORM run-time (`runtime-wasm`, loaded by the SCO launcher on the
/// content origin).
const RUNTIME_WASM_ARGS: [&str; 5] = [
    "--package",
    "runtime-wasm",
    "--lib",
    "--target",
    WASM_TARGET,
];

/// Builds `web` for the browser and the SCORM run-time for the SCO launcher, and writes
/// `target/site/pkg/web.js`, `web_bg.wasm`, `runtime.js` and `runtime_bg.wasm`.
fn build_bundle(root: &Path) -> Result<PathBuf> {
    ensure_rust_targets()?;
    ensure_npm_tools(root)?;
    status(
        cargo()
            .arg("build")
            .args(WEB_HYDRATE_ARGS)
            .args(["--profile", "wasm-release"]),
    )?;
    status(
        cargo()
            .arg("build")
            .args(RUNTIME_WASM_ARGS)
            .args(["--profile", "wasm-release"]),
    )?;
    let out = cargo_target_dir(root)
        .join(WASM_TARGET)
        .join("wasm-release");
    let pkg = root.join("target/site/pkg");
    std::fs::create_dir_all(&pkg)?;
    bindgen_and_optimise(root, &out.join("web.wasm"), &pkg, "web")?;
    bindgen_and_optimise(root, &out.join("runtime_wasm.wasm"), &pkg, "runtime")?;
    report_sizes(&pkg, &["web.js", "web_bg.wasm"], "browser bundle")?;
    report_sizes(&pkg, &["runtime.js", "runtime_bg.wasm"], "SCORM run-time")?;
    Ok(pkg)
}

/// wasm-bindgen (as a library, `--target web`) into `<pkg>/<name>.js` and `<name>_bg.wasm`, then
/// `wasm-opt -Oz` on the wasm.
fn bindgen_and_optimise(root: &Path, wasm: &Path, pkg: &Path, name: &str) -> Result<()> {
    eprintln!("xtask: wasm-bindgen {}", wasm.display());
    wasm_bindgen_cli_support::Bindgen::new()
        .input_path(wasm)
        .out_name(name)
        .web(true)?
        .typescript(false)
        .generate(pkg)
        .context("wasm-bindgen failed")?;
    let bundle = pkg.join(format!("{name}_bg.wasm"));
    let wasm_opt = root.join("node_modules/.bin/wasm-opt");
    let optimised = pkg.join(format!("{name}_bg.opt.wasm"));
    status(
        Command::new(&wasm_opt)
            .arg("-Oz")
            .arg("--enable-bulk-memory")
            .arg("--enable-nontrapping-float-to-int")
            .arg("--enable-sign-ext")
            .arg("--enable-mutable-globals")
            .arg(&bundle)
            .arg("-o")
            .arg(&optimised),
    )?;
    std::fs::rename(&optimised, &bundle)?;
    Ok(())
}

fn cargo_target_dir(root: &Path) -> PathBuf {
    // Absolute, because tests run in their crate's folder and get paths inside it (`RAMPART_TEST_PLUGINS`).
    std::env::var_os("CARGO_TARGET_DIR")
        .map(|dir| root.join(dir))
        .unwrap_or_else(|| root.join("target"))
}

/// The guest plugins' workspace (its own, not a member of the root one).
const PLUGINS_MANIFEST: &str = "plugins/Cargo.toml";
const PLUGINS_TARGET: &str = "wasm32-wasip2";
/// Plugins that ship with Rampart: copied into `<site>/plugins`, which the server installs at start-up.
/// The test plugins (`misbehave`, `legacy_0_1_0`, `legacy_0_2_0`) are built but never bundled.
const BUNDLED_PLUGINS: [&str; 2] = ["hello", "broadcasts"];

/// The plugins' own target folder, inside the main one (`target/plugins`, or `$CARGO_TARGET_DIR/plugins`
/// in CI): a separate folder because the plugins' workspace has its own lock file and profiles.
fn plugins_target_dir(root: &Path) -> PathBuf {
    cargo_target_dir(root).join("plugins")
}

/// Where `build-plugins` leaves `<name>.wasm`; the plugin host's tests read it from
/// `RAMPART_TEST_PLUGINS`.
fn built_plugins_dir(root: &Path) -> PathBuf {
    plugins_target_dir(root)
        .join(PLUGINS_TARGET)
        .join("release")
}

/// A cargo command on the plugins' workspace for wasm32-wasip2, release profile (the only profile the
/// plugins are ever built or checked with, so `build` and `clippy` share the compiled proc macros).
fn plugins_cargo(root: &Path, subcommand: &str) -> Command {
    let mut command = cargo();
    command
        .arg(subcommand)
        .args(["--manifest-path", PLUGINS_MANIFEST, "--workspace"])
        .args(["--target", PLUGINS_TARGET, "--release"])
        .env("CARGO_TARGET_DIR", plugins_target_dir(root));
    command
}

/// Builds every plugin (the example and the test plugins) and copies the bundled ones into
/// `target/site/plugins`.
fn build_plugins(root: &Path) -> Result<()> {
    ensure_rust_targets()?;
    status(&mut plugins_cargo(root, "build"))?;
    let built = built_plugins_dir(root);
    let site = root.join("target/site/plugins");
    std::fs::create_dir_all(&site)?;
    for name in BUNDLED_PLUGINS {
        let from = built.join(format!("{name}.wasm"));
        let to = site.join(format!("{name}.wasm"));
        std::fs::copy(&from, &to)
            .with_context(|| format!("copying {} to {}", from.display(), to.display()))?;
        eprintln!(
            "xtask: bundled plugin {}: {} KiB",
            to.display(),
            std::fs::metadata(&to)?.len() / 1024
        );
    }
    Ok(())
}

fn report_sizes(pkg: &Path, names: &[&str], what: &str) -> Result<()> {
    let mut total_gzip = 0;
    for name in names {
        let bytes = std::fs::read(pkg.join(name))?;
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        encoder.write_all(&bytes)?;
        let gzipped = encoder.finish()?.len();
        total_gzip += gzipped;
        eprintln!(
            "xtask: {name}: {} KiB raw, {} KiB gzip -9",
            bytes.len() / 1024,
            gzipped / 1024
        );
    }
    eprintln!("xtask: {what} total {} KiB gzipped", total_gzip / 1024);
    Ok(())
}

/// README command 1: build everything and serve with the embedded defaults.
fn run(root: &Path, extra: &[String]) -> Result<()> {
    build_bundle(root)?;
    build_plugins(root)?;
    status(cargo().args([
        "build",
        "--release",
        "--package",
        "server",
        "--bin",
        "rampart",
    ]))?;
    let binary = cargo_target_dir(root).join("release/rampart");
    let mut command = Command::new(binary);
    command.arg("serve").args(extra);
    eprintln!("xtask: starting Rampart on http://127.0.0.1:3000 (Ctrl-C stops it)");
    let status = command.status()?;
    if !status.success() {
        bail!("rampart exited with {status}");
    }
    Ok(())
}

/// Debian's chromium is the browser for end-to-end tests; install it when it is missing.
fn ensure_chromium() -> Result<()> {
    ensure_debian_package("/usr/bin/chromium", "chromium")
}

/// xmllint checks the built SCORM 2004 manifests against the ADL schemas (the `course` crate's tests).
fn ensure_xmllint() -> Result<()> {
    ensure_debian_package("/usr/bin/xmllint", "libxml2-utils")
}

fn ensure_debian_package(binary: &str, package: &str) -> Result<()> {
    if Path::new(binary).exists() {
        return Ok(());
    }
    eprintln!("xtask: {binary} is missing; installing Debian's {package} package");
    let sudo = if is_root() { vec![] } else { vec!["sudo"] };
    let apt = |args: &[&str]| {
        let mut command = Command::new(if sudo.is_empty() { "apt-get" } else { "sudo" });
        if !sudo.is_empty() {
            command.arg("apt-get");
        }
        command.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        status(&mut command)
    };
    apt(&["update", "-q"])?;
    apt(&["install", "-y", "-q", "--no-install-recommends", package])?;
    Ok(())
}

/// The LTI conformance harness (the platform side of LTI 1.3 and 1.1, in Python) and the Python to
/// run it with.
struct LtiHarness {
    script: PathBuf,
    python: PathBuf,
}

/// The harness lives in `../shared/lti-harness` (CI clones `shared` beside this repository). Its Python
/// packages go into a venv under the target folder (`<target>/lti-harness-venv`), made with `python3.11`
/// and made again whenever `requirements.txt` changes: the venv keeps the SHA-256 of the requirements it
/// was made from in a marker file, so an up-to-date venv costs one file read.
fn ensure_lti_harness(root: &Path) -> Result<LtiHarness> {
    let beside = root.join("../shared/lti-harness");
    let dir = beside.canonicalize().with_context(|| {
        format!(
            "the LTI harness is missing: expected {} (the `shared` folder cloned beside this repository)",
            beside.display()
        )
    })?;
    let script = dir.join("harness.py");
    let requirements = dir.join("requirements.txt");
    for file in [&script, &requirements] {
        if !file.is_file() {
            bail!(
                "the LTI harness is incomplete: {} is missing",
                file.display()
            );
        }
    }
    let wanted = sha256_hex(
        &std::fs::read(&requirements)
            .with_context(|| format!("reading {}", requirements.display()))?,
    );
    let venv = cargo_target_dir(root).join("lti-harness-venv");
    let python = venv.join("bin/python");
    let marker = venv.join(".rampart-requirements-sha256");
    let made_from = std::fs::read_to_string(&marker).unwrap_or_default();
    if python.is_file() && made_from.trim() == wanted {
        return Ok(LtiHarness { script, python });
    }
    eprintln!(
        "xtask: installing the LTI harness's Python packages ({}) into {}",
        requirements.display(),
        venv.display()
    );
    if venv.exists() {
        std::fs::remove_dir_all(&venv)
            .with_context(|| format!("removing the old venv {}", venv.display()))?;
    }
    status(Command::new("python3.11").arg("-m").arg("venv").arg(&venv)).context(
        "the LTI harness needs Python 3.11 (`python3.11 -m venv`); install it and run again",
    )?;
    status(
        Command::new(&python)
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
            ])
            .arg("-r")
            .arg(&requirements),
    )?;
    // Written last: a venv whose install was interrupted has no marker and is made again next time.
    std::fs::write(&marker, format!("{wanted}\n"))?;
    eprintln!("xtask: the LTI harness's venv is ready");
    Ok(LtiHarness { script, python })
}

/// `cargo xtask lti-harness`: what `test` exports to the LTI tests, for running them by hand.
fn print_lti_harness_env(root: &Path) -> Result<()> {
    let harness = ensure_lti_harness(root)?;
    println!(
        "export RAMPART_TEST_LTI_HARNESS='{}'",
        harness.script.display()
    );
    println!(
        "export RAMPART_TEST_LTI_HARNESS_PYTHON='{}'",
        harness.python.display()
    );
    Ok(())
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// README command 2: every check CI runs, in the order that fails fastest.
fn test(root: &Path) -> Result<()> {
    status(cargo().args(["fmt", "--all", "--", "--check"]))?;
    status(cargo().args([
        "fmt",
        "--manifest-path",
        PLUGINS_MANIFEST,
        "--all",
        "--",
        "--check",
    ]))?;
    ensure_chromium()?;
    ensure_xmllint()?;
    let lti_harness = ensure_lti_harness(root)?;
    build_bundle(root)?;
    build_plugins(root)?;
    status(
        plugins_cargo(root, "clippy")
            .arg("--all-targets")
            .args(["--", "-D", "warnings"]),
    )?;
    // The SDK's, the advisory core's and broadcasts' own tests run natively (nothing here can run a
    // wasm32-wasip2 test); the CSAF test validates against ../shared/conformance/csaf-2.0.
    status(
        cargo()
            .args(["test", "--manifest-path", PLUGINS_MANIFEST, "--release"])
            .args(["--package", "rampart-plugin-sdk"])
            .args(["--package", "rampart-advisory"])
            .args(["--package", "broadcasts"])
            .env("CARGO_TARGET_DIR", plugins_target_dir(root)),
    )?;
    status(cargo().args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))?;
    status(
        cargo()
            .arg("clippy")
            .args(WEB_HYDRATE_ARGS)
            .args(["--", "-D", "warnings"]),
    )?;
    status(
        cargo()
            .arg("clippy")
            .args(RUNTIME_WASM_ARGS)
            .args(["--", "-D", "warnings"]),
    )?;
    // One test at a time inside each test binary: the server's suites render Leptos pages from many
    // tokio runtimes in one process (one per test), and with several running at once a render was seen
    // to wait forever under load (never with one runtime, as in production). Serial costs ~30 s.
    status(
        cargo()
            .args(["test", "--workspace"])
            .env("RAMPART_SITE_DIR", root.join("target/site"))
            .env("RAMPART_TEST_PLUGINS", built_plugins_dir(root))
            // The server's template test builds a plugin in the same target folder, reusing its deps.
            .env("RAMPART_TEST_PLUGIN_TARGET_DIR", plugins_target_dir(root))
            // The server's LTI tests run the conformance harness with the venv's Python. `RAMPART_TEST_*`,
            // because `rampart` refuses other unknown `RAMPART_*` variables and some tests start it with
            // the test's environment.
            .env("RAMPART_TEST_LTI_HARNESS", &lti_harness.script)
            .env("RAMPART_TEST_LTI_HARNESS_PYTHON", &lti_harness.python)
            .env("RUST_TEST_THREADS", "1"),
    )?;
    eprintln!("xtask: all checks passed");
    Ok(())
}
