//! Issuing certificates: one per user and course, whoever asks first (the last lesson
//! completed, or a manager). The records go into the caller's transaction; the PDF is
//! rendered after the commit and again on download if that step was lost.

pub mod pdf;

use std::time::Duration;

use crate::{
    AppState,
    auth::tokens,
    clock,
    db::{Cond, Guard, Tx, Update, keys},
    error::ApiError,
    model::{
        Bump, Certificate, CertificateCode, CertificateGuard, Company, Course, LearningPath,
        NotificationPreferences, User, verify_url,
    },
    notify,
};

/// How long a download link works.
pub const DOWNLOAD_TTL: Duration = Duration::from_secs(300);

/// A new certificate of `user` for `course`, not yet stored.
pub fn new_certificate(
    company: &Company,
    user: &User,
    course: &Course,
    issued_by: &str,
) -> Certificate {
    let now = clock::now();
    let mut c = blank(company, user, &course.id, &course.title, issued_by, now);
    c.expires_at = course
        .valid_for_months
        .map(|m| clock::rfc3339(clock::add_months(now, m)));
    c
}

/// A new certificate of `user` for completing every step of `path` (it never
/// expires: its courses' certificates carry their own validity).
pub fn new_path_certificate(company: &Company, user: &User, path: &LearningPath) -> Certificate {
    let mut c = blank(
        company,
        user,
        &path.id,
        &path.title,
        "completion",
        clock::now(),
    );
    c.path_id = Some(path.id.clone());
    c
}

fn blank(
    company: &Company,
    user: &User,
    subject: &str,
    title: &str,
    issued_by: &str,
    now: time::OffsetDateTime,
) -> Certificate {
    Certificate {
        pdf_key: format!(
            "certificates/{}/{}.pdf",
            company.id,
            tokens::random_secret()
        ),
        id: clock::new_id(),
        company_id: company.id.clone(),
        user_id: Some(user.id.clone()),
        course_id: subject.to_string(),
        path_id: None,
        code: tokens::random_code(),
        holder_name: user.name.clone(),
        course_title: title.to_string(),
        company_name: company.name.clone(),
        issued_at: clock::rfc3339(now),
        expires_at: None,
        issued_by: issued_by.into(),
        pdf_ready: false,
    }
}

/// Adds the certificate and what issuing means to `tx`: the per-user-and-course
/// guard (a second issue fails its condition at that item), the public code pointer,
/// and the holder's notification and mail as their preferences allow (`prefs`, read
/// with the user); the counters go into `bump`.
pub fn issue_in(
    tx: Tx,
    state: &AppState,
    cert: &Certificate,
    user: &User,
    prefs: Option<&NotificationPreferences>,
    bump: &mut Bump,
    pushes: &mut notify::Pushes,
) -> Tx {
    let guard = CertificateGuard {
        company_id: cert.company_id.clone(),
        user_id: user.id.clone(),
        course_id: cert.course_id.clone(),
        certificate_id: cert.id.clone(),
    };
    let code = CertificateCode {
        code: cert.code.clone(),
        company_id: cert.company_id.clone(),
        certificate_id: cert.id.clone(),
    };
    let msg = message(state, cert);
    bump.both(crate::model::DailyStats::CERTIFICATES_ISSUED);
    let tx = tx
        .put(&guard, Cond::absent().named(ONE_PER_COURSE))
        .put(cert, Cond::absent())
        .put(&code, Cond::absent());
    notify::add_to(tx, &msg, user, prefs, pushes)
}

/// What the holder is told when a certificate is issued (or its mail is sent again).
pub fn message(state: &AppState, cert: &Certificate) -> notify::Message {
    let link = format!(
        "{}/certificates/{}",
        state.config.frontend_url.trim_end_matches('/'),
        cert.id
    );
    notify::Message {
        kind: "certificate_issued",
        title: "Certificate issued".into(),
        body: format!("You earned a certificate for {}.", cert.course_title),
        link: Some(link.clone()),
        template: "certificate_issued",
        data: serde_json::json!({
            "courseTitle": cert.course_title,
            "code": cert.code,
            "verifyUrl": verify_url(&state.config.frontend_url, &cert.code),
            "url": link,
        }),
    }
}

/// What refuses a second certificate of one user for one course.
pub const ONE_PER_COURSE: Guard = Guard::named("OneCertificatePerCourse");

/// Renders the PDF, stores it, and records that it is there.
pub async fn store_pdf(state: &AppState, cert: &mut Certificate) -> Result<(), ApiError> {
    let bytes = pdf::render(cert, &verify_url(&state.config.frontend_url, &cert.code));
    state
        .storage
        .put(&cert.pdf_key, "application/pdf", bytes)
        .await?;
    state
        .db
        .update(
            &keys::certificate(&cert.company_id, &cert.id),
            Update::new().set(Certificate::PDF_READY, true),
            Cond::present(),
        )
        .await
        .map_err(ApiError::from)?;
    cert.pdf_ready = true;
    Ok(())
}

/// [`store_pdf`] right after issuing: the certificate stands either way, and a
/// download renders the PDF again if this step is lost.
pub async fn store_pdf_after_issue(state: &AppState, cert: &mut Certificate) {
    if let Err(e) = store_pdf(state, cert).await {
        tracing::warn!(certificate = %cert.id, error = ?e, "certificate PDF not stored yet");
    }
}

/// A short-lived link to the PDF, rendering it first if it is not stored yet.
pub async fn download_url(state: &AppState, cert: &mut Certificate) -> Result<String, ApiError> {
    if !cert.pdf_ready {
        store_pdf(state, cert).await?;
    }
    state
        .storage
        .presigned_get(
            &cert.pdf_key,
            "application/pdf",
            &format!("certificate-{}.pdf", cert.code),
            DOWNLOAD_TTL,
        )
        .await
}

/// The name a deleted holder's certificates show.
pub const FORMER_MEMBER: &str = "Former member";

/// For a deleted user: their certificates stay verifiable but no longer name them or
/// point at them, and the PDFs with their name are deleted (a download renders an
/// anonymised one). Safe to repeat.
pub async fn anonymise_holder(
    state: &AppState,
    company_id: &str,
    user_id: &str,
) -> Result<(), ApiError> {
    let certs: Vec<Certificate> = state
        .db
        .all(&crate::db::lists::user_certificates(company_id, user_id))
        .await?;
    for mut cert in certs {
        let old_pdf = cert.pdf_ready.then(|| cert.pdf_key.clone());
        cert.user_id = None;
        cert.holder_name = FORMER_MEMBER.into();
        cert.pdf_ready = false;
        cert.pdf_key = format!("certificates/{company_id}/{}.pdf", tokens::random_secret());
        let tx = state.db.tx().put(&cert, Cond::present()).delete(
            &keys::certificate_guard(company_id, user_id, &cert.course_id),
            None,
        );
        state.db.commit(tx).await.map_err(ApiError::from)?;
        if let Some(key) = old_pdf {
            state.storage.delete(&key).await?;
        }
    }
    Ok(())
}
