//! The cart and its checkout.

use crate::api::cart::*;
use crate::components::form::Field;
use crate::components::layout::{Empty, Page};
use crate::components::{flash, lang, load, t};
use domain::catalogue::product_image_url;
use domain::checkout::{totals, CartLineState, Delivery};
use domain::model::CartItem;
use domain::money::Fen;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

fn state_text(s: CartLineState) -> Option<String> {
    let t = t();
    match s {
        CartLineState::Ready => None,
        CartLineState::OffSale => Some(t.state_off_sale.to_string()),
        CartLineState::SoldOut => Some(t.sold_out.to_string()),
        CartLineState::NotEnough { left } => Some(lang().left(left)),
        CartLineState::OverLimit { limit } => Some(lang().rule(&domain::Error::OverOrderLimit { limit })),
    }
}

#[component]
fn CartLine(item: CartItem) -> impl IntoView {
    let t = t();
    let problem = state_text(item.state);
    let blocked = problem.is_some();
    view! {
        <li class="cart-line" class:blocked=blocked>
            <a href=format!("/p/{}", item.product_id)>
                <img src=product_image_url(&item.image) alt="" width="64" height="64" loading="lazy"/>
            </a>
            <div class="cart-line-body">
                <p class="order-line-title">{item.title.clone()}</p>
                {(!item.spec.is_empty()).then(|| view! { <p class="muted small">{item.spec.clone()}</p> })}
                <p class="price-inline">{item.price.display()}</p>
                {problem.map(|p| view! { <p class="field-error">{p}</p> })}
                <div class="cart-line-actions">
                    <form method="post" action=UpdateCartItem::url() class="inline-form">
                        <input type="hidden" name="item_id" value=item.id/>
                        <label class="sr-only" for=format!("q-{}", item.id)>{t.quantity}</label>
                        <input id=format!("q-{}", item.id) class="qty-input" name="quantity" type="number" inputmode="numeric" min="0" value=item.quantity/>
                        <button class="btn btn-ghost btn-small" type="submit">{t.update}</button>
                    </form>
                    <form method="post" action=RemoveCartItem::url()>
                        <input type="hidden" name="item_id" value=item.id/>
                        <button class="btn btn-ghost btn-small" type="submit">{t.remove}</button>
                    </form>
                </div>
            </div>
        </li>
    }
}

#[component]
pub fn CartPage() -> impl IntoView {
    let t = t();
    load(load_cart(), move |d: CartData| {
        let ready: Vec<Fen> = d
            .groups
            .iter()
            .flat_map(|g| g.items.iter())
            .filter(|i| i.state == CartLineState::Ready)
            .map(|i| i.price * i.quantity)
            .collect();
        let goods: Fen = ready.iter().sum();
        let any_ready = !ready.is_empty();
        let checkout_href = if d.signed_in { "/checkout".to_string() } else { "/signin?next=/checkout".to_string() };
        let checkout_label = if d.signed_in { t.go_checkout } else { t.sign_in_to_checkout };
        view! {
            <Page title=t.cart_title back="/".to_string()>
                // A refused quantity change: say why at the top (the line shows its own state too).
                {flash().error.filter(|e| e.field().is_some()).map(|e| view! { <p class="banner banner-error" role="alert">{lang().error(&e)}</p> })}
                {if d.groups.is_empty() {
                    view! { <Empty text=t.cart_empty action=(t.go_shopping, "/c".to_string())/> }.into_any()
                } else {
                    view! {
                        {d.groups.into_iter().map(|g| view! {
                            <section class="card">
                                <h2 class="section-title">{g.community_name}</h2>
                                <ul class="cart-lines">
                                    {g.items.into_iter().map(|item| view! { <CartLine item/> }).collect_view()}
                                </ul>
                            </section>
                        }).collect_view()}
                        <section class="card cart-foot">
                            <p>{t.goods_amount}" "<strong class="price-inline">{goods.display()}</strong></p>
                            {any_ready.then(|| view! { <a class="btn btn-buy" href=checkout_href.clone()>{checkout_label}</a> })}
                        </section>
                    }.into_any()
                }}
            </Page>
        }
    })
}

