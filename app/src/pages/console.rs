//! The owner console: communities, products and their options and photos, orders, refunds.

use super::param_id;
use crate::api::console::*;
use crate::components::cards::CommunityRow;
use crate::components::console::{ConsoleMenu, Section};
use crate::components::form::{Field, PictureChoice, SelectField};
use crate::components::layout::{Empty, Page};
use crate::components::orders::OrderCard;
use crate::components::price::PriceTag;
use crate::components::{lang, load, page_cursor, t, MoreLink};
use domain::catalogue::{cover_url, product_image_url, ProductStatus, COVERS, PRODUCT_IMAGES};
use domain::model::{Community, Product};
use domain::order::ORDER_TABS;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

#[component]
pub fn ConsoleHome() -> impl IntoView {
    let t = t();
    load(load_console_home(), move |list| {
        view! {
            <Page title=t.console_title back="/me".to_string()>
                <PlayMoneyBanner/>
                <section class="section">
                    <h2 class="section-title">{t.my_communities}</h2>
                    {if list.is_empty() {
                        view! { <Empty text=t.console_empty/> }.into_any()
                    } else {
                        view! {
                            <div class="card-list">
                                {list.into_iter().map(|c| {
                                    let id = c.id;
                                    view! {
                                        <div class="console-community">
                                            <CommunityRow c/>
                                            <a class="btn btn-ghost btn-small" href=format!("/console/c/{id}")>{t.manage_community}</a>
                                        </div>
                                    }
                                }).collect_view()}
                            </div>
                        }.into_any()
                    }}
                </section>
                <a class="btn btn-primary btn-block" href="/console/new">{t.new_community}</a>
            </Page>
        }
    })
}

/// The fields of the community form, filled from `c` when editing.
#[component]
fn CommunityFields(c: Option<Community>) -> impl IntoView {
    let t = t();
    let v = |f: fn(&Community) -> String| c.as_ref().map(f).unwrap_or_default();
    view! {
        <Field name="name" label=t.community_name value=v(|c| c.name.clone()) required=true maxlength=30/>
        <Field name="slug" label=t.slug_label value=v(|c| c.slug.clone()) hint=t.slug_hint required=true maxlength=40 autocomplete="off"/>
        <Field name="intro" label=t.intro_label kind="textarea" value=v(|c| c.intro.clone()) maxlength=500/>
        <PictureChoice name="cover" label=t.cover_label options=COVERS url=cover_url
            value=c.as_ref().map(|c| c.cover.clone()).unwrap_or_else(|| COVERS[0].to_string())/>
        {c.as_ref().map(|c| view! {
            <SelectField name="time_zone" label=t.time_zone_label
                options=domain::time::ZONES.iter().map(|(z, _)| (*z, *z)).collect()
                value=c.time_zone.clone()/>
        })}
    }
}

#[component]
pub fn NewCommunityPage() -> impl IntoView {
    let t = t();
    // Loading the console first makes a visitor sign in before seeing the form.
    load(load_console_home(), move |_| {
        view! {
            <Page title=t.new_community back="/console".to_string()>
                <form method="post" action=CreateCommunity::url() class="card stack" novalidate>
                    <CommunityFields c=None/>
                    <button class="btn btn-primary btn-block" type="submit">{t.new_community}</button>
                </form>
            </Page>
        }
    })
}

