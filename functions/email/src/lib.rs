//! `/api/email` (admin): the mail outbox of the company, SES's state, and mail sent
//! on request. Every mail goes through the outbox; the mailer sends it.

mod connection;
mod jobs;
mod queue;
mod send;

use axum::Router;
use campus::AppState;

campus::api!(
    connection::test_connection,
    queue::status,
    queue::clear,
    send::send_test,
    send::send_welcome,
    send::send_certificate,
    jobs::send_deadline_reminders,
    jobs::send_team_reports,
);

pub fn router(state: AppState) -> Router {
    campus::http::stack(routes(), state)
}
