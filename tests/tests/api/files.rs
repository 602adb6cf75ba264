//! Files through HTTP and the local S3: a presigned POST whose policy fixes the key,
//! type and size; a real upload; the check (from `complete` and from the bucket's
//! event) that makes a good file `ready` and a lying or oversized one `rejected`;
//! downloads, avatars, who sees what.

use base64::Engine;
use campus::AppState;
use campus_tests::{Account, app, config, join, new_company};
use serde_json::{Value, json};

/// A real (1×1) PNG.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
    0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0xf0,
    0x1f, 0x00, 0x05, 0x00, 0x01, 0xff, 0x89, 0x99, 0x3d, 0x1d, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

async fn ask(
    by: &Account,
    filename: &str,
    content_type: &str,
    size: usize,
    purpose: &str,
) -> Value {
    app()
        .post(
            "/api/upload",
            by.token(),
            json!({"filename": filename, "contentType": content_type, "size": size, "purpose": purpose}),
        )
        .await
        .expect(201)
        .body
}

/// Posts the form as a browser would: every field, then the file.
async fn upload(ticket: &Value, bytes: &[u8]) {
    let mut form = reqwest::multipart::Form::new();
    for (k, v) in ticket["upload"]["fields"].as_object().unwrap() {
        form = form.text(k.clone(), v.as_str().unwrap().to_string());
    }
    let part = reqwest::multipart::Part::bytes(bytes.to_vec()).file_name("upload.bin");
    form = form.part("file", part);
    let url = ticket["upload"]["url"].as_str().unwrap();
    let r = reqwest::Client::new()
        .post(url)
        .multipart(form)
        .send()
        .await
        .expect("the local S3 answers");
    assert!(
        r.status().is_success(),
        "upload: {} {}",
        r.status(),
        r.text().await.unwrap_or_default()
    );
}

async fn complete(by: &Account, id: &str) -> campus_tests::Resp {
    app()
        .post(&format!("/api/files/{id}/complete"), by.token(), json!({}))
        .await
}

