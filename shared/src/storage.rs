//! The bucket: uploads and certificate PDFs. The S3 client is built on first use, so
//! functions that never touch S3 pay nothing for it at cold start.

use std::{
    sync::{Arc, OnceLock},
    time::Duration,
};

use aws_sdk_s3::{presigning::PresigningConfig, primitives::ByteStream};

use crate::{aws::Aws, error::ApiError};

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
