//! Inventory through HTTP: items, SKUs unique per company, categories in use,
//! adjustments that never go below zero (also when many run at once), history.

use campus_tests::{Account, app, join, new_company};
use serde_json::{Value, json};

fn item(sku: &str, category: &str, quantity: i64) -> Value {
    json!({"name": format!("Item {sku}"), "sku": sku, "category": category, "quantity": quantity,
           "location": "Shelf A", "lowStockThreshold": 5})
}

async fn create(by: &Account, body: Value) -> String {
    let r = app()
        .post("/api/inventory", by.token(), body)
        .await
        .expect(201);
    r.body["id"].as_str().unwrap().to_string()
}

async fn adjust(by: &Account, id: &str, delta: i64) -> campus_tests::Resp {
    app()
        .post(
            &format!("/api/inventory/{id}/adjust"),
            by.token(),
            json!({"delta": delta, "reason": "count"}),
        )
        .await
}

#[tokio::test]
async fn items_are_kept_by_managers_and_read_by_everyone() {
    let t = app();
    let admin = new_company().await;
    let manager = join(&admin, "manager").await;
    let learner = join(&admin, "participant").await;
    let id = create(&manager, item("HLM-1", "Safety", 12)).await;
    create(&manager, item("GLV-2", "Safety", 3)).await;
    create(&manager, item("PEN-3", "Office", 100)).await;

    t.post("/api/inventory", learner.token(), item("X-1", "Safety", 1))
        .await
        .expect_error(403, "FORBIDDEN");
    t.post("/api/inventory", manager.token(), item("HLM-1", "Other", 1))
        .await
        .expect_error(409, "CONFLICT");

    let all = t.get("/api/inventory", learner.token()).await.expect(200);
    assert_eq!(all.body["items"].as_array().unwrap().len(), 3);
    let safety = t
        .get("/api/inventory?category=Safety", learner.token())
        .await
        .expect(200);
    assert_eq!(safety.body["items"].as_array().unwrap().len(), 2);
    let low = t
        .get("/api/inventory?lowStock=true", learner.token())
        .await
        .expect(200);
    assert_eq!(low.body["items"][0]["sku"], "GLV-2", "{}", low.body);
    assert_eq!(low.body["items"].as_array().unwrap().len(), 1);
    let found = t
        .get("/api/inventory?q=pen", learner.token())
        .await
        .expect(200);
    assert_eq!(found.body["items"][0]["sku"], "PEN-3");

    let cats = t
        .get("/api/inventory/categories", learner.token())
        .await
        .expect(200);
    let mut names: Vec<(String, i64)> = cats.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap().to_string(),
                c["items"].as_i64().unwrap(),
            )
        })
        .collect();
    names.sort();
    assert_eq!(names, vec![("Office".into(), 1), ("Safety".into(), 2)]);

    // An edit: new SKU and category; the old SKU is free again; a stale version is refused.
    let got = t
        .get(&format!("/api/inventory/{id}"), learner.token())
        .await
        .expect(200);
    let mut body = item("HLM-9", "Office", 20);
    body["version"] = got.body["version"].clone();
    let edited = t
        .put(
            &format!("/api/inventory/{id}"),
            manager.token(),
            body.clone(),
        )
        .await
        .expect(200);
    assert_eq!(edited.body["quantity"], 20);
    t.put(&format!("/api/inventory/{id}"), manager.token(), body)
        .await
        .expect_error(409, "CONFLICT");
    create(&manager, item("HLM-1", "Safety", 1)).await;
    let cats = t
        .get("/api/inventory/categories", learner.token())
        .await
        .expect(200);
    assert!(
        cats.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["name"] == "Office" && c["items"] == 2),
        "{}",
        cats.body
    );

    // History: created, then the edit's +8.
    let h = t
        .get(&format!("/api/inventory/{id}/history"), manager.token())
        .await
        .expect(200);
    let deltas: Vec<i64> = h.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["delta"].as_i64().unwrap())
        .collect();
    assert_eq!(deltas, vec![8, 12]);
    t.get(&format!("/api/inventory/{id}/history"), learner.token())
        .await
        .expect_error(403, "FORBIDDEN");

    t.delete(&format!("/api/inventory/{id}"), learner.token())
        .await
        .expect_error(403, "FORBIDDEN");
    t.delete(&format!("/api/inventory/{id}"), manager.token())
        .await
        .expect(204);
    t.get(&format!("/api/inventory/{id}"), learner.token())
        .await
        .expect_error(404, "NOT_FOUND");
    t.delete(&format!("/api/inventory/{id}"), manager.token())
        .await
        .expect_error(404, "NOT_FOUND");
    // Its SKU is free again.
    create(&manager, item("HLM-9", "Office", 1)).await;
}

