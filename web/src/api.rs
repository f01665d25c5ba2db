//! The wire between pages and server: data shapes, the error type, and the server functions.
//!
//! Every `cfg(feature = "ssr")` split of the web crate lives in this file. Server functions stay thin:
//! they take the request's [`ssr::RequestAuth`] and the [`ssr::WebState`] from context and call the
//! `accounts` crate, which owns all policy. Mutating functions take a `csrf_token` argument: the server's
//! CSRF layer checks it before the function runs, so a form without one is refused.

// A server function takes one argument per form field (that is how plain HTML forms reach it), and the
// macro copies the signature into code an item-level `allow` does not reach.
#![allow(clippy::too_many_arguments)]

use leptos::prelude::*;
use leptos::server_fn::codec::{GetUrl, JsonEncoding};
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use plugin_api::views::{MenuEntry, NotificationsView, PluginPageData, PluginsOverview};
use serde::{Deserialize, Serialize};

/// What every page needs: who is signed in, the token its forms must carry, whether setup is due, the
/// plugin pages this user may open from the site menu, and how many of their notifications are unread.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PageInfo {
    pub user: Option<UserView>,
    pub csrf_token: String,
    pub setup_needed: bool,
    pub plugin_menu: Vec<MenuEntry>,
    pub unread_notifications: i64,
    /// The banner on every page: the user's newest unread urgent notification.
    pub alert: Option<AlertBanner>,
}

/// An urgent notification (a critical advisory …), shown above every page until it is opened.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AlertBanner {
    pub id: i64,
    pub title: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UserView {
    pub id: i64,
    pub display_name: String,
    pub email: String,
    pub organisation_id: Option<i64>,
    pub organisation_name: Option<String>,
    /// `(role name, label)` pairs.
    pub roles: Vec<(String, String)>,
}

impl UserView {
    pub fn has_role(&self, role: &str) -> bool {
        self.roles.iter().any(|(name, _)| name == role)
    }
    pub fn is_platform_admin(&self) -> bool {
        self.has_role("platform_admin")
    }
    pub fn is_admin(&self) -> bool {
        self.is_platform_admin() || self.has_role("org_admin")
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OrganisationView {
    pub id: i64,
    pub name: String,
    pub slug: String,
    pub kind_label: String,
    pub region: Option<String>,
    pub n_users: usize,
}

/// The organisations page: the list, and the organisation types its form offers as `(value, label)`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OrganisationsPage {
    pub organisations: Vec<OrganisationView>,
    pub kinds: Vec<(String, String)>,
}

/// The choices a user form offers the signed-in admin.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UserFormChoices {
    pub organisations: Vec<(i64, String)>,
    /// `(role name, label)` pairs this admin may grant.
    pub roles: Vec<(String, String)>,
}

/// A package in the admin list, with a preview link to its first SCO on the content origin.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PackageView {
    pub id: i64,
    pub title: String,
    pub standard: String,
    pub version_no: i64,
    pub n_files: i64,
    /// `12.3 MB`
    pub size: String,
    /// The organisation it belongs to, or `None` when it is shared with all.
    pub organisation: Option<String>,
    pub updated: String,
    pub preview_url: Option<String>,
}

/// A package version in detail: its activity tree, resources and sequencing, for admins.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PackageDetail {
    pub title: String,
    pub identifier: String,
    pub standard: String,
    pub version_no: i64,
    pub n_files: i64,
    pub organizations: Vec<TreeNode>,
    /// `(identifier, sco/asset/-, launch href, number of files, dependencies)`
    pub resources: Vec<(String, String, String, usize, String)>,
    pub sequencing_summary: String,
    /// Warnings found at import, as one line each.
    pub warnings: Vec<String>,
}

/// An organization or item of the activity tree.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TreeNode {
    pub title: String,
    pub identifier: String,
    pub resource: Option<String>,
    pub visible: bool,
    pub has_sequencing: bool,
    pub preview_url: Option<String>,
    pub children: Vec<TreeNode>,
}

/// One line of the audit log, ready to show.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuditView {
    /// UTC, `2026-11-28 21:47:40`.
    pub at: String,
    pub action: String,
    pub target: String,
    pub client_ip: String,
}

/// A course on a learner's dashboard.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CourseCard {
    pub package_id: i64,
    pub title: String,
    pub standard: String,
    /// `Not started`, `In progress`, `Completed`, `Passed`, `Failed`.
    pub status: String,
    /// `Start`, `Resume` or `Open again`.
    pub action: String,
    /// `80%`, when the course reported a score.
    pub score: Option<String>,
    /// Why and by when the learner must take it, when it was assigned to them.
    pub assignment: Option<AssignmentNote>,
}

/// A course assigned to the learner (by a plugin such as broadcasts, for a threat advisory).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AssignmentNote {
    pub reason: String,
    /// `2026-12-01`, when there is a due date.
    pub due: Option<String>,
    /// Due date passed and the course not completed.
    pub overdue: bool,
}

/// The player page of one course: its table of contents and the activity to launch.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlayerView {
    pub package_id: i64,
    pub title: String,
    pub standard: String,
    pub entries: Vec<TocEntry>,
    /// The item this page launches (where the learner left off unless another was asked for).
    pub current: Option<String>,
    pub current_title: String,
    pub previous: Option<String>,
    pub next: Option<String>,
    /// Whether `next` may be launched yet (SCORM 1.2 prerequisites).
    pub next_available: bool,
}

/// One line of the player's table of contents.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TocEntry {
    pub identifier: String,
    pub title: String,
    pub depth: usize,
    /// It launches something (otherwise it is a heading).
    pub launchable: bool,
    /// Its prerequisites are met.
    pub available: bool,
    /// `Not started`, `Incomplete`, `Completed`, `Passed`, `Failed`.
    pub status: String,
    pub current: bool,
}

/// `/admin/lti`: how to connect an LMS, and the connections this admin may see.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LtiOverview {
    pub tool: LtiToolUrls,
    pub platforms: Vec<LtiPlatformRow>,
    pub consumers: Vec<LtiConsumerRow>,
    /// `(id, name)` for platform admins' organisation pickers; empty for organisation admins.
    pub organisations: Vec<(i64, String)>,
    pub platform_admin: bool,
}

/// The URLs an LMS admin copies into their LMS.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LtiToolUrls {
    /// OIDC login initiation.
    pub login: String,
    /// The launch (target link and redirect) URL.
    pub launch: String,
    pub deep_link: String,
    /// The tool's public keyset.
    pub jwks: String,
    /// Dynamic Registration, without the one-time token.
    pub registration: String,
    pub lti11_launch: String,
    /// `rampart.example.org`.
    pub domain: String,
}

/// An LTI 1.3 platform (an LMS registration: issuer and client ID).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LtiPlatformRow {
    pub id: i64,
    pub organisation: String,
    pub name: String,
    pub issuer: String,
    pub client_id: String,
    /// `active`, `pending` or `disabled`.
    pub status: String,
    /// `manual` or `dynamic`.
    pub registered_via: String,
    pub deployments: Vec<String>,
    /// Unix seconds.
    pub last_launch_at: Option<i64>,
    pub refused_launches_24h: i64,
}

/// An LTI 1.1 consumer (key and shared secret; the secret is never shown after it was created).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LtiConsumerRow {
    pub id: i64,
    pub organisation: String,
    pub name: String,
    pub key: String,
    /// Unix seconds.
    pub created_at: i64,
}

/// `/admin/lti/platforms/:id`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LtiPlatformDetail {
    pub platform: LtiPlatformRow,
    pub auth_endpoint: String,
    pub token_endpoint: String,
    pub jwks_url: String,
    /// The latest launches, newest first, refused ones included.
    pub launches: Vec<LtiLaunchRow>,
    pub outbox: LtiOutboxView,
    pub roster_members: i64,
}

