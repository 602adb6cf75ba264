//! `/api/checkins`: create, the company's active ones, the caller's own, delete.

use campus_tests::{app, join, new_company};
use serde_json::{Value, json};

fn ids(v: &Value) -> Vec<String> {
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect()
}

fn in_hours(h: i64) -> String {
    (time::OffsetDateTime::now_utc() + time::Duration::hours(h))
        .replace_nanosecond(0)
        .unwrap()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap()
}

#[tokio::test]
async fn check_ins_are_shared_with_the_company_while_they_last() {
    let t = app();
    let admin = new_company().await;
    let user = join(&admin, "participant").await;
    let stranger = new_company().await;

    let first = t
        .post(
            "/api/checkins",
            user.token(),
            json!({"location": "Library"}),
        )
        .await
        .expect(201);
    assert_eq!(first.body["userName"], "A participant");
    let until = time::OffsetDateTime::parse(
        first.body["availableUntil"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    let hours = (until - time::OffsetDateTime::now_utc()).whole_minutes();
    assert!(
        (235..=240).contains(&hours),
        "four hours by default: {hours} min"
    );
    let second = t
        .post(
            "/api/checkins",
            admin.token(),
            json!({"location": "Room 2", "message": "Office hours", "availableUntil": in_hours(1)}),
        )
        .await
        .expect(201);
    let (a, b) = (
        first.body["id"].as_str().unwrap().to_string(),
        second.body["id"].as_str().unwrap().to_string(),
    );

    let all = t.get("/api/checkins", user.token()).await.expect(200);
    assert_eq!(ids(&all.body), vec![b.clone(), a.clone()], "newest first");
    let page = t
        .get("/api/checkins?limit=1", user.token())
        .await
        .expect(200);
    assert_eq!(ids(&page.body), vec![b.clone()]);
    let cursor = page.body["nextCursor"].as_str().unwrap().to_string();
    let rest = t
        .get(
            &format!("/api/checkins?limit=1&cursor={cursor}"),
            user.token(),
        )
        .await
        .expect(200);
    assert_eq!(ids(&rest.body), vec![a.clone()]);
    assert_eq!(rest.body["nextCursor"], Value::Null);
    let later = t
        .get("/api/checkins?since=2099-01-01", user.token())
        .await
        .expect(200);
    assert!(ids(&later.body).is_empty());
    let none = t.get("/api/checkins", stranger.token()).await.expect(200);
    assert!(ids(&none.body).is_empty(), "another company sees none");

    let mine = t.get("/api/checkins/me", user.token()).await.expect(200);
    assert_eq!(ids(&mine.body), vec![a.clone()]);

    // Only its author ends a check-in; another company's id is not there.
    t.delete(&format!("/api/checkins/{a}"), admin.token())
        .await
        .expect_error(403, "FORBIDDEN");
    t.delete(&format!("/api/checkins/{a}"), stranger.token())
        .await
        .expect_error(404, "NOT_FOUND");
    t.delete(&format!("/api/checkins/{a}"), user.token())
        .await
        .expect(204);
    t.delete(&format!("/api/checkins/{a}"), user.token())
        .await
        .expect_error(404, "NOT_FOUND");
    let all = t.get("/api/checkins", user.token()).await.expect(200);
    assert_eq!(ids(&all.body), vec![b]);
}

#[tokio::test]
async fn bad_check_ins_are_4xx() {
    let t = app();
    let admin = new_company().await;
    for (body, field) in [
        (json!({"location": "  "}), "location"),
        (json!({}), "location"),
        (json!({"location": "x".repeat(201)}), "location"),
        (
            json!({"location": "Hall", "availableUntil": "2001-01-01T00:00:00Z"}),
            "availableUntil",
        ),
        (
            json!({"location": "Hall", "availableUntil": in_hours(30)}),
            "availableUntil",
        ),
        (
            json!({"location": "Hall", "availableUntil": "tonight"}),
            "availableUntil",
        ),
        (json!({"location": "Hall", "mood": "happy"}), "mood"),
    ] {
        let r = t
            .post("/api/checkins", admin.token(), body)
            .await
            .expect_error(400, "VALIDATION_FAILED");
        assert!(
            r.body["error"]["details"].to_string().contains(field),
            "{}",
            r.body
        );
    }
    t.get("/api/checkins?since=whenever", admin.token())
        .await
        .expect_error(400, "VALIDATION_FAILED");
    t.get("/api/checkins", None)
        .await
        .expect_error(401, "UNAUTHENTICATED");
}
