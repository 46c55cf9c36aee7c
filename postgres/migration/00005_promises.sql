-- Each order line's promise date, kept while it waits and changed only when
-- its place in the queue or the supply before it moves (backorder.Repromise).
--
-- eta_date is the promised ship date (YYYY-MM-DD; NULL when unknown),
-- eta_basis what it rests on (purchase_order, lead_time, none; NULL for a
-- line never dated), eta_po_id the purchase order on that basis, and
-- first_promise the first date the line was promised, which the accuracy
-- of promises is measured against. Dates are text as on the wire: they
-- compare in date order.

-- +goose Up
ALTER TABLE order_lines ADD COLUMN eta_date text;
ALTER TABLE order_lines ADD COLUMN eta_basis text;
ALTER TABLE order_lines ADD COLUMN eta_po_id bigint;
ALTER TABLE order_lines ADD COLUMN first_promise text;

-- +goose Down
ALTER TABLE order_lines DROP COLUMN first_promise;
ALTER TABLE order_lines DROP COLUMN eta_po_id;
ALTER TABLE order_lines DROP COLUMN eta_basis;
ALTER TABLE order_lines DROP COLUMN eta_date;