/// One launch from a platform, accepted or refused.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LtiLaunchRow {
    /// Unix seconds.
    pub at: i64,
    pub accepted: bool,
    /// `LtiResourceLinkRequest`, `LtiDeepLinkingRequest` …
    pub message_type: String,
    pub person: Option<String>,
    /// Why it was refused (what to tell the LMS admin), or a note on an accepted one.
    pub reason: String,
}

/// Scores waiting to go back to the LMS, sent, and given up on.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LtiOutboxView {
    pub pending: i64,
    pub sent: i64,
    pub failed: i64,
    /// The latest entries, newest first.
    pub recent: Vec<LtiOutboxRow>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LtiOutboxRow {
    /// Unix seconds.
    pub created_at: i64,
    /// `pending`, `sent` or `failed`.
    pub status: String,
    pub attempts: i64,
    pub learner: String,
    pub course: String,
    pub last_error: Option<String>,
}

/// A platform registered by hand (the "Register a platform by hand" form, field for field).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NewPlatformForm {
    pub name: String,
    pub issuer: String,
    pub client_id: String,
    pub auth_endpoint: String,
    pub token_endpoint: String,
    pub jwks_url: String,
    /// One per line or comma separated, as typed.
    pub deployment_ids: String,
    /// Platform admins name the organisation; organisation admins register for their own (`None`).
    pub organisation_id: Option<i64>,
}

/// A new LTI 1.1 consumer: the secret is shown once.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct NewConsumer {
    pub key: String,
    pub secret: String,
}

impl std::fmt::Debug for NewConsumer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewConsumer")
            .field("key", &self.key)
            .field("secret", &"…")
            .finish()
    }
}

/// Errors as pages see them. Messages are written for people; internal details stay in the server log.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum AppError {
    /// A form field is wrong: `field` is the input's `name`. `entered` holds what was typed into the
    /// form's non-secret fields, so the page can show it again.
    Invalid {
        field: String,
        message: String,
        entered: Vec<(String, String)>,
    },
    /// The request cannot be done as asked (wrong password, throttled, already exists …).
    Refused {
        message: String,
        entered: Vec<(String, String)>,
    },
    NotSignedIn,
    Forbidden(String),
    /// What was asked for does not exist (or is not shown to this user); the message is a sentence.
    NotFound(String),
    /// Something broke on our side; the details are in the server log.
    Internal,
    Transport(String),
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AppError::Invalid { message, .. } | AppError::Refused { message, .. } => {
                f.write_str(message)
            }
            AppError::NotSignedIn => {
                f.write_str("Your session has ended. Sign in again to continue.")
            }
            AppError::Forbidden(message) => write!(f, "You do not have permission: {message}."),
            AppError::NotFound(message) => f.write_str(message),
            AppError::Internal => {
                f.write_str("Something went wrong on our side. Try again in a moment.")
            }
            AppError::Transport(message) => write!(f, "Could not reach the server: {message}"),
        }
    }
}

impl std::error::Error for AppError {}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        AppError::Transport(value.to_string())
    }
}

impl AppError {
    /// Records the non-secret values a form was sent with, so that the form can be shown again filled in.
    pub fn keeping(mut self, fields: &[(&str, &str)]) -> Self {
        if let AppError::Invalid { entered, .. } | AppError::Refused { entered, .. } = &mut self {
            entered.extend(fields.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        }
        self
    }

    /// What was typed into field `name` before this error, if it was kept.
    pub fn entered(&self, name: &str) -> Option<&str> {
        match self {
            AppError::Invalid { entered, .. } | AppError::Refused { entered, .. } => entered
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str()),
            _ => None,
        }
    }

    /// The form field this error is about, if any.
    pub fn field(&self) -> Option<&str> {
        match self {
            AppError::Invalid { field, .. } => Some(field),
            _ => None,
        }
    }
}

#[server(input = GetUrl, prefix = "/api", endpoint = "page_context")]
pub async fn page_context() -> Result<PageInfo, AppError> {
    let auth = ssr::request_auth()?;
    let state = ssr::state()?;
    let setup_needed = state.accounts.setup_needed().await.map_err(ssr::internal)?;
    let (plugin_menu, unread_notifications, alert) = match &auth.user {
        Some(user) => (
            state.plugins.menu(user.clone()).await,
            state.plugins.unread_notifications(user.clone()).await,
            state.plugins.alert_banner(user.clone()).await,
        ),
        None => (Vec::new(), 0, None),
    };
    Ok(PageInfo {
        user: auth.user.as_ref().map(ssr::user_view),
        csrf_token: auth.csrf_token,
        setup_needed,
        plugin_menu,
        unread_notifications,
        alert,
    })
}

#[server(prefix = "/api", endpoint = "complete_setup")]
pub async fn complete_setup(
    csrf_token: String,
    display_name: String,
    email: String,
    password: String,
) -> Result<(), AppError> {
    let _ = csrf_token;
    let auth = ssr::request_auth()?;
    let state = ssr::state()?;
    let signed_in = state
        .accounts
        .complete_setup(&email, &display_name, &password, auth.client_ip.clone())
        .await
        .map_err(|e| {
            ssr::from_accounts(e).keeping(&[("display_name", &display_name), ("email", &email)])
        })?;
    ssr::set_session_cookie(&state, &signed_in);
    leptos_axum::redirect("/admin/organisations");
    Ok(())
}

#[server(prefix = "/api", endpoint = "sign_in")]
pub async fn sign_in(
    csrf_token: String,
    email: String,
    password: String,
    next: String,
) -> Result<(), AppError> {
    let _ = csrf_token;
    let auth = ssr::request_auth()?;
    let state = ssr::state()?;
    let signed_in = state
        .accounts
        .sign_in(&email, &password, auth.client_ip.clone())
        .await
        .map_err(|e| ssr::from_accounts(e).keeping(&[("email", &email), ("next", &next)]))?;
    ssr::set_session_cookie(&state, &signed_in);
    leptos_axum::redirect(ssr::safe_next(&next));
    Ok(())
}

#[server(prefix = "/api", endpoint = "sign_out")]
pub async fn sign_out(csrf_token: String) -> Result<(), AppError> {
    let _ = csrf_token;
    let auth = ssr::request_auth()?;
    let state = ssr::state()?;
    if let Some(token) = &auth.session {
        state
            .accounts
            .sign_out(token, auth.user.as_ref(), auth.client_ip.clone())
            .await
            .map_err(ssr::internal)?;
    }
    ssr::clear_session_cookie(&state);
    leptos_axum::redirect("/sign-in");
    Ok(())
}

#[server(input = GetUrl, prefix = "/api", endpoint = "organisations")]
pub async fn list_organisations() -> Result<OrganisationsPage, AppError> {
    let (state, actor) = ssr::signed_in()?;
    let organisations = state
        .accounts
        .list_organisations(&actor)
        .await
        .map_err(ssr::from_accounts)?;
    let users = match state.accounts.list_users(&actor).await {
        Ok(users) => users,
        Err(accounts::AccountsError::Forbidden(_)) => Vec::new(),
        Err(other) => return Err(ssr::from_accounts(other)),
    };
    let organisations = organisations
        .into_iter()
        .map(|o| OrganisationView {
            n_users: users
                .iter()
                .filter(|u| u.organisation_id == Some(o.id))
                .count(),
            kind_label: accounts::ORGANISATION_KINDS
                .iter()
                .find(|(value, _)| *value == o.kind)
                .map_or(o.kind.clone(), |(_, label)| label.to_string()),
            id: o.id,
            name: o.name,
            slug: o.slug,
            region: o.region,
        })
        .collect();
    let kinds = accounts::ORGANISATION_KINDS
        .iter()
        .map(|(v, l)| (v.to_string(), l.to_string()))
        .collect();
    Ok(OrganisationsPage {
        organisations,
        kinds,
    })
}

