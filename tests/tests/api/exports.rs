//! Exports through HTTP: every type as CSV and JSON, RFC 4180 with formulas defused,
//! large ones through the bucket, who may export what, the plan gate, the history.

use campus_tests::{Account, app, join, new_company, new_company_on};
use serde_json::{Value, json};

const TYPES: &[&str] = &[
    "users",
    "courses",
    "progress",
    "prompts",
    "audit-logs",
    "inventory",
    "analytics",
];

async fn export(by: &Account, query: &str) -> campus_tests::Resp {
    app().get(&format!("/api/export?{query}"), by.token()).await
}

async fn item(by: &Account, name: &str, sku: &str) {
    app()
        .post(
            "/api/inventory",
            by.token(),
            json!({"name": name, "sku": sku, "category": "Tools", "quantity": 3}),
        )
        .await
        .expect(201);
}

#[tokio::test]
async fn every_type_exports_as_csv_and_json() {
    let admin = new_company_on("pro").await;
    item(&admin, "Hammer, claw", "H-1").await;
    for kind in TYPES {
        let csv = export(&admin, &format!("type={kind}")).await.expect(200);
        assert!(
            csv.header("content-type").unwrap().starts_with("text/csv"),
            "{kind}"
        );
        assert!(
            csv.header("content-disposition")
                .unwrap()
                .contains(&format!("{kind}-")),
            "{kind}"
        );
        let json = export(&admin, &format!("type={kind}&format=json"))
            .await
            .expect(200);
        assert!(json.body["items"].is_array(), "{kind}: {}", json.body);
    }
    let users = export(&admin, "type=users&format=json").await.expect(200);
    assert_eq!(users.body["items"][0]["email"], admin.email.as_str());
    // Another company's data never: a new company exports only its own.
    let other = new_company_on("pro").await;
    let theirs = export(&other, "type=inventory&format=json")
        .await
        .expect(200);
    assert_eq!(theirs.body["items"], json!([]), "{}", theirs.body);
    let their_users = export(&other, "type=users&format=json").await.expect(200);
    assert_eq!(their_users.body["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn csv_is_rfc_4180_with_formulas_defused() {
    let admin = new_company_on("pro").await;
    item(&admin, "Hammer, \"claw\"", "H-1").await;
    item(&admin, "=HYPERLINK(\"http://evil.example\")", "H-2").await;
    let r = export(&admin, "type=inventory").await.expect(200);
    let text = r.body.as_str().unwrap().to_string();
    let lines: Vec<&str> = text.split("\r\n").collect();
    assert!(
        lines[0].starts_with("id,name,sku,category,quantity"),
        "{text}"
    );
    assert!(text.contains("\"Hammer, \"\"claw\"\"\""), "quoted: {text}");
    assert!(
        text.contains("\"'=HYPERLINK(\"\"http://evil.example\"\")\""),
        "defused: {text}"
    );
}

#[tokio::test]
async fn a_large_export_goes_through_the_bucket() {
    let t = app();
    let admin = new_company_on("pro").await;
    for i in 0..40 {
        item(&admin, &format!("Spanner size {i}"), &format!("SP-{i}")).await;
    }
    let r = export(&admin, "type=inventory&format=json")
        .await
        .expect(200);
    assert_eq!(r.body["rows"], 40, "{}", r.body);
    assert!(r.body["bytes"].as_u64().unwrap() > 4096);
    let url = r.body["downloadUrl"].as_str().unwrap();
    let file: Value = reqwest::get(url).await.unwrap().json().await.unwrap();
    assert_eq!(file["items"].as_array().unwrap().len(), 40);
    // A small one stays inline.
    let small = export(&admin, "type=users&format=json").await.expect(200);
    assert!(small.body.get("downloadUrl").is_none());

    let history = t
        .get("/api/export/history", admin.token())
        .await
        .expect(200);
    let items = history.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["type"], "users", "newest first");
    assert_eq!(items[0]["delivery"], "inline");
    assert_eq!(items[1]["type"], "inventory");
    assert_eq!(items[1]["delivery"], "download");
    assert_eq!(items[1]["rows"], 40);
    assert_eq!(items[1]["format"], "json");
}

#[tokio::test]
async fn each_role_exports_only_its_data() {
    let t = app();
    let admin = new_company_on("pro").await;
    let manager = join(&admin, "manager").await;
    let learner = join(&admin, "participant").await;
    let other = join(&admin, "participant").await;
    let (course, _) = campus_tests::course_with_lessons(&admin, "Safety", "published", 1).await;
    for who in [&learner, &other] {
        t.post(
            &format!("/api/courses/{course}/enroll"),
            who.token(),
            json!({}),
        )
        .await
        .expect(201);
    }
    for kind in ["users", "courses", "inventory", "analytics", "audit-logs"] {
        export(&learner, &format!("type={kind}"))
            .await
            .expect_error(403, "FORBIDDEN");
    }
    export(&manager, "type=audit-logs")
        .await
        .expect_error(403, "FORBIDDEN");
    export(&manager, "type=users").await.expect(200);
    let own = export(&learner, "type=progress&format=json")
        .await
        .expect(200);
    let rows = own.body["items"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{}", own.body);
    assert_eq!(rows[0]["userId"], learner.user_id.as_str());
    let all = export(&manager, "type=progress&format=json")
        .await
        .expect(200);
    assert_eq!(all.body["items"].as_array().unwrap().len(), 2);

    // The history: everyone's for managers, one's own otherwise.
    let mine = t
        .get("/api/export/history", learner.token())
        .await
        .expect(200);
    assert_eq!(mine.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(mine.body["items"][0]["userId"], learner.user_id.as_str());
    let company = t
        .get("/api/export/history", manager.token())
        .await
        .expect(200);
    assert_eq!(company.body["items"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn exports_need_the_pro_plan_and_a_valid_query() {
    let free = new_company().await;
    export(&free, "type=users")
        .await
        .expect_error(402, "PAYMENT_REQUIRED");
    let pro = new_company_on("pro").await;
    export(&pro, "type=planets")
        .await
        .expect_error(400, "VALIDATION_FAILED");
    export(&pro, "type=users&format=xml")
        .await
        .expect_error(400, "VALIDATION_FAILED");
    export(&pro, "format=csv")
        .await
        .expect_error(400, "VALIDATION_FAILED");
    export(&pro, "type=analytics&from=2026-13-01")
        .await
        .expect_error(400, "VALIDATION_FAILED");
    app()
        .get("/api/export?type=users", None)
        .await
        .expect_error(401, "UNAUTHENTICATED");
}
