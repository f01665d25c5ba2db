//! `rampart`: the server and its admin commands. All of them read the same configuration, so admin
//! commands work on the same data directory and database as the running server.

use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;

use accounts::{Actor, NewOrganisationRequest, NewUserRequest, Role};
use anyhow::{Context, anyhow};
use clap::{Parser, Subcommand};
use server::config::{Config, LogFormat};

#[derive(Parser)]
#[command(
    name = "rampart",
    version,
    about = "Rampart: SCORM and LTI e-learning with security operations for health and care"
)]
struct Cli {
    /// Configuration file (TOML). Default: ./rampart.toml if it exists.
    #[arg(long, global = true, env = "RAMPART_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Start the engine and content servers.
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Manage organisations.
    #[command(subcommand)]
    Org(OrgCommand),
    /// Manage users.
    #[command(subcommand)]
    User(UserCommand),
    /// Check and import SCORM packages.
    #[command(subcommand)]
    Package(PackageCommand),
    /// Build SCORM packages from course source (see courses/FORMAT.md).
    #[command(subcommand)]
    Course(CourseCommand),
    /// Create, build, install and manage plugins (see docs/plugins.md).
    #[command(subcommand)]
    Plugin(PluginCommand),
    /// Connect LMSs: registration URLs, LTI 1.1 consumers, tool keys (see docs/lti.md).
    #[command(subcommand)]
    Lti(LtiCommand),
}

#[derive(Subcommand)]
enum LtiCommand {
    /// Print a one-time LTI Dynamic Registration URL for an organisation (valid 24 hours).
    RegistrationUrl {
        /// The organisation's name or slug.
        #[arg(long)]
        org: String,
    },
    /// LTI 1.1 consumers.
    #[command(subcommand)]
    Consumer(LtiConsumerCommand),
    /// LTI 1.3 platforms registered by hand.
    #[command(subcommand)]
    Platform(LtiPlatformCommand),
    /// Make a new tool signing key; the old one stays published for 7 days.
    RotateKeys,
    /// Print the tool's URLs to give an LMS.
    Urls,
}

#[derive(Subcommand)]
enum LtiPlatformCommand {
    /// Register an LTI 1.3 platform for an organisation, active at once.
    Add {
        /// The organisation's name or slug.
        #[arg(long)]
        org: String,
        /// A name to recognise it by, such as "Moodle".
        #[arg(long)]
        name: String,
        /// The platform's issuer (`iss`).
        #[arg(long)]
        issuer: String,
        /// The client ID the platform gave Rampart.
        #[arg(long)]
        client_id: String,
        /// The platform's OIDC authorisation endpoint.
        #[arg(long)]
        auth_endpoint: String,
        /// The platform's OAuth 2 token endpoint.
        #[arg(long)]
        token_endpoint: String,
        /// The platform's public key set URL.
        #[arg(long)]
        jwks_url: String,
        /// A deployment ID (repeat for several).
        #[arg(long = "deployment", required = true)]
        deployments: Vec<String>,
    },
}

#[derive(Subcommand)]
enum LtiConsumerCommand {
    /// Add an LTI 1.1 consumer and print its key and secret (the secret is shown only now).
    Add {
        /// The organisation's name or slug.
        #[arg(long)]
        org: String,
        /// A name to recognise it by (default: the organisation's name and "LMS").
        #[arg(long)]
        name: Option<String>,
    },
    /// List consumers (keys only).
    List,
}

#[derive(Subcommand)]
enum PluginCommand {
    /// Create a new plugin from the template in ./<name> (or --dir).
    New {
        name: String,
        /// The folder to create it in.
        #[arg(long, default_value = ".")]
        dir: PathBuf,
        /// The title people see; default: from the name.
        #[arg(long)]
        title: Option<String>,
        /// The plugin SDK to depend on; default: this checkout's plugins/sdk.
        #[arg(long)]
        sdk_path: Option<PathBuf>,
    },
    /// Build a plugin folder for wasm32-wasip2 and print the wasm file.
    Build {
        #[arg(default_value = ".")]
        dir: PathBuf,
    },
    /// Install or upgrade a plugin from its wasm file.
    Install { wasm: PathBuf },
    /// List installed plugins.
    List,
    /// Enable a plugin everywhere (also lifts a suspension).
    Enable { name: String },
    /// Disable a plugin everywhere.
    Disable { name: String },
    /// Remove a plugin and everything it stored.
    Remove { name: String },
}

