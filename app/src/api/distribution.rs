//! Referral and distribution: a member's promotion page, applying, withdrawing, the
//! leaderboard; the owner's programme, distributors, commissions and withdrawals.

use crate::error::AppError;
#[cfg(feature = "ssr")]
use domain::access::Role;
use domain::model::distribution::*;
use domain::model::{Community, ProductCard};
use domain::money::Fen;
use domain::referral::{CommissionStatus, ProgrammeInput};
#[cfg(feature = "ssr")]
use domain::referral::{DistributorStatus, Override, Programme, WithdrawalStatus};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// A product as a distributor shares it: what sharing it earns now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShareItem {
    pub product: ProductCard,
    pub earn: Fen,
    pub link: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PromoteData {
    pub community: Community,
    pub programme: Option<ProgrammeRow>,
    pub standing: Standing,
    pub code: String,
    /// The community page through the member's link.
    pub link: String,
    pub dashboard: Dashboard,
    pub withdrawals: Vec<Withdrawal>,
    pub items: Vec<ShareItem>,
    pub now: i64,
}

#[cfg(feature = "ssr")]
fn share_link(base: &str, path: &str, code: &str) -> String {
    format!("{base}{path}?ref={code}")
}

/// "我的推广" in one community: standing, link, balances, team, credited orders, withdrawals.
#[server(prefix = "/api", endpoint = "load_promote")]
pub async fn load_promote(slug: String) -> Result<PromoteData, AppError> {
    super::form::reply(
        async move {
            use crate::ctx;
            let v = ctx::viewer()?;
            let st = ctx::state();
            let now = st.clock.now_ms();
            let community = store::communities::by_slug(&st.db, &slug).await?.ok_or(domain::Error::NotFound)?;
            let programme = store::distribution::programme(&st.db, community.id).await?;
            let standing = store::distribution::standing(&st.db, community.id, v.id, now).await?;
            let code = store::referral::code_for(&st.db, v.id, now).await?;
            let base = &st.settings.base_url;
            let dashboard = store::distribution::dashboard(&st.db, community.id, v.id).await?;
            let withdrawals = store::distribution::withdrawals_of(&st.db, community.id, v.id).await?;
            let mut items = vec![];
            if let Some(p) = programme.as_ref().filter(|p| p.enabled) {
                let overrides = store::distribution::overrides_in(&st.db, community.id).await?;
                for product in store::products::on_sale_in(&st.db, community.id).await? {
                    let earn =
                        domain::referral::share_earn(&p.rules, product.price, overrides.get(&product.id).copied());
                    let link = share_link(base, &format!("/p/{}", product.id), &code);
                    items.push(ShareItem { product, earn, link });
                }
            }
            let link = share_link(base, &format!("/c/{}", community.slug), &code);
            Ok(PromoteData { community, programme, standing, code, link, dashboard, withdrawals, items, now })
        }
        .await,
    )
}

/// A member asks to become a distributor (programmes by application).
#[server(prefix = "/api", endpoint = "apply_distributor")]
pub async fn apply_distributor(community_id: i64, application: String) -> Result<(), AppError> {
    use crate::ctx;
    use crate::flash::Notice;
    let mut slug = String::new();
    let result = async {
        let v = ctx::viewer()?;
        let st = ctx::state();
        let c = store::communities::by_id(&st.db, community_id).await?.ok_or(domain::Error::NotFound)?;
        slug = c.slug;
        Ok(store::distribution::apply(&st.db, community_id, v.id, &application, st.clock.now_ms()).await.map(|_| ())?)
    }
    .await;
    super::form::finish(
        result,
        |_| super::form::Next::with(format!("/c/{slug}/promote"), Notice::Saved),
        &[("application", &application)],
    )
}

