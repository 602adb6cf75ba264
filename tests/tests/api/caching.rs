//! Conditional GETs: JSON answers to GETs carry an ETag and `Cache-Control: private,
//! no-cache`; `If-None-Match` with the current tag answers 304 with no body.

use campus_tests::{app, new_company};
use serde_json::json;

#[tokio::test]
async fn a_kept_answer_is_not_sent_again_until_it_changes() {
    let t = app();
    let admin = new_company().await;
    let course = t
        .post(
            "/api/courses",
            admin.token(),
            json!({"title": "Ladder safety", "difficulty": "beginner", "durationWeeks": 1}),
        )
        .await
        .expect(201);
    // A write's answer is not kept anywhere.
    assert_eq!(course.header("cache-control"), Some("no-store"));
    assert!(course.header("etag").is_none());
    let path = format!("/api/courses/{}", course.body["id"].as_str().unwrap());

    let first = t.get(&path, admin.token()).await.expect(200);
    let tag = first.header("etag").expect("an ETag").to_string();
    assert!(tag.starts_with('"') && tag.ends_with('"'), "{tag}");
    assert_eq!(first.header("cache-control"), Some("private, no-cache"));
    // Asked again unchanged: the same tag.
    let again = t.get(&path, admin.token()).await.expect(200);
    assert_eq!(again.header("etag"), Some(tag.as_str()));

    let conditional = |tag: String| {
        let req = t
            .client
            .get(t.url(&path))
            .bearer_auth(admin.token().unwrap())
            .header("if-none-match", tag);
        t.send(req)
    };
    for asked in [
        tag.clone(),
        format!("W/{tag}"),
        format!("\"x\", {tag}"),
        "*".into(),
    ] {
        let r = conditional(asked.clone()).await;
        assert_eq!(r.status, 304, "If-None-Match: {asked}");
        assert_eq!(r.body, serde_json::Value::Null, "a 304 has no body");
        assert_eq!(r.header("etag"), Some(tag.as_str()));
    }
    let other = conditional("\"not-it\"".into()).await;
    assert_eq!(other.status, 200);
    assert_eq!(other.body["title"], "Ladder safety");

    // Changed: the old tag no longer matches.
    t.put(
        &path,
        admin.token(),
        json!({"title": "Ladder safety, revised", "difficulty": "beginner", "durationWeeks": 1, "version": first.body["version"]}),
    )
    .await
    .expect(200);
    let changed = conditional(tag.clone()).await;
    assert_eq!(changed.status, 200);
    assert_eq!(changed.body["title"], "Ladder safety, revised");
    assert_ne!(changed.header("etag"), Some(tag.as_str()));

    // Lists say the same; another caller's answer is theirs (private).
    let list = t.get("/api/courses", admin.token()).await.expect(200);
    assert_eq!(list.header("cache-control"), Some("private, no-cache"));
    assert!(list.header("etag").is_some());
    // Errors are not tagged.
    let missing = t.get("/api/courses/nope", admin.token()).await;
    assert_eq!(missing.status, 404);
    assert!(missing.header("etag").is_none());
}
