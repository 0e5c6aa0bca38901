-- Product specifications (规格): every product sells through one or more SKUs, each with its own
-- price, struck original price, stock and code. A product without specs has one SKU whose spec
-- values are empty. `products.price`, `original_price` and `stock` stay as a summary for lists
-- (lowest price, its original, total stock), kept in step by the application in the same
-- transactions that change SKUs.

CREATE TABLE skus (
    id BIGINT PRIMARY KEY,
    product_id BIGINT NOT NULL REFERENCES products (id),
    spec1 TEXT NOT NULL DEFAULT '',
    spec2 TEXT NOT NULL DEFAULT '',
    price BIGINT NOT NULL CHECK (price > 0),
    original_price BIGINT NOT NULL DEFAULT 0 CHECK (original_price >= 0),
    stock BIGINT NOT NULL CHECK (stock >= 0),
    code TEXT NOT NULL DEFAULT '',
    sort BIGINT NOT NULL DEFAULT 0,
    -- A combination the owner removed stays (past orders point at it) but is no longer sold.
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    UNIQUE (product_id, spec1, spec2)
);
CREATE INDEX skus_product ON skus (product_id, active, sort);

-- Every existing product gets its single SKU, with the same id as the product.
INSERT INTO skus (id, product_id, price, original_price, stock)
SELECT id, id, price, original_price, stock FROM products;

ALTER TABLE products ADD COLUMN spec1_name TEXT NOT NULL DEFAULT '';
ALTER TABLE products ADD COLUMN spec2_name TEXT NOT NULL DEFAULT '';
-- 0 means no per-member limit.
ALTER TABLE products ADD COLUMN per_member_limit BIGINT NOT NULL DEFAULT 0 CHECK (per_member_limit >= 0);

ALTER TABLE order_lines ADD COLUMN sku_id BIGINT REFERENCES skus (id);
ALTER TABLE order_lines ADD COLUMN spec TEXT NOT NULL DEFAULT '';
UPDATE order_lines SET sku_id = product_id;

-- How much of a product each member has bought in orders that still stand; the conditional
-- upsert on this row is what enforces a per-member limit under concurrent orders.
CREATE TABLE member_purchases (
    product_id BIGINT NOT NULL REFERENCES products (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    quantity BIGINT NOT NULL CHECK (quantity >= 0),
    PRIMARY KEY (product_id, user_id)
);
