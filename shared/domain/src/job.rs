//! What stops a job: the scheduled reminders, the mailer, the search indexer, the
//! upload checker. Not an HTTP answer: the Lambda runtime logs it and the event's
//! source retries (a stream batch, an S3 event) or the next schedule runs again.

use crate::{ApiError, db::StoreError};

#[derive(Debug)]
pub enum JobError {
    /// The table failed (throttled, unreachable) or refused a write it had to make.
    Store(StoreError),
    /// A service it needs is throttling or unreachable: worth a retry later.
    Unavailable,
    /// Another service failed, or a rule shared with the API refused (`what`).
    Service(String),
    /// The event is not one this job handles; a retry cannot mend it.
    BadEvent(String),
}

impl std::fmt::Display for JobError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Store(e) => write!(f, "store: {e}"),
            Self::Unavailable => f.write_str("a service it needs is unavailable"),
            Self::Service(e) => write!(f, "{e}"),
            Self::BadEvent(e) => write!(f, "bad event: {e}"),
        }
    }
}

impl std::error::Error for JobError {}

impl From<StoreError> for JobError {
    fn from(e: StoreError) -> Self {
        Self::Store(e)
    }
}

/// A rule the jobs share with the API (notify, reporting, uploads) answers in the
/// API's terms; a job keeps what it said, not its status.
impl From<ApiError> for JobError {
    fn from(e: ApiError) -> Self {
        match e {
            ApiError::Unavailable { .. } => Self::Unavailable,
            e => Self::Service(format!("{e:?}")),
        }
    }
}

/// A job an admin runs now through the API (`POST /api/email/send-*`).
impl From<JobError> for ApiError {
    fn from(e: JobError) -> Self {
        match e {
            JobError::Store(e) => e.into(),
            JobError::Unavailable => ApiError::Unavailable { retry_after: 2 },
            JobError::Service(m) | JobError::BadEvent(m) => ApiError::Internal(m),
        }
    }
}

pub type JobResult<T> = Result<T, JobError>;
