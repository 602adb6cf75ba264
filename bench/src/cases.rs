//! What each measured route is fed: an API Gateway request for the HTTP functions,
//! and for the event-driven ones the event their source sends (`events/`), with the
//! items it names made first. A mail or an upload is handled once, so each invocation
//! gets one of its own: what is timed is a real send or a real check, never a skip.

use campus::{
    AppState, clock,
    db::keys,
    model::{FilePurpose, FileRecord, FileStatus, Mail},
};
use campus_local::seed;
use serde_json::{Value, json};

use crate::{fixture, from_caller};

/// Warm invocations of a request; of an event function, and of a password change,
/// each of which does real work made for it (a mail, an upload, two hashes).
pub const WARM: usize = 1000;
pub const WARM_EACH_MADE: usize = 200;
/// The password the changer alternates with the seeded one.
const OTHER_PASSWORD: &str = "Campus-bench-alternate-2026";

/// What an answer must be for its invocation to count.
#[derive(Clone, Copy)]
pub enum Expect {
    /// An HTTP answer with this status.
    Status(u16),
    /// An event's answer (no invocation error) whose JSON contains this text.
    Answer(&'static str),
}

impl Expect {
    pub fn met(self, body: &[u8], error: bool) -> bool {
        match self {
            Expect::Status(code) => !error && crate::status_of(body) == code,
            Expect::Answer(text) => !error && String::from_utf8_lossy(body).contains(text),
        }
    }
}

/// How the invocations of one route are made from its fixture.
#[derive(Clone, Copy)]
pub enum Make {
    /// The request, from a caller address of its own each time.
    Request,
    /// The same event every time (a schedule).
    Same,
    /// The stream record of the seeded admin's inventory item, the same every time.
    ItemRecord,
    /// A `$connect` with a connection id of its own each time.
    Socket,
    /// A new outbox mail each time (the stream record of its insert).
    Mail,
    /// A new pending upload, object in the bucket, each time (its S3 event).
    Upload,
    /// A password change by the seeded manager, from one password to the other and
    /// back: each is a real change (two argon2id hashes and the writes).
    PasswordChange,
}

pub struct Case {
    pub label: &'static str,
    pub fixture: &'static str,
    pub expect: Expect,
    pub make: Make,
    /// Warm invocations timed.
    pub warm: usize,
}

pub fn request(label: &'static str, fixture: &'static str, status: u16) -> Case {
    Case {
        label,
        fixture,
        expect: Expect::Status(status),
        make: Make::Request,
        warm: WARM,
    }
}

pub fn password_change() -> Case {
    Case {
        label: "password change (2× argon2id)",
        fixture: "auth/password-change.json",
        expect: Expect::Status(204),
        make: Make::PasswordChange,
        warm: WARM_EACH_MADE,
    }
}

pub fn event(label: &'static str, fixture: &'static str, make: Make, expect: Expect) -> Case {
    Case {
        label,
        fixture,
        expect,
        make,
        warm: WARM_EACH_MADE,
    }
}

/// The seeded admin the invocations act as, and a real inventory item for the
/// indexer's stream record.
pub struct Ctx {
    pub state: AppState,
    pub token: String,
    pub company_id: String,
    pub user_id: String,
    pub email: String,
    pub inventory_id: String,
    /// The seeded manager's session, and their (current, other) password: changed
    /// at each password change made.
    changer: String,
    passwords: std::sync::Mutex<(String, String)>,
}

impl Ctx {
    fn fill(&self, raw: &str) -> String {
        raw.replace("{{companyId}}", &self.company_id)
            .replace("{{userId}}", &self.user_id)
            .replace("{{bucket}}", &self.state.config.bucket_name)
    }

    /// `count` invocations of `case`, each ready to hand over.
    pub async fn invocations(&self, case: &Case, count: usize) -> Vec<String> {
        let raw = fixture(case.fixture, &self.token);
        let mut out = Vec::with_capacity(count);
        for n in 0..count {
            out.push(match case.make {
                Make::Request => from_caller(&raw, n),
                Make::Same => self.fill(&raw),
                Make::ItemRecord => {
                    let item = keys::inventory_item(&self.company_id, &self.inventory_id);
                    self.fill(&raw)
                        .replace("{{pk}}", &item.pk)
                        .replace("{{sk}}", &item.sk)
                        .replace("{{id}}", &self.inventory_id)
                }
                Make::Socket => self
                    .fill(&raw)
                    .replace("{{connectionId}}", &format!("bench{}", clock::new_id())),
                Make::Mail => self.new_mail(&raw).await,
                Make::Upload => self.new_upload(&raw).await,
                Make::PasswordChange => {
                    let mut p = self.passwords.lock().expect("passwords");
                    let (current, new) = (p.0.clone(), p.1.clone());
                    *p = (new.clone(), current.clone());
                    let raw = raw
                        .replace(&self.token, &self.changer)
                        .replace("{{currentPassword}}", &current)
                        .replace("{{newPassword}}", &new);
                    from_caller(&raw, n)
                }
            });
        }
        out
    }

