//! Writing orders, the part every way of buying shares: taking stock for a line and giving it
//! back, writing an order with its lines, timeline entry and payment, moving an order's state by
//! the domain's transition table (a conditional update, so racing callers change it once), and
//! what follows a payment. Checkout (`orders`), group-buy seats (`groupbuy`) and refunds
//! (`refunds`) build on this module and never on each other.

use super::{col, Db, Tx};
use crate::Error;
use domain::catalogue::{sku_label, ProductStatus};
use domain::checkout::{totals, Delivery, ShippingRule};
use domain::money::Fen;
use domain::order::{quote_buy_now, transition, OrderEvent, OrderStatus, SaleItem};
use domain::Error as Rule;

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
    super::products::lock(tx, product_id).await?;
    let p = sql!(
        query,
        "SELECT community_id, title, image, unit, per_order_limit, per_member_limit, status FROM products WHERE id = $1",
        product_id
    )
    .fetch_optional(&mut **tx)
    .await?
    .ok_or(Rule::NotFound)?;
    let skus = sql!(
        query,
        "SELECT id, spec1, spec2, price, stock FROM skus WHERE product_id = $1 AND active = 1 ORDER BY sort, id",
        product_id
    )
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
        let counted = sql!(
            query,
            "INSERT INTO member_purchases (product_id, user_id, quantity) VALUES ($1, $2, $3) \
             ON CONFLICT (product_id, user_id) DO UPDATE SET quantity = member_purchases.quantity + excluded.quantity \
             WHERE member_purchases.quantity + excluded.quantity <= $4",
            product_id,
            buyer,
            quantity,
            member_limit
        )
        .execute(&mut **tx)
        .await?
        .rows_affected();
        let fresh_too_many = quantity > member_limit;
        if counted != 1 || fresh_too_many {
            let bought: Option<i64> = sql!(
                query_scalar,
                "SELECT quantity FROM member_purchases WHERE product_id = $1 AND user_id = $2",
                product_id,
                buyer
            )
            .fetch_optional(&mut **tx)
            .await?;
            let already = if counted == 1 { bought.unwrap_or(0) - quantity } else { bought.unwrap_or(0) };
            return Err(Rule::OverMemberLimit { limit: member_limit, left: (member_limit - already).max(0) }.into());
        }
    }
    let taken = sql!(query, "UPDATE skus SET stock = stock - $1 WHERE id = $2 AND stock >= $1", quantity, sku_id)
        .execute(&mut **tx)
        .await?
        .rows_affected();
    if taken != 1 {
        // Another buyer got there first (possible on PostgreSQL, where the read was not locked).
        let left: i64 = sql!(query_scalar, "SELECT stock FROM skus WHERE id = $1", sku_id).fetch_one(&mut **tx).await?;
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
    let r = sql!(
        query,
        "SELECT shipping_fee, free_shipping_over, pickup_point FROM communities WHERE id = $1",
        o.community
    )
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
    sql!(
        query,
        "INSERT INTO orders (id, community_id, buyer_id, status, goods_amount, shipping_amount, discount_amount, \
         total_amount, created_at, pay_deadline, delivery, ship_to, note, checkout_key, team_id) \
         VALUES ($1, $2, $3, 'pending_payment', $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        order_id,
        o.community,
        o.buyer,
        t.goods.0,
        t.shipping.0,
        t.discount.0,
        t.total.0,
        o.now,
        o.pay_deadline,
        o.delivery.as_str(),
        &ship_to,
        o.note,
        o.key,
        o.team
    )
    .execute(&mut **tx)
    .await?;
    for l in lines {
        insert_line(db, tx, order_id, l).await?;
    }
    super::distribution::snapshot_in(db, tx, order_id, o.community, o.buyer, o.referrer, o.now).await?;
    record_event(db, tx, order_id, None, OrderStatus::PendingPayment, "buyer", o.now).await?;
    let payment_id = db.id();
    sql!(
        query,
        "INSERT INTO payments (id, order_id, provider, amount, status, created_at) VALUES ($1, $2, $3, $4, 'created', $5)",
        payment_id,
        order_id,
        provider,
        t.total.0,
        o.now
    )
    .execute(&mut **tx)
    .await?;
    Ok(Created { order_id, payment_id, total: t.total })
}

pub(crate) async fn insert_line(db: &Db, tx: &mut Tx, order_id: i64, l: &ReservedLine) -> Result<(), sqlx::Error> {
    sql!(
        query,
        "INSERT INTO order_lines (id, order_id, product_id, sku_id, title, image, unit, spec, unit_price, quantity, \
         amount) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        db.id(),
        order_id,
        l.product_id,
        l.sku_id,
        &l.title,
        &l.image,
        &l.unit,
        &l.spec,
        l.unit_price,
        l.quantity,
        l.amount
    )
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
    sql!(
        query,
        "INSERT INTO order_events (id, order_id, from_status, to_status, actor, at) VALUES ($1, $2, $3, $4, $5, $6)",
        db.id(),
        order,
        from.map(|s| s.as_str()),
        to.as_str(),
        actor,
        at
    )
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
    let mut q = sql!(query, sqlx::AssertSqlSafe(sql), to.as_str(), order, from.as_str());
    if sets_paid {
        q = q.bind(now);
    }
    if q.execute(&mut **tx).await?.rows_affected() != 1 {
        return Ok(false);
    }
    record_event(db, tx, order, Some(from), to, actor, now).await?;
    Ok(true)
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
    // Products by id, as every product lock is taken.
    let products: Vec<i64> = sql!(
        query_scalar,
        "SELECT DISTINCT product_id FROM order_lines WHERE order_id = $1 ORDER BY product_id",
        order_id
    )
    .fetch_all(&mut **tx)
    .await?;
    for p in products {
        super::products::lock(tx, p).await?;
    }
    sql!(
        query,
        "UPDATE products SET sold = sold + (SELECT COALESCE(SUM(l.quantity), 0) FROM order_lines l \
         WHERE l.order_id = $1 AND l.product_id = products.id) \
         WHERE id IN (SELECT product_id FROM order_lines WHERE order_id = $1)",
        order_id
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Puts an order's quantities back: SKU stock, the members' purchase counters, and the
/// products' summaries.
pub(crate) async fn release_lines(tx: &mut Tx, order_id: i64) -> Result<(), Error> {
    let lines = sql!(
        query,
        "SELECT l.product_id, l.sku_id, l.quantity, o.buyer_id FROM order_lines l JOIN orders o ON o.id = l.order_id \
         WHERE l.order_id = $1 ORDER BY l.product_id, l.sku_id",
        order_id
    )
    .fetch_all(&mut **tx)
    .await?;
    let mut products = vec![];
    for l in &lines {
        let (product, sku, qty, buyer): (i64, i64, i64, i64) =
            (col(l, "product_id")?, col(l, "sku_id")?, col(l, "quantity")?, col(l, "buyer_id")?);
        if !products.contains(&product) {
            super::products::lock(tx, product).await?;
        }
        sql!(query, "UPDATE skus SET stock = stock + $1 WHERE id = $2", qty, sku).execute(&mut **tx).await?;
        sql!(
            query,
            "UPDATE member_purchases SET quantity = quantity - $1 WHERE product_id = $2 AND user_id = $3 AND quantity >= $1",
            qty,
            product,
            buyer
        )
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
