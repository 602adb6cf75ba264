//! Graded quizzes over HTTP: an instructor sets a quiz lesson's question bank, a
//! learner takes it without ever seeing an answer first, the server grades, and a
//! pass completes the lesson (and the course, with its certificate).

use campus::{
    db::keys,
    model::{Attempt, Quiz},
};
use campus_tests::{Account, add_quiz_lesson, app, course_with_module, join, new_company};
use serde_json::{Value, json};

/// A published course: one text lesson, then a quiz lesson. Its ids.
struct QuizCourse {
    course: String,
    module: String,
    text: String,
    quiz: String,
}

impl QuizCourse {
    async fn make(author: &Account) -> Self {
        let (course, module, lessons) =
            course_with_module(author, "Security basics", "published", 1).await;
        let quiz = add_quiz_lesson(author, &course, &module, "Check").await;
        Self {
            course,
            module,
            text: lessons[0].clone(),
            quiz,
        }
    }

    fn path(&self) -> String {
        format!(
            "/api/courses/{}/modules/{}/lessons/{}/quiz",
            self.course, self.module, self.quiz
        )
    }

    fn attempts(&self) -> String {
        format!("/api/quizzes/{}/attempts", self.quiz)
    }

    async fn set(&self, author: &Account, rules: Value) -> Value {
        let mut body = bank();
        for (k, v) in rules.as_object().unwrap() {
            body[k] = v.clone();
        }
        app()
            .put(&self.path(), author.token(), body)
            .await
            .expect(200)
            .body
    }
}

/// Three questions, one of each answer shape; 4 points in all.
fn bank() -> Value {
    json!({
        "passPercent": 75,
        "revealAnswers": "after_pass",
        "questions": [
            {"id": "q1", "kind": "single", "prompt": "Which is a strong password?", "points": 2,
             "options": [{"id": "a", "text": "password1"}, {"id": "b", "text": "long-horse-battery-staple", "correct": true}],
             "explanation": "Length beats symbols."},
            {"id": "q2", "kind": "multiple", "prompt": "Which are phishing signs?",
             "options": [{"id": "a", "text": "Urgency", "correct": true}, {"id": "b", "text": "A known sender"}, {"id": "c", "text": "A mismatched link", "correct": true}]},
            {"id": "q3", "kind": "short_text", "prompt": "What does MFA stand for?",
             "accepted": ["multi-factor authentication", "multifactor authentication"]}
        ]
    })
}

fn right_answers() -> Value {
    json!({"answers": [
        {"questionId": "q1", "optionIds": ["b"]},
        {"questionId": "q2", "optionIds": ["c", "a"]},
        {"questionId": "q3", "text": "  Multi-Factor   Authentication "}
    ]})
}

fn wrong_answers() -> Value {
    json!({"answers": [
        {"questionId": "q1", "optionIds": ["a"]},
        {"questionId": "q2", "optionIds": ["a"]},
        {"questionId": "q3", "text": "more factors"}
    ]})
}

async fn start(q: &QuizCourse, who: &Account) -> Value {
    app()
        .post(&q.attempts(), who.token(), json!({}))
        .await
        .expect(201)
        .body
}

async fn submit(
    q: &QuizCourse,
    who: &Account,
    attempt: &Value,
    answers: Value,
) -> campus_tests::Resp {
    let id = attempt["attemptId"].as_str().unwrap();
    app()
        .post(
            &format!("{}/{id}/submit", q.attempts()),
            who.token(),
            answers,
        )
        .await
}

#[tokio::test]
async fn a_learner_never_sees_an_answer_before_submitting() {
    let t = app();
    let admin = new_company().await;
    let learner = join(&admin, "participant").await;
    let q = QuizCourse::make(&admin).await;
    // No quiz yet: 404, and starting one is 404 too.
    t.get(&q.path(), admin.token())
        .await
        .expect_error(404, "NOT_FOUND");
    t.post(&q.attempts(), learner.token(), json!({}))
        .await
        .expect_error(404, "NOT_FOUND");
    let set = q.set(&admin, json!({})).await;
    assert_eq!(set["questions"][0]["options"][1]["correct"], true);
    // The bank is the instructors': a learner may not read it.
    t.get(&q.path(), learner.token())
        .await
        .expect_error(403, "FORBIDDEN");
    let attempt = start(&q, &learner).await;
    assert_eq!(attempt["questions"].as_array().unwrap().len(), 3);
    let text = attempt.to_string();
    for secret in [
        "correct",
        "accepted",
        "multi-factor",
        "explanation",
        "Length beats",
    ] {
        assert!(!text.contains(secret), "the attempt shows {secret}: {text}");
    }
    // Starting again resumes the attempt under way (200), the same questions.
    let again = t
        .post(&q.attempts(), learner.token(), json!({}))
        .await
        .expect(200);
    assert_eq!(again.body["attemptId"], attempt["attemptId"]);
    // Its list shows it open, still without answers.
    let list = t.get(&q.attempts(), learner.token()).await.expect(200);
    assert_eq!(list.body["items"][0]["status"], "open");
    assert!(!list.body.to_string().contains("correct"));
}

