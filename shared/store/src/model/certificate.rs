use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::{Entity, Keys, keys};

/// An issued certificate. Holder, course and company names are copied in when it is
/// issued: a certificate attests what was true that day, whatever is renamed later.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Certificate {
    pub id: String,
    pub company_id: String,
    /// `None` once the holder's account is deleted (the certificate stays verifiable,
    /// anonymised).
    pub user_id: Option<String>,
    /// The course it attests; for a learning path's certificate, the path's id (the
    /// one subject a certificate has, so one guard item serves both).
    pub course_id: String,
    /// Set on a learning path's certificate (then `course_title` is the path's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path_id: Option<String>,
    pub code: String,
    pub holder_name: String,
    pub course_title: String,
    pub company_name: String,
    pub issued_at: String,
    /// When it lapses (its course's `validForMonths` after issue); none: never.
    #[serde(default)]
    pub expires_at: Option<String>,
    /// `completion`, or the id of the manager who issued it.
    pub issued_by: String,
    /// S3 key of the PDF: random, so it cannot be guessed from anything public.
    pub pdf_key: String,
    /// The PDF is in S3 (it is rendered right after issuing, again on demand if not).
    pub pdf_ready: bool,
}

impl Entity for Certificate {
    const NAME: &'static str = "certificate";

    fn keys(&self) -> Keys {
        let k = Keys::new(keys::certificate(&self.company_id, &self.id), Self::NAME);
        match &self.user_id {
            Some(uid) => {
                let k = k.gsi1(
                    keys::user_certificates_index(&self.company_id, uid),
                    self.course_id.clone(),
                );
                // By the day it lapses, for the daily job (a holder's only).
                match self.expires_at.as_deref().and_then(|e| e.get(..10)) {
                    Some(day) => k.gsi3(
                        keys::expiring_in(&day[..7]),
                        format!("{day}#{}#{}", self.company_id, self.id),
                    ),
                    None => k,
                }
            }
            None => k,
        }
    }
}

/// One per user and course: written with the certificate under "must not exist", it
/// makes issuing idempotent.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CertificateGuard {
    pub company_id: String,
    pub user_id: String,
    pub course_id: String,
    pub certificate_id: String,
}

impl Entity for CertificateGuard {
    const NAME: &'static str = "certificate_guard";

    fn keys(&self) -> Keys {
        Keys::new(
            keys::certificate_guard(&self.company_id, &self.user_id, &self.course_id),
            Self::NAME,
        )
    }
}

/// The public pointer from a verification code to its certificate.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CertificateCode {
    pub code: String,
    pub company_id: String,
    pub certificate_id: String,
}

impl Entity for CertificateCode {
    const NAME: &'static str = "certificate_code";

    fn keys(&self) -> Keys {
        Keys::new(keys::certificate_code(&self.code), Self::NAME)
    }
}

/// How a certificate is shown to its holder and managers.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CertificateView {
    pub id: String,
    /// `null` once the holder's account is deleted.
    pub user_id: Option<String>,
    /// `null` on a learning path's certificate.
    pub course_id: Option<String>,
    /// The learning path a path certificate attests (`null` on a course's).
    pub path_id: Option<String>,
    pub code: String,
    pub holder_name: String,
    /// The course's title, or the learning path's.
    pub course_title: String,
    pub issued_at: String,
    /// When it lapses; none: never.
    pub expires_at: Option<String>,
    /// Where anyone can check the certificate (the frontend's verification page).
    pub verify_url: String,
}

impl Certificate {
    pub fn view(self, frontend_url: &str) -> CertificateView {
        CertificateView {
            verify_url: verify_url(frontend_url, &self.code),
            id: self.id,
            user_id: self.user_id,
            course_id: self.path_id.is_none().then_some(self.course_id),
            path_id: self.path_id,
            code: self.code,
            holder_name: self.holder_name,
            course_title: self.course_title,
            issued_at: self.issued_at,
            expires_at: self.expires_at,
        }
    }

    /// Lapsed at `now` (RFC 3339).
    pub fn expired(&self, now: &str) -> bool {
        self.expires_at.as_deref().is_some_and(|e| e <= now)
    }
}

pub fn verify_url(frontend_url: &str, code: &str) -> String {
    format!(
        "{}/certificates/verify/{code}",
        frontend_url.trim_end_matches('/')
    )
}
