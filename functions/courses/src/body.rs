//! Request bodies and their rules.

use campus::model::{CourseStatus, Difficulty, LessonType};
use serde::Deserialize;
use utoipa::ToSchema;
use validator::{Validate, ValidationError};

fn currency_code(c: &str) -> Result<(), ValidationError> {
    if c.len() == 3 && c.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(())
    } else {
        Err(ValidationError::new("currency")
            .with_message("must be an ISO 4217 code such as EUR".into()))
    }
}

fn tags(tags: &[String]) -> Result<(), ValidationError> {
    if tags.len() > 20 {
        return Err(ValidationError::new("tags").with_message("at most 20 tags".into()));
    }
    if tags
        .iter()
        .any(|t| t.trim().is_empty() || t.chars().count() > 40)
    {
        return Err(
            ValidationError::new("tags").with_message("each tag must be 1 to 40 characters".into())
        );
    }
    Ok(())
}

#[derive(Deserialize, Validate, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[validate(schema(function = "price_needs_currency"))]
pub struct CourseBody {
    #[validate(length(min = 1, max = 200))]
    pub title: String,
    #[validate(length(max = 5000))]
    #[serde(default)]
    pub description: String,
    pub difficulty: Difficulty,
    #[validate(range(min = 1, max = 520))]
    pub duration_weeks: u32,
    #[validate(range(max = 100_000_000))]
    pub price_cents: Option<u64>,
    #[validate(custom(function = "currency_code"))]
    pub currency: Option<String>,
    #[validate(custom(function = "tags"))]
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default = "draft")]
    pub status: CourseStatus,
    /// Certificates expire this many months after issue (1 to 120), and the course is
    /// assigned again; none: they never expire.
    #[validate(range(min = 1, max = 120))]
    pub valid_for_months: Option<u32>,
    /// On update: the version read; a stale one answers 409.
    pub version: Option<u64>,
}

fn draft() -> CourseStatus {
    CourseStatus::Draft
}

fn price_needs_currency(b: &CourseBody) -> Result<(), ValidationError> {
    match (b.price_cents, &b.currency) {
        (Some(_), None) => {
            Err(ValidationError::new("currency").with_message("is required with priceCents".into()))
        }
        _ => Ok(()),
    }
}

#[derive(Deserialize, Validate, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ModuleBody {
    #[validate(length(min = 1, max = 200))]
    pub title: String,
    #[validate(range(max = 10_000))]
    pub order: u32,
    pub version: Option<u64>,
}

#[derive(Deserialize, Validate, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LessonBody {
    #[validate(length(min = 1, max = 200))]
    pub title: String,
    #[serde(rename = "type")]
    pub kind: LessonType,
    /// At most 50,000 characters: with 4-byte characters still well inside
    /// DynamoDB's 400 KB item limit.
    #[validate(length(max = 50_000))]
    #[serde(default)]
    pub content: String,
    #[validate(range(max = 1440))]
    pub duration_minutes: u32,
    #[validate(range(max = 10_000))]
    pub order: u32,
    pub version: Option<u64>,
}
