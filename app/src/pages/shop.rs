//! What members browse: home, communities, a community, a product.

use super::{param, param_id};
use crate::api::shop::*;
use crate::components::cards::{CommunityRow, CommunityStrip, ProductGrid};
use crate::components::layout::{Empty, Icon, Page, Tab};
use crate::components::price::PriceTag;
use crate::components::share::ShareEarnCard;
use crate::components::{lang, load, page_cursor, t, MoreLink};
use domain::catalogue::{cover_url, product_image_url, ProductStatus};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

#[component]
pub fn Home() -> impl IntoView {
    let t = t();
    load(load_home(), move |d: HomeData| {
        view! {
            <Page title=t.app_name tab=Tab::Home>
                <p class="lead">{t.tagline}</p>
                {(!d.joined.is_empty()).then(|| view! {
                    <section class="section">
                        <h2 class="section-title">{t.home_joined}</h2>
                        <CommunityStrip items=d.joined.clone()/>
                    </section>
                })}
                {(!d.teams.is_empty()).then(|| view! {
                    <section class="section">
                        <h2 class="section-title">{t.home_teams}</h2>
                        <div class="card-list">
                            {d.teams.iter().map(|n| view! {
                                <a class="card team-card" href=format!("/t/{}", n.team.id)>
                                    <img src=domain::catalogue::product_image_url(&n.image) alt="" width="56" height="56" loading="lazy"/>
                                    <div class="open-team-body">
                                        <p class="order-line-title">{n.title.clone()}</p>
                                        <p class="small">
                                            <span class="badge badge-team">{lang().team_of(n.team.team_size)}</span>" "
                                            <strong class="price-inline">{n.price.display()}</strong>" · "{lang().missing(n.team.missing())}
                                        </p>
                                    </div>
                                    <span class="btn btn-team btn-small">{t.go_join}</span>
                                </a>
                            }).collect_view()}
                        </div>
                    </section>
                })}
                <section class="section">
                    <h2 class="section-title">{t.home_popular}</h2>
                    <ProductGrid products=d.popular/>
                </section>
                {(!d.discover.is_empty()).then(|| view! {
                    <section class="section">
                        <h2 class="section-title">{t.home_discover}</h2>
                        <div class="card-list">
                            {d.discover.into_iter().map(|c| view! { <CommunityRow c/> }).collect_view()}
                        </div>
                        <a class="btn btn-ghost btn-block" href="/c">{t.communities_title}</a>
                    </section>
                })}
            </Page>
        }
    })
}

#[component]
pub fn Communities() -> impl IntoView {
    let t = t();
    load(load_communities(page_cursor()), move |page| {
        let (list, next) = (page.items, page.next);
        view! {
            <Page title=t.communities_title tab=Tab::Communities>
                {if list.is_empty() {
                    view! { <Empty text=t.no_communities/> }.into_any()
                } else {
                    view! {
                        <div class="card-list">
                            {list.into_iter().map(|c| view! { <CommunityRow c/> }).collect_view()}
                        </div>
                        <MoreLink next=next/>
                    }.into_any()
                }}
            </Page>
        }
    })
}

#[component]
pub fn CommunityPage() -> impl IntoView {
    let t = t();
    load(load_community(param("slug")), move |d: CommunityData| {
        let c = d.community;
        let join_form = if d.is_owner {
            view! { <a class="btn btn-ghost" href=format!("/console/c/{}", c.id)>{t.manage_community}</a> }.into_any()
        } else if d.is_member {
            view! {
                <form method="post" action=LeaveCommunity::url()>
                    <input type="hidden" name="community_id" value=c.id/>
                    <button class="btn btn-ghost" type="submit">{t.leave}</button>
                </form>
            }
            .into_any()
        } else {
            view! {
                <form method="post" action=JoinCommunity::url()>
                    <input type="hidden" name="community_id" value=c.id/>
                    <button class="btn btn-primary" type="submit">{t.join}</button>
                </form>
            }
            .into_any()
        };
        view! {
            <Page title=c.name.clone() back="/c".to_string() tab=Tab::Communities>
                <section class="community-hero">
                    <img class="community-cover" src=cover_url(&c.cover) alt="" width="780" height="300"/>
                    <div class="community-head">
                        <h2 class="community-name">{c.name.clone()}</h2>
                        <p class="muted">{lang().members(c.member_count)}" · "{t.owner_label}" "{c.owner_name.clone()}</p>
                        {(!c.intro.is_empty()).then(|| view! { <p class="community-intro">{c.intro.clone()}</p> })}
                        <div class="community-actions">
                            {join_form}
                            {d.is_member.then(|| view! { <span class="badge badge-ok">{t.joined}</span> })}
                            {(d.is_member && d.programme_on).then(|| view! {
                                <a class="btn btn-ghost btn-small" href=format!("/c/{}/promote", c.slug) data-promote>{t.promote_title}</a>
                            })}
                        </div>
                    </div>
                </section>
                <section class="section">
                    <h2 class="section-title">{t.products_title}</h2>
                    {if d.products.is_empty() {
                        view! { <Empty text=t.no_products/> }.into_any()
                    } else {
                        view! { <ProductGrid products=d.products/> }.into_any()
                    }}
                </section>
            </Page>
        }
    })
}

