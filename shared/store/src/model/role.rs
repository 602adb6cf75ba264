use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Roles, lowest to highest; the derived order is the privilege order.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Participant,
    Instructor,
    Manager,
    Admin,
    /// Created by the operator only, never through the API.
    SuperAdmin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Participant => "participant",
            Self::Instructor => "instructor",
            Self::Manager => "manager",
            Self::Admin => "admin",
            Self::SuperAdmin => "super_admin",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_is_privilege() {
        assert!(Role::Participant < Role::Instructor);
        assert!(Role::Manager < Role::Admin);
        assert!(Role::Admin < Role::SuperAdmin);
        assert_eq!(
            serde_json::to_string(&Role::SuperAdmin).unwrap(),
            "\"super_admin\""
        );
    }
}
