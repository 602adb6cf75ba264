use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
    response::Response,
};
use campus::http::naming;
use campus::{
    ApiError, ApiResult, AppState,
    audit::Audit,
    auth::{Admin, AuthUser, Gate, Manager, Principal, sessions},
    clock,
    db::{Cond, Field, Filter, StoreError, Update, keys, lists},
    error::ErrorBody,
    http::{Links, non_blank, nullable, public_url},
    http::{ListQuery, ListResponse, QueryParams, ValidJson, created},
    model::{Department, Login, Role, Team, TeamMember, User, UserStatus},
    people,
    personal::{self, PersonalData},
    plans,
    versioned::{expect_version, save},
};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

#[derive(Deserialize, Validate, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct UserFilters {
    /// `limit` and `cursor`.
    #[serde(flatten)]
    #[param(ignore)]
    #[validate(nested)]
    pub page: ListQuery,
    pub role: Option<Role>,
    #[validate(length(max = 64))]
    pub department_id: Option<String>,
    /// Part of a name or email.
    #[validate(length(min = 1, max = 100))]
    pub q: Option<String>,
}

/// The company's users (manager+), filtered by role, department, or text.
#[utoipa::path(get, path = "/api/users", tag = "users", security(("bearer" = [])),
    params(UserFilters, ListQuery),
    responses(
        (status = 200, description = "A page of users", body = ListResponse<User>),
        (status = 403, description = "Role too low", body = ErrorBody),
    ))]
pub async fn list(
    State(state): State<AppState>,
    Gate(p, ..): Manager,
    QueryParams(f): QueryParams<UserFilters>,
) -> ApiResult<Json<ListResponse<User>>> {
    let mut filter = Filter::default();
    if let Some(role) = f.role {
        filter = filter.eq(User::ROLE, role);
    }
    if let Some(d) = &f.department_id {
        filter = filter.eq(User::DEPARTMENT_ID, d);
    }
    if let Some(q) = &f.q {
        filter = filter.contains(Field::SEARCH, q.trim().to_lowercase());
    }
    let page = state
        .db
        .page(&lists::users(&p.company_id), f.page.at(), filter)
        .await?;
    Ok(Json(page.into()))
}

#[derive(Deserialize, Validate, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateUser {
    #[validate(email(message = "must be a valid email address"), length(max = 254))]
    pub email: String,
    #[validate(length(min = 1, max = 100))]
    pub name: String,
    pub role: Role,
    #[validate(length(min = 1, max = 64))]
    pub department_id: Option<String>,
}

/// Add a user (admin). They are mailed a link to set their password.
#[utoipa::path(post, path = "/api/users", tag = "users", security(("bearer" = [])),
    request_body = CreateUser,
    responses(
        (status = 201, description = "Created", body = User),
        (status = 400, body = ErrorBody),
        (status = 402, description = "Every seat of the plan is taken", body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 409, description = "Email already registered", body = ErrorBody),
    ))]
pub async fn create(
    State(state): State<AppState>,
    Gate(p, ..): Admin,
    audit: Audit,
    ValidJson(req): ValidJson<CreateUser>,
) -> ApiResult<Response> {
    assignable(&p, req.role)?;
    if let Some(d) = &req.department_id {
        department_exists(&state, &p.company_id, d).await?;
    }
    let now = clock::now_rfc3339();
    let email = req.email.trim().to_lowercase();
    let user = User {
        id: clock::new_id(),
        email: email.clone(),
        name: non_blank("name", &req.name)?,
        role: req.role,
        company_id: p.company_id.clone(),
        department_id: req.department_id,
        avatar_url: None,
        bio: None,
        status: UserStatus::Invited,
        email_verified: false,
        created_at: now.clone(),
        updated_at: now,
        version: 1,
    };
    let login = Login::of(&user, None);
    let tx = state
        .db
        .tx()
        .put(&login, Login::unique())
        .put(&user, Cond::absent());
    let tx = people::with_password_link(&state, tx, &user);
    let tx = plans::take_seat(tx, &p.company_id);
    let answer = created(&user.id.clone(), user);
    match audit.commit(&state.db, tx, answer).await {
        Err(StoreError::Refused(plans::SEAT_FREE)) => Err(plans::no_free_seat()),
        Err(StoreError::Refused(Login::UNIQUE_EMAIL)) => Err(ApiError::Conflict(
            "An account with this email already exists".into(),
        )),
        other => Ok(other?),
    }
}