/// A distributor asks to withdraw part of their settled balance.
#[server(prefix = "/api", endpoint = "request_withdrawal")]
pub async fn request_withdrawal(community_id: i64, amount: String) -> Result<i64, AppError> {
    use crate::ctx;
    use crate::flash::Notice;
    let mut slug = String::new();
    let result = async {
        let v = ctx::viewer()?;
        let st = ctx::state();
        let c = store::communities::by_id(&st.db, community_id).await?.ok_or(domain::Error::NotFound)?;
        slug = c.slug;
        let amount = Fen::parse_yuan(&amount).ok_or(domain::Error::WithdrawalTooSmall)?;
        let now = st.clock.now_ms();
        store::limits::take(&st.db, domain::limits::Action::Withdraw, v.id, now).await?;
        // In an instance that takes real money, the sandbox's play money stays in the books.
        let play = st.settings.play_money_provider();
        Ok(store::distribution::request_withdrawal_of_real_money(&st.db, community_id, v.id, amount, now, play).await?)
    }
    .await;
    super::form::finish(
        result,
        |_| super::form::Next::with(format!("/c/{slug}/promote"), Notice::WithdrawalRequested),
        &[("amount", &amount)],
    )
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Leaderboard {
    pub community: Community,
    pub days: i64,
    pub rows: Vec<(String, Fen)>,
}

/// The community's top earners of the last 30 days, names masked. Public.
#[server(prefix = "/api", endpoint = "load_leaderboard")]
pub async fn load_leaderboard(slug: String) -> Result<Leaderboard, AppError> {
    super::form::reply(
        async move {
            use crate::ctx;
            let st = ctx::state();
            let community = store::communities::by_slug(&st.db, &slug).await?.ok_or(domain::Error::NotFound)?;
            let days = 30;
            let since = st.clock.now_ms() - days * domain::referral::DAY_MS;
            let rows = store::distribution::leaderboard(&st.db, community.id, since, 20).await?;
            Ok(Leaderboard { community, days, rows })
        }
        .await,
    )
}

/// The communities a member belongs to that run a programme, with their balance in each.
#[server(prefix = "/api", endpoint = "load_my_promotions")]
pub async fn load_my_promotions() -> Result<Vec<(domain::model::CommunityCard, Balances)>, AppError> {
    super::form::reply(
        async move {
            use crate::ctx;
            let v = ctx::viewer()?;
            let st = ctx::state();
            let mut out = vec![];
            for c in store::communities::joined(&st.db, v.id, 200).await? {
                if store::distribution::programme(&st.db, c.id).await?.is_some_and(|p| p.enabled) {
                    let b = store::distribution::balances(&st.db, c.id, v.id).await?;
                    out.push((c, b));
                }
            }
            Ok(out)
        }
        .await,
    )
}

/// What a product or team page shows a signed-in member of the programme: "分享赚 ¥X" and the
/// link that carries their code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShareEarn {
    /// Computed where it is shown (the server renders it, the browser recomputes it).
    pub preview: domain::referral::EarnPreview,
    pub link: String,
    pub poster: String,
}

/// The viewer's own link to `path` (with their referral code) when the community runs a
/// programme, so whoever opens it is attributed to them.
#[cfg(feature = "ssr")]
pub(crate) async fn my_link(community: i64, path: &str) -> Result<Option<String>, AppError> {
    use crate::ctx;
    let Some(v) = ctx::request().viewer else { return Ok(None) };
    let st = ctx::state();
    if !store::distribution::programme(&st.db, community).await?.is_some_and(|p| p.enabled) {
        return Ok(None);
    }
    let code = store::referral::code_for(&st.db, v.id, st.clock.now_ms()).await?;
    Ok(Some(share_link(&st.settings.base_url, path, &code)))
}

