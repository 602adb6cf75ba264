//! Every key of the single table is built here and nowhere else.
//!
//! Company-owned items live under partitions that start with `C#{companyId}`, so a
//! handler holding one company's id cannot address another company's items, whatever
//! other ids it is given. Global look-ups (an email, an invite token) go through small
//! pointer items whose keys carry the looked-up value.

use serde::{Deserialize, Serialize};

/// The primary key of one item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Key {
    pub pk: String,
    pub sk: String,
}

impl Key {
    fn new(pk: impl Into<String>, sk: impl Into<String>) -> Self {
        Self {
            pk: pk.into(),
            sk: sk.into(),
        }
    }
}

/// The key and index attributes written beside an entity's own fields.
#[derive(Debug, Clone, Serialize)]
pub struct Keys {
    pub pk: String,
    pub sk: String,
    /// Entity name, so an item read from a stream or a query can be told apart.
    pub entity: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gsi1pk: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gsi1sk: Option<String>,
    /// `gsi2` is narrow (a few projected attributes): company-wide rows for reports.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gsi2pk: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gsi2sk: Option<String>,
    /// `gsi3`: open assignments by due day (the reminder job).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gsi3pk: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gsi3sk: Option<String>,
    /// Epoch seconds after which DynamoDB may delete the item; readers treat it as gone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ttl: Option<i64>,
    /// Lower-cased text for `q` filters on lists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub search: Option<String>,
}

impl Keys {
    pub fn new(key: Key, entity: &'static str) -> Self {
        Self {
            pk: key.pk,
            sk: key.sk,
            entity,
            gsi1pk: None,
            gsi1sk: None,
            gsi2pk: None,
            gsi2sk: None,
            gsi3pk: None,
            gsi3sk: None,
            ttl: None,
            search: None,
        }
    }
    pub fn key(&self) -> Key {
        Key::new(self.pk.clone(), self.sk.clone())
    }
    pub fn gsi1(mut self, pk: String, sk: String) -> Self {
        self.gsi1pk = Some(pk);
        self.gsi1sk = Some(sk);
        self
    }
    pub fn gsi2(mut self, pk: String, sk: String) -> Self {
        self.gsi2pk = Some(pk);
        self.gsi2sk = Some(sk);
        self
    }
    pub fn gsi3(mut self, pk: String, sk: String) -> Self {
        self.gsi3pk = Some(pk);
        self.gsi3sk = Some(sk);
        self
    }
    pub fn ttl(mut self, epoch_seconds: i64) -> Self {
        self.ttl = Some(epoch_seconds);
        self
    }
    pub fn search(mut self, text: String) -> Self {
        self.search = Some(text.to_lowercase());
        self
    }
}

fn company_pk(company_id: &str) -> String {
    format!("C#{company_id}")
}

/// A user's own partition: everything here goes when the user is deleted.
pub fn user_partition(company_id: &str, user_id: &str) -> String {
    format!("C#{company_id}#U#{user_id}")
}

pub const USER_PREFIX: &str = "USER#";
pub const DEPARTMENT_PREFIX: &str = "DEPT#";
pub const INVITE_PREFIX: &str = "INVITE#";
pub const SESSION_PREFIX: &str = "SESSION#";

pub fn company(company_id: &str) -> Key {
    Key::new(company_pk(company_id), "COMPANY")
}

pub fn company_partition(company_id: &str) -> String {
    company_pk(company_id)
}

pub fn user(company_id: &str, user_id: &str) -> Key {
    Key::new(company_pk(company_id), format!("{USER_PREFIX}{user_id}"))
}

pub const DOMAIN_PREFIX: &str = "DOMAIN#";

/// A domain the company claimed, in its partition.
pub fn company_domain(company_id: &str, domain: &str) -> Key {
    Key::new(company_pk(company_id), format!("{DOMAIN_PREFIX}{domain}"))
}

/// Which company claimed a domain (global: one company per domain).
pub fn domain_claim(domain: &str) -> Key {
    Key::new(format!("{DOMAIN_PREFIX}{domain}"), "DOMAIN")
}

