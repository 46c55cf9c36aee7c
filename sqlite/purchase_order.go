package sqlite

import (
	"context"
	"fmt"

	"github.com/backorder/backorder"
)

// InsertPurchaseOrder stores a new purchase order with its lines, setting
// its ID and theirs.
func (tx *Tx) InsertPurchaseOrder(ctx context.Context, po *backorder.PurchaseOrder) error {
	err := tx.queryRow(ctx, `INSERT INTO purchase_orders (reference, supplier_id, expected_at, status, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
		po.Reference, po.SupplierID, po.ExpectedAt, po.Status, micros(po.CreatedAt), micros(po.UpdatedAt)).Scan(&po.ID)
	if err != nil {
		return FormatError(err, "insert purchase order", "purchase order")
	}
	for i := range po.Lines {
		l := &po.Lines[i]
		err := tx.queryRow(ctx, `INSERT INTO purchase_order_lines (po_id, sku, quantity, received, cancelled)
			VALUES (?, ?, ?, ?, ?) RETURNING id`, po.ID, l.SKU, l.Quantity, l.Received, l.Cancelled).Scan(&l.ID)
		if err != nil {
			return FormatError(err, "insert purchase order", fmt.Sprintf("line for SKU %q", l.SKU))
		}
	}
	return tx.appendPOHistory(ctx, po, 0, 0)
}

// PurchaseOrder returns one purchase order with its lines and date changes.
func (tx *Tx) PurchaseOrder(ctx context.Context, id int64) (*backorder.PurchaseOrder, error) {
	pos, err := tx.purchaseOrders(ctx, `WHERE id = ?`, id)
	if err != nil {
		return nil, err
	} else if len(pos) == 0 {
		return nil, backorder.NotFound(fmt.Sprintf("purchase order %d", id))
	}
	return pos[0], nil
}

// ListPurchaseOrders returns purchase orders in ID order after the cursor.
func (tx *Tx) ListPurchaseOrders(ctx context.Context, f backorder.POFilter) ([]*backorder.PurchaseOrder, error) {
	q, args := `WHERE id > ?`, []any{f.After}
	if f.SupplierID != "" {
		q += ` AND supplier_id = ?`
		args = append(args, f.SupplierID)
	}
	if f.Status != "" {
		q += ` AND status = ?`
		args = append(args, f.Status)
	}
	if f.SKU != "" {
		q += ` AND id IN (SELECT po_id FROM purchase_order_lines WHERE sku = ?)`
		args = append(args, f.SKU)
	}
	return tx.purchaseOrders(ctx, q+` ORDER BY id LIMIT ?`, append(args, limit(f.Limit))...)
}

// SavePurchaseOrder writes a purchase order's state and its lines' units,
// and appends the date changes beyond those stored.
func (tx *Tx) SavePurchaseOrder(ctx context.Context, po *backorder.PurchaseOrder) error {
	subject := fmt.Sprintf("purchase order %d", po.ID)
	res, err := tx.exec(ctx, `UPDATE purchase_orders SET expected_at = ?, status = ?, updated_at = ? WHERE id = ?`,
		po.ExpectedAt, po.Status, micros(po.UpdatedAt), po.ID)
	if err != nil {
		return FormatError(err, "save purchase order", subject)
	} else if n, err := res.RowsAffected(); err != nil {
		return FormatError(err, "save purchase order", subject)
	} else if n == 0 {
		return backorder.NotFound(subject)
	}
	for _, l := range po.Lines {
		if _, err := tx.exec(ctx, `UPDATE purchase_order_lines SET received = ?, cancelled = ? WHERE id = ? AND po_id = ?`,
			l.Received, l.Cancelled, l.ID, po.ID); err != nil {
			return FormatError(err, "save purchase order", subject)
		}
	}
	var changes, deliveries int
	if err := tx.queryRow(ctx, `SELECT (SELECT count(*) FROM purchase_order_date_changes WHERE po_id = ?1),
			(SELECT count(*) FROM purchase_order_deliveries WHERE po_id = ?1)`, po.ID).Scan(&changes, &deliveries); err != nil {
		return FormatError(err, "save purchase order", subject)
	}
	return tx.appendPOHistory(ctx, po, changes, deliveries)
}

// appendPOHistory stores po's date changes from the changes-th on and its
// deliveries from the deliveries-th on.
func (tx *Tx) appendPOHistory(ctx context.Context, po *backorder.PurchaseOrder, changes, deliveries int) error {
	for n := changes; n < len(po.DateChanges); n++ {
		c := po.DateChanges[n]
		if _, err := tx.exec(ctx, `INSERT INTO purchase_order_date_changes (po_id, n, at, from_date, to_date) VALUES (?, ?, ?, ?, ?)`,
			po.ID, n+1, micros(c.At), c.From, c.To); err != nil {
			return FormatError(err, "purchase order date change", fmt.Sprintf("date change %d of purchase order %d", n+1, po.ID))
		}
	}
	for n := deliveries; n < len(po.Deliveries); n++ {
		d := po.Deliveries[n]
		if _, err := tx.exec(ctx, `INSERT INTO purchase_order_deliveries (po_id, n, at, sku, quantity) VALUES (?, ?, ?, ?, ?)`,
			po.ID, n+1, micros(d.At), d.SKU, d.Quantity); err != nil {
			return FormatError(err, "purchase order delivery", fmt.Sprintf("delivery %d of purchase order %d", n+1, po.ID))
		}
	}
	return nil
}

// purchaseOrders reads the purchase orders a condition selects, then their
// lines and date changes, one query each.
func (tx *Tx) purchaseOrders(ctx context.Context, where string, args ...any) ([]*backorder.PurchaseOrder, error) {
	rows, err := tx.query(ctx, `SELECT id, reference, supplier_id, expected_at, status, created_at, updated_at
		FROM purchase_orders `+where, args...)
	if err != nil {
		return nil, FormatError(err, "purchase orders", "")
	}
	out := []*backorder.PurchaseOrder{}
	byID := map[int64]*backorder.PurchaseOrder{}
	var ids []int64
	r := newRow(7)
	for rows.Next() {
		if err := r.scan(rows); err != nil {
			rows.Close()
			return nil, FormatError(err, "purchase orders", "")
		}
		po := &backorder.PurchaseOrder{ID: r.int(0), Reference: r.str(1), SupplierID: r.str(2), ExpectedAt: r.str(3), Status: r.str(4),
			CreatedAt: fromMicros(r.int(5)), UpdatedAt: fromMicros(r.int(6)),
			Lines: []backorder.POLine{}, DateChanges: []backorder.PODateChange{}, Deliveries: []backorder.PODelivery{}}
		out = append(out, po)
		byID[po.ID] = po
		ids = append(ids, po.ID)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, FormatError(err, "purchase orders", "")
	}
	if len(ids) == 0 {
		return out, nil
	}
	rows, err = tx.query(ctx, `SELECT po_id, id, sku, quantity, received, cancelled FROM purchase_order_lines
		WHERE po_id IN (SELECT value FROM json_each(?)) ORDER BY po_id, id`, jsonList(ids))
	if err != nil {
		return nil, FormatError(err, "purchase order lines", "")
	}
	r = newRow(6)
	for rows.Next() {
		if err := r.scan(rows); err != nil {
			rows.Close()
			return nil, FormatError(err, "purchase order lines", "")
		}
		po := byID[r.int(0)]
		po.Lines = append(po.Lines, backorder.POLine{ID: r.int(1), SKU: r.str(2), Quantity: r.int(3), Received: r.int(4), Cancelled: r.int(5)})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, FormatError(err, "purchase order lines", "")
	}
	rows, err = tx.query(ctx, `SELECT po_id, 0, n, at, from_date, to_date, 0 FROM purchase_order_date_changes
			WHERE po_id IN (SELECT value FROM json_each(?1))
		UNION ALL SELECT po_id, 1, n, at, sku, '', quantity FROM purchase_order_deliveries
			WHERE po_id IN (SELECT value FROM json_each(?1))
		ORDER BY 1, 2, 3`, jsonList(ids))
	if err != nil {
		return nil, FormatError(err, "purchase order history", "")
	}
	defer rows.Close()
	r = newRow(7)
	for rows.Next() {
		if err := r.scan(rows); err != nil {
			return nil, FormatError(err, "purchase order history", "")
		}
		po := byID[r.int(0)]
		if r.int(1) == 0 {
			po.DateChanges = append(po.DateChanges, backorder.PODateChange{At: fromMicros(r.int(3)), From: r.str(4), To: r.str(5)})
		} else {
			po.Deliveries = append(po.Deliveries, backorder.PODelivery{At: fromMicros(r.int(3)), SKU: r.str(4), Quantity: r.int(6)})
		}
	}
	return out, FormatError(rows.Err(), "purchase order history", "")
}
