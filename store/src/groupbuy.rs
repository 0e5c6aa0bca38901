//! Group-buy activities, teams and seats.
//!
//! A seat is taken with one conditional update on the team's `taken` count (`taken < capacity`,
//! backed by a CHECK), so a team never holds more members than it may, however many requests and
//! server processes race for it. Every change to a team locks the team row first (then orders,
//! then stock), so two changes never wait on each other.

use super::notifications::{kind, notify_buyer};
use super::ordering::{apply, paid_effects, release_lines, reserve_line_at, write_order, Created, NewOrder};
use super::{col, is_unique_violation, Db, Tx};
use crate::access::{Granted, Owned};
use crate::Error;
use domain::checkout::Delivery;
use domain::groupbuy::{public_name, Activity, TeamOutcome, TeamStatus};
use domain::model::{ActivityStats, GroupActivity, NearlyFull, TeamMember, TeamSummary};
use domain::money::Fen;
use domain::order::{OrderEvent, OrderStatus};
use domain::Error as Rule;
use sqlx::any::AnyRow;
use sqlx::{FromRow, Row};

const ACT_COLS: &str =
    "a.id, a.product_id, a.community_id, a.sku_id, a.team_size, a.capacity, a.team_price, a.leader_price, \
    a.window_ms, a.starts_at, a.ends_at, a.per_member_limit, a.ladder, a.guaranteed, a.created_at";

/// Checks an activity against its product in the transaction that writes it, with the product row
/// locked first so two submissions cannot both pass: no other activity on the product may run at
/// the same time, and the team price must be below the single price of the option it sells. A
/// product's only option is filled in when the activity names none.
async fn check_against_product(tx: &mut Tx, product: i64, a: &mut Activity, except: Option<i64>) -> Result<(), Error> {
    super::products::lock(tx, product).await?;
    let options = sql!(query, "SELECT id, price FROM skus WHERE product_id = $1 AND active = 1", product)
        .fetch_all(&mut **tx)
        .await?;
    let chosen = match a.sku_id {
        Some(id) => options.iter().find(|r| col::<i64>(r, "id").ok() == Some(id)),
        None if options.len() == 1 => options.first(),
        None => None,
    }
    .ok_or(Rule::ChooseSku)?;
    a.sku_id = Some(col(chosen, "id")?);
    if a.team_price.0 >= col::<i64>(chosen, "price")? {
        return Err(Rule::TeamPriceNotBelowSingle.into());
    }
    check_overlap(tx, product, a, except).await
}

async fn check_overlap(tx: &mut Tx, product: i64, a: &Activity, except: Option<i64>) -> Result<(), Error> {
    let rows = sql!(query, "SELECT id, starts_at, ends_at FROM group_activities WHERE product_id = $1", product)
        .fetch_all(&mut **tx)
        .await?;
    for r in &rows {
        let id: i64 = col(r, "id")?;
        if Some(id) != except && a.overlaps(col(r, "starts_at")?, col(r, "ends_at")?) {
            return Err(Rule::OverlappingActivity.into());
        }
    }
    Ok(())
}

type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>;

/// Binds an activity's rules, in the column order both the insert and the update use.
fn bind_rules<'q>(q: AnyQuery<'q>, a: &Activity) -> AnyQuery<'q> {
    q.bind(a.sku_id)
        .bind(a.team_size)
        .bind(a.capacity())
        .bind(a.team_price.0)
        .bind(a.leader_price.map(|p| p.0))
        .bind(a.window_ms)
        .bind(a.starts_at)
        .bind(a.ends_at)
        .bind(a.per_member_limit)
        .bind(domain::groupbuy::ladder_text(&a.ladder))
        .bind(a.guaranteed as i64)
}

/// Creates an activity on a product; refused when another activity on it runs at the same time.
pub async fn create_activity(db: &Db, g: &Granted, product: i64, a: &Activity, now: i64) -> Result<i64, Error> {
    let community = g.community();
    let mut tx = db.begin().await?;
    g.check(&mut *tx, Owned::Product, product).await?;
    let mut a = a.clone();
    check_against_product(&mut tx, product, &mut a, None).await?;
    let id = db.id();
    let q = sql!(
        query,
        "INSERT INTO group_activities (id, product_id, community_id, sku_id, team_size, capacity, team_price, leader_price, \
         window_ms, starts_at, ends_at, per_member_limit, ladder, guaranteed, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
        id,
        product,
        community
    );
    bind_rules(q, &a).bind(now).execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(id)
}

/// Changes an activity. Once a team has been opened, its rules are what its members paid for:
/// only the end of the activity may still move.
pub async fn update_activity(db: &Db, g: &Granted, id: i64, a: &Activity) -> Result<(), Error> {
    let mut tx = db.begin().await?;
    g.check(&mut *tx, Owned::Activity, id).await?;
    let current =
        sql!(query, sqlx::AssertSqlSafe(format!("SELECT {ACT_COLS} FROM group_activities a WHERE a.id = $1")), id)
            .fetch_optional(&mut *tx)
            .await?
            .map(|r| GroupActivity::from_row(&r))
            .transpose()?
            .ok_or(Rule::NotFound)?;
    let mut a = a.clone();
    if a.sku_id.is_none() {
        a.sku_id = current.rules.sku_id;
    }
    super::products::lock(&mut tx, current.product_id).await?;
    let teams: i64 =
        sql!(query_scalar, "SELECT COUNT(*) FROM teams WHERE activity_id = $1", id).fetch_one(&mut *tx).await?;
    let only_end_moved = Activity { ends_at: current.rules.ends_at, ..a.clone() } == current.rules;
    if teams > 0 && !only_end_moved {
        return Err(Rule::ActivityInUse.into());
    }
    if only_end_moved {
        // The rules members paid under stay as they were; only the end and overlaps are checked.
        check_overlap(&mut tx, current.product_id, &a, Some(id)).await?;
    } else {
        check_against_product(&mut tx, current.product_id, &mut a, Some(id)).await?;
    }
    let q = sqlx::query(
        "UPDATE group_activities SET sku_id = $1, team_size = $2, capacity = $3, team_price = $4, leader_price = $5, \
         window_ms = $6, starts_at = $7, ends_at = $8, per_member_limit = $9, ladder = $10, guaranteed = $11 WHERE id = $12",
    );
    bind_rules(q, &a).bind(id).execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(())
}

