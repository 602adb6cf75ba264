//! Opaque tokens: random secrets, their hashes, and refresh tokens.
//!
//! A refresh token is `{companyId}.{userId}.{sessionId}.{generation}.{mac}`; the MAC
//! (HMAC-SHA256 under a key derived from the JWT secret) makes it unforgeable, and the
//! session stores which generation is current. A well-formed token of an older
//! generation can only be one that was already used: that is reuse, and revokes the session.

use aws_lc_rs::{digest, hmac, rand::SecureRandom};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};

/// 32 random bytes, base64url.
pub fn random_secret() -> String {
    let mut buf = [0u8; 32];
    aws_lc_rs::rand::SystemRandom::new()
        .fill(&mut buf)
        .expect("the system random source is available");
    URL_SAFE_NO_PAD.encode(buf)
}

const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// 80 random bits as 16 Crockford base32 characters in groups of four
/// (`7K3Q-M9XD-...`): short enough to type from paper, too many to guess.
pub fn random_code() -> String {
    let mut buf = [0u8; 10];
    aws_lc_rs::rand::SystemRandom::new()
        .fill(&mut buf)
        .expect("the system random source is available");
    let bits = buf.iter().fold(0u128, |acc, b| (acc << 8) | u128::from(*b));
    let chars: Vec<u8> = (0..16)
        .map(|i| CROCKFORD[((bits >> (75 - 5 * i)) & 31) as usize])
        .collect();
    chars
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join("-")
}

/// A code as typed (any case, with or without dashes, O for 0, I or L for 1) in the
/// form [`random_code`] makes; `None` if it cannot be one.
pub fn normalize_code(raw: &str) -> Option<String> {
    let chars: Vec<u8> = raw
        .bytes()
        .filter(|b| !matches!(b, b'-' | b' '))
        .map(|b| match b.to_ascii_uppercase() {
            b'O' => b'0',
            b'I' | b'L' => b'1',
            b => b,
        })
        .collect();
    if chars.len() != 16 || !chars.iter().all(|c| CROCKFORD.contains(c)) {
        return None;
    }
    Some(
        chars
            .chunks(4)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join("-"),
    )
}

/// The PKCE `S256` challenge of a verifier (RFC 7636): base64url of its SHA-256.
pub fn pkce_challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(digest::digest(&digest::SHA256, verifier.as_bytes()))
}

/// SHA-256, hex: how token secrets are stored and looked up.
pub fn sha256_hex(s: &str) -> String {
    hex(digest::digest(&digest::SHA256, s.as_bytes()).as_ref())
}

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[derive(Clone)]
pub struct RefreshKey(hmac::Key);

#[derive(Debug, PartialEq, Eq)]
pub struct RefreshToken {
    pub company_id: String,
    pub user_id: String,
    pub session_id: String,
    pub generation: u64,
}

impl RefreshKey {
    pub fn new(jwt_secret: &str) -> Self {
        let mut material = b"campus refresh token v1:".to_vec();
        material.extend_from_slice(jwt_secret.as_bytes());
        Self(hmac::Key::new(hmac::HMAC_SHA256, &material))
    }

    pub fn issue(&self, t: &RefreshToken) -> String {
        let body = format!(
            "{}.{}.{}.{}",
            t.company_id, t.user_id, t.session_id, t.generation
        );
        let tag = hmac::sign(&self.0, body.as_bytes());
        format!("{body}.{}", URL_SAFE_NO_PAD.encode(tag.as_ref()))
    }

    /// `None` for anything not issued by us (constant-time MAC check).
    pub fn parse(&self, token: &str) -> Option<RefreshToken> {
        let (body, tag) = token.rsplit_once('.')?;
        let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
        hmac::verify(&self.0, body.as_bytes(), &tag).ok()?;
        let mut parts = body.split('.');
        let t = RefreshToken {
            company_id: parts.next()?.into(),
            user_id: parts.next()?.into(),
            session_id: parts.next()?.into(),
            generation: parts.next()?.parse().ok()?,
        };
        parts.next().is_none().then_some(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_random_typable_and_normalise() {
        let (a, b) = (random_code(), random_code());
        assert_ne!(a, b);
        assert_eq!(a.len(), 19);
        assert_eq!(
            normalize_code(&a.to_lowercase().replace('-', "")),
            Some(a.clone())
        );
        assert_eq!(
            normalize_code("oooo-iiii-llll-2222").as_deref(),
            Some("0000-1111-1111-2222")
        );
        assert_eq!(normalize_code("UUUU-0000-0000-0000"), None);
        assert_eq!(normalize_code("short"), None);
    }

    #[test]
    fn refresh_round_trip_and_forgery() {
        let k = RefreshKey::new("secret-secret-secret-secret-secret");
        let t = RefreshToken {
            company_id: "C".into(),
            user_id: "U".into(),
            session_id: "S".into(),
            generation: 3,
        };
        let s = k.issue(&t);
        assert_eq!(k.parse(&s), Some(t));
        let forged = s.replacen(".3.", ".4.", 1);
        assert_eq!(k.parse(&forged), None);
        assert_eq!(
            RefreshKey::new("another-secret-another-secret-xx").parse(&s),
            None
        );
        assert_eq!(k.parse("garbage"), None);
    }

    #[test]
    fn secrets_are_random_and_hashes_stable() {
        assert_ne!(random_secret(), random_secret());
        assert_eq!(
            sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
