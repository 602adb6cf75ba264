//! Certificates that expire (a course with `validForMonths`): the daily job tells each
//! holder 30 and 7 days before (once each, made up the next day if a run is missed),
//! and when one lapses assigns its course again, due 30 days later, so the holder can
//! renew it.
//!
//! The renewal is one transaction per certificate: the assignment reset, the
//! certificate's guard deleted under the condition that it still names that
//! certificate (so the renewed course can issue a new one, and a second run finds
//! nothing to do), the learner's quiz records of the course cleared, and the
//! notification and mail. Lapsed certificates are read from `gsi3` by month
//! (`EXPIRES#{YYYY-MM}`, sorted by day); a week is looked back, so a day the job
//! missed is made up.

use std::collections::{BTreeMap, BTreeSet};

use time::{Date, Duration, OffsetDateTime};

use crate::{
    AppState, clock,
    db::{Cond, Guard, Key, StoreError, entities_of, entity_of, keys, lists},
    job::JobResult,
    model::{Assignment, Certificate, CertificateGuard, Course, Lesson, LessonType, User},
    notify,
    reminders::{self, Pending, Report, Scope},
};

/// Refuses a renewal already made (the guard no longer names the certificate).
const NOT_RENEWED: Guard = Guard::named("NotRenewedYet");

/// Days after expiry a missed renewal is still made.
const LOOK_BACK_DAYS: i64 = 7;

/// Quiz records a renewal clears in its own transaction (with the guard, the
/// assignment, the notification and the mail: under DynamoDB's 100 items).
const MAX_CLEARED_IN_TX: usize = 90;

/// Days a renewed course is due after its certificate lapses.
pub const RENEW_WITHIN_DAYS: i64 = 30;

/// The certificates lapsing from `from` to `to` (holders' only), in `scope`: one
/// Query per month the days touch.
async fn lapsing(
    state: &AppState,
    from: Date,
    to: Date,
    scope: Scope<'_>,
) -> JobResult<Vec<Certificate>> {
    let mut rows: Vec<Key> = Vec::new();
    let mut start = from;
    while start <= to {
        let month_end = start
            .replace_day(start.month().length(start.year()))
            .unwrap_or(start);
        let end = month_end.min(to);
        rows.extend(
            state
                .db
                .all(&lists::expiring_between(
                    &start.to_string(),
                    &end.to_string(),
                ))
                .await?,
        );
        start = end + Duration::days(1);
    }
    // A company's own run reads only its certificates (the key names the company).
    if let Scope::Company(c) = scope {
        let own = keys::certificates_partition(c);
        rows.retain(|k| k.pk == own);
    }
    let mut out = entities_of::<Certificate>(&state.db.get_many(&rows).await?)?;
    out.retain(|c| scope.includes(&c.company_id) && c.user_id.is_some());
    Ok(out)
}

/// A course whose certificates are renewed, and its quiz lessons (whose records a
/// renewal clears).
struct Renewed {
    course: Course,
    quizzes: Vec<String>,
}

/// Reminders, then renewals.
pub async fn run(state: &AppState, scope: Scope<'_>, now: OffsetDateTime) -> JobResult<Report> {
    let reminded = remind(state, scope, now).await?;
    let renewed = renew(state, scope, now).await?;
    Ok(Report {
        sent: reminded.sent + renewed.sent,
        already_sent: reminded.already_sent + renewed.already_sent,
    })
}

async fn remind(state: &AppState, scope: Scope<'_>, now: OffsetDateTime) -> JobResult<Report> {
    // Each reminder covers a window, not a day, so a day the job did not run is
    // made up on the next (the marker still sends each once): the 30-day one for
    // certificates 8 to 30 days from lapsing, the 7-day one for those 0 to 7 days.
    let today = now.date();
    let mut soon = Vec::new();
    for (from, to, kind) in [(8, 30, "d30"), (0, 7, "d7")] {
        let window = (today + Duration::days(from), today + Duration::days(to));
        for c in lapsing(state, window.0, window.1, scope).await? {
            let left = c
                .expires_at
                .as_deref()
                .and_then(clock::parse_rfc3339)
                .map_or(to, |e| (e.date() - today).whole_days());
            soon.push((left, kind, c));
        }
    }
    let now_s = clock::rfc3339(now);
    soon.retain(|(_, _, c)| !c.expired(&now_s));
    let stopped =
        reminders::suspended(state, soon.iter().map(|(_, _, c)| c.company_id.as_str())).await?;
    soon.retain(|(_, _, c)| !stopped.contains(&c.company_id));
    let people: BTreeSet<(String, String)> = soon
        .iter()
        .filter_map(|(_, _, c)| Some((c.company_id.clone(), c.user_id.clone()?)))
        .collect();
    let users = reminders::users(state, &people).await?;
    let front = state.config.frontend_url.trim_end_matches('/');
    let pending = soon
        .into_iter()
        .filter_map(|(days, kind, c)| {
            let user = users
                .get(&(c.company_id.clone(), c.user_id.clone()?))?
                .clone();
            let expires = c.expires_at.clone()?;
            let url = format!("{front}/courses/{}", c.course_id);
            Some(Pending {
                company_id: c.company_id.clone(),
                what: format!("EXPIRY#{}#{kind}", c.id),
                msg: notify::Message {
                    kind: "deadline_reminder",
                    title: "Certificate expiring".into(),
                    body: format!(
                        "Your certificate for {} expires {}.",
                        c.course_title,
                        &expires[..10]
                    ),
                    link: Some(url.clone()),
                    template: "certificate_expiring",
                    data: serde_json::json!({"courseTitle": c.course_title,
                        "expiresAt": &expires[..10], "days": days, "url": url}),
                },
                user,
            })
        })
        .collect();
    reminders::send(state, pending).await
}

