//! Group-buy pages: the offer on the product page, the team page that gets shared, and the
//! owner's activities and teams.

use super::{param_id, query};
use crate::api::groupbuy::*;
use crate::components::form::{Field, SelectField};
use crate::components::groupbuy::GroupRules;
use crate::components::layout::{Empty, Page};
use crate::components::price::PriceTag;
use crate::components::team::{OpenTeamsLive, ShareButton, TeamLive};
use crate::components::{flash, lang, load, t};
use domain::catalogue::product_image_url;
use domain::groupbuy::TeamStatus;
use domain::model::{GroupActivity, Product};
use domain::order::OrderStatus;
use domain::time::{format_local, input_local};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Meta;

/// A team: what it buys, its seats and countdown, the rules, and how to join or share it.
#[component]
pub fn TeamPage() -> impl IntoView {
    let t = t();
    let id = param_id("id");
    load(load_team(id), move |d: TeamData| {
        let l = lang();
        let team = d.team.clone();
        let p = d.product.clone();
        let rules = d.activity.rules.clone();
        let mine = d.my_order;
        let in_team = mine.is_some_and(|(_, s)| !matches!(s, OrderStatus::Cancelled));
        let share_text = l.share_text(team.missing().max(1), rules.team_price, &p.title);
        // The option the team buys, and its single price to compare with.
        let option = p.group_option(&rules).cloned();
        let single = option.as_ref().map(|s| s.price).unwrap_or(p.price);
        let option_label = option.filter(|_| p.has_specs()).map(|s| s.label());
        let og_title = format!("{} · {}", l.team_of(rules.team_size), p.title);
        let f = flash();
        let refused = f
            .error
            .clone()
            .filter(|e| matches!(e, crate::error::AppError::Rule(domain::Error::TeamFull | domain::Error::TeamClosed)));
        let join_href = format!("/buy/{}?group=join:{}", p.id, team.id);
        let open_href = format!("/buy/{}?group=open:{}", p.id, d.activity.id);
        let can_open = d.running && d.my_team.is_none();
        let cta = if in_team {
            let (order, status) = mine.unwrap_or((0, OrderStatus::Cancelled));
            view! {
                <a class="text-link" href=format!("/orders/{order}")>{t.my_group_order}" · "{l.status(status)}</a>
                {(status == OrderStatus::PendingPayment).then(|| view! {
                    <a class="btn btn-team btn-block" href=format!("/pay/{order}")>{t.go_pay}</a>
                })}
            }
            .into_any()
        } else {
            view! { <a class="btn btn-team btn-block" href=join_href.clone() data-join>{t.join_team}" "{rules.team_price.display()}</a> }.into_any()
        };
        view! {
            <Meta property="og:type" content="website"/>
            <Meta property="og:title" content=og_title.clone()/>
            <Meta property="og:description" content=share_text.clone()/>
            <Meta property="og:image" content=d.image_url.clone()/>
            <Meta property="og:url" content=d.share_url.split('?').next().unwrap_or_default().to_string()/>
            <Meta name="description" content=share_text.clone()/>
            <Page title=t.team_title back=format!("/p/{}", p.id)>
                <crate::components::IslandScripts/>
                {refused.map(|_| view! { <p class="banner banner-warn" role="alert" data-refused>{t.team_full_choose}</p> })}
                <a class="card order-line" href=format!("/p/{}", p.id)>
                    <img src=product_image_url(&p.image) alt="" width="72" height="72"/>
                    <div class="order-line-body">
                        <p class="muted small">{d.community.name.clone()}</p>
                        <h2 class="order-line-title">{p.title.clone()}</h2>
                        <p>
                            <span class="badge badge-team">{l.team_of(rules.team_size)}</span>" "
                            <PriceTag price=rules.team_price original=single unit=p.unit.clone()/>
                        </p>
                        {option_label.map(|o| view! { <p class="muted small" data-group-option>{t.spec_label}" "{o}</p> })}
                    </div>
                </a>
                <TeamLive team=team.clone() words=l.team_words() keep=in_team>
                    {cta}
                </TeamLive>
                {(in_team && team.status != TeamStatus::Failed).then(|| view! {
                    <section class="card">
                        <ShareButton url=d.share_url.clone() title=og_title.clone() text=share_text.clone() words=l.share_words() label=t.invite_friends.to_string() earn=None/>
                    </section>
                })}
                {d.share.clone().map(|s| view! { <crate::components::share::ShareEarnCard share=s title=og_title.clone() text=share_text.clone()/> })}
                <GroupRules activity=d.activity.clone()/>
                {(!d.others.is_empty() || can_open).then(|| view! {
                    <section class="card">
                        <h2 class="section-title">{t.other_teams}</h2>
                        <OpenTeamsLive activity_id=d.activity.id teams=d.others.clone() words=l.team_words()/>
                        {can_open.then(|| view! { <a class="btn btn-ghost btn-block" href=open_href.clone()>{t.start_own_team}</a> })}
                    </section>
                })}
                {(!d.running).then(|| view! { <p class="muted small">{t.activity_ended_notice}</p> })}
            </Page>
        }
    })
}

