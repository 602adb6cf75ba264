//! `/api/calendar`: audiences, attendance, edits, upcoming items, stats and course
//! deadlines, over HTTP against the local stack.

use campus_tests::{
    Account, app, course_with_lessons, join, new_company, new_company_on, team_led_by,
};
use serde_json::{Value, json};

fn s(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_string()
}

/// An event body in March 2099 (far from any real "now").
fn body(title: &str, audience: &str, team: Option<&str>) -> Value {
    let mut b = json!({"title": title, "startsAt": "2099-03-02T09:00:00Z",
        "endsAt": "2099-03-02T10:00:00Z", "type": "session", "audience": audience});
    if let Some(t) = team {
        b["teamId"] = json!(t);
    }
    b
}

async fn create(who: &Account, b: Value) -> Value {
    app()
        .post("/api/calendar/events", who.token(), b)
        .await
        .expect(201)
        .body
}

/// The titles of the events `who` sees in March 2099.
async fn march(who: &Account) -> Vec<String> {
    let r = app()
        .get(
            "/api/calendar/events?from=2099-03-01&to=2099-03-31&limit=100",
            who.token(),
        )
        .await
        .expect(200);
    r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| s(&e["title"]))
        .collect()
}

#[tokio::test]
async fn audiences_decide_who_sees_an_event() {
    let t = app();
    let admin = new_company().await;
    let manager = join(&admin, "manager").await;
    let member = join(&admin, "participant").await;
    let outsider = join(&admin, "participant").await;
    let stranger = new_company().await;
    let team = team_led_by(&manager, &[&member]).await;

    let all = create(&member, body("All hands", "company", None)).await;
    assert_eq!(all["attendees"], json!([member.user_id]));
    assert_eq!(all["attending"], true);
    let crew = create(&member, body("Crew sync", "team", Some(&team))).await;
    let mine = create(&member, body("Focus time", "private", None)).await;

    let seen = march(&member).await;
    for title in ["All hands", "Crew sync", "Focus time"] {
        assert!(seen.contains(&title.to_string()), "{seen:?}");
    }
    assert_eq!(march(&outsider).await, vec!["All hands"]);
    // Admins see every team's events, never others' private ones.
    assert_eq!(march(&admin).await, vec!["All hands", "Crew sync"]);
    assert!(march(&stranger).await.is_empty());

    for (who, event, status) in [
        (&outsider, &crew, 404),
        (&outsider, &mine, 404),
        (&admin, &mine, 404),
        (&outsider, &all, 200),
        (&manager, &crew, 200),
    ] {
        t.get(
            &format!("/api/calendar/events/{}", s(&event["id"])),
            who.token(),
        )
        .await
        .expect(status);
    }
    // Another company's ids answer 404 on every route that takes one.
    let path = format!("/api/calendar/events/{}", s(&all["id"]));
    t.get(&path, stranger.token())
        .await
        .expect_error(404, "NOT_FOUND");
    t.put(&path, stranger.token(), body("Mine now", "company", None))
        .await
        .expect_error(404, "NOT_FOUND");
    t.post(&format!("{path}/attend"), stranger.token(), json!({}))
        .await
        .expect_error(404, "NOT_FOUND");
    t.delete(&format!("{path}/attend"), stranger.token())
        .await
        .expect_error(404, "NOT_FOUND");
    t.delete(&path, stranger.token())
        .await
        .expect_error(404, "NOT_FOUND");
    // The stranger cannot plan for this company's team either.
    t.post(
        "/api/calendar/events",
        stranger.token(),
        body("Crew", "team", Some(&team)),
    )
    .await
    .expect_error(400, "VALIDATION_FAILED");

    // A team event needs the caller in the team.
    t.post(
        "/api/calendar/events",
        outsider.token(),
        body("Gatecrash", "team", Some(&team)),
    )
    .await
    .expect_error(403, "FORBIDDEN");
    let filtered = t
        .get(
            "/api/calendar/events?from=2099-03-01&to=2099-03-31&type=webinar",
            member.token(),
        )
        .await
        .expect(200);
    assert_eq!(filtered.body["items"], json!([]));
}

