//! Group-buy (拼团) rules: what an activity may be, what each member pays, when a team is full,
//! and how it ends. The store applies these with conditional updates; nothing here does IO.

use super::money::Fen;
use crate::text_enum;
use crate::time::{ms, HOUR};
use crate::Error;
use serde::{Deserialize, Serialize};
use std::time::Duration;

pub const MIN_TEAM: i64 = 2;
pub const MAX_TEAM: i64 = 50;
pub const HOUR_MS: i64 = ms(HOUR);
/// A team's window when the owner does not choose one.
pub const DEFAULT_WINDOW: Duration = Duration::from_secs(24 * 3600);
pub const DEFAULT_WINDOW_MS: i64 = ms(DEFAULT_WINDOW);
/// How long a joining member's seat is kept while they pay.
pub const SEAT_HOLD: Duration = Duration::from_secs(5 * 60);
pub const SEAT_HOLD_MS: i64 = ms(SEAT_HOLD);

/// A ladder step (阶梯团): when a team closes with at least `size` members, each pays `price`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tier {
    pub size: i64,
    pub price: Fen,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct Activity {
    /// The option (SKU) the team price is for: a group-buy sells one option, so a dearer option
    /// never goes at a price set against a cheaper one. Chosen by the owner; the store fills in a
    /// product's only option.
    #[serde(default)]
    pub sku_id: Option<i64>,
    /// Members needed for the team to succeed.
    pub team_size: i64,
    /// What each member pays at the start (the highest price of a ladder).
    pub team_price: Fen,
    /// What the member who opens the team pays, if lower.
    pub leader_price: Option<Fen>,
    pub window_ms: i64,
    pub starts_at: i64,
    pub ends_at: i64,
    /// Units one member may buy through this activity, over all their orders.
    pub per_member_limit: i64,
    /// Larger teams, lower prices; sizes increasing above `team_size`, prices decreasing.
    #[cfg_attr(feature = "sqlx", sqlx(try_from = "LadderText"))]
    pub ladder: Vec<Tier>,
    /// 成团保障: at the end of its window a team succeeds with whoever has paid.
    #[cfg_attr(feature = "sqlx", sqlx(try_from = "crate::sql::IntBool"))]
    pub guaranteed: bool,
}

/// A ladder as one line of text, `3:2590,4:2290` (team size and price in fen per step): how the
/// database keeps it.
pub fn ladder_text(tiers: &[Tier]) -> String {
    tiers.iter().map(|t| format!("{}:{}", t.size, t.price.0)).collect::<Vec<_>>().join(",")
}

/// Reads `ladder_text`'s form back; steps that do not parse are skipped.
pub fn ladder_from_text(s: &str) -> Vec<Tier> {
    s.split(',')
        .filter_map(|p| {
            let (size, price) = p.split_once(':')?;
            Some(Tier { size: size.parse().ok()?, price: Fen(price.parse().ok()?) })
        })
        .collect()
}

/// A ladder as its TEXT column keeps it (`3:2590,4:2290`: team size and price in fen per step),
/// read as a `Vec<Tier>` field: `#[sqlx(try_from = "LadderText")]`.
#[cfg(feature = "sqlx")]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LadderText(pub String);

#[cfg(feature = "sqlx")]
impl sqlx::Type<sqlx::Any> for LadderText {
    fn type_info() -> sqlx::any::AnyTypeInfo {
        <str as sqlx::Type<sqlx::Any>>::type_info()
    }

    fn compatible(ty: &sqlx::any::AnyTypeInfo) -> bool {
        <str as sqlx::Type<sqlx::Any>>::compatible(ty)
    }
}

