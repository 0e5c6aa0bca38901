//! Referral and distribution pages: a member's 我的推广 and the leaderboard; the owner's programme,
//! distributors, commissions and withdrawals.

use super::{param, param_id, query};
use crate::api::distribution::*;
use crate::components::form::{Field, SelectField};
use crate::components::layout::{Empty, Page, Tab};
use crate::components::team::ShareButton;
use crate::components::{flash, lang, load, page_cursor, t, MoreLink};
use domain::ledger::MIN_WITHDRAWAL;
use domain::model::distribution::{Standing, Withdrawal};
use domain::referral::{DistributorStatus, WithdrawalStatus};
use domain::time::format_local;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

/// The four balances, from the ledger.
#[component]
fn BalanceGrid(b: domain::model::distribution::Balances) -> impl IntoView {
    let t = t();
    view! {
        <dl class="balance-grid" data-balances>
            <div data-balance="available"><dt>{t.balance_available}</dt><dd class="price-strong">{b.available.display()}</dd></div>
            <div data-balance="pending"><dt>{t.balance_pending}</dt><dd>{b.pending.display()}</dd></div>
            <div data-balance="frozen"><dt>{t.balance_frozen}</dt><dd>{b.frozen.display()}</dd></div>
            <div data-balance="withdrawing"><dt>{t.balance_withdrawing}</dt><dd>{b.withdrawing.display()}</dd></div>
        </dl>
    }
}

fn withdrawal_list(rows: Vec<Withdrawal>, zone: String) -> impl IntoView {
    let t = t();
    let l = lang();
    view! {
        <ul class="plain-list" data-withdrawals>
            {rows.into_iter().map(|w| view! {
                <li class="line-row">
                    <span>{format_local(w.requested_at, &zone)}" · "{w.amount.display()}
                        {(w.fee.0 > 0).then(|| format!(" ({} {})", t.withdrawal_fee_label, w.fee.display()))}</span>
                    <span class="status" data-status=w.status.as_str()>{l.withdrawal_status(w.status)}</span>
                    {(!w.note.is_empty()).then(|| view! { <span class="muted small block">{w.note.clone()}</span> })}
                </li>
            }).collect_view()}
        </ul>
    }
}

