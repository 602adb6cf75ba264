//! Everything stored about one user, as one document (GDPR, `GET /api/users/me/export`).
//! Its sections are the kinds `model::personal::KINDS` marks exported; a test writes
//! one item of each and fails when a section is missing or empty.

use serde::Serialize;
use utoipa::ToSchema;

use crate::{
    ApiError, ApiResult, AppState, clock,
    db::{Db, Filter, Range, StoreError, entities_of, entity_of, keys, lists},
    model::{
        ApiKey, ApiKeyView, Assignment, Attempt, AttemptView, AuditEntry, CalendarEvent,
        CertificateView, ChatMessage, CheckIn, Company, Conversation, EventView, ExportRecord,
        FileRecord, Invite, InviteView, Login, Mail, MailStatus, Notification,
        NotificationPreferences, PathAssignment, Payment, Prompt, PromptUseCounter, Session,
        Settings, TeamMember, User,
    },
};

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PersonalData {
    pub exported_at: String,
    pub user: User,
    pub company: Company,
    pub sign_in: SignIn,
    /// The user's settings map, as they saved it.
    #[schema(value_type = Object)]
    pub settings: serde_json::Value,
    pub sessions: Vec<SessionInfo>,
    pub api_keys: Vec<ApiKeyView>,
    pub team_memberships: Vec<TeamMember>,
    pub assignments: Vec<Assignment>,
    /// Learning paths assigned to the user (their courses are among `assignments`).
    pub path_assignments: Vec<PathAssignment>,
    pub certificates: Vec<CertificateView>,
    /// Answers and scores; the questions' answers stay the company's.
    pub quiz_attempts: Vec<AttemptView>,
    pub notifications: Vec<Notification>,
    /// Per notification type `{inApp, email}`; types not named keep both on.
    #[schema(value_type = Object)]
    pub notification_preferences: serde_json::Value,
    pub check_ins: Vec<CheckIn>,
    /// Events the user created or attends.
    pub events: Vec<EventView>,
    /// Prompts the user wrote.
    pub prompts: Vec<Prompt>,
    /// The user's prompt uses per day.
    pub prompt_uses: Vec<UsesOnDay>,
    pub files: Vec<FileRecord>,
    pub conversations: Vec<Conversation>,
    pub chat_messages: Vec<ChatMessage>,
    /// Payments the user made.
    pub payments: Vec<Payment>,
    /// The audit entries where the user is the actor.
    pub audit_entries: Vec<AuditEntry>,
    /// Mail sent (or to be sent) to the user's address; not its links, which hold
    /// secrets.
    pub mails: Vec<MailInfo>,
    /// Invitations made to the user's address.
    pub invites: Vec<InviteView>,
    /// Exports the user made.
    pub exports: Vec<ExportRecord>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SignIn {
    pub email: String,
    /// Whether a password is set (an account made through OAuth may have none).
    pub password_set: bool,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SessionInfo {
    pub id: String,
    pub created_at: String,
    pub refreshed_at: Option<String>,
    pub revoked: bool,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UsesOnDay {
    pub day: String,
    pub count: u64,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MailInfo {
    pub id: String,
    pub template: String,
    pub to: String,
    pub status: MailStatus,
    pub created_at: String,
    pub sent_at: Option<String>,
}

/// Every stored item of `user_id`: their partition in one read, their index
/// partitions and the company's ranges they appear in, concurrently.
pub async fn export(state: &AppState, company_id: &str, user_id: &str) -> ApiResult<PersonalData> {
    let db = &state.db;
    let (c, u) = (company_id, user_id);
    let head = db.get_many(&[keys::user(c, u), keys::company(c)]).await?;
    let user: User = entity_of(&head)?.ok_or(ApiError::SessionRevoked)?;
    let company: Company = entity_of(&head)?.ok_or(ApiError::NotFound)?;
    let email = user.email.clone();
    let (partition, login_key) = (keys::user_partition(c, u), keys::login(&email));
    let (
        own,
        login,
        team_memberships,
        certificates,
        check_ins,
        files,
        events,
        prompts,
        prompt_uses,
        payments,
        audit_entries,
        mails,
        invites,
        exports,
    ) = tokio::try_join!(
        db.all_in(&partition),
        db.get::<Login>(&login_key),
        matching(db, lists::user_teams(c, u), Filter::new()),
        matching(db, lists::user_certificates(c, u), Filter::new()),
        matching(db, lists::user_checkins(c, u), Filter::new()),
        matching(db, lists::user_files(c, u), Filter::new()),
        matching(
            db,
            lists::events(c),
            Filter::new().when(
                CalendarEvent::CREATED_BY
                    .eq(u)
                    .or(CalendarEvent::ATTENDEES.contains(u)),
            ),
        ),
        matching(
            db,
            lists::prompts(c),
            Filter::new().eq(Prompt::AUTHOR_ID, u)
        ),
        matching(
            db,
            lists::prompt_uses(c),
            Filter::new()
                .eq(PromptUseCounter::KIND, "U")
                .eq(PromptUseCounter::REF, u),
        ),
        matching(
            db,
            lists::payments(c),
            Filter::new().eq(Payment::USER_ID, u)
        ),
        matching(
            db,
            lists::audit_trail(c),
            Filter::new().eq(AuditEntry::ACTOR_ID, u),
        ),
        matching(db, lists::outbox(c), Filter::new().eq(Mail::TO, &email)),
        matching(
            db,
            lists::invites(c),
            Filter::new().eq(Invite::EMAIL, &email)
        ),
        matching(
            db,
            lists::exports(c),
            Filter::new().eq(ExportRecord::USER_ID, u)
        ),
    )?;
    let settings = entity_of::<Settings>(&own)?
        .and_then(|s| serde_json::from_str(&s.values_json).ok())
        .unwrap_or_else(|| serde_json::json!({}));
    let notification_preferences = entity_of::<NotificationPreferences>(&own)?
        .map(|p| serde_json::to_value(p.types).unwrap_or_default())
        .unwrap_or_else(|| serde_json::json!({}));
    Ok(PersonalData {
        exported_at: clock::now_rfc3339(),
        sign_in: SignIn {
            email: email.clone(),
            password_set: login.is_some_and(|l| l.password_hash.is_some()),
        },
        settings,
        sessions: entities_of::<Session>(&own)?
            .into_iter()
            .map(|s| SessionInfo {
                id: s.id,
                created_at: s.created_at,
                refreshed_at: s.refreshed_at,
                revoked: s.revoked,
                ip: s.ip,
                user_agent: s.user_agent,
            })
            .collect(),
        api_keys: entities_of::<ApiKey>(&own)?
            .into_iter()
            .map(ApiKeyView::from)
            .collect(),
        team_memberships,
        assignments: entities_of::<Assignment>(&own)?,
        path_assignments: entities_of::<PathAssignment>(&own)?,
        certificates: certificates
            .into_iter()
            .map(|cert| cert.view(&state.config.frontend_url))
            .collect(),
        quiz_attempts: entities_of::<Attempt>(&own)?
            .iter()
            .map(|a| a.view(&clock::now_rfc3339()))
            .collect(),
        notifications: entities_of::<Notification>(&own)?,
        notification_preferences,
        check_ins,
        events: events
            .into_iter()
            .map(|e: CalendarEvent| EventView::of(e, u))
            .collect(),
        prompts,
        prompt_uses: prompt_uses
            .into_iter()
            .map(|p: PromptUseCounter| UsesOnDay {
                day: p.day,
                count: p.count,
            })
            .collect(),
        files,
        conversations: entities_of::<Conversation>(&own)?,
        chat_messages: entities_of::<ChatMessage>(&own)?,
        payments,
        audit_entries,
        mails: mails
            .into_iter()
            .map(|m: Mail| MailInfo {
                id: m.id,
                template: m.template,
                to: m.to,
                status: m.status,
                created_at: m.created_at,
                sent_at: m.sent_at,
            })
            .collect(),
        invites: invites.into_iter().map(InviteView::from).collect(),
        exports,
        user,
        company,
    })
}

/// Every item of `range` that `filter` keeps, page after page.
async fn matching<T: serde::de::DeserializeOwned>(
    db: &Db,
    range: Range<T>,
    filter: Filter,
) -> Result<Vec<T>, StoreError> {
    Ok(db.up_to(&range, filter, usize::MAX).await?.0)
}
