//! `/api/certificates`: downloads, generation, roles, tenancy, anonymisation.

use campus_tests::{Account, app, course_with_lessons, join, new_company};
use serde_json::{Value, json};

/// A learner who completed a one-lesson course; the course and certificate ids.
async fn certified(admin: &Account, learner: &Account) -> (String, Value) {
    let t = app();
    let (course, lessons) = course_with_lessons(admin, "Data Privacy", "published", 1).await;
    t.post(
        "/api/progress/event",
        learner.token(),
        json!({"courseId": course, "lessonId": lessons[0], "type": "lesson_completed"}),
    )
    .await
    .expect(200);
    let certs = t
        .get("/api/certificates", learner.token())
        .await
        .expect(200);
    (course, certs.body["items"][0].clone())
}

async fn pdf_at(location: &str) -> (Option<String>, Vec<u8>) {
    let res = reqwest::get(location)
        .await
        .expect("the presigned URL answers");
    assert_eq!(res.status().as_u16(), 200);
    let kind = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    (kind, res.bytes().await.expect("pdf").to_vec())
}

#[tokio::test]
async fn the_pdf_downloads_through_a_short_lived_redirect() {
    let t = app();
    let admin = new_company().await;
    let learner = join(&admin, "participant").await;
    let (_, cert) = certified(&admin, &learner).await;
    let id = cert["id"].as_str().unwrap();

    let r = t
        .get(&format!("/api/certificates/{id}/download"), learner.token())
        .await
        .expect(302);
    let location = r.header("location").unwrap().to_string();
    assert!(location.contains("X-Amz-Expires=300"), "{location}");
    let (kind, bytes) = pdf_at(&location).await;
    assert_eq!(kind.as_deref(), Some("application/pdf"));
    assert!(bytes.starts_with(b"%PDF-"));
    let text = String::from_utf8_lossy(&bytes);
    assert!(text.contains("Data Privacy"));
    assert!(text.contains(cert["code"].as_str().unwrap()));
    // The object key is random, not derived from anything the client knows.
    assert!(!location.contains(id) && !location.contains(&learner.user_id));

    // Managers may fetch it too; a colleague may not.
    let manager = join(&admin, "manager").await;
    t.get(&format!("/api/certificates/{id}/download"), manager.token())
        .await
        .expect(302);
    let colleague = join(&admin, "participant").await;
    t.get(
        &format!("/api/certificates/{id}/download"),
        colleague.token(),
    )
    .await
    .expect_error(403, "FORBIDDEN");
    t.get(&format!("/api/certificates/{id}"), colleague.token())
        .await
        .expect_error(403, "FORBIDDEN");
    t.get(&format!("/api/certificates/{id}/download"), None)
        .await
        .expect_error(401, "UNAUTHENTICATED");
}

