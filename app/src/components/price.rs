//! The price tag: `¥35.00` with a smaller `¥`, the unit, the struck original price and the saving.

use super::lang;
use domain::catalogue::saving;
use domain::money::Fen;
use leptos::prelude::*;

/// `¥35.00/斤 ¥90.00 省¥55`: the price large and red with a smaller `¥`, the struck original
/// price in grey, and the saving when there is one.
#[component]
pub fn PriceTag(
    price: Fen,
    #[prop(default = Fen::ZERO)] original: Fen,
    #[prop(optional, into)] unit: String,
    #[prop(optional)] large: bool,
    #[prop(optional)] show_saving: bool,
    /// The lowest of several prices: shown with 起.
    #[prop(optional)]
    from: bool,
) -> impl IntoView {
    let t = lang().t();
    let number = price.number();
    let (int_part, frac) =
        number.split_once('.').map(|(a, b)| (a.to_string(), b.to_string())).unwrap_or((number.clone(), String::new()));
    let struck = (original > price).then(|| {
        view! {
            <s class="price-original"><span class="sr-only">{t.original_price_label}" "</span>{original.display()}</s>
        }
    });
    let save = if show_saving {
        saving(price, original).map(|s| view! { <span class="price-saving">{lang().saving(s)}</span> })
    } else {
        None
    };
    view! {
        <span class="price-tag" class:large=large>
            <span class="price">
                <span class="sr-only">{t.price_label}" "</span>
                <span class="price-sign">"¥"</span>
                <span class="price-int">{int_part}</span>
                <span class="price-frac">"."{frac}</span>
                {(!unit.is_empty() && !from).then(|| view! { <span class="price-unit">"/"{unit.clone()}</span> })}
                {from.then(|| view! { <span class="price-unit">{t.price_from}</span> })}
            </span>
            {struck}
            {save}
        </span>
    }
}
