//! A member's address book.

use super::Db;
use crate::{expect_one, Error};
use domain::checkout::AddressDraft;
use domain::model::Address;
use domain::Error as Rule;

const COLS: &str = "id, name, phone, region, detail, CAST(is_default AS BIGINT) AS is_default FROM addresses";

/// The member's addresses, the default first.
pub async fn list(db: &Db, user: i64) -> Result<Vec<Address>, Error> {
    Ok(sql!(
        query_as,
        sqlx::AssertSqlSafe(format!(
            "SELECT {COLS} WHERE user_id = $1 AND removed = 0 ORDER BY is_default DESC, id DESC"
        )),
        user
    )
    .fetch_all(&db.pool)
    .await?)
}

/// One of the member's own addresses; another member's is not found.
pub async fn get(db: &Db, user: i64, id: i64) -> Result<Option<Address>, Error> {
    let r = sql!(
        query_as,
        sqlx::AssertSqlSafe(format!("SELECT {COLS} WHERE id = $1 AND user_id = $2 AND removed = 0")),
        id,
        user
    )
    .fetch_optional(&db.pool)
    .await?;
    Ok(r)
}

/// Adds an address; the first one, or one marked default, becomes the default.
pub async fn add(db: &Db, user: i64, a: &AddressDraft, make_default: bool, now: i64) -> Result<i64, Error> {
    let id = db.id();
    let mut tx = db.begin().await?;
    let existing: i64 = sql!(query_scalar, "SELECT COUNT(*) FROM addresses WHERE user_id = $1 AND removed = 0", user)
        .fetch_one(&mut *tx)
        .await?;
    let default = make_default || existing == 0;
    if default {
        sql!(query, "UPDATE addresses SET is_default = 0 WHERE user_id = $1", user).execute(&mut *tx).await?;
    }
    sql!(
        query,
        "INSERT INTO addresses (id, user_id, name, phone, region, detail, is_default, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        id,
        user,
        &a.name,
        &a.phone,
        &a.region,
        &a.detail,
        default as i64,
        now
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Hides an address from the book. If it was the default, the newest remaining one takes over.
pub async fn remove(db: &Db, user: i64, id: i64) -> Result<(), Error> {
    let mut tx = db.begin().await?;
    let done = sql!(
        query,
        "UPDATE addresses SET removed = 1, is_default = 0 WHERE id = $1 AND user_id = $2 AND removed = 0",
        id,
        user
    )
    .execute(&mut *tx)
    .await?;
    expect_one(done, Rule::NotFound)?;
    let has_default: i64 = sql!(
        query_scalar,
        "SELECT COUNT(*) FROM addresses WHERE user_id = $1 AND removed = 0 AND is_default = 1",
        user
    )
    .fetch_one(&mut *tx)
    .await?;
    if has_default == 0 {
        sql!(
            query,
            "UPDATE addresses SET is_default = 1 WHERE id = (SELECT id FROM addresses WHERE user_id = $1 AND removed = 0 \
             ORDER BY id DESC LIMIT 1)",
            user
        )
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

pub async fn set_default(db: &Db, user: i64, id: i64) -> Result<(), Error> {
    let mut tx = db.begin().await?;
    let mine: i64 =
        sql!(query_scalar, "SELECT COUNT(*) FROM addresses WHERE id = $1 AND user_id = $2 AND removed = 0", id, user)
            .fetch_one(&mut *tx)
            .await?;
    if mine == 0 {
        return Err(Rule::NotFound.into());
    }
    sql!(query, "UPDATE addresses SET is_default = CASE WHEN id = $1 THEN 1 ELSE 0 END WHERE user_id = $2", id, user)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{each_db, member};

    fn addr(name: &str) -> AddressDraft {
        AddressDraft::parse(name, "13800138000", "浙江省杭州市西湖区", "文三路 1 号").unwrap()
    }

    #[tokio::test]
    async fn one_default_address_per_member() {
        each_db(|db| async move {
            let mei = member(&db, "mei").await;
            let other = member(&db, "other").await;
            let a = add(&db, mei, &addr("家"), false, 1).await.unwrap();
            let b = add(&db, mei, &addr("公司"), false, 2).await.unwrap();
            let list = list(&db, mei).await.unwrap();
            assert_eq!((list[0].id, list[0].is_default), (a, true), "the first address is the default");
            set_default(&db, mei, b).await.unwrap();
            assert_eq!(super::list(&db, mei).await.unwrap()[0].id, b);
            assert_eq!(set_default(&db, other, a).await, Err(Rule::NotFound.into()), "not someone else's");
            assert_eq!(get(&db, other, a).await.unwrap(), None);
            remove(&db, mei, b).await.unwrap();
            let list = super::list(&db, mei).await.unwrap();
            assert_eq!((list.len(), list[0].id, list[0].is_default), (1, a, true), "the default moves on");
            assert_eq!(remove(&db, other, a).await, Err(Rule::NotFound.into()));
        })
        .await;
    }
}