#[server(prefix = "/api", endpoint = "create_organisation")]
pub async fn create_organisation(
    csrf_token: String,
    name: String,
    kind: String,
    region: String,
) -> Result<OrganisationView, AppError> {
    let _ = csrf_token;
    let (state, actor) = ssr::signed_in()?;
    let kept = [
        ("name", name.clone()),
        ("kind", kind.clone()),
        ("region", region.clone()),
    ];
    let request = accounts::NewOrganisationRequest {
        name,
        kind,
        region: Some(region),
    };
    let client_ip = ssr::request_auth()?.client_ip;
    let o = state
        .accounts
        .create_organisation(&actor, &request, client_ip)
        .await
        .map_err(|e| {
            ssr::from_accounts(e).keeping(&kept.each_ref().map(|(k, v)| (*k, v.as_str())))
        })?;
    leptos_axum::redirect(&ssr::with_added("/admin/organisations", &o.name));
    Ok(OrganisationView {
        id: o.id,
        kind_label: o.kind,
        name: o.name,
        slug: o.slug,
        region: o.region,
        n_users: 0,
    })
}

#[server(input = GetUrl, prefix = "/api", endpoint = "users")]
pub async fn list_users() -> Result<Vec<UserView>, AppError> {
    let (state, actor) = ssr::signed_in()?;
    let users = state
        .accounts
        .list_users(&actor)
        .await
        .map_err(ssr::from_accounts)?;
    Ok(users.iter().map(ssr::user_view).collect())
}

#[server(input = GetUrl, prefix = "/api", endpoint = "audit_log")]
pub async fn audit_log() -> Result<Vec<AuditView>, AppError> {
    let (state, actor) = ssr::signed_in()?;
    let entries = state
        .accounts
        .recent_audit(&actor, 200)
        .await
        .map_err(ssr::from_accounts)?;
    Ok(entries
        .into_iter()
        .map(|e| AuditView {
            at: ssr::format_time(e.at),
            action: ssr::describe_action(&e.action).to_owned(),
            target: e.target.unwrap_or_default(),
            client_ip: e.client_ip.unwrap_or_default(),
        })
        .collect())
}

#[server(input = GetUrl, prefix = "/api", endpoint = "packages")]
pub async fn list_packages() -> Result<Vec<PackageView>, AppError> {
    let (state, actor) = ssr::signed_in()?;
    let user_id = match &actor {
        accounts::Actor::User(user) => user.id,
        accounts::Actor::System => 0,
    };
    let packages = state
        .accounts
        .visible_packages(&actor)
        .await
        .map_err(ssr::from_accounts)?;
    let views = packages
        .into_iter()
        .map(|p| PackageView {
            id: p.id,
            title: p.title,
            standard: p.standard,
            version_no: p.version_no,
            n_files: p.n_files,
            size: format!("{:.1} MB", p.total_bytes as f64 / 1_000_000.0),
            organisation: p.organisation_name,
            updated: ssr::format_time(p.updated_at),
            preview_url: p
                .launch_path
                .map(|path| (state.content_link)(p.version_id, user_id, &path)),
        })
        .collect();
    Ok(views)
}

#[server(input = GetUrl, prefix = "/api", endpoint = "package_detail")]
pub async fn load_package_detail(package_id: i64) -> Result<PackageDetail, AppError> {
    let (state, actor) = ssr::signed_in()?;
    let user_id = match &actor {
        accounts::Actor::User(user) => user.id,
        accounts::Actor::System => 0,
    };
    let visible = state
        .accounts
        .visible_packages(&actor)
        .await
        .map_err(ssr::from_accounts)?;
    let Some(summary) = visible.into_iter().find(|p| p.id == package_id) else {
        return Err(AppError::Forbidden(
            "this package does not exist or is not shared with you".into(),
        ));
    };
    let version = state
        .accounts
        .store()
        .package_version(summary.version_id)
        .await
        .map_err(|e| ssr::internal(e.into()))?;
    let manifest: package::Manifest =
        serde_json::from_str(&version.manifest_json).map_err(|e| {
            leptos::logging::error!(
                "stored manifest of version {} cannot be read: {e}",
                version.id
            );
            AppError::Internal
        })?;
    let report: serde_json::Value = serde_json::from_str(&version.report_json).unwrap_or_default();
    let warnings = report["diagnostics"]
        .as_array()
        .map(|list| {
            list.iter()
                .filter_map(|d| serde_json::from_value::<package::Diagnostic>(d.clone()).ok())
                .map(|d| d.to_string())
                .collect()
        })
        .unwrap_or_default();
    let link = |resource: &package::Resource, parameters: Option<&str>| {
        manifest.launch_path(resource).map(|path| {
            let url = (state.content_link)(version.id, user_id, &path);
            match parameters.map(str::trim).filter(|p| !p.is_empty()) {
                Some(p) if p.starts_with('?') || p.starts_with('#') => format!("{url}{p}"),
                Some(p) => format!("{url}?{p}"),
                None => url,
            }
        })
    };
    fn tree(
        manifest: &package::Manifest,
        items: &[package::Item],
        link: &dyn Fn(&package::Resource, Option<&str>) -> Option<String>,
    ) -> Vec<TreeNode> {
        items
            .iter()
            .map(|item| {
                let resource = item
                    .identifier_ref
                    .as_deref()
                    .and_then(|id| manifest.resource(id));
                TreeNode {
                    title: item.title.clone(),
                    identifier: item.identifier.clone(),
                    resource: item.identifier_ref.clone(),
                    visible: item.is_visible,
                    has_sequencing: item.sequencing.is_some(),
                    preview_url: resource.and_then(|r| link(r, item.parameters.as_deref())),
                    children: tree(manifest, &item.children, link),
                }
            })
            .collect()
    }
    let organizations = manifest
        .organizations
        .iter()
        .map(|o| TreeNode {
            title: o.title.clone(),
            identifier: o.identifier.clone(),
            resource: None,
            visible: true,
            has_sequencing: o.sequencing.is_some(),
            preview_url: None,
            children: tree(&manifest, &o.items, &link),
        })
        .collect();
    let items = manifest.items();
    let n_sequenced = items.iter().filter(|i| i.sequencing.is_some()).count()
        + manifest
            .organizations
            .iter()
            .filter(|o| o.sequencing.is_some())
            .count();
    let sequencing_summary = if manifest.standard.is_2004() {
        format!(
            "{n_sequenced} of {} activities carry sequencing rules; {} shared definitions in the sequencing collection.",
            items.len() + manifest.organizations.len(),
            manifest.sequencing_collection_ids.len()
        )
    } else {
        "SCORM 1.2 has no sequencing: learners choose activities freely.".to_owned()
    };
    let resources = manifest
        .resources
        .iter()
        .map(|r| {
            let kind = match r.scorm_type {
                Some(package::ScormType::Sco) => "SCO",
                Some(package::ScormType::Asset) => "asset",
                None => "—",
            };
            (
                r.identifier.clone(),
                kind.to_owned(),
                r.href.clone().unwrap_or_default(),
                r.files.len(),
                r.dependencies.join(", "),
            )
        })
        .collect();
    Ok(PackageDetail {
        title: version.title,
        identifier: manifest.identifier.clone(),
        standard: version.standard,
        version_no: version.version_no,
        n_files: version.n_files,
        organizations,
        resources,
        sequencing_summary,
        warnings,
    })
}