#[tokio::test]
async fn a_bank_that_cannot_be_graded_is_refused() {
    let t = app();
    let admin = new_company().await;
    let q = QuizCourse::make(&admin).await;
    let mut two_right = bank();
    two_right["questions"][0]["options"][0]["correct"] = json!(true);
    let r = t.put(&q.path(), admin.token(), two_right).await;
    let details = &r.expect_error(400, "VALIDATION_FAILED").body["error"]["details"];
    assert!(details["questions[0].options"].is_string(), "{details}");
    let mut no_accepted = bank();
    no_accepted["questions"][2]["accepted"] = json!([]);
    t.put(&q.path(), admin.token(), no_accepted)
        .await
        .expect_error(400, "VALIDATION_FAILED");
    let mut twice = bank();
    twice["questions"][1]["id"] = json!("q1");
    t.put(&q.path(), admin.token(), twice)
        .await
        .expect_error(400, "VALIDATION_FAILED");
    let mut too_many = bank();
    too_many["questionsPerAttempt"] = json!(4);
    t.put(&q.path(), admin.token(), too_many)
        .await
        .expect_error(400, "VALIDATION_FAILED");
    let mut free_pass = bank();
    free_pass["passPercent"] = json!(0);
    t.put(&q.path(), admin.token(), free_pass)
        .await
        .expect_error(400, "VALIDATION_FAILED");
    // A quiz lesson with no bank yet is completed as any lesson (until it gets one).
    let learner = join(&admin, "participant").await;
    t.post(
        "/api/progress/event",
        learner.token(),
        json!({"courseId": q.course, "lessonId": q.quiz, "type": "lesson_completed"}),
    )
    .await
    .expect(200);
    // A text lesson has no quiz.
    let text_quiz = q.path().replace(&q.quiz, &q.text);
    t.put(&text_quiz, admin.token(), bank())
        .await
        .expect_error(409, "CONFLICT");
}

#[tokio::test]
async fn a_wrong_answer_fails_a_right_one_passes_and_completes_the_course() {
    let t = app();
    let admin = new_company().await;
    let learner = join(&admin, "participant").await;
    let q = QuizCourse::make(&admin).await;
    q.set(&admin, json!({})).await;
    // Only a pass completes a quiz lesson: saying so is refused.
    t.post(
        "/api/progress/event",
        learner.token(),
        json!({"courseId": q.course, "lessonId": q.quiz, "type": "lesson_completed"}),
    )
    .await
    .expect_error(409, "CONFLICT");
    t.post(
        "/api/progress/event",
        learner.token(),
        json!({"courseId": q.course, "lessonId": q.text, "type": "lesson_completed"}),
    )
    .await
    .expect(200);

    let first = start(&q, &learner).await;
    // An option named twice is refused, not counted; the attempt stays open.
    submit(
        &q,
        &learner,
        &first,
        json!({"answers": [{"questionId": "q1", "optionIds": ["b", "b"]}]}),
    )
    .await
    .expect_error(400, "VALIDATION_FAILED");
    let failed = submit(&q, &learner, &first, wrong_answers())
        .await
        .expect(200)
        .body;
    assert_eq!(
        (failed["score"].as_u64(), failed["maxScore"].as_u64()),
        (Some(0), Some(4))
    );
    assert_eq!(failed["passed"], false);
    // Revealed after a pass only.
    assert!(failed.get("questions").is_none(), "{failed}");
    // Graded once: the same attempt again is refused.
    submit(&q, &learner, &first, right_answers())
        .await
        .expect_error(409, "CONFLICT");
    let progress = t
        .get(&format!("/api/progress/{}", q.course), learner.token())
        .await
        .expect(200);
    assert_eq!(progress.body["status"], "in_progress");

    let second = start(&q, &learner).await;
    assert_ne!(second["attemptId"], first["attemptId"]);
    let passed = submit(&q, &learner, &second, right_answers())
        .await
        .expect(200)
        .body;
    assert_eq!(
        (passed["score"].as_u64(), passed["percent"].as_u64()),
        (Some(4), Some(100))
    );
    assert_eq!(passed["passed"], true);
    let q1 = &passed["questions"][0];
    assert_eq!(
        (q1["correct"].clone(), q1["correctOptionIds"].clone()),
        (json!(true), json!(["b"]))
    );
    assert_eq!(q1["explanation"], "Length beats symbols.");
    let progress = t
        .get(&format!("/api/progress/{}", q.course), learner.token())
        .await
        .expect(200);
    assert_eq!(progress.body["status"], "completed");
    let certs = t
        .get("/api/certificates", learner.token())
        .await
        .expect(200);
    let course_certs: Vec<&Value> = certs.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["courseId"] == q.course.as_str())
        .collect();
    assert_eq!(course_certs.len(), 1, "{}", certs.body);

    // The learner and their manager see both attempts, scored; a colleague may not.
    let mine = t.get(&q.attempts(), learner.token()).await.expect(200).body;
    let scores: Vec<(Value, Value)> = mine["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["status"].clone(), a["passed"].clone()))
        .collect();
    assert_eq!(
        scores,
        [
            (json!("submitted"), json!(false)),
            (json!("submitted"), json!(true))
        ]
    );
    let theirs = format!("{}?userId={}", q.attempts(), learner.user_id);
    let manager = join(&admin, "manager").await;
    let seen = t.get(&theirs, manager.token()).await.expect(200).body;
    assert_eq!(seen["items"].as_array().unwrap().len(), 2);
    let colleague = join(&admin, "participant").await;
    t.get(&theirs, colleague.token())
        .await
        .expect_error(403, "FORBIDDEN");
    // Nor may they learn whether an id is someone's: the same 403.
    t.get(
        &format!("{}?userId=01NOBODY", q.attempts()),
        colleague.token(),
    )
    .await
    .expect_error(403, "FORBIDDEN");
}