fn id(ticket: &Value) -> String {
    ticket["fileId"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn the_post_policy_fixes_key_type_and_size() {
    let user = new_company().await;
    let ticket = ask(&user, "../../etc/me.png", "image/PNG", 2048, "avatar").await;
    assert_eq!(ticket["file"]["status"], "pending");
    assert_eq!(ticket["file"]["filename"], "me.png", "no folder parts");
    assert_eq!(ticket["file"]["contentType"], "image/png");
    let fields = &ticket["upload"]["fields"];
    let key = fields["key"].as_str().unwrap();
    assert!(key.ends_with(&id(&ticket)), "{key}");
    assert_eq!(fields["Content-Type"], "image/png");
    assert_eq!(fields["x-amz-algorithm"], "AWS4-HMAC-SHA256");
    assert_eq!(
        fields["x-amz-signature"].as_str().unwrap().len(),
        64,
        "hex SHA-256"
    );
    let policy: Value = serde_json::from_slice(
        &base64::engine::general_purpose::STANDARD
            .decode(fields["policy"].as_str().unwrap())
            .unwrap(),
    )
    .unwrap();
    let conditions = policy["conditions"].as_array().unwrap();
    assert!(
        conditions.contains(&json!(["content-length-range", 1, 2048])),
        "{policy}"
    );
    assert!(
        conditions.contains(&json!({"Content-Type": "image/png"})),
        "{policy}"
    );
    assert!(conditions.contains(&json!({"key": key})), "{policy}");
    assert!(policy["expiration"].as_str().unwrap() <= ticket["expiresAt"].as_str().unwrap());
}

#[tokio::test]
async fn what_may_not_be_uploaded_is_refused() {
    let t = app();
    let user = new_company().await;
    let body = |ct: &str, size: u64, purpose: &str| json!({"filename": "x", "contentType": ct, "size": size, "purpose": purpose});
    t.post(
        "/api/upload",
        user.token(),
        body("application/pdf", 10, "avatar"),
    )
    .await
    .expect_error(415, "UNSUPPORTED_MEDIA_TYPE");
    t.post(
        "/api/upload",
        user.token(),
        body("text/html", 10, "attachment"),
    )
    .await
    .expect_error(415, "UNSUPPORTED_MEDIA_TYPE");
    t.post(
        "/api/upload",
        user.token(),
        body("image/png", 5 * 1024 * 1024 + 1, "avatar"),
    )
    .await
    .expect_error(413, "PAYLOAD_TOO_LARGE");
    t.post(
        "/api/upload",
        user.token(),
        body("application/pdf", 100 * 1024 * 1024 + 1, "course_material"),
    )
    .await
    .expect_error(413, "PAYLOAD_TOO_LARGE");
    t.post("/api/upload", user.token(), body("image/png", 0, "avatar"))
        .await
        .expect_error(400, "VALIDATION_FAILED");
    t.post(
        "/api/upload",
        user.token(),
        body("image/png", 10, "wallpaper"),
    )
    .await
    .expect_error(400, "VALIDATION_FAILED");
    t.post("/api/upload", None, body("image/png", 10, "avatar"))
        .await
        .expect_error(401, "UNAUTHENTICATED");
}

#[tokio::test]
async fn a_good_png_becomes_ready_and_the_owners_avatar() {
    let t = app();
    let user = new_company().await;
    let ticket = ask(&user, "me.png", "image/png", PNG.len() + 100, "avatar").await;
    let fid = id(&ticket);
    // Nothing uploaded yet: nothing to check.
    complete(&user, &fid).await.expect_error(409, "CONFLICT");
    upload(&ticket, PNG).await;
    let done = complete(&user, &fid).await.expect(200);
    assert_eq!(done.body["status"], "ready", "{}", done.body);
    assert_eq!(done.body["size"], PNG.len(), "the real size");
    // Asked again: the same answer.
    let again = complete(&user, &fid).await.expect(200);
    assert_eq!(again.body["status"], "ready");

    let url = done.body["downloadUrl"].as_str().unwrap();
    let got = reqwest::get(url).await.unwrap();
    assert_eq!(got.status(), 200);
    assert_eq!(got.bytes().await.unwrap().as_ref(), PNG);

    let me = t.get("/api/auth/me", user.token()).await.expect(200);
    let avatar = me.body["user"]["avatarUrl"]
        .as_str()
        .unwrap_or_else(|| panic!("no avatarUrl: {}", me.body))
        .to_string();
    let path = &avatar[avatar.find("/api/").unwrap()..];
    // Public (an <img src>): no token.
    let redirect = t.get(path, None).await.expect(302);
    let target = redirect.header("location").unwrap().to_string();
    let img = reqwest::get(&target).await.unwrap();
    assert_eq!(img.bytes().await.unwrap().as_ref(), PNG);

    // Only avatars answer there.
    let doc = ask(&user, "notes.txt", "text/plain", 5, "attachment").await;
    upload(&doc, b"hello").await;
    complete(&user, &id(&doc)).await.expect(200);
    let other = path.replace(&fid, &id(&doc));
    t.get(&other, None).await.expect_error(404, "NOT_FOUND");
}

#[tokio::test]
async fn bytes_that_lie_about_their_type_or_size_are_rejected_and_deleted() {
    let user = new_company().await;
    let liar = ask(&user, "cat.png", "image/png", 100, "attachment").await;
    upload(&liar, b"%PDF-1.7\nnot a picture at all").await;
    let r = complete(&user, &id(&liar)).await.expect(200);
    assert_eq!(r.body["status"], "rejected");
    assert!(
        r.body["rejection"]
            .as_str()
            .unwrap()
            .contains("not image/png"),
        "{}",
        r.body
    );
    assert!(r.body.get("downloadUrl").is_none());

    let big = ask(&user, "big.png", "image/png", 20, "attachment").await;
    upload(&big, PNG).await;
    let r = complete(&user, &id(&big)).await.expect(200);
    assert_eq!(r.body["status"], "rejected");
    assert!(
        r.body["rejection"]
            .as_str()
            .unwrap()
            .contains("more than the 20 declared"),
        "{}",
        r.body
    );
    // The objects are gone from the bucket.
    let state = AppState::new(config(&app().settings));
    for f in [&liar, &big] {
        let key = f["upload"]["fields"]["key"].as_str().unwrap();
        assert!(
            state.storage.head_bytes(key, 16).await.unwrap().is_none(),
            "{key} is still there"
        );
    }
}

#[tokio::test]
async fn the_buckets_event_checks_an_upload_nobody_completed() {
    let t = app();
    let user = new_company().await;
    let good = ask(
        &user,
        "slides.pdf",
        "application/pdf",
        64,
        "course_material",
    )
    .await;
    let bad = ask(&user, "fake.pdf", "application/pdf", 64, "course_material").await;
    upload(&good, b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n").await;
    upload(&bad, b"MZ\x90\0 an executable").await;
    // What the Lambda gets from the bucket, here through the emulator's queue.
    let state = campus_tests::function_state(&t.settings, "upload-checker");
    let sqs = campus_local::uploads::sqs(&state.config);
    let url = campus_local::uploads::queue_url(&sqs, &state.config)
        .await
        .unwrap();
    let mut statuses = (Value::Null, Value::Null);
    for _ in 0..50 {
        campus_local::uploads::drain_once(&state, &sqs, &url)
            .await
            .unwrap();
        let g = t
            .get(&format!("/api/files/{}", id(&good)), user.token())
            .await
            .expect(200);
        let b = t
            .get(&format!("/api/files/{}", id(&bad)), user.token())
            .await
            .expect(200);
        statuses = (g.body["status"].clone(), b.body["status"].clone());
        if statuses.0 != "pending" && statuses.1 != "pending" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(statuses, (json!("ready"), json!("rejected")));
}

#[tokio::test]
async fn files_are_their_owners_and_managers_only() {
    let t = app();
    let admin = new_company().await;
    let manager = join(&admin, "manager").await;
    let owner = join(&admin, "participant").await;
    let other = join(&admin, "participant").await;
    let outsider = new_company().await;
    let ticket = ask(&owner, "notes.md", "text/markdown", 16, "attachment").await;
    let fid = id(&ticket);
    upload(&ticket, b"# Notes\n").await;
    complete(&other, &fid).await.expect_error(404, "NOT_FOUND");
    complete(&owner, &fid).await.expect(200);
    ask(&other, "mine.txt", "text/plain", 4, "attachment").await;

    let path = format!("/api/files/{fid}");
    t.get(&path, other.token())
        .await
        .expect_error(404, "NOT_FOUND");
    t.get(&path, outsider.token())
        .await
        .expect_error(404, "NOT_FOUND");
    let seen = t.get(&path, manager.token()).await.expect(200);
    assert_eq!(seen.body["ownerId"], owner.user_id.as_str());

    let own = t.get("/api/files", owner.token()).await.expect(200);
    assert_eq!(own.body["items"].as_array().unwrap().len(), 1);
    let all = t.get("/api/files", manager.token()).await.expect(200);
    assert_eq!(all.body["items"].as_array().unwrap().len(), 2);
    let one = t
        .get(
            &format!("/api/files?ownerId={}", owner.user_id),
            manager.token(),
        )
        .await
        .expect(200);
    assert_eq!(one.body["items"][0]["id"], fid.as_str());
    let ready = t
        .get("/api/files?status=ready", manager.token())
        .await
        .expect(200);
    assert_eq!(ready.body["items"].as_array().unwrap().len(), 1);
    assert!(
        t.get("/api/files", outsider.token()).await.expect(200).body["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    t.delete(&path, other.token())
        .await
        .expect_error(404, "NOT_FOUND");
    t.delete(&path, owner.token()).await.expect(204);
    t.get(&path, owner.token())
        .await
        .expect_error(404, "NOT_FOUND");
}

#[tokio::test]
async fn deleting_a_user_deletes_their_files() {
    let t = app();
    let admin = new_company().await;
    let leaver = join(&admin, "participant").await;
    let ticket = ask(&leaver, "cv.txt", "text/plain", 8, "attachment").await;
    upload(&ticket, b"my cv").await;
    complete(&leaver, &id(&ticket)).await.expect(200);
    t.delete(&format!("/api/users/{}", leaver.user_id), admin.token())
        .await
        .expect(204);
    t.get(&format!("/api/files/{}", id(&ticket)), admin.token())
        .await
        .expect_error(404, "NOT_FOUND");
    let state = AppState::new(config(&t.settings));
    let key = ticket["upload"]["fields"]["key"].as_str().unwrap();
    assert!(state.storage.head_bytes(key, 16).await.unwrap().is_none());
}

#[tokio::test]
async fn the_checker_takes_the_s3_event_aws_sends() {
    let t = app();
    let user = new_company().await;
    let ticket = ask(&user, "me.png", "image/png", PNG.len(), "avatar").await;
    upload(&ticket, PNG).await;
    let state = campus_tests::function_state(&t.settings, "upload-checker");
    let fixture = include_str!("../../../events/s3/object-created.json")
        .replace("{{bucket}}", &state.config.bucket_name)
        .replace("{{companyId}}", &user.company_id)
        .replace("{{fileId}}", &id(&ticket));
    let out = campus_upload_checker::handle(&state, serde_json::from_str(&fixture).unwrap())
        .await
        .unwrap();
    assert_eq!(out["checked"][0]["status"], "ready", "{out}");
    let f = t
        .get(&format!("/api/files/{}", id(&ticket)), user.token())
        .await
        .expect(200);
    assert_eq!(f.body["status"], "ready");
    // An object that is no upload's, and an event of another shape, change nothing.
    let stray = fixture.replace("uploads%2F", "certificates%2F");
    let out = campus_upload_checker::handle(&state, serde_json::from_str(&stray).unwrap())
        .await
        .unwrap();
    assert_eq!(out["checked"][0]["status"], Value::Null);
    let out = campus_upload_checker::handle(&state, json!({"detail": "nothing"}))
        .await
        .unwrap();
    assert_eq!(out["checked"], json!([]));
}
