//! The plugin host: runs plugins, WebAssembly components built against a version of the
//! `rampart:plugin` WIT API, in a sandbox, and gives them the host API.
//!
//! - **Sandbox.** One fresh store per call on the pooling allocator, so a trap kills only that call.
//!   A wall-clock deadline per call (epoch interruption: the call yields to other work every tick and
//!   is stopped once its budget is spent), a memory cap, and an empty WASI context (no files,
//!   environment or network).
//! - **Capabilities.** A plugin declares what it wants; the platform admin installs it; each
//!   organisation admin turns it on and grants capabilities. A host function checks its grant first.
//! - **Versions.** Every released API version has its own bindings ([`bindings`]); the version is read
//!   from the component's exports before linking.
//! - **Events.** Published events are stored with one delivery per subscribed plugin and delivered at
//!   least once ([`PluginHost::deliver_due`]), across restarts.
//! - **Failures.** A trap, a timeout or a memory-cap hit is recorded and audited; a plugin that fails
//!   repeatedly is suspended with the reason shown to the admin.
//!
//! The host owns no HTTP: the server routes requests and pages to it and sends the outbox.

pub mod bindings;
mod cache;
mod host_api;
mod state;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use accounts::Clock;
use plugin_api::{FormOutcome, Page, PluginInfo};
use sha2::{Digest, Sha256};
use store::Store;
use tokio::sync::Notify;
use wasmtime::component::{HasSelf, Linker};
use wasmtime::{Engine, InstanceAllocationStrategy, PoolingAllocationConfig, UpdateDeadline};

use bindings::{latest, v0_1_0, v0_2_0};
pub use cache::Loaded as CompileSource;
pub use host_api::MAX_DOCUMENT_BYTES;
pub use state::CallScope;
use state::HostState;

/// Limits and places of a [`PluginHost`].
#[derive(Clone, Debug)]
pub struct HostConfig {
    /// Installed plugins' wasm (`installed/`) and compiled code (`cache/`).
    pub state_dir: PathBuf,
    /// Wall-clock budget of one call.
    pub call_timeout: Duration,
    /// Largest linear memory a plugin may grow to.
    pub memory_cap_bytes: usize,
    /// Most plugin instances alive at once (the pooling allocator's slots).
    pub max_instances: u32,
    /// Suspend a plugin after this many traps or timeouts ...
    pub suspend_after_failures: usize,
    /// ... within this many seconds.
    pub failure_window_secs: i64,
    /// Rampart's public URL, passed to plugins for absolute links.
    pub base_url: String,
}

impl HostConfig {
    pub fn new(state_dir: impl Into<PathBuf>, base_url: impl Into<String>) -> HostConfig {
        HostConfig {
            state_dir: state_dir.into(),
            call_timeout: Duration::from_secs(2),
            memory_cap_bytes: 64 * 1024 * 1024,
            max_instances: 200,
            suspend_after_failures: 5,
            failure_window_secs: 600,
            base_url: base_url.into(),
        }
    }
}

/// How long a plugin's status and an organisation's grants are trusted from memory. Changes made
/// through the host apply at once; changes another process makes (the CLI) within this time.
const POLICY_TTL: Duration = Duration::from_secs(2);

/// How often the epoch ticks: the granularity of deadlines and of yielding to other work.
const EPOCH_TICK: Duration = Duration::from_millis(2);
/// Longest name of a plugin (a URL segment).
const MAX_NAME_CHARS: usize = 40;

/// Why a plugin call or an install did not succeed. The text is fit to show an admin.
#[derive(Debug, thiserror::Error)]
pub enum PluginError {
    #[error("there is no plugin called {0}")]
    NotInstalled(String),
    #[error("the plugin {plugin} is {status}: {reason}")]
    Unavailable {
        plugin: String,
        status: String,
        reason: String,
    },
    #[error("the plugin {0} is not turned on for this organisation")]
    NotActive(String),
    #[error("the plugin {plugin} did not finish within {budget_ms} ms and was stopped")]
    Timeout { plugin: String, budget_ms: u128 },
    #[error("the plugin {plugin} went over its memory limit and was stopped: {detail}")]
    Memory { plugin: String, detail: String },
    #[error("the plugin {plugin} crashed: {detail}")]
    Trap { plugin: String, detail: String },
    #[error("the plugin {plugin} answered with an error: {message}")]
    Plugin { plugin: String, message: String },
    #[error("too many plugin calls at once; try again shortly")]
    Busy,
    #[error("this file is not a Rampart plugin: {0}")]
    Invalid(String),
    #[error("Rampart could not reach its database")]
    Store(#[from] store::StoreError),
    #[error("plugin host error: {0}")]
    Host(String),
}

impl PluginError {
    /// Failures the sandbox caught (as opposed to answers the plugin chose): these count towards
    /// suspension.
    pub fn is_sandbox_failure(&self) -> bool {
        matches!(
            self,
            PluginError::Timeout { .. } | PluginError::Memory { .. } | PluginError::Trap { .. }
        )
    }

    fn failure_kind(&self) -> &'static str {
        match self {
            PluginError::Timeout { .. } => "timeout",
            PluginError::Memory { .. } => "memory",
            PluginError::Trap { .. } => "trap",
            _ => "error",
        }
    }
}

/// The deadline callback's error: the call ran out of time.
#[derive(Debug)]
struct DeadlineExceeded;

impl std::fmt::Display for DeadlineExceeded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("deadline exceeded")
    }
}

impl std::error::Error for DeadlineExceeded {}

