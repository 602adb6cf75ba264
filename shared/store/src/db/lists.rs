//! Every list the API reads, as a typed key range over the keys of `keys.rs`: each is
//! one Query on a designed key (see `docs/data-model.md`), never a Scan.

use super::{Index, Range, keys::*};
use crate::model::*;

// A company's own partition.

pub fn users(company_id: &str) -> Range<User> {
    Range::table(company_partition(company_id), USER_PREFIX)
}

pub fn departments(company_id: &str) -> Range<Department> {
    Range::table(company_partition(company_id), DEPARTMENT_PREFIX)
}

pub fn invites(company_id: &str) -> Range<Invite> {
    Range::table(company_partition(company_id), INVITE_PREFIX)
}

pub fn company_domains(company_id: &str) -> Range<CompanyDomain> {
    Range::table(company_partition(company_id), DOMAIN_PREFIX)
}

// A user's partition.

pub fn sessions(company_id: &str, user_id: &str) -> Range<Session> {
    Range::table(user_partition(company_id, user_id), SESSION_PREFIX)
}

pub fn api_keys(company_id: &str, user_id: &str) -> Range<ApiKey> {
    Range::table(user_partition(company_id, user_id), API_KEY_PREFIX)
}

/// A user's assignments, by course id.
pub fn assignments(company_id: &str, user_id: &str) -> Range<Assignment> {
    Range::table(user_partition(company_id, user_id), ASSIGNMENT_PREFIX)
}

/// A user's notifications, oldest first in key order (ULIDs).
pub fn notifications(company_id: &str, user_id: &str) -> Range<Notification> {
    Range::table(user_partition(company_id, user_id), NOTIFICATION_PREFIX)
}

pub fn conversations(company_id: &str, user_id: &str) -> Range<Conversation> {
    Range::table(user_partition(company_id, user_id), CONVERSATION_PREFIX)
}

// Courses and teams.

/// A company's courses of one status (`gsi1`), by title.
pub fn courses_with_status(company_id: &str, status: CourseStatus) -> Range<Course> {
    Range::index(
        Index::Gsi1,
        courses_index(company_id),
        &format!("{}#", status.as_str()),
    )
}

/// Every course of a company (`gsi1`).
pub fn courses(company_id: &str) -> Range<Course> {
    Range::index(Index::Gsi1, courses_index(company_id), "")
}

/// The lessons of one module, by id.
pub fn module_lessons(company_id: &str, course_id: &str, module_id: &str) -> Range<Lesson> {
    Range::table(
        course_partition(company_id, course_id),
        &format!("{LESSON_PREFIX}{module_id}#"),
    )
}

/// A company's tallies of every quiz.
pub fn quiz_stats(company_id: &str) -> Range<QuizStats> {
    Range::table(quiz_stats_partition(company_id), "")
}

/// One learner's attempts at one quiz, oldest first.
pub fn quiz_attempts(company_id: &str, user_id: &str, lesson_id: &str) -> Range<Attempt> {
    Range::table(
        user_partition(company_id, user_id),
        &format!("{ATTEMPT_PREFIX}{lesson_id}#"),
    )
}

/// Who is assigned a course (`gsi1`).
pub fn course_assignees(company_id: &str, course_id: &str) -> Range<Assignment> {
    Range::index(
        Index::Gsi1,
        super::keys::course_assignees(company_id, course_id),
        "",
    )
}

/// A company's learning paths, by id.
pub fn paths(company_id: &str) -> Range<LearningPath> {
    Range::table(paths_partition(company_id), PATH_PREFIX)
}

/// A user's learning paths, by path id.
pub fn path_assignments(company_id: &str, user_id: &str) -> Range<PathAssignment> {
    Range::table(user_partition(company_id, user_id), PATH_ASSIGNMENT_PREFIX)
}

