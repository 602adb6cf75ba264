//! The HTTP tests of every area that shares the default test settings, as one test
//! binary with a module per area: the whole stack is linked once, not once per
//! area. Areas that need settings of their own, or run a job over the whole table
//! (faults, rate limits, volume, reminders, the mailer), stay binaries of their own
//! beside this folder.

mod analytics;
mod api_keys;
mod assignments;
mod audit;
mod audit_coverage;
mod audit_logs;
mod auth;
mod authorization;
mod billing;
mod caching;
mod calendar;
mod certificates;
mod chat;
mod checkins;
mod checkout;
mod company;
mod concurrency;
mod contract;
mod courses;
mod domains;
mod exports;
mod files;
mod gdpr;
mod idempotency;
mod inventory;
mod lambda_events;
mod layers;
mod notifications;
mod oauth;
mod passwords;
mod patch;
mod paths;
mod payments;
mod platform;
mod progress;
mod prompts;
mod quizzes;
mod realtime;
mod reports;
mod search;
mod secrets;
mod system;
mod teams;
mod users;
