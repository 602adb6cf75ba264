//! The platform operator: created outside the API, listing and reading every company,
//! suspending one (its users refused everywhere, its sockets closed, the Stripe
//! webhook still applied) and reinstating it, each action in that company's trail.

use campus::platform;
use campus_tests::{
    Account, PASSWORD, app, ended_within, join, next_message, socket, stripe, unique_email,
};
use serde_json::{Value, json};

/// A platform operator, made as `make superadmin` makes one, signed in.
async fn operator() -> (String, String) {
    let t = app();
    let state = campus_tests::function_state(&t.settings, "reminders");
    let email = unique_email("operator");
    let id = platform::create_operator(&state, &email, "Olga Operator", Some(PASSWORD.into()))
        .await
        .unwrap();
    let r = t.login(&email, PASSWORD).await.expect(200);
    assert_eq!(r.body["user"]["role"], "super_admin");
    (id, r.body["accessToken"].as_str().unwrap().to_string())
}

/// A company named `name`, its admin signed in.
async fn company(name: &str) -> (Account, Value) {
    let t = app();
    let email = unique_email("admin");
    let r = t
        .post(
            "/api/auth/register",
            None,
            json!({"email": email, "password": PASSWORD, "name": "Ada", "companyName": name}),
        )
        .await
        .expect(201);
    let admin = Account {
        email,
        user_id: r.body["user"]["id"].as_str().unwrap().into(),
        company_id: r.body["user"]["companyId"].as_str().unwrap().into(),
        access: r.body["accessToken"].as_str().unwrap().into(),
        refresh: r.body["refreshToken"].as_str().unwrap().into(),
        version: 1,
    };
    (admin, r.body)
}

