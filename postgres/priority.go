package postgres

import (
	"context"

	"github.com/backorder/backorder"
)

// InsertPriorityChange appends a change to the history and marks the line
// raised or not.
func (tx *Tx) InsertPriorityChange(ctx context.Context, c *backorder.PriorityChange) error {
	err := tx.tx.QueryRow(ctx, `INSERT INTO priority_changes (at, order_id, line_id, sku, raised, by_user, why)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, c.At, c.OrderID, c.LineID, c.SKU, c.Raised, c.By, c.Why).Scan(&c.ID)
	if err != nil {
		return FormatError(err, "insert priority change", "")
	}
	if c.Raised {
		_, err = tx.tx.Exec(ctx, `INSERT INTO raised_lines (line_id) VALUES ($1) ON CONFLICT DO NOTHING`, c.LineID)
	} else {
		_, err = tx.tx.Exec(ctx, `DELETE FROM raised_lines WHERE line_id = $1`, c.LineID)
	}
	return FormatError(err, "raise line", "")
}

// RaisedLines returns which of the given lines are raised.
func (tx *Tx) RaisedLines(ctx context.Context, lineIDs []int64) (map[int64]bool, error) {
	out := map[int64]bool{}
	var id int64
	err := collect(ctx, tx.tx, `SELECT line_id FROM raised_lines WHERE line_id = ANY($1)`, []any{lineIDs}, []any{&id}, func() error {
		out[id] = true
		return nil
	})
	if err != nil {
		return nil, FormatError(err, "raised lines", "")
	}
	return out, nil
}

// PriorityChanges returns the priority history of an order's lines, oldest first.
func (tx *Tx) PriorityChanges(ctx context.Context, orderID string) ([]backorder.PriorityChange, error) {
	out := []backorder.PriorityChange{}
	var c backorder.PriorityChange
	err := collect(ctx, tx.tx, `SELECT id, at, order_id, line_id, sku, raised, by_user, why
		FROM priority_changes WHERE order_id = $1 ORDER BY id`, []any{orderID},
		[]any{&c.ID, &c.At, &c.OrderID, &c.LineID, &c.SKU, &c.Raised, &c.By, &c.Why}, func() error {
			v := c
			v.At = v.At.UTC()
			out = append(out, v)
			return nil
		})
	if err != nil {
		return nil, FormatError(err, "priority changes", "")
	}
	return out, nil
}
