package sqlite

import (
	"context"
	"math"

	"github.com/backorder/backorder"
)

// allWaitingQuery reads waiting lines of every SKU in acceptance order
// through the partial index order_lines_waiting_all; each filter is off
// when its parameter is empty (or, for times, the widest bound).
var allWaitingQuery = `SELECT ` + packed(orderColumns+`, l.id, l.line_no, l.quantity, l.allocated, l.backordered,
		l.shipped, l.cancelled, l.fulfilling, l.price_cents, l.currency, l.payment_timing, l.available_from,
		l.eta_date, l.eta_basis, l.eta_po_id, l.first_promise, l.sku`) + `
	FROM order_lines l JOIN orders o ON o.id = l.order_id
	WHERE l.backordered > 0 AND (l.accepted_at, l.seq, l.id) > (?1, ?2, ?3)
		AND l.accepted_at >= ?4 AND l.accepted_at < ?5
		AND (?6 = '' OR l.sku = ?6) AND (?7 = '' OR o.customer_id = ?7)
		AND (?8 = '' OR l.eta_date >= ?8) AND (?9 = '' OR l.eta_date <= ?9)
	ORDER BY l.accepted_at, l.seq, l.id LIMIT ?10`

// AllWaitingLines returns a page of the waiting lines of every SKU.
func (tx *Tx) AllWaitingLines(ctx context.Context, q backorder.WaitingQuery) ([]backorder.QueueEntry, error) {
	after, from, before := int64(math.MinInt64), int64(math.MinInt64), int64(math.MaxInt64)
	if !q.After.AcceptedAt.IsZero() {
		after = micros(q.After.AcceptedAt)
	}
	if !q.AcceptedFrom.IsZero() {
		from = micros(q.AcceptedFrom)
	}
	if !q.AcceptedBefore.IsZero() {
		before = micros(q.AcceptedBefore)
	}
	rows, err := tx.query(ctx, allWaitingQuery, after, q.After.Seq, q.After.LineID, from, before, q.SKU, q.CustomerID, q.PromisedFrom, q.PromisedBy, q.Limit)
	if err != nil {
		return nil, FormatError(err, "all waiting lines", "")
	}
	defer rows.Close()
	out := make([]backorder.QueueEntry, 0, q.Limit)
	const c = 14 // the order columns come first
	err = eachPacked(rows, c+17, func(r *row) error {
		o := scanOrder(r, 0)
		l := &backorder.Line{
			ID: r.int(c), OrderID: o.ID, LineNo: int(r.int(c + 1)), SKU: r.str(c + 16),
			Quantity: r.int(c + 2), Allocated: r.int(c + 3), Backordered: r.int(c + 4), Shipped: r.int(c + 5),
			Cancelled: r.int(c + 6), Fulfilling: r.int(c + 7), PriceCents: r.int(c + 8), Currency: r.str(c + 9),
			PaymentTiming: r.str(c + 10), AvailableFrom: r.str(c + 11),
		}
		scanPromise(r, c+12, l)
		out = append(out, backorder.QueueEntry{Order: &o, Line: l})
		return nil
	})
	if err != nil {
		return nil, FormatError(err, "all waiting lines", "")
	}
	return out, nil
}
