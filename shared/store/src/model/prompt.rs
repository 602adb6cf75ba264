//! The prompt library: prompts a company shares, every version of each, their
//! categories, and counters of their use.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::{Cond, Entity, Keys, keys};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum PromptStatus {
    /// Waiting for a manager's review: seen only by its author and managers.
    Pending,
    /// Seen by everyone in the company.
    Approved,
    /// Seen only by its author and managers; a new change asks for review again.
    Rejected,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Prompt {
    pub id: String,
    pub company_id: String,
    pub title: String,
    pub content: String,
    pub category_id: String,
    pub tags: Vec<String>,
    /// Names of the `{{placeholders}}` the content expects.
    pub variables: Vec<String>,
    pub status: PromptStatus,
    pub author_id: String,
    /// Who made the current version.
    pub updated_by: String,
    /// The last review's comment, reviewer and time.
    pub review_comment: Option<String>,
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub version: u64,
}

impl Prompt {
    /// Approved prompts are everyone's; the others only their author's and managers'.
    pub fn visible_to(&self, user_id: &str, manager: bool) -> bool {
        self.status == PromptStatus::Approved || self.author_id == user_id || manager
    }

    /// [`Prompt::visible_to`] a participant, as a condition on the stored item.
    pub fn seen_by(user_id: &str) -> Cond {
        Self::STATUS
            .eq(PromptStatus::Approved)
            .or(Self::AUTHOR_ID.eq(user_id))
    }
}

impl Entity for Prompt {
    const NAME: &'static str = "prompt";

    fn keys(&self) -> Keys {
        let keys = Keys::new(keys::prompt(&self.company_id, &self.id), Self::NAME).search(format!(
            "{} {} {}",
            self.title,
            self.tags.join(" "),
            self.content.chars().take(2000).collect::<String>()
        ));
        if self.status == PromptStatus::Pending {
            keys.gsi1(
                keys::pending_prompts(&self.company_id),
                format!("{}#{}", self.updated_at, self.id),
            )
        } else {
            keys
        }
    }
}

/// A prompt as one of its versions left it: written once, never changed.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PromptVersion {
    pub prompt_id: String,
    pub company_id: String,
    pub version: u64,
    pub title: String,
    pub content: String,
    pub category_id: String,
    pub tags: Vec<String>,
    pub variables: Vec<String>,
    /// The status this version was given when it was written.
    pub status: PromptStatus,
    pub created_by: String,
    pub created_at: String,
}

impl PromptVersion {
    pub fn of(p: &Prompt) -> Self {
        Self {
            prompt_id: p.id.clone(),
            company_id: p.company_id.clone(),
            version: p.version,
            title: p.title.clone(),
            content: p.content.clone(),
            category_id: p.category_id.clone(),
            tags: p.tags.clone(),
            variables: p.variables.clone(),
            status: p.status,
            created_by: p.updated_by.clone(),
            created_at: p.updated_at.clone(),
        }
    }
}

impl Entity for PromptVersion {
    const NAME: &'static str = "prompt_version";

    fn keys(&self) -> Keys {
        Keys::new(
            keys::prompt_version(&self.company_id, &self.prompt_id, self.version),
            Self::NAME,
        )
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PromptCategory {
    pub id: String,
    pub company_id: String,
    /// Unique in the company, whatever its case.
    pub name: String,
    pub description: Option<String>,
    pub created_at: String,
}

impl Entity for PromptCategory {
    const NAME: &'static str = "prompt_category";

    fn keys(&self) -> Keys {
        Keys::new(
            keys::prompt_category(&self.company_id, &self.id),
            Self::NAME,
        )
    }
}

/// Makes a category name unique in its company: written with the category, under
/// `attribute_not_exists`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PromptCategoryName {
    pub company_id: String,
    pub name: String,
    pub category_id: String,
}

impl Entity for PromptCategoryName {
    const NAME: &'static str = "prompt_category_name";

    fn keys(&self) -> Keys {
        Keys::new(
            keys::prompt_category_name(&self.company_id, &self.name),
            Self::NAME,
        )
    }
}

/// Uses on one day of one prompt (`kind` `P`, with the prompt's title) or by one
/// user (`kind` `U`): `ADD`ed by each recorded use.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PromptUseCounter {
    pub day: String,
    pub kind: String,
    #[serde(rename = "ref")]
    pub id: String,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub count: u64,
}
