//! Orders: what a buy costs, and which state changes an order may go through.

use super::catalogue::ProductStatus;
use super::money::{Fen, MAX_AMOUNT};
use crate::text_enum;
use crate::Error;
use serde::{Deserialize, Serialize};

text_enum! {
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
    pub enum OrderStatus {
        PendingPayment = "pending_payment",
        AwaitingTeam = "awaiting_team",
        Paid = "paid",
        Shipped = "shipped",
        Completed = "completed",
        Cancelled = "cancelled",
        Refunding = "refunding",
        Refunded = "refunded",
    }
}

text_enum! {
    /// A refund: asked for, approved (the provider is paying it back), declined, or paid back.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
    pub enum RefundStatus {
        Requested = "requested",
        Approved = "approved",
        Rejected = "rejected",
        Refunded = "refunded",
    }
}

text_enum! {
    /// Why money goes back: a member asked, a payment came after the order was cancelled, a
    /// group-buy team failed, or a ladder team closed larger and pays less.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
    pub enum RefundKind {
        Member = "member",
        LatePayment = "late_payment",
        TeamFailed = "team_failed",
        TeamLadder = "team_ladder",
    }
}

/// Things that happen to an order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum OrderEvent {
    /// The provider confirmed the full amount.
    PaymentReceived,
    /// The payment window ran out, or the member gave up before paying.
    Cancel,
    Ship,
    Complete,
    /// The member asked for money back on a line.
    RefundRequested,
    /// The last open refund request was decided: the order is refunded when everything paid went
    /// back, otherwise it returns to where it was (`resume`).
    RefundResolved {
        fully_refunded: bool,
        resume: OrderStatus,
    },
    /// A group-buy seat was paid for: the order waits for its team.
    TeamPaymentReceived,
    /// The member's team succeeded (filled, or closed as a guaranteed team).
    TeamSucceeded,
    /// The team's window closed short: everything paid goes back.
    TeamFailed,
}

pub const ALL_EVENTS: [OrderEvent; 12] = [
    OrderEvent::TeamPaymentReceived,
    OrderEvent::TeamSucceeded,
    OrderEvent::TeamFailed,
    OrderEvent::PaymentReceived,
    OrderEvent::Cancel,
    OrderEvent::Ship,
    OrderEvent::Complete,
    OrderEvent::RefundRequested,
    OrderEvent::RefundResolved { fully_refunded: true, resume: OrderStatus::Paid },
    OrderEvent::RefundResolved { fully_refunded: false, resume: OrderStatus::Paid },
    OrderEvent::RefundResolved { fully_refunded: false, resume: OrderStatus::Shipped },
    OrderEvent::RefundResolved { fully_refunded: false, resume: OrderStatus::PendingPayment },
];

/// The tabs of an order list: which states each one shows.
pub fn tab_statuses(tab: &str) -> Vec<OrderStatus> {
    use OrderStatus as S;
    match tab {
        "pending_payment" => vec![S::PendingPayment],
        "paid" => vec![S::Paid, S::AwaitingTeam],
        "shipped" => vec![S::Shipped],
        "completed" => vec![S::Completed],
        "after_sale" => vec![S::Refunding, S::Refunded],
        "cancelled" => vec![S::Cancelled],
        _ => vec![],
    }
}

pub const ORDER_TABS: [&str; 7] = ["all", "pending_payment", "paid", "shipped", "completed", "after_sale", "cancelled"];

/// Orders a member can ask money back for: paid, on the way, or received.
pub fn refundable_status(s: OrderStatus) -> bool {
    matches!(s, OrderStatus::Paid | OrderStatus::Shipped | OrderStatus::Completed)
}

/// The state machine. Anything not listed is refused; the store applies a transition with a
/// conditional update on the `from` state, so two racing transitions cannot both win.
pub fn transition(from: OrderStatus, event: OrderEvent) -> Option<OrderStatus> {
    use OrderEvent as E;
    use OrderStatus as S;
    match (from, event) {
        (S::PendingPayment, E::PaymentReceived) => Some(S::Paid),
        (S::PendingPayment, E::TeamPaymentReceived) => Some(S::AwaitingTeam),
        (S::AwaitingTeam, E::TeamSucceeded) => Some(S::Paid),
        (S::AwaitingTeam, E::TeamFailed) => Some(S::Refunding),
        (S::PendingPayment, E::Cancel) => Some(S::Cancelled),
        (S::Paid, E::Ship) => Some(S::Shipped),
        (S::Shipped, E::Complete) => Some(S::Completed),
        (from, E::RefundRequested) if refundable_status(from) => Some(S::Refunding),
        (S::Refunding, E::RefundResolved { fully_refunded: true, .. }) => Some(S::Refunded),
        (S::Refunding, E::RefundResolved { fully_refunded: false, resume }) if refundable_status(resume) => {
            Some(resume)
        }
        _ => None,
    }
}

