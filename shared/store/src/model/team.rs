use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::{Entity, Keys, keys};

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Team {
    pub id: String,
    pub company_id: String,
    pub name: String,
    pub description: Option<String>,
    pub created_by: String,
    /// Kept by membership writes, in their transactions.
    pub member_count: u32,
    pub created_at: String,
    pub updated_at: String,
    pub version: u64,
}

impl Entity for Team {
    const NAME: &'static str = "team";

    fn keys(&self) -> Keys {
        let mut k =
            Keys::new(keys::team(&self.company_id, &self.id), Self::NAME).search(self.name.clone());
        k.gsi1pk = Some(keys::teams_index(&self.company_id));
        k.gsi1sk = Some(self.id.clone());
        k
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TeamRole {
    Member,
    /// Manages the team and its members.
    Lead,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TeamMember {
    pub company_id: String,
    pub team_id: String,
    pub user_id: String,
    pub role: TeamRole,
    pub added_at: String,
}

impl Entity for TeamMember {
    const NAME: &'static str = "team_member";

    fn keys(&self) -> Keys {
        let mut k = Keys::new(
            keys::team_member(&self.company_id, &self.team_id, &self.user_id),
            Self::NAME,
        );
        k.gsi1pk = Some(keys::user_teams_index(&self.company_id, &self.user_id));
        k.gsi1sk = Some(self.team_id.clone());
        k
    }
}
