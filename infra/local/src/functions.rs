//! Every HTTP function's router and OpenAPI document, by its binary name.

use axum::Router;
use campus::AppState;

pub struct Function {
    /// The binary name, as `template.yaml` names it in `BuildProperties.Binary`.
    pub name: &'static str,
    pub router: fn(AppState) -> Router,
    pub openapi: fn() -> utoipa::openapi::OpenApi,
}

pub const HTTP_FUNCTIONS: &[Function] = &[
    Function {
        name: "system",
        router: campus_system::router,
        openapi: campus_system::openapi,
    },
    Function {
        name: "auth",
        router: campus_auth::router,
        openapi: campus_auth::openapi,
    },
    Function {
        name: "users",
        router: campus_users::router,
        openapi: campus_users::openapi,
    },
    Function {
        name: "courses",
        router: campus_courses::router,
        openapi: campus_courses::openapi,
    },
    Function {
        name: "teams",
        router: campus_teams::router,
        openapi: campus_teams::openapi,
    },
    Function {
        name: "progress",
        router: campus_progress::router,
        openapi: campus_progress::openapi,
    },
    Function {
        name: "certificates",
        router: campus_certificates::router,
        openapi: campus_certificates::openapi,
    },
    Function {
        name: "reports",
        router: campus_reports::router,
        openapi: campus_reports::openapi,
    },
    Function {
        name: "calendar",
        router: campus_calendar::router,
        openapi: campus_calendar::openapi,
    },
    Function {
        name: "notifications",
        router: campus_notifications::router,
        openapi: campus_notifications::openapi,
    },
    Function {
        name: "email",
        router: campus_email::router,
        openapi: campus_email::openapi,
    },
    Function {
        name: "checkins",
        router: campus_checkins::router,
        openapi: campus_checkins::openapi,
    },
    Function {
        name: "billing",
        router: campus_billing::router,
        openapi: campus_billing::openapi,
    },
    Function {
        name: "inventory",
        router: campus_inventory::router,
        openapi: campus_inventory::openapi,
    },
    Function {
        name: "chat",
        router: campus_chat::router,
        openapi: campus_chat::openapi,
    },
    Function {
        name: "audit",
        router: campus_audit::router,
        openapi: campus_audit::openapi,
    },
    Function {
        name: "platform",
        router: campus_platform::router,
        openapi: campus_platform::openapi,
    },
    Function {
        name: "analytics",
        router: campus_analytics::router,
        openapi: campus_analytics::openapi,
    },
    Function {
        name: "prompts",
        router: campus_prompts::router,
        openapi: campus_prompts::openapi,
    },
    Function {
        name: "files",
        router: campus_files::router,
        openapi: campus_files::openapi,
    },
    Function {
        name: "search",
        router: campus_search::router,
        openapi: campus_search::openapi,
    },
    Function {
        name: "exports",
        router: campus_exports::router,
        openapi: campus_exports::openapi,
    },
    Function {
        name: "paths",
        router: campus_paths::router,
        openapi: campus_paths::openapi,
    },
    Function {
        name: "stripe-webhook",
        router: campus_stripe_webhook::router,
        openapi: campus_stripe_webhook::openapi,
    },
];

pub fn by_name(name: &str) -> Option<&'static Function> {
    HTTP_FUNCTIONS.iter().find(|f| f.name == name)
}
