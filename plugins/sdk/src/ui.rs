//! Building pages: free functions for the common blocks, builder methods on the records, and `From`
//! conversions into [`Block`] so [`Page::block`] takes a [`Form`], a [`Table`], a [`Chart`] … directly.

use crate::{
    Badge, Block, Cell, Chart, ChartKind, Choice, Column, Field, FieldKind, Form, Heading, Link,
    Notice, Page, Series, SummaryRow, Table, TimelineEntry, Tone,
};

impl Page {
    /// An empty page with a title (the browser's title and the page's main heading).
    pub fn new(title: impl Into<String>) -> Self {
        Page {
            title: title.into(),
            blocks: Vec::new(),
        }
    }

    /// Appends a block; takes anything that converts into one (a [`Form`], a [`Table`], [`heading`] …).
    pub fn block(mut self, block: impl Into<Block>) -> Self {
        self.blocks.push(block.into());
        self
    }

    /// Appends a block in place, for pages built in a loop.
    pub fn push(&mut self, block: impl Into<Block>) {
        self.blocks.push(block.into());
    }
}

/// A heading block; `level` 2 is a section under the page's title, 3 a subsection, up to 6.
pub fn heading(level: u8, text: impl Into<String>) -> Block {
    Block::Heading(Heading {
        level,
        text: text.into(),
    })
}

/// A paragraph of plain text (no markup).
pub fn text(text: impl Into<String>) -> Block {
    Block::Text(text.into())
}

/// Markdown (CommonMark; raw HTML is not rendered).
pub fn markdown(markdown: impl Into<String>) -> Block {
    Block::Markdown(markdown.into())
}

/// A callout box with a tone, a title and a Markdown body.
pub fn notice(tone: Tone, title: impl Into<String>, body_markdown: impl Into<String>) -> Block {
    Block::Notice(Notice {
        tone,
        title: title.into(),
        body_markdown: body_markdown.into(),
    })
}

/// A small label, for [`badges`].
pub fn badge(label: impl Into<String>, tone: Tone) -> Badge {
    Badge {
        label: label.into(),
        tone,
    }
}

/// A row of badges.
pub fn badges(badges: impl IntoIterator<Item = Badge>) -> Block {
    Block::Badges(badges.into_iter().collect())
}

/// A key/value list (`summary([("Learners", "12"), ("Completed", "9")])`).
pub fn summary<K: Into<String>, V: Into<String>>(rows: impl IntoIterator<Item = (K, V)>) -> Block {
    Block::Summary(
        rows.into_iter()
            .map(|(key, value)| SummaryRow {
                key: key.into(),
                value: value.into(),
            })
            .collect(),
    )
}

/// A link: `href` is a page id of this plugin (`page-id`, `page-id?x=1`, `?x=1` for the same page) or an
/// https URL.
pub fn link(label: impl Into<String>, href: impl Into<String>) -> Link {
    Link {
        label: label.into(),
        href: href.into(),
    }
}

/// A list of links.
pub fn links(links: impl IntoIterator<Item = Link>) -> Block {
    Block::Links(links.into_iter().collect())
}

/// An entry of a [`timeline`]; `at` is Unix milliseconds.
pub fn timeline_entry(at: i64, title: impl Into<String>, tone: Tone) -> TimelineEntry {
    TimelineEntry {
        at,
        title: title.into(),
        body_markdown: None,
        tone,
    }
}

/// A timeline.
pub fn timeline(entries: impl IntoIterator<Item = TimelineEntry>) -> Block {
    Block::Timeline(entries.into_iter().collect())
}

impl TimelineEntry {
    /// Adds a Markdown body under the entry's title.
    pub fn body(mut self, body_markdown: impl Into<String>) -> Self {
        self.body_markdown = Some(body_markdown.into());
        self
    }
}

// ----- forms -----

fn field(kind: FieldKind, name: impl Into<String>, label: impl Into<String>) -> Field {
    Field {
        name: name.into(),
        label: label.into(),
        hint: None,
        kind,
        required: false,
        max_length: None,
        value: None,
        choices: Vec::new(),
    }
}

/// A one-line text field (optional until [`Field::required`]).
pub fn field_text(name: impl Into<String>, label: impl Into<String>) -> Field {
    field(FieldKind::Text, name, label)
}

/// A multi-line text field.
pub fn field_textarea(name: impl Into<String>, label: impl Into<String>) -> Field {
    field(FieldKind::Textarea, name, label)
}

