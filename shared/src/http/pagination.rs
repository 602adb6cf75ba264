use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

/// `?limit=&cursor=` of every list.
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// 1 to 100, default 25.
    #[validate(range(min = 1, max = 100))]
    #[serde(default, deserialize_with = "number")]
    pub limit: Option<u32>,
    /// `nextCursor` from the previous page.
    #[validate(length(max = 2048))]
    pub cursor: Option<String>,
}

/// A query-string number: as a flattened field (filters carry a `ListQuery` with
/// `#[serde(flatten)]`) serde hands it over as text.
fn number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Number(u32),
        Text(String),
    }
    match Option::<Raw>::deserialize(d)? {
        None => Ok(None),
        Some(Raw::Number(n)) => Ok(Some(n)),
        Some(Raw::Text(t)) => t
            .parse()
            .map(Some)
            .map_err(|_| serde::de::Error::custom("must be a whole number")),
    }
}

impl ListQuery {
    pub fn limit(&self) -> i32 {
        self.limit.unwrap_or(25).clamp(1, 100) as i32
    }

    /// The page asked for, as the store reads it.
    pub fn at(&self) -> crate::db::PageAt<'_> {
        crate::db::PageAt {
            limit: self.limit(),
            cursor: self.cursor.as_deref(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ListResponse<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T> From<crate::db::Page<T>> for ListResponse<T> {
    fn from(p: crate::db::Page<T>) -> Self {
        Self {
            items: p.items,
            next_cursor: p.next_cursor,
        }
    }
}

impl<T> ListResponse<T> {
    /// One page of a list computed in memory (a join of several queries), ordered by
    /// `key`; the cursor is the last key shown.
    pub fn after(
        mut items: Vec<T>,
        key: impl Fn(&T) -> String,
        limit: i32,
        cursor: Option<&str>,
    ) -> Result<Self, crate::ApiError> {
        use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
        let after = match cursor {
            Some(c) => Some(
                URL_SAFE_NO_PAD
                    .decode(c)
                    .ok()
                    .and_then(|b| String::from_utf8(b).ok())
                    .ok_or_else(|| crate::ApiError::field("cursor", "is not a valid cursor"))?,
            ),
            None => None,
        };
        items.sort_by_key(|i| key(i));
        let mut rest: Vec<T> = items
            .into_iter()
            .filter(|i| after.as_deref().is_none_or(|a| key(i).as_str() > a))
            .collect();
        let limit = limit.max(1) as usize;
        let next_cursor =
            (rest.len() > limit).then(|| URL_SAFE_NO_PAD.encode(key(&rest[limit - 1])));
        rest.truncate(limit);
        Ok(Self {
            items: rest,
            next_cursor,
        })
    }
}
