use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::{Entity, Keys, keys};

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Company {
    pub id: String,
    pub name: String,
    /// Changed only by billing (the Stripe webhook).
    pub plan: crate::model::Plan,
    /// The plan's seat limit: how many users the company may have.
    pub seats: u32,
    /// Users the company has now (every status); kept by the writes that add or
    /// remove one, never written with the rest of the company.
    #[serde(default)]
    pub seats_used: u32,
    /// `suspended` by the platform operator: every request of its users is refused.
    #[serde(default)]
    pub status: CompanyStatus,
    /// Why, while suspended (the operator's words, shown to nobody else).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suspended_reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suspended_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub version: u64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CompanyStatus {
    #[default]
    Active,
    Suspended,
}

impl Company {
    /// A new company on the free plan, its founder in its one taken seat (what
    /// registration and a sign-up without a claimed domain make).
    pub fn founded(name: String, now: &str) -> Self {
        let plan = crate::model::Plan::Free;
        Self {
            id: crate::clock::new_id(),
            name,
            plan,
            seats: plan.seats(),
            seats_used: 1,
            status: CompanyStatus::Active,
            suspended_reason: None,
            suspended_at: None,
            created_at: now.to_string(),
            updated_at: now.to_string(),
            version: 1,
        }
    }
}

/// The company of the platform operators (`super_admin`): made by `make superadmin`.
pub const PLATFORM_COMPANY: &str = "platform";

/// Companies sort by name (lower case) in the platform's list, so `?q=` is a prefix
/// of the key; the id keeps names that are alike apart.
pub fn company_order(name: &str, id: &str) -> String {
    format!("{}#{id}", name.trim().to_lowercase())
}

impl Entity for Company {
    const NAME: &'static str = "company";

    fn keys(&self) -> Keys {
        let keys = Keys::new(keys::company(&self.id), Self::NAME);
        // The operator's own company is nobody's customer: not in the platform's list,
        // nor in any job over all companies.
        if self.id == PLATFORM_COMPANY {
            return keys;
        }
        keys.gsi1(keys::COMPANIES.into(), company_order(&self.name, &self.id))
    }
}
