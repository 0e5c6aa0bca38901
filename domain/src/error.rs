//! What can go wrong by the shop's rules, as values. The domain names the problem; it says
//! nothing about how a member is told (the app maps each variant to a message in their
//! language, a form field and an HTTP status). Failures outside the rules (a database that is
//! down) are not here: the layers that meet them add them.

use crate::money::Fen;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Error {
    // Accounts
    AccountMissing,
    BadPhone,
    BadEmail,
    AccountExists,
    PasswordTooShort,
    PasswordTooLong,
    WrongPassword,
    /// The current password given to change it was wrong.
    WrongCurrentPassword,
    /// A limit was reached; the next try is possible in `seconds`.
    TooManyAttempts {
        seconds: i64,
    },
    NicknameTooLong,
    SignInRequired,
    // Communities and products
    BadCommunityName,
    BadSlug,
    BadTimeZone,
    SlugTaken,
    BadIntro,
    BadCover,
    BadTitle,
    BadDescription,
    BadUnit,
    BadImage,
    /// An uploaded photo has more pixels than `media::MAX_PIXELS`.
    PhotoTooLarge,
    BadPrice,
    BadOriginalPrice,
    OriginalNotAbovePrice,
    BadStock,
    /// The stock changed while the owner was editing it (units sold or returned): `now` is there now.
    StockChanged {
        now: i64,
    },
    BadLimit,
    BadStatus,
    BadMemberLimit,
    BadSpecName,
    BadSpecValues,
    BadSkuCode,
    ChooseSku,
    OverMemberLimit {
        limit: i64,
        left: i64,
    },
    // Buying
    NotOnSale,
    BadQuantity,
    OverOrderLimit {
        limit: i64,
    },
    SoldOut,
    NotEnoughStock {
        left: i64,
    },
    OrderNotPayable,
    BadShippingFee,
    BadFreeShipping,
    BadPickupPoint,
    BadRecipient,
    BadRecipientPhone,
    BadRegion,
    BadAddressDetail,
    BadNote,
    ChooseDelivery,
    CartEmpty,
    BadTeamSize,
    BadTeamPrice,
    TeamPriceNotBelowSingle,
    /// A team was asked for with an option other than the one the group-buy sells.
    NotInGroupBuy,
    /// An option a group-buy sells may not be priced at or below its team price until it ends.
    PriceNotAboveTeamPrice {
        team_price: crate::money::Fen,
    },
    BadLeaderPrice,
    BadTeamWindow,
    BadActivityTimes,
    BadLadder,
    OverlappingActivity,
    TeamFull,
    TeamClosed,
    AlreadyInTeam,
    AlreadyLeadingTeam,
    ActivityNotRunning,
    ActivityInUse,
    BadCommissionDepth,
    BadCommissionRate,
    CommissionTooHigh,
    BadLevels,
    WithdrawalTooSmall,
    WithdrawalOverBalance {
        available: Fen,
    },
    WithdrawalPending,
    /// Commissions on orders paid in the sandbox are play money in an instance that takes real
    /// money; `withdrawable` is what can be withdrawn.
    SandboxMoney {
        withdrawable: Fen,
    },
    /// No way to pay is switched on.
    PaymentUnavailable,
    WithdrawalAlreadyDecided,
    BadWithdrawalFee,
    BadFreezeDays,
    BadBindWindow,
    BadSpendThreshold,
    BadCommissionOverride,
    BadApplication,
    NotDistributor,
    ProgrammeOff,
    BadUpload,
    BadRefundAmount {
        max: Fen,
    },
    BadRefundReason,
    RefundAlreadyOpen,
    NotRefundable,
    RefundAlreadyDecided,
    BadDecisionNote,
    PickupUnavailable,
    OrderNotShippable,
    OrderNotCancellable,
    OrderNotCompletable,
    BadCarrier,
    BadTrackingNo,
    // General
    Forbidden,
    NotFound,
    BadRequest,
}

impl std::fmt::Display for Error {
    /// The variant's name, for logs and test output; members see the app's message instead.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self, f)
    }
}

impl std::error::Error for Error {}
