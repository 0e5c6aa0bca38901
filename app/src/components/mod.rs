//! View pieces shared by pages. Everything here renders on the server; `stepper` is an island
//! that also runs in the browser.

pub mod cards;
pub mod console;
pub mod form;
pub mod groupbuy;
pub mod layout;
pub mod orders;
pub mod price;
pub mod share;
pub mod stepper;
pub mod team;

use crate::error::AppError;
use crate::flash::Flash;
use crate::i18n::{Lang, Msg};
use leptos::either::Either;
use leptos::prelude::*;
use std::future::Future;

/// How many notifications the signed-in member has not read.
#[derive(Clone, Copy, Debug, Default)]
pub struct Unread(pub i64);

/// What the current request knows about language and the last form, provided to every view.
pub fn provide_request_context() {
    #[cfg(feature = "ssr")]
    {
        let r = crate::ctx::request();
        provide_context::<Lang>(r.lang);
        provide_context::<Flash>(r.flash.unwrap_or_default());
        provide_context::<Unread>(Unread(r.unread));
        if !r.nonce.is_empty() {
            provide_context(leptos::nonce::Nonce::from_value(r.nonce));
        }
    }
    #[cfg(not(feature = "ssr"))]
    {
        provide_context::<Lang>(Lang::default());
        provide_context::<Flash>(Flash::default());
        provide_context::<Unread>(Unread(0));
    }
}

/// Pages that contain islands render this; pages without any interactive part ship no
/// JavaScript or WebAssembly at all.
#[component]
pub fn IslandScripts() -> impl IntoView {
    #[cfg(feature = "ssr")]
    {
        let options = expect_context::<crate::ctx::AppState>().leptos;
        view! { <HydrationScripts options islands=true/> }
    }
}

/// The language of this request (provided once by `App`).
pub fn lang() -> Lang {
    use_context::<Lang>().unwrap_or_default()
}

/// The message catalogue in the request's language.
pub fn t() -> &'static Msg {
    lang().t()
}

/// What the last form post left for this page, if anything.
pub fn flash() -> Flash {
    use_context::<Flash>().unwrap_or_default()
}

/// The path and query of the page being rendered.
pub fn here() -> String {
    let loc = leptos_router::hooks::use_location();
    let (path, search) = (loc.pathname.get_untracked(), loc.search.get_untracked());
    if search.is_empty() {
        path
    } else {
        format!("{path}?{search}")
    }
}

/// Loads a page's data on the server and renders it, or renders the error: sign-in required
/// sends the visitor to sign in and back; not found and forbidden set their status codes.
pub fn load<T, Fut, V>(fut: Fut, render: impl FnOnce(T) -> V + Send + 'static) -> impl IntoView
where
    T: Send + 'static,
    Fut: Future<Output = Result<T, AppError>> + Send + 'static,
    V: IntoView + 'static,
{
    let path = here();
    view! {
        <Suspense fallback=|| ()>
            {Suspend::new(async move {
                match fut.await {
                    Ok(data) => Either::Left(render(data)),
                    Err(e) => Either::Right(layout::ErrorPage(layout::ErrorPageProps { error: e, path })),
                }
            })}
        </Suspense>
    }
}

/// 更多: the next page of a long list (`?before=` the last id shown), a plain link that works
/// without JavaScript. Nothing when the list ended.
#[component]
pub fn MoreLink(next: Option<i64>) -> impl IntoView {
    next.map(|before| {
        let here = here();
        let (path, query) = here.split_once('?').unwrap_or((here.as_str(), ""));
        let mut params: Vec<&str> =
            query.split('&').filter(|kv| !kv.is_empty() && !kv.starts_with("before=")).collect();
        let cursor = format!("before={before}");
        params.push(&cursor);
        let href = format!("{path}?{}", params.join("&"));
        view! { <a class="btn btn-ghost btn-block more-link" rel="next" href=href data-more>{t().more}</a> }
    })
}

/// The `?before=` cursor of a paged list.
pub fn page_cursor() -> Option<i64> {
    leptos_router::hooks::use_query_map().with_untracked(|q| q.get("before")).and_then(|v| v.parse().ok())
}
