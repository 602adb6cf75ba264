//! The GDPR export is everything: one item of every kind the store marks personal is
//! written through the API, and the export must carry each kind. A new kind of
//! stored item must be placed in `model::personal::KINDS`, or the second test fails.

use campus::model::personal::{self, KINDS};
use campus_tests::{
    Account, PASSWORD, app, change_user, course_with_lessons, join, new_company_on, set_price,
};
use serde_json::{Value, json};

async fn created(by: &Account, path: &str, body: Value) -> Value {
    app().post(path, by.token(), body).await.expect(201).body
}

/// A participant who became an admin (so every kind of item can be theirs: an
/// invite to their address, and API keys, which only admins hold).
async fn subject(admin: &Account) -> Account {
    let p = join(admin, "participant").await;
    change_user(admin, &p.user_id, json!({"role": "admin"})).await;
    let signed_in = app().login(&p.email, PASSWORD).await.expect(200);
    Account {
        access: signed_in.body["accessToken"].as_str().unwrap().into(),
        ..p
    }
}

#[tokio::test]
async fn the_export_carries_every_kind_of_personal_item() {
    let t = app();
    let admin = new_company_on("pro").await;
    let me = subject(&admin).await;
    let other = join(&admin, "participant").await;

    t.put("/api/settings", me.token(), json!({"lang": "fi"}))
        .await
        .expect(200);
    t.put(
        "/api/notifications/preferences",
        me.token(),
        json!({"announcement": {"inApp": true, "email": false}}),
    )
    .await
    .expect(200);
    created(&me, "/api/users/me/api-keys", json!({"name": "CI"})).await;
    let team = created(&me, "/api/teams", json!({"name": "Safety crew"})).await;
    t.post(
        &format!("/api/teams/{}/members", team["id"].as_str().unwrap()),
        me.token(),
        json!({"userId": me.user_id, "role": "lead"}),
    )
    .await;
    // A course completed: an assignment, a certificate and its notification.
    let (course, lessons) = course_with_lessons(&admin, "Fire safety", "published", 1).await;
    t.post(
        "/api/progress/event",
        me.token(),
        json!({"courseId": course, "lessonId": lessons[0], "type": "lesson_completed"}),
    )
    .await
    .expect(200);
    // A learning path assigned (its course, completed above, joins it).
    let path = t
        .post(
            "/api/paths",
            admin.token(),
            json!({"title": "Safety track", "status": "published", "steps": [{"courseId": course}]}),
        )
        .await
        .expect(201)
        .body;
    t.post(
        &format!("/api/paths/{}/assign", path["id"].as_str().unwrap()),
        admin.token(),
        json!({"userIds": [me.user_id]}),
    )
    .await
    .expect(200);
    created(&me, "/api/checkins", json!({"location": "Desk 7"})).await;
    let soon = campus_tests::in_hours;
    created(
        &me,
        "/api/calendar/events",
        json!({"title": "Drill", "type": "meetup", "audience": "company",
               "startsAt": soon(2), "endsAt": soon(3)}),
    )
    .await;
    let category = created(&admin, "/api/prompts/categories", json!({"name": "Safety"})).await;
    let prompt = created(
        &me,
        "/api/prompts",
        json!({"title": "Drill plan", "content": "Plan a drill for {{site}}",
               "categoryId": category["id"], "tags": [], "variables": ["site"]}),
    )
    .await;
    t.post(
        &format!("/api/prompts/{}/use", prompt["id"].as_str().unwrap()),
        me.token(),
        json!({}),
    )
    .await
    .expect(204);
    created(
        &me,
        "/api/upload",
        json!({"filename": "me.png", "contentType": "image/png", "size": 2048, "purpose": "avatar"}),
    )
    .await;
    t.post(
        "/api/chat/message",
        me.token(),
        json!({"message": "What is a fire triangle?"}),
    )
    .await
    .expect(200);
    let (_, _, quiz) = campus_tests::course_with_quiz(&admin).await;
    created(&me, &format!("/api/quizzes/{quiz}/attempts"), json!({})).await;
    let (sold, _) = course_with_lessons(&admin, "First aid", "published", 1).await;
    set_price(&admin, &sold, "First aid", 1900).await;
    created(&me, "/api/payments", json!({"courseId": sold})).await;
    t.get("/api/export?type=progress&format=json", me.token())
        .await
        .expect(200);
    // Someone else's items, which must stay out.
    created(&other, "/api/checkins", json!({"location": "Gate 2"})).await;
    t.put("/api/settings", other.token(), json!({"lang": "sv"}))
        .await
        .expect(200);

    let export = t
        .get("/api/users/me/export", me.token())
        .await
        .expect(200)
        .body;
    let mut missing = Vec::new();
    for section in personal::exported() {
        let present = match &export[section] {
            Value::Array(a) => !a.is_empty(),
            Value::Object(o) => !o.is_empty(),
            _ => false,
        };
        if !present {
            missing.push(section);
        }
    }
    assert!(missing.is_empty(), "the export lacks {missing:?}: {export}");

    assert_eq!(export["user"]["id"], me.user_id.as_str());
    assert_eq!(export["settings"], json!({"lang": "fi"}));
    assert_eq!(export["signIn"]["email"], me.email.as_str());
    assert_eq!(export["signIn"]["passwordSet"], true);
    assert_eq!(export["invites"][0]["email"], me.email.as_str());
    assert_eq!(export["checkIns"].as_array().unwrap().len(), 1);
    assert_eq!(export["checkIns"][0]["location"], "Desk 7");
    assert_eq!(export["promptUses"][0]["count"], 1);
    assert_eq!(export["payments"][0]["userId"], me.user_id.as_str());
    for entry in export["auditEntries"].as_array().unwrap() {
        assert_eq!(entry["actorId"], me.user_id.as_str());
    }
    for mail in export["mails"].as_array().unwrap() {
        assert_eq!(mail["to"], me.email.as_str());
    }
    // No secret and nobody else's data.
    let text = export.to_string();
    for secret in [
        "argon2",
        "secretHash",
        "passwordHash",
        "tokenHash",
        "dataJson",
    ] {
        assert!(!text.contains(secret), "the export shows {secret}");
    }
    assert!(
        !text.contains(&other.user_id),
        "another user's item is exported"
    );
}

#[test]
fn every_stored_kind_is_decided() {
    let mut names = Vec::new();
    for dir in ["store/src", "domain/src"] {
        collect_names(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../shared")
                .join(dir),
            &mut names,
        );
    }
    assert!(names.len() > 40, "found only {names:?}");
    let decided: Vec<&str> = KINDS.iter().map(|(n, _)| *n).collect();
    let undecided: Vec<&String> = names
        .iter()
        .filter(|n| !decided.contains(&n.as_str()))
        .collect();
    assert!(
        undecided.is_empty(),
        "stored kinds {undecided:?} are not in model::personal::KINDS: say whether the GDPR export carries them"
    );
    let mut unique = decided.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), decided.len(), "a kind is listed twice");
}

/// Every `const NAME: &'static str = "…"` (an entity's stored name) under `dir`.
fn collect_names(dir: &std::path::Path, out: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect_names(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).unwrap();
            for line in text.lines() {
                if let Some(rest) = line.trim().split("const NAME: &'static str = \"").nth(1) {
                    out.push(rest.split('"').next().unwrap().to_string());
                }
            }
        }
    }
}
