#![expect(clippy::unwrap_used, reason = "fixtures for tests: a failure should stop the test where it happens")]

//! Fresh databases for store tests: a new SQLite file for each test, and, when
//! `QUNLI_TEST_PG_URL` points at a PostgreSQL server, a new PostgreSQL database as well.

use super::Db;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};

static SEQ: AtomicU64 = AtomicU64::new(0);

fn unique_name() -> String {
    let n = SEQ.fetch_add(1, Ordering::Relaxed);
    let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    format!("qunli_t_{}_{}_{}", std::process::id(), t % 1_000_000_000, n)
}

pub async fn sqlite_db() -> Db {
    let dir = std::env::temp_dir().join("qunli-store-tests");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{}.db", unique_name()));
    Db::connect(&format!("sqlite://{}", path.display())).await.expect("sqlite test database")
}

/// A new empty PostgreSQL database on the test server, or None when none is configured.
/// `QUNLI_REQUIRE_PG=1` (set by the test script) turns a missing server into a failure.
pub async fn postgres_url() -> Option<String> {
    let Ok(base) = std::env::var("QUNLI_TEST_PG_URL") else {
        assert!(std::env::var("QUNLI_REQUIRE_PG").is_err(), "QUNLI_REQUIRE_PG is set but QUNLI_TEST_PG_URL is not");
        return None;
    };
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    let name = unique_name();
    let mut admin = sqlx::AnyConnection::connect(&base).await.expect("connect to the test PostgreSQL server");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&mut admin).await.unwrap();
    admin.close().await.unwrap();
    let (prefix, _) = base.rsplit_once('/').expect("QUNLI_TEST_PG_URL ends with /database");
    Some(format!("{prefix}/{name}"))
}

pub async fn postgres_db() -> Option<Db> {
    let url = postgres_url().await?;
    Some(Db::connect(&url).await.expect("postgres test database"))
}

/// Runs a scenario on a fresh SQLite database and on a fresh PostgreSQL database.
pub async fn each_db<F, Fut>(scenario: F)
where
    F: Fn(Db) -> Fut,
    Fut: Future<Output = ()>,
{
    scenario(sqlite_db().await).await;
    if let Some(db) = postgres_db().await {
        scenario(db).await;
    }
}

/// A community with one product on sale, and a buyer.
pub struct Shop {
    pub buyer: i64,
    pub community: i64,
    pub product: i64,
    pub owner: i64,
    /// The owner's access to the community, as the console would hold it.
    pub grant: crate::access::Granted,
}

/// What a fixture shop looks like. The default is the salmon community selling 雪山三文鱼 at ¥35.00
/// (was ¥90.00) a 斤, 20 in stock, at most 5 per order, made at time 1 by a new owner.
pub struct ShopSpec<'a> {
    /// An existing member to own it (one with a session, say); otherwise a new one.
    pub owner: Option<i64>,
    pub intro: &'a str,
    pub price: &'a str,
    pub stock: i64,
    pub per_order_limit: i64,
    pub now: i64,
}

impl Default for ShopSpec<'_> {
    fn default() -> Self {
        ShopSpec { owner: None, intro: "", price: "35", stock: 20, per_order_limit: 5, now: 1 }
    }
}

/// The one place tests, benchmarks and load drivers make a community with a product on sale (and
/// a buyer).
pub async fn shop_with(db: &Db, spec: ShopSpec<'_>) -> Shop {
    use domain::account::Account;
    use domain::catalogue::{CommunityDraft, ProductDraft, ProductInput};
    // Ids are unique across processes and runs, so shops never collide on a reused database.
    let n = db.id();
    let now = spec.now;
    let owner = match spec.owner {
        Some(o) => o,
        None => {
            super::users::create(db, &Account::Email(format!("owner{n}@qunli.test")), "h", "群主", now).await.unwrap()
        }
    };
    let buyer =
        super::users::create(db, &Account::Email(format!("buyer{n}@qunli.test")), "h", "阿梅", now).await.unwrap();
    let draft = CommunityDraft::parse("三文鱼吃货群", &format!("shop-{n}"), spec.intro, "salmon").unwrap();
    let community = super::communities::create(db, owner, &draft, now).await.unwrap();
    let input = ProductInput {
        title: "雪山三文鱼".into(),
        image: "salmon".into(),
        unit: "斤".into(),
        price: spec.price.into(),
        original_price: "90".into(),
        stock: spec.stock.to_string(),
        per_order_limit: spec.per_order_limit.to_string(),
        status: "on_sale".into(),
        ..Default::default()
    };
    let grant = super::access::require(db, community, owner, domain::access::Role::Owner).await.unwrap();
    let product = super::products::create(db, &grant, &ProductDraft::parse(&input).unwrap(), now).await.unwrap();
    Shop { buyer, community, product, owner, grant }
}

