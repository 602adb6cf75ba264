//! A scripted walk over every endpoint, counting DynamoDB round trips per request
//! against the ideal: one for a read (two with the session check), one transaction
//! for a write (plus the session check when signed in), plus the rate limit's count
//! on every route it covers.

use axum::{Router, body::Body, http::Request};
use campus::db::metrics::DynamoCalls;
use serde::Serialize;
use serde_json::{Value, json};
use tower::ServiceExt;

#[derive(Debug, Serialize)]
pub struct Step {
    pub method: String,
    pub route: String,
    pub status: u16,
    pub calls: u32,
    /// The request units those calls are billed on demand (see `DynamoCalls`).
    pub read_units: f64,
    pub write_units: f64,
    pub ideal: u32,
    /// Why the ideal is more than the rule's, where it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub why: Option<&'static str>,
}

#[derive(Clone, Copy)]
enum Kind {
    /// No table access needed.
    Static,
    Read,
    Write,
    /// Must read before it writes (a partial update merges into the stored item; an
    /// invite checks the email; a delete needs a key held by the item).
    ReadWrite,
    /// A sequence the rule does not cover, with the reason.
    Steps(u32, &'static str),
}

struct Walk {
    app: Router,
    steps: Vec<Step>,
}

impl Walk {
    /// `event` delivered to the Stripe webhook, signed with the configured secret.
    async fn stripe_event(&mut self, event: Value, kind: Kind) -> Value {
        let secret = std::env::var("STRIPE_WEBHOOK_SECRET").expect("STRIPE_WEBHOOK_SECRET");
        let body = event.to_string();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or_default();
        let signature = campus::stripe_signature::sign(body.as_bytes(), &secret, now);
        let req = Request::builder()
            .method("POST")
            .uri("/api/webhooks/stripe")
            .header("content-type", "application/json")
            .header("stripe-signature", signature)
            .body(Body::from(body))
            .expect("request");
        self.send("POST", "/api/webhooks/stripe", req, false, kind)
            .await
    }

