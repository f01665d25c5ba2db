//! HTTP routes under `/p/broadcasts`:
//!
//! | route | who | answer |
//! |---|---|---|
//! | `GET /public/feed.atom` | anyone | Atom feed of published and closed TLP:CLEAR advisories |
//! | `GET /public/orgs/<token>/feed.atom` | anyone with the secret address | Atom feed of every advisory sent to that organisation |
//! | `GET /public/csaf/<id>.json` | anyone | CSAF 2.0 of a published TLP:CLEAR advisory |
//! | `GET /csaf/<id>.json` | CERT analysts (any advisory), organisations (their inbox) | CSAF 2.0 |
//! | `GET /csaf` | CERT analysts | JSON list of every advisory id |
//! | `POST /csaf/import` | CERT analysts | imports a CSAF 2.0 body as a draft: 201 `{"id": …}`, or 400/413 with what is wrong |
//!
//! Paths under `/public/` are always served anonymously by the host, in the platform scope.

use advisory::{Advisory, Status, Tlp};
use rampart_plugin_sdk::prelude::*;

use crate::cert;
use advisory::distribution::*;

const ATOM: &str = "application/atom+xml; charset=utf-8";
const CSAF: &str = "application/json";
/// The most entries a feed carries.
const FEED_ENTRIES: usize = 50;

pub fn handle(ctx: &CallContext, request: &HttpRequest) -> Result<HttpResponse, String> {
    let segments = request.segments();
    let parts: Vec<&str> = segments.iter().map(String::as_str).collect();
    let anonymous = ctx.user_id.is_none();
    let platform = ctx.organisation_id.is_none();
    let analyst = platform && ctx.roles.iter().any(|r| r == "cert_analyst");
    Ok(match (request.method.as_str(), parts.as_slice()) {
        ("GET", ["public", "feed.atom"]) if platform => public_feed(ctx)?,
        ("GET", ["public", "orgs", token, "feed.atom"]) if platform => {
            organisation_feed(ctx, token)?
        }
        ("GET", ["public", "csaf", file]) if platform => match file.strip_suffix(".json") {
            Some(id) => public_csaf(ctx, id)?,
            None => HttpResponse::not_found(),
        },
        ("GET", ["csaf"]) if analyst => {
            let ids: Vec<String> = cert::all_advisories()?
                .into_iter()
                .map(|b| b.advisory.id)
                .collect();
            HttpResponse::json(200, &ids)
        }
        ("GET", ["csaf", file]) if !anonymous => match file.strip_suffix(".json") {
            Some(id) if analyst => match storage::get_json::<Broadcast>(ADVISORIES, id)? {
                Some(b) => csaf(ctx, &b.advisory, id),
                None => HttpResponse::not_found(),
            },
            Some(id) if !platform => match storage::get_json::<InboxItem>(INBOX, id)? {
                Some(item) if item.audience.includes(&ctx.roles) => csaf(ctx, &item.advisory, id),
                _ => HttpResponse::not_found(),
            },
            _ => HttpResponse::not_found(),
        },
        ("POST", ["csaf", "import"]) if analyst => import(&request.body)?,
        ("POST", ["csaf", "import"]) => {
            HttpResponse::text(403, "Only the national CERT's analysts import advisories.")
        }
        _ => HttpResponse::not_found(),
    })
}

fn publisher(ctx: &CallContext) -> advisory::csaf::Publisher {
    advisory::csaf::Publisher {
        name: "Rampart national CERT".into(),
        namespace: ctx.base_url.clone(),
        contact: String::new(),
    }
}

fn csaf(ctx: &CallContext, advisory: &Advisory, id: &str) -> HttpResponse {
    let document = advisory::csaf::export(advisory, &publisher(ctx));
    let body = serde_json::to_vec_pretty(&document).unwrap_or_default();
    HttpResponse::new(200, CSAF, body).with_header(
        "content-disposition",
        format!("attachment; filename=\"{}.json\"", id.to_lowercase()),
    )
}

