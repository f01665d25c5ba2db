//! `index.html`: every page of the module as a `<section>` in one document, the assessment page, and the
//! data the player script (`assets/player.js`) needs, as JSON. Without JavaScript every page still
//! reads top to bottom; with it the player shows one page at a time and talks to the LMS.

use std::fmt::Write;

use serde_json::json;

use crate::markdown::escape;
use crate::{Format, Module};

pub(crate) fn index_html(module: &Module, format: Format) -> String {
    let title = escape(&module.title);
    let mut h = format!(
        "<!DOCTYPE html>\n<html lang=\"en-GB\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title}</title>\n<link rel=\"stylesheet\" href=\"player.css\">\n\
         <script src=\"player.js\" defer></script>\n</head>\n<body>\n\
         <a class=\"skip-link\" href=\"#main\">Skip to content</a>\n\
         <header class=\"banner\">\n<p class=\"module-title\">{title}</p>\n\
         <p class=\"notice\" id=\"lms-notice\" hidden></p>\n\
         <nav class=\"contents\" aria-label=\"Contents\">\n<details>\n<summary>Contents</summary>\n<ol id=\"page-list\">\n"
    );
    for page in &module.pages {
        let _ = writeln!(
            h,
            "<li><a href=\"#page-{id}\" data-page-link=\"{id}\">{}</a></li>",
            escape(&page.title),
            id = page.id
        );
    }
    h.push_str(
        "<li><a href=\"#page-assessment\" data-page-link=\"assessment\">Final assessment</a></li>\n\
         </ol>\n</details>\n</nav>\n</header>\n<main id=\"main\" tabindex=\"-1\">\n",
    );
    for page in &module.pages {
        let _ = write!(
            h,
            "<section class=\"page\" id=\"page-{id}\" data-page=\"{id}\" aria-labelledby=\"h-{id}\">\n{}</section>\n",
            page.html,
            id = page.id
        );
    }
    h.push_str(&assessment_page(module));
    h.push_str(
        "</main>\n<nav class=\"pager\" aria-label=\"Pages\" hidden>\n\
         <button type=\"button\" class=\"button secondary\" id=\"prev-page\">Previous</button>\n\
         <p id=\"page-status\"></p>\n\
         <button type=\"button\" class=\"button\" id=\"next-page\">Next</button>\n</nav>\n\
         <footer class=\"finish\" hidden>\n\
         <button type=\"button\" class=\"button secondary\" id=\"finish\">Finish</button>\n\
         <p id=\"finish-status\" role=\"status\"></p>\n</footer>\n",
    );
    let _ = write!(
        h,
        "<script type=\"application/json\" id=\"course-data\">{}</script>\n</body>\n</html>\n",
        data_json(module, format)
    );
    h
}

fn assessment_page(module: &Module) -> String {
    let a = &module.assessment;
    let n = a.questions.min(module.questions.len());
    let needed = a.needed(n);
    let percent = (a.pass_mark * 100.0).round();
    let retry = if a.retry {
        " If you do not pass, you can try again straight away with a new set of questions."
    } else {
        ""
    };
    let mut h = format!(
        "<section class=\"page\" id=\"page-assessment\" data-page=\"assessment\" aria-labelledby=\"h-assessment\">\n\
         <h1 id=\"h-assessment\" tabindex=\"-1\">Final assessment</h1>\n\
         <p>Answer {n} questions to finish the module. You need {needed} right ({percent}%) to pass. \
         There is no time limit, and you see feedback on every answer once you submit.{retry}</p>\n\
         <div id=\"assessment\"><p class=\"notice\">The assessment needs JavaScript, which is switched off or \
         blocked in this browser.</p></div>\n"
    );
    if !module.sources.is_empty() {
        h.push_str("<h2>Sources</h2>\n<ul class=\"sources\">\n");
        for source in &module.sources {
            let _ = writeln!(
                h,
                "<li><a href=\"{}\" target=\"_blank\" rel=\"noopener noreferrer\">{}\
                 <span class=\"visually-hidden\"> (opens in a new tab)</span></a></li>",
                escape(&source.url),
                escape(&source.title)
            );
        }
        h.push_str("</ul>\n");
    }
    h.push_str("</section>\n");
    h
}

/// What the script needs that the HTML does not carry: answers, feedback and the question bank.
/// `<` is escaped so no string can close the script element.
fn data_json(module: &Module, format: Format) -> String {
    let answers = |options: &[crate::Answer]| -> Vec<serde_json::Value> {
        options
            .iter()
            .map(|o| json!({"t": o.html, "c": o.correct, "f": o.feedback_html}))
            .collect()
    };
    let checks: Vec<_> = module
        .checks
        .iter()
        .map(|c| json!({"multi": c.kind == crate::Kind::Multiple, "options": answers(&c.options)}))
        .collect();
    let bank: Vec<_> = module
        .questions
        .iter()
        .map(|q| {
            json!({
                "id": q.id,
                "multi": q.kind == crate::Kind::Multiple,
                "text": q.text_html,
                "options": answers(&q.options),
            })
        })
        .collect();
    let a = &module.assessment;
    let data = json!({
        "id": module.id,
        "title": module.title,
        "format": format.slug(),
        "assessment": {"n": a.questions.min(module.questions.len()), "pass": a.pass_mark, "retry": a.retry},
        "checks": checks,
        "bank": bank,
    });
    data.to_string().replace('<', "\\u003c")
}
