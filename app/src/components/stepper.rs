//! The quantity stepper on the order confirmation page. It is an island: on the server it
//! renders a plain number input that works without JavaScript; in the browser it adds − / +
//! buttons and a live total computed with the same domain function the server charges with.

use crate::domain::catalogue::ProductStatus;
use crate::domain::money::Fen;
use crate::domain::order::{quote_buy_now, SaleItem};
use crate::i18n::Lang;
use leptos::prelude::*;

#[island]
pub fn QuantityStepper(
    price: i64,
    stock: i64,
    limit: i64,
    initial: i64,
    lang: Lang,
    error_id: Option<String>,
) -> impl IntoView {
    let t = lang.t();
    let max = stock.min(limit).max(1);
    // What the member typed last time is shown as typed, even when it was refused.
    let (qty, set_qty) = signal(initial.max(1));
    let (live, set_live) = signal(false);
    // Effects run only in the browser: the buttons and total appear once the island is live.
    Effect::new(move |_| set_live.set(true));
    let item = SaleItem { price: Fen(price), stock, per_order_limit: limit, status: ProductStatus::OnSale };
    let total = move || quote_buy_now(&item, qty.get()).map(|q| q.total.display()).unwrap_or_default();
    let invalid = error_id.is_some().then_some("true");
    view! {
        <div class="stepper">
            <label for="f-quantity">{t.quantity}</label>
            <div class="stepper-controls">
                <button type="button" class="stepper-btn" aria-label=t.decrease hidden=move || !live.get()
                    disabled=move || { qty.get() <= 1 } on:click=move |_| set_qty.update(|q| *q = (*q - 1).max(1))>"−"</button>
                <input id="f-quantity" name="quantity" type="number" inputmode="numeric" min="1" max=max
                    aria-invalid=invalid aria-describedby=error_id value=initial.max(1).to_string()
                    prop:value=move || qty.get().to_string()
                    on:input=move |ev| {
                        if let Ok(v) = event_target_value(&ev).trim().parse::<i64>() {
                            set_qty.set(v.clamp(1, max));
                        }
                    }/>
                <button type="button" class="stepper-btn" aria-label=t.increase hidden=move || !live.get()
                    disabled=move || { qty.get() >= max } on:click=move |_| set_qty.update(|q| *q = (*q + 1).min(max))>"+"</button>
            </div>
        </div>
        <p class="stepper-total" hidden=move || !live.get() aria-live="polite">
            {t.total}" "<strong class="price-inline">{total}</strong>
        </p>
    }
}
