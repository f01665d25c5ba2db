//! The LTI admin pages: `/admin/lti` (how to connect an LMS, Dynamic Registration, the platforms, manual
//! registration and LTI 1.1 consumers) and `/admin/lti/platforms/:id` (one platform: deployments, the
//! last launches and the scores waiting to go back to the LMS).
//!
//! Everything is server-rendered and works without JavaScript: forms post to server functions and come
//! back with the error in the query (`__err`) or with what happened (`?registration_url=…`,
//! `?platform=<id>&status=…`, `?consumer=<key>`). The only island is the "Copy" button beside each URL;
//! without it the read-only input can still be selected and copied. A new LTI 1.1 secret never goes into
//! a URL: the page takes it once from the server ([`take_new_consumer_secret`]).

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use plugin_api::{Chart, ChartKind, Series, Tone};

use super::plugins::{chart_view, tone_class};
use super::{ErrorPanel, NotFound, admin_only, form_error, query_param, route_id};
use crate::api::{
    AddLtiConsumer, AddLtiDeployment, AddLtiPlatform, AppError, CreateLtiRegistrationUrl,
    LtiConsumerRow, LtiLaunchRow, LtiOutboxRow, LtiOverview, LtiPlatformDetail, LtiPlatformRow,
    LtiToolUrls, SetLtiPlatformStatus, lti_overview, lti_platform, take_new_consumer_secret,
};
use crate::plugin_ui;

// ----- /admin/lti -----

/// What this load of `/admin/lti` came back with: the form that was refused, or what just happened.
#[derive(Clone, Debug, Default)]
pub(super) struct OverviewOutcome {
    pub registration_error: Option<AppError>,
    pub platform_error: Option<AppError>,
    pub status_error: Option<AppError>,
    pub consumer_error: Option<AppError>,
    /// A one-time Dynamic Registration URL that was just created.
    pub registration_url: Option<String>,
    /// `(platform id, new status)` after "Approve", "Disable" or "Enable".
    pub status_changed: Option<(i64, String)>,
    /// The LTI 1.1 consumer just added: its key, and its secret the one time it is shown.
    pub new_consumer: Option<(String, Option<String>)>,
}

impl OverviewOutcome {
    fn failed(&self) -> bool {
        self.registration_error.is_some()
            || self.platform_error.is_some()
            || self.status_error.is_some()
            || self.consumer_error.is_some()
    }
}

#[component]
pub(super) fn LtiAdminPage() -> impl IntoView {
    let overview = Resource::new(|| (), |_| lti_overview());
    let mut outcome = OverviewOutcome {
        registration_error: form_error::<CreateLtiRegistrationUrl>(),
        platform_error: form_error::<AddLtiPlatform>(),
        status_error: form_error::<SetLtiPlatformStatus>(),
        consumer_error: form_error::<AddLtiConsumer>(),
        ..OverviewOutcome::default()
    };
    // After a refused form the page is the referrer again: what happened before is not news.
    let consumer_key = if outcome.failed() {
        None
    } else {
        outcome.registration_url = query_param("registration_url");
        outcome.status_changed = query_param("platform")
            .and_then(|id| id.parse().ok())
            .zip(query_param("status"));
        query_param("consumer").filter(|key| !key.is_empty())
    };
    // The Suspense body may run more than once while one page renders; the secret can be taken from
    // the server only once, so the first answer is kept here for every run of this render.
    let taken_secret: std::sync::Arc<std::sync::Mutex<Option<Option<String>>>> = Default::default();
    admin_only(move |info, _| {
        let taken_secret = taken_secret.clone();
        view! {
            <Suspense fallback=|| view! { <p>"Loading LMS connections…"</p> }>
                {move || {
                    let (csrf_token, mut outcome, consumer_key) =
                        (info.csrf_token.clone(), outcome.clone(), consumer_key.clone());
                    let taken_secret = taken_secret.clone();
                    Suspend::new(async move {
                        match overview.await {
                            Ok(overview) => {
                                if let Some(key) = consumer_key {
                                    // Taken here, not in a resource, so it is never serialised into
                                    // the page for hydration: it appears once, in the notice.
                                    let taken = take_new_consumer_secret(csrf_token.clone(), key.clone())
                                        .await
                                        .ok()
                                        .flatten();
                                    let secret = {
                                        let mut kept = taken_secret.lock().unwrap();
                                        if kept.as_ref().is_none_or(|k| k.is_none()) {
                                            *kept = Some(taken);
                                        }
                                        kept.clone().flatten()
                                    };
                                    if secret.is_some() {
                                        do_not_store();
                                    }
                                    outcome.new_consumer = Some((key, secret));
                                }
                                view! { <LtiOverviewView overview csrf_token outcome /> }.into_any()
                            }
                            Err(error) => view! {
                                <Title text="LMS connections – Rampart" />
                                <h1>"LMS connections (LTI)"</h1>
                                <ErrorPanel error />
                            }
                            .into_any(),
                        }
                    })
                }}
            </Suspense>
        }
        .into_any()
    })
}

/// A response that shows a secret must not be kept by the browser or any cache.
fn do_not_store() {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.insert_header(
            http::header::CACHE_CONTROL,
            http::HeaderValue::from_static("no-store"),
        );
    }
}

#[component]
pub(super) fn LtiOverviewView(
    overview: LtiOverview,
    csrf_token: String,
    outcome: OverviewOutcome,
) -> impl IntoView {
    let summary = [
        (&outcome.registration_error, "registration"),
        (&outcome.platform_error, "platform"),
        (&outcome.status_error, "status"),
        (&outcome.consumer_error, "consumer"),
    ]
    .into_iter()
    .find_map(|(error, form)| error.as_ref().map(|error| error_summary(error, form)));
    let title = format!(
        "{}LMS connections – Rampart",
        if summary.is_some() { "Error: " } else { "" }
    );
    let status_notice = outcome.status_changed.as_ref().map(|(id, status)| {
        let name = overview
            .platforms
            .iter()
            .find(|p| p.id == *id)
            .map_or_else(|| "The platform".to_owned(), |p| format!("“{}”", p.name));
        let message = match status.as_str() {
            "active" => format!("{name} is now active: its launches are accepted."),
            "disabled" => format!("{name} is now disabled: its launches are refused."),
            other => format!("{name} is now {other}."),
        };
        view! { <p class="notice" role="status">{message}</p> }
    });
    let organisations = overview.platform_admin.then_some(overview.organisations);
    view! {
        <Title text=title />
        {summary}
        <h1>"LMS connections (LTI)"</h1>
        <p class="lead">
            "Learners can start Rampart courses from your learning management system (LMS). Rampart is an LTI 1.3 (LTI Advantage) tool; LMSs that only speak LTI 1.1 can connect too."
        </p>
        {status_notice}
        <ConnectPanels tool=overview.tool.clone() />
        <RegistrationSection
            csrf_token=csrf_token.clone()
            organisations=organisations.clone()
            error=outcome.registration_error
            new_url=outcome.registration_url
        />
        <PlatformsSection platforms=overview.platforms csrf_token=csrf_token.clone() />
        <ManualPlatformForm
            csrf_token=csrf_token.clone()
            organisations=organisations.clone()
            error=outcome.platform_error
        />
        <ConsumersSection
            consumers=overview.consumers
            csrf_token
            organisations
            error=outcome.consumer_error
            new_consumer=outcome.new_consumer
        />
    }
}

// ----- copy panels -----

/// One URL (or several, one per line) to copy into an LMS.
struct CopyItem {
    key: &'static str,
    label: &'static str,
    values: Vec<String>,
    /// How several values are joined for this LMS: `"\n"` or `", "`.
    separator: &'static str,
    hint: Option<&'static str>,
}

fn item(key: &'static str, label: &'static str, value: &str) -> CopyItem {
    CopyItem {
        key,
        label,
        values: vec![value.to_owned()],
        separator: "\n",
        hint: None,
    }
}

impl CopyItem {
    fn hint(mut self, hint: &'static str) -> Self {
        self.hint = Some(hint);
        self
    }
}

