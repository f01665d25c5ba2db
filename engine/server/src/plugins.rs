//! The plugin platform in the server: `/p/<plugin>/…` requests, plugin pages and their forms and CSV
//! downloads, the admin overview and grants (as `web`'s [`Plugins`]), and the background workers that
//! deliver events, run ticks and send the outbox. Policy (sandbox, grants, isolation) is the host's.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use accounts::{Role, User, has_role};
use axum::body::{Body, to_bytes};
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use plugin_api::views::{
    CapabilityView, FormEcho, InstalledPluginView, MenuEntry, NotificationView, NotificationsView,
    PluginPageData, PluginsOverview,
};
use plugin_api::{Block, Field, FieldError, FieldKind, FormOutcome, Page, PluginInfo};
use plugin_host::{HttpExchange, PluginError, PluginHost};
use web::api::AppError;
use web::api::ssr::{BoxFuture, Plugins, RequestAuth};

use crate::AppState;

/// Largest request body a plugin route accepts.
pub const MAX_PLUGIN_BODY_BYTES: usize = 1024 * 1024;
/// How long a form's errors or a notice wait for the page to show them.
const FLASH_TTL_SECS: i64 = 300;
/// How long a shown flash entry can be shown again (the same request rendering twice).
const FLASH_REREAD_SECS: i64 = 5;
/// The query key that names a waiting flash entry.
const FLASH_KEY: &str = "form_state";
/// How many notifications `/notifications` shows (the newest).
const NOTIFICATIONS_SHOWN: i64 = 50;

/// One-off messages between a form POST and the page it redirects to (post/redirect/get), bound to
/// the user who posted.
#[derive(Clone, Default)]
pub struct Flash {
    entries: Arc<Mutex<HashMap<String, FlashEntry>>>,
}

struct FlashEntry {
    user_id: i64,
    expires_at: i64,
    notice: Option<String>,
    form: Option<FormEcho>,
}

impl Flash {
    fn put(
        &self,
        user_id: i64,
        now: i64,
        notice: Option<String>,
        form: Option<FormEcho>,
    ) -> String {
        let id = random_id();
        let mut entries = self.entries.lock().expect("flash lock");
        entries.retain(|_, entry| entry.expires_at > now);
        entries.insert(
            id.clone(),
            FlashEntry {
                user_id,
                expires_at: now + FLASH_TTL_SECS,
                notice,
                form,
            },
        );
        id
    }

    /// The entry for this user. A page may be rendered more than once for one request (the page and its
    /// data load separately), so the first read does not remove the entry: it shortens its life to
    /// [`FLASH_REREAD_SECS`], after which a reload no longer shows it.
    fn take(&self, id: &str, user_id: i64, now: i64) -> Option<(Option<String>, Option<FormEcho>)> {
        let mut entries = self.entries.lock().expect("flash lock");
        let entry = entries.get_mut(id)?;
        if entry.user_id != user_id || entry.expires_at <= now {
            return None;
        }
        entry.expires_at = entry.expires_at.min(now + FLASH_REREAD_SECS);
        Some((entry.notice.clone(), entry.form.clone()))
    }
}

fn random_id() -> String {
    use rand::Rng;
    let bytes: [u8; 16] = rand::thread_rng().r#gen();
    crate::hex(&bytes)
}

fn roles_of(user: &User) -> Vec<String> {
    user.roles.clone()
}

fn may_open(user: &User, roles: &[String]) -> bool {
    roles.is_empty()
        || has_role(user, Role::PlatformAdmin)
        || roles.iter().any(|role| user.roles.contains(role))
}

fn app_error(error: PluginError) -> AppError {
    match error {
        PluginError::NotInstalled(_) => AppError::NotFound(sentence(&error.to_string())),
        PluginError::NotActive(_) => AppError::Forbidden(error.to_string()),
        PluginError::Store(_) => AppError::Internal,
        other => AppError::Refused {
            message: sentence(&other.to_string()),
            entered: Vec::new(),
        },
    }
}

/// `the plugin … stopped` → `The plugin … stopped.`
fn sentence(text: &str) -> String {
    let text = text.trim().trim_end_matches('.');
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => format!("{}{}.", first.to_uppercase(), chars.as_str()),
        None => String::new(),
    }
}