/// The credential item for an email: who it belongs to and the password hash.
pub fn login(email: &str) -> Key {
    Key::new(format!("LOGIN#{email}"), "LOGIN")
}

/// Failed password attempts for an email address, beside its login (if any).
pub fn lockout(email: &str) -> Key {
    Key::new(format!("LOGIN#{email}"), "LOCKOUT")
}

/// An OAuth sign-in under way, by the hash of its `state`.
pub fn oauth_state(id: &str) -> Key {
    Key::new(format!("OAUTH#{id}"), "STATE")
}

/// A POST made under an `Idempotency-Key` (the id hashes the caller and the key).
pub fn idempotency(id: &str) -> Key {
    Key::new(format!("IDEM#{id}"), "IDEM")
}

/// One fixed window of a rate limit: `bucket` (what is limited) for `subject` (a
/// user id or an IP address), the window named by its start in epoch seconds.
pub fn rate_window(bucket: &str, subject: &str, window_start: i64) -> Key {
    Key::new(
        format!("RATE#{bucket}#{subject}"),
        format!("W#{window_start}"),
    )
}

pub fn session(company_id: &str, user_id: &str, session_id: &str) -> Key {
    Key::new(
        user_partition(company_id, user_id),
        format!("{SESSION_PREFIX}{session_id}"),
    )
}

pub const API_KEY_PREFIX: &str = "APIKEY#";

/// A user's API key, in their own partition (deleting the user deletes their keys).
pub fn api_key(company_id: &str, user_id: &str, key_id: &str) -> Key {
    Key::new(
        user_partition(company_id, user_id),
        format!("{API_KEY_PREFIX}{key_id}"),
    )
}

pub fn settings(company_id: &str, user_id: &str) -> Key {
    Key::new(user_partition(company_id, user_id), "SETTINGS")
}

pub fn department(company_id: &str, id: &str) -> Key {
    Key::new(company_pk(company_id), format!("{DEPARTMENT_PREFIX}{id}"))
}

pub fn invite(company_id: &str, id: &str) -> Key {
    Key::new(company_pk(company_id), format!("{INVITE_PREFIX}{id}"))
}

/// Pointer from the hash of an invite token to its invite.
pub fn invite_token(token_hash: &str) -> Key {
    Key::new(format!("INVITETOKEN#{token_hash}"), "INVITETOKEN")
}

/// A course's own partition: its record, modules and lessons, read in one Query.
pub fn course_partition(company_id: &str, course_id: &str) -> String {
    format!("C#{company_id}#COURSE#{course_id}")
}

pub const MODULE_PREFIX: &str = "MODULE#";
pub const LESSON_PREFIX: &str = "LESSON#";
pub const ASSIGNMENT_PREFIX: &str = "ASSIGN#";

pub fn course(company_id: &str, course_id: &str) -> Key {
    Key::new(course_partition(company_id, course_id), "COURSE")
}

/// Index key listing a company's courses by status (`gsi1`).
pub fn courses_index(company_id: &str) -> String {
    format!("C#{company_id}#COURSES")
}

pub fn module(company_id: &str, course_id: &str, module_id: &str) -> Key {
    Key::new(
        course_partition(company_id, course_id),
        format!("{MODULE_PREFIX}{module_id}"),
    )
}

/// Lessons sort under their module, so a module's lessons are one key range.
pub fn lesson(company_id: &str, course_id: &str, module_id: &str, lesson_id: &str) -> Key {
    Key::new(
        course_partition(company_id, course_id),
        format!("{LESSON_PREFIX}{module_id}#{lesson_id}"),
    )
}

/// A quiz lesson's question bank, in a partition of its own (course reads skip it).
pub fn quiz(company_id: &str, lesson_id: &str) -> Key {
    Key::new(format!("C#{company_id}#QUIZ#{lesson_id}"), "QUIZ")
}

/// A company's tallies per quiz (sort key: the quiz lesson's id).
pub fn quiz_stats_partition(company_id: &str) -> String {
    format!("C#{company_id}#QUIZSTATS")
}

pub fn quiz_stats(company_id: &str, lesson_id: &str) -> Key {
    Key::new(quiz_stats_partition(company_id), lesson_id.to_string())
}

