//! The authorization matrix: every route of the OpenAPI document × anonymous, every
//! role of a company, and an admin of another company, with the expected outcome.
//! The table below names every route; a route added to the API without a row here
//! fails the test, and so does a row for a route that is gone.

use std::collections::{BTreeMap, BTreeSet};

use campus_tests::{Account, Resp, app, course_with_lessons, join, new_company_on, team_led_by};
use serde_json::{Value, json};

/// Who may call a route.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Who {
    /// Anyone, signed in or not.
    Public,
    /// Any signed-in user of the company.
    User,
    Instructor,
    Manager,
    Admin,
    /// The platform operator (`super_admin`): every role of a company is refused.
    Operator,
    /// Any signed-in user, and then the resource decides (its owner, author, team
    /// lead, or manager+): a path naming nothing answers the same to every role.
    Resource,
}

use Who::*;

const MATRIX: &[(&str, Who)] = &[
    ("GET /api/analytics", Manager),
    ("POST /api/analytics/event", User),
    ("GET /api/audit-logs", Admin),
    ("GET /api/platform/companies", Operator),
    ("GET /api/platform/companies/{id}", Operator),
    ("POST /api/platform/companies/{id}/suspend", Operator),
    ("POST /api/platform/companies/{id}/unsuspend", Operator),
    ("POST /api/auth/login", Public),
    ("POST /api/auth/logout", User),
    ("GET /api/auth/me", User),
    ("POST /api/auth/password/change", User),
    ("POST /api/auth/password/forgot", Public),
    ("POST /api/auth/password/reset", Public),
    ("POST /api/auth/refresh", Public),
    ("POST /api/auth/refresh-token", Public),
    ("POST /api/auth/register", Public),
    ("GET /api/auth/{provider}", Public),
    ("GET /api/auth/{provider}/callback", Public),
    ("GET /api/avatars/{companyId}/{fileId}", Public),
    ("POST /api/calendar/course-events", Manager),
    ("GET /api/calendar/events", User),
    ("POST /api/calendar/events", User),
    ("GET /api/calendar/events/{eventId}", User),
    ("PUT /api/calendar/events/{eventId}", Resource),
    ("PATCH /api/calendar/events/{eventId}", Resource),
    ("DELETE /api/calendar/events/{eventId}", Resource),
    ("POST /api/calendar/events/{eventId}/attend", User),
    ("DELETE /api/calendar/events/{eventId}/attend", User),
    ("GET /api/calendar/stats", User),
    ("GET /api/calendar/upcoming", User),
    ("GET /api/certificates", User),
    ("POST /api/certificates/generate", Manager),
    ("GET /api/certificates/verify/{code}", Public),
    ("GET /api/certificates/{id}", Resource),
    ("GET /api/certificates/{id}/download", Resource),
    ("POST /api/chat/feedback", User),
    ("GET /api/chat/history", User),
    ("POST /api/chat/message", User),
    ("GET /api/checkins", User),
    ("POST /api/checkins", User),
    ("GET /api/checkins/me", User),
    ("DELETE /api/checkins/{id}", Resource),
    ("GET /api/company", User),
    ("PUT /api/company", Admin),
    ("PATCH /api/company", Admin),
    ("GET /api/company/departments", User),
    ("GET /api/company/domains", Admin),
    ("POST /api/company/domains", Admin),
    ("DELETE /api/company/domains/{domain}", Admin),
    ("POST /api/company/departments", Admin),
    ("GET /api/company/departments/{id}", User),
    ("PUT /api/company/departments/{id}", Admin),
    ("PATCH /api/company/departments/{id}", Admin),
    ("DELETE /api/company/departments/{id}", Admin),
    ("GET /api/company/invites", Manager),
    ("POST /api/company/invites", Manager),
    ("DELETE /api/company/invites/{id}", Manager),
    ("GET /api/paths", User),
    ("POST /api/paths", Instructor),
    ("GET /api/paths/{id}", User),
    ("PUT /api/paths/{id}", Instructor),
    ("PATCH /api/paths/{id}", Instructor),
    ("DELETE /api/paths/{id}", Instructor),
    ("POST /api/paths/{id}/assign", Manager),
    ("GET /api/paths/{id}/progress", User),
    ("GET /api/courses", User),
    ("POST /api/courses", Instructor),
    ("GET /api/courses/{id}", User),
    ("PUT /api/courses/{id}", Instructor),
    ("PATCH /api/courses/{id}", Instructor),
    ("DELETE /api/courses/{id}", Instructor),
    ("POST /api/courses/{id}/enroll", User),
    ("POST /api/courses/{id}/modules", Instructor),
    ("GET /api/courses/{id}/modules/{moduleId}", Instructor),
    ("PUT /api/courses/{id}/modules/{moduleId}", Instructor),
    ("PATCH /api/courses/{id}/modules/{moduleId}", Instructor),
    ("DELETE /api/courses/{id}/modules/{moduleId}", Instructor),
    (
        "POST /api/courses/{id}/modules/{moduleId}/lessons",
        Instructor,
    ),
    (
        "GET /api/courses/{id}/modules/{moduleId}/lessons/{lessonId}",
        Instructor,
    ),
    (
        "PUT /api/courses/{id}/modules/{moduleId}/lessons/{lessonId}",
        Instructor,
    ),
    (
        "PATCH /api/courses/{id}/modules/{moduleId}/lessons/{lessonId}",
        Instructor,
    ),
    (
        "DELETE /api/courses/{id}/modules/{moduleId}/lessons/{lessonId}",
        Instructor,
    ),
    (
        "GET /api/courses/{id}/modules/{moduleId}/lessons/{lessonId}/quiz",
        Instructor,
    ),
    (
        "PUT /api/courses/{id}/modules/{moduleId}/lessons/{lessonId}/quiz",
        Instructor,
    ),
    (
        "PATCH /api/courses/{id}/modules/{moduleId}/lessons/{lessonId}/quiz",
        Instructor,
    ),
    ("POST /api/quizzes/{lessonId}/attempts", User),
    ("GET /api/quizzes/{lessonId}/attempts", Resource),
    (
        "POST /api/quizzes/{lessonId}/attempts/{attemptId}/submit",
        User,
    ),
    ("GET /api/dashboard", User),
    ("GET /api/docs", Public),
    ("POST /api/email/queue-clear", Admin),
    ("GET /api/email/queue-status", Admin),
    ("POST /api/email/send-certificate", Admin),
    ("POST /api/email/send-deadline-reminders", Admin),
    ("POST /api/email/send-team-reports", Admin),
    ("POST /api/email/send-test", Admin),
    ("POST /api/email/send-welcome/{userId}", Admin),
    ("GET /api/email/test-connection", Admin),
    ("GET /api/export", User),
    ("GET /api/export/history", User),
    ("GET /api/files", User),
    ("GET /api/files/{id}", Resource),
    ("DELETE /api/files/{id}", Resource),
    ("POST /api/files/{id}/complete", Resource),
    ("GET /api/health", Public),
    ("GET /api/inventory", User),
    ("POST /api/inventory", Manager),
    ("GET /api/inventory/categories", User),
    ("GET /api/inventory/{id}", User),
    ("PUT /api/inventory/{id}", Manager),
    ("PATCH /api/inventory/{id}", Manager),
    ("DELETE /api/inventory/{id}", Manager),
    ("POST /api/inventory/{id}/adjust", Manager),
    ("GET /api/inventory/{id}/history", Manager),
    ("GET /api/notifications", User),
    ("PUT /api/notifications", User),
    ("POST /api/notifications", Manager),
    ("POST /api/notifications/bulk", Manager),
    ("POST /api/notifications/mark-all-read", User),
    ("GET /api/notifications/preferences", User),
    ("PUT /api/notifications/preferences", User),
    ("PATCH /api/notifications/preferences", User),
    ("PUT /api/notifications/read-all", User),
    ("GET /api/notifications/stats", User),
    ("DELETE /api/notifications/{id}", User),
    ("PUT /api/notifications/{id}/read", User),
    ("POST /api/notifications/{id}/read", User),
    ("GET /api/payments", Admin),
    ("POST /api/payments", User),
    ("POST /api/payments/{id}/refund", Admin),
    ("POST /api/progress/event", User),
    ("GET /api/progress/me", User),
    ("GET /api/progress/user/{userId}", Resource),
    ("GET /api/progress/{courseId}", User),
    ("POST /api/progress/{courseId}", User),
    ("GET /api/prompts", User),
    ("POST /api/prompts", User),
    ("GET /api/prompts/analytics/usage", Manager),
    ("GET /api/prompts/approvals/requests", Manager),
    ("PUT /api/prompts/approvals/{id}", Manager),
    ("GET /api/prompts/categories", User),
    ("POST /api/prompts/categories", Admin),
    ("GET /api/prompts/{id}", User),
    ("PUT /api/prompts/{id}", Resource),
    ("PATCH /api/prompts/{id}", Resource),
    ("DELETE /api/prompts/{id}", Resource),
    ("POST /api/prompts/{id}/use", User),
    ("GET /api/prompts/{id}/versions", User),
    ("GET /api/reports/compliance", Manager),
    ("GET /api/reports/quizzes", Manager),
    ("GET /api/reports/dashboard", Manager),
    ("GET /api/reports/department", Manager),
    ("GET /api/reports/export/{type}", Manager),
    ("GET /api/reports/team", Manager),
    ("GET /api/search", User),
    ("GET /api/settings", User),
    ("PUT /api/settings", User),
    ("PATCH /api/settings", User),
    ("GET /api/subscriptions", User),
    ("POST /api/subscriptions", Admin),
    ("POST /api/subscriptions/cancel", Admin),
    ("PUT /api/subscriptions/{id}", Admin),
    ("GET /api/team/analytics", Manager),
    ("POST /api/team/assign-course", Manager),
    ("GET /api/team/members", Manager),
    ("GET /api/team/members/{userId}", Manager),
    (
        "DELETE /api/team/members/{userId}/courses/{courseId}",
        Manager,
    ),
    ("PUT /api/team/members/{userId}/department", Manager),
    ("GET /api/team/progress", Manager),
    ("GET /api/teams", User),
    ("POST /api/teams", Manager),
    ("GET /api/teams/{id}", Resource),
    ("PUT /api/teams/{id}", Resource),
    ("PATCH /api/teams/{id}", Resource),
    ("DELETE /api/teams/{id}", Resource),
    ("POST /api/teams/{id}/members", Resource),
    ("PUT /api/teams/{id}/members/{userId}", Resource),
    ("DELETE /api/teams/{id}/members/{userId}", Resource),
    ("POST /api/upload", User),
    ("GET /api/users", Manager),
    ("POST /api/users", Admin),
    ("GET /api/users/me/api-keys", Admin),
    ("POST /api/users/me/api-keys", Admin),
    ("DELETE /api/users/me/api-keys/{id}", Admin),
    ("GET /api/users/me/export", User),
    ("GET /api/users/{id}", Resource),
    ("PUT /api/users/{id}", Resource),
    ("PATCH /api/users/{id}", Resource),
    ("DELETE /api/users/{id}", Resource),
    ("GET /api/version", Public),
    ("POST /api/webhooks/stripe", Public),
];

