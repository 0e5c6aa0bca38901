//! What members and owners see of distribution: the programme, a member's standing and
//! balances, credited orders, withdrawals, distributors and commissions.

use crate::money::Fen;
use crate::referral::Programme;
use crate::Error;
use serde::{Deserialize, Serialize};

/// A community's programme as the owner set it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgrammeRow {
    pub rules: Programme,
    pub enabled: bool,
    /// Days a commission stays frozen after its order completes.
    pub freeze_days: i64,
    pub withdrawal_fee: Fen,
}

pub use crate::referral::MIN_FREEZE_DAYS;

impl ProgrammeRow {
    /// The rules, the hold and the fee, by the domain's checks.
    pub fn check(&self) -> Result<(), Error> {
        self.rules.check()?;
        crate::referral::check_hold(self.freeze_days, self.withdrawal_fee)
    }
}

/// Where a member stands in a community's programme.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Standing {
    Off,
    Active {
        level: Option<usize>,
    },
    Applied,
    Rejected,
    /// The programme takes applications and this member has not applied.
    MayApply,
    /// The programme opens after spending; this much is left to spend.
    SpendMore {
        left: Fen,
    },
}

/// A distributor's balances in a community, summed from the ledger.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Balances {
    pub pending: Fen,
    pub frozen: Fen,
    pub available: Fen,
    pub withdrawing: Fen,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct Withdrawal {
    pub id: i64,
    pub community_id: i64,
    pub user_id: i64,
    pub nickname: String,
    pub amount: Fen,
    pub fee: Fen,
    pub status: crate::referral::WithdrawalStatus,
    pub note: String,
    pub requested_at: i64,
    pub decided_at: Option<i64>,
}

/// One order attributed (or nearly) to a member, with the facts that explain it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreditedOrder {
    pub order_id: i64,
    pub buyer: String,
    pub order_status: crate::order::OrderStatus,
    pub goods: Fen,
    pub created_at: i64,
    pub why: Option<crate::referral::Why>,
    pub commission: Option<Fen>,
    pub reversed: Fen,
    pub commission_status: Option<crate::referral::CommissionStatus>,
    pub settle_at: Option<i64>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dashboard {
    pub balances: Balances,
    pub settled_total: Fen,
    pub reversed_total: Fen,
    pub commissions: i64,
    /// Members bound to this member, and those bound to them.
    pub team_l1: i64,
    pub team_l2: i64,
    pub visits: i64,
    pub orders: Vec<CreditedOrder>,
}

/// A row of the leaderboard or of the owner's distributor list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DistributorRow {
    pub user_id: i64,
    pub nickname: String,
    pub status: crate::referral::DistributorStatus,
    pub level: Option<usize>,
    pub application: String,
    pub applied_at: i64,
    /// Direct (level-1) sales attributed, and commission earned net of reversals.
    pub sales: Fen,
    pub earned: Fen,
    pub team: i64,
}

/// A commission as the owner lists and exports it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct CommissionRow {
    pub id: i64,
    pub order_id: i64,
    pub beneficiary: String,
    pub buyer: String,
    pub depth: i64,
    pub base: Fen,
    pub amount: Fen,
    pub reversed: Fen,
    pub status: crate::referral::CommissionStatus,
    pub created_at: i64,
    pub settle_at: Option<i64>,
}
