//! Billing through HTTP: the Stripe webhook (signatures, each event once, in order,
//! every handled type), plans as the gated endpoints see them, seat limits.

use campus_tests::{
    PASSWORD, app, join, new_company,
    stripe::{self, deliver, deliver_raw, event, now, set_plan},
    unique_email,
};
use serde_json::{Value, json};

async fn subscription(token: Option<&str>) -> Value {
    app()
        .get("/api/subscriptions", token)
        .await
        .expect(200)
        .body
}

#[tokio::test]
async fn checkout_completed_puts_the_company_on_its_plan() {
    let t = app();
    let admin = new_company().await;
    let before = subscription(admin.token()).await;
    assert_eq!(before["plan"], "free");
    assert_eq!(before["status"], "none");
    assert_eq!(before["seats"], 5);
    assert_eq!(before["seatsUsed"], 1);
    assert_eq!(before["features"], json!([]));
    t.get("/api/reports/compliance", admin.token())
        .await
        .expect_error(402, "PAYMENT_REQUIRED");

    let e = event(
        "checkout.session.completed",
        &admin.company_id,
        Some("pro"),
        now(),
    );
    let r = deliver(&e).await.expect(200);
    assert_eq!(r.body["outcome"], "applied");

    let after = subscription(admin.token()).await;
    assert_eq!(after["plan"], "pro");
    assert_eq!(after["status"], "active");
    assert_eq!(after["seats"], 1000);
    assert_eq!(after["id"], format!("sub_{}", admin.company_id));
    assert_eq!(after["features"], json!(["reports", "exports", "ai_chat"]));
    let company = t.get("/api/company", admin.token()).await.expect(200);
    assert_eq!(company.body["plan"], "pro");
    t.get("/api/reports/compliance", admin.token())
        .await
        .expect(200);
    t.get("/api/reports/export/users?format=csv", admin.token())
        .await
        .expect(200);
}

#[tokio::test]
async fn a_repeated_delivery_changes_nothing() {
    let admin = new_company().await;
    let created = now() - 60;
    let first = event(
        "customer.subscription.created",
        &admin.company_id,
        Some("core"),
        created,
    );
    assert_eq!(deliver(&first).await.expect(200).body["outcome"], "applied");
    // Changed since, then the first event comes again (Stripe retries).
    stripe::set_plan(&admin.company_id, "basic").await;
    let again = deliver(&first).await.expect(200);
    assert_eq!(again.body["outcome"], "duplicate");
    assert_eq!(subscription(admin.token()).await["plan"], "basic");
}

#[tokio::test]
async fn an_older_event_never_overwrites_newer_state() {
    let admin = new_company().await;
    let t0 = now() - 120;
    let mut newer = event(
        "customer.subscription.updated",
        &admin.company_id,
        Some("core"),
        t0 + 60,
    );
    newer["data"]["object"]["cancel_at_period_end"] = json!(true);
    let older = event(
        "customer.subscription.created",
        &admin.company_id,
        Some("pro"),
        t0,
    );
    assert_eq!(deliver(&newer).await.expect(200).body["outcome"], "applied");
    let late = deliver(&older).await.expect(200);
    assert_eq!(late.body["outcome"], "stale");
    let s = subscription(admin.token()).await;
    assert_eq!(s["plan"], "core");
    assert_eq!(s["cancelAtPeriodEnd"], true);
    // The company's plan (what gates read) was left alone too.
    let company = app().get("/api/company", admin.token()).await.expect(200);
    assert_eq!(company.body["plan"], "core");
    assert_eq!(company.body["seats"], 100);
}

