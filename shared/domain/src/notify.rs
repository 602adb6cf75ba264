//! Telling a user something: an in-app notification and/or a queued mail, as their
//! preferences for that type allow. Every producer goes through here, so none can
//! forget the preferences; the records go into the producer's own write.

use serde_json::Value;

use crate::{
    ApiResult, AppState,
    audit::AuditSlot,
    db::{Cond, Item, Key, Tx, entities_of, keys, to_stored_item},
    model::{Channels, Mail, Notification, NotificationPreferences, User},
    realtime,
};

/// One thing to tell someone.
#[derive(Debug, Clone)]
pub struct Message {
    /// One of [`crate::model::NOTIFICATION_TYPES`].
    pub kind: &'static str,
    pub title: String,
    pub body: String,
    pub link: Option<String>,
    /// The mail's template and its variables (the recipient's `name` is added).
    pub template: &'static str,
    pub data: Value,
}

/// The records a message becomes for one user: what they allow of what was asked.
pub fn records(
    msg: &Message,
    user: &User,
    prefs: Option<&NotificationPreferences>,
    asked: Channels,
) -> (Option<Notification>, Option<Mail>) {
    let allowed = prefs.map(|p| p.channels(msg.kind)).unwrap_or_default();
    let note = (asked.in_app && allowed.in_app).then(|| {
        Notification::new(
            &user.company_id,
            &user.id,
            msg.kind,
            msg.title.clone(),
            msg.body.clone(),
            msg.link.clone(),
        )
    });
    let mail = (asked.email && allowed.email).then(|| {
        let mut data = msg.data.clone();
        if let Some(map) = data.as_object_mut() {
            map.insert("name".into(), Value::String(user.name.clone()));
        }
        Mail::new(&user.company_id, msg.template, &user.email, data)
    });
    (note, mail)
}

/// In-app notifications written in a transaction, to push to their users' open
/// WebSockets once it has committed.
#[derive(Debug, Default)]
pub struct Pushes(Vec<(String, String, Value)>);

impl Pushes {
    /// Sends them (best effort), one read of connections per company.
    pub async fn send(self, state: &AppState) {
        let mut by_company: std::collections::BTreeMap<String, Vec<(String, Value)>> =
            Default::default();
        for (company, user, msg) in self.0 {
            by_company.entry(company).or_default().push((user, msg));
        }
        for (company, msgs) in by_company {
            realtime::publish_each(state, &company, &msgs).await;
        }
    }
}

/// Adds a message for one user to a transaction; its notification, if any, to
/// `pushes`.
pub fn add_to(
    mut tx: Tx,
    msg: &Message,
    user: &User,
    prefs: Option<&NotificationPreferences>,
    pushes: &mut Pushes,
) -> Tx {
    let (note, mail) = records(msg, user, prefs, Channels::default());
    if let Some(n) = &note {
        tx = tx.put(n, Cond::absent());
        pushes.0.push((
            user.company_id.clone(),
            user.id.clone(),
            realtime::message("notification.created", n),
        ));
    }
    if let Some(m) = &mail {
        tx = tx.put(m, Cond::absent());
    }
    tx
}

/// The key of a user's preferences, to read beside what a producer reads anyway.
pub fn preferences_key(user: &User) -> Key {
    keys::notification_preferences(&user.company_id, &user.id)
}

/// The preferences among items read with [`preferences_key`]'s keys, for one user.
pub fn preferences_of<'a>(
    found: &'a [NotificationPreferences],
    user_id: &str,
) -> Option<&'a NotificationPreferences> {
    found.iter().find(|p| p.user_id == user_id)
}

/// Everyone's preferences among raw items.
pub fn preferences_in(items: &[Item]) -> ApiResult<Vec<NotificationPreferences>> {
    Ok(entities_of(items)?)
}

/// What a fan-out did.
#[derive(Debug, Default, Clone, Copy)]
pub struct Sent {
    pub in_app: u32,
    pub email: u32,
}

/// Sends one message to many users: their preferences in batch reads, then every
/// record, with the request's audit entry, in batch writes (no round trip per user);
/// then each in-app notification to its user's open WebSockets.
pub async fn fan_out(
    state: &AppState,
    msg: &Message,
    users: &[User],
    asked: Channels,
    audit: &AuditSlot,
) -> ApiResult<Sent> {
    let db = &state.db;
    let mut prefs = Vec::new();
    for chunk in users.chunks(100) {
        let keys: Vec<Key> = chunk.iter().map(preferences_key).collect();
        prefs.extend(preferences_in(&db.get_many(&keys).await?)?);
    }
    let mut items = Vec::new();
    let mut sent = Sent::default();
    let mut pushes = Vec::new();
    for u in users {
        let (note, mail) = records(msg, u, preferences_of(&prefs, &u.id), asked);
        if let Some(n) = note {
            items.push(to_stored_item(&n)?);
            sent.in_app += 1;
            pushes.push((u.id.clone(), realtime::message("notification.created", &n)));
        }
        if let Some(m) = mail {
            items.push(to_stored_item(&m)?);
            sent.email += 1;
        }
    }
    let entry = audit.entry(201, None);
    if let Some(e) = &entry {
        items.push(to_stored_item(e)?);
    }
    db.put_items(items).await?;
    if entry.is_some() {
        audit.mark_written();
    }
    if let Some(u) = users.first() {
        realtime::publish_each(state, &u.company_id, &pushes).await;
    }
    Ok(sent)
}
