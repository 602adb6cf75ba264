//! `/api/auth`: registration, sign-in, lockout, refresh rotation, sign-out.

use campus_tests::{JWT_SECRET, PASSWORD, app, join, new_company, unique_email};
use serde_json::{Value, json};

#[tokio::test]
async fn register_creates_company_and_admin() {
    let t = app();
    let email = unique_email("Founder");
    let r = t
        .post("/api/auth/register", None, json!({"email": email.to_uppercase(), "password": PASSWORD, "name": " Fay ", "companyName": "Fay Co"}))
        .await
        .expect(201);
    let user = &r.body["user"];
    assert_eq!(user["email"], email.to_lowercase());
    assert_eq!(user["name"], "Fay");
    assert_eq!(user["role"], "admin");
    assert_eq!(user["status"], "active");
    assert_eq!(user["companyId"], r.body["company"]["id"]);
    assert_eq!(r.body["company"]["name"], "Fay Co");
    assert_eq!(r.body["company"]["plan"], "free");
    assert_eq!(r.body["expiresIn"], 900);
    let text = r.body.to_string();
    assert!(
        !text.contains("argon2") && !text.contains("passwordHash"),
        "a hash leaked: {text}"
    );

    let me = t
        .get(
            "/api/auth/me",
            Some(r.body["accessToken"].as_str().unwrap()),
        )
        .await
        .expect(200);
    assert_eq!(me.body["user"]["id"], user["id"]);
    assert_eq!(me.body["company"]["name"], "Fay Co");

    // The same email again, in any case: 409.
    t.post(
        "/api/auth/register",
        None,
        json!({"email": email, "password": PASSWORD, "name": "Other"}),
    )
    .await
    .expect_error(409, "CONFLICT");
}

#[tokio::test]
async fn register_rejects_bad_input_with_field_details() {
    let t = app();
    let email = unique_email("v");
    let cases: Vec<(Value, &str)> = vec![
        (
            json!({"email": "not-an-email", "password": PASSWORD, "name": "X"}),
            "email",
        ),
        (
            json!({"email": email, "password": "Short1!", "name": "X"}),
            "password",
        ),
        (
            json!({"email": email, "password": "alllowercaseletters", "name": "X"}),
            "password",
        ),
        (
            json!({"email": email, "password": email, "name": "X"}),
            "password",
        ),
        (json!({"email": email, "password": PASSWORD}), "name"),
        (
            json!({"email": email, "password": PASSWORD, "name": "   "}),
            "name",
        ),
        (
            json!({"email": email, "password": PASSWORD, "name": 42}),
            "name",
        ),
        (
            json!({"email": email, "password": PASSWORD, "name": "x".repeat(101)}),
            "name",
        ),
        (
            json!({"email": email, "password": PASSWORD, "name": "X", "companyName": "c".repeat(101)}),
            "companyName",
        ),
        (
            json!({"email": email, "password": PASSWORD, "name": "X", "inviteToken": "no-such-token"}),
            "inviteToken",
        ),
    ];
    for (body, field) in cases {
        let r = t
            .post("/api/auth/register", None, body.clone())
            .await
            .expect_error(400, "VALIDATION_FAILED");
        assert!(
            r.body["error"]["details"][field].is_string(),
            "{body} should name {field}: {}",
            r.body
        );
    }
    // Nothing was created by any of them.
    t.login(&email, PASSWORD)
        .await
        .expect_error(401, "INVALID_CREDENTIALS");
}