    /// `route` is `METHOD /route/{template}`, as the table shows it.
    async fn call(
        &mut self,
        route: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
        kind: Kind,
    ) -> Value {
        let (method, route) = route.split_once(' ').unwrap_or(("GET", route));
        let mut req = Request::builder().method(method).uri(path);
        if let Some(t) = token {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        let req = match body {
            Some(b) => req
                .header("content-type", "application/json")
                .body(Body::from(b.to_string())),
            None => req.body(Body::empty()),
        }
        .expect("request");
        self.send(method, route, req, token.is_some(), kind).await
    }

    async fn send(
        &mut self,
        method: &str,
        route: &str,
        req: Request<Body>,
        signed_in: bool,
        kind: Kind,
    ) -> Value {
        let mut req = req;
        let path = req.uri().path().to_string();
        // As API Gateway would say: the caller's address, which public requests count by.
        req.extensions_mut()
            .insert(campus::audit::ClientIp("203.0.113.7".into()));
        let limited = u32::from(path != "/api/health" && !path.starts_with("/api/webhooks/"));
        let res = self.app.clone().oneshot(req).await.expect("infallible");
        let status = res.status().as_u16();
        let tally = res
            .extensions()
            .get::<DynamoCalls>()
            .copied()
            .unwrap_or_default();
        let calls = tally.calls;
        let bytes = axum::body::to_bytes(res.into_body(), 1 << 22)
            .await
            .unwrap_or_default();
        // A failing step would measure an error path: the walk stops instead.
        assert!(
            status < 400,
            "{method} {path} answered {status}: {}",
            String::from_utf8_lossy(&bytes)
        );
        let session = u32::from(signed_in);
        let (ideal, why) = match kind {
            Kind::Static => (limited, None),
            Kind::Read | Kind::Write => (1 + session + limited, None),
            Kind::ReadWrite => (2 + session + limited, None),
            Kind::Steps(n, why) => (n + limited, Some(why)),
        };
        self.steps.push(Step {
            method: method.into(),
            route: route.into(),
            status,
            calls,
            read_units: tally.read_units,
            write_units: tally.write_units,
            ideal,
            why,
        });
        serde_json::from_slice(&bytes).unwrap_or(Value::Null)
    }
}

fn s(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_string()
}

/// `state` stands in for what is not a request: the browser's upload to the bucket,
/// the table's stream reaching the search indexer.
pub async fn run(app: Router, state: campus::AppState) -> Vec<Step> {
    use Kind::*;
    let mut w = Walk { app, steps: vec![] };
    let n = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let (email, invitee, pw) = (
        format!("bench-{n}@example.com"),
        format!("bench-inv-{n}@example.com"),
        "Bench-pass-2026",
    );
    w.call("GET /api/health", "/api/health", None, None, Static)
        .await;
    w.call(
        "GET /api/health?deep=true",
        "/api/health?deep=true",
        None,
        None,
        Read,
    )
    .await;
    w.call("GET /api/version", "/api/version", None, None, Static)
        .await;
    w.call("GET /api/docs", "/api/docs", None, None, Static)
        .await;
    let body = json!({"email": email, "password": pw, "name": "Bench", "companyName": "Bench Co"});
    let reg = w
        .call(
            "POST /api/auth/register",
            "/api/auth/register",
            None,
            Some(body),
            Write,
        )
        .await;
    let body = json!({"email": email, "password": pw});
    let login = w
        .call(
            "POST /api/auth/login",
            "/api/auth/login",
            None,
            Some(body),
            Steps(3, "credential, then user + company, then the new session"),
        )
        .await;
    let body = json!({"refreshToken": login["refreshToken"]});
    let r1 = w
        .call(
            "POST /api/auth/refresh",
            "/api/auth/refresh",
            None,
            Some(body),
            Write,
        )
        .await;
    let body = json!({"refreshToken": r1["refreshToken"]});
    w.call(
        "POST /api/auth/refresh-token",
        "/api/auth/refresh-token",
        None,
        Some(body),
        Write,
    )
    .await;
    let token = s(&reg["accessToken"]);
    let t = Some(token.as_str());
    // On the pro plan (as Stripe would say), so that every gated step answers.
    billing(&mut w, t, &s(&reg["company"]["id"])).await;
    inventory(&mut w, t).await;
    // Asking the tutor needs a provider, which the bench has none of: only reading.
    w.call(
        "GET /api/chat/history",
        "/api/chat/history",
        t,
        None,
        Kind::Read,
    )
    .await;
    let body =
        json!({"events": [{"name": "lesson.opened", "sessionId": "s1"}, {"name": "search.used"}]});
    w.call(
        "POST /api/analytics/event",
        "/api/analytics/event",
        t,
        Some(body),
        Kind::Write,
    )
    .await;
    w.call("GET /api/analytics", "/api/analytics", t, None, Kind::Read)
        .await;
    w.call(
        "GET /api/audit-logs",
        "/api/audit-logs",
        t,
        None,
        Kind::Read,
    )
    .await;
    w.call(
        "GET /api/audit-logs?report=true",
        "/api/audit-logs?report=true",
        t,
        None,
        Kind::Read,
    )
    .await;
    w.call(
        "GET /api/audit-logs?export=true",
        "/api/audit-logs?export=true",
        t,
        None,
        Kind::Steps(3, "session, the company (the export's plan), the entries"),
    )
    .await;
    w.call("GET /api/auth/me", "/api/auth/me", t, None, Read)
        .await;
    w.call("GET /api/company", "/api/company", t, None, Read)
        .await;
    w.call(
        "PUT /api/company",
        "/api/company",
        t,
        Some(json!({"name": "Bench Co 2"})),
        ReadWrite,
    )
    .await;
    let d = w
        .call(
            "POST /api/company/departments",
            "/api/company/departments",
            t,
            Some(json!({"name": "R&D"})),
            Write,
        )
        .await;
    let dept = format!("/api/company/departments/{}", s(&d["id"]));
    w.call(
        "GET /api/company/departments",
        "/api/company/departments",
        t,
        None,
        Read,
    )
    .await;
    w.call(
        "PUT /api/company/departments/{id}",
        &dept,
        t,
        Some(json!({"name": "R&D 2"})),
        ReadWrite,
    )
    .await;
    let body = json!({"email": invitee, "role": "participant"});
    let inv = w
        .call(
            "POST /api/company/invites",
            "/api/company/invites",
            t,
            Some(body),
            ReadWrite,
        )
        .await;
    w.call(
        "GET /api/company/invites",
        "/api/company/invites",
        t,
        None,
        Read,
    )
    .await;
    let body =
        json!({"email": invitee, "password": pw, "name": "Joiner", "inviteToken": inv["token"]});
    let joined = w
        .call(
            "POST /api/auth/register (invite)",
            "/api/auth/register",
            None,
            Some(body),
            ReadWrite,
        )
        .await;
    let body = json!({"email": format!("x{invitee}"), "role": "participant"});
    let inv2 = w
        .call(
            "POST /api/company/invites",
            "/api/company/invites",
            t,
            Some(body),
            ReadWrite,
        )
        .await;
    let path = format!("/api/company/invites/{}", s(&inv2["id"]));
    w.call(
        "DELETE /api/company/invites/{id}",
        &path,
        t,
        None,
        ReadWrite,
    )
    .await;
    w.call("GET /api/users", "/api/users", t, None, Read).await;
    let body = json!({"email": format!("y{invitee}"), "name": "Made", "role": "participant"});
    let created = w
        .call("POST /api/users", "/api/users", t, Some(body), Write)
        .await;
    let user = format!("/api/users/{}", s(&joined["user"]["id"]));
    w.call("GET /api/users/{id}", &user, t, None, Read).await;
    w.call(
        "PUT /api/users/{id}",
        &user,
        t,
        Some(json!({"name": "Renamed"})),
        ReadWrite,
    )
    .await;
    w.call("GET /api/settings", "/api/settings", t, None, Read)
        .await;
    w.call(
        "PUT /api/settings",
        "/api/settings",
        t,
        Some(json!({"theme": "dark"})),
        Write,
    )
    .await;
    let why = "session, user + company, then 14 reads at once: the user's partition, their sign-in, 4 index partitions, 8 company ranges filtered to them";
    w.call(
        "GET /api/users/me/export",
        "/api/users/me/export",
        t,
        None,
        Steps(16, why),
    )
    .await;
    let key = w
        .call(
            "POST /api/users/me/api-keys",
            "/api/users/me/api-keys",
            t,
            Some(json!({"name": "Bench"})),
            Write,
        )
        .await;
    w.call(
        "GET /api/users/me/api-keys",
        "/api/users/me/api-keys",
        t,
        None,
        Read,
    )
    .await;
    let why = "the key and its user (one batch), the first use noted, then the user + company";
    w.call(
        "GET /api/auth/me (API key)",
        "/api/auth/me",
        Some(&s(&key["secret"])),
        None,
        Steps(3, why),
    )
    .await;
    let path = format!("/api/users/me/api-keys/{}", s(&key["id"]));
    w.call("DELETE /api/users/me/api-keys/{id}", &path, t, None, Write)
        .await;
    let body = json!({"title": "Bench course", "difficulty": "beginner", "durationWeeks": 1, "status": "published"});
    let c = w
        .call("POST /api/courses", "/api/courses", t, Some(body), Write)
        .await;
    let course = format!("/api/courses/{}", s(&c["id"]));
    let m = w
        .call(
            "POST /api/courses/{id}/modules",
            &format!("{course}/modules"),
            t,
            Some(json!({"title": "M", "order": 1})),
            Write,
        )
        .await;
    let module = format!("{course}/modules/{}", s(&m["id"]));
    w.call(
        "PUT /api/courses/{id}/modules/{moduleId}",
        &module,
        t,
        Some(json!({"title": "M2", "order": 1})),
        ReadWrite,
    )
    .await;
    let lesson =
        json!({"title": "L", "type": "text", "content": "x", "durationMinutes": 5, "order": 1});
    let l = w
        .call(
            "POST /api/courses/{id}/modules/{moduleId}/lessons",
            &format!("{module}/lessons"),
            t,
            Some(lesson.clone()),
            Write,
        )
        .await;
    let lesson_path = format!("{module}/lessons/{}", s(&l["id"]));
    w.call(
        "PUT /api/courses/{id}/modules/{moduleId}/lessons/{lessonId}",
        &lesson_path,
        t,
        Some(lesson),
        ReadWrite,
    )
    .await;
    w.call(
        "POST /api/courses/{id}/enroll",
        &format!("{course}/enroll"),
        t,
        Some(json!({})),
        ReadWrite,
    )
    .await;
    // A graded quiz as the course's second lesson: its pass completes the course.
    let quiz_lesson =
        json!({"title": "Q", "type": "quiz", "content": "", "durationMinutes": 5, "order": 2});
    let ql = w
        .call(
            "POST /api/courses/{id}/modules/{moduleId}/lessons",
            &format!("{module}/lessons"),
            t,
            Some(quiz_lesson),
            Write,
        )
        .await;
    let quiz_id = s(&ql["id"]);
    let quiz_path = format!("{module}/lessons/{quiz_id}/quiz");
    let bank = json!({"passPercent": 50, "revealAnswers": "after_each_attempt", "questions": [
        {"id": "q1", "kind": "true_false", "prompt": "Lock your screen?",
         "options": [{"id": "y", "text": "Yes", "correct": true}, {"id": "n", "text": "No"}]}]});
    w.call(
        "PUT /api/courses/{id}/modules/{moduleId}/lessons/{lessonId}/quiz",
        &quiz_path,
        t,
        Some(bank),
        ReadWrite,
    )
    .await;
    w.call(
        "GET /api/courses/{id}/modules/{moduleId}/lessons/{lessonId}/quiz",
        &quiz_path,
        t,
        None,
        Read,
    )
    .await;
    let (course_id, lesson_id) = (s(&c["id"]), s(&l["id"]));
    let why = "session, the course partition (lessons), the assignment + guard + user + company, the transaction";
    w.call(
        "POST /api/progress/event",
        "/api/progress/event",
        t,
        Some(json!({"courseId": course_id, "lessonId": lesson_id, "type": "lesson_started"})),
        Steps(4, why),
    )
    .await;
    w.call(
        "POST /api/progress/{courseId}",
        &format!("/api/progress/{course_id}"),
        t,
        Some(json!({"lessonId": lesson_id, "type": "lesson_completed"})),
        Steps(4, why),
    )
    .await;
    let attempts = format!("/api/quizzes/{quiz_id}/attempts");
    let why = "session, the quiz, the course + lesson + assignment + quiz record, the transaction";
    let attempt = w
        .call(
            "POST /api/quizzes/{lessonId}/attempts",
            &attempts,
            t,
            Some(json!({})),
            Steps(4, why),
        )
        .await;
    let why = "session, the attempt + record, then a completing event's path (course partition, assignment + guard + user + company, the transaction with the attempt, the PDF mark, the push)";
    w.call(
        "POST /api/quizzes/{lessonId}/attempts/{attemptId}/submit",
        &format!("{attempts}/{}/submit", s(&attempt["attemptId"])),
        t,
        Some(json!({"answers": [{"questionId": "q1", "optionIds": ["y"]}]})),
        Steps(6 + PUSH, why),
    )
    .await;
    let why = "session, the quiz (it exists here), the attempts";
    w.call(
        "GET /api/quizzes/{lessonId}/attempts",
        &attempts,
        t,
        None,
        Steps(3, why),
    )
    .await;
    w.call(
        "GET /api/progress/{courseId}",
        &format!("/api/progress/{course_id}"),
        t,
        None,
        Read,
    )
    .await;
    let why = "session, the assignments, then their courses";
    w.call(
        "GET /api/progress/me",
        "/api/progress/me",
        t,
        None,
        Steps(3, why),
    )
    .await;
    let why = "session, the user (tenancy), the assignments, then their courses";
    w.call(
        "GET /api/progress/user/{userId}",
        &format!("/api/progress/user/{}", s(&reg["user"]["id"])),
        t,
        None,
        Steps(3, why),
    )
    .await;
    let certs = w
        .call("GET /api/certificates", "/api/certificates", t, None, Read)
        .await;
    let cert = format!("/api/certificates/{}", s(&certs["items"][0]["id"]));
    w.call("GET /api/certificates/{id}", &cert, t, None, Read)
        .await;
    w.call(
        "GET /api/certificates/{id}/download",
        &format!("{cert}/download"),
        t,
        None,
        Read,
    )
    .await;
    let why = "the code's pointer, then the certificate";
    w.call(
        "GET /api/certificates/verify/{code}",
        &format!("/api/certificates/verify/{}", s(&certs["items"][0]["code"])),
        None,
        None,
        Steps(2, why),
    )
    .await;
    let why = "session, guard + user + course + company, the transaction, the connections (push), marking the PDF stored";
    w.call(
        "POST /api/certificates/generate",
        "/api/certificates/generate",
        t,
        Some(json!({"userId": s(&joined["user"]["id"]), "courseId": course_id})),
        Steps(4 + PUSH, why),
    )
    .await;
    let body = json!({"courseId": s(&c["id"]), "userIds": [s(&joined["user"]["id"])], "dueDate": "2099-01-31"});
    let why = "session, the course, the named users, their assignments, one transaction per 33 assignees, the connections (push), the audit entry";
    w.call(
        "POST /api/team/assign-course",
        "/api/team/assign-course",
        t,
        Some(body),
        Steps(6 + PUSH, why),
    )
    .await;
    // A learning path of the walk's course: written, read, assigned (the course is the
    // joined user's already, so it joins the path), its progress read.
    let why = "session, the steps' courses, the transaction";
    let path = w
        .call(
            "POST /api/paths",
            "/api/paths",
            t,
            Some(json!({"title": "Bench path", "status": "published", "steps": [{"courseId": course_id}]})),
            Steps(3, why),
        )
        .await;
    let path = format!("/api/paths/{}", s(&path["id"]));
    w.call("GET /api/paths", "/api/paths", t, None, Read).await;
    w.call("GET /api/paths/{id}", &path, t, None, Read).await;
    let why = "session, the path, the steps' courses, the transaction";
    w.call(
        "PUT /api/paths/{id}",
        &path,
        t,
        Some(json!({"title": "Bench path", "status": "published", "steps": [{"courseId": course_id}]})),
        Steps(4, why),
    )
    .await;
    let why = "session, the path, its courses, the named users, the company (a path certificate's), their assignments + path assignments + guards, one transaction per chunk, the connections (push), the audit entry";
    w.call(
        "POST /api/paths/{id}/assign",
        &format!("{path}/assign"),
        t,
        Some(json!({"userIds": [s(&joined["user"]["id"])], "dueDate": "2099-01-31"})),
        Steps(8 + PUSH, why),
    )
    .await;
    let why = "session, the path + path assignment + user, the steps (courses, assignments, certificate guard)";
    w.call(
        "GET /api/paths/{id}/progress",
        &format!("{path}/progress"),
        t,
        None,
        Steps(3, why),
    )
    .await;
    let why = "session, the path with its audit entry, its assignees (gsi1), their deletion";
    w.call("DELETE /api/paths/{id}", &path, t, None, Steps(4, why))
        .await;
    let joined_id = s(&joined["user"]["id"]);
    let why = "session, the company's users, the assignment rows (gsi2)";
    for route in ["/api/team/members", "/api/team/analytics"] {
        w.call(&format!("GET {route}"), route, t, None, Steps(3, why))
            .await;
    }
    let why = "session, the company's users, the assignment rows (gsi2), then their courses";
    w.call(
        "GET /api/team/progress",
        "/api/team/progress",
        t,
        None,
        Steps(4, why),
    )
    .await;
    let why = "session, the member, their assignments, the courses (a lead, not an admin, adds their led teams and one membership read)";
    w.call(
        "GET /api/team/members/{userId}",
        &format!("/api/team/members/{joined_id}"),
        t,
        None,
        Steps(4, why),
    )
    .await;
    let why =
        "session, the member, the write (a department adds its check; a lead, the oversight reads)";
    w.call(
        "PUT /api/team/members/{userId}/department",
        &format!("/api/team/members/{joined_id}/department"),
        t,
        Some(json!({"departmentId": null})),
        Steps(3, why),
    )
    .await;
    let why = "session, users, assignment rows and certificates (concurrently), then the courses";
    w.call(
        "GET /api/reports/compliance",
        "/api/reports/compliance",
        t,
        None,
        Steps(5, why),
    )
    .await;
    w.call(
        "GET /api/reports/export/{type}",
        "/api/reports/export/compliance",
        t,
        None,
        Steps(5, why),
    )
    .await;
    let why = "session, the quiz tallies, then their courses and lessons (concurrently)";
    w.call(
        "GET /api/reports/quizzes",
        "/api/reports/quizzes",
        t,
        None,
        Steps(4, why),
    )
    .await;
    let why = "session, users, departments and assignment rows (concurrently)";
    w.call(
        "GET /api/reports/department",
        "/api/reports/department",
        t,
        None,
        Steps(4, why),
    )
    .await;
    let why = "session, users, assignment rows, the totals and the last 30 days (concurrently)";
    w.call(
        "GET /api/reports/dashboard",
        "/api/reports/dashboard",
        t,
        None,
        Steps(5, why),
    )
    .await;
    let why = "session, assignments, certificates, unread notifications, the calendar index and the caller's teams (concurrently), the courses";
    w.call(
        "GET /api/dashboard",
        "/api/dashboard",
        t,
        None,
        Steps(7, why),
    )
    .await;
    calendar(&mut w, t, &s(&c["id"])).await;
    notifications(&mut w, t, &s(&reg["user"]["id"])).await;
    checkins(&mut w, t).await;
    let learner = s(&joined["accessToken"]);
    prompts(&mut w, t, Some(learner.as_str())).await;
    files(&mut w, t, &state.storage).await;
    search(&mut w, t, &state).await;
    exports(&mut w, t).await;
    email_admin(
        &mut w,
        t,
        &s(&reg["user"]["id"]),
        &s(&certs["items"][0]["id"]),
    )
    .await;
    let path = format!(
        "/api/team/members/{}/courses/{}",
        s(&joined["user"]["id"]),
        s(&c["id"])
    );
    w.call(
        "DELETE /api/team/members/{userId}/courses/{courseId}",
        &path,
        t,
        None,
        Write,
    )
    .await;
    let why = "session, then the course partition and the caller's assignment (concurrently)";
    w.call("GET /api/courses/{id}", &course, t, None, Steps(3, why))
        .await;
    w.call(
        "GET /api/courses?scope=catalog",
        "/api/courses?scope=catalog",
        t,
        None,
        Read,
    )
    .await;
    let why = "session, the caller's assignments, then their courses";
    w.call("GET /api/courses", "/api/courses", t, None, Steps(3, why))
        .await;
    let body = json!({"title": "Bench course 2", "difficulty": "beginner", "durationWeeks": 1, "status": "published"});
    w.call("PUT /api/courses/{id}", &course, t, Some(body), ReadWrite)
        .await;
    w.call(
        "DELETE /api/courses/{id}/modules/{moduleId}/lessons/{lessonId}",
        &lesson_path,
        t,
        None,
        Write,
    )
    .await;
    w.call(
        "DELETE /api/courses/{id}/modules/{moduleId}",
        &module,
        t,
        None,
        ReadWrite,
    )
    .await;
    let why =
        "session, the record, then the course partition and its assignees (queries, batch delete)";
    w.call("DELETE /api/courses/{id}", &course, t, None, Steps(5, why))
        .await;
    let tm = w
        .call(
            "POST /api/teams",
            "/api/teams",
            t,
            Some(json!({"name": "Bench team"})),
            Write,
        )
        .await;
    let team = format!("/api/teams/{}", s(&tm["id"]));
    w.call("GET /api/teams", "/api/teams", t, None, Read).await;
    let why = "session, the team and the caller's membership, then the write";
    w.call(
        "PUT /api/teams/{id}",
        &team,
        t,
        Some(json!({"name": "Bench team 2"})),
        Steps(3, why),
    )
    .await;
    let member = json!({"userId": s(&joined["user"]["id"])});
    let why =
        "session, the team and the caller's membership, the new member's user, then the write";
    w.call(
        "POST /api/teams/{id}/members",
        &format!("{team}/members"),
        t,
        Some(member),
        Steps(4, why),
    )
    .await;
    let member_path = format!("{team}/members/{}", s(&joined["user"]["id"]));
    let why = "session, the team and the caller's membership, the membership, then the write";
    w.call(
        "PUT /api/teams/{id}/members/{userId}",
        &member_path,
        t,
        Some(json!({"role": "lead"})),
        Steps(4, why),
    )
    .await;
    w.call("GET /api/teams/{id}", &team, t, None, Read).await;
    let why = "session, the team and the caller's membership, then the write";
    w.call(
        "DELETE /api/teams/{id}/members/{userId}",
        &member_path,
        t,
        None,
        Steps(3, why),
    )
    .await;
    let why = "session, the team and the caller's membership, the record, then its partition (query, batch delete)";
    w.call("DELETE /api/teams/{id}", &team, t, None, Steps(5, why))
        .await;
    w.call(
        "DELETE /api/company/departments/{id}",
        &dept,
        t,
        None,
        Write,
    )
    .await;
    let why = "session, the user, their partition (query, one batch delete: a notification), their open sockets, their check-ins, the company's events, the audit entries naming them (query, then one update each: one here), their certificates, files and team memberships, then user + credential";
    let path = format!("/api/users/{}", s(&created["id"]));
    w.call("DELETE /api/users/{id}", &path, t, None, Steps(13, why))
        .await;
    let why = "the credential, the user, then the token and its mail";
    w.call(
        "POST /api/auth/password/forgot",
        "/api/auth/password/forgot",
        None,
        Some(json!({"email": email})),
        Steps(3, why),
    )
    .await;
    let why = "session, the user, the credential with its lockout, the write, the user's sessions, one revoke per other live session (one here), their open sockets";
    w.call(
        "POST /api/auth/password/change",
        "/api/auth/password/change",
        t,
        Some(json!({"currentPassword": pw, "newPassword": "Bench-pass-2027"})),
        Steps(7, why),
    )
    .await;
    w.call(
        "POST /api/auth/logout",
        "/api/auth/logout",
        t,
        None,
        Steps(
            3,
            "session, the revoke with its audit entry, the session's open sockets",
        ),
    )
    .await;
    w.steps
}

/// A change pushed to WebSockets reads the company's open connections once.
const PUSH: u32 = 1;

/// The calendar: every read is the company's calendar index and the caller's teams,
/// concurrently.
async fn calendar(w: &mut Walk, t: Option<&str>, course_id: &str) {
    use Kind::*;
    let body = json!({"title": "Kick-off", "startsAt": "2099-03-02T09:00:00Z",
        "endsAt": "2099-03-02T10:00:00Z", "type": "session", "audience": "company"});
    let ev = w
        .call(
            "POST /api/calendar/events",
            "/api/calendar/events",
            t,
            Some(body.clone()),
            Steps(
                2 + PUSH,
                "session, the write, the company's connections (push)",
            ),
        )
        .await;
    let event = format!("/api/calendar/events/{}", s(&ev["id"]));
    let why = "session, the calendar index and the caller's teams (concurrently)";
    w.call(
        "GET /api/calendar/events",
        "/api/calendar/events?from=2099-03-01&to=2099-03-31",
        t,
        None,
        Steps(3, why),
    )
    .await;
    w.call(
        "GET /api/calendar/stats",
        "/api/calendar/stats",
        t,
        None,
        Steps(3, why),
    )
    .await;
    let why = "session, the event and the caller's teams (concurrently)";
    w.call(
        "GET /api/calendar/events/{eventId}",
        &event,
        t,
        None,
        Steps(3, why),
    )
    .await;
    let why = "session, the event and the caller's teams (concurrently), the transaction, the connections (push)";
    w.call(
        "PUT /api/calendar/events/{eventId}",
        &event,
        t,
        Some(body),
        Steps(4 + PUSH, why),
    )
    .await;
    for method in ["POST", "DELETE"] {
        w.call(
            &format!("{method} /api/calendar/events/{{eventId}}/attend"),
            &format!("{event}/attend"),
            t,
            None,
            Steps(4 + PUSH, why),
        )
        .await;
    }
    let why = "session, the calendar index, the caller's teams and assignments (concurrently)";
    w.call(
        "GET /api/calendar/upcoming",
        "/api/calendar/upcoming",
        t,
        None,
        Steps(4, why),
    )
    .await;
    let why =
        "session, the course and its deadline event (concurrently), its assignees, the transaction";
    w.call(
        "POST /api/calendar/course-events",
        "/api/calendar/course-events",
        t,
        Some(json!({"courseId": course_id, "dueDate": "2099-01-31"})),
        Steps(5 + PUSH, why),
    )
    .await;
    let why = "session, the event and the caller's teams (concurrently), the delete, the connections (push)";
    w.call(
        "DELETE /api/calendar/events/{eventId}",
        &event,
        t,
        None,
        Steps(4 + PUSH, why),
    )
    .await;
}

/// The caller's inbox and sending; the caller notifies themselves.
async fn notifications(w: &mut Walk, t: Option<&str>, me: &str) {
    use Kind::*;
    w.call(
        "GET /api/notifications/preferences",
        "/api/notifications/preferences",
        t,
        None,
        Read,
    )
    .await;
    let why = "session, the stored preferences, the write";
    let prefs = json!({"team_report": {"inApp": true, "email": false}});
    w.call(
        "PUT /api/notifications/preferences",
        "/api/notifications/preferences",
        t,
        Some(prefs),
        Steps(3, why),
    )
    .await;
    let why = "session, the recipient, their preferences, one batch write, the connections (push)";
    let note = json!({"userId": me, "type": "announcement", "title": "Hi", "body": "Hello", "channels": ["inApp", "email"]});
    w.call(
        "POST /api/notifications",
        "/api/notifications",
        t,
        Some(note),
        Steps(4 + PUSH, why),
    )
    .await;
    let why = "session, the company's users, their preferences, one batch write per 25 records, the connections (push)";
    let all = json!({"all": true, "type": "announcement", "title": "All", "body": "Hello all"});
    w.call(
        "POST /api/notifications/bulk",
        "/api/notifications/bulk",
        t,
        Some(all),
        Steps(4 + PUSH, why),
    )
    .await;
    let list = w
        .call(
            "GET /api/notifications",
            "/api/notifications",
            t,
            None,
            Read,
        )
        .await;
    w.call(
        "GET /api/notifications/stats",
        "/api/notifications/stats",
        t,
        None,
        Read,
    )
    .await;
    let id = s(&list["items"][0]["id"]);
    for method in ["POST", "PUT"] {
        w.call(
            &format!("{method} /api/notifications/{{id}}/read"),
            &format!("/api/notifications/{id}/read"),
            t,
            None,
            Steps(3, "session, the update, the audit entry"),
        )
        .await;
    }
    let why = "session, the unread ones, one transaction per 99";
    w.call(
        "POST /api/notifications/mark-all-read",
        "/api/notifications/mark-all-read",
        t,
        None,
        Steps(3, why),
    )
    .await;
    let why = "session, the unread ones (none left), the audit entry";
    w.call(
        "PUT /api/notifications/read-all",
        "/api/notifications/read-all",
        t,
        None,
        Steps(3, why),
    )
    .await;
    w.call(
        "DELETE /api/notifications/{id}",
        &format!("/api/notifications/{id}"),
        t,
        None,
        Write,
    )
    .await;
}

/// The admin's mail endpoints; SES calls are not DynamoDB round trips.
async fn email_admin(w: &mut Walk, t: Option<&str>, me: &str, cert: &str) {
    use Kind::*;
    w.call(
        "GET /api/email/test-connection",
        "/api/email/test-connection",
        t,
        None,
        Steps(1, "session; the rest is SES"),
    )
    .await;
    w.call(
        "POST /api/email/send-test",
        "/api/email/send-test",
        t,
        Some(json!({"to": "bench@example.com"})),
        Write,
    )
    .await;
    let why = "session, the user and company, the write";
    w.call(
        "POST /api/email/send-welcome/{userId}",
        &format!("/api/email/send-welcome/{me}"),
        t,
        None,
        Steps(3, why),
    )
    .await;
    let why = "session, the certificate, the holder and their preferences, the write";
    w.call(
        "POST /api/email/send-certificate",
        "/api/email/send-certificate",
        t,
        Some(json!({"certificateId": cert})),
        Steps(4, why),
    )
    .await;
    w.call(
        "GET /api/email/queue-status",
        "/api/email/queue-status",
        t,
        None,
        Read,
    )
    .await;
    let why = "session, the open assignments due in 3 days, in 1 day and yesterday, the certificates lapsing within 8 to 30 days and within 7, and those lapsed this past week (each window one month's partition, two across a month's end; all gsi3); nothing due here; the audit entry";
    w.call(
        "POST /api/email/send-deadline-reminders",
        "/api/email/send-deadline-reminders",
        t,
        None,
        Steps(11, why),
    )
    .await;
    let why = "session, teams, users and assignment rows (concurrently); no team left here; the audit entry";
    w.call(
        "POST /api/email/send-team-reports",
        "/api/email/send-team-reports",
        t,
        None,
        Steps(5, why),
    )
    .await;
    let why = "session, the outbox, one transaction per 99 mails";
    w.call(
        "POST /api/email/queue-clear",
        "/api/email/queue-clear",
        t,
        None,
        Steps(3, why),
    )
    .await;
}

/// Check-ins; every write also reads the company's open WebSockets to push to them.
async fn checkins(w: &mut Walk, t: Option<&str>) {
    use Kind::*;
    let why = "session, the author's name, the write, the company's connections (push)";
    let c = w
        .call(
            "POST /api/checkins",
            "/api/checkins",
            t,
            Some(json!({"location": "Library"})),
            Steps(4, why),
        )
        .await;
    w.call("GET /api/checkins", "/api/checkins", t, None, Read)
        .await;
    w.call("GET /api/checkins/me", "/api/checkins/me", t, None, Read)
        .await;
    let why = "session, the check-in, the delete, the company's connections (push)";
    w.call(
        "DELETE /api/checkins/{id}",
        &format!("/api/checkins/{}", s(&c["id"])),
        t,
        None,
        Steps(4, why),
    )
    .await;
}

async fn billing(w: &mut Walk, t: Option<&str>, company_id: &str) {
    use Kind::*;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    let event = json!({
        "id": format!("evt_bench_{company_id}"), "object": "event", "type": "customer.subscription.updated",
        "created": now, "livemode": false,
        "data": {"object": {
            "id": format!("sub_{company_id}"), "object": "subscription", "customer": format!("cus_{company_id}"),
            "status": "active", "cancel_at_period_end": false, "metadata": {"companyId": company_id, "plan": "pro"},
            "items": {"data": [{"price": {"id": "price_bench", "lookup_key": "campus_pro"}, "current_period_end": now + 2_592_000}]}
        }}
    });
    let why = "the company, then one transaction (the event's mark, billing state, plan, customer pointer)";
    let ack = w.stripe_event(event, Steps(2, why)).await;
    assert_eq!(ack["outcome"], "applied", "{ack}");
    let why = "session, then company and billing state in one batch";
    w.call(
        "GET /api/subscriptions",
        "/api/subscriptions",
        t,
        None,
        Steps(2, why),
    )
    .await;
    w.call("GET /api/payments", "/api/payments", t, None, Read)
        .await;
}

async fn search(w: &mut Walk, t: Option<&str>, state: &campus::AppState) {
    campus_local::streams::StreamReader::new(&state.config)
        .drain_once(state)
        .await
        .expect("the stream read into the index");
    let why = "session, one Query per word (two words), the hits' items in one batch (rights)";
    let hits = w
        .call(
            "GET /api/search",
            "/api/search?q=bench%20cour",
            t,
            None,
            Kind::Steps(4, why),
        )
        .await;
    assert!(
        !hits["items"].as_array().is_none_or(|a| a.is_empty()),
        "the walk's course is found: {hits}"
    );
}

async fn exports(w: &mut Walk, t: Option<&str>) {
    let why = "session and plan in one batch, the rows (one Query), the history record";
    w.call(
        "GET /api/export",
        "/api/export?type=inventory&format=csv",
        t,
        None,
        Kind::Steps(3, why),
    )
    .await;
    w.call(
        "GET /api/export/history",
        "/api/export/history",
        t,
        None,
        Kind::Read,
    )
    .await;
}

/// The smallest PNG: a 1×1 pixel.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
    0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0xf0,
    0x1f, 0x00, 0x05, 0x00, 0x01, 0xff, 0x89, 0x99, 0x3d, 0x1d, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

async fn files(w: &mut Walk, t: Option<&str>, storage: &campus::storage::Storage) {
    use Kind::*;
    let body = json!({"filename": "me.png", "contentType": "image/png", "size": PNG.len(), "purpose": "avatar"});
    let ticket = w
        .call("POST /api/upload", "/api/upload", t, Some(body), Write)
        .await;
    let id = s(&ticket["fileId"]);
    w.call("GET /api/files", "/api/files", t, None, Read).await;
    storage
        .put(
            ticket["upload"]["fields"]["key"]
                .as_str()
                .unwrap_or_default(),
            "image/png",
            PNG.to_vec(),
        )
        .await
        .expect("the upload, as a browser would post it");
    let path = format!("/api/files/{id}");
    let why = "session, the file, one transaction (file, the owner's avatarUrl, audit); S3 is read once (the first bytes and the size)";
    let done = w
        .call(
            "POST /api/files/{id}/complete",
            &format!("{path}/complete"),
            t,
            None,
            Steps(3, why),
        )
        .await;
    assert_eq!(done["status"], "ready", "{done}");
    w.call("GET /api/files/{id}", &path, t, None, Read).await;
    let avatar = format!("/api/avatars/{}/{id}", s(&done["companyId"]));
    w.call(
        "GET /api/avatars/{companyId}/{fileId}",
        &avatar,
        None,
        None,
        Read,
    )
    .await;
    w.call("DELETE /api/files/{id}", &path, t, None, ReadWrite)
        .await;
}

/// `t` is an admin's token, `learner` a participant's (whose prompt is reviewed).
async fn prompts(w: &mut Walk, t: Option<&str>, learner: Option<&str>) {
    use Kind::*;
    let cat = w
        .call(
            "POST /api/prompts/categories",
            "/api/prompts/categories",
            t,
            Some(json!({"name": "Writing"})),
            Write,
        )
        .await;
    w.call(
        "GET /api/prompts/categories",
        "/api/prompts/categories",
        t,
        None,
        Read,
    )
    .await;
    let body = json!({"title": "Summarise", "content": "Summarise {{text}}", "categoryId": cat["id"], "tags": ["study"], "variables": ["text"]});
    let why = "session, the category, one transaction (prompt, first version, audit)";
    let prompt = w
        .call(
            "POST /api/prompts",
            "/api/prompts",
            learner,
            Some(body.clone()),
            Steps(3, why),
        )
        .await;
    let path = format!("/api/prompts/{}", s(&prompt["id"]));
    w.call("GET /api/prompts", "/api/prompts?tag=study", t, None, Read)
        .await;
    w.call("GET /api/prompts/{id}", &path, learner, None, Read)
        .await;
    let mut change = body;
    change["version"] = prompt["version"].clone();
    let why =
        "session, prompt and category in one batch, one transaction (prompt, new version, audit)";
    w.call(
        "PUT /api/prompts/{id}",
        &path,
        learner,
        Some(change),
        Steps(3, why),
    )
    .await;
    w.call(
        "GET /api/prompts/approvals/requests",
        "/api/prompts/approvals/requests",
        t,
        None,
        Read,
    )
    .await;
    let why = "session, the prompt, the author and their preferences in one batch, one transaction (prompt, notification, mail, audit), then the open WebSockets to push to";
    w.call(
        "PUT /api/prompts/approvals/{id}",
        &path.replace("/api/prompts/", "/api/prompts/approvals/"),
        t,
        Some(json!({"status": "approved", "comment": "Good"})),
        Steps(5, why),
    )
    .await;
    let why = "session, the prompt (may the caller see it?), its versions";
    w.call(
        "GET /api/prompts/{id}/versions",
        &format!("{path}/versions"),
        t,
        None,
        Steps(3, why),
    )
    .await;
    let why = "session, the prompt (may the caller see it?), one transaction (its condition, the counters, the daily totals, audit)";
    w.call(
        "POST /api/prompts/{id}/use",
        &format!("{path}/use"),
        learner,
        None,
        Steps(3, why),
    )
    .await;
    let why = "session, the counters in the range, the top users' names in one batch";
    w.call(
        "GET /api/prompts/analytics/usage",
        "/api/prompts/analytics/usage",
        t,
        None,
        Steps(3, why),
    )
    .await;
    let why = "session, the prompt, one transaction (prompt, audit), then its versions (query, batch delete)";
    w.call("DELETE /api/prompts/{id}", &path, t, None, Steps(5, why))
        .await;
}

async fn inventory(w: &mut Walk, t: Option<&str>) {
    use Kind::*;
    let body = json!({"name": "Helmet", "sku": "BENCH-HLM", "category": "Safety", "quantity": 10, "lowStockThreshold": 2});
    let item = w
        .call(
            "POST /api/inventory",
            "/api/inventory",
            t,
            Some(body),
            Write,
        )
        .await;
    let id = s(&item["id"]);
    w.call(
        "GET /api/inventory",
        "/api/inventory?lowStock=true",
        t,
        None,
        Read,
    )
    .await;
    w.call(
        "GET /api/inventory/categories",
        "/api/inventory/categories",
        t,
        None,
        Read,
    )
    .await;
    let path = format!("/api/inventory/{id}");
    w.call("GET /api/inventory/{id}", &path, t, None, Read)
        .await;
    let body = json!({"name": "Helmet", "sku": "BENCH-HLM", "category": "Safety", "quantity": 12, "version": item["version"]});
    w.call("PUT /api/inventory/{id}", &path, t, Some(body), ReadWrite)
        .await;
    let why = "session, one transaction (the conditioned ADD, the history entry, the audit entry), the item as it is now";
    w.call(
        "POST /api/inventory/{id}/adjust",
        &format!("{path}/adjust"),
        t,
        Some(json!({"delta": -3, "reason": "issued"})),
        Steps(3, why),
    )
    .await;
    let why = "session, the item (is it the company's?), its history";
    w.call(
        "GET /api/inventory/{id}/history",
        &format!("{path}/history"),
        t,
        None,
        Steps(3, why),
    )
    .await;
    let why = "session, the item, one transaction (item, SKU, category count, audit), then its history (query, batch delete)";
    w.call("DELETE /api/inventory/{id}", &path, t, None, Steps(5, why))
        .await;
}
