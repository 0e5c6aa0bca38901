#![allow(clippy::unwrap_used, reason = "a test stops where its setup fails")]

//! What Qunli promises about security, tested through the real router, grouped so a reader sees
//! each promise: access control (a member reaches only what is theirs), cross-site requests,
//! sessions and accounts, limits on what anyone can make the server do, uploads, webhooks and
//! test hooks, and what pages and headers let a browser run.

mod support;

use domain::order::OrderStatus;
use store::{self, orders};
use support::*;

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

// ---- Limits: sign-in, sign-up and the password work behind them ----

/// A sign-in as the site's form sends it, from `forwarded` (the proxy's client-address header).
async fn sign_in_from(app: &TestApp, account: &str, password: &str, forwarded: Option<&str>) -> Reply {
    sign_in_with(app, account, password, forwarded, None).await
}

async fn sign_in_with(
    app: &TestApp,
    account: &str,
    password: &str,
    forwarded: Option<&str>,
    cookie: Option<&str>,
) -> Reply {
    let mut b = Request::post("/api/sign_in")
        .header(header::HOST, HOST)
        .header(header::ORIGIN, format!("http://{HOST}"))
        .header("sec-fetch-site", "same-origin")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(f) = forwarded {
        b = b.header("x-forwarded-for", f);
    }
    if let Some(c) = cookie {
        b = b.header(header::COOKIE, c);
    }
    let form = format!("account={account}&password={password}");
    app.send(b.body(Body::from(form)).unwrap()).await
}

fn is_limited(r: &Reply) -> bool {
    r.status == StatusCode::TOO_MANY_REQUESTS && r.headers.contains_key(header::RETRY_AFTER)
}

