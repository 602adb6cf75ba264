//! The WebSocket: a bad token is refused, a new connection gets `initial`, changes
//! reach the right connections of the right company, gone ones are forgotten.

use campus::db::lists;

use campus::db::keys;
use campus::model::Connection;
use campus_tests::{app, ended_within, join, new_company, next_message, next_of, socket};
use serde_json::json;

const WAIT: u64 = 3000;
/// How long to wait for a message that must not come.
const QUIET: u64 = 600;

#[tokio::test]
async fn a_bad_token_is_refused_at_connect() {
    let admin = new_company().await;
    for token in ["", "not-a-jwt", "eyJhbGciOiJIUzI1NiJ9.e30.AAAA"] {
        assert_eq!(socket(token).await.err(), Some(401), "{token:?}");
    }
    // A token whose session ended is refused too.
    app()
        .post("/api/auth/logout", admin.token(), json!({}))
        .await
        .expect(204);
    assert_eq!(socket(&admin.access).await.err(), Some(401));
}

#[tokio::test]
async fn a_connection_starts_with_check_ins_and_events() {
    let t = app();
    let admin = new_company().await;
    let user = join(&admin, "participant").await;
    t.post(
        "/api/checkins",
        admin.token(),
        json!({"location": "Desk 12"}),
    )
    .await
    .expect(201);
    let soon = campus_tests::in_hours;
    t.post(
        "/api/calendar/events",
        admin.token(),
        json!({"title": "Stand-up", "type": "meetup", "audience": "company",
            "startsAt": soon(2), "endsAt": soon(3)}),
    )
    .await
    .expect(201);
    let mut ws = socket(&user.access).await.unwrap();
    let first = next_message(&mut ws, WAIT)
        .await
        .expect("an initial message");
    assert_eq!(first["type"], "initial");
    assert_eq!(first["checkIns"][0]["location"], "Desk 12");
    assert_eq!(first["events"][0]["title"], "Stand-up");
}

#[tokio::test]
async fn changes_reach_the_company_and_no_other() {
    let t = app();
    let admin = new_company().await;
    let colleague = join(&admin, "participant").await;
    let stranger = new_company().await;
    let mut mine = socket(&colleague.access).await.unwrap();
    let mut theirs = socket(&stranger.access).await.unwrap();
    for ws in [&mut mine, &mut theirs] {
        assert_eq!(next_message(ws, WAIT).await.unwrap()["type"], "initial");
    }

    let created = t
        .post(
            "/api/checkins",
            admin.token(),
            json!({"location": "Cafeteria", "message": "Lunch?"}),
        )
        .await
        .expect(201);
    let m = next_of(&mut mine, "checkin.created", WAIT)
        .await
        .expect("pushed");
    assert_eq!(m["data"]["location"], "Cafeteria");
    assert_eq!(m["data"]["userId"], admin.user_id.as_str());
    let id = created.body["id"].as_str().unwrap().to_string();
    t.delete(&format!("/api/checkins/{id}"), admin.token())
        .await
        .expect(204);
    let m = next_of(&mut mine, "checkin.deleted", WAIT)
        .await
        .expect("pushed");
    assert_eq!(m["data"]["id"], id.as_str());

    // A company event reaches everyone; a private one only its people.
    let event = |title: &str, audience: &str| {
        json!({"title": title, "type": "session", "audience": audience,
            "startsAt": "2099-04-01T10:00:00Z", "endsAt": "2099-04-01T11:00:00Z"})
    };
    t.post(
        "/api/calendar/events",
        admin.token(),
        event("Secret", "private"),
    )
    .await
    .expect(201);
    t.post(
        "/api/calendar/events",
        admin.token(),
        event("All hands", "company"),
    )
    .await
    .expect(201);
    let m = next_of(&mut mine, "event.created", WAIT)
        .await
        .expect("pushed");
    assert_eq!(
        m["data"]["title"], "All hands",
        "the private one never came"
    );

    t.post(
        "/api/notifications",
        admin.token(),
        json!({"userId": colleague.user_id, "type": "announcement", "title": "Hi", "body": "There"}),
    )
    .await
    .expect(201);
    let m = next_of(&mut mine, "notification.created", WAIT)
        .await
        .expect("pushed");
    assert_eq!(m["data"]["title"], "Hi");

    // Notifications written by other producers are pushed too: an assignment.
    let (course, _) =
        campus_tests::course_with_lessons(&admin, "Pushed course", "published", 1).await;
    t.post(
        "/api/team/assign-course",
        admin.token(),
        json!({"courseId": course, "userIds": [colleague.user_id]}),
    )
    .await
    .expect(200);
    let m = next_of(&mut mine, "notification.created", WAIT)
        .await
        .expect("pushed");
    assert_eq!(m["data"]["type"], "course_assigned");

    // Nothing of all that reached the other company.
    assert_eq!(next_message(&mut theirs, QUIET).await, None);
}

