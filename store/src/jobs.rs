//! Leases that let one instance at a time run a background job.

use super::Db;
use crate::Error;

/// Takes (or renews) the lease on `name` for `holder` until `now + ttl_ms`; false when another
/// holder's lease has not run out. Works the same on SQLite and PostgreSQL: the conditional
/// upsert is one atomic statement.
pub async fn try_lease(db: &Db, name: &str, holder: &str, now: i64, ttl_ms: i64) -> Result<bool, Error> {
    let taken = sql!(
        query,
        "INSERT INTO job_leases (name, holder, lease_until) VALUES ($1, $2, $3) \
         ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, lease_until = excluded.lease_until \
         WHERE job_leases.lease_until < $4 OR job_leases.holder = excluded.holder",
        name,
        holder,
        now + ttl_ms,
        now
    )
    .execute(&db.pool)
    .await?
    .rows_affected();
    Ok(taken == 1)
}

/// Gives the lease up early, so another instance need not wait for it to run out.
pub async fn release(db: &Db, name: &str, holder: &str) -> Result<(), Error> {
    sql!(query, "UPDATE job_leases SET lease_until = 0 WHERE name = $1 AND holder = $2", name, holder)
        .execute(&db.pool)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::each_db;

    #[tokio::test]
    async fn one_holder_at_a_time_until_the_lease_runs_out() {
        each_db(|db| async move {
            assert!(try_lease(&db, "orders", "a", 1_000, 100).await.unwrap());
            assert!(!try_lease(&db, "orders", "b", 1_050, 100).await.unwrap());
            assert!(try_lease(&db, "orders", "a", 1_060, 100).await.unwrap(), "the holder renews");
            assert!(!try_lease(&db, "orders", "b", 1_150, 100).await.unwrap());
            assert!(try_lease(&db, "orders", "b", 1_161, 100).await.unwrap(), "after it ran out");
            release(&db, "orders", "b").await.unwrap();
            assert!(try_lease(&db, "orders", "a", 1_170, 100).await.unwrap());
            assert!(try_lease(&db, "other", "b", 1_170, 100).await.unwrap(), "leases are per job");
        })
        .await;
    }
}