#[component]
pub fn ProductPage() -> impl IntoView {
    let t = t();
    let id = param_id("id");
    load(load_product(id), move |d: ProductData| {
        let p = d.product;
        let c = d.community;
        let buyable = p.status == ProductStatus::OnSale && p.stock > 0;
        // A group-buy whose option is no longer on sale is not offered.
        let group = d.group.clone().filter(|g| p.group_option(&g.activity.rules).is_some());
        let group_single = group.as_ref().and_then(|g| p.group_option(&g.activity.rules)).map(|s| s.price);
        let group_option =
            group.as_ref().and_then(|g| p.group_option(&g.activity.rules)).filter(|_| p.has_specs()).map(|s| s.label());
        let action = if buyable {
            let add = if p.skus.len() == 1 {
                view! {
                    <form method="post" action=crate::api::cart::AddToCart::url() class="buybar-form">
                        <input type="hidden" name="product_id" value=p.id/>
                        <input type="hidden" name="quantity" value="1"/>
                        <button class="btn btn-ghost" type="submit">{t.add_to_cart}</button>
                    </form>
                }
                .into_any()
            } else {
                // Options are chosen on the order page, which can also add to the cart.
                view! { <a class="btn btn-ghost" href=format!("/buy/{}", p.id)>{t.add_to_cart}</a> }.into_any()
            };
            match &group {
                // With a group-buy: buy alone, or start a team (or see the one already started).
                Some(g) => {
                    let team_href = match g.my_team {
                        Some(team) => format!("/t/{team}"),
                        None => format!("/buy/{}?group=open:{}", p.id, g.activity.id),
                    };
                    view! {
                        <a class="btn btn-buy btn-split" href=format!("/buy/{}", p.id)>
                            <span class="small">{t.buy_alone}</span><span>{p.price.display()}</span>
                        </a>
                        <a class="btn btn-team btn-split" href=team_href data-start-team>
                            <span class="small">{if g.my_team.is_some() { t.my_team_link } else { t.start_team }}</span>
                            <span>{g.activity.rules.unit_price(true).display()}</span>
                        </a>
                    }
                    .into_any()
                }
                None => view! {
                    {add}
                    <a class="btn btn-buy" href=format!("/buy/{}", p.id)>{t.buy_now}</a>
                }
                .into_any(),
            }
        } else {
            let why = if p.status == ProductStatus::OnSale { t.sold_out } else { t.off_sale };
            view! { <span class="btn btn-disabled" aria-disabled="true">{why}</span> }.into_any()
        };
        let bar = view! {
            <div class="buybar">
                <a class="buybar-icon" href=format!("/c/{}", c.slug)>
                    <Icon name="group"/>
                    <span>{t.community_icon}</span>
                </a>
                <a class="buybar-icon" href="/cart">
                    <Icon name="cart"/>
                    <span>{t.cart_title}</span>
                </a>
                <div class="buybar-actions">{action}</div>
            </div>
        }
        .into_any();
        let description = d.description_html;
        let many = p.images.len() > 1;
        view! {
            <Page title=p.title.clone() back=format!("/c/{}", c.slug) bottom=bar>
                {(p.status == ProductStatus::Draft).then(|| view! { <p class="banner banner-warn">{t.draft_notice}</p> })}
                // Several pictures swipe sideways (scroll snapping, no script needed).
                <div class="gallery" class:many=many>
                    {p.images.iter().enumerate().map(|(i, key)| view! {
                        <img class="product-hero" src=product_image_url(key) alt=format!("{} {}", p.title, i + 1) width="780" height="780"
                            loading=if i == 0 { "eager" } else { "lazy" }/>
                    }).collect_view()}
                </div>
                <section class="price-band">
                    <PriceTag price=p.price original=p.original_price unit=p.unit.clone() large=true show_saving=true from=p.price_varies()/>
                </section>
                <section class="card product-info">
                    <h2 class="product-title">{p.title.clone()}</h2>
                    <p class="product-meta muted">
                        <span>{lang().stock_left(p.stock)}</span>
                        <span>{lang().sold(p.sold)}</span>
                        <span>{lang().per_order_limit(p.per_order_limit, &p.unit)}</span>
                        {(p.per_member_limit > 0).then(|| view! { <span>{lang().per_member_limit(p.per_member_limit, &p.unit)}</span> })}
                    </p>
                    {p.has_specs().then(|| view! {
                        <p class="product-specs">
                            <span class="muted">{t.spec_label}</span>
                            {p.skus.iter().map(|s| view! { <span class="spec-pill" class:out=s.stock == 0>{s.label()}</span> }).collect_view()}
                        </p>
                    })}
                </section>
                {(group.is_some() || d.share.is_some()).then(|| view! { <crate::components::IslandScripts/> })}
                {d.share.clone().map(|s| view! { <ShareEarnCard share=s title=p.title.clone() text=c.name.clone()/> })}
                {group.clone().map(|g| view! {
                    <crate::components::groupbuy::GroupOfferBlock offer=g single=group_single.unwrap_or(p.price)
                        option=group_option.clone() unit=p.unit.clone()/>
                })}
                <a class="card community-card" href=format!("/c/{}", c.slug)>
                    <img src=cover_url(&c.cover) alt="" width="48" height="48"/>
                    <div>
                        <p class="muted small">{t.from_community}</p>
                        <h3>{c.name.clone()}</h3>
                        <p class="muted small">{lang().members(c.member_count)}</p>
                    </div>
                    <span class="btn btn-ghost btn-small">{t.enter_community}</span>
                </a>
                <section class="card">
                    <h2 class="section-title">{t.product_details}</h2>
                    // Sanitized on the server (pulldown-cmark, then ammonia's allow-list).
                    <div class="description" inner_html=description></div>
                </section>
            </Page>
        }
    })
}