/// An HTTP request or response as plugins see them.
#[derive(Clone, Debug, Default)]
pub struct HttpExchange {
    pub status: u16,
    pub method: String,
    pub path: String,
    pub query: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// A loaded plugin: its description and its pre-linked component for the API version it targets.
struct LoadedPlugin {
    info: PluginInfo,
    api_version: String,
    pre: Pre,
}

enum Pre {
    Latest(latest::RampartPluginPre<HostState>),
    V0_2(v0_2_0::RampartPluginPre<HostState>),
    V0_1(v0_1_0::RampartPluginPre<HostState>),
}

enum Instance {
    Latest(latest::RampartPlugin),
    V0_2(v0_2_0::RampartPlugin),
    V0_1(v0_1_0::RampartPlugin),
}

/// Runs `$body` with `$guest` bound to the instance's exported `plugin` interface, whatever its version.
/// The argument and result types are shared between versions, so the body is written once.
macro_rules! with_guest {
    ($instance:expr, $guest:ident => $body:expr) => {
        match $instance {
            Instance::Latest(instance) => {
                let $guest = instance.rampart_plugin_plugin();
                $body
            }
            Instance::V0_2(instance) => {
                let $guest = instance.rampart_plugin_plugin();
                $body
            }
            Instance::V0_1(instance) => {
                let $guest = instance.rampart_plugin_plugin();
                $body
            }
        }
    };
}

/// What the host functions share: the database, the clock, the loaded plugins (to route events).
pub struct Services {
    pub store: Store,
    pub clock: Arc<dyn Clock>,
    registry: RwLock<HashMap<String, Arc<LoadedPlugin>>>,
    /// Woken when events are published, so the dispatcher need not poll fast.
    pub events_ready: Notify,
    /// Woken when an email or webhook is queued.
    pub outbox_ready: Notify,
}

impl Services {
    /// Stores an event with a delivery for every plugin that subscribes to it and may receive it in
    /// that organisation.
    pub async fn publish(
        &self,
        topic: &str,
        organisation_id: Option<i64>,
        payload: &str,
        source: &str,
    ) -> Result<i64, PluginError> {
        let event = store::NewEvent {
            topic,
            organisation_id,
            payload,
            source,
            to_platform: false,
        };
        let audience = organisation_id;
        self.store_event(&event, audience).await
    }

    /// Stores an event sent up from `from_organisation` to the platform scope: every subscribed plugin
    /// handles it as a platform call.
    pub async fn publish_to_platform(
        &self,
        topic: &str,
        from_organisation: i64,
        payload: &str,
        source: &str,
    ) -> Result<i64, PluginError> {
        let event = store::NewEvent {
            topic,
            organisation_id: Some(from_organisation),
            payload,
            source,
            to_platform: true,
        };
        self.store_event(&event, None).await
    }

