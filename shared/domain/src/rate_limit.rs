//! Fixed-window rate limits kept in the table, so every Lambda instance counts into
//! the same window: one conditional `ADD` per counted request, expiring by TTL.

use crate::{
    ApiError, ApiResult,
    db::{Db, StoreError, keys},
    model::RateWindow,
};
/// Where a window stands after a counted request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub limit: u32,
    pub remaining: u32,
    /// Epoch seconds at which the window ends and the count starts again.
    pub reset: i64,
}

impl Window {
    pub fn retry_after(&self, now: i64) -> u64 {
        (self.reset - now).max(1) as u64
    }
}

/// What counting a request found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counted {
    /// Counted; the window afterwards.
    Within(Window),
    /// The window was full; nothing counted.
    Over(Window),
}

/// One limit: at most `limit` hits per `window_secs` for one bucket and subject.
#[derive(Debug, Clone, Copy)]
pub struct Limit<'a> {
    pub bucket: &'a str,
    pub limit: u32,
    pub window_secs: i64,
}

impl Limit<'_> {
    fn window(&self, now: i64) -> (i64, i64) {
        let start = now - now.rem_euclid(self.window_secs);
        (start, start + self.window_secs)
    }

    /// `ADD`s one hit to `subject`'s window, under the limit only when `limited`;
    /// the count afterwards, or `None` when the limit refused it.
    async fn add(
        &self,
        db: &Db,
        subject: &str,
        now: i64,
        limited: bool,
    ) -> Result<Option<u32>, ApiError> {
        let (start, reset) = self.window(now);
        // Kept a window past its end, so a late reader never sees a reused count.
        let cond = limited.then(|| RateWindow::below(self.limit));
        let counted = db
            .update_returning::<RateWindow>(
                &keys::rate_window(self.bucket, subject, start),
                RateWindow::hit(reset + self.window_secs),
                cond,
            )
            .await;
        match counted {
            Ok(h) => Ok(Some(h.hits)),
            Err(StoreError::Refused(_)) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Counts one hit for `subject`, unless the window is full (then nothing is
    /// counted). A table failure is the `ApiError`.
    pub async fn hit(&self, db: &Db, subject: &str, now: i64) -> Result<Counted, ApiError> {
        let reset = self.window(now).1;
        let window = |hits: u32| Window {
            limit: self.limit,
            remaining: self.limit.saturating_sub(hits),
            reset,
        };
        Ok(match self.add(db, subject, now, true).await? {
            Some(hits) => Counted::Within(window(hits)),
            None => Counted::Over(window(self.limit)),
        })
    }

    /// The key of `subject`'s current window, to read it beside other items.
    pub fn key(&self, subject: &str, now: i64) -> keys::Key {
        keys::rate_window(self.bucket, subject, self.window(now).0)
    }

    /// Refuses with 429 when `hits` (read from [`Limit::key`]) already reach the limit.
    pub fn check(&self, hits: Option<u32>, now: i64) -> ApiResult<()> {
        if hits.unwrap_or(0) >= self.limit {
            let (_, reset) = self.window(now);
            return Err(ApiError::RateLimited {
                retry_after: (reset - now).max(1) as u64,
            });
        }
        Ok(())
    }

    /// Counts one hit without a condition (failures that are refused elsewhere).
    pub async fn count(&self, db: &Db, subject: &str, now: i64) -> ApiResult<()> {
        self.add(db, subject, now, false).await.map(|_| ())
    }
}

/// The hit count of a window item read with other items (`None`: no hits yet).
pub fn hits_of(items: &[crate::db::Item]) -> ApiResult<Option<u32>> {
    Ok(RateWindow::of(items)?.map(|h| h.hits))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_are_aligned_to_their_length() {
        let l = Limit {
            bucket: "user",
            limit: 10,
            window_secs: 60,
        };
        assert_eq!(l.window(125), (120, 180));
        assert_eq!(l.window(120), (120, 180));
        assert_eq!(
            l.check(Some(10), 125),
            Err(ApiError::RateLimited { retry_after: 55 })
        );
        assert_eq!(l.check(Some(9), 125), Ok(()));
        assert_eq!(l.check(None, 179), Ok(()));
    }
}
