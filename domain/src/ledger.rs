//! The double-entry ledger for money that moves between buyers, owners and distributors. Every
//! movement is a posting whose lines add up to zero (debits positive, credits negative) in whole
//! fen; balances are sums of postings, never counters kept on the side. The store appends postings
//! and never changes them.

use super::money::Fen;
use crate::text_enum;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Where money sits. Ids are users or communities as named.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Account {
    /// Money held at the payment provider for the shop (an asset: debit balance).
    Clearing,
    /// What the shop owes a community's owner for its sales.
    OwnerPayable(i64),
    /// A distributor's commissions on paid orders that may still be refunded.
    Pending(i64),
    /// Commissions on completed orders, held through the refund window.
    Frozen(i64),
    /// Settled commissions a distributor may withdraw (may go negative after a clawback).
    Available(i64),
    /// Asked to be withdrawn, waiting for the owner.
    Withdrawing(i64),
    /// Fees kept on withdrawals.
    FeeIncome,
}

impl Account {
    /// The account's name within its community's books, as the store keeps it.
    pub fn key(self) -> String {
        match self {
            Account::Clearing => "clearing".into(),
            Account::OwnerPayable(_) => "owner".into(),
            Account::Pending(u) => format!("pending:{u}"),
            Account::Frozen(u) => format!("frozen:{u}"),
            Account::Available(u) => format!("available:{u}"),
            Account::Withdrawing(u) => format!("withdrawing:{u}"),
            Account::FeeIncome => "fees".into(),
        }
    }

    /// A distributor's four accounts, in the order pending, frozen, available, withdrawing.
    pub fn of_distributor(user: i64) -> [Account; 4] {
        [Account::Pending(user), Account::Frozen(user), Account::Available(user), Account::Withdrawing(user)]
    }
}

/// One line of a posting: positive debits, negative credits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Line {
    pub account: Account,
    pub amount: i64,
}

/// What happened, with the lines it posts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Posting {
    pub kind: PostingKind,
    pub lines: Vec<Line>,
}

text_enum! {
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
    pub enum PostingKind {
        OrderPaid = "order_paid",
        Refund = "refund",
        Accrual = "accrual",
        Freeze = "freeze",
        Settle = "settle",
        Reversal = "reversal",
        Clawback = "clawback",
        WithdrawalRequested = "withdrawal_requested",
        WithdrawalRejected = "withdrawal_rejected",
        WithdrawalPaid = "withdrawal_paid",
    }
}

impl Posting {
    /// A transfer of `amount` from `from` (debited) to `to` (credited). Zero moves nothing.
    fn transfer(kind: PostingKind, from: Account, to: Account, amount: Fen) -> Posting {
        Posting { kind, lines: vec![Line { account: from, amount: amount.0 }, Line { account: to, amount: -amount.0 }] }
    }

    pub fn is_balanced(&self) -> bool {
        self.lines.iter().map(|l| l.amount as i128).sum::<i128>() == 0
    }
}

/// A buyer paid `amount` for an order of `community`.
pub fn order_paid(community: i64, amount: Fen) -> Posting {
    Posting::transfer(PostingKind::OrderPaid, Account::Clearing, Account::OwnerPayable(community), amount)
}

/// `amount` went back to a buyer.
pub fn refund(community: i64, amount: Fen) -> Posting {
    Posting::transfer(PostingKind::Refund, Account::OwnerPayable(community), Account::Clearing, amount)
}

/// A commission is owed to `user` out of the owner's sale.
pub fn accrual(community: i64, user: i64, amount: Fen) -> Posting {
    Posting::transfer(PostingKind::Accrual, Account::OwnerPayable(community), Account::Pending(user), amount)
}

pub fn freeze(user: i64, amount: Fen) -> Posting {
    Posting::transfer(PostingKind::Freeze, Account::Pending(user), Account::Frozen(user), amount)
}

pub fn settle(user: i64, amount: Fen) -> Posting {
    Posting::transfer(PostingKind::Settle, Account::Frozen(user), Account::Available(user), amount)
}

/// Takes back commission after a refund, from wherever it is: pending or frozen directly, or
/// from the settled balance as a clawback.
pub fn take_back(community: i64, user: i64, from: Account, amount: Fen) -> Posting {
    let kind = if matches!(from, Account::Available(_)) { PostingKind::Clawback } else { PostingKind::Reversal };
    debug_assert!(matches!(from, Account::Pending(u) | Account::Frozen(u) | Account::Available(u) if u == user));
    Posting::transfer(kind, from, Account::OwnerPayable(community), amount)
}

pub fn withdrawal_requested(user: i64, amount: Fen) -> Posting {
    Posting::transfer(PostingKind::WithdrawalRequested, Account::Available(user), Account::Withdrawing(user), amount)
}

pub fn withdrawal_rejected(user: i64, amount: Fen) -> Posting {
    Posting::transfer(PostingKind::WithdrawalRejected, Account::Withdrawing(user), Account::Available(user), amount)
}

