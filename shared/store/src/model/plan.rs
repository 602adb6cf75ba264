//! Plans: what each one allows (seats and features), defined here and nowhere else.

use std::fmt;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

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
