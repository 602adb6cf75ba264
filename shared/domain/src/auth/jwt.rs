//! HS256 access tokens with `iss`, `aud` and `exp` checked and the algorithm pinned.

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, errors::ErrorKind};
use serde::{Deserialize, Serialize};

use crate::{config::Config, error::ApiError, model::Role};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Claims {
    pub sub: String,
    pub tid: String,
    pub role: Role,
    pub sid: String,
    pub iat: i64,
    pub exp: i64,
    pub iss: String,
    pub aud: String,
}

/// Keys and checks built once from the config.
#[derive(Clone)]
pub struct Jwt {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
    audience: String,
    ttl_secs: i64,
}

impl Jwt {
    pub fn new(cfg: &Config) -> Self {
        let secret = cfg.jwt_secret.expose().as_bytes();
        // Only HS256: a token naming another algorithm (or `none`) is refused.
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[&cfg.jwt_issuer]);
        validation.set_audience(&[&cfg.jwt_audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 5;
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            issuer: cfg.jwt_issuer.clone(),
            audience: cfg.jwt_audience.clone(),
            ttl_secs: cfg.access_token_ttl.as_secs() as i64,
        }
    }

    pub fn ttl_secs(&self) -> i64 {
        self.ttl_secs
    }

    pub fn issue(
        &self,
        user_id: &str,
        company_id: &str,
        role: Role,
        session_id: &str,
    ) -> Result<String, ApiError> {
        let now = crate::clock::now().unix_timestamp();
        let claims = Claims {
            sub: user_id.into(),
            tid: company_id.into(),
            role,
            sid: session_id.into(),
            iat: now,
            exp: now + self.ttl_secs,
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(ApiError::internal)
    }

    pub fn verify(&self, token: &str) -> Result<Claims, ApiError> {
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|d| d.claims)
            .map_err(|e| match e.kind() {
                ErrorKind::ExpiredSignature => ApiError::TokenExpired,
                _ => ApiError::Unauthenticated("The access token is invalid"),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};

    fn jwt() -> Jwt {
        let cfg = Config::from_source(&|k: &str| match k {
            "TABLE_NAME" | "BUCKET_NAME" => Some("t".into()),
            "AWS_ENDPOINT_URL" => Some("http://127.0.0.1:1".into()),
            "JWT_SECRET" => Some("0123456789abcdef0123456789abcdef".into()),
            _ => None,
        })
        .unwrap();
        Jwt::new(&cfg)
    }

    #[test]
    fn round_trip() {
        let j = jwt();
        let t = j.issue("u", "c", Role::Admin, "s").unwrap();
        let c = j.verify(&t).unwrap();
        assert_eq!(
            (c.sub.as_str(), c.tid.as_str(), c.role, c.sid.as_str()),
            ("u", "c", Role::Admin, "s")
        );
    }

    #[test]
    fn alg_none_is_refused() {
        let j = jwt();
        let t = j.issue("u", "c", Role::Admin, "s").unwrap();
        let payload = t.split('.').nth(1).unwrap();
        let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
        assert!(j.verify(&format!("{header}.{payload}.")).is_err());
    }

    #[test]
    fn tampered_payload_is_refused() {
        let j = jwt();
        let t = j.issue("u", "c", Role::Participant, "s").unwrap();
        let parts: Vec<&str> = t.split('.').collect();
        let claims: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
        let mut claims = claims;
        claims["role"] = "admin".into();
        let forged = URL_SAFE_NO_PAD.encode(claims.to_string());
        assert!(
            j.verify(&format!("{}.{}.{}", parts[0], forged, parts[2]))
                .is_err()
        );
    }
}