#[tokio::test]
async fn generate_is_idempotent_per_user_and_course() {
    let t = app();
    let admin = new_company().await;
    let manager = join(&admin, "manager").await;
    let learner = join(&admin, "participant").await;
    let (course, lessons) = course_with_lessons(&admin, "Forklifts", "published", 1).await;
    let body = json!({"userId": learner.user_id, "courseId": course});
    let first = t
        .post("/api/certificates/generate", manager.token(), body.clone())
        .await
        .expect(201);
    let again = t
        .post("/api/certificates/generate", manager.token(), body)
        .await
        .expect(200);
    assert_eq!(first.body["id"], again.body["id"]);
    assert_eq!(first.body["code"], again.body["code"]);
    // Completing the course later issues nothing new.
    t.post(
        "/api/progress/event",
        learner.token(),
        json!({"courseId": course, "lessonId": lessons[0], "type": "lesson_completed"}),
    )
    .await
    .expect(200);
    let list = t
        .get(
            &format!("/api/certificates?userId={}", learner.user_id),
            manager.token(),
        )
        .await
        .expect(200);
    assert_eq!(list.body["items"].as_array().unwrap().len(), 1);
    // The certificate issued by the manager downloads (rendered on demand if needed).
    let id = first.body["id"].as_str().unwrap();
    let r = t
        .get(&format!("/api/certificates/{id}/download"), learner.token())
        .await
        .expect(302);
    assert!(
        pdf_at(r.header("location").unwrap())
            .await
            .1
            .starts_with(b"%PDF-")
    );

    // Participants cannot generate; drafts and unknown ids are refused.
    t.post(
        "/api/certificates/generate",
        learner.token(),
        json!({"userId": learner.user_id, "courseId": course}),
    )
    .await
    .expect_error(403, "FORBIDDEN");
    let (draft, _) = course_with_lessons(&admin, "Draft", "draft", 1).await;
    t.post(
        "/api/certificates/generate",
        manager.token(),
        json!({"userId": learner.user_id, "courseId": draft}),
    )
    .await
    .expect_error(409, "CONFLICT");
    t.post(
        "/api/certificates/generate",
        manager.token(),
        json!({"userId": "nobody", "courseId": course}),
    )
    .await
    .expect_error(404, "NOT_FOUND");
    t.post(
        "/api/certificates/generate",
        manager.token(),
        json!({"userId": learner.user_id}),
    )
    .await
    .expect_error(400, "VALIDATION_FAILED");
}

#[tokio::test]
async fn verification_of_unknown_or_malformed_codes_is_404() {
    let t = app();
    for code in ["AAAA-BBBB-CCCC-DDDD", "nonsense", "%00"] {
        t.get(&format!("/api/certificates/verify/{code}"), None)
            .await
            .expect_error(404, "NOT_FOUND");
    }
}

#[tokio::test]
async fn a_deleted_holders_certificate_stays_verifiable_anonymised() {
    let t = app();
    let admin = new_company().await;
    let learner = join(&admin, "participant").await;
    let (_, cert) = certified(&admin, &learner).await;
    let (id, code) = (
        cert["id"].as_str().unwrap().to_string(),
        cert["code"].as_str().unwrap().to_string(),
    );
    let before = t
        .get(&format!("/api/certificates/verify/{code}"), None)
        .await
        .expect(200);
    let name = before.body["holderName"].as_str().unwrap().to_string();
    assert_ne!(name, "Former member");

    t.delete(&format!("/api/users/{}", learner.user_id), admin.token())
        .await
        .expect(204);
    let after = t
        .get(&format!("/api/certificates/verify/{code}"), None)
        .await
        .expect(200);
    assert_eq!(after.body["valid"], true);
    assert_eq!(after.body["holderName"], "Former member");
    assert_eq!(after.body["courseTitle"], "Data Privacy");
    let r = t
        .get(&format!("/api/certificates/{id}"), admin.token())
        .await
        .expect(200);
    assert!(r.body["userId"].is_null());
    // The PDF is rendered again without the name.
    let r = t
        .get(&format!("/api/certificates/{id}/download"), admin.token())
        .await
        .expect(302);
    let (_, bytes) = pdf_at(r.header("location").unwrap()).await;
    let text = String::from_utf8_lossy(&bytes);
    assert!(text.contains("Former member"));
    assert!(!text.contains(&name));
}

