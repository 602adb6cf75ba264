//! The prompt library through HTTP: categories, participants' prompts waiting for
//! review, versions, who may see and change what, uses and their figures, and no
//! company seeing another's prompts.

use campus_tests::{Account, app, join, new_company, new_company_on};
use serde_json::{Value, json};

async fn category(admin: &Account, name: &str) -> String {
    let r = app()
        .post(
            "/api/prompts/categories",
            admin.token(),
            json!({"name": name}),
        )
        .await
        .expect(201);
    r.body["id"].as_str().unwrap().to_string()
}

fn prompt(title: &str, category_id: &str, tags: &[&str]) -> Value {
    json!({"title": title, "content": format!("Write about {{{{topic}}}} for {title}"),
           "categoryId": category_id, "tags": tags, "variables": ["topic"]})
}

async fn decide(by: &Account, id: &str, body: Value) -> campus_tests::Resp {
    app()
        .put(&format!("/api/prompts/approvals/{id}"), by.token(), body)
        .await
}

async fn create(by: &Account, body: Value) -> Value {
    app()
        .post("/api/prompts", by.token(), body)
        .await
        .expect(201)
        .body
}

fn ids(body: &Value) -> Vec<String> {
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn categories_are_kept_by_admins_with_unique_names() {
    let t = app();
    let admin = new_company().await;
    let manager = join(&admin, "manager").await;
    let learner = join(&admin, "participant").await;
    category(&admin, "Writing").await;
    category(&admin, "Analysis").await;
    t.post(
        "/api/prompts/categories",
        admin.token(),
        json!({"name": "writing"}),
    )
    .await
    .expect_error(409, "CONFLICT");
    t.post(
        "/api/prompts/categories",
        manager.token(),
        json!({"name": "Other"}),
    )
    .await
    .expect_error(403, "FORBIDDEN");
    t.post(
        "/api/prompts/categories",
        admin.token(),
        json!({"name": "  "}),
    )
    .await
    .expect_error(400, "VALIDATION_FAILED");
    t.get("/api/prompts/categories", None)
        .await
        .expect_error(401, "UNAUTHENTICATED");
    let all = t
        .get("/api/prompts/categories", learner.token())
        .await
        .expect(200);
    let names: Vec<&str> = all.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Analysis", "Writing"]);
    // A prompt must name one of the company's categories.
    t.post(
        "/api/prompts",
        learner.token(),
        prompt("X", "01JDZZZZZZZZZZZZZZZZZZZZZZ", &[]),
    )
    .await
    .expect_error(400, "VALIDATION_FAILED");
}

#[tokio::test]
async fn a_participants_prompt_waits_for_review_and_its_author_is_told() {
    let t = app();
    let admin = new_company().await;
    let manager = join(&admin, "manager").await;
    let author = join(&admin, "participant").await;
    let other = join(&admin, "participant").await;
    let cat = category(&admin, "Writing").await;

    let mine = create(&author, prompt("Cover letter", &cat, &["Career", "career"])).await;
    assert_eq!(mine["status"], "pending");
    assert_eq!(
        mine["tags"],
        json!(["career"]),
        "tags are kept lower-case, once"
    );
    let id = mine["id"].as_str().unwrap();
    let by_manager = create(&manager, prompt("Meeting notes", &cat, &[])).await;
    assert_eq!(by_manager["status"], "approved");

    // Pending: its author and managers see it; other participants do not.
    t.get(&format!("/api/prompts/{id}"), other.token())
        .await
        .expect_error(404, "NOT_FOUND");
    assert_eq!(
        ids(&t.get("/api/prompts", other.token()).await.expect(200).body),
        [by_manager["id"].as_str().unwrap()]
    );
    assert_eq!(
        ids(&t.get("/api/prompts", author.token()).await.expect(200).body).len(),
        2
    );
    t.get(&format!("/api/prompts/{id}"), manager.token())
        .await
        .expect(200);

    t.get("/api/prompts/approvals/requests", author.token())
        .await
        .expect_error(403, "FORBIDDEN");
    let queue = t
        .get("/api/prompts/approvals/requests", manager.token())
        .await
        .expect(200);
    assert_eq!(ids(&queue.body), [id]);
    let pending = t
        .get("/api/prompts?status=pending", manager.token())
        .await
        .expect(200);
    assert_eq!(ids(&pending.body), [id]);

    decide(&author, id, json!({"status": "approved"}))
        .await
        .expect_error(403, "FORBIDDEN");
    decide(&manager, id, json!({"status": "maybe"}))
        .await
        .expect_error(400, "VALIDATION_FAILED");
    let approved = decide(
        &manager,
        id,
        json!({"status": "approved", "comment": "Nice one"}),
    )
    .await
    .expect(200);
    assert_eq!(approved.body["status"], "approved");
    assert_eq!(approved.body["reviewComment"], "Nice one");
    assert_eq!(approved.body["reviewedBy"], manager.user_id.as_str());
    // Reviewed once: a second decision has nothing to decide.
    decide(&manager, id, json!({"status": "rejected"}))
        .await
        .expect_error(409, "CONFLICT");
    let queue = t
        .get("/api/prompts/approvals/requests", manager.token())
        .await
        .expect(200);
    assert!(ids(&queue.body).is_empty(), "{}", queue.body);
    t.get(&format!("/api/prompts/{id}"), other.token())
        .await
        .expect(200);

    let notes = t
        .get("/api/notifications", author.token())
        .await
        .expect(200);
    let note = notes.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["type"] == "prompt_reviewed")
        .unwrap_or_else(|| panic!("no review notification: {}", notes.body));
    assert_eq!(note["title"], "Your prompt was approved");
    assert!(
        note["body"].as_str().unwrap().contains("Nice one"),
        "{note}"
    );
}

