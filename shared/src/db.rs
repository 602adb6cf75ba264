//! The store as the rest of the library and the functions reach it: everything of
//! `campus_store::db` (its errors map to [`crate::ApiError`] with `From`).

pub use campus_store::db::*;
