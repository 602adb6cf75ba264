//! Settings that name a secret (`secretsmanager:NAME`, or `NAME#field` of a JSON
//! secret) are read from Secrets Manager when a function starts, with that function's
//! own rights: `template.yaml` gives each function the names of its secrets and the
//! right to read only those.

use axum::body::Body;
use campus::{AppState, config::SECRET_SETTINGS, lambda, secrets};
use campus_local::{functions, template::Template};
use campus_tests::{PASSWORD, app, config, unique_email};
use serde_json::{Value, json};
use tower::ServiceExt;

/// Stores `value` under `name` (the template's default names, as the IAM check
/// expects locally), creating the secret or adding a version.
async fn store(name: &str, value: &str) {
    let sm = campus::aws::Aws::new(&config(&app().settings)).secrets_manager();
    let created = sm
        .create_secret()
        .name(name)
        .secret_string(value)
        .send()
        .await;
    if created.is_err() {
        sm.put_secret_value()
            .secret_id(name)
            .secret_string(value)
            .send()
            .await
            .expect("a new version of the secret");
    }
}

const SECRET: &str = "kept-in-secrets-manager-0123456789abcdef";
const STRIPE: &str = r#"{"secretKey": "sk_test_stored"}"#;

#[tokio::test]
async fn every_function_may_read_the_secrets_it_is_given() {
    let t = app();
    store("campus/jwt-secret", SECRET).await;
    store("campus/stripe", STRIPE).await;
    store("campus/stripe-webhook", "whsec_stored").await;
    store("campus/ai-api-key", "sk-stored-ai-key").await;
    store(
        "campus/oauth",
        r#"{"google": "g-secret", "microsoft": "m-secret", "github": "h-secret"}"#,
    )
    .await;
    let template = Template::find().expect("template");
    let environments = template.environments();
    let mut given_jwt = 0;
    for (function, refs) in template.secret_references() {
        // As deployed: only the secret settings the template gives this function
        // (and a sign-in provider's id only where its secret goes).
        let mut settings = t.settings.clone();
        for s in SECRET_SETTINGS {
            settings.remove(s);
        }
        settings.retain(|k, _| !k.starts_with("OAUTH_") || environments[&function].contains(k));
        settings.extend(refs.iter().cloned());
        let name: &'static str = Box::leak(function.clone().into_boxed_str());
        let cfg = secrets::load(settings, Some(name))
            .await
            .unwrap_or_else(|e| panic!("{function}: {e}"));
        if refs.iter().any(|(k, _)| k == "JWT_SECRET") {
            given_jwt += 1;
            assert_eq!(cfg.jwt_secret.as_ref().map(|s| s.expose()), Some(SECRET));
        } else {
            assert!(cfg.jwt_secret.is_none(), "{function}");
        }
    }
    // Every function that signs or verifies a token, and no other.
    assert_eq!(given_jwt, 23);
}

#[tokio::test]
async fn a_function_signs_with_the_secret_it_read_at_start() {
    let t = app();
    store("campus/jwt-secret", SECRET).await;
    let mut settings = t.settings.clone();
    settings.insert(
        "JWT_SECRET".into(),
        "secretsmanager:campus/jwt-secret".into(),
    );
    let cfg = secrets::load(settings, Some("auth"))
        .await
        .expect("the auth function's secrets");
    let auth = functions::by_name("auth").expect("auth");
    let email = unique_email("secrets");
    let req = http::Request::post("/api/auth/register")
        .header("content-type", "application/json")
        .body(Body::from(
            json!({"email": email, "password": PASSWORD, "name": "Sam", "companyName": "Vault"})
                .to_string(),
        ))
        .expect("a request");
    let res = lambda::app((auth.router)(AppState::new(cfg).for_function("auth")))
        .oneshot(req)
        .await
        .expect("an answer");
    assert_eq!(res.status(), 201);
    let body = axum::body::to_bytes(res.into_body(), 1 << 20)
        .await
        .expect("a body");
    let body: Value = serde_json::from_slice(&body).expect("JSON");
    let token = body["accessToken"].as_str().expect("an access token");
    // Signed with the secret from Secrets Manager…
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
    validation.set_audience(&["campus-api"]);
    jsonwebtoken::decode::<Value>(
        token,
        &jsonwebtoken::DecodingKey::from_secret(SECRET.as_bytes()),
        &validation,
    )
    .expect("a token signed with the stored secret");
    // …so the API running on another secret does not take it.
    t.get("/api/auth/me", Some(token))
        .await
        .expect_error(401, "UNAUTHENTICATED");
}

#[tokio::test]
async fn a_field_of_a_json_secret_is_read_and_a_missing_one_stops_the_start() {
    let t = app();
    store("campus/stripe", STRIPE).await;
    // Billing's environment in the template: the JWT secret and Stripe's API key.
    let mut settings = t.settings.clone();
    settings.insert(
        "STRIPE_SECRET_KEY".into(),
        "secretsmanager:campus/stripe#secretKey".into(),
    );
    let cfg = secrets::load(settings.clone(), Some("billing"))
        .await
        .expect("billing's secrets");
    let stored = cfg.stripe.secret_key.as_ref().map(|s| s.expose());
    assert_eq!(stored, Some("sk_test_stored"));

    settings.insert(
        "STRIPE_SECRET_KEY".into(),
        "secretsmanager:campus/stripe#apiKey".into(),
    );
    let err = secrets::load(settings, Some("billing"))
        .await
        .expect_err("no such field");
    assert!(err.0.contains("STRIPE_SECRET_KEY"), "{}", err.0);
    assert!(err.0.contains("apiKey"), "{}", err.0);
    assert!(!err.0.contains("sk_test_stored"), "{}", err.0);
}