/// Who is assigned a learning path (`gsi1`).
pub fn path_assignees(company_id: &str, path_id: &str) -> Range<PathAssignment> {
    Range::index(
        Index::Gsi1,
        super::keys::path_assignees(company_id, path_id),
        "",
    )
}

/// Every assignment of a company as `gsi2` projects it (reports).
pub fn company_assignments(company_id: &str) -> Range<AssignmentRow> {
    Range::index(
        Index::Gsi2,
        super::keys::company_assignments(company_id),
        "",
    )
}

pub fn teams(company_id: &str) -> Range<Team> {
    Range::index(Index::Gsi1, teams_index(company_id), "")
}

/// The memberships of one user (`gsi1`).
pub fn user_teams(company_id: &str, user_id: &str) -> Range<TeamMember> {
    Range::index(Index::Gsi1, user_teams_index(company_id, user_id), "")
}

pub fn team_members(company_id: &str, team_id: &str) -> Range<TeamMember> {
    Range::table(team_partition(company_id, team_id), MEMBER_PREFIX)
}

// Records of a company.

/// The audit trail, oldest first in key order (ULIDs); `between` takes ULIDs.
pub fn audit_trail(company_id: &str) -> Range<AuditEntry> {
    Range::table(audit_partition(company_id), AUDIT_PREFIX)
}

pub fn outbox(company_id: &str) -> Range<Mail> {
    Range::table(outbox_partition(company_id), MAIL_PREFIX)
}

/// Every mail not yet sent or given up (`gsi1`), by when it is due; `between` takes
/// due times.
pub fn mail_due() -> Range<Mail> {
    Range::index(Index::Gsi1, OUTBOX_DUE.into(), "")
}

pub fn certificates(company_id: &str) -> Range<Certificate> {
    Range::table(certificates_partition(company_id), CERTIFICATE_PREFIX)
}

/// One user's certificates (`gsi1`).
pub fn user_certificates(company_id: &str, user_id: &str) -> Range<Certificate> {
    Range::index(
        Index::Gsi1,
        user_certificates_index(company_id, user_id),
        "",
    )
}

/// Every company (`gsi1`): the scheduled jobs' round.
pub fn companies() -> Range<Company> {
    Range::index(Index::Gsi1, COMPANIES.into(), "")
}

/// Companies whose name starts with `prefix` (any case), by name: the operator's list.
pub fn companies_named(prefix: &str) -> Range<Company> {
    Range::index(Index::Gsi1, COMPANIES.into(), &prefix.trim().to_lowercase())
}

/// A company's daily totals; `between` takes days (`YYYY-MM-DD`).
pub fn daily_stats(company_id: &str) -> Range<DailyStats> {
    Range::table(daily_stats_partition(company_id), "")
}

pub fn events(company_id: &str) -> Range<CalendarEvent> {
    Range::table(events_partition(company_id), EVENT_PREFIX)
}

/// A company's calendar (`gsi1`), by start; `between` takes `{startsAt}` bounds.
pub fn calendar(company_id: &str) -> Range<CalendarEvent> {
    Range::index(Index::Gsi1, calendar_index(company_id), "")
}

pub fn checkins(company_id: &str) -> Range<CheckIn> {
    Range::table(checkins_partition(company_id), CHECKIN_PREFIX)
}

/// One user's check-ins (`gsi1`).
pub fn user_checkins(company_id: &str, user_id: &str) -> Range<CheckIn> {
    Range::index(Index::Gsi1, user_checkins_index(company_id, user_id), "")
}

pub fn connections(company_id: &str) -> Range<Connection> {
    Range::table(connections_partition(company_id), CONNECTION_PREFIX)
}

/// One user's open WebSockets (`gsi1`).
pub fn user_connections(company_id: &str, user_id: &str) -> Range<Connection> {
    Range::index(Index::Gsi1, user_connections_index(company_id, user_id), "")
}

