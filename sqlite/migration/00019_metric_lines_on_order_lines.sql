-- What the metrics keep of a line put on backorder at intake
-- (backorder.MetricLine) moves onto the line itself. The units backordered
-- at intake are a column of order_lines, written by the intake's INSERT
-- that runs anyway; the order, SKU, price and acceptance are read from the
-- line. metric_lines keeps only the state of a line once a fill, shipment
-- or cancellation changed it: intake writes no row of its own, and a
-- line without one is as intake left it.

-- +goose Up
ALTER TABLE order_lines ADD COLUMN intake_backordered INTEGER NOT NULL DEFAULT 0;
UPDATE order_lines SET intake_backordered = m.backordered FROM metric_lines AS m WHERE m.line_id = order_lines.id;
CREATE TABLE metric_line_states (
	line_id   INTEGER PRIMARY KEY,
	waiting   INTEGER NOT NULL,
	filled    INTEGER NOT NULL,
	shipped   INTEGER NOT NULL,
	cancelled INTEGER NOT NULL
) STRICT;
INSERT INTO metric_line_states (line_id, waiting, filled, shipped, cancelled)
	SELECT line_id, waiting, filled, shipped, cancelled FROM metric_lines
	WHERE waiting <> backordered OR filled <> 0 OR shipped <> 0 OR cancelled <> 0;
DROP TABLE metric_lines;
ALTER TABLE metric_line_states RENAME TO metric_lines;

-- +goose Down
CREATE TABLE metric_lines_wide (
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
INSERT INTO metric_lines_wide (line_id, order_id, sku, accepted_at, price_cents, currency, backordered, waiting, filled, shipped, cancelled)
	SELECT l.id, l.order_id, l.sku, l.accepted_at, l.price_cents, l.currency, l.intake_backordered,
		coalesce(m.waiting, l.intake_backordered), coalesce(m.filled, 0), coalesce(m.shipped, 0), coalesce(m.cancelled, 0)
	FROM order_lines AS l LEFT JOIN metric_lines AS m ON m.line_id = l.id WHERE l.intake_backordered > 0;
DROP TABLE metric_lines;
ALTER TABLE metric_lines_wide RENAME TO metric_lines;
CREATE INDEX metric_lines_order ON metric_lines (order_id);
ALTER TABLE order_lines DROP COLUMN intake_backordered;
