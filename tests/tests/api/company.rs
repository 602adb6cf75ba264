//! `/api/company` (with departments and invites) and `/api/settings`.

use campus_tests::{app, join, new_company, unique_email};
use serde_json::json;

#[tokio::test]
async fn company_is_readable_by_all_and_writable_by_admins() {
    let t = app();
    let admin = new_company().await;
    let p = join(&admin, "participant").await;
    let c = t.get("/api/company", p.token()).await.expect(200);
    assert_eq!(c.body["id"], admin.company_id.as_str());
    for field in ["name", "plan", "seats", "createdAt", "version"] {
        assert!(!c.body[field].is_null(), "company lacks {field}");
    }
    t.put("/api/company", p.token(), json!({"name": "Mine now"}))
        .await
        .expect_error(403, "FORBIDDEN");
    let r = t
        .put(
            "/api/company",
            admin.token(),
            json!({"name": "Renamed Co", "version": 1}),
        )
        .await
        .expect(200);
    assert_eq!(
        (r.body["name"].as_str(), r.body["version"].as_u64()),
        (Some("Renamed Co"), Some(2))
    );
    t.put(
        "/api/company",
        admin.token(),
        json!({"name": "Stale", "version": 1}),
    )
    .await
    .expect_error(409, "CONFLICT");
    t.put("/api/company", admin.token(), json!({"plan": "pro"}))
        .await
        .expect_error(400, "VALIDATION_FAILED");
    assert_eq!(
        t.get("/api/company", admin.token()).await.body["name"],
        "Renamed Co"
    );
}

#[tokio::test]
async fn departments_crud_and_isolation() {
    let t = app();
    let admin = new_company().await;
    let p = join(&admin, "participant").await;
    let stranger = new_company().await;

    let d = t
        .post(
            "/api/company/departments",
            admin.token(),
            json!({"name": "Sales", "description": "Sells"}),
        )
        .await
        .expect(201);
    let id = d.body["id"].as_str().unwrap().to_string();
    t.post(
        "/api/company/departments",
        p.token(),
        json!({"name": "Mine"}),
    )
    .await
    .expect_error(403, "FORBIDDEN");
    t.post(
        "/api/company/departments",
        admin.token(),
        json!({"name": ""}),
    )
    .await
    .expect_error(400, "VALIDATION_FAILED");

    let list = t
        .get("/api/company/departments", p.token())
        .await
        .expect(200);
    assert_eq!(list.body["items"].as_array().unwrap().len(), 1);
    assert!(
        t.get("/api/company/departments", stranger.token())
            .await
            .body["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    let path = format!("/api/company/departments/{id}");
    let r = t
        .put(
            &path,
            admin.token(),
            json!({"name": "Sales EU", "version": 1}),
        )
        .await
        .expect(200);
    assert_eq!(r.body["version"], 2);
    t.put(&path, admin.token(), json!({"name": "Stale", "version": 1}))
        .await
        .expect_error(409, "CONFLICT");
    t.put(&path, stranger.token(), json!({"name": "Hijack"}))
        .await
        .expect_error(404, "NOT_FOUND");
    t.delete(&path, stranger.token())
        .await
        .expect_error(404, "NOT_FOUND");

    // Users can be placed in it and filtered by it.
    t.put(
        &format!("/api/users/{}", p.user_id),
        admin.token(),
        json!({"departmentId": id}),
    )
    .await
    .expect(200);
    let inside = t
        .get(&format!("/api/users?departmentId={id}"), admin.token())
        .await
        .expect(200);
    assert_eq!(inside.body["items"].as_array().unwrap().len(), 1);

    t.delete(&path, p.token())
        .await
        .expect_error(403, "FORBIDDEN");
    t.delete(&path, admin.token()).await.expect(204);
    t.delete(&path, admin.token())
        .await
        .expect_error(404, "NOT_FOUND");
}

#[tokio::test]
async fn invites_by_role_and_isolation() {
    let t = app();
    let admin = new_company().await;
    let manager = join(&admin, "manager").await;
    let p = join(&admin, "participant").await;
    let stranger = new_company().await;

    t.post(
        "/api/company/invites",
        p.token(),
        json!({"email": unique_email("x"), "role": "participant"}),
    )
    .await
    .expect_error(403, "FORBIDDEN");
    // Managers invite up to their own role.
    t.post(
        "/api/company/invites",
        manager.token(),
        json!({"email": unique_email("x"), "role": "admin"}),
    )
    .await
    .expect_error(403, "FORBIDDEN");
    let inv = t
        .post(
            "/api/company/invites",
            manager.token(),
            json!({"email": unique_email("x"), "role": "participant"}),
        )
        .await
        .expect(201);
    for field in ["id", "email", "role", "expiresAt", "token", "inviteUrl"] {
        assert!(
            inv.body[field].is_string(),
            "invite lacks {field}: {}",
            inv.body
        );
    }
    t.post(
        "/api/company/invites",
        admin.token(),
        json!({"email": p.email, "role": "participant"}),
    )
    .await
    .expect_error(409, "CONFLICT");
    t.post(
        "/api/company/invites",
        admin.token(),
        json!({"email": "nope", "role": "participant"}),
    )
    .await
    .expect_error(400, "VALIDATION_FAILED");

    t.get("/api/company/invites", p.token())
        .await
        .expect_error(403, "FORBIDDEN");
    assert!(
        t.get("/api/company/invites", stranger.token()).await.body["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    let path = format!("/api/company/invites/{}", inv.body["id"].as_str().unwrap());
    t.delete(&path, stranger.token())
        .await
        .expect_error(404, "NOT_FOUND");
    t.delete(&path, admin.token()).await.expect(204);
    // A withdrawn invite's token no longer registers anyone.
    t.post("/api/auth/register", None, json!({"email": inv.body["email"], "password": campus_tests::PASSWORD, "name": "Late", "inviteToken": inv.body["token"]}))
        .await
        .expect_error(400, "VALIDATION_FAILED");
}

#[tokio::test]
async fn settings_round_trip_per_user() {
    let t = app();
    let admin = new_company().await;
    let p = join(&admin, "participant").await;
    assert_eq!(
        t.get("/api/settings", p.token()).await.expect(200).body,
        json!({})
    );
    let value = json!({"theme": "dark", "n": 3, "f": 0.5, "list": [true, "x"], "empty": {}});
    assert_eq!(
        t.put("/api/settings", p.token(), value.clone())
            .await
            .expect(200)
            .body,
        value
    );
    assert_eq!(t.get("/api/settings", p.token()).await.body, value);
    assert_eq!(t.get("/api/settings", admin.token()).await.body, json!({}));
    t.put("/api/settings", p.token(), json!(["not", "a", "map"]))
        .await
        .expect_error(400, "VALIDATION_FAILED");
    t.put(
        "/api/settings",
        p.token(),
        json!({"big": "x".repeat(40_000)}),
    )
    .await
    .expect_error(400, "VALIDATION_FAILED");
    let many: serde_json::Map<String, serde_json::Value> =
        (0..101).map(|i| (format!("k{i}"), json!(i))).collect();
    t.put("/api/settings", p.token(), serde_json::Value::Object(many))
        .await
        .expect_error(400, "VALIDATION_FAILED");
    assert_eq!(t.get("/api/settings", p.token()).await.body, value);
}
