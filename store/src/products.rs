//! The catalogue: products and their SKUs.

use super::{col, Db, Tx};
use crate::access::{Granted, Owned};
use crate::{expect_one, Error};
use domain::catalogue::{ProductDraft, SkuDraft};
use domain::model::{Product, ProductCard, Sku};
use domain::money::Fen;
use domain::Error as Rule;

const CARD_COLS: &str = "p.id, p.title, p.image, p.unit, p.price, p.original_price, p.stock, p.sold, p.status";

async fn cards(db: &Db, sql: String, bind: i64) -> Result<Vec<ProductCard>, Error> {
    Ok(sql!(query_as, sqlx::AssertSqlSafe(sql), bind).fetch_all(&db.pool).await?)
}

/// What members see in a community: products on sale, in the owner's order.
pub async fn on_sale_in(db: &Db, community: i64) -> Result<Vec<ProductCard>, Error> {
    cards(
        db,
        format!(
            "SELECT {CARD_COLS} FROM products p WHERE p.community_id = $1 AND p.status = 'on_sale' ORDER BY p.sort, p.id"
        ),
        community,
    )
    .await
}

/// Everything in a community, drafts included, for its owner.
pub async fn all_in(db: &Db, community: i64) -> Result<Vec<ProductCard>, Error> {
    cards(db, format!("SELECT {CARD_COLS} FROM products p WHERE p.community_id = $1 ORDER BY p.sort, p.id"), community)
        .await
}

/// Products on sale across communities, best sellers first, for the home page.
pub async fn popular(db: &Db, limit: i64) -> Result<Vec<ProductCard>, Error> {
    cards(
        db,
        format!("SELECT {CARD_COLS} FROM products p WHERE p.status = 'on_sale' ORDER BY p.sold DESC, p.id LIMIT $1"),
        limit,
    )
    .await
}

/// A product's SKUs in the owner's order; `all` includes combinations no longer sold.
pub async fn skus_of(db: &Db, product: i64, all: bool) -> Result<Vec<Sku>, Error> {
    let filter = if all { "" } else { " AND active = 1" };
    Ok(sql!(
        query_as,
        sqlx::AssertSqlSafe(format!(
            "SELECT id, spec1, spec2, price, original_price, stock, code, CAST(active AS BIGINT) AS active FROM skus \
         WHERE product_id = $1{filter} ORDER BY active DESC, sort, id"
        )),
        product
    )
    .fetch_all(&db.pool)
    .await?)
}

/// A product with its SKUs on sale.
pub async fn by_id(db: &Db, id: i64) -> Result<Option<Product>, Error> {
    let p: Option<Product> = sql!(
        query_as,
        "SELECT id, community_id, title, description, unit, image, price, original_price, stock, sold, per_order_limit, \
         per_member_limit, status, spec1_name, spec2_name FROM products WHERE id = $1",
        id
    )
    .fetch_optional(&db.pool)
    .await?;
    let Some(mut p) = p else { return Ok(None) };
    p.skus = skus_of(db, id, false).await?;
    p.images = with_cover(db, id, p.image.clone()).await?;
    Ok(Some(p))
}

/// A product's pictures in order, the cover first.
pub async fn images(db: &Db, product: i64) -> Result<Vec<String>, Error> {
    let cover: Option<String> =
        sql!(query_scalar, "SELECT image FROM products WHERE id = $1", product).fetch_optional(&db.pool).await?;
    match cover {
        Some(cover) => with_cover(db, product, cover).await,
        None => Ok(vec![]),
    }
}

/// The cover, then the other pictures in order.
async fn with_cover(db: &Db, product: i64, cover: String) -> Result<Vec<String>, Error> {
    let rest: Vec<String> =
        sql!(query_scalar, "SELECT image FROM product_images WHERE product_id = $1 ORDER BY sort, image", product)
            .fetch_all(&db.pool)
            .await?;
    let mut out = vec![cover];
    for i in rest {
        if !out.contains(&i) {
            out.push(i);
        }
    }
    Ok(out)
}