/// An email address field (the host checks the form of the address).
pub fn field_email(name: impl Into<String>, label: impl Into<String>) -> Field {
    field(FieldKind::Email, name, label)
}

/// A URL field (the host checks it is a URL).
pub fn field_url(name: impl Into<String>, label: impl Into<String>) -> Field {
    field(FieldKind::Url, name, label)
}

/// A number field (the host checks it parses as a number).
pub fn field_number(name: impl Into<String>, label: impl Into<String>) -> Field {
    field(FieldKind::Number, name, label)
}

/// A date field (`YYYY-MM-DD`; the host checks it).
pub fn field_date(name: impl Into<String>, label: impl Into<String>) -> Field {
    field(FieldKind::Date, name, label)
}

/// A drop-down list; the host only accepts one of the choices' values.
pub fn field_select(
    name: impl Into<String>,
    label: impl Into<String>,
    choices: impl IntoIterator<Item = Choice>,
) -> Field {
    Field {
        choices: choices.into_iter().collect(),
        ..field(FieldKind::Select, name, label)
    }
}

/// Radio buttons; the host only accepts one of the choices' values.
pub fn field_radio(
    name: impl Into<String>,
    label: impl Into<String>,
    choices: impl IntoIterator<Item = Choice>,
) -> Field {
    Field {
        choices: choices.into_iter().collect(),
        ..field(FieldKind::Radio, name, label)
    }
}

/// A checkbox (with [`Field::required`], it must be ticked).
pub fn field_checkbox(name: impl Into<String>, label: impl Into<String>) -> Field {
    field(FieldKind::Checkbox, name, label)
}

/// A choice of a select or radio field.
pub fn choice(value: impl Into<String>, label: impl Into<String>) -> Choice {
    Choice {
        value: value.into(),
        label: label.into(),
    }
}

impl Field {
    /// The host refuses the form while this field is empty.
    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }

    /// The host refuses values longer than `chars` characters.
    pub fn max_length(mut self, chars: u32) -> Self {
        self.max_length = Some(chars);
        self
    }

    /// A line of help under the field.
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// The value the field starts with.
    pub fn value(mut self, value: impl Into<String>) -> Self {
        self.value = Some(value.into());
        self
    }
}

impl Form {
    /// An empty form; `id` is passed back to [`Plugin::submit_form`](crate::Plugin::submit_form).
    pub fn new(id: impl Into<String>, submit_label: impl Into<String>) -> Self {
        Form {
            id: id.into(),
            title: None,
            fields: Vec::new(),
            submit_label: submit_label.into(),
        }
    }

    /// A heading above the form.
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    /// Appends a field.
    pub fn field(mut self, field: Field) -> Self {
        self.fields.push(field);
        self
    }
}

// ----- tables -----

/// A table with sortable text columns named `columns`, no CSV download.
pub fn table<S: Into<String>>(
    id: impl Into<String>,
    caption: impl Into<String>,
    columns: impl IntoIterator<Item = S>,
    rows: Vec<Vec<Cell>>,
) -> Table {
    Table {
        id: id.into(),
        caption: caption.into(),
        columns: columns
            .into_iter()
            .map(|label| Column {
                label: label.into(),
                numeric: false,
                sortable: true,
            })
            .collect(),
        rows,
        csv_export: false,
    }
}

/// A table cell with text only.
pub fn cell(text: impl Into<String>) -> Cell {
    Cell {
        text: text.into(),
        link: None,
        sort_key: None,
        tone: None,
    }
}

impl Table {
    /// An empty table: add columns and rows with the builder methods.
    pub fn new(id: impl Into<String>, caption: impl Into<String>) -> Self {
        table(id, caption, Vec::<String>::new(), Vec::new())
    }

    /// Appends a sortable text column.
    pub fn column(mut self, label: impl Into<String>) -> Self {
        self.columns.push(Column {
            label: label.into(),
            numeric: false,
            sortable: true,
        });
        self
    }

    /// Appends a sortable numeric column (right-aligned, sorted as numbers).
    pub fn numeric_column(mut self, label: impl Into<String>) -> Self {
        self.columns.push(Column {
            label: label.into(),
            numeric: true,
            sortable: true,
        });
        self
    }

