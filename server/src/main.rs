//! The `qunli` binary: reads the configuration, starts the jobs and serves until told to stop.

use axum::serve::ListenerExt;
use server::config::Config;
use std::net::SocketAddr;

#[tokio::main]
async fn main() {
    let cfg = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("qunli: configuration error: {e}");
            std::process::exit(2);
        }
    };
    init_logs(cfg.json_logs);
    let state = match server::build_state(&cfg).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("qunli: cannot start: {e}");
            std::process::exit(1);
        }
    };
    server::jobs::spawn(state.clone(), std::time::Duration::from_secs(cfg.job_interval_seconds));
    let metrics = std::sync::Arc::new(server::metrics::Metrics::new());
    let access = server::MetricsAccess { separate: cfg.metrics_listen.is_some(), token: cfg.metrics_token.clone() };
    if let Some(addr) = cfg.metrics_listen {
        let ops = server::metrics_router(state.clone(), metrics.clone(), access.clone());
        match tokio::net::TcpListener::bind(addr).await {
            Ok(l) => {
                tracing::info!(address = %addr, "metrics are served here");
                tokio::spawn(async move { axum::serve(l, ops).await });
            }
            Err(e) => {
                eprintln!("qunli: QUNLI_METRICS_LISTEN: cannot listen on {addr}: {e}");
                std::process::exit(1);
            }
        }
    }
    let app = server::router_with(state, metrics, access);
    let listener = match listen(cfg.listen) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("qunli: QUNLI_LISTEN: cannot listen on {}: {e}", cfg.listen);
            std::process::exit(1);
        }
    };
    // Without TCP_NODELAY every streamed response waits on a delayed ACK (~40 ms).
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    tracing::info!(address = %cfg.listen, base_url = %cfg.base_url, "Qunli is listening");
    if cfg.seed_demo {
        println!(
            "Qunli: {}  (demo owner {} / member {}, password {})",
            cfg.base_url,
            store::demo::OWNER_PHONE,
            store::demo::MEMBER_PHONE,
            store::demo::PASSWORD
        );
    } else {
        println!("Qunli: {}", cfg.base_url);
    }
    let served = axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown())
        .await;
    if let Err(e) = served {
        eprintln!("qunli: server error: {e}");
        std::process::exit(1);
    }
    tracing::info!("stopped");
}

fn init_logs(json: bool) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("QUNLI_LOG").unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    if json {
        tracing_subscriber::fmt().with_env_filter(filter).json().init();
    } else {
        tracing_subscriber::fmt().with_env_filter(filter).init();
    }
}

/// Ctrl-C or SIGTERM: stop accepting, finish the requests in flight, then exit.
async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

/// Listens with a deep accept queue: a group-buy rush opens hundreds of connections in the same
/// instant, and a short queue drops some of them, which then retry a second later.
fn listen(addr: SocketAddr) -> std::io::Result<tokio::net::TcpListener> {
    let socket = if addr.is_ipv4() { tokio::net::TcpSocket::new_v4()? } else { tokio::net::TcpSocket::new_v6()? };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(4096)
}
