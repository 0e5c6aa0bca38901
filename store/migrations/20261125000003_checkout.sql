-- Checkout: address book, shipping rules and pickup points, delivery snapshots on orders, the
-- checkout key that makes a repeated submission create its orders once, and the cart.

CREATE TABLE addresses (
    id BIGINT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    name TEXT NOT NULL,
    phone TEXT NOT NULL,
    region TEXT NOT NULL,
    detail TEXT NOT NULL,
    is_default INTEGER NOT NULL DEFAULT 0 CHECK (is_default IN (0, 1)),
    -- Removed addresses are hidden, not deleted: orders keep their own copy anyway.
    removed INTEGER NOT NULL DEFAULT 0 CHECK (removed IN (0, 1)),
    created_at BIGINT NOT NULL
);
CREATE INDEX addresses_user ON addresses (user_id, removed);

ALTER TABLE communities ADD COLUMN shipping_fee BIGINT NOT NULL DEFAULT 0 CHECK (shipping_fee >= 0);
-- 0: shipping is never free.
ALTER TABLE communities ADD COLUMN free_shipping_over BIGINT NOT NULL DEFAULT 0 CHECK (free_shipping_over >= 0);
-- Empty: no pickup point.
ALTER TABLE communities ADD COLUMN pickup_point TEXT NOT NULL DEFAULT '';

ALTER TABLE orders ADD COLUMN delivery TEXT NOT NULL DEFAULT 'ship' CHECK (delivery IN ('ship', 'pickup'));
-- Where the goods go, copied at checkout: later edits of the address book do not move orders.
ALTER TABLE orders ADD COLUMN ship_to TEXT NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN note TEXT NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN checkout_key TEXT;
CREATE UNIQUE INDEX orders_checkout_key ON orders (buyer_id, checkout_key, community_id);

CREATE TABLE cart_items (
    id BIGINT PRIMARY KEY,
    -- `u:<user id>` for a member, `v:<hash of the visitor cookie>` before signing in.
    holder TEXT NOT NULL,
    product_id BIGINT NOT NULL REFERENCES products (id),
    sku_id BIGINT NOT NULL REFERENCES skus (id),
    quantity BIGINT NOT NULL CHECK (quantity > 0),
    added_at BIGINT NOT NULL,
    UNIQUE (holder, sku_id)
);
CREATE INDEX cart_items_holder ON cart_items (holder, added_at);
