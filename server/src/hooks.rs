//! Requests from outside the browser: payment providers' webhooks (signed, so exempt from the
//! same-origin guard), and the test hooks end-to-end tests use to move the clock and run the
//! jobs (only with `QUNLI_TEST_HOOKS=1`).

use app::ctx::AppState;
use app::providers::WebhookError;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

/// The sandbox provider's webhook: HMAC-SHA256 over `timestamp.body`, applied exactly once.
pub async fn sandbox_webhook(State(st): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    match app::payments::receive(&st, st.sandbox.as_ref(), &headers, &body).await {
        Ok(_) => (StatusCode::OK, "ok\n").into_response(),
        Err(WebhookError::Rejected) => (StatusCode::BAD_REQUEST, "rejected\n").into_response(),
        Err(WebhookError::Unavailable) => (StatusCode::SERVICE_UNAVAILABLE, "try again later\n").into_response(),
    }
}

/// Test hook: moves this process's clock forward by `?ms=`.
pub async fn test_move_clock(
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
pub async fn test_run_jobs(State(st): State<AppState>) -> Response {
    match crate::jobs::run_once(&st).await {
        Ok(r) => axum::Json(r).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}
