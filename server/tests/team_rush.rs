#![allow(clippy::unwrap_used, reason = "a test stops where its setup fails")]

//! 200 members join one 30-seat team at the same moment through real server processes, 20 times
//! over: on SQLite, on PostgreSQL, and on PostgreSQL behind two processes. Every time the team
//! ends with exactly 30 paid members; every other member is told it is full and has no order.

use bench::loadgen;
use bench::teamrush::{self, TEAM_SIZE};
use domain::groupbuy::TeamStatus;
use store::{self, Db};

const MEMBERS: usize = 200;
const ROUNDS: usize = 20;

async fn rush(database_url: &str, processes: usize) {
    let db = Db::connect(database_url).await.unwrap();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64;
    let r = teamrush::prepare(&db, MEMBERS, now).await;
    let servers = loadgen::start(env!("CARGO_BIN_EXE_qunli"), database_url, processes).await;
    for round in 0..ROUNDS {
        let team = teamrush::open_team(&db, &r, now + round as i64).await;
        let result = teamrush::join_all(&servers.addrs, &r, team).await;
        assert!(result.other.is_empty(), "round {round}: unexpected answers {:?}", result.other);
        assert_eq!(result.joined.len() as i64, TEAM_SIZE - 1, "round {round}");
        assert_eq!(result.full, MEMBERS - (TEAM_SIZE as usize - 1), "round {round}");
        let paid = teamrush::pay_all(&servers.addrs, &result.joined).await;
        assert!(paid.iter().all(|s| *s == 200), "round {round}: payments answered {paid:?}");
        let t = store::groupbuy::team(&db, team, now).await.unwrap().unwrap();
        assert_eq!((t.status, t.taken, t.paid), (TeamStatus::Succeeded, TEAM_SIZE, TEAM_SIZE), "round {round}");
        // Exactly the members with a seat have an order in this team, all paid; nobody else was charged.
        let orders: Vec<(i64, String)> = sqlx::query_as("SELECT buyer_id, status FROM orders WHERE team_id = $1")
            .bind(team)
            .fetch_all(&db.pool)
            .await
            .unwrap();
        assert_eq!(orders.len() as i64, TEAM_SIZE, "round {round}");
        assert!(orders.iter().all(|(_, s)| s == "paid"), "round {round}: {orders:?}");
    }
    let orders: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM orders").fetch_one(&db.pool).await.unwrap();
    let charged: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM payments WHERE status = 'succeeded'")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(orders, ROUNDS as i64 * TEAM_SIZE);
    assert_eq!(charged, ROUNDS as i64 * TEAM_SIZE);
    drop(servers);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_team_never_overfills_on_sqlite() {
    let dir = std::env::temp_dir().join(format!("qunli-rush-sqlite-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    rush(&format!("sqlite://{}", dir.join("rush.db").display()), 1).await;
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_team_never_overfills_on_postgres() {
    let Some(url) = store::testing::postgres_url().await else { return };
    rush(&url, 1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_team_never_overfills_across_two_processes() {
    let Some(url) = store::testing::postgres_url().await else { return };
    rush(&url, 2).await;
}
