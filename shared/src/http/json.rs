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
        no_hidden_characters(&bytes)?;
        Ok(Self(value))
    }
}

/// Whether `c` is a character no human-readable text needs and that hides or
/// reorders what a reader sees: C0 and C1 controls (tab, line feed and carriage
/// return excepted), DEL, and the bidirectional embeddings, overrides and isolates
/// (the "Trojan Source" characters).
fn is_hidden(c: char) -> bool {
    (c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
        || ('\u{202A}'..='\u{202E}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
}

/// 400 naming the first field (or key) of the body that holds a hidden character:
/// checked on the whole body once, so no field of any endpoint is forgotten.
fn no_hidden_characters(bytes: &[u8]) -> Result<(), ApiError> {
    fn walk(v: &serde_json::Value, path: &mut String) -> Option<String> {
        match v {
            serde_json::Value::String(s) => s.chars().any(is_hidden).then(|| path.clone()),
            serde_json::Value::Array(items) => items.iter().enumerate().find_map(|(i, x)| {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                let found = walk(x, path);
                path.truncate(len);
                found
            }),
            serde_json::Value::Object(map) => map.iter().find_map(|(k, x)| {
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(k);
                let found = if k.chars().any(is_hidden) {
                    Some(path.clone())
                } else {
                    walk(x, path)
                };
                path.truncate(len);
                found
            }),
            _ => None,
        }
    }
    // A hidden character reaches a JSON string only as an escape (`\u…`, `\b`,
    // `\f`), DEL, or a multi-byte sequence starting 0xC2 (C1) or 0xE2 (bidi): a body
    // with none of those bytes (most) is not parsed a second time.
    if !bytes
        .iter()
        .any(|b| matches!(b, b'\\' | 0x7f | 0xc2 | 0xe2))
    {
        return Ok(());
    }
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(bytes) else {
        return Ok(());
    };
    match walk(&value, &mut String::new()) {
        None => Ok(()),
        Some(field) => Err(ApiError::field(
            if field.is_empty() { "body" } else { &field },
            "must not contain control or bidirectional-override characters",
        )),
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
    fn hidden_characters_are_named_by_field() {
        for body in [
            r#"{"name":"a\u0000b"}"#,
            r#"{"name":"bell\u0007"}"#,
            "{\"name\":\"evil\u{202E}txt\"}",
            r#"{"name":"iso\u2066late"}"#,
        ] {
            match no_hidden_characters(body.as_bytes()) {
                Err(ApiError::Validation(d)) => assert!(d.contains_key("name"), "{body}: {d:?}"),
                other => panic!("{body}: {other:?}"),
            }
        }
        match no_hidden_characters(br#"{"tags":["ok","x\u001b[31m"]}"#) {
            Err(ApiError::Validation(d)) => assert!(d.contains_key("tags[1]"), "{d:?}"),
            other => panic!("{other:?}"),
        }
        let fine = "{\"content\":\"line one\\n\\tline two \u{5d0}\u{5d1} \u{200f}\"}";
        assert!(no_hidden_characters(fine.as_bytes()).is_ok(), "{fine}");
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
