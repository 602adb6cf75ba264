//! Sign-in with Google, Microsoft or GitHub: the authorization code flow with
//! `state` and PKCE (RFC 6749, RFC 7636). The protocol is three requests, so it is
//! written here on the HTTP client and hashing the project already has, rather
//! than with a crate that would bring a second reqwest, rand and sha2.
//!
//! An account is found by the provider's *verified* email. A verified email without
//! one signs up: into the company that claimed its domain (as a participant, a seat
//! permitting), or else into a new company of its own, as its admin, as
//! registration without an invite does. The callback ends
//! in a redirect to the frontend: tokens in the fragment (never sent to a server,
//! never in logs), or `error=...`.
//!
//! The `state` is bound to the browser that left: `GET /{provider}` sets a cookie
//! whose secret's hash the state keeps, and the callback goes on only with that
//! cookie, so nobody can finish their own sign-in in someone else's browser.

use std::sync::OnceLock;

use axum::{
    extract::{Path, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use campus::{
    ApiError, ApiResult, AppState,
    auth::{
        ClientOrigin,
        sessions::{self, Origin},
        tokens,
    },
    clock,
    config::{OAuthProvider, VerifiedEmail},
    db::{Cond, StoreError, Update, entity_of, keys},
    domains,
    error::ErrorBody,
    http::QueryParams,
    model::{Company, CompanyStatus, DomainClaim, Login, Mail, OAuthState, Role, User, UserStatus},
    plans,
};
use serde::Deserialize;
use utoipa::IntoParams;
use validator::Validate;

/// How long a sign-in may take between leaving for the provider and coming back.
const STATE_TTL_SECS: i64 = 600;
/// The cookie that binds a sign-in to its browser.
const BINDING_COOKIE: &str = "campus_oauth";

/// The binding cookie, set (with its secret) or cleared (`None`). `Secure` whenever
/// the API is served over https; `Lax`, so the provider's redirect back carries it.
fn binding_cookie(state: &AppState, secret: Option<&str>) -> Option<HeaderValue> {
    let secure = if state.config.api_base_url.starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    let (value, age) = match secret {
        Some(s) => (s, STATE_TTL_SECS),
        None => ("", 0),
    };
    HeaderValue::from_str(&format!(
        "{BINDING_COOKIE}={value}; Path=/api/auth; Max-Age={age}; HttpOnly; SameSite=Lax{secure}"
    ))
    .ok()
}

/// The binding secret this browser presents, if any.
fn presented_binding(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(name, _)| *name == BINDING_COOKIE)
        .map(|(_, value)| value.to_string())
        .filter(|v| !v.is_empty())
}

fn provider<'a>(state: &'a AppState, name: &str) -> ApiResult<&'a OAuthProvider> {
    state
        .config
        .oauth
        .iter()
        .find(|p| p.name == name)
        .ok_or(ApiError::NotFound)
}

fn callback_url(state: &AppState, provider: &str) -> String {
    format!(
        "{}/api/auth/{provider}/callback",
        state.config.api_base_url.trim_end_matches('/')
    )
}

fn redirect(to: &str) -> Response {
    match HeaderValue::from_str(to) {
        Ok(v) => (StatusCode::FOUND, [(header::LOCATION, v)]).into_response(),
        Err(_) => ApiError::Internal("unencodable redirect".into()).into_response(),
    }
}

/// Start signing in with a provider: a redirect to its sign-in page.
#[utoipa::path(get, path = "/api/auth/{provider}", tag = "auth",
    params(("provider" = String, Path, description = "`google`, `microsoft` or `github`")),
    responses((status = 302, description = "To the provider's sign-in page, with `state` and a PKCE challenge; sets the cookie that binds the sign-in to this browser"),
        (status = 404, description = "No such provider, or it is not configured", body = ErrorBody)))]
