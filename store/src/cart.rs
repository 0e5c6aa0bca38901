//! Carts. A member's cart is held by `u:<id>`; a visitor's by `v:<hash of their cart cookie>`
//! until they sign in, when it is merged into the member's.

use super::{col, Db};
use crate::{expect_one, Error};
use domain::catalogue::sku_label;
use domain::checkout::cart_line_state;
use domain::model::CartItem;
use domain::money::Fen;
use domain::Error as Rule;

pub fn member_holder(user: i64) -> String {
    format!("u:{user}")
}

/// Puts `quantity` of a product's option in the cart (adding to what is there), if that much can
/// be bought; otherwise says why and changes nothing.
pub async fn add(db: &Db, holder: &str, product: i64, sku: Option<i64>, quantity: i64, now: i64) -> Result<(), Error> {
    if quantity < 1 {
        return Err(Rule::BadQuantity.into());
    }
    let mut tx = db.begin().await?;
    let p = sql!(query, "SELECT status, per_order_limit FROM products WHERE id = $1", product)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(Rule::NotFound)?;
    let skus =
        sql!(query, "SELECT id, stock FROM skus WHERE product_id = $1 AND active = 1 ORDER BY sort, id", product)
            .fetch_all(&mut *tx)
            .await?;
    let chosen = match sku {
        Some(id) => skus.iter().find(|r| col::<i64>(r, "id").ok() == Some(id)),
        None if skus.len() == 1 => skus.first(),
        None => None,
    }
    .ok_or(Rule::ChooseSku)?;
    let sku_id: i64 = col(chosen, "id")?;
    let already: i64 = sql!(
        query_scalar,
        "SELECT COALESCE(MAX(quantity), 0) FROM cart_items WHERE holder = $1 AND sku_id = $2",
        holder,
        sku_id
    )
    .fetch_one(&mut *tx)
    .await?;
    let on_sale = col::<String>(&p, "status")? == "on_sale";
    let state = cart_line_state(on_sale, col(chosen, "stock")?, col(&p, "per_order_limit")?, already + quantity);
    if let Some(e) = state.error() {
        return Err(e.into());
    }
    sql!(
        query,
        "INSERT INTO cart_items (id, holder, product_id, sku_id, quantity, added_at) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (holder, sku_id) DO UPDATE SET quantity = cart_items.quantity + excluded.quantity",
        db.id(),
        holder,
        product,
        sku_id,
        quantity,
        now
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Sets a line's quantity (0 removes it). More than can be bought is refused with the reason.
pub async fn set_quantity(db: &Db, holder: &str, item: i64, quantity: i64) -> Result<(), Error> {
    if quantity < 0 {
        return Err(Rule::BadQuantity.into());
    }
    if quantity == 0 {
        return remove(db, holder, item).await;
    }
    let line = items(db, holder).await?.into_iter().find(|i| i.id == item).ok_or(Rule::NotFound)?;
    let r = sql!(
        query,
        "SELECT s.stock, CAST(s.active AS BIGINT) AS active, p.status, p.per_order_limit FROM skus s \
         JOIN products p ON p.id = s.product_id WHERE s.id = $1",
        line.sku_id
    )
    .fetch_one(&db.pool)
    .await?;
    let on_sale = col::<String>(&r, "status")? == "on_sale" && col::<i64>(&r, "active")? == 1;
    if let Some(e) = cart_line_state(on_sale, col(&r, "stock")?, col(&r, "per_order_limit")?, quantity).error() {
        return Err(e.into());
    }
    sql!(query, "UPDATE cart_items SET quantity = $1 WHERE id = $2 AND holder = $3", quantity, item, holder)
        .execute(&db.pool)
        .await?;
    Ok(())
}

pub async fn remove(db: &Db, holder: &str, item: i64) -> Result<(), Error> {
    let done =
        sql!(query, "DELETE FROM cart_items WHERE id = $1 AND holder = $2", item, holder).execute(&db.pool).await?;
    expect_one(done, Rule::NotFound)?;
    Ok(())
}

/// The cart as it stands now: current prices, and for each line whether it can be bought.
pub async fn items(db: &Db, holder: &str) -> Result<Vec<CartItem>, Error> {
    let rows = sql!(
        query,
        "SELECT c.id, c.product_id, c.sku_id, c.quantity, p.community_id, p.title, p.image, p.unit, p.status, \
         p.per_order_limit, s.spec1, s.spec2, s.price, s.stock, CAST(s.active AS BIGINT) AS active \
         FROM cart_items c JOIN products p ON p.id = c.product_id JOIN skus s ON s.id = c.sku_id \
         WHERE c.holder = $1 ORDER BY p.community_id, c.added_at, c.id",
        holder
    )
    .fetch_all(&db.pool)
    .await?;
    let mut out = vec![];
    for r in &rows {
        let on_sale = col::<String>(r, "status")? == "on_sale" && col::<i64>(r, "active")? == 1;
        let quantity: i64 = col(r, "quantity")?;
        out.push(CartItem {
            id: col(r, "id")?,
            product_id: col(r, "product_id")?,
            sku_id: col(r, "sku_id")?,
            community_id: col(r, "community_id")?,
            title: col(r, "title")?,
            image: col(r, "image")?,
            unit: col(r, "unit")?,
            spec: sku_label(&col::<String>(r, "spec1")?, &col::<String>(r, "spec2")?),
            price: Fen(col(r, "price")?),
            quantity,
            state: cart_line_state(on_sale, col(r, "stock")?, col(r, "per_order_limit")?, quantity),
        });
    }
    Ok(out)
}

/// Moves a visitor's cart into a member's at sign-in, adding quantities where both hold an option.
pub async fn merge(db: &Db, from: &str, to: &str) -> Result<(), Error> {
    let mut tx = db.begin().await?;
    // Options in both carts: add the visitor's quantity to the member's line.
    sql!(
        query,
        "UPDATE cart_items SET quantity = quantity + (SELECT v.quantity FROM cart_items v \
         WHERE v.holder = $1 AND v.sku_id = cart_items.sku_id) \
         WHERE holder = $2 AND sku_id IN (SELECT sku_id FROM cart_items WHERE holder = $1)",
        from,
        to
    )
    .execute(&mut *tx)
    .await?;
    sql!(
        query,
        "DELETE FROM cart_items WHERE holder = $1 AND sku_id IN (SELECT sku_id FROM cart_items WHERE holder = $2)",
        from,
        to
    )
    .execute(&mut *tx)
    .await?;
    // The rest move over as they are.
    sql!(query, "UPDATE cart_items SET holder = $1 WHERE holder = $2", to, from).execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(())
}

/// Takes checked-out options out of the cart.
pub async fn remove_skus(db: &Db, holder: &str, skus: &[i64]) -> Result<(), Error> {
    for sku in skus {
        sql!(query, "DELETE FROM cart_items WHERE holder = $1 AND sku_id = $2", holder, sku).execute(&db.pool).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{each_db, shop};
    use domain::checkout::CartLineState;

    #[tokio::test]
    async fn the_cart_checks_each_line_and_survives_sign_in() {
        each_db(|db| async move {
            let s = shop(&db, "35", 6).await;
            let visitor = "v:abc";
            add(&db, visitor, s.product, None, 2, 1).await.unwrap();
            add(&db, visitor, s.product, None, 1, 2).await.unwrap();
            assert_eq!(add(&db, visitor, s.product, None, 3, 3).await, Err(Rule::OverOrderLimit { limit: 5 }.into()));
            assert_eq!(add(&db, visitor, s.product, None, 0, 3).await, Err(Rule::BadQuantity.into()));
            assert_eq!(items(&db, visitor).await.unwrap()[0].quantity, 3);

            let member = member_holder(s.buyer);
            add(&db, &member, s.product, None, 1, 4).await.unwrap();
            let other = shop(&db, "10", 5).await;
            add(&db, visitor, other.product, None, 2, 4).await.unwrap();
            merge(&db, visitor, &member).await.unwrap();
            let merged = items(&db, &member).await.unwrap();
            assert_eq!(merged.len(), 2, "lines only the visitor had move over");
            remove(&db, &member, merged.iter().find(|i| i.product_id == other.product).unwrap().id).await.unwrap();
            let mine = items(&db, &member).await.unwrap();
            assert_eq!((mine.len(), mine[0].quantity, mine[0].state), (1, 4, CartLineState::Ready));
            assert!(items(&db, visitor).await.unwrap().is_empty());

            // The product's stock drops below the cart: the line says so.
            let sku = crate::products::skus_of(&db, s.product, false).await.unwrap()[0].id;
            sql!(query, "UPDATE skus SET stock = 2 WHERE id = $1", sku).execute(&db.pool).await.unwrap();
            assert_eq!(items(&db, &member).await.unwrap()[0].state, CartLineState::NotEnough { left: 2 });
            assert_eq!(set_quantity(&db, &member, mine[0].id, 3).await, Err(Rule::NotEnoughStock { left: 2 }.into()));
            set_quantity(&db, &member, mine[0].id, 2).await.unwrap();
            assert_eq!(items(&db, &member).await.unwrap()[0].state, CartLineState::Ready);
            assert_eq!(remove(&db, "u:999", mine[0].id).await, Err(Rule::NotFound.into()), "not someone else's line");
            set_quantity(&db, &member, mine[0].id, 0).await.unwrap();
            assert!(items(&db, &member).await.unwrap().is_empty());
        })
        .await;
    }
}
