//! Pure rules of the shop: no IO, no async. Both the server and the browser call these.

pub mod account;
pub mod catalogue;
pub mod checkout;
pub mod groupbuy;
pub mod ledger;
pub mod money;
pub mod order;
pub mod payment;
pub mod referral;
pub mod time;
