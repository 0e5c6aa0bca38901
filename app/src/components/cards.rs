//! Cards of lists: products in a grid, communities as rows and as a strip.

use super::price::PriceTag;
use super::{lang, t};
use domain::catalogue::{cover_url, product_thumb_url};
use domain::model::{CommunityCard, ProductCard};
use leptos::prelude::*;

/// Square image, two-line title, price tag; the whole card is the link.
#[component]
pub fn ProductTile(p: ProductCard) -> impl IntoView {
    let sold_out = p.stock == 0;
    view! {
        <a class="product-tile" href=format!("/p/{}", p.id)>
            <img class="product-tile-img" src=product_thumb_url(&p.image) alt="" width="300" height="300" loading="lazy"/>
            <div class="product-tile-body">
                <h3 class="product-tile-title">{p.title}</h3>
                <PriceTag price=p.price original=p.original_price unit=p.unit/>
                <p class="product-tile-meta">
                    {if sold_out { t().sold_out.to_string() } else { lang().sold(p.sold) }}
                </p>
            </div>
        </a>
    }
}

#[component]
pub fn ProductGrid(products: Vec<ProductCard>) -> impl IntoView {
    view! {
        <div class="product-grid">
            {products.into_iter().map(|p| view! { <ProductTile p/> }).collect_view()}
        </div>
    }
}

/// Cover, name, member count; links to the community.
#[component]
pub fn CommunityRow(c: CommunityCard) -> impl IntoView {
    let t = t();
    view! {
        <a class="community-row" href=format!("/c/{}", c.slug)>
            <img class="community-row-cover" src=cover_url(&c.cover) alt="" width="56" height="56" loading="lazy"/>
            <div class="community-row-body">
                <h3>{c.name}</h3>
                <p class="muted">{lang().members(c.member_count)}</p>
                <p class="community-row-intro">{c.intro}</p>
            </div>
            {c.joined.then(|| view! { <span class="badge badge-ok">{t.joined}</span> })}
        </a>
    }
}

/// Small round covers in a horizontal strip (home page, communities you joined).
#[component]
pub fn CommunityStrip(items: Vec<CommunityCard>) -> impl IntoView {
    view! {
        <ul class="community-strip">
            {items.into_iter().map(|c| view! {
                <li>
                    <a href=format!("/c/{}", c.slug)>
                        <img src=cover_url(&c.cover) alt="" width="56" height="56"/>
                        <span>{c.name}</span>
                    </a>
                </li>
            }).collect_view()}
        </ul>
    }
}
