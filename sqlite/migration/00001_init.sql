-- The first schema of the backorder store.
--
-- Conventions: tables are STRICT, so a value of the wrong type is refused
-- rather than silently stored. A CHECK lists allowed values with OR, not IN:
-- SQLite builds a temporary index for an IN list on every row it checks.
-- Times are INTEGER microseconds since the Unix epoch, UTC. Calendar dates are
-- 'YYYY-MM-DD' TEXT, NULL when unset. Money is INTEGER minor units. The
-- quantity invariants that must hold at every commit are CHECK constraints, so
-- a bug in the service cannot commit a line or a stock row that does not add
-- up.

-- +goose Up

-- Shop-wide settings: one row, its body the JSON of backorder.Settings.
CREATE TABLE settings (
	id   INTEGER PRIMARY KEY CHECK (id = 1),
	body TEXT NOT NULL
) STRICT;

-- Small named values, such as the admin token hash.
CREATE TABLE meta (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
) STRICT, WITHOUT ROWID;

-- Products with their policy and live stock. A NULL policy column means the
-- shop default applies.
CREATE TABLE products (
	sku                        TEXT PRIMARY KEY,
	name                       TEXT NOT NULL,
	price_cents                INTEGER NOT NULL CHECK (price_cents >= 0),
	currency                   TEXT NOT NULL,
	status                     TEXT NOT NULL,
	release_date               TEXT,
	accept_backorders          INTEGER CHECK (accept_backorders = 0 OR accept_backorders = 1),
	max_backorder_per_customer INTEGER,
	backorder_limit            INTEGER,
	split_policy               TEXT,
	payment_timing             TEXT,
	on_hand                    INTEGER NOT NULL DEFAULT 0,
	allocated                  INTEGER NOT NULL DEFAULT 0,
	backordered                INTEGER NOT NULL DEFAULT 0,
	created_at                 INTEGER NOT NULL,
	updated_at                 INTEGER NOT NULL,
	CONSTRAINT stock_on_hand CHECK (on_hand >= 0),
	CONSTRAINT stock_allocated CHECK (allocated >= 0 AND allocated <= on_hand),
	CONSTRAINT stock_backordered CHECK (backordered >= 0)
) STRICT, WITHOUT ROWID;

-- Accepted orders. seq is the acceptance number: the single writer assigns
-- max(seq)+1, so it increases in commit order.
CREATE TABLE orders (
	id             TEXT PRIMARY KEY,
	seq            INTEGER NOT NULL UNIQUE,
	customer_id    TEXT NOT NULL,
	customer_email TEXT NOT NULL,
	customer_name  TEXT NOT NULL,
	vip            INTEGER NOT NULL DEFAULT 0 CHECK (vip = 0 OR vip = 1),
	wholesale      INTEGER NOT NULL DEFAULT 0 CHECK (wholesale = 0 OR wholesale = 1),
	shipping       TEXT NOT NULL,
	need_by        TEXT,
	split_policy   TEXT NOT NULL,
	split_choice   TEXT,
	accepted_at    INTEGER NOT NULL,
	units          INTEGER NOT NULL CHECK (units >= 0),
	line_count     INTEGER NOT NULL CHECK (line_count >= 0)
) STRICT, WITHOUT ROWID;

CREATE INDEX orders_customer ON orders (customer_id, seq);

-- Order lines. The CHECKs are the conservation invariant of DESIGN.md.
CREATE TABLE order_lines (
	id             INTEGER PRIMARY KEY,
	order_id       TEXT NOT NULL REFERENCES orders (id),
	line_no        INTEGER NOT NULL,
	sku            TEXT NOT NULL REFERENCES products (sku),
	quantity       INTEGER NOT NULL,
	allocated      INTEGER NOT NULL,
	backordered    INTEGER NOT NULL,
	shipped        INTEGER NOT NULL,
	cancelled      INTEGER NOT NULL,
	fulfilling     INTEGER NOT NULL,
	price_cents    INTEGER NOT NULL,
	currency       TEXT NOT NULL,
	payment_timing TEXT NOT NULL,
	available_from TEXT,
	UNIQUE (order_id, line_no),
	CONSTRAINT line_nonnegative CHECK (quantity > 0 AND allocated >= 0 AND backordered >= 0 AND shipped >= 0 AND cancelled >= 0),
	CONSTRAINT line_conserved CHECK (quantity = allocated + backordered + shipped + cancelled),
	CONSTRAINT line_fulfilling CHECK (fulfilling >= 0 AND fulfilling <= allocated)
) STRICT;

