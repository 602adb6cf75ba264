//! Whose data each kind of stored item is. The GDPR export
//! (`GET /api/users/me/export`) carries every kind marked [`Personal::Exported`], and a
//! test holds it to this list; another test fails when a kind is stored (a `NAME` in
//! the store or the domain) that this list does not decide on. A new entity is thus
//! either exported or says here why not.

use super::*;
use crate::db::Entity;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Personal {
    /// One user's data: the export carries it under this name.
    Exported(&'static str),
    /// Not one person's data, or only a pointer, a secret or a short-lived guard; the
    /// reason.
    Not(&'static str),
}

use Personal::{Exported, Not};

/// Every kind of stored item, by its `entity` name.
pub const KINDS: &[(&str, Personal)] = &[
    (User::NAME, Exported("user")),
    (Company::NAME, Exported("company")),
    (Login::NAME, Exported("signIn")),
    (Session::NAME, Exported("sessions")),
    (Settings::NAME, Exported("settings")),
    (ApiKey::NAME, Exported("apiKeys")),
    (TeamMember::NAME, Exported("teamMemberships")),
    (Assignment::NAME, Exported("assignments")),
    (PathAssignment::NAME, Exported("pathAssignments")),
    (Certificate::NAME, Exported("certificates")),
    (Attempt::NAME, Exported("quizAttempts")),
    (Notification::NAME, Exported("notifications")),
    (
        NotificationPreferences::NAME,
        Exported("notificationPreferences"),
    ),
    (CheckIn::NAME, Exported("checkIns")),
    (CalendarEvent::NAME, Exported("events")),
    (Prompt::NAME, Exported("prompts")),
    (PROMPT_USES, Exported("promptUses")),
    (FileRecord::NAME, Exported("files")),
    (Conversation::NAME, Exported("conversations")),
    (ChatMessage::NAME, Exported("chatMessages")),
    (Payment::NAME, Exported("payments")),
    (AuditEntry::NAME, Exported("auditEntries")),
    (Mail::NAME, Exported("mails")),
    (Invite::NAME, Exported("invites")),
    (ExportRecord::NAME, Exported("exports")),
    (Department::NAME, Not("the company's structure")),
    (CompanyDomain::NAME, Not("the company's sign-in settings")),
    (DomainClaim::NAME, Not("a pointer to a company")),
    (
        Team::NAME,
        Not("the company's structure; membership is exported"),
    ),
    (Course::NAME, Not("the company's catalogue")),
    (Module::NAME, Not("the company's catalogue")),
    (Lesson::NAME, Not("the company's catalogue")),
    (Quiz::NAME, Not("the company's catalogue")),
    (LearningPath::NAME, Not("the company's catalogue")),
    (
        QuizRecord::NAME,
        Not("a tally of the attempts, which are exported"),
    ),
    (
        PromptVersion::NAME,
        Not("a prompt's history; the user's prompts are exported as they stand"),
    ),
    (PromptCategory::NAME, Not("the company's prompt library")),
    (PromptCategoryName::NAME, Not("a uniqueness guard")),
    (InventoryItem::NAME, Not("the company's stock")),
    (InventorySku::NAME, Not("a uniqueness guard")),
    (InventoryCategory::NAME, Not("the company's stock")),
    (
        InventoryChange::NAME,
        Not("the company's stock records; who changed it is in the audit entries"),
    ),
    (BillingAccount::NAME, Not("the company's subscription")),
    (StripeCustomer::NAME, Not("a pointer to the company")),
    (StripePaymentIntent::NAME, Not("a pointer to a payment")),
    (
        StripeEventMark::NAME,
        Not("a guard against replayed events"),
    ),
    (CertificateGuard::NAME, Not("a uniqueness guard")),
    (CertificateCode::NAME, Not("a pointer to a certificate")),
    (InviteToken::NAME, Not("a pointer holding a secret's hash")),
    (
        PasswordToken::NAME,
        Not("a pointer holding a secret's hash"),
    ),
    (OAuthState::NAME, Not("a sign-in under way, ten minutes")),
    (Lockout::NAME, Not("failed sign-ins, kept for 15 minutes")),
    (RateWindow::NAME, Not("a rate limit's count, one minute")),
    (IdempotencyRecord::NAME, Not("a sealed answer, 24 hours")),
    (Connection::NAME, Not("an open socket, two hours")),
    (ConnectionPointer::NAME, Not("a pointer to an open socket")),
    (
        "search_posting",
        Not("derived from items exported themselves"),
    ),
    (
        "reminded",
        Not("a guard against a reminder sent twice, 31 days"),
    ),
    (COMPANY_STATS, Not("company-wide totals")),
    (DAILY_STATS, Not("company-wide totals")),
    (QUIZ_STATS, Not("company-wide totals")),
    (
        ANALYTICS,
        Not("company-wide counts of events; no event of a user is kept"),
    ),
];

/// Stored kinds written only by update expressions, which have no `Entity` of their own.
pub const PROMPT_USES: &str = "prompt_uses";
pub const COMPANY_STATS: &str = "company_stats";
pub const DAILY_STATS: &str = "daily_stats";
pub const QUIZ_STATS: &str = "quiz_stats";
pub const ANALYTICS: &str = "analytics";

/// The sections of the export, in the order of [`KINDS`].
pub fn exported() -> impl Iterator<Item = &'static str> {
    KINDS.iter().filter_map(|(_, p)| match p {
        Exported(section) => Some(*section),
        Not(_) => None,
    })
}