pub const ATTEMPT_PREFIX: &str = "ATTEMPT#";

/// One attempt at a quiz, in its learner's partition (`ATTEMPT#{lessonId}#{ulid}`:
/// a quiz's attempts together, oldest first).
pub fn attempt(company_id: &str, user_id: &str, lesson_id: &str, attempt_id: &str) -> Key {
    Key::new(
        user_partition(company_id, user_id),
        format!("{ATTEMPT_PREFIX}{lesson_id}#{attempt_id}"),
    )
}

/// A learner's standing on a quiz: attempts started, the open one, the last end.
pub fn quiz_record(company_id: &str, user_id: &str, lesson_id: &str) -> Key {
    Key::new(
        user_partition(company_id, user_id),
        format!("QUIZREC#{lesson_id}"),
    )
}

/// A company's learning paths, one item each (`PATH#{id}`): the list is one Query.
pub fn paths_partition(company_id: &str) -> String {
    format!("C#{company_id}#PATHS")
}

pub const PATH_PREFIX: &str = "PATH#";

pub fn path(company_id: &str, path_id: &str) -> Key {
    Key::new(
        paths_partition(company_id),
        format!("{PATH_PREFIX}{path_id}"),
    )
}

pub const PATH_ASSIGNMENT_PREFIX: &str = "PATHASSIGN#";

/// A learning path assigned to a user, in the user's partition.
pub fn path_assignment(company_id: &str, user_id: &str, path_id: &str) -> Key {
    Key::new(
        user_partition(company_id, user_id),
        format!("{PATH_ASSIGNMENT_PREFIX}{path_id}"),
    )
}

/// Index key (`gsi1`) listing a path's assignees.
pub fn path_assignees(company_id: &str, path_id: &str) -> String {
    format!("C#{company_id}#PATH#{path_id}#ASSIGNEES")
}

/// A course assigned to (or chosen by) a user; lives in the user's partition.
pub fn assignment(company_id: &str, user_id: &str, course_id: &str) -> Key {
    Key::new(
        user_partition(company_id, user_id),
        format!("{ASSIGNMENT_PREFIX}{course_id}"),
    )
}

/// Index key listing a course's assignees (`gsi1`).
pub fn course_assignees(company_id: &str, course_id: &str) -> String {
    format!("C#{company_id}#COURSE#{course_id}#ASSIGNEES")
}

pub const NOTIFICATION_PREFIX: &str = "NOTIF#";

/// Index key (`gsi2`) of every assignment in a company, sorted by user then course:
/// the rows of the manager's views and the reports.
pub fn company_assignments(company_id: &str) -> String {
    format!("C#{company_id}#ASSIGNMENTS")
}

/// A user's notification preferences, in their partition.
pub fn notification_preferences(company_id: &str, user_id: &str) -> Key {
    Key::new(user_partition(company_id, user_id), "NOTIFPREFS")
}

/// In the user's partition, so it goes when the user does.
pub fn notification(company_id: &str, user_id: &str, id: &str) -> Key {
    Key::new(
        user_partition(company_id, user_id),
        format!("{NOTIFICATION_PREFIX}{id}"),
    )
}

/// A team's own partition: its record and its members.
pub fn team_partition(company_id: &str, team_id: &str) -> String {
    format!("C#{company_id}#TEAM#{team_id}")
}

pub const MEMBER_PREFIX: &str = "MEMBER#";

pub fn team(company_id: &str, team_id: &str) -> Key {
    Key::new(team_partition(company_id, team_id), "TEAM")
}

pub fn team_member(company_id: &str, team_id: &str, user_id: &str) -> Key {
    Key::new(
        team_partition(company_id, team_id),
        format!("{MEMBER_PREFIX}{user_id}"),
    )
}

/// Index key listing a company's teams (`gsi1`).
pub fn teams_index(company_id: &str) -> String {
    format!("C#{company_id}#TEAMS")
}

/// Index key listing one user's team memberships (`gsi1`).
pub fn user_teams_index(company_id: &str, user_id: &str) -> String {
    format!("C#{company_id}#U#{user_id}#TEAMS")
}

