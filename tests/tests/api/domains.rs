//! Company email domains for OAuth sign-up: claimed by an admin at that domain, one
//! company each, never a public mail service; released again.

use campus_tests::{Account, PASSWORD, app, join};
use serde_json::{Value, json};

/// A fresh domain of this test run's own.
pub fn fresh_domain() -> String {
    format!(
        "{}.example",
        ulid::Ulid::generate().to_string().to_lowercase()
    )
}

/// Registers `email` as the admin of a new company.
pub async fn admin_at(email: &str) -> Account {
    let t = app();
    let r = t
        .post(
            "/api/auth/register",
            None,
            json!({"email": email, "password": PASSWORD, "name": "Ada Admin", "companyName": "Acme"}),
        )
        .await
        .expect(201);
    Account {
        email: email.into(),
        user_id: r.body["user"]["id"].as_str().unwrap().into(),
        company_id: r.body["user"]["companyId"].as_str().unwrap().into(),
        access: r.body["accessToken"].as_str().unwrap().into(),
        refresh: r.body["refreshToken"].as_str().unwrap().into(),
        version: 1,
    }
}

/// An admin at `email` who has shown the address is theirs (a verified OAuth
/// sign-in), as a claim asks.
pub async fn verified_admin_at(email: &str) -> Account {
    let admin = admin_at(email).await;
    let f = super::oauth::sign_in_with("google", email, true).await;
    assert!(f.contains_key("accessToken"), "{f:?}");
    admin
}

pub async fn claim(by: &Account, domain: &str) -> campus_tests::Resp {
    app()
        .post(
            "/api/company/domains",
            by.token(),
            json!({"domain": domain}),
        )
        .await
}

fn listed(body: &Value) -> Vec<&str> {
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["domain"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn an_admin_claims_their_own_domain_once() {
    let t = app();
    let domain = fresh_domain();
    // Registration takes an address on trust: a claim waits until it is shown to
    // be theirs.
    let admin = admin_at(&format!("ada@{domain}")).await;
    claim(&admin, &domain).await.expect_error(403, "FORBIDDEN");
    let f = super::oauth::sign_in_with("microsoft", &admin.email, true).await;
    assert!(f.contains_key("accessToken"), "{f:?}");
    let list = t
        .get("/api/company/domains", admin.token())
        .await
        .expect(200);
    assert!(listed(&list.body).is_empty());

    // Not their domain, a public one, not a domain at all: 400.
    for bad in [
        fresh_domain(),
        "gmail.com".into(),
        "localhost".into(),
        "a b.example".into(),
    ] {
        claim(&admin, &bad)
            .await
            .expect_error(400, "VALIDATION_FAILED");
    }
    let r = claim(&admin, &domain.to_uppercase()).await.expect(201);
    assert_eq!(r.body["domain"], domain.as_str());
    assert_eq!(r.body["claimedBy"], admin.user_id.as_str());
    let list = t
        .get("/api/company/domains", admin.token())
        .await
        .expect(200);
    assert_eq!(listed(&list.body), [domain.as_str()]);
    claim(&admin, &domain).await.expect_error(409, "CONFLICT");

    // Another company's admin at the same domain: it is taken.
    let rival = verified_admin_at(&format!("bob@{domain}")).await;
    claim(&rival, &domain).await.expect_error(409, "CONFLICT");
    t.delete(&format!("/api/company/domains/{domain}"), rival.token())
        .await
        .expect_error(404, "NOT_FOUND");
    let rivals = t
        .get("/api/company/domains", rival.token())
        .await
        .expect(200);
    assert!(
        listed(&rivals.body).is_empty(),
        "another company's claim shows"
    );

    // Only admins.
    let manager = join(&admin, "manager").await;
    claim(&manager, &domain)
        .await
        .expect_error(403, "FORBIDDEN");
    t.get("/api/company/domains", manager.token())
        .await
        .expect_error(403, "FORBIDDEN");

    // Released, it is free for the other company.
    t.delete(&format!("/api/company/domains/{domain}"), admin.token())
        .await
        .expect(204);
    t.delete(&format!("/api/company/domains/{domain}"), admin.token())
        .await
        .expect_error(404, "NOT_FOUND");
    claim(&rival, &domain).await.expect(201);
}

#[tokio::test]
async fn two_companies_claiming_one_domain_at_once_get_one_claim() {
    let domain = fresh_domain();
    let ada = verified_admin_at(&format!("ada@{domain}")).await;
    let bob = verified_admin_at(&format!("bob@{domain}")).await;
    let (a, b) = tokio::join!(claim(&ada, &domain), claim(&bob, &domain));
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(statuses, [201, 409], "{} / {}", a.body, b.body);
}
