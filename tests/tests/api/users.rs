//! `/api/users`: listing, creating, reading, updating, deleting (GDPR), export.

use campus_tests::{PASSWORD, app, join, new_company, unique_email};
use serde_json::json;

#[tokio::test]
async fn list_is_for_managers_filtered_and_paginated() {
    let t = app();
    let admin = new_company().await;
    let manager = join(&admin, "manager").await;
    let p1 = join(&admin, "participant").await;
    let _p2 = join(&admin, "participant").await;
    let other = new_company().await;

    t.get("/api/users", p1.token())
        .await
        .expect_error(403, "FORBIDDEN");
    t.get("/api/users", None)
        .await
        .expect_error(401, "UNAUTHENTICATED");

    let all = t
        .get("/api/users?limit=100", manager.token())
        .await
        .expect(200);
    let ids: Vec<&str> = all.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 4, "{}", all.body);
    assert!(
        !ids.contains(&other.user_id.as_str()),
        "another company's user is listed"
    );
    assert!(all.body["nextCursor"].is_null());

    let parts = t
        .get("/api/users?role=participant", manager.token())
        .await
        .expect(200);
    assert_eq!(parts.body["items"].as_array().unwrap().len(), 2);
    assert!(
        parts.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|u| u["role"] == "participant")
    );

    // The random end of the email's ULID (its start is a timestamp all four share).
    let q = &p1.email[p1.email.len() - 22..p1.email.len() - 12];
    let found = t
        .get(
            &format!("/api/users?q={}", q.to_uppercase()),
            manager.token(),
        )
        .await
        .expect(200);
    let found: Vec<&str> = found.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_str().unwrap())
        .collect();
    assert_eq!(found, [p1.user_id.as_str()]);

    // Pages of two, followed by cursor, give all four once.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..5 {
        let path = match &cursor {
            Some(c) => format!("/api/users?limit=2&cursor={c}"),
            None => "/api/users?limit=2".to_string(),
        };
        let page = t.get(&path, admin.token()).await.expect(200);
        seen.extend(
            page.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|u| u["id"].as_str().unwrap().to_string()),
        );
        match page.body["nextCursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 4);

    for bad in [
        "limit=0",
        "limit=101",
        "limit=abc",
        "role=wizard",
        "cursor=bm9wZQ",
    ] {
        t.get(&format!("/api/users?{bad}"), admin.token())
            .await
            .expect_error(400, "VALIDATION_FAILED");
    }
    // A cursor from another company's listing is refused, not followed.
    let theirs = t.get("/api/users?limit=1", other.token()).await.expect(200);
    if let Some(c) = theirs.body["nextCursor"].as_str() {
        t.get(&format!("/api/users?cursor={c}"), admin.token())
            .await
            .expect_error(400, "VALIDATION_FAILED");
    }
}

#[tokio::test]
async fn admin_creates_users_who_cannot_sign_in_yet() {
    let t = app();
    let admin = new_company().await;
    let manager = join(&admin, "manager").await;
    let email = unique_email("created");
    let r = t
        .post(
            "/api/users",
            admin.token(),
            json!({"email": email, "name": "New Person", "role": "instructor"}),
        )
        .await
        .expect(201);
    assert_eq!(r.body["status"], "invited");
    assert_eq!(r.body["role"], "instructor");
    assert_eq!(r.body["companyId"], admin.company_id.as_str());
    t.login(&email, PASSWORD)
        .await
        .expect_error(401, "INVALID_CREDENTIALS");

    t.post(
        "/api/users",
        admin.token(),
        json!({"email": email, "name": "Dup", "role": "participant"}),
    )
    .await
    .expect_error(409, "CONFLICT");
    t.post(
        "/api/users",
        manager.token(),
        json!({"email": unique_email("m"), "name": "X", "role": "participant"}),
    )
    .await
    .expect_error(403, "FORBIDDEN");
    let r = t
        .post(
            "/api/users",
            admin.token(),
            json!({"email": unique_email("s"), "name": "X", "role": "super_admin"}),
        )
        .await
        .expect_error(400, "VALIDATION_FAILED");
    assert!(r.body["error"]["details"]["role"].is_string());
    t.post(
        "/api/users",
        admin.token(),
        json!({"email": unique_email("s"), "name": "X", "role": "wizard"}),
    )
    .await
    .expect_error(400, "VALIDATION_FAILED");
    t.post("/api/users", admin.token(), json!({"email": unique_email("s"), "name": "X", "role": "participant", "departmentId": "nope"}))
        .await
        .expect_error(400, "VALIDATION_FAILED");
}

