//! A minimal HTTP/1.1 client for the multi-process tests and the benchmarks: one request per
//! connection, enough to read a status line, headers and a body.

use std::net::SocketAddr;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[derive(Clone, Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// Sends one request and reads the whole reply (the connection is closed after it).
pub async fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    body: &str,
    headers: &[(&str, &str)],
) -> std::io::Result<Reply> {
    let mut stream = tokio::net::TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    let mut req =
        format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n", body.len());
    if !body.is_empty() {
        req.push_str("Content-Type: application/x-www-form-urlencoded\r\n");
    }
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(body);
    stream.write_all(req.as_bytes()).await?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await?;
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines.next().and_then(|l| l.split_whitespace().nth(1)).and_then(|s| s.parse().ok()).unwrap_or(0);
    let headers =
        lines.filter_map(|l| l.split_once(':')).map(|(k, v)| (k.trim().to_string(), v.trim().to_string())).collect();
    Ok(Reply { status, headers, body: body.to_string() })
}

/// Percentiles of a set of durations in milliseconds.
pub fn percentile(sorted_ms: &[f64], p: f64) -> f64 {
    if sorted_ms.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * (sorted_ms.len() as f64 - 1.0)).round() as usize;
    sorted_ms[rank.min(sorted_ms.len() - 1)]
}

/// Starts `count` server processes of the binary at `exe` on `database_url`; they stop when the
/// returned guard is dropped.
pub struct Processes {
    children: Vec<std::process::Child>,
    pub addrs: Vec<SocketAddr>,
    dir: std::path::PathBuf,
}

impl Processes {
    pub fn pids(&self) -> Vec<u32> {
        self.children.iter().map(|c| c.id()).collect()
    }
}

impl Drop for Processes {
    fn drop(&mut self) {
        for c in &mut self.children {
            let _ = c.kill();
            let _ = c.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

pub async fn start(exe: &str, database_url: &str, count: usize) -> Processes {
    use std::process::{Command, Stdio};
    let dir = std::env::temp_dir().join(format!("qunli-rush-{}-{}", std::process::id(), rand_suffix()));
    let mut p = Processes { children: vec![], addrs: vec![], dir: dir.clone() };
    for _ in 0..count {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new(exe)
            .env("DATABASE_URL", database_url)
            .env("QUNLI_LISTEN", format!("127.0.0.1:{port}"))
            .env("QUNLI_DATA_DIR", dir.join(port.to_string()))
            .env("QUNLI_SECRET", "a-test-secret-that-is-long-enough-0123")
            .env("QUNLI_DEMO_SEED", "off")
            .env("QUNLI_LOG", "warn")
            .env("LEPTOS_SITE_ROOT", &dir)
            .stdout(Stdio::null())
            .spawn()
            .expect("start a server process");
        p.children.push(child);
        p.addrs.push(format!("127.0.0.1:{port}").parse().unwrap());
    }
    for addr in &p.addrs {
        let mut up = false;
        for _ in 0..300 {
            if matches!(request(*addr, "GET", "/healthz", "", &[]).await, Ok(r) if r.status == 200) {
                up = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert!(up, "server at {addr} did not start");
    }
    p
}

fn rand_suffix() -> u128 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0)
}
