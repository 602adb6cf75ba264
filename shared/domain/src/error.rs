//! The one error type every handler returns, rendered as the contract's error body.

use std::collections::BTreeMap;

use axum::{
    Json,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Serialize;
use utoipa::ToSchema;

pub type ApiResult<T> = Result<T, ApiError>;

/// Field name → what is wrong with it.
pub type Details = BTreeMap<String, String>;

#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    Validation(Details),
    MalformedJson(String),
    Unauthenticated(&'static str),
    InvalidCredentials,
    TokenExpired,
    SessionRevoked,
    PaymentRequired(String),
    Forbidden(&'static str),
    /// The platform operator suspended the caller's company.
    CompanySuspended,
    NotFound,
    MethodNotAllowed,
    Conflict(String),
    PayloadTooLarge,
    UnsupportedMediaType(String),
    RateLimited {
        retry_after: u64,
    },
    AccountLocked {
        retry_after: u64,
    },
    /// The message stays in the log; the client gets a generic one.
    Internal(String),
    Unavailable {
        retry_after: u64,
    },
}

impl ApiError {
    pub fn field(field: &str, problem: &str) -> Self {
        let mut d = Details::new();
        d.insert(field.to_string(), problem.to_string());
        Self::Validation(d)
    }

    pub fn internal(e: impl std::fmt::Display) -> Self {
        Self::Internal(e.to_string())
    }

    pub fn status(&self) -> StatusCode {
        use ApiError::*;
        match self {
            Validation(_) | MalformedJson(_) => StatusCode::BAD_REQUEST,
            Unauthenticated(_) | InvalidCredentials | TokenExpired | SessionRevoked => {
                StatusCode::UNAUTHORIZED
            }
            PaymentRequired(_) => StatusCode::PAYMENT_REQUIRED,
            Forbidden(_) | CompanySuspended => StatusCode::FORBIDDEN,
            NotFound => StatusCode::NOT_FOUND,
            MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Conflict(_) => StatusCode::CONFLICT,
            PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            RateLimited { .. } | AccountLocked { .. } => StatusCode::TOO_MANY_REQUESTS,
            Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    pub fn code(&self) -> &'static str {
        use ApiError::*;
        match self {
            Validation(_) => "VALIDATION_FAILED",
            MalformedJson(_) => "MALFORMED_JSON",
            Unauthenticated(_) => "UNAUTHENTICATED",
            InvalidCredentials => "INVALID_CREDENTIALS",
            TokenExpired => "TOKEN_EXPIRED",
            SessionRevoked => "SESSION_REVOKED",
            PaymentRequired(_) => "PAYMENT_REQUIRED",
            Forbidden(_) => "FORBIDDEN",
            CompanySuspended => "COMPANY_SUSPENDED",
            NotFound => "NOT_FOUND",
            MethodNotAllowed => "METHOD_NOT_ALLOWED",
            Conflict(_) => "CONFLICT",
            PayloadTooLarge => "PAYLOAD_TOO_LARGE",
            UnsupportedMediaType(_) => "UNSUPPORTED_MEDIA_TYPE",
            RateLimited { .. } => "RATE_LIMITED",
            AccountLocked { .. } => "ACCOUNT_LOCKED",
            Internal(_) => "INTERNAL",
            Unavailable { .. } => "UNAVAILABLE",
        }
    }

    fn message(&self) -> String {
        use ApiError::*;
        match self {
            Validation(_) => "The request has invalid fields".into(),
            MalformedJson(m) => format!("The body is not valid JSON: {m}"),
            Unauthenticated(m) | Forbidden(m) => (*m).into(),
            InvalidCredentials => "Email or password is wrong".into(),
            TokenExpired => "The access token has expired".into(),
            SessionRevoked => "The session has been revoked; sign in again".into(),
            PaymentRequired(m) | Conflict(m) | UnsupportedMediaType(m) => m.clone(),
            CompanySuspended => "The company is suspended; contact support".into(),
            NotFound => "Not found".into(),
            MethodNotAllowed => "Method not allowed on this path".into(),
            PayloadTooLarge => "The request body is too large".into(),
            RateLimited { .. } => "Too many requests".into(),
            AccountLocked { .. } => {
                "Too many failed sign-in attempts; the account is locked for a while".into()
            }
            Internal(_) => "Something went wrong on our side".into(),
            Unavailable { .. } => "A dependency is unavailable; try again shortly".into(),
        }
    }

    fn retry_after(&self) -> Option<u64> {
        match self {
            Self::RateLimited { retry_after }
            | Self::AccountLocked { retry_after }
            | Self::Unavailable { retry_after } => Some(*retry_after),
            _ => None,
        }
    }

    /// The generic error for a status produced outside our handlers (routing, body limits).
    pub fn from_status(status: StatusCode) -> Option<Self> {
        Some(match status {
            StatusCode::NOT_FOUND => Self::NotFound,
            StatusCode::METHOD_NOT_ALLOWED => Self::MethodNotAllowed,
            StatusCode::PAYLOAD_TOO_LARGE => Self::PayloadTooLarge,
            StatusCode::UNSUPPORTED_MEDIA_TYPE => {
                Self::UnsupportedMediaType("Expected Content-Type: application/json".into())
            }
            StatusCode::BAD_REQUEST | StatusCode::UNPROCESSABLE_ENTITY => {
                Self::Validation(Details::new())
            }
            StatusCode::UNAUTHORIZED => Self::Unauthenticated("Authentication required"),
            StatusCode::FORBIDDEN => Self::Forbidden("Not allowed"),
            s if s.is_server_error() => Self::Internal(format!("status {s}")),
            _ => return None,
        })
    }
}

/// The contract's error body, for OpenAPI and for rendering.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorInfo,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ErrorInfo {
    #[schema(example = "VALIDATION_FAILED")]
    pub code: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<Details>,
    pub request_id: String,
}

/// Marks a response whose body already is the contract's error body.
#[derive(Clone, Copy)]
pub struct Rendered;

tokio::task_local! {
    /// Set by the request-id middleware for the whole request, so errors raised anywhere
    /// in it carry the id without threading it through every call.
    pub static REQUEST_ID: String;
}

pub fn current_request_id() -> String {
    REQUEST_ID.try_with(|id| id.clone()).unwrap_or_default()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        match &self {
            Self::Internal(m) => tracing::error!(error = %m, "internal error"),
            Self::Unavailable { .. } => tracing::warn!("dependency unavailable"),
            _ => {}
        }
        let details = match &self {
            Self::Validation(d) if !d.is_empty() => Some(d.clone()),
            _ => None,
        };
        let body = ErrorBody {
            error: ErrorInfo {
                code: self.code().into(),
                message: self.message(),
                details,
                request_id: current_request_id(),
            },
        };
        let mut res = (status, Json(body)).into_response();
        if let Some(secs) = self.retry_after() {
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if matches!(
            self,
            Self::Unauthenticated(_) | Self::TokenExpired | Self::SessionRevoked
        ) {
            res.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        res.extensions_mut().insert(Rendered);
        res
    }
}

impl From<validator::ValidationErrors> for ApiError {
    fn from(errs: validator::ValidationErrors) -> Self {
        let mut details = Details::new();
        collect_validation("", &errs, &mut details);
        Self::Validation(details)
    }
}

fn collect_validation(prefix: &str, errs: &validator::ValidationErrors, out: &mut Details) {
    use validator::ValidationErrorsKind as K;
    for (key, kind) in errs.errors() {
        // Rust names the fields in snake_case; clients know them in camelCase.
        let field = camel(key);
        let name = if prefix.is_empty() {
            field
        } else {
            format!("{prefix}.{field}")
        };
        match kind {
            K::Field(list) => {
                if let Some(e) = list.first() {
                    let msg = e
                        .message
                        .as_ref()
                        .map(|m| m.to_string())
                        .unwrap_or_else(|| describe(e));
                    // A rule over several fields (`#[validate(schema)]`) names the
                    // field it blames by its error code.
                    let name = if key.as_ref() == "__all__" {
                        e.code.to_string()
                    } else {
                        name
                    };
                    out.insert(name, msg);
                }
            }
            K::Struct(inner) => collect_validation(&name, inner, out),
            K::List(items) => {
                for (i, inner) in items {
                    collect_validation(&format!("{name}[{i}]"), inner, out);
                }
            }
        }
    }
}

fn camel(snake: &str) -> String {
    let mut out = String::with_capacity(snake.len());
    let mut upper = false;
    for c in snake.chars() {
        match c {
            '_' => upper = true,
            c if upper => {
                out.push(c.to_ascii_uppercase());
                upper = false;
            }
            c => out.push(c),
        }
    }
    out
}

fn describe(e: &validator::ValidationError) -> String {
    let p = |k: &str| e.params.get(k).map(|v| v.to_string());
    match e.code.as_ref() {
        "email" => "must be a valid email address".into(),
        "url" => "must be a valid URL".into(),
        "length" => match (p("min"), p("max")) {
            (Some(min), Some(max)) => format!("length must be between {min} and {max}"),
            (Some(min), None) => format!("length must be at least {min}"),
            (None, Some(max)) => format!("length must be at most {max}"),
            _ => "has a bad length".into(),
        },
        "range" => match (p("min"), p("max")) {
            (Some(min), Some(max)) => format!("must be between {min} and {max}"),
            _ => "is out of range".into(),
        },
        code => format!("is invalid ({code})"),
    }
}

impl From<campus_store::db::StoreError> for ApiError {
    fn from(e: campus_store::db::StoreError) -> Self {
        use campus_store::db::StoreError;
        match e {
            StoreError::Refused(_) => {
                ApiError::Conflict("The resource was changed or already exists".into())
            }
            StoreError::NotFound => ApiError::NotFound,
            StoreError::BadCursor => ApiError::field("cursor", "is not a valid cursor"),
            StoreError::Unavailable { retry_after } => ApiError::Unavailable { retry_after },
            StoreError::Conflicted => ApiError::Unavailable { retry_after: 1 },
            StoreError::Internal(e) => ApiError::Internal(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_match_the_contract() {
        assert_eq!(ApiError::NotFound.status(), 404);
        assert_eq!(ApiError::AccountLocked { retry_after: 5 }.status(), 429);
        assert_eq!(ApiError::Conflict("x".into()).code(), "CONFLICT");
        assert_eq!(ApiError::TokenExpired.code(), "TOKEN_EXPIRED");
    }

    #[test]
    fn field_names_are_camel_case() {
        assert_eq!(camel("company_name"), "companyName");
        assert_eq!(camel("email"), "email");
    }

    #[test]
    fn internal_message_hides_details() {
        let msg = ApiError::Internal("dynamo said: secret".into()).message();
        assert!(!msg.contains("secret"));
    }
}
