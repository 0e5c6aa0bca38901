//! Buying and paying, the member's orders, an order, refund requests and notifications.

use super::{param_id, query};
use crate::api::orders::*;
use crate::components::form::Field;
use crate::components::layout::{Empty, Page, Tab};
use crate::components::orders::{status_class, Lines, OrderCard};
use crate::components::price::PriceTag;
use crate::components::stepper::{BuyOptions, DeliveryOption, SkuOption};
use crate::components::{flash, lang, load, page_cursor, t, MoreLink};
use domain::catalogue::product_image_url;
use domain::checkout::Delivery;
use domain::order::{refundable_status, OrderStatus, RefundKind, RefundStatus};
use domain::time::format_local;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

#[component]
pub fn BuyPage() -> impl IntoView {
    let t = t();
    let id = param_id("id");
    let group_q = query("group");
    load(load_buy(id, group_q), move |d: BuyData| {
        let p = d.product;
        let group = d.group.clone();
        // Through a group-buy, only the activity's option is sold, at the activity's price.
        let group_price = group.as_ref().map(|g| g.activity.rules.unit_price(g.leader));
        let group_option = group.as_ref().and_then(|g| p.group_option(&g.activity.rules)).cloned();
        let f = flash();
        let qty_error = f.error_for("quantity").map(|e| lang().error(&e));
        let sku_error = f.error_for("sku_id").map(|e| lang().error(&e));
        let initial = f.value("quantity").and_then(|v| v.parse().ok()).unwrap_or(1);
        let selected =
            f.value("sku_id").and_then(|v| v.parse().ok()).or_else(|| query("sku").and_then(|v| v.parse().ok()));
        let c = d.community;
        let mut deliveries: Vec<DeliveryOption> = d
            .addresses
            .iter()
            .map(|a| DeliveryOption {
                value: format!("addr:{}", a.id),
                label: format!("{} {}", t.delivery_ship, a.one_line()),
            })
            .collect();
        if !c.pickup_point.is_empty() {
            deliveries.push(DeliveryOption {
                value: "pickup".into(),
                label: format!("{} {}", t.delivery_pickup, c.pickup_point),
            });
        }
        let delivery_error = f.error_for("delivery").map(|e| lang().error(&e));
        let delivery_selected = f
            .value("delivery")
            .filter(|v| !v.is_empty())
            .or_else(|| d.addresses.iter().find(|a| a.is_default).map(|a| format!("addr:{}", a.id)))
            .or_else(|| deliveries.first().map(|d| d.value.clone()));
        let here = match &group {
            Some(g) => format!("/buy/{}?group={}", p.id, g.target),
            None => format!("/buy/{}", p.id),
        };
        let options: Vec<SkuOption> = p
            .skus
            .iter()
            .filter(|s| group.is_none() || group_option.as_ref().is_some_and(|o| o.id == s.id))
            .map(|s| SkuOption { id: s.id, label: s.label(), price: group_price.unwrap_or(s.price).0, stock: s.stock })
            .collect();
        let single = group_option.as_ref().map(|o| o.price).unwrap_or(p.price);
        let limit = match &group {
            Some(g) => p.per_order_limit.min(g.activity.rules.per_member_limit),
            None => p.per_order_limit,
        };
        let title = match &group {
            Some(g) if g.leader => t.start_team,
            Some(_) => t.join_team,
            None => t.confirm_order,
        };
        let action = if group.is_some() { crate::api::groupbuy::GroupBuy::url() } else { BuyNow::url() };
        let back = match group.as_ref().and_then(|g| g.team.as_ref()) {
            Some(team) => format!("/t/{}", team.id),
            None => format!("/p/{}", p.id),
        };
        let spec_name =
            if p.spec2_name.is_empty() { p.spec1_name.clone() } else { format!("{} / {}", p.spec1_name, p.spec2_name) };
        let limits = if p.per_member_limit > 0 {
            format!(
                "{} · {}",
                lang().per_order_limit(p.per_order_limit, &p.unit),
                lang().per_member_limit(p.per_member_limit, &p.unit)
            )
        } else {
            lang().per_order_limit(p.per_order_limit, &p.unit)
        };
        view! {
            <Page title=title back=back>
                <crate::components::IslandScripts/>
                <form method="post" action=action class="stack" novalidate>
                    <input type="hidden" name="product_id" value=p.id/>
                    {group.as_ref().map(|g| view! { <input type="hidden" name="target" value=g.target.clone()/> })}
                    <section class="card order-line">
                        <img src=product_image_url(&p.image) alt="" width="72" height="72"/>
                        <div class="order-line-body">
                            <p class="muted small">{c.name.clone()}</p>
                            <h2 class="order-line-title">{p.title.clone()}</h2>
                            {match group_price {
                                Some(gp) => view! { <PriceTag price=gp original=single unit=p.unit.clone()/> }.into_any(),
                                None => view! { <PriceTag price=p.price unit=p.unit.clone() from=p.price_varies()/> }.into_any(),
                            }}
                            <p class="muted small">{lang().stock_left(p.stock)}" · "{limits}</p>
                        </div>
                    </section>
                    <input type="hidden" name="checkout_key" value=d.checkout_key/>
                    <section class="card">
                        <BuyOptions skus=options spec_name=spec_name selected limit initial words=lang().buy_words() sku_error quantity_error=qty_error
                            deliveries delivery_selected delivery_error shipping_fee=c.shipping_fee.0 free_over=c.free_shipping_over.0/>
                        <a class="text-link" href=format!("/me/addresses/new?next={here}")>{t.add_address}</a>
                        <p class="muted small">{lang().shipping_rule(c.shipping_fee, c.free_shipping_over)}</p>
                        <Field name="note" label=t.note_label maxlength=100/>
                    </section>
                    {match &group {
                        // The team filled or ended while the member was on their way here.
                        Some(g) if g.team.as_ref().is_some_and(|team| !team.joinable()) => {
                            let team = g.team.as_ref().map(|team| team.id).unwrap_or_default();
                            view! {
                                <p class="banner banner-warn" role="alert" data-refused>{t.team_full_choose}</p>
                                <a class="btn btn-team btn-block" href=format!("/t/{team}")>{t.team_title}</a>
                            }.into_any()
                        }
                        Some(g) => view! {
                            <crate::components::groupbuy::GroupRules activity=g.activity.clone()/>
                            <p class="rule">{t.pay_to_keep_seat}</p>
                            <div class="button-row">
                                <button class="btn btn-team" type="submit">{t.submit_and_pay}</button>
                            </div>
                        }.into_any(),
                        None => view! {
                            <p class="rule">{t.pay_rule}</p>
                            <div class="button-row">
                                <button class="btn btn-ghost" type="submit" formaction=crate::api::cart::AddToCart::url()>{t.add_to_cart}</button>
                                <button class="btn btn-buy" type="submit">{t.submit_and_pay}</button>
                            </div>
                        }.into_any(),
                    }}
                </form>
            </Page>
        }
    })
}