#[tokio::test]
async fn bad_input_is_4xx_with_details() {
    let t = app();
    let admin = new_company().await;
    let good = body("Fine", "company", None);
    let with = |k: &str, v: Value| {
        let mut b = good.clone();
        b[k] = v;
        b
    };
    let without = |k: &str| {
        let mut b = good.clone();
        b.as_object_mut().unwrap().remove(k);
        b
    };
    for (b, field) in [
        (with("endsAt", json!("2099-03-02T08:00:00Z")), "endsAt"),
        (with("endsAt", json!("2099-03-02T09:00:00Z")), "endsAt"),
        (with("endsAt", json!("2099-05-02T09:00:00Z")), "endsAt"),
        (with("startsAt", json!("next tuesday")), "startsAt"),
        (with("type", json!("party")), "type"),
        (with("audience", json!("everyone")), "audience"),
        (with("title", json!("   ")), "title"),
        (with("title", json!("x".repeat(201))), "title"),
        (with("teamId", json!("01NOSUCHTEAM")), "teamId"),
        (with("audience", json!("team")), "teamId"),
        (with("courseId", json!("01NOSUCHCOURSE")), "courseId"),
        (with("colour", json!("red")), "colour"),
        (without("endsAt"), "endsAt"),
    ] {
        let r = t
            .post("/api/calendar/events", admin.token(), b)
            .await
            .expect_error(400, "VALIDATION_FAILED");
        assert!(
            r.body["error"]["details"].to_string().contains(field),
            "{field}: {}",
            r.body
        );
    }
    for q in [
        "from=2099-03-31&to=2099-03-01",
        "from=yesterday",
        "from=2099-01-01&to=2100-06-01",
        "type=party",
        "limit=0",
    ] {
        t.get(&format!("/api/calendar/events?{q}"), admin.token())
            .await
            .expect_error(400, "VALIDATION_FAILED");
    }
    for q in ["days=0", "days=91", "days=soon"] {
        t.get(&format!("/api/calendar/upcoming?{q}"), admin.token())
            .await
            .expect_error(400, "VALIDATION_FAILED");
    }
    t.get("/api/calendar/events/nope", admin.token())
        .await
        .expect_error(404, "NOT_FOUND");
    t.get("/api/calendar/stats", None)
        .await
        .expect_error(401, "UNAUTHENTICATED");
    t.post("/api/calendar/events", None, good)
        .await
        .expect_error(401, "UNAUTHENTICATED");
}

#[tokio::test]
async fn joining_and_leaving_never_lose_an_attendee() {
    let t = app();
    let admin = new_company_on("basic").await;
    let host = join(&admin, "participant").await;
    let mut guests = Vec::new();
    for _ in 0..5 {
        guests.push(join(&admin, "participant").await);
    }
    let event = create(&host, body("Meetup", "company", None)).await;
    let path = format!("/api/calendar/events/{}", s(&event["id"]));

    // Every guest joins at once while the host edits the event: nobody is lost.
    let mut edit = body("Meetup, moved", "company", None);
    edit["location"] = json!("Room 9");
    let mut joins = tokio::task::JoinSet::new();
    for g in &guests {
        let (path, token) = (format!("{path}/attend"), g.access.clone());
        joins.spawn(async move { t.post(&path, Some(&token), json!({})).await });
    }
    let (joined, edited) = tokio::join!(joins.join_all(), t.put(&path, host.token(), edit));
    for r in joined {
        r.expect(200);
    }
    edited.expect(200);
    let now = t.get(&path, host.token()).await.expect(200).body;
    assert_eq!(now["title"], "Meetup, moved");
    assert_eq!(now["location"], "Room 9");
    assert_eq!(now["attendeeCount"], 6, "{now}");
    assert_eq!(now["version"], 2);

    // Joining twice changes nothing; leaving twice neither.
    let g = &guests[0];
    let again = t
        .post(&format!("{path}/attend"), g.token(), json!({}))
        .await
        .expect(200);
    assert_eq!(again.body["attendeeCount"], 6);
    for _ in 0..2 {
        let left = t
            .delete(&format!("{path}/attend"), g.token())
            .await
            .expect(200);
        assert_eq!(left.body["attendeeCount"], 5);
        assert_eq!(left.body["attending"], false);
    }

    // A private event is not there for others to join; an event that is over
    // cannot be joined.
    let private = create(&host, body("Solo", "private", None)).await;
    t.post(
        &format!("/api/calendar/events/{}/attend", s(&private["id"])),
        g.token(),
        json!({}),
    )
    .await
    .expect_error(404, "NOT_FOUND");
    let mut past = body("Yesterday", "company", None);
    past["startsAt"] = json!("2020-01-01T09:00:00Z");
    past["endsAt"] = json!("2020-01-01T10:00:00Z");
    let past = create(&host, past).await;
    t.post(
        &format!("/api/calendar/events/{}/attend", s(&past["id"])),
        g.token(),
        json!({}),
    )
    .await
    .expect_error(409, "CONFLICT");
}

