//! Orders, their lines and timeline, and the payments that settle them.

use super::{col, Db, Tx};
use crate::access::{Granted, Owned};
use crate::ordering::{apply, paid_effects, release_lines, reserve_line, write_order, Created, NewOrder, ReservedLine};
use crate::{Error, Page, PageRequest};
use domain::checkout::Delivery;
use domain::model::{Order, OrderLine};
use domain::money::Fen;
use domain::order::{OrderEvent, OrderStatus};
use domain::payment::PaymentStatus;
use domain::Error as Rule;
use std::collections::HashMap;

/// One line of a checkout as the member asked for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckoutLine {
    pub product_id: i64,
    pub sku_id: Option<i64>,
    pub quantity: i64,
}

/// A checkout: lines (possibly from several communities), where they go, a note, and the key
/// that makes a repeated submission return the orders of the first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkout {
    pub key: Option<String>,
    pub delivery: Delivery,
    /// The address copied from the book; for pickup, filled with the community's pickup point.
    pub ship_to: String,
    pub note: String,
    pub lines: Vec<CheckoutLine>,
    /// Who referred the member, from the referral link they came through (if any).
    pub referrer: Option<i64>,
}

/// Places a checkout: one order per community, each with its lines, shipping by the community's
/// rule, its timeline entry and its payment, all in one transaction. Prices come from the
/// database; stock is taken line by line (see `reserve_line`). The same key returns the orders
/// already made for it and changes nothing.
#[tracing::instrument(skip_all, fields(buyer), err(level = "debug"))]
pub async fn checkout(
    db: &Db,
    buyer: i64,
    c: &Checkout,
    now: i64,
    pay_window_ms: i64,
    provider: &str,
) -> Result<Vec<Created>, Error> {
    if let Some(key) = &c.key {
        let done = made_by_key(db, buyer, key).await?;
        if !done.is_empty() {
            return Ok(done);
        }
    }
    match place(db, buyer, c, now, pay_window_ms, provider).await {
        // Two submissions raced past the check above: the second hit the unique key and rolled
        // back; it answers with what the first made.
        Err(PlaceError::Duplicate) => match &c.key {
            Some(key) => made_by_key(db, buyer, key).await,
            None => Err(Error::broken("a checkout without a key hit a unique key")),
        },
        Err(PlaceError::App(e)) => Err(e),
        Ok(created) => Ok(created),
    }
}

enum PlaceError {
    Duplicate,
    App(Error),
}

impl From<Error> for PlaceError {
    fn from(e: Error) -> Self {
        PlaceError::App(e)
    }
}

impl From<Rule> for PlaceError {
    fn from(e: Rule) -> Self {
        PlaceError::App(e.into())
    }
}

impl From<sqlx::Error> for PlaceError {
    fn from(e: sqlx::Error) -> Self {
        if super::is_unique_violation(&e) {
            PlaceError::Duplicate
        } else {
            PlaceError::App(e.into())
        }
    }
}

