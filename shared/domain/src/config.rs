//! Typed settings, read once from the environment at start-up.
//!
//! A missing or malformed setting fails start-up with a message naming it, so a
//! misconfigured deployment dies at init instead of answering 500s later.

use std::{env, fmt, str::FromStr, time::Duration};

#[derive(Clone)]
pub struct Config {
    pub table_name: String,
    pub bucket_name: String,
    pub aws: AwsSettings,
    /// The root secret: refresh-token, cursor, idempotency and erasure keys derive
    /// from it, and it signs access tokens unless `jwt_signing_keys` says otherwise.
    /// Only functions that sign or verify tokens are given it (`template.yaml`); one
    /// without it derives its keys from a secret of its own, which nobody else trusts.
    pub jwt_secret: Option<Secret>,
    /// Access-token keys by `kid`, the first signing; every one listed verifies, so a
    /// new key goes first while the old one stays until its last token expires
    /// (`JWT_SIGNING_KEYS=kid:secret,kid:secret`). Empty: the root signs, as `root`.
    pub jwt_signing_keys: Vec<(String, Secret)>,
    pub jwt_issuer: String,
    pub jwt_audience: String,
    pub access_token_ttl: Duration,
    pub refresh_token_ttl: Duration,
    pub invite_ttl: Duration,
    /// How long a password-reset link works.
    pub password_reset_ttl: Duration,
    pub audit_retention_days: u32,
    /// Where links in mail point (invites, password set-up).
    pub frontend_url: String,
    /// The public base URL of this API.
    pub api_base_url: String,
    pub cors_origins: Vec<String>,
    pub max_body_bytes: usize,
    /// Exports up to this size answer inline; larger ones go through the bucket.
    pub export_inline_max_bytes: usize,
    pub mail_from: String,
    /// The API Gateway Management API of the WebSocket API (AWS: its stage URL;
    /// locally: campus-local's own address). Unset: nothing is pushed.
    pub ws_management_url: Option<String>,
    /// Tries per mail before it is marked failed.
    pub mail_max_attempts: u32,
    /// The first retry's wait; each further one doubles it (capped at an hour).
    pub mail_retry_base: Duration,
    /// Stripe: the API key (unset: billing answers 503), where its API is (a local
    /// Stripe server in development), and each paid plan's price.
    pub stripe: StripeConfig,
    /// Verifies the Stripe webhook's signatures (unset: the webhook answers 503).
    pub stripe_webhook_secret: Option<Secret>,
    /// The AI tutor's OpenAI-compatible chat completions API (unset: 503).
    pub ai: AiConfig,
    pub rate_limits: RateLimits,
    /// Sign-in with Google, Microsoft and GitHub; a provider without a client id is off.
    pub oauth: Vec<OAuthProvider>,
    /// One call to a provider's token or user endpoint.
    pub oauth_timeout: Duration,
    pub version: String,
    pub commit: String,
    pub built_at: String,
}

#[derive(Clone, Debug)]
pub struct StripeConfig {
    pub secret_key: Option<Secret>,
    pub api_base: String,
    pub timeout: Duration,
    /// Price per paid plan (`basic`, `core`, `pro`): a price id (`price_...`) or a
    /// lookup key, resolved through Stripe's Prices API.
    pub prices: [String; 3],
}

#[derive(Clone, Debug)]
pub struct AiConfig {
    /// Up to the version, e.g. `https://api.openai.com/v1`; `/chat/completions` is added.
    pub base_url: Option<String>,
    pub api_key: Option<Secret>,
    pub model: String,
    /// One attempt's limit.
    pub timeout: Duration,
    /// Tries per reply, retrying 429 and 5xx answers and timeouts with a doubling wait.
    pub max_attempts: u32,
}

