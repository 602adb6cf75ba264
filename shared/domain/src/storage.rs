//! The bucket: uploads and certificate PDFs. The S3 client is built on first use, so
//! functions that never touch S3 pay nothing for it at cold start.

use std::{
    sync::{Arc, OnceLock},
    time::Duration,
};

use aws_sdk_s3::{presigning::PresigningConfig, primitives::ByteStream};

use crate::{aws::Aws, error::ApiError};

/// A form a browser posts a file with: every field, then the file as `file`.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PresignedPost {
    pub url: String,
    pub fields: std::collections::BTreeMap<String, String>,
    #[serde(skip)]
    pub expires_at: String,
}

#[derive(Clone)]
pub struct Storage {
    aws: Aws,
    bucket: String,
    client: Arc<OnceLock<aws_sdk_s3::Client>>,
}

fn unavailable<E: std::fmt::Debug>(e: E) -> ApiError {
    tracing::error!(error = ?e, "s3 call failed");
    ApiError::Unavailable { retry_after: 1 }
}

impl Storage {
    pub fn new(aws: Aws, bucket: String) -> Self {
        Self {
            aws,
            bucket,
            client: Arc::default(),
        }
    }

    fn client(&self) -> &aws_sdk_s3::Client {
        self.client.get_or_init(|| self.aws.s3())
    }

    pub async fn put(&self, key: &str, content_type: &str, body: Vec<u8>) -> Result<(), ApiError> {
        self.client()
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type(content_type)
            .body(ByteStream::from(body))
            .send()
            .await
            .map(|_| ())
            .map_err(unavailable)
    }

    pub async fn delete(&self, key: &str) -> Result<(), ApiError> {
        self.client()
            .delete_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map(|_| ())
            .map_err(unavailable)
    }

    /// A browser upload straight to the bucket: an S3 POST whose signed policy lets
    /// exactly this key, this content type and 1 to `max_size` bytes through, until
    /// `ttl` has passed.
    pub fn presigned_post(
        &self,
        key: &str,
        content_type: &str,
        max_size: u64,
        ttl: Duration,
    ) -> Result<PresignedPost, ApiError> {
        if let Some(function) = self.aws.function() {
            let uri = format!("/{}/{key}", self.bucket);
            crate::aws_calls::check(&crate::aws_calls::AwsCall {
                function,
                service: "S3",
                operation: "PostObject",
                method: "POST",
                uri: &uri,
                copy_source: None,
                body: &[],
            })
            .map_err(unavailable)?;
        }
        let now = std::time::SystemTime::now();
        let at = time::OffsetDateTime::from(now);
        let amz_date = at
            .format(time::macros::format_description!(
                "[year][month][day]T[hour][minute][second]Z"
            ))
            .map_err(ApiError::internal)?;
        let expires = crate::clock::rfc3339(at + ttl);
        let (credential, token) = self.aws.s3_post_identity(now);
        let mut fields = vec![
            ("key".to_string(), key.to_string()),
            ("Content-Type".to_string(), content_type.to_string()),
            (
                "x-amz-algorithm".to_string(),
                "AWS4-HMAC-SHA256".to_string(),
            ),
            ("x-amz-credential".to_string(), credential),
            ("x-amz-date".to_string(), amz_date),
        ];
        if let Some(t) = token {
            fields.push(("x-amz-security-token".to_string(), t));
        }
        let mut conditions = vec![serde_json::json!({"bucket": self.bucket})];
        conditions.extend(fields.iter().map(|(k, v)| serde_json::json!({ k: v })));
        conditions.push(serde_json::json!(["content-length-range", 1, max_size]));
        let policy = serde_json::json!({"expiration": expires, "conditions": conditions});
        let policy = base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            policy.to_string(),
        );
        let signature = self.aws.sign_s3_policy(&policy, now);
        fields.push(("policy".to_string(), policy));
        fields.push(("x-amz-signature".to_string(), signature));
        Ok(PresignedPost {
            url: self.aws.s3_post_url(&self.bucket),
            fields: fields.into_iter().collect(),
            expires_at: expires,
        })
    }

    /// The first `n` bytes of an object and its whole size; `None` if there is no
    /// such object.
    pub async fn head_bytes(&self, key: &str, n: u64) -> Result<Option<(Vec<u8>, u64)>, ApiError> {
        let res = self
            .client()
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .range(format!("bytes=0-{}", n.saturating_sub(1)))
            .send()
            .await;
        let out = match res {
            Ok(out) => out,
            Err(e) => {
                let code = e.as_service_error().and_then(|s| {
                    use aws_sdk_s3::error::ProvideErrorMetadata;
                    s.code().map(str::to_string)
                });
                return match code.as_deref() {
                    Some("NoSuchKey") => Ok(None),
                    // A range cannot start inside an empty object.
                    Some("InvalidRange") => Ok(Some((Vec::new(), 0))),
                    _ => Err(unavailable(e)),
                };
            }
        };
        // `bytes 0-63/1234`: the whole size after the slash; without a range answer,
        // the body is the whole object.
        let total = out
            .content_range()
            .and_then(|r| r.rsplit('/').next())
            .and_then(|t| t.parse::<u64>().ok());
        let length = out.content_length().and_then(|l| u64::try_from(l).ok());
        let body = out
            .body
            .collect()
            .await
            .map_err(unavailable)?
            .into_bytes()
            .to_vec();
        let size = total.or(length).unwrap_or(body.len() as u64);
        Ok(Some((body, size)))
    }

    /// A GET URL valid for `ttl`, answering with the given type and file name.
    pub async fn presigned_get(
        &self,
        key: &str,
        content_type: &str,
        file_name: &str,
        ttl: Duration,
    ) -> Result<String, ApiError> {
        let config = PresigningConfig::expires_in(ttl).map_err(ApiError::internal)?;
        let req = self
            .client()
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .response_content_type(content_type)
            .response_content_disposition(format!("inline; filename=\"{file_name}\""))
            .presigned(config)
            .await
            .map_err(unavailable)?;
        Ok(req.uri().to_string())
    }
}