#[tokio::test]
async fn every_change_is_a_version_and_a_participants_change_is_reviewed_again() {
    let t = app();
    let admin = new_company().await;
    let manager = join(&admin, "manager").await;
    let author = join(&admin, "participant").await;
    let other = join(&admin, "participant").await;
    let cat = category(&admin, "Writing").await;
    let first = create(&author, prompt("Draft", &cat, &[])).await;
    let id = first["id"].as_str().unwrap();
    decide(&manager, id, json!({"status": "approved"}))
        .await
        .expect(200);

    // Another participant sees it now, but may not change or delete it.
    let mut change = prompt("Draft, improved", &cat, &["edited"]);
    change["version"] = json!(1);
    t.put(&format!("/api/prompts/{id}"), other.token(), change.clone())
        .await
        .expect_error(403, "FORBIDDEN");
    t.delete(&format!("/api/prompts/{id}"), other.token())
        .await
        .expect_error(403, "FORBIDDEN");

    let changed = t
        .put(
            &format!("/api/prompts/{id}"),
            author.token(),
            change.clone(),
        )
        .await
        .expect(200);
    assert_eq!(changed.body["version"], 2);
    assert_eq!(changed.body["status"], "pending", "back to review");
    t.get(&format!("/api/prompts/{id}"), other.token())
        .await
        .expect_error(404, "NOT_FOUND");
    // The version read is stale now.
    t.put(&format!("/api/prompts/{id}"), author.token(), change)
        .await
        .expect_error(409, "CONFLICT");

    // A manager's change is approved as it is made.
    let mut by_manager = prompt("Draft, final", &cat, &[]);
    by_manager["version"] = json!(2);
    let fin = t
        .put(&format!("/api/prompts/{id}"), manager.token(), by_manager)
        .await
        .expect(200);
    assert_eq!(fin.body["status"], "approved");

    let versions = t
        .get(&format!("/api/prompts/{id}/versions"), author.token())
        .await
        .expect(200);
    let titles: Vec<&str> = versions.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["Draft, final", "Draft, improved", "Draft"]);
    assert_eq!(versions.body["items"][1]["status"], "pending");
    assert_eq!(
        versions.body["items"][0]["createdBy"],
        manager.user_id.as_str()
    );

    t.delete(&format!("/api/prompts/{id}"), author.token())
        .await
        .expect(204);
    t.get(&format!("/api/prompts/{id}"), author.token())
        .await
        .expect_error(404, "NOT_FOUND");
    t.get(&format!("/api/prompts/{id}/versions"), manager.token())
        .await
        .expect_error(404, "NOT_FOUND");
}

