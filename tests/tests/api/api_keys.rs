//! API keys through the HTTP path: shown once, kept hashed, usable as a bearer
//! credential with the creator's company and current role, last use noted,
//! revocable, and nobody else's.

use campus_tests::{Account, app, change_user, join, new_company};
use serde_json::json;

async fn new_key(admin: &Account, name: &str) -> (String, String) {
    let r = app()
        .post(
            "/api/users/me/api-keys",
            admin.token(),
            json!({"name": name}),
        )
        .await
        .expect(201);
    let secret = r.body["secret"].as_str().expect("secret").to_string();
    assert!(secret.starts_with("ck."), "{secret}");
    assert_eq!(r.body["hint"].as_str(), Some(&secret[secret.len() - 4..]));
    (r.body["id"].as_str().expect("id").to_string(), secret)
}

#[tokio::test]
async fn a_key_acts_as_its_admin_and_is_shown_once() {
    let t = app();
    let ada = new_company().await;
    let (id, secret) = new_key(&ada, "CI sync").await;

    // Used as a bearer credential: the same user and company.
    let me = t.get("/api/auth/me", Some(&secret)).await.expect(200);
    assert_eq!(me.body["user"]["id"], ada.user_id.as_str());
    assert_eq!(me.body["company"]["id"], ada.company_id.as_str());
    // It can do what its admin can: create, and the trail names the admin.
    let course = t
        .post(
            "/api/courses",
            Some(&secret),
            json!({"title": "Via key", "description": "", "difficulty": "beginner", "durationWeeks": 1, "tags": [], "status": "draft"}),
        )
        .await
        .expect(201);
    let trail = t
        .get("/api/audit-logs?action=POST%20/api/courses", ada.token())
        .await
        .expect(200);
    assert!(
        trail.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["resourceId"] == course.body["id"] && e["actorId"] == ada.user_id.as_str()),
        "{}",
        trail.body
    );

    // The list shows the key and its last use, never its secret.
    let list = t
        .get("/api/users/me/api-keys", ada.token())
        .await
        .expect(200);
    let text = list.body.to_string();
    assert!(!text.contains(&secret[secret.len() - 20..]), "{text}");
    let item = &list.body["items"][0];
    assert_eq!(item["id"], id.as_str());
    assert_eq!(item["name"], "CI sync");
    assert!(item["lastUsedAt"].is_string(), "{item}");
    assert!(item.get("secret").is_none());
    // Nor is it stored: only its hash.
    let stored = t
        .db()
        .await
        .get::<serde_json::Value>(&campus::db::keys::api_key(
            &ada.company_id,
            &ada.user_id,
            &id,
        ))
        .await
        .unwrap()
        .unwrap();
    assert!(!stored.to_string().contains(&secret[secret.len() - 20..]));

    // Revoked: it stops working at once, and a second revoke finds nothing.
    t.delete(&format!("/api/users/me/api-keys/{id}"), ada.token())
        .await
        .expect(204);
    t.get("/api/auth/me", Some(&secret))
        .await
        .expect_error(401, "UNAUTHENTICATED");
    t.delete(&format!("/api/users/me/api-keys/{id}"), ada.token())
        .await
        .expect_error(404, "NOT_FOUND");
}

#[tokio::test]
async fn forged_keys_and_other_peoples_keys_do_nothing() {
    let t = app();
    let ada = new_company().await;
    let (id, secret) = new_key(&ada, "Reporting").await;
    // Another secret under the same ids, a malformed key, another company's ids.
    let mut forged = secret.clone();
    forged.pop();
    forged.push(if secret.ends_with('A') { 'B' } else { 'A' });
    let bob = new_company().await;
    let moved = secret.replacen(&ada.company_id, &bob.company_id, 1);
    for bad in [
        forged.as_str(),
        "ck.nonsense",
        moved.as_str(),
        "ck.a.b.c.d.e",
    ] {
        t.get("/api/auth/me", Some(bad))
            .await
            .expect_error(401, "UNAUTHENTICATED");
    }
    // Another admin cannot see or revoke it.
    let list = t
        .get("/api/users/me/api-keys", bob.token())
        .await
        .expect(200);
    assert_eq!(list.body["items"].as_array().map(Vec::len), Some(0));
    t.delete(&format!("/api/users/me/api-keys/{id}"), bob.token())
        .await
        .expect_error(404, "NOT_FOUND");
    t.get("/api/auth/me", Some(&secret)).await.expect(200);
}

#[tokio::test]
async fn only_admins_make_keys_and_a_key_follows_its_users_role() {
    let t = app();
    let ada = new_company().await;
    let manager = join(&ada, "manager").await;
    t.post(
        "/api/users/me/api-keys",
        manager.token(),
        json!({"name": "mine"}),
    )
    .await
    .expect_error(403, "FORBIDDEN");
    t.get("/api/users/me/api-keys", manager.token())
        .await
        .expect_error(403, "FORBIDDEN");
    t.post(
        "/api/users/me/api-keys",
        ada.token(),
        json!({"name": "", "expiresInDays": 0}),
    )
    .await
    .expect_error(400, "VALIDATION_FAILED");

    // A second admin makes a key; demoted, the key acts as a participant now.
    let eve = join(&ada, "admin").await;
    let (_, secret) = new_key(&eve, "Eve's key").await;
    t.get("/api/audit-logs", Some(&secret)).await.expect(200);
    change_user(&ada, &eve.user_id, json!({"role": "participant"})).await;
    t.get("/api/audit-logs", Some(&secret))
        .await
        .expect_error(403, "FORBIDDEN");
    t.get("/api/auth/me", Some(&secret)).await.expect(200);
    // Disabled, the key stops working.
    change_user(&ada, &eve.user_id, json!({"status": "disabled"})).await;
    t.get("/api/auth/me", Some(&secret))
        .await
        .expect_error(401, "UNAUTHENTICATED");
}

#[tokio::test]
async fn a_key_with_an_expiry_says_when() {
    let ada = new_company().await;
    let r = app()
        .post(
            "/api/users/me/api-keys",
            ada.token(),
            json!({"name": "Quarterly", "expiresInDays": 90}),
        )
        .await
        .expect(201);
    let expires = time::OffsetDateTime::parse(
        r.body["expiresAt"].as_str().expect("expiresAt"),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    let days = (expires - time::OffsetDateTime::now_utc()).whole_days();
    assert!((89..=90).contains(&days), "{days}");
    app()
        .get("/api/auth/me", r.body["secret"].as_str())
        .await
        .expect(200);
}

/// A key's last use is noted whichever function it reaches: the read-only ones too,
/// whose policies allow that one update and nothing else (`template.yaml`).
#[tokio::test]
async fn a_keys_last_use_is_noted_by_every_function() {
    let t = app();
    let ada = new_company().await;
    for path in [
        "/api/audit-logs",
        "/api/search?q=safety",
        "/api/reports/compliance",
        "/api/export/history",
        "/api/chat/history",
        "/api/email/queue-status",
        "/api/checkins",
        "/api/courses",
    ] {
        let (id, secret) = new_key(&ada, path).await;
        // Accepted, whatever the answer (reports need a paid plan: 402).
        let r = t.get(path, Some(&secret)).await;
        assert!([200, 402].contains(&r.status), "{path}: {r:?}");
        let list = t
            .get("/api/users/me/api-keys", ada.token())
            .await
            .expect(200);
        let item = list.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["id"] == id.as_str())
            .cloned()
            .unwrap_or_default();
        assert!(item["lastUsedAt"].is_string(), "{path}: {item}");
    }
}
