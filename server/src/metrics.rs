//! `/metrics` in Prometheus text format: requests by kind and status class, latency, and orders
//! by state (read from the database, so every instance reports the same totals).

use app::ctx::AppState;
use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Extension;
use prometheus_client::encoding::text::encode;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use std::sync::Arc;
use std::time::Instant;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    kind: String,
    status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct KindLabel {
    kind: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct StatusLabel {
    status: &'static str,
}

pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<KindLabel, Histogram>,
    /// Read from the database when scraped, so every instance reports the same totals.
    orders: Family<StatusLabel, Gauge>,
    /// The last order counts read, and when.
    order_counts: std::sync::Mutex<Option<(Instant, OrderCounts)>>,
}

type OrderCounts = Vec<(domain::order::OrderStatus, i64)>;

fn latency_histogram() -> Histogram {
    Histogram::new([0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5])
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::default();
        let requests = Family::<RequestLabels, Counter>::default();
        let latency = Family::<KindLabel, Histogram>::new_with_constructor(latency_histogram as fn() -> Histogram);
        registry.register("qunli_http_requests", "HTTP requests by kind and status class", requests.clone());
        registry.register("qunli_http_request_duration_seconds", "Time to the response head", latency.clone());
        let orders = Family::<StatusLabel, Gauge>::default();
        registry.register("qunli_orders", "Orders by state", orders.clone());
        Metrics { registry, requests, latency, orders, order_counts: Default::default() }
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

/// Which part of the site a path belongs to; a fixed, small set so labels stay bounded.
fn kind(path: &str) -> &'static str {
    if path.starts_with("/api/") {
        "api"
    } else if path.starts_with("/pkg/") || path.starts_with("/img/") || path.ends_with(".svg") || path.ends_with(".ico")
    {
        "static"
    } else if path.starts_with("/webhooks/") {
        "webhook"
    } else if path == "/metrics" || path == "/healthz" {
        "ops"
    } else {
        "page"
    }
}

/// Counts and times every request, and writes one structured log line for it.
pub async fn observe(State(m): State<Arc<Metrics>>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let k = kind(req.uri().path());
    let res = next.run(req).await;
    let secs = start.elapsed().as_secs_f64();
    let status = res.status().as_u16();
    m.requests.get_or_create(&RequestLabels { kind: k.into(), status: format!("{}xx", status / 100) }).inc();
    m.latency.get_or_create(&KindLabel { kind: k.into() }).observe(secs);
    if k != "static" {
        // Method, path and request id are on the request's span.
        tracing::info!(status, ms = (secs * 1000.0) as u64, "request");
    }
    res
}

/// Where `/metrics` is served and who may read it.
#[derive(Clone, Debug, Default)]
pub struct MetricsAccess {
    /// Served by `metrics_router` on its own address, not on the public router.
    pub separate: bool,
    /// Only requests with `Authorization: Bearer <token>`.
    pub token: Option<String>,
}

/// How long the order counts are reused: scraping often costs the database nothing more.
const ORDER_COUNTS_FOR: std::time::Duration = std::time::Duration::from_secs(15);

pub async fn render(
    State(st): State<AppState>,
    Extension(m): Extension<Arc<Metrics>>,
    Extension(access): Extension<Arc<MetricsAccess>>,
    headers: axum::http::HeaderMap,
) -> Response {
    if let Some(token) = &access.token {
        let given =
            headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
        // Compared as digests, so the time taken says nothing about how much of the token matched.
        let ok = given.is_some_and(|g| app::auth::token_hash(g) == app::auth::token_hash(token));
        if !ok {
            return (StatusCode::UNAUTHORIZED, [(header::WWW_AUTHENTICATE, "Bearer")]).into_response();
        }
    }
    let cached = m.order_counts.lock().ok().and_then(|c| c.clone()).filter(|(at, _)| at.elapsed() < ORDER_COUNTS_FOR);
    let rows = match cached {
        Some((_, rows)) => rows,
        None => {
            let Ok(rows) = store::orders::totals_by_status(&st.db).await else {
                return StatusCode::SERVICE_UNAVAILABLE.into_response();
            };
            if let Ok(mut c) = m.order_counts.lock() {
                *c = Some((Instant::now(), rows.clone()));
            }
            rows
        }
    };
    for status in domain::order::OrderStatus::ALL {
        let n = rows.iter().find(|(s, _)| s == status).map(|(_, n)| *n).unwrap_or(0);
        m.orders.get_or_create(&StatusLabel { status: status.as_str() }).set(n);
    }
    let mut text = String::new();
    if encode(&mut text, &m.registry).is_err() {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    ([(header::CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")], text).into_response()
}
