//! Rules about payments that do not depend on a provider.

use crate::text_enum;
use serde::{Deserialize, Serialize};

text_enum! {
    /// A payment is created with its order and succeeds once, when the provider confirms it.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
    pub enum PaymentStatus {
        Created = "created",
        Succeeded = "succeeded",
    }
}

/// A webhook whose timestamp is further than this from our clock is refused: a captured
/// request cannot be replayed later.
pub const WEBHOOK_TOLERANCE: std::time::Duration = std::time::Duration::from_secs(5 * 60);
pub const WEBHOOK_TOLERANCE_MS: i64 = crate::time::ms(WEBHOOK_TOLERANCE);

pub fn timestamp_fresh(now_ms: i64, stamp_ms: i64) -> bool {
    (now_ms - stamp_ms).abs() <= WEBHOOK_TOLERANCE_MS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_minutes_either_way() {
        let now = 1_800_000_000_000;
        assert!(timestamp_fresh(now, now));
        assert!(timestamp_fresh(now, now - 300_000));
        assert!(!timestamp_fresh(now, now - 300_001));
        assert!(!timestamp_fresh(now, now + 300_001));
    }
}