#[tokio::test]
async fn a_rejected_prompt_keeps_the_reviewers_comment() {
    let t = app();
    let admin = new_company().await;
    let author = join(&admin, "participant").await;
    let cat = category(&admin, "Writing").await;
    let p = create(&author, prompt("Too vague", &cat, &[])).await;
    let id = p["id"].as_str().unwrap();
    let r = decide(
        &admin,
        id,
        json!({"status": "rejected", "comment": "Say who it is for", "version": 1}),
    )
    .await
    .expect(200);
    assert_eq!(r.body["status"], "rejected");
    let seen = t
        .get(&format!("/api/prompts/{id}"), author.token())
        .await
        .expect(200);
    assert_eq!(seen.body["reviewComment"], "Say who it is for");
    let rejected = t
        .get("/api/prompts?status=rejected", author.token())
        .await
        .expect(200);
    assert_eq!(ids(&rejected.body), [id]);
}

#[tokio::test]
async fn filters_find_by_category_tag_and_text() {
    let t = app();
    let admin = new_company().await;
    let learner = join(&admin, "participant").await;
    let writing = category(&admin, "Writing").await;
    let code = category(&admin, "Code").await;
    let a = create(&admin, prompt("Release notes", &writing, &["product"])).await;
    let b = create(
        &admin,
        prompt("Review a pull request", &code, &["review", "product"]),
    )
    .await;
    let c = create(&admin, prompt("Explain a regex", &code, &[])).await;
    let id = |v: &Value| v["id"].as_str().unwrap().to_string();

    let all = t.get("/api/prompts", learner.token()).await.expect(200);
    assert_eq!(ids(&all.body), [id(&c), id(&b), id(&a)], "newest first");
    let by_cat = t
        .get(&format!("/api/prompts?categoryId={code}"), learner.token())
        .await
        .expect(200);
    assert_eq!(ids(&by_cat.body), [id(&c), id(&b)]);
    let by_tag = t
        .get("/api/prompts?tag=PRODUCT", learner.token())
        .await
        .expect(200);
    assert_eq!(ids(&by_tag.body), [id(&b), id(&a)]);
    let by_text = t
        .get("/api/prompts?q=regex", learner.token())
        .await
        .expect(200);
    assert_eq!(ids(&by_text.body), [id(&c)]);
    t.get("/api/prompts?status=archived", learner.token())
        .await
        .expect_error(400, "VALIDATION_FAILED");
}