fn activity_state(a: &GroupActivity, now: i64) -> &'static str {
    let t = t();
    if now < a.rules.starts_at {
        t.activity_upcoming
    } else if now < a.rules.ends_at {
        t.activity_running
    } else {
        t.activity_ended
    }
}

/// A product's group-buys: each with its results, and the form to create or change one.
#[component]
pub fn ConsoleGroupPage() -> impl IntoView {
    let t = t();
    let id = param_id("id");
    let edit = query("edit").and_then(|v| v.parse().ok());
    load(load_group_console(id, edit), move |d: GroupConsole| {
        let zone = d.community.time_zone.clone();
        let p = d.product.clone();
        view! {
            <Page title=format!("{} · {}", t.group_activities, p.title) back=format!("/console/p/{}", p.id)>
                <section class="section">
                    {if d.activities.is_empty() {
                        view! { <Empty text=t.no_activities/> }.into_any()
                    } else {
                        view! {
                            <div class="card-list">
                                {d.activities.iter().map(|line| {
                                    let a = &line.activity;
                                    let running = d.now < a.rules.ends_at;
                                    view! {
                                        <article class="card activity-card" data-activity=a.id>
                                            <header class="order-card-head">
                                                <strong>{lang().team_of(a.rules.team_size)}" "{a.rules.team_price.display()}</strong>
                                                <span class="status">{activity_state(a, d.now)}</span>
                                            </header>
                                            <p class="muted small">{format_local(a.rules.starts_at, &zone)}" – "{format_local(a.rules.ends_at, &zone)}</p>
                                            <p class="small" data-stats>{lang().team_counts(&line.stats)}</p>
                                            <div class="button-row">
                                                <a class="btn btn-ghost btn-small" href=format!("/console/g/{}", a.id)>{t.view_teams}</a>
                                                <a class="btn btn-ghost btn-small" href=format!("/console/p/{}/group?edit={}", p.id, a.id)>{t.edit_activity}</a>
                                                {running.then(|| view! {
                                                    <form method="post" action=EndGroupActivity::url()>
                                                        <input type="hidden" name="activity_id" value=a.id/>
                                                        <button class="btn btn-ghost btn-small" type="submit">{t.end_activity}</button>
                                                    </form>
                                                })}
                                            </div>
                                        </article>
                                    }
                                }).collect_view()}
                            </div>
                        }.into_any()
                    }}
                </section>
                <ActivityForm product=p.clone() editing=d.editing.clone() zone=zone.clone() now=d.now/>
            </Page>
        }
    })
}

