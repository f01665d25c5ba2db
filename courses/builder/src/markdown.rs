//! Pages: CommonMark (pulldown-cmark) plus the course additions of `courses/FORMAT.md`: the `# Title`,
//! callouts (`> [!WARNING]`), images with required alt text, ` ```check ` and ` ```scenario ` blocks.
//! Raw HTML is refused (comments are dropped), so every page gets the player's accessible markup.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::path::{Path, PathBuf};

use pulldown_cmark::{
    BlockQuoteKind, CodeBlockKind, CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd,
};

use crate::blocks::{self, Block};
use crate::problem::{Problem, line_of};
use crate::source::normalise;
use crate::{Check, Scenario};

const IMAGE_TYPES: &[&str] = &["svg", "png", "jpg", "jpeg", "gif", "webp"];
const NEW_TAB: &str = "<span class=\"visually-hidden\"> (opens in a new tab)</span>";

fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_GFM
        | Options::ENABLE_SMART_PUNCTUATION
}

/// HTML-escapes text for element content and quoted attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn is_comment(html: &str) -> bool {
    let t = html.trim();
    t.is_empty() || (t.starts_with("<!--") && t.ends_with("-->"))
}

fn external_link(dest: &str) -> Option<String> {
    if dest.starts_with("https://") || dest.starts_with("http://") {
        Some(format!(
            "<a href=\"{}\" target=\"_blank\" rel=\"noopener noreferrer\">",
            escape(dest)
        ))
    } else {
        None
    }
}

/// Markdown of a text field inside a block (question, option, feedback, scenario step) as HTML.
/// `inline` drops the `<p>` around a single paragraph. Raw HTML and images are refused.
pub(crate) fn render_fragment(text: &str, inline: bool) -> Result<String, String> {
    let mut out = Vec::new();
    let mut links = Vec::new();
    for event in Parser::new_ext(text, options()) {
        match event {
            Event::Html(html) | Event::InlineHtml(html) => {
                if !is_comment(&html) {
                    return Err(format!("raw HTML ({}) is not allowed", html.trim()));
                }
            }
            Event::Start(Tag::HtmlBlock) | Event::End(TagEnd::HtmlBlock) => {}
            Event::Start(Tag::Image { .. }) => {
                return Err("images cannot go inside a check, question or scenario".into());
            }
            Event::Start(Tag::Link { dest_url, .. }) => match external_link(&dest_url) {
                Some(open) => {
                    out.push(Event::Html(open.into()));
                    links.push(true);
                }
                None if dest_url.starts_with("mailto:") || dest_url.starts_with("tel:") => {
                    out.push(Event::Html(
                        format!("<a href=\"{}\">", escape(&dest_url)).into(),
                    ));
                    links.push(false);
                }
                None => {
                    return Err(format!(
                        "the link {dest_url:?} must be a full web address (https://…) here"
                    ));
                }
            },
            Event::End(TagEnd::Link) => {
                let close = if links.pop() == Some(true) {
                    format!("{NEW_TAB}</a>")
                } else {
                    "</a>".to_owned()
                };
                out.push(Event::Html(close.into()));
            }
            other => out.push(other),
        }
    }
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, out.into_iter());
    if inline {
        let trimmed = html.trim_end();
        if let Some(inner) = trimmed
            .strip_prefix("<p>")
            .and_then(|rest| rest.strip_suffix("</p>"))
            .filter(|inner| !inner.contains("<p>"))
        {
            return Ok(inner.to_owned());
        }
    }
    Ok(html)
}

/// What a page needs from its module.
pub(crate) struct PageContext<'a> {
    /// The page file as problems name it.
    pub file: &'a Path,
    /// The page file relative to the module folder.
    pub rel: &'a Path,
    /// All files of the module, relative to its folder.
    pub files: &'a BTreeMap<PathBuf, Vec<u8>>,
    /// Page ids by file (relative to the module folder), for links between pages.
    pub page_ids: &'a BTreeMap<PathBuf, String>,
}

pub(crate) struct Rendered {
    /// `None` when the page has no `# Title` (an error has been reported).
    pub title: Option<String>,
    pub html: String,
    /// Image files the page uses, relative to the module folder.
    pub images: BTreeSet<PathBuf>,
}

