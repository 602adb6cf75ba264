//! Conditional GETs: JSON answers to GETs carry an ETag and `Cache-Control: private,
//! no-cache`; `If-None-Match` with the current tag answers 304 with no body. Large
//! answers are compressed as `Accept-Encoding` allows.

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

/// Sends `GET path` asking for `accept` and answers (status, Content-Encoding, the
/// ETag, the body as sent, the body decoded).
async fn fetch(
    t: &campus_tests::TestApp,
    path: &str,
    accept: Option<&str>,
) -> (
    u16,
    Option<String>,
    Option<String>,
    usize,
    serde_json::Value,
) {
    let mut req = t.client.get(t.url(path));
    if let Some(a) = accept {
        req = req.header("accept-encoding", a);
    }
    let res = req.send().await.unwrap();
    let header = |n: &str| {
        res.headers()
            .get(n)
            .map(|v| v.to_str().unwrap().to_string())
    };
    let (status, encoding, etag) = (
        res.status().as_u16(),
        header("content-encoding"),
        header("etag"),
    );
    let vary = header("vary").unwrap_or_default();
    let sent = res.bytes().await.unwrap();
    if encoding.is_some() {
        assert!(
            vary.to_lowercase().contains("accept-encoding"),
            "Vary: {vary}"
        );
    }
    let body = serde_json::from_slice(&campus_tests::decoded(encoding.as_deref(), &sent)).unwrap();
    (status, encoding, etag, sent.len(), body)
}

#[tokio::test]
async fn large_answers_are_compressed_as_the_client_allows() {
    let t = app();
    let (_, plain_enc, plain_tag, plain_len, plain) = fetch(t, "/api/docs", None).await;
    assert_eq!(plain_enc, None, "no Accept-Encoding, no compression");
    assert!(
        plain_len > 100_000,
        "the OpenAPI document is large: {plain_len}"
    );

    for (accept, expected) in [
        ("gzip", "gzip"),
        ("gzip, deflate, br", "gzip"),
        ("br;q=1.0, gzip;q=0.5", "gzip"),
        ("GZIP;q=0.1", "gzip"),
    ] {
        let (status, enc, tag, len, body) = fetch(t, "/api/docs", Some(accept)).await;
        assert_eq!(status, 200);
        assert_eq!(enc.as_deref(), Some(expected), "Accept-Encoding: {accept}");
        assert_eq!(body, plain, "{accept}: the same document");
        assert!(len * 5 < plain_len, "{accept}: {len} of {plain_len} bytes");
        // Other bytes, another strong tag; the same bytes again, a 304.
        assert_ne!(tag, plain_tag, "{accept}");
        let again = t
            .client
            .get(t.url("/api/docs"))
            .header("accept-encoding", accept)
            .header("if-none-match", tag.unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), 304, "{accept}");
        assert!(again.headers().get("content-encoding").is_none());
    }
    // Nothing the client cannot read (br is not offered); a small answer is not
    // worth compressing.
    for accept in ["identity, zstd", "br", "gzip;q=0, br"] {
        let (_, enc, ..) = fetch(t, "/api/docs", Some(accept)).await;
        assert_eq!(enc, None, "Accept-Encoding: {accept}");
    }
    let (status, enc, _, _, body) = fetch(t, "/api/health", Some("gzip, br")).await;
    assert_eq!((status, enc), (200, None));
    assert_eq!(body["status"], "ok");
}