/// One OAuth provider: the app registered with it, and where its endpoints are (the
/// real ones by default; a local stand-in in tests).
#[derive(Clone, Debug)]
pub struct OAuthProvider {
    /// `google`, `microsoft` or `github`: the `{provider}` of the routes.
    pub name: &'static str,
    pub client_id: String,
    pub client_secret: Secret,
    pub authorize_url: String,
    pub token_url: String,
    /// Google: the OpenID Connect userinfo endpoint; GitHub: `/user/emails`;
    /// Microsoft: unused (its ID token says whether the email is verified).
    pub userinfo_url: String,
    pub scope: &'static str,
    pub verified_email: VerifiedEmail,
    /// Who must have issued an ID token (Microsoft): `{tid}` stands for the token's
    /// tenant, as Entra ID's multi-tenant issuer does.
    pub issuer: String,
}

/// Where a provider says which email is the user's, and that it is verified.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VerifiedEmail {
    /// OpenID Connect userinfo: `email` with `email_verified: true` (Google).
    Userinfo,
    /// GitHub's `/user/emails`: the primary address, if verified.
    GithubEmails,
    /// The ID token's `email` with `xms_edov: true` (Microsoft Entra ID).
    IdToken,
}

/// The providers, with their real endpoints and the scopes that give a verified email.
const OAUTH_PROVIDERS: [(&str, &str, [&str; 3], &str, VerifiedEmail); 3] = [
    (
        "google",
        "GOOGLE",
        [
            "https://accounts.google.com/o/oauth2/v2/auth",
            "https://oauth2.googleapis.com/token",
            "https://openidconnect.googleapis.com/v1/userinfo",
        ],
        "openid email",
        VerifiedEmail::Userinfo,
    ),
    (
        "microsoft",
        "MICROSOFT",
        [
            "https://login.microsoftonline.com/common/oauth2/v2.0/authorize",
            "https://login.microsoftonline.com/common/oauth2/v2.0/token",
            "https://graph.microsoft.com/oidc/userinfo",
        ],
        "openid email",
        VerifiedEmail::IdToken,
    ),
    (
        "github",
        "GITHUB",
        [
            "https://github.com/login/oauth/authorize",
            "https://github.com/login/oauth/access_token",
            "https://api.github.com/user/emails",
        ],
        "user:email",
        VerifiedEmail::GithubEmails,
    ),
];

fn oauth_providers(src: &dyn Source) -> Result<Vec<OAuthProvider>, ConfigError> {
    let mut out = Vec::new();
    for (name, env, [authorize, token, userinfo], scope, verified_email) in OAUTH_PROVIDERS {
        let Some(client_id) = src.get(&format!("OAUTH_{env}_CLIENT_ID")) else {
            continue;
        };
        let client_secret = required(src, &format!("OAUTH_{env}_CLIENT_SECRET"))?;
        out.push(OAuthProvider {
            name,
            client_id,
            client_secret: Secret::new(client_secret),
            authorize_url: or(src, &format!("OAUTH_{env}_AUTHORIZE_URL"), authorize),
            token_url: or(src, &format!("OAUTH_{env}_TOKEN_URL"), token),
            userinfo_url: or(src, &format!("OAUTH_{env}_USERINFO_URL"), userinfo),
            scope,
            verified_email,
            issuer: or(
                src,
                &format!("OAUTH_{env}_ISSUER"),
                "https://login.microsoftonline.com/{tid}/v2.0",
            ),
        });
    }
    Ok(out)
}

/// Requests per minute; 0 turns a limit off.
#[derive(Clone, Debug)]
pub struct RateLimits {
    /// Per IP, for requests without a valid access token.
    pub public: u32,
    /// Per user, for signed-in requests not counted below.
    pub user: u32,
    /// Per user, for `/api/team/...` and `/api/teams/...`.
    pub team: u32,
    /// Per user, for `POST /api/upload`.
    pub upload: u32,
    /// Per user, for `GET /api/users/me/export`.
    pub export: u32,
    /// Failed sign-ins per IP within 15 minutes before sign-in from it is refused
    /// (beside the per-account lockout, which stops guessing one account's password).
    pub signin_failures_per_ip: u32,
}

/// Where the AWS clients go and as whom: read before the rest, since the rest may
/// name secrets that only these clients can fetch (see secrets.rs).
#[derive(Clone, Debug)]
pub struct AwsSettings {
    /// Overrides the AWS endpoint (the local emulator); `None` in AWS.
    pub endpoint_url: Option<String>,
    pub region: String,
    /// From the Lambda environment; `None` only against the local emulator.
    pub credentials: Option<AwsCredentials>,
    pub max_attempts: u32,
    pub timeout: Duration,
}

