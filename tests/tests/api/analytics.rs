//! Analytics through HTTP: single and batched events (202), counts per day and name,
//! unique users and sessions; managers read; companies apart.

use campus_tests::{app, join, new_company};
use serde_json::json;

#[tokio::test]
async fn events_are_counted_per_day_and_name() {
    let t = app();
    let admin = new_company().await;
    let a = join(&admin, "participant").await;
    let b = join(&admin, "participant").await;
    let r = t
        .post(
            "/api/analytics/event",
            a.token(),
            json!({"name": "lesson.opened", "sessionId": "a-1", "properties": {"lesson": "x"}}),
        )
        .await
        .expect(202);
    assert_eq!(r.body["accepted"], 1);
    let events: Vec<_> = (0..60)
        .map(|i| json!({"name": if i % 3 == 0 { "search.used" } else { "lesson.opened" }, "sessionId": format!("b-{}", i % 2)}))
        .collect();
    let r = t
        .post("/api/analytics/event", b.token(), json!({"events": events}))
        .await
        .expect(202);
    assert_eq!(r.body["accepted"], 60);

    let s = t.get("/api/analytics", admin.token()).await.expect(200);
    assert_eq!(s.body["total"], 61);
    assert_eq!(s.body["uniqueUsers"], 2);
    assert_eq!(s.body["sessions"], 3);
    let today = time::OffsetDateTime::now_utc().date().to_string();
    assert_eq!(
        s.body["byDay"],
        json!([{"day": today, "count": 61, "uniqueUsers": 2, "sessions": 3}])
    );
    assert_eq!(
        s.body["byName"],
        json!([{"name": "lesson.opened", "count": 41, "uniqueUsers": 2}, {"name": "search.used", "count": 20, "uniqueUsers": 1}])
    );
    let one = t
        .get("/api/analytics?name=search.used", admin.token())
        .await
        .expect(200);
    assert_eq!(one.body["total"], 20);
    let before = t
        .get(
            "/api/analytics?from=2020-01-01&to=2020-01-31",
            admin.token(),
        )
        .await
        .expect(200);
    assert_eq!(before.body["total"], 0);

    // Managers read; others' companies see nothing of it.
    t.get("/api/analytics", a.token())
        .await
        .expect_error(403, "FORBIDDEN");
    let other = new_company().await;
    let theirs = t.get("/api/analytics", other.token()).await.expect(200);
    assert_eq!(theirs.body["total"], 0);
}

#[tokio::test]
async fn bad_events_are_refused_whole() {
    let t = app();
    let admin = new_company().await;
    let too_many: Vec<_> = (0..101).map(|_| json!({"name": "x"})).collect();
    for body in [
        json!({"events": too_many}),
        json!({"events": []}),
        json!({"name": ""}),
        json!({"name": "has space"}),
        json!({"name": "x", "colour": "red"}),
        json!({"events": [{"name": "ok"}, {"name": "not ok!"}]}),
        json!([1, 2]),
    ] {
        let r = t
            .post("/api/analytics/event", admin.token(), body.clone())
            .await;
        assert_eq!(r.status, 400, "{body}: {}", r.body);
        r.error_code();
    }
    // Nothing of the refused batches was counted.
    let s = t.get("/api/analytics", admin.token()).await.expect(200);
    assert_eq!(s.body["total"], 0);
    for q in [
        "from=2026-13-01",
        "from=2026-02-02&to=2026-01-01",
        "from=2020-01-01&to=2026-01-01",
    ] {
        t.get(&format!("/api/analytics?{q}"), admin.token())
            .await
            .expect_error(400, "VALIDATION_FAILED");
    }
    t.post("/api/analytics/event", None, json!({"name": "x"}))
        .await
        .expect_error(401, "UNAUTHENTICATED");
}
