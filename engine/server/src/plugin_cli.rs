//! `rampart plugin new|build`: a new plugin from the template in `plugins/template`, and its build.
//! The template files are compiled into the binary, so `new` works anywhere.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};

/// The template: (file in the template, where it goes in the new plugin, its text).
const TEMPLATE: &[(&str, &str, &str)] = &[
    (
        "Cargo.toml.tmpl",
        "Cargo.toml",
        include_str!("../../../plugins/template/Cargo.toml.tmpl"),
    ),
    (
        "src/lib.rs.tmpl",
        "src/lib.rs",
        include_str!("../../../plugins/template/src/lib.rs.tmpl"),
    ),
    (
        "README.md.tmpl",
        "README.md",
        include_str!("../../../plugins/template/README.md.tmpl"),
    ),
    (
        "gitignore.tmpl",
        ".gitignore",
        include_str!("../../../plugins/template/gitignore.tmpl"),
    ),
];

/// The SDK in this checkout, which a new plugin depends on by path (it is not published).
pub fn default_sdk_path() -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../plugins/sdk");
    path.canonicalize().unwrap_or(path)
}

/// A plugin name is a URL segment: lower-case letters, digits and dashes, starting with a letter.
fn check_name(name: &str) -> anyhow::Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 40
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !ok {
        bail!(
            "the plugin name {name:?} must be 1 to 40 lower-case letters, digits and dashes, starting with a letter (for example: incident-log)"
        );
    }
    Ok(())
}

fn title_from(name: &str) -> String {
    let words: Vec<String> = name
        .split('-')
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut chars = w.chars();
            chars
                .next()
                .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect();
    words.join(" ")
}

/// Creates `<parent>/<name>` from the template and returns its folder. Refuses to overwrite.
pub fn new_plugin(
    parent: &Path,
    name: &str,
    title: Option<&str>,
    sdk_path: &Path,
) -> anyhow::Result<PathBuf> {
    check_name(name)?;
    let dir = parent.join(name);
    if dir.exists() {
        bail!(
            "{} already exists; choose another name or folder",
            dir.display()
        );
    }
    let title = title.map(str::to_owned).unwrap_or_else(|| title_from(name));
    let sdk = sdk_path.display().to_string().replace('\\', "/");
    for (_, target, text) in TEMPLATE {
        let text = text
            .replace("{{name}}", name)
            .replace("{{crate_name}}", &name.replace('-', "_"))
            .replace("{{title}}", &title)
            .replace("{{sdk_path}}", &sdk);
        let path = dir.join(target);
        std::fs::create_dir_all(path.parent().expect("a file in a folder"))
            .with_context(|| format!("creating {}", dir.display()))?;
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(dir)
}

/// Builds a plugin folder with `cargo build --target wasm32-wasip2 --release` and returns the wasm.
pub fn build_plugin(dir: &Path) -> anyhow::Result<PathBuf> {
    let target_dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| dir.join("target"));
    build_plugin_in(dir, &target_dir)
}

/// [`build_plugin`] into a given target folder (shared between builds, so dependencies compile once).
pub fn build_plugin_in(dir: &Path, target_dir: &Path) -> anyhow::Result<PathBuf> {
    let manifest = dir.join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest)
        .with_context(|| format!("{} is not a plugin folder (no Cargo.toml)", dir.display()))?;
    let name = text
        .lines()
        .find_map(|line| line.trim().strip_prefix("name = "))
        .map(|value| value.trim_matches('"').replace('-', "_"))
        .context("Cargo.toml has no package name")?;
    let status = Command::new("cargo")
        .args([
            "build",
            "--release",
            "--target",
            "wasm32-wasip2",
            "--manifest-path",
        ])
        .arg(&manifest)
        .env("CARGO_TARGET_DIR", target_dir)
        .status()
        .context("running cargo (is Rust installed?)")?;
    if !status.success() {
        bail!("the build failed; cargo's messages above say why");
    }
    let wasm = target_dir.join(format!("wasm32-wasip2/release/{name}.wasm"));
    if !wasm.is_file() {
        bail!("the build finished but {} is missing", wasm.display());
    }
    Ok(wasm)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_plugins_fill_in_the_template_and_refuse_to_overwrite() {
        let parent = tempfile::tempdir().unwrap();
        let dir = new_plugin(parent.path(), "incident-log", None, Path::new("/sdk")).unwrap();
        let cargo = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
        assert!(cargo.contains("name = \"incident-log\""));
        assert!(cargo.contains("path = \"/sdk\""));
        let readme = std::fs::read_to_string(dir.join("README.md")).unwrap();
        assert!(readme.contains("# Incident Log"));
        assert!(readme.contains("incident_log.wasm"));
        for (_, target, _) in TEMPLATE {
            let text = std::fs::read_to_string(dir.join(target)).unwrap();
            assert!(!text.contains("{{"), "{target} still has a placeholder");
        }
        let again = new_plugin(parent.path(), "incident-log", None, Path::new("/sdk")).unwrap_err();
        assert!(again.to_string().contains("already exists"));
        assert!(new_plugin(parent.path(), "Bad Name", None, Path::new("/sdk")).is_err());
    }

    #[test]
    fn the_manifest_lists_every_template_file() {
        let manifest = include_str!("../../../plugins/template/MANIFEST");
        let listed: Vec<(&str, &str)> = manifest
            .lines()
            .filter_map(|line| line.split_once(' '))
            .collect();
        let embedded: Vec<(&str, &str)> =
            TEMPLATE.iter().map(|(from, to, _)| (*from, *to)).collect();
        assert_eq!(listed, embedded);
    }
}
