use super::*;
use crate::store::testing::{each_db, member, shop};
use crate::store::{products, Db};

const WINDOW: i64 = 15 * 60 * 1000;

async fn stock(db: &Db, product: i64) -> i64 {
    products::by_id(db, product).await.unwrap().unwrap().stock
}

#[tokio::test]
async fn buy_now_charges_the_database_price_and_reserves_stock() {
    each_db(|db| async move {
        let s = shop(&db, "35", 12).await;
        let c = create_buy_now(&db, s.buyer, s.product, 3, 1_000, WINDOW, "sandbox").await.unwrap();
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
            (0, AppError::BadQuantity),
            (-1, AppError::BadQuantity),
            (6, AppError::OverOrderLimit { limit: 5 }),
            (5, AppError::NotEnoughStock { left: 4 }),
        ] {
            assert_eq!(create_buy_now(&db, s.buyer, s.product, qty, 1, WINDOW, "sandbox").await, Err(want));
        }
        assert_eq!(create_buy_now(&db, s.buyer, 999, 1, 1, WINDOW, "sandbox").await, Err(AppError::NotFound));
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
        for i in 0..60 {
            buyers.push(member(&db, &format!("b{i}")).await);
        }
        let tasks: Vec<_> = buyers
            .into_iter()
            .map(|b| {
                let db = db.clone();
                tokio::spawn(async move { create_buy_now(&db, b, s.product, 1, 1, WINDOW, "sandbox").await })
            })
            .collect();
        let mut ok = 0;
        for t in tasks {
            match t.await.unwrap() {
                Ok(_) => ok += 1,
                Err(AppError::SoldOut) | Err(AppError::NotEnoughStock { .. }) => {}
                Err(e) => panic!("unexpected error {e:?}"),
            }
        }
        assert_eq!(ok, 10);
        assert_eq!(stock(&db, s.product).await, 0);
    })
    .await;
}

#[tokio::test]
async fn a_payment_event_applies_once_however_often_it_arrives() {
    each_db(|db| async move {
        let s = shop(&db, "35", 10).await;
        let c = create_buy_now(&db, s.buyer, s.product, 2, 1, WINDOW, "sandbox").await.unwrap();
        // Wrong amount: refused, nothing recorded.
        assert_eq!(
            apply_payment_succeeded(&db, "sandbox", "evt_1", c.payment_id, Fen(1), 5).await,
            Err(AppError::BadRequest)
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
