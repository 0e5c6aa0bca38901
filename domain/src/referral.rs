//! Referral and distribution (推荐与分销) rules: referral codes, who a member is bound to, the
//! community's programme, and what each order pays whom. Pure functions; the store applies them,
//! and the browser uses `share_earn` for the "分享赚" preview, so both compute the same amount.

use super::money::Fen;
use crate::text_enum;
use crate::Error;
use serde::{Deserialize, Serialize};

/// The deepest chain a programme may pay (a member's referrer, theirs, and theirs).
pub const MAX_DEPTH: usize = 3;
/// Commission rates over all depths may not pass half of the price.
pub const MAX_TOTAL_BP: i64 = 5_000;
pub const DEFAULT_WINDOW_DAYS: i64 = 30;
pub const DAY_MS: i64 = crate::time::ms(crate::time::DAY);

/// Referral codes: 6 to 12 of `A–Z` and `2–9` (no 0/O or 1/I to misread). Anything else is not
/// a code and is ignored, so a malformed `?ref=` never breaks a page.
pub fn parse_code(s: &str) -> Option<String> {
    let s = s.trim().to_ascii_uppercase();
    let ok = (6..=12).contains(&s.len())
        && s.bytes().all(|b| matches!(b, b'A'..=b'H' | b'J'..=b'N' | b'P'..=b'Z' | b'2'..=b'9'));
    ok.then_some(s)
}

/// The letters codes are made of.
pub const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/// An 8-letter code from random bytes (one letter per byte).
pub fn code_from_bytes(bytes: [u8; 8]) -> String {
    bytes.iter().map(|b| CODE_ALPHABET[*b as usize % CODE_ALPHABET.len()] as char).collect()
}

/// How a community decides who a member is bound to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum BindMode {
    /// The first referrer stays for good.
    FirstTouch,
    /// A binding may be replaced once it is this many days old.
    Window { days: i64 },
    /// The latest referrer wins.
    LastTouch,
    /// Only members who joined through the link are bound, never existing ones.
    NewMembersOnly,
}

impl Default for BindMode {
    fn default() -> Self {
        BindMode::Window { days: DEFAULT_WINDOW_DAYS }
    }
}

/// A member's current binding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Binding {
    pub referrer: i64,
    pub bound_at: i64,
}

text_enum! {
    /// What came of a referral link, and why (shown to members asking why an order was credited).
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
    pub enum BindOutcome {
        Bound = "bound",
        /// Already bound to this referrer; the binding's age is kept.
        Unchanged = "unchanged",
        SelfReferral = "self_referral",
        /// The referrer is bound, directly or further up, to this member.
        WouldCycle = "would_cycle",
        /// Bound to someone else and the mode keeps that binding.
        KeptExisting = "kept_existing",
        /// The mode binds new members only, and this member was not new.
        NotNew = "not_new",
    }
}

/// Decides a binding. `referrer_chain` is the referrer's own chain upwards (their referrer first),
/// as far as it goes; binding the member to someone in it, or to themself, would make a cycle.
pub fn decide_binding(
    mode: BindMode,
    member: i64,
    member_is_new: bool,
    current: Option<Binding>,
    referrer: i64,
    referrer_chain: &[i64],
    now: i64,
) -> BindOutcome {
    if referrer == member {
        return BindOutcome::SelfReferral;
    }
    if referrer_chain.contains(&member) {
        return BindOutcome::WouldCycle;
    }
    match current {
        Some(b) if b.referrer == referrer => BindOutcome::Unchanged,
        None if mode == BindMode::NewMembersOnly && !member_is_new => BindOutcome::NotNew,
        None => BindOutcome::Bound,
        Some(b) => match mode {
            BindMode::LastTouch => BindOutcome::Bound,
            BindMode::Window { days } if now - b.bound_at >= days * DAY_MS => BindOutcome::Bound,
            _ => BindOutcome::KeptExisting,
        },
    }
}

/// The beneficiaries of an order, nearest first: the buyer's referrer, theirs, and so on, cut at
/// `depth` and at the first repeat (a cycle can never pay twice) or the buyer.
pub fn attribution_chain(buyer: i64, ancestors: &[i64], depth: usize) -> Vec<i64> {
    let mut chain = vec![];
    for &a in ancestors.iter().take(depth.min(MAX_DEPTH)) {
        if a == buyer || chain.contains(&a) {
            break;
        }
        chain.push(a);
    }
    chain
}

/// Who may become a distributor in a community.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum JoinMode {
    Open,
    ByApplication,
    /// After spending at least this much in the community.
    AfterSpending(Fen),
}

/// A per-product override of the level-1 commission.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Override {
    Fixed(Fen),
    RateBp(i64),
}

