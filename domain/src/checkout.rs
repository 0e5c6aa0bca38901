//! Checkout: where the goods go, what shipping costs, and the order's totals.

use super::account::parse_phone;
use super::money::{Fen, MAX_AMOUNT};
use crate::text_enum;
use crate::Error;
use serde::{Deserialize, Serialize};

/// A community's shipping rule: a flat fee per order, waived from a goods amount on (0: never).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShippingRule {
    pub flat_fee: Fen,
    pub free_over: Fen,
}

text_enum! {
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
    pub enum Delivery {
        /// Sent by courier to the member's address.
        Ship = "ship",
        /// Collected at the community's pickup point (自提): no shipping fee.
        Pickup = "pickup",
    }
}

impl ShippingRule {
    /// From the owner's settings form: fee and threshold in yuan (empty = 0), and the pickup
    /// point (empty = none).
    pub fn parse(fee: &str, free_over: &str) -> Result<ShippingRule, Error> {
        let money = |s: &str| if s.trim().is_empty() { Some(Fen::ZERO) } else { Fen::parse_yuan(s) };
        let flat_fee = money(fee).filter(|f| f.0 <= 100_000).ok_or(Error::BadShippingFee)?;
        let free_over = money(free_over).ok_or(Error::BadFreeShipping)?;
        Ok(ShippingRule { flat_fee, free_over })
    }

    pub fn fee(self, goods: Fen, delivery: Delivery) -> Fen {
        match delivery {
            Delivery::Pickup => Fen::ZERO,
            Delivery::Ship if self.free_over.0 > 0 && goods >= self.free_over => Fen::ZERO,
            Delivery::Ship => self.flat_fee,
        }
    }
}

/// The pickup point as the owner wrote it; empty means the community has none.
pub fn parse_pickup_point(input: &str) -> Result<String, Error> {
    let s = input.trim();
    if s.chars().count() > 60 || s.chars().any(char::is_control) {
        return Err(Error::BadPickupPoint);
    }
    Ok(s.to_string())
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    pub goods: Fen,
    pub shipping: Fen,
    pub discount: Fen,
    pub total: Fen,
}

/// What an order costs: the lines' amounts, shipping by the community's rule, no discount yet.
pub fn totals(line_amounts: &[Fen], rule: ShippingRule, delivery: Delivery) -> Result<Totals, Error> {
    let goods = line_amounts.iter().try_fold(Fen::ZERO, |acc, a| acc.checked_add(*a)).ok_or(Error::BadQuantity)?;
    let shipping = rule.fee(goods, delivery);
    let total = goods.checked_add(shipping).filter(|t| *t <= MAX_AMOUNT).ok_or(Error::BadQuantity)?;
    Ok(Totals { goods, shipping, discount: Fen::ZERO, total })
}

/// Whether a cart line can be bought as it is, and if not, why.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CartLineState {
    Ready,
    /// The product or this option is no longer on sale.
    OffSale,
    SoldOut,
    /// Fewer left than the quantity in the cart.
    NotEnough {
        left: i64,
    },
    /// More than one order may hold.
    OverLimit {
        limit: i64,
    },
}

pub fn cart_line_state(on_sale: bool, stock: i64, per_order_limit: i64, quantity: i64) -> CartLineState {
    if !on_sale {
        CartLineState::OffSale
    } else if stock <= 0 {
        CartLineState::SoldOut
    } else if quantity > per_order_limit {
        CartLineState::OverLimit { limit: per_order_limit }
    } else if quantity > stock {
        CartLineState::NotEnough { left: stock }
    } else {
        CartLineState::Ready
    }
}

impl CartLineState {
    /// The refusal to give when a member tries to put this line in the cart.
    pub fn error(self) -> Option<Error> {
        match self {
            CartLineState::Ready => None,
            CartLineState::OffSale => Some(Error::NotOnSale),
            CartLineState::SoldOut => Some(Error::SoldOut),
            CartLineState::NotEnough { left } => Some(Error::NotEnoughStock { left }),
            CartLineState::OverLimit { limit } => Some(Error::OverOrderLimit { limit }),
        }
    }
}

/// A shipping address: recipient, mainland mobile number, region (省市区) and street detail.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddressDraft {
    pub name: String,
    pub phone: String,
    pub region: String,
    pub detail: String,
}

impl AddressDraft {
    pub fn parse(name: &str, phone: &str, region: &str, detail: &str) -> Result<AddressDraft, Error> {
        let clean = |s: &str, min: usize, max: usize, e: Error| {
            let t = s.trim();
            let n = t.chars().count();
            if n < min || n > max || t.chars().any(char::is_control) {
                Err(e)
            } else {
                Ok(t.to_string())
            }
        };
        Ok(AddressDraft {
            name: clean(name, 1, 20, Error::BadRecipient)?,
            phone: parse_phone(phone).ok_or(Error::BadRecipientPhone)?,
            region: clean(region, 2, 40, Error::BadRegion)?,
            detail: clean(detail, 4, 120, Error::BadAddressDetail)?,
        })
    }

