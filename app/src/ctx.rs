//! Server-side state shared by every request, and what one request knows about its caller.

use crate::auth;
use crate::flash::{Flash, FLASH_COOKIE};
use crate::i18n::Lang;
use crate::providers::Sandbox;
pub use crate::settings::{Changes, Clock, Settings};
use axum::extract::FromRef;
use domain::model::Viewer;
use http::HeaderMap;
use leptos::config::LeptosOptions;
use std::sync::Arc;
use store::Db;

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub settings: Arc<Settings>,
    pub clock: Clock,
    pub sandbox: Arc<Sandbox>,
    pub leptos: LeptosOptions,
    /// This process, as a holder of job leases.
    pub instance: Arc<str>,
    /// Poked when a team changes, so open team pages hear of it at once.
    pub changes: Changes,
    /// Limits on password hashing and checking, and on photo decoding, in this process.
    pub hashing: Arc<crate::gate::WorkGate>,
    pub photos: Arc<crate::gate::WorkGate>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(s: &AppState) -> LeptosOptions {
        s.leptos.clone()
    }
}

/// What the server knows about the caller of one request; put into the request's extensions
/// by the server's middleware and read by pages and server functions.
#[derive(Clone, Debug, Default)]
pub struct RequestCtx {
    pub viewer: Option<Viewer>,
    pub session_hash: Option<String>,
    pub lang: Lang,
    pub flash: Option<Flash>,
    pub client_ip: String,
    /// Unread notifications of the signed-in member (counted for pages only).
    pub unread: i64,
    /// The referral code of the link that brought this visitor (the `?ref=` of this request, or
    /// the cookie an earlier one left); resolved to a member only when an order needs it.
    pub ref_code: Option<String>,
    /// The browser opened this page itself (a link, the address bar, a form), rather than
    /// fetching it for another page (an image, a script, a frame): only then may a GET change
    /// anything, such as remembering a referral link or marking notifications read.
    pub navigation: bool,
    /// This response's script nonce: the hydration script carries it, and the page's Content
    /// Security Policy allows only scripts from this site and the one carrying it.
    pub nonce: String,
    /// The browser's mark from an earlier sign-in (`auth::DEVICE_COOKIE`), unchecked.
    pub device: Option<String>,
}

pub const LANG_COOKIE: &str = "qunli_lang";
pub const REF_COOKIE: &str = "qunli_ref";
/// How long a referral link is remembered.
pub const REF_DAYS: i64 = 30;

pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get_all(http::header::COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).find_map(
        |kv| {
            let (k, v) = kv.trim().split_once('=')?;
            (k == name).then_some(v)
        },
    )
}

impl RequestCtx {
    pub async fn from_headers(st: &AppState, headers: &HeaderMap, client_ip: String, is_page: bool) -> RequestCtx {
        let lang = cookie(headers, LANG_COOKIE)
            .and_then(Lang::from_code)
            .or_else(|| {
                headers
                    .get(http::header::ACCEPT_LANGUAGE)
                    .and_then(|v| v.to_str().ok())
                    .and_then(Lang::from_accept_language)
            })
            .unwrap_or_default();
        let flash = cookie(headers, FLASH_COOKIE).and_then(crate::flash::decode_flash);
        let (viewer, session_hash) = match cookie(headers, auth::session_cookie_name(&st.settings)) {
            Some(token) => {
                let hash = auth::token_hash(token);
                (auth::viewer(&st.db, &hash, st.clock.now_ms()).await, Some(hash))
            }
            None => (None, None),
        };
        let unread = match (&viewer, is_page) {
            (Some(v), true) => store::notifications::unread_count(&st.db, v.id).await.unwrap_or(0),
            _ => 0,
        };
        let ref_code = cookie(headers, REF_COOKIE).and_then(domain::referral::parse_code);
        RequestCtx {
            viewer,
            session_hash,
            lang,
            flash,
            client_ip,
            unread,
            ref_code,
            navigation: is_navigation(headers),
            nonce: auth::new_token().0[..22].to_string(),
            device: cookie(headers, auth::DEVICE_COOKIE).map(str::to_string),
        }
    }