/// A distributor level: reached automatically at `threshold` of attributed sales, never lost.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Level {
    pub name: String,
    pub threshold: Fen,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Programme {
    pub join: JoinMode,
    pub bind: BindMode,
    /// Rates in basis points by depth; `rates_bp.len()` is the depth paid (1 to 3).
    pub rates_bp: Vec<i64>,
    pub levels: Vec<Level>,
    /// Most one distributor earns per day, if set.
    pub daily_cap: Option<Fen>,
    #[serde(deserialize_with = "crate::form::checkbox")]
    pub pays_group_buy: bool,
    #[serde(deserialize_with = "crate::form::checkbox")]
    pub pays_discounted: bool,
}

impl Programme {
    /// Checks rates and depth: no negative rate, at most three depths, and together at most half
    /// the price. Levels rise with their thresholds.
    pub fn check(&self) -> Result<(), Error> {
        if self.rates_bp.is_empty() || self.rates_bp.len() > MAX_DEPTH {
            return Err(Error::BadCommissionDepth);
        }
        if self.rates_bp.iter().any(|r| *r < 0) {
            return Err(Error::BadCommissionRate);
        }
        if self.rates_bp.iter().sum::<i64>() > MAX_TOTAL_BP {
            return Err(Error::CommissionTooHigh);
        }
        if self.daily_cap.is_some_and(|c| c.0 <= 0) {
            return Err(Error::BadCommissionRate);
        }
        if matches!(self.bind, BindMode::Window { days } if !(1..=365).contains(&days)) {
            return Err(Error::BadBindWindow);
        }
        if matches!(self.join, JoinMode::AfterSpending(f) if f.0 <= 0) {
            return Err(Error::BadSpendThreshold);
        }
        if self.levels.windows(2).any(|w| w[1].threshold <= w[0].threshold) {
            return Err(Error::BadLevels);
        }
        Ok(())
    }

    /// The level a distributor with `sales` of attributed sales has reached (index), if any.
    pub fn level_for(&self, sales: Fen) -> Option<usize> {
        self.levels.iter().rposition(|l| sales >= l.threshold)
    }
}

/// A product override, checked against the same half-the-price limit.
pub fn check_override(o: Override, price: Fen) -> Result<(), Error> {
    match o {
        Override::Fixed(f) if f.0 < 0 || f.0 * 2 > price.0 => Err(Error::CommissionTooHigh),
        Override::RateBp(r) if r < 0 => Err(Error::BadCommissionRate),
        Override::RateBp(r) if r > MAX_TOTAL_BP => Err(Error::CommissionTooHigh),
        _ => Ok(()),
    }
}

/// `rate` of `base`, floored to the fen.
pub fn of_rate(base: Fen, rate_bp: i64) -> Fen {
    Fen(base.0.max(0)).apply_bp(rate_bp.max(0))
}

/// What kind of order it was, for the programme's exclusions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderKind {
    pub group_buy: bool,
    pub discounted: bool,
}

/// One commission an order earns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Accrual {
    pub beneficiary: i64,
    /// 1 for the buyer's own referrer.
    pub depth: usize,
    pub amount: Fen,
}

/// The commissions of an order whose goods cost `base` (paid, excluding shipping, after
/// discounts), for the chain snapshotted at its creation. Each is floored to the fen; nobody is
/// paid for their own purchase; excluded kinds of order pay nothing.
pub fn commissions(
    p: &Programme,
    base: Fen,
    buyer: i64,
    chain: &[i64],
    o: Option<Override>,
    kind: OrderKind,
) -> Vec<Accrual> {
    if (kind.group_buy && !p.pays_group_buy) || (kind.discounted && !p.pays_discounted) || base.0 <= 0 {
        return vec![];
    }
    attribution_chain(buyer, chain, p.rates_bp.len())
        .into_iter()
        .enumerate()
        .map(|(i, beneficiary)| {
            let amount = match (i, o) {
                (0, Some(Override::Fixed(f))) => Fen(f.0.min(base.0)),
                (0, Some(Override::RateBp(r))) => of_rate(base, r),
                _ => of_rate(base, p.rates_bp[i]),
            };
            Accrual { beneficiary, depth: i + 1, amount }
        })
        .filter(|a| a.amount.0 > 0)
        .collect()
}

/// "分享赚 ¥X": what the next level-1 commission on one unit at `price` would be.
pub fn share_earn(p: &Programme, price: Fen, o: Option<Override>) -> Fen {
    const SOMEONE: i64 = -1;
    commissions(p, price, 0, &[SOMEONE], o, OrderKind::default()).first().map(|a| a.amount).unwrap_or(Fen::ZERO)
}

