-- A referral link's visits count once per visitor and day: a page that loads the link many
-- times (or a visitor who reloads) is one visit.
ALTER TABLE referral_visits ADD COLUMN day BIGINT NOT NULL DEFAULT 0;
UPDATE referral_visits SET day = at / 86400000;
DELETE FROM referral_visits WHERE id NOT IN (
    SELECT MIN(id) FROM referral_visits GROUP BY referrer_id, visitor, day
);
CREATE UNIQUE INDEX referral_visits_once_a_day ON referral_visits (referrer_id, visitor, day);
CREATE INDEX referral_visits_at ON referral_visits (at);
