//! Creates what the template declares (table, bucket and its upload notifications,
//! sender identity) on the local
//! emulator. Safe to run again: what exists is left alone.

use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, StreamSpecification, StreamViewType,
    TimeToLiveSpecification,
};
use campus::config::Config;

use crate::template::Template;

pub async fn create_all(template: &Template, cfg: &Config) -> Result<(), String> {
    let aws = campus::aws::Aws::new(cfg);
    create_table(template, &aws.dynamodb(), &cfg.table_name).await?;
    let s3 = aws.s3();
    match s3.create_bucket().bucket(&cfg.bucket_name).send().await {
        Ok(_) => {}
        Err(e) if format!("{e:?}").contains("BucketAlready") => {}
        Err(e) => return Err(format!("creating bucket {}: {e:?}", cfg.bucket_name)),
    }
    crate::uploads::set_up(cfg, &s3).await?;
    let ses = aws.ses();
    ses.create_email_identity()
        .email_identity(&cfg.mail_from)
        .send()
        .await
        .map(|_| ())
        .or_else(|e| {
            if format!("{e:?}").contains("AlreadyExists") {
                Ok(())
            } else {
                Err(format!("creating SES identity: {e:?}"))
            }
        })
}

fn key_schema(k: &crate::template::KeySchemaElement) -> Result<KeySchemaElement, String> {
    KeySchemaElement::builder()
        .attribute_name(&k.attribute_name)
        .key_type(KeyType::from(k.key_type.as_str()))
        .build()
        .map_err(|e| e.to_string())
}

pub async fn create_table(
    template: &Template,
    db: &aws_sdk_dynamodb::Client,
    name: &str,
) -> Result<(), String> {
    let def = template.table()?;
    let mut req = db
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest);
    for a in &def.attribute_definitions {
        req = req.attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name(&a.attribute_name)
                .attribute_type(ScalarAttributeType::from(a.attribute_type.as_str()))
                .build()
                .map_err(|e| e.to_string())?,
        );
    }
    for k in &def.key_schema {
        req = req.key_schema(key_schema(k)?);
    }
    // The stream feeds the search indexer (and, in AWS, the mailer).
    if let Some(stream) = &def.stream_specification {
        req = req.stream_specification(
            StreamSpecification::builder()
                .stream_enabled(true)
                .stream_view_type(StreamViewType::from(stream.stream_view_type.as_str()))
                .build()
                .map_err(|e| e.to_string())?,
        );
    }
    for g in &def.global_secondary_indexes {
        let mut gsi = GlobalSecondaryIndex::builder()
            .index_name(&g.index_name)
            .projection(
                Projection::builder()
                    .projection_type(ProjectionType::from(g.projection.projection_type.as_str()))
                    .set_non_key_attributes(
                        (!g.projection.non_key_attributes.is_empty())
                            .then(|| g.projection.non_key_attributes.clone()),
                    )
                    .build(),
            );
        for k in &g.key_schema {
            gsi = gsi.key_schema(key_schema(k)?);
        }
        req = req.global_secondary_indexes(gsi.build().map_err(|e| e.to_string())?);
    }
    match req.send().await {
        Ok(_) => {}
        Err(e) if format!("{e:?}").contains("ResourceInUse") => return Ok(()),
        Err(e) => return Err(format!("creating table {name}: {e:?}")),
    }
    if let Some(ttl) = def.time_to_live_specification {
        db.update_time_to_live()
            .table_name(name)
            .time_to_live_specification(
                TimeToLiveSpecification::builder()
                    .attribute_name(ttl.attribute_name)
                    .enabled(true)
                    .build()
                    .map_err(|e| e.to_string())?,
            )
            .send()
            .await
            .map_err(|e| format!("enabling TTL: {e:?}"))?;
    }
    Ok(())
}
