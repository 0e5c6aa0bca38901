//! A rush on one group-buy team, for the tests and the benchmark: many members, each with a
//! session, join the same team at the same moment through real server processes.

use crate::loadgen;
use domain::account::Account;
use domain::checkout::{Delivery, ShippingRule};
use domain::groupbuy::{Activity, DEFAULT_WINDOW_MS};
use domain::money::Fen;
use std::net::SocketAddr;
use std::time::Instant;
use store::{self, Db};

pub const TEAM_SIZE: i64 = 30;

pub struct Rush {
    pub product: i64,
    pub activity: i64,
    /// Session cookies of the members who rush, with their ids.
    pub members: Vec<(i64, String)>,
}

/// A community with a pickup point, a product with plenty of stock, a running 30-person
/// activity, and `members` members signed in.
pub async fn prepare(db: &Db, members: usize, now: i64) -> Rush {
    let n = db.id();
    let spec = store::testing::ShopSpec { stock: 100_000, per_order_limit: 10, now, ..Default::default() };
    let shop = store::testing::shop_with(db, spec).await;
    let (product, g) = (shop.product, shop.grant);
    store::communities::update_shipping(db, &g, ShippingRule::parse("0", "0").unwrap(), "雪山牧场杭州门店")
        .await
        .unwrap();
    let rules = Activity {
        sku_id: None,
        team_size: TEAM_SIZE,
        team_price: Fen(2990),
        leader_price: None,
        window_ms: DEFAULT_WINDOW_MS,
        starts_at: now - 60_000,
        ends_at: now + 30 * 86_400_000,
        per_member_limit: 99,
        ladder: vec![],
        guaranteed: false,
    };
    let activity = store::groupbuy::create_activity(db, &g, product, &rules, now).await.unwrap();
    let mut list = vec![];
    for i in 0..members {
        let id =
            store::users::create(db, &Account::Email(format!("m{i}-{n}@rush.test")), "h", "团员", now).await.unwrap();
        let (token, hash) = app::auth::new_token();
        store::users::create_session(db, &hash, id, now, i64::MAX / 2).await.unwrap();
        list.push((id, format!("qunli_session={token}")));
    }
    Rush { product, activity, members: list }
}

/// A new leader opens a team and pays: the team is open with 29 seats to take.
pub async fn open_team(db: &Db, rush: &Rush, now: i64) -> i64 {
    use store::groupbuy::{SeatRequest, SeatTarget};
    let n = db.id();
    let leader =
        store::users::create(db, &Account::Email(format!("lead{n}@rush.test")), "h", "团长", now).await.unwrap();
    let req = SeatRequest {
        referrer: None,
        target: SeatTarget::Open { activity: rush.activity },
        sku_id: None,
        quantity: 1,
        delivery: Delivery::Pickup,
        ship_to: String::new(),
        note: String::new(),
        key: None,
    };
    let seat = store::groupbuy::take_seat(db, leader, &req, now, 300_000, "sandbox").await.unwrap();
    store::orders::apply_payment_succeeded(
        db,
        "sandbox",
        &format!("lead-{}", seat.created.payment_id),
        seat.created.payment_id,
        seat.created.total,
        now,
    )
    .await
    .unwrap();
    seat.team_id
}

/// What one rush did.
#[derive(Debug, Default)]
pub struct Round {
    /// Members who got a seat, with their order.
    pub joined: Vec<(String, i64)>,
    /// Members told the team is full.
    pub full: usize,
    /// Anything else: status and body.
    pub other: Vec<(u16, String)>,
    pub latencies_ms: Vec<f64>,
}

/// Every member asks to join `team` at once, spread over `addrs`.
pub async fn join_all(addrs: &[SocketAddr], rush: &Rush, team: i64) -> Round {
    let start = std::sync::Arc::new(tokio::sync::Barrier::new(rush.members.len()));
    let tasks: Vec<_> = rush
        .members
        .iter()
        .enumerate()
        .map(|(i, (_, cookie))| {
            let addr = addrs[i % addrs.len()];
            let cookie = cookie.clone();
            let start = start.clone();
            let body = format!("product_id={}&target=join:{team}&quantity=1&delivery=pickup", rush.product);
            tokio::spawn(async move {
                start.wait().await;
                let t = Instant::now();
                let r = loadgen::request(addr, "POST", "/api/group_buy", &body, &[("Cookie", &cookie)]).await;
                (cookie, r, t.elapsed().as_secs_f64() * 1000.0)
            })
        })
        .collect();
    let mut round = Round::default();
    for t in tasks {
        let (cookie, r, ms) = t.await.unwrap();
        round.latencies_ms.push(ms);
        match r {
            Ok(r) if r.status == 200 => match r.body.trim().parse::<i64>() {
                Ok(order) => round.joined.push((cookie, order)),
                Err(_) => round.other.push((200, r.body)),
            },
            Ok(r) if r.status == 409 && r.body.contains("TeamFull") => round.full += 1,
            Ok(r) => round.other.push((r.status, r.body)),
            Err(e) => round.other.push((0, e.to_string())),
        }
    }
    round.latencies_ms.sort_by(|a, b| a.partial_cmp(b).unwrap());
    round
}

/// The winners pay at the sandbox cashier, all at once; returns the statuses that came back.
pub async fn pay_all(addrs: &[SocketAddr], joined: &[(String, i64)]) -> Vec<u16> {
    let tasks: Vec<_> = joined
        .iter()
        .enumerate()
        .map(|(i, (cookie, order))| {
            let addr = addrs[i % addrs.len()];
            let (cookie, body) = (cookie.clone(), format!("order_id={order}"));
            tokio::spawn(async move {
                loadgen::request(addr, "POST", "/api/sandbox_pay", &body, &[("Cookie", &cookie)])
                    .await
                    .map(|r| r.status)
                    .unwrap_or(0)
            })
        })
        .collect();
    let mut out = vec![];
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}
