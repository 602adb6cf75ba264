//! A fixed rate-limit window's count: one item per bucket, subject and window
//! (`keys::rate_window`), moved by a conditional `ADD` and gone by TTL.

use serde::Deserialize;

use crate::db::{Cond, Field, Item, StoreError, Update, stored_of};

#[derive(Debug, Deserialize)]
pub struct RateWindow {
    #[serde(default)]
    pub hits: u32,
}

impl RateWindow {
    /// Not an [`crate::db::Entity`]: nothing writes it whole, only [`RateWindow::hit`].
    pub const NAME: &'static str = "rate";
    const HITS: Field = Field::new("hits");

    /// One more hit; the item lives until `expires` (epoch seconds).
    pub fn hit(expires: i64) -> Update {
        Update::new()
            .add(Self::HITS, 1)
            .set(Field::TTL, expires)
            .set(Field::ENTITY, Self::NAME)
    }

    /// Fewer than `limit` hits so far.
    pub fn below(limit: u32) -> Cond {
        Self::HITS.missing().or(Self::HITS.lt(limit))
    }

    /// The window among items read together (`None`: no hits yet).
    pub fn of(items: &[Item]) -> Result<Option<Self>, StoreError> {
        stored_of(items, Self::NAME)
    }
}