#[component]
fn ActivityForm(product: Product, editing: Option<GroupActivity>, zone: String, now: i64) -> impl IntoView {
    let t = t();
    let f = flash();
    let a = editing.as_ref().map(|e| e.rules.clone());
    let day = domain::time::ms(domain::time::DAY);
    let v = |name: &str, current: Option<String>, default: String| f.value(name).or(current).unwrap_or(default);
    let team_size = v("team_size", a.as_ref().map(|a| a.team_size.to_string()), "3".into());
    let team_price = v("team_price", a.as_ref().map(|a| a.team_price.input_value()), String::new());
    let leader_price = v(
        "leader_price",
        a.as_ref().map(|a| a.leader_price.map(|p| p.input_value()).unwrap_or_default()),
        String::new(),
    );
    let window =
        v("window_hours", a.as_ref().map(|a| (a.window_ms / domain::groupbuy::HOUR_MS).to_string()), "24".into());
    let starts = v("starts_at", a.as_ref().map(|a| input_local(a.starts_at, &zone)), input_local(now, &zone));
    let ends = v("ends_at", a.as_ref().map(|a| input_local(a.ends_at, &zone)), input_local(now + 7 * day, &zone));
    let limit = v("per_member_limit", a.as_ref().map(|a| a.per_member_limit.to_string()), "1".into());
    let ladder = v("ladder", a.as_ref().map(|a| a.ladder_text()), String::new());
    let guaranteed = match f.value("guaranteed") {
        Some(g) => g == "on",
        None => a.as_ref().is_some_and(|a| a.guaranteed),
    };
    let guaranteed_error = f.error_for("guaranteed").map(|e| lang().error(&e));
    // A group-buy sells one option; the cheapest is offered first.
    let cheapest = product.skus.iter().min_by_key(|s| s.price).map(|s| s.id).unwrap_or_default();
    let option = a.as_ref().and_then(|a| a.sku_id).unwrap_or(cheapest).to_string();
    let options: Vec<(String, String)> =
        product.skus.iter().map(|s| (s.id.to_string(), format!("{} · {}", s.label(), s.price.display()))).collect();
    let title = if editing.is_some() { t.edit_activity } else { t.new_activity };
    view! {
        <form method="post" action=SaveGroupActivity::url() class="card stack" novalidate id="activity-form">
            <h2 class="section-title">{title}</h2>
            {editing.is_some().then(|| view! { <p class="muted small">{t.rules_fixed_note}</p> })}
            <input type="hidden" name="product_id" value=product.id/>
            {editing.as_ref().map(|e| view! { <input type="hidden" name="activity_id" value=e.id/> })}
            {if product.has_specs() {
                view! { <SelectField name="sku_id" label=t.group_option_label options value=option/> }.into_any()
            } else {
                view! { <input type="hidden" name="sku_id" value=option/> }.into_any()
            }}
            <Field name="team_size" label=t.team_size_label inputmode="numeric" value=team_size/>
            <Field name="team_price" label=t.team_price_label inputmode="decimal" value=team_price/>
            <Field name="leader_price" label=t.leader_price_label inputmode="decimal" value=leader_price/>
            <Field name="window_hours" label=t.window_hours_label inputmode="numeric" value=window/>
            <Field name="starts_at" label=t.starts_at_label kind="datetime-local" value=starts/>
            <Field name="ends_at" label=t.ends_at_label kind="datetime-local" value=ends/>
            <Field name="per_member_limit" label=t.group_limit_label inputmode="numeric" value=limit/>
            <Field name="ladder" label=t.ladder_label hint=t.ladder_hint value=ladder/>
            <div class="field">
                <label class="check">
                    <input type="checkbox" name="guaranteed" value="on" checked=guaranteed/>
                    <span>{t.guaranteed_label}</span>
                </label>
                {guaranteed_error.map(|e| view! { <p class="field-error">{e}</p> })}
            </div>
            <button class="btn btn-primary btn-block" type="submit">{t.save_activity}</button>
        </form>
    }
}

