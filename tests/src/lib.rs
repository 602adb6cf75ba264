//! The test harness: the whole API, served on a random loopback port by the same
//! gateway `make run` uses, over a fresh table and bucket on the local emulator.
//!
//! `make test` starts the emulator and passes its URL in `TEST_AWS_ENDPOINT_URL`.

use std::{
    collections::HashMap,
    net::SocketAddr,
    sync::{OnceLock, mpsc},
};

use campus::{
    AppState,
    config::Config,
    db::{Db, lists},
};
use campus_local::{gateway, setup, template::Template};
use serde_json::{Value, json};

pub mod ai;
pub mod faults;
pub mod oauth;
pub mod stripe;

pub const JWT_SECRET: &str = "test-secret-test-secret-test-secret-0123";
pub const PASSWORD: &str = "Correct-horse-9";

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub settings: HashMap<String, String>,
}

static APP: OnceLock<TestApp> = OnceLock::new();

pub fn endpoint() -> String {
    std::env::var("TEST_AWS_ENDPOINT_URL")
        .expect("TEST_AWS_ENDPOINT_URL is not set: run the tests with `make test`, which starts the local AWS emulator")
}

pub fn config_map(suffix: &str) -> HashMap<String, String> {
    HashMap::from(
        [
            ("TABLE_NAME", format!("campus-test-{suffix}")),
            ("BUCKET_NAME", format!("campus-test-{suffix}")),
            ("JWT_SECRET", JWT_SECRET.to_string()),
            ("AWS_ENDPOINT_URL", endpoint()),
            ("AWS_MAX_ATTEMPTS", "2".to_string()),
            // A loaded CI machine can make the emulator slow; tests are not timing checks.
            ("AWS_TIMEOUT_MS", "10000".to_string()),
            ("CORS_ORIGINS", "http://allowed.example".to_string()),
            ("MAX_BODY_BYTES", "65536".to_string()),
            // Small, so that a few dozen rows make an export go through the bucket.
            ("EXPORT_INLINE_MAX_BYTES", "4096".to_string()),
            ("GIT_COMMIT", "test-commit".to_string()),
            ("STRIPE_WEBHOOK_SECRET", stripe::WEBHOOK_SECRET.to_string()),
            // Counted as everywhere, but high: every test of a binary shares one
            // address. The rate limit tests set their own.
            ("RATE_LIMIT_PUBLIC_PER_MINUTE", "100000".to_string()),
            ("RATE_LIMIT_USER_PER_MINUTE", "100000".to_string()),
            ("RATE_LIMIT_TEAM_PER_MINUTE", "100000".to_string()),
            ("RATE_LIMIT_UPLOAD_PER_MINUTE", "100000".to_string()),
            ("RATE_LIMIT_EXPORT_PER_MINUTE", "100000".to_string()),
            ("SIGNIN_FAILURES_PER_IP", "100000".to_string()),
        ]
        .map(|(k, v)| (k.to_string(), v)),
    )
}

pub fn config(settings: &HashMap<String, String>) -> Config {
    let s = settings.clone();
    Config::from_source(&move |k: &str| s.get(k).cloned()).expect("test config is valid")
}

/// The API for this test binary, started once.
pub fn app() -> &'static TestApp {
    app_with(&[])
}

