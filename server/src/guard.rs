//! Cross-site request forgery: every state-changing request must come from this site, by the
//! browser's own markers (`Sec-Fetch-Site`, else `Origin` against `Host`). This covers server
//! functions and plain form posts alike, since both arrive here first.

use axum::extract::Request;
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Refuses state-changing requests that a browser marks as coming from another site (CSRF).
/// Provider webhooks come from elsewhere by design and prove themselves by signature instead.
pub async fn same_origin_only(req: Request, next: Next) -> Response {
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
