//! Orders in the store: buying charges the database price and takes stock once, refusals change
//! nothing, payments and expiry apply once, refunds never pass what a line cost, lists page.

use super::*;
use crate::testing::{create_buy_now, each_db, member, shop, with_options};
use crate::{products, Db, PageRequest};

const WINDOW: i64 = 15 * 60 * 1000;

async fn stock(db: &Db, product: i64) -> i64 {
    products::by_id(db, product).await.unwrap().unwrap().stock
}

#[tokio::test]
async fn buy_now_charges_the_database_price_and_reserves_stock() {
    each_db(|db| async move {
        let s = shop(&db, "35", 12).await;
        let c = create_buy_now(&db, s.buyer, s.product, None, 3, 1_000, WINDOW, "sandbox").await.unwrap();
        assert_eq!(c.total, Fen(10500));
        assert_eq!(stock(&db, s.product).await, 9);
        let o = by_id(&db, c.order_id).await.unwrap().unwrap();
        assert_eq!(o.status, OrderStatus::PendingPayment);
        assert_eq!((o.lines.len(), o.lines[0].quantity, o.lines[0].unit_price), (1, 3, Fen(3500)));
        assert_eq!(o.pay_deadline, 1_000 + WINDOW);
        assert_eq!(o.events.len(), 1);
        let p = open_payment(&db, c.order_id).await.unwrap().unwrap();
        assert_eq!((p.id, p.amount), (c.payment_id, Fen(10500)));
        assert_eq!(for_buyer(&db, s.buyer).await.unwrap().len(), 1);
        assert_eq!(for_community(&db, s.community).await.unwrap().len(), 1);
    })
    .await;
}

#[tokio::test]
async fn refused_buys_change_nothing() {
    each_db(|db| async move {
        let s = shop(&db, "35", 4).await;
        for (qty, want) in [
            (0, Rule::BadQuantity),
            (-1, Rule::BadQuantity),
            (6, Rule::OverOrderLimit { limit: 5 }),
            (5, Rule::NotEnoughStock { left: 4 }),
        ] {
            assert_eq!(
                create_buy_now(&db, s.buyer, s.product, None, qty, 1, WINDOW, "sandbox").await,
                Err(want.into())
            );
        }
        assert_eq!(create_buy_now(&db, s.buyer, 999, None, 1, 1, WINDOW, "sandbox").await, Err(Rule::NotFound.into()));
        // Off sale, and a cart put together before it went off sale: refused too.
        sql!(query, "UPDATE products SET status = 'off_sale' WHERE id = $1", s.product)
            .execute(&db.pool)
            .await
            .unwrap();
        assert_eq!(
            create_buy_now(&db, s.buyer, s.product, None, 1, 1, WINDOW, "sandbox").await,
            Err(Rule::NotOnSale.into())
        );
        assert_eq!(stock(&db, s.product).await, 4);
        assert!(for_buyer(&db, s.buyer).await.unwrap().is_empty());
    })
    .await;
}

#[tokio::test]
async fn concurrent_buyers_never_take_more_than_the_stock() {
    each_db(|db| async move {
        let s = shop(&db, "35", 10).await;
        let mut buyers = vec![];
        for i in 0..100 {
            buyers.push(member(&db, &format!("b{i}")).await);
        }
        let tasks: Vec<_> = buyers
            .into_iter()
            .map(|b| {
                let db = db.clone();
                tokio::spawn(async move { create_buy_now(&db, b, s.product, None, 1, 1, WINDOW, "sandbox").await })
            })
            .collect();
        let (mut ok, mut sold_out) = (0, 0);
        for t in tasks {
            match t.await.unwrap() {
                Ok(_) => ok += 1,
                Err(crate::Error::Rule(Rule::SoldOut)) => sold_out += 1,
                Err(e) => panic!("unexpected error {e:?}"),
            }
        }
        assert_eq!((ok, sold_out), (10, 90));
        assert_eq!(stock(&db, s.product).await, 0);
    })
    .await;
}

