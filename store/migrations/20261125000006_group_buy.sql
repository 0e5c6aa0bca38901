-- Group-buy (拼团): activities on a product, the teams members open and join, and the seats that
-- make the "never overfills" rule a property of the database.

CREATE TABLE group_activities (
    id BIGINT PRIMARY KEY,
    product_id BIGINT NOT NULL REFERENCES products (id),
    community_id BIGINT NOT NULL REFERENCES communities (id),
    team_size BIGINT NOT NULL CHECK (team_size BETWEEN 2 AND 50),
    -- Most members a team takes: the team size, or the top of the ladder.
    capacity BIGINT NOT NULL CHECK (capacity BETWEEN 2 AND 50),
    team_price BIGINT NOT NULL CHECK (team_price > 0),
    leader_price BIGINT CHECK (leader_price > 0),
    window_ms BIGINT NOT NULL CHECK (window_ms BETWEEN 3600000 AND 259200000),
    starts_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL,
    per_member_limit BIGINT NOT NULL CHECK (per_member_limit >= 1),
    -- `size:price` steps in fen, e.g. `5:2590,10:2290`; empty without a ladder.
    ladder TEXT NOT NULL DEFAULT '',
    guaranteed INTEGER NOT NULL DEFAULT 0 CHECK (guaranteed IN (0, 1)),
    created_at BIGINT NOT NULL,
    CHECK (ends_at > starts_at)
);
CREATE INDEX group_activities_product ON group_activities (product_id, ends_at);
CREATE INDEX group_activities_community ON group_activities (community_id, starts_at);

-- A team is `pending` until its leader pays (nobody else sees it), `open` while it gathers
-- members, `succeeded` once enough have paid, `failed` when its window closed short. `taken`
-- counts seats held or paid and can never pass the capacity; `paid` never passes `taken`.
CREATE TABLE teams (
    id BIGINT PRIMARY KEY,
    activity_id BIGINT NOT NULL REFERENCES group_activities (id),
    leader_id BIGINT NOT NULL REFERENCES users (id),
    status TEXT NOT NULL CHECK (status IN ('pending', 'open', 'succeeded', 'failed')),
    capacity BIGINT NOT NULL,
    taken BIGINT NOT NULL DEFAULT 0,
    paid BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    opened_at BIGINT,
    expires_at BIGINT,
    -- Set once when the team stops taking members; ladder refunds are decided then.
    closed_at BIGINT,
    -- Last change, so every server process can tell its live pages what moved.
    updated_at BIGINT NOT NULL,
    CHECK (taken >= 0 AND taken <= capacity),
    CHECK (paid >= 0 AND paid <= taken)
);
CREATE INDEX teams_activity ON teams (activity_id, status, expires_at);
CREATE INDEX teams_due ON teams (status, expires_at);
CREATE INDEX teams_updated ON teams (updated_at);

-- One seat per member and team. `active_activity` is the activity while the seat counts
-- (held or paid in a team still gathering) and NULL otherwise: the unique index makes "one open
-- team per member and activity" a rule the database keeps.
CREATE TABLE team_seats (
    id BIGINT PRIMARY KEY,
    team_id BIGINT NOT NULL REFERENCES teams (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    order_id BIGINT NOT NULL REFERENCES orders (id),
    is_leader INTEGER NOT NULL DEFAULT 0 CHECK (is_leader IN (0, 1)),
    status TEXT NOT NULL CHECK (status IN ('held', 'paid', 'released', 'refunded')),
    active_activity BIGINT,
    unit_price BIGINT NOT NULL CHECK (unit_price > 0),
    quantity BIGINT NOT NULL CHECK (quantity > 0),
    joined_at BIGINT NOT NULL,
    paid_at BIGINT
);
CREATE UNIQUE INDEX team_seats_once ON team_seats (team_id, user_id) WHERE status IN ('held', 'paid');
CREATE UNIQUE INDEX team_seats_one_open_team ON team_seats (active_activity, user_id);
CREATE UNIQUE INDEX team_seats_order ON team_seats (order_id);

-- Units a member has taken through an activity, for its per-member limit.
CREATE TABLE group_member_units (
    activity_id BIGINT NOT NULL REFERENCES group_activities (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    quantity BIGINT NOT NULL CHECK (quantity >= 0),
    PRIMARY KEY (activity_id, user_id)
);

ALTER TABLE orders ADD COLUMN team_id BIGINT REFERENCES teams (id);
CREATE INDEX orders_team ON orders (team_id);

-- Refunds gain the group-buy kinds. Neither database can widen a CHECK in place the same way,
-- so the table is rebuilt (nothing references it).
CREATE TABLE refunds_new (
    id BIGINT PRIMARY KEY,
    order_id BIGINT NOT NULL REFERENCES orders (id),
    payment_id BIGINT NOT NULL REFERENCES payments (id),
    line_id BIGINT REFERENCES order_lines (id),
    kind TEXT NOT NULL CHECK (kind IN ('member', 'late_payment', 'team_failed', 'team_ladder')),
    amount BIGINT NOT NULL CHECK (amount > 0),
    reason TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('requested', 'approved', 'rejected', 'refunded')),
    decision_note TEXT,
    provider_ref TEXT,
    created_at BIGINT NOT NULL,
    decided_at BIGINT,
    refunded_at BIGINT
);
INSERT INTO refunds_new (id, order_id, payment_id, line_id, kind, amount, reason, status, decision_note,
    provider_ref, created_at, decided_at, refunded_at)
    SELECT id, order_id, payment_id, line_id, kind, amount, reason, status, decision_note, provider_ref,
        created_at, decided_at, refunded_at FROM refunds;
DROP TABLE refunds;
ALTER TABLE refunds_new RENAME TO refunds;
CREATE INDEX refunds_order ON refunds (order_id);
CREATE INDEX refunds_status ON refunds (status);
CREATE INDEX refunds_line ON refunds (line_id);
CREATE UNIQUE INDEX refunds_one_open_per_order ON refunds (order_id)
    WHERE kind = 'member' AND status IN ('requested', 'approved');
-- Refunds the system decides (late payment, failed team, ladder difference) happen once per payment.
CREATE UNIQUE INDEX refunds_one_automatic ON refunds (payment_id) WHERE kind <> 'member';
