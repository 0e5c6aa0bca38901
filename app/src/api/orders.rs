//! Buying, paying, and the member's orders.

use crate::error::AppError;
use domain::model::{Address, Community, Order, Product, Viewer};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BuyData {
    pub product: Product,
    pub community: Community,
    pub addresses: Vec<Address>,
    /// A fresh key for this form: submitting it twice makes one order.
    pub checkout_key: String,
    /// Buying through a group-buy: which team, at what price.
    pub group: Option<super::groupbuy::BuyGroup>,
}

/// The confirmation page for buying a product now.
#[server(prefix = "/api", endpoint = "load_buy")]
pub async fn load_buy(product_id: i64, group: Option<String>) -> Result<BuyData, AppError> {
    super::form::reply(
        async move {
            use crate::ctx;
            use domain::catalogue::ProductStatus;
            let v = ctx::viewer()?;
            let st = ctx::state();
            let p = store::products::by_id(&st.db, product_id).await?.ok_or(domain::Error::NotFound)?;
            if p.status == ProductStatus::Draft {
                return Err(domain::Error::NotFound.into());
            }
            let community = store::communities::by_id(&st.db, p.community_id).await?.ok_or(domain::Error::NotFound)?;
            let addresses = store::addresses::list(&st.db, v.id).await?;
            let group = match group.as_deref() {
                Some(g) => super::groupbuy::buy_group(product_id, g).await?,
                None => None,
            };
            Ok(BuyData { product: p, community, addresses, checkout_key: crate::auth::new_token().0, group })
        }
        .await,
    )
}

