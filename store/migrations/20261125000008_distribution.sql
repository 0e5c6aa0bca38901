-- Distribution (分销): each community's programme, its distributors, what every order was
-- attributed to, the commissions it earned, the ledger every movement of money is posted to, and
-- withdrawals.

-- The programme's rules as `domain::referral::Programme` in JSON, with the freeze and the fee.
CREATE TABLE referral_programmes (
    community_id BIGINT PRIMARY KEY REFERENCES communities (id),
    enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    rules TEXT NOT NULL,
    freeze_days BIGINT NOT NULL DEFAULT 7 CHECK (freeze_days BETWEEN 0 AND 90),
    withdrawal_fee BIGINT NOT NULL DEFAULT 0 CHECK (withdrawal_fee >= 0),
    updated_at BIGINT NOT NULL
);

-- A product's own level-1 commission: a fixed amount or a rate (exactly one of them).
CREATE TABLE commission_overrides (
    product_id BIGINT PRIMARY KEY REFERENCES products (id),
    fixed_amount BIGINT CHECK (fixed_amount >= 0),
    rate_bp BIGINT CHECK (rate_bp >= 0),
    CHECK ((fixed_amount IS NULL) <> (rate_bp IS NULL))
);

-- Members who asked to distribute or were let in. `level` only ever rises (automatic upgrades).
CREATE TABLE distributors (
    community_id BIGINT NOT NULL REFERENCES communities (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    status TEXT NOT NULL CHECK (status IN ('applied', 'active', 'rejected')),
    level BIGINT NOT NULL DEFAULT -1,
    application TEXT NOT NULL DEFAULT '',
    applied_at BIGINT NOT NULL,
    decided_at BIGINT,
    PRIMARY KEY (community_id, user_id)
);
CREATE INDEX distributors_status ON distributors (community_id, status, applied_at);

-- Who an order was attributed to when it was made (its chain, nearest first), and the referral
-- link it came through with what binding decided, so a member can see why it was or was not
-- credited to them. Never rewritten.
CREATE TABLE order_referrals (
    order_id BIGINT PRIMARY KEY REFERENCES orders (id),
    community_id BIGINT NOT NULL REFERENCES communities (id),
    buyer_id BIGINT NOT NULL REFERENCES users (id),
    l1 BIGINT REFERENCES users (id),
    l2 BIGINT REFERENCES users (id),
    l3 BIGINT REFERENCES users (id),
    link_referrer BIGINT REFERENCES users (id),
    link_outcome TEXT,
    -- Set when the order was paid: `credited`, or why it earned nothing.
    outcome TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX order_referrals_l1 ON order_referrals (l1, created_at);
CREATE INDEX order_referrals_l2 ON order_referrals (l2, created_at);
CREATE INDEX order_referrals_l3 ON order_referrals (l3, created_at);
CREATE INDEX order_referrals_link ON order_referrals (link_referrer, created_at);

-- One commission per order and beneficiary. `reversed` is what refunds took back; the status
-- moves pending → frozen → settled (or reversed when everything was taken back before settling).
CREATE TABLE commissions (
    id BIGINT PRIMARY KEY,
    order_id BIGINT NOT NULL REFERENCES orders (id),
    community_id BIGINT NOT NULL REFERENCES communities (id),
    beneficiary_id BIGINT NOT NULL REFERENCES users (id),
    buyer_id BIGINT NOT NULL REFERENCES users (id),
    depth BIGINT NOT NULL CHECK (depth BETWEEN 1 AND 3),
    base BIGINT NOT NULL CHECK (base > 0),
    amount BIGINT NOT NULL CHECK (amount > 0),
    reversed BIGINT NOT NULL DEFAULT 0,
    status TEXT NOT NULL CHECK (status IN ('pending', 'frozen', 'settled', 'reversed')),
    created_at BIGINT NOT NULL,
    frozen_at BIGINT,
    settle_at BIGINT,
    settled_at BIGINT,
    UNIQUE (order_id, beneficiary_id),
    CHECK (reversed >= 0 AND reversed <= amount)
);
-- Covers the sums of a distributor's page (no table lookups for 10,000 commissions).
CREATE INDEX commissions_beneficiary ON commissions (beneficiary_id, community_id, status, amount, reversed, created_at);
CREATE INDEX commissions_community ON commissions (community_id, created_at);
CREATE INDEX commissions_due ON commissions (status, settle_at);

-- The ledger: postings and their lines (debits positive, credits negative; each posting's lines
-- add up to zero). Accounts are named within the posting's community, e.g. `clearing`,
-- `owner`, `pending:<user>`, `available:<user>`. Rows are only ever added.
CREATE TABLE ledger_postings (
    id BIGINT PRIMARY KEY,
    community_id BIGINT NOT NULL REFERENCES communities (id),
    kind TEXT NOT NULL,
    order_id BIGINT,
    commission_id BIGINT,
    withdrawal_id BIGINT,
    refund_id BIGINT,
    at BIGINT NOT NULL
);
CREATE INDEX ledger_postings_community ON ledger_postings (community_id, at);
CREATE INDEX ledger_postings_order ON ledger_postings (order_id);

CREATE TABLE ledger_lines (
    posting_id BIGINT NOT NULL REFERENCES ledger_postings (id),
    seq BIGINT NOT NULL,
    community_id BIGINT NOT NULL,
    account TEXT NOT NULL,
    amount BIGINT NOT NULL,
    PRIMARY KEY (posting_id, seq)
);
CREATE INDEX ledger_lines_account ON ledger_lines (community_id, account, amount);

-- A distributor's withdrawals. One pending request per member and community at a time.
CREATE TABLE withdrawals (
    id BIGINT PRIMARY KEY,
    community_id BIGINT NOT NULL REFERENCES communities (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    amount BIGINT NOT NULL CHECK (amount > 0),
    fee BIGINT NOT NULL DEFAULT 0 CHECK (fee >= 0 AND fee < amount),
    status TEXT NOT NULL CHECK (status IN ('pending', 'paid', 'rejected')),
    note TEXT NOT NULL DEFAULT '',
    requested_at BIGINT NOT NULL,
    decided_at BIGINT
);
CREATE UNIQUE INDEX withdrawals_one_pending ON withdrawals (community_id, user_id) WHERE status = 'pending';
CREATE INDEX withdrawals_queue ON withdrawals (community_id, status, requested_at);
