//! A stand-in for Google's, Microsoft's and GitHub's OAuth endpoints (none runs
//! locally): `/{provider}/authorize` hands out a code for whoever the test says is
//! signing in, `/{provider}/token` checks the client, the redirect URI and the PKCE
//! verifier before it answers an access token (and for Microsoft an ID token), and
//! `/{provider}/userinfo` answers the user as that provider would.

use std::{
    collections::HashMap,
    sync::{Mutex, OnceLock},
};

use axum::{
    Json, Router,
    extract::{Path, Query},
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};
use serde_json::json;

pub const CLIENT_ID: &str = "campus-test-client";
pub const CLIENT_SECRET: &str = "campus-test-client-secret";
/// The Entra ID tenant of the Microsoft stand-in's ID tokens.
pub const TENANT: &str = "9188040d-6c67-4c5b-b112-36a304b66dad";

/// The issuer setting for the stand-in at `base` (`http://127.0.0.1:port`).
pub fn issuer(base: &str) -> String {
    format!("{base}/microsoft/{{tid}}/v2.0")
}

/// Who signs in at the provider next: their email and whether it is verified.
#[derive(Clone)]
struct Person {
    email: String,
    verified: bool,
}

struct Grant {
    provider: String,
    redirect_uri: String,
    challenge: String,
    person: Person,
}

#[derive(Default)]
struct World {
    next: HashMap<String, Person>,
    codes: HashMap<String, Grant>,
    tokens: HashMap<String, (String, Person)>,
}

fn world() -> &'static Mutex<World> {
    static WORLD: OnceLock<Mutex<World>> = OnceLock::new();
    WORLD.get_or_init(Default::default)
}

/// The next sign-in at `provider` whose `state` is `state` is by `email`.
pub fn signs_in(state: &str, email: &str, verified: bool) {
    world().lock().expect("world").next.insert(
        state.to_string(),
        Person {
            email: email.to_string(),
            verified,
        },
    );
}

pub fn router() -> Router {
    Router::new()
        .route("/{provider}/authorize", get(authorize))
        .route("/{provider}/token", post(token))
        .route("/{provider}/userinfo", get(userinfo))
}

async fn authorize(
    Path(provider): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let field = |k: &str| q.get(k).cloned().unwrap_or_default();
    if field("client_id") != CLIENT_ID
        || field("response_type") != "code"
        || field("code_challenge_method") != "S256"
        || field("code_challenge").len() < 43
    {
        return (StatusCode::BAD_REQUEST, "bad authorization request").into_response();
    }
    let state = field("state");
    let mut w = world().lock().expect("world");
    let Some(person) = w.next.remove(&state) else {
        return (StatusCode::BAD_REQUEST, "nobody signs in with this state").into_response();
    };
    let code = format!("code-{}", ulid::Ulid::generate());
    let redirect_uri = field("redirect_uri");
    w.codes.insert(
        code.clone(),
        Grant {
            provider,
            redirect_uri: redirect_uri.clone(),
            challenge: field("code_challenge"),
            person,
        },
    );
    Redirect::to(&format!("{redirect_uri}?code={code}&state={state}")).into_response()
}

async fn token(
    Path(provider): Path<String>,
    headers: axum::http::HeaderMap,
    body: String,
) -> Response {
    let base = format!(
        "http://{}",
        headers
            .get(axum::http::header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or_default()
    );
    let form: HashMap<String, String> = serde_urlencoded::from_str(&body).unwrap_or_default();
    let field = |k: &str| form.get(k).cloned().unwrap_or_default();
    let mut w = world().lock().expect("world");
    // A code is good once.
    let Some(grant) = w.codes.remove(&field("code")) else {
        return invalid_grant();
    };
    let verifier = field("code_verifier");
    if field("grant_type") != "authorization_code"
        || field("client_id") != CLIENT_ID
        || field("client_secret") != CLIENT_SECRET
        || grant.provider != provider
        || field("redirect_uri") != grant.redirect_uri
        || campus::auth::tokens::pkce_challenge(&verifier) != grant.challenge
    {
        return invalid_grant();
    }
    let access = format!("at-{}", ulid::Ulid::generate());
    let mut answer = json!({"access_token": access, "token_type": "Bearer"});
    if provider == "microsoft" {
        // Entra ID says an email is verified only in the ID token, with the
        // optional `xms_edov` claim.
        use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
        let claims = json!({"sub": "subject-1", "email": grant.person.email,
            "xms_edov": grant.person.verified, "aud": CLIENT_ID, "tid": TENANT,
            "iss": issuer(&base).replace("{tid}", TENANT),
            "exp": time::OffsetDateTime::now_utc().unix_timestamp() + 3600});
        answer["id_token"] = json!(format!(
            "{}.{}.signature",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"RS256","typ":"JWT"}"#),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        ));
    }
    w.tokens.insert(access, (provider, grant.person));
    Json(answer).into_response()
}

fn invalid_grant() -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({"error": "invalid_grant"})),
    )
        .into_response()
}

async fn userinfo(Path(provider): Path<String>, headers: HeaderMap) -> Response {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    let w = world().lock().expect("world");
    let Some((issued_for, person)) = w.tokens.get(bearer) else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    if *issued_for != provider {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    if provider == "github" {
        // GitHub's /user/emails: every address, the primary one flagged.
        Json(json!([
            {"email": "old-address@example.com", "primary": false, "verified": true},
            {"email": person.email, "primary": true, "verified": person.verified},
        ]))
        .into_response()
    } else if provider == "microsoft" {
        // As Microsoft's: an email, and no word on whether it is verified.
        Json(json!({"sub": "subject-1", "email": person.email})).into_response()
    } else {
        Json(json!({"sub": "subject-1", "email": person.email, "email_verified": person.verified}))
            .into_response()
    }
}