/// 我的推广: the member's link, earnings by status, team, credited orders with why, withdrawals.
#[component]
pub fn PromotePage() -> impl IntoView {
    let t = t();
    let slug = param("slug");
    load(load_promote(slug), move |d: PromoteData| {
        let l = lang();
        let c = d.community.clone();
        let zone = c.time_zone.clone();
        let off = !d.programme.as_ref().is_some_and(|p| p.enabled);
        let level_names: Vec<String> =
            d.programme.as_ref().map(|p| p.rules.levels.iter().map(|l| l.name.clone()).collect()).unwrap_or_default();
        let fee = d.programme.as_ref().map(|p| p.withdrawal_fee).unwrap_or_default();
        let active = matches!(d.standing, Standing::Active { .. });
        let standing = match d.standing.clone() {
            Standing::Active { level } => {
                let name = level.and_then(|i| level_names.get(i).cloned()).unwrap_or_else(|| t.distributor.to_string());
                view! { <p class="badge badge-team" data-standing="active">{name}</p> }.into_any()
            }
            Standing::Applied => view! { <p class="banner" data-standing="applied">{t.application_waiting}</p> }.into_any(),
            Standing::SpendMore { left } => {
                view! { <p class="banner" data-standing="spend">{l.spend_more(left)}</p> }.into_any()
            }
            Standing::Off => view! { <p class="banner" data-standing="off">{t.programme_off}</p> }.into_any(),
            s @ (Standing::MayApply | Standing::Rejected) => view! {
                <form method="post" action=ApplyDistributor::url() class="card stack" data-standing="apply">
                    <h2 class="section-title">{t.apply_title}</h2>
                    {(s == Standing::Rejected).then(|| view! { <p class="muted small">{t.application_rejected}</p> })}
                    <input type="hidden" name="community_id" value=c.id/>
                    <Field name="application" label=t.application_label kind="textarea" maxlength=200 hint=t.application_hint/>
                    <button class="btn btn-primary btn-block" type="submit">{t.apply_submit}</button>
                </form>
            }.into_any(),
        };
        let b = d.dashboard.balances;
        let orders = d.dashboard.orders.clone();
        view! {
            <Page title=t.promote_title back=format!("/c/{}", c.slug)>
                <section class="card promote-head">
                    <h2 class="section-title">{c.name.clone()}</h2>
                    {standing}
                    {(!off).then(|| view! {
                        <p class="muted small">{t.my_code}" "<strong data-code>{d.code.clone()}</strong></p>
                        <ShareButton url=d.link.clone() title=c.name.clone() text=c.intro.clone() words=l.share_words() label=t.share_link.to_string() earn=None/>
                    })}
                </section>
                {(!off).then(|| view! {
                    <section class="card">
                        <h2 class="section-title">{t.my_earnings}</h2>
                        <BalanceGrid b/>
                        <p class="muted small">{l.earnings_summary(d.dashboard.settled_total, d.dashboard.reversed_total)}</p>
                        {active.then(|| {
                            let amount = flash().value("amount").unwrap_or_else(|| {
                                if b.available >= MIN_WITHDRAWAL { b.available.input_value() } else { String::new() }
                            });
                            view! {
                                <form method="post" action=RequestWithdrawal::url() class="stack" data-withdraw>
                                    <input type="hidden" name="community_id" value=c.id/>
                                    <Field name="amount" label=t.withdraw_amount inputmode="decimal" value=amount hint=t.withdraw_hint/>
                                    {(fee.0 > 0).then(|| view! { <p class="muted small">{t.withdrawal_fee_label}" "{fee.display()}</p> })}
                                    <button class="btn btn-primary btn-block" type="submit">{t.withdraw_submit}</button>
                                </form>
                            }
                        })}
                    </section>
                    <section class="card">
                        <h2 class="section-title">{t.my_team}</h2>
                        <p data-team>{l.team_sizes(d.dashboard.team_l1, d.dashboard.team_l2, d.dashboard.visits)}</p>
                        <a class="text-link" href=format!("/c/{}/leaderboard", c.slug)>{t.leaderboard_title}</a>
                    </section>
                    {(!d.items.is_empty()).then(|| view! {
                        <section class="card">
                            <h2 class="section-title">{t.share_products}</h2>
                            <ul class="plain-list">
                                {d.items.iter().map(|i| view! {
                                    <li class="line-row">
                                        <a href=i.link.clone()>{i.product.title.clone()}</a>
                                        <span class="pill-earn">{l.share_earn(i.earn)}</span>
                                        <a class="text-link small" href=format!("/poster/p/{}.png", i.product.id)>{t.poster}</a>
                                    </li>
                                }).collect_view()}
                            </ul>
                        </section>
                    })}
                    <section class="card">
                        <h2 class="section-title">{t.credited_orders}</h2>
                        {if orders.is_empty() {
                            view! { <p class="muted">{t.no_credited_orders}</p> }.into_any()
                        } else {
                            view! {
                                <ul class="plain-list" data-credited>
                                    {orders.into_iter().map(|o| view! {
                                        <li class="credited" data-order=o.order_id.to_string()>
                                            <div class="line-row">
                                                <span>{o.buyer.clone()}" · "{o.goods.display()}" · "{format_local(o.created_at, &zone)}</span>
                                                <strong data-commission>{o.commission.map(|c| c.display()).unwrap_or_default()}</strong>
                                            </div>
                                            <p class="small">
                                                {o.commission_status.map(|s| view! { <span class="status" data-status=s.as_str()>{l.commission_status(s)}</span>" " })}
                                                {(o.reversed.0 > 0).then(|| format!("{} {} ", t.reversed_label, o.reversed.display()))}
                                            </p>
                                            <p class="muted small" data-why>{o.why.map(|w| l.why(w)).unwrap_or_default()}</p>
                                        </li>
                                    }).collect_view()}
                                </ul>
                            }.into_any()
                        }}
                    </section>
                    <section class="card">
                        <h2 class="section-title">{t.withdrawal_history}</h2>
                        {if d.withdrawals.is_empty() {
                            view! { <p class="muted">{t.no_withdrawals}</p> }.into_any()
                        } else {
                            withdrawal_list(d.withdrawals.clone(), zone.clone()).into_any()
                        }}
                    </section>
                })}
            </Page>
        }
    })
}

/// The member's programmes, one per community.
#[component]
pub fn MyPromotionsPage() -> impl IntoView {
    let t = t();
    load(load_my_promotions(), move |list| {
        view! {
            <Page title=t.promote_title back="/me".to_string() tab=Tab::Me>
                {if list.is_empty() {
                    view! { <Empty text=t.no_programmes action=(t.tab_communities, "/c".to_string())/> }.into_any()
                } else {
                    view! {
                        <div class="card-list">
                            {list.into_iter().map(|(c, b)| view! {
                                <a class="card row-link" href=format!("/c/{}/promote", c.slug)>
                                    <span>{c.name.clone()}</span>
                                    <span class="muted small">{t.balance_available}" "{b.available.display()}</span>
                                </a>
                            }).collect_view()}
                        </div>
                    }.into_any()
                }}
            </Page>
        }
    })
}

