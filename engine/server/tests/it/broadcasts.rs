//! The broadcasts plugin (`plugins/broadcasts`, built for wasm32-wasip2) installed into a real server:
//! a CERT analyst writes and publishes an advisory; only the targeted organisations receive it; a
//! security lead acknowledges and responds; the CERT's dashboard shows it; a missed deadline is escalated
//! when the clock passes it; the linked course is assigned; the CSAF export validates against the
//! official CSAF 2.0 schema and imports again; the Atom feeds parse with an independent parser; bad input
//! changes nothing.

use std::path::{Path, PathBuf};

use axum::http::StatusCode;
use serde_json::Value;
use store::{NewOrganisation, Store};

use crate::runtime::{Course, course};
use crate::support::{PASSWORD, Reply, TestApp};

store::contract_tests!(an_advisory_goes_from_the_cert_to_the_targeted_organisations_and_back);

const ORIGIN: &str = "http://127.0.0.1:3000";
const HOUR: i64 = 3600;
const VECTOR: &str = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";

fn broadcasts_wasm() -> Vec<u8> {
    let dir = std::env::var_os("RAMPART_TEST_PLUGINS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/plugins/wasm32-wasip2/release")
        });
    std::fs::read(dir.join("broadcasts.wasm"))
        .unwrap_or_else(|e| panic!("broadcasts.wasm (run `cargo xtask build-plugins`): {e}"))
}

fn conformance() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/conformance/csaf-2.0")
}

/// FIRST's CVSS schemas, which the CSAF schema references, from the local copies.
struct LocalFirstSchemas;

impl jsonschema::Retrieve for LocalFirstSchemas {
    fn retrieve(
        &self,
        uri: &jsonschema::Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        let name = uri
            .as_str()
            .strip_prefix("https://www.first.org/cvss/")
            .filter(|name| !name.contains('/'))
            .ok_or_else(|| format!("no local copy of {}", uri.as_str()))?;
        let text =
            std::fs::read_to_string(conformance().join("referenced_schema/first").join(name))?;
        Ok(serde_json::from_str(&text)?)
    }
}

fn csaf_validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(conformance().join("json_schema/csaf_json_schema.json"))
        .expect("../shared/conformance/csaf-2.0 is beside the project");
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .with_retriever(LocalFirstSchemas)
        .build(&schema)
        .expect("the CSAF 2.0 schema compiles")
}

fn assert_valid_csaf(validator: &jsonschema::Validator, name: &str, document: &Value) {
    let errors: Vec<String> = validator
        .iter_errors(document)
        .map(|e| format!("at {}: {e}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{name} is not valid CSAF 2.0:\n{}",
        errors.join("\n")
    );
}

async fn organisation(store: &Store, name: &str, kind: &str, region: &str) -> i64 {
    store
        .create_organisation(
            &NewOrganisation {
                name: name.into(),
                slug: name.to_lowercase().replace(' ', "-"),
                kind: kind.into(),
                region: Some(region.into()),
            },
            1,
        )
        .await
        .unwrap()
        .id
}

/// Someone signed in on their own browser.
async fn person(
    admin: &mut TestApp,
    name: &str,
    email: &str,
    organisation: Option<i64>,
    roles: &[&str],
) -> TestApp {
    let organisation = organisation.map(|id| id.to_string()).unwrap_or_default();
    let role_fields: Vec<String> = roles.iter().map(|r| format!("role_{r}")).collect();
    let mut fields = vec![
        ("display_name", name),
        ("email", email),
        ("password", PASSWORD),
        ("organisation_id", organisation.as_str()),
    ];
    fields.extend(role_fields.iter().map(|f| (f.as_str(), "on")));
    let created = admin.post_json_reply("/api/create_user", &fields).await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    let mut browser = admin.fork_without_cookies();
    browser.sign_in(email, PASSWORD, "/dashboard").await;
    browser
}

/// The CSV line of one organisation.
fn row<'a>(csv: &'a str, organisation: &str) -> &'a str {
    csv.lines()
        .find(|line| line.starts_with(organisation))
        .unwrap_or_else(|| panic!("no row for {organisation} in:\n{csv}"))
}

