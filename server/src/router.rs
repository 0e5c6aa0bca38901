//! The whole HTTP surface: Leptos pages and server functions, static files, files and streams,
//! webhooks and operations endpoints, and the layers every request passes (metrics,
//! compression, the same-origin guard, the request context).

use crate::metrics::{self, Metrics, MetricsAccess};
use crate::{files, guard, hooks, sse};
use app::app::{shell, App};
use app::ctx::{AppState, RequestCtx};
use app::flash::FLASH_COOKIE;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use leptos_axum::{generate_route_list, LeptosRoutes};
use std::net::SocketAddr;
use std::sync::Arc;
use tower_http::compression::{CompressionLayer, CompressionLevel};
use tower_http::request_id::{MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer};
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

/// The largest request body anything but a photo upload takes: the longest form (a product's
/// description, 5,000 characters of Chinese percent-encoded, and its options) fits twice over.
pub const MAX_BODY_BYTES: usize = 128 * 1024;

/// The whole HTTP surface, with `/metrics` open on it (tests, and an instance that is not
/// reachable from outside).
pub fn router(state: AppState) -> Router {
    router_with(state, Arc::new(Metrics::new()), MetricsAccess::default())
}

/// `/metrics` alone, for its own address (`QUNLI_METRICS_LISTEN`); `metrics` is the public
/// router's, so it reports that router's requests.
pub fn metrics_router(state: AppState, metrics: Arc<Metrics>, access: MetricsAccess) -> Router {
    Router::new()
        .route("/metrics", get(metrics::render))
        .with_state(state)
        .layer(axum::Extension(metrics))
        .layer(axum::Extension(Arc::new(access)))
}

/// The whole HTTP surface.
pub fn router_with(state: AppState, metrics: Arc<Metrics>, access: MetricsAccess) -> Router {
    let settings = state.settings.clone();
    let routes = generate_route_list(App);
    let opts = state.leptos.clone();
    let not_found = {
        let (opts, st) = (opts.clone(), state.clone());
        leptos_axum::render_app_to_stream_with_context(
            move || leptos::prelude::provide_context(st.clone()),
            move || shell(opts.clone()),
        )
    };
    // Photos may be large; every other request body (forms, server-function calls, webhooks)
    // is small, and a bigger one is refused with 413 before it is read.
    let uploads = Router::new()
        .route("/console/p/{id}/photos", post(files::upload_photo))
        .layer(axum::extract::DefaultBodyLimit::disable())
        .layer(middleware::from_fn(|req, next| limit_body(req, next, app::media::MAX_UPLOAD_BYTES + 64 * 1024)));
    let pages = Router::new()
        .route("/console/c/{id}/orders.csv", get(files::orders_csv))
        .route("/console/c/{id}/commissions.csv", get(files::commissions_csv))
        .route("/poster/p/{file}", get(files::poster))
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
        .layer(middleware::from_fn(|req, next| limit_body(req, next, MAX_BODY_BYTES)))
        .layer(middleware::from_fn(undecodable_arguments))
        .merge(uploads)
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
        .route("/live/t/{id}", get(sse::team))
        .route("/live/a/{id}", get(sse::activity));
    if !access.separate {
        ops = ops.route("/metrics", get(metrics::render));
    }
    if state.settings.sandbox {
        ops = ops.route("/webhooks/sandbox", post(hooks::sandbox_webhook));
    } else {
        tracing::info!("the sandbox payment provider is off (QUNLI_SANDBOX=off)");
    }
    if state.settings.test_hooks {
        tracing::warn!("test hooks are on: /__test/ can move the clock");
        ops =
            ops.route("/__test/clock", post(hooks::test_move_clock)).route("/__test/jobs", post(hooks::test_run_jobs));
    }
    ops.layer(middleware::from_fn(|req, next| limit_body(req, next, MAX_BODY_BYTES)))
        .merge(assets)
        .with_state(state.clone())
        .layer(axum::Extension(metrics.clone()))
        .layer(axum::Extension(Arc::new(access)))
        .layer(axum::Extension(sse::Live::new()))
        .merge(pages.with_state(state))
        .layer(middleware::from_fn(guard::same_origin_only))
        .layer(middleware::from_fn_with_state(settings, guard::security_headers))
        .layer(CompressionLayer::new().quality(CompressionLevel::Precise(4)))
        .layer(middleware::from_fn_with_state(metrics, metrics::observe))
        // Every log line of a request, store calls included, carries its id; the response
        // returns it as `x-request-id` so a member's report can be found in the logs.
        .layer(TraceLayer::new_for_http().make_span_with(request_span).on_request(()).on_response(()).on_failure(()))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(RequestIds::default()))
}

