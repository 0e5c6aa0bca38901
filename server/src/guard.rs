//! What the browser is told to refuse. Cross-site request forgery: every state-changing request
//! must come from this site, by the browser's own markers (`Sec-Fetch-Site`, else `Origin`
//! against `Host`), which covers server functions and plain form posts alike. And the headers
//! on every response: what a page may load and run, who may frame it, what a link tells the
//! next site, and on https that cookies and the site itself stay on https.

use app::settings::Settings;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

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

/// A page's Content Security Policy: scripts only from this site plus the one hydration script
/// that carries `nonce` (and WebAssembly compiled from this site's bundle); pictures, styles,
/// fonts and connections only from this site; no plugins, no `<base>`, forms post only here,
/// and no other site may frame it.
pub fn page_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; \
         img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; \
         form-action 'self'; frame-ancestors 'none'"
    )
}

/// Anything that is not a page (JSON, files, images) may load nothing and be framed by no one.
const OTHER_POLICY: &str = "default-src 'none'; frame-ancestors 'none'";

/// The headers every response carries; on https also HSTS, and `Secure` on every cookie (so no
/// cookie set anywhere can forget it).
pub async fn security_headers(State(settings): State<Arc<Settings>>, req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.entry(header::CONTENT_SECURITY_POLICY).or_insert(HeaderValue::from_static(OTHER_POLICY));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("strict-origin-when-cross-origin"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if settings.secure_cookies() {
        h.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000; includeSubDomains"));
        let cookies: Vec<HeaderValue> = h.get_all(header::SET_COOKIE).iter().cloned().collect();
        if !cookies.is_empty() {
            h.remove(header::SET_COOKIE);
            for c in cookies {
                let text = c.to_str().unwrap_or_default();
                let secure = text.split(';').any(|a| a.trim().eq_ignore_ascii_case("secure"));
                let value =
                    if secure { Some(c.clone()) } else { HeaderValue::from_str(&format!("{text}; Secure")).ok() };
                if let Some(v) = value {
                    h.append(header::SET_COOKIE, v);
                }
            }
        }
    }
    res
}
