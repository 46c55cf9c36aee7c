-- Purchase orders: inbound supply from a supplier, expected on a date,
-- received in one or more deliveries; every move of the date and every
-- delivery is kept (supplier reliability is measured from them).

-- +goose Up
CREATE TABLE purchase_orders (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	reference   TEXT NOT NULL,
	supplier_id TEXT NOT NULL REFERENCES suppliers (id),
	expected_at TEXT NOT NULL,
	status      TEXT NOT NULL CHECK (status = 'open' OR status = 'received' OR status = 'cancelled'),
	created_at  INTEGER NOT NULL,
	updated_at  INTEGER NOT NULL
) STRICT;

CREATE INDEX purchase_orders_supplier ON purchase_orders (supplier_id, id);

CREATE TABLE purchase_order_lines (
	id        INTEGER PRIMARY KEY,
	po_id     INTEGER NOT NULL REFERENCES purchase_orders (id),
	sku       TEXT NOT NULL REFERENCES products (sku),
	quantity  INTEGER NOT NULL CHECK (quantity > 0),
	received  INTEGER NOT NULL CHECK (received >= 0),
	cancelled INTEGER NOT NULL CHECK (cancelled >= 0),
	UNIQUE (po_id, sku)
) STRICT;

CREATE INDEX purchase_order_lines_sku ON purchase_order_lines (sku, po_id);

CREATE TABLE purchase_order_date_changes (
	po_id     INTEGER NOT NULL REFERENCES purchase_orders (id),
	n         INTEGER NOT NULL,
	at        INTEGER NOT NULL,
	from_date TEXT NOT NULL,
	to_date   TEXT NOT NULL,
	PRIMARY KEY (po_id, n)
) STRICT;

CREATE TABLE purchase_order_deliveries (
	po_id    INTEGER NOT NULL REFERENCES purchase_orders (id),
	n        INTEGER NOT NULL,
	at       INTEGER NOT NULL,
	sku      TEXT NOT NULL,
	quantity INTEGER NOT NULL CHECK (quantity > 0),
	PRIMARY KEY (po_id, n)
) STRICT;

-- +goose Down
DROP TABLE purchase_order_deliveries;
DROP TABLE purchase_order_date_changes;
DROP TABLE purchase_order_lines;
DROP TABLE purchase_orders;