#[component]
pub fn LeaderboardPage() -> impl IntoView {
    let t = t();
    let slug = param("slug");
    load(load_leaderboard(slug), move |d: Leaderboard| {
        view! {
            <Page title=t.leaderboard_title back=format!("/c/{}/promote", d.community.slug)>
                <section class="card">
                    <h2 class="section-title">{d.community.name.clone()}</h2>
                    <p class="muted small">{lang().last_days(d.days)}</p>
                    {if d.rows.is_empty() {
                        view! { <p class="muted">{t.leaderboard_empty}</p> }.into_any()
                    } else {
                        view! {
                            <ol class="leaderboard" data-leaderboard>
                                {d.rows.into_iter().map(|(name, earned)| view! {
                                    <li class="line-row"><span>{name}</span><strong>{earned.display()}</strong></li>
                                }).collect_view()}
                            </ol>
                        }.into_any()
                    }}
                </section>
            </Page>
        }
    })
}

// ---- Owner console ----

#[derive(Clone, Copy, PartialEq, Eq)]
enum Sub {
    Programme,
    Distributors,
    Commissions,
    Withdrawals,
}

#[component]
fn DistributionNav(community: i64, active: Sub) -> impl IntoView {
    let t = t();
    let item = move |s: Sub, href: String, label: &'static str| {
        let current = s == active;
        view! { <a href=href class:active=current aria-current=current.then_some("page")>{label}</a> }
    };
    view! {
        <nav class="order-tabs" aria-label=t.console_distribution>
            {item(Sub::Programme, format!("/console/c/{community}/distribution"), t.programme_title)}
            {item(Sub::Distributors, format!("/console/c/{community}/distributors"), t.distributors_title)}
            {item(Sub::Commissions, format!("/console/c/{community}/commissions"), t.commissions_title)}
            {item(Sub::Withdrawals, format!("/console/c/{community}/withdrawals"), t.withdrawals_title)}
        </nav>
    }
}

/// Wraps a distribution console page: title, console menu, sub-navigation.
fn console_page(c: domain::model::Community, title: &'static str, sub: Sub, body: AnyView) -> impl IntoView {
    use crate::components::console::{ConsoleMenu, Section};
    view! {
        <Page title=title back=format!("/console/c/{}", c.id)>
            <div class="console">
                <ConsoleMenu community=c.id slug=c.slug.clone() active=Section::Distribution/>
                <div class="console-main">
                    <DistributionNav community=c.id active=sub/>
                    {body}
                </div>
            </div>
        </Page>
    }
}

