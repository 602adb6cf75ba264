//! The sample events in `events/` go through each function's Lambda entry path (the
//! router as `campus::lambda::app` serves it), stage prefix included.

use campus::lambda;
use campus_local::functions;
use campus_tests::{app, new_company};
use tower::ServiceExt;

/// (fixture, function, expected status, expected error code)
const CASES: &[(&str, &str, u16, Option<&str>)] = &[
    ("system/health.json", "system", 200, None),
    ("system/health-deep-prod-stage.json", "system", 200, None),
    ("system/version.json", "system", 200, None),
    ("system/docs-compressed.json", "system", 200, None),
    ("auth/register.json", "auth", 201, None),
    ("auth/me.json", "auth", 200, None),
    ("users/company.json", "users", 200, None),
    (
        "auth/login-wrong-password.json",
        "auth",
        401,
        Some("INVALID_CREDENTIALS"),
    ),
    // The placeholders are no one's password: the current one is refused (`make
    // bench` fills in real ones).
    (
        "auth/password-change.json",
        "auth",
        400,
        Some("VALIDATION_FAILED"),
    ),
    (
        "auth/login-malformed.json",
        "auth",
        400,
        Some("MALFORMED_JSON"),
    ),
    (
        "users/list-unauthenticated.json",
        "users",
        401,
        Some("UNAUTHENTICATED"),
    ),
    ("users/unknown-route.json", "users", 404, Some("NOT_FOUND")),
    ("courses/catalog.json", "courses", 200, None),
    (
        "courses/list-unauthenticated.json",
        "courses",
        401,
        Some("UNAUTHENTICATED"),
    ),
    ("teams/list.json", "teams", 200, None),
    (
        "teams/list-unauthenticated.json",
        "teams",
        401,
        Some("UNAUTHENTICATED"),
    ),
    ("progress/me.json", "progress", 200, None),
    (
        "progress/quiz-start-no-quiz.json",
        "progress",
        404,
        Some("NOT_FOUND"),
    ),
    (
        "progress/quiz-submit-unknown.json",
        "progress",
        404,
        Some("NOT_FOUND"),
    ),
    (
        "progress/event-unauthenticated.json",
        "progress",
        401,
        Some("UNAUTHENTICATED"),
    ),
    ("certificates/list.json", "certificates", 200, None),
    (
        "certificates/verify-malformed.json",
        "certificates",
        404,
        Some("NOT_FOUND"),
    ),
    ("reports/dashboard.json", "reports", 200, None),
    (
        "reports/compliance-unauthenticated.json",
        "reports",
        401,
        Some("UNAUTHENTICATED"),
    ),
    ("calendar/create.json", "calendar", 201, None),
    (
        "calendar/create-ends-before-start.json",
        "calendar",
        400,
        Some("VALIDATION_FAILED"),
    ),
    ("calendar/upcoming.json", "calendar", 200, None),
    (
        "calendar/events-unauthenticated.json",
        "calendar",
        401,
        Some("UNAUTHENTICATED"),
    ),
    ("notifications/list-unread.json", "notifications", 200, None),
    ("email/queue-status.json", "email", 200, None),
    ("checkins/list.json", "checkins", 200, None),
    (
        "checkins/create-unauthenticated.json",
        "checkins",
        401,
        Some("UNAUTHENTICATED"),
    ),
    (
        "email/test-connection-unauthenticated.json",
        "email",
        401,
        Some("UNAUTHENTICATED"),
    ),
    (
        "notifications/stats-unauthenticated.json",
        "notifications",
        401,
        Some("UNAUTHENTICATED"),
    ),
    ("billing/subscription.json", "billing", 200, None),
    ("inventory/list.json", "inventory", 200, None),
    ("prompts/list.json", "prompts", 200, None),
    ("files/list.json", "files", 200, None),
    ("exports/history.json", "exports", 200, None),
    (
        "exports/users-csv-unauthenticated.json",
        "exports",
        401,
        Some("UNAUTHENTICATED"),
    ),
    (
        "exports/users-csv-free-plan.json",
        "exports",
        402,
        Some("PAYMENT_REQUIRED"),
    ),
    ("search/query.json", "search", 200, None),
    (
        "search/query-unauthenticated.json",
        "search",
        401,
        Some("UNAUTHENTICATED"),
    ),
    (
        "files/upload-unauthenticated.json",
        "files",
        401,
        Some("UNAUTHENTICATED"),
    ),
    (
        "files/upload-unsupported-type.json",
        "files",
        415,
        Some("UNSUPPORTED_MEDIA_TYPE"),
    ),
    (
        "prompts/use-unknown.json",
        "prompts",
        404,
        Some("NOT_FOUND"),
    ),
    (
        "prompts/create-unauthenticated.json",
        "prompts",
        401,
        Some("UNAUTHENTICATED"),
    ),
    ("chat/history.json", "chat", 200, None),
    ("audit/report.json", "audit", 200, None),
    ("analytics/batch.json", "analytics", 202, None),
    (
        "analytics/summary-unauthenticated.json",
        "analytics",
        401,
        Some("UNAUTHENTICATED"),
    ),
    (
        "audit/logs-unauthenticated.json",
        "audit",
        401,
        Some("UNAUTHENTICATED"),
    ),
    (
        "chat/message-unauthenticated.json",
        "chat",
        401,
        Some("UNAUTHENTICATED"),
    ),
    (
        "inventory/list-unauthenticated.json",
        "inventory",
        401,
        Some("UNAUTHENTICATED"),
    ),
    (
        "billing/payments-unauthenticated.json",
        "billing",
        401,
        Some("UNAUTHENTICATED"),
    ),
    (
        "billing/checkout-free-plan.json",
        "billing",
        400,
        Some("VALIDATION_FAILED"),
    ),
    (
        "platform/companies-unauthenticated.json",
        "platform",
        401,
        Some("UNAUTHENTICATED"),
    ),
    // A company's admin is no platform operator.
    (
        "platform/companies-not-operator.json",
        "platform",
        403,
        Some("FORBIDDEN"),
    ),
    ("paths/list.json", "paths", 200, None),
    (
        "paths/list-unauthenticated.json",
        "paths",
        401,
        Some("UNAUTHENTICATED"),
    ),
    (
        "paths/create-cycle.json",
        "paths",
        400,
        Some("VALIDATION_FAILED"),
    ),
    ("paths/assign-unknown.json", "paths", 404, Some("NOT_FOUND")),
    (
        "paths/progress-unknown.json",
        "paths",
        404,
        Some("NOT_FOUND"),
    ),
    (
        "stripe-webhook/unsigned.json",
        "stripe-webhook",
        400,
        Some("VALIDATION_FAILED"),
    ),
];

