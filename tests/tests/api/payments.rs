//! One-off payments through the API against localstripe: a PaymentIntent per
//! payment (one per idempotency key), paid the way Stripe.js pays, confirmed by
//! Stripe's event, refunded through the API.

use campus_tests::{
    app, course_with_lessons, join, new_company,
    stripe::{deliver, event, eventually, localstripe_call, localstripe_sends_events_here, now},
};
use serde_json::{Value, json};

/// A published course priced at 29.00 EUR.
async fn priced_course(admin: &campus_tests::Account) -> String {
    let (course, _) = course_with_lessons(admin, "Safety basics", "published", 1).await;
    let c = app()
        .get(&format!("/api/courses/{course}"), admin.token())
        .await
        .expect(200);
    app()
        .put(
            &format!("/api/courses/{course}"),
            admin.token(),
            json!({"title": "Safety basics", "description": "", "difficulty": "beginner", "durationWeeks": 1,
                   "tags": [], "status": "published", "priceCents": 2900, "currency": "EUR",
                   "version": c.body["version"]}),
        )
        .await
        .expect(200);
    course
}

fn intent_of(client_secret: &Value) -> String {
    client_secret
        .as_str()
        .and_then(|s| s.split("_secret_").next())
        .unwrap()
        .to_string()
}

/// What Stripe.js does with the client secret: a card, then confirmation.
async fn pay(intent: &str) {
    let pm = localstripe_call(
        "POST",
        "/v1/payment_methods",
        &[
            ("type", "card"),
            ("card[number]", "4242424242424242"),
            ("card[exp_month]", "12"),
            ("card[exp_year]", "2030"),
            ("card[cvc]", "123"),
        ],
    )
    .await;
    localstripe_call(
        "POST",
        &format!("/v1/payment_intents/{intent}"),
        &[("payment_method", pm["id"].as_str().unwrap())],
    )
    .await;
    let confirmed = localstripe_call(
        "POST",
        &format!("/v1/payment_intents/{intent}/confirm"),
        &[],
    )
    .await;
    assert_eq!(confirmed["status"], "succeeded", "{confirmed}");
}

#[tokio::test]
async fn a_course_is_bought_and_refunded() {
    let t = app();
    localstripe_sends_events_here().await;
    let admin = new_company().await;
    let learner = join(&admin, "participant").await;
    let course = priced_course(&admin).await;

    let started = t
        .post(
            "/api/payments",
            learner.token(),
            json!({"courseId": course}),
        )
        .await
        .expect(201);
    let payment = started.body["paymentId"].as_str().unwrap().to_string();
    let intent = intent_of(&started.body["clientSecret"]);
    // The PaymentIntent in Stripe: the course's price, naming the payment.
    let pi = localstripe_call("GET", &format!("/v1/payment_intents/{intent}"), &[]).await;
    assert_eq!(pi["amount"], 2900);
    assert_eq!(pi["currency"], "eur");
    assert_eq!(pi["metadata"]["paymentId"], payment);
    assert_eq!(pi["metadata"]["companyId"], admin.company_id);

    let list = t.get("/api/payments", admin.token()).await.expect(200);
    assert_eq!(list.body["items"][0]["id"], payment);
    assert_eq!(list.body["items"][0]["status"], "pending");
    assert_eq!(list.body["items"][0]["userId"], learner.user_id);

    // A sold course is bought, not enrolled in.
    t.post(
        &format!("/api/courses/{course}/enroll"),
        learner.token(),
        json!({}),
    )
    .await
    .expect_error(402, "PAYMENT_REQUIRED");
    // Not paid yet: nothing to refund.
    t.post(
        &format!("/api/payments/{payment}/refund"),
        admin.token(),
        json!({}),
    )
    .await
    .expect_error(409, "CONFLICT");

    // Paid; localstripe tells the webhook.
    pay(&intent).await;
    eventually("/api/payments", admin.token(), |b| {
        b["items"][0]["status"] == "succeeded"
    })
    .await;
    // The buyer is enrolled.
    let mine = t.get("/api/courses", learner.token()).await.expect(200);
    assert_eq!(
        mine.body["items"][0]["id"],
        course.as_str(),
        "{}",
        mine.body
    );
    t.post(
        &format!("/api/courses/{course}/enroll"),
        learner.token(),
        json!({}),
    )
    .await
    .expect(200);

    // Another company's admin finds no such payment.
    let stranger = new_company().await;
    t.post(
        &format!("/api/payments/{payment}/refund"),
        stranger.token(),
        json!({}),
    )
    .await
    .expect_error(404, "NOT_FOUND");
    // Only an admin refunds, and no more than was paid.
    t.post(
        &format!("/api/payments/{payment}/refund"),
        learner.token(),
        json!({}),
    )
    .await
    .expect_error(403, "FORBIDDEN");
    t.post(
        &format!("/api/payments/{payment}/refund"),
        admin.token(),
        json!({"amountCents": 2901}),
    )
    .await
    .expect_error(400, "VALIDATION_FAILED");
    let r = t
        .post(
            &format!("/api/payments/{payment}/refund"),
            admin.token(),
            json!({"amountCents": 900}),
        )
        .await
        .expect(202);
    assert_eq!(r.body["amountCents"], 900);
    let refunds =
        localstripe_call("GET", &format!("/v1/refunds?payment_intent={intent}"), &[]).await;
    assert_eq!(refunds["data"].as_array().unwrap().len(), 1, "{refunds}");
    assert_eq!(refunds["data"][0]["amount"], 900);

    // Stripe reports the refunded charge (localstripe sends no such event: Stripe's
    // own shape, signed here).
    let mut refunded = event("charge.refunded", &admin.company_id, None, now());
    refunded["data"]["object"]["payment_intent"] = json!(intent);
    refunded["data"]["object"]["amount_refunded"] = json!(900);
    refunded["data"]["object"]["refunded"] = json!(false);
    assert_eq!(
        deliver(&refunded).await.expect(200).body["outcome"],
        "applied"
    );
    let list = t.get("/api/payments", admin.token()).await.expect(200);
    assert_eq!(list.body["items"][0]["status"], "partially_refunded");
    assert_eq!(list.body["items"][0]["refundedCents"], 900);
    // An older success arriving late does not undo the refund.
    let mut late = event(
        "payment_intent.succeeded",
        &admin.company_id,
        None,
        now() - 30,
    );
    late["data"]["object"]["id"] = json!(intent);
    assert_eq!(deliver(&late).await.expect(200).body["outcome"], "stale");
    let list = t.get("/api/payments", admin.token()).await.expect(200);
    assert_eq!(list.body["items"][0]["status"], "partially_refunded");
}