/// Places a buy-now order and sends the member to the cashier. Only the product, option,
/// quantity, delivery and note are read from the request: the amount is computed on the server
/// from current prices and the community's shipping rule, and any price a client adds is ignored.
/// The form's checkout key makes a repeated submission return the first order.
#[server(prefix = "/api", endpoint = "buy_now")]
pub async fn buy_now(
    product_id: i64,
    sku_id: Option<i64>,
    quantity: String,
    #[server(flatten)] form: super::CheckoutForm,
) -> Result<i64, AppError> {
    use crate::ctx;
    use domain::order::parse_quantity;
    use store::orders::CheckoutLine;
    let result = async {
        let v = ctx::viewer()?;
        let qty = parse_quantity(&quantity)?;
        let pre = super::checkout::Preamble::read(v.id, &form).await?;
        let st = ctx::state();
        let c = pre.checkout(vec![CheckoutLine { product_id, sku_id, quantity: qty }]);
        let created =
            store::orders::checkout(&st.db, v.id, &c, st.clock.now_ms(), st.settings.pay_window_ms, "sandbox").await?;
        let first = created.first().ok_or(AppError::Internal)?;
        tracing::info!(order_id = first.order_id, total = first.total.0, "order created");
        Ok(first.order_id)
    }
    .await;
    let sku = sku_id.map(|s| s.to_string()).unwrap_or_default();
    super::form::finish(
        result,
        |id| super::form::Next::to(format!("/pay/{id}")),
        &[("quantity", &quantity), ("sku_id", &sku), ("delivery", &form.delivery), ("note", &form.note)],
    )
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CashierData {
    pub order: Order,
    /// False when the order no longer waits for payment.
    pub payable: bool,
    /// Other orders of the same checkout still waiting for payment: (id, community, total).
    pub others: Vec<(i64, String, domain::money::Fen)>,
}

#[cfg(feature = "ssr")]
async fn own_order(order_id: i64) -> Result<(Viewer, Order), AppError> {
    use crate::ctx;
    let v = ctx::viewer()?;
    let o = store::orders::by_id(&ctx::state().db, order_id).await?.ok_or(domain::Error::NotFound)?;
    if o.buyer_id != v.id {
        // Someone else's order does not exist, as far as this member can tell.
        return Err(domain::Error::NotFound.into());
    }
    Ok((v, o))
}

#[server(prefix = "/api", endpoint = "load_cashier")]
pub async fn load_cashier(order_id: i64) -> Result<CashierData, AppError> {
    super::form::reply(
        async move {
            use domain::order::OrderStatus;
            let (v, order) = own_order(order_id).await?;
            let payable = order.status == OrderStatus::PendingPayment;
            let others = store::orders::unpaid_siblings(&crate::ctx::state().db, v.id, order_id).await?;
            Ok(CashierData { order, payable, others })
        }
        .await,
    )
}

/// The sandbox wallet's pay button: the sandbox settles the payment and delivers its signed
/// webhook through the same receiver as the HTTP endpoint, then the member sees the order.
#[server(prefix = "/api", endpoint = "sandbox_pay")]
pub async fn sandbox_pay(order_id: i64) -> Result<(), AppError> {
    use crate::{ctx, payments};
    let result = async {
        own_order(order_id).await?;
        let st = ctx::state();
        if !st.settings.sandbox {
            return Err(domain::Error::PaymentUnavailable.into());
        }
        let payment = store::orders::open_payment(&st.db, order_id).await?.ok_or(domain::Error::OrderNotPayable)?;
        let (headers, body) = st.sandbox.success_delivery(&payment, st.clock.now_ms());
        match payments::receive(&st, st.sandbox.as_ref(), &headers, &body).await {
            Ok(store::orders::PaymentOutcome::Paid { .. }) | Ok(store::orders::PaymentOutcome::Duplicate) => Ok(()),
            Ok(store::orders::PaymentOutcome::OrderNotPayable { .. }) => Err(domain::Error::OrderNotPayable.into()),
            Err(crate::providers::WebhookError::Rejected) => Err(domain::Error::BadRequest.into()),
            Err(crate::providers::WebhookError::Unavailable) => Err(AppError::Internal),
        }
    }
    .await;
    // A group-buy member goes back to the team, to see it fill and share it.
    let team = match &result {
        Ok(()) => store::groupbuy::team_of_order(&ctx::state().db, order_id).await.ok().flatten(),
        Err(_) => None,
    };
    let next = match team {
        Some(t) => format!("/t/{t}"),
        None => format!("/orders/{order_id}"),
    };
    super::form::finish(result, |_| super::form::Next::to(next), &[])
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyOrders {
    pub orders: Vec<Order>,
    /// Where the next page starts (`?before=`), when there are more.
    pub next: Option<i64>,
}

#[server(prefix = "/api", endpoint = "load_my_orders")]
pub async fn load_my_orders(tab: Option<String>, before: Option<i64>) -> Result<MyOrders, AppError> {
    super::form::reply(
        async move {
            use crate::ctx;
            use domain::order::tab_statuses;
            let v = ctx::viewer()?;
            let statuses = tab_statuses(tab.as_deref().unwrap_or("all"));
            let page = store::PageRequest::after(before, super::PAGE);
            let found = store::orders::for_buyer_in(&ctx::state().db, v.id, &statuses, page).await?;
            Ok(MyOrders { orders: found.items, next: found.next })
        }
        .await,
    )
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderData {
    pub order: Order,
    pub viewer_is_buyer: bool,
    /// When a shipped order completes by itself.
    pub auto_complete_at: Option<i64>,
}

/// An order, for its buyer or the owner of its community.
#[server(prefix = "/api", endpoint = "load_order")]
pub async fn load_order(order_id: i64) -> Result<OrderData, AppError> {
    super::form::reply(
        async move {
            use crate::ctx;
            let v = ctx::viewer()?;
            let st = ctx::state();
            let o = store::orders::by_id(&st.db, order_id).await?.ok_or(domain::Error::NotFound)?;
            let auto_complete_at = o.shipped_at.map(|at| at + st.settings.auto_complete_ms);
            if o.buyer_id == v.id {
                return Ok(OrderData { order: o, viewer_is_buyer: true, auto_complete_at });
            }
            let c = store::communities::by_id(&st.db, o.community_id).await?.ok_or(domain::Error::NotFound)?;
            if c.owner_id == v.id {
                return Ok(OrderData { order: o, viewer_is_buyer: false, auto_complete_at });
            }
            Err(domain::Error::NotFound.into())
        }
        .await,
    )
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeData {
    pub viewer: Option<Viewer>,
    /// Order counts by status name.
    pub counts: HashMap<String, i64>,
    pub owns_communities: bool,
}

#[server(prefix = "/api", endpoint = "load_me")]
pub async fn load_me() -> Result<MeData, AppError> {
    super::form::reply(
        async move {
            use crate::ctx;
            let Some(v) = ctx::request().viewer else {
                return Ok(MeData { viewer: None, counts: HashMap::new(), owns_communities: false });
            };
            let st = ctx::state();
            let counts = store::orders::status_counts(&st.db, v.id)
                .await?
                .into_iter()
                .map(|(k, n)| (k.as_str().to_string(), n))
                .collect();
            let owns = !store::communities::owned_by(&st.db, v.id).await?.is_empty();
            Ok(MeData { viewer: Some(v), counts, owns_communities: owns })
        }
        .await,
    )
}

/// The buyer gives up an unpaid order; its stock goes back at once.
#[server(prefix = "/api", endpoint = "cancel_order")]
pub async fn cancel_order(order_id: i64) -> Result<(), AppError> {
    use crate::ctx;
    let result = async {
        own_order(order_id).await?;
        let st = ctx::state();
        if !store::orders::cancel_unpaid(&st.db, order_id, "buyer", st.clock.now_ms()).await? {
            return Err(domain::Error::OrderNotCancellable.into());
        }
        Ok(())
    }
    .await;
    super::form::finish(result, |_| super::form::Next::to(format!("/orders/{order_id}")), &[])
}

/// The buyer confirms the parcel arrived, before the automatic completion.
#[server(prefix = "/api", endpoint = "confirm_receipt")]
pub async fn confirm_receipt(order_id: i64) -> Result<(), AppError> {
    use crate::ctx;
    let result = async {
        own_order(order_id).await?;
        let st = ctx::state();
        if !store::orders::complete(&st.db, order_id, "buyer", st.clock.now_ms()).await? {
            return Err(domain::Error::OrderNotCompletable.into());
        }
        Ok(())
    }
    .await;
    super::form::finish(result, |_| super::form::Next::to(format!("/orders/{order_id}")), &[])
}

/// The member asks for money back on one line of a paid order, with a reason.
#[server(prefix = "/api", endpoint = "request_refund")]
pub async fn request_refund(order_id: i64, line_id: i64, amount: String, reason: String) -> Result<(), AppError> {
    use crate::ctx;
    use crate::flash::Notice;
    use domain::money::Fen;
    use domain::order::parse_refund_reason;
    let result = async {
        let v = ctx::viewer()?;
        // A malformed figure is treated as zero, which the domain refuses with the most that can be asked.
        let fen = Fen::parse_yuan(&amount).unwrap_or(Fen::ZERO);
        let reason = parse_refund_reason(&reason)?;
        let st = ctx::state();
        Ok(store::refunds::request(&st.db, v.id, order_id, line_id, fen, &reason, st.clock.now_ms())
            .await
            .map(|_| ())?)
    }
    .await;
    super::form::finish(
        result,
        |_| super::form::Next::with(format!("/orders/{order_id}"), Notice::RefundRequested),
        &[("amount", &amount), ("reason", &reason)],
    )
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationsData {
    pub items: Vec<domain::model::Notification>,
}

/// The member's notifications, newest first; opening the page (a top-level navigation, not an
/// image or a fetch another page makes) marks them read.
#[server(prefix = "/api", endpoint = "load_notifications")]
pub async fn load_notifications() -> Result<NotificationsData, AppError> {
    super::form::reply(
        async move {
            use crate::ctx;
            let v = ctx::viewer()?;
            let st = ctx::state();
            let items = store::notifications::list(&st.db, v.id).await?;
            if ctx::request().navigation {
                store::notifications::mark_read(&st.db, v.id, st.clock.now_ms()).await?;
            }
            Ok(NotificationsData { items })
        }
        .await,
    )
}