async fn renew(state: &AppState, scope: Scope<'_>, now: OffsetDateTime) -> JobResult<Report> {
    let today = now.date();
    let mut lapsed = lapsing(state, today - Duration::days(LOOK_BACK_DAYS), today, scope).await?;
    let now_s = clock::rfc3339(now);
    lapsed.retain(|c| c.expired(&now_s));
    let stopped = reminders::suspended(state, lapsed.iter().map(|c| c.company_id.as_str())).await?;
    lapsed.retain(|c| !stopped.contains(&c.company_id));
    let people: BTreeSet<(String, String)> = lapsed
        .iter()
        .filter_map(|c| Some((c.company_id.clone(), c.user_id.clone()?)))
        .collect();
    let users = reminders::users(state, &people).await?;
    // Each course's quiz lessons, whose records a renewal clears: one Query per course.
    let mut courses: BTreeMap<(String, String), Renewed> = BTreeMap::new();
    for c in &lapsed {
        let at = (c.company_id.clone(), c.course_id.clone());
        if courses.contains_key(&at) {
            continue;
        }
        let items = state
            .db
            .all_in(&keys::course_partition(&c.company_id, &c.course_id))
            .await?;
        // A course deleted since: nothing to renew.
        if let Some(course) = entity_of::<Course>(&items)? {
            let quizzes = entities_of::<Lesson>(&items)?
                .into_iter()
                .filter(|l| l.kind == LessonType::Quiz)
                .map(|l| l.id)
                .collect();
            courses.insert(at, Renewed { course, quizzes });
        }
    }
    // What each renewal needs: its holder, its course, and (in one batch read for all
    // of them) the holder's assignment and notification preferences.
    let renewable: Vec<(&Certificate, &User, &Renewed)> = lapsed
        .iter()
        .filter_map(|c| {
            let user = users.get(&(c.company_id.clone(), c.user_id.clone()?))?;
            let course = courses.get(&(c.company_id.clone(), c.course_id.clone()))?;
            Some((c, user, course))
        })
        .collect();
    let wanted: Vec<Key> = renewable
        .iter()
        .flat_map(|(c, u, _)| {
            [
                keys::assignment(&c.company_id, &u.id, &c.course_id),
                notify::preferences_key(u),
            ]
        })
        .collect();
    let got = state.db.get_many_consistent(&wanted).await?;
    let held: BTreeMap<(String, String, String), Assignment> = entities_of::<Assignment>(&got)?
        .into_iter()
        .map(|a| {
            (
                (a.company_id.clone(), a.user_id.clone(), a.course_id.clone()),
                a,
            )
        })
        .collect();
    let prefs = notify::preferences_in(&got)?;
    let due = clock::rfc3339(now + Duration::days(RENEW_WITHIN_DAYS));
    let front = state.config.frontend_url.trim_end_matches('/');
    let mut report = Report::default();
    let mut failed = None;
    for (c, user, Renewed { course, quizzes }) in renewable {
        let uid = user.id.as_str();
        let held = held.get(&(c.company_id.clone(), uid.to_string(), c.course_id.clone()));
        let mut a = Assignment::new(
            &c.company_id,
            uid,
            &c.course_id,
            "recertification",
            Some(due.clone()),
        );
        let cond = match held {
            Some(old) => {
                a.version = old.version + 1;
                // Still a step of the learning paths it was assigned in.
                a.paths = old.paths.clone();
                Cond::version(old.version)
            }
            None => Cond::absent(),
        };
        let url = format!("{front}/courses/{}", course.id);
        let msg = notify::Message {
            kind: "course_assigned",
            title: "Time to renew a certificate".into(),
            body: format!(
                "Your certificate for {} has expired: the course is assigned again, due {}.",
                course.title,
                &due[..10]
            ),
            link: Some(url.clone()),
            template: "course_assigned",
            data: serde_json::json!({"courseTitle": course.title, "dueDate": &due[..10], "url": url}),
        };
        let mut pushes = notify::Pushes::default();
        let mut tx = state
            .db
            .tx()
            .delete(
                &keys::certificate_guard(&c.company_id, uid, &c.course_id),
                CertificateGuard::CERTIFICATE_ID
                    .eq(&c.id)
                    .named(NOT_RENEWED),
            )
            .put(&a, cond);
        // Within one transaction's 100 items; a course with more quizzes has the rest
        // cleared right after.
        let records: Vec<Key> = quizzes
            .iter()
            .map(|q| keys::quiz_record(&c.company_id, uid, q))
            .collect();
        let (now_cleared, after) = records.split_at(records.len().min(MAX_CLEARED_IN_TX));
        for key in now_cleared {
            tx = tx.delete(key, None);
        }
        let tx = notify::add_to(
            tx,
            &msg,
            user,
            notify::preferences_of(&prefs, uid),
            &mut pushes,
        );
        match state.db.commit(tx).await {
            Ok(()) => {
                report.sent += 1;
                pushes.send(state).await;
                if !after.is_empty() {
                    state.db.delete_many(after).await?;
                }
            }
            Err(StoreError::Refused(g)) if g == NOT_RENEWED => report.already_sent += 1,
            // Its learner's assignment moved meanwhile: the next run renews it.
            Err(StoreError::Refused(_)) => {
                tracing::warn!(certificate = %c.id, "renewal deferred: the assignment changed meanwhile");
            }
            // One certificate's failed write does not hold up the others; the run
            // still fails at the end, so the schedule retries and the alarm sees it.
            Err(e) => {
                tracing::warn!(certificate = %c.id, error = ?e, "renewal failed");
                failed.get_or_insert(e);
            }
        }
    }
    match failed {
        Some(e) => Err(e.into()),
        None => Ok(report),
    }
}
