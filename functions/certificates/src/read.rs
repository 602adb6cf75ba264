use axum::{
    Json,
    extract::{Path, State},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use campus::{
    ApiError, ApiResult, AppState,
    auth::{AuthUser, Principal},
    certificates,
    db::{Filter, PageAt, keys, lists},
    error::ErrorBody,
    http::{ListQuery, ListResponse, QueryParams},
    model::{Certificate, CertificateView, Role},
};
use serde::Deserialize;
use utoipa::IntoParams;
use validator::Validate;

#[derive(Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct CertificateQuery {
    /// Managers and up: one user's certificates (default: the whole company's).
    /// Others always get their own.
    #[validate(length(min = 1, max = 64))]
    pub user_id: Option<String>,
    /// `limit` and `cursor`.
    #[serde(flatten)]
    #[param(ignore)]
    #[validate(nested)]
    pub page: ListQuery,
}

/// Certificates: your own, or (manager+) the company's, oldest first.
#[utoipa::path(get, path = "/api/certificates", tag = "certificates", security(("bearer" = [])),
    params(CertificateQuery, ListQuery),
    responses((status = 200, body = ListResponse<CertificateView>), (status = 400, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    AuthUser(p): AuthUser,
    QueryParams(q): QueryParams<CertificateQuery>,
) -> ApiResult<Json<ListResponse<CertificateView>>> {
    let limit = q.page.limit();
    let page = match (p.at_least(Role::Manager), q.user_id.as_deref()) {
        (true, None) => {
            state
                .db
                .page(
                    &lists::certificates(&p.company_id),
                    PageAt {
                        limit,
                        cursor: q.page.cursor.as_deref(),
                    },
                    Filter::default(),
                )
                .await?
        }
        (manager, user) => {
            let user = if manager {
                user.unwrap_or(&p.user_id)
            } else {
                &p.user_id
            };
            state
                .db
                .page(
                    &lists::user_certificates(&p.company_id, user),
                    PageAt {
                        limit,
                        cursor: q.page.cursor.as_deref(),
                    },
                    Filter::default(),
                )
                .await?
        }
    };
    Ok(Json(ListResponse {
        items: page
            .items
            .into_iter()
            .map(|c| c.view(&state.config.frontend_url))
            .collect(),
        next_cursor: page.next_cursor,
    }))
}

/// A certificate the caller may see: their own, or any in the company for managers.
async fn load(state: &AppState, p: &Principal, id: &str) -> ApiResult<Certificate> {
    let cert: Certificate = state.db.find(&keys::certificate(&p.company_id, id)).await?;
    if cert.user_id.as_deref() != Some(p.user_id.as_str()) && !p.at_least(Role::Manager) {
        return Err(ApiError::Forbidden(
            "Only the holder and managers see a certificate",
        ));
    }
    Ok(cert)
}

/// One certificate (its holder, or managers and up).
#[utoipa::path(get, path = "/api/certificates/{id}", tag = "certificates", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = CertificateView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    AuthUser(p): AuthUser,
    Path(id): Path<String>,
) -> ApiResult<Json<CertificateView>> {
    let cert = load(&state, &p, &id).await?;
    Ok(Json(cert.view(&state.config.frontend_url)))
}

/// The certificate's PDF: a redirect to a link that works for five minutes.
#[utoipa::path(get, path = "/api/certificates/{id}/download", tag = "certificates", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 302, description = "`Location`: a short-lived URL of the PDF (`application/pdf`)"),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn download(
    State(state): State<AppState>,
    AuthUser(p): AuthUser,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let mut cert = load(&state, &p, &id).await?;
    let url = certificates::download_url(&state, &mut cert).await?;
    let location = HeaderValue::from_str(&url).map_err(ApiError::internal)?;
    Ok((
        StatusCode::FOUND,
        [
            (header::LOCATION, location),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
    )
        .into_response())
}
