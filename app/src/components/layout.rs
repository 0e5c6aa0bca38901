//! The page frame (header, bottom tab bar, unread badge), empty states, icons and the error page.

use super::t;
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Home,
    Communities,
    Orders,
    Me,
    None,
}

/// An icon from the sprite in `public/icons.svg`; decorative, so hidden from screen readers.
#[component]
pub fn Icon(name: &'static str) -> impl IntoView {
    view! { <svg class="icon" aria-hidden="true" focusable="false" inner_html=format!(r##"<use href="/icons.svg#{name}"></use>"##)></svg> }
}

/// The four tabs at the bottom of every main page, like a mini-program's tab bar.
#[component]
pub fn TabBar(active: Tab) -> impl IntoView {
    let t = t();
    let unread = use_context::<crate::components::Unread>().map(|u| u.0).unwrap_or(0);
    let item = move |tab: Tab, href: &'static str, icon: &'static str, label: &'static str| {
        let current = active == tab;
        let badge = (tab == Tab::Me && unread > 0).then(|| {
            view! { <span class="count">{unread}<span class="sr-only">" "{t.unread_label}</span></span> }
        });
        view! {
            <a href=href class="tab" class:active=current aria-current=current.then_some("page")>
                <span class="shortcut-icon"><Icon name=icon/>{badge}</span>
                <span>{label}</span>
            </a>
        }
    };
    view! {
        <nav class="tabbar" aria-label=t.main_nav>
            {item(Tab::Home, "/", "home", t.tab_home)}
            {item(Tab::Communities, "/c", "group", t.tab_communities)}
            {item(Tab::Orders, "/orders", "receipt", t.tab_orders)}
            {item(Tab::Me, "/me", "user", t.tab_me)}
        </nav>
    }
}

/// A page: title bar (with a back link on inner pages), content, and the tab bar on main pages.
#[component]
pub fn Page(
    #[prop(into)] title: String,
    #[prop(optional)] back: Option<String>,
    #[prop(default = Tab::None)] tab: Tab,
    /// A bar fixed at the bottom instead of the tab bar (the buy bar).
    #[prop(optional)]
    bottom: Option<AnyView>,
    children: Children,
) -> impl IntoView {
    let has_tabs = tab != Tab::None;
    let has_bottom = bottom.is_some();
    view! {
        <Title text=format!("{} · {}", title, t().app_name)/>
        <header class="topbar">
            {back.map(|href| view! {
                <a class="topbar-back" href=href aria-label=t().back>
                    <Icon name="back"/>
                </a>
            })}
            <h1 class="topbar-title">{title}</h1>
        </header>
        <main class="content" class:with-tabs=has_tabs class:with-bottom=has_bottom>
            <super::form::NoticeBanner/>
            {children()}
        </main>
        {bottom}
        {has_tabs.then(|| view! { <TabBar active=tab/> })}
    }
}

/// One line of what to do next and one button.
#[component]
pub fn Empty(text: &'static str, #[prop(optional)] action: Option<(&'static str, String)>) -> impl IntoView {
    view! {
        <div class="empty">
            <p>{text}</p>
            {action.map(|(label, href)| view! { <a class="btn btn-primary" href=href>{label}</a> })}
        </div>
    }
}

/// The page shown when loading failed. Also sets the status code, or redirects to sign-in.
#[component]
pub fn ErrorPage(error: AppError, path: String) -> impl IntoView {
    #[cfg(feature = "ssr")]
    {
        use http::StatusCode;
        if error == domain::Error::SignInRequired {
            crate::api::form::redirect_to_sign_in(&path);
        } else if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
            res.set_status(StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR));
        }
    }
    let _ = &path;
    let t = t();
    let title = if error == domain::Error::NotFound { t.not_found_title } else { t.error_title };
    let body =
        if error == domain::Error::NotFound { t.not_found_body.to_string() } else { super::lang().error(&error) };
    view! {
        <Page title=title back="/".to_string()>
            <div class="empty">
                <p>{body}</p>
                <a class="btn btn-primary" href="/">{t.back_home}</a>
            </div>
        </Page>
    }
}
