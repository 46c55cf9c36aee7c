-- Delivery of the outbox by email and webhooks (issue 11).
--
-- deliveries: one message to one recipient, made from a committed event (or
-- a scheduled message) by the fan-out; key is unique so no event is fanned
-- out twice. The partial indexes serve the worker's claim: pending rows by
-- due time, sending rows by lease.
-- fanout_cursor: the last event fanned out. It starts at the newest event
-- already stored, so an upgraded database does not mail its history.
-- scheduled_messages: the next periodic update of a waiting order and the
-- release message of a pre-order, one row per order and moment.

-- +goose Up
CREATE TABLE deliveries (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	key         TEXT NOT NULL UNIQUE,
	channel     TEXT NOT NULL CHECK (channel IN ('email', 'webhook')),
	event_id    INTEGER,
	order_id    TEXT,
	moment      TEXT,
	type        TEXT,
	endpoint_id INTEGER,
	recipient   TEXT NOT NULL,
	status      TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'kept', 'dead')),
	attempts    INTEGER NOT NULL DEFAULT 0,
	next_at     INTEGER NOT NULL,
	lease_until INTEGER,
	last_error  TEXT,
	code        INTEGER NOT NULL DEFAULT 0,
	subject     TEXT,
	text_body   TEXT,
	html_body   TEXT,
	created_at  INTEGER NOT NULL,
	sent_at     INTEGER
) STRICT;
CREATE INDEX deliveries_due ON deliveries (next_at, id) WHERE status = 'pending';
CREATE INDEX deliveries_lease ON deliveries (lease_until) WHERE status = 'sending';
CREATE INDEX deliveries_status ON deliveries (status, id);
CREATE INDEX deliveries_order ON deliveries (order_id, id) WHERE order_id IS NOT NULL;
CREATE INDEX deliveries_endpoint ON deliveries (endpoint_id, id) WHERE endpoint_id IS NOT NULL;

CREATE TABLE webhook_endpoints (
	id              INTEGER PRIMARY KEY AUTOINCREMENT,
	url             TEXT NOT NULL,
	events          TEXT NOT NULL,
	secret          TEXT NOT NULL,
	status          TEXT NOT NULL CHECK (status IN ('enabled', 'disabled')),
	failing_since   INTEGER,
	disabled_at     INTEGER,
	disabled_reason TEXT,
	created_at      INTEGER NOT NULL
) STRICT;

CREATE TABLE scheduled_messages (
	order_id TEXT NOT NULL,
	moment   TEXT NOT NULL,
	due_at   INTEGER NOT NULL,
	seq      INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (order_id, moment)
) STRICT;
CREATE INDEX scheduled_messages_due ON scheduled_messages (due_at);

CREATE TABLE fanout_cursor (
	id       INTEGER PRIMARY KEY CHECK (id = 1),
	event_id INTEGER NOT NULL
) STRICT;
INSERT INTO fanout_cursor (id, event_id) SELECT 1, coalesce(max(id), 0) FROM events;

-- +goose Down
DROP TABLE fanout_cursor;
DROP TABLE scheduled_messages;
DROP TABLE webhook_endpoints;
DROP TABLE deliveries;