/// What the "分享赚" preview needs to compute the amount wherever it is shown: the programme, the
/// product's override and the price a referred buyer pays. The browser and the server call the
/// same `amount`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EarnPreview {
    pub rules: Programme,
    pub over: Option<Override>,
    pub price: Fen,
    pub group_buy: bool,
}

impl EarnPreview {
    pub fn amount(&self) -> Fen {
        if self.group_buy {
            let kind = OrderKind { group_buy: true, discounted: false };
            commissions(&self.rules, self.price, 0, &[-1], self.over, kind)
                .first()
                .map(|a| a.amount)
                .unwrap_or(Fen::ZERO)
        } else {
            share_earn(&self.rules, self.price, self.over)
        }
    }
}

/// How much of `amount` fits under a daily cap when `earned_today` is already earned.
pub fn under_cap(amount: Fen, earned_today: Fen, cap: Option<Fen>) -> Fen {
    match cap {
        Some(c) => Fen(amount.0.min((c.0 - earned_today.0).max(0))),
        None => amount,
    }
}

/// What to reverse now of a commission `accrued` on `base`, after `refunded` of the base has been
/// refunded in all and `reversed` already taken back: the commission keeps only its share of what
/// was not refunded (floored), so a full refund takes it all back, and reversals never exceed it.
pub fn reversal_due(accrued: Fen, base: Fen, refunded: Fen, reversed: Fen) -> Fen {
    if base.0 <= 0 {
        return accrued.saturating_sub(reversed);
    }
    let kept_base = (base.0 - refunded.0.clamp(0, base.0)) as i128;
    let keeps = (accrued.0 as i128 * kept_base / base.0 as i128) as i64;
    (accrued - Fen(keeps)).saturating_sub(reversed)
}

/// What one order line contributed to a commission: the line's base (after its share of the
/// order's discount), the commission it earned at its own rate, and how much of the line has been
/// refunded so far.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LinePart {
    pub base: Fen,
    pub earned: Fen,
    pub refunded: Fen,
}

/// [`reversal_due`] for a commission earned by several lines at their own rates: it keeps, of
/// what it `accrued` (the daily cap may have cut it below what the lines earned), the share the
/// lines still earn after their refunds, weighted by what each earned. A line at 0 % can be
/// refunded without touching the commission; a 10 % line refunded in full takes back all it
/// brought. Floored, so a full refund of every earning line takes the whole commission back.
pub fn reversal_due_by_line(accrued: Fen, parts: &[LinePart], reversed: Fen) -> Fen {
    const SCALE: i128 = 1_000_000_000;
    let earned: i128 = parts.iter().map(|p| p.earned.0 as i128).sum();
    if earned <= 0 {
        return accrued.saturating_sub(reversed);
    }
    let kept: i128 = parts
        .iter()
        .filter(|p| p.base.0 > 0)
        .map(|p| {
            let left = (p.base.0 - p.refunded.0.clamp(0, p.base.0)) as i128;
            p.earned.0 as i128 * left * SCALE / p.base.0 as i128
        })
        .sum();
    let keeps = (accrued.0 as i128 * kept / (earned * SCALE)) as i64;
    (accrued - Fen(keeps)).saturating_sub(reversed)
}

text_enum! {
    /// A commission's life.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
    pub enum CommissionStatus {
        /// The order is paid; it may still be refunded.
        Pending = "pending",
        /// The order completed; held until the refund window has passed.
        Frozen = "frozen",
        /// Withdrawable.
        Settled = "settled",
        /// Fully taken back before it settled.
        Reversed = "reversed",
    }
}

text_enum! {
    /// A member's place in a community's distributor programme.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
    pub enum DistributorStatus {
        Applied = "applied",
        Active = "active",
        Rejected = "rejected",
    }
}

text_enum! {
    /// A withdrawal request: waiting for the owner, paid out, or declined (funds returned).
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
    pub enum WithdrawalStatus {
        Pending = "pending",
        Paid = "paid",
        Rejected = "rejected",
    }
}

/// Commissions are held this long at least after their order completes (completed orders can
/// still be refunded), and at most `MAX_FREEZE_DAYS`.
pub const MIN_FREEZE_DAYS: i64 = 7;
pub const MAX_FREEZE_DAYS: i64 = 90;
pub const MAX_WITHDRAWAL_FEE: Fen = Fen(10_000);