/// Pointer from the hash of a set-password or reset secret to its user.
pub fn password_token(token_hash: &str) -> Key {
    Key::new(format!("PWTOKEN#{token_hash}"), "PWTOKEN")
}

pub fn audit_partition(company_id: &str) -> String {
    format!("C#{company_id}#AUDIT")
}

pub const AUDIT_PREFIX: &str = "AUDIT#";

pub fn audit(company_id: &str, id: &str) -> Key {
    Key::new(audit_partition(company_id), format!("{AUDIT_PREFIX}{id}"))
}

/// A company's mail outbox.
pub fn outbox_partition(company_id: &str) -> String {
    format!("C#{company_id}#OUTBOX")
}

pub const MAIL_PREFIX: &str = "MAIL#";

pub fn outbox(company_id: &str, id: &str) -> Key {
    Key::new(outbox_partition(company_id), format!("{MAIL_PREFIX}{id}"))
}

/// A company's certificates: issued-order (ULID) records plus one guard item per user
/// and course, so issuing twice is a failed condition rather than a duplicate.
pub fn certificates_partition(company_id: &str) -> String {
    format!("C#{company_id}#CERTS")
}

pub const CERTIFICATE_PREFIX: &str = "CERT#";

pub fn certificate(company_id: &str, id: &str) -> Key {
    Key::new(
        certificates_partition(company_id),
        format!("{CERTIFICATE_PREFIX}{id}"),
    )
}

/// `subject`: the course's id, or a learning path's (ids never repeat across the two).
pub fn certificate_guard(company_id: &str, user_id: &str, subject: &str) -> Key {
    Key::new(
        certificates_partition(company_id),
        format!("FOR#{user_id}#{subject}"),
    )
}

/// Index key (`gsi1`) of one user's certificates, sorted by course.
pub fn user_certificates_index(company_id: &str, user_id: &str) -> String {
    format!("C#{company_id}#U#{user_id}#CERTS")
}

/// Public pointer from a verification code to its certificate (verification has no
/// company context).
pub fn certificate_code(code: &str) -> Key {
    Key::new(format!("CERTCODE#{code}"), "CERTCODE")
}

/// Index key (`gsi1`) of every company: what a job over all companies reads.
pub const COMPANIES: &str = "COMPANIES";

/// Index key (`gsi3`) of the open assignments due on one UTC day, every company's.
pub fn due_on(day: &str) -> String {
    format!("DUE#{day}")
}

/// Marks one reminder as sent (`kind` and what it was about in the sort key), so a
/// job run twice sends nothing twice.
pub fn reminder(company_id: &str, what: &str) -> Key {
    Key::new(format!("C#{company_id}#REMINDED"), what.to_string())
}

/// Running totals of a company, kept by the writes that change them.
pub fn company_stats(company_id: &str) -> Key {
    Key::new(company_pk(company_id), "STATS")
}

/// Per-day totals of a company (`YYYY-MM-DD` sort keys), summed over a range.
pub fn daily_stats_partition(company_id: &str) -> String {
    format!("C#{company_id}#DAILY")
}

pub fn daily_stats(company_id: &str, day: &str) -> Key {
    Key::new(daily_stats_partition(company_id), day.to_string())
}

/// A company's calendar events, one item each (attendees are a set on the item, so
/// joining is one `ADD` that cannot lose a concurrent join).
pub fn events_partition(company_id: &str) -> String {
    format!("C#{company_id}#EVENTS")
}

pub const EVENT_PREFIX: &str = "EVENT#";

pub fn event(company_id: &str, id: &str) -> Key {
    Key::new(events_partition(company_id), format!("{EVENT_PREFIX}{id}"))
}

/// Index key (`gsi1`) of a company's events by start (`{startsAt}#{id}`): every
/// range read of the calendar is one Query here.
pub fn calendar_index(company_id: &str) -> String {
    format!("C#{company_id}#CALENDAR")
}

/// Certificates lapsing in `month` (`YYYY-MM`; `gsi3`, beside the assignments due:
/// `DUE#…`), sorted by day: a window of days is one Query per month it touches.
pub fn expiring_in(month: &str) -> String {
    format!("EXPIRES#{month}")
}