/// Moving the clock by days ends sessions: each person signs in again.
async fn sign_in_again<const N: usize>(people: [(&mut TestApp, &str); N]) {
    for (browser, email) in people {
        browser.sign_in(email, PASSWORD, "/dashboard").await;
    }
}

const CAPABILITIES: [&str; 7] = [
    "events.cross-organisation",
    "events.platform",
    "notify.in-app",
    "notify.email",
    "notify.webhook",
    "directory.read",
    "training.assign",
];

async fn turn_on(admin: &TestApp, organisation: i64) {
    let granted: Vec<String> = CAPABILITIES.iter().map(|c| c.to_string()).collect();
    admin
        .state
        .plugins
        .set_activation("broadcasts", organisation, true, &granted, None)
        .await
        .unwrap();
}

/// Posts a plugin form and follows the redirect to the page it lands on.
async fn submit(app: &mut TestApp, page: &str, form: &str, fields: &[(&str, &str)]) -> Reply {
    let token = app.csrf_token().await;
    let separator = if page.contains('?') { '&' } else { '?' };
    let url = format!("/plugins/broadcasts/{page}{separator}form={form}");
    let posted = app
        .post_form_from_origin(&url, fields, &token, ORIGIN)
        .await;
    assert_eq!(
        posted.status,
        StatusCode::SEE_OTHER,
        "{url}: {}",
        posted.body
    );
    app.get(posted.location().unwrap()).await
}

/// Delivers events until none is left (reports go up after advisories come down).
async fn settle(app: &TestApp) {
    for _ in 0..5 {
        if app.state.plugins.deliver_due().await.unwrap() == 0 {
            return;
        }
    }
}

fn advisory_fields<'a>(title: &'a str, cvss: &'a str, course: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("title", title),
        (
            "summary",
            "A remote code execution flaw in NetScaler is being exploited against NHS organisations.",
        ),
        (
            "threat",
            "Attackers send a crafted request to the **management interface**.",
        ),
        ("kind", "vulnerability"),
        (
            "products",
            "Citrix | NetScaler ADC | 13.1 before 13.1-51.15",
        ),
        ("cves", "CVE-2026-21234"),
        ("cvss", cvss),
        ("severity", "information"),
        (
            "remediation",
            "Install 13.1-51.15 or later.\nCheck the logs for requests to /vpn/.",
        ),
        (
            "references",
            "https://support.citrix.com/article/CTX1 Vendor bulletin",
        ),
        ("tlp", "clear"),
        ("course", course),
        ("audience", "everyone"),
        ("target", "kinds"),
        ("kind_acute_trust", "on"),
        ("kind_ambulance_trust", "on"),
        ("organisations", ""),
    ]
}

