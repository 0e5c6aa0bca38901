//! In-app notifications, written in the same transaction as what they tell about.

use super::{Db, Tx};
use crate::Error;
use domain::model::Notification;
use domain::money::Fen;

/// What a notification is about; the text is made from this in the reader's language.
pub mod kind {
    pub const ORDER_PAID: &str = "order_paid";
    pub const NEW_PAID_ORDER: &str = "new_paid_order";
    pub const ORDER_SHIPPED: &str = "order_shipped";
    pub const REFUND_REQUESTED: &str = "refund_requested";
    pub const REFUND_APPROVED: &str = "refund_approved";
    pub const REFUND_REJECTED: &str = "refund_rejected";
    pub const ORDER_EXPIRED: &str = "order_expired";
    pub const TEAM_SUCCEEDED: &str = "team_succeeded";
    pub const TEAM_FAILED: &str = "team_failed";
    pub const TEAM_LADDER_REFUND: &str = "team_ladder_refund";
    pub const COMMISSION_PENDING: &str = "commission_pending";
    pub const COMMISSION_SETTLED: &str = "commission_settled";
    pub const WITHDRAWAL_REQUESTED: &str = "withdrawal_requested";
    pub const DISTRIBUTOR_APPLIED: &str = "distributor_applied";
    pub const WITHDRAWAL_PAID: &str = "withdrawal_paid";
    pub const WITHDRAWAL_REJECTED: &str = "withdrawal_rejected";
}

pub(crate) async fn notify(
    db: &Db,
    tx: &mut Tx,
    user: i64,
    kind: &str,
    order: Option<i64>,
    amount: Fen,
    now: i64,
) -> Result<(), sqlx::Error> {
    sql!(
        query,
        "INSERT INTO notifications (id, user_id, kind, order_id, amount, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        db.id(),
        user,
        kind,
        order,
        amount.0,
        now
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Tells the owner of an order's community.
pub(crate) async fn notify_owner(
    db: &Db,
    tx: &mut Tx,
    order: i64,
    kind: &str,
    amount: Fen,
    now: i64,
) -> Result<(), sqlx::Error> {
    let owner: i64 = sql!(
        query_scalar,
        "SELECT c.owner_id FROM orders o JOIN communities c ON c.id = o.community_id WHERE o.id = $1",
        order
    )
    .fetch_one(&mut **tx)
    .await?;
    notify(db, tx, owner, kind, Some(order), amount, now).await
}

/// Tells the buyer of an order.
pub(crate) async fn notify_buyer(
    db: &Db,
    tx: &mut Tx,
    order: i64,
    kind: &str,
    amount: Fen,
    now: i64,
) -> Result<(), sqlx::Error> {
    let buyer: i64 =
        sql!(query_scalar, "SELECT buyer_id FROM orders WHERE id = $1", order).fetch_one(&mut **tx).await?;
    notify(db, tx, buyer, kind, Some(order), amount, now).await
}

pub async fn unread_count(db: &Db, user: i64) -> Result<i64, Error> {
    Ok(sql!(query_scalar, "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL", user)
        .fetch_one(&db.pool)
        .await?)
}

/// The newest notifications (the unread ones marked as such).
pub async fn list(db: &Db, user: i64) -> Result<Vec<Notification>, Error> {
    let list: Vec<Notification> = sql!(
        query_as,
        "SELECT id, kind, order_id, amount, created_at, CAST(CASE WHEN read_at IS NULL THEN 1 ELSE 0 END AS BIGINT) AS unread \
         FROM notifications WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT 100",
        user
    )
    .fetch_all(&db.pool)
    .await?;
    Ok(list)
}

/// Marks every notification of the member read.
pub async fn mark_read(db: &Db, user: i64, now: i64) -> Result<(), Error> {
    sql!(query, "UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL", now, user)
        .execute(&db.pool)
        .await?;
    Ok(())
}