pub async fn start(State(state): State<AppState>, Path(name): Path<String>) -> ApiResult<Response> {
    let p = provider(&state, &name)?;
    let csrf = tokens::random_secret();
    // 32 random bytes as base64url: 43 characters, as RFC 7636 asks.
    let verifier = tokens::random_secret();
    let binding = tokens::random_secret();
    let pending = OAuthState {
        id: tokens::sha256_hex(&csrf),
        provider: p.name.to_string(),
        verifier: verifier.clone(),
        expires_epoch: clock::now().unix_timestamp() + STATE_TTL_SECS,
        browser: tokens::sha256_hex(&binding),
    };
    state.db.put(&pending, Cond::absent()).await?;
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("response_type", "code")
        .append_pair("client_id", &p.client_id)
        .append_pair("redirect_uri", &callback_url(&state, p.name))
        .append_pair("scope", p.scope)
        .append_pair("state", &csrf)
        .append_pair("code_challenge", &tokens::pkce_challenge(&verifier))
        .append_pair("code_challenge_method", "S256")
        .finish();
    let mut res = redirect(&format!("{}?{query}", p.authorize_url));
    if let Some(cookie) = binding_cookie(&state, Some(&binding)) {
        res.headers_mut().append(header::SET_COOKIE, cookie);
    }
    Ok(res)
}

#[derive(Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CallbackQuery {
    #[validate(length(max = 2048))]
    pub code: Option<String>,
    #[validate(length(max = 256))]
    pub state: Option<String>,
    /// Set by the provider when the user declined.
    #[validate(length(max = 256))]
    pub error: Option<String>,
}

/// Why a sign-in ended without tokens, as the frontend gets it.
#[derive(Debug)]
enum Refusal {
    Declined,
    InvalidState,
    ProviderFailed,
    UnverifiedEmail,
    NoSeat,
    Disabled,
    Suspended,
    Unavailable,
}

impl Refusal {
    fn code(&self) -> &'static str {
        match self {
            Self::Declined => "access_denied",
            Self::InvalidState => "invalid_state",
            Self::ProviderFailed => "provider_failed",
            Self::UnverifiedEmail => "unverified_email",
            Self::NoSeat => "no_seat",
            Self::Disabled => "account_disabled",
            Self::Suspended => "company_suspended",
            Self::Unavailable => "temporarily_unavailable",
        }
    }
}

impl From<ApiError> for Refusal {
    fn from(e: ApiError) -> Self {
        tracing::warn!(error = ?e, "OAuth sign-in failed on our side");
        Self::Unavailable
    }
}

impl From<campus::db::StoreError> for Refusal {
    fn from(e: campus::db::StoreError) -> Self {
        ApiError::from(e).into()
    }
}

/// Where the provider sends the user back: signs in the account with the provider's
/// verified email and redirects to `{FRONTEND_URL}/auth/callback#accessToken=...`,
/// or `#error=...` (`access_denied`, `invalid_state`, `provider_failed`,
/// `unverified_email`, `no_seat`, `account_disabled`, `company_suspended`,
/// `temporarily_unavailable`). A verified email without an account signs up (see the
/// module's note).
/// Without the cookie `GET /{provider}` set in this browser: `invalid_state`.
#[utoipa::path(get, path = "/api/auth/{provider}/callback", tag = "auth",
    params(("provider" = String, Path), CallbackQuery),
    responses((status = 302, description = "To the frontend, with tokens or an error in the fragment"),
        (status = 404, description = "No such provider, or it is not configured", body = ErrorBody)))]
pub async fn callback(
    State(state): State<AppState>,
    Path(name): Path<String>,
    ClientOrigin(origin): ClientOrigin,
    headers: HeaderMap,
    QueryParams(q): QueryParams<CallbackQuery>,
) -> ApiResult<Response> {
    let p = provider(&state, &name)?;
    let binding = presented_binding(&headers);
    let back = format!(
        "{}/auth/callback",
        state.config.frontend_url.trim_end_matches('/')
    );
    let mut res = match sign_in(&state, p, &origin, binding.as_deref(), q).await {
        Ok(t) => {
            let fragment = form_urlencoded::Serializer::new(String::new())
                .append_pair("accessToken", &t.access_token)
                .append_pair("refreshToken", &t.refresh_token)
                .append_pair("expiresIn", &t.expires_in.to_string())
                .finish();
            redirect(&format!("{back}#{fragment}"))
        }
        Err(r) => {
            tracing::info!(
                provider = p.name,
                reason = r.code(),
                "OAuth sign-in refused"
            );
            redirect(&format!("{back}#error={}", r.code()))
        }
    };
    // Used or not, the binding has done its work.
    if let Some(cookie) = binding_cookie(&state, None) {
        res.headers_mut().append(header::SET_COOKIE, cookie);
    }
    Ok(res)
}

