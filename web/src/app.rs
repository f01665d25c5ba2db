//! The Leptos application in islands mode: pages are rendered on the server; only `#[island]`
//! components ship to the browser and become interactive.
//!
//! Why islands: admin and learner pages are mostly documents and forms, so full hydration would send the
//! whole app as wasm (measured 331 KiB gzipped) for a handful of interactive controls. Forms are plain
//! HTML forms posting to server functions, so they work before (and without) any wasm: on error the
//! server redirects back with the error in the query (`__err`), and the page renders the GOV.UK-style
//! error summary linked to the field at fault.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos::server_fn::error::ServerFnUrlError;
use leptos_meta::{MetaTags, Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::hooks::use_query_map;
use leptos_router::{SsrMode, path};

use crate::api::*;
use plugin_api::views::MenuEntry;

mod lti;
mod notifications;
mod plugins;

/// The HTML document around the app. Runs on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    set_content_security_policy();
    view! {
        <!DOCTYPE html>
        <html lang="en-GB">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <link rel="icon" href="data:," />
                <link rel="stylesheet" href="/assets/rampart.css" />
                <HydrationScripts options islands=true />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// Scripts run only from our origin or with this response's nonce (the inline hydration bootstrap).
#[cfg(feature = "ssr")]
fn set_content_security_policy() {
    let (Some(nonce), Some(response)) =
        (use_nonce(), use_context::<leptos_axum::ResponseOptions>())
    else {
        return;
    };
    // The player frames the SCO launcher on the content origin.
    let content_origin = use_context::<crate::api::ssr::WebState>()
        .map(|state| state.content_origin)
        .unwrap_or_default();
    let policy = format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data:; connect-src 'self'; frame-src 'self' {content_origin}; frame-ancestors 'none'; \
         form-action 'self'; base-uri 'none'; object-src 'none'"
    );
    if let Ok(value) = http::HeaderValue::from_str(&policy) {
        response.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Router>
            <Routes fallback=|| view! { <Page><NotFound /></Page> }>
                <Route path=path!("/setup") view=|| view! { <Page><SetupPage /></Page> } ssr=SsrMode::Async />
                <Route path=path!("/sign-in") view=|| view! { <Page><SignInPage /></Page> } ssr=SsrMode::Async />
                <Route path=path!("/dashboard") view=|| view! { <Page><Dashboard /></Page> } ssr=SsrMode::Async />
                <Route
                    path=path!("/admin/organisations")
                    view=|| view! { <Page><OrganisationsPage /></Page> }
                    ssr=SsrMode::Async
                />
                <Route path=path!("/admin/users") view=|| view! { <Page><UsersPage /></Page> } ssr=SsrMode::Async />
                <Route path=path!("/learn/:id") view=|| view! { <Page><PlayerPage /></Page> } ssr=SsrMode::Async />
                <Route path=path!("/admin/audit") view=|| view! { <Page><AuditPage /></Page> } ssr=SsrMode::Async />
                <Route path=path!("/admin/packages") view=|| view! { <Page><PackagesPage /></Page> } ssr=SsrMode::Async />
                <Route
                    path=path!("/admin/packages/:id")
                    view=|| view! { <Page><PackageDetailPage /></Page> }
                    ssr=SsrMode::Async
                />
                <Route
                    path=path!("/admin/plugins")
                    view=|| view! { <Page><plugins::PluginsAdminPage /></Page> }
                    ssr=SsrMode::Async
                />
                <Route
                    path=path!("/admin/lti")
                    view=|| view! { <Page><lti::LtiAdminPage /></Page> }
                    ssr=SsrMode::Async
                />
                <Route
                    path=path!("/admin/lti/platforms/:id")
                    view=|| view! { <Page><lti::LtiPlatformPage /></Page> }
                    ssr=SsrMode::Async
                />
                <Route
                    path=path!("/notifications")
                    view=|| view! { <Page><notifications::NotificationsPage /></Page> }
                    ssr=SsrMode::Async
                />
                <Route
                    path=path!("/plugins/:plugin/:page")
                    view=|| view! { <Page><plugins::PluginPage /></Page> }
                    ssr=SsrMode::Async
                />
            </Routes>
        </Router>
    }
}

/// Loads the page context (who is signed in, the CSRF token) once, then renders the layout around the
/// page, which receives the context through `provide_context`.
#[component]
fn Page(children: ChildrenFn) -> impl IntoView {
    let context = Resource::new(|| (), |_| page_context());
    view! {
        <Suspense fallback=|| ()>
            {move || {
                let children = children.clone();
                Suspend::new(async move {
                    match context.await {
                        Ok(page) => {
                            provide_context(page.clone());
                            view! {
                                <Layout
                                    user=page.user
                                    csrf_token=page.csrf_token
                                    plugin_menu=page.plugin_menu
                                    unread_notifications=page.unread_notifications
                                    alert=page.alert
                                >
                                    {children()}
                                </Layout>
                            }
                            .into_any()
                        }
                        Err(error) => view! {
                            <Layout user=None csrf_token=String::new() plugin_menu=Vec::new() unread_notifications=0 alert=None>
                                <ErrorPanel error />
                            </Layout>
                        }
                        .into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

#[component]
fn Layout(
    user: Option<UserView>,
    csrf_token: String,
    plugin_menu: Vec<MenuEntry>,
    unread_notifications: i64,
    alert: Option<AlertBanner>,
    children: Children,
) -> impl IntoView {
    let current = leptos_router::hooks::use_location()
        .pathname
        .get_untracked();
    view! {
        <a class="skip-link" href="#main">"Skip to main content"</a>
        <SiteHeader user csrf_token current plugin_menu unread_notifications />
        {alert.map(|alert| view! {
            <div class="alert-banner" role="region" aria-label="Urgent notice">
                <div class="container">
                    <p>
                        <strong>"Urgent: "</strong>
                        {alert.title}
                        " "
                        <a href=format!("/notifications/{}/open", alert.id)>"Read it now"</a>
                    </p>
                </div>
            </div>
        })}
        <main id="main" class="container" tabindex="-1">
            {children()}
        </main>
        <footer class="site-footer">
            <div class="container">
                <p>"Rampart — security training and operations for health and care organisations."</p>
            </div>
        </footer>
    }
}

/// The header with its navigation; an island because the small-screen menu opens and closes in place.
/// `plugin_menu` holds the plugin pages this user may open (local paths only are linked);
/// `unread_notifications` shows as a count on the "Notifications" link.
#[island]
fn SiteHeader(
    user: Option<UserView>,
    csrf_token: String,
    current: String,
    plugin_menu: Vec<MenuEntry>,
    unread_notifications: i64,
) -> impl IntoView {
    let (menu_open, set_menu_open) = signal(false);
    // Effects run only in the browser, after hydration: the mark lets tests (and people debugging) tell a
    // live page from a server-rendered one.
    Effect::new(move |_| {
        if let Some(root) = document().document_element() {
            let _ = root.set_attribute("data-hydrated", "true");
        }
    });
    let link = {
        let current = current.clone();
        move |href: &'static str, label: &'static str| {
            let aria_current = (current == href).then_some("page");
            view! { <li><a href=href aria-current=aria_current>{label}</a></li> }
        }
    };
    let plugin_links = plugin_menu
        .into_iter()
        .filter(|entry| entry.href.starts_with('/') && !entry.href.starts_with("//"))
        .map(|entry| {
            let aria_current = (current == entry.href).then_some("page");
            view! { <li><a href=entry.href aria-current=aria_current>{entry.label}</a></li> }
        })
        .collect_view();
    let notifications_link = {
        let aria_current = (current == "/notifications").then_some("page");
        let (label, count) = if unread_notifications > 0 {
            (
                Some(format!("Notifications, {unread_notifications} unread")),
                Some(view! {
                    " " <span class="nav-count" aria-hidden="true">{unread_notifications}</span>
                }),
            )
        } else {
            (None, None)
        };
        view! {
            <li>
                <a href="/notifications" class="nav-notifications" aria-current=aria_current aria-label=label>
                    "Notifications"{count}
                </a>
            </li>
        }
    };
    let links = match &user {
        Some(user) => {
            let admin = user.is_admin();
            view! {
                <ul>
                    {link("/dashboard", "My training")}
                    {notifications_link}
                    {plugin_links}
                    {admin.then(|| view! {
                        {link("/admin/packages", "Packages")}
                        {link("/admin/organisations", "Organisations")}
                        {link("/admin/users", "Users")}
                        {link("/admin/audit", "Audit log")}
                        {link("/admin/plugins", "Plugins")}
                        {link("/admin/lti", "LMS (LTI)")}
                    })}
                </ul>
                <div class="nav-account">
                    <span class="signed-in-as">{user.display_name.clone()}</span>
                    <form method="post" action=SignOut::url()>
                        <input type="hidden" name="csrf_token" value=csrf_token.clone() />
                        <button type="submit" class="link-button">"Sign out"</button>
                    </form>
                </div>
            }
            .into_any()
        }
        None => view! { <ul>{link("/sign-in", "Sign in")}</ul> }.into_any(),
    };
    view! {
        <header class="site-header">
            <div class="container header-row">
                <a class="brand" href="/dashboard">
                    <span class="brand-mark" aria-hidden="true">"R"</span>
                    <span>"Rampart"</span>
                    <span class="brand-sub">"Cyber security for health and care"</span>
                </a>
                <button
                    type="button"
                    class="menu-toggle"
                    aria-controls="primary-navigation"
                    aria-expanded=move || menu_open.get().to_string()
                    on:click=move |_| set_menu_open.update(|open| *open = !*open)
                >
                    {move || if menu_open.get() { "Close menu" } else { "Menu" }}
                </button>
            </div>
            <nav id="primary-navigation" aria-label="Main" class="site-nav" class:open=move || menu_open.get()>
                <div class="container nav-row">{links}</div>
            </nav>
        </header>
    }
}

fn page_info() -> PageInfo {
    expect_context::<PageInfo>()
}

/// The error a plain form post to server function `S` came back with, if this page load is that answer.
fn form_error<S: ServerFn<Error = AppError>>() -> Option<AppError> {
    let query = use_query_map();
    let query = query.read_untracked();
    let path = query.get("__path")?;
    if path != S::PATH {
        return None;
    }
    query
        .get("__err")
        .map(|encoded| ServerFnUrlError::<AppError>::decode_err(&encoded))
}

/// A query parameter of this page load.
fn query_param(name: &str) -> Option<String> {
    use_query_map().read_untracked().get(name)
}

#[component]
fn SignInPrompt() -> impl IntoView {
    view! {
        <h1>"Sign in to continue"</h1>
        <p>"Your session has ended or you have not signed in yet."</p>
        <p><a class="button" href="/sign-in">"Sign in"</a></p>
    }
}

#[component]
fn ErrorPanel(error: AppError) -> impl IntoView {
    view! {
        <div class="error-summary" role="alert" tabindex="-1">
            <h2>"There is a problem"</h2>
            <p>{error.to_string()}</p>
        </div>
    }
}

/// The GOV.UK-style error summary, linking to the field at fault.
#[component]
fn FormErrors(error: Option<AppError>) -> impl IntoView {
    error.map(|error| {
        let href = error.field().map(|field| format!("#field-{field}"));
        let message = error.to_string();
        view! {
            <div class="error-summary" role="alert" aria-labelledby="error-summary-title" tabindex="-1">
                <h2 id="error-summary-title">"There is a problem"</h2>
                {match href {
                    Some(href) => view! { <p><a href=href>{message}</a></p> }.into_any(),
                    None => view! { <p>{message}</p> }.into_any(),
                }}
            </div>
        }
    })
}

/// A labelled input with hint and error message wired up through `aria-describedby`.
#[component]
fn Field(
    name: &'static str,
    label: &'static str,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional)] hint: Option<&'static str>,
    error: Option<AppError>,
    #[prop(default = true)] required: bool,
) -> impl IntoView {
    let id = format!("field-{name}");
    // Secrets are never sent back; everything else is shown again as typed.
    let value = error
        .as_ref()
        .and_then(|e| e.entered(name))
        .map(str::to_owned);
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
    let invalid = message.is_some();
    view! {
        <div class="form-group" class:form-group-error=invalid>
            <label for=id.clone()>{label}</label>
            {hint.map(|hint| view! { <p class="hint" id=hint_id.clone()>{hint}</p> })}
            {message.map(|message| view! { <p class="field-error" id=error_id.clone()>{message}</p> })}
            <input
                id=id
                name=name
                type=kind
                value=value
                autocomplete=autocomplete
                required=required
                aria-invalid=invalid.to_string()
                aria-describedby=(!described_by.is_empty()).then_some(described_by)
            />
        </div>
    }
}

#[component]
fn SetupPage() -> impl IntoView {
    let page = page_info();
    let error = form_error::<CompleteSetup>();
    if !page.setup_needed {
        return view! {
            <Title text="Rampart is set up" />
            <h1>"Rampart is already set up"</h1>
            <p><a href="/sign-in">"Sign in"</a>" with your account."</p>
        }
        .into_any();
    }
    view! {
        <Title text="Set up Rampart" />
        <div class="narrow">
            <h1>"Set up Rampart"</h1>
            <p class="lead">
                "Create the platform administrator. This person manages organisations and can add other administrators."
            </p>
            <FormErrors error=error.clone() />
            <form method="post" action=CompleteSetup::url()>
                <input type="hidden" name="csrf_token" value=page.csrf_token />
                <Field name="display_name" label="Full name" autocomplete="name" error=error.clone() />
                <Field name="email" label="Email address" kind="email" autocomplete="email" error=error.clone() />
                <Field
                    name="password"
                    label="Password"
                    kind="password"
                    autocomplete="new-password"
                    hint="At least 12 characters. Three random words work well."
                    error=error.clone()
                />
                <button type="submit" class="button">"Create administrator"</button>
            </form>
        </div>
    }
    .into_any()
}

#[component]
fn SignInPage() -> impl IntoView {
    let page = page_info();
    let error = form_error::<SignIn>();
    let next = query_param("next")
        .or_else(|| {
            error
                .as_ref()
                .and_then(|e| e.entered("next"))
                .map(str::to_owned)
        })
        .unwrap_or_else(|| "/dashboard".to_owned());
    let expired = query_param("expired").is_some();
    view! {
        <Title text="Sign in – Rampart" />
        <div class="narrow">
            <h1>"Sign in"</h1>
            {expired.then(|| view! {
                <div class="notice" role="status">"Your session ended. Sign in again to carry on where you left off."</div>
            })}
            <FormErrors error=error.clone() />
            <form method="post" action=SignIn::url()>
                <input type="hidden" name="csrf_token" value=page.csrf_token />
                <input type="hidden" name="next" value=next />
                <Field name="email" label="Email address" kind="email" autocomplete="username" error=error.clone() />
                <PasswordField />
                <button type="submit" class="button">"Sign in"</button>
            </form>
        </div>
    }
}

/// A password input whose "Show password" box reveals what was typed; interactive, so an island.
#[island]
fn PasswordField() -> impl IntoView {
    let (show, set_show) = signal(false);
    view! {
        <div class="form-group">
            <label for="field-password">"Password"</label>
            <input
                id="field-password"
                name="password"
                type=move || if show.get() { "text" } else { "password" }
                autocomplete="current-password"
                required=true
            />
            <div class="checkbox">
                <input id="show-password" type="checkbox" on:change=move |ev| set_show.set(event_target_checked(&ev)) />
                <label for="show-password">"Show password"</label>
            </div>
        </div>
    }
}

#[component]
fn Dashboard() -> impl IntoView {
    let courses = Resource::new(|| (), |_| my_courses());
    let Some(user) = page_info().user else {
        return view! { <SignInPrompt /> }.into_any();
    };
    let organisation = user.organisation_name.clone();
    let roles = user
        .roles
        .iter()
        .map(|(_, label)| label.clone())
        .collect::<Vec<_>>()
        .join(", ");
    view! {
        <Title text="My training – Rampart" />
        <h1>{format!("Welcome, {}", user.display_name)}</h1>
        <dl class="summary-list">
            <div>
                <dt>"Organisation"</dt>
                <dd>{organisation.unwrap_or_else(|| "National team (no single organisation)".to_owned())}</dd>
            </div>
            <div><dt>"Roles"</dt><dd>{roles}</dd></div>
            <div><dt>"Email"</dt><dd>{user.email.clone()}</dd></div>
        </dl>
        <section aria-labelledby="training-heading" class="panel">
            <h2 id="training-heading">"Your training"</h2>
            <Suspense fallback=|| view! { <p>"Loading your courses…"</p> }>
                {move || Suspend::new(async move {
                    match courses.await {
                        Ok(list) if list.is_empty() => view! {
                            <p>
                                "No courses have been assigned to you yet. When your organisation assigns cyber security training, it will appear here with your progress."
                            </p>
                        }.into_any(),
                        Ok(list) => view! { <CourseList list /> }.into_any(),
                        Err(error) => view! { <ErrorPanel error /> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
    .into_any()
}

/// The learner's courses with their status and a link into the player.
#[component]
fn CourseList(list: Vec<CourseCard>) -> impl IntoView {
    view! {
        <ul class="course-list" id="course-list">
            {list.into_iter().map(|course| {
                let label = format!("{} {}", course.action, course.title);
                view! {
                    <li class="course-card">
                        <h3 class="course-title">{course.title.clone()}</h3>
                        {course.assignment.map(|note| {
                            let due = note.due.map(|due| if note.overdue {
                                format!("Overdue: it was due by {due}. ")
                            } else {
                                format!("Due by {due}. ")
                            });
                            view! {
                                <p class=if note.overdue { "course-assignment overdue" } else { "course-assignment" }>
                                    <strong>"Assigned to you. "</strong>{due}{note.reason}
                                </p>
                            }
                        })}
                        <p class="course-meta">
                            <span class="badge course-status">{course.status}</span>
                            {course.score.map(|score| view! { " " <span class="course-score">{format!("Score {score}")}</span> })}
                            " " <span class="hint">{course.standard}</span>
                        </p>
                        <a class="button" href=format!("/learn/{}", course.package_id) aria-label=label>{course.action}</a>
                    </li>
                }
            }).collect_view()}
        </ul>
    }
}

/// The course player: table of contents, the content frame (the SCO launcher on the content origin)
/// and previous/continue/exit. `/assets/player.js` launches the activity, bridges the launcher's
/// run-time journal to `/api/runtime/commit` and follows the buttons; without it the page still lists
/// the course.
#[component]
fn PlayerPage() -> impl IntoView {
    let id = route_id();
    let item = query_param("item");
    let player = Resource::new(
        move || (id, item.clone()),
        |(id, item)| load_player(id, item),
    );
    let info = page_info();
    if info.user.is_none() {
        return view! { <SignInPrompt /> }.into_any();
    }
    view! {
        <Suspense fallback=|| view! { <p>"Loading the course…"</p> }>
            {move || {
                let csrf_token = info.csrf_token.clone();
                Suspend::new(async move {
                    match player.await {
                        Ok(view) => view! { <Player view csrf_token /> }.into_any(),
                        Err(error) => view! { <ErrorPanel error /> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
    .into_any()
}

#[component]
fn Player(view: PlayerView, csrf_token: String) -> impl IntoView {
    let package_id = view.package_id;
    let href = move |item: &str| {
        let encoded: String = item
            .bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    (b as char).to_string()
                }
                other => format!("%{other:02X}"),
            })
            .collect();
        format!("/learn/{package_id}?item={encoded}")
    };
    let frame_title = format!("Course content: {}", view.current_title);
    let previous = match &view.previous {
        Some(item) => view! { <a id="player-previous" class="button secondary" href=href(item)>"Previous"</a> }.into_any(),
        None => view! { <button id="player-previous" type="button" class="button secondary" disabled=true>"Previous"</button> }.into_any(),
    };
    let next = match (&view.next, view.next_available) {
        (Some(item), true) => view! { <a id="player-continue" class="button" href=href(item)>"Continue"</a> }.into_any(),
        _ => view! { <button id="player-continue" type="button" class="button" disabled=true>"Continue"</button> }.into_any(),
    };
    let has_current = view.current.is_some();
    view! {
        <Title text=format!("{} – Rampart", view.title) />
        <div
            class="player"
            id="player"
            data-package=package_id.to_string()
            data-item=view.current.clone().unwrap_or_default()
            data-csrf=csrf_token
        >
            <p class="player-back"><a href="/dashboard">"My training"</a></p>
            <h1 id="player-title">{view.title.clone()}</h1>
            <div class="player-body">
                <nav class="player-toc" aria-labelledby="toc-heading">
                    <h2 id="toc-heading">"Contents"</h2>
                    <ol id="player-toc" class="toc">
                        {view.entries.into_iter().map(|entry| {
                            let class = format!("toc-item toc-depth-{}", entry.depth.min(4));
                            let status = entry.status.clone();
                            let body = if entry.launchable && entry.available {
                                let current = entry.current.then_some("step");
                                view! { <a href=href(&entry.identifier) aria-current=current>{entry.title.clone()}</a> }.into_any()
                            } else if entry.launchable {
                                view! {
                                    <span class="toc-locked">{entry.title.clone()}</span>
                                    <span class="visually-hidden">" (available once the activities before it are completed)"</span>
                                }.into_any()
                            } else {
                                view! { <span class="toc-heading">{entry.title.clone()}</span> }.into_any()
                            };
                            view! {
                                <li class=class data-item=entry.identifier.clone() class:toc-current=entry.current>
                                    {body}
                                    {entry.launchable.then(|| view! { " " <span class="toc-status">{status}</span> })}
                                </li>
                            }
                        }).collect_view()}
                    </ol>
                </nav>
                <section class="player-stage" aria-labelledby="player-activity">
                    <h2 id="player-activity" class="player-activity">{view.current_title.clone()}</h2>
                    <p id="player-status" class="player-status" role="status" aria-live="polite">
                        {if has_current { "Opening the activity…" } else { "This course has nothing to launch." }}
                    </p>
                    <div class="player-controls" role="group" aria-label="Course navigation">
                        {previous}
                        {next}
                        <a id="player-exit" class="button secondary" href="/dashboard">"Exit"</a>
                    </div>
                    <div class="player-frame-wrap">
                        <iframe id="player-frame" title=frame_title></iframe>
                    </div>
                    <noscript><p>"The course player needs JavaScript switched on."</p></noscript>
                </section>
            </div>
        </div>
        <script src="/assets/player.js" defer=true></script>
    }
}

/// Renders `page` for admins; everybody else gets the sign-in prompt or a 403 page.
fn admin_only(page: impl FnOnce(PageInfo, UserView) -> AnyView) -> AnyView {
    let info = page_info();
    match info.user.clone() {
        None => view! { <SignInPrompt /> }.into_any(),
        Some(user) if !user.is_admin() => view! { <Forbidden /> }.into_any(),
        Some(user) => page(info, user),
    }
}

#[component]
fn OrganisationsPage() -> impl IntoView {
    let organisations = Resource::new(|| (), |_| list_organisations());
    let error = form_error::<CreateOrganisation>();
    let added = query_param("added");
    admin_only(move |info, user| {
        view! {
            <Title text="Organisations – Rampart" />
            <h1>"Organisations"</h1>
            {added.map(|name| view! { <p class="notice" role="status">{format!("{name} was added.")}</p> })}
            <Suspense fallback=|| view! { <p>"Loading organisations…"</p> }>
                {move || {
                    let (error, csrf_token) = (error.clone(), info.csrf_token.clone());
                    let may_create = user.is_platform_admin();
                    Suspend::new(async move {
                        match organisations.await {
                            Ok(page) => view! {
                                <OrganisationTable list=page.organisations />
                                {may_create.then(|| view! {
                                    <NewOrganisationForm kinds=page.kinds csrf_token error />
                                })}
                            }
                            .into_any(),
                            Err(error) => view! { <ErrorPanel error /> }.into_any(),
                        }
                    })
                }}
            </Suspense>
        }
        .into_any()
    })
}

#[component]
fn NewOrganisationForm(
    kinds: Vec<(String, String)>,
    csrf_token: String,
    error: Option<AppError>,
) -> impl IntoView {
    view! {
        <section class="panel" aria-labelledby="new-org-heading">
            <h2 id="new-org-heading">"Add an organisation"</h2>
            <FormErrors error=error.clone() />
            <form method="post" action=CreateOrganisation::url()>
                <input type="hidden" name="csrf_token" value=csrf_token />
                <Field name="name" label="Name" hint="For example: Leeds Teaching Hospitals NHS Trust" error=error.clone() />
                <div class="form-group">
                    <label for="field-kind">"Type of organisation"</label>
                    <select id="field-kind" name="kind">
                        {kinds.into_iter().map(|(value, label)| view! { <option value=value>{label}</option> }).collect_view()}
                    </select>
                </div>
                <Field name="region" label="Region (optional)" required=false error=error.clone() />
                <button type="submit" class="button">"Add organisation"</button>
            </form>
        </section>
    }
}

#[component]
fn OrganisationTable(list: Vec<OrganisationView>) -> impl IntoView {
    if list.is_empty() {
        return view! { <p>"There are no organisations yet."</p> }.into_any();
    }
    view! {
        <table class="table">
            <TableHead caption="Organisations" columns=&["Name", "Type", "Region", "Users"] />
            <tbody>
                {list.into_iter().map(|o| view! {
                    <tr>
                        <th scope="row">{o.name}</th>
                        <td>{o.kind_label}</td>
                        <td>{o.region.unwrap_or_default()}</td>
                        <td>{o.n_users}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

#[component]
fn UsersPage() -> impl IntoView {
    let users = Resource::new(|| (), |_| list_users());
    let choices = Resource::new(|| (), |_| user_form_options());
    let error = form_error::<CreateUser>();
    let added = query_param("added");
    admin_only(move |info, _| {
        view! {
            <Title text="Users – Rampart" />
            <h1>"Users"</h1>
            {added.map(|name| view! { <p class="notice" role="status">{format!("{name} was added.")}</p> })}
            <Suspense fallback=|| view! { <p>"Loading users…"</p> }>
                {move || {
                    let (error, csrf_token) = (error.clone(), info.csrf_token.clone());
                    Suspend::new(async move {
                        let (users, choices) = (users.await, choices.await);
                        match (users, choices) {
                            (Ok(list), Ok(choices)) => view! {
                                <UserTable list />
                                <p><a href="/admin/users.csv" download>"Download these users as a spreadsheet (CSV)"</a></p>
                                <NewUserForm choices csrf_token error />
                            }
                            .into_any(),
                            (Err(error), _) | (_, Err(error)) => view! { <ErrorPanel error /> }.into_any(),
                        }
                    })
                }}
            </Suspense>
        }
        .into_any()
    })
}

#[component]
fn NewUserForm(
    choices: UserFormChoices,
    csrf_token: String,
    error: Option<AppError>,
) -> impl IntoView {
    let national_allowed = choices
        .roles
        .iter()
        .any(|(name, _)| name == "platform_admin");
    view! {
        <section class="panel" aria-labelledby="new-user-heading">
            <h2 id="new-user-heading">"Add a user"</h2>
            <FormErrors error=error.clone() />
            <form method="post" action=CreateUser::url()>
                <input type="hidden" name="csrf_token" value=csrf_token />
                <Field name="display_name" label="Full name" autocomplete="off" error=error.clone() />
                <Field name="email" label="Email address" kind="email" autocomplete="off" error=error.clone() />
                <Field
                    name="password"
                    label="Initial password"
                    kind="password"
                    autocomplete="new-password"
                    hint="At least 12 characters. Give it to the person securely."
                    error=error.clone()
                />
                <div class="form-group">
                    <label for="field-organisation_id">"Organisation"</label>
                    <select id="field-organisation_id" name="organisation_id">
                        {national_allowed.then(|| view! { <option value="">"None (national role)"</option> })}
                        {choices.organisations.into_iter().map(|(id, name)| view! {
                            <option value=id.to_string()>{name}</option>
                        }).collect_view()}
                    </select>
                </div>
                <fieldset class="form-group" id="field-roles">
                    <legend>"Roles"</legend>
                    {choices.roles.into_iter().map(|(name, label)| {
                        let id = format!("role-{name}");
                        view! {
                            <div class="checkbox">
                                <input type="checkbox" id=id.clone() name=format!("role_{name}") value="on" />
                                <label for=id>{label}</label>
                            </div>
                        }
                    }).collect_view()}
                </fieldset>
                <button type="submit" class="button">"Add user"</button>
            </form>
        </section>
    }
}

/// The users table with a filter box that works in the browser without a round trip: an island.
#[island]
fn UserTable(list: Vec<UserView>) -> impl IntoView {
    let (filter, set_filter) = signal(String::new());
    let total = list.len();
    let list = StoredValue::new(list);
    let visible = move || {
        let needle = filter.get().to_lowercase();
        list.with_value(|users| {
            users
                .iter()
                .filter(|u| {
                    needle.is_empty()
                        || u.display_name.to_lowercase().contains(&needle)
                        || u.email.contains(&needle)
                        || u.organisation_name
                            .as_deref()
                            .unwrap_or("")
                            .to_lowercase()
                            .contains(&needle)
                })
                .cloned()
                .collect::<Vec<_>>()
        })
    };
    view! {
        <div class="form-group filter">
            <label for="user-filter">"Filter users"</label>
            <input
                id="user-filter"
                type="search"
                aria-controls="user-table"
                prop:value=move || filter.get()
                on:input=move |ev| set_filter.set(event_target_value(&ev))
            />
        </div>
        <p role="status" class="hint">{move || format!("Showing {} of {} users", visible().len(), total)}</p>
        <table class="table" id="user-table">
            <caption class="visually-hidden">"Users"</caption>
            <thead>
                <tr>
                    <th scope="col">"Name"</th>
                    <th scope="col">"Email"</th>
                    <th scope="col">"Organisation"</th>
                    <th scope="col">"Roles"</th>
                </tr>
            </thead>
            <tbody>
                {move || visible().into_iter().map(|u| view! {
                    <tr>
                        <th scope="row">{u.display_name}</th>
                        <td>{u.email}</td>
                        <td>{u.organisation_name.unwrap_or_else(|| "—".to_owned())}</td>
                        <td>{u.roles.into_iter().map(|(_, label)| label).collect::<Vec<_>>().join(", ")}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
fn PackagesPage() -> impl IntoView {
    let packages = Resource::new(|| (), |_| list_packages());
    let choices = Resource::new(|| (), |_| user_form_options());
    let added = query_param("added");
    admin_only(move |info, user| {
        let action = format!("/admin/packages/upload?csrf_token={}", info.csrf_token);
        let platform_admin = user.is_platform_admin();
        view! {
            <Title text="Packages – Rampart" />
            <h1>"SCORM packages"</h1>
            {added.map(|name| view! { <p class="notice" role="status">{format!("{name} was imported.")}</p> })}
            <Suspense fallback=|| view! { <p>"Loading packages…"</p> }>
                {move || Suspend::new(async move {
                    match packages.await {
                        Ok(list) if list.is_empty() => view! { <p>"No packages yet. Upload the first one below."</p> }.into_any(),
                        Ok(list) => view! { <PackageTable list /> }.into_any(),
                        Err(error) => view! { <ErrorPanel error /> }.into_any(),
                    }
                })}
            </Suspense>
            <section class="panel" aria-labelledby="upload-heading">
                <h2 id="upload-heading">"Upload a package"</h2>
                <p>"A SCORM 1.2 or SCORM 2004 zip exported from your authoring tool. Uploading a package with the same identifier again adds a new version."</p>
                <form id="upload-form" method="post" enctype="multipart/form-data" action=action>
                    <div class="form-group">
                        <label for="field-package">"Package (.zip)"</label>
                        <input id="field-package" name="package" type="file" accept=".zip,application/zip" required=true />
                    </div>
                    {platform_admin.then(|| view! {
                        <Suspense fallback=|| ()>
                            {move || Suspend::new(async move {
                                let organisations = choices.await.map(|c| c.organisations).unwrap_or_default();
                                view! {
                                    <div class="form-group">
                                        <label for="field-organisation_id">"Available to"</label>
                                        <select id="field-organisation_id" name="organisation_id">
                                            <option value="">"Every organisation"</option>
                                            {organisations.into_iter().map(|(id, name)| view! {
                                                <option value=id.to_string()>{name}</option>
                                            }).collect_view()}
                                        </select>
                                    </div>
                                }
                            })}
                        </Suspense>
                    })}
                    <fieldset class="form-group">
                        <legend>"If this is a new version: learners part-way through the old one"</legend>
                        <div class="checkbox">
                            <input type="radio" id="in-progress-finish" name="in_progress" value="finish" checked=true />
                            <label for="in-progress-finish">"finish on the version they started (recommended)"</label>
                        </div>
                        <div class="checkbox">
                            <input type="radio" id="in-progress-move" name="in_progress" value="move" />
                            <label for="in-progress-move">"continue on the new version (for urgent fixes)"</label>
                        </div>
                    </fieldset>
                    <progress id="upload-progress" max="100" value="0" hidden=true aria-label="Upload progress"></progress>
                    <p id="upload-status" role="status" aria-live="polite"></p>
                    <button type="submit" class="button">"Upload and check"</button>
                </form>
                <div id="upload-report" class="error-summary" tabindex="-1" hidden=true></div>
            </section>
            <script src="/assets/upload.js" defer=true></script>
        }
        .into_any()
    })
}

#[component]
fn PackageTable(list: Vec<PackageView>) -> impl IntoView {
    view! {
        <table class="table">
            <TableHead
                caption="SCORM packages"
                columns=&["Title", "Standard", "Version", "Files", "Size", "Available to", "Updated (UTC)", "Preview"]
            />
            <tbody>
                {list.into_iter().map(|p| {
                    let label = format!("Preview {} (opens in a new tab)", p.title);
                    view! {
                        <tr>
                            <th scope="row"><a href=format!("/admin/packages/{}", p.id)>{p.title.clone()}</a></th>
                            <td>{p.standard}</td>
                            <td>{p.version_no}</td>
                            <td>{p.n_files}</td>
                            <td>{p.size}</td>
                            <td>{p.organisation.unwrap_or_else(|| "Every organisation".to_owned())}</td>
                            <td>{p.updated}</td>
                            <td>{p.preview_url.map(|url| view! {
                                <a href=url target="_blank" rel="noopener noreferrer" aria-label=label>"Preview"</a>
                            })}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// The numeric `:id` of the current route (0 when missing or malformed, which no record has).
fn route_id() -> i64 {
    leptos_router::hooks::use_params_map()
        .read_untracked()
        .get("id")
        .and_then(|id| id.parse::<i64>().ok())
        .unwrap_or(0)
}

#[component]
fn PackageDetailPage() -> impl IntoView {
    let id = route_id();
    let detail = Resource::new(move || id, load_package_detail);
    admin_only(move |_, _| {
        view! {
            <Suspense fallback=|| view! { <p>"Loading the package…"</p> }>
                {move || Suspend::new(async move {
                    match detail.await {
                        Ok(detail) => view! { <PackageDetailView detail /> }.into_any(),
                        Err(error) => view! { <ErrorPanel error /> }.into_any(),
                    }
                })}
            </Suspense>
        }
        .into_any()
    })
}

#[component]
fn PackageDetailView(detail: PackageDetail) -> impl IntoView {
    view! {
        <Title text=format!("{} – Rampart", detail.title) />
        <p><a href="/admin/packages">"All packages"</a></p>
        <h1>{detail.title.clone()}</h1>
        <dl class="summary-list">
            <div><dt>"Standard"</dt><dd>{detail.standard}</dd></div>
            <div><dt>"Identifier"</dt><dd>{detail.identifier}</dd></div>
            <div><dt>"Version"</dt><dd>{detail.version_no}</dd></div>
            <div><dt>"Files"</dt><dd>{detail.n_files}</dd></div>
            <div><dt>"Sequencing"</dt><dd>{detail.sequencing_summary}</dd></div>
        </dl>
        <section class="panel" aria-labelledby="tree-heading">
            <h2 id="tree-heading">"Activities"</h2>
            {tree_view(detail.organizations)}
        </section>
        <section class="panel" aria-labelledby="resources-heading">
            <h2 id="resources-heading">"Resources"</h2>
            <table class="table">
                <TableHead caption="Resources" columns=&["Identifier", "Type", "Launches", "Files", "Depends on"] />
                <tbody>
                    {detail.resources.into_iter().map(|(id, kind, href, n_files, deps)| view! {
                        <tr><th scope="row">{id}</th><td>{kind}</td><td>{href}</td><td>{n_files}</td><td>{deps}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
        </section>
        {(!detail.warnings.is_empty()).then(|| view! {
            <section class="panel" aria-labelledby="warnings-heading">
                <h2 id="warnings-heading">"Warnings found at import"</h2>
                <ul>{detail.warnings.into_iter().map(|w| view! { <li>{w}</li> }).collect_view()}</ul>
            </section>
        })}
    }
}

/// The activity tree as nested lists, each launchable item with its own preview link.
fn tree_view(nodes: Vec<TreeNode>) -> AnyView {
    view! {
        <ul class="tree">
            {nodes.into_iter().map(|node| {
                let label = format!("Preview {} (opens in a new tab)", node.title);
                view! {
                    <li>
                        <span class="tree-title">{node.title.clone()}</span>
                        " "
                        <span class="hint">{format!("({})", node.identifier)}</span>
                        {(!node.visible).then(|| view! { " " <span class="badge">"hidden"</span> })}
                        {node.has_sequencing.then(|| view! { " " <span class="badge">"sequencing rules"</span> })}
                        {node.preview_url.map(|url| view! {
                            " " <a href=url target="_blank" rel="noopener noreferrer" aria-label=label>"Preview"</a>
                        })}
                        {(!node.children.is_empty()).then(|| tree_view(node.children))}
                    </li>
                }
            }).collect_view()}
        </ul>
    }
    .into_any()
}

#[component]
fn AuditPage() -> impl IntoView {
    let entries = Resource::new(|| (), |_| audit_log());
    admin_only(move |_, _| {
        view! {
            <Title text="Audit log – Rampart" />
            <h1>"Audit log"</h1>
            <p>"The latest 200 sign-ins, failures and changes you may see, newest first. Times are UTC."</p>
            <p><a href="/admin/audit.csv" download>"Download the audit log as a spreadsheet (CSV)"</a></p>
            <Suspense fallback=|| view! { <p>"Loading the audit log…"</p> }>
                {move || Suspend::new(async move {
                    match entries.await {
                        Ok(entries) if entries.is_empty() => view! { <p>"Nothing has been recorded yet."</p> }.into_any(),
                        Ok(entries) => view! { <AuditTable entries /> }.into_any(),
                        Err(error) => view! { <ErrorPanel error /> }.into_any(),
                    }
                })}
            </Suspense>
        }
        .into_any()
    })
}

#[component]
fn AuditTable(entries: Vec<AuditView>) -> impl IntoView {
    view! {
        <table class="table">
            <TableHead caption="Audit log" columns=&["Time (UTC)", "What happened", "About", "From"] />
            <tbody>
                {entries.into_iter().map(|e| view! {
                    <tr>
                        <td>{e.at}</td>
                        <td>{e.action}</td>
                        <td>{e.target}</td>
                        <td>{e.client_ip}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// A table's caption (for screen readers; the page heading names it for everyone else) and column headers.
#[component]
fn TableHead(caption: &'static str, columns: &'static [&'static str]) -> impl IntoView {
    view! {
        <caption class="visually-hidden">{caption}</caption>
        <thead>
            <tr>{columns.iter().map(|column| view! { <th scope="col">{*column}</th> }).collect_view()}</tr>
        </thead>
    }
}

/// The 403 page; `message` says why (the default suits the admin pages).
#[component]
fn Forbidden(#[prop(optional, into)] message: Option<String>) -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::FORBIDDEN);
    }
    let message = message.unwrap_or_else(|| {
        "Only organisation and platform administrators can manage organisations and users."
            .to_owned()
    });
    view! {
        <Title text="No access – Rampart" />
        <h1>"You do not have access to this page"</h1>
        <p>{message}</p>
        <p><a href="/dashboard">"Go to your training"</a></p>
    }
}

#[component]
fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Page not found – Rampart" />
        <h1>"Page not found"</h1>
        <p>"If you typed the web address, check it is correct. If you pasted it, check you copied all of it."</p>
        <p><a href="/dashboard">"Go to your training"</a></p>
    }
}
