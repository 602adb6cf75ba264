//! Sign-in with Google, Microsoft or GitHub: the authorization code flow with
//! `state` and PKCE (RFC 6749, RFC 7636). The protocol is three requests, so it is
//! written here on the HTTP client and hashing the project already has, rather
//! than with a crate that would bring a second reqwest, rand and sha2.
//!
//! An account is found by the provider's *verified* email (accounts are made by
//! registration or invitation; a provider only signs in to one). The callback ends
//! in a redirect to the frontend: tokens in the fragment (never sent to a server,
//! never in logs), or `error=...`.

use std::sync::OnceLock;

use axum::{
    extract::{Path, State},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use campus::{
    ApiError, ApiResult, AppState,
    auth::{
        sessions::{self, Origin},
        tokens,
    },
    clock,
    config::{OAuthProvider, VerifiedEmail},
    db::{Cond, keys},
    error::ErrorBody,
    http::QueryParams,
    model::{Login, OAuthState, User, UserStatus},
};
use serde::Deserialize;
use utoipa::IntoParams;
use validator::Validate;

/// How long a sign-in may take between leaving for the provider and coming back.
const STATE_TTL_SECS: i64 = 600;

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
    responses((status = 302, description = "To the provider's sign-in page, with `state` and a PKCE challenge"),
        (status = 404, description = "No such provider, or it is not configured", body = ErrorBody)))]
pub async fn start(State(state): State<AppState>, Path(name): Path<String>) -> ApiResult<Response> {
    let p = provider(&state, &name)?;
    let csrf = tokens::random_secret();
    // 32 random bytes as base64url: 43 characters, as RFC 7636 asks.
    let verifier = tokens::random_secret();
    let pending = OAuthState {
        id: tokens::sha256_hex(&csrf),
        provider: p.name.to_string(),
        verifier: verifier.clone(),
        expires_epoch: clock::now().unix_timestamp() + STATE_TTL_SECS,
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
    Ok(redirect(&format!("{}?{query}", p.authorize_url)))
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
    NoAccount,
    Disabled,
    Unavailable,
}

impl Refusal {
    fn code(&self) -> &'static str {
        match self {
            Self::Declined => "access_denied",
            Self::InvalidState => "invalid_state",
            Self::ProviderFailed => "provider_failed",
            Self::UnverifiedEmail => "unverified_email",
            Self::NoAccount => "no_account",
            Self::Disabled => "account_disabled",
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

/// Where the provider sends the user back: signs in the account with the provider's
/// verified email and redirects to `{FRONTEND_URL}/auth/callback#accessToken=...`,
/// or `#error=...` (`access_denied`, `invalid_state`, `provider_failed`,
/// `unverified_email`, `no_account`, `account_disabled`, `temporarily_unavailable`).
#[utoipa::path(get, path = "/api/auth/{provider}/callback", tag = "auth",
    params(("provider" = String, Path), CallbackQuery),
    responses((status = 302, description = "To the frontend, with tokens or an error in the fragment"),
        (status = 404, description = "No such provider, or it is not configured", body = ErrorBody)))]
pub async fn callback(
    State(state): State<AppState>,
    Path(name): Path<String>,
    origin: Origin,
    QueryParams(q): QueryParams<CallbackQuery>,
) -> ApiResult<Response> {
    let p = provider(&state, &name)?;
    let back = format!(
        "{}/auth/callback",
        state.config.frontend_url.trim_end_matches('/')
    );
    Ok(match sign_in(&state, p, &origin, q).await {
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
    })
}

async fn sign_in(
    state: &AppState,
    p: &OAuthProvider,
    origin: &Origin,
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
    if pending.provider != p.name {
        return Err(Refusal::InvalidState);
    }
    let tokens = exchange(state, p, &code, &pending.verifier).await?;
    let email = match p.verified_email {
        VerifiedEmail::IdToken => microsoft_email(tokens.id_token.as_deref())?,
        _ => verified_email(state, p, &tokens.access_token).await?,
    };

    let login: Login = state
        .db
        .get(&keys::login(&email))
        .await?
        .ok_or(Refusal::NoAccount)?;
    let user: User = state
        .db
        .get(&keys::user(&login.company_id, &login.user_id))
        .await?
        .ok_or(Refusal::NoAccount)?;
    if user.status == UserStatus::Disabled {
        return Err(Refusal::Disabled);
    }
    Ok(sessions::start(state, &user, origin).await?)
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

/// The claims of a Microsoft ID token that say whose email it is.
#[derive(Deserialize)]
struct MicrosoftClaims {
    email: Option<String>,
    /// "Email domain owner verified": an optional claim the app registration must
    /// ask for. Without it Entra ID's `email` is whatever a tenant admin typed, so
    /// it proves nothing (the "nOAuth" hole).
    #[serde(default)]
    xms_edov: Option<bool>,
}

/// Microsoft's userinfo never says an email is verified; its ID token can. The
/// token came straight from Microsoft's token endpoint over TLS, which OpenID
/// Connect (Core 3.1.3.7) accepts in place of checking its signature.
fn microsoft_email(id_token: Option<&str>) -> Result<String, Refusal> {
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
    let payload = id_token
        .and_then(|t| t.split('.').nth(1))
        .and_then(|p| URL_SAFE_NO_PAD.decode(p.trim_end_matches('=')).ok())
        .ok_or(Refusal::ProviderFailed)?;
    let claims: MicrosoftClaims =
        serde_json::from_slice(&payload).map_err(|_| Refusal::ProviderFailed)?;
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
