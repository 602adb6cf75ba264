//! `/api/notifications`: the inbox, preferences honoured by every sender, and
//! sending to one user or many.

use campus_tests::{
    Account, app, course_with_lessons, join, new_company, outbox_mails, team_led_by,
};
use serde_json::{Value, json};

fn s(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_string()
}

/// How many mails of `template` to `to` wait in the company's outbox.
async fn mails(company_id: &str, to: &str, template: &str) -> usize {
    outbox_mails(company_id, to, template).await.len()
}

async fn inbox(who: &Account, query: &str) -> Vec<Value> {
    app()
        .get(&format!("/api/notifications{query}"), who.token())
        .await
        .expect(200)
        .body["items"]
        .as_array()
        .unwrap()
        .clone()
}

fn note(user: &Account, title: &str, channels: Value) -> Value {
    json!({"userId": user.user_id, "type": "announcement", "title": title,
        "body": "Please read the new policy.", "link": "/policies/7", "channels": channels})
}

#[tokio::test]
async fn preferences_default_on_and_change_per_type() {
    let t = app();
    let admin = new_company().await;
    let prefs = t
        .get("/api/notifications/preferences", admin.token())
        .await
        .expect(200);
    assert_eq!(
        prefs.body["course_assigned"],
        json!({"inApp": true, "email": true})
    );
    let r = t
        .put(
            "/api/notifications/preferences",
            admin.token(),
            json!({"announcement": {"inApp": true, "email": false}}),
        )
        .await
        .expect(200);
    assert_eq!(r.body["announcement"]["email"], false);
    assert_eq!(
        r.body["certificate_issued"]["email"], true,
        "others untouched"
    );
    // The same through the list route.
    let by_query = t
        .get("/api/notifications?preferences=true", admin.token())
        .await
        .expect(200);
    assert_eq!(by_query.body, r.body);
    let r = t
        .put(
            "/api/notifications?preferences=true",
            admin.token(),
            json!({"team_report": {"inApp": false, "email": false}}),
        )
        .await
        .expect(200);
    assert_eq!(r.body["announcement"]["email"], false, "kept");
    assert_eq!(r.body["team_report"]["inApp"], false);

    for (path, body) in [
        (
            "/api/notifications/preferences",
            json!({"party": {"inApp": true, "email": true}}),
        ),
        (
            "/api/notifications/preferences",
            json!({"announcement": {"inApp": "yes", "email": true}}),
        ),
        (
            "/api/notifications/preferences",
            json!({"announcement": {"inApp": true}}),
        ),
        ("/api/notifications/preferences", json!([1, 2])),
        (
            "/api/notifications",
            json!({"announcement": {"inApp": true, "email": true}}),
        ),
    ] {
        t.put(path, admin.token(), body)
            .await
            .expect_error(400, "VALIDATION_FAILED");
    }
}

#[tokio::test]
async fn managers_send_and_preferences_decide_the_channels() {
    let t = app();
    let admin = new_company().await;
    let manager = join(&admin, "manager").await;
    let user = join(&admin, "participant").await;
    let stranger = new_company().await;

    let r = t
        .post(
            "/api/notifications",
            manager.token(),
            note(&user, "Policy update", json!(["inApp", "email"])),
        )
        .await
        .expect(201);
    assert_eq!(r.body, json!({"recipients": 1, "inApp": 1, "email": 1}));
    assert_eq!(
        mails(&admin.company_id, &user.email, "notification").await,
        1
    );

    // The user turns announcement mail off: the next one is in-app only.
    t.put(
        "/api/notifications/preferences",
        user.token(),
        json!({"announcement": {"inApp": true, "email": false}}),
    )
    .await
    .expect(200);
    let r = t
        .post(
            "/api/notifications",
            manager.token(),
            note(&user, "Second", json!(["inApp", "email"])),
        )
        .await
        .expect(201);
    assert_eq!(r.body["email"], 0);
    assert_eq!(
        mails(&admin.company_id, &user.email, "notification").await,
        1
    );

    let items = inbox(&user, "").await;
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["title"], "Second", "newest first");
    assert_eq!(items[0]["read"], false);
    assert_eq!(items[0]["link"], "/policies/7");

    for (who, body, status, code) in [
        (
            &user,
            note(&admin, "Up", json!(["inApp"])),
            403,
            "FORBIDDEN",
        ),
        (
            &manager,
            note(&stranger, "X", json!(["inApp"])),
            400,
            "VALIDATION_FAILED",
        ),
        (
            &manager,
            json!({"userId": user.user_id, "type": "gossip", "title": "t", "body": "b"}),
            400,
            "VALIDATION_FAILED",
        ),
        (
            &manager,
            json!({"userId": user.user_id, "type": "announcement", "title": " ", "body": "b"}),
            400,
            "VALIDATION_FAILED",
        ),
        (
            &manager,
            json!({"userId": user.user_id, "type": "announcement", "title": "t", "body": "b", "channels": ["pigeon"]}),
            400,
            "VALIDATION_FAILED",
        ),
        (
            &manager,
            json!({"userIds": [user.user_id], "type": "announcement", "title": "t", "body": "b"}),
            400,
            "VALIDATION_FAILED",
        ),
        (
            &manager,
            json!({"type": "announcement", "title": "t", "body": "b"}),
            400,
            "VALIDATION_FAILED",
        ),
    ] {
        t.post("/api/notifications", who.token(), body)
            .await
            .expect_error(status, code);
    }
}

