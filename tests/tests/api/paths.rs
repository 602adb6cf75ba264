//! Learning paths over HTTP: an instructor builds one (prerequisites name earlier
//! steps, never a loop), a manager assigns it, the learner finds the second course
//! locked until the first is complete, and completing every step issues a path
//! certificate that verifies.

use campus_tests::{
    Account, app, course_with_lessons, course_with_quiz, join, new_company, outbox_mails,
};
use serde_json::{Value, json};

async fn create_path(author: &Account, body: Value) -> campus_tests::Resp {
    app().post("/api/paths", author.token(), body).await
}

/// A published path of `steps` (course id, prerequisites); its id.
async fn path_of(author: &Account, title: &str, steps: &[(&str, &[&str])]) -> String {
    let steps: Vec<Value> = steps
        .iter()
        .map(|(c, pre)| json!({"courseId": c, "prerequisites": pre}))
        .collect();
    create_path(
        author,
        json!({"title": title, "status": "published", "steps": steps}),
    )
    .await
    .expect(201)
    .body["id"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn complete(learner: &Account, course: &str, lesson: &str) -> campus_tests::Resp {
    app()
        .post(
            "/api/progress/event",
            learner.token(),
            json!({"courseId": course, "lessonId": lesson, "type": "lesson_completed"}),
        )
        .await
}

/// A course as `who` sees it (`GET /api/courses/{id}`).
async fn detail(who: &Account, course: &str) -> Value {
    app()
        .get(&format!("/api/courses/{course}"), who.token())
        .await
        .expect(200)
        .body
}

/// `by` assigns `path` to `users`.
async fn assign(by: &Account, path: &str, users: &[&str]) -> campus_tests::Resp {
    app()
        .post(
            &format!("/api/paths/{path}/assign"),
            by.token(),
            json!({"userIds": users}),
        )
        .await
}

async fn progress(who: &Account, path: &str, user: Option<&str>) -> campus_tests::Resp {
    let q = user.map(|u| format!("?userId={u}")).unwrap_or_default();
    app()
        .get(&format!("/api/paths/{path}/progress{q}"), who.token())
        .await
}

async fn path_certificates(learner: &Account) -> Vec<Value> {
    let r = app()
        .get("/api/certificates", learner.token())
        .await
        .expect(200);
    r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| !c["pathId"].is_null())
        .cloned()
        .collect()
}

#[tokio::test]
async fn an_instructor_writes_paths_whose_prerequisites_come_first() {
    let t = app();
    let admin = new_company().await;
    let instructor = join(&admin, "instructor").await;
    let learner = join(&admin, "participant").await;
    let (a, _) = course_with_lessons(&admin, "Basics", "published", 1).await;
    let (b, _) = course_with_lessons(&admin, "Advanced", "published", 1).await;

    // A loop, a later step, a stranger and an unknown course: 400, naming the field.
    let r = create_path(
        &instructor,
        json!({"title": "Loop", "steps": [
        {"courseId": a, "prerequisites": [b]}, {"courseId": b, "prerequisites": [a]}]}),
    )
    .await
    .expect_error(400, "VALIDATION_FAILED");
    let why = r.body["error"]["details"]["steps[0].prerequisites"]
        .as_str()
        .unwrap();
    assert!(why.contains("cycle"), "{why}");
    let r = create_path(
        &instructor,
        json!({"title": "Later", "steps": [
        {"courseId": a, "prerequisites": [b]}, {"courseId": b}]}),
    )
    .await
    .expect_error(400, "VALIDATION_FAILED");
    assert!(r.body["error"]["details"]["steps[0].prerequisites"].is_string());
    create_path(
        &instructor,
        json!({"title": "Ghost", "steps": [{"courseId": "01NOSUCHCOURSE"}]}),
    )
    .await
    .expect_error(400, "VALIDATION_FAILED");
    create_path(&instructor, json!({"title": "Empty", "steps": []}))
        .await
        .expect_error(400, "VALIDATION_FAILED");
    // A learner does not write paths.
    create_path(
        &learner,
        json!({"title": "Mine", "steps": [{"courseId": a}]}),
    )
    .await
    .expect_error(403, "FORBIDDEN");

    // A draft is the instructor's only; published, everyone reads it.
    let draft = create_path(
        &instructor,
        json!({"title": "Onboarding", "description": "Start here",
        "steps": [{"courseId": a}, {"courseId": b, "prerequisites": [a]}]}),
    )
    .await
    .expect(201)
    .body;
    let id = draft["id"].as_str().unwrap();
    assert_eq!(draft["status"], "draft");
    assert_eq!(draft["steps"][1]["prerequisites"], json!([a]));
    t.get(&format!("/api/paths/{id}"), learner.token())
        .await
        .expect_error(404, "NOT_FOUND");
    let listed = t.get("/api/paths", learner.token()).await.expect(200);
    assert!(listed.body["items"].as_array().unwrap().is_empty());
    t.get("/api/paths?status=draft", learner.token())
        .await
        .expect_error(403, "FORBIDDEN");
    // PATCH publishes it; a stale version is refused.
    let published = t
        .patch(
            &format!("/api/paths/{id}"),
            instructor.token(),
            json!({"status": "published"}),
        )
        .await
        .expect(200)
        .body;
    assert_eq!(published["version"], 2);
    assert_eq!(published["steps"], draft["steps"]);
    t.put(
        &format!("/api/paths/{id}"),
        instructor.token(),
        json!({"title": "Old", "version": 1,
        "steps": [{"courseId": a}]}),
    )
    .await
    .expect_error(409, "CONFLICT");
    let listed = t.get("/api/paths", learner.token()).await.expect(200);
    assert_eq!(listed.body["items"][0]["id"], id);
    assert_eq!(listed.body["items"][0]["title"], "Onboarding");

    // Another company's path is not there for them.
    let other = new_company().await;
    t.get(&format!("/api/paths/{id}"), other.token())
        .await
        .expect_error(404, "NOT_FOUND");
    t.delete(&format!("/api/paths/{id}"), other.token())
        .await
        .expect_error(404, "NOT_FOUND");
}

#[tokio::test]
async fn a_paths_second_course_is_locked_until_the_first_is_complete() {
    let t = app();
    let admin = new_company().await;
    let manager = join(&admin, "manager").await;
    let learner = join(&admin, "participant").await;
    let (a, a_lessons) = course_with_lessons(&admin, "Security basics", "published", 1).await;
    let (b, _, quiz) = course_with_quiz(&admin).await;
    let path = path_of(&admin, "Security track", &[(&a, &[]), (&b, &[&a])]).await;

    // Assigned once: the learner is told once, for the whole path; again: nothing new.
    let r = t
        .post(
            &format!("/api/paths/{path}/assign"),
            manager.token(),
            json!({"userIds": [learner.user_id], "dueDate": "2031-06-30"}),
        )
        .await
        .expect(200);
    assert_eq!(r.body["assigned"], json!([learner.user_id]));
    let r = assign(&manager, &path, &[&learner.user_id])
        .await
        .expect(200);
    assert_eq!(r.body["alreadyAssigned"], json!([learner.user_id]));
    assert_eq!(
        outbox_mails(&admin.company_id, &learner.email, "path_assigned")
            .await
            .len(),
        1
    );
    assert!(
        outbox_mails(&admin.company_id, &learner.email, "course_assigned")
            .await
            .is_empty(),
        "one mail for the path, not one per course"
    );
    // Both courses are the learner's, due with the path.
    let mine = t.get("/api/progress/me", learner.token()).await.expect(200);
    let due: Vec<&Value> = mine.body["items"]
        .as_array()
        .unwrap_or_else(|| mine.body.as_array().unwrap())
        .iter()
        .map(|p| &p["dueDate"])
        .collect();
    assert_eq!(due.len(), 2, "{}", mine.body);
    assert!(
        due.iter()
            .all(|d| d.as_str().unwrap().starts_with("2031-06-30"))
    );

    // The second course is locked: an outline without content, no progress, no quiz.
    let seen = detail(&learner, &b).await;
    assert_eq!(seen["locked"], true);
    assert_eq!(seen["prerequisite"]["courseId"], a);
    assert_eq!(seen["prerequisite"]["courseTitle"], "Security basics");
    let r = t
        .post(
            "/api/progress/event",
            learner.token(),
            json!({"courseId": b, "lessonId": quiz, "type": "lesson_started"}),
        )
        .await
        .expect_error(409, "CONFLICT");
    assert!(
        r.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Security basics"),
        "{}",
        r.body
    );
    t.post(
        &format!("/api/quizzes/{quiz}/attempts"),
        learner.token(),
        json!({}),
    )
    .await
    .expect_error(409, "CONFLICT");
    let p = progress(&learner, &path, None).await.expect(200).body;
    assert_eq!(p["assigned"], true);
    assert_eq!(p["steps"][0]["locked"], false);
    assert_eq!(p["steps"][1]["locked"], true);
    assert_eq!(p["percent"], 0);
    // Another company's people are not there to assign or to read.
    let stranger = new_company().await;
    let r = assign(&manager, &path, &[&stranger.user_id])
        .await
        .expect_error(400, "VALIDATION_FAILED");
    assert!(r.body["error"]["details"]["userIds"].is_string());
    progress(&manager, &path, Some(&stranger.user_id))
        .await
        .expect_error(404, "NOT_FOUND");
    progress(&stranger, &path, None)
        .await
        .expect_error(404, "NOT_FOUND");
    assert!(
        outbox_mails(&stranger.company_id, &stranger.email, "path_assigned")
            .await
            .is_empty()
    );
    // Someone else's progress: managers only.
    progress(&learner, &path, Some(&manager.user_id))
        .await
        .expect_error(403, "FORBIDDEN");

    // The first course complete, the second opens.
    complete(&learner, &a, &a_lessons[0]).await.expect(200);
    let seen = detail(&learner, &b).await;
    assert_eq!(seen["locked"], false);
    assert!(seen["prerequisite"].is_null());
    let p = progress(&manager, &path, Some(&learner.user_id))
        .await
        .expect(200)
        .body;
    assert_eq!(p["steps"][0]["status"], "completed");
    assert_eq!(p["steps"][1]["locked"], false);
    assert_eq!(p["percent"], 50);
    assert!(path_certificates(&learner).await.is_empty());

    // Passing the second course's quiz completes the path: its certificate verifies.
    let attempt = t
        .post(
            &format!("/api/quizzes/{quiz}/attempts"),
            learner.token(),
            json!({}),
        )
        .await
        .expect(201)
        .body;
    t.post(
        &format!(
            "/api/quizzes/{quiz}/attempts/{}/submit",
            attempt["attemptId"].as_str().unwrap()
        ),
        learner.token(),
        json!({"answers": [{"questionId": "q1", "optionIds": ["yes"]}]}),
    )
    .await
    .expect(200);
    let p = progress(&learner, &path, None).await.expect(200).body;
    assert_eq!(p["completed"], true);
    assert_eq!(p["percent"], 100);
    let certs = path_certificates(&learner).await;
    assert_eq!(certs.len(), 1, "{certs:?}");
    assert_eq!(certs[0]["pathId"], path);
    assert!(certs[0]["courseId"].is_null());
    let v = t
        .get(
            &format!(
                "/api/certificates/verify/{}",
                certs[0]["code"].as_str().unwrap()
            ),
            None,
        )
        .await
        .expect(200)
        .body;
    assert_eq!(v["valid"], true);
    assert_eq!(v["courseTitle"], "Security track");
    // Its PDF is there to download.
    let id = certs[0]["id"].as_str().unwrap();
    let r = t
        .get(&format!("/api/certificates/{id}/download"), learner.token())
        .await;
    assert!(r.status == 302 || r.status == 200, "{}", r.status);
}

#[tokio::test]
async fn two_last_steps_completed_at_once_certify_the_path_once() {
    let admin = new_company().await;
    let learner = join(&admin, "participant").await;
    let (a, la) = course_with_lessons(&admin, "Left", "published", 1).await;
    let (b, lb) = course_with_lessons(&admin, "Right", "published", 1).await;
    // No prerequisites: both open at once, and either may be the last.
    let path = path_of(&admin, "Either way", &[(&a, &[]), (&b, &[])]).await;
    assign(&admin, &path, &[&learner.user_id]).await.expect(200);
    let (ra, rb) = tokio::join!(
        complete(&learner, &a, &la[0]),
        complete(&learner, &b, &lb[0])
    );
    ra.expect(200);
    rb.expect(200);
    let certs = path_certificates(&learner).await;
    assert_eq!(certs.len(), 1, "exactly one path certificate: {certs:?}");
}

#[tokio::test]
async fn a_path_completed_before_it_was_assigned_is_certified_on_assignment_and_a_deleted_path_unlocks()
 {
    let t = app();
    let admin = new_company().await;
    let learner = join(&admin, "participant").await;
    let peer = join(&admin, "participant").await;
    let (a, la) = course_with_lessons(&admin, "First", "published", 1).await;
    let (b, lb) = course_with_lessons(&admin, "Second", "published", 1).await;
    let (c, _) = course_with_lessons(&admin, "Third", "published", 1).await;
    // Done on their own before any path, by two people certified in one write.
    for who in [&learner, &peer] {
        complete(who, &a, &la[0]).await.expect(200);
        complete(who, &b, &lb[0]).await.expect(200);
    }
    let done = path_of(&admin, "Done already", &[(&a, &[]), (&b, &[&a])]).await;
    let r = assign(&admin, &done, &[&learner.user_id, &peer.user_id])
        .await
        .expect(200);
    assert_eq!(r.body["assigned"].as_array().unwrap().len(), 2);
    for who in [&learner, &peer] {
        let certs = path_certificates(who).await;
        assert_eq!(certs.len(), 1);
        assert_eq!(certs[0]["pathId"], done);
    }

    // A draft course in a path: the path is not assigned (409 naming it).
    let (draft, _) = course_with_lessons(&admin, "Unfinished", "draft", 1).await;
    let with_draft = path_of(&admin, "Has a draft", &[(&draft, &[])]).await;
    let r = assign(&admin, &with_draft, &[&learner.user_id])
        .await
        .expect_error(409, "CONFLICT");
    assert!(
        r.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Unfinished")
    );

    // Locked by a path, then the path is deleted: the course opens.
    let (d, _) = course_with_lessons(&admin, "Fourth", "published", 1).await;
    let lock = path_of(&admin, "Lock", &[(&c, &[]), (&d, &[&c])]).await;
    assign(&admin, &lock, &[&learner.user_id]).await.expect(200);
    let seen = detail(&learner, &d).await;
    assert_eq!(seen["locked"], true);
    t.delete(&format!("/api/paths/{lock}"), admin.token())
        .await
        .expect(204);
    let seen = detail(&learner, &d).await;
    assert_eq!(seen["locked"], false);
    t.get(&format!("/api/paths/{lock}/progress"), learner.token())
        .await
        .expect_error(404, "NOT_FOUND");
}

#[tokio::test]
async fn a_step_added_later_is_assigned_again_and_a_draft_path_no_longer_locks() {
    let t = app();
    let admin = new_company().await;
    let learner = join(&admin, "participant").await;
    let (a, la) = course_with_lessons(&admin, "Intro", "published", 1).await;
    let (b, _) = course_with_lessons(&admin, "Deep dive", "published", 1).await;
    let path = path_of(&admin, "Growing", &[(&b, &[])]).await;
    assign(&admin, &path, &[&learner.user_id]).await.expect(200);
    // Not locked: "Intro" is not a step yet.
    let seen = detail(&learner, &b).await;
    assert_eq!(seen["locked"], false);
    // "Intro" becomes a prerequisite; assigning again assigns it (quietly) and locks.
    let current = t
        .get(&format!("/api/paths/{path}"), admin.token())
        .await
        .expect(200)
        .body;
    t.put(
        &format!("/api/paths/{path}"),
        admin.token(),
        json!({"title": "Growing", "status": "published", "version": current["version"],
               "steps": [{"courseId": a}, {"courseId": b, "prerequisites": [a]}]}),
    )
    .await
    .expect(200);
    let r = assign(&admin, &path, &[&learner.user_id]).await.expect(200);
    assert_eq!(r.body["alreadyAssigned"], json!([learner.user_id]));
    let p = progress(&learner, &path, None).await.expect(200).body;
    assert_eq!(p["steps"][0]["status"], "not_started");
    assert_eq!(p["steps"][1]["locked"], true);
    let seen = detail(&learner, &b).await;
    assert_eq!(seen["prerequisite"]["courseId"], a);
    assert_eq!(
        outbox_mails(&admin.company_id, &learner.email, "path_assigned")
            .await
            .len(),
        1,
        "told once, when the path was first assigned"
    );
    // Back to draft: the learner cannot see it, and it no longer locks them.
    t.patch(
        &format!("/api/paths/{path}"),
        admin.token(),
        json!({"status": "draft"}),
    )
    .await
    .expect(200);
    let seen = detail(&learner, &b).await;
    assert_eq!(seen["locked"], false);
    complete(&learner, &a, &la[0]).await.expect(200);
}
