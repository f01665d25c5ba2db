//! What one call's wasmtime store holds: the call's scope (plugin, organisation, user, grants), the
//! memory cap, an empty WASI context and a bounded stderr buffer that keeps a guest's panic message.

use std::collections::HashSet;
use std::sync::Arc;

use wasmtime::ResourceLimiter;
use wasmtime::component::ResourceTable;
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

use crate::Services;

/// How much of a guest's stderr is kept (a panic message and a little more).
const STDERR_BYTES: usize = 8 * 1024;

/// Who a call is made for and what it may use.
#[derive(Clone, Debug)]
pub struct CallScope {
    pub plugin: Arc<str>,
    /// None: the platform scope.
    pub organisation_id: Option<i64>,
    pub user_id: Option<i64>,
    pub roles: Vec<String>,
    /// Capabilities granted for this scope and declared by the plugin.
    pub granted: Arc<HashSet<String>>,
}

impl CallScope {
    pub fn scope_id(&self) -> i64 {
        self.organisation_id.unwrap_or(store::PLATFORM_SCOPE)
    }
}

pub struct HostState {
    pub(crate) scope: CallScope,
    pub(crate) services: Arc<Services>,
    wasi: WasiCtx,
    table: ResourceTable,
    pub(crate) stderr: MemoryOutputPipe,
    memory_cap: usize,
    pub(crate) memory_exceeded: bool,
}

impl HostState {
    pub(crate) fn new(scope: CallScope, services: Arc<Services>, memory_cap: usize) -> HostState {
        let stderr = MemoryOutputPipe::new(STDERR_BYTES);
        // No preopened directories, no environment, no arguments, no sockets: a guest built for
        // wasm32-wasip2 always imports WASI, so it gets a context that grants nothing.
        let wasi = wasmtime_wasi::WasiCtxBuilder::new()
            .stderr(stderr.clone())
            .build();
        HostState {
            scope,
            services,
            wasi,
            table: ResourceTable::new(),
            stderr,
            memory_cap,
            memory_exceeded: false,
        }
    }

    /// The last line the guest wrote to stderr (a panic message), if any.
    pub(crate) fn stderr_tail(&self) -> Option<String> {
        let bytes = self.stderr.contents();
        let text = String::from_utf8_lossy(&bytes);
        let text = text.trim();
        (!text.is_empty()).then(|| {
            text.chars()
                .rev()
                .take(600)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect()
        })
    }
}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl ResourceLimiter for HostState {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.memory_cap {
            self.memory_exceeded = true;
            return Err(wasmtime::Error::msg(format!(
                "the plugin asked for {} MiB of memory; the limit is {} MiB",
                desired / (1024 * 1024),
                self.memory_cap / (1024 * 1024)
            )));
        }
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= 100_000)
    }
}
