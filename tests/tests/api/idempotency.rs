//! `Idempotency-Key` through the HTTP path, on creating POSTs of several functions: a
//! repeat answers the first answer without doing it again, another request under the
//! same key is a 409, keys are the caller's own, and concurrent repeats make one.

use campus_tests::{Account, Resp, app, new_company, unique_email};
use serde_json::{Value, json};

async fn post_keyed(who: Option<&Account>, path: &str, key: &str, body: &Value) -> Resp {
    let t = app();
    let mut req = t
        .client
        .post(t.url(path))
        .header("idempotency-key", key)
        .json(body);
    if let Some(a) = who {
        req = req.bearer_auth(&a.access);
    }
    t.send(req).await
}

fn course(title: &str) -> Value {
    json!({"title": title, "description": "", "difficulty": "beginner", "durationWeeks": 1, "tags": [], "status": "draft"})
}

async fn course_count(who: &Account) -> usize {
    let r = app()
        .get("/api/courses?scope=catalog&status=draft", who.token())
        .await
        .expect(200);
    r.body["items"].as_array().map(Vec::len).unwrap_or_default()
}

#[tokio::test]
async fn a_repeat_answers_the_first_answer_and_does_nothing_again() {
    let ada = new_company().await;
    let first = post_keyed(
        Some(&ada),
        "/api/courses",
        "create-1",
        &course("Fire safety"),
    )
    .await
    .expect(201);
    assert!(first.header("idempotent-replayed").is_none());
    let again = post_keyed(
        Some(&ada),
        "/api/courses",
        "create-1",
        &course("Fire safety"),
    )
    .await
    .expect(201);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(again.body, first.body);
    assert_eq!(again.header("location"), first.header("location"));
    assert_ne!(again.header("x-request-id"), first.header("x-request-id"));
    assert_eq!(course_count(&ada).await, 1);

    // The same key with another body is a mistake, not a repeat; it changes nothing.
    post_keyed(Some(&ada), "/api/courses", "create-1", &course("Other"))
        .await
        .expect_error(409, "CONFLICT");
    // So is the same key on another path.
    post_keyed(
        Some(&ada),
        "/api/teams",
        "create-1",
        &json!({"name": "Crew"}),
    )
    .await
    .expect_error(409, "CONFLICT");
    assert_eq!(course_count(&ada).await, 1);

    // Keys are the caller's own: someone else's request under the same key is theirs.
    let bob = new_company().await;
    let theirs = post_keyed(
        Some(&bob),
        "/api/courses",
        "create-1",
        &course("Fire safety"),
    )
    .await
    .expect(201);
    assert_ne!(theirs.body["id"], first.body["id"]);
    assert!(theirs.header("idempotent-replayed").is_none());

    // Without a key, the same body makes another course.
    app()
        .post("/api/courses", ada.token(), course("Fire safety"))
        .await
        .expect(201);
    assert_eq!(course_count(&ada).await, 2);
}

#[tokio::test]
async fn an_error_is_not_kept_and_a_bad_key_is_refused() {
    let ada = new_company().await;
    let bad = json!({"title": ""});
    post_keyed(Some(&ada), "/api/courses", "fix-me", &bad)
        .await
        .expect_error(400, "VALIDATION_FAILED");
    // The error did nothing, so the key is free for the corrected request.
    post_keyed(Some(&ada), "/api/courses", "fix-me", &course("Corrected"))
        .await
        .expect(201);
    let long = "k".repeat(256);
    let r = post_keyed(Some(&ada), "/api/courses", &long, &course("Long key"))
        .await
        .expect_error(400, "VALIDATION_FAILED");
    assert!(
        r.body["error"]["details"]["Idempotency-Key"].is_string(),
        "{}",
        r.body
    );
    assert_eq!(course_count(&ada).await, 1);
}