#[tokio::test]
async fn malformed_bodies_are_4xx() {
    let t = app();
    let raw = |body: &'static str, ct: &'static str| {
        t.client
            .post(t.url("/api/auth/login"))
            .header("content-type", ct)
            .body(body)
    };
    t.send(raw("{\"email\": ", "application/json"))
        .await
        .expect_error(400, "MALFORMED_JSON");
    t.send(raw("", "application/json"))
        .await
        .expect_error(400, "MALFORMED_JSON");
    t.send(raw("[]", "application/json"))
        .await
        .expect_error(400, "VALIDATION_FAILED");
    t.send(raw(
        "{\"email\":\"a@b.co\",\"password\":\"x\"}",
        "text/plain",
    ))
    .await
    .expect_error(415, "UNSUPPORTED_MEDIA_TYPE");
    t.send(t.client.post(t.url("/api/auth/login")))
        .await
        .expect_error(415, "UNSUPPORTED_MEDIA_TYPE");
    let huge = format!("{{\"email\":\"{}\"}}", "a".repeat(70_000));
    t.send(
        t.client
            .post(t.url("/api/auth/login"))
            .header("content-type", "application/json")
            .body(huge),
    )
    .await
    .expect_error(413, "PAYLOAD_TOO_LARGE");
}

#[tokio::test]
async fn login_failures_look_the_same_and_lock_after_five() {
    let t = app();
    let admin = new_company().await;
    let wrong_pw = t
        .login(&admin.email, "Wrong-pass-1")
        .await
        .expect_error(401, "INVALID_CREDENTIALS");
    let no_user = t
        .login(&unique_email("ghost"), "Wrong-pass-1")
        .await
        .expect_error(401, "INVALID_CREDENTIALS");
    assert_eq!(
        wrong_pw.body["error"]["message"],
        no_user.body["error"]["message"]
    );

    // A right password resets nothing while failures are below the limit.
    t.login(&admin.email, PASSWORD).await.expect(200);
    for _ in 0..5 {
        t.login(&admin.email, "Wrong-pass-1")
            .await
            .expect_error(401, "INVALID_CREDENTIALS");
    }
    let locked = t
        .login(&admin.email, PASSWORD)
        .await
        .expect_error(429, "ACCOUNT_LOCKED");
    let retry: u64 = locked.header("retry-after").unwrap().parse().unwrap();
    assert!(retry > 800 && retry <= 900, "Retry-After {retry}");
    // The lock is per account: the tokens already issued still work.
    t.get("/api/auth/me", admin.token()).await.expect(200);
}

#[tokio::test]
async fn an_unknown_address_locks_exactly_like_a_real_one() {
    let t = app();
    let real = new_company().await;
    let ghost = unique_email("ghost");
    let mut last = Vec::new();
    for email in [real.email.as_str(), ghost.as_str()] {
        for _ in 0..5 {
            t.login(email, "Wrong-pass-1")
                .await
                .expect_error(401, "INVALID_CREDENTIALS");
        }
        let locked = t
            .login(email, "Wrong-pass-1")
            .await
            .expect_error(429, "ACCOUNT_LOCKED");
        let retry: u64 = locked.header("retry-after").unwrap().parse().unwrap();
        assert!(retry > 800 && retry <= 900, "{email}: Retry-After {retry}");
        let mut body = locked.body.clone();
        body["error"]["requestId"] = serde_json::Value::Null;
        last.push(body);
    }
    // Nothing in the answer tells the two apart.
    assert_eq!(last[0], last[1]);
}

#[tokio::test]
async fn login_answers_tokens_that_work() {
    let t = app();
    let admin = new_company().await;
    let r = t
        .login(&admin.email.to_uppercase(), PASSWORD)
        .await
        .expect(200);
    assert_eq!(r.body["user"]["id"], admin.user_id.as_str());
    assert_eq!(r.body["company"]["id"], admin.company_id.as_str());
    t.get("/api/auth/me", r.body["accessToken"].as_str())
        .await
        .expect(200);
    t.post("/api/auth/login", None, json!({"email": admin.email}))
        .await
        .expect_error(400, "VALIDATION_FAILED");
}

