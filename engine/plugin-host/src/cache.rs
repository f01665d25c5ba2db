//! Compiled components cached on disk, keyed by the wasm's SHA-256 and the engine's compatibility hash
//! (precompiled code is only valid for the engine settings that produced it). Only files this host wrote
//! are ever loaded, because deserialising untrusted precompiled code is unsafe.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};

use wasmtime::Engine;
use wasmtime::component::Component;

pub(crate) struct ComponentCache {
    dir: PathBuf,
    engine_key: String,
}

/// Whether a component came from the cache or was compiled now (for the benchmark and the logs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Loaded {
    FromCache,
    Compiled,
}

impl ComponentCache {
    pub(crate) fn new(dir: &Path, engine: &Engine) -> std::io::Result<ComponentCache> {
        std::fs::create_dir_all(dir)?;
        let mut hasher = DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut hasher);
        Ok(ComponentCache {
            dir: dir.to_owned(),
            engine_key: format!("{:016x}", hasher.finish()),
        })
    }

    fn path(&self, sha256: &str) -> PathBuf {
        self.dir.join(format!("{sha256}-{}.cwasm", self.engine_key))
    }

    /// The compiled component: loaded from the cache, or compiled and then cached. A cache file that
    /// does not load (another wasmtime, a torn write) is compiled again and replaced.
    pub(crate) fn load(
        &self,
        engine: &Engine,
        wasm: &[u8],
        sha256: &str,
    ) -> wasmtime::Result<(Component, Loaded)> {
        let path = self.path(sha256);
        if path.exists() {
            // SAFETY: the file is in the host's own cache folder, written by `serialize` below from a
            // component this engine compiled; its name carries the engine's compatibility hash.
            match unsafe { Component::deserialize_file(engine, &path) } {
                Ok(component) => return Ok((component, Loaded::FromCache)),
                Err(error) => {
                    tracing::warn!(%error, path = %path.display(), "cached plugin code did not load; compiling again")
                }
            }
        }
        let component = Component::new(engine, wasm)?;
        match component.serialize() {
            Ok(bytes) => {
                let partial = path.with_extension("partial");
                if let Err(error) =
                    std::fs::write(&partial, &bytes).and_then(|()| std::fs::rename(&partial, &path))
                {
                    tracing::warn!(%error, "could not cache compiled plugin code");
                }
            }
            Err(error) => tracing::warn!(%error, "could not serialise compiled plugin code"),
        }
        Ok((component, Loaded::Compiled))
    }
}
