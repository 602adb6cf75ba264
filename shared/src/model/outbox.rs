use serde::{Deserialize, Serialize};

use crate::db::{Entity, Keys, keys};

/// One mail waiting in the outbox. Producers only write this item (in the same
/// transaction as what caused it); the mailer renders and sends it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Mail {
    pub id: String,
    pub company_id: String,
    /// Template name: `invite`, `welcome`, `set_password`, ...
    pub template: String,
    pub to: String,
    /// The template's variables as JSON text.
    pub data_json: String,
    /// `pending`, `sending`, `sent` or `failed`.
    pub status: String,
    pub attempts: u32,
    pub created_at: String,
}

impl Mail {
    pub fn new(company_id: &str, template: &str, to: &str, data: serde_json::Value) -> Self {
        Self {
            id: crate::clock::new_id(),
            company_id: company_id.into(),
            template: template.into(),
            to: to.into(),
            data_json: data.to_string(),
            status: "pending".into(),
            attempts: 0,
            created_at: crate::clock::now_rfc3339(),
        }
    }
}

impl Entity for Mail {
    fn keys(&self) -> Keys {
        Keys::new(keys::outbox(&self.company_id, &self.id), "mail")
    }
}
