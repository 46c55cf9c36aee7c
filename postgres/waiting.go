package postgres

import (
	"context"
	"time"

	"github.com/backorder/backorder"
)

// AllWaitingLines returns a page of the waiting lines of every SKU in
// acceptance order, through the partial index order_lines_waiting_all;
// each filter is off when its parameter is empty (or, for times, the widest
// bound).
func (tx *Tx) AllWaitingLines(ctx context.Context, q backorder.WaitingQuery) ([]backorder.QueueEntry, error) {
	before := q.AcceptedBefore
	if before.IsZero() {
		before = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	out := make([]backorder.QueueEntry, 0, q.Limit)
	var o backorder.Order
	var l backorder.Line
	dest := append(orderDest(&o), lineDest(&l)...)
	err := collect(ctx, tx.tx, `SELECT `+orderColumns+`, `+lineColumns+`
		FROM order_lines l JOIN orders o ON o.id = l.order_id
		WHERE l.backordered > 0 AND (l.accepted_at, l.seq, l.id) > ($1, $2, $3)
			AND l.accepted_at >= $4 AND l.accepted_at < $5
			AND ($6 = '' OR l.sku = $6) AND ($7 = '' OR o.customer_id = $7)
			AND ($8 = '' OR l.eta_date >= $8) AND ($9 = '' OR l.eta_date <= $9)
		ORDER BY l.accepted_at, l.seq, l.id LIMIT $10`,
		[]any{q.After.AcceptedAt, q.After.Seq, q.After.LineID, q.AcceptedFrom, before, q.SKU, q.CustomerID, q.PromisedFrom, q.PromisedBy, q.Limit},
		dest, func() error {
			oc, lc := o, l
			out = append(out, backorder.QueueEntry{Order: &oc, Line: &lc})
			return nil
		})
	if err != nil {
		return nil, FormatError(err, "all waiting lines", "")
	}
	return out, nil
}
