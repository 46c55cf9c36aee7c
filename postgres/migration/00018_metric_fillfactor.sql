-- Room in the pages of the metrics' counters for HOT updates. Every write
-- batch adds to the same few counter rows (the shop's day and month, its
-- SKUs' day and month), and a kept metric line is updated at each fill and
-- shipment. In a full page each such update writes a new tuple elsewhere and
-- a new entry in every index of the table; with free room in the page it is
-- a heap-only tuple, with no index write and pruned in place. SQLite updates
-- rows in place and has no such setting.

-- +goose Up
ALTER TABLE metric_days SET (fillfactor = 50);
ALTER TABLE metric_fills SET (fillfactor = 50);
ALTER TABLE metric_lines SET (fillfactor = 80);

-- +goose Down
ALTER TABLE metric_lines RESET (fillfactor);
ALTER TABLE metric_fills RESET (fillfactor);
ALTER TABLE metric_days RESET (fillfactor);
