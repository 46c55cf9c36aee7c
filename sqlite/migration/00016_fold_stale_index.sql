-- One partial index of waiting lines by acceptance time, not two.
--
-- order_lines_stale (accepted_at, id) and order_lines_waiting_all
-- (accepted_at, seq, id) held the same lines in nearly the same order, and
-- every line a receipt fills left both. The review list and the stale sweep
-- now read order_lines_waiting_all: its rows come in acceptance order, and
-- only the lines of one acceptance time (one order's) are sorted by ID.

-- +goose Up
DROP INDEX order_lines_stale;

-- +goose Down
CREATE INDEX order_lines_stale ON order_lines (accepted_at, id) WHERE backordered > 0;