enum Open {
    Image {
        dest: String,
        line: usize,
        alt: String,
    },
    Code {
        kind: String,
        line: usize,
        body: String,
    },
    Html {
        line: usize,
        body: String,
    },
}

/// Renders one page; checks and scenarios are appended to the module's lists (their index numbers
/// them in the HTML).
pub(crate) fn render_page(
    context: &PageContext<'_>,
    text: &str,
    page_id: &str,
    checks: &mut Vec<Check>,
    scenarios: &mut Vec<Scenario>,
    problems: &mut Vec<Problem>,
) -> Rendered {
    let file = context.file;
    let mut out: Vec<Event<'_>> = Vec::new();
    let mut title: Option<String> = None;
    let mut in_title = false;
    let mut open: Option<Open> = None;
    let mut links: Vec<bool> = Vec::new();
    let mut quotes: Vec<bool> = Vec::new();
    let mut images = BTreeSet::new();
    let events: Vec<(Event<'_>, Range<usize>)> = Parser::new_ext(text, options())
        .into_offset_iter()
        .collect();
    for (event, range) in events {
        let line = line_of(text, range.start);
        if let Some(current) = open.as_mut() {
            match (current, event) {
                (Open::Image { alt, .. }, Event::Text(t) | Event::Code(t)) => alt.push_str(&t),
                (Open::Image { alt, .. }, Event::SoftBreak | Event::HardBreak) => alt.push(' '),
                (Open::Code { body, .. }, Event::Text(t)) => body.push_str(&t),
                (Open::Html { body, .. }, Event::Html(t)) => body.push_str(&t),
                (_, Event::End(TagEnd::Image | TagEnd::CodeBlock | TagEnd::HtmlBlock)) => {
                    match open.take().expect("open") {
                        Open::Image { dest, line, alt } => {
                            if let Some((path, html)) = image(context, &dest, &alt, line, problems)
                            {
                                images.insert(path);
                                out.push(Event::Html(html.into()));
                            }
                        }
                        Open::Code { kind, line, body } => {
                            let block = Block {
                                file,
                                text: &body,
                                first_line: line + 1,
                            };
                            let html = if kind == "check" {
                                blocks::check(&block, checks.len(), problems).map(|(c, html)| {
                                    checks.push(c);
                                    html
                                })
                            } else {
                                blocks::scenario(&block, scenarios.len(), problems).map(
                                    |(s, html)| {
                                        scenarios.push(s);
                                        html
                                    },
                                )
                            };
                            if let Some(html) = html {
                                out.push(Event::Html(html.into()));
                            }
                        }
                        Open::Html { line, body } => {
                            if !is_comment(&body) {
                                problems.push(raw_html(file, line, &body));
                            }
                        }
                    }
                }
                _ => {}
            }
            continue;
        }
        match event {
            Event::Start(Tag::Heading {
                level: HeadingLevel::H1,
                ..
            }) if title.is_none() => {
                if !out.is_empty() {
                    problems.push(
                        Problem::warning(
                            file,
                            Some(line),
                            "the page's # title is not its first line",
                        )
                        .help("start the page with its # title; the player shows it at the top"),
                    );
                }
                title = Some(String::new());
                in_title = true;
                out.push(Event::Html(
                    format!("<h1 id=\"h-{page_id}\" tabindex=\"-1\">").into(),
                ));
            }
            Event::Start(Tag::Heading {
                level: HeadingLevel::H1,
                ..
            }) => {
                problems.push(
                    Problem::error(
                        file,
                        Some(line),
                        "a page has one # title, and this is a second one",
                    )
                    .help("use ## for sections within the page, or start a new page"),
                );
            }
            Event::End(TagEnd::Heading(HeadingLevel::H1)) if in_title => {
                in_title = false;
                out.push(Event::Html("</h1>\n".into()));
            }
            Event::Text(t) | Event::Code(t) if in_title => {
                if let Some(title) = title.as_mut() {
                    title.push_str(&t);
                }
                out.push(Event::Text(t));
            }
            Event::Start(Tag::Image { dest_url, .. }) => {
                open = Some(Open::Image {
                    dest: dest_url.to_string(),
                    line,
                    alt: String::new(),
                });
            }
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info)))
                if matches!(info.split_whitespace().next(), Some("check" | "scenario")) =>
            {
                open = Some(Open::Code {
                    kind: info.split_whitespace().next().unwrap_or("").to_owned(),
                    line,
                    body: String::new(),
                });
            }
            Event::Start(Tag::HtmlBlock) => {
                open = Some(Open::Html {
                    line,
                    body: String::new(),
                });
            }
            Event::Html(html) | Event::InlineHtml(html) => {
                if !is_comment(&html) {
                    problems.push(raw_html(file, line, &html));
                }
            }
            Event::Start(Tag::Link { dest_url, .. }) => {
                let (html, new_tab) = link(context, &dest_url, line, problems);
                out.push(Event::Html(html.into()));
                links.push(new_tab);
            }
            Event::End(TagEnd::Link) => {
                let close = if links.pop() == Some(true) {
                    format!("{NEW_TAB}</a>")
                } else {
                    "</a>".to_owned()
                };
                out.push(Event::Html(close.into()));
            }
            Event::Start(Tag::BlockQuote(Some(kind))) => {
                let (class, label) = match kind {
                    BlockQuoteKind::Note => ("note", "Note"),
                    BlockQuoteKind::Tip => ("tip", "Tip"),
                    BlockQuoteKind::Important => ("important", "Important"),
                    BlockQuoteKind::Warning => ("warning", "Warning"),
                    BlockQuoteKind::Caution => ("caution", "Caution"),
                };
                quotes.push(true);
                out.push(Event::Html(
                    format!(
                        "<div class=\"callout callout-{class}\">\n<p class=\"callout-title\">{label}</p>\n"
                    )
                    .into(),
                ));
            }
            Event::Start(Tag::BlockQuote(None)) => {
                quotes.push(false);
                out.push(Event::Start(Tag::BlockQuote(None)));
            }
            Event::End(TagEnd::BlockQuote(kind)) => {
                if quotes.pop() == Some(true) {
                    out.push(Event::Html("</div>\n".into()));
                } else {
                    out.push(Event::End(TagEnd::BlockQuote(kind)));
                }
            }
            other => out.push(other),
        }
    }
    let title = title.map(|t| t.trim().to_owned());
    match &title {
        None => problems.push(
            Problem::error(file, Some(1), "the page has no # title")
                .help("start the page with a line such as \"# Why it matters\""),
        ),
        Some(t) if t.is_empty() => problems.push(
            Problem::error(file, Some(1), "the page's # title is empty")
                .help("write the title after the #"),
        ),
        Some(_) => {}
    }
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, out.into_iter());
    Rendered {
        title,
        html,
        images,
    }
}