#[cfg(feature = "sqlx")]
impl<'r> sqlx::Decode<'r, sqlx::Any> for LadderText {
    fn decode(value: <sqlx::Any as sqlx::Database>::ValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
        Ok(LadderText(<String as sqlx::Decode<'r, sqlx::Any>>::decode(value)?))
    }
}

#[cfg(feature = "sqlx")]
impl From<LadderText> for Vec<Tier> {
    fn from(v: LadderText) -> Self {
        ladder_from_text(&v.0)
    }
}

/// The owner's activity form as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ActivityInput {
    pub team_size: String,
    pub team_price: String,
    pub leader_price: String,
    pub window_hours: String,
    pub starts_at: String,
    pub ends_at: String,
    pub per_member_limit: String,
    /// `5:25.90, 10:22.90`: size and price per step.
    pub ladder: String,
    /// The option the group-buy sells, by id; empty on a product with one option.
    pub sku_id: String,
    #[serde(deserialize_with = "crate::form::checkbox")]
    pub guaranteed: bool,
}

fn count(s: &str) -> Option<i64> {
    let s = s.trim();
    (!s.is_empty() && s.len() <= 6 && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok()).flatten()
}

impl Activity {
    /// Checks an activity against the single price of the option it sells: a group price must be
    /// a real saving. Times are UTC milliseconds, already parsed. The option itself is read from
    /// `f.sku_id` by `chosen_sku`; the caller looks up its price.
    pub fn parse(f: &ActivityInput, single_price: Fen, starts_at: i64, ends_at: i64) -> Result<Activity, Error> {
        let team_size = count(&f.team_size).filter(|n| (MIN_TEAM..=MAX_TEAM).contains(n)).ok_or(Error::BadTeamSize)?;
        let team_price = Fen::parse_yuan(&f.team_price).filter(|p| p.0 > 0).ok_or(Error::BadTeamPrice)?;
        if team_price >= single_price {
            return Err(Error::TeamPriceNotBelowSingle);
        }
        let leader_price = if f.leader_price.trim().is_empty() {
            None
        } else {
            let p = Fen::parse_yuan(&f.leader_price).filter(|p| p.0 > 0).ok_or(Error::BadLeaderPrice)?;
            if p >= team_price {
                return Err(Error::BadLeaderPrice);
            }
            Some(p)
        };
        let window_ms = if f.window_hours.trim().is_empty() {
            DEFAULT_WINDOW_MS
        } else {
            count(&f.window_hours).filter(|h| (1..=72).contains(h)).ok_or(Error::BadTeamWindow)? * HOUR_MS
        };
        if ends_at <= starts_at {
            return Err(Error::BadActivityTimes);
        }
        let per_member_limit = if f.per_member_limit.trim().is_empty() {
            1
        } else {
            count(&f.per_member_limit).filter(|n| (1..=99).contains(n)).ok_or(Error::BadMemberLimit)?
        };
        let ladder = parse_ladder(&f.ladder, team_size, team_price)?;
        Ok(Activity {
            sku_id: chosen_sku(f),
            team_size,
            team_price,
            leader_price,
            window_ms,
            starts_at,
            ends_at,
            per_member_limit,
            ladder,
            guaranteed: f.guaranteed,
        })
    }

    /// Most members a team can hold: the team size, or the top of the ladder.
    pub fn capacity(&self) -> i64 {
        self.ladder.last().map(|t| t.size).unwrap_or(self.team_size)
    }

    /// What a member pays per unit on joining (or opening, for the leader).
    pub fn unit_price(&self, leader: bool) -> Fen {
        match (leader, self.leader_price) {
            (true, Some(p)) => p,
            _ => self.team_price,
        }
    }

    /// The price per unit a team of `members` ends at: the best ladder step it reached.
    pub fn final_price(&self, members: i64) -> Fen {
        self.ladder.iter().rev().find(|t| members >= t.size).map(|t| t.price).unwrap_or(self.team_price)
    }

    /// What goes back to a member who paid `paid_unit` for `quantity` units when the team closes
    /// with `members`: the ladder difference, never below zero (a leader's price may already be
    /// lower than the step).
    pub fn ladder_refund(&self, members: i64, paid_unit: Fen, quantity: i64) -> Fen {
        let diff = paid_unit.saturating_sub(self.final_price(members));
        diff * quantity
    }