/// What a product looks like at the moment of buying.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SaleItem {
    pub price: Fen,
    pub stock: i64,
    pub per_order_limit: i64,
    pub status: ProductStatus,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Quote {
    pub unit_price: Fen,
    pub quantity: i64,
    pub goods: Fen,
    pub shipping: Fen,
    pub total: Fen,
}

/// Prices one product bought now. The amount is always computed here from the product as it is
/// in the database; nothing the client sends about price is used.
pub fn quote_buy_now(item: &SaleItem, quantity: i64) -> Result<Quote, Error> {
    if item.status != ProductStatus::OnSale {
        return Err(Error::NotOnSale);
    }
    if quantity < 1 {
        return Err(Error::BadQuantity);
    }
    if quantity > item.per_order_limit {
        return Err(Error::OverOrderLimit { limit: item.per_order_limit });
    }
    if item.stock <= 0 {
        return Err(Error::SoldOut);
    }
    if quantity > item.stock {
        return Err(Error::NotEnoughStock { left: item.stock });
    }
    let goods = item.price.checked_mul(quantity).filter(|g| *g <= MAX_AMOUNT).ok_or(Error::BadQuantity)?;
    Ok(Quote { unit_price: item.price, quantity, goods, shipping: Fen::ZERO, total: goods })
}

/// A shipment as the owner types it: carrier (e.g. 顺丰速运) and tracking number.
pub fn parse_shipment(carrier: &str, tracking_no: &str) -> Result<(String, String), Error> {
    let carrier = carrier.trim();
    let n = carrier.chars().count();
    if n == 0 || n > 20 || carrier.chars().any(char::is_control) {
        return Err(Error::BadCarrier);
    }
    let tracking: String = tracking_no.trim().chars().filter(|c| *c != ' ' && *c != '-').collect();
    if !(6..=30).contains(&tracking.len()) || !tracking.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(Error::BadTrackingNo);
    }
    Ok((carrier.to_string(), tracking.to_ascii_uppercase()))
}

/// How much of a line can still be asked back: its amount less what earlier requests took (or
/// are taking).
pub fn check_refund_amount(line_amount: Fen, already: Fen, amount: Fen) -> Result<(), Error> {
    let max = line_amount.saturating_sub(already);
    if amount.0 <= 0 || amount > max {
        return Err(Error::BadRefundAmount { max });
    }
    Ok(())
}

pub fn parse_refund_reason(input: &str) -> Result<String, Error> {
    let t = input.trim();
    let n = t.chars().count();
    if !(2..=200).contains(&n) || t.chars().any(|c| c.is_control() && c != '\n') {
        return Err(Error::BadRefundReason);
    }
    Ok(t.to_string())
}

/// Why an owner turns a refund down: required, at most 200 characters.
pub fn parse_decision_note(input: &str) -> Result<String, Error> {
    let t = input.trim();
    if t.is_empty() || t.chars().count() > 200 {
        return Err(Error::BadDecisionNote);
    }
    Ok(t.to_string())
}

