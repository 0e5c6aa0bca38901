//! Distribution (分销) in the store: each community's programme, its distributors, the attribution
//! snapshot of every order, commissions through their life, the ledger, and withdrawals. The
//! rules are in `domain::referral` and `domain::ledger`; every change of money here posts to the
//! ledger in the same transaction, and balances are always read back from the ledger.

use super::{col, Db, Tx};
use crate::access::{Granted, Owned};
use crate::{expect_one, Error, Page, PageRequest};
use domain::access::Role;
use domain::ledger::{self, Account, Posting};
pub use domain::model::distribution::*;
use domain::money::Fen;
use domain::referral::{
    commissions, credits_to_string, day_start, reversal_due, reversal_due_by_line, under_cap, BindOutcome,
    CommissionStatus, Credit, DistributorStatus, JoinMode, LinePart, OrderKind, Override, WithdrawalStatus, DAY_MS,
    MAX_DEPTH,
};
use domain::time::zone_offset_minutes;
use domain::Error as Rule;
use sqlx::Row;
use std::collections::BTreeMap;

fn programme_from(r: &sqlx::any::AnyRow) -> Result<ProgrammeRow, Error> {
    let rules: String = col(r, "rules")?;
    Ok(ProgrammeRow {
        rules: serde_json::from_str(&rules).map_err(|_| Error::broken("programme rules do not parse"))?,
        enabled: col::<i64>(r, "enabled")? == 1,
        freeze_days: col(r, "freeze_days")?,
        withdrawal_fee: Fen(col(r, "withdrawal_fee")?),
    })
}

const PROGRAMME_COLS: &str = "rules, enabled, freeze_days, withdrawal_fee";

pub async fn programme(db: &Db, community: i64) -> Result<Option<ProgrammeRow>, Error> {
    let sql = format!("SELECT {PROGRAMME_COLS} FROM referral_programmes WHERE community_id = $1");
    let r = sql!(query, sqlx::AssertSqlSafe(sql), community).fetch_optional(&db.pool).await?;
    r.map(|r| programme_from(&r)).transpose()
}

async fn programme_in(tx: &mut Tx, community: i64) -> Result<Option<ProgrammeRow>, Error> {
    let sql = format!("SELECT {PROGRAMME_COLS} FROM referral_programmes WHERE community_id = $1");
    let r = sql!(query, sqlx::AssertSqlSafe(sql), community).fetch_optional(&mut **tx).await?;
    r.map(|r| programme_from(&r)).transpose()
}

