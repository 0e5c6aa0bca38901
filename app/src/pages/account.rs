//! 我的, sign-in and sign-up.

use super::query;
use crate::api::account::*;
use crate::api::orders::{load_me, MeData};
use crate::components::form::Field;
use crate::components::layout::{Icon, Page, Tab};
use crate::components::{flash, lang, load, t};
use domain::account::safe_next;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

/// The `next` path carried through sign-in (from the query, or from the form that came back).
fn next_path() -> Option<String> {
    safe_next(query("next").or_else(|| flash().value("next")).as_deref())
}

fn with_next(base: &str, next: &Option<String>) -> String {
    match next {
        Some(n) => {
            format!("{base}?next={}", n.replace('%', "%25").replace('&', "%26").replace('?', "%3F").replace('=', "%3D"))
        }
        None => base.to_string(),
    }
}

#[component]
pub fn SignUpPage() -> impl IntoView {
    let t = t();
    let next = next_path();
    view! {
        <Page title=t.sign_up back="/me".to_string()>
            <section class="card auth-card">
                <h2 class="auth-title">{t.signup_title}</h2>
                <p class="muted">{t.signup_lead}</p>
                <form method="post" action=SignUp::url() class="stack" novalidate>
                    <input type="hidden" name="next" value=next.clone().unwrap_or_default()/>
                    <Field name="account" label=t.account_label placeholder=t.account_placeholder autocomplete="username" required=true/>
                    <Field name="password" label=t.password_label kind="password" placeholder=t.password_placeholder autocomplete="new-password" required=true/>
                    <Field name="nickname" label=t.nickname_label autocomplete="nickname" maxlength=20/>
                    <button class="btn btn-primary btn-block" type="submit">{t.signup_submit}</button>
                </form>
                <a class="auth-switch" href=with_next("/signin", &next)>{t.have_account}</a>
            </section>
        </Page>
    }
}

#[component]
pub fn SignInPage() -> impl IntoView {
    let t = t();
    let next = next_path();
    view! {
        <Page title=t.sign_in back="/me".to_string()>
            <section class="card auth-card">
                <h2 class="auth-title">{t.signin_title}</h2>
                <form method="post" action=SignIn::url() class="stack" novalidate>
                    <input type="hidden" name="next" value=next.clone().unwrap_or_default()/>
                    <Field name="account" label=t.account_label placeholder=t.account_placeholder autocomplete="username" required=true/>
                    <Field name="password" label=t.password_label kind="password" autocomplete="current-password" required=true/>
                    <button class="btn btn-primary btn-block" type="submit">{t.signin_submit}</button>
                </form>
                <a class="auth-switch" href=with_next("/signup", &next)>{t.no_account}</a>
            </section>
        </Page>
    }
}

/// 账号与安全: change the password, sign out everywhere.
#[component]
pub fn SecurityPage() -> impl IntoView {
    let t = t();
    load(load_me(), move |d: MeData| {
        if d.viewer.is_none() {
            return view! {
                <Page title=t.security_title back="/me".to_string()>
                    <section class="card"><p>{t.visitor_hint}</p><a class="btn btn-primary" href="/signin?next=/me/security">{t.sign_in}</a></section>
                </Page>
            }
            .into_any();
        }
        view! {
            <Page title=t.security_title back="/me".to_string()>
                <section class="card">
                    <h2 class="section-title">{t.change_password}</h2>
                    <p class="muted small">{t.change_password_hint}</p>
                    <form method="post" action=ChangePassword::url() class="stack" novalidate>
                        <Field name="current_password" label=t.current_password_label kind="password" autocomplete="current-password" required=true/>
                        <Field name="password" label=t.new_password_label kind="password" autocomplete="new-password" required=true/>
                        <button class="btn btn-primary btn-block" type="submit">{t.change_password}</button>
                    </form>
                </section>
                <section class="card">
                    <h2 class="section-title">{t.sign_out_everywhere}</h2>
                    <p class="muted small">{t.sign_out_everywhere_hint}</p>
                    <form method="post" action=SignOutEverywhere::url()>
                        <button class="btn btn-ghost btn-block" type="submit">{t.sign_out_everywhere}</button>
                    </form>
                </section>
            </Page>
        }
        .into_any()
    })
}

