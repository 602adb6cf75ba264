//! Search through HTTP: the index the stream keeps (here read from the emulator's
//! stream as Lambda would), prefixes of several words, ranking, types, what each
//! caller may see, and no company finding another's items.

use std::sync::OnceLock;

use campus::AppState;
use campus_local::streams::StreamReader;
use campus_tests::{Account, app, config, course_with_lessons, join, new_company};
use serde_json::json;

/// Applies every write so far to the index, as the stream's Lambda would.
async fn indexed() {
    static READER: OnceLock<(AppState, StreamReader)> = OnceLock::new();
    let (state, reader) = READER.get_or_init(|| {
        let cfg = config(&app().settings);
        (
            campus_tests::function_state(&app().settings, "search-indexer"),
            StreamReader::new(&cfg),
        )
    });
    reader.drain_once(state).await.expect("the stream is read");
}

async fn search(by: &Account, q: &str) -> Vec<(String, String)> {
    let r = app()
        .get(
            &format!(
                "/api/search?{}",
                serde_urlencoded::to_string([("q", q)]).unwrap()
            ),
            by.token(),
        )
        .await
        .expect(200);
    r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["type"].as_str().unwrap().to_string(),
                i["id"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn has(hits: &[(String, String)], kind: &str, id: &str) -> bool {
    hits.iter().any(|(k, i)| k == kind && i == id)
}

#[tokio::test]
async fn a_new_course_is_found_by_the_prefixes_of_two_words_in_its_company_only() {
    let admin = new_company().await;
    let learner = join(&admin, "participant").await;
    let outsider = new_company().await;
    let (course, _) = course_with_lessons(&admin, "Fire Safety Basics", "published", 0).await;
    let (other, _) = course_with_lessons(&outsider, "Fire Safety Basics", "published", 0).await;
    indexed().await;

    let hits = search(&learner, "fire saf").await;
    assert_eq!(
        hits.first(),
        Some(&("course".to_string(), course.clone())),
        "{hits:?}"
    );
    assert!(!has(&hits, "course", &other), "another company's course");
    let theirs = search(&outsider, "fire saf").await;
    assert!(has(&theirs, "course", &other) && !has(&theirs, "course", &course));
    // Every word must match.
    assert!(search(&learner, "fire drills").await.is_empty());
}

#[tokio::test]
async fn the_index_follows_changes_and_deletions() {
    let t = app();
    let admin = new_company().await;
    let (course, _) = course_with_lessons(&admin, "Ladder inspection", "published", 0).await;
    indexed().await;
    assert!(has(&search(&admin, "ladder").await, "course", &course));
    let c = t
        .get(&format!("/api/courses/{course}"), admin.token())
        .await
        .expect(200);
    t.put(
        &format!("/api/courses/{course}"),
        admin.token(),
        json!({"title": "Scaffold inspection", "description": "", "difficulty": "beginner", "durationWeeks": 1,
               "tags": [], "status": "published", "version": c.body["version"]}),
    )
    .await
    .expect(200);
    indexed().await;
    assert!(
        search(&admin, "ladder").await.is_empty(),
        "the old title is gone"
    );
    assert!(has(
        &search(&admin, "scaffold insp").await,
        "course",
        &course
    ));
    t.delete(&format!("/api/courses/{course}"), admin.token())
        .await
        .expect(204);
    indexed().await;
    assert!(search(&admin, "scaffold").await.is_empty());
}

#[tokio::test]
async fn results_are_ranked_and_filtered_by_type() {
    let t = app();
    let admin = new_company().await;
    let (in_title, _) = course_with_lessons(&admin, "Forklift driving", "published", 0).await;
    let c = t
        .post(
            "/api/courses",
            admin.token(),
            json!({"title": "Warehouse basics", "description": "Includes forklifts and pallets", "difficulty": "beginner",
                   "durationWeeks": 1, "tags": [], "status": "published"}),
        )
        .await
        .expect(201);
    let in_body = c.body["id"].as_str().unwrap().to_string();
    let item = t
        .post(
            "/api/inventory",
            admin.token(),
            json!({"name": "Forklift battery", "sku": "FLB-77", "category": "Spares", "quantity": 2}),
        )
        .await
        .expect(201);
    let item = item.body["id"].as_str().unwrap().to_string();
    indexed().await;

    let hits = search(&admin, "forklift").await;
    let pos = |kind: &str, id: &str| hits.iter().position(|(k, i)| k == kind && i == id);
    assert!(
        pos("course", &in_title).unwrap() < pos("course", &in_body).unwrap(),
        "{hits:?}"
    );
    assert!(pos("inventory", &item).is_some());
    let only = t
        .get("/api/search?q=forklift&types=inventory", admin.token())
        .await
        .expect(200);
    let kinds: Vec<&str> = only.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["inventory"]);
    assert_eq!(only.body["items"][0]["title"], "Forklift battery");
    assert!(only.body["items"][0]["score"].as_u64().unwrap() > 0);
    // By SKU too.
    assert!(has(&search(&admin, "flb").await, "inventory", &item));
    let limited = t
        .get("/api/search?q=forklift&limit=1", admin.token())
        .await
        .expect(200);
    assert_eq!(limited.body["items"].as_array().unwrap().len(), 1);

    // `query=` as clients of older systems send it; not both at once.
    let same = t
        .get("/api/search?query=forklift&limit=1", admin.token())
        .await
        .expect(200);
    assert_eq!(same.body, limited.body);
    t.get("/api/search?q=forklift&query=forklift", admin.token())
        .await
        .expect_error(400, "VALIDATION_FAILED");

    t.get("/api/search?q=a", admin.token())
        .await
        .expect_error(400, "VALIDATION_FAILED");
    t.get("/api/search?q=forklift&types=planets", admin.token())
        .await
        .expect_error(400, "VALIDATION_FAILED");
    t.get("/api/search?q=forklift", None)
        .await
        .expect_error(401, "UNAUTHENTICATED");
}

#[tokio::test]
async fn each_caller_finds_only_what_they_may_see() {
    let t = app();
    let admin = new_company().await;
    let learner = join(&admin, "participant").await;
    let author = join(&admin, "participant").await;
    let (draft, lessons) = course_with_lessons(&admin, "Quarterly drafting", "draft", 1).await;
    let cat = t
        .post(
            "/api/prompts/categories",
            admin.token(),
            json!({"name": "Writing"}),
        )
        .await
        .expect(201);
    let pending = t
        .post(
            "/api/prompts",
            author.token(),
            json!({"title": "Quarterly summary", "content": "Summarise the quarter", "categoryId": cat.body["id"]}),
        )
        .await
        .expect(201);
    let pending = pending.body["id"].as_str().unwrap().to_string();
    let private = t
        .post(
            "/api/calendar/events",
            admin.token(),
            json!({"title": "Quarterly review", "type": "meetup", "audience": "private",
                   "startsAt": "2099-05-01T10:00:00Z", "endsAt": "2099-05-01T11:00:00Z"}),
        )
        .await
        .expect(201);
    let private = private.body["id"].as_str().unwrap().to_string();
    let public = t
        .post(
            "/api/calendar/events",
            admin.token(),
            json!({"title": "Quarterly party", "type": "meetup", "audience": "company",
                   "startsAt": "2099-05-02T10:00:00Z", "endsAt": "2099-05-02T11:00:00Z"}),
        )
        .await
        .expect(201);
    let public = public.body["id"].as_str().unwrap().to_string();
    indexed().await;

    let everything = search(&admin, "quarterly").await;
    assert!(has(&everything, "course", &draft), "{everything:?}");
    assert!(has(&everything, "prompt", &pending));
    assert!(has(&everything, "event", &private), "its creator");
    let lesson = search(&admin, "lesson").await;
    assert!(has(&lesson, "lesson", &lessons[0]), "{lesson:?}");

    let seen = search(&learner, "quarterly").await;
    assert_eq!(
        seen,
        vec![("event".to_string(), public.clone())],
        "drafts, others' pending prompts and private events stay hidden"
    );
    assert!(
        !has(&search(&learner, "lesson").await, "lesson", &lessons[0]),
        "a draft course's lesson"
    );
    assert!(
        has(&search(&author, "quarterly").await, "prompt", &pending),
        "one's own prompt"
    );

    // People: managers find anyone, others only themselves.
    let by_name = search(&learner, "participant").await;
    assert_eq!(by_name, vec![("user".to_string(), learner.user_id.clone())]);
    let by_admin = search(&admin, "participant").await;
    assert!(has(&by_admin, "user", &author.user_id) && has(&by_admin, "user", &learner.user_id));
}

#[tokio::test]
async fn the_indexer_takes_the_stream_event_lambda_sends() {
    let t = app();
    let admin = new_company().await;
    let item = t
        .post(
            "/api/inventory",
            admin.token(),
            json!({"name": "Crane hook", "sku": "CR-1", "category": "Lifting", "quantity": 4}),
        )
        .await
        .expect(201);
    let id = item.body["id"].as_str().unwrap().to_string();
    indexed().await;
    assert!(has(&search(&admin, "crane").await, "inventory", &id));
    // The record a rename would bring, as Lambda delivers it.
    let key = campus::db::keys::inventory_item(&admin.company_id, &id);
    let event = include_str!("../../../events/search-indexer/stream-modify.json")
        .replace("{{pk}}", &key.pk)
        .replace("{{sk}}", &key.sk)
        .replace("{{id}}", &id)
        .replace("{{companyId}}", &admin.company_id);
    let state = campus_tests::function_state(&t.settings, "search-indexer");
    let out = campus_search_indexer::handle(&state, serde_json::from_str(&event).unwrap())
        .await
        .unwrap();
    assert_eq!(out["deleted"], 1, "the term 'crane': {out}");
    assert!(search(&admin, "crane").await.is_empty());
    assert!(has(&search(&admin, "winch").await, "inventory", &id));
}

#[tokio::test]
async fn a_priced_courses_lessons_are_found_only_by_those_it_is_open_to() {
    let t = app();
    let admin = new_company().await;
    let learner = join(&admin, "participant").await;
    let (course, lessons) = course_with_lessons(&admin, "Paid welding", "published", 1).await;
    campus_tests::set_price(&admin, &course, "Paid welding", 900).await;
    indexed().await;
    // A lesson's title and content are indexed: search is no way round the price.
    assert!(has(&search(&admin, "lesson").await, "lesson", &lessons[0]));
    assert!(!has(
        &search(&learner, "lesson").await,
        "lesson",
        &lessons[0]
    ));
    t.post(
        "/api/team/assign-course",
        admin.token(),
        json!({"courseId": course, "userIds": [learner.user_id]}),
    )
    .await
    .expect(200);
    assert!(has(
        &search(&learner, "lesson").await,
        "lesson",
        &lessons[0]
    ));
}
