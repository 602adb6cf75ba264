//! Writes a sample certificate PDF to the path given (for eyeballing the layout).

fn main() {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "certificate.pdf".into());
    let cert = campus::model::Certificate {
        id: "01JSAMPLE".into(),
        company_id: "c".into(),
        user_id: Some("u".into()),
        course_id: "k".into(),
        path_id: None,
        code: campus::auth::tokens::random_code(),
        holder_name: "Zoë Ångström-Fitzgerald".into(),
        course_title:
            "Workplace Safety and Emergency Procedures for Warehouse Staff (2026 Edition)".into(),
        company_name: "Acme Logistics".into(),
        issued_at: campus::clock::now_rfc3339(),
        expires_at: None,
        issued_by: "completion".into(),
        pdf_key: String::new(),
        pdf_ready: false,
    };
    let url = campus::model::verify_url("http://localhost:5173", &cert.code);
    std::fs::write(&path, campus::certificates::pdf::render(&cert, &url)).expect("writable path");
}