    /// Stores one event per organisation (`publish-to`), all in one transaction: a national advisory to
    /// thousands of organisations costs a few queries, not a few per organisation.
    pub async fn publish_to_each(
        &self,
        topic: &str,
        organisations: &[i64],
        payload: &str,
        source: &str,
    ) -> Result<Vec<i64>, PluginError> {
        let mut candidates = Vec::new();
        for (name, info) in self.subscribers_of(topic) {
            let activations: HashMap<i64, store::Activation> = self
                .store
                .activations(&name)
                .await?
                .into_iter()
                .map(|a| (a.scope_id, a))
                .collect();
            candidates.push((name, info, activations));
        }
        let batch: Vec<(store::NewEvent<'_>, Vec<String>)> = organisations
            .iter()
            .map(|organisation| {
                let event = store::NewEvent {
                    topic,
                    organisation_id: Some(*organisation),
                    payload,
                    source,
                    to_platform: false,
                };
                let receivers = candidates
                    .iter()
                    .filter(|(_, info, activations)| {
                        activations
                            .get(organisation)
                            .is_some_and(|a| may_receive(a, info, topic))
                    })
                    .map(|(name, _, _)| name.clone())
                    .collect();
                (event, receivers)
            })
            .collect();
        let ids = self.store.publish_events(&batch, self.clock.now()).await?;
        if batch.iter().any(|(_, receivers)| !receivers.is_empty()) {
            self.events_ready.notify_one();
        }
        Ok(ids)
    }

    /// Stores the event with one delivery per plugin that subscribes to its topic and may receive it in
    /// `audience` (an organisation, or the platform scope).
    async fn store_event(
        &self,
        event: &store::NewEvent<'_>,
        audience: Option<i64>,
    ) -> Result<i64, PluginError> {
        let topic = event.topic;
        let mut subscribers = Vec::new();
        for (name, info) in self.subscribers_of(topic) {
            let Some(organisation) = audience else {
                subscribers.push(name);
                continue;
            };
            let Some(activation) = self.store.activation(&name, organisation).await? else {
                continue;
            };
            if may_receive(&activation, &info, topic) {
                subscribers.push(name);
            }
        }
        let id = self
            .store
            .publish_event(event, &subscribers, self.clock.now())
            .await?;
        if !subscribers.is_empty() {
            self.events_ready.notify_one();
        }
        Ok(id)
    }

    /// The loaded plugins subscribed to `topic`.
    fn subscribers_of(&self, topic: &str) -> Vec<(String, PluginInfo)> {
        let registry = self.registry.read().expect("plugin registry lock");
        registry
            .values()
            .filter(|plugin| {
                plugin
                    .info
                    .subscriptions
                    .iter()
                    .any(|pattern| topic_matches(pattern, topic))
            })
            .map(|plugin| (plugin.info.name.clone(), plugin.info.clone()))
            .collect()
    }
}

/// Whether a plugin turned on in an organisation gets the topic there: engine topics only with
/// `events.engine` declared and granted.
fn may_receive(activation: &store::Activation, info: &PluginInfo, topic: &str) -> bool {
    let may_see_engine = activation.granted().iter().any(|c| c == "events.engine")
        && info.capabilities.iter().any(|c| c == "events.engine");
    activation.active && (!host_api::is_engine_topic(topic) || may_see_engine)
}

/// `course.*` matches `course.completed`; anything else must match exactly.
pub fn topic_matches(pattern: &str, topic: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => topic.starts_with(prefix),
        None => pattern == topic,
    }
}

struct Inner {
    engine: Engine,
    linkers: Linkers,
    cache: cache::ComponentCache,
    services: Arc<Services>,
    config: HostConfig,
    last_ticks: Mutex<HashMap<(String, i64), i64>>,
    stop_ticker: Arc<AtomicBool>,
    /// Plugin records and activations read recently: every call needs them, and a database round
    /// trip would cost more than the call itself.
    records: Mutex<HashMap<String, (Instant, store::PluginRecord)>>,
    activations: Mutex<HashMap<(String, i64), RememberedActivation>>,
}

/// An organisation's activation of a plugin (or that it has none), and when it was read.
type RememberedActivation = (Instant, Option<store::Activation>);

impl Drop for Inner {
    fn drop(&mut self) {
        self.stop_ticker.store(true, Ordering::Relaxed);
    }
}

/// The plugin host; cheap to clone.
#[derive(Clone)]
pub struct PluginHost {
    inner: Arc<Inner>,
}

/// What an install did.
#[derive(Clone, Debug)]
pub struct Installed {
    pub info: PluginInfo,
    pub api_version: String,
    pub sha256: String,
    /// False when the same build was already installed.
    pub changed: bool,
    pub compiled: CompileSource,
}

fn engine(config: &HostConfig) -> wasmtime::Result<Engine> {
    let mut wasm = wasmtime::Config::new();
    wasm.wasm_component_model(true);
    wasm.epoch_interruption(true);
    // Explicit bounds checks with a small reservation: many small instances, not a few huge ones.
    wasm.memory_reservation(config.memory_cap_bytes as u64);
    wasm.memory_guard_size(64 * 1024);
    wasm.memory_reservation_for_growth(0);
    let mut pool = PoolingAllocationConfig::default();
    pool.total_component_instances(config.max_instances);
    pool.total_core_instances(config.max_instances * 4);
    pool.total_memories(config.max_instances * 2);
    pool.total_tables(config.max_instances * 4);
    pool.max_memory_size(config.memory_cap_bytes);
    wasm.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    Engine::new(&wasm)
}

/// One linker per supported API version, each with WASI and that version's host functions.
struct Linkers {
    latest: Linker<HostState>,
    v0_2: Linker<HostState>,
    v0_1: Linker<HostState>,
}

fn linkers(engine: &Engine) -> wasmtime::Result<Linkers> {
    let with_wasi = || -> wasmtime::Result<Linker<HostState>> {
        let mut linker = Linker::new(engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
        Ok(linker)
    };
    let mut latest = with_wasi()?;
    latest::RampartPlugin::add_to_linker::<HostState, HasSelf<HostState>>(&mut latest, |s| s)?;
    let mut v0_2 = with_wasi()?;
    v0_2_0::RampartPlugin::add_to_linker::<HostState, HasSelf<HostState>>(&mut v0_2, |s| s)?;
    let mut v0_1 = with_wasi()?;
    v0_1_0::RampartPlugin::add_to_linker::<HostState, HasSelf<HostState>>(&mut v0_1, |s| s)?;
    Ok(Linkers { latest, v0_2, v0_1 })
}

/// Increments the engine's epoch every [`EPOCH_TICK`] until the host is dropped.
fn start_ticker(engine: Engine) -> Arc<AtomicBool> {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    std::thread::Builder::new()
        .name("plugin-epoch".into())
        .spawn(move || {
            while !flag.load(Ordering::Relaxed) {
                std::thread::sleep(EPOCH_TICK);
                engine.increment_epoch();
            }
        })
        .expect("spawn the plugin epoch thread");
    stop
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_NAME_CHARS
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// Checks what a plugin says about itself before it is installed.
pub fn validate_info(info: &PluginInfo) -> Result<(), String> {
    if !valid_name(&info.name) {
        return Err(format!(
            "the name {:?} must be 1 to {MAX_NAME_CHARS} lower-case letters, digits and dashes, starting with a letter",
            info.name
        ));
    }
    if info.version.trim().is_empty() || info.title.trim().is_empty() {
        return Err("the version and title must not be empty".into());
    }
    for capability in &info.capabilities {
        if plugin_api::capability_description(capability).is_none() {
            let known: Vec<&str> = plugin_api::CAPABILITIES.iter().map(|(n, _)| *n).collect();
            return Err(format!(
                "it asks for the unknown capability {capability:?} (known: {})",
                known.join(", ")
            ));
        }
    }
    let mut pages = HashSet::new();
    for page in &info.pages {
        if !valid_name(&page.id) || !pages.insert(page.id.as_str()) {
            return Err(format!(
                "the page id {:?} must be unique and made of lower-case letters, digits and dashes",
                page.id
            ));
        }
    }
    if let Some(seconds) = info.tick_seconds
        && seconds < 60
    {
        return Err(format!(
            "ticks must be at least 60 seconds apart, not {seconds}"
        ));
    }
    Ok(())
}

impl PluginHost {
    pub fn new(
        store: Store,
        clock: Arc<dyn Clock>,
        config: HostConfig,
    ) -> anyhow::Result<PluginHost> {
        let engine = engine(&config).map_err(|e| anyhow::anyhow!("{e:#}"))?;
        let linkers = linkers(&engine).map_err(|e| anyhow::anyhow!("{e:#}"))?;
        let cache = cache::ComponentCache::new(&config.state_dir.join("cache"), &engine)?;
        std::fs::create_dir_all(config.state_dir.join("installed"))?;
        let stop_ticker = start_ticker(engine.clone());
        Ok(PluginHost {
            inner: Arc::new(Inner {
                engine,
                linkers,
                cache,
                services: Arc::new(Services {
                    store,
                    clock,
                    registry: RwLock::new(HashMap::new()),
                    events_ready: Notify::new(),
                    outbox_ready: Notify::new(),
                }),
                config,
                last_ticks: Mutex::new(HashMap::new()),
                stop_ticker,
                records: Mutex::new(HashMap::new()),
                activations: Mutex::new(HashMap::new()),
            }),
        })
    }

    pub fn services(&self) -> &Arc<Services> {
        &self.inner.services
    }

    pub fn config(&self) -> &HostConfig {
        &self.inner.config
    }

    fn store(&self) -> &Store {
        &self.inner.services.store
    }

    fn now(&self) -> i64 {
        self.inner.services.clock.now()
    }

    fn installed_path(&self, name: &str) -> PathBuf {
        self.inner
            .config
            .state_dir
            .join("installed")
            .join(format!("{name}.wasm"))
    }

    /// Compiles (or loads from the cache) and links a component for the API version it exports.
    async fn prepare(
        &self,
        wasm: Vec<u8>,
        sha256: String,
    ) -> Result<(Pre, String, CompileSource), PluginError> {
        let inner = self.inner.clone();
        let sha = sha256.clone();
        let (component, source) = tokio::task::spawn_blocking(move || {
            if wasmparser_is_core_module(&wasm) {
                return Err("it is a core WebAssembly module, not a component: build it for the wasm32-wasip2 target".to_owned());
            }
            inner
                .cache
                .load(&inner.engine, &wasm, &sha)
                .map_err(|error| format!("it does not compile: {error:#}"))
        })
        .await
        .map_err(|error| PluginError::Host(error.to_string()))?
        .map_err(PluginError::Invalid)?;
        let engine = &self.inner.engine;
        let export_names: Vec<String> = component
            .component_type()
            .exports(engine)
            .map(|(name, _)| name.to_owned())
            .collect();
        let version = bindings::exported_api_version(export_names.iter().map(String::as_str))
            .ok_or_else(|| {
                PluginError::Invalid(
                    "it does not export the rampart:plugin/plugin interface".into(),
                )
            })?;
        let link_error = |error: wasmtime::Error| {
            PluginError::Invalid(format!(
                "it needs something this host does not provide: {error:#}"
            ))
        };
        let linkers = &self.inner.linkers;
        let link =
            |linker: &Linker<HostState>| linker.instantiate_pre(&component).map_err(link_error);
        let pre = match version.as_str() {
            "0.3.0" => Pre::Latest(
                latest::RampartPluginPre::new(link(&linkers.latest)?).map_err(link_error)?,
            ),
            "0.2.0" => {
                Pre::V0_2(v0_2_0::RampartPluginPre::new(link(&linkers.v0_2)?).map_err(link_error)?)
            }
            "0.1.0" => {
                Pre::V0_1(v0_1_0::RampartPluginPre::new(link(&linkers.v0_1)?).map_err(link_error)?)
            }
            other => {
                return Err(PluginError::Invalid(format!(
                    "it was built against rampart:plugin@{other}; this Rampart runs {}",
                    bindings::SUPPORTED_VERSIONS.join(", ")
                )));
            }
        };
        Ok((pre, version, source))
    }

    /// Installs (or upgrades) a plugin from its wasm bytes: compiles, links, asks it to describe
    /// itself, checks the description, keeps a copy of the wasm and records it. Nothing is recorded
    /// when any step fails.
    pub async fn install(&self, wasm: Vec<u8>) -> Result<Installed, PluginError> {
        let sha256 = sha256_hex(&wasm);
        let (pre, api_version, compiled) = self.prepare(wasm.clone(), sha256.clone()).await?;
        let probe = Arc::new(LoadedPlugin {
            info: PluginInfo {
                name: "(installing)".into(),
                version: String::new(),
                title: String::new(),
                description: String::new(),
                capabilities: Vec::new(),
                pages: Vec::new(),
                subscriptions: Vec::new(),
                tick_seconds: None,
            },
            api_version: api_version.clone(),
            pre,
        });
        let scope = CallScope {
            plugin: Arc::from("(installing)"),
            organisation_id: None,
            user_id: None,
            roles: Vec::new(),
            granted: Arc::new(HashSet::new()),
        };
        let info: PluginInfo = self
            .run(&probe, scope, |instance, store| {
                Box::pin(
                    async move { with_guest!(instance, guest => guest.call_describe(store).await) },
                )
            })
            .await?
            .into();
        validate_info(&info).map_err(PluginError::Invalid)?;
        let previous = self.store().plugin(&info.name).await.ok();
        let changed = previous.as_ref().is_none_or(|p| p.sha256 != sha256);
        let path = self.installed_path(&info.name);
        let partial = path.with_extension("partial");
        tokio::fs::write(&partial, &wasm)
            .await
            .and(tokio::fs::rename(&partial, &path).await)
            .map_err(|error| {
                PluginError::Host(format!("could not keep the plugin file: {error}"))
            })?;
        let info_json =
            serde_json::to_string(&info).map_err(|e| PluginError::Host(e.to_string()))?;
        self.store()
            .upsert_plugin(
                &store::NewPlugin {
                    name: info.name.clone(),
                    version: info.version.clone(),
                    title: info.title.clone(),
                    description: info.description.clone(),
                    api_version: api_version.clone(),
                    sha256: sha256.clone(),
                    info: info_json,
                },
                self.now(),
            )
            .await?;
        self.forget_policy(&info.name);
        let Ok(probe) = Arc::try_unwrap(probe) else {
            return Err(PluginError::Host(
                "the install probe is still in use".into(),
            ));
        };
        self.inner
            .services
            .registry
            .write()
            .expect("plugin registry lock")
            .insert(
                info.name.clone(),
                Arc::new(LoadedPlugin {
                    info: info.clone(),
                    ..probe
                }),
            );
        Ok(Installed {
            info,
            api_version,
            sha256,
            changed,
            compiled,
        })
    }

    /// Loads every installed plugin (at start-up). A plugin that no longer loads is disabled with the
    /// reason, and the others still load.
    pub async fn load_installed(&self) -> Result<usize, PluginError> {
        let mut loaded = 0;
        for record in self.store().list_plugins().await? {
            match self.load_one(&record).await {
                Ok(()) => loaded += 1,
                Err(error) => {
                    tracing::error!(plugin = %record.name, %error, "an installed plugin did not load");
                    self.store()
                        .set_plugin_status(
                            &record.name,
                            "disabled",
                            Some(&format!("It did not load at start-up: {error}")),
                            self.now(),
                        )
                        .await?;
                }
            }
        }
        Ok(loaded)
    }

    async fn load_one(&self, record: &store::PluginRecord) -> Result<(), PluginError> {
        let wasm = tokio::fs::read(self.installed_path(&record.name))
            .await
            .map_err(|error| PluginError::Host(format!("its file cannot be read: {error}")))?;
        let sha256 = sha256_hex(&wasm);
        if sha256 != record.sha256 {
            return Err(PluginError::Invalid(
                "its file changed since it was installed".into(),
            ));
        }
        let (pre, api_version, _) = self.prepare(wasm, sha256).await?;
        let info: PluginInfo = serde_json::from_str(&record.info).map_err(|error| {
            PluginError::Host(format!("its stored description is unreadable: {error}"))
        })?;
        self.inner
            .services
            .registry
            .write()
            .expect("plugin registry lock")
            .insert(
                record.name.clone(),
                Arc::new(LoadedPlugin {
                    info,
                    api_version,
                    pre,
                }),
            );
        Ok(())
    }

    /// Removes a plugin, its file and everything it stored.
    pub async fn remove(&self, name: &str) -> Result<bool, PluginError> {
        self.forget_policy(name);
        self.inner
            .services
            .registry
            .write()
            .expect("plugin registry lock")
            .remove(name);
        let _ = tokio::fs::remove_file(self.installed_path(name)).await;
        Ok(self.store().delete_plugin(name).await?)
    }

    /// Enables or disables a plugin everywhere (a platform admin's switch; also lifts a suspension).
    pub async fn set_enabled(
        &self,
        name: &str,
        enabled: bool,
        reason: Option<&str>,
    ) -> Result<(), PluginError> {
        let status = if enabled { "enabled" } else { "disabled" };
        let result = self
            .store()
            .set_plugin_status(name, status, reason, self.now())
            .await
            .map_err(|error| match error {
                store::StoreError::NotFound => PluginError::NotInstalled(name.to_owned()),
                other => other.into(),
            });
        self.forget_policy(name);
        result
    }

    /// The description of a loaded plugin.
    pub fn info(&self, name: &str) -> Option<(PluginInfo, String)> {
        let registry = self
            .inner
            .services
            .registry
            .read()
            .expect("plugin registry lock");
        registry
            .get(name)
            .map(|plugin| (plugin.info.clone(), plugin.api_version.clone()))
    }

    /// Names of the loaded plugins.
    pub fn loaded(&self) -> Vec<String> {
        let registry = self
            .inner
            .services
            .registry
            .read()
            .expect("plugin registry lock");
        let mut names: Vec<String> = registry.keys().cloned().collect();
        names.sort();
        names
    }

    fn loaded_plugin(&self, name: &str) -> Result<Arc<LoadedPlugin>, PluginError> {
        let registry = self
            .inner
            .services
            .registry
            .read()
            .expect("plugin registry lock");
        registry
            .get(name)
            .cloned()
            .ok_or_else(|| PluginError::NotInstalled(name.to_owned()))
    }

    /// The plugin's record, from memory when read within [`POLICY_TTL`].
    async fn record(&self, plugin: &str) -> Result<store::PluginRecord, PluginError> {
        if let Some((at, record)) = self.inner.records.lock().expect("policy cache").get(plugin)
            && at.elapsed() < POLICY_TTL
        {
            return Ok(record.clone());
        }
        let record = self
            .store()
            .plugin(plugin)
            .await
            .map_err(|error| match error {
                store::StoreError::NotFound => PluginError::NotInstalled(plugin.to_owned()),
                other => other.into(),
            })?;
        self.inner
            .records
            .lock()
            .expect("policy cache")
            .insert(plugin.to_owned(), (Instant::now(), record.clone()));
        Ok(record)
    }

    /// An organisation's activation of the plugin, from memory when read within [`POLICY_TTL`].
    async fn activation(
        &self,
        plugin: &str,
        organisation: i64,
    ) -> Result<Option<store::Activation>, PluginError> {
        let key = (plugin.to_owned(), organisation);
        if let Some((at, activation)) = self
            .inner
            .activations
            .lock()
            .expect("policy cache")
            .get(&key)
            && at.elapsed() < POLICY_TTL
        {
            return Ok(activation.clone());
        }
        let activation = self.store().activation(plugin, organisation).await?;
        self.inner
            .activations
            .lock()
            .expect("policy cache")
            .insert(key, (Instant::now(), activation.clone()));
        Ok(activation)
    }

    /// Drops what is remembered about a plugin's status and grants, after changing them.
    pub fn forget_policy(&self, plugin: &str) {
        self.inner
            .records
            .lock()
            .expect("policy cache")
            .remove(plugin);
        self.inner
            .activations
            .lock()
            .expect("policy cache")
            .retain(|(name, _), _| name != plugin);
    }

    /// Turns a plugin on or off for an organisation with exactly these capabilities (an org admin's
    /// choice), effective for the next call.
    pub async fn set_activation(
        &self,
        plugin: &str,
        organisation: i64,
        active: bool,
        capabilities: &[String],
        changed_by: Option<i64>,
    ) -> Result<(), PluginError> {
        self.store()
            .set_activation(
                plugin,
                organisation,
                active,
                capabilities,
                changed_by,
                self.now(),
            )
            .await?;
        self.forget_policy(plugin);
        Ok(())
    }

    /// The scope of a call by a user (or by the platform, with no organisation): checks that the plugin
    /// is enabled and turned on for the organisation, and works out what is granted.
    pub async fn scope_for(
        &self,
        plugin: &str,
        organisation_id: Option<i64>,
        user_id: Option<i64>,
        roles: Vec<String>,
    ) -> Result<CallScope, PluginError> {
        let loaded = self.loaded_plugin(plugin)?;
        let record = self.record(plugin).await?;
        if record.status != "enabled" {
            return Err(PluginError::Unavailable {
                plugin: plugin.to_owned(),
                status: record.status,
                reason: record
                    .status_reason
                    .unwrap_or_else(|| "a platform admin turned it off".into()),
            });
        }
        let declared: HashSet<String> = loaded.info.capabilities.iter().cloned().collect();
        let granted = match organisation_id {
            None => declared,
            Some(organisation) => {
                let activation = self
                    .activation(plugin, organisation)
                    .await?
                    .filter(|a| a.active)
                    .ok_or_else(|| PluginError::NotActive(plugin.to_owned()))?;
                activation
                    .granted()
                    .into_iter()
                    .filter(|c| declared.contains(c))
                    .collect()
            }
        };
        Ok(CallScope {
            plugin: Arc::from(plugin),
            organisation_id,
            user_id,
            roles,
            granted: Arc::new(granted),
        })
    }

    fn context(&self, scope: &CallScope) -> latest::CallContext {
        latest::CallContext {
            organisation_id: scope.organisation_id,
            user_id: scope.user_id,
            roles: scope.roles.clone(),
            base_url: self.inner.config.base_url.clone(),
        }
    }

    /// Runs one call in a fresh store: instantiate, call, drop. Classifies what went wrong.
    async fn run<R: Send>(
        &self,
        plugin: &Arc<LoadedPlugin>,
        scope: CallScope,
        call: impl for<'a> FnOnce(
            &'a Instance,
            &'a mut wasmtime::Store<HostState>,
        ) -> std::pin::Pin<
            Box<dyn std::future::Future<Output = wasmtime::Result<R>> + Send + 'a>,
        > + Send,
    ) -> Result<R, PluginError> {
        let name = scope.plugin.to_string();
        let config = &self.inner.config;
        let state = HostState::new(scope, self.inner.services.clone(), config.memory_cap_bytes);
        let mut store = wasmtime::Store::new(&self.inner.engine, state);
        store.limiter(|state| state as &mut dyn wasmtime::ResourceLimiter);
        let budget = config.call_timeout;
        let deadline = Instant::now() + budget;
        store.set_epoch_deadline(1);
        store.epoch_deadline_callback(move |_| {
            if Instant::now() >= deadline {
                Err(wasmtime::Error::new(DeadlineExceeded))
            } else {
                Ok(UpdateDeadline::Yield(1))
            }
        });
        let outcome = async {
            let instance = match &plugin.pre {
                Pre::Latest(pre) => Instance::Latest(pre.instantiate_async(&mut store).await?),
                Pre::V0_2(pre) => Instance::V0_2(pre.instantiate_async(&mut store).await?),
                Pre::V0_1(pre) => Instance::V0_1(pre.instantiate_async(&mut store).await?),
            };
            call(&instance, &mut store).await
        };
        // Host functions wait on the database outside wasm, where the epoch cannot stop them; this
        // bounds the whole call too.
        let outcome = match tokio::time::timeout(budget + Duration::from_secs(5), outcome).await {
            Ok(outcome) => outcome,
            Err(_) => Err(wasmtime::Error::new(DeadlineExceeded)),
        };
        outcome.map_err(|error| self.classify(&name, error, store.data(), budget))
    }

    fn classify(
        &self,
        plugin: &str,
        error: wasmtime::Error,
        state: &HostState,
        budget: Duration,
    ) -> PluginError {
        let plugin = plugin.to_owned();
        if error.downcast_ref::<DeadlineExceeded>().is_some() {
            return PluginError::Timeout {
                plugin,
                budget_ms: budget.as_millis(),
            };
        }
        if state.memory_exceeded {
            return PluginError::Memory {
                plugin,
                detail: format!("{error:#}"),
            };
        }
        let message = format!("{error:#}");
        if message.contains("concurrent") && message.contains("limit") {
            return PluginError::Busy;
        }
        let detail = match state.stderr_tail() {
            Some(stderr) => format!("{stderr} ({})", first_line(&message)),
            None => first_line(&message).to_owned(),
        };
        PluginError::Trap { plugin, detail }
    }

    /// Records a sandbox failure, audits it, and suspends the plugin when it failed too often.
    async fn record_failure(&self, scope: &CallScope, what: &str, error: &PluginError) {
        if !error.is_sandbox_failure() {
            return;
        }
        let now = self.now();
        let plugin = scope.plugin.to_string();
        tracing::warn!(%plugin, organisation = scope.organisation_id, %error, "plugin call failed in {what}");
        let failure = store::PluginFailure {
            plugin: plugin.clone(),
            organisation_id: scope.organisation_id,
            kind: error.failure_kind().into(),
            message: format!("{what}: {error}"),
            at: now,
        };
        let store = self.store();
        if let Err(error) = store.record_plugin_failure(&failure).await {
            tracing::error!(%error, "could not record a plugin failure");
            return;
        }
        let _ = store
            .append_audit(&store::NewAuditEntry {
                at: now,
                actor_user_id: scope.user_id,
                organisation_id: scope.organisation_id,
                action: "plugin.failure".into(),
                target: Some(plugin.clone()),
                detail: failure.message.clone(),
                client_ip: None,
            })
            .await;
        let config = &self.inner.config;
        let recent = store
            .plugin_failures(
                &plugin,
                now - config.failure_window_secs,
                config.suspend_after_failures as i64,
            )
            .await
            .unwrap_or_default();
        if recent.len() >= config.suspend_after_failures {
            let reason = format!(
                "Suspended automatically after {} failures within {} minutes. The last one: {}",
                recent.len(),
                config.failure_window_secs / 60,
                failure.message
            );
            let suspended = store
                .set_plugin_status(&plugin, "suspended", Some(&reason), now)
                .await
                .is_ok();
            self.forget_policy(&plugin);
            if suspended {
                tracing::error!(%plugin, "{reason}");
                let _ = store
                    .append_audit(&store::NewAuditEntry {
                        at: now,
                        actor_user_id: None,
                        organisation_id: None,
                        action: "plugin.suspended".into(),
                        target: Some(plugin),
                        detail: reason,
                        client_ip: None,
                    })
                    .await;
            }
        }
    }

    async fn call<R: Send>(
        &self,
        scope: CallScope,
        what: &str,
        call: impl for<'a> FnOnce(
            &'a Instance,
            &'a mut wasmtime::Store<HostState>,
        ) -> std::pin::Pin<
            Box<dyn std::future::Future<Output = wasmtime::Result<R>> + Send + 'a>,
        > + Send,
    ) -> Result<R, PluginError> {
        let plugin = self.loaded_plugin(&scope.plugin)?;
        let result = self.run(&plugin, scope.clone(), call).await;
        if let Err(error) = &result {
            self.record_failure(&scope, what, error).await;
        }
        result
    }

    /// `GET|POST /p/<plugin>/<path>`.
    pub async fn handle_request(
        &self,
        scope: CallScope,
        request: HttpExchange,
    ) -> Result<HttpExchange, PluginError> {
        let context = self.context(&scope);
        let plugin = scope.plugin.to_string();
        let wit_request = latest::HttpRequest {
            method: request.method,
            path: request.path,
            query: request.query,
            headers: request.headers,
            body: request.body,
        };
        let answer = self
            .call(scope, "a request", move |instance, store| {
                Box::pin(async move {
                    with_guest!(instance, guest => guest.call_handle_request(store, &context, &wit_request).await)
                })
            })
            .await?;
        let response = answer.map_err(|message| PluginError::Plugin { plugin, message })?;
        Ok(HttpExchange {
            status: response.status,
            headers: response.headers,
            body: response.body,
            ..HttpExchange::default()
        })
    }

    /// Renders one of the plugin's pages.
    pub async fn render_page(
        &self,
        scope: CallScope,
        page: &str,
        query: Vec<(String, String)>,
    ) -> Result<Page, PluginError> {
        let context = self.context(&scope);
        let plugin = scope.plugin.to_string();
        let page = page.to_owned();
        let answer = self
            .call(scope, "a page", move |instance, store| {
                Box::pin(async move {
                    with_guest!(instance, guest => guest.call_render_page(store, &context, &page, &query).await)
                })
            })
            .await?;
        answer
            .map(Into::into)
            .map_err(|message| PluginError::Plugin { plugin, message })
    }

    /// Hands a submitted (and host-validated) form to the plugin.
    pub async fn submit_form(
        &self,
        scope: CallScope,
        page: &str,
        form: &str,
        fields: Vec<(String, String)>,
    ) -> Result<FormOutcome, PluginError> {
        let context = self.context(&scope);
        let plugin = scope.plugin.to_string();
        let (page, form) = (page.to_owned(), form.to_owned());
        let answer = self
            .call(scope, "a form", move |instance, store| {
                Box::pin(async move {
                    with_guest!(instance, guest => guest.call_submit_form(store, &context, &page, &form, &fields).await)
                })
            })
            .await?;
        answer
            .map(Into::into)
            .map_err(|message| PluginError::Plugin { plugin, message })
    }

    /// Publishes an engine event (`course.completed`, `learner.enrolled`, …).
    pub async fn publish_engine_event(
        &self,
        topic: &str,
        organisation_id: Option<i64>,
        payload: &serde_json::Value,
    ) -> Result<i64, PluginError> {
        self.inner
            .services
            .publish(topic, organisation_id, &payload.to_string(), "engine")
            .await
    }

    /// Delivers due events; returns how many were delivered. A failed delivery is retried with
    /// back-off (30 s, 2 min, 4.5 min … up to an hour); one whose plugin is not enabled waits.
    pub async fn deliver_due(&self) -> Result<usize, PluginError> {
        let now = self.now();
        let due = self.store().due_deliveries(now, 100).await?;
        let mut delivered = 0;
        for delivery in due {
            let event = delivery.event();
            // An event sent up to the platform runs in the platform scope; its organisation names the
            // sender.
            let scope_organisation = if event.to_platform {
                None
            } else {
                event.organisation_id
            };
            let scope = match self
                .scope_for(&delivery.plugin, scope_organisation, None, Vec::new())
                .await
            {
                Ok(scope) => scope,
                Err(error) => {
                    let retry = now + 300;
                    self.store()
                        .delivery_failed(event.id, &delivery.plugin, &error.to_string(), retry)
                        .await?;
                    continue;
                }
            };
            let context = self.context(&scope);
            let wit_event = latest::Event {
                id: event.id,
                topic: event.topic.clone(),
                organisation_id: event.organisation_id,
                payload: event.payload.clone(),
                source: event.source.clone(),
                published_at: event.published_at * 1000,
            };
            let plugin = delivery.plugin.clone();
            let result = self
                .call(scope, "an event", move |instance, store| {
                    Box::pin(async move {
                        with_guest!(instance, guest => guest.call_handle_event(store, &context, &wit_event).await)
                    })
                })
                .await
                .and_then(|answer| {
                    answer.map_err(|message| PluginError::Plugin {
                        plugin: plugin.clone(),
                        message,
                    })
                });
            match result {
                Ok(()) => {
                    self.store()
                        .delivery_done(event.id, &delivery.plugin, self.now())
                        .await?;
                    delivered += 1;
                }
                Err(error) => {
                    let attempts = delivery.attempts + 1;
                    let retry = now + (30 * attempts * attempts).min(3600);
                    self.store()
                        .delivery_failed(event.id, &delivery.plugin, &error.to_string(), retry)
                        .await?;
                }
            }
        }
        Ok(delivered)
    }

    /// Calls `tick` for every enabled plugin that asked for ticks, in every organisation that turned
    /// it on (and the platform scope), when its interval has passed. Returns how many ticks ran.
    pub async fn run_ticks(&self) -> Result<usize, PluginError> {
        let now = self.now();
        let mut ran = 0;
        let plugins: Vec<(String, u32)> = {
            let registry = self
                .inner
                .services
                .registry
                .read()
                .expect("plugin registry lock");
            registry
                .values()
                .filter_map(|p| p.info.tick_seconds.map(|s| (p.info.name.clone(), s)))
                .collect()
        };
        for (name, interval) in plugins {
            let mut scopes = vec![None];
            for activation in self.store().activations(&name).await? {
                if activation.active && activation.scope_id != store::PLATFORM_SCOPE {
                    scopes.push(Some(activation.scope_id));
                }
            }
            for organisation in scopes {
                let key = (name.clone(), organisation.unwrap_or(store::PLATFORM_SCOPE));
                let due = {
                    let ticks = self.inner.last_ticks.lock().expect("tick lock");
                    ticks
                        .get(&key)
                        .is_none_or(|last| now - last >= interval as i64)
                };
                if !due {
                    continue;
                }
                let Ok(scope) = self.scope_for(&name, organisation, None, Vec::new()).await else {
                    continue;
                };
                self.inner
                    .last_ticks
                    .lock()
                    .expect("tick lock")
                    .insert(key, now);
                let context = self.context(&scope);
                let now_ms = now * 1000;
                let result = self
                    .call(scope, "a tick", move |instance, store| {
                        Box::pin(async move {
                            with_guest!(instance, guest => guest.call_tick(store, &context, now_ms).await)
                        })
                    })
                    .await;
                match result {
                    Ok(Ok(())) => ran += 1,
                    Ok(Err(message)) => {
                        tracing::warn!(plugin = %name, %message, "a plugin tick failed")
                    }
                    Err(error) => tracing::warn!(plugin = %name, %error, "a plugin tick failed"),
                }
            }
        }
        Ok(ran)
    }

    /// The engine, for benchmarks that compare instantiation strategies.
    pub fn engine(&self) -> &Engine {
        &self.inner.engine
    }

    /// Installs every `*.wasm` in a folder (start-up seeding), skipping builds already installed.
    /// Returns the names installed or upgraded; a bad file is logged and skipped.
    pub async fn install_dir(&self, dir: &Path) -> Vec<String> {
        let Ok(mut entries) = tokio::fs::read_dir(dir).await else {
            return Vec::new();
        };
        let mut files = Vec::new();
        while let Ok(Some(entry)) = entries.next_entry().await {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "wasm") {
                files.push(path);
            }
        }
        files.sort();
        let mut installed = Vec::new();
        for path in files {
            let Ok(wasm) = tokio::fs::read(&path).await else {
                continue;
            };
            match self.install(wasm).await {
                Ok(done) if done.changed => installed.push(done.info.name),
                Ok(_) => {}
                Err(error) => {
                    tracing::error!(file = %path.display(), %error, "could not install a bundled plugin")
                }
            }
        }
        installed
    }
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or(text)
}

