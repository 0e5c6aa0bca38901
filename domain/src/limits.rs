//! How often someone may do something that costs the server or another member: token buckets
//! per key (an address, an account), and the growing delays after wrong passwords. The store
//! keeps the counters in the database, so a limit holds across instances; these are the rules.

use crate::time::{ms, DAY, HOUR};
use crate::Error;
use std::time::Duration;

/// A token bucket: up to `burst` at once, then one more every `every_ms`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rate {
    pub burst: i64,
    pub every_ms: i64,
}

impl Rate {
    /// `burst` actions, refilled evenly over `period`.
    pub const fn per(burst: i64, period: Duration) -> Rate {
        Rate { burst, every_ms: ms(period) / burst }
    }
}

/// What a limit guards; with the subject (an address, an account id) it makes the bucket's key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Sign-in attempts from one address (any accounts): guessing across many members.
    SignInFromAddress,
    /// Accounts created from one address.
    SignUpFromAddress,
    /// Communities created by one account.
    CreateCommunity,
    /// Photos uploaded by one account.
    Upload,
    /// Withdrawal requests by one distributor.
    Withdraw,
}

impl Action {
    pub const fn rate(self) -> Rate {
        match self {
            Action::SignInFromAddress => Rate::per(50, Duration::from_secs(15 * 60)),
            Action::SignUpFromAddress => Rate::per(10, HOUR),
            Action::CreateCommunity => Rate::per(3, DAY),
            Action::Upload => Rate::per(60, Duration::from_secs(10 * 60)),
            Action::Withdraw => Rate::per(10, DAY),
        }
    }

    /// The bucket's key for `subject`.
    pub fn key(self, subject: impl std::fmt::Display) -> String {
        let name = match self {
            Action::SignInFromAddress => "sign-in",
            Action::SignUpFromAddress => "sign-up",
            Action::CreateCommunity => "community",
            Action::Upload => "upload",
            Action::Withdraw => "withdraw",
        };
        format!("{name}:{subject}")
    }
}

/// The refusal when a bucket is empty: the next token comes in `wait_ms`.
pub fn refused(wait_ms: i64) -> Error {
    Error::TooManyAttempts { seconds: (wait_ms.max(0) + 999) / 1000 }
}

/// Wrong passwords for one account, as the store keeps them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Attempts {
    /// Attempts since the last success, the current one included (it counts as wrong until
    /// the password checks out).
    pub failures: i64,
    pub last_at: i64,
}

/// Attempts that need no wait; a member who mistypes a few times is never slowed down.
pub const FREE_ATTEMPTS: i64 = 5;
/// The wait after the first attempt beyond the free ones; it doubles with each further one.
pub const FIRST_DELAY: Duration = Duration::from_secs(30);
/// The longest wait: someone who keeps guessing gets one try per quarter hour, and the member
/// whose account it is waits at most this long (there is no lock-out anyone can trigger).
pub const MAX_DELAY: Duration = Duration::from_secs(15 * 60);
/// Wrong passwords are forgotten after a quiet day.
pub const FORGET_AFTER: Duration = DAY;

/// How long after the last attempt the next one may start, after `failures` wrong ones.
pub fn delay_after(failures: i64) -> i64 {
    if failures < FREE_ATTEMPTS {
        return 0;
    }
    let doublings = (failures - FREE_ATTEMPTS).min(20) as u32;
    (ms(FIRST_DELAY) << doublings).min(ms(MAX_DELAY))
}

/// Starts a sign-in attempt for an account: refused while the account's delay runs, otherwise
/// the attempt is counted (as a failure until the password checks out) before any checking, so
/// parallel guesses cannot all slip through.
pub fn begin_attempt(prev: Option<Attempts>, now: i64) -> Result<Attempts, Error> {
    let prev = prev.filter(|a| now - a.last_at < ms(FORGET_AFTER)).unwrap_or(Attempts { failures: 0, last_at: now });
    let delay = delay_after(prev.failures);
    let ready_at = prev.last_at + delay;
    // A free attempt never waits, even on an instance whose clock is behind the last one's.
    if delay > 0 && now < ready_at {
        return Err(refused(ready_at - now));
    }
    Ok(Attempts { failures: prev.failures + 1, last_at: now })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_few_mistakes_cost_nothing_then_the_wait_doubles_up_to_a_quarter_hour() {
        let waits: Vec<i64> = (0..12).map(delay_after).collect();
        assert_eq!(&waits[..5], &[0, 0, 0, 0, 0]);
        assert_eq!(&waits[5..9], &[30_000, 60_000, 120_000, 240_000]);
        assert_eq!(waits[10], 900_000);
        assert_eq!(delay_after(1_000), 900_000);
    }

    #[test]
    fn attempts_are_counted_before_the_password_is_checked() {
        let mut a = None;
        let now = 1_000_000;
        for n in 1..=FREE_ATTEMPTS {
            let next = begin_attempt(a, now).unwrap();
            assert_eq!(next.failures, n);
            a = Some(next);
        }
        // The sixth, at the same instant, waits 30 s.
        assert_eq!(begin_attempt(a, now), Err(Error::TooManyAttempts { seconds: 30 }));
        assert_eq!(begin_attempt(a, now + 29_500), Err(Error::TooManyAttempts { seconds: 1 }));
        let sixth = begin_attempt(a, now + 30_000).unwrap();
        assert_eq!(sixth.failures, 6);
        assert_eq!(begin_attempt(Some(sixth), now + 30_000 + 59_000), Err(Error::TooManyAttempts { seconds: 1 }));
        // Another instance's clock two seconds ahead does not hold up a free attempt.
        assert!(begin_attempt(Some(Attempts { failures: 1, last_at: now + 2_000 }), now).is_ok());
        // A quiet day forgets them.
        let later = now + ms(FORGET_AFTER) + 30_000;
        assert_eq!(begin_attempt(Some(sixth), later), Ok(Attempts { failures: 1, last_at: later }));
    }

    #[test]
    fn rates_spread_their_burst_over_the_period() {
        assert_eq!(Action::SignInFromAddress.rate(), Rate { burst: 50, every_ms: 18_000 });
        assert_eq!(Action::SignInFromAddress.key("203.0.113.7"), "sign-in:203.0.113.7");
        assert_eq!(refused(1), Error::TooManyAttempts { seconds: 1 });
        assert_eq!(refused(18_000), Error::TooManyAttempts { seconds: 18 });
    }
}
