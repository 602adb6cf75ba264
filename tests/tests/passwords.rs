//! Forgotten, reset and changed passwords.

use campus_tests::{PASSWORD, app, join, mailed_token, new_company, unique_email};
use serde_json::json;

const NEW: &str = "Battery-staple-42";

#[tokio::test]
async fn forgot_answers_the_same_for_everyone_and_mails_a_link() {
    let t = app();
    let user = new_company().await;
    for email in [user.email.clone(), unique_email("nobody")] {
        let r = t
            .post("/api/auth/password/forgot", None, json!({"email": email}))
            .await
            .expect(202);
        assert_eq!(r.body, serde_json::Value::Null, "no body either way");
    }
    assert!(
        mailed_token(&user.company_id, &user.email, "password_reset")
            .await
            .is_some()
    );
    t.post("/api/auth/password/forgot", None, json!({}))
        .await
        .expect_error(400, "VALIDATION_FAILED");
}

#[tokio::test]
async fn a_reset_token_works_once_and_revokes_every_session() {
    let t = app();
    let user = new_company().await;
    let other_session = t.login(&user.email, PASSWORD).await.expect(200);
    // Upper case in the address still finds the account.
    t.post(
        "/api/auth/password/forgot",
        None,
        json!({"email": user.email.to_uppercase()}),
    )
    .await
    .expect(202);
    let token = mailed_token(&user.company_id, &user.email, "password_reset")
        .await
        .expect("a reset mail");

    let weak = t
        .post(
            "/api/auth/password/reset",
            None,
            json!({"token": token, "password": "short"}),
        )
        .await
        .expect_error(400, "VALIDATION_FAILED");
    assert!(weak.body["error"]["details"]["password"].is_string());
    // Two at once: exactly one wins.
    let body = json!({"token": token, "password": NEW});
    let (a, b) = tokio::join!(
        t.post("/api/auth/password/reset", None, body.clone()),
        t.post("/api/auth/password/reset", None, body.clone())
    );
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(statuses, [204, 400]);

    for token in [user.token(), other_session.body["accessToken"].as_str()] {
        t.get("/api/auth/me", token)
            .await
            .expect_error(401, "SESSION_REVOKED");
    }
    t.login(&user.email, PASSWORD)
        .await
        .expect_error(401, "INVALID_CREDENTIALS");
    t.login(&user.email, NEW).await.expect(200);
    t.post("/api/auth/password/reset", None, body)
        .await
        .expect_error(400, "VALIDATION_FAILED");
    t.post(
        "/api/auth/password/reset",
        None,
        json!({"token": "made-up", "password": NEW}),
    )
    .await
    .expect_error(400, "VALIDATION_FAILED");
}

#[tokio::test]
async fn an_expired_token_is_refused() {
    let t = app();
    let user = new_company().await;
    let secret = "expired-secret-for-this-test";
    let token = campus::model::PasswordToken {
        token_hash: campus::auth::tokens::sha256_hex(secret),
        company_id: user.company_id.clone(),
        user_id: user.user_id.clone(),
        purpose: "reset".into(),
        expires_epoch: time::OffsetDateTime::now_utc().unix_timestamp() - 1,
    };
    t.db().await.put(&token, None).await.expect("put");
    t.post(
        "/api/auth/password/reset",
        None,
        json!({"token": secret, "password": NEW}),
    )
    .await
    .expect_error(400, "VALIDATION_FAILED");
    t.login(&user.email, PASSWORD).await.expect(200);
}

#[tokio::test]
async fn an_admin_created_user_sets_a_password_from_the_mailed_link() {
    let t = app();
    let admin = new_company().await;
    let email = unique_email("created");
    t.post(
        "/api/users",
        admin.token(),
        json!({"email": email, "name": "New Person", "role": "participant"}),
    )
    .await
    .expect(201);
    let token = mailed_token(&admin.company_id, &email, "set_password")
        .await
        .expect("a set-password mail");
    t.post(
        "/api/auth/password/reset",
        None,
        json!({"token": token, "password": NEW}),
    )
    .await
    .expect(204);
    let r = t.login(&email, NEW).await.expect(200);
    assert_eq!(r.body["user"]["status"], "active");
}

#[tokio::test]
async fn change_checks_the_current_password_and_keeps_this_session() {
    let t = app();
    let admin = new_company().await;
    let user = join(&admin, "participant").await;
    let elsewhere = t.login(&user.email, PASSWORD).await.expect(200);
    for (body, field) in [
        (
            json!({"currentPassword": "wrong-one-123", "newPassword": NEW}),
            "currentPassword",
        ),
        (
            json!({"currentPassword": PASSWORD, "newPassword": PASSWORD}),
            "newPassword",
        ),
        (
            json!({"currentPassword": PASSWORD, "newPassword": "aaaaaaaaaaaa"}),
            "newPassword",
        ),
        (json!({"currentPassword": PASSWORD}), "newPassword"),
    ] {
        let r = t
            .post("/api/auth/password/change", user.token(), body)
            .await
            .expect_error(400, "VALIDATION_FAILED");
        assert!(r.body["error"]["details"][field].is_string(), "{}", r.body);
    }
    t.post(
        "/api/auth/password/change",
        None,
        json!({"currentPassword": PASSWORD, "newPassword": NEW}),
    )
    .await
    .expect_error(401, "UNAUTHENTICATED");
    t.post(
        "/api/auth/password/change",
        user.token(),
        json!({"currentPassword": PASSWORD, "newPassword": NEW}),
    )
    .await
    .expect(204);
    t.get("/api/auth/me", user.token()).await.expect(200);
    t.get("/api/auth/me", elsewhere.body["accessToken"].as_str())
        .await
        .expect_error(401, "SESSION_REVOKED");
    t.login(&user.email, NEW).await.expect(200);
}
