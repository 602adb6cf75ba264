//! The HTTP stack every function's router gets, and the extractors handlers use.

mod caller;
mod created;
mod csv;
mod etag;
mod idempotency;
mod json;
mod layers;
mod pagination;
pub mod patch;
mod query;
mod throttle;
mod urls;

pub use caller::Caller;
pub use created::{Created, created, naming};
pub use csv::{ExportFormat, csv_response, file_response, render_export, to_csv};
pub use json::ValidJson;
pub use layers::stack;
pub use pagination::{ListQuery, ListResponse};
pub use query::QueryParams;
pub use throttle::is_limited;
pub use urls::{Links, public_url};

/// For `Option<Option<T>>` fields with `#[serde(default)]`: absent is `None`, `null`
/// is `Some(None)` (clear it), a value is `Some(Some(v))`.
pub fn nullable<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    <Option<T> as serde::Deserialize>::deserialize(d).map(Some)
}

/// A required text field, trimmed; blank is a validation failure naming the field.
pub fn non_blank(field: &str, v: &str) -> crate::ApiResult<String> {
    let t = v.trim();
    if t.is_empty() {
        return Err(crate::ApiError::field(field, "must not be blank"));
    }
    Ok(t.to_string())
}