/// The API for this test binary with `overrides` of the test settings; whichever
/// call comes first starts it, so a binary that needs them calls this in every test.
pub fn app_with(overrides: &[(&str, &str)]) -> &'static TestApp {
    APP.get_or_init(|| {
        let suffix = ulid::Ulid::generate().to_string().to_lowercase();
        let mut settings = config_map(&suffix);
        for (k, v) in overrides {
            settings.insert(k.to_string(), v.to_string());
        }
        // Bound first: pushes to WebSockets go to this server's own Management API.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        settings.insert("WS_MANAGEMENT_URL".into(), format!("http://{addr}"));
        // OAuth callbacks come back to this server.
        settings.insert("API_BASE_URL".into(), format!("http://{addr}"));
        // The OAuth providers' stand-in.
        let oauth_listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let oauth_addr = oauth_listener.local_addr().expect("addr");
        for (provider, env) in [
            ("google", "GOOGLE"),
            ("microsoft", "MICROSOFT"),
            ("github", "GITHUB"),
        ] {
            let at = |end: &str| format!("http://{oauth_addr}/{provider}/{end}");
            for (key, value) in [
                ("CLIENT_ID", oauth::CLIENT_ID.to_string()),
                ("CLIENT_SECRET", oauth::CLIENT_SECRET.to_string()),
                ("AUTHORIZE_URL", at("authorize")),
                ("TOKEN_URL", at("token")),
                ("USERINFO_URL", at("userinfo")),
                ("ISSUER", oauth::issuer(&format!("http://{oauth_addr}"))),
            ] {
                settings.insert(format!("OAUTH_{env}_{key}"), value);
            }
        }
        // Stripe: the stand-in for what localstripe lacks, in front of localstripe,
        // sending its events to this API's webhook.
        let stripe_listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let stripe_addr = stripe_listener.local_addr().expect("addr");
        settings.insert("STRIPE_API_BASE".into(), format!("http://{stripe_addr}"));
        settings.insert("STRIPE_SECRET_KEY".into(), "sk_test_campus_local".into());
        // The AI provider's stand-in.
        let ai_listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let ai_addr = ai_listener.local_addr().expect("addr");
        settings.insert("AI_BASE_URL".into(), format!("http://{ai_addr}/v1"));
        settings.insert("AI_API_KEY".into(), ai::API_KEY.into());
        settings.insert("AI_MODEL".into(), "test-model".into());
        // Retries are tested, not timed: short waits.
        settings.insert("AI_TIMEOUT_MS".into(), "5000".into());
        let standin = campus_local::stripe::StandIn::new(
            format!("http://{stripe_addr}"),
            std::env::var("LOCALSTRIPE_URL").ok(),
            Some((
                format!("http://{addr}/api/webhooks/stripe"),
                stripe::WEBHOOK_SECRET.to_string(),
            )),
        );
        let (tx, rx) = mpsc::channel();
        let cfg = config(&settings);
        // The server gets its own runtime: each #[tokio::test] has one that ends with it.
        campus::lambda::init_tracing();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                let template = Template::find().expect("template.yaml");
                setup::create_all(&template, &cfg)
                    .await
                    .expect("emulator set-up");
                guard_aws_calls(&cfg);
                let state = AppState::new(cfg);
                let router = gateway::gateway(&template, state).expect("gateway");
                listener.set_nonblocking(true).expect("non-blocking");
                let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
                stripe_listener.set_nonblocking(true).expect("non-blocking");
                let stripe_listener =
                    tokio::net::TcpListener::from_std(stripe_listener).expect("listener");
                tokio::spawn(async move {
                    axum::serve(stripe_listener, standin.router())
                        .await
                        .expect("Stripe stand-in");
                });
                oauth_listener.set_nonblocking(true).expect("non-blocking");
                let oauth_listener =
                    tokio::net::TcpListener::from_std(oauth_listener).expect("listener");
                tokio::spawn(async move {
                    axum::serve(oauth_listener, oauth::router())
                        .await
                        .expect("OAuth stand-in");
                });
                ai_listener.set_nonblocking(true).expect("non-blocking");
                let ai_listener = tokio::net::TcpListener::from_std(ai_listener).expect("listener");
                tokio::spawn(async move {
                    axum::serve(ai_listener, ai::router())
                        .await
                        .expect("AI stand-in");
                });
                tx.send(addr).expect("send addr");
                axum::serve(
                    listener,
                    router.into_make_service_with_connect_info::<SocketAddr>(),
                )
                .await
                .expect("serve");
            });
        });
        let addr = rx.recv().expect("the test server started");
        TestApp {
            base: format!("http://{addr}"),
            // No idle pool: each #[tokio::test] has its own runtime, and a connection
            // pooled by one is dead in the next.
            client: reqwest::Client::builder()
                .pool_max_idle_per_host(0)
                // Redirects are answers to check (certificate downloads), not to follow.
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            settings,
        }
    })
}

