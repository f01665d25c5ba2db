//! The Leptos application: layout, routes and pages. Rendered on the server, hydrated in the browser.
//!
//! Every form is an `ActionForm` that also works without JavaScript (it posts to the server function's
//! URL) and carries the CSRF token. Errors are announced in an error summary (`role="alert"`) that links to
//! the field, as the GOV.UK and NHS design systems do.

use leptos::prelude::*;
use leptos_meta::{MetaTags, Title, provide_meta_context};
use leptos_router::components::{A, Route, Router, Routes};
use leptos_router::hooks::{use_location, use_query_map};
use leptos_router::{SsrMode, path};

use crate::api::*;

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
                <link rel="stylesheet" href="/assets/rampart.css" />
                <HydrationScripts options />
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
    let (Some(nonce), Some(response)) = (use_nonce(), use_context::<leptos_axum::ResponseOptions>()) else {
        return;
    };
    let policy = format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data:; connect-src 'self'; frame-src 'self'; frame-ancestors 'none'; \
         form-action 'self'; base-uri 'none'; object-src 'none'"
    );
    if let Ok(value) = http::HeaderValue::from_str(&policy) {
        response.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
    }
}

type ContextResource = Resource<Result<PageInfo, AppError>>;

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Router>
            <Layout>
                <Routes fallback=NotFound>
                    <Route path=path!("/setup") view=SetupPage ssr=SsrMode::Async />
                    <Route path=path!("/sign-in") view=SignInPage ssr=SsrMode::Async />
                    <Route path=path!("/dashboard") view=Dashboard ssr=SsrMode::Async />
                    <Route path=path!("/admin/organisations") view=OrganisationsPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/users") view=UsersPage ssr=SsrMode::Async />
                </Routes>
            </Layout>
        </Router>
    }
}

/// Header, navigation and main landmark. Loads the page context again on every navigation, so the
/// navigation follows sign-in and sign-out.
#[component]
fn Layout(children: Children) -> impl IntoView {
    let location = use_location();
    let context: ContextResource = Resource::new(move || location.pathname.get(), |_| page_context());
    provide_context(context);
    let (menu_open, set_menu_open) = signal(false);

    view! {
        <a class="skip-link" href="#main">"Skip to main content"</a>
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
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    let page = context.await.ok();
                    view! { <Navigation page menu_open /> }
                })}
            </Suspense>
        </header>
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

#[component]
fn Navigation(page: Option<PageInfo>, menu_open: ReadSignal<bool>) -> impl IntoView {
    let Some(PageInfo { user: Some(user), csrf_token, .. }) = page else {
        return view! {
            <nav id="primary-navigation" aria-label="Main" class="site-nav" class:open=move || menu_open.get()>
                <div class="container"><ul><li><A href="/sign-in">"Sign in"</A></li></ul></div>
            </nav>
        }
        .into_any();
    };
    let sign_out = ServerAction::<SignOut>::new();
    let is_admin = user.is_admin();
    view! {
        <nav id="primary-navigation" aria-label="Main" class="site-nav" class:open=move || menu_open.get()>
            <div class="container nav-row">
                <ul>
                    <li><A href="/dashboard">"My training"</A></li>
                    {is_admin.then(|| view! {
                        <li><A href="/admin/organisations">"Organisations"</A></li>
                        <li><A href="/admin/users">"Users"</A></li>
                    })}
                </ul>
                <div class="nav-account">
                    <span class="signed-in-as">{user.display_name.clone()}</span>
                    <ActionForm action=sign_out>
                        <input type="hidden" name="csrf_token" value=csrf_token />
                        <button type="submit" class="link-button">"Sign out"</button>
                    </ActionForm>
                </div>
            </div>
        </nav>
    }
    .into_any()
}

fn use_page_context() -> ContextResource {
    expect_context::<ContextResource>()
}

