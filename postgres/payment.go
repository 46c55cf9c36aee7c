package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/backorder/backorder"
)

// InsertPayments appends ledger entries, setting their IDs in order (an
// order's few entries: one INSERT each). ECONFLICT if a reference exists
// for its order.
func (tx *Tx) InsertPayments(ctx context.Context, ps []backorder.Payment) error {
	for i := range ps {
		p := &ps[i]
		var fid any
		if p.FulfillmentID != 0 {
			fid = p.FulfillmentID
		}
		err := tx.tx.QueryRow(ctx, `INSERT INTO payments (order_id, at, kind, status, timing, amount, currency, fulfillment_id, reference)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
			p.OrderID, p.At, p.Kind, p.Status, p.Timing, p.Amount, p.Currency, fid, nullStr(p.Reference)).Scan(&p.ID)
		if err != nil {
			return FormatError(err, "insert payments", "payment reference")
		}
	}
	return nil
}

const paymentSelect = `SELECT id, order_id, at, kind, status, timing, amount, currency, coalesce(fulfillment_id, 0), coalesce(reference, '') FROM payments`

func (tx *Tx) payments(ctx context.Context, op, query string, args ...any) ([]backorder.Payment, error) {
	var out []backorder.Payment
	var p backorder.Payment
	err := collect(ctx, tx.tx, query, args,
		[]any{&p.ID, &p.OrderID, &p.At, &p.Kind, &p.Status, &p.Timing, &p.Amount, &p.Currency, &p.FulfillmentID, &p.Reference},
		func() error {
			p.At = p.At.UTC()
			out = append(out, p)
			return nil
		})
	return out, FormatError(err, op, "")
}

// Payments returns an order's ledger in ID order.
func (tx *Tx) Payments(ctx context.Context, orderID string) ([]backorder.Payment, error) {
	return tx.payments(ctx, "payments", paymentSelect+` WHERE order_id = $1 ORDER BY id`, orderID)
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
		_, err = tx.tx.Exec(ctx, `DELETE FROM payment_authorizations WHERE order_id = $1`, orderID)
	} else {
		_, err = tx.tx.Exec(ctx, `INSERT INTO payment_authorizations (order_id, authorized_at) VALUES ($1, $2)
			ON CONFLICT (order_id) DO UPDATE SET authorized_at = excluded.authorized_at`, orderID, at)
	}
	return FormatError(err, "set authorized at", "")
}

// AuthorizedThrough returns up to limit order IDs whose authorization was
// last asked for at or before through, oldest first.
func (tx *Tx) AuthorizedThrough(ctx context.Context, through time.Time, n int) ([]string, error) {
	var out []string
	var id string
	err := collect(ctx, tx.tx, `SELECT order_id FROM payment_authorizations WHERE authorized_at <= $1
		ORDER BY authorized_at, order_id LIMIT $2`, []any{through, limit(n)}, []any{&id}, func() error {
		out = append(out, id)
		return nil
	})
	return out, FormatError(err, "authorized through", "")
}

// SaveHoldReasons writes the hold reasons of existing fulfillments.
func (tx *Tx) SaveHoldReasons(ctx context.Context, fs []*backorder.Fulfillment) error {
	if len(fs) == 0 {
		return nil
	}
	ids := make([]int64, len(fs))
	reasons := make([]string, len(fs))
	for i, f := range fs {
		ids[i], reasons[i] = f.ID, f.HoldReason
	}
	tag, err := tx.tx.Exec(ctx, `UPDATE fulfillments f SET hold_reason = nullif(v.reason, '')
		FROM unnest($1::bigint[], $2::text[]) AS v (id, reason) WHERE f.id = v.id`, ids, reasons)
	if err != nil {
		return FormatError(err, "save hold reasons", "")
	} else if n := tag.RowsAffected(); n != int64(len(fs)) {
		return backorder.NotFound(fmt.Sprintf("%d of %d fulfillments", int64(len(fs))-n, len(fs)))
	}
	return nil
}

// LinkSplit records that fulfillment id is the remainder of from.
func (tx *Tx) LinkSplit(ctx context.Context, id, from int64) error {
	tag, err := tx.tx.Exec(ctx, `UPDATE fulfillments SET split_from = $2 WHERE id = $1`, id, from)
	if err != nil {
		return FormatError(err, "link split", "")
	} else if tag.RowsAffected() == 0 {
		return backorder.NotFound(fmt.Sprintf("fulfillment %d", id))
	}
	return nil
}
