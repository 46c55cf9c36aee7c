-- Suppliers: who inbound supply comes from, with their usual lead time.

-- +goose Up
CREATE TABLE suppliers (
	id             TEXT PRIMARY KEY,
	name           TEXT NOT NULL,
	contact_email  TEXT,
	lead_time_days INTEGER NOT NULL CHECK (lead_time_days >= 0),
	created_at     INTEGER NOT NULL,
	updated_at     INTEGER NOT NULL
) STRICT;

-- +goose Down
DROP TABLE suppliers;
