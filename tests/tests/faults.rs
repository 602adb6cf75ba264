//! Faults of the AWS side, through the HTTP path: the API talks to the real
//! emulator through a proxy that can stop listening, answer AWS's 500, or hang. The
//! answers are 503 `UNAVAILABLE` with `Retry-After` (never a hang or a 500), and a
//! write interrupted at any step leaves no half-made state behind.

use campus_tests::{
    Account, PASSWORD, TestApp, app_with,
    faults::{Mode, proxy},
    join, new_company, team_led_by, unique_email,
};
use serde_json::json;

/// The tests share one proxy, so they take turns.
static TURN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn t() -> &'static TestApp {
    let p = proxy();
    // Short waits, so a hang is cut quickly; two tries, as the tests elsewhere.
    app_with(&[
        ("AWS_ENDPOINT_URL", p.url.as_str()),
        ("AWS_TIMEOUT_MS", "500"),
        ("AWS_MAX_ATTEMPTS", "2"),
    ])
}

#[track_caller]
fn unavailable(r: campus_tests::Resp) {
    let r = r.expect_error(503, "UNAVAILABLE");
    let wait: u64 = r
        .header("retry-after")
        .and_then(|v| v.parse().ok())
        .expect("Retry-After");
    assert!((1..=60).contains(&wait), "Retry-After {wait}");
}

async fn course_count(who: &Account) -> usize {
    t().get("/api/courses?scope=catalog&status=draft", who.token())
        .await
        .expect(200)
        .body["items"]
        .as_array()
        .map(Vec::len)
        .unwrap_or_default()
}

#[tokio::test]
async fn a_stopped_emulator_answers_503_and_the_api_recovers_when_it_is_back() {
    let _turn = TURN.lock().await;
    t();
    let ada = new_company().await;
    let course = json!({"title": "While down", "description": "", "difficulty": "beginner", "durationWeeks": 1, "tags": [], "status": "draft"});

    proxy().stop();
    unavailable(t().get("/api/auth/me", ada.token()).await);
    unavailable(t().post("/api/courses", ada.token(), course.clone()).await);
    unavailable(t().login(&ada.email, PASSWORD).await);
    // Liveness does not need the table; the deep check names what failed.
    t().get("/api/health", None).await.expect(200);
    let deep = t().get("/api/health?deep=true", None).await.expect(503);
    assert_eq!(
        deep.body["checks"]["dynamodb"].as_str().map(|s| s != "ok"),
        Some(true),
        "{}",
        deep.body
    );
    proxy().start();

    t().get("/api/auth/me", ada.token()).await.expect(200);
    assert_eq!(
        course_count(&ada).await,
        0,
        "the refused create made nothing"
    );
    t().post("/api/courses", ada.token(), course)
        .await
        .expect(201);
}

#[tokio::test]
async fn errors_and_hangs_of_the_emulator_answer_503() {
    let _turn = TURN.lock().await;
    t();
    let ada = new_company().await;

    proxy().set(Mode::Fail);
    unavailable(t().get("/api/courses", ada.token()).await);
    unavailable(
        t().post("/api/teams", ada.token(), json!({"name": "Crew"}))
            .await,
    );
    // A hang is cut by the attempt timeout, then answered.
    proxy().set(Mode::Hang);
    unavailable(t().get("/api/courses", ada.token()).await);
    proxy().set(Mode::Pass);

    let teams = t().get("/api/teams", ada.token()).await.expect(200);
    assert_eq!(teams.body["items"].as_array().map(Vec::len), Some(0));
}