/// A response, read whole.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The contract's error code, asserting the whole error body's shape on the way.
    pub fn error_code(&self) -> &str {
        let e = &self.body["error"];
        assert!(
            e["message"].is_string(),
            "error body without message: {}",
            self.body
        );
        assert!(
            e["requestId"].as_str().is_some_and(|s| !s.is_empty()),
            "error body without requestId: {}",
            self.body
        );
        assert_eq!(
            self.header("x-request-id"),
            e["requestId"].as_str(),
            "requestId differs from X-Request-Id"
        );
        e["code"]
            .as_str()
            .unwrap_or_else(|| panic!("no error code in {}", self.body))
    }

    #[track_caller]
    pub fn expect(self, status: u16) -> Self {
        assert_eq!(
            self.status, status,
            "unexpected status; body: {}",
            self.body
        );
        self
    }

    #[track_caller]
    pub fn expect_error(self, status: u16, code: &str) -> Self {
        assert_eq!(
            self.status, status,
            "unexpected status; body: {}",
            self.body
        );
        assert_eq!(self.error_code(), code, "body: {}", self.body);
        self
    }
}

impl TestApp {
    /// A client for the table this API uses, on the calling test's runtime.
    pub async fn db(&self) -> Db {
        let cfg = config(&self.settings);
        Db::new(
            campus::aws::Aws::new(&cfg).dynamodb(),
            cfg.table_name.clone(),
            cfg.jwt_secret.as_ref().map_or("", |s| s.expose()),
        )
    }

