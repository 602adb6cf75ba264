//! Time and ids, in the formats the contract fixes: RFC 3339 UTC and ULIDs.

use time::{Duration, OffsetDateTime, UtcOffset, format_description::well_known::Rfc3339};

use crate::ApiError;

pub fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

/// `2026-11-21T09:30:00Z`: second precision and UTC keep the strings short and let
/// them compare (and sort in keys) as the times they stand for.
pub fn rfc3339(t: OffsetDateTime) -> String {
    let t = t.to_offset(UtcOffset::UTC);
    t.replace_nanosecond(0)
        .unwrap_or(t)
        .format(&Rfc3339)
        .unwrap_or_default()
}

pub fn now_rfc3339() -> String {
    rfc3339(now())
}

pub fn parse_rfc3339(s: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(s, &Rfc3339).ok()
}

/// An RFC 3339 time, or a `YYYY-MM-DD` date taken at `time_of_day` UTC (`00:00:00`
/// for the start of a range, `23:59:59` for a due date).
pub fn parse_moment(raw: &str, time_of_day: &str) -> Option<OffsetDateTime> {
    parse_rfc3339(raw).or_else(|| {
        (raw.len() == 10)
            .then(|| parse_rfc3339(&format!("{raw}T{time_of_day}Z")))
            .flatten()
    })
}

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

pub fn epoch_after(d: std::time::Duration) -> i64 {
    (now() + Duration::try_from(d).unwrap_or(Duration::ZERO)).unix_timestamp()
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

pub fn new_id() -> String {
    ulid::Ulid::generate().to_string()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_are_stored_as_utc() {
        let t = parse_rfc3339("2026-12-01T10:00:00+02:00").unwrap();
        assert_eq!(rfc3339(t), "2026-12-01T08:00:00Z");
    }

    #[test]
    fn dates_take_the_given_time_of_day() {
        let t = parse_moment("2026-12-01", "23:59:59").unwrap();
        assert_eq!(rfc3339(t), "2026-12-01T23:59:59Z");
        assert!(parse_moment("2026-12", "00:00:00").is_none());
        assert!(parse_moment("tomorrow!!", "00:00:00").is_none());
    }
}