#[tokio::test]
async fn creators_and_managers_change_events() {
    let t = app();
    let admin = new_company().await;
    let manager = join(&admin, "manager").await;
    let author = join(&admin, "participant").await;
    let peer = join(&admin, "participant").await;
    let event = create(&author, body("Brown bag", "company", None)).await;
    let path = format!("/api/calendar/events/{}", s(&event["id"]));

    t.put(&path, peer.token(), body("Hijacked", "company", None))
        .await
        .expect_error(403, "FORBIDDEN");
    t.delete(&path, peer.token())
        .await
        .expect_error(403, "FORBIDDEN");
    let mut b = body("Brown bag lunch", "company", None);
    b["version"] = json!(1);
    b["startsAt"] = json!("2099-03-02T12:00:00+02:00");
    b["endsAt"] = json!("2099-03-02T13:00:00+02:00");
    let r = t.put(&path, manager.token(), b.clone()).await.expect(200);
    assert_eq!(r.body["version"], 2);
    assert_eq!(r.body["startsAt"], "2099-03-02T10:00:00Z", "stored as UTC");
    // The author still attends; the manager who edited does not.
    assert_eq!(r.body["attendees"], json!([author.user_id]));
    // An edit is checked like a new event.
    let mut backwards = body("Brown bag lunch", "company", None);
    backwards["endsAt"] = json!("2099-03-02T08:00:00Z");
    t.put(&path, author.token(), backwards)
        .await
        .expect_error(400, "VALIDATION_FAILED");
    // A stale version changes nothing.
    t.put(&path, author.token(), b)
        .await
        .expect_error(409, "CONFLICT");
    t.delete(&path, author.token()).await.expect(204);
    t.get(&path, author.token())
        .await
        .expect_error(404, "NOT_FOUND");
    t.delete(&path, author.token())
        .await
        .expect_error(404, "NOT_FOUND");
}

#[tokio::test]
async fn upcoming_merges_events_and_due_dates_and_stats_count_them() {
    let t = app();
    let admin = new_company().await;
    let instructor = join(&admin, "instructor").await;
    let learner = join(&admin, "participant").await;
    let (course, _) = course_with_lessons(&instructor, "Data Handling", "published", 1).await;
    let soon = |days: i64| {
        (time::OffsetDateTime::now_utc() + time::Duration::days(days))
            .replace_nanosecond(0)
            .unwrap()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap()
    };
    t.post(
        "/api/team/assign-course",
        admin.token(),
        json!({"courseId": course, "userIds": [learner.user_id], "dueDate": soon(3)}),
    )
    .await
    .expect(200);
    // Starting now: inside this week and this month whatever today is.
    let event = |title: &str, kind: &str, audience: &str, from: i64| {
        json!({"title": title, "type": kind, "audience": audience,
            "startsAt": soon(from), "endsAt": soon(from + 1)})
    };
    create(&admin, event("Town hall", "webinar", "company", 2)).await;
    create(&learner, event("Study hour", "session", "private", 0)).await;
    create(&learner, event("Retro", "meetup", "private", 40)).await;

    let up = t
        .get("/api/calendar/upcoming?days=7", learner.token())
        .await
        .expect(200);
    let items: Vec<(String, String)> = up.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (s(&i["kind"]), s(&i["title"])))
        .collect();
    assert_eq!(
        items,
        vec![
            ("event".into(), "Study hour".into()),
            ("event".into(), "Town hall".into()),
            ("course_deadline".into(), "Data Handling".into()),
        ]
    );
    assert_eq!(up.body["items"][1]["event"]["attending"], false);
    assert_eq!(up.body["items"][2]["progress"]["courseId"], course);

    let stats = t
        .get("/api/calendar/stats", learner.token())
        .await
        .expect(200);
    let week = &stats.body["week"];
    assert!(week["total"].as_u64().unwrap() >= 1, "{}", stats.body);
    assert_eq!(week["byType"]["session"], 1);
    assert_eq!(week["byType"]["meetup"], 0, "40 days away");
    assert_eq!(week["byType"]["deadline"], 0);
    let month = &stats.body["month"];
    assert_eq!(month["byType"]["session"], 1);
    assert_eq!(month["attending"], month["byType"]["session"]);

    let dash = t.get("/api/dashboard", learner.token()).await.expect(200);
    let titles: Vec<String> = dash.body["upcomingEvents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| s(&e["title"]))
        .collect();
    assert_eq!(titles, vec!["Study hour", "Town hall"]);
}