pub async fn shop(db: &Db, price_yuan: &str, stock: i64) -> Shop {
    shop_with(db, ShopSpec { price: price_yuan, stock, ..ShopSpec::default() }).await
}

/// Gives a shop's product three options of 重量 (1斤 ¥35 of 10, 2斤 ¥68 of 5, 5斤 ¥165 of 2) and
/// returns them in that order.
pub async fn with_options(db: &Db, s: &Shop) -> Vec<domain::model::Sku> {
    use domain::catalogue::{ProductDraft, ProductInput, SkuDraft};
    let input = ProductInput {
        title: "雪山三文鱼".into(),
        image: "salmon".into(),
        unit: "份".into(),
        price: "35".into(),
        stock: "10".into(),
        per_order_limit: "10".into(),
        status: "on_sale".into(),
        spec1_name: "重量".into(),
        spec1_values: "1斤,2斤,5斤".into(),
        ..Default::default()
    };
    super::products::update(db, &s.grant, s.product, &ProductDraft::parse(&input).unwrap(), 5).await.unwrap();
    let skus = super::products::skus_of(db, s.product, false).await.unwrap();
    let rows: Vec<_> = skus
        .iter()
        .zip([("35", "90", "10"), ("68", "", "5"), ("165", "400", "2")])
        .map(|(k, (p, o, st))| (k.id, SkuDraft::parse(p, o, st, "").unwrap().over(Some(k.stock))))
        .collect();
    super::products::save_skus(db, &s.grant, s.product, &rows, 1).await.unwrap();
    super::products::skus_of(db, s.product, false).await.unwrap()
}

/// A second product in a shop's community: 试吃装 at `price` yuan a 份, `stock` on sale, at most 10
/// per order. Returns it and its one option.
pub async fn sampler(db: &Db, s: &Shop, price: &str, stock: i64) -> (i64, i64) {
    use domain::catalogue::{ProductDraft, ProductInput};
    let input = ProductInput {
        title: "试吃装".into(),
        image: "salmon".into(),
        unit: "份".into(),
        price: price.into(),
        stock: stock.to_string(),
        per_order_limit: "10".into(),
        status: "on_sale".into(),
        ..Default::default()
    };
    let product = super::products::create(db, &s.grant, &ProductDraft::parse(&input).unwrap(), 1).await.unwrap();
    let sku = super::products::skus_of(db, product, false).await.unwrap()[0].id;
    (product, sku)
}

/// The owner's access to `community`, through the real access check.
pub async fn owner_grant(db: &Db, community: i64) -> crate::access::Granted {
    let owner: i64 = sql!(query_scalar, "SELECT owner_id FROM communities WHERE id = $1", community)
        .fetch_one(&db.pool)
        .await
        .unwrap();
    super::access::require(db, community, owner, domain::access::Role::Owner).await.unwrap()
}

/// The owner's access to the community an order belongs to.
pub async fn order_grant(db: &Db, order: i64) -> crate::access::Granted {
    let c: i64 =
        sql!(query_scalar, "SELECT community_id FROM orders WHERE id = $1", order).fetch_one(&db.pool).await.unwrap();
    owner_grant(db, c).await
}

/// The owner's access to the community a refund's order belongs to.
pub async fn refund_grant(db: &Db, refund: i64) -> crate::access::Granted {
    let o: i64 =
        sql!(query_scalar, "SELECT order_id FROM refunds WHERE id = $1", refund).fetch_one(&db.pool).await.unwrap();
    order_grant(db, o).await
}

