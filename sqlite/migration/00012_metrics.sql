-- The backorder metrics' aggregates (issue 13), kept by the writes in their
-- own transactions so that the metrics never read the whole history.
--
-- metric_days: counters per SKU ('' for the whole shop's orders), UTC day
-- and currency (backorder.MetricDay). metric_fills: the fill-time
-- histograms per SKU, day, kind and one-day bucket (backorder.FillCount).
-- metric_lines: the lines put on backorder at intake, with what the metrics
-- follow of them (backorder.MetricLine).
--
-- order_lines_waiting_all: the waiting lines of every SKU in acceptance
-- order, for the shop-wide listing of backorders (Tx.AllWaitingLines).

-- +goose Up
CREATE TABLE metric_days (
	day               TEXT NOT NULL,
	sku               TEXT NOT NULL,
	currency          TEXT NOT NULL,
	orders            INTEGER NOT NULL,
	backordered       INTEGER NOT NULL,
	cancelled         INTEGER NOT NULL,
	backordered_units INTEGER NOT NULL,
	backordered_value INTEGER NOT NULL,
	lost_units        INTEGER NOT NULL,
	lost_value        INTEGER NOT NULL,
	PRIMARY KEY (day, sku, currency)
) STRICT, WITHOUT ROWID;
CREATE INDEX metric_days_sku ON metric_days (sku, day);

CREATE TABLE metric_fills (
	day     TEXT NOT NULL,
	sku     TEXT NOT NULL,
	kind    TEXT NOT NULL,
	bucket  INTEGER NOT NULL,
	units   INTEGER NOT NULL,
	seconds INTEGER NOT NULL,
	PRIMARY KEY (day, sku, kind, bucket)
) STRICT, WITHOUT ROWID;
CREATE INDEX metric_fills_sku ON metric_fills (sku, day);

CREATE TABLE metric_lines (
	line_id     INTEGER PRIMARY KEY,
	order_id    TEXT NOT NULL,
	sku         TEXT NOT NULL,
	accepted_at INTEGER NOT NULL,
	price_cents INTEGER NOT NULL,
	currency    TEXT NOT NULL,
	backordered INTEGER NOT NULL,
	waiting     INTEGER NOT NULL,
	filled      INTEGER NOT NULL,
	shipped     INTEGER NOT NULL,
	cancelled   INTEGER NOT NULL
) STRICT;
CREATE INDEX metric_lines_order ON metric_lines (order_id);

CREATE INDEX order_lines_waiting_all ON order_lines (accepted_at, seq, id) WHERE backordered > 0;

-- A store with no orders yet has nothing to build its aggregates from: the
-- writes keep them from the start. A store with history builds them once
-- at startup (Service.EnsureMetrics).
INSERT INTO meta (key, value) SELECT 'metrics_aggregates_built', 'migration' WHERE NOT EXISTS (SELECT 1 FROM orders);

-- +goose Down
DELETE FROM meta WHERE key = 'metrics_aggregates_built';
DROP INDEX order_lines_waiting_all;
DROP TABLE metric_lines;
DROP TABLE metric_fills;
DROP TABLE metric_days;