/// "分享赚 ¥X" for a distributor on a product or team page: `path` is the page to share, `price`
/// the unit price a referred buyer would pay, `group_buy` whether that is a group-buy price.
/// None for anyone who would earn nothing.
#[cfg(feature = "ssr")]
pub(crate) async fn share_earn_for(
    community: i64,
    product: i64,
    price: Fen,
    path: &str,
    group_buy: bool,
) -> Result<Option<ShareEarn>, AppError> {
    use crate::ctx;
    use domain::referral::EarnPreview;
    let Some(v) = ctx::request().viewer else { return Ok(None) };
    let st = ctx::state();
    let Some(p) = store::distribution::programme(&st.db, community).await?.filter(|p| p.enabled) else {
        return Ok(None);
    };
    let now = st.clock.now_ms();
    if !matches!(store::distribution::standing(&st.db, community, v.id, now).await?, Standing::Active { .. }) {
        return Ok(None);
    }
    let over = store::distribution::override_of(&st.db, product).await?;
    let preview = EarnPreview { rules: p.rules, over, price, group_buy };
    if preview.amount().0 <= 0 {
        return Ok(None);
    }
    let code = store::referral::code_for(&st.db, v.id, now).await?;
    let link = share_link(&st.settings.base_url, path, &code);
    Ok(Some(ShareEarn { preview, link, poster: format!("/poster/p/{product}.png") }))
}

/// A member's share poster for a product (PNG): its picture, price, their code and a QR code of
/// their link. Drawn once per product, price, picture and link, then read from disk.
#[cfg(feature = "ssr")]
pub async fn poster_png(
    st: &crate::ctx::AppState,
    viewer: Option<&domain::model::Viewer>,
    product: i64,
) -> Result<Vec<u8>, AppError> {
    use crate::{media, poster};
    use domain::catalogue::ProductStatus;
    let v = viewer.ok_or(domain::Error::SignInRequired)?;
    let p = store::products::by_id(&st.db, product).await?.ok_or(domain::Error::NotFound)?;
    if p.status != ProductStatus::OnSale {
        return Err(domain::Error::NotFound.into());
    }
    if !store::distribution::programme(&st.db, p.community_id).await?.is_some_and(|p| p.enabled) {
        return Err(domain::Error::ProgrammeOff.into());
    }
    let code = store::referral::code_for(&st.db, v.id, st.clock.now_ms()).await?;
    let link = share_link(&st.settings.base_url, &format!("/p/{product}"), &code);
    let cache = poster::cache_path(&st.settings.data_dir, product, &p.image, p.price, &link);
    let site = std::path::PathBuf::from(st.leptos.site_root.to_string());
    let media = media::media_dir(&st.settings.data_dir);
    let (key, price) = (p.image.clone(), p.price);
    // Drawn once per product, picture, price and link, then served from the cache; drawing
    // shares the photo decoder's limit, so images that request posters cannot pile up work.
    st.photos
        .run(move || poster::get_or_render(&cache, || poster::picture(&site, &media, &key), price, &code, &link))
        .await?
        .map_err(|e| {
            tracing::error!(error = %e, "poster not drawn");
            AppError::Internal
        })
}

// ---- Owner console ----

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DistributionConsole {
    pub community: Community,
    pub saved: bool,
    pub enabled: bool,
    pub input: ProgrammeInput,
    pub freeze_days: i64,
    pub withdrawal_fee: Fen,
    /// Products with their override as typed (`3.50` or `12%`) and what sharing earns.
    pub products: Vec<(ProductCard, String, Fen)>,
    pub applications: i64,
    pub pending_withdrawals: i64,
}

#[cfg(feature = "ssr")]
fn override_text(o: Option<Override>) -> String {
    match o {
        Some(Override::Fixed(f)) => f.input_value(),
        Some(Override::RateBp(bp)) => format!("{}%", Fen(bp).input_value()),
        None => String::new(),
    }
}

