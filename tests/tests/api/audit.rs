//! Every mutating request by an authenticated user leaves an audit entry.

use campus::{
    audit::AuditEntry,
    db::{Filter, PageAt, lists},
};
use campus_tests::{app, join, new_company};
use serde_json::json;

async fn entries(company_id: &str) -> Vec<AuditEntry> {
    let db = app().db().await;
    db.page(
        &lists::audit_trail(company_id),
        PageAt::first(100),
        Filter::new(),
    )
    .await
    .unwrap()
    .items
}

#[tokio::test]
async fn allowed_and_refused_mutations_are_audited() {
    let t = app();
    let admin = new_company().await;
    let p = join(&admin, "participant").await;
    let d = t
        .post(
            "/api/company/departments",
            admin.token(),
            json!({"name": "Ops"}),
        )
        .await
        .expect(201);
    t.post(
        "/api/company/departments",
        p.token(),
        json!({"name": "Nope"}),
    )
    .await
    .expect_error(403, "FORBIDDEN");
    t.get("/api/company", admin.token()).await.expect(200);

    let log = entries(&admin.company_id).await;
    let created = log
        .iter()
        .find(|e| e.action == "POST /api/company/departments" && e.actor_id == admin.user_id)
        .expect("the department creation is audited");
    assert_eq!(created.outcome, "success");
    assert_eq!(created.status, 201);
    assert_eq!(created.resource_type, "departments");
    assert_eq!(created.resource_id.as_deref(), d.body["id"].as_str());
    assert_eq!(created.ip.as_deref(), Some("127.0.0.1"));
    let refused = log
        .iter()
        .find(|e| e.action == "POST /api/company/departments" && e.actor_id == p.user_id)
        .expect("the refused attempt is audited");
    assert_eq!((refused.outcome.as_str(), refused.status), ("refused", 403));
    assert!(
        log.iter().all(|e| !e.action.starts_with("GET ")),
        "reads are not audited"
    );
    assert!(log.iter().all(|e| e.company_id == admin.company_id));
}