#[tokio::test]
async fn signatures_are_checked_over_the_raw_body() {
    let admin = new_company().await;
    let e = event(
        "checkout.session.completed",
        &admin.company_id,
        Some("pro"),
        now(),
    );
    let body = serde_json::to_vec(&e).unwrap();
    let signed = campus::stripe_signature::sign(&body, stripe::WEBHOOK_SECRET, now());

    let missing = deliver_raw(&body, None)
        .await
        .expect_error(400, "VALIDATION_FAILED");
    assert!(missing.body["error"]["details"]["Stripe-Signature"].is_string());

    let wrong_secret = campus::stripe_signature::sign(&body, "whsec_someone_else", now());
    deliver_raw(&body, Some(&wrong_secret))
        .await
        .expect_error(400, "VALIDATION_FAILED");

    // The body changed after signing (one byte: a space).
    let mut tampered = body.clone();
    tampered.push(b' ');
    deliver_raw(&tampered, Some(&signed))
        .await
        .expect_error(400, "VALIDATION_FAILED");

    let stale = campus::stripe_signature::sign(&body, stripe::WEBHOOK_SECRET, now() - 301);
    let r = deliver_raw(&body, Some(&stale))
        .await
        .expect_error(400, "VALIDATION_FAILED");
    assert!(
        r.body["error"]["details"]["Stripe-Signature"]
            .as_str()
            .unwrap()
            .contains("5 minute")
    );

    deliver_raw(&body, Some("t=abc,v1=zz"))
        .await
        .expect_error(400, "VALIDATION_FAILED");
    // Nothing above was applied.
    assert_eq!(subscription(admin.token()).await["plan"], "free");

    // Several v1 values (a secret being rolled): one matching is enough.
    let rolled = format!("{signed},v1={}", "ab".repeat(32));
    let r = deliver_raw(&body, Some(&rolled)).await.expect(200);
    assert_eq!(r.body["outcome"], "applied");
    assert_eq!(subscription(admin.token()).await["plan"], "pro");
}

#[tokio::test]
async fn signed_garbage_is_a_4xx() {
    for body in [&b"{not json"[..], br#"{"id": 5}"#] {
        let sig = campus::stripe_signature::sign(body, stripe::WEBHOOK_SECRET, now());
        let r = deliver_raw(body, Some(&sig)).await;
        assert_eq!(r.status, 400, "{}", r.body);
    }
    // A handled type whose object is not that type's.
    let mut e = event("invoice.paid", "nobody", None, now());
    e["data"]["object"] = json!({"id": 7});
    deliver(&e).await.expect_error(400, "VALIDATION_FAILED");
}

#[tokio::test]
async fn subscription_ends_and_the_company_is_free_again() {
    let t = app();
    let admin = new_company().await;
    set_plan(&admin.company_id, "core").await;
    t.get("/api/reports/compliance", admin.token())
        .await
        .expect(200);
    let e = event(
        "customer.subscription.deleted",
        &admin.company_id,
        Some("core"),
        now(),
    );
    assert_eq!(deliver(&e).await.expect(200).body["outcome"], "applied");
    let s = subscription(admin.token()).await;
    assert_eq!(s["plan"], "free");
    assert_eq!(s["status"], "canceled");
    assert_eq!(s["seats"], 5);
    t.get("/api/reports/compliance", admin.token())
        .await
        .expect_error(402, "PAYMENT_REQUIRED");
}

#[tokio::test]
async fn an_old_subscription_ending_leaves_the_new_one() {
    let admin = new_company().await;
    set_plan(&admin.company_id, "pro").await;
    // Stripe ends a subscription the company replaced earlier.
    let mut e = event(
        "customer.subscription.deleted",
        &admin.company_id,
        Some("basic"),
        now(),
    );
    e["data"]["object"]["id"] = json!("sub_replaced_long_ago");
    assert_eq!(deliver(&e).await.expect(200).body["outcome"], "stale");
    assert_eq!(subscription(admin.token()).await["plan"], "pro");
}