    async fn new_mail(&self, raw: &str) -> String {
        let data = json!({"title": "Bench", "body": "A notification by mail.", "link": null});
        let mail = Mail::new(&self.company_id, "notification", &self.email, data);
        self.state
            .db
            .put(&mail, None)
            .await
            .expect("an outbox mail for the mailer");
        let key = keys::outbox(&self.company_id, &mail.id);
        raw.replace("{{pk}}", &key.pk).replace("{{sk}}", &key.sk)
    }

    async fn new_upload(&self, raw: &str) -> String {
        let body = b"Notes from the bench.\n".to_vec();
        let now = clock::now_rfc3339();
        let file = FileRecord {
            id: clock::new_id(),
            company_id: self.company_id.clone(),
            owner_id: self.user_id.clone(),
            filename: "notes.txt".into(),
            content_type: "text/plain".into(),
            size: body.len() as u64,
            purpose: FilePurpose::Attachment,
            status: FileStatus::Pending,
            rejection: None,
            created_at: now.clone(),
            updated_at: now,
        };
        self.state
            .storage
            .put(&file.object_key(), "text/plain", body)
            .await
            .expect("an uploaded object");
        self.state
            .db
            .put(&file, None)
            .await
            .expect("a pending upload");
        self.fill(raw).replace("{{fileId}}", &file.id)
    }
}

/// The signed-in admin's ids, and an inventory item of theirs, through the in-process
/// stack.
pub async fn context(app: &axum::Router, state: AppState, token: String) -> Ctx {
    let me = call(app, "GET", "/api/auth/me", &token, Value::Null).await["user"].clone();
    let item = call(
        app,
        "POST",
        "/api/inventory",
        &token,
        json!({"name": "Crane hook", "sku": format!("CR-{}", clock::new_id()),
            "category": "Lifting", "quantity": 4}),
    )
    .await;
    // The manager changes passwords; a run stopped half-way left the other one.
    let (manager, _, _) = seed::PEOPLE[1];
    let mut passwords = (seed::PASSWORD.to_string(), OTHER_PASSWORD.to_string());
    let changer = match sign_in(app, manager, &passwords.0).await {
        Some(t) => t,
        None => {
            passwords = (passwords.1, passwords.0);
            sign_in(app, manager, &passwords.0)
                .await
                .expect("the seeded manager signs in")
        }
    };
    let text = |v: &Value, k: &str| {
        v[k].as_str()
            .unwrap_or_else(|| panic!("{k} in {v}"))
            .to_string()
    };
    Ctx {
        state,
        company_id: text(&me, "companyId"),
        user_id: text(&me, "id"),
        email: text(&me, "email"),
        inventory_id: text(&item, "id"),
        token,
        changer,
        passwords: std::sync::Mutex::new(passwords),
    }
}

/// A session's access token, if `email` signs in with `password`.
pub async fn sign_in(app: &axum::Router, email: &str, password: &str) -> Option<String> {
    let body = json!({"email": email, "password": password});
    let (status, answer) = send(app, "POST", "/api/auth/login", None, body).await;
    status
        .is_success()
        .then_some(answer["accessToken"].as_str()?.to_string())
}

/// A signed-in call that must succeed: its answer.
async fn call(app: &axum::Router, method: &str, path: &str, token: &str, body: Value) -> Value {
    let (status, answer) = send(app, method, path, Some(token), body).await;
    assert!(status.is_success(), "{method} {path}: {status} {answer}");
    answer
}

async fn send(
    app: &axum::Router,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Value,
) -> (axum::http::StatusCode, Value) {
    use tower::ServiceExt;
    let mut req = axum::http::Request::builder()
        .method(method)
        .uri(path)
        .header("content-type", "application/json");
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    let body = if body.is_null() {
        String::new()
    } else {
        body.to_string()
    };
    let req = req.body(axum::body::Body::from(body)).expect("request");
    let res = app.clone().oneshot(req).await.expect("infallible");
    let status = res.status();
    let bytes = axum::body::to_bytes(res.into_body(), 1 << 20)
        .await
        .expect("body");
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}