#[tokio::test]
async fn answers_with_secrets_repeat_across_functions() {
    let ada = new_company().await;
    // An invite's answer carries its token: the repeat carries the same one, and one
    // invite exists.
    let email = unique_email("invitee");
    let body = json!({"email": email, "role": "participant"});
    let first = post_keyed(Some(&ada), "/api/company/invites", "invite-1", &body)
        .await
        .expect(201);
    let again = post_keyed(Some(&ada), "/api/company/invites", "invite-1", &body)
        .await
        .expect(201);
    assert_eq!(again.body["token"], first.body["token"]);
    let invites = app()
        .get("/api/company/invites", ada.token())
        .await
        .expect(200);
    let same: Vec<_> = invites.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["email"] == email.as_str())
        .collect();
    assert_eq!(same.len(), 1, "{}", invites.body);

    // A public POST is keyed by the caller's address: registration made once.
    let email = unique_email("founder");
    let body = json!({"email": email, "password": campus_tests::PASSWORD, "name": "Fay", "companyName": "Once Ltd"});
    let first = post_keyed(None, "/api/auth/register", "signup-1", &body)
        .await
        .expect(201);
    let again = post_keyed(None, "/api/auth/register", "signup-1", &body)
        .await
        .expect(201);
    assert_eq!(again.body["company"]["id"], first.body["company"]["id"]);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    // From another address the key is another caller's: the email is taken by now.
    let t = app();
    t.send(
        t.client_from("127.0.0.9")
            .post(t.url("/api/auth/register"))
            .header("idempotency-key", "signup-1")
            .json(&body),
    )
    .await
    .expect_error(409, "CONFLICT");

    // The calendar and the team functions go through the same stack.
    let event = json!({"title": "Kick-off", "startsAt": "2030-01-01T09:00:00Z", "endsAt": "2030-01-01T10:00:00Z", "type": "session", "audience": "company"});
    let e1 = post_keyed(Some(&ada), "/api/calendar/events", "event-1", &event)
        .await
        .expect(201);
    let e2 = post_keyed(Some(&ada), "/api/calendar/events", "event-1", &event)
        .await
        .expect(201);
    assert_eq!(e1.body["id"], e2.body["id"]);
    let t1 = post_keyed(Some(&ada), "/api/teams", "team-1", &json!({"name": "Crew"}))
        .await
        .expect(201);
    let t2 = post_keyed(Some(&ada), "/api/teams", "team-1", &json!({"name": "Crew"}))
        .await
        .expect(201);
    assert_eq!(t1.body["id"], t2.body["id"]);
    let teams = app().get("/api/teams", ada.token()).await.expect(200);
    assert_eq!(teams.body["items"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn concurrent_repeats_make_one() {
    let ada = new_company().await;
    let body = course("Raced");
    let answers = futures_util::future::join_all(
        (0..10).map(|_| post_keyed(Some(&ada), "/api/courses", "race-1", &body)),
    )
    .await;
    let made: Vec<&Resp> = answers.iter().filter(|r| r.status == 201).collect();
    assert!(!made.is_empty(), "none made it");
    for r in &answers {
        assert!(
            r.status == 201 || r.status == 409,
            "{} {}",
            r.status,
            r.body
        );
        if r.status == 409 {
            assert_eq!(r.body["error"]["code"], "CONFLICT");
        }
    }
    assert!(made.iter().all(|r| r.body["id"] == made[0].body["id"]));
    assert_eq!(course_count(&ada).await, 1);
}

#[tokio::test]
async fn a_kept_answer_is_replayed_only_to_a_live_credential() {
    let ada = new_company().await;
    post_keyed(Some(&ada), "/api/courses", "after-logout", &course("Kept"))
        .await
        .expect(201);
    app()
        .post("/api/auth/logout", ada.token(), json!({}))
        .await
        .expect(204);
    // The access token still verifies, but its session has ended: no replay.
    let r = post_keyed(Some(&ada), "/api/courses", "after-logout", &course("Kept")).await;
    let r = r.expect_error(401, "SESSION_REVOKED");
    assert!(r.header("idempotent-replayed").is_none());
    assert!(!r.body.to_string().contains("Kept"), "{}", r.body);
}
