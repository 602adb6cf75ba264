//! `/api/progress`: lesson events, percent, completion with its certificate.

use campus::{
    db::{Filter, PageAt, lists},
    model::Mail,
};
use campus_tests::{app, course_with_lessons, join, new_company};
use serde_json::{Value, json};

fn event(course: &str, lesson: &str, kind: &str) -> Value {
    json!({"courseId": course, "lessonId": lesson, "type": kind})
}

#[tokio::test]
async fn events_move_progress_and_the_last_lesson_completes_with_a_certificate() {
    let t = app();
    let admin = new_company().await;
    let learner = join(&admin, "participant").await;
    let (course, lessons) = course_with_lessons(&admin, "Fire Safety", "published", 3).await;
    t.post(
        "/api/team/assign-course",
        admin.token(),
        json!({"courseId": course, "userIds": [learner.user_id], "dueDate": "2099-01-31"}),
    )
    .await
    .expect(200);

    let r = t
        .get(&format!("/api/progress/{course}"), learner.token())
        .await
        .expect(200);
    assert_eq!(r.body["status"], "not_started");
    assert_eq!(r.body["totalLessons"], 3);
    assert_eq!(r.body["dueDate"], "2099-01-31T23:59:59Z");

    let r = t
        .post(
            "/api/progress/event",
            learner.token(),
            event(&course, &lessons[0], "lesson_started"),
        )
        .await
        .expect(200);
    assert_eq!(r.body["status"], "in_progress");
    assert_eq!(r.body["percent"], 0);

    let r = t
        .post(
            "/api/progress/event",
            learner.token(),
            event(&course, &lessons[0], "lesson_completed"),
        )
        .await
        .expect(200);
    assert_eq!(r.body["percent"], 33);
    assert_eq!(r.body["completedLessons"], 1);
    let first_activity = r.body["lastActivityAt"].clone();
    // The same lesson again counts once and changes nothing.
    let again = t
        .post(
            "/api/progress/event",
            learner.token(),
            event(&course, &lessons[0], "lesson_completed"),
        )
        .await
        .expect(200);
    assert_eq!(again.body["percent"], 33);
    assert_eq!(again.body["completedLessons"], 1);
    assert_eq!(again.body["lastActivityAt"], first_activity);

    // A learner cannot grade themselves: a client score or `quiz_submitted` is
    // refused and changes nothing. The path form takes the same body.
    for body in [
        json!({"lessonId": lessons[1], "type": "quiz_submitted"}),
        json!({"lessonId": lessons[1], "type": "lesson_completed", "score": 100}),
        json!({"lessonId": lessons[1], "type": "lesson_started", "score": 0}),
    ] {
        let r = t
            .post(
                &format!("/api/progress/{course}"),
                learner.token(),
                body.clone(),
            )
            .await
            .expect_error(400, "VALIDATION_FAILED");
        let field = if body.get("score").is_some() {
            "score"
        } else {
            "type"
        };
        assert!(r.body["error"]["details"][field].is_string(), "{}", r.body);
    }
    let r = t
        .post(
            &format!("/api/progress/{course}"),
            learner.token(),
            json!({"lessonId": lessons[1], "type": "lesson_completed"}),
        )
        .await
        .expect(200);
    assert_eq!(r.body["percent"], 66);
    let r = t
        .post(
            "/api/progress/event",
            learner.token(),
            event(&course, &lessons[2], "lesson_completed"),
        )
        .await
        .expect(200);
    assert_eq!(r.body["status"], "completed");
    assert_eq!(r.body["percent"], 100);
    assert!(r.body["completedAt"].is_string());
    assert_eq!(r.body["overdue"], false);

    // Completed stays completed.
    t.post(
        "/api/progress/event",
        learner.token(),
        event(&course, &lessons[0], "lesson_started"),
    )
    .await
    .expect(200);
    let me = t.get("/api/progress/me", learner.token()).await.expect(200);
    let items = me.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["status"], "completed");
    assert_eq!(items[0]["courseTitle"], "Fire Safety");

    // Exactly one certificate, with its notification and mail.
    let certs = t
        .get("/api/certificates", learner.token())
        .await
        .expect(200);
    let certs = certs.body["items"].as_array().unwrap().clone();
    assert_eq!(certs.len(), 1);
    assert_eq!(certs[0]["courseId"], course.as_str());
    assert_eq!(certs[0]["userId"], learner.user_id.as_str());
    let code = certs[0]["code"].as_str().unwrap().to_string();
    assert!(certs[0]["verifyUrl"].as_str().unwrap().ends_with(&code));

    let db = t.db().await;
    let notes = db
        .page(
            &lists::notifications(&admin.company_id, &learner.user_id),
            PageAt::first(100),
            Filter::default(),
        )
        .await
        .unwrap();
    assert_eq!(
        notes
            .items
            .iter()
            .filter(|n| n.kind == "certificate_issued")
            .count(),
        1
    );
    let mails = db
        .page(
            &lists::outbox(&admin.company_id),
            PageAt::first(100),
            Filter::new().eq(Mail::TEMPLATE, "certificate_issued"),
        )
        .await
        .unwrap();
    assert_eq!(mails.items.len(), 1);
    assert_eq!(mails.items[0].to, learner.email);
    assert!(mails.items[0].data_json.contains(&code));

    // Public verification shows the paper's facts and nothing else.
    let v = t
        .get(
            &format!("/api/certificates/verify/{}", code.to_lowercase()),
            None,
        )
        .await
        .expect(200);
    assert_eq!(v.body["valid"], true);
    assert_eq!(v.body["courseTitle"], "Fire Safety");
    assert_eq!(v.body["companyName"], "Acme");
    assert!(v.body["holderName"].is_string());
    let mut fields: Vec<&str> = v
        .body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    fields.sort();
    assert_eq!(
        fields,
        [
            "companyName",
            "courseTitle",
            "expired",
            "expiresAt",
            "holderName",
            "issuedAt",
            "valid"
        ]
    );
    // A course without validForMonths: a certificate that never lapses.
    assert_eq!(
        (v.body["expired"].clone(), v.body["expiresAt"].clone()),
        (json!(false), Value::Null)
    );
}

