//! OAuth sign-in through the HTTP path, as a browser follows it, against a local
//! stand-in for Google, Microsoft and GitHub: `state` and PKCE checked, only a
//! verified email signs in, and only to the account that has it.

use std::collections::HashMap;

use campus_tests::{Account, PASSWORD, app, new_company, oauth, unique_email};
use serde_json::json;

fn query(url: &str) -> HashMap<String, String> {
    let q = url.split_once('?').map(|(_, q)| q).unwrap_or_default();
    let q = q.split('#').next().unwrap_or_default();
    serde_urlencoded::from_str(q).expect("a query")
}

fn fragment(url: &str) -> HashMap<String, String> {
    let f = url.split_once('#').map(|(_, f)| f).unwrap_or_default();
    serde_urlencoded::from_str(f).expect("a fragment")
}

/// Leaves for `provider`: the URL of its sign-in page, checked, and the cookie that
/// binds the sign-in to this browser (`name=value`).
async fn leave_for(provider: &str) -> (String, String) {
    let t = app();
    let r = t
        .get(&format!("/api/auth/{provider}"), None)
        .await
        .expect(302);
    let to = r.header("location").expect("a redirect").to_string();
    let set = r
        .header("set-cookie")
        .expect("a binding cookie")
        .to_string();
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Lax"),
        "{set}"
    );
    let cookie = set.split(';').next().unwrap_or_default().to_string();
    let q = query(&to);
    assert_eq!(q["client_id"], oauth::CLIENT_ID);
    assert_eq!(q["code_challenge_method"], "S256");
    assert_eq!(
        q["redirect_uri"],
        t.url(&format!("/api/auth/{provider}/callback"))
    );
    assert!(q["state"].len() >= 32);
    (to, cookie)
}

/// At the provider, `email` signs in; the provider sends the browser back: our
/// callback's URL.
async fn at_provider(to: &str, email: &str, verified: bool) -> String {
    let t = app();
    oauth::signs_in(&query(to)["state"], email, verified);
    let r = t.send(t.client.get(to)).await;
    assert!(r.status == 303 || r.status == 302, "{r:?}");
    r.header("location").expect("back to us").to_string()
}

/// Our callback, in the browser holding `cookie`: where it sends the browser (the
/// frontend), as fragment fields.
async fn come_back(callback: &str, cookie: &str) -> HashMap<String, String> {
    let t = app();
    let r = t
        .send(t.client.get(callback).header("cookie", cookie))
        .await
        .expect(302);
    let to = r.header("location").expect("to the frontend").to_string();
    assert!(
        to.starts_with("http://localhost:5173/auth/callback#"),
        "{to}"
    );
    fragment(&to)
}

pub(crate) async fn sign_in_with(
    provider: &str,
    email: &str,
    verified: bool,
) -> HashMap<String, String> {
    let (to, cookie) = leave_for(provider).await;
    let back = at_provider(&to, email, verified).await;
    come_back(&back, &cookie).await
}

async fn signed_in_as(f: &HashMap<String, String>, who: &Account) {
    let t = app();
    let access = f
        .get("accessToken")
        .unwrap_or_else(|| panic!("no tokens: {f:?}"));
    let me = t.get("/api/auth/me", Some(access)).await.expect(200);
    assert_eq!(me.body["user"]["id"], who.user_id.as_str());
    t.post(
        "/api/auth/refresh",
        None,
        json!({"refreshToken": f["refreshToken"]}),
    )
    .await
    .expect(200);
}

#[tokio::test]
async fn each_provider_signs_in_the_account_with_its_verified_email() {
    let ada = new_company().await;
    for provider in ["google", "microsoft", "github"] {
        // The provider may spell the address in another case.
        let f = sign_in_with(provider, &ada.email.to_uppercase(), true).await;
        signed_in_as(&f, &ada).await;
    }
}

#[tokio::test]
async fn an_unverified_or_unknown_email_signs_in_nobody() {
    let ada = new_company().await;
    for provider in ["google", "microsoft", "github"] {
        let f = sign_in_with(provider, &ada.email, false).await;
        assert_eq!(f["error"], "unverified_email", "{provider}");
        assert!(!f.contains_key("accessToken"));
    }
}

#[tokio::test]
async fn a_verified_stranger_signs_up_into_a_company_of_their_own() {
    let t = app();
    for provider in ["google", "microsoft", "github"] {
        let email = unique_email("grace.hopper");
        let f = sign_in_with(provider, &email, true).await;
        let access = f
            .get("accessToken")
            .unwrap_or_else(|| panic!("{provider}: {f:?}"));
        let me = t.get("/api/auth/me", Some(access)).await.expect(200);
        assert_eq!(me.body["user"]["email"], email.as_str());
        assert_eq!(me.body["user"]["role"], "admin", "{provider}");
        assert!(
            me.body["user"]["name"]
                .as_str()
                .unwrap()
                .starts_with("Grace Hopper"),
            "{}",
            me.body
        );
        let company = &me.body["company"];
        assert_eq!(company["plan"], "free");
        assert_eq!(company["seatsUsed"], 1);
        // Signing in again is the same account, not another company.
        let again = sign_in_with(provider, &email, true).await;
        let me_again = t
            .get("/api/auth/me", Some(&again["accessToken"]))
            .await
            .expect(200);
        assert_eq!(me_again.body["user"]["id"], me.body["user"]["id"]);
    }
}

