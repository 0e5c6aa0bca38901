#![expect(clippy::unwrap_used, reason = "a benchmark: a failed setup step should stop the run where it happens")]

//! Distribution figures, on SQLite or PostgreSQL:
//!   - the payment of an order whose buyer has a 3-level referral chain (three commissions accrued
//!     and posted to the ledger in the payment's transaction), next to the payment of an order
//!     without a chain, and the difference;
//!   - a distributor's dashboard (balances from the ledger, totals, team, recent credited orders)
//!     once they have 10,000 commissions, every one made by a real order and payment.
//!
//! Prints figures; never fails on a slow machine.
//!
//! Usage: distribution_bench sqlite|postgres [commissions, default 10000]   (postgres reads QUNLI_BENCH_PG_URL)

use bench::loadgen::percentile;
use domain::account::Account;
use domain::checkout::Delivery;
use domain::model::distribution::ProgrammeRow;
use domain::money::Fen;
use domain::referral::{BindMode, JoinMode, Programme};
use server::config::Config;
use std::time::Instant;
use store::orders::{self, Checkout, CheckoutLine};
use store::{distribution, Db};

const TIMED: usize = 300;
const WORKERS: usize = 8;

async fn place(db: &Db, buyer: i64, product: i64, referrer: Option<i64>, now: i64) -> store::ordering::Created {
    let c = Checkout {
        key: None,
        delivery: Delivery::Ship,
        ship_to: "阿梅 13800138000 浙江省杭州市 文三路 1 号".into(),
        note: String::new(),
        lines: vec![CheckoutLine { product_id: product, sku_id: None, quantity: 1 }],
        referrer,
    };
    orders::checkout(db, buyer, &c, now, 900_000, "sandbox").await.unwrap().remove(0)
}

async fn pay(db: &Db, c: &store::ordering::Created, now: i64) {
    let evt = format!("evt_{}", c.order_id);
    orders::apply_payment_succeeded(db, "sandbox", &evt, c.payment_id, c.total, now).await.unwrap();
}

