//! What every way of buying (buy now, the cart, a group-buy seat) reads from its form before the
//! goods: where they go, the note, who referred the member, and the form's checkout key.

use crate::error::AppError;
use domain::checkout::{parse_checkout_key, parse_note, Delivery};
use store::orders::{Checkout, CheckoutLine};

/// The parts of a checkout that do not depend on what is bought.
pub(crate) struct Preamble {
    pub delivery: Delivery,
    pub ship_to: String,
    pub note: String,
    pub referrer: Option<i64>,
    pub key: Option<String>,
}

impl Preamble {
    /// Reads the form's delivery choice (`pickup` or `addr:<id>` of one of `member`'s own
    /// addresses), note and key, and the referrer the request carries.
    pub(crate) async fn read(member: i64, form: &super::CheckoutForm) -> Result<Preamble, AppError> {
        let note = parse_note(&form.note)?;
        let (delivery, ship_to) = resolve_delivery(member, &form.delivery).await?;
        Ok(Preamble {
            delivery,
            ship_to,
            note,
            referrer: crate::ctx::referrer().await?,
            key: form.checkout_key.as_deref().and_then(parse_checkout_key),
        })
    }

    pub(crate) fn checkout(self, lines: Vec<CheckoutLine>) -> Checkout {
        Checkout {
            referrer: self.referrer,
            key: self.key,
            delivery: self.delivery,
            ship_to: self.ship_to,
            note: self.note,
            lines,
        }
    }
}

/// `pickup`, or `addr:<id>` of one of the member's own addresses (copied into the order).
async fn resolve_delivery(user: i64, choice: &str) -> Result<(Delivery, String), AppError> {
    if choice == "pickup" {
        return Ok((Delivery::Pickup, String::new()));
    }
    let id: i64 = choice.strip_prefix("addr:").and_then(|s| s.parse().ok()).ok_or(domain::Error::ChooseDelivery)?;
    let a = store::addresses::get(&crate::ctx::state().db, user, id).await?.ok_or(domain::Error::ChooseDelivery)?;
    Ok((Delivery::Ship, a.one_line()))
}
