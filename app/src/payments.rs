//! What a provider's verified event does to orders, and paying approved refunds back through
//! the provider they came from. Both are safe to repeat: the event id and the refund id make
//! each change happen once, on any instance.

use crate::ctx::AppState;
use crate::error::AppError;
use crate::providers::{PaymentProvider, WebhookError};
use domain::money::Fen;
use http::HeaderMap;
use store::orders::{self, PaymentOutcome};
use store::refunds;

/// The provider a payment was made with.
pub fn provider<'a>(st: &'a AppState, name: &str) -> Option<&'a dyn PaymentProvider> {
    match name {
        "sandbox" => Some(st.sandbox.as_ref()),
        _ => None,
    }
}

/// Asks the provider to pay an approved refund and records its confirmation. Safe to call again
/// (from the retry job, or on another instance): the provider call is idempotent by refund id and
/// the record is a conditional update.
pub async fn settle_refund(st: &AppState, refund_id: i64) -> Result<bool, AppError> {
    let Some(r) = refunds::by_id(&st.db, refund_id).await? else { return Err(domain::Error::NotFound.into()) };
    if r.status != domain::order::RefundStatus::Approved {
        return Ok(false);
    }
    let p = provider(st, &r.provider).ok_or(AppError::Internal)?;
    let reference = p.refund(r.id, r.payment_id, r.amount).await.map_err(|_| AppError::Internal)?;
    Ok(refunds::mark_refunded(&st.db, r.id, &reference, st.clock.now_ms()).await?)
}

/// How long after taking the money a provider's notice may arrive and still be judged by the time
/// the money was taken.
const PAYMENT_NOTICE_LAG_MS: i64 = 60 * 60 * 1000;

/// Receives a webhook delivery: the same path for the HTTP endpoint and the sandbox cashier.
pub async fn receive(
    st: &AppState,
    provider: &dyn PaymentProvider,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<PaymentOutcome, WebhookError> {
    let now = st.clock.now_ms();
    let event = provider.verify(headers, body, now)?;
    if event.kind != "payment.succeeded" {
        return Err(WebhookError::Rejected);
    }
    // Whether the money came in time is decided by when the provider took it (within an hour of
    // the notice: a provider's clock is trusted that far), not by when its notice got through.
    let at = event.paid_at.map_or(now, |t| t.clamp(now - PAYMENT_NOTICE_LAG_MS, now));
    match orders::apply_payment_succeeded(&st.db, provider.name(), &event.id, event.payment_id, Fen(event.amount), at)
        .await
    {
        Ok(outcome) => {
            // A group-buy payment may have moved a team; open team pages hear of it now.
            st.changes.poke();
            if let PaymentOutcome::OrderNotPayable { order_id, refund_id } = outcome {
                tracing::info!(order_id, refund_id, "payment arrived for an order that cannot take it; refunding");
                // If the provider is unreachable now, the refund stays approved and the jobs retry it.
                if let Err(e) = settle_refund(st, refund_id).await {
                    tracing::warn!(refund_id, error = %e, "refund not settled yet");
                }
            }
            Ok(outcome)
        }
        Err(store::Error::Rule(_)) => Err(WebhookError::Rejected),
        Err(e) => {
            tracing::error!(error = %e, "payment event not applied");
            Err(WebhookError::Unavailable)
        }
    }
}