#[tokio::test]
async fn course_events_invite_the_course_assignees() {
    let t = app();
    let admin = new_company_on("basic").await;
    let manager = join(&admin, "manager").await;
    let instructor = join(&admin, "instructor").await;
    let a = join(&admin, "participant").await;
    let b = join(&admin, "participant").await;
    let unassigned = join(&admin, "participant").await;
    let stranger = new_company().await;
    let (course, _) = course_with_lessons(&instructor, "Privacy 101", "published", 1).await;
    t.post(
        "/api/team/assign-course",
        manager.token(),
        json!({"courseId": course, "userIds": [a.user_id, b.user_id]}),
    )
    .await
    .expect(200);

    let planned = t
        .post(
            "/api/calendar/course-events",
            manager.token(),
            json!({"courseId": course, "dueDate": "2099-03-20", "sessions": [
                {"title": "Q&A", "startsAt": "2099-03-10T15:00:00Z", "endsAt": "2099-03-10T16:00:00Z"}
            ]}),
        )
        .await
        .expect(201);
    let deadline = &planned.body["deadline"];
    assert_eq!(planned.body["assignees"], 2);
    assert_eq!(deadline["type"], "deadline");
    assert_eq!(deadline["endsAt"], "2099-03-20T23:59:59Z");
    assert_eq!(deadline["attendeeCount"], 3);
    assert_eq!(planned.body["sessions"][0]["attendeeCount"], 3);
    let dpath = format!("/api/calendar/events/{}", s(&deadline["id"]));
    for who in [&a, &b] {
        assert_eq!(march(who).await, vec!["Q&A", "Due: Privacy 101"]);
    }
    assert!(march(&unassigned).await.is_empty());
    t.get(&dpath, unassigned.token())
        .await
        .expect_error(404, "NOT_FOUND");

    // Posting again moves the one deadline.
    let again = t
        .post(
            "/api/calendar/course-events",
            manager.token(),
            json!({"courseId": course, "dueDate": "2099-03-25T12:00:00Z"}),
        )
        .await
        .expect(201);
    assert_eq!(again.body["deadline"]["id"], deadline["id"]);
    assert_eq!(again.body["deadline"]["version"], 2);
    assert_eq!(again.body["deadline"]["startsAt"], "2099-03-25T00:00:00Z");

    for (who, b, status, code) in [
        (
            &a,
            json!({"courseId": course, "dueDate": "2099-03-20"}),
            403,
            "FORBIDDEN",
        ),
        (
            &manager,
            json!({"courseId": "01NOSUCH", "dueDate": "2099-03-20"}),
            404,
            "NOT_FOUND",
        ),
        (
            &stranger,
            json!({"courseId": course, "dueDate": "2099-03-20"}),
            404,
            "NOT_FOUND",
        ),
        (
            &manager,
            json!({"courseId": course, "dueDate": "2001-01-01"}),
            400,
            "VALIDATION_FAILED",
        ),
        (
            &manager,
            json!({"courseId": course}),
            400,
            "VALIDATION_FAILED",
        ),
        (
            &manager,
            json!({"courseId": course, "dueDate": "2099-03-20", "sessions": [
            {"title": "Q&A", "startsAt": "2099-03-10T15:00:00Z", "endsAt": "2099-03-10T14:00:00Z"}]}),
            400,
            "VALIDATION_FAILED",
        ),
    ] {
        let r = t
            .post("/api/calendar/course-events", who.token(), b)
            .await
            .expect_error(status, code);
        if status == 400 {
            assert!(r.body["error"]["details"].is_object(), "{}", r.body);
        }
    }

    // Deleting the course takes its deadline off the calendar.
    t.delete(&format!("/api/courses/{course}"), instructor.token())
        .await
        .expect(204);
    t.get(&dpath, manager.token())
        .await
        .expect_error(404, "NOT_FOUND");
}
