//! `misbehave`: a plugin for the host's isolation and capability tests, never for a real Rampart.
//!
//! Built against API 0.3.0 with the SDK. It asks for `events.publish`, `events.platform`, `notify.email`,
//! `directory.read` and `training.assign` (not `facts.training`), subscribes to `test.*` and has one page,
//! `home`.
//!
//! Routes under `/p/misbehave`:
//!
//! | request | answer |
//! |---|---|
//! | `GET /ok` | 200 `ok` |
//! | `GET /loop` | never: spins until the host interrupts it |
//! | `GET /bomb` | never: allocates and touches 1 MiB chunks until the host's memory cap traps it |
//! | `GET /panic` | never: panics (a trap) |
//! | `PUT /doc/<key>` | stores the body (JSON) as `docs/<key>`; 200 with the new revision, or 400/409/413/503 with the storage error |
//! | `GET /doc/<key>` | 200 with the stored body (`application/json`), or 404 |
//! | `GET /count` | 200 with `storage.count("docs")` |
//! | `POST /publish` | publishes the body (JSON) as `test.ping`; 200 with the event id, or 403 with the host's error |
//! | `POST /email` | emails role `learner`; 200 with how many were queued, or 403 with the host's error |
//! | `GET /orgs` | 200 with `directory.organisations()` as JSON, or 403 with the host's error |
//! | `GET /facts` | 200 with `facts.training-completion()` as JSON, or 403 with the host's error (not granted: it does not ask for `facts.training`) |
//! | `POST /report` | sends the body (JSON) up to the platform as `test.report`; 200 with the event id, or 403 |
//! | `GET /courses` | 200 with `training.courses()` as JSON, or 403 |
//! | `POST /assign/<identifier>` | assigns the course to role `learner`, due at the body's number (ms) if any; 200 with how many, or 403 |
//!
//! Events: `test.ping` appends the event's id to the JSON array in `events/seen` (every delivery, so a
//! redelivery shows as a repeated id); `test.report` (in the platform scope) appends the sending
//! organisation's id to `events/reports`; `test.fail` fails with `deliberate failure`; others are ignored.
//!
//! The page `home` renders normally; with `?do=loop`, `?do=bomb` or `?do=panic` it misbehaves like the
//! routes, to test the page path too.

use rampart_plugin_sdk::prelude::*;

struct Misbehave;

impl Plugin for Misbehave {
    fn describe() -> PluginInfo {
        PluginInfo::new("misbehave", env!("CARGO_PKG_VERSION"), "Misbehave")
            .description("Loops, allocates and panics on request: the host's isolation tests.")
            .capability("events.publish")
            .capability("notify.email")
            .capability("directory.read")
            .capability("events.platform")
            .capability("training.assign")
            .page(PageInfo::new("home", "Misbehave"))
            .subscribe("test.*")
            .tick_every(60)
    }

    /// Counts ticks in storage (`ticks/count`), so tests can see the scheduler call it.
    fn tick(_ctx: CallContext, _now: i64) -> Result<(), String> {
        storage::update_json("ticks", "count", &[], |count: Option<u64>| {
            count.unwrap_or(0) + 1
        })?;
        Ok(())
    }

    fn render_page(
        _ctx: CallContext,
        page: String,
        query: Vec<(String, String)>,
    ) -> Result<Page, String> {
        if page != "home" {
            return Err(format!("no such page: {page}"));
        }
        match param(&query, "do") {
            Some("loop") => spin(),
            Some("bomb") => bomb(),
            Some("panic") => panic!("deliberate panic for the isolation test"),
            _ => {}
        }
        Ok(Page::new("Misbehave")
            .block(heading(2, "Misbehave"))
            .block(text(
                "A test plugin. It loops, allocates and panics on request.",
            ))
            .block(summary([(
                "Documents",
                storage::count("docs", None)?.to_string(),
            )])))
    }

