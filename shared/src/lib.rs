//! Campus: the library every function shares.

pub mod api;
pub mod audit;
pub mod auth;
pub mod aws;
pub mod calendar;
pub mod certificates;
pub mod clock;
pub mod config;
pub mod db;
pub mod erasure;
pub mod error;
pub mod http;
pub mod lambda;
pub mod model;
pub mod notify;
pub mod openapi;
pub mod people;
pub mod plans;
pub mod progress;
pub mod rate_limit;
pub mod realtime;
pub mod reminders;
pub mod reporting;
pub mod search;
pub mod state;
pub mod storage;
pub mod stripe_signature;
pub mod uploads;
pub mod versioned;

pub use error::{ApiError, ApiResult};
pub use state::AppState;
