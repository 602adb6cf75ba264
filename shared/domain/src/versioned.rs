//! Optimistic concurrency at the API: a client names the version it read, and a
//! stale one changes nothing (409).

use crate::{
    ApiError, ApiResult,
    audit::{AuditSlot, AuditTx},
    clock,
    db::{Cond, Db, Field},
    model::Versioned,
};

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
pub async fn save<E: Versioned>(db: &Db, entity: &mut E, audit: &AuditSlot) -> ApiResult<()> {
    save_keeping(db, entity, &[], audit).await
}

/// [`save`], leaving the stored `keep` attributes as they are (what other writers
/// change without a version, such as a set of attendees).
pub async fn save_keeping<E: Versioned>(
    db: &Db,
    entity: &mut E,
    keep: &[Field],
    audit: &AuditSlot,
) -> ApiResult<()> {
    let read = entity.version();
    entity.bump(clock::now_rfc3339());
    let tx = if keep.is_empty() {
        db.tx().put(entity, Cond::version(read))
    } else {
        db.tx().put_except(entity, keep, Cond::version(read))
    };
    db.commit(tx.audit(audit, 200, None)).await.map_err(|e| {
        e.or(ApiError::Conflict(
            "Changed meanwhile; read it again".into(),
        ))
    })
}
