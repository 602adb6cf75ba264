//! The attributes that writes change one at a time (updates, conditions, filters),
//! named once here beside the entity they belong to. Each name is the serde name of
//! the entity's field.

use super::*;

macro_rules! fields {
    ($($t:ty { $($c:ident = $n:literal),* $(,)? })*) => {$(
        impl $t {
            $(pub const $c: crate::db::Field = crate::db::Field::new($n);)*
        }
    )*};
}

fields! {
    DomainClaim { COMPANY_ID = "companyId" }
    Company {
        SEATS = "seats",
        SEATS_USED = "seatsUsed",
        PLAN = "plan",
        STATUS = "status",
        SUSPENDED_REASON = "suspendedReason",
        SUSPENDED_AT = "suspendedAt",
    }
    ApiKey { LAST_USED_AT = "lastUsedAt", LAST_USED_EPOCH = "lastUsedEpoch" }
    Assignment { ASSIGNED_BY = "assignedBy", PATHS = "paths", STATUS = "status" }
    IdempotencyRecord { SEALED = "sealed", LOCKED_UNTIL = "lockedUntil" }
    Certificate { PDF_READY = "pdfReady" }
    Attempt { STATUS = "status" }
    QuizStats {
        COURSE_ID = "courseId",
        MODULE_ID = "moduleId",
        LESSON_ID = "lessonId",
        STARTED = "started",
        SUBMITTED = "submitted",
        PASSED = "passed",
    }
    CertificateGuard { CERTIFICATE_ID = "certificateId" }
    FileRecord { STATUS = "status" }
    User { EMAIL_VERIFIED = "emailVerified", AVATAR_URL = "avatarUrl", DEPARTMENT_ID = "departmentId", ROLE = "role" }
    AuditEntry {
        ACTOR_ID = "actorId",
        RESOURCE_ID = "resourceId",
        IP = "ip",
        USER_AGENT = "userAgent",
        ACTION = "action",
        RESOURCE_TYPE = "resourceType",
    }
    CalendarEvent { ATTENDEES = "attendees", CREATED_BY = "createdBy" }
    Invite { STATUS = "status", ACCEPTED_AT = "acceptedAt", EMAIL = "email" }
    Team { MEMBER_COUNT = "memberCount" }
    Course { MODULE_COUNT = "moduleCount", LESSON_COUNT = "lessonCount" }
    LearningPath { STATUS = "status" }
    Module { LESSON_COUNT = "lessonCount" }
    InventoryCategory { LABEL = "name", ITEMS = "items" }
    Prompt { STATUS = "status", AUTHOR_ID = "authorId", CATEGORY_ID = "categoryId", TAGS = "tags" }
    PromptUseCounter { DAY = "day", KIND = "kind", REF = "ref", TITLE = "title", COUNT = "count" }
    AnalyticsCounter { DAY = "day", EVENT = "name", COUNT = "count", USERS = "users", SESSIONS = "sessions" }
    Notification { READ = "read", KIND = "type" }
    FileRecord { PURPOSE = "purpose" }
    ExportRecord { USER_ID = "userId" }
    InventoryItem {
        CATEGORY = "category",
        QUANTITY = "quantity",
        LOW_STOCK_THRESHOLD = "lowStockThreshold",
    }
    Settings { VALUES_JSON = "valuesJson", COMPANY_ID = "companyId", USER_ID = "userId" }
    Login { PASSWORD_HASH = "passwordHash", PASSWORD_GENERATION = "passwordGeneration", USER_ID = "userId" }
    BillingAccount {
        COMPANY_ID = "companyId",
        STRIPE_CUSTOMER_ID = "stripeCustomerId",
        SUBSCRIPTION_ID = "subscriptionId",
        PLAN = "plan",
        STATUS = "status",
        EVENT_CREATED = "eventCreated",
        CURRENT_PERIOD_END = "currentPeriodEnd",
        CANCEL_AT_PERIOD_END = "cancelAtPeriodEnd",
    }
    Payment { USER_ID = "userId", STATUS = "status", REFUNDED_CENTS = "refundedCents", EVENT_CREATED = "eventCreated" }
    Mail { STATUS = "status", TEMPLATE = "template", TO = "to" }
    DailyStats {
        COMPLETIONS = "completions",
        CERTIFICATES_ISSUED = "certificatesIssued",
        LESSONS_COMPLETED = "lessonsCompleted",
        PROMPT_USES = "promptUses",
    }
    Session {
        REVOKED = "revoked",
        GENERATION = "generation",
        REFRESHED_AT = "refreshedAt",
        EXPIRES_AT = "expiresAt",
    }
}