#[component]
pub fn ConsoleCommunityPage() -> impl IntoView {
    let t = t();
    let id = param_id("id");
    load(load_console_community(id), move |d: ConsoleCommunity| {
        let c = d.community;
        view! {
            <Page title=c.name.clone() back="/console".to_string()>
                <PlayMoneyBanner/>
                <div class="console">
                    <ConsoleMenu community=c.id slug=c.slug.clone() active=Section::Products/>
                    <div class="console-main">
                        <section class="section">
                            <div class="section-head">
                                <h2 class="section-title">{t.console_products}</h2>
                                <a class="btn btn-primary btn-small" href=format!("/console/c/{}/products/new", c.id)>{t.new_product}</a>
                            </div>
                            {if d.products.is_empty() {
                                view! { <Empty text=t.no_products/> }.into_any()
                            } else {
                                view! {
                                    <ul class="card-list console-products">
                                        {d.products.into_iter().map(|p| {
                                            let status = match p.status {
                                                ProductStatus::Draft => t.status_draft,
                                                ProductStatus::OnSale => t.status_on_sale,
                                                ProductStatus::OffSale => t.status_off_sale,
                                            };
                                            view! {
                                                <li class="card console-product">
                                                    <img src=product_image_url(&p.image) alt="" width="56" height="56" loading="lazy"/>
                                                    <div class="console-product-body">
                                                        <h3>{p.title.clone()}</h3>
                                                        <PriceTag price=p.price original=p.original_price unit=p.unit.clone()/>
                                                        <p class="muted small">{status}" · "{lang().stock_left(p.stock)}" · "{lang().sold(p.sold)}</p>
                                                    </div>
                                                    <div class="reorder">
                                                        <form method="post" action=MoveProduct::url()>
                                                            <input type="hidden" name="product_id" value=p.id/>
                                                            <input type="hidden" name="direction" value="up"/>
                                                            <button class="btn btn-ghost btn-small" type="submit" aria-label=format!("{} {}", t.move_up, p.title)>"↑"</button>
                                                        </form>
                                                        <form method="post" action=MoveProduct::url()>
                                                            <input type="hidden" name="product_id" value=p.id/>
                                                            <input type="hidden" name="direction" value="down"/>
                                                            <button class="btn btn-ghost btn-small" type="submit" aria-label=format!("{} {}", t.move_down, p.title)>"↓"</button>
                                                        </form>
                                                    </div>
                                                    <a class="btn btn-ghost btn-small" href=format!("/console/p/{}", p.id)>{t.edit}</a>
                                                </li>
                                            }
                                        }).collect_view()}
                                    </ul>
                                }.into_any()
                            }}
                        </section>
                        <section class="section" id="shipping">
                            <h2 class="section-title">{t.shipping_settings}</h2>
                            <form method="post" action=UpdateShipping::url() class="card stack" novalidate>
                                <input type="hidden" name="community_id" value=c.id/>
                                <div class="field-row">
                                    <Field name="shipping_fee" label=t.shipping_fee_label value=c.shipping_fee.input_value() inputmode="decimal"/>
                                    <Field name="free_shipping_over" label=t.free_over_label
                                        value={ if c.free_shipping_over.0 > 0 { c.free_shipping_over.input_value() } else { String::new() } } inputmode="decimal"/>
                                </div>
                                <Field name="pickup_point" label=t.pickup_label placeholder=t.pickup_placeholder value=c.pickup_point.clone() maxlength=60/>
                                <button class="btn btn-primary btn-block" type="submit">{t.save}</button>
                            </form>
                        </section>
                        <section class="section" id="settings">
                            <h2 class="section-title">{t.edit_community}</h2>
                            <form method="post" action=UpdateCommunity::url() class="card stack" novalidate>
                                <input type="hidden" name="community_id" value=c.id/>
                                <CommunityFields c=Some(c.clone())/>
                                <button class="btn btn-primary btn-block" type="submit">{t.save}</button>
                            </form>
                        </section>
                    </div>
                </div>
            </Page>
        }
    })
}

