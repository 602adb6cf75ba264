use axum::{
    Json,
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use campus::http::Created;
use campus::{
    ApiError, ApiResult, AppState,
    audit::Audit,
    auth::{Gate, Manager},
    certificates,
    db::{StoreError, entity_of, keys},
    error::ErrorBody,
    http::ValidJson,
    model::{
        Bump, Certificate, CertificateGuard, CertificateView, Company, Course, CourseStatus, User,
    },
    notify,
};
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

#[derive(Deserialize, Validate, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Generate {
    #[validate(length(min = 1, max = 64))]
    pub user_id: String,
    #[validate(length(min = 1, max = 64))]
    pub course_id: String,
}

/// Issue a user's certificate for a published course (manager+), e.g. for a
/// completion recorded outside Campus. The same pair again answers the certificate
/// already issued (200); completing the course later issues nothing new.
#[utoipa::path(post, path = "/api/certificates/generate", tag = "certificates", security(("bearer" = [])),
    request_body = Generate,
    responses((status = 201, body = CertificateView), (status = 200, description = "Already issued", body = CertificateView),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "No such user or course", body = ErrorBody),
        (status = 409, description = "The course is a draft", body = ErrorBody)))]
pub async fn generate(
    State(state): State<AppState>,
    Gate(p, ..): Manager,
    audit: Audit,
    ValidJson(b): ValidJson<Generate>,
) -> ApiResult<Response> {
    let guard_key = keys::certificate_guard(&p.company_id, &b.user_id, &b.course_id);
    let got = state
        .db
        .get_many_consistent(&[
            guard_key.clone(),
            keys::user(&p.company_id, &b.user_id),
            keys::course(&p.company_id, &b.course_id),
            keys::company(&p.company_id),
            keys::notification_preferences(&p.company_id, &b.user_id),
        ])
        .await?;
    let user: User = entity_of(&got)?.ok_or(ApiError::NotFound)?;
    let course: Course = entity_of(&got)?.ok_or(ApiError::NotFound)?;
    let company: Company = entity_of(&got)?.ok_or(ApiError::NotFound)?;
    if let Some(guard) = entity_of::<CertificateGuard>(&got)? {
        return existing(&state, &p.company_id, &guard).await;
    }
    if course.status != CourseStatus::Published {
        return Err(ApiError::Conflict(
            "Certificates are issued for published courses only".into(),
        ));
    }
    let mut cert = certificates::new_certificate(&company, &user, &course, &p.user_id);
    let mut bump = Bump::default();
    let prefs = entity_of(&got)?;
    let mut pushes = notify::Pushes::default();
    let tx = certificates::issue_in(
        state.db.tx(),
        &state,
        &cert,
        &user,
        prefs.as_ref(),
        &mut bump,
        &mut pushes,
    );
    let tx = bump.apply(tx, &p.company_id, &cert.issued_at[..10])?;
    let answer = match audit.commit(&state.db, tx, Created::of(&cert.id)).await {
        Ok(answer) => answer,
        // Issued meanwhile (the last lesson, or another manager): that one stands.
        Err(StoreError::Refused(certificates::ONE_PER_COURSE)) => {
            let guard: CertificateGuard = state
                .db
                .get_consistent(&guard_key)
                .await?
                .ok_or(ApiError::Unavailable { retry_after: 1 })?;
            return existing(&state, &p.company_id, &guard).await;
        }
        Err(e) => return Err(e.into()),
    };
    pushes.send(&state).await;
    certificates::store_pdf_after_issue(&state, &mut cert).await;
    Ok(answer.with(cert.view(&state.config.frontend_url)))
}

async fn existing(
    state: &AppState,
    company_id: &str,
    guard: &CertificateGuard,
) -> ApiResult<Response> {
    let cert: Certificate = state
        .db
        .find(&keys::certificate(company_id, &guard.certificate_id))
        .await?;
    Ok((StatusCode::OK, Json(cert.view(&state.config.frontend_url))).into_response())
}
