//! Optimistic concurrency: every mutable resource carries a `version`; an update
//! names the version it read, and a stale one changes nothing (409).

use crate::{
    ApiError, ApiResult,
    audit::Audit,
    clock,
    db::{Cond, Db, Entity},
};

pub trait Versioned: Entity {
    fn version(&self) -> u64;
    /// The next version, stamped now.
    fn bump(&mut self, now: String);
}

macro_rules! versioned {
    ($($t:ty),*) => {$(
        impl Versioned for $t {
            fn version(&self) -> u64 {
                self.version
            }
            fn bump(&mut self, now: String) {
                self.version += 1;
                self.updated_at = now;
            }
        }
    )*};
}
versioned!(
    super::Company,
    super::Department,
    super::User,
    super::Course,
    super::Module,
    super::Lesson,
    super::Team,
    super::CalendarEvent,
    super::InventoryItem,
    super::Prompt
);

/// 409 when the client sent a version other than the stored one.
pub fn expect_version(sent: Option<u64>, stored: u64) -> ApiResult<()> {
    match sent {
        Some(v) if v != stored => Err(ApiError::Conflict(format!(
            "Stale version {v}; the current version is {stored}"
        ))),
        _ => Ok(()),
    }
}

/// Writes a changed entity as its next version, if the stored one is still the one
/// read, together with the request's audit entry.
pub async fn save<E: Versioned>(db: &Db, entity: &mut E, audit: &Audit) -> ApiResult<()> {
    save_keeping(db, entity, &[], audit).await
}

/// [`save`], leaving the stored `keep` attributes as they are (what other writers
/// change without a version, such as a set of attendees).
pub async fn save_keeping<E: Versioned>(
    db: &Db,
    entity: &mut E,
    keep: &[&str],
    audit: &Audit,
) -> ApiResult<()> {
    let read = entity.version();
    entity.bump(clock::now_rfc3339());
    let tx = if keep.is_empty() {
        db.tx().put(entity, Cond::version(read))
    } else {
        db.tx().put_except(entity, keep, Cond::version(read))
    };
    db.commit(tx.audit(audit, 200, None))
        .await
        .map_err(|e| match e {
            crate::db::WriteError::Condition(_) => {
                ApiError::Conflict("Changed meanwhile; read it again".into())
            }
            crate::db::WriteError::Api(e) => e,
        })
}