    /// A client whose connections come from `ip` (any loopback address, 127.0.0.0/8),
    /// so the API sees another caller's address.
    pub fn client_from(&self, ip: &str) -> reqwest::Client {
        reqwest::Client::builder()
            .pool_max_idle_per_host(0)
            .local_address(ip.parse::<std::net::IpAddr>().expect("an IP address"))
            .build()
            .expect("client")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn send(&self, req: reqwest::RequestBuilder) -> Resp {
        let res = req.send().await.expect("request reached the server");
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let bytes = res.bytes().await.expect("body");
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()))
        };
        Resp {
            status,
            headers,
            body,
        }
    }

    pub async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Resp {
        let mut req = self
            .client
            .request(method.parse().expect("method"), self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        self.send(req).await
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Resp {
        self.call("GET", path, token, None).await
    }
    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Resp {
        self.call("POST", path, token, Some(body)).await
    }
    pub async fn put(&self, path: &str, token: Option<&str>, body: Value) -> Resp {
        self.call("PUT", path, token, Some(body)).await
    }
    /// A JSON merge patch, sent as `application/json`.
    pub async fn patch(&self, path: &str, token: Option<&str>, body: Value) -> Resp {
        self.call("PATCH", path, token, Some(body)).await
    }
    pub async fn login(&self, email: &str, password: &str) -> Resp {
        self.post(
            "/api/auth/login",
            None,
            json!({"email": email, "password": password}),
        )
        .await
    }
    pub async fn delete(&self, path: &str, token: Option<&str>) -> Resp {
        self.call("DELETE", path, token, None).await
    }
}

/// An answer's body as it was before the server compressed it (`Content-Encoding`).
pub fn decoded(encoding: Option<&str>, body: &[u8]) -> Vec<u8> {
    use std::io::Read;
    let mut out = Vec::new();
    match encoding {
        None => out.extend_from_slice(body),
        Some("gzip") => {
            flate2::read::GzDecoder::new(body)
                .read_to_end(&mut out)
                .expect("a gzip body");
        }
        Some(other) => panic!("unexpected Content-Encoding {other}"),
    }
    out
}

pub fn unique_email(prefix: &str) -> String {
    format!(
        "{prefix}-{}@example.com",
        ulid::Ulid::generate().to_string().to_lowercase()
    )
}

/// A signed-in user.
#[derive(Debug, Clone)]
pub struct Account {
    pub email: String,
    pub user_id: String,
    pub company_id: String,
    pub access: String,
    pub refresh: String,
    pub version: u64,
}

impl Account {
    fn from_auth(email: &str, body: &Value) -> Self {
        Self {
            email: email.to_string(),
            user_id: body["user"]["id"].as_str().expect("user id").to_string(),
            company_id: body["company"]["id"]
                .as_str()
                .expect("company id")
                .to_string(),
            access: body["accessToken"]
                .as_str()
                .expect("access token")
                .to_string(),
            refresh: body["refreshToken"]
                .as_str()
                .expect("refresh token")
                .to_string(),
            version: body["user"]["version"].as_u64().unwrap_or(1),
        }
    }

    pub fn token(&self) -> Option<&str> {
        Some(&self.access)
    }
}

/// Registers a new company; the account is its admin.
pub async fn new_company() -> Account {
    let t = app();
    let email = unique_email("admin");
    let r = t
        .post("/api/auth/register", None, json!({"email": email, "password": PASSWORD, "name": "Ada Admin", "companyName": "Acme"}))
        .await
        .expect(201);
    Account::from_auth(&email, &r.body)
}

/// A new company on `plan` (bought the way production buys it: Stripe's signed
/// event at the webhook); the account is its admin. For tests that need more seats
/// than the free plan's five, or a gated feature.
pub async fn new_company_on(plan: &str) -> Account {
    let admin = new_company().await;
    stripe::set_plan(&admin.company_id, plan).await;
    admin
}

/// Invites someone with `role` into the admin's company and registers them.
pub async fn join(admin: &Account, role: &str) -> Account {
    let t = app();
    let email = unique_email(role);
    let invite = t
        .post(
            "/api/company/invites",
            admin.token(),
            json!({"email": email, "role": role}),
        )
        .await
        .expect(201);
    let r = t
        .post(
            "/api/auth/register",
            None,
            json!({"email": email, "password": PASSWORD, "name": format!("A {role}"), "inviteToken": invite.body["token"]}),
        )
        .await
        .expect(201);
    Account::from_auth(&email, &r.body)
}

/// A course by `author` with one module of `lessons` text lessons; its id and the
/// lessons' ids in order.
pub async fn course_with_lessons(
    author: &Account,
    title: &str,
    status: &str,
    lessons: usize,
) -> (String, Vec<String>) {
    let (course, _, ids) = course_with_module(author, title, status, lessons).await;
    (course, ids)
}

/// [`course_with_lessons`], with its module's id too: the course, the module, the
/// lessons.
pub async fn course_with_module(
    author: &Account,
    title: &str,
    status: &str,
    lessons: usize,
) -> (String, String, Vec<String>) {
    let t = app();
    let c = t
        .post(
            "/api/courses",
            author.token(),
            json!({"title": title, "description": "", "difficulty": "beginner", "durationWeeks": 1, "tags": [], "status": status}),
        )
        .await
        .expect(201);
    let course = c.body["id"].as_str().expect("course id").to_string();
    let m = t
        .post(
            &format!("/api/courses/{course}/modules"),
            author.token(),
            json!({"title": "Module", "order": 1}),
        )
        .await
        .expect(201);
    let module = m.body["id"].as_str().expect("module id").to_string();
    let mut ids = Vec::new();
    for i in 0..lessons {
        let l = t
            .post(
                &format!("/api/courses/{course}/modules/{module}/lessons"),
                author.token(),
                json!({"title": format!("Lesson {i}"), "type": "text", "content": "Read this.", "durationMinutes": 5, "order": i}),
            )
            .await
            .expect(201);
        ids.push(l.body["id"].as_str().expect("lesson id").to_string());
    }
    (course, module, ids)
}

/// Adds a quiz lesson, without its question bank yet, to a module; its id.
pub async fn add_quiz_lesson(author: &Account, course: &str, module: &str, title: &str) -> String {
    app()
        .post(
            &format!("/api/courses/{course}/modules/{module}/lessons"),
            author.token(),
            json!({"title": title, "type": "quiz", "content": "", "durationMinutes": 5, "order": 9}),
        )
        .await
        .expect(201)
        .body["id"]
        .as_str()
        .expect("lesson id")
        .to_string()
}

/// A published course whose one lesson is a quiz of one true/false question
/// (`q1`, right answer `yes`): the course, its module and the quiz lesson.
pub async fn course_with_quiz(author: &Account) -> (String, String, String) {
    let (course, module, _) = course_with_module(author, "Quizzed", "published", 0).await;
    let lesson = add_quiz_lesson(author, &course, &module, "Quiz").await;
    app()
        .put(
            &format!("/api/courses/{course}/modules/{module}/lessons/{lesson}/quiz"),
            author.token(),
            json!({"passPercent": 100, "questions": [{"id": "q1", "kind": "true_false", "prompt": "Lock your screen?",
                "options": [{"id": "yes", "text": "Yes", "correct": true}, {"id": "no", "text": "No"}]}]}),
        )
        .await
        .expect(200);
    (course, module, lesson)
}

/// Puts a price on `course` (its title as given) at its current version.
pub async fn set_price(author: &Account, course: &str, title: &str, cents: u64) {
    let t = app();
    let c = t
        .get(&format!("/api/courses/{course}"), author.token())
        .await
        .expect(200);
    t.put(
        &format!("/api/courses/{course}"),
        author.token(),
        json!({"title": title, "description": "", "difficulty": "beginner",
            "durationWeeks": 1, "tags": [], "status": "published", "priceCents": cents,
            "currency": "EUR", "version": c.body["version"]}),
    )
    .await
    .expect(200);
}

/// An admin's change to a user (`{"role": ...}`, `{"status": ...}`), at the
/// user's current version.
pub async fn change_user(admin: &Account, user_id: &str, mut change: Value) {
    let t = app();
    let path = format!("/api/users/{user_id}");
    let user = t.get(&path, admin.token()).await.expect(200);
    change["version"] = user.body["version"].clone();
    t.put(&path, admin.token(), change).await.expect(200);
}

/// A team made by `manager` (its lead) with `members` added; its id.
pub async fn team_led_by(manager: &Account, members: &[&Account]) -> String {
    let t = app();
    let team = t
        .post("/api/teams", manager.token(), json!({"name": "Crew"}))
        .await
        .expect(201);
    let id = team.body["id"].as_str().expect("team id").to_string();
    for m in members {
        t.post(
            &format!("/api/teams/{id}/members"),
            manager.token(),
            json!({"userId": m.user_id}),
        )
        .await
        .expect(201);
    }
    id
}

/// The `token` query parameter of the link in the newest `template` mail to `to`, read
/// from the company's outbox (what the mailer would send).
pub async fn mailed_token(company_id: &str, to: &str, template: &str) -> Option<String> {
    let db = app().db().await;
    let mails: Vec<campus::model::Mail> = db.all(&lists::outbox(company_id)).await.expect("outbox");
    let mail = mails
        .iter()
        .rev()
        .find(|m| m.to == to && m.template == template)?;
    let data: Value = serde_json::from_str(&mail.data_json).ok()?;
    let url = data["url"].as_str()?;
    Some(url.split("token=").nth(1)?.to_string())
}

/// A mail the local SES accepted, parsed from its MIME source.
#[derive(Debug)]
pub struct Received {
    pub to: Vec<String>,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Every mail the local SES accepted for `to`, oldest first.
pub async fn received(to: &str) -> Vec<Received> {
    let data: Value = reqwest::get(format!("{}/moto-api/data.json", endpoint()))
        .await
        .expect("moto data")
        .json()
        .await
        .expect("moto data is JSON");
    data["ses"]["RawMessage"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|m| {
            m["destinations"]
                .as_array()
                .is_some_and(|d| d.iter().any(|a| a == to))
                // Exactly once: the recipient comes from the message's header alone.
                && m["destinations"].as_array().is_some_and(|d| d.len() == 1)
        })
        .map(|m| {
            let raw = m["raw_data"].as_str().unwrap_or_default();
            let parsed = mail_parser::MessageParser::default()
                .parse(raw.as_bytes())
                .expect("a MIME message");
            Received {
                to: parsed
                    .to()
                    .into_iter()
                    .flat_map(|a| a.iter())
                    .filter_map(|a| a.address().map(str::to_string))
                    .collect(),
                subject: parsed.subject().unwrap_or_default().to_string(),
                text: parsed.body_text(0).unwrap_or_default().to_string(),
                html: parsed.body_html(0).unwrap_or_default().to_string(),
            }
        })
        .collect()
}

/// A mailer on this test binary's table and settings, with `overrides`.
pub fn mailer(overrides: &[(&str, &str)]) -> campus_mailer::Mailer {
    let mut settings = app().settings.clone();
    for (k, v) in overrides {
        settings.insert(k.to_string(), v.to_string());
    }
    // Another sender than the deployed one is not the mailer the policy is for (the
    // policy names its sender): such a mailer is not judged by it.
    if overrides.iter().any(|(k, _)| *k == "MAIL_FROM") {
        return campus_mailer::Mailer::new(AppState::new(config(&settings)));
    }
    campus_mailer::Mailer::new(function_state(&settings, "mailer"))
}

/// Every AWS call a function makes in this process is judged against its policy in
/// `template.yaml` (campus_local::iam); `make test` collects the judgements in
/// `CAMPUS_IAM_RECORD` and fails on any refusal. Each function also goes without the
/// secret settings the template does not give it.
fn guard_aws_calls(cfg: &Config) {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        let template = Template::find().expect("template.yaml");
        template.withhold_secrets();
        let record = std::env::var_os("CAMPUS_IAM_RECORD").map(std::path::PathBuf::from);
        campus_local::iam::enforce_template(&template, cfg, record)
            .expect("template.yaml's policies");
    });
}

