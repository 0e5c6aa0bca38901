//! Orders in lists: a card with status, lines, total and the next action, for members and owners.

use crate::components::{lang, t};
use domain::catalogue::product_image_url;
use domain::model::{Order, OrderLine};
use domain::order::OrderStatus;
use leptos::prelude::*;

pub fn status_class(s: OrderStatus) -> &'static str {
    match s {
        OrderStatus::PendingPayment | OrderStatus::AwaitingTeam => "status status-wait",
        OrderStatus::Paid | OrderStatus::Shipped | OrderStatus::Completed => "status status-ok",
        _ => "status status-off",
    }
}

#[component]
pub fn Lines(lines: Vec<OrderLine>) -> impl IntoView {
    lines
        .into_iter()
        .map(|l| {
            view! {
                <div class="order-line">
                    <img src=product_image_url(&l.image) alt="" width="64" height="64" loading="lazy"/>
                    <div class="order-line-body">
                        <p class="order-line-title">{l.title}</p>
                        {(!l.spec.is_empty()).then(|| view! { <p class="muted small">{l.spec.clone()}</p> })}
                        <p class="muted small">{l.unit_price.display()}{(!l.unit.is_empty()).then(|| format!("/{}", l.unit))}" "{lang().quantity_times(l.quantity)}</p>
                    </div>
                    <p class="order-line-amount">{l.amount.display()}</p>
                </div>
            }
        })
        .collect_view()
}

/// An order as a card in a list: status, lines, total, the next action.
#[component]
pub fn OrderCard(o: Order, #[prop(optional)] owner_view: bool) -> impl IntoView {
    let t = t();
    let paid = o.paid_at.is_some();
    view! {
        <article class="card order-card">
            <header class="order-card-head">
                <span class="muted small">{if owner_view { o.buyer_name.clone() } else { o.community_name.clone() }}</span>
                <span class=status_class(o.status)>{lang().status(o.status)}</span>
            </header>
            <a class="order-card-lines" href=format!("/orders/{}", o.id)>
                <Lines lines=o.lines.clone()/>
            </a>
            <footer class="order-card-foot">
                <span>{if paid { t.paid_total } else { t.due_total }}" "<strong class="price-inline">{o.total.display()}</strong></span>
                {if o.status == OrderStatus::PendingPayment && !owner_view {
                    view! { <a class="btn btn-buy btn-small" href=format!("/pay/{}", o.id)>{t.go_pay}</a> }.into_any()
                } else {
                    view! { <a class="btn btn-ghost btn-small" href=format!("/orders/{}", o.id)>{t.view_order}</a> }.into_any()
                }}
            </footer>
        </article>
    }
}
