package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/backorder/backorder"
)

var paymentColumns = []string{"id", "order_id", "at", "kind", "status", "timing", "amount", "currency", "fulfillment_id", "reference"}

// InsertPayments appends ledger entries, setting their IDs in order.
// ECONFLICT if a reference exists for its order.
func (tx *Tx) InsertPayments(ctx context.Context, ps []backorder.Payment) error {
	if len(ps) == 0 {
		return nil
	}
	base, err := tx.nextID(ctx, "payments", false, len(ps))
	if err != nil {
		return FormatError(err, "insert payments", "payment")
	}
	_, err = tx.execBatch(ctx, len(paymentColumns), len(ps), insertBuilder("payments", paymentColumns),
		func(i int, args []any) []any {
			p := ps[i]
			var fid any
			if p.FulfillmentID != 0 {
				fid = p.FulfillmentID
			}
			return append(args, base+int64(i)+1, p.OrderID, micros(p.At), p.Kind, p.Status, p.Timing, p.Amount, p.Currency, fid, nullStr(p.Reference))
		})
	if err != nil {
		return FormatError(err, "insert payments", "payment reference")
	}
	for i := range ps {
		ps[i].ID = base + int64(i) + 1
	}
	return nil
}

const paymentSelect = `SELECT id, order_id, at, kind, status, timing, amount, currency, coalesce(fulfillment_id, 0), coalesce(reference, '') FROM payments`

func (tx *Tx) payments(ctx context.Context, op, query string, args ...any) ([]backorder.Payment, error) {
	rows, err := tx.query(ctx, query, args...)
	if err != nil {
		return nil, FormatError(err, op, "")
	}
	defer rows.Close()
	var out []backorder.Payment
	for rows.Next() {
		var p backorder.Payment
		var at int64
		if err := rows.Scan(&p.ID, &p.OrderID, &at, &p.Kind, &p.Status, &p.Timing, &p.Amount, &p.Currency, &p.FulfillmentID, &p.Reference); err != nil {
			return nil, FormatError(err, op, "")
		}
		p.At = fromMicros(at)
		out = append(out, p)
	}
	return out, FormatError(rows.Err(), op, "")
}

// Payments returns an order's ledger in ID order.
func (tx *Tx) Payments(ctx context.Context, orderID string) ([]backorder.Payment, error) {
	return tx.payments(ctx, "payments", paymentSelect+` WHERE order_id = ? ORDER BY id`, orderID)
}

// AllPayments returns every ledger entry in ID order.
func (tx *Tx) AllPayments(ctx context.Context) ([]backorder.Payment, error) {
	return tx.payments(ctx, "all payments", paymentSelect+` ORDER BY id`)
}

// SetAuthorizedAt records when an order's authorization was last asked
// for; a zero time clears it.
func (tx *Tx) SetAuthorizedAt(ctx context.Context, orderID string, at time.Time) error {
	var err error
	if at.IsZero() {
		_, err = tx.exec(ctx, `DELETE FROM payment_authorizations WHERE order_id = ?`, orderID)
	} else {
		_, err = tx.exec(ctx, `INSERT INTO payment_authorizations (order_id, authorized_at) VALUES (?, ?)
			ON CONFLICT (order_id) DO UPDATE SET authorized_at = excluded.authorized_at`, orderID, micros(at))
	}
	return FormatError(err, "set authorized at", "")
}

// AuthorizedThrough returns up to limit order IDs whose authorization was
// last asked for at or before through, oldest first.
func (tx *Tx) AuthorizedThrough(ctx context.Context, through time.Time, n int) ([]string, error) {
	rows, err := tx.query(ctx, `SELECT order_id FROM payment_authorizations WHERE authorized_at <= ?
		ORDER BY authorized_at, order_id LIMIT ?`, micros(through), limit(n))
	if err != nil {
		return nil, FormatError(err, "authorized through", "")
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, FormatError(err, "authorized through", "")
		}
		out = append(out, id)
	}
	return out, FormatError(rows.Err(), "authorized through", "")
}

// SaveHoldReasons writes the hold reasons of existing fulfillments.
func (tx *Tx) SaveHoldReasons(ctx context.Context, fs []*backorder.Fulfillment) error {
	for _, f := range fs {
		res, err := tx.exec(ctx, `UPDATE fulfillments SET hold_reason = ? WHERE id = ?`, nullStr(f.HoldReason), f.ID)
		if err != nil {
			return FormatError(err, "save hold reasons", "")
		}
		if n, err := res.RowsAffected(); err != nil {
			return FormatError(err, "save hold reasons", "")
		} else if n == 0 {
			return backorder.NotFound(fmt.Sprintf("fulfillment %d", f.ID))
		}
	}
	return nil
}

// LinkSplit records that fulfillment id is the remainder of from.
func (tx *Tx) LinkSplit(ctx context.Context, id, from int64) error {
	res, err := tx.exec(ctx, `UPDATE fulfillments SET split_from = ? WHERE id = ?`, from, id)
	if err != nil {
		return FormatError(err, "link split", "")
	}
	if n, err := res.RowsAffected(); err != nil {
		return FormatError(err, "link split", "")
	} else if n == 0 {
		return backorder.NotFound(fmt.Sprintf("fulfillment %d", id))
	}
	return nil
}
