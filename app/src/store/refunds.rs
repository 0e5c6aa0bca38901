//! Money going back to buyers.

use super::{col, Db};
use crate::domain::money::Fen;
use crate::error::AppError;
use sqlx::any::AnyRow;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefundRow {
    pub id: i64,
    pub order_id: i64,
    pub payment_id: i64,
    pub provider: String,
    pub amount: Fen,
    pub status: String,
}

const COLS: &str = "r.id, r.order_id, r.payment_id, p.provider, r.amount, r.status FROM refunds r JOIN payments p ON p.id = r.payment_id";

fn row(r: &AnyRow) -> Result<RefundRow, sqlx::Error> {
    Ok(RefundRow {
        id: col(r, "id")?,
        order_id: col(r, "order_id")?,
        payment_id: col(r, "payment_id")?,
        provider: col(r, "provider")?,
        amount: Fen(col(r, "amount")?),
        status: col(r, "status")?,
    })
}

pub async fn by_id(db: &Db, id: i64) -> Result<Option<RefundRow>, AppError> {
    let r = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {COLS} WHERE r.id = $1")))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?;
    r.map(|r| row(&r)).transpose().map_err(Into::into)
}

/// Refunds decided but not yet confirmed by the provider (a crash between the two, or a
/// provider that was unavailable); the jobs retry them.
pub async fn approved_unsettled(db: &Db, limit: i64) -> Result<Vec<RefundRow>, AppError> {
    let rows =
        sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {COLS} WHERE r.status = 'approved' ORDER BY r.id LIMIT $1")))
            .bind(limit)
            .fetch_all(&db.pool)
            .await?;
    rows.iter().map(row).collect::<Result<_, _>>().map_err(Into::into)
}

/// Records the provider's confirmation, once, and adds the amount to the payment's refunded
/// total, which the schema keeps at or below what was paid.
pub async fn mark_refunded(db: &Db, id: i64, provider_ref: &str, now: i64) -> Result<bool, AppError> {
    let mut tx = db.begin().await?;
    let r = sqlx::query("SELECT payment_id, amount FROM refunds WHERE id = $1 AND status = 'approved'")
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
    let Some(r) = r else { return Ok(false) };
    let (payment_id, amount): (i64, i64) = (col(&r, "payment_id")?, col(&r, "amount")?);
    let done = sqlx::query(
        "UPDATE refunds SET status = 'refunded', provider_ref = $1, refunded_at = $2 WHERE id = $3 AND status = 'approved'",
    )
    .bind(provider_ref)
    .bind(now)
    .bind(id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if done != 1 {
        return Ok(false);
    }
    let added = sqlx::query(
        "UPDATE payments SET refunded_amount = refunded_amount + $1 WHERE id = $2 AND refunded_amount + $1 <= amount",
    )
    .bind(amount)
    .bind(payment_id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if added != 1 {
        tracing::error!(refund = id, payment = payment_id, "refund would exceed the payment");
        return Err(AppError::Internal);
    }
    tx.commit().await?;
    Ok(true)
}
