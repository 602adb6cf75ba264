//! The scheduled jobs: deadline reminders (3 days, 1 day, overdue), event reminders,
//! weekly team reports; each sent once however often the job runs, as preferences
//! allow, and only for the company that asks.

use campus::model::Assignment;
use campus_tests::{
    Account, app, course_with_lessons, join, new_company, new_company_on, outbox_mails, team_led_by,
};
use serde_json::{Value, json};

/// The scheduled jobs run over every company of the table, so one test's job run
/// would remind another test's learners halfway through that test's set-up (before
/// a learner finishes the course, or turns mail off): the tests take turns.
static TURN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn day(offset: i64) -> String {
    (time::OffsetDateTime::now_utc() + time::Duration::days(offset))
        .date()
        .to_string()
}

async fn mails(company_id: &str, to: &str, template: &str) -> Vec<Value> {
    outbox_mails(company_id, to, template)
        .await
        .into_iter()
        .map(|m| serde_json::from_str(&m.data_json).unwrap())
        .collect()
}

async fn assign(admin: &Account, course: &str, who: &Account, due: &str) {
    app()
        .post(
            "/api/team/assign-course",
            admin.token(),
            json!({"courseId": course, "userIds": [who.user_id], "dueDate": due}),
        )
        .await
        .expect(200);
}

/// An assignment that fell due yesterday (the API refuses past due dates).
async fn overdue(admin: &Account, course: &str, who: &Account) {
    let a = Assignment::new(
        &admin.company_id,
        &who.user_id,
        course,
        &admin.user_id,
        Some(format!("{}T23:59:59Z", day(-1))),
    );
    app().db().await.put(&a, None).await.unwrap();
}

fn fixture(name: &str) -> Value {
    let raw = std::fs::read_to_string(format!("{}/../events/{name}", env!("CARGO_MANIFEST_DIR")))
        .unwrap();
    serde_json::from_str(&raw).unwrap()
}

#[tokio::test]
async fn deadline_reminders_go_once_to_unfinished_courses_of_the_company() {
    let _turn = TURN.lock().await;
    let t = app();
    let admin = new_company_on("basic").await;
    let in3 = join(&admin, "participant").await;
    let in1 = join(&admin, "participant").await;
    let late = join(&admin, "participant").await;
    let done = join(&admin, "participant").await;
    let quiet = join(&admin, "participant").await;
    let (course, lessons) = course_with_lessons(&admin, "Fire Safety", "published", 1).await;
    assign(&admin, &course, &in3, &day(3)).await;
    assign(&admin, &course, &in1, &day(1)).await;
    assign(&admin, &course, &done, &day(3)).await;
    assign(&admin, &course, &quiet, &day(3)).await;
    overdue(&admin, &course, &late).await;
    t.post(
        "/api/progress/event",
        done.token(),
        json!({"courseId": course, "lessonId": lessons[0], "type": "lesson_completed"}),
    )
    .await
    .expect(200);
    t.put(
        "/api/notifications/preferences",
        quiet.token(),
        json!({"deadline_reminder": {"inApp": true, "email": false}}),
    )
    .await
    .expect(200);
    // Another company's learner, due in 3 days too.
    let other = new_company().await;
    let stranger = join(&other, "participant").await;
    let (their_course, _) = course_with_lessons(&other, "Theirs", "published", 1).await;
    assign(&other, &their_course, &stranger, &day(3)).await;

    let r = t
        .post(
            "/api/email/send-deadline-reminders",
            admin.token(),
            json!({}),
        )
        .await
        .expect(200);
    assert_eq!(r.body, json!({"sent": 4, "alreadySent": 0}));
    let again = t
        .post(
            "/api/email/send-deadline-reminders",
            admin.token(),
            json!({}),
        )
        .await
        .expect(200);
    assert_eq!(again.body, json!({"sent": 0, "alreadySent": 4}));

    let m = mails(&admin.company_id, &in3.email, "deadline_reminder").await;
    assert_eq!(m.len(), 1);
    assert_eq!(
        (m[0]["days"].clone(), m[0]["overdue"].clone()),
        (json!(3), json!(false))
    );
    assert_eq!(m[0]["courseTitle"], "Fire Safety");
    assert_eq!(
        mails(&admin.company_id, &in1.email, "deadline_reminder").await[0]["days"],
        1
    );
    assert_eq!(
        mails(&admin.company_id, &late.email, "deadline_reminder").await[0]["overdue"],
        true
    );
    assert!(
        mails(&admin.company_id, &done.email, "deadline_reminder")
            .await
            .is_empty()
    );
    assert!(
        mails(&admin.company_id, &quiet.email, "deadline_reminder")
            .await
            .is_empty()
    );
    let inbox = t
        .get("/api/notifications?type=deadline_reminder", quiet.token())
        .await
        .expect(200);
    assert_eq!(
        inbox.body["items"].as_array().unwrap().len(),
        1,
        "in-app still on"
    );
    assert!(
        mails(&other.company_id, &stranger.email, "deadline_reminder")
            .await
            .is_empty()
    );

    t.post("/api/email/send-deadline-reminders", in3.token(), json!({}))
        .await
        .expect_error(403, "FORBIDDEN");
}