/// Ends an activity now: no new teams; teams already open run to the end of their window.
pub async fn end_activity(db: &Db, g: &Granted, id: i64, now: i64) -> Result<(), Error> {
    let mut tx = db.begin().await?;
    g.check(&mut *tx, Owned::Activity, id).await?;
    sql!(
        query,
        "UPDATE group_activities SET starts_at = CASE WHEN starts_at >= $1 THEN $1 - 1 ELSE starts_at END, ends_at = $1 \
         WHERE id = $2 AND ends_at > $1",
        now,
        id
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn activity(db: &Db, id: i64) -> Result<Option<GroupActivity>, Error> {
    let r = sql!(query, sqlx::AssertSqlSafe(format!("SELECT {ACT_COLS} FROM group_activities a WHERE a.id = $1")), id)
        .fetch_optional(&db.pool)
        .await?;
    r.map(|r| GroupActivity::from_row(&r)).transpose().map_err(Into::into)
}

/// A product's activities, the latest first.
pub async fn for_product(db: &Db, product: i64) -> Result<Vec<GroupActivity>, Error> {
    let rows = sql!(
        query,
        sqlx::AssertSqlSafe(format!(
            "SELECT {ACT_COLS} FROM group_activities a WHERE a.product_id = $1 ORDER BY a.starts_at DESC"
        )),
        product
    )
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(GroupActivity::from_row).collect::<Result<_, _>>().map_err(Into::into)
}

/// A community's activities with their products' titles, the latest first.
pub async fn in_community(db: &Db, community: i64) -> Result<Vec<(GroupActivity, String)>, Error> {
    let rows = sql!(
        query,
        sqlx::AssertSqlSafe(format!(
            "SELECT {ACT_COLS}, p.title FROM group_activities a JOIN products p ON p.id = a.product_id \
         WHERE a.community_id = $1 ORDER BY a.starts_at DESC LIMIT 200"
        )),
        community
    )
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| Ok((GroupActivity::from_row(r)?, col(r, "title")?)))
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}

/// Teams anyone can join that need the fewest members, across communities (for the home page).
pub async fn nearly_full(db: &Db, now: i64, limit: i64) -> Result<Vec<NearlyFull>, Error> {
    let rows = sql!(
        query,
        sqlx::AssertSqlSafe(format!(
        "SELECT {TEAM_SELECT}, p.title, p.image, a.team_price FROM {TEAM_FROM} JOIN products p ON p.id = a.product_id \
         WHERE t.status = 'open' AND t.closed_at IS NULL AND t.expires_at > $1 \
         AND t.taken < t.capacity AND p.status = 'on_sale' \
         ORDER BY a.team_size - t.paid, t.expires_at LIMIT $2"
    )),
        now,
        limit
    )
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(NearlyFull {
                team: team_row(r, now)?,
                title: col(r, "title")?,
                image: col(r, "image")?,
                price: Fen(col(r, "team_price")?),
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}

/// The activity running on a product now with its teams open to join (closing soonest first, at
/// most `limit`), read in one query: this is on every product page.
pub async fn offer(
    db: &Db,
    product: i64,
    now: i64,
    limit: i64,
) -> Result<Option<(GroupActivity, Vec<TeamSummary>)>, Error> {
    let rows = sql!(
        query,
        sqlx::AssertSqlSafe(format!(
        "SELECT {ACT_COLS}, t.id AS team_id, t.status AS team_status, t.capacity AS team_capacity, t.taken, t.paid, \
         u.nickname AS leader_name, t.expires_at, t.closed_at \
         FROM group_activities a \
         LEFT JOIN teams t ON t.activity_id = a.id AND t.status IN ('open', 'succeeded') AND t.closed_at IS NULL \
           AND t.expires_at > $2 AND t.taken < t.capacity \
         LEFT JOIN users u ON u.id = t.leader_id \
         WHERE a.product_id = $1 AND a.starts_at <= $2 AND a.ends_at > $2 \
         ORDER BY t.expires_at, t.id LIMIT $3"
    )),
        product,
        now,
        limit
    )
    .fetch_all(&db.pool)
    .await?;
    let Some(first) = rows.first() else { return Ok(None) };
    let activity = GroupActivity::from_row(first)?;
    let mut teams = vec![];
    for r in &rows {
        let Some(id) = r.try_get::<Option<i64>, _>("team_id")? else { continue };
        let status: String = col(r, "team_status")?;
        let expires_at: Option<i64> = r.try_get("expires_at")?;
        teams.push(TeamSummary {
            id,
            activity_id: activity.id,
            product_id: product,
            status: TeamStatus::parse(&status).ok_or_else(|| Error::broken("unknown TeamStatus in a row"))?,
            team_size: activity.rules.team_size,
            capacity: col(r, "team_capacity")?,
            taken: col(r, "taken")?,
            paid: col(r, "paid")?,
            leader_name: public_name(&col::<String>(r, "leader_name")?),
            expires_at,
            left_ms: expires_at.map(|e| (e - now).max(0)).unwrap_or(0),
            closed: r.try_get::<Option<i64>, _>("closed_at")?.is_some(),
            guaranteed: activity.rules.guaranteed,
            members: vec![],
        });
    }
    Ok(Some((activity, teams)))
}

pub async fn stats(db: &Db, activity: i64) -> Result<ActivityStats, Error> {
    let r = sql!(
        query,
        "SELECT COUNT(*) AS teams, \
         CAST(COALESCE(SUM(CASE WHEN t.status = 'open' THEN 1 ELSE 0 END), 0) AS BIGINT) AS open, \
         CAST(COALESCE(SUM(CASE WHEN t.status = 'succeeded' THEN 1 ELSE 0 END), 0) AS BIGINT) AS succeeded, \
         CAST(COALESCE(SUM(CASE WHEN t.status = 'failed' THEN 1 ELSE 0 END), 0) AS BIGINT) AS failed, \
         CAST(COALESCE(SUM(t.paid), 0) AS BIGINT) AS paid, \
         CAST(COALESCE(SUM(a.team_size), 0) AS BIGINT) AS wanted \
         FROM teams t JOIN group_activities a ON a.id = t.activity_id WHERE t.activity_id = $1 AND t.opened_at IS NOT NULL",
        activity
    )
    .fetch_one(&db.pool)
    .await?;
    let refunded: i64 = sql!(
        query_scalar,
        "SELECT CAST(COALESCE(SUM(r.amount), 0) AS BIGINT) FROM refunds r JOIN orders o ON o.id = r.order_id \
         JOIN teams t ON t.id = o.team_id WHERE t.activity_id = $1 AND r.kind IN ('team_failed', 'team_ladder', 'late_payment') \
         AND r.status IN ('approved', 'refunded')",
        activity
    )
    .fetch_one(&db.pool)
    .await?;
    let (paid, wanted): (i64, i64) = (col(&r, "paid")?, col(&r, "wanted")?);
    Ok(ActivityStats {
        teams: col(&r, "teams")?,
        open: col(&r, "open")?,
        succeeded: col(&r, "succeeded")?,
        failed: col(&r, "failed")?,
        fill_bp: if wanted > 0 { paid * 10_000 / wanted } else { 0 },
        refunded: Fen(refunded),
    })
}

const TEAM_SELECT: &str = "t.id, t.activity_id, a.product_id, t.status, a.team_size, t.capacity, t.taken, t.paid, \
    u.nickname AS leader_name, t.expires_at, t.closed_at, a.guaranteed";
const TEAM_FROM: &str = "teams t JOIN group_activities a ON a.id = t.activity_id JOIN users u ON u.id = t.leader_id";

fn team_row(r: &AnyRow, now: i64) -> Result<TeamSummary, sqlx::Error> {
    let status: String = col(r, "status")?;
    let expires_at: Option<i64> = r.try_get("expires_at")?;
    Ok(TeamSummary {
        id: col(r, "id")?,
        activity_id: col(r, "activity_id")?,
        product_id: col(r, "product_id")?,
        status: TeamStatus::parse(&status)
            .ok_or_else(|| sqlx::Error::Decode(format!("team status {status}").into()))?,
        team_size: col(r, "team_size")?,
        capacity: col(r, "capacity")?,
        taken: col(r, "taken")?,
        paid: col(r, "paid")?,
        leader_name: public_name(&col::<String>(r, "leader_name")?),
        expires_at,
        left_ms: expires_at.map(|e| (e - now).max(0)).unwrap_or(0),
        closed: r.try_get::<Option<i64>, _>("closed_at")?.is_some(),
        guaranteed: col::<i64>(r, "guaranteed")? == 1,
        members: vec![],
    })
}

/// A team with its members (leader first, then in the order they joined).
pub async fn team(db: &Db, id: i64, now: i64) -> Result<Option<TeamSummary>, Error> {
    let Some(r) =
        sql!(query, sqlx::AssertSqlSafe(format!("SELECT {TEAM_SELECT} FROM {TEAM_FROM} WHERE t.id = $1")), id)
            .fetch_optional(&db.pool)
            .await?
    else {
        return Ok(None);
    };
    let mut t = team_row(&r, now)?;
    let seats = sql!(
        query,
        "SELECT u.nickname, s.is_leader, s.status FROM team_seats s JOIN users u ON u.id = s.user_id \
         WHERE s.team_id = $1 AND s.status IN ('held', 'paid', 'refunded') ORDER BY s.is_leader DESC, s.joined_at, s.id",
        id
    )
    .fetch_all(&db.pool)
    .await?;
    t.members = seats
        .iter()
        .map(|s| {
            Ok(TeamMember {
                name: public_name(&col::<String>(s, "nickname")?),
                is_leader: col::<i64>(s, "is_leader")? == 1,
                paid: col::<String>(s, "status")? != "held",
            })
        })
        .collect::<Result<_, sqlx::Error>>()?;
    Ok(Some(t))
}

/// Teams of an activity someone can still join, the ones closing soonest first.
pub async fn open_teams(db: &Db, activity: i64, now: i64, limit: i64) -> Result<Vec<TeamSummary>, Error> {
    let rows = sql!(
        query,
        sqlx::AssertSqlSafe(format!(
        "SELECT {TEAM_SELECT} FROM {TEAM_FROM} WHERE t.activity_id = $1 AND t.status IN ('open', 'succeeded') AND t.closed_at IS NULL \
         AND t.expires_at > $2 AND t.taken < t.capacity ORDER BY t.expires_at, t.id LIMIT $3"
    )),
        activity,
        now,
        limit
    )
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(|r| team_row(r, now)).collect::<Result<_, _>>().map_err(Into::into)
}

/// Every team of an activity that has opened, the newest first (for its owner).
pub async fn teams_of(db: &Db, activity: i64, now: i64) -> Result<Vec<(TeamSummary, Fen)>, Error> {
    let rows = sql!(
        query,
        sqlx::AssertSqlSafe(format!(
        "SELECT {TEAM_SELECT}, CAST((SELECT COALESCE(SUM(r.amount), 0) FROM refunds r JOIN orders o ON o.id = r.order_id \
         WHERE o.team_id = t.id AND r.kind <> 'member' AND r.status IN ('approved', 'refunded')) AS BIGINT) AS refunded \
         FROM {TEAM_FROM} WHERE t.activity_id = $1 AND t.opened_at IS NOT NULL ORDER BY t.opened_at DESC, t.id DESC LIMIT 500"
    )),
        activity
    )
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| Ok((team_row(r, now)?, Fen(col(r, "refunded")?))))
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}

/// A member's latest order in a team and its state.
pub async fn order_in_team(db: &Db, team: i64, user: i64) -> Result<Option<(i64, OrderStatus)>, Error> {
    let r = sql!(
        query,
        "SELECT o.id, o.status FROM team_seats s JOIN orders o ON o.id = s.order_id WHERE s.team_id = $1 AND s.user_id = $2 \
         ORDER BY s.joined_at DESC, s.id DESC LIMIT 1",
        team,
        user
    )
    .fetch_optional(&db.pool)
    .await?;
    let Some(r) = r else { return Ok(None) };
    let status = OrderStatus::parse(&col::<String>(&r, "status")?)
        .ok_or_else(|| Error::broken("unknown OrderStatus in a row"))?;
    Ok(Some((col(&r, "id")?, status)))
}

/// The team a member is gathering with in an activity (held or paid, not yet closed), if any.
pub async fn my_open_team(db: &Db, activity: i64, user: i64) -> Result<Option<i64>, Error> {
    Ok(sql!(query_scalar, "SELECT team_id FROM team_seats WHERE active_activity = $1 AND user_id = $2", activity, user)
        .fetch_optional(&db.pool)
        .await?)
}

/// The team of an order, if it is a group-buy order.
pub async fn team_of_order(db: &Db, order: i64) -> Result<Option<i64>, Error> {
    Ok(sql!(query_scalar, "SELECT team_id FROM orders WHERE id = $1", order).fetch_optional(&db.pool).await?.flatten())
}

/// Teams changed at or after `since` (by this process or any other): (team, activity, updated_at).
pub async fn changed_since(db: &Db, since: i64) -> Result<Vec<(i64, i64, i64)>, Error> {
    let rows =
        sql!(query, "SELECT id, activity_id, updated_at FROM teams WHERE updated_at >= $1 ORDER BY updated_at", since)
            .fetch_all(&db.pool)
            .await?;
    rows.iter()
        .map(|r| Ok((col(r, "id")?, col(r, "activity_id")?, col(r, "updated_at")?)))
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}

/// What a member asks for: open a team in an activity, or join a team.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SeatTarget {
    Open { activity: i64 },
    Join { team: i64 },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeatRequest {
    pub target: SeatTarget,
    pub sku_id: Option<i64>,
    pub quantity: i64,
    pub delivery: Delivery,
    pub ship_to: String,
    pub note: String,
    pub key: Option<String>,
    /// Who referred the member, from the referral link they came through (if any).
    pub referrer: Option<i64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Seat {
    pub created: Created,
    pub team_id: i64,
}

/// Takes a seat (opening the team for a leader) and makes its order, held for `hold_ms` while
/// the member pays. The same checkout key returns the first seat.
#[tracing::instrument(skip_all, fields(buyer), err(level = "debug"))]
pub async fn take_seat(
    db: &Db,
    buyer: i64,
    req: &SeatRequest,
    now: i64,
    hold_ms: i64,
    provider: &str,
) -> Result<Seat, Error> {
    // The seat is competed for first: a checkout key costs nothing on the way to it. Only a
    // refusal looks the key up, so a repeated submission (the member already in, or the team
    // full by now) answers with the seat the first one took.
    let refused = match try_take(db, buyer, req, now, hold_ms, provider).await {
        Ok(seat) => return Ok(seat),
        // The same member raced themself: a repeated submission, or a second team.
        Err(TakeError::Unique) => Error::Rule(Rule::AlreadyInTeam),
        Err(TakeError::App(e)) => e,
    };
    if let Some(key) = &req.key {
        if let Some(seat) = by_key(db, buyer, key).await? {
            return Ok(seat);
        }
    }
    Err(refused)
}

enum TakeError {
    Unique,
    App(Error),
}

impl From<Error> for TakeError {
    fn from(e: Error) -> Self {
        TakeError::App(e)
    }
}

impl From<Rule> for TakeError {
    fn from(e: Rule) -> Self {
        TakeError::App(e.into())
    }
}

impl From<sqlx::Error> for TakeError {
    fn from(e: sqlx::Error) -> Self {
        if is_unique_violation(&e) {
            TakeError::Unique
        } else {
            TakeError::App(e.into())
        }
    }
}

async fn by_key(db: &Db, buyer: i64, key: &str) -> Result<Option<Seat>, Error> {
    let r = sql!(
        query,
        "SELECT o.id, o.total_amount, o.team_id, (SELECT MIN(p.id) FROM payments p WHERE p.order_id = o.id) AS payment_id \
         FROM orders o WHERE o.buyer_id = $1 AND o.checkout_key = $2 AND o.team_id IS NOT NULL",
        buyer,
        key
    )
    .fetch_optional(&db.pool)
    .await?;
    let Some(r) = r else { return Ok(None) };
    Ok(Some(Seat {
        created: Created {
            order_id: col(&r, "id")?,
            payment_id: col(&r, "payment_id")?,
            total: Fen(col(&r, "total_amount")?),
        },
        team_id: col(&r, "team_id")?,
    }))
}

async fn load_activity(tx: &mut Tx, id: i64) -> Result<GroupActivity, Error> {
    sql!(query, sqlx::AssertSqlSafe(format!("SELECT {ACT_COLS} FROM group_activities a WHERE a.id = $1")), id)
        .fetch_optional(&mut **tx)
        .await?
        .map(|r| GroupActivity::from_row(&r))
        .transpose()?
        .ok_or(Rule::NotFound.into())
}

async fn try_take(
    db: &Db,
    buyer: i64,
    req: &SeatRequest,
    now: i64,
    hold_ms: i64,
    provider: &str,
) -> Result<Seat, TakeError> {
    let mut tx = db.begin().await?;
    let (team_id, act, leader) = match req.target {
        SeatTarget::Join { team } => {
            // The one statement that decides who gets a seat.
            let taken = sql!(
                query,
                "UPDATE teams SET taken = taken + 1, updated_at = $2 WHERE id = $1 AND status IN ('open', 'succeeded') \
                 AND closed_at IS NULL AND expires_at > $2 AND taken < capacity",
                team,
                now
            )
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if taken != 1 {
                let r = sql!(query, "SELECT taken, capacity, status, closed_at FROM teams WHERE id = $1", team)
                    .fetch_optional(&mut *tx)
                    .await?
                    .ok_or(Rule::NotFound)?;
                let full = col::<i64>(&r, "taken")? >= col::<i64>(&r, "capacity")?;
                let failed = col::<String>(&r, "status")? == "failed";
                return Err(if full && !failed { Rule::TeamFull } else { Rule::TeamClosed }.into());
            }
            let activity: i64 =
                sql!(query_scalar, "SELECT activity_id FROM teams WHERE id = $1", team).fetch_one(&mut *tx).await?;
            let act = load_activity(&mut tx, activity).await?;
            // Team, then product, then the member's units: the order opening a team and giving a
            // seat back take them in too.
            super::products::lock(&mut tx, act.product_id).await?;
            (team, act, false)
        }
        SeatTarget::Open { activity } => {
            // The product first, as an owner's change to the activity takes it: the rules read
            // here are the ones the first team is opened under.
            let product: i64 = sql!(query_scalar, "SELECT product_id FROM group_activities WHERE id = $1", activity)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or(Rule::NotFound)?;
            super::products::lock(&mut tx, product).await?;
            let act = load_activity(&mut tx, activity).await?;
            if !act.rules.is_running(now) {
                return Err(Rule::ActivityNotRunning.into());
            }
            let team = db.id();
            sql!(
                query,
                "INSERT INTO teams (id, activity_id, leader_id, status, capacity, taken, paid, created_at, updated_at) \
                 VALUES ($1, $2, $3, 'pending', $4, 1, 0, $5, $5)",
                team,
                activity,
                buyer,
                act.rules.capacity(),
                now
            )
            .execute(&mut *tx)
            .await?;
            (team, act, true)
        }
    };
    let mine: Option<i64> =
        sql!(query_scalar, "SELECT team_id FROM team_seats WHERE active_activity = $1 AND user_id = $2", act.id, buyer)
            .fetch_optional(&mut *tx)
            .await?;
    if let Some(t) = mine {
        return Err(if t == team_id || !leader { Rule::AlreadyInTeam } else { Rule::AlreadyLeadingTeam }.into());
    }
    let limit = act.rules.per_member_limit;
    let counted = sql!(
        query,
        "INSERT INTO group_member_units (activity_id, user_id, quantity) VALUES ($1, $2, $3) \
         ON CONFLICT (activity_id, user_id) DO UPDATE SET quantity = group_member_units.quantity + excluded.quantity \
         WHERE group_member_units.quantity + excluded.quantity <= $4",
        act.id,
        buyer,
        req.quantity,
        limit
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if counted != 1 || req.quantity > limit {
        let had: i64 = sql!(
            query_scalar,
            "SELECT COALESCE(MAX(quantity), 0) FROM group_member_units WHERE activity_id = $1 AND user_id = $2",
            act.id,
            buyer
        )
        .fetch_one(&mut *tx)
        .await?;
        let already = if counted == 1 { had - req.quantity } else { had };
        return Err(Rule::OverMemberLimit { limit, left: (limit - already).max(0) }.into());
    }
    let unit_price = act.rules.unit_price(leader);
    // The team price is for the activity's option only.
    let sku = match (act.rules.sku_id, req.sku_id) {
        (Some(sold), Some(asked)) if sold != asked => return Err(Rule::NotInGroupBuy.into()),
        (Some(sold), _) => Some(sold),
        // An activity that names no option (made before options were named) sells a product's
        // only option; with several, none is sold at its price.
        (None, _) => None,
    };
    let line = reserve_line_at(&mut tx, buyer, act.product_id, sku, req.quantity, Some(unit_price)).await?;
    let order = NewOrder {
        community: line.community_id,
        buyer,
        delivery: req.delivery,
        ship_to: &req.ship_to,
        note: &req.note,
        key: req.key.as_deref(),
        team: Some(team_id),
        referrer: req.referrer,
        now,
        pay_deadline: now + hold_ms,
    };
    let created: Created = write_order::<TakeError>(db, &mut tx, &order, std::slice::from_ref(&line), provider).await?;
    let order_id = created.order_id;
    sql!(
        query,
        "INSERT INTO team_seats (id, team_id, user_id, order_id, is_leader, status, active_activity, unit_price, quantity, joined_at) \
         VALUES ($1, $2, $3, $4, $5, 'held', $6, $7, $8, $9)",
        db.id(),
        team_id,
        buyer,
        order_id,
        leader as i64,
        act.id,
        unit_price.0,
        req.quantity,
        now
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Seat { created, team_id })
}

/// Locks a team row for the rest of the transaction and marks it changed.
pub(crate) async fn lock_team(tx: &mut Tx, team: i64, now: i64) -> Result<(), Error> {
    sql!(query, "UPDATE teams SET updated_at = $2 WHERE id = $1", team, now).execute(&mut **tx).await?;
    Ok(())
}

/// A seat's payment arrived while it was held (the order just moved to `awaiting_team`): the
/// seat counts as paid, the leader's payment opens the team and starts its clock, and a team
/// that now has enough members succeeds in the same transaction.
pub(crate) async fn seat_paid(db: &Db, tx: &mut Tx, team: i64, order: i64, now: i64) -> Result<(), Error> {
    let moved = sql!(
        query,
        "UPDATE team_seats SET status = 'paid', paid_at = $1 WHERE order_id = $2 AND status = 'held'",
        now,
        order
    )
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if moved != 1 {
        tracing::error!(order, team, "a paid group-buy order had no held seat");
        return Err(Error::Broken("a paid group-buy order had no held seat"));
    }
    sql!(query, "UPDATE teams SET paid = paid + 1 WHERE id = $1", team).execute(&mut **tx).await?;
    sql!(
        query,
        "UPDATE teams SET status = 'open', opened_at = $1, \
         expires_at = $1 + (SELECT window_ms FROM group_activities a WHERE a.id = teams.activity_id) \
         WHERE id = $2 AND status = 'pending'",
        now,
        team
    )
    .execute(&mut **tx)
    .await?;
    let (status, paid, act) = team_state(tx, team).await?;
    let status = if status == TeamStatus::Open && paid >= act.rules.team_size {
        sql!(query, "UPDATE teams SET status = 'succeeded' WHERE id = $1 AND status = 'open'", team)
            .execute(&mut **tx)
            .await?;
        TeamStatus::Succeeded
    } else {
        status
    };
    if status == TeamStatus::Succeeded {
        // The team's orders (or, for a team already formed, the newcomer's) are ready to ship.
        release_awaiting(db, tx, team, now).await?;
        let capacity: i64 =
            sql!(query_scalar, "SELECT capacity FROM teams WHERE id = $1", team).fetch_one(&mut **tx).await?;
        if paid >= capacity {
            close_formed(db, tx, team, &act.rules, now).await?;
        }
    }
    Ok(())
}

async fn team_state(tx: &mut Tx, team: i64) -> Result<(TeamStatus, i64, GroupActivity), Error> {
    let r = sql!(query, "SELECT status, paid, activity_id FROM teams WHERE id = $1", team).fetch_one(&mut **tx).await?;
    let status =
        TeamStatus::parse(&col::<String>(&r, "status")?).ok_or_else(|| Error::broken("unknown TeamStatus in a row"))?;
    let act = load_activity(tx, col(&r, "activity_id")?).await?;
    Ok((status, col(&r, "paid")?, act))
}

/// Orders of a succeeded team still waiting for it become paid, with the usual notices.
async fn release_awaiting(db: &Db, tx: &mut Tx, team: i64, now: i64) -> Result<(), Error> {
    let rows = sql!(query, "SELECT id, total_amount FROM orders WHERE team_id = $1 AND status = 'awaiting_team'", team)
        .fetch_all(&mut **tx)
        .await?;
    for r in &rows {
        let id: i64 = col(r, "id")?;
        if apply(db, tx, id, OrderStatus::AwaitingTeam, OrderEvent::TeamSucceeded, "system", now).await? {
            paid_effects(db, tx, id, kind::TEAM_SUCCEEDED, Fen(col(r, "total_amount")?), now).await?;
        }
    }
    Ok(())
}

/// A formed team stops taking members (full, or its window ended): the ladder difference goes
/// back to each member still in, decided here once. A member whose approved or paid refunds
/// already cover the whole line has left: they do not count toward the step, and nobody is paid
/// back more than their line cost less what went back to them. A request still waiting for the
/// owner does not count (it may be declined); approving it later gives at most what the line has
/// left after the ladder (`refunds::approve`).
async fn close_formed(db: &Db, tx: &mut Tx, team: i64, rules: &Activity, now: i64) -> Result<(), Error> {
    let closed = sql!(query, "UPDATE teams SET closed_at = $1 WHERE id = $2 AND closed_at IS NULL", now, team)
        .execute(&mut **tx)
        .await?
        .rows_affected();
    if closed != 1 {
        return Ok(());
    }
    sql!(query, "UPDATE team_seats SET active_activity = NULL WHERE team_id = $1", team).execute(&mut **tx).await?;
    #[derive(sqlx::FromRow)]
    struct PaidSeat {
        order_id: i64,
        unit_price: Fen,
        quantity: i64,
        payment_id: i64,
        line_amount: Fen,
        claimed: Fen,
    }
    let seats: Vec<PaidSeat> = sql!(
        query_as,
        "SELECT s.order_id, s.unit_price, s.quantity, p.id AS payment_id, l.amount AS line_amount, \
         CAST((SELECT COALESCE(SUM(r.amount), 0) FROM refunds r WHERE r.order_id = s.order_id AND r.kind = 'member' \
               AND r.status IN ('approved', 'refunded')) AS BIGINT) AS claimed \
         FROM team_seats s JOIN payments p ON p.order_id = s.order_id AND p.status = 'succeeded' \
         JOIN order_lines l ON l.order_id = s.order_id WHERE s.team_id = $1 AND s.status = 'paid' ORDER BY s.order_id",
        team
    )
    .fetch_all(&mut **tx)
    .await?;
    let still_in: Vec<&PaidSeat> = seats.iter().filter(|s| s.claimed < s.line_amount).collect();
    let members = still_in.len() as i64;
    for s in still_in {
        let back = rules.ladder_refund(members, s.unit_price, s.quantity).min(s.line_amount.saturating_sub(s.claimed));
        if back.0 > 0 {
            insert_refund(db, tx, s.order_id, s.payment_id, "team_ladder", back, now).await?;
            notify_buyer(db, tx, s.order_id, kind::TEAM_LADDER_REFUND, back, now).await?;
        }
    }
    Ok(())
}

async fn insert_refund(
    db: &Db,
    tx: &mut Tx,
    order: i64,
    payment: i64,
    refund_kind: &str,
    amount: Fen,
    now: i64,
) -> Result<(), Error> {
    sql!(
        query,
        "INSERT INTO refunds (id, order_id, payment_id, kind, amount, reason, status, created_at, decided_at) \
         VALUES ($1, $2, $3, $4, $5, $4, 'approved', $6, $6)",
        db.id(),
        order,
        payment,
        refund_kind,
        amount.0,
        now
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// An unpaid group-buy order was cancelled (its hold ran out, or the member gave up): its seat
/// returns to the team. A leader who never paid leaves a team nobody else could see; it ends.
pub(crate) async fn seat_released(tx: &mut Tx, team: i64, order: i64, now: i64) -> Result<(), Error> {
    let seat = sql!(
        query,
        "SELECT user_id, quantity, is_leader FROM team_seats WHERE order_id = $1 AND status = 'held'",
        order
    )
    .fetch_optional(&mut **tx)
    .await?;
    let Some(seat) = seat else { return Ok(()) };
    sql!(
        query,
        "UPDATE team_seats SET status = 'released', active_activity = NULL WHERE order_id = $1 AND status = 'held'",
        order
    )
    .execute(&mut **tx)
    .await?;
    sql!(query, "UPDATE teams SET taken = taken - 1 WHERE id = $1", team).execute(&mut **tx).await?;
    give_back_units(tx, team, col(&seat, "user_id")?, col(&seat, "quantity")?).await?;
    if col::<i64>(&seat, "is_leader")? == 1 {
        sql!(
            query,
            "UPDATE teams SET status = 'failed', closed_at = $1 WHERE id = $2 AND status = 'pending'",
            now,
            team
        )
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

async fn give_back_units(tx: &mut Tx, team: i64, user: i64, quantity: i64) -> Result<(), Error> {
    sql!(
        query,
        "UPDATE group_member_units SET quantity = quantity - $1 WHERE user_id = $2 AND quantity >= $1 \
         AND activity_id = (SELECT activity_id FROM teams WHERE id = $3)",
        quantity,
        user,
        team
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Teams whose window has ended and that are not closed yet.
pub async fn due(db: &Db, now: i64, limit: i64) -> Result<Vec<i64>, Error> {
    Ok(sql!(
        query_scalar,
        "SELECT id FROM teams WHERE status IN ('open', 'succeeded') AND closed_at IS NULL AND expires_at <= $1 \
         ORDER BY expires_at LIMIT $2",
        now,
        limit
    )
    .fetch_all(&db.pool)
    .await?)
}

/// How a team's window ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Closed {
    /// Someone else closed it first, or it is not due.
    Nothing,
    /// It succeeded (or had already); refunds are ladder differences to pay.
    Succeeded { refunds: Vec<i64> },
    /// It failed; refunds return every payment.
    Failed { refunds: Vec<i64> },
}

/// Ends a team whose window is over, exactly once (the conditional updates decide between
/// racing jobs): seats still being paid for are released, then the team succeeds (enough
/// members, or a guaranteed team with at least one) or fails and every payment goes back.
#[tracing::instrument(skip_all, fields(team), err(level = "debug"))]
pub async fn close_due(db: &Db, team: i64, now: i64) -> Result<Closed, Error> {
    let mut tx = db.begin().await?;
    lock_team(&mut tx, team, now).await?;
    let r =
        sql!(query, "SELECT status, closed_at, expires_at FROM teams WHERE id = $1", team).fetch_one(&mut *tx).await?;
    let expires: Option<i64> = r.try_get("expires_at")?;
    let closed: Option<i64> = r.try_get("closed_at")?;
    let status =
        TeamStatus::parse(&col::<String>(&r, "status")?).ok_or_else(|| Error::broken("unknown TeamStatus in a row"))?;
    if closed.is_some()
        || expires.is_none_or(|e| e > now)
        || !matches!(status, TeamStatus::Open | TeamStatus::Succeeded)
    {
        return Ok(Closed::Nothing);
    }
    // Members still at the cashier lose their seat: the team is over.
    let held = sql!(query, "SELECT order_id FROM team_seats WHERE team_id = $1 AND status = 'held'", team)
        .fetch_all(&mut *tx)
        .await?;
    for h in &held {
        let order: i64 = col(h, "order_id")?;
        if apply(db, &mut tx, order, OrderStatus::PendingPayment, OrderEvent::Cancel, "system", now).await? {
            sql!(query, "UPDATE orders SET cancelled_at = $1 WHERE id = $2", now, order).execute(&mut *tx).await?;
            release_lines(&mut tx, order).await?;
            seat_released(&mut tx, team, order, now).await?;
        }
    }
    let (_, paid, act) = team_state(&mut tx, team).await?;
    let before: Vec<i64> = automatic_refunds(&mut tx, team).await?;
    let outcome =
        if status == TeamStatus::Succeeded { TeamOutcome::Succeeded } else { act.rules.outcome_at_deadline(paid) };
    match outcome {
        TeamOutcome::Succeeded => {
            sql!(query, "UPDATE teams SET status = 'succeeded' WHERE id = $1", team).execute(&mut *tx).await?;
            release_awaiting(db, &mut tx, team, now).await?;
            close_formed(db, &mut tx, team, &act.rules, now).await?;
        }
        TeamOutcome::Failed => {
            let done = sql!(
                query,
                "UPDATE teams SET status = 'failed', closed_at = $1 WHERE id = $2 AND status = 'open'",
                now,
                team
            )
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if done != 1 {
                return Ok(Closed::Nothing);
            }
            let seats = sql!(
                query,
                "SELECT s.order_id, s.user_id, s.quantity, p.id AS payment_id, p.amount FROM team_seats s \
                 JOIN payments p ON p.order_id = s.order_id AND p.status = 'succeeded' WHERE s.team_id = $1 AND s.status = 'paid'",
                team
            )
            .fetch_all(&mut *tx)
            .await?;
            for s in &seats {
                let order: i64 = col(s, "order_id")?;
                if !apply(db, &mut tx, order, OrderStatus::AwaitingTeam, OrderEvent::TeamFailed, "system", now).await? {
                    continue;
                }
                let amount = Fen(col(s, "amount")?);
                insert_refund(db, &mut tx, order, col(s, "payment_id")?, "team_failed", amount, now).await?;
                notify_buyer(db, &mut tx, order, kind::TEAM_FAILED, amount, now).await?;
                // Nothing was sent: the goods go back on sale.
                release_lines(&mut tx, order).await?;
                give_back_units(&mut tx, team, col(s, "user_id")?, col(s, "quantity")?).await?;
            }
            sql!(
                query,
                "UPDATE team_seats SET status = 'refunded', active_activity = NULL WHERE team_id = $1 AND status = 'paid'",
                team
            )
                .execute(&mut *tx)
                .await?;
        }
    }
    let refunds: Vec<i64> =
        automatic_refunds(&mut tx, team).await?.into_iter().filter(|id| !before.contains(id)).collect();
    tx.commit().await?;
    Ok(match outcome {
        TeamOutcome::Succeeded => Closed::Succeeded { refunds },
        TeamOutcome::Failed => Closed::Failed { refunds },
    })
}

async fn automatic_refunds(tx: &mut Tx, team: i64) -> Result<Vec<i64>, Error> {
    Ok(sql!(
        query_scalar,
        "SELECT r.id FROM refunds r JOIN orders o ON o.id = r.order_id WHERE o.team_id = $1 AND r.kind <> 'member'",
        team
    )
    .fetch_all(&mut **tx)
    .await?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::orders::{cancel_unpaid, PaymentOutcome};
    use crate::testing::{each_db, member, shop};

    use crate::testing::team::*;

    #[tokio::test]
    async fn a_team_fills_and_every_order_becomes_paid() {
        each_db(|db| async move {
            let (s, act, lead) = open_team_with(&db, &rules(3, false, vec![]), 100).await;
            assert_eq!(lead.created.total, Fen(2990));
            // Until the leader pays, nobody sees the team.
            assert!(open_teams(&db, act, T0, 10).await.unwrap().is_empty());
            assert_eq!(offer(&db, s.product, T0, 10).await.unwrap().map(|(a, t)| (a.id, t.len())), Some((act, 0)));
            assert!(matches!(pay(&db, &lead, T0 + 1000).await, PaymentOutcome::Paid { .. }));
            assert_eq!(status(&db, lead.created.order_id).await, OrderStatus::AwaitingTeam);
            let t = team(&db, lead.team_id, T0 + 1000).await.unwrap().unwrap();
            assert_eq!((t.status, t.paid, t.missing()), (TeamStatus::Open, 1, 2));
            assert_eq!(t.expires_at, Some(T0 + 1000 + domain::groupbuy::DEFAULT_WINDOW_MS));
            let open_now = open_teams(&db, act, T0 + 2000, 10).await.unwrap();
            assert_eq!(open_now.len(), 1);
            // The product page reads the same in one query.
            let (a, teams) = offer(&db, s.product, T0 + 2000, 10).await.unwrap().unwrap();
            assert_eq!((a.id, teams), (act, open_now));
            let mut seats = vec![lead];
            for n in 0..2 {
                let m = member(&db, "friend").await;
                let seat = join(&db, m, lead.team_id, T0 + 5000).await.unwrap();
                assert_eq!(seat.team_id, lead.team_id);
                pay(&db, &seat, T0 + 6000 + n).await;
                seats.push(seat);
            }
            let t = team(&db, lead.team_id, T0 + 7000).await.unwrap().unwrap();
            assert_eq!((t.status, t.paid, t.members.len(), t.closed), (TeamStatus::Succeeded, 3, 3, true));
            assert!(t.members[0].is_leader && t.members.iter().all(|m| m.paid));
            for seat in &seats {
                assert_eq!(status(&db, seat.created.order_id).await, OrderStatus::Paid);
            }
            let p = crate::products::by_id(&db, s.product).await.unwrap().unwrap();
            assert_eq!(p.sold, 3);
            // A fourth member is told the team is full, and nothing is made for them.
            let late = member(&db, "late").await;
            let err = join(&db, late, lead.team_id, T0 + 8000).await.unwrap_err();
            assert_eq!(err, Rule::TeamFull);
            assert!(crate::orders::for_buyer(&db, late).await.unwrap().is_empty());
            // The leader may open a new team now that the first one closed.
            open(&db, s.buyer, act, T0 + 9000).await.unwrap();
        })
        .await;
    }

    #[tokio::test]
    async fn one_open_team_per_member_and_no_joining_twice() {
        each_db(|db| async move {
            let (s, act, lead) = open_team_with(&db, &rules(3, false, vec![]), 100).await;
            pay(&db, &lead, T0).await;
            let again = open(&db, s.buyer, act, T0).await;
            assert_eq!(again.unwrap_err(), Rule::AlreadyLeadingTeam);
            let own = take_seat(&db, s.buyer, &req(SeatTarget::Join { team: lead.team_id }), T0, HOLD, "sandbox").await;
            assert_eq!(own.unwrap_err(), Rule::AlreadyInTeam);
            let m = member(&db, "m").await;
            join(&db, m, lead.team_id, T0).await.unwrap();
            let twice = join(&db, m, lead.team_id, T0).await;
            assert_eq!(twice.unwrap_err(), Rule::AlreadyInTeam);
            let other = open(&db, m, act, T0).await;
            assert_eq!(other.unwrap_err(), Rule::AlreadyLeadingTeam);
            // The refused attempts left the team as it was.
            let t = team(&db, lead.team_id, T0).await.unwrap().unwrap();
            assert_eq!((t.taken, t.paid), (2, 1));
        })
        .await;
    }

    #[tokio::test]
    async fn concurrent_joins_never_overfill_a_team() {
        each_db(|db| async move {
            let (_s, _act, lead) = open_team_with(&db, &rules(10, false, vec![]), 1000).await;
            pay(&db, &lead, T0).await;
            let mut members = vec![];
            for _ in 0..60 {
                members.push(member(&db, "rush").await);
            }
            let tasks: Vec<_> = members
                .into_iter()
                .map(|m| {
                    let db = db.clone();
                    tokio::spawn(async move {
                        let r = join(&db, m, lead.team_id, T0 + 10).await;
                        if let Ok(seat) = &r {
                            pay(&db, seat, T0 + 20).await;
                        }
                        r
                    })
                })
                .collect();
            let mut won = 0;
            for t in tasks {
                match t.await.unwrap() {
                    Ok(_) => won += 1,
                    Err(e) => assert_eq!(e, Rule::TeamFull),
                }
            }
            assert_eq!(won, 9);
            let t = team(&db, lead.team_id, T0 + 30).await.unwrap().unwrap();
            assert_eq!((t.taken, t.paid, t.status), (10, 10, TeamStatus::Succeeded));
        })
        .await;
    }

    #[tokio::test]
    async fn a_guaranteed_team_completes_with_whoever_paid() {
        each_db(|db| async move {
            let (_s, _act, lead) = open_team_with(&db, &rules(3, true, vec![]), 10).await;
            pay(&db, &lead, T0).await;
            let end = T0 + domain::groupbuy::DEFAULT_WINDOW_MS;
            assert!(matches!(close_due(&db, lead.team_id, end).await.unwrap(), Closed::Succeeded { .. }));
            assert_eq!(status(&db, lead.created.order_id).await, OrderStatus::Paid);
            let t = team(&db, lead.team_id, end).await.unwrap().unwrap();
            assert_eq!((t.status, t.paid, t.closed), (TeamStatus::Succeeded, 1, true));
        })
        .await;
    }

    /// A seat paid for after its team's window ended is not counted, though the closing job has
    /// not run yet: the money goes back and the team is decided by who paid in time.
    #[tokio::test]
    async fn a_seat_paid_after_the_team_ended_goes_back() {
        each_db(|db| async move {
            let a = Activity { window_ms: domain::groupbuy::HOUR_MS, ..rules(2, false, vec![]) };
            let (_s, _act, lead) = open_team_with(&db, &a, 10).await;
            pay(&db, &lead, T0).await;
            let m = member(&db, "m").await;
            let ends = T0 + domain::groupbuy::HOUR_MS;
            let seat = join(&db, m, lead.team_id, ends - 1000).await.unwrap();
            assert!(matches!(pay(&db, &seat, ends).await, PaymentOutcome::OrderNotPayable { .. }));
            assert_eq!(status(&db, seat.created.order_id).await, OrderStatus::Cancelled);
            let t = team(&db, lead.team_id, ends).await.unwrap().unwrap();
            assert_eq!((t.paid, t.taken, t.status), (1, 1, TeamStatus::Open));
            assert!(matches!(close_due(&db, lead.team_id, ends).await.unwrap(), Closed::Failed { .. }));
        })
        .await;
    }

    /// A seat request sent again with its checkout key answers with the first seat, whether the
    /// team still has room or has filled since.
    #[tokio::test]
    async fn a_repeated_seat_request_answers_with_the_first_seat() {
        each_db(|db| async move {
            let (_s, _act, lead) = open_team_with(&db, &rules(3, false, vec![]), 10).await;
            pay(&db, &lead, T0).await;
            let m = member(&db, "m").await;
            let keyed = SeatRequest { key: Some("k-seat-1".into()), ..req(SeatTarget::Join { team: lead.team_id }) };
            let first = take_seat(&db, m, &keyed, T0, HOLD, "sandbox").await.unwrap();
            assert_eq!(take_seat(&db, m, &keyed, T0 + 1, HOLD, "sandbox").await, Ok(first));
            let other = member(&db, "o").await;
            join(&db, other, lead.team_id, T0 + 2).await.unwrap();
            assert_eq!(team(&db, lead.team_id, T0 + 2).await.unwrap().unwrap().taken, 3, "full");
            assert_eq!(take_seat(&db, m, &keyed, T0 + 3, HOLD, "sandbox").await, Ok(first));
            // Without the key, the refusal is the answer.
            assert_eq!(join(&db, m, lead.team_id, T0 + 4).await.unwrap_err(), Rule::TeamFull);
        })
        .await;
    }

    #[tokio::test]
    async fn an_unpaid_seat_returns_to_the_team() {
        each_db(|db| async move {
            let (_s, act, lead) = open_team_with(&db, &rules(2, false, vec![]), 10).await;
            pay(&db, &lead, T0).await;
            let m = member(&db, "m").await;
            let seat = join(&db, m, lead.team_id, T0).await.unwrap();
            assert_eq!(team(&db, lead.team_id, T0).await.unwrap().unwrap().taken, 2);
            // Full while the seat is held.
            let other = member(&db, "o").await;
            let full = join(&db, other, lead.team_id, T0).await;
            assert_eq!(full.unwrap_err(), Rule::TeamFull);
            assert!(cancel_unpaid(&db, seat.created.order_id, "system", T0 + HOLD).await.unwrap());
            let t = team(&db, lead.team_id, T0 + HOLD).await.unwrap().unwrap();
            assert_eq!((t.taken, t.paid, t.status), (1, 1, TeamStatus::Open));
            // Its payment, arriving late, is refunded; the seat went to someone else.
            assert!(matches!(pay(&db, &seat, T0 + HOLD + 1).await, PaymentOutcome::OrderNotPayable { .. }));
            let seat2 = join(&db, other, lead.team_id, T0 + HOLD + 2).await.unwrap();
            pay(&db, &seat2, T0 + HOLD + 3).await;
            assert_eq!(team(&db, lead.team_id, T0 + HOLD + 4).await.unwrap().unwrap().status, TeamStatus::Succeeded);
            // The member whose hold ran out can take part again.
            assert_eq!(my_open_team(&db, act, m).await.unwrap(), None);
        })
        .await;
    }

    #[tokio::test]
    async fn a_group_price_is_for_its_option_only() {
        each_db(|db| async move {
            let s = shop(&db, "35", 10).await;
            let skus = crate::testing::with_options(&db, &s).await;
            let (cheap, mid, dear) = (skus[0].id, skus[1].id, skus[2].id);
            // With several options the activity names one, and its price must beat that option's.
            let a = rules(2, false, vec![]);
            assert_eq!(create_activity(&db, &s.grant, s.product, &a, T0).await, Err(Rule::ChooseSku.into()));
            let at_40 = Activity { team_price: Fen(4000), sku_id: Some(cheap), ..a.clone() };
            assert_eq!(
                create_activity(&db, &s.grant, s.product, &at_40, T0).await,
                Err(Rule::TeamPriceNotBelowSingle.into())
            );
            let other = shop(&db, "10", 5).await;
            let foreign = crate::products::skus_of(&db, other.product, false).await.unwrap()[0].id;
            let elsewhere = Activity { sku_id: Some(foreign), ..a.clone() };
            assert_eq!(create_activity(&db, &s.grant, s.product, &elsewhere, T0).await, Err(Rule::ChooseSku.into()));
            let act =
                create_activity(&db, &s.grant, s.product, &Activity { sku_id: Some(cheap), ..a }, T0).await.unwrap();
            assert_eq!(activity(&db, act).await.unwrap().unwrap().rules.sku_id, Some(cheap));

            // The ¥68 and ¥165 options are not sold at ¥29.90, and asking changes nothing.
            for asked in [mid, dear] {
                let r = take_seat(
                    &db,
                    s.buyer,
                    &SeatRequest { sku_id: Some(asked), ..req(SeatTarget::Open { activity: act }) },
                    T0,
                    HOLD,
                    "sandbox",
                )
                .await;
                assert_eq!(r.unwrap_err(), Rule::NotInGroupBuy);
            }
            let after = crate::products::skus_of(&db, s.product, false).await.unwrap();
            assert_eq!(after.iter().map(|k| k.stock).collect::<Vec<_>>(), vec![10, 5, 2], "no stock held by a refusal");
            assert_eq!(my_open_team(&db, act, s.buyer).await.unwrap(), None);

            // Without a choice, or choosing it, the member gets the activity's option.
            let lead = open(&db, s.buyer, act, T0).await.unwrap();
            let o = crate::orders::by_id(&db, lead.created.order_id).await.unwrap().unwrap();
            assert_eq!((o.lines[0].sku_id, o.lines[0].unit_price), (cheap, Fen(2990)));
            pay(&db, &lead, T0).await;
            let m = member(&db, "m").await;
            let seat = take_seat(
                &db,
                m,
                &SeatRequest { sku_id: Some(cheap), ..req(SeatTarget::Join { team: lead.team_id }) },
                T0,
                HOLD,
                "sandbox",
            )
            .await
            .unwrap();
            assert_eq!(seat.created.total, Fen(2990));

            // Once teams exist the option is part of the rules members paid for.
            let moved = Activity { sku_id: Some(dear), ..activity(&db, act).await.unwrap().unwrap().rules };
            assert_eq!(update_activity(&db, &s.grant, act, &moved).await, Err(Rule::ActivityInUse.into()));
        })
        .await;
    }

    /// An option a group-buy sells cannot be priced down to its team price while the activity
    /// runs (the team price would no longer be a saving); after it ends it can.
    #[tokio::test]
    async fn an_option_in_a_group_buy_stays_dearer_than_its_team_price() {
        use domain::catalogue::SkuDraft;
        each_db(|db| async move {
            let s = shop(&db, "35", 10).await;
            let skus = crate::testing::with_options(&db, &s).await;
            let a = Activity { sku_id: Some(skus[0].id), ..rules(2, false, vec![]) };
            create_activity(&db, &s.grant, s.product, &a, T0).await.unwrap();
            let priced = |p: &str| (skus[0].id, SkuDraft::parse(p, "90", "10", "").unwrap().over(Some(10)));
            let save = |p: &'static str, at: i64| {
                let db = db.clone();
                let row = priced(p);
                async move { crate::products::save_skus(&db, &s.grant, s.product, &[row], at).await }
            };
            assert_eq!(save("29.90", T0).await, Err(Rule::PriceNotAboveTeamPrice { team_price: Fen(2990) }.into()));
            assert_eq!(crate::products::skus_of(&db, s.product, false).await.unwrap()[0].price, Fen(3500));
            save("30", T0).await.unwrap();
            save("25", a.ends_at).await.unwrap();
            // Another option of the product is free to move.
            let other = (skus[1].id, SkuDraft::parse("20", "", "5", "").unwrap().over(Some(5)));
            crate::products::save_skus(&db, &s.grant, s.product, &[other], T0).await.unwrap();
        })
        .await;
    }

    #[tokio::test]
    async fn a_double_submit_makes_one_activity() {
        each_db(|db| async move {
            for _ in 0..8 {
                let s = shop(&db, "35", 10).await;
                let a = rules(3, false, vec![]);
                let tries: Vec<_> = (0..3)
                    .map(|_| {
                        let (db, g, a) = (db.clone(), s.grant, a.clone());
                        tokio::spawn(async move { create_activity(&db, &g, s.product, &a, T0).await })
                    })
                    .collect();
                let mut results = vec![];
                for t in tries {
                    results.push(t.await.unwrap());
                }
                assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1, "{results:?}");
                assert!(results.iter().all(|r| r.is_ok() || *r == Err(Rule::OverlappingActivity.into())));
                assert_eq!(for_product(&db, s.product).await.unwrap().len(), 1);
            }
        })
        .await;
    }

    #[tokio::test]
    async fn activities_on_one_product_do_not_overlap() {
        each_db(|db| async move {
            let s = shop(&db, "35", 10).await;
            let a = rules(3, false, vec![]);
            let id = create_activity(&db, &s.grant, s.product, &a, T0).await.unwrap();
            let clash = Activity { starts_at: a.ends_at - 1, ends_at: a.ends_at + 1000, ..a.clone() };
            assert_eq!(
                create_activity(&db, &s.grant, s.product, &clash, T0).await,
                Err(Rule::OverlappingActivity.into())
            );
            let after = Activity { starts_at: a.ends_at, ends_at: a.ends_at + 1000, ..a.clone() };
            create_activity(&db, &s.grant, s.product, &after, T0).await.unwrap();
            // Rules may change until someone opens a team; then only the end moves.
            update_activity(&db, &s.grant, id, &Activity { team_size: 4, ..a.clone() }).await.unwrap();
            let lead = open(&db, s.buyer, id, T0).await.unwrap();
            assert_eq!(lead.created.total, Fen(2990));
            let changed = Activity { team_size: 5, ..a.clone() };
            assert_eq!(update_activity(&db, &s.grant, id, &changed).await, Err(Rule::ActivityInUse.into()));
            end_activity(&db, &s.grant, id, T0 + 10).await.unwrap();
            let late = member(&db, "late").await;
            let r = open(&db, late, id, T0 + 20).await;
            assert_eq!(r.unwrap_err(), Rule::ActivityNotRunning);
        })
        .await;
    }

    #[tokio::test]
    async fn owners_see_each_team_its_fill_and_refunds() {
        each_db(|db| async move {
            let (s, act, lead) = open_team_with(&db, &rules(3, false, vec![]), 10).await;
            pay(&db, &lead, T0).await;
            let m = member(&db, "m").await;
            let seat = join(&db, m, lead.team_id, T0).await.unwrap();
            pay(&db, &seat, T0 + 1).await;
            // The home page lists it among the teams closest to filling.
            let near = nearly_full(&db, T0 + 2, 6).await.unwrap();
            assert_eq!(near.len(), 1);
            assert_eq!((near[0].team.id, near[0].team.missing(), near[0].price), (lead.team_id, 1, Fen(2990)));
            assert_eq!(near[0].title, "雪山三文鱼");
            let end = T0 + domain::groupbuy::DEFAULT_WINDOW_MS;
            close_due(&db, lead.team_id, end).await.unwrap();
            let teams = teams_of(&db, act, end).await.unwrap();
            assert_eq!(teams.len(), 1);
            assert_eq!((teams[0].0.status, teams[0].0.paid, teams[0].1), (TeamStatus::Failed, 2, Fen(5980)));
            let st = stats(&db, act).await.unwrap();
            assert_eq!((st.teams, st.failed, st.succeeded, st.fill_bp, st.refunded), (1, 1, 0, 6666, Fen(5980)));
            let listed = in_community(&db, s.community).await.unwrap();
            assert_eq!((listed.len(), listed[0].0.id, listed[0].1.as_str()), (1, act, "雪山三文鱼"));
            assert!(nearly_full(&db, end, 6).await.unwrap().is_empty());
        })
        .await;
    }

    /// Pays every approved refund of an order, as the jobs would after the provider confirmed.
    async fn settle_refunds(db: &Db, order: i64, at: i64) {
        for r in crate::refunds::for_order(db, order).await.unwrap() {
            if r.status == domain::order::RefundStatus::Approved {
                assert!(crate::refunds::mark_refunded(db, r.id, "sbr", at).await.unwrap(), "refund {} settles", r.id);
            }
        }
    }

    /// A member asks for `amount` back on their group-buy order and the owner approves it.
    async fn member_refund(db: &Db, buyer: i64, order: i64, amount: Fen, at: i64) -> Result<(), crate::Error> {
        let o = crate::orders::by_id(db, order).await.unwrap().unwrap();
        let id = crate::refunds::request(db, buyer, order, o.lines[0].id, amount, "不要了", at).await?;
        crate::refunds::approve(db, &crate::testing::refund_grant(db, id).await, id, at).await.unwrap();
        settle_refunds(db, order, at).await;
        Ok(())
    }

    /// A ladder team (formed at 2, ¥25.90 at 3, ¥22.90 at 4) with a paid leader and two paid
    /// members: the leader's seat, and each member with their seat.
    async fn ladder_team_of_three(db: &Db) -> (Seat, Vec<(i64, Seat)>) {
        use domain::groupbuy::Tier;
        let ladder = rules(2, false, vec![Tier { size: 3, price: Fen(2590) }, Tier { size: 4, price: Fen(2290) }]);
        let (_s, _act, lead) = open_team_with(db, &ladder, 10).await;
        pay(db, &lead, T0).await;
        let mut buyers = vec![];
        for i in 0..2 {
            let m = member(db, "l").await;
            let seat = join(db, m, lead.team_id, T0 + i).await.unwrap();
            pay(db, &seat, T0 + 10 + i).await;
            buyers.push((m, seat));
        }
        (lead, buyers)
    }

    #[tokio::test]
    async fn after_a_ladder_refund_a_member_gets_back_only_what_is_left() {
        each_db(|db| async move {
            let (lead, buyers) = ladder_team_of_three(&db).await;
            let end = T0 + domain::groupbuy::DEFAULT_WINDOW_MS;
            close_due(&db, lead.team_id, end).await.unwrap();
            let (m, seat) = buyers[0];
            let order = seat.created.order_id;
            settle_refunds(&db, order, end).await;
            // ¥4.00 came back with the ladder: the whole ¥29.90 is no longer the member's to ask.
            let too_much = member_refund(&db, m, order, Fen(2990), end + 1).await;
            assert_eq!(too_much, Err(Rule::BadRefundAmount { max: Fen(2590) }.into()));
            member_refund(&db, m, order, Fen(2590), end + 2).await.unwrap();
            let o = crate::orders::by_id(&db, order).await.unwrap().unwrap();
            assert_eq!((o.status, o.refunded), (OrderStatus::Refunded, Fen(2990)));
            let stuck: i64 =
                sql!(query_scalar, "SELECT COUNT(*) FROM refunds WHERE order_id = $1 AND status = 'approved'", order)
                    .fetch_one(&db.pool)
                    .await
                    .unwrap();
            assert_eq!(stuck, 0, "every approved refund was paid");
        })
        .await;
    }

    #[tokio::test]
    async fn members_who_took_everything_back_leave_the_ladder() {
        each_db(|db| async move {
            let (lead, buyers) = ladder_team_of_three(&db).await;
            // The third member takes everything back while the team still grows; a second one asks
            // for most of it and is still waiting for the owner when the team closes.
            let (gone, gone_seat) = buyers[0];
            member_refund(&db, gone, gone_seat.created.order_id, Fen(2990), T0 + 20).await.unwrap();
            let (part, part_seat) = buyers[1];
            let o = crate::orders::by_id(&db, part_seat.created.order_id).await.unwrap().unwrap();
            let asked =
                crate::refunds::request(&db, part, o.id, o.lines[0].id, Fen(2800), "少了一块", T0 + 21).await.unwrap();
            // A fourth member fills the team: four paid, one left, so the step is ¥25.90, not ¥22.90.
            let last = member(&db, "last").await;
            let seat = join(&db, last, lead.team_id, T0 + 30).await.unwrap();
            pay(&db, &seat, T0 + 31).await;
            let t = team(&db, lead.team_id, T0 + 32).await.unwrap().unwrap();
            assert!(t.closed);
            let ladder = |order: i64| {
                let db = db.clone();
                async move {
                    crate::refunds::for_order(&db, order)
                        .await
                        .unwrap()
                        .into_iter()
                        .filter(|r| r.kind == domain::order::RefundKind::TeamLadder)
                        .map(|r| r.amount)
                        .collect::<Vec<_>>()
                }
            };
            assert_eq!(ladder(lead.created.order_id).await, vec![Fen(400)]);
            assert_eq!(ladder(seat.created.order_id).await, vec![Fen(400)]);
            assert_eq!(ladder(gone_seat.created.order_id).await, vec![], "nothing more to the one who left");
            // The waiting request may still be declined: that member is in and gets the difference,
            // and approving the request afterwards gives what the line has left, ¥25.90, not ¥28.00.
            assert_eq!(ladder(part_seat.created.order_id).await, vec![Fen(400)]);
            crate::refunds::approve(&db, &crate::testing::refund_grant(&db, asked).await, asked, T0 + 35)
                .await
                .unwrap();
            let r = crate::refunds::for_order(&db, part_seat.created.order_id).await.unwrap();
            assert!(r.iter().any(|r| r.id == asked && r.amount == Fen(2590)), "{r:?}");
            for o in
                [lead.created.order_id, seat.created.order_id, gone_seat.created.order_id, part_seat.created.order_id]
            {
                settle_refunds(&db, o, T0 + 40).await;
            }
            let o = crate::orders::by_id(&db, part_seat.created.order_id).await.unwrap().unwrap();
            assert_eq!((o.status, o.refunded), (OrderStatus::Refunded, Fen(2990)));
            let o = crate::orders::by_id(&db, gone_seat.created.order_id).await.unwrap().unwrap();
            assert_eq!((o.status, o.refunded), (OrderStatus::Refunded, Fen(2990)));
        })
        .await;
    }

    /// The ladder difference waits at the provider while the member's own refund of the rest is
    /// paid first: the order still ends refunded, and a declined request leaves the ladder whole.
    #[tokio::test]
    async fn refunds_paid_in_either_order_leave_the_order_refunded() {
        each_db(|db| async move {
            let (lead, buyers) = ladder_team_of_three(&db).await;
            // One member asks for everything while the team is open; the owner will decline it.
            let (m0, s0) = buyers[0];
            let o0 = crate::orders::by_id(&db, s0.created.order_id).await.unwrap().unwrap();
            let declined =
                crate::refunds::request(&db, m0, o0.id, o0.lines[0].id, Fen(2990), "想退", T0 + 20).await.unwrap();
            let end = T0 + domain::groupbuy::DEFAULT_WINDOW_MS;
            close_due(&db, lead.team_id, end).await.unwrap();
            crate::refunds::reject(&db, &crate::testing::refund_grant(&db, declined).await, declined, "已发货", end)
                .await
                .unwrap();
            let back: Vec<Fen> = crate::refunds::for_order(&db, o0.id)
                .await
                .unwrap()
                .into_iter()
                .filter(|r| r.kind == domain::order::RefundKind::TeamLadder)
                .map(|r| r.amount)
                .collect();
            assert_eq!(back, vec![Fen(400)], "three were in: the declined member kept the ladder difference");
            // Another member's ladder refund is still at the provider; her own refund of the rest
            // is approved and paid first.
            let (m1, s1) = buyers[1];
            let o1 = crate::orders::by_id(&db, s1.created.order_id).await.unwrap().unwrap();
            let own =
                crate::refunds::request(&db, m1, o1.id, o1.lines[0].id, Fen(2590), "不要了", end + 1).await.unwrap();
            crate::refunds::approve(&db, &crate::testing::refund_grant(&db, own).await, own, end + 2).await.unwrap();
            assert!(crate::refunds::mark_refunded(&db, own, "sbr", end + 3).await.unwrap());
            settle_refunds(&db, o1.id, end + 4).await;
            let o = crate::orders::by_id(&db, o1.id).await.unwrap().unwrap();
            assert_eq!((o.status, o.refunded), (OrderStatus::Refunded, Fen(2990)));
        })
        .await;
    }
}
