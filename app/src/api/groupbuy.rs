//! Group-buy: the team page, opening and joining a team, and the owner's activities.

use crate::error::AppError;
#[cfg(feature = "ssr")]
use domain::access::Role;
use domain::model::{Community, GroupActivity, Product, TeamSummary};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// What the product page shows of a running activity.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupOffer {
    pub activity: GroupActivity,
    /// Teams open to join, closing soonest first.
    pub teams: Vec<TeamSummary>,
    /// The viewer's own team in this activity, if they are in one.
    pub my_team: Option<i64>,
}

#[cfg(feature = "ssr")]
pub(crate) async fn offer_for(product: i64) -> Result<Option<GroupOffer>, AppError> {
    use crate::ctx;
    let st = ctx::state();
    let now = st.clock.now_ms();
    let Some((activity, teams)) = store::groupbuy::offer(&st.db, product, now, 10).await? else {
        return Ok(None);
    };
    let my_team = match ctx::request().viewer {
        Some(v) => store::groupbuy::my_open_team(&st.db, activity.id, v.id).await?,
        None => None,
    };
    Ok(Some(GroupOffer { activity, teams, my_team }))
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamData {
    pub team: TeamSummary,
    pub activity: GroupActivity,
    pub product: Product,
    pub community: Community,
    /// Other teams of the activity open to join.
    pub others: Vec<TeamSummary>,
    /// The viewer's order in this team and its state, if they have one.
    pub my_order: Option<(i64, domain::order::OrderStatus)>,
    /// The team the viewer is gathering with in this activity (maybe this one).
    pub my_team: Option<i64>,
    /// Whether a new team can be opened now.
    pub running: bool,
    /// The address to share, absolute.
    pub share_url: String,
    pub image_url: String,
    /// "分享赚 ¥X" when group-buy orders pay commission.
    pub share: Option<super::distribution::ShareEarn>,
}

/// A team page: anyone may open it (it is what gets shared).
#[server(prefix = "/api", endpoint = "load_team")]
pub async fn load_team(team_id: i64) -> Result<TeamData, AppError> {
    super::form::reply(
        async move {
            use crate::ctx;
            use domain::groupbuy::TeamStatus;
            let st = ctx::state();
            let now = st.clock.now_ms();
            let team = store::groupbuy::team(&st.db, team_id, now).await?.ok_or(domain::Error::NotFound)?;
            // A team whose leader has not paid yet exists only for the leader.
            let viewer = ctx::request().viewer;
            let activity = store::groupbuy::activity(&st.db, team.activity_id).await?.ok_or(domain::Error::NotFound)?;
            let product = store::products::by_id(&st.db, activity.product_id).await?.ok_or(domain::Error::NotFound)?;
            let community =
                store::communities::by_id(&st.db, product.community_id).await?.ok_or(domain::Error::NotFound)?;
            let (my_order, my_team) = match &viewer {
                Some(v) => (
                    store::groupbuy::order_in_team(&st.db, team_id, v.id).await?,
                    store::groupbuy::my_open_team(&st.db, activity.id, v.id).await?,
                ),
                None => (None, None),
            };
            if team.status == TeamStatus::Pending && my_order.is_none() {
                return Err(domain::Error::NotFound.into());
            }
            let others = store::groupbuy::open_teams(&st.db, activity.id, now, 6)
                .await?
                .into_iter()
                .filter(|t| t.id != team_id)
                .collect();
            let base = st.settings.base_url.trim_end_matches('/');
            let path = format!("/t/{team_id}");
            let price = activity.rules.team_price;
            let share = super::distribution::share_earn_for(community.id, product.id, price, &path, true).await?;
            // Members share the team with their referral code, so friends who join are theirs.
            let share_url = match super::distribution::my_link(community.id, &path).await? {
                Some(link) => link,
                None => format!("{base}{path}"),
            };
            Ok(TeamData {
                share,
                share_url,
                image_url: format!("{base}{}", domain::catalogue::product_image_url(&product.image)),
                running: activity.rules.is_running(now),
                team,
                activity,
                product,
                community,
                others,
                my_order,
                my_team,
            })
        }
        .await,
    )
}

/// Opens a team (`open:<activity>`) or joins one (`join:<team>`) and sends the member to the
/// cashier. As with buying now, only the choice, quantity, delivery and note are read: the price
/// is the activity's, from the database. A team that filled or closed meanwhile sends the member
/// back to it, where the other open teams are offered.
#[server(prefix = "/api", endpoint = "group_buy")]
pub async fn group_buy(
    product_id: i64,
    target: String,
    sku_id: Option<i64>,
    quantity: String,
    #[server(flatten)] form: super::CheckoutForm,
) -> Result<i64, AppError> {
    use crate::ctx;
    use domain::order::parse_quantity;
    use store::groupbuy::{SeatRequest, SeatTarget};
    let parsed = parse_target(&target);
    let result = async {
        let v = ctx::viewer()?;
        let target = parsed.clone().ok_or(domain::Error::BadRequest)?;
        let qty = parse_quantity(&quantity)?;
        let pre = super::checkout::Preamble::read(v.id, &form).await?;
        let st = ctx::state();
        let req = SeatRequest {
            referrer: pre.referrer,
            target,
            sku_id,
            quantity: qty,
            delivery: pre.delivery,
            ship_to: pre.ship_to,
            note: pre.note,
            key: pre.key,
        };
        let now = st.clock.now_ms();
        let seat = store::groupbuy::take_seat(&st.db, v.id, &req, now, st.settings.seat_hold_ms, "sandbox").await?;
        st.changes.poke();
        tracing::info!(order_id = seat.created.order_id, team_id = seat.team_id, "group-buy seat taken");
        // The team or activity decides the product; the form's product id is not trusted for it.
        let _ = product_id;
        Ok(seat.created.order_id)
    }
    .await;
    if let (
        Err(AppError::Rule(domain::Error::TeamFull | domain::Error::TeamClosed | domain::Error::AlreadyInTeam)),
        Some(SeatTarget::Join { team }),
    ) = (&result, &parsed)
    {
        return super::form::finish_at(result, format!("/t/{team}"));
    }
    let sku = sku_id.map(|s| s.to_string()).unwrap_or_default();
    super::form::finish(
        result,
        |id| super::form::Next::to(format!("/pay/{id}")),
        &[("quantity", &quantity), ("sku_id", &sku), ("delivery", &form.delivery), ("note", &form.note)],
    )
}

#[cfg(feature = "ssr")]
fn parse_target(s: &str) -> Option<store::groupbuy::SeatTarget> {
    use store::groupbuy::SeatTarget;
    let (kind, id) = s.split_once(':')?;
    let id: i64 = id.parse().ok()?;
    match kind {
        "open" => Some(SeatTarget::Open { activity: id }),
        "join" => Some(SeatTarget::Join { team: id }),
        _ => None,
    }
}

/// What the order page shows for a group-buy order: the price and the team to go back to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BuyGroup {
    pub target: String,
    pub activity: GroupActivity,
    pub team: Option<TeamSummary>,
    pub leader: bool,
}