#[server(prefix = "/api", endpoint = "load_distribution_console")]
pub async fn load_distribution_console(community_id: i64) -> Result<DistributionConsole, AppError> {
    super::console_page(community_id, |community, db| async move {
        let row = store::distribution::programme(&db, community_id).await?;
        let rules: Programme =
            row.as_ref().map(|r| r.rules.clone()).unwrap_or_else(domain::referral::default_programme);
        let overrides = store::distribution::overrides_in(&db, community_id).await?;
        let products = store::products::all_in(&db, community_id)
            .await?
            .into_iter()
            .map(|p| {
                let o = overrides.get(&p.id).copied();
                let earn = domain::referral::share_earn(&rules, p.price, o);
                (p, override_text(o), earn)
            })
            .collect();
        let people = store::distribution::distributors(&db, community_id).await?;
        let queue = store::distribution::withdrawal_queue(&db, community_id).await?;
        Ok(DistributionConsole {
            community,
            saved: row.is_some(),
            enabled: row.as_ref().map(|r| r.enabled).unwrap_or(false),
            input: ProgrammeInput::from_programme(&rules),
            freeze_days: row.as_ref().map(|r| r.freeze_days).unwrap_or(MIN_FREEZE_DAYS),
            withdrawal_fee: row.as_ref().map(|r| r.withdrawal_fee).unwrap_or(Fen::ZERO),
            products,
            applications: people.iter().filter(|p| p.status == DistributorStatus::Applied).count() as i64,
            pending_withdrawals: queue.iter().filter(|w| w.status == WithdrawalStatus::Pending).count() as i64,
        })
    })
    .await
}

/// Saves the programme. Past orders keep their attribution and their commissions.
#[server(prefix = "/api", endpoint = "save_programme")]
pub async fn save_programme(
    community_id: i64,
    enabled: Option<String>,
    freeze_days: String,
    withdrawal_fee: String,
    #[server(flatten)] input: ProgrammeInput,
) -> Result<(), AppError> {
    use crate::ctx;
    use crate::flash::Notice;
    let result = async {
        let st = ctx::state();
        let (g, _) = super::console(community_id, Role::Owner).await?;
        let rules = input.parse()?;
        let freeze_days = freeze_days.trim().parse::<i64>().map_err(|_| domain::Error::BadFreezeDays)?;
        let withdrawal_fee = match withdrawal_fee.trim() {
            "" => Fen::ZERO,
            f => Fen::parse_yuan(f).ok_or(domain::Error::BadWithdrawalFee)?,
        };
        let row = ProgrammeRow { rules, enabled: enabled.is_some(), freeze_days, withdrawal_fee };
        Ok(store::distribution::save_programme(&st.db, &g, &row, st.clock.now_ms()).await?)
    }
    .await;
    super::form::finish_input(
        result,
        |_| super::form::Next::with(format!("/console/c/{community_id}/distribution"), Notice::Saved),
        &input,
        &[
            ("enabled", if enabled.is_some() { "on" } else { "" }),
            ("freeze_days", &freeze_days),
            ("withdrawal_fee", &withdrawal_fee),
        ],
    )
}

