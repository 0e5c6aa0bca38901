//! Communities and products as owners describe them, and the checks that keep them sane.

use super::money::{Fen, MAX_AMOUNT};
use crate::error::AppError;
use serde::{Deserialize, Serialize};

/// Pictures drawn for the product (SVG in `public/img`), offered until uploads arrive.
pub const COVERS: &[&str] = &["salmon", "snack", "crayfish", "orchard", "tea"];
pub const PRODUCT_IMAGES: &[&str] =
    &["salmon", "salmon-belly", "salmon-roe", "dates-walnut", "walnut", "crayfish", "tea", "orange"];

pub fn cover_url(key: &str) -> String {
    format!("/img/cover-{key}.svg")
}

pub fn product_image_url(key: &str) -> String {
    format!("/img/p-{key}.svg")
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProductStatus {
    Draft,
    OnSale,
    OffSale,
}

impl ProductStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ProductStatus::Draft => "draft",
            ProductStatus::OnSale => "on_sale",
            ProductStatus::OffSale => "off_sale",
        }
    }

    pub fn parse(s: &str) -> Option<ProductStatus> {
        match s {
            "draft" => Some(ProductStatus::Draft),
            "on_sale" => Some(ProductStatus::OnSale),
            "off_sale" => Some(ProductStatus::OffSale),
            _ => None,
        }
    }
}

/// Who may join a community.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum JoinPolicy {
    Open,
    Approval,
    InviteOnly,
}

impl JoinPolicy {
    pub fn parse(s: &str) -> Option<JoinPolicy> {
        match s {
            "open" => Some(JoinPolicy::Open),
            "approval" => Some(JoinPolicy::Approval),
            "invite" => Some(JoinPolicy::InviteOnly),
            _ => None,
        }
    }

    /// Whether a member becomes a member by asking (no owner approval, no invitation).
    pub fn joins_directly(self) -> bool {
        self == JoinPolicy::Open
    }
}

/// A community's address: `salmon-lovers`. Lower-case ASCII letters, digits and single dashes.
pub fn parse_slug(input: &str) -> Result<String, AppError> {
    let s = input.trim().to_ascii_lowercase();
    let ok = (3..=40).contains(&s.len())
        && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
        && !s.contains("--");
    if !ok {
        return Err(AppError::BadSlug);
    }
    if RESERVED_SLUGS.contains(&s.as_str()) {
        return Err(AppError::SlugTaken);
    }
    Ok(s)
}

const RESERVED_SLUGS: &[&str] = &["new", "admin", "api", "console", "settings"];