#[tokio::test]
async fn the_operator_lists_and_reads_every_company_and_nobody_else_may() {
    let t = app();
    let (operator_id, op) = operator().await;
    let op = Some(op.as_str());
    let tag = ulid::Ulid::generate().to_string().to_lowercase();
    let (zeta, _) = company(&format!("Zeta {tag} Ltd")).await;
    let (_, _) = company(&format!("ZETA {tag} Two")).await;
    company(&format!("Other {tag}")).await;
    campus_tests::course_with_lessons(&zeta, "Ladders", "published", 1).await;
    join(&zeta, "participant").await;

    // `?q=` is a name prefix, any case, in name order, in cursor pages.
    let first = t
        .get(
            &format!("/api/platform/companies?q=zeta%20{tag}&limit=1"),
            op,
        )
        .await
        .expect(200);
    assert_eq!(first.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(first.body["items"][0]["name"], format!("Zeta {tag} Ltd"));
    assert_eq!(first.body["items"][0]["status"], "active");
    assert_eq!(first.body["items"][0]["seatsUsed"], 2);
    let cursor = first.body["nextCursor"].as_str().unwrap();
    let second = t
        .get(
            &format!("/api/platform/companies?q=Zeta%20{tag}&limit=1&cursor={cursor}"),
            op,
        )
        .await
        .expect(200);
    assert_eq!(second.body["items"][0]["name"], format!("ZETA {tag} Two"));

    let one = t
        .get(&format!("/api/platform/companies/{}", zeta.company_id), op)
        .await
        .expect(200);
    assert_eq!(one.body["id"], zeta.company_id.as_str());
    assert_eq!(one.body["counts"]["users"], 2);
    assert_eq!(one.body["counts"]["courses"], 1);
    assert_eq!(one.body["counts"]["certificates"], 0);
    assert_eq!(one.body["counts"]["storageBytes"], 0);
    for missing in ["01JDZZZZZZZZZZZZZZZZZZZZZZ", "platform"] {
        t.get(&format!("/api/platform/companies/{missing}"), op)
            .await
            .expect_error(404, "NOT_FOUND");
    }

    // Nobody else: a company's admin is refused, a stranger is asked to sign in.
    t.get("/api/platform/companies", zeta.token())
        .await
        .expect_error(403, "FORBIDDEN");
    t.post(
        &format!("/api/platform/companies/{}/suspend", zeta.company_id),
        zeta.token(),
        json!({"reason": "mine"}),
    )
    .await
    .expect_error(403, "FORBIDDEN");
    t.get("/api/platform/companies", None)
        .await
        .expect_error(401, "UNAUTHENTICATED");
    // The operator is in no customer's lists.
    let users = t.get("/api/users", zeta.token()).await.expect(200);
    assert!(!users.body.to_string().contains(&operator_id));
    // Nor can anyone grant the role.
    let p = join(&zeta, "participant").await;
    t.put(
        &format!("/api/users/{}", p.user_id),
        zeta.token(),
        json!({"role": "super_admin"}),
    )
    .await
    .expect_error(400, "VALIDATION_FAILED");
}

#[tokio::test]
async fn a_suspended_company_is_refused_everywhere_until_reinstated() {
    let t = app();
    let (operator_id, op) = operator().await;
    let op = Some(op.as_str());
    let (admin, _) = company("Suspended Inc").await;
    let learner = join(&admin, "participant").await;
    let invited = unique_email("late");
    let invite = t
        .post(
            "/api/company/invites",
            admin.token(),
            json!({"email": invited, "role": "participant"}),
        )
        .await
        .expect(201);
    let mut ws = socket(&learner.access).await.unwrap();
    assert_eq!(
        next_message(&mut ws, 3000).await.unwrap()["type"],
        "initial"
    );
    let path = |action: &str| format!("/api/platform/companies/{}/{action}", admin.company_id);

    // Bad input changes nothing.
    for body in [
        json!({}),
        json!({"reason": ""}),
        json!({"reason": "x", "extra": 1}),
    ] {
        t.post(&path("suspend"), op, body)
            .await
            .expect_error(400, "VALIDATION_FAILED");
    }
    t.get("/api/auth/me", admin.token()).await.expect(200);
    t.post(
        "/api/platform/companies/01JDZZZZZZZZZZZZZZZZZZZZZZ/suspend",
        op,
        json!({"reason": "unpaid"}),
    )
    .await
    .expect_error(404, "NOT_FOUND");

    let r = t
        .post(&path("suspend"), op, json!({"reason": "Unpaid invoices"}))
        .await
        .expect(200);
    assert_eq!(r.body["status"], "suspended");
    assert!(ended_within(&mut ws, 3000).await, "the socket is closed");

    // Every request of its users: tokens, sign-in, refresh, a new socket.
    for who in [&admin, &learner] {
        for path in [
            "/api/auth/me",
            "/api/users",
            "/api/courses",
            "/api/notifications",
        ] {
            t.get(path, who.token())
                .await
                .expect_error(403, "COMPANY_SUSPENDED");
        }
    }
    t.post("/api/teams", admin.token(), json!({"name": "Crew"}))
        .await
        .expect_error(403, "COMPANY_SUSPENDED");
    t.login(&admin.email, PASSWORD)
        .await
        .expect_error(403, "COMPANY_SUSPENDED");
    t.post(
        "/api/auth/refresh",
        None,
        json!({"refreshToken": admin.refresh}),
    )
    .await
    .expect_error(403, "COMPANY_SUSPENDED");
    assert_eq!(socket(&learner.access).await.err(), Some(403));
    // An invite made before cannot be taken up meanwhile.
    t.post(
        "/api/auth/register",
        None,
        json!({"email": invited, "password": PASSWORD, "name": "Late", "inviteToken": invite.body["token"]}),
    )
    .await
    .expect_error(403, "COMPANY_SUSPENDED");
    // Billing still reaches it.
    stripe::set_plan(&admin.company_id, "pro").await;
    let detail = t
        .get(&format!("/api/platform/companies/{}", admin.company_id), op)
        .await
        .expect(200);
    assert_eq!(detail.body["plan"], "pro");
    assert_eq!(detail.body["status"], "suspended");
    assert_eq!(detail.body["suspendedReason"], "Unpaid invoices");

    t.post(&path("unsuspend"), op, json!({"reason": "Paid"}))
        .await
        .expect(200);
    t.get("/api/auth/me", learner.token()).await.expect(200);
    // The refresh token refused while suspended still works.
    t.post(
        "/api/auth/refresh",
        None,
        json!({"refreshToken": admin.refresh}),
    )
    .await
    .expect(200);
    let me = t.login(&admin.email, PASSWORD).await.expect(200);
    let admin_token = me.body["accessToken"].as_str().unwrap().to_string();

    // Both actions are in the company's own trail, by the operator.
    let trail = t
        .get("/api/audit-logs?limit=100", Some(&admin_token))
        .await
        .expect(200);
    let actions: Vec<(&str, &str, &str)> = trail.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["actorId"] == operator_id.as_str())
        .map(|e| {
            (
                e["action"].as_str().unwrap(),
                e["outcome"].as_str().unwrap(),
                e["actorRole"].as_str().unwrap(),
            )
        })
        .collect();
    for action in ["suspend", "unsuspend"] {
        let route = format!("POST /api/platform/companies/{{id}}/{action}");
        assert!(
            actions.contains(&(route.as_str(), "success", "super_admin")),
            "{action} not in the trail: {actions:?}"
        );
    }
}

#[tokio::test]
async fn an_operator_is_made_once_per_address_with_a_good_password() {
    let state = campus_tests::function_state(&app().settings, "reminders");
    let email = unique_email("operator");
    let weak = platform::create_operator(&state, &email, "Olga", Some("short".into())).await;
    assert!(weak.is_err());
    platform::create_operator(&state, &email, "Olga", Some(PASSWORD.into()))
        .await
        .unwrap();
    let again = platform::create_operator(&state, &email, "Olga", Some(PASSWORD.into())).await;
    assert_eq!(again.unwrap_err().code(), "CONFLICT");
    // Without a password (the path in AWS), a set-password link is mailed instead.
    let mailed = unique_email("operator");
    platform::create_operator(&state, &mailed, "Oskar", None)
        .await
        .unwrap();
    assert!(
        campus_tests::mailed_token("platform", &mailed, "set_password")
            .await
            .is_some()
    );
}
