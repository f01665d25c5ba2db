//! Configuration: defaults, then a TOML file, then `RAMPART_*` environment variables (and `DATABASE_URL`).
//! Unknown keys and malformed values stop start-up with a message naming the key and where it came from.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use accounts::SecretKey;
use anyhow::{Context, anyhow};
use figment::Figment;
use figment::providers::{Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

/// Everything `rampart` can be told. Field names are the TOML keys; `RAMPART_<KEY>` overrides each.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Where the engine (pages, API, LTI) listens.
    pub listen: SocketAddr,
    /// Where course content is served from: a second listener, so a second origin.
    pub content_listen: SocketAddr,
    /// The URL people use to reach the engine; `https://` turns on Secure, `__Host-` cookies.
    pub public_url: String,
    /// The URL of the content origin. Must differ from `public_url` in scheme, host or port; a different
    /// host name is best (by default `localhost` against `127.0.0.1`, which browsers treat as separate
    /// sites, so engine cookies are never even sent to content).
    pub content_url: String,
    /// Holds the SQLite database, the generated secret key and (later) package files.
    pub data_dir: PathBuf,
    /// `sqlite://…` or `postgres://…`; default: `sqlite://<data_dir>/rampart.db`.
    pub database_url: Option<String>,
    /// 32 bytes as 64 hex digits or base64url; default: generated into `<data_dir>/secret.key`.
    pub secret_key: Option<String>,
    /// Built browser assets (`pkg/web.js`, `pkg/web_bg.wasm`).
    pub site_dir: PathBuf,
    /// `pretty` for people, `json` for log collectors.
    pub log_format: LogFormat,
    /// Most files a package zip may hold.
    pub package_max_files: usize,
    /// Most bytes (in MiB) a package may unpack to.
    pub package_max_unpacked_mb: u64,
    /// Largest uncompressed ÷ compressed ratio of a file over 1 MiB before it counts as a zip bomb.
    pub package_max_ratio: u64,
    /// The course source (`pathways.toml`, `modules/*`): on first run, with no packages yet, its modules
    /// are built as SCORM 2004 and imported, shared with every organisation. A missing folder seeds nothing.
    pub courses_dir: PathBuf,
    /// Bundled plugins (`*.wasm`): installed, or upgraded when their build changed, at every start.
    pub plugins_dir: PathBuf,
    /// Wall-clock budget of one plugin call, in milliseconds.
    pub plugin_timeout_ms: u64,
    /// Largest memory a plugin instance may grow to, in MiB.
    pub plugin_memory_mb: u64,
    /// Emails from plugins go through this SMTP server (`smtp://host:port`; `smtps://` for TLS); unset:
    /// emails wait in the outbox.
    pub smtp_url: Option<String>,
    /// The sender of emails.
    pub mail_from: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Pretty,
    Json,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: "127.0.0.1:3000".parse().expect("valid default"),
            content_listen: "127.0.0.1:3001".parse().expect("valid default"),
            public_url: "http://127.0.0.1:3000".to_owned(),
            content_url: "http://localhost:3001".to_owned(),
            data_dir: PathBuf::from("data"),
            database_url: None,
            secret_key: None,
            site_dir: PathBuf::from("target/site"),
            log_format: LogFormat::Pretty,
            package_max_files: package::Limits::default().max_entries,
            package_max_unpacked_mb: package::Limits::default().max_total_uncompressed >> 20,
            package_max_ratio: package::Limits::default().max_ratio,
            courses_dir: PathBuf::from("courses"),
            plugins_dir: PathBuf::from("target/site/plugins"),
            plugin_timeout_ms: 2000,
            plugin_memory_mb: 64,
            smtp_url: None,
            mail_from: "Rampart <rampart@localhost>".to_owned(),
        }
    }
}

/// Keys whose environment values are numbers.
const NUMERIC_KEYS: &[&str] = &[
    "package_max_files",
    "package_max_unpacked_mb",
    "package_max_ratio",
    "plugin_timeout_ms",
    "plugin_memory_mb",
];

/// Environment variables with the `RAMPART_` prefix that are not configuration keys. `RAMPART_TEST_*`
/// belong to the test suite (which starts this binary with them set) and are never keys either.
const NON_CONFIG_ENV: &[&str] = &["CONFIG", "LOG"];
const TEST_ENV_PREFIX: &str = "TEST_";

impl Config {
    /// The plugin host's places and limits.
    pub fn plugin_host(&self) -> plugin_host::HostConfig {
        let mut host =
            plugin_host::HostConfig::new(self.data_dir.join("plugins"), self.public_url.clone());
        host.call_timeout = std::time::Duration::from_millis(self.plugin_timeout_ms.max(10));
        host.memory_cap_bytes = (self.plugin_memory_mb.max(1) as usize) << 20;
        host
    }

