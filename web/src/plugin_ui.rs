//! Plugin pages without the markup: where a plugin's links go, how its tables sort, where a chart's bars
//! and lines fall, how times read, and its Markdown as safe HTML. Pure functions, tested here; the server
//! may reuse them (its CSV download of a plugin table sorts with [`apply_sort`], as the page does).
//!
//! URLs of plugin pages:
//! - the page: `/plugins/<plugin>/<page>`;
//! - a sorted table: the page's query plus `sort=<table-id>.<column index>.<asc|desc>` (one `sort` pair per
//!   table);
//! - a table's CSV: `/plugins/<plugin>/<page>/<table-id>.csv?<the page's query>`;
//! - a form post: `/plugins/<plugin>/<page>?form=<form-id>` followed by the page's own query pairs.

use std::cmp::Ordering;

use plugin_api::{Cell, Chart, ChartKind, Table};

/// Query keys the server owns on plugin pages (a form's echo, a one-off notice). Links built from the
/// page's query leave them out, so a notice is not shown again after sorting a table.
pub const SERVER_KEYS: &[&str] = &["form_state", "notice"];

/// The query key that sorts a table.
pub const SORT_KEY: &str = "sort";

// ----- URLs -----

/// `text` as one URL path segment: unreserved characters as they are, everything else percent-encoded.
pub fn path_segment(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// `/plugins/<plugin>/<page>`.
pub fn page_url(plugin: &str, page: &str) -> String {
    format!("/plugins/{}/{}", path_segment(plugin), path_segment(page))
}

/// The pairs of a raw query string (with or without the leading `?`), decoded, in order.
pub fn parse_query(search: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(search.trim_start_matches('?').as_bytes())
        .into_owned()
        .collect()
}

/// Pairs as a query string (without `?`).
pub fn encode_query(pairs: &[(String, String)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

fn with_query(path: String, pairs: &[(String, String)]) -> String {
    if pairs.is_empty() {
        path
    } else {
        format!("{path}?{}", encode_query(pairs))
    }
}

/// The page's query without the server's one-off keys.
pub fn page_query(query: &[(String, String)]) -> Vec<(String, String)> {
    query
        .iter()
        .filter(|(key, _)| !SERVER_KEYS.contains(&key.as_str()))
        .cloned()
        .collect()
}

/// Where a form of the page posts: `/plugins/<plugin>/<page>?form=<form-id>`, then the page's own query
/// (without the server's keys and any `form` pair), so the server can show the same page again.
pub fn form_action(plugin: &str, page: &str, form_id: &str, query: &[(String, String)]) -> String {
    let mut pairs = vec![("form".to_owned(), form_id.to_owned())];
    pairs.extend(
        page_query(query)
            .into_iter()
            .filter(|(key, _)| key != "form"),
    );
    with_query(page_url(plugin, page), &pairs)
}

/// The CSV download of a table: `/plugins/<plugin>/<page>/<table-id>.csv` with the page's query.
pub fn csv_url(plugin: &str, page: &str, table_id: &str, query: &[(String, String)]) -> String {
    let path = format!("{}/{}.csv", page_url(plugin, page), path_segment(table_id));
    with_query(path, &page_query(query))
}

/// `text` made fit for an HTML `id`: ASCII letters, digits, `-` and `_` kept, anything else `-`.
pub fn id_safe(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// Where a link of a plugin page goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub href: String,
    /// Leaves Rampart (an `https://` URL): rendered with `rel="noopener"`.
    pub external: bool,
}

fn is_page_id(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

fn has_scheme(href: &str, scheme: &str) -> bool {
    href.len() > scheme.len()
        && href.is_char_boundary(scheme.len())
        && href[..scheme.len()].eq_ignore_ascii_case(scheme)
        // A host must follow: `https:///x` and `https://\x` are refused.
        && !matches!(href.as_bytes()[scheme.len()], b'/' | b'\\')
}

/// Resolves a link a plugin put on its page `page`:
/// - `page-id`, `page-id?x=1`, `page-id#part` → `/plugins/<plugin>/page-id…`;
/// - `?x=1` → the same page with that query; `#part` → as is;
/// - `/path` (a page of this site, not `//host`) → as is;
/// - `https://host/…` → as is, external;
/// - anything else (`javascript:`, `data:`, `//host`, `http:` …) → `None`: shown as plain text.
pub fn resolve_link(plugin: &str, page: &str, href: &str) -> Option<Target> {
    // Browsers drop tabs and newlines inside URLs (`java\tscript:`), and a backslash reads as a slash.
    if href.is_empty() || href.chars().any(|c| c.is_control() || c == '\\') {
        return None;
    }
    let internal = |href: String| {
        Some(Target {
            href,
            external: false,
        })
    };
    if has_scheme(href, "https://") {
        return Some(Target {
            href: href.to_owned(),
            external: true,
        });
    }
    if href.starts_with('?') {
        return internal(format!("{}{href}", page_url(plugin, page)));
    }
    if href.starts_with('#') {
        return internal(href.to_owned());
    }
    if href.starts_with('/') {
        return if href.starts_with("//") {
            None
        } else {
            internal(href.to_owned())
        };
    }
    let split = href.find(['?', '#']).unwrap_or(href.len());
    let (id, rest) = href.split_at(split);
    if is_page_id(id) {
        return internal(format!("{}{rest}", page_url(plugin, id)));
    }
    None
}

/// Like [`resolve_link`], and also `http://` URLs (Markdown may link to either).
pub fn resolve_markdown_link(plugin: &str, page: &str, href: &str) -> Option<Target> {
    if !href.chars().any(|c| c.is_control() || c == '\\') && has_scheme(href, "http://") {
        return Some(Target {
            href: href.to_owned(),
            external: true,
        });
    }
    resolve_link(plugin, page, href)
}

// ----- table sorting -----

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    Ascending,
    Descending,
}

impl Direction {
    /// In the `sort` value: `asc` or `desc`.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Ascending => "asc",
            Direction::Descending => "desc",
        }
    }

    /// The `aria-sort` value.
    pub fn aria(self) -> &'static str {
        match self {
            Direction::Ascending => "ascending",
            Direction::Descending => "descending",
        }
    }

    pub fn reversed(self) -> Direction {
        match self {
            Direction::Ascending => Direction::Descending,
            Direction::Descending => Direction::Ascending,
        }
    }
}

