-- A refund the provider has not confirmed is retried no sooner than `retry_at`, so a few that keep
-- failing wait their turn instead of starving every newer one.
ALTER TABLE refunds ADD COLUMN retry_at BIGINT NOT NULL DEFAULT 0;
CREATE INDEX refunds_to_retry ON refunds (retry_at, id) WHERE status = 'approved';

-- What each order line contributed to a commission (its base after the order's discount, and the
-- commission it earned at its own rate), so a refund of one line takes back that line's share.
CREATE TABLE commission_lines (
    commission_id BIGINT NOT NULL REFERENCES commissions (id),
    line_id BIGINT NOT NULL REFERENCES order_lines (id),
    base BIGINT NOT NULL CHECK (base >= 0),
    amount BIGINT NOT NULL CHECK (amount >= 0),
    PRIMARY KEY (commission_id, line_id)
);
