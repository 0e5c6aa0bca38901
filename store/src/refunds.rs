//! Money going back to buyers.

use super::notifications::{kind, notify_buyer, notify_owner};
use super::{col, Db, Tx};
use crate::access::{Granted, Owned};
use crate::{expect_one, Error};
use domain::model::RefundView;
use domain::money::Fen;
use domain::order::{check_refund_amount, refundable_status, OrderEvent, OrderStatus, RefundStatus};
use domain::Error as Rule;
use sqlx::Row;

#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct RefundRow {
    pub id: i64,
    pub order_id: i64,
    pub payment_id: i64,
    pub provider: String,
    pub amount: Fen,
    pub status: RefundStatus,
}

const COLS: &str = "r.id, r.order_id, r.payment_id, p.provider, r.amount, r.status FROM refunds r JOIN payments p ON p.id = r.payment_id";

pub async fn by_id(db: &Db, id: i64) -> Result<Option<RefundRow>, Error> {
    Ok(sql!(query_as, sqlx::AssertSqlSafe(format!("SELECT {COLS} WHERE r.id = $1")), id)
        .fetch_optional(&db.pool)
        .await?)
}

/// Refunds decided but not yet confirmed by the provider (a crash between the two, or a
/// provider that was unavailable) and due for another try; the jobs retry them, least recently
/// tried first.
pub async fn approved_unsettled(db: &Db, now: i64, limit: i64) -> Result<Vec<RefundRow>, Error> {
    Ok(sql!(
        query_as,
        sqlx::AssertSqlSafe(format!(
            "SELECT {COLS} WHERE r.status = 'approved' AND r.retry_at <= $1 ORDER BY r.retry_at, r.id LIMIT $2"
        )),
        now,
        limit
    )
    .fetch_all(&db.pool)
    .await?)
}