/// The courses the signed-in learner can take, with their progress.
#[server(input = GetUrl, prefix = "/api", endpoint = "my_courses")]
pub async fn my_courses() -> Result<Vec<CourseCard>, AppError> {
    let (state, actor) = ssr::signed_in()?;
    let accounts::Actor::User(user) = &actor else {
        return Err(AppError::NotSignedIn);
    };
    let packages = state
        .accounts
        .visible_packages(&actor)
        .await
        .map_err(ssr::from_accounts)?;
    let progress = state
        .accounts
        .store()
        .registrations_of_user(user.id)
        .await
        .map_err(|e| ssr::internal(e.into()))?;
    let assignments = state
        .accounts
        .store()
        .assignments_of_user(user.id)
        .await
        .map_err(|e| ssr::internal(e.into()))?;
    let now = state.accounts.now();
    let mut cards: Vec<CourseCard> = packages
        .into_iter()
        .map(|p| {
            let mine = progress.iter().find(|r| r.package_id == p.id);
            let (status, action) = match mine.and_then(|r| r.attempt_status.as_deref()) {
                None => ("Not started", "Start"),
                Some("completed") => (
                    match mine.and_then(|r| r.success_status.as_deref()) {
                        Some("passed") => "Passed",
                        Some("failed") => "Failed",
                        _ => "Completed",
                    },
                    "Open again",
                ),
                Some(_) => ("In progress", "Resume"),
            };
            let done = mine.and_then(|r| r.attempt_status.as_deref()) == Some("completed");
            let assignment =
                assignments
                    .iter()
                    .find(|a| a.package_id == p.id)
                    .map(|a| AssignmentNote {
                        reason: a.reason.clone(),
                        due: a.due_at.map(ssr::format_date),
                        overdue: !done && a.due_at.is_some_and(|due| due < now),
                    });
            CourseCard {
                package_id: p.id,
                title: p.title,
                standard: p.standard,
                status: status.to_owned(),
                action: action.to_owned(),
                score: mine
                    .and_then(|r| r.score_scaled)
                    .map(|s| format!("{:.0}%", s * 100.0)),
                assignment,
            }
        })
        .collect();
    // Assigned courses first, soonest due first; the rest keep their title order.
    cards.sort_by_key(|card| match &card.assignment {
        Some(note) => (0, note.due.clone().unwrap_or_else(|| "9999".into())),
        None => (1, String::new()),
    });
    Ok(cards)
}

/// The player page's course outline; launching happens in the browser (`/api/runtime/launch`).
#[server(input = GetUrl, prefix = "/api", endpoint = "player")]
pub async fn load_player(package_id: i64, item: Option<String>) -> Result<PlayerView, AppError> {
    let (state, actor) = ssr::signed_in()?;
    let accounts::Actor::User(user) = actor else {
        return Err(AppError::NotSignedIn);
    };
    (state.player)(*user, package_id, item).await
}

#[server(input = GetUrl, prefix = "/api", endpoint = "user_form_options")]
pub async fn user_form_options() -> Result<UserFormChoices, AppError> {
    let (state, actor) = ssr::signed_in()?;
    let organisations = state
        .accounts
        .list_organisations(&actor)
        .await
        .map_err(ssr::from_accounts)?;
    let platform_admin = match &actor {
        accounts::Actor::User(user) => accounts::has_role(user, accounts::Role::PlatformAdmin),
        accounts::Actor::System => true,
    };
    let roles = accounts::Role::ALL
        .into_iter()
        .filter(|role| platform_admin || !role.is_national())
        .map(|role| (role.as_str().to_owned(), role.label().to_owned()))
        .collect();
    Ok(UserFormChoices {
        organisations: organisations.into_iter().map(|o| (o.id, o.name)).collect(),
        roles,
    })
}

#[server(prefix = "/api", endpoint = "create_user")]
pub async fn create_user(
    csrf_token: String,
    display_name: String,
    email: String,
    password: String,
    organisation_id: String,
    role_learner: Option<String>,
    role_org_admin: Option<String>,
    role_security_lead: Option<String>,
    role_it_staff: Option<String>,
    role_cert_analyst: Option<String>,
    role_platform_admin: Option<String>,
) -> Result<UserView, AppError> {
    let _ = csrf_token;
    let (state, actor) = ssr::signed_in()?;
    let ticked = [
        (role_learner, accounts::Role::Learner),
        (role_org_admin, accounts::Role::OrgAdmin),
        (role_security_lead, accounts::Role::SecurityLead),
        (role_it_staff, accounts::Role::ItStaff),
        (role_cert_analyst, accounts::Role::CertAnalyst),
        (role_platform_admin, accounts::Role::PlatformAdmin),
    ];
    let roles = ticked
        .into_iter()
        .filter_map(|(box_value, role)| box_value.map(|_| role))
        .collect();
    let organisation_id = match organisation_id.trim() {
        "" => None,
        text => Some(text.parse::<i64>().map_err(|_| AppError::Invalid {
            field: "organisation_id".into(),
            message: "Choose an organisation from the list".into(),
            entered: Vec::new(),
        })?),
    };
    let kept = [
        ("display_name", display_name.clone()),
        ("email", email.clone()),
    ];
    let request = accounts::NewUserRequest {
        email,
        display_name,
        password,
        organisation_id,
        roles,
    };
    let client_ip = ssr::request_auth()?.client_ip;
    let user = state
        .accounts
        .create_user(&actor, &request, client_ip)
        .await
        .map_err(|e| {
            ssr::from_accounts(e).keeping(&kept.each_ref().map(|(k, v)| (*k, v.as_str())))
        })?;
    leptos_axum::redirect(&ssr::with_added("/admin/users", &user.display_name));
    Ok(ssr::user_view(&user))
}

/// A plugin page for the signed-in user: `/plugins/<plugin>/<page>?<query>`. The host checks the page's
/// roles, the plugin's activation and its capabilities.
#[server(input = GetUrl, prefix = "/api", endpoint = "plugin_page")]
pub async fn plugin_page(
    plugin: String,
    page: String,
    #[server(default)] query: Vec<(String, String)>,
) -> Result<PluginPageData, AppError> {
    let (state, user) = ssr::signed_in_user()?;
    state.plugins.page(user, plugin, page, query).await
}

/// The installed plugins for `/admin/plugins` (organisation and platform admins).
#[server(name = LoadPluginsOverview, input = GetUrl, prefix = "/api", endpoint = "plugins_overview")]
pub async fn plugins_overview() -> Result<PluginsOverview, AppError> {
    let (state, user) = ssr::signed_in_user()?;
    state.plugins.overview(user).await
}

/// Platform admins: enable (`enabled=true`) or disable (`enabled=false`) a plugin everywhere.
#[server(prefix = "/api", endpoint = "set_plugin_enabled")]
pub async fn set_plugin_enabled(
    csrf_token: String,
    plugin: String,
    enabled: bool,
) -> Result<(), AppError> {
    let _ = csrf_token;
    let (state, user) = ssr::signed_in_user()?;
    state
        .plugins
        .set_enabled(user, plugin.clone(), enabled)
        .await?;
    let outcome = if enabled { "enabled" } else { "disabled" };
    leptos_axum::redirect(&ssr::with_query(
        "/admin/plugins",
        &[(outcome, plugin.as_str())],
    ));
    Ok(())
}

/// Organisation admins: whether a plugin is on for their organisation (`active=true`, absent when the box
/// is not ticked) and exactly which capabilities it is granted (`capabilities[]=<name>`, one per ticked box).
#[server(prefix = "/api", endpoint = "set_plugin_grants")]
pub async fn set_plugin_grants(
    csrf_token: String,
    plugin: String,
    #[server(default)] active: bool,
    #[server(default)] capabilities: Vec<String>,
) -> Result<(), AppError> {
    let _ = csrf_token;
    let (state, user) = ssr::signed_in_user()?;
    state
        .plugins
        .set_grants(user, plugin.clone(), active, capabilities)
        .await?;
    leptos_axum::redirect(&ssr::with_query(
        "/admin/plugins",
        &[("saved", plugin.as_str())],
    ));
    Ok(())
}

/// The signed-in user's in-app notifications (the newest 50) for `/notifications`.
#[server(name = LoadNotifications, input = GetUrl, prefix = "/api", endpoint = "notifications")]
pub async fn notifications() -> Result<NotificationsView, AppError> {
    let (state, user) = ssr::signed_in_user()?;
    state.plugins.notifications(user).await
}

