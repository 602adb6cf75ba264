//! On a table of the volume users reach, not a fresh one: ten thousand real items
//! (notifications) are loaded before these tests, most of them other companies', a
//! few thousand the tested admin's own. Through the HTTP path, behind the fault
//! proxy (which counts and can delay what reaches the emulator):
//! - a transaction completes within one SDK attempt of a second;
//! - a refused conditional write does not stop the search index (the stream reader
//!   keeps up with everything written after it);
//! - a write whose answer was lost is retried and answered as the first attempt
//!   went, not 409 by its own first attempt's write.

use campus::{
    aws::Aws,
    db::{Db, to_stored_item},
    model::Notification,
};
use campus_local::streams::StreamReader;
use campus_tests::{
    Account, PASSWORD, TestApp, app_with, config, endpoint,
    faults::{Mode, proxy},
    new_company, unique_email,
};
use serde_json::json;
use tokio::sync::{Mutex, OnceCell};

const OTHERS: usize = 7_000;
const OWN: usize = 3_000;

/// The tests share the proxy's mode and counts: one at a time.
static TURN: Mutex<()> = Mutex::const_new(());

fn t() -> &'static TestApp {
    app_with(&[
        ("AWS_ENDPOINT_URL", proxy().url.as_str()),
        ("AWS_TIMEOUT_MS", "1000"),
        // Three: the operation timeout (attempts × 1 s) leaves a retry room after its backoff.
        ("AWS_MAX_ATTEMPTS", "3"),
    ])
}

/// The admin whose company holds the tested data, once the table is full, and the
/// id of the admin's newest notification.
async fn loaded() -> &'static (Account, String) {
    static ADMIN: OnceCell<(Account, String)> = OnceCell::const_new();
    ADMIN
        .get_or_init(|| async {
            t();
            let admin = new_company().await;
            // Straight to the emulator: loading is not what is tested.
            let mut settings = t().settings.clone();
            settings.insert("AWS_ENDPOINT_URL".into(), endpoint());
            let cfg = config(&settings);
            let db = Db::new(
                Aws::new(&cfg).dynamodb(),
                cfg.table_name.clone(),
                cfg.jwt_secret.as_ref().map_or("", |s| s.expose()),
            );
            let mut items = Vec::with_capacity(OTHERS + OWN);
            for i in 0..OTHERS {
                let (company, user) = (format!("other{:02}", i % 70), format!("u{}", i % 350));
                items.push(to_stored_item(&notification(&company, &user, i)).expect("an item"));
            }
            let mut newest = String::new();
            for i in 0..OWN {
                let n = notification(&admin.company_id, &admin.user_id, i);
                newest = newest.max(n.id.clone());
                items.push(to_stored_item(&n).expect("an item"));
            }
            for chunk in items.chunks(500) {
                db.put_items(chunk.to_vec()).await.expect("loaded");
            }
            (admin, newest)
        })
        .await
}

fn notification(company: &str, user: &str, i: usize) -> Notification {
    Notification::new(
        company,
        user,
        "course_assigned",
        format!("Course {i} assigned"),
        "A course was assigned to you; it is due in two weeks. ".repeat(4),
        Some(format!("/courses/{i}")),
    )
}

/// The ids of a list's items, in order.
fn ids(list: &campus_tests::Resp) -> Vec<&str> {
    list.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["id"].as_str())
        .collect()
}

async fn register(email: &str) -> campus_tests::Resp {
    t().post(
        "/api/auth/register",
        None,
        json!({"email": email, "password": PASSWORD, "name": "Vol Ume", "companyName": "Volume"}),
    )
    .await
}

#[tokio::test]
async fn a_transaction_on_a_full_table_completes_in_one_attempt() {
    let _turn = TURN.lock().await;
    let (admin, newest) = loaded().await;
    proxy().set(Mode::Pass);
    let before = proxy().forwarded("TransactWriteItems");
    register(&unique_email("fresh")).await.expect(201);
    t().post(
        "/api/courses",
        admin.token(),
        json!({"title": "Volume", "description": "", "difficulty": "beginner", "durationWeeks": 1, "tags": [], "status": "draft"}),
    )
    .await
    .expect(201);
    assert_eq!(
        proxy().forwarded("TransactWriteItems") - before,
        2,
        "each transaction done in its first attempt"
    );
    // The admin's own partition of thousands answers a page, newest first.
    let page = t()
        .get("/api/notifications?limit=20", admin.token())
        .await
        .expect(200);
    let ids = ids(&page);
    assert_eq!(ids.len(), 20);
    assert_eq!(ids[0], newest.as_str());
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "newest first: {ids:?}");
    assert!(page.body["nextCursor"].is_string(), "{}", page.body);
}

#[tokio::test]
async fn a_refused_write_does_not_stop_search_indexing() {
    let _turn = TURN.lock().await;
    let (admin, _) = loaded().await;
    proxy().set(Mode::Pass);
    let cfg = config(&t().settings);
    let (state, reader) = (
        campus_tests::function_state(&t().settings, "search-indexer"),
        StreamReader::new(&cfg),
    );
    // The reader is under way (holding its place in the stream) before the refusal.
    reader.drain_once(&state).await.expect("the stream is read");
    register(&admin.email).await.expect_error(409, "CONFLICT");
    let course = t()
        .post(
            "/api/courses",
            admin.token(),
            json!({"title": "Zephyrology after a refusal", "description": "", "difficulty": "beginner", "durationWeeks": 1, "tags": [], "status": "published"}),
        )
        .await
        .expect(201);
    reader.drain_once(&state).await.expect("the stream is read");
    let found = t()
        .get("/api/search?q=zephyrolo", admin.token())
        .await
        .expect(200);
    let ids = ids(&found);
    assert!(
        ids.contains(&course.body["id"].as_str().expect("id")),
        "the course written after the refused write is found: {}",
        found.body
    );
}

#[tokio::test]
async fn a_write_whose_answer_was_lost_is_not_answered_409_when_retried() {
    let _turn = TURN.lock().await;
    loaded().await;
    let email = unique_email("late");
    let before = proxy().forwarded("TransactWriteItems");
    // The first attempt's write goes in; its answer comes after the SDK gave up.
    proxy().set(Mode::AnswerLate {
        action: "TransactWriteItems",
        times: 1,
        ms: 1_500,
    });
    let r = register(&email).await;
    proxy().set(Mode::Pass);
    r.expect(201);
    assert_eq!(
        proxy().forwarded("TransactWriteItems") - before,
        2,
        "the SDK retried"
    );
    // One account: it signs in, and registering it again is the conflict.
    t().login(&email, PASSWORD).await.expect(200);
    register(&email).await.expect_error(409, "CONFLICT");
}