#[tokio::test]
async fn adjustments_never_take_stock_below_zero() {
    let t = app();
    let admin = new_company().await;
    let id = create(&admin, item("BOX-1", "Storage", 4)).await;
    assert_eq!(
        adjust(&admin, &id, 6).await.expect(200).body["quantity"],
        10
    );
    assert_eq!(
        adjust(&admin, &id, -7).await.expect(200).body["quantity"],
        3
    );
    let r = adjust(&admin, &id, -4).await.expect_error(409, "CONFLICT");
    assert!(
        r.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("stock of 3")
    );
    let got = t
        .get(&format!("/api/inventory/{id}"), admin.token())
        .await
        .expect(200);
    assert_eq!(got.body["quantity"], 3);
    assert_eq!(got.body["version"], 3, "each adjustment is a new version");
    let h = t
        .get(&format!("/api/inventory/{id}/history"), admin.token())
        .await
        .expect(200);
    let deltas: Vec<i64> = h.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["delta"].as_i64().unwrap())
        .collect();
    assert_eq!(deltas, vec![-7, 6, 4], "the refused change left no trace");
    assert_eq!(h.body["items"][0]["reason"], "count");
    assert_eq!(h.body["items"][0]["by"], admin.user_id);
}

#[tokio::test]
async fn concurrent_adjustments_stop_exactly_at_zero() {
    let t = app();
    let admin = new_company().await;
    let id = create(&admin, item("CUP-1", "Kitchen", 10)).await;
    let takes = (0..25).map(|_| adjust(&admin, &id, -1));
    let results = futures_util::future::join_all(takes).await;
    let ok = results.iter().filter(|r| r.status == 200).count();
    let refused = results.iter().filter(|r| r.status == 409).count();
    assert_eq!(
        (ok, refused),
        (10, 15),
        "{:?}",
        results.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    let got = t
        .get(&format!("/api/inventory/{id}"), admin.token())
        .await
        .expect(200);
    assert_eq!(got.body["quantity"], 0);
    let h = t
        .get(
            &format!("/api/inventory/{id}/history?limit=100"),
            admin.token(),
        )
        .await
        .expect(200);
    assert_eq!(
        h.body["items"].as_array().unwrap().len(),
        11,
        "created + 10 takes"
    );
}

#[tokio::test]
async fn bad_input_and_other_companies_are_4xx() {
    let t = app();
    let admin = new_company().await;
    let id = create(&admin, item("KEY-1", "Keys", 2)).await;
    for body in [
        json!({"name": "x", "sku": "s", "category": "c", "quantity": -1}),
        json!({"name": "x", "sku": "s", "category": "c", "quantity": 1, "colour": "red"}),
        json!({"name": " ", "sku": "s", "category": "c", "quantity": 1}),
        json!({"name": "x", "sku": "a#b", "category": "c", "quantity": 1}),
        json!({"name": "x", "sku": "s", "category": "c", "quantity": 10_000_000_000i64}),
        json!({"name": "x", "sku": "s", "category": "c", "quantity": "many"}),
        json!({"sku": "s", "category": "c", "quantity": 1}),
    ] {
        let r = t.post("/api/inventory", admin.token(), body.clone()).await;
        assert_eq!(r.status, 400, "{body}: {}", r.body);
        r.error_code();
    }
    for body in [
        json!({"delta": 0, "reason": "x"}),
        json!({"delta": 1}),
        json!({"delta": 1, "reason": ""}),
        json!({"delta": 2_000_000_000i64, "reason": "x"}),
    ] {
        let r = t
            .post(
                &format!("/api/inventory/{id}/adjust"),
                admin.token(),
                body.clone(),
            )
            .await;
        assert_eq!(r.status, 400, "{body}: {}", r.body);
    }
    t.get("/api/inventory?lowStock=maybe", admin.token())
        .await
        .expect_error(400, "VALIDATION_FAILED");
    t.get("/api/inventory", None)
        .await
        .expect_error(401, "UNAUTHENTICATED");

    let other = new_company().await;
    t.get(&format!("/api/inventory/{id}"), other.token())
        .await
        .expect_error(404, "NOT_FOUND");
    t.get(&format!("/api/inventory/{id}/history"), other.token())
        .await
        .expect_error(404, "NOT_FOUND");
    adjust(&other, &id, -1).await.expect_error(404, "NOT_FOUND");
    let mut body = item("KEY-1", "Keys", 0);
    body["version"] = json!(1);
    t.put(&format!("/api/inventory/{id}"), other.token(), body)
        .await
        .expect_error(404, "NOT_FOUND");
    t.delete(&format!("/api/inventory/{id}"), other.token())
        .await
        .expect_error(404, "NOT_FOUND");
    // Their SKUs are theirs: the same SKU is free in another company.
    create(&other, item("KEY-1", "Keys", 1)).await;
    let theirs = t.get("/api/inventory", other.token()).await.expect(200);
    assert_eq!(theirs.body["items"].as_array().unwrap().len(), 1);
    let mine = t
        .get(&format!("/api/inventory/{id}"), admin.token())
        .await
        .expect(200);
    assert_eq!(mine.body["quantity"], 2);
}