#[component]
pub fn ConsoleDistributionPage() -> impl IntoView {
    let t = t();
    let id = param_id("id");
    load(load_distribution_console(id), move |d: DistributionConsole| {
        let f = flash();
        let i = d.input.clone();
        let check = |name: &str, saved: bool| match f.value(name) {
            Some(v) => v == "on",
            None => saved,
        };
        let enabled = check("enabled", d.enabled || !d.saved);
        let group = check("pays_group_buy", i.pays_group_buy);
        let discounted = check("pays_discounted", i.pays_discounted);
        let rates_error = f.error_for("rates").map(|e| lang().error(&e));
        let rates_invalid = rates_error.is_some();
        let body = view! {
            {(!d.saved).then(|| view! { <p class="banner">{t.programme_not_saved}</p> })}
            <p class="muted small">{lang().queue_counts(d.applications, d.pending_withdrawals)}</p>
            <form method="post" action=SaveProgramme::url() class="card stack" novalidate id="programme-form">
                <input type="hidden" name="community_id" value=d.community.id/>
                <label class="check">
                    <input type="checkbox" name="enabled" value="on" checked=enabled/>
                    <span>{t.programme_enabled}</span>
                </label>
                <SelectField name="join" label=t.join_mode_label
                    options=vec![("open", t.join_open), ("application", t.join_application), ("spend", t.join_spend)]
                    value=i.join.clone()/>
                <Field name="spend_threshold" label=t.spend_threshold_label inputmode="decimal" value=i.spend_threshold.clone()/>
                <SelectField name="bind" label=t.bind_mode_label
                    options=vec![("window", t.bind_window), ("first", t.bind_first), ("last", t.bind_last), ("new", t.bind_new)]
                    value=i.bind.clone()/>
                <Field name="bind_days" label=t.bind_days_label inputmode="numeric" value=i.bind_days.clone()/>
                <fieldset class="field" class:has-error=rates_invalid>
                    <legend>{t.rates_label}</legend>
                    <p class="field-hint">{t.rates_hint}</p>
                    <div class="field-row">
                        <Field name="rate1" label=t.rate1_label inputmode="decimal" value=i.rate1.clone()/>
                        <Field name="rate2" label=t.rate2_label inputmode="decimal" value=i.rate2.clone()/>
                        <Field name="rate3" label=t.rate3_label inputmode="decimal" value=i.rate3.clone()/>
                    </div>
                    {rates_error.map(|e| view! { <p class="field-error" id="f-rates-error" role="alert">{e}</p> })}
                </fieldset>
                <Field name="levels" label=t.levels_label hint=t.levels_hint value=i.levels.clone()/>
                <Field name="daily_cap" label=t.daily_cap_label inputmode="decimal" value=i.daily_cap.clone()/>
                <label class="check">
                    <input type="checkbox" name="pays_group_buy" value="on" checked=group/>
                    <span>{t.pays_group_buy}</span>
                </label>
                <label class="check">
                    <input type="checkbox" name="pays_discounted" value="on" checked=discounted/>
                    <span>{t.pays_discounted}</span>
                </label>
                <Field name="freeze_days" label=t.freeze_days_label inputmode="numeric" value=d.freeze_days.to_string() hint=t.freeze_days_hint/>
                <Field name="withdrawal_fee" label=t.withdrawal_fee_label inputmode="decimal" value=d.withdrawal_fee.input_value()/>
                <button class="btn btn-primary btn-block" type="submit">{t.save}</button>
            </form>
            <section class="section" id="overrides">
                <h2 class="section-title">{t.overrides_title}</h2>
                <p class="muted small">{t.overrides_hint}</p>
                <div class="card-list">
                    {d.products.iter().map(|(p, text, earn)| view! {
                        <form method="post" action=SaveCommissionOverride::url() class="card override-row" data-product=p.id.to_string()>
                            <input type="hidden" name="product_id" value=p.id/>
                            <span>{p.title.clone()}" · "{p.price.display()}</span>
                            <span class="pill-earn">{lang().share_earn(*earn)}</span>
                            <label>
                                <span class="sr-only">{t.override_label}</span>
                                <input type="text" name="value" value=text.clone() placeholder=t.override_placeholder inputmode="decimal"/>
                            </label>
                            <button class="btn btn-ghost btn-small" type="submit">{t.save}</button>
                        </form>
                    }).collect_view()}
                </div>
            </section>
        }
        .into_any();
        console_page(d.community.clone(), t.programme_title, Sub::Programme, body)
    })
}

#[component]
pub fn ConsoleDistributorsPage() -> impl IntoView {
    let t = t();
    let id = param_id("id");
    load(load_distributors(id), move |d: DistributorsData| {
        let l = lang();
        let cid = d.community.id;
        let body = if d.rows.is_empty() {
            view! { <Empty text=t.no_distributors/> }.into_any()
        } else {
            view! {
                <div class="card-list" data-distributors>
                    {d.rows.iter().map(|r| {
                        let level = r.level.and_then(|i| d.level_names.get(i).cloned()).unwrap_or_default();
                        view! {
                            <article class="card" data-distributor=r.nickname.clone()>
                                <header class="order-card-head">
                                    <strong>{r.nickname.clone()}</strong>
                                    <span class="status">{l.distributor_status(r.status)}" "{level}</span>
                                </header>
                                {if r.status == DistributorStatus::Applied {
                                    view! {
                                        <p class="small">{r.application.clone()}</p>
                                        <div class="button-row">
                                            <form method="post" action=DecideApplication::url()>
                                                <input type="hidden" name="community_id" value=cid/>
                                                <input type="hidden" name="user_id" value=r.user_id/>
                                                <button class="btn btn-primary btn-small" type="submit" name="approve" value="yes">{t.approve}</button>
                                                " "
                                                <button class="btn btn-ghost btn-small" type="submit" name="approve" value="no">{t.reject}</button>
                                            </form>
                                        </div>
                                    }.into_any()
                                } else {
                                    view! { <p class="small">{l.distributor_figures(r.sales, r.earned, r.team)}</p> }.into_any()
                                }}
                            </article>
                        }
                    }).collect_view()}
                </div>
            }
            .into_any()
        };
        console_page(d.community.clone(), t.distributors_title, Sub::Distributors, body)
    })
}