/// Index key (`gsi2`) of every company's events starting on one UTC day
/// (`{startsAt}#{companyId}#{id}`): what a scheduled reminder job reads.
pub fn events_on_day(day: &str) -> String {
    format!("EVENTDAY#{day}")
}

/// A company's check-ins (`CHECKIN#{ulid}`: newest last), lapsing by TTL.
pub fn checkins_partition(company_id: &str) -> String {
    format!("C#{company_id}#CHECKINS")
}

pub const CHECKIN_PREFIX: &str = "CHECKIN#";

pub fn checkin(company_id: &str, id: &str) -> Key {
    Key::new(
        checkins_partition(company_id),
        format!("{CHECKIN_PREFIX}{id}"),
    )
}

/// Index key (`gsi1`) of one user's check-ins.
pub fn user_checkins_index(company_id: &str, user_id: &str) -> String {
    format!("C#{company_id}#U#{user_id}#CHECKINS")
}

/// A company's open WebSockets: what a broadcast reads.
pub fn connections_partition(company_id: &str) -> String {
    format!("C#{company_id}#WS")
}

pub const CONNECTION_PREFIX: &str = "CONN#";

pub fn connection(company_id: &str, connection_id: &str) -> Key {
    Key::new(
        connections_partition(company_id),
        format!("{CONNECTION_PREFIX}{connection_id}"),
    )
}

/// Index key (`gsi1`) of one user's open WebSockets: a message for a few users reads
/// their sockets, not the company's.
pub fn user_connections_index(company_id: &str, user_id: &str) -> String {
    format!("C#{company_id}#U#{user_id}#WS")
}

/// From a connection id to its company (`$disconnect` knows only the id).
pub fn connection_pointer(connection_id: &str) -> Key {
    Key::new(format!("WSCONN#{connection_id}"), "WSCONN")
}

/// A user's conversation with the AI tutor, in their partition.
pub fn conversation(company_id: &str, user_id: &str, id: &str) -> Key {
    Key::new(
        user_partition(company_id, user_id),
        format!("{CONVERSATION_PREFIX}{id}"),
    )
}

pub const CONVERSATION_PREFIX: &str = "CONV#";

/// One message of a conversation, in the user's partition (found by id alone, for
/// feedback); `gsi1` lists a conversation's messages in order.
pub fn chat_message(company_id: &str, user_id: &str, id: &str) -> Key {
    Key::new(user_partition(company_id, user_id), format!("CHATMSG#{id}"))
}

/// Index key (`gsi1`) of one conversation's messages.
pub fn conversation_messages(company_id: &str, conversation_id: &str) -> String {
    format!("C#{company_id}#CONV#{conversation_id}")
}

/// A company's analytics counters: per UTC day and event name, one item per shard of
/// users (`{YYYY-MM-DD}#{name}#{shard}`), so a range of days is one key range.
pub fn analytics_partition(company_id: &str) -> String {
    format!("C#{company_id}#ANALYTICS")
}

/// Shards of one day's counter of one event: each holds its users' ids (a set, for
/// unique counts), so a 50,000-person company's day stays far under DynamoDB's
/// 400 KB item (about 1,600 ids a shard) and its writes spread over 32 items.
pub const ANALYTICS_SHARDS: u32 = 32;

