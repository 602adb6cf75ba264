//! The manager's `/api/team` views, `/api/reports`, `/api/dashboard`, and the whole
//! learning journey end to end.

use campus_tests::{app, course_with_lessons, join, new_company_on, team_led_by};
use serde_json::{Value, json};

fn s(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_string()
}

#[tokio::test]
async fn the_full_journey_from_course_to_report() {
    let t = app();
    let admin = new_company_on("pro").await;
    let instructor = join(&admin, "instructor").await;
    let manager = join(&admin, "manager").await;
    let learner = join(&admin, "participant").await;
    let idle = join(&admin, "participant").await;
    let team = team_led_by(&manager, &[&learner, &idle]).await;

    // An instructor builds a course; a manager assigns it with a due date.
    let (course, lessons) =
        course_with_lessons(&instructor, "Incident Response", "published", 2).await;
    t.post(
        "/api/team/assign-course",
        manager.token(),
        json!({"courseId": course, "teamId": team, "dueDate": "2099-06-30"}),
    )
    .await
    .expect(200);

    // The learner completes it.
    for l in &lessons {
        t.post(
            "/api/progress/event",
            learner.token(),
            json!({"courseId": course, "lessonId": l, "type": "lesson_completed"}),
        )
        .await
        .expect(200);
    }
    let certs = t
        .get("/api/certificates", learner.token())
        .await
        .expect(200);
    let cert = certs.body["items"][0].clone();
    let verified = t
        .get(
            &format!("/api/certificates/verify/{}", s(&cert["code"])),
            None,
        )
        .await
        .expect(200);
    assert_eq!(verified.body["courseTitle"], "Incident Response");
    let r = t
        .get(
            &format!("/api/certificates/{}/download", s(&cert["id"])),
            learner.token(),
        )
        .await
        .expect(302);
    let pdf = reqwest::get(r.header("location").unwrap())
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert!(pdf.starts_with(b"%PDF-"));

    // The manager's views see it.
    let members = t
        .get("/api/team/members", manager.token())
        .await
        .expect(200);
    let items = members.body["items"].as_array().unwrap();
    let of = |id: &str| {
        items
            .iter()
            .find(|m| m["user"]["id"] == id)
            .cloned()
            .unwrap()
    };
    assert_eq!(of(&learner.user_id)["summary"]["completed"], 1);
    assert_eq!(of(&idle.user_id)["summary"]["notStarted"], 1);
    let detail = t
        .get(
            &format!("/api/team/members/{}", learner.user_id),
            manager.token(),
        )
        .await
        .expect(200);
    assert_eq!(detail.body["progress"][0]["status"], "completed");
    assert_eq!(
        detail.body["progress"][0]["courseTitle"],
        "Incident Response"
    );
    let progress = t
        .get(
            &format!("/api/team/progress?courseId={course}"),
            manager.token(),
        )
        .await
        .expect(200);
    let rows = progress.body["items"].as_array().unwrap();
    // The team: learner, idle and the manager (its lead) were all assigned.
    assert_eq!(rows.len(), 3);
    assert!(
        rows.iter()
            .all(|r| r["dueDate"] == "2099-06-30T23:59:59Z" && r["overdue"] == false)
    );
    let analytics = t
        .get("/api/team/analytics", manager.token())
        .await
        .expect(200);
    assert_eq!(analytics.body["assignments"], 3);
    assert_eq!(analytics.body["completed"], 1);
    assert_eq!(analytics.body["activeLearners7d"], 1);
    let rate = analytics.body["completionRate"].as_f64().unwrap();
    assert!((rate - 1.0 / 3.0).abs() < 1e-9);

    // The reports count it.
    let compliance = t
        .get("/api/reports/compliance", manager.token())
        .await
        .expect(200);
    assert_eq!(compliance.body["totals"]["assigned"], 3);
    assert_eq!(compliance.body["totals"]["completed"], 1);
    let dash = t
        .get("/api/reports/dashboard", manager.token())
        .await
        .expect(200);
    assert_eq!(dash.body["completions30d"], 1);
    assert_eq!(dash.body["certificatesIssued"], 1);
    assert_eq!(dash.body["certificatesIssued30d"], 1);
    assert_eq!(dash.body["lessonsCompleted30d"], 2);
    assert_eq!(dash.body["assignments"], 3);
    assert_eq!(dash.body["activeUsers7d"], 1);
    let team_report = t
        .get(&format!("/api/reports/team?teamId={team}"), admin.token())
        .await
        .expect(200);
    assert_eq!(team_report.body["analytics"]["completed"], 1);
    assert_eq!(team_report.body["members"].as_array().unwrap().len(), 3);

    // The CSV export contains it.
    let csv = t
        .get("/api/reports/export/compliance?format=csv", manager.token())
        .await
        .expect(200);
    assert!(csv.header("content-type").unwrap().starts_with("text/csv"));
    assert!(
        csv.header("content-disposition")
            .unwrap()
            .contains("compliance-")
    );
    let text = s(&csv.body);
    let mut lines = text.split("\r\n");
    assert_eq!(
        lines.next().unwrap(),
        "userId,userName,email,departmentId,courseId,courseTitle,status,percent,dueDate,overdue,completedAt,certificate,certificateExpiresAt"
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with(&learner.user_id)
                && l.contains("Incident Response,completed,100,"))
    );
    let certs_csv = t
        .get("/api/reports/export/certificates", manager.token())
        .await
        .expect(200);
    assert!(s(&certs_csv.body).contains(&s(&cert["code"])));
    let json_export = t
        .get(
            "/api/reports/export/compliance?format=json",
            manager.token(),
        )
        .await
        .expect(200);
    assert_eq!(json_export.body["items"].as_array().unwrap().len(), 3);

    // The learner's own dashboard.
    let mine = t.get("/api/dashboard", learner.token()).await.expect(200);
    assert_eq!(mine.body["completed"], 1);
    assert_eq!(mine.body["certificates"], 1);
    assert!(mine.body["unreadNotifications"].as_u64().unwrap() >= 2);
    let theirs = t.get("/api/dashboard", idle.token()).await.expect(200);
    assert_eq!(theirs.body["assigned"], 1);
    assert_eq!(theirs.body["completed"], 0);
}

