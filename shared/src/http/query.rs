use axum::{extract::FromRequestParts, http::request::Parts};
use serde::de::DeserializeOwned;
use validator::Validate;

use crate::error::ApiError;

/// Query parameters, parsed and validated; failures name the parameter.
pub struct QueryParams<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Validate> FromRequestParts<S> for QueryParams<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let value: T = parse(parts.uri.query().unwrap_or_default())?;
        value.validate()?;
        Ok(Self(value))
    }
}

pub fn parse<T: DeserializeOwned>(query: &str) -> Result<T, ApiError> {
    let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let msg = e.into_inner().to_string();
        let field = match msg.strip_prefix("missing field `") {
            Some(rest) => rest.trim_end_matches('`').to_string(),
            None if path == "." => "query".to_string(),
            None => path,
        };
        ApiError::field(&field, &msg)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::ListQuery;

    #[test]
    fn names_the_bad_parameter() {
        match parse::<ListQuery>("limit=abc") {
            Err(ApiError::Validation(d)) => assert!(d.contains_key("limit"), "{d:?}"),
            Err(other) => panic!("{other:?}"),
            Ok(_) => panic!("accepted"),
        }
        let q: ListQuery = parse("limit=5&cursor=x").unwrap();
        assert_eq!((q.limit, q.cursor.as_deref()), (Some(5), Some("x")));
    }

    #[derive(Debug, serde::Deserialize)]
    struct Filtered {
        kind: Option<String>,
        #[serde(flatten)]
        page: ListQuery,
    }

    #[test]
    fn paging_flattens_into_filters() {
        let f: Filtered = parse("kind=a&limit=7&cursor=c").unwrap();
        assert_eq!(f.kind.as_deref(), Some("a"));
        assert_eq!(
            (f.page.limit, f.page.cursor.as_deref()),
            (Some(7), Some("c"))
        );
        assert_eq!(f.page.limit(), 7);
        let f: Filtered = parse("").unwrap();
        assert_eq!(f.page.limit(), 25);
        match parse::<Filtered>("limit=seven") {
            Err(ApiError::Validation(d)) => {
                assert!(d.values().any(|v| v.contains("whole number")), "{d:?}")
            }
            other => panic!("{other:?}"),
        }
    }
}
