//! `/api/courses`: authoring, visibility, the catalog, enrolment, isolation.

use campus_tests::{Account, Resp, app, join, new_company};
use serde_json::{Value, json};

fn course(title: &str, status: &str) -> Value {
    json!({"title": title, "description": "Learn it", "difficulty": "beginner", "durationWeeks": 2, "tags": ["rust", "web"], "status": status})
}

fn id(r: &Resp) -> String {
    r.body["id"].as_str().expect("an id").to_string()
}

/// A published course with two modules (created out of order) and three lessons.
async fn authored(instructor: &Account) -> (String, String, String) {
    let t = app();
    let c = id(&t
        .post(
            "/api/courses",
            instructor.token(),
            course("Rust basics", "draft"),
        )
        .await
        .expect(201));
    let m2 = id(&t
        .post(
            &format!("/api/courses/{c}/modules"),
            instructor.token(),
            json!({"title": "Second", "order": 2}),
        )
        .await
        .expect(201));
    let m1 = id(&t
        .post(
            &format!("/api/courses/{c}/modules"),
            instructor.token(),
            json!({"title": "First", "order": 1}),
        )
        .await
        .expect(201));
    for (m, title, order) in [(&m1, "B", 2), (&m1, "A", 1), (&m2, "C", 1)] {
        let body = json!({"title": title, "type": "text", "content": "...", "durationMinutes": 5, "order": order});
        t.post(
            &format!("/api/courses/{c}/modules/{m}/lessons"),
            instructor.token(),
            body,
        )
        .await
        .expect(201);
    }
    (c, m1, m2)
}