/// The provider did not confirm a refund: try it again after `after`, behind the others.
pub async fn retry_later(db: &Db, id: i64, now: i64, after: std::time::Duration) -> Result<(), Error> {
    sql!(
        query,
        "UPDATE refunds SET retry_at = $1 WHERE id = $2 AND status = 'approved'",
        now + domain::time::ms(after),
        id
    )
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// A line whose cost has now all gone back (this refund of `amount` completed it) no longer counts
/// as sold: 已售 is units paid for and kept. `line` is the refunded line; a ladder refund is on the
/// order's only line. A partial refund keeps the units sold (the goods were kept).
async fn unsell_lines_given_back(
    tx: &mut Tx,
    order: i64,
    line: Option<i64>,
    ladder: bool,
    amount: Fen,
) -> Result<(), Error> {
    #[derive(sqlx::FromRow)]
    struct Line {
        id: i64,
        product_id: i64,
        quantity: i64,
        amount: Fen,
        back: Fen,
    }
    let lines: Vec<Line> = sql!(
        query_as,
        "SELECT l.id, l.product_id, l.quantity, l.amount, CAST((SELECT COALESCE(SUM(r.amount), 0) FROM refunds r \
         WHERE r.status = 'refunded' AND (r.line_id = l.id OR (r.order_id = l.order_id AND r.kind = 'team_ladder'))) \
         AS BIGINT) AS back FROM order_lines l WHERE l.order_id = $1",
        order
    )
    .fetch_all(&mut **tx)
    .await?;
    for l in lines.iter().filter(|l| ladder || line == Some(l.id)) {
        if l.back >= l.amount && l.back.saturating_sub(amount) < l.amount {
            sql!(query, "UPDATE products SET sold = sold - $1 WHERE id = $2 AND sold >= $1", l.quantity, l.product_id)
                .execute(&mut **tx)
                .await?;
        }
    }
    Ok(())
}

/// Takes an order (and its team first, if it has one) for the rest of the transaction: every path
/// that decides refunds of an order takes these in this order (team, order, then its refund and
/// commission rows), so two of them never wait on each other in a circle.
async fn lock_order(tx: &mut Tx, order: i64, now: i64) -> Result<(), Error> {
    let team: Option<Option<i64>> =
        sql!(query_scalar, "SELECT team_id FROM orders WHERE id = $1", order).fetch_optional(&mut **tx).await?;
    if let Some(Some(team)) = team {
        super::groupbuy::lock_team(tx, team, now).await?;
    }
    sql!(query, "UPDATE orders SET status = status WHERE id = $1", order).execute(&mut **tx).await?;
    Ok(())
}

/// What is left to give back on a line: its cost less every refund on it that is not rejected
/// (the member's, and a group-buy ladder difference, which is on the order's only line), not
/// counting `except`.
async fn line_left(tx: &mut Tx, order: i64, line: i64, except: i64) -> Result<Fen, Error> {
    let cost: Option<i64> =
        sql!(query_scalar, "SELECT amount FROM order_lines WHERE id = $1 AND order_id = $2", line, order)
            .fetch_optional(&mut **tx)
            .await?;
    let cost = Fen(cost.ok_or(Rule::NotFound)?);
    let taken: i64 = sql!(
        query_scalar,
        "SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM refunds \
         WHERE (line_id = $1 OR (order_id = $2 AND kind = 'team_ladder')) AND id <> $3 \
         AND status IN ('requested', 'approved', 'refunded')",
        line,
        order,
        except
    )
    .fetch_one(&mut **tx)
    .await?;
    Ok(cost.saturating_sub(Fen(taken)))
}

/// Records the provider's confirmation, once, and adds the amount to the payment's refunded
/// total, which the schema keeps at or below what was paid.
#[tracing::instrument(skip_all, fields(id), err(level = "debug"))]
pub async fn mark_refunded(db: &Db, id: i64, provider_ref: &str, now: i64) -> Result<bool, Error> {
    let mut tx = db.begin().await?;
    let order: Option<i64> =
        sql!(query_scalar, "SELECT order_id FROM refunds WHERE id = $1", id).fetch_optional(&mut *tx).await?;
    let Some(order) = order else { return Ok(false) };
    lock_order(&mut tx, order, now).await?;
    let r = sql!(query, "SELECT payment_id, amount FROM refunds WHERE id = $1 AND status = 'approved'", id)
        .fetch_optional(&mut *tx)
        .await?;
    let Some(r) = r else { return Ok(false) };
    let (payment_id, amount): (i64, i64) = (col(&r, "payment_id")?, col(&r, "amount")?);
    let done = sql!(
        query,
        "UPDATE refunds SET status = 'refunded', provider_ref = $1, refunded_at = $2 WHERE id = $3 AND status = 'approved'",
        provider_ref,
        now,
        id
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if done != 1 {
        return Ok(false);
    }
    let added = sql!(
        query,
        "UPDATE payments SET refunded_amount = refunded_amount + $1 WHERE id = $2 AND refunded_amount + $1 <= amount",
        amount,
        payment_id
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if added != 1 {
        tracing::error!(refund = id, payment = payment_id, "refund would exceed the payment");
        return Err(Error::Broken("refund would exceed the payment"));
    }
    let (order, refund_kind, line): (i64, String, Option<i64>) = {
        let r =
            sql!(query, "SELECT order_id, kind, line_id FROM refunds WHERE id = $1", id).fetch_one(&mut *tx).await?;
        (col(&r, "order_id")?, col(&r, "kind")?, col(&r, "line_id")?)
    };
    unsell_lines_given_back(&mut tx, order, line, refund_kind == "team_ladder", Fen(amount)).await?;
    // The ledger records the money going back, and commissions on the order shrink with it.
    super::distribution::reverse_for_refund(db, &mut tx, order, id, Fen(amount), now).await?;
    if refund_kind == "member" {
        notify_buyer(db, &mut tx, order, kind::REFUND_APPROVED, Fen(amount), now).await?;
        resolve_order(db, &mut tx, order, now).await?;
    }
    if refund_kind == "team_ladder" {
        // A member refund decided while this one waited at the provider may have left the order
        // waiting for it: everything bought has now gone back.
        resolve_order(db, &mut tx, order, now).await?;
    }
    if refund_kind == "team_failed" {
        // The team failed and everything it was paid went back: the order is refunded.
        let event = OrderEvent::RefundResolved { fully_refunded: true, resume: OrderStatus::Paid };
        super::ordering::apply_in(db, &mut tx, order, OrderStatus::Refunding, event, "system", now).await?;
    }
    tx.commit().await?;
    Ok(true)
}

/// A member asks for `amount` back on one line of their order, with a reason. The order waits in
/// `refunding` until the owner decides. Only one request per order is open at a time (a unique
/// index), and the amounts asked on a line never add up to more than the line cost.
#[tracing::instrument(skip_all, fields(order), err(level = "debug"))]
pub async fn request(
    db: &Db,
    buyer: i64,
    order: i64,
    line: i64,
    amount: Fen,
    reason: &str,
    now: i64,
) -> Result<i64, Error> {
    let mut tx = db.begin().await?;
    let o = sql!(query, "SELECT buyer_id, status, team_id FROM orders WHERE id = $1", order)
        .fetch_optional(&mut *tx)
        .await?;
    let Some(o) = o else { return Err(Rule::NotFound.into()) };
    if col::<i64>(&o, "buyer_id")? != buyer {
        return Err(Rule::NotFound.into());
    }
    // A team closing decides its ladder refunds from the refunds on its orders: take the team and
    // the order first, so the two never decide on stale sums. Then the order's commissions: a
    // settlement that claims one after this sees the request and waits for its decision.
    lock_order(&mut tx, order, now).await?;
    sql!(query, "UPDATE commissions SET reversed = reversed WHERE order_id = $1", order).execute(&mut *tx).await?;
    let o = sql!(query, "SELECT buyer_id, status FROM orders WHERE id = $1", order).fetch_one(&mut *tx).await?;
    let status = OrderStatus::parse(&col::<String>(&o, "status")?)
        .ok_or_else(|| Error::broken("unknown OrderStatus in a row"))?;
    if status == OrderStatus::Refunding {
        return Err(Rule::RefundAlreadyOpen.into());
    }
    if !refundable_status(status) {
        return Err(Rule::NotRefundable.into());
    }
    // What already went back on this line, or is on its way, is not the member's to ask again.
    check_refund_amount(line_left(&mut tx, order, line, 0).await?, Fen::ZERO, amount)?;
    let payment: i64 = sql!(
        query_scalar,
        "SELECT id FROM payments WHERE order_id = $1 AND status = 'succeeded' ORDER BY id LIMIT 1",
        order
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(Rule::NotRefundable)?;
    let id = db.id();
    let inserted = sql!(
        query,
        "INSERT INTO refunds (id, order_id, payment_id, line_id, kind, amount, reason, status, created_at) \
         VALUES ($1, $2, $3, $4, 'member', $5, $6, 'requested', $7)",
        id,
        order,
        payment,
        line,
        amount.0,
        reason,
        now
    )
    .execute(&mut *tx)
    .await;
    match inserted {
        Ok(_) => {}
        Err(e) if super::is_unique_violation(&e) => return Err(Rule::RefundAlreadyOpen.into()),
        Err(e) => return Err(e.into()),
    }
    if !super::ordering::apply_in(db, &mut tx, order, status, OrderEvent::RefundRequested, "buyer", now).await? {
        return Err(Rule::RefundAlreadyOpen.into());
    }
    sql!(query, "UPDATE orders SET resume_status = $1 WHERE id = $2", status.as_str(), order).execute(&mut *tx).await?;
    notify_owner(db, &mut tx, order, kind::REFUND_REQUESTED, amount, now).await?;
    tx.commit().await?;
    Ok(id)
}

/// The owner approves a request: it is decided once (a conditional update), even if approved
/// twice at the same moment; the caller then has the provider pay it (`payments::settle_refund`).
#[tracing::instrument(skip_all, fields(id), err(level = "debug"))]
pub async fn approve(db: &Db, g: &Granted, id: i64, now: i64) -> Result<(), Error> {
    g.check(&db.pool, Owned::Refund, id).await?;
    let mut tx = db.begin().await?;
    let r = sql!(query, "SELECT order_id, line_id, amount FROM refunds WHERE id = $1", id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(Rule::NotFound)?;
    let (order, line, asked): (i64, Option<i64>, i64) = (col(&r, "order_id")?, col(&r, "line_id")?, col(&r, "amount")?);
    lock_order(&mut tx, order, now).await?;
    // A group-buy that closed while the request waited paid its ladder difference to this member
    // too (they were still in): what is approved is at most what the line has left.
    let amount = match line {
        Some(line) => Fen(asked).min(line_left(&mut tx, order, line, id).await?),
        None => Fen(asked),
    };
    if amount.0 <= 0 {
        return Err(Rule::BadRefundAmount { max: Fen::ZERO }.into());
    }
    let done = sql!(
        query,
        "UPDATE refunds SET status = 'approved', amount = $1, decided_at = $2 WHERE id = $3 AND status = 'requested'",
        amount.0,
        now,
        id
    )
    .execute(&mut *tx)
    .await?;
    expect_one(done, Rule::RefundAlreadyDecided)?;
    tx.commit().await?;
    Ok(())
}

/// The owner turns a request down with a reason; the order returns to where it was.
#[tracing::instrument(skip_all, fields(id), err(level = "debug"))]
pub async fn reject(db: &Db, g: &Granted, id: i64, note: &str, now: i64) -> Result<(), Error> {
    g.check(&db.pool, Owned::Refund, id).await?;
    let mut tx = db.begin().await?;
    let order: i64 = sql!(query_scalar, "SELECT order_id FROM refunds WHERE id = $1", id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(Rule::NotFound)?;
    // Team and order first, as every refund decision takes them.
    lock_order(&mut tx, order, now).await?;
    let done = sql!(
        query,
        "UPDATE refunds SET status = 'rejected', decision_note = $1, decided_at = $2 WHERE id = $3 AND status = 'requested'",
        note,
        now,
        id
    )
    .execute(&mut *tx)
    .await?;
    expect_one(done, Rule::RefundAlreadyDecided)?;
    notify_buyer(db, &mut tx, order, kind::REFUND_REJECTED, Fen::ZERO, now).await?;
    resolve_order(db, &mut tx, order, now).await?;
    tx.commit().await?;
    Ok(())
}

/// Once no member refund of an order is open, the order leaves `refunding`: refunded when all
/// that was paid went back, otherwise back to the state it was in.
async fn resolve_order(db: &Db, tx: &mut Tx, order: i64, now: i64) -> Result<(), Error> {
    let open: i64 = sql!(
        query_scalar,
        "SELECT COUNT(*) FROM refunds WHERE order_id = $1 AND kind = 'member' AND status IN ('requested', 'approved')",
        order
    )
    .fetch_one(&mut **tx)
    .await?;
    if open > 0 {
        return Ok(());
    }
    let r = sql!(
        query,
        "SELECT o.resume_status, o.goods_amount, \
         CAST((SELECT COALESCE(SUM(p.refunded_amount), 0) FROM payments p WHERE p.order_id = o.id) \
              + (SELECT COALESCE(SUM(r.amount), 0) FROM refunds r WHERE r.order_id = o.id AND r.kind <> 'member' \
                 AND r.status = 'approved') AS BIGINT) AS refunded \
         FROM orders o WHERE o.id = $1",
        order
    )
    .fetch_one(&mut **tx)
    .await?;
    let resume: Option<String> = r.try_get("resume_status")?;
    let resume = resume.as_deref().and_then(OrderStatus::parse).unwrap_or(OrderStatus::Paid);
    // Everything bought came back (or an automatic refund already decided is on its way):
    // shipping is not part of a line and is not asked back.
    let fully = col::<i64>(&r, "refunded")? >= col::<i64>(&r, "goods_amount")?;
    let event = OrderEvent::RefundResolved { fully_refunded: fully, resume };
    super::ordering::apply_in(db, tx, order, OrderStatus::Refunding, event, "owner", now).await?;
    Ok(())
}

/// The refunds of an order, oldest first.
pub async fn for_order(db: &Db, order: i64) -> Result<Vec<RefundView>, Error> {
    Ok(sql!(
        query_as,
        "SELECT id, line_id, kind, amount, reason, status, decision_note, created_at FROM refunds WHERE order_id = $1 ORDER BY id",
        order
    )
    .fetch_all(&db.pool)
    .await?)
}

/// The community a refund's order belongs to, for the owner check.
pub async fn community_of(db: &Db, id: i64) -> Result<Option<(i64, i64)>, Error> {
    let r = sql!(
        query,
        "SELECT o.community_id, r.order_id FROM refunds r JOIN orders o ON o.id = r.order_id WHERE r.id = $1",
        id
    )
    .fetch_optional(&db.pool)
    .await?;
    r.map(|r| Ok((col(&r, "community_id")?, col(&r, "order_id")?))).transpose().map_err(|e: sqlx::Error| e.into())
}

/// Open requests in a community, oldest first: (refund, order id, buyer name).
pub async fn queue(db: &Db, community: i64) -> Result<Vec<(RefundView, i64, String)>, Error> {
    #[derive(sqlx::FromRow)]
    struct Queued {
        #[sqlx(flatten)]
        refund: RefundView,
        order_id: i64,
        nickname: String,
    }
    let rows: Vec<Queued> = sql!(
        query_as,
        "SELECT r.id, r.line_id, r.kind, r.amount, r.reason, r.status, r.decision_note, r.created_at, r.order_id, \
         u.nickname FROM refunds r JOIN orders o ON o.id = r.order_id JOIN users u ON u.id = o.buyer_id \
         WHERE o.community_id = $1 AND r.kind = 'member' AND r.status = 'requested' ORDER BY r.id",
        community
    )
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.into_iter().map(|q| (q.refund, q.order_id, q.nickname)).collect())
}
