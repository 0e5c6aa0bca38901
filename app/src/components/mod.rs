//! View pieces shared by pages. Everything here renders on the server; `stepper` is an island
//! that also runs in the browser.

pub mod cards;
pub mod form;
pub mod layout;
pub mod price;
pub mod stepper;
pub mod team;

use crate::error::AppError;
use crate::flash::Flash;
use crate::i18n::{Lang, Msg};
use leptos::either::Either;
use leptos::prelude::*;
use std::future::Future;

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