async fn sign_in(
    state: &AppState,
    p: &OAuthProvider,
    origin: &Origin,
    binding: Option<&str>,
    q: CallbackQuery,
) -> Result<sessions::Tokens, Refusal> {
    if q.error.is_some() {
        return Err(Refusal::Declined);
    }
    let (Some(code), Some(csrf)) = (q.code, q.state) else {
        return Err(Refusal::InvalidState);
    };
    // The state is used once: whoever takes it goes on.
    let pending: OAuthState = state
        .db
        .take(&keys::oauth_state(&tokens::sha256_hex(&csrf)))
        .await?
        .ok_or(Refusal::InvalidState)?;
    // Hashes compared: the stored one is no secret worth timing.
    let same_browser = binding.is_some_and(|b| tokens::sha256_hex(b) == pending.browser);
    if pending.provider != p.name || !same_browser {
        return Err(Refusal::InvalidState);
    }
    let tokens = exchange(state, p, &code, &pending.verifier).await?;
    let email = match p.verified_email {
        VerifiedEmail::IdToken => microsoft_email(p, tokens.id_token.as_deref())?,
        _ => verified_email(state, p, &tokens.access_token).await?,
    };

    let Some(login) = state.db.get::<Login>(&keys::login(&email)).await? else {
        return sign_up(state, &email, origin).await;
    };
    let items = state
        .db
        .get_many(&[
            keys::user(&login.company_id, &login.user_id),
            keys::company(&login.company_id),
        ])
        .await?;
    let user: User = entity_of(&items)?.ok_or(Refusal::Unavailable)?;
    if user.status == UserStatus::Disabled {
        return Err(Refusal::Disabled);
    }
    if entity_of::<Company>(&items)?.is_some_and(|c| c.status == CompanyStatus::Suspended) {
        return Err(Refusal::Suspended);
    }
    if !user.email_verified {
        // The provider verified the address: noted once, losing it only delays it.
        let noted = state
            .db
            .update(
                &keys::user(&user.company_id, &user.id),
                Update::new().set(User::EMAIL_VERIFIED, true),
                Cond::present(),
            )
            .await;
        if let Err(e) = noted {
            tracing::warn!(error = ?e, "verified email not noted");
        }
    }
    Ok(sessions::start(state, &user, origin).await?)
}

/// A verified email without an account: a participant of the company that claimed
/// its domain (a seat permitting), or the admin of a new company of its own. One
/// transaction, as registration: the email's login is what makes it unique.
async fn sign_up(
    state: &AppState,
    email: &str,
    origin: &Origin,
) -> Result<sessions::Tokens, Refusal> {
    let domain = domains::of_email(email);
    let claim: Option<DomainClaim> = match &domain {
        Some(d) => state.db.get(&keys::domain_claim(d)).await?,
        None => None,
    };
    let now = clock::now_rfc3339();
    let name = display_name(email);
    let (company, role, new) = match claim {
        Some(c) => {
            let company: Company = state
                .db
                .get(&keys::company(&c.company_id))
                .await?
                .ok_or(Refusal::Unavailable)?;
            if company.status == CompanyStatus::Suspended {
                return Err(Refusal::Suspended);
            }
            (company, Role::Participant, false)
        }
        None => {
            let company = Company::founded(format!("{name}'s company"), &now);
            (company, Role::Admin, true)
        }
    };
    let user = User {
        id: clock::new_id(),
        email: email.to_string(),
        name,
        role,
        company_id: company.id.clone(),
        department_id: None,
        avatar_url: None,
        bio: None,
        status: UserStatus::Active,
        email_verified: true,
        created_at: now.clone(),
        updated_at: now,
        version: 1,
    };
    // No password: the provider signs them in (a reset link can set one).
    let login = Login::of(&user, None);
    let session = sessions::new_session(state, &user, origin);
    let welcome = Mail::new(
        &company.id,
        "welcome",
        email,
        serde_json::json!({"name": user.name, "companyName": company.name,
            "loginUrl": format!("{}/login", state.config.frontend_url)}),
    );
    let mut tx = state
        .db
        .tx()
        .put(&login, Login::unique())
        .put(&user, Cond::absent())
        .put(&session, Cond::absent())
        .put(&welcome, Cond::absent());
    tx = match (new, &domain) {
        (true, _) | (false, None) => tx.put(&company, Cond::absent()),
        // Still that company's domain when the account is written (not released
        // or claimed by another meanwhile).
        (false, Some(d)) => plans::take_seat(tx, &company.id).check(
            &keys::domain_claim(d),
            DomainClaim::COMPANY_ID.eq(&company.id),
        ),
    };
    match state.db.commit(tx).await {
        Ok(()) => {}
        Err(StoreError::Refused(plans::SEAT_FREE)) => return Err(Refusal::NoSeat),
        // Signed up meanwhile (another tab): signing in again finds the account.
        Err(StoreError::Refused(_)) => return Err(Refusal::Unavailable),
        Err(e) => return Err(e.into()),
    }
    Ok(sessions::tokens(state, &user, &session)?)
}

