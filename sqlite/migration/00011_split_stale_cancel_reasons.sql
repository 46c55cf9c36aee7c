-- The auto split decision of orders, the stale backorder review and the
-- reasons of cancellations (issue 12 items 3 to 5).
--
-- split_decisions: the auto split policy's latest decision per order, with
-- its reason, the rest's promise date it read ('' when unknown or nothing
-- waits) and the order's value. The choice itself is also the order's
-- split_choice, which every flow planning fulfillment requests reads.
--
-- order_lines_stale: the waiting lines by acceptance time, so the review
-- list and the stale sweep read the old waiting lines, oldest first, at the
-- cost of the page.
--
-- cancellations: one record per order line per cancellation, with its
-- reason code, the units taken and their value; by time, so a report over
-- a window reads that window only.

-- +goose Up
CREATE TABLE split_decisions (
	order_id    TEXT PRIMARY KEY REFERENCES orders (id),
	choice      TEXT NOT NULL CHECK (choice = 'ship_available' OR choice = 'ship_complete'),
	reason      TEXT NOT NULL,
	rest_eta    TEXT NOT NULL,
	value_cents INTEGER NOT NULL,
	message     TEXT NOT NULL,
	decided_at  INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE INDEX order_lines_stale ON order_lines (accepted_at, id) WHERE backordered > 0;

CREATE TABLE cancellations (
	id          INTEGER PRIMARY KEY,
	at          INTEGER NOT NULL,
	order_id    TEXT NOT NULL,
	line_id     INTEGER NOT NULL,
	sku         TEXT NOT NULL,
	units       INTEGER NOT NULL CHECK (units > 0),
	value_cents INTEGER NOT NULL,
	currency    TEXT NOT NULL,
	reason_code TEXT NOT NULL
) STRICT;

CREATE INDEX cancellations_at ON cancellations (at);

-- +goose Down
DROP INDEX cancellations_at;
DROP TABLE cancellations;
DROP INDEX order_lines_stale;
DROP TABLE split_decisions;
