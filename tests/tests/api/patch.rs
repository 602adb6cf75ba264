//! PATCH with a JSON merge patch on every resource that takes PUT: absent stays,
//! `null` clears, `version` honoured, the PUT's roles and validation, audited as a
//! PATCH.

use campus_tests::{Account, Resp, app, course_with_lessons, join, new_company_on};
use serde_json::{Value, json};

async fn patch(path: &str, by: &Account, body: &str, content_type: &str) -> Resp {
    let t = app();
    let req = t
        .client
        .patch(t.url(path))
        .bearer_auth(by.token().unwrap())
        .header("content-type", content_type)
        .body(body.to_string());
    t.send(req).await
}

async fn merge(path: &str, by: &Account, body: Value) -> Resp {
    patch(path, by, &body.to_string(), "application/merge-patch+json").await
}

/// A representation without what every write moves.
fn settled(mut v: Value) -> Value {
    if let Some(o) = v.as_object_mut() {
        for k in ["version", "updatedAt", "modules", "members"] {
            o.remove(k);
        }
    }
    v
}

#[tokio::test]
async fn an_empty_patch_changes_nothing_on_every_patchable_resource() {
    let t = app();
    let admin = new_company_on("pro").await;
    let created = |path: &'static str, body: Value| {
        let admin = admin.clone();
        async move {
            t.post(path, admin.token(), body).await.expect(201).body["id"]
                .as_str()
                .unwrap()
                .to_string()
        }
    };
    let (course, module, lessons) =
        campus_tests::course_with_module(&admin, "Ladders", "published", 1).await;
    let department = created(
        "/api/company/departments",
        json!({"name": "Ops", "description": "Night shift"}),
    )
    .await;
    let event = created(
        "/api/calendar/events",
        json!({"title": "Drill", "description": "Bring boots", "startsAt": "2031-01-01T09:00:00Z",
               "endsAt": "2031-01-01T10:00:00Z", "type": "session", "audience": "company"}),
    )
    .await;
    let item = created(
        "/api/inventory",
        json!({"name": "Helmet", "sku": "H-1", "category": "Safety", "quantity": 3,
               "location": "A", "lowStockThreshold": 1}),
    )
    .await;
    let category = created("/api/prompts/categories", json!({"name": "Safety"})).await;
    let prompt = created(
        "/api/prompts",
        json!({"title": "Drill plan", "content": "Plan {{x}}", "categoryId": category,
               "tags": ["a"], "variables": ["x"]}),
    )
    .await;
    let team = created("/api/teams", json!({"name": "Crew", "description": "Day"})).await;
    let (quizzed, quiz_module, quiz) = campus_tests::course_with_quiz(&admin).await;
    let path = created(
        "/api/paths",
        json!({"title": "Track", "description": "First steps",
               "steps": [{"courseId": course}, {"courseId": quizzed, "prerequisites": [course]}]}),
    )
    .await;
    t.put(
        "/api/settings",
        admin.token(),
        json!({"theme": "dark", "nested": {"a": 1}}),
    )
    .await
    .expect(200);

    let paths = [
        format!("/api/calendar/events/{event}"),
        "/api/company".to_string(),
        format!("/api/company/departments/{department}"),
        format!("/api/courses/{course}"),
        format!("/api/courses/{course}/modules/{module}"),
        format!(
            "/api/courses/{course}/modules/{module}/lessons/{}",
            lessons[0]
        ),
        format!("/api/courses/{quizzed}/modules/{quiz_module}/lessons/{quiz}/quiz"),
        format!("/api/inventory/{item}"),
        format!("/api/paths/{path}"),
        "/api/notifications/preferences".to_string(),
        format!("/api/prompts/{prompt}"),
        "/api/settings".to_string(),
        format!("/api/teams/{team}"),
        format!("/api/users/{}", admin.user_id),
    ];
    // Every PATCH of the document is here.
    let doc: Value = serde_json::from_str(include_str!("../../../docs/openapi.json")).unwrap();
    let documented = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .filter(|ops| ops.get("patch").is_some())
        .count();
    assert_eq!(documented, paths.len(), "a PATCH route without a case here");
    for path in &paths {
        let before = t.get(path, admin.token()).await.expect(200).body;
        let after = merge(path, &admin, json!({})).await;
        assert_eq!(after.status, 200, "PATCH {path}: {}", after.body);
        let read = t.get(path, admin.token()).await.expect(200).body;
        assert_eq!(
            settled(read),
            settled(before),
            "PATCH {path} {{}} changed it"
        );
    }
}