    /// Appends a row (one cell per column).
    pub fn row(mut self, cells: impl IntoIterator<Item = Cell>) -> Self {
        self.rows.push(cells.into_iter().collect());
        self
    }

    /// Offers the table as a CSV download.
    pub fn csv_export(mut self) -> Self {
        self.csv_export = true;
        self
    }
}

impl Cell {
    /// Links the cell (same forms as [`link`]).
    pub fn link(mut self, href: impl Into<String>) -> Self {
        self.link = Some(href.into());
        self
    }

    /// Sorts by this key instead of the text (an ISO date, a zero-padded number …).
    pub fn sort_key(mut self, key: impl Into<String>) -> Self {
        self.sort_key = Some(key.into());
        self
    }

    /// Colours the cell.
    pub fn tone(mut self, tone: Tone) -> Self {
        self.tone = Some(tone);
        self
    }
}

impl From<&str> for Cell {
    fn from(text: &str) -> Self {
        cell(text)
    }
}

impl From<String> for Cell {
    fn from(text: String) -> Self {
        cell(text)
    }
}

// ----- charts -----

impl Chart {
    /// A chart of `kind` over the category `labels`; add one [`Chart::series`] per line or bar group.
    pub fn new<S: Into<String>>(
        kind: ChartKind,
        title: impl Into<String>,
        labels: impl IntoIterator<Item = S>,
    ) -> Self {
        Chart {
            title: title.into(),
            kind,
            labels: labels.into_iter().map(Into::into).collect(),
            series: Vec::new(),
            unit: None,
        }
    }

    /// Appends a series: one value per label.
    pub fn series(
        mut self,
        name: impl Into<String>,
        values: impl IntoIterator<Item = f64>,
    ) -> Self {
        self.series.push(Series {
            name: name.into(),
            values: values.into_iter().collect(),
        });
        self
    }

    /// The unit of the values (`%`, `learners` …).
    pub fn unit(mut self, unit: impl Into<String>) -> Self {
        self.unit = Some(unit.into());
        self
    }
}

// ----- into blocks -----

impl From<Heading> for Block {
    fn from(heading: Heading) -> Self {
        Block::Heading(heading)
    }
}

impl From<Notice> for Block {
    fn from(notice: Notice) -> Self {
        Block::Notice(notice)
    }
}

impl From<Form> for Block {
    fn from(form: Form) -> Self {
        Block::Form(form)
    }
}

impl From<Table> for Block {
    fn from(table: Table) -> Self {
        Block::Table(table)
    }
}

impl From<Chart> for Block {
    fn from(chart: Chart) -> Self {
        Block::Chart(chart)
    }
}

impl From<Vec<Badge>> for Block {
    fn from(badges: Vec<Badge>) -> Self {
        Block::Badges(badges)
    }
}

impl From<Vec<Link>> for Block {
    fn from(links: Vec<Link>) -> Self {
        Block::Links(links)
    }
}

impl From<Vec<SummaryRow>> for Block {
    fn from(rows: Vec<SummaryRow>) -> Self {
        Block::Summary(rows)
    }
}

impl From<Vec<TimelineEntry>> for Block {
    fn from(entries: Vec<TimelineEntry>) -> Self {
        Block::Timeline(entries)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_build() {
        let page = Page::new("T")
            .block(heading(2, "H"))
            .block(Form::new("f", "Go").field(field_text("a", "A").required().max_length(5)))
            .block(table("t", "C", ["x"], vec![vec![cell("1").sort_key("01")]]));
        assert_eq!(page.blocks.len(), 3);
        match &page.blocks[1] {
            Block::Form(form) => {
                assert!(form.fields[0].required);
                assert_eq!(form.fields[0].max_length, Some(5));
                assert_eq!(form.fields[0].kind, FieldKind::Text);
            }
            other => panic!("not a form: {other:?}"),
        }
        match &page.blocks[2] {
            Block::Table(table) => assert_eq!(table.rows[0][0].sort_key.as_deref(), Some("01")),
            other => panic!("not a table: {other:?}"),
        }
    }

    #[test]
    fn responses_build() {
        let response = crate::HttpResponse::json(201, &["a"]);
        assert_eq!(response.status, 201);
        assert_eq!(response.body_text(), r#"["a"]"#);
        assert_eq!(
            response.headers,
            vec![("content-type".to_string(), "application/json".to_string())]
        );
        assert_eq!(crate::HttpResponse::not_found().status, 404);
    }
}
