//! `/api/email` (admin): SES's state, the outbox's status, clearing it, and mail sent
//! on request. The only sweep of this binary's table runs in `the_queue_...`.

use campus::db::keys;
use campus_mailer::Outcome;
use campus_tests::{app, course_with_lessons, join, mailer, new_company, received, unique_email};
use serde_json::{Value, json};

#[tokio::test]
async fn test_connection_reports_ses_and_the_sender() {
    let t = app();
    let admin = new_company().await;
    let r = t
        .get("/api/email/test-connection", admin.token())
        .await
        .expect(200);
    assert_eq!(r.body["reachable"], true, "{}", r.body);
    assert_eq!(r.body["senderVerified"], true);
    assert_eq!(r.body["sender"], "no-reply@campus.local");
    let manager = join(&admin, "manager").await;
    t.get("/api/email/test-connection", manager.token())
        .await
        .expect_error(403, "FORBIDDEN");
    t.get("/api/email/test-connection", None)
        .await
        .expect_error(401, "UNAUTHENTICATED");
}

async fn status(admin: &campus_tests::Account) -> Value {
    app()
        .get("/api/email/queue-status", admin.token())
        .await
        .expect(200)
        .body
}

#[tokio::test]
async fn the_queue_shows_pending_sent_and_failed_mail_and_clears() {
    let t = app();
    let admin = new_company().await;
    let to = unique_email("test-mail");
    let queued = t
        .post("/api/email/send-test", admin.token(), json!({"to": to}))
        .await
        .expect(202);
    let id = queued.body["mailId"].as_str().unwrap().to_string();
    // The admin's welcome mail and the test mail.
    let s = status(&admin).await;
    assert_eq!(
        (s["pending"].clone(), s["failed"].clone()),
        (json!(2), json!(0))
    );

    // The test mail fails for good (an unverified sender, one attempt).
    let failing = mailer(&[
        ("MAIL_FROM", "x@unverified.example"),
        ("MAIL_MAX_ATTEMPTS", "1"),
    ]);
    let outcome = failing
        .deliver(&keys::outbox(&admin.company_id, &id))
        .await
        .unwrap();
    assert_eq!(outcome, Outcome::Failed);
    // The welcome mail goes out.
    mailer(&[]).sweep().await.unwrap();
    let s = status(&admin).await;
    assert_eq!(s["pending"], 0, "{s}");
    assert_eq!(s["failed"], 1);
    assert_eq!(s["sentLast24h"], 1);
    assert_eq!(s["recentFailures"][0]["id"], id.as_str());
    assert!(
        s["recentFailures"][0]["lastError"]
            .as_str()
            .unwrap()
            .contains("MessageRejected")
    );
    assert!(received(&to).await.is_empty());
    assert_eq!(received(&admin.email).await.len(), 1);

    let r = t
        .post("/api/email/queue-clear", admin.token(), json!({}))
        .await
        .expect(200);
    assert_eq!(r.body["cleared"], 1);
    let s = status(&admin).await;
    assert_eq!(
        (s["failed"].clone(), s["sentLast24h"].clone()),
        (json!(0), json!(1))
    );

    // Another company's outbox is its own.
    let other = new_company().await;
    assert_eq!(status(&other).await["failed"], 0);
}

#[tokio::test]
async fn welcome_and_certificate_mail_on_request() {
    let t = app();
    let admin = new_company().await;
    let user = join(&admin, "participant").await;
    let stranger = new_company().await;
    let r = t
        .post(
            &format!("/api/email/send-welcome/{}", user.user_id),
            admin.token(),
            json!({}),
        )
        .await
        .expect(202);
    assert!(r.body["mailId"].is_string());
    t.post(
        &format!("/api/email/send-welcome/{}", user.user_id),
        stranger.token(),
        json!({}),
    )
    .await
    .expect_error(404, "NOT_FOUND");
    t.post("/api/email/send-welcome/nobody", admin.token(), json!({}))
        .await
        .expect_error(404, "NOT_FOUND");

    let (course, lessons) = course_with_lessons(&admin, "Mail course", "published", 1).await;
    t.post(
        "/api/progress/event",
        user.token(),
        json!({"courseId": course, "lessonId": lessons[0], "type": "lesson_completed"}),
    )
    .await
    .expect(200);
    let certs = t.get("/api/certificates", user.token()).await.expect(200);
    let cert = certs.body["items"][0]["id"].as_str().unwrap().to_string();
    t.post(
        "/api/email/send-certificate",
        admin.token(),
        json!({"certificateId": cert}),
    )
    .await
    .expect(202);
    t.post(
        "/api/email/send-certificate",
        stranger.token(),
        json!({"certificateId": cert}),
    )
    .await
    .expect_error(404, "NOT_FOUND");
    t.put(
        "/api/notifications/preferences",
        user.token(),
        json!({"certificate_issued": {"inApp": true, "email": false}}),
    )
    .await
    .expect(200);
    t.post(
        "/api/email/send-certificate",
        admin.token(),
        json!({"certificateId": cert}),
    )
    .await
    .expect_error(409, "CONFLICT");

    for (path, body) in [
        ("/api/email/send-test", json!({"to": "not-an-address"})),
        ("/api/email/send-test", json!({})),
        ("/api/email/send-certificate", json!({"certificateId": ""})),
    ] {
        t.post(path, admin.token(), body)
            .await
            .expect_error(400, "VALIDATION_FAILED");
    }
    t.post(
        "/api/email/send-test",
        user.token(),
        json!({"to": "a@example.com"}),
    )
    .await
    .expect_error(403, "FORBIDDEN");
}

#[tokio::test]
async fn every_email_route_is_for_admins_only() {
    let t = app();
    let admin = new_company().await;
    let manager = join(&admin, "manager").await;
    let gets = ["/api/email/test-connection", "/api/email/queue-status"];
    let posts = [
        ("/api/email/send-test", json!({"to": "a@example.com"})),
        ("/api/email/queue-clear", json!({})),
        (
            &*format!("/api/email/send-welcome/{}", admin.user_id),
            json!({}),
        ),
        ("/api/email/send-certificate", json!({"certificateId": "x"})),
        ("/api/email/send-deadline-reminders", json!({})),
        ("/api/email/send-team-reports", json!({})),
    ];
    for path in gets {
        t.get(path, manager.token())
            .await
            .expect_error(403, "FORBIDDEN");
        t.get(path, None).await.expect_error(401, "UNAUTHENTICATED");
    }
    for (path, body) in posts.iter() {
        t.post(path, manager.token(), body.clone())
            .await
            .expect_error(403, "FORBIDDEN");
        t.post(path, None, body.clone())
            .await
            .expect_error(401, "UNAUTHENTICATED");
    }
}