/// One user: the caller themselves, or anyone in the company for manager+.
#[utoipa::path(get, path = "/api/users/{id}", tag = "users", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = User), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    AuthUser(p): AuthUser,
    Path(id): Path<String>,
) -> ApiResult<Json<User>> {
    let user = load(&state, &p.company_id, &id).await?;
    if p.user_id != id && !p.at_least(Role::Manager) {
        return Err(ApiError::Forbidden("You may only read your own profile"));
    }
    Ok(Json(user))
}

#[derive(Deserialize, Validate, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateUser {
    #[validate(length(min = 1, max = 100))]
    pub name: Option<String>,
    /// An `https` URL to a public host, or the API's own avatar path; `null` clears it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    #[validate(length(max = 2048))]
    pub avatar_url: Option<Option<String>>,
    /// `null` clears it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    #[validate(length(max = 2000))]
    pub bio: Option<Option<String>>,
    /// Admin only (unless unchanged).
    pub role: Option<Role>,
    /// Admin only (unless unchanged); an empty string or `null` clears it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    #[validate(length(max = 64))]
    pub department_id: Option<Option<String>>,
    /// Admin only (unless unchanged).
    pub status: Option<UserStatus>,
    /// The version read; a stale one answers 409 and changes nothing.
    pub version: Option<u64>,
}

/// Update a user: yourself (name, avatarUrl, bio), or as admin also role,
/// department and status.
#[utoipa::path(put, path = "/api/users/{id}", tag = "users", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = UpdateUser,
    responses((status = 200, body = User), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, description = "Stale version", body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    AuthUser(p): AuthUser,
    Path(id): Path<String>,
    audit: Audit,
    ValidJson(req): ValidJson<UpdateUser>,
) -> ApiResult<Json<User>> {
    let mut user = load(&state, &p.company_id, &id).await?;
    let is_admin = p.at_least(Role::Admin);
    if p.user_id != id && !is_admin {
        return Err(ApiError::Forbidden("You may only change your own profile"));
    }
    // A field sent back as it is changes nothing: a whole representation (or a
    // PATCH, which sends one) is not an attempt at the admin's fields.
    let department = req
        .department_id
        .clone()
        .map(|d| d.filter(|d| !d.is_empty()));
    let admin_fields = req.role.is_some_and(|r| r != user.role)
        || req.status.is_some_and(|s| s != user.status)
        || department
            .as_ref()
            .is_some_and(|d| *d != user.department_id);
    if admin_fields && !is_admin {
        return Err(ApiError::Forbidden(
            "Only an admin may change role, department or status",
        ));
    }
    if user.role > p.role {
        return Err(ApiError::Forbidden(
            "You may not change a user above your role",
        ));
    }
    expect_version(req.version, user.version)?;
    if let Some(name) = &req.name {
        user.name = non_blank("name", name)?;
    }
    match req.avatar_url {
        Some(Some(url)) if Some(&url) != user.avatar_url.as_ref() => {
            user.avatar_url = Some(public_url(&state, "avatarUrl", &url, Links::Absolute)?);
        }
        Some(None) => user.avatar_url = None,
        _ => {}
    }
    if let Some(bio) = req.bio {
        user.bio = bio;
    }
    let mut access_changed = false;
    if let Some(role) = req.role.filter(|r| *r != user.role) {
        assignable(&p, role)?;
        access_changed |= role != user.role;
        user.role = role;
    }
    match department {
        Some(Some(d)) if Some(&d) != user.department_id.as_ref() => {
            department_exists(&state, &p.company_id, &d).await?;
            user.department_id = Some(d);
        }
        Some(None) => user.department_id = None,
        _ => {}
    }
    if let Some(status) = req.status.filter(|s| *s != user.status) {
        if status == UserStatus::Invited && user.status != UserStatus::Invited {
            return Err(ApiError::field(
                "status",
                "can only be set to active or disabled",
            ));
        }
        access_changed |= status != user.status;
        user.status = status;
    }
    save(&state.db, &mut user, &audit).await?;
    // Tokens carry the role; a changed role or status must not outlive the change.
    if access_changed {
        sessions::revoke_all(&state, &p.company_id, &id).await?;
    }
    Ok(Json(user))
}