#[tokio::test]
async fn uses_are_counted_per_prompt_day_and_user() {
    let t = app();
    let admin = new_company_on("core").await;
    let manager = join(&admin, "manager").await;
    let learner = join(&admin, "participant").await;
    let other = join(&admin, "participant").await;
    let cat = category(&admin, "Writing").await;
    let popular = create(&manager, prompt("Popular", &cat, &[])).await;
    let niche = create(&manager, prompt("Niche", &cat, &[])).await;
    let hidden = create(&other, prompt("Not yet approved", &cat, &[])).await;
    let use_of = |v: &Value| format!("/api/prompts/{}/use", v["id"].as_str().unwrap());

    for _ in 0..3 {
        t.post(&use_of(&popular), learner.token(), json!({}))
            .await
            .expect(204);
    }
    t.post(&use_of(&popular), manager.token(), json!({}))
        .await
        .expect(204);
    t.post(&use_of(&niche), manager.token(), json!({}))
        .await
        .expect(204);
    // Someone else's pending prompt cannot be used by a participant.
    t.post(&use_of(&hidden), learner.token(), json!({}))
        .await
        .expect_error(404, "NOT_FOUND");
    t.post(
        "/api/prompts/01JDZZZZZZZZZZZZZZZZZZZZZZ/use",
        learner.token(),
        json!({}),
    )
    .await
    .expect_error(404, "NOT_FOUND");

    t.get("/api/prompts/analytics/usage", learner.token())
        .await
        .expect_error(403, "FORBIDDEN");
    let u = t
        .get("/api/prompts/analytics/usage", manager.token())
        .await
        .expect(200);
    assert_eq!(u.body["total"], 5, "{}", u.body);
    assert_eq!(u.body["byDay"].as_array().unwrap().len(), 1);
    assert_eq!(u.body["byDay"][0]["uses"], 5);
    assert_eq!(u.body["topPrompts"][0]["promptId"], popular["id"]);
    assert_eq!(u.body["topPrompts"][0]["title"], "Popular");
    assert_eq!(u.body["topPrompts"][0]["uses"], 4);
    assert_eq!(u.body["topPrompts"][1]["uses"], 1);
    assert_eq!(u.body["topUsers"][0]["userId"], learner.user_id.as_str());
    assert_eq!(u.body["topUsers"][0]["uses"], 3);
    assert_eq!(u.body["topUsers"][0]["name"], "A participant");
    assert_eq!(u.body["topUsers"][1]["uses"], 2);

    let one = t
        .get(
            &format!(
                "/api/prompts/analytics/usage?promptId={}",
                niche["id"].as_str().unwrap()
            ),
            manager.token(),
        )
        .await
        .expect(200);
    assert_eq!(one.body["total"], 1);
    t.get(
        "/api/prompts/analytics/usage?from=2026-02-30",
        manager.token(),
    )
    .await
    .expect_error(400, "VALIDATION_FAILED");
    let past = t
        .get(
            "/api/prompts/analytics/usage?from=2020-01-01&to=2020-01-31",
            manager.token(),
        )
        .await
        .expect(200);
    assert_eq!(past.body["total"], 0);

    // The company's dashboard counts them too.
    let dash = t
        .get("/api/reports/dashboard", manager.token())
        .await
        .expect(200);
    assert_eq!(dash.body["promptUses30d"], 5, "{}", dash.body);
}

#[tokio::test]
async fn no_company_sees_or_reviews_anothers_prompts() {
    let t = app();
    let admin = new_company().await;
    let author = join(&admin, "participant").await;
    let outsider = new_company().await;
    let cat = category(&admin, "Writing").await;
    let shared = create(&admin, prompt("Ours", &cat, &[])).await;
    let pending = create(&author, prompt("Ours, pending", &cat, &[])).await;
    let sid = shared["id"].as_str().unwrap();
    let pid = pending["id"].as_str().unwrap();

    assert!(
        ids(&t
            .get("/api/prompts", outsider.token())
            .await
            .expect(200)
            .body)
        .is_empty()
    );
    t.get(&format!("/api/prompts/{sid}"), outsider.token())
        .await
        .expect_error(404, "NOT_FOUND");
    t.post(
        &format!("/api/prompts/{sid}/use"),
        outsider.token(),
        json!({}),
    )
    .await
    .expect_error(404, "NOT_FOUND");
    t.delete(&format!("/api/prompts/{sid}"), outsider.token())
        .await
        .expect_error(404, "NOT_FOUND");
    t.put(
        &format!("/api/prompts/approvals/{pid}"),
        outsider.token(),
        json!({"status": "approved"}),
    )
    .await
    .expect_error(404, "NOT_FOUND");
    assert!(
        ids(&t
            .get("/api/prompts/approvals/requests", outsider.token())
            .await
            .expect(200)
            .body)
        .is_empty()
    );
    // Another company's category cannot be used either.
    t.post(
        "/api/prompts",
        outsider.token(),
        prompt("Theirs", &cat, &[]),
    )
    .await
    .expect_error(400, "VALIDATION_FAILED");
}