#[derive(Subcommand)]
enum CourseCommand {
    /// Build one module folder into a SCORM package zip. Exit status: 0 built, 1 errors in the source.
    Build {
        /// The module folder (holding module.toml).
        module_dir: PathBuf,
        #[arg(long, value_enum)]
        format: FormatArg,
        /// The zip to write.
        #[arg(short = 'o', long = "output")]
        output: PathBuf,
    },
    /// Build every module of a course folder in both formats (`<id>-scorm12.zip`, `<id>-scorm2004.zip`).
    /// Exit status: 0 all built, 1 some module has errors (the others are still built).
    BuildAll {
        /// The course folder (holding pathways.toml and modules/).
        courses_dir: PathBuf,
        /// The folder to write the zips into (created if missing).
        #[arg(short = 'o', long = "output")]
        out_dir: PathBuf,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum FormatArg {
    Scorm12,
    Scorm2004,
}

impl From<FormatArg> for course::Format {
    fn from(format: FormatArg) -> course::Format {
        match format {
            FormatArg::Scorm12 => course::Format::Scorm12,
            FormatArg::Scorm2004 => course::Format::Scorm2004,
        }
    }
}

#[derive(Subcommand)]
enum PackageCommand {
    /// Check a SCORM package zip. Exit status: 0 valid, 1 invalid, 2 unreadable.
    Validate {
        zip: PathBuf,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Check a package and import it; uploading the same package (manifest identifier) again adds a version.
    Import {
        zip: PathBuf,
        /// Organisation name or slug; without it the package is shared with every organisation.
        #[arg(long)]
        org: Option<String>,
        /// Move learners part-way through an older version onto this one (default: they finish on theirs).
        #[arg(long)]
        move_in_progress: bool,
    },
}

#[derive(Subcommand)]
enum OrgCommand {
    /// Create an organisation.
    Create {
        name: String,
        /// Type of organisation, e.g. acute_trust, gp_practice, social_care.
        #[arg(long, default_value = "other")]
        kind: String,
        #[arg(long)]
        region: Option<String>,
    },
    /// List organisations.
    List,
    /// Set where the organisation's own tooling receives signed plugin webhooks; prints the new
    /// signing secret once.
    Webhook {
        /// The organisation's slug or name.
        org: String,
        /// An https URL (http only for 127.0.0.1 and localhost).
        #[arg(long)]
        url: String,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user. The password is read from standard input (one line) or generated and printed.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// Organisation name or slug (omit for national roles).
        #[arg(long)]
        org: Option<String>,
        /// Role (repeatable): learner, org_admin, security_lead, it_staff, cert_analyst, platform_admin.
        #[arg(long = "role", default_value = "learner")]
        roles: Vec<String>,
    },
    /// List users.
    List,
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    // Checking a package needs no configuration, database or runtime.
    if let Command::Package(PackageCommand::Validate { zip, json }) = &cli.command {
        return validate_package(zip, *json);
    }
    // Nor does building courses: it reads source folders and writes zips.
    if let Command::Course(command) = &cli.command {
        return course_command(command);
    }
    // Nor do creating and building plugins.
    if let Command::Plugin(command @ (PluginCommand::New { .. } | PluginCommand::Build { .. })) =
        &cli.command
    {
        return plugin_authoring(command);
    }
    let env: Vec<(String, String)> = std::env::vars().collect();
    let config = match Config::load(cli.config.as_deref(), &env) {
        Ok(config) => config,
        Err(error) => {
            eprintln!("rampart: {error:#}");
            return std::process::ExitCode::from(2);
        }
    };
    init_tracing(config.log_format);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    match runtime.block_on(run(cli.command, config)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("rampart: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn init_tracing(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("RAMPART_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,tower_http=info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Pretty => builder.init(),
    }
}

async fn run(command: Command, config: Config) -> anyhow::Result<()> {
    match command {
        Command::Serve => server::serve::serve(config).await,
        Command::Migrate => {
            server::serve::open_store(&config).await?;
            println!(
                "database is up to date: {}",
                store::redact_url(&config.database_url())
            );
            Ok(())
        }
        Command::Package(PackageCommand::Import {
            zip,
            org,
            move_in_progress,
        }) => {
            let in_progress = if move_in_progress {
                server::import::InProgress::MoveToNewVersion
            } else {
                server::import::InProgress::FinishOnTheirVersion
            };
            import(&zip, org.as_deref(), in_progress, &config).await
        }
        Command::Package(PackageCommand::Validate { .. }) | Command::Course(_) => {
            unreachable!("validate and course commands run before the configuration is loaded")
        }
        Command::Org(command) => org(command, &config).await,
        Command::User(command) => user(command, &config).await,
        Command::Plugin(command) => plugin(command, &config).await,
        Command::Lti(command) => lti(command, &config).await,
    }
}

async fn lti(command: LtiCommand, config: &Config) -> anyhow::Result<()> {
    let store = server::serve::open_store(config).await?;
    let state = server::serve::app_state(config, store)?;
    let store = state.accounts.store().clone();
    let find_org = |name: String| {
        let store = store.clone();
        async move {
            store.find_organisation(&name).await.with_context(|| {
                format!("there is no organisation called {name:?}; `rampart org list` shows them")
            })
        }
    };
    match command {
        LtiCommand::RegistrationUrl { org } => {
            let organisation = find_org(org).await?;
            let url =
                server::lti::register::registration_url(&state, organisation.id, None).await?;
            println!("{url}");
            eprintln!(
                "paste it into the LMS's dynamic registration (one use, valid for 24 hours); it registers for {}",
                organisation.name
            );
        }
        LtiCommand::Consumer(LtiConsumerCommand::Add { org, name }) => {
            let organisation = find_org(org).await?;
            let name = name.unwrap_or_else(|| format!("{} LMS", organisation.name));
            let (key, secret) =
                server::lti::lti11::add_consumer(&state, organisation.id, &name).await?;
            println!("launch URL: {}", state.lti.urls().lti11_launch);
            println!("consumer key: {key}");
            println!("shared secret: {secret}");
            eprintln!("keep the secret safe: Rampart stores it sealed and will not show it again");
        }
        LtiCommand::Platform(LtiPlatformCommand::Add {
            org,
            name,
            issuer,
            client_id,
            auth_endpoint,
            token_endpoint,
            jwks_url,
            deployments,
        }) => {
            let organisation = find_org(org).await?;
            let id = store
                .insert_lti_platform(
                    &store::NewLtiPlatform {
                        organisation_id: organisation.id,
                        name: &name,
                        issuer: issuer.trim_end_matches('/'),
                        client_id: &client_id,
                        auth_endpoint: &auth_endpoint,
                        token_endpoint: &token_endpoint,
                        jwks_url: &jwks_url,
                        status: "active",
                        registered_via: "manual",
                        deployment_ids: &deployments,
                    },
                    state.clock.now(),
                )
                .await?;
            println!(
                "registered {name} ({issuer}, client {client_id}) for {} as platform {id}; running servers \
                 allow it to frame Rampart after a restart",
                organisation.name
            );
        }
        LtiCommand::Consumer(LtiConsumerCommand::List) => {
            for consumer in store.lti11_consumers(None).await? {
                println!(
                    "{}\t{}\torganisation {}",
                    consumer.consumer_key, consumer.name, consumer.organisation_id
                );
            }
        }
        LtiCommand::RotateKeys => {
            state.lti.ensure_keys(&store).await?;
            let kid = server::lti::keys::rotate(&store, state.lti.secret_key(), state.clock.now())
                .await?;
            println!("new signing key {kid}; the previous key stays published for 7 days");
            eprintln!("running servers pick it up within 10 minutes, or at once on restart");
        }
        LtiCommand::Urls => {
            let urls = state.lti.urls();
            println!("login (OIDC initiation): {}", urls.login);
            println!("launch / redirect URI:    {}", urls.launch);
            println!("public key set (JWKS):    {}", urls.jwks);
            println!("LTI 1.1 launch:           {}", urls.lti11_launch);
        }
    }
    Ok(())
}

fn plugin_authoring(command: &PluginCommand) -> std::process::ExitCode {
    let result = match command {
        PluginCommand::New {
            name,
            dir,
            title,
            sdk_path,
        } => {
            let sdk = sdk_path
                .clone()
                .unwrap_or_else(server::plugin_cli::default_sdk_path);
            server::plugin_cli::new_plugin(dir, name, title.as_deref(), &sdk).map(|created| {
                println!("created {}", created.display());
                println!(
                    "next: cd {} && cargo build --target wasm32-wasip2 --release",
                    created.display()
                );
            })
        }
        PluginCommand::Build { dir } => {
            server::plugin_cli::build_plugin(dir).map(|wasm| println!("{}", wasm.display()))
        }
        _ => unreachable!("only new and build run without configuration"),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn plugin(command: PluginCommand, config: &Config) -> anyhow::Result<()> {
    let store = server::serve::open_store(config).await?;
    let state = server::serve::app_state(config, store)?;
    let host = &state.plugins;
    match command {
        PluginCommand::Install { wasm } => {
            let bytes =
                std::fs::read(&wasm).with_context(|| format!("reading {}", wasm.display()))?;
            let installed = host.install(bytes).await?;
            println!(
                "installed {} {} (rampart:plugin@{}); organisation admins turn it on at /admin/plugins",
                installed.info.name, installed.info.version, installed.api_version
            );
            if !installed.info.capabilities.is_empty() {
                println!("it asks for: {}", installed.info.capabilities.join(", "));
            }
        }
        PluginCommand::List => {
            for plugin in state.accounts.store().list_plugins().await? {
                println!(
                    "{}\t{}\t{}\tapi {}\t{}",
                    plugin.name,
                    plugin.version,
                    plugin.status,
                    plugin.api_version,
                    plugin.status_reason.unwrap_or_default()
                );
            }
        }
        PluginCommand::Enable { name } => {
            host.set_enabled(&name, true, None).await?;
            println!("enabled {name}");
        }
        PluginCommand::Disable { name } => {
            host.set_enabled(&name, false, Some("Disabled from the command line."))
                .await?;
            println!("disabled {name}");
        }
        PluginCommand::Remove { name } => {
            host.load_installed().await?;
            if host.remove(&name).await? {
                println!("removed {name} and everything it stored");
            } else {
                anyhow::bail!("there is no plugin called {name}");
            }
        }
        PluginCommand::New { .. } | PluginCommand::Build { .. } => {
            unreachable!("new and build run before the configuration is loaded")
        }
    }
    Ok(())
}

async fn accounts(config: &Config) -> anyhow::Result<accounts::Accounts> {
    let store = server::serve::open_store(config).await?;
    Ok(server::serve::app_state(config, store)?.accounts)
}

async fn org(command: OrgCommand, config: &Config) -> anyhow::Result<()> {
    let accounts = accounts(config).await?;
    match command {
        OrgCommand::Create { name, kind, region } => {
            let request = NewOrganisationRequest { name, kind, region };
            let org = accounts
                .create_organisation(&Actor::System, &request, None)
                .await?;
            println!(
                "created organisation {} (slug {}, id {})",
                org.name, org.slug, org.id
            );
        }
        OrgCommand::List => {
            for org in accounts.list_organisations(&Actor::System).await? {
                println!("{}\t{}\t{}\t{}", org.id, org.slug, org.kind, org.name);
            }
        }
        OrgCommand::Webhook { org, url } => {
            let local = url.starts_with("http://127.0.0.1") || url.starts_with("http://localhost");
            if !url.starts_with("https://") && !local {
                anyhow::bail!("the webhook URL must start with https:// (got {url})");
            }
            let org = accounts.find_organisation(&org).await?;
            let secret = server::outbox::new_webhook_secret();
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)?
                .as_secs() as i64;
            accounts
                .store()
                .set_webhook(org.id, &url, &secret, now)
                .await?;
            println!("webhooks for {} now go to {url}", org.name);
            println!("signing secret (shown once; check x-rampart-signature with it): {secret}");
        }
    }
    Ok(())
}

async fn user(command: UserCommand, config: &Config) -> anyhow::Result<()> {
    let accounts = accounts(config).await?;
    match command {
        UserCommand::Create {
            email,
            name,
            org,
            roles,
        } => {
            let roles = roles
                .iter()
                .map(|name| Role::parse(name).ok_or_else(|| anyhow!("unknown role {name:?}; use one of learner, org_admin, security_lead, it_staff, cert_analyst, platform_admin")))
                .collect::<anyhow::Result<Vec<Role>>>()?;
            let organisation_id = match org {
                Some(org) => Some(accounts.find_organisation(&org).await?.id),
                None => None,
            };
            let (password, generated) = read_or_generate_password()?;
            let request = NewUserRequest {
                email,
                display_name: name,
                password: password.clone(),
                organisation_id,
                roles,
            };
            let user = accounts.create_user(&Actor::System, &request, None).await?;
            println!(
                "created user {} <{}> with roles {}",
                user.display_name,
                user.email,
                user.roles.join(", ")
            );
            if generated {
                println!("initial password (shown once): {password}");
            }
        }
        UserCommand::List => {
            for user in accounts.list_users(&Actor::System).await? {
                let org = user.organisation_name.unwrap_or_else(|| "-".to_owned());
                println!(
                    "{}\t{}\t{}\t{}\t{}",
                    user.id,
                    user.email,
                    user.display_name,
                    org,
                    user.roles.join(",")
                );
            }
        }
    }
    Ok(())
}

/// A password piped on stdin (so it never appears in the process list or shell history), or a random one.
fn read_or_generate_password() -> anyhow::Result<(String, bool)> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        let mut line = String::new();
        stdin
            .lock()
            .read_line(&mut line)
            .context("reading the password from standard input")?;
        let password = line.trim_end_matches(['\r', '\n']).to_owned();
        if !password.is_empty() {
            return Ok((password, false));
        }
    }
    let words = accounts::SecretKey::generate().encode();
    Ok((
        format!("{}-{}-{}", &words[0..6], &words[6..12], &words[12..18]),
        true,
    ))
}

fn validate_package(zip: &std::path::Path, json: bool) -> std::process::ExitCode {
    let name = zip.file_name().map_or_else(
        || zip.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let mut file = match std::fs::File::open(zip) {
        Ok(file) => std::io::BufReader::new(file),
        Err(error) => {
            eprintln!("rampart: cannot open {}: {error}", zip.display());
            return std::process::ExitCode::from(2);
        }
    };
    let report = package::check_package(&mut file, &name, &package::Limits::default());
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report).expect("reports serialise")
        );
    } else {
        print_report(&name, &report);
    }
    if report
        .diagnostics
        .iter()
        .any(|d| d.rule == package::Rule::NotAZip)
    {
        std::process::ExitCode::from(2)
    } else if report.valid {
        std::process::ExitCode::SUCCESS
    } else {
        std::process::ExitCode::from(1)
    }
}

fn print_report(name: &str, report: &package::Report) {
    if let Some(standard) = report.standard {
        let title = report.title.as_deref().unwrap_or("(untitled)");
        let size = report.total_bytes as f64 / (1024.0 * 1024.0);
        println!(
            "{name}: {} \"{title}\", {} files, {size:.1} MiB",
            standard.label(),
            report.n_files
        );
    }
    for diagnostic in &report.diagnostics {
        println!("{diagnostic}");
    }
    let errors = report.errors().count();
    let warnings = report.diagnostics.len() - errors;
    let verdict = if report.valid {
        "the package can be imported"
    } else {
        "the package cannot be imported"
    };
    println!("{errors} error(s), {warnings} warning(s): {verdict}");
}

async fn import(
    zip: &std::path::Path,
    org: Option<&str>,
    in_progress: server::import::InProgress,
    config: &Config,
) -> anyhow::Result<()> {
    let store = server::serve::open_store(config).await?;
    let state = server::serve::app_state(config, store.clone())?;
    let organisation_id = match org {
        Some(org) => Some(state.accounts.find_organisation(org).await?.id),
        None => None,
    };
    let blobs = server::import::BlobStore::new(&state.content_dir);
    let request = server::import::ImportRequest {
        zip,
        organisation_id,
        created_by: None,
        limits: config.package_limits(),
        in_progress,
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs() as i64;
    match server::import::import_package(&store, &blobs, request, now).await {
        Ok(imported) => {
            let v = &imported.version;
            for warning in &imported.report.diagnostics {
                println!("{warning}");
            }
            println!(
                "imported \"{}\" ({}) as version {} of package {}: {} files, {} new to the store",
                v.title, v.standard, v.version_no, v.package_id, v.n_files, imported.n_new_blobs
            );
            if imported.n_moved_attempts > 0 {
                println!(
                    "{} attempts in progress moved to this version",
                    imported.n_moved_attempts
                );
            }
            Ok(())
        }
        Err(server::import::ImportError::Invalid(report)) => {
            let name = zip.file_name().map_or_else(
                || zip.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            );
            print_report(&name, &report);
            Err(anyhow!("nothing was imported"))
        }
        Err(other) => Err(other.into()),
    }
}

fn course_command(command: &CourseCommand) -> std::process::ExitCode {
    let result = match command {
        CourseCommand::Build {
            module_dir,
            format,
            output,
        } => build_course_module(module_dir, (*format).into(), output),
        CourseCommand::BuildAll {
            courses_dir,
            out_dir,
        } => build_all_courses(courses_dir, out_dir),
    };
    match result {
        Ok(true) => std::process::ExitCode::SUCCESS,
        Ok(false) => std::process::ExitCode::FAILURE,
        Err(error) => {
            eprintln!("rampart: {error:#}");
            std::process::ExitCode::from(2)
        }
    }
}

/// Builds, checks and writes one package; `Ok(false)` when the built package failed its own check.
fn write_built(
    module: &course::Module,
    format: course::Format,
    output: &std::path::Path,
) -> anyhow::Result<bool> {
    let built = server::courses::build_package(module, format);
    if !built.report.valid {
        for diagnostic in built.report.errors() {
            eprintln!("{diagnostic}");
        }
        eprintln!(
            "rampart: the {format} package of {} failed the package check; this is a builder bug",
            module.id
        );
        return Ok(false);
    }
    if let Some(parent) = output.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating {}", parent.display()))?;
    }
    std::fs::write(output, &built.zip).with_context(|| format!("writing {}", output.display()))?;
    println!(
        "built {}: {format} \"{}\", {} files, {:.1} KiB",
        output.display(),
        module.title,
        built.n_files,
        built.zip.len() as f64 / 1024.0
    );
    Ok(true)
}

fn build_course_module(
    dir: &std::path::Path,
    format: course::Format,
    output: &std::path::Path,
) -> anyhow::Result<bool> {
    let files = server::courses::read_module_files(dir)?;
    let module = match course::Module::from_files(dir, &files) {
        Ok(module) => module,
        Err(problems) => {
            eprintln!("{problems}");
            eprintln!(
                "rampart: {} error(s) in {}: nothing was built",
                problems.errors().count(),
                dir.display()
            );
            return Ok(false);
        }
    };
    for warning in &module.warnings {
        eprintln!("{warning}");
    }
    write_built(&module, format, output)
}

fn build_all_courses(dir: &std::path::Path, out_dir: &std::path::Path) -> anyhow::Result<bool> {
    if !dir.join("modules").is_dir() {
        return Err(anyhow!(
            "{} has no modules/ folder; give the course folder (the one holding pathways.toml and modules/)",
            dir.display()
        ));
    }
    let files = server::courses::read_course_files(dir)?;
    let loaded = course::load_course(dir, &files);
    for problem in &loaded.problems {
        eprintln!("{problem}");
    }
    let mut ok = !loaded.problems.iter().any(course::Problem::is_error);
    let mut n = 0;
    for module in &loaded.modules {
        for format in course::Format::ALL {
            let output = out_dir.join(course::package_file_name(module, format));
            if write_built(module, format, &output)? {
                n += 1;
            } else {
                ok = false;
            }
        }
    }
    let errors = loaded.problems.iter().filter(|p| p.is_error()).count();
    if ok {
        println!("{n} packages built from {} modules", loaded.modules.len());
    } else {
        eprintln!("rampart: {n} packages built; {errors} error(s) kept the rest from building");
    }
    Ok(ok)
}
