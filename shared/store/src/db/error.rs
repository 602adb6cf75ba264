//! What can go wrong in the store, in the store's words. The web layer maps each to
//! a status (`From<StoreError> for ApiError`); jobs log it and retry.

use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};

use super::Guard;

#[derive(Debug)]
pub enum StoreError {
    /// A write's condition did not hold: the guard that refused it.
    Refused(Guard),
    /// A read of one item that does not exist (or a key too long to name one).
    NotFound,
    /// A list cursor this store did not sign, or one for another list.
    BadCursor,
    /// DynamoDB is throttling or unreachable: worth a retry after a moment. (A write
    /// that timed out may have landed: not blindly retried.)
    Unavailable { retry_after: u64 },
    /// A transaction cancelled because another one in flight touched one of its
    /// items: nothing was written, so it is safe to read again and retry.
    Conflicted,
    /// Anything else: a bug of ours or a refusal we did not expect.
    Internal(String),
}

impl StoreError {
    pub fn internal(e: impl std::fmt::Display) -> Self {
        Self::Internal(e.to_string())
    }

    /// `refused` if a condition refused the write, else this error in the caller's
    /// terms: for writes whose refusal is the client's answer (409, 404, 402).
    pub fn or<E: From<StoreError>>(self, refused: E) -> E {
        match self {
            Self::Refused(_) => refused,
            e => e.into(),
        }
    }
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Refused(g) => write!(f, "refused by its condition: {g}"),
            Self::NotFound => f.write_str("not found"),
            Self::BadCursor => f.write_str("not a cursor of this list"),
            Self::Unavailable { .. } => f.write_str("DynamoDB unavailable"),
            Self::Conflicted => f.write_str("a transaction in flight touched the same items"),
            Self::Internal(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for StoreError {}

/// A write whose refused condition means it is done already (gone, or applied).
pub trait Settled {
    fn settled(self) -> Result<(), StoreError>;
}

impl Settled for Result<(), StoreError> {
    fn settled(self) -> Result<(), StoreError> {
        match self {
            Ok(()) | Err(StoreError::Refused(_)) => Ok(()),
            Err(e) => Err(e),
        }
    }
}

/// Maps an SDK failure: throttling and network trouble are worth a retry, anything
/// else is our bug.
pub fn sdk_error<E, R>(err: SdkError<E, R>) -> StoreError
where
    E: ProvideErrorMetadata + std::fmt::Debug,
    R: std::fmt::Debug,
{
    match &err {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            tracing::warn!(error = ?err, "DynamoDB unreachable");
            StoreError::Unavailable { retry_after: 2 }
        }
        SdkError::ServiceError(se) => match se.err().code() {
            Some(
                "ProvisionedThroughputExceededException"
                | "ThrottlingException"
                | "RequestLimitExceeded"
                | "InternalServerError"
                | "ServiceUnavailable",
            ) => StoreError::Unavailable { retry_after: 2 },
            _ => StoreError::Internal(format!("DynamoDB: {:?}", se.err())),
        },
        _ => StoreError::Internal(format!("DynamoDB: {err:?}")),
    }
}
