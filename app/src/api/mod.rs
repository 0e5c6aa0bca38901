//! Server functions: the application's API. Each one is thin: it authorises, parses its input
//! into domain types, calls the store and domain, and maps errors. Forms post straight to them.

pub mod account;
pub mod addresses;
pub mod cart;
pub mod console;
pub mod distribution;
pub mod groupbuy;
pub mod orders;
pub mod shop;

#[cfg(feature = "ssr")]
mod checkout;

/// What every checkout form posts besides the goods (buy now, the cart, a group-buy seat): where
/// they go (`pickup` or `addr:<id>`), the note, and the form's key against double submission.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct CheckoutForm {
    pub delivery: String,
    pub note: String,
    pub checkout_key: Option<String>,
}
#[cfg(feature = "ssr")]
pub mod form;

/// The signed-in member's access to a community's console, at least `needed` (owners and, once
/// they exist, staff; payouts need the owner), with the community. Console server functions
/// start here and hand the proof to the store functions that change the community.
#[cfg(feature = "ssr")]
pub(crate) async fn console(
    community: i64,
    needed: domain::access::Role,
) -> Result<(store::access::Granted, domain::model::Community), crate::error::AppError> {
    let v = crate::ctx::viewer()?;
    console_for(&crate::ctx::state().db, &v, community, needed).await
}

/// `console` for handlers outside a server function (downloads and uploads), which are given
/// the database and the caller.
#[cfg(feature = "ssr")]
pub(crate) async fn console_for(
    db: &store::Db,
    viewer: &domain::model::Viewer,
    community: i64,
    needed: domain::access::Role,
) -> Result<(store::access::Granted, domain::model::Community), crate::error::AppError> {
    let g = store::access::require(db, community, viewer.id, needed).await?;
    let c = store::communities::by_id(db, community).await?.ok_or(domain::Error::NotFound)?;
    Ok((g, c))
}

/// Rows per page of a long list (orders, commissions).
pub const PAGE: i64 = 50;

/// Every page of a list, for exports.
#[cfg(feature = "ssr")]
pub(crate) async fn all_pages<T, F, Fut>(mut read: F) -> Result<Vec<T>, store::Error>
where
    F: FnMut(store::PageRequest) -> Fut,
    Fut: std::future::Future<Output = Result<store::Page<T>, store::Error>>,
{
    let mut all = vec![];
    let mut page = store::PageRequest::first(1000);
    loop {
        let got = read(page).await?;
        all.extend(got.items);
        match got.next {
            Some(before) => page = store::PageRequest::after(Some(before), 1000),
            None => return Ok(all),
        }
    }
}

/// A console page's data: the access check (staff or owner), then `read` with the community and
/// the database; errors answer like any server function's.
#[cfg(feature = "ssr")]
pub(crate) async fn console_page<T, F, Fut>(community: i64, read: F) -> Result<T, crate::error::AppError>
where
    F: FnOnce(domain::model::Community, store::Db) -> Fut,
    Fut: std::future::Future<Output = Result<T, crate::error::AppError>>,
{
    let result = async {
        let (_, c) = console(community, domain::access::Role::Staff).await?;
        read(c, crate::ctx::state().db).await
    };
    form::reply(result.await)
}