/// The product form, for a new product (`p` is None) or an existing one.
#[component]
fn ProductForm(community: Community, p: Option<Product>) -> impl IntoView {
    let t = t();
    let v = |f: fn(&Product) -> String| p.as_ref().map(f).unwrap_or_default();
    let product_id = p.as_ref().map(|p| p.id.to_string());
    view! {
        <form method="post" action=SaveProduct::url() class="card stack" novalidate>
            <input type="hidden" name="community_id" value=community.id/>
            {product_id.map(|id| view! { <input type="hidden" name="product_id" value=id/> })}
            // The stock the owner is looking at (shown again after an error, so the typed value is
            // still compared with what they first saw): saving changes it only over that value.
            {p.as_ref().map(|p| {
                let seen = crate::components::flash().value("stock_seen").unwrap_or_else(|| p.stock.to_string());
                view! { <input type="hidden" name="stock_seen" value=seen/> }
            })}
            <Field name="title" label=t.title_label value=v(|p| p.title.clone()) required=true maxlength=60/>
            <PictureChoice name="image" label=t.image_label options=PRODUCT_IMAGES url=product_image_url
                uploads=p.as_ref().map(|p| p.images.iter().filter(|i| i.starts_with("up:")).cloned().collect()).unwrap_or_default()
                value=p.as_ref().map(|p| p.image.clone()).unwrap_or_else(|| PRODUCT_IMAGES[0].to_string())/>
            <div class="field-row">
                <Field name="price" label=t.price_input value=v(|p| p.price.input_value()) inputmode="decimal" required=true/>
                <Field name="original_price" label=t.original_input
                    value=v(|p| if p.original_price.0 > 0 { p.original_price.input_value() } else { String::new() }) inputmode="decimal"/>
            </div>
            <div class="field-row">
                <Field name="unit" label=t.unit_label value=v(|p| p.unit.clone()) hint=t.unit_hint maxlength=6/>
                <Field name="stock" label=t.stock_label value=p.as_ref().map(|p| p.stock.to_string()).unwrap_or_else(|| "0".into()) inputmode="numeric" required=true/>
            </div>
            <div class="field-row">
                <Field name="per_order_limit" label=t.limit_label value=p.as_ref().map(|p| p.per_order_limit.to_string()).unwrap_or_else(|| "10".into()) inputmode="numeric"/>
                <Field name="per_member_limit" label=t.member_limit_label value=p.as_ref().map(|p| p.per_member_limit.to_string()).unwrap_or_else(|| "0".into()) inputmode="numeric"/>
            </div>
            <SelectField name="status" label=t.status_label
                options=vec![("on_sale", t.status_on_sale), ("draft", t.status_draft), ("off_sale", t.status_off_sale)]
                value=p.as_ref().map(|p| p.status.as_str().to_string()).unwrap_or_else(|| "on_sale".into())/>
            <fieldset class="field spec-fields">
                <legend>{t.spec_section}</legend>
                <p class="field-hint">{t.spec_hint}</p>
                <div class="field-row">
                    <Field name="spec1_name" label=t.spec1_name_label value=v(|p| p.spec1_name.clone()) maxlength=8/>
                    <Field name="spec1_values" label=t.spec1_values_label value=v(|p| spec_values(p, 1))/>
                </div>
                <div class="field-row">
                    <Field name="spec2_name" label=t.spec2_name_label value=v(|p| p.spec2_name.clone()) maxlength=8/>
                    <Field name="spec2_values" label=t.spec2_values_label value=v(|p| spec_values(p, 2))/>
                </div>
                <p class="field-hint">{t.defaults_hint}</p>
            </fieldset>
            <Field name="description" label=t.description_label kind="textarea" value=v(|p| p.description.clone()) maxlength=5000/>
            <button class="btn btn-primary btn-block" type="submit">{t.save}</button>
        </form>
    }
}

/// The values of spec 1 or 2 across a product's SKUs, in order, as the form shows them.
fn spec_values(p: &Product, which: u8) -> String {
    let mut out: Vec<String> = vec![];
    for s in &p.skus {
        let v = if which == 1 { &s.spec1 } else { &s.spec2 };
        if !v.is_empty() && !out.contains(v) {
            out.push(v.clone());
        }
    }
    out.join(", ")
}

/// The product's photos: upload from the phone (camera or album), remove.
#[component]
fn Photos(p: Product) -> impl IntoView {
    let t = t();
    let f = crate::components::flash();
    let error = f.error_for("image").map(|e| lang().error(&e));
    let last = p.images.len() == 1;
    view! {
        <section class="card stack" id="photos">
            <h2 class="section-title">{t.photos_title}</h2>
            <ul class="photo-list">
                {p.images.iter().map(|key| view! {
                    <li>
                        <img src=domain::catalogue::product_thumb_url(key) alt=t.photo_alt width="96" height="96" loading="lazy"/>
                        {(!last).then(|| view! {
                            <form method="post" action=RemoveProductImage::url()>
                                <input type="hidden" name="product_id" value=p.id/>
                                <input type="hidden" name="image" value=key.clone()/>
                                <button class="btn btn-ghost btn-small" type="submit">{t.remove}</button>
                            </form>
                        })}
                    </li>
                }).collect_view()}
            </ul>
            <form method="post" action=format!("/console/p/{}/photos", p.id) enctype="multipart/form-data" class="stack">
                <div class="field" class:has-error=error.is_some()>
                    <label for="f-photo">{t.upload_photo}</label>
                    <input id="f-photo" name="photo" type="file" accept="image/jpeg,image/png,image/webp,image/gif" required/>
                    <p class="field-hint">{t.upload_hint}</p>
                    {error.clone().map(|e| view! { <p class="field-error">{e}</p> })}
                </div>
                <button class="btn btn-ghost btn-block" type="submit">{t.upload_photo}</button>
            </form>
        </section>
    }
}