/// Ids for path parameters: well-formed, naming nothing.
const NOBODY: &str = "01JDZZZZZZZZZZZZZZZZZZZZZZ";

fn documented_routes() -> BTreeSet<String> {
    let doc: Value = serde_json::from_str(include_str!("../../../docs/openapi.json")).unwrap();
    let mut routes = BTreeSet::new();
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for method in ops.as_object().unwrap().keys() {
            if ["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                routes.insert(format!("{} {path}", method.to_uppercase()));
            }
        }
    }
    routes
}

/// `path` with each `{param}` replaced by `id(param)`; `None` if one has no value.
fn fill(path: &str, id: impl Fn(&str) -> Option<String>) -> Option<String> {
    path.split('/')
        .map(
            |seg| match seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(param) => id(param),
                None => Some(seg.to_string()),
            },
        )
        .collect::<Option<Vec<_>>>()
        .map(|v| v.join("/"))
}

fn role_rank(role: &str) -> Who {
    match role {
        "participant" => User,
        "instructor" => Instructor,
        "manager" => Manager,
        _ => Admin,
    }
}

/// Another company's things, by the name a path gives their id.
struct Theirs {
    ids: BTreeMap<&'static str, String>,
}

impl Theirs {
    async fn make() -> Self {
        let t = app();
        let admin = new_company_on("pro").await;
        let member = join(&admin, "participant").await;
        let mut ids = BTreeMap::new();
        let (course, lessons) = course_with_lessons(&admin, "Theirs", "published", 1).await;
        let detail = t
            .get(&format!("/api/courses/{course}"), admin.token())
            .await
            .expect(200);
        let module = detail.body["modules"][0]["id"].as_str().map(str::to_string);
        let created = |r: Resp| r.expect(201).body["id"].as_str().map(str::to_string);
        let post = |path: &'static str, body: Value| {
            let admin = admin.clone();
            async move { t.post(path, admin.token(), body).await }
        };
        let category = created(post("/api/prompts/categories", json!({"name": "Theirs"})).await);
        let path = created(
            post(
                "/api/paths",
                json!({"title": "Theirs", "status": "published", "steps": [{"courseId": course}]}),
            )
            .await,
        );
        let entries: Vec<(&'static str, Option<String>)> = vec![
            ("company", Some(admin.company_id.clone())),
            ("user", Some(member.user_id.clone())),
            ("admin", Some(admin.user_id.clone())),
            ("course", Some(course)),
            ("path", path),
            ("module", module),
            ("lesson", lessons.first().cloned()),
            ("team", Some(team_led_by(&admin, &[&member]).await)),
            ("department", created(post("/api/company/departments", json!({"name": "Theirs"})).await)),
            (
                "invite",
                created(post("/api/company/invites", json!({"email": campus_tests::unique_email("theirs"), "role": "participant"})).await),
            ),
            (
                "event",
                created(post("/api/calendar/events", json!({"title": "Theirs", "startsAt": "2031-01-01T09:00:00Z", "endsAt": "2031-01-01T10:00:00Z", "type": "session", "audience": "company"})).await),
            ),
            (
                "prompt",
                created(post("/api/prompts", json!({"title": "Theirs", "content": "Say {{x}}", "categoryId": category, "tags": [], "variables": ["x"]})).await),
            ),
            (
                "inventory",
                created(post("/api/inventory", json!({"name": "Theirs", "sku": "T-1", "category": "c", "quantity": 3, "location": "A", "lowStockThreshold": 1})).await),
            ),
            ("checkin", created(post("/api/checkins", json!({"location": "Theirs"})).await)),
            ("notification", {
                post("/api/notifications", json!({"userId": member.user_id, "type": "announcement", "title": "Theirs", "body": "x", "channels": ["inApp"]}))
                    .await
                    .expect(201);
                t.get("/api/notifications", member.token()).await.expect(200).body["items"][0]["id"]
                    .as_str()
                    .map(str::to_string)
            }),
            (
                "file",
                post("/api/upload", json!({"filename": "t.txt", "contentType": "text/plain", "size": 5, "purpose": "attachment"}))
                    .await
                    .expect(201)
                    .body["fileId"]
                    .as_str()
                    .map(str::to_string),
            ),
            ("apikey", created(post("/api/users/me/api-keys", json!({"name": "Theirs"})).await)),
        ];
        for (name, id) in entries {
            ids.insert(
                name,
                id.unwrap_or_else(|| panic!("their {name} was not made")),
            );
        }
        Self { ids }
    }

    /// Their id for `param` of `path`.
    fn id(&self, path: &str, param: &str) -> Option<String> {
        let of = |name: &str| self.ids.get(name).cloned();
        match param {
            "companyId" => of("company"),
            "userId" => of("user"),
            "courseId" => of("course"),
            "moduleId" => of("module"),
            "lessonId" => of("lesson"),
            // An attempt is looked up in the caller's own partition: any id will do.
            "attemptId" => Some("01THEIRATTEMPT".into()),
            "eventId" => of("event"),
            "fileId" => of("file"),
            "type" => Some("users".into()),
            // A domain nobody claimed: another company's answer is 404 all the same.
            "domain" => Some("theirs.example".into()),
            "id" => {
                let owner = [
                    ("/api/platform/companies/", "company"),
                    ("/api/courses/", "course"),
                    ("/api/paths/", "path"),
                    ("/api/teams/", "team"),
                    ("/api/company/departments/", "department"),
                    ("/api/company/invites/", "invite"),
                    ("/api/prompts/", "prompt"),
                    ("/api/inventory/", "inventory"),
                    ("/api/checkins/", "checkin"),
                    ("/api/notifications/", "notification"),
                    ("/api/files/", "file"),
                    ("/api/users/me/api-keys/", "apikey"),
                    ("/api/users/", "user"),
                ];
                owner
                    .iter()
                    .find(|(prefix, _)| path.starts_with(prefix))
                    .and_then(|(_, name)| of(name))
            }
            _ => None,
        }
    }

    fn all(&self) -> impl Iterator<Item = &String> {
        self.ids.values()
    }
}

