//! LTI end to end against a real server on a real port, on SQLite and PostgreSQL: the conformance
//! harness (`../shared/lti-harness`, an LMS written with independent Python libraries) registers,
//! launches (and sends the forged and replayed launches that must be refused), deep links and launches
//! over LTI 1.1; a learner then really completes the course through the run-time API with the
//! launch-bound token, and the score and the outcome must reach the harness's AGS and Basic Outcomes
//! endpoints through the grade outbox.

use std::sync::Arc;
use std::time::Duration;

use accounts::{ManualClock, SecretKey};
use axum::http::StatusCode;
use serde_json::{Value, json};
use server::AppState;
use store::{NewLtiPlatform, Store};

use crate::lti_harness::{CLIENT_ID, DEPLOYMENT_ID, HarnessPlatform};
use crate::support::{TestApp, state_with, zip_bytes};

store::contract_tests!(
    lti13_launches_are_verified_and_a_completed_course_scores_in_the_lms,
    deep_linking_returns_signed_course_links,
    dynamic_registration_registers_the_platform_once,
    lti11_launches_are_verified_and_the_outcome_reaches_the_lms,
    refused_launches_show_a_page_and_create_nothing,
    the_key_set_is_published_and_rotation_keeps_the_old_key,
    a_launch_token_opens_only_its_own_course,
    organisation_admins_connect_their_own_lms_only,
    a_link_without_a_line_item_gets_one_made_once,
    another_organisation_cannot_launch_as_this_ones_people,
    a_launch_to_an_unbound_link_creates_nobody,
);

/// One SCORM 1.2 SCO with a mastery score: completing it with a score completes the course.
const MANIFEST: &str = r#"<manifest identifier="lti-course" xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2" xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">
  <metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>
  <organizations default="O"><organization identifier="O"><title>Phishing basics</title>
    <item identifier="S1" identifierref="R1"><title>Phishing basics</title><adlcp:masteryscore>50</adlcp:masteryscore></item>
  </organization></organizations>
  <resources>
    <resource identifier="R1" type="webcontent" adlcp:scormtype="sco" href="one.html"><file href="one.html"/></resource>
  </resources>
</manifest>"#;

/// A real server on a free port with a clock at the real time (the harness signs with real times).
struct LiveServer {
    state: AppState,
    base: String,
    organisation_id: i64,
    package_id: i64,
    http: reqwest::Client,
}