#[tokio::test]
async fn invoices_are_recorded_as_payments() {
    let t = app();
    let admin = new_company().await;
    set_plan(&admin.company_id, "pro").await;
    let paid = event("invoice.paid", &admin.company_id, None, now());
    assert_eq!(deliver(&paid).await.expect(200).body["outcome"], "applied");
    let failed = event("invoice.payment_failed", &admin.company_id, None, now());
    assert_eq!(
        deliver(&failed).await.expect(200).body["outcome"],
        "applied"
    );
    // Delivered twice: still one record each.
    assert_eq!(
        deliver(&paid).await.expect(200).body["outcome"],
        "duplicate"
    );

    let list = t.get("/api/payments", admin.token()).await.expect(200);
    let items = list.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{}", list.body);
    // Newest first: the failed renewal was created after the paid first invoice.
    assert_eq!(items[0]["status"], "failed");
    assert_eq!(items[0]["description"], "Invoice CAMPUS-0002");
    assert_eq!(items[0]["amountCents"], 49900);
    assert_eq!(items[1]["status"], "succeeded");
    assert_eq!(items[1]["kind"], "invoice");
    assert_eq!(items[1]["currency"], "eur");
    assert!(
        items[1]["invoiceUrl"]
            .as_str()
            .unwrap()
            .starts_with("https://")
    );

    let member = join(&admin, "manager").await;
    t.get("/api/payments", member.token())
        .await
        .expect_error(403, "FORBIDDEN");
    // Another company sees none of it.
    let other = new_company().await;
    let theirs = t.get("/api/payments", other.token()).await.expect(200);
    assert_eq!(theirs.body["items"], json!([]));
}

#[tokio::test]
async fn events_about_nothing_here_are_acknowledged() {
    let unknown = event(
        "checkout.session.completed",
        "01NOSUCHCOMPANY00000000000",
        Some("pro"),
        now(),
    );
    let r = deliver(&unknown).await.expect(200);
    assert_eq!(r.body["outcome"], "unknown_company");
    // Its mark makes a retry a duplicate, not a second look-up.
    assert_eq!(
        deliver(&unknown).await.expect(200).body["outcome"],
        "duplicate"
    );

    let other_type = event(
        "customer.created",
        "01NOSUCHCOMPANY00000000000",
        None,
        now(),
    );
    assert_eq!(
        deliver(&other_type).await.expect(200).body["outcome"],
        "ignored"
    );

    let payment = event(
        "payment_intent.succeeded",
        "01NOSUCHCOMPANY00000000000",
        None,
        now(),
    );
    assert_eq!(
        deliver(&payment).await.expect(200).body["outcome"],
        "unknown_payment"
    );
    let refund = event("charge.refunded", "01NOSUCHCOMPANY00000000000", None, now());
    assert_eq!(
        deliver(&refund).await.expect(200).body["outcome"],
        "unknown_payment"
    );
}

#[tokio::test]
async fn the_plan_gates_come_after_the_role() {
    let t = app();
    let admin = new_company().await;
    let participant = join(&admin, "participant").await;
    // Role first: a participant is refused whatever the plan.
    t.get("/api/reports/compliance", participant.token())
        .await
        .expect_error(403, "FORBIDDEN");
    t.get("/api/reports/compliance", None)
        .await
        .expect_error(401, "UNAUTHENTICATED");
    let r = t
        .get("/api/reports/dashboard", admin.token())
        .await
        .expect_error(402, "PAYMENT_REQUIRED");
    assert!(
        r.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("core"),
        "{}",
        r.body
    );
    // Everyone's own dashboard is never gated.
    t.get("/api/dashboard", participant.token())
        .await
        .expect(200);

    set_plan(&admin.company_id, "core").await;
    t.get("/api/reports/dashboard", admin.token())
        .await
        .expect(200);
    let r = t
        .get("/api/reports/export/users?format=json", admin.token())
        .await
        .expect_error(402, "PAYMENT_REQUIRED");
    assert!(r.body["error"]["message"].as_str().unwrap().contains("pro"));
    set_plan(&admin.company_id, "pro").await;
    t.get("/api/reports/export/users?format=json", admin.token())
        .await
        .expect(200);
}

