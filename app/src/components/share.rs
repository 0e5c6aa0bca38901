//! Sharing a product as a distributor: "分享赚 ¥X", the share sheet and the poster.

use crate::components::{lang, t};
use leptos::prelude::*;

/// "分享赚 ¥X" with the member's link, the share sheet and the poster.
#[component]
pub fn ShareEarnCard(share: crate::api::distribution::ShareEarn, title: String, text: String) -> impl IntoView {
    use crate::components::team::ShareButton;
    let l = lang();
    view! {
        <section class="card share-earn" data-share-earn>
            <ShareButton url=share.link.clone() title=title text=text words=l.share_words() label=String::new() earn=Some(share.preview)/>
            <a class="text-link small" href=share.poster.clone()>{t().poster}</a>
        </section>
    }
}
