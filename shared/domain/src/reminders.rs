//! The scheduled jobs: deadline reminders (3 days and 1 day before, and once when
//! overdue), event reminders (the day before), weekly team reports to team leads.
//!
//! Each reminder is written together with a marker item under
//! `attribute_not_exists`, so running a job twice sends nothing twice. Recipients'
//! preferences decide the channels (`notify`). A job covers every company (the
//! schedule) or one (an admin's `POST /api/email/send-…`).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use time::{Date, Duration, OffsetDateTime};
use utoipa::ToSchema;

use crate::{
    AppState, clock,
    db::{Cond, Entity, Key, Keys, StoreError, entities_of, keys, lists},
    job::JobResult,
    model::{
        CalendarEvent, Company, CompanyStatus, Course, NotificationPreferences, TeamMember,
        TeamRole, User,
    },
    notify, reporting,
};

/// Which companies a job covers.
#[derive(Debug, Clone, Copy)]
pub enum Scope<'a> {
    All,
    Company(&'a str),
}

impl Scope<'_> {
    pub(crate) fn includes(&self, company_id: &str) -> bool {
        match self {
            Self::All => true,
            Self::Company(c) => *c == company_id,
        }
    }
}

/// What a run did.
#[derive(Debug, Default, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// Reminders written now (each in-app and/or mailed, as preferences allow).
    pub sent: u32,
    /// Reminders an earlier run already sent.
    pub already_sent: u32,
}

/// The marker of one sent reminder; it lapses after a month.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Reminded {
    company_id: String,
    what: String,
    sent_at: String,
    expires_epoch: i64,
}

impl Entity for Reminded {
    const NAME: &'static str = "reminded";

    fn keys(&self) -> Keys {
        Keys::new(keys::reminder(&self.company_id, &self.what), Self::NAME).ttl(self.expires_epoch)
    }
}

/// One reminder to write.
pub(crate) struct Pending {
    pub company_id: String,
    pub what: String,
    pub msg: notify::Message,
    pub user: User,
}

