//! `/api/teams`: creation, membership, roles, isolation.

use campus_tests::{app, join, new_company};
use serde_json::json;

#[tokio::test]
async fn a_manager_creates_a_team_and_leads_it() {
    let t = app();
    let admin = new_company().await;
    let manager = join(&admin, "manager").await;
    let p1 = join(&admin, "participant").await;
    let p2 = join(&admin, "participant").await;

    t.post("/api/teams", p1.token(), json!({"name": "Nope"}))
        .await
        .expect_error(403, "FORBIDDEN");
    let team = t
        .post(
            "/api/teams",
            manager.token(),
            json!({"name": "Platform", "description": "Builds it"}),
        )
        .await
        .expect(201);
    let id = team.body["id"].as_str().unwrap().to_string();
    assert_eq!(team.body["memberCount"], 1);
    let path = format!("/api/teams/{id}");

    let detail = t.get(&path, manager.token()).await.expect(200);
    assert_eq!(
        detail.body["members"][0]["userId"],
        manager.user_id.as_str()
    );
    assert_eq!(detail.body["members"][0]["role"], "lead");

    // Members are added by the lead; outsiders cannot read the team.
    t.get(&path, p1.token())
        .await
        .expect_error(403, "FORBIDDEN");
    let added = t
        .post(
            &format!("{path}/members"),
            manager.token(),
            json!({"userId": p1.user_id}),
        )
        .await
        .expect(201);
    assert_eq!(added.body["role"], "member");
    t.post(
        &format!("{path}/members"),
        manager.token(),
        json!({"userId": p1.user_id}),
    )
    .await
    .expect_error(409, "CONFLICT");
    t.get(&path, p1.token()).await.expect(200);
    // A plain member cannot change the team.
    t.post(
        &format!("{path}/members"),
        p1.token(),
        json!({"userId": p2.user_id}),
    )
    .await
    .expect_error(403, "FORBIDDEN");
    t.put(&path, p1.token(), json!({"name": "Mine"}))
        .await
        .expect_error(403, "FORBIDDEN");
    t.delete(&path, p1.token())
        .await
        .expect_error(403, "FORBIDDEN");

    // The member sees the team in their list; the admin sees every team.
    let mine = t.get("/api/teams", p1.token()).await.expect(200);
    assert_eq!(mine.body["items"][0]["id"], id.as_str());
    assert!(
        t.get("/api/teams", p2.token()).await.body["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let all = t.get("/api/teams", admin.token()).await.expect(200);
    assert_eq!(all.body["items"].as_array().unwrap().len(), 1);

    // Promote, rename with a version, remove.
    let r = t
        .put(
            &format!("{path}/members/{}", p1.user_id),
            manager.token(),
            json!({"role": "lead"}),
        )
        .await
        .expect(200);
    assert_eq!(r.body["role"], "lead");
    let r = t
        .put(
            &path,
            p1.token(),
            json!({"name": "Platform 2", "version": 1}),
        )
        .await
        .expect(200);
    assert_eq!(r.body["version"], 2);
    t.put(&path, p1.token(), json!({"name": "Stale", "version": 1}))
        .await
        .expect_error(409, "CONFLICT");
    t.delete(&format!("{path}/members/{}", p1.user_id), manager.token())
        .await
        .expect(204);
    t.delete(&format!("{path}/members/{}", p1.user_id), manager.token())
        .await
        .expect_error(404, "NOT_FOUND");
    assert_eq!(t.get(&path, manager.token()).await.body["memberCount"], 1);

    t.delete(&path, admin.token()).await.expect(204);
    t.get(&path, manager.token())
        .await
        .expect_error(404, "NOT_FOUND");
    assert!(
        t.get("/api/teams", manager.token()).await.body["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn bad_input_and_other_companies() {
    let t = app();
    let admin = new_company().await;
    let team = t
        .post("/api/teams", admin.token(), json!({"name": "Ops"}))
        .await
        .expect(201);
    let path = format!("/api/teams/{}", team.body["id"].as_str().unwrap());
    t.post("/api/teams", admin.token(), json!({"name": ""}))
        .await
        .expect_error(400, "VALIDATION_FAILED");
    t.post(
        "/api/teams",
        admin.token(),
        json!({"name": "x", "extra": 1}),
    )
    .await
    .expect_error(400, "VALIDATION_FAILED");
    t.post(
        &format!("{path}/members"),
        admin.token(),
        json!({"userId": "nobody"}),
    )
    .await
    .expect_error(400, "VALIDATION_FAILED");
    t.post(
        &format!("{path}/members"),
        admin.token(),
        json!({"userId": admin.user_id, "role": "boss"}),
    )
    .await
    .expect_error(400, "VALIDATION_FAILED");

    // Another company: its users cannot be added, and its admin reaches nothing here.
    let other = new_company().await;
    t.post(
        &format!("{path}/members"),
        admin.token(),
        json!({"userId": other.user_id}),
    )
    .await
    .expect_error(400, "VALIDATION_FAILED");
    let o = other.token();
    t.get(&path, o).await.expect_error(404, "NOT_FOUND");
    t.put(&path, o, json!({"name": "Hijack"}))
        .await
        .expect_error(404, "NOT_FOUND");
    t.delete(&path, o).await.expect_error(404, "NOT_FOUND");
    t.post(
        &format!("{path}/members"),
        o,
        json!({"userId": other.user_id}),
    )
    .await
    .expect_error(404, "NOT_FOUND");
    t.put(
        &format!("{path}/members/{}", admin.user_id),
        o,
        json!({"role": "member"}),
    )
    .await
    .expect_error(404, "NOT_FOUND");
    t.delete(&format!("{path}/members/{}", admin.user_id), o)
        .await
        .expect_error(404, "NOT_FOUND");
    assert!(
        t.get("/api/teams", o).await.body["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(t.get(&path, admin.token()).await.body["memberCount"], 1);
}