fn items(
    key: &'static str,
    label: &'static str,
    values: &[&str],
    separator: &'static str,
) -> CopyItem {
    CopyItem {
        key,
        label,
        values: values.iter().map(|v| v.to_string()).collect(),
        separator,
        hint: None,
    }
}

/// "Connect your LMS": the URLs each LMS asks for, under the names it gives them.
#[component]
fn ConnectPanels(tool: LtiToolUrls) -> impl IntoView {
    if tool.launch.is_empty() {
        return view! {
            <section class="panel" aria-labelledby="connect-heading">
                <h2 id="connect-heading">"Connect your LMS"</h2>
                <p>"LTI is not set up on this server yet, so there are no URLs to copy. Ask your Rampart administrator."</p>
            </section>
        }
        .into_any();
    }
    let t = &tool;
    let redirects = [t.launch.as_str(), t.deep_link.as_str()];
    let moodle = copy_panel(
        "moodle",
        "Moodle",
        view! {
            <p>
                "In Moodle go to Site administration › Plugins › Activity modules › External tool › Manage tools, and choose “configure a tool manually”. Choose LTI version “LTI 1.3”, public key type “Keyset URL”, and tick “Supports Deep Linking (Content-Item Message)”."
            </p>
        }
        .into_any(),
        vec![
            item("tool-url", "Tool URL", &t.launch),
            item("keyset", "Public keyset", &t.jwks),
            item("login", "Initiate login URL", &t.login),
            items("redirects", "Redirection URI(s)", &redirects, "\n").hint("Both, one per line."),
            item("content-selection", "Content Selection URL", &t.deep_link),
        ],
        Some(
            view! {
                <p>
                    <strong>"Dynamic registration: "</strong>
                    "paste the registration URL into Site administration › Plugins › Activity modules › External tool › Manage tools (the “Tool URL” box, then “Add LTI Advantage”). "
                    <a href="#dynamic-registration">"Create a registration URL"</a>
                    " below."
                </p>
            }
            .into_any(),
        ),
    );
    let canvas = copy_panel(
        "canvas",
        "Canvas",
        view! {
            <p>
                "In Canvas go to Admin › Developer keys › + Developer key › LTI key, and choose the method “Manual entry”. Then switch the key on, add the app by its Client ID (Settings › Apps › + App › By Client ID), and register Canvas below with that Client ID."
            </p>
        }
        .into_any(),
        vec![
            items("redirects", "Redirect URIs", &redirects, "\n").hint("Both, one per line."),
            item("target-link", "Target link URI", &t.launch),
            item("login", "OpenID Connect initiation URL", &t.login),
            item("jwk-url", "Public JWK URL", &t.jwks)
                .hint("Choose the JWK method “Public JWK URL”."),
        ],
        None,
    );
    let blackboard = copy_panel(
        "blackboard",
        "Blackboard",
        view! {
            <p>
                "Blackboard Learn tools are registered in Anthology’s Developer Portal (“My integration supports LTI 1.3”, signing algorithm RS256). Then in Learn go to Administrator Panel › LTI Tool Providers › Register LTI 1.3/Advantage Tool, enter the application’s Client ID, and register Blackboard below with the deployment ID Learn shows."
            </p>
        }
        .into_any(),
        vec![
            item("domain", "Tool provider domain", &t.domain),
            item("login", "Login initiation URL", &t.login),
            items("redirects", "Tool redirect URL(s)", &redirects, ", ")
                .hint("Both, separated by a comma."),
            item("jwks", "Tool JWKS URL", &t.jwks),
        ],
        None,
    );
    let generic = copy_panel(
        "lti13",
        "Another LTI 1.3 platform",
        view! { <p>"Every URL Rampart has as an LTI 1.3 tool; your LMS may name them differently."</p> }
            .into_any(),
        vec![
            item("login", "OpenID Connect login initiation URL", &t.login),
            item("launch", "Launch (target link) URL", &t.launch),
            items("redirects", "Redirect URIs", &redirects, "\n").hint("Both, one per line."),
            item("deep-link", "Deep linking URL", &t.deep_link),
            item("jwks", "Public keyset (JWKS) URL", &t.jwks),
            item("domain", "Domain", &t.domain),
            item("registration", "Dynamic registration URL", &t.registration).hint(
                "Works only with a one-time token: create the full URL under “Dynamic registration” below.",
            ),
        ],
        None,
    );
    let lti11 = copy_panel(
        "lti11",
        "LTI 1.1",
        view! { <p>"For an LMS that only speaks LTI 1.1 (basic launches and outcomes)."</p> }
            .into_any(),
        vec![item("launch", "Launch URL", &t.lti11_launch)],
        Some(
            view! {
                <p>
                    "The consumer key and shared secret come from "
                    <a href="#consumers-heading">"LTI 1.1 consumers"</a>
                    " below."
                </p>
            }
            .into_any(),
        ),
    );
    view! {
        <section aria-labelledby="connect-heading">
            <h2 id="connect-heading">"Connect your LMS"</h2>
            <p>
                "Copy these URLs into your LMS, then register the LMS here: with a one-time dynamic registration URL where your LMS supports it, or by hand with the details your LMS gives you."
            </p>
            <nav aria-label="LMS instructions">
                <ul class="link-list">
                    <li><a href="#copy-moodle-heading">"Moodle"</a></li>
                    <li><a href="#copy-canvas-heading">"Canvas"</a></li>
                    <li><a href="#copy-blackboard-heading">"Blackboard"</a></li>
                    <li><a href="#copy-lti13-heading">"Another LTI 1.3 platform"</a></li>
                    <li><a href="#copy-lti11-heading">"LTI 1.1"</a></li>
                </ul>
            </nav>
            {moodle}
            {canvas}
            {blackboard}
            {generic}
            {lti11}
        </section>
    }
    .into_any()
}

/// A "Copy these URLs" panel for one LMS.
fn copy_panel(
    key: &'static str,
    title: &'static str,
    intro: AnyView,
    items: Vec<CopyItem>,
    after: Option<AnyView>,
) -> AnyView {
    let heading_id = format!("copy-{key}-heading");
    let labelled_by = heading_id.clone();
    let fields = items
        .into_iter()
        .map(|item| {
            let value = item.values.join(item.separator);
            let rows =
                (item.values.len() > 1 && item.separator == "\n").then_some(item.values.len());
            copy_field(
                format!("copy-{key}-{}", item.key),
                item.label,
                value,
                rows,
                item.hint,
            )
        })
        .collect_view();
    view! {
        <section class="panel copy-panel" aria-labelledby=labelled_by>
            <h3 id=heading_id>{format!("{title}: copy these URLs")}</h3>
            {intro}
            {fields}
            {after}
        </section>
    }
    .into_any()
}

/// A labelled read-only input (a textarea of `rows` lines for several values) with a "Copy" button.
fn copy_field(
    id: String,
    label: &'static str,
    value: String,
    rows: Option<usize>,
    hint: Option<&'static str>,
) -> AnyView {
    let hint_id = hint.map(|_| format!("{id}-hint"));
    let control = match rows {
        Some(rows) => view! {
            // Leptos writes a textarea's children unescaped, so the value goes in escaped by hand.
            <textarea
                id=id.clone()
                class="copy-input"
                rows=rows.to_string()
                readonly=true
                spellcheck="false"
                aria-describedby=hint_id.clone()
                inner_html=plugin_ui::escape_html(&value)
            ></textarea>
        }
        .into_any(),
        None => view! {
            <input
                id=id.clone()
                class="copy-input"
                type="text"
                readonly=true
                spellcheck="false"
                value=value
                aria-describedby=hint_id.clone()
            />
        }
        .into_any(),
    };
    view! {
        <div class="form-group copy-field">
            <label for=id.clone()>{label}</label>
            {hint.map(|hint| view! { <p class="hint" id=hint_id>{hint}</p> })}
            <div class="copy-row">
                {control}
                <CopyButton target=id label=label.to_owned() />
            </div>
        </div>
    }
    .into_any()
}

