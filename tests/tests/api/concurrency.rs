//! Fifty writers at once on one resource (issue 8): updates that name the version
//! they read let exactly one win and answer the rest 409; counters kept by `ADD`
//! lose no increment.

use campus_tests::{Account, app, new_company};
use serde_json::json;

const WRITERS: usize = 50;

/// A new item of the admin's company; its id.
async fn item(admin: &Account, sku: &str, quantity: i64) -> String {
    let r = app()
        .post(
            "/api/inventory",
            admin.token(),
            json!({"name": "Part", "sku": sku, "category": "Parts", "quantity": quantity}),
        )
        .await
        .expect(201);
    r.body["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn fifty_updates_of_one_version_let_exactly_one_win() {
    let t = app();
    let admin = new_company().await;
    let id = item(&admin, "DR-1", 1).await;
    let writes = (0..WRITERS).map(|i| {
        let (token, id) = (admin.access.clone(), id.clone());
        tokio::spawn(async move {
            app()
                .put(
                    &format!("/api/inventory/{id}"),
                    Some(&token),
                    json!({"name": format!("Drill {i}"), "sku": "DR-1", "category": "Parts",
                           "quantity": 1, "version": 1}),
                )
                .await
                .status
        })
    });
    let mut statuses = Vec::new();
    for w in writes {
        statuses.push(w.await.unwrap());
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(statuses.iter().filter(|s| **s == 409).count(), WRITERS - 1);
    let now = t
        .get(&format!("/api/inventory/{id}"), admin.token())
        .await
        .expect(200);
    assert_eq!(now.body["version"], 2, "one change, one version");
}

#[tokio::test]
async fn fifty_concurrent_increments_are_all_counted() {
    let t = app();
    let admin = new_company().await;
    let id = item(&admin, "SC-1", 0).await;
    let adds = (0..WRITERS).map(|_| {
        let (token, id) = (admin.access.clone(), id.clone());
        tokio::spawn(async move {
            app()
                .post(
                    &format!("/api/inventory/{id}/adjust"),
                    Some(&token),
                    json!({"delta": 1, "reason": "delivery"}),
                )
                .await
                .status
        })
    });
    for a in adds {
        assert_eq!(a.await.unwrap(), 200);
    }
    let now = t
        .get(&format!("/api/inventory/{id}"), admin.token())
        .await
        .expect(200);
    assert_eq!(now.body["quantity"], WRITERS, "{}", now.body);
    let history = t
        .get(
            &format!("/api/inventory/{id}/history?limit=100"),
            admin.token(),
        )
        .await
        .expect(200);
    assert_eq!(
        history.body["items"].as_array().unwrap().len(),
        WRITERS + 1,
        "the creation and every adjustment"
    );
}
