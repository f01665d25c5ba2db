//! What plugins queue goes out: an email through a real SMTP conversation, and a webhook signed so the
//! receiver can check it; a receiver that refuses gets the item again later.

use std::sync::{Arc, Mutex};

use axum::http::StatusCode;
use server::outbox::{Mailer, send_due, webhook_signature};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

use crate::support::{PASSWORD, TestApp};

/// A minimal SMTP server that accepts every message and keeps what it received.
async fn smtp_sink() -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let received = Arc::new(Mutex::new(Vec::new()));
    let keep = received.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let keep = keep.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                write.write_all(b"220 sink ESMTP\r\n").await.unwrap();
                let mut data: Option<String> = None;
                while let Ok(Some(line)) = lines.next_line().await {
                    if let Some(body) = data.as_mut() {
                        if line == "." {
                            keep.lock().unwrap().push(data.take().unwrap());
                            write.write_all(b"250 queued\r\n").await.unwrap();
                        } else {
                            body.push_str(&line);
                            body.push('\n');
                        }
                        continue;
                    }
                    let verb = line.split(' ').next().unwrap_or("").to_ascii_uppercase();
                    let reply: &[u8] = match verb.as_str() {
                        "EHLO" | "HELO" => b"250 sink\r\n",
                        "DATA" => {
                            data = Some(String::new());
                            b"354 go on\r\n"
                        }
                        "QUIT" => {
                            write.write_all(b"221 bye\r\n").await.unwrap();
                            break;
                        }
                        _ => b"250 ok\r\n",
                    };
                    write.write_all(reply).await.unwrap();
                }
            });
        }
    });
    (port, received)
}

type Seen = Arc<Mutex<Vec<(axum::http::HeaderMap, String)>>>;

/// A webhook receiver that answers `status` and keeps what it was sent.
async fn webhook_receiver(status: StatusCode) -> (String, Seen) {
    let seen: Seen = Arc::new(Mutex::new(Vec::new()));
    let keep = seen.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: axum::http::HeaderMap, body: String| {
            let keep = keep.clone();
            async move {
                keep.lock().unwrap().push((headers, body));
                status
            }
        }),
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, seen)
}

fn misbehave() -> Vec<u8> {
    let dir = std::env::var_os("RAMPART_TEST_PLUGINS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../target/plugins/wasm32-wasip2/release")
        });
    std::fs::read(dir.join("misbehave.wasm"))
        .expect("the test plugins are built by `cargo xtask build-plugins`")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plugin_emails_and_webhooks_go_out_and_failures_are_retried() {
    let db = store::test_db::TestDb::sqlite().await;
    let mut admin = TestApp::with_admin(&db.store).await;
    admin.create_org("Mail Trust").await;
    let org = db.store.find_organisation("mail-trust").await.unwrap();
    admin
        .create_user("Mo Learner", "mo@mail.example", org.id, &["learner"])
        .await;
    let host = admin.state.plugins.clone();
    host.install(misbehave()).await.unwrap();
    host.set_activation("misbehave", org.id, true, &["notify.email".into()], None)
        .await
        .unwrap();
    let mut mo = admin.fork_without_cookies();
    mo.sign_in("mo@mail.example", PASSWORD, "/dashboard").await;

    // The plugin emails the organisation's learners; the email waits in the outbox.
    let token = mo.csrf_token().await;
    let queued = mo
        .post_body(
            "/p/misbehave/email",
            "application/json",
            "{}".to_owned(),
            &[
                ("x-csrf-token", &token),
                ("origin", "http://127.0.0.1:3000"),
            ],
        )
        .await;
    assert_eq!((queued.status, queued.body.as_str()), (StatusCode::OK, "1"));

    // The organisation's webhook: the first delivery is refused, so it waits and is tried again.
    let (url, seen) = webhook_receiver(StatusCode::SERVICE_UNAVAILABLE).await;
    db.store
        .set_webhook(org.id, &url, "whsec-test", 1)
        .await
        .unwrap();
    let message =
        serde_json::json!({"event": "advisory.published", "payload": "{\"id\":\"RAM-2026-0042\"}"});
    db.store
        .enqueue_outbox(
            "webhook",
            "misbehave",
            Some(org.id),
            &message.to_string(),
            {
                use accounts::Clock;
                admin.clock.now()
            },
        )
        .await
        .unwrap();

    let (port, received) = smtp_sink().await;
    let config = server::config::Config {
        smtp_url: Some(format!("smtp://127.0.0.1:{port}")),
        mail_from: "Rampart <rampart@nhs.example>".into(),
        ..server::config::Config::default()
    };
    let mailer = Mailer::from_config(&config).unwrap();
    let http = reqwest::Client::new();
    assert_eq!(
        send_due(&host, &mailer, &http).await.unwrap(),
        1,
        "the email went, the webhook did not"
    );
    let mail = received.lock().unwrap().join("\n");
    assert!(mail.contains("Subject: Misbehave test"), "{mail}");
    assert!(mail.contains("To: mo@mail.example"), "{mail}");
    assert!(
        mail.contains("A test email from the misbehave plugin."),
        "{mail}"
    );
    assert_eq!(seen.lock().unwrap().len(), 1);

    // Not retried before its back-off, then delivered, signed, to a receiver that accepts it.
    assert_eq!(send_due(&host, &mailer, &http).await.unwrap(), 0);
    let (url, seen) = webhook_receiver(StatusCode::NO_CONTENT).await;
    db.store
        .set_webhook(org.id, &url, "whsec-test", 1)
        .await
        .unwrap();
    admin.clock.advance(61);
    assert_eq!(send_due(&host, &mailer, &http).await.unwrap(), 1);
    let (headers, body) = seen.lock().unwrap()[0].clone();
    let body = body.as_str();
    let timestamp: i64 = headers["x-rampart-timestamp"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(
        headers["x-rampart-signature"].to_str().unwrap(),
        webhook_signature("whsec-test", timestamp, body)
    );
    assert_eq!(headers["x-rampart-event"], "advisory.published");
    let body: serde_json::Value = serde_json::from_str(body).unwrap();
    assert_eq!(body["payload"]["id"], "RAM-2026-0042");
    db.drop_database().await;
}