fn plugin_status(error: &PluginError) -> StatusCode {
    match error {
        PluginError::NotInstalled(_) => StatusCode::NOT_FOUND,
        PluginError::NotActive(_) => StatusCode::FORBIDDEN,
        PluginError::Unavailable { .. } | PluginError::Busy | PluginError::Store(_) => {
            StatusCode::SERVICE_UNAVAILABLE
        }
        PluginError::Timeout { .. } => StatusCode::GATEWAY_TIMEOUT,
        PluginError::Memory { .. } | PluginError::Trap { .. } | PluginError::Plugin { .. } => {
            StatusCode::BAD_GATEWAY
        }
        PluginError::Invalid(_) | PluginError::Host(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// A notification's link when it is a page of this site (`/…` but not `//…`) or an `https://` URL;
/// anything else (other schemes, backslashes, spaces or control characters a browser would rewrite)
/// is dropped.
fn notification_link(link: String) -> Option<String> {
    if link
        .chars()
        .any(|c| c.is_control() || c.is_whitespace() || c == '\\')
    {
        return None;
    }
    let local = link.starts_with('/') && !link.starts_with("//");
    let https = link
        .get(..8)
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case("https://"))
        && link.len() > 8
        && !link[8..].starts_with('/');
    (local || https).then_some(link)
}

/// The web app's view of the plugin host.
#[derive(Clone)]
pub struct HostPlugins {
    pub host: PluginHost,
    pub flash: Flash,
    pub clock: Arc<dyn accounts::Clock>,
}

impl HostPlugins {
    async fn scope(
        &self,
        user: &User,
        plugin: &str,
    ) -> Result<plugin_host::CallScope, PluginError> {
        self.host
            .scope_for(plugin, user.organisation_id, Some(user.id), roles_of(user))
            .await
    }

    async fn render(
        &self,
        user: User,
        plugin: String,
        page: String,
        mut query: Vec<(String, String)>,
    ) -> Result<PluginPageData, AppError> {
        let (info, _) = self
            .host
            .info(&plugin)
            .ok_or_else(|| AppError::NotFound(format!("There is no plugin called “{plugin}”.")))?;
        let page_info = info.pages.iter().find(|p| p.id == page).ok_or_else(|| {
            AppError::NotFound(format!("The plugin {plugin} has no page “{page}”."))
        })?;
        if !may_open(&user, &page_info.roles) {
            return Err(AppError::Forbidden(format!(
                "the page {} is for {}",
                page_info.title,
                page_info.roles.join(", ")
            )));
        }
        let flash_id = query
            .iter()
            .find(|(key, _)| key == FLASH_KEY)
            .map(|(_, value)| value.clone());
        query.retain(|(key, _)| key != FLASH_KEY);
        let (notice, form) = flash_id
            .and_then(|id| self.flash.take(&id, user.id, self.clock.now()))
            .unwrap_or_default();
        let scope = self.scope(&user, &plugin).await.map_err(app_error)?;
        let rendered = self
            .host
            .render_page(scope, &page, query)
            .await
            .map_err(app_error)?;
        Ok(PluginPageData {
            plugin,
            plugin_title: info.title,
            page_id: page,
            page: rendered,
            notice,
            form,
        })
    }

    fn overview_entry(
        &self,
        record: store::PluginRecord,
        activation: Option<store::Activation>,
        platform_view: bool,
        recent_failures: Vec<(i64, String)>,
    ) -> InstalledPluginView {
        let info: Option<PluginInfo> = serde_json::from_str(&record.info).ok();
        let granted: Vec<String> = activation.as_ref().map(|a| a.granted()).unwrap_or_default();
        let capabilities = info
            .as_ref()
            .map(|info| {
                info.capabilities
                    .iter()
                    .map(|name| CapabilityView {
                        name: name.clone(),
                        description: plugin_api::capability_description(name)
                            .unwrap_or("unknown")
                            .to_owned(),
                        granted: platform_view || granted.contains(name),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let pages = info
            .as_ref()
            .map(|info| {
                info.pages
                    .iter()
                    .map(|page| MenuEntry {
                        href: format!("/plugins/{}/{}", record.name, page.id),
                        label: page.title.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        InstalledPluginView {
            name: record.name,
            title: record.title,
            version: record.version,
            api_version: record.api_version,
            description: record.description,
            status: record.status,
            status_reason: record.status_reason,
            capabilities,
            active: platform_view || activation.is_some_and(|a| a.active),
            pages,
            recent_failures,
        }
    }

    async fn audit(&self, user: &User, action: &str, plugin: &str, detail: String) {
        let entry = store::NewAuditEntry {
            at: self.clock.now(),
            actor_user_id: Some(user.id),
            organisation_id: user.organisation_id,
            action: action.into(),
            target: Some(plugin.into()),
            detail,
            client_ip: None,
        };
        if let Err(error) = self.host.services().store.append_audit(&entry).await {
            tracing::error!(%error, "could not audit a plugin change");
        }
    }
}

impl Plugins for HostPlugins {
    fn page(
        &self,
        user: User,
        plugin: String,
        page: String,
        query: Vec<(String, String)>,
    ) -> BoxFuture<Result<PluginPageData, AppError>> {
        let this = self.clone();
        Box::pin(async move { this.render(user, plugin, page, query).await })
    }

    fn menu(&self, user: User) -> BoxFuture<Vec<MenuEntry>> {
        let this = self.clone();
        Box::pin(async move {
            let mut entries = Vec::new();
            for name in this.host.loaded() {
                let Some((info, _)) = this.host.info(&name) else {
                    continue;
                };
                if this.scope(&user, &name).await.is_err() {
                    continue;
                }
                for page in info
                    .pages
                    .iter()
                    .filter(|p| p.in_menu && may_open(&user, &p.roles))
                {
                    entries.push(MenuEntry {
                        href: format!("/plugins/{name}/{}", page.id),
                        label: page.title.clone(),
                    });
                }
            }
            entries
        })
    }

    fn overview(&self, user: User) -> BoxFuture<Result<PluginsOverview, AppError>> {
        let this = self.clone();
        Box::pin(async move {
            let platform_admin = has_role(&user, Role::PlatformAdmin);
            if !platform_admin && !has_role(&user, Role::OrgAdmin) {
                return Err(AppError::Forbidden(
                    "only administrators can manage plugins".into(),
                ));
            }
            let store = &this.host.services().store;
            let records = store.list_plugins().await.map_err(|_| AppError::Internal)?;
            let mut plugins = Vec::with_capacity(records.len());
            for record in records {
                let activation = match user.organisation_id {
                    Some(org) => store
                        .activation(&record.name, org)
                        .await
                        .map_err(|_| AppError::Internal)?,
                    None => None,
                };
                let failures = store
                    .plugin_failures(&record.name, 0, 10)
                    .await
                    .map_err(|_| AppError::Internal)?
                    .into_iter()
                    .filter(|f| platform_admin || f.organisation_id == user.organisation_id)
                    .map(|f| (f.at, f.message))
                    .collect();
                let platform_view = user.organisation_id.is_none();
                plugins.push(this.overview_entry(record, activation, platform_view, failures));
            }
            Ok(PluginsOverview {
                plugins,
                can_manage: platform_admin,
                organisation_id: user.organisation_id,
                organisation_name: user.organisation_name.clone(),
            })
        })
    }

    fn set_enabled(
        &self,
        user: User,
        plugin: String,
        enabled: bool,
    ) -> BoxFuture<Result<(), AppError>> {
        let this = self.clone();
        Box::pin(async move {
            if !has_role(&user, Role::PlatformAdmin) {
                return Err(AppError::Forbidden(
                    "only platform administrators can enable or disable plugins".into(),
                ));
            }
            let reason = (!enabled).then(|| format!("Disabled by {}.", user.display_name));
            this.host
                .set_enabled(&plugin, enabled, reason.as_deref())
                .await
                .map_err(app_error)?;
            let action = if enabled {
                "plugin.enabled"
            } else {
                "plugin.disabled"
            };
            this.audit(&user, action, &plugin, String::new()).await;
            Ok(())
        })
    }

    fn set_grants(
        &self,
        user: User,
        plugin: String,
        active: bool,
        capabilities: Vec<String>,
    ) -> BoxFuture<Result<(), AppError>> {
        let this = self.clone();
        Box::pin(async move {
            let Some(organisation) = user.organisation_id else {
                return Err(AppError::Refused {
                    message: "Plugins are turned on per organisation; you do not belong to one."
                        .into(),
                    entered: Vec::new(),
                });
            };
            if !has_role(&user, Role::OrgAdmin) && !has_role(&user, Role::PlatformAdmin) {
                return Err(AppError::Forbidden(
                    "only organisation administrators can turn plugins on".into(),
                ));
            }
            let (info, _) = this.host.info(&plugin).ok_or_else(|| {
                AppError::NotFound(format!("There is no plugin called “{plugin}”."))
            })?;
            if let Some(unknown) = capabilities.iter().find(|c| !info.capabilities.contains(c)) {
                return Err(AppError::Refused {
                    message: format!("The plugin {plugin} does not ask for {unknown}."),
                    entered: Vec::new(),
                });
            }
            this.host
                .set_activation(&plugin, organisation, active, &capabilities, Some(user.id))
                .await
                .map_err(|_| AppError::Internal)?;
            let detail = format!(
                "{} with {}",
                if active { "turned on" } else { "turned off" },
                if capabilities.is_empty() {
                    "no capabilities".to_owned()
                } else {
                    capabilities.join(", ")
                }
            );
            this.audit(&user, "plugin.grants", &plugin, detail).await;
            Ok(())
        })
    }

    fn notifications(&self, user: User) -> BoxFuture<Result<NotificationsView, AppError>> {
        let this = self.clone();
        Box::pin(async move {
            let store = &this.host.services().store;
            let records = store
                .notifications_of(user.id, NOTIFICATIONS_SHOWN)
                .await
                .map_err(|error| {
                    tracing::error!(%error, "could not read notifications");
                    AppError::Internal
                })?;
            let unread = store.unread_notifications(user.id).await.map_err(|error| {
                tracing::error!(%error, "could not count unread notifications");
                AppError::Internal
            })?;
            let mut titles = HashMap::<String, String>::new();
            let items = records
                .into_iter()
                .map(|record| {
                    let source = titles
                        .entry(record.source.clone())
                        .or_insert_with(|| {
                            this.host
                                .info(&record.source)
                                .map(|(info, _)| info.title)
                                .filter(|title| !title.trim().is_empty())
                                .unwrap_or_else(|| record.source.clone())
                        })
                        .clone();
                    NotificationView {
                        id: record.id,
                        plugin: record.source,
                        source,
                        title: record.title,
                        body_markdown: record.body,
                        link: record.link.and_then(notification_link),
                        created_at: record.created_at,
                        unread: record.read_at.is_none(),
                    }
                })
                .collect();
            Ok(NotificationsView { items, unread })
        })
    }

    fn mark_notifications_read(&self, user: User) -> BoxFuture<Result<(), AppError>> {
        let this = self.clone();
        Box::pin(async move {
            this.host
                .services()
                .store
                .mark_notifications_read(user.id, this.clock.now())
                .await
                .map(|_| ())
                .map_err(|error| {
                    tracing::error!(%error, "could not mark notifications read");
                    AppError::Internal
                })
        })
    }

    fn unread_notifications(&self, user: User) -> BoxFuture<i64> {
        let this = self.clone();
        Box::pin(async move {
            this.host
                .services()
                .store
                .unread_notifications(user.id)
                .await
                .unwrap_or_else(|error| {
                    tracing::error!(%error, "could not count unread notifications");
                    0
                })
        })
    }

    fn alert_banner(&self, user: User) -> BoxFuture<Option<web::api::AlertBanner>> {
        let this = self.clone();
        Box::pin(async move {
            match this
                .host
                .services()
                .store
                .newest_urgent_unread(user.id)
                .await
            {
                Ok(found) => found.map(|n| web::api::AlertBanner {
                    id: n.id,
                    title: n.title,
                }),
                Err(error) => {
                    tracing::error!(%error, "could not read urgent notifications");
                    None
                }
            }
        })
    }
}

/// `GET /notifications/<id>/open`: marks the notification read (so its banner goes) and goes to its
/// link, when that is a page of this site; otherwise to the notifications page.
pub async fn open_notification(
    State(state): State<AppState>,
    Extension(auth): Extension<RequestAuth>,
    Path(id): Path<i64>,
) -> Response {
    let Some(user) = signed_in(&auth) else {
        return Redirect::to("/sign-in").into_response();
    };
    let now = state.clock.now();
    match state
        .host_plugins()
        .host
        .services()
        .store
        .open_notification(user.id, id, now)
        .await
    {
        Ok(Some(notification)) => {
            let local = notification
                .link
                .filter(|link| link.starts_with('/') && !link.starts_with("//"));
            Redirect::to(local.as_deref().unwrap_or("/notifications")).into_response()
        }
        Ok(None) => Redirect::to("/notifications").into_response(),
        Err(error) => {
            tracing::error!(%error, "could not open a notification");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

// ----- /p/<plugin>/… -----

/// `public` or `public/…` below `/p/<plugin>/`.
fn is_public_path(rest: &str) -> bool {
    rest == "public" || rest.starts_with("public/")
}

/// Response headers a plugin may set; anything else (cookies above all) is dropped.
const ALLOWED_RESPONSE_HEADERS: &[&str] = &[
    "content-type",
    "cache-control",
    "content-disposition",
    "etag",
    "last-modified",
    "location",
];

/// Any method on `/p/<plugin>/<path>`: the plugin's own HTTP routes (JSON, feeds, files). Served with
/// a CSP that allows nothing, so a plugin cannot run script on the engine origin.
///
/// Paths under `/p/<plugin>/public/` are always anonymous, whoever asks: a feed opened in a signed-in
/// browser gets the same answer as a feed reader, and the session never reaches public routes.
pub async fn request(
    State(state): State<AppState>,
    auth: Option<Extension<RequestAuth>>,
    Path((plugin, rest)): Path<(String, String)>,
    request: Request,
) -> Response {
    let user = auth
        .and_then(|Extension(auth)| auth.user)
        .filter(|_| !is_public_path(&rest));
    let (parts, body) = request.into_parts();
    let body = match to_bytes(body, MAX_PLUGIN_BODY_BYTES).await {
        Ok(body) => body,
        Err(_) => {
            return (
                StatusCode::PAYLOAD_TOO_LARGE,
                format!(
                    "The request body is over {} KiB.",
                    MAX_PLUGIN_BODY_BYTES / 1024
                ),
            )
                .into_response();
        }
    };
    let scope = match &user {
        Some(user) => {
            state
                .plugins
                .scope_for(&plugin, user.organisation_id, Some(user.id), roles_of(user))
                .await
        }
        // Someone not signed in (a feed reader, another system): the platform scope, with no
        // capability, so an anonymous request cannot make a plugin email, publish or read the directory.
        None => state
            .plugins
            .scope_for(&plugin, None, None, Vec::new())
            .await
            .map(|mut scope| {
                scope.granted = Arc::new(std::collections::HashSet::new());
                scope
            }),
    };
    let headers = parts
        .headers
        .iter()
        .filter(|(name, _)| !matches!(name.as_str(), "cookie" | "authorization" | "x-csrf-token"))
        .filter_map(|(name, value)| Some((name.to_string(), value.to_str().ok()?.to_owned())))
        .collect();
    let exchange = HttpExchange {
        method: parts.method.to_string(),
        path: format!("/{rest}"),
        query: parts.uri.query().unwrap_or("").to_owned(),
        headers,
        body: body.to_vec(),
        ..HttpExchange::default()
    };
    let result = match scope {
        Ok(scope) => state.plugins.handle_request(scope, exchange).await,
        Err(error) => Err(error),
    };
    let mut response = match result {
        Ok(answer) => plugin_response(answer),
        Err(error) => (plugin_status(&error), error.to_string()).into_response(),
    };
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; sandbox; frame-ancestors 'none'"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

fn plugin_response(answer: HttpExchange) -> Response {
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::BAD_GATEWAY);
    let mut response = Response::builder().status(status);
    for (name, value) in &answer.headers {
        let lower = name.to_ascii_lowercase();
        if ALLOWED_RESPONSE_HEADERS.contains(&lower.as_str()) {
            response = response.header(lower, value);
        }
    }
    response.body(Body::from(answer.body)).unwrap_or_else(|_| {
        (
            StatusCode::BAD_GATEWAY,
            "The plugin sent an invalid header.",
        )
            .into_response()
    })
}

// ----- plugin page forms -----

fn signed_in(auth: &RequestAuth) -> Option<User> {
    auth.user.clone()
}

/// Checks the submitted values against the form's declared fields: required, length, kind, choices.
pub fn validate_form(fields: &[Field], submitted: &[(String, String)]) -> Vec<FieldError> {
    let value_of = |name: &str| {
        submitted
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.trim())
            .unwrap_or("")
    };
    let mut errors = Vec::new();
    for field in fields {
        let value = value_of(&field.name);
        let label = &field.label;
        let mut error = |message: String| {
            errors.push(FieldError {
                field: field.name.clone(),
                message,
            })
        };
        if value.is_empty() {
            if field.required {
                error(match field.kind {
                    FieldKind::Select | FieldKind::Radio => {
                        format!("Select {}", label.to_lowercase())
                    }
                    FieldKind::Checkbox => format!("Tick “{label}” to continue"),
                    _ => format!("Enter {}", label.to_lowercase()),
                });
            }
            continue;
        }
        if let Some(max) = field.max_length
            && value.chars().count() > max as usize
        {
            error(format!("{label} must be {max} characters or fewer"));
            continue;
        }
        let kind_ok = match field.kind {
            FieldKind::Email => value.contains('@') && !value.contains(char::is_whitespace),
            FieldKind::Url => value.starts_with("https://") || value.starts_with("http://"),
            FieldKind::Number => value.parse::<f64>().is_ok_and(f64::is_finite),
            FieldKind::Date => is_iso_date(value),
            FieldKind::Select | FieldKind::Radio => field.choices.iter().any(|c| c.value == value),
            _ => true,
        };
        if !kind_ok {
            error(match field.kind {
                FieldKind::Email => format!(
                    "Enter {} in the right format, like name@example.nhs.uk",
                    label.to_lowercase()
                ),
                FieldKind::Url => format!(
                    "Enter {} as a web address starting with https://",
                    label.to_lowercase()
                ),
                FieldKind::Number => format!("{label} must be a number"),
                FieldKind::Date => format!("{label} must be a real date, like 2026-03-31"),
                _ => format!("Select one of the options for {}", label.to_lowercase()),
            });
        }
    }
    errors
}

fn is_iso_date(value: &str) -> bool {
    let parts: Vec<&str> = value.split('-').collect();
    let [year, month, day] = parts.as_slice() else {
        return false;
    };
    let (Ok(year), Ok(month), Ok(day)) = (
        year.parse::<u32>(),
        month.parse::<u32>(),
        day.parse::<u32>(),
    ) else {
        return false;
    };
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    (1000..=9999).contains(&year)
        && (1..=12).contains(&month)
        && day >= 1
        && day <= days[month as usize - 1]
}

fn find_form<'a>(page: &'a Page, id: &str) -> Option<&'a plugin_api::Form> {
    page.blocks.iter().find_map(|block| match block {
        Block::Form(form) if form.id == id => Some(form),
        _ => None,
    })
}

fn find_table<'a>(page: &'a Page, id: &str) -> Option<&'a plugin_api::Table> {
    page.blocks.iter().find_map(|block| match block {
        Block::Table(table) if table.id == id => Some(table),
        _ => None,
    })
}

fn page_url(plugin: &str, page: &str, query: &[(String, String)]) -> String {
    let mut url = format!("/plugins/{plugin}/{page}");
    if !query.is_empty() {
        url.push('?');
        url.push_str(
            &form_urlencoded::Serializer::new(String::new())
                .extend_pairs(query)
                .finish(),
        );
    }
    url
}

/// Where a plugin's `done` redirect may go: a page of the same plugin (`page-id?x=1`), or back.
fn redirect_target(plugin: &str, page: &str, redirect: Option<&str>) -> String {
    match redirect {
        Some(target)
            if !target.is_empty()
                && target.starts_with(|c: char| c.is_ascii_alphanumeric())
                && !target.contains(':')
                && !target.contains("//") =>
        {
            format!("/plugins/{plugin}/{target}")
        }
        Some(target) if target.starts_with('?') => format!("/plugins/{plugin}/{page}{target}"),
        _ => format!("/plugins/{plugin}/{page}"),
    }
}

/// `POST /plugins/<plugin>/<page>?form=<id>`: validates against the form the page declares, hands the
/// values to the plugin, and redirects to show the outcome (post/redirect/get).
pub async fn submit(
    State(state): State<AppState>,
    Extension(auth): Extension<RequestAuth>,
    Path((plugin, page)): Path<(String, String)>,
    Query(query): Query<Vec<(String, String)>>,
    Form(submitted): Form<Vec<(String, String)>>,
) -> Response {
    let Some(user) = signed_in(&auth) else {
        return Redirect::to("/sign-in").into_response();
    };
    let Some(form_id) = query
        .iter()
        .find(|(k, _)| k == "form")
        .map(|(_, v)| v.clone())
    else {
        return (
            StatusCode::BAD_REQUEST,
            "The form did not say which form it is.",
        )
            .into_response();
    };
    let page_query: Vec<(String, String)> = query
        .iter()
        .filter(|(key, _)| key != "form" && key != FLASH_KEY)
        .cloned()
        .collect();
    let plugins = state.host_plugins();
    let rendered = match plugins
        .render(
            user.clone(),
            plugin.clone(),
            page.clone(),
            page_query.clone(),
        )
        .await
    {
        Ok(rendered) => rendered,
        Err(error) => return error_page(error),
    };
    let Some(form) = find_form(&rendered.page, &form_id) else {
        return (
            StatusCode::BAD_REQUEST,
            "That form is not on this page any more; go back and try again.",
        )
            .into_response();
    };
    let declared: Vec<(String, String)> = submitted
        .into_iter()
        .filter(|(name, _)| form.fields.iter().any(|field| &field.name == name))
        .collect();
    let now = state.clock.now();
    let mut errors = validate_form(&form.fields, &declared);
    let mut notice = None;
    let mut redirect = None;
    if errors.is_empty() {
        let scope = match plugins.scope(&user, &plugin).await {
            Ok(scope) => scope,
            Err(error) => return error_page(app_error(error)),
        };
        match state
            .plugins
            .submit_form(scope, &page, &form_id, declared.clone())
            .await
        {
            Ok(FormOutcome::Done {
                message,
                redirect: target,
            }) => {
                notice = Some(message.unwrap_or_else(|| "Saved.".into()));
                redirect = Some(redirect_target(&plugin, &page, target.as_deref()));
            }
            Ok(FormOutcome::Invalid(found)) => errors = found,
            Err(error) => return error_page(app_error(error)),
        }
    }
    let (target, echo) = match redirect {
        Some(target) => (target, None),
        None => (
            page_url(&plugin, &page, &page_query),
            Some(FormEcho {
                form_id,
                values: declared,
                errors,
            }),
        ),
    };
    let flash = plugins.flash.put(user.id, now, notice, echo);
    let separator = if target.contains('?') { '&' } else { '?' };
    Redirect::to(&format!("{target}{separator}{FLASH_KEY}={flash}")).into_response()
}

fn error_page(error: AppError) -> Response {
    let status = match &error {
        AppError::NotFound(_) => StatusCode::NOT_FOUND,
        AppError::Forbidden(_) => StatusCode::FORBIDDEN,
        AppError::NotSignedIn => StatusCode::UNAUTHORIZED,
        AppError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::BAD_GATEWAY,
    };
    (status, error.to_string()).into_response()
}

/// `GET /plugins/<plugin>/<page>/<table>.csv`: a table of the page as CSV.
pub async fn table_csv(
    State(state): State<AppState>,
    Extension(auth): Extension<RequestAuth>,
    Path((plugin, page, file)): Path<(String, String, String)>,
    Query(query): Query<Vec<(String, String)>>,
) -> Response {
    let Some(user) = signed_in(&auth) else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    let Some(table_id) = file.strip_suffix(".csv") else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let query_for_sort = query.clone();
    let rendered = match state
        .host_plugins()
        .render(user, plugin.clone(), page.clone(), query)
        .await
    {
        Ok(rendered) => rendered,
        Err(error) => return error_page(error),
    };
    let Some(mut table) = find_table(&rendered.page, table_id)
        .filter(|t| t.csv_export)
        .cloned()
    else {
        return (
            StatusCode::NOT_FOUND,
            "This page has no such table to download.",
        )
            .into_response();
    };
    // The same order as on the page.
    web::plugin_ui::apply_sort(&mut table, &query_for_sort);
    let header: Vec<String> = table.columns.iter().map(|c| c.label.clone()).collect();
    let rows = table
        .rows
        .iter()
        .map(|row| row.iter().map(|cell| cell.text.clone()).collect())
        .collect();
    let file_name: String = format!("{plugin}-{table_id}.csv")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    crate::export::csv_download(&file_name, &header, rows)
}

// ----- background work -----

/// Delivers events as they are published (and every few seconds, for retries), and runs ticks.
pub async fn run_dispatcher(host: PluginHost) {
    let mut ticks = tokio::time::interval(Duration::from_secs(30));
    loop {
        tokio::select! {
            _ = host.services().events_ready.notified() => {}
            _ = tokio::time::sleep(Duration::from_secs(5)) => {}
            _ = ticks.tick() => {
                if let Err(error) = host.run_ticks().await {
                    tracing::warn!(%error, "plugin ticks failed");
                }
            }
        }
        loop {
            match host.deliver_due().await {
                Ok(0) => break,
                Ok(_) => continue,
                Err(error) => {
                    tracing::warn!(%error, "delivering plugin events failed");
                    break;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use plugin_api::Choice;

    fn field(name: &str, kind: FieldKind, required: bool) -> Field {
        Field {
            name: name.into(),
            label: name.to_uppercase(),
            hint: None,
            kind,
            required,
            max_length: Some(10),
            value: None,
            choices: vec![Choice {
                value: "a".into(),
                label: "A".into(),
            }],
        }
    }

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn notification_links_are_local_paths_or_https() {
        let kept = |link: &str| notification_link(link.to_owned());
        assert_eq!(
            kept("/plugins/a/inbox").as_deref(),
            Some("/plugins/a/inbox")
        );
        assert_eq!(
            kept("https://example.org/x").as_deref(),
            Some("https://example.org/x")
        );
        for refused in [
            "//evil.example/x",
            "/\\evil.example",
            "http://example.org",
            "javascript:alert(1)",
            "https:///evil",
            "inbox",
            "/\t/evil",
            "",
        ] {
            assert_eq!(kept(refused), None, "{refused}");
        }
    }

    #[test]
    fn forms_are_checked_against_their_fields() {
        let fields = [
            field("note", FieldKind::Text, true),
            field("mail", FieldKind::Email, false),
            field("when", FieldKind::Date, false),
            field("pick", FieldKind::Select, true),
            field("n", FieldKind::Number, false),
        ];
        let errors = validate_form(
            &fields,
            &pairs(&[
                ("note", "  "),
                ("mail", "nope"),
                ("when", "2026-02-30"),
                ("pick", "z"),
                ("n", "x"),
            ]),
        );
        let messages: Vec<(&str, &str)> = errors
            .iter()
            .map(|e| (e.field.as_str(), e.message.as_str()))
            .collect();
        assert_eq!(messages.len(), 5, "{messages:?}");
        assert_eq!(messages[0], ("note", "Enter note"));
        assert!(messages[2].1.contains("real date"));
        let fine = validate_form(
            &fields,
            &pairs(&[("note", "hi"), ("when", "2028-02-29"), ("pick", "a")]),
        );
        assert!(fine.is_empty(), "{fine:?}");
        let long = validate_form(
            &fields,
            &pairs(&[("note", "far too long a note"), ("pick", "a")]),
        );
        assert_eq!(long[0].message, "NOTE must be 10 characters or fewer");
    }

    #[test]
    fn redirects_stay_inside_the_plugin() {
        assert_eq!(
            redirect_target("p", "home", Some("report?id=2")),
            "/plugins/p/report?id=2"
        );
        assert_eq!(
            redirect_target("p", "home", Some("?id=2")),
            "/plugins/p/home?id=2"
        );
        for hostile in [
            "https://evil.example",
            "//evil.example",
            "javascript:alert(1)",
        ] {
            assert_eq!(
                redirect_target("p", "home", Some(hostile)),
                "/plugins/p/home"
            );
        }
    }

    #[test]
    fn flash_entries_are_shown_briefly_and_only_to_their_user() {
        let flash = Flash::default();
        let id = flash.put(7, 100, Some("Saved.".into()), None);
        assert!(flash.take(&id, 8, 101).is_none());
        let id = flash.put(7, 100, Some("Saved.".into()), None);
        assert_eq!(
            flash.take(&id, 7, 101).unwrap().0.as_deref(),
            Some("Saved.")
        );
        assert!(
            flash.take(&id, 7, 102).is_some(),
            "one request may render twice"
        );
        assert!(flash.take(&id, 7, 101 + FLASH_REREAD_SECS).is_none());
        let id = flash.put(7, 100, None, None);
        assert!(flash.take(&id, 7, 100 + FLASH_TTL_SECS).is_none());
    }
}
