//! Campus's storage layer: the one table, the entities stored in it, and the typed
//! keys, conditions and updates that are the only way to address it. It knows
//! nothing of HTTP, of requests or of the audit trail; the crates above map its
//! [`db::StoreError`] to their own answers.

pub mod clock;
pub mod db;
pub mod model;
