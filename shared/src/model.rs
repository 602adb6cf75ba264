//! Stored entities (`campus_store::model`) and the API's optimistic-concurrency
//! writes of them.

pub use campus_store::model::*;

pub use crate::versioned::{expect_version, save, save_keeping};