/// An activity's teams: state, how full, what was refunded.
#[component]
pub fn ConsoleActivityTeamsPage() -> impl IntoView {
    let t = t();
    let id = param_id("id");
    load(load_activity_teams(id), move |d: ActivityTeams| {
        let zone = d.community.time_zone.clone();
        view! {
            <Page title=format!("{} · {}", t.teams_title, d.product.title) back=format!("/console/p/{}/group", d.product.id)>
                <p class="small" data-stats>{lang().team_counts(&d.stats)}</p>
                {if d.teams.is_empty() {
                    view! { <Empty text=t.no_teams/> }.into_any()
                } else {
                    view! {
                        <div class="card-list">
                            {d.teams.iter().map(|(team, refunded)| view! {
                                <article class="card team-row" data-team=team.id>
                                    <header class="order-card-head">
                                        <a class="text-link" href=format!("/t/{}", team.id)>{team.leader_name.clone()}</a>
                                        <span class="status">{lang().team_status(team.status)}</span>
                                    </header>
                                    <p class="small">
                                        {format!("{}/{}", team.paid, team.team_size)}
                                        {team.expires_at.map(|e| format!(" · {}", format_local(e, &zone)))}
                                        {(refunded.0 > 0).then(|| format!(" · {} {}", t.refunded_label, refunded.display()))}
                                    </p>
                                </article>
                            }).collect_view()}
                        </div>
                    }.into_any()
                }}
            </Page>
        }
    })
}

/// A community's group-buys, with the products to start one on.
#[component]
pub fn ConsoleCommunityGroupsPage() -> impl IntoView {
    use crate::components::console::{ConsoleMenu, Section};
    let t = t();
    let id = param_id("id");
    load(load_community_groups(id), move |d: CommunityGroups| {
        let c = d.community.clone();
        let zone = c.time_zone.clone();
        view! {
            <Page title=t.group_activities back=format!("/console/c/{}", c.id)>
                <div class="console">
                    <ConsoleMenu community=c.id slug=c.slug.clone() active=Section::Group/>
                    <div class="console-main">
                        {if d.activities.is_empty() {
                            view! { <Empty text=t.no_activities/> }.into_any()
                        } else {
                            view! {
                                <div class="card-list">
                                    {d.activities.iter().map(|(line, title)| {
                                        let a = &line.activity;
                                        view! {
                                            <article class="card activity-card">
                                                <header class="order-card-head">
                                                    <strong>{title.clone()}</strong>
                                                    <span class="status">{activity_state(a, d.now)}</span>
                                                </header>
                                                <p>{lang().team_of(a.rules.team_size)}" "{a.rules.team_price.display()}</p>
                                                <p class="muted small">{format_local(a.rules.starts_at, &zone)}" – "{format_local(a.rules.ends_at, &zone)}</p>
                                                <p class="small">{lang().team_counts(&line.stats)}</p>
                                                <div class="button-row">
                                                    <a class="btn btn-ghost btn-small" href=format!("/console/g/{}", a.id)>{t.view_teams}</a>
                                                    <a class="btn btn-ghost btn-small" href=format!("/console/p/{}/group", a.product_id)>{t.edit_activity}</a>
                                                </div>
                                            </article>
                                        }
                                    }).collect_view()}
                                </div>
                            }.into_any()
                        }}
                        <section class="section">
                            <h2 class="section-title">{t.new_activity}</h2>
                            <div class="card-list">
                                {d.products.iter().map(|p| view! {
                                    <a class="card row-link" href=format!("/console/p/{}/group", p.id)>
                                        <span>{p.title.clone()}" · "{p.price.display()}</span>
                                        <span class="text-link">{t.start_activity_on}</span>
                                    </a>
                                }).collect_view()}
                            </div>
                        </section>
                    </div>
                </div>
            </Page>
        }
    })
}
