//! Configuration from environment variables. Every variable has a default that runs the demo
//! on this machine; a value that cannot be used stops start-up with a message naming it.

use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Clone, Debug)]
pub struct Config {
    /// `QUNLI_LISTEN`, default `127.0.0.1:3000`.
    pub listen: SocketAddr,
    /// `DATABASE_URL`; unset means an embedded SQLite file in the data directory.
    pub database_url: String,
    /// `QUNLI_DATA_DIR`, default `./data`.
    pub data_dir: PathBuf,
    /// `QUNLI_SECRET` (at least 32 characters); unset means one generated and kept in the data
    /// directory.
    pub secret: Option<String>,
    /// `QUNLI_DEMO_SEED` = `on` (default) or `off`: write the demo communities into an empty database.
    pub seed_demo: bool,
    /// `QUNLI_BASE_URL`, default `http://<listen>`.
    pub base_url: String,
    /// `QUNLI_PAY_WINDOW_MINUTES`, default 15: how long an unpaid order keeps its stock.
    pub pay_window_minutes: i64,
    /// `QUNLI_SEAT_HOLD_MINUTES`, default 5: how long a group-buy seat waits for its member to pay.
    pub seat_hold_minutes: i64,
    /// `QUNLI_AUTO_COMPLETE_DAYS`, default 7: days after shipping when an order completes by itself.
    pub auto_complete_days: i64,
    /// `QUNLI_JOB_INTERVAL_SECONDS`, default 10: how often the background jobs run.
    pub job_interval_seconds: u64,
    /// `QUNLI_TEST_HOOKS` = `1` turns on `/__test/` routes for end-to-end tests. Never in production.
    pub test_hooks: bool,
    /// `LEPTOS_SITE_ROOT`, default `target/site`: the built static site.
    pub site_root: PathBuf,
    /// `QUNLI_LOG_FORMAT` = `text` (default) or `json`.
    pub json_logs: bool,
    /// `QUNLI_CLIENT_IP_HEADER`, e.g. `x-forwarded-for` behind a reverse proxy: where the client's
    /// address is (sign-in limits count per address). Unset: the connection's peer address.
    pub client_ip_header: Option<String>,
    /// `QUNLI_TRUSTED_PROXY_HOPS`, default 1 (1–5): how many proxies in front append to that header.
    pub trusted_proxy_hops: usize,
}

#[derive(Debug, PartialEq, Eq)]
pub struct ConfigError {
    pub var: &'static str,
    pub message: String,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.var, self.message)
    }
}

impl Config {
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_vars(|k| std::env::var(k).ok().filter(|v| !v.trim().is_empty()))
    }

    pub fn from_vars(get: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let err = |var: &'static str, message: String| ConfigError { var, message };
        let listen: SocketAddr = match get("QUNLI_LISTEN") {
            Some(v) => v
                .trim()
                .parse()
                .map_err(|_| err("QUNLI_LISTEN", format!("`{v}` is not an address like 127.0.0.1:3000")))?,
            None => "127.0.0.1:3000".parse().expect("valid default"),
        };
        let data_dir = PathBuf::from(get("QUNLI_DATA_DIR").unwrap_or_else(|| "data".into()));
        let database_url = match get("DATABASE_URL") {
            Some(url) => {
                let ok = ["postgres://", "postgresql://", "sqlite:"].iter().any(|p| url.starts_with(p));
                if !ok {
                    return Err(err("DATABASE_URL", "must start with postgres://, postgresql:// or sqlite:".into()));
                }
                url
            }
            None => format!("sqlite://{}", data_dir.join("qunli.db").display()),
        };
        let secret = match get("QUNLI_SECRET") {
            Some(s) if s.len() < 32 => return Err(err("QUNLI_SECRET", "must be at least 32 characters".into())),
            other => other,
        };
        let seed_demo = match get("QUNLI_DEMO_SEED").as_deref().map(str::trim) {
            None | Some("on") | Some("1") | Some("true") => true,
            Some("off") | Some("0") | Some("false") => false,
            Some(v) => return Err(err("QUNLI_DEMO_SEED", format!("`{v}` should be on or off"))),
        };
        let base_url = match get("QUNLI_BASE_URL") {
            Some(u) => {
                let u = u.trim().trim_end_matches('/').to_string();
                if !(u.starts_with("http://") || u.starts_with("https://")) || u.len() < 10 {
                    return Err(err("QUNLI_BASE_URL", format!("`{u}` should look like https://shop.example.com")));
                }
                u
            }
            None => format!("http://{listen}"),
        };
        let in_range = |var, unit, range, default| var_in_range(&get, var, unit, range, default);
        let pay_window_minutes = in_range("QUNLI_PAY_WINDOW_MINUTES", "minutes", 1..=1440, 15)?;
        let seat_hold_minutes = in_range("QUNLI_SEAT_HOLD_MINUTES", "minutes", 1..=60, 5)?;
        let auto_complete_days = in_range("QUNLI_AUTO_COMPLETE_DAYS", "days", 1..=60, 7)?;
        let job_interval_seconds = in_range("QUNLI_JOB_INTERVAL_SECONDS", "seconds", 1..=300, 10)? as u64;
        let test_hooks = match get("QUNLI_TEST_HOOKS").as_deref() {
            None | Some("0") => false,
            Some("1") => true,
            Some(v) => return Err(err("QUNLI_TEST_HOOKS", format!("`{v}` should be 1 or 0"))),
        };
        let site_root = PathBuf::from(get("LEPTOS_SITE_ROOT").unwrap_or_else(|| "target/site".into()));
        let json_logs = match get("QUNLI_LOG_FORMAT").as_deref() {
            None | Some("text") => false,
            Some("json") => true,
            Some(v) => return Err(err("QUNLI_LOG_FORMAT", format!("`{v}` should be text or json"))),
        };
        let client_ip_header = match get("QUNLI_CLIENT_IP_HEADER") {
            Some(h) => {
                let h = h.trim().to_ascii_lowercase();
                if axum::http::HeaderName::from_bytes(h.as_bytes()).is_err() {
                    return Err(err("QUNLI_CLIENT_IP_HEADER", format!("`{h}` is not a header name")));
                }
                Some(h)
            }
            None => None,
        };
        let trusted_proxy_hops = in_range("QUNLI_TRUSTED_PROXY_HOPS", "proxies", 1..=5, 1)? as usize;
        Ok(Config {
            trusted_proxy_hops,
            listen,
            database_url,
            data_dir,
            secret,
            seed_demo,
            base_url,
            pay_window_minutes,
            seat_hold_minutes,
            auto_complete_days,
            job_interval_seconds,
            test_hooks,
            site_root,
            json_logs,
            client_ip_header,
        })
    }

    /// The secret from the environment, or the one kept in the data directory (made on first
    /// start, readable only by this user).
    pub fn load_secret(&self) -> std::io::Result<Vec<u8>> {
        if let Some(s) = &self.secret {
            return Ok(s.as_bytes().to_vec());
        }
        let path = self.data_dir.join("secret.key");
        if let Ok(existing) = std::fs::read_to_string(&path) {
            if existing.trim().len() >= 32 {
                return Ok(existing.trim().as_bytes().to_vec());
            }
        }
        std::fs::create_dir_all(&self.data_dir)?;
        let (token, _) = app::auth::new_token();
        write_private(&path, &token)?;
        Ok(token.into_bytes())
    }
}

