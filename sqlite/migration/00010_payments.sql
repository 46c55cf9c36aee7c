-- Partial shipments and the payment ledger (issue 12 items 1 and 2).
--
-- fulfillments.hold_reason: a request held for a reason other than a date
-- (payment_failed); fulfillments.split_from: the request a remainder was
-- split from when part of it shipped.
-- payments: per order, what should happen to the money (requested) and what
-- the payment system reported (succeeded, failed), append-only. A reported
-- outcome's reference is unique within its order.
-- payment_authorizations: when an order's authorization that still holds
-- some was last asked for, for the sweep that asks for a re-authorization
-- once it has lapsed (the validity is a setting, so it is applied at read).

-- +goose Up
ALTER TABLE fulfillments ADD COLUMN hold_reason TEXT;
ALTER TABLE fulfillments ADD COLUMN split_from INTEGER;

CREATE TABLE payments (
	id             INTEGER PRIMARY KEY,
	order_id       TEXT NOT NULL,
	at             INTEGER NOT NULL,
	kind           TEXT NOT NULL,
	status         TEXT NOT NULL,
	timing         TEXT NOT NULL,
	amount         INTEGER NOT NULL CHECK (amount >= 0),
	currency       TEXT NOT NULL,
	fulfillment_id INTEGER,
	reference      TEXT
) STRICT;

CREATE INDEX payments_order ON payments (order_id, id);
CREATE UNIQUE INDEX payments_reference ON payments (order_id, reference) WHERE reference IS NOT NULL;

CREATE TABLE payment_authorizations (
	order_id      TEXT PRIMARY KEY,
	authorized_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE INDEX payment_authorizations_at ON payment_authorizations (authorized_at, order_id);

-- Orders accepted before the ledger existed get an opening balance: the
-- requests the balance equation asks for, dated at the migration, without
-- events (the shop settled them before). Charged at ship, the authorization
-- covers what is not cancelled and what shipped is captured from it.
INSERT INTO payments (order_id, at, kind, status, timing, amount, currency)
SELECT order_id, CAST(strftime('%s', 'now') AS INTEGER) * 1000000, 'capture', 'requested', payment_timing, SUM(CASE WHEN payment_timing = 'at_ship' THEN shipped ELSE quantity - cancelled END * price_cents), currency
FROM order_lines GROUP BY order_id, currency, payment_timing
HAVING SUM(CASE WHEN payment_timing = 'at_ship' THEN shipped ELSE quantity - cancelled END * price_cents) > 0
ORDER BY order_id, currency, payment_timing;
INSERT INTO payments (order_id, at, kind, status, timing, amount, currency)
SELECT order_id, CAST(strftime('%s', 'now') AS INTEGER) * 1000000, 'authorization', 'requested', payment_timing, SUM((quantity - cancelled) * price_cents), currency
FROM order_lines WHERE payment_timing = 'at_ship' GROUP BY order_id, currency, payment_timing
HAVING SUM((quantity - cancelled) * price_cents) > 0
ORDER BY order_id, currency, payment_timing;
INSERT INTO payment_authorizations (order_id, authorized_at)
SELECT order_id, CAST(strftime('%s', 'now') AS INTEGER) * 1000000 FROM order_lines WHERE payment_timing = 'at_ship' GROUP BY order_id
HAVING SUM((allocated + backordered) * price_cents) > 0;

-- +goose Down
DROP TABLE payment_authorizations;
DROP TABLE payments;
ALTER TABLE fulfillments DROP COLUMN split_from;
ALTER TABLE fulfillments DROP COLUMN hold_reason;
