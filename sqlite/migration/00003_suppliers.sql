-- Suppliers: who inbound supply comes from, with their usual lead time; a
-- product names its supplier and may set its own lead time (NULL: the
-- supplier's).

-- +goose Up
CREATE TABLE suppliers (
	id             TEXT PRIMARY KEY,
	name           TEXT NOT NULL,
	contact_email  TEXT,
	lead_time_days INTEGER NOT NULL CHECK (lead_time_days >= 0),
	created_at     INTEGER NOT NULL,
	updated_at     INTEGER NOT NULL
) STRICT;
ALTER TABLE products ADD COLUMN supplier_id TEXT;
ALTER TABLE products ADD COLUMN lead_time_days INTEGER CHECK (lead_time_days >= 0);

-- +goose Down
ALTER TABLE products DROP COLUMN lead_time_days;
ALTER TABLE products DROP COLUMN supplier_id;
DROP TABLE suppliers;