impl AwsSettings {
    pub fn from_source(src: &dyn Source) -> Result<Self, ConfigError> {
        let credentials = match (
            src.get("AWS_ACCESS_KEY_ID"),
            src.get("AWS_SECRET_ACCESS_KEY"),
        ) {
            (Some(id), Some(secret)) => Some(AwsCredentials {
                access_key_id: id,
                secret_access_key: Secret::new(secret),
                session_token: src.get("AWS_SESSION_TOKEN").map(Secret::new),
            }),
            (None, None) if src.get("AWS_ENDPOINT_URL").is_some() => None,
            _ => {
                return Err(ConfigError(
                    "settings AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are required (Lambda sets them)".into(),
                ));
            }
        };
        Ok(Self {
            endpoint_url: src.get("AWS_ENDPOINT_URL"),
            region: or(src, "AWS_REGION", "us-east-1"),
            credentials,
            max_attempts: parsed(src, "AWS_MAX_ATTEMPTS", 3)?,
            timeout: Duration::from_millis(parsed(src, "AWS_TIMEOUT_MS", 3000)?),
        })
    }
}

#[derive(Clone, Debug)]
pub struct AwsCredentials {
    pub access_key_id: String,
    pub secret_access_key: Secret,
    pub session_token: Option<Secret>,
}

/// A string that never prints itself, so a `Debug` of the config cannot leak it.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("table_name", &self.table_name)
            .field("aws_endpoint_url", &self.aws.endpoint_url)
            .field("jwt_secret", &self.jwt_secret)
            .field(
                "jwt_signing_keys",
                &self
                    .jwt_signing_keys
                    .iter()
                    .map(|(k, _)| k)
                    .collect::<Vec<_>>(),
            )
            .field("jwt_issuer", &self.jwt_issuer)
            .finish_non_exhaustive()
    }
}

#[derive(Debug)]
pub struct ConfigError(pub String);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

/// Where settings come from: the process environment, or a map in tests.
pub trait Source {
    fn get(&self, key: &str) -> Option<String>;
}

pub struct Env;

impl Source for Env {
    fn get(&self, key: &str) -> Option<String> {
        env::var(key).ok().filter(|v| !v.trim().is_empty())
    }
}

impl<F: Fn(&str) -> Option<String>> Source for F {
    fn get(&self, key: &str) -> Option<String> {
        self(key)
    }
}

fn required(src: &dyn Source, key: &str) -> Result<String, ConfigError> {
    src.get(key)
        .ok_or_else(|| ConfigError(format!("setting {key} is required but not set")))
}

fn parsed<T: FromStr>(src: &dyn Source, key: &str, default: T) -> Result<T, ConfigError>
where
    T::Err: fmt::Display,
{
    match src.get(key) {
        None => Ok(default),
        Some(raw) => raw
            .trim()
            .parse()
            .map_err(|e| ConfigError(format!("setting {key} has a bad value {raw:?}: {e}"))),
    }
}

/// The settings that hold secrets. `template.yaml` gives each only to the functions
/// that use it, and the local stack withholds it from the others the same way.
pub const SECRET_SETTINGS: [&str; 8] = [
    "JWT_SECRET",
    "JWT_SIGNING_KEYS",
    "STRIPE_SECRET_KEY",
    "STRIPE_WEBHOOK_SECRET",
    "AI_API_KEY",
    "OAUTH_GOOGLE_CLIENT_SECRET",
    "OAUTH_MICROSOFT_CLIENT_SECRET",
    "OAUTH_GITHUB_CLIENT_SECRET",
];

type Given = Box<dyn Fn(&str, &str) -> bool + Send + Sync>;

static ENVIRONMENTS: std::sync::OnceLock<Given> = std::sync::OnceLock::new();