fn public_csaf(ctx: &CallContext, id: &str) -> Result<HttpResponse, String> {
    Ok(match storage::get_json::<Broadcast>(ADVISORIES, id)? {
        Some(b) if is_public(&b.advisory) => csaf(ctx, &b.advisory, id),
        _ => HttpResponse::not_found(),
    })
}

fn is_public(advisory: &Advisory) -> bool {
    advisory.tlp == Tlp::Clear && advisory.status != Status::Draft
}

fn atom(
    ctx: &CallContext,
    title: &str,
    path: &str,
    advisories: &[Advisory],
    link_for: impl Fn(&Advisory) -> String,
) -> HttpResponse {
    let entries: Vec<&Advisory> = advisories.iter().take(FEED_ENTRIES).collect();
    // An empty feed was last updated now, not in 1970.
    let updated = entries
        .iter()
        .map(|a| a.updated_at)
        .max()
        .unwrap_or_else(clock::now);
    let url = format!("{}{}", ctx.base_url, path);
    let body = advisory::atom::feed(title, &url, &url, updated, &entries, link_for);
    HttpResponse::new(200, ATOM, body).with_header("cache-control", "no-cache")
}

fn newest_first(mut advisories: Vec<Advisory>) -> Vec<Advisory> {
    advisories.sort_by_key(|a| std::cmp::Reverse(a.updated_at));
    advisories
}

fn public_feed(ctx: &CallContext) -> Result<HttpResponse, String> {
    let public: Vec<Advisory> = cert::all_advisories()?
        .into_iter()
        .map(|b| b.advisory)
        .filter(is_public)
        .collect();
    let base = ctx.base_url.clone();
    Ok(atom(
        ctx,
        "Rampart national CERT advisories (TLP:CLEAR)",
        "/p/broadcasts/public/feed.atom",
        &newest_first(public),
        move |a| format!("{base}/p/broadcasts/public/csaf/{}.json", a.id),
    ))
}

fn organisation_feed(ctx: &CallContext, token: &str) -> Result<HttpResponse, String> {
    let valid = token.len() == 48 && token.bytes().all(|b| b.is_ascii_hexdigit());
    let owner = if valid {
        storage::get_json::<FeedOwner>(FEEDS, token)?
    } else {
        None
    };
    let Some(owner) = owner else {
        return Ok(HttpResponse::text(
            404,
            "There is no feed at this address; ask your security lead for the current one.",
        ));
    };
    let query = DocumentQuery::new(LEDGER)
        .where_index("organisation", owner.organisation.to_string())
        .limit(500);
    let mut advisories = Vec::new();
    for entry in storage::query_json::<LedgerEntry>(&query)? {
        if let Some(b) = storage::get_json::<Broadcast>(ADVISORIES, &entry.value.advisory)? {
            advisories.push(b.advisory);
        }
    }
    let base = ctx.base_url.clone();
    Ok(atom(
        ctx,
        "Advisories for your organisation",
        &format!("/p/broadcasts/public/orgs/{token}/feed.atom"),
        &newest_first(advisories),
        move |a| format!("{base}/plugins/broadcasts/advisory?id={}", a.id),
    ))
}

fn import(body: &[u8]) -> Result<HttpResponse, String> {
    if body.len() > advisory::csaf::MAX_CSAF_BYTES {
        return Ok(HttpResponse::text(
            413,
            format!(
                "The document is {} bytes; the limit is {} bytes. Split it or remove embedded data.",
                body.len(),
                advisory::csaf::MAX_CSAF_BYTES
            ),
        ));
    }
    Ok(match cert::import(body, clock::now())? {
        Ok(b) => HttpResponse::json(201, &serde_json::json!({ "id": b.advisory.id })),
        Err(message) => HttpResponse::text(400, message),
    })
}
