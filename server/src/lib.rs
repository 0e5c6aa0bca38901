#![recursion_limit = "512"]

//! The Qunli server: configuration, the HTTP router, static files, webhooks, metrics. Business
//! rules live in the `app` crate; this crate only wires them to HTTP.

pub mod config;
pub mod loadgen;
pub mod metrics;
pub mod teamrush;

use app::app::{shell, App};
use app::ctx::{AppState, Clock, RequestCtx, Settings, FLASH_COOKIE};
use app::payments::{self, WebhookError};
use app::store::Db;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use config::Config;
use leptos::config::LeptosOptions;
use leptos_axum::{generate_route_list, LeptosRoutes};
use metrics::Metrics;
use std::net::SocketAddr;
use std::sync::Arc;
use tower_http::compression::{CompressionLayer, CompressionLevel};
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;

/// Connects the database (migrating it), seeds the demo when asked, and assembles the state.
pub async fn build_state(cfg: &Config) -> Result<AppState, String> {
    std::fs::create_dir_all(&cfg.data_dir)
        .map_err(|e| format!("QUNLI_DATA_DIR: cannot create {}: {e}", cfg.data_dir.display()))?;
    let db =
        Db::connect(&cfg.database_url).await.map_err(|e| format!("DATABASE_URL: cannot open the database: {e}"))?;
    let secret = cfg
        .load_secret()
        .map_err(|e| format!("QUNLI_DATA_DIR: cannot keep the secret key in {}: {e}", cfg.data_dir.display()))?;
    let clock = Clock::default();
    if cfg.seed_demo {
        let hash = app::auth::hash_password(app::store::demo::PASSWORD.into()).await.map_err(|e| e.to_string())?;
        if app::store::demo::seed_if_empty(&db, &hash, clock.now_ms()).await.map_err(|e| e.to_string())? {
            tracing::info!("demo data written");
        }
    }
    let settings = Settings {
        base_url: cfg.base_url.clone(),
        secret: secret.clone(),
        pay_window_ms: cfg.pay_window_minutes * 60_000,
        seat_hold_ms: cfg.seat_hold_minutes * 60_000,
        auto_complete_ms: cfg.auto_complete_days * 86_400_000,
        test_hooks: cfg.test_hooks,
        data_dir: cfg.data_dir.clone(),
        client_ip_header: cfg.client_ip_header.clone(),
    };
    Ok(AppState {
        db,
        sandbox: Arc::new(payments::Sandbox::new(&secret)),
        settings: Arc::new(settings),
        clock,
        leptos: leptos_options(cfg),
        instance: app::auth::new_token().0.into(),
        live: app::live::Live::new(),
    })
}

pub fn leptos_options(cfg: &Config) -> LeptosOptions {
    // cargo-leptos writes the content hashes of the bundle next to the binary.
    let hashed =
        std::env::current_exe().ok().and_then(|p| p.parent().map(|d| d.join("hash.txt").exists())).unwrap_or(false);
    LeptosOptions::builder()
        .output_name("qunli")
        .site_root(cfg.site_root.to_string_lossy().to_string())
        .site_pkg_dir("pkg")
        .site_addr(cfg.listen)
        .hash_files(hashed)
        .build()
}

