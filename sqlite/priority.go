package sqlite

import (
	"context"

	"github.com/backorder/backorder"
)

// InsertPriorityChange appends a change to the history and marks the line
// raised or not.
func (tx *Tx) InsertPriorityChange(ctx context.Context, c *backorder.PriorityChange) error {
	raised := int64(0)
	if c.Raised {
		raised = 1
	}
	err := tx.queryRow(ctx, `INSERT INTO priority_changes (at, order_id, line_id, sku, raised, by_user, why)
		VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, micros(c.At), c.OrderID, c.LineID, c.SKU, raised, c.By, c.Why).Scan(&c.ID)
	if err != nil {
		return FormatError(err, "insert priority change", "")
	}
	if c.Raised {
		_, err = tx.exec(ctx, `INSERT INTO raised_lines (line_id) VALUES (?) ON CONFLICT DO NOTHING`, c.LineID)
	} else {
		_, err = tx.exec(ctx, `DELETE FROM raised_lines WHERE line_id = ?`, c.LineID)
	}
	return FormatError(err, "raise line", "")
}

// RaisedLines returns which of the given lines are raised.
func (tx *Tx) RaisedLines(ctx context.Context, lineIDs []int64) (map[int64]bool, error) {
	out := map[int64]bool{}
	rows, err := tx.query(ctx, `SELECT line_id FROM raised_lines WHERE line_id IN (SELECT value FROM json_each(?))`, jsonList(lineIDs))
	if err != nil {
		return nil, FormatError(err, "raised lines", "")
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, FormatError(err, "raised lines", "")
		}
		out[id] = true
	}
	return out, FormatError(rows.Err(), "raised lines", "")
}

// PriorityChanges returns the priority history of an order's lines, oldest first.
func (tx *Tx) PriorityChanges(ctx context.Context, orderID string) ([]backorder.PriorityChange, error) {
	rows, err := tx.query(ctx, `SELECT id, at, order_id, line_id, sku, raised, by_user, why
		FROM priority_changes WHERE order_id = ? ORDER BY id`, orderID)
	if err != nil {
		return nil, FormatError(err, "priority changes", "")
	}
	defer rows.Close()
	out := []backorder.PriorityChange{}
	for rows.Next() {
		var c backorder.PriorityChange
		var at, raised int64
		if err := rows.Scan(&c.ID, &at, &c.OrderID, &c.LineID, &c.SKU, &raised, &c.By, &c.Why); err != nil {
			return nil, FormatError(err, "priority changes", "")
		}
		c.At, c.Raised = fromMicros(at), raised != 0
		out = append(out, c)
	}
	return out, FormatError(rows.Err(), "priority changes", "")
}