/// Sets a product's own level-1 commission (`3.50` or `12%`), or clears it (empty).
#[server(prefix = "/api", endpoint = "save_commission_override")]
pub async fn save_commission_override(product_id: i64, value: String) -> Result<(), AppError> {
    use crate::ctx;
    use crate::flash::Notice;
    let mut community = 0;
    let result = async {
        let st = ctx::state();
        let p = store::products::by_id(&st.db, product_id).await?.ok_or(domain::Error::NotFound)?;
        let (g, _) = super::console(p.community_id, Role::Staff).await?;
        community = p.community_id;
        let price = p.skus.iter().map(|s| s.price).min().unwrap_or(p.price);
        let o = domain::referral::parse_override(&value, price)?;
        Ok(store::distribution::set_override(&st.db, &g, product_id, o).await?)
    }
    .await;
    super::form::finish(
        result,
        |_| super::form::Next::with(format!("/console/c/{community}/distribution#overrides"), Notice::Saved),
        &[("override", &value)],
    )
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DistributorsData {
    pub community: Community,
    pub level_names: Vec<String>,
    pub rows: Vec<DistributorRow>,
}

#[server(prefix = "/api", endpoint = "load_distributors")]
pub async fn load_distributors(community_id: i64) -> Result<DistributorsData, AppError> {
    super::console_page(community_id, |community, db| async move {
        let level_names = store::distribution::programme(&db, community_id)
            .await?
            .map(|p| p.rules.levels.into_iter().map(|l| l.name).collect())
            .unwrap_or_default();
        let rows = store::distribution::distributors(&db, community_id).await?;
        Ok(DistributorsData { community, level_names, rows })
    })
    .await
}

#[server(prefix = "/api", endpoint = "decide_application")]
pub async fn decide_application(community_id: i64, user_id: i64, approve: String) -> Result<(), AppError> {
    use crate::ctx;
    use crate::flash::Notice;
    let result = async {
        let st = ctx::state();
        let (g, _) = super::console(community_id, Role::Staff).await?;
        Ok(store::distribution::decide_application(&st.db, &g, user_id, approve == "yes", st.clock.now_ms()).await?)
    }
    .await;
    super::form::finish(
        result,
        |_| super::form::Next::with(format!("/console/c/{community_id}/distributors"), Notice::Saved),
        &[],
    )
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommissionsData {
    pub community: Community,
    pub status: String,
    pub rows: Vec<CommissionRow>,
    /// Where the next page starts (`?before=`), when there are more.
    pub next: Option<i64>,
    /// Totals by status (net of reversals).
    pub totals: Vec<(CommissionStatus, Fen)>,
}

#[server(prefix = "/api", endpoint = "load_commissions")]
pub async fn load_commissions(
    community_id: i64,
    status: Option<String>,
    before: Option<i64>,
) -> Result<CommissionsData, AppError> {
    super::console_page(community_id, |community, db| async move {
        let chosen = status.as_deref().and_then(CommissionStatus::parse);
        let page = store::PageRequest::after(before, super::PAGE);
        let found = store::distribution::commissions_in(&db, community_id, chosen, page).await?;
        let totals = store::distribution::commission_totals(&db, community_id).await?;
        let status = chosen.map(|s| s.as_str().to_string()).unwrap_or_default();
        Ok(CommissionsData { community, status, rows: found.items, next: found.next, totals })
    })
    .await
}

/// The commissions of a community as CSV, for the owner.
#[cfg(feature = "ssr")]
pub async fn commissions_csv(
    st: &crate::ctx::AppState,
    viewer: Option<&domain::model::Viewer>,
    lang: crate::i18n::Lang,
    community: i64,
) -> Result<Vec<u8>, AppError> {
    let v = viewer.ok_or(domain::Error::SignInRequired)?;
    let (_, c) = super::console_for(&st.db, v, community, Role::Staff).await?;
    let rows = super::all_pages(|page| store::distribution::commissions_in(&st.db, community, None, page)).await?;
    crate::export::commissions_csv(&rows, &c.time_zone, lang).map_err(|_| AppError::Internal)
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WithdrawalsData {
    pub community: Community,
    pub rows: Vec<Withdrawal>,
}

#[server(prefix = "/api", endpoint = "load_withdrawal_queue")]
pub async fn load_withdrawal_queue(community_id: i64) -> Result<WithdrawalsData, AppError> {
    super::console_page(community_id, |community, db| async move {
        let rows = store::distribution::withdrawal_queue(&db, community_id).await?;
        Ok(WithdrawalsData { community, rows })
    })
    .await
}

/// The owner records a withdrawal as paid out, or turns it down with a reason.
#[server(prefix = "/api", endpoint = "decide_withdrawal")]
pub async fn decide_withdrawal(
    community_id: i64,
    withdrawal_id: i64,
    approve: String,
    decision_note: Option<String>,
) -> Result<(), AppError> {
    use crate::ctx;
    use crate::flash::Notice;
    let note = decision_note.unwrap_or_default();
    let result = async {
        let st = ctx::state();
        let (g, _) = super::console(community_id, Role::Owner).await?;
        Ok(store::distribution::decide_withdrawal(
            &st.db,
            &g,
            withdrawal_id,
            approve == "yes",
            &note,
            st.clock.now_ms(),
        )
        .await?)
    }
    .await;
    super::form::finish(
        result,
        |_| super::form::Next::with(format!("/console/c/{community_id}/withdrawals"), Notice::Saved),
        &[("decision_note", &note)],
    )
}