#[tokio::test]
async fn seats_are_limited_by_the_plan() {
    let t = app();
    let admin = new_company().await;
    let mut members = Vec::new();
    for _ in 0..3 {
        members.push(join(&admin, "participant").await);
    }
    // Four of five seats taken: one invite left, and an admin-created user takes it.
    let created = t
        .post(
            "/api/users",
            admin.token(),
            json!({"email": unique_email("made"), "name": "Made By Admin", "role": "participant"}),
        )
        .await
        .expect(201);
    assert_eq!(subscription(admin.token()).await["seatsUsed"], 5);
    // Renaming the company leaves the seat count alone.
    let company = t.get("/api/company", admin.token()).await.expect(200);
    t.put(
        "/api/company",
        admin.token(),
        json!({"name": "Renamed", "version": company.body["version"]}),
    )
    .await
    .expect(200);
    assert_eq!(subscription(admin.token()).await["seatsUsed"], 5);

    t.post(
        "/api/company/invites",
        admin.token(),
        json!({"email": unique_email("sixth"), "role": "participant"}),
    )
    .await
    .expect_error(402, "PAYMENT_REQUIRED");
    t.post(
        "/api/users",
        admin.token(),
        json!({"email": unique_email("sixth"), "name": "Sixth", "role": "participant"}),
    )
    .await
    .expect_error(402, "PAYMENT_REQUIRED");

    // Removing a user gives the seat back.
    let id = created.body["id"].as_str().unwrap();
    t.delete(&format!("/api/users/{id}"), admin.token())
        .await
        .expect(204);
    assert_eq!(subscription(admin.token()).await["seatsUsed"], 4);
    join(&admin, "participant").await;
    assert_eq!(subscription(admin.token()).await["seatsUsed"], 5);

    // An upgrade opens seats at once.
    set_plan(&admin.company_id, "basic").await;
    join(&admin, "participant").await;
    let s = subscription(admin.token()).await;
    assert_eq!(
        (s["seats"].as_u64(), s["seatsUsed"].as_u64()),
        (Some(25), Some(6))
    );
}

#[tokio::test]
async fn an_invite_accepted_when_the_seats_are_gone_is_refused() {
    let t = app();
    let admin = new_company().await;
    // Five invites out while four seats are free: the fifth registration finds none.
    let mut invites = Vec::new();
    for _ in 0..5 {
        let email = unique_email("inv");
        let r = t
            .post(
                "/api/company/invites",
                admin.token(),
                json!({"email": email, "role": "participant"}),
            )
            .await
            .expect(201);
        invites.push((email, r.body["token"].as_str().unwrap().to_string()));
    }
    // All five register at once; exactly four get in.
    let regs = invites.iter().map(|(email, token)| {
        t.post(
            "/api/auth/register",
            None,
            json!({"email": email, "password": PASSWORD, "name": "Late", "inviteToken": token}),
        )
    });
    let results = futures_util::future::join_all(regs).await;
    let ok = results.iter().filter(|r| r.status == 201).count();
    let refused: Vec<_> = results.iter().filter(|r| r.status != 201).collect();
    assert_eq!(ok, 4, "{results:?}");
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0].status, 402, "{}", refused[0].body);
    assert_eq!(refused[0].error_code(), "PAYMENT_REQUIRED");
    let s = subscription(admin.token()).await;
    assert_eq!(
        (s["seats"].as_u64(), s["seatsUsed"].as_u64()),
        (Some(5), Some(5))
    );
}

#[tokio::test]
async fn without_stripe_configured_billing_answers_503() {
    use tower::ServiceExt;
    let admin = new_company().await;
    let mut settings = app().settings.clone();
    settings.remove("STRIPE_WEBHOOK_SECRET");
    settings.remove("STRIPE_SECRET_KEY");
    let state = campus_tests::function_state(&settings, "billing");
    let call = |router: axum::Router, req: http::Request<axum::body::Body>| async move {
        let res = router.oneshot(req).await.unwrap();
        let status = res.status().as_u16();
        let retry = res.headers().contains_key("retry-after");
        let body = axum::body::to_bytes(res.into_body(), 1 << 16)
            .await
            .unwrap();
        let body: Value = serde_json::from_slice(&body).unwrap();
        (status, retry, body["error"]["code"].clone())
    };
    let e = serde_json::to_vec(&event("customer.created", &admin.company_id, None, now())).unwrap();
    let sig = campus::stripe_signature::sign(&e, stripe::WEBHOOK_SECRET, now());
    let req = http::Request::post("/api/webhooks/stripe")
        .header("stripe-signature", sig)
        .body(axum::body::Body::from(e))
        .unwrap();
    let webhook =
        campus_stripe_webhook::router(campus_tests::function_state(&settings, "stripe-webhook"));
    assert_eq!(call(webhook, req).await, (503, true, json!("UNAVAILABLE")));
    let req = http::Request::post("/api/subscriptions")
        .header("authorization", format!("Bearer {}", admin.access))
        .header("content-type", "application/json")
        .body(axum::body::Body::from(
            json!({"plan": "pro", "successUrl": "http://localhost:5173/ok", "cancelUrl": "http://localhost:5173/no"}).to_string(),
        ))
        .unwrap();
    let billing = campus_billing::router(state);
    assert_eq!(call(billing, req).await, (503, true, json!("UNAVAILABLE")));
}