/// Another member, for tests that need many buyers.
pub async fn member(db: &Db, tag: &str) -> i64 {
    use domain::account::Account;
    let n = SEQ.fetch_add(1, Ordering::Relaxed);
    super::users::create(db, &Account::Email(format!("{tag}{n}@qunli.test")), "h", tag, 1).await.unwrap()
}

/// Orders and their payments, the way a member makes them.
/// Buy now: one product, one SKU, shipped to no particular address (the tests' shorthand for a
/// checkout of one line).
#[expect(clippy::too_many_arguments, reason = "a test shorthand whose arguments read like the checkout they stand for")]
pub async fn create_buy_now(
    db: &Db,
    buyer: i64,
    product_id: i64,
    sku_id: Option<i64>,
    quantity: i64,
    now: i64,
    pay_window_ms: i64,
    provider: &str,
) -> Result<crate::ordering::Created, crate::Error> {
    let c = crate::orders::Checkout {
        referrer: None,
        key: None,
        delivery: domain::checkout::Delivery::Ship,
        ship_to: String::new(),
        note: String::new(),
        lines: vec![crate::orders::CheckoutLine { product_id, sku_id, quantity }],
    };
    let mut created = crate::orders::checkout(db, buyer, &c, now, pay_window_ms, provider).await?;
    created.pop().ok_or_else(|| crate::Error::broken("a checkout made no order"))
}

/// A group-buy activity, seat requests and payments, for tests of teams.
pub mod team {
    use crate::groupbuy::{create_activity, take_seat, Seat, SeatRequest, SeatTarget};
    use crate::orders::{apply_payment_succeeded, PaymentOutcome};
    use crate::Db;
    use domain::checkout::Delivery;
    use domain::groupbuy::{Activity, Tier};
    use domain::money::Fen;
    use domain::order::OrderStatus;

    pub const T0: i64 = 1_800_000_000_000;
    pub const HOLD: i64 = 5 * 60_000;

    pub fn rules(size: i64, guaranteed: bool, ladder: Vec<Tier>) -> Activity {
        Activity {
            sku_id: None,
            team_size: size,
            team_price: Fen(2990),
            leader_price: None,
            window_ms: domain::groupbuy::DEFAULT_WINDOW_MS,
            starts_at: T0 - 1000,
            ends_at: T0 + 30 * 86_400_000,
            per_member_limit: 2,
            ladder,
            guaranteed,
        }
    }

    pub fn req(target: SeatTarget) -> SeatRequest {
        SeatRequest {
            referrer: None,
            target,
            sku_id: None,
            quantity: 1,
            delivery: Delivery::Ship,
            ship_to: "上海".into(),
            note: String::new(),
            key: None,
        }
    }

    pub async fn pay(db: &Db, seat: &Seat, at: i64) -> PaymentOutcome {
        let ev = format!("ev-{}", seat.created.payment_id);
        apply_payment_succeeded(db, "sandbox", &ev, seat.created.payment_id, seat.created.total, at).await.unwrap()
    }

    pub async fn status(db: &Db, order: i64) -> OrderStatus {
        crate::orders::by_id(db, order).await.unwrap().unwrap().status
    }

    /// `member` takes a seat in `team` at `at` (held for them until they pay).
    pub async fn join(db: &Db, member: i64, team: i64, at: i64) -> Result<Seat, crate::Error> {
        take_seat(db, member, &req(SeatTarget::Join { team }), at, HOLD, "sandbox").await
    }

    /// `member` opens a team of `activity` at `at`.
    pub async fn open(db: &Db, member: i64, activity: i64, at: i64) -> Result<Seat, crate::Error> {
        take_seat(db, member, &req(SeatTarget::Open { activity }), at, HOLD, "sandbox").await
    }

    /// A shop with an activity and a leader whose paid team is open.
    pub async fn open_team_with(db: &Db, a: &Activity, stock: i64) -> (super::Shop, i64, Seat) {
        let s = super::shop(db, "35", stock).await;
        let act = create_activity(db, &s.grant, s.product, a, T0).await.unwrap();
        let seat = open(db, s.buyer, act, T0).await.unwrap();
        (s, act, seat)
    }
}
