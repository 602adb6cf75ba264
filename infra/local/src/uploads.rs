//! Locally, the bucket's `ObjectCreated` events reach the upload checker through an
//! SQS queue (the emulator's S3 notifies queues, not functions): set up beside the
//! bucket, drained into the same handler the Lambda runs.

use aws_sdk_s3::types::{
    Event, FilterRule, FilterRuleName, NotificationConfiguration, NotificationConfigurationFilter,
    QueueConfiguration, S3KeyFilter,
};
use aws_sdk_sqs::config::{BehaviorVersion, Credentials, Region};
use campus::{AppState, config::Config};

fn queue_name(bucket: &str) -> String {
    format!("{bucket}-uploads")
}

pub fn sqs(cfg: &Config) -> aws_sdk_sqs::Client {
    let mut b = aws_sdk_sqs::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(cfg.aws.region.clone()))
        .credentials_provider(Credentials::new("test", "test", None, None, "campus-local"));
    if let Some(e) = &cfg.aws.endpoint_url {
        b = b.endpoint_url(e);
    }
    aws_sdk_sqs::Client::from_conf(b.build())
}

/// The queue (made if missing) and the bucket's notification to it; the queue's URL.
pub async fn set_up(cfg: &Config, s3: &aws_sdk_s3::Client) -> Result<String, String> {
    let sqs = sqs(cfg);
    let url = sqs
        .create_queue()
        .queue_name(queue_name(&cfg.bucket_name))
        .send()
        .await
        .map_err(|e| format!("creating the uploads queue: {e:?}"))?
        .queue_url
        .ok_or("the uploads queue has no URL")?;
    let arn = sqs
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
        .send()
        .await
        .map_err(|e| format!("reading the uploads queue: {e:?}"))?
        .attributes
        .and_then(|a| {
            a.get(&aws_sdk_sqs::types::QueueAttributeName::QueueArn)
                .cloned()
        })
        .ok_or("the uploads queue has no ARN")?;
    let prefix = FilterRule::builder()
        .name(FilterRuleName::Prefix)
        .value(campus::model::file::UPLOADS_PREFIX)
        .build();
    let queue = QueueConfiguration::builder()
        .queue_arn(arn)
        .events(Event::from("s3:ObjectCreated:*"))
        .filter(
            NotificationConfigurationFilter::builder()
                .key(S3KeyFilter::builder().filter_rules(prefix).build())
                .build(),
        )
        .build()
        .map_err(|e| e.to_string())?;
    s3.put_bucket_notification_configuration()
        .bucket(&cfg.bucket_name)
        .notification_configuration(
            NotificationConfiguration::builder()
                .queue_configurations(queue)
                .build(),
        )
        .send()
        .await
        .map_err(|e| format!("notifying the uploads queue: {e:?}"))?;
    Ok(url)
}

/// The URL of the queue [`set_up`] made.
pub async fn queue_url(sqs: &aws_sdk_sqs::Client, cfg: &Config) -> Result<String, String> {
    sqs.get_queue_url()
        .queue_name(queue_name(&cfg.bucket_name))
        .send()
        .await
        .map_err(|e| format!("finding the uploads queue: {e:?}"))?
        .queue_url
        .ok_or_else(|| "the uploads queue has no URL".to_string())
}

/// Hands every queued S3 event to the upload checker; how many it handed.
pub async fn drain_once(
    state: &AppState,
    sqs: &aws_sdk_sqs::Client,
    url: &str,
) -> Result<usize, String> {
    let got = sqs
        .receive_message()
        .queue_url(url)
        .max_number_of_messages(10)
        .send()
        .await
        .map_err(|e| format!("{e:?}"))?;
    let mut handed = 0;
    for m in got.messages.unwrap_or_default() {
        let event: serde_json::Value = m
            .body
            .as_deref()
            .and_then(|b| serde_json::from_str(b).ok())
            .unwrap_or_default();
        // S3's "s3:TestEvent" on configuring the notification has no records.
        if event.get("Records").is_some() {
            campus_upload_checker::handle(state, event)
                .await
                .map_err(|e| format!("{e:?}"))?;
            handed += 1;
        }
        if let Some(h) = m.receipt_handle {
            sqs.delete_message()
                .queue_url(url)
                .receipt_handle(h)
                .send()
                .await
                .map_err(|e| format!("{e:?}"))?;
        }
    }
    Ok(handed)
}
