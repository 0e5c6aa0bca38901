//! Server functions: the application's API. Each one is thin: it authorises, parses its input
//! into domain types, calls the store and domain, and maps errors. Forms post straight to them.

pub mod account;
pub mod addresses;
pub mod cart;
pub mod console;
pub mod distribution;
pub mod groupbuy;
pub mod orders;
pub mod shop;

#[cfg(feature = "ssr")]
mod checkout;
#[cfg(feature = "ssr")]
pub mod form;
