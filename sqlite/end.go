package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/backorder/backorder"
)

// PutSplitDecision stores an order's auto split decision, replacing any
// earlier one.
func (tx *Tx) PutSplitDecision(ctx context.Context, orderID string, d *backorder.SplitDecision) error {
	_, err := tx.exec(ctx, `INSERT INTO split_decisions (order_id, choice, reason, rest_eta, value_cents, message, decided_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (order_id) DO UPDATE SET choice = excluded.choice, reason = excluded.reason, rest_eta = excluded.rest_eta,
			value_cents = excluded.value_cents, message = excluded.message, decided_at = excluded.decided_at`,
		orderID, d.Choice, d.Reason, d.RestETA, d.ValueCents, d.Message, micros(d.DecidedAt))
	return FormatError(err, "put split decision", fmt.Sprintf("order %q", orderID))
}

// SplitDecision returns an order's stored auto split decision; nil when it
// has none.
func (tx *Tx) SplitDecision(ctx context.Context, orderID string) (*backorder.SplitDecision, error) {
	var d backorder.SplitDecision
	var at int64
	err := tx.queryRow(ctx, `SELECT choice, reason, rest_eta, value_cents, message, decided_at FROM split_decisions WHERE order_id = ?`, orderID).
		Scan(&d.Choice, &d.Reason, &d.RestETA, &d.ValueCents, &d.Message, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	} else if err != nil {
		return nil, FormatError(err, "split decision", "")
	}
	d.DecidedAt = fromMicros(at)
	return &d, nil
}

var staleLinesQuery = `SELECT ` + packed(lineColumns+`, l.accepted_at, o.customer_id, coalesce(p.supplier_id, '')`) + `
	FROM order_lines l JOIN orders o ON o.id = l.order_id JOIN products p ON p.sku = l.sku
	WHERE l.backordered > 0 AND l.accepted_at <= ? AND (l.accepted_at, l.id) > (?, ?)
	ORDER BY l.accepted_at, l.id LIMIT ?`

// StaleLines returns a page of the waiting lines of orders accepted at or
// before q.Before, oldest first, from the partial index of waiting lines
// in acceptance order (order_lines_waiting_all).
func (tx *Tx) StaleLines(ctx context.Context, q backorder.StaleQuery) ([]backorder.StaleLine, error) {
	after := int64(math.MinInt64)
	if !q.After.AcceptedAt.IsZero() {
		after = micros(q.After.AcceptedAt)
	}
	rows, err := tx.query(ctx, staleLinesQuery, micros(q.Before), after, q.After.LineID, limit(q.Limit))
	if err != nil {
		return nil, FormatError(err, "stale lines", "")
	}
	defer rows.Close()
	out := []backorder.StaleLine{}
	err = eachPacked(rows, 21, func(r *row) error {
		out = append(out, backorder.StaleLine{Line: scanLine(r, 0), AcceptedAt: fromMicros(r.int(18)), CustomerID: r.str(19), SupplierID: r.str(20)})
		return nil
	})
	if err != nil {
		return nil, FormatError(err, "stale lines", "")
	}
	return out, nil
}

// InsertCancellations records what cancellations took.
func (tx *Tx) InsertCancellations(ctx context.Context, cs []backorder.Cancellation) error {
	for _, c := range cs {
		_, err := tx.exec(ctx, `INSERT INTO cancellations (at, order_id, line_id, sku, units, value_cents, currency, reason_code)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, micros(c.At), c.OrderID, c.LineID, c.SKU, c.Units, c.ValueCents, c.Currency, c.ReasonCode)
		if err != nil {
			return FormatError(err, "insert cancellations", "")
		}
	}
	return nil
}

const cancellationSumsQuery = `SELECT reason_code, sku, currency, count(*), sum(units), sum(value_cents)
	FROM cancellations WHERE at >= ? AND at < ?
	GROUP BY reason_code, sku, currency ORDER BY reason_code, sku, currency`

// CancellationSums sums the records of the window [from, to) per reason
// code, SKU and currency, reading the window by its time index.
func (tx *Tx) CancellationSums(ctx context.Context, from, to time.Time) ([]backorder.CancellationSum, error) {
	rows, err := tx.query(ctx, cancellationSumsQuery, micros(from), micros(to))
	if err != nil {
		return nil, FormatError(err, "cancellation sums", "")
	}
	defer rows.Close()
	out := []backorder.CancellationSum{}
	for rows.Next() {
		var s backorder.CancellationSum
		if err := rows.Scan(&s.ReasonCode, &s.SKU, &s.Currency, &s.Lines, &s.Units, &s.ValueCents); err != nil {
			return nil, FormatError(err, "cancellation sums", "")
		}
		out = append(out, s)
	}
	return out, FormatError(rows.Err(), "cancellation sums", "")
}