#[tokio::test]
async fn roles_and_tenancy_on_progress_and_certificates() {
    let t = app();
    let admin = new_company().await;
    let learner = join(&admin, "participant").await;
    let colleague = join(&admin, "participant").await;
    let manager = join(&admin, "manager").await;
    let (course, cert) = certified(&admin, &learner).await;
    let id = cert["id"].as_str().unwrap();

    // Inside the company: a colleague is forbidden, a manager is not.
    let path = format!("/api/progress/user/{}", learner.user_id);
    t.get(&path, colleague.token())
        .await
        .expect_error(403, "FORBIDDEN");
    let r = t.get(&path, manager.token()).await.expect(200);
    assert_eq!(r.body["items"][0]["status"], "completed");
    t.get(&path, learner.token()).await.expect(200);

    // Another company's ids answer 404 everywhere.
    let other = new_company().await;
    let stranger = join(&other, "participant").await;
    for (who, path) in [
        (&other, path.clone()),
        (&stranger, format!("/api/progress/{course}")),
        (&other, format!("/api/certificates/{id}")),
        (&other, format!("/api/certificates/{id}/download")),
    ] {
        t.get(&path, who.token())
            .await
            .expect_error(404, "NOT_FOUND");
    }
    t.post(
        &format!("/api/progress/{course}"),
        stranger.token(),
        json!({"lessonId": "x", "type": "lesson_started"}),
    )
    .await
    .expect_error(404, "NOT_FOUND");
    t.post(
        "/api/certificates/generate",
        other.token(),
        json!({"userId": learner.user_id, "courseId": course}),
    )
    .await
    .expect_error(404, "NOT_FOUND");
    let list = t.get("/api/certificates", other.token()).await.expect(200);
    assert_eq!(list.body["items"].as_array().unwrap().len(), 0);
    // A participant's list is their own, whatever userId they pass.
    let list = t
        .get(
            &format!("/api/certificates?userId={}", learner.user_id),
            colleague.token(),
        )
        .await
        .expect(200);
    assert_eq!(list.body["items"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn bad_events_are_4xx() {
    let t = app();
    let admin = new_company().await;
    let learner = join(&admin, "participant").await;
    let (course, lessons) = course_with_lessons(&admin, "Checks", "published", 2).await;
    let (draft, draft_lessons) = course_with_lessons(&admin, "Hidden", "draft", 1).await;
    let l = &lessons[0];
    for (body, status, code) in [
        (
            json!({"lessonId": l, "type": "lesson_completed"}),
            400,
            "VALIDATION_FAILED",
        ),
        (
            json!({"courseId": course, "lessonId": "nope", "type": "lesson_completed"}),
            400,
            "VALIDATION_FAILED",
        ),
        (
            json!({"courseId": course, "lessonId": l, "type": "finished"}),
            400,
            "VALIDATION_FAILED",
        ),
        (
            json!({"courseId": course, "lessonId": l, "type": "quiz_submitted"}),
            400,
            "VALIDATION_FAILED",
        ),
        (
            json!({"courseId": course, "lessonId": l, "type": "quiz_submitted", "score": 101}),
            400,
            "VALIDATION_FAILED",
        ),
        (
            json!({"courseId": course, "lessonId": l, "type": "video_progress"}),
            400,
            "VALIDATION_FAILED",
        ),
        (
            json!({"courseId": course, "lessonId": l, "type": "video_progress", "positionSeconds": -1}),
            400,
            "VALIDATION_FAILED",
        ),
        (
            json!({"courseId": "missing", "lessonId": l, "type": "lesson_started"}),
            404,
            "NOT_FOUND",
        ),
        (
            json!({"courseId": draft, "lessonId": draft_lessons[0], "type": "lesson_started"}),
            404,
            "NOT_FOUND",
        ),
    ] {
        t.post("/api/progress/event", learner.token(), body.clone())
            .await
            .expect_error(status, code);
    }
    t.post(
        &format!("/api/progress/{course}"),
        learner.token(),
        json!({"courseId": "other", "lessonId": l, "type": "lesson_started"}),
    )
    .await
    .expect_error(400, "VALIDATION_FAILED");
    // An event in a published course nobody assigned enrols the learner.
    let r = t
        .post(
            "/api/progress/event",
            learner.token(),
            json!({"courseId": course, "lessonId": l, "type": "video_progress", "positionSeconds": 42}),
        )
        .await
        .expect(200);
    assert_eq!(r.body["status"], "in_progress");
    let me = t.get("/api/progress/me", learner.token()).await.expect(200);
    assert_eq!(me.body["items"].as_array().unwrap().len(), 1);
}
