//! A cookie-keeping client for `server::router`, with a manual clock.

use std::collections::BTreeMap;
use std::sync::Arc;

use accounts::{AccountsConfig, ManualClock, SecretKey};
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use server::{AppState, StateConfig};
use store::Store;
use tower::ServiceExt;

pub const PASSWORD: &str = "correct horse battery staple";

/// Application state over `store` with a manual clock and throw-away site and content folders.
pub fn test_state(store: &Store, public_url: &str) -> (AppState, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new(1_800_000_000));
    let state = state_with(store, public_url, SecretKey::generate(), clock.clone());
    (state, clock)
}

/// Application state with a given secret and clock (a restarted server keeps both).
pub fn state_with(
    store: &Store,
    public_url: &str,
    secret: SecretKey,
    clock: Arc<ManualClock>,
) -> AppState {
    let site = tempfile::tempdir().unwrap().keep();
    AppState::new(
        store.clone(),
        StateConfig {
            package_limits: package::Limits::default(),
            public_url: public_url.to_owned(),
            content_url: "http://localhost:3001".to_owned(),
            site_dir: site.clone(),
            content_dir: site.join("content"),
            secret,
            accounts: AccountsConfig::default(),
            clock,
            plugins: plugin_host::HostConfig::new(site.join("plugins"), public_url),
        },
    )
}

pub struct TestApp {
    router: Router,
    /// The server's state, for what tests set up behind the HTTP surface (installing a plugin).
    pub state: AppState,
    pub clock: Arc<ManualClock>,
    cookies: BTreeMap<String, String>,
    store: Store,
    public_url: String,
    secret: SecretKey,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn location(&self) -> Option<&str> {
        self.header("location")
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The `Set-Cookie` line for `name`, if the response set it.
    pub fn set_cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with(&format!("{name}=")))
            .map(str::to_owned)
    }
}

impl TestApp {
    pub async fn new(store: &Store, public_url: &str) -> TestApp {
        let clock = Arc::new(ManualClock::new(1_800_000_000));
        let secret = SecretKey::generate();
        let state = state_with(store, public_url, secret.clone(), clock.clone());
        TestApp {
            router: server::router(state.clone()),
            state,
            clock,
            cookies: BTreeMap::new(),
            store: store.clone(),
            public_url: public_url.to_owned(),
            secret,
        }
    }

    /// The same browser talking to a server restarted on the same database, secret key and clock
    /// (nothing kept in memory survives).
    pub fn restarted(&self) -> TestApp {
        let state = state_with(
            &self.store,
            &self.public_url,
            self.secret.clone(),
            self.clock.clone(),
        );
        TestApp {
            router: server::router(state.clone()),
            state,
            clock: self.clock.clone(),
            cookies: self.cookies.clone(),
            store: self.store.clone(),
            public_url: self.public_url.clone(),
            secret: self.secret.clone(),
        }
    }

    /// An app whose platform admin (ada@nhs.example) is set up and signed in.
    pub async fn with_admin(store: &Store) -> TestApp {
        let mut app = TestApp::new(store, "http://127.0.0.1:3000").await;
        let reply = app
            .setup_admin("Ada Admin", "ada@nhs.example", PASSWORD)
            .await;
        assert_eq!(
            reply.status,
            StatusCode::FOUND,
            "setup failed: {}",
            reply.body
        );
        app
    }

    /// Puts a cookie back, as a browser that missed its removal would still send it.
    pub fn put_cookie(&mut self, name: &str, value: &str) {
        self.cookies.insert(name.to_owned(), value.to_owned());
    }

    /// Another browser: same server and clock, no cookies.
    pub fn fork_without_cookies(&self) -> TestApp {
        TestApp {
            router: self.router.clone(),
            state: self.state.clone(),
            clock: self.clock.clone(),
            cookies: BTreeMap::new(),
            store: self.store.clone(),
            public_url: self.public_url.clone(),
            secret: self.secret.clone(),
        }
    }