/// Delete a user (yourself, or any user as admin) and everything that is theirs.
#[utoipa::path(delete, path = "/api/users/{id}", tag = "users", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 204, description = "Deleted"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    AuthUser(p): AuthUser,
    Path(id): Path<String>,
    audit: Audit,
) -> ApiResult<Response> {
    let user = load(&state, &p.company_id, &id).await?;
    if p.user_id != id && !p.at_least(Role::Admin) {
        return Err(ApiError::Forbidden("Only an admin may delete other users"));
    }
    if user.role > p.role {
        return Err(ApiError::Forbidden(
            "You may not delete a user above your role",
        ));
    }
    // First everything in the user's own partition (sessions among it, so no token
    // works from here on), then the user and their credential together. Interrupted
    // in between, the user is still there and a repeated DELETE finishes the job.
    let owned = state
        .db
        .keys_in(&keys::user_partition(&p.company_id, &id))
        .await?;
    state.db.delete_many(&owned).await?;
    campus::realtime::close_sessions(&state, &p.company_id, &id, None, None).await?;
    // Then what is theirs in the company's partitions: check-ins, events, attendance,
    // their name in the audit trail.
    campus::erasure::user_traces(&state, &p.company_id, &id).await?;
    // Certificates outlive their holder, verifiable but anonymised.
    campus::certificates::anonymise_holder(&state, &p.company_id, &id).await?;
    campus::uploads::delete_owned_by(&state, &p.company_id, &id).await?;
    // Team memberships live in the teams' partitions; each goes with its team's count.
    let memberships: Vec<TeamMember> = state.db.all(&lists::user_teams(&p.company_id, &id)).await?;
    for m in memberships {
        let tx = state
            .db
            .tx()
            .delete(
                &keys::team_member(&p.company_id, &m.team_id, &id),
                Cond::present(),
            )
            .update(
                &keys::team(&p.company_id, &m.team_id),
                Update::new().add(Team::MEMBER_COUNT, -1),
                Cond::present(),
            );
        match state.db.commit(tx).await {
            Ok(()) | Err(StoreError::Refused(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    let tx = state
        .db
        .tx()
        .delete(&keys::user(&p.company_id, &id), Cond::present())
        .delete(&keys::login(&user.email), None);
    // The deletion's own entry names the user by their pseudonym only.
    let gone = campus::erasure::pseudonym(&state, &id);
    audit.0.erase(&id, &gone);
    let tx = plans::free_seat(tx, &p.company_id);
    audit
        .commit(&state.db, tx, naming(&gone, StatusCode::NO_CONTENT))
        .await
        .map_err(|e| e.or(ApiError::NotFound))
}

/// Everything stored about the caller, as one document.
#[utoipa::path(get, path = "/api/users/me/export", tag = "users", security(("bearer" = [])),
    responses((status = 200, body = PersonalData), (status = 401, body = ErrorBody)))]
pub async fn export(
    State(state): State<AppState>,
    AuthUser(p): AuthUser,
) -> ApiResult<Json<PersonalData>> {
    Ok(Json(
        personal::export(&state, &p.company_id, &p.user_id).await?,
    ))
}

async fn load(state: &AppState, company_id: &str, id: &str) -> ApiResult<User> {
    Ok(state.db.find(&keys::user(company_id, id)).await?)
}

async fn department_exists(state: &AppState, company_id: &str, id: &str) -> ApiResult<()> {
    match state
        .db
        .get::<Department>(&keys::department(company_id, id))
        .await?
    {
        Some(_) => Ok(()),
        None => Err(ApiError::field("departmentId", "no such department")),
    }
}

/// Nobody grants a role above their own, and `super_admin` is never granted here.
pub(crate) fn assignable(p: &Principal, role: Role) -> ApiResult<()> {
    if role == Role::SuperAdmin {
        return Err(ApiError::field(
            "role",
            "super_admin cannot be granted through the API",
        ));
    }
    if role > p.role {
        return Err(ApiError::Forbidden(
            "You may not grant a role above your own",
        ));
    }
    Ok(())
}