#[tokio::test]
async fn entries_a_client_adds_to_the_address_header_do_not_reset_the_address_limit() {
    let app = test_app_with(&[("QUNLI_CLIENT_IP_HEADER", "x-forwarded-for")]).await;
    let burst = domain::limits::Action::SignInFromAddress.rate().burst;
    // Each guess is for another account (so no account's own delay applies) and claims another
    // address in front of the one the proxy appended.
    for i in 0..burst {
        let r = sign_in_from(
            &app,
            &format!("guess{i}@qunli.test"),
            "wrong-password",
            Some(&format!("10.9.{}.{}, 198.51.100.7", i / 200, i % 200)),
        )
        .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "guess {i}: {}", r.body);
    }
    let r = sign_in_from(&app, "one-more@qunli.test", "wrong-password", Some("10.200.0.1, 198.51.100.7")).await;
    assert!(is_limited(&r), "{} {}", r.status, r.body);
    assert!(r.body.contains("TooManyAttempts"), "{}", r.body);
    // Nor does a line of its own in front of the proxy's line.
    let two_lines = Request::post("/api/sign_in")
        .header(header::HOST, HOST)
        .header(header::ORIGIN, format!("http://{HOST}"))
        .header("sec-fetch-site", "same-origin")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header("x-forwarded-for", "10.77.0.1")
        .header("x-forwarded-for", "198.51.100.7")
        .body(Body::from("account=two-lines@qunli.test&password=wrong-password"))
        .unwrap();
    assert!(is_limited(&app.send(two_lines).await));
    // Without any client entry the same proxy entry is the same address.
    assert!(is_limited(&sign_in_from(&app, "one-more@qunli.test", "wrong-password", Some("198.51.100.7")).await));
    // Another client of the same proxy is not affected; an IPv6 client counts by its /64.
    let other = sign_in_from(&app, "one-more@qunli.test", "wrong-password", Some("198.51.100.8")).await;
    assert_eq!(other.status, StatusCode::BAD_REQUEST);
    let key = domain::net::client_key(Some("2001:db8:1:2::5"), 1, None);
    assert_eq!(key, domain::net::client_key(Some("2001:db8:1:2:ffff::9"), 1, None));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_guesses_at_one_account_get_only_the_free_password_checks() {
    let app = test_app().await;
    let hash = app::auth::hash_password(&app.st.hashing, "the-right-password".into()).await.unwrap();
    store::users::create(&app.st.db, &Account::Phone("13900000042".into()), &hash, "阿梅", 1).await.unwrap();
    // 40 guesses: the address's own limit (50 per quarter hour) stays out of the way.
    let guesses: Vec<_> = (0..40)
        .map(|i| {
            let router = app.router.clone();
            tokio::spawn(async move {
                let form = format!("account=13900000042&password=wrong-guess-{i}");
                let req = Request::post("/api/sign_in")
                    .header(header::HOST, HOST)
                    .header(header::ORIGIN, format!("http://{HOST}"))
                    .header("sec-fetch-site", "same-origin")
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body(Body::from(form))
                    .unwrap();
                router.oneshot(req).await.unwrap().status()
            })
        })
        .collect();
    let mut checked = 0;
    for g in guesses {
        match g.await.unwrap() {
            StatusCode::BAD_REQUEST => checked += 1,
            StatusCode::TOO_MANY_REQUESTS => {}
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(checked, domain::limits::FREE_ATTEMPTS, "wrong passwords checked");
    // The member now waits (30 s), even with the right password; there is no 15-minute lock-out.
    let r = sign_in_from(&app, "13900000042", "the-right-password", None).await;
    assert!(is_limited(&r));
    assert!(r.body.contains("\"seconds\":30") || r.body.contains("\"seconds\":29"), "{}", r.body);
    app.st.clock.advance(31_000);
    let ok = sign_in_from(&app, "13900000042", "the-right-password", None).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    // Success starts the count again: a mistype right after costs nothing.
    assert_eq!(sign_in_from(&app, "13900000042", "typo", None).await.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_stranger_guessing_cannot_make_the_member_wait_on_a_browser_she_used_before() {
    let app = test_app().await;
    let hash = app::auth::hash_password(&app.st.hashing, "the-right-password".into()).await.unwrap();
    store::users::create(&app.st.db, &Account::Phone("13900000049".into()), &hash, "阿梅", 1).await.unwrap();
    let first = sign_in_from(&app, "13900000049", "the-right-password", None).await;
    let mark = first.cookies().into_iter().find(|c| c.starts_with("qunli_device=")).expect("a device mark");
    let mark = mark.split(';').next().unwrap().to_string();
    // Someone else guesses until the account makes strangers wait.
    for i in 0..domain::limits::FREE_ATTEMPTS {
        let r = sign_in_from(&app, "13900000049", &format!("guess-{i}"), None).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
    }
    assert!(is_limited(&sign_in_from(&app, "13900000049", "the-right-password", None).await));
    // 阿梅, on the phone she signed in from before, is not held up.
    let r = sign_in_with(&app, "13900000049", "the-right-password", None, Some(&mark)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // A made-up mark, or one for another account, counts as no mark.
    let other_mark = app::auth::device_mark(&app.st.settings, "13900000050");
    for fake in ["qunli_device=0123456789abcdef.00".to_string(), format!("qunli_device={other_mark}")] {
        assert!(is_limited(&sign_in_with(&app, "13900000049", "the-right-password", None, Some(&fake)).await));
    }
}

#[tokio::test]
async fn password_work_beyond_the_cores_and_a_short_queue_is_refused_with_a_retry_hint() {
    let app = test_app().await;
    let gate = &app.st.hashing;
    let slots = gate.capacity();
    assert!(slots >= 3, "cores plus a queue");
    let held = gate.fill().unwrap();
    let r = sign_in_from(&app, "13900000043", "some-password", None).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.body);
    assert_eq!(r.headers.get(header::RETRY_AFTER).unwrap(), "1");
    let up = app.post("/api/sign_up", "account=13900000044&password=long-enough-1", None, false).await;
    assert_eq!(up.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(app.user_count().await, 0, "nothing was written");
    drop(held);
    assert_eq!(gate.capacity(), slots);
    let up = app.post("/api/sign_up", "account=13900000044&password=long-enough-1", None, false).await;
    assert_eq!(up.status, StatusCode::OK, "{}", up.body);
}

#[tokio::test]
async fn signing_up_again_signs_in_with_the_right_password_and_counts_a_wrong_one() {
    let app = test_app().await;
    let form = |pw: &str| format!("account=13900000048&password={pw}");
    assert_eq!(app.post("/api/sign_up", &form("first-password"), None, false).await.status, StatusCode::OK);
    let again = app.post("/api/sign_up", &form("first-password"), None, false).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    assert!(again.cookies().iter().any(|c| c.starts_with("qunli_session=") && !c.starts_with("qunli_session=;")));
    for _ in 0..domain::limits::FREE_ATTEMPTS {
        let wrong = app.post("/api/sign_up", &form("other-password"), None, false).await;
        assert!(wrong.body.contains("AccountExists"), "{}", wrong.body);
    }
    // Those were guesses at the account's password: its delay applies to sign-in too.
    assert!(is_limited(&sign_in_from(&app, "13900000048", "first-password", None).await));
    assert_eq!(app.user_count().await, 1);
}

#[tokio::test]
async fn sign_ups_are_limited_per_address() {
    let app = test_app_with(&[("QUNLI_CLIENT_IP_HEADER", "x-forwarded-for")]).await;
    let burst = domain::limits::Action::SignUpFromAddress.rate().burst;
    let sign_up = |i: i64, from: &'static str| {
        let req = Request::post("/api/sign_up")
            .header(header::HOST, HOST)
            .header(header::ORIGIN, format!("http://{HOST}"))
            .header("sec-fetch-site", "same-origin")
            .header("x-forwarded-for", from)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(format!("account=new{i}@qunli.test&password=long-enough-1")))
            .unwrap();
        app.send(req)
    };
    for i in 0..burst {
        assert_eq!(sign_up(i, "203.0.113.9").await.status, StatusCode::OK);
    }
    assert!(is_limited(&sign_up(burst, "203.0.113.9").await));
    assert_eq!(app.user_count().await, burst);
    assert_eq!(sign_up(burst, "203.0.113.10").await.status, StatusCode::OK, "another address");
}

// ---- Uploads ----

#[tokio::test]
async fn a_photo_that_claims_too_many_pixels_is_refused_before_decoding_and_uploads_are_limited() {
    let app = test_app().await;
    let (owner_id, owner, _, product) = app.shop().await;
    let upload = |bytes: &[u8]| {
        let (ct, body) = multipart(bytes, "flat.png");
        Request::post(format!("/console/p/{product}/photos"))
            .header(header::HOST, HOST)
            .header(header::ORIGIN, format!("http://{HOST}"))
            .header(header::CONTENT_TYPE, ct)
            .header(header::COOKIE, owner.clone())
            .body(Body::from(body))
            .unwrap()
    };
    let flat = include_bytes!("../../app/tests/fixtures/flat-12000x11000.png");
    let started = std::time::Instant::now();
    let r = app.send(upload(flat)).await;
    assert!(started.elapsed() < std::time::Duration::from_secs(1), "{:?}", started.elapsed());
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.flash().unwrap().error, Some(app::error::AppError::Rule(domain::Error::PhotoTooLarge)));
    assert_eq!(store::products::images(&app.st.db, product).await.unwrap(), vec!["salmon".to_string()]);
    // The owner's upload bucket is spent by a burst (each attempt takes a token): the next is
    // refused with the wait, and nothing is decoded.
    let burst = domain::limits::Action::Upload.rate().burst;
    for _ in 1..burst {
        store::limits::take(&app.st.db, domain::limits::Action::Upload, owner_id, app.st.clock.now_ms()).await.unwrap();
    }
    let r = app.send(upload(&png_bytes())).await;
    let f = r.flash().unwrap();
    assert!(
        matches!(f.error, Some(app::error::AppError::Rule(domain::Error::TooManyAttempts { .. }))),
        "{:?}",
        f.error
    );
    assert_eq!(store::products::images(&app.st.db, product).await.unwrap().len(), 1);
}

#[tokio::test]
async fn request_bodies_beyond_the_limit_are_refused_before_they_are_read() {
    let app = test_app().await;
    let big = format!("account=13900000045&password={}", "x".repeat(server::router::MAX_BODY_BYTES));
    for path in ["/api/sign_in", "/api/sign_up", "/webhooks/sandbox"] {
        let r = app.post(path, &big, None, false).await;
        assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{path}");
    }
    assert_eq!(app.user_count().await, 0);
    // A long form within the limit is read as usual (and answered by the rules).
    let r = app.post("/api/sign_in", &format!("account=13900000045&password={}", "x".repeat(1000)), None, false).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

// ---- GET changes nothing a page can trigger ----

#[tokio::test]
async fn a_referral_link_loaded_as_an_image_sets_no_cookie_and_records_no_visit() {
    let app = test_app().await;
    let (_, _, _, product) = app.shop().await;
    let (amy, _) = app.member("amy").await;
    let code = store::referral::code_for(&app.st.db, amy, 1).await.unwrap();
    let fetch = |mode: &str, dest: &str, accept: &str| {
        Request::get(format!("/p/{product}?ref={code}"))
            .header(header::HOST, HOST)
            .header("sec-fetch-mode", mode)
            .header("sec-fetch-dest", dest)
            .header(header::ACCEPT, accept)
            .body(Body::empty())
            .unwrap()
    };
    // An <img> in someone's description, a fetch from a script, a frame: nothing.
    for (mode, dest, accept) in [
        ("no-cors", "image", "image/avif,image/webp,*/*"),
        ("cors", "empty", "*/*"),
        ("no-cors", "script", "*/*"),
        ("navigate", "iframe", "text/html"),
    ] {
        let r = app.send(fetch(mode, dest, accept)).await;
        assert!(r.cookies().iter().all(|c| !c.starts_with("qunli_ref=")), "{dest}");
    }
    let old_browser_image =
        Request::get(format!("/p/{product}?ref={code}")).header(header::HOST, HOST).header(header::ACCEPT, "image/*");
    let r = app.send(old_browser_image.body(Body::empty()).unwrap()).await;
    assert!(r.cookies().iter().all(|c| !c.starts_with("qunli_ref=")));
    assert_eq!(store::referral::visits_of(&app.st.db, amy).await.unwrap(), 0);
    // Opening the link is a visit, once a day however often it is opened.
    for _ in 0..3 {
        let r = app.send(fetch("navigate", "document", "text/html")).await;
        assert!(r.cookies().iter().any(|c| c.starts_with(&format!("qunli_ref={code};"))));
    }
    assert_eq!(store::referral::visits_of(&app.st.db, amy).await.unwrap(), 1);
}

#[tokio::test]
async fn notifications_are_marked_read_only_when_the_member_opens_them() {
    let app = test_app().await;
    let (id, cookie) = app.member("mei").await;
    sqlx::query(
        "INSERT INTO notifications (id, user_id, kind, order_id, amount, created_at) VALUES ($1, $2, 'order_paid', NULL, 0, 1)",
    )
    .bind(app.st.db.id())
    .bind(id)
    .execute(&app.st.db.pool)
    .await
    .unwrap();
    let fetch = |mode: &str, dest: &str| {
        Request::get("/me/notifications")
            .header(header::HOST, HOST)
            .header(header::COOKIE, cookie.clone())
            .header("sec-fetch-mode", mode)
            .header("sec-fetch-dest", dest)
            .body(Body::empty())
            .unwrap()
    };
    assert_eq!(app.send(fetch("no-cors", "image")).await.status, StatusCode::OK);
    assert_eq!(store::notifications::unread_count(&app.st.db, id).await.unwrap(), 1);
    assert_eq!(app.send(fetch("navigate", "document")).await.status, StatusCode::OK);
    assert_eq!(store::notifications::unread_count(&app.st.db, id).await.unwrap(), 0);
}

// ---- Bad input never answers 500 ----

/// Every server function, called with arguments that do not decode (missing, empty, not a
/// number, too big for one, NUL), by a script and by a browser's form post: a 400 with the
/// message (or back to the form with it), never a 500. Arguments that decode but name nothing
/// get the rules' answers (404, 403…), never a 500 either.
#[tokio::test]
async fn every_server_function_answers_undecodable_arguments_with_400() {
    let app = test_app().await;
    let (_, cookie) = app.member("sweeper").await;
    // Every argument name that holds a number somewhere.
    let numbers = [
        "community_id",
        "product_id",
        "order_id",
        "sku_id",
        "before",
        "refund_id",
        "item_id",
        "address_id",
        "activity_id",
        "withdrawal_id",
        "user_id",
        "team_id",
        "q",
        "id",
    ];
    let paths: Vec<_> = leptos::server_fn::axum::server_fn_paths().collect();
    assert!(paths.len() > 40, "{} server functions found", paths.len());
    let mut tried = 0;
    for (path, method) in &paths {
        assert_eq!(*method, axum::http::Method::POST, "{path}");
        for garbage in ["", "abc", "99999999999999999999", "1e308", "%00", "-1"] {
            let form: Vec<String> = numbers.iter().map(|n| format!("{n}={garbage}")).collect();
            let form = form.join("&");
            for (body, html) in [(form.as_str(), false), (form.as_str(), true), ("", false)] {
                let r = app.post(path, body, Some(&cookie), html).await;
                tried += 1;
                assert_ne!(r.status, StatusCode::INTERNAL_SERVER_ERROR, "{path} {body:?} html={html}: {}", r.body);
                if html {
                    // A browser's form always goes somewhere it can show the answer.
                    assert_eq!(r.status, StatusCode::FOUND, "{path} {body:?}: {}", r.body);
                    let here = format!("http://{HOST}/");
                    let local = |l: &str| (l.starts_with('/') && !l.starts_with("//")) || l.starts_with(&here);
                    assert!(r.location().is_some_and(local), "{path}: {:?}", r.location());
                } else if r.body.contains("BadRequest") {
                    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{path} {body:?}");
                }
            }
        }
    }
    assert!(tried > 500);
    // A form post whose page sent a referrer like `http://host//evil.example/` goes back to `/`.
    let b = Request::post("/api/ship_order")
        .header(header::HOST, HOST)
        .header(header::ORIGIN, format!("http://{HOST}"))
        .header("sec-fetch-site", "same-origin")
        .header(header::ACCEPT, "text/html")
        .header(header::REFERER, format!("http://{HOST}//evil.example/x"))
        .header(header::COOKIE, cookie.clone())
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    let r = app.send(b.body(Body::from("order_id=abc")).unwrap()).await;
    assert_eq!(r.status, StatusCode::FOUND);
    assert_eq!(r.location(), Some("/"));
    assert_eq!(r.flash().unwrap().error, Some(app::error::AppError::Rule(domain::Error::BadRequest)));
}

// ---- Sessions and accounts ----

/// Signs `account` in with `password`; the session cookie header on success.
async fn session_for(app: &TestApp, account: &str, password: &str) -> Option<String> {
    let r = sign_in_from(app, account, password, None).await;
    let c = r.cookies().into_iter().find(|c| c.starts_with("qunli_session="))?;
    Some(c.split(';').next()?.to_string())
}

#[tokio::test]
async fn a_new_password_signs_out_every_other_device_and_sign_out_everywhere_ends_them_all() {
    let app = test_app().await;
    let hash = app::auth::hash_password(&app.st.hashing, "first-password".into()).await.unwrap();
    store::users::create(&app.st.db, &Account::Phone("13900000046".into()), &hash, "阿梅", 1).await.unwrap();
    let phone = session_for(&app, "13900000046", "first-password").await.unwrap();
    let laptop = session_for(&app, "13900000046", "first-password").await.unwrap();
    let app = &app;
    let signed_in = |c: String| async move { app.get("/me/security", Some(&c)).await.body.contains("当前密码") };
    assert!(signed_in(phone.clone()).await && signed_in(laptop.clone()).await);
    // The current password is checked (a wrong one changes nothing), the new one must be valid.
    let wrong =
        app.post("/api/change_password", "current_password=guess&password=second-password", Some(&phone), true).await;
    assert_eq!(wrong.flash().unwrap().error, Some(app::error::AppError::Rule(domain::Error::WrongCurrentPassword)));
    let short =
        app.post("/api/change_password", "current_password=first-password&password=short", Some(&phone), true).await;
    assert_eq!(short.flash().unwrap().error, Some(app::error::AppError::Rule(domain::Error::PasswordTooShort)));
    assert!(signed_in(laptop.clone()).await);
    let ok = app
        .post("/api/change_password", "current_password=first-password&password=second-password", Some(&phone), true)
        .await;
    assert_eq!(ok.location(), Some("/me/security"));
    assert!(signed_in(phone.clone()).await, "this device stays signed in");
    assert!(!signed_in(laptop).await, "the other device is signed out");
    assert!(session_for(app, "13900000046", "first-password").await.is_none());
    let tablet = session_for(app, "13900000046", "second-password").await.unwrap();
    // Sign out everywhere: both sessions end, and the cookie is cleared.
    let r = app.post("/api/sign_out_everywhere", "", Some(&phone), true).await;
    assert_eq!(r.location(), Some("/signin"));
    assert!(r.cookies().iter().any(|c| c.starts_with("qunli_session=;")));
    assert!(!signed_in(phone).await && !signed_in(tablet).await);
}

#[tokio::test]
async fn the_jobs_purge_expired_sessions_and_spent_limits() {
    let app = test_app().await;
    let (id, _) = app.member("old").await;
    store::users::create_session(&app.st.db, "expired", id, 1, 2).await.unwrap();
    store::limits::take(&app.st.db, domain::limits::Action::Upload, id, 1).await.unwrap();
    let count = |sql: &'static str| {
        let pool = app.st.db.pool.clone();
        async move { sqlx::query_scalar::<_, i64>(sql).fetch_one(&pool).await.unwrap() }
    };
    let (sessions, buckets) = ("SELECT COUNT(*) FROM sessions", "SELECT COUNT(*) FROM rate_limits");
    assert_eq!((count(sessions).await, count(buckets).await), (2, 1));
    let report = server::jobs::run_once(&app.st).await.unwrap();
    assert!(report.purged >= 2, "{report:?}");
    assert_eq!((count(sessions).await, count(buckets).await), (1, 0), "the live session stays");
}

// ---- Safe defaults and headers ----

#[tokio::test]
async fn pages_allow_only_this_sites_scripts_and_the_one_hydration_script() {
    let app = test_app().await;
    let (_, _, _, product) = app.shop().await;
    let page = app.get(&format!("/p/{product}"), None).await;
    let csp = page.headers.get(header::CONTENT_SECURITY_POLICY).unwrap().to_str().unwrap().to_string();
    let nonce = csp.split("'nonce-").nth(1).and_then(|r| r.split('\'').next()).unwrap().to_string();
    assert!(nonce.len() >= 22, "{csp}");
    for part in ["script-src 'self' 'nonce-", "frame-ancestors 'none'", "object-src 'none'", "base-uri 'none'"] {
        assert!(csp.contains(part), "{part}: {csp}");
    }
    assert!(
        !csp.contains("'unsafe-inline'")
            || !csp.split(';').any(|d| d.contains("script-src") && d.contains("unsafe-inline"))
    );
    // Every inline script on the page carries the nonce; each response has its own.
    let scripts = page.body.matches("<script").count();
    assert!(scripts >= 1, "the product page has islands");
    assert_eq!(page.body.matches(&format!("nonce=\"{nonce}\"")).count(), scripts, "{}", page.body);
    let again = app.get(&format!("/p/{product}"), None).await;
    assert!(!again.headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap().contains(&nonce));
    let h = |r: &Reply, name: &str| r.headers.get(name).map(|v| v.to_str().unwrap().to_string());
    assert_eq!(h(&page, "referrer-policy").as_deref(), Some("strict-origin-when-cross-origin"));
    assert_eq!(h(&page, "x-content-type-options").as_deref(), Some("nosniff"));
    assert_eq!(h(&page, "strict-transport-security"), None, "no HSTS on plain http");
    // Not a page: nothing may load, nothing may frame it.
    let api = app.post("/api/sign_in", "account=x", None, false).await;
    assert_eq!(h(&api, "content-security-policy").as_deref(), Some("default-src 'none'; frame-ancestors 'none'"));
}

#[tokio::test]
async fn on_https_every_cookie_is_secure_and_browsers_are_told_to_stay_on_https() {
    let app = test_app_with(&[("QUNLI_BASE_URL", "https://shop.example.com")]).await;
    let (_, _, _, product) = app.shop().await;
    let (amy, _) = app.member("amy").await;
    let code = store::referral::code_for(&app.st.db, amy, 1).await.unwrap();
    let mut cookies = app.get(&format!("/p/{product}?ref={code}"), None).await.cookies();
    cookies.extend(app.post("/api/sign_up", "account=13900000047&password=long-enough-1", None, true).await.cookies());
    cookies.extend(app.post("/api/set_language", "lang=en", None, true).await.cookies());
    cookies.extend(app.post("/api/sign_in", "account=bad", None, true).await.cookies());
    let names: Vec<&str> = cookies.iter().filter_map(|c| c.split('=').next()).collect();
    for name in ["qunli_ref", "__Host-qunli_session", "qunli_lang", "qunli_flash"] {
        assert!(names.contains(&name), "{name}: {cookies:?}");
    }
    for c in &cookies {
        assert!(c.split(';').any(|a| a.trim() == "Secure"), "{c}");
    }
    let page = app.get("/", None).await;
    assert!(page.headers.get(header::STRICT_TRANSPORT_SECURITY).is_some());
}

#[tokio::test]
async fn metrics_can_be_kept_behind_a_token_or_off_the_public_address() {
    use std::sync::Arc;
    let app = test_app().await;
    let metrics = Arc::new(server::metrics::Metrics::new());
    let token = "a-metrics-token-0123456789";
    let guarded = server::router_with(
        app.st.clone(),
        metrics.clone(),
        server::MetricsAccess { separate: false, token: Some(token.into()) },
    );
    let get = |router: axum::Router, auth: Option<String>| async move {
        let mut b = Request::get("/metrics").header(header::HOST, HOST);
        if let Some(a) = auth {
            b = b.header(header::AUTHORIZATION, a);
        }
        router.oneshot(b.body(Body::empty()).unwrap()).await.unwrap().status()
    };
    assert_eq!(get(guarded.clone(), None).await, StatusCode::UNAUTHORIZED);
    assert_eq!(get(guarded.clone(), Some("Bearer wrong-token-0123456789".into())).await, StatusCode::UNAUTHORIZED);
    assert_eq!(get(guarded, Some(format!("Bearer {token}"))).await, StatusCode::OK);
    let access = server::MetricsAccess { separate: true, token: None };
    let public = server::router_with(app.st.clone(), metrics.clone(), access.clone());
    assert_eq!(get(public, None).await, StatusCode::NOT_FOUND);
    assert_eq!(get(server::metrics_router(app.st.clone(), metrics, access), None).await, StatusCode::OK);
}

#[tokio::test]
async fn the_sandbox_can_be_switched_off() {
    let app = test_app_with(&[("QUNLI_SANDBOX", "off")]).await;
    let (_, _, _, product) = app.shop().await;
    let (buyer, cookie) = app.member("buyer").await;
    let now = app.st.clock.now_ms();
    let made = store::testing::create_buy_now(&app.st.db, buyer, product, None, 1, now, 900_000, "sandbox")
        .await
        .unwrap()
        .order_id;
    let r = app.post("/api/sandbox_pay", &format!("order_id={made}"), Some(&cookie), false).await;
    assert!(r.body.contains("PaymentUnavailable"), "{} {}", r.status, r.body);
    assert_eq!(store::orders::by_id(&app.st.db, made).await.unwrap().unwrap().status, OrderStatus::PendingPayment);
    let hook = app.post("/webhooks/sandbox", "{}", None, false).await;
    assert_eq!(hook.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn where_money_is_real_sandbox_commissions_cannot_be_withdrawn_and_owners_are_warned() {
    // Not the demo (no demo seed), sandbox on: its payments are play money. Switching the
    // sandbox off afterwards does not turn them into real money.
    let app = test_app().await;
    assert!(app.st.settings.sandbox_is_play_money());
    let switched_off = test_app_with(&[("QUNLI_SANDBOX", "off")]).await;
    assert_eq!(switched_off.st.settings.play_money_provider(), Some("sandbox"));
    let (community, amy, amy_cookie) = distributor_with_settled_commission(&app).await;
    let before = store::distribution::balances(&app.st.db, community, amy).await.unwrap();
    let r = app
        .post("/api/request_withdrawal", &format!("community_id={community}&amount=30"), Some(&amy_cookie), false)
        .await;
    assert!(r.body.contains("SandboxMoney"), "{} {}", r.status, r.body);
    assert_eq!(store::distribution::balances(&app.st.db, community, amy).await.unwrap(), before, "nothing moved");
    let owner_id = store::communities::by_id(&app.st.db, community).await.unwrap().unwrap().owner_id;
    let (token, hash) = app::auth::new_token();
    store::users::create_session(&app.st.db, &hash, owner_id, 1, i64::MAX / 2).await.unwrap();
    let console = app.get("/console", Some(&format!("qunli_session={token}"))).await;
    assert!(console.body.contains("沙箱支付已开启"), "{}", console.body);
}

// ---- Streams ----

#[tokio::test]
async fn live_streams_answer_404_for_nothing_and_are_capped_and_end_in_time() {
    use server::sse::{live_stream, Live, Topic};
    let app = test_app().await;
    for path in ["/live/t/999", "/live/a/999"] {
        assert_eq!(app.get(path, None).await.status, StatusCode::NOT_FOUND, "{path}");
    }
    let (_, _, community, product) = app.shop().await;
    let activity = group_activity(&app, product, community).await;
    let live = Live::bounded(2, std::time::Duration::from_millis(300));
    let open = || live_stream(app.st.clone(), live.clone(), Topic::Activity(activity));
    // Twenty pages opening at once: two streams, the rest told to come back.
    let mut opened = futures::future::join_all((0..20).map(|_| open())).await;
    let refused: Vec<_> = opened.iter().filter(|r| r.status() == StatusCode::SERVICE_UNAVAILABLE).collect();
    assert_eq!(refused.len(), 18);
    assert!(refused.iter().all(|r| r.headers().contains_key(header::RETRY_AFTER)));
    opened.retain(|r| r.status() == StatusCode::OK);
    let first = opened.pop().unwrap();
    // A stream ends by itself after its lifetime, telling the browser when to reconnect.
    let started = std::time::Instant::now();
    let body = first.into_body().collect().await.unwrap().to_bytes();
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    let text = String::from_utf8_lossy(&body);
    assert!(text.contains("retry: 2000") && text.contains("data: "), "{text}");
    // Its place is free again.
    assert_eq!(open().await.status(), StatusCode::OK);
}

// ---- Lists ----

#[tokio::test]
async fn an_orders_export_holds_every_order_however_many_pages_it_takes() {
    use store::testing::{shop_with, ShopSpec};
    let app = test_app().await;
    let (owner_id, owner) = app.member("owner").await;
    let s = shop_with(&app.st.db, ShopSpec { owner: Some(owner_id), stock: 2_000, ..ShopSpec::default() }).await;
    let now = app.st.clock.now_ms();
    let mut ids = std::collections::BTreeSet::new();
    for _ in 0..1_105 {
        let c = store::testing::create_buy_now(&app.st.db, s.buyer, s.product, None, 1, now, 900_000, "sandbox")
            .await
            .unwrap();
        ids.insert(c.order_id);
    }
    // Compressed, as browsers ask for it (the compression layer reads the stream to its end).
    let gz = Request::get(format!("/console/c/{}/orders.csv", s.community))
        .header(header::HOST, HOST)
        .header(header::COOKIE, owner.clone())
        .header(header::ACCEPT_ENCODING, "gzip")
        .body(Body::empty())
        .unwrap();
    let res = app.router.clone().oneshot(gz).await.unwrap();
    assert_eq!(res.headers().get(header::CONTENT_ENCODING).unwrap(), "gzip");
    let zipped = res.into_body().collect().await.expect("the whole compressed file").to_bytes();
    assert!(zipped.len() > 1000);
    let r = app.get(&format!("/console/c/{}/orders.csv", s.community), Some(&owner)).await;
    assert_eq!(r.status, StatusCode::OK);
    let rows: Vec<&str> = r.body.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(rows.len(), 1 + ids.len(), "the header and one row per order");
    let exported: std::collections::BTreeSet<i64> =
        rows[1..].iter().map(|l| l.trim_start_matches("\"=\"\"").split('"').next().unwrap().parse().unwrap()).collect();
    assert_eq!(exported, ids, "each order once");
}
