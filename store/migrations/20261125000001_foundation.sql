-- Shared by SQLite and PostgreSQL: BIGINT / INTEGER / TEXT only, ids made by the application,
-- money in fen, time in UTC milliseconds. Invariants are enforced here as well as in code.

CREATE TABLE id_nodes (
    id INTEGER PRIMARY KEY,
    next_node BIGINT NOT NULL
);
INSERT INTO id_nodes (id, next_node) VALUES (1, 0);

CREATE TABLE users (
    id BIGINT PRIMARY KEY,
    phone TEXT UNIQUE,
    email TEXT UNIQUE,
    password_hash TEXT NOT NULL,
    nickname TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    CHECK (phone IS NOT NULL OR email IS NOT NULL)
);

-- Only a hash of the session token is stored: a leaked table cannot be replayed as cookies.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Failed sign-ins, per account and per client address; kept in the database so the limit
-- holds across server instances.
CREATE TABLE sign_in_failures (
    id BIGINT PRIMARY KEY,
    scope TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX sign_in_failures_scope ON sign_in_failures (scope, at);

CREATE TABLE communities (
    id BIGINT PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    intro TEXT NOT NULL,
    cover TEXT NOT NULL,
    owner_id BIGINT NOT NULL REFERENCES users (id),
    join_policy TEXT NOT NULL DEFAULT 'open' CHECK (join_policy IN ('open', 'approval', 'invite')),
    member_count BIGINT NOT NULL DEFAULT 0 CHECK (member_count >= 0),
    time_zone TEXT NOT NULL DEFAULT 'Asia/Shanghai',
    created_at BIGINT NOT NULL
);
CREATE INDEX communities_owner ON communities (owner_id);

CREATE TABLE memberships (
    community_id BIGINT NOT NULL REFERENCES communities (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    role TEXT NOT NULL CHECK (role IN ('owner', 'member')),
    joined_at BIGINT NOT NULL,
    PRIMARY KEY (community_id, user_id)
);
CREATE INDEX memberships_user ON memberships (user_id);

CREATE TABLE products (
    id BIGINT PRIMARY KEY,
    community_id BIGINT NOT NULL REFERENCES communities (id),
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    unit TEXT NOT NULL DEFAULT '',
    image TEXT NOT NULL,
    price BIGINT NOT NULL CHECK (price > 0),
    original_price BIGINT NOT NULL DEFAULT 0 CHECK (original_price >= 0),
    stock BIGINT NOT NULL CHECK (stock >= 0),
    sold BIGINT NOT NULL DEFAULT 0 CHECK (sold >= 0),
    per_order_limit BIGINT NOT NULL DEFAULT 10 CHECK (per_order_limit >= 1),
    status TEXT NOT NULL CHECK (status IN ('draft', 'on_sale', 'off_sale')),
    sort BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX products_community ON products (community_id, status, sort);

CREATE TABLE orders (
    id BIGINT PRIMARY KEY,
    community_id BIGINT NOT NULL REFERENCES communities (id),
    buyer_id BIGINT NOT NULL REFERENCES users (id),
    status TEXT NOT NULL CHECK (status IN ('pending_payment', 'awaiting_team', 'paid', 'shipped',
        'completed', 'cancelled', 'refunding', 'refunded')),
    goods_amount BIGINT NOT NULL CHECK (goods_amount >= 0),
    shipping_amount BIGINT NOT NULL DEFAULT 0 CHECK (shipping_amount >= 0),
    discount_amount BIGINT NOT NULL DEFAULT 0 CHECK (discount_amount >= 0),
    total_amount BIGINT NOT NULL CHECK (total_amount >= 0),
    created_at BIGINT NOT NULL,
    pay_deadline BIGINT NOT NULL,
    paid_at BIGINT,
    shipped_at BIGINT,
    completed_at BIGINT,
    cancelled_at BIGINT,
    carrier TEXT,
    tracking_no TEXT
);
CREATE INDEX orders_status_deadline ON orders (status, pay_deadline);
CREATE INDEX orders_status_shipped ON orders (status, shipped_at);
CREATE INDEX orders_buyer ON orders (buyer_id, created_at);
CREATE INDEX orders_community ON orders (community_id, created_at);

CREATE TABLE order_lines (
    id BIGINT PRIMARY KEY,
    order_id BIGINT NOT NULL REFERENCES orders (id),
    product_id BIGINT NOT NULL REFERENCES products (id),
    title TEXT NOT NULL,
    image TEXT NOT NULL,
    unit TEXT NOT NULL,
    unit_price BIGINT NOT NULL CHECK (unit_price >= 0),
    quantity BIGINT NOT NULL CHECK (quantity > 0),
    amount BIGINT NOT NULL CHECK (amount >= 0)
);
CREATE INDEX order_lines_order ON order_lines (order_id);

-- Every change of an order's state: who, when, from, to.
CREATE TABLE order_events (
    id BIGINT PRIMARY KEY,
    order_id BIGINT NOT NULL REFERENCES orders (id),
    from_status TEXT,
    to_status TEXT NOT NULL,
    actor TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX order_events_order ON order_events (order_id, at);

CREATE TABLE payments (
    id BIGINT PRIMARY KEY,
    order_id BIGINT NOT NULL REFERENCES orders (id),
    provider TEXT NOT NULL,
    amount BIGINT NOT NULL CHECK (amount > 0),
    status TEXT NOT NULL CHECK (status IN ('created', 'succeeded')),
    -- Money given back so far; never more than was paid.
    refunded_amount BIGINT NOT NULL DEFAULT 0 CHECK (refunded_amount >= 0 AND refunded_amount <= amount),
    created_at BIGINT NOT NULL,
    succeeded_at BIGINT
);
CREATE INDEX payments_order ON payments (order_id);

-- One row per provider event: a webhook delivered many times changes state once, because
-- this insert and the state change commit together.
CREATE TABLE provider_events (
    provider TEXT NOT NULL,
    event_id TEXT NOT NULL,
    payment_id BIGINT NOT NULL REFERENCES payments (id),
    received_at BIGINT NOT NULL,
    PRIMARY KEY (provider, event_id)
);

-- Money going back to a buyer. A refund is decided (approved) before the provider is asked, and
-- marked refunded after the provider confirmed; the provider call is idempotent by refund id, so a
-- retry after a crash cannot pay twice.
CREATE TABLE refunds (
    id BIGINT PRIMARY KEY,
    order_id BIGINT NOT NULL REFERENCES orders (id),
    payment_id BIGINT NOT NULL REFERENCES payments (id),
    line_id BIGINT REFERENCES order_lines (id),
    kind TEXT NOT NULL CHECK (kind IN ('member', 'late_payment')),
    amount BIGINT NOT NULL CHECK (amount > 0),
    reason TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('requested', 'approved', 'rejected', 'refunded')),
    decision_note TEXT,
    provider_ref TEXT,
    created_at BIGINT NOT NULL,
    decided_at BIGINT,
    refunded_at BIGINT
);
CREATE INDEX refunds_order ON refunds (order_id);
CREATE INDEX refunds_status ON refunds (status);
-- A late payment is refunded once.
CREATE UNIQUE INDEX refunds_one_late_payment ON refunds (payment_id) WHERE kind = 'late_payment';

-- Background jobs take a lease before scanning, so with several instances only one scans at a
-- time; each order they touch is also moved by a conditional update, so nothing is done twice.
CREATE TABLE job_leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    lease_until BIGINT NOT NULL
);
