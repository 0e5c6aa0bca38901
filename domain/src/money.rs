//! Money is an integer number of fen (1/100 yuan) everywhere: storage, arithmetic and API.
//! Rates are basis points (1 bp = 0.01 %) and a rate is always rounded down to the fen.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Fen(pub i64);

/// The largest amount the shop handles in one figure: ¥100,000,000.00. Far above any real order,
/// far below the point where `i64` arithmetic on quantities could overflow.
pub const MAX_AMOUNT: Fen = Fen(10_000_000_000);

impl Fen {
    pub const ZERO: Fen = Fen(0);

    pub fn yuan(yuan: i64) -> Fen {
        Fen(yuan * 100)
    }

    pub fn checked_mul(self, qty: i64) -> Option<Fen> {
        self.0.checked_mul(qty).map(Fen)
    }

    pub fn checked_add(self, other: Fen) -> Option<Fen> {
        self.0.checked_add(other.0).map(Fen)
    }

    pub fn checked_sub(self, other: Fen) -> Option<Fen> {
        self.0.checked_sub(other.0).map(Fen)
    }

    /// `self - other`, or zero when `other` is larger.
    pub fn saturating_sub(self, other: Fen) -> Fen {
        Fen(self.0.saturating_sub(other.0).max(0))
    }

    /// Applies a rate in basis points, rounding down to the fen.
    pub fn apply_bp(self, bp: i64) -> Fen {
        debug_assert!(self.0 >= 0 && bp >= 0);
        // i128 so that no amount × rate in range can overflow.
        Fen(((self.0 as i128 * bp as i128) / 10_000) as i64)
    }

    /// `¥35.00`
    pub fn display(self) -> String {
        format!("¥{}", self.number())
    }

    /// `35.00` (the figure without the currency sign; the price tag sets `¥` smaller).
    pub fn number(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        format!("{sign}{}.{:02}", abs / 100, abs % 100)
    }

    /// A yuan figure as people type it in a price field: `35`, `35.5`, `35.50`, `¥35`, ` 35.00 `.
    /// At most two decimals, never negative, at most `MAX_AMOUNT`.
    pub fn parse_yuan(input: &str) -> Option<Fen> {
        let s = input.trim().trim_start_matches(['¥', '￥']).trim();
        if s.is_empty() {
            return None;
        }
        let (int_part, frac_part) = match s.split_once('.') {
            Some((i, f)) => (i, f),
            None => (s, ""),
        };
        if int_part.is_empty()
            || !int_part.bytes().all(|b| b.is_ascii_digit())
            || !frac_part.bytes().all(|b| b.is_ascii_digit())
            || frac_part.len() > 2
            || int_part.len() > 12
        {
            return None;
        }
        let yuan: i64 = int_part.parse().ok()?;
        let mut fen: i64 = if frac_part.is_empty() { 0 } else { frac_part.parse().ok()? };
        if frac_part.len() == 1 {
            fen *= 10;
        }
        let total = Fen(yuan.checked_mul(100)?.checked_add(fen)?);
        (total <= MAX_AMOUNT).then_some(total)
    }

    /// For a price field's value: `35` for whole yuan, `35.5` → `35.50`.
    pub fn input_value(self) -> String {
        if self.0 % 100 == 0 {
            (self.0 / 100).to_string()
        } else {
            self.number()
        }
    }
}

/// `a + b` and `a - b` on money never wrap: an overflow stops the request with a panic (and
/// `overflow-checks` is on in release builds too), which the server turns into an error page,
/// rather than charging a wrapped amount. Amounts the shop handles stay below `MAX_AMOUNT`, far
/// from the limit; code that adds untrusted figures uses `checked_add`.
impl std::ops::Add for Fen {
    type Output = Fen;
    fn add(self, rhs: Fen) -> Fen {
        match self.checked_add(rhs) {
            Some(f) => f,
            None => panic!("money overflow: {} + {}", self.0, rhs.0),
        }
    }
}

