//! Whether SES will send as the configured sender: SES accepts a sender whose own
//! address is a verified identity, or whose domain is (the usual set-up in
//! production: docs/operations.md). Both the deep health check and the email
//! connection test ask it.

use aws_sdk_sesv2::{
    error::SdkError,
    operation::get_email_identity::{GetEmailIdentityError, GetEmailIdentityOutput},
    types::VerificationStatus,
};

pub type IdentityError = SdkError<GetEmailIdentityError, aws_smithy_runtime_api::http::Response>;

fn verified(o: &GetEmailIdentityOutput) -> bool {
    o.verified_for_sending_status || o.verification_status == Some(VerificationStatus::Success)
}

fn unknown(e: &IdentityError) -> bool {
    e.as_service_error()
        .is_some_and(GetEmailIdentityError::is_not_found_exception)
}

/// Whether `sender`, or else its domain, is verified for sending; an error only when
/// SES could not say (unreachable, or refused the question).
pub async fn verified_sender(
    ses: &aws_sdk_sesv2::Client,
    sender: &str,
) -> Result<bool, IdentityError> {
    match ses.get_email_identity().email_identity(sender).send().await {
        Ok(o) if verified(&o) => return Ok(true),
        Ok(_) => {}
        Err(e) if unknown(&e) => {}
        Err(e) => return Err(e),
    }
    let Some((_, domain)) = sender.rsplit_once('@') else {
        return Ok(false);
    };
    match ses.get_email_identity().email_identity(domain).send().await {
        Ok(o) => Ok(verified(&o)),
        Err(e) if unknown(&e) => Ok(false),
        Err(e) => Err(e),
    }
}
