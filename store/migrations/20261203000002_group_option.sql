-- A group-buy sells one option of its product at the team price: the price was checked against
-- that option's single price, so a dearer option is never sold at it. Activities made before this
-- sell the option whose price their team price was checked against: the cheapest one on sale.
ALTER TABLE group_activities ADD COLUMN sku_id BIGINT REFERENCES skus (id);
UPDATE group_activities SET sku_id = (
    SELECT s.id FROM skus s WHERE s.product_id = group_activities.product_id AND s.active = 1
    ORDER BY s.price, s.sort, s.id LIMIT 1
);
