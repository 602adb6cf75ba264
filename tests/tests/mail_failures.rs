//! A mail SES refuses is retried with a back-off, then marked failed and kept. Its
//! own test binary (and table): a sender that always fails must not touch other
//! tests' mail.

use campus::db::lists;

use campus::db::keys;
use campus::model::{Mail, MailStatus};
use campus_mailer::Outcome;
use campus_tests::{app, join, mailer, new_company, received};
use serde_json::json;

#[tokio::test]
async fn a_refused_mail_is_retried_then_failed() {
    let t = app();
    let admin = new_company().await;
    let user = join(&admin, "participant").await;
    t.post(
        "/api/notifications",
        admin.token(),
        json!({"userId": user.user_id, "type": "announcement", "title": "Doomed",
            "body": "x", "channels": ["email"]}),
    )
    .await
    .expect(201);
    let db = t.db().await;
    let all: Vec<Mail> = db.all(&lists::outbox(&admin.company_id)).await.unwrap();
    let mail = all.iter().find(|m| m.to == user.email).unwrap();
    let key = keys::outbox(&admin.company_id, &mail.id);

    // An unverified sender: the local SES refuses every attempt.
    let unverified = [
        ("MAIL_FROM", "nobody@unverified.example"),
        ("MAIL_MAX_ATTEMPTS", "3"),
    ];
    let patient = mailer(&[
        unverified[0],
        unverified[1],
        ("MAIL_RETRY_BASE_SECONDS", "3600"),
    ]);
    assert_eq!(patient.deliver(&key).await.unwrap(), Outcome::Retry);
    // Not due again for an hour.
    assert_eq!(patient.deliver(&key).await.unwrap(), Outcome::Skipped);
    let stored: Mail = db.find(&key).await.unwrap();
    assert_eq!(stored.status, MailStatus::Pending);
    assert!(stored.next_attempt_at > campus::clock::now_rfc3339());

    // With no wait between attempts: the last one fails for good.
    db.put(
        &Mail {
            next_attempt_at: campus::clock::now_rfc3339(),
            version: stored.version + 1,
            ..stored
        },
        None,
    )
    .await
    .unwrap();
    let eager = mailer(&[
        unverified[0],
        unverified[1],
        ("MAIL_RETRY_BASE_SECONDS", "0"),
    ]);
    assert_eq!(eager.deliver(&key).await.unwrap(), Outcome::Retry);
    assert_eq!(eager.deliver(&key).await.unwrap(), Outcome::Failed);
    assert_eq!(eager.deliver(&key).await.unwrap(), Outcome::Skipped);
    let stored: Mail = db.find(&key).await.unwrap();
    assert_eq!(stored.status, MailStatus::Failed);
    assert_eq!(stored.attempts, 3);
    assert!(
        stored
            .last_error
            .as_deref()
            .unwrap_or_default()
            .starts_with("SES MessageRejected: "),
        "{:?}",
        stored.last_error
    );
    assert!(received(&user.email).await.is_empty());
}
