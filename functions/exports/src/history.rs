use axum::{Json, extract::State};
use campus::{
    ApiResult, AppState,
    auth::AuthUser,
    db::{Filter, lists},
    error::ErrorBody,
    http::{ListQuery, ListResponse, QueryParams},
    model::{ExportRecord, Role},
};

/// Past exports, newest first: the company's for managers, one's own otherwise.
/// Kept 90 days.
#[utoipa::path(get, path = "/api/export/history", tag = "exports", security(("bearer" = [])),
    params(ListQuery),
    responses((status = 200, body = ListResponse<ExportRecord>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn history(
    State(state): State<AppState>,
    AuthUser(p): AuthUser,
    QueryParams(page): QueryParams<ListQuery>,
) -> ApiResult<Json<ListResponse<ExportRecord>>> {
    let mut filter = Filter::default().newest_first();
    if !p.at_least(Role::Manager) {
        filter = filter.eq(ExportRecord::USER_ID, &p.user_id);
    }
    let page = state
        .db
        .page(&lists::exports(&p.company_id), page.at(), filter)
        .await?;
    Ok(Json(page.into()))
}
