//! The owner console's menu, shared by every console page of a community.

use crate::components::t;
use leptos::prelude::*;

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Products,
    Orders,
    Group,
    Distribution,
    Refunds,
    Settings,
}

/// The console's menu for one community: a row of tabs on phones, a side menu on wide screens.
#[component]
pub fn ConsoleMenu(community: i64, slug: String, active: Section) -> impl IntoView {
    let t = t();
    let item = move |s: Section, href: String, label: &'static str| {
        let current = s == active;
        view! { <a href=href class:active=current aria-current=current.then_some("page")>{label}</a> }
    };
    view! {
        <nav class="console-menu" aria-label=t.console_menu>
            {item(Section::Products, format!("/console/c/{community}"), t.console_products)}
            {item(Section::Orders, format!("/console/c/{community}/orders"), t.console_orders)}
            {item(Section::Refunds, format!("/console/c/{community}/refunds"), t.console_refunds)}
            {item(Section::Group, format!("/console/c/{community}/group"), t.console_group)}
            {item(Section::Distribution, format!("/console/c/{community}/distribution"), t.console_distribution)}
            {item(Section::Settings, format!("/console/c/{community}#settings"), t.edit_community)}
            <a href=format!("/c/{slug}")>{t.view_community_page}</a>
        </nav>
    }
}