/// The owner paid out a withdrawal of `amount`, keeping `fee`.
pub fn withdrawal_paid(user: i64, amount: Fen, fee: Fen) -> Posting {
    Posting {
        kind: PostingKind::WithdrawalPaid,
        lines: vec![
            Line { account: Account::Withdrawing(user), amount: amount.0 },
            Line { account: Account::Clearing, amount: -(amount.0 - fee.0) },
            Line { account: Account::FeeIncome, amount: -fee.0 },
        ],
    }
}

/// Balances by account, as what each account holds: debit-positive for `Clearing`, credit-positive
/// (what is owed) for everything else.
pub fn balances<'a>(postings: impl IntoIterator<Item = &'a Posting>) -> HashMap<Account, i64> {
    let mut b: HashMap<Account, i64> = HashMap::new();
    for p in postings {
        for l in &p.lines {
            *b.entry(l.account).or_default() += l.amount;
        }
    }
    for (account, v) in b.iter_mut() {
        if *account != Account::Clearing {
            *v = -*v;
        }
    }
    b
}

/// The smallest withdrawal, in fen (¥10).
pub const MIN_WITHDRAWAL: Fen = Fen(1_000);

/// Checks a withdrawal request against the settled balance.
pub fn check_withdrawal(amount: Fen, available: Fen, fee: Fen) -> Result<(), crate::Error> {
    use crate::Error;
    if amount < MIN_WITHDRAWAL {
        return Err(Error::WithdrawalTooSmall);
    }
    if amount > available {
        return Err(Error::WithdrawalOverBalance { available });
    }
    if fee >= amount {
        return Err(Error::WithdrawalTooSmall);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::referral::reversal_due;
    use proptest::prelude::*;

    #[test]
    fn every_posting_balances_and_balances_follow() {
        let c = 7;
        let a = 1;
        let ps = vec![
            order_paid(c, Fen(3500)),
            accrual(c, a, Fen(350)),
            freeze(a, Fen(350)),
            settle(a, Fen(350)),
            refund(c, Fen(1750)),
            take_back(c, a, Account::Available(a), Fen(175)),
        ];
        assert!(ps.iter().all(Posting::is_balanced));
        let b = balances(&ps);
        assert_eq!(b[&Account::Clearing], 1750);
        assert_eq!(b[&Account::Available(a)], 175);
        assert_eq!(b[&Account::OwnerPayable(c)], 3500 - 350 - 1750 + 175);
        assert_eq!(ps[5].kind, PostingKind::Clawback);
        assert!(withdrawal_paid(a, Fen(1000), Fen(10)).is_balanced());
        assert_eq!(check_withdrawal(Fen(999), Fen(5000), Fen(0)), Err(crate::Error::WithdrawalTooSmall));
        assert_eq!(
            check_withdrawal(Fen(5001), Fen(5000), Fen(0)),
            Err(crate::Error::WithdrawalOverBalance { available: Fen(5000) })
        );
        assert_eq!(check_withdrawal(Fen(5000), Fen(5000), Fen(10)), Ok(()));
    }

    /// One step of a generated history.
    #[derive(Clone, Debug)]
    enum Step {
        /// A member (index) buys for `amount`; their referrer chain earns.
        Buy {
            buyer: usize,
            amount: i64,
        },
        /// Part (per mille) of an order (index) is refunded.
        Refund {
            order: usize,
            per_mille: i64,
        },
        Complete {
            order: usize,
        },
        /// Days pass; frozen commissions whose time is up settle.
        Days(i64),
        Withdraw {
            user: usize,
            amount: i64,
        },
        Decide {
            approve: bool,
        },
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            (0usize..4, 1i64..20_000).prop_map(|(buyer, amount)| Step::Buy { buyer, amount }),
            (0usize..8, 1i64..1000).prop_map(|(order, per_mille)| Step::Refund { order, per_mille }),
            (0usize..8).prop_map(|order| Step::Complete { order }),
            (1i64..10).prop_map(Step::Days),
            (0usize..4, 500i64..5000).prop_map(|(user, amount)| Step::Withdraw { user, amount }),
            any::<bool>().prop_map(|approve| Step::Decide { approve }),
        ]
    }

    struct Commission {
        user: i64,
        accrued: i64,
        reversed: i64,
        state: &'static str,
        frozen_until: i64,
    }

    struct Order {
        amount: i64,
        refunded: i64,
        completed: bool,
        commissions: Vec<Commission>,
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        /// Thousands of histories of orders, partial refunds, completions, time and withdrawals,
        /// posted the way the store posts them: the books always balance, no money appears or
        /// vanishes, reversals never pass accruals, and a commission on an order refunded before
        /// it settled can never be withdrawn.
        #[test]
        fn the_books_always_balance(steps in proptest::collection::vec(step(), 1..60)) {
            const COMMUNITY: i64 = 9;
            // Member i's referrer is i + 1 (member 3 has none); level 1 earns 10 %, level 2 5 %.
            let rates = [1000i64, 500];
            let mut ledger: Vec<Posting> = vec![];
            let mut orders: Vec<Order> = vec![];
            let mut day = 0i64;
            let mut pending_withdrawal: Option<(i64, i64)> = None;
            let (mut paid_in, mut refunded_out, mut paid_out, mut fees) = (0i64, 0i64, 0i64, 0i64);
            for s in steps {
                match s {
                    Step::Buy { buyer, amount } => {
                        ledger.push(order_paid(COMMUNITY, Fen(amount)));
                        paid_in += amount;
                        let chain: Vec<i64> = (buyer as i64 + 1..4).take(2).collect();
                        let mut commissions = vec![];
                        for (i, user) in chain.into_iter().enumerate() {
                            let c = Fen(amount).apply_bp(rates[i]).0;
                            if c > 0 {
                                ledger.push(accrual(COMMUNITY, user, Fen(c)));
                                commissions.push(Commission { user, accrued: c, reversed: 0, state: "pending", frozen_until: 0 });
                            }
                        }
                        orders.push(Order { amount, refunded: 0, completed: false, commissions });
                    }
                    Step::Refund { order, per_mille } => {
                        let Some(o) = orders.get_mut(order) else { continue };
                        let r = (o.amount * per_mille / 1000).min(o.amount - o.refunded);
                        if r <= 0 { continue; }
                        o.refunded += r;
                        ledger.push(refund(COMMUNITY, Fen(r)));
                        refunded_out += r;
                        for c in &mut o.commissions {
                            let back = reversal_due(Fen(c.accrued), Fen(o.amount), Fen(o.refunded), Fen(c.reversed));
                            if back.0 == 0 { continue; }
                            let from = match c.state {
                                "pending" => Account::Pending(c.user),
                                "frozen" => Account::Frozen(c.user),
                                _ => Account::Available(c.user),
                            };
                            ledger.push(take_back(COMMUNITY, c.user, from, back));
                            c.reversed += back.0;
                        }
                    }
                    Step::Complete { order } => {
                        let Some(o) = orders.get_mut(order) else { continue };
                        if o.completed { continue; }
                        o.completed = true;
                        for c in &mut o.commissions {
                            let left = c.accrued - c.reversed;
                            if c.state == "pending" {
                                if left > 0 { ledger.push(freeze(c.user, Fen(left))); }
                                c.state = "frozen";
                                c.frozen_until = day + 7;
                            }
                        }
                    }
                    Step::Days(n) => {
                        day += n;
                        for o in &mut orders {
                            for c in &mut o.commissions {
                                if c.state == "frozen" && day >= c.frozen_until {
                                    let left = c.accrued - c.reversed;
                                    if left > 0 { ledger.push(settle(c.user, Fen(left))); }
                                    c.state = "settled";
                                }
                            }
                        }
                    }
                    Step::Withdraw { user, amount } => {
                        if pending_withdrawal.is_some() { continue; }
                        let user = user as i64;
                        let available = balances(&ledger).get(&Account::Available(user)).copied().unwrap_or(0);
                        if check_withdrawal(Fen(amount), Fen(available), Fen(0)).is_ok() {
                            ledger.push(withdrawal_requested(user, Fen(amount)));
                            pending_withdrawal = Some((user, amount));
                        }
                    }
                    Step::Decide { approve } => {
                        let Some((user, amount)) = pending_withdrawal.take() else { continue };
                        if approve {
                            let fee = amount / 100;
                            ledger.push(withdrawal_paid(user, Fen(amount), Fen(fee)));
                            paid_out += amount - fee;
                            fees += fee;
                        } else {
                            ledger.push(withdrawal_rejected(user, Fen(amount)));
                        }
                    }
                }
                // After every step.
                prop_assert!(ledger.iter().all(Posting::is_balanced));
                let b = balances(&ledger);
                let get = |a: Account| b.get(&a).copied().unwrap_or(0);
                // Cash at the provider is exactly what came in less what went out.
                prop_assert_eq!(get(Account::Clearing), paid_in - refunded_out - paid_out);
                // Everything owed to someone adds up to the cash held.
                let owed: i64 = b.iter().filter(|(a, _)| **a != Account::Clearing).map(|(_, v)| *v).sum();
                prop_assert_eq!(owed, get(Account::Clearing));
                prop_assert_eq!(get(Account::FeeIncome), fees);
                for o in &orders {
                    for c in &o.commissions {
                        prop_assert!(c.reversed <= c.accrued);
                        // Refunded in full before settling: nothing of it ever reached the balance.
                        if o.refunded == o.amount && c.state != "settled" {
                            prop_assert_eq!(c.reversed, c.accrued);
                        }
                    }
                }
                // Pending and frozen balances never go negative; only settled balances may.
                for (a, v) in &b {
                    if matches!(a, Account::Pending(_) | Account::Frozen(_) | Account::Withdrawing(_)) {
                        prop_assert!(*v >= 0, "{:?} = {}", a, v);
                    }
                }
            }
        }
    }
}
