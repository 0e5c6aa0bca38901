#![allow(clippy::unwrap_used, reason = "a test stops where its setup fails")]

//! The background jobs and payment settlement over the store: what two instances do when both
//! run the jobs at once, and how refunds decided by the store are paid through the provider.
//! Every scenario runs on SQLite and, when configured, on PostgreSQL.

use app::ctx::AppState;
use domain::groupbuy::TeamStatus;
use domain::groupbuy::{Activity, Tier};
use domain::money::Fen;
use domain::order::OrderStatus;
use server::jobs::run_once;
use store::groupbuy::{close_due, create_activity, due, team, Closed};
use store::orders::{by_id, open_payment, PaymentOutcome};
use store::testing::team::*;
use store::testing::{create_buy_now, each_db, member, shop};
use store::Db;

const WINDOW: i64 = 15 * 60 * 1000;

async fn stock(db: &Db, product: i64) -> i64 {
    store::products::by_id(db, product).await.unwrap().unwrap().stock
}

#[tokio::test]
async fn a_team_that_does_not_fill_is_refunded_once() {
    each_db(|db| async move {
        let (s, _act, lead) = open_team_with(&db, &rules(3, false, vec![]), 10).await;
        pay(&db, &lead, T0).await;
        let paid_friend = member(&db, "f").await;
        let seat = join(&db, paid_friend, lead.team_id, T0).await.unwrap();
        pay(&db, &seat, T0 + 10).await;
        let slow = member(&db, "slow").await;
        let window = domain::groupbuy::DEFAULT_WINDOW_MS;
        let held = join(&db, slow, lead.team_id, T0 + window - 60_000).await.unwrap();
        assert_eq!(store::products::by_id(&db, s.product).await.unwrap().unwrap().stock, 7);
        // Not due yet.
        assert_eq!(close_due(&db, lead.team_id, T0 + window - 1).await.unwrap(), Closed::Nothing);
        let end = T0 + window + 1;
        assert_eq!(due(&db, end, 10).await.unwrap(), vec![lead.team_id]);
        // Two jobs close it at once: one does it.
        let (a, b) = tokio::join!(close_due(&db, lead.team_id, end), close_due(&db, lead.team_id, end));
        let outcomes = [a.unwrap(), b.unwrap()];
        let failed: Vec<_> = outcomes.iter().filter(|o| matches!(o, Closed::Failed { .. })).collect();
        assert_eq!(failed.len(), 1);
        assert!(outcomes.contains(&Closed::Nothing));
        let Closed::Failed { refunds } = failed[0] else { unreachable!() };
        assert_eq!(refunds.len(), 2);
        assert_eq!(status(&db, held.created.order_id).await, OrderStatus::Cancelled);
        assert_eq!(status(&db, lead.created.order_id).await, OrderStatus::Refunding);
        // The provider pays the refunds; the orders end refunded, stock is back.
        let st = AppState::for_tests(&db);
        for r in refunds {
            assert!(app::payments::settle_refund(&st, *r).await.unwrap());
            assert!(!app::payments::settle_refund(&st, *r).await.unwrap());
        }
        for o in [lead.created.order_id, seat.created.order_id] {
            let o = store::orders::by_id(&db, o).await.unwrap().unwrap();
            assert_eq!((o.status, o.refunded), (OrderStatus::Refunded, Fen(2990)));
        }
        assert_eq!(store::products::by_id(&db, s.product).await.unwrap().unwrap().stock, 10);
        let t = team(&db, lead.team_id, end).await.unwrap().unwrap();
        assert_eq!(t.status, TeamStatus::Failed);
        assert!(due(&db, end + 1000, 10).await.unwrap().is_empty());
        // The late payment of the cancelled seat goes back too.
        assert!(matches!(pay(&db, &held, end + 5).await, PaymentOutcome::OrderNotPayable { .. }));
    })
    .await;
}

