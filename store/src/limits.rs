//! The counters behind `domain::limits`: token buckets and sign-in attempts, in the database so
//! a limit holds across instances, each taken in one atomic step so parallel requests cannot
//! all pass a check before any of them is counted.

use super::Db;
use crate::Error;
use domain::limits::{begin_attempt, refused, Action, Attempts, Rate, FORGET_AFTER};
use domain::time::ms;
use sqlx::Row;
use std::sync::LazyLock;

/// Takes one token from `action`'s bucket for `subject`, or refuses with the wait until the
/// next one. One upsert: refill by the whole intervals since the last refill (at most up to
/// the burst), take a token if there is one; when there is none, the row is left alone.
pub async fn take(db: &Db, action: Action, subject: impl std::fmt::Display, now: i64) -> Result<(), Error> {
    let key = action.key(subject);
    take_key(db, &key, action.rate(), now).await
}

static TAKE: LazyLock<String> = LazyLock::new(|| {
    // $1 key, $2 burst, $3 interval, $4 now. Tokens gained since the last refill; none when
    // another instance's clock ran ahead.
    let gained = "(CASE WHEN $4 > rate_limits.refilled_at THEN ($4 - rate_limits.refilled_at) / $3 ELSE 0 END)";
    let full = format!("(rate_limits.tokens + {gained} >= $2)");
    let tokens = format!("(CASE WHEN {full} THEN $2 ELSE rate_limits.tokens + {gained} END - 1)");
    let refilled = format!("(CASE WHEN {full} THEN $4 ELSE rate_limits.refilled_at + {gained} * $3 END)");
    format!(
        "INSERT INTO rate_limits (key, tokens, refilled_at, full_at) VALUES ($1, $2 - 1, $4, $4 + $3) \
         ON CONFLICT (key) DO UPDATE SET tokens = {tokens}, refilled_at = {refilled}, \
         full_at = {refilled} + ($2 - {tokens}) * $3 \
         WHERE rate_limits.tokens + {gained} >= 1"
    )
});

pub(crate) async fn take_key(db: &Db, key: &str, rate: Rate, now: i64) -> Result<(), Error> {
    let taken =
        sql!(query, TAKE.as_str(), key, rate.burst, rate.every_ms, now).execute(&db.pool).await?.rows_affected();
    if taken == 1 {
        return Ok(());
    }
    // Empty: no tokens, none gained yet, so the next one comes an interval after the last refill.
    let refilled_at: Option<i64> =
        sql!(query_scalar, "SELECT refilled_at FROM rate_limits WHERE key = $1", key).fetch_optional(&db.pool).await?;
    Err(refused(refilled_at.unwrap_or(now) + rate.every_ms - now).into())
}

