//! All SQL lives here, one module per aggregate. The same statements run on SQLite and
//! PostgreSQL through sqlx's `Any` driver: `$n` placeholders, BIGINT money in fen, BIGINT
//! milliseconds for time, ids made by the application.
//!
//! Rules come from `domain`; this crate decides nothing a rule could decide, it makes the
//! decision hold under concurrency: conditional updates (`… WHERE state = $expected`, checked
//! with [`expect_one`]), `BEGIN IMMEDIATE` on SQLite, CHECK and UNIQUE constraints. Functions
//! that change an owner's data take an [`access::Granted`] proof, so a caller cannot forget the
//! access check.

/// A statement with its values bound in the order of its `$1, $2 …` placeholders:
/// `sql!(query, "UPDATE t SET a = $1 WHERE id = $2", a, id)` is
/// `sqlx::query("…").bind(a).bind(id)`; likewise `query_as` and `query_scalar`.
macro_rules! sql {
    ($kind:ident, $text:expr $(, $value:expr)* $(,)?) => {
        sqlx::$kind($text)$(.bind($value))*
    };
}

pub mod access;
pub mod addresses;
pub mod cart;
pub mod communities;
pub mod demo;
pub mod distribution;
mod error;
pub mod groupbuy;
pub mod jobs;
pub mod limits;
pub mod notifications;
pub mod ordering;
pub mod orders;
mod page;
pub mod products;
pub mod referral;
pub mod refunds;
pub mod users;

#[cfg(feature = "test-support")]
pub mod testing;

pub use error::{expect_one, Error};
pub use page::{Page, PageRequest};

use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{Any, AnyConnection, AnyPool, Row, Transaction};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// A write transaction. On SQLite it also holds this process's writer turn (see `Db::begin`).
pub struct Tx {
    inner: Transaction<'static, Any>,
    _turn: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl Tx {
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        self.inner.commit().await
    }
}

impl std::ops::Deref for Tx {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        &self.inner
    }
}

impl std::ops::DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.inner
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DbKind {
    Sqlite,
    Postgres,
}

#[derive(Clone)]
pub struct Db {
    pub pool: AnyPool,
    pub kind: DbKind,
    ids: Arc<IdGen>,
    /// Who holds this instance's id node lease.
    holder: Arc<String>,
    /// SQLite lets one connection write at a time; writers of this process take turns here, in
    /// order, instead of polling the file lock with SQLite's back-off sleeps (which made the
    /// slowest checkouts wait ten times longer than the typical one).
    writer: Arc<tokio::sync::Mutex<()>>,
}