/// A name from an address until the user gives one: `ada.lovelace@…` is "Ada
/// Lovelace".
fn display_name(email: &str) -> String {
    let local = email.split('@').next().unwrap_or_default();
    let words: Vec<String> = local
        .split(['.', '_', '-', '+'])
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect())
                .unwrap_or_default()
        })
        .collect();
    match words.is_empty() {
        true => "New user".into(),
        false => words.join(" ").chars().take(100).collect(),
    }
}

fn http(state: &AppState) -> &'static reqwest::Client {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    CLIENT.get_or_init(|| {
        reqwest::Client::builder()
            .timeout(state.config.oauth_timeout)
            // A provider's answer is read, never followed.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent("campus")
            .build()
            .unwrap_or_default()
    })
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    /// OpenID Connect providers also answer an ID token.
    id_token: Option<String>,
}

/// The code and the PKCE verifier for the provider's tokens.
async fn exchange(
    state: &AppState,
    p: &OAuthProvider,
    code: &str,
    verifier: &str,
) -> Result<TokenAnswer, Refusal> {
    let form = form_urlencoded::Serializer::new(String::new())
        .append_pair("grant_type", "authorization_code")
        .append_pair("code", code)
        .append_pair("redirect_uri", &callback_url(state, p.name))
        .append_pair("client_id", &p.client_id)
        .append_pair("client_secret", p.client_secret.expose())
        .append_pair("code_verifier", verifier)
        .finish();
    let res = http(state)
        .post(&p.token_url)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "application/json")
        .body(form)
        .send()
        .await
        .map_err(|_| Refusal::ProviderFailed)?;
    if !res.status().is_success() {
        return Err(Refusal::ProviderFailed);
    }
    res.json().await.map_err(|_| Refusal::ProviderFailed)
}

#[derive(Deserialize)]
struct OidcUser {
    email: Option<String>,
    #[serde(default)]
    email_verified: Option<bool>,
}

/// The claims of a Microsoft ID token that say whose email it is, for whom the
/// token was made, by which tenant, and until when.
#[derive(Deserialize)]
struct MicrosoftClaims {
    #[serde(default)]
    aud: String,
    #[serde(default)]
    iss: String,
    #[serde(default)]
    tid: String,
    #[serde(default)]
    exp: i64,
    email: Option<String>,
    /// "Email domain owner verified": an optional claim the app registration must
    /// ask for. Without it Entra ID's `email` is whatever a tenant admin typed, so
    /// it proves nothing (the "nOAuth" hole).
    #[serde(default)]
    xms_edov: Option<bool>,
}

