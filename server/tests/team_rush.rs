//! 200 members join one 30-seat team at the same moment through real server processes, 20 times
//! over: on SQLite, on PostgreSQL, and on PostgreSQL behind two processes. Every time the team
//! ends with exactly 30 paid members; every other member is told it is full and has no order.

use app::domain::groupbuy::TeamStatus;
use app::store::{self, Db};
use server::loadgen;
use server::teamrush::{self, TEAM_SIZE};

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

async fn fresh_postgres(tag: &str) -> Option<String> {
    let Ok(base) = std::env::var("QUNLI_TEST_PG_URL") else {
        assert!(std::env::var("QUNLI_REQUIRE_PG").is_err(), "QUNLI_REQUIRE_PG is set but QUNLI_TEST_PG_URL is not");
        eprintln!("QUNLI_TEST_PG_URL is not set: the PostgreSQL rush was not run");
        return None;
    };
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    let name = format!("qunli_rush_{tag}_{}", std::process::id());
    let mut admin = sqlx::AnyConnection::connect(&base).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&mut admin).await.unwrap();
    let (prefix, _) = base.rsplit_once('/').unwrap();
    Some(format!("{prefix}/{name}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_team_never_overfills_on_postgres() {
    let Some(url) = fresh_postgres("one").await else { return };
    rush(&url, 1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_team_never_overfills_across_two_processes() {
    let Some(url) = fresh_postgres("two").await else { return };
    rush(&url, 2).await;
}
