//! One error type for everything a member can be told. It crosses the server-function boundary
//! as JSON, is shown through the message catalogue (`i18n`), and never carries internal
//! details: a broken rule is the domain's typed `Error`; a database or IO failure becomes
//! `Internal` after it has been logged on the server.

use serde::{Deserialize, Serialize};
use server_fn::codec::JsonEncoding;
use server_fn::error::{FromServerFnError, ServerFnErrorErr};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AppError {
    /// A rule of the shop said no: bad input, a conflict with the state, no access.
    Rule(domain::Error),
    /// Something outside the rules failed; it has been logged, the member is asked to retry.
    Internal,
    /// Too much expensive work is already waiting (password checks): try again in a moment.
    Busy,
}

impl From<domain::Error> for AppError {
    fn from(e: domain::Error) -> Self {
        AppError::Rule(e)
    }
}

impl PartialEq<domain::Error> for AppError {
    fn eq(&self, other: &domain::Error) -> bool {
        matches!(self, AppError::Rule(r) if r == other)
    }
}

impl AppError {
    /// The form field this error belongs next to; `None` for a message about the whole form.
    pub fn field(&self) -> Option<&'static str> {
        use domain::Error::*;
        let AppError::Rule(rule) = self else { return None };
        Some(match rule {
            AccountMissing | BadPhone | BadEmail | AccountExists => "account",
            PasswordTooShort | PasswordTooLong | WrongPassword => "password",
            WrongCurrentPassword => "current_password",
            NicknameTooLong => "nickname",
            BadCommunityName => "name",
            BadSlug | SlugTaken => "slug",
            BadTimeZone => "time_zone",
            BadIntro => "intro",
            BadCover => "cover",
            BadTitle => "title",
            BadDescription => "description",
            BadUnit => "unit",
            BadImage | BadUpload | PhotoTooLarge => "image",
            BadPrice | PriceNotAboveTeamPrice { .. } => "price",
            BadOriginalPrice | OriginalNotAbovePrice => "original_price",
            BadStock | StockChanged { .. } => "stock",
            BadLimit => "per_order_limit",
            BadStatus => "status",
            BadMemberLimit => "per_member_limit",
            BadSpecName => "spec1_name",
            BadSpecValues => "spec1_values",
            BadSkuCode => "code",
            ChooseSku | NotInGroupBuy => "sku_id",
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
            WithdrawalTooSmall | WithdrawalOverBalance { .. } | WithdrawalPending | SandboxMoney { .. } => "amount",
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

    /// Seconds to wait before trying again, for a `Retry-After` header.
    pub fn retry_after(&self) -> Option<i64> {
        match self {
            AppError::Busy => Some(1),
            AppError::Rule(domain::Error::TooManyAttempts { seconds }) => Some((*seconds).max(1)),
            _ => None,
        }
    }

    /// HTTP status for API callers.
    pub fn status(&self) -> u16 {
        use domain::Error as E;
        let rule = match self {
            AppError::Internal => return 500,
            AppError::Busy => return 503,
            AppError::Rule(rule) => rule,
        };
        match rule {
            E::SignInRequired => 401,
            E::Forbidden => 403,
            E::NotFound => 404,
            E::TooManyAttempts { .. } => 429,
            E::AccountExists
            | E::SlugTaken
            | E::SoldOut
            | E::StockChanged { .. }
            | E::OrderNotPayable
            | E::OrderNotShippable
            | E::OrderNotCancellable
            | E::OrderNotCompletable
            | E::RefundAlreadyOpen
            | E::NotRefundable
            | E::RefundAlreadyDecided
            | E::TeamFull
            | E::TeamClosed
            | E::AlreadyInTeam
            | E::AlreadyLeadingTeam
            | E::ActivityNotRunning
            | E::ActivityInUse
            | E::WithdrawalPending
            | E::WithdrawalAlreadyDecided
            | E::NotDistributor
            | E::ProgrammeOff => 409,
            _ => 400,
        }
    }
}

impl std::error::Error for AppError {}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(_) | ServerFnErrorErr::Deserialization(_) | ServerFnErrorErr::MissingArg(_) => {
                domain::Error::BadRequest.into()
            }
            _ => AppError::Internal,
        }
    }
}

#[cfg(feature = "ssr")]
impl From<store::Error> for AppError {
    fn from(e: store::Error) -> Self {
        match e {
            store::Error::Rule(r) => AppError::Rule(r),
            store::Error::Db(e) => {
                tracing::error!(error = %e, "database error");
                AppError::Internal
            }
            // Logged where it was found.
            store::Error::Broken(_) => AppError::Internal,
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

/// Server handlers outside Leptos (CSV exports, uploads) answer with the status and the message.
#[cfg(feature = "ssr")]
impl axum::response::IntoResponse for AppError {
    fn into_response(self) -> axum::response::Response {
        let status = http::StatusCode::from_u16(self.status()).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
        (status, [(http::header::CONTENT_TYPE, "text/plain; charset=utf-8")], self.to_string()).into_response()
    }
}
