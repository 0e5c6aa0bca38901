//! Rules about payment notifications that do not depend on a provider.

/// A webhook whose timestamp is further than this from our clock is refused: a captured
/// request cannot be replayed later.
pub const WEBHOOK_TOLERANCE_MS: i64 = 300_000;

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
