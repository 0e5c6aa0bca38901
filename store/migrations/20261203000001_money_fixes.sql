-- A refund the provider has not confirmed is retried no sooner than `retry_at`, so a few that keep
-- failing wait their turn instead of starving every newer one.
ALTER TABLE refunds ADD COLUMN retry_at BIGINT NOT NULL DEFAULT 0;
CREATE INDEX refunds_to_retry ON refunds (retry_at, id) WHERE status = 'approved';