/// Reads a `sort` value `<table-id>.<column index>.<asc|desc>` (the table id may itself hold dots).
pub fn parse_sort(value: &str) -> Option<(&str, usize, Direction)> {
    let mut parts = value.rsplitn(3, '.');
    let direction = match parts.next()? {
        "asc" => Direction::Ascending,
        "desc" => Direction::Descending,
        _ => return None,
    };
    let column = parts.next()?.parse::<usize>().ok()?;
    let table = parts.next()?;
    Some((table, column, direction))
}

/// `<table-id>.<column index>.<asc|desc>`.
pub fn sort_value(table_id: &str, column: usize, direction: Direction) -> String {
    format!("{table_id}.{column}.{}", direction.as_str())
}

/// How the query asks for `table` to be sorted: the last `sort` pair naming it, if its column exists and
/// is sortable.
pub fn sort_of(query: &[(String, String)], table: &Table) -> Option<(usize, Direction)> {
    query
        .iter()
        .filter(|(key, _)| key == SORT_KEY)
        .filter_map(|(_, value)| parse_sort(value))
        .rev()
        .find(|(id, _, _)| *id == table.id)
        .map(|(_, column, direction)| (column, direction))
        .filter(|(column, _)| table.columns.get(*column).is_some_and(|c| c.sortable))
}

/// The link of a sortable column header: this page with its query (less the server's keys and any
/// earlier sort of this table) and `sort=<table-id>.<column>.<direction>` at the end.
pub fn sort_href(
    plugin: &str,
    page: &str,
    query: &[(String, String)],
    table_id: &str,
    column: usize,
    direction: Direction,
) -> String {
    let mut pairs: Vec<(String, String)> = page_query(query)
        .into_iter()
        .filter(|(key, value)| {
            key != SORT_KEY || parse_sort(value).is_none_or(|(id, _, _)| id != table_id)
        })
        .collect();
    pairs.push((SORT_KEY.to_owned(), sort_value(table_id, column, direction)));
    with_query(page_url(plugin, page), &pairs)
}

/// The number a cell of a numeric column holds: thousands separators, a leading currency sign and a
/// trailing unit (`%`, `ms`) are ignored. `None` for text that holds no number (`—`, `n/a`).
pub fn numeric_value(text: &str) -> Option<f64> {
    let cleaned: String = text
        .trim()
        .chars()
        .filter(|c| !matches!(c, ',' | '_' | ' ' | '\u{a0}'))
        .map(|c| if c == '\u{2212}' { '-' } else { c })
        .collect();
    let start = cleaned.find(|c: char| c.is_ascii_digit() || matches!(c, '-' | '+' | '.'))?;
    // Only a short prefix such as a currency sign may come before the number.
    if cleaned[..start].chars().count() > 1 {
        return None;
    }
    let number: String = cleaned[start..]
        .chars()
        .take_while(|c| c.is_ascii_digit() || matches!(c, '-' | '+' | '.' | 'e' | 'E'))
        .collect();
    (1..=number.len())
        .rev()
        .find_map(|end| number[..end].parse::<f64>().ok())
        .filter(|n| n.is_finite())
}

fn sort_text(cell: Option<&Cell>) -> &str {
    cell.map_or("", |c| c.sort_key.as_deref().unwrap_or(&c.text))
        .trim()
}

/// Orders two cells of a column. Numeric columns compare as numbers, others as text ignoring case.
/// Cells without a value (empty, or no number in a numeric column) come last whichever the direction.
pub fn compare_cells(
    a: Option<&Cell>,
    b: Option<&Cell>,
    numeric: bool,
    direction: Direction,
) -> Ordering {
    let directed = |ordering: Ordering| match direction {
        Direction::Ascending => ordering,
        Direction::Descending => ordering.reverse(),
    };
    let (a, b) = (sort_text(a), sort_text(b));
    if numeric {
        return match (numeric_value(a), numeric_value(b)) {
            (Some(x), Some(y)) => directed(x.total_cmp(&y)),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        };
    }
    match (a.is_empty(), b.is_empty()) {
        (false, false) => directed(
            a.to_lowercase()
                .cmp(&b.to_lowercase())
                .then_with(|| a.cmp(b)),
        ),
        (false, true) => Ordering::Less,
        (true, false) => Ordering::Greater,
        (true, true) => Ordering::Equal,
    }
}