#[tokio::test]
async fn a_ladder_refunds_the_difference_when_the_team_grows() {
    each_db(|db| async move {
        let ladder = vec![Tier { size: 3, price: Fen(2590) }, Tier { size: 4, price: Fen(2290) }];
        let (_s, _act, lead) = open_team_with(&db, &rules(2, false, ladder), 10).await;
        pay(&db, &lead, T0).await;
        let mut seats = vec![lead];
        for i in 0..2 {
            let m = member(&db, "l").await;
            let seat = join(&db, m, lead.team_id, T0 + i).await.unwrap();
            pay(&db, &seat, T0 + 10 + i).await;
            seats.push(seat);
        }
        // Formed at 2: orders are paid at once; it still takes members up to 4.
        let t = team(&db, lead.team_id, T0 + 20).await.unwrap().unwrap();
        assert_eq!((t.status, t.paid, t.closed, t.joinable()), (TeamStatus::Succeeded, 3, false, true));
        assert_eq!(status(&db, seats[2].created.order_id).await, OrderStatus::Paid);
        // The window ends at 3 members: each gets 29.90 − 25.90 back, once.
        let end = T0 + domain::groupbuy::DEFAULT_WINDOW_MS;
        let Closed::Succeeded { refunds } = close_due(&db, lead.team_id, end).await.unwrap() else { panic!() };
        assert_eq!(refunds.len(), 3);
        assert_eq!(close_due(&db, lead.team_id, end).await.unwrap(), Closed::Nothing);
        let st = AppState::for_tests(&db);
        for r in &refunds {
            app::payments::settle_refund(&st, *r).await.unwrap();
        }
        for seat in &seats {
            let o = store::orders::by_id(&db, seat.created.order_id).await.unwrap().unwrap();
            assert_eq!((o.status, o.refunded), (OrderStatus::Paid, Fen(400)));
        }
    })
    .await;
}

#[tokio::test]
async fn the_jobs_end_teams_once_on_two_instances_with_the_clock_moved() {
    each_db(|db| async move {
        let a = AppState::for_tests(&db);
        let b = AppState::for_tests(&db);
        let now = a.clock.now_ms();
        let s = shop(&db, "35", 10).await;
        let rules = Activity { starts_at: now - 1000, ends_at: now + 86_400_000, ..rules(3, false, vec![]) };
        let act = create_activity(&db, &s.grant, s.product, &rules, now).await.unwrap();
        let lead = open(&db, s.buyer, act, now).await.unwrap();
        let (h, body) = a
            .sandbox
            .success_delivery(&store::orders::payment(&db, lead.created.payment_id).await.unwrap().unwrap(), now);
        app::payments::receive(&a, a.sandbox.as_ref(), &h, &body).await.unwrap();
        let quiet = run_once(&a).await.unwrap();
        assert_eq!((quiet.teams_failed, quiet.teams_succeeded), (0, 0), "not due yet");
        for st in [&a, &b] {
            st.clock.advance(domain::groupbuy::DEFAULT_WINDOW_MS);
        }
        let (ra, rb) = tokio::join!(run_once(&a), run_once(&b));
        let (ra, rb) = (ra.unwrap(), rb.unwrap());
        assert_eq!(ra.teams_failed + rb.teams_failed, 1);
        assert_eq!(ra.refunds_settled + rb.refunds_settled, 1);
        let o = store::orders::by_id(&db, lead.created.order_id).await.unwrap().unwrap();
        assert_eq!((o.status, o.refunded), (OrderStatus::Refunded, Fen(2990)));
        let again = run_once(&b).await.unwrap();
        assert_eq!((again.teams_failed, again.refunds_settled), (0, 0));
        let told: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM notifications WHERE kind = 'team_failed'")
            .fetch_one(&db.pool)
            .await
            .unwrap();
        assert_eq!(told, 1);
    })
    .await;
}

