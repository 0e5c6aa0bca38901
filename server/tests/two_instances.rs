#![allow(clippy::unwrap_used, reason = "a test stops where its setup fails")]

//! Two real server processes on one PostgreSQL database: 100 concurrent checkouts for the last
//! 10 units give exactly 10 orders, the rest a clear "sold out", and nothing else.

use bench::loadgen;
use domain::account::Account;
use domain::checkout::AddressDraft;
use store::{self, Db};

#[tokio::test]
async fn two_processes_never_sell_more_than_the_stock() {
    let Some(url) = store::testing::postgres_url().await else { return };
    let db = Db::connect(&url).await.unwrap();
    let shop = store::testing::shop_with(&db, store::testing::ShopSpec { stock: 10, ..Default::default() }).await;
    let product = shop.product;
    let home = AddressDraft::parse("阿梅", "13800138000", "浙江省杭州市", "文三路 1 号").unwrap();
    let mut buyers = vec![];
    for i in 0..100 {
        let id = store::users::create(&db, &Account::Email(format!("b{i}@qunli.test")), "h", "买家", 1).await.unwrap();
        let address = store::addresses::add(&db, id, &home, true, 1).await.unwrap();
        let (token, hash) = app::auth::new_token();
        store::users::create_session(&db, &hash, id, 1, i64::MAX / 2).await.unwrap();
        buyers.push((format!("qunli_session={token}"), address));
    }

    let servers = loadgen::start(env!("CARGO_BIN_EXE_qunli"), &url, 2).await;
    let addrs = servers.addrs.clone();
    let tasks: Vec<_> = buyers
        .into_iter()
        .enumerate()
        .map(|(i, (cookie, address))| {
            let addr = addrs[i % 2];
            tokio::spawn(async move {
                let body = format!("product_id={product}&quantity=1&delivery=addr:{address}");
                loadgen::request(addr, "POST", "/api/buy_now", &body, &[("Cookie", &cookie)]).await.unwrap()
            })
        })
        .collect();
    let (mut ok, mut sold_out) = (0, 0);
    for t in tasks {
        let r = t.await.unwrap();
        match r.status {
            200 => ok += 1,
            409 if r.body.contains("SoldOut") => sold_out += 1,
            other => panic!("unexpected answer {other}: {}", r.body),
        }
    }
    assert_eq!((ok, sold_out), (10, 90));
    let p = store::products::by_id(&db, product).await.unwrap().unwrap();
    assert_eq!(p.stock, 0);
    let orders: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM orders").fetch_one(&db.pool).await.unwrap();
    assert_eq!(orders, 10);
    drop(servers);
}