#[tokio::test]
async fn every_route_answers_every_caller_as_the_table_says() {
    let t = app();
    let documented = documented_routes();
    let table: BTreeMap<&str, Who> = MATRIX.iter().copied().collect();
    let missing: Vec<&String> = documented
        .iter()
        .filter(|r| !table.contains_key(r.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "routes without a row in MATRIX: {missing:#?}"
    );
    let gone: Vec<&&str> = table.keys().filter(|r| !documented.contains(**r)).collect();
    assert!(gone.is_empty(), "rows for routes not in the API: {gone:#?}");

    let ours = new_company_on("pro").await;
    let mut callers: Vec<(&str, Account)> = vec![("admin", ours.clone())];
    for role in ["manager", "instructor", "participant"] {
        callers.push((role, join(&ours, role).await));
    }
    let theirs = Theirs::make().await;

    // Signing out and changing the password end sessions: last.
    let mut routes: Vec<(&str, Who)> = MATRIX.to_vec();
    routes.sort_by_key(|(r, _)| {
        u8::from(r.contains("password/change")) + 2 * u8::from(r.contains("logout"))
    });
    let mut failures = Vec::new();
    let mut isolated = 0;
    let mut unnamed = Vec::new();
    for (route, who) in routes {
        let (method, path) = route.split_once(' ').unwrap();
        let nobody = fill(path, |_| Some(NOBODY.to_string())).unwrap();
        let body = (method != "GET").then(|| json!({}));

        let r = t.call(method, &nobody, None, body.clone()).await;
        let ok = match who {
            Public => r.status != 401 && r.status < 500,
            _ => r.status == 401 && r.error_code() == "UNAUTHENTICATED",
        };
        if !ok {
            failures.push(format!("{route} anonymous: {} {}", r.status, r.body));
        }

        for (role, account) in &callers {
            let r = t.call(method, &nobody, account.token(), body.clone()).await;
            let refused = r.status == 403;
            let answered = r.status != 401 && r.status < 500;
            let ok = match who {
                Public | User => answered && !refused,
                // The resource may refuse (not its owner); no role is refused outright.
                Resource => answered,
                need => {
                    if role_rank(role) >= need {
                        answered && !refused
                    } else {
                        refused && r.error_code() == "FORBIDDEN"
                    }
                }
            };
            if !ok {
                failures.push(format!("{route} as {role}: {} {}", r.status, r.body));
            }
        }

        // Another company's admin, naming their things: never theirs.
        if who != Public {
            // A path naming their things (a report type names nobody's).
            if path.contains('{') && !path.ends_with("{type}") {
                let Some(their_path) = fill(path, |p| theirs.id(path, p)) else {
                    unnamed.push(route);
                    continue;
                };
                let r = t
                    .call(method, &their_path, ours.token(), body.clone())
                    .await;
                let ok = matches!(r.status, 403 | 404) || (body.is_some() && r.status == 400);
                if !ok {
                    failures.push(format!(
                        "{route} on another company's {their_path}: {} {}",
                        r.status, r.body
                    ));
                }
                isolated += 1;
            } else if method == "GET" {
                let r = t
                    .get(
                        &fill(path, |p| theirs.id(path, p)).unwrap_or_default(),
                        ours.token(),
                    )
                    .await;
                let mut body = r.body.clone();
                // The caller's own trail records the paths they asked for, other
                // companies' ids among them (this very test's attempts): theirs to see.
                if route == "GET /api/users/me/export" {
                    body["auditEntries"] = Value::Null;
                }
                let text = body.to_string();
                if let Some(leak) = theirs.all().find(|id| text.contains(id.as_str())) {
                    failures.push(format!("{route} shows another company's id {leak}"));
                }
                isolated += 1;
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} answers differ from the table:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // Only these name things the test does not make for the other company (Stripe's
    // payments and subscriptions, certificates of a finished course).
    assert_eq!(
        unnamed,
        [
            "GET /api/certificates/{id}",
            "GET /api/certificates/{id}/download",
            "POST /api/payments/{id}/refund",
            "PUT /api/subscriptions/{id}",
        ],
        "routes not tried across companies"
    );
    assert!(
        isolated > 90,
        "only {isolated} routes were tried across companies"
    );
}
