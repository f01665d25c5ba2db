//! Plugin pages (`/plugins/<plugin>/<page>`) drawn from the page a plugin describes, and the admin page
//! `/admin/plugins`. All of it is server-rendered HTML that works without JavaScript: tables sort through
//! links, forms post to the server, charts are inline SVG with their numbers in a table. The URL shapes and
//! the pure parts (links, sorting, chart layout, Markdown) live in [`crate::plugin_ui`].

use std::collections::{HashMap, HashSet};

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use plugin_api::views::{FormEcho, InstalledPluginView, PluginPageData, PluginsOverview};
use plugin_api::{
    Block, Chart, ChartKind, Field as PluginField, FieldKind, Form, Heading, Notice, Table,
    TimelineEntry, Tone,
};

use super::{
    ErrorPanel, Forbidden, FormErrors, NotFound, SignInPrompt, admin_only, form_error, page_info,
    query_param,
};
use crate::api::{AppError, SetPluginEnabled, SetPluginGrants, plugin_page, plugins_overview};
use crate::plugin_ui::{self, Direction, id_safe};

/// A plugin page: the plugin and page come from the path, the query is handed to the plugin as it is.
#[component]
pub(super) fn PluginPage() -> impl IntoView {
    let (plugin, page) = {
        let params = leptos_router::hooks::use_params_map();
        let params = params.read_untracked();
        (
            params.get("plugin").unwrap_or_default(),
            params.get("page").unwrap_or_default(),
        )
    };
    let query =
        plugin_ui::parse_query(&leptos_router::hooks::use_location().search.get_untracked());
    let data = Resource::new(
        {
            let query = query.clone();
            move || (plugin.clone(), page.clone(), query.clone())
        },
        |(plugin, page, query)| plugin_page(plugin, page, query),
    );
    let info = page_info();
    if info.user.is_none() {
        return view! { <SignInPrompt /> }.into_any();
    }
    let csrf_token = info.csrf_token;
    view! {
        <Suspense fallback=|| view! { <p>"Loading the page…"</p> }>
            {move || {
                let (csrf_token, query) = (csrf_token.clone(), query.clone());
                Suspend::new(async move {
                    match data.await {
                        Ok(data) => view! { <PluginPageView data csrf_token query /> }.into_any(),
                        Err(AppError::NotFound(_)) => view! { <NotFound /> }.into_any(),
                        Err(AppError::NotSignedIn) => view! { <SignInPrompt /> }.into_any(),
                        Err(error @ AppError::Forbidden(_)) => {
                            view! { <Forbidden message=error.to_string() /> }.into_any()
                        }
                        Err(error) => view! { <PluginUnavailable error /> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
    .into_any()
}

/// A plugin page that could not be drawn: the plugin is switched off, failed or took too long.
#[component]
fn PluginUnavailable(error: AppError) -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(match error {
            AppError::Internal => http::StatusCode::INTERNAL_SERVER_ERROR,
            _ => http::StatusCode::SERVICE_UNAVAILABLE,
        });
    }
    view! {
        <Title text="Page not available – Rampart" />
        <h1>"This page is not available"</h1>
        <ErrorPanel error />
        <p><a href="/dashboard">"Go to your training"</a></p>
    }
}

#[component]
fn PluginPageView(
    data: PluginPageData,
    csrf_token: String,
    query: Vec<(String, String)>,
) -> impl IntoView {
    let has_errors = data.form.as_ref().is_some_and(|f| !f.errors.is_empty());
    let title = format!(
        "{}{} – {} – Rampart",
        if has_errors { "Error: " } else { "" },
        data.page.title,
        data.plugin_title
    );
    view! {
        <Title text=title />
        <PluginPageBody data csrf_token query />
    }
}

/// What a page's blocks need to know about the page.
struct PageContext {
    plugin: String,
    page: String,
    csrf_token: String,
    query: Vec<(String, String)>,
    echo: Option<FormEcho>,
    /// Field names that more than one form of the page uses: their ids also carry the form's id.
    shared_names: HashSet<String>,
}

impl PageContext {
    /// `field-<name>`, or `field-<form>-<name>` when another form of the page has a field of that name.
    fn field_id(&self, form_id: &str, name: &str) -> String {
        if self.shared_names.contains(name) {
            format!("field-{}-{}", id_safe(form_id), id_safe(name))
        } else {
            format!("field-{}", id_safe(name))
        }
    }

    fn echo_for(&self, form_id: &str) -> Option<&FormEcho> {
        self.echo.as_ref().filter(|echo| echo.form_id == form_id)
    }

    fn markdown(&self, source: &str) -> String {
        plugin_ui::markdown_html(source, &self.plugin, &self.page)
    }
}

fn form_dom_id(form_id: &str) -> String {
    format!("form-{}", id_safe(form_id))
}

/// The page itself: error summary, caption, title, notice and blocks.
#[component]
fn PluginPageBody(
    data: PluginPageData,
    csrf_token: String,
    query: Vec<(String, String)>,
) -> impl IntoView {
    let forms: Vec<&Form> = data
        .page
        .blocks
        .iter()
        .filter_map(|block| match block {
            Block::Form(form) => Some(form),
            _ => None,
        })
        .collect();
    let mut seen = HashMap::<&str, usize>::new();
    for form in &forms {
        let names: HashSet<&str> = form.fields.iter().map(|f| f.name.as_str()).collect();
        for name in names {
            *seen.entry(name).or_default() += 1;
        }
    }
    let shared_names = seen
        .into_iter()
        .filter(|(_, count)| *count > 1)
        .map(|(name, _)| name.to_owned())
        .collect();
    let ctx = PageContext {
        plugin: data.plugin.clone(),
        page: data.page_id.clone(),
        csrf_token,
        query,
        echo: data.form.clone(),
        shared_names,
    };
    let summary = error_summary(&ctx, &forms);
    let blocks = data
        .page
        .blocks
        .into_iter()
        .enumerate()
        .map(|(index, block)| block_view(&ctx, index, block))
        .collect_view();
    view! {
        {summary}
        <p class="page-caption">{data.plugin_title}</p>
        <h1>{data.page.title}</h1>
        {data.notice.map(|notice| view! { <p class="notice" role="status">{notice}</p> })}
        <div class="plugin-blocks">{blocks}</div>
    }
}

/// The GOV.UK error summary of the form that did not pass, each message linked to its field.
fn error_summary(ctx: &PageContext, forms: &[&Form]) -> Option<AnyView> {
    let echo = ctx.echo.as_ref().filter(|echo| !echo.errors.is_empty())?;
    let form = forms.iter().find(|form| form.id == echo.form_id);
    let items = echo
        .errors
        .iter()
        .map(|error| {
            let href = match form {
                Some(form) if form.fields.iter().any(|f| f.name == error.field) => {
                    Some(format!("#{}", ctx.field_id(&form.id, &error.field)))
                }
                Some(form) => Some(format!("#{}", form_dom_id(&form.id))),
                None => None,
            };
            let message = error.message.clone();
            match href {
                Some(href) => view! { <li><a href=href>{message}</a></li> }.into_any(),
                None => view! { <li>{message}</li> }.into_any(),
            }
        })
        .collect_view();
    Some(
        view! {
            // `autofocus` moves focus to the summary as the page loads, with no script (as GOV.UK does).
            <div class="error-summary" role="alert" aria-labelledby="error-summary-title" tabindex="-1" autofocus>
                <h2 id="error-summary-title">"There is a problem"</h2>
                <ul class="error-summary-list">{items}</ul>
            </div>
        }
        .into_any(),
    )
}

fn block_view(ctx: &PageContext, index: usize, block: Block) -> AnyView {
    match block {
        Block::Heading(heading) => heading_view(heading),
        Block::Text(text) => view! { <p class="plugin-text">{text}</p> }.into_any(),
        Block::Markdown(source) => {
            view! { <div class="markdown" inner_html=ctx.markdown(&source)></div> }.into_any()
        }
        Block::Notice(notice) => notice_view(ctx, notice),
        Block::Badges(badges) => view! {
            <ul class="badge-list">
                {badges.into_iter().map(|badge| view! {
                    <li><span class=tone_class("badge", badge.tone)>{badge.label}</span></li>
                }).collect_view()}
            </ul>
        }
        .into_any(),
        Block::Summary(rows) => view! {
            <dl class="summary-list">
                {rows.into_iter().map(|row| view! {
                    <div><dt>{row.key}</dt><dd>{row.value}</dd></div>
                }).collect_view()}
            </dl>
        }
        .into_any(),
        Block::Links(links) => view! {
            <ul class="link-list">
                {links.into_iter().map(|link| view! {
                    <li>{link_or_text(ctx, link.label, &link.href)}</li>
                }).collect_view()}
            </ul>
        }
        .into_any(),
        Block::Form(form) => form_view(ctx, form),
        Block::Table(table) => table_view(ctx, table),
        Block::Timeline(entries) => timeline_view(ctx, entries),
        Block::Chart(chart) => chart_view(index, chart),
    }
}

pub(super) fn tone_class(base: &str, tone: Tone) -> String {
    format!("{base} tone-{}", tone.as_str())
}

/// Said before a notice's or timeline entry's title to screen readers, since the tone shows as colour.
fn tone_prefix(tone: Tone) -> &'static str {
    match tone {
        Tone::Neutral => "",
        Tone::Info => "Information: ",
        Tone::Success => "Success: ",
        Tone::Warning => "Warning: ",
        Tone::Danger => "Important: ",
    }
}

fn heading_view(heading: Heading) -> AnyView {
    let text = heading.text;
    match heading.level.clamp(2, 4) {
        2 => view! { <h2>{text}</h2> }.into_any(),
        3 => view! { <h3>{text}</h3> }.into_any(),
        _ => view! { <h4>{text}</h4> }.into_any(),
    }
}

fn notice_view(ctx: &PageContext, notice: Notice) -> AnyView {
    let prefix = tone_prefix(notice.tone);
    let title = (!notice.title.is_empty()).then(|| {
        view! {
            <p class="notice-title">
                <span class="visually-hidden">{prefix}</span>
                <strong>{notice.title}</strong>
            </p>
        }
    });
    let body = (!notice.body_markdown.trim().is_empty()).then(
        || view! { <div class="markdown" inner_html=ctx.markdown(&notice.body_markdown)></div> },
    );
    view! { <div class=tone_class("notice", notice.tone)>{title}{body}</div> }.into_any()
}

/// A link where [`plugin_ui::resolve_link`] allows one, otherwise the label as plain text.
fn link_or_text(ctx: &PageContext, label: String, href: &str) -> AnyView {
    match plugin_ui::resolve_link(&ctx.plugin, &ctx.page, href) {
        Some(target) if target.external => {
            view! { <a href=target.href rel="noopener">{label}</a> }.into_any()
        }
        Some(target) => view! { <a href=target.href>{label}</a> }.into_any(),
        None => view! { <span>{label}</span> }.into_any(),
    }
}

// ----- forms -----

fn form_view(ctx: &PageContext, form: Form) -> AnyView {
    let echo = ctx.echo_for(&form.id);
    let action = plugin_ui::form_action(&ctx.plugin, &ctx.page, &form.id, &ctx.query);
    let dom_id = form_dom_id(&form.id);
    let heading_id = format!("{dom_id}-title");
    let fields = form
        .fields
        .into_iter()
        .map(|field| {
            let id = ctx.field_id(&form.id, &field.name);
            // What was submitted wins; an unticked box is not submitted at all, so it stays unticked.
            let value = match echo {
                Some(echo) => echo
                    .values
                    .iter()
                    .find(|(name, _)| *name == field.name)
                    .map(|(_, value)| value.clone())
                    .or_else(|| {
                        (field.kind != FieldKind::Checkbox)
                            .then(|| field.value.clone())
                            .flatten()
                    }),
                None => field.value.clone(),
            };
            let error = echo.and_then(|echo| {
                echo.errors
                    .iter()
                    .find(|error| error.field == field.name)
                    .map(|error| error.message.clone())
            });
            field_view(id, field, value, error)
        })
        .collect_view();
    let submit_label = if form.submit_label.trim().is_empty() {
        "Continue".to_owned()
    } else {
        form.submit_label
    };
    let labelled_by = form.title.is_some().then(|| heading_id.clone());
    view! {
        <section class="panel plugin-form" aria-labelledby=labelled_by>
            {form.title.map(|title| view! { <h2 id=heading_id>{title}</h2> })}
            // `novalidate`: the host checks every field and shows what is wrong in the linked error
            // summary; the browser's own bubbles would stop the submit first and vanish after a moment.
            <form id=dom_id method="post" action=action novalidate=true>
                <input type="hidden" name="csrf_token" value=ctx.csrf_token.clone() />
                <input type="hidden" name="form_id" value=form.id />
                {fields}
                <button type="submit" class="button">{submit_label}</button>
            </form>
        </section>
    }
    .into_any()
}

/// What a ticked box submits, and the values that count as ticked when shown again.
const CHECKBOX_VALUE: &str = "true";

fn is_ticked(value: Option<&str>) -> bool {
    matches!(value, Some("true" | "on" | "yes" | "1"))
}

/// A textarea's content as HTML: escaped, and with a leading newline kept (parsers drop the first one).
fn textarea_content(value: &str) -> String {
    let escaped = plugin_ui::escape_html(value);
    if value.starts_with('\n') || value.starts_with('\r') {
        format!("\n{escaped}")
    } else {
        escaped
    }
}

fn field_view(
    id: String,
    field: PluginField,
    value: Option<String>,
    error: Option<String>,
) -> AnyView {
    let hint = match (field.hint.clone(), field.max_length) {
        (hint, Some(max)) if matches!(field.kind, FieldKind::Text | FieldKind::Textarea) => {
            Some(match hint {
                Some(hint) => format!("{hint} Up to {max} characters."),
                None => format!("Up to {max} characters."),
            })
        }
        (hint, _) => hint,
    };
    let hint_id = hint.as_ref().map(|_| format!("{id}-hint"));
    let error_id = error.as_ref().map(|_| format!("{id}-error"));
    let described_by = [hint_id.clone(), error_id.clone()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    let described_by = (!described_by.is_empty()).then_some(described_by);
    let invalid = error.is_some();
    let required = field.required;
    let label = view! {
        {field.label.clone()}
        {required.then(|| view! { <span class="required-marker">" (required)"</span> })}
    };
    let hint = hint.map(|hint| view! { <p class="hint" id=hint_id>{hint}</p> });
    let error = error.map(|message| {
        view! {
            <p class="field-error" id=error_id>
                <span class="visually-hidden">"Error: "</span>
                {message}
            </p>
        }
    });
    let name = field.name;
    let aria_invalid = invalid.to_string();
    match field.kind {
        FieldKind::Radio => {
            let choices = field
                .choices
                .into_iter()
                .enumerate()
                .map(|(i, choice)| {
                    // The first button carries the field's id, so the error summary can link to it.
                    let choice_id = if i == 0 {
                        id.clone()
                    } else {
                        format!("{id}-{i}")
                    };
                    let checked = value.as_deref() == Some(choice.value.as_str());
                    view! {
                        <div class="checkbox">
                            <input
                                type="radio"
                                id=choice_id.clone()
                                name=name.clone()
                                value=choice.value
                                checked=checked
                                required=required
                            />
                            <label for=choice_id>{choice.label}</label>
                        </div>
                    }
                })
                .collect_view();
            view! {
                <div class="form-group" class:form-group-error=invalid>
                    <fieldset aria-describedby=described_by>
                        <legend>{label}</legend>
                        {hint}
                        {error}
                        {choices}
                    </fieldset>
                </div>
            }
            .into_any()
        }
        FieldKind::Checkbox => view! {
            <div class="form-group" class:form-group-error=invalid>
                {hint}
                {error}
                <div class="checkbox">
                    <input
                        type="checkbox"
                        id=id.clone()
                        name=name
                        value=CHECKBOX_VALUE
                        checked=is_ticked(value.as_deref())
                        required=required
                        aria-invalid=aria_invalid
                        aria-describedby=described_by
                    />
                    <label for=id>{label}</label>
                </div>
            </div>
        }
        .into_any(),
        FieldKind::Textarea => view! {
            <div class="form-group" class:form-group-error=invalid>
                <label for=id.clone()>{label}</label>
                {hint}
                {error}
                // Leptos writes a textarea's children unescaped, so the value goes in escaped by hand.
                <textarea
                    id=id
                    name=name
                    rows="5"
                    autocomplete="off"
                    required=required
                    aria-invalid=aria_invalid
                    aria-describedby=described_by
                    inner_html=textarea_content(value.as_deref().unwrap_or_default())
                ></textarea>
            </div>
        }
        .into_any(),
        FieldKind::Select => {
            // An empty first choice unless a value is chosen and the field must have one.
            let blank = (value.is_none() || !required).then(|| {
                let label = if required { "Choose an option" } else { "None" };
                view! { <option value="">{label}</option> }
            });
            let options = field
                .choices
                .into_iter()
                .map(|choice| {
                    let selected = value.as_deref() == Some(choice.value.as_str());
                    view! { <option value=choice.value selected=selected>{choice.label}</option> }
                })
                .collect_view();
            view! {
                <div class="form-group" class:form-group-error=invalid>
                    <label for=id.clone()>{label}</label>
                    {hint}
                    {error}
                    <select
                        id=id
                        name=name
                        required=required
                        aria-invalid=aria_invalid
                        aria-describedby=described_by
                    >
                        {blank}
                        {options}
                    </select>
                </div>
            }
            .into_any()
        }
        kind => {
            let (input_type, input_mode, spellcheck) = match kind {
                FieldKind::Email => ("email", None, Some("false")),
                FieldKind::Url => ("url", None, Some("false")),
                FieldKind::Number => ("text", Some("decimal"), Some("false")),
                FieldKind::Date => ("date", None, None),
                _ => ("text", None, None),
            };
            view! {
                <div class="form-group" class:form-group-error=invalid>
                    <label for=id.clone()>{label}</label>
                    {hint}
                    {error}
                    <input
                        id=id
                        name=name
                        type=input_type
                        inputmode=input_mode
                        spellcheck=spellcheck
                        autocomplete="off"
                        value=value
                        required=required
                        aria-invalid=aria_invalid
                        aria-describedby=described_by
                    />
                </div>
            }
            .into_any()
        }
    }
}

// ----- tables -----

fn table_view(ctx: &PageContext, mut table: Table) -> AnyView {
    let sort = plugin_ui::apply_sort(&mut table, &ctx.query);
    let dom_id = format!("table-{}", id_safe(&table.id));
    let caption_id = format!("{dom_id}-caption");
    let caption_id_ref = caption_id.clone();
    let n_columns = table.columns.len().max(1);
    let headers = table
        .columns
        .iter()
        .enumerate()
        .map(|(i, column)| {
            let sorted = sort.filter(|(c, _)| *c == i).map(|(_, d)| d);
            let aria_sort = sorted.map(Direction::aria);
            let label = column.label.clone();
            let content = if column.sortable {
                let next = sorted.map_or(Direction::Ascending, Direction::reversed);
                let href = plugin_ui::sort_href(
                    &ctx.plugin,
                    &ctx.page,
                    &ctx.query,
                    &table.id,
                    i,
                    next,
                );
                let indicator = match sorted {
                    Some(Direction::Ascending) => "▲",
                    Some(Direction::Descending) => "▼",
                    None => "↕",
                };
                let hint = match next {
                    Direction::Ascending => ", sort ascending",
                    Direction::Descending => ", sort descending",
                };
                view! {
                    <a class="sort-link" href=href>
                        {label}
                        <span class="visually-hidden">{hint}</span>
                        <span class="sort-indicator" aria-hidden="true">{indicator}</span>
                    </a>
                }
                .into_any()
            } else {
                view! { {label} }.into_any()
            };
            view! {
                <th scope="col" class=column.numeric.then_some("numeric") aria-sort=aria_sort>{content}</th>
            }
        })
        .collect_view();
    let numeric: Vec<bool> = table.columns.iter().map(|c| c.numeric).collect();
    let rows = if table.rows.is_empty() {
        view! { <tr><td colspan=n_columns.to_string()>"Nothing to show yet."</td></tr> }.into_any()
    } else {
        table
            .rows
            .into_iter()
            .map(|row| {
                let mut cells = row.into_iter();
                let cells = numeric
                    .iter()
                    .map(|&numeric| {
                        let cell = cells.next();
                        let content = cell.map(|cell| {
                            let text = match cell.link {
                                Some(href) => link_or_text(ctx, cell.text, &href),
                                None => view! { {cell.text} }.into_any(),
                            };
                            match cell.tone {
                                Some(tone) => {
                                    view! { <span class=tone_class("badge", tone)>{text}</span> }
                                        .into_any()
                                }
                                None => text,
                            }
                        });
                        view! { <td class=numeric.then_some("numeric")>{content}</td> }
                    })
                    .collect_view();
                view! { <tr>{cells}</tr> }
            })
            .collect_view()
            .into_any()
    };
    let csv = table.csv_export.then(|| {
        let href = plugin_ui::csv_url(&ctx.plugin, &ctx.page, &table.id, &ctx.query);
        let label = format!("Download “{}” as a spreadsheet (CSV)", table.caption);
        view! { <p class="table-actions"><a href=href download>{label}</a></p> }
    });
    view! {
        <div class="table-wrap" role="region" aria-labelledby=caption_id_ref tabindex="0">
            <table class="table plugin-table" id=dom_id>
                <caption id=caption_id class="table-caption">{table.caption}</caption>
                <thead><tr>{headers}</tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        {csv}
    }
    .into_any()
}

// ----- timelines -----

fn timeline_view(ctx: &PageContext, entries: Vec<TimelineEntry>) -> AnyView {
    view! {
        <ol class="timeline">
            {entries.into_iter().map(|entry| {
                let body = entry
                    .body_markdown
                    .filter(|body| !body.trim().is_empty())
                    .map(|body| view! { <div class="markdown" inner_html=ctx.markdown(&body)></div> });
                view! {
                    <li class=tone_class("timeline-entry", entry.tone)>
                        <p class="timeline-time">
                            <time datetime=plugin_ui::iso_datetime(entry.at)>{plugin_ui::display_datetime(entry.at)}</time>
                        </p>
                        <p class="timeline-title">
                            <span class="visually-hidden">{tone_prefix(entry.tone)}</span>
                            {entry.title}
                        </p>
                        {body}
                    </li>
                }
            }).collect_view()}
        </ol>
    }
    .into_any()
}

// ----- charts -----

fn coordinate(value: f64) -> String {
    format!("{value:.1}")
}

pub(super) fn chart_view(index: usize, chart: Chart) -> AnyView {
    let geometry = plugin_ui::chart_geometry(&chart);
    let summary = plugin_ui::chart_summary(&chart);
    let (left, top, width, height) = geometry.plot;
    let view_box = format!("0 0 {} {}", geometry.width, geometry.height);
    let grid = geometry
        .ticks
        .iter()
        .map(|tick| {
            view! {
                <line
                    class="chart-grid"
                    x1=coordinate(left)
                    x2=coordinate(left + width)
                    y1=coordinate(tick.y)
                    y2=coordinate(tick.y)
                />
                <text
                    class="chart-tick"
                    x=coordinate(left - 8.0)
                    y=coordinate(tick.y)
                    text-anchor="end"
                    dominant-baseline="middle"
                >
                    {tick.label.clone()}
                </text>
            }
        })
        .collect_view();
    let categories = geometry
        .categories
        .iter()
        .map(|label| {
            view! {
                <text class="chart-category" x=coordinate(label.x) y=coordinate(top + height + 22.0) text-anchor="middle">
                    {label.text.clone()}
                </text>
            }
        })
        .collect_view();
    let unit_label = chart.unit.clone().map(|unit| {
        let transform = format!(
            "translate(16 {}) rotate(-90)",
            coordinate(top + height / 2.0)
        );
        view! { <text class="chart-unit" transform=transform text-anchor="middle">{unit}</text> }
    });
    let bars = geometry
        .bars
        .iter()
        .map(|bar| {
            view! {
                <rect
                    x=coordinate(bar.x)
                    y=coordinate(bar.y)
                    width=coordinate(bar.width)
                    height=coordinate(bar.height)
                    fill=plugin_ui::series_colour(bar.series)
                    stroke="#ffffff"
                    stroke-width="1"
                />
            }
        })
        .collect_view();
    let lines = geometry
        .lines
        .iter()
        .map(|line| {
            let colour = plugin_ui::series_colour(line.series);
            let dash = plugin_ui::series_dash(line.series);
            line.runs
                .iter()
                .map(|run| {
                    let points = run
                        .iter()
                        .map(|(x, y)| format!("{},{}", coordinate(*x), coordinate(*y)))
                        .collect::<Vec<_>>()
                        .join(" ");
                    let markers = run
                        .iter()
                        .map(|(x, y)| {
                            view! { <circle cx=coordinate(*x) cy=coordinate(*y) r="4" fill=colour /> }
                        })
                        .collect_view();
                    view! {
                        <polyline
                            points=points
                            fill="none"
                            stroke=colour
                            stroke-width="3"
                            stroke-dasharray=dash
                        />
                        {markers}
                    }
                })
                .collect_view()
        })
        .collect_view();
    let axes = view! {
        <line class="chart-axis" x1=coordinate(left) x2=coordinate(left) y1=coordinate(top) y2=coordinate(top + height) />
        <line
            class="chart-axis"
            x1=coordinate(left)
            x2=coordinate(left + width)
            y1=coordinate(geometry.baseline)
            y2=coordinate(geometry.baseline)
        />
    };
    let is_line = chart.kind == ChartKind::Line;
    let legend = chart
        .series
        .iter()
        .enumerate()
        .map(|(i, series)| {
            let colour = plugin_ui::series_colour(i);
            let swatch = if is_line {
                view! {
                    <svg class="legend-swatch" viewBox="0 0 28 14" width="28" height="14" aria-hidden="true" focusable="false">
                        <line x1="0" y1="7" x2="28" y2="7" stroke=colour stroke-width="3" stroke-dasharray=plugin_ui::series_dash(i) />
                        <circle cx="14" cy="7" r="4" fill=colour />
                    </svg>
                }
                .into_any()
            } else {
                view! {
                    <svg class="legend-swatch" viewBox="0 0 14 14" width="14" height="14" aria-hidden="true" focusable="false">
                        <rect x="0" y="0" width="14" height="14" fill=colour />
                    </svg>
                }
                .into_any()
            };
            view! { <li>{swatch}{series.name.clone()}</li> }
        })
        .collect_view();
    let caption_id = format!("chart-{index}-data");
    let scroll_label = format!("Chart: {}", chart.title);
    let data_table = chart_data_table(&chart, caption_id.clone());
    view! {
        <figure class="chart">
            <figcaption class="chart-title">{chart.title.clone()}</figcaption>
            // On narrow screens the chart keeps a readable size and scrolls sideways in its own region.
            <div class="chart-scroll" role="region" aria-label=scroll_label tabindex="0">
                <svg class="chart-svg" viewBox=view_box role="img" aria-label=summary focusable="false">
                    {grid}
                    {bars}
                    {lines}
                    {axes}
                    {categories}
                    {unit_label}
                </svg>
            </div>
            <ul class="chart-legend">{legend}</ul>
            <details class="chart-data">
                <summary>
                    "Show the data"
                    <span class="visually-hidden">{format!(" of “{}”", chart.title)}</span>
                </summary>
                {data_table}
            </details>
        </figure>
    }
    .into_any()
}

/// The chart's numbers: a row per category, a column per series (and the total of stacked bars).
fn chart_data_table(chart: &Chart, caption_id: String) -> AnyView {
    let caption_id_ref = caption_id.clone();
    let stacked = chart.kind == ChartKind::StackedBar;
    let caption = match &chart.unit {
        Some(unit) => format!("{} ({unit})", chart.title),
        None => chart.title.clone(),
    };
    let headers = chart
        .series
        .iter()
        .map(|series| view! { <th scope="col" class="numeric">{series.name.clone()}</th> })
        .collect_view();
    let rows = chart
        .labels
        .iter()
        .enumerate()
        .map(|(category, label)| {
            let values: Vec<Option<f64>> = chart
                .series
                .iter()
                .map(|series| series.values.get(category).copied().filter(|v| v.is_finite()))
                .collect();
            let total: f64 = values.iter().flatten().sum();
            let cells = values
                .into_iter()
                .map(|value| {
                    let text = value.map_or_else(|| "–".to_owned(), plugin_ui::format_number);
                    view! { <td class="numeric">{text}</td> }
                })
                .collect_view();
            view! {
                <tr>
                    <th scope="row">{label.clone()}</th>
                    {cells}
                    {stacked.then(|| view! { <td class="numeric">{plugin_ui::format_number(total)}</td> })}
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-wrap" role="region" aria-labelledby=caption_id_ref tabindex="0">
            <table class="table">
                <caption id=caption_id class="table-caption">{caption}</caption>
                <thead>
                    <tr>
                        <th scope="col"><span class="visually-hidden">"Category"</span></th>
                        {headers}
                        {stacked.then(|| view! { <th scope="col" class="numeric">"Total"</th> })}
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}

// ----- the admin page -----

/// `/admin/plugins`: what is installed, and the switches this admin may use.
#[component]
pub(super) fn PluginsAdminPage() -> impl IntoView {
    let overview = Resource::new(|| (), |_| plugins_overview());
    let error = form_error::<SetPluginEnabled>().or_else(form_error::<SetPluginGrants>);
    let changed = ["saved", "enabled", "disabled"]
        .into_iter()
        .find_map(|key| query_param(key).map(|plugin| (key, plugin)));
    admin_only(move |info, _| {
        view! {
            <Title text="Plugins – Rampart" />
            <h1>"Plugins"</h1>
            <FormErrors error />
            <Suspense fallback=|| view! { <p>"Loading plugins…"</p> }>
                {move || {
                    let (csrf_token, changed) = (info.csrf_token.clone(), changed.clone());
                    Suspend::new(async move {
                        match overview.await {
                            Ok(overview) => view! { <PluginsOverviewView overview csrf_token changed /> }.into_any(),
                            Err(error) => view! { <ErrorPanel error /> }.into_any(),
                        }
                    })
                }}
            </Suspense>
        }
        .into_any()
    })
}

/// `(label, tone)` of a plugin's status.
fn status_badge(status: &str) -> (String, Tone) {
    match status {
        "enabled" => ("Enabled".to_owned(), Tone::Success),
        "disabled" => ("Disabled".to_owned(), Tone::Neutral),
        "suspended" => ("Suspended".to_owned(), Tone::Danger),
        other => (other.to_owned(), Tone::Neutral),
    }
}

#[component]
fn PluginsOverviewView(
    overview: PluginsOverview,
    csrf_token: String,
    /// `(saved|enabled|disabled, plugin name)` after a form went through.
    changed: Option<(&'static str, String)>,
) -> impl IntoView {
    let notice = changed.map(|(what, name)| {
        let title = overview
            .plugins
            .iter()
            .find(|p| p.name == name)
            .map_or(name.clone(), |p| p.title.clone());
        let message = match what {
            "enabled" => format!("{title} is now enabled."),
            "disabled" => format!("{title} is now disabled."),
            _ => format!("Your settings for {title} were saved."),
        };
        view! { <p class="notice" role="status">{message}</p> }
    });
    let intro = if overview.can_manage {
        "Plugins add pages and services to Rampart. Enabling one makes it available; each organisation then turns it on and chooses what it may do."
    } else {
        "Plugins add pages and services to Rampart. Turn one on for your organisation and choose what it may do."
    };
    if overview.plugins.is_empty() {
        return view! {
            {notice}
            <p>{intro}</p>
            <p>"No plugins are installed."</p>
        }
        .into_any();
    }
    let organisation = overview.organisation_id.map(|_| {
        overview
            .organisation_name
            .clone()
            .unwrap_or_else(|| "your organisation".to_owned())
    });
    let rows = overview
        .plugins
        .iter()
        .map(|plugin| {
            let (status, tone) = status_badge(&plugin.status);
            view! {
                <tr>
                    <th scope="row"><a href=format!("#plugin-{}", id_safe(&plugin.name))>{plugin.title.clone()}</a></th>
                    <td>{plugin.version.clone()}</td>
                    <td>{plugin.api_version.clone()}</td>
                    <td><span class=tone_class("badge", tone)>{status}</span></td>
                    {organisation.is_some().then(|| view! { <td>{if plugin.active { "On" } else { "Off" }}</td> })}
                </tr>
            }
        })
        .collect_view();
    let sections = overview
        .plugins
        .into_iter()
        .map(|plugin| {
            plugin_section(
                plugin,
                overview.can_manage,
                organisation.clone(),
                csrf_token.clone(),
            )
        })
        .collect_view();
    view! {
        {notice}
        <p>{intro}</p>
        <div class="table-wrap" role="region" aria-labelledby="plugins-caption" tabindex="0">
            <table class="table">
                <caption id="plugins-caption" class="visually-hidden">"Installed plugins"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Plugin"</th>
                        <th scope="col">"Version"</th>
                        <th scope="col">"Plugin API"</th>
                        <th scope="col">"Status"</th>
                        {organisation.clone().map(|name| view! { <th scope="col">{format!("In {name}")}</th> })}
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        {sections}
    }
    .into_any()
}

fn plugin_section(
    plugin: InstalledPluginView,
    can_manage: bool,
    organisation: Option<String>,
    csrf_token: String,
) -> AnyView {
    let key = id_safe(&plugin.name);
    let section_id = format!("plugin-{key}");
    let heading_id = format!("{section_id}-heading");
    let heading_id_ref = heading_id.clone();
    let (status, tone) = status_badge(&plugin.status);
    let enabled = plugin.status == "enabled";
    let pages = if plugin.pages.is_empty() {
        view! { "None" }.into_any()
    } else {
        view! {
            <ul class="link-list">
                {plugin.pages.iter().map(|page| {
                    let href = page.href.clone();
                    let local = href.starts_with('/') && !href.starts_with("//");
                    let label = page.label.clone();
                    if local {
                        view! { <li><a href=href>{label}</a></li> }.into_any()
                    } else {
                        view! { <li>{label}</li> }.into_any()
                    }
                }).collect_view()}
            </ul>
        }
        .into_any()
    };
    let manage = can_manage.then(|| {
        let (label, class) = if enabled {
            ("Disable", "button secondary")
        } else {
            ("Enable", "button")
        };
        let hint = if enabled {
            "Disabling stops it for every organisation."
        } else {
            "Enabling makes it available; each organisation still turns it on."
        };
        view! {
            <form method="post" action=SetPluginEnabled::url() class="plugin-switch">
                <input type="hidden" name="csrf_token" value=csrf_token.clone() />
                <input type="hidden" name="plugin" value=plugin.name.clone() />
                <input type="hidden" name="enabled" value=(!enabled).to_string() />
                <p class="hint">{hint}</p>
                <button type="submit" class=class>
                    {label}
                    <span class="visually-hidden">{format!(" {}", plugin.title)}</span>
                </button>
            </form>
        }
    });
    let grants = organisation
        .map(|organisation| grants_form(&plugin, &key, enabled, organisation, csrf_token.clone()));
    let failures = (!plugin.recent_failures.is_empty()).then(|| {
        let caption_id = format!("{section_id}-failures");
        let caption_id_ref = caption_id.clone();
        view! {
            <div class="table-wrap" role="region" aria-labelledby=caption_id_ref tabindex="0">
                <table class="table table-small">
                    <caption id=caption_id class="table-caption">"Recent failures"</caption>
                    <thead><tr><th scope="col">"Time (UTC)"</th><th scope="col">"What happened"</th></tr></thead>
                    <tbody>
                        {plugin.recent_failures.iter().map(|(at, what)| view! {
                            <tr><td>{plugin_ui::table_datetime(*at)}</td><td>{what.clone()}</td></tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        }
    });
    view! {
        <section class="panel plugin-admin" id=section_id aria-labelledby=heading_id_ref>
            <h2 id=heading_id>{plugin.title.clone()}</h2>
            <p>{plugin.description.clone()}</p>
            <dl class="summary-list">
                <div><dt>"Name"</dt><dd><code>{plugin.name.clone()}</code></dd></div>
                <div><dt>"Version"</dt><dd>{plugin.version.clone()}</dd></div>
                <div><dt>"Plugin API"</dt><dd>{plugin.api_version.clone()}</dd></div>
                <div>
                    <dt>"Status"</dt>
                    <dd>
                        <span class=tone_class("badge", tone)>{status}</span>
                        {plugin.status_reason.clone().map(|reason| view! { <p class="hint status-reason">{reason}</p> })}
                    </dd>
                </div>
                <div><dt>"Pages"</dt><dd>{pages}</dd></div>
            </dl>
            {manage}
            {grants}
            {failures}
        </section>
    }
    .into_any()
}

/// The organisation admin's form: on or off for the organisation, and a box per requested capability.
/// Posts `csrf_token`, `plugin`, `active=true` (when ticked) and `capabilities[]=<name>` per ticked box.
fn grants_form(
    plugin: &InstalledPluginView,
    key: &str,
    enabled: bool,
    organisation: String,
    csrf_token: String,
) -> AnyView {
    let active_id = format!("plugin-{key}-active");
    let hint_id = format!("plugin-{key}-capabilities-hint");
    let hint_id_ref = hint_id.clone();
    let capabilities = if plugin.capabilities.is_empty() {
        view! { <p>"It asks for no capabilities."</p> }.into_any()
    } else {
        view! {
            <fieldset class="form-group" aria-describedby=hint_id_ref>
                <legend>"Allow it to"</legend>
                <p class="hint" id=hint_id>"It can do only what is ticked here."</p>
                {plugin.capabilities.iter().map(|capability| {
                    let id = format!("plugin-{key}-capability-{}", id_safe(&capability.name));
                    view! {
                        <div class="checkbox">
                            <input
                                type="checkbox"
                                id=id.clone()
                                name="capabilities[]"
                                value=capability.name.clone()
                                checked=capability.granted
                            />
                            <label for=id>
                                {capability.description.clone()}
                                " "
                                <code class="capability-name">{capability.name.clone()}</code>
                            </label>
                        </div>
                    }
                }).collect_view()}
            </fieldset>
        }
        .into_any()
    };
    let switched_off = (!enabled).then(|| {
        view! {
            <p class="hint">
                "This plugin is not enabled at the moment; what you choose here applies once it is."
            </p>
        }
    });
    view! {
        <form method="post" action=SetPluginGrants::url() class="plugin-grants">
            <h3>{format!("In {organisation}")}</h3>
            {switched_off}
            <input type="hidden" name="csrf_token" value=csrf_token />
            <input type="hidden" name="plugin" value=plugin.name.clone() />
            <div class="form-group">
                <div class="checkbox">
                    <input type="checkbox" id=active_id.clone() name="active" value="true" checked=plugin.active />
                    <label for=active_id>{format!("Turn on for {organisation}")}</label>
                </div>
            </div>
            {capabilities}
            <button type="submit" class="button">
                "Save"
                <span class="visually-hidden">{format!(" settings for {}", plugin.title)}</span>
            </button>
        </form>
    }
    .into_any()
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;
    use plugin_api::views::{CapabilityView, MenuEntry};
    use plugin_api::{Badge, Cell, Choice, Column, FieldError, Link, Series, SummaryRow};

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn page(blocks: Vec<Block>) -> PluginPageData {
        PluginPageData {
            plugin: "broadcasts".into(),
            plugin_title: "Broadcasts".into(),
            page_id: "inbox".into(),
            page: plugin_api::Page {
                title: "Inbox".into(),
                blocks,
            },
            notice: None,
            form: None,
        }
    }

    fn render(data: PluginPageData, query: &[(&str, &str)]) -> String {
        let owner = Owner::new();
        owner.with(|| {
            let query = pairs(query);
            view! { <PluginPageBody data csrf_token="csrf-1".to_owned() query /> }.to_html()
        })
    }

    fn field(name: &str, kind: FieldKind) -> PluginField {
        PluginField {
            name: name.into(),
            label: format!("The {name}"),
            hint: None,
            kind,
            required: false,
            max_length: None,
            value: None,
            choices: Vec::new(),
        }
    }

    #[test]
    fn the_page_has_its_title_caption_and_notice() {
        let mut data = page(vec![
            Block::Heading(Heading {
                level: 1,
                text: "Too high".into(),
            }),
            Block::Heading(Heading {
                level: 9,
                text: "Too deep".into(),
            }),
            Block::Text("Plain <b>text</b>".into()),
        ]);
        data.notice = Some("Saved".into());
        let html = render(data, &[]);
        assert!(
            html.contains(r#"<p class="page-caption">Broadcasts</p>"#),
            "{html}"
        );
        assert!(html.contains("<h1>Inbox</h1>"), "{html}");
        assert!(
            html.contains(r#"<p role="status" class="notice">Saved</p>"#),
            "{html}"
        );
        assert!(html.contains("<h2>Too high</h2>"), "{html}");
        assert!(html.contains("<h4>Too deep</h4>"), "{html}");
        assert!(html.contains("Plain &lt;b&gt;text&lt;/b&gt;"), "{html}");
        assert!(!html.contains("error-summary"), "{html}");
    }

    #[test]
    fn blocks_render_safely() {
        let html = render(
            page(vec![
                Block::Markdown("Hi <img src=x onerror=alert(1)> [next](sent)".into()),
                Block::Notice(Notice {
                    tone: Tone::Warning,
                    title: "Check".into(),
                    body_markdown: "**Now**".into(),
                }),
                Block::Badges(vec![Badge {
                    label: "Live".into(),
                    tone: Tone::Success,
                }]),
                Block::Summary(vec![SummaryRow {
                    key: "Sent".into(),
                    value: "3".into(),
                }]),
                Block::Links(vec![
                    Link {
                        label: "Sent".into(),
                        href: "sent?page=2".into(),
                    },
                    Link {
                        label: "NCSC".into(),
                        href: "https://www.ncsc.gov.uk".into(),
                    },
                    Link {
                        label: "Evil".into(),
                        href: "javascript:alert(1)".into(),
                    },
                ]),
                Block::Timeline(vec![TimelineEntry {
                    at: 1_772_355_900_000,
                    title: "Sent".into(),
                    body_markdown: Some("to *all*".into()),
                    tone: Tone::Danger,
                }]),
            ]),
            &[],
        );
        assert!(!html.contains("<img"), "{html}");
        assert!(
            html.contains(r#"<a href="/plugins/broadcasts/sent">next</a>"#),
            "{html}"
        );
        assert!(html.contains(r#"class="notice tone-warning""#), "{html}");
        assert!(html.contains("<strong>Now</strong>"), "{html}");
        assert!(
            html.contains(r#"<span class="badge tone-success">Live</span>"#),
            "{html}"
        );
        assert!(html.contains("<dt>Sent</dt><dd>3</dd>"), "{html}");
        assert!(
            html.contains(r#"<a href="/plugins/broadcasts/sent?page=2">Sent</a>"#),
            "{html}"
        );
        assert!(
            html.contains(r#"<a href="https://www.ncsc.gov.uk" rel="noopener">NCSC</a>"#),
            "{html}"
        );
        assert!(html.contains("<span>Evil</span>"), "{html}");
        assert!(!html.contains("javascript"), "{html}");
        assert!(
            html.contains(
                r#"<time datetime="2026-03-01T09:05:00Z">1 March 2026, 09:05 UTC</time>"#
            ),
            "{html}"
        );
        assert!(html.contains("timeline-entry tone-danger"), "{html}");
        assert!(html.contains("<em>all</em>"), "{html}");
    }

    fn form_page(echo: Option<FormEcho>) -> PluginPageData {
        let mut email = field("email", FieldKind::Email);
        email.required = true;
        email.hint = Some("Where replies go.".into());
        email.value = Some("old@example.org".into());
        let mut body = field("body", FieldKind::Textarea);
        body.max_length = Some(500);
        let mut urgency = field("urgency", FieldKind::Radio);
        urgency.choices = vec![
            Choice {
                value: "low".into(),
                label: "Low".into(),
            },
            Choice {
                value: "high".into(),
                label: "High".into(),
            },
        ];
        let mut team = field("team", FieldKind::Select);
        team.choices = vec![Choice {
            value: "soc".into(),
            label: "SOC".into(),
        }];
        let mut confirm = field("confirm", FieldKind::Checkbox);
        confirm.value = Some("true".into());
        let count = field("count", FieldKind::Number);
        let mut data = page(vec![Block::Form(Form {
            id: "compose".into(),
            title: Some("New broadcast".into()),
            fields: vec![email, body, urgency, team, confirm, count],
            submit_label: "Send".into(),
        })]);
        data.form = echo;
        data
    }

    #[test]
    fn forms_post_to_the_page_with_the_token() {
        let html = render(form_page(None), &[("org", "5"), ("notice", "Sent")]);
        assert!(
            html.contains(r#"<form id="form-compose" method="post" action="/plugins/broadcasts/inbox?form=compose&amp;org=5" novalidate>"#),
            "{html}"
        );
        assert!(
            html.contains(r#"<input type="hidden" name="csrf_token" value="csrf-1">"#),
            "{html}"
        );
        assert!(
            html.contains(r#"<input type="hidden" name="form_id" value="compose">"#),
            "{html}"
        );
        assert!(html.contains(r#"type="email""#), "{html}");
        assert!(html.contains(r#"value="old@example.org""#), "{html}");
        assert!(
            html.contains(r#"aria-describedby="field-email-hint""#),
            "{html}"
        );
        assert!(
            html.contains(r#"<p id="field-email-hint" class="hint">Where replies go.</p>"#),
            "{html}"
        );
        assert!(html.contains("Up to 500 characters."), "{html}");
        assert!(html.contains("(required)"), "{html}");
        assert!(html.contains("<legend>The urgency"), "{html}");
        assert!(
            html.contains(r#"type="radio" id="field-urgency" name="urgency" value="low""#),
            "{html}"
        );
        assert!(html.contains(r#"id="field-urgency-1""#), "{html}");
        assert!(html.contains(r#"<option value="">None</option>"#), "{html}");
        assert!(
            html.contains(
                r#"type="checkbox" id="field-confirm" name="confirm" value="true" checked"#
            ),
            "{html}"
        );
        assert!(html.contains(r#"inputmode="decimal""#), "{html}");
        assert!(html.contains(r#"autocomplete="off""#), "{html}");
        assert!(html.contains("<textarea"), "{html}");
    }

    #[test]
    fn a_refused_form_shows_its_errors_and_what_was_typed() {
        let echo = FormEcho {
            form_id: "compose".into(),
            values: pairs(&[
                ("email", "new@example"),
                ("body", "Hello <there></textarea><script>alert(1)</script>"),
                ("urgency", "high"),
                ("team", "soc"),
            ]),
            errors: vec![
                FieldError {
                    field: "email".into(),
                    message: "Enter a full email address".into(),
                },
                FieldError {
                    field: "other".into(),
                    message: "Something else".into(),
                },
            ],
        };
        let html = render(form_page(Some(echo)), &[]);
        assert!(html.contains(r#"<div role="alert" aria-labelledby="error-summary-title" tabindex="-1" autofocus class="error-summary">"#), "{html}");
        assert!(
            html.contains(r##"<a href="#field-email">Enter a full email address</a>"##),
            "{html}"
        );
        assert!(
            html.contains(r##"<a href="#form-compose">Something else</a>"##),
            "{html}"
        );
        assert!(html.contains(r#"value="new@example""#), "{html}");
        assert!(!html.contains("old@example.org"), "{html}");
        assert!(
            html.contains(r#"aria-describedby="field-email-hint field-email-error""#),
            "{html}"
        );
        assert!(html.contains(r#"aria-invalid="true""#), "{html}");
        assert!(html.contains("form-group-error"), "{html}");
        assert!(
            html.contains(">Hello &lt;there&gt;&lt;/textarea&gt;&lt;script&gt;alert(1)&lt;/script&gt;</textarea>"),
            "{html}"
        );
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<there>"), "{html}");
        assert!(html.contains(r#"value="high" checked"#), "{html}");
        assert!(html.contains(r#"<option value="soc" selected"#), "{html}");
        assert!(
            !html.contains(r#"name="confirm" value="true" checked"#),
            "an unticked box stays unticked: {html}"
        );
    }

    #[test]
    fn shared_field_names_get_ids_per_form() {
        let form = |id: &str| {
            Block::Form(Form {
                id: id.into(),
                title: None,
                fields: vec![field("name", FieldKind::Text)],
                submit_label: String::new(),
            })
        };
        let html = render(page(vec![form("a"), form("b")]), &[]);
        assert!(html.contains(r#"id="field-a-name""#), "{html}");
        assert!(html.contains(r#"id="field-b-name""#), "{html}");
        assert!(html.contains(">Continue</button>"), "{html}");
    }

    fn cell(text: &str) -> Cell {
        Cell {
            text: text.into(),
            link: None,
            sort_key: None,
            tone: None,
        }
    }

    fn table_page() -> PluginPageData {
        let mut linked = cell("Leeds");
        linked.link = Some("org?id=1".into());
        let mut toned = cell("Late");
        toned.tone = Some(Tone::Danger);
        page(vec![Block::Table(Table {
            id: "orgs".into(),
            caption: "Organisations".into(),
            columns: vec![
                Column {
                    label: "Name".into(),
                    numeric: false,
                    sortable: true,
                },
                Column {
                    label: "Staff".into(),
                    numeric: true,
                    sortable: true,
                },
                Column {
                    label: "State".into(),
                    numeric: false,
                    sortable: false,
                },
            ],
            rows: vec![
                vec![linked, cell("9"), toned],
                vec![cell("York"), cell("120"), cell("Fine")],
            ],
            csv_export: true,
        })])
    }

    #[test]
    fn tables_sort_on_the_server_through_links() {
        let html = render(table_page(), &[("sort", "orgs.1.desc"), ("q", "x")]);
        assert!(
            html.contains(r#"role="region" aria-labelledby="table-orgs-caption" tabindex="0""#),
            "{html}"
        );
        assert!(
            html.contains(
                r#"<caption id="table-orgs-caption" class="table-caption">Organisations</caption>"#
            ),
            "{html}"
        );
        assert!(html.contains(r#"aria-sort="descending""#), "{html}");
        assert_eq!(html.matches("aria-sort").count(), 1, "{html}");
        // Sorted by staff, descending: York (120) before Leeds (9).
        assert!(
            html.find("York").unwrap() < html.find("Leeds").unwrap(),
            "{html}"
        );
        assert!(
            html.contains(r#"href="/plugins/broadcasts/inbox?q=x&amp;sort=orgs.1.asc""#),
            "{html}"
        );
        assert!(
            html.contains(r#"href="/plugins/broadcasts/inbox?q=x&amp;sort=orgs.0.asc""#),
            "{html}"
        );
        assert!(
            !html.contains("orgs.2."),
            "the State column is not sortable: {html}"
        );
        assert!(
            html.contains(r#"<a href="/plugins/broadcasts/org?id=1">Leeds</a>"#),
            "{html}"
        );
        assert!(
            html.contains(r#"<span class="badge tone-danger">Late</span>"#),
            "{html}"
        );
        assert!(html.contains(r#"class="numeric""#), "{html}");
        assert!(
            html.contains(r#"href="/plugins/broadcasts/inbox/orgs.csv?sort=orgs.1.desc&amp;q=x""#),
            "{html}"
        );
        let unsorted = render(table_page(), &[]);
        assert!(unsorted.find("Leeds").unwrap() < unsorted.find("York").unwrap());
        assert!(!unsorted.contains("aria-sort"));
    }

    #[test]
    fn charts_are_labelled_svg_with_their_data() {
        let html = render(
            page(vec![Block::Chart(Chart {
                title: "Completions".into(),
                kind: ChartKind::StackedBar,
                labels: vec!["Jan".into(), "Feb".into()],
                series: vec![
                    Series {
                        name: "Passed".into(),
                        values: vec![3.0, 4.0],
                    },
                    Series {
                        name: "Failed".into(),
                        values: vec![1.0, 2.5],
                    },
                ],
                unit: Some("people".into()),
            })]),
            &[],
        );
        assert!(
            html.contains(r#"<figcaption class="chart-title">Completions</figcaption>"#),
            "{html}"
        );
        assert!(
            html.contains(r#"role="img" aria-label="Stacked bar chart: Completions."#),
            "{html}"
        );
        assert!(html.contains("<rect"), "{html}");
        assert!(html.contains(r##"fill="#005eb8""##), "{html}");
        assert!(html.contains(r#"<ul class="chart-legend">"#), "{html}");
        assert!(html.contains("<summary>Show the data"), "{html}");
        assert!(
            html.contains(
                r#"<caption id="chart-0-data" class="table-caption">Completions (people)</caption>"#
            ),
            "{html}"
        );
        assert!(
            html.contains(r#"<td class="numeric">6.5</td>"#),
            "the total: {html}"
        );
        assert!(html.contains(">people</text>"), "{html}");
    }

    fn overview(can_manage: bool) -> PluginsOverview {
        PluginsOverview {
            plugins: vec![InstalledPluginView {
                name: "broadcasts".into(),
                title: "Broadcasts".into(),
                version: "1.2.0".into(),
                api_version: "0.2.0".into(),
                description: "Warnings to every organisation.".into(),
                status: "suspended".into(),
                status_reason: Some("Trapped 3 times in an hour".into()),
                capabilities: vec![
                    CapabilityView {
                        name: "events.publish".into(),
                        description: "Publish events inside your organisation".into(),
                        granted: true,
                    },
                    CapabilityView {
                        name: "notify.email".into(),
                        description: "Email your staff through Rampart".into(),
                        granted: false,
                    },
                ],
                active: true,
                pages: vec![MenuEntry {
                    href: "/plugins/broadcasts/inbox".into(),
                    label: "Inbox".into(),
                }],
                recent_failures: vec![(1_772_355_900, "trap: unreachable".into())],
            }],
            can_manage,
            organisation_id: Some(3),
            organisation_name: Some("Leeds Teaching Hospitals".into()),
        }
    }

    fn render_overview(overview: PluginsOverview) -> String {
        let owner = Owner::new();
        owner.with(|| {
            view! {
                <PluginsOverviewView
                    overview
                    csrf_token="csrf-1".to_owned()
                    changed=Some(("saved", "broadcasts".to_owned()))
                />
            }
            .to_html()
        })
    }

    #[test]
    fn organisation_admins_choose_activation_and_capabilities() {
        let html = render_overview(overview(false));
        assert!(
            html.contains("Your settings for Broadcasts were saved."),
            "{html}"
        );
        assert!(
            html.contains(r#"<span class="badge tone-danger">Suspended</span>"#),
            "{html}"
        );
        assert!(html.contains("Trapped 3 times in an hour"), "{html}");
        assert!(
            html.contains(r#"action="/api/set_plugin_grants""#),
            "{html}"
        );
        assert!(!html.contains("/api/set_plugin_enabled"), "{html}");
        assert!(
            html.contains(r#"name="active" value="true" checked"#),
            "{html}"
        );
        assert!(
            html.contains("Turn on for Leeds Teaching Hospitals"),
            "{html}"
        );
        assert!(
            html.contains(r#"name="capabilities[]" value="events.publish" checked"#),
            "{html}"
        );
        assert!(
            html.contains(r#"name="capabilities[]" value="notify.email">"#),
            "{html}"
        );
        assert!(html.contains("Email your staff through Rampart"), "{html}");
        assert!(
            html.contains(r#"<a href="/plugins/broadcasts/inbox">Inbox</a>"#),
            "{html}"
        );
        assert!(html.contains("2026-03-01 09:05:00"), "{html}");
        assert!(html.contains("trap: unreachable"), "{html}");
        assert!(
            html.contains(r#"<input type="hidden" name="csrf_token" value="csrf-1">"#),
            "{html}"
        );
    }

    #[test]
    fn platform_admins_enable_and_disable() {
        let html = render_overview(overview(true));
        assert!(
            html.contains(r#"action="/api/set_plugin_enabled""#),
            "{html}"
        );
        assert!(
            html.contains(r#"name="enabled" value="true""#),
            "suspended, so the button enables: {html}"
        );
        assert!(html.contains(">Enable<"), "{html}");
    }
}