/// The state a function's handler gets, with its AWS calls judged as that function's
/// (`function` is the binary name, as in `template.yaml`): for driving event-triggered
/// functions (the mailer, the indexer, the jobs) straight from a test.
pub fn function_state(settings: &HashMap<String, String>, function: &'static str) -> AppState {
    let cfg = config(settings);
    guard_aws_calls(&cfg);
    AppState::new(cfg).for_function(function)
}

pub type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// `hours` from now, RFC 3339 to the second (an event's start or end).
pub fn in_hours(hours: i64) -> String {
    (time::OffsetDateTime::now_utc() + time::Duration::hours(hours))
        .replace_nanosecond(0)
        .expect("a whole second")
        .format(&time::format_description::well_known::Rfc3339)
        .expect("RFC 3339")
}

/// Opens `ws://…/ws?token=`; the error is the refusal (its HTTP status).
pub async fn socket(token: &str) -> Result<Socket, u16> {
    let url = format!(
        "{}/ws?token={token}",
        app().base.replace("http://", "ws://")
    );
    match tokio_tungstenite::connect_async(url).await {
        Ok((ws, _)) => Ok(ws),
        Err(tokio_tungstenite::tungstenite::Error::Http(res)) => Err(res.status().as_u16()),
        Err(e) => panic!("WebSocket connect failed: {e}"),
    }
}

