-- Suppliers: who inbound supply comes from, with their usual lead time.

-- +goose Up
CREATE TABLE suppliers (
	id             text COLLATE "C" PRIMARY KEY,
	name           text NOT NULL,
	contact_email  text,
	lead_time_days integer NOT NULL CHECK (lead_time_days >= 0),
	created_at     timestamptz NOT NULL,
	updated_at     timestamptz NOT NULL
);

-- +goose Down
DROP TABLE suppliers;