/// Installs which settings each function is given, `given(function, setting)`: the
/// local stack runs every function in one process from one config, and withholds
/// from each what `template.yaml` does not give it. False if installed already.
pub fn install_environments(given: Given) -> bool {
    ENVIRONMENTS.set(given).is_ok()
}

/// Whether `function` is given `setting` (always, unless environments are installed).
pub fn given(function: &str, setting: &str) -> bool {
    ENVIRONMENTS.get().is_none_or(|g| g(function, setting))
}

/// The kid of the root secret as an access-token key.
pub const ROOT_KID: &str = "root";

/// `JWT_SIGNING_KEYS`: `kid:secret` pairs (or `root`), comma-separated, the signer first.
fn signing_keys(src: &dyn Source) -> Result<Vec<(String, Secret)>, ConfigError> {
    let Some(list) = src.get("JWT_SIGNING_KEYS").filter(|l| !l.trim().is_empty()) else {
        return Ok(Vec::new());
    };
    let mut keys: Vec<(String, Secret)> = Vec::new();
    for pair in list.split(',') {
        let bad = |why: &str| ConfigError(format!("setting JWT_SIGNING_KEYS: {why}"));
        // `root` alone is the root secret, so a rotation can start from it.
        let (kid, secret) = match pair.trim() {
            ROOT_KID => (ROOT_KID, required(src, "JWT_SECRET")?),
            pair => pair
                .split_once(':')
                .map(|(k, s)| (k, s.to_string()))
                .ok_or_else(|| bad("each key is kid:secret, or root"))?,
        };
        let plain = |b: u8| b.is_ascii_alphanumeric() || b"._-".contains(&b);
        if kid.is_empty() || kid.len() > 64 || !kid.bytes().all(plain) {
            return Err(bad("a kid is 1 to 64 letters, digits, '.', '_' or '-'"));
        }
        if secret.len() < 32 {
            return Err(bad("each secret is at least 32 characters"));
        }
        if keys.iter().any(|(k, _)| k == kid) {
            return Err(bad("a kid is listed twice"));
        }
        keys.push((kid.to_string(), Secret::new(secret)));
    }
    Ok(keys)
}

fn or(src: &dyn Source, key: &str, default: &str) -> String {
    src.get(key).unwrap_or_else(|| default.to_string())
}

