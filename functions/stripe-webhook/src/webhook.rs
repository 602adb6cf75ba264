use axum::{Json, body::Bytes, extract::State, http::HeaderMap};
use campus::{ApiError, ApiResult, AppState, clock, error::ErrorBody, stripe_signature};
use serde::Serialize;
use utoipa::ToSchema;

use crate::{apply, shapes::Event};

/// What became of an event.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Ack {
    pub received: bool,
    /// `applied`; `duplicate` (applied before); `stale` (newer state is stored);
    /// `ignored` (a type this API does not handle); `unknown_company`,
    /// `unknown_payment` or `unknown_plan` (nothing here to apply it to).
    #[schema(example = "applied")]
    pub outcome: &'static str,
}

/// Stripe's events (Stripe calls this, not clients). The `Stripe-Signature` header
/// must sign the raw body with the endpoint's secret within 5 minutes of now, else
/// 400. Every answer to a well-signed event is 200, so Stripe stops retrying: an
/// event is applied once however often it is delivered, an event older than the
/// state it would change is acknowledged and dropped, and types not handled here
/// are acknowledged. Handled: `checkout.session.completed`,
/// `customer.subscription.created|updated|deleted`, `invoice.paid`,
/// `invoice.payment_failed`, `payment_intent.succeeded`, `charge.refunded`.
#[utoipa::path(post, path = "/api/webhooks/stripe", tag = "billing",
    params(("Stripe-Signature" = String, Header, description = "`t=<unix time>,v1=<hex HMAC-SHA256>` (several `v1` allowed)")),
    request_body(content = Object, description = "A Stripe event object", content_type = "application/json"),
    responses(
        (status = 200, description = "Received", body = Ack),
        (status = 400, description = "Missing, malformed, wrong or stale signature; not an event", body = ErrorBody),
        (status = 503, description = "No webhook secret is configured", body = ErrorBody),
    ))]
pub async fn receive(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<Ack>> {
    let Some(secret) = &state.config.stripe_webhook_secret else {
        tracing::error!("STRIPE_WEBHOOK_SECRET is not set; refusing Stripe events");
        return Err(ApiError::Unavailable { retry_after: 300 });
    };
    let header = headers
        .get("stripe-signature")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| ApiError::field("Stripe-Signature", "is required"))?;
    stripe_signature::verify(
        header,
        &body,
        secret.expose(),
        clock::now().unix_timestamp(),
    )
    .map_err(|e| {
        tracing::warn!(reason = e.reason(), "Stripe signature refused");
        ApiError::field("Stripe-Signature", e.reason())
    })?;
    let event: Event = serde_json::from_slice(&body).map_err(|e| {
        if e.is_syntax() || e.is_eof() {
            ApiError::MalformedJson(e.to_string())
        } else {
            ApiError::field("body", "is not a Stripe event")
        }
    })?;
    let outcome = apply::event(&state, &event).await?;
    tracing::info!(event_id = %event.id, event_type = %event.kind, outcome, "Stripe event");
    Ok(Json(Ack {
        received: true,
        outcome,
    }))
}