/// The whole HTTP surface.
pub fn router(state: AppState) -> Router {
    let metrics = Arc::new(Metrics::new());
    let routes = generate_route_list(App);
    let opts = state.leptos.clone();
    let not_found = {
        let (opts, st) = (opts.clone(), state.clone());
        leptos_axum::render_app_to_stream_with_context(
            move || leptos::prelude::provide_context(st.clone()),
            move || shell(opts.clone()),
        )
    };
    let pages = Router::new()
        .route("/console/c/{id}/orders.csv", get(orders_csv))
        .route("/console/c/{id}/commissions.csv", get(commissions_csv))
        .route("/poster/p/{file}", get(poster))
        .route(
            "/console/p/{id}/photos",
            post(upload_photo).layer(axum::extract::DefaultBodyLimit::max(app::media::MAX_UPLOAD_BYTES + 64 * 1024)),
        )
        .leptos_routes_with_context(&state, routes, || {}, {
            let opts = opts.clone();
            move || shell(opts.clone())
        })
        .fallback(move |req: Request| {
            let not_found = not_found.clone();
            async move {
                let mut res = not_found(req).await;
                if res.status() == StatusCode::OK {
                    *res.status_mut() = StatusCode::NOT_FOUND;
                }
                res
            }
        })
        .layer(middleware::from_fn_with_state(state.clone(), request_context));

    let site = state.leptos.site_root.to_string();
    // Bundle files carry their content hash in the name, so they can be cached for good.
    let immutable = SetResponseHeaderLayer::overriding(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    let daily = SetResponseHeaderLayer::if_not_present(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=86400"),
    );
    let assets = Router::new()
        .nest_service(
            "/pkg",
            tower::ServiceBuilder::new()
                .layer(immutable)
                .service(ServeDir::new(format!("{site}/pkg")).precompressed_br().precompressed_gzip()),
        )
        .nest_service("/img", ServeDir::new(format!("{site}/img")).precompressed_br().precompressed_gzip())
        // Uploaded photos: named by content hash, so they never change and can be cached for good.
        .nest_service(
            "/media",
            tower::ServiceBuilder::new()
                .layer(SetResponseHeaderLayer::overriding(
                    header::CACHE_CONTROL,
                    HeaderValue::from_static("public, max-age=31536000, immutable"),
                ))
                .layer(SetResponseHeaderLayer::overriding(
                    header::X_CONTENT_TYPE_OPTIONS,
                    HeaderValue::from_static("nosniff"),
                ))
                .service(ServeDir::new(app::media::media_dir(&state.settings.data_dir))),
        )
        .route_service(
            "/icons.svg",
            ServeFile::new(format!("{site}/icons.svg")).precompressed_br().precompressed_gzip(),
        )
        .route_service("/favicon.ico", ServeFile::new(format!("{site}/favicon.ico")))
        .route_service("/favicon.svg", ServeFile::new(format!("{site}/favicon.svg")))
        .layer(daily);

    let mut ops = Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics::render))
        .route("/webhooks/sandbox", post(sandbox_webhook))
        .route("/live/t/{id}", get(live_team))
        .route("/live/a/{id}", get(live_activity));
    if state.settings.test_hooks {
        tracing::warn!("test hooks are on: /__test/ can move the clock");
        ops = ops.route("/__test/clock", post(test_move_clock)).route("/__test/jobs", post(test_run_jobs));
    }
    ops.merge(assets)
        .with_state(state.clone())
        .layer(axum::Extension(metrics.clone()))
        .merge(pages.with_state(state))
        .layer(middleware::from_fn(same_origin_only))
        .layer(CompressionLayer::new().quality(CompressionLevel::Precise(4)))
        .layer(middleware::from_fn_with_state(metrics, metrics::observe))
}

/// Resolves who is calling (session cookie), their language, and any flash left by the last
/// form, once per request; pages and server functions read it from the request extensions.
async fn request_context(State(st): State<AppState>, req: Request, next: Next) -> Response {
    let forwarded = st.settings.client_ip_header.as_deref().and_then(|h| {
        let v = req.headers().get(h)?.to_str().ok()?;
        v.split(',').next().map(|ip| ip.trim().to_string()).filter(|ip| !ip.is_empty())
    });
    let ip = forwarded
        .or_else(|| req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_string()))
        .unwrap_or_else(|| "local".into());
    let is_page = req.method() == Method::GET && !req.uri().path().starts_with("/api/");
    let mut ctx = RequestCtx::from_headers(&st, req.headers(), ip, is_page).await;
    let ref_cookie = match (is_page, req.uri().query()) {
        (true, Some(q)) if q.contains("ref=") => ctx.follow_referral_link(&st, req.uri().path(), q).await,
        _ => None,
    };
    let had_flash = ctx.flash.is_some();
    let (mut parts, body) = req.into_parts();
    parts.extensions.insert(ctx);
    let mut res = next.run(Request::from_parts(parts, body)).await;
    if let Some(c) = ref_cookie.and_then(|c| HeaderValue::from_str(&c).ok()) {
        res.headers_mut().append(header::SET_COOKIE, c);
    }
    if had_flash && is_page {
        // A flash is shown once.
        res.headers_mut().append(
            header::SET_COOKIE,
            HeaderValue::from_str(&format!("{FLASH_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"))
                .expect("ascii"),
        );
    }
    res
}

