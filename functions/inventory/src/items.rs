use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
    response::Response,
};
use campus::{
    ApiError, ApiResult, AppState,
    audit::Audit,
    auth::{AuthUser, Gate, Manager, Principal},
    clock,
    db::{Cond, Field, Filter, StoreError, Tx, keys, lists},
    error::ErrorBody,
    http::{ListQuery, ListResponse, QueryParams, ValidJson, created, non_blank},
    model::{InventoryCategory, InventoryChange, InventoryItem, InventorySku, Versioned},
    versioned::expect_version,
};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

/// The largest quantity (and adjustment) accepted: far beyond any stock room, well
/// inside an `i64`.
pub const MAX_QUANTITY: i64 = 1_000_000_000;

#[derive(Deserialize, Validate, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ItemBody {
    #[validate(length(min = 1, max = 200))]
    pub name: String,
    /// Unique in the company.
    #[validate(length(min = 1, max = 64))]
    pub sku: String,
    #[validate(length(min = 1, max = 60))]
    pub category: String,
    #[validate(range(min = 0, max = 1_000_000_000))]
    pub quantity: i64,
    #[validate(length(max = 200))]
    pub location: Option<String>,
    #[validate(range(min = 0, max = 1_000_000_000))]
    pub low_stock_threshold: Option<i64>,
    /// On update: the version read (a stale one answers 409).
    pub version: Option<u64>,
}

struct Fields {
    name: String,
    sku: String,
    category: String,
}

fn fields(b: &ItemBody) -> ApiResult<Fields> {
    let sku = non_blank("sku", &b.sku)?;
    if sku.contains('#') {
        return Err(ApiError::field("sku", "must not contain #"));
    }
    Ok(Fields {
        name: non_blank("name", &b.name)?,
        sku,
        category: non_blank("category", &b.category)?,
    })
}

/// Moves a category's item count by `n` (the category item is made on first use).
fn count(tx: Tx, company_id: &str, category: &str, n: i64) -> Tx {
    tx.update(
        &keys::inventory_category(company_id, category),
        InventoryCategory::count(category, n),
        None,
    )
}

pub fn change(p: &Principal, item_id: &str, delta: i64, reason: &str) -> InventoryChange {
    InventoryChange {
        id: clock::new_id(),
        company_id: p.company_id.clone(),
        item_id: item_id.into(),
        delta,
        reason: reason.into(),
        by: p.user_id.clone(),
        at: clock::now_rfc3339(),
    }
}

fn sku_taken() -> ApiError {
    ApiError::Conflict("Another item has this SKU".into())
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct ItemFilters {
    #[validate(length(min = 1, max = 60))]
    pub category: Option<String>,
    /// Only items at or below their low-stock threshold.
    pub low_stock: Option<bool>,
    /// Part of a name, SKU or category.
    #[validate(length(min = 1, max = 100))]
    pub q: Option<String>,
    /// `limit` and `cursor`.
    #[serde(flatten)]
    #[param(ignore)]
    #[validate(nested)]
    pub page: ListQuery,
}

/// The company's inventory (any user), filtered by category, low stock, or text.
#[utoipa::path(get, path = "/api/inventory", tag = "inventory", security(("bearer" = [])),
    params(ItemFilters, ListQuery),
    responses((status = 200, body = ListResponse<InventoryItem>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    AuthUser(p): AuthUser,
    QueryParams(f): QueryParams<ItemFilters>,
) -> ApiResult<Json<ListResponse<InventoryItem>>> {
    let mut filter = Filter::default();
    if let Some(c) = &f.category {
        filter = filter.eq(InventoryItem::CATEGORY, c.trim());
    }
    if let Some(q) = &f.q {
        filter = filter.contains(Field::SEARCH, q.trim().to_lowercase());
    }
    if f.low_stock == Some(true) {
        filter = filter.when(InventoryItem::QUANTITY.le_field(InventoryItem::LOW_STOCK_THRESHOLD));
    }
    let page = state
        .db
        .page(&lists::inventory_items(&p.company_id), f.page.at(), filter)
        .await?;
    Ok(Json(page.into()))
}

/// Add an item (manager+). Its creation is the first entry of its history.
#[utoipa::path(post, path = "/api/inventory", tag = "inventory", security(("bearer" = [])),
    request_body = ItemBody,
    responses((status = 201, body = InventoryItem), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, description = "The SKU is taken", body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    Gate(p, ..): Manager,
    audit: Audit,
    ValidJson(b): ValidJson<ItemBody>,
) -> ApiResult<Response> {
    let f = fields(&b)?;
    let now = clock::now_rfc3339();
    let item = InventoryItem {
        id: clock::new_id(),
        company_id: p.company_id.clone(),
        name: f.name,
        sku: f.sku,
        category: f.category,
        quantity: b.quantity,
        location: b.location,
        low_stock_threshold: b.low_stock_threshold,
        created_at: now.clone(),
        updated_at: now,
        version: 1,
    };
    let sku = InventorySku {
        company_id: p.company_id.clone(),
        sku: item.sku.clone(),
        item_id: item.id.clone(),
    };
    let tx = state
        .db
        .tx()
        .put(&sku, InventorySku::unique())
        .put(&item, Cond::absent())
        .put(&change(&p, &item.id, item.quantity, "created"), None);
    let tx = count(tx, &p.company_id, &item.category, 1);
    match audit
        .commit(&state.db, tx, created(&item.id.clone(), item))
        .await
    {
        Ok(answer) => Ok(answer),
        Err(StoreError::Refused(_)) => Err(sku_taken()),
        Err(e) => Err(e.into()),
    }
}

/// The categories in use, with how many items each holds (any user).
#[utoipa::path(get, path = "/api/inventory/categories", tag = "inventory", security(("bearer" = [])),
    responses((status = 200, body = ListResponse<InventoryCategory>), (status = 401, body = ErrorBody)))]
