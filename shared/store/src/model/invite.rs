use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Role;
use crate::db::{Entity, Keys, keys};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum InviteStatus {
    Pending,
    Accepted,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Invite {
    pub id: String,
    pub company_id: String,
    pub email: String,
    pub role: Role,
    pub team_id: Option<String>,
    pub status: InviteStatus,
    pub invited_by: String,
    pub expires_at: String,
    /// Epoch form of `expiresAt`, the TTL.
    #[serde(skip_serializing_if = "is_zero", default)]
    #[schema(ignore)]
    pub expires_epoch: i64,
    /// The hash of the token, to find and remove its pointer.
    #[serde(default)]
    #[schema(ignore)]
    pub token_hash: String,
    pub created_at: String,
    pub accepted_at: Option<String>,
}

fn is_zero(v: &i64) -> bool {
    *v == 0
}

impl Entity for Invite {
    const NAME: &'static str = "invite";

    fn keys(&self) -> Keys {
        // Accepted invites stay as a record; pending ones lapse with their token.
        let keys = Keys::new(keys::invite(&self.company_id, &self.id), Self::NAME);
        match self.status {
            InviteStatus::Pending => keys.ttl(self.expires_epoch + 30 * 86_400),
            InviteStatus::Accepted => keys,
        }
    }
}

/// Pointer from a token's hash to its invite, with what registration needs of it;
/// lives exactly as long as the token.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InviteToken {
    pub token_hash: String,
    pub company_id: String,
    pub invite_id: String,
    pub email: String,
    pub role: Role,
    pub expires_epoch: i64,
    /// The team the newcomer joins with the company (checked when invited).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team_id: Option<String>,
}

/// An invite token is `{companyId}.{secret}`: the company id lets registration read
/// the token's pointer and the company in one round trip.
pub fn invite_token_company(token: &str) -> Option<&str> {
    token
        .split_once('.')
        .map(|(company, _)| company)
        .filter(|c| !c.is_empty())
}

impl Entity for InviteToken {
    const NAME: &'static str = "invite_token";

    fn keys(&self) -> Keys {
        Keys::new(keys::invite_token(&self.token_hash), Self::NAME).ttl(self.expires_epoch)
    }
}

/// An invite as the API shows it: never its token's hash.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InviteView {
    pub id: String,
    pub email: String,
    pub role: Role,
    pub team_id: Option<String>,
    pub status: InviteStatus,
    pub invited_by: String,
    pub expires_at: String,
    pub created_at: String,
    pub accepted_at: Option<String>,
}

impl From<Invite> for InviteView {
    fn from(i: Invite) -> Self {
        Self {
            id: i.id,
            email: i.email,
            role: i.role,
            team_id: i.team_id,
            status: i.status,
            invited_by: i.invited_by,
            expires_at: i.expires_at,
            created_at: i.created_at,
            accepted_at: i.accepted_at,
        }
    }
}
