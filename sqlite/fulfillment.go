package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/backorder/backorder"
)

var fulfillmentColumns = []string{"id", "order_id", "state", "hold_until", "created_at", "shipped_at",
	"carrier", "tracking", "estimated_delivery"}

var fulfillmentLineColumns = []string{"fulfillment_id", "line_id", "sku", "quantity"}

// InsertFulfillments stores new fulfillment requests, setting their IDs.
// Lines of quantity 0 are not stored.
func (tx *Tx) InsertFulfillments(ctx context.Context, fs []*backorder.Fulfillment) error {
	if len(fs) == 0 {
		return nil
	}
	base, err := tx.nextID(ctx, "fulfillments", false, len(fs))
	if err != nil {
		return FormatError(err, "insert fulfillments", "fulfillment")
	}
	_, err = tx.execBatch(ctx, len(fulfillmentColumns), len(fs),
		insertBuilder("fulfillments", fulfillmentColumns),
		func(i int, args []any) []any {
			f := fs[i]
			return append(args, base+int64(i)+1, f.OrderID, f.State, nullStr(f.HoldUntil), micros(f.CreatedAt),
				nullTime(f.ShippedAt), nullStr(f.Carrier), nullStr(f.Tracking), nullStr(f.EstimatedDelivery))
		})
	if err != nil {
		return FormatError(err, "insert fulfillments", "fulfillment")
	}
	if err := tx.insertFulfillmentLines(ctx, fs, base); err != nil {
		return err
	}
	for i, f := range fs {
		f.ID = base + int64(i) + 1
	}
	return nil
}

// insertFulfillmentLines stores the lines of fs, the i-th fulfillment having
// ID base+i+1.
func (tx *Tx) insertFulfillmentLines(ctx context.Context, fs []*backorder.Fulfillment, base int64) error {
	type ref struct {
		id int64
		l  *backorder.FulfillmentLine
	}
	var ls []ref
	for i, f := range fs {
		for j := range f.Lines {
			ls = append(ls, ref{base + int64(i) + 1, &f.Lines[j]})
		}
	}
	_, err := tx.execBatch(ctx, len(fulfillmentLineColumns), len(ls),
		insertBuilder("fulfillment_lines", fulfillmentLineColumns),
		func(i int, args []any) []any {
			r := ls[i]
			return append(args, r.id, r.l.LineID, r.l.SKU, r.l.Quantity)
		})
	return FormatError(err, "insert fulfillment lines", "fulfillment line")
}

func nullTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return micros(*t)
}

const fulfillmentSelect = `SELECT id, order_id, state, hold_until, created_at, shipped_at, carrier, tracking,
	estimated_delivery, hold_reason, coalesce(split_from, 0) FROM fulfillments`

func (tx *Tx) fulfillments(ctx context.Context, op, query string, args ...any) ([]*backorder.Fulfillment, error) {
	rows, err := tx.query(ctx, query, args...)
	if err != nil {
		return nil, FormatError(err, op, "")
	}
	defer rows.Close()
	out := []*backorder.Fulfillment{}
	byID := map[int64]*backorder.Fulfillment{}
	r := newRow(11)
	for rows.Next() {
		if err := r.scan(rows); err != nil {
			return nil, FormatError(err, op, "")
		}
		f := &backorder.Fulfillment{
			ID: r.int(0), OrderID: r.str(1), State: r.str(2), HoldUntil: r.str(3), CreatedAt: fromMicros(r.int(4)),
			Carrier: r.str(6), Tracking: r.str(7), EstimatedDelivery: r.str(8), HoldReason: r.str(9), SplitFrom: r.int(10),
			Lines: []backorder.FulfillmentLine{},
		}
		if v := r.intPtr(5); v != nil {
			t := fromMicros(*v)
			f.ShippedAt = &t
		}
		out = append(out, f)
		byID[f.ID] = f
	}
	if err := rows.Err(); err != nil {
		return nil, FormatError(err, op, "")
	}
	rows.Close()
	if len(out) == 0 {
		return out, nil
	}
	ids := make([]int64, len(out))
	for i, f := range out {
		ids[i] = f.ID
	}
	lrows, err := tx.query(ctx, `SELECT fulfillment_id, line_id, sku, quantity FROM fulfillment_lines
		WHERE fulfillment_id IN (SELECT value FROM json_each(?)) ORDER BY fulfillment_id, line_id`, jsonList(ids))
	if err != nil {
		return nil, FormatError(err, op, "")
	}
	defer lrows.Close()
	lr := newRow(4)
	for lrows.Next() {
		if err := lr.scan(lrows); err != nil {
			return nil, FormatError(err, op, "")
		}
		f := byID[lr.int(0)]
		f.Lines = append(f.Lines, backorder.FulfillmentLine{LineID: lr.int(1), SKU: lr.str(2), Quantity: lr.int(3)})
	}
	if err := lrows.Err(); err != nil {
		return nil, FormatError(err, op, "")
	}
	return out, nil
}