/// Sorts `rows` by `column` (stable: equal rows keep the plugin's order).
pub fn sort_rows(table: &mut Table, column: usize, direction: Direction) {
    let numeric = table.columns.get(column).is_some_and(|c| c.numeric);
    table
        .rows
        .sort_by(|a, b| compare_cells(a.get(column), b.get(column), numeric, direction));
}

/// Sorts the table as the query asks (see [`sort_of`]) and says how, or leaves it as the plugin gave it.
pub fn apply_sort(table: &mut Table, query: &[(String, String)]) -> Option<(usize, Direction)> {
    let sort = sort_of(query, table)?;
    sort_rows(table, sort.0, sort.1);
    Some(sort)
}

// ----- numbers and times -----

/// `1234.5` → `1,234.5`; whole numbers without decimals, others with at most two.
pub fn format_number(value: f64) -> String {
    if !value.is_finite() {
        return "–".to_owned();
    }
    let rounded = (value * 100.0).round() / 100.0;
    let text = if rounded.fract() == 0.0 {
        format!("{rounded:.0}")
    } else {
        let text = format!("{rounded:.2}");
        text.trim_end_matches('0').to_owned()
    };
    let (sign, text) = match text.strip_prefix('-') {
        Some(rest) if rest.trim_matches(['0', '.']).is_empty() => ("", rest),
        Some(rest) => ("-", rest),
        None => ("", text.as_str()),
    };
    let (whole, fraction) = text
        .split_once('.')
        .map_or((text, None), |(w, f)| (w, Some(f)));
    let mut grouped = String::new();
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    match fraction {
        Some(fraction) => format!("{sign}{grouped}.{fraction}"),
        None => format!("{sign}{grouped}"),
    }
}

/// The date and time of Unix seconds in UTC: `(year, month, day, hour, minute, second)`.
pub fn utc_parts(unix_seconds: i64) -> (i64, u32, u32, u32, u32, u32) {
    let days = unix_seconds.div_euclid(86_400);
    let seconds = unix_seconds.rem_euclid(86_400) as u32;
    // Howard Hinnant's days-to-civil algorithm.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (
        year,
        month,
        day,
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60,
    )
}

/// `2026-03-01T09:05:00Z`, for `<time datetime>`.
pub fn iso_datetime(unix_millis: i64) -> String {
    let (y, mo, d, h, mi, s) = utc_parts(unix_millis.div_euclid(1000));
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// `1 March 2026, 09:05 UTC`, for people.
pub fn display_datetime(unix_millis: i64) -> String {
    let (y, mo, d, h, mi, _) = utc_parts(unix_millis.div_euclid(1000));
    format!("{d} {} {y}, {h:02}:{mi:02} UTC", MONTHS[mo as usize - 1])
}

/// `2026-03-01 09:05:00` (UTC), as the audit log shows times.
pub fn table_datetime(unix_seconds: i64) -> String {
    let (y, mo, d, h, mi, s) = utc_parts(unix_seconds);
    format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}")
}

// ----- charts -----

/// Series colours, in order. Each has at least 3:1 contrast against white (WCAG 1.4.11), which a test
/// checks; neighbours differ in hue and lightness.
pub const CHART_COLOURS: [&str; 8] = [
    "#005eb8", // blue
    "#d5281b", // red
    "#007f3b", // green
    "#330072", // purple
    "#8a5300", // brown
    "#ae2573", // pink
    "#006f6a", // teal
    "#425563", // slate
];

/// Line dash patterns, so lines differ by more than colour.
const DASHES: [Option<&str>; 4] = [None, Some("8 4"), Some("2 4"), Some("10 4 2 4")];

pub fn series_colour(index: usize) -> &'static str {
    CHART_COLOURS[index % CHART_COLOURS.len()]
}

pub fn series_dash(index: usize) -> Option<&'static str> {
    DASHES[index % DASHES.len()]
}