async fn place(
    db: &Db,
    buyer: i64,
    c: &Checkout,
    now: i64,
    pay_window_ms: i64,
    provider: &str,
) -> Result<Vec<Created>, PlaceError> {
    if c.lines.is_empty() {
        return Err(Rule::BadRequest.into());
    }
    let mut tx = db.begin().await?;
    if let Some(key) = &c.key {
        // On SQLite the write lock is already ours, so this sees any earlier submission.
        let seen: i64 =
            sql!(query_scalar, "SELECT COUNT(*) FROM orders WHERE buyer_id = $1 AND checkout_key = $2", buyer, key)
                .fetch_one(&mut *tx)
                .await?;
        if seen > 0 {
            return Err(PlaceError::Duplicate);
        }
    }
    // The per-order limit is the product's, whichever options the units are of.
    let mut units: Vec<(i64, i64)> = vec![];
    for l in &c.lines {
        match units.iter_mut().find(|(p, _)| *p == l.product_id) {
            Some((_, n)) => *n += l.quantity,
            None => units.push((l.product_id, l.quantity)),
        }
    }
    for (product, n) in units {
        let limit: Option<i64> = sql!(query_scalar, "SELECT per_order_limit FROM products WHERE id = $1", product)
            .fetch_optional(&mut *tx)
            .await?;
        if let Some(limit) = limit.filter(|limit| n > *limit) {
            return Err(Rule::OverOrderLimit { limit }.into());
        }
    }
    // Reserved in lock order (product, then option), written in the member's order.
    let mut by_lock: Vec<usize> = (0..c.lines.len()).collect();
    by_lock.sort_by_key(|&i| (c.lines[i].product_id, c.lines[i].sku_id.unwrap_or(0)));
    let mut reserved: Vec<Option<ReservedLine>> = (0..c.lines.len()).map(|_| None).collect();
    for i in by_lock {
        let l = &c.lines[i];
        reserved[i] = Some(reserve_line(&mut tx, buyer, l.product_id, l.sku_id, l.quantity).await?);
    }
    let mut groups: Vec<(i64, Vec<ReservedLine>)> = vec![];
    for line in reserved.into_iter().flatten() {
        match groups.iter_mut().find(|(community, _)| *community == line.community_id) {
            Some((_, lines)) => lines.push(line),
            None => groups.push((line.community_id, vec![line])),
        }
    }
    let mut created = vec![];
    for (community, lines) in groups {
        let order = NewOrder {
            community,
            buyer,
            delivery: c.delivery,
            ship_to: &c.ship_to,
            note: &c.note,
            key: c.key.as_deref(),
            team: None,
            referrer: c.referrer,
            now,
            pay_deadline: now + pay_window_ms,
        };
        created.push(write_order::<PlaceError>(db, &mut tx, &order, &lines, provider).await?);
    }
    tx.commit().await?;
    Ok(created)
}

/// The orders (with their open payments) a checkout key of `buyer` already made, if any.
pub async fn made_by_key(db: &Db, buyer: i64, key: &str) -> Result<Vec<Created>, Error> {
    let rows = sql!(
        query,
        "SELECT o.id, o.total_amount, (SELECT MIN(p.id) FROM payments p WHERE p.order_id = o.id) AS payment_id \
         FROM orders o WHERE o.buyer_id = $1 AND o.checkout_key = $2 ORDER BY o.id",
        buyer,
        key
    )
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Created {
                order_id: col(r, "id")?,
                payment_id: col(r, "payment_id")?,
                total: Fen(col(r, "total_amount")?),
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}

/// The other orders placed by the same checkout as `order` that still wait for payment.
pub async fn unpaid_siblings(db: &Db, buyer: i64, order: i64) -> Result<Vec<(i64, String, Fen)>, Error> {
    let rows = sql!(
        query,
        "SELECT o.id, c.name, o.total_amount FROM orders o JOIN communities c ON c.id = o.community_id \
         WHERE o.buyer_id = $1 AND o.id <> $2 AND o.status = 'pending_payment' \
         AND o.checkout_key = (SELECT checkout_key FROM orders WHERE id = $2) ORDER BY o.id",
        buyer,
        order
    )
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| Ok((col(r, "id")?, col(r, "name")?, Fen(col(r, "total_amount")?))))
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}

#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct PaymentRow {
    pub id: i64,
    pub order_id: i64,
    pub provider: String,
    pub amount: Fen,
    pub status: PaymentStatus,
}

pub async fn payment(db: &Db, id: i64) -> Result<Option<PaymentRow>, Error> {
    let r = sql!(query_as, "SELECT id, order_id, provider, amount, status FROM payments WHERE id = $1", id)
        .fetch_optional(&db.pool)
        .await?;
    Ok(r)
}

