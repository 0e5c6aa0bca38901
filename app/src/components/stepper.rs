//! The options and quantity on the order confirmation page. It is an island: on the server it
//! renders plain radio buttons and a number input that work without JavaScript; in the browser it
//! adds − / + buttons and a live total computed with the same domain function the server charges
//! with.

use crate::i18n::BuyWords;
use domain::catalogue::ProductStatus;
use domain::checkout::{totals, Delivery, ShippingRule};
use domain::money::Fen;
use domain::order::{quote_buy_now, SaleItem};
use leptos::either::Either;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// A SKU as the buyer chooses it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkuOption {
    pub id: i64,
    pub label: String,
    pub price: i64,
    pub stock: i64,
}

/// A way to receive the goods: `addr:<id>` for an address, `pickup` for the pickup point.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryOption {
    pub value: String,
    pub label: String,
}

#[island]
#[expect(clippy::too_many_arguments, reason = "an island takes its props as arguments")]
pub fn BuyOptions(
    skus: Vec<SkuOption>,
    /// The options' name: `辣度`, `重量 / 辣度`.
    spec_name: String,
    selected: Option<i64>,
    limit: i64,
    initial: i64,
    words: BuyWords,
    sku_error: Option<String>,
    quantity_error: Option<String>,
    deliveries: Vec<DeliveryOption>,
    delivery_selected: Option<String>,
    delivery_error: Option<String>,
    /// The community's shipping rule, in fen: flat fee, and the goods amount from which it is waived.
    shipping_fee: i64,
    free_over: i64,
) -> impl IntoView {
    let t = StoredValue::new(words);
    // What the member chose or typed last time is shown as it was, even when it was refused.
    let first_available = skus.iter().find(|s| s.stock > 0).map(|s| s.id);
    let start =
        selected.filter(|id| skus.iter().any(|s| s.id == *id)).or(if skus.len() == 1 { first_available } else { None });
    let (sku, set_sku) = signal(start);
    let (qty, set_qty) = signal(initial.max(1));
    let (live, set_live) = signal(false);
    let qty_input = NodeRef::<leptos::html::Input>::new();
    let chips = NodeRef::<leptos::html::Div>::new();
    let ways = NodeRef::<leptos::html::Div>::new();
    let (delivery, set_delivery) = signal(delivery_selected.clone());
    // Effects run only in the browser. A member may have chosen or typed before the island woke
    // up, so it starts from what the page shows; then the buttons and total appear.
    Effect::new(move |_| {
        use wasm_bindgen::JsCast;
        let checked = chips.get_untracked().and_then(|d| d.query_selector("input:checked").ok().flatten());
        if let Some(id) =
            checked.and_then(|el| el.dyn_into::<web_sys::HtmlInputElement>().ok()).and_then(|i| i.value().parse().ok())
        {
            set_sku.set(Some(id));
        }
        if let Some(v) = qty_input.get_untracked().and_then(|i| i.value().trim().parse::<i64>().ok()) {
            set_qty.set(v.max(1));
        }
        let way = ways.get_untracked().and_then(|d| d.query_selector("input:checked").ok().flatten());
        if let Some(v) = way.and_then(|el| el.dyn_into::<web_sys::HtmlInputElement>().ok()).map(|i| i.value()) {
            set_delivery.set(Some(v));
        }
        set_live.set(true);
    });
    let options = StoredValue::new(skus.clone());
    let current = move || sku.get().and_then(|id| options.with_value(|o| o.iter().find(|s| s.id == id).cloned()));
    let max = move || current().map(|s| s.stock.min(limit).max(1)).unwrap_or(limit);
    let rule = ShippingRule { flat_fee: Fen(shipping_fee), free_over: Fen(free_over) };
    // The same functions the server charges with: the line's price, then the shipping rule.
    let amounts = move || {
        let s = current()?;
        let item =
            SaleItem { price: Fen(s.price), stock: s.stock, per_order_limit: limit, status: ProductStatus::OnSale };
        let line = quote_buy_now(&item, qty.get()).ok()?;
        let way = if delivery.get().as_deref() == Some("pickup") { Delivery::Pickup } else { Delivery::Ship };
        totals(&[line.goods], rule, way).ok()
    };
    let total = move || amounts().map(|t| t.total.display());
    let free = t.with_value(|t| t.free_shipping.clone());
    let shipping =
        move || amounts().map(|t| if t.shipping == Fen::ZERO { free.to_string() } else { t.shipping.display() });
    let many = skus.len() > 1;
    let sku_invalid = sku_error.is_some();
    let qty_invalid = quantity_error.is_some().then_some("true");
    let chooser = if many {
        Either::Left(view! {
            <fieldset class="sku-chooser" aria-invalid=sku_invalid.then_some("true")>
                <legend>{spec_name}</legend>
                <div class="sku-chips" node_ref=chips>
                    {skus.into_iter().map(|s| {
                        let id = s.id;
                        let out = s.stock == 0;
                        let note = t.with_value(|t| if out { t.sold_out.clone() } else { t.left.fill(s.stock) });
                        view! {
                            <label class="sku-chip" class:out=out>
                                <input type="radio" name="sku_id" value=id checked=start == Some(id) disabled=out
                                    on:change=move |_| set_sku.set(Some(id))/>
                                <span class="sku-chip-label">{s.label}</span>
                                <span class="sku-chip-price">{Fen(s.price).display()}</span>
                                <span class="sku-chip-note">{note}</span>
                            </label>
                        }
                    }).collect_view()}
                </div>
                {sku_error.map(|e| view! { <p class="field-error" id="f-sku_id-error">{e}</p> })}
            </fieldset>
        })
    } else {
        let id = skus.first().map(|s| s.id).unwrap_or_default();
        Either::Right(view! { <input type="hidden" name="sku_id" value=id/> })
    };
    let delivery_invalid = delivery_error.is_some().then_some("true");
    let delivery_view = view! {
        <fieldset class="delivery-chooser" aria-invalid=delivery_invalid>
            <legend>{t.with_value(|t| t.delivery_label.clone())}</legend>
            <div class="delivery-options" node_ref=ways>
                {deliveries.into_iter().map(|d| {
                    let value = d.value.clone();
                    let checked = delivery_selected.as_deref() == Some(d.value.as_str());
                    view! {
                        <label class="delivery-option">
                            <input type="radio" name="delivery" value=d.value.clone() checked=checked
                                on:change=move |_| set_delivery.set(Some(value.clone()))/>
                            <span>{d.label}</span>
                        </label>
                    }
                }).collect_view()}
            </div>
            {delivery_error.map(|e| view! { <p class="field-error" id="f-delivery-error">{e}</p> })}
        </fieldset>
    };
    view! {
        {chooser}
        {delivery_view}
        <div class="stepper">
            <label for="f-quantity">{t.with_value(|t| t.quantity.clone())}</label>
            <div class="stepper-controls">
                <button type="button" class="stepper-btn" aria-label=t.with_value(|t| t.decrease.clone()) hidden=move || !live.get()
                    disabled=move || { qty.get() <= 1 } on:click=move |_| set_qty.update(|q| *q = (*q - 1).max(1))>"−"</button>
                <input id="f-quantity" name="quantity" type="number" inputmode="numeric" min="1" max=max node_ref=qty_input
                    aria-invalid=qty_invalid aria-describedby=quantity_error.as_ref().map(|_| "f-quantity-error")
                    value=initial.max(1).to_string()
                    prop:value=move || qty.get().to_string()
                    on:input=move |ev| {
                        if let Ok(v) = event_target_value(&ev).trim().parse::<i64>() {
                            set_qty.set(v.clamp(1, max()));
                        }
                    }/>
                <button type="button" class="stepper-btn" aria-label=t.with_value(|t| t.increase.clone()) hidden=move || !live.get()
                    disabled=move || { qty.get() >= max() } on:click=move |_| set_qty.update(|q| *q = (*q + 1).min(max()))>"+"</button>
            </div>
        </div>
        {quantity_error.map(|e| view! { <p class="field-error" id="f-quantity-error">{e}</p> })}
        // The total is never empty text: an empty text node is not in the server's HTML, so the
        // browser would have nothing to update.
        <p class="stepper-total" hidden=move || !live.get() || total().is_none() aria-live="polite">
            <span class="muted small">{t.with_value(|t| t.shipping_amount.clone())}" "{move || shipping().unwrap_or_else(|| "—".into())}</span>" "
            {t.with_value(|t| t.total.clone())}" "<strong class="price-inline">{move || total().unwrap_or_else(|| "—".into())}</strong>
        </p>
    }
}
