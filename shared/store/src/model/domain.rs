use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::{Cond, Entity, Guard, Keys, keys};

/// An email domain a company has claimed: verified OAuth sign-ins at it join the
/// company as participants. Kept in the company's partition, to list.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CompanyDomain {
    pub domain: String,
    #[schema(ignore)]
    pub company_id: String,
    pub claimed_by: String,
    pub claimed_at: String,
}

impl Entity for CompanyDomain {
    const NAME: &'static str = "company_domain";

    fn keys(&self) -> Keys {
        Keys::new(
            keys::company_domain(&self.company_id, &self.domain),
            Self::NAME,
        )
    }
}

/// The global pointer from a domain to the company that claimed it: written with the
/// claim under `attribute_not_exists`, so a domain belongs to one company.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DomainClaim {
    pub domain: String,
    pub company_id: String,
}

impl DomainClaim {
    pub const UNIQUE: Guard = Guard::named("Unique(domain)");

    pub fn unique() -> Cond {
        Cond::absent().named(Self::UNIQUE)
    }
}

impl Entity for DomainClaim {
    const NAME: &'static str = "domain_claim";

    fn keys(&self) -> Keys {
        Keys::new(keys::domain_claim(&self.domain), Self::NAME)
    }
}
