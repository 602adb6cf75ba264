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

pub use crate::config::ROOT_KID;

/// Keys and checks built once from the config.
#[derive(Clone)]
pub struct Jwt {
    /// The signer's kid (which every token names in its header) and key; none in a
    /// function not given a secret, which signs nothing and verifies nothing.
    signer: Option<(String, EncodingKey)>,
    /// Every key that verifies, by kid.
    decoding: Vec<(String, DecodingKey)>,
    validation: Validation,
    issuer: String,
    audience: String,
    ttl_secs: i64,
}

impl Jwt {
    pub fn new(cfg: &Config) -> Self {
        let keys: Vec<(&str, &[u8])> = match (&cfg.jwt_signing_keys[..], &cfg.jwt_secret) {
            ([], Some(root)) => vec![(ROOT_KID, root.expose().as_bytes())],
            (keys, _) => keys
                .iter()
                .map(|(kid, s)| (kid.as_str(), s.expose().as_bytes()))
                .collect(),
        };
        // Only HS256: a token naming another algorithm (or `none`) is refused.
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[&cfg.jwt_issuer]);
        validation.set_audience(&[&cfg.jwt_audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 5;
        Self {
            signer: keys
                .first()
                .map(|(kid, secret)| (kid.to_string(), EncodingKey::from_secret(secret))),
            decoding: keys
                .iter()
                .map(|(kid, s)| (kid.to_string(), DecodingKey::from_secret(s)))
                .collect(),
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
        let (kid, key) = self
            .signer
            .as_ref()
            .ok_or_else(|| ApiError::internal("this function is given no signing key"))?;
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(kid.clone());
        jsonwebtoken::encode(&header, &claims, key).map_err(ApiError::internal)
    }

    pub fn verify(&self, token: &str) -> Result<Claims, ApiError> {
        let invalid = ApiError::Unauthenticated("The access token is invalid");
        // The key the token names, and no other: a retired kid no longer verifies.
        let kid = jsonwebtoken::decode_header(token)
            .ok()
            .and_then(|h| h.kid)
            .ok_or_else(|| invalid.clone())?;
        let key = self
            .decoding
            .iter()
            .find(|(k, _)| *k == kid)
            .map(|(_, key)| key)
            .ok_or(invalid)?;
        jsonwebtoken::decode::<Claims>(token, key, &self.validation)
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
        with_keys(None)
    }

    fn with_keys(keys: Option<&'static str>) -> Jwt {
        let cfg = Config::from_source(&|k: &str| match k {
            "TABLE_NAME" | "BUCKET_NAME" => Some("t".into()),
            "AWS_ENDPOINT_URL" => Some("http://127.0.0.1:1".into()),
            "JWT_SECRET" => Some("0123456789abcdef0123456789abcdef".into()),
            "JWT_SIGNING_KEYS" => keys.map(str::to_string),
            _ => None,
        })
        .unwrap();
        Jwt::new(&cfg)
    }

    const OLD: &str = "2026-06:old-secret-old-secret-old-secret-0001";
    const NEW: &str = "2026-12:new-secret-new-secret-new-secret-0002";

    #[test]
    fn a_new_key_signs_while_the_old_still_verifies_until_retired() {
        let before = with_keys(Some(OLD));
        let old_token = before.issue("u", "c", Role::Admin, "s").unwrap();
        assert_eq!(
            jsonwebtoken::decode_header(&old_token)
                .unwrap()
                .kid
                .as_deref(),
            Some("2026-06")
        );
        // Rotation: the new key first, the old one still listed.
        let during = with_keys(Some(Box::leak(format!("{NEW},{OLD}").into_boxed_str())));
        let new_token = during.issue("u", "c", Role::Admin, "s").unwrap();
        assert_eq!(
            jsonwebtoken::decode_header(&new_token)
                .unwrap()
                .kid
                .as_deref(),
            Some("2026-12")
        );
        assert!(during.verify(&old_token).is_ok());
        assert!(during.verify(&new_token).is_ok());
        // Retired: the old key's tokens stop verifying, the new ones go on.
        let after = with_keys(Some(NEW));
        assert!(after.verify(&old_token).is_err());
        assert!(after.verify(&new_token).is_ok());
        // Without signing keys the root signs, as `root`, and verifies only its own.
        let root = jwt();
        let t = root.issue("u", "c", Role::Admin, "s").unwrap();
        assert_eq!(
            jsonwebtoken::decode_header(&t).unwrap().kid.as_deref(),
            Some(ROOT_KID)
        );
        assert!(root.verify(&new_token).is_err());
    }

    #[test]
    fn a_rotation_can_start_from_the_root_secret() {
        let root_token = jwt().issue("u", "c", Role::Admin, "s").unwrap();
        // Phase one: the new key verifies everywhere, the root still signs.
        let first = with_keys(Some(Box::leak(format!("root,{NEW}").into_boxed_str())));
        assert!(first.verify(&root_token).is_ok());
        let t = first.issue("u", "c", Role::Admin, "s").unwrap();
        assert_eq!(
            jsonwebtoken::decode_header(&t).unwrap().kid.as_deref(),
            Some(ROOT_KID)
        );
        // Phase two: the new key signs, root tokens still verify.
        let second = with_keys(Some(Box::leak(format!("{NEW},root").into_boxed_str())));
        assert!(second.verify(&root_token).is_ok());
        assert!(
            second
                .verify(&second.issue("u", "c", Role::Admin, "s").unwrap())
                .is_ok()
        );
    }

    #[test]
    fn a_token_naming_another_kid_or_none_is_refused() {
        let j = with_keys(Some(NEW));
        let t = j.issue("u", "c", Role::Admin, "s").unwrap();
        let parts: Vec<&str> = t.split('.').collect();
        for header in [
            r#"{"alg":"HS256","typ":"JWT","kid":"2026-06"}"#,
            r#"{"alg":"HS256","typ":"JWT"}"#,
        ] {
            let forged = format!(
                "{}.{}.{}",
                URL_SAFE_NO_PAD.encode(header),
                parts[1],
                parts[2]
            );
            assert!(j.verify(&forged).is_err(), "{header}");
        }
    }

    #[test]
    fn bad_signing_key_settings_are_refused_at_start() {
        for keys in [
            "nokid",
            "short:too-short",
            ":0123456789abcdef0123456789abcdef",
            "a b:0123456789abcdef0123456789abcdef",
            "k:0123456789abcdef0123456789abcdef,k:0123456789abcdef0123456789abcdeX",
        ] {
            let cfg = Config::from_source(&|k: &str| match k {
                "TABLE_NAME" | "BUCKET_NAME" => Some("t".into()),
                "AWS_ENDPOINT_URL" => Some("http://127.0.0.1:1".into()),
                "JWT_SECRET" => Some("0123456789abcdef0123456789abcdef".into()),
                "JWT_SIGNING_KEYS" => Some(keys.into()),
                _ => None,
            });
            assert!(cfg.is_err(), "{keys}");
        }
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
