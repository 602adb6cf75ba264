//! Demo data for `make run`, made through the API itself so it is what a client
//! would have made: a company, its admin (who has shown their address is theirs, by
//! the mailed reset link, so they may claim the company's email domain), invited
//! colleagues of every role, a welcome session on the calendar, and a first shared
//! prompt.

use axum::{Router, body::Body, http::Request};
use campus::{
    db::{Db, lists},
    model::Mail,
};
use serde_json::{Value, json};
use tower::ServiceExt;

pub const PASSWORD: &str = "Campus-demo-2026";

pub const PEOPLE: &[(&str, &str, &str)] = &[
    ("admin@demo.campus.local", "Ada Admin", "admin"),
    ("manager@demo.campus.local", "Max Manager", "manager"),
    (
        "instructor@demo.campus.local",
        "Ines Instructor",
        "instructor",
    ),
    ("pat@demo.campus.local", "Pat Participant", "participant"),
    ("sam@demo.campus.local", "Sam Participant", "participant"),
];

async fn call(
    app: &Router,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Value,
) -> Result<(u16, Value), String> {
    let mut req = Request::builder()
        .method(method)
        .uri(path)
        .header("content-type", "application/json");
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    let req = req
        .body(Body::from(body.to_string()))
        .map_err(|e| e.to_string())?;
    let res = app.clone().oneshot(req).await.map_err(|e| e.to_string())?;
    let status = res.status().as_u16();
    let bytes = axum::body::to_bytes(res.into_body(), 1 << 20)
        .await
        .map_err(|e| e.to_string())?;
    Ok((
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    ))
}

/// What a person does to show the address is theirs: asks for a reset link and
/// uses it (the link read from the company's outbox, where the mailer finds it).
async fn verify_by_reset_link(
    app: &Router,
    db: &Db,
    company_id: &str,
    email: &str,
) -> Result<(), String> {
    call(
        app,
        "POST",
        "/api/auth/password/forgot",
        None,
        json!({ "email": email }),
    )
    .await?;
    let mails: Vec<Mail> = db
        .all(&lists::outbox(company_id))
        .await
        .map_err(|e| format!("reading the outbox: {e:?}"))?;
    let token = mails
        .iter()
        .rev()
        .filter(|m| m.template == "password_reset" && m.to == email)
        .find_map(|m| {
            let data: Value = serde_json::from_str(&m.data_json).ok()?;
            let url = data["url"].as_str()?.to_string();
            url.split_once("token=").map(|(_, t)| t.to_string())
        })
        .ok_or("no reset link in the outbox")?;
    let (status, body) = call(
        app,
        "POST",
        "/api/auth/password/reset",
        None,
        json!({"token": token, "password": PASSWORD}),
    )
    .await?;
    if status != 204 {
        return Err(format!("using the reset link: {status} {body}"));
    }
    Ok(())
}

/// Seeds once: if the admin can already sign in, the data is there.
pub async fn seed(app: &Router, db: &Db) -> Result<(), String> {
    let (admin_email, admin_name, _) = PEOPLE[0];
    let (status, _) = call(
        app,
        "POST",
        "/api/auth/login",
        None,
        json!({"email": admin_email, "password": PASSWORD}),
    )
    .await?;
    if status == 200 {
        return Ok(());
    }
    let (status, body) = call(
        app,
        "POST",
        "/api/auth/register",
        None,
        json!({"email": admin_email, "password": PASSWORD, "name": admin_name, "companyName": "Demo Corp"}),
    )
    .await?;
    if status != 201 {
        return Err(format!("seeding the admin: {status} {body}"));
    }
    let company_id = body["user"]["companyId"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    verify_by_reset_link(app, db, &company_id, admin_email).await?;
    let (status, body) = call(
        app,
        "POST",
        "/api/auth/login",
        None,
        json!({"email": admin_email, "password": PASSWORD}),
    )
    .await?;
    if status != 200 {
        return Err(format!("signing the admin in again: {status} {body}"));
    }
    let admin_token = body["accessToken"].as_str().unwrap_or_default().to_string();
    for (email, name, role) in &PEOPLE[1..] {
        let (status, invite) = call(
            app,
            "POST",
            "/api/company/invites",
            Some(&admin_token),
            json!({"email": email, "role": role}),
        )
        .await?;
        if status != 201 {
            return Err(format!("inviting {email}: {status} {invite}"));
        }
        let (status, body) = call(
            app,
            "POST",
            "/api/auth/register",
            None,
            json!({"email": email, "password": PASSWORD, "name": name, "inviteToken": invite["token"]}),
        )
        .await?;
        if status != 201 {
            return Err(format!("registering {email}: {status} {body}"));
        }
    }
    // Something on everyone's calendar: a welcome session tomorrow.
    let tomorrow = time::OffsetDateTime::now_utc().date() + time::Duration::days(1);
    let (status, body) = call(
        app,
        "POST",
        "/api/calendar/events",
        Some(&admin_token),
        json!({"title": "Welcome to Campus", "type": "session", "audience": "company",
            "startsAt": format!("{tomorrow}T10:00:00Z"), "endsAt": format!("{tomorrow}T11:00:00Z"),
            "location": "Main hall"}),
    )
    .await?;
    if status != 201 {
        return Err(format!("planning the welcome session: {status} {body}"));
    }
    // A first shared prompt, in a category, for the library not to start empty.
    let (status, category) = call(
        app,
        "POST",
        "/api/prompts/categories",
        Some(&admin_token),
        json!({"name": "Writing", "description": "Drafting and editing"}),
    )
    .await?;
    if status != 201 {
        return Err(format!("adding a prompt category: {status} {category}"));
    }
    let (status, body) = call(
        app,
        "POST",
        "/api/prompts",
        Some(&admin_token),
        json!({"title": "Summarise a lesson", "categoryId": category["id"], "tags": ["study"],
            "content": "Summarise {{lesson}} in three bullet points for a colleague who missed it.",
            "variables": ["lesson"]}),
    )
    .await?;
    if status != 201 {
        return Err(format!("sharing a prompt: {status} {body}"));
    }
    Ok(())
}
