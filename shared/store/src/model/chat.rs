//! The AI tutor's conversations: the user's own, gone with the user.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::{Entity, Keys, keys};

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Conversation {
    pub id: String,
    pub company_id: String,
    pub user_id: String,
    /// The first message's beginning.
    pub title: String,
    /// The course it is about, if any: its title and description frame the tutor.
    pub course_id: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl Entity for Conversation {
    const NAME: &'static str = "conversation";

    fn keys(&self) -> Keys {
        Keys::new(
            keys::conversation(&self.company_id, &self.user_id, &self.id),
            Self::NAME,
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChatRole {
    User,
    Assistant,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Rating {
    Up,
    Down,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChatMessage {
    pub id: String,
    pub company_id: String,
    pub user_id: String,
    pub conversation_id: String,
    pub role: ChatRole,
    pub content: String,
    pub created_at: String,
    /// The user's rating of a reply.
    pub rating: Option<Rating>,
    pub comment: Option<String>,
}

impl Entity for ChatMessage {
    const NAME: &'static str = "chat_message";

    fn keys(&self) -> Keys {
        Keys::new(
            keys::chat_message(&self.company_id, &self.user_id, &self.id),
            Self::NAME,
        )
        .gsi1(
            keys::conversation_messages(&self.company_id, &self.conversation_id),
            self.id.clone(),
        )
    }
}
