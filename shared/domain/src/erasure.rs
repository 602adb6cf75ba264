//! What deleting a user removes beyond their own partition: their check-ins (shown
//! to colleagues with name, place and message), the events they created (a course's
//! deadline stays, without their name on it), their place in attendee lists, and
//! their identity in the company's audit trail (the entries stay; where they name
//! the user, as actor or resource, a pseudonym stands instead, and the address and
//! browser of their own requests are dropped).

use aws_lc_rs::hmac;

use crate::{
    ApiResult, AppState,
    auth::tokens::hex,
    db::{Cond, Filter, PageAt, Settled, Update, keys, lists},
    model::{AuditEntry, CalendarEvent, EventType},
};

/// Removes every trace of `user_id` outside their partition.
pub async fn user_traces(state: &AppState, company_id: &str, user_id: &str) -> ApiResult<()> {
    let check_ins = state
        .db
        .keys_in_index(&keys::user_checkins_index(company_id, user_id))
        .await?;
    state.db.delete_many(&check_ins).await?;
    events(state, company_id, user_id).await?;
    audit_trail(state, company_id, user_id).await
}

/// The stand-in for a deleted user's id: the same for all their entries (so a
/// trail still reads as one person's), and not reversible without the server's secret.
pub fn pseudonym(state: &AppState, user_id: &str) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, state.root_secret().as_bytes());
    let tag = hmac::sign(&key, format!("campus-erased-user\0{user_id}").as_bytes());
    format!("deleted-{}", &hex(tag.as_ref())[..16])
}

async fn events(state: &AppState, company_id: &str, user_id: &str) -> ApiResult<()> {
    let all: Vec<CalendarEvent> = state.db.all(&lists::events(company_id)).await?;
    let gone = pseudonym(state, user_id);
    for e in all {
        let key = keys::event(company_id, &e.id);
        let attends = e.attendees.iter().any(|a| a == user_id);
        if e.created_by == user_id && !(e.kind == EventType::Deadline && e.course_id.is_some()) {
            state.db.delete(&key, Cond::present()).await.settled()?;
            continue;
        }
        if attends {
            state
                .db
                .update(
                    &key,
                    Update::new()
                        .remove_members(CalendarEvent::ATTENDEES, vec![user_id.to_string()]),
                    Cond::present(),
                )
                .await
                .settled()?;
        }
        if e.created_by == user_id {
            state
                .db
                .update(
                    &key,
                    Update::new().set(CalendarEvent::CREATED_BY, &gone),
                    Cond::present(),
                )
                .await
                .settled()?;
        }
    }
    Ok(())
}

async fn audit_trail(state: &AppState, company_id: &str, user_id: &str) -> ApiResult<()> {
    let trail = lists::audit_trail(company_id);
    let gone = pseudonym(state, user_id);
    let mut cursor = None;
    loop {
        let page = state
            .db
            .page(
                &trail,
                // Most entries are others': read in large pages (1 MB at most).
                PageAt {
                    limit: 1000,
                    cursor: cursor.as_deref(),
                },
                Filter::new().when(
                    AuditEntry::ACTOR_ID
                        .eq(user_id)
                        .or(AuditEntry::RESOURCE_ID.eq(user_id)),
                ),
            )
            .await?;
        for entry in &page.items {
            // As the actor: who, from where, with what. As the resource: only the id.
            let mut update = Update::new();
            if entry.actor_id == user_id {
                update = update
                    .set(AuditEntry::ACTOR_ID, &gone)
                    .remove(AuditEntry::IP)
                    .remove(AuditEntry::USER_AGENT);
            }
            if entry.resource_id.as_deref() == Some(user_id) {
                update = update.set(AuditEntry::RESOURCE_ID, &gone);
            }
            state
                .db
                .update(&keys::audit(company_id, &entry.id), update, Cond::present())
                .await
                .settled()?;
        }
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => return Ok(()),
        }
    }
}