async fn an_advisory_goes_from_the_cert_to_the_targeted_organisations_and_back(store: &Store) {
    let Course {
        mut admin,
        mut nia,
        package_id,
        ..
    } = course(store).await;
    admin
        .state
        .plugins
        .install(broadcasts_wasm())
        .await
        .unwrap();
    let leeds = store.find_organisation("leeds-trust").await.unwrap().id;
    let ambulance = organisation(
        store,
        "North West Ambulance",
        "ambulance_trust",
        "North West",
    )
    .await;
    let surgery = organisation(store, "Bridge Street Surgery", "gp_practice", "London").await;
    for org in [leeds, ambulance, surgery] {
        turn_on(&admin, org).await;
    }
    // An acute trust that never turned Broadcasts on: targeted, but it cannot receive.
    organisation(store, "Quiet Valley Hospitals", "acute_trust", "South West").await;
    // Leeds' own tooling listens on a webhook.
    store
        .set_webhook(
            leeds,
            "https://soc.leeds.example/rampart",
            "leeds-secret",
            1,
        )
        .await
        .unwrap();
    let mut cat = person(
        &mut admin,
        "Cat Analyst",
        "cat@cert.example",
        None,
        &["cert_analyst"],
    )
    .await;
    let mut sam = person(
        &mut admin,
        "Sam Lead",
        "sam@leeds.example",
        Some(leeds),
        &["security_lead"],
    )
    .await;
    let mut amy = person(
        &mut admin,
        "Amy Lead",
        "amy@nwas.example",
        Some(ambulance),
        &["security_lead"],
    )
    .await;
    let mut gus = person(
        &mut admin,
        "Gus Lead",
        "gus@bridge.example",
        Some(surgery),
        &["security_lead"],
    )
    .await;

    // The CERT desk is the analyst's; a security lead cannot open it.
    let desk = cat.get("/plugins/broadcasts/cert").await;
    assert_eq!(desk.status, StatusCode::OK, "{}", desk.body);
    assert!(desk.body.contains("No advisories yet"), "{}", desk.body);
    let refused = sam.get("/plugins/broadcasts/cert").await;
    assert_ne!(refused.status, StatusCode::OK);

    // An invalid CVSS vector is refused with what is wrong, and nothing is saved.
    let bad = submit(
        &mut cat,
        "edit",
        "advisory:",
        &advisory_fields(
            "NetScaler exploited",
            "CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            "rt",
        ),
    )
    .await;
    assert!(bad.body.contains("metric AV has value X"), "{}", bad.body);
    assert_eq!(cat.get("/p/broadcasts/csaf").await.body, "[]");

    // A draft, previewed, then published to acute and ambulance trusts only.
    let saved = submit(
        &mut cat,
        "edit",
        "advisory:",
        &advisory_fields("NetScaler exploited", VECTOR, "rt"),
    )
    .await;
    assert!(
        saved.body.contains("RAM-2027-0001 saved as a draft"),
        "{}",
        saved.body
    );
    assert!(saved.body.contains("Preview"), "{}", saved.body);
    assert!(
        saved.body.contains("9.8 Critical (CVSS 3.1)"),
        "{}",
        saved.body
    );
    assert!(
        saved.body.contains("Publish to 3 organisations"),
        "{}",
        saved.body
    );
    let published = submit(
        &mut cat,
        "manage?id=RAM-2027-0001",
        "publish:RAM-2027-0001",
        &[("summary", "")],
    )
    .await;
    assert!(
        published
            .body
            .contains("RAM-2027-0001 published to 3 organisations"),
        "{}",
        published.body
    );
    settle(&admin).await;

    // Leeds and the ambulance trust have it; the surgery does not.
    let inbox = sam.get("/plugins/broadcasts/inbox").await;
    assert!(inbox.body.contains("RAM-2027-0001"), "{}", inbox.body);
    assert!(
        inbox.body.contains("acknowledging by your security lead"),
        "{}",
        inbox.body
    );
    assert!(
        amy.get("/plugins/broadcasts/inbox")
            .await
            .body
            .contains("RAM-2027-0001")
    );
    let other = gus.get("/plugins/broadcasts/inbox").await;
    assert!(!other.body.contains("RAM-2027-0001"), "{}", other.body);
    let direct = gus
        .get("/plugins/broadcasts/advisory?id=RAM-2027-0001")
        .await;
    assert!(
        direct
            .body
            .contains("has not received an advisory RAM-2027-0001"),
        "{}",
        direct.body
    );
    assert_eq!(
        gus.get("/p/broadcasts/csaf/RAM-2027-0001.json")
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // Leeds' webhook and everyone's email are queued in the outbox; the surgery's are not.
    let queued = store.due_outbox(i64::MAX, 100).await.unwrap();
    let webhook = queued
        .iter()
        .find(|item| item.kind == "webhook" && item.organisation_id == Some(leeds))
        .expect("a webhook for Leeds");
    assert!(
        webhook.message.contains("broadcasts.advisory")
            && webhook.message.contains("RAM-2027-0001")
    );
    assert!(
        queued
            .iter()
            .any(|item| item.kind == "email" && item.organisation_id == Some(ambulance))
    );
    assert!(
        queued
            .iter()
            .all(|item| item.organisation_id != Some(surgery)),
        "{queued:?}"
    );

    // Everyone at Leeds was told in the app, and the course was assigned to them as training.
    let told = nia.get("/notifications").await;
    assert!(
        told.body.contains("[CRITICAL] new advisory RAM-2027-0001"),
        "{}",
        told.body
    );
    let nia_id = store.user_by_email("nia@leeds.example").await.unwrap().id;
    let assigned = store.assignments_of_user(nia_id).await.unwrap();
    assert_eq!(assigned.len(), 1, "{assigned:?}");
    assert_eq!(assigned[0].package_id, package_id);
    assert!(assigned[0].reason.contains("RAM-2027-0001"));
    // The critical advisory is a banner on every page until Nia opens it.
    let dashboard = nia.get("/dashboard").await;
    assert!(dashboard.body.contains("Urgent: "), "{}", dashboard.body);
    let banner_link = dashboard
        .body
        .split("href=\"/notifications/")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .map(|rest| format!("/notifications/{rest}"))
        .unwrap_or_else(|| panic!("{}", dashboard.body));
    let opened = nia.get(&banner_link).await;
    assert_eq!(opened.status, StatusCode::SEE_OTHER, "{}", opened.body);
    assert_eq!(
        opened.location(),
        Some("/plugins/broadcasts/advisory?id=RAM-2027-0001")
    );
    assert!(!nia.get("/dashboard").await.body.contains("Urgent: "));
    assert!(
        dashboard.body.contains("Assigned to you."),
        "{}",
        dashboard.body
    );
    let gus_id = store.user_by_email("gus@bridge.example").await.unwrap().id;
    assert!(store.assignments_of_user(gus_id).await.unwrap().is_empty());

    // A learner can read it but not acknowledge it.
    let read = nia
        .get("/plugins/broadcasts/advisory?id=RAM-2027-0001")
        .await;
    assert!(read.body.contains("NetScaler exploited"), "{}", read.body);
    assert!(!read.body.contains("form=acknowledge"), "{}", read.body);

    // Leeds' security lead acknowledges, then responds.
    let acknowledged = submit(
        &mut sam,
        "advisory?id=RAM-2027-0001",
        "acknowledge:RAM-2027-0001",
        &[("confirm", "on")],
    )
    .await;
    assert!(
        acknowledged.body.contains("RAM-2027-0001 acknowledged"),
        "{}",
        acknowledged.body
    );
    let incomplete = submit(
        &mut sam,
        "advisory?id=RAM-2027-0001",
        "respond:RAM-2027-0001",
        &[
            ("applicable", "yes"),
            ("actions", "Found two appliances."),
            ("plan", ""),
            ("plan_date", ""),
        ],
    )
    .await;
    assert!(
        incomplete
            .body
            .contains("give the date the plan will be done"),
        "{}",
        incomplete.body
    );
    let responded = submit(
        &mut sam,
        "advisory?id=RAM-2027-0001",
        "respond:RAM-2027-0001",
        &[
            ("applicable", "yes"),
            (
                "actions",
                "Found two appliances; took the management interface off the internet.",
            ),
            ("plan", "Patch both in tonight's change window."),
            ("plan_date", "2027-01-16"),
        ],
    )
    .await;
    assert!(
        responded.body.contains("Response sent to the CERT"),
        "{}",
        responded.body
    );
    settle(&admin).await;

    // The CERT's dashboard and its CSV show who did what.
    let manage = cat.get("/plugins/broadcasts/manage?id=RAM-2027-0001").await;
    assert!(
        manage.body.contains("Organisations and their responses")
            && manage.body.contains("Organisations by response"),
        "{}",
        manage.body
    );
    let csv = cat
        .get("/plugins/broadcasts/manage/organisations.csv?id=RAM-2027-0001")
        .await;
    assert_eq!(csv.status, StatusCode::OK, "{}", csv.body);
    let leeds_row = row(&csv.body, "Leeds Trust");
    assert!(
        leeds_row.contains("Responded") && leeds_row.contains("2027-01-16"),
        "{leeds_row}"
    );
    let ambulance_row = row(&csv.body, "North West Ambulance");
    assert!(
        ambulance_row.contains("Awaiting acknowledgement"),
        "{ambulance_row}"
    );
    assert!(!csv.body.contains("Bridge Street Surgery"));
    let quiet_row = row(&csv.body, "Quiet Valley Hospitals");
    assert!(quiet_row.contains("Sent, not received"), "{quiet_row}");

    // 37 hours in: the ambulance trust's lead is reminded; nobody is escalated yet.
    admin.clock.advance(37 * HOUR);
    // The platform's tick and one per organisation that turned broadcasts on.
    assert_eq!(admin.state.plugins.run_ticks().await.unwrap(), 4);
    // Sessions end after a day and a half; everyone signs in again.
    sign_in_again([
        (&mut amy, "amy@nwas.example"),
        (&mut cat, "cat@cert.example"),
        (&mut sam, "sam@leeds.example"),
    ])
    .await;
    let reminded = amy.get("/notifications").await;
    assert!(
        reminded
            .body
            .contains("Reminder: acknowledge RAM-2027-0001"),
        "{}",
        reminded.body
    );
    assert!(
        !cat.get("/notifications")
            .await
            .body
            .contains("missed the 48-hour acknowledgement")
    );

    // 49 hours in: the ambulance trust is overdue and escalated to the CERT; Leeds is not.
    admin.clock.advance(12 * HOUR);
    admin.state.plugins.run_ticks().await.unwrap();
    sign_in_again([
        (&mut amy, "amy@nwas.example"),
        (&mut cat, "cat@cert.example"),
        (&mut sam, "sam@leeds.example"),
    ])
    .await;
    let escalated = cat.get("/notifications").await;
    assert!(
        escalated
            .body
            .contains("RAM-2027-0001: 2 organisations missed the 48-hour acknowledgement"),
        "{}",
        escalated.body
    );
    assert!(
        amy.get("/notifications")
            .await
            .body
            .contains("Overdue: RAM-2027-0001")
    );
    let csv = cat
        .get("/plugins/broadcasts/manage/organisations.csv?id=RAM-2027-0001")
        .await;
    let ambulance_row = row(&csv.body, "North West Ambulance");
    assert!(ambulance_row.contains("Overdue"), "{ambulance_row}");
    let leeds_row = row(&csv.body, "Leeds Trust");
    assert!(!leeds_row.contains("Overdue"), "{leeds_row}");
    let quiet_row = row(&csv.body, "Quiet Valley Hospitals");
    assert!(quiet_row.contains("Overdue"), "{quiet_row}");
    // Escalated once: the next tick tells nobody again.
    admin.clock.advance(HOUR);
    admin.state.plugins.run_ticks().await.unwrap();
    let again = store
        .notifications_of(
            store.user_by_email("cat@cert.example").await.unwrap().id,
            50,
        )
        .await
        .unwrap();
    assert_eq!(
        again
            .iter()
            .filter(|n| n.title.contains("missed the 48-hour acknowledgement"))
            .count(),
        1
    );

    // A question reaches the CERT's queue, and the answer comes back.
    submit(
        &mut sam,
        "advisory?id=RAM-2027-0001",
        "question:RAM-2027-0001",
        &[("question", "Is 13.0 affected?")],
    )
    .await;
    settle(&admin).await;
    let queue = cat.get("/plugins/broadcasts/requests").await;
    assert!(
        queue.body.contains("Is 13.0 affected?") && queue.body.contains("Leeds Trust"),
        "{}",
        queue.body
    );
    let form = queue
        .body
        .split("form=answer%3A")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| panic!("{}", queue.body))
        .to_owned();
    let answered = submit(
        &mut cat,
        "requests",
        &format!("answer:{form}"),
        &[("answer", "No: only 13.1 and 14.1.")],
    )
    .await;
    assert!(
        answered.body.contains("Answer sent to Leeds Trust"),
        "{}",
        answered.body
    );
    settle(&admin).await;
    let timeline = sam
        .get("/plugins/broadcasts/advisory?id=RAM-2027-0001")
        .await;
    assert!(
        timeline.body.contains("The CERT answered") && timeline.body.contains("only 13.1 and 14.1"),
        "{}",
        timeline.body
    );

    // The CSAF export validates against the official schema and imports again as a new draft.
    let validator = csaf_validator();
    let exported = cat.get("/p/broadcasts/csaf/RAM-2027-0001.json").await;
    assert_eq!(exported.status, StatusCode::OK, "{}", exported.body);
    let document: Value = serde_json::from_str(&exported.body).unwrap();
    assert_valid_csaf(&validator, "RAM-2027-0001", &document);
    let token = cat.csrf_token().await;
    let imported = cat
        .post_body(
            "/p/broadcasts/csaf/import",
            "application/json",
            exported.body.clone(),
            &[("x-csrf-token", &token), ("origin", ORIGIN)],
        )
        .await;
    assert_eq!(imported.status, StatusCode::CREATED, "{}", imported.body);
    let again = cat.get("/p/broadcasts/csaf/RAM-2027-0002.json").await;
    let again: Value = serde_json::from_str(&again.body).unwrap();
    assert_valid_csaf(&validator, "RAM-2027-0002", &again);
    assert_eq!(again["document"]["title"], document["document"]["title"]);
    assert_eq!(again["vulnerabilities"][0]["cve"], "CVE-2026-21234");

    // The public feed (TLP:CLEAR) parses with an independent parser; so does Leeds' own feed.
    let mut anonymous = admin.fork_without_cookies();
    let public = anonymous.get("/p/broadcasts/public/feed.atom").await;
    assert_eq!(public.status, StatusCode::OK, "{}", public.body);
    let feed = feed_rs::parser::parse(public.body.as_bytes()).expect("the public feed parses");
    assert_eq!(feed.entries.len(), 1, "{}", public.body);
    assert!(
        feed.entries[0]
            .title
            .as_ref()
            .unwrap()
            .content
            .contains("RAM-2027-0001")
    );
    let feeds = submit(&mut sam, "feeds", "feed", &[]).await;
    assert!(
        feeds.body.contains("New feed address made"),
        "{}",
        feeds.body
    );
    settle(&admin).await;
    let address = feeds
        .body
        .split("/p/broadcasts/public/orgs/")
        .nth(1)
        .and_then(|rest| rest.split("/feed.atom").next())
        .unwrap_or_else(|| panic!("{}", feeds.body))
        .to_owned();
    let own = anonymous
        .get(&format!("/p/broadcasts/public/orgs/{address}/feed.atom"))
        .await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.body);
    let own = feed_rs::parser::parse(own.body.as_bytes()).expect("the organisation's feed parses");
    assert_eq!(own.entries.len(), 1);
    let guessed = anonymous
        .get(&format!(
            "/p/broadcasts/public/orgs/{}/feed.atom",
            "0".repeat(48)
        ))
        .await;
    assert_eq!(guessed.status, StatusCode::NOT_FOUND);

    // A revision reaches Leeds; closing makes the advisory read-only.
    let mut revised = advisory_fields("NetScaler exploited: patch out", VECTOR, "rt");
    revised.push(("change_summary", "The vendor's fixed build is out."));
    let revision = submit(
        &mut cat,
        "edit?id=RAM-2027-0001",
        "advisory:RAM-2027-0001",
        &revised,
    )
    .await;
    assert!(
        revision
            .body
            .contains("RAM-2027-0001 revision 2 sent to 3 organisations"),
        "{}",
        revision.body
    );
    settle(&admin).await;
    let read = sam
        .get("/plugins/broadcasts/advisory?id=RAM-2027-0001")
        .await;
    assert!(
        read.body.contains("NetScaler exploited: patch out")
            && read.body.contains("fixed build is out"),
        "{}",
        read.body
    );
    let closed = submit(
        &mut cat,
        "manage?id=RAM-2027-0001",
        "close:RAM-2027-0001",
        &[("summary", "Patched everywhere.")],
    )
    .await;
    assert!(
        closed.body.contains("RAM-2027-0001 closed"),
        "{}",
        closed.body
    );
    let token = cat.csrf_token().await;
    let mut late = advisory_fields("Edited after closing", VECTOR, "rt");
    late.push(("change_summary", "late"));
    let refused = cat
        .post_form_from_origin(
            "/plugins/broadcasts/edit?id=RAM-2027-0001&form=advisory:RAM-2027-0001",
            &late,
            &token,
            ORIGIN,
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    let page = cat.get("/plugins/broadcasts/edit?id=RAM-2027-0001").await;
    assert!(
        page.body.contains("closed advisories cannot be edited")
            || page.body.contains("Closed advisories cannot be edited"),
        "{}",
        page.body
    );
    let after = cat.get("/p/broadcasts/csaf/RAM-2027-0001.json").await;
    assert!(!after.body.contains("Edited after closing"));
}

