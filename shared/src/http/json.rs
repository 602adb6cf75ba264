use axum::{
    body::Bytes,
    extract::{FromRequest, Request},
    http::header,
};
use serde::de::DeserializeOwned;
use validator::Validate;

use crate::error::{ApiError, Details};

/// A JSON body, parsed and validated. Every failure is a 4xx with the contract's body:
/// wrong content type 415, too large 413, broken JSON `MALFORMED_JSON`, wrong types,
/// missing fields, unknown enum values and failed rules `VALIDATION_FAILED` with the
/// offending field named.
pub struct ValidJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Validate> FromRequest<S> for ValidJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|m| {
                let m = m.trim().to_ascii_lowercase();
                m == "application/json" || (m.starts_with("application/") && m.ends_with("+json"))
            });
        if !is_json {
            return Err(ApiError::UnsupportedMediaType(
                "Expected Content-Type: application/json".into(),
            ));
        }
        let bytes =
            Bytes::from_request(req, state)
                .await
                .map_err(|e| match e.status().as_u16() {
                    413 => ApiError::PayloadTooLarge,
                    _ => ApiError::MalformedJson("the body could not be read".into()),
                })?;
        let value = parse::<T>(&bytes)?;
        value.validate()?;
        Ok(Self(value))
    }
}

pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        match inner.classify() {
            serde_json::error::Category::Data => {
                let msg = inner.to_string();
                let msg = msg.split(" at line ").next().unwrap_or(&msg).to_string();
                // serde reports a missing field at its parent; name the field itself.
                let field = match msg.strip_prefix("missing field `") {
                    Some(rest) => {
                        let name = rest.trim_end_matches('`');
                        if path == "." {
                            name.to_string()
                        } else {
                            format!("{path}.{name}")
                        }
                    }
                    None if path == "." => "body".to_string(),
                    None => path,
                };
                let mut d = Details::new();
                d.insert(field, msg);
                ApiError::Validation(d)
            }
            _ => {
                let msg = inner.to_string();
                ApiError::MalformedJson(msg)
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Deserialize, Debug)]
    #[allow(dead_code)]
    struct T {
        email: String,
        n: u8,
    }

    #[test]
    fn classifies_errors() {
        assert!(matches!(parse::<T>(b"{"), Err(ApiError::MalformedJson(_))));
        match parse::<T>(br#"{"n":1}"#) {
            Err(ApiError::Validation(d)) => assert!(d.contains_key("email"), "{d:?}"),
            other => panic!("{other:?}"),
        }
        match parse::<T>(br#"{"email":"a","n":"x"}"#) {
            Err(ApiError::Validation(d)) => assert!(d.contains_key("n"), "{d:?}"),
            other => panic!("{other:?}"),
        }
        match parse::<T>(br#""str""#) {
            Err(ApiError::Validation(d)) => assert!(d.contains_key("body"), "{d:?}"),
            other => panic!("{other:?}"),
        }
    }
}
