//! Communities and products as owners describe them, and the checks that keep them sane.

use super::money::{Fen, MAX_AMOUNT};
use crate::text_enum;
use crate::Error;
use serde::{Deserialize, Serialize};

/// Pictures drawn for the product (SVG in `public/img`), offered until uploads arrive.
pub const COVERS: &[&str] = &["salmon", "snack", "crayfish", "orchard", "tea"];
pub const PRODUCT_IMAGES: &[&str] =
    &["salmon", "salmon-belly", "salmon-roe", "dates-walnut", "walnut", "crayfish", "tea", "orange"];

pub fn cover_url(key: &str) -> String {
    format!("/img/cover-{key}.svg")
}

/// A product picture at display size: a built-in drawing, or an uploaded photo (`up:<hash>`).
pub fn product_image_url(key: &str) -> String {
    match key.strip_prefix("up:") {
        Some(hash) => format!("/media/{hash}-800.jpg"),
        None => format!("/img/p-{key}.svg"),
    }
}

/// The same picture for lists and cards.
pub fn product_thumb_url(key: &str) -> String {
    match key.strip_prefix("up:") {
        Some(hash) => format!("/media/{hash}-240.jpg"),
        None => format!("/img/p-{key}.svg"),
    }
}

/// An uploaded photo's key: `up:` and 64 hex digits.
pub fn is_upload_key(key: &str) -> bool {
    key.strip_prefix("up:").is_some_and(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
}

text_enum! {
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
    pub enum ProductStatus {
        Draft = "draft",
        OnSale = "on_sale",
        OffSale = "off_sale",
    }
}

text_enum! {
    /// Who may join a community.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
    pub enum JoinPolicy {
        Open = "open",
        Approval = "approval",
        InviteOnly = "invite",
    }
}

impl JoinPolicy {
    /// Whether a member becomes a member by asking (no owner approval, no invitation).
    pub fn joins_directly(self) -> bool {
        self == JoinPolicy::Open
    }
}

/// A community's address: `salmon-lovers`. Lower-case ASCII letters, digits and single dashes.
pub fn parse_slug(input: &str) -> Result<String, Error> {
    let s = input.trim().to_ascii_lowercase();
    let ok = (3..=40).contains(&s.len())
        && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
        && !s.contains("--");
    if !ok {
        return Err(Error::BadSlug);
    }
    if RESERVED_SLUGS.contains(&s.as_str()) {
        return Err(Error::SlugTaken);
    }
    Ok(s)
}

const RESERVED_SLUGS: &[&str] = &["new", "admin", "api", "console", "settings"];

fn text(input: &str, min: usize, max: usize, err: Error) -> Result<String, Error> {
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
    pub fn parse(name: &str, slug: &str, intro: &str, cover: &str) -> Result<Self, Error> {
        Ok(CommunityDraft {
            name: text(name, 2, 30, Error::BadCommunityName)?,
            slug: parse_slug(slug)?,
            intro: text(intro, 0, 500, Error::BadIntro)?,
            cover: COVERS.iter().find(|c| **c == cover).ok_or(Error::BadCover)?.to_string(),
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
    /// The stock the form showed when it was opened (`None` for a new product): the store changes
    /// stock only if it is still that, so units sold meanwhile are never typed back in.
    pub stock_seen: Option<i64>,
    pub per_order_limit: i64,
    /// 0: no limit per member.
    pub per_member_limit: i64,
    pub status: ProductStatus,
    pub specs: Specs,
}

pub const MAX_STOCK: i64 = 1_000_000;
pub const MAX_PER_ORDER: i64 = 999;

/// The raw fields of the product form, as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ProductInput {
    pub title: String,
    pub description: String,
    pub unit: String,
    pub image: String,
    pub price: String,
    pub original_price: String,
    pub stock: String,
    /// The stock shown when the form was opened (a hidden field).
    pub stock_seen: String,
    pub per_order_limit: String,
    pub per_member_limit: String,
    pub status: String,
    pub spec1_name: String,
    pub spec1_values: String,
    pub spec2_name: String,
    pub spec2_values: String,
}

impl ProductDraft {
    pub fn parse(f: &ProductInput) -> Result<Self, Error> {
        let title = text(&f.title, 2, 60, Error::BadTitle)?;
        let description = text(&f.description, 0, 5000, Error::BadDescription)?;
        let unit = text(&f.unit, 0, 6, Error::BadUnit)?;
        let image = if is_upload_key(&f.image) || PRODUCT_IMAGES.contains(&f.image.as_str()) {
            f.image.clone()
        } else {
            return Err(Error::BadImage);
        };
        let (price, original_price) = parse_prices(&f.price, &f.original_price)?;
        let stock = parse_count(&f.stock, 0, MAX_STOCK).ok_or(Error::BadStock)?;
        let stock_seen = parse_stock_seen(&f.stock_seen)?;
        let per_order_limit = if f.per_order_limit.trim().is_empty() {
            10
        } else {
            parse_count(&f.per_order_limit, 1, MAX_PER_ORDER).ok_or(Error::BadLimit)?
        };
        let per_member_limit = if f.per_member_limit.trim().is_empty() {
            0
        } else {
            parse_count(&f.per_member_limit, 0, MAX_PER_ORDER * 10).ok_or(Error::BadMemberLimit)?
        };
        let status = ProductStatus::parse(f.status.trim()).ok_or(Error::BadStatus)?;
        let specs = Specs::parse(&f.spec1_name, &f.spec1_values, &f.spec2_name, &f.spec2_values)?;
        Ok(ProductDraft {
            title,
            description,
            unit,
            image,
            price,
            original_price,
            stock,
            stock_seen,
            per_order_limit,
            per_member_limit,
            status,
            specs,
        })
    }
}

/// A price and an optional struck "original" price, as typed.
pub fn parse_prices(price: &str, original: &str) -> Result<(Fen, Fen), Error> {
    let price = Fen::parse_yuan(price).filter(|p| p.0 > 0).ok_or(Error::BadPrice)?;
    let original = if original.trim().is_empty() {
        Fen::ZERO
    } else {
        Fen::parse_yuan(original).ok_or(Error::BadOriginalPrice)?
    };
    // A struck price only means something when it is above the price: showing a lower or equal
    // "original" would mislead the buyer.
    if original != Fen::ZERO && original <= price {
        return Err(Error::OriginalNotAbovePrice);
    }
    debug_assert!(price <= MAX_AMOUNT);
    Ok((price, original))
}

/// Up to two specification dimensions (e.g. 重量: 1斤 / 2斤 / 5斤, 辣度: 微辣 / 特辣); every
/// combination of their values is one SKU. Empty means the product has a single SKU.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Specs {
    pub name1: String,
    pub values1: Vec<String>,
    pub name2: String,
    pub values2: Vec<String>,
}

pub const MAX_SPEC_VALUES: usize = 12;

fn spec_values(input: &str) -> Result<Vec<String>, Error> {
    let values: Vec<String> = input
        .split([',', '，', '、', '/', ';', '；', '\n'])
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
        .collect();
    let unique: std::collections::HashSet<&String> = values.iter().collect();
    let ok = values.len() <= MAX_SPEC_VALUES
        && unique.len() == values.len()
        && values.iter().all(|v| v.chars().count() <= 10 && !v.chars().any(char::is_control));
    if ok {
        Ok(values)
    } else {
        Err(Error::BadSpecValues)
    }
}

impl Specs {
    /// Names and values as typed; values separated by commas, 、 or slashes.
    pub fn parse(name1: &str, values1: &str, name2: &str, values2: &str) -> Result<Specs, Error> {
        let dim = |name: &str, values: &str| -> Result<(String, Vec<String>), Error> {
            let name = text(name, 0, 8, Error::BadSpecName)?;
            let values = spec_values(values)?;
            match (name.is_empty(), values.is_empty()) {
                (true, true) => Ok((name, values)),
                (false, false) => Ok((name, values)),
                (true, false) => Err(Error::BadSpecName),
                (false, true) => Err(Error::BadSpecValues),
            }
        };
        let (name1, values1) = dim(name1, values1)?;
        let (name2, values2) = dim(name2, values2)?;
        if name1.is_empty() && !name2.is_empty() {
            // A second dimension needs a first.
            return Err(Error::BadSpecName);
        }
        if !name1.is_empty() && name1 == name2 {
            return Err(Error::BadSpecName);
        }
        Ok(Specs { name1, values1, name2, values2 })
    }

    pub fn is_empty(&self) -> bool {
        self.values1.is_empty()
    }

    /// Every combination `(value1, value2)`, in order; one empty pair for a product without specs.
    pub fn combinations(&self) -> Vec<(String, String)> {
        if self.values1.is_empty() {
            return vec![(String::new(), String::new())];
        }
        let second: Vec<String> = if self.values2.is_empty() { vec![String::new()] } else { self.values2.clone() };
        self.values1.iter().flat_map(|a| second.iter().map(move |b| (a.clone(), b.clone()))).collect()
    }
}

/// How a SKU is named to members: `1斤`, `1斤 · 微辣`; empty for a product without specs.
pub fn sku_label(spec1: &str, spec2: &str) -> String {
    match (spec1.is_empty(), spec2.is_empty()) {
        (true, _) => String::new(),
        (false, true) => spec1.to_string(),
        (false, false) => format!("{spec1} · {spec2}"),
    }
}

/// One row of the SKU table as the owner typed it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SkuDraft {
    pub price: Fen,
    pub original_price: Fen,
    pub stock: i64,
    /// The stock the table showed for this row; see [`ProductDraft::stock_seen`].
    pub stock_seen: Option<i64>,
    pub code: String,
}

/// The hidden "stock when the form was opened" field: empty when the form showed none.
pub fn parse_stock_seen(input: &str) -> Result<Option<i64>, Error> {
    if input.trim().is_empty() {
        return Ok(None);
    }
    parse_count(input, 0, i64::MAX).map(Some).ok_or(Error::BadStock)
}

impl SkuDraft {
    pub fn parse(price: &str, original: &str, stock: &str, code: &str) -> Result<SkuDraft, Error> {
        let (price, original_price) = parse_prices(price, original)?;
        let stock = parse_count(stock, 0, MAX_STOCK).ok_or(Error::BadStock)?;
        let code = code.trim();
        if code.len() > 32 || !code.chars().all(|c| c.is_ascii_graphic()) {
            return Err(Error::BadSkuCode);
        }
        Ok(SkuDraft { price, original_price, stock, stock_seen: None, code: code.to_string() })
    }

    /// The row as edited over a table that showed `seen` units in stock.
    pub fn over(self, seen: Option<i64>) -> SkuDraft {
        SkuDraft { stock_seen: seen, ..self }
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
    (original > price).then(|| original - price)
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
            ..Default::default()
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
        let cases: Vec<(Mutation, Error)> = vec![
            (|f| f.title = "x".into(), Error::BadTitle),
            (|f| f.price = "0".into(), Error::BadPrice),
            (|f| f.price = "-3".into(), Error::BadPrice),
            (|f| f.price = "3.333".into(), Error::BadPrice),
            (|f| f.original_price = "20".into(), Error::OriginalNotAbovePrice),
            (|f| f.original_price = "abc".into(), Error::BadOriginalPrice),
            (|f| f.stock = "-1".into(), Error::BadStock),
            (|f| f.stock = "2000000".into(), Error::BadStock),
            (|f| f.per_order_limit = "0".into(), Error::BadLimit),
            (|f| f.image = "../../etc/passwd".into(), Error::BadImage),
            (|f| f.status = "sold".into(), Error::BadStatus),
            (|f| f.per_member_limit = "-2".into(), Error::BadMemberLimit),
            (|f| f.spec1_values = "1斤".into(), Error::BadSpecName),
            (|f| f.spec1_name = "重量".into(), Error::BadSpecValues),
        ];
        for (mutate, want) in cases {
            let mut f = input();
            mutate(&mut f);
            assert_eq!(ProductDraft::parse(&f), Err(want.clone()), "{want:?}");
        }
    }

    #[test]
    fn specs_make_every_combination() {
        let s = Specs::parse("重量", "1斤, 2斤、5斤", "辣度", "微辣/特辣").unwrap();
        assert_eq!(s.values1, vec!["1斤", "2斤", "5斤"]);
        let c = s.combinations();
        assert_eq!(c.len(), 6);
        assert_eq!(c[0], ("1斤".to_string(), "微辣".to_string()));
        assert_eq!(c[5], ("5斤".to_string(), "特辣".to_string()));
        assert_eq!(Specs::parse("重量", "1斤,2斤", "", "").unwrap().combinations().len(), 2);
        assert_eq!(Specs::parse("", "", "", "").unwrap().combinations(), vec![(String::new(), String::new())]);
        assert_eq!(sku_label("1斤", "微辣"), "1斤 · 微辣");
        assert_eq!(sku_label("", ""), "");
    }

    #[test]
    fn bad_specs_are_refused() {
        assert_eq!(Specs::parse("重量", "1斤,1斤", "", ""), Err(Error::BadSpecValues));
        assert_eq!(Specs::parse("", "", "辣度", "微辣"), Err(Error::BadSpecName));
        assert_eq!(Specs::parse("重量", "1斤", "重量", "2斤"), Err(Error::BadSpecName));
        let many: Vec<String> = (0..13).map(|i| format!("v{i}")).collect();
        assert_eq!(Specs::parse("重量", &many.join(","), "", ""), Err(Error::BadSpecValues));
        assert_eq!(Specs::parse("重量", "这个规格的名字实在太长了吧", "", ""), Err(Error::BadSpecValues));
    }

    #[test]
    fn sku_rows_follow_the_price_rules() {
        let d = SkuDraft::parse("68", "128", "40", "SAL-2J").unwrap();
        assert_eq!((d.price, d.original_price, d.stock, d.code.as_str()), (Fen(6800), Fen(12800), 40, "SAL-2J"));
        assert_eq!(SkuDraft::parse("0", "", "1", ""), Err(Error::BadPrice));
        assert_eq!(SkuDraft::parse("10", "9", "1", ""), Err(Error::OriginalNotAbovePrice));
        assert_eq!(SkuDraft::parse("10", "", "-1", ""), Err(Error::BadStock));
        assert_eq!(SkuDraft::parse("10", "", "1", "has space"), Err(Error::BadSkuCode));
    }

    #[test]
    fn slugs_are_simple_and_not_reserved() {
        assert_eq!(parse_slug(" Salmon-Lovers "), Ok("salmon-lovers".into()));
        for bad in ["ab", "-abc", "abc-", "a--b", "三文鱼", "a b c", &"a".repeat(41)] {
            assert_eq!(parse_slug(bad), Err(Error::BadSlug), "{bad}");
        }
        assert_eq!(parse_slug("console"), Err(Error::SlugTaken));
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