/// Renders `page` once the page context has loaded, or the sign-in prompt when nobody is signed in.
fn with_user<V: IntoView + 'static>(
    page: impl Fn(PageInfo, UserView) -> V + Send + Sync + Clone + 'static,
) -> impl IntoView {
    let context = use_page_context();
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || {
                let page = page.clone();
                Suspend::new(async move {
                    match context.await {
                        Ok(ctx) => match ctx.user.clone() {
                            Some(user) => page(ctx, user).into_any(),
                            None => view! { <SignInPrompt /> }.into_any(),
                        },
                        Err(error) => view! { <ErrorPanel error /> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
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

/// The GOV.UK-style error summary for a form's last result, linking to the field at fault.
#[component]
fn FormErrors<T>(result: Signal<Option<Result<T, AppError>>>) -> impl IntoView
where
    T: Clone + Send + Sync + 'static,
{
    move || {
        result.get().and_then(Result::err).map(|error| {
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
}

/// A labelled text input whose `aria-invalid` and error message follow the form's last error.
#[component]
fn Field<T>(
    name: &'static str,
    label: &'static str,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional)] hint: Option<&'static str>,
    result: Signal<Option<Result<T, AppError>>>,
) -> impl IntoView
where
    T: Clone + Send + Sync + 'static,
{
    let id = format!("field-{name}");
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let error = move || {
        result.get().and_then(Result::err).filter(|e| e.field() == Some(name)).map(|e| e.to_string())
    };
    let described_by = {
        let (hint_id, error_id) = (hint_id.clone(), error_id.clone());
        move || {
            let mut ids = Vec::new();
            if hint.is_some() {
                ids.push(hint_id.clone());
            }
            if error().is_some() {
                ids.push(error_id.clone());
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    view! {
        <div class="form-group" class:form-group-error=move || error().is_some()>
            <label for=id.clone()>{label}</label>
            {hint.map(|hint| view! { <p class="hint" id=hint_id.clone()>{hint}</p> })}
            {move || error().map(|message| view! { <p class="field-error" id=error_id.clone()>{message}</p> })}
            <input
                id=id.clone()
                name=name
                type=kind
                autocomplete=autocomplete
                required=true
                aria-invalid=move || error().is_some().to_string()
                aria-describedby=described_by
            />
        </div>
    }
}

#[component]
fn SetupPage() -> impl IntoView {
    let context = use_page_context();
    let setup = ServerAction::<CompleteSetup>::new();
    let result: Signal<_> = setup.value().into();
    view! {
        <Title text="Set up Rampart" />
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match context.await {
                    Ok(ctx) if ctx.setup_needed => view! {
                        <h1>"Set up Rampart"</h1>
                        <p class="lead">
                            "Create the platform administrator. This person manages organisations and can add other administrators."
                        </p>
                        <FormErrors result />
                        <ActionForm action=setup>
                            <input type="hidden" name="csrf_token" value=ctx.csrf_token />
                            <Field name="display_name" label="Full name" autocomplete="name" result />
                            <Field name="email" label="Email address" kind="email" autocomplete="email" result />
                            <Field
                                name="password"
                                label="Password"
                                kind="password"
                                autocomplete="new-password"
                                hint="At least 12 characters. Three random words work well."
                                result
                            />
                            <button type="submit" class="button">"Create administrator"</button>
                        </ActionForm>
                    }
                    .into_any(),
                    Ok(_) => view! {
                        <h1>"Rampart is already set up"</h1>
                        <p><a href="/sign-in">"Sign in"</a>" with your account."</p>
                    }
                    .into_any(),
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn SignInPage() -> impl IntoView {
    let context = use_page_context();
    let sign_in = ServerAction::<SignIn>::new();
    let result: Signal<_> = sign_in.value().into();
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_else(|| "/dashboard".to_owned());
    let expired = move || query.read().get("expired").is_some();
    let (show_password, set_show_password) = signal(false);
    view! {
        <Title text="Sign in – Rampart" />
        <div class="narrow">
            <h1>"Sign in"</h1>
            {move || expired().then(|| view! {
                <div class="notice" role="status">"Your session ended. Sign in again to carry on where you left off."</div>
            })}
            <FormErrors result />
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    let csrf_token = context.await.map(|c| c.csrf_token).unwrap_or_default();
                    view! {
                        <ActionForm action=sign_in>
                            <input type="hidden" name="csrf_token" value=csrf_token />
                            <input type="hidden" name="next" value=next />
                            <Field name="email" label="Email address" kind="email" autocomplete="username" result />
                            <div class="form-group">
                                <label for="field-password">"Password"</label>
                                <input
                                    id="field-password"
                                    name="password"
                                    type=move || if show_password.get() { "text" } else { "password" }
                                    autocomplete="current-password"
                                    required=true
                                />
                                <div class="checkbox">
                                    <input
                                        id="show-password"
                                        type="checkbox"
                                        on:change=move |ev| set_show_password.set(event_target_checked(&ev))
                                    />
                                    <label for="show-password">"Show password"</label>
                                </div>
                            </div>
                            <button type="submit" class="button">"Sign in"</button>
                        </ActionForm>
                    }
                })}
            </Suspense>
        </div>
    }
}

#[component]
fn Dashboard() -> impl IntoView {
    view! {
        <Title text="My training – Rampart" />
        {with_user(|_, user| {
            let organisation = user.organisation_name.clone();
            let roles = user.roles.iter().map(|(_, label)| label.clone()).collect::<Vec<_>>().join(", ");
            view! {
                <h1>{format!("Welcome, {}", user.display_name)}</h1>
                <dl class="summary-list">
                    <div><dt>"Organisation"</dt><dd>{organisation.unwrap_or_else(|| "National team (no single organisation)".to_owned())}</dd></div>
                    <div><dt>"Roles"</dt><dd>{roles}</dd></div>
                    <div><dt>"Email"</dt><dd>{user.email.clone()}</dd></div>
                </dl>
                <section aria-labelledby="training-heading" class="panel">
                    <h2 id="training-heading">"Your training"</h2>
                    <p>"No courses have been assigned to you yet. When your organisation assigns cyber security training, it will appear here with your progress."</p>
                </section>
            }
        })}
    }
}

#[component]
fn OrganisationsPage() -> impl IntoView {
    let create = ServerAction::<CreateOrganisation>::new();
    let result: Signal<_> = create.value().into();
    let organisations = Resource::new(move || create.version().get(), |_| list_organisations());
    let kinds = RwSignal::new(Vec::<(String, String)>::new());
    view! {
        <Title text="Organisations – Rampart" />
        {with_user(move |ctx, user| {
            if !user.is_admin() {
                return view! { <Forbidden /> }.into_any();
            }
            view! {
                <h1>"Organisations"</h1>
                <Suspense fallback=|| view! { <p>"Loading organisations…"</p> }>
                    {move || Suspend::new(async move {
                        match organisations.await {
                            Ok(page) => {
                                kinds.set(page.kinds);
                                view! { <OrganisationTable list=page.organisations /> }.into_any()
                            }
                            Err(error) => view! { <ErrorPanel error /> }.into_any(),
                        }
                    })}
                </Suspense>
                {user.is_platform_admin().then(|| view! {
                    <section class="panel" aria-labelledby="new-org-heading">
                        <h2 id="new-org-heading">"Add an organisation"</h2>
                        <FormErrors result />
                        {move || result.get().and_then(Result::ok).map(|o| view! {
                            <p class="notice" role="status">{format!("{} was added.", o.name)}</p>
                        })}
                        <ActionForm action=create>
                            <input type="hidden" name="csrf_token" value=ctx.csrf_token.clone() />
                            <Field name="name" label="Name" hint="For example: Leeds Teaching Hospitals NHS Trust" result />
                            <div class="form-group">
                                <label for="field-kind">"Type of organisation"</label>
                                <select id="field-kind" name="kind">
                                    {move || kinds.get().into_iter().map(|(value, label)| view! {
                                        <option value=value>{label}</option>
                                    }).collect_view()}
                                </select>
                            </div>
                            <div class="form-group">
                                <label for="field-region">"Region (optional)"</label>
                                <input id="field-region" name="region" type="text" />
                            </div>
                            <button type="submit" class="button">"Add organisation"</button>
                        </ActionForm>
                    </section>
                })}
            }
            .into_any()
        })}
    }
}

#[component]
fn OrganisationTable(list: Vec<OrganisationView>) -> impl IntoView {
    if list.is_empty() {
        return view! { <p>"There are no organisations yet. Add the first one below."</p> }.into_any();
    }
    view! {
        <table class="table">
            <caption class="visually-hidden">"Organisations"</caption>
            <thead><tr><th scope="col">"Name"</th><th scope="col">"Type"</th><th scope="col">"Region"</th><th scope="col">"Users"</th></tr></thead>
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
    let create = ServerAction::<CreateUser>::new();
    let result: Signal<_> = create.value().into();
    let users = Resource::new(move || create.version().get(), |_| list_users());
    let options = Resource::new(|| (), |_| user_form_options());
    view! {
        <Title text="Users – Rampart" />
        {with_user(move |ctx, user| {
            if !user.is_admin() {
                return view! { <Forbidden /> }.into_any();
            }
            view! {
                <h1>"Users"</h1>
                <Suspense fallback=|| view! { <p>"Loading users…"</p> }>
                    {move || Suspend::new(async move {
                        match users.await {
                            Ok(list) => view! { <UserTable list /> }.into_any(),
                            Err(error) => view! { <ErrorPanel error /> }.into_any(),
                        }
                    })}
                </Suspense>
                <section class="panel" aria-labelledby="new-user-heading">
                    <h2 id="new-user-heading">"Add a user"</h2>
                    <FormErrors result />
                    {move || result.get().and_then(Result::ok).map(|u| view! {
                        <p class="notice" role="status">{format!("{} was added.", u.display_name)}</p>
                    })}
                    <Suspense fallback=|| ()>
                        {
                            let csrf_token = ctx.csrf_token.clone();
                            move || {
                                let csrf_token = csrf_token.clone();
                                Suspend::new(async move {
                                    let options = options.await.unwrap_or(UserFormChoices { organisations: vec![], roles: vec![] });
                                    view! { <UserForm create csrf_token options result /> }
                                })
                            }
                        }
                    </Suspense>
                </section>
            }
            .into_any()
        })}
    }
}

#[component]
fn UserForm(
    create: ServerAction<CreateUser>,
    csrf_token: String,
    options: UserFormChoices,
    result: Signal<Option<Result<UserView, AppError>>>,
) -> impl IntoView {
    view! {
        <ActionForm action=create>
            <input type="hidden" name="csrf_token" value=csrf_token />
            <Field name="display_name" label="Full name" autocomplete="off" result />
            <Field name="email" label="Email address" kind="email" autocomplete="off" result />
            <Field
                name="password"
                label="Initial password"
                kind="password"
                autocomplete="new-password"
                hint="At least 12 characters. Give it to the person securely; they should change it after signing in."
                result
            />
            <div class="form-group">
                <label for="field-organisation_id">"Organisation"</label>
                <select id="field-organisation_id" name="organisation_id">
                    <option value="">"None (national role)"</option>
                    {options.organisations.into_iter().map(|(id, name)| view! {
                        <option value=id.to_string()>{name}</option>
                    }).collect_view()}
                </select>
            </div>
            <fieldset class="form-group" id="field-roles">
                <legend>"Roles"</legend>
                {options.roles.into_iter().map(|(name, label)| {
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
        </ActionForm>
    }
}

/// The users table with a filter box that works in the browser without a round trip.
#[component]
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
                        || u.organisation_name.as_deref().unwrap_or("").to_lowercase().contains(&needle)
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
            <thead><tr><th scope="col">"Name"</th><th scope="col">"Email"</th><th scope="col">"Organisation"</th><th scope="col">"Roles"</th></tr></thead>
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
fn Forbidden() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::FORBIDDEN);
    }
    view! {
        <h1>"You do not have access to this page"</h1>
        <p>"Only organisation and platform administrators can manage organisations and users."</p>
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
