//! The address book.

use super::query;
use crate::api::addresses::*;
use crate::components::form::Field;
use crate::components::layout::{Empty, Page};
use crate::components::{load, t};
use domain::account::safe_next;
use domain::model::Address;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

#[component]
pub fn AddressesPage() -> impl IntoView {
    let t = t();
    load(load_addresses(), move |list: Vec<Address>| {
        view! {
            <Page title=t.addresses_title back="/me".to_string()>
                {if list.is_empty() {
                    view! { <Empty text=t.no_addresses/> }.into_any()
                } else {
                    view! {
                        <ul class="card-list">
                            {list.into_iter().map(|a| view! {
                                <li class="card address">
                                    <p><strong>{a.name.clone()}</strong>" "<span class="mono">{a.phone.clone()}</span>
                                        {a.is_default.then(|| view! { " "<span class="badge badge-ok">{t.default_badge}</span> })}</p>
                                    <p class="muted">{a.region.clone()}" "{a.detail.clone()}</p>
                                    <div class="button-row">
                                        {(!a.is_default).then(|| view! {
                                            <form method="post" action=SetDefaultAddress::url()>
                                                <input type="hidden" name="address_id" value=a.id/>
                                                <button class="btn btn-ghost btn-small btn-block" type="submit">{t.set_default}</button>
                                            </form>
                                        })}
                                        <form method="post" action=RemoveAddress::url()>
                                            <input type="hidden" name="address_id" value=a.id/>
                                            <button class="btn btn-ghost btn-small btn-block" type="submit">{t.remove}</button>
                                        </form>
                                    </div>
                                </li>
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }}
                <a class="btn btn-primary btn-block" href="/me/addresses/new">{t.add_address}</a>
            </Page>
        }
    })
}

#[component]
pub fn NewAddressPage() -> impl IntoView {
    let t = t();
    let next = safe_next(query("next").or_else(|| crate::components::flash().value("next")).as_deref());
    let back = next.clone().unwrap_or_else(|| "/me/addresses".into());
    // Loading the book first sends a visitor to sign in.
    load(load_addresses(), move |existing: Vec<Address>| {
        view! {
            <Page title=t.add_address back>
                <form method="post" action=AddAddress::url() class="card stack" novalidate>
                    <input type="hidden" name="next" value=next.clone().unwrap_or_default()/>
                    <Field name="name" label=t.recipient_label autocomplete="name" required=true maxlength=20/>
                    <Field name="phone" label=t.recipient_phone_label kind="tel" autocomplete="tel" inputmode="tel" required=true/>
                    <Field name="region" label=t.region_label placeholder=t.region_placeholder autocomplete="address-level1" required=true maxlength=40/>
                    <Field name="detail" label=t.detail_label autocomplete="street-address" required=true maxlength=120/>
                    <label class="check">
                        <input type="checkbox" name="make_default" value="1" checked=existing.is_empty()/>
                        <span>{t.make_default_label}</span>
                    </label>
                    <button class="btn btn-primary btn-block" type="submit">{t.save}</button>
                </form>
            </Page>
        }
    })
}