/// Marks all of the signed-in user's notifications read, then back to `/notifications`.
#[server(prefix = "/api", endpoint = "mark_notifications_read")]
pub async fn mark_notifications_read(csrf_token: String) -> Result<(), AppError> {
    let _ = csrf_token;
    let (state, user) = ssr::signed_in_user()?;
    state.plugins.mark_notifications_read(user).await?;
    leptos_axum::redirect("/notifications?marked=all");
    Ok(())
}

/// LTI for `/admin/lti`: the tool's URLs and the platforms and LTI 1.1 consumers this admin may see.
#[server(name = LoadLtiOverview, input = GetUrl, prefix = "/api", endpoint = "lti_overview")]
pub async fn lti_overview() -> Result<LtiOverview, AppError> {
    let (state, user) = ssr::signed_in_user()?;
    state.lti.overview(user).await
}

/// One LTI platform for `/admin/lti/platforms/:id`.
#[server(name = LoadLtiPlatform, input = GetUrl, prefix = "/api", endpoint = "lti_platform")]
pub async fn lti_platform(id: i64) -> Result<LtiPlatformDetail, AppError> {
    let (state, user) = ssr::signed_in_user()?;
    state.lti.platform(user, id).await
}

/// A one-time Dynamic Registration URL, then back to `/admin/lti?registration_url=<url>`. Platform admins
/// name the organisation (`organisation_id`); organisation admins get one for their own.
#[server(prefix = "/api", endpoint = "create_lti_registration_url")]
pub async fn create_lti_registration_url(
    csrf_token: String,
    #[server(default)] organisation_id: String,
) -> Result<(), AppError> {
    let _ = csrf_token;
    let (state, user) = ssr::signed_in_user()?;
    let organisation = ssr::organisation_choice(&organisation_id)
        .map_err(|e| e.keeping(&[("organisation_id", &organisation_id)]))?;
    let url = state
        .lti
        .registration_url(user, organisation)
        .await
        .map_err(|e| e.keeping(&[("organisation_id", &organisation_id)]))?;
    leptos_axum::redirect(&ssr::with_query(
        "/admin/lti",
        &[("registration_url", url.as_str())],
    ));
    Ok(())
}

/// Registers an LTI 1.3 platform by hand, then on to its page. Field errors name these fields.
#[server(prefix = "/api", endpoint = "add_lti_platform")]
pub async fn add_lti_platform(
    csrf_token: String,
    name: String,
    issuer: String,
    client_id: String,
    auth_endpoint: String,
    token_endpoint: String,
    jwks_url: String,
    #[server(default)] deployment_ids: String,
    #[server(default)] organisation_id: String,
) -> Result<i64, AppError> {
    let _ = csrf_token;
    let (state, user) = ssr::signed_in_user()?;
    let kept = [
        ("name", name.clone()),
        ("issuer", issuer.clone()),
        ("client_id", client_id.clone()),
        ("auth_endpoint", auth_endpoint.clone()),
        ("token_endpoint", token_endpoint.clone()),
        ("jwks_url", jwks_url.clone()),
        ("deployment_ids", deployment_ids.clone()),
        ("organisation_id", organisation_id.clone()),
    ];
    let keep = |e: AppError| e.keeping(&kept.each_ref().map(|(k, v)| (*k, v.as_str())));
    let form = NewPlatformForm {
        organisation_id: ssr::organisation_choice(&organisation_id).map_err(keep)?,
        name: name.trim().to_owned(),
        issuer: issuer.trim().to_owned(),
        client_id: client_id.trim().to_owned(),
        auth_endpoint: auth_endpoint.trim().to_owned(),
        token_endpoint: token_endpoint.trim().to_owned(),
        jwks_url: jwks_url.trim().to_owned(),
        deployment_ids,
    };
    let name = form.name.clone();
    let id = state.lti.add_platform(user, form).await.map_err(keep)?;
    leptos_axum::redirect(&ssr::with_added(
        &format!("/admin/lti/platforms/{id}"),
        &name,
    ));
    Ok(id)
}

/// Approves (`status=active`) or disables (`status=disabled`) a platform, then back to `/admin/lti`.
#[server(prefix = "/api", endpoint = "set_lti_platform_status")]
pub async fn set_lti_platform_status(
    csrf_token: String,
    id: i64,
    status: String,
) -> Result<(), AppError> {
    let _ = csrf_token;
    let (state, user) = ssr::signed_in_user()?;
    state
        .lti
        .set_platform_status(user, id, status.clone())
        .await?;
    leptos_axum::redirect(&ssr::with_query(
        "/admin/lti",
        &[
            ("platform", id.to_string().as_str()),
            ("status", status.as_str()),
        ],
    ));
    Ok(())
}

/// Adds a deployment ID to a platform, then back to its page.
#[server(prefix = "/api", endpoint = "add_lti_deployment")]
pub async fn add_lti_deployment(
    csrf_token: String,
    id: i64,
    deployment_id: String,
) -> Result<(), AppError> {
    let _ = csrf_token;
    let (state, user) = ssr::signed_in_user()?;
    let deployment_id = deployment_id.trim().to_owned();
    state
        .lti
        .add_deployment(user, id, deployment_id.clone())
        .await
        .map_err(|e| e.keeping(&[("deployment_id", &deployment_id)]))?;
    leptos_axum::redirect(&ssr::with_query(
        &format!("/admin/lti/platforms/{id}"),
        &[("deployment_added", deployment_id.as_str())],
    ));
    Ok(())
}

/// A new LTI 1.1 consumer, then back to `/admin/lti?consumer=<key>`. The secret never goes into a URL:
/// the page takes it once with [`take_new_consumer_secret`].
#[server(prefix = "/api", endpoint = "add_lti_consumer")]
pub async fn add_lti_consumer(
    csrf_token: String,
    name: String,
    #[server(default)] organisation_id: String,
) -> Result<(), AppError> {
    let _ = csrf_token;
    let (state, user) = ssr::signed_in_user()?;
    let kept = [
        ("name", name.as_str()),
        ("organisation_id", organisation_id.as_str()),
    ];
    let organisation = ssr::organisation_choice(&organisation_id).map_err(|e| e.keeping(&kept))?;
    let consumer = state
        .lti
        .add_consumer(user, name.trim().to_owned(), organisation)
        .await
        .map_err(|e| e.keeping(&kept))?;
    leptos_axum::redirect(&ssr::with_query(
        "/admin/lti",
        &[("consumer", consumer.key.as_str())],
    ));
    Ok(())
}

/// The secret of the LTI 1.1 consumer `key` this user has just added, once (the server keeps it for ten
/// minutes); `None` once it was taken or has expired. A POST: taking it changes state.
#[server(prefix = "/api", endpoint = "take_new_consumer_secret")]
pub async fn take_new_consumer_secret(
    csrf_token: String,
    key: String,
) -> Result<Option<String>, AppError> {
    let _ = csrf_token;
    let (state, user) = ssr::signed_in_user()?;
    state.lti.take_consumer_secret(user, key).await
}

#[cfg(feature = "ssr")]
pub mod ssr {
    //! Server-side glue: the state and per-request facts the server hands to server functions.

    use std::future::Future;
    use std::pin::Pin;
    use std::sync::Arc;

    use accounts::{Accounts, AccountsError, Actor, SignedIn, User};
    use http::HeaderValue;
    use http::header::SET_COOKIE;
    use leptos::prelude::*;
    use plugin_api::views::{MenuEntry, NotificationsView, PluginPageData, PluginsOverview};

    use super::{
        AppError, LtiOverview, LtiPlatformDetail, LtiToolUrls, NewConsumer, NewPlatformForm,
        UserView,
    };

    /// Builds a signed content-origin URL: `(package version, user, path in the package)`.
    pub type ContentLink = std::sync::Arc<dyn Fn(i64, i64, &str) -> String + Send + Sync>;

