-- The queue in fill order, read a page at a time, and each allocation's cause.
--
-- A SKU's waiting lines are read in FIFO order (the order's acceptance time,
-- then its sequence number, then the line) a page at a time, so a fill of any
-- queue needs memory for one page. For that the partial index of waiting
-- lines holds their FIFO order, and each line carries its order's accepted_at
-- and seq (they never change once the order is stored).
--
-- movements.cause_id: on an allocation from the queue, the movement that made
-- the units available (a receipt, an adjustment, a release), so a receipt's
-- allocations can be listed from the history however many there are.

-- +goose Up
ALTER TABLE order_lines ADD COLUMN accepted_at timestamptz, ADD COLUMN seq bigint;
UPDATE order_lines l SET accepted_at = o.accepted_at, seq = o.seq FROM orders o WHERE o.id = l.order_id;
ALTER TABLE order_lines ALTER COLUMN accepted_at SET NOT NULL, ALTER COLUMN seq SET NOT NULL;
DROP INDEX order_lines_waiting;
CREATE INDEX order_lines_queue ON order_lines (sku, accepted_at, seq, id) WHERE backordered > 0;
ALTER TABLE movements ADD COLUMN cause_id bigint;

-- +goose Down
ALTER TABLE movements DROP COLUMN cause_id;
DROP INDEX order_lines_queue;
CREATE INDEX order_lines_waiting ON order_lines (sku) WHERE backordered > 0;
ALTER TABLE order_lines DROP COLUMN seq, DROP COLUMN accepted_at;
