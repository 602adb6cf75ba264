//! The audit trail through `/api/audit-logs`: entries from the mutations of several
//! functions, allowed and refused, filtered, summarised and exported; admin only,
//! company only.

use campus_tests::{app, course_with_lessons, join, new_company, stripe::set_plan};
use serde_json::{Value, json};

/// One mutation of the inventory function.
async fn add_pen(by: &campus_tests::Account) {
    app()
        .post(
            "/api/inventory",
            by.token(),
            json!({"name": "Pen", "sku": "P-1", "category": "Office", "quantity": 1}),
        )
        .await
        .expect(201);
}

fn actions(body: &Value) -> Vec<String> {
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn every_function_s_mutations_are_in_the_trail() {
    let t = app();
    let admin = new_company().await;
    let learner = join(&admin, "participant").await;
    // One mutation from each of several functions, and a refused one.
    course_with_lessons(&admin, "Audited", "published", 1).await;
    t.post("/api/teams", admin.token(), json!({"name": "Auditors"}))
        .await
        .expect(201);
    add_pen(&admin).await;
    t.post(
        "/api/checkins",
        learner.token(),
        json!({"location": "Lobby"}),
    )
    .await
    .expect(201);
    t.put("/api/settings", learner.token(), json!({"theme": "dark"}))
        .await
        .expect(200);
    t.post(
        "/api/inventory",
        learner.token(),
        json!({"name": "Pen", "sku": "P-2", "category": "Office", "quantity": 1}),
    )
    .await
    .expect_error(403, "FORBIDDEN");

    let all = t
        .get("/api/audit-logs?limit=100", admin.token())
        .await
        .expect(200);
    let seen = actions(&all.body);
    for action in [
        "POST /api/courses",
        "POST /api/courses/{id}/modules",
        "POST /api/teams",
        "POST /api/inventory",
        "POST /api/checkins",
        "PUT /api/settings",
        "POST /api/company/invites",
    ] {
        assert!(
            seen.iter().any(|a| a == action),
            "{action} missing from {seen:?}"
        );
    }
    // Newest first.
    let ids: Vec<&str> = all.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    let mut sorted = ids.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(ids, sorted);

    let refused = t
        .get(
            &format!(
                "/api/audit-logs?actorId={}&resourceType=inventory",
                learner.user_id
            ),
            admin.token(),
        )
        .await
        .expect(200);
    assert_eq!(
        refused.body["items"].as_array().unwrap().len(),
        1,
        "{}",
        refused.body
    );
    assert_eq!(refused.body["items"][0]["outcome"], "refused");
    assert_eq!(refused.body["items"][0]["status"], 403);
    let by_action = t
        .get("/api/audit-logs?action=POST%20/api/teams", admin.token())
        .await
        .expect(200);
    assert_eq!(actions(&by_action.body), ["POST /api/teams"]);
    let long_ago = t
        .get(
            "/api/audit-logs?from=2020-01-01&to=2020-12-31",
            admin.token(),
        )
        .await
        .expect(200);
    assert_eq!(long_ago.body["items"], json!([]));
    let today = time::OffsetDateTime::now_utc().date().to_string();
    let since_today = t
        .get(
            &format!("/api/audit-logs?from={today}&limit=100"),
            admin.token(),
        )
        .await
        .expect(200);
    assert_eq!(
        since_today.body["items"].as_array().unwrap().len(),
        seen.len()
    );

    let report = t
        .get("/api/audit-logs?report=true", admin.token())
        .await
        .expect(200);
    assert_eq!(report.body["total"].as_u64().unwrap(), seen.len() as u64);
    assert_eq!(report.body["refused"], 1);
    assert!(
        report.body["byResourceType"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["key"] == "inventory")
    );
    assert_eq!(report.body["truncated"], false);

    // Export is the pro plan's.
    t.get("/api/audit-logs?export=true", admin.token())
        .await
        .expect_error(402, "PAYMENT_REQUIRED");
    set_plan(&admin.company_id, "pro").await;
    let csv = t
        .get("/api/audit-logs?export=true", admin.token())
        .await
        .expect(200);
    assert!(csv.header("content-type").unwrap().starts_with("text/csv"));
    let text = csv.body.as_str().unwrap();
    assert!(text.starts_with("id,companyId,actorId"), "{text}");
    assert!(text.contains("POST /api/inventory"));

    for (q, field) in [
        ("from=yesterday", "from"),
        ("from=2026-02-02&to=2026-01-01", "to"),
    ] {
        let r = t
            .get(&format!("/api/audit-logs?{q}"), admin.token())
            .await
            .expect_error(400, "VALIDATION_FAILED");
        assert!(r.body["error"]["details"][field].is_string(), "{}", r.body);
    }
    t.get("/api/audit-logs?report=yes", admin.token())
        .await
        .expect_error(400, "VALIDATION_FAILED");
}

#[tokio::test]
async fn only_a_company_s_admin_reads_its_trail() {
    let t = app();
    let admin = new_company().await;
    let manager = join(&admin, "manager").await;
    t.get("/api/audit-logs", manager.token())
        .await
        .expect_error(403, "FORBIDDEN");
    t.get("/api/audit-logs", None)
        .await
        .expect_error(401, "UNAUTHENTICATED");
    let other = new_company().await;
    add_pen(&other).await;
    add_pen(&admin).await;
    let theirs = t
        .get("/api/audit-logs?limit=100", other.token())
        .await
        .expect(200);
    assert_eq!(
        actions(&theirs.body),
        ["POST /api/inventory"],
        "only their own"
    );
    assert_eq!(theirs.body["items"][0]["actorId"], other.user_id);
}