/// Checks the hold after completion and the withdrawal fee an owner chose.
pub fn check_hold(freeze_days: i64, withdrawal_fee: Fen) -> Result<(), Error> {
    if !(MIN_FREEZE_DAYS..=MAX_FREEZE_DAYS).contains(&freeze_days) {
        return Err(Error::BadFreezeDays);
    }
    if withdrawal_fee.0 < 0 || withdrawal_fee > MAX_WITHDRAWAL_FEE {
        return Err(Error::BadWithdrawalFee);
    }
    Ok(())
}

/// A rate as owners type it, in percent with at most two decimals (`10`, `7.5`, `12%`), in basis
/// points. Empty reads as none.
pub fn parse_percent_bp(s: &str) -> Result<Option<i64>, Error> {
    let s = s.trim().trim_end_matches(['%', '％']).trim();
    if s.is_empty() {
        return Ok(None);
    }
    if s.starts_with('-') {
        return Err(Error::BadCommissionRate);
    }
    // Two decimals of a percent are whole basis points, the same digits as fen of a yuan.
    Fen::parse_yuan(s).map(|f| Some(f.0)).filter(|_| s.len() <= 6).ok_or(Error::BadCommissionRate)
}

/// A per-product commission as typed: `3.50` (fixed) or `12%` (rate); empty for none.
pub fn parse_override(s: &str, price: Fen) -> Result<Option<Override>, Error> {
    let t = s.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let o = if t.ends_with(['%', '％']) {
        Override::RateBp(parse_percent_bp(t).map_err(|_| Error::BadCommissionOverride)?.unwrap_or(0))
    } else {
        Override::Fixed(Fen::parse_yuan(t).ok_or(Error::BadCommissionOverride)?)
    };
    check_override(o, price).map_err(|_| Error::BadCommissionOverride)?;
    Ok(Some(o))
}

/// `名字:门槛` pairs separated by commas, e.g. `铜牌:0, 银牌:500, 金牌:2000` (thresholds in yuan).
pub fn parse_levels(s: &str) -> Result<Vec<Level>, Error> {
    let mut out = vec![];
    for part in s.split([',', '，', '\n']).map(str::trim).filter(|p| !p.is_empty()) {
        let (name, threshold) = part.split_once([':', '：']).ok_or(Error::BadLevels)?;
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 10 {
            return Err(Error::BadLevels);
        }
        let threshold = Fen::parse_yuan(threshold).ok_or(Error::BadLevels)?;
        out.push(Level { name: name.to_string(), threshold });
    }
    if out.len() > 6 {
        return Err(Error::BadLevels);
    }
    Ok(out)
}

pub fn levels_to_string(levels: &[Level]) -> String {
    levels.iter().map(|l| format!("{}:{}", l.name, l.threshold.input_value())).collect::<Vec<_>>().join(", ")
}

/// The programme form as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ProgrammeInput {
    /// `open`, `application` or `spend`.
    pub join: String,
    pub spend_threshold: String,
    /// `window`, `first`, `last` or `new`.
    pub bind: String,
    pub bind_days: String,
    pub rate1: String,
    pub rate2: String,
    pub rate3: String,
    pub levels: String,
    pub daily_cap: String,
    #[serde(deserialize_with = "crate::form::checkbox")]
    pub pays_group_buy: bool,
    #[serde(deserialize_with = "crate::form::checkbox")]
    pub pays_discounted: bool,
}

impl ProgrammeInput {
    /// The programme the form describes, checked.
    pub fn parse(&self) -> Result<Programme, Error> {
        let join = match self.join.as_str() {
            "open" => JoinMode::Open,
            "application" => JoinMode::ByApplication,
            "spend" => JoinMode::AfterSpending(Fen::parse_yuan(&self.spend_threshold).ok_or(Error::BadSpendThreshold)?),
            _ => return Err(Error::BadRequest),
        };
        let bind = match self.bind.as_str() {
            "window" => BindMode::Window { days: self.bind_days.trim().parse().map_err(|_| Error::BadBindWindow)? },
            "first" => BindMode::FirstTouch,
            "last" => BindMode::LastTouch,
            "new" => BindMode::NewMembersOnly,
            _ => return Err(Error::BadRequest),
        };
        // Rates go as deep as they are filled in; a gap (level 3 without level 2) is an error.
        let rates = [&self.rate1, &self.rate2, &self.rate3].map(|r| parse_percent_bp(r));
        let mut rates_bp = vec![];
        let mut ended = false;
        for r in rates {
            match (r?, ended) {
                (Some(_), true) => return Err(Error::BadCommissionDepth),
                (Some(bp), false) => rates_bp.push(bp),
                (None, _) => ended = true,
            }
        }
        let daily_cap = match self.daily_cap.trim() {
            "" => None,
            c => Some(Fen::parse_yuan(c).filter(|f| f.0 > 0).ok_or(Error::BadCommissionRate)?),
        };
        let p = Programme {
            join,
            bind,
            rates_bp,
            levels: parse_levels(&self.levels)?,
            daily_cap,
            pays_group_buy: self.pays_group_buy,
            pays_discounted: self.pays_discounted,
        };
        p.check()?;
        Ok(p)
    }

