//! Campus's web layer, the library every function links: the middleware stack, the
//! extractors (caller, role, plan, audit, JSON body), the OpenAPI document and the
//! Lambda entry. It re-exports the layers below, so a function names one crate:
//! `campus_domain` (the rules) and, through it, `campus_store` (the table).

pub mod api;
pub mod audit;
pub mod auth;
pub mod http;
pub mod lambda;
pub mod metrics;
pub mod openapi;
pub mod plans;

pub use campus_domain::{
    ApiError, ApiResult, AppState, assigning, aws, aws_calls, calendar, certificates, clock,
    config, db, domains, erasure, error, job, model, notify, paths, people, personal, platform,
    progress, quiz, rate_limit, realtime, recertification, reminders, reporting, schedule, search,
    secrets, sender, state, storage, stripe_signature, uploads, versioned,
};
