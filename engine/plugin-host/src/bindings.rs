//! One bindings module per released `rampart:plugin` version, kept side by side (as Zed's extension
//! host does). The host logic is written once against the newest version; the types of older versions
//! are the newest ones (mapped with `with:`), and their host functions forward to the newest ones.

/// `rampart:plugin@0.3.0`: the newest version, which the host logic implements.
pub mod latest {
    wasmtime::component::bindgen!({
        path: "../../plugins/wit/0.3.0",
        world: "rampart-plugin",
        imports: { default: async },
        exports: { default: async },
    });

    pub use self::rampart::plugin::types::*;
}

/// `rampart:plugin@0.2.0`: same types; no `events.publish-to-platform`, no `training`.
pub mod v0_2_0 {
    wasmtime::component::bindgen!({
        path: "../../plugins/wit/0.2.0",
        world: "rampart-plugin",
        imports: { default: async },
        exports: { default: async },
        with: {
            "rampart:plugin/types@0.2.0": super::latest::rampart::plugin::types,
        },
    });
}

/// `rampart:plugin@0.1.0`: the first release. Same types, no `storage.count`.
pub mod v0_1_0 {
    wasmtime::component::bindgen!({
        path: "../../plugins/wit/0.1.0",
        world: "rampart-plugin",
        imports: { default: async },
        exports: { default: async },
        with: {
            "rampart:plugin/types@0.1.0": super::latest::rampart::plugin::types,
        },
    });
}

/// The API versions this host runs, newest first.
pub const SUPPORTED_VERSIONS: &[&str] = &["0.3.0", "0.2.0", "0.1.0"];

/// The API version a component was built against, read from the name of the `plugin` interface it
/// exports (`rampart:plugin/plugin@0.1.0`). Chosen before linking, because a mismatch otherwise surfaces
/// as a confusing link error.
pub fn exported_api_version<'a>(export_names: impl IntoIterator<Item = &'a str>) -> Option<String> {
    export_names
        .into_iter()
        .find_map(|name| name.strip_prefix("rampart:plugin/plugin@"))
        .map(str::to_owned)
}

mod convert {
    use super::latest as wit;
    use plugin_api as api;

    impl From<wit::Tone> for api::Tone {
        fn from(tone: wit::Tone) -> Self {
            match tone {
                wit::Tone::Neutral => api::Tone::Neutral,
                wit::Tone::Info => api::Tone::Info,
                wit::Tone::Success => api::Tone::Success,
                wit::Tone::Warning => api::Tone::Warning,
                wit::Tone::Danger => api::Tone::Danger,
            }
        }
    }

    impl From<wit::PageInfo> for api::PageInfo {
        fn from(page: wit::PageInfo) -> Self {
            api::PageInfo {
                id: page.id,
                title: page.title,
                roles: page.roles,
                in_menu: page.in_menu,
            }
        }
    }

    impl From<wit::PluginInfo> for api::PluginInfo {
        fn from(info: wit::PluginInfo) -> Self {
            api::PluginInfo {
                name: info.name,
                version: info.version,
                title: info.title,
                description: info.description,
                capabilities: info.capabilities,
                pages: info.pages.into_iter().map(Into::into).collect(),
                subscriptions: info.subscriptions,
                tick_seconds: info.tick_seconds,
            }
        }
    }

    impl From<wit::FieldKind> for api::FieldKind {
        fn from(kind: wit::FieldKind) -> Self {
            match kind {
                wit::FieldKind::Text => api::FieldKind::Text,
                wit::FieldKind::Textarea => api::FieldKind::Textarea,
                wit::FieldKind::Email => api::FieldKind::Email,
                wit::FieldKind::Url => api::FieldKind::Url,
                wit::FieldKind::Number => api::FieldKind::Number,
                wit::FieldKind::Date => api::FieldKind::Date,
                wit::FieldKind::Select => api::FieldKind::Select,
                wit::FieldKind::Radio => api::FieldKind::Radio,
                wit::FieldKind::Checkbox => api::FieldKind::Checkbox,
            }
        }
    }

    impl From<wit::Field> for api::Field {
        fn from(field: wit::Field) -> Self {
            api::Field {
                name: field.name,
                label: field.label,
                hint: field.hint,
                kind: field.kind.into(),
                required: field.required,
                max_length: field.max_length,
                value: field.value,
                choices: field
                    .choices
                    .into_iter()
                    .map(|choice| api::Choice {
                        value: choice.value,
                        label: choice.label,
                    })
                    .collect(),
            }
        }
    }

