//! `legacy-two`: a plugin built against `rampart:plugin@0.2.0` with wit-bindgen directly, not the SDK. It
//! proves the host still runs plugins of the first API version. For the host's tests only.
//!
//! Routes under `/p/legacy-two`: `GET /ok` → 200 `ok`; `PUT /doc/<key>` stores the body (JSON) as
//! `docs/<key>` → 200 with the revision; `GET /doc/<key>` → 200 with the body, or 404. Events: `test.ping`
//! appends the event id to the JSON array in `events/seen`. Page `home`: "Built against 0.2.0".

wit_bindgen::generate!({
    path: "../../wit/0.2.0",
    world: "rampart-plugin",
});

use exports::rampart::plugin::plugin::Guest;
use rampart::plugin::storage;
use rampart::plugin::types::{
    Block, CallContext, Event, FormOutcome, Heading, HttpRequest, HttpResponse, Page, PageInfo,
    PluginInfo, StorageError, SummaryRow,
};

struct Legacy;

impl Guest for Legacy {
    fn describe() -> PluginInfo {
        PluginInfo {
            name: "legacy-two".into(),
            version: "0.2.0".into(),
            title: "Legacy".into(),
            description: "Built against API 0.2.0 without the SDK.".into(),
            capabilities: Vec::new(),
            pages: vec![PageInfo {
                id: "home".into(),
                title: "Legacy".into(),
                roles: Vec::new(),
                in_menu: false,
            }],
            subscriptions: vec!["test.ping".into()],
            tick_seconds: None,
        }
    }

    fn handle_request(_ctx: CallContext, request: HttpRequest) -> Result<HttpResponse, String> {
        let method = request.method.as_str();
        let path = request.path.as_str();
        if let Some(key) = path.strip_prefix("/doc/") {
            return Ok(match method {
                "PUT" => {
                    let body = String::from_utf8(request.body)
                        .map_err(|_| "the body is not UTF-8".to_string())?;
                    match storage::put("docs", key, &body, &[], None) {
                        Ok(revision) => text(200, &revision.to_string()),
                        Err(error) => text(400, &format!("{error:?}")),
                    }
                }
                "GET" => match storage::get("docs", key) {
                    Ok(Some(document)) => HttpResponse {
                        status: 200,
                        headers: vec![("content-type".into(), "application/json".into())],
                        body: document.body.into_bytes(),
                    },
                    Ok(None) => text(404, "not found"),
                    Err(error) => text(503, &format!("{error:?}")),
                },
                _ => text(405, "method not allowed"),
            });
        }
        Ok(match (method, path) {
            ("GET", "/ok") => text(200, "ok"),
            _ => text(404, "not found"),
        })
    }

    fn handle_event(_ctx: CallContext, event: Event) -> Result<(), String> {
        if event.topic != "test.ping" {
            return Ok(());
        }
        // Append the id to the JSON array `events/seen`, retrying when another delivery wrote in between.
        for _ in 0..5 {
            let (seen, revision) =
                match storage::get("events", "seen").map_err(|e| format!("{e:?}"))? {
                    Some(document) => (document.body, document.revision),
                    None => ("[]".to_string(), 0),
                };
            let inner = seen
                .trim()
                .trim_start_matches('[')
                .trim_end_matches(']')
                .trim();
            let updated = if inner.is_empty() {
                format!("[{}]", event.id)
            } else {
                format!("[{inner},{}]", event.id)
            };
            match storage::put("events", "seen", &updated, &[], Some(revision)) {
                Ok(_) => return Ok(()),
                Err(StorageError::Conflict(_)) => continue,
                Err(error) => return Err(format!("{error:?}")),
            }
        }
        Err("events/seen kept changing".into())
    }

    fn render_page(
        _ctx: CallContext,
        page: String,
        _query: Vec<(String, String)>,
    ) -> Result<Page, String> {
        if page != "home" {
            return Err(format!("no such page: {page}"));
        }
        Ok(Page {
            title: "Legacy".into(),
            blocks: vec![
                Block::Heading(Heading {
                    level: 2,
                    text: "Built against 0.2.0".into(),
                }),
                Block::Summary(vec![
                    SummaryRow {
                        key: "API".into(),
                        value: "rampart:plugin@0.2.0".into(),
                    },
                    SummaryRow {
                        key: "SDK".into(),
                        value: "none (wit-bindgen directly)".into(),
                    },
                ]),
            ],
        })
    }

    fn submit_form(
        _ctx: CallContext,
        page: String,
        form: String,
        _fields: Vec<(String, String)>,
    ) -> Result<FormOutcome, String> {
        Err(format!("no such form: {page}/{form}"))
    }

    fn tick(_ctx: CallContext, _now: i64) -> Result<(), String> {
        Ok(())
    }
}

fn text(status: u16, body: &str) -> HttpResponse {
    HttpResponse {
        status,
        headers: vec![("content-type".into(), "text/plain; charset=utf-8".into())],
        body: body.as_bytes().to_vec(),
    }
}

export!(Legacy);
