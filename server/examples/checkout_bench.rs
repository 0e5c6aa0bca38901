#![expect(clippy::unwrap_used, reason = "a benchmark: a failed setup step should stop the run where it happens")]

//! Checkout throughput and latency: 50 buyers placing buy-now orders at once for a few seconds,
//! through the real HTTP server, on SQLite or PostgreSQL. Prints figures; never fails on a slow
//! machine. Usage: checkout_bench sqlite|postgres [seconds]   (postgres reads QUNLI_BENCH_PG_URL)

use bench::loadgen;
use domain::account::Account;
use domain::checkout::AddressDraft;
use server::config::Config;
use std::time::{Duration, Instant};

const BUYERS: usize = 50;

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let kind = args.next().unwrap_or_else(|| "sqlite".into());
    let secs: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(10);
    let dir = std::env::temp_dir().join(format!("qunli-bench-{}-{kind}", std::process::id()));
    let database_url = match kind.as_str() {
        "postgres" => std::env::var("QUNLI_BENCH_PG_URL").expect("QUNLI_BENCH_PG_URL"),
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
    let db = &st.db;
    let n = st.clock.now_ms();
    let spec = store::testing::ShopSpec { stock: 1_000_000, per_order_limit: 10, now: n, ..Default::default() };
    let product = store::testing::shop_with(db, spec).await.product;
    let home = AddressDraft::parse("阿梅", "13800138000", "浙江省杭州市", "文三路 1 号").unwrap();
    let mut buyers = vec![];
    for i in 0..BUYERS {
        let id =
            store::users::create(db, &Account::Email(format!("b{i}-{n}@bench.test")), "h", "买家", n).await.unwrap();
        let address = store::addresses::add(db, id, &home, true, n).await.unwrap();
        let (token, hash) = app::auth::new_token();
        store::users::create_session(db, &hash, id, n, i64::MAX / 2).await.unwrap();
        buyers.push((format!("qunli_session={token}"), address));
    }

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = server::router(st.clone());
    tokio::spawn(async move {
        axum::serve(listener, router.into_make_service_with_connect_info::<std::net::SocketAddr>()).await.unwrap();
    });

    let until = Instant::now() + Duration::from_secs(secs);
    let tasks: Vec<_> = buyers
        .into_iter()
        .map(|(cookie, address)| {
            tokio::spawn(async move {
                let mut samples = vec![];
                let mut failures = 0usize;
                let body = format!("product_id={product}&quantity=1&delivery=addr:{address}");
                while Instant::now() < until {
                    let t = Instant::now();
                    match loadgen::request(addr, "POST", "/api/buy_now", &body, &[("Cookie", &cookie)]).await {
                        Ok(r) if r.status == 200 => samples.push(t.elapsed().as_secs_f64() * 1000.0),
                        _ => failures += 1,
                    }
                }
                (samples, failures)
            })
        })
        .collect();
    let mut all = vec![];
    let mut failures = 0;
    for t in tasks {
        let (s, f) = t.await.unwrap();
        all.extend(s);
        failures += f;
    }
    all.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let orders: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM orders").fetch_one(&db.pool).await.unwrap();
    println!(
        "checkout ({kind}, {BUYERS} concurrent buyers, {secs} s): {:.0} orders/s, p50 {:.1} ms, p99 {:.1} ms, {} orders written, {} failed",
        all.len() as f64 / secs as f64,
        loadgen::percentile(&all, 50.0),
        loadgen::percentile(&all, 99.0),
        orders,
        failures
    );
    let _ = std::fs::remove_dir_all(dir);
}