/// The next JSON message within `ms` milliseconds, if one comes.
pub async fn next_message(ws: &mut Socket, ms: u64) -> Option<Value> {
    use futures_util::StreamExt;
    let deadline = std::time::Duration::from_millis(ms);
    loop {
        match tokio::time::timeout(deadline, ws.next()).await {
            Ok(Some(Ok(tokio_tungstenite::tungstenite::Message::Text(t)))) => {
                return serde_json::from_str(t.as_str()).ok();
            }
            Ok(Some(Ok(_))) => continue,
            _ => return None,
        }
    }
}

/// Whether the server ends the socket within `ms` (messages before the end are
/// skipped).
pub async fn ended_within(ws: &mut Socket, ms: u64) -> bool {
    use futures_util::StreamExt;
    let until = tokio::time::Instant::now() + std::time::Duration::from_millis(ms);
    loop {
        match tokio::time::timeout_at(until, ws.next()).await {
            Err(_) => return false,
            Ok(None | Some(Err(_))) => return true,
            Ok(Some(Ok(tokio_tungstenite::tungstenite::Message::Close(_)))) => return true,
            Ok(Some(Ok(_))) => {}
        }
    }
}

/// The next message of `kind`, skipping others, within `ms` milliseconds.
pub async fn next_of(ws: &mut Socket, kind: &str, ms: u64) -> Option<Value> {
    let until = tokio::time::Instant::now() + std::time::Duration::from_millis(ms);
    loop {
        let left = until.saturating_duration_since(tokio::time::Instant::now());
        let m = next_message(ws, left.as_millis() as u64).await?;
        if m["type"] == kind {
            return Some(m);
        }
    }
}

/// The mails of `template` to `to` waiting in (or sent from) a company's outbox,
/// oldest first.
pub async fn outbox_mails(company_id: &str, to: &str, template: &str) -> Vec<campus::model::Mail> {
    let all: Vec<campus::model::Mail> = app()
        .db()
        .await
        .all(&lists::outbox(company_id))
        .await
        .expect("outbox");
    all.into_iter()
        .filter(|m| m.to == to && m.template == template)
        .collect()
}
