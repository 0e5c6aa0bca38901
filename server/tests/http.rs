#![allow(clippy::unwrap_used, reason = "a test stops where its setup fails")]

//! The HTTP surface through the real router (`tower::ServiceExt::oneshot`): server functions,
//! the sandbox webhook, request safety, owner checks and escaping.

use app::ctx::AppState;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use domain::account::Account;
use domain::money::Fen;
use domain::order::OrderStatus;
use http_body_util::BodyExt;
use server::config::Config;
use std::sync::atomic::{AtomicU64, Ordering};
use store::{self, orders};
use tower::ServiceExt;

static SEQ: AtomicU64 = AtomicU64::new(0);
const HOST: &str = "127.0.0.1:3000";

struct TestApp {
    st: AppState,
    router: Router,
    dir: std::path::PathBuf,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

struct Reply {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: String,
}

impl Reply {
    fn location(&self) -> Option<&str> {
        self.headers.get(header::LOCATION).and_then(|v| v.to_str().ok())
    }

    fn cookies(&self) -> Vec<String> {
        self.headers.get_all(header::SET_COOKIE).iter().filter_map(|v| v.to_str().ok()).map(str::to_string).collect()
    }
}

async fn test_app() -> TestApp {
    let n = SEQ.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("qunli-http-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let dir_s = dir.to_string_lossy().to_string();
    let cfg = Config::from_vars(|k| match k {
        "QUNLI_DATA_DIR" => Some(dir_s.clone()),
        "QUNLI_DEMO_SEED" => Some("off".into()),
        "QUNLI_SECRET" => Some("a-test-secret-that-is-long-enough-0123".into()),
        _ => None,
    })
    .unwrap();
    let st = server::build_state(&cfg).await.unwrap();
    TestApp { router: server::router(st.clone()), st, dir }
}

impl TestApp {
    async fn send(&self, req: Request<Body>) -> Reply {
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        Reply { status, headers, body: String::from_utf8_lossy(&bytes).to_string() }
    }

    async fn get(&self, path: &str, cookie: Option<&str>) -> Reply {
        let mut b = Request::get(path).header(header::HOST, HOST).header(header::ACCEPT, "text/html");
        if let Some(c) = cookie {
            b = b.header(header::COOKIE, c);
        }
        self.send(b.body(Body::empty()).unwrap()).await
    }

    /// A POST as this site's own page would send it: same origin, form-encoded.
    async fn post(&self, path: &str, form: &str, cookie: Option<&str>, html: bool) -> Reply {
        let mut b = Request::post(path)
            .header(header::HOST, HOST)
            .header(header::ORIGIN, format!("http://{HOST}"))
            .header("sec-fetch-site", "same-origin")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if html {
            b = b.header(header::ACCEPT, "text/html").header(header::REFERER, format!("http://{HOST}/signup"));
        }
        if let Some(c) = cookie {
            b = b.header(header::COOKIE, c);
        }
        self.send(b.body(Body::from(form.to_string())).unwrap()).await
    }

    /// A member with a session; returns their id and cookie header.
    async fn member(&self, tag: &str) -> (i64, String) {
        let n = SEQ.fetch_add(1, Ordering::Relaxed);
        let id = store::users::create(&self.st.db, &Account::Email(format!("{tag}{n}@qunli.test")), "x", tag, 1)
            .await
            .unwrap();
        let (token, hash) = app::auth::new_token();
        store::users::create_session(&self.st.db, &hash, id, 1, i64::MAX / 2).await.unwrap();
        (id, format!("qunli_session={token}"))
    }

    async fn user_count(&self) -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(&self.st.db.pool).await.unwrap()
    }

    /// An owner's community with one product on sale (¥35.00, was ¥90.00, 20 in stock).
    async fn shop(&self) -> (i64, String, i64, i64) {
        use store::testing::{shop_with, ShopSpec};
        let (owner, cookie) = self.member("owner").await;
        let intro = "<script>alert(1)</script>冰鲜直发";
        let s =
            shop_with(&self.st.db, ShopSpec { owner: Some(owner), intro, per_order_limit: 10, ..ShopSpec::default() })
                .await;
        (owner, cookie, s.community, s.product)
    }
}

#[tokio::test]
async fn health_and_metrics() {
    let app = test_app().await;
    let h = app.get("/healthz", None).await;
    assert_eq!((h.status, h.body.as_str()), (StatusCode::OK, "ok\n"));
    assert!(h.headers.get("x-request-id").is_some_and(|v| !v.is_empty()), "each response names its request");
    let m = app.get("/metrics", None).await;
    assert_eq!(m.status, StatusCode::OK);
    assert_ne!(h.headers.get("x-request-id"), m.headers.get("x-request-id"));
    assert!(m.body.contains("qunli_http_requests_total{kind=\"ops\",status=\"2xx\"} 1"), "{}", m.body);
    assert!(m.body.contains("# TYPE qunli_orders gauge"));
    assert!(m.body.contains("qunli_orders{status=\"paid\"} 0"), "every state is reported, also when empty");
    assert_eq!(m.body.matches("# EOF").count(), 1);
    assert!(m.body.trim_end().ends_with("# EOF"));
}

#[tokio::test]
async fn pages_render_prices_and_escape_what_users_write() {
    let app = test_app().await;
    let (_, _, community, product) = app.shop().await;
    let c = store::communities::by_id(&app.st.db, community).await.unwrap().unwrap();
    let page = app.get(&format!("/c/{}", c.slug), None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("三文鱼吃货群"));
    assert!(page.body.contains("¥90.00"), "struck original price shown");
    assert!(page.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;冰鲜直发"), "intro escaped");
    assert!(!page.body.contains("<script>alert(1)"));
    let p = app.get(&format!("/p/{product}"), None).await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.body.contains("库存 20") && p.body.contains("立即购买"));
    assert_eq!(app.get("/p/123", None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get("/nothing/here", None).await.status, StatusCode::NOT_FOUND);
    // Pages that need a member send visitors to sign in and back.
    let buy = app.get(&format!("/buy/{product}"), None).await;
    assert_eq!(buy.status, StatusCode::FOUND);
    assert_eq!(buy.location(), Some(format!("/signin?next=/buy/{product}").as_str()));
}

#[tokio::test]
async fn cross_site_posts_are_refused_and_change_nothing() {
    let app = test_app().await;
    let form = "account=13912345678&password=long-enough-1";
    for (origin, site) in [
        ("https://evil.example", None),
        ("https://evil.example", Some("cross-site")),
        ("http://127.0.0.1:3000", Some("same-site")),
    ] {
        let mut b = Request::post("/api/sign_up")
            .header(header::HOST, HOST)
            .header(header::ORIGIN, origin)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(s) = site {
            b = b.header("sec-fetch-site", s);
        }
        let r = app.send(b.body(Body::from(form)).unwrap()).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{origin} {site:?}");
    }
    assert_eq!(app.user_count().await, 0);
    // The same request from the site itself creates the account and signs in.
    let ok = app.post("/api/sign_up", form, None, true).await;
    assert_eq!(ok.status, StatusCode::FOUND);
    assert_eq!(ok.location(), Some("/me"));
    let session = ok.cookies().into_iter().find(|c| c.starts_with("qunli_session=")).expect("session cookie");
    assert!(session.contains("HttpOnly") && session.contains("SameSite=Lax"));
    assert_eq!(app.user_count().await, 1);
}

#[tokio::test]
async fn bad_sign_up_goes_back_with_the_message_and_writes_nothing() {
    let app = test_app().await;
    let r = app
        .post("/api/sign_up", "account=1380013800&password=long-enough-1&nickname=%E9%98%BF%E6%A2%85", None, true)
        .await;
    assert_eq!(r.status, StatusCode::FOUND);
    assert_eq!(r.location(), Some("/signup"));
    let flash = r.cookies().into_iter().find(|c| c.starts_with("qunli_flash=")).expect("flash cookie");
    let value = flash.trim_start_matches("qunli_flash=").split(';').next().unwrap().to_string();
    let f = app::flash::decode_flash(&value).unwrap();
    assert_eq!(f.error, Some(app::error::AppError::Rule(domain::Error::BadPhone)));
    assert_eq!(f.value("account").as_deref(), Some("1380013800"));
    assert_eq!(f.value("nickname").as_deref(), Some("阿梅"));
    assert_eq!(f.value("password"), None, "a password is never echoed");
    assert_eq!(app.user_count().await, 0);
    // The page shows the message next to the field and the value typed.
    let page = app.get("/signup", Some(&format!("qunli_flash={value}"))).await;
    assert!(page.body.contains("手机号应为 11 位数字，以 1 开头。"));
    assert!(page.body.contains("value=\"1380013800\""));
    assert!(page.cookies().iter().any(|c| c.starts_with("qunli_flash=;") && c.contains("Max-Age=0")), "shown once");
}

#[tokio::test]
async fn owner_endpoints_refuse_other_members_and_change_nothing() {
    let app = test_app().await;
    let (_, owner_cookie, community, product) = app.shop().await;
    let (_, other) = app.member("other").await;
    let before_product = store::products::by_id(&app.st.db, product).await.unwrap().unwrap();
    let before_community = store::communities::by_id(&app.st.db, community).await.unwrap().unwrap();
    let fields = format!(
        "title=%E4%BE%BF%E5%AE%9C%E5%8D%96&description=&unit=&image=salmon&price=1&original_price=&stock=5&stock_seen={}&per_order_limit=1&status=on_sale",
        before_product.stock
    );
    let attempts = [
        ("/api/load_console_community", format!("community_id={community}")),
        ("/api/load_console_orders", format!("community_id={community}")),
        ("/api/load_product_editor", format!("product_id={product}")),
        ("/api/load_product_editor", format!("community_id={community}")),
        ("/api/update_community", format!("community_id={community}&name=mine&slug=mine-now&intro=&cover=salmon")),
        ("/api/save_product", format!("community_id={community}&product_id={product}&{fields}")),
        ("/api/save_product", format!("community_id={community}&{fields}")),
    ];
    for (path, form) in &attempts {
        let r = app.post(path, form, Some(&other), false).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{path} {form}: {}", r.body);
        let anon = app.post(path, form, None, false).await;
        assert_eq!(anon.status, StatusCode::UNAUTHORIZED, "{path} without a session");
    }
    assert_eq!(store::products::by_id(&app.st.db, product).await.unwrap().unwrap(), before_product);
    assert_eq!(store::communities::by_id(&app.st.db, community).await.unwrap().unwrap(), before_community);
    assert_eq!(store::products::all_in(&app.st.db, community).await.unwrap().len(), 1);
    // A save over a stock that is no longer there is refused, and says what is there now.
    let stale = fields.replace(&format!("stock_seen={}", before_product.stock), "stock_seen=999");
    let r = app
        .post(
            "/api/save_product",
            &format!("community_id={community}&product_id={product}&{stale}"),
            Some(&owner_cookie),
            false,
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert_eq!(store::products::by_id(&app.st.db, product).await.unwrap().unwrap(), before_product);
    // The owner can do all of it.
    let r = app
        .post(
            "/api/save_product",
            &format!("community_id={community}&product_id={product}&{fields}"),
            Some(&owner_cookie),
            false,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(store::products::by_id(&app.st.db, product).await.unwrap().unwrap().title, "便宜卖");
}

/// The owner opens the product form (stock 20), three sell, the owner saves with a mistake: the form
/// comes back still comparing with the 20 first seen, so fixing the mistake and saving again does not
/// type the three sold units back in. The same for the option table.
#[tokio::test]
async fn a_form_shown_again_after_an_error_keeps_the_stock_first_seen() {
    let app = test_app().await;
    let (_, owner, community, product) = app.shop().await;
    let seen = store::products::by_id(&app.st.db, product).await.unwrap().unwrap().stock;
    let (buyer, _) = app.member("buyer").await;
    store::testing::create_buy_now(&app.st.db, buyer, product, None, 3, 1, 60_000, "sandbox").await.unwrap();
    let form = |original: &str, seen_now: i64| {
        format!(
            "community_id={community}&product_id={product}&title=%E4%B8%89%E6%96%87%E9%B1%BC&image=salmon&price=35\
             &original_price={original}&stock={seen}&stock_seen={seen_now}&per_order_limit=5&status=on_sale"
        )
    };
    let flash_of = |r: &Reply| {
        let c = r.cookies().into_iter().find(|c| c.starts_with("qunli_flash=")).expect("flash cookie");
        app::flash::decode_flash(c.trim_start_matches("qunli_flash=").split(';').next().unwrap()).unwrap()
    };
    let r = app.post("/api/save_product", &form("1", seen), Some(&owner), true).await;
    let f = flash_of(&r);
    assert_eq!(f.error, Some(app::error::AppError::Rule(domain::Error::OriginalNotAbovePrice)));
    assert_eq!(f.value("stock_seen"), Some(seen.to_string()), "still the stock first seen");
    // Saved again as shown, with the price fixed: the stock is what is really left.
    let r = app.post("/api/save_product", &form("90", seen), Some(&owner), true).await;
    assert_eq!(r.status, StatusCode::FOUND);
    assert_eq!(store::products::by_id(&app.st.db, product).await.unwrap().unwrap().stock, seen - 3);
    // A changed stock over one that moved is refused and comes back starting from the stock now.
    let sku = store::products::skus_of(&app.st.db, product, false).await.unwrap()[0].id;
    let rows = |stock: i64, seen_then: i64| {
        format!(
            "product_id={product}&skus[0][id]={sku}&skus[0][price]=35&skus[0][original_price]=90\
             &skus[0][stock]={stock}&skus[0][stock_seen]={seen_then}&skus[0][code]="
        )
    };
    let r = app.post("/api/save_skus", &rows(50, seen), Some(&owner), true).await;
    let f = flash_of(&r);
    assert_eq!(f.error, Some(app::error::AppError::Rule(domain::Error::StockChanged { now: seen - 3 })));
    assert_eq!(f.value("skus[0][stock]"), Some("50".into()));
    assert_eq!(f.value("skus[0][stock_seen]"), Some((seen - 3).to_string()));
    let r = app.post("/api/save_skus", &rows(50, seen - 3), Some(&owner), true).await;
    assert_eq!(r.status, StatusCode::FOUND);
    assert_eq!(store::products::by_id(&app.st.db, product).await.unwrap().unwrap().stock, 50);
}

#[tokio::test]
async fn buy_now_charges_the_server_price_whatever_the_client_sends() {
    use domain::checkout::AddressDraft;
    let app = test_app().await;
    let (_, _, _, product) = app.shop().await;
    let (buyer, cookie) = app.member("buyer").await;
    let (stranger, _) = app.member("stranger").await;
    let home = AddressDraft::parse("阿梅", "13800138000", "浙江省杭州市西湖区", "文三路 1 号").unwrap();
    let mine = store::addresses::add(&app.st.db, buyer, &home, true, 1).await.unwrap();
    let theirs = store::addresses::add(&app.st.db, stranger, &home, true, 1).await.unwrap();
    let r = app
        .post(
            "/api/buy_now",
            &format!("product_id={product}&quantity=2&delivery=addr:{mine}&price=0.01&total=0.02&checkout_key=key-0000000000000001"),
            Some(&cookie),
            true,
        )
        .await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", r.body);
    let list = orders::for_buyer(&app.st.db, buyer).await.unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].total, Fen(7000));
    assert_eq!(list[0].ship_to, "阿梅 13800138000 浙江省杭州市西湖区 文三路 1 号");
    assert_eq!(r.location(), Some(format!("/pay/{}", list[0].id).as_str()));
    // The same form sent again (a double tap) leads to the same order.
    let again = app
        .post(
            "/api/buy_now",
            &format!("product_id={product}&quantity=2&delivery=addr:{mine}&checkout_key=key-0000000000000001"),
            Some(&cookie),
            true,
        )
        .await;
    assert_eq!(again.location(), r.location());
    // Bad input is refused and nothing is ordered.
    for (form, why) in [
        (format!("product_id={product}&quantity=0&delivery=addr:{mine}"), "zero"),
        (format!("product_id={product}&quantity=-1&delivery=addr:{mine}"), "negative"),
        (format!("product_id={product}&quantity=11&delivery=addr:{mine}"), "over the limit"),
        (format!("product_id={product}&quantity=abc&delivery=addr:{mine}"), "not a number"),
        (format!("product_id={product}&quantity=21&delivery=addr:{mine}"), "over the stock"),
        (format!("product_id={product}&quantity=1"), "no delivery"),
        (format!("product_id={product}&quantity=1&delivery=addr:{theirs}"), "someone else's address"),
        (format!("product_id={product}&quantity=1&delivery=pickup"), "no pickup point"),
        (format!("product_id={product}&quantity=1&delivery=addr:{mine}&note={}", "x".repeat(101)), "note too long"),
    ] {
        let bad = app.post("/api/buy_now", &form, Some(&cookie), false).await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{why}");
    }
    assert_eq!(orders::for_buyer(&app.st.db, buyer).await.unwrap().len(), 1);
}

/// A cart checkout sent again after it went through (the lines have left the cart) leads to the
/// orders it made, not to "the cart is empty".
#[tokio::test]
async fn a_repeated_cart_checkout_leads_to_its_orders() {
    let app = test_app().await;
    let (_, _, _, product) = app.shop().await;
    let (buyer, cookie) = app.member("buyer").await;
    let added = app.post("/api/add_to_cart", &format!("product_id={product}&quantity=2"), Some(&cookie), true).await;
    assert_eq!(added.status, StatusCode::FOUND, "{}", added.body);
    let form = "delivery=ship&note=&checkout_key=key-0000000000000007";
    let home =
        domain::checkout::AddressDraft::parse("阿梅", "13800138000", "浙江省杭州市西湖区", "文三路 1 号").unwrap();
    let mine = store::addresses::add(&app.st.db, buyer, &home, true, 1).await.unwrap();
    let form = form.replace("delivery=ship", &format!("delivery=addr:{mine}"));
    let first = app.post("/api/checkout_cart", &form, Some(&cookie), true).await;
    assert_eq!(first.status, StatusCode::FOUND, "{}", first.body);
    let list = orders::for_buyer(&app.st.db, buyer).await.unwrap();
    assert_eq!(first.location(), Some(format!("/pay/{}", list[0].id).as_str()));
    let again = app.post("/api/checkout_cart", &form, Some(&cookie), true).await;
    assert_eq!(again.location(), first.location());
    assert_eq!(orders::for_buyer(&app.st.db, buyer).await.unwrap().len(), 1);
    // Without a checkout of its own, an empty cart is still an empty cart.
    let other = form.replace("key-0000000000000007", "key-0000000000000008");
    let empty = app.post("/api/checkout_cart", &other, Some(&cookie), false).await;
    assert_eq!(empty.status, StatusCode::BAD_REQUEST, "{}", empty.body);
}

#[tokio::test]
async fn the_sandbox_webhook_is_signed_fresh_and_applied_once() {
    let app = test_app().await;
    let (_, _, _, product) = app.shop().await;
    let (buyer, _) = app.member("buyer").await;
    let now = app.st.clock.now_ms();
    let created =
        store::testing::create_buy_now(&app.st.db, buyer, product, None, 1, now, 900_000, "sandbox").await.unwrap();
    let payment = orders::payment(&app.st.db, created.payment_id).await.unwrap().unwrap();
    let deliver = |headers: axum::http::HeaderMap, body: Vec<u8>| {
        let mut b = Request::post("/webhooks/sandbox")
            .header(header::HOST, HOST)
            .header(header::CONTENT_TYPE, "application/json");
        for (k, v) in headers.iter() {
            b = b.header(k, v);
        }
        b.body(Body::from(body)).unwrap()
    };

    // A bad signature, and a correctly signed but stale delivery: 400, nothing changes.
    let (h, body) = app.st.sandbox.success_delivery(&payment, now);
    let mut tampered = body.clone();
    // A digit near the end (the signed time of payment) changed to a different one.
    let i = tampered.len() - 3;
    tampered[i] = if tampered[i] == b'9' { b'8' } else { b'9' };
    assert_eq!(app.send(deliver(h.clone(), tampered)).await.status, StatusCode::BAD_REQUEST);
    let (old_h, old_body) = app.st.sandbox.success_delivery(&payment, now - 301_000);
    assert_eq!(app.send(deliver(old_h, old_body)).await.status, StatusCode::BAD_REQUEST);
    let unsigned =
        Request::post("/webhooks/sandbox").header(header::HOST, HOST).body(Body::from(body.clone())).unwrap();
    assert_eq!(app.send(unsigned).await.status, StatusCode::BAD_REQUEST);
    assert_eq!(orders::by_id(&app.st.db, created.order_id).await.unwrap().unwrap().status, OrderStatus::PendingPayment);

    // The real delivery, twice: paid once.
    for _ in 0..2 {
        assert_eq!(app.send(deliver(h.clone(), body.clone())).await.status, StatusCode::OK);
    }
    let o = orders::by_id(&app.st.db, created.order_id).await.unwrap().unwrap();
    assert_eq!(o.status, OrderStatus::Paid);
    assert_eq!(o.events.iter().filter(|e| e.to == OrderStatus::Paid).count(), 1);
    assert_eq!(store::products::by_id(&app.st.db, product).await.unwrap().unwrap().sold, 1);
}

#[tokio::test]
async fn the_cashier_pays_through_the_webhook_and_only_for_the_buyer() {
    let app = test_app().await;
    let (_, _, _, product) = app.shop().await;
    let (buyer, cookie) = app.member("buyer").await;
    let (_, stranger) = app.member("stranger").await;
    let created =
        store::testing::create_buy_now(&app.st.db, buyer, product, None, 3, app.st.clock.now_ms(), 900_000, "sandbox")
            .await
            .unwrap();
    let cashier = app.get(&format!("/pay/{}", created.order_id), Some(&cookie)).await;
    assert!(cashier.body.contains("沙箱支付") && cashier.body.contains("¥105.00"));
    assert_eq!(app.get(&format!("/pay/{}", created.order_id), Some(&stranger)).await.status, StatusCode::NOT_FOUND);
    let denied = app.post("/api/sandbox_pay", &format!("order_id={}", created.order_id), Some(&stranger), false).await;
    assert_eq!(denied.status, StatusCode::NOT_FOUND);
    let paid = app.post("/api/sandbox_pay", &format!("order_id={}", created.order_id), Some(&cookie), true).await;
    assert_eq!(paid.location(), Some(format!("/orders/{}", created.order_id).as_str()));
    let page = app.get(&format!("/orders/{}", created.order_id), Some(&cookie)).await;
    assert!(page.body.contains("已支付"));
    // Paying again is refused: the order no longer waits for money.
    let again = app.post("/api/sandbox_pay", &format!("order_id={}", created.order_id), Some(&cookie), false).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn only_the_owner_ships_and_only_the_buyer_confirms() {
    let app = test_app().await;
    let (_, owner, _, product) = app.shop().await;
    let (buyer_id, buyer) = app.member("buyer").await;
    let (_, other) = app.member("other").await;
    let now = app.st.clock.now_ms();
    let c =
        store::testing::create_buy_now(&app.st.db, buyer_id, product, None, 1, now, 900_000, "sandbox").await.unwrap();
    orders::apply_payment_succeeded(&app.st.db, "sandbox", "evt", c.payment_id, Fen(3500), now).await.unwrap();
    let ship = format!("order_id={}&carrier=%E9%A1%BA%E4%B8%B0&tracking_no=SF1234567890", c.order_id);
    for who in [&other, &buyer] {
        assert_eq!(app.post("/api/ship_order", &ship, Some(who), false).await.status, StatusCode::FORBIDDEN);
    }
    let bad = app
        .post("/api/ship_order", &format!("order_id={}&carrier=x&tracking_no=12", c.order_id), Some(&owner), false)
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(orders::by_id(&app.st.db, c.order_id).await.unwrap().unwrap().status, OrderStatus::Paid);
    assert_eq!(app.post("/api/ship_order", &ship, Some(&owner), false).await.status, StatusCode::OK);
    assert_eq!(app.post("/api/ship_order", &ship, Some(&owner), false).await.status, StatusCode::CONFLICT);

    let confirm = format!("order_id={}", c.order_id);
    assert_eq!(app.post("/api/confirm_receipt", &confirm, Some(&other), false).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.post("/api/confirm_receipt", &confirm, Some(&owner), false).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.post("/api/confirm_receipt", &confirm, Some(&buyer), false).await.status, StatusCode::OK);
    let o = orders::by_id(&app.st.db, c.order_id).await.unwrap().unwrap();
    assert_eq!((o.status, o.tracking_no.as_deref()), (OrderStatus::Completed, Some("SF1234567890")));
    // A paid order cannot be cancelled by its buyer.
    assert_eq!(app.post("/api/cancel_order", &confirm, Some(&buyer), false).await.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn test_hooks_do_not_exist_unless_turned_on() {
    let app = test_app().await;
    let before = app.st.clock.now_ms();
    let r = app.post("/__test/clock?ms=86400000", "", None, false).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(app.st.clock.now_ms() - before < 60_000);
    assert_eq!(app.post("/__test/jobs", "", None, false).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn owners_export_their_orders_as_csv_and_nobody_else_can() {
    let app = test_app().await;
    let (_, owner, community, product) = app.shop().await;
    let (buyer, _) = app.member("阿梅").await;
    let (_, other) = app.member("other").await;
    let now = app.st.clock.now_ms();
    let c = store::testing::create_buy_now(&app.st.db, buyer, product, None, 2, now, 900_000, "sandbox").await.unwrap();
    orders::apply_payment_succeeded(&app.st.db, "sandbox", "evt", c.payment_id, c.total, now).await.unwrap();
    let path = format!("/console/c/{community}/orders.csv?tab=paid");
    let r = app.get(&path, Some(&owner)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.headers.get(header::CONTENT_TYPE).unwrap(), "text/csv; charset=utf-8");
    assert!(r.body.starts_with('\u{feff}'), "byte-order mark for spreadsheet apps");
    assert!(r.body.contains(&format!("\"=\"\"{}\"\"\"", c.order_id)));
    assert!(r.body.contains("阿梅") && r.body.contains("70.00"));
    let none = app.get(&format!("/console/c/{community}/orders.csv?tab=shipped"), Some(&owner)).await;
    assert_eq!(none.body.lines().count(), 1, "only the header row");
    assert_eq!(app.get(&path, Some(&other)).await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.get(&path, None).await.status, StatusCode::UNAUTHORIZED);
}

fn multipart(bytes: &[u8], filename: &str) -> (String, Vec<u8>) {
    let boundary = "qunliboundary7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"{filename}\"\r\nContent-Type: image/jpeg\r\n\r\n")
            .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

fn png_bytes() -> Vec<u8> {
    let img = image::RgbImage::from_fn(640, 480, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 40]));
    let mut out = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img).write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

#[tokio::test]
async fn owners_upload_photos_checked_by_content_and_served_with_long_caching() {
    let app = test_app().await;
    let (_, owner, _, product) = app.shop().await;
    let (_, other) = app.member("other").await;
    let upload = |cookie: String, bytes: Vec<u8>, name: &str| {
        let (ct, body) = multipart(&bytes, name);
        Request::post(format!("/console/p/{product}/photos"))
            .header(header::HOST, HOST)
            .header(header::ORIGIN, format!("http://{HOST}"))
            .header(header::CONTENT_TYPE, ct)
            .header(header::COOKIE, cookie)
            .body(Body::from(body))
            .unwrap()
    };
    let media = app.dir.join("media");
    let count = || std::fs::read_dir(&media).map(|d| d.count()).unwrap_or(0);

    // A web page renamed to .jpg, and someone else's product: refused, nothing stored.
    let r = app.send(upload(owner.clone(), b"<html><script>alert(1)</script></html>".to_vec(), "photo.jpg")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.cookies().iter().any(|c| c.starts_with("qunli_flash=")));
    let r = app.send(upload(other, png_bytes(), "photo.png")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(count(), 0);
    assert_eq!(store::products::images(&app.st.db, product).await.unwrap(), vec!["salmon".to_string()]);

    let r = app.send(upload(owner.clone(), png_bytes(), "IMG_0001.HEIC.png")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let images = store::products::images(&app.st.db, product).await.unwrap();
    assert_eq!(images.len(), 2);
    assert!(images[0].starts_with("up:"), "the first photo becomes the cover: {images:?}");
    let hash = images[0].trim_start_matches("up:");
    let served = app.get(&format!("/media/{hash}-800.jpg"), None).await;
    assert_eq!(served.status, StatusCode::OK);
    assert_eq!(served.headers.get(header::CONTENT_TYPE).unwrap(), "image/jpeg");
    assert_eq!(served.headers.get(header::CACHE_CONTROL).unwrap(), "public, max-age=31536000, immutable");
    assert_eq!(served.headers.get(header::X_CONTENT_TYPE_OPTIONS).unwrap(), "nosniff");
    assert_eq!(count(), 2, "display size and thumbnail");
    let page = app.get(&format!("/p/{product}"), None).await;
    assert!(page.body.contains(&format!("/media/{hash}-800.jpg")));
}

#[tokio::test]
async fn descriptions_are_markdown_without_anything_that_runs() {
    use domain::catalogue::{ProductDraft, ProductInput};
    let app = test_app().await;
    let (_, _, community, product) = app.shop().await;
    let input = ProductInput {
        title: "雪山三文鱼".into(),
        image: "salmon".into(),
        price: "35".into(),
        stock: "20".into(),
        status: "on_sale".into(),
        description:
            "**冰鲜**直发\n\n<script>alert(1)</script>\n\n<img src=x onerror=alert(2)>\n\n[牧场](javascript:alert(3))"
                .into(),
        ..Default::default()
    };
    let g = store::testing::owner_grant(&app.st.db, community).await;
    store::products::update(&app.st.db, &g, product, &ProductDraft::parse(&input).unwrap(), 2).await.unwrap();
    let page = app.get(&format!("/p/{product}"), None).await;
    assert!(page.body.contains("<strong>冰鲜</strong>直发"));
    for bad in ["alert(1)", "onerror", "javascript:alert(3)"] {
        assert!(!page.body.contains(bad), "{bad}");
    }
}

/// A running activity (3人团 ¥29.90) on the shop's product; returns its id.
async fn group_activity(app: &TestApp, product: i64, community: i64) -> i64 {
    use domain::groupbuy::{Activity, DEFAULT_WINDOW_MS};
    let now = app.st.clock.now_ms();
    let rules = Activity {
        sku_id: None,
        team_size: 3,
        team_price: Fen(2990),
        leader_price: None,
        window_ms: DEFAULT_WINDOW_MS,
        starts_at: now - 1000,
        ends_at: now + 86_400_000,
        per_member_limit: 2,
        ladder: vec![],
        guaranteed: false,
    };
    store::groupbuy::create_activity(
        &app.st.db,
        &store::testing::owner_grant(&app.st.db, community).await,
        product,
        &rules,
        now,
    )
    .await
    .unwrap()
}

/// `member` takes a seat through the API and pays at the sandbox cashier; returns the order.
async fn take_and_pay(app: &TestApp, product: i64, target: &str, cookie: &str) -> i64 {
    let form = format!("product_id={product}&target={target}&quantity=1&delivery=pickup");
    let r = app.post("/api/group_buy", &form, Some(cookie), false).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let order: i64 = r.body.trim().parse().unwrap();
    let paid = app.post("/api/sandbox_pay", &format!("order_id={order}"), Some(cookie), false).await;
    assert_eq!(paid.status, StatusCode::OK, "{}", paid.body);
    order
}

#[tokio::test]
async fn group_buy_owner_endpoints_refuse_other_members_and_change_nothing() {
    let app = test_app().await;
    let (_, owner_cookie, community, product) = app.shop().await;
    let activity = group_activity(&app, product, community).await;
    let (_, other) = app.member("other").await;
    let before = store::groupbuy::activity(&app.st.db, activity).await.unwrap().unwrap();
    let fields = "team_size=2&team_price=1&leader_price=&window_hours=1&starts_at=2026-01-01T00:00&ends_at=2036-01-01T00:00&per_member_limit=9&ladder=";
    let attempts = [
        ("/api/load_group_console", format!("product_id={product}")),
        ("/api/load_activity_teams", format!("activity_id={activity}")),
        ("/api/load_community_groups", format!("community_id={community}")),
        ("/api/save_group_activity", format!("product_id={product}&{fields}")),
        ("/api/save_group_activity", format!("product_id={product}&activity_id={activity}&{fields}")),
        ("/api/end_group_activity", format!("activity_id={activity}")),
    ];
    for (path, form) in &attempts {
        let r = app.post(path, form, Some(&other), false).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{path} {form}: {}", r.body);
        let anon = app.post(path, form, None, false).await;
        assert_eq!(anon.status, StatusCode::UNAUTHORIZED, "{path} without a session");
    }
    assert_eq!(store::groupbuy::activity(&app.st.db, activity).await.unwrap().unwrap(), before);
    assert_eq!(store::groupbuy::for_product(&app.st.db, product).await.unwrap().len(), 1);
    // The owner's own edits go through the same validation: a team price above the single price
    // is refused with the field it concerns.
    let dear = fields.replace("team_price=1", "team_price=36");
    let r = app
        .post(
            "/api/save_group_activity",
            &format!("product_id={product}&activity_id={activity}&{dear}"),
            Some(&owner_cookie),
            false,
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(r.body.contains("TeamPriceNotBelowSingle"), "{}", r.body);
    let r = app.post("/api/end_group_activity", &format!("activity_id={activity}"), Some(&owner_cookie), false).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let ended = store::groupbuy::activity(&app.st.db, activity).await.unwrap().unwrap();
    assert!(ended.rules.ends_at <= app.st.clock.now_ms());
}

#[tokio::test]
async fn a_full_team_sends_a_member_back_to_it_with_the_reason_and_charges_nothing() {
    let app = test_app().await;
    let (_, _, community, product) = app.shop().await;
    store::communities::update_shipping(
        &app.st.db,
        &store::testing::owner_grant(&app.st.db, community).await,
        domain::checkout::ShippingRule::parse("0", "0").unwrap(),
        "门店",
    )
    .await
    .unwrap();
    let activity = group_activity(&app, product, community).await;
    let (_, leader) = app.member("lead").await;
    let lead_order = take_and_pay(&app, product, &format!("open:{activity}"), &leader).await;
    let team = store::groupbuy::team_of_order(&app.st.db, lead_order).await.unwrap().unwrap();
    // The team page is public, with its preview tags.
    let page = app.get(&format!("/t/{team}"), None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(r#"property="og:title""#) && page.body.contains("3人团 · 雪山三文鱼"), "{}", page.body);
    assert!(page.body.contains("还差2人"));
    for tag in ["b", "c"] {
        let (_, cookie) = app.member(tag).await;
        take_and_pay(&app, product, &format!("join:{team}"), &cookie).await;
    }
    let t = store::groupbuy::team(&app.st.db, team, app.st.clock.now_ms()).await.unwrap().unwrap();
    assert_eq!((t.status, t.paid), (domain::groupbuy::TeamStatus::Succeeded, 3));
    // A fourth member posting the join form lands back on the team with the message.
    let (late_id, late) = app.member("late").await;
    let form = format!("product_id={product}&target=join:{team}&quantity=1&delivery=pickup");
    let r = app.post("/api/group_buy", &form, Some(&late), true).await;
    assert!(r.status.is_redirection(), "{}", r.status);
    assert_eq!(r.location(), Some(format!("/t/{team}").as_str()));
    let flash = r.cookies().into_iter().find(|c| c.starts_with("qunli_flash=")).unwrap();
    let flash = flash.split(';').next().unwrap().to_string();
    let page = app.get(&format!("/t/{team}"), Some(&format!("{late}; {flash}"))).await;
    assert!(page.body.contains("这个团已满或已结束"), "{}", page.body);
    assert!(orders::for_buyer(&app.st.db, late_id).await.unwrap().is_empty());
    // A team whose leader has not paid is nobody else's business.
    let (_, lone) = app.member("lone").await;
    let r = app
        .post(
            "/api/group_buy",
            &format!("product_id={product}&target=open:{activity}&quantity=1&delivery=pickup"),
            Some(&lone),
            false,
        )
        .await;
    let pending_order: i64 = r.body.trim().parse().unwrap();
    let pending = store::groupbuy::team_of_order(&app.st.db, pending_order).await.unwrap().unwrap();
    assert_eq!(app.get(&format!("/t/{pending}"), None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get(&format!("/t/{pending}"), Some(&lone)).await.status, StatusCode::OK);
}

#[tokio::test]
async fn team_pages_follow_changes_through_server_sent_events() {
    let app = test_app().await;
    let (_, _, community, product) = app.shop().await;
    store::communities::update_shipping(
        &app.st.db,
        &store::testing::owner_grant(&app.st.db, community).await,
        domain::checkout::ShippingRule::parse("0", "0").unwrap(),
        "门店",
    )
    .await
    .unwrap();
    let activity = group_activity(&app, product, community).await;
    let (_, leader) = app.member("lead").await;
    let lead_order = take_and_pay(&app, product, &format!("open:{activity}"), &leader).await;
    let team = store::groupbuy::team_of_order(&app.st.db, lead_order).await.unwrap().unwrap();
    let res = app
        .router
        .clone()
        .oneshot(Request::get(format!("/live/t/{team}")).header(header::HOST, HOST).body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers().get(header::CONTENT_TYPE).unwrap(), "text/event-stream");
    let mut body = res.into_body();
    let mut next_event = async || -> domain::model::TeamSummary {
        let frame =
            tokio::time::timeout(std::time::Duration::from_secs(5), body.frame()).await.unwrap().unwrap().unwrap();
        let text = String::from_utf8(frame.into_data().unwrap().to_vec()).unwrap();
        let data = text.lines().find_map(|l| l.strip_prefix("data: ")).unwrap_or_else(|| panic!("{text}"));
        serde_json::from_str(data).unwrap()
    };
    let first = next_event().await;
    assert_eq!((first.paid, first.taken), (1, 1));
    let (_, friend) = app.member("friend").await;
    take_and_pay(&app, product, &format!("join:{team}"), &friend).await;
    // The seat is held, then paid: the stream says so (possibly in one step).
    let mut last = next_event().await;
    while last.paid < 2 {
        last = next_event().await;
    }
    assert_eq!((last.paid, last.members.len(), last.missing()), (2, 2, 1));
    // Unknown teams have no stream.
    let none = app.get("/live/t/12345", None).await;
    assert_eq!(none.status, StatusCode::NOT_FOUND);
}

/// The owner's distribution endpoints refuse other members and visitors, and change nothing.
#[tokio::test]
async fn distribution_owner_endpoints_refuse_other_members_and_change_nothing() {
    use domain::model::distribution::ProgrammeRow;
    let app = test_app().await;
    let (_, owner_cookie, community, product) = app.shop().await;
    let (_, other) = app.member("other").await;
    let rules = domain::referral::default_programme();
    let row = ProgrammeRow { rules, enabled: true, freeze_days: 7, withdrawal_fee: domain::money::Fen(0) };
    store::distribution::save_programme(&app.st.db, &store::testing::owner_grant(&app.st.db, community).await, &row, 1)
        .await
        .unwrap();
    let fields = "join=open&spend_threshold=&bind=last&bind_days=30&rate1=40&rate2=&rate3=&levels=&daily_cap=&freeze_days=7&withdrawal_fee=";
    let attempts = [
        ("/api/load_distribution_console", format!("community_id={community}")),
        ("/api/save_programme", format!("community_id={community}&enabled=on&{fields}")),
        ("/api/save_commission_override", format!("product_id={product}&value=9")),
        ("/api/load_distributors", format!("community_id={community}")),
        ("/api/decide_application", format!("community_id={community}&user_id=1&approve=yes")),
        ("/api/load_commissions", format!("community_id={community}")),
        ("/api/load_withdrawal_queue", format!("community_id={community}")),
        ("/api/decide_withdrawal", format!("community_id={community}&withdrawal_id=1&approve=yes")),
    ];
    for (path, form) in &attempts {
        let r = app.post(path, form, Some(&other), false).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{path} {form}: {}", r.body);
        let anon = app.post(path, form, None, false).await;
        assert_eq!(anon.status, StatusCode::UNAUTHORIZED, "{path} without a session");
    }
    assert_eq!(store::distribution::programme(&app.st.db, community).await.unwrap(), Some(row.clone()));
    assert_eq!(store::distribution::override_of(&app.st.db, product).await.unwrap(), None);
    let csv = format!("/console/c/{community}/commissions.csv");
    assert_eq!(app.get(&csv, Some(&other)).await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.get(&csv, Some(&owner_cookie)).await.status, StatusCode::OK);
    // The owner's own save is checked: 40 % at level 1 is fine, 60 % is refused and changes nothing.
    let r = app
        .post(
            "/api/save_programme",
            &format!("community_id={community}&enabled=on&{fields}"),
            Some(&owner_cookie),
            false,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let saved = store::distribution::programme(&app.st.db, community).await.unwrap().unwrap();
    assert_eq!(saved.rules.rates_bp, vec![4000]);
    let dear = fields.replace("rate1=40", "rate1=60");
    let r = app
        .post("/api/save_programme", &format!("community_id={community}&enabled=on&{dear}"), Some(&owner_cookie), false)
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(r.body.contains("CommissionTooHigh"), "{}", r.body);
    assert_eq!(store::distribution::programme(&app.st.db, community).await.unwrap().unwrap(), saved);
}

/// `?ref=` remembers a real referrer for 30 days and records the visit; anything else is ignored
/// and the page is the same.
#[tokio::test]
async fn referral_links_set_a_cookie_and_record_a_visit_only_for_real_codes() {
    let app = test_app().await;
    let (_, _, community, product) = app.shop().await;
    let _ = community;
    let (amy, amy_cookie) = app.member("amy").await;
    let code = store::referral::code_for(&app.st.db, amy, 1).await.unwrap();
    let r = app.get(&format!("/p/{product}?ref={code}"), None).await;
    assert_eq!(r.status, StatusCode::OK);
    let cookie = r.cookies().into_iter().find(|c| c.starts_with("qunli_ref=")).expect("a referral cookie");
    assert!(
        cookie.starts_with(&format!("qunli_ref={code};"))
            && cookie.contains("Max-Age=2592000")
            && cookie.contains("HttpOnly"),
        "{cookie}"
    );
    assert_eq!(store::referral::visits_of(&app.st.db, amy).await.unwrap(), 1);
    for bad in ["NOSUCH23", "%3Cscript%3E", "", "ab"] {
        let r = app.get(&format!("/p/{product}?ref={bad}"), None).await;
        assert_eq!(r.status, StatusCode::OK, "{bad}");
        assert!(r.cookies().iter().all(|c| !c.starts_with("qunli_ref=")), "{bad}");
    }
    // Opening one's own link records nothing.
    let r = app.get(&format!("/p/{product}?ref={code}"), Some(&amy_cookie)).await;
    assert!(r.cookies().iter().all(|c| !c.starts_with("qunli_ref=")));
    assert_eq!(store::referral::visits_of(&app.st.db, amy).await.unwrap(), 1);
}

/// Twenty withdrawal requests at the same moment give one request; the rest are told one is waiting.
#[tokio::test]
async fn concurrent_withdrawal_requests_make_one() {
    use domain::model::distribution::ProgrammeRow;
    use domain::money::Fen;
    let app = test_app().await;
    let (_, _, community, product) = app.shop().await;
    let row = ProgrammeRow {
        rules: domain::referral::default_programme(),
        enabled: true,
        freeze_days: 7,
        withdrawal_fee: Fen(0),
    };
    store::distribution::save_programme(&app.st.db, &store::testing::owner_grant(&app.st.db, community).await, &row, 1)
        .await
        .unwrap();
    let (amy, amy_cookie) = app.member("amy").await;
    let (ben, _) = app.member("ben").await;
    let now = app.st.clock.now_ms();
    let c = orders::Checkout {
        key: None,
        delivery: domain::checkout::Delivery::Ship,
        ship_to: "阿斌 13800138000 浙江省杭州市 文三路 1 号".into(),
        note: String::new(),
        lines: vec![orders::CheckoutLine { product_id: product, sku_id: None, quantity: 10 }],
        referrer: Some(amy),
    };
    let made = orders::checkout(&app.st.db, ben, &c, now, 900_000, "sandbox").await.unwrap();
    orders::apply_payment_succeeded(&app.st.db, "sandbox", "evt", made[0].payment_id, made[0].total, now)
        .await
        .unwrap();
    let g = store::testing::order_grant(&app.st.db, made[0].order_id).await;
    orders::ship(&app.st.db, &g, made[0].order_id, "顺丰", "SF1234567890", now).await.unwrap();
    orders::complete(&app.st.db, made[0].order_id, "buyer", now).await.unwrap();
    let later = now + 8 * 86_400_000;
    for id in store::distribution::due_to_settle(&app.st.db, later, 10).await.unwrap() {
        store::distribution::settle(&app.st.db, id, later).await.unwrap();
    }
    assert_eq!(store::distribution::balances(&app.st.db, community, amy).await.unwrap().available, Fen(3500));
    let mut tasks = vec![];
    for _ in 0..20 {
        let (app_router, cookie) = (app.router.clone(), amy_cookie.clone());
        let form = format!("community_id={community}&amount=30");
        tasks.push(tokio::spawn(async move {
            let req = Request::post("/api/request_withdrawal")
                .header(header::HOST, HOST)
                .header(header::ORIGIN, format!("http://{HOST}"))
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::COOKIE, cookie)
                .body(Body::from(form))
                .unwrap();
            let res = app_router.oneshot(req).await.unwrap();
            let status = res.status();
            let body = String::from_utf8_lossy(&res.into_body().collect().await.unwrap().to_bytes()).to_string();
            (status, body)
        }));
    }
    let mut ok = 0;
    for t in tasks {
        let (status, body) = t.await.unwrap();
        match status {
            StatusCode::OK => ok += 1,
            StatusCode::CONFLICT => assert!(body.contains("WithdrawalPending"), "{body}"),
            s => panic!("unexpected {s}: {body}"),
        }
    }
    assert_eq!(ok, 1);
    let b = store::distribution::balances(&app.st.db, community, amy).await.unwrap();
    assert_eq!((b.available, b.withdrawing), (Fen(500), Fen(3000)));
}

/// By application: a member applies through the form, the owner approves through theirs, and
/// only then does the member stand as a distributor; a short application is refused with the reason.
#[tokio::test]
async fn members_apply_and_owners_approve_through_the_forms() {
    use domain::model::distribution::{ProgrammeRow, Standing};
    use domain::referral::JoinMode;
    let app = test_app().await;
    let (_, owner_cookie, community, _) = app.shop().await;
    let mut rules = domain::referral::default_programme();
    rules.join = JoinMode::ByApplication;
    let row = ProgrammeRow { rules, enabled: true, freeze_days: 7, withdrawal_fee: domain::money::Fen(0) };
    store::distribution::save_programme(&app.st.db, &store::testing::owner_grant(&app.st.db, community).await, &row, 1)
        .await
        .unwrap();
    let (amy, amy_cookie) = app.member("amy").await;
    let now = app.st.clock.now_ms();
    let standing = || store::distribution::standing(&app.st.db, community, amy, now);
    assert_eq!(standing().await.unwrap(), Standing::MayApply);
    let short = app
        .post("/api/apply_distributor", &format!("community_id={community}&application=x"), Some(&amy_cookie), false)
        .await;
    assert_eq!(short.status, StatusCode::BAD_REQUEST);
    assert!(short.body.contains("BadApplication"), "{}", short.body);
    assert_eq!(standing().await.unwrap(), Standing::MayApply);
    let form = format!("community_id={community}&application=%E6%88%91%E6%9C%89%E4%B8%89%E4%B8%AA%E7%BE%A4");
    let r = app.post("/api/apply_distributor", &form, Some(&amy_cookie), true).await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", r.body);
    assert_eq!(standing().await.unwrap(), Standing::Applied);
    // Applying again while waiting changes nothing.
    app.post("/api/apply_distributor", &form, Some(&amy_cookie), true).await;
    assert_eq!(standing().await.unwrap(), Standing::Applied);
    let owner_id = store::communities::by_id(&app.st.db, community).await.unwrap().unwrap().owner_id;
    let told = store::notifications::list_and_mark_read(&app.st.db, owner_id, now).await.unwrap();
    assert_eq!(told.iter().filter(|n| n.kind == "distributor_applied").count(), 1, "the owner hears of it once");
    // Amy cannot approve herself; the owner can.
    let decide = format!("community_id={community}&user_id={amy}&approve=yes");
    assert_eq!(
        app.post("/api/decide_application", &decide, Some(&amy_cookie), false).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(standing().await.unwrap(), Standing::Applied);
    let list = store::distribution::distributors(&app.st.db, community).await.unwrap();
    assert_eq!((list[0].status.as_str(), list[0].application.as_str()), ("applied", "我有三个群"));
    let r = app.post("/api/decide_application", &decide, Some(&owner_cookie), false).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(standing().await.unwrap(), Standing::Active { level: None });
    // Deciding twice finds nothing to decide.
    assert_eq!(
        app.post("/api/decide_application", &decide, Some(&owner_cookie), false).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn long_order_lists_continue_with_a_more_link_that_works_without_javascript() {
    let app = test_app().await;
    let (_, owner_cookie, community, product) = app.shop().await;
    let (buyer, _) = app.member("buyer").await;
    let now = app.st.clock.now_ms();
    sqlx::query("UPDATE skus SET stock = 1000 WHERE product_id = $1")
        .bind(product)
        .execute(&app.st.db.pool)
        .await
        .unwrap();
    for _ in 0..app::api::PAGE + 1 {
        store::testing::create_buy_now(&app.st.db, buyer, product, None, 1, now, 900_000, "sandbox").await.unwrap();
    }
    let first = app.get(&format!("/console/c/{community}/orders?tab=all"), Some(&owner_cookie)).await;
    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(first.body.matches("class=\"card order-card\"").count(), app::api::PAGE as usize);
    let at = first.body.find("data-more").expect("a 更多 link after a full page");
    let href_start = first.body[..at].rfind("href=\"").unwrap() + 6;
    let href = &first.body[href_start..href_start + first.body[href_start..].find('"').unwrap()];
    assert!(href.starts_with(&format!("/console/c/{community}/orders?tab=all&amp;before=")), "{href}");
    let second = app.get(&href.replace("&amp;", "&"), Some(&owner_cookie)).await;
    assert_eq!(second.body.matches("class=\"card order-card\"").count(), 1);
    assert!(!second.body.contains("data-more"), "the last page has no link to an empty one");
}