    /// A page opened through a referral link (`?ref=CODE`): records the visit and returns the
    /// cookie that remembers the referrer for 30 days. Unknown or malformed codes, and members
    /// opening their own link, are ignored; the page works the same.
    pub async fn follow_referral_link(&mut self, st: &AppState, path: &str, query: &str) -> Option<String> {
        let code = url_param(query, "ref").and_then(|c| domain::referral::parse_code(&c))?;
        let referrer = store::referral::user_by_code(&st.db, &code).await.ok().flatten()?;
        if self.viewer.as_ref().is_some_and(|v| v.id == referrer) {
            return None;
        }
        let visitor = match &self.viewer {
            Some(v) => format!("u:{}", v.id),
            None => format!("v:{}", &auth::token_hash(&self.client_ip)[..16]),
        };
        if let Err(e) = store::referral::record_visit(&st.db, referrer, &visitor, path, st.clock.now_ms()).await {
            tracing::warn!(error = %e, "referral visit not recorded");
        }
        self.ref_code = Some(code.clone());
        let secure = if st.settings.secure_cookies() { "; Secure" } else { "" };
        Some(format!("{REF_COOKIE}={code}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{secure}", REF_DAYS * 86_400))
    }
}

/// Whether a request is a top-level navigation: `Sec-Fetch-Mode: navigate` or `Sec-Fetch-Dest:
/// document` from browsers that send them; from one that sends neither, a request that asks
/// for HTML first (an image or a script does not).
pub fn is_navigation(headers: &HeaderMap) -> bool {
    let h = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    match (h("sec-fetch-mode"), h("sec-fetch-dest")) {
        (None, None) => h("accept").is_some_and(|a| a.starts_with("text/html")),
        // A frame navigates too, but inside another page: only the top-level document counts.
        (_, Some(dest)) => dest == "document",
        (mode, None) => mode == Some("navigate"),
    }
}

/// One parameter of a query string, percent-decoded (`?ref=%41…`, Chinese in `?q=`).
fn url_param(query: &str, name: &str) -> Option<String> {
    form_urlencoded::parse(query.as_bytes()).find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
}

/// The shared state, inside a server function or page.
pub fn state() -> AppState {
    leptos::prelude::expect_context::<AppState>()
}

/// The current request's context, inside a server function or page.
pub fn request() -> RequestCtx {
    leptos::prelude::use_context::<http::request::Parts>()
        .and_then(|p| p.extensions.get::<RequestCtx>().cloned())
        .unwrap_or_default()
}

/// The member whose referral link brought the caller, if any (and not the caller themself).
pub async fn referrer() -> Result<Option<i64>, crate::error::AppError> {
    let r = request();
    let Some(code) = r.ref_code else { return Ok(None) };
    let who = store::referral::user_by_code(&state().db, &code).await?;
    Ok(who.filter(|w| r.viewer.as_ref().map(|v| v.id) != Some(*w)))
}

/// The signed-in member, or `SignInRequired`.
pub fn viewer() -> Result<Viewer, crate::error::AppError> {
    request().viewer.ok_or(domain::Error::SignInRequired.into())
}

#[cfg(feature = "test-support")]
impl AppState {
    /// The shared state a server process would have, over `db`, with its own clock and instance
    /// (two of these on one database behave like two instances).
    pub fn for_tests(db: &Db) -> AppState {
        let secret = b"a-test-secret-that-is-long-enough-0123".to_vec();
        AppState {
            db: db.clone(),
            sandbox: Arc::new(Sandbox::new(&secret)),
            settings: Arc::new(Settings {
                base_url: "http://127.0.0.1:3000".into(),
                secret,
                pay_window_ms: domain::time::ms(domain::time::DEFAULT_PAY_WINDOW),
                seat_hold_ms: domain::groupbuy::SEAT_HOLD_MS,
                auto_complete_ms: domain::time::ms(domain::time::DEFAULT_AUTO_COMPLETE),
                data_dir: std::env::temp_dir(),
                client_ip_header: None,
                trusted_proxy_hops: 1,
                test_hooks: false,
                sandbox: true,
                demo: true,
            }),
            clock: Clock::default(),
            leptos: LeptosOptions::builder().output_name("qunli").build(),
            instance: format!("test-{}", crate::auth::new_token().0).into(),
            changes: Changes::default(),
            hashing: Arc::new(crate::gate::WorkGate::for_passwords()),
            photos: Arc::new(crate::gate::WorkGate::for_photos()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::url_param;

    #[test]
    fn query_parameters_are_percent_decoded() {
        assert_eq!(url_param("a=1&ref=%41BC234", "ref").as_deref(), Some("ABC234"));
        assert_eq!(url_param("q=%E4%B8%89%E6%96%87%E9%B1%BC+%E4%B8%AD%E6%AE%B5", "q").as_deref(), Some("三文鱼 中段"));
        assert_eq!(url_param("ref=", "ref").as_deref(), Some(""));
        assert_eq!(url_param("x=1", "ref"), None);
    }
}