#[component]
pub fn CheckoutPage() -> impl IntoView {
    let t = t();
    load(load_checkout(), move |d: CheckoutData| {
        let f = flash();
        let pickup_everywhere = !d.groups.is_empty() && d.groups.iter().all(|g| !g.community.pickup_point.is_empty());
        let mut choices: Vec<(String, String)> = d
            .addresses
            .iter()
            .map(|a| (format!("addr:{}", a.id), format!("{} {}", t.delivery_ship, a.one_line())))
            .collect();
        if pickup_everywhere {
            choices.push(("pickup".into(), t.delivery_pickup.to_string()));
        }
        let selected = f
            .value("delivery")
            .filter(|v| !v.is_empty())
            .or_else(|| d.addresses.iter().find(|a| a.is_default).map(|a| format!("addr:{}", a.id)))
            .or_else(|| choices.first().map(|c| c.0.clone()));
        let delivery_error = f.error_for("delivery").map(|e| lang().error(&e));
        let delivery_invalid = delivery_error.is_some().then_some("true");
        // Shown for courier delivery; the cashier shows each order's exact amount before paying.
        let group_totals: Vec<_> = d
            .groups
            .iter()
            .map(|g| {
                let amounts: Vec<Fen> = g.items.iter().map(|i| i.price * i.quantity).collect();
                totals(&amounts, g.community.shipping_rule(), Delivery::Ship).ok()
            })
            .collect();
        let grand: Fen = group_totals.iter().flatten().map(|t| t.total).sum();
        view! {
            <Page title=t.checkout_title back="/cart".to_string()>
                {if d.groups.is_empty() {
                    view! { <Empty text=t.cart_empty action=(t.go_shopping, "/c".to_string())/> }.into_any()
                } else {
                    view! {
                        {(d.left_out > 0).then(|| view! { <p class="banner banner-warn">{t.left_out_note}</p> })}
                        <form method="post" action=CheckoutCart::url() class="stack" novalidate>
                            <input type="hidden" name="checkout_key" value=d.checkout_key.clone()/>
                            <fieldset class="card delivery-chooser" aria-invalid=delivery_invalid>
                                <legend>{t.delivery_label}</legend>
                                <div class="delivery-options">
                                    {choices.into_iter().map(|(value, label)| {
                                        let checked = selected.as_deref() == Some(value.as_str());
                                        view! {
                                            <label class="delivery-option">
                                                <input type="radio" name="delivery" value=value checked=checked/>
                                                <span>{label}</span>
                                            </label>
                                        }
                                    }).collect_view()}
                                </div>
                                {delivery_error.map(|e| view! { <p class="field-error" id="f-delivery-error">{e}</p> })}
                                <a class="text-link" href="/me/addresses/new?next=/checkout">{t.add_address}</a>
                                {pickup_everywhere.then(|| view! { <p class="muted small">{t.pickup_note}</p> })}
                            </fieldset>
                            {d.groups.into_iter().zip(group_totals).map(|(g, tot)| view! {
                                <section class="card">
                                    <h2 class="section-title">{g.community.name.clone()}</h2>
                                    {g.items.into_iter().map(|i| view! {
                                        <div class="order-line">
                                            <img src=product_image_url(&i.image) alt="" width="56" height="56" loading="lazy"/>
                                            <div class="order-line-body">
                                                <p class="order-line-title">{i.title.clone()}</p>
                                                <p class="muted small">{i.spec.clone()}" "{i.price.display()}" "{lang().quantity_times(i.quantity)}</p>
                                            </div>
                                            <p class="order-line-amount">{(i.price * i.quantity).display()}</p>
                                        </div>
                                    }).collect_view()}
                                    {tot.map(|t2| view! {
                                        <dl class="amounts">
                                            <dt>{t.goods_amount}</dt><dd>{t2.goods.display()}</dd>
                                            <dt>{t.shipping_amount}</dt><dd>{if t2.shipping == Fen::ZERO { t.free_shipping.to_string() } else { t2.shipping.display() }}</dd>
                                        </dl>
                                    })}
                                    <p class="muted small">{lang().shipping_rule(g.community.shipping_fee, g.community.free_shipping_over)}</p>
                                </section>
                            }).collect_view()}
                            <section class="card">
                                <Field name="note" label=t.note_label maxlength=100/>
                            </section>
                            <p class="rule">{t.pay_rule}</p>
                            <div class="cart-foot card">
                                <p>{t.grand_total}" "<strong class="price-inline">{grand.display()}</strong></p>
                                <button class="btn btn-buy" type="submit">{t.submit_and_pay}</button>
                            </div>
                        </form>
                    }.into_any()
                }}
            </Page>
        }
    })
}