#[tokio::test]
async fn a_patch_changes_what_it_names_and_clears_what_it_nulls() {
    let t = app();
    let admin = new_company_on("pro").await;
    let (course, _) = course_with_lessons(&admin, "Ladders", "draft", 1).await;
    let path = format!("/api/courses/{course}");
    let put = t.get(&path, admin.token()).await.expect(200);
    t.put(
        &path,
        admin.token(),
        json!({"title": "Ladders", "description": "Climb safely", "difficulty": "beginner",
               "durationWeeks": 1, "tags": ["height"], "status": "draft", "version": put.body["version"]}),
    )
    .await
    .expect(200);

    let r = merge(&path, &admin, json!({"title": "Ladders, revised"}))
        .await
        .expect(200);
    assert_eq!(r.body["title"], "Ladders, revised");
    assert_eq!(r.body["description"], "Climb safely", "absent stays");
    assert_eq!(r.body["tags"], json!(["height"]));
    let version = r.body["version"].as_u64().unwrap();

    // application/json is a merge patch too; null clears an optional field (to what
    // a PUT without it leaves: a course's description is then empty).
    let r = patch(
        &path,
        &admin,
        r#"{"description": null}"#,
        "application/json",
    )
    .await
    .expect(200);
    assert_eq!(r.body["description"], "", "{}", r.body);
    assert_eq!(r.body["title"], "Ladders, revised");

    // A stale version changes nothing.
    merge(&path, &admin, json!({"title": "Lost", "version": version}))
        .await
        .expect_error(409, "CONFLICT");
    // Bad patches: 4xx, nothing written.
    for (body, ct, status, code) in [
        ("{\"title\": ", "application/json", 400, "MALFORMED_JSON"),
        ("[1, 2]", "application/json", 400, "VALIDATION_FAILED"),
        (
            r#"{"title": null}"#,
            "application/json",
            400,
            "VALIDATION_FAILED",
        ),
        (
            r#"{"title": ""}"#,
            "application/json",
            400,
            "VALIDATION_FAILED",
        ),
        (
            r#"{"difficulty": "impossible"}"#,
            "application/json",
            400,
            "VALIDATION_FAILED",
        ),
        (
            r#"{"title": "x"}"#,
            "text/plain",
            415,
            "UNSUPPORTED_MEDIA_TYPE",
        ),
    ] {
        patch(&path, &admin, body, ct)
            .await
            .expect_error(status, code);
    }
    let now = t.get(&path, admin.token()).await.expect(200);
    assert_eq!(now.body["title"], "Ladders, revised");

    // The PUT's roles: a participant may not; a missing course is 404.
    let learner = join(&admin, "participant").await;
    merge(&path, &learner, json!({"title": "Mine"}))
        .await
        .expect_error(403, "FORBIDDEN");
    merge(
        "/api/courses/01JDZZZZZZZZZZZZZZZZZZZZZZ",
        &admin,
        json!({"title": "x"}),
    )
    .await
    .expect_error(404, "NOT_FOUND");
    // Audited as what it was.
    let trail = t
        .get(
            "/api/audit-logs?action=PATCH%20/api/courses/{id}",
            admin.token(),
        )
        .await
        .expect(200);
    let outcomes: Vec<&str> = trail.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["outcome"].as_str().unwrap())
        .collect();
    assert!(
        outcomes.contains(&"success") && outcomes.contains(&"refused"),
        "{outcomes:?}"
    );
}