/// Refuses state-changing requests that a browser marks as coming from another site (CSRF).
/// Provider webhooks come from elsewhere by design and prove themselves by signature instead.
async fn same_origin_only(req: Request, next: Next) -> Response {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if safe || req.uri().path().starts_with("/webhooks/") || is_same_origin(req.headers()) {
        return next.run(req).await;
    }
    tracing::warn!(path = %req.uri().path(), "cross-site request refused");
    (
        StatusCode::FORBIDDEN,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "跨站请求已被拒绝。Cross-site request refused.\n",
    )
        .into_response()
}

pub fn is_same_origin(h: &HeaderMap) -> bool {
    let get = |n: header::HeaderName| h.get(n).and_then(|v| v.to_str().ok());
    if let Some(site) = h.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        // `none`: typed in the address bar or a bookmark; `same-origin`: this site.
        return matches!(site, "same-origin" | "none");
    }
    match (get(header::ORIGIN), get(header::HOST)) {
        (Some(origin), Some(host)) => {
            let origin_host = origin.split_once("://").map(|(_, rest)| rest).unwrap_or("");
            origin_host.eq_ignore_ascii_case(host)
        }
        (Some(_), None) => false,
        // No browser markers at all: not a browser, so not a cross-site forgery.
        (None, _) => true,
    }
}

async fn healthz(State(st): State<AppState>) -> impl IntoResponse {
    match st.db.ping().await {
        Ok(()) => (StatusCode::OK, "ok\n"),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n")
        }
    }
}

/// The owner's order list as a CSV download.
async fn orders_csv(
    State(st): State<AppState>,
    axum::extract::Path(community): axum::extract::Path<i64>,
    axum::extract::Query(q): axum::extract::Query<std::collections::HashMap<String, String>>,
    axum::Extension(ctx): axum::Extension<RequestCtx>,
) -> Response {
    let tab = q.get("tab").map(String::as_str);
    match app::api::console::orders_csv(&st, ctx.viewer.as_ref(), ctx.lang, community, tab, q.get("q").cloned()).await {
        Ok(bytes) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                (header::CONTENT_DISPOSITION, format!("attachment; filename=\"orders-{community}.csv\"")),
                (header::CACHE_CONTROL, "no-store".to_string()),
            ],
            bytes,
        )
            .into_response(),
        Err(e) => StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR).into_response(),
    }
}

async fn commissions_csv(
    State(st): State<AppState>,
    axum::extract::Path(community): axum::extract::Path<i64>,
    axum::Extension(ctx): axum::Extension<RequestCtx>,
) -> Response {
    match app::api::distribution::commissions_csv(&st, ctx.viewer.as_ref(), ctx.lang, community).await {
        Ok(bytes) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                (header::CONTENT_DISPOSITION, format!("attachment; filename=\"commissions-{community}.csv\"")),
                (header::CACHE_CONTROL, "no-store".to_string()),
            ],
            bytes,
        )
            .into_response(),
        Err(e) => StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR).into_response(),
    }
}

/// A member's share poster for a product, `/poster/p/{id}.png`.
async fn poster(
    State(st): State<AppState>,
    axum::extract::Path(file): axum::extract::Path<String>,
    axum::Extension(ctx): axum::Extension<RequestCtx>,
) -> Response {
    let Some(product) = file.strip_suffix(".png").and_then(|id| id.parse::<i64>().ok()) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match app::api::distribution::poster_png(&st, ctx.viewer.as_ref(), product).await {
        Ok(bytes) => (
            [
                (header::CONTENT_TYPE, "image/png".to_string()),
                (header::CACHE_CONTROL, "private, max-age=3600".to_string()),
                (header::CONTENT_DISPOSITION, format!("inline; filename=\"qunli-{product}.png\"")),
            ],
            bytes,
        )
            .into_response(),
        Err(app::error::AppError::SignInRequired) => {
            let next = format!("/signin?next=/poster/p/{product}.png");
            (StatusCode::SEE_OTHER, [(header::LOCATION, next)]).into_response()
        }
        Err(e) => StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR).into_response(),
    }
}