#[tokio::test]
async fn attempts_are_limited_spaced_and_timed() {
    let t = app();
    let admin = new_company().await;
    let learner = join(&admin, "participant").await;
    let q = QuizCourse::make(&admin).await;
    q.set(
        &admin,
        json!({"maxAttempts": 2, "cooldownMinutes": 30, "timeLimitMinutes": 20}),
    )
    .await;
    let first = start(&q, &learner).await;
    assert!(first["expiresAt"].is_string(), "{first}");
    submit(&q, &learner, &first, wrong_answers())
        .await
        .expect(200);
    // Within the cooldown: 429, and Retry-After says how long (about 30 minutes).
    let r = t.post(&q.attempts(), learner.token(), json!({})).await;
    let wait: u64 = r
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .unwrap();
    r.expect_error(429, "RATE_LIMITED");
    assert!((1700..=1800).contains(&wait), "{wait}");

    // Another learner's attempt runs out (its time moved into the past here).
    let other = join(&admin, "participant").await;
    let open = start(&q, &other).await;
    let db = app().db().await;
    let key = keys::attempt(
        &admin.company_id,
        &other.user_id,
        &q.quiz,
        open["attemptId"].as_str().unwrap(),
    );
    let mut stored: Attempt = db.find(&key).await.unwrap();
    stored.expires_at = Some("2020-01-01T00:00:00Z".into());
    db.put(&stored, None).await.unwrap();
    submit(&q, &other, &open, right_answers())
        .await
        .expect_error(409, "CONFLICT");
    let listed = t.get(&q.attempts(), other.token()).await.expect(200).body;
    assert_eq!(listed["items"][0]["status"], "expired");
    assert_eq!(listed["items"][0]["passed"], false);

    // Out of attempts: 409 (no cooldown in the way on this quiz now).
    q.set(&admin, json!({"maxAttempts": 1, "version": 1})).await;
    t.post(&q.attempts(), learner.token(), json!({}))
        .await
        .expect_error(409, "CONFLICT");
}

#[tokio::test]
async fn a_draft_courses_quiz_is_not_taken() {
    let t = app();
    let admin = new_company().await;
    let q = QuizCourse::make(&admin).await;
    q.set(&admin, json!({})).await;
    t.put(
        &format!("/api/courses/{}", q.course),
        admin.token(),
        json!({"title": "Security basics", "difficulty": "beginner", "durationWeeks": 1, "status": "draft"}),
    )
    .await
    .expect(200);
    // An instructor is told why; a learner does not see the course at all.
    t.post(&q.attempts(), admin.token(), json!({}))
        .await
        .expect_error(409, "CONFLICT");
    let learner = join(&admin, "participant").await;
    t.post(&q.attempts(), learner.token(), json!({}))
        .await
        .expect_error(404, "NOT_FOUND");
}