/// A core module starts with the wasm magic and version 1; a component with the magic and a layer of 1.
fn wasmparser_is_core_module(bytes: &[u8]) -> bool {
    bytes.len() >= 8 && bytes[0..4] == *b"\0asm" && bytes[4..8] == [1, 0, 0, 0]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topics_match_exactly_or_by_prefix() {
        assert!(topic_matches("course.*", "course.completed"));
        assert!(topic_matches("test.ping", "test.ping"));
        assert!(!topic_matches("test.ping", "test.pingx"));
        assert!(!topic_matches("course.*", "learner.enrolled"));
    }

    #[test]
    fn descriptions_are_checked_before_install() {
        let mut info = PluginInfo {
            name: "hello".into(),
            version: "1.0.0".into(),
            title: "Hello".into(),
            description: String::new(),
            capabilities: vec!["events.publish".into()],
            pages: Vec::new(),
            subscriptions: Vec::new(),
            tick_seconds: None,
        };
        assert_eq!(validate_info(&info), Ok(()));
        info.capabilities.push("filesystem".into());
        assert!(
            validate_info(&info)
                .unwrap_err()
                .contains("unknown capability \"filesystem\"")
        );
        info.capabilities.pop();
        info.name = "Hello World".into();
        assert!(validate_info(&info).is_err());
        info.name = "hello".into();
        info.tick_seconds = Some(5);
        assert!(validate_info(&info).unwrap_err().contains("60 seconds"));
    }

    #[test]
    fn core_modules_are_told_apart_from_components() {
        assert!(wasmparser_is_core_module(b"\0asm\x01\0\0\0"));
        assert!(!wasmparser_is_core_module(b"\0asm\x0d\0\x01\0"));
    }
}
