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
        generation: 0,
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

#[tokio::test]
async fn forgot_takes_as_long_for_an_unknown_address_as_for_a_real_one() {
    let t = app();
    let user = new_company().await;
    // Both answers are held to one floor, above the real address's work, so the
    // time says nothing about which exists.
    for email in [user.email.clone(), unique_email("nobody")] {
        let start = std::time::Instant::now();
        t.post("/api/auth/password/forgot", None, json!({"email": email}))
            .await
            .expect(202);
        let took = start.elapsed();
        assert!(
            took >= std::time::Duration::from_millis(300),
            "{email}: {took:?}"
        );
    }
}

#[tokio::test]
async fn every_older_link_dies_with_a_reset_or_a_change() {
    let t = app();
    let user = new_company().await;
    let ask = || {
        t.post(
            "/api/auth/password/forgot",
            None,
            json!({"email": user.email}),
        )
    };
    ask().await.expect(202);
    let older = mailed_token(&user.company_id, &user.email, "password_reset")
        .await
        .expect("a first link");
    ask().await.expect(202);
    let newer = mailed_token(&user.company_id, &user.email, "password_reset")
        .await
        .expect("a second link");
    assert_ne!(older, newer);
    t.post(
        "/api/auth/password/reset",
        None,
        json!({"token": newer, "password": NEW}),
    )
    .await
    .expect(204);
    let r = t
        .post(
            "/api/auth/password/reset",
            None,
            json!({"token": older, "password": "Another-pass-77"}),
        )
        .await
        .expect_error(400, "VALIDATION_FAILED");
    assert!(r.body["error"]["details"]["token"].is_string());
    t.login(&user.email, NEW).await.expect(200);

    // A link asked for before a change dies with the change.
    ask().await.expect(202);
    let before_change = mailed_token(&user.company_id, &user.email, "password_reset")
        .await
        .expect("a third link");
    let session = t.login(&user.email, NEW).await.expect(200);
    t.post(
        "/api/auth/password/change",
        session.body["accessToken"].as_str(),
        json!({"currentPassword": NEW, "newPassword": "Changed-pass-88"}),
    )
    .await
    .expect(204);
    t.post(
        "/api/auth/password/reset",
        None,
        json!({"token": before_change, "password": "Another-pass-77"}),
    )
    .await
    .expect_error(400, "VALIDATION_FAILED");
    t.login(&user.email, "Changed-pass-88").await.expect(200);
}

#[tokio::test]
async fn wrong_current_passwords_lock_the_account_like_failed_sign_ins() {
    let t = app();
    let admin = new_company().await;
    let user = join(&admin, "participant").await;
    for _ in 0..5 {
        t.post(
            "/api/auth/password/change",
            user.token(),
            json!({"currentPassword": "Guess-pass-123", "newPassword": NEW}),
        )
        .await
        .expect_error(400, "VALIDATION_FAILED");
    }
    // Locked for the right password too, here and at sign-in.
    let r = t
        .post(
            "/api/auth/password/change",
            user.token(),
            json!({"currentPassword": PASSWORD, "newPassword": NEW}),
        )
        .await
        .expect_error(429, "ACCOUNT_LOCKED");
    assert!(r.header("retry-after").is_some());
    t.login(&user.email, PASSWORD)
        .await
        .expect_error(429, "ACCOUNT_LOCKED");
}