#[tokio::test]
async fn a_repeated_request_pays_once() {
    let t = app();
    let admin = new_company().await;
    let body = json!({"amountCents": 5000, "currency": "EUR", "description": "Workshop seat"});
    let send = || {
        t.send(
            t.client
                .post(t.url("/api/payments"))
                .bearer_auth(&admin.access)
                .header("idempotency-key", "order-7")
                .json(&body),
        )
    };
    let first = send().await.expect(201);
    let second = send().await.expect(201);
    assert_eq!(first.body["paymentId"], second.body["paymentId"]);
    assert_eq!(first.body["clientSecret"], second.body["clientSecret"]);
    let list = t.get("/api/payments", admin.token()).await.expect(200);
    assert_eq!(list.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(list.body["items"][0]["kind"], "custom");
    // The same key with another body is a mistake, not a repeat.
    t.send(
        t.client
            .post(t.url("/api/payments"))
            .bearer_auth(&admin.access)
            .header("idempotency-key", "order-7")
            .json(&json!({"amountCents": 9000, "currency": "EUR", "description": "Workshop seat"})),
    )
    .await
    .expect_error(409, "CONFLICT");
}

#[tokio::test]
async fn bad_payments_are_4xx() {
    let t = app();
    let admin = new_company().await;
    let (free_course, _) = course_with_lessons(&admin, "Free course", "published", 1).await;
    let other = new_company().await;
    let foreign = priced_course(&other).await;
    for (body, status) in [
        (json!({"courseId": free_course}), 400),
        (json!({"courseId": foreign}), 404),
        (json!({}), 400),
        (
            json!({"amountCents": 10, "currency": "eur", "description": "x"}),
            400,
        ),
        (
            json!({"amountCents": 5000, "currency": "euro", "description": "x"}),
            400,
        ),
        (json!({"amountCents": 5000, "currency": "eur"}), 400),
        (
            json!({"amountCents": 5000, "currency": "e1r", "description": "x"}),
            400,
        ),
        (
            json!({"courseId": free_course, "amountCents": 5000, "currency": "eur", "description": "x"}),
            400,
        ),
        (
            json!({"amountCents": "lots", "currency": "eur", "description": "x"}),
            400,
        ),
    ] {
        let r = t.post("/api/payments", admin.token(), body.clone()).await;
        assert_eq!(r.status, status, "{body}: {}", r.body);
        r.error_code();
    }
    t.post("/api/payments", None, json!({"courseId": free_course}))
        .await
        .expect_error(401, "UNAUTHENTICATED");
    t.post(
        "/api/payments/01NOSUCHPAYMENT0000000000/refund",
        admin.token(),
        json!({}),
    )
    .await
    .expect_error(404, "NOT_FOUND");
}