#[tokio::test]
async fn closed_and_gone_connections_are_forgotten() {
    let t = app();
    let admin = new_company().await;
    let db = t.db().await;
    let connections = || async {
        db.all::<Connection>(&lists::connections(&admin.company_id))
            .await
            .unwrap()
    };
    let mut ws = socket(&admin.access).await.unwrap();
    next_message(&mut ws, WAIT).await.unwrap();
    assert_eq!(connections().await.len(), 1);
    ws.close(None).await.unwrap();
    // `$disconnect` runs as the socket closes.
    let mut left = connections().await.len();
    for _ in 0..50 {
        if left == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        left = connections().await.len();
    }
    assert_eq!(left, 0);

    // A connection API Gateway no longer knows (410 Gone) goes at the next push.
    let state = campus::AppState::new(campus_tests::config(&t.settings));
    let p = campus::auth::principal_of(&state, &admin.access)
        .await
        .unwrap();
    campus::realtime::connected(&state, &p, "stale-connection")
        .await
        .unwrap();
    assert_eq!(connections().await.len(), 1);
    t.post("/api/checkins", admin.token(), json!({"location": "Lab"}))
        .await
        .expect(201);
    assert!(connections().await.is_empty());
}

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!("{}/../events/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// The Lambda path of the WebSocket API: the events API Gateway and the stream send.
#[tokio::test]
async fn the_ws_function_connects_refuses_and_disconnects() {
    let t = app();
    let admin = new_company().await;
    let state = campus_tests::function_state(&t.settings, "ws");
    let conn_id = format!("lambda-{}", ulid::Ulid::generate());
    let key = keys::connection(&admin.company_id, &conn_id);
    let event = |name: &str| -> serde_json::Value {
        let raw = fixture(name)
            .replace("{{accessToken}}", &admin.access)
            .replace("{{connectionId}}", &conn_id)
            .replace("{{pk}}", &key.pk)
            .replace("{{sk}}", &key.sk)
            .replace("{{companyId}}", &admin.company_id)
            .replace("{{userId}}", &admin.user_id);
        serde_json::from_str(&raw).unwrap()
    };
    let db = t.db().await;

    let r = campus_ws::handle(&state, event("ws/connect-bad-token.json"))
        .await
        .unwrap();
    assert_eq!(r["statusCode"], 401);
    assert!(db.get::<Connection>(&key).await.unwrap().is_none());

    let r = campus_ws::handle(&state, event("ws/connect.json"))
        .await
        .unwrap();
    assert_eq!(r["statusCode"], 200);
    let stored: Connection = db.find(&key).await.unwrap();
    assert_eq!(stored.user_id, admin.user_id);

    // The stream's INSERT sends `initial`; this id has no socket here, so API
    // Gateway's answer is 410 and the connection is forgotten.
    campus_ws::handle(&state, event("ws/stream-new-connection.json"))
        .await
        .unwrap();
    assert!(db.get::<Connection>(&key).await.unwrap().is_none());
    // In AWS the record comes through the stream pipe and the event bus: the same.
    campus_ws::handle(&state, event("ws/connect.json"))
        .await
        .unwrap();
    assert!(db.get::<Connection>(&key).await.unwrap().is_some());
    campus_ws::handle(&state, event("ws/bus-new-connection.json"))
        .await
        .unwrap();
    assert!(db.get::<Connection>(&key).await.unwrap().is_none());

    campus_ws::handle(&state, event("ws/connect.json"))
        .await
        .unwrap();
    let r = campus_ws::handle(&state, event("ws/disconnect.json"))
        .await
        .unwrap();
    assert_eq!(r["statusCode"], 200);
    assert!(db.get::<Connection>(&key).await.unwrap().is_none());
}

/// A socket of `who`'s, past its `initial` message.
async fn listening(token: &str) -> campus_tests::Socket {
    let mut ws = socket(token).await.unwrap();
    assert_eq!(
        next_message(&mut ws, WAIT).await.unwrap()["type"],
        "initial"
    );
    ws
}

#[tokio::test]
async fn a_socket_ends_with_its_session_however_the_session_ends() {
    let t = app();
    let admin = new_company().await;

    // Sign-out.
    let a = join(&admin, "participant").await;
    let mut ws = listening(&a.access).await;
    t.post("/api/auth/logout", a.token(), json!({}))
        .await
        .expect(204);
    assert!(ended_within(&mut ws, WAIT).await, "after logout");

    // A password change ends the other sessions' sockets, not this one's.
    let b = join(&admin, "participant").await;
    let other = t.login(&b.email, campus_tests::PASSWORD).await.expect(200);
    let other = other.body["accessToken"].as_str().unwrap().to_string();
    let mut theirs = listening(&other).await;
    let mut mine = listening(&b.access).await;
    t.post(
        "/api/auth/password/change",
        b.token(),
        json!({"currentPassword": campus_tests::PASSWORD, "newPassword": "Battery-staple-42"}),
    )
    .await
    .expect(204);
    assert!(
        ended_within(&mut theirs, WAIT).await,
        "after a password change"
    );
    assert!(
        !ended_within(&mut mine, QUIET).await,
        "the changing session's socket stays"
    );

    // A role change, disabling, deletion: by an admin, to someone else's sockets.
    for change in ["role", "disable", "delete"] {
        // A company each: a free plan has five seats.
        let admin = new_company().await;
        let c = join(&admin, "participant").await;
        let mut ws = listening(&c.access).await;
        let path = format!("/api/users/{}", c.user_id);
        match change {
            "role" => {
                campus_tests::change_user(&admin, &c.user_id, json!({"role": "instructor"})).await
            }
            "disable" => {
                campus_tests::change_user(&admin, &c.user_id, json!({"status": "disabled"})).await
            }
            _ => {
                t.delete(&path, admin.token()).await.expect(204);
            }
        }
        assert!(ended_within(&mut ws, WAIT).await, "after {change}");
    }

    // A refresh token used twice ends its session, and the socket with it.
    let d = join(&admin, "participant").await;
    let mut ws = listening(&d.access).await;
    let refresh = json!({"refreshToken": d.refresh});
    t.post("/api/auth/refresh", None, refresh.clone())
        .await
        .expect(200);
    t.post("/api/auth/refresh", None, refresh)
        .await
        .expect_error(401, "SESSION_REVOKED");
    assert!(
        ended_within(&mut ws, WAIT).await,
        "after refresh-token reuse"
    );
}

#[tokio::test]
async fn nothing_is_pushed_to_a_socket_whose_session_is_no_longer_live() {
    let t = app();
    let admin = new_company().await;
    let user = join(&admin, "participant").await;
    let mut ws = listening(&user.access).await;
    // The session ends behind the API's back (as if closing the socket had failed):
    // the next push checks it, sends nothing, and closes the socket.
    let state = campus::AppState::new(campus_tests::config(&t.settings));
    let p = campus::auth::principal_of(&state, &user.access)
        .await
        .unwrap();
    t.db()
        .await
        .update(
            &keys::session(&p.company_id, &p.user_id, &p.session_id),
            campus::db::Update::new().set(campus::model::Session::REVOKED, true),
            None,
        )
        .await
        .unwrap();
    t.post(
        "/api/checkins",
        admin.token(),
        json!({"location": "Secret lab", "message": "Not for them"}),
    )
    .await
    .expect(201);
    assert_eq!(next_of(&mut ws, "checkin.created", QUIET).await, None);
    assert!(ended_within(&mut ws, WAIT).await);
}