// Fulfillment returns one fulfillment with its lines; ENOTFOUND if unknown.
func (tx *Tx) Fulfillment(ctx context.Context, id int64) (*backorder.Fulfillment, error) {
	fs, err := tx.fulfillments(ctx, "fulfillment", fulfillmentSelect+` WHERE id = ?`, id)
	if err != nil {
		return nil, err
	} else if len(fs) == 0 {
		return nil, backorder.NotFound(fmt.Sprintf("fulfillment %d", id))
	}
	return fs[0], nil
}

// ListFulfillments returns fulfillments with their lines in ID order after
// the cursor.
func (tx *Tx) ListFulfillments(ctx context.Context, f backorder.FulfillmentQuery) ([]*backorder.Fulfillment, error) {
	q := fulfillmentSelect + ` WHERE id > ?`
	args := []any{f.After}
	for _, c := range []struct {
		cond, arg string
	}{
		{` AND order_id = ?`, f.OrderID},
		// A probe per candidate by the lines' primary key: paging through
		// a SKU's requests reads each candidate once, not every line per page.
		{` AND EXISTS (SELECT 1 FROM fulfillment_lines fl WHERE fl.fulfillment_id = fulfillments.id AND fl.sku = ?)`, f.SKU},
		{` AND state = ?`, f.State},
		{` AND (hold_until IS NULL OR hold_until <= ?) AND hold_reason IS NULL`, f.HeldThrough},
		{` AND (hold_until > ? OR hold_reason IS NOT NULL)`, f.HeldAfter},
	} {
		if c.arg != "" {
			q += c.cond
			args = append(args, c.arg)
		}
	}
	q += ` ORDER BY id LIMIT ?`
	args = append(args, limit(f.Limit))
	return tx.fulfillments(ctx, "list fulfillments", q, args...)
}

// SaveFulfillment writes a fulfillment's state, hold date and shipment
// details, and replaces its lines, dropping those of quantity 0. ENOTFOUND if
// the fulfillment does not exist.
func (tx *Tx) SaveFulfillment(ctx context.Context, f *backorder.Fulfillment) error {
	subject := fmt.Sprintf("fulfillment %d", f.ID)
	res, err := tx.exec(ctx, `UPDATE fulfillments SET state = ?, hold_until = ?, shipped_at = ?, carrier = ?,
			tracking = ?, estimated_delivery = ?
		WHERE id = ?`,
		f.State, nullStr(f.HoldUntil), nullTime(f.ShippedAt), nullStr(f.Carrier), nullStr(f.Tracking),
		nullStr(f.EstimatedDelivery), f.ID)
	if err != nil {
		return FormatError(err, "save fulfillment", subject)
	}
	if n, err := res.RowsAffected(); err != nil {
		return FormatError(err, "save fulfillment", subject)
	} else if n == 0 {
		return backorder.NotFound(fmt.Sprintf("fulfillment %d", f.ID))
	}
	if _, err := tx.exec(ctx, `DELETE FROM fulfillment_lines WHERE fulfillment_id = ?`, f.ID); err != nil {
		return FormatError(err, "save fulfillment", subject)
	}
	return tx.insertFulfillmentLines(ctx, []*backorder.Fulfillment{f}, f.ID-1)
}

// OpenRequests returns, per line, the units in open fulfillment requests.
func (tx *Tx) OpenRequests(ctx context.Context) (map[int64]int64, error) {
	rows, err := tx.query(ctx, `SELECT fl.line_id, SUM(fl.quantity)
		FROM fulfillments f JOIN fulfillment_lines fl ON fl.fulfillment_id = f.id
		WHERE f.state = 'open' GROUP BY fl.line_id`)
	if err != nil {
		return nil, FormatError(err, "open requests", "")
	}
	defer rows.Close()
	out := map[int64]int64{}
	for rows.Next() {
		var line, n int64
		if err := rows.Scan(&line, &n); err != nil {
			return nil, FormatError(err, "open requests", "")
		}
		out[line] = n
	}
	return out, FormatError(rows.Err(), "open requests", "")
}

// SaveHolds writes the hold dates of existing fulfillments.
func (tx *Tx) SaveHolds(ctx context.Context, fs []*backorder.Fulfillment) error {
	n, err := tx.execBatch(ctx, 2, len(fs),
		func(values string) string {
			return `UPDATE fulfillments SET hold_until = v.column2
				FROM (VALUES ` + values + `) AS v WHERE fulfillments.id = v.column1`
		},
		func(i int, args []any) []any { return append(args, fs[i].ID, nullStr(fs[i].HoldUntil)) })
	if err != nil {
		return FormatError(err, "save holds", "")
	} else if n != int64(len(fs)) {
		return backorder.NotFound(fmt.Sprintf("%d of %d fulfillments", int64(len(fs))-n, len(fs)))
	}
	return nil
}
