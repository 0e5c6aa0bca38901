//! Orders, their lines and timeline, and the payments that settle them.

use super::{col, Db, Tx};
use crate::Error;
use domain::catalogue::{sku_label, ProductStatus};
use domain::checkout::{totals, Delivery, ShippingRule};
use domain::model::{Order, OrderEventView, OrderLine};
use domain::money::Fen;
use domain::order::{quote_buy_now, transition, OrderEvent, OrderStatus, SaleItem};
use domain::Error as Rule;
use sqlx::any::AnyRow;
use sqlx::Row;
use std::collections::HashMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Created {
    pub order_id: i64,
    pub payment_id: i64,
    pub total: Fen,
}

/// A line of an order, priced and with its stock taken, ready to be written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ReservedLine {
    pub community_id: i64,
    pub product_id: i64,
    pub sku_id: i64,
    pub title: String,
    pub image: String,
    pub unit: String,
    pub spec: String,
    pub unit_price: Fen,
    pub quantity: i64,
    pub amount: Fen,
}

/// Prices `quantity` of a product's SKU as they are in the database and takes the stock, inside
/// the caller's transaction. Stock is taken with a conditional update, so concurrent buyers can
/// never take more than there is (the CHECK on `stock` backs that up); a per-member limit is
/// enforced the same way on the member's purchase counter.
pub(crate) async fn reserve_line(
    tx: &mut Tx,
    buyer: i64,
    product_id: i64,
    sku_id: Option<i64>,
    quantity: i64,
) -> Result<ReservedLine, Error> {
    reserve_line_at(tx, buyer, product_id, sku_id, quantity, None).await
}