#[tokio::test]
async fn reading_users_respects_self_role_and_company() {
    let t = app();
    let admin = new_company().await;
    let p1 = join(&admin, "participant").await;
    let p2 = join(&admin, "participant").await;
    let stranger = new_company().await;

    let me = t
        .get(&format!("/api/users/{}", p1.user_id), p1.token())
        .await
        .expect(200);
    assert_eq!(me.body["email"], p1.email.as_str());
    t.get(&format!("/api/users/{}", p2.user_id), p1.token())
        .await
        .expect_error(403, "FORBIDDEN");
    t.get(&format!("/api/users/{}", p2.user_id), admin.token())
        .await
        .expect(200);
    // Another company's id: 404 for every role, never 403.
    t.get(&format!("/api/users/{}", stranger.user_id), admin.token())
        .await
        .expect_error(404, "NOT_FOUND");
    t.get(&format!("/api/users/{}", stranger.user_id), p1.token())
        .await
        .expect_error(404, "NOT_FOUND");
    t.put(
        &format!("/api/users/{}", stranger.user_id),
        admin.token(),
        json!({"name": "Hijack"}),
    )
    .await
    .expect_error(404, "NOT_FOUND");
    t.delete(&format!("/api/users/{}", stranger.user_id), admin.token())
        .await
        .expect_error(404, "NOT_FOUND");
    t.get(
        &format!("/api/users/{}", stranger.user_id),
        stranger.token(),
    )
    .await
    .expect(200);
}

#[tokio::test]
async fn updates_follow_roles_and_versions() {
    let t = app();
    let admin = new_company().await;
    let p = join(&admin, "participant").await;
    let path = format!("/api/users/{}", p.user_id);

    let r = t.put(&path, p.token(), json!({"name": "Renamed", "bio": "Hi", "avatarUrl": "https://img.example/a.png", "version": 1})).await.expect(200);
    assert_eq!(
        (r.body["name"].as_str(), r.body["version"].as_u64()),
        (Some("Renamed"), Some(2))
    );

    // A stale version changes nothing.
    t.put(&path, p.token(), json!({"name": "Stale", "version": 1}))
        .await
        .expect_error(409, "CONFLICT");
    assert_eq!(t.get(&path, p.token()).await.body["name"], "Renamed");

    t.put(&path, p.token(), json!({"role": "admin"}))
        .await
        .expect_error(403, "FORBIDDEN");
    t.put(&path, p.token(), json!({"status": "disabled"}))
        .await
        .expect_error(403, "FORBIDDEN");
    t.put(&path, p.token(), json!({"avatarUrl": "not a url"}))
        .await
        .expect_error(400, "VALIDATION_FAILED");
    t.put(&path, p.token(), json!({"name": ""}))
        .await
        .expect_error(400, "VALIDATION_FAILED");
    t.put(&path, p.token(), json!({"unknownField": 1}))
        .await
        .expect_error(400, "VALIDATION_FAILED");
    t.put(
        &format!("/api/users/{}", admin.user_id),
        p.token(),
        json!({"name": "X"}),
    )
    .await
    .expect_error(403, "FORBIDDEN");

    // An admin's role change takes effect at once: the old tokens stop working.
    let r = t
        .put(&path, admin.token(), json!({"role": "manager"}))
        .await
        .expect(200);
    assert_eq!(r.body["role"], "manager");
    t.get("/api/auth/me", p.token())
        .await
        .expect_error(401, "SESSION_REVOKED");
    let again = t.login(&p.email, PASSWORD).await.expect(200);
    assert_eq!(again.body["user"]["role"], "manager");
    t.put(&path, admin.token(), json!({"role": "super_admin"}))
        .await
        .expect_error(400, "VALIDATION_FAILED");

    // Disabled users cannot sign in.
    t.put(&path, admin.token(), json!({"status": "disabled"}))
        .await
        .expect(200);
    t.login(&p.email, PASSWORD)
        .await
        .expect_error(403, "FORBIDDEN");
}

