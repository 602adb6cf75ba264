//! Inventory: items with a quantity that never goes below zero, every change kept.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::{Cond, Entity, Guard, Keys, keys};

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InventoryItem {
    pub id: String,
    pub company_id: String,
    pub name: String,
    /// Unique in the company.
    pub sku: String,
    pub category: String,
    /// Never below zero: changed by `adjust` (a conditioned `ADD`) or an edit.
    pub quantity: i64,
    pub location: Option<String>,
    /// At or below this, the item counts as low on stock.
    pub low_stock_threshold: Option<i64>,
    pub created_at: String,
    pub updated_at: String,
    pub version: u64,
}

impl Entity for InventoryItem {
    const NAME: &'static str = "inventory_item";

    fn keys(&self) -> Keys {
        Keys::new(keys::inventory_item(&self.company_id, &self.id), Self::NAME)
            .search(format!("{} {} {}", self.name, self.sku, self.category))
    }
}

/// One change of an item's quantity (its creation included), as it happened.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InventoryChange {
    pub id: String,
    pub company_id: String,
    pub item_id: String,
    pub delta: i64,
    pub reason: String,
    pub by: String,
    pub at: String,
}

impl Entity for InventoryChange {
    const NAME: &'static str = "inventory_change";

    fn keys(&self) -> Keys {
        Keys::new(
            keys::inventory_change(&self.company_id, &self.item_id, &self.id),
            Self::NAME,
        )
    }
}

/// Makes a SKU unique in its company: written with the item, under
/// `attribute_not_exists`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InventorySku {
    pub company_id: String,
    pub sku: String,
    pub item_id: String,
}

impl InventorySku {
    /// What refuses a second item with one SKU.
    pub const UNIQUE: Guard = Guard::named("Unique(sku)");

    /// The condition of claiming a SKU.
    pub fn unique() -> Cond {
        Cond::absent().named(Self::UNIQUE)
    }
}

impl Entity for InventorySku {
    const NAME: &'static str = "inventory_sku";

    fn keys(&self) -> Keys {
        Keys::new(keys::inventory_sku(&self.company_id, &self.sku), Self::NAME)
    }
}

/// A category in use and how many items are in it (`ADD`ed by item writes).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InventoryCategory {
    pub name: String,
    #[serde(default)]
    pub items: i64,
}

impl InventoryCategory {
    /// Not an [`Entity`]: nothing writes it whole, only [`InventoryCategory::count`].
    pub const NAME: &'static str = "inventory_category";

    /// Moves the category's item count by `n`, making the item on first use.
    pub fn count(category: &str, n: i64) -> crate::db::Update {
        crate::db::Update::new()
            .set(Self::LABEL, category)
            .set(crate::db::Field::ENTITY, Self::NAME)
            .add(Self::ITEMS, n)
    }
}