impl Db {
    /// Connects, runs the migrations and claims an id node.
    /// `url` is `sqlite://path` (created when missing) or `postgres://…`.
    pub async fn connect(url: &str) -> Result<Db, sqlx::Error> {
        sqlx::any::install_default_drivers();
        let kind = if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            DbKind::Postgres
        } else if url.starts_with("sqlite:") {
            DbKind::Sqlite
        } else {
            return Err(sqlx::Error::Configuration("DATABASE_URL must start with sqlite: or postgres:".into()));
        };
        let pool = match kind {
            DbKind::Sqlite => {
                let url = if url.contains('?') { url.to_string() } else { format!("{url}?mode=rwc") };
                // WAL lets readers work while one writer commits; it is a property of the file, so
                // set it once before the pool opens more connections.
                {
                    use sqlx::Connection;
                    let mut c = sqlx::AnyConnection::connect(&url).await?;
                    sqlx::query("PRAGMA journal_mode=WAL").execute(&mut c).await?;
                    c.close().await?;
                }
                AnyPoolOptions::new()
                    .max_connections(8)
                    .acquire_timeout(Duration::from_secs(30))
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            // Money tables want every commit on disk; the busy timeout makes
                            // writers queue behind `BEGIN IMMEDIATE` instead of failing.
                            sqlx::query("PRAGMA synchronous=FULL").execute(&mut *conn).await?;
                            sqlx::query("PRAGMA busy_timeout=30000").execute(&mut *conn).await?;
                            sqlx::query("PRAGMA foreign_keys=ON").execute(&mut *conn).await?;
                            Ok(())
                        })
                    })
                    .connect(&url)
                    .await?
            }
            DbKind::Postgres => {
                AnyPoolOptions::new().max_connections(16).acquire_timeout(Duration::from_secs(30)).connect(url).await?
            }
        };
        sqlx::migrate!("./migrations").run(&pool).await?;
        let holder = format!("{:016x}", rand::random::<u64>());
        let node = claim_node(&pool, &holder, wall_ms()).await?;
        Ok(Db {
            pool,
            kind,
            ids: Arc::new(IdGen::new(node)),
            holder: Arc::new(holder),
            writer: Arc::new(tokio::sync::Mutex::new(())),
        })
    }

    /// Renews this instance's id node lease (the server does it with every run of the jobs). If
    /// the lease ran out and another instance took the node meanwhile, a free node is claimed and
    /// ids continue from it.
    pub async fn renew_node(&self, now: i64) -> Result<(), sqlx::Error> {
        let node = self.ids.node.load(Ordering::Acquire) as i64;
        let renewed = sqlx::query("UPDATE id_node_leases SET lease_until = $1 WHERE node = $2 AND holder = $3")
            .bind(now + NODE_LEASE_MS)
            .bind(node)
            .bind(self.holder.as_str())
            .execute(&self.pool)
            .await?
            .rows_affected();
        if renewed == 0 {
            let fresh = claim_node(&self.pool, &self.holder, now).await?;
            tracing::warn!(old = node, new = fresh, "id node lease was lost; claimed another node");
            self.ids.node.store(fresh as u64, Ordering::Release);
        }
        Ok(())
    }

    /// A write transaction. On SQLite it takes the write lock up front (`BEGIN IMMEDIATE`): a
    /// deferred transaction that reads before writing can fail with a snapshot conflict that
    /// the busy timeout does not wait out.
    pub async fn begin(&self) -> Result<Tx, sqlx::Error> {
        match self.kind {
            DbKind::Sqlite => {
                let turn = self.writer.clone().lock_owned().await;
                Ok(Tx { inner: self.pool.begin_with("BEGIN IMMEDIATE").await?, _turn: Some(turn) })
            }
            DbKind::Postgres => Ok(Tx { inner: self.pool.begin().await?, _turn: None }),
        }
    }

    /// A new unique id (see `IdGen`).
    pub fn id(&self) -> i64 {
        self.ids.next()
    }

    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        sqlx::query_scalar::<_, i64>("SELECT 1").fetch_one(&self.pool).await.map(|_| ())
    }
}

/// How long an id node stays an instance's without a renewal.
const NODE_LEASE_MS: i64 = 10 * 60 * 1000;

fn wall_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_millis() as i64
}

/// Claims a free id node (or one whose holder stopped renewing) for `holder`, trying them from
/// a point that moves with each start so instances spread out. Fails when all 1,024 are held.
async fn claim_node(pool: &AnyPool, holder: &str, now: i64) -> Result<i64, sqlx::Error> {
    let start: i64 =
        sqlx::query_scalar("UPDATE id_nodes SET next_node = next_node + 1 WHERE id = 1 RETURNING next_node")
            .fetch_one(pool)
            .await?;
    for k in 0..1024 {
        let node = (start + k).rem_euclid(1024);
        let taken = sqlx::query(
            "INSERT INTO id_node_leases (node, holder, lease_until) VALUES ($1, $2, $3) \
             ON CONFLICT (node) DO UPDATE SET holder = excluded.holder, lease_until = excluded.lease_until \
             WHERE id_node_leases.lease_until < $4",
        )
        .bind(node)
        .bind(holder)
        .bind(now + NODE_LEASE_MS)
        .bind(now)
        .execute(pool)
        .await?
        .rows_affected();
        if taken == 1 {
            return Ok(node);
        }
    }
    Err(sqlx::Error::Configuration("all 1,024 id nodes are held by running instances".into()))
}

/// Ids are 63-bit integers: milliseconds since 2025-01-01 (41 bits), a node number leased from
/// the database (10 bits, so running instances never share one), and a per-process sequence
/// (12 bits). They increase with time, which keeps indexes append-mostly.
struct IdGen {
    node: AtomicU64,
    /// `(ms << 12) | seq` of the last id handed out.
    last: AtomicU64,
}

