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
	day               TEXT COLLATE "C" NOT NULL,
	sku               TEXT COLLATE "C" NOT NULL,
	currency          TEXT COLLATE "C" NOT NULL,
	orders            BIGINT NOT NULL,
	backordered       BIGINT NOT NULL,
	cancelled         BIGINT NOT NULL,
	backordered_units BIGINT NOT NULL,
	backordered_value BIGINT NOT NULL,
	lost_units        BIGINT NOT NULL,
	lost_value        BIGINT NOT NULL,
	PRIMARY KEY (day, sku, currency)
);
CREATE INDEX metric_days_sku ON metric_days (sku, day);

CREATE TABLE metric_fills (
	day     TEXT COLLATE "C" NOT NULL,
	sku     TEXT COLLATE "C" NOT NULL,
	kind    TEXT COLLATE "C" NOT NULL,
	bucket  INTEGER NOT NULL,
	units   BIGINT NOT NULL,
	seconds BIGINT NOT NULL,
	PRIMARY KEY (day, sku, kind, bucket)
);
CREATE INDEX metric_fills_sku ON metric_fills (sku, day);

CREATE TABLE metric_lines (
	line_id     BIGINT PRIMARY KEY,
	order_id    TEXT COLLATE "C" NOT NULL,
	sku         TEXT COLLATE "C" NOT NULL,
	accepted_at TIMESTAMPTZ NOT NULL,
	price_cents BIGINT NOT NULL,
	currency    TEXT NOT NULL,
	backordered BIGINT NOT NULL,
	waiting     BIGINT NOT NULL,
	filled      BIGINT NOT NULL,
	shipped     BIGINT NOT NULL,
	cancelled   BOOLEAN NOT NULL
);
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
