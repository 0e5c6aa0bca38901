-- Referral links (issue 6, first part): each member's code, visits through links, and who a member
-- is bound to in each community (the mode is per community).

CREATE TABLE referral_codes (
    user_id BIGINT PRIMARY KEY REFERENCES users (id),
    code TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);

CREATE TABLE referral_visits (
    id BIGINT PRIMARY KEY,
    referrer_id BIGINT NOT NULL REFERENCES users (id),
    -- `u:<user id>` for a member, `v:<hash of the visitor cookie>` before signing in.
    visitor TEXT NOT NULL,
    path TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX referral_visits_referrer ON referral_visits (referrer_id, at);

CREATE TABLE referral_bindings (
    community_id BIGINT NOT NULL REFERENCES communities (id),
    member_id BIGINT NOT NULL REFERENCES users (id),
    referrer_id BIGINT NOT NULL REFERENCES users (id),
    bound_at BIGINT NOT NULL,
    PRIMARY KEY (community_id, member_id),
    CHECK (member_id <> referrer_id)
);
CREATE INDEX referral_bindings_referrer ON referral_bindings (community_id, referrer_id);

-- Every decision about a binding, for "why was this order (not) credited to me".
CREATE TABLE referral_binding_log (
    id BIGINT PRIMARY KEY,
    community_id BIGINT NOT NULL REFERENCES communities (id),
    member_id BIGINT NOT NULL REFERENCES users (id),
    referrer_id BIGINT NOT NULL REFERENCES users (id),
    outcome TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX referral_binding_log_member ON referral_binding_log (community_id, member_id, at);