#[tokio::test]
async fn the_scheduled_jobs_remind_attendees_the_day_before() {
    let _turn = TURN.lock().await;
    let t = app();
    let admin = new_company().await;
    let guest = join(&admin, "participant").await;
    let at = |h: i64| {
        (time::OffsetDateTime::now_utc() + time::Duration::hours(h))
            .replace_nanosecond(0)
            .unwrap()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap()
    };
    let soon = t
        .post(
            "/api/calendar/events",
            admin.token(),
            json!({"title": "Fire drill", "type": "session", "audience": "company",
                "startsAt": at(5), "endsAt": at(6), "location": "Yard"}),
        )
        .await
        .expect(201);
    t.post(
        &format!(
            "/api/calendar/events/{}/attend",
            soon.body["id"].as_str().unwrap()
        ),
        guest.token(),
        json!({}),
    )
    .await
    .expect(200);
    t.post(
        "/api/calendar/events",
        admin.token(),
        json!({"title": "Next week", "type": "session", "audience": "company",
            "startsAt": at(24 * 7), "endsAt": at(24 * 7 + 1)}),
    )
    .await
    .expect(201);

    // The schedule's own events, through the function.
    let state = campus_tests::function_state(&t.settings, "reminders");
    for _ in 0..2 {
        campus_reminders::handle(&state, fixture("reminders/events.json"))
            .await
            .unwrap();
    }
    for who in [&admin, &guest] {
        let m = mails(&admin.company_id, &who.email, "event_reminder").await;
        assert_eq!(
            m.len(),
            1,
            "{}: once, and only for the event within a day",
            who.email
        );
        assert_eq!(m[0]["title"], "Fire drill");
        assert_eq!(m[0]["location"], "Yard");
    }
    // The other jobs run from their events too.
    campus_reminders::handle(&state, fixture("reminders/deadlines.json"))
        .await
        .unwrap();
    campus_reminders::handle(&state, fixture("reminders/team-reports.json"))
        .await
        .unwrap();
    // A job as if it ran on another day (`make job NOW=…`).
    campus_reminders::handle(&state, fixture("reminders/deadlines-as-of.json"))
        .await
        .unwrap();
    assert!(
        campus_reminders::handle(&state, json!({"job": "deadlines", "now": "soon"}))
            .await
            .is_err()
    );
    assert!(
        campus_reminders::handle(&state, json!({"job": "nap"}))
            .await
            .is_err()
    );
}

#[tokio::test]
async fn team_leads_get_a_weekly_report_once() {
    let _turn = TURN.lock().await;
    let t = app();
    let admin = new_company().await;
    let manager = join(&admin, "manager").await;
    let member = join(&admin, "participant").await;
    team_led_by(&manager, &[&member]).await;
    let (course, _) = course_with_lessons(&admin, "Ethics", "published", 1).await;
    overdue(&admin, &course, &member).await;

    let r = t
        .post("/api/email/send-team-reports", admin.token(), json!({}))
        .await
        .expect(200);
    let total = r.body["sent"].as_u64().unwrap() + r.body["alreadySent"].as_u64().unwrap();
    assert_eq!(total, 1, "{}", r.body);
    let r = t
        .post("/api/email/send-team-reports", admin.token(), json!({}))
        .await
        .expect(200);
    assert_eq!(r.body, json!({"sent": 0, "alreadySent": 1}));
    let m = mails(&admin.company_id, &manager.email, "team_report").await;
    assert_eq!(m.len(), 1);
    assert_eq!(m[0]["members"], 2);
    assert_eq!(m[0]["overdue"], 1);
    assert_eq!(
        m[0]["behind"],
        json!([{"name": "A participant", "overdue": 1}])
    );
}

/// What the public verification says of a code: (valid, expired).
async fn verification(code: &str) -> (Value, Value) {
    let v = app()
        .get(&format!("/api/certificates/verify/{code}"), None)
        .await
        .expect(200)
        .body;
    (v["valid"].clone(), v["expired"].clone())
}

