#![expect(clippy::unwrap_used, reason = "a benchmark: a failed setup step should stop the run where it happens")]

//! Group-buy figures, through real server processes. Prints; never fails on a slow machine.
//!
//!   team_bench join <qunli binary> sqlite|postgres [rounds]
//!       200 members join one 30-seat team at the same moment, `rounds` times (default 10):
//!       latency p50 / p99 of a join request, and that the team never overfilled.
//!   team_bench sse <qunli binary> [subscribers]
//!       holds `subscribers` (default 2000) live team-page streams on one server process, then
//!       measures its RSS and how long one change takes to reach every stream.
//!
//! PostgreSQL is read from QUNLI_BENCH_PG_URL.

use bench::loadgen;
use bench::teamrush;
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mode = args.first().map(String::as_str).unwrap_or("join");
    let exe = args.get(1).cloned().unwrap_or_else(|| "target/release/qunli".into());
    match mode {
        "sse" => sse(&exe, args.get(2).and_then(|s| s.parse().ok()).unwrap_or(2000)).await,
        _ => {
            let kind = args.get(2).cloned().unwrap_or_else(|| "sqlite".into());
            join(&exe, &kind, args.get(3).and_then(|s| s.parse().ok()).unwrap_or(10)).await
        }
    }
}

fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64
}

fn database(kind: &str, dir: &std::path::Path) -> String {
    match kind {
        "postgres" => std::env::var("QUNLI_BENCH_PG_URL").expect("QUNLI_BENCH_PG_URL"),
        _ => {
            std::fs::create_dir_all(dir).unwrap();
            format!("sqlite://{}", dir.join("bench.db").display())
        }
    }
}

async fn join(exe: &str, kind: &str, rounds: usize) {
    let dir = std::env::temp_dir().join(format!("qunli-team-bench-{}-{kind}", std::process::id()));
    let url = database(kind, &dir);
    let db = store::Db::connect(&url).await.unwrap();
    let rush = teamrush::prepare(&db, 200, now_ms()).await;
    let servers = loadgen::start(exe, &url, 1).await;
    let (mut all, mut overfilled, mut odd) = (vec![], 0, 0);
    let started = Instant::now();
    for _ in 0..rounds {
        let team = teamrush::open_team(&db, &rush, now_ms()).await;
        let r = teamrush::join_all(&servers.addrs, &rush, team).await;
        if r.joined.len() as i64 != teamrush::TEAM_SIZE - 1 {
            overfilled += 1;
        }
        odd += r.other.len();
        all.extend(r.latencies_ms);
        teamrush::pay_all(&servers.addrs, &r.joined).await;
    }
    all.sort_by(|a, b| a.partial_cmp(b).unwrap());
    println!(
        "team join ({kind}, 200 members at one 30-seat team, {rounds} rounds): p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; \
         {} rounds with a wrong number of members, {} unexpected answers ({:.1} s)",
        loadgen::percentile(&all, 50.0),
        loadgen::percentile(&all, 99.0),
        all.last().copied().unwrap_or(0.0),
        overfilled,
        odd,
        started.elapsed().as_secs_f64()
    );
    drop(servers);
    let _ = std::fs::remove_dir_all(dir);
}

fn rss_mb(pid: u32, field: &str) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with(field)).and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

/// Opens a stream and reads until its first event; returns the connection to keep it open.
async fn subscribe(addr: SocketAddr, path: String) -> std::io::Result<tokio::net::TcpStream> {
    let mut s = tokio::net::TcpStream::connect(addr).await?;
    s.write_all(format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nAccept: text/event-stream\r\n\r\n").as_bytes()).await?;
    let mut buf = vec![0u8; 8192];
    let mut seen = String::new();
    while !seen.contains("data:") {
        let n = s.read(&mut buf).await?;
        if n == 0 {
            return Err(std::io::Error::other("closed"));
        }
        seen.push_str(&String::from_utf8_lossy(&buf[..n]));
    }
    Ok(s)
}

async fn sse(exe: &str, subscribers: usize) {
    let dir = std::env::temp_dir().join(format!("qunli-sse-bench-{}", std::process::id()));
    let url = database("sqlite", &dir);
    let db = store::Db::connect(&url).await.unwrap();
    let rush = teamrush::prepare(&db, 1, now_ms()).await;
    let team = teamrush::open_team(&db, &rush, now_ms()).await;
    let servers = loadgen::start(exe, &url, 1).await;
    let pid = servers.pids()[0];
    let addr = servers.addrs[0];
    tokio::time::sleep(Duration::from_millis(300)).await;
    let idle = rss_mb(pid, "VmRSS");
    let path = format!("/live/t/{team}");
    let started = Instant::now();
    let mut streams = vec![];
    let mut failed = 0;
    // Connect in batches so the listen backlog is never the limit being measured.
    for chunk in (0..subscribers).collect::<Vec<_>>().chunks(250) {
        let tasks: Vec<_> = chunk.iter().map(|_| tokio::spawn(subscribe(addr, path.clone()))).collect::<Vec<_>>();
        for t in tasks {
            match t.await.unwrap() {
                Ok(s) => streams.push(s),
                Err(_) => failed += 1,
            }
        }
    }
    let connect_s = started.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let with = rss_mb(pid, "VmRSS");
    // One member joins: every stream should hear of it.
    let started = Instant::now();
    let (_, cookie) = &rush.members[0];
    let body = format!("product_id={}&target=join:{team}&quantity=1&delivery=pickup", rush.product);
    let r = loadgen::request(addr, "POST", "/api/group_buy", &body, &[("Cookie", cookie)]).await.unwrap();
    assert_eq!(r.status, 200, "{}", r.body);
    let waits: Vec<_> = streams
        .into_iter()
        .map(|mut s| {
            tokio::spawn(async move {
                let mut buf = vec![0u8; 8192];
                loop {
                    match tokio::time::timeout(Duration::from_secs(10), s.read(&mut buf)).await {
                        Ok(Ok(n)) if n > 0 => {
                            if String::from_utf8_lossy(&buf[..n]).contains("\"taken\":2") {
                                return true;
                            }
                        }
                        _ => return false,
                    }
                }
            })
        })
        .collect();
    let mut heard = 0;
    for w in waits {
        if w.await.unwrap() {
            heard += 1;
        }
    }
    let fanout_ms = started.elapsed().as_secs_f64() * 1000.0;
    println!(
        "live team page: {} streams held on one process ({failed} refused, connected in {connect_s:.1} s); \
         RSS {idle:.1} MB idle, {with:.1} MB with them ({:.1} KB per stream), peak {:.1} MB; \
         one join reached {heard} of them in {fanout_ms:.0} ms",
        subscribers - failed,
        (with - idle) * 1024.0 / (subscribers - failed).max(1) as f64,
        rss_mb(pid, "VmHWM"),
    );
    drop(servers);
    let _ = std::fs::remove_dir_all(dir);
}