/// The payment waiting for an order, if any.
pub async fn open_payment(db: &Db, order: i64) -> Result<Option<PaymentRow>, Error> {
    let r = sql!(
        query_as,
        "SELECT id, order_id, provider, amount, status FROM payments WHERE order_id = $1 AND status = 'created' ORDER BY id DESC LIMIT 1",
        order
    )
    .fetch_optional(&db.pool)
    .await?;
    Ok(r)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PaymentOutcome {
    /// The order is now paid.
    Paid { order_id: i64 },
    /// This event was already applied; nothing changed.
    Duplicate,
    /// The money arrived but the order can no longer take it (it is not awaiting payment); an
    /// approved refund of the whole payment was recorded.
    OrderNotPayable { order_id: i64, refund_id: i64 },
}

/// Applies a provider's "payment succeeded" event exactly once: the event id is recorded in the
/// same transaction as the state change, so a redelivery (even a concurrent one on another
/// instance) finds it and changes nothing.
#[tracing::instrument(skip_all, fields(payment_id, event_id), err(level = "debug"))]
pub async fn apply_payment_succeeded(
    db: &Db,
    provider: &str,
    event_id: &str,
    payment_id: i64,
    amount: Fen,
    now: i64,
) -> Result<PaymentOutcome, Error> {
    let mut tx = db.begin().await?;
    let pay: PaymentRow =
        sql!(query_as, "SELECT id, order_id, provider, amount, status FROM payments WHERE id = $1", payment_id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(Rule::NotFound)?;
    if pay.provider != provider || pay.amount != amount {
        return Err(Rule::BadRequest.into());
    }
    let fresh = sql!(
        query,
        "INSERT INTO provider_events (provider, event_id, payment_id, received_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (provider, event_id) DO NOTHING",
        provider,
        event_id,
        payment_id,
        now
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if fresh == 0 {
        return Ok(PaymentOutcome::Duplicate);
    }
    let first = sql!(
        query,
        "UPDATE payments SET status = 'succeeded', succeeded_at = $1 WHERE id = $2 AND status = 'created'",
        now,
        payment_id
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if first == 0 {
        // A different event id for a payment already settled: record it, change nothing else.
        tx.commit().await?;
        return Ok(PaymentOutcome::Duplicate);
    }
    let team: Option<i64> =
        sql!(query_scalar, "SELECT team_id FROM orders WHERE id = $1", pay.order_id).fetch_one(&mut *tx).await?;
    if let Some(team) = team {
        // Lock the team before the order, as every team change does, so no two of them wait on
        // each other.
        super::groupbuy::lock_team(&mut tx, team, now).await?;
    }
    if too_late(&mut tx, pay.order_id, team, now).await? {
        // Cancelled here as the expiry job would have: the refund below sends the money back.
        cancel_in(db, &mut tx, pay.order_id, team, "system", now).await?;
    }
    // The money is at the provider now, whatever becomes of the order.
    super::distribution::post_payment(db, &mut tx, pay.order_id, pay.amount, now).await?;
    let event = if team.is_some() { OrderEvent::TeamPaymentReceived } else { OrderEvent::PaymentReceived };
    let paid = apply(db, &mut tx, pay.order_id, OrderStatus::PendingPayment, event, provider, now).await?;
    if !paid {
        // The order was cancelled (its stock already released) before the money arrived: the
        // money goes back, decided here in the same transaction so it is decided once.
        let refund_id = db.id();
        sql!(
            query,
            "INSERT INTO refunds (id, order_id, payment_id, kind, amount, reason, status, created_at, decided_at) \
             VALUES ($1, $2, $3, 'late_payment', $4, 'order_not_payable', 'approved', $5, $5)",
            refund_id,
            pay.order_id,
            payment_id,
            pay.amount.0,
            now
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        return Ok(PaymentOutcome::OrderNotPayable { order_id: pay.order_id, refund_id });
    }
    if let Some(team) = team {
        super::groupbuy::seat_paid(db, &mut tx, team, pay.order_id, now).await?;
        tx.commit().await?;
        return Ok(PaymentOutcome::Paid { order_id: pay.order_id });
    }
    paid_effects(db, &mut tx, pay.order_id, super::notifications::kind::ORDER_PAID, amount, now).await?;
    tx.commit().await?;
    Ok(PaymentOutcome::Paid { order_id: pay.order_id })
}

/// Cancels an unpaid order and puts its stock back, exactly once: the conditional state change
/// decides which of several racing callers (the member, the expiry job on two instances) does it.
#[tracing::instrument(skip_all, fields(order_id), err(level = "debug"))]
pub async fn cancel_unpaid(db: &Db, order_id: i64, actor: &str, now: i64) -> Result<bool, Error> {
    let mut tx = db.begin().await?;
    let team: Option<i64> = sql!(query_scalar, "SELECT team_id FROM orders WHERE id = $1", order_id)
        .fetch_optional(&mut *tx)
        .await?
        .flatten();
    if let Some(team) = team {
        super::groupbuy::lock_team(&mut tx, team, now).await?;
    }
    if !cancel_in(db, &mut tx, order_id, team, actor, now).await? {
        return Ok(false);
    }
    tx.commit().await?;
    Ok(true)
}

/// Cancels an unpaid order inside a transaction that holds its team (if any): its stock and its
/// seat go back. False when it was no longer unpaid.
async fn cancel_in(
    db: &Db,
    tx: &mut Tx,
    order_id: i64,
    team: Option<i64>,
    actor: &str,
    now: i64,
) -> Result<bool, Error> {
    if !apply(db, tx, order_id, OrderStatus::PendingPayment, OrderEvent::Cancel, actor, now).await? {
        return Ok(false);
    }
    sql!(query, "UPDATE orders SET cancelled_at = $1 WHERE id = $2", now, order_id).execute(&mut **tx).await?;
    release_lines(tx, order_id).await?;
    if let Some(team) = team {
        super::groupbuy::seat_released(tx, team, order_id, now).await?;
    }
    Ok(true)
}

/// Whether money arriving at `now` is too late for the order: its payment window has closed, or
/// the window of the team it joins has. Decided by the time, whether or not the job that cancels
/// such orders has run yet.
async fn too_late(tx: &mut Tx, order_id: i64, team: Option<i64>, now: i64) -> Result<bool, Error> {
    let deadline: i64 =
        sql!(query_scalar, "SELECT pay_deadline FROM orders WHERE id = $1", order_id).fetch_one(&mut **tx).await?;
    if deadline <= now {
        return Ok(true);
    }
    let Some(team) = team else { return Ok(false) };
    let ends: Option<i64> =
        sql!(query_scalar, "SELECT expires_at FROM teams WHERE id = $1", team).fetch_one(&mut **tx).await?;
    Ok(ends.is_some_and(|e| e <= now))
}

/// Unpaid orders whose payment window has closed, oldest first.
pub async fn due_for_expiry(db: &Db, now: i64, limit: i64) -> Result<Vec<i64>, Error> {
    let ids = sql!(
        query_scalar,
        "SELECT id FROM orders WHERE status = 'pending_payment' AND pay_deadline <= $1 ORDER BY pay_deadline LIMIT $2",
        now,
        limit
    )
    .fetch_all(&db.pool)
    .await?;
    Ok(ids)
}

/// Marks a paid order shipped with the carrier and tracking number.
#[tracing::instrument(skip_all, fields(order_id), err(level = "debug"))]
pub async fn ship(
    db: &Db,
    g: &Granted,
    order_id: i64,
    carrier: &str,
    tracking_no: &str,
    now: i64,
) -> Result<(), Error> {
    let mut tx = db.begin().await?;
    g.check(&mut *tx, Owned::Order, order_id).await?;
    if !apply(db, &mut tx, order_id, OrderStatus::Paid, OrderEvent::Ship, "owner", now).await? {
        return Err(Rule::OrderNotShippable.into());
    }
    sql!(
        query,
        "UPDATE orders SET shipped_at = $1, carrier = $2, tracking_no = $3 WHERE id = $4",
        now,
        carrier,
        tracking_no,
        order_id
    )
    .execute(&mut *tx)
    .await?;
    super::notifications::notify_buyer(
        db,
        &mut tx,
        order_id,
        super::notifications::kind::ORDER_SHIPPED,
        Fen::ZERO,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Completes a shipped order (the buyer confirmed receipt, or the waiting time passed), once.
#[tracing::instrument(skip_all, fields(order_id), err(level = "debug"))]
pub async fn complete(db: &Db, order_id: i64, actor: &str, now: i64) -> Result<bool, Error> {
    let mut tx = db.begin().await?;
    if !apply(db, &mut tx, order_id, OrderStatus::Shipped, OrderEvent::Complete, actor, now).await? {
        return Ok(false);
    }
    sql!(query, "UPDATE orders SET completed_at = $1 WHERE id = $2", now, order_id).execute(&mut *tx).await?;
    super::distribution::freeze(db, &mut tx, order_id, now).await?;
    tx.commit().await?;
    Ok(true)
}

/// Shipped orders shipped at or before `shipped_before`, oldest first.
pub async fn due_for_completion(db: &Db, shipped_before: i64, limit: i64) -> Result<Vec<i64>, Error> {
    let ids = sql!(
        query_scalar,
        "SELECT id FROM orders WHERE status = 'shipped' AND shipped_at <= $1 ORDER BY shipped_at LIMIT $2",
        shipped_before,
        limit
    )
    .fetch_all(&db.pool)
    .await?;
    Ok(ids)
}

const ORDER_COLS: &str = "o.id, o.community_id, c.name AS community_name, c.slug AS community_slug, c.time_zone, \
    o.buyer_id, u.nickname AS buyer_name, o.status, o.goods_amount AS goods, o.shipping_amount AS shipping, \
    o.discount_amount AS discount, o.total_amount AS total, o.created_at, o.pay_deadline, o.paid_at, o.shipped_at, o.completed_at, o.cancelled_at, \
    o.carrier, o.tracking_no, o.delivery, o.ship_to, o.note, o.team_id, \
    CAST((SELECT COALESCE(SUM(p.refunded_amount), 0) FROM payments p WHERE p.order_id = o.id) AS BIGINT) AS refunded \
    FROM orders o JOIN communities c ON c.id = o.community_id JOIN users u ON u.id = o.buyer_id";

/// An order line with the order it belongs to, for reading the lines of many orders at once.
#[derive(sqlx::FromRow)]
struct LineOf {
    order_id: i64,
    #[sqlx(flatten)]
    line: OrderLine,
}

/// A value bound to a list filter.
enum Param {
    Int(i64),
    Text(String),
}

/// A page of the orders matching `filter` (a condition on `o`, `c` and `u` with `$1…`
/// parameters), newest first, with their lines fetched in one more query rather than one per order.
async fn list(db: &Db, filter: &str, mut params: Vec<Param>, page: PageRequest) -> Result<Page<Order>, Error> {
    params.push(Param::Int(page.cursor()));
    let mut q = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {ORDER_COLS} WHERE {filter} AND o.id < ${} {}",
        params.len(),
        page.order_limit("o.id")
    )));
    for p in &params {
        q = match p {
            Param::Int(v) => q.bind(*v),
            Param::Text(v) => q.bind(v.clone()),
        };
    }
    let Page { items: mut orders, next } = page.page(q.fetch_all(&db.pool).await?, |o: &Order| o.id);
    if orders.is_empty() {
        return Ok(Page { items: orders, next });
    }
    let marks: Vec<String> = (1..=orders.len()).map(|i| format!("${i}")).collect();
    let mut lq = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT l.id, l.order_id, l.product_id, l.sku_id, l.title, l.spec, l.image, l.unit, l.unit_price, l.quantity, \
         l.amount FROM order_lines l WHERE l.order_id IN ({}) ORDER BY l.id",
        marks.join(", ")
    )));
    for o in &orders {
        lq = lq.bind(o.id);
    }
    let lines: Vec<LineOf> = lq.fetch_all(&db.pool).await?;
    let mut by_order: HashMap<i64, Vec<OrderLine>> = HashMap::new();
    for l in lines {
        by_order.entry(l.order_id).or_default().push(l.line);
    }
    for o in &mut orders {
        o.lines = by_order.remove(&o.id).unwrap_or_default();
    }
    Ok(Page { items: orders, next })
}

/// Which of a community's orders the owner is looking at.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OrderFilter {
    /// Orders in any of these states; empty means all.
    pub statuses: Vec<OrderStatus>,
    /// An order number, the buyer's phone number or name, or part of the delivery address.
    pub search: Option<String>,
}

