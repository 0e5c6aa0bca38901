//! Configuration from environment variables. Every variable has a default that runs the demo
//! on this machine; a value that cannot be used stops start-up with a message naming it.

use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Clone)]
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
    /// `QUNLI_DEMO_SEED` = `on` or `off`: write the demo communities into an empty database. On
    /// by default only for the embedded SQLite database on a plain-http address (this machine's
    /// demo); with PostgreSQL or an `https://` base URL it is off unless asked for.
    pub seed_demo: bool,
    /// `QUNLI_SANDBOX` = `on` (default) or `off`: the sandbox payment provider. When it is on in
    /// an instance that is not the demo, owners see a warning and commissions on sandbox-paid
    /// orders cannot be withdrawn.
    pub sandbox: bool,
    /// `QUNLI_METRICS_TOKEN` (at least 16 characters): `/metrics` then answers only requests
    /// with `Authorization: Bearer <token>`.
    pub metrics_token: Option<String>,
    /// `QUNLI_METRICS_LISTEN`, e.g. `127.0.0.1:9100`: serve `/metrics` on this address instead
    /// of the public one.
    pub metrics_listen: Option<SocketAddr>,
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

/// Everything but the secrets: the secret key, the metrics token and a database password are
/// never printed, so a configuration can be logged.
impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let hidden = |set: bool| if set { "(set, hidden)" } else { "(unset)" };
        f.debug_struct("Config")
            .field("listen", &self.listen)
            .field("database_url", &without_password(&self.database_url))
            .field("data_dir", &self.data_dir)
            .field("secret", &hidden(self.secret.is_some()))
            .field("seed_demo", &self.seed_demo)
            .field("sandbox", &self.sandbox)
            .field("metrics_token", &hidden(self.metrics_token.is_some()))
            .field("metrics_listen", &self.metrics_listen)
            .field("base_url", &self.base_url)
            .field("pay_window_minutes", &self.pay_window_minutes)
            .field("seat_hold_minutes", &self.seat_hold_minutes)
            .field("auto_complete_days", &self.auto_complete_days)
            .field("job_interval_seconds", &self.job_interval_seconds)
            .field("test_hooks", &self.test_hooks)
            .field("site_root", &self.site_root)
            .field("json_logs", &self.json_logs)
            .field("client_ip_header", &self.client_ip_header)
            .field("trusted_proxy_hops", &self.trusted_proxy_hops)
            .finish()
    }
}

/// `postgres://user:pass@host/db` as `postgres://user:***@host/db`.
fn without_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_string() };
    match rest.split_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split(':').next().unwrap_or_default();
            let masked = if userinfo.contains(':') { format!("{user}:***") } else { user.to_string() };
            format!("{scheme}://{masked}@{host}")
        }
        None => url.to_string(),
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
        let on_off = |var: &'static str| match get(var).as_deref().map(str::trim) {
            None => Ok(None),
            Some("on") | Some("1") | Some("true") => Ok(Some(true)),
            Some("off") | Some("0") | Some("false") => Ok(Some(false)),
            Some(v) => Err(err(var, format!("`{v}` should be on or off"))),
        };
        let local_demo = database_url.starts_with("sqlite:") && !base_url.starts_with("https://");
        let seed_demo = on_off("QUNLI_DEMO_SEED")?.unwrap_or(local_demo);
        let sandbox = on_off("QUNLI_SANDBOX")?.unwrap_or(true);
        let metrics_token = match get("QUNLI_METRICS_TOKEN") {
            Some(t) if t.trim().len() < 16 => {
                return Err(err("QUNLI_METRICS_TOKEN", "must be at least 16 characters".into()))
            }
            other => other.map(|t| t.trim().to_string()),
        };
        let metrics_listen =
            match get("QUNLI_METRICS_LISTEN") {
                Some(v) => Some(v.trim().parse().map_err(|_| {
                    err("QUNLI_METRICS_LISTEN", format!("`{v}` is not an address like 127.0.0.1:9100"))
                })?),
                None => None,
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
            sandbox,
            metrics_token,
            metrics_listen,
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
    fn the_demo_seed_is_on_only_for_the_local_demo_unless_asked_for() {
        assert!(with(&[]).unwrap().seed_demo);
        assert!(!with(&[("DATABASE_URL", "postgres://q@db/qunli")]).unwrap().seed_demo);
        assert!(!with(&[("QUNLI_BASE_URL", "https://shop.example.com")]).unwrap().seed_demo);
        let asked = with(&[("QUNLI_BASE_URL", "https://shop.example.com"), ("QUNLI_DEMO_SEED", "on")]).unwrap();
        assert!(asked.seed_demo);
        assert!(!with(&[("QUNLI_DEMO_SEED", "off")]).unwrap().seed_demo);
        assert!(with(&[]).unwrap().sandbox);
        assert!(!with(&[("QUNLI_SANDBOX", "off")]).unwrap().sandbox);
    }

    #[test]
    fn printing_the_configuration_shows_no_secret() {
        let c = with(&[
            ("QUNLI_SECRET", "a-very-secret-key-that-is-long-enough"),
            ("QUNLI_METRICS_TOKEN", "metrics-token-0123456789"),
            ("DATABASE_URL", "postgres://qunli:db-password@db:5432/qunli"),
        ])
        .unwrap();
        let shown = format!("{c:?}");
        for secret in ["a-very-secret-key", "metrics-token", "db-password"] {
            assert!(!shown.contains(secret), "{shown}");
        }
        assert!(shown.contains("postgres://qunli:***@db:5432/qunli"), "{shown}");
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
            ("QUNLI_SANDBOX", "maybe"),
            ("QUNLI_METRICS_TOKEN", "short"),
            ("QUNLI_METRICS_LISTEN", "nowhere"),
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
