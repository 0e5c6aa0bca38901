//! The cart and its checkout.

use crate::error::AppError;
use domain::model::CartItem;
use domain::model::{Address, Community};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

pub const CART_COOKIE: &str = "qunli_cart";

/// Who holds the cart of this request: the member, or a visitor by their cart cookie (made when
/// `create` and there is none yet).
#[cfg(feature = "ssr")]
pub(crate) fn holder(create: bool) -> Option<String> {
    use crate::{auth, ctx};
    if let Some(v) = ctx::request().viewer {
        return Some(store::cart::member_holder(v.id));
    }
    let parts = use_context::<http::request::Parts>()?;
    if let Some(token) = ctx::cookie(&parts.headers, CART_COOKIE) {
        return Some(format!("v:{}", auth::token_hash(token)));
    }
    if !create {
        return None;
    }
    let (token, hash) = auth::new_token();
    super::form::set_cookie(&format!("{CART_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age=2592000"));
    Some(format!("v:{hash}"))
}

/// At sign-in: the visitor's cart joins the member's.
#[cfg(feature = "ssr")]
pub(crate) async fn merge_visitor_cart(user: i64) -> Result<(), AppError> {
    use crate::{auth, ctx};
    let Some(parts) = use_context::<http::request::Parts>() else { return Ok(()) };
    if let Some(token) = ctx::cookie(&parts.headers, CART_COOKIE) {
        let from = format!("v:{}", auth::token_hash(token));
        store::cart::merge(&ctx::state().db, &from, &store::cart::member_holder(user)).await?;
        super::form::set_cookie(&format!("{CART_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"));
    }
    Ok(())
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CartGroup {
    pub community_id: i64,
    pub community_name: String,
    pub items: Vec<CartItem>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CartData {
    pub groups: Vec<CartGroup>,
    pub signed_in: bool,
}

#[cfg(feature = "ssr")]
async fn grouped(items: Vec<CartItem>) -> Result<Vec<CartGroup>, AppError> {
    let db = &crate::ctx::state().db;
    let mut groups: Vec<CartGroup> = vec![];
    for item in items {
        match groups.iter_mut().find(|g| g.community_id == item.community_id) {
            Some(g) => g.items.push(item),
            None => {
                let c = store::communities::by_id(db, item.community_id).await?.ok_or(domain::Error::NotFound)?;
                groups.push(CartGroup { community_id: c.id, community_name: c.name, items: vec![item] });
            }
        }
    }
    Ok(groups)
}

#[server(prefix = "/api", endpoint = "load_cart")]
pub async fn load_cart() -> Result<CartData, AppError> {
    super::form::reply(
        async move {
            use crate::ctx;
            let signed_in = ctx::request().viewer.is_some();
            let items = match holder(false) {
                Some(h) => store::cart::items(&ctx::state().db, &h).await?,
                None => vec![],
            };
            Ok(CartData { groups: grouped(items).await?, signed_in })
        }
        .await,
    )
}

/// Adds an option of a product to the cart; visitors get a cart that survives signing in.
#[server(prefix = "/api", endpoint = "add_to_cart")]
pub async fn add_to_cart(product_id: i64, sku_id: Option<i64>, quantity: String) -> Result<(), AppError> {
    use crate::ctx;
    use crate::flash::Notice;
    use domain::order::parse_quantity;
    let result = async {
        let qty = parse_quantity(&quantity)?;
        let st = ctx::state();
        let h = holder(true).ok_or(AppError::Internal)?;
        Ok(store::cart::add(&st.db, &h, product_id, sku_id, qty, st.clock.now_ms()).await?)
    }
    .await;
    let sku = sku_id.map(|s| s.to_string()).unwrap_or_default();
    super::form::finish(
        result,
        |_| super::form::Next::with("/cart", Notice::AddedToCart),
        &[("quantity", &quantity), ("sku_id", &sku)],
    )
}

#[server(prefix = "/api", endpoint = "update_cart_item")]
pub async fn update_cart_item(item_id: i64, quantity: String) -> Result<(), AppError> {
    use crate::ctx;
    let result = async {
        let q: i64 = quantity.trim().parse().map_err(|_| domain::Error::BadQuantity)?;
        let h = holder(false).ok_or(domain::Error::NotFound)?;
        Ok(store::cart::set_quantity(&ctx::state().db, &h, item_id, q).await?)
    }
    .await;
    super::form::finish(result, |_| super::form::Next::to("/cart"), &[])
}

#[server(prefix = "/api", endpoint = "remove_cart_item")]
pub async fn remove_cart_item(item_id: i64) -> Result<(), AppError> {
    use crate::ctx;
    let result = async {
        let h = holder(false).ok_or(domain::Error::NotFound)?;
        Ok(store::cart::remove(&ctx::state().db, &h, item_id).await?)
    }
    .await;
    super::form::finish(result, |_| super::form::Next::to("/cart"), &[])
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckoutGroup {
    pub community: Community,
    pub items: Vec<CartItem>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckoutData {
    /// Only lines that can be bought as they are; the others stay in the cart.
    pub groups: Vec<CheckoutGroup>,
    pub left_out: usize,
    pub addresses: Vec<Address>,
    pub checkout_key: String,
}

#[server(prefix = "/api", endpoint = "load_checkout")]
pub async fn load_checkout() -> Result<CheckoutData, AppError> {
    super::form::reply(
        async move {
            use crate::ctx;
            use domain::checkout::CartLineState;
            let v = ctx::viewer()?;
            let st = ctx::state();
            let all = store::cart::items(&st.db, &store::cart::member_holder(v.id)).await?;
            let left_out = all.iter().filter(|i| i.state != CartLineState::Ready).count();
            let mut groups: Vec<CheckoutGroup> = vec![];
            for item in all.into_iter().filter(|i| i.state == CartLineState::Ready) {
                match groups.iter_mut().find(|g| g.community.id == item.community_id) {
                    Some(g) => g.items.push(item),
                    None => {
                        let community = store::communities::by_id(&st.db, item.community_id)
                            .await?
                            .ok_or(domain::Error::NotFound)?;
                        groups.push(CheckoutGroup { community, items: vec![item] });
                    }
                }
            }
            let addresses = store::addresses::list(&st.db, v.id).await?;
            Ok(CheckoutData { groups, left_out, addresses, checkout_key: crate::auth::new_token().0 })
        }
        .await,
    )
}

/// Checks out every line of the cart that can be bought: one order per community. The lines
/// bought leave the cart; the member pays the first order and is shown the others.
#[server(prefix = "/api", endpoint = "checkout_cart")]
pub async fn checkout_cart(#[server(flatten)] form: super::CheckoutForm) -> Result<i64, AppError> {
    use crate::ctx;
    use domain::checkout::CartLineState;
    use store::orders::CheckoutLine;
    let result = async {
        let v = ctx::viewer()?;
        let st = ctx::state();
        let holder = store::cart::member_holder(v.id);
        let items: Vec<CartItem> = store::cart::items(&st.db, &holder)
            .await?
            .into_iter()
            .filter(|i| i.state == CartLineState::Ready)
            .collect();
        let pre = super::checkout::Preamble::read(v.id, &form).await?;
        if items.is_empty() {
            // The same form sent again after it went through (its lines already left the cart)
            // leads to the orders it made.
            if let Some(key) = &pre.key {
                if let Some(first) = store::orders::made_by_key(&st.db, v.id, key).await?.first() {
                    return Ok(first.order_id);
                }
            }
            return Err(domain::Error::CartEmpty.into());
        }
        let c = pre.checkout(
            items
                .iter()
                .map(|i| CheckoutLine { product_id: i.product_id, sku_id: Some(i.sku_id), quantity: i.quantity })
                .collect(),
        );
        let created =
            store::orders::checkout(&st.db, v.id, &c, st.clock.now_ms(), st.settings.pay_window_ms, "sandbox").await?;
        let skus: Vec<i64> = items.iter().map(|i| i.sku_id).collect();
        store::cart::remove_skus(&st.db, &holder, &skus).await?;
        created.first().map(|c| c.order_id).ok_or(AppError::Internal)
    }
    .await;
    super::form::finish(
        result,
        |id| super::form::Next::to(format!("/pay/{id}")),
        &[("delivery", &form.delivery), ("note", &form.note)],
    )
}