/// Resolves who is calling (session cookie), their language, and any flash left by the last
/// form, once per request; pages and server functions read it from the request extensions.
async fn request_context(State(st): State<AppState>, req: Request, next: Next) -> Response {
    // The entry our proxy wrote (entries the client sent are further left), an IPv6 client by
    // its /64; the connection's peer without a proxy.
    // A proxy may add its own line of the header rather than append to the client's: all lines,
    // in order, are one list.
    let header = st
        .settings
        .client_ip_header
        .as_deref()
        .map(|h| req.headers().get_all(h).iter().filter_map(|v| v.to_str().ok()).collect::<Vec<_>>().join(", "));
    let header = header.as_deref().filter(|h| !h.is_empty());
    let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    let ip = domain::net::client_key(header, st.settings.trusted_proxy_hops, peer);
    let is_page = req.method() == Method::GET && !req.uri().path().starts_with("/api/");
    let mut ctx = RequestCtx::from_headers(&st, req.headers(), ip, is_page).await;
    let ref_cookie = match (is_page, req.uri().query()) {
        (true, Some(q)) if ctx.navigation && q.contains("ref=") => {
            ctx.follow_referral_link(&st, req.uri().path(), q).await
        }
        _ => None,
    };
    let had_flash = ctx.flash.is_some();
    let csp = guard::page_policy(&ctx.nonce);
    let (mut parts, body) = req.into_parts();
    parts.extensions.insert(ctx);
    let mut res = next.run(Request::from_parts(parts, body)).await;
    if let Some(c) = ref_cookie.and_then(|c| HeaderValue::from_str(&c).ok()) {
        res.headers_mut().append(header::SET_COOKIE, c);
    }
    let html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if html {
        if let Ok(v) = HeaderValue::from_str(&csp) {
            res.headers_mut().insert(header::CONTENT_SECURITY_POLICY, v);
        }
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

/// A server function whose arguments could not be read (one missing, `abc` where a number
/// goes, a number too big) never ran, and the framework answers 500 (or, for a form, sends the
/// browser back without a word). It is bad input like any other: 400 with the message for a
/// script, and back to the form with the message for a browser.
async fn undecodable_arguments(req: Request, next: Next) -> Response {
    if !req.uri().path().starts_with("/api/") {
        return next.run(req).await;
    }
    // The page the form was on: a local path only.
    let back = req
        .headers()
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(app::api::form::local_path_of)
        .unwrap_or_else(|| "/".into());
    let res = next.run(req).await;
    let failed = res.headers().contains_key("serverfnerror");
    let status = res.status();
    if !failed || !(status == StatusCode::INTERNAL_SERVER_ERROR || status == StatusCode::FOUND) {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let bytes = axum::body::to_bytes(body, 64 * 1024).await.unwrap_or_default();
    match serde_json::from_slice::<app::error::AppError>(&bytes) {
        // A form whose function ran has its answer (a flash, or the way to sign in) already.
        Ok(e @ app::error::AppError::Rule(domain::Error::BadRequest))
            if status == StatusCode::FOUND && !has_flash(&parts.headers) =>
        {
            let flash = app::flash::Flash { error: Some(e), ..Default::default() };
            let cookie = app::flash::flash_cookie(&flash);
            if let Ok(v) = HeaderValue::from_str(&cookie) {
                parts.headers.append(header::SET_COOKIE, v);
            }
            if let Ok(v) = HeaderValue::from_str(&back) {
                parts.headers.insert(header::LOCATION, v);
            }
            Response::from_parts(parts, axum::body::Body::from(bytes))
        }
        Ok(e @ app::error::AppError::Rule(_)) if status == StatusCode::INTERNAL_SERVER_ERROR => {
            parts.status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST);
            Response::from_parts(parts, axum::body::Body::from(bytes))
        }
        _ => Response::from_parts(parts, axum::body::Body::from(bytes)),
    }
}

fn has_flash(h: &axum::http::HeaderMap) -> bool {
    h.get_all(header::SET_COOKIE).iter().any(|c| c.as_bytes().starts_with(FLASH_COOKIE.as_bytes()))
}

/// Refuses a request body over `max` bytes with 413, before any handler reads it: at once when
/// its declared length is too big, otherwise (a chunked body) by reading at most `max` bytes.
async fn limit_body(req: Request, next: Next, max: usize) -> Response {
    let declared = req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    match declared {
        Some(n) if n > max as u64 => return StatusCode::PAYLOAD_TOO_LARGE.into_response(),
        Some(_) => return next.run(req).await,
        None if req.method() == Method::GET || req.method() == Method::HEAD => return next.run(req).await,
        None => {}
    }
    let (parts, body) = req.into_parts();
    match axum::body::to_bytes(body, max).await {
        Ok(bytes) => next.run(Request::from_parts(parts, axum::body::Body::from(bytes))).await,
        Err(_) => StatusCode::PAYLOAD_TOO_LARGE.into_response(),
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

/// Request ids: this process's start time and a counter, short and unique enough to find one
/// request in the logs of several instances. A proxy's own `x-request-id` is kept.
#[derive(Clone)]
struct RequestIds {
    prefix: Arc<str>,
    next: Arc<std::sync::atomic::AtomicU64>,
}

impl Default for RequestIds {
    fn default() -> Self {
        let started = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        RequestIds { prefix: format!("{:x}", started.as_millis() % 0xff_ffff).into(), next: Default::default() }
    }
}

impl MakeRequestId for RequestIds {
    fn make_request_id<B>(&mut self, _: &axum::http::Request<B>) -> Option<RequestId> {
        let n = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        HeaderValue::from_str(&format!("{}-{n:x}", self.prefix)).ok().map(RequestId::new)
    }
}

fn request_span<B>(req: &axum::http::Request<B>) -> tracing::Span {
    let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
    tracing::info_span!("request", id, method = %req.method(), path = %req.uri().path())
}