#[tokio::test]
async fn two_starts_at_once_open_one_attempt() {
    let t = app();
    let admin = new_company().await;
    let learner = join(&admin, "participant").await;
    let q = QuizCourse::make(&admin).await;
    q.set(&admin, json!({"maxAttempts": 1})).await;
    // A second client (another tab) starting at the same moment: one attempt begins,
    // the other is told to start again, which resumes it; the limit of one holds.
    let path = q.attempts();
    let (a, b) = tokio::join!(
        t.post(&path, learner.token(), json!({})),
        t.post(&path, learner.token(), json!({})),
    );
    let mut statuses = [a.status, b.status];
    statuses.sort_unstable();
    assert!(
        matches!(statuses, [201, 409] | [200, 201]),
        "{} / {}",
        a.body,
        b.body
    );
    let again = t
        .post(&q.attempts(), learner.token(), json!({}))
        .await
        .expect(200);
    let winner = if a.status == 201 { &a.body } else { &b.body };
    assert_eq!(again.body["attemptId"], winner["attemptId"]);
    let listed = t.get(&q.attempts(), learner.token()).await.expect(200).body;
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn two_submits_of_one_attempt_grade_once() {
    let t = app();
    let admin = new_company().await;
    let learner = join(&admin, "participant").await;
    let q = QuizCourse::make(&admin).await;
    q.set(&admin, json!({})).await;
    let attempt = start(&q, &learner).await;
    let (a, b) = tokio::join!(
        submit(&q, &learner, &attempt, right_answers()),
        submit(&q, &learner, &attempt, wrong_answers()),
    );
    let mut statuses = [a.status, b.status];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 409], "{} / {}", a.body, b.body);
    let listed = t.get(&q.attempts(), learner.token()).await.expect(200).body;
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    let winner = if a.status == 200 { &a.body } else { &b.body };
    assert_eq!(listed["items"][0]["passed"], winner["passed"]);
}

#[tokio::test]
async fn an_open_attempt_keeps_its_questions_when_the_quiz_changes() {
    let t = app();
    let admin = new_company().await;
    let learner = join(&admin, "participant").await;
    let q = QuizCourse::make(&admin).await;
    q.set(&admin, json!({})).await;
    let attempt = start(&q, &learner).await;
    // The instructor replaces the bank and raises the bar meanwhile.
    let mut other = bank();
    other["passPercent"] = json!(100);
    other["questions"] = json!([{"id": "n1", "kind": "true_false", "prompt": "Is MFA useful?",
        "options": [{"id": "t", "text": "Yes", "correct": true}, {"id": "f", "text": "No"}]}]);
    other["version"] = json!(1);
    t.put(&q.path(), admin.token(), other).await.expect(200);
    let stored: Quiz = app()
        .db()
        .await
        .find(&keys::quiz(&admin.company_id, &q.quiz))
        .await
        .unwrap();
    assert_eq!(stored.questions.len(), 1);
    // Three of four points on the old questions pass the old bar (75%).
    let mut answers = right_answers();
    answers["answers"][1]["optionIds"] = json!(["a"]);
    let graded = submit(&q, &learner, &attempt, answers)
        .await
        .expect(200)
        .body;
    assert_eq!(
        (graded["score"].as_u64(), graded["passed"].clone()),
        (Some(2 + 1), json!(true))
    );
    // A new attempt gets the new bank.
    let next = start(&q, &learner).await;
    assert_eq!(next["questions"][0]["id"], "n1");
}

#[tokio::test]
async fn the_quiz_report_counts_attempts_and_passes() {
    let t = app();
    let admin = campus_tests::new_company_on("core").await;
    let learner = join(&admin, "participant").await;
    let q = QuizCourse::make(&admin).await;
    q.set(&admin, json!({})).await;
    let first = start(&q, &learner).await;
    submit(&q, &learner, &first, wrong_answers())
        .await
        .expect(200);
    let second = start(&q, &learner).await;
    submit(&q, &learner, &second, right_answers())
        .await
        .expect(200);
    // One more under way: started, not submitted.
    start(&q, &join(&admin, "participant").await).await;
    let report = t
        .get("/api/reports/quizzes", admin.token())
        .await
        .expect(200)
        .body;
    let row = report["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["lessonId"] == q.quiz.as_str())
        .cloned()
        .unwrap();
    assert_eq!(row["lessonTitle"], "Check");
    assert_eq!(row["courseTitle"], "Security basics");
    assert_eq!(
        (
            row["attempts"].clone(),
            row["submitted"].clone(),
            row["passed"].clone(),
            row["passRate"].clone()
        ),
        (json!(3), json!(2), json!(1), json!(0.5))
    );
    // A learner may not see it.
    t.get("/api/reports/quizzes", learner.token())
        .await
        .expect_error(403, "FORBIDDEN");
}