/// Writes reminders: up to 25 per transaction (marker, notification, mail each); a
/// chunk holding one sent before is settled one by one.
pub(crate) async fn send(state: &AppState, pending: Vec<Pending>) -> JobResult<Report> {
    let mut report = Report::default();
    if pending.is_empty() {
        return Ok(report);
    }
    let pref_keys: Vec<Key> = pending
        .iter()
        .map(|p| notify::preferences_key(&p.user))
        .collect();
    let mut prefs: Vec<NotificationPreferences> = Vec::new();
    for chunk in pref_keys.chunks(100) {
        prefs.extend(notify::preferences_in(&state.db.get_many(chunk).await?)?);
    }
    let expires = (clock::now() + Duration::days(31)).unix_timestamp();
    let write = |tx: crate::db::Tx, p: &Pending, pushes: &mut notify::Pushes| {
        let marker = Reminded {
            company_id: p.company_id.clone(),
            what: p.what.clone(),
            sent_at: clock::now_rfc3339(),
            expires_epoch: expires,
        };
        let tx = tx.put(&marker, Cond::absent());
        notify::add_to(
            tx,
            &p.msg,
            &p.user,
            notify::preferences_of(&prefs, &p.user.id),
            pushes,
        )
    };
    for chunk in pending.chunks(25) {
        let mut pushes = notify::Pushes::default();
        let tx = chunk
            .iter()
            .fold(state.db.tx(), |tx, p| write(tx, p, &mut pushes));
        match state.db.commit(tx).await {
            Ok(()) => {
                report.sent += chunk.len() as u32;
                pushes.send(state).await;
            }
            Err(StoreError::Refused(_)) => {
                for p in chunk {
                    let mut pushes = notify::Pushes::default();
                    match state.db.commit(write(state.db.tx(), p, &mut pushes)).await {
                        Ok(()) => {
                            report.sent += 1;
                            pushes.send(state).await;
                        }
                        Err(StoreError::Refused(_)) => report.already_sent += 1,
                        Err(e) => return Err(e.into()),
                    }
                }
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(report)
}

/// Users of several companies by `(company, user)`, in batch reads.
pub(crate) async fn users(
    state: &AppState,
    ids: &BTreeSet<(String, String)>,
) -> JobResult<BTreeMap<(String, String), User>> {
    let keys: Vec<Key> = ids.iter().map(|(c, u)| keys::user(c, u)).collect();
    let mut out = BTreeMap::new();
    for chunk in keys.chunks(100) {
        for u in entities_of::<User>(&state.db.get_many(chunk).await?)? {
            out.insert((u.company_id.clone(), u.id.clone()), u);
        }
    }
    Ok(out)
}

/// An open assignment as `gsi3` projects it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct DueRow {
    company_id: String,
    user_id: String,
    course_id: String,
    status: String,
    percent: u32,
    due_date: String,
}

/// Reminds learners of unfinished courses due in 3 days, in 1 day, or since
/// yesterday (once).
pub async fn deadline_reminders(
    state: &AppState,
    scope: Scope<'_>,
    today: Date,
) -> JobResult<Report> {
    let mut due = Vec::new();
    for (offset, kind) in [(3, "d3"), (1, "d1"), (-1, "overdue")] {
        let day = (today + Duration::days(offset)).to_string();
        let rows: Vec<DueRow> = state.db.all(&lists::due_on(&day)).await?;
        due.extend(
            rows.into_iter()
                .filter(|r| scope.includes(&r.company_id) && r.status != "completed")
                .map(|r| (offset, kind, r)),
        );
    }
    let stopped = suspended(state, due.iter().map(|(_, _, r)| r.company_id.as_str())).await?;
    due.retain(|(_, _, r)| !stopped.contains(&r.company_id));
    let people: BTreeSet<(String, String)> = due
        .iter()
        .map(|(_, _, r)| (r.company_id.clone(), r.user_id.clone()))
        .collect();
    let users = users(state, &people).await?;
    let mut courses: BTreeMap<(String, String), Course> = BTreeMap::new();
    let course_keys: BTreeSet<(String, String)> = due
        .iter()
        .map(|(_, _, r)| (r.company_id.clone(), r.course_id.clone()))
        .collect();
    let course_keys: Vec<Key> = course_keys
        .iter()
        .map(|(c, id)| keys::course(c, id))
        .collect();
    for chunk in course_keys.chunks(100) {
        for c in entities_of::<Course>(&state.db.get_many(chunk).await?)? {
            courses.insert((c.company_id.clone(), c.id.clone()), c);
        }
    }
    let front = state.config.frontend_url.trim_end_matches('/');
    let pending = due
        .into_iter()
        .filter_map(|(offset, kind, r)| {
            let user = users.get(&(r.company_id.clone(), r.user_id.clone()))?.clone();
            let course = courses.get(&(r.company_id.clone(), r.course_id.clone()))?;
            let overdue = offset < 0;
            let url = format!("{front}/courses/{}", course.id);
            let body = if overdue {
                format!("{} was due {} and is not finished yet.", course.title, r.due_date)
            } else {
                format!("{} is due {}.", course.title, r.due_date)
            };
            Some(Pending {
                company_id: r.company_id.clone(),
                what: format!("DEADLINE#{}#{}#{kind}#{}", r.user_id, r.course_id, r.due_date),
                msg: notify::Message {
                    kind: "deadline_reminder",
                    title: if overdue { "Course overdue".into() } else { "Course due soon".into() },
                    body,
                    link: Some(url.clone()),
                    template: "deadline_reminder",
                    data: serde_json::json!({"courseTitle": course.title, "dueDate": r.due_date,
                        "days": offset.max(0), "overdue": overdue, "percent": r.percent, "url": url}),
                },
                user,
            })
        })
        .collect();
    send(state, pending).await
}

/// Reminds attendees of events starting within the next 24 hours (once each).
pub async fn event_reminders(
    state: &AppState,
    scope: Scope<'_>,
    now: OffsetDateTime,
) -> JobResult<Report> {
    let (from, to) = (
        clock::rfc3339(now),
        clock::rfc3339(now + Duration::hours(24)),
    );
    let mut event_keys: Vec<Key> = Vec::new();
    for day in [now.date(), (now + Duration::hours(24)).date()] {
        let rows: Vec<Key> = state
            .db
            .all(&lists::events_on_day(&day.to_string()))
            .await?;
        event_keys.extend(rows);
    }
    event_keys.dedup_by(|a, b| a == b);
    let mut events: Vec<CalendarEvent> = Vec::new();
    for chunk in event_keys.chunks(100) {
        events.extend(entities_of::<CalendarEvent>(
            &state.db.get_many(chunk).await?,
        )?);
    }
    events.retain(|e| scope.includes(&e.company_id) && e.starts_at > from && e.starts_at <= to);
    let stopped = suspended(state, events.iter().map(|e| e.company_id.as_str())).await?;
    events.retain(|e| !stopped.contains(&e.company_id));
    let people: BTreeSet<(String, String)> = events
        .iter()
        .flat_map(|e| {
            e.attendees
                .iter()
                .map(|a| (e.company_id.clone(), a.clone()))
        })
        .collect();
    let users = users(state, &people).await?;
    let front = state.config.frontend_url.trim_end_matches('/');
    let mut pending = Vec::new();
    for e in &events {
        for a in &e.attendees {
            let Some(user) = users.get(&(e.company_id.clone(), a.clone())) else {
                continue;
            };
            let url = format!("{front}/calendar/{}", e.id);
            pending.push(Pending {
                company_id: e.company_id.clone(),
                what: format!("EVENT#{}#{a}#{}", e.id, e.starts_at),
                msg: notify::Message {
                    kind: "event_reminder",
                    title: format!("Tomorrow: {}", e.title),
                    body: format!("{} starts {}.", e.title, e.starts_at),
                    link: Some(url.clone()),
                    template: "event_reminder",
                    data: serde_json::json!({"title": e.title, "startsAt": e.starts_at,
                        "location": e.location, "url": url}),
                },
                user: user.clone(),
            });
        }
    }
    send(state, pending).await
}

/// Which of `companies` the operator has suspended: their people get no reminders.
pub(crate) async fn suspended<'a>(
    state: &AppState,
    companies: impl Iterator<Item = &'a str>,
) -> JobResult<BTreeSet<String>> {
    let ids: BTreeSet<&str> = companies.collect();
    let keys: Vec<Key> = ids.iter().map(|c| keys::company(c)).collect();
    let mut stopped = BTreeSet::new();
    for chunk in keys.chunks(100) {
        for c in entities_of::<Company>(&state.db.get_many(chunk).await?)? {
            if c.status == CompanyStatus::Suspended {
                stopped.insert(c.id);
            }
        }
    }
    Ok(stopped)
}

/// Sends each team lead a summary of their team (once a week).
pub async fn team_reports(state: &AppState, scope: Scope<'_>, today: Date) -> JobResult<Report> {
    let companies: Vec<String> = match scope {
        Scope::Company(c) => vec![c.to_string()],
        Scope::All => state
            .db
            .all(&lists::companies())
            .await?
            .into_iter()
            .filter(|c| c.status != CompanyStatus::Suspended)
            .map(|c| c.id)
            .collect(),
    };
    let (year, week, _) = today.to_iso_week_date();
    let now = clock::now_rfc3339();
    let front = state.config.frontend_url.trim_end_matches('/');
    let mut pending = Vec::new();
    for company_id in companies {
        let (teams, users, rows) = tokio::try_join!(
            async {
                state
                    .db
                    .all(&lists::teams(&company_id))
                    .await
                    .map_err(crate::ApiError::from)
            },
            reporting::company_users(&state.db, &company_id),
            reporting::rows(&state.db, &company_id),
        )?;
        for team in teams {
            let members: Vec<TeamMember> = state
                .db
                .all(&lists::team_members(&company_id, &team.id))
                .await?;
            let ids: BTreeSet<&str> = members.iter().map(|m| m.user_id.as_str()).collect();
            let team_rows: Vec<_> = rows
                .iter()
                .filter(|r| ids.contains(r.user_id.as_str()))
                .collect();
            let summary = reporting::summarize(&team_rows, &now);
            let behind: Vec<_> = users
                .iter()
                .filter(|u| ids.contains(u.id.as_str()))
                .filter_map(|u| {
                    let overdue = team_rows
                        .iter()
                        .filter(|r| r.user_id == u.id && r.is_overdue(&now))
                        .count();
                    (overdue > 0).then(|| serde_json::json!({"name": u.name, "overdue": overdue}))
                })
                .collect();
            let url = format!("{front}/team");
            for lead in members.iter().filter(|m| m.role == TeamRole::Lead) {
                let Some(user) = users.iter().find(|u| u.id == lead.user_id) else {
                    continue;
                };
                pending.push(Pending {
                    company_id: company_id.clone(),
                    what: format!("TEAMREPORT#{}#{}#{year}-W{week:02}", team.id, lead.user_id),
                    msg: notify::Message {
                        kind: "team_report",
                        title: format!("Weekly report: {}", team.name),
                        body: format!(
                            "{} members, {} courses completed, {} overdue.",
                            ids.len(),
                            summary.completed,
                            summary.overdue
                        ),
                        link: Some(url.clone()),
                        template: "team_report",
                        data: serde_json::json!({"teamName": team.name, "members": ids.len(),
                            "completed": summary.completed, "overdue": summary.overdue,
                            "averagePercent": summary.average_percent, "behind": behind, "url": url}),
                    },
                    user: user.clone(),
                });
            }
        }
    }
    send(state, pending).await
}