#[tokio::test]
async fn exports_defuse_formulas_and_refuse_bad_types() {
    let t = app();
    let admin = new_company_on("pro").await;
    let user = join(&admin, "participant").await;
    let version = t
        .get(&format!("/api/users/{}", user.user_id), admin.token())
        .await
        .expect(200)
        .body["version"]
        .clone();
    t.put(
        &format!("/api/users/{}", user.user_id),
        admin.token(),
        json!({"name": "=cmd|' /C calc'!A0, \"x\"", "version": version}),
    )
    .await
    .expect(200);
    let csv = t
        .get("/api/reports/export/users", admin.token())
        .await
        .expect(200);
    let text = s(&csv.body);
    assert!(text.starts_with("id,name,email,role,departmentId,status,createdAt\r\n"));
    assert!(
        text.contains("\"'=cmd|' /C calc'!A0, \"\"x\"\"\""),
        "{text}"
    );
    assert!(!text.contains(",=cmd"));

    t.get("/api/reports/export/salaries", admin.token())
        .await
        .expect_error(400, "VALIDATION_FAILED");
    t.get("/api/reports/export/team", admin.token())
        .await
        .expect_error(400, "VALIDATION_FAILED");
    t.get("/api/reports/export/users?format=xml", admin.token())
        .await
        .expect_error(400, "VALIDATION_FAILED");
    let depts = t
        .get("/api/reports/export/department?format=json", admin.token())
        .await
        .expect(200);
    assert_eq!(depts.body["items"][0]["name"], "(no department)");
}