/// A token for `claims` signed with `secret`, naming the key the API signs with
/// (the root secret's `root`, as no signing keys are set here).
fn forge(claims: Value, secret: &str) -> String {
    let header = jsonwebtoken::Header {
        kid: Some(campus::auth::jwt::ROOT_KID.to_string()),
        ..Default::default()
    };
    jsonwebtoken::encode(
        &header,
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

#[tokio::test]
async fn the_role_is_the_sessions_not_the_tokens() {
    let t = app();
    let admin = new_company().await;
    let learner = join(&admin, "participant").await;
    // Whoever holds the signing secret can mint any claims; the session still says
    // who the caller is.
    let payload = learner.access.split('.').nth(1).expect("a JWT");
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
    let mut claims: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("base64")).expect("json");
    claims["role"] = json!("admin");
    let promoted = forge(claims, JWT_SECRET);
    t.get("/api/users", Some(&promoted))
        .await
        .expect_error(403, "FORBIDDEN");
    let me = t.get("/api/auth/me", Some(&promoted)).await.expect(200);
    assert_eq!(me.body["user"]["role"], "participant");
}

#[tokio::test]
async fn bad_tokens_are_401() {
    let t = app();
    let admin = new_company().await;
    t.get("/api/auth/me", None)
        .await
        .expect_error(401, "UNAUTHENTICATED");
    t.get("/api/auth/me", Some("garbage"))
        .await
        .expect_error(401, "UNAUTHENTICATED");
    let r = t
        .send(
            t.client
                .get(t.url("/api/auth/me"))
                .header("authorization", format!("Basic {}", admin.access)),
        )
        .await;
    r.expect_error(401, "UNAUTHENTICATED");

    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let claims = |exp: i64, iss: &str, aud: &str| json!({"sub": admin.user_id, "tid": admin.company_id, "role": "admin", "sid": "x", "iat": now - 10, "exp": exp, "iss": iss, "aud": aud});
    // Signed right but expired.
    t.get(
        "/api/auth/me",
        Some(&forge(claims(now - 60, "campus", "campus-api"), JWT_SECRET)),
    )
    .await
    .expect_error(401, "TOKEN_EXPIRED");
    // Wrong issuer, audience, secret.
    t.get(
        "/api/auth/me",
        Some(&forge(claims(now + 60, "evil", "campus-api"), JWT_SECRET)),
    )
    .await
    .expect_error(401, "UNAUTHENTICATED");
    t.get(
        "/api/auth/me",
        Some(&forge(claims(now + 60, "campus", "other"), JWT_SECRET)),
    )
    .await
    .expect_error(401, "UNAUTHENTICATED");
    t.get(
        "/api/auth/me",
        Some(&forge(
            claims(now + 60, "campus", "campus-api"),
            "another-secret-another-secret-123456",
        )),
    )
    .await
    .expect_error(401, "UNAUTHENTICATED");
    // alg: none, with the real token's claims.
    use base64::Engine;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let payload = admin.access.split('.').nth(1).unwrap();
    let none = format!("{}.{payload}.", b64.encode(r#"{"alg":"none","typ":"JWT"}"#));
    t.get("/api/auth/me", Some(&none))
        .await
        .expect_error(401, "UNAUTHENTICATED");
    // Well signed, unexpired, but naming a session that does not exist.
    t.get(
        "/api/auth/me",
        Some(&forge(claims(now + 60, "campus", "campus-api"), JWT_SECRET)),
    )
    .await
    .expect_error(401, "SESSION_REVOKED");
}

#[tokio::test]
async fn refresh_rotates_and_reuse_revokes_the_session() {
    let t = app();
    let admin = new_company().await;
    let first = t
        .post(
            "/api/auth/refresh",
            None,
            json!({"refreshToken": admin.refresh}),
        )
        .await
        .expect(200);
    let second_refresh = first.body["refreshToken"].as_str().unwrap().to_string();
    assert_ne!(second_refresh, admin.refresh);
    t.get("/api/auth/me", first.body["accessToken"].as_str())
        .await
        .expect(200);

    // The alias rotates too.
    let second = t
        .post(
            "/api/auth/refresh-token",
            None,
            json!({"refreshToken": second_refresh}),
        )
        .await
        .expect(200);
    let access = second.body["accessToken"].as_str().unwrap().to_string();

    // Replaying the first refresh token: refused, and the whole session is gone.
    t.post(
        "/api/auth/refresh",
        None,
        json!({"refreshToken": admin.refresh}),
    )
    .await
    .expect_error(401, "SESSION_REVOKED");
    t.get("/api/auth/me", Some(&access))
        .await
        .expect_error(401, "SESSION_REVOKED");
    t.post(
        "/api/auth/refresh",
        None,
        json!({"refreshToken": second.body["refreshToken"]}),
    )
    .await
    .expect_error(401, "SESSION_REVOKED");

    t.post(
        "/api/auth/refresh",
        None,
        json!({"refreshToken": "forged.token"}),
    )
    .await
    .expect_error(401, "UNAUTHENTICATED");
    t.post("/api/auth/refresh", None, json!({}))
        .await
        .expect_error(400, "VALIDATION_FAILED");
}

#[tokio::test]
async fn logout_revokes_at_once_and_only_that_session() {
    let t = app();
    let admin = new_company().await;
    let other = t.login(&admin.email, PASSWORD).await.expect(200);
    t.call("POST", "/api/auth/logout", admin.token(), None)
        .await
        .expect(204);
    t.get("/api/auth/me", admin.token())
        .await
        .expect_error(401, "SESSION_REVOKED");
    t.post(
        "/api/auth/refresh",
        None,
        json!({"refreshToken": admin.refresh}),
    )
    .await
    .expect_error(401, "SESSION_REVOKED");
    t.get("/api/auth/me", other.body["accessToken"].as_str())
        .await
        .expect(200);
    t.call("POST", "/api/auth/logout", None, None)
        .await
        .expect_error(401, "UNAUTHENTICATED");
}

#[tokio::test]
async fn invite_registration_joins_with_the_invited_role_once() {
    let t = app();
    let admin = new_company().await;
    let email = unique_email("joiner");
    let invite = t
        .post(
            "/api/company/invites",
            admin.token(),
            json!({"email": email, "role": "instructor"}),
        )
        .await
        .expect(201);
    let token = invite.body["token"].as_str().unwrap();
    assert!(invite.body["inviteUrl"].as_str().unwrap().contains(token));

    // Another address cannot use it.
    t.post("/api/auth/register", None, json!({"email": unique_email("thief"), "password": PASSWORD, "name": "T", "inviteToken": token}))
        .await
        .expect_error(400, "VALIDATION_FAILED");

    let r = t
        .post(
            "/api/auth/register",
            None,
            json!({"email": email, "password": PASSWORD, "name": "Joe", "inviteToken": token}),
        )
        .await
        .expect(201);
    assert_eq!(r.body["user"]["role"], "instructor");
    assert_eq!(r.body["company"]["id"], admin.company_id.as_str());

    // Single use.
    let again = t.post("/api/auth/register", None, json!({"email": unique_email("again"), "password": PASSWORD, "name": "A", "inviteToken": token})).await;
    assert_eq!(again.status, 400, "{}", again.body);

    let list = t
        .get("/api/company/invites", admin.token())
        .await
        .expect(200);
    let item = list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == invite.body["id"])
        .unwrap()
        .clone();
    assert_eq!(item["status"], "accepted");
    assert!(item.get("token").is_none() && item.get("tokenHash").is_none());
    let _ = join(&admin, "participant").await;
}

#[tokio::test]
async fn an_invite_into_a_team_makes_the_newcomer_a_member() {
    let t = app();
    let admin = new_company().await;
    let other = new_company().await;
    let team = t
        .post("/api/teams", admin.token(), json!({"name": "Night shift"}))
        .await
        .expect(201);
    let team_id = team.body["id"].as_str().unwrap().to_string();
    let theirs = t
        .post("/api/teams", other.token(), json!({"name": "Theirs"}))
        .await
        .expect(201);

    // Another company's team, or none at all, is no team to invite into.
    for bad in [theirs.body["id"].as_str().unwrap(), "no-such-team"] {
        let r = t
            .post(
                "/api/company/invites",
                admin.token(),
                json!({"email": unique_email("x"), "role": "participant", "teamId": bad}),
            )
            .await
            .expect_error(400, "VALIDATION_FAILED");
        assert!(r.body.to_string().contains("teamId"), "{}", r.body);
    }

    let email = unique_email("crew");
    let invite = t
        .post(
            "/api/company/invites",
            admin.token(),
            json!({"email": email, "role": "participant", "teamId": team_id}),
        )
        .await
        .expect(201);
    assert_eq!(invite.body["teamId"], team_id.as_str());
    let joined = t
        .post(
            "/api/auth/register",
            None,
            json!({"email": email, "password": PASSWORD, "name": "Crew", "inviteToken": invite.body["token"]}),
        )
        .await
        .expect(201);
    let user_id = joined.body["user"]["id"].as_str().unwrap();
    let detail = t
        .get(&format!("/api/teams/{team_id}"), admin.token())
        .await
        .expect(200);
    let members: Vec<&str> = detail.body["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["userId"].as_str().unwrap())
        .collect();
    assert!(members.contains(&user_id), "{}", detail.body);
    assert_eq!(detail.body["memberCount"], 2, "the lead and the newcomer");
    let mine = t
        .get("/api/teams", joined.body["accessToken"].as_str())
        .await
        .expect(200);
    assert_eq!(mine.body["items"][0]["id"], team_id.as_str());

    // A team deleted after the invite: the newcomer still joins the company.
    let doomed = t
        .post("/api/teams", admin.token(), json!({"name": "Short-lived"}))
        .await
        .expect(201);
    let doomed_id = doomed.body["id"].as_str().unwrap();
    let late = unique_email("late");
    let invite = t
        .post(
            "/api/company/invites",
            admin.token(),
            json!({"email": late, "role": "participant", "teamId": doomed_id}),
        )
        .await
        .expect(201);
    t.delete(&format!("/api/teams/{doomed_id}"), admin.token())
        .await
        .expect(204);
    let r = t
        .post(
            "/api/auth/register",
            None,
            json!({"email": late, "password": PASSWORD, "name": "Late", "inviteToken": invite.body["token"]}),
        )
        .await
        .expect(201);
    assert_eq!(r.body["company"]["id"], admin.company_id.as_str());
    let none = t
        .get("/api/teams", r.body["accessToken"].as_str())
        .await
        .expect(200);
    assert_eq!(none.body["items"], json!([]));
}

#[tokio::test]
async fn imported_bcrypt_hashes_sign_in_and_are_upgraded() {
    let t = app();
    let admin = new_company().await;
    // An account migrated from an older system keeps its bcrypt hash.
    let db = t.db().await;
    let key = campus::db::keys::login(&admin.email);
    let mut login: campus::model::Login = db.get(&key).await.unwrap().unwrap();
    login.password_hash = Some(bcrypt::hash("Legacy-pass-42", 4).unwrap());
    db.put(&login, None).await.unwrap();

    t.login(&admin.email, PASSWORD)
        .await
        .expect_error(401, "INVALID_CREDENTIALS");
    t.login(&admin.email, "Legacy-pass-42").await.expect(200);
    let upgraded: campus::model::Login = db.get(&key).await.unwrap().unwrap();
    assert!(
        upgraded.password_hash.unwrap().starts_with("$argon2id$"),
        "the bcrypt hash was not replaced"
    );
    t.login(&admin.email, "Legacy-pass-42").await.expect(200);
}