#[tokio::test]
async fn deleting_a_user_leaves_nothing_of_them() {
    let t = app();
    let admin = new_company().await;
    let p = join(&admin, "participant").await;
    let bystander = join(&admin, "participant").await;
    let team = t
        .post("/api/teams", admin.token(), json!({"name": "T"}))
        .await
        .expect(201);
    let team = format!("/api/teams/{}", team.body["id"].as_str().unwrap());
    t.post(
        &format!("{team}/members"),
        admin.token(),
        json!({"userId": p.user_id}),
    )
    .await
    .expect(201);
    t.put("/api/settings", p.token(), json!({"theme": "dark"}))
        .await
        .expect(200);
    t.login(&p.email, PASSWORD).await.expect(200);

    t.delete(&format!("/api/users/{}", p.user_id), bystander.token())
        .await
        .expect_error(403, "FORBIDDEN");
    t.delete(&format!("/api/users/{}", p.user_id), p.token())
        .await
        .expect(204);

    t.get("/api/auth/me", p.token())
        .await
        .expect_error(401, "SESSION_REVOKED");
    t.login(&p.email, PASSWORD)
        .await
        .expect_error(401, "INVALID_CREDENTIALS");
    t.get(&format!("/api/users/{}", p.user_id), admin.token())
        .await
        .expect_error(404, "NOT_FOUND");
    t.delete(&format!("/api/users/{}", p.user_id), admin.token())
        .await
        .expect_error(404, "NOT_FOUND");

    // In the table: no user, no credential, nothing in the user's partition.
    let db = t.db().await;
    let owned = db
        .keys_in(&campus::db::keys::user_partition(
            &admin.company_id,
            &p.user_id,
        ))
        .await
        .unwrap();
    assert!(owned.is_empty(), "left behind: {owned:?}");
    assert!(
        db.get::<serde_json::Value>(&campus::db::keys::login(&p.email))
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        db.get::<serde_json::Value>(&campus::db::keys::user(&admin.company_id, &p.user_id))
            .await
            .unwrap()
            .is_none()
    );

    // Their team membership went too, and the team's count with it.
    let team_now = t.get(&team, admin.token()).await.expect(200);
    assert_eq!(team_now.body["memberCount"], 1);
    assert!(
        team_now.body["members"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["userId"] != p.user_id.as_str())
    );

    // The email is free again.
    t.post(
        "/api/auth/register",
        None,
        json!({"email": p.email, "password": PASSWORD, "name": "Back"}),
    )
    .await
    .expect(201);
    t.get("/api/auth/me", bystander.token()).await.expect(200);
}

#[tokio::test]
async fn export_contains_what_is_stored_about_the_caller() {
    let t = app();
    let admin = new_company().await;
    t.put(
        "/api/settings",
        admin.token(),
        json!({"lang": "de", "nested": {"a": [1, 2.5, null]}}),
    )
    .await
    .expect(200);
    let r = t
        .get("/api/users/me/export", admin.token())
        .await
        .expect(200);
    assert_eq!(r.body["user"]["id"], admin.user_id.as_str());
    assert_eq!(r.body["company"]["id"], admin.company_id.as_str());
    assert_eq!(
        r.body["settings"],
        json!({"lang": "de", "nested": {"a": [1, 2.5, null]}})
    );
    assert!(!r.body["sessions"].as_array().unwrap().is_empty());
    assert!(!r.body.to_string().contains("argon2"));
}

#[tokio::test]
async fn deleting_a_user_clears_what_colleagues_saw_of_them() {
    let t = app();
    let admin = new_company().await;
    let p = join(&admin, "participant").await;
    let colleague = join(&admin, "participant").await;
    let soon = campus_tests::in_hours;
    let event = |title: &str| {
        json!({"title": title, "type": "meetup", "audience": "company",
            "startsAt": soon(2), "endsAt": soon(3)})
    };
    t.post(
        "/api/checkins",
        p.token(),
        json!({"location": "Desk 7", "message": "Ask me anything"}),
    )
    .await
    .expect(201);
    let theirs = t
        .post("/api/calendar/events", p.token(), event("Their meetup"))
        .await
        .expect(201);
    let theirs = theirs.body["id"].as_str().unwrap().to_string();
    let shared = t
        .post("/api/calendar/events", admin.token(), event("All hands"))
        .await
        .expect(201);
    let shared = shared.body["id"].as_str().unwrap().to_string();
    t.post(
        &format!("/api/calendar/events/{shared}/attend"),
        p.token(),
        json!({}),
    )
    .await
    .expect(200);

    t.delete(&format!("/api/users/{}", p.user_id), admin.token())
        .await
        .expect(204);

    let seen = t.get("/api/checkins", colleague.token()).await.expect(200);
    assert!(!seen.body.to_string().contains("Desk 7"), "{}", seen.body);
    t.get(&format!("/api/calendar/events/{theirs}"), colleague.token())
        .await
        .expect_error(404, "NOT_FOUND");
    let all_hands = t
        .get(&format!("/api/calendar/events/{shared}"), colleague.token())
        .await
        .expect(200);
    assert_eq!(all_hands.body["attendees"], json!([admin.user_id]));

    // The audit trail keeps what was done, not by whom it was done.
    let db = t.db().await;
    let trail = db
        .page(
            &campus::db::lists::audit_trail(&admin.company_id).rows::<serde_json::Value>(),
            campus::db::PageAt::first(100),
            campus::db::Filter::new(),
        )
        .await
        .unwrap();
    let text = serde_json::to_string(&trail.items).unwrap();
    assert!(!text.contains(&p.user_id), "{text}");
    assert!(
        trail.items.iter().any(|e| e["actorId"]
            .as_str()
            .is_some_and(|a| a.starts_with("deleted-"))
            && e["ip"].is_null()),
        "{text}"
    );
}