    /// The player's outline of a course for a learner: `(learner, package, requested item)`. The server
    /// owns the run-time and the SCORM flow, so it provides this.
    pub type PlayerOutline = std::sync::Arc<
        dyn Fn(
                User,
                i64,
                Option<String>,
            ) -> std::pin::Pin<
                Box<dyn std::future::Future<Output = Result<super::PlayerView, AppError>> + Send>,
            > + Send
            + Sync,
    >;

    /// Long-lived state the server provides to every server function and page.
    #[derive(Clone)]
    pub struct WebState {
        pub accounts: Accounts,
        pub cookies: CookiePolicy,
        pub content_link: ContentLink,
        /// The content origin (`http://localhost:3001`), which the player page frames.
        pub content_origin: String,
        pub player: PlayerOutline,
        /// The plugin host; [`NoPlugins`] where there is none.
        pub plugins: Arc<dyn Plugins>,
        /// LTI administration; [`NoLti`] where there is none.
        pub lti: Arc<dyn LtiAdmin>,
    }

    pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

    /// What the plugin host offers the pages; implemented by the server. Every call names the signed-in
    /// user; the host decides what they may see and do.
    pub trait Plugins: Send + Sync {
        /// Renders a plugin page for the signed-in user (checks roles, activation, capabilities).
        /// `query` is the page URL's query pairs (the server takes out its own `form_state`/`notice`
        /// keys). An unknown plugin or page is [`AppError::NotFound`].
        fn page(
            &self,
            user: User,
            plugin: String,
            page: String,
            query: Vec<(String, String)>,
        ) -> BoxFuture<Result<PluginPageData, AppError>>;
        /// Plugin pages for the site menu that this user may open.
        fn menu(&self, user: User) -> BoxFuture<Vec<MenuEntry>>;
        /// The admin overview at `/admin/plugins`.
        fn overview(&self, user: User) -> BoxFuture<Result<PluginsOverview, AppError>>;
        /// Platform admin: enable or disable a plugin everywhere.
        fn set_enabled(
            &self,
            user: User,
            plugin: String,
            enabled: bool,
        ) -> BoxFuture<Result<(), AppError>>;
        /// Organisation admin: turn a plugin on/off for their organisation and grant exactly these
        /// capabilities.
        fn set_grants(
            &self,
            user: User,
            plugin: String,
            active: bool,
            capabilities: Vec<String>,
        ) -> BoxFuture<Result<(), AppError>>;
        /// The user's in-app notifications, newest first (at most 50), with their unread count. Links are
        /// only local paths or `https://` URLs.
        fn notifications(&self, user: User) -> BoxFuture<Result<NotificationsView, AppError>>;
        /// Marks all of the user's notifications read.
        fn mark_notifications_read(&self, user: User) -> BoxFuture<Result<(), AppError>>;
        /// How many of the user's notifications are unread, for the header on every page: one cheap
        /// query, and 0 when it fails (the failure is logged).
        fn unread_notifications(&self, user: User) -> BoxFuture<i64>;
        /// The user's newest unread urgent notification, for the banner on every page; `None` when
        /// there is none or it cannot be read (logged).
        fn alert_banner(&self, user: User) -> BoxFuture<Option<super::AlertBanner>> {
            let _ = user;
            Box::pin(async { None })
        }
    }

    /// No plugin host: an empty menu, overview and list of notifications; every plugin page and change
    /// is [`AppError::NotFound`].
    #[derive(Clone, Copy, Debug, Default)]
    pub struct NoPlugins;

    fn no_plugin(plugin: &str) -> AppError {
        AppError::NotFound(format!("There is no plugin called “{plugin}”."))
    }

    impl Plugins for NoPlugins {
        fn page(
            &self,
            _user: User,
            plugin: String,
            _page: String,
            _query: Vec<(String, String)>,
        ) -> BoxFuture<Result<PluginPageData, AppError>> {
            Box::pin(async move { Err(no_plugin(&plugin)) })
        }

        fn menu(&self, _user: User) -> BoxFuture<Vec<MenuEntry>> {
            Box::pin(async { Vec::new() })
        }

        fn overview(&self, user: User) -> BoxFuture<Result<PluginsOverview, AppError>> {
            Box::pin(async move {
                let platform_admin = accounts::has_role(&user, accounts::Role::PlatformAdmin);
                if !platform_admin && !accounts::has_role(&user, accounts::Role::OrgAdmin) {
                    return Err(AppError::Forbidden(
                        "only administrators can manage plugins".into(),
                    ));
                }
                Ok(PluginsOverview {
                    plugins: Vec::new(),
                    can_manage: platform_admin,
                    organisation_id: user.organisation_id,
                    organisation_name: user.organisation_name,
                })
            })
        }

        fn set_enabled(
            &self,
            _user: User,
            plugin: String,
            _enabled: bool,
        ) -> BoxFuture<Result<(), AppError>> {
            Box::pin(async move { Err(no_plugin(&plugin)) })
        }

        fn set_grants(
            &self,
            _user: User,
            plugin: String,
            _active: bool,
            _capabilities: Vec<String>,
        ) -> BoxFuture<Result<(), AppError>> {
            Box::pin(async move { Err(no_plugin(&plugin)) })
        }

        fn notifications(&self, _user: User) -> BoxFuture<Result<NotificationsView, AppError>> {
            Box::pin(async { Ok(NotificationsView::default()) })
        }

        fn mark_notifications_read(&self, _user: User) -> BoxFuture<Result<(), AppError>> {
            Box::pin(async { Ok(()) })
        }

        fn unread_notifications(&self, _user: User) -> BoxFuture<i64> {
            Box::pin(async { 0 })
        }
    }

    /// LTI administration, implemented by the server. Every call names the signed-in user; the server checks
    /// they are an organisation admin (their organisation only) or a platform admin (every organisation).
    pub trait LtiAdmin: Send + Sync {
        /// `/admin/lti`: the tool's URLs, the platforms and LTI 1.1 consumers this user may see.
        fn overview(&self, user: User) -> BoxFuture<Result<LtiOverview, AppError>>;
        /// `/admin/lti/platforms/:id`: one platform with its deployments, last launches (and errors),
        /// outbox.
        fn platform(&self, user: User, id: i64) -> BoxFuture<Result<LtiPlatformDetail, AppError>>;
        /// A one-time Dynamic Registration URL for the user's organisation (platform admins name one by
        /// id).
        fn registration_url(
            &self,
            user: User,
            organisation_id: Option<i64>,
        ) -> BoxFuture<Result<String, AppError>>;
        /// Manual registration. Field errors are `AppError::Invalid { field, .. }` with the form field
        /// names of [`NewPlatformForm`] (`name`, `issuer`, `client_id`, `auth_endpoint`,
        /// `token_endpoint`, `jwks_url`, `deployment_ids`, `organisation_id`). Answers the platform's id.
        fn add_platform(
            &self,
            user: User,
            form: NewPlatformForm,
        ) -> BoxFuture<Result<i64, AppError>>;
        /// `status` is "active" (approve) or "disabled".
        fn set_platform_status(
            &self,
            user: User,
            id: i64,
            status: String,
        ) -> BoxFuture<Result<(), AppError>>;
        /// Adds a deployment id to a platform. A field error names `deployment_id`.
        fn add_deployment(
            &self,
            user: User,
            id: i64,
            deployment_id: String,
        ) -> BoxFuture<Result<(), AppError>>;
        /// A new LTI 1.1 consumer key and secret for the user's organisation (platform admins name one
        /// by id); the secret is shown once. Field errors name `name` or `organisation_id`. The server
        /// keeps the secret for [`LtiAdmin::take_consumer_secret`].
        fn add_consumer(
            &self,
            user: User,
            name: String,
            organisation_id: Option<i64>,
        ) -> BoxFuture<Result<NewConsumer, AppError>>;
        /// The secret of the consumer `key` that this user added in the last 10 minutes, once: the server
        /// keeps it in memory only, and forgets it when it is taken or expires (`None` then).
        fn take_consumer_secret(
            &self,
            user: User,
            key: String,
        ) -> BoxFuture<Result<Option<String>, AppError>>;
    }