/// Adds an uploaded photo to a product. The first photo replaces a built-in drawing as the cover.
pub async fn add_image(db: &Db, g: &Granted, product: i64, key: &str) -> Result<(), Error> {
    let mut tx = db.begin().await?;
    g.check(&mut *tx, Owned::Product, product).await?;
    sql!(
        query,
        "INSERT INTO product_images (product_id, image, sort) \
         VALUES ($1, $2, (SELECT COALESCE(MAX(sort), 0) + 1 FROM product_images WHERE product_id = $1)) \
         ON CONFLICT (product_id, image) DO NOTHING",
        product,
        key
    )
    .execute(&mut *tx)
    .await?;
    sql!(query, "UPDATE products SET image = $1 WHERE id = $2 AND image NOT LIKE 'up:%'", key, product)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Takes a photo off a product; the cover moves to the next picture. The last one stays.
pub async fn remove_image(db: &Db, g: &Granted, product: i64, key: &str) -> Result<(), Error> {
    g.check(&db.pool, Owned::Product, product).await?;
    let all = images(db, product).await?;
    if !all.iter().any(|i| i == key) {
        return Err(Rule::NotFound.into());
    }
    let Some(next) = all.iter().find(|i| *i != key).cloned() else { return Err(Rule::BadImage.into()) };
    let mut tx = db.begin().await?;
    sql!(query, "DELETE FROM product_images WHERE product_id = $1 AND image = $2", product, key)
        .execute(&mut *tx)
        .await?;
    sql!(query, "UPDATE products SET image = $1 WHERE id = $2 AND image = $3", &next, product, key)
        .execute(&mut *tx)
        .await?;
    sql!(
        query,
        "INSERT INTO product_images (product_id, image, sort) VALUES ($1, $2, 0) ON CONFLICT (product_id, image) DO NOTHING",
        product,
        &next
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>;

/// Binds the owner-editable product fields as `$1`…`$10` (the last is the update time).
fn bind_draft<'q>(q: AnyQuery<'q>, d: &'q ProductDraft, now: i64) -> AnyQuery<'q> {
    q.bind(&d.title)
        .bind(&d.description)
        .bind(&d.unit)
        .bind(&d.image)
        .bind(d.per_order_limit)
        .bind(d.per_member_limit)
        .bind(d.status.as_str())
        .bind(&d.specs.name1)
        .bind(&d.specs.name2)
        .bind(now)
}

pub async fn create(db: &Db, g: &Granted, d: &ProductDraft, now: i64) -> Result<i64, Error> {
    let community = g.community();
    let id = db.id();
    let mut tx = db.begin().await?;
    let q = sqlx::query(
        "INSERT INTO products (title, description, unit, image, per_order_limit, per_member_limit, status, spec1_name, \
         spec2_name, updated_at, id, community_id, created_at, price, original_price, stock, sort) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $10, $13, 0, 0, \
         (SELECT COALESCE(MAX(sort), 0) + 1 FROM products WHERE community_id = $12))",
    );
    bind_draft(q, d, now).bind(id).bind(community).bind(d.price.0).execute(&mut *tx).await?;
    sql!(query, "INSERT INTO product_images (product_id, image, sort) VALUES ($1, $2, 0)", id, &d.image)
        .execute(&mut *tx)
        .await?;
    sync_skus(db, &mut tx, id, d, now).await?;
    tx.commit().await?;
    Ok(id)
}

/// Saves an owner's edit. Without specs, the single SKU takes the price and stock typed here.
/// With specs, each SKU keeps its own row (edited in the SKU table); combinations added by the
/// edit start from the price and stock typed here, removed ones stop being sold.
pub async fn update(db: &Db, g: &Granted, id: i64, d: &ProductDraft, now: i64) -> Result<(), Error> {
    g.check(&db.pool, Owned::Product, id).await?;
    if d.image.starts_with("up:") && !images(db, id).await?.contains(&d.image) {
        return Err(Rule::BadImage.into());
    }
    let mut tx = db.begin().await?;
    let q = sqlx::query(
        "UPDATE products SET title = $1, description = $2, unit = $3, image = $4, per_order_limit = $5, \
         per_member_limit = $6, status = $7, spec1_name = $8, spec2_name = $9, updated_at = $10 WHERE id = $11",
    );
    bind_draft(q, d, now).bind(id).execute(&mut *tx).await?;
    sync_skus(db, &mut tx, id, d, now).await?;
    tx.commit().await?;
    Ok(())
}

async fn sync_skus(db: &Db, tx: &mut Tx, product: i64, d: &ProductDraft, now: i64) -> Result<(), Error> {
    let combos = d.specs.combinations();
    // A row the edit brings back (options removed again) sold nothing while it was retired: its
    // stock is set as typed. Rows on sale until now change stock only over what the form showed.
    let on_sale: Vec<i64> = sql!(query_scalar, "SELECT id FROM skus WHERE product_id = $1 AND active = 1", product)
        .fetch_all(&mut **tx)
        .await?;
    sql!(query, "UPDATE skus SET active = 0 WHERE product_id = $1", product).execute(&mut **tx).await?;
    for (sort, (spec1, spec2)) in combos.iter().enumerate() {
        let sort = sort as i64;
        // Without specs the one SKU follows the form; with specs an existing row keeps its values.
        let set = if d.specs.is_empty() {
            "active = 1, sort = $4, price = $5, original_price = $6"
        } else {
            "active = 1, sort = $4"
        };
        let mut q = sql!(
            query,
            sqlx::AssertSqlSafe(format!("UPDATE skus SET {set} WHERE product_id = $1 AND spec1 = $2 AND spec2 = $3")),
            product,
            spec1,
            spec2,
            sort
        );
        if d.specs.is_empty() {
            q = q.bind(d.price.0).bind(d.original_price.0);
        }
        let updated = q.execute(&mut **tx).await?.rows_affected() == 1;
        if updated && d.specs.is_empty() {
            let sku: i64 = sql!(
                query_scalar,
                "SELECT id FROM skus WHERE product_id = $1 AND spec1 = $2 AND spec2 = $3",
                product,
                spec1,
                spec2
            )
            .fetch_one(&mut **tx)
            .await?;
            keeps_team_price_a_saving(tx, sku, d.price, now).await?;
            if on_sale.contains(&sku) {
                set_stock(tx, sku, d.stock, d.stock_seen).await?;
            } else {
                sql!(query, "UPDATE skus SET stock = $1 WHERE id = $2", d.stock, sku).execute(&mut **tx).await?;
            }
        }
        if !updated {
            sql!(
                query,
                "INSERT INTO skus (id, product_id, spec1, spec2, price, original_price, stock, sort, active) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1)",
                db.id(),
                product,
                spec1,
                spec2,
                d.price.0,
                d.original_price.0,
                d.stock,
                sort
            )
            .execute(&mut **tx)
            .await?;
        }
    }
    refresh_summary(tx, product).await?;
    Ok(())
}

/// Saves the SKU table: each row's price, original price, stock and code. Rows of another
/// product are refused.
pub async fn save_skus(db: &Db, g: &Granted, product: i64, rows: &[(i64, SkuDraft)], now: i64) -> Result<(), Error> {
    let mut tx = db.begin().await?;
    g.check(&mut *tx, Owned::Product, product).await?;
    // The product, then its options by id: the order every stock move takes them in.
    lock(&mut tx, product).await?;
    let mut rows: Vec<&(i64, SkuDraft)> = rows.iter().collect();
    rows.sort_by_key(|(id, _)| *id);
    for (id, d) in &rows {
        keeps_team_price_a_saving(&mut tx, *id, d.price, now).await?;
    }
    for (id, d) in rows {
        let done = sql!(
            query,
            "UPDATE skus SET price = $1, original_price = $2, code = $3 WHERE id = $4 AND product_id = $5",
            d.price.0,
            d.original_price.0,
            &d.code,
            id,
            product
        )
        .execute(&mut *tx)
        .await?;
        expect_one(done, Rule::Forbidden)?;
        set_stock(&mut tx, *id, d.stock, d.stock_seen).await?;
    }
    refresh_summary(&mut tx, product).await?;
    tx.commit().await?;
    Ok(())
}

/// An option a group-buy sells keeps a single price above the team price until the activity
/// ends, so the team price stays a saving.
async fn keeps_team_price_a_saving(tx: &mut Tx, sku: i64, price: Fen, now: i64) -> Result<(), Error> {
    let team_price: Option<i64> =
        sql!(query_scalar, "SELECT MAX(team_price) FROM group_activities WHERE sku_id = $1 AND ends_at > $2", sku, now)
            .fetch_one(&mut **tx)
            .await?;
    match team_price {
        Some(t) if price.0 <= t => Err(Rule::PriceNotAboveTeamPrice { team_price: Fen(t) }.into()),
        _ => Ok(()),
    }
}

/// An owner's stock edit, as compare-and-set: orders reserve and release stock while the form is
/// open, so the number typed is written only over the number the form showed (or over itself).
/// A form that left the stock as shown changes nothing; any other mismatch is refused with the
/// stock there is now, never a blind overwrite that would sell units twice. Without a shown value
/// the stock may only be confirmed, not changed.
async fn set_stock(tx: &mut Tx, sku: i64, new: i64, seen: Option<i64>) -> Result<(), Error> {
    if seen == Some(new) {
        return Ok(());
    }
    // Strictly over what the form showed: a stock that reached the typed number by sales meanwhile
    // is refused too, or an owner's "two fewer" would vanish into two sold.
    let seen = seen.unwrap_or(new);
    let done = sql!(query, "UPDATE skus SET stock = $1 WHERE id = $2 AND stock = $3", new, sku, seen)
        .execute(&mut **tx)
        .await?
        .rows_affected();
    if done != 1 {
        let now: i64 = sql!(query_scalar, "SELECT stock FROM skus WHERE id = $1", sku).fetch_one(&mut **tx).await?;
        return Err(Rule::StockChanged { now }.into());
    }
    Ok(())
}

/// Takes a product row for the rest of the transaction. Stock moves lock rows in one order —
/// products by id, each before its options, options by id — so two checkouts, a checkout and a
/// cancellation, or a sale and an owner's edit never wait on each other in a circle.
pub(crate) async fn lock(tx: &mut Tx, product: i64) -> Result<(), Error> {
    sql!(query, "UPDATE products SET status = status WHERE id = $1", product).execute(&mut **tx).await?;
    Ok(())
}

/// The product's list summary from its SKUs on sale: lowest price (with that SKU's original
/// price) and total stock.
pub(crate) async fn refresh_summary(tx: &mut Tx, product: i64) -> Result<(), sqlx::Error> {
    sql!(
        query,
        "UPDATE products SET \
         price = COALESCE((SELECT price FROM skus WHERE product_id = $1 AND active = 1 ORDER BY price, sort, id LIMIT 1), price), \
         original_price = COALESCE((SELECT original_price FROM skus WHERE product_id = $1 AND active = 1 \
         ORDER BY price, sort, id LIMIT 1), original_price), \
         stock = (SELECT COALESCE(SUM(stock), 0) FROM skus WHERE product_id = $1 AND active = 1) \
         WHERE id = $1",
        product
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Moves a product one place earlier (`up`) or later in its community's list, by swapping its
/// position with its neighbour's.
pub async fn move_product(db: &Db, g: &Granted, product: i64, up: bool) -> Result<(), Error> {
    let mut tx = db.begin().await?;
    g.check(&mut *tx, Owned::Product, product).await?;
    let r = sql!(query, "SELECT community_id, sort FROM products WHERE id = $1", product)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(Rule::NotFound)?;
    let (community, sort): (i64, i64) = (col(&r, "community_id")?, col(&r, "sort")?);
    let sql = if up {
        "SELECT id, sort FROM products WHERE community_id = $1 AND (sort < $2 OR (sort = $2 AND id < $3)) ORDER BY sort DESC, id DESC LIMIT 1"
    } else {
        "SELECT id, sort FROM products WHERE community_id = $1 AND (sort > $2 OR (sort = $2 AND id > $3)) ORDER BY sort, id LIMIT 1"
    };
    let neighbour = sql!(query, sql, community, sort, product).fetch_optional(&mut *tx).await?;
    if let Some(n) = neighbour {
        let (other, other_sort): (i64, i64) = (col(&n, "id")?, col(&n, "sort")?);
        // Equal positions (older data) would not move: make them distinct first.
        // Both rows, by id, before either changes: the order every product lock follows.
        lock(&mut tx, product.min(other)).await?;
        lock(&mut tx, product.max(other)).await?;
        let (mine, theirs) = if other_sort == sort {
            if up {
                (sort - 1, sort)
            } else {
                (sort + 1, sort)
            }
        } else {
            (other_sort, sort)
        };
        sql!(query, "UPDATE products SET sort = $1 WHERE id = $2", mine, product).execute(&mut *tx).await?;
        sql!(query, "UPDATE products SET sort = $1 WHERE id = $2", theirs, other).execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{each_db, shop};
    use domain::catalogue::ProductInput;

    #[tokio::test]
    async fn owners_reorder_products() {
        each_db(|db| async move {
            let s = shop(&db, "35", 5).await;
            let mk = |t: &str| ProductInput {
                title: t.into(),
                image: "walnut".into(),
                price: "10".into(),
                stock: "1".into(),
                status: "on_sale".into(),
                ..Default::default()
            };
            let b = create(&db, &s.grant, &ProductDraft::parse(&mk("第二个")).unwrap(), 2).await.unwrap();
            let c = create(&db, &s.grant, &ProductDraft::parse(&mk("第三个")).unwrap(), 3).await.unwrap();
            let order = |db: Db| async move {
                all_in(&db, s.community).await.unwrap().iter().map(|p| p.id).collect::<Vec<_>>()
            };
            assert_eq!(order(db.clone()).await, vec![s.product, b, c]);
            move_product(&db, &s.grant, c, true).await.unwrap();
            assert_eq!(order(db.clone()).await, vec![s.product, c, b]);
            move_product(&db, &s.grant, s.product, true).await.unwrap();
            assert_eq!(order(db.clone()).await, vec![s.product, c, b], "already first");
            move_product(&db, &s.grant, s.product, false).await.unwrap();
            assert_eq!(order(db.clone()).await, vec![c, s.product, b]);
            assert_eq!(
                on_sale_in(&db, s.community).await.unwrap().iter().map(|p| p.id).collect::<Vec<_>>(),
                vec![c, s.product, b]
            );
        })
        .await;
    }
}