#[tokio::test]
async fn profiles_maps_and_preferences_merge() {
    let t = app();
    let admin = new_company_on("pro").await;
    let learner = join(&admin, "participant").await;
    let me = format!("/api/users/{}", learner.user_id);

    // A participant patches their own profile; their role and status ride along
    // unchanged, which is no attempt at an admin's field.
    let r = merge(&me, &learner, json!({"bio": "Forklift certified"}))
        .await
        .expect(200);
    assert_eq!(r.body["bio"], "Forklift certified");
    assert_eq!(r.body["role"], "participant");
    merge(&me, &learner, json!({"role": "admin"}))
        .await
        .expect_error(403, "FORBIDDEN");
    let r = merge(&me, &learner, json!({"bio": null})).await.expect(200);
    assert!(r.body["bio"].is_null());

    // An admin sets and clears a department.
    let dept = t
        .post(
            "/api/company/departments",
            admin.token(),
            json!({"name": "Ops"}),
        )
        .await
        .expect(201);
    let r = merge(&me, &admin, json!({"departmentId": dept.body["id"]}))
        .await
        .expect(200);
    assert_eq!(r.body["departmentId"], dept.body["id"]);
    let r = merge(&me, &admin, json!({"departmentId": null}))
        .await
        .expect(200);
    assert!(r.body["departmentId"].is_null(), "{}", r.body);

    // A free-form map: keys merge, null removes one.
    t.put(
        "/api/settings",
        learner.token(),
        json!({"theme": "dark", "editor": {"font": 12, "wrap": true}}),
    )
    .await
    .expect(200);
    merge(
        "/api/settings",
        &learner,
        json!({"theme": null, "editor": {"wrap": null, "tabs": 4}, "lang": "fi"}),
    )
    .await
    .expect(200);
    let settings = t.get("/api/settings", learner.token()).await.expect(200);
    assert_eq!(
        settings.body,
        json!({"editor": {"font": 12, "tabs": 4}, "lang": "fi"})
    );

    // Preferences: one channel of one type, the rest kept.
    let r = merge(
        "/api/notifications/preferences",
        &learner,
        json!({"announcement": {"email": false}}),
    )
    .await
    .expect(200);
    assert_eq!(
        r.body["announcement"],
        json!({"inApp": true, "email": false})
    );
    assert_eq!(r.body["certificate_issued"]["email"], true);
}

#[tokio::test]
async fn concurrent_patches_never_lose_an_update_silently() {
    let t = app();
    let admin = new_company_on("pro").await;
    let (course, _) = course_with_lessons(&admin, "Ladders", "draft", 1).await;
    let path = format!("/api/courses/{course}");
    let before = t.get(&path, admin.token()).await.expect(200).body["version"]
        .as_u64()
        .unwrap();
    let titles: Vec<String> = (0..6).map(|i| format!("Title {i}")).collect();
    let answers = futures_util::future::join_all(
        titles
            .iter()
            .map(|title| merge(&path, &admin, json!({ "title": title }))),
    )
    .await;
    // Each either landed or was told it lost (409): none overwrote another unseen.
    let landed: Vec<&str> = answers
        .iter()
        .filter(|r| r.status == 200)
        .map(|r| r.body["title"].as_str().unwrap())
        .collect();
    for r in &answers {
        assert!(
            r.status == 200 || r.status == 409,
            "{}: {}",
            r.status,
            r.body
        );
    }
    assert!(!landed.is_empty());
    let after = t.get(&path, admin.token()).await.expect(200).body;
    assert_eq!(
        after["version"].as_u64().unwrap(),
        before + landed.len() as u64,
        "one version per PATCH that landed"
    );
    assert!(landed.contains(&after["title"].as_str().unwrap()));
}