#[tokio::test]
async fn concurrent_events_never_lose_a_lesson() {
    let t = app();
    let admin = new_company().await;
    let learner = join(&admin, "participant").await;
    let (course, lessons) = course_with_lessons(&admin, "Parallel", "published", 8).await;
    let mut sends = tokio::task::JoinSet::new();
    for l in &lessons {
        let (body, token) = (
            event(&course, l, "lesson_completed"),
            learner.access.clone(),
        );
        sends.spawn(async move { t.post("/api/progress/event", Some(&token), body).await });
    }
    for r in sends.join_all().await {
        r.expect(200);
    }
    let r = t
        .get(&format!("/api/progress/{course}"), learner.token())
        .await
        .expect(200);
    assert_eq!(r.body["completedLessons"], 8);
    assert_eq!(r.body["status"], "completed");
    let certs = t
        .get("/api/certificates", learner.token())
        .await
        .expect(200);
    assert_eq!(certs.body["items"].as_array().unwrap().len(), 1);
}

/// A course that `enrolled` joined while it was free, then given a price: its id and
/// its lessons.
async fn priced_course(
    admin: &campus_tests::Account,
    enrolled: &campus_tests::Account,
) -> (String, Vec<String>) {
    let t = app();
    let (course, lessons) = course_with_lessons(admin, "Paid Safety", "published", 2).await;
    t.post(
        &format!("/api/courses/{course}/enroll"),
        enrolled.token(),
        json!({}),
    )
    .await
    .expect(201);
    campus_tests::set_price(admin, &course, "Paid Safety", 4900).await;
    (course, lessons)
}

#[tokio::test]
async fn a_priced_course_is_only_an_outline_until_bought_or_assigned() {
    let t = app();
    let admin = new_company().await;
    let learner = join(&admin, "participant").await;
    // Enrolled while it was free: enrolling oneself is not buying.
    let (course, lessons) = priced_course(&admin, &learner).await;

    // Not bought, not assigned: the outline without content, and progress is 402.
    let d = t
        .get(&format!("/api/courses/{course}"), learner.token())
        .await
        .expect(200);
    assert_eq!(d.body["locked"], true);
    let outline = &d.body["modules"][0]["lessons"];
    assert_eq!(outline.as_array().map(Vec::len), Some(2));
    assert_eq!(outline[0]["title"], "Lesson 0");
    assert_eq!(outline[0]["content"], "");
    for kind in ["lesson_started", "lesson_completed"] {
        t.post(
            "/api/progress/event",
            learner.token(),
            event(&course, &lessons[0], kind),
        )
        .await
        .expect_error(402, "PAYMENT_REQUIRED");
    }
    // A newcomer cannot enrol in it at all.
    let newcomer = join(&admin, "participant").await;
    t.post(
        &format!("/api/courses/{course}/enroll"),
        newcomer.token(),
        json!({}),
    )
    .await
    .expect_error(402, "PAYMENT_REQUIRED");
    let certs = t
        .get("/api/certificates", learner.token())
        .await
        .expect(200);
    assert_eq!(certs.body["items"], json!([]));
    // Its authors see it whole.
    let whole = t
        .get(&format!("/api/courses/{course}"), admin.token())
        .await
        .expect(200);
    assert_eq!(whole.body["locked"], false);
    assert_eq!(
        whole.body["modules"][0]["lessons"][0]["content"],
        "Read this."
    );

    // A manager's assignment opens it (the enrolment becomes the assignment):
    // content, progress, certificate.
    let r = t
        .post(
            "/api/team/assign-course",
            admin.token(),
            json!({"courseId": course, "userIds": [learner.user_id]}),
        )
        .await
        .expect(200);
    assert_eq!(r.body["alreadyAssigned"], json!([learner.user_id]));
    let d = t
        .get(&format!("/api/courses/{course}"), learner.token())
        .await
        .expect(200);
    assert_eq!(d.body["locked"], false);
    assert_eq!(d.body["modules"][0]["lessons"][0]["content"], "Read this.");
    for l in &lessons {
        t.post(
            "/api/progress/event",
            learner.token(),
            event(&course, l, "lesson_completed"),
        )
        .await
        .expect(200);
    }
    let certs = t
        .get("/api/certificates", learner.token())
        .await
        .expect(200);
    assert_eq!(certs.body["items"].as_array().map(Vec::len), Some(1));
}