#[tokio::test]
async fn roles_and_tenancy_on_team_views_and_reports() {
    let t = app();
    let admin = new_company_on("pro").await;
    let manager = join(&admin, "manager").await;
    let other_manager = join(&admin, "manager").await;
    let learner = join(&admin, "participant").await;
    let team = team_led_by(&manager, &[&learner]).await;

    for path in [
        "/api/team/members".to_string(),
        format!("/api/team/members/{}", learner.user_id),
        "/api/team/progress".into(),
        "/api/team/analytics".into(),
        "/api/reports/compliance".into(),
        format!("/api/reports/team?teamId={team}"),
        "/api/reports/department".into(),
        "/api/reports/export/users".into(),
        "/api/reports/dashboard".into(),
    ] {
        t.get(&path, learner.token())
            .await
            .expect_error(403, "FORBIDDEN");
    }
    t.put(
        &format!("/api/team/members/{}/department", learner.user_id),
        learner.token(),
        json!({"departmentId": null}),
    )
    .await
    .expect_error(403, "FORBIDDEN");
    t.put(
        &format!("/api/team/members/{}/department", manager.user_id),
        other_manager.token(),
        json!({"departmentId": null}),
    )
    .await
    .expect_error(403, "FORBIDDEN");
    // A manager sees only the teams they lead.
    let theirs = t
        .get("/api/team/members", other_manager.token())
        .await
        .expect(200);
    assert_eq!(theirs.body["items"].as_array().unwrap().len(), 0);
    t.get(
        &format!("/api/team/members/{}", learner.user_id),
        other_manager.token(),
    )
    .await
    .expect_error(403, "FORBIDDEN");
    t.get(
        &format!("/api/team/analytics?teamId={team}"),
        other_manager.token(),
    )
    .await
    .expect_error(403, "FORBIDDEN");

    // Departments: the lead moves their member; a bad department is a 400.
    let dept = t
        .post(
            "/api/company/departments",
            admin.token(),
            json!({"name": "Ops"}),
        )
        .await
        .expect(201);
    let dept_id = s(&dept.body["id"]);
    let moved = t
        .put(
            &format!("/api/team/members/{}/department", learner.user_id),
            manager.token(),
            json!({"departmentId": dept_id}),
        )
        .await
        .expect(200);
    assert_eq!(moved.body["departmentId"], dept_id.as_str());
    t.put(
        &format!("/api/team/members/{}/department", learner.user_id),
        manager.token(),
        json!({"departmentId": "nope"}),
    )
    .await
    .expect_error(400, "VALIDATION_FAILED");
    t.put(
        &format!("/api/team/members/{}/department", learner.user_id),
        manager.token(),
        json!({"departmentId": dept_id, "version": 1}),
    )
    .await
    .expect_error(409, "CONFLICT");
    let report = t
        .get(
            &format!("/api/reports/department?departmentId={dept_id}"),
            manager.token(),
        )
        .await
        .expect(200);
    assert_eq!(report.body["items"][0]["members"], 1);

    // Another company's ids are not found.
    let other = new_company_on("pro").await;
    for path in [
        format!("/api/team/members/{}", learner.user_id),
        format!("/api/team/analytics?teamId={team}"),
        format!("/api/team/members?teamId={team}"),
        format!("/api/team/progress?teamId={team}"),
        format!("/api/reports/team?teamId={team}"),
        format!("/api/reports/department?departmentId={dept_id}"),
        format!("/api/reports/export/team?teamId={team}"),
    ] {
        t.get(&path, other.token())
            .await
            .expect_error(404, "NOT_FOUND");
    }
    t.put(
        &format!("/api/team/members/{}/department", learner.user_id),
        other.token(),
        json!({"departmentId": null}),
    )
    .await
    .expect_error(404, "NOT_FOUND");
    let compliance = t
        .get("/api/reports/compliance", other.token())
        .await
        .expect(200);
    assert_eq!(compliance.body["totals"]["assigned"], 0);
    // Pagination of the member list.
    let page = t
        .get("/api/team/members?limit=1", admin.token())
        .await
        .expect(200);
    assert_eq!(page.body["items"].as_array().unwrap().len(), 1);
    let next = s(&page.body["nextCursor"]);
    let page2 = t
        .get(
            &format!("/api/team/members?limit=1&cursor={next}"),
            admin.token(),
        )
        .await
        .expect(200);
    assert_ne!(
        page.body["items"][0]["user"]["id"],
        page2.body["items"][0]["user"]["id"]
    );
    t.get("/api/team/members?cursor=%%%", admin.token())
        .await
        .expect_error(400, "VALIDATION_FAILED");
}
