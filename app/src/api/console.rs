//! The owner console. Every function here starts by checking that the signed-in member owns
//! the community in question (`console`: `store::access::require`).

use crate::error::AppError;
#[cfg(feature = "ssr")]
use domain::access::Role;
use domain::model::{Community, CommunityCard, Order, Product, ProductCard};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[server(prefix = "/api", endpoint = "load_console_home")]
pub async fn load_console_home() -> Result<Vec<CommunityCard>, AppError> {
    super::form::reply(
        async move {
            use crate::ctx;
            let v = ctx::viewer()?;
            Ok(store::communities::owned_by(&ctx::state().db, v.id).await?)
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "create_community")]
pub async fn create_community(name: String, slug: String, intro: String, cover: String) -> Result<i64, AppError> {
    use crate::ctx;
    use crate::flash::Notice;
    use domain::catalogue::CommunityDraft;
    let result = async {
        let v = ctx::viewer()?;
        let draft = CommunityDraft::parse(&name, &slug, &intro, &cover)?;
        let st = ctx::state();
        let now = st.clock.now_ms();
        store::limits::take(&st.db, domain::limits::Action::CreateCommunity, v.id, now).await?;
        Ok(store::communities::create(&st.db, v.id, &draft, now).await?)
    }
    .await;
    super::form::finish(
        result,
        |id| super::form::Next::with(format!("/console/c/{id}"), Notice::Created),
        &[("name", &name), ("slug", &slug), ("intro", &intro), ("cover", &cover)],
    )
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsoleCommunity {
    pub community: Community,
    pub products: Vec<ProductCard>,
}

#[server(prefix = "/api", endpoint = "load_console_community")]
pub async fn load_console_community(community_id: i64) -> Result<ConsoleCommunity, AppError> {
    super::console_page(community_id, |community, db| async move {
        let products = store::products::all_in(&db, community_id).await?;
        Ok(ConsoleCommunity { community, products })
    })
    .await
}

#[server(prefix = "/api", endpoint = "update_community")]
pub async fn update_community(
    community_id: i64,
    name: String,
    slug: String,
    intro: String,
    cover: String,
    time_zone: Option<String>,
) -> Result<(), AppError> {
    use crate::ctx;
    use crate::flash::Notice;
    use domain::catalogue::CommunityDraft;
    let zone_in = time_zone.unwrap_or_default();
    let result = async {
        let st = ctx::state();
        let (g, _) = super::console(community_id, Role::Staff).await?;
        let draft = CommunityDraft::parse(&name, &slug, &intro, &cover)?;
        let zone = if zone_in.is_empty() { None } else { Some(domain::time::parse_zone(&zone_in)?) };
        store::communities::update(&st.db, &g, &draft).await?;
        if let Some(zone) = zone {
            store::communities::set_time_zone(&st.db, &g, zone).await?;
        }
        Ok(())
    }
    .await;
    super::form::finish(
        result,
        |_| super::form::Next::with(format!("/console/c/{community_id}"), Notice::Saved),
        &[("name", &name), ("slug", &slug), ("intro", &intro), ("cover", &cover), ("time_zone", &zone_in)],
    )
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductEditor {
    pub community: Community,
    /// None when adding a new product.
    pub product: Option<Product>,
}

#[server(prefix = "/api", endpoint = "load_product_editor")]
pub async fn load_product_editor(
    community_id: Option<i64>,
    product_id: Option<i64>,
) -> Result<ProductEditor, AppError> {
    super::form::reply(
        async move {
            use crate::ctx;
            let st = ctx::state();
            let product = match product_id {
                Some(id) => Some(store::products::by_id(&st.db, id).await?.ok_or(domain::Error::NotFound)?),
                None => None,
            };
            let cid = product.as_ref().map(|p| p.community_id).or(community_id).ok_or(domain::Error::BadRequest)?;
            let (_, community) = super::console(cid, Role::Staff).await?;
            Ok(ProductEditor { community, product })
        }
        .await,
    )
}

/// Creates (no `product_id`) or updates a product from the product form.
#[server(prefix = "/api", endpoint = "save_product")]
pub async fn save_product(
    community_id: i64,
    product_id: Option<i64>,
    #[server(flatten)] input: domain::catalogue::ProductInput,
) -> Result<i64, AppError> {
    use crate::ctx;
    use crate::flash::Notice;
    use domain::catalogue::ProductDraft;
    let has_specs = !input.spec1_name.trim().is_empty();
    let result = async {
        let st = ctx::state();
        let (g, _) = super::console(community_id, Role::Staff).await?;
        let draft = ProductDraft::parse(&input)?;
        let now = st.clock.now_ms();
        match product_id {
            // `update` checks that the product is in the community the member was granted.
            Some(id) => {
                store::products::update(&st.db, &g, id, &draft, now).await?;
                Ok(id)
            }
            None => Ok(store::products::create(&st.db, &g, &draft, now).await?),
        }
    }
    .await;
    // Shown again after an error, the form keeps comparing with the stock the owner first saw;
    // only when that stock moved does it start from the stock there is now (named in the message).
    let mut shown = input.clone();
    if let Err(AppError::Rule(domain::Error::StockChanged { now })) = &result {
        shown.stock_seen = now.to_string();
    }
    super::form::finish_input(
        result,
        |id| {
            let notice = if product_id.is_some() { Notice::Saved } else { Notice::Created };
            // With specs, the owner goes on to price each combination.
            let to = if has_specs { format!("/console/p/{id}#skus") } else { format!("/console/c/{community_id}") };
            super::form::Next::with(to, notice)
        },
        &shown,
        &[],
    )
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsoleOrders {
    pub community: Community,
    pub orders: Vec<Order>,
    /// Where the next page starts (`?before=`), when there are more.
    pub next: Option<i64>,
}

/// A community's orders for its owner: `tab` picks states (see `domain::order::tab_statuses`),
/// `q` searches order numbers, buyers' phones and names, and addresses.
#[server(prefix = "/api", endpoint = "load_console_orders")]
pub async fn load_console_orders(
    community_id: i64,
    tab: Option<String>,
    q: Option<String>,
    before: Option<i64>,
) -> Result<ConsoleOrders, AppError> {
    super::console_page(community_id, |community, db| async move {
        let page = store::PageRequest::after(before, super::PAGE);
        let found =
            store::orders::search_in_community(&db, community_id, &order_filter(tab.as_deref(), q), page).await?;
        Ok(ConsoleOrders { community, orders: found.items, next: found.next })
    })
    .await
}

#[cfg(feature = "ssr")]
fn order_filter(tab: Option<&str>, q: Option<String>) -> store::orders::OrderFilter {
    store::orders::OrderFilter {
        statuses: domain::order::tab_statuses(tab.unwrap_or("all")),
        search: q.filter(|q| !q.trim().is_empty()),
    }
}

/// The same list as CSV, for `GET /console/c/{id}/orders.csv` (owner only): checks access, then
/// hands out the file a page of orders at a time, so an export of any length is complete and
/// never held in memory whole.
#[cfg(feature = "ssr")]
pub async fn orders_csv(
    st: &crate::ctx::AppState,
    viewer: Option<&domain::model::Viewer>,
    lang: crate::i18n::Lang,
    community_id: i64,
    tab: Option<&str>,
    q: Option<String>,
) -> Result<OrdersCsv, AppError> {
    let v = viewer.ok_or(domain::Error::SignInRequired)?;
    super::console_for(&st.db, v, community_id, Role::Staff).await?;
    Ok(OrdersCsv { db: st.db.clone(), community_id, filter: order_filter(tab, q), lang, next: Some(None) })
}

/// An orders export being written (see `orders_csv`).
#[cfg(feature = "ssr")]
pub struct OrdersCsv {
    db: store::Db,
    community_id: i64,
    filter: store::orders::OrderFilter,
    lang: crate::i18n::Lang,
    /// The cursor of the next page; `Some(None)` before the first, `None` when done.
    next: Option<Option<i64>>,
}

#[cfg(feature = "ssr")]
impl OrdersCsv {
    /// Orders per chunk.
    const PAGE: i64 = 500;

    /// The next part of the file (the first starts with the header), or `None` at the end.
    pub async fn next_chunk(&mut self) -> Option<Result<Vec<u8>, AppError>> {
        let cursor = self.next?;
        let page = store::PageRequest::after(cursor, Self::PAGE);
        let result = async {
            let got = store::orders::search_in_community(&self.db, self.community_id, &self.filter, page).await?;
            let mut out = match cursor {
                None => crate::export::orders_csv_head(self.lang).map_err(|_| AppError::Internal)?,
                Some(_) => vec![],
            };
            out.extend(crate::export::orders_csv_rows(&got.items, self.lang).map_err(|_| AppError::Internal)?);
            Ok::<_, AppError>((out, got.next))
        }
        .await;
        Some(match result {
            Ok((bytes, next)) => {
                self.next = next.map(Some);
                Ok(bytes)
            }
            Err(e) => {
                self.next = None;
                Err(e)
            }
        })
    }
}

/// The owner ships a paid order with a carrier and tracking number.
#[server(prefix = "/api", endpoint = "ship_order")]
pub async fn ship_order(order_id: i64, carrier: String, tracking_no: String) -> Result<(), AppError> {
    use crate::ctx;
    use crate::flash::Notice;
    use domain::order::parse_shipment;
    let result = async {
        let st = ctx::state();
        let order = store::orders::by_id(&st.db, order_id).await?.ok_or(domain::Error::NotFound)?;
        let (g, _) = super::console(order.community_id, Role::Staff).await?;
        let (carrier, tracking) = parse_shipment(&carrier, &tracking_no)?;
        Ok(store::orders::ship(&st.db, &g, order_id, &carrier, &tracking, st.clock.now_ms()).await?)
    }
    .await;
    super::form::finish(
        result,
        |_| super::form::Next::with(format!("/orders/{order_id}"), Notice::Saved),
        &[("carrier", &carrier), ("tracking_no", &tracking_no)],
    )
}

/// One row of the SKU table as posted: `skus[0][id]=…&skus[0][price]=…`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkuRow {
    pub id: i64,
    #[serde(default)]
    pub price: String,
    #[serde(default)]
    pub original_price: String,
    #[serde(default)]
    pub stock: String,
    /// The stock the table showed for this row.
    #[serde(default)]
    pub stock_seen: String,
    #[serde(default)]
    pub code: String,
}

/// Saves the price, original price, stock and code of each of a product's SKUs.
#[server(prefix = "/api", endpoint = "save_skus")]
pub async fn save_skus(product_id: i64, skus: Vec<SkuRow>) -> Result<(), AppError> {
    use crate::ctx;
    use crate::flash::Notice;
    use domain::catalogue::SkuDraft;
    let result = async {
        let st = ctx::state();
        let product = store::products::by_id(&st.db, product_id).await?.ok_or(domain::Error::NotFound)?;
        let (g, _) = super::console(product.community_id, Role::Staff).await?;
        let rows = skus
            .iter()
            .map(|r| {
                let d = SkuDraft::parse(&r.price, &r.original_price, &r.stock, &r.code)?;
                Ok((r.id, d.over(domain::catalogue::parse_stock_seen(&r.stock_seen)?)))
            })
            .collect::<Result<Vec<_>, domain::Error>>()?;
        store::products::save_skus(&st.db, &g, product_id, &rows, st.clock.now_ms()).await?;
        Ok(product.community_id)
    }
    .await;
    // Shown again, each row keeps comparing with the stock the owner first saw, except a row whose
    // stock they changed and that moved meanwhile: it starts from the stock there is now.
    let now_stock: std::collections::HashMap<i64, i64> =
        if matches!(&result, Err(AppError::Rule(domain::Error::StockChanged { .. }))) {
            store::products::skus_of(&crate::ctx::state().db, product_id, false)
                .await
                .map(|skus| skus.into_iter().map(|s| (s.id, s.stock)).collect())
                .unwrap_or_default()
        } else {
            Default::default()
        };
    let echo: Vec<(String, String)> = skus
        .iter()
        .enumerate()
        .flat_map(|(i, r)| {
            let changed = r.stock.trim() != r.stock_seen.trim();
            let seen = match now_stock.get(&r.id) {
                Some(now) if changed => now.to_string(),
                _ => r.stock_seen.clone(),
            };
            [
                (format!("skus[{i}][price]"), r.price.clone()),
                (format!("skus[{i}][original_price]"), r.original_price.clone()),
                (format!("skus[{i}][stock]"), r.stock.clone()),
                (format!("skus[{i}][stock_seen]"), seen),
                (format!("skus[{i}][code]"), r.code.clone()),
            ]
        })
        .collect();
    let echo: Vec<(&str, &str)> = echo.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    super::form::finish(result, |c| super::form::Next::with(format!("/console/c/{c}"), Notice::Saved), &echo)
        .map(|_| ())
}

/// The community's shipping fee, free-shipping threshold and pickup point.
#[server(prefix = "/api", endpoint = "update_shipping")]
pub async fn update_shipping(
    community_id: i64,
    shipping_fee: String,
    free_shipping_over: String,
    pickup_point: String,
) -> Result<(), AppError> {
    use crate::ctx;
    use crate::flash::Notice;
    use domain::checkout::{parse_pickup_point, ShippingRule};
    let result = async {
        let st = ctx::state();
        let (g, _) = super::console(community_id, Role::Staff).await?;
        let rule = ShippingRule::parse(&shipping_fee, &free_shipping_over)?;
        let pickup = parse_pickup_point(&pickup_point)?;
        Ok(store::communities::update_shipping(&st.db, &g, rule, &pickup).await?)
    }
    .await;
    super::form::finish(
        result,
        |_| super::form::Next::with(format!("/console/c/{community_id}#shipping"), Notice::Saved),
        &[
            ("shipping_fee", &shipping_fee),
            ("free_shipping_over", &free_shipping_over),
            ("pickup_point", &pickup_point),
        ],
    )
}

/// The owner approves a refund request: decided once, then paid back through the provider.
#[server(prefix = "/api", endpoint = "approve_refund")]
pub async fn approve_refund(refund_id: i64) -> Result<(), AppError> {
    use crate::flash::Notice;
    use crate::{ctx, payments};
    let mut order = 0;
    let result = async {
        let st = ctx::state();
        let (community, o) = store::refunds::community_of(&st.db, refund_id).await?.ok_or(domain::Error::NotFound)?;
        order = o;
        let (g, _) = super::console(community, Role::Staff).await?;
        store::refunds::approve(&st.db, &g, refund_id, st.clock.now_ms()).await?;
        // If the provider cannot be reached now, the refund stays approved and the jobs retry it.
        if let Err(e) = payments::settle_refund(&st, refund_id).await {
            tracing::warn!(refund_id, error = %e, "approved refund not settled yet");
        }
        Ok(())
    }
    .await;
    super::form::finish(result, |_| super::form::Next::with(format!("/orders/{order}"), Notice::Saved), &[])
}

/// The owner turns a refund request down, saying why.
#[server(prefix = "/api", endpoint = "reject_refund")]
pub async fn reject_refund(refund_id: i64, decision_note: String) -> Result<(), AppError> {
    use crate::ctx;
    use crate::flash::Notice;
    let mut order = 0;
    let result = async {
        let st = ctx::state();
        let (community, o) = store::refunds::community_of(&st.db, refund_id).await?.ok_or(domain::Error::NotFound)?;
        order = o;
        let (g, _) = super::console(community, Role::Staff).await?;
        let note = domain::order::parse_decision_note(&decision_note)?;
        Ok(store::refunds::reject(&st.db, &g, refund_id, &note, st.clock.now_ms()).await?)
    }
    .await;
    super::form::finish(
        result,
        |_| super::form::Next::with(format!("/orders/{order}"), Notice::Saved),
        &[("decision_note", &decision_note)],
    )
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundQueue {
    pub community: Community,
    /// (refund, order id, buyer name)
    pub open: Vec<(domain::model::RefundView, i64, String)>,
}

#[server(prefix = "/api", endpoint = "load_refund_queue")]
pub async fn load_refund_queue(community_id: i64) -> Result<RefundQueue, AppError> {
    super::console_page(community_id, |community, db| async move {
        let open = store::refunds::queue(&db, community_id).await?;
        Ok(RefundQueue { community, open })
    })
    .await
}

/// Stores an uploaded photo for a product (owner only). Called by the server's multipart route.
#[cfg(feature = "ssr")]
pub async fn upload_photo(
    st: &crate::ctx::AppState,
    viewer: Option<&domain::model::Viewer>,
    product_id: i64,
    bytes: Vec<u8>,
) -> Result<(), AppError> {
    use crate::media;
    let v = viewer.ok_or(domain::Error::SignInRequired)?;
    let product = store::products::by_id(&st.db, product_id).await?.ok_or(domain::Error::NotFound)?;
    let (g, _) = super::console_for(&st.db, v, product.community_id, Role::Staff).await?;
    store::limits::take(&st.db, domain::limits::Action::Upload, v.id, st.clock.now_ms()).await?;
    let data_dir = st.settings.data_dir.clone();
    // Decoding and resizing are CPU work: off the async threads, one photo at a time.
    let hash = st.photos.run(move || media::store(&data_dir, &bytes)).await??;
    Ok(store::products::add_image(&st.db, &g, product_id, &media::key_for(&hash)).await?)
}

/// Takes a photo off a product.
#[server(prefix = "/api", endpoint = "remove_product_image")]
pub async fn remove_product_image(product_id: i64, image: String) -> Result<(), AppError> {
    use crate::ctx;
    use crate::flash::Notice;
    let result = async {
        let st = ctx::state();
        let product = store::products::by_id(&st.db, product_id).await?.ok_or(domain::Error::NotFound)?;
        let (g, _) = super::console(product.community_id, Role::Staff).await?;
        Ok(store::products::remove_image(&st.db, &g, product_id, &image).await?)
    }
    .await;
    super::form::finish(
        result,
        |_| super::form::Next::with(format!("/console/p/{product_id}#photos"), Notice::Saved),
        &[],
    )
}

/// Moves a product up or down in its community's list.
#[server(prefix = "/api", endpoint = "move_product")]
pub async fn move_product(product_id: i64, direction: String) -> Result<(), AppError> {
    use crate::ctx;
    let mut community = 0;
    let result = async {
        let st = ctx::state();
        let product = store::products::by_id(&st.db, product_id).await?.ok_or(domain::Error::NotFound)?;
        community = product.community_id;
        let (g, _) = super::console(community, Role::Staff).await?;
        Ok(store::products::move_product(&st.db, &g, product_id, direction == "up").await?)
    }
    .await;
    super::form::finish(result, |_| super::form::Next::to(format!("/console/c/{community}")), &[])
}