/// Parses the quantity field of a buy form.
pub fn parse_quantity(input: &str) -> Result<i64, Error> {
    let s = input.trim();
    if s.is_empty() || s.len() > 6 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::BadQuantity);
    }
    s.parse::<i64>().ok().filter(|q| *q >= 1).ok_or(Error::BadQuantity)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn salmon() -> SaleItem {
        SaleItem { price: Fen(3500), stock: 12, per_order_limit: 10, status: ProductStatus::OnSale }
    }

    #[test]
    fn prices_a_buy_from_the_product() {
        let q = quote_buy_now(&salmon(), 3).unwrap();
        assert_eq!(q.goods, Fen(10500));
        assert_eq!(q.total, Fen(10500));
    }

    #[test]
    fn refuses_what_cannot_be_bought() {
        let item = salmon();
        assert_eq!(quote_buy_now(&item, 0), Err(Error::BadQuantity));
        assert_eq!(quote_buy_now(&item, -2), Err(Error::BadQuantity));
        assert_eq!(quote_buy_now(&item, 11), Err(Error::OverOrderLimit { limit: 10 }));
        let few = SaleItem { stock: 2, ..salmon() };
        assert_eq!(quote_buy_now(&few, 3), Err(Error::NotEnoughStock { left: 2 }));
        let none = SaleItem { stock: 0, ..salmon() };
        assert_eq!(quote_buy_now(&none, 1), Err(Error::SoldOut));
        for status in [ProductStatus::Draft, ProductStatus::OffSale] {
            assert_eq!(quote_buy_now(&SaleItem { status, ..salmon() }, 1), Err(Error::NotOnSale));
        }
    }

    #[test]
    fn refunds_stay_within_what_the_line_cost() {
        assert_eq!(check_refund_amount(Fen(7000), Fen(0), Fen(3500)), Ok(()));
        assert_eq!(check_refund_amount(Fen(7000), Fen(3500), Fen(3500)), Ok(()));
        assert_eq!(
            check_refund_amount(Fen(7000), Fen(3500), Fen(3501)),
            Err(Error::BadRefundAmount { max: Fen(3500) })
        );
        assert_eq!(check_refund_amount(Fen(7000), Fen(0), Fen(0)), Err(Error::BadRefundAmount { max: Fen(7000) }));
        assert_eq!(parse_refund_reason(" 少了一盒 "), Ok("少了一盒".into()));
        assert_eq!(parse_refund_reason("x"), Err(Error::BadRefundReason));
        assert_eq!(parse_decision_note("  "), Err(Error::BadDecisionNote));
        assert_eq!(parse_decision_note(" 已发出 "), Ok("已发出".into()));
    }

    #[test]
    fn parses_quantities() {
        assert_eq!(parse_quantity(" 2 "), Ok(2));
        for bad in ["", "0", "-1", "1.5", "abc", "9999999"] {
            assert_eq!(parse_quantity(bad), Err(Error::BadQuantity), "{bad}");
        }
    }

    #[test]
    fn parses_shipments() {
        assert_eq!(parse_shipment(" 顺丰速运 ", "sf 1234-5678 90"), Ok(("顺丰速运".into(), "SF1234567890".into())));
        assert_eq!(parse_shipment("", "SF1234567890"), Err(Error::BadCarrier));
        assert_eq!(parse_shipment(&"快".repeat(21), "SF1234567890"), Err(Error::BadCarrier));
        for bad in ["", "12345", "SF12345678901234567890123456789", "SF1234#5678"] {
            assert_eq!(parse_shipment("顺丰", bad), Err(Error::BadTrackingNo), "{bad}");
        }
    }

    #[test]
    fn state_machine_allows_exactly_the_listed_transitions() {
        use OrderEvent as E;
        use OrderStatus as S;
        let allowed = [
            (S::PendingPayment, E::PaymentReceived, S::Paid),
            (S::PendingPayment, E::Cancel, S::Cancelled),
            (S::PendingPayment, E::TeamPaymentReceived, S::AwaitingTeam),
            (S::AwaitingTeam, E::TeamSucceeded, S::Paid),
            (S::AwaitingTeam, E::TeamFailed, S::Refunding),
            (S::Paid, E::Ship, S::Shipped),
            (S::Shipped, E::Complete, S::Completed),
            (S::Paid, E::RefundRequested, S::Refunding),
            (S::Shipped, E::RefundRequested, S::Refunding),
            (S::Completed, E::RefundRequested, S::Refunding),
            (S::Refunding, E::RefundResolved { fully_refunded: true, resume: S::Paid }, S::Refunded),
            (S::Refunding, E::RefundResolved { fully_refunded: false, resume: S::Paid }, S::Paid),
            (S::Refunding, E::RefundResolved { fully_refunded: false, resume: S::Shipped }, S::Shipped),
        ];
        for &from in OrderStatus::ALL {
            for ev in ALL_EVENTS {
                let want = allowed.iter().find(|(f, e, _)| *f == from && *e == ev).map(|(_, _, to)| *to);
                assert_eq!(transition(from, ev), want, "{from:?} + {ev:?}");
            }
        }
        // Terminal states accept nothing (a completed order may still be refunded).
        for from in [S::Cancelled, S::Refunded] {
            assert!(ALL_EVENTS.iter().all(|e| transition(from, *e).is_none()));
        }
    }

    #[test]
    fn statuses_round_trip_through_text() {
        for &s in OrderStatus::ALL {
            assert_eq!(OrderStatus::parse(s.as_str()), Some(s));
        }
    }

    proptest! {
        #[test]
        fn an_accepted_quote_never_exceeds_stock_or_limit(
            price in 1i64..=1_000_000, stock in 0i64..=1000, limit in 1i64..=999, qty in -5i64..=2000
        ) {
            let item = SaleItem { price: Fen(price), stock, per_order_limit: limit, status: ProductStatus::OnSale };
            if let Ok(q) = quote_buy_now(&item, qty) {
                prop_assert!(q.quantity >= 1 && q.quantity <= stock && q.quantity <= limit);
                prop_assert_eq!(q.total.0, price * qty);
            }
        }
    }
}