/// A community's orders for its owner, filtered by state and searched.
pub async fn search_in_community(
    db: &Db,
    community: i64,
    f: &OrderFilter,
    page: PageRequest,
) -> Result<Page<Order>, Error> {
    let mut filter = "o.community_id = $1".to_string();
    let mut params = vec![Param::Int(community)];
    if !f.statuses.is_empty() {
        let mut marks = vec![];
        for s in &f.statuses {
            params.push(Param::Text(s.as_str().to_string()));
            marks.push(format!("${}", params.len()));
        }
        filter.push_str(&format!(" AND o.status IN ({})", marks.join(", ")));
    }
    if let Some(q) = f.search.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        params.push(Param::Text(q.to_string()));
        let exact = params.len();
        params.push(Param::Text(format!("%{}%", q.replace(['%', '_'], ""))));
        let like = params.len();
        filter.push_str(&format!(
            " AND (CAST(o.id AS TEXT) = ${exact} OR u.phone = ${exact} OR u.nickname LIKE ${like} OR o.ship_to LIKE ${like})"
        ));
    }
    list(db, &filter, params, page).await
}

/// A buyer's orders in any of `statuses` (all when empty), newest first.
pub async fn for_buyer_in(
    db: &Db,
    buyer: i64,
    statuses: &[OrderStatus],
    page: PageRequest,
) -> Result<Page<Order>, Error> {
    if statuses.is_empty() {
        return list(db, "o.buyer_id = $1", vec![Param::Int(buyer)], page).await;
    }
    let mut params = vec![Param::Int(buyer)];
    let marks: Vec<String> = statuses
        .iter()
        .map(|s| {
            params.push(Param::Text(s.as_str().to_string()));
            format!("${}", params.len())
        })
        .collect();
    list(db, &format!("o.buyer_id = $1 AND o.status IN ({})", marks.join(", ")), params, page).await
}