impl std::ops::Sub for Fen {
    type Output = Fen;
    fn sub(self, rhs: Fen) -> Fen {
        match self.checked_sub(rhs) {
            Some(f) => f,
            None => panic!("money overflow: {} - {}", self.0, rhs.0),
        }
    }
}

impl std::ops::Mul<i64> for Fen {
    type Output = Fen;
    fn mul(self, qty: i64) -> Fen {
        match self.checked_mul(qty) {
            Some(f) => f,
            None => panic!("money overflow: {} × {qty}", self.0),
        }
    }
}

impl std::ops::AddAssign for Fen {
    fn add_assign(&mut self, rhs: Fen) {
        *self = *self + rhs;
    }
}

impl std::iter::Sum for Fen {
    fn sum<I: Iterator<Item = Fen>>(iter: I) -> Fen {
        iter.fold(Fen::ZERO, |a, b| a + b)
    }
}

impl<'a> std::iter::Sum<&'a Fen> for Fen {
    fn sum<I: Iterator<Item = &'a Fen>>(iter: I) -> Fen {
        iter.copied().sum()
    }
}

impl fmt::Display for Fen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn money_adds_and_sums_exactly() {
        assert_eq!(Fen(3500) + Fen(800) - Fen(300), Fen(4000));
        assert_eq!(Fen(2990) * 3, Fen(8970));
        assert_eq!([Fen(1), Fen(2), Fen(3)].iter().sum::<Fen>(), Fen(6));
        assert_eq!(Fen(i64::MAX).checked_add(Fen(1)), None);
        assert_eq!(Fen(i64::MIN).checked_sub(Fen(1)), None);
        assert_eq!(Fen(100).saturating_sub(Fen(300)), Fen::ZERO);
    }

    #[test]
    #[should_panic(expected = "money overflow")]
    fn money_overflow_stops_instead_of_wrapping() {
        let _ = Fen(i64::MAX) + Fen(1);
    }

    #[test]
    fn displays_yuan_with_two_decimals() {
        assert_eq!(Fen(3500).display(), "¥35.00");
        assert_eq!(Fen(5).display(), "¥0.05");
        assert_eq!(Fen(-150).display(), "¥-1.50");
        assert_eq!(Fen(2990).number(), "29.90");
    }

    #[test]
    fn parses_what_owners_type() {
        assert_eq!(Fen::parse_yuan("35"), Some(Fen(3500)));
        assert_eq!(Fen::parse_yuan("35.5"), Some(Fen(3550)));
        assert_eq!(Fen::parse_yuan(" ¥29.90 "), Some(Fen(2990)));
        assert_eq!(Fen::parse_yuan("0.01"), Some(Fen(1)));
        for bad in ["", "abc", "-1", "1.234", "1,00", ".5", "1e3", "1.2.3", "99999999999999"] {
            assert_eq!(Fen::parse_yuan(bad), None, "{bad}");
        }
    }

    #[test]
    fn rates_round_down_to_the_fen() {
        assert_eq!(Fen(3500).apply_bp(1000), Fen(350));
        assert_eq!(Fen(999).apply_bp(333), Fen(33)); // 33.2667 → 33
        assert_eq!(Fen(1).apply_bp(9999), Fen(0));
    }

    proptest! {
        #[test]
        fn display_and_parse_round_trip(fen in 0i64..=MAX_AMOUNT.0) {
            prop_assert_eq!(Fen::parse_yuan(&Fen(fen).number()), Some(Fen(fen)));
            prop_assert_eq!(Fen::parse_yuan(&Fen(fen).input_value()), Some(Fen(fen)));
        }

        #[test]
        fn a_rate_never_exceeds_the_base(fen in 0i64..=MAX_AMOUNT.0, bp in 0i64..=10_000) {
            let part = Fen(fen).apply_bp(bp);
            prop_assert!(part.0 >= 0 && part.0 <= fen);
            // Floor: the remainder lost to rounding is less than one fen.
            prop_assert!((fen as i128 * bp as i128) - (part.0 as i128 * 10_000) < 10_000);
        }
    }
}