/// `user_id`'s shard of the day's counter of `name` (FNV-1a: stable everywhere).
pub fn analytics_counter(company_id: &str, day: &str, name: &str, user_id: &str) -> Key {
    let hash = user_id.bytes().fold(0x811c_9dc5_u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    let shard = hash % ANALYTICS_SHARDS;
    Key::new(
        analytics_partition(company_id),
        format!("{day}#{name}#{shard:02}"),
    )
}

/// A company's inventory: items (`ITEM#{id}`), one pointer per SKU (`SKU#{sku}`:
/// unique per company) and one counter per category in use (`CAT#{name}`).
pub fn inventory_partition(company_id: &str) -> String {
    format!("C#{company_id}#INVENTORY")
}

pub const INVENTORY_ITEM_PREFIX: &str = "ITEM#";
pub const INVENTORY_CATEGORY_PREFIX: &str = "CAT#";

pub fn inventory_item(company_id: &str, id: &str) -> Key {
    Key::new(
        inventory_partition(company_id),
        format!("{INVENTORY_ITEM_PREFIX}{id}"),
    )
}

pub fn inventory_sku(company_id: &str, sku: &str) -> Key {
    Key::new(inventory_partition(company_id), format!("SKU#{sku}"))
}

pub fn inventory_category(company_id: &str, category: &str) -> Key {
    Key::new(
        inventory_partition(company_id),
        format!("{INVENTORY_CATEGORY_PREFIX}{category}"),
    )
}

/// One item's history (`CHANGE#{ulid}`: oldest first in key order).
pub fn inventory_history(company_id: &str, item_id: &str) -> String {
    format!("C#{company_id}#INVENTORY#{item_id}")
}

pub const INVENTORY_CHANGE_PREFIX: &str = "CHANGE#";

pub fn inventory_change(company_id: &str, item_id: &str, id: &str) -> Key {
    Key::new(
        inventory_history(company_id, item_id),
        format!("{INVENTORY_CHANGE_PREFIX}{id}"),
    )
}

/// A company's billing state: its Stripe customer and subscription, and the newest
/// Stripe event applied to them.
pub fn billing(company_id: &str) -> Key {
    Key::new(company_pk(company_id), "BILLING")
}

/// A company's payments and invoices, as recorded from Stripe (`PAY#{ulid}`: oldest
/// first in key order).
pub fn payments_partition(company_id: &str) -> String {
    format!("C#{company_id}#PAYMENTS")
}

pub const PAYMENT_PREFIX: &str = "PAY#";

pub fn payment(company_id: &str, id: &str) -> Key {
    Key::new(
        payments_partition(company_id),
        format!("{PAYMENT_PREFIX}{id}"),
    )
}

/// From a Stripe customer to its company (events that name only the customer).
pub fn stripe_customer(customer_id: &str) -> Key {
    Key::new(format!("STRIPECUS#{customer_id}"), "STRIPECUS")
}

/// From a Stripe PaymentIntent to the payment it pays (its events and its charges').
pub fn stripe_payment_intent(payment_intent_id: &str) -> Key {
    Key::new(format!("STRIPEPI#{payment_intent_id}"), "STRIPEPI")
}

/// Marks a Stripe event as applied: written in the same transaction as its effect,
/// under `attribute_not_exists`, so a repeated delivery changes nothing.
pub fn stripe_event(event_id: &str) -> Key {
    Key::new(format!("STRIPEEVENT#{event_id}"), "STRIPEEVENT")
}

/// A company's prompt library: prompts (`PROMPT#{id}`), categories (`CAT#{id}`) and
/// one guard per category name (`CATNAME#{lower-case name}`: unique per company).
pub fn prompts_partition(company_id: &str) -> String {
    format!("C#{company_id}#PROMPTS")
}

pub const PROMPT_PREFIX: &str = "PROMPT#";
pub const PROMPT_CATEGORY_PREFIX: &str = "CAT#";

pub fn prompt(company_id: &str, id: &str) -> Key {
    Key::new(
        prompts_partition(company_id),
        format!("{PROMPT_PREFIX}{id}"),
    )
}

pub fn prompt_category(company_id: &str, id: &str) -> Key {
    Key::new(
        prompts_partition(company_id),
        format!("{PROMPT_CATEGORY_PREFIX}{id}"),
    )
}

pub fn prompt_category_name(company_id: &str, name: &str) -> Key {
    Key::new(
        prompts_partition(company_id),
        format!("CATNAME#{}", name.to_lowercase()),
    )
}

/// Index key (`gsi1`, sparse) of the prompts waiting for review: only a pending
/// prompt carries it, oldest request first.
pub fn pending_prompts(company_id: &str) -> String {
    format!("C#{company_id}#PROMPTS#PENDING")
}

pub const PROMPT_VERSION_PREFIX: &str = "V#";

/// One prompt's versions (`V#{000001}`: oldest first in key order).
pub fn prompt_versions(company_id: &str, prompt_id: &str) -> String {
    format!("C#{company_id}#PROMPT#{prompt_id}")
}

pub fn prompt_version(company_id: &str, prompt_id: &str, version: u64) -> Key {
    Key::new(
        prompt_versions(company_id, prompt_id),
        format!("{PROMPT_VERSION_PREFIX}{version:06}"),
    )
}

/// A company's prompt-use counters: per UTC day and prompt (`{day}#P#{promptId}`)
/// and per day and user (`{day}#U#{userId}`), so a range of days is one key range.
pub fn prompt_uses_partition(company_id: &str) -> String {
    format!("C#{company_id}#PROMPTUSES")
}

pub fn prompt_uses(company_id: &str, day: &str, kind: &str, id: &str) -> Key {
    Key::new(
        prompt_uses_partition(company_id),
        format!("{day}#{kind}#{id}"),
    )
}

/// A company's uploaded files (`FILE#{ulid}`); `gsi1` lists one owner's.
pub fn files_partition(company_id: &str) -> String {
    format!("C#{company_id}#FILES")
}

pub const FILE_PREFIX: &str = "FILE#";

pub fn file(company_id: &str, id: &str) -> Key {
    Key::new(files_partition(company_id), format!("{FILE_PREFIX}{id}"))
}

/// Index key (`gsi1`) of one user's files, oldest first.
pub fn user_files(company_id: &str, user_id: &str) -> String {
    format!("C#{company_id}#U#{user_id}#FILES")
}

/// The search index's partition of one term's first two characters (the shortest
/// word a query looks up), so a word's prefix is one key range.
pub fn search_partition(company_id: &str, word: &str) -> String {
    let head: String = word.chars().take(2).collect();
    format!("C#{company_id}#SEARCH#{head}")
}

/// One posting: a term of one item.
pub fn search_posting(company_id: &str, term: &str, kind: &str, id: &str) -> Key {
    Key::new(
        search_partition(company_id, term),
        format!("{term}#{kind}#{id}"),
    )
}

/// A company's export history (`EXPORT#{ulid}`: newest last in key order).
pub fn exports_partition(company_id: &str) -> String {
    format!("C#{company_id}#EXPORTS")
}

pub const EXPORT_PREFIX: &str = "EXPORT#";

pub fn export(company_id: &str, id: &str) -> Key {
    Key::new(
        exports_partition(company_id),
        format!("{EXPORT_PREFIX}{id}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn company_items_start_with_the_company() {
        for k in [
            company("c1"),
            user("c1", "u1"),
            department("c1", "d"),
            invite("c1", "i"),
            session("c1", "u1", "s"),
            settings("c1", "u1"),
            audit("c1", "a"),
            outbox("c1", "m"),
            certificate("c1", "x"),
            certificate_guard("c1", "u", "c"),
            company_stats("c1"),
            daily_stats("c1", "2026-11-21"),
            event("c1", "e"),
            billing("c1"),
            payment("c1", "p"),
            inventory_item("c1", "i"),
            inventory_sku("c1", "s"),
            inventory_change("c1", "i", "x"),
        ] {
            assert!(k.pk.starts_with("C#c1"), "{k:?}");
        }
    }

    #[test]
    fn a_large_companys_analytics_day_spreads_evenly_over_its_shards() {
        // 50,000 user ids as the API makes them (ULIDs): no shard near the 400 KB
        // item (an id in a string set is about 27 bytes).
        let mut per_shard = [0usize; ANALYTICS_SHARDS as usize];
        for _ in 0..50_000 {
            let id = ulid::Ulid::generate().to_string();
            let k = analytics_counter("c1", "2026-12-01", "page.viewed", &id);
            let shard: usize = k.sk.rsplit('#').next().unwrap().parse().unwrap();
            per_shard[shard] += 1;
        }
        let (min, max) = (
            per_shard.iter().min().unwrap(),
            per_shard.iter().max().unwrap(),
        );
        assert!(*min > 1_300 && *max < 1_850, "{per_shard:?}");
        assert!(max * 27 < 60_000);
        // The same user always lands on the same shard (a set counts them once).
        let a = analytics_counter("c1", "2026-12-01", "x", "01JUSER");
        assert_eq!(a, analytics_counter("c1", "2026-12-01", "x", "01JUSER"));
    }
}