/// Milliseconds of `n` payments of fresh orders by `buyer`, one after another.
async fn payment_times(db: &Db, buyer: i64, product: i64, n: usize, now: i64) -> Vec<f64> {
    let mut times = vec![];
    for _ in 0..n {
        let c = place(db, buyer, product, None, now).await;
        let t = Instant::now();
        pay(db, &c, now).await;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    times
}

fn line(label: &str, times: &[f64]) {
    println!(
        "{label:<46} p50 {:>7.2} ms   p99 {:>7.2} ms   max {:>7.2} ms   ({} runs)",
        percentile(times, 50.0),
        percentile(times, 99.0),
        times.last().copied().unwrap_or(0.0),
        times.len()
    );
}

/// A new empty database on the PostgreSQL server of `url` (its tables would otherwise be shared
/// with the other benchmarks).
async fn fresh_pg_database(url: &str) -> String {
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    let name = format!("qunli_dist_{}", std::process::id());
    let mut admin = sqlx::AnyConnection::connect(url).await.expect("connect to PostgreSQL");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&mut admin).await.unwrap();
    let (prefix, _) = url.rsplit_once('/').expect("the URL ends with /database");
    format!("{prefix}/{name}")
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let kind = args.next().unwrap_or_else(|| "sqlite".into());
    let target: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(10_000);
    let dir = std::env::temp_dir().join(format!("qunli-dist-bench-{}-{kind}", std::process::id()));
    let database_url = match kind.as_str() {
        "postgres" => fresh_pg_database(&std::env::var("QUNLI_BENCH_PG_URL").expect("QUNLI_BENCH_PG_URL")).await,
        _ => format!("sqlite://{}", dir.join("bench.db").display()),
    };
    let dir_s = dir.to_string_lossy().to_string();
    let cfg = Config::from_vars(|k| match k {
        "DATABASE_URL" => Some(database_url.clone()),
        "QUNLI_DATA_DIR" => Some(dir_s.clone()),
        "QUNLI_DEMO_SEED" => Some("off".into()),
        "QUNLI_SECRET" => Some("a-bench-secret-that-is-long-enough-012345".into()),
        _ => None,
    })
    .unwrap();
    let st = server::build_state(&cfg).await.unwrap();
    let db = st.db.clone();
    let now = st.clock.now_ms();
    let user = |tag: String| {
        let db = db.clone();
        async move {
            store::users::create(&db, &Account::Email(format!("{tag}@bench.test")), "h", "成员", now).await.unwrap()
        }
    };
    let spec = store::testing::ShopSpec { stock: 1_000_000, per_order_limit: 10, now, ..Default::default() };
    let shop = store::testing::shop_with(&db, spec).await;
    let (community, product, g) = (shop.community, shop.product, shop.grant);
    let programme = ProgrammeRow {
        rules: Programme {
            join: JoinMode::Open,
            bind: BindMode::FirstTouch,
            rates_bp: vec![1000, 500, 200],
            levels: vec![],
            daily_cap: None,
            pays_group_buy: false,
            pays_discounted: true,
        },
        enabled: true,
        freeze_days: 7,
        withdrawal_fee: Fen(0),
    };
    distribution::save_programme(&db, &g, &programme, now).await.unwrap();
    // A ← B ← C ← D: D's orders pay C, B and A.
    let (a, b, c, d) = (
        user(format!("a{now}")).await,
        user(format!("b{now}")).await,
        user(format!("c{now}")).await,
        user(format!("d{now}")).await,
    );
    let lone = user(format!("e{now}")).await;
    for (member, referrer) in [(b, a), (c, b), (d, c)] {
        let o = place(&db, member, product, Some(referrer), now).await;
        pay(&db, &o, now).await;
    }
    assert_eq!(
        distribution::order_chain(&db, place(&db, d, product, None, now).await.order_id).await.unwrap(),
        vec![c, b, a]
    );

    println!("-- {kind}: paying one order (its own transaction; commissions accrued and posted inside it) --");
    let plain = payment_times(&db, lone, product, TIMED, now).await;
    let chained = payment_times(&db, d, product, TIMED, now).await;
    line("payment, buyer without a referrer", &plain);
    line("payment, 3-level chain (3 commissions posted)", &chained);
    println!(
        "{:<46} p50 {:>+7.2} ms",
        "cost of posting the 3 commissions",
        percentile(&chained, 50.0) - percentile(&plain, 50.0)
    );

    // Fill A's commissions up to the target with real orders and payments, several buyers at once.
    let have = distribution::dashboard(&db, community, a).await.unwrap().commissions as usize;
    let todo = target.saturating_sub(have);
    let fill = Instant::now();
    let mut tasks = vec![];
    for w in 0..WORKERS {
        let db = db.clone();
        let n = todo / WORKERS + usize::from(w < todo % WORKERS);
        tasks.push(tokio::spawn(async move {
            for _ in 0..n {
                let o = place(&db, d, product, None, now).await;
                pay(&db, &o, now).await;
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let dash = distribution::dashboard(&db, community, a).await.unwrap();
    println!(
        "-- {kind}: dashboard of a distributor with {} commissions (filled by {} orders in {:.1} s) --",
        dash.commissions,
        todo,
        fill.elapsed().as_secs_f64()
    );
    let mut times = vec![];
    for _ in 0..50 {
        let t = Instant::now();
        let d = distribution::dashboard(&db, community, a).await.unwrap();
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        assert!(d.balances.pending.0 > 0 && d.orders.len() == 50);
    }
    times.sort_by(f64::total_cmp);
    line("dashboard (balances, totals, team, 50 orders)", &times);
    let mut times = vec![];
    for _ in 0..50 {
        let t = Instant::now();
        distribution::balances(&db, community, a).await.unwrap();
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    line("balances alone (sums over the ledger)", &times);
    println!("pending balance {} from {} commissions", dash.balances.pending.display(), dash.commissions);
    let _ = std::fs::remove_dir_all(&dir);
}
