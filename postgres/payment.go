package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/backorder/backorder"
)

// InsertPayments appends ledger entries, setting their IDs in order, in
// one INSERT statement however many (an intake batch writes one or two per
// order). ECONFLICT if a reference exists for its order.
func (tx *Tx) InsertPayments(ctx context.Context, ps []backorder.Payment) error {
	if len(ps) == 0 {
		return nil
	}
	n := len(ps)
	order, kind, status, timing, currency, ref := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	at := make([]time.Time, n)
	amount, fid := make([]int64, n), make([]int64, n)
	for i, p := range ps {
		order[i], at[i], kind[i], status[i], timing[i] = p.OrderID, p.At, p.Kind, p.Status, p.Timing
		amount[i], currency[i], fid[i], ref[i] = p.Amount, p.Currency, p.FulfillmentID, p.Reference
	}
	ids, err := tx.insertNumbered(ctx, "payments_id_seq", n, false,
		`INSERT INTO payments (id, order_id, at, kind, status, timing, amount, currency, fulfillment_id, reference)
		SELECT ids.a[u.g], u.order_id, u.at, u.kind, u.status, u.timing, u.amount, u.currency, nullif(u.fid, 0), nullif(u.ref, '')
		FROM ids CROSS JOIN unnest($2::text[], $3::timestamptz[], $4::text[], $5::text[], $6::text[], $7::bigint[], $8::text[], $9::bigint[], $10::text[])
			WITH ORDINALITY AS u (order_id, at, kind, status, timing, amount, currency, fid, ref, g)`,
		order, at, kind, status, timing, amount, currency, fid, ref)
	if err != nil {
		return FormatError(err, "insert payments", "payment reference")
	}
	for i := range ps {
		ps[i].ID = ids[i]
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