/// Copies the value of the input or textarea `target` to the clipboard. An island; until its wasm has
/// loaded (or without JavaScript) the button stays hidden and the read-only field can be selected.
#[island]
fn CopyButton(target: String, label: String) -> impl IntoView {
    let (ready, set_ready) = signal(false);
    let (status, set_status) = signal(String::new());
    // Effects run only in the browser, once the island is live.
    Effect::new(move |_| set_ready.set(true));
    let on_click = move |_| copy_to_clipboard(&target, set_status);
    view! {
        <button type="button" class="button secondary copy-button" hidden=move || !ready.get() on:click=on_click>
            "Copy"
            <span class="visually-hidden">{format!(" {label}")}</span>
        </button>
        <span class="copy-status" role="status">{move || status.get()}</span>
    }
}

#[cfg(feature = "hydrate")]
mod clipboard {
    use wasm_bindgen::prelude::*;

    #[wasm_bindgen]
    extern "C" {
        /// A promise, as far as `then` goes.
        pub type Thenable;

        /// `navigator.clipboard.writeText(text)`; throws where there is no clipboard (plain http).
        #[wasm_bindgen(js_namespace = ["navigator", "clipboard"], js_name = writeText, catch)]
        pub fn write_text(text: &str) -> Result<Thenable, JsValue>;

        #[wasm_bindgen(method)]
        pub fn then(this: &Thenable, fulfilled: &JsValue, rejected: &JsValue);
    }
}

#[cfg(feature = "hydrate")]
fn copy_to_clipboard(target: &str, set_status: WriteSignal<String>) {
    use leptos::web_sys::{HtmlInputElement, HtmlTextAreaElement};
    use wasm_bindgen::JsCast;
    use wasm_bindgen::prelude::*;

    let Some(element) = document().get_element_by_id(target) else {
        return;
    };
    let (text, select): (String, Box<dyn Fn()>) =
        if let Some(input) = element.dyn_ref::<HtmlInputElement>() {
            let input = input.clone();
            (input.value(), Box::new(move || input.select()))
        } else if let Some(area) = element.dyn_ref::<HtmlTextAreaElement>() {
            let area = area.clone();
            (area.value(), Box::new(move || area.select()))
        } else {
            return;
        };
    let by_hand = move || {
        select();
        set_status.set("Selected: press Ctrl+C (or Command+C on a Mac) to copy.".to_owned());
    };
    match clipboard::write_text(&text) {
        Ok(promise) => {
            // One function for both outcomes, so the closure is called exactly once and freed:
            // `writeText` fulfils with `undefined` and rejects with an error.
            let settled = Closure::once_into_js(move |outcome: JsValue| {
                if outcome.is_undefined() {
                    set_status.set("Copied.".to_owned());
                } else {
                    by_hand();
                }
            });
            promise.then(&settled, &settled);
        }
        Err(_) => by_hand(),
    }
}

#[cfg(not(feature = "hydrate"))]
fn copy_to_clipboard(_target: &str, _set_status: WriteSignal<String>) {}

// ----- dynamic registration -----

#[component]
fn RegistrationSection(
    csrf_token: String,
    /// `Some` for platform admins, who choose the organisation.
    organisations: Option<Vec<(i64, String)>>,
    error: Option<AppError>,
    new_url: Option<String>,
) -> impl IntoView {
    let created = new_url.map(|url| {
        view! {
            <div class="notice tone-success" role="status">
                <p class="notice-title"><strong>"Your registration URL is ready"</strong></p>
                <p>"It is valid for 24 hours, one use. Paste it into your LMS’s dynamic registration (for Moodle: Manage tools › Tool URL › Add LTI Advantage)."</p>
                {copy_field("registration-url".to_owned(), "Registration URL", url, None, Some("Valid for 24 hours, one use."))}
            </div>
        }
    });
    let picker = organisations.map(|list| {
        organisation_field(
            "registration",
            &list,
            error.as_ref(),
            "The LMS will be connected to this organisation.",
        )
    });
    view! {
        <section class="panel" id="dynamic-registration" aria-labelledby="registration-heading">
            <h2 id="registration-heading">"Dynamic registration"</h2>
            <p>
                "Where your LMS supports LTI Dynamic Registration (Moodle 4.1 and later, Canvas, Brightspace and others), create a one-time registration URL and paste it into the LMS: it registers itself with Rampart, and appears under Platforms below."
            </p>
            {created}
            <form method="post" action=CreateLtiRegistrationUrl::url() novalidate=true>
                <input type="hidden" name="csrf_token" value=csrf_token />
                {picker}
                <button type="submit" class="button">"Create a registration URL"</button>
            </form>
        </section>
    }
}

// ----- platforms -----

/// `(label, tone)` of a platform's status; the label says it, the colour only repeats it.
fn platform_status(status: &str) -> (String, Tone) {
    match status {
        "active" => ("Active".to_owned(), Tone::Success),
        "pending" => ("Waiting for approval".to_owned(), Tone::Warning),
        "disabled" => ("Disabled".to_owned(), Tone::Neutral),
        other => (other.to_owned(), Tone::Neutral),
    }
}

fn badge(label: String, tone: Tone) -> AnyView {
    view! { <span class=tone_class("badge", tone)>{label}</span> }.into_any()
}

fn registered_via(via: &str) -> String {
    match via {
        "manual" => "By hand".to_owned(),
        "dynamic" => "Dynamic registration".to_owned(),
        other => other.to_owned(),
    }
}

/// A time in UTC as the audit log shows it, machine-readable too.
fn time_view(unix_seconds: i64) -> AnyView {
    view! {
        <time datetime=plugin_ui::iso_datetime(unix_seconds.saturating_mul(1000))>
            {plugin_ui::table_datetime(unix_seconds)}
        </time>
    }
    .into_any()
}

#[component]
fn PlatformsSection(platforms: Vec<LtiPlatformRow>, csrf_token: String) -> impl IntoView {
    let body = if platforms.is_empty() {
        view! {
            <p>"No LMS is connected over LTI 1.3 yet. Create a dynamic registration URL above, or register one by hand below."</p>
        }
        .into_any()
    } else {
        let rows = platforms
            .into_iter()
            .map(|p| platform_row(p, &csrf_token))
            .collect_view();
        view! {
            <div class="table-wrap" role="region" aria-labelledby="platforms-caption" tabindex="0">
                <table class="table">
                    <caption id="platforms-caption" class="table-caption">"LTI 1.3 platforms"</caption>
                    <thead>
                        <tr>
                            <th scope="col">"Name"</th>
                            <th scope="col">"Organisation"</th>
                            <th scope="col">"Issuer"</th>
                            <th scope="col">"Client ID"</th>
                            <th scope="col">"Deployments"</th>
                            <th scope="col">"Status"</th>
                            <th scope="col">"Last launch (UTC)"</th>
                            <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        }
        .into_any()
    };
    view! {
        <section aria-labelledby="platforms-heading">
            <h2 id="platforms-heading">"Platforms"</h2>
            {body}
        </section>
    }
}

fn platform_row(p: LtiPlatformRow, csrf_token: &str) -> AnyView {
    let (status, tone) = platform_status(&p.status);
    let deployments = if p.deployments.is_empty() {
        view! { "None" }.into_any()
    } else {
        view! {
            <ul class="plain-list">
                {p.deployments.iter().map(|d| view! { <li><code>{d.clone()}</code></li> }).collect_view()}
            </ul>
        }
        .into_any()
    };
    let last_launch = match p.last_launch_at {
        Some(at) => time_view(at),
        None => view! { "Never" }.into_any(),
    };
    let refused = (p.refused_launches_24h > 0).then(|| {
        let label = match p.refused_launches_24h {
            1 => "1 launch refused in the last 24 hours".to_owned(),
            n => format!("{n} launches refused in the last 24 hours"),
        };
        view! { <br /> {badge(label, Tone::Danger)} }
    });
    let action = match p.status.as_str() {
        "pending" => Some(("active", "Approve", "button small")),
        "active" => Some(("disabled", "Disable", "button secondary small")),
        "disabled" => Some(("active", "Enable", "button secondary small")),
        _ => None,
    }
    .map(|(status, label, class)| {
        view! {
            <form method="post" action=SetLtiPlatformStatus::url() class="inline-form">
                <input type="hidden" name="csrf_token" value=csrf_token.to_owned() />
                <input type="hidden" name="id" value=p.id.to_string() />
                <input type="hidden" name="status" value=status />
                <button type="submit" class=class>
                    {label}
                    <span class="visually-hidden">{format!(" {}", p.name)}</span>
                </button>
            </form>
        }
    });
    view! {
        <tr>
            <th scope="row"><a href=format!("/admin/lti/platforms/{}", p.id)>{p.name.clone()}</a></th>
            <td>{p.organisation}</td>
            <td class="break"><code>{p.issuer}</code></td>
            <td class="break"><code>{p.client_id}</code></td>
            <td>{deployments}</td>
            <td>{badge(status, tone)}</td>
            <td>{last_launch}{refused}</td>
            <td>{action}</td>
        </tr>
    }
    .into_any()
}

