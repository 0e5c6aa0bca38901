#![allow(
    clippy::unwrap_used,
    dead_code,
    reason = "a test stops where its setup fails; each test file uses part of this"
)]

//! What the HTTP tests share: a fresh app on its own SQLite file behind the real router
//! (`tower::ServiceExt::oneshot`), requests as the site's own pages send them, and fixtures.

pub use app::ctx::AppState;
pub use axum::body::Body;
pub use axum::http::{header, Request, StatusCode};
use axum::Router;
pub use domain::account::Account;
pub use domain::money::Fen;
pub use http_body_util::BodyExt;
use server::config::Config;
pub use std::sync::atomic::{AtomicU64, Ordering};
pub use tower::ServiceExt;

pub static SEQ: AtomicU64 = AtomicU64::new(0);
pub const HOST: &str = "127.0.0.1:3000";

pub struct TestApp {
    pub st: AppState,
    pub router: Router,
    pub dir: std::path::PathBuf,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn location(&self) -> Option<&str> {
        self.headers.get(header::LOCATION).and_then(|v| v.to_str().ok())
    }

    /// The flash a form's redirect left (the error or notice the next page shows).
    pub fn flash(&self) -> Option<app::flash::Flash> {
        let cookie = self.cookies().into_iter().find(|c| c.starts_with("qunli_flash="))?;
        let value = cookie.trim_start_matches("qunli_flash=").split(';').next()?.to_string();
        app::flash::decode_flash(&value)
    }

    pub fn cookies(&self) -> Vec<String> {
        self.headers.get_all(header::SET_COOKIE).iter().filter_map(|v| v.to_str().ok()).map(str::to_string).collect()
    }
}

pub async fn test_app() -> TestApp {
    test_app_with(&[]).await
}

/// An app with some settings of its own (`QUNLI_…` variables) over the test defaults.
pub async fn test_app_with(vars: &[(&str, &str)]) -> TestApp {
    let n = SEQ.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("qunli-http-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let dir_s = dir.to_string_lossy().to_string();
    let cfg = Config::from_vars(|k| match k {
        _ if vars.iter().any(|(v, _)| *v == k) => vars.iter().find(|(v, _)| *v == k).map(|(_, x)| x.to_string()),
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
    pub async fn send(&self, req: Request<Body>) -> Reply {
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        Reply { status, headers, body: String::from_utf8_lossy(&bytes).to_string() }
    }

    pub async fn get(&self, path: &str, cookie: Option<&str>) -> Reply {
        let mut b = Request::get(path).header(header::HOST, HOST).header(header::ACCEPT, "text/html");
        if let Some(c) = cookie {
            b = b.header(header::COOKIE, c);
        }
        self.send(b.body(Body::empty()).unwrap()).await
    }

    /// A POST as this site's own page would send it: same origin, form-encoded.
    pub async fn post(&self, path: &str, form: &str, cookie: Option<&str>, html: bool) -> Reply {
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
    pub async fn member(&self, tag: &str) -> (i64, String) {
        let n = SEQ.fetch_add(1, Ordering::Relaxed);
        let id = store::users::create(&self.st.db, &Account::Email(format!("{tag}{n}@qunli.test")), "x", tag, 1)
            .await
            .unwrap();
        let (token, hash) = app::auth::new_token();
        store::users::create_session(&self.st.db, &hash, id, 1, i64::MAX / 2).await.unwrap();
        (id, format!("qunli_session={token}"))
    }

    pub async fn user_count(&self) -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(&self.st.db.pool).await.unwrap()
    }

    /// An owner's community with one product on sale (¥35.00, was ¥90.00, 20 in stock).
    pub async fn shop(&self) -> (i64, String, i64, i64) {
        use store::testing::{shop_with, ShopSpec};
        let (owner, cookie) = self.member("owner").await;
        let intro = "<script>alert(1)</script>冰鲜直发";
        let s =
            shop_with(&self.st.db, ShopSpec { owner: Some(owner), intro, per_order_limit: 10, ..ShopSpec::default() })
                .await;
        (owner, cookie, s.community, s.product)
    }
}

pub fn multipart(bytes: &[u8], filename: &str) -> (String, Vec<u8>) {
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

pub fn png_bytes() -> Vec<u8> {
    let img = image::RgbImage::from_fn(640, 480, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 40]));
    let mut out = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img).write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

/// A running activity (3人团 ¥29.90) on the shop's product; returns its id.
pub async fn group_activity(app: &TestApp, product: i64, community: i64) -> i64 {
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
pub async fn take_and_pay(app: &TestApp, product: i64, target: &str, cookie: &str) -> i64 {
    let form = format!("product_id={product}&target={target}&quantity=1&delivery=pickup");
    let r = app.post("/api/group_buy", &form, Some(cookie), false).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let order: i64 = r.body.trim().parse().unwrap();
    let paid = app.post("/api/sandbox_pay", &format!("order_id={order}"), Some(cookie), false).await;
    assert_eq!(paid.status, StatusCode::OK, "{}", paid.body);
    order
}

/// A community with distribution on, where member Amy referred Ben's ¥350 order (paid through
/// the sandbox, completed) and her 10 % commission, ¥35, has settled: (community, Amy, her cookie).
pub async fn distributor_with_settled_commission(app: &TestApp) -> (i64, i64, String) {
    use domain::model::distribution::ProgrammeRow;
    use store::orders;
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
    (community, amy, amy_cookie)
}
