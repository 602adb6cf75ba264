//! Rate limits through the HTTP path, with small limits: every bucket counts into a
//! window kept in the table, answers say where the window stands, and over the limit
//! the answer is 429 `RATE_LIMITED` with `Retry-After` and nothing is done.

use campus_tests::{Account, Resp, TestApp, app_with, new_company};
use serde_json::json;

const LIMITS: &[(&str, &str)] = &[
    ("RATE_LIMIT_PUBLIC_PER_MINUTE", "10"),
    ("RATE_LIMIT_USER_PER_MINUTE", "12"),
    ("RATE_LIMIT_TEAM_PER_MINUTE", "6"),
    ("RATE_LIMIT_UPLOAD_PER_MINUTE", "3"),
    ("RATE_LIMIT_EXPORT_PER_MINUTE", "2"),
    ("SIGNIN_FAILURES_PER_IP", "4"),
];

fn t() -> &'static TestApp {
    app_with(LIMITS)
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs()
}

/// Waits until at least 20 s of the current `secs`-long window remain, so a test's
/// requests all fall into one window.
async fn fresh_window(secs: u64) {
    let left = secs - now() % secs;
    if left < 20 {
        tokio::time::sleep(std::time::Duration::from_secs(left + 1)).await;
    }
}

fn header_u64(r: &Resp, name: &str) -> u64 {
    r.header(name)
        .unwrap_or_else(|| panic!("no {name} header"))
        .parse()
        .unwrap_or_else(|_| panic!("{name} is not a number"))
}

/// Sends `n` requests by `who` to `path`, checking the window counts down; the
/// answer to one more.
async fn exhaust(
    who: &Account,
    method: &str,
    path: &str,
    body: Option<serde_json::Value>,
    n: u64,
    ok: u16,
) -> Resp {
    let mut reset = None;
    for i in 1..=n {
        let r = t()
            .call(method, path, who.token(), body.clone())
            .await
            .expect(ok);
        assert_eq!(header_u64(&r, "x-ratelimit-limit"), n);
        assert_eq!(header_u64(&r, "x-ratelimit-remaining"), n - i);
        let at = header_u64(&r, "x-ratelimit-reset");
        assert!(
            at > now() && at <= now() + 60,
            "reset {at} is not within the minute"
        );
        assert!(reset.is_none_or(|r| r == at), "the window moved");
        reset = Some(at);
    }
    t().call(method, path, who.token(), body).await
}

#[track_caller]
fn assert_limited(r: Resp) {
    let r = r.expect_error(429, "RATE_LIMITED");
    let wait = header_u64(&r, "retry-after");
    assert!((1..=60).contains(&wait), "Retry-After {wait}");
    assert_eq!(header_u64(&r, "x-ratelimit-remaining"), 0);
}

#[tokio::test]
async fn signed_in_requests_are_counted_per_user() {
    t();
    let ada = new_company().await;
    let bob = new_company().await;
    fresh_window(60).await;
    assert_limited(exhaust(&ada, "GET", "/api/auth/me", None, 12, 200).await);
    // Another user has a window of their own.
    let r = t().get("/api/auth/me", bob.token()).await.expect(200);
    assert_eq!(header_u64(&r, "x-ratelimit-remaining"), 11);
    // A refused request still names the window, for a browser too.
    let r = t()
        .send(
            t().client
                .get(t().url("/api/auth/me"))
                .bearer_auth(&ada.access)
                .header("origin", "http://allowed.example"),
        )
        .await;
    let exposed = r
        .header("access-control-expose-headers")
        .unwrap_or_default()
        .to_lowercase();
    assert!(
        exposed.contains("x-ratelimit-remaining") && exposed.contains("retry-after"),
        "{exposed}"
    );
    assert_limited(r);
}

#[tokio::test]
async fn team_endpoints_and_uploads_have_their_own_smaller_windows() {
    t();
    let ada = new_company().await;
    fresh_window(60).await;
    assert_limited(exhaust(&ada, "GET", "/api/teams", None, 6, 200).await);
    // The team window is full; the rest of the API is not.
    t().get("/api/auth/me", ada.token()).await.expect(200);

    let upload = json!({"filename": "notes.txt", "contentType": "text/plain", "size": 10, "purpose": "attachment"});
    assert_limited(exhaust(&ada, "POST", "/api/upload", Some(upload), 3, 201).await);
    // The refused upload made nothing: three files, not four.
    let files = t().get("/api/files", ada.token()).await.expect(200);
    assert_eq!(
        files.body["items"].as_array().map(Vec::len),
        Some(3),
        "{}",
        files.body
    );

    // The GDPR export reads a dozen ranges: two a minute here.
    assert_limited(exhaust(&ada, "GET", "/api/users/me/export", None, 2, 200).await);
    t().get("/api/auth/me", ada.token()).await.expect(200);
}

