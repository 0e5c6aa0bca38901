//! Qunli's rules and value types: pure functions over plain data, no I/O, no async, no
//! framework. The server calls them to decide, and the browser calls the same functions to
//! preview (the 分享赚 figure, a cart's total), so a rule is written once.
//!
//! `model` holds the read models the store returns and the pages show; with the `sqlx`
//! feature (the server build) they can be read straight from rows.

pub mod access;
pub mod account;
pub mod catalogue;
pub mod checkout;
pub mod error;
pub mod form;
pub mod groupbuy;
pub mod ledger;
pub mod limits;
pub mod model;
pub mod money;
pub mod net;
pub mod order;
pub mod payment;
pub mod referral;
#[cfg(feature = "sqlx")]
pub mod sql;
pub mod text;
pub mod time;

pub use error::Error;
