//! Time and ids (the store's), and times read from clients: a bad one is the 400
//! that names its field.

use time::{Duration, OffsetDateTime};

use crate::ApiError;

pub use campus_store::clock::*;

/// A client's moment for `field`, or the 400 that names it.
pub fn moment(field: &str, raw: &str, time_of_day: &str) -> Result<OffsetDateTime, ApiError> {
    parse_moment(raw, time_of_day)
        .ok_or_else(|| ApiError::field(field, "must be an RFC 3339 time or a YYYY-MM-DD date"))
}

/// A due date from a client: a time, or a date meaning its end (UTC); not in the past.
pub fn due_date(field: &str, raw: &str) -> Result<OffsetDateTime, ApiError> {
    let at = moment(field, raw, "23:59:59")?;
    if at < now() {
        return Err(ApiError::field(field, "must not be in the past"));
    }
    Ok(at)
}

/// A range of whole days (`YYYY-MM-DD`, UTC) from a client's optional `from` and
/// `to`: `to` defaults to today and `from` to 30 days ending with `to`; the range
/// may span at most `max_days`.
pub fn day_range(
    from: Option<&str>,
    to: Option<&str>,
    max_days: i64,
) -> Result<(String, String), ApiError> {
    let day = |field: &str, raw: &str| moment(field, raw, "00:00:00").map(|t| t.date());
    let to = match to {
        Some(t) => day("to", t)?,
        None => now().date(),
    };
    let from = match from {
        Some(f) => day("from", f)?,
        None => to - Duration::days(29),
    };
    if from > to {
        return Err(ApiError::field("to", "must not be before from"));
    }
    if (to - from).whole_days() >= max_days {
        return Err(ApiError::field(
            "from",
            &format!("the range may span at most {max_days} days"),
        ));
    }
    Ok((from.to_string(), to.to_string()))
}

/// Holds an answer back until a fixed time after the request began, for answers
/// whose speed would otherwise tell whether an account exists (a reset request does
/// a little more work for a real address than for an unknown one).
pub struct NoSooner {
    start: tokio::time::Instant,
    min: std::time::Duration,
}

impl NoSooner {
    pub fn start(min: std::time::Duration) -> Self {
        Self {
            start: tokio::time::Instant::now(),
            min,
        }
    }

    pub async fn wait(self) {
        if self.start.elapsed() > self.min {
            tracing::warn!(
                elapsed_ms = self.start.elapsed().as_millis() as u64,
                "an evenly timed answer took longer than its floor"
            );
        }
        tokio::time::sleep_until(self.start + self.min).await;
    }
}

/// `months` calendar months after `t`, on the same day or the month's last.
pub fn add_months(t: OffsetDateTime, months: u32) -> OffsetDateTime {
    let total = t.month() as i32 - 1 + months as i32;
    let year = t.year() + total.div_euclid(12);
    let month =
        time::Month::try_from((total.rem_euclid(12) + 1) as u8).unwrap_or(time::Month::January);
    let day = t.day().min(month.length(year));
    match time::Date::from_calendar_date(year, month, day) {
        Ok(date) => t.replace_date(date),
        Err(_) => t,
    }
}