    /// No LTI (tests that build a [`WebState`] without it): an empty overview for admins; every change
    /// is [`AppError::NotFound`].
    #[derive(Clone, Copy, Debug, Default)]
    pub struct NoLti;

    fn no_lti() -> AppError {
        AppError::NotFound("LTI is not available on this server.".into())
    }

    impl LtiAdmin for NoLti {
        fn overview(&self, user: User) -> BoxFuture<Result<LtiOverview, AppError>> {
            Box::pin(async move {
                let platform_admin = accounts::has_role(&user, accounts::Role::PlatformAdmin);
                if !platform_admin && !accounts::has_role(&user, accounts::Role::OrgAdmin) {
                    return Err(AppError::Forbidden(
                        "only administrators can manage LMS connections".into(),
                    ));
                }
                Ok(LtiOverview {
                    tool: LtiToolUrls::default(),
                    platforms: Vec::new(),
                    consumers: Vec::new(),
                    organisations: Vec::new(),
                    platform_admin,
                })
            })
        }

        fn platform(
            &self,
            _user: User,
            _id: i64,
        ) -> BoxFuture<Result<LtiPlatformDetail, AppError>> {
            Box::pin(async { Err(no_lti()) })
        }

        fn registration_url(
            &self,
            _user: User,
            _organisation_id: Option<i64>,
        ) -> BoxFuture<Result<String, AppError>> {
            Box::pin(async { Err(no_lti()) })
        }

        fn add_platform(
            &self,
            _user: User,
            _form: NewPlatformForm,
        ) -> BoxFuture<Result<i64, AppError>> {
            Box::pin(async { Err(no_lti()) })
        }

        fn set_platform_status(
            &self,
            _user: User,
            _id: i64,
            _status: String,
        ) -> BoxFuture<Result<(), AppError>> {
            Box::pin(async { Err(no_lti()) })
        }

        fn add_deployment(
            &self,
            _user: User,
            _id: i64,
            _deployment_id: String,
        ) -> BoxFuture<Result<(), AppError>> {
            Box::pin(async { Err(no_lti()) })
        }

        fn add_consumer(
            &self,
            _user: User,
            _name: String,
            _organisation_id: Option<i64>,
        ) -> BoxFuture<Result<NewConsumer, AppError>> {
            Box::pin(async { Err(no_lti()) })
        }

        fn take_consumer_secret(
            &self,
            _user: User,
            _key: String,
        ) -> BoxFuture<Result<Option<String>, AppError>> {
            Box::pin(async { Ok(None) })
        }
    }

    /// An organisation picked from a form's list: empty is none (the user's own), otherwise an id.
    pub fn organisation_choice(text: &str) -> Result<Option<i64>, AppError> {
        match text.trim() {
            "" => Ok(None),
            text => text
                .parse::<i64>()
                .map(Some)
                .map_err(|_| AppError::Invalid {
                    field: "organisation_id".into(),
                    message: "Choose an organisation from the list".into(),
                    entered: Vec::new(),
                }),
        }
    }

    /// How Rampart's cookies are named and flagged. Over HTTPS the names carry the `__Host-` prefix,
    /// which browsers only accept with `Secure`, `Path=/` and no `Domain`, so no sibling host can set them.
    #[derive(Clone, Copy, Debug)]
    pub struct CookiePolicy {
        pub secure: bool,
    }

    impl CookiePolicy {
        pub fn session_name(&self) -> &'static str {
            if self.secure {
                "__Host-rampart_session"
            } else {
                "rampart_session"
            }
        }

        pub fn csrf_name(&self) -> &'static str {
            if self.secure {
                "__Host-rampart_csrf"
            } else {
                "rampart_csrf"
            }
        }

        /// A `Set-Cookie` value: HttpOnly, SameSite=Strict, Path=/, and Secure over HTTPS.
        pub fn build(&self, name: &'static str, value: String, max_age_secs: i64) -> String {
            let cookie = cookie::Cookie::build((name, value))
                .http_only(true)
                .same_site(cookie::SameSite::Strict)
                .path("/")
                .secure(self.secure)
                .max_age(cookie::time::Duration::seconds(max_age_secs))
                .build();
            cookie.to_string()
        }
    }

    /// What the server's auth layer learned about this request. Inserted into request extensions.
    #[derive(Clone, Debug)]
    pub struct RequestAuth {
        pub user: Option<User>,
        pub session: Option<accounts::SessionToken>,
        pub csrf_token: String,
        pub client_ip: Option<String>,
    }

    pub fn state() -> Result<WebState, AppError> {
        use_context::<WebState>().ok_or_else(|| {
            tracing_missing("WebState");
            AppError::Internal
        })
    }

    pub fn request_auth() -> Result<RequestAuth, AppError> {
        use_context::<http::request::Parts>()
            .and_then(|parts| parts.extensions.get::<RequestAuth>().cloned())
            .ok_or_else(|| {
                tracing_missing("RequestAuth");
                AppError::Internal
            })
    }

    fn tracing_missing(what: &str) {
        leptos::logging::error!(
            "server function ran without {what} in context; is the auth layer installed?"
        );
    }

    /// The state and the signed-in user as an [`Actor`], or [`AppError::NotSignedIn`].
    pub fn signed_in() -> Result<(WebState, Actor), AppError> {
        let user = request_auth()?.user.ok_or(AppError::NotSignedIn)?;
        Ok((state()?, Actor::User(Box::new(user))))
    }

    /// The state and the signed-in user, or [`AppError::NotSignedIn`].
    pub fn signed_in_user() -> Result<(WebState, User), AppError> {
        let user = request_auth()?.user.ok_or(AppError::NotSignedIn)?;
        Ok((state()?, user))
    }

    pub fn user_view(user: &User) -> UserView {
        UserView {
            id: user.id,
            display_name: user.display_name.clone(),
            email: user.email.clone(),
            organisation_id: user.organisation_id,
            organisation_name: user.organisation_name.clone(),
            roles: user
                .roles
                .iter()
                .map(|name| {
                    let label =
                        accounts::Role::parse(name).map_or(name.as_str(), |role| role.label());
                    (name.clone(), label.to_owned())
                })
                .collect(),
        }
    }

    pub fn from_accounts(error: AccountsError) -> AppError {
        match error {
            AccountsError::Invalid { field, message } => AppError::Invalid {
                field: field.to_owned(),
                message,
                entered: Vec::new(),
            },
            AccountsError::Forbidden(why) => AppError::Forbidden(why.to_owned()),
            other if other.is_client_error() => AppError::Refused {
                message: sentence_case(&other.to_string()),
                entered: Vec::new(),
            },
            other => internal(other),
        }
    }

    /// Library messages start in lower case (they are often embedded); pages show sentences.
    fn sentence_case(message: &str) -> String {
        let mut chars = message.chars();
        chars
            .next()
            .map(|first| first.to_uppercase().chain(chars).collect())
            .unwrap_or_default()
    }

    /// Logs the real error and gives the page a generic one.
    pub fn internal(error: AccountsError) -> AppError {
        leptos::logging::error!("request failed: {error}");
        AppError::Internal
    }

    pub fn set_session_cookie(state: &WebState, signed_in: &SignedIn) {
        let value = state.cookies.build(
            state.cookies.session_name(),
            signed_in.token.as_str().to_owned(),
            signed_in.max_age_secs,
        );
        append_cookie(value);
    }

    pub fn clear_session_cookie(state: &WebState) {
        append_cookie(
            state
                .cookies
                .build(state.cookies.session_name(), String::new(), 0),
        );
    }

    fn append_cookie(value: String) {
        if let (Some(response), Ok(value)) = (
            use_context::<leptos_axum::ResponseOptions>(),
            HeaderValue::from_str(&value),
        ) {
            response.append_header(SET_COOKIE, value);
        }
    }

    /// Audit actions in words.
    pub fn describe_action(action: &str) -> &str {
        match action {
            "platform.setup" => "Rampart was set up",
            "sign_in" => "Signed in",
            "sign_in.failed" => "Sign-in failed",
            "sign_in.throttled" => "Sign-in refused after repeated failures",
            "sign_out" => "Signed out",
            "organisation.create" => "Organisation added",
            "user.create" => "User added",
            "package.import" => "Package imported",
            other => other,
        }
    }

    /// `2026-11-28` in UTC.
    pub fn format_date(unix_seconds: i64) -> String {
        formatted(
            unix_seconds,
            time::macros::format_description!("[year]-[month]-[day]"),
        )
    }

    /// `2026-11-28 21:47:40` in UTC.
    pub fn format_time(unix_seconds: i64) -> String {
        formatted(
            unix_seconds,
            time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]"),
        )
    }

    /// The time in `format`, or the raw number when it is out of range.
    fn formatted(
        unix_seconds: i64,
        format: &[time::format_description::BorrowedFormatItem<'_>],
    ) -> String {
        time::OffsetDateTime::from_unix_timestamp(unix_seconds)
            .ok()
            .and_then(|t| t.format(format).ok())
            .unwrap_or_else(|| unix_seconds.to_string())
    }

    /// `path?added=<name>`: the page after a successful form shows what was added.
    pub fn with_added(path: &str, name: &str) -> String {
        let encoded: String = form_urlencoded::byte_serialize(name.as_bytes()).collect();
        format!("{path}?added={encoded}")
    }

    /// `path?key=value&…`, encoded.
    pub fn with_query(path: &str, pairs: &[(&str, &str)]) -> String {
        let query = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        format!("{path}?{query}")
    }

    /// Only local paths are followed after sign-in, so a crafted link cannot bounce people elsewhere.
    pub fn safe_next(next: &str) -> &str {
        // Printable ASCII only: browsers drop tabs and newlines inside URLs, so `/\t/evil` would become
        // `//evil`; and a control character cannot go into a Location header at all.
        let printable = next.bytes().all(|b| (0x21..=0x7e).contains(&b));
        let bytes = next.as_bytes();
        let local = bytes.first() == Some(&b'/')
            && !matches!(bytes.get(1), Some(b'/' | b'\\'))
            && !next.contains('\\');
        if printable && local && next != "/sign-in" {
            next
        } else {
            "/dashboard"
        }
    }

    #[cfg(test)]
    mod tests {
        #[test]
        fn only_local_paths_are_followed() {
            assert_eq!(super::safe_next("/admin/users"), "/admin/users");
            assert_eq!(super::safe_next("//evil.example/x"), "/dashboard");
            assert_eq!(super::safe_next("https://evil.example"), "/dashboard");
            assert_eq!(super::safe_next("/\\evil.example"), "/dashboard");
            assert_eq!(super::safe_next(""), "/dashboard");
            assert_eq!(super::safe_next("/\t/evil.example"), "/dashboard");
            assert_eq!(super::safe_next("/\r\nSet-Cookie: x=y"), "/dashboard");
            assert_eq!(super::safe_next("/admin users"), "/dashboard");
        }
    }
}

