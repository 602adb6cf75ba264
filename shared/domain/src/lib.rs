//! Campus's rules, below the web layer and above the table: who a caller is, what a
//! plan allows, who sees an event, what a report counts, how a certificate is
//! issued and a notification sent. Nothing here reads a request or knows a route;
//! the web crate (`campus`) turns requests into calls of these, and the store
//! (`campus_store`) is the only way to the table.

pub mod assigning;
pub mod audit;
pub mod auth;
pub mod aws;
pub mod aws_calls;
pub mod calendar;
pub mod certificates;
pub mod clock;
pub mod config;
pub mod domains;
pub mod erasure;
pub mod error;
pub mod gateway;
pub mod job;
pub mod notify;
pub mod paths;
pub mod people;
pub mod personal;
pub mod plans;
pub mod platform;
pub mod progress;
pub mod quiz;
pub mod rate_limit;
pub mod realtime;
pub mod recertification;
pub mod reminders;
pub mod reporting;
pub mod schedule;
pub mod search;
pub mod secrets;
pub mod sender;
pub mod state;
pub mod storage;
pub mod stripe_signature;
pub mod uploads;
pub mod versioned;

pub use campus_store::{db, model};
pub use error::{ApiError, ApiResult};
pub use state::AppState;
