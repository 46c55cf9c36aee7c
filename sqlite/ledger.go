package sqlite

import (
	"context"
	"encoding/json"

	"github.com/backorder/backorder"
)

var movementColumns = []string{"id", "at", "kind", "sku", "quantity", "order_id", "line_id", "reason", "reference", "cause_id"}

// AppendMovements adds movements to the history, setting their IDs in order.
func (tx *Tx) AppendMovements(ctx context.Context, ms []backorder.Movement) error {
	if len(ms) == 0 {
		return nil
	}
	base, err := tx.nextID(ctx, "movements", true, len(ms))
	if err != nil {
		return FormatError(err, "append movements", "movement")
	}
	_, err = tx.execBatch(ctx, len(movementColumns), len(ms),
		insertBuilder("movements", movementColumns),
		func(i int, args []any) []any {
			m := &ms[i]
			var line, cause any
			if m.LineID != 0 {
				line = m.LineID
			}
			if m.CauseID != 0 {
				cause = m.CauseID
			}
			return append(args, base+int64(i)+1, micros(m.At), m.Kind, m.SKU, m.Quantity,
				nullStr(m.OrderID), line, nullStr(m.Reason), nullStr(m.Reference), cause)
		})
	if err != nil {
		return FormatError(err, "append movements", "movement")
	}
	for i := range ms {
		ms[i].ID = base + int64(i) + 1
	}
	return nil
}

// Movements returns movements in ID order after the filter's cursor.
func (tx *Tx) Movements(ctx context.Context, f backorder.MovementFilter) ([]backorder.Movement, error) {
	q := `SELECT id, at, kind, sku, quantity, order_id, line_id, reason, reference, cause_id FROM movements WHERE id > ?`
	args := []any{f.After}
	if f.SKU != "" {
		q += ` AND sku = ?`
		args = append(args, f.SKU)
	}
	if f.OrderID != "" {
		q += ` AND order_id = ?`
		args = append(args, f.OrderID)
	}
	if f.Kind != "" {
		q += ` AND kind = ?`
		args = append(args, f.Kind)
	}
	if f.CauseID != 0 {
		q += ` AND cause_id = ?`
		args = append(args, f.CauseID)
	}
	q += ` ORDER BY id LIMIT ?`
	args = append(args, limit(f.Limit))
	rows, err := tx.query(ctx, q, args...)
	if err != nil {
		return nil, FormatError(err, "movements", "")
	}
	defer rows.Close()
	out := []backorder.Movement{}
	r := newRow(10)
	for rows.Next() {
		if err := r.scan(rows); err != nil {
			return nil, FormatError(err, "movements", "")
		}
		out = append(out, backorder.Movement{
			ID: r.int(0), At: fromMicros(r.int(1)), Kind: r.str(2), SKU: r.str(3), Quantity: r.int(4),
			OrderID: r.str(5), LineID: r.int(6), Reason: r.str(7), Reference: r.str(8), CauseID: r.int(9),
		})
	}
	return out, FormatError(rows.Err(), "movements", "")
}

// LedgerSums sums the history per SKU, line, kind and allocation reason, in
// one pass over it.
func (tx *Tx) LedgerSums(ctx context.Context) ([]backorder.LedgerSum, error) {
	rows, err := tx.query(ctx, `SELECT sku, line_id, kind, CASE WHEN kind = 'allocate' THEN reason END, SUM(quantity)
		FROM movements GROUP BY 1, 2, 3, 4`)
	if err != nil {
		return nil, FormatError(err, "ledger sums", "")
	}
	defer rows.Close()
	var out []backorder.LedgerSum
	r := newRow(5)
	for rows.Next() {
		if err := r.scan(rows); err != nil {
			return nil, FormatError(err, "ledger sums", "")
		}
		out = append(out, backorder.LedgerSum{SKU: r.str(0), LineID: r.int(1), Kind: r.str(2), Reason: r.str(3), Quantity: r.int(4)})
	}
	return out, FormatError(rows.Err(), "ledger sums", "")
}

var eventColumns = []string{"id", "at", "kind", "order_id", "sku", "payload"}

