-- One token bucket per key (an action and who does it): `tokens` left as of `refilled_at`, one
-- more every interval of the action's rate. `full_at` is when the bucket is full again; from
-- then on the row says no more than a missing row, and the jobs delete it.
CREATE TABLE rate_limits (
    key TEXT PRIMARY KEY,
    tokens BIGINT NOT NULL,
    refilled_at BIGINT NOT NULL,
    full_at BIGINT NOT NULL
);
CREATE INDEX rate_limits_full ON rate_limits (full_at);

-- Sign-in attempts per account since its last success: the delay before the next one grows
-- with them. An attempt is written before the password is checked.
CREATE TABLE sign_in_attempts (
    scope TEXT PRIMARY KEY,
    failures BIGINT NOT NULL,
    last_at BIGINT NOT NULL
);
CREATE INDEX sign_in_attempts_last ON sign_in_attempts (last_at);

DROP TABLE sign_in_failures;
