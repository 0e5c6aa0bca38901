//! What every server-side piece may need and nothing else provides: the instance's settings,
//! its clock, and the signal that something live (a team) changed. It imports nothing from the
//! crate, so the request context above and the services below can all use it.

use std::path::PathBuf;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

#[derive(Clone)]
pub struct Settings {
    /// Where members reach this instance, e.g. `https://qunli.example`; links and cookies follow it.
    pub base_url: String,
    pub secret: Vec<u8>,
    /// How long an unpaid order holds its stock.
    pub pay_window_ms: i64,
    /// How long a group-buy seat is held for a member while they pay.
    pub seat_hold_ms: i64,
    /// How long after shipping an order completes by itself (the buyer can confirm earlier).
    pub auto_complete_ms: i64,
    pub data_dir: PathBuf,
    /// Behind a reverse proxy, the request header that carries the client's address; otherwise
    /// the connection's peer address is the client.
    pub client_ip_header: Option<String>,
    /// How many trusted proxies append to that header: the client's address is that many entries
    /// from the right (what the client wrote itself, further left, is ignored).
    pub trusted_proxy_hops: usize,
    /// Routes under `/__test/` that move the clock and run the jobs now. Only end-to-end tests
    /// turn this on (`QUNLI_TEST_HOOKS=1`); it is off in every other run.
    pub test_hooks: bool,
    /// The sandbox payment provider (`QUNLI_SANDBOX`, on by default): its cashier pays any order
    /// with play money.
    pub sandbox: bool,
    /// This instance runs the demo (its database was seeded with the demo communities).
    pub demo: bool,
}

impl Settings {
    /// Cookies get `Secure` and the `__Host-` prefix when the site is served over HTTPS.
    pub fn secure_cookies(&self) -> bool {
        self.base_url.starts_with("https://")
    }

    /// The sandbox is on in an instance that is not the demo: owners are warned that what it
    /// takes is play money.
    pub fn sandbox_is_play_money(&self) -> bool {
        self.sandbox && !self.demo
    }

    /// Outside the demo, sandbox payments are play money whether the sandbox is on now or was
    /// once: commissions earned on them can never be withdrawn.
    pub fn play_money_provider(&self) -> Option<&'static str> {
        (!self.demo).then_some("sandbox")
    }
}

/// The time source. Production reads the system clock; tests move `offset` forward.
#[derive(Clone, Default)]
pub struct Clock {
    offset_ms: Arc<AtomicI64>,
}

impl Clock {
    pub fn now_ms(&self) -> i64 {
        let sys =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_millis() as i64;
        sys + self.offset_ms.load(Ordering::Relaxed)
    }

    pub fn advance(&self, ms: i64) {
        self.offset_ms.fetch_add(ms, Ordering::Relaxed);
    }
}

/// "A team changed in this process": the live-update watcher (in the server) looks at once
/// instead of at its next tick. Cheap to clone and to poke when nobody listens.
#[derive(Clone, Default)]
pub struct Changes(Arc<tokio::sync::Notify>);

impl Changes {
    pub fn poke(&self) {
        self.0.notify_one();
    }

    pub async fn wait(&self) {
        self.0.notified().await;
    }
}