#[component]
pub fn CashierPage() -> impl IntoView {
    let t = t();
    let id = param_id("id");
    load(load_cashier(id), move |d: CashierData| {
        let o = d.order;
        let deadline = format_local(o.pay_deadline, &o.time_zone);
        view! {
            <Page title=t.sandbox_badge back=format!("/orders/{}", o.id)>
                <section class="wallet" aria-labelledby="wallet-title">
                    <p class="wallet-badge">{t.sandbox_badge}</p>
                    <p class="muted small">{t.sandbox_note}</p>
                    <p class="wallet-merchant"><span class="muted">{t.merchant}</span>" "{o.community_name.clone()}</p>
                    <h2 id="wallet-title" class="wallet-amount">
                        <span class="sr-only">{t.amount_due}" "</span>{o.total.display()}
                    </h2>
                    {(!d.others.is_empty()).then(|| view! {
                        <div class="wallet-others">
                            <p class="muted small">{t.other_orders}</p>
                            {d.others.iter().map(|(id, name, total)| view! {
                                <a class="text-link" href=format!("/pay/{id}")>{name.clone()}" "{total.display()}</a>
                            }).collect_view()}
                        </div>
                    })}
                    {if d.payable {
                        view! {
                            <p class="muted small">{lang().pay_before(&deadline)}</p>
                            <form method="post" action=SandboxPay::url()>
                                <input type="hidden" name="order_id" value=o.id/>
                                <button class="btn btn-pay btn-block" type="submit">{t.pay_now}" "{o.total.display()}</button>
                            </form>
                            <a class="wallet-cancel" href=format!("/orders/{}", o.id)>{t.not_now}</a>
                        }.into_any()
                    } else {
                        view! {
                            <p>{t.order_not_payable}</p>
                            <a class="btn btn-ghost btn-block" href=format!("/orders/{}", o.id)>{t.view_order}</a>
                        }.into_any()
                    }}
                </section>
            </Page>
        }
    })
}