pub async fn categories(
    State(state): State<AppState>,
    AuthUser(p): AuthUser,
) -> ApiResult<Json<ListResponse<InventoryCategory>>> {
    let all: Vec<InventoryCategory> = state
        .db
        .all(&lists::inventory_categories(&p.company_id))
        .await?;
    Ok(Json(ListResponse {
        items: all.into_iter().filter(|c| c.items > 0).collect(),
        next_cursor: None,
    }))
}

/// One item (any user).
#[utoipa::path(get, path = "/api/inventory/{id}", tag = "inventory", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = InventoryItem), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    AuthUser(p): AuthUser,
    Path(id): Path<String>,
) -> ApiResult<Json<InventoryItem>> {
    Ok(Json(
        state
            .db
            .find(&keys::inventory_item(&p.company_id, &id))
            .await?,
    ))
}

/// Change an item (manager+): every field; a new quantity is kept in its history
/// as an edit. A stale `version` answers 409 and changes nothing.
#[utoipa::path(put, path = "/api/inventory/{id}", tag = "inventory", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = ItemBody,
    responses((status = 200, body = InventoryItem), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, description = "Stale version, or the SKU is taken", body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    Gate(p, ..): Manager,
    Path(id): Path<String>,
    audit: Audit,
    ValidJson(b): ValidJson<ItemBody>,
) -> ApiResult<Json<InventoryItem>> {
    let mut item: InventoryItem = state
        .db
        .find(&keys::inventory_item(&p.company_id, &id))
        .await?;
    expect_version(b.version, item.version)?;
    let f = fields(&b)?;
    let read = item.version;
    let (old_sku, old_category, delta) = (
        item.sku.clone(),
        item.category.clone(),
        b.quantity - item.quantity,
    );
    item.name = f.name;
    item.sku = f.sku;
    item.category = f.category;
    item.quantity = b.quantity;
    item.location = b.location;
    item.low_stock_threshold = b.low_stock_threshold;
    item.bump(clock::now_rfc3339());
    let mut tx = state.db.tx().put(&item, Cond::version(read));
    if item.sku != old_sku {
        tx = tx
            .put(
                &InventorySku {
                    company_id: p.company_id.clone(),
                    sku: item.sku.clone(),
                    item_id: item.id.clone(),
                },
                InventorySku::unique(),
            )
            .delete(&keys::inventory_sku(&p.company_id, &old_sku), None);
    }
    if item.category != old_category {
        tx = count(tx, &p.company_id, &old_category, -1);
        tx = count(tx, &p.company_id, &item.category, 1);
    }
    if delta != 0 {
        tx = tx.put(&change(&p, &item.id, delta, "edited"), None);
    }
    match audit.commit(&state.db, tx, Json(item)).await {
        Ok(answer) => Ok(answer),
        Err(StoreError::Refused(InventorySku::UNIQUE)) => Err(sku_taken()),
        Err(StoreError::Refused(_)) => Err(ApiError::Conflict(
            "Changed meanwhile; read it again".into(),
        )),
        Err(e) => Err(e.into()),
    }
}

/// Remove an item (manager+), with its SKU and its history.
#[utoipa::path(delete, path = "/api/inventory/{id}", tag = "inventory", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 204, description = "Deleted"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    Gate(p, ..): Manager,
    Path(id): Path<String>,
    audit: Audit,
) -> ApiResult<StatusCode> {
    let item: InventoryItem = state
        .db
        .find(&keys::inventory_item(&p.company_id, &id))
        .await?;
    let tx = state
        .db
        .tx()
        .delete(&keys::inventory_item(&p.company_id, &id), Cond::present())
        .delete(&keys::inventory_sku(&p.company_id, &item.sku), None);
    let tx = count(tx, &p.company_id, &item.category, -1);
    let answer = audit
        .commit(&state.db, tx, StatusCode::NO_CONTENT)
        .await
        .map_err(|e| e.or(ApiError::NotFound))?;
    state
        .db
        .delete_partition(&keys::inventory_history(&p.company_id, &id))
        .await?;
    Ok(answer)
}