fn raw_html(file: &Path, line: usize, html: &str) -> Problem {
    let first = html.trim().lines().next().unwrap_or("");
    Problem::error(file, Some(line), format!("raw HTML is not allowed: {first}")).help(
        "write it in Markdown instead (headings, lists, emphasis, links, callouts); HTML comments are fine",
    )
}

/// An internal link to another page of the module (by file name), an anchor, or a web address.
/// Returns the opening tag and whether it opens a new tab.
fn link(
    context: &PageContext<'_>,
    dest: &CowStr<'_>,
    line: usize,
    problems: &mut Vec<Problem>,
) -> (String, bool) {
    if let Some(open) = external_link(dest) {
        return (open, true);
    }
    if dest.starts_with("mailto:") || dest.starts_with("tel:") || dest.starts_with('#') {
        return (format!("<a href=\"{}\">", escape(dest)), false);
    }
    let path = dest.split('#').next().unwrap_or("");
    let page_dir = context.rel.parent().unwrap_or(Path::new(""));
    let target = [page_dir.join(path), PathBuf::from(path)]
        .into_iter()
        .filter_map(|p| normalise(&p))
        .find_map(|p| context.page_ids.get(&p));
    match target {
        Some(id) => (
            format!("<a href=\"#page-{id}\" data-page-link=\"{id}\">"),
            false,
        ),
        None => {
            problems.push(
                Problem::error(context.file, Some(line), format!("the link {dest:?} points to no page of this module"))
                    .help("link to a web page with its full address (https://…), or to another page of the module by its file name (e.g. 02-real-incidents.md)"),
            );
            ("<a>".to_owned(), false)
        }
    }
}

