//! One error type for everything a member can be told. It crosses the server-function boundary
//! as JSON, is shown through the message catalogue, and never carries internal details: a
//! database or IO failure becomes `Internal` after it has been logged on the server.

use serde::{Deserialize, Serialize};
use server_fn::codec::JsonEncoding;
use server_fn::error::{FromServerFnError, ServerFnErrorErr};
use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AppError {
    // Accounts
    AccountMissing,
    BadPhone,
    BadEmail,
    AccountExists,
    PasswordTooShort,
    PasswordTooLong,
    WrongPassword,
    TooManyAttempts { minutes: i64 },
    NicknameTooLong,
    SignInRequired,
    // Communities and products
    BadCommunityName,
    BadSlug,
    SlugTaken,
    BadIntro,
    BadCover,
    BadTitle,
    BadDescription,
    BadUnit,
    BadImage,
    BadPrice,
    BadOriginalPrice,
    OriginalNotAbovePrice,
    BadStock,
    BadLimit,
    BadStatus,
    BadMemberLimit,
    BadSpecName,
    BadSpecValues,
    BadSkuCode,
    ChooseSku,
    OverMemberLimit { limit: i64, left: i64 },
    // Buying
    NotOnSale,
    BadQuantity,
    OverOrderLimit { limit: i64 },
    SoldOut,
    NotEnoughStock { left: i64 },
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
    WithdrawalOverBalance { available: crate::domain::money::Fen },
    WithdrawalPending,
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
    BadRefundAmount { max: crate::domain::money::Fen },
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
    Internal,
}

impl AppError {
    /// The form field this error belongs next to; `None` for a message about the whole form.
    pub fn field(&self) -> Option<&'static str> {
        use AppError::*;
        Some(match self {
            AccountMissing | BadPhone | BadEmail | AccountExists => "account",
            PasswordTooShort | PasswordTooLong | WrongPassword => "password",
            NicknameTooLong => "nickname",
            BadCommunityName => "name",
            BadSlug | SlugTaken => "slug",
            BadIntro => "intro",
            BadCover => "cover",
            BadTitle => "title",
            BadDescription => "description",
            BadUnit => "unit",
            BadImage | BadUpload => "image",
            BadPrice => "price",
            BadOriginalPrice | OriginalNotAbovePrice => "original_price",
            BadStock => "stock",
            BadLimit => "per_order_limit",
            BadStatus => "status",
            BadMemberLimit => "per_member_limit",
            BadSpecName => "spec1_name",
            BadSpecValues => "spec1_values",
            BadSkuCode => "code",
            ChooseSku => "sku_id",
            BadQuantity | OverOrderLimit { .. } | OverMemberLimit { .. } | NotEnoughStock { .. } | SoldOut => {
                "quantity"
            }
            BadCarrier => "carrier",
            BadShippingFee => "shipping_fee",
            BadFreeShipping => "free_shipping_over",
            BadPickupPoint => "pickup_point",
            BadRecipient => "name",
            BadRecipientPhone => "phone",
            BadRegion => "region",
            BadAddressDetail => "detail",
            BadNote => "note",
            BadTeamSize => "team_size",
            BadTeamPrice | TeamPriceNotBelowSingle => "team_price",
            BadLeaderPrice => "leader_price",
            BadTeamWindow => "window_hours",
            BadActivityTimes | OverlappingActivity => "starts_at",
            BadLadder => "ladder",
            BadCommissionDepth | BadCommissionRate | CommissionTooHigh => "rates",
            BadLevels => "levels",
            WithdrawalTooSmall | WithdrawalOverBalance { .. } | WithdrawalPending => "amount",
            BadWithdrawalFee => "withdrawal_fee",
            BadFreezeDays => "freeze_days",
            BadBindWindow => "bind_days",
            BadSpendThreshold => "spend_threshold",
            BadCommissionOverride => "override",
            BadApplication => "application",
            BadRefundAmount { .. } => "amount",
            BadRefundReason => "reason",
            BadDecisionNote => "decision_note",
            ChooseDelivery | PickupUnavailable => "delivery",
            BadTrackingNo => "tracking_no",
            _ => return None,
        })
    }

    /// HTTP status for API callers.
    pub fn status(&self) -> u16 {
        match self {
            AppError::SignInRequired => 401,
            AppError::Forbidden => 403,
            AppError::NotFound => 404,
            AppError::TooManyAttempts { .. } => 429,
            AppError::Internal => 500,
            AppError::AccountExists
            | AppError::SlugTaken
            | AppError::SoldOut
            | AppError::OrderNotPayable
            | AppError::OrderNotShippable
            | AppError::OrderNotCancellable
            | AppError::OrderNotCompletable
            | AppError::RefundAlreadyOpen
            | AppError::NotRefundable
            | AppError::RefundAlreadyDecided
            | AppError::TeamFull
            | AppError::TeamClosed
            | AppError::AlreadyInTeam
            | AppError::AlreadyLeadingTeam
            | AppError::ActivityNotRunning
            | AppError::ActivityInUse
            | AppError::WithdrawalPending
            | AppError::WithdrawalAlreadyDecided
            | AppError::NotDistributor
            | AppError::ProgrammeOff => 409,
            _ => 400,
        }
    }
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&crate::i18n::Lang::Zh.error(self))
    }
}

impl std::error::Error for AppError {}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(_) | ServerFnErrorErr::Deserialization(_) | ServerFnErrorErr::MissingArg(_) => {
                AppError::BadRequest
            }
            _ => AppError::Internal,
        }
    }
}

#[cfg(feature = "ssr")]
impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        tracing::error!(error = %e, "database error");
        AppError::Internal
    }
}
