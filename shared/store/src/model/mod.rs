//! Stored entities. Each one's API shape is its stored shape (camelCase), minus the
//! key attributes that [`crate::db::Entity::keys`] adds; secrets live in their own items.

mod analytics;
mod api_key;
mod audit;
mod billing;
mod certificate;
mod chat;
mod checkin;
mod company;
mod connection;
mod course;
mod department;
mod domain;
mod event;
mod export;
mod fields;
pub mod file;
mod idempotency;
mod inventory;
mod invite;
mod login;
mod notification;
mod oauth_state;
mod outbox;
mod password_token;
mod path;
pub mod personal;
mod plan;
mod progress;
mod prompt;
mod quiz;
mod rate;
mod role;
mod session;
mod settings;
mod stats;
mod team;
mod user;
mod versioned;

pub use analytics::AnalyticsCounter;
pub use api_key::{ApiKey, ApiKeyView};
pub use audit::AuditEntry;
pub use billing::{
    BillingAccount, Payment, PaymentKind, PaymentStatus, StripeCustomer, StripeEventMark,
    StripePaymentIntent, subscription_live,
};
pub use certificate::{
    Certificate, CertificateCode, CertificateGuard, CertificateView, verify_url,
};
pub use chat::{ChatMessage, ChatRole, Conversation, Rating};
pub use checkin::CheckIn;
pub use company::{Company, CompanyStatus, PLATFORM_COMPANY, company_order};
pub use connection::{Connection, ConnectionPointer};
pub use course::{
    Assignment, AssignmentRow, Course, CourseStatus, Difficulty, Lesson, LessonType, Module,
};
pub use department::Department;
pub use domain::{CompanyDomain, DomainClaim};
pub use event::{Audience, CalendarEvent, EventType, EventView};
pub use export::{EXPORT_RETENTION_DAYS, ExportDelivery, ExportRecord};
pub use file::{FilePurpose, FileRecord, FileStatus};
pub use idempotency::IdempotencyRecord;
pub use inventory::{InventoryCategory, InventoryChange, InventoryItem, InventorySku};
pub use invite::{Invite, InviteStatus, InviteToken, InviteView, invite_token_company};
pub use login::{Lockout, Login};
pub use notification::{Channels, NOTIFICATION_TYPES, Notification, NotificationPreferences};
pub use oauth_state::OAuthState;
pub use outbox::{Mail, MailStatus, OUTBOX_DUE};
pub use password_token::PasswordToken;
pub use path::{LearningPath, PathAssignment, PathStep};
pub use plan::{Feature, Plan};
pub use progress::ProgressView;
pub use prompt::{
    Prompt, PromptCategory, PromptCategoryName, PromptStatus, PromptUseCounter, PromptVersion,
};
pub use quiz::{
    Answer, Attempt, AttemptStatus, AttemptView, Question, QuestionKind, Quiz, QuizOption,
    QuizRecord, QuizStats, Reveal,
};
pub use rate::RateWindow;
pub use role::Role;
pub use session::Session;
pub use settings::Settings;
pub use stats::{Bump, CompanyStats, DailyStats};
pub use team::{Team, TeamMember, TeamRole};
pub use user::{User, UserStatus};
pub use versioned::Versioned;