#[tokio::test]
async fn sample_events_run_through_the_lambda_path() {
    let t = app();
    // Fixtures that need a signed-in caller say `{{accessToken}}`.
    let admin = new_company().await;
    for (file, function, status, code) in CASES {
        let path = format!("{}/../events/{file}", env!("CARGO_MANIFEST_DIR"));
        let mut json = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        if *file == "auth/register.json" {
            // Registration must be repeatable across runs: a fresh address each time.
            json = json.replace("founder@example.com", &campus_tests::unique_email("event"));
        }
        json = json.replace("{{accessToken}}", &admin.access);
        let req = lambda_http::request::from_str(&json)
            .unwrap_or_else(|e| panic!("{file} is not an API Gateway event: {e}"));
        let f = functions::by_name(function).unwrap();
        let res = lambda::app((f.router)(campus_tests::function_state(
            &t.settings,
            f.name,
        )))
        .oneshot(req.map(axum::body::Body::new))
        .await
        .unwrap();
        assert_eq!(res.status().as_u16(), *status, "{file}");
        assert!(res.headers().contains_key("x-request-id"), "{file}");
        // What lambda_http hands API Gateway: a compressed body goes as base64.
        let res = lambda_http::IntoResponse::into_response(res).await;
        let encoding = res
            .headers()
            .get("content-encoding")
            .map(|v| v.to_str().unwrap().to_string());
        let body = match res.body() {
            lambda_http::Body::Binary(b) => {
                assert!(encoding.is_some(), "{file}: a binary answer");
                b.clone()
            }
            lambda_http::Body::Text(t) => {
                assert!(encoding.is_none(), "{file}: compressed but sent as text");
                t.clone().into_bytes()
            }
            _ => Vec::new(),
        };
        if file.contains("compressed") {
            assert!(encoding.is_some(), "{file}: not compressed");
        }
        let body = campus_tests::decoded(encoding.as_deref(), &body);
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        if let Some(code) = code {
            assert_eq!(body["error"]["code"], *code, "{file}: {body}");
        }
    }
}

#[test]
fn every_fixture_is_exercised() {
    let mut on_disk = Vec::new();
    for dir in std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../events")).unwrap() {
        let dir = dir.unwrap();
        if dir.file_type().unwrap().is_dir() {
            for f in std::fs::read_dir(dir.path()).unwrap() {
                on_disk.push(format!(
                    "{}/{}",
                    dir.file_name().to_string_lossy(),
                    f.unwrap().file_name().to_string_lossy()
                ));
            }
        }
    }
    on_disk.sort();
    // Events of functions that are not HTTP are fed through them by their own tests.
    let other_tests = [
        include_str!("../mail.rs"),
        include_str!("../mail_sweep.rs"),
        include_str!("realtime.rs"),
        include_str!("../reminders.rs"),
        include_str!("files.rs"),
        include_str!("search.rs"),
    ]
    .concat();
    on_disk.retain(|f| {
        // Stripe's events are signed and delivered by the billing tests.
        if let Some(name) = f
            .strip_prefix("stripe/")
            .and_then(|n| n.strip_suffix(".json"))
        {
            return !include_str!("billing.rs").contains(&format!("\"{name}\""));
        }
        let not_http = ["mailer/", "ws/", "reminders/", "s3/", "search-indexer/"]
            .iter()
            .any(|d| f.starts_with(d));
        !(not_http && other_tests.contains(f.as_str()))
    });
    let mut used: Vec<String> = CASES.iter().map(|c| c.0.to_string()).collect();
    used.sort();
    assert_eq!(
        on_disk, used,
        "every events/ fixture must be fed through its function"
    );
}
