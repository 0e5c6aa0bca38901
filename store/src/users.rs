//! Accounts, sessions and the sign-in failure log.

use super::{col, is_unique_violation, Db};
use crate::Error;
use domain::account::Account;
use domain::Error as Rule;
use sqlx::Row;

#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct UserRow {
    pub id: i64,
    pub nickname: String,
    pub phone: Option<String>,
    pub email: Option<String>,
}

impl UserRow {
    pub fn account(&self) -> Account {
        match (&self.phone, &self.email) {
            (Some(p), _) => Account::Phone(p.clone()),
            (None, Some(e)) => Account::Email(e.clone()),
            (None, None) => Account::Email(String::new()),
        }
    }
}

/// Creates an account; an existing phone or e-mail is refused and nothing is written.
pub async fn create(db: &Db, account: &Account, password_hash: &str, nickname: &str, now: i64) -> Result<i64, Error> {
    let id = db.id();
    let (phone, email) = match account {
        Account::Phone(p) => (Some(p.as_str()), None),
        Account::Email(e) => (None, Some(e.as_str())),
    };
    let res = sql!(
        query,
        "INSERT INTO users (id, phone, email, password_hash, nickname, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        id,
        phone,
        email,
        password_hash,
        nickname,
        now
    )
    .execute(&db.pool)
    .await;
    match res {
        Ok(_) => Ok(id),
        Err(e) if is_unique_violation(&e) => Err(Rule::AccountExists.into()),
        Err(e) => Err(e.into()),
    }
}

/// The id and password hash for an account, if it exists.
pub async fn credentials(db: &Db, account: &Account) -> Result<Option<(i64, String)>, Error> {
    let sql = match account {
        Account::Phone(_) => "SELECT id, password_hash FROM users WHERE phone = $1",
        Account::Email(_) => "SELECT id, password_hash FROM users WHERE email = $1",
    };
    let row = sql!(query, sql, account.as_str()).fetch_optional(&db.pool).await?;
    Ok(match row {
        Some(r) => Some((col(&r, "id")?, col(&r, "password_hash")?)),
        None => None,
    })
}

pub async fn exists(db: &Db, account: &Account) -> Result<bool, Error> {
    Ok(credentials(db, account).await?.is_some())
}

pub async fn by_id(db: &Db, id: i64) -> Result<Option<UserRow>, Error> {
    let row = sql!(query_as, "SELECT id, nickname, phone, email FROM users WHERE id = $1", id)
        .fetch_optional(&db.pool)
        .await?;
    Ok(row)
}

pub async fn create_session(db: &Db, token_hash: &str, user_id: i64, now: i64, expires_at: i64) -> Result<(), Error> {
    sql!(
        query,
        "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
        token_hash,
        user_id,
        now,
        expires_at
    )
    .execute(&db.pool)
    .await?;
    Ok(())
}

pub async fn delete_session(db: &Db, token_hash: &str) -> Result<(), Error> {
    sql!(query, "DELETE FROM sessions WHERE token_hash = $1", token_hash).execute(&db.pool).await?;
    Ok(())
}

/// The signed-in user for a session token hash, if the session exists and has not expired.
pub async fn by_session(db: &Db, token_hash: &str, now: i64) -> Result<Option<UserRow>, Error> {
    let row = sql!(
        query_as,
        "SELECT u.id, u.nickname, u.phone, u.email FROM sessions s JOIN users u ON u.id = s.user_id \
         WHERE s.token_hash = $1 AND s.expires_at > $2",
        token_hash,
        now
    )
    .fetch_optional(&db.pool)
    .await?;
    Ok(row)
}

pub async fn record_failure(db: &Db, scope: &str, now: i64) -> Result<(), Error> {
    sql!(query, "INSERT INTO sign_in_failures (id, scope, at) VALUES ($1, $2, $3)", db.id(), scope, now)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Failures for a scope since `since`, and the time of the oldest of them.
pub async fn failures_since(db: &Db, scope: &str, since: i64) -> Result<(i64, Option<i64>), Error> {
    let r = sql!(
        query,
        "SELECT COUNT(*) AS n, MIN(at) AS first FROM sign_in_failures WHERE scope = $1 AND at > $2",
        scope,
        since
    )
    .fetch_one(&db.pool)
    .await?;
    Ok((col(&r, "n")?, r.try_get("first")?))
}

pub async fn clear_failures(db: &Db, scope: &str) -> Result<(), Error> {
    sql!(query, "DELETE FROM sign_in_failures WHERE scope = $1", scope).execute(&db.pool).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::each_db;

    #[tokio::test]
    async fn an_account_is_created_once() {
        each_db(|db| async move {
            let acct = Account::Phone("13900000001".into());
            let id = create(&db, &acct, "hash", "阿梅", 1).await.unwrap();
            assert_eq!(create(&db, &acct, "other", "x", 2).await, Err(Rule::AccountExists.into()));
            let (got, hash) = credentials(&db, &acct).await.unwrap().unwrap();
            assert_eq!((got, hash.as_str()), (id, "hash"));
            assert_eq!(by_id(&db, id).await.unwrap().unwrap().nickname, "阿梅");
        })
        .await;
    }

    #[tokio::test]
    async fn sessions_expire_and_can_be_deleted() {
        each_db(|db| async move {
            let id = create(&db, &Account::Email("a@b.cn".into()), "h", "a", 1).await.unwrap();
            create_session(&db, "t1", id, 100, 200).await.unwrap();
            assert_eq!(by_session(&db, "t1", 150).await.unwrap().map(|u| u.id), Some(id));
            assert_eq!(by_session(&db, "t1", 200).await.unwrap(), None);
            delete_session(&db, "t1").await.unwrap();
            assert_eq!(by_session(&db, "t1", 150).await.unwrap(), None);
        })
        .await;
    }

    #[tokio::test]
    async fn failures_are_counted_per_scope_and_window() {
        each_db(|db| async move {
            for at in [10, 20, 30] {
                record_failure(&db, "acct:x", at).await.unwrap();
            }
            record_failure(&db, "acct:y", 25).await.unwrap();
            assert_eq!(failures_since(&db, "acct:x", 15).await.unwrap(), (2, Some(20)));
            clear_failures(&db, "acct:x").await.unwrap();
            assert_eq!(failures_since(&db, "acct:x", 0).await.unwrap().0, 0);
            assert_eq!(failures_since(&db, "acct:y", 0).await.unwrap().0, 1);
        })
        .await;
    }
}