/// Registration writes the company, the user, the credential, the session and the
/// welcome mail: interrupted at each of its calls in turn, it either happened whole
/// or not at all, and the same email can then register (or sign in).
#[tokio::test]
async fn a_registration_interrupted_at_any_step_is_whole_or_absent() {
    let _turn = TURN.lock().await;
    t();
    for step in 0.. {
        let email = unique_email("interrupted");
        let body =
            json!({"email": email, "password": PASSWORD, "name": "Ida", "companyName": "Halfway"});
        proxy().set(Mode::FailAfter(step));
        let r = t().post("/api/auth/register", None, body.clone()).await;
        proxy().set(Mode::Pass);
        match r.status {
            201 => {
                t().login(&email, PASSWORD).await.expect(200);
                assert!(step > 0, "registration needs the table");
                break;
            }
            503 => {
                unavailable(r);
                // Nothing of it is left: the email is free, nobody can sign in as it.
                t().login(&email, PASSWORD)
                    .await
                    .expect_error(401, "INVALID_CREDENTIALS");
                t().post("/api/auth/register", None, body).await.expect(201);
            }
            s => panic!("step {step}: {s} {}", r.body),
        }
        assert!(step < 50, "registration never finished");
    }
}

/// Deleting a user takes several calls (their own items, their files and
/// certificates, their team memberships, then the user with the credential and the
/// seat). Interrupted at each step in turn, the user is still there, and repeating
/// the DELETE finishes the job with every count right.
#[tokio::test]
async fn a_user_deletion_interrupted_at_any_step_finishes_on_retry() {
    let _turn = TURN.lock().await;
    t();
    let admin = new_company().await;
    for step in 0.. {
        let member = join(&admin, "participant").await;
        let team = team_led_by(&admin, &[&member]).await;
        let path = format!("/api/users/{}", member.user_id);
        proxy().set(Mode::FailAfter(step));
        let r = t().delete(&path, admin.token()).await;
        proxy().set(Mode::Pass);
        let finished = match r.status {
            204 => true,
            503 => {
                unavailable(r);
                // Not half gone: the user is still listed and can be deleted again.
                t().get(&path, admin.token()).await.expect(200);
                t().delete(&path, admin.token()).await.expect(204);
                false
            }
            s => panic!("step {step}: {s} {}", r.body),
        };
        t().get(&path, admin.token())
            .await
            .expect_error(404, "NOT_FOUND");
        let team = t()
            .get(&format!("/api/teams/{team}"), admin.token())
            .await
            .expect(200);
        // The admin, its lead, is the one member left.
        assert_eq!(team.body["memberCount"], 1, "step {step}: {}", team.body);
        let company = t().get("/api/company", admin.token()).await.expect(200);
        assert_eq!(
            company.body["seatsUsed"], 1,
            "step {step}: {}",
            company.body
        );
        if finished {
            break;
        }
        assert!(step < 50, "the deletion never finished");
    }
}

/// A stream batch the index cannot be written for names the record Lambda should
/// retry from (ReportBatchItemFailures), rather than failing or dropping the batch;
/// once the table is back the same batch goes through with nothing to retry.
#[tokio::test]
async fn a_failed_search_batch_names_the_record_to_retry_from() {
    let _turn = TURN.lock().await;
    let t = t();
    let admin = new_company().await;
    let key = campus::db::keys::inventory_item(&admin.company_id, "item-1");
    let event: serde_json::Value = serde_json::from_str(
        &include_str!("../../events/search-indexer/stream-modify.json")
            .replace("{{pk}}", &key.pk)
            .replace("{{sk}}", &key.sk)
            .replace("{{id}}", "item-1")
            .replace("{{companyId}}", &admin.company_id),
    )
    .unwrap();
    let state = campus_tests::function_state(&t.settings, "search-indexer");
    proxy().set(Mode::Fail);
    let out = campus_search_indexer::handle(&state, event.clone()).await;
    proxy().set(Mode::Pass);
    let out = out.expect("a failed record is reported, not an error");
    assert_eq!(
        out["batchItemFailures"],
        json!([{"itemIdentifier": "4100000000000000000001"}]),
        "{out}"
    );
    let out = campus_search_indexer::handle(&state, event).await.unwrap();
    assert_eq!(out["batchItemFailures"], json!([]), "{out}");
    assert!(out["put"].as_u64().unwrap() > 0, "{out}");
}