    async fn send(&mut self, builder: axum::http::request::Builder, body: Body) -> Reply {
        let cookie_header: Vec<String> = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let builder = if cookie_header.is_empty() {
            builder
        } else {
            builder.header("cookie", cookie_header.join("; "))
        };
        let response = self
            .router
            .clone()
            .oneshot(builder.body(body).unwrap())
            .await
            .unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        for line in headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
        {
            let pair = line.split(';').next().unwrap_or("");
            if let Some((name, value)) = pair.split_once('=') {
                if value.is_empty() || line.contains("Max-Age=0") {
                    self.cookies.remove(name);
                } else {
                    self.cookies.insert(name.to_owned(), value.to_owned());
                }
            }
        }
        let bytes = axum::body::to_bytes(response.into_body(), 4 * 1024 * 1024)
            .await
            .unwrap();
        Reply {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    pub async fn get(&mut self, path: &str) -> Reply {
        self.send(
            Request::get(path).header("accept", "text/html"),
            Body::empty(),
        )
        .await
    }

    /// A read-only server function, as the hydrated page calls it.
    pub async fn get_json(&mut self, path: &str) -> Reply {
        self.send(
            Request::get(path).header("accept", "application/json"),
            Body::empty(),
        )
        .await
    }

    /// The CSRF token the pages of this browser carry (read from a rendered form).
    pub async fn csrf_token(&mut self) -> String {
        let page = self.get("/sign-in").await;
        let marker = "name=\"csrf_token\" value=\"";
        let start = page.body.find(marker).expect("a form with a CSRF token") + marker.len();
        page.body[start..].split('"').next().unwrap().to_owned()
    }

    fn form_body(fields: &[(&str, &str)], token: Option<&str>) -> String {
        let mut serializer = form_urlencoded::Serializer::new(String::new());
        if let Some(token) = token {
            serializer.append_pair("csrf_token", token);
        }
        for (key, value) in fields {
            serializer.append_pair(key, value);
        }
        serializer.finish()
    }

    /// A plain HTML form post, as a browser without JavaScript sends it.
    pub async fn post_form(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        token: Option<&str>,
    ) -> Reply {
        let builder = Request::post(path)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "text/html")
            .header("referer", "http://127.0.0.1:3000/");
        self.send(builder, Body::from(Self::form_body(fields, token)))
            .await
    }

    pub async fn post_form_from_origin(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        token: &str,
        origin: &str,
    ) -> Reply {
        let builder = Request::post(path)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("origin", origin);
        self.send(builder, Body::from(Self::form_body(fields, Some(token))))
            .await
    }

    /// A post as the hydrated page sends it (fetch, JSON answer).
    pub async fn post_json_reply(&mut self, path: &str, fields: &[(&str, &str)]) -> Reply {
        let token = self.csrf_token().await;
        let builder = Request::post(path)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "application/json")
            .header("origin", "http://127.0.0.1:3000");
        self.send(builder, Body::from(Self::form_body(fields, Some(&token))))
            .await
    }

    /// A POST with a raw body and extra headers (the run-time API's JSON and beacons).
    pub async fn post_body(
        &mut self,
        path: &str,
        content_type: &str,
        body: impl Into<Body>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let mut builder = Request::post(path).header("content-type", content_type);
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        self.send(builder, body.into()).await
    }

    /// A multipart file upload as a plain HTML form sends it (token in the action URL).
    pub async fn upload(
        &mut self,
        path: &str,
        token: Option<&str>,
        file_name: &str,
        content: &[u8],
        accept: &str,
    ) -> Reply {
        let boundary = "----rampart-test-boundary";
        let mut body = Vec::new();
        body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"package\"; filename=\"{file_name}\"\r\nContent-Type: application/zip\r\n\r\n").as_bytes());
        body.extend_from_slice(content);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let uri = match token {
            Some(token) => format!("{path}?csrf_token={token}"),
            None => path.to_owned(),
        };
        let builder = Request::post(uri)
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .header("accept", accept)
            .header("origin", "http://127.0.0.1:3000");
        self.send(builder, Body::from(body)).await
    }

    pub async fn setup_admin(&mut self, name: &str, email: &str, password: &str) -> Reply {
        self.post_json_or_form(
            "/api/complete_setup",
            &[
                ("display_name", name),
                ("email", email),
                ("password", password),
            ],
        )
        .await
    }

    async fn post_json_or_form(&mut self, path: &str, fields: &[(&str, &str)]) -> Reply {
        let token = self.csrf_token().await;
        self.post_form(path, fields, Some(&token)).await
    }

    pub async fn sign_in(&mut self, email: &str, password: &str, next: &str) -> Reply {
        self.post_json_or_form(
            "/api/sign_in",
            &[("email", email), ("password", password), ("next", next)],
        )
        .await
    }

    pub async fn sign_in_json(&mut self, email: &str, password: &str) -> Reply {
        self.post_json_reply(
            "/api/sign_in",
            &[
                ("email", email),
                ("password", password),
                ("next", "/dashboard"),
            ],
        )
        .await
    }

    pub async fn create_org(&mut self, name: &str) {
        let reply = self
            .post_json_reply(
                "/api/create_organisation",
                &[("name", name), ("kind", "acute_trust"), ("region", "")],
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::OK,
            "creating {name}: {}",
            reply.body
        );
    }

    pub async fn create_user(
        &mut self,
        name: &str,
        email: &str,
        organisation_id: i64,
        roles: &[&str],
    ) -> Reply {
        let organisation_id = organisation_id.to_string();
        let role_fields: Vec<String> = roles.iter().map(|role| format!("role_{role}")).collect();
        let mut fields = vec![
            ("display_name", name),
            ("email", email),
            ("password", PASSWORD),
            ("organisation_id", organisation_id.as_str()),
        ];
        fields.extend(role_fields.iter().map(|field| (field.as_str(), "on")));
        self.post_json_reply("/api/create_user", &fields).await
    }
}

/// Writes a real zip file with the given entries.
pub fn write_zip(path: &std::path::Path, files: &[(&str, &str)]) {
    use std::io::Write;
    let mut writer = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    for (name, content) in files {
        writer
            .start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        writer.write_all(content.as_bytes()).unwrap();
    }
    writer.finish().unwrap();
}

/// A real zip in memory.
pub fn zip_bytes(files: &[(&str, &str)]) -> Vec<u8> {
    use std::io::Write;
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, content) in files {
        writer
            .start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        writer.write_all(content.as_bytes()).unwrap();
    }
    writer.finish().unwrap().into_inner()
}
