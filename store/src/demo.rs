//! Demo data from the product's reference cases, written on first start of an empty database.

use super::{addresses, communities, products, users, Db};
use crate::Error;
use domain::account::Account;
use domain::catalogue::{CommunityDraft, ProductDraft, ProductInput, SkuDraft};
use domain::checkout::{AddressDraft, ShippingRule};
use domain::groupbuy::{Activity, DEFAULT_WINDOW_MS};
use domain::money::Fen;
use domain::time::{ms, DAY, MINUTE};

pub const OWNER_PHONE: &str = "13800000001";
pub const MEMBER_PHONE: &str = "13800000002";
pub const PASSWORD: &str = "qunli-demo";

/// A spec with one value per SKU: (value, price, original price in yuan, stock).
struct DemoSpec {
    name: &'static str,
    values: &'static [(&'static str, &'static str, &'static str, i64)],
}

struct Item {
    title: &'static str,
    description: &'static str,
    unit: &'static str,
    image: &'static str,
    price: &'static str,
    original: &'static str,
    stock: i64,
    per_member_limit: i64,
    /// A group-buy on the product: team size and team price in fen.
    group: Option<(i64, i64)>,
    spec: Option<DemoSpec>,
}

struct Shop {
    /// Shipping fee and free-from threshold in yuan, and the pickup point.
    shipping: (&'static str, &'static str, &'static str),
    name: &'static str,
    slug: &'static str,
    intro: &'static str,
    cover: &'static str,
    items: &'static [Item],
}

const SHOPS: &[Shop] = &[
    Shop {
        shipping: ("12", "99", "雪山牧场杭州门店（周六 10:00–18:00）"),
        name: "雪山三文鱼吃货群",
        slug: "salmon",
        intro: "雪山脚下的冷水牧场直供，每周二、周五冰鲜直发。群里常聊怎么切、怎么吃，每月一次线下品鲜会。",
        cover: "salmon",
        items: &[
            Item {
                title: "雪山三文鱼 鲜切中段",
                description:
                    "牧场当天捕捞，鲜切中段，冰袋+泡沫箱顺丰冷链发货。\n刺身、香煎都合适，收到后冷藏 48 小时内吃完。",
                unit: "斤",
                image: "salmon",
                price: "35",
                original: "90",
                stock: 200,
                per_member_limit: 0,
                group: Some((3, 2990)),
                spec: None,
            },
            Item {
                title: "三文鱼腹肉刺身 200g",
                description: "油脂最丰富的腹肉，切好装盒，解冻即食。",
                unit: "盒",
                image: "salmon-belly",
                price: "58",
                original: "128",
                stock: 80,
                per_member_limit: 0,
                group: None,
                spec: None,
            },
            Item {
                title: "三文鱼籽 100g",
                description: "颗粒饱满的鱼籽，配米饭或寿司。冷冻保存 3 个月。",
                unit: "罐",
                image: "salmon-roe",
                price: "49",
                original: "99",
                stock: 50,
                per_member_limit: 5,
                group: None,
                spec: None,
            },
        ],
    },
    Shop {
        shipping: ("0", "", ""),
        name: "枣加核桃零食铺",
        slug: "dates-walnut",
        intro: "新疆若羌灰枣夹上薄皮核桃，一口一个。每月约 600 盒，全部群内预订。",
        cover: "snack",
        items: &[
            Item {
                title: "枣加核桃 礼盒",
                description: "灰枣去核夹核桃仁，独立小包装。",
                unit: "盒",
                image: "dates-walnut",
                price: "39.9",
                original: "69",
                stock: 600,
                per_member_limit: 0,
                group: None,
                spec: Some(DemoSpec {
                    name: "规格",
                    values: &[("500g", "39.9", "69", 400), ("1000g", "75", "128", 200)],
                }),
            },
            Item {
                title: "纸皮核桃",
                description: "手一捏就开的薄皮核桃，当季新货。",
                unit: "斤",
                image: "walnut",
                price: "29.9",
                original: "45",
                stock: 300,
                per_member_limit: 0,
                group: None,
                spec: None,
            },
        ],
    },
    Shop {
        shipping: ("0", "", "小龙虾店，西湖区文三路 88 号"),
        name: "小龙虾夜宵预订",
        slug: "crayfish",
        intro: "周末夜宵小龙虾，当晚现烧，19:00 前预订，21:00 起自提或同城配送。",
        cover: "crayfish",
        items: &[Item {
            title: "麻辣小龙虾 2 斤装",
            description: "现烧现装，下单时选辣度。",
            unit: "份",
            image: "crayfish",
            price: "80",
            original: "128",
            stock: 100,
            per_member_limit: 0,
            group: None,
            spec: Some(DemoSpec {
                name: "辣度",
                values: &[("微辣", "80", "128", 40), ("中辣", "80", "128", 40), ("特辣", "80", "128", 20)],
            }),
        }],
    },
];

/// The salmon community's distribution: open to every member, 10 % to the referrer and 5 % to
/// theirs, three levels by direct sales, group-buy orders not paying commission.
fn demo_programme() -> super::distribution::ProgrammeRow {
    use domain::referral::{BindMode, JoinMode, Level, Programme};
    super::distribution::ProgrammeRow {
        rules: Programme {
            join: JoinMode::Open,
            bind: BindMode::default(),
            rates_bp: vec![1000, 500],
            levels: vec![
                Level { name: "铜牌推广员".into(), threshold: Fen::ZERO },
                Level { name: "银牌推广员".into(), threshold: Fen::yuan(500) },
                Level { name: "金牌推广员".into(), threshold: Fen::yuan(2000) },
            ],
            daily_cap: None,
            pays_group_buy: false,
            pays_discounted: true,
        },
        enabled: true,
        freeze_days: 7,
        withdrawal_fee: Fen::ZERO,
    }
}

/// Writes the demo data if the database has no users yet. `password_hash` is the hash of
/// `PASSWORD`. Returns whether anything was written.
pub async fn seed_if_empty(db: &Db, password_hash: &str, now: i64) -> Result<bool, Error> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(&db.pool).await?;
    if n > 0 {
        return Ok(false);
    }
    let owner = users::create(db, &Account::Phone(OWNER_PHONE.into()), password_hash, "雪山老周", now).await?;
    let member = users::create(db, &Account::Phone(MEMBER_PHONE.into()), password_hash, "阿梅", now).await?;
    for shop in SHOPS {
        let draft = CommunityDraft::parse(shop.name, shop.slug, shop.intro, shop.cover)?;
        let community = communities::create(db, owner, &draft, now).await?;
        let g = crate::access::require(db, community, owner, domain::access::Role::Owner).await?;
        let (fee, free_over, pickup) = shop.shipping;
        communities::update_shipping(db, &g, ShippingRule::parse(fee, free_over)?, pickup).await?;
        for item in shop.items {
            let spec_values: Vec<&str> =
                item.spec.as_ref().map(|sp| sp.values.iter().map(|v| v.0).collect()).unwrap_or_default();
            let input = ProductInput {
                title: item.title.into(),
                description: item.description.into(),
                unit: item.unit.into(),
                image: item.image.into(),
                price: item.price.into(),
                original_price: item.original.into(),
                stock: item.stock.to_string(),
                per_order_limit: "10".into(),
                per_member_limit: item.per_member_limit.to_string(),
                status: "on_sale".into(),
                spec1_name: item.spec.as_ref().map(|sp| sp.name).unwrap_or_default().into(),
                spec1_values: spec_values.join(","),
                ..Default::default()
            };
            let product = products::create(db, &g, &ProductDraft::parse(&input)?, now).await?;
            if let Some(sp) = &item.spec {
                let skus = products::skus_of(db, product, false).await?;
                let mut rows = vec![];
                for (sku, (_, price, original, stock)) in skus.iter().zip(sp.values) {
                    rows.push((
                        sku.id,
                        SkuDraft::parse(price, original, &stock.to_string(), "")?.over(Some(sku.stock)),
                    ));
                }
                products::save_skus(db, &g, product, &rows, now).await?;
            }
            if let Some((size, price)) = item.group {
                // A group-buy sells one option: the cheapest.
                let cheapest = products::skus_of(db, product, false).await?.into_iter().min_by_key(|s| s.price);
                let rules = Activity {
                    sku_id: cheapest.map(|s| s.id),
                    team_size: size,
                    team_price: Fen(price),
                    leader_price: None,
                    window_ms: DEFAULT_WINDOW_MS,
                    starts_at: now - ms(MINUTE),
                    ends_at: now + 30 * ms(DAY),
                    per_member_limit: 2,
                    ladder: vec![],
                    guaranteed: false,
                };
                super::groupbuy::create_activity(db, &g, product, &rules, now).await?;
            }
        }
        if shop.slug != "crayfish" {
            communities::join(db, community, member, now).await?;
        }
        if shop.slug == "salmon" {
            super::distribution::save_programme(db, &g, &demo_programme(), now).await?;
        }
    }
    let home = AddressDraft::parse("阿梅", MEMBER_PHONE, "浙江省杭州市西湖区", "文三路 100 号 3 幢 201")?;
    addresses::add(db, member, &home, true, now).await?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::each_db;

    #[tokio::test]
    async fn seeds_once() {
        each_db(|db| async move {
            assert!(seed_if_empty(&db, "h", 1).await.unwrap());
            assert!(!seed_if_empty(&db, "h", 2).await.unwrap());
            let salmon = communities::by_slug(&db, "salmon").await.unwrap().unwrap();
            assert_eq!(salmon.member_count, 2);
            let items = products::on_sale_in(&db, salmon.id).await.unwrap();
            assert_eq!(items[0].price.display(), "¥35.00");
            assert_eq!(items[0].original_price.display(), "¥90.00");
            let (group, teams) = super::super::groupbuy::offer(&db, items[0].id, 2, 10).await.unwrap().unwrap();
            assert_eq!((group.rules.team_size, group.rules.team_price.display()), (3, "¥29.90".to_string()));
            assert!(teams.is_empty(), "no invented teams");
            let p = super::super::distribution::programme(&db, salmon.id).await.unwrap().unwrap();
            assert_eq!(domain::referral::share_earn(&p.rules, items[0].price, None).display(), "¥3.50");
        })
        .await;
    }
}
