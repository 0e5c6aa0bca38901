//! Routes. Each page loads its data through a server function (run in-process during server
//! rendering) and renders plain HTML; forms post to server functions.

mod account;
mod addresses;
mod cart;
mod console;
mod distribution;
mod groupbuy;
mod orders;
mod shop;

pub use account::*;
pub use addresses::*;
pub use cart::*;
pub use console::*;
pub use distribution::*;
pub use groupbuy::{ConsoleActivityTeamsPage, ConsoleCommunityGroupsPage, ConsoleGroupPage, TeamPage};
pub use orders::*;
pub use shop::*;

use crate::error::AppError;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

/// A numeric route parameter; a malformed one reads as 0, which matches nothing.
fn param_id(name: &str) -> i64 {
    use_params_map().with_untracked(|p| p.get(name).and_then(|v| v.parse().ok()).unwrap_or(0))
}

fn param(name: &str) -> String {
    use_params_map().with_untracked(|p| p.get(name).unwrap_or_default())
}

/// A query-string parameter.
fn query(name: &str) -> Option<String> {
    leptos_router::hooks::use_query_map().with_untracked(|q| q.get(name))
}

#[component]
pub fn NotFound() -> impl IntoView {
    use crate::components::layout::ErrorPage;
    view! { <ErrorPage error=AppError::from(domain::Error::NotFound) path=String::new()/> }
}