/// A buyer's newest orders (the first page of `for_buyer_in` with every state).
pub async fn for_buyer(db: &Db, buyer: i64) -> Result<Vec<Order>, Error> {
    Ok(for_buyer_in(db, buyer, &[], PageRequest::first(50)).await?.items)
}

/// A community's newest orders.
pub async fn for_community(db: &Db, community: i64) -> Result<Vec<Order>, Error> {
    Ok(list(db, "o.community_id = $1", vec![Param::Int(community)], PageRequest::first(50)).await?.items)
}

/// One order with its lines and timeline.
pub async fn by_id(db: &Db, id: i64) -> Result<Option<Order>, Error> {
    let mut found = list(db, "o.id = $1", vec![Param::Int(id)], PageRequest::first(1)).await?.items;
    let Some(mut order) = found.pop() else { return Ok(None) };
    order.events = sql!(
        query_as,
        "SELECT from_status AS \"from\", to_status AS \"to\", actor, at FROM order_events WHERE order_id = $1 ORDER BY at, id",
        id
    )
    .fetch_all(&db.pool)
    .await?;
    order.refunds = super::refunds::for_order(db, id).await?;
    Ok(Some(order))
}

/// How many of a buyer's orders are in each state.
pub async fn status_counts(db: &Db, buyer: i64) -> Result<HashMap<OrderStatus, i64>, Error> {
    let rows = sql!(query, "SELECT status, COUNT(*) AS n FROM orders WHERE buyer_id = $1 GROUP BY status", buyer)
        .fetch_all(&db.pool)
        .await?;
    let mut out = HashMap::new();
    for r in &rows {
        let s: String = col(r, "status")?;
        if let Some(s) = OrderStatus::parse(&s) {
            out.insert(s, col(r, "n")?);
        }
    }
    Ok(out)
}

/// Orders by state across the instance, for `/metrics`.
pub async fn totals_by_status(db: &Db) -> Result<Vec<(OrderStatus, i64)>, Error> {
    Ok(sqlx::query_as("SELECT status, COUNT(*) AS n FROM orders GROUP BY status ORDER BY status")
        .fetch_all(&db.pool)
        .await?)
}

#[cfg(test)]
mod tests;
