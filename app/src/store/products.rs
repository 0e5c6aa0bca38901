//! The catalogue.

use super::{col, Db};
use crate::domain::catalogue::{ProductDraft, ProductStatus};
use crate::domain::money::Fen;
use crate::error::AppError;
use crate::model::{Product, ProductCard};
use sqlx::any::AnyRow;

const CARD_COLS: &str = "p.id, p.title, p.image, p.unit, p.price, p.original_price, p.stock, p.sold, p.status";

fn status(r: &AnyRow) -> Result<ProductStatus, sqlx::Error> {
    let s: String = col(r, "status")?;
    ProductStatus::parse(&s).ok_or_else(|| sqlx::Error::Decode(format!("product status {s}").into()))
}

fn card(r: &AnyRow) -> Result<ProductCard, sqlx::Error> {
    Ok(ProductCard {
        id: col(r, "id")?,
        title: col(r, "title")?,
        image: col(r, "image")?,
        unit: col(r, "unit")?,
        price: Fen(col(r, "price")?),
        original_price: Fen(col(r, "original_price")?),
        stock: col(r, "stock")?,
        sold: col(r, "sold")?,
        status: status(r)?,
    })
}

async fn cards(db: &Db, sql: String, bind: i64) -> Result<Vec<ProductCard>, AppError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(bind).fetch_all(&db.pool).await?;
    rows.iter().map(card).collect::<Result<_, _>>().map_err(Into::into)
}

/// What members see in a community: products on sale, in the owner's order.
pub async fn on_sale_in(db: &Db, community: i64) -> Result<Vec<ProductCard>, AppError> {
    cards(db, format!("SELECT {CARD_COLS} FROM products p WHERE p.community_id = $1 AND p.status = 'on_sale' ORDER BY p.sort, p.id"), community)
        .await
}

/// Everything in a community, drafts included, for its owner.
pub async fn all_in(db: &Db, community: i64) -> Result<Vec<ProductCard>, AppError> {
    cards(db, format!("SELECT {CARD_COLS} FROM products p WHERE p.community_id = $1 ORDER BY p.sort, p.id"), community)
        .await
}

/// Products on sale across communities, best sellers first, for the home page.
pub async fn popular(db: &Db, limit: i64) -> Result<Vec<ProductCard>, AppError> {
    cards(
        db,
        format!("SELECT {CARD_COLS} FROM products p WHERE p.status = 'on_sale' ORDER BY p.sold DESC, p.id LIMIT $1"),
        limit,
    )
    .await
}

pub async fn by_id(db: &Db, id: i64) -> Result<Option<Product>, AppError> {
    let r = sqlx::query(
        "SELECT id, community_id, title, description, unit, image, price, original_price, stock, sold, per_order_limit, status \
         FROM products WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&db.pool)
    .await?;
    let Some(r) = r else { return Ok(None) };
    Ok(Some(Product {
        id: col(&r, "id")?,
        community_id: col(&r, "community_id")?,
        title: col(&r, "title")?,
        description: col(&r, "description")?,
        unit: col(&r, "unit")?,
        image: col(&r, "image")?,
        price: Fen(col(&r, "price")?),
        original_price: Fen(col(&r, "original_price")?),
        stock: col(&r, "stock")?,
        sold: col(&r, "sold")?,
        per_order_limit: col(&r, "per_order_limit")?,
        status: status(&r)?,
    }))
}

pub async fn create(db: &Db, community: i64, d: &ProductDraft, now: i64) -> Result<i64, AppError> {
    let id = db.id();
    let q = sqlx::query(
        "INSERT INTO products (title, description, unit, image, price, original_price, stock, per_order_limit, \
         status, updated_at, id, community_id, created_at, sort) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $10, \
         (SELECT COALESCE(MAX(sort), 0) + 1 FROM products WHERE community_id = $12))",
    );
    bind_draft(q, d, now).bind(id).bind(community).execute(&db.pool).await?;
    Ok(id)
}

/// Binds the owner-editable fields as `$1`…`$10` (the last is the update time).
fn bind_draft<'q>(q: AnyQuery<'q>, d: &'q ProductDraft, now: i64) -> AnyQuery<'q> {
    q.bind(&d.title)
        .bind(&d.description)
        .bind(&d.unit)
        .bind(&d.image)
        .bind(d.price.0)
        .bind(d.original_price.0)
        .bind(d.stock)
        .bind(d.per_order_limit)
        .bind(d.status.as_str())
        .bind(now)
}

type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>;

/// Saves an owner's edit. Stock is set to what the owner typed: units reserved by unpaid orders
/// were already taken out of it when those orders were created.
pub async fn update(db: &Db, id: i64, d: &ProductDraft, now: i64) -> Result<(), AppError> {
    let q = sqlx::query(
        "UPDATE products SET title = $1, description = $2, unit = $3, image = $4, price = $5, original_price = $6, \
         stock = $7, per_order_limit = $8, status = $9, updated_at = $10 WHERE id = $11",
    );
    bind_draft(q, d, now).bind(id).execute(&db.pool).await?;
    Ok(())
}