fn text(input: &str, min: usize, max: usize, err: AppError) -> Result<String, AppError> {
    let t = input.trim();
    let n = t.chars().count();
    let control = t.chars().any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t');
    if n < min || n > max || control {
        return Err(err);
    }
    Ok(t.replace("\r\n", "\n"))
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommunityDraft {
    pub name: String,
    pub slug: String,
    pub intro: String,
    pub cover: String,
}

impl CommunityDraft {
    pub fn parse(name: &str, slug: &str, intro: &str, cover: &str) -> Result<Self, AppError> {
        Ok(CommunityDraft {
            name: text(name, 2, 30, AppError::BadCommunityName)?,
            slug: parse_slug(slug)?,
            intro: text(intro, 0, 500, AppError::BadIntro)?,
            cover: COVERS.iter().find(|c| **c == cover).ok_or(AppError::BadCover)?.to_string(),
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProductDraft {
    pub title: String,
    pub description: String,
    pub unit: String,
    pub image: String,
    pub price: Fen,
    /// The struck-through "was" price; zero when there is none.
    pub original_price: Fen,
    pub stock: i64,
    pub per_order_limit: i64,
    pub status: ProductStatus,
}

pub const MAX_STOCK: i64 = 1_000_000;
pub const MAX_PER_ORDER: i64 = 999;

/// The raw fields of the product form, as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductInput {
    pub title: String,
    pub description: String,
    pub unit: String,
    pub image: String,
    pub price: String,
    pub original_price: String,
    pub stock: String,
    pub per_order_limit: String,
    pub status: String,
}

impl ProductDraft {
    pub fn parse(f: &ProductInput) -> Result<Self, AppError> {
        let title = text(&f.title, 2, 60, AppError::BadTitle)?;
        let description = text(&f.description, 0, 5000, AppError::BadDescription)?;
        let unit = text(&f.unit, 0, 6, AppError::BadUnit)?;
        let image = PRODUCT_IMAGES.iter().find(|c| **c == f.image).ok_or(AppError::BadImage)?.to_string();
        let price = Fen::parse_yuan(&f.price).filter(|p| p.0 > 0).ok_or(AppError::BadPrice)?;
        let original_price = if f.original_price.trim().is_empty() {
            Fen::ZERO
        } else {
            Fen::parse_yuan(&f.original_price).ok_or(AppError::BadOriginalPrice)?
        };
        // A struck price only means something when it is above the price: showing a lower or
        // equal "original" would mislead the buyer.
        if original_price != Fen::ZERO && original_price <= price {
            return Err(AppError::OriginalNotAbovePrice);
        }
        let stock = parse_count(&f.stock, 0, MAX_STOCK).ok_or(AppError::BadStock)?;
        let per_order_limit = if f.per_order_limit.trim().is_empty() {
            10
        } else {
            parse_count(&f.per_order_limit, 1, MAX_PER_ORDER).ok_or(AppError::BadLimit)?
        };
        let status = ProductStatus::parse(f.status.trim()).ok_or(AppError::BadStatus)?;
        debug_assert!(price <= MAX_AMOUNT);
        Ok(ProductDraft { title, description, unit, image, price, original_price, stock, per_order_limit, status })
    }
}

pub fn parse_count(input: &str, min: i64, max: i64) -> Option<i64> {
    let s = input.trim();
    if s.is_empty() || s.len() > 9 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse::<i64>().ok().filter(|n| (min..=max).contains(n))
}

/// Saving shown next to a struck price: `省¥55`. None when there is no real saving.
pub fn saving(price: Fen, original: Fen) -> Option<Fen> {
    (original > price).then(|| Fen(original.0 - price.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> ProductInput {
        ProductInput {
            title: "雪山三文鱼 鲜切中段".into(),
            description: "冰鲜直发".into(),
            unit: "斤".into(),
            image: "salmon".into(),
            price: "35".into(),
            original_price: "90".into(),
            stock: "200".into(),
            per_order_limit: "".into(),
            status: "on_sale".into(),
        }
    }

    #[test]
    fn parses_a_good_product() {
        let d = ProductDraft::parse(&input()).unwrap();
        assert_eq!(d.price, Fen(3500));
        assert_eq!(d.original_price, Fen(9000));
        assert_eq!(d.per_order_limit, 10);
        assert_eq!(d.status, ProductStatus::OnSale);
    }

    #[test]
    fn refuses_bad_products_with_the_field_at_fault() {
        type Mutation = fn(&mut ProductInput);
        let cases: Vec<(Mutation, AppError)> = vec![
            (|f| f.title = "x".into(), AppError::BadTitle),
            (|f| f.price = "0".into(), AppError::BadPrice),
            (|f| f.price = "-3".into(), AppError::BadPrice),
            (|f| f.price = "3.333".into(), AppError::BadPrice),
            (|f| f.original_price = "20".into(), AppError::OriginalNotAbovePrice),
            (|f| f.original_price = "abc".into(), AppError::BadOriginalPrice),
            (|f| f.stock = "-1".into(), AppError::BadStock),
            (|f| f.stock = "2000000".into(), AppError::BadStock),
            (|f| f.per_order_limit = "0".into(), AppError::BadLimit),
            (|f| f.image = "../../etc/passwd".into(), AppError::BadImage),
            (|f| f.status = "sold".into(), AppError::BadStatus),
        ];
        for (mutate, want) in cases {
            let mut f = input();
            mutate(&mut f);
            assert_eq!(ProductDraft::parse(&f), Err(want.clone()), "{want:?}");
        }
    }

    #[test]
    fn slugs_are_simple_and_not_reserved() {
        assert_eq!(parse_slug(" Salmon-Lovers "), Ok("salmon-lovers".into()));
        for bad in ["ab", "-abc", "abc-", "a--b", "三文鱼", "a b c", &"a".repeat(41)] {
            assert_eq!(parse_slug(bad), Err(AppError::BadSlug), "{bad}");
        }
        assert_eq!(parse_slug("console"), Err(AppError::SlugTaken));
    }

    #[test]
    fn only_open_communities_take_members_directly() {
        assert!(JoinPolicy::parse("open").unwrap().joins_directly());
        assert!(!JoinPolicy::parse("approval").unwrap().joins_directly());
        assert!(!JoinPolicy::parse("invite").unwrap().joins_directly());
        assert_eq!(JoinPolicy::parse("anyone"), None);
    }

    #[test]
    fn saving_only_when_real() {
        assert_eq!(saving(Fen(3500), Fen(9000)), Some(Fen(5500)));
        assert_eq!(saving(Fen(3500), Fen::ZERO), None);
    }
}
