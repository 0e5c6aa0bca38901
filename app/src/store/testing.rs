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
}

pub async fn shop(db: &Db, price_yuan: &str, stock: i64) -> Shop {
    use crate::domain::account::Account;
    use crate::domain::catalogue::{CommunityDraft, ProductDraft, ProductInput};
    let n = SEQ.fetch_add(1, Ordering::Relaxed);
    let owner =
        super::users::create(db, &Account::Email(format!("owner{n}@qunli.test")), "h", "群主", 1).await.unwrap();
    let buyer =
        super::users::create(db, &Account::Email(format!("buyer{n}@qunli.test")), "h", "阿梅", 1).await.unwrap();
    let community = super::communities::create(
        db,
        owner,
        &CommunityDraft::parse("三文鱼吃货群", &format!("shop-{n}"), "", "salmon").unwrap(),
        1,
    )
    .await
    .unwrap();
    let input = ProductInput {
        title: "雪山三文鱼".into(),
        image: "salmon".into(),
        unit: "斤".into(),
        price: price_yuan.into(),
        original_price: "90".into(),
        stock: stock.to_string(),
        per_order_limit: "5".into(),
        status: "on_sale".into(),
        ..Default::default()
    };
    let product = super::products::create(db, community, &ProductDraft::parse(&input).unwrap(), 1).await.unwrap();
    Shop { buyer, community, product }
}

/// Another member, for tests that need many buyers.
pub async fn member(db: &Db, tag: &str) -> i64 {
    use crate::domain::account::Account;
    let n = SEQ.fetch_add(1, Ordering::Relaxed);
    super::users::create(db, &Account::Email(format!("{tag}{n}@qunli.test")), "h", tag, 1).await.unwrap()
}

/// The shared state a server process would have, over `db`, with its own clock and instance.
pub fn app_state(db: &Db) -> crate::ctx::AppState {
    use crate::ctx::{AppState, Clock, Settings};
    use std::sync::Arc;
    let secret = b"a-test-secret-that-is-long-enough-0123".to_vec();
    let n = SEQ.fetch_add(1, Ordering::Relaxed);
    AppState {
        db: db.clone(),
        sandbox: Arc::new(crate::payments::Sandbox::new(&secret)),
        settings: Arc::new(Settings {
            base_url: "http://127.0.0.1:3000".into(),
            secret,
            pay_window_ms: 15 * 60_000,
            seat_hold_ms: crate::domain::groupbuy::SEAT_HOLD_MS,
            auto_complete_ms: 7 * 86_400_000,
            data_dir: std::env::temp_dir(),
            client_ip_header: None,
            test_hooks: false,
        }),
        clock: Clock::default(),
        leptos: leptos::config::LeptosOptions::builder().output_name("qunli").build(),
        instance: format!("test-{n}").into(),
        live: crate::live::Live::new(),
    }
}