const ID_EPOCH_MS: u64 = 1_735_689_600_000;

impl IdGen {
    fn new(node: i64) -> IdGen {
        IdGen { node: AtomicU64::new((node as u64) % 1024), last: AtomicU64::new(0) }
    }

    fn next(&self) -> i64 {
        let now = (std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_millis()
            as u64)
            .saturating_sub(ID_EPOCH_MS);
        let mut prev = self.last.load(Ordering::Relaxed);
        loop {
            // More than 4096 ids in one millisecond borrow from the next millisecond.
            let candidate = std::cmp::max(prev + 1, now << 12);
            match self.last.compare_exchange_weak(prev, candidate, Ordering::AcqRel, Ordering::Relaxed) {
                Ok(_) => {
                    let ms = candidate >> 12;
                    let seq = candidate & 0xFFF;
                    return ((ms << 22) | (self.node.load(Ordering::Relaxed) << 12) | seq) as i64;
                }
                Err(actual) => prev = actual,
            }
        }
    }
}

/// Reads a column, turning a decoding problem into a logged internal error.
pub(crate) fn col<T>(row: &AnyRow, name: &str) -> Result<T, sqlx::Error>
where
    T: for<'r> sqlx::Decode<'r, Any> + sqlx::Type<Any>,
{
    row.try_get(name)
}

/// True when an insert failed on a UNIQUE constraint.
pub(crate) fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_increasing_within_a_process() {
        let g = IdGen::new(7);
        let mut last = 0;
        for _ in 0..20_000 {
            let id = g.next();
            assert!(id > last);
            assert_eq!((id >> 12) & 0x3FF, 7);
            last = id;
        }
    }

    /// Instances on one database hold different nodes however many have started before; a
    /// node frees up when its holder stops renewing, and one taken over is given up for another.
    #[tokio::test]
    async fn live_instances_never_share_an_id_node() {
        let url = {
            let dir = std::env::temp_dir().join("qunli-store-tests");
            std::fs::create_dir_all(&dir).unwrap();
            format!("sqlite://{}", dir.join(format!("nodes-{}.db", rand::random::<u64>())).display())
        };
        let a = Db::connect(&url).await.unwrap();
        let node = |db: &Db| db.ids.node.load(Ordering::Relaxed) as i64;
        // 1,100 starts later (past the 1,024 wrap of the old counter), a new instance still
        // does not get `a`'s node.
        sqlx::query("UPDATE id_nodes SET next_node = next_node + 1023 WHERE id = 1").execute(&a.pool).await.unwrap();
        let b = Db::connect(&url).await.unwrap();
        assert_ne!(node(&a), node(&b));
        // With every node held, a start is refused rather than sharing one.
        let now = wall_ms();
        for n in 0..1024i64 {
            sqlx::query("INSERT INTO id_node_leases (node, holder, lease_until) VALUES ($1, 'other', $2) ON CONFLICT (node) DO NOTHING")
                .bind(n)
                .bind(now + 60_000)
                .execute(&a.pool)
                .await
                .unwrap();
        }
        assert!(Db::connect(&url).await.is_err());
        // `b` stops renewing; after its lease a node is free again.
        let later = now + NODE_LEASE_MS + 120_000;
        a.renew_node(later).await.unwrap();
        let free = claim_node(&a.pool, "c", later).await.unwrap();
        assert_ne!(free, node(&a));
        // `a`'s node taken over by another while `a` was not renewing: `a` moves to a free one.
        let much_later = later + 2 * NODE_LEASE_MS;
        sqlx::query("UPDATE id_node_leases SET holder = 'thief', lease_until = $2 WHERE node = $1")
            .bind(node(&a))
            .bind(much_later + NODE_LEASE_MS)
            .execute(&a.pool)
            .await
            .unwrap();
        let before = node(&a);
        a.renew_node(much_later).await.unwrap();
        assert_ne!(node(&a), before);
    }

    #[test]
    fn ids_from_two_nodes_never_meet() {
        let a = IdGen::new(1);
        let b = IdGen::new(2);
        let mut seen = std::collections::HashSet::new();
        for _ in 0..5_000 {
            assert!(seen.insert(a.next()));
            assert!(seen.insert(b.next()));
        }
    }
}