    fn handle_request(_ctx: CallContext, request: HttpRequest) -> Result<HttpResponse, String> {
        let method = request.method.as_str();
        let path = request.path.as_str();
        if let Some(course) = path.strip_prefix("/assign/") {
            let due_at = request.body_text()?.trim().parse::<i64>().ok();
            return Ok(refused_as_403(
                training::assign(
                    course,
                    &Recipients::Role("learner".into()),
                    due_at,
                    "Assigned by the misbehave test plugin",
                )
                .map(|added| HttpResponse::text(200, added.to_string())),
            ));
        }
        if let Some(key) = path.strip_prefix("/doc/") {
            return Ok(match method {
                "PUT" => match storage::put("docs", key, request.body_text()?, &[], None) {
                    Ok(revision) => HttpResponse::text(200, revision.to_string()),
                    Err(error) => storage_error(error),
                },
                "GET" => match storage::get("docs", key) {
                    Ok(Some(document)) => HttpResponse::new(200, "application/json", document.body),
                    Ok(None) => HttpResponse::not_found(),
                    Err(error) => storage_error(error),
                },
                _ => HttpResponse::method_not_allowed(),
            });
        }
        Ok(match (method, path) {
            ("GET", "/ok") => HttpResponse::text(200, "ok"),
            ("GET", "/loop") => spin(),
            ("GET", "/bomb") => bomb(),
            ("GET", "/panic") => panic!("deliberate panic for the isolation test"),
            ("GET", "/count") => match storage::count("docs", None) {
                Ok(count) => HttpResponse::text(200, count.to_string()),
                Err(error) => storage_error(error),
            },
            ("POST", "/publish") => {
                let body = request.body_text()?;
                let payload = if body.trim().is_empty() { "{}" } else { body };
                refused_as_403(
                    events::publish("test.ping", payload)
                        .map(|id| HttpResponse::text(200, id.to_string())),
                )
            }
            ("POST", "/email") => refused_as_403(
                notify::email(
                    &Recipients::Role("learner".into()),
                    "Misbehave test",
                    "A test email from the misbehave plugin.",
                )
                .map(|queued| HttpResponse::text(200, queued.to_string())),
            ),
            ("GET", "/orgs") => refused_as_403(
                directory::organisations().map(|orgs| HttpResponse::json(200, &orgs)),
            ),
            ("GET", "/facts") => refused_as_403(
                facts::training_completion().map(|facts| HttpResponse::json(200, &facts)),
            ),
            ("POST", "/report") => {
                let body = request.body_text()?;
                let payload = if body.trim().is_empty() { "{}" } else { body };
                refused_as_403(
                    events::publish_to_platform("test.report", payload)
                        .map(|id| HttpResponse::text(200, id.to_string())),
                )
            }
            ("GET", "/courses") => {
                refused_as_403(training::courses().map(|courses| HttpResponse::json(200, &courses)))
            }
            _ => HttpResponse::not_found(),
        })
    }

    fn handle_event(_ctx: CallContext, event: Event) -> Result<(), String> {
        match event.topic.as_str() {
            "test.ping" => {
                storage::update_json("events", "seen", &[], |seen: Option<Vec<i64>>| {
                    let mut seen = seen.unwrap_or_default();
                    seen.push(event.id);
                    seen
                })?;
                Ok(())
            }
            "test.report" => {
                let from = event.organisation_id.unwrap_or(-1);
                storage::update_json("events", "reports", &[], |seen: Option<Vec<i64>>| {
                    let mut seen = seen.unwrap_or_default();
                    seen.push(from);
                    seen
                })?;
                Ok(())
            }
            "test.fail" => Err("deliberate failure".into()),
            _ => Ok(()),
        }
    }
}

/// Spins forever; `black_box` keeps the optimiser from proving the loop useless.
fn spin() -> ! {
    let mut counter: u64 = 0;
    loop {
        counter = core::hint::black_box(counter.wrapping_add(1));
    }
}

/// Grabs memory 1 MiB at a time, writing to every page so it is really used, until the host traps it.
fn bomb() -> ! {
    let mut hoard: Vec<Vec<u8>> = Vec::new();
    loop {
        let mut chunk = vec![0u8; 1 << 20];
        for byte in chunk.iter_mut().step_by(4096) {
            *byte = 1;
        }
        hoard.push(core::hint::black_box(chunk));
    }
}

/// A host refusal (a capability not granted …) as 403 with the host's text.
fn refused_as_403(result: Result<HttpResponse, String>) -> HttpResponse {
    result.unwrap_or_else(|error| HttpResponse::text(403, error))
}

fn storage_error(error: StorageError) -> HttpResponse {
    let status = match error {
        StorageError::Conflict(_) => 409,
        StorageError::TooLarge(_) => 413,
        StorageError::Invalid(_) => 400,
        StorageError::Unavailable(_) => 503,
    };
    HttpResponse::text(status, error.message())
}

export_plugin!(Misbehave);
