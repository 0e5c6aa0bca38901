#![allow(clippy::unwrap_used, reason = "a test stops where its setup fails")]

//! The HTTP surface through the real router (`tower::ServiceExt::oneshot`): pages, server
//! functions, forms without JavaScript, live updates. What Qunli promises about access,
//! sessions, limits, uploads and headers is in `security.rs`.

mod support;

use store::{self, orders};
use support::*;

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
    let r = app.post("/api/save_product", &form("1", seen), Some(&owner), true).await;
    let f = r.flash().expect("flash cookie");
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
    let f = r.flash().expect("flash cookie");
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

/// Twenty withdrawal requests at the same moment give one request; the rest are told one is
/// waiting, or (beyond the day's ten) to wait.
#[tokio::test]
async fn concurrent_withdrawal_requests_make_one() {
    use domain::money::Fen;
    // The demo instance: sandbox payments there stand for real ones (see the security tests
    // for an instance that takes real money).
    let app = test_app_with(&[("QUNLI_DEMO_SEED", "on")]).await;
    let (community, amy, amy_cookie) = distributor_with_settled_commission(&app).await;
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
            // Beyond the day's requests (10) the limiter answers first.
            StatusCode::TOO_MANY_REQUESTS => assert!(body.contains("TooManyAttempts"), "{body}"),
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
    let told = store::notifications::list(&app.st.db, owner_id).await.unwrap();
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
