use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
};
use campus::{
    ApiError, ApiResult, AppState,
    audit::Audit,
    auth::{Gate, Manager},
    clock,
    db::{Cond, Field, Filter, StoreError, Update, keys, lists},
    error::ErrorBody,
    http::{ListQuery, ListResponse, QueryParams, ValidJson, non_blank},
    model::{InventoryChange, InventoryItem},
};
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

use crate::items::{MAX_QUANTITY, change};

#[derive(Deserialize, Validate, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Adjustment {
    /// Added to the quantity (negative: taken out); not zero.
    #[validate(range(min = -1_000_000_000, max = 1_000_000_000))]
    pub delta: i64,
    #[validate(length(min = 1, max = 200))]
    pub reason: String,
}

/// Add to or take from an item's stock (manager+). One conditioned `ADD`: the
/// quantity cannot go below zero however many adjustments run at once (409, and
/// nothing changes), and none is lost. The change is kept in the item's history.
#[utoipa::path(post, path = "/api/inventory/{id}/adjust", tag = "inventory", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = Adjustment,
    responses((status = 200, description = "The item after the change", body = InventoryItem), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "The quantity would go below zero (or above the maximum)", body = ErrorBody)))]
pub async fn adjust(
    State(state): State<AppState>,
    Gate(p, ..): Manager,
    Path(id): Path<String>,
    audit: Audit,
    ValidJson(b): ValidJson<Adjustment>,
) -> ApiResult<Json<InventoryItem>> {
    if b.delta == 0 {
        return Err(ApiError::field("delta", "must not be zero"));
    }
    let reason = non_blank("reason", &b.reason)?;
    let key = keys::inventory_item(&p.company_id, &id);
    // The stock after the change must lie in 0..=MAX: the stored quantity is at least
    // -delta and at most MAX - delta.
    let tx = state
        .db
        .tx()
        .update(
            &key,
            Update::new()
                .set(Field::UPDATED_AT, clock::now_rfc3339())
                .add(InventoryItem::QUANTITY, b.delta)
                .add(Field::VERSION, 1),
            Cond::present()
                .and(InventoryItem::QUANTITY.ge(-b.delta))
                .and(InventoryItem::QUANTITY.le(MAX_QUANTITY - b.delta)),
        )
        .put(&change(&p, &id, b.delta, &reason), None);
    // The answer is the item as the write left it, read back below: a 200.
    match audit.commit(&state.db, tx, StatusCode::OK).await {
        Ok(_) => {}
        Err(StoreError::Refused(_)) => {
            // Gone, or the change does not fit the stock: say which.
            let item: InventoryItem = state.db.find(&key).await?;
            return Err(ApiError::Conflict(format!(
                "A change of {} does not fit a stock of {} (0 to {MAX_QUANTITY})",
                b.delta, item.quantity
            )));
        }
        Err(e) => return Err(e.into()),
    }
    let item = state
        .db
        .get_consistent::<InventoryItem>(&key)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(item))
}

/// Every change of an item's stock, newest first (manager+).
#[utoipa::path(get, path = "/api/inventory/{id}/history", tag = "inventory", security(("bearer" = [])),
    params(("id" = String, Path), ListQuery),
    responses((status = 200, body = ListResponse<InventoryChange>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn history(
    State(state): State<AppState>,
    Gate(p, ..): Manager,
    Path(id): Path<String>,
    QueryParams(q): QueryParams<ListQuery>,
) -> ApiResult<Json<ListResponse<InventoryChange>>> {
    // The item must be the company's: another company's id is not found.
    let _: InventoryItem = state
        .db
        .find(&keys::inventory_item(&p.company_id, &id))
        .await?;
    let page = state
        .db
        .page(
            &lists::inventory_changes(&p.company_id, &id),
            q.at(),
            Filter::default().newest_first(),
        )
        .await?;
    Ok(Json(page.into()))
}
