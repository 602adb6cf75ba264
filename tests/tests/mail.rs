//! The outbox and the mailer: a mail delivered twice, or by a redelivered stream
//! batch, reaches the local SES once. No sweep runs in this binary (`mail_sweep.rs`
//! has its own table), so each test alone decides when its mail goes.

use campus::db::{Key, keys};
use campus::model::Mail;
use campus_mailer::Outcome;
use campus_tests::{Account, app, join, mailer, new_company, outbox_mails, received};
use serde_json::{Value, json};

/// The newest outbox mail of `template` to `to`.
async fn queued(company_id: &str, to: &str, template: &str) -> Mail {
    outbox_mails(company_id, to, template)
        .await
        .pop()
        .expect("a queued mail")
}

fn key(m: &Mail) -> Key {
    keys::outbox(&m.company_id, &m.id)
}

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!("{}/../events/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

async fn announce(manager: &Account, to: &Account, title: &str) {
    app()
        .post(
            "/api/notifications",
            manager.token(),
            json!({"userId": to.user_id, "type": "announcement", "title": title,
                "body": "The <b>new</b> policy & more", "channels": ["email"]}),
        )
        .await
        .expect(201);
}

#[tokio::test]
async fn a_mail_delivered_twice_is_sent_once() {
    let admin = new_company().await;
    let user = join(&admin, "participant").await;
    announce(&admin, &user, "Twice").await;
    let mail = queued(&admin.company_id, &user.email, "notification").await;
    let (a, b) = (mailer(&[]), mailer(&[]));
    let k = key(&mail);
    let (x, y) = tokio::join!(a.deliver(&k), b.deliver(&k));
    let mut outcomes = vec![x.unwrap(), y.unwrap()];
    outcomes.push(a.deliver(&k).await.unwrap());
    assert_eq!(
        outcomes.iter().filter(|o| **o == Outcome::Sent).count(),
        1,
        "{outcomes:?}"
    );
    let got: Vec<_> = received(&user.email)
        .await
        .into_iter()
        .filter(|m| m.subject == "Twice")
        .collect();
    assert_eq!(got.len(), 1);
    // The body went through the HTML template escaped, and plain in the text part.
    // (minijinja also escapes `/`.)
    let html = &got[0].html;
    assert!(
        html.contains("The &lt;b&gt;new&lt;&#x2f;b&gt; policy &amp; more"),
        "{html}"
    );
    assert!(got[0].text.contains("The <b>new</b> policy & more"));
    assert_eq!(got[0].subject, "Twice");
}

/// Feeds `fixture` (a new mail record, as the mailer's event source delivers it) to
/// the mailer twice: sent once, skipped when delivered again, received once.
async fn delivers_once(fixture_name: &str, subject: &str) {
    let admin = new_company().await;
    let user = join(&admin, "participant").await;
    announce(&admin, &user, subject).await;
    let mail = queued(&admin.company_id, &user.email, "notification").await;
    let k = key(&mail);
    let event = fixture(fixture_name)
        .replace("{{pk}}", &k.pk)
        .replace("{{sk}}", &k.sk);
    let event: Value = serde_json::from_str(&event).unwrap();
    let outcomes = mailer(&[]).handle(event.clone()).await.unwrap();
    assert_eq!(outcomes, vec![Outcome::Sent]);
    // A redelivered batch sends nothing again.
    let outcomes = mailer(&[]).handle(event).await.unwrap();
    assert_eq!(outcomes, vec![Outcome::Skipped]);
    let got = received(&user.email).await;
    assert_eq!(got.iter().filter(|m| m.subject == subject).count(), 1);
}

/// In AWS new mail reaches the mailer through the stream pipe and the event bus, one
/// record per event.
#[tokio::test]
async fn the_buss_event_delivers_new_mail_once() {
    delivers_once("mailer/bus-new-mail.json", "Piped").await;
}

/// One INSERT (sent) and one MODIFY (ignored), straight from the stream.
#[tokio::test]
async fn the_stream_delivers_inserted_mail_and_ignores_changes() {
    delivers_once("mailer/stream-insert.json", "Streamed").await;
}