/// The SKU table: price, original price, stock and code for each combination.
#[component]
fn SkuTable(p: Product) -> impl IntoView {
    let t = t();
    let f = crate::components::flash();
    let echoed = f.values.iter().any(|(k, _)| k.starts_with("skus["));
    let error = f.error.clone().filter(|_| echoed).map(|e| lang().error(&e));
    let val = move |i: usize, field: &str, current: String| f.value(&format!("skus[{i}][{field}]")).unwrap_or(current);
    view! {
        <form method="post" action=SaveSkus::url() class="card stack" id="skus" novalidate>
            <h2 class="section-title">{t.sku_table_title}</h2>
            <input type="hidden" name="product_id" value=p.id/>
            {error.map(|e| view! { <p class="banner banner-error" role="alert">{e}</p> })}
            <div class="sku-table">
                {p.skus.iter().enumerate().map(|(i, s)| {
                    let label = s.label();
                    let name = |field: &str| format!("skus[{i}][{field}]");
                    let original = if s.original_price.0 > 0 { s.original_price.input_value() } else { String::new() };
                    view! {
                        <fieldset class="sku-row">
                            <legend>{label.clone()}</legend>
                            <input type="hidden" name=name("id") value=s.id/>
                            <input type="hidden" name=name("stock_seen") value=val(i, "stock_seen", s.stock.to_string())/>
                            <label>{t.price_input}<input name=name("price") inputmode="decimal" value=val(i, "price", s.price.input_value())/></label>
                            <label>{t.original_input}<input name=name("original_price") inputmode="decimal" value=val(i, "original_price", original)/></label>
                            <label>{t.stock_label}<input name=name("stock") inputmode="numeric" value=val(i, "stock", s.stock.to_string())/></label>
                            <label>{t.code_label}<input name=name("code") value=val(i, "code", s.code.clone())/></label>
                        </fieldset>
                    }
                }).collect_view()}
            </div>
            <button class="btn btn-primary btn-block" type="submit">{t.save}</button>
        </form>
    }
}

#[component]
pub fn NewProductPage() -> impl IntoView {
    let t = t();
    let id = param_id("id");
    load(load_product_editor(Some(id), None), move |d: ProductEditor| {
        let back = format!("/console/c/{}", d.community.id);
        view! {
            <Page title=t.new_product back>
                <ProductForm community=d.community p=None/>
            </Page>
        }
    })
}

#[component]
pub fn EditProductPage() -> impl IntoView {
    let t = t();
    let id = param_id("id");
    load(load_product_editor(None, Some(id)), move |d: ProductEditor| {
        let back = format!("/console/c/{}", d.community.id);
        view! {
            <Page title=t.edit_product back>
                {d.product.clone().map(|p| view! {
                    <a class="card community-card" href=format!("/console/p/{}/group", p.id) data-group-link>
                        <span class="badge badge-team">{t.group_buy}</span>
                        <div><h3>{t.group_activities}</h3></div>
                    </a>
                })}
                {d.product.clone().map(|p| view! { <Photos p/> })}
                {d.product.clone().filter(|p| p.has_specs()).map(|p| view! { <SkuTable p/> })}
                <ProductForm community=d.community p=d.product/>
            </Page>
        }
    })
}

