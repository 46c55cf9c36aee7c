-- Suppliers: who inbound supply comes from, with their usual lead time; a
-- product names its supplier and may set its own lead time (NULL: the
-- supplier's).

-- +goose Up
CREATE TABLE suppliers (
	id             text COLLATE "C" PRIMARY KEY,
	name           text NOT NULL,
	contact_email  text,
	lead_time_days integer NOT NULL CHECK (lead_time_days >= 0),
	created_at     timestamptz NOT NULL,
	updated_at     timestamptz NOT NULL
);
ALTER TABLE products ADD COLUMN supplier_id text;
ALTER TABLE products ADD COLUMN lead_time_days integer CHECK (lead_time_days >= 0);

-- +goose Down
ALTER TABLE products DROP COLUMN lead_time_days;
ALTER TABLE products DROP COLUMN supplier_id;
DROP TABLE suppliers;