#[tokio::test]
async fn a_payment_event_applies_once_however_often_it_arrives() {
    each_db(|db| async move {
        let s = shop(&db, "35", 10).await;
        let c = create_buy_now(&db, s.buyer, s.product, None, 2, 1, WINDOW, "sandbox").await.unwrap();
        // Wrong amount: refused, nothing recorded.
        assert_eq!(
            apply_payment_succeeded(&db, "sandbox", "evt_1", c.payment_id, Fen(1), 5).await,
            Err(Rule::BadRequest.into())
        );
        assert_eq!(by_id(&db, c.order_id).await.unwrap().unwrap().status, OrderStatus::PendingPayment);

        let tasks: Vec<_> = (0..20)
            .map(|_| {
                let db = db.clone();
                tokio::spawn(async move {
                    apply_payment_succeeded(&db, "sandbox", "evt_1", c.payment_id, Fen(7000), 10).await
                })
            })
            .collect();
        let mut paid = 0;
        for t in tasks {
            match t.await.unwrap().unwrap() {
                PaymentOutcome::Paid { order_id } => {
                    assert_eq!(order_id, c.order_id);
                    paid += 1
                }
                PaymentOutcome::Duplicate => {}
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(paid, 1);
        // A second, different event for the same payment changes nothing either.
        assert_eq!(
            apply_payment_succeeded(&db, "sandbox", "evt_2", c.payment_id, Fen(7000), 11).await,
            Ok(PaymentOutcome::Duplicate)
        );
        let o = by_id(&db, c.order_id).await.unwrap().unwrap();
        assert_eq!((o.status, o.paid_at), (OrderStatus::Paid, Some(10)));
        assert_eq!(o.events.len(), 2);
        let p = products::by_id(&db, s.product).await.unwrap().unwrap();
        assert_eq!((p.sold, p.stock), (2, 8));
        assert_eq!(open_payment(&db, c.order_id).await.unwrap(), None);
        assert_eq!(status_counts(&db, s.buyer).await.unwrap().get(&OrderStatus::Paid), Some(&1));
    })
    .await;
}

#[tokio::test]
async fn unpaid_orders_expire_once_and_give_their_stock_back() {
    each_db(|db| async move {
        let s = shop(&db, "35", 20).await;
        let mut ids = vec![];
        for _ in 0..3 {
            ids.push(
                create_buy_now(&db, s.buyer, s.product, None, 2, 1_000, WINDOW, "sandbox").await.unwrap().order_id,
            );
        }
        assert_eq!(stock(&db, s.product).await, 14);
        assert!(due_for_expiry(&db, 1_000 + WINDOW - 1, 100).await.unwrap().is_empty());
        let due = due_for_expiry(&db, 1_000 + WINDOW, 100).await.unwrap();
        assert_eq!(due.len(), 3);
        // Two instances expire the same orders at the same moment: each order is cancelled once.
        let runs: Vec<_> = (0..2)
            .map(|_| {
                let (db, due) = (db.clone(), due.clone());
                tokio::spawn(async move {
                    let mut n = 0;
                    for id in due {
                        if cancel_unpaid(&db, id, "system", 1_000 + WINDOW).await.unwrap() {
                            n += 1;
                        }
                    }
                    n
                })
            })
            .collect();
        let mut cancelled = 0;
        for r in runs {
            cancelled += r.await.unwrap();
        }
        assert_eq!(cancelled, 3);
        assert_eq!(stock(&db, s.product).await, 20, "stock returned exactly once");
        for id in ids {
            let o = by_id(&db, id).await.unwrap().unwrap();
            assert_eq!((o.status, o.cancelled_at), (OrderStatus::Cancelled, Some(1_000 + WINDOW)));
            assert_eq!(o.events.last().map(|e| e.actor.as_str()), Some("system"));
        }
        assert!(due_for_expiry(&db, 10 * WINDOW, 100).await.unwrap().is_empty());
    })
    .await;
}

/// Whether money is too late is decided by the clock, not by whether the expiry job has run:
/// a payment after the deadline cancels the order (its stock back on sale) and goes back.
#[tokio::test]
async fn a_payment_after_the_deadline_goes_back_though_no_job_ran() {
    each_db(|db| async move {
        let s = shop(&db, "35", 20).await;
        let c = create_buy_now(&db, s.buyer, s.product, None, 2, 1_000, WINDOW, "sandbox").await.unwrap();
        assert_eq!(stock(&db, s.product).await, 18);
        let late = 1_000 + WINDOW;
        let outcome = apply_payment_succeeded(&db, "sandbox", "evt_1", c.payment_id, Fen(7000), late).await.unwrap();
        assert!(matches!(outcome, PaymentOutcome::OrderNotPayable { .. }), "{outcome:?}");
        let o = by_id(&db, c.order_id).await.unwrap().unwrap();
        assert_eq!(o.status, OrderStatus::Cancelled);
        assert_eq!(stock(&db, s.product).await, 20, "the held units are on sale again");
        let r = crate::refunds::for_order(&db, c.order_id).await.unwrap();
        assert_eq!(r.iter().map(|r| r.amount).collect::<Vec<_>>(), vec![Fen(7000)]);
        // One millisecond before the deadline it is a sale.
        let c = create_buy_now(&db, s.buyer, s.product, None, 1, 1_000, WINDOW, "sandbox").await.unwrap();
        let outcome =
            apply_payment_succeeded(&db, "sandbox", "evt_2", c.payment_id, Fen(3500), late - 1).await.unwrap();
        assert!(matches!(outcome, PaymentOutcome::Paid { .. }), "{outcome:?}");
    })
    .await;
}

#[tokio::test]
async fn money_that_arrives_after_cancellation_goes_back_once() {
    each_db(|db| async move {
        let s = shop(&db, "35", 20).await;
        let c = create_buy_now(&db, s.buyer, s.product, None, 1, 1_000, WINDOW, "sandbox").await.unwrap();
        assert!(cancel_unpaid(&db, c.order_id, "buyer", 2_000).await.unwrap());
        let outcome =
            apply_payment_succeeded(&db, "sandbox", "evt_late", c.payment_id, Fen(3500), 3_000).await.unwrap();
        let PaymentOutcome::OrderNotPayable { order_id, refund_id } = outcome else { panic!("{outcome:?}") };
        assert_eq!(order_id, c.order_id);
        assert_eq!(
            apply_payment_succeeded(&db, "sandbox", "evt_late", c.payment_id, Fen(3500), 3_001).await,
            Ok(PaymentOutcome::Duplicate)
        );
        // Settling the refund twice at once records it once.
        let settles: Vec<_> = (0..2)
            .map(|_| {
                let db = db.clone();
                tokio::spawn(
                    async move { crate::refunds::mark_refunded(&db, refund_id, "sbr_1", 4_000).await.unwrap() },
                )
            })
            .collect();
        let mut settled = 0;
        for t in settles {
            settled += t.await.unwrap() as i32;
        }
        assert_eq!(settled, 1);
        let o = by_id(&db, c.order_id).await.unwrap().unwrap();
        assert_eq!((o.status, o.refunded), (OrderStatus::Cancelled, Fen(3500)));
        assert_eq!(stock(&db, s.product).await, 20);
        assert_eq!(products::by_id(&db, s.product).await.unwrap().unwrap().sold, 0);
    })
    .await;
}

#[tokio::test]
async fn paid_orders_ship_and_complete_once() {
    each_db(|db| async move {
        let s = shop(&db, "35", 20).await;
        let c = create_buy_now(&db, s.buyer, s.product, None, 1, 1_000, WINDOW, "sandbox").await.unwrap();
        assert_eq!(
            ship(&db, &crate::testing::order_grant(&db, c.order_id).await, c.order_id, "顺丰", "SF1234567", 1_500)
                .await,
            Err(Rule::OrderNotShippable.into())
        );
        apply_payment_succeeded(&db, "sandbox", "evt", c.payment_id, Fen(3500), 2_000).await.unwrap();
        assert!(!complete(&db, c.order_id, "buyer", 2_500).await.unwrap(), "not shipped yet");
        ship(&db, &crate::testing::order_grant(&db, c.order_id).await, c.order_id, "顺丰", "SF1234567", 3_000)
            .await
            .unwrap();
        assert_eq!(
            ship(&db, &crate::testing::order_grant(&db, c.order_id).await, c.order_id, "顺丰", "SF7654321", 3_100)
                .await,
            Err(Rule::OrderNotShippable.into())
        );
        assert!(due_for_completion(&db, 2_999, 10).await.unwrap().is_empty());
        assert_eq!(due_for_completion(&db, 3_000, 10).await.unwrap(), vec![c.order_id]);
        let tasks: Vec<_> = (0..2)
            .map(|i| {
                let db = db.clone();
                tokio::spawn(async move {
                    complete(&db, c.order_id, if i == 0 { "buyer" } else { "system" }, 4_000).await.unwrap()
                })
            })
            .collect();
        let mut done = 0;
        for t in tasks {
            done += t.await.unwrap() as i32;
        }
        assert_eq!(done, 1);
        let o = by_id(&db, c.order_id).await.unwrap().unwrap();
        assert_eq!(o.status, OrderStatus::Completed);
        assert_eq!((o.carrier.as_deref(), o.tracking_no.as_deref()), (Some("顺丰"), Some("SF1234567")));
        let path: Vec<_> = o.events.iter().map(|e| e.to).collect();
        assert_eq!(
            path,
            vec![OrderStatus::PendingPayment, OrderStatus::Paid, OrderStatus::Shipped, OrderStatus::Completed]
        );
    })
    .await;
}

#[tokio::test]
async fn skus_have_their_own_price_and_stock() {
    each_db(|db| async move {
        let s = shop(&db, "35", 20).await;
        let skus = with_options(&db, &s).await;
        assert_eq!(skus.iter().map(|k| k.label()).collect::<Vec<_>>(), vec!["1斤", "2斤", "5斤"]);
        let p = products::by_id(&db, s.product).await.unwrap().unwrap();
        assert_eq!((p.price, p.original_price, p.stock), (Fen(3500), Fen(9000), 17), "lowest price, total stock");
        assert!(p.price_varies());

        assert_eq!(
            create_buy_now(&db, s.buyer, s.product, None, 1, 1, WINDOW, "sandbox").await,
            Err(Rule::ChooseSku.into())
        );
        let other = shop(&db, "10", 5).await;
        let foreign = products::skus_of(&db, other.product, false).await.unwrap()[0].id;
        assert_eq!(
            create_buy_now(&db, s.buyer, s.product, Some(foreign), 1, 1, WINDOW, "sandbox").await,
            Err(Rule::ChooseSku.into()),
            "a SKU of another product"
        );
        assert_eq!(
            create_buy_now(&db, s.buyer, s.product, Some(skus[2].id), 3, 1, WINDOW, "sandbox").await,
            Err(Rule::NotEnoughStock { left: 2 }.into())
        );
        let c = create_buy_now(&db, s.buyer, s.product, Some(skus[1].id), 2, 1, WINDOW, "sandbox").await.unwrap();
        assert_eq!(c.total, Fen(13600));
        let o = by_id(&db, c.order_id).await.unwrap().unwrap();
        assert_eq!((o.lines[0].spec.as_str(), o.lines[0].sku_id), ("2斤", skus[1].id));
        let after = products::skus_of(&db, s.product, false).await.unwrap();
        assert_eq!(after.iter().map(|k| k.stock).collect::<Vec<_>>(), vec![10, 3, 2]);
        assert_eq!(products::by_id(&db, s.product).await.unwrap().unwrap().stock, 15);
        cancel_unpaid(&db, c.order_id, "buyer", 2).await.unwrap();
        assert_eq!(products::skus_of(&db, s.product, false).await.unwrap()[1].stock, 5);
        assert_eq!(products::by_id(&db, s.product).await.unwrap().unwrap().stock, 17);
        // The SKU table refuses a row of another product, and changes nothing.
        let row = domain::catalogue::SkuDraft::parse("1", "", "10", "").unwrap();
        assert_eq!(
            products::save_skus(&db, &s.grant, s.product, &[(skus[0].id, row.clone()), (foreign, row)], 5).await,
            Err(Rule::Forbidden.into())
        );
        assert_eq!(products::skus_of(&db, s.product, false).await.unwrap()[0].price, Fen(3500));
    })
    .await;
}

#[tokio::test]
async fn editing_specs_keeps_existing_rows_and_retires_removed_ones() {
    use domain::catalogue::{ProductDraft, ProductInput};
    each_db(|db| async move {
        let s = shop(&db, "35", 20).await;
        let skus = with_options(&db, &s).await;
        let input = ProductInput {
            title: "雪山三文鱼".into(),
            image: "salmon".into(),
            price: "300".into(),
            stock: "1".into(),
            status: "on_sale".into(),
            spec1_name: "重量".into(),
            spec1_values: "2斤, 5斤, 10斤".into(),
            ..Default::default()
        };
        products::update(&db, &s.grant, s.product, &ProductDraft::parse(&input).unwrap(), 9).await.unwrap();
        let now = products::skus_of(&db, s.product, false).await.unwrap();
        assert_eq!(now.iter().map(|k| k.label()).collect::<Vec<_>>(), vec!["2斤", "5斤", "10斤"]);
        assert_eq!((now[0].id, now[0].price), (skus[1].id, Fen(6800)), "kept its own price");
        assert_eq!((now[2].price, now[2].stock), (Fen(30000), 1), "new combination starts from the form");
        let all = products::skus_of(&db, s.product, true).await.unwrap();
        assert!(all.iter().any(|k| k.id == skus[0].id && !k.active), "1斤 retired, not deleted");
        assert_eq!(
            create_buy_now(&db, s.buyer, s.product, Some(skus[0].id), 1, 10, WINDOW, "sandbox").await,
            Err(Rule::ChooseSku.into())
        );
        let p = products::by_id(&db, s.product).await.unwrap().unwrap();
        assert_eq!((p.price, p.stock), (Fen(6800), 8));
    })
    .await;
}

/// An owner opens the product form, members buy while it is open, the owner saves: the units sold
/// meanwhile are not typed back into stock. A form that left the stock alone changes nothing; one
/// that changed it is refused with the stock there is now, and saved once typed again over it.
#[tokio::test]
async fn saving_a_product_never_types_sold_units_back_into_stock() {
    use domain::catalogue::{ProductDraft, ProductInput, SkuDraft};
    each_db(|db| async move {
        let s = shop(&db, "35", 20).await;
        let form = |stock: &str, seen: &str, title: &str| ProductInput {
            title: title.into(),
            image: "salmon".into(),
            price: "35".into(),
            stock: stock.into(),
            stock_seen: seen.into(),
            status: "on_sale".into(),
            ..Default::default()
        };
        // The form showed 20; three units sell before it is saved.
        let c = create_buy_now(&db, s.buyer, s.product, None, 3, 1, WINDOW, "sandbox").await.unwrap();
        apply_payment_succeeded(&db, "sandbox", "evt", c.payment_id, Fen(10500), 2).await.unwrap();
        let title_only = ProductDraft::parse(&form("20", "20", "雪山三文鱼 鲜切中段")).unwrap();
        products::update(&db, &s.grant, s.product, &title_only, 3).await.unwrap();
        let p = products::by_id(&db, s.product).await.unwrap().unwrap();
        assert_eq!((p.title.as_str(), p.stock), ("雪山三文鱼 鲜切中段", 17), "a title edit leaves the stock alone");
        let restock = ProductDraft::parse(&form("30", "20", "雪山三文鱼")).unwrap();
        assert_eq!(
            products::update(&db, &s.grant, s.product, &restock, 4).await,
            Err(Rule::StockChanged { now: 17 }.into())
        );
        let p = products::by_id(&db, s.product).await.unwrap().unwrap();
        assert_eq!((p.title.as_str(), p.stock), ("雪山三文鱼 鲜切中段", 17), "the refused save changed nothing");
        let restock = ProductDraft::parse(&form("30", "17", "雪山三文鱼")).unwrap();
        products::update(&db, &s.grant, s.product, &restock, 5).await.unwrap();
        assert_eq!(products::by_id(&db, s.product).await.unwrap().unwrap().stock, 30);
        // The same in the SKU table, and without a shown value the stock can only be confirmed.
        let sku = products::skus_of(&db, s.product, false).await.unwrap()[0].clone();
        create_buy_now(&db, s.buyer, s.product, None, 1, 6, WINDOW, "sandbox").await.unwrap();
        let row = SkuDraft::parse("35", "", "40", "").unwrap();
        assert_eq!(
            products::save_skus(&db, &s.grant, s.product, &[(sku.id, row.clone().over(Some(30)))], 5).await,
            Err(Rule::StockChanged { now: 29 }.into())
        );
        assert_eq!(
            products::save_skus(&db, &s.grant, s.product, &[(sku.id, row.clone())], 5).await,
            Err(Rule::StockChanged { now: 29 }.into())
        );
        products::save_skus(&db, &s.grant, s.product, &[(sku.id, row.over(Some(29)))], 5).await.unwrap();
        assert_eq!(products::by_id(&db, s.product).await.unwrap().unwrap().stock, 40);
    })
    .await;
}

/// Options added and removed again: the plain row comes back with the stock typed, not the number it
/// held when it was retired.
#[tokio::test]
async fn removing_options_sells_the_stock_typed_not_an_old_one() {
    use domain::catalogue::{ProductDraft, ProductInput};
    each_db(|db| async move {
        let s = shop(&db, "35", 20).await;
        with_options(&db, &s).await;
        let total = products::by_id(&db, s.product).await.unwrap().unwrap().stock;
        let input = ProductInput {
            title: "雪山三文鱼".into(),
            image: "salmon".into(),
            price: "35".into(),
            stock: "5".into(),
            stock_seen: total.to_string(),
            status: "on_sale".into(),
            ..Default::default()
        };
        products::update(&db, &s.grant, s.product, &ProductDraft::parse(&input).unwrap(), 9).await.unwrap();
        let skus = products::skus_of(&db, s.product, false).await.unwrap();
        assert_eq!(skus.iter().map(|k| k.stock).collect::<Vec<_>>(), vec![5]);
        assert_eq!(products::by_id(&db, s.product).await.unwrap().unwrap().stock, 5);
    })
    .await;
}

#[tokio::test]
async fn a_per_member_limit_holds_under_concurrent_orders() {
    use domain::catalogue::{ProductDraft, ProductInput};
    each_db(|db| async move {
        let s = shop(&db, "49", 100).await;
        let input = ProductInput {
            title: "三文鱼籽".into(),
            image: "salmon-roe".into(),
            price: "49".into(),
            stock: "100".into(),
            per_member_limit: "3".into(),
            status: "on_sale".into(),
            ..Default::default()
        };
        products::update(&db, &s.grant, s.product, &ProductDraft::parse(&input).unwrap(), 2).await.unwrap();
        assert_eq!(
            create_buy_now(&db, s.buyer, s.product, None, 4, 3, WINDOW, "sandbox").await,
            Err(Rule::OverMemberLimit { limit: 3, left: 3 }.into())
        );
        let first = create_buy_now(&db, s.buyer, s.product, None, 2, 3, WINDOW, "sandbox").await.unwrap();
        assert_eq!(
            create_buy_now(&db, s.buyer, s.product, None, 2, 3, WINDOW, "sandbox").await,
            Err(Rule::OverMemberLimit { limit: 3, left: 1 }.into())
        );
        cancel_unpaid(&db, first.order_id, "buyer", 4).await.unwrap();
        // Ten orders of one at once from the same member: exactly three go through.
        let tasks: Vec<_> = (0..10)
            .map(|_| {
                let db = db.clone();
                tokio::spawn(
                    async move { create_buy_now(&db, s.buyer, s.product, None, 1, 5, WINDOW, "sandbox").await },
                )
            })
            .collect();
        let mut ok = 0;
        for t in tasks {
            match t.await.unwrap() {
                Ok(_) => ok += 1,
                Err(crate::Error::Rule(Rule::OverMemberLimit { limit: 3, .. })) => {}
                Err(e) => panic!("{e:?}"),
            }
        }
        assert_eq!(ok, 3);
        assert_eq!(stock(&db, s.product).await, 97);
        // Another member has their own allowance.
        let other = member(&db, "other").await;
        assert!(create_buy_now(&db, other, s.product, None, 3, 6, WINDOW, "sandbox").await.is_ok());
    })
    .await;
}

fn line(product: i64, quantity: i64) -> CheckoutLine {
    CheckoutLine { product_id: product, sku_id: None, quantity }
}

#[tokio::test]
async fn a_checkout_makes_one_order_per_community_with_its_shipping() {
    use crate::communities;
    use domain::checkout::{Delivery, ShippingRule};
    each_db(|db| async move {
        let salmon = shop(&db, "35", 50).await;
        let snacks = shop(&db, "39.9", 50).await;
        communities::update_shipping(&db, &salmon.grant, ShippingRule::parse("8", "99").unwrap(), "").await.unwrap();
        communities::update_shipping(&db, &snacks.grant, ShippingRule::parse("6", "").unwrap(), "雪山牧场门店")
            .await
            .unwrap();
        let c = Checkout {
            referrer: None,
            key: Some("k-0000000000000001".into()),
            delivery: Delivery::Ship,
            ship_to: "阿梅 13800138000 浙江省杭州市 文三路 1 号".into(),
            note: "周五前到".into(),
            lines: vec![line(salmon.product, 2), line(snacks.product, 1)],
        };
        let made = checkout(&db, salmon.buyer, &c, 10, WINDOW, "sandbox").await.unwrap();
        assert_eq!(made.len(), 2);
        let a = by_id(&db, made[0].order_id).await.unwrap().unwrap();
        let b = by_id(&db, made[1].order_id).await.unwrap().unwrap();
        assert_eq!((a.community_id, a.goods, a.shipping, a.total), (salmon.community, Fen(7000), Fen(800), Fen(7800)));
        assert_eq!((b.community_id, b.goods, b.shipping, b.total), (snacks.community, Fen(3990), Fen(600), Fen(4590)));
        assert_eq!((a.ship_to.as_str(), a.note.as_str()), ("阿梅 13800138000 浙江省杭州市 文三路 1 号", "周五前到"));
        assert_eq!(open_payment(&db, b.id).await.unwrap().unwrap().amount, Fen(4590));

        // Submitting the same checkout again returns the same orders and takes nothing more.
        let again = checkout(&db, salmon.buyer, &c, 11, WINDOW, "sandbox").await.unwrap();
        assert_eq!(again, made);
        assert_eq!(stock(&db, salmon.product).await, 48);

        // Pickup is free but only where the community has a pickup point.
        let pickup =
            Checkout { key: None, delivery: Delivery::Pickup, lines: vec![line(salmon.product, 1)], ..c.clone() };
        assert_eq!(
            checkout(&db, salmon.buyer, &pickup, 12, WINDOW, "sandbox").await,
            Err(Rule::PickupUnavailable.into())
        );
        assert_eq!(stock(&db, salmon.product).await, 48, "the refused checkout took nothing");
        let pickup = Checkout { lines: vec![line(snacks.product, 1)], ..pickup };
        let p = checkout(&db, salmon.buyer, &pickup, 13, WINDOW, "sandbox").await.unwrap();
        let o = by_id(&db, p[0].order_id).await.unwrap().unwrap();
        assert_eq!((o.delivery, o.shipping, o.ship_to.as_str()), (Delivery::Pickup, Fen::ZERO, "雪山牧场门店"));

        // Free shipping from the threshold on.
        let big = Checkout { key: None, lines: vec![line(salmon.product, 3)], ..c.clone() };
        let t = checkout(&db, salmon.buyer, &big, 14, WINDOW, "sandbox").await.unwrap();
        assert_eq!(t[0].total, Fen(10500));
    })
    .await;
}

/// Carts with the same products in opposite orders, checked out at once, and cancelled at once:
/// stock rows are always taken in one order, so none waits on another in a circle (PostgreSQL
/// answered "deadlock detected" before).
#[tokio::test]
async fn carts_in_opposite_orders_never_deadlock() {
    use domain::checkout::Delivery;
    each_db(|db| async move {
        let a = shop(&db, "35", 500).await;
        let (b, _) = crate::testing::sampler(&db, &a, "20", 500).await;
        let mut tasks = vec![];
        for i in 0..40 {
            let db = db.clone();
            let buyer = member(&db, "m").await;
            let lines =
                if i % 2 == 0 { vec![line(a.product, 1), line(b, 1)] } else { vec![line(b, 1), line(a.product, 1)] };
            tasks.push(tokio::spawn(async move {
                let c = Checkout {
                    referrer: None,
                    key: None,
                    delivery: Delivery::Ship,
                    ship_to: "上海".into(),
                    note: String::new(),
                    lines,
                };
                let made = checkout(&db, buyer, &c, 10, WINDOW, "sandbox").await?;
                cancel_unpaid(&db, made[0].order_id, "buyer", 11).await
            }));
        }
        for t in tasks {
            assert_eq!(t.await.unwrap(), Ok(true));
        }
        assert_eq!((stock(&db, a.product).await, stock(&db, b).await), (500, 500));
    })
    .await;
}

/// The per-order limit counts the product's units over all its options in one checkout.
#[tokio::test]
async fn the_order_limit_counts_every_option_of_a_product() {
    use domain::checkout::Delivery;
    each_db(|db| async move {
        let s = shop(&db, "35", 20).await;
        let skus = with_options(&db, &s).await;
        let lines = |a: i64, b: i64| {
            vec![
                CheckoutLine { product_id: s.product, sku_id: Some(skus[0].id), quantity: a },
                CheckoutLine { product_id: s.product, sku_id: Some(skus[1].id), quantity: b },
            ]
        };
        let c = |lines| Checkout {
            referrer: None,
            key: None,
            delivery: Delivery::Ship,
            ship_to: "上海".into(),
            note: String::new(),
            lines,
        };
        assert_eq!(
            checkout(&db, s.buyer, &c(lines(6, 5)), 10, WINDOW, "sandbox").await,
            Err(Rule::OverOrderLimit { limit: 10 }.into())
        );
        assert_eq!(stock(&db, s.product).await, 17, "nothing was taken");
        let made = checkout(&db, s.buyer, &c(lines(6, 4)), 10, WINDOW, "sandbox").await.unwrap();
        assert_eq!(made[0].total, Fen(6 * 3500 + 4 * 6800));
    })
    .await;
}

#[tokio::test]
async fn a_double_submitted_checkout_creates_its_orders_once() {
    use domain::checkout::Delivery;
    each_db(|db| async move {
        let s = shop(&db, "35", 50).await;
        let c = Checkout {
            referrer: None,
            key: Some("double-tap-000000000001".into()),
            delivery: Delivery::Ship,
            ship_to: "阿梅".into(),
            note: String::new(),
            lines: vec![line(s.product, 2)],
        };
        let tasks: Vec<_> = (0..10)
            .map(|_| {
                let (db, c) = (db.clone(), c.clone());
                tokio::spawn(async move { checkout(&db, s.buyer, &c, 20, WINDOW, "sandbox").await.unwrap() })
            })
            .collect();
        let mut seen = std::collections::HashSet::new();
        for t in tasks {
            for created in t.await.unwrap() {
                seen.insert(created.order_id);
            }
        }
        assert_eq!(seen.len(), 1);
        assert_eq!(for_buyer(&db, s.buyer).await.unwrap().len(), 1);
        assert_eq!(stock(&db, s.product).await, 48);
    })
    .await;
}

#[tokio::test]
async fn a_line_is_refunded_in_parts_never_beyond_what_it_cost() {
    use crate::refunds;
    each_db(|db| async move {
        let s = shop(&db, "35", 20).await;
        let c = create_buy_now(&db, s.buyer, s.product, None, 2, 1, WINDOW, "sandbox").await.unwrap();
        let line = by_id(&db, c.order_id).await.unwrap().unwrap().lines[0].id;
        assert_eq!(
            refunds::request(&db, s.buyer, c.order_id, line, Fen(100), "不想要了", 2).await,
            Err(Rule::NotRefundable.into()),
            "not paid yet"
        );
        apply_payment_succeeded(&db, "sandbox", "evt", c.payment_id, Fen(7000), 3).await.unwrap();
        let other = member(&db, "other").await;
        assert_eq!(
            refunds::request(&db, other, c.order_id, line, Fen(100), "不想要了", 4).await,
            Err(Rule::NotFound.into())
        );
        assert_eq!(
            refunds::request(&db, s.buyer, c.order_id, line, Fen(7001), "不想要了", 4).await,
            Err(Rule::BadRefundAmount { max: Fen(7000) }.into())
        );
        let first = refunds::request(&db, s.buyer, c.order_id, line, Fen(3500), "少了一斤", 5).await.unwrap();
        assert_eq!(by_id(&db, c.order_id).await.unwrap().unwrap().status, OrderStatus::Refunding);
        assert_eq!(
            refunds::request(&db, s.buyer, c.order_id, line, Fen(100), "再退一点", 6).await,
            Err(Rule::RefundAlreadyOpen.into())
        );
        // Two approvals at once: one decides it.
        let g = crate::testing::refund_grant(&db, first).await;
        let (a, b) = tokio::join!(refunds::approve(&db, &g, first, 7), refunds::approve(&db, &g, first, 7));
        assert!(a.is_ok() ^ b.is_ok());
        assert!(matches!(a.err().or(b.err()), Some(crate::Error::Rule(Rule::RefundAlreadyDecided))));
        let (a, b) =
            tokio::join!(refunds::mark_refunded(&db, first, "sbr", 8), refunds::mark_refunded(&db, first, "sbr", 8));
        assert_eq!(a.unwrap() as i32 + b.unwrap() as i32, 1, "paid back once");
        let o = by_id(&db, c.order_id).await.unwrap().unwrap();
        assert_eq!((o.status, o.refunded), (OrderStatus::Paid, Fen(3500)), "back to paid with half refunded");

        assert_eq!(
            refunds::request(&db, s.buyer, c.order_id, line, Fen(3501), "全退", 9).await,
            Err(Rule::BadRefundAmount { max: Fen(3500) }.into())
        );
        let second = refunds::request(&db, s.buyer, c.order_id, line, Fen(3500), "全退", 9).await.unwrap();
        refunds::reject(&db, &crate::testing::refund_grant(&db, second).await, second, "已经发出，请签收后再申请", 10)
            .await
            .unwrap();
        assert_eq!(
            refunds::reject(&db, &crate::testing::refund_grant(&db, second).await, second, "again", 11).await,
            Err(Rule::RefundAlreadyDecided.into())
        );
        assert_eq!(by_id(&db, c.order_id).await.unwrap().unwrap().status, OrderStatus::Paid);
        let third = refunds::request(&db, s.buyer, c.order_id, line, Fen(3500), "全退", 12).await.unwrap();
        refunds::approve(&db, &crate::testing::refund_grant(&db, third).await, third, 13).await.unwrap();
        assert!(refunds::mark_refunded(&db, third, "sbr", 14).await.unwrap());
        let o = by_id(&db, c.order_id).await.unwrap().unwrap();
        assert_eq!((o.status, o.refunded), (OrderStatus::Refunded, Fen(7000)));
        assert_eq!(o.refunds.len(), 3);
        assert_eq!(o.refunds[1].decision_note.as_deref(), Some("已经发出，请签收后再申请"));
        let p = open_payment(&db, c.order_id).await.unwrap();
        assert_eq!(p, None);
        let paid: i64 = sql!(query_scalar, "SELECT refunded_amount FROM payments WHERE id = $1", c.payment_id)
            .fetch_one(&db.pool)
            .await
            .unwrap();
        assert_eq!(paid, 7000);
        // The buyer was told about each decision, the owner about each request.
        let notes = crate::notifications::list(&db, s.buyer).await.unwrap();
        assert!(crate::notifications::unread_count(&db, s.buyer).await.unwrap() > 0);
        crate::notifications::mark_read(&db, s.buyer, 15).await.unwrap();
        let kinds: Vec<&str> = notes.iter().map(|n| n.kind.as_str()).collect();
        assert_eq!(kinds.iter().filter(|k| **k == "refund_approved").count(), 2);
        assert_eq!(kinds.iter().filter(|k| **k == "refund_rejected").count(), 1);
        assert!(kinds.contains(&"order_paid"));
        assert_eq!(crate::notifications::unread_count(&db, s.buyer).await.unwrap(), 0);
    })
    .await;
}

/// 已售 counts units paid for and kept: a line refunded in full comes off it, a partial refund
/// (goods kept, part of the money back) does not.
#[tokio::test]
async fn sold_counts_units_kept_not_units_refunded() {
    use crate::refunds;
    each_db(|db| async move {
        let s = shop(&db, "35", 20).await;
        let c = create_buy_now(&db, s.buyer, s.product, None, 2, 1, WINDOW, "sandbox").await.unwrap();
        apply_payment_succeeded(&db, "sandbox", "evt", c.payment_id, Fen(7000), 2).await.unwrap();
        let sold = |db: Db| async move { products::by_id(&db, s.product).await.unwrap().unwrap().sold };
        assert_eq!(sold(db.clone()).await, 2);
        let line = by_id(&db, c.order_id).await.unwrap().unwrap().lines[0].id;
        for (n, amount) in [(0, 1000), (1, 6000)] {
            let r = refunds::request(&db, s.buyer, c.order_id, line, Fen(amount), "少了一斤", 3 + n).await.unwrap();
            refunds::approve(&db, &crate::testing::refund_grant(&db, r).await, r, 3 + n).await.unwrap();
            assert!(refunds::mark_refunded(&db, r, "sbr", 3 + n).await.unwrap());
            assert_eq!(sold(db.clone()).await, if n == 0 { 2 } else { 0 }, "after ¥{amount} back");
        }
    })
    .await;
}

/// Refunds the provider keeps refusing go to the back of the queue: a full batch of them does not
/// keep a newer refund from being paid.
#[tokio::test]
async fn refunds_that_keep_failing_do_not_starve_newer_ones() {
    use crate::refunds;
    each_db(|db| async move {
        let s = shop(&db, "35", 20).await;
        let mut ids = vec![];
        for n in 0..3 {
            let c = create_buy_now(&db, s.buyer, s.product, None, 1, n, WINDOW, "sandbox").await.unwrap();
            apply_payment_succeeded(&db, "sandbox", &format!("evt{n}"), c.payment_id, Fen(3500), n).await.unwrap();
            let line = by_id(&db, c.order_id).await.unwrap().unwrap().lines[0].id;
            let r = refunds::request(&db, s.buyer, c.order_id, line, Fen(100), "少了一斤", 10).await.unwrap();
            refunds::approve(&db, &crate::testing::refund_grant(&db, r).await, r, 11).await.unwrap();
            ids.push(r);
        }
        let due = |now: i64| {
            let db = db.clone();
            async move {
                refunds::approved_unsettled(&db, now, 2).await.unwrap().into_iter().map(|r| r.id).collect::<Vec<_>>()
            }
        };
        assert_eq!(due(20).await, ids[..2]);
        for id in &ids[..2] {
            refunds::retry_later(&db, *id, 20, std::time::Duration::from_secs(60)).await.unwrap();
        }
        assert_eq!(due(21).await, ids[2..], "the newer refund gets its turn");
        assert_eq!(due(20 + 60_000).await, [ids[2], ids[0]], "and the others come back after their wait");
    })
    .await;
}

#[tokio::test]
async fn owners_find_orders_by_state_number_phone_name_or_address() {
    use domain::checkout::Delivery;
    each_db(|db| async move {
        let s = shop(&db, "35", 50).await;
        let c1 = create_buy_now(&db, s.buyer, s.product, None, 1, 1, WINDOW, "sandbox").await.unwrap();
        let other = member(&db, "老周").await;
        let c = Checkout {
            referrer: None,
            key: None,
            delivery: Delivery::Ship,
            ship_to: "老周 13911112222 上海市徐汇区 漕溪北路 18 号".into(),
            note: String::new(),
            lines: vec![line(s.product, 2)],
        };
        let c2 = checkout(&db, other, &c, 2, WINDOW, "sandbox").await.unwrap()[0];
        apply_payment_succeeded(&db, "sandbox", "e", c2.payment_id, c2.total, 3).await.unwrap();
        let find = |statuses: Vec<OrderStatus>, q: Option<&str>| {
            let db = db.clone();
            let f = OrderFilter { statuses, search: q.map(str::to_string) };
            async move {
                let page = search_in_community(&db, s.community, &f, PageRequest::first(50)).await.unwrap();
                page.items.iter().map(|o| o.id).collect::<Vec<_>>()
            }
        };
        assert_eq!(find(vec![], None).await, vec![c2.order_id, c1.order_id]);
        assert_eq!(find(vec![OrderStatus::Paid], None).await, vec![c2.order_id]);
        assert_eq!(find(vec![OrderStatus::PendingPayment, OrderStatus::Cancelled], None).await, vec![c1.order_id]);
        assert_eq!(find(vec![], Some(&c1.order_id.to_string())).await, vec![c1.order_id]);
        assert_eq!(find(vec![], Some("13911112222")).await, vec![c2.order_id]);
        assert_eq!(find(vec![], Some("漕溪北路")).await, vec![c2.order_id]);
        assert_eq!(find(vec![], Some("老周")).await, vec![c2.order_id]);
        assert!(find(vec![], Some("100%")).await.is_empty());
        assert!(find(vec![OrderStatus::Shipped], Some("老周")).await.is_empty());
    })
    .await;
}

#[tokio::test]
async fn long_order_lists_come_a_page_at_a_time_without_gaps_or_repeats() {
    each_db(|db| async move {
        let s = shop(&db, "35", 100).await;
        let mut made = vec![];
        for i in 0..5 {
            made.push(create_buy_now(&db, s.buyer, s.product, None, 1, i, WINDOW, "sandbox").await.unwrap().order_id);
        }
        made.reverse(); // newest first
        let f = OrderFilter::default();
        let first = search_in_community(&db, s.community, &f, PageRequest::first(2)).await.unwrap();
        assert_eq!(first.items.iter().map(|o| o.id).collect::<Vec<_>>(), made[..2]);
        // An order placed between two pages does not push an old one onto the next page twice.
        create_buy_now(&db, s.buyer, s.product, None, 1, 9, WINDOW, "sandbox").await.unwrap();
        let second = search_in_community(&db, s.community, &f, PageRequest::after(first.next, 2)).await.unwrap();
        assert_eq!(second.items.iter().map(|o| o.id).collect::<Vec<_>>(), made[2..4]);
        let last = search_in_community(&db, s.community, &f, PageRequest::after(second.next, 2)).await.unwrap();
        assert_eq!(last.items.iter().map(|o| o.id).collect::<Vec<_>>(), made[4..]);
        assert_eq!(last.next, None, "no link to an empty page");
        let mine = for_buyer_in(&db, s.buyer, &[], PageRequest::first(10)).await.unwrap();
        assert_eq!((mine.items.len(), mine.next), (6, None));
    })
    .await;
}
