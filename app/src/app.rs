//! The document shell and the routes.

use crate::components::{lang, provide_request_context};
use crate::pages::*;
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, MetaTags};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{path, SsrMode};

pub fn shell(options: LeptosOptions) -> impl IntoView {
    provide_request_context();
    view! {
        <!DOCTYPE html>
        <html lang=lang().code()>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover"/>
                <meta name="theme-color" content="#F5F5F5"/>
                <meta name="description" content=lang().t().tagline/>
                <link rel="icon" href="/favicon.ico" sizes="any"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <HashedStylesheet options=options.clone() id="leptos"/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // Every page is rendered completely before it is sent: status codes and redirects decided
    // while loading still apply, and the first paint needs no skeletons.
    view! {
        <Router>
            <Routes fallback=|| view! { <NotFound/> }>
                <Route path=path!("/") view=Home ssr=SsrMode::Async/>
                <Route path=path!("/c") view=Communities ssr=SsrMode::Async/>
                <Route path=path!("/c/:slug") view=CommunityPage ssr=SsrMode::Async/>
                <Route path=path!("/p/:id") view=ProductPage ssr=SsrMode::Async/>
                <Route path=path!("/buy/:id") view=BuyPage ssr=SsrMode::Async/>
                <Route path=path!("/pay/:id") view=CashierPage ssr=SsrMode::Async/>
                <Route path=path!("/t/:id") view=TeamPage ssr=SsrMode::Async/>
                <Route path=path!("/console/p/:id/group") view=ConsoleGroupPage ssr=SsrMode::Async/>
                <Route path=path!("/console/g/:id") view=ConsoleActivityTeamsPage ssr=SsrMode::Async/>
                <Route path=path!("/console/c/:id/group") view=ConsoleCommunityGroupsPage ssr=SsrMode::Async/>
                <Route path=path!("/c/:slug/promote") view=PromotePage ssr=SsrMode::Async/>
                <Route path=path!("/c/:slug/leaderboard") view=LeaderboardPage ssr=SsrMode::Async/>
                <Route path=path!("/me/promote") view=MyPromotionsPage ssr=SsrMode::Async/>
                <Route path=path!("/console/c/:id/distribution") view=ConsoleDistributionPage ssr=SsrMode::Async/>
                <Route path=path!("/console/c/:id/distributors") view=ConsoleDistributorsPage ssr=SsrMode::Async/>
                <Route path=path!("/console/c/:id/commissions") view=ConsoleCommissionsPage ssr=SsrMode::Async/>
                <Route path=path!("/console/c/:id/withdrawals") view=ConsoleWithdrawalsPage ssr=SsrMode::Async/>
                <Route path=path!("/orders") view=OrdersPage ssr=SsrMode::Async/>
                <Route path=path!("/cart") view=CartPage ssr=SsrMode::Async/>
                <Route path=path!("/checkout") view=CheckoutPage ssr=SsrMode::Async/>
                <Route path=path!("/orders/:id") view=OrderPage ssr=SsrMode::Async/>
                <Route path=path!("/orders/:id/refund") view=RefundRequestPage ssr=SsrMode::Async/>
                <Route path=path!("/me/notifications") view=NotificationsPage ssr=SsrMode::Async/>
                <Route path=path!("/console/c/:id/refunds") view=ConsoleRefundsPage ssr=SsrMode::Async/>
                <Route path=path!("/me") view=MePage ssr=SsrMode::Async/>
                <Route path=path!("/me/security") view=SecurityPage ssr=SsrMode::Async/>
                <Route path=path!("/me/addresses") view=AddressesPage ssr=SsrMode::Async/>
                <Route path=path!("/me/addresses/new") view=NewAddressPage ssr=SsrMode::Async/>
                <Route path=path!("/signin") view=SignInPage ssr=SsrMode::Async/>
                <Route path=path!("/signup") view=SignUpPage ssr=SsrMode::Async/>
                <Route path=path!("/console") view=ConsoleHome ssr=SsrMode::Async/>
                <Route path=path!("/console/new") view=NewCommunityPage ssr=SsrMode::Async/>
                <Route path=path!("/console/c/:id") view=ConsoleCommunityPage ssr=SsrMode::Async/>
                <Route path=path!("/console/c/:id/products/new") view=NewProductPage ssr=SsrMode::Async/>
                <Route path=path!("/console/c/:id/orders") view=ConsoleOrdersPage ssr=SsrMode::Async/>
                <Route path=path!("/console/p/:id") view=EditProductPage ssr=SsrMode::Async/>
            </Routes>
        </Router>
    }
}
