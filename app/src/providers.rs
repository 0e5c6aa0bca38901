//! Payment providers. Real providers (WeChat Pay, Alipay, Stripe) will implement the same
//! `PaymentProvider` trait; the built-in sandbox lets the whole flow run without one: a cashier
//! page, then a webhook signed with HMAC-SHA256 over `timestamp.body`. What a verified event
//! does to orders is `payments`' business, not the provider's.

use domain::money::Fen;
use domain::payment::timestamp_fresh;
use hmac::{Hmac, KeyInit, Mac};
use http::HeaderMap;
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use store::orders::PaymentRow;

/// A provider's notification, after its signature has been checked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderEvent {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub payment_id: i64,
    pub amount: i64,
    /// When the provider took the money (ms), as it signed it: a notice delivered late (a retry
    /// after our outage) is judged by this, not by when it arrived.
    #[serde(default)]
    pub paid_at: Option<i64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WebhookError {
    /// Missing or wrong signature, stale timestamp, or a body we cannot read: refused with 400
    /// and nothing changes.
    Rejected,
    /// Our side failed; the provider should deliver again later.
    Unavailable,
}

pub type ProviderFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;

pub trait PaymentProvider: Send + Sync {
    fn name(&self) -> &'static str;
    /// Checks a webhook delivery and reads its event.
    fn verify(&self, headers: &HeaderMap, body: &[u8], now_ms: i64) -> Result<ProviderEvent, WebhookError>;
    /// Gives `amount` of a payment back. `refund_id` is the idempotency key: asking twice for the
    /// same refund returns the first result and moves money once. Returns the provider's reference.
    fn refund(&self, refund_id: i64, payment_id: i64, amount: Fen) -> ProviderFuture<'_, Result<String, WebhookError>>;
}

pub const TIMESTAMP_HEADER: &str = "x-sandbox-timestamp";
pub const SIGNATURE_HEADER: &str = "x-sandbox-signature";

pub struct Sandbox {
    key: Vec<u8>,
}

type HmacSha256 = Hmac<Sha256>;

impl Sandbox {
    /// The webhook key is derived from the instance secret, so it never needs configuring.
    pub fn new(secret: &[u8]) -> Sandbox {
        let mut mac = <HmacSha256 as KeyInit>::new_from_slice(secret).expect("HMAC takes any key length");
        mac.update(b"qunli sandbox webhook key");
        Sandbox { key: mac.finalize().into_bytes().to_vec() }
    }

    /// `v1=<hex>` over `"{timestamp}.{body}"`, timestamp in milliseconds.
    pub fn sign(&self, timestamp_ms: i64, body: &[u8]) -> String {
        let mut mac = <HmacSha256 as KeyInit>::new_from_slice(&self.key).expect("HMAC takes any key length");
        mac.update(timestamp_ms.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        format!("v1={}", hex::encode(mac.finalize().into_bytes()))
    }

    /// The delivery the sandbox makes when the member taps pay: headers and body.
    pub fn success_delivery(&self, payment: &PaymentRow, now_ms: i64) -> (HeaderMap, Vec<u8>) {
        let event = ProviderEvent {
            id: format!("evt_{}_{}", payment.id, now_ms),
            kind: "payment.succeeded".into(),
            payment_id: payment.id,
            amount: payment.amount.0,
            paid_at: Some(now_ms),
        };
        let body = serde_json::to_vec(&event).expect("event serialises");
        let mut headers = HeaderMap::new();
        headers.insert(TIMESTAMP_HEADER, now_ms.to_string().parse().expect("digits"));
        headers.insert(SIGNATURE_HEADER, self.sign(now_ms, &body).parse().expect("ascii"));
        (headers, body)
    }
}

impl PaymentProvider for Sandbox {
    fn name(&self) -> &'static str {
        "sandbox"
    }

    fn verify(&self, headers: &HeaderMap, body: &[u8], now_ms: i64) -> Result<ProviderEvent, WebhookError> {
        let header = |n: &str| headers.get(n).and_then(|v| v.to_str().ok());
        let ts: i64 = header(TIMESTAMP_HEADER).and_then(|v| v.parse().ok()).ok_or(WebhookError::Rejected)?;
        let sig = header(SIGNATURE_HEADER).and_then(|v| v.strip_prefix("v1=")).ok_or(WebhookError::Rejected)?;
        let sig = hex::decode(sig).map_err(|_| WebhookError::Rejected)?;
        let mut mac = <HmacSha256 as KeyInit>::new_from_slice(&self.key).expect("HMAC takes any key length");
        mac.update(ts.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        // Constant-time comparison.
        mac.verify_slice(&sig).map_err(|_| WebhookError::Rejected)?;
        if !timestamp_fresh(now_ms, ts) {
            return Err(WebhookError::Rejected);
        }
        serde_json::from_slice(body).map_err(|_| WebhookError::Rejected)
    }

    /// The sandbox moves no real money: a refund succeeds at once, and its reference is derived
    /// from the refund id, so asking again gives the same answer.
    fn refund(
        &self,
        refund_id: i64,
        _payment_id: i64,
        _amount: Fen,
    ) -> ProviderFuture<'_, Result<String, WebhookError>> {
        Box::pin(async move { Ok(format!("sbr_{refund_id}")) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pay() -> PaymentRow {
        PaymentRow {
            id: 7,
            order_id: 3,
            provider: "sandbox".into(),
            amount: Fen(3500),
            status: domain::payment::PaymentStatus::Created,
        }
    }

    #[test]
    fn a_signed_delivery_verifies() {
        let sb = Sandbox::new(b"secret");
        let (h, body) = sb.success_delivery(&pay(), 1_000_000);
        let ev = sb.verify(&h, &body, 1_000_000 + 299_000).unwrap();
        assert_eq!((ev.payment_id, ev.amount, ev.kind.as_str()), (7, 3500, "payment.succeeded"));
    }

    #[test]
    fn tampering_staleness_and_other_keys_are_rejected() {
        let sb = Sandbox::new(b"secret");
        let (h, body) = sb.success_delivery(&pay(), 1_000_000);
        let mut tampered = body.clone();
        tampered[10] ^= 1;
        assert_eq!(sb.verify(&h, &tampered, 1_000_000), Err(WebhookError::Rejected));
        assert_eq!(sb.verify(&h, &body, 1_000_000 + 300_001), Err(WebhookError::Rejected));
        assert_eq!(Sandbox::new(b"other").verify(&h, &body, 1_000_000), Err(WebhookError::Rejected));
        let mut no_sig = h.clone();
        no_sig.remove(SIGNATURE_HEADER);
        assert_eq!(sb.verify(&no_sig, &body, 1_000_000), Err(WebhookError::Rejected));
        // Moving the timestamp invalidates the signature too.
        let mut moved = h.clone();
        moved.insert(TIMESTAMP_HEADER, "1000001".parse().unwrap());
        assert_eq!(sb.verify(&moved, &body, 1_000_000), Err(WebhookError::Rejected));
    }
}