#[tokio::test]
async fn the_inbox_reads_marks_counts_and_deletes() {
    let t = app();
    let admin = new_company().await;
    let user = join(&admin, "participant").await;
    let other = join(&admin, "participant").await;
    let stranger = new_company().await;
    for title in ["One", "Two", "Three"] {
        t.post(
            "/api/notifications",
            admin.token(),
            note(&user, title, json!(["inApp"])),
        )
        .await
        .expect(201);
    }
    let items = inbox(&user, "").await;
    let (three, two) = (s(&items[0]["id"]), s(&items[1]["id"]));
    let r = t
        .post(
            &format!("/api/notifications/{three}/read"),
            user.token(),
            json!({}),
        )
        .await
        .expect(200);
    assert_eq!(r.body["read"], true);
    t.put(
        &format!("/api/notifications/{two}/read"),
        user.token(),
        json!({}),
    )
    .await
    .expect(200);
    assert_eq!(inbox(&user, "?unread=true").await.len(), 1);
    assert_eq!(inbox(&user, "?type=course_assigned").await.len(), 0);
    let stats = t
        .get("/api/notifications/stats", user.token())
        .await
        .expect(200);
    assert_eq!(
        stats.body,
        json!({"total": 3, "unread": 1, "byType": {"announcement": 3}})
    );

    // Someone else's notification is not there for them, in or out of the company.
    for who in [&other, &stranger] {
        t.post(
            &format!("/api/notifications/{three}/read"),
            who.token(),
            json!({}),
        )
        .await
        .expect_error(404, "NOT_FOUND");
        t.delete(&format!("/api/notifications/{three}"), who.token())
            .await
            .expect_error(404, "NOT_FOUND");
    }
    let r = t
        .post("/api/notifications/mark-all-read", user.token(), json!({}))
        .await
        .expect(200);
    assert_eq!(r.body["updated"], 1);
    let r = t
        .put("/api/notifications/read-all", user.token(), json!({}))
        .await
        .expect(200);
    assert_eq!(r.body["updated"], 0);
    t.delete(&format!("/api/notifications/{three}"), user.token())
        .await
        .expect(204);
    t.delete(&format!("/api/notifications/{three}"), user.token())
        .await
        .expect_error(404, "NOT_FOUND");
    assert_eq!(inbox(&user, "").await.len(), 2);
    t.get("/api/notifications?unread=maybe", user.token())
        .await
        .expect_error(400, "VALIDATION_FAILED");
    t.get("/api/notifications", None)
        .await
        .expect_error(401, "UNAUTHENTICATED");
}

