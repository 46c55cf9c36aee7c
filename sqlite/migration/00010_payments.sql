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

-- +goose Down
DROP TABLE payment_authorizations;
DROP TABLE payments;
ALTER TABLE fulfillments DROP COLUMN split_from;
ALTER TABLE fulfillments DROP COLUMN hold_reason;