#[tokio::test]
async fn an_avatar_is_an_https_url_to_a_public_host() {
    let t = app();
    let admin = new_company().await;
    let path = format!("/api/users/{}", admin.user_id);
    for bad in [
        "javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "file:///etc/passwd",
        "http://img.example/a.png",
        "https://169.254.169.254/latest/meta-data",
        "https://127.0.0.1/a.png",
        "https://[::1]/a.png",
        "https://10.0.0.8/a.png",
        "https://localhost/a.png",
        "https://user:pass@img.example/a.png",
    ] {
        let r = t
            .put(&path, admin.token(), json!({"avatarUrl": bad}))
            .await
            .expect_error(400, "VALIDATION_FAILED");
        assert!(r.body["error"]["details"]["avatarUrl"].is_string(), "{bad}");
    }
    let r = t
        .put(
            &path,
            admin.token(),
            json!({"avatarUrl": "https://img.example/me.png"}),
        )
        .await
        .expect(200);
    assert_eq!(r.body["avatarUrl"], "https://img.example/me.png");
    // The API's own avatar path is taken as it is.
    let own = t.url(&format!("/api/avatars/{}/01ABC", admin.company_id));
    let r = t
        .put(&path, admin.token(), json!({"avatarUrl": own}))
        .await
        .expect(200);
    assert_eq!(r.body["avatarUrl"], own.as_str());
}

#[tokio::test]
async fn hidden_characters_are_refused_in_every_text_field() {
    let t = app();
    let admin = new_company().await;
    let path = format!("/api/users/{}", admin.user_id);
    for (field, value) in [
        ("name", "Ada\u{0000}"),
        ("name", "Ada\u{0007}"),
        ("name", "evil\u{202E}gnp.exe"),
        ("bio", "isolated \u{2066}text\u{2069}"),
    ] {
        let r = t
            .put(&path, admin.token(), json!({ field: value }))
            .await
            .expect_error(400, "VALIDATION_FAILED");
        assert!(
            r.body["error"]["details"][field].is_string(),
            "{field}: {}",
            r.body
        );
    }
    // Other endpoints' fields, nested ones included, by the same rule.
    let r = t
        .post(
            "/api/courses",
            admin.token(),
            json!({"title": "Fine", "description": "", "difficulty": "beginner",
                "durationWeeks": 1, "tags": ["ok", "bad\u{001b}[31m"], "status": "draft"}),
        )
        .await
        .expect_error(400, "VALIDATION_FAILED");
    assert!(
        r.body["error"]["details"]["tags[1]"].is_string(),
        "{}",
        r.body
    );
    // Line breaks, tabs and right-to-left text are text.
    let r = t
        .put(
            &path,
            admin.token(),
            json!({"bio": "שלום\n\tline two \u{200F}"}),
        )
        .await
        .expect(200);
    assert_eq!(r.body["bio"], "שלום\n\tline two \u{200F}");
}

#[tokio::test]
async fn a_crafted_cursor_is_a_400_never_a_500() {
    let t = app();
    let admin = new_company().await;
    join(&admin, "participant").await;
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
    // From the caller's own partition, but without a sort key, or with a made-up
    // one: neither was signed by the API.
    let pk = format!("C#{}", admin.company_id);
    for crafted in [
        URL_SAFE_NO_PAD.encode(json!({ "pk": pk }).to_string()),
        URL_SAFE_NO_PAD.encode(json!({ "pk": pk, "sk": "USER#0" }).to_string()),
        format!(
            "{}.AAAA",
            URL_SAFE_NO_PAD.encode(json!({ "pk": pk }).to_string())
        ),
    ] {
        for path in [
            "/api/users",
            "/api/notifications",
            "/api/courses?scope=catalog",
        ] {
            let sep = if path.contains('?') { '&' } else { '?' };
            t.get(&format!("{path}{sep}cursor={crafted}"), admin.token())
                .await
                .expect_error(400, "VALIDATION_FAILED");
        }
    }
    // A cursor the API handed out still works.
    let page = t.get("/api/users?limit=1", admin.token()).await.expect(200);
    let next = page.body["nextCursor"].as_str().expect("a next page");
    t.get(&format!("/api/users?limit=1&cursor={next}"), admin.token())
        .await
        .expect(200);
}