#[component]
pub fn ConsoleOrdersPage() -> impl IntoView {
    let t = t();
    let id = param_id("id");
    let tab = super::query("tab").filter(|v| ORDER_TABS.contains(&v.as_str())).unwrap_or_else(|| "all".into());
    let q = super::query("q").filter(|v| !v.trim().is_empty());
    load(load_console_orders(id, Some(tab.clone()), q.clone(), page_cursor()), move |d: ConsoleOrders| {
        let c = d.community;
        let export = {
            let mut href = format!("/console/c/{}/orders.csv?tab={tab}", c.id);
            if let Some(q) = &q {
                href.push_str(&format!("&q={}", q.replace('&', "%26").replace('#', "%23")));
            }
            href
        };
        view! {
            <Page title=t.console_orders back=format!("/console/c/{}", c.id)>
                <div class="console">
                    <ConsoleMenu community=c.id slug=c.slug.clone() active=Section::Orders/>
                    <div class="console-main">
                        <nav class="order-tabs" aria-label=t.console_orders>
                            {ORDER_TABS.iter().map(|name| {
                                let current = *name == tab;
                                let href = format!("/console/c/{}/orders?tab={name}", c.id);
                                view! { <a href=href class:active=current aria-current=current.then_some("page")>{tab_label(name)}</a> }
                            }).collect_view()}
                        </nav>
                        <form method="get" class="search-form" role="search">
                            <input type="hidden" name="tab" value=tab.clone()/>
                            <label class="sr-only" for="order-search">{t.search_orders}</label>
                            <input id="order-search" name="q" type="search" value=q.clone().unwrap_or_default() placeholder=t.search_orders_placeholder/>
                            <button class="btn btn-ghost btn-small" type="submit">{t.search}</button>
                        </form>
                        <div class="section-head">
                            <p class="muted">
                                {d.next.is_some().then_some(t.on_this_page)}" "{lang().order_count(d.orders.len())}
                            </p>
                            <a class="btn btn-ghost btn-small" href=export download="">{t.export_csv}</a>
                        </div>
                        {if d.orders.is_empty() {
                            view! { <Empty text=t.no_owner_orders/> }.into_any()
                        } else {
                            view! {
                                <div class="card-list">
                                    {d.orders.into_iter().map(|o| view! { <OrderCard o owner_view=true/> }).collect_view()}
                                </div>
                                <MoreLink next=d.next/>
                            }.into_any()
                        }}
                    </div>
                </div>
            </Page>
        }
    })
}

fn tab_label(tab: &str) -> &'static str {
    let t = t();
    match tab {
        "pending_payment" => t.to_pay,
        "paid" => t.to_ship,
        "shipped" => t.to_receive,
        "completed" => t.status_completed,
        "after_sale" => t.console_refunds,
        "cancelled" => t.status_cancelled,
        _ => t.all_orders,
    }
}

#[component]
pub fn ConsoleRefundsPage() -> impl IntoView {
    let t = t();
    let id = param_id("id");
    load(load_refund_queue(id), move |d: RefundQueue| {
        let c = d.community;
        view! {
            <Page title=t.console_refunds back=format!("/console/c/{}", c.id)>
                <div class="console">
                    <ConsoleMenu community=c.id slug=c.slug.clone() active=Section::Refunds/>
                    <div class="console-main">
                        {if d.open.is_empty() {
                            view! { <Empty text=t.no_refunds/> }.into_any()
                        } else {
                            view! {
                                <ul class="card-list">
                                    {d.open.into_iter().map(|(r, order, buyer)| view! {
                                        <li class="card">
                                            <p><strong class="price-inline">{r.amount.display()}</strong>" · "{buyer}</p>
                                            <p class="muted small">{r.reason}</p>
                                            <a class="btn btn-ghost btn-small" href=format!("/orders/{order}")>{t.view_order}</a>
                                        </li>
                                    }).collect_view()}
                                </ul>
                            }.into_any()
                        }}
                    </div>
                </div>
            </Page>
        }
    })
}

/// Tells owners when the sandbox cashier is on in an instance that is not the demo: its
/// payments are play money, and commissions on them cannot be withdrawn.
#[component]
pub fn PlayMoneyBanner() -> impl IntoView {
    #[cfg(feature = "ssr")]
    let on = expect_context::<crate::ctx::AppState>().settings.sandbox_is_play_money();
    #[cfg(not(feature = "ssr"))]
    let on = false;
    on.then(|| view! { <p class="banner banner-warn" role="note">{t().play_money_banner}</p> })
}
