//! Browsing: home, communities, products; joining and leaving.

use crate::error::AppError;
use domain::model::{Community, CommunityCard, Product, ProductCard};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HomeData {
    pub joined: Vec<CommunityCard>,
    pub discover: Vec<CommunityCard>,
    pub popular: Vec<ProductCard>,
    /// Open teams closest to filling (real teams, real counts).
    pub teams: Vec<domain::model::NearlyFull>,
}

#[server(prefix = "/api", endpoint = "load_home")]
pub async fn load_home() -> Result<HomeData, AppError> {
    super::form::reply(
        async move {
            use crate::ctx;
            let st = ctx::state();
            let viewer = ctx::request().viewer.map(|v| v.id);
            let (joined, discover) = store::communities::for_home(&st.db, viewer, HOME_COMMUNITIES).await?;
            let teams = store::groupbuy::nearly_full(&st.db, st.clock.now_ms(), 4).await?;
            Ok(HomeData { joined, discover, popular: store::products::popular(&st.db, 10).await?, teams })
        }
        .await,
    )
}

/// How many joined, and how many other, communities the home page shows (全部社群 has the rest).
pub const HOME_COMMUNITIES: i64 = 20;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommunitiesPage {
    pub items: Vec<CommunityCard>,
    pub next: Option<i64>,
}

/// 全部社群, newest first, 30 to a page.
#[server(prefix = "/api", endpoint = "load_communities")]
pub async fn load_communities(before: Option<i64>) -> Result<CommunitiesPage, AppError> {
    super::form::reply(
        async move {
            use crate::ctx;
            let viewer = ctx::request().viewer.map(|v| v.id);
            let page = store::PageRequest::after(before, 30);
            let p = store::communities::page(&ctx::state().db, viewer, page).await?;
            Ok(CommunitiesPage { items: p.items, next: p.next })
        }
        .await,
    )
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommunityData {
    pub community: Community,
    pub products: Vec<ProductCard>,
    pub is_member: bool,
    pub is_owner: bool,
    /// The community runs a referral programme.
    pub programme_on: bool,
}

#[server(prefix = "/api", endpoint = "load_community")]
pub async fn load_community(slug: String) -> Result<CommunityData, AppError> {
    super::form::reply(
        async move {
            use crate::ctx;
            let st = ctx::state();
            let c = store::communities::by_slug(&st.db, &slug).await?.ok_or(domain::Error::NotFound)?;
            let viewer = ctx::request().viewer;
            let is_member = match &viewer {
                Some(v) => store::communities::is_member(&st.db, c.id, v.id).await?,
                None => false,
            };
            let is_owner = viewer.map(|v| v.id) == Some(c.owner_id);
            let products = store::products::on_sale_in(&st.db, c.id).await?;
            let programme_on = store::distribution::programme(&st.db, c.id).await?.is_some_and(|p| p.enabled);
            Ok(CommunityData { community: c, products, is_member, is_owner, programme_on })
        }
        .await,
    )
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductData {
    pub product: Product,
    pub community: Community,
    pub is_owner: bool,
    /// The description's Markdown as sanitized HTML.
    pub description_html: String,
    /// The group-buy running on this product, if any.
    pub group: Option<super::groupbuy::GroupOffer>,
    /// "分享赚 ¥X" for a distributor.
    pub share: Option<super::distribution::ShareEarn>,
}

/// A product page. Drafts exist only for their owner; off-sale products stay visible (links to
/// them keep working) but cannot be bought.
#[server(prefix = "/api", endpoint = "load_product")]
pub async fn load_product(id: i64) -> Result<ProductData, AppError> {
    super::form::reply(
        async move {
            use crate::ctx;
            use domain::catalogue::ProductStatus;
            let st = ctx::state();
            let p = store::products::by_id(&st.db, id).await?.ok_or(domain::Error::NotFound)?;
            let c = store::communities::by_id(&st.db, p.community_id).await?.ok_or(domain::Error::NotFound)?;
            let is_owner = ctx::request().viewer.map(|v| v.id) == Some(c.owner_id);
            if p.status == ProductStatus::Draft && !is_owner {
                return Err(domain::Error::NotFound.into());
            }
            let description_html = crate::markdown::to_safe_html(&p.description);
            let group = if p.status == ProductStatus::OnSale { super::groupbuy::offer_for(p.id).await? } else { None };
            let share = if p.status == ProductStatus::OnSale {
                super::distribution::share_earn_for(c.id, p.id, p.price, &format!("/p/{}", p.id), false).await?
            } else {
                None
            };
            Ok(ProductData { product: p, community: c, is_owner, description_html, group, share })
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "join_community")]
pub async fn join_community(community_id: i64) -> Result<(), AppError> {
    use crate::ctx;
    let result = async {
        let v = ctx::viewer()?;
        let st = ctx::state();
        Ok(store::communities::join(&st.db, community_id, v.id, st.clock.now_ms()).await?)
    }
    .await;
    let back = slug_path(community_id).await;
    super::form::finish(result, |_| super::form::Next::to(back), &[])
}

#[server(prefix = "/api", endpoint = "leave_community")]
pub async fn leave_community(community_id: i64) -> Result<(), AppError> {
    use crate::ctx;
    let result = async {
        let v = ctx::viewer()?;
        Ok(store::communities::leave(&ctx::state().db, community_id, v.id).await?)
    }
    .await;
    let back = slug_path(community_id).await;
    super::form::finish(result, |_| super::form::Next::to(back), &[])
}

#[cfg(feature = "ssr")]
async fn slug_path(community_id: i64) -> String {
    match store::communities::by_id(&crate::ctx::state().db, community_id).await {
        Ok(Some(c)) => format!("/c/{}", c.slug),
        _ => "/c".into(),
    }
}
