//! The scheduled sweep delivers what is due; mail reaches the local SES as one MIME
//! message with a text and an HTML body.

use campus::db::lists;

use campus::model::{Mail, MailStatus};
use campus_mailer::Outcome;
use campus_tests::{app, mailed_token, mailer, new_company, received};
use serde_json::{Value, json};

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!("{}/../events/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

#[tokio::test]
async fn the_scheduled_sweep_mails_a_reset_link_with_both_bodies() {
    let t = app();
    let user = new_company().await;
    t.post(
        "/api/auth/password/forgot",
        None,
        json!({"email": user.email}),
    )
    .await
    .expect(202);
    let token = mailed_token(&user.company_id, &user.email, "password_reset")
        .await
        .unwrap();
    let event: Value = serde_json::from_str(&fixture("mailer/schedule.json")).unwrap();
    let outcomes = mailer(&[]).handle(event).await.unwrap();
    assert!(outcomes.contains(&Outcome::Sent), "{outcomes:?}");

    let got: Vec<_> = received(&user.email)
        .await
        .into_iter()
        .filter(|m| m.subject == "Reset your Campus password")
        .collect();
    assert_eq!(got.len(), 1, "{got:?}");
    let m = &got[0];
    assert_eq!(m.to, vec![user.email.clone()]);
    assert!(m.text.contains(&format!("token={token}")), "{}", m.text);
    assert!(m.html.contains(&format!("token={token}")), "{}", m.html);
    assert!(m.html.contains("<a href="), "{}", m.html);
    assert!(!m.text.contains("<a "), "{}", m.text);

    let all: Vec<Mail> = t
        .db()
        .await
        .all(&lists::outbox(&user.company_id))
        .await
        .unwrap();
    let stored = all
        .into_iter()
        .find(|m| m.template == "password_reset")
        .unwrap();
    assert_eq!(stored.status, MailStatus::Sent);
    assert!(stored.message_id.is_some_and(|id| !id.is_empty()));
}