#[cfg(feature = "ssr")]
pub(crate) async fn buy_group(product: i64, target: &str) -> Result<Option<BuyGroup>, AppError> {
    use crate::ctx;
    use store::groupbuy::SeatTarget;
    let st = ctx::state();
    let now = st.clock.now_ms();
    let Some(t) = parse_target(target) else { return Ok(None) };
    let (activity, team, leader) = match t {
        SeatTarget::Open { activity } => (store::groupbuy::activity(&st.db, activity).await?, None, true),
        SeatTarget::Join { team } => {
            let team = store::groupbuy::team(&st.db, team, now).await?.ok_or(domain::Error::NotFound)?;
            (store::groupbuy::activity(&st.db, team.activity_id).await?, Some(team), false)
        }
    };
    let activity = activity.filter(|a| a.product_id == product).ok_or(domain::Error::NotFound)?;
    Ok(Some(BuyGroup { target: target.to_string(), activity, team, leader }))
}

// ---- Owner console ----

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityLine {
    pub activity: GroupActivity,
    pub stats: domain::model::ActivityStats,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupConsole {
    pub product: Product,
    pub community: Community,
    pub activities: Vec<ActivityLine>,
    /// The activity being edited, if any.
    pub editing: Option<GroupActivity>,
    pub now: i64,
}

#[cfg(feature = "ssr")]
async fn owned_product(product_id: i64) -> Result<(Product, Community, store::access::Granted), AppError> {
    let p = store::products::by_id(&crate::ctx::state().db, product_id).await?.ok_or(domain::Error::NotFound)?;
    let (g, c) = super::console(p.community_id, Role::Staff).await?;
    Ok((p, c, g))
}

/// A product's activities with their results, and the editor.
#[server(prefix = "/api", endpoint = "load_group_console")]
pub async fn load_group_console(product_id: i64, edit: Option<i64>) -> Result<GroupConsole, AppError> {
    super::form::reply(
        async move {
            use crate::ctx;
            let (product, community, _) = owned_product(product_id).await?;
            let st = ctx::state();
            let mut activities = vec![];
            for a in store::groupbuy::for_product(&st.db, product_id).await? {
                let stats = store::groupbuy::stats(&st.db, a.id).await?;
                activities.push(ActivityLine { activity: a, stats });
            }
            let editing =
                edit.and_then(|id| activities.iter().find(|l| l.activity.id == id).map(|l| l.activity.clone()));
            Ok(GroupConsole { product, community, activities, editing, now: st.clock.now_ms() })
        }
        .await,
    )
}

/// Creates or changes an activity. Sizes, windows, prices (below the single price) and times are
/// checked, and two activities on one product may not run at the same time.
#[server(prefix = "/api", endpoint = "save_group_activity")]
pub async fn save_group_activity(
    product_id: i64,
    activity_id: Option<i64>,
    #[server(flatten)] input: domain::groupbuy::ActivityInput,
) -> Result<i64, AppError> {
    use crate::ctx;
    use crate::flash::Notice;
    use domain::groupbuy::Activity;
    use domain::time::parse_local;
    let result = async {
        let (product, community, g) = owned_product(product_id).await?;
        let st = ctx::state();
        let zone = &community.time_zone;
        let start = parse_local(&input.starts_at, zone).ok_or(domain::Error::BadActivityTimes)?;
        let end = parse_local(&input.ends_at, zone).ok_or(domain::Error::BadActivityTimes)?;
        // The option the group-buy sells (a product's only option needs no choice); its single
        // price is what the team price must beat.
        let option = match domain::groupbuy::chosen_sku(&input) {
            Some(id) => product.skus.iter().find(|s| s.id == id),
            None if product.skus.len() == 1 => product.skus.first(),
            None => None,
        }
        .ok_or(domain::Error::ChooseSku)?;
        let a = Activity { sku_id: Some(option.id), ..Activity::parse(&input, option.price, start, end)? };
        match activity_id {
            Some(id) => {
                let current = store::groupbuy::activity(&st.db, id).await?.ok_or(domain::Error::NotFound)?;
                if current.product_id != product_id {
                    return Err(domain::Error::NotFound.into());
                }
                store::groupbuy::update_activity(&st.db, &g, id, &a).await?;
                Ok(id)
            }
            None => Ok(store::groupbuy::create_activity(&st.db, &g, product_id, &a, st.clock.now_ms()).await?),
        }
    }
    .await;
    super::form::finish_input(
        result,
        |_| super::form::Next::with(format!("/console/p/{product_id}/group"), Notice::Saved),
        &input,
        &[],
    )
}

/// Ends an activity now; teams already open run to the end of their window.
#[server(prefix = "/api", endpoint = "end_group_activity")]
pub async fn end_group_activity(activity_id: i64) -> Result<(), AppError> {
    use crate::ctx;
    use crate::flash::Notice;
    let mut product = 0;
    let result = async {
        let st = ctx::state();
        let a = store::groupbuy::activity(&st.db, activity_id).await?.ok_or(domain::Error::NotFound)?;
        let (_, _, g) = owned_product(a.product_id).await?;
        product = a.product_id;
        Ok(store::groupbuy::end_activity(&st.db, &g, activity_id, st.clock.now_ms()).await?)
    }
    .await;
    super::form::finish(result, |_| super::form::Next::with(format!("/console/p/{product}/group"), Notice::Saved), &[])
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommunityGroups {
    pub community: Community,
    /// Each activity with its product's title and results.
    pub activities: Vec<(ActivityLine, String)>,
    pub products: Vec<domain::model::ProductCard>,
    pub now: i64,
}

/// All group-buys of a community, and its products to start one on.
#[server(prefix = "/api", endpoint = "load_community_groups")]
pub async fn load_community_groups(community_id: i64) -> Result<CommunityGroups, AppError> {
    super::console_page(community_id, |community, db| async move {
        let mut activities = vec![];
        for (a, title) in store::groupbuy::in_community(&db, community_id).await? {
            let stats = store::groupbuy::stats(&db, a.id).await?;
            activities.push((ActivityLine { activity: a, stats }, title));
        }
        let products = store::products::all_in(&db, community_id).await?;
        Ok(CommunityGroups { community, activities, products, now: crate::ctx::state().clock.now_ms() })
    })
    .await
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityTeams {
    pub activity: GroupActivity,
    pub product: Product,
    pub community: Community,
    pub stats: domain::model::ActivityStats,
    /// Each team with what was refunded to its members.
    pub teams: Vec<(TeamSummary, domain::money::Fen)>,
}

#[server(prefix = "/api", endpoint = "load_activity_teams")]
pub async fn load_activity_teams(activity_id: i64) -> Result<ActivityTeams, AppError> {
    super::form::reply(
        async move {
            use crate::ctx;
            let st = ctx::state();
            let activity = store::groupbuy::activity(&st.db, activity_id).await?.ok_or(domain::Error::NotFound)?;
            let (product, community, _) = owned_product(activity.product_id).await?;
            let stats = store::groupbuy::stats(&st.db, activity_id).await?;
            let teams = store::groupbuy::teams_of(&st.db, activity_id, st.clock.now_ms()).await?;
            Ok(ActivityTeams { activity, product, community, stats, teams })
        }
        .await,
    )
}
