//! The mail templates, compiled into the binary: for each name a subject, a plain-text
//! body and an HTML body (auto-escaped, on a shared layout).

use std::sync::LazyLock;

use minijinja::{Environment, value::Serde};
use serde_json::Value;

/// One list of names gives both the names and their compiled-in sources.
macro_rules! templates {
    ($($name:literal),+ $(,)?) => {
        /// Every template name a producer may put on a mail.
        pub const NAMES: &[&str] = &[$($name),+];

        const SOURCES: &[(&str, &str)] = &[$(
            (concat!($name, ".subject"), include_str!(concat!("../templates/", $name, ".subject"))),
            (concat!($name, ".txt"), include_str!(concat!("../templates/", $name, ".txt"))),
            (concat!($name, ".html"), include_str!(concat!("../templates/", $name, ".html"))),
        )+];
    };
}

templates!(
    "welcome",
    "invite",
    "set_password",
    "password_reset",
    "course_assigned",
    "path_assigned",
    "deadline_reminder",
    "event_reminder",
    "certificate_issued",
    "certificate_expiring",
    "team_report",
    "notification",
    "test",
);

static ENV: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    // Templates are compiled in: one that does not parse fails the unit tests, and
    // here it leaves that template unknown (its mail fails, visibly) rather than
    // taking the process down.
    for (name, source) in SOURCES
        .iter()
        .copied()
        .chain([("layout.html", include_str!("../templates/layout.html"))])
    {
        if let Err(e) = env.add_template(name, source) {
            tracing::error!(template = name, error = %e, "mail template does not parse");
        }
    }
    env
});

/// A mail ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Renders one mail; an unknown template or a rendering error is a permanent failure.
pub fn render(template: &str, data: &Value) -> Result<Rendered, String> {
    let one = |ext: &str| -> Result<String, String> {
        ENV.get_template(&format!("{template}.{ext}"))
            .and_then(|t| t.render(Serde(data)))
            .map_err(|e| format!("template {template}.{ext}: {e}"))
    };
    Ok(Rendered {
        // A subject is one line, whatever the data held.
        subject: one("subject")?
            .replace(['\r', '\n'], " ")
            .trim()
            .to_string(),
        text: one("txt")?,
        html: one("html")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_template_renders_with_its_data() {
        let data = json!({
            "name": "Ada <Admin>", "companyName": "Acme", "loginUrl": "https://x/login",
            "role": "manager", "inviteUrl": "https://x/i", "expiresAt": "2026-12-01T00:00:00Z",
            "url": "https://x/u?token=abc", "minutes": 60, "courseTitle": "Privacy",
            "dueDate": "2026-12-01T23:59:59Z", "days": 3, "overdue": false, "percent": 40,
            "title": "Town hall", "startsAt": "2026-12-01T10:00:00Z", "location": "Hall",
            "code": "ABCD-EFGH", "verifyUrl": "https://x/v/ABCD", "teamName": "Crew",
            "members": 3, "completed": 1, "averagePercent": 50,
            "behind": [{"name": "Sam", "overdue": 2}], "body": "Read this", "link": "/x",
            "sentAt": "2026-11-21T12:00:00Z",
        });
        for name in NAMES {
            let r = render(name, &data).unwrap_or_else(|e| panic!("{e}"));
            assert!(!r.subject.is_empty() && !r.subject.contains('\n'), "{name}");
            assert!(r.html.contains("<html"), "{name}: the layout");
            assert!(
                !r.text.contains("<p") && !r.text.contains("<html"),
                "{name}: text has no markup"
            );
        }
        let r = render("password_reset", &data).unwrap();
        assert!(r.text.contains("https://x/u?token=abc"));
        assert!(r.html.contains("Ada &lt;Admin&gt;"), "HTML is escaped");
        assert!(r.text.contains("Ada <Admin>"), "text is not");
        assert!(render("no_such_template", &data).is_err());
    }

    #[test]
    fn reminders_say_overdue_or_how_soon() {
        let r = render(
            "deadline_reminder",
            &json!({"name": "A", "courseTitle": "C", "dueDate": "d", "days": 1, "overdue": false, "percent": 0, "url": "u"}),
        )
        .unwrap();
        assert_eq!(r.subject, "Due in 1 day: C");
        let r = render(
            "deadline_reminder",
            &json!({"name": "A", "courseTitle": "C", "dueDate": "d", "days": 0, "overdue": true, "percent": 0, "url": "u"}),
        )
        .unwrap();
        assert_eq!(r.subject, "Overdue: C");
    }
}