impl LiveServer {
    async fn start(store: &Store) -> LiveServer {
        // The course and the organisation, made through the ordinary admin pages.
        let mut admin = TestApp::with_admin(store).await;
        let token = admin.csrf_token().await;
        let zip = zip_bytes(&[("imsmanifest.xml", MANIFEST), ("one.html", "<p>one</p>")]);
        let uploaded = admin
            .upload(
                "/admin/packages/upload",
                Some(&token),
                "course.zip",
                &zip,
                "text/html",
            )
            .await;
        assert_eq!(uploaded.status, StatusCode::SEE_OTHER, "{}", uploaded.body);
        admin.create_org("Leeds Trust").await;
        let organisation_id = store.find_organisation("leeds-trust").await.unwrap().id;
        let package_id = store.list_packages(None).await.unwrap()[0].id;

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        let clock = Arc::new(ManualClock::new(now));
        let state = state_with(store, &base, SecretKey::generate(), clock);
        server::lti::start(&state).await.unwrap();
        let app = server::router(state.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        LiveServer {
            state,
            base,
            organisation_id,
            package_id,
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
        }
    }

    fn store(&self) -> &Store {
        self.state.accounts.store()
    }

    /// Registers the harness platform by hand (as an admin would) and binds its resource link.
    async fn register_harness(&self, platform: &HarnessPlatform) -> i64 {
        let deployments = vec![DEPLOYMENT_ID.to_owned()];
        let id = self
            .store()
            .insert_lti_platform(
                &NewLtiPlatform {
                    organisation_id: self.organisation_id,
                    name: "Harness LMS",
                    issuer: &platform.issuer(),
                    client_id: CLIENT_ID,
                    auth_endpoint: &platform.auth_url(),
                    token_endpoint: &platform.token_url(),
                    jwks_url: &platform.jwks_url(),
                    status: "active",
                    registered_via: "manual",
                    deployment_ids: &deployments,
                },
                1,
            )
            .await
            .unwrap();
        self.state
            .lti
            .refresh_frame_ancestors(self.store())
            .await
            .unwrap();
        id
    }

    /// Binds a resource link to the course, as deep linking would have.
    async fn bind(&self, source: &str, resource_link_id: &str) {
        self.bind_in(self.organisation_id, source, resource_link_id)
            .await;
    }

    async fn bind_in(&self, organisation_id: i64, source: &str, resource_link_id: &str) {
        let link = self
            .store()
            .upsert_resource_link(
                &store::NewResourceLink {
                    source,
                    organisation_id,
                    resource_link_id,
                    context_id: None,
                    title: None,
                    lineitem_url: None,
                },
                1,
            )
            .await
            .unwrap();
        self.store()
            .bind_resource_link(link.id, self.package_id)
            .await
            .unwrap();
    }

    /// Waits until the LMS identity has been launched and has somewhere for its result to go.
    async fn launched_user(&self, issuer: &str, subject: &str) -> i64 {
        for _ in 0..600 {
            if let Some(user_id) = self.store().lti_identity(issuer, subject).await.unwrap()
                && !self
                    .store()
                    .grade_targets(user_id, self.package_id)
                    .await
                    .unwrap()
                    .is_empty()
            {
                return user_id;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{subject} of {issuer} was never launched");
    }

    async fn post(&self, path: &str, token: &str, body: &Value) -> (StatusCode, Value) {
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(token)
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        let status = StatusCode::from_u16(response.status().as_u16()).unwrap();
        let body = serde_json::from_str(&response.text().await.unwrap()).unwrap_or(Value::Null);
        (status, body)
    }

    /// The learner plays the course in the LMS frame: the player's own calls with the launch-bound
    /// token (no cookie), passing with 80 %.
    async fn complete_course(&self, user_id: i64) {
        let token = self.state.lti.launch_token(user_id, self.package_id);
        let (status, launched) = self
            .post(
                "/api/runtime/launch",
                &token,
                &json!({ "package": self.package_id }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{launched}");
        let calls = json!([
            {"call": "initialize"},
            {"call": "set-value", "element": "cmi.core.score.raw", "value": "80"},
            {"call": "set-value", "element": "cmi.core.lesson_status", "value": "passed"},
            {"call": "commit"},
            {"call": "terminate"},
        ]);
        let batch = json!({
            "attempt": launched["attempt"], "item": launched["item"], "launch": launched["launch"],
            "seq": launched["seq"], "calls": calls, "final": true, "token": launched["token"],
        });
        let (status, answer) = self.post("/api/runtime/commit", &token, &batch).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        assert_eq!(answer["ended"], true, "{answer}");
    }

    /// A whole launch from a platform whose id_tokens the `lti` crate's test platform key signs (kid
    /// `platform-key-1`): login, then the launch with the state cookie, for the link `rl-small`.
    async fn signed_launch(
        &self,
        issuer: &str,
        client_id: &str,
        deployment: &str,
        subject: &str,
        ags: Option<Value>,
    ) -> reqwest::Response {
        let login = self
            .http
            .get(format!("{}/lti/login", self.base))
            .query(&[
                ("iss", issuer),
                ("login_hint", subject),
                ("client_id", client_id),
                ("target_link_uri", &format!("{}/lti/launch", self.base)),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(
            login.status().as_u16(),
            302,
            "{}",
            login.text().await.unwrap()
        );
        let location = login.headers()["location"].to_str().unwrap().to_owned();
        let cookie = login.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_owned();
        let query: Vec<(String, String)> =
            url::form_urlencoded::parse(location.split_once('?').unwrap().1.as_bytes())
                .into_owned()
                .collect();
        let get = |name: &str| query.iter().find(|(k, _)| k == name).unwrap().1.clone();
        let now = self.state.clock.now();
        let mut claims = json!({
            "iss": issuer, "aud": client_id, "sub": subject, "nonce": get("nonce"),
            "iat": now, "exp": now + 300, "name": format!("Person {subject}"),
            "https://purl.imsglobal.org/spec/lti/claim/message_type": "LtiResourceLinkRequest",
            "https://purl.imsglobal.org/spec/lti/claim/version": "1.3.0",
            "https://purl.imsglobal.org/spec/lti/claim/deployment_id": deployment,
            "https://purl.imsglobal.org/spec/lti/claim/target_link_uri": format!("{}/lti/launch", self.base),
            "https://purl.imsglobal.org/spec/lti/claim/resource_link": {"id": "rl-small", "title": "Phishing"},
            "https://purl.imsglobal.org/spec/lti/claim/roles": ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"],
        });
        if let Some(ags) = ags {
            claims["https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"] = ags;
        }
        let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../lti/tests/data");
        let key = jsonwebtoken::EncodingKey::from_rsa_pem(
            &std::fs::read(data.join("platform.key.pem")).unwrap(),
        )
        .unwrap();
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
        header.kid = Some("platform-key-1".into());
        let id_token = jsonwebtoken::encode(&header, &claims, &key).unwrap();
        self.http
            .post(format!("{}/lti/launch", self.base))
            .header("cookie", cookie)
            .form(&[("id_token", id_token), ("state", get("state"))])
            .send()
            .await
            .unwrap()
    }

    /// Registers a platform signed by the `lti` crate's test platform key for an organisation, its
    /// key set cached, and binds its link `rl-small` to the course.
    async fn register_test_platform(
        &self,
        organisation_id: i64,
        issuer: &str,
        client_id: &str,
        token_endpoint: &str,
    ) -> i64 {
        self.register_test_platform_with(organisation_id, issuer, client_id, token_endpoint, true)
            .await
    }

    /// [`LiveServer::register_test_platform`], with `rl-small` bound to the course or not.
    async fn register_test_platform_with(
        &self,
        organisation_id: i64,
        issuer: &str,
        client_id: &str,
        token_endpoint: &str,
        bind: bool,
    ) -> i64 {
        let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../lti/tests/data");
        let id = self
            .store()
            .insert_lti_platform(
                &NewLtiPlatform {
                    organisation_id,
                    name: "Test LMS",
                    issuer,
                    client_id,
                    auth_endpoint: &format!("{issuer}/auth"),
                    token_endpoint,
                    jwks_url: &format!("{issuer}/jwks"),
                    status: "active",
                    registered_via: "manual",
                    deployment_ids: &["d".to_owned()],
                },
                1,
            )
            .await
            .unwrap();
        self.store()
            .store_lti_platform_jwks(
                id,
                &std::fs::read_to_string(data.join("platform.jwks.json")).unwrap(),
                self.state.clock.now(),
            )
            .await
            .unwrap();
        if bind {
            self.bind_in(organisation_id, &format!("p{id}"), "rl-small")
                .await;
        }
        id
    }

    async fn outbox(&self, source: &str) -> store::GradeOutboxCounts {
        self.store().outbox_counts(source).await.unwrap()
    }
}

async fn lti13_launches_are_verified_and_a_completed_course_scores_in_the_lms(store: &Store) {
    let server = LiveServer::start(store).await;
    let platform = HarnessPlatform::new();
    let platform_id = server.register_harness(&platform).await;
    server
        .bind(&format!("p{platform_id}"), "rl-harness-1")
        .await;

    let mut run = platform.start(
        "lti13",
        &[
            "--tool-base",
            &server.base,
            "--score-wait",
            "120",
            "--strict-status",
        ],
    );
    run.wait_for_line(
        "valid launch: tool accepts LtiResourceLinkRequest",
        Duration::from_secs(120),
    )
    .await;
    let user_id = server
        .launched_user(
            &format!("o{}:{}", server.organisation_id, platform.issuer()),
            "harness-user-1",
        )
        .await;
    server.complete_course(user_id).await;
    let run = run.finish(Duration::from_secs(240)).await;
    run.assert_passed(&[]);
    assert!(
        run.lines
            .iter()
            .any(|l| l.contains("[PASS] AGS score posted")),
        "{run}"
    );

    // The learner was provisioned once, in the platform's organisation, with what the LMS sent.
    let user = store.user(user_id).await.unwrap();
    assert_eq!(user.display_name, "Harness Learner");
    assert_eq!(user.organisation_id, Some(server.organisation_id));
    assert_eq!(user.roles, vec!["learner".to_owned()]);
    // Every refused launch is in the admin's log with its reason, and no token is in any reason.
    let launches = store
        .lti_launches(&format!("p{platform_id}"), 100)
        .await
        .unwrap();
    // Seven of the harness's nine forgeries name this platform (a forged or replayed state names none,
    // so those two are logged without one).
    let refused: Vec<_> = launches.iter().filter(|l| !l.accepted).collect();
    assert_eq!(refused.len(), 7, "{launches:?}");
    assert!(
        refused.iter().any(|l| l.reason.contains("expired")),
        "{refused:?}"
    );
    assert!(
        refused.iter().all(|l| !l.reason.contains("eyJ")),
        "{refused:?}"
    );
    // The result went out once and is recorded as sent.
    let outbox = server.outbox(&format!("p{platform_id}")).await;
    assert_eq!((outbox.sent, outbox.failed), (1, 0), "{outbox:?}");
}

async fn deep_linking_returns_signed_course_links(store: &Store) {
    let server = LiveServer::start(store).await;
    let platform = HarnessPlatform::new();
    let platform_id = server.register_harness(&platform).await;
    let run = platform
        .run(
            "deeplink",
            &["--tool-base", &server.base],
            Duration::from_secs(120),
        )
        .await;
    run.assert_passed(&[]);
    let launches = store
        .lti_launches(&format!("p{platform_id}"), 10)
        .await
        .unwrap();
    assert!(
        launches
            .iter()
            .any(|l| l.accepted && l.message_type == "LtiDeepLinkingRequest"),
        "{launches:?}"
    );
}

async fn dynamic_registration_registers_the_platform_once(store: &Store) {
    let server = LiveServer::start(store).await;
    let platform = HarnessPlatform::new();
    let url = server::lti::register::registration_url(&server.state, server.organisation_id, None)
        .await
        .unwrap();
    assert!(
        url.starts_with(&format!("{}/lti/register/", server.base)),
        "{url}"
    );
    let run = platform
        .run("register", &["--init-url", &url], Duration::from_secs(120))
        .await;
    run.assert_passed(&[]);
    let registered = store
        .lti_platforms_by_issuer(&platform.issuer())
        .await
        .unwrap();
    assert_eq!(registered.len(), 1, "{registered:?}");
    assert_eq!(registered[0].status, "active");
    assert_eq!(registered[0].registered_via, "dynamic");
    assert_eq!(registered[0].organisation_id, server.organisation_id);
    assert!(
        !store
            .lti_deployments(registered[0].id)
            .await
            .unwrap()
            .is_empty()
    );

    // The same URL again: registered, but waiting for an admin's approval.
    let again = platform
        .run("register", &["--init-url", &url], Duration::from_secs(120))
        .await;
    again.assert_passed(&[]);
    let registered = store
        .lti_platforms_by_issuer(&platform.issuer())
        .await
        .unwrap();
    assert_eq!(registered.len(), 2, "{registered:?}");
    assert_eq!(registered[1].status, "pending");
    // Until an admin approves it, its launches are refused with that reason.
    let login = |client_id: String| {
        let url = format!(
            "{base}/lti/login?iss={iss}&client_id={client_id}&login_hint=u&target_link_uri={base}/lti/launch",
            base = server.base,
            iss = platform.issuer()
        );
        let http = server.http.clone();
        async move { http.get(url).send().await.unwrap() }
    };
    let waiting = login(registered[1].client_id.clone()).await;
    assert_eq!(waiting.status().as_u16(), 400);
    assert!(
        waiting.text().await.unwrap().contains("waits for an admin"),
        "the reason says what to do"
    );
    store
        .set_lti_platform_status(registered[1].id, "active")
        .await
        .unwrap();
    assert_eq!(
        login(registered[1].client_id.clone())
            .await
            .status()
            .as_u16(),
        302
    );

    // A URL Rampart never made registers nothing.
    let forged = reqwest::get(format!(
        "{}/lti/register/not-a-token?openid_configuration={}/.well-known/openid-configuration",
        server.base,
        platform.issuer()
    ))
    .await
    .unwrap();
    assert_eq!(forged.status().as_u16(), 404);
    assert_eq!(
        store
            .lti_platforms_by_issuer(&platform.issuer())
            .await
            .unwrap()
            .len(),
        2
    );
}

async fn lti11_launches_are_verified_and_the_outcome_reaches_the_lms(store: &Store) {
    let server = LiveServer::start(store).await;
    let platform = HarnessPlatform::new();
    let (key, secret) =
        server::lti::lti11::add_consumer(&server.state, server.organisation_id, "Old Moodle")
            .await
            .unwrap();
    let consumer = store.lti11_consumer_by_key(&key).await.unwrap().unwrap();
    assert!(
        !consumer.secret_sealed.contains(&secret),
        "the secret is sealed at rest"
    );
    server
        .bind(&format!("c{}", consumer.id), "rl-harness-11")
        .await;
    let launch_url = format!("{}/lti11/launch", server.base);
    let mut run = platform.start(
        "lti11",
        &[
            "--launch-url",
            &launch_url,
            &format!("--key={key}"),
            // `=`: a secret may start with `-`, which argparse would take for an option.
            &format!("--secret={secret}"),
            "--score-wait",
            "120",
            "--strict-status",
        ],
    );
    run.wait_for_line(
        "LTI 1.1 valid basic-lti-launch-request accepted",
        Duration::from_secs(120),
    )
    .await;
    let user_id = server
        .launched_user(&format!("lti11:{key}"), "harness-user-11")
        .await;
    server.complete_course(user_id).await;
    let run = run.finish(Duration::from_secs(240)).await;
    run.assert_passed(&[]);
    assert!(
        run.lines
            .iter()
            .any(|l| l.contains("[PASS] LTI 1.1 replaceResult posted")),
        "{run}"
    );
    let outbox = server.outbox(&format!("c{}", consumer.id)).await;
    assert_eq!((outbox.sent, outbox.failed), (1, 0), "{outbox:?}");
}

async fn refused_launches_show_a_page_and_create_nothing(store: &Store) {
    let server = LiveServer::start(store).await;
    let users_before = store.count_users().await.unwrap();
    let client = &server.http;
    // A launch with a state Rampart never issued.
    let forged = client
        .post(format!("{}/lti/launch", server.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("id_token=eyJhbGciOiJub25lIn0.e30.&state=made-up")
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status().as_u16(), 400);
    let page = forged.text().await.unwrap();
    assert!(page.contains("This course could not be opened"), "{page}");
    assert!(
        page.contains("What to tell your LMS administrator"),
        "{page}"
    );
    assert!(page.contains("state is unknown"), "{page}");
    assert!(!page.contains("eyJ"), "the page repeats no token: {page}");
    // A login from an issuer nobody registered.
    let login = client
        .get(format!(
            "{}/lti/login?iss=https://evil.example&login_hint=x&target_link_uri={}/lti/launch",
            server.base, server.base
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status().as_u16(), 400);
    assert!(
        login.text().await.unwrap().contains("not registered"),
        "the reason is specific"
    );
    // An LTI 1.1 launch with an unknown key.
    let lti11 = client
        .post(format!("{}/lti11/launch", server.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("oauth_consumer_key=nobody&oauth_signature=x&resource_link_id=1")
        .send()
        .await
        .unwrap();
    assert_eq!(lti11.status().as_u16(), 401);
    // A sealed launch or deep linking choice posted by another website's page.
    for path in ["/lti/launch/confirm", "/lti/deep-link"] {
        let foreign = client
            .post(format!("{}{path}", server.base))
            .header("origin", "https://evil.example")
            .header("content-type", "application/x-www-form-urlencoded")
            .body("pending=x&state=y&context=z")
            .send()
            .await
            .unwrap();
        assert_eq!(foreign.status().as_u16(), 403, "{path}");
    }
    assert_eq!(store.count_users().await.unwrap(), users_before);
}

async fn the_key_set_is_published_and_rotation_keeps_the_old_key(store: &Store) {
    let server = LiveServer::start(store).await;
    let jwks = |server: &LiveServer| {
        let url = format!("{}/.well-known/jwks.json", server.base);
        async move {
            let text = reqwest::get(url).await.unwrap().text().await.unwrap();
            serde_json::from_str::<Value>(&text).unwrap()
        }
    };
    let first = jwks(&server).await;
    let keys = first["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 1, "{first}");
    assert_eq!(keys[0]["alg"], "RS256");
    assert!(keys[0]["kid"].as_str().is_some_and(|k| !k.is_empty()));
    assert!(keys[0].get("d").is_none(), "no private part is published");
    let stored = store.tool_keys().await.unwrap();
    assert!(
        stored[0].private_sealed.starts_with("v1.")
            && !stored[0].private_sealed.contains("PRIVATE"),
        "the private key is sealed at rest"
    );

    let new_kid = server::lti::keys::rotate(
        store,
        server.state.lti.secret_key(),
        server.state.clock.now(),
    )
    .await
    .unwrap();
    server.state.lti.reload_keys(store).await.unwrap();
    let rotated = jwks(&server).await;
    let kids: Vec<&str> = rotated["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap())
        .collect();
    assert_eq!(kids.len(), 2, "{rotated}");
    assert!(kids.contains(&new_kid.as_str()));
    assert!(kids.contains(&keys[0]["kid"].as_str().unwrap()));
    assert_eq!(
        server.state.lti.keys.signing().unwrap().kid(),
        new_kid,
        "new messages are signed with the new key"
    );
}

async fn a_launch_token_opens_only_its_own_course(store: &Store) {
    let server = LiveServer::start(store).await;
    let user = store
        .provision_lti_user(
            "https://lms.example",
            "learner-9",
            &store::NewUser {
                organisation_id: Some(server.organisation_id),
                email: "lti-9@lti.invalid".into(),
                display_name: "Nine".into(),
                password_hash: None,
                roles: vec!["learner".into()],
            },
            1,
        )
        .await
        .unwrap();
    let token = server.state.lti.launch_token(user.id, server.package_id);
    let (status, _) = server
        .post(
            "/api/runtime/launch",
            &token,
            &json!({ "package": server.package_id + 1000 }),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = server
        .post(
            "/api/runtime/launch",
            &format!("{token}x"),
            &json!({ "package": server.package_id }),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "an altered token is refused"
    );
    let (status, launched) = server
        .post(
            "/api/runtime/launch",
            &token,
            &json!({ "package": server.package_id }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{launched}");
    // The token works only in the header: the page URL carries it in the fragment, never to a server.
    let page = reqwest::get(format!("{}/lti/play/{}", server.base, server.package_id))
        .await
        .unwrap();
    assert_eq!(page.status().as_u16(), 200);
    assert!(page.headers().get("x-frame-options").is_none());
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("frame-ancestors"), "{csp}");
    assert!(
        page.headers().get("set-cookie").is_none(),
        "no cookie in the frame"
    );
}

async fn organisation_admins_connect_their_own_lms_only(store: &Store) {
    let mut admin = TestApp::with_admin(store).await;
    admin.create_org("Leeds Trust").await;
    admin.create_org("York Trust").await;
    let leeds = store.find_organisation("leeds-trust").await.unwrap().id;
    let york = store.find_organisation("york-trust").await.unwrap().id;
    admin
        .create_user("Lee Admin", "lee@leeds.example", leeds, &["org_admin"])
        .await;
    admin
        .create_user("Nia Nurse", "nia@leeds.example", leeds, &["learner"])
        .await;
    // York's platform, registered by the platform admin.
    let york_id = store
        .insert_lti_platform(
            &NewLtiPlatform {
                organisation_id: york,
                name: "York Moodle",
                issuer: "https://moodle.york.example",
                client_id: "york",
                auth_endpoint: "https://moodle.york.example/auth",
                token_endpoint: "https://moodle.york.example/token",
                jwks_url: "https://moodle.york.example/jwks",
                status: "active",
                registered_via: "manual",
                deployment_ids: &["1".to_owned()],
            },
            1,
        )
        .await
        .unwrap();

    let mut lee = admin.fork_without_cookies();
    lee.sign_in("lee@leeds.example", crate::support::PASSWORD, "/admin/lti")
        .await;
    // A manual registration with a broken URL is refused with the field named and nothing stored.
    let token = lee.csrf_token().await;
    let refused = lee
        .post_form(
            "/api/add_lti_platform",
            &[
                ("name", "Leeds Moodle"),
                ("issuer", "moodle.leeds"),
                ("client_id", "leeds"),
                ("auth_endpoint", "https://moodle.leeds.example/auth"),
                ("token_endpoint", "https://moodle.leeds.example/token"),
                ("jwks_url", "https://moodle.leeds.example/jwks"),
                ("deployment_ids", "1"),
            ],
            Some(&token),
        )
        .await;
    assert!(
        refused.body.contains(r#""field":"issuer""#) && refused.body.contains("full web address"),
        "{} {}",
        refused.status,
        refused.body
    );
    assert!(store.lti_platforms(Some(leeds)).await.unwrap().is_empty());
    let added = lee
        .post_form(
            "/api/add_lti_platform",
            &[
                ("name", "Leeds Moodle"),
                ("issuer", "https://moodle.leeds.example"),
                ("client_id", "leeds"),
                ("auth_endpoint", "https://moodle.leeds.example/auth"),
                ("token_endpoint", "https://moodle.leeds.example/token"),
                ("jwks_url", "https://moodle.leeds.example/jwks"),
                ("deployment_ids", "1, 2"),
            ],
            Some(&token),
        )
        .await;
    assert!(
        added.status.is_redirection(),
        "{} {}",
        added.status,
        added.body
    );
    let leeds_platforms = store.lti_platforms(Some(leeds)).await.unwrap();
    assert_eq!(
        leeds_platforms.len(),
        1,
        "registered for Lee's own organisation"
    );
    assert_eq!(
        store.lti_deployments(leeds_platforms[0].id).await.unwrap(),
        vec!["1".to_owned(), "2".to_owned()]
    );

    // The overview lists Leeds' platform and the URLs to copy, never York's.
    let page = lee.get("/admin/lti").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Leeds Moodle"), "{}", page.body);
    assert!(
        !page.body.contains("York Moodle"),
        "tenant isolation: {}",
        page.body
    );
    assert!(
        page.body.contains("/.well-known/jwks.json"),
        "{}",
        page.body
    );
    // York's platform page is not found for Lee, and York's platform cannot be disabled by Lee.
    let york_page = lee.get(&format!("/admin/lti/platforms/{york_id}")).await;
    assert!(
        !york_page.body.contains("York Moodle"),
        "{}",
        york_page.body
    );
    let disabled = lee
        .post_form(
            "/api/set_lti_platform_status",
            &[("id", &york_id.to_string()), ("status", "disabled")],
            Some(&token),
        )
        .await;
    assert!(
        disabled.body.contains("no such LMS connection"),
        "{} {}",
        disabled.status,
        disabled.body
    );
    assert_eq!(store.lti_platform(york_id).await.unwrap().status, "active");

    // A learner has no LMS page.
    let mut nia = admin.fork_without_cookies();
    nia.sign_in("nia@leeds.example", crate::support::PASSWORD, "/dashboard")
        .await;
    let learner = nia.get("/admin/lti").await;
    assert!(!learner.body.contains("Leeds Moodle"), "{}", learner.body);

    // An LTI 1.1 consumer: the secret is shown once and stored sealed.
    let consumer = lee
        .post_form(
            "/api/add_lti_consumer",
            &[("name", "Old Moodle")],
            Some(&token),
        )
        .await;
    let location = consumer.location().unwrap_or_default().to_owned();
    assert!(location.contains("consumer="), "{location}");
    assert!(
        !location.contains("secret"),
        "no secret in a URL: {location}"
    );
    let consumers = store.lti11_consumers(Some(leeds)).await.unwrap();
    assert_eq!(consumers.len(), 1);
    let shown = lee.get(&location).await;
    assert!(
        shown.body.contains(&consumers[0].consumer_key),
        "{}",
        shown.body
    );
    assert!(
        shown.body.contains("will not be shown again"),
        "{}",
        shown.body
    );
    let again = lee.get(&location).await;
    assert!(
        !again.body.contains("will not be shown again"),
        "shown once: {}",
        again.body
    );
}

/// The harness always couples a line item with its link, so this path has its own small LMS: a token
/// endpoint and a line items container that records what Rampart asks, with id_tokens signed by the
/// `lti` crate's test platform key.
async fn a_link_without_a_line_item_gets_one_made_once(store: &Store) {
    use axum::routing::{get, post};
    type Seen = Arc<std::sync::Mutex<Vec<String>>>;
    let server = LiveServer::start(store).await;
    let seen: Seen = Arc::default();
    let lms_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let lms = format!("http://{}", lms_listener.local_addr().unwrap());
    let items: Arc<std::sync::Mutex<Vec<Value>>> = Arc::default();
    let app = axum::Router::new()
        .route(
            "/token",
            post(|| async {
                axum::Json(json!({"access_token": "t", "token_type": "Bearer", "expires_in": 3600}))
            }),
        )
        .route(
            "/lineitems",
            get({
                let (seen, items) = (seen.clone(), items.clone());
                move || async move {
                    seen.lock().unwrap().push("GET lineitems".into());
                    axum::Json(Value::Array(items.lock().unwrap().clone()))
                }
            })
            .post({
                let (seen, items, lms) = (seen.clone(), items.clone(), lms.clone());
                move |body: String| async move {
                    let mut item: Value = serde_json::from_str(&body).unwrap();
                    seen.lock().unwrap().push(format!("POST lineitems {body}"));
                    item["id"] = json!(format!("{lms}/lineitems/made-1"));
                    items.lock().unwrap().push(item.clone());
                    axum::Json(item)
                }
            }),
        );
    tokio::spawn(async move { axum::serve(lms_listener, app).await.unwrap() });

    let platform_id = server
        .register_test_platform(
            server.organisation_id,
            "https://small-lms.example",
            "small",
            &format!("{lms}/token"),
        )
        .await;
    for learner in ["learner-a", "learner-b"] {
        let ags = json!({
            "scope": [lti::claims::SCOPE_LINEITEM, lti::claims::SCOPE_SCORE],
            "lineitems": format!("{lms}/lineitems"),
        });
        let launched = server
            .signed_launch(
                "https://small-lms.example",
                "small",
                "d",
                learner,
                Some(ags),
            )
            .await;
        assert_eq!(
            launched.status().as_u16(),
            303,
            "{}",
            launched.text().await.unwrap()
        );
    }
    let seen = seen.lock().unwrap().clone();
    let made: Vec<&String> = seen.iter().filter(|s| s.starts_with("POST")).collect();
    assert_eq!(made.len(), 1, "made once, then remembered: {seen:?}");
    assert!(
        made[0].contains(r#""resourceLinkId":"rl-small""#),
        "{made:?}"
    );
    assert!(made[0].contains(r#""scoreMaximum":100"#), "{made:?}");
    let link = store
        .resource_link(&format!("p{platform_id}"), "rl-small")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(link.lineitem_url, Some(format!("{lms}/lineitems/made-1")));
    for learner in ["learner-a", "learner-b"] {
        let scope = format!("o{}:https://small-lms.example", server.organisation_id);
        let user = store.lti_identity(&scope, learner).await.unwrap().unwrap();
        let targets = store.grade_targets(user, server.package_id).await.unwrap();
        assert_eq!(targets.len(), 1);
        assert_eq!(targets[0].service_url, format!("{lms}/lineitems/made-1"));
    }
}

/// An admin of York registers Leeds' LMS issuer with a key of their own: York's launches of Leeds'
/// user ids reach York's own people, never Leeds'.
async fn another_organisation_cannot_launch_as_this_ones_people(store: &Store) {
    let server = LiveServer::start(store).await;
    let york = store
        .create_organisation(
            &store::NewOrganisation {
                name: "York Trust".into(),
                slug: "york-trust".into(),
                kind: "acute_trust".into(),
                region: None,
            },
            1,
        )
        .await
        .unwrap();
    let issuer = "https://moodle.leeds.example";
    server
        .register_test_platform(
            server.organisation_id,
            issuer,
            "leeds-client",
            "https://x/token",
        )
        .await;
    server
        .register_test_platform(york.id, issuer, "york-client", "https://x/token")
        .await;
    let leeds_launch = server
        .signed_launch(issuer, "leeds-client", "d", "2", None)
        .await;
    assert_eq!(leeds_launch.status().as_u16(), 303);
    let york_launch = server
        .signed_launch(issuer, "york-client", "d", "2", None)
        .await;
    assert_eq!(york_launch.status().as_u16(), 303);
    let leeds_user = store
        .lti_identity(&format!("o{}:{issuer}", server.organisation_id), "2")
        .await
        .unwrap()
        .unwrap();
    let york_user = store
        .lti_identity(&format!("o{}:{issuer}", york.id), "2")
        .await
        .unwrap()
        .unwrap();
    assert_ne!(leeds_user, york_user);
    assert_eq!(
        store.user(leeds_user).await.unwrap().organisation_id,
        Some(server.organisation_id)
    );
    assert_eq!(
        store.user(york_user).await.unwrap().organisation_id,
        Some(york.id)
    );
}

async fn a_launch_to_an_unbound_link_creates_nobody(store: &Store) {
    let server = LiveServer::start(store).await;
    let id = server
        .register_test_platform_with(
            server.organisation_id,
            "https://lms.example",
            "c",
            "https://x/token",
            false,
        )
        .await;
    let users = store.count_users().await.unwrap();
    let response = server
        .signed_launch("https://lms.example", "c", "d", "new-person", None)
        .await;
    assert_eq!(response.status().as_u16(), 409);
    let page = response.text().await.unwrap();
    assert!(page.contains("not set up yet"), "{page}");
    assert_eq!(
        store.count_users().await.unwrap(),
        users,
        "nobody was provisioned"
    );
    let launches = store.lti_launches(&format!("p{id}"), 5).await.unwrap();
    assert!(
        !launches[0].accepted && launches[0].person.is_none(),
        "{launches:?}"
    );
}
