//! Shapes of data as pages see them. Shared by the server (which builds them from the store)
//! and the browser (which receives them from server functions).

pub mod distribution;

use crate::catalogue::ProductStatus;
use crate::money::Fen;
use crate::order::OrderStatus;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Viewer {
    pub id: i64,
    pub nickname: String,
    pub account_masked: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct CommunityCard {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub intro: String,
    pub cover: String,
    pub member_count: i64,
    #[cfg_attr(feature = "sqlx", sqlx(try_from = "crate::sql::IntBool"))]
    pub joined: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct Community {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub intro: String,
    pub cover: String,
    pub member_count: i64,
    pub owner_id: i64,
    pub owner_name: String,
    pub join_policy: String,
    pub time_zone: String,
    pub shipping_fee: Fen,
    /// 0: shipping is never free.
    pub free_shipping_over: Fen,
    /// Empty: no pickup point.
    pub pickup_point: String,
}

impl Community {
    pub fn shipping_rule(&self) -> crate::checkout::ShippingRule {
        crate::checkout::ShippingRule { flat_fee: self.shipping_fee, free_over: self.free_shipping_over }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct ProductCard {
    pub id: i64,
    pub title: String,
    pub image: String,
    pub unit: String,
    pub price: Fen,
    pub original_price: Fen,
    pub stock: i64,
    pub sold: i64,
    pub status: ProductStatus,
}

/// One sellable combination of a product's specs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct Sku {
    pub id: i64,
    pub spec1: String,
    pub spec2: String,
    pub price: Fen,
    pub original_price: Fen,
    pub stock: i64,
    pub code: String,
    #[cfg_attr(feature = "sqlx", sqlx(try_from = "crate::sql::IntBool"))]
    pub active: bool,
}

impl Sku {
    pub fn label(&self) -> String {
        crate::catalogue::sku_label(&self.spec1, &self.spec2)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct Product {
    pub id: i64,
    pub community_id: i64,
    pub title: String,
    pub description: String,
    pub unit: String,
    pub image: String,
    pub price: Fen,
    pub original_price: Fen,
    pub stock: i64,
    pub sold: i64,
    pub per_order_limit: i64,
    /// 0: no limit per member.
    pub per_member_limit: i64,
    pub status: ProductStatus,
    pub spec1_name: String,
    pub spec2_name: String,
    /// The SKUs on sale (active ones), in the owner's order.
    #[cfg_attr(feature = "sqlx", sqlx(skip))]
    pub skus: Vec<Sku>,
    /// Picture keys, the cover first.
    #[cfg_attr(feature = "sqlx", sqlx(skip))]
    pub images: Vec<String>,
}

impl Product {
    pub fn has_specs(&self) -> bool {
        !self.spec1_name.is_empty()
    }

    /// The option a group-buy sells at its team price (a product's only option when the activity
    /// names none); None when that option is no longer on sale.
    pub fn group_option(&self, a: &crate::groupbuy::Activity) -> Option<&Sku> {
        match a.sku_id {
            Some(id) => self.skus.iter().find(|s| s.id == id),
            None if self.skus.len() == 1 => self.skus.first(),
            None => None,
        }
    }

    /// True when the SKUs do not all cost the same (the price shown is the lowest, "起").
    pub fn price_varies(&self) -> bool {
        self.skus.iter().any(|s| s.price != self.price)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct OrderLine {
    pub id: i64,
    pub product_id: i64,
    pub sku_id: i64,
    pub title: String,
    /// The SKU's label at the time of the order (`1斤`), empty without specs.
    pub spec: String,
    pub image: String,
    pub unit: String,
    pub unit_price: Fen,
    pub quantity: i64,
    pub amount: Fen,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct OrderEventView {
    pub from: Option<OrderStatus>,
    pub to: OrderStatus,
    pub actor: String,
    pub at: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct Order {
    pub id: i64,
    pub community_id: i64,
    pub community_name: String,
    pub community_slug: String,
    pub time_zone: String,
    pub buyer_id: i64,
    pub buyer_name: String,
    pub status: OrderStatus,
    pub goods: Fen,
    pub shipping: Fen,
    pub discount: Fen,
    pub total: Fen,
    pub created_at: i64,
    pub pay_deadline: i64,
    pub paid_at: Option<i64>,
    pub shipped_at: Option<i64>,
    pub completed_at: Option<i64>,
    pub cancelled_at: Option<i64>,
    pub carrier: Option<String>,
    pub tracking_no: Option<String>,
    /// Money given back so far, across all refunds.
    pub refunded: Fen,
    pub delivery: crate::checkout::Delivery,
    /// The address (or pickup point) copied at checkout.
    pub ship_to: String,
    pub note: String,
    /// The group-buy team this order is a seat of.
    pub team_id: Option<i64>,
    #[cfg_attr(feature = "sqlx", sqlx(skip))]
    pub lines: Vec<OrderLine>,
    #[cfg_attr(feature = "sqlx", sqlx(skip))]
    pub events: Vec<OrderEventView>,
    #[cfg_attr(feature = "sqlx", sqlx(skip))]
    pub refunds: Vec<RefundView>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct Address {
    pub id: i64,
    pub name: String,
    pub phone: String,
    pub region: String,
    pub detail: String,
    #[cfg_attr(feature = "sqlx", sqlx(try_from = "crate::sql::IntBool"))]
    pub is_default: bool,
}

impl Address {
    /// The copy an order keeps: `阿梅 13800138000 浙江省杭州市西湖区 文三路 1 号`.
    pub fn one_line(&self) -> String {
        format!("{} {} {} {}", self.name, self.phone, self.region, self.detail)
    }
}

/// A line of a cart, priced as the product is now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CartItem {
    pub id: i64,
    pub product_id: i64,
    pub sku_id: i64,
    pub community_id: i64,
    pub title: String,
    pub image: String,
    pub unit: String,
    pub spec: String,
    pub price: Fen,
    pub quantity: i64,
    pub state: crate::checkout::CartLineState,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct Notification {
    pub id: i64,
    pub kind: String,
    pub order_id: Option<i64>,
    pub amount: Fen,
    pub created_at: i64,
    #[cfg_attr(feature = "sqlx", sqlx(try_from = "crate::sql::IntBool"))]
    pub unread: bool,
}

/// A refund as the order page shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct RefundView {
    pub id: i64,
    pub line_id: Option<i64>,
    pub kind: crate::order::RefundKind,
    pub amount: Fen,
    pub reason: String,
    pub status: crate::order::RefundStatus,
    pub decision_note: Option<String>,
    pub created_at: i64,
}

/// A group-buy activity on a product.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct GroupActivity {
    pub id: i64,
    pub product_id: i64,
    pub community_id: i64,
    #[cfg_attr(feature = "sqlx", sqlx(flatten))]
    pub rules: crate::groupbuy::Activity,
    pub created_at: i64,
}

/// A seat of a team as everyone may see it: a masked name, never an id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamMember {
    pub name: String,
    pub is_leader: bool,
    /// False while the member is still paying (the seat is held for them).
    pub paid: bool,
}

/// A team as its page, the open-teams list and the live updates show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamSummary {
    pub id: i64,
    pub activity_id: i64,
    pub product_id: i64,
    pub status: crate::groupbuy::TeamStatus,
    pub team_size: i64,
    pub capacity: i64,
    /// Seats held or paid.
    pub taken: i64,
    pub paid: i64,
    pub leader_name: String,
    pub expires_at: Option<i64>,
    /// Time left when this was read, so a countdown does not depend on the device's clock.
    pub left_ms: i64,
    pub closed: bool,
    pub guaranteed: bool,
    pub members: Vec<TeamMember>,
}

impl TeamSummary {
    /// Members still needed for the team to succeed.
    pub fn missing(&self) -> i64 {
        (self.team_size - self.paid).max(0)
    }

    /// Whether someone else may take a seat now.
    pub fn joinable(&self) -> bool {
        matches!(self.status, crate::groupbuy::TeamStatus::Open | crate::groupbuy::TeamStatus::Succeeded)
            && !self.closed
            && self.taken < self.capacity
            && self.left_ms > 0
    }
}

/// An open team on the home page, with what it buys.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NearlyFull {
    pub team: TeamSummary,
    pub title: String,
    pub image: String,
    pub price: Fen,
}

/// What an owner sees of one activity.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityStats {
    pub teams: i64,
    pub open: i64,
    pub succeeded: i64,
    pub failed: i64,
    /// Paid seats over seats wanted, over teams that have opened, in basis points.
    pub fill_bp: i64,
    pub refunded: Fen,
}