/// The contrast ratio of two `#rrggbb` colours (WCAG 2.2).
pub fn contrast_ratio(a: &str, b: &str) -> f64 {
    fn luminance(hex: &str) -> f64 {
        let hex = hex.trim_start_matches('#');
        let channel = |i: usize| {
            let c = f64::from(u8::from_str_radix(&hex[i..i + 2], 16).unwrap_or(0)) / 255.0;
            if c <= 0.040_45 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * channel(0) + 0.7152 * channel(2) + 0.0722 * channel(4)
    }
    let (x, y) = (luminance(a), luminance(b));
    (x.max(y) + 0.05) / (x.min(y) + 0.05)
}

#[derive(Clone, Debug, PartialEq)]
pub struct Bar {
    pub series: usize,
    pub category: usize,
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Line {
    pub series: usize,
    /// Runs of consecutive points; a missing value (not a finite number) breaks the line.
    pub runs: Vec<Vec<(f64, f64)>>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Tick {
    pub y: f64,
    pub label: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct CategoryLabel {
    pub x: f64,
    /// Shortened to fit under its category.
    pub text: String,
}

/// Where everything of a chart goes, in SVG user units (the SVG scales to its box).
#[derive(Clone, Debug, PartialEq)]
pub struct ChartGeometry {
    pub width: f64,
    pub height: f64,
    /// The plot area: left, top, width, height.
    pub plot: (f64, f64, f64, f64),
    /// The y of value 0.
    pub baseline: f64,
    pub ticks: Vec<Tick>,
    pub categories: Vec<CategoryLabel>,
    pub bars: Vec<Bar>,
    pub lines: Vec<Line>,
}

pub const CHART_WIDTH: f64 = 560.0;
pub const CHART_HEIGHT: f64 = 300.0;
const MARGIN_LEFT: f64 = 72.0;
const MARGIN_RIGHT: f64 = 16.0;
const MARGIN_TOP: f64 = 16.0;
const MARGIN_BOTTOM: f64 = 40.0;
/// Category labels at most: beyond this, every n-th is shown (all are in the data table).
const MAX_CATEGORY_LABELS: usize = 12;

fn value(series: &plugin_api::Series, category: usize) -> Option<f64> {
    series
        .values
        .get(category)
        .copied()
        .filter(|v| v.is_finite())
}

/// A round step near `range / ticks`: 1, 2 or 5 times a power of ten.
fn nice_step(range: f64, ticks: f64) -> f64 {
    let raw = range / ticks;
    let magnitude = 10f64.powf(raw.log10().floor());
    let normal = raw / magnitude;
    let nice = if normal <= 1.0 {
        1.0
    } else if normal <= 2.0 {
        2.0
    } else if normal <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * magnitude
}

/// The value axis: `(low, high, step)`, always including 0.
pub fn value_scale(min: f64, max: f64) -> (f64, f64, f64) {
    let (min, max) = (min.min(0.0), max.max(0.0));
    let range = if max - min > 0.0 { max - min } else { 1.0 };
    let step = nice_step(range, 5.0);
    let low = (min / step).floor() * step;
    let mut high = (max / step).ceil() * step;
    if high <= low {
        high = low + step;
    }
    (low, high, step)
}

/// The lowest and highest values the chart draws (stacked bars: the stacks' totals).
pub fn value_range(chart: &Chart) -> (f64, f64) {
    let categories = chart.labels.len();
    let (mut min, mut max) = (0.0f64, 0.0f64);
    if chart.kind == ChartKind::StackedBar {
        for category in 0..categories {
            let (mut up, mut down) = (0.0, 0.0);
            for series in &chart.series {
                match value(series, category) {
                    Some(v) if v >= 0.0 => up += v,
                    Some(v) => down += v,
                    None => {}
                }
            }
            (min, max) = (min.min(down), max.max(up));
        }
    } else {
        for series in &chart.series {
            for v in (0..categories).filter_map(|c| value(series, c)) {
                (min, max) = (min.min(v), max.max(v));
            }
        }
    }
    (min, max)
}

/// Shortens `text` to `max` characters with an ellipsis.
fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let mut short: String = text.chars().take(max.saturating_sub(1).max(1)).collect();
        short.push('…');
        short
    }
}

/// Lays the chart out: a category band per label, grouped bars (bar), one stack per band (stacked bar) or
/// a point per band centre (line). Values beyond the labels are ignored; missing ones are left out.
pub fn chart_geometry(chart: &Chart) -> ChartGeometry {
    let (width, height) = (CHART_WIDTH, CHART_HEIGHT);
    let (left, top) = (MARGIN_LEFT, MARGIN_TOP);
    let plot_width = width - MARGIN_LEFT - MARGIN_RIGHT;
    let plot_height = height - MARGIN_TOP - MARGIN_BOTTOM;
    let (min, max) = value_range(chart);
    let (low, high, step) = value_scale(min, max);
    let y_of = |v: f64| top + plot_height * (high - v) / (high - low);
    let baseline = y_of(0.0);

    let mut ticks = Vec::new();
    let n_ticks = ((high - low) / step).round() as usize;
    for i in 0..=n_ticks {
        let v = low + step * i as f64;
        ticks.push(Tick {
            y: y_of(v),
            label: format_number(v),
        });
    }

    let categories = chart.labels.len();
    let band = plot_width / categories.max(1) as f64;
    let centre = |category: usize| left + band * (category as f64 + 0.5);
    let every = categories.div_ceil(MAX_CATEGORY_LABELS).max(1);
    // About 9 units per character at the chart's font size, and a little room between labels.
    let max_chars = ((band * every as f64 - 8.0) / 9.0).floor().max(3.0) as usize;
    let category_labels = chart
        .labels
        .iter()
        .enumerate()
        .filter(|(i, _)| i % every == 0)
        .map(|(i, label)| CategoryLabel {
            x: centre(i),
            text: shorten(label, max_chars),
        })
        .collect();

    let mut bars = Vec::new();
    let mut lines = Vec::new();
    match chart.kind {
        ChartKind::Bar => {
            let group = band * 0.8;
            let bar_width = group / chart.series.len().max(1) as f64;
            for category in 0..categories {
                let start = left + band * category as f64 + (band - group) / 2.0;
                for (s, series) in chart.series.iter().enumerate() {
                    let Some(v) = value(series, category) else {
                        continue;
                    };
                    let y = y_of(v);
                    bars.push(Bar {
                        series: s,
                        category,
                        x: start + bar_width * s as f64,
                        y: y.min(baseline),
                        width: bar_width,
                        height: (baseline - y).abs(),
                    });
                }
            }
        }
        ChartKind::StackedBar => {
            let bar_width = band * 0.6;
            for category in 0..categories {
                let x = left + band * category as f64 + (band - bar_width) / 2.0;
                let (mut up, mut down) = (0.0, 0.0);
                for (s, series) in chart.series.iter().enumerate() {
                    let Some(v) = value(series, category) else {
                        continue;
                    };
                    let (from, to) = if v >= 0.0 {
                        up += v;
                        (up - v, up)
                    } else {
                        down += v;
                        (down - v, down)
                    };
                    let (y_from, y_to) = (y_of(from), y_of(to));
                    bars.push(Bar {
                        series: s,
                        category,
                        x,
                        y: y_from.min(y_to),
                        width: bar_width,
                        height: (y_from - y_to).abs(),
                    });
                }
            }
        }
        ChartKind::Line => {
            for (s, series) in chart.series.iter().enumerate() {
                let mut runs: Vec<Vec<(f64, f64)>> = Vec::new();
                let mut run = Vec::new();
                for category in 0..categories {
                    match value(series, category) {
                        Some(v) => run.push((centre(category), y_of(v))),
                        None if !run.is_empty() => runs.push(std::mem::take(&mut run)),
                        None => {}
                    }
                }
                if !run.is_empty() {
                    runs.push(run);
                }
                lines.push(Line { series: s, runs });
            }
        }
    }
    ChartGeometry {
        width,
        height,
        plot: (left, top, plot_width, plot_height),
        baseline,
        ticks,
        categories: category_labels,
        bars,
        lines,
    }
}

/// What the chart shows, in one sentence for its `aria-label`.
pub fn chart_summary(chart: &Chart) -> String {
    let kind = match chart.kind {
        ChartKind::Bar => "Bar chart",
        ChartKind::StackedBar => "Stacked bar chart",
        ChartKind::Line => "Line chart",
    };
    let names = chart
        .series
        .iter()
        .map(|s| s.name.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let series = match chart.series.len() {
        1 => format!("1 series ({names})"),
        n => format!("{n} series ({names})"),
    };
    let categories = match chart.labels.as_slice() {
        [] => "no categories".to_owned(),
        [only] => format!("1 category ({only})"),
        [first, .., last] => format!("{} categories from {first} to {last}", chart.labels.len()),
    };
    let values: Vec<f64> = chart
        .series
        .iter()
        .flat_map(|s| (0..chart.labels.len()).filter_map(|c| value(s, c)))
        .collect();
    let unit = chart
        .unit
        .as_deref()
        .map(|u| format!(" {u}"))
        .unwrap_or_default();
    let range = match (
        values.iter().copied().reduce(f64::min),
        values.iter().copied().reduce(f64::max),
    ) {
        (Some(low), Some(high)) => format!(
            "; values from {} to {}{unit}",
            format_number(low),
            format_number(high)
        ),
        _ => "; no values".to_owned(),
    };
    format!(
        "{kind}: {}. {series} over {categories}{range}. The numbers are in the table below the chart.",
        chart.title
    )
}

// ----- Markdown -----

/// Escapes text for HTML element content and attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

/// A plugin's Markdown as HTML. Raw HTML is shown as text, never passed through; links go only where
/// [`resolve_markdown_link`] allows (others become their text); images become their alternative text;
/// headings start at level 3 (`#` → `<h3>`), below the page's and its blocks' headings.
#[cfg(feature = "ssr")]
pub fn markdown_html(source: &str, plugin: &str, page: &str) -> String {
    use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};

    fn shifted(level: HeadingLevel) -> HeadingLevel {
        match level {
            HeadingLevel::H1 => HeadingLevel::H3,
            HeadingLevel::H2 => HeadingLevel::H4,
            HeadingLevel::H3 => HeadingLevel::H5,
            _ => HeadingLevel::H6,
        }
    }

    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let mut events = Vec::new();
    // For each open link: whether its start was kept.
    let mut links = Vec::new();
    for event in Parser::new_ext(source, options) {
        match event {
            Event::Html(html) | Event::InlineHtml(html) => events.push(Event::Text(html)),
            Event::Start(Tag::HtmlBlock) => events.push(Event::Start(Tag::Paragraph)),
            Event::End(TagEnd::HtmlBlock) => events.push(Event::End(TagEnd::Paragraph)),
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => match resolve_markdown_link(plugin, page, &dest_url) {
                Some(target) => {
                    links.push(true);
                    events.push(Event::Start(Tag::Link {
                        link_type,
                        dest_url: target.href.into(),
                        title,
                        id,
                    }));
                }
                None => links.push(false),
            },
            Event::End(TagEnd::Link) => {
                if links.pop() == Some(true) {
                    events.push(Event::End(TagEnd::Link));
                }
            }
            // The image's alternative text arrives as text events between these.
            Event::Start(Tag::Image { .. }) | Event::End(TagEnd::Image) => {}
            Event::Start(Tag::Heading {
                level,
                id,
                classes,
                attrs,
            }) => events.push(Event::Start(Tag::Heading {
                level: shifted(level),
                id,
                classes,
                attrs,
            })),
            Event::End(TagEnd::Heading(level)) => {
                events.push(Event::End(TagEnd::Heading(shifted(level))))
            }
            other => events.push(other),
        }
    }
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, events.into_iter());
    html
}

/// Plugin pages render on the server only; the browser bundle never calls this.
#[cfg(not(feature = "ssr"))]
pub fn markdown_html(source: &str, _plugin: &str, _page: &str) -> String {
    format!("<p>{}</p>", escape_html(source))
}

#[cfg(test)]
mod tests {
    use super::*;
    use plugin_api::{Column, Series};

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn href(link: &str) -> Option<String> {
        resolve_link("broadcasts", "inbox", link).map(|t| t.href)
    }

    #[test]
    fn plugin_links_resolve_inside_the_plugin() {
        assert_eq!(href("sent").as_deref(), Some("/plugins/broadcasts/sent"));
        assert_eq!(
            href("sent?x=1&y=2").as_deref(),
            Some("/plugins/broadcasts/sent?x=1&y=2")
        );
        assert_eq!(
            href("sent#latest").as_deref(),
            Some("/plugins/broadcasts/sent#latest")
        );
        assert_eq!(
            href("?x=1").as_deref(),
            Some("/plugins/broadcasts/inbox?x=1")
        );
        assert_eq!(href("#part").as_deref(), Some("#part"));
        assert_eq!(href("/dashboard").as_deref(), Some("/dashboard"));
        assert!(
            !resolve_link("broadcasts", "inbox", "sent")
                .unwrap()
                .external
        );
    }

    #[test]
    fn https_links_are_external_and_kept() {
        let target = resolve_link("p", "x", "https://www.ncsc.gov.uk/guidance?a=1").unwrap();
        assert_eq!(target.href, "https://www.ncsc.gov.uk/guidance?a=1");
        assert!(target.external);
        assert!(
            resolve_link("p", "x", "HTTPS://example.org")
                .unwrap()
                .external
        );
    }

    #[test]
    fn dangerous_or_foreign_links_become_text() {
        for bad in [
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            "java\tscript:alert(1)",
            " javascript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "vbscript:x",
            "//evil.example/x",
            "/\\evil.example",
            "\\\\evil.example",
            "https:///evil",
            "https:\\\\evil.example",
            "https://evil.example\n/x",
            "http://example.org",
            "mailto:someone@example.org",
            "ftp://example.org",
            "page.html",
            "../etc",
            "",
        ] {
            assert_eq!(href(bad), None, "{bad:?} must not become a link");
        }
    }

    #[test]
    fn markdown_links_may_also_be_http() {
        let target = resolve_markdown_link("p", "x", "http://example.org").unwrap();
        assert!(target.external);
        assert_eq!(resolve_markdown_link("p", "x", "javascript:alert(1)"), None);
        assert_eq!(
            resolve_markdown_link("p", "x", "other").unwrap().href,
            "/plugins/p/other"
        );
    }

    #[test]
    fn urls_encode_odd_segments_and_keep_the_query() {
        assert_eq!(page_url("p", "a b/c"), "/plugins/p/a%20b%2Fc");
        assert_eq!(
            csv_url(
                "p",
                "report",
                "by-org",
                &pairs(&[("notice", "Saved"), ("sort", "by-org.1.desc"), ("q", "a b")])
            ),
            "/plugins/p/report/by-org.csv?sort=by-org.1.desc&q=a+b"
        );
        assert_eq!(csv_url("p", "report", "t", &[]), "/plugins/p/report/t.csv");
        assert_eq!(
            form_action(
                "p",
                "report",
                "new",
                &pairs(&[("id", "5"), ("form", "old"), ("form_state", "x")])
            ),
            "/plugins/p/report?form=new&id=5"
        );
        assert_eq!(
            form_action("p", "report", "new", &[]),
            "/plugins/p/report?form=new"
        );
        assert_eq!(
            parse_query("?a=1&b=x+y&c=%26"),
            pairs(&[("a", "1"), ("b", "x y"), ("c", "&")])
        );
        assert_eq!(id_safe("a b.c"), "a-b-c");
    }

    fn cell(text: &str) -> Cell {
        Cell {
            text: text.to_owned(),
            link: None,
            sort_key: None,
            tone: None,
        }
    }

    fn table(rows: &[&[&str]]) -> Table {
        Table {
            id: "t".into(),
            caption: "T".into(),
            columns: vec![
                Column {
                    label: "Name".into(),
                    numeric: false,
                    sortable: true,
                },
                Column {
                    label: "Count".into(),
                    numeric: true,
                    sortable: true,
                },
                Column {
                    label: "Note".into(),
                    numeric: false,
                    sortable: false,
                },
            ],
            rows: rows
                .iter()
                .map(|row| row.iter().map(|t| cell(t)).collect())
                .collect(),
            csv_export: true,
        }
    }

    fn column(table: &Table, i: usize) -> Vec<String> {
        table
            .rows
            .iter()
            .map(|r| r.get(i).map(|c| c.text.clone()).unwrap_or_default())
            .collect()
    }

    #[test]
    fn sort_values_round_trip() {
        assert_eq!(parse_sort("t.1.asc"), Some(("t", 1, Direction::Ascending)));
        assert_eq!(
            parse_sort("by.org.12.desc"),
            Some(("by.org", 12, Direction::Descending))
        );
        assert_eq!(parse_sort("t.x.asc"), None);
        assert_eq!(parse_sort("t.1.up"), None);
        assert_eq!(parse_sort("1.asc"), None);
        assert_eq!(sort_value("t", 2, Direction::Descending), "t.2.desc");
    }

    #[test]
    fn numeric_columns_sort_as_numbers_with_blanks_last() {
        let mut t = table(&[
            &["a", "10"],
            &["b", "9"],
            &["c", "—"],
            &["d", "1,200"],
            &["e", "-3"],
        ]);
        sort_rows(&mut t, 1, Direction::Ascending);
        assert_eq!(column(&t, 1), ["-3", "9", "10", "1,200", "—"]);
        sort_rows(&mut t, 1, Direction::Descending);
        assert_eq!(column(&t, 1), ["1,200", "10", "9", "-3", "—"]);
    }

    #[test]
    fn text_sorts_ignoring_case_and_stably_and_by_sort_key() {
        let mut t = table(&[
            &["banana", "1"],
            &["Apple", "2"],
            &["", "3"],
            &["cherry", "4"],
            &["apple", "5"],
        ]);
        sort_rows(&mut t, 0, Direction::Ascending);
        assert_eq!(column(&t, 0), ["Apple", "apple", "banana", "cherry", ""]);
        sort_rows(&mut t, 0, Direction::Descending);
        assert_eq!(column(&t, 0), ["cherry", "banana", "apple", "Apple", ""]);

        let mut t = table(&[&["3 March", "1"], &["12 January", "2"]]);
        t.rows[0][0].sort_key = Some("2026-03-03".into());
        t.rows[1][0].sort_key = Some("2026-01-12".into());
        sort_rows(&mut t, 0, Direction::Ascending);
        assert_eq!(column(&t, 0), ["12 January", "3 March"]);
    }

    #[test]
    fn the_query_sorts_only_sortable_columns_of_its_table() {
        let t = table(&[&["a", "1", "x"]]);
        assert_eq!(
            sort_of(&pairs(&[("sort", "t.1.desc")]), &t),
            Some((1, Direction::Descending))
        );
        assert_eq!(
            sort_of(&pairs(&[("sort", "t.2.asc")]), &t),
            None,
            "not sortable"
        );
        assert_eq!(
            sort_of(&pairs(&[("sort", "t.9.asc")]), &t),
            None,
            "no such column"
        );
        assert_eq!(sort_of(&pairs(&[("sort", "other.1.asc")]), &t), None);
        assert_eq!(
            sort_of(&pairs(&[("sort", "t.0.asc"), ("sort", "other.1.asc")]), &t),
            Some((0, Direction::Ascending))
        );
        let mut t = table(&[&["b", "1"], &["a", "2"]]);
        assert_eq!(
            apply_sort(&mut t, &pairs(&[("sort", "t.0.asc")])),
            Some((0, Direction::Ascending))
        );
        assert_eq!(column(&t, 0), ["a", "b"]);
    }

    #[test]
    fn sort_links_keep_the_rest_of_the_query() {
        let query = pairs(&[
            ("org", "5"),
            ("sort", "t.0.asc"),
            ("sort", "other.2.desc"),
            ("notice", "Saved"),
        ]);
        assert_eq!(
            sort_href("p", "report", &query, "t", 1, Direction::Descending),
            "/plugins/p/report?org=5&sort=other.2.desc&sort=t.1.desc"
        );
        assert_eq!(
            sort_href("p", "report", &[], "t", 0, Direction::Ascending),
            "/plugins/p/report?sort=t.0.asc"
        );
    }

    #[test]
    fn numbers_are_read_and_written_for_people() {
        assert_eq!(numeric_value("1,234.5"), Some(1234.5));
        assert_eq!(numeric_value("45%"), Some(45.0));
        assert_eq!(numeric_value("£3.20"), Some(3.2));
        assert_eq!(numeric_value("−2"), Some(-2.0));
        assert_eq!(numeric_value("120 ms"), Some(120.0));
        assert_eq!(numeric_value("n/a"), None);
        assert_eq!(numeric_value("—"), None);
        assert_eq!(numeric_value("version 2"), None);
        assert_eq!(format_number(1234.5), "1,234.5");
        assert_eq!(format_number(1_000_000.0), "1,000,000");
        assert_eq!(format_number(-1234.0), "-1,234");
        assert_eq!(format_number(0.125), "0.13");
        assert_eq!(format_number(-0.001), "0");
        assert_eq!(format_number(12.0), "12");
    }

    #[test]
    fn times_are_utc() {
        assert_eq!(iso_datetime(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso_datetime(1_772_355_900_000), "2026-03-01T09:05:00Z");
        assert_eq!(
            display_datetime(1_772_355_900_000),
            "1 March 2026, 09:05 UTC"
        );
        assert_eq!(table_datetime(951_782_400), "2000-02-29 00:00:00");
        assert_eq!(iso_datetime(-1000), "1969-12-31T23:59:59Z");
    }

    #[test]
    fn chart_colours_meet_three_to_one_against_white() {
        for colour in CHART_COLOURS {
            let ratio = contrast_ratio(colour, "#ffffff");
            assert!(ratio >= 3.0, "{colour} has only {ratio:.2}:1");
        }
        assert!((contrast_ratio("#000000", "#ffffff") - 21.0).abs() < 0.01);
    }

    fn chart(kind: ChartKind, series: &[(&str, &[f64])]) -> Chart {
        Chart {
            title: "Completions".into(),
            kind,
            labels: vec!["Jan".into(), "Feb".into(), "Mar".into()],
            series: series
                .iter()
                .map(|(name, values)| Series {
                    name: name.to_string(),
                    values: values.to_vec(),
                })
                .collect(),
            unit: Some("people".into()),
        }
    }

    #[test]
    fn scales_are_round_and_include_zero() {
        assert_eq!(value_scale(0.0, 42.0), (0.0, 50.0, 10.0));
        assert_eq!(value_scale(0.0, 0.0), (0.0, 0.2, 0.2));
        assert_eq!(value_scale(-7.0, 18.0), (-10.0, 20.0, 5.0));
        assert_eq!(value_scale(3.0, 9.0), (0.0, 10.0, 2.0));
    }

    #[test]
    fn grouped_bars_stand_on_the_baseline() {
        let c = chart(
            ChartKind::Bar,
            &[("A", &[10.0, 20.0, 40.0]), ("B", &[5.0, f64::NAN, 0.0])],
        );
        let g = chart_geometry(&c);
        let (left, top, width, height) = g.plot;
        assert_eq!(g.baseline, top + height);
        assert_eq!(g.bars.len(), 5, "the missing value is left out");
        for bar in &g.bars {
            assert!((bar.y + bar.height - g.baseline).abs() < 1e-9);
            assert!(bar.x >= left && bar.x + bar.width <= left + width + 1e-9);
        }
        // 40 is the top of the 0–40 scale.
        let tallest = g
            .bars
            .iter()
            .find(|b| b.series == 0 && b.category == 2)
            .unwrap();
        assert!((tallest.y - top).abs() < 1e-9);
        // Side by side within a category.
        let a = &g.bars[0];
        let b = &g.bars[1];
        assert_eq!((a.category, b.category), (0, 0));
        assert!((a.x + a.width - b.x).abs() < 1e-9);
        assert_eq!(g.ticks.first().unwrap().label, "0");
        assert_eq!(g.ticks.last().unwrap().label, "40");
        assert_eq!(g.categories.len(), 3);
    }

    #[test]
    fn stacked_bars_pile_up_and_negative_ones_hang_down() {
        let c = chart(
            ChartKind::StackedBar,
            &[("A", &[10.0, 20.0, -5.0]), ("B", &[30.0, 5.0, 10.0])],
        );
        assert_eq!(value_range(&c), (-5.0, 40.0));
        let g = chart_geometry(&c);
        let a = g
            .bars
            .iter()
            .find(|b| b.series == 0 && b.category == 0)
            .unwrap();
        let b = g
            .bars
            .iter()
            .find(|b| b.series == 1 && b.category == 0)
            .unwrap();
        assert!((a.y + a.height - g.baseline).abs() < 1e-9);
        assert!((b.y + b.height - a.y).abs() < 1e-9, "B sits on A");
        assert!((b.height - 3.0 * a.height).abs() < 1e-9);
        let negative = g
            .bars
            .iter()
            .find(|b| b.series == 0 && b.category == 2)
            .unwrap();
        assert!(
            (negative.y - g.baseline).abs() < 1e-9,
            "hangs from the baseline"
        );
    }

    #[test]
    fn lines_break_at_missing_values() {
        let c = chart(
            ChartKind::Line,
            &[("A", &[1.0, f64::NAN, 3.0]), ("B", &[1.0, 2.0])],
        );
        let g = chart_geometry(&c);
        assert_eq!(g.lines.len(), 2);
        assert_eq!(g.lines[0].runs.len(), 2);
        assert_eq!(g.lines[1].runs.len(), 1);
        assert_eq!(g.lines[1].runs[0].len(), 2);
        assert!(g.bars.is_empty());
    }

    #[test]
    fn many_categories_show_every_nth_label_shortened() {
        let mut c = chart(ChartKind::Bar, &[("A", &[1.0; 30])]);
        c.labels = (0..30)
            .map(|i| format!("A rather long label number {i}"))
            .collect();
        let g = chart_geometry(&c);
        assert!(g.categories.len() <= MAX_CATEGORY_LABELS);
        assert!(g.categories.iter().all(|l| l.text.ends_with('…')));
    }

    #[test]
    fn the_summary_says_what_the_chart_shows() {
        let c = chart(
            ChartKind::Bar,
            &[
                ("Passed", &[10.0, 20.0, 42.0]),
                ("Failed", &[1.0, 2.0, 3.0]),
            ],
        );
        assert_eq!(
            chart_summary(&c),
            "Bar chart: Completions. 2 series (Passed, Failed) over 3 categories from Jan to Mar; \
             values from 1 to 42 people. The numbers are in the table below the chart."
        );
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn markdown_escapes_raw_html_and_filters_links() {
        let html = markdown_html(
            "Hello <script>alert(1)</script> **there**\n\n<div onclick=\"x\">block</div>\n\n\
             [ok](report?x=1) [ext](https://example.org) [bad](javascript:alert(1)) \
             <https://example.org/auto> ![a cat](https://evil.example/x.png)\n\n# Top",
            "p",
            "inbox",
        );
        assert!(!html.contains("<script"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
        assert!(!html.contains("<div"), "{html}");
        assert!(html.contains("&lt;div onclick"), "{html}");
        assert!(html.contains("<strong>there</strong>"), "{html}");
        assert!(
            html.contains(r#"<a href="/plugins/p/report?x=1">ok</a>"#),
            "{html}"
        );
        assert!(
            html.contains(r#"<a href="https://example.org">ext</a>"#),
            "{html}"
        );
        assert!(!html.contains("javascript"), "{html}");
        assert!(
            html.contains("bad"),
            "the text of a refused link stays: {html}"
        );
        assert!(
            html.contains(r#"<a href="https://example.org/auto">"#),
            "{html}"
        );
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains("a cat"), "{html}");
        assert!(html.contains("<h3>Top</h3>"), "{html}");
    }
}