/// The member's order tabs: 全部 / 待付款 / 待发货 / 待收货 / 售后.
const MEMBER_TABS: [&str; 5] = ["all", "pending_payment", "paid", "shipped", "after_sale"];

#[component]
pub fn OrdersPage() -> impl IntoView {
    let t = t();
    let tab = query("tab").filter(|v| MEMBER_TABS.contains(&v.as_str())).unwrap_or_else(|| "all".into());
    load(load_my_orders(Some(tab.clone()), page_cursor()), move |d: MyOrders| {
        let MyOrders { orders, next } = d;
        view! {
            <Page title=t.orders_title tab=Tab::Orders>
                <nav class="order-tabs" aria-label=t.orders_title>
                    {MEMBER_TABS.iter().map(|name| {
                        let current = *name == tab;
                        let label = match *name {
                            "pending_payment" => t.to_pay,
                            "paid" => t.to_ship,
                            "shipped" => t.to_receive,
                            "after_sale" => t.console_refunds,
                            _ => t.all_orders,
                        };
                        view! { <a href=format!("/orders?tab={name}") class:active=current aria-current=current.then_some("page")>{label}</a> }
                    }).collect_view()}
                </nav>
                {if orders.is_empty() {
                    view! { <Empty text=t.no_orders action=(t.go_shopping, "/c".to_string())/> }.into_any()
                } else {
                    view! {
                        <div class="card-list">
                            {orders.into_iter().map(|o| view! { <OrderCard o/> }).collect_view()}
                        </div>
                        <MoreLink next/>
                    }.into_any()
                }}
            </Page>
        }
    })
}

