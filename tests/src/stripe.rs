//! Stripe's side of billing in tests: the events of `events/stripe/`, made about a
//! test's own company and signed the way Stripe signs them.

use serde_json::{Value, json};

use crate::{Resp, app};

pub const WEBHOOK_SECRET: &str = "whsec_test_campus_webhook_secret";

/// A fixture from `events/stripe/` (a real Stripe event body).
pub fn fixture(name: &str) -> Value {
    let path = format!(
        "{}/../events/stripe/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).expect("fixture is JSON")
}

pub fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// The fixture `name` as a new event (its own id) created at `created`, about
/// `company_id`: its object's `metadata.companyId`, and `metadata.plan` if given.
pub fn event(name: &str, company_id: &str, plan: Option<&str>, created: i64) -> Value {
    let mut e = fixture(name);
    e["id"] = json!(format!("evt_{}", ulid::Ulid::generate()));
    e["created"] = json!(created);
    let object = &mut e["data"]["object"];
    for meta in ["/metadata", "/parent/subscription_details/metadata"] {
        if let Some(m) = object.pointer_mut(meta) {
            m["companyId"] = json!(company_id);
            if let Some(p) = plan {
                m["plan"] = json!(p);
            }
        }
    }
    // One customer and one subscription per company, as Stripe would have them.
    let customer = format!("cus_{company_id}");
    for field in ["customer"] {
        if object.get(field).is_some_and(|v| v.is_string()) {
            object[field] = json!(customer);
        }
    }
    if object.get("subscription").is_some_and(|v| v.is_string()) {
        object["subscription"] = json!(format!("sub_{company_id}"));
    }
    if object["object"] == "subscription" {
        object["id"] = json!(format!("sub_{company_id}"));
        if let Some(p) = plan
            && let Some(price) = object.pointer_mut("/items/data/0/price")
        {
            price["lookup_key"] = json!(format!("campus_{p}"));
            price["id"] = json!(format!("price_{p}"));
        }
    }
    e
}

/// Posts `body` to the webhook with `signature` as `Stripe-Signature`, if any.
pub async fn deliver_raw(body: &[u8], signature: Option<&str>) -> Resp {
    let t = app();
    let mut req = t
        .client
        .post(t.url("/api/webhooks/stripe"))
        .header("content-type", "application/json")
        .body(body.to_vec());
    if let Some(s) = signature {
        req = req.header("stripe-signature", s);
    }
    t.send(req).await
}

/// Delivers `event` signed now, as Stripe would.
pub async fn deliver(event: &Value) -> Resp {
    let body = serde_json::to_vec(event).expect("event");
    let sig = campus::stripe_signature::sign(&body, WEBHOOK_SECRET, now());
    deliver_raw(&body, Some(&sig)).await
}

/// Puts a company on `plan` the way production does: Stripe tells the webhook that
/// its subscription is active on that plan's price.
pub async fn set_plan(company_id: &str, plan: &str) {
    let mut e = event(
        "customer.subscription.updated",
        company_id,
        Some(plan),
        now(),
    );
    e["data"]["object"]["cancel_at_period_end"] = json!(false);
    e["data"]["object"]["cancel_at"] = Value::Null;
    let r = deliver(&e).await.expect(200);
    assert_eq!(r.body["outcome"], "applied", "{}", r.body);
}

/// localstripe, as `make test` started it.
pub fn localstripe() -> String {
    std::env::var("LOCALSTRIPE_URL").expect(
        "LOCALSTRIPE_URL is not set: run the tests with `make test`, which starts localstripe",
    )
}

/// A call to localstripe as Stripe.js or Stripe's dashboard would make it.
pub async fn localstripe_call(method: &str, path: &str, form: &[(&str, &str)]) -> Value {
    let req = app()
        .client
        .request(
            method.parse().expect("method"),
            format!("{}{path}", localstripe()),
        )
        .basic_auth("sk_test_campus_local", Some(""))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(serde_urlencoded::to_string(form).expect("form"));
    let res = req.send().await.expect("localstripe answers");
    let status = res.status();
    let body: Value = res.json().await.expect("localstripe answers JSON");
    assert!(
        status.is_success(),
        "localstripe {method} {path}: {status} {body}"
    );
    body
}

/// Has localstripe deliver its events (those it sends: `payment_intent.succeeded`)
/// to this API's webhook, signed with the webhook's secret.
pub async fn localstripe_sends_events_here() {
    let t = app();
    let url = format!("{}/api/webhooks/stripe", t.base);
    let res = t
        .client
        .post(format!(
            "{}/_config/webhooks/{}",
            localstripe(),
            t.base.replace([':', '/', '.'], "")
        ))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(
            serde_urlencoded::to_string([("url", url.as_str()), ("secret", WEBHOOK_SECRET)])
                .expect("form"),
        )
        .send()
        .await
        .expect("localstripe answers");
    assert!(
        res.status().is_success(),
        "webhook registration: {}",
        res.status()
    );
}

/// Polls `path` (as `token`) until `done` holds of its body, for up to 10 seconds:
/// Stripe's events arrive after the call that caused them has answered.
pub async fn eventually(path: &str, token: Option<&str>, done: impl Fn(&Value) -> bool) -> Value {
    let until = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let r = app().get(path, token).await.expect(200);
        if done(&r.body) {
            return r.body;
        }
        assert!(
            std::time::Instant::now() < until,
            "{path} never got there: {}",
            r.body
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}
