package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/backorder/backorder"
)

// PutSplitDecision stores an order's auto split decision, replacing any
// earlier one.
func (tx *Tx) PutSplitDecision(ctx context.Context, orderID string, d *backorder.SplitDecision) error {
	_, err := tx.tx.Exec(ctx, `INSERT INTO split_decisions (order_id, choice, reason, rest_eta, value_cents, message, decided_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (order_id) DO UPDATE SET choice = excluded.choice, reason = excluded.reason, rest_eta = excluded.rest_eta,
			value_cents = excluded.value_cents, message = excluded.message, decided_at = excluded.decided_at`,
		orderID, d.Choice, d.Reason, d.RestETA, d.ValueCents, d.Message, d.DecidedAt)
	return FormatError(err, "put split decision", fmt.Sprintf("order %q", orderID))
}

// SplitDecision returns an order's stored auto split decision; nil when it
// has none.
func (tx *Tx) SplitDecision(ctx context.Context, orderID string) (*backorder.SplitDecision, error) {
	var d backorder.SplitDecision
	err := tx.tx.QueryRow(ctx, `SELECT choice, reason, rest_eta, value_cents, message, decided_at FROM split_decisions WHERE order_id = $1`, orderID).
		Scan(&d.Choice, &d.Reason, &d.RestETA, &d.ValueCents, &d.Message, &d.DecidedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	} else if err != nil {
		return nil, FormatError(err, "split decision", "")
	}
	d.DecidedAt = d.DecidedAt.UTC()
	return &d, nil
}

// StaleLines returns a page of the waiting lines of orders accepted at or
// before q.Before, oldest first, from the partial index of waiting lines
// in acceptance order (order_lines_waiting_all).
func (tx *Tx) StaleLines(ctx context.Context, q backorder.StaleQuery) ([]backorder.StaleLine, error) {
	out := []backorder.StaleLine{}
	var l backorder.Line
	var s backorder.StaleLine
	dest := append(lineDest(&l), &s.AcceptedAt, &s.CustomerID, &s.SupplierID)
	err := collect(ctx, tx.tx, `SELECT `+lineColumns+`, l.accepted_at, o.customer_id, coalesce(p.supplier_id, '')
		FROM order_lines l JOIN orders o ON o.id = l.order_id JOIN products p ON p.sku = l.sku
		WHERE l.backordered > 0 AND l.accepted_at <= $1 AND (l.accepted_at, l.id) > ($2, $3)
		ORDER BY l.accepted_at, l.id LIMIT $4`, []any{q.Before, q.After.AcceptedAt, q.After.LineID, limit(q.Limit)}, dest, func() error {
		c, sc := l, s
		sc.Line, sc.AcceptedAt = &c, sc.AcceptedAt.UTC()
		out = append(out, sc)
		return nil
	})
	if err != nil {
		return nil, FormatError(err, "stale lines", "")
	}
	return out, nil
}

// InsertCancellations records what cancellations took, in one statement.
func (tx *Tx) InsertCancellations(ctx context.Context, cs []backorder.Cancellation) error {
	if len(cs) == 0 {
		return nil
	}
	at := make([]time.Time, len(cs))
	orders, skus, currencies, codes := make([]string, len(cs)), make([]string, len(cs)), make([]string, len(cs)), make([]string, len(cs))
	lines, units, values := make([]int64, len(cs)), make([]int64, len(cs)), make([]int64, len(cs))
	for i, c := range cs {
		at[i], orders[i], lines[i], skus[i], units[i], values[i], currencies[i], codes[i] = c.At, c.OrderID, c.LineID, c.SKU, c.Units, c.ValueCents, c.Currency, c.ReasonCode
	}
	_, err := tx.tx.Exec(ctx, `INSERT INTO cancellations (at, order_id, line_id, sku, units, value_cents, currency, reason_code)
		SELECT * FROM unnest($1::timestamptz[], $2::text[], $3::bigint[], $4::text[], $5::bigint[], $6::bigint[], $7::text[], $8::text[])`,
		at, orders, lines, skus, units, values, currencies, codes)
	return FormatError(err, "insert cancellations", "")
}

// CancellationSums sums the records of the window [from, to) per reason
// code, SKU and currency, reading the window by its time index.
func (tx *Tx) CancellationSums(ctx context.Context, from, to time.Time) ([]backorder.CancellationSum, error) {
	out := []backorder.CancellationSum{}
	var s backorder.CancellationSum
	err := collect(ctx, tx.tx, `SELECT reason_code, sku, currency, count(*), sum(units)::bigint, sum(value_cents)::bigint
		FROM cancellations WHERE at >= $1 AND at < $2
		GROUP BY reason_code, sku, currency ORDER BY reason_code, sku, currency`, []any{from, to},
		[]any{&s.ReasonCode, &s.SKU, &s.Currency, &s.Lines, &s.Units, &s.ValueCents}, func() error {
			out = append(out, s)
			return nil
		})
	if err != nil {
		return nil, FormatError(err, "cancellation sums", "")
	}
	return out, nil
}