/// The messages of one conversation (`gsi1`), oldest first.
pub fn conversation_messages(company_id: &str, conversation_id: &str) -> Range<ChatMessage> {
    Range::index(
        Index::Gsi1,
        super::keys::conversation_messages(company_id, conversation_id),
        "",
    )
}

/// A company's analytics counters; `between` takes `{day}` bounds.
pub fn analytics(company_id: &str) -> Range<AnalyticsCounter> {
    Range::table(analytics_partition(company_id), "")
}

pub fn inventory_items(company_id: &str) -> Range<InventoryItem> {
    Range::table(inventory_partition(company_id), INVENTORY_ITEM_PREFIX)
}

pub fn inventory_categories(company_id: &str) -> Range<InventoryCategory> {
    Range::table(inventory_partition(company_id), INVENTORY_CATEGORY_PREFIX)
}

/// One item's stock changes, oldest first in key order (ULIDs).
pub fn inventory_changes(company_id: &str, item_id: &str) -> Range<InventoryChange> {
    Range::table(
        inventory_history(company_id, item_id),
        INVENTORY_CHANGE_PREFIX,
    )
}

pub fn payments(company_id: &str) -> Range<Payment> {
    Range::table(payments_partition(company_id), PAYMENT_PREFIX)
}

pub fn prompts(company_id: &str) -> Range<Prompt> {
    Range::table(prompts_partition(company_id), PROMPT_PREFIX)
}

pub fn prompt_categories(company_id: &str) -> Range<PromptCategory> {
    Range::table(prompts_partition(company_id), PROMPT_CATEGORY_PREFIX)
}

/// The prompts waiting for review (`gsi1`, sparse), oldest request first.
pub fn pending_prompts(company_id: &str) -> Range<Prompt> {
    Range::index(Index::Gsi1, super::keys::pending_prompts(company_id), "")
}

pub fn prompt_versions(company_id: &str, prompt_id: &str) -> Range<PromptVersion> {
    Range::table(
        super::keys::prompt_versions(company_id, prompt_id),
        PROMPT_VERSION_PREFIX,
    )
}

/// Prompt use counters; `between` takes `{day}` bounds.
pub fn prompt_uses(company_id: &str) -> Range<PromptUseCounter> {
    Range::table(prompt_uses_partition(company_id), "")
}

pub fn files(company_id: &str) -> Range<FileRecord> {
    Range::table(files_partition(company_id), FILE_PREFIX)
}

/// One user's files (`gsi1`), oldest first.
pub fn user_files(company_id: &str, user_id: &str) -> Range<FileRecord> {
    Range::index(
        Index::Gsi1,
        super::keys::user_files(company_id, user_id),
        "",
    )
}

pub fn exports(company_id: &str) -> Range<ExportRecord> {
    Range::table(exports_partition(company_id), EXPORT_PREFIX)
}

/// The search index's postings of terms starting with `word`, as rows of `T`.
pub fn postings<T>(company_id: &str, word: &str) -> Range<T> {
    Range::table(search_partition(company_id, word), word)
}

/// Open assignments due on `day` (`gsi3`), as rows of `T` (the index projects a few
/// attributes).
pub fn due_on<T>(day: &str) -> Range<T> {
    Range::index(Index::Gsi3, super::keys::due_on(day), "")
}

/// Certificates lapsing from `from` to `to` (`YYYY-MM-DD`, both in `from`'s month;
/// `gsi3`), as rows of `T` (their keys).
pub fn expiring_between<T>(from: &str, to: &str) -> Range<T> {
    Range::index(
        Index::Gsi3,
        super::keys::expiring_in(from.get(..7).unwrap_or_default()),
        "",
    )
    .between(from, &format!("{to}~"))
}

/// Events starting on `day` (`gsi2`), as rows of `T`.
pub fn events_on_day<T>(day: &str) -> Range<T> {
    Range::index(Index::Gsi2, super::keys::events_on_day(day), "")
}