/// `reserve_line`, at `price` per unit instead of the SKU's own (a group-buy price).
pub(crate) async fn reserve_line_at(
    tx: &mut Tx,
    buyer: i64,
    product_id: i64,
    sku_id: Option<i64>,
    quantity: i64,
    price: Option<Fen>,
) -> Result<ReservedLine, Error> {
    let p = sqlx::query(
        "SELECT community_id, title, image, unit, per_order_limit, per_member_limit, status FROM products WHERE id = $1",
    )
    .bind(product_id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or(Rule::NotFound)?;
    let skus = sqlx::query(
        "SELECT id, spec1, spec2, price, stock FROM skus WHERE product_id = $1 AND active = 1 ORDER BY sort, id",
    )
    .bind(product_id)
    .fetch_all(&mut **tx)
    .await?;
    let chosen = match sku_id {
        Some(id) => skus.iter().find(|r| col::<i64>(r, "id").ok() == Some(id)),
        None if skus.len() == 1 => skus.first(),
        None => None,
    }
    .ok_or(Rule::ChooseSku)?;
    let sku_id: i64 = col(chosen, "id")?;
    let status: String = col(&p, "status")?;
    let item = SaleItem {
        price: price.unwrap_or(Fen(col(chosen, "price")?)),
        stock: col(chosen, "stock")?,
        per_order_limit: col(&p, "per_order_limit")?,
        status: ProductStatus::parse(&status).unwrap_or(ProductStatus::OffSale),
    };
    let quote = quote_buy_now(&item, quantity)?;
    let member_limit: i64 = col(&p, "per_member_limit")?;
    if member_limit > 0 {
        let counted = sqlx::query(
            "INSERT INTO member_purchases (product_id, user_id, quantity) VALUES ($1, $2, $3) \
             ON CONFLICT (product_id, user_id) DO UPDATE SET quantity = member_purchases.quantity + excluded.quantity \
             WHERE member_purchases.quantity + excluded.quantity <= $4",
        )
        .bind(product_id)
        .bind(buyer)
        .bind(quantity)
        .bind(member_limit)
        .execute(&mut **tx)
        .await?
        .rows_affected();
        let fresh_too_many = quantity > member_limit;
        if counted != 1 || fresh_too_many {
            let bought: Option<i64> =
                sqlx::query_scalar("SELECT quantity FROM member_purchases WHERE product_id = $1 AND user_id = $2")
                    .bind(product_id)
                    .bind(buyer)
                    .fetch_optional(&mut **tx)
                    .await?;
            let already = if counted == 1 { bought.unwrap_or(0) - quantity } else { bought.unwrap_or(0) };
            return Err(Rule::OverMemberLimit { limit: member_limit, left: (member_limit - already).max(0) }.into());
        }
    }
    let taken = sqlx::query("UPDATE skus SET stock = stock - $1 WHERE id = $2 AND stock >= $1")
        .bind(quantity)
        .bind(sku_id)
        .execute(&mut **tx)
        .await?
        .rows_affected();
    if taken != 1 {
        // Another buyer got there first (possible on PostgreSQL, where the read was not locked).
        let left: i64 =
            sqlx::query_scalar("SELECT stock FROM skus WHERE id = $1").bind(sku_id).fetch_one(&mut **tx).await?;
        return Err(if left == 0 { Rule::SoldOut.into() } else { Rule::NotEnoughStock { left }.into() });
    }
    super::products::refresh_summary(tx, product_id).await?;
    Ok(ReservedLine {
        community_id: col(&p, "community_id")?,
        product_id,
        sku_id,
        title: col(&p, "title")?,
        image: col(&p, "image")?,
        unit: col(&p, "unit")?,
        spec: sku_label(&col::<String>(chosen, "spec1")?, &col::<String>(chosen, "spec2")?),
        unit_price: quote.unit_price,
        quantity: quote.quantity,
        amount: quote.goods,
    })
}

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
pub async fn checkout(
    db: &Db,
    buyer: i64,
    c: &Checkout,
    now: i64,
    pay_window_ms: i64,
    provider: &str,
) -> Result<Vec<Created>, Error> {
    if let Some(key) = &c.key {
        let done = by_checkout_key(db, buyer, key).await?;
        if !done.is_empty() {
            return Ok(done);
        }
    }
    match place(db, buyer, c, now, pay_window_ms, provider).await {
        // Two submissions raced past the check above: the second hit the unique key and rolled
        // back; it answers with what the first made.
        Err(PlaceError::Duplicate) => match &c.key {
            Some(key) => by_checkout_key(db, buyer, key).await,
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
        let seen: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM orders WHERE buyer_id = $1 AND checkout_key = $2")
            .bind(buyer)
            .bind(key)
            .fetch_one(&mut *tx)
            .await?;
        if seen > 0 {
            return Err(PlaceError::Duplicate);
        }
    }
    let mut groups: Vec<(i64, Vec<ReservedLine>)> = vec![];
    for l in &c.lines {
        let line = reserve_line(&mut tx, buyer, l.product_id, l.sku_id, l.quantity).await?;
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

/// An order about to be written: whose, where the goods go, and until when it waits for payment.
pub(crate) struct NewOrder<'a> {
    pub community: i64,
    pub buyer: i64,
    pub delivery: Delivery,
    /// The address chosen; for pickup, the community's pickup point is written instead.
    pub ship_to: &'a str,
    pub note: &'a str,
    pub key: Option<&'a str>,
    /// The group-buy team the order is a seat of.
    pub team: Option<i64>,
    /// The referral link the member came through, if any.
    pub referrer: Option<i64>,
    pub now: i64,
    pub pay_deadline: i64,
}

/// Prices `lines` with the community's shipping rule and writes the order, its lines, its first
/// timeline entry and its payment, in the caller's transaction. The error type is the caller's,
/// so it can tell a unique-key collision (a repeated submission) from other failures.
pub(crate) async fn write_order<E: From<Error> + From<Rule> + From<sqlx::Error>>(
    db: &Db,
    tx: &mut Tx,
    o: &NewOrder<'_>,
    lines: &[ReservedLine],
    provider: &str,
) -> Result<Created, E> {
    let r = sqlx::query("SELECT shipping_fee, free_shipping_over, pickup_point FROM communities WHERE id = $1")
        .bind(o.community)
        .fetch_one(&mut **tx)
        .await?;
    let rule = ShippingRule { flat_fee: Fen(col(&r, "shipping_fee")?), free_over: Fen(col(&r, "free_shipping_over")?) };
    let pickup_point: String = col(&r, "pickup_point")?;
    let ship_to = match o.delivery {
        Delivery::Pickup if pickup_point.is_empty() => return Err(Rule::PickupUnavailable.into()),
        Delivery::Pickup => pickup_point,
        Delivery::Ship => o.ship_to.to_string(),
    };
    let amounts: Vec<Fen> = lines.iter().map(|l| l.amount).collect();
    let t = totals(&amounts, rule, o.delivery)?;
    let order_id = db.id();
    sqlx::query(
        "INSERT INTO orders (id, community_id, buyer_id, status, goods_amount, shipping_amount, discount_amount, \
         total_amount, created_at, pay_deadline, delivery, ship_to, note, checkout_key, team_id) \
         VALUES ($1, $2, $3, 'pending_payment', $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(order_id)
    .bind(o.community)
    .bind(o.buyer)
    .bind(t.goods.0)
    .bind(t.shipping.0)
    .bind(t.discount.0)
    .bind(t.total.0)
    .bind(o.now)
    .bind(o.pay_deadline)
    .bind(o.delivery.as_str())
    .bind(&ship_to)
    .bind(o.note)
    .bind(o.key)
    .bind(o.team)
    .execute(&mut **tx)
    .await?;
    for l in lines {
        insert_line(db, tx, order_id, l).await?;
    }
    super::distribution::snapshot_in(db, tx, order_id, o.community, o.buyer, o.referrer, o.now).await?;
    record_event(db, tx, order_id, None, OrderStatus::PendingPayment, "buyer", o.now).await?;
    let payment_id = db.id();
    sqlx::query(
        "INSERT INTO payments (id, order_id, provider, amount, status, created_at) VALUES ($1, $2, $3, $4, 'created', $5)",
    )
    .bind(payment_id)
    .bind(order_id)
    .bind(provider)
    .bind(t.total.0)
    .bind(o.now)
    .execute(&mut **tx)
    .await?;
    Ok(Created { order_id, payment_id, total: t.total })
}

/// The orders (with their open payments) a checkout key already made.
async fn by_checkout_key(db: &Db, buyer: i64, key: &str) -> Result<Vec<Created>, Error> {
    let rows = sqlx::query(
        "SELECT o.id, o.total_amount, (SELECT MIN(p.id) FROM payments p WHERE p.order_id = o.id) AS payment_id \
         FROM orders o WHERE o.buyer_id = $1 AND o.checkout_key = $2 ORDER BY o.id",
    )
    .bind(buyer)
    .bind(key)
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
    let rows = sqlx::query(
        "SELECT o.id, c.name, o.total_amount FROM orders o JOIN communities c ON c.id = o.community_id \
         WHERE o.buyer_id = $1 AND o.id <> $2 AND o.status = 'pending_payment' \
         AND o.checkout_key = (SELECT checkout_key FROM orders WHERE id = $2) ORDER BY o.id",
    )
    .bind(buyer)
    .bind(order)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| Ok((col(r, "id")?, col(r, "name")?, Fen(col(r, "total_amount")?))))
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}

pub(crate) async fn insert_line(db: &Db, tx: &mut Tx, order_id: i64, l: &ReservedLine) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO order_lines (id, order_id, product_id, sku_id, title, image, unit, spec, unit_price, quantity, amount) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(db.id())
    .bind(order_id)
    .bind(l.product_id)
    .bind(l.sku_id)
    .bind(&l.title)
    .bind(&l.image)
    .bind(&l.unit)
    .bind(&l.spec)
    .bind(l.unit_price.0)
    .bind(l.quantity)
    .bind(l.amount.0)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub(crate) async fn record_event(
    db: &Db,
    tx: &mut Tx,
    order: i64,
    from: Option<OrderStatus>,
    to: OrderStatus,
    actor: &str,
    at: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO order_events (id, order_id, from_status, to_status, actor, at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(db.id())
    .bind(order)
    .bind(from.map(|s| s.as_str()))
    .bind(to.as_str())
    .bind(actor)
    .bind(at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Moves an order from one state to another if the domain allows it and the order is still
/// in `from`; false when another request changed it first.
pub(crate) async fn apply_in(
    db: &Db,
    tx: &mut Tx,
    order: i64,
    from: OrderStatus,
    event: OrderEvent,
    actor: &str,
    now: i64,
) -> Result<bool, Error> {
    apply(db, tx, order, from, event, actor, now).await
}

pub(crate) async fn apply(
    db: &Db,
    tx: &mut Tx,
    order: i64,
    from: OrderStatus,
    event: OrderEvent,
    actor: &str,
    now: i64,
) -> Result<bool, Error> {
    let to = transition(from, event).ok_or(Rule::BadRequest)?;
    let sets_paid = matches!(to, OrderStatus::Paid | OrderStatus::AwaitingTeam);
    let extra = if sets_paid { ", paid_at = COALESCE(paid_at, $4)" } else { "" };
    let sql = format!("UPDATE orders SET status = $1{extra} WHERE id = $2 AND status = $3");
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(to.as_str()).bind(order).bind(from.as_str());
    if sets_paid {
        q = q.bind(now);
    }
    if q.execute(&mut **tx).await?.rows_affected() != 1 {
        return Ok(false);
    }
    record_event(db, tx, order, Some(from), to, actor, now).await?;
    Ok(true)
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaymentRow {
    pub id: i64,
    pub order_id: i64,
    pub provider: String,
    pub amount: Fen,
    pub status: String,
}

fn payment_row(r: &AnyRow) -> Result<PaymentRow, sqlx::Error> {
    Ok(PaymentRow {
        id: col(r, "id")?,
        order_id: col(r, "order_id")?,
        provider: col(r, "provider")?,
        amount: Fen(col(r, "amount")?),
        status: col(r, "status")?,
    })
}

pub async fn payment(db: &Db, id: i64) -> Result<Option<PaymentRow>, Error> {
    let r = sqlx::query("SELECT id, order_id, provider, amount, status FROM payments WHERE id = $1")
        .bind(id)
        .fetch_optional(&db.pool)
        .await?;
    r.map(|r| payment_row(&r)).transpose().map_err(Into::into)
}

/// The payment waiting for an order, if any.
pub async fn open_payment(db: &Db, order: i64) -> Result<Option<PaymentRow>, Error> {
    let r = sqlx::query(
        "SELECT id, order_id, provider, amount, status FROM payments WHERE order_id = $1 AND status = 'created' ORDER BY id DESC LIMIT 1",
    )
    .bind(order)
    .fetch_optional(&db.pool)
    .await?;
    r.map(|r| payment_row(&r)).transpose().map_err(Into::into)
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
pub async fn apply_payment_succeeded(
    db: &Db,
    provider: &str,
    event_id: &str,
    payment_id: i64,
    amount: Fen,
    now: i64,
) -> Result<PaymentOutcome, Error> {
    let mut tx = db.begin().await?;
    let pay = sqlx::query("SELECT id, order_id, provider, amount, status FROM payments WHERE id = $1")
        .bind(payment_id)
        .fetch_optional(&mut *tx)
        .await?
        .map(|r| payment_row(&r))
        .transpose()?
        .ok_or(Rule::NotFound)?;
    if pay.provider != provider || pay.amount != amount {
        return Err(Rule::BadRequest.into());
    }
    let fresh = sqlx::query(
        "INSERT INTO provider_events (provider, event_id, payment_id, received_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (provider, event_id) DO NOTHING",
    )
    .bind(provider)
    .bind(event_id)
    .bind(payment_id)
    .bind(now)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if fresh == 0 {
        return Ok(PaymentOutcome::Duplicate);
    }
    let first =
        sqlx::query("UPDATE payments SET status = 'succeeded', succeeded_at = $1 WHERE id = $2 AND status = 'created'")
            .bind(now)
            .bind(payment_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
    if first == 0 {
        // A different event id for a payment already settled: record it, change nothing else.
        tx.commit().await?;
        return Ok(PaymentOutcome::Duplicate);
    }
    let team: Option<i64> =
        sqlx::query_scalar("SELECT team_id FROM orders WHERE id = $1").bind(pay.order_id).fetch_one(&mut *tx).await?;
    if let Some(team) = team {
        // Lock the team before the order, as every team change does, so no two of them wait on
        // each other.
        super::groupbuy::lock_team(&mut tx, team, now).await?;
    }
    // The money is at the provider now, whatever becomes of the order.
    super::distribution::post_payment(db, &mut tx, pay.order_id, pay.amount, now).await?;
    let event = if team.is_some() { OrderEvent::TeamPaymentReceived } else { OrderEvent::PaymentReceived };
    let paid = apply(db, &mut tx, pay.order_id, OrderStatus::PendingPayment, event, provider, now).await?;
    if !paid {
        // The order was cancelled (its stock already released) before the money arrived: the
        // money goes back, decided here in the same transaction so it is decided once.
        let refund_id = db.id();
        sqlx::query(
            "INSERT INTO refunds (id, order_id, payment_id, kind, amount, reason, status, created_at, decided_at) \
             VALUES ($1, $2, $3, 'late_payment', $4, 'order_not_payable', 'approved', $5, $5)",
        )
        .bind(refund_id)
        .bind(pay.order_id)
        .bind(payment_id)
        .bind(pay.amount.0)
        .bind(now)
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

/// What follows an order becoming paid: the buyer is told (`buyer_kind`), the owner is told of a
/// new order to ship, and the products count the units as sold.
pub(crate) async fn paid_effects(
    db: &Db,
    tx: &mut Tx,
    order_id: i64,
    buyer_kind: &str,
    amount: Fen,
    now: i64,
) -> Result<(), Error> {
    use super::notifications::{kind, notify_buyer, notify_owner};
    notify_buyer(db, tx, order_id, buyer_kind, amount, now).await?;
    notify_owner(db, tx, order_id, kind::NEW_PAID_ORDER, amount, now).await?;
    super::distribution::accrue(db, tx, order_id, now).await?;
    sqlx::query(
        "UPDATE products SET sold = sold + (SELECT COALESCE(SUM(l.quantity), 0) FROM order_lines l \
         WHERE l.order_id = $1 AND l.product_id = products.id) \
         WHERE id IN (SELECT product_id FROM order_lines WHERE order_id = $1)",
    )
    .bind(order_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Cancels an unpaid order and puts its stock back, exactly once: the conditional state change
/// decides which of several racing callers (the member, the expiry job on two instances) does it.
pub async fn cancel_unpaid(db: &Db, order_id: i64, actor: &str, now: i64) -> Result<bool, Error> {
    let mut tx = db.begin().await?;
    let team: Option<i64> = sqlx::query_scalar("SELECT team_id FROM orders WHERE id = $1")
        .bind(order_id)
        .fetch_optional(&mut *tx)
        .await?
        .flatten();
    if let Some(team) = team {
        super::groupbuy::lock_team(&mut tx, team, now).await?;
    }
    if !apply(db, &mut tx, order_id, OrderStatus::PendingPayment, OrderEvent::Cancel, actor, now).await? {
        return Ok(false);
    }
    sqlx::query("UPDATE orders SET cancelled_at = $1 WHERE id = $2").bind(now).bind(order_id).execute(&mut *tx).await?;
    release_lines(&mut tx, order_id).await?;
    if let Some(team) = team {
        super::groupbuy::seat_released(&mut tx, team, order_id, now).await?;
    }
    tx.commit().await?;
    Ok(true)
}

/// Puts an order's quantities back: SKU stock, the members' purchase counters, and the
/// products' summaries.
pub(crate) async fn release_lines(tx: &mut Tx, order_id: i64) -> Result<(), Error> {
    let lines = sqlx::query(
        "SELECT l.product_id, l.sku_id, l.quantity, o.buyer_id FROM order_lines l JOIN orders o ON o.id = l.order_id \
         WHERE l.order_id = $1",
    )
    .bind(order_id)
    .fetch_all(&mut **tx)
    .await?;
    let mut products = vec![];
    for l in &lines {
        let (product, sku, qty, buyer): (i64, i64, i64, i64) =
            (col(l, "product_id")?, col(l, "sku_id")?, col(l, "quantity")?, col(l, "buyer_id")?);
        sqlx::query("UPDATE skus SET stock = stock + $1 WHERE id = $2").bind(qty).bind(sku).execute(&mut **tx).await?;
        sqlx::query(
            "UPDATE member_purchases SET quantity = quantity - $1 WHERE product_id = $2 AND user_id = $3 AND quantity >= $1",
        )
        .bind(qty)
        .bind(product)
        .bind(buyer)
        .execute(&mut **tx)
        .await?;
        if !products.contains(&product) {
            products.push(product);
        }
    }
    for p in products {
        super::products::refresh_summary(tx, p).await?;
    }
    Ok(())
}

/// Unpaid orders whose payment window has closed, oldest first.
pub async fn due_for_expiry(db: &Db, now: i64, limit: i64) -> Result<Vec<i64>, Error> {
    let ids = sqlx::query_scalar(
        "SELECT id FROM orders WHERE status = 'pending_payment' AND pay_deadline <= $1 ORDER BY pay_deadline LIMIT $2",
    )
    .bind(now)
    .bind(limit)
    .fetch_all(&db.pool)
    .await?;
    Ok(ids)
}

/// Marks a paid order shipped with the carrier and tracking number.
pub async fn ship(db: &Db, order_id: i64, carrier: &str, tracking_no: &str, now: i64) -> Result<(), Error> {
    let mut tx = db.begin().await?;
    if !apply(db, &mut tx, order_id, OrderStatus::Paid, OrderEvent::Ship, "owner", now).await? {
        return Err(Rule::OrderNotShippable.into());
    }
    sqlx::query("UPDATE orders SET shipped_at = $1, carrier = $2, tracking_no = $3 WHERE id = $4")
        .bind(now)
        .bind(carrier)
        .bind(tracking_no)
        .bind(order_id)
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
pub async fn complete(db: &Db, order_id: i64, actor: &str, now: i64) -> Result<bool, Error> {
    let mut tx = db.begin().await?;
    if !apply(db, &mut tx, order_id, OrderStatus::Shipped, OrderEvent::Complete, actor, now).await? {
        return Ok(false);
    }
    sqlx::query("UPDATE orders SET completed_at = $1 WHERE id = $2").bind(now).bind(order_id).execute(&mut *tx).await?;
    super::distribution::freeze(db, &mut tx, order_id, now).await?;
    tx.commit().await?;
    Ok(true)
}

/// Shipped orders shipped at or before `shipped_before`, oldest first.
pub async fn due_for_completion(db: &Db, shipped_before: i64, limit: i64) -> Result<Vec<i64>, Error> {
    let ids = sqlx::query_scalar(
        "SELECT id FROM orders WHERE status = 'shipped' AND shipped_at <= $1 ORDER BY shipped_at LIMIT $2",
    )
    .bind(shipped_before)
    .bind(limit)
    .fetch_all(&db.pool)
    .await?;
    Ok(ids)
}

const ORDER_COLS: &str = "o.id, o.community_id, c.name AS community_name, c.slug AS community_slug, c.time_zone, \
    o.buyer_id, u.nickname AS buyer_name, o.status, o.goods_amount, o.shipping_amount, o.discount_amount, \
    o.total_amount, o.created_at, o.pay_deadline, o.paid_at, o.shipped_at, o.completed_at, o.cancelled_at, \
    o.carrier, o.tracking_no, o.delivery, o.ship_to, o.note, o.team_id, \
    CAST((SELECT COALESCE(SUM(p.refunded_amount), 0) FROM payments p WHERE p.order_id = o.id) AS BIGINT) AS refunded_amount \
    FROM orders o JOIN communities c ON c.id = o.community_id JOIN users u ON u.id = o.buyer_id";

fn order_head(r: &AnyRow) -> Result<Order, sqlx::Error> {
    let status: String = col(r, "status")?;
    Ok(Order {
        id: col(r, "id")?,
        community_id: col(r, "community_id")?,
        community_name: col(r, "community_name")?,
        community_slug: col(r, "community_slug")?,
        time_zone: col(r, "time_zone")?,
        buyer_id: col(r, "buyer_id")?,
        buyer_name: col(r, "buyer_name")?,
        status: OrderStatus::parse(&status)
            .ok_or_else(|| sqlx::Error::Decode(format!("order status {status}").into()))?,
        goods: Fen(col(r, "goods_amount")?),
        shipping: Fen(col(r, "shipping_amount")?),
        discount: Fen(col(r, "discount_amount")?),
        total: Fen(col(r, "total_amount")?),
        created_at: col(r, "created_at")?,
        pay_deadline: col(r, "pay_deadline")?,
        paid_at: r.try_get("paid_at")?,
        shipped_at: r.try_get("shipped_at")?,
        completed_at: r.try_get("completed_at")?,
        cancelled_at: r.try_get("cancelled_at")?,
        carrier: r.try_get("carrier")?,
        tracking_no: r.try_get("tracking_no")?,
        refunded: Fen(col(r, "refunded_amount")?),
        delivery: Delivery::parse(&col::<String>(r, "delivery")?).unwrap_or(Delivery::Ship),
        ship_to: col(r, "ship_to")?,
        note: col(r, "note")?,
        team_id: r.try_get("team_id")?,
        lines: vec![],
        events: vec![],
        refunds: vec![],
    })
}

/// A value bound to a list filter.
enum Param {
    Int(i64),
    Text(String),
}

/// Orders matching `filter` (a condition on `o`, `c` and `u` with `$1…` parameters), newest
/// first, with their lines fetched in one more query rather than one per order.
async fn list(db: &Db, filter: &str, params: Vec<Param>) -> Result<Vec<Order>, Error> {
    let mut q = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {ORDER_COLS} WHERE {filter} ORDER BY o.created_at DESC, o.id DESC LIMIT 200"
    )));
    for p in &params {
        q = match p {
            Param::Int(v) => q.bind(*v),
            Param::Text(v) => q.bind(v.clone()),
        };
    }
    let rows = q.fetch_all(&db.pool).await?;
    let mut orders = rows.iter().map(order_head).collect::<Result<Vec<_>, _>>()?;
    if orders.is_empty() {
        return Ok(orders);
    }
    let marks: Vec<String> = (1..=orders.len()).map(|i| format!("${i}")).collect();
    let mut lq = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT l.id, l.order_id, l.product_id, l.sku_id, l.title, l.spec, l.image, l.unit, l.unit_price, l.quantity, \
         l.amount FROM order_lines l WHERE l.order_id IN ({}) ORDER BY l.id",
        marks.join(", ")
    )));
    for o in &orders {
        lq = lq.bind(o.id);
    }
    let lines = lq.fetch_all(&db.pool).await?;
    let mut by_order: HashMap<i64, Vec<OrderLine>> = HashMap::new();
    for r in &lines {
        by_order.entry(col(r, "order_id")?).or_default().push(line(r)?);
    }
    for o in &mut orders {
        o.lines = by_order.remove(&o.id).unwrap_or_default();
    }
    Ok(orders)
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
pub async fn search_in_community(db: &Db, community: i64, f: &OrderFilter) -> Result<Vec<Order>, Error> {
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
    list(db, &filter, params).await
}

fn line(r: &AnyRow) -> Result<OrderLine, sqlx::Error> {
    Ok(OrderLine {
        id: col(r, "id")?,
        product_id: col(r, "product_id")?,
        sku_id: col(r, "sku_id")?,
        title: col(r, "title")?,
        spec: col(r, "spec")?,
        image: col(r, "image")?,
        unit: col(r, "unit")?,
        unit_price: Fen(col(r, "unit_price")?),
        quantity: col(r, "quantity")?,
        amount: Fen(col(r, "amount")?),
    })
}

/// A buyer's orders in any of `statuses` (all when empty), newest first.
pub async fn for_buyer_in(db: &Db, buyer: i64, statuses: &[OrderStatus]) -> Result<Vec<Order>, Error> {
    if statuses.is_empty() {
        return for_buyer(db, buyer).await;
    }
    let mut params = vec![Param::Int(buyer)];
    let marks: Vec<String> = statuses
        .iter()
        .map(|s| {
            params.push(Param::Text(s.as_str().to_string()));
            format!("${}", params.len())
        })
        .collect();
    list(db, &format!("o.buyer_id = $1 AND o.status IN ({})", marks.join(", ")), params).await
}

pub async fn for_buyer(db: &Db, buyer: i64) -> Result<Vec<Order>, Error> {
    list(db, "o.buyer_id = $1", vec![Param::Int(buyer)]).await
}

pub async fn for_community(db: &Db, community: i64) -> Result<Vec<Order>, Error> {
    list(db, "o.community_id = $1", vec![Param::Int(community)]).await
}

/// One order with its lines and timeline.
pub async fn by_id(db: &Db, id: i64) -> Result<Option<Order>, Error> {
    let mut found = list(db, "o.id = $1", vec![Param::Int(id)]).await?;
    let Some(mut order) = found.pop() else { return Ok(None) };
    let events =
        sqlx::query("SELECT from_status, to_status, actor, at FROM order_events WHERE order_id = $1 ORDER BY at, id")
            .bind(id)
            .fetch_all(&db.pool)
            .await?;
    for r in &events {
        let from: Option<String> = r.try_get("from_status")?;
        let to: String = col(r, "to_status")?;
        order.events.push(OrderEventView {
            from: from.as_deref().and_then(OrderStatus::parse),
            to: OrderStatus::parse(&to).ok_or_else(|| Error::broken("unknown OrderStatus in a row"))?,
            actor: col(r, "actor")?,
            at: col(r, "at")?,
        });
    }
    order.refunds = super::refunds::for_order(db, id).await?;
    Ok(Some(order))
}

/// How many of a buyer's orders are in each state.
pub async fn status_counts(db: &Db, buyer: i64) -> Result<HashMap<OrderStatus, i64>, Error> {
    let rows = sqlx::query("SELECT status, COUNT(*) AS n FROM orders WHERE buyer_id = $1 GROUP BY status")
        .bind(buyer)
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
pub async fn totals_by_status(db: &Db) -> Result<Vec<(String, i64)>, Error> {
    let rows = sqlx::query("SELECT status, COUNT(*) AS n FROM orders GROUP BY status ORDER BY status")
        .fetch_all(&db.pool)
        .await?;
    rows.iter().map(|r| Ok((col(r, "status")?, col(r, "n")?))).collect::<Result<_, sqlx::Error>>().map_err(Into::into)
}

#[cfg(test)]
mod tests;
