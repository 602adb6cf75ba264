//! Stripe's webhook signatures. `Stripe-Signature: t=<unix time>,v1=<hex>[,v1=<hex>…]`
//! where each `v1` is an HMAC-SHA256 of `"{t}.{raw body}"` under the endpoint's
//! signing secret (several while a secret is being rolled; `v0` is test-mode noise).
//!
//! Not `stripe_webhook::Webhook::construct_event`: it verifies and then parses the
//! whole event object in the SDK's pinned API version, so an endpoint on another
//! API version would get 400s, which Stripe retries for three days. Verifying here
//! leaves parsing to the handler, which reads only the fields it uses.

use aws_lc_rs::{constant_time, hmac};

/// How far a signature's time may be from ours, either way.
pub const TOLERANCE_SECS: i64 = 300;

/// More `v1` values than a secret roll needs is an abuse, not a header.
const MAX_SIGNATURES: usize = 8;

#[derive(Debug, PartialEq, Eq)]
pub enum SignatureError {
    /// No `t` or no `v1`, or not `key=value` pairs.
    Malformed,
    /// No `v1` matches the body under the secret.
    Mismatch,
    /// Signed more than [`TOLERANCE_SECS`] away from now: a replay, or a clock far off.
    Stale,
}

impl SignatureError {
    pub fn reason(&self) -> &'static str {
        match self {
            Self::Malformed => "is not a Stripe signature header",
            Self::Mismatch => "does not match the body",
            Self::Stale => "is older than the 5 minute tolerance",
        }
    }
}

fn mac(payload: &[u8], secret: &str, t: &str) -> hmac::Tag {
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes());
    let mut ctx = hmac::Context::with_key(&key);
    ctx.update(t.as_bytes());
    ctx.update(b".");
    ctx.update(payload);
    ctx.sign()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// The header Stripe would send for `payload` signed at `t` (tests and local tools).
pub fn sign(payload: &[u8], secret: &str, t: i64) -> String {
    let t = t.to_string();
    format!("t={t},v1={}", hex(mac(payload, secret, &t).as_ref()))
}

/// Checks `header` against the raw `payload` at time `now` (epoch seconds).
pub fn verify(header: &str, payload: &[u8], secret: &str, now: i64) -> Result<(), SignatureError> {
    let mut t = None;
    let mut v1 = Vec::new();
    for part in header.split(',') {
        let (k, v) = part
            .trim()
            .split_once('=')
            .ok_or(SignatureError::Malformed)?;
        match k {
            "t" => t = Some(v),
            "v1" => v1.push(v),
            _ => {}
        }
    }
    let t = t.ok_or(SignatureError::Malformed)?;
    let at: i64 = t.parse().map_err(|_| SignatureError::Malformed)?;
    if v1.is_empty() || v1.len() > MAX_SIGNATURES {
        return Err(SignatureError::Malformed);
    }
    let expected = mac(payload, secret, t);
    let matched = v1.iter().any(|candidate| {
        unhex(candidate).is_some_and(|sig| {
            constant_time::verify_slices_are_equal(expected.as_ref(), &sig).is_ok()
        })
    });
    if !matched {
        return Err(SignatureError::Mismatch);
    }
    if (now - at).abs() > TOLERANCE_SECS {
        return Err(SignatureError::Stale);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &[u8] = br#"{"id":"evt_1","object":"event"}"#;
    const SECRET: &str = "whsec_test_secret";
    const T: i64 = 1_492_774_577;
    /// Computed with Python's `hmac` module, an implementation independent of ours.
    const KNOWN: &str = "654b43d3508ecadb3f8cefc4bc7d3d2bdc5ba9e03bf2c89b2d0657a8e24e4543";

    #[test]
    fn matches_an_independent_implementation() {
        assert_eq!(sign(BODY, SECRET, T), format!("t={T},v1={KNOWN}"));
        assert_eq!(
            verify(&format!("t={T},v1={KNOWN}"), BODY, SECRET, T),
            Ok(())
        );
    }

    #[test]
    fn any_v1_may_match_and_v0_is_ignored() {
        let other = "00".repeat(32);
        for header in [
            format!("t={T},v1={other},v1={KNOWN}"),
            format!("t={T},v0={other},v1={KNOWN}"),
            format!("v1={KNOWN},t={T}"),
        ] {
            assert_eq!(verify(&header, BODY, SECRET, T), Ok(()), "{header}");
        }
    }

    #[test]
    fn refuses_what_is_not_signed_by_the_secret() {
        let good = sign(BODY, SECRET, T);
        assert_eq!(
            verify(&good, b"{\"id\":\"evt_2\"}", SECRET, T),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(&good, BODY, "whsec_other", T),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(&format!("t={T},v1=zz{}", &KNOWN[2..]), BODY, SECRET, T),
            Err(SignatureError::Mismatch)
        );
        // Signed for another time: the timestamp is part of what is signed.
        assert_eq!(
            verify(&format!("t={},v1={KNOWN}", T + 1), BODY, SECRET, T),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn refuses_malformed_headers() {
        for header in [
            "",
            "garbage",
            "t=abc,v1=00",
            &format!("t={T}"),
            &format!("v1={KNOWN}"),
        ] {
            assert_eq!(
                verify(header, BODY, SECRET, T),
                Err(SignatureError::Malformed),
                "{header}"
            );
        }
    }

    #[test]
    fn five_minutes_either_way() {
        let good = sign(BODY, SECRET, T);
        assert_eq!(verify(&good, BODY, SECRET, T + 300), Ok(()));
        assert_eq!(verify(&good, BODY, SECRET, T - 300), Ok(()));
        assert_eq!(
            verify(&good, BODY, SECRET, T + 301),
            Err(SignatureError::Stale)
        );
        assert_eq!(
            verify(&good, BODY, SECRET, T - 301),
            Err(SignatureError::Stale)
        );
    }
}
