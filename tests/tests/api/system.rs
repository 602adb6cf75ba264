//! System endpoints and the behaviour every answer shares (errors, headers, CORS).

use campus_tests::app;
use serde_json::json;

#[tokio::test]
async fn health_and_deep_health() {
    let t = app();
    let r = t.get("/api/health", None).await.expect(200);
    assert_eq!(r.body["status"], "ok");
    assert!(r.body["version"].is_string());
    assert!(r.body.get("checks").is_none());

    let r = t.get("/api/health?deep=true", None).await.expect(200);
    assert_eq!(
        r.body["checks"],
        json!({"dynamodb": "ok", "s3": "ok", "ses": "ok"})
    );

    t.get("/api/health?deep=maybe", None)
        .await
        .expect_error(400, "VALIDATION_FAILED");
}

#[tokio::test]
async fn version_names_the_build() {
    let r = app().get("/api/version", None).await.expect(200);
    assert_eq!(r.body["commit"], "test-commit");
    assert!(r.body["version"].is_string() && r.body["builtAt"].is_string());
}

#[tokio::test]
async fn docs_serve_openapi_31_with_every_route() {
    let r = app().get("/api/docs", None).await.expect(200);
    assert!(r.body["openapi"].as_str().unwrap().starts_with("3.1"));
    let template = campus_local::template::Template::find().unwrap();
    for route in template.routes() {
        let op = &r.body["paths"][&route.path][route.method.to_lowercase()];
        assert!(
            op.is_object(),
            "{} {} is not documented",
            route.method,
            route.path
        );
    }
}

#[tokio::test]
async fn unknown_routes_and_methods_get_the_error_body() {
    let t = app();
    t.get("/api/nope", None)
        .await
        .expect_error(404, "NOT_FOUND");
    t.get("/elsewhere", None)
        .await
        .expect_error(404, "NOT_FOUND");
    let r = t
        .call("PATCH", "/api/health", None, None)
        .await
        .expect_error(405, "METHOD_NOT_ALLOWED");
    assert!(r.header("allow").is_some_and(|a| a.contains("GET")));
    // Another function's path with a method none of its routes has: API Gateway hands
    // it to the $default route (system), which answers with the contract's body.
    t.call("PUT", "/api/courses", None, None)
        .await
        .expect_error(404, "NOT_FOUND");
}

#[tokio::test]
async fn every_answer_has_request_id_and_security_headers() {
    let t = app();
    let r = t.get("/api/health", None).await;
    assert!(r.header("x-request-id").is_some_and(|v| v.len() >= 20));
    assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(r.header("x-frame-options"), Some("DENY"));
    assert_eq!(r.header("cache-control"), Some("private, no-cache"));

    // A caller's own request id is kept; a hostile one is replaced.
    let r = t
        .send(
            t.client
                .get(t.url("/api/health"))
                .header("x-request-id", "trace-123"),
        )
        .await;
    assert_eq!(r.header("x-request-id"), Some("trace-123"));
    let r = t
        .send(
            t.client
                .get(t.url("/api/nope"))
                .header("x-request-id", "bad id\twith tab"),
        )
        .await;
    assert_ne!(r.header("x-request-id"), Some("bad id\twith tab"));
    r.expect_error(404, "NOT_FOUND");
}

#[tokio::test]
async fn cors_allows_only_configured_origins() {
    let t = app();
    let preflight = |origin: &'static str| {
        t.client
            .request(reqwest::Method::OPTIONS, t.url("/api/auth/login"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type")
    };
    let ok = t.send(preflight("http://allowed.example")).await;
    assert_eq!(
        ok.header("access-control-allow-origin"),
        Some("http://allowed.example")
    );
    let denied = t.send(preflight("http://evil.example")).await;
    assert_eq!(denied.header("access-control-allow-origin"), None);
    let r = t
        .send(
            t.client
                .get(t.url("/api/health"))
                .header("origin", "http://allowed.example"),
        )
        .await;
    assert_eq!(
        r.header("access-control-allow-origin"),
        Some("http://allowed.example")
    );
}

#[tokio::test]
async fn ids_too_long_for_a_key_are_404_not_500() {
    let t = app();
    let admin = campus_tests::new_company().await;
    let long = "x".repeat(5000);
    t.get(&format!("/api/users/{long}"), admin.token())
        .await
        .expect_error(404, "NOT_FOUND");
    t.put(
        &format!("/api/company/departments/{long}"),
        admin.token(),
        json!({"name": "X"}),
    )
    .await
    .expect_error(404, "NOT_FOUND");
    t.post(
        &format!("/api/courses/{long}/modules"),
        admin.token(),
        json!({"title": "X", "order": 1}),
    )
    .await
    .expect_error(404, "NOT_FOUND");
    t.delete(&format!("/api/courses/{long}"), admin.token())
        .await
        .expect_error(404, "NOT_FOUND");
    let lesson = json!({"title": "L", "type": "text", "content": "a".repeat(50_001), "durationMinutes": 1, "order": 1});
    t.post("/api/courses/c/modules/m/lessons", admin.token(), lesson)
        .await
        .expect_error(400, "VALIDATION_FAILED");
}

/// SES sends as any address of a verified domain: the deep health check and the
/// connection test count that as a verified sender, not only the address's own.
#[tokio::test]
async fn a_sender_of_a_verified_domain_is_verified() {
    let cfg = campus_tests::config(&app().settings);
    let ses = campus::aws::Aws::new(&cfg).ses();
    let domain = format!(
        "{}.example",
        campus_tests::unique_email("dom").replace(['@', '.', '+'], "-")
    );
    ses.create_email_identity()
        .email_identity(&domain)
        .send()
        .await
        .expect("a domain identity");
    let sender = |who: &str| format!("{who}@{domain}");
    let check = |s: String| {
        let ses = ses.clone();
        async move {
            campus::sender::verified_sender(&ses, &s)
                .await
                .expect("SES answers")
        }
    };
    assert!(check(sender("no-reply")).await);
    assert!(!check("no-reply@nobody-verified-this.example".into()).await);
}