/// Checks an image reference; returns its file (relative to the module) and the `<img>` tag.
fn image(
    context: &PageContext<'_>,
    dest: &str,
    alt: &str,
    line: usize,
    problems: &mut Vec<Problem>,
) -> Option<(PathBuf, String)> {
    let file = context.file;
    let alt = alt.split_whitespace().collect::<Vec<_>>().join(" ");
    if alt.is_empty() {
        problems.push(
            Problem::error(file, Some(line), format!("the image {dest:?} has no alt text"))
                .help("describe what the image shows, e.g. ![A locked screen asking for a password](images/locked.svg); leave purely decorative images out"),
        );
    }
    if dest.contains("://") || dest.starts_with("//") || dest.starts_with("data:") {
        problems.push(
            Problem::error(file, Some(line), format!("the image {dest:?} is not a file of the module"))
                .help("packages work without a network: save the image in the module's images/ folder and reference it as images/…"),
        );
        return None;
    }
    let page_dir = context.rel.parent().unwrap_or(Path::new(""));
    let found = [PathBuf::from(dest), page_dir.join(dest)]
        .into_iter()
        .filter_map(|p| normalise(&p))
        .find(|p| context.files.contains_key(p));
    let Some(path) = found else {
        let known: Vec<String> = context
            .files
            .keys()
            .filter(|p| p.starts_with("images"))
            .map(|p| p.display().to_string())
            .collect();
        problems.push(
            Problem::error(
                file,
                Some(line),
                format!("the image {dest:?} does not exist"),
            )
            .help(if known.is_empty() {
                "put the image in the module's images/ folder and reference it as images/…"
                    .to_owned()
            } else {
                format!("images in this module: {}", known.join(", "))
            }),
        );
        return None;
    };
    let name = path.to_string_lossy().replace('\\', "/");
    let extension = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    if !path.starts_with("images") {
        problems.push(
            Problem::error(
                file,
                Some(line),
                format!("the image {name:?} is not in the images/ folder"),
            )
            .help("move it to the module's images/ folder"),
        );
    } else if !IMAGE_TYPES.contains(&extension.as_str()) {
        problems.push(
            Problem::error(
                file,
                Some(line),
                format!("{name:?} is not an image type browsers show"),
            )
            .help("use SVG (preferred), PNG, JPEG, GIF or WebP"),
        );
    } else if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c))
    {
        problems.push(
            Problem::error(
                file,
                Some(line),
                format!("the image file name {name:?} has spaces or special characters"),
            )
            .help(
                "rename it with letters, digits and hyphens only (e.g. images/locked-screen.svg)",
            ),
        );
    }
    let html = format!("<img src=\"{}\" alt=\"{}\">", escape(&name), escape(&alt));
    Some((path, html))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(text: &str, files: &[&str]) -> (Rendered, Vec<Check>, Vec<Scenario>, Vec<Problem>) {
        let files: BTreeMap<PathBuf, Vec<u8>> = files
            .iter()
            .map(|f| {
                (
                    PathBuf::from(f),
                    b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>".to_vec(),
                )
            })
            .collect();
        let page_ids = BTreeMap::from([
            (PathBuf::from("pages/01-intro.md"), "01-intro".to_owned()),
            (PathBuf::from("pages/02-next.md"), "02-next".to_owned()),
        ]);
        let context = PageContext {
            file: Path::new("m/pages/01-intro.md"),
            rel: Path::new("pages/01-intro.md"),
            files: &files,
            page_ids: &page_ids,
        };
        let (mut checks, mut scenarios, mut problems) = (Vec::new(), Vec::new(), Vec::new());
        let rendered = render_page(
            &context,
            text,
            "01-intro",
            &mut checks,
            &mut scenarios,
            &mut problems,
        );
        (rendered, checks, scenarios, problems)
    }

    #[test]
    fn a_page_has_a_focusable_title_callouts_images_and_links() {
        let page = "# Why it *matters*\n\nText with a [guide](https://www.ncsc.gov.uk/) and [the next page](02-next.md).\n\n\
                    > [!WARNING]\n> Never share your smartcard.\n\n> A plain quote.\n\n\
                    ![A locked screen](images/locked.svg)\n\n<!-- a note for reviewers -->\n";
        let (r, _, _, problems) = render(page, &["images/locked.svg"]);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(r.title.as_deref(), Some("Why it matters"));
        assert!(
            r.html
                .starts_with("<h1 id=\"h-01-intro\" tabindex=\"-1\">Why it <em>matters</em></h1>"),
            "{}",
            r.html
        );
        assert!(r.html.contains("<a href=\"https://www.ncsc.gov.uk/\" target=\"_blank\" rel=\"noopener noreferrer\">guide<span class=\"visually-hidden\"> (opens in a new tab)</span></a>"), "{}", r.html);
        assert!(
            r.html
                .contains("<a href=\"#page-02-next\" data-page-link=\"02-next\">the next page</a>")
        );
        assert!(r.html.contains("<div class=\"callout callout-warning\">\n<p class=\"callout-title\">Warning</p>\n<p>Never share your smartcard.</p>\n</div>"), "{}", r.html);
        assert!(r.html.contains("<blockquote>"));
        assert!(
            r.html
                .contains("<img src=\"images/locked.svg\" alt=\"A locked screen\">")
        );
        assert!(!r.html.contains("reviewers"));
        assert_eq!(
            r.images,
            BTreeSet::from([PathBuf::from("images/locked.svg")])
        );
    }

    #[test]
    fn images_need_alt_text_and_a_file() {
        let (_, _, _, problems) = render(
            "# T\n\n![](images/a.svg)\n\n![Gone](images/gone.svg)\n\n![Far](https://x.example/a.png)\n",
            &["images/a.svg"],
        );
        let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert!(
            text[0].starts_with(
                "m/pages/01-intro.md:3: error: the image \"images/a.svg\" has no alt text"
            ),
            "{text:?}"
        );
        assert!(
            text[1].starts_with(
                "m/pages/01-intro.md:5: error: the image \"images/gone.svg\" does not exist"
            ),
            "{text:?}"
        );
        assert!(
            text[1].contains("images in this module: images/a.svg"),
            "{text:?}"
        );
        assert!(text[2].contains("is not a file of the module"), "{text:?}");
    }

    #[test]
    fn raw_html_a_second_title_and_a_missing_title_are_refused() {
        let (_, _, _, problems) = render(
            "# T\n\n<div>hi</div>\n\nInline <b>bold</b>.\n\n# Again\n",
            &[],
        );
        let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert!(
            text[0].contains(":3: error: raw HTML is not allowed: <div>hi</div>"),
            "{text:?}"
        );
        assert!(
            text[1].contains(":5: error: raw HTML is not allowed: <b>"),
            "{text:?}"
        );
        assert!(
            text[3].contains(":7: error: a page has one # title"),
            "{text:?}"
        );
        let (r, _, _, problems) = render("Just text.\n", &[]);
        assert!(r.title.is_none());
        assert!(problems[0].message.contains("no # title"));
    }

    #[test]
    fn check_and_scenario_blocks_become_forms_with_file_lines() {
        let page = "# T\n\n```check\nquestion = \"Q?\"\n[[option]]\ntext = \"A\"\ncorrect = true\nfeedback = \"Yes\"\n[[option]]\ntext = \"B\"\nfeedbak = \"No\"\n```\n";
        let (_, checks, _, problems) = render(page, &[]);
        assert!(checks.is_empty());
        assert_eq!(problems[0].line, Some(11), "{problems:?}");
        let fixed = page.replace("feedbak", "feedback");
        let (r, checks, _, problems) = render(&fixed, &[]);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(checks.len(), 1);
        assert!(r.html.contains("<form class=\"check\" id=\"c0\""));
        assert!(!r.html.contains("<pre>"));
    }

    #[test]
    fn fragments_render_inline_markdown_and_refuse_html() {
        assert_eq!(
            render_fragment("Use **MFA**", true).unwrap(),
            "Use <strong>MFA</strong>"
        );
        assert_eq!(
            render_fragment("One.\n\nTwo.", true).unwrap(),
            "<p>One.</p>\n<p>Two.</p>\n"
        );
        assert!(render_fragment("<script>x</script>", false).is_err());
        assert!(render_fragment("[x](page.md)", false).is_err());
    }
}