/// The compliance report's counts for one course.
async fn compliance_of(admin: &Account, course: &str) -> Value {
    let report = app()
        .get("/api/reports/compliance", admin.token())
        .await
        .expect(200)
        .body;
    report["courses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["courseId"] == course)
        .cloned()
        .unwrap_or_else(|| panic!("no row for {course}: {report}"))
}

/// A course valid for 12 months: its certificate expires a year on; the daily job
/// reminds 30 and 7 days before and renews the course the day it lapses, each once
/// however often it runs; a lapsed certificate verifies as expired; the compliance
/// report counts valid, expiring, expired and never completed.
#[tokio::test]
async fn a_lapsing_certificate_is_renewed_once_however_often_the_job_runs() {
    let _turn = TURN.lock().await;
    let t = app();
    let admin = new_company_on("pro").await;
    let learner = join(&admin, "participant").await;
    let never = join(&admin, "participant").await;
    let (course, lessons) = course_with_lessons(&admin, "Annual security", "published", 1).await;
    t.call(
        "PATCH",
        &format!("/api/courses/{course}"),
        admin.token(),
        Some(json!({"validForMonths": 12})),
    )
    .await
    .expect(200);
    assign(&admin, &course, &learner, &day(20)).await;
    assign(&admin, &course, &never, &day(20)).await;
    let complete = || async {
        t.post(
            "/api/progress/event",
            learner.token(),
            json!({"courseId": course, "lessonId": lessons[0], "type": "lesson_completed"}),
        )
        .await
        .expect(200)
    };
    complete().await;
    let certs = t
        .get("/api/certificates", learner.token())
        .await
        .expect(200)
        .body;
    let cert = certs["items"][0].clone();
    let expires = time::OffsetDateTime::parse(
        cert["expiresAt"].as_str().expect("an expiry"),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    let a_year = expires - time::OffsetDateTime::now_utc();
    assert!((364..=366).contains(&a_year.whole_days()), "{a_year}");
    let code = cert["code"].as_str().unwrap().to_string();
    assert_eq!(verification(&code).await, (json!(true), json!(false)));

    let state = campus_tests::function_state(&t.settings, "reminders");
    let at = |t: time::OffsetDateTime| {
        t.format(&time::format_description::well_known::Rfc3339)
            .unwrap()
    };
    let run = |now: String| {
        let state = state.clone();
        async move {
            campus_reminders::handle(&state, json!({"job": "deadlines", "now": now}))
                .await
                .unwrap()
        }
    };
    // The run 30 days before was missed: the next day's makes it up; then 7 days
    // before, and the day after that again (nothing new).
    for days in [29, 7, 6] {
        for _ in 0..2 {
            run(at(expires - time::Duration::days(days))).await;
        }
    }
    let warned = mails(&admin.company_id, &learner.email, "certificate_expiring").await;
    let days: Vec<Value> = warned.iter().map(|m| m["days"].clone()).collect();
    assert_eq!(days, [json!(29), json!(7)], "once each");
    assert!(
        mails(&admin.company_id, &never.email, "certificate_expiring")
            .await
            .is_empty()
    );

    // The day it lapses, twice: one renewal, due 30 days later.
    for _ in 0..2 {
        run(at(expires + time::Duration::hours(1))).await;
    }
    let due = (expires + time::Duration::hours(1) + time::Duration::days(30))
        .date()
        .to_string();
    let renewals: Vec<Value> = mails(&admin.company_id, &learner.email, "course_assigned")
        .await
        .into_iter()
        .filter(|m| m["dueDate"] == due.as_str())
        .collect();
    assert_eq!(renewals.len(), 1, "renewed once");
    let progress = t
        .get(&format!("/api/progress/{course}"), learner.token())
        .await
        .expect(200)
        .body;
    assert_eq!(progress["status"], "not_started");
    assert!(
        progress["dueDate"].as_str().unwrap().starts_with(&due),
        "{progress}"
    );

    // Past its expiry (moved there), the certificate verifies as expired, and the
    // compliance report counts it so.
    let db = app().db().await;
    let key = campus::db::keys::certificate(&admin.company_id, cert["id"].as_str().unwrap());
    let mut stored: campus::model::Certificate = db.find(&key).await.unwrap();
    stored.expires_at = Some("2026-01-01T00:00:00Z".into());
    db.put(&stored, None).await.unwrap();
    assert_eq!(verification(&code).await, (json!(false), json!(true)));
    let row = compliance_of(&admin, &course).await;
    assert_eq!(
        (
            row["valid"].clone(),
            row["expiringSoon"].clone(),
            row["expired"].clone(),
            row["neverCompleted"].clone()
        ),
        (json!(0), json!(0), json!(1), json!(1)),
        "{row}"
    );
    let csv = t
        .client
        .get(t.url("/api/reports/export/compliance?format=csv"))
        .bearer_auth(admin.token().unwrap())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        csv.lines()
            .next()
            .unwrap()
            .ends_with("certificate,certificateExpiresAt"),
        "{csv}"
    );
    assert!(csv.contains(",expired,2026-01-01T00:00:00Z"), "{csv}");

    // Renewed: completing the course again issues a new certificate, valid a year.
    complete().await;
    let certs = t
        .get("/api/certificates", learner.token())
        .await
        .expect(200)
        .body;
    assert_eq!(certs["items"].as_array().unwrap().len(), 2, "{certs}");
    let row = compliance_of(&admin, &course).await;
    assert_eq!(
        (row["valid"].clone(), row["expired"].clone()),
        (json!(1), json!(0)),
        "{row}"
    );
}
