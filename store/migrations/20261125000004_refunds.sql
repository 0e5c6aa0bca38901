-- Member refunds: an order under a refund request is `refunding`; when the request is decided it
-- returns to the state it was in (`resume_status`), or becomes `refunded` when everything paid
-- has gone back.
ALTER TABLE orders ADD COLUMN resume_status TEXT;

-- One open member refund per order at a time.
CREATE UNIQUE INDEX refunds_one_open_per_order ON refunds (order_id)
    WHERE kind = 'member' AND status IN ('requested', 'approved');
CREATE INDEX refunds_line ON refunds (line_id);

-- In-app notifications: what happened, to whom, about which order; read when seen.
CREATE TABLE notifications (
    id BIGINT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL,
    order_id BIGINT REFERENCES orders (id),
    amount BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    read_at BIGINT
);
CREATE INDEX notifications_user ON notifications (user_id, read_at, created_at);