#[tokio::test]
async fn public_requests_are_counted_per_address() {
    t();
    fresh_window(60).await;
    let from = t().client_from("127.0.0.2");
    for i in 1..=10u64 {
        let r = t()
            .send(from.get(t().url("/api/version")))
            .await
            .expect(200);
        assert_eq!(header_u64(&r, "x-ratelimit-remaining"), 10 - i);
    }
    assert_limited(t().send(from.get(t().url("/api/version"))).await);
    // Another address, and health (what monitors poll), still answer.
    t().send(t().client_from("127.0.0.3").get(t().url("/api/version")))
        .await
        .expect(200);
    let h = t().send(from.get(t().url("/api/health"))).await.expect(200);
    assert!(h.header("x-ratelimit-limit").is_none());
}

#[tokio::test]
async fn failed_sign_ins_from_one_address_are_throttled_across_accounts() {
    t();
    let ada = new_company().await;
    fresh_window(15 * 60).await;
    let from = t().client_from("127.0.0.4");
    let login = |email: String, password: &str| {
        from.post(t().url("/api/auth/login"))
            .json(&json!({"email": email, "password": password}))
    };
    // Guesses spread over accounts, each too few to lock any of them.
    for i in 0..4 {
        t().send(login(format!("nobody-{i}@example.com"), "guess-123456"))
            .await
            .expect_error(401, "INVALID_CREDENTIALS");
    }
    let r = t()
        .send(login(ada.email.clone(), campus_tests::PASSWORD))
        .await
        .expect_error(429, "RATE_LIMITED");
    let wait = header_u64(&r, "retry-after");
    assert!((1..=900).contains(&wait), "Retry-After {wait}");
    // The account itself is not locked: from elsewhere the password still works.
    t().send(
        t().client_from("127.0.0.5")
            .post(t().url("/api/auth/login"))
            .json(&json!({"email": ada.email, "password": campus_tests::PASSWORD})),
    )
    .await
    .expect(200);
}

#[tokio::test]
async fn a_credential_counts_as_its_own_only_once_it_is_verified() {
    t();
    let ada = new_company().await;
    let key = t()
        .post(
            "/api/users/me/api-keys",
            ada.token(),
            json!({"name": "sync"}),
        )
        .await
        .expect(201)
        .body["secret"]
        .as_str()
        .expect("a secret")
        .to_string();
    fresh_window(60).await;
    // A well-formed key that nobody issued (or a real key's ids with another secret)
    // is the address's, however it is dressed: the public window, then 429.
    let from = t().client_from("127.0.0.6");
    let forged = format!("{}.forged", key.rsplit_once('.').expect("a key").0);
    for (i, token) in ["ck.c1.u1.k1.secret", forged.as_str()]
        .iter()
        .cycle()
        .take(10)
        .enumerate()
    {
        let r = t()
            .send(from.get(t().url("/api/version")).bearer_auth(token))
            .await
            .expect(200);
        assert_eq!(header_u64(&r, "x-ratelimit-limit"), 10);
        assert_eq!(header_u64(&r, "x-ratelimit-remaining"), 9 - i as u64);
    }
    // So sign-ups and reset mails stop at the address's limit.
    assert_limited(
        t().send(
            from.post(t().url("/api/auth/password/forgot"))
                .bearer_auth("ck.c1.u1.k1.secret")
                .json(&json!({"email": "someone@example.com"})),
        )
        .await,
    );
    // The real key, from the same address, counts in its user's window.
    let r = t()
        .send(from.get(t().url("/api/auth/me")).bearer_auth(&key))
        .await
        .expect(200);
    assert_eq!(header_u64(&r, "x-ratelimit-limit"), 12);
}

#[tokio::test]
async fn a_deep_health_check_is_counted_per_address() {
    t();
    fresh_window(60).await;
    let from = t().client_from("127.0.0.8");
    for i in 1..=10u64 {
        let r = t().send(from.get(t().url("/api/health?deep=true"))).await;
        assert_ne!(r.status, 429, "{r:?}");
        assert_eq!(header_u64(&r, "x-ratelimit-remaining"), 10 - i);
    }
    assert_limited(t().send(from.get(t().url("/api/health?deep=true"))).await);
    // The plain check stays free for monitors.
    t().send(from.get(t().url("/api/health"))).await.expect(200);
}
