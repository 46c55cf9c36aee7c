-- A product's avoid rules (backorder.AvoidRules): the JSON list of rule
-- names and thresholds as on the wire, NULL when the product has none. The
-- shop-wide avoid rules are part of the settings body.
-- The backorder movements by SKU and time are what cancel_risk counts
-- (Tx.BackorderStats).

-- +goose Up
ALTER TABLE products ADD COLUMN avoid_rules jsonb;
CREATE INDEX movements_backorder ON movements (sku, at) WHERE kind = 'backorder';

-- +goose Down
DROP INDEX movements_backorder;
ALTER TABLE products DROP COLUMN avoid_rules;