impl Config {
    /// This config as a function not given `setting` (one of [`SECRET_SETTINGS`]) has it.
    pub fn withhold(&mut self, setting: &str) {
        match setting {
            "JWT_SECRET" => self.jwt_secret = None,
            "JWT_SIGNING_KEYS" => self.jwt_signing_keys.clear(),
            "STRIPE_SECRET_KEY" => self.stripe.secret_key = None,
            "STRIPE_WEBHOOK_SECRET" => self.stripe_webhook_secret = None,
            "AI_API_KEY" => self.ai.api_key = None,
            other => {
                let provider = other
                    .strip_prefix("OAUTH_")
                    .and_then(|p| p.strip_suffix("_CLIENT_SECRET"));
                if let Some(p) = provider {
                    self.oauth.retain(|o| !o.name.eq_ignore_ascii_case(p));
                }
            }
        }
    }

    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_source(&Env)
    }

    pub fn from_source(src: &dyn Source) -> Result<Self, ConfigError> {
        let jwt_secret = src.get("JWT_SECRET");
        if let Some(jwt_secret) = &jwt_secret {
            if jwt_secret.len() < 32 {
                return Err(ConfigError(
                    "setting JWT_SECRET must be at least 32 characters".into(),
                ));
            }
            // The published example secret signs tokens for anyone who has read the
            // repository: only a process on the local stack (an emulator endpoint) may use it.
            if jwt_secret.contains("change-me") && src.get("AWS_ENDPOINT_URL").is_none() {
                return Err(ConfigError(
                    "setting JWT_SECRET is the published example; set a secret of your own".into(),
                ));
            }
        }
        let secs = |key, default| parsed::<u64>(src, key, default).map(Duration::from_secs);
        Ok(Self {
            table_name: required(src, "TABLE_NAME")?,
            bucket_name: required(src, "BUCKET_NAME")?,
            aws: AwsSettings::from_source(src)?,
            jwt_signing_keys: signing_keys(src)?,
            jwt_secret: jwt_secret.map(Secret::new),
            jwt_issuer: or(src, "JWT_ISSUER", "campus"),
            jwt_audience: or(src, "JWT_AUDIENCE", "campus-api"),
            access_token_ttl: secs("ACCESS_TOKEN_TTL_SECONDS", 15 * 60)?,
            refresh_token_ttl: secs("REFRESH_TOKEN_TTL_SECONDS", 7 * 24 * 3600)?,
            invite_ttl: secs("INVITE_TTL_SECONDS", 7 * 24 * 3600)?,
            password_reset_ttl: secs("PASSWORD_RESET_TTL_SECONDS", 3600)?,
            audit_retention_days: parsed(src, "AUDIT_RETENTION_DAYS", 365)?,
            frontend_url: or(src, "FRONTEND_URL", "http://localhost:5173"),
            api_base_url: or(src, "API_BASE_URL", "http://127.0.0.1:3000"),
            cors_origins: or(src, "CORS_ORIGINS", "http://localhost:5173")
                .split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect(),
            max_body_bytes: parsed(src, "MAX_BODY_BYTES", 1024 * 1024)?,
            export_inline_max_bytes: parsed(src, "EXPORT_INLINE_MAX_BYTES", 1024 * 1024)?,
            mail_from: or(src, "MAIL_FROM", "no-reply@campus.local"),
            ws_management_url: src.get("WS_MANAGEMENT_URL").filter(|s| !s.is_empty()),
            mail_max_attempts: parsed(src, "MAIL_MAX_ATTEMPTS", 5)?,
            mail_retry_base: secs("MAIL_RETRY_BASE_SECONDS", 30)?,
            stripe: StripeConfig {
                secret_key: src.get("STRIPE_SECRET_KEY").map(Secret::new),
                api_base: or(src, "STRIPE_API_BASE", "https://api.stripe.com"),
                timeout: Duration::from_millis(parsed(src, "STRIPE_TIMEOUT_MS", 10_000)?),
                prices: [
                    or(src, "STRIPE_PRICE_BASIC", "campus_basic"),
                    or(src, "STRIPE_PRICE_CORE", "campus_core"),
                    or(src, "STRIPE_PRICE_PRO", "campus_pro"),
                ],
            },
            stripe_webhook_secret: src.get("STRIPE_WEBHOOK_SECRET").map(Secret::new),
            ai: AiConfig {
                base_url: src.get("AI_BASE_URL"),
                api_key: src.get("AI_API_KEY").map(Secret::new),
                model: or(src, "AI_MODEL", "gpt-4o-mini"),
                timeout: Duration::from_millis(parsed(src, "AI_TIMEOUT_MS", 20_000)?),
                max_attempts: parsed(src, "AI_MAX_ATTEMPTS", 3)?,
            },
            rate_limits: RateLimits {
                public: parsed(src, "RATE_LIMIT_PUBLIC_PER_MINUTE", 100)?,
                user: parsed(src, "RATE_LIMIT_USER_PER_MINUTE", 1000)?,
                team: parsed(src, "RATE_LIMIT_TEAM_PER_MINUTE", 500)?,
                upload: parsed(src, "RATE_LIMIT_UPLOAD_PER_MINUTE", 10)?,
                export: parsed(src, "RATE_LIMIT_EXPORT_PER_MINUTE", 5)?,
                signin_failures_per_ip: parsed(src, "SIGNIN_FAILURES_PER_IP", 50)?,
            },
            oauth: oauth_providers(src)?,
            oauth_timeout: Duration::from_millis(parsed(src, "OAUTH_TIMEOUT_MS", 5000)?),
            version: or(src, "APP_VERSION", env!("CARGO_PKG_VERSION")),
            // Stamped into the binary by `make build` (and `make deploy`'s build); a
            // setting of the same name overrides it.
            commit: or(
                src,
                "GIT_COMMIT",
                option_env!("CAMPUS_GIT_COMMIT").unwrap_or("unknown"),
            ),
            built_at: or(
                src,
                "BUILT_AT",
                option_env!("CAMPUS_BUILT_AT").unwrap_or("unknown"),
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn src(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k: &str| map.get(k).cloned()
    }

    #[test]
    fn missing_setting_is_named() {
        let err = Config::from_source(&src(&[("TABLE_NAME", "t")])).unwrap_err();
        assert!(err.0.contains("BUCKET_NAME"), "{}", err.0);
    }

    #[test]
    fn a_function_may_go_without_the_jwt_secret_unless_its_keys_name_it() {
        let mut pairs = vec![
            ("TABLE_NAME", "t"),
            ("BUCKET_NAME", "b"),
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:1"),
        ];
        assert!(
            Config::from_source(&src(&pairs))
                .unwrap()
                .jwt_secret
                .is_none()
        );
        pairs.push(("JWT_SIGNING_KEYS", "root"));
        let err = Config::from_source(&src(&pairs)).unwrap_err();
        assert!(err.0.contains("JWT_SECRET"), "{}", err.0);
    }

    #[test]
    fn a_withheld_secret_setting_is_gone() {
        let mut cfg = Config::from_source(&src(&[
            ("TABLE_NAME", "t"),
            ("BUCKET_NAME", "b"),
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:1"),
            ("JWT_SECRET", "0123456789abcdef0123456789abcdef"),
            ("STRIPE_WEBHOOK_SECRET", "whsec_1"),
            ("OAUTH_GITHUB_CLIENT_ID", "id"),
            ("OAUTH_GITHUB_CLIENT_SECRET", "shh"),
        ]))
        .unwrap();
        for setting in SECRET_SETTINGS {
            cfg.withhold(setting);
        }
        assert!(cfg.jwt_secret.is_none());
        assert!(cfg.stripe_webhook_secret.is_none());
        assert!(cfg.oauth.is_empty());
    }

    #[test]
    fn bad_number_is_named() {
        let err = Config::from_source(&src(&[
            ("TABLE_NAME", "t"),
            ("BUCKET_NAME", "b"),
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:1"),
            ("JWT_SECRET", "0123456789abcdef0123456789abcdef"),
            ("ACCESS_TOKEN_TTL_SECONDS", "soon"),
        ]))
        .unwrap_err();
        assert!(err.0.contains("ACCESS_TOKEN_TTL_SECONDS"), "{}", err.0);
    }

    #[test]
    fn aws_credentials_are_required_outside_the_emulator() {
        let err = Config::from_source(&src(&[
            ("TABLE_NAME", "t"),
            ("BUCKET_NAME", "b"),
            ("JWT_SECRET", "0123456789abcdef0123456789abcdef"),
        ]))
        .unwrap_err();
        assert!(err.0.contains("AWS_ACCESS_KEY_ID"), "{}", err.0);
    }

    #[test]
    fn the_example_secret_is_refused_outside_the_local_stack() {
        let example = "local-dev-secret-change-me-0123456789abcdef";
        let mut pairs = vec![
            ("TABLE_NAME", "t"),
            ("BUCKET_NAME", "b"),
            ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
            ("AWS_SECRET_ACCESS_KEY", "very-secret-key"),
            ("JWT_SECRET", example),
        ];
        let err = Config::from_source(&src(&pairs)).unwrap_err();
        assert!(err.0.contains("JWT_SECRET"), "{}", err.0);
        pairs.push(("AWS_ENDPOINT_URL", "http://127.0.0.1:1"));
        assert!(Config::from_source(&src(&pairs)).is_ok());
    }

    #[test]
    fn secret_is_not_printed() {
        let cfg = Config::from_source(&src(&[
            ("TABLE_NAME", "t"),
            ("BUCKET_NAME", "b"),
            ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
            ("AWS_SECRET_ACCESS_KEY", "very-secret-key"),
            ("JWT_SECRET", "0123456789abcdef0123456789abcdef"),
        ]))
        .unwrap();
        assert!(!format!("{cfg:?}").contains("0123456789abcdef"));
        assert!(!format!("{cfg:?}").contains("very-secret-key"));
        assert_eq!(cfg.access_token_ttl, Duration::from_secs(900));
    }
}