/// What a client gets when Stripe refuses or cannot be reached: a stand-in at the
/// configured Stripe address answers each refusal as Stripe does.
#[tokio::test]
async fn stripes_refusals_reach_the_client_as_the_contract_says() {
    let admin = new_company().await;
    // (Stripe's status and body, our status, code, Retry-After, words of the message)
    let cases = [
        (
            402,
            r#"{"error":{"type":"card_error","message":"Your card was declined."}}"#,
            402,
            "PAYMENT_REQUIRED",
            None,
            "Your card was declined.",
        ),
        (
            400,
            r#"{"error":{"type":"invalid_request_error","message":"Invalid currency: xyz"}}"#,
            409,
            "CONFLICT",
            None,
            "Invalid currency: xyz",
        ),
        (
            401,
            r#"{"error":{"type":"invalid_request_error","message":"Invalid API Key provided: sk_test_***"}}"#,
            503,
            "UNAVAILABLE",
            Some("60"),
            "",
        ),
        (500, "not JSON at all", 503, "UNAVAILABLE", Some("5"), ""),
    ];
    for (theirs, body, ours, code, retry, words) in cases {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let stand_in = axum::Router::new().fallback(move || async move {
            (
                http::StatusCode::from_u16(theirs).unwrap(),
                [("content-type", "application/json")],
                body,
            )
        });
        tokio::spawn(async move { axum::serve(listener, stand_in).await });
        let res = pay_with_stripe_at(addr, &admin.access).await;
        assert_eq!(res.status().as_u16(), ours, "Stripe answered {theirs}");
        assert_eq!(
            res.headers()
                .get("retry-after")
                .map(|v| v.to_str().unwrap().to_string())
                .as_deref(),
            retry,
            "Stripe answered {theirs}"
        );
        let answer: Value = serde_json::from_slice(
            &axum::body::to_bytes(res.into_body(), 1 << 16)
                .await
                .unwrap(),
        )
        .unwrap();
        assert_eq!(answer["error"]["code"], code, "{answer}");
        let message = answer["error"]["message"].as_str().unwrap();
        assert!(message.contains(words), "{message}");
        // Our key is never shown to the client.
        assert!(!message.contains("sk_"), "{message}");
    }
    // Nobody at Stripe's address: retry soon.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = closed.local_addr().unwrap();
    drop(closed);
    let res = pay_with_stripe_at(addr, &admin.access).await;
    assert_eq!(res.status().as_u16(), 503);
    assert!(res.headers().contains_key("retry-after"));
}

/// `POST /api/payments` as `token`, through a billing function that finds Stripe at
/// `addr`.
async fn pay_with_stripe_at(
    addr: std::net::SocketAddr,
    token: &str,
) -> http::Response<axum::body::Body> {
    use tower::ServiceExt;
    let mut settings = app().settings.clone();
    settings.insert("STRIPE_API_BASE".into(), format!("http://{addr}"));
    let billing = campus_billing::router(campus_tests::function_state(&settings, "billing"));
    let req = http::Request::post("/api/payments")
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .body(axum::body::Body::from(
            json!({"amountCents": 5000, "currency": "eur", "description": "Workshop seat"})
                .to_string(),
        ))
        .unwrap();
    billing.oneshot(req).await.unwrap()
}