/// Every CSAF document in `CSAF_IMPORT_DIR` (default: the OASIS examples) imports through the server;
/// every advisory the plugin then holds exports into `CSAF_EXPORT_DIR` (default under `target/`), each
/// valid against the CSAF 2.0 schema. Bad documents are refused with the reason and add nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn csaf_documents_import_and_export_through_the_server() {
    let db = store::test_db::TestDb::sqlite().await;
    let mut admin = TestApp::with_admin(&db.store).await;
    admin
        .state
        .plugins
        .install(broadcasts_wasm())
        .await
        .unwrap();
    let mut cat = person(
        &mut admin,
        "Cat Analyst",
        "cat@cert.example",
        None,
        &["cert_analyst"],
    )
    .await;
    // With nothing published the public feed is empty, and dated now rather than 1970.
    let empty = admin
        .fork_without_cookies()
        .get("/p/broadcasts/public/feed.atom")
        .await;
    let feed = feed_rs::parser::parse(empty.body.as_bytes()).expect("the empty feed parses");
    assert!(feed.entries.is_empty());
    assert_eq!(
        feed.updated.map(|at| at.timestamp()),
        Some(accounts::Clock::now(admin.clock.as_ref()))
    );
    let token = cat.csrf_token().await;
    let headers = [("x-csrf-token", token.as_str()), ("origin", ORIGIN)];

    let import_dir = std::env::var_os("CSAF_IMPORT_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| conformance().join("examples"));
    let mut names: Vec<PathBuf> = std::fs::read_dir(&import_dir)
        .unwrap_or_else(|e| panic!("{}: {e}", import_dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "json"))
        .collect();
    names.sort();
    assert!(
        !names.is_empty(),
        "no CSAF documents in {}",
        import_dir.display()
    );
    for path in &names {
        let body = std::fs::read_to_string(path).unwrap();
        let reply = cat
            .post_body(
                "/p/broadcasts/csaf/import",
                "application/json",
                body,
                &headers,
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::CREATED,
            "{}: {}",
            path.display(),
            reply.body
        );
    }

    // Malformed and oversized documents are refused, saying why, and add nothing.
    let malformed = cat
        .post_body(
            "/p/broadcasts/csaf/import",
            "application/json",
            r#"{"document": {"csaf_version": "2.0", "tracking": 7}}"#.to_owned(),
            &headers,
        )
        .await;
    assert_eq!(
        malformed.status,
        StatusCode::BAD_REQUEST,
        "{}",
        malformed.body
    );
    assert!(malformed.body.contains("document"), "{}", malformed.body);
    let oversized = cat
        .post_body(
            "/p/broadcasts/csaf/import",
            "application/json",
            format!("\"{}\"", "x".repeat(1024 * 1024)),
            &headers,
        )
        .await;
    assert_eq!(
        oversized.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        oversized.body
    );

    let ids: Vec<String> = serde_json::from_str(&cat.get("/p/broadcasts/csaf").await.body).unwrap();
    assert_eq!(ids.len(), names.len(), "{ids:?}");
    let export_dir = std::env::var_os("CSAF_EXPORT_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            std::env::var_os("CARGO_TARGET_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"))
                .join("csaf-export")
        });
    std::fs::create_dir_all(&export_dir).unwrap();
    let validator = csaf_validator();
    for id in &ids {
        let reply = cat.get(&format!("/p/broadcasts/csaf/{id}.json")).await;
        assert_eq!(reply.status, StatusCode::OK, "{id}: {}", reply.body);
        let document: Value = serde_json::from_str(&reply.body).unwrap();
        assert_valid_csaf(&validator, id, &document);
        std::fs::write(
            export_dir.join(format!("{}.json", id.to_lowercase())),
            &reply.body,
        )
        .unwrap();
    }
    db.drop_database().await;
}
