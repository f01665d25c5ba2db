//! `cargo xtask bench-import`: imports a generated 200 MB SCORM package (thousands of files plus large
//! media) with the release `rampart`, against `unzip -q` of the same zip in the same run, and measures
//! manifest parsing throughput on the ADL manifests.

use std::io::Write;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result, bail};

const N_PAGES: usize = 3000;

/// Ten 19 MiB media files make the 200 MB package; `BENCH_MEDIA_FILES=52` makes a 1 GB one.
fn n_media() -> usize {
    std::env::var("BENCH_MEDIA_FILES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(10)
}
const MEDIA_BYTES: usize = 19 * 1024 * 1024;

fn pseudo_random(n: usize, mut state: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        out.extend_from_slice(&state.to_le_bytes());
    }
    out.truncate(n);
    out
}

fn build_package(path: &Path) -> Result<u64> {
    let mut files = String::new();
    for i in 0..N_PAGES {
        files.push_str(&format!("<file href=\"pages/p{i}.html\"/>"));
    }
    for i in 0..n_media() {
        files.push_str(&format!("<file href=\"media/v{i}.mp4\"/>"));
    }
    let manifest = format!(
        r#"<manifest identifier="bench.large" xmlns="http://www.imsglobal.org/xsd/imscp_v1p1" xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3">
<metadata><schema>ADL SCORM</schema><schemaversion>2004 4th Edition</schemaversion></metadata>
<organizations default="O"><organization identifier="O"><title>Large</title><item identifier="I" identifierref="R"><title>All</title></item></organization></organizations>
<resources><resource identifier="R" type="webcontent" adlcp:scormType="sco" href="pages/p0.html">{files}</resource></resources></manifest>"#
    );
    let mut writer = zip::ZipWriter::new(std::fs::File::create(path)?);
    let options = zip::write::SimpleFileOptions::default();
    writer.start_file("imsmanifest.xml", options)?;
    writer.write_all(manifest.as_bytes())?;
    for i in 0..N_PAGES {
        writer.start_file(format!("pages/p{i}.html"), options)?;
        let body = format!(
            "<!DOCTYPE html><title>Page {i}</title>{}",
            "<p>Lock your screen when you step away. </p>".repeat(200 + i % 50)
        );
        writer.write_all(body.as_bytes())?;
    }
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for i in 0..n_media() {
        writer.start_file(format!("media/v{i}.mp4"), stored)?;
        writer.write_all(&pseudo_random(MEDIA_BYTES, 0x1234_5678 + i as u64))?;
    }
    writer.finish()?;
    Ok(std::fs::metadata(path)?.len())
}

/// Runs a command under `/usr/bin/time`, returning (seconds, peak RSS in KiB).
fn timed(command: &mut Command) -> Result<(f64, u64)> {
    let output = command.output().context("running /usr/bin/time")?;
    if !output.status.success() {
        bail!(
            "{command:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    let last = stderr.lines().last().context("no timing output")?;
    let mut fields = last.split_whitespace();
    let seconds: f64 = fields.next().context("elapsed")?.parse()?;
    let rss: u64 = fields.next().context("max RSS")?.parse()?;
    Ok((seconds, rss))
}

pub fn bench_import(root: &Path) -> Result<()> {
    let binary = crate::cargo_target_dir(root).join("release/rampart");
    if !binary.is_file() {
        bail!("build the release server first: cargo build --release -p server");
    }
    let work = std::env::temp_dir().join(format!("rampart-bench-import-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work)?;
    let zip = work.join("large.zip");
    let size = build_package(&zip)?;
    println!(
        "package: {} files, {:.0} MB zip",
        N_PAGES + n_media() + 1,
        size as f64 / 1e6
    );

    let (import_s, import_rss) = timed(
        Command::new("/usr/bin/time")
            .args(["-f", "%e %M"])
            .arg(&binary)
            .args(["package", "import"])
            .arg(&zip)
            .env("RAMPART_DATA_DIR", work.join("data"))
            .env("RAMPART_LOG", "warn"),
    )?;
    let (unzip_s, unzip_rss) = timed(
        Command::new("/usr/bin/time")
            .args(["-f", "%e %M", "unzip", "-q"])
            .arg(&zip)
            .arg("-d")
            .arg(work.join("unzipped")),
    )?;
    let stored = Command::new("du")
        .arg("-sm")
        .arg(work.join("data/content/blobs"))
        .output()?;
    let stored = String::from_utf8_lossy(&stored.stdout)
        .split_whitespace()
        .next()
        .unwrap_or("?")
        .to_owned();
    println!(
        "rampart package import: {import_s:.2} s, peak RSS {} MiB, {stored} MiB stored as blobs",
        import_rss / 1024
    );
    println!(
        "unzip -q:               {unzip_s:.2} s, peak RSS {} MiB",
        unzip_rss / 1024
    );
    println!("ratio import/unzip: {:.2}x", import_s / unzip_s.max(0.01));

    let manifests: Vec<Vec<u8>> =
        std::fs::read_dir(root.join("../shared/conformance/scorm2004-4ed-cts/packages"))?
            .map(|e| std::fs::read(e?.path().join("imsmanifest.xml")))
            .collect::<std::io::Result<_>>()?;
    let rounds = 20;
    let started = Instant::now();
    for _ in 0..rounds {
        for bytes in &manifests {
            let report = package::check_manifest(bytes);
            assert!(report.valid);
        }
    }
    let per_second = (rounds * manifests.len()) as f64 / started.elapsed().as_secs_f64();
    let mean_kb =
        manifests.iter().map(Vec::len).sum::<usize>() as f64 / manifests.len() as f64 / 1024.0;
    println!(
        "manifests parsed and validated: {per_second:.0} per second (ADL set, mean {mean_kb:.1} KiB)"
    );
    let _ = std::fs::remove_dir_all(&work);
    Ok(())
}