/// Saves a programme after checking it; past orders and commissions keep what they had.
pub async fn save_programme(db: &Db, g: &Granted, p: &ProgrammeRow, now: i64) -> Result<(), Error> {
    p.check()?;
    let community = g.community();
    let rules = serde_json::to_string(&p.rules).map_err(|_| Error::broken("programme rules do not serialize"))?;
    sql!(
        query,
        "INSERT INTO referral_programmes (community_id, enabled, rules, freeze_days, withdrawal_fee, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (community_id) DO UPDATE SET enabled = excluded.enabled, \
         rules = excluded.rules, freeze_days = excluded.freeze_days, withdrawal_fee = excluded.withdrawal_fee, \
         updated_at = excluded.updated_at",
        community,
        p.enabled as i64,
        rules,
        p.freeze_days,
        p.withdrawal_fee.0,
        now
    )
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// A product's own commission, if it has one.
pub async fn override_of(db: &Db, product: i64) -> Result<Option<Override>, Error> {
    let r = sql!(query, "SELECT fixed_amount, rate_bp FROM commission_overrides WHERE product_id = $1", product)
        .fetch_optional(&db.pool)
        .await?;
    Ok(r.and_then(|r| override_from(&r)))
}

fn override_from(r: &sqlx::any::AnyRow) -> Option<Override> {
    let fixed: Option<i64> = r.try_get("fixed_amount").ok().flatten();
    let rate: Option<i64> = r.try_get("rate_bp").ok().flatten();
    fixed.map(|f| Override::Fixed(Fen(f))).or(rate.map(Override::RateBp))
}

/// Sets or clears a product's own commission, checked against its lowest price.
pub async fn set_override(db: &Db, g: &Granted, product: i64, o: Option<Override>) -> Result<(), Error> {
    g.check(&db.pool, Owned::Product, product).await?;
    let Some(o) = o else {
        sql!(query, "DELETE FROM commission_overrides WHERE product_id = $1", product).execute(&db.pool).await?;
        return Ok(());
    };
    let price: Option<i64> =
        sql!(query_scalar, "SELECT MIN(price) FROM skus WHERE product_id = $1 AND active = 1", product)
            .fetch_one(&db.pool)
            .await?;
    domain::referral::check_override(o, Fen(price.unwrap_or(0))).map_err(|_| Rule::BadCommissionOverride)?;
    let (fixed, rate) = match o {
        Override::Fixed(f) => (Some(f.0), None),
        Override::RateBp(r) => (None, Some(r)),
    };
    sql!(
        query,
        "INSERT INTO commission_overrides (product_id, fixed_amount, rate_bp) VALUES ($1, $2, $3) \
         ON CONFLICT (product_id) DO UPDATE SET fixed_amount = excluded.fixed_amount, rate_bp = excluded.rate_bp",
        product,
        fixed,
        rate
    )
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Every product override of a community, by product.
pub async fn overrides_in(db: &Db, community: i64) -> Result<BTreeMap<i64, Override>, Error> {
    let rows = sql!(
        query,
        "SELECT o.product_id, o.fixed_amount, o.rate_bp FROM commission_overrides o JOIN products p ON p.id = o.product_id \
         WHERE p.community_id = $1",
        community
    )
    .fetch_all(&db.pool)
    .await?;
    let mut out = BTreeMap::new();
    for r in &rows {
        if let Some(o) = override_from(r) {
            out.insert(col(r, "product_id")?, o);
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Distributors

async fn spent_in(conn: &mut sqlx::AnyConnection, community: i64, user: i64) -> Result<Fen, Error> {
    let spent: i64 = sql!(
        query_scalar,
        "SELECT CAST(COALESCE(SUM(goods_amount - discount_amount), 0) AS BIGINT) FROM orders \
         WHERE community_id = $1 AND buyer_id = $2 AND status IN ('paid', 'shipped', 'completed')",
        community,
        user
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok(Fen(spent))
}

async fn distributor_row(
    conn: &mut sqlx::AnyConnection,
    community: i64,
    user: i64,
) -> Result<Option<(String, i64)>, Error> {
    let r =
        sql!(query, "SELECT status, level FROM distributors WHERE community_id = $1 AND user_id = $2", community, user)
            .fetch_optional(&mut *conn)
            .await?;
    r.map(|r| Ok((col(&r, "status")?, col(&r, "level")?))).transpose()
}

/// Decides a member's standing, making them an active distributor when the programme lets them
/// in by itself (open, or the spending threshold reached).
async fn standing_in(
    conn: &mut sqlx::AnyConnection,
    p: &ProgrammeRow,
    community: i64,
    user: i64,
    now: i64,
) -> Result<Standing, Error> {
    if !p.enabled {
        return Ok(Standing::Off);
    }
    let row = distributor_row(conn, community, user).await?;
    let level = |l: i64| (l >= 0).then_some(l as usize);
    let admitted = match (&row, p.rules.join) {
        (Some((s, l)), _) if s == "active" => return Ok(Standing::Active { level: level(*l) }),
        (Some((s, _)), JoinMode::ByApplication) if s == "applied" => return Ok(Standing::Applied),
        (Some((s, _)), JoinMode::ByApplication) if s == "rejected" => return Ok(Standing::Rejected),
        (_, JoinMode::ByApplication) => return Ok(Standing::MayApply),
        (_, JoinMode::Open) => true,
        (_, JoinMode::AfterSpending(threshold)) => {
            let spent = spent_in(conn, community, user).await?;
            if spent < threshold {
                return Ok(Standing::SpendMore { left: threshold - spent });
            }
            true
        }
    };
    if admitted {
        sql!(
            query,
            "INSERT INTO distributors (community_id, user_id, status, applied_at, decided_at) VALUES ($1, $2, 'active', $3, $3) \
             ON CONFLICT (community_id, user_id) DO UPDATE SET status = 'active', decided_at = excluded.decided_at",
            community,
            user,
            now
        )
        .execute(&mut *conn)
        .await?;
    }
    let l = distributor_row(conn, community, user).await?.map(|r| r.1).unwrap_or(-1);
    Ok(Standing::Active { level: level(l) })
}

pub async fn standing(db: &Db, community: i64, user: i64, now: i64) -> Result<Standing, Error> {
    let Some(p) = programme(db, community).await? else { return Ok(Standing::Off) };
    let mut conn = db.pool.acquire().await?;
    standing_in(&mut conn, &p, community, user, now).await
}

/// A member applies to distribute (programmes by application). Applying again after a refusal
/// is allowed; an active distributor stays active.
pub async fn apply(db: &Db, community: i64, user: i64, text: &str, now: i64) -> Result<Standing, Error> {
    let text = text.trim();
    if !(2..=200).contains(&text.chars().count()) {
        return Err(Rule::BadApplication.into());
    }
    let Some(p) = programme(db, community).await?.filter(|p| p.enabled) else { return Err(Rule::ProgrammeOff.into()) };
    if p.rules.join != JoinMode::ByApplication {
        return standing(db, community, user, now).await;
    }
    let mut tx = db.begin().await?;
    let fresh = sql!(
        query,
        "INSERT INTO distributors (community_id, user_id, status, application, applied_at) VALUES ($1, $2, 'applied', $3, $4) \
         ON CONFLICT (community_id, user_id) DO UPDATE SET status = 'applied', application = excluded.application, \
         applied_at = excluded.applied_at, decided_at = NULL WHERE distributors.status = 'rejected'",
        community,
        user,
        text,
        now
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if fresh == 1 {
        // The owner hears of each new application once.
        let owner = owner_of(&mut tx, community).await?;
        super::notifications::notify(
            db,
            &mut tx,
            owner,
            super::notifications::kind::DISTRIBUTOR_APPLIED,
            None,
            Fen::ZERO,
            now,
        )
        .await?;
    }
    tx.commit().await?;
    standing(db, community, user, now).await
}

async fn owner_of(tx: &mut Tx, community: i64) -> Result<i64, Error> {
    Ok(sql!(query_scalar, "SELECT owner_id FROM communities WHERE id = $1", community).fetch_one(&mut **tx).await?)
}

/// The owner lets an applicant in or turns them down, once.
pub async fn decide_application(db: &Db, g: &Granted, user: i64, approve: bool, now: i64) -> Result<(), Error> {
    let community = g.community();
    let done = sql!(
        query,
        "UPDATE distributors SET status = $1, decided_at = $2 WHERE community_id = $3 AND user_id = $4 AND status = 'applied'",
        if approve { DistributorStatus::Active } else { DistributorStatus::Rejected },
        now,
        community,
        user
    )
    .execute(&db.pool)
    .await?;
    expect_one(done, Rule::NotFound)?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Attribution

/// Binds the buyer by the link they came through (if any) and snapshots the order's chain, in
/// the order's transaction. Without a programme nothing is recorded.
pub(crate) async fn snapshot_in(
    db: &Db,
    tx: &mut Tx,
    order: i64,
    community: i64,
    buyer: i64,
    link_referrer: Option<i64>,
    now: i64,
) -> Result<(), Error> {
    let Some(p) = programme_in(tx, community).await?.filter(|p| p.enabled) else { return Ok(()) };
    let mut link_outcome = None;
    if let Some(referrer) = link_referrer {
        let is_new: i64 = sql!(
            query_scalar,
            "SELECT COUNT(*) FROM orders WHERE community_id = $1 AND buyer_id = $2 AND id <> $3",
            community,
            buyer,
            order
        )
        .fetch_one(&mut **tx)
        .await?;
        link_outcome = {
            let req = super::referral::BindRequest {
                community,
                member: buyer,
                member_is_new: is_new == 0,
                referrer,
                mode: p.rules.bind,
            };
            Some(super::referral::bind_in(db, tx, &req, now).await?)
        };
    }
    let r = sql!(
        query,
        "SELECT b1.referrer_id AS l1, b2.referrer_id AS l2, b3.referrer_id AS l3 FROM referral_bindings b1 \
         LEFT JOIN referral_bindings b2 ON b2.community_id = b1.community_id AND b2.member_id = b1.referrer_id \
         LEFT JOIN referral_bindings b3 ON b3.community_id = b1.community_id AND b3.member_id = b2.referrer_id \
         WHERE b1.community_id = $1 AND b1.member_id = $2",
        community,
        buyer
    )
    .fetch_optional(&mut **tx)
    .await?;
    let ancestors: Vec<i64> = r.as_ref().map(chain_of).unwrap_or_default();
    let chain = domain::referral::attribution_chain(buyer, &ancestors, MAX_DEPTH);
    if chain.is_empty() && link_referrer.is_none() {
        return Ok(());
    }
    sql!(
        query,
        "INSERT INTO order_referrals (order_id, community_id, buyer_id, l1, l2, l3, link_referrer, link_outcome, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        order,
        community,
        buyer,
        chain.first().copied(),
        chain.get(1).copied(),
        chain.get(2).copied(),
        link_referrer,
        link_outcome.map(|o| o.as_str()),
        now
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The `l1`, `l2`, `l3` columns of an attribution snapshot, nearest first, up to the first empty one.
fn chain_of(r: &sqlx::any::AnyRow) -> Vec<i64> {
    ["l1", "l2", "l3"].iter().map_while(|c| r.try_get::<Option<i64>, _>(*c).ok().flatten()).collect()
}

/// The chain an order was attributed to when it was made, nearest first.
pub async fn order_chain(db: &Db, order: i64) -> Result<Vec<i64>, Error> {
    let r = sql!(query, "SELECT l1, l2, l3 FROM order_referrals WHERE order_id = $1", order)
        .fetch_optional(&db.pool)
        .await?;
    Ok(r.as_ref().map(chain_of).unwrap_or_default())
}

// ---------------------------------------------------------------------------------------------
// The ledger

/// What a posting is about.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Refs {
    pub order: Option<i64>,
    pub commission: Option<i64>,
    pub withdrawal: Option<i64>,
    pub refund: Option<i64>,
}

/// Appends a posting to a community's books. Unbalanced postings are refused; a posting that
/// moves nothing is not written.
pub(crate) async fn post(db: &Db, tx: &mut Tx, community: i64, p: &Posting, refs: Refs, now: i64) -> Result<(), Error> {
    if !p.is_balanced() {
        tracing::error!(?p, "unbalanced posting refused");
        return Err(Error::Broken("unbalanced posting"));
    }
    if p.lines.iter().all(|l| l.amount == 0) {
        return Ok(());
    }
    let id = db.id();
    sql!(
        query,
        "INSERT INTO ledger_postings (id, community_id, kind, order_id, commission_id, withdrawal_id, refund_id, at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        id,
        community,
        p.kind.as_str(),
        refs.order,
        refs.commission,
        refs.withdrawal,
        refs.refund,
        now
    )
    .execute(&mut **tx)
    .await?;
    for (seq, l) in p.lines.iter().enumerate() {
        sql!(
            query,
            "INSERT INTO ledger_lines (posting_id, seq, community_id, account, amount) VALUES ($1, $2, $3, $4, $5)",
            id,
            seq as i64,
            community,
            l.account.key(),
            l.amount
        )
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

async fn balances_on(conn: &mut sqlx::AnyConnection, community: i64, user: i64) -> Result<Balances, Error> {
    let keys = Account::of_distributor(user).map(Account::key);
    let rows = sql!(
        query,
        "SELECT account, CAST(SUM(amount) AS BIGINT) AS total FROM ledger_lines \
         WHERE community_id = $1 AND account IN ($2, $3, $4, $5) GROUP BY account",
        community,
        &keys[0],
        &keys[1],
        &keys[2],
        &keys[3]
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut b = Balances::default();
    for r in &rows {
        // Credit balances: what the shop owes the distributor.
        let v = Fen(-col::<i64>(r, "total")?);
        let account: String = col(r, "account")?;
        match keys.iter().position(|k| *k == account) {
            Some(0) => b.pending = v,
            Some(1) => b.frozen = v,
            Some(2) => b.available = v,
            Some(3) => b.withdrawing = v,
            _ => {}
        }
    }
    Ok(b)
}

pub async fn balances(db: &Db, community: i64, user: i64) -> Result<Balances, Error> {
    let mut conn = db.pool.acquire().await?;
    balances_on(&mut conn, community, user).await
}

/// Every account of a community's books with its balance (debit-positive), for checks and the
/// owner's overview.
pub async fn trial_balance(db: &Db, community: i64) -> Result<Vec<(String, i64)>, Error> {
    let rows = sql!(
        query,
        "SELECT account, CAST(SUM(amount) AS BIGINT) AS total FROM ledger_lines WHERE community_id = $1 \
         GROUP BY account ORDER BY account",
        community
    )
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(|r| Ok((col(r, "account")?, col(r, "total")?))).collect()
}

/// A payment arrived for an order (called once per payment, in its transaction).
pub(crate) async fn post_payment(db: &Db, tx: &mut Tx, order: i64, amount: Fen, now: i64) -> Result<(), Error> {
    let community: i64 =
        sql!(query_scalar, "SELECT community_id FROM orders WHERE id = $1", order).fetch_one(&mut **tx).await?;
    post(db, tx, community, &ledger::order_paid(community, amount), Refs { order: Some(order), ..Refs::default() }, now)
        .await
}

// ---------------------------------------------------------------------------------------------
// Commissions

/// Decides an order's commissions when it becomes paid, in that transaction: the snapshot's chain,
/// the programme's rates (per line, with product overrides), exclusions, distributors only, and
/// daily caps. Each commission is accrued once (unique per order and beneficiary).
pub(crate) async fn accrue(db: &Db, tx: &mut Tx, order: i64, now: i64) -> Result<usize, Error> {
    let Some(snap) = sql!(query, "SELECT l1, l2, l3 FROM order_referrals WHERE order_id = $1", order)
        .fetch_optional(&mut **tx)
        .await?
    else {
        return Ok(0);
    };
    let chain = chain_of(&snap);
    let o = sql!(
        query,
        "SELECT o.community_id, o.buyer_id, o.goods_amount, o.discount_amount, o.team_id, c.time_zone \
         FROM orders o JOIN communities c ON c.id = o.community_id WHERE o.id = $1",
        order
    )
    .fetch_one(&mut **tx)
    .await?;
    let community: i64 = col(&o, "community_id")?;
    let buyer: i64 = col(&o, "buyer_id")?;
    let discount: i64 = col(&o, "discount_amount")?;
    let goods: i64 = col(&o, "goods_amount")?;
    let kind = OrderKind { group_buy: o.try_get::<Option<i64>, _>("team_id")?.is_some(), discounted: discount > 0 };
    let set_outcome = |credits: Vec<Credit>| credits_to_string(&credits);
    let programme = programme_in(tx, community).await?.filter(|p| p.enabled);
    let credits: Vec<Credit>;
    let mut made = 0;
    match programme {
        None => credits = vec![Credit::NoProgramme; chain.len()],
        Some(p) if kind.group_buy && !p.rules.pays_group_buy => credits = vec![Credit::GroupBuy; chain.len()],
        Some(p) if kind.discounted && !p.rules.pays_discounted => credits = vec![Credit::Discounted; chain.len()],
        Some(p) => {
            let lines = sql!(
                query,
                "SELECT l.id, l.product_id, l.amount, o.fixed_amount, o.rate_bp FROM order_lines l \
                 LEFT JOIN commission_overrides o ON o.product_id = l.product_id WHERE l.order_id = $1",
                order
            )
            .fetch_all(&mut **tx)
            .await?;
            // Per line, the discount shared in proportion to the line's amount. Each depth's
            // commission remembers what each line brought, so a line's refund takes back its share.
            #[derive(Default)]
            struct Due {
                amount: Fen,
                /// (line, its base, what it earned at this depth)
                parts: Vec<(i64, Fen, Fen)>,
            }
            let mut due: BTreeMap<usize, Due> = BTreeMap::new();
            for l in &lines {
                let amount: i64 = col(l, "amount")?;
                let share = if goods > 0 { (discount as i128 * amount as i128 / goods as i128) as i64 } else { 0 };
                let base = Fen(amount - share);
                for a in commissions(&p.rules, base, buyer, &chain, override_from(l), kind) {
                    let e = due.entry(a.depth).or_default();
                    e.amount += a.amount;
                    e.parts.push((col(l, "id")?, base, a.amount));
                }
            }
            let zone: String = col(&o, "time_zone")?;
            let today = day_start(now, zone_offset_minutes(&zone));
            let mut cs = vec![];
            for (i, beneficiary) in chain.iter().enumerate().take(p.rules.rates_bp.len()) {
                let Some(Due { amount, parts }) = due.get(&(i + 1)) else {
                    cs.push(Credit::NothingToPay);
                    continue;
                };
                if !matches!(standing_in(tx, &p, community, *beneficiary, now).await?, Standing::Active { .. }) {
                    cs.push(Credit::NotDistributor);
                    continue;
                }
                let earned_today: i64 = match p.rules.daily_cap {
                    None => 0,
                    Some(_) => {
                        // Orders of one community add up against the cap one at a time: take the
                        // programme row before reading today's total, or two orders at once each
                        // see room for the whole cap (PostgreSQL; SQLite writes one at a time).
                        sql!(
                            query,
                            "UPDATE referral_programmes SET community_id = community_id WHERE community_id = $1",
                            community
                        )
                        .execute(&mut **tx)
                        .await?;
                        sql!(
                            query_scalar,
                            "SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM commissions \
                             WHERE beneficiary_id = $1 AND community_id = $2 AND created_at >= $3",
                            beneficiary,
                            community,
                            today
                        )
                        .fetch_one(&mut **tx)
                        .await?
                    }
                };
                let amount = under_cap(*amount, Fen(earned_today), p.rules.daily_cap);
                let base: Fen = parts.iter().map(|(_, base, _)| *base).sum();
                if amount.0 <= 0 {
                    cs.push(Credit::Capped);
                    continue;
                }
                let id = db.id();
                let inserted = sql!(
                    query,
                    "INSERT INTO commissions (id, order_id, community_id, beneficiary_id, buyer_id, depth, base, amount, \
                     status, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', $9) \
                     ON CONFLICT (order_id, beneficiary_id) DO NOTHING",
                    id,
                    order,
                    community,
                    beneficiary,
                    buyer,
                    (i + 1) as i64,
                    base.0,
                    amount.0,
                    now
                )
                .execute(&mut **tx)
                .await?
                .rows_affected();
                if inserted == 1 {
                    for (line, base, earned) in parts {
                        sql!(
                            query,
                            "INSERT INTO commission_lines (commission_id, line_id, base, amount) VALUES ($1, $2, $3, $4)",
                            id,
                            line,
                            base.0,
                            earned.0
                        )
                        .execute(&mut **tx)
                        .await?;
                    }
                    let refs = Refs { order: Some(order), commission: Some(id), ..Refs::default() };
                    post(db, tx, community, &ledger::accrual(community, *beneficiary, amount), refs, now).await?;
                    super::notifications::notify(
                        db,
                        tx,
                        *beneficiary,
                        super::notifications::kind::COMMISSION_PENDING,
                        Some(order),
                        amount,
                        now,
                    )
                    .await?;
                    made += 1;
                    upgrade_level(tx, &p, community, *beneficiary).await?;
                }
                cs.push(Credit::Credited);
            }
            credits = cs;
        }
    }
    sql!(query, "UPDATE order_referrals SET outcome = $1 WHERE order_id = $2", set_outcome(credits), order)
        .execute(&mut **tx)
        .await?;
    Ok(made)
}

/// Raises a distributor's level to what their direct sales have reached; never lowers it.
async fn upgrade_level(tx: &mut Tx, p: &ProgrammeRow, community: i64, user: i64) -> Result<(), Error> {
    if p.rules.levels.is_empty() {
        return Ok(());
    }
    let sales: i64 = sql!(
        query_scalar,
        "SELECT CAST(COALESCE(SUM(base), 0) AS BIGINT) FROM commissions \
         WHERE beneficiary_id = $1 AND community_id = $2 AND depth = 1 AND status <> 'reversed'",
        user,
        community
    )
    .fetch_one(&mut **tx)
    .await?;
    if let Some(level) = p.rules.level_for(Fen(sales)) {
        sql!(
            query,
            "UPDATE distributors SET level = $1 WHERE community_id = $2 AND user_id = $3 AND level < $1",
            level as i64,
            community,
            user
        )
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// The order completed: its pending commissions freeze for the programme's days.
pub(crate) async fn freeze(db: &Db, tx: &mut Tx, order: i64, now: i64) -> Result<(), Error> {
    let rows =
        sql!(query, "SELECT id, community_id FROM commissions WHERE order_id = $1 AND status = 'pending'", order)
            .fetch_all(&mut **tx)
            .await?;
    let Some(first) = rows.first() else { return Ok(()) };
    let community: i64 = col(first, "community_id")?;
    let days = programme_in(tx, community).await?.map(|p| p.freeze_days).unwrap_or(MIN_FREEZE_DAYS);
    for r in &rows {
        let id: i64 = col(r, "id")?;
        let n = sql!(
            query,
            "UPDATE commissions SET status = 'frozen', frozen_at = $1, settle_at = $2 WHERE id = $3 AND status = 'pending'",
            now,
            now + days.max(MIN_FREEZE_DAYS) * DAY_MS,
            id
        )
        .execute(&mut **tx)
        .await?
        .rows_affected();
        if n == 1 {
            // Read under the row lock the update took: a reversal that committed meanwhile counts.
            let r = sql!(query, "SELECT beneficiary_id, amount, reversed FROM commissions WHERE id = $1", id)
                .fetch_one(&mut **tx)
                .await?;
            let left = Fen(col::<i64>(&r, "amount")? - col::<i64>(&r, "reversed")?);
            let user: i64 = col(&r, "beneficiary_id")?;
            let refs = Refs { order: Some(order), commission: Some(id), ..Refs::default() };
            post(db, tx, community, &ledger::freeze(user, left), refs, now).await?;
        }
    }
    Ok(())
}

/// Frozen commissions whose time is up.
pub async fn due_to_settle(db: &Db, now: i64, limit: i64) -> Result<Vec<i64>, Error> {
    Ok(sql!(
        query_scalar,
        "SELECT id FROM commissions k WHERE status = 'frozen' AND settle_at <= $1 AND NOT EXISTS \
         (SELECT 1 FROM refunds r WHERE r.order_id = k.order_id AND r.status IN ('requested', 'approved')) \
         ORDER BY settle_at LIMIT $2",
        now,
        limit
    )
    .fetch_all(&db.pool)
    .await?)
}

/// Settles one commission, exactly once: the conditional update claims it. Not while a refund
/// on its order waits for the owner or the provider: the commission would be withdrawable before the refund takes
/// part of it back; it settles on the first run after the request is decided. (A request takes
/// the order's commission rows before it is written, so the check below, made after this claim,
/// sees any request that came first.)
#[tracing::instrument(skip_all, fields(id), err(level = "debug"))]
pub async fn settle(db: &Db, id: i64, now: i64) -> Result<bool, Error> {
    let mut tx = db.begin().await?;
    let n = sql!(
        query,
        "UPDATE commissions SET status = 'settled', settled_at = $1 WHERE id = $2 AND status = 'frozen' AND settle_at <= $1",
        now,
        id
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if n != 1 {
        return Ok(false);
    }
    let r = sql!(
        query,
        "SELECT order_id, community_id, beneficiary_id, amount, reversed FROM commissions WHERE id = $1",
        id
    )
    .fetch_one(&mut *tx)
    .await?;
    let open: i64 = sql!(
        query_scalar,
        "SELECT COUNT(*) FROM refunds WHERE order_id = $1 AND status IN ('requested', 'approved')",
        col::<i64>(&r, "order_id")?
    )
    .fetch_one(&mut *tx)
    .await?;
    if open > 0 {
        return Ok(false);
    }
    let community: i64 = col(&r, "community_id")?;
    let user: i64 = col(&r, "beneficiary_id")?;
    let left = Fen(col::<i64>(&r, "amount")? - col::<i64>(&r, "reversed")?);
    let refs = Refs { order: Some(col(&r, "order_id")?), commission: Some(id), ..Refs::default() };
    post(db, &mut tx, community, &ledger::settle(user, left), refs, now).await?;
    super::notifications::notify(
        db,
        &mut tx,
        user,
        super::notifications::kind::COMMISSION_SETTLED,
        refs.order,
        left,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// Money went back to the buyer of `order` (in the refund's transaction): every commission of the
/// order keeps only its share of what was not refunded. Pending and frozen commissions are reduced
/// directly; settled ones are clawed back from the distributor's balance.
pub(crate) async fn reverse_for_refund(
    db: &Db,
    tx: &mut Tx,
    order: i64,
    refund: i64,
    amount: Fen,
    now: i64,
) -> Result<(), Error> {
    let o = sql!(
        query,
        "SELECT community_id, goods_amount - discount_amount AS base, \
         (SELECT CAST(COALESCE(SUM(refunded_amount), 0) AS BIGINT) FROM payments WHERE order_id = $1) AS refunded \
         FROM orders WHERE id = $1",
        order
    )
    .fetch_one(&mut **tx)
    .await?;
    let community: i64 = col(&o, "community_id")?;
    let refunds_ref = Refs { order: Some(order), refund: Some(refund), ..Refs::default() };
    post(db, tx, community, &ledger::refund(community, amount), refunds_ref, now).await?;
    let base = Fen(col(&o, "base")?);
    let refunded = Fen(col::<i64>(&o, "refunded")?.min(base.0));
    // A failed team or a payment after cancellation gives everything back at once.
    let whole_order_back: bool = sql!(
        query_scalar,
        "SELECT COUNT(*) FROM refunds WHERE order_id = $1 AND status = 'refunded' AND kind IN ('team_failed', 'late_payment')",
        order
    )
    .fetch_one(&mut **tx)
    .await
    .map(|n: i64| n > 0)?;
    let ids: Vec<i64> = sql!(
        query_scalar,
        "SELECT id FROM commissions WHERE order_id = $1 AND status <> 'reversed' ORDER BY id",
        order
    )
    .fetch_all(&mut **tx)
    .await?;
    for id in ids {
        // Take the row before reading its state: a settlement or freeze racing this refund on
        // another connection has then either finished (and we take back from where the money is
        // now) or waits for us. Reading first would debit the account the old state implied.
        sql!(query, "UPDATE commissions SET reversed = reversed WHERE id = $1", id).execute(&mut **tx).await?;
        let r = sql!(query, "SELECT beneficiary_id, amount, reversed, status FROM commissions WHERE id = $1", id)
            .fetch_one(&mut **tx)
            .await?;
        let (user, accrued, reversed): (i64, i64, i64) =
            (col(&r, "beneficiary_id")?, col(&r, "amount")?, col(&r, "reversed")?);
        let status: String = col(&r, "status")?;
        if status == "reversed" {
            continue;
        }
        let due = if whole_order_back {
            Fen(accrued).saturating_sub(Fen(reversed))
        } else {
            let parts: Vec<LinePart> = sql!(
                query_as,
                "SELECT cl.base, cl.amount AS earned, CAST((SELECT COALESCE(SUM(r.amount), 0) FROM refunds r \
                 WHERE r.status = 'refunded' AND (r.line_id = cl.line_id OR (r.order_id = $2 AND r.kind = 'team_ladder'))) \
                 AS BIGINT) AS refunded FROM commission_lines cl WHERE cl.commission_id = $1",
                id,
                order
            )
            .fetch_all(&mut **tx)
            .await?
            .into_iter()
            .map(|(base, earned, refunded): (i64, i64, i64)| LinePart {
                base: Fen(base),
                earned: Fen(earned),
                refunded: Fen(refunded),
            })
            .collect();
            if parts.is_empty() {
                // Commissions accrued before lines were recorded: in proportion to the order.
                reversal_due(Fen(accrued), base, refunded, Fen(reversed))
            } else {
                reversal_due_by_line(Fen(accrued), &parts, Fen(reversed))
            }
        };
        if due.0 <= 0 {
            continue;
        }
        let from = match status.as_str() {
            "pending" => Account::Pending(user),
            "frozen" => Account::Frozen(user),
            _ => Account::Available(user),
        };
        let n = sql!(
            query,
            "UPDATE commissions SET reversed = reversed + $1, \
             status = CASE WHEN reversed + $1 = amount AND status IN ('pending', 'frozen') THEN 'reversed' ELSE status END \
             WHERE id = $2 AND reversed = $3 AND status = $4",
            due.0,
            id,
            reversed,
            &status
        )
        .execute(&mut **tx)
        .await?
        .rows_affected();
        if n == 1 {
            let refs = Refs { commission: Some(id), ..refunds_ref };
            post(db, tx, community, &ledger::take_back(community, user, from, due), refs, now).await?;
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Withdrawals

const WITHDRAWAL_COLS: &str =
    "w.id, w.community_id, w.user_id, u.nickname, w.amount, w.fee, w.status, w.note, w.requested_at, w.decided_at";

/// A distributor asks to withdraw `amount` of their settled balance. Requests of one community take
/// turns on its row, so two at once give one request and one "already waiting".
#[tracing::instrument(skip_all, fields(community, user), err(level = "debug"))]
pub async fn request_withdrawal(db: &Db, community: i64, user: i64, amount: Fen, now: i64) -> Result<i64, Error> {
    request_withdrawal_of_real_money(db, community, user, amount, now, None).await
}

/// `request_withdrawal`, where commissions on orders paid through `play_provider` (the sandbox,
/// in an instance that takes real money) are not money and cannot be withdrawn.
pub async fn request_withdrawal_of_real_money(
    db: &Db,
    community: i64,
    user: i64,
    amount: Fen,
    now: i64,
    play_provider: Option<&str>,
) -> Result<i64, Error> {
    let mut tx = db.begin().await?;
    sql!(query, "UPDATE communities SET id = id WHERE id = $1", community).execute(&mut *tx).await?;
    let Some(p) = programme_in(&mut tx, community).await? else { return Err(Rule::ProgrammeOff.into()) };
    let pending: i64 = sql!(
        query_scalar,
        "SELECT COUNT(*) FROM withdrawals WHERE community_id = $1 AND user_id = $2 AND status = 'pending'",
        community,
        user
    )
    .fetch_one(&mut *tx)
    .await?;
    if pending > 0 {
        return Err(Rule::WithdrawalPending.into());
    }
    let available = balances_on(&mut tx, community, user).await?.available;
    ledger::check_withdrawal(amount, available, p.withdrawal_fee)?;
    if let Some(provider) = play_provider {
        let play: i64 = sql!(
            query_scalar,
            "SELECT CAST(COALESCE(SUM(c.amount - c.reversed), 0) AS BIGINT) FROM commissions c \
             WHERE c.beneficiary_id = $1 AND c.community_id = $2 AND c.status = 'settled' AND EXISTS \
             (SELECT 1 FROM payments p WHERE p.order_id = c.order_id AND p.provider = $3 AND p.status = 'succeeded')",
            user,
            community,
            provider
        )
        .fetch_one(&mut *tx)
        .await?;
        if amount.0 > available.0 - play {
            return Err(Rule::SandboxMoney { withdrawable: Fen((available.0 - play).max(0)) }.into());
        }
    }
    let id = db.id();
    let inserted = sql!(
        query,
        "INSERT INTO withdrawals (id, community_id, user_id, amount, fee, status, requested_at) \
         VALUES ($1, $2, $3, $4, $5, 'pending', $6)",
        id,
        community,
        user,
        amount.0,
        p.withdrawal_fee.0,
        now
    )
    .execute(&mut *tx)
    .await;
    match inserted {
        Ok(_) => {}
        Err(e) if super::is_unique_violation(&e) => return Err(Rule::WithdrawalPending.into()),
        Err(e) => return Err(e.into()),
    }
    let refs = Refs { withdrawal: Some(id), ..Refs::default() };
    post(db, &mut tx, community, &ledger::withdrawal_requested(user, amount), refs, now).await?;
    let owner = owner_of(&mut tx, community).await?;
    super::notifications::notify(
        db,
        &mut tx,
        owner,
        super::notifications::kind::WITHDRAWAL_REQUESTED,
        None,
        amount,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// The owner pays a withdrawal out (recorded as paid, less the fee) or turns it down (the amount
/// goes back to the distributor's balance), once. Payouts are the owner's alone, never staff's.
#[tracing::instrument(skip_all, fields(id), err(level = "debug"))]
pub async fn decide_withdrawal(
    db: &Db,
    g: &Granted,
    id: i64,
    approve: bool,
    note: &str,
    now: i64,
) -> Result<(), Error> {
    g.role().require(Role::Owner, true)?;
    let community = g.community();
    let note = note.trim();
    if note.chars().count() > 200 || (!approve && note.is_empty()) {
        return Err(Rule::BadDecisionNote.into());
    }
    let mut tx = db.begin().await?;
    let done = sql!(
        query,
        "UPDATE withdrawals SET status = $1, note = $2, decided_at = $3 WHERE id = $4 AND community_id = $5 AND status = 'pending'",
        if approve { WithdrawalStatus::Paid } else { WithdrawalStatus::Rejected },
        note,
        now,
        id,
        community
    )
    .execute(&mut *tx)
    .await?;
    expect_one(done, Rule::WithdrawalAlreadyDecided)?;
    let r = sql!(query, "SELECT user_id, amount, fee FROM withdrawals WHERE id = $1", id).fetch_one(&mut *tx).await?;
    let (user, amount, fee): (i64, i64, i64) = (col(&r, "user_id")?, col(&r, "amount")?, col(&r, "fee")?);
    let posting = if approve {
        ledger::withdrawal_paid(user, Fen(amount), Fen(fee))
    } else {
        ledger::withdrawal_rejected(user, Fen(amount))
    };
    post(db, &mut tx, community, &posting, Refs { withdrawal: Some(id), ..Refs::default() }, now).await?;
    let kind = if approve {
        super::notifications::kind::WITHDRAWAL_PAID
    } else {
        super::notifications::kind::WITHDRAWAL_REJECTED
    };
    super::notifications::notify(db, &mut tx, user, kind, None, Fen(amount - if approve { fee } else { 0 }), now)
        .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn withdrawals_of(db: &Db, community: i64, user: i64) -> Result<Vec<Withdrawal>, Error> {
    let sql = format!(
        "SELECT {WITHDRAWAL_COLS} FROM withdrawals w JOIN users u ON u.id = w.user_id \
         WHERE w.community_id = $1 AND w.user_id = $2 ORDER BY w.requested_at DESC LIMIT 50"
    );
    Ok(sql!(query_as, sqlx::AssertSqlSafe(sql), community, user).fetch_all(&db.pool).await?)
}

/// The owner's queue: pending first (oldest first), then the latest decided.
pub async fn withdrawal_queue(db: &Db, community: i64) -> Result<Vec<Withdrawal>, Error> {
    let sql = format!(
        "SELECT {WITHDRAWAL_COLS} FROM withdrawals w JOIN users u ON u.id = w.user_id WHERE w.community_id = $1 \
         ORDER BY CASE WHEN w.status = 'pending' THEN 0 ELSE 1 END, \
         CASE WHEN w.status = 'pending' THEN w.requested_at ELSE -w.requested_at END LIMIT 200"
    );
    Ok(sql!(query_as, sqlx::AssertSqlSafe(sql), community).fetch_all(&db.pool).await?)
}

// ---------------------------------------------------------------------------------------------
// What members and owners see

/// A distributor's page: balances from the ledger, totals, team by level and recent orders with why.
pub async fn dashboard(db: &Db, community: i64, user: i64) -> Result<Dashboard, Error> {
    let balances = balances(db, community, user).await?;
    let t = sql!(
        query,
        "SELECT COUNT(*) AS n, CAST(COALESCE(SUM(CASE WHEN status = 'settled' THEN amount - reversed ELSE 0 END), 0) AS BIGINT) AS settled, \
         CAST(COALESCE(SUM(reversed), 0) AS BIGINT) AS reversed FROM commissions WHERE beneficiary_id = $1 AND community_id = $2",
        user,
        community
    )
    .fetch_one(&db.pool)
    .await?;
    let team = sql!(
        query,
        "SELECT (SELECT COUNT(*) FROM referral_bindings WHERE community_id = $1 AND referrer_id = $2) AS l1, \
         (SELECT COUNT(*) FROM referral_bindings b2 JOIN referral_bindings b1 ON b1.community_id = b2.community_id \
          AND b1.member_id = b2.referrer_id WHERE b1.community_id = $1 AND b1.referrer_id = $2) AS l2",
        community,
        user
    )
    .fetch_one(&db.pool)
    .await?;
    let visits = super::referral::visits_of(db, user).await?;
    let rows = sql!(
        query,
        "SELECT r.order_id, r.l1, r.l2, r.l3, r.link_referrer, r.link_outcome, r.outcome, r.created_at, \
         u.nickname, o.status, o.goods_amount, c.amount, c.reversed, c.status AS c_status, c.settle_at \
         FROM order_referrals r JOIN orders o ON o.id = r.order_id JOIN users u ON u.id = r.buyer_id \
         LEFT JOIN commissions c ON c.order_id = r.order_id AND c.beneficiary_id = $2 \
         WHERE r.order_id IN (\
         SELECT order_id FROM (SELECT order_id FROM order_referrals WHERE l1 = $2 ORDER BY created_at DESC LIMIT 100) x1 \
         UNION SELECT order_id FROM (SELECT order_id FROM order_referrals WHERE l2 = $2 ORDER BY created_at DESC LIMIT 100) x2 \
         UNION SELECT order_id FROM (SELECT order_id FROM order_referrals WHERE l3 = $2 ORDER BY created_at DESC LIMIT 100) x3 \
         UNION SELECT order_id FROM (SELECT order_id FROM order_referrals WHERE link_referrer = $2 ORDER BY created_at DESC LIMIT 100) x4) \
         AND r.community_id = $1 AND o.status <> 'pending_payment' AND o.status <> 'cancelled' \
         ORDER BY r.created_at DESC LIMIT 50",
        community,
        user
    )
    .fetch_all(&db.pool)
    .await?;
    let mut orders = vec![];
    for r in &rows {
        let chain = chain_of(r);
        let link =
            match (r.try_get::<Option<i64>, _>("link_referrer")?, r.try_get::<Option<String>, _>("link_outcome")?) {
                (Some(who), Some(o)) => BindOutcome::parse(&o).map(|o| (who, o)),
                _ => None,
            };
        let credits =
            domain::referral::credits_from_str(&r.try_get::<Option<String>, _>("outcome")?.unwrap_or_default());
        orders.push(CreditedOrder {
            order_id: col(r, "order_id")?,
            buyer: domain::groupbuy::public_name(&col::<String>(r, "nickname")?),
            order_status: col(r, "status")?,
            goods: Fen(col(r, "goods_amount")?),
            created_at: col(r, "created_at")?,
            why: domain::referral::explain(user, &chain, link, &credits),
            commission: r.try_get::<Option<i64>, _>("amount")?.map(Fen),
            reversed: Fen(r.try_get::<Option<i64>, _>("reversed")?.unwrap_or(0)),
            commission_status: r.try_get("c_status")?,
            settle_at: r.try_get("settle_at")?,
        });
    }
    Ok(Dashboard {
        balances,
        settled_total: Fen(col(&t, "settled")?),
        reversed_total: Fen(col(&t, "reversed")?),
        commissions: col(&t, "n")?,
        team_l1: col(&team, "l1")?,
        team_l2: col(&team, "l2")?,
        visits,
        orders,
    })
}

/// The community's distributors (and applicants) with their sales and earnings, best first.
pub async fn distributors(db: &Db, community: i64) -> Result<Vec<DistributorRow>, Error> {
    let rows = sql!(
        query,
        "SELECT d.user_id, u.nickname, d.status, d.level, d.application, d.applied_at, \
         CAST(COALESCE((SELECT SUM(base) FROM commissions c WHERE c.community_id = d.community_id AND c.beneficiary_id = d.user_id \
         AND c.depth = 1 AND c.status <> 'reversed'), 0) AS BIGINT) AS sales, \
         CAST(COALESCE((SELECT SUM(amount - reversed) FROM commissions c WHERE c.community_id = d.community_id \
         AND c.beneficiary_id = d.user_id), 0) AS BIGINT) AS earned, \
         (SELECT COUNT(*) FROM referral_bindings b WHERE b.community_id = d.community_id AND b.referrer_id = d.user_id) AS team \
         FROM distributors d JOIN users u ON u.id = d.user_id WHERE d.community_id = $1 \
         ORDER BY CASE WHEN d.status = 'applied' THEN 0 ELSE 1 END, earned DESC, d.applied_at LIMIT 500",
        community
    )
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            let level: i64 = col(r, "level")?;
            Ok(DistributorRow {
                user_id: col(r, "user_id")?,
                nickname: col(r, "nickname")?,
                status: col(r, "status")?,
                level: (level >= 0).then_some(level as usize),
                application: col(r, "application")?,
                applied_at: col(r, "applied_at")?,
                sales: Fen(col(r, "sales")?),
                earned: Fen(col(r, "earned")?),
                team: col(r, "team")?,
            })
        })
        .collect()
}

/// The top earners of the last `days` days (names masked), most first.
pub async fn leaderboard(db: &Db, community: i64, since: i64, limit: i64) -> Result<Vec<(String, Fen)>, Error> {
    let rows = sql!(
        query,
        "SELECT u.nickname, CAST(SUM(c.amount - c.reversed) AS BIGINT) AS earned FROM commissions c \
         JOIN users u ON u.id = c.beneficiary_id WHERE c.community_id = $1 AND c.created_at >= $2 \
         GROUP BY c.beneficiary_id, u.nickname HAVING SUM(c.amount - c.reversed) > 0 ORDER BY earned DESC, c.beneficiary_id LIMIT $3",
        community,
        since,
        limit
    )
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| Ok((domain::groupbuy::public_name(&col::<String>(r, "nickname")?), Fen(col(r, "earned")?))))
        .collect()
}

/// A community's commissions by status, net of reversals.
pub async fn commission_totals(db: &Db, community: i64) -> Result<Vec<(CommissionStatus, Fen)>, Error> {
    Ok(sql!(
        query_as,
        "SELECT status, CAST(SUM(amount - reversed) AS BIGINT) AS total FROM commissions WHERE community_id = $1 \
         GROUP BY status ORDER BY status",
        community
    )
    .fetch_all(&db.pool)
    .await?)
}

/// A community's commissions, newest first, optionally of one status.
pub async fn commissions_in(
    db: &Db,
    community: i64,
    status: Option<CommissionStatus>,
    page: PageRequest,
) -> Result<Page<CommissionRow>, Error> {
    let rows = sql!(
        query_as,
        sqlx::AssertSqlSafe(format!(
            "SELECT c.id, c.order_id, ub.nickname AS beneficiary, uo.nickname AS buyer, c.depth, c.base, c.amount, \
         c.reversed, c.status, c.created_at, c.settle_at FROM commissions c \
         JOIN users ub ON ub.id = c.beneficiary_id JOIN users uo ON uo.id = c.buyer_id \
         WHERE c.community_id = $1 AND ($2 = '' OR c.status = $2) AND c.id < $3 {}",
            page.order_limit("c.id")
        )),
        community,
        status.map(CommissionStatus::as_str).unwrap_or(""),
        page.cursor()
    )
    .fetch_all(&db.pool)
    .await?;
    Ok(page.page(rows, |r: &CommissionRow| r.id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::orders::{self, Checkout, CheckoutLine};
    use crate::refunds;
    use crate::testing::{each_db, member, shop};
    use domain::checkout::Delivery;
    use domain::referral::{BindMode, Level, Programme, Why};

    const WINDOW: i64 = 15 * 60_000;

    fn rules(rates: Vec<i64>) -> ProgrammeRow {
        ProgrammeRow {
            rules: Programme { rates_bp: rates, ..domain::referral::default_programme() },
            enabled: true,
            freeze_days: 7,
            withdrawal_fee: Fen::ZERO,
        }
    }

    /// `buyer` orders `qty` through `referrer`'s link and pays; returns the order.
    async fn buy_paid(db: &Db, buyer: i64, product: i64, qty: i64, referrer: Option<i64>, now: i64) -> i64 {
        let c = Checkout {
            key: None,
            delivery: Delivery::Ship,
            ship_to: "阿梅 13800138000 浙江省杭州市 文三路 1 号".into(),
            note: String::new(),
            lines: vec![CheckoutLine { product_id: product, sku_id: None, quantity: qty }],
            referrer,
        };
        let made = orders::checkout(db, buyer, &c, now, WINDOW, "sandbox").await.unwrap();
        let evt = format!("evt_{}", made[0].order_id);
        orders::apply_payment_succeeded(db, "sandbox", &evt, made[0].payment_id, made[0].total, now).await.unwrap();
        made[0].order_id
    }

    async fn complete(db: &Db, order: i64, now: i64) {
        orders::ship(db, &crate::testing::order_grant(db, order).await, order, "顺丰", "SF1234567890", now)
            .await
            .unwrap();
        assert!(orders::complete(db, order, "buyer", now).await.unwrap());
    }

    async fn refund(db: &Db, buyer: i64, order: i64, amount: Fen, now: i64) {
        let line = orders::by_id(db, order).await.unwrap().unwrap().lines[0].id;
        let id = refunds::request(db, buyer, order, line, amount, "少了一半", now).await.unwrap();
        refunds::approve(db, &crate::testing::refund_grant(db, id).await, id, now).await.unwrap();
        assert!(refunds::mark_refunded(db, id, "sbr", now).await.unwrap());
    }

    /// Every posting balances, and the books as a whole sum to zero.
    async fn books_balance(db: &Db, community: i64) {
        let unbalanced: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM (SELECT posting_id FROM ledger_lines GROUP BY posting_id HAVING SUM(amount) <> 0) x",
        )
        .fetch_one(&db.pool)
        .await
        .unwrap();
        assert_eq!(unbalanced, 0);
        assert_eq!(trial_balance(db, community).await.unwrap().iter().map(|(_, v)| v).sum::<i64>(), 0);
    }

    #[tokio::test]
    async fn a_referred_order_pays_its_chain_through_freeze_settlement_and_withdrawal() {
        each_db(|db| async move {
            let s = shop(&db, "35", 100).await;
            let c = s.community;
            save_programme(&db, &crate::testing::owner_grant(&db, c).await, &rules(vec![2000, 1000]), 0).await.unwrap();
            let (a, b, f) = (member(&db, "a").await, member(&db, "b").await, member(&db, "f").await);
            // B came through A's link; F came through B's: F's orders pay B (20%) and A (10%).
            buy_paid(&db, b, s.product, 1, Some(a), 1).await;
            let order = buy_paid(&db, f, s.product, 4, Some(b), 2).await;
            assert_eq!(order_chain(&db, order).await.unwrap(), vec![b, a]);
            assert_eq!(balances(&db, c, b).await.unwrap().pending, Fen(2800));
            assert_eq!(balances(&db, c, a).await.unwrap().pending, Fen(700 + 1400));
            let d = dashboard(&db, c, b).await.unwrap();
            assert_eq!((d.team_l1, d.orders.len()), (1, 1));
            assert_eq!(d.orders[0].why, Some(Why::Credited { depth: 1 }));
            assert_eq!(dashboard(&db, c, a).await.unwrap().team_l2, 1);
            // Completion freezes for seven days; settlement happens once, after them.
            complete(&db, order, 3).await;
            assert_eq!(balances(&db, c, b).await.unwrap().frozen, Fen(2800));
            assert!(due_to_settle(&db, 3 + 6 * DAY_MS, 10).await.unwrap().is_empty());
            let due = due_to_settle(&db, 3 + 7 * DAY_MS, 10).await.unwrap();
            assert_eq!(due.len(), 2);
            let (x, y) = tokio::join!(settle(&db, due[0], 3 + 7 * DAY_MS), settle(&db, due[0], 3 + 7 * DAY_MS));
            assert!(x.unwrap() ^ y.unwrap(), "one of two settlements at once does it");
            settle(&db, due[1], 3 + 7 * DAY_MS).await.unwrap();
            let bb = balances(&db, c, b).await.unwrap();
            assert_eq!((bb.pending, bb.frozen, bb.available), (Fen::ZERO, Fen::ZERO, Fen(2800)));
            // Withdrawals: at least ¥10, never above the balance, one waiting at a time.
            let now = 10 * DAY_MS;
            assert_eq!(request_withdrawal(&db, c, b, Fen(999), now).await, Err(Rule::WithdrawalTooSmall.into()));
            assert_eq!(
                request_withdrawal(&db, c, b, Fen(2801), now).await,
                Err(Rule::WithdrawalOverBalance { available: Fen(2800) }.into())
            );
            let (x, y) = tokio::join!(
                request_withdrawal(&db, c, b, Fen(1000), now),
                request_withdrawal(&db, c, b, Fen(1000), now)
            );
            let results = [x, y];
            assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1, "{results:?}");
            assert!(results.contains(&Err(Rule::WithdrawalPending.into())));
            let w = results.iter().find_map(|r| r.as_ref().ok().copied()).unwrap();
            assert_eq!(balances(&db, c, b).await.unwrap().available, Fen(1800));
            assert_eq!(balances(&db, c, b).await.unwrap().withdrawing, Fen(1000));
            decide_withdrawal(&db, &crate::testing::owner_grant(&db, c).await, w, true, "", now).await.unwrap();
            assert_eq!(
                decide_withdrawal(&db, &crate::testing::owner_grant(&db, c).await, w, false, "重复", now).await,
                Err(Rule::WithdrawalAlreadyDecided.into())
            );
            let bb = balances(&db, c, b).await.unwrap();
            assert_eq!((bb.available, bb.withdrawing), (Fen(1800), Fen::ZERO));
            // A rejected request returns the money.
            let w2 = request_withdrawal(&db, c, a, Fen(1000), now).await.unwrap();
            assert_eq!(
                decide_withdrawal(&db, &crate::testing::owner_grant(&db, c).await, w2, false, "", now).await,
                Err(Rule::BadDecisionNote.into())
            );
            decide_withdrawal(&db, &crate::testing::owner_grant(&db, c).await, w2, false, "信息不全", now)
                .await
                .unwrap();
            assert_eq!(balances(&db, c, a).await.unwrap().available, Fen(1400));
            // Half the order refunded after settlement: half of each commission is clawed back
            // from the settled balance.
            refund(&db, f, order, Fen(7000), now + 1).await;
            let bb = balances(&db, c, b).await.unwrap();
            assert_eq!(bb.available, Fen(1800 - 1400));
            assert_eq!(balances(&db, c, a).await.unwrap().available, Fen(1400 - 700));
            // The leaderboard ranks earnings net of what was taken back, names masked.
            let board = leaderboard(&db, c, 0, 10).await.unwrap();
            assert_eq!(board, vec![("a**".to_string(), Fen(700 + 700)), ("b**".to_string(), Fen(1400))]);
            // A clawback bigger than the balance leaves it negative, repaid by later earnings.
            refund(&db, f, order, Fen(7000), now + 2).await;
            assert_eq!(balances(&db, c, b).await.unwrap().available, Fen(1800 - 2800));
            books_balance(&db, c).await;
        })
        .await;
    }

    /// One order, a ¥35 line at the programme's 10 % and a ¥900 line whose product pays nothing:
    /// refunding the ¥35 line takes back the whole ¥3.50, refunding the other takes back nothing.
    #[tokio::test]
    async fn a_line_refund_takes_back_the_commission_that_line_earned() {
        use domain::catalogue::{ProductDraft, ProductInput};
        each_db(|db| async move {
            let s = shop(&db, "35", 100).await;
            let c = s.community;
            save_programme(&db, &crate::testing::owner_grant(&db, c).await, &rules(vec![1000]), 0).await.unwrap();
            let input = ProductInput {
                title: "三文鱼礼盒".into(),
                image: "salmon".into(),
                price: "900".into(),
                stock: "10".into(),
                status: "on_sale".into(),
                ..Default::default()
            };
            let gift = crate::products::create(&db, &s.grant, &ProductDraft::parse(&input).unwrap(), 1).await.unwrap();
            set_override(&db, &s.grant, gift, Some(Override::RateBp(0))).await.unwrap();
            let (a, b) = (member(&db, "a").await, member(&db, "b").await);
            let both = |key: &str| Checkout {
                key: Some(key.into()),
                delivery: Delivery::Ship,
                ship_to: "阿梅 13800138000 浙江省杭州市 文三路 1 号".into(),
                note: String::new(),
                lines: vec![
                    CheckoutLine { product_id: s.product, sku_id: None, quantity: 1 },
                    CheckoutLine { product_id: gift, sku_id: None, quantity: 1 },
                ],
                referrer: Some(a),
            };
            let mut orders_made = vec![];
            for (n, key) in ["k1", "k2"].into_iter().enumerate() {
                let made = orders::checkout(&db, b, &both(key), 2 + n as i64, WINDOW, "sandbox").await.unwrap();
                orders::apply_payment_succeeded(&db, "sandbox", key, made[0].payment_id, made[0].total, 3)
                    .await
                    .unwrap();
                orders_made.push(made[0].order_id);
            }
            assert_eq!(balances(&db, c, a).await.unwrap().pending, Fen(700));
            let line_of = |order: i64, product: i64| {
                let db = db.clone();
                async move {
                    orders::by_id(&db, order)
                        .await
                        .unwrap()
                        .unwrap()
                        .lines
                        .iter()
                        .find(|l| l.product_id == product)
                        .unwrap()
                        .id
                }
            };
            let refund_line = |order: i64, line: i64, amount: Fen| {
                let db = db.clone();
                async move {
                    let id = refunds::request(&db, b, order, line, amount, "不要了", 4).await.unwrap();
                    refunds::approve(&db, &crate::testing::refund_grant(&db, id).await, id, 4).await.unwrap();
                    assert!(refunds::mark_refunded(&db, id, "sbr", 4).await.unwrap());
                }
            };
            // The 10 % line of the first order, in full: its ¥3.50 goes.
            refund_line(orders_made[0], line_of(orders_made[0], s.product).await, Fen(3500)).await;
            assert_eq!(balances(&db, c, a).await.unwrap().pending, Fen(350));
            // The 0 % line of the second order, in full: nothing goes.
            refund_line(orders_made[1], line_of(orders_made[1], gift).await, Fen(90_000)).await;
            assert_eq!(balances(&db, c, a).await.unwrap().pending, Fen(350));
            books_balance(&db, c).await;
        })
        .await;
    }

    /// A commission due to settle waits while a refund on its order waits for the owner: it is not
    /// withdrawable money until the refund is decided, and settles (less the refund) after.
    #[tokio::test]
    async fn an_open_refund_holds_the_commission_back_from_settling() {
        each_db(|db| async move {
            let s = shop(&db, "35", 100).await;
            let c = s.community;
            save_programme(&db, &crate::testing::owner_grant(&db, c).await, &rules(vec![1000]), 0).await.unwrap();
            let (a, b) = (member(&db, "a").await, member(&db, "b").await);
            let order = buy_paid(&db, b, s.product, 2, Some(a), 1).await;
            complete(&db, order, 2).await;
            let line = orders::by_id(&db, order).await.unwrap().unwrap().lines[0].id;
            let r = refunds::request(&db, b, order, line, Fen(3500), "少了一半", 3).await.unwrap();
            let day8 = 2 + 8 * DAY_MS;
            assert!(due_to_settle(&db, day8, 10).await.unwrap().is_empty(), "not due while the refund is open");
            let k: i64 = sql!(query_scalar, "SELECT id FROM commissions WHERE order_id = $1", order)
                .fetch_one(&db.pool)
                .await
                .unwrap();
            assert!(!settle(&db, k, day8).await.unwrap(), "a direct call refuses too");
            assert_eq!(balances(&db, c, a).await.unwrap().available, Fen::ZERO);
            refunds::approve(&db, &crate::testing::refund_grant(&db, r).await, r, day8).await.unwrap();
            assert!(due_to_settle(&db, day8, 10).await.unwrap().is_empty(), "nor while it is being paid");
            assert!(refunds::mark_refunded(&db, r, "sbr", day8).await.unwrap());
            assert_eq!(due_to_settle(&db, day8 + 1, 10).await.unwrap(), vec![k]);
            assert!(settle(&db, k, day8 + 1).await.unwrap());
            let ab = balances(&db, c, a).await.unwrap();
            assert_eq!((ab.frozen, ab.available), (Fen::ZERO, Fen(350)), "half of ¥7.00, never clawed back");
            let clawbacks =
                scalar(&db, "SELECT COUNT(*) FROM ledger_postings WHERE community_id = $1 AND kind = 'clawback'", c)
                    .await;
            assert_eq!(clawbacks, 0);
            books_balance(&db, c).await;
        })
        .await;
    }

    /// On two connections at once, a refund taking commission back and the settlement moving it
    /// from frozen to available: the money is taken from wherever it is once the other finishes,
    /// so no account goes negative and nothing taken back stays withdrawable.
    #[tokio::test]
    async fn a_refund_and_a_settlement_at_once_take_back_from_where_the_money_is() {
        each_db(|db| async move {
            let s = shop(&db, "35", 1000).await;
            let c = s.community;
            save_programme(&db, &crate::testing::owner_grant(&db, c).await, &rules(vec![1000]), 0).await.unwrap();
            let a = member(&db, "a").await;
            let day8 = 2 + 8 * DAY_MS;
            for round in 0..12 {
                let b = member(&db, "b").await;
                let order = buy_paid(&db, b, s.product, 2, Some(a), 1).await;
                complete(&db, order, 2).await;
                // An automatic refund (as a group-buy ladder makes), already approved, not yet paid.
                let payment: i64 = sql!(query_scalar, "SELECT id FROM payments WHERE order_id = $1", order)
                    .fetch_one(&db.pool)
                    .await
                    .unwrap();
                let r = db.id();
                sql!(
                    query,
                    "INSERT INTO refunds (id, order_id, payment_id, kind, amount, reason, status, created_at, decided_at) \
                     VALUES ($1, $2, $3, 'team_ladder', $4, 'team_ladder', 'approved', $5, $5)",
                    r,
                    order,
                    payment,
                    7000i64,
                    day8
                )
                .execute(&db.pool)
                .await
                .unwrap();
                let k: i64 = sql!(query_scalar, "SELECT id FROM commissions WHERE order_id = $1", order)
                    .fetch_one(&db.pool)
                    .await
                    .unwrap();
                let (x, y) = if round % 2 == 0 {
                    tokio::join!(settle(&db, k, day8), refunds::mark_refunded(&db, r, "sbr", day8))
                } else {
                    let (y, x) = tokio::join!(refunds::mark_refunded(&db, r, "sbr", day8), settle(&db, k, day8));
                    (x, y)
                };
                x.unwrap();
                assert!(y.unwrap());
                let ab = balances(&db, c, a).await.unwrap();
                assert_eq!((ab.pending, ab.frozen, ab.available), (Fen::ZERO, Fen::ZERO, Fen::ZERO), "round {round}");
                books_balance(&db, c).await;
            }
        })
        .await;
    }

    /// Twelve referred orders paid at once against a ¥10.00 daily cap: together they earn ¥10.00.
    #[tokio::test]
    async fn the_daily_cap_holds_when_orders_are_paid_at_once() {
        each_db(|db| async move {
            let s = shop(&db, "35", 1000).await;
            let c = s.community;
            let mut p = rules(vec![1000]);
            p.rules.daily_cap = Some(Fen(1000));
            save_programme(&db, &crate::testing::owner_grant(&db, c).await, &p, 0).await.unwrap();
            let a = member(&db, "a").await;
            let mut made = vec![];
            for n in 0..12 {
                let b = member(&db, "b").await;
                let c = Checkout {
                    key: None,
                    delivery: Delivery::Ship,
                    ship_to: "阿梅 13800138000 浙江省杭州市 文三路 1 号".into(),
                    note: String::new(),
                    lines: vec![CheckoutLine { product_id: s.product, sku_id: None, quantity: 1 }],
                    referrer: Some(a),
                };
                made.push(orders::checkout(&db, b, &c, 1 + n, WINDOW, "sandbox").await.unwrap().remove(0));
            }
            let pays: Vec<_> = made
                .iter()
                .map(|m| {
                    let db = db.clone();
                    let m = *m;
                    tokio::spawn(async move {
                        let evt = format!("evt_{}", m.order_id);
                        orders::apply_payment_succeeded(&db, "sandbox", &evt, m.payment_id, m.total, 20).await.unwrap()
                    })
                })
                .collect();
            for p in pays {
                p.await.unwrap();
            }
            let earned = scalar(
                &db,
                "SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM commissions WHERE community_id = $1",
                c,
            )
            .await;
            assert_eq!(earned, 1000);
            books_balance(&db, c).await;
        })
        .await;
    }

    #[tokio::test]
    async fn refunds_before_settlement_reverse_and_never_reach_the_balance() {
        each_db(|db| async move {
            let s = shop(&db, "35", 100).await;
            let c = s.community;
            save_programme(&db, &crate::testing::owner_grant(&db, c).await, &rules(vec![1000, 500]), 0).await.unwrap();
            let (a, b) = (member(&db, "a").await, member(&db, "b").await);
            let order = buy_paid(&db, b, s.product, 2, Some(a), 1).await;
            assert_eq!(balances(&db, c, a).await.unwrap().pending, Fen(700));
            refund(&db, b, order, Fen(3500), 2).await;
            assert_eq!(balances(&db, c, a).await.unwrap().pending, Fen(350));
            refund(&db, b, order, Fen(3500), 3).await;
            let ab = balances(&db, c, a).await.unwrap();
            assert_eq!(ab, Balances::default());
            let rows = commissions_in(&db, c, None, PageRequest::first(10)).await.unwrap().items;
            assert_eq!((rows[0].status.as_str(), rows[0].reversed), ("reversed", Fen(700)));
            // Days pass; nothing settles.
            assert!(due_to_settle(&db, 100 * DAY_MS, 10).await.unwrap().is_empty());
            books_balance(&db, c).await;
        })
        .await;
    }

    #[tokio::test]
    async fn what_earns_nothing_and_why() {
        each_db(|db| async move {
            let s = shop(&db, "35", 100).await;
            let c = s.community;
            let (a, b, e) = (member(&db, "a").await, member(&db, "b").await, member(&db, "e").await);
            // No programme: nothing is recorded, even through a link.
            let o0 = buy_paid(&db, b, s.product, 1, Some(a), 1).await;
            assert!(order_chain(&db, o0).await.unwrap().is_empty());
            let mut p = rules(vec![1000]);
            p.rules.join = JoinMode::ByApplication;
            p.rules.daily_cap = Some(Fen(500));
            save_programme(&db, &crate::testing::owner_grant(&db, c).await, &p, 0).await.unwrap();
            // A self-referral pays nothing.
            let own = buy_paid(&db, a, s.product, 1, Some(a), 2).await;
            assert!(order_chain(&db, own).await.unwrap().is_empty());
            // A is bound to B's order but is not a distributor yet: nothing.
            let o1 = buy_paid(&db, e, s.product, 1, Some(a), 3).await;
            assert_eq!(balances(&db, c, a).await.unwrap().pending, Fen::ZERO);
            let d = dashboard(&db, c, a).await.unwrap();
            assert_eq!(
                d.orders.iter().find(|o| o.order_id == o1).unwrap().why,
                Some(Why::NotCredited { depth: 1, because: Credit::NotDistributor })
            );
            assert_eq!(standing(&db, c, a, 4).await.unwrap(), Standing::MayApply);
            assert_eq!(apply(&db, c, a, "x", 4).await, Err(Rule::BadApplication.into()));
            assert_eq!(apply(&db, c, a, "我有三个妈妈群", 4).await.unwrap(), Standing::Applied);
            decide_application(&db, &crate::testing::owner_grant(&db, c).await, a, true, 5).await.unwrap();
            assert_eq!(standing(&db, c, a, 5).await.unwrap(), Standing::Active { level: None });
            // Now she earns, up to the daily cap of ¥5.00: ¥3.50, then ¥1.50, then nothing.
            buy_paid(&db, e, s.product, 1, None, 6).await;
            buy_paid(&db, e, s.product, 1, None, 7).await;
            let o4 = buy_paid(&db, e, s.product, 1, None, 8).await;
            assert_eq!(balances(&db, c, a).await.unwrap().pending, Fen(500));
            let d = dashboard(&db, c, a).await.unwrap();
            assert_eq!(
                d.orders.iter().find(|o| o.order_id == o4).unwrap().why,
                Some(Why::NotCredited { depth: 1, because: Credit::Capped })
            );
            // E came through another link later: the window keeps A, and the order says so to B.
            let o5 = buy_paid(&db, e, s.product, 1, Some(b), 9).await;
            assert_eq!(order_chain(&db, o5).await.unwrap(), vec![a]);
            let d = dashboard(&db, c, b).await.unwrap();
            assert_eq!(
                d.orders.iter().find(|o| o.order_id == o5).unwrap().why,
                Some(Why::LinkOnly { outcome: BindOutcome::KeptExisting })
            );
            books_balance(&db, c).await;
        })
        .await;
    }

    #[tokio::test]
    async fn past_orders_keep_their_chain_and_levels_only_rise() {
        each_db(|db| async move {
            let s = shop(&db, "35", 100).await;
            let c = s.community;
            let mut p = rules(vec![1000, 500, 200]);
            p.rules.bind = BindMode::LastTouch;
            p.rules.levels = vec![
                Level { name: "铜牌".into(), threshold: Fen(0) },
                Level { name: "银牌".into(), threshold: Fen(10_000) },
            ];
            save_programme(&db, &crate::testing::owner_grant(&db, c).await, &p, 0).await.unwrap();
            let (a, b, d, e) =
                (member(&db, "a").await, member(&db, "b").await, member(&db, "d").await, member(&db, "e").await);
            buy_paid(&db, b, s.product, 1, Some(a), 1).await;
            buy_paid(&db, d, s.product, 1, Some(b), 2).await;
            // A three-level chain: E → D → B → A.
            let first = buy_paid(&db, e, s.product, 5, Some(d), 3).await;
            assert_eq!(order_chain(&db, first).await.unwrap(), vec![d, b, a]);
            let paid: Vec<(String, i64, Fen)> = commissions_in(&db, c, None, PageRequest::first(10))
                .await
                .unwrap()
                .items
                .into_iter()
                .filter(|r| r.order_id == first)
                .map(|r| (r.beneficiary, r.depth, r.amount))
                .collect();
            assert_eq!(paid.len(), 3);
            assert!(paid.contains(&("a".into(), 3, Fen(350))));
            // E re-binds to A (last touch); the first order still pays D, B and A.
            let second = buy_paid(&db, e, s.product, 1, Some(a), 4).await;
            assert_eq!(order_chain(&db, second).await.unwrap(), vec![a]);
            assert_eq!(order_chain(&db, first).await.unwrap(), vec![d, b, a]);
            // D sold ¥175.00 directly: silver. A refund later does not take the level away.
            let level = |u: i64| {
                let db = db.clone();
                async move { distributors(&db, c).await.unwrap().into_iter().find(|r| r.user_id == u).unwrap().level }
            };
            assert_eq!(level(d).await, Some(1));
            refund(&db, e, first, Fen(17_500), 5).await;
            assert_eq!(level(d).await, Some(1));
            books_balance(&db, c).await;
        })
        .await;
    }

    /// Sums of the ledger lines of one account in a community.
    async fn account(db: &Db, community: i64, key: &str) -> i64 {
        sql!(
            query_scalar,
            "SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM ledger_lines WHERE community_id = $1 AND account = $2",
            community,
            key
        )
        .fetch_one(&db.pool)
        .await
        .unwrap()
    }

    async fn scalar(db: &Db, sql: &'static str, community: i64) -> i64 {
        sql!(query_scalar, sql, community).fetch_one(&db.pool).await.unwrap()
    }

    /// Random histories run through the real store: orders along a 3-level chain, partial
    /// refunds, completions, days passing with settlement, withdrawals approved or declined. After
    /// every step the books balance, the money at the provider is what came in less what went
    /// out, every distributor's ledger balances equal their commissions and withdrawals, reversals
    /// never pass accruals, and a commission taken back in full before settling never settles.
    #[tokio::test]
    async fn random_histories_keep_the_books() {
        use rand::{Rng, SeedableRng};
        each_db(|db| async move {
            for seed in 0..8u64 {
                let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
                let s = shop(&db, "88", 100_000).await;
                let c = s.community;
                save_programme(&db, &crate::testing::owner_grant(&db, c).await, &rules(vec![1000, 500, 200]), 0).await.unwrap();
                let mut people = vec![member(&db, "m").await];
                for i in 1..5 {
                    let m = member(&db, "m").await;
                    buy_paid(&db, m, s.product, 1, Some(people[i - 1]), 1).await;
                    people.push(m);
                }
                let mut orders: Vec<(i64, i64)> = vec![];
                let mut now = 10;
                for _ in 0..50 {
                    now += 1;
                    match rng.random_range(0..8) {
                        0 | 1 => {
                            let buyer = people[rng.random_range(0..people.len())];
                            orders.push((buy_paid(&db, buyer, s.product, rng.random_range(1..4), None, now).await, buyer));
                        }
                        2 if !orders.is_empty() => {
                            let (order, buyer) = orders[rng.random_range(0..orders.len())];
                            let o = orders::by_id(&db, order).await.unwrap().unwrap();
                            let left = o.lines[0].amount.0 - o.refunded.0;
                            if left > 0 {
                                let amount = Fen(rng.random_range(1..=left));
                                let line = o.lines[0].id;
                                if let Ok(id) = refunds::request(&db, buyer, order, line, amount, "不要了", now).await {
                                    refunds::approve(&db, &crate::testing::refund_grant(&db, id).await, id, now).await.unwrap();
                                    refunds::mark_refunded(&db, id, "sbr", now).await.unwrap();
                                }
                            }
                        }
                        3 | 4 if !orders.is_empty() => {
                            let (order, _) = orders[rng.random_range(0..orders.len())];
                            if orders::ship(&db, &crate::testing::order_grant(&db, order).await, order, "顺丰", "SF1234567890", now).await.is_ok() {
                                orders::complete(&db, order, "buyer", now).await.unwrap();
                            }
                        }
                        5 => {
                            now += rng.random_range(1..6) * DAY_MS;
                            for id in due_to_settle(&db, now, 1000).await.unwrap() {
                                settle(&db, id, now).await.unwrap();
                            }
                        }
                        6 => {
                            let pending: Option<i64> = sql!(
                                query_scalar,
                                "SELECT id FROM withdrawals WHERE community_id = $1 AND status = 'pending' ORDER BY id LIMIT 1",
                                c
                            )
                            .fetch_optional(&db.pool)
                            .await
                            .unwrap();
                            if let Some(w) = pending {
                                decide_withdrawal(&db, &crate::testing::owner_grant(&db, c).await, w, rng.random_bool(0.6), "核对", now).await.unwrap();
                            }
                        }
                        _ => {
                            // Mostly what can be withdrawn, sometimes more (refused, nothing changes).
                            let u = people[rng.random_range(0..people.len())];
                            let available = balances(&db, c, u).await.unwrap().available.0;
                            let amount = Fen(rng.random_range(900..=available.max(900) + 200));
                            let _ = request_withdrawal(&db, c, u, amount, now).await;
                        }
                    }
                    books_balance(&db, c).await;
                    let paid_in = scalar(
                        &db,
                        "SELECT CAST(COALESCE(SUM(p.amount), 0) AS BIGINT) FROM payments p JOIN orders o ON o.id = p.order_id \
                         WHERE o.community_id = $1 AND p.status = 'succeeded'",
                        c,
                    )
                    .await;
                    let refunded = scalar(
                        &db,
                        "SELECT CAST(COALESCE(SUM(r.amount), 0) AS BIGINT) FROM refunds r JOIN orders o ON o.id = r.order_id \
                         WHERE o.community_id = $1 AND r.status = 'refunded'",
                        c,
                    )
                    .await;
                    let paid_out = scalar(
                        &db,
                        "SELECT CAST(COALESCE(SUM(amount - fee), 0) AS BIGINT) FROM withdrawals WHERE community_id = $1 AND status = 'paid'",
                        c,
                    )
                    .await;
                    assert_eq!(account(&db, c, "clearing").await, paid_in - refunded - paid_out, "no money made or lost");
                    for &u in &people {
                        const NET: &str = "SELECT CAST(COALESCE(SUM(amount - reversed), 0) AS BIGINT) FROM commissions \
                                           WHERE community_id = $1 AND beneficiary_id = $2 AND status = $3";
                        const WITHDRAWN: &str = "SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM withdrawals \
                                                 WHERE community_id = $1 AND user_id = $2 AND status = $3";
                        let sum = |sql: &'static str, status: &'static str| {
                            let db = db.clone();
                            async move {
                                sqlx::query_scalar::<_, i64>(sql)
                                    .bind(c)
                                    .bind(u)
                                    .bind(status)
                                    .fetch_one(&db.pool)
                                    .await
                                    .unwrap()
                            }
                        };
                        let b = balances(&db, c, u).await.unwrap();
                        assert_eq!(b.pending.0, sum(NET, "pending").await);
                        assert_eq!(b.frozen.0, sum(NET, "frozen").await);
                        assert_eq!(b.withdrawing.0, sum(WITHDRAWN, "pending").await);
                        assert_eq!(
                            b.available.0,
                            sum(NET, "settled").await - sum(WITHDRAWN, "pending").await - sum(WITHDRAWN, "paid").await,
                            "available = settled commission less what was withdrawn"
                        );
                    }
                    let over: i64 = scalar(&db, "SELECT COUNT(*) FROM commissions WHERE community_id = $1 AND (reversed > amount OR reversed < 0)", c).await;
                    assert_eq!(over, 0);
                    let settled_reversed = scalar(
                        &db,
                        "SELECT COUNT(*) FROM ledger_postings p JOIN commissions k ON k.id = p.commission_id \
                         WHERE p.community_id = $1 AND p.kind = 'settle' AND k.status = 'reversed'",
                        c,
                    )
                    .await;
                    assert_eq!(settled_reversed, 0, "nothing fully refunded before settling ever settles");
                }
            }
            // The histories went through every kind of movement.
            let kinds: Vec<String> = sqlx::query_scalar("SELECT DISTINCT kind FROM ledger_postings ORDER BY kind")
                .fetch_all(&db.pool)
                .await
                .unwrap();
            for k in ["accrual", "clawback", "freeze", "refund", "reversal", "settle", "withdrawal_paid", "withdrawal_rejected"] {
                assert!(kinds.iter().any(|x| x == k), "{k} never happened: {kinds:?}");
            }
        })
        .await;
    }

    #[tokio::test]
    async fn programmes_are_checked_before_saving() {
        each_db(|db| async move {
            let s = shop(&db, "35", 100).await;
            let mut p = rules(vec![3000, 2500]);
            assert_eq!(
                save_programme(&db, &crate::testing::owner_grant(&db, s.community).await, &p, 0).await,
                Err(Rule::CommissionTooHigh.into())
            );
            p.rules.rates_bp = vec![1000];
            p.freeze_days = 3;
            assert_eq!(
                save_programme(&db, &crate::testing::owner_grant(&db, s.community).await, &p, 0).await,
                Err(Rule::BadFreezeDays.into())
            );
            assert!(programme(&db, s.community).await.unwrap().is_none());
            p.freeze_days = 7;
            save_programme(&db, &crate::testing::owner_grant(&db, s.community).await, &p, 0).await.unwrap();
            assert_eq!(programme(&db, s.community).await.unwrap(), Some(p));
            assert_eq!(
                set_override(&db, &s.grant, s.product, Some(Override::Fixed(Fen(1800)))).await,
                Err(Rule::BadCommissionOverride.into())
            );
            set_override(&db, &s.grant, s.product, Some(Override::Fixed(Fen(500)))).await.unwrap();
            assert_eq!(override_of(&db, s.product).await.unwrap(), Some(Override::Fixed(Fen(500))));
            set_override(&db, &s.grant, s.product, None).await.unwrap();
            assert_eq!(override_of(&db, s.product).await.unwrap(), None);
        })
        .await;
    }
}