    /// The form filled with a programme.
    pub fn from_programme(p: &Programme) -> ProgrammeInput {
        let rate = |i: usize| p.rates_bp.get(i).map(|bp| Fen(*bp).input_value()).unwrap_or_default();
        let (join, spend_threshold) = match p.join {
            JoinMode::Open => ("open", String::new()),
            JoinMode::ByApplication => ("application", String::new()),
            JoinMode::AfterSpending(f) => ("spend", f.input_value()),
        };
        let (bind, bind_days) = match p.bind {
            BindMode::Window { days } => ("window", days.to_string()),
            BindMode::FirstTouch => ("first", DEFAULT_WINDOW_DAYS.to_string()),
            BindMode::LastTouch => ("last", DEFAULT_WINDOW_DAYS.to_string()),
            BindMode::NewMembersOnly => ("new", DEFAULT_WINDOW_DAYS.to_string()),
        };
        ProgrammeInput {
            join: join.into(),
            spend_threshold,
            bind: bind.into(),
            bind_days,
            rate1: rate(0),
            rate2: rate(1),
            rate3: rate(2),
            levels: levels_to_string(&p.levels),
            daily_cap: p.daily_cap.map(|c| c.input_value()).unwrap_or_default(),
            pays_group_buy: p.pays_group_buy,
            pays_discounted: p.pays_discounted,
        }
    }
}

/// A programme for a community that has none yet: open, window binding, 10 % and 5 %.
pub fn default_programme() -> Programme {
    Programme {
        join: JoinMode::Open,
        bind: BindMode::default(),
        rates_bp: vec![1000, 500],
        levels: vec![],
        daily_cap: None,
        pays_group_buy: false,
        pays_discounted: true,
    }
}

text_enum! {
    /// What an order meant for one member of its chain, decided when it was paid.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
    pub enum Credit {
        Credited = "credited",
        /// The community had no programme running.
        NoProgramme = "no_programme",
        /// A group-buy order, and the programme does not pay on those.
        GroupBuy = "group_buy",
        /// A discounted order, and the programme does not pay on those.
        Discounted = "discounted",
        /// The member was not a distributor when the order was paid.
        NotDistributor = "not_distributor",
        /// The member's daily cap was reached.
        Capped = "capped",
        /// The rates gave less than a fen.
        NothingToPay = "nothing",
    }
}

/// One `Credit` per depth of the chain, stored as `credited,not_distributor`.
pub fn credits_to_string(c: &[Credit]) -> String {
    c.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(",")
}

pub fn credits_from_str(s: &str) -> Vec<Credit> {
    s.split(',').filter_map(Credit::parse).collect()
}

/// Why an order was or was not credited to a member, for "why was this order credited".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Why {
    /// In the chain at `depth` and credited.
    Credited { depth: usize },
    /// In the chain at `depth`, but the order earned this member nothing.
    NotCredited { depth: usize, because: Credit },
    /// In the chain, and the order is not paid yet.
    Unpaid { depth: usize },
    /// The buyer came through the member's link, but the binding went another way.
    LinkOnly { outcome: BindOutcome },
    /// Came through the link and the chain reached the member only past the programme's depth.
    BeyondDepth,
}

/// Explains an order to `me` from its snapshot: the chain at creation, the link it came through
/// and what binding decided, and the credits decided at payment (empty while unpaid).
pub fn explain(me: i64, chain: &[i64], link: Option<(i64, BindOutcome)>, credits: &[Credit]) -> Option<Why> {
    if let Some(i) = chain.iter().position(|u| *u == me) {
        let depth = i + 1;
        return Some(match credits.get(i) {
            None if credits.is_empty() => Why::Unpaid { depth },
            None => Why::BeyondDepth,
            Some(Credit::Credited) => Why::Credited { depth },
            Some(c) => Why::NotCredited { depth, because: *c },
        });
    }
    match link {
        Some((who, outcome)) if who == me => Some(Why::LinkOnly { outcome }),
        _ => None,
    }
}

