-- Reads for supplier communication and forecasting (issue 10 item 7).
--
-- order_lines_eta_po: the waiting lines whose promise rests on a purchase
-- order, by that purchase order, so the backorders waiting on the at-risk
-- purchase orders are read without walking any queue.
-- order_lines_demand: a SKU's lines by acceptance time, so the units
-- ordered over a window cost the window, not the SKU's history.

-- +goose Up
CREATE INDEX order_lines_eta_po ON order_lines (eta_po_id) WHERE eta_basis = 'purchase_order' AND backordered > 0;
CREATE INDEX order_lines_demand ON order_lines (sku, accepted_at);

-- +goose Down
DROP INDEX order_lines_demand;
DROP INDEX order_lines_eta_po;