/// A photo uploaded from the product editor (multipart field `photo`); answers like a form post:
/// back to the editor with a notice, or with the reason the file was refused.
async fn upload_photo(
    State(st): State<AppState>,
    axum::extract::Path(product): axum::extract::Path<i64>,
    axum::Extension(ctx): axum::Extension<RequestCtx>,
    mut form: axum::extract::Multipart,
) -> Response {
    let mut bytes = None;
    while let Ok(Some(field)) = form.next_field().await {
        if field.name() == Some("photo") {
            bytes = field.bytes().await.ok().map(|b| b.to_vec());
        }
    }
    let result = match bytes {
        Some(b) => app::api::console::upload_photo(&st, ctx.viewer.as_ref(), product, b).await,
        None => Err(app::error::AppError::BadUpload),
    };
    let flash = match &result {
        Ok(()) => app::model::Flash { notice: Some(app::model::Notice::Saved), ..Default::default() },
        Err(e) => app::model::Flash { error: Some(e.clone()), ..Default::default() },
    };
    let location = match result {
        Err(app::error::AppError::SignInRequired) => format!("/signin?next=/console/p/{product}"),
        _ => format!("/console/p/{product}#photos"),
    };
    let cookie =
        format!("{FLASH_COOKIE}={}; Path=/; HttpOnly; SameSite=Lax; Max-Age=120", app::api::form::encode_flash(&flash));
    (StatusCode::SEE_OTHER, [(header::LOCATION, location), (header::SET_COOKIE, cookie)]).into_response()
}

/// Starts the watcher that feeds live team pages (see `app::live`).
pub fn spawn_live(state: AppState) {
    tokio::spawn(state.live.clone().run(state));
}

/// A live stream of a team (`/live/t/{id}`) or of an activity's open teams (`/live/a/{id}`):
/// the current state first, then each change, as server-sent events.
async fn live_stream(st: AppState, topic: app::live::Topic) -> Response {
    use axum::response::sse::{Event, KeepAlive, Sse};
    use futures::StreamExt;
    let first = match app::live::snapshot(&st, topic).await {
        Ok(Some(json)) => json,
        Ok(None) => return (StatusCode::NOT_FOUND, "no such team\n").into_response(),
        Err(_) => return (StatusCode::SERVICE_UNAVAILABLE, "try again later\n").into_response(),
    };
    let updates = tokio_stream::wrappers::BroadcastStream::new(st.live.subscribe()).filter_map(move |m| {
        // A stream that fell behind skips to the next change (each message is a full state).
        let out = m
            .ok()
            .filter(|m| m.topic == topic)
            .map(|m| Ok::<_, std::convert::Infallible>(Event::default().data(m.json.as_str())));
        futures::future::ready(out)
    });
    let stream = futures::stream::once(futures::future::ready(Ok(Event::default().data(first)))).chain(updates);
    let mut res = Sse::new(stream).keep_alive(KeepAlive::default()).into_response();
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

async fn live_team(State(st): State<AppState>, axum::extract::Path(id): axum::extract::Path<i64>) -> Response {
    live_stream(st, app::live::Topic::Team(id)).await
}

async fn live_activity(State(st): State<AppState>, axum::extract::Path(id): axum::extract::Path<i64>) -> Response {
    live_stream(st, app::live::Topic::Activity(id)).await
}

/// Runs the background jobs in a loop until the process ends.
pub fn spawn_jobs(state: AppState, every: std::time::Duration) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = app::jobs::run_once(&state).await {
                tracing::error!(error = %e, "background jobs failed; retrying next tick");
            }
        }
    });
}

/// Test hook: moves this process's clock forward by `?ms=`.
async fn test_move_clock(
    State(st): State<AppState>,
    axum::extract::Query(q): axum::extract::Query<std::collections::HashMap<String, i64>>,
) -> Response {
    let ms = q.get("ms").copied().unwrap_or(0);
    if ms < 0 {
        return (StatusCode::BAD_REQUEST, "the clock only moves forward\n").into_response();
    }
    st.clock.advance(ms);
    (StatusCode::OK, format!("{}\n", st.clock.now_ms())).into_response()
}

/// Test hook: runs the background jobs now and says what they did.
async fn test_run_jobs(State(st): State<AppState>) -> Response {
    match app::jobs::run_once(&st).await {
        Ok(r) => axum::Json(r).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

/// The sandbox provider's webhook: HMAC-SHA256 over `timestamp.body`, applied exactly once.
async fn sandbox_webhook(State(st): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    match payments::receive(&st, st.sandbox.as_ref(), &headers, &body).await {
        Ok(_) => (StatusCode::OK, "ok\n").into_response(),
        Err(WebhookError::Rejected) => (StatusCode::BAD_REQUEST, "rejected\n").into_response(),
        Err(WebhookError::Unavailable) => (StatusCode::SERVICE_UNAVAILABLE, "try again later\n").into_response(),
    }
}