#[cfg(test)]
mod plugin_form_tests {
    //! Plain HTML forms reach server functions through `serde_qs` in non-strict mode (what server_fn's
    //! URL codecs use): these are the bodies browsers send for the plugin admin forms.

    use super::*;

    fn decode<T: serde::de::DeserializeOwned>(body: &str) -> T {
        serde_qs::Config::new(5, false)
            .deserialize_str(body)
            .unwrap_or_else(|e| panic!("{body}: {e}"))
    }

    #[test]
    fn grants_take_a_checkbox_list_as_capabilities_brackets() {
        let form: SetPluginGrants = decode(
            "csrf_token=t&plugin=broadcasts&active=true\
             &capabilities%5B%5D=events.publish&capabilities%5B%5D=notify.in-app",
        );
        assert_eq!(form.plugin, "broadcasts");
        assert!(form.active);
        assert_eq!(form.capabilities, ["events.publish", "notify.in-app"]);

        let form: SetPluginGrants = decode("csrf_token=t&plugin=broadcasts&capabilities[]=a");
        assert!(!form.active, "an unticked box is not sent");
        assert_eq!(form.capabilities, ["a"]);

        let form: SetPluginGrants = decode("csrf_token=t&plugin=broadcasts");
        assert!(!form.active);
        assert!(form.capabilities.is_empty(), "no box ticked");
    }

    #[test]
    fn enabling_takes_true_or_false() {
        let form: SetPluginEnabled = decode("csrf_token=t&plugin=p&enabled=false");
        assert!(!form.enabled);
        let form: SetPluginEnabled = decode("csrf_token=t&plugin=p&enabled=true");
        assert!(form.enabled);
    }

    #[test]
    fn the_page_query_survives_the_get_encoding() {
        let args = PluginPage {
            plugin: "p".into(),
            page: "report".into(),
            query: vec![
                ("sort".into(), "t.1.desc".into()),
                ("q".into(), "a b&c".into()),
                ("sort".into(), "u.0.asc".into()),
            ],
        };
        let encoded = serde_qs::to_string(&args).unwrap();
        let decoded: PluginPage = decode(&encoded);
        assert_eq!(decoded.query, args.query);
        let empty: PluginPage = decode("plugin=p&page=report");
        assert!(empty.query.is_empty());
    }
}

#[cfg(test)]
mod lti_form_tests {
    //! The LTI admin forms as browsers send them (see `plugin_form_tests`).

    use super::*;

    fn decode<T: serde::de::DeserializeOwned>(body: &str) -> T {
        serde_qs::Config::new(5, false)
            .deserialize_str(body)
            .unwrap_or_else(|e| panic!("{body}: {e}"))
    }

    #[test]
    fn organisation_admins_send_no_organisation() {
        let form: AddLtiPlatform = decode(
            "csrf_token=t&name=Trust+Moodle&issuer=https%3A%2F%2Fmoodle.example\
             &client_id=abc&auth_endpoint=https%3A%2F%2Fa&token_endpoint=https%3A%2F%2Ft\
             &jwks_url=https%3A%2F%2Fk&deployment_ids=1%0D%0A2",
        );
        assert_eq!(form.name, "Trust Moodle");
        assert_eq!(form.issuer, "https://moodle.example");
        assert_eq!(form.deployment_ids, "1\r\n2");
        assert_eq!(form.organisation_id, "");

        let form: AddLtiPlatform = decode(
            "csrf_token=t&name=n&issuer=i&client_id=c&auth_endpoint=a&token_endpoint=t\
             &jwks_url=j&deployment_ids=&organisation_id=4",
        );
        assert_eq!(form.organisation_id, "4");
        assert_eq!(form.deployment_ids, "");

        let form: AddLtiConsumer = decode("csrf_token=t&name=Old+Moodle");
        assert_eq!(
            (form.name.as_str(), form.organisation_id.as_str()),
            ("Old Moodle", "")
        );
        let form: CreateLtiRegistrationUrl = decode("csrf_token=t");
        assert_eq!(form.organisation_id, "");
    }

    #[test]
    fn status_and_deployment_forms() {
        let form: SetLtiPlatformStatus = decode("csrf_token=t&id=7&status=active");
        assert_eq!((form.id, form.status.as_str()), (7, "active"));
        let form: AddLtiDeployment = decode("csrf_token=t&id=7&deployment_id=dep-1");
        assert_eq!((form.id, form.deployment_id.as_str()), (7, "dep-1"));
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn an_organisation_is_an_id_or_none() {
        assert_eq!(ssr::organisation_choice(""), Ok(None));
        assert_eq!(ssr::organisation_choice(" 4 "), Ok(Some(4)));
        assert_eq!(
            ssr::organisation_choice("x").unwrap_err().field(),
            Some("organisation_id")
        );
    }
}
