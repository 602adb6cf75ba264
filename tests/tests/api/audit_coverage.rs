//! Every mutating endpoint of every function leaves an audit entry: one request to
//! each signed-in POST, PUT, PATCH and DELETE route of the OpenAPI document (so a
//! new route is covered without editing this test), then the company's trail is read.
//! Most of these requests are refused (an empty body, ids that name nothing); a
//! refusal is audited as much as a success.

use campus::db::lists;

use std::collections::BTreeSet;

use campus::audit::AuditEntry;
use campus_tests::{app, new_company_on};
use serde_json::{Value, json};

/// Ids for path parameters: well-formed, naming nothing.
const NOBODY: &str = "01JDZZZZZZZZZZZZZZZZZZZZZZ";

fn mutating_routes() -> Vec<(String, String)> {
    let doc: Value = serde_json::from_str(include_str!("../../../docs/openapi.json")).unwrap();
    let mut routes = Vec::new();
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for (method, op) in ops.as_object().unwrap() {
            let signed_in = op
                .get("security")
                .and_then(Value::as_array)
                .is_some_and(|s| !s.is_empty());
            if ["post", "put", "patch", "delete"].contains(&method.as_str()) && signed_in {
                routes.push((method.to_uppercase(), path.clone()));
            }
        }
    }
    // Signing out ends the session: last, so the other requests are made signed in.
    routes.sort_by_key(|(_, p)| p.contains("logout") || p.contains("password/change"));
    routes
}

fn concrete(path: &str) -> String {
    path.split('/')
        .map(|seg| if seg.starts_with('{') { NOBODY } else { seg })
        .collect::<Vec<_>>()
        .join("/")
}

#[tokio::test]
async fn every_signed_in_mutation_of_every_function_is_audited() {
    let t = app();
    // On pro, so that plan gates answer as they would for a paying company.
    let admin = new_company_on("pro").await;
    let routes = mutating_routes();
    assert!(
        routes.len() > 60,
        "the document lists the routes: {}",
        routes.len()
    );
    for (method, path) in &routes {
        let r = t
            .call(method, &concrete(path), admin.token(), Some(json!({})))
            .await;
        assert!(
            r.status < 500,
            "{method} {path} answered {}: {}",
            r.status,
            r.body
        );
    }
    let db = t.db().await;
    let trail: Vec<AuditEntry> = db
        .all(&lists::audit_trail(&admin.company_id))
        .await
        .unwrap();
    let audited: BTreeSet<&str> = trail.iter().map(|e| e.action.as_str()).collect();
    let missing: Vec<String> = routes
        .iter()
        .map(|(m, p)| format!("{m} {p}"))
        .filter(|a| !audited.contains(a.as_str()))
        .collect();
    assert!(missing.is_empty(), "not audited: {missing:#?}");
}