#[tokio::test]
async fn authoring_builds_an_ordered_course() {
    let t = app();
    let admin = new_company().await;
    let instructor = join(&admin, "instructor").await;
    let (c, m1, m2) = authored(&instructor).await;
    let r = t
        .get(&format!("/api/courses/{c}"), instructor.token())
        .await
        .expect(200);
    assert_eq!(
        (
            r.body["moduleCount"].as_u64(),
            r.body["lessonCount"].as_u64()
        ),
        (Some(2), Some(3))
    );
    let modules = r.body["modules"].as_array().unwrap();
    assert_eq!(
        modules
            .iter()
            .map(|m| m["id"].as_str().unwrap())
            .collect::<Vec<_>>(),
        [m1.as_str(), m2.as_str()]
    );
    let titles: Vec<&str> = modules[0]["lessons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["A", "B"]);
    assert_eq!(modules[0]["lessons"][0]["type"], "text");
    assert!(r.body["progress"].is_null());

    // Deleting a module takes its lessons and the counts with it.
    t.delete(
        &format!("/api/courses/{c}/modules/{m1}"),
        instructor.token(),
    )
    .await
    .expect(204);
    let r = t
        .get(&format!("/api/courses/{c}"), instructor.token())
        .await
        .expect(200);
    assert_eq!(
        (
            r.body["moduleCount"].as_u64(),
            r.body["lessonCount"].as_u64()
        ),
        (Some(1), Some(1))
    );
    t.delete(
        &format!("/api/courses/{c}/modules/{m1}"),
        instructor.token(),
    )
    .await
    .expect_error(404, "NOT_FOUND");
    let body =
        json!({"title": "X", "type": "text", "content": "", "durationMinutes": 1, "order": 1});
    t.post(
        &format!("/api/courses/{c}/modules/{m1}/lessons"),
        instructor.token(),
        body,
    )
    .await
    .expect_error(404, "NOT_FOUND");
}

#[tokio::test]
async fn roles_and_drafts() {
    let t = app();
    let admin = new_company().await;
    let instructor = join(&admin, "instructor").await;
    let p = join(&admin, "participant").await;
    t.post("/api/courses", p.token(), course("Mine", "published"))
        .await
        .expect_error(403, "FORBIDDEN");
    let (c, m, _) = authored(&instructor).await;
    // A draft is invisible to participants: not in the catalog, 404 by id.
    t.get(&format!("/api/courses/{c}"), p.token())
        .await
        .expect_error(404, "NOT_FOUND");
    let cat = t
        .get("/api/courses?scope=catalog", p.token())
        .await
        .expect(200);
    assert!(cat.body["items"].as_array().unwrap().is_empty());
    t.get("/api/courses?scope=catalog&status=draft", p.token())
        .await
        .expect_error(403, "FORBIDDEN");
    let drafts = t
        .get(
            "/api/courses?scope=catalog&status=draft",
            instructor.token(),
        )
        .await
        .expect(200);
    assert_eq!(drafts.body["items"][0]["id"], c.as_str());
    t.post(&format!("/api/courses/{c}/enroll"), p.token(), json!({}))
        .await
        .expect_error(404, "NOT_FOUND");
    t.post(
        &format!("/api/courses/{c}/modules"),
        p.token(),
        json!({"title": "X", "order": 1}),
    )
    .await
    .expect_error(403, "FORBIDDEN");
    t.delete(&format!("/api/courses/{c}/modules/{m}"), p.token())
        .await
        .expect_error(403, "FORBIDDEN");
    t.put(
        &format!("/api/courses/{c}"),
        p.token(),
        course("Hijack", "published"),
    )
    .await
    .expect_error(403, "FORBIDDEN");

    // Published: in the catalog and readable.
    let mut body = course("Rust basics", "published");
    body["version"] = json!(1);
    let r = t
        .put(
            &format!("/api/courses/{c}"),
            instructor.token(),
            body.clone(),
        )
        .await
        .expect(200);
    assert_eq!(
        (r.body["status"].as_str(), r.body["version"].as_u64()),
        (Some("published"), Some(2))
    );
    t.put(&format!("/api/courses/{c}"), instructor.token(), body)
        .await
        .expect_error(409, "CONFLICT");
    let cat = t
        .get("/api/courses?scope=catalog", p.token())
        .await
        .expect(200);
    assert_eq!(cat.body["items"][0]["id"], c.as_str());
    t.get(&format!("/api/courses/{c}"), p.token())
        .await
        .expect(200);
}

#[tokio::test]
async fn enrolment_is_idempotent_and_lists_as_assigned() {
    let t = app();
    let admin = new_company().await;
    let instructor = join(&admin, "instructor").await;
    let p = join(&admin, "participant").await;
    let c = id(&t
        .post(
            "/api/courses",
            instructor.token(),
            course("Published", "published"),
        )
        .await
        .expect(201));
    assert!(
        t.get("/api/courses", p.token()).await.expect(200).body["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    let first = t
        .post(&format!("/api/courses/{c}/enroll"), p.token(), json!({}))
        .await
        .expect(201);
    assert_eq!(first.body["status"], "not_started");
    let again = t
        .post(&format!("/api/courses/{c}/enroll"), p.token(), json!({}))
        .await
        .expect(200);
    assert_eq!(again.body["assignedAt"], first.body["assignedAt"]);

    let mine = t
        .get("/api/courses?scope=assigned", p.token())
        .await
        .expect(200);
    let items = mine.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(
        (
            items[0]["id"].as_str(),
            items[0]["progress"]["percent"].as_u64()
        ),
        (Some(c.as_str()), Some(0))
    );
    let detail = t
        .get(&format!("/api/courses/{c}"), p.token())
        .await
        .expect(200);
    assert_eq!(detail.body["progress"]["status"], "not_started");

    // Deleting the course removes it from everyone's list.
    t.delete(&format!("/api/courses/{c}"), instructor.token())
        .await
        .expect(204);
    t.get(&format!("/api/courses/{c}"), instructor.token())
        .await
        .expect_error(404, "NOT_FOUND");
    assert!(
        t.get("/api/courses", p.token()).await.body["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let db = t.db().await;
    assert!(
        db.keys_in_index(&campus::db::keys::course_assignees(&admin.company_id, &c))
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        db.keys_in(&campus::db::keys::course_partition(&admin.company_id, &c))
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn bad_input_is_4xx_with_details() {
    let t = app();
    let admin = new_company().await;
    let cases = [
        (
            json!({"title": "", "difficulty": "beginner", "durationWeeks": 1}),
            "title",
        ),
        (
            json!({"title": "T", "difficulty": "expert", "durationWeeks": 1}),
            "difficulty",
        ),
        (
            json!({"title": "T", "difficulty": "beginner", "durationWeeks": 0}),
            "durationWeeks",
        ),
        (
            json!({"title": "T", "difficulty": "beginner", "durationWeeks": "two"}),
            "durationWeeks",
        ),
        (
            json!({"title": "T", "difficulty": "beginner", "durationWeeks": 1, "priceCents": 100}),
            "currency",
        ),
        (
            json!({"title": "T", "difficulty": "beginner", "durationWeeks": 1, "priceCents": 100, "currency": "euro"}),
            "currency",
        ),
        (
            json!({"title": "T", "difficulty": "beginner", "durationWeeks": 1, "tags": vec!["x"; 21]}),
            "tags",
        ),
        (
            json!({"title": "T", "difficulty": "beginner", "durationWeeks": 1, "status": "archived"}),
            "status",
        ),
    ];
    for (body, field) in cases {
        let r = t
            .post("/api/courses", admin.token(), body.clone())
            .await
            .expect_error(400, "VALIDATION_FAILED");
        assert!(
            r.body["error"]["details"].to_string().contains(field),
            "{body}: {}",
            r.body
        );
    }
    let c = id(&t
        .post("/api/courses", admin.token(), course("Ok", "draft"))
        .await
        .expect(201));
    let m = id(&t
        .post(
            &format!("/api/courses/{c}/modules"),
            admin.token(),
            json!({"title": "M", "order": 1}),
        )
        .await
        .expect(201));
    let bad =
        json!({"title": "L", "type": "podcast", "content": "", "durationMinutes": 1, "order": 1});
    t.post(
        &format!("/api/courses/{c}/modules/{m}/lessons"),
        admin.token(),
        bad,
    )
    .await
    .expect_error(400, "VALIDATION_FAILED");
    t.get("/api/courses?scope=everything", admin.token())
        .await
        .expect_error(400, "VALIDATION_FAILED");
}

#[tokio::test]
async fn another_companys_course_is_404_on_every_route() {
    let t = app();
    let admin = new_company().await;
    let (c, m, _) = authored(&admin).await;
    let detail = t
        .get(&format!("/api/courses/{c}"), admin.token())
        .await
        .expect(200);
    let l = detail.body["modules"][0]["lessons"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let stranger = new_company().await;
    let s = stranger.token();
    let lesson =
        json!({"title": "X", "type": "text", "content": "", "durationMinutes": 1, "order": 1});
    t.get(&format!("/api/courses/{c}"), s)
        .await
        .expect_error(404, "NOT_FOUND");
    t.put(&format!("/api/courses/{c}"), s, course("X", "draft"))
        .await
        .expect_error(404, "NOT_FOUND");
    t.post(&format!("/api/courses/{c}/enroll"), s, json!({}))
        .await
        .expect_error(404, "NOT_FOUND");
    t.post(
        &format!("/api/courses/{c}/modules"),
        s,
        json!({"title": "X", "order": 1}),
    )
    .await
    .expect_error(404, "NOT_FOUND");
    t.put(
        &format!("/api/courses/{c}/modules/{m}"),
        s,
        json!({"title": "X", "order": 1}),
    )
    .await
    .expect_error(404, "NOT_FOUND");
    t.post(
        &format!("/api/courses/{c}/modules/{m}/lessons"),
        s,
        lesson.clone(),
    )
    .await
    .expect_error(404, "NOT_FOUND");
    t.put(
        &format!("/api/courses/{c}/modules/{m}/lessons/{l}"),
        s,
        lesson,
    )
    .await
    .expect_error(404, "NOT_FOUND");
    t.delete(&format!("/api/courses/{c}/modules/{m}/lessons/{l}"), s)
        .await
        .expect_error(404, "NOT_FOUND");
    t.delete(&format!("/api/courses/{c}/modules/{m}"), s)
        .await
        .expect_error(404, "NOT_FOUND");
    t.delete(&format!("/api/courses/{c}"), s)
        .await
        .expect_error(404, "NOT_FOUND");
    // Untouched for its owner.
    let after = t
        .get(&format!("/api/courses/{c}"), admin.token())
        .await
        .expect(200);
    assert_eq!(after.body["lessonCount"], detail.body["lessonCount"]);
}