// AppendEvents adds outbox events, setting their IDs in order.
func (tx *Tx) AppendEvents(ctx context.Context, es []backorder.Event) error {
	if len(es) == 0 {
		return nil
	}
	base, err := tx.nextID(ctx, "events", true, len(es))
	if err != nil {
		return FormatError(err, "append events", "event")
	}
	_, err = tx.execBatch(ctx, len(eventColumns), len(es),
		insertBuilder("events", eventColumns),
		func(i int, args []any) []any {
			e := &es[i]
			var payload any
			if e.Payload != nil {
				payload = string(e.Payload)
			}
			return append(args, base+int64(i)+1, micros(e.At), e.Kind, nullStr(e.OrderID), nullStr(e.SKU), payload)
		})
	if err != nil {
		return FormatError(err, "append events", "event")
	}
	for i := range es {
		es[i].ID = base + int64(i) + 1
	}
	return nil
}

// Events returns outbox events after the given ID, oldest first. A limit of
// 0 means 100; at most 1000 are returned.
func (tx *Tx) Events(ctx context.Context, after int64, n int) ([]backorder.Event, error) {
	rows, err := tx.query(ctx, `SELECT id, at, kind, order_id, sku, payload FROM events WHERE id > ? ORDER BY id LIMIT ?`,
		after, limit(n))
	if err != nil {
		return nil, FormatError(err, "events", "")
	}
	defer rows.Close()
	out := []backorder.Event{}
	r := newRow(6)
	for rows.Next() {
		if err := r.scan(rows); err != nil {
			return nil, FormatError(err, "events", "")
		}
		e := backorder.Event{ID: r.int(0), At: fromMicros(r.int(1)), Kind: r.str(2), OrderID: r.str(3), SKU: r.str(4)}
		if p := r.bytes(5); p != nil {
			e.Payload = json.RawMessage(p)
		}
		out = append(out, e)
	}
	return out, FormatError(rows.Err(), "events", "")
}

var lostDemandColumns = []string{"id", "at", "order_id", "customer_id", "sku", "quantity", "value_cents", "currency", "rule"}

// InsertLostDemand records refused order lines, setting their IDs.
func (tx *Tx) InsertLostDemand(ctx context.Context, ls []backorder.LostDemand) error {
	if len(ls) == 0 {
		return nil
	}
	base, err := tx.nextID(ctx, "lost_demand", false, len(ls))
	if err != nil {
		return FormatError(err, "insert lost demand", "lost demand")
	}
	_, err = tx.execBatch(ctx, len(lostDemandColumns), len(ls),
		insertBuilder("lost_demand", lostDemandColumns),
		func(i int, args []any) []any {
			l := &ls[i]
			return append(args, base+int64(i)+1, micros(l.At), l.OrderID, l.CustomerID, l.SKU, l.Quantity,
				l.ValueCents, l.Currency, l.Rule)
		})
	if err != nil {
		return FormatError(err, "insert lost demand", "lost demand")
	}
	for i := range ls {
		ls[i].ID = base + int64(i) + 1
	}
	return nil
}

// ListLostDemand returns a page of lost demand in ID order, recorded at or
// after f.Since.
func (tx *Tx) ListLostDemand(ctx context.Context, f backorder.LostDemandFilter) ([]backorder.LostDemand, error) {
	rows, err := tx.query(ctx, `SELECT id, at, order_id, customer_id, sku, quantity, value_cents, currency, rule
		FROM lost_demand WHERE id > ? AND at >= ? ORDER BY id LIMIT ?`, f.After, micros(f.Since), limit(f.Limit))
	if err != nil {
		return nil, FormatError(err, "list lost demand", "")
	}
	defer rows.Close()
	out := []backorder.LostDemand{}
	r := newRow(9)
	for rows.Next() {
		if err := r.scan(rows); err != nil {
			return nil, FormatError(err, "list lost demand", "")
		}
		out = append(out, backorder.LostDemand{
			ID: r.int(0), At: fromMicros(r.int(1)), OrderID: r.str(2), CustomerID: r.str(3), SKU: r.str(4),
			Quantity: r.int(5), ValueCents: r.int(6), Currency: r.str(7), Rule: r.str(8),
		})
	}
	return out, FormatError(rows.Err(), "list lost demand", "")
}
