//! The AI tutor through HTTP, with a local stand-in for the provider: the pro plan,
//! conversations and their context, retries and failures, history, feedback.

use campus_tests::{ai, app, course_with_lessons, join, new_company, new_company_on};
use serde_json::{Value, json};

async fn ask(token: Option<&str>, body: Value) -> campus_tests::Resp {
    app().post("/api/chat/message", token, body).await
}

#[tokio::test]
async fn the_tutor_answers_pro_companies_in_conversations() {
    let t = app();
    let free = new_company().await;
    ask(free.token(), json!({"message": "What is a fire triangle?"}))
        .await
        .expect_error(402, "PAYMENT_REQUIRED");

    let admin = new_company_on("pro").await;
    let learner = join(&admin, "participant").await;
    let first = ask(
        learner.token(),
        json!({"message": "What is a fire triangle?"}),
    )
    .await
    .expect(200);
    assert_eq!(
        first.body["reply"],
        "You asked: What is a fire triangle?. I saw 0 earlier messages."
    );
    let conversation = first.body["conversationId"].as_str().unwrap().to_string();
    let second = ask(
        learner.token(),
        json!({"message": "And how do I break it?", "conversationId": conversation}),
    )
    .await
    .expect(200);
    assert_eq!(second.body["conversationId"], conversation.as_str());
    assert!(
        second.body["reply"]
            .as_str()
            .unwrap()
            .ends_with("I saw 2 earlier messages."),
        "the tutor is shown the conversation so far: {}",
        second.body
    );

    let list = t
        .get("/api/chat/history", learner.token())
        .await
        .expect(200);
    assert_eq!(list.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(list.body["items"][0]["title"], "What is a fire triangle?");
    let msgs = t
        .get(
            &format!("/api/chat/history?conversationId={conversation}"),
            learner.token(),
        )
        .await
        .expect(200);
    let roles: Vec<&str> = msgs.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["user", "assistant", "user", "assistant"]);

    // Nobody else reads or continues it, in the company or outside it.
    for other in [join(&admin, "manager").await, new_company_on("pro").await] {
        t.get(
            &format!("/api/chat/history?conversationId={conversation}"),
            other.token(),
        )
        .await
        .expect_error(404, "NOT_FOUND");
        ask(
            other.token(),
            json!({"message": "hi", "conversationId": conversation}),
        )
        .await
        .expect_error(404, "NOT_FOUND");
        let theirs = t.get("/api/chat/history", other.token()).await.expect(200);
        assert_eq!(theirs.body["items"], json!([]));
    }
}

#[tokio::test]
async fn a_course_frames_the_conversation() {
    let admin = new_company_on("pro").await;
    let (course, _) = course_with_lessons(&admin, "Fire Safety", "published", 1).await;
    let r = ask(
        admin.token(),
        json!({"message": "Where do I start?", "courseId": course}),
    )
    .await
    .expect(200);
    assert!(
        r.body["reply"]
            .as_str()
            .unwrap()
            .ends_with("About Fire Safety."),
        "{}",
        r.body
    );
    // Going on keeps the course.
    let again = ask(
        admin.token(),
        json!({"message": "And then?", "conversationId": r.body["conversationId"]}),
    )
    .await
    .expect(200);
    assert!(
        again.body["reply"]
            .as_str()
            .unwrap()
            .ends_with("About Fire Safety.")
    );
    let other = new_company_on("pro").await;
    ask(
        other.token(),
        json!({"message": "Where?", "courseId": course}),
    )
    .await
    .expect_error(404, "NOT_FOUND");
}

#[tokio::test]
async fn provider_trouble_is_retried_then_503() {
    let t = app();
    let admin = new_company_on("pro").await;
    let q = format!("flaky question {}", admin.company_id);
    ask(admin.token(), json!({"message": q})).await.expect(200);
    assert_eq!(ai::asked(&q), 2, "one 429, then the answer");

    let q = format!("broken question {}", admin.company_id);
    let r = ask(admin.token(), json!({"message": q}))
        .await
        .expect_error(503, "UNAVAILABLE");
    assert!(r.header("retry-after").is_some());
    assert_eq!(ai::asked(&q), 3, "AI_MAX_ATTEMPTS tries");
    // Nothing of the failed exchange was kept.
    let list = t.get("/api/chat/history", admin.token()).await.expect(200);
    assert_eq!(list.body["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn replies_are_rated_by_whom_they_answered() {
    let t = app();
    let admin = new_company_on("pro").await;
    let r = ask(admin.token(), json!({"message": "Rate me"}))
        .await
        .expect(200);
    let reply_id = r.body["messageId"].as_str().unwrap().to_string();
    let rated = t
        .post(
            "/api/chat/feedback",
            admin.token(),
            json!({"messageId": reply_id, "rating": "up", "comment": "clear"}),
        )
        .await
        .expect(200);
    assert_eq!(rated.body["rating"], "up");
    let msgs = t
        .get(
            &format!(
                "/api/chat/history?conversationId={}",
                r.body["conversationId"].as_str().unwrap()
            ),
            admin.token(),
        )
        .await
        .expect(200);
    let question = msgs.body["items"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(msgs.body["items"][1]["rating"], "up");
    assert_eq!(msgs.body["items"][1]["comment"], "clear");
    t.post(
        "/api/chat/feedback",
        admin.token(),
        json!({"messageId": question, "rating": "down"}),
    )
    .await
    .expect_error(400, "VALIDATION_FAILED");
    t.post(
        "/api/chat/feedback",
        admin.token(),
        json!({"messageId": reply_id, "rating": "meh"}),
    )
    .await
    .expect_error(400, "VALIDATION_FAILED");
    let someone = join(&admin, "participant").await;
    t.post(
        "/api/chat/feedback",
        someone.token(),
        json!({"messageId": reply_id, "rating": "down"}),
    )
    .await
    .expect_error(404, "NOT_FOUND");
}

#[tokio::test]
async fn bad_questions_are_4xx_and_no_provider_is_503() {
    use tower::ServiceExt;
    let admin = new_company_on("pro").await;
    for body in [
        json!({"message": ""}),
        json!({"message": "   "}),
        json!({"message": "x".repeat(4001)}),
        json!({"message": "hi", "mood": "curious"}),
        json!({"message": 5}),
    ] {
        let r = ask(admin.token(), body.clone()).await;
        assert_eq!(r.status, 400, "{body}: {}", r.body);
    }
    ask(None, json!({"message": "hi"}))
        .await
        .expect_error(401, "UNAUTHENTICATED");

    let mut settings = app().settings.clone();
    settings.remove("AI_BASE_URL");
    let state = campus_tests::function_state(&settings, "chat");
    let req = http::Request::post("/api/chat/message")
        .header("authorization", format!("Bearer {}", admin.access))
        .header("content-type", "application/json")
        .body(axum::body::Body::from(json!({"message": "hi"}).to_string()))
        .unwrap();
    let res = campus_chat::router(state).oneshot(req).await.unwrap();
    assert_eq!(res.status().as_u16(), 503);
    assert!(res.headers().contains_key("retry-after"));
}