#[tokio::test]
async fn the_jobs_run_on_two_instances_without_doing_anything_twice() {
    each_db(|db| async move {
        let s = shop(&db, "35", 20).await;
        let a = AppState::for_tests(&db);
        let b = AppState::for_tests(&db);
        let now = a.clock.now_ms();
        let mut ids = vec![];
        for _ in 0..4 {
            ids.push(create_buy_now(&db, s.buyer, s.product, None, 1, now, WINDOW, "sandbox").await.unwrap().order_id);
        }
        // A late payment for one of them, once it has expired.
        let late = open_payment(&db, ids[0]).await.unwrap().unwrap();
        let before = run_once(&a).await.unwrap();
        assert_eq!(before.expired, 0, "nothing is due yet");
        for st in [&a, &b] {
            st.clock.advance(WINDOW);
        }
        let (ra, rb) = tokio::join!(run_once(&a), run_once(&b));
        let (ra, rb) = (ra.unwrap(), rb.unwrap());
        assert_eq!(ra.expired + rb.expired, 4);
        assert_eq!(stock(&db, s.product).await, 20);
        let (h, body) = a.sandbox.success_delivery(&late, a.clock.now_ms());
        let outcome = app::payments::receive(&a, a.sandbox.as_ref(), &h, &body).await.unwrap();
        assert!(matches!(outcome, PaymentOutcome::OrderNotPayable { .. }));
        assert_eq!(by_id(&db, ids[0]).await.unwrap().unwrap().refunded, Fen(3500), "refunded right away");
        let again = run_once(&b).await.unwrap();
        assert_eq!((again.expired, again.refunds_settled), (0, 0));
    })
    .await;
}

/// A phase that fails does not keep the later ones from running: here the group-buy tables are
/// unreadable, and the refund decided earlier is still paid in the same run.
#[tokio::test]
async fn a_failing_phase_does_not_stop_the_later_ones() {
    each_db(|db| async move {
        let s = shop(&db, "35", 20).await;
        let st = AppState::for_tests(&db);
        let now = st.clock.now_ms();
        let c = create_buy_now(&db, s.buyer, s.product, None, 1, now, WINDOW, "sandbox").await.unwrap();
        assert!(store::orders::cancel_unpaid(&db, c.order_id, "buyer", now).await.unwrap());
        let late = open_payment(&db, c.order_id).await.unwrap().unwrap();
        let outcome = store::orders::apply_payment_succeeded(&db, "sandbox", "evt_late", late.id, late.amount, now)
            .await
            .unwrap();
        assert!(matches!(outcome, PaymentOutcome::OrderNotPayable { .. }));
        sqlx::query("ALTER TABLE teams RENAME TO teams_away").execute(&db.pool).await.unwrap();
        assert!(run_once(&st).await.is_err(), "the run reports the failed phase");
        assert_eq!(by_id(&db, c.order_id).await.unwrap().unwrap().refunded, Fen(3500), "the refund was still paid");
    })
    .await;
}

/// Money taken before the deadline whose notice only gets through after it (the first delivery
/// failed, the provider retried) is a sale: judged by when the provider took it. Money taken
/// after the deadline goes back.
#[tokio::test]
async fn a_payment_is_judged_by_when_the_provider_took_it() {
    each_db(|db| async move {
        let s = shop(&db, "35", 20).await;
        let st = AppState::for_tests(&db);
        let start = st.clock.now_ms();
        let on_time = create_buy_now(&db, s.buyer, s.product, None, 1, start, WINDOW, "sandbox").await.unwrap();
        let too_late = create_buy_now(&db, s.buyer, s.product, None, 1, start, WINDOW, "sandbox").await.unwrap();
        let deadline = start + WINDOW;
        let (h, body) =
            st.sandbox.success_delivery(&open_payment(&db, on_time.order_id).await.unwrap().unwrap(), deadline - 2_000);
        st.clock.advance(WINDOW + 30_000);
        let outcome = app::payments::receive(&st, st.sandbox.as_ref(), &h, &body).await.unwrap();
        assert!(matches!(outcome, PaymentOutcome::Paid { .. }), "{outcome:?}");
        let late = open_payment(&db, too_late.order_id).await.unwrap().unwrap();
        let (h, body) = st.sandbox.success_delivery(&late, deadline + 1_000);
        let outcome = app::payments::receive(&st, st.sandbox.as_ref(), &h, &body).await.unwrap();
        assert!(matches!(outcome, PaymentOutcome::OrderNotPayable { .. }), "{outcome:?}");
        assert_eq!(by_id(&db, too_late.order_id).await.unwrap().unwrap().status, OrderStatus::Cancelled);
    })
    .await;
}