/// The start of the local day containing `now`, for daily caps (`offset_min` east of UTC).
pub fn day_start(now: i64, offset_min: i64) -> i64 {
    let off = offset_min * crate::time::ms(crate::time::MINUTE);
    (now + off).div_euclid(DAY_MS) * DAY_MS - off
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn programme() -> Programme {
        default_programme()
    }

    #[test]
    fn codes_are_short_and_unambiguous() {
        assert_eq!(parse_code(" ab3def "), Some("AB3DEF".into()));
        let code = code_from_bytes([0, 31, 32, 255, 7, 8, 9, 100]);
        assert_eq!(parse_code(&code), Some(code.clone()));
        for bad in ["", "ABC", "ABCDEFGHJKLMN", "ABC0EF", "ABCIEF", "AB-DEF", "阿梅阿梅阿梅"] {
            assert_eq!(parse_code(bad), None, "{bad}");
        }
    }

    #[test]
    fn binding_follows_the_mode_and_never_cycles() {
        let (a, b, c) = (1, 2, 3);
        let now = 100 * DAY_MS;
        let old = Some(Binding { referrer: c, bound_at: now - 31 * DAY_MS });
        let fresh = Some(Binding { referrer: c, bound_at: now - DAY_MS });
        assert_eq!(decide_binding(BindMode::default(), a, false, None, a, &[], now), BindOutcome::SelfReferral);
        // B is bound to A: A may not be bound to B, nor to anyone bound below A.
        assert_eq!(decide_binding(BindMode::LastTouch, a, false, None, b, &[a], now), BindOutcome::WouldCycle);
        assert_eq!(decide_binding(BindMode::LastTouch, a, false, None, c, &[b, a], now), BindOutcome::WouldCycle);
        assert_eq!(decide_binding(BindMode::FirstTouch, a, false, old, b, &[], now), BindOutcome::KeptExisting);
        assert_eq!(decide_binding(BindMode::default(), a, false, fresh, b, &[], now), BindOutcome::KeptExisting);
        assert_eq!(decide_binding(BindMode::default(), a, false, old, b, &[], now), BindOutcome::Bound);
        assert_eq!(decide_binding(BindMode::LastTouch, a, false, fresh, b, &[], now), BindOutcome::Bound);
        assert_eq!(decide_binding(BindMode::LastTouch, a, false, fresh, c, &[], now), BindOutcome::Unchanged);
        assert_eq!(decide_binding(BindMode::NewMembersOnly, a, false, None, b, &[], now), BindOutcome::NotNew);
        assert_eq!(decide_binding(BindMode::NewMembersOnly, a, true, None, b, &[], now), BindOutcome::Bound);
    }

    #[test]
    fn an_order_pays_its_chain_floored_and_never_the_buyer() {
        let p = programme();
        let base = Fen(3599);
        let got = commissions(&p, base, 9, &[1, 2, 3], None, OrderKind::default());
        assert_eq!(
            got,
            vec![
                Accrual { beneficiary: 1, depth: 1, amount: Fen(359) },
                Accrual { beneficiary: 2, depth: 2, amount: Fen(179) }
            ]
        );
        // A self-referral pays nothing, and a chain that loops back is cut there.
        assert!(commissions(&p, base, 1, &[1, 2], None, OrderKind::default()).is_empty());
        assert_eq!(commissions(&p, base, 9, &[1, 1, 2], None, OrderKind::default()).len(), 1);
        // Group-buy orders pay only when the owner says so.
        assert!(commissions(&p, base, 9, &[1], None, OrderKind { group_buy: true, discounted: false }).is_empty());
        // A product override replaces the level-1 amount.
        let fixed = commissions(&p, base, 9, &[1, 2], Some(Override::Fixed(Fen(350))), OrderKind::default());
        assert_eq!((fixed[0].amount, fixed[1].amount), (Fen(350), Fen(179)));
        assert_eq!(share_earn(&p, Fen(3500), None), Fen(350));
    }

    #[test]
    fn programmes_are_checked() {
        let mut p = programme();
        assert_eq!(p.check(), Ok(()));
        p.rates_bp = vec![3000, 2001];
        assert_eq!(p.check(), Err(Error::CommissionTooHigh));
        p.rates_bp = vec![100, 100, 100, 100];
        assert_eq!(p.check(), Err(Error::BadCommissionDepth));
        p.rates_bp = vec![-1];
        assert_eq!(p.check(), Err(Error::BadCommissionRate));
        p.rates_bp = vec![100];
        p.levels = vec![
            Level { name: "铜牌".into(), threshold: Fen(0) },
            Level { name: "银牌".into(), threshold: Fen(100_000) },
        ];
        assert_eq!(p.check(), Ok(()));
        assert_eq!((p.level_for(Fen(99_999)), p.level_for(Fen(100_000))), (Some(0), Some(1)));
        p.levels.swap(0, 1);
        assert_eq!(p.check(), Err(Error::BadLevels));
        assert_eq!(check_override(Override::Fixed(Fen(1800)), Fen(3500)), Err(Error::CommissionTooHigh));
        assert_eq!(check_override(Override::RateBp(2000), Fen(3500)), Ok(()));
        assert_eq!(check_hold(6, Fen::ZERO), Err(Error::BadFreezeDays));
        assert_eq!(check_hold(91, Fen::ZERO), Err(Error::BadFreezeDays));
        assert_eq!(check_hold(7, Fen(10_001)), Err(Error::BadWithdrawalFee));
        assert_eq!(check_hold(7, Fen(100)), Ok(()));
        p.bind = BindMode::Window { days: 0 };
        assert_eq!(p.check(), Err(Error::BadBindWindow));
        p.bind = BindMode::default();
        p.join = JoinMode::AfterSpending(Fen::ZERO);
        assert_eq!(p.check(), Err(Error::BadSpendThreshold));
        p.join = JoinMode::Open;
        assert_eq!(under_cap(Fen(500), Fen(800), Some(Fen(1000))), Fen(200));
    }

    #[test]
    fn half_refunded_reverses_half() {
        // ¥3.50 on a ¥35.00 order: half refunded takes back ¥1.75, the rest takes the remainder.
        assert_eq!(reversal_due(Fen(350), Fen(3500), Fen(1750), Fen(0)), Fen(175));
        assert_eq!(reversal_due(Fen(350), Fen(3500), Fen(3500), Fen(175)), Fen(175));
        assert_eq!(reversal_due(Fen(350), Fen(3500), Fen(3500), Fen(350)), Fen(0));
    }

    #[test]
    fn the_programme_form_reads_what_owners_type() {
        let input = ProgrammeInput {
            join: "open".into(),
            bind: "window".into(),
            bind_days: "30".into(),
            rate1: "10".into(),
            rate2: "5%".into(),
            levels: "铜牌:0，银牌:500".into(),
            pays_discounted: true,
            ..Default::default()
        };
        let p = input.parse().unwrap();
        assert_eq!(p.rates_bp, vec![1000, 500]);
        assert_eq!(p.levels[1], Level { name: "银牌".into(), threshold: Fen(50_000) });
        assert_eq!(ProgrammeInput::from_programme(&p).parse().unwrap(), p);
        let bad = |f: fn(&mut ProgrammeInput), e: Error| {
            let mut i = input.clone();
            f(&mut i);
            assert_eq!(i.parse(), Err(e));
        };
        bad(|i| i.rate1 = "-5".into(), Error::BadCommissionRate);
        bad(|i| i.rate1 = "45.01".into(), Error::CommissionTooHigh);
        bad(
            |i| {
                i.rate2 = String::new();
                i.rate3 = "1".into()
            },
            Error::BadCommissionDepth,
        );
        bad(|i| i.rate1 = String::new(), Error::BadCommissionDepth);
        bad(|i| i.bind_days = "0".into(), Error::BadBindWindow);
        bad(|i| i.levels = "银牌:500, 铜牌:0".into(), Error::BadLevels);
        bad(|i| i.levels = "银牌".into(), Error::BadLevels);
        bad(
            |i| {
                i.join = "spend".into();
                i.spend_threshold = "0".into()
            },
            Error::BadSpendThreshold,
        );
        assert_eq!(parse_override("3.50", Fen(3500)), Ok(Some(Override::Fixed(Fen(350)))));
        assert_eq!(parse_override("12%", Fen(3500)), Ok(Some(Override::RateBp(1200))));
        assert_eq!(parse_override("", Fen(3500)), Ok(None));
        assert_eq!(parse_override("20", Fen(3500)), Err(Error::BadCommissionOverride));
        assert_eq!(parse_override("abc", Fen(3500)), Err(Error::BadCommissionOverride));
    }

    #[test]
    fn orders_explain_themselves() {
        let credits = credits_from_str("credited,not_distributor");
        assert_eq!(credits_to_string(&credits), "credited,not_distributor");
        assert_eq!(explain(1, &[1, 2], None, &credits), Some(Why::Credited { depth: 1 }));
        assert_eq!(
            explain(2, &[1, 2], None, &credits),
            Some(Why::NotCredited { depth: 2, because: Credit::NotDistributor })
        );
        assert_eq!(explain(2, &[1, 2], None, &[]), Some(Why::Unpaid { depth: 2 }));
        assert_eq!(
            explain(3, &[1], Some((3, BindOutcome::KeptExisting)), &credits),
            Some(Why::LinkOnly { outcome: BindOutcome::KeptExisting })
        );
        assert_eq!(explain(4, &[1], Some((3, BindOutcome::KeptExisting)), &credits), None);
        // 00:30 in Shanghai is the same local day as 23:00 the evening before in UTC.
        let start = day_start(DAY_MS * 100 + 16 * 3_600_000 + 30 * 60_000, 480);
        assert_eq!(start, DAY_MS * 100 + 16 * 3_600_000);
    }

    proptest! {
        #[test]
        fn commissions_never_pass_the_limit(base in 0i64..10_000_000, r1 in 0i64..3000, r2 in 0i64..2000, chain in proptest::collection::vec(1i64..6, 0..5), buyer in 1i64..6) {
            let p = Programme { rates_bp: vec![r1, r2], ..programme() };
            let got = commissions(&p, Fen(base), buyer, &chain, None, OrderKind::default());
            let total: i64 = got.iter().map(|a| a.amount.0).sum();
            prop_assert!(total * 2 <= base.max(0));
            prop_assert!(got.iter().all(|a| a.beneficiary != buyer && a.amount.0 > 0));
            let mut seen = got.iter().map(|a| a.beneficiary).collect::<Vec<_>>();
            seen.dedup();
            prop_assert_eq!(seen.len(), got.len());
        }

        #[test]
        fn reversals_add_up_to_what_was_refunded(accrued in 0i64..100_000, base in 1i64..1_000_000, steps in proptest::collection::vec(0i64..1_000_000, 1..6)) {
            let accrued = accrued.min(base);
            let (mut refunded, mut reversed) = (0i64, 0i64);
            for s in steps {
                refunded = (refunded + s).min(base);
                let r = reversal_due(Fen(accrued), Fen(base), Fen(refunded), Fen(reversed));
                prop_assert!(r.0 >= 0);
                reversed += r.0;
                prop_assert!(reversed <= accrued);
                // What is kept is never more than the commission on what was not refunded.
                prop_assert!((accrued - reversed) as i128 * base as i128 <= accrued as i128 * (base - refunded) as i128 + base as i128);
            }
            let all = reversal_due(Fen(accrued), Fen(base), Fen(base), Fen(reversed));
            prop_assert_eq!(reversed + all.0, accrued);
        }
    }

    #[test]
    fn a_line_refund_takes_back_only_what_that_line_earned() {
        let part = |base: i64, earned: i64, refunded: i64| LinePart {
            base: Fen(base),
            earned: Fen(earned),
            refunded: Fen(refunded),
        };
        // A ¥100 line at 10 % and a ¥900 line at 0 %: refunding the first takes all ¥10 back.
        let both = [part(10_000, 1_000, 10_000), part(90_000, 0, 0)];
        assert_eq!(reversal_due_by_line(Fen(1_000), &both, Fen::ZERO), Fen(1_000));
        // Refunding the 0 % line takes nothing.
        let other = [part(10_000, 1_000, 0), part(90_000, 0, 90_000)];
        assert_eq!(reversal_due_by_line(Fen(1_000), &other, Fen::ZERO), Fen::ZERO);
        // Half of the earning line: half back, less what was already taken.
        let half = [part(10_000, 1_000, 5_000), part(90_000, 0, 0)];
        assert_eq!(reversal_due_by_line(Fen(1_000), &half, Fen(200)), Fen(300));
        // Capped below what the lines earned: the same shares of what was accrued.
        assert_eq!(reversal_due_by_line(Fen(600), &half, Fen::ZERO), Fen(300));
    }

    proptest::proptest! {
        #[test]
        fn line_reversals_never_exceed_the_commission_and_a_full_refund_takes_it_all(
            lines in proptest::collection::vec((1i64..1_000_000, 1i64..200_000, 0i64..1_100_000), 1..5),
            cap in 1i64..400_000,
        ) {
            let parts: Vec<LinePart> = lines
                .iter()
                .map(|&(base, earned, refunded)| LinePart { base: Fen(base), earned: Fen(earned.min(base)), refunded: Fen(refunded) })
                .collect();
            let earned: i64 = parts.iter().map(|p| p.earned.0).sum();
            let accrued = Fen(earned.min(cap).max(1));
            let due = reversal_due_by_line(accrued, &parts, Fen::ZERO);
            proptest::prop_assert!(due >= Fen::ZERO && due <= accrued);
            let all: Vec<LinePart> = parts.iter().map(|p| LinePart { refunded: p.base, ..*p }).collect();
            proptest::prop_assert_eq!(reversal_due_by_line(accrued, &all, Fen::ZERO), accrued);
            let none: Vec<LinePart> = parts.iter().map(|p| LinePart { refunded: Fen::ZERO, ..*p }).collect();
            proptest::prop_assert_eq!(reversal_due_by_line(accrued, &none, Fen::ZERO), Fen::ZERO);
        }
    }
}