    /// Loads the configuration. `file` is read if given (it must exist) or, otherwise, `rampart.toml` in
    /// the working directory if present. `env` is the process environment, passed in for testing.
    pub fn load(file: Option<&Path>, env: &[(String, String)]) -> anyhow::Result<Config> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        match file {
            Some(path) => {
                if !path.is_file() {
                    return Err(anyhow!(
                        "the configuration file {} does not exist",
                        path.display()
                    ));
                }
                figment = figment.merge(Toml::file(path));
            }
            None if Path::new("rampart.toml").is_file() => {
                figment = figment.merge(Toml::file("rampart.toml"))
            }
            None => {}
        }
        // (configuration key, environment variable, value)
        let mut from_env: Vec<(String, String, String)> = Vec::new();
        for (variable, value) in env {
            if variable == "DATABASE_URL" {
                from_env.push(("database_url".to_owned(), variable.clone(), value.clone()));
            } else if let Some(name) = variable.strip_prefix("RAMPART_")
                && !NON_CONFIG_ENV.contains(&name)
                && !name.starts_with(TEST_ENV_PREFIX)
            {
                from_env.push((name.to_ascii_lowercase(), variable.clone(), value.clone()));
            }
        }
        // Env values are taken as strings and parsed by serde, so `RAMPART_LISTEN=nonsense` is an error
        // naming the variable rather than a silently ignored value.
        for (key, _, value) in &from_env {
            // Numbers are parsed as figment does; everything else stays text (a secret key of digits is text).
            let value = if NUMERIC_KEYS.contains(&key.as_str()) {
                value
                    .parse::<figment::value::Value>()
                    .expect("parsing a figment value is infallible")
            } else {
                figment::value::Value::from(value.clone())
            };
            figment = figment.merge(Serialized::default(key, value));
        }
        let config: Config = figment
            .extract()
            .map_err(|e| describe_figment_error(e, &from_env))?;
        config.check()?;
        Ok(config)
    }

    fn check(&self) -> anyhow::Result<()> {
        for (key, url) in [
            ("public_url", &self.public_url),
            ("content_url", &self.content_url),
        ] {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(anyhow!(
                    "configuration key {key}: {url:?} must start with http:// or https://"
                ));
            }
        }
        if origin(&self.public_url) == origin(&self.content_url) {
            return Err(anyhow!(
                "configuration keys public_url and content_url must be different origins (both are {}); \
                 course content must never share the engine's origin",
                origin(&self.public_url)
            ));
        }
        if self.listen == self.content_listen {
            return Err(anyhow!(
                "configuration keys listen and content_listen must be different addresses"
            ));
        }
        Ok(())
    }

    /// Limits against hostile package zips, from the `package_max_*` keys.
    pub fn package_limits(&self) -> package::Limits {
        package::Limits {
            max_entries: self.package_max_files,
            max_total_uncompressed: self.package_max_unpacked_mb << 20,
            max_ratio: self.package_max_ratio,
            ..package::Limits::default()
        }
    }

    pub fn is_https(&self) -> bool {
        self.public_url.starts_with("https://")
    }

    pub fn database_url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", self.data_dir.join("rampart.db").display()))
    }

    /// The configured secret key or the one in `<data_dir>/secret.key`, generated there (mode 0600) on
    /// first run.
    pub fn secret_key(&self) -> anyhow::Result<SecretKey> {
        if let Some(text) = &self.secret_key {
            return SecretKey::parse(text)
                .map_err(|e| anyhow!("configuration key secret_key: {e}"));
        }
        let path = self.data_dir.join("secret.key");
        if path.exists() {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("reading {}", path.display()))?;
            return SecretKey::parse(&text).map_err(|e| anyhow!("{}: {e}", path.display()));
        }
        std::fs::create_dir_all(&self.data_dir)
            .with_context(|| format!("creating the data directory {}", self.data_dir.display()))?;
        let key = SecretKey::generate();
        write_private(&path, &key.encode())
            .with_context(|| format!("writing {}", path.display()))?;
        tracing::info!(path = %path.display(), "generated a new secret key");
        Ok(key)
    }
}

fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)?.write_all(contents.as_bytes())
}

