#![recursion_limit = "512"]

//! The Qunli server: configuration, the HTTP router, static files, webhooks, live streams,
//! background jobs, metrics. Business rules live in `domain`, SQL in `store`, pages and server
//! functions in `app`; this crate only wires them to HTTP and to time.

pub mod config;
pub mod files;
pub mod guard;
pub mod hooks;
pub mod jobs;
pub mod metrics;
pub mod router;
pub mod sse;
pub mod state;

pub use metrics::MetricsAccess;
pub use router::{metrics_router, router, router_with};
pub use state::{build_state, leptos_options};
