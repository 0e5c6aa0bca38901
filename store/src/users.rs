//! Accounts, sessions and the sign-in failure log.

use super::{col, is_unique_violation, Db};
use crate::Error;
use domain::account::Account;
use domain::Error as Rule;

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

/// A new password; every session of the member except `keep` (the one that changed it) ends.
pub async fn set_password(db: &Db, user: i64, password_hash: &str, keep: Option<&str>) -> Result<(), Error> {
    let mut tx = db.begin().await?;
    sql!(query, "UPDATE users SET password_hash = $1 WHERE id = $2", password_hash, user).execute(&mut *tx).await?;
    sql!(query, "DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2", user, keep.unwrap_or(""))
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Ends every session of a member (sign out everywhere).
pub async fn delete_sessions(db: &Db, user: i64) -> Result<(), Error> {
    sql!(query, "DELETE FROM sessions WHERE user_id = $1", user).execute(&db.pool).await?;
    Ok(())
}

/// Deletes sessions that expired before `now`; they grant nothing already.
pub async fn purge_sessions(db: &Db, now: i64) -> Result<u64, Error> {
    Ok(sql!(query, "DELETE FROM sessions WHERE expires_at <= $1", now).execute(&db.pool).await?.rows_affected())
}

/// The password hash of a member, for checking the current password before a change.
pub async fn password_hash(db: &Db, user: i64) -> Result<Option<String>, Error> {
    Ok(sql!(query_scalar, "SELECT password_hash FROM users WHERE id = $1", user).fetch_optional(&db.pool).await?)
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
    async fn a_new_password_ends_every_other_session() {
        each_db(|db| async move {
            let id = create(&db, &Account::Email("m@b.cn".into()), "old", "m", 1).await.unwrap();
            let other = create(&db, &Account::Email("o@b.cn".into()), "h", "o", 1).await.unwrap();
            for t in ["here", "phone", "laptop"] {
                create_session(&db, t, id, 1, 1_000).await.unwrap();
            }
            create_session(&db, "theirs", other, 1, 1_000).await.unwrap();
            set_password(&db, id, "new", Some("here")).await.unwrap();
            assert_eq!(password_hash(&db, id).await.unwrap().as_deref(), Some("new"));
            assert!(by_session(&db, "here", 5).await.unwrap().is_some());
            assert!(by_session(&db, "phone", 5).await.unwrap().is_none());
            assert!(by_session(&db, "laptop", 5).await.unwrap().is_none());
            delete_sessions(&db, id).await.unwrap();
            assert!(by_session(&db, "here", 5).await.unwrap().is_none());
            assert!(by_session(&db, "theirs", 5).await.unwrap().is_some(), "another member's session stays");
            assert_eq!(purge_sessions(&db, 999).await.unwrap(), 0);
            assert_eq!(purge_sessions(&db, 1_000).await.unwrap(), 1);
        })
        .await;
    }
}