#[component]
pub fn MePage() -> impl IntoView {
    let t = t();
    load(load_me(), move |d: MeData| {
        let counts = d.counts.clone();
        let count = move |k: &str| counts.get(k).copied().unwrap_or(0);
        let shortcut = |label: &'static str, n: i64, icon: &'static str, tab: &'static str| {
            view! {
                <a class="shortcut" href=format!("/orders?tab={tab}")>
                    <span class="shortcut-icon"><Icon name=icon/>{(n > 0).then(|| view! { <span class="count">{n}</span> })}</span>
                    <span>{label}</span>
                </a>
            }
        };
        let head = match &d.viewer {
            Some(v) => view! {
                <section class="card me-head">
                    <span class="avatar" aria-hidden="true">{v.nickname.chars().next().map(String::from).unwrap_or_default()}</span>
                    <div>
                        <h2>{v.nickname.clone()}</h2>
                        <p class="muted small">{lang().signed_in_as(&v.account_masked)}</p>
                    </div>
                </section>
            }
            .into_any(),
            None => view! {
                <section class="card me-head">
                    <span class="avatar" aria-hidden="true">"?"</span>
                    <div>
                        <h2>{t.visitor}</h2>
                        <p class="muted small">{t.visitor_hint}</p>
                    </div>
                </section>
                <div class="button-row">
                    <a class="btn btn-primary" href="/signin">{t.sign_in}</a>
                    <a class="btn btn-ghost" href="/signup">{t.sign_up}</a>
                </div>
            }
            .into_any(),
        };
        let signed_in = d.viewer.is_some();
        let unread = use_context::<crate::components::Unread>().map(|u| u.0).unwrap_or(0);
        let current = lang();
        view! {
            <Page title=t.me_title tab=Tab::Me>
                {head}
                {signed_in.then(|| view! {
                    <section class="card">
                        <a class="row-link" href="/orders"><h2 class="section-title">{t.all_orders}</h2><Icon name="chevron"/></a>
                        <div class="shortcuts">
                            {shortcut(t.to_pay, count("pending_payment"), "wallet", "pending_payment")}
                            {shortcut(t.to_ship, count("paid"), "box", "paid")}
                            {shortcut(t.to_receive, count("shipped"), "truck", "shipped")}
                        </div>
                    </section>
                    <section class="card">
                        <a class="row-link" href="/me/notifications">
                            <span>{t.notifications_title}{(unread > 0).then(|| view! { " "<span class="badge badge-hot">{unread}" "{t.unread_label}</span> })}</span>
                            <Icon name="chevron"/>
                        </a>
                        <a class="row-link" href="/cart"><span>{t.cart_title}</span><Icon name="chevron"/></a>
                        <a class="row-link" href="/me/addresses"><span>{t.addresses_title}</span><Icon name="chevron"/></a>
                        <a class="row-link" href="/me/promote"><span>{t.promote_title}</span><Icon name="chevron"/></a>
                        <a class="row-link" href="/me/security"><span>{t.security_title}</span><Icon name="chevron"/></a>
                    </section>
                    <section class="card">
                        <a class="row-link" href="/console">
                            <span>{if d.owns_communities { t.owner_console } else { t.new_community }}</span>
                            <Icon name="chevron"/>
                        </a>
                    </section>
                })}
                <section class="card">
                    <h2 class="section-title">{t.settings}</h2>
                    <form method="post" action=SetLanguage::url() class="inline-form">
                        <label for="f-lang">{t.language}</label>
                        <select id="f-lang" name="lang">
                            <option value="zh-CN" selected=current == crate::i18n::Lang::Zh>{t.lang_zh}</option>
                            <option value="en" selected=current == crate::i18n::Lang::En>{t.lang_en}</option>
                        </select>
                        <button class="btn btn-ghost btn-small" type="submit">{t.save_language}</button>
                    </form>
                </section>
                {signed_in.then(|| view! {
                    <form method="post" action=SignOut::url()>
                        <button class="btn btn-ghost btn-block" type="submit">{t.sign_out}</button>
                    </form>
                })}
            </Page>
        }
    })
}