#[component]
pub fn ConsoleCommissionsPage() -> impl IntoView {
    let t = t();
    let id = param_id("id");
    let status = query("status");
    load(load_commissions(id, status, page_cursor()), move |d: CommissionsData| {
        let l = lang();
        let cid = d.community.id;
        let zone = d.community.time_zone.clone();
        let tab = |s: &'static str, label: &'static str| {
            let current = d.status == s;
            let href = if s.is_empty() {
                format!("/console/c/{cid}/commissions")
            } else {
                format!("/console/c/{cid}/commissions?status={s}")
            };
            view! { <a href=href class:active=current aria-current=current.then_some("page")>{label}</a> }
        };
        let body = view! {
            <p class="small" data-totals>
                {d.totals.iter().map(|(s, f)| format!("{} {} ", l.commission_status(*s), f.display())).collect::<String>()}
            </p>
            <nav class="order-tabs" aria-label=t.commissions_title>
                {tab("", t.all)}
                {tab("pending", t.commission_pending)}
                {tab("frozen", t.commission_frozen)}
                {tab("settled", t.commission_settled)}
                {tab("reversed", t.commission_reversed)}
            </nav>
            <a class="btn btn-ghost btn-small" href=format!("/console/c/{cid}/commissions.csv") download>{t.export_csv}</a>
            {if d.rows.is_empty() {
                view! { <Empty text=t.no_commissions/> }.into_any()
            } else {
                view! {
                    <div class="table-wrap">
                        <table class="table" data-commissions>
                            <thead><tr>
                                <th scope="col">{t.time_label}</th><th scope="col">{t.distributor}</th><th scope="col">{t.buyer_label}</th>
                                <th scope="col">{t.depth_label}</th><th scope="col">{t.commission_label}</th><th scope="col">{t.status_label}</th>
                            </tr></thead>
                            <tbody>
                                {d.rows.iter().map(|r| view! {
                                    <tr>
                                        <td>{format_local(r.created_at, &zone)}</td>
                                        <td>{r.beneficiary.clone()}</td>
                                        <td>{r.buyer.clone()}</td>
                                        <td>{r.depth}</td>
                                        <td>{r.amount.display()}{(r.reversed.0 > 0).then(|| format!(" (−{})", r.reversed.display()))}</td>
                                        <td>{l.commission_status(r.status)}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                    <MoreLink next=d.next/>
                }.into_any()
            }}
        }
        .into_any();
        console_page(d.community.clone(), t.commissions_title, Sub::Commissions, body)
    })
}

#[component]
pub fn ConsoleWithdrawalsPage() -> impl IntoView {
    let t = t();
    let id = param_id("id");
    load(load_withdrawal_queue(id), move |d: WithdrawalsData| {
        let l = lang();
        let cid = d.community.id;
        let zone = d.community.time_zone.clone();
        let body = if d.rows.is_empty() {
            view! { <Empty text=t.no_withdrawals/> }.into_any()
        } else {
            view! {
                <div class="card-list" data-withdrawal-queue>
                    {d.rows.iter().map(|w| view! {
                        <article class="card" data-withdrawal=w.nickname.clone()>
                            <header class="order-card-head">
                                <strong>{w.nickname.clone()}" · "{w.amount.display()}</strong>
                                <span class="status" data-status=w.status.as_str()>{l.withdrawal_status(w.status)}</span>
                            </header>
                            <p class="muted small">{format_local(w.requested_at, &zone)}
                                {(w.fee.0 > 0).then(|| format!(" · {} {} · {} {}", t.withdrawal_fee_label, w.fee.display(), t.payout_label, (w.amount.saturating_sub(w.fee)).display()))}</p>
                            {(!w.note.is_empty()).then(|| view! { <p class="small">{w.note.clone()}</p> })}
                            {(w.status == WithdrawalStatus::Pending).then(|| view! {
                                <form method="post" action=DecideWithdrawal::url() class="stack">
                                    <input type="hidden" name="community_id" value=cid/>
                                    <input type="hidden" name="withdrawal_id" value=w.id/>
                                    <Field name="decision_note" label=t.withdrawal_note_label maxlength=200/>
                                    <div class="button-row">
                                        <button class="btn btn-primary btn-small" type="submit" name="approve" value="yes">{t.mark_paid}</button>
                                        <button class="btn btn-ghost btn-small" type="submit" name="approve" value="no">{t.reject}</button>
                                    </div>
                                </form>
                            })}
                        </article>
                    }).collect_view()}
                </div>
            }
            .into_any()
        };
        console_page(d.community.clone(), t.withdrawals_title, Sub::Withdrawals, body)
    })
}