/// `scheme://host:port` of a URL, with the default port made explicit.
pub fn origin(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("http", url));
    let authority = rest
        .split(['/', '?', '#'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    if authority
        .rsplit_once(':')
        .is_some_and(|(_, port)| port.chars().all(|c| c.is_ascii_digit()))
    {
        format!("{scheme}://{authority}")
    } else {
        let port = if scheme == "https" { 443 } else { 80 };
        format!("{scheme}://{authority}:{port}")
    }
}

/// Turns figment's error into one line naming the key and, for environment values, the variable.
fn describe_figment_error(
    error: figment::Error,
    from_env: &[(String, String, String)],
) -> anyhow::Error {
    let messages: Vec<String> = error
        .into_iter()
        .map(|e| {
            let key = e.path.join(".");
            let variable = from_env.iter().rev().find(|(k, _, _)| *k == key).map(|(_, variable, _)| variable);
            let kind = match &e.kind {
                figment::error::Kind::UnknownField(field, _) => {
                    let variable = format!("RAMPART_{}", field.to_ascii_uppercase());
                    return format!(
                        "unknown configuration key {field:?} (from the file, or the environment variable \
                         {variable}); known keys: listen, content_listen, public_url, content_url, data_dir, \
                         database_url, secret_key, site_dir, log_format, package_max_files, \
                         package_max_unpacked_mb, package_max_ratio, courses_dir, plugins_dir, \
                         plugin_timeout_ms, plugin_memory_mb, smtp_url, mail_from"
                    );
                }
                other => other.to_string(),
            };
            let source = match variable {
                Some(variable) => format!(" (environment variable {variable})"),
                None => e
                    .metadata
                    .as_ref()
                    .and_then(|m| m.source.as_ref())
                    .filter(|s| s.file_path().is_some())
                    .map(|s| format!(" (in {s})"))
                    .unwrap_or_default(),
            };
            format!("configuration key {key}{source}: {kind}")
        })
        .collect();
    anyhow!(messages.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_give_two_origins_and_sqlite_under_the_data_dir() {
        let config = Config::load(None, &[]).unwrap();
        assert_eq!(config.listen.to_string(), "127.0.0.1:3000");
        assert_eq!(config.content_listen.to_string(), "127.0.0.1:3001");
        assert_ne!(origin(&config.public_url), origin(&config.content_url));
        assert_eq!(config.database_url(), "sqlite://data/rampart.db");
    }

    #[test]
    fn environment_overrides_and_names_bad_values() {
        let config = Config::load(
            None,
            &env(&[
                ("RAMPART_DATA_DIR", "/srv/rampart"),
                ("DATABASE_URL", "postgres://db/x"),
                ("PATH", "/bin"),
            ]),
        )
        .unwrap();
        assert_eq!(config.data_dir, PathBuf::from("/srv/rampart"));
        assert_eq!(config.database_url(), "postgres://db/x");

        let err = Config::load(None, &env(&[("RAMPART_LISTEN", "not-an-address")]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("RAMPART_LISTEN"), "{err}");
        let err = Config::load(None, &env(&[("RAMPART_LOG_FORMAT", "xml")]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("log_format"), "{err}");
    }

    #[test]
    fn unknown_keys_are_named() {
        let err = Config::load(None, &env(&[("RAMPART_LISTN", "127.0.0.1:1")]))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("\"listn\"") && err.contains("RAMPART_LISTN"),
            "{err}"
        );

        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("rampart.toml");
        std::fs::write(&file, "listen = \"127.0.0.1:4000\"\ncolour = \"blue\"\n").unwrap();
        let err = Config::load(Some(&file), &[]).unwrap_err().to_string();
        assert!(err.contains("\"colour\""), "{err}");

        std::fs::write(&file, "listen = \"127.0.0.1:4000\"\n").unwrap();
        assert_eq!(Config::load(Some(&file), &[]).unwrap().listen.port(), 4000);
    }

    #[test]
    fn the_test_suites_own_variables_are_not_keys() {
        let config = Config::load(
            None,
            &env(&[
                ("RAMPART_TEST_PLUGINS", "/tmp/x"),
                ("RAMPART_PLUGIN_TIMEOUT_MS", "750"),
            ]),
        )
        .unwrap();
        assert_eq!(config.plugin_host().call_timeout.as_millis(), 750);
    }

    #[test]
    fn package_limits_are_configurable() {
        let config = Config::load(
            None,
            &env(&[
                ("RAMPART_PACKAGE_MAX_FILES", "10"),
                ("RAMPART_PACKAGE_MAX_UNPACKED_MB", "5"),
            ]),
        )
        .unwrap();
        let limits = config.package_limits();
        assert_eq!(limits.max_entries, 10);
        assert_eq!(limits.max_total_uncompressed, 5 * 1024 * 1024);
        let err = Config::load(None, &env(&[("RAMPART_PACKAGE_MAX_RATIO", "lots")]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("RAMPART_PACKAGE_MAX_RATIO"), "{err}");
    }

    #[test]
    fn the_courses_folder_is_configurable() {
        assert_eq!(
            Config::load(None, &[]).unwrap().courses_dir,
            PathBuf::from("courses")
        );
        let config = Config::load(None, &env(&[("RAMPART_COURSES_DIR", "/srv/courses")])).unwrap();
        assert_eq!(config.courses_dir, PathBuf::from("/srv/courses"));
    }

    #[test]
    fn content_must_be_a_separate_origin() {
        let same = env(&[("RAMPART_CONTENT_URL", "http://127.0.0.1:3000/content")]);
        let err = Config::load(None, &same).unwrap_err().to_string();
        assert!(err.contains("different origins"), "{err}");
    }

    #[test]
    fn secret_key_is_generated_once_and_private() {
        let dir = tempfile::tempdir().unwrap();
        let config = Config {
            data_dir: dir.path().to_path_buf(),
            ..Config::default()
        };
        let first = config.secret_key().unwrap();
        let second = config.secret_key().unwrap();
        assert_eq!(first.mac_b64("t", b"x"), second.mac_b64("t", b"x"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("secret.key"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let bad = Config {
            secret_key: Some("short".into()),
            ..Config::default()
        };
        assert!(
            bad.secret_key()
                .unwrap_err()
                .to_string()
                .contains("secret_key")
        );
    }
}