/// A whole number of `unit` from the variable `var`, within `range`, or `default` when unset;
/// anything else is an error that names the variable and says what it should be.
fn var_in_range(
    get: &impl Fn(&str) -> Option<String>,
    var: &'static str,
    unit: &str,
    range: std::ops::RangeInclusive<i64>,
    default: i64,
) -> Result<i64, ConfigError> {
    let Some(v) = get(var) else { return Ok(default) };
    v.trim().parse::<i64>().ok().filter(|n| range.contains(n)).ok_or_else(|| ConfigError {
        var,
        message: format!("`{v}` should be a number of {unit} from {} to {}", range.start(), range.end()),
    })
}

#[cfg(unix)]
fn write_private(path: &std::path::Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new().create(true).truncate(true).write(true).mode(0o600).open(path)?;
    f.write_all(contents.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &std::path::Path, contents: &str) -> std::io::Result<()> {
    std::fs::write(path, contents)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn with(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let m: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_vars(|k| m.get(k).cloned())
    }

    #[test]
    fn defaults_run_the_demo_locally() {
        let c = with(&[]).unwrap();
        assert_eq!(c.listen.to_string(), "127.0.0.1:3000");
        assert_eq!(c.database_url, "sqlite://data/qunli.db");
        assert_eq!(c.base_url, "http://127.0.0.1:3000");
        assert!(c.seed_demo);
        assert_eq!(c.pay_window_minutes, 15);
        assert_eq!(c.seat_hold_minutes, 5);
        assert_eq!(c.auto_complete_days, 7);
        assert!(!c.test_hooks, "test hooks are off unless asked for");
    }

    #[test]
    fn bad_values_name_their_variable() {
        for (var, val) in [
            ("QUNLI_LISTEN", "localhost"),
            ("DATABASE_URL", "mysql://x"),
            ("QUNLI_SECRET", "short"),
            ("QUNLI_DEMO_SEED", "maybe"),
            ("QUNLI_BASE_URL", "qunli.example"),
            ("QUNLI_PAY_WINDOW_MINUTES", "0"),
            ("QUNLI_LOG_FORMAT", "xml"),
            ("QUNLI_CLIENT_IP_HEADER", "bad header"),
            ("QUNLI_AUTO_COMPLETE_DAYS", "0"),
            ("QUNLI_JOB_INTERVAL_SECONDS", "x"),
            ("QUNLI_TEST_HOOKS", "yes"),
        ] {
            let e = with(&[(var, val)]).unwrap_err();
            assert_eq!(e.var, var);
            assert!(e.to_string().starts_with(var));
        }
    }

    #[test]
    fn numbers_are_read_within_their_range() {
        let c = with(&[("QUNLI_SEAT_HOLD_MINUTES", " 60 "), ("QUNLI_JOB_INTERVAL_SECONDS", "1")]).unwrap();
        assert_eq!((c.seat_hold_minutes, c.job_interval_seconds), (60, 1));
        let e = with(&[("QUNLI_SEAT_HOLD_MINUTES", "61")]).unwrap_err();
        assert_eq!(e.to_string(), "QUNLI_SEAT_HOLD_MINUTES: `61` should be a number of minutes from 1 to 60");
    }

    #[test]
    fn the_generated_secret_is_kept() {
        let dir = std::env::temp_dir().join(format!("qunli-secret-{}", std::process::id()));
        let c = with(&[("QUNLI_DATA_DIR", dir.to_str().unwrap())]).unwrap();
        let a = c.load_secret().unwrap();
        let b = c.load_secret().unwrap();
        assert_eq!(a, b);
        assert!(a.len() >= 32);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
