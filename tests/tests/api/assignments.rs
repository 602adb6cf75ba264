//! `/api/team/assign-course` and taking assignments back.

use campus::db::{Filter, PageAt, lists};
use campus_tests::{Account, app, join, new_company};
use serde_json::json;

async fn published(by: &Account) -> String {
    let body = json!({"title": "Safety 101", "difficulty": "beginner", "durationWeeks": 1, "status": "published"});
    let r = app()
        .post("/api/courses", by.token(), body)
        .await
        .expect(201);
    r.body["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn assigning_by_user_team_and_department_is_idempotent_and_notifies() {
    let t = app();
    let admin = new_company().await;
    let manager = join(&admin, "manager").await;
    let (a, b, c) = (
        join(&admin, "participant").await,
        join(&admin, "participant").await,
        join(&admin, "participant").await,
    );
    let course = published(&admin).await;
    let team = t
        .post("/api/teams", manager.token(), json!({"name": "Crew"}))
        .await
        .expect(201);
    let team_id = team.body["id"].as_str().unwrap().to_string();
    t.post(
        &format!("/api/teams/{team_id}/members"),
        manager.token(),
        json!({"userId": b.user_id}),
    )
    .await
    .expect(201);
    let dept = t
        .post(
            "/api/company/departments",
            admin.token(),
            json!({"name": "Ops"}),
        )
        .await
        .expect(201);
    let dept_id = dept.body["id"].as_str().unwrap().to_string();
    t.put(
        &format!("/api/users/{}", c.user_id),
        admin.token(),
        json!({"departmentId": dept_id}),
    )
    .await
    .expect(200);

    let body = json!({"courseId": course, "userIds": [a.user_id], "teamId": team_id, "departmentId": dept_id, "dueDate": "2099-12-31"});
    let r = t
        .post("/api/team/assign-course", manager.token(), body.clone())
        .await
        .expect(200);
    let mut got: Vec<String> = r.body["assigned"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    got.sort();
    // The team's lead (the manager) is a member too.
    let mut want = vec![
        a.user_id.clone(),
        b.user_id.clone(),
        c.user_id.clone(),
        manager.user_id.clone(),
    ];
    want.sort();
    assert_eq!(got, want);
    assert_eq!(r.body["dueDate"], "2099-12-31T23:59:59Z");

    // Again: nothing changes.
    let again = t
        .post("/api/team/assign-course", manager.token(), body)
        .await
        .expect(200);
    assert!(again.body["assigned"].as_array().unwrap().is_empty());
    assert_eq!(again.body["alreadyAssigned"].as_array().unwrap().len(), 4);

    // The assignee sees it with its due date, has a notification and a queued mail.
    let mine = t.get("/api/courses", a.token()).await.expect(200);
    assert_eq!(mine.body["items"][0]["id"], course.as_str());
    assert_eq!(
        mine.body["items"][0]["progress"]["dueDate"],
        "2099-12-31T23:59:59Z"
    );
    let db = t.db().await;
    let notes = db
        .page(
            &lists::notifications(&admin.company_id, &a.user_id),
            PageAt::first(100),
            Filter::default(),
        )
        .await
        .unwrap()
        .items;
    assert_eq!(
        notes.len(),
        1,
        "exactly one notification despite two requests"
    );
    assert_eq!(notes[0].kind, "course_assigned");
    let mails = db
        .page(
            &lists::outbox(&admin.company_id),
            PageAt::first(100),
            Filter::new(),
        )
        .await
        .unwrap()
        .items;
    assert_eq!(
        mails
            .iter()
            .filter(|m| m.template == "course_assigned" && m.to == a.email)
            .count(),
        1
    );

    // Taken back.
    let path = format!("/api/team/members/{}/courses/{course}", a.user_id);
    t.delete(&path, a.token())
        .await
        .expect_error(403, "FORBIDDEN");
    t.delete(&path, manager.token()).await.expect(204);
    t.delete(&path, manager.token())
        .await
        .expect_error(404, "NOT_FOUND");
    assert!(
        t.get("/api/courses", a.token()).await.body["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn assignment_errors() {
    let t = app();
    let admin = new_company().await;
    let p = join(&admin, "participant").await;
    let course = published(&admin).await;
    let draft = t
        .post(
            "/api/courses",
            admin.token(),
            json!({"title": "D", "difficulty": "beginner", "durationWeeks": 1}),
        )
        .await
        .expect(201);
    let other = new_company().await;
    let theirs = published(&other).await;
    let token = admin.access.clone();
    let assign = |body: serde_json::Value| {
        let token = token.clone();
        async move { t.post("/api/team/assign-course", Some(&token), body).await }
    };

    t.post(
        "/api/team/assign-course",
        p.token(),
        json!({"courseId": course, "userIds": [p.user_id]}),
    )
    .await
    .expect_error(403, "FORBIDDEN");
    assign(json!({"courseId": draft.body["id"], "userIds": [p.user_id]}))
        .await
        .expect_error(409, "CONFLICT");
    assign(json!({"courseId": "nope", "userIds": [p.user_id]}))
        .await
        .expect_error(404, "NOT_FOUND");
    assign(json!({"courseId": theirs, "userIds": [p.user_id]}))
        .await
        .expect_error(404, "NOT_FOUND");
    for (body, field) in [
        (json!({"courseId": course}), "userIds"),
        (json!({"courseId": course, "userIds": ["ghost"]}), "userIds"),
        (
            json!({"courseId": course, "userIds": [other.user_id]}),
            "userIds",
        ),
        (json!({"courseId": course, "teamId": "nope"}), "teamId"),
        (
            json!({"courseId": course, "departmentId": "nope"}),
            "departmentId",
        ),
        (
            json!({"courseId": course, "userIds": [p.user_id], "dueDate": "2001-01-01"}),
            "dueDate",
        ),
        (
            json!({"courseId": course, "userIds": [p.user_id], "dueDate": "next week"}),
            "dueDate",
        ),
        (
            json!({"courseId": course, "userIds": "everyone"}),
            "userIds",
        ),
    ] {
        let r = assign(body.clone())
            .await
            .expect_error(400, "VALIDATION_FAILED");
        assert!(
            r.body["error"]["details"][field].is_string(),
            "{body}: {}",
            r.body
        );
    }
    // Nothing was assigned by any of them.
    assert!(
        t.get("/api/courses", p.token()).await.body["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    // Another company's manager cannot take back this company's assignment.
    assign(json!({"courseId": course, "userIds": [p.user_id]}))
        .await
        .expect(200);
    let path = format!("/api/team/members/{}/courses/{course}", p.user_id);
    t.delete(&path, other.token())
        .await
        .expect_error(404, "NOT_FOUND");
    assert_eq!(
        t.get("/api/courses", p.token()).await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}
