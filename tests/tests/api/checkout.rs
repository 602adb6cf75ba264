//! Buying, changing and cancelling a plan through the API, against Stripe's local
//! stand-ins: Checkout, prices and subscriptions from campus-local's stand-in, the
//! customer in localstripe. The plan changes when Stripe's signed events reach the
//! webhook, as in production.

use campus_tests::{
    app, join, new_company,
    stripe::{eventually, localstripe_call},
};
use serde_json::{Value, json};

const SUCCESS: &str = "http://localhost:5173/billing/done";
const CANCEL: &str = "http://localhost:5173/billing";

fn checkout(plan: &str) -> Value {
    json!({"plan": plan, "successUrl": SUCCESS, "cancelUrl": CANCEL})
}

#[tokio::test]
async fn a_company_buys_changes_and_cancels_a_plan() {
    let t = app();
    let admin = new_company().await;
    let started = t
        .post("/api/subscriptions", admin.token(), checkout("core"))
        .await
        .expect(201);
    let url = started.body["checkoutUrl"].as_str().unwrap().to_string();
    assert!(
        url.ends_with(started.body["sessionId"].as_str().unwrap()),
        "{}",
        started.body
    );
    // The company's Stripe customer was made once, in localstripe, naming the company.
    let again = t
        .post("/api/subscriptions", admin.token(), checkout("pro"))
        .await
        .expect(201);
    assert_ne!(again.body["sessionId"], started.body["sessionId"]);
    let customers =
        localstripe_call("GET", &format!("/v1/customers?email={}", admin.email), &[]).await;
    let customers = customers["data"].as_array().unwrap();
    assert_eq!(customers.len(), 1, "{customers:?}");
    assert_eq!(customers[0]["metadata"]["companyId"], admin.company_id);
    // Nothing changes until Stripe says it was paid.
    assert_eq!(
        t.get("/api/subscriptions", admin.token()).await.body["plan"],
        "free"
    );

    // The payer pays on Stripe's page; Stripe tells the webhook.
    let paid = t.client.post(format!("{url}/pay")).send().await.unwrap();
    assert!(paid.status().is_success());
    // Stripe's events come in any order; the period's end comes with the subscription's.
    let s = eventually("/api/subscriptions", admin.token(), |b| {
        b["plan"] == "core" && b["currentPeriodEnd"].is_string()
    })
    .await;
    assert_eq!(s["status"], "active");
    let id = s["id"].as_str().unwrap().to_string();
    t.get("/api/reports/compliance", admin.token())
        .await
        .expect(200);
    // The first invoice is recorded.
    eventually("/api/payments", admin.token(), |b| {
        b["items"].as_array().is_some_and(|i| {
            i.iter()
                .any(|p| p["kind"] == "invoice" && p["status"] == "succeeded")
        })
    })
    .await;
    // A live subscription is changed, not bought again.
    t.post("/api/subscriptions", admin.token(), checkout("pro"))
        .await
        .expect_error(409, "CONFLICT");

    // Upgrade, prorated.
    let change = t
        .put(
            &format!("/api/subscriptions/{id}"),
            admin.token(),
            json!({"plan": "pro"}),
        )
        .await
        .expect(202);
    assert_eq!(change.body["requestedPlan"], "pro");
    let s = eventually("/api/subscriptions", admin.token(), |b| b["plan"] == "pro").await;
    assert_eq!(s["seats"], 1000);
    t.get("/api/reports/export/users", admin.token())
        .await
        .expect(200);
    t.put(
        &format!("/api/subscriptions/{id}"),
        admin.token(),
        json!({"plan": "pro"}),
    )
    .await
    .expect_error(409, "CONFLICT");
    t.put(
        "/api/subscriptions/sub_someone_elses",
        admin.token(),
        json!({"plan": "basic"}),
    )
    .await
    .expect_error(404, "NOT_FOUND");

    // Cancel at the period's end: the plan lasts until then.
    t.post(
        "/api/subscriptions/cancel",
        admin.token(),
        json!({"atPeriodEnd": true}),
    )
    .await
    .expect(202);
    let s = eventually("/api/subscriptions", admin.token(), |b| {
        b["cancelAtPeriodEnd"] == true
    })
    .await;
    assert_eq!(s["plan"], "pro");
    // Or now: back to free.
    t.post(
        "/api/subscriptions/cancel",
        admin.token(),
        json!({"atPeriodEnd": false}),
    )
    .await
    .expect(202);
    let s = eventually("/api/subscriptions", admin.token(), |b| b["plan"] == "free").await;
    assert_eq!(s["status"], "canceled");
    t.post("/api/subscriptions/cancel", admin.token(), json!({}))
        .await
        .expect_error(409, "CONFLICT");
}

#[tokio::test]
async fn only_admins_buy_and_only_for_the_frontend() {
    let t = app();
    let admin = new_company().await;
    let manager = join(&admin, "manager").await;
    t.post("/api/subscriptions", manager.token(), checkout("pro"))
        .await
        .expect_error(403, "FORBIDDEN");
    t.post("/api/subscriptions/cancel", manager.token(), json!({}))
        .await
        .expect_error(403, "FORBIDDEN");
    t.put(
        "/api/subscriptions/sub_x",
        manager.token(),
        json!({"plan": "pro"}),
    )
    .await
    .expect_error(403, "FORBIDDEN");
    // Everyone may read the plan.
    t.get("/api/subscriptions", manager.token())
        .await
        .expect(200);

    for (body, field) in [
        (checkout("free"), "plan"),
        (
            json!({"plan": "pro", "successUrl": "https://evil.example/steal", "cancelUrl": CANCEL}),
            "successUrl",
        ),
        (
            json!({"plan": "pro", "successUrl": SUCCESS, "cancelUrl": "http://localhost:5173.evil.example/"}),
            "cancelUrl",
        ),
        (
            json!({"plan": "pro", "successUrl": "not a url", "cancelUrl": CANCEL}),
            "successUrl",
        ),
    ] {
        let r = t
            .post("/api/subscriptions", admin.token(), body)
            .await
            .expect_error(400, "VALIDATION_FAILED");
        assert!(r.body["error"]["details"][field].is_string(), "{}", r.body);
    }
    t.post(
        "/api/subscriptions",
        admin.token(),
        json!({"plan": "platinum", "successUrl": SUCCESS, "cancelUrl": CANCEL}),
    )
    .await
    .expect_error(400, "VALIDATION_FAILED");
    // Nothing was made in Stripe by any of it.
    let customers =
        localstripe_call("GET", &format!("/v1/customers?email={}", admin.email), &[]).await;
    assert_eq!(customers["data"], json!([]));
}
