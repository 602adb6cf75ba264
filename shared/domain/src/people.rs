//! Whom a request names: users by id, a team's members, a department, or everyone.

use std::collections::BTreeSet;

use crate::{
    ApiError, ApiResult, AppState,
    auth::tokens,
    clock,
    db::{Cond, Db, Filter, PageAt, Tx, entities_of, entity_of, keys, lists},
    model::{Department, Mail, PasswordToken, Team, TeamMember, User},
    reporting,
};

/// Adds to `tx` what lets a user made by someone else (an admin, the operator) set
/// their password: a one-time token (only its hash stored) and the mail with its
/// link.
pub fn with_password_link(state: &AppState, tx: Tx, user: &User) -> Tx {
    let secret = tokens::random_secret();
    let token = PasswordToken {
        token_hash: tokens::sha256_hex(&secret),
        company_id: user.company_id.clone(),
        user_id: user.id.clone(),
        purpose: "set_password".into(),
        expires_epoch: clock::epoch_after(state.config.invite_ttl),
        generation: 0,
    };
    let mail = Mail::new(
        &user.company_id,
        "set_password",
        &user.email,
        serde_json::json!({
            "name": user.name,
            "url": format!("{}/set-password?token={secret}", state.config.frontend_url),
        }),
    );
    tx.put(&token, Cond::absent()).put(&mail, Cond::absent())
}

/// People one request may name or reach.
pub const MAX_PEOPLE: usize = 1000;

/// The ways a request names people; several add up (without repeats).
#[derive(Debug, Default)]
pub struct Named<'a> {
    pub user_ids: &'a [String],
    pub team_id: Option<&'a str>,
    pub department_id: Option<&'a str>,
    pub all: bool,
}

impl<'a> Named<'a> {
    /// Users by id, a team, a department: as an assignment names them.
    pub fn some(
        user_ids: Option<&'a [String]>,
        team_id: Option<&'a str>,
        department_id: Option<&'a str>,
    ) -> Self {
        Self {
            user_ids: user_ids.unwrap_or_default(),
            team_id,
            department_id,
            all: false,
        }
    }
}

/// The rule for a request's `userIds`: at most [`MAX_PEOPLE`] ids of 1 to 64
/// characters (a body's `#[validate(custom(function = ...))]`).
pub fn user_ids_rule(ids: &[String]) -> Result<(), validator::ValidationError> {
    if ids.len() > MAX_PEOPLE || ids.iter().any(|i| i.is_empty() || i.len() > 64) {
        return Err(validator::ValidationError::new("userIds")
            .with_message(format!("1 to {MAX_PEOPLE} ids of 1 to 64 characters").into()));
    }
    Ok(())
}

/// Everyone a request names: by id, by team, by department, or the whole company;
/// each must be in the caller's company (keys carry it). Errors name the field.
pub async fn resolve(db: &Db, company_id: &str, n: &Named<'_>) -> ApiResult<Vec<User>> {
    if n.all {
        let users = reporting::company_users(db, company_id).await?;
        return within_limit(users);
    }
    let mut wanted: BTreeSet<String> = n.user_ids.iter().cloned().collect();
    if let Some(team_id) = n.team_id {
        let items = db
            .all_in(&keys::team_partition(company_id, team_id))
            .await?;
        if entity_of::<Team>(&items)?.is_none() {
            return Err(ApiError::field("teamId", "no such team"));
        }
        wanted.extend(
            entities_of::<TeamMember>(&items)?
                .into_iter()
                .map(|m| m.user_id),
        );
    }
    let mut users = Vec::new();
    if let Some(dept) = n.department_id {
        if db
            .get::<Department>(&keys::department(company_id, dept))
            .await?
            .is_none()
        {
            return Err(ApiError::field("departmentId", "no such department"));
        }
        let mut cursor = None;
        loop {
            let page = db
                .page(
                    &lists::users(company_id),
                    PageAt {
                        limit: 100,
                        cursor: cursor.as_deref(),
                    },
                    Filter::new().eq(User::DEPARTMENT_ID, dept),
                )
                .await?;
            users.extend(page.items.into_iter().filter(|u| !wanted.contains(&u.id)));
            match page.next_cursor {
                Some(c) => cursor = Some(c),
                None => break,
            }
        }
    }
    let named: Vec<String> = wanted.into_iter().collect();
    for chunk in named.chunks(100) {
        let found: Vec<User> = entities_of(
            &db.get_many(
                &chunk
                    .iter()
                    .map(|id| keys::user(company_id, id))
                    .collect::<Vec<_>>(),
            )
            .await?,
        )?;
        if let Some(missing) = chunk.iter().find(|id| !found.iter().any(|u| &u.id == *id)) {
            return Err(ApiError::field(
                "userIds",
                &format!("no such user: {missing}"),
            ));
        }
        users.extend(found);
    }
    within_limit(users)
}

fn within_limit(users: Vec<User>) -> ApiResult<Vec<User>> {
    if users.is_empty() {
        return Err(ApiError::field(
            "userIds",
            "name at least one user, a team with members, or a department with users",
        ));
    }
    if users.len() > MAX_PEOPLE {
        return Err(ApiError::field(
            "userIds",
            &format!("at most {MAX_PEOPLE} people per request"),
        ));
    }
    Ok(users)
}