    impl From<wit::Cell> for api::Cell {
        fn from(cell: wit::Cell) -> Self {
            api::Cell {
                text: cell.text,
                link: cell.link,
                sort_key: cell.sort_key,
                tone: cell.tone.map(Into::into),
            }
        }
    }

    impl From<wit::Table> for api::Table {
        fn from(table: wit::Table) -> Self {
            api::Table {
                id: table.id,
                caption: table.caption,
                columns: table
                    .columns
                    .into_iter()
                    .map(|column| api::Column {
                        label: column.label,
                        numeric: column.numeric,
                        sortable: column.sortable,
                    })
                    .collect(),
                rows: table
                    .rows
                    .into_iter()
                    .map(|row| row.into_iter().map(Into::into).collect())
                    .collect(),
                csv_export: table.csv_export,
            }
        }
    }

    impl From<wit::Chart> for api::Chart {
        fn from(chart: wit::Chart) -> Self {
            api::Chart {
                title: chart.title,
                kind: match chart.kind {
                    wit::ChartKind::Bar => api::ChartKind::Bar,
                    wit::ChartKind::StackedBar => api::ChartKind::StackedBar,
                    wit::ChartKind::Line => api::ChartKind::Line,
                },
                labels: chart.labels,
                series: chart
                    .series
                    .into_iter()
                    .map(|series| api::Series {
                        name: series.name,
                        values: series.values,
                    })
                    .collect(),
                unit: chart.unit,
            }
        }
    }

    impl From<wit::Block> for api::Block {
        fn from(block: wit::Block) -> Self {
            match block {
                wit::Block::Heading(heading) => api::Block::Heading(api::Heading {
                    level: heading.level,
                    text: heading.text,
                }),
                wit::Block::Text(text) => api::Block::Text(text),
                wit::Block::Markdown(text) => api::Block::Markdown(text),
                wit::Block::Notice(notice) => api::Block::Notice(api::Notice {
                    tone: notice.tone.into(),
                    title: notice.title,
                    body_markdown: notice.body_markdown,
                }),
                wit::Block::Badges(badges) => api::Block::Badges(
                    badges
                        .into_iter()
                        .map(|badge| api::Badge {
                            label: badge.label,
                            tone: badge.tone.into(),
                        })
                        .collect(),
                ),
                wit::Block::Summary(rows) => api::Block::Summary(
                    rows.into_iter()
                        .map(|row| api::SummaryRow {
                            key: row.key,
                            value: row.value,
                        })
                        .collect(),
                ),
                wit::Block::Links(links) => api::Block::Links(
                    links
                        .into_iter()
                        .map(|link| api::Link {
                            label: link.label,
                            href: link.href,
                        })
                        .collect(),
                ),
                wit::Block::Form(form) => api::Block::Form(api::Form {
                    id: form.id,
                    title: form.title,
                    fields: form.fields.into_iter().map(Into::into).collect(),
                    submit_label: form.submit_label,
                }),
                wit::Block::Table(table) => api::Block::Table(table.into()),
                wit::Block::Timeline(entries) => api::Block::Timeline(
                    entries
                        .into_iter()
                        .map(|entry| api::TimelineEntry {
                            at: entry.at,
                            title: entry.title,
                            body_markdown: entry.body_markdown,
                            tone: entry.tone.into(),
                        })
                        .collect(),
                ),
                wit::Block::Chart(chart) => api::Block::Chart(chart.into()),
            }
        }
    }

    impl From<wit::Page> for api::Page {
        fn from(page: wit::Page) -> Self {
            api::Page {
                title: page.title,
                blocks: page.blocks.into_iter().map(Into::into).collect(),
            }
        }
    }

    impl From<wit::FormOutcome> for api::FormOutcome {
        fn from(outcome: wit::FormOutcome) -> Self {
            match outcome {
                wit::FormOutcome::Done((message, redirect)) => {
                    api::FormOutcome::Done { message, redirect }
                }
                wit::FormOutcome::Invalid(errors) => api::FormOutcome::Invalid(
                    errors
                        .into_iter()
                        .map(|error| api::FieldError {
                            field: error.field,
                            message: error.message,
                        })
                        .collect(),
                ),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_api_version_comes_from_the_exported_interface() {
        let exports = ["wasi:cli/run@0.2.6", "rampart:plugin/plugin@0.1.0"];
        assert_eq!(exported_api_version(exports).as_deref(), Some("0.1.0"));
        assert_eq!(exported_api_version(["wasi:cli/run@0.2.6"]), None);
    }
}