// ----- forms -----

fn field_id(form: &str, name: &str) -> String {
    format!("field-{form}-{name}")
}

/// The GOV.UK error summary for the form `form` that was refused, linked to the field at fault. It takes
/// focus as the page loads (`autofocus`, no script needed).
fn error_summary(error: &AppError, form: &str) -> AnyView {
    let href = error
        .field()
        .map(|field| format!("#{}", field_id(form, field)));
    let message = error.to_string();
    view! {
        <div class="error-summary" role="alert" aria-labelledby="error-summary-title" tabindex="-1" autofocus>
            <h2 id="error-summary-title">"There is a problem"</h2>
            <ul class="error-summary-list">
                {match href {
                    Some(href) => view! { <li><a href=href>{message}</a></li> }.into_any(),
                    None => view! { <li>{message}</li> }.into_any(),
                }}
            </ul>
        </div>
    }
    .into_any()
}

/// What a form field shows: its id, what was typed (after a refusal), its error and `aria-describedby`.
struct FieldState {
    id: String,
    value: Option<String>,
    hint: Option<AnyView>,
    error: Option<AnyView>,
    described_by: Option<String>,
    invalid: bool,
}

fn field_state(
    form: &str,
    name: &str,
    hint: Option<&'static str>,
    error: Option<&AppError>,
) -> FieldState {
    let id = field_id(form, name);
    let value = error.and_then(|e| e.entered(name)).map(str::to_owned);
    let message = error
        .filter(|e| e.field() == Some(name))
        .map(|e| e.to_string());
    let hint_id = hint.map(|_| format!("{id}-hint"));
    let error_id = message.as_ref().map(|_| format!("{id}-error"));
    let described_by = [hint_id.clone(), error_id.clone()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    FieldState {
        invalid: message.is_some(),
        hint: hint.map(|hint| view! { <p class="hint" id=hint_id>{hint}</p> }.into_any()),
        error: message.map(|message| {
            view! {
                <p class="field-error" id=error_id>
                    <span class="visually-hidden">"Error: "</span>
                    {message}
                </p>
            }
            .into_any()
        }),
        described_by: (!described_by.is_empty()).then_some(described_by),
        id,
        value,
    }
}

/// A text input (`kind` "text" or "url") or, for `kind` "textarea", a textarea.
fn text_field(
    form: &'static str,
    name: &'static str,
    label: &'static str,
    kind: &'static str,
    hint: Option<&'static str>,
    required: bool,
    error: Option<&AppError>,
) -> AnyView {
    let state = field_state(form, name, hint, error);
    let label = view! {
        {label}
        {(!required).then(|| view! { <span class="required-marker">" (optional)"</span> })}
    };
    let control = if kind == "textarea" {
        view! {
            <textarea
                id=state.id.clone()
                name=name
                rows="3"
                autocomplete="off"
                spellcheck="false"
                aria-invalid=state.invalid.to_string()
                aria-describedby=state.described_by.clone()
                inner_html=plugin_ui::escape_html(state.value.as_deref().unwrap_or_default())
            ></textarea>
        }
        .into_any()
    } else {
        view! {
            <input
                id=state.id.clone()
                name=name
                type=kind
                value=state.value.clone()
                autocomplete="off"
                spellcheck="false"
                required=required
                aria-invalid=state.invalid.to_string()
                aria-describedby=state.described_by.clone()
            />
        }
        .into_any()
    };
    view! {
        <div class="form-group" class:form-group-error=state.invalid>
            <label for=state.id.clone()>{label}</label>
            {state.hint}
            {state.error}
            {control}
        </div>
    }
    .into_any()
}

/// The organisation picker platform admins see on each form.
fn organisation_field(
    form: &'static str,
    organisations: &[(i64, String)],
    error: Option<&AppError>,
    hint: &'static str,
) -> AnyView {
    let state = field_state(form, "organisation_id", Some(hint), error);
    let chosen = state.value.clone();
    let options = organisations
        .iter()
        .map(|(id, name)| {
            let value = id.to_string();
            let selected = chosen.as_deref() == Some(value.as_str());
            view! { <option value=value selected=selected>{name.clone()}</option> }
        })
        .collect_view();
    view! {
        <div class="form-group" class:form-group-error=state.invalid>
            <label for=state.id.clone()>"Organisation"</label>
            {state.hint}
            {state.error}
            <select
                id=state.id
                name="organisation_id"
                required=true
                aria-invalid=state.invalid.to_string()
                aria-describedby=state.described_by
            >
                <option value="">"Choose an organisation"</option>
                {options}
            </select>
        </div>
    }
    .into_any()
}

#[component]
pub(super) fn ManualPlatformForm(
    csrf_token: String,
    /// `Some` for platform admins, who choose the organisation.
    organisations: Option<Vec<(i64, String)>>,
    error: Option<AppError>,
) -> impl IntoView {
    let e = error.as_ref();
    const FORM: &str = "platform";
    view! {
        <section class="panel" aria-labelledby="register-heading">
            <h2 id="register-heading">"Register a platform by hand"</h2>
            <p>"Enter the details your LMS shows for Rampart once you have added it there (often called the platform details or tool configuration)."</p>
            // `novalidate`: the server checks every field and the error summary links to the one at
            // fault; the browser's own bubbles would vanish after a moment.
            <form id="platform-form" method="post" action=AddLtiPlatform::url() novalidate=true>
                <input type="hidden" name="csrf_token" value=csrf_token />
                {text_field(FORM, "name", "Name", "text", Some("For you and your colleagues, for example “Trust Moodle”."), true, e)}
                {text_field(FORM, "issuer", "Issuer (platform ID)", "url", Some("For example https://moodle.example.nhs.uk"), true, e)}
                {text_field(FORM, "client_id", "Client ID", "text", None, true, e)}
                {text_field(FORM, "auth_endpoint", "Authentication request URL", "url", Some("The platform’s OpenID Connect authorisation endpoint."), true, e)}
                {text_field(FORM, "token_endpoint", "Access token URL", "url", None, true, e)}
                {text_field(FORM, "jwks_url", "Public keyset URL", "url", Some("The platform’s JWKS URL."), true, e)}
                {text_field(FORM, "deployment_ids", "Deployment IDs", "textarea", Some("One per line, or separated by commas. You can add more later."), false, e)}
                {organisations.map(|list| organisation_field(FORM, &list, e, "The LMS will be connected to this organisation."))}
                <button type="submit" class="button">"Register platform"</button>
            </form>
        </section>
    }
}

// ----- LTI 1.1 consumers -----

#[component]
fn ConsumersSection(
    consumers: Vec<LtiConsumerRow>,
    csrf_token: String,
    organisations: Option<Vec<(i64, String)>>,
    error: Option<AppError>,
    /// The consumer just added: its key, and its secret the one time it is shown.
    new_consumer: Option<(String, Option<String>)>,
) -> impl IntoView {
    let created = new_consumer.map(|(key, secret)| match secret {
        Some(secret) => view! {
            <div class="notice tone-warning" role="status">
                <p class="notice-title">
                    <span class="visually-hidden">"Important: "</span>
                    <strong>"Copy this secret now; it will not be shown again"</strong>
                </p>
                <p>"Enter the key and the shared secret in your LMS with the LTI 1.1 launch URL. If you lose the secret, add another consumer."</p>
                {copy_field("new-consumer-key".to_owned(), "Consumer key", key, None, None)}
                {copy_field("new-consumer-secret".to_owned(), "Shared secret", secret, None, None)}
            </div>
        }
        .into_any(),
        None => view! {
            <div class="notice tone-info" role="status">
                <p>
                    {format!("The secret of consumer “{key}” is no longer shown: it appears once, within ten minutes of adding the consumer. If you did not copy it, add another consumer.")}
                </p>
            </div>
        }
        .into_any(),
    });
    let table = if consumers.is_empty() {
        view! { <p>"No LTI 1.1 consumers yet."</p> }.into_any()
    } else {
        view! {
            <div class="table-wrap" role="region" aria-labelledby="consumers-caption" tabindex="0">
                <table class="table">
                    <caption id="consumers-caption" class="table-caption">"LTI 1.1 consumers"</caption>
                    <thead>
                        <tr>
                            <th scope="col">"Name"</th>
                            <th scope="col">"Organisation"</th>
                            <th scope="col">"Key"</th>
                            <th scope="col">"Created (UTC)"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {consumers.into_iter().map(|c| view! {
                            <tr>
                                <th scope="row">{c.name}</th>
                                <td>{c.organisation}</td>
                                <td class="break"><code>{c.key}</code></td>
                                <td>{time_view(c.created_at)}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        }
        .into_any()
    };
    let e = error.as_ref();
    const FORM: &str = "consumer";
    view! {
        <section class="panel" aria-labelledby="consumers-heading">
            <h2 id="consumers-heading">"LTI 1.1 consumers"</h2>
            <p>"An LMS that only speaks LTI 1.1 signs its launches with a consumer key and shared secret. Add one consumer per LMS."</p>
            {created}
            {table}
            <h3 id="add-consumer-heading">"Add a consumer"</h3>
            <form method="post" action=AddLtiConsumer::url() novalidate=true aria-labelledby="add-consumer-heading">
                <input type="hidden" name="csrf_token" value=csrf_token />
                {text_field(FORM, "name", "Name", "text", Some("For you and your colleagues, for example “Old Moodle”."), true, e)}
                {organisations.map(|list| organisation_field(FORM, &list, e, "Launches with this key join this organisation."))}
                <button type="submit" class="button">"Add consumer"</button>
            </form>
        </section>
    }
}

// ----- /admin/lti/platforms/:id -----

#[component]
pub(super) fn LtiPlatformPage() -> impl IntoView {
    let id = route_id();
    let detail = Resource::new(move || id, lti_platform);
    let error = form_error::<AddLtiDeployment>();
    let (added, deployment_added) = if error.is_some() {
        (None, None)
    } else {
        (query_param("added"), query_param("deployment_added"))
    };
    admin_only(move |info, _| {
        view! {
            <Suspense fallback=|| view! { <p>"Loading the platform…"</p> }>
                {move || {
                    let (csrf_token, error, added, deployment_added) = (
                        info.csrf_token.clone(),
                        error.clone(),
                        added.clone(),
                        deployment_added.clone(),
                    );
                    Suspend::new(async move {
                        match detail.await {
                            Ok(detail) => view! {
                                <LtiPlatformView detail csrf_token error added deployment_added />
                            }
                            .into_any(),
                            Err(AppError::NotFound(_)) => view! { <NotFound /> }.into_any(),
                            Err(error) => view! {
                                <Title text="LMS connection – Rampart" />
                                <p><a href="/admin/lti">"All LMS connections"</a></p>
                                <h1>"LMS connection"</h1>
                                <ErrorPanel error />
                            }
                            .into_any(),
                        }
                    })
                }}
            </Suspense>
        }
        .into_any()
    })
}

#[component]
pub(super) fn LtiPlatformView(
    detail: LtiPlatformDetail,
    csrf_token: String,
    /// The "Add a deployment" form was refused.
    error: Option<AppError>,
    /// `?added=<name>`: the platform was just registered.
    added: Option<String>,
    /// `?deployment_added=<id>`.
    deployment_added: Option<String>,
) -> impl IntoView {
    let p = detail.platform;
    let title = format!(
        "{}{} – LMS connections – Rampart",
        if error.is_some() { "Error: " } else { "" },
        p.name
    );
    let summary = error.as_ref().map(|e| error_summary(e, "deployment"));
    let notice = match (added, deployment_added) {
        (Some(name), _) => Some(format!("{name} was registered.")),
        (None, Some(id)) => Some(format!("Deployment “{id}” was added.")),
        (None, None) => None,
    }
    .map(|message| view! { <p class="notice" role="status">{message}</p> });
    let (status, tone) = platform_status(&p.status);
    let status_hint = match p.status.as_str() {
        "pending" => Some("An administrator approves it on the LMS connections page."),
        "disabled" => Some("Its launches are refused."),
        _ => None,
    };
    let last_launch = match p.last_launch_at {
        Some(at) => time_view(at),
        None => view! { "Never" }.into_any(),
    };
    let deployments = if p.deployments.is_empty() {
        view! { <p>"None yet. Launches name a deployment; add the deployment ID your LMS shows for Rampart."</p> }
            .into_any()
    } else {
        view! {
            <ul class="link-list">
                {p.deployments.iter().map(|d| view! { <li><code>{d.clone()}</code></li> }).collect_view()}
            </ul>
        }
        .into_any()
    };
    let e = error.as_ref();
    view! {
        <Title text=title />
        {summary}
        <p><a href="/admin/lti">"All LMS connections"</a></p>
        <p class="page-caption">"LTI 1.3 platform"</p>
        <h1>{p.name.clone()}</h1>
        {notice}
        <dl class="summary-list">
            <div><dt>"Organisation"</dt><dd>{p.organisation.clone()}</dd></div>
            <div>
                <dt>"Status"</dt>
                <dd>
                    {badge(status, tone)}
                    {status_hint.map(|hint| view! { <p class="hint status-reason">{hint}</p> })}
                </dd>
            </div>
            <div><dt>"Registered"</dt><dd>{registered_via(&p.registered_via)}</dd></div>
            <div><dt>"Issuer"</dt><dd class="break"><code>{p.issuer.clone()}</code></dd></div>
            <div><dt>"Client ID"</dt><dd class="break"><code>{p.client_id.clone()}</code></dd></div>
            <div><dt>"Authentication request URL"</dt><dd class="break">{detail.auth_endpoint}</dd></div>
            <div><dt>"Access token URL"</dt><dd class="break">{detail.token_endpoint}</dd></div>
            <div><dt>"Public keyset URL"</dt><dd class="break">{detail.jwks_url}</dd></div>
            <div><dt>"Last launch (UTC)"</dt><dd>{last_launch}</dd></div>
            <div><dt>"Launches refused in the last 24 hours"</dt><dd>{p.refused_launches_24h}</dd></div>
            <div><dt>"People on the LMS roster"</dt><dd>{detail.roster_members}</dd></div>
        </dl>
        <section class="panel" aria-labelledby="deployments-heading">
            <h2 id="deployments-heading">"Deployments"</h2>
            {deployments}
            <h3 id="add-deployment-heading">"Add a deployment"</h3>
            <form method="post" action=AddLtiDeployment::url() novalidate=true aria-labelledby="add-deployment-heading">
                <input type="hidden" name="csrf_token" value=csrf_token />
                <input type="hidden" name="id" value=p.id.to_string() />
                {text_field("deployment", "deployment_id", "Deployment ID", "text", Some("As your LMS shows it for Rampart."), true, e)}
                <button type="submit" class="button">"Add deployment"</button>
            </form>
        </section>
        <LaunchesSection launches=detail.launches />
        <OutboxSection outbox=detail.outbox />
    }
}

fn message_type(message_type: &str) -> String {
    match message_type {
        "LtiResourceLinkRequest" => "Course launch".to_owned(),
        "LtiDeepLinkingRequest" => "Choosing a course (deep linking)".to_owned(),
        "basic-lti-launch-request" => "LTI 1.1 launch".to_owned(),
        "" => "—".to_owned(),
        other => other.to_owned(),
    }
}

#[component]
fn LaunchesSection(launches: Vec<LtiLaunchRow>) -> impl IntoView {
    let body = if launches.is_empty() {
        view! { <p>"No launches from this platform yet."</p> }.into_any()
    } else {
        view! {
            <div class="table-wrap" role="region" aria-labelledby="launches-caption" tabindex="0">
                <table class="table">
                    <caption id="launches-caption" class="table-caption">"Last launches, newest first"</caption>
                    <thead>
                        <tr>
                            <th scope="col">"Time (UTC)"</th>
                            <th scope="col">"Result"</th>
                            <th scope="col">"Message"</th>
                            <th scope="col">"Person"</th>
                            <th scope="col">"Reason"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {launches.into_iter().map(|launch| {
                            let result = if launch.accepted {
                                badge("Accepted".to_owned(), Tone::Success)
                            } else {
                                badge("Refused".to_owned(), Tone::Danger)
                            };
                            view! {
                                <tr>
                                    <td>{time_view(launch.at)}</td>
                                    <td>{result}</td>
                                    <td>{message_type(&launch.message_type)}</td>
                                    <td>{launch.person.unwrap_or_else(|| "—".to_owned())}</td>
                                    <td class="break">{launch.reason}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        }
        .into_any()
    };
    view! {
        <section aria-labelledby="launches-heading">
            <h2 id="launches-heading">"Last launches"</h2>
            {body}
        </section>
    }
}

fn outbox_status(status: &str) -> (String, Tone) {
    match status {
        "pending" => ("Waiting".to_owned(), Tone::Info),
        "sent" => ("Sent".to_owned(), Tone::Success),
        "failed" => ("Failed".to_owned(), Tone::Danger),
        other => (other.to_owned(), Tone::Neutral),
    }
}

#[component]
fn OutboxSection(outbox: crate::api::LtiOutboxView) -> impl IntoView {
    let total = outbox.pending + outbox.sent + outbox.failed;
    let chart = if total == 0 {
        view! { <p>"Nothing has been sent to this LMS yet."</p> }.into_any()
    } else {
        chart_view(
            0,
            Chart {
                title: "Scores for the LMS gradebook".into(),
                kind: ChartKind::Bar,
                labels: vec!["Waiting".into(), "Sent".into(), "Failed".into()],
                series: vec![Series {
                    name: "Scores".into(),
                    values: vec![
                        outbox.pending as f64,
                        outbox.sent as f64,
                        outbox.failed as f64,
                    ],
                }],
                unit: Some("scores".into()),
            },
        )
    };
    let recent = (!outbox.recent.is_empty()).then(|| {
        view! {
            <div class="table-wrap" role="region" aria-labelledby="outbox-caption" tabindex="0">
                <table class="table">
                    <caption id="outbox-caption" class="table-caption">"Latest scores, newest first"</caption>
                    <thead>
                        <tr>
                            <th scope="col">"Created (UTC)"</th>
                            <th scope="col">"Status"</th>
                            <th scope="col" class="numeric">"Attempts"</th>
                            <th scope="col">"Learner"</th>
                            <th scope="col">"Course"</th>
                            <th scope="col">"Last error"</th>
                        </tr>
                    </thead>
                    <tbody>{outbox.recent.into_iter().map(outbox_row).collect_view()}</tbody>
                </table>
            </div>
        }
    });
    view! {
        <section aria-labelledby="outbox-heading">
            <h2 id="outbox-heading">"Scores sent to the LMS"</h2>
            <p>"Completions and scores go back to the LMS gradebook. Rampart retries a score that could not be sent; one that still fails is marked failed."</p>
            <p class="outbox-counts">
                {format!("{} waiting, {} sent, {} failed.", outbox.pending, outbox.sent, outbox.failed)}
            </p>
            {chart}
            {recent}
        </section>
    }
}

fn outbox_row(row: LtiOutboxRow) -> AnyView {
    let (status, tone) = outbox_status(&row.status);
    view! {
        <tr>
            <td>{time_view(row.created_at)}</td>
            <td>{badge(status, tone)}</td>
            <td class="numeric">{row.attempts}</td>
            <td>{row.learner}</td>
            <td>{row.course}</td>
            <td class="break">{row.last_error.unwrap_or_else(|| "—".to_owned())}</td>
        </tr>
    }
    .into_any()
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use std::future::Future;
    use std::pin::pin;
    use std::task::{Context, Poll, Waker};

    use accounts::User;

    use super::*;
    use crate::api::ssr::{BoxFuture, LtiAdmin, NoLti};
    use crate::api::{LtiOutboxView, NewConsumer, NewPlatformForm};

    /// The fakes answer at once, so one poll settles them.
    fn ready<T>(future: impl Future<Output = T>) -> T {
        match pin!(future).poll(&mut Context::from_waker(Waker::noop())) {
            Poll::Ready(value) => value,
            Poll::Pending => panic!("the fake LtiAdmin answered later"),
        }
    }

    fn user(roles: &[&str]) -> User {
        User {
            id: 2,
            organisation_id: Some(3),
            organisation_name: Some("Leeds Teaching Hospitals".into()),
            email: "admin@leeds.example".into(),
            display_name: "Ada Admin".into(),
            password_hash: None,
            disabled: false,
            created_at: 0,
            roles: roles.iter().map(|r| r.to_string()).collect(),
        }
    }

    fn tool() -> LtiToolUrls {
        LtiToolUrls {
            login: "https://rampart.example/lti/login".into(),
            launch: "https://rampart.example/lti/launch".into(),
            deep_link: "https://rampart.example/lti/deep-link".into(),
            jwks: "https://rampart.example/lti/jwks.json".into(),
            registration: "https://rampart.example/lti/register".into(),
            lti11_launch: "https://rampart.example/lti/1.1/launch".into(),
            domain: "rampart.example".into(),
        }
    }

    fn platform(id: i64, name: &str, status: &str) -> LtiPlatformRow {
        LtiPlatformRow {
            id,
            organisation: "Leeds Teaching Hospitals".into(),
            name: name.into(),
            issuer: format!("https://{}.example", name.to_lowercase().replace(' ', "-")),
            client_id: format!("client-{id}"),
            status: status.into(),
            registered_via: "dynamic".into(),
            deployments: vec![format!("dep-{id}")],
            last_launch_at: (status == "active").then_some(1_772_355_900),
            refused_launches_24h: if status == "active" { 2 } else { 0 },
        }
    }

    /// An LTI admin with one pending and one active platform and one LTI 1.1 consumer.
    struct FakeLti;

    impl LtiAdmin for FakeLti {
        fn overview(&self, user: User) -> BoxFuture<Result<LtiOverview, AppError>> {
            let platform_admin = accounts::has_role(&user, accounts::Role::PlatformAdmin);
            Box::pin(async move {
                Ok(LtiOverview {
                    tool: tool(),
                    platforms: vec![
                        platform(7, "Trust Moodle", "pending"),
                        platform(8, "Canvas <Cloud>", "active"),
                    ],
                    consumers: vec![LtiConsumerRow {
                        id: 1,
                        organisation: "Leeds Teaching Hospitals".into(),
                        name: "Old Moodle".into(),
                        key: "rampart-1a2b".into(),
                        created_at: 1_772_355_900,
                    }],
                    organisations: if platform_admin {
                        vec![(3, "Leeds Teaching Hospitals".into()), (4, "York".into())]
                    } else {
                        Vec::new()
                    },
                    platform_admin,
                })
            })
        }

        fn platform(&self, _user: User, id: i64) -> BoxFuture<Result<LtiPlatformDetail, AppError>> {
            Box::pin(async move {
                Ok(LtiPlatformDetail {
                    platform: platform(id, "Canvas <Cloud>", "active"),
                    auth_endpoint: "https://sso.canvaslms.com/api/lti/authorize_redirect".into(),
                    token_endpoint: "https://sso.canvaslms.com/login/oauth2/token".into(),
                    jwks_url: "https://sso.canvaslms.com/api/lti/security/jwks".into(),
                    launches: vec![
                        LtiLaunchRow {
                            at: 1_772_355_900,
                            accepted: true,
                            message_type: "LtiResourceLinkRequest".into(),
                            person: Some("Bea Learner".into()),
                            reason: String::new(),
                        },
                        LtiLaunchRow {
                            at: 1_772_355_000,
                            accepted: false,
                            message_type: "LtiDeepLinkingRequest".into(),
                            person: None,
                            reason: "The deployment “dep-x” is not registered for this platform."
                                .into(),
                        },
                    ],
                    outbox: LtiOutboxView {
                        pending: 3,
                        sent: 40,
                        failed: 1,
                        recent: vec![LtiOutboxRow {
                            created_at: 1_772_355_900,
                            status: "failed".into(),
                            attempts: 5,
                            learner: "Bea Learner".into(),
                            course: "Phishing".into(),
                            last_error: Some("The LMS answered 401".into()),
                        }],
                    },
                    roster_members: 12,
                })
            })
        }

        fn registration_url(
            &self,
            _user: User,
            _organisation_id: Option<i64>,
        ) -> BoxFuture<Result<String, AppError>> {
            Box::pin(async { Ok("https://rampart.example/lti/register?token=t".into()) })
        }

        fn add_platform(
            &self,
            _user: User,
            _form: NewPlatformForm,
        ) -> BoxFuture<Result<i64, AppError>> {
            Box::pin(async { Ok(9) })
        }

        fn set_platform_status(
            &self,
            _user: User,
            _id: i64,
            _status: String,
        ) -> BoxFuture<Result<(), AppError>> {
            Box::pin(async { Ok(()) })
        }

        fn add_deployment(
            &self,
            _user: User,
            _id: i64,
            _deployment_id: String,
        ) -> BoxFuture<Result<(), AppError>> {
            Box::pin(async { Ok(()) })
        }

        fn add_consumer(
            &self,
            _user: User,
            _name: String,
            _organisation_id: Option<i64>,
        ) -> BoxFuture<Result<NewConsumer, AppError>> {
            Box::pin(async {
                Ok(NewConsumer {
                    key: "rampart-1a2b".into(),
                    secret: "s3cret".into(),
                })
            })
        }

        fn take_consumer_secret(
            &self,
            _user: User,
            _key: String,
        ) -> BoxFuture<Result<Option<String>, AppError>> {
            Box::pin(async { Ok(Some("s3cret".into())) })
        }
    }

    fn render_overview(overview: LtiOverview, outcome: OverviewOutcome) -> String {
        let owner = Owner::new();
        owner.with(|| {
            leptos_meta::provide_meta_context();
            view! { <LtiOverviewView overview csrf_token="csrf-1".to_owned() outcome /> }.to_html()
        })
    }

    fn org_admin_overview() -> LtiOverview {
        ready(FakeLti.overview(user(&["org_admin"]))).unwrap()
    }

    #[test]
    fn the_overview_has_copy_panels_and_the_platforms() {
        let html = render_overview(org_admin_overview(), OverviewOutcome::default());
        for panel in [
            "Moodle",
            "Canvas",
            "Blackboard",
            "Another LTI 1.3 platform",
            "LTI 1.1",
        ] {
            assert!(
                html.contains(&format!("{panel}: copy these URLs</h3>")),
                "{panel}: {html}"
            );
        }
        // Each URL is a labelled read-only input with a Copy island, hidden until its wasm runs.
        assert!(
            html.contains(r#"<label for="copy-moodle-tool-url">Tool URL</label>"#),
            "{html}"
        );
        assert!(
            html.contains(r#"<input id="copy-moodle-tool-url" type="text" readonly spellcheck="false" value="https://rampart.example/lti/launch" class="copy-input">"#),
            "{html}"
        );
        assert!(html.contains("<leptos-island"), "{html}");
        assert!(
            html.contains(r#"<button type="button" hidden class="button secondary copy-button">"#),
            "{html}"
        );
        assert!(
            html.contains(r#"<span class="visually-hidden"> Initiate login URL</span>"#),
            "{html}"
        );
        assert!(
            html.contains(r#"<span role="status" class="copy-status">"#),
            "{html}"
        );
        // Moodle wants its redirection URIs one per line, Blackboard separated by a comma.
        assert!(
            html.contains("https://rampart.example/lti/launch\nhttps://rampart.example/lti/deep-link</textarea>"),
            "{html}"
        );
        assert!(
            html.contains(r#"value="https://rampart.example/lti/launch, https://rampart.example/lti/deep-link""#)
                || html.contains("https://rampart.example/lti/launch, https://rampart.example/lti/deep-link</textarea>"),
            "{html}"
        );
        assert!(
            html.contains(r#"value="https://rampart.example/lti/jwks.json""#),
            "{html}"
        );
        assert!(html.contains(r#"value="rampart.example""#), "{html}");
        assert!(
            html.contains(r#"value="https://rampart.example/lti/1.1/launch""#),
            "{html}"
        );
        assert!(
            html.contains(
                "Site administration › Plugins › Activity modules › External tool › Manage tools"
            ),
            "{html}"
        );

        // The platforms table: the pending one can be approved, the active one disabled.
        assert!(
            html.contains(r#"<caption id="platforms-caption" class="table-caption">LTI 1.3 platforms</caption>"#),
            "{html}"
        );
        assert!(
            html.contains(r#"<a href="/admin/lti/platforms/7">Trust Moodle</a>"#),
            "{html}"
        );
        assert!(
            html.contains(r#"<span class="badge tone-warning">Waiting for approval</span>"#),
            "{html}"
        );
        assert!(
            html.contains(r#"action="/api/set_lti_platform_status""#),
            "{html}"
        );
        let approve = html.find(r#"name="id" value="7""#).expect("approve form");
        let approve_form = &html[approve..approve + 300];
        assert!(
            approve_form.contains(r#"name="status" value="active""#),
            "{approve_form}"
        );
        assert!(
            approve_form.contains("Approve<span class=\"visually-hidden\"> Trust Moodle</span>"),
            "{approve_form}"
        );
        let disable = html.find(r#"name="id" value="8""#).expect("disable form");
        assert!(html[disable..disable + 300].contains(r#"name="status" value="disabled""#));
        assert!(html.contains("Canvas &lt;Cloud&gt;"), "{html}");
        assert!(!html.contains("Canvas <Cloud>"), "{html}");
        assert!(html.contains("<code>dep-7</code>"), "{html}");
        assert!(
            html.contains(r#"<time datetime="2026-03-01T09:05:00Z">2026-03-01 09:05:00</time>"#),
            "{html}"
        );
        assert!(
            html.contains("2 launches refused in the last 24 hours"),
            "{html}"
        );

        // Forms carry the token; organisation admins pick no organisation.
        assert!(
            html.contains(r#"action="/api/create_lti_registration_url""#),
            "{html}"
        );
        assert!(html.contains(r#"action="/api/add_lti_platform""#), "{html}");
        assert!(html.contains(r#"action="/api/add_lti_consumer""#), "{html}");
        assert_eq!(
            html.matches(r#"<input type="hidden" name="csrf_token" value="csrf-1">"#)
                .count(),
            5,
            "three forms and two status buttons: {html}"
        );
        assert!(!html.contains(r#"name="organisation_id""#), "{html}");
        assert!(
            html.contains(r#"<textarea id="field-platform-deployment_ids" name="deployment_ids""#),
            "{html}"
        );

        // LTI 1.1 consumers.
        assert!(html.contains("<code>rampart-1a2b</code>"), "{html}");
        assert!(html.contains("<th scope=\"row\">Old Moodle</th>"), "{html}");
        assert!(!html.contains("error-summary"), "{html}");
    }

    #[test]
    fn the_manual_form_shows_a_field_error_and_keeps_what_was_typed() {
        let outcome = OverviewOutcome {
            platform_error: Some(
                AppError::Invalid {
                    field: "issuer".into(),
                    message: "Enter the issuer as an https:// URL".into(),
                    entered: Vec::new(),
                }
                .keeping(&[
                    ("name", "Trust Moodle"),
                    ("issuer", "moodle.example\"><script>"),
                    ("deployment_ids", "1\n2"),
                ]),
            ),
            ..OverviewOutcome::default()
        };
        let html = render_overview(org_admin_overview(), outcome);
        assert!(
            html.contains(r#"<div role="alert" aria-labelledby="error-summary-title" tabindex="-1" autofocus class="error-summary">"#),
            "{html}"
        );
        assert!(
            html.contains(
                r##"<a href="#field-platform-issuer">Enter the issuer as an https:// URL</a>"##
            ),
            "{html}"
        );
        assert!(
            html.contains(r#"<p id="field-platform-issuer-error" class="field-error"><span class="visually-hidden">Error: </span>Enter the issuer as an https:// URL</p>"#),
            "{html}"
        );
        assert!(
            html.contains(r#"aria-invalid="true" aria-describedby="field-platform-issuer-hint field-platform-issuer-error""#),
            "{html}"
        );
        assert!(html.contains("form-group form-group-error"), "{html}");
        assert!(html.contains(r#"value="Trust Moodle""#), "{html}");
        assert!(
            html.contains(r#"value="moodle.example&quot;&gt;&lt;script&gt;""#),
            "{html}"
        );
        assert!(!html.contains("<script>"), "{html}");
        assert!(html.contains(">1\n2</textarea>"), "{html}");
        // Only the form that was refused is filled in again.
        assert!(
            !html.contains(r#"id="field-consumer-name" name="name" type="text" value"#),
            "{html}"
        );
    }

    #[test]
    fn platform_admins_pick_organisations_and_see_new_urls_and_secrets() {
        let overview = ready(FakeLti.overview(user(&["platform_admin"]))).unwrap();
        let secret =
            ready(FakeLti.take_consumer_secret(user(&["platform_admin"]), "k".into())).unwrap();
        let outcome = OverviewOutcome {
            registration_url: Some("https://rampart.example/lti/register?token=abc&x=1".into()),
            status_changed: Some((7, "active".into())),
            new_consumer: Some(("rampart-1a2b".into(), secret)),
            consumer_error: None,
            ..OverviewOutcome::default()
        };
        let html = render_overview(overview, outcome);
        assert_eq!(
            html.matches(r#"name="organisation_id""#).count(),
            3,
            "{html}"
        );
        assert!(
            html.contains(r#"id="field-registration-organisation_id""#),
            "{html}"
        );
        assert!(
            html.contains(r#"<option value="4">York</option>"#),
            "{html}"
        );
        assert!(html.contains("“Trust Moodle” is now active"), "{html}");
        assert!(html.contains("valid for 24 hours, one use"), "{html}");
        assert!(
            html.contains(r#"value="https://rampart.example/lti/register?token=abc&amp;x=1""#),
            "{html}"
        );
        assert!(
            html.contains("Copy this secret now; it will not be shown again"),
            "{html}"
        );
        assert!(html.contains(r#"<input id="new-consumer-secret" type="text" readonly spellcheck="false" value="s3cret" class="copy-input">"#), "{html}");

        let gone = render_overview(
            org_admin_overview(),
            OverviewOutcome {
                new_consumer: Some(("rampart-1a2b".into(), None)),
                ..OverviewOutcome::default()
            },
        );
        assert!(gone.contains("is no longer shown"), "{gone}");
        assert!(!gone.contains("s3cret"), "{gone}");
    }

    #[test]
    fn a_consumer_error_links_to_the_consumer_form() {
        let outcome = OverviewOutcome {
            consumer_error: Some(AppError::Invalid {
                field: "organisation_id".into(),
                message: "Choose an organisation from the list".into(),
                entered: vec![
                    ("name".into(), "Old Moodle".into()),
                    ("organisation_id".into(), "4".into()),
                ],
            }),
            ..OverviewOutcome::default()
        };
        let overview = ready(FakeLti.overview(user(&["platform_admin"]))).unwrap();
        let html = render_overview(overview, outcome);
        assert!(
            html.contains(r##"<a href="#field-consumer-organisation_id">"##),
            "{html}"
        );
        assert!(
            html.contains(r#"id="field-consumer-name" name="name" type="text" value="Old Moodle""#),
            "{html}"
        );
        let select = html.find(r#"id="field-consumer-organisation_id""#).unwrap();
        assert!(
            html[select..].contains(r#"<option value="4" selected>York</option>"#),
            "{html}"
        );
        assert!(
            !html.contains(r#"id="field-platform-name" name="name" type="text" value"#),
            "{html}"
        );
    }

    #[test]
    fn without_lti_the_page_says_so() {
        let overview = ready(NoLti.overview(user(&["org_admin"]))).unwrap();
        let html = render_overview(overview, OverviewOutcome::default());
        assert!(
            html.contains("LTI is not set up on this server yet"),
            "{html}"
        );
        assert!(!html.contains("copy-input"), "{html}");
        assert!(
            html.contains("No LMS is connected over LTI 1.3 yet."),
            "{html}"
        );
        assert!(ready(NoLti.overview(user(&["learner"]))).is_err());
        assert!(matches!(
            ready(NoLti.add_consumer(user(&["org_admin"]), "x".into(), None)),
            Err(AppError::NotFound(_))
        ));
    }

    fn render_detail(error: Option<AppError>) -> String {
        let detail = ready(FakeLti.platform(user(&["org_admin"]), 8)).unwrap();
        let owner = Owner::new();
        owner.with(|| {
            leptos_meta::provide_meta_context();
            view! {
                <LtiPlatformView
                    detail
                    csrf_token="csrf-1".to_owned()
                    error
                    added=None
                    deployment_added=Some("dep-9".to_owned())
                />
            }
            .to_html()
        })
    }

    #[test]
    fn the_platform_page_shows_launches_and_the_outbox() {
        let html = render_detail(None);
        assert!(html.contains("<h1>Canvas &lt;Cloud&gt;</h1>"), "{html}");
        assert!(html.contains("Deployment “dep-9” was added."), "{html}");
        assert!(
            html.contains("<dt>Registered</dt><dd>Dynamic registration</dd>"),
            "{html}"
        );
        assert!(
            html.contains("https://sso.canvaslms.com/login/oauth2/token"),
            "{html}"
        );
        assert!(
            html.contains("<dt>People on the LMS roster</dt><dd>12</dd>"),
            "{html}"
        );
        assert!(
            html.contains(r#"action="/api/add_lti_deployment""#),
            "{html}"
        );
        assert!(
            html.contains(r#"<input type="hidden" name="id" value="8">"#),
            "{html}"
        );
        // Launches: time, an accepted/refused badge in words, message type, person and reason.
        assert!(
            html.contains("Last launches, newest first</caption>"),
            "{html}"
        );
        assert!(
            html.contains(r#"<span class="badge tone-success">Accepted</span>"#),
            "{html}"
        );
        assert!(
            html.contains(r#"<span class="badge tone-danger">Refused</span>"#),
            "{html}"
        );
        assert!(html.contains("Choosing a course (deep linking)"), "{html}");
        assert!(
            html.contains("is not registered for this platform"),
            "{html}"
        );
        assert!(html.contains("<td>Bea Learner</td>"), "{html}");
        // The outbox: counts in words, as a chart with its data, and the latest entries.
        assert!(html.contains("3 waiting, 40 sent, 1 failed."), "{html}");
        assert!(
            html.contains(
                r#"<figcaption class="chart-title">Scores for the LMS gradebook</figcaption>"#
            ),
            "{html}"
        );
        assert!(html.contains("<rect"), "{html}");
        assert!(
            html.contains("Latest scores, newest first</caption>"),
            "{html}"
        );
        assert!(
            html.contains(r#"<span class="badge tone-danger">Failed</span>"#),
            "{html}"
        );
        assert!(html.contains("The LMS answered 401"), "{html}");
        assert!(!html.contains("error-summary"), "{html}");
    }

    #[test]
    fn a_refused_deployment_is_linked_from_the_error_summary() {
        let html = render_detail(Some(
            AppError::Invalid {
                field: "deployment_id".into(),
                message: "Enter the deployment ID".into(),
                entered: Vec::new(),
            }
            .keeping(&[("deployment_id", "  ")]),
        ));
        assert!(
            html.contains(
                r##"<a href="#field-deployment-deployment_id">Enter the deployment ID</a>"##
            ),
            "{html}"
        );
        assert!(
            html.contains(r#"id="field-deployment-deployment_id-error""#),
            "{html}"
        );
        assert!(html.contains("autofocus"), "{html}");
    }
}