#[component]
pub fn OrderPage() -> impl IntoView {
    let t = t();
    let id = param_id("id");
    load(load_order(id), move |d: OrderData| {
        let o = d.order;
        let tz = o.time_zone.clone();
        let back =
            if d.viewer_is_buyer { "/orders".to_string() } else { format!("/console/c/{}/orders", o.community_id) };
        view! {
            <Page title=t.order_title back>
                <section class="card order-status-card">
                    <p class=status_class(o.status)>{lang().status(o.status)}</p>
                    {(o.status == OrderStatus::AwaitingTeam).then(|| view! { <p class="muted small">{t.awaiting_team_note}</p> })}
                    {o.team_id.map(|team| view! { <a class="text-link" href=format!("/t/{team}") data-team-link>{t.group_buy}" · "{t.team_title}</a> })}
                    {(o.status == OrderStatus::Paid && d.viewer_is_buyer).then(|| view! { <p>{t.paid_thanks}</p> })}
                    {(o.status == OrderStatus::Cancelled).then(|| view! { <p class="muted">{t.cancelled_note}</p> })}
                    {(o.refunded.0 > 0).then(|| view! {
                        <p>{t.refunded_label}" "<strong class="price-inline">{o.refunded.display()}</strong></p>
                        {(o.status == OrderStatus::Cancelled).then(|| view! { <p class="muted small">{t.late_refund_note}</p> })}
                    })}
                    {(o.status == OrderStatus::PendingPayment && d.viewer_is_buyer).then(|| view! {
                        <p class="muted small">{lang().pay_before(&format_local(o.pay_deadline, &o.time_zone))}</p>
                        <div class="button-row">
                            <form method="post" action=CancelOrder::url()>
                                <input type="hidden" name="order_id" value=o.id/>
                                <button class="btn btn-ghost btn-block" type="submit">{t.cancel_order}</button>
                            </form>
                            <a class="btn btn-buy" href=format!("/pay/{}", o.id)>{t.go_pay}" "{o.total.display()}</a>
                        </div>
                    })}
                    {(o.status == OrderStatus::Shipped && d.viewer_is_buyer).then(|| view! {
                        <form method="post" action=ConfirmReceipt::url()>
                            <input type="hidden" name="order_id" value=o.id/>
                            <button class="btn btn-primary" type="submit">{t.confirm_receipt}</button>
                        </form>
                    })}
                    {(o.status == OrderStatus::Shipped).then(|| d.auto_complete_at.map(|at| view! {
                        <p class="muted small">{lang().auto_complete_on(&format_local(at, &tz))}</p>
                    }))}
                </section>
                {(o.status == OrderStatus::Paid && !d.viewer_is_buyer).then(|| view! {
                    <form method="post" action=crate::api::console::ShipOrder::url() class="card stack" novalidate>
                        <h2 class="section-title">{t.ship_title}</h2>
                        <input type="hidden" name="order_id" value=o.id/>
                        <div class="field-row">
                            <Field name="carrier" label=t.carrier_label placeholder=t.carrier_placeholder required=true maxlength=20/>
                            <Field name="tracking_no" label=t.tracking_label required=true inputmode="text" autocomplete="off" maxlength=40/>
                        </div>
                        <button class="btn btn-primary btn-block" type="submit">{t.ship}</button>
                    </form>
                })}
                {o.carrier.clone().map(|carrier| view! {
                    <section class="card">
                        <h2 class="section-title">{t.shipment_title}</h2>
                        <dl class="facts">
                            <dt>{t.carrier_label}</dt><dd>{carrier}</dd>
                            <dt>{t.tracking_label}</dt><dd class="mono">{o.tracking_no.clone().unwrap_or_default()}</dd>
                        </dl>
                    </section>
                })}
                <section class="card">
                    <a class="muted small" href=format!("/c/{}", o.community_slug)>{o.community_name.clone()}</a>
                    <Lines lines=o.lines.clone()/>
                    {(d.viewer_is_buyer && refundable_status(o.status)).then(|| view! {
                        <div class="line-actions">
                            {o.lines.iter().map(|l| view! {
                                <a class="btn btn-ghost btn-small" href=format!("/orders/{}/refund?line={}", o.id, l.id)>
                                    {t.request_refund}" · "{l.title.clone()}
                                </a>
                            }).collect_view()}
                        </div>
                    })}
                    <dl class="amounts">
                        <dt>{t.goods_amount}</dt><dd>{o.goods.display()}</dd>
                        <dt>{t.shipping_amount}</dt><dd>{o.shipping.display()}</dd>
                        <dt class="amount-total">{if o.paid_at.is_some() { t.paid_total } else { t.due_total }}</dt>
                        <dd class="amount-total price-inline">{o.total.display()}</dd>
                    </dl>
                </section>
                {(!o.refunds.is_empty()).then(|| view! {
                    <section class="card">
                        <h2 class="section-title">{t.refunds_title}</h2>
                        <ul class="refunds">
                            {o.refunds.iter().map(|r| {
                                let open = r.status == RefundStatus::Requested && !d.viewer_is_buyer;
                                let reason = match r.kind {
                                    RefundKind::LatePayment => t.late_payment_refund.to_string(),
                                    RefundKind::TeamFailed => t.team_failed_refund.to_string(),
                                    RefundKind::TeamLadder => t.team_ladder_refund.to_string(),
                                    RefundKind::Member => r.reason.clone(),
                                };
                                view! {
                                    <li class="refund">
                                        <p><strong class="price-inline">{r.amount.display()}</strong>" "
                                            <span class="badge">{lang().refund_status(r.status)}</span></p>
                                        <p class="muted small">{reason}</p>
                                        {r.decision_note.clone().map(|n| view! { <p class="small">{t.decision_note_label}": "{n}</p> })}
                                        {open.then(|| view! {
                                            <div class="refund-decision">
                                                <form method="post" action=crate::api::console::ApproveRefund::url()>
                                                    <input type="hidden" name="refund_id" value=r.id/>
                                                    <button class="btn btn-primary btn-block" type="submit">{t.approve_refund}" "{r.amount.display()}</button>
                                                </form>
                                                <form method="post" action=crate::api::console::RejectRefund::url() class="stack" novalidate>
                                                    <input type="hidden" name="refund_id" value=r.id/>
                                                    <Field name="decision_note" label=t.decision_note_label maxlength=200/>
                                                    <button class="btn btn-ghost btn-block" type="submit">{t.reject_refund}</button>
                                                </form>
                                            </div>
                                        })}
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    </section>
                })}
                {(!o.ship_to.is_empty()).then(|| view! {
                    <section class="card">
                        <h2 class="section-title">{if o.delivery == Delivery::Pickup { t.delivery_pickup } else { t.delivery_ship }}</h2>
                        <p>{o.ship_to.clone()}</p>
                        {(!o.note.is_empty()).then(|| view! { <p class="muted small">{t.note_label}": "{o.note.clone()}</p> })}
                    </section>
                })}
                <section class="card">
                    <dl class="facts">
                        <dt>{t.order_no}</dt><dd class="mono">{o.id}</dd>
                        <dt>{t.buyer_label}</dt><dd>{o.buyer_name.clone()}</dd>
                        <dt>{t.created_at}</dt><dd>{format_local(o.created_at, &tz)}</dd>
                        {o.paid_at.map(|at| view! { <dt>{t.paid_at}</dt><dd>{format_local(at, &tz)}</dd> })}
                    </dl>
                </section>
                <section class="card">
                    <h2 class="section-title">{t.timeline}</h2>
                    <ol class="timeline">
                        {o.events.iter().rev().map(|e| view! {
                            <li>
                                <span class="timeline-status">{lang().status(e.to)}</span>
                                <span class="muted small">{format_local(e.at, &tz)}" · "{lang().actor(&e.actor)}</span>
                            </li>
                        }).collect_view()}
                    </ol>
                </section>
            </Page>
        }
    })
}

#[component]
pub fn RefundRequestPage() -> impl IntoView {
    let t = t();
    let id = param_id("id");
    let line_id: i64 = query("line").and_then(|v| v.parse().ok()).unwrap_or(0);
    load(load_order(id), move |d: OrderData| {
        let o = d.order;
        let line = o.lines.iter().find(|l| l.id == line_id).cloned();
        let asked = o
            .refunds
            .iter()
            .filter(|r| {
                r.line_id == Some(line_id) && r.kind == RefundKind::Member && r.status != RefundStatus::Rejected
            })
            .map(|r| r.amount)
            .sum::<domain::money::Fen>();
        view! {
            <Page title=t.request_refund back=format!("/orders/{}", o.id)>
                {match line {
                    None => view! { <Empty text=t.not_found_body/> }.into_any(),
                    Some(l) => {
                        let max = l.amount.saturating_sub(asked);
                        view! {
                            <section class="card">
                                <Lines lines=vec![l.clone()]/>
                            </section>
                            <form method="post" action=RequestRefund::url() class="card stack" novalidate>
                                <input type="hidden" name="order_id" value=o.id/>
                                <input type="hidden" name="line_id" value=l.id/>
                                <Field name="amount" label=t.refund_amount_label value=max.input_value() inputmode="decimal" required=true/>
                                <Field name="reason" label=t.refund_reason_label kind="textarea" required=true maxlength=200/>
                                <p class="rule">{t.refund_rule}</p>
                                <button class="btn btn-primary btn-block" type="submit">{t.request_refund}</button>
                            </form>
                        }.into_any()
                    }
                }}
            </Page>
        }
    })
}

#[component]
pub fn NotificationsPage() -> impl IntoView {
    let t = t();
    load(load_notifications(), move |d: NotificationsData| {
        view! {
            <Page title=t.notifications_title back="/me".to_string()>
                {if d.items.is_empty() {
                    view! { <Empty text=t.no_notifications/> }.into_any()
                } else {
                    view! {
                        <ul class="card-list">
                            {d.items.into_iter().map(|n| {
                                let text = lang().notification(&n.kind, n.amount);
                                let when = format_local(n.created_at, "Asia/Shanghai");
                                let body = view! {
                                    <p>{text}</p>
                                    <p class="muted small">{when}</p>
                                };
                                view! {
                                    <li class="card notification" class:unread=n.unread>
                                        {match (n.kind.as_str(), n.order_id) {
                                            // Commissions and withdrawals are explained on 我的推广,
                                            // not on the buyer's order.
                                            ("commission_pending" | "commission_settled" | "withdrawal_paid" | "withdrawal_rejected", _) => {
                                                view! { <a href="/me/promote">{body}</a> }.into_any()
                                            }
                                            ("withdrawal_requested" | "distributor_applied", _) => {
                                                view! { <a href="/console">{body}</a> }.into_any()
                                            }
                                            (_, Some(id)) => view! { <a href=format!("/orders/{id}")>{body}</a> }.into_any(),
                                            (_, None) => body.into_any(),
                                        }}
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }}
            </Page>
        }
    })
}