    /// `阿梅 138****8000 浙江省杭州市西湖区 文三路 1 号`
    pub fn one_line(&self) -> String {
        format!("{} {} {} {}", self.name, self.phone, self.region, self.detail)
    }
}

/// An order note for the owner, at most 100 characters.
pub fn parse_note(input: &str) -> Result<String, Error> {
    let t = input.trim();
    if t.chars().count() > 100 || t.chars().any(|c| c.is_control() && c != '\n') {
        return Err(Error::BadNote);
    }
    Ok(t.to_string())
}

/// The key a checkout form carries so that submitting it twice (a double tap, a retry after a
/// timeout) creates its orders once: 16 to 64 letters, digits, `-` or `_`.
pub fn parse_checkout_key(input: &str) -> Option<String> {
    let k = input.trim();
    ((16..=64).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
        .then(|| k.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn shipping_is_flat_until_the_threshold_and_free_for_pickup() {
        let rule = ShippingRule::parse("8", "99").unwrap();
        assert_eq!(rule.fee(Fen(9899), Delivery::Ship), Fen(800));
        assert_eq!(rule.fee(Fen(9900), Delivery::Ship), Fen::ZERO);
        assert_eq!(rule.fee(Fen(100), Delivery::Pickup), Fen::ZERO);
        let never_free = ShippingRule::parse("10", "").unwrap();
        assert_eq!(never_free.fee(Fen(1_000_000), Delivery::Ship), Fen(1000));
        assert_eq!(ShippingRule::parse("", "").unwrap().fee(Fen(1), Delivery::Ship), Fen::ZERO);
        assert_eq!(ShippingRule::parse("-1", ""), Err(Error::BadShippingFee));
        assert_eq!(ShippingRule::parse("8", "abc"), Err(Error::BadFreeShipping));
    }

    #[test]
    fn totals_add_up() {
        let rule = ShippingRule::parse("8", "99").unwrap();
        let t = totals(&[Fen(3500), Fen(5800)], rule, Delivery::Ship).unwrap();
        assert_eq!((t.goods, t.shipping, t.total), (Fen(9300), Fen(800), Fen(10100)));
        let t = totals(&[Fen(3500), Fen(6800)], rule, Delivery::Ship).unwrap();
        assert_eq!((t.shipping, t.total), (Fen::ZERO, Fen(10300)));
    }

    #[test]
    fn addresses_are_checked_field_by_field() {
        let a = AddressDraft::parse(" 阿梅 ", "138 0013 8000", "浙江省杭州市西湖区", "文三路 1 号").unwrap();
        assert_eq!(a.phone, "13800138000");
        assert_eq!(AddressDraft::parse("", "13800138000", "浙江", "文三路 1 号"), Err(Error::BadRecipient));
        assert_eq!(AddressDraft::parse("阿梅", "12345", "浙江", "文三路 1 号"), Err(Error::BadRecipientPhone));
        assert_eq!(AddressDraft::parse("阿梅", "13800138000", "浙", "文三路 1 号"), Err(Error::BadRegion));
        assert_eq!(AddressDraft::parse("阿梅", "13800138000", "浙江", "1号"), Err(Error::BadAddressDetail));
    }

    #[test]
    fn cart_lines_say_why_they_cannot_be_bought() {
        assert_eq!(cart_line_state(true, 10, 5, 3), CartLineState::Ready);
        assert_eq!(cart_line_state(false, 10, 5, 3), CartLineState::OffSale);
        assert_eq!(cart_line_state(true, 0, 5, 3), CartLineState::SoldOut);
        assert_eq!(cart_line_state(true, 2, 5, 3), CartLineState::NotEnough { left: 2 });
        assert_eq!(cart_line_state(true, 10, 5, 6), CartLineState::OverLimit { limit: 5 });
        assert_eq!(CartLineState::NotEnough { left: 2 }.error(), Some(Error::NotEnoughStock { left: 2 }));
    }

    #[test]
    fn checkout_keys_and_notes() {
        assert!(parse_checkout_key("abcdefghijklmnop").is_some());
        assert!(parse_checkout_key("short").is_none());
        assert!(parse_checkout_key("has spaces in it, no way!").is_none());
        assert_eq!(parse_note("  请周五送 "), Ok("请周五送".into()));
        assert_eq!(parse_note(&"字".repeat(101)), Err(Error::BadNote));
    }

    proptest! {
        #[test]
        fn shipping_never_exceeds_the_flat_fee(fee in 0i64..=100_000, over in 0i64..=1_000_000, goods in 0i64..=10_000_000) {
            let rule = ShippingRule { flat_fee: Fen(fee), free_over: Fen(over) };
            let f = rule.fee(Fen(goods), Delivery::Ship);
            prop_assert!(f == Fen::ZERO || f == Fen(fee));
            let t = totals(&[Fen(goods)], rule, Delivery::Ship).unwrap();
            prop_assert_eq!(t.total.0, goods + f.0);
        }
    }
}