    pub fn is_running(&self, now: i64) -> bool {
        now >= self.starts_at && now < self.ends_at
    }

    /// How a team ends when its window closes with `paid` members.
    pub fn outcome_at_deadline(&self, paid: i64) -> TeamOutcome {
        if paid >= self.team_size || (self.guaranteed && paid >= 1) {
            TeamOutcome::Succeeded
        } else {
            TeamOutcome::Failed
        }
    }

    /// Whether two activities on one product would run at the same time.
    pub fn overlaps(&self, other_start: i64, other_end: i64) -> bool {
        self.starts_at < other_end && other_start < self.ends_at
    }

    /// `5:25.90, 10:22.90`, for the edit form.
    pub fn ladder_text(&self) -> String {
        self.ladder.iter().map(|t| format!("{}:{}", t.size, t.price.input_value())).collect::<Vec<_>>().join(", ")
    }
}

/// The option the form names, if it names one.
pub fn chosen_sku(f: &ActivityInput) -> Option<i64> {
    f.sku_id.trim().parse().ok().filter(|id: &i64| *id > 0)
}

fn parse_ladder(input: &str, team_size: i64, team_price: Fen) -> Result<Vec<Tier>, Error> {
    let mut tiers: Vec<Tier> = vec![];
    for part in input.split([',', '，', ';', '；', '\n']).map(str::trim).filter(|p| !p.is_empty()) {
        let (size, price) = part.split_once([':', '：']).ok_or(Error::BadLadder)?;
        let size = count(size).ok_or(Error::BadLadder)?;
        let price = Fen::parse_yuan(price).filter(|p| p.0 > 0).ok_or(Error::BadLadder)?;
        let (prev_size, prev_price) = tiers.last().map(|t| (t.size, t.price)).unwrap_or((team_size, team_price));
        if size <= prev_size || size > MAX_TEAM || price >= prev_price {
            return Err(Error::BadLadder);
        }
        tiers.push(Tier { size, price });
    }
    if tiers.len() > 5 {
        return Err(Error::BadLadder);
    }
    Ok(tiers)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TeamOutcome {
    Succeeded,
    Failed,
}

text_enum! {
    /// A team's life: `pending` until its leader pays (not shown to anyone), `open` while it takes
    /// members, then `succeeded` or `failed`.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
    pub enum TeamStatus {
        Pending = "pending",
        Open = "open",
        Succeeded = "succeeded",
        Failed = "failed",
    }
}

/// `23:41:07`: what is left of a team's window, for the countdown.
pub fn countdown(left_ms: i64) -> String {
    let s = left_ms.max(0) / 1000;
    format!("{:02}:{:02}:{:02}", s / 3600, (s % 3600) / 60, s % 60)
}

/// How a member appears to others on a team page: the first character of their nickname and a
/// mask (`张**`), never their account.
pub fn public_name(nickname: &str) -> String {
    let mut chars = nickname.trim().chars();
    match chars.next() {
        Some(first) => format!("{first}**"),
        None => "**".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn input() -> ActivityInput {
        ActivityInput { team_size: "3".into(), team_price: "29.90".into(), ..Default::default() }
    }

    const SINGLE: Fen = Fen(3500);

    #[test]
    fn names_are_masked() {
        assert_eq!(public_name("张小鱼"), "张**");
        assert_eq!(public_name(" Ann "), "A**");
        assert_eq!(public_name(""), "**");
    }

    #[test]
    fn a_plain_three_person_team() {
        let a = Activity::parse(&input(), SINGLE, 0, 10).unwrap();
        assert_eq!((a.team_size, a.team_price, a.window_ms, a.per_member_limit), (3, Fen(2990), DEFAULT_WINDOW_MS, 1));
        assert_eq!(a.capacity(), 3);
        assert_eq!(a.unit_price(true), Fen(2990));
        assert_eq!(a.outcome_at_deadline(3), TeamOutcome::Succeeded);
        assert_eq!(a.outcome_at_deadline(2), TeamOutcome::Failed);
    }

    type Case = (fn(&mut ActivityInput), Error);

    #[test]
    fn refuses_bad_activities_with_the_reason() {
        let cases: Vec<Case> = vec![
            (|f| f.team_size = "1".into(), Error::BadTeamSize),
            (|f| f.team_size = "51".into(), Error::BadTeamSize),
            (|f| f.team_price = "35".into(), Error::TeamPriceNotBelowSingle),
            (|f| f.team_price = "0".into(), Error::BadTeamPrice),
            (|f| f.leader_price = "30".into(), Error::BadLeaderPrice),
            (|f| f.window_hours = "0".into(), Error::BadTeamWindow),
            (|f| f.window_hours = "73".into(), Error::BadTeamWindow),
            (|f| f.per_member_limit = "0".into(), Error::BadMemberLimit),
            (|f| f.ladder = "2:25".into(), Error::BadLadder),
            (|f| f.ladder = "5:30".into(), Error::BadLadder),
            (|f| f.ladder = "5:25, 4:20".into(), Error::BadLadder),
            (|f| f.ladder = "5:25, 8:26".into(), Error::BadLadder),
            (|f| f.ladder = "60:10".into(), Error::BadLadder),
            (|f| f.ladder = "five people".into(), Error::BadLadder),
        ];
        for (change, want) in cases {
            let mut f = input();
            change(&mut f);
            assert_eq!(Activity::parse(&f, SINGLE, 0, 10), Err(want.clone()), "{want:?}");
        }
        assert_eq!(Activity::parse(&input(), SINGLE, 10, 10), Err(Error::BadActivityTimes));
    }

    #[test]
    fn a_ladder_lowers_the_price_as_the_team_grows() {
        let f = ActivityInput { ladder: "5:25.90, 10：22.90".into(), leader_price: "19.90".into(), ..input() };
        let a = Activity::parse(&f, SINGLE, 0, 10).unwrap();
        assert_eq!(a.capacity(), 10);
        assert_eq!(a.final_price(3), Fen(2990));
        assert_eq!(a.final_price(7), Fen(2590));
        assert_eq!(a.final_price(10), Fen(2290));
        assert_eq!(a.ladder_refund(7, Fen(2990), 2), Fen(800));
        assert_eq!(a.ladder_refund(10, Fen(1990), 1), Fen::ZERO, "the leader already paid less");
        assert_eq!(a.ladder_text(), "5:25.90, 10:22.90");
    }

    #[test]
    fn a_guaranteed_team_succeeds_with_whoever_paid() {
        let a = Activity::parse(&ActivityInput { guaranteed: true, ..input() }, SINGLE, 0, 10).unwrap();
        assert_eq!(a.outcome_at_deadline(1), TeamOutcome::Succeeded);
        assert_eq!(a.outcome_at_deadline(0), TeamOutcome::Failed);
    }

    #[test]
    fn overlapping_windows_and_countdowns() {
        let a = Activity::parse(&input(), SINGLE, 100, 200).unwrap();
        assert!(a.overlaps(150, 250) && a.overlaps(0, 101) && !a.overlaps(200, 300) && !a.overlaps(0, 100));
        assert_eq!(countdown(23 * 3_600_000 + 41 * 60_000 + 7_500), "23:41:07");
        assert_eq!(countdown(-5), "00:00:00");
    }

    proptest! {
        #[test]
        fn nobody_ends_up_paying_more_than_they_paid(members in 1i64..=10, paid in 1i64..=4000, qty in 1i64..=5) {
            let a = Activity::parse(&ActivityInput { ladder: "5:25.90, 10:22.90".into(), ..input() }, SINGLE, 0, 10).unwrap();
            let back = a.ladder_refund(members, Fen(paid), qty);
            prop_assert!(back.0 >= 0 && back.0 <= paid * qty);
            // Each member ends up paying the lower of what they paid and the step they reached.
            prop_assert_eq!(paid * qty - back.0, paid.min(a.final_price(members).0) * qty);
        }
    }
}
