//! The platform operator (`super_admin`): created only by the operator (never through
//! the API), living in a company of its own that is nobody's customer, and acting on
//! companies through `/api/platform`.

use serde::Serialize;
use utoipa::ToSchema;

use crate::{
    ApiError, ApiResult, AppState,
    auth::password,
    clock,
    db::{Cond, Field, StoreError, Update, keys, lists},
    model::{
        Company, CompanyStats, CompanyStatus, FileStatus, Login, PLATFORM_COMPANY, Plan, Role,
        User, UserStatus,
    },
    people, realtime,
};

/// A company as the operator lists it.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CompanySummary {
    pub id: String,
    pub name: String,
    pub plan: Plan,
    pub seats: u32,
    pub seats_used: u32,
    pub status: CompanyStatus,
    pub created_at: String,
}

impl From<Company> for CompanySummary {
    fn from(c: Company) -> Self {
        Self {
            id: c.id,
            name: c.name,
            plan: c.plan,
            seats: c.seats,
            seats_used: c.seats_used,
            status: c.status,
            created_at: c.created_at,
        }
    }
}

/// One company with what it holds.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CompanyDetail {
    #[serde(flatten)]
    pub company: CompanySummary,
    pub suspended_reason: Option<String>,
    pub suspended_at: Option<String>,
    pub counts: CompanyCounts,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CompanyCounts {
    pub users: u32,
    pub courses: usize,
    pub certificates: u64,
    /// Bytes of the company's checked uploads.
    pub storage_bytes: u64,
}

/// A customer company, or 404 (the operators' own company is not one).
pub async fn customer(state: &AppState, id: &str) -> ApiResult<Company> {
    if id == PLATFORM_COMPANY {
        return Err(ApiError::NotFound);
    }
    Ok(state.db.find(&keys::company(id)).await?)
}

/// The company with its counts: users from its seat count, certificates from its
/// running totals, courses and stored bytes from their lists, read concurrently.
pub async fn detail(state: &AppState, id: &str) -> ApiResult<CompanyDetail> {
    let db = &state.db;
    let (company_key, stats_key) = (keys::company(id), keys::company_stats(id));
    let (courses_range, files_range) = (lists::courses(id), lists::files(id));
    let (company, stats, courses, files) = tokio::try_join!(
        db.get::<Company>(&company_key),
        db.get::<CompanyStats>(&stats_key),
        db.all(&courses_range),
        db.all(&files_range),
    )?;
    let company = company
        .filter(|c| c.id != PLATFORM_COMPANY)
        .ok_or(ApiError::NotFound)?;
    let stats = stats.unwrap_or_default();
    Ok(CompanyDetail {
        suspended_reason: company.suspended_reason.clone(),
        suspended_at: company.suspended_at.clone(),
        counts: CompanyCounts {
            users: company.seats_used,
            courses: courses.len(),
            certificates: stats.certificates_issued,
            storage_bytes: files
                .iter()
                .filter(|f| f.status == FileStatus::Ready)
                .map(|f| f.size)
                .sum(),
        },
        company: company.into(),
    })
}

/// Suspends (or, with `None`, reinstates) a company: its users are refused from the
/// next request on, and its open sockets are closed. The version moves, so an edit
/// read before cannot write the old status back.
pub fn set_status(company_id: &str, reason: Option<&str>) -> (crate::db::Key, Update, Cond) {
    let update = match reason {
        Some(r) => Update::new()
            .set(Company::STATUS, CompanyStatus::Suspended)
            .set(Company::SUSPENDED_REASON, r)
            .set(Company::SUSPENDED_AT, clock::now_rfc3339()),
        None => Update::new()
            .set(Company::STATUS, CompanyStatus::Active)
            .remove(Company::SUSPENDED_REASON)
            .remove(Company::SUSPENDED_AT),
    };
    (
        keys::company(company_id),
        update
            .set(Field::UPDATED_AT, clock::now_rfc3339())
            .add(Field::VERSION, 1),
        Cond::present(),
    )
}

/// Ends every open socket of a suspended company.
pub async fn close_sockets(state: &AppState, company_id: &str) {
    if let Err(e) = realtime::close_company(state, company_id).await {
        tracing::warn!(company = %company_id, error = ?e, "sockets of a suspended company not closed");
    }
}

/// Creates an operator: with a password (locally, `make superadmin`), or without one
/// and a set-password link mailed instead (in AWS, so no password travels in an
/// invocation). The operators' company is made on first use.
pub async fn create_operator(
    state: &AppState,
    email: &str,
    name: &str,
    password: Option<String>,
) -> ApiResult<String> {
    let email = email.trim().to_lowercase();
    if !email.contains('@') || name.trim().is_empty() {
        return Err(ApiError::field(
            "email",
            "an email address and a name are needed",
        ));
    }
    if let Some(problem) = password
        .as_deref()
        .and_then(|p| password::policy_problem(p, &email))
    {
        return Err(ApiError::field("password", problem));
    }
    let now = clock::now_rfc3339();
    let c = PLATFORM_COMPANY;
    // The operators' company, once: a second operator (or two at once) finds it made.
    let company = Company {
        id: c.into(),
        seats: 0,
        seats_used: 0,
        ..Company::founded("Campus platform".into(), &now)
    };
    match state.db.put(&company, Cond::absent()).await {
        Ok(()) | Err(StoreError::Refused(_)) => {}
        Err(e) => return Err(e.into()),
    }
    let mut tx = state.db.tx();
    let user = User {
        id: clock::new_id(),
        email: email.clone(),
        name: name.trim().into(),
        role: Role::SuperAdmin,
        company_id: c.into(),
        department_id: None,
        avatar_url: None,
        bio: None,
        status: if password.is_some() {
            UserStatus::Active
        } else {
            UserStatus::Invited
        },
        email_verified: false,
        created_at: now.clone(),
        updated_at: now,
        version: 1,
    };
    let login = Login::of(
        &user,
        match password {
            Some(p) => Some(password::hash(p).await?),
            None => None,
        },
    );
    tx = tx.put(&login, Login::unique()).put(&user, Cond::absent());
    if login.password_hash.is_none() {
        tx = people::with_password_link(state, tx, &user);
    }
    match state.db.commit(tx).await {
        Err(StoreError::Refused(Login::UNIQUE_EMAIL)) => Err(ApiError::Conflict(
            "An account with this email already exists".into(),
        )),
        other => other.map(|()| user.id).map_err(Into::into),
    }
}