/// Microsoft's userinfo never says an email is verified; its ID token can. The
/// token came straight from Microsoft's token endpoint over TLS, which OpenID
/// Connect (Core 3.1.3.7) accepts in place of checking its signature; its audience
/// (this app), issuer (the tenant's Entra ID) and expiry are checked as that
/// section asks.
fn microsoft_email(p: &OAuthProvider, id_token: Option<&str>) -> Result<String, Refusal> {
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
    let payload = id_token
        .and_then(|t| t.split('.').nth(1))
        .and_then(|p| URL_SAFE_NO_PAD.decode(p.trim_end_matches('=')).ok())
        .ok_or(Refusal::ProviderFailed)?;
    let claims: MicrosoftClaims =
        serde_json::from_slice(&payload).map_err(|_| Refusal::ProviderFailed)?;
    let tenant_ok = !claims.tid.is_empty()
        && claims
            .tid
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if claims.aud != p.client_id
        || !tenant_ok
        || claims.iss != p.issuer.replace("{tid}", &claims.tid)
        || claims.exp <= clock::now().unix_timestamp()
    {
        tracing::warn!(
            provider = p.name,
            "ID token for another app, issuer or time"
        );
        return Err(Refusal::ProviderFailed);
    }
    claims
        .email
        .filter(|_| claims.xms_edov == Some(true))
        .map(|e| e.trim().to_lowercase())
        .filter(|e| !e.is_empty())
        .ok_or(Refusal::UnverifiedEmail)
}

#[derive(Deserialize)]
struct GithubEmail {
    email: String,
    primary: bool,
    verified: bool,
}

/// The user's email, if the provider says it is verified (lower-cased).
async fn verified_email(
    state: &AppState,
    p: &OAuthProvider,
    access: &str,
) -> Result<String, Refusal> {
    let res = http(state)
        .get(&p.userinfo_url)
        .bearer_auth(access)
        .header(header::ACCEPT, "application/json")
        .send()
        .await
        .map_err(|_| Refusal::ProviderFailed)?;
    if !res.status().is_success() {
        return Err(Refusal::ProviderFailed);
    }
    let email = if p.verified_email == VerifiedEmail::GithubEmails {
        let emails: Vec<GithubEmail> = res.json().await.map_err(|_| Refusal::ProviderFailed)?;
        emails
            .into_iter()
            .find(|e| e.primary && e.verified)
            .map(|e| e.email)
    } else {
        let user: OidcUser = res.json().await.map_err(|_| Refusal::ProviderFailed)?;
        // An email without `email_verified: true` could be anyone's.
        user.email.filter(|_| user.email_verified == Some(true))
    };
    email
        .map(|e| e.trim().to_lowercase())
        .filter(|e| !e.is_empty())
        .ok_or(Refusal::UnverifiedEmail)
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
    use serde_json::json;

    fn microsoft() -> OAuthProvider {
        OAuthProvider {
            name: "microsoft",
            client_id: "app-1".into(),
            client_secret: campus::config::Secret::new("s"),
            authorize_url: String::new(),
            token_url: String::new(),
            userinfo_url: String::new(),
            scope: "openid email",
            verified_email: VerifiedEmail::IdToken,
            issuer: "https://login.microsoftonline.com/{tid}/v2.0".into(),
        }
    }

    fn id_token(claims: serde_json::Value) -> String {
        format!(
            "{}.{}.sig",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"RS256"}"#),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        )
    }

    #[test]
    fn an_id_token_counts_only_for_this_app_from_its_tenant_in_time() {
        let later = clock::now().unix_timestamp() + 600;
        let good = json!({"aud": "app-1", "tid": "t-1", "iss": "https://login.microsoftonline.com/t-1/v2.0",
            "exp": later, "email": "Ada@Example.com", "xms_edov": true});
        assert_eq!(
            microsoft_email(&microsoft(), Some(&id_token(good.clone()))).unwrap(),
            "ada@example.com"
        );
        let mut bad = Vec::new();
        for (field, value) in [
            ("aud", json!("another-app")),
            ("iss", json!("https://login.microsoftonline.com/t-2/v2.0")),
            ("iss", json!("https://evil.example/t-1/v2.0")),
            ("tid", json!("")),
            ("exp", json!(clock::now().unix_timestamp() - 1)),
        ] {
            let mut c = good.clone();
            c[field] = value;
            bad.push(c);
        }
        for c in bad {
            assert!(
                matches!(
                    microsoft_email(&microsoft(), Some(&id_token(c.clone()))),
                    Err(Refusal::ProviderFailed)
                ),
                "{c}"
            );
        }
        let mut unverified = good;
        unverified["xms_edov"] = json!(false);
        assert!(matches!(
            microsoft_email(&microsoft(), Some(&id_token(unverified))),
            Err(Refusal::UnverifiedEmail)
        ));
    }
}