#[tokio::test]
async fn a_claimed_domain_signs_its_people_up_into_its_company_seats_permitting() {
    let t = app();
    let domain = super::domains::fresh_domain();
    let admin = super::domains::verified_admin_at(&format!("ada@{domain}")).await;
    super::domains::claim(&admin, &domain).await.expect(201);
    for (i, provider) in ["google", "microsoft", "github"].into_iter().enumerate() {
        let email = format!("worker{i}@{domain}");
        let f = sign_in_with(provider, &email, true).await;
        let access = f
            .get("accessToken")
            .unwrap_or_else(|| panic!("{provider}: {f:?}"));
        let me = t.get("/api/auth/me", Some(access)).await.expect(200);
        assert_eq!(me.body["user"]["companyId"], admin.company_id.as_str());
        assert_eq!(me.body["user"]["role"], "participant", "{provider}");
    }
    // The company's users see them; the seats are counted.
    let users = t.get("/api/users", admin.token()).await.expect(200);
    assert_eq!(users.body["items"].as_array().unwrap().len(), 4);
    let company = t.get("/api/company", admin.token()).await.expect(200);
    assert_eq!(company.body["seatsUsed"], 4);
    // The free plan's fifth seat goes; the sixth person is refused, and nothing of
    // them is kept.
    let f = sign_in_with("google", &format!("fifth@{domain}"), true).await;
    assert!(f.contains_key("accessToken"), "{f:?}");
    let f = sign_in_with("google", &format!("sixth@{domain}"), true).await;
    assert_eq!(f["error"], "no_seat");
    t.login(&format!("sixth@{domain}"), PASSWORD)
        .await
        .expect_error(401, "INVALID_CREDENTIALS");
    // Released, the domain no longer leads into the company.
    t.delete(&format!("/api/company/domains/{domain}"), admin.token())
        .await
        .expect(204);
    let f = sign_in_with("github", &format!("later@{domain}"), true).await;
    let me = t
        .get("/api/auth/me", Some(&f["accessToken"]))
        .await
        .expect(200);
    assert_ne!(me.body["user"]["companyId"], admin.company_id.as_str());
    assert_eq!(me.body["user"]["role"], "admin");
}

#[tokio::test]
async fn a_state_is_good_once_and_only_for_its_provider() {
    let t = app();
    let ada = new_company().await;
    // Used twice: the second time it is spent.
    let (to, cookie) = leave_for("google").await;
    let back = at_provider(&to, &ada.email, true).await;
    signed_in_as(&come_back(&back, &cookie).await, &ada).await;
    assert_eq!(come_back(&back, &cookie).await["error"], "invalid_state");

    // A state that was never handed out, or none.
    let forged = t.url("/api/auth/google/callback?code=x&state=forged-state-value");
    assert_eq!(come_back(&forged, &cookie).await["error"], "invalid_state");
    let bare = t.url("/api/auth/google/callback");
    assert_eq!(come_back(&bare, &cookie).await["error"], "invalid_state");

    // Google's state at GitHub's callback.
    let (to, cookie) = leave_for("google").await;
    let back = at_provider(&to, &ada.email, true).await;
    let elsewhere = back.replace("/api/auth/google/", "/api/auth/github/");
    assert_eq!(
        come_back(&elsewhere, &cookie).await["error"],
        "invalid_state"
    );

    // The user declined at the provider.
    let (to, cookie) = leave_for("microsoft").await;
    let declined = t.url(&format!(
        "/api/auth/microsoft/callback?error=access_denied&state={}",
        query(&to)["state"]
    ));
    assert_eq!(
        come_back(&declined, &cookie).await["error"],
        "access_denied"
    );

    // No such provider.
    t.get("/api/auth/facebook", None)
        .await
        .expect_error(404, "NOT_FOUND");
}

#[tokio::test]
async fn a_disabled_account_is_not_signed_in() {
    let ada = new_company().await;
    let bob = campus_tests::join(&ada, "participant").await;
    campus_tests::change_user(&ada, &bob.user_id, json!({"status": "disabled"})).await;
    let f = sign_in_with("github", &bob.email, true).await;
    assert_eq!(f["error"], "account_disabled");
}

#[tokio::test]
async fn a_sign_in_finishes_only_in_the_browser_that_started_it() {
    // Login CSRF: Mallory starts a sign-in with her own account and sends the
    // callback link to Ada, whose browser holds no binding cookie, or another one.
    let mallory = new_company().await;
    let (_, adas_cookie) = leave_for("google").await;
    for cookie in ["", "campus_oauth=", adas_cookie.as_str()] {
        let (to, _mallorys_cookie) = leave_for("google").await;
        let back = at_provider(&to, &mallory.email, true).await;
        let f = come_back(&back, cookie).await;
        assert_eq!(f["error"], "invalid_state", "with {cookie:?}");
        assert!(!f.contains_key("accessToken"));
    }
}