#[tokio::test]
async fn bulk_reaches_users_teams_departments_and_everyone() {
    let t = app();
    let admin = new_company().await;
    let manager = join(&admin, "manager").await;
    let a = join(&admin, "participant").await;
    let b = join(&admin, "participant").await;
    let team = team_led_by(&manager, &[&a, &b]).await;
    let body = |target: Value| {
        let mut v = json!({"type": "announcement", "title": "Hello", "body": "All well?"});
        for (k, x) in target.as_object().unwrap() {
            v[k] = x.clone();
        }
        v
    };
    let r = t
        .post(
            "/api/notifications/bulk",
            manager.token(),
            body(json!({"teamId": team})),
        )
        .await
        .expect(201);
    // The team is its lead and two members.
    assert_eq!(r.body, json!({"recipients": 3, "inApp": 3, "email": 0}));
    let r = t
        .post(
            "/api/notifications/bulk",
            manager.token(),
            body(json!({"all": true, "channels": ["email"]})),
        )
        .await
        .expect(201);
    assert_eq!(r.body, json!({"recipients": 4, "inApp": 0, "email": 4}));
    let r = t
        .post(
            "/api/notifications/bulk",
            manager.token(),
            body(json!({"userIds": [a.user_id], "teamId": team})),
        )
        .await
        .expect(201);
    assert_eq!(
        r.body["recipients"], 3,
        "named and team members counted once"
    );
    assert_eq!(inbox(&a, "").await.len(), 2);

    for (who, target, status) in [
        (&a, json!({"all": true}), 403),
        (&manager, json!({"departmentId": "01NOSUCHDEPT"}), 400),
        (&manager, json!({"teamId": "01NOSUCHTEAM"}), 400),
        (&manager, json!({"userIds": ["01NOSUCHUSER"]}), 400),
        (&manager, json!({}), 400),
        (&manager, json!({"userId": a.user_id}), 400),
    ] {
        t.post("/api/notifications/bulk", who.token(), body(target))
            .await
            .expect(status);
    }
}

#[tokio::test]
async fn assignments_and_certificates_honour_preferences() {
    let t = app();
    let admin = new_company().await;
    let quiet = join(&admin, "participant").await;
    let loud = join(&admin, "participant").await;
    t.put(
        "/api/notifications/preferences",
        quiet.token(),
        json!({"course_assigned": {"inApp": false, "email": false},
            "certificate_issued": {"inApp": true, "email": false}}),
    )
    .await
    .expect(200);
    let (course, lessons) = course_with_lessons(&admin, "Quiet course", "published", 1).await;
    t.post(
        "/api/team/assign-course",
        admin.token(),
        json!({"courseId": course, "userIds": [quiet.user_id, loud.user_id]}),
    )
    .await
    .expect(200);
    assert_eq!(
        mails(&admin.company_id, &quiet.email, "course_assigned").await,
        0
    );
    assert_eq!(
        mails(&admin.company_id, &loud.email, "course_assigned").await,
        1
    );
    assert!(inbox(&quiet, "?type=course_assigned").await.is_empty());
    assert_eq!(inbox(&loud, "?type=course_assigned").await.len(), 1);

    for who in [&quiet, &loud] {
        t.post(
            "/api/progress/event",
            who.token(),
            json!({"courseId": course, "lessonId": lessons[0], "type": "lesson_completed"}),
        )
        .await
        .expect(200);
    }
    assert_eq!(
        mails(&admin.company_id, &quiet.email, "certificate_issued").await,
        0
    );
    assert_eq!(
        mails(&admin.company_id, &loud.email, "certificate_issued").await,
        1
    );
    assert_eq!(inbox(&quiet, "?type=certificate_issued").await.len(), 1);
}

#[tokio::test]
async fn a_notification_link_is_https_to_a_public_host_or_a_frontend_path() {
    let t = app();
    let admin = new_company().await;
    let user = join(&admin, "participant").await;
    let send = |link: &str| {
        json!({"userId": user.user_id, "type": "announcement", "title": "Hi",
            "body": "There", "link": link})
    };
    for bad in [
        "javascript:alert(1)",
        "data:text/html,x",
        "http://example.com/x",
        "https://169.254.169.254/",
        "//evil.example/x",
    ] {
        let r = t
            .post("/api/notifications", admin.token(), send(bad))
            .await
            .expect_error(400, "VALIDATION_FAILED");
        assert!(r.body["error"]["details"]["link"].is_string(), "{bad}");
    }
    for good in ["/courses/abc", "https://docs.example.com/guide"] {
        t.post("/api/notifications", admin.token(), send(good))
            .await
            .expect(201);
    }
    let inbox = t.get("/api/notifications", user.token()).await.expect(200);
    let links: Vec<&str> = inbox.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| n["link"].as_str())
        .collect();
    assert!(links.contains(&"/courses/abc"), "{links:?}");
    assert!(
        !links.iter().any(|l| l.starts_with("javascript")),
        "{links:?}"
    );
}