-- The waiting queue of each SKU: only lines with backordered units, so the
-- index stays as small as the queue, however long the history.
CREATE INDEX order_lines_waiting ON order_lines (sku) WHERE backordered > 0;

-- The append-only history every quantity can be recomputed from.
-- AUTOINCREMENT: an ID is never reused, even if old rows are archived, so a
-- reader's cursor stays valid.
CREATE TABLE movements (
	id        INTEGER PRIMARY KEY AUTOINCREMENT,
	at        INTEGER NOT NULL,
	kind      TEXT NOT NULL,
	sku       TEXT NOT NULL,
	quantity  INTEGER NOT NULL,
	order_id  TEXT,
	line_id   INTEGER,
	reason    TEXT,
	reference TEXT
) STRICT;

CREATE INDEX movements_sku ON movements (sku, id);
CREATE INDEX movements_order ON movements (order_id, id) WHERE order_id IS NOT NULL;

-- +goose StatementBegin
CREATE TRIGGER movements_no_update BEFORE UPDATE ON movements
BEGIN
	SELECT RAISE(ABORT, 'movements are append-only');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER movements_no_delete BEFORE DELETE ON movements
BEGIN
	SELECT RAISE(ABORT, 'movements are append-only');
END;
-- +goose StatementEnd

-- Fulfillment requests and, once shipped, shipments.
--
-- No foreign keys here, unlike order_lines: one receipt may create a hundred
-- thousand requests in one transaction, and the parent lookups of three
-- foreign keys cost a third of that insert. The service creates requests only
-- for lines it has just read in the same transaction.
CREATE TABLE fulfillments (
	id                 INTEGER PRIMARY KEY,
	order_id           TEXT NOT NULL,
	state              TEXT NOT NULL CHECK (state = 'open' OR state = 'shipped' OR state = 'cancelled'),
	hold_until         TEXT,
	created_at         INTEGER NOT NULL,
	shipped_at         INTEGER,
	carrier            TEXT,
	tracking           TEXT,
	estimated_delivery TEXT
) STRICT;

CREATE INDEX fulfillments_order ON fulfillments (order_id, id);
CREATE INDEX fulfillments_state ON fulfillments (state, id);

CREATE TABLE fulfillment_lines (
	fulfillment_id INTEGER NOT NULL,
	line_id        INTEGER NOT NULL,
	sku            TEXT NOT NULL,
	quantity       INTEGER NOT NULL CHECK (quantity > 0),
	PRIMARY KEY (fulfillment_id, line_id)
) STRICT, WITHOUT ROWID;

-- Refused order lines, for the sales-saved metric. No foreign keys: a
-- refused order is never stored.
CREATE TABLE lost_demand (
	id          INTEGER PRIMARY KEY,
	at          INTEGER NOT NULL,
	order_id    TEXT NOT NULL,
	customer_id TEXT NOT NULL,
	sku         TEXT NOT NULL,
	quantity    INTEGER NOT NULL,
	value_cents INTEGER NOT NULL,
	currency    TEXT NOT NULL,
	rule        TEXT NOT NULL
) STRICT;

CREATE INDEX lost_demand_at ON lost_demand (at);

-- The outbox: events written in the transaction that caused them. The
-- notifier reads them by ID after commit, so IDs are never reused.
CREATE TABLE events (
	id       INTEGER PRIMARY KEY AUTOINCREMENT,
	at       INTEGER NOT NULL,
	kind     TEXT NOT NULL,
	order_id TEXT,
	sku      TEXT,
	payload  TEXT
) STRICT;

-- Outcomes of requests made with an Idempotency-Key.
CREATE TABLE idempotency (
	key          TEXT PRIMARY KEY,
	request_hash TEXT NOT NULL,
	result       BLOB,
	error        TEXT,
	created_at   INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE INDEX idempotency_created ON idempotency (created_at);

-- +goose Down
DROP TABLE idempotency;
DROP TABLE events;
DROP TABLE lost_demand;
DROP TABLE fulfillment_lines;
DROP TABLE fulfillments;
DROP TRIGGER movements_no_delete;
DROP TRIGGER movements_no_update;
DROP TABLE movements;
DROP TABLE order_lines;
DROP TABLE orders;
DROP TABLE products;
DROP TABLE meta;
DROP TABLE settings;