/// Starts a sign-in attempt for the account behind `scope`: refused while its delay runs,
/// otherwise counted as a failure before the password is checked (see `domain::limits`).
pub async fn begin_sign_in(db: &Db, scope: &str, now: i64) -> Result<(), Error> {
    let mut tx = db.begin().await?;
    // The upsert holds the row until commit (PostgreSQL); on SQLite the transaction holds the
    // write lock. A parallel attempt reads the count this one writes.
    sql!(
        query,
        "INSERT INTO sign_in_attempts (scope, failures, last_at) VALUES ($1, 0, $2) \
         ON CONFLICT (scope) DO UPDATE SET scope = excluded.scope",
        scope,
        now
    )
    .execute(&mut *tx)
    .await?;
    let row = sql!(query, "SELECT failures, last_at FROM sign_in_attempts WHERE scope = $1", scope)
        .fetch_one(&mut *tx)
        .await?;
    let prev = Attempts { failures: row.try_get("failures")?, last_at: row.try_get("last_at")? };
    let next = begin_attempt(Some(prev), now)?;
    sql!(
        query,
        "UPDATE sign_in_attempts SET failures = $2, last_at = $3 WHERE scope = $1",
        scope,
        next.failures,
        next.last_at
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The password checked out: the account's attempts start again from none.
pub async fn clear_sign_in(db: &Db, scope: &str) -> Result<(), Error> {
    sql!(query, "DELETE FROM sign_in_attempts WHERE scope = $1", scope).execute(&db.pool).await?;
    Ok(())
}

/// Deletes counters that no longer limit anything: full buckets and attempts forgotten.
/// Returns how many rows went.
pub async fn purge(db: &Db, now: i64) -> Result<u64, Error> {
    let buckets = sql!(query, "DELETE FROM rate_limits WHERE full_at <= $1", now).execute(&db.pool).await?;
    let attempts = sql!(query, "DELETE FROM sign_in_attempts WHERE last_at < $1", now - ms(FORGET_AFTER))
        .execute(&db.pool)
        .await?;
    Ok(buckets.rows_affected() + attempts.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::each_db;
    use domain::Error as Rule;

    fn wait(r: Result<(), Error>) -> Option<i64> {
        match r {
            Ok(()) => None,
            Err(Error::Rule(Rule::TooManyAttempts { seconds })) => Some(seconds),
            Err(e) => panic!("{e:?}"),
        }
    }

    async fn all(tasks: Vec<tokio::task::JoinHandle<Result<(), Error>>>) -> Vec<Result<(), Error>> {
        let mut out = vec![];
        for t in tasks {
            out.push(t.await.expect("task"));
        }
        out
    }

    #[tokio::test]
    async fn a_bucket_gives_its_burst_then_one_per_interval() {
        each_db(|db| async move {
            let rate = Rate { burst: 3, every_ms: 10_000 };
            for _ in 0..3 {
                assert_eq!(wait(take_key(&db, "k", rate, 1_000).await), None);
            }
            assert_eq!(wait(take_key(&db, "k", rate, 1_000).await), Some(10));
            assert_eq!(wait(take_key(&db, "k", rate, 8_500).await), Some(3), "refusals take nothing");
            assert_eq!(wait(take_key(&db, "k", rate, 11_000).await), None, "one interval, one token");
            assert_eq!(wait(take_key(&db, "k", rate, 11_000).await), Some(10));
            // Partial intervals carry over: 1.5 intervals give one now and the next at 2.
            assert_eq!(wait(take_key(&db, "k", rate, 26_000).await), None);
            assert_eq!(wait(take_key(&db, "k", rate, 26_000).await), Some(5));
            assert_eq!(wait(take_key(&db, "k", rate, 31_000).await), None);
            // A long pause fills the bucket to its burst, not beyond.
            for _ in 0..3 {
                assert_eq!(wait(take_key(&db, "k", rate, 1_000_000).await), None);
            }
            assert_eq!(wait(take_key(&db, "k", rate, 1_000_000).await), Some(10));
            assert_eq!(wait(take_key(&db, "other", rate, 1_000_000).await), None, "keys are separate");
            // A clock behind the last refill gains nothing (and loses nothing).
            assert_eq!(wait(take_key(&db, "k", rate, 900_000).await), Some(110));
            // Full buckets are purged; the one still refilling stays.
            assert_eq!(purge(&db, 1_005_000).await.unwrap(), 0);
            assert_eq!(purge(&db, 1_030_000).await.unwrap(), 2);
        })
        .await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn parallel_takes_never_hand_out_more_than_the_burst() {
        each_db(|db| async move {
            let rate = Rate { burst: 5, every_ms: 60_000 };
            let tries: Vec<_> = (0..40)
                .map(|_| {
                    let db = db.clone();
                    tokio::spawn(async move { take_key(&db, "rush", rate, 5_000).await })
                })
                .collect();
            let results = all(tries).await;
            assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 5);
        })
        .await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn parallel_sign_ins_for_one_account_start_only_the_free_attempts() {
        each_db(|db| async move {
            let tries: Vec<_> = (0..50)
                .map(|_| {
                    let db = db.clone();
                    tokio::spawn(async move { begin_sign_in(&db, "acct:mei", 7_000).await })
                })
                .collect();
            let results = all(tries).await;
            let started = results.iter().filter(|r| r.is_ok()).count() as i64;
            assert_eq!(started, domain::limits::FREE_ATTEMPTS);
            assert!(results.iter().all(|r| r.is_ok() || matches!(r, Err(Error::Rule(Rule::TooManyAttempts { .. })))));
            // Another account is not slowed down, and a success starts the count again.
            assert!(begin_sign_in(&db, "acct:other", 7_000).await.is_ok());
            clear_sign_in(&db, "acct:mei").await.unwrap();
            assert!(begin_sign_in(&db, "acct:mei", 7_001).await.is_ok());
            assert_eq!(purge(&db, 7_002 + ms(FORGET_AFTER)).await.unwrap(), 2);
        })
        .await;
    }
}
