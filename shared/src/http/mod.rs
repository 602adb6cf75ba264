//! The HTTP stack every function's router gets, and the extractors handlers use.

mod created;
mod json;
mod layers;
mod pagination;
mod query;

pub use created::created;
pub use json::ValidJson;
pub use layers::stack;
pub use pagination::{ListQuery, ListResponse};
pub use query::QueryParams;
