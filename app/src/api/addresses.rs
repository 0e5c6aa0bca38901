//! The member's address book.

use crate::error::AppError;
use domain::model::Address;
use leptos::prelude::*;

#[server(prefix = "/api", endpoint = "load_addresses")]
pub async fn load_addresses() -> Result<Vec<Address>, AppError> {
    super::form::reply(
        async move {
            use crate::ctx;
            let v = ctx::viewer()?;
            Ok(store::addresses::list(&ctx::state().db, v.id).await?)
        }
        .await,
    )
}

/// Adds an address, then returns to `next` (the checkout it was added from) or the book.
#[server(prefix = "/api", endpoint = "add_address")]
pub async fn add_address(
    name: String,
    phone: String,
    region: String,
    detail: String,
    make_default: Option<String>,
    next: Option<String>,
) -> Result<i64, AppError> {
    use crate::ctx;
    use domain::account::safe_next;
    use domain::checkout::AddressDraft;
    let result = async {
        let v = ctx::viewer()?;
        let a = AddressDraft::parse(&name, &phone, &region, &detail)?;
        let st = ctx::state();
        Ok(store::addresses::add(&st.db, v.id, &a, make_default.is_some(), st.clock.now_ms()).await?)
    }
    .await;
    let back = safe_next(next.as_deref()).unwrap_or_else(|| "/me/addresses".into());
    let next_echo = next.clone().unwrap_or_default();
    super::form::finish(
        result,
        |_| super::form::Next::to(back),
        &[("name", &name), ("phone", &phone), ("region", &region), ("detail", &detail), ("next", &next_echo)],
    )
}

#[server(prefix = "/api", endpoint = "remove_address")]
pub async fn remove_address(address_id: i64) -> Result<(), AppError> {
    use crate::ctx;
    let result = async {
        let v = ctx::viewer()?;
        Ok(store::addresses::remove(&ctx::state().db, v.id, address_id).await?)
    }
    .await;
    super::form::finish(result, |_| super::form::Next::to("/me/addresses"), &[])
}

#[server(prefix = "/api", endpoint = "set_default_address")]
pub async fn set_default_address(address_id: i64) -> Result<(), AppError> {
    use crate::ctx;
    let result = async {
        let v = ctx::viewer()?;
        Ok(store::addresses::set_default(&ctx::state().db, v.id, address_id).await?)
    }
    .await;
    super::form::finish(result, |_| super::form::Next::to("/me/addresses"), &[])
}
