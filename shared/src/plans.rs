//! Plans: what each one allows (seats and features), defined here and nowhere else,
//! the gate a handler puts in its signature to require a feature (402 otherwise), and
//! the seat count kept on the company item by the writes that add or remove a user.

use std::{fmt, marker::PhantomData};

use axum::{extract::FromRequestParts, http::request::Parts};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{
    ApiError,
    auth::{MinRole, ParticipantRole, Principal, extract},
    db::{AttributeValue, Cond, Tx, entity_of, keys},
    model::Company,
    state::AppState,
};

/// A company's plan. The order is the upgrade order.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Plan {
    Free,
    Basic,
    Core,
    Pro,
}

/// What a plan may lack.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Feature {
    /// `/api/reports/*` (compliance, team, department, the company dashboard).
    Reports,
    /// Downloads of company data: `/api/reports/export/*`, `/api/export`.
    Exports,
    /// Asking the AI tutor, `POST /api/chat/message` (reading one's history stays open).
    AiChat,
}

impl Plan {
    pub const ALL: [Plan; 4] = [Plan::Free, Plan::Basic, Plan::Core, Plan::Pro];

    /// How many users a company on this plan may have (every status counts).
    pub fn seats(self) -> u32 {
        match self {
            Plan::Free => 5,
            Plan::Basic => 25,
            Plan::Core => 100,
            Plan::Pro => 1000,
        }
    }

    pub fn features(self) -> &'static [Feature] {
        match self {
            Plan::Free | Plan::Basic => &[],
            Plan::Core => &[Feature::Reports],
            Plan::Pro => &[Feature::Reports, Feature::Exports, Feature::AiChat],
        }
    }

    pub fn allows(self, feature: Feature) -> bool {
        self.features().contains(&feature)
    }

    /// The cheapest plan that has `feature`.
    pub fn lowest_with(feature: Feature) -> Plan {
        Plan::ALL
            .into_iter()
            .find(|p| p.allows(feature))
            .unwrap_or(Plan::Pro)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Plan::Free => "free",
            Plan::Basic => "basic",
            Plan::Core => "core",
            Plan::Pro => "pro",
        }
    }

    pub fn parse(s: &str) -> Option<Plan> {
        Plan::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// Plans sold through Stripe (free is what a company has without a subscription).
    pub fn is_paid(self) -> bool {
        self != Plan::Free
    }
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Feature {
    pub fn as_str(self) -> &'static str {
        match self {
            Feature::Reports => "reports",
            Feature::Exports => "exports",
            Feature::AiChat => "ai_chat",
        }
    }
}

/// 402 unless `company`'s plan has `feature`.
pub fn require(company: &Company, feature: Feature) -> Result<(), ApiError> {
    if company.plan.allows(feature) {
        return Ok(());
    }
    Err(ApiError::PaymentRequired(format!(
        "The {} feature needs the {} plan or higher; this company is on {}",
        feature.as_str(),
        Plan::lowest_with(feature),
        company.plan
    )))
}

/// A feature, as a type, so a handler's signature states what plan it needs.
pub trait Gated {
    const FEATURE: Feature;
}

macro_rules! gated {
    ($($name:ident => $feature:expr),*) => {$(
        pub struct $name;
        impl Gated for $name {
            const FEATURE: Feature = $feature;
        }
    )*};
}
gated!(ReportsFeature => Feature::Reports, ExportsFeature => Feature::Exports, AiChatFeature => Feature::AiChat);

/// A signed-in user of at least role `R` whose company's plan has feature `F`: 401,
/// then 403 (role), then 402 (plan). The credential and the company are read in one
/// round trip, so the gate costs no more than the plain [`crate::auth::AuthUser`].
pub struct Entitled<F: Gated, R: MinRole = ParticipantRole>(
    pub Principal,
    pub Company,
    pub PhantomData<(F, R)>,
);

impl<F, R> FromRequestParts<AppState> for Entitled<F, R>
where
    F: Gated + Send + Sync,
    R: MinRole + Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let (p, items) =
            extract::authenticate(parts, state, |company| vec![keys::company(company)]).await?;
        crate::auth::require(&p, R::ROLE)?;
        let company: Company = entity_of(&items)?.ok_or(ApiError::NotFound)?;
        require(&company, F::FEATURE)?;
        Ok(Self(p, company, PhantomData))
    }
}

/// Why a user cannot join.
pub fn no_free_seat() -> ApiError {
    ApiError::PaymentRequired(
        "Every seat of the company's plan is taken; upgrade the plan or remove a user".into(),
    )
}

/// 402 unless the company has a free seat now (an early answer for invites; the
/// joining write itself is what holds the limit, through [`take_seat`]).
pub fn check_seat(company: &Company) -> Result<(), ApiError> {
    if company.seats_used < company.seats {
        Ok(())
    } else {
        Err(no_free_seat())
    }
}

/// Adds to `tx` the update that takes one seat of the company, conditioned on a
/// free one: two users joining at once cannot both take the last seat.
pub fn take_seat(tx: Tx, company_id: &str) -> Tx {
    tx.update(
        &keys::company(company_id),
        "ADD #seatsUsed :one",
        vec![(":one".into(), AttributeValue::N("1".into()))],
        Cond::expr(
            "attribute_exists(pk) AND (attribute_not_exists(#seatsUsed) OR #seatsUsed < #seats)",
            vec![],
        ),
    )
}

/// Adds to `tx` the update that gives a user's seat back.
pub fn free_seat(tx: Tx, company_id: &str) -> Tx {
    tx.update(
        &keys::company(company_id),
        "ADD #seatsUsed :minus",
        vec![(":minus".into(), AttributeValue::N("-1".into()))],
        Cond::present(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_grow_in_seats_and_features() {
        for pair in Plan::ALL.windows(2) {
            assert!(pair[0].seats() < pair[1].seats(), "{pair:?}");
            for f in pair[0].features() {
                assert!(pair[1].allows(*f), "{pair:?} loses {f:?}");
            }
        }
        assert_eq!(Plan::lowest_with(Feature::Reports), Plan::Core);
        assert_eq!(Plan::lowest_with(Feature::Exports), Plan::Pro);
        assert_eq!(Plan::lowest_with(Feature::AiChat), Plan::Pro);
    }

    #[test]
    fn names_round_trip() {
        for p in Plan::ALL {
            assert_eq!(Plan::parse(p.as_str()), Some(p));
            assert_eq!(serde_json::to_value(p).unwrap(), p.as_str());
        }
        assert_eq!(Plan::parse("enterprise"), None);
    }
}
