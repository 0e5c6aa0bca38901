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
        let node: i64 =
            sqlx::query_scalar("UPDATE id_nodes SET next_node = next_node + 1 WHERE id = 1 RETURNING next_node")
                .fetch_one(&pool)
                .await?;
        Ok(Db { pool, kind, ids: Arc::new(IdGen::new(node)), writer: Arc::new(tokio::sync::Mutex::new(())) })
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

/// Ids are 63-bit integers: milliseconds since 2025-01-01 (41 bits), a node number claimed from
/// the database at start-up (10 bits, so running instances do not collide), and a per-process
/// sequence (12 bits). They increase with time, which keeps indexes append-mostly.
struct IdGen {
    node: u64,
    /// `(ms << 12) | seq` of the last id handed out.
    last: AtomicU64,
}

const ID_EPOCH_MS: u64 = 1_735_689_600_000;

impl IdGen {
    fn new(node: i64) -> IdGen {
        IdGen { node: (node as u64) % 1024, last: AtomicU64::new(0) }
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
                    return ((ms << 22) | (self.node << 12) | seq) as i64;
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
