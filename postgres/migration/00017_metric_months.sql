-- Month rows of the metrics' aggregates. Every day's counters (metric_days)
-- and fill-time histogram (metric_fills) also add to their month's rows,
-- keyed 'M' and the month as YYYY-MM (backorder.MonthKey), which sort after
-- every day key; a range of many days reads each whole month as one row
-- (backorder.MetricRange.Spans). The writes keep them from now on; this
-- builds those of the days already counted.

-- +goose Up
INSERT INTO metric_days (day, sku, currency, orders, backordered, cancelled, backordered_units, backordered_value, lost_units, lost_value)
SELECT 'M' || substr(day, 1, 7), sku, currency, sum(orders), sum(backordered), sum(cancelled), sum(backordered_units), sum(backordered_value), sum(lost_units), sum(lost_value)
FROM metric_days WHERE day NOT LIKE 'M%' GROUP BY 'M' || substr(day, 1, 7), sku, currency;

INSERT INTO metric_fills (day, sku, kind, bucket, units, seconds)
SELECT 'M' || substr(day, 1, 7), sku, kind, bucket, sum(units), sum(seconds)
FROM metric_fills WHERE day NOT LIKE 'M%' GROUP BY 'M' || substr(day, 1, 7), sku, kind, bucket;

-- +goose Down
DELETE FROM metric_fills WHERE day LIKE 'M%';
DELETE FROM metric_days WHERE day LIKE 'M%';
