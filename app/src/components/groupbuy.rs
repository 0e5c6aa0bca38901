//! A group-buy's offer on a product page and its rules, written before anyone pays.

use crate::api::groupbuy::GroupOffer;
use crate::components::price::PriceTag;
use crate::components::team::OpenTeamsLive;
use crate::components::{lang, t};
use domain::model::GroupActivity;
use leptos::prelude::*;

/// The rules that decide what a member pays and gets back, written before they pay.
#[component]
pub fn GroupRules(activity: GroupActivity) -> impl IntoView {
    let t = t();
    let l = lang();
    let a = activity.rules;
    view! {
        <section class="card group-rules">
            <h2 class="section-title">{t.group_rules}</h2>
            <ul class="rule-list">
                <li>{l.team_of(a.team_size)}" "{a.team_price.display()}{a.leader_price.map(|p| format!(" · {}", l.leader_price(p)))}</li>
                <li>{l.team_window(a.window_ms / domain::groupbuy::HOUR_MS)}</li>
                {(!a.ladder.is_empty()).then(|| view! {
                    <li>
                        {a.ladder.iter().map(|s| l.ladder_step(s.size, s.price)).collect::<Vec<_>>().join(" · ")}
                        <br/>{l.ladder_notice(a.team_price)}
                    </li>
                })}
                {if a.guaranteed {
                    view! { <li class="rule-strong" data-guaranteed>{l.guaranteed_notice()}</li> }.into_any()
                } else {
                    view! { <li>{l.refund_if_short(a.team_size)}</li> }.into_any()
                }}
                <li>{l.per_member_limit(a.per_member_limit, "")}</li>
            </ul>
        </section>
    }
}

/// The product page's group-buy band: price, rules, and the open teams to join.
#[component]
pub fn GroupOfferBlock(
    offer: GroupOffer,
    /// The single price of the option the group-buy sells.
    single: domain::money::Fen,
    /// That option's label, when the product has options.
    option: Option<String>,
    unit: String,
) -> impl IntoView {
    let t = t();
    let a = offer.activity.clone();
    view! {
        <section class="card group-offer" aria-labelledby="group-offer-title">
            <div class="group-offer-head">
                <span class="badge badge-team">{t.group_buy}</span>
                <h2 id="group-offer-title" class="group-offer-price">
                    {lang().team_of(a.rules.team_size)}" "
                    <PriceTag price=a.rules.team_price original=single unit=unit/>
                </h2>
            </div>
            {option.map(|o| view! { <p class="muted small" data-group-option>{t.group_option_note}" "{o}</p> })}
            {offer.my_team.map(|id| view! { <a class="text-link" href=format!("/t/{id}")>{t.my_team_link}</a> })}
            <h3 class="small muted">{t.open_teams_title}</h3>
            <OpenTeamsLive activity_id=a.id teams=offer.teams.clone() words=lang().team_words()/>
        </section>
        <GroupRules activity=a/>
    }
}
