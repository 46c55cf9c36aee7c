package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/backorder/backorder"
)

// InsertPurchaseOrder stores a new purchase order with its lines, setting
// its ID and theirs.
func (tx *Tx) InsertPurchaseOrder(ctx context.Context, po *backorder.PurchaseOrder) error {
	err := tx.tx.QueryRow(ctx, `INSERT INTO purchase_orders (reference, supplier_id, expected_at, status, created_at, updated_at)
		VALUES ($1, $2, $3::date, $4, $5, $6) RETURNING id`,
		po.Reference, po.SupplierID, po.ExpectedAt, po.Status, po.CreatedAt, po.UpdatedAt).Scan(&po.ID)
	if err != nil {
		return FormatError(err, "insert purchase order", "purchase order")
	}
	for i := range po.Lines {
		l := &po.Lines[i]
		err := tx.tx.QueryRow(ctx, `INSERT INTO purchase_order_lines (po_id, sku, quantity, received, cancelled)
			VALUES ($1, $2, $3, $4, $5) RETURNING id`, po.ID, l.SKU, l.Quantity, l.Received, l.Cancelled).Scan(&l.ID)
		if err != nil {
			return FormatError(err, "insert purchase order", fmt.Sprintf("line for SKU %q", l.SKU))
		}
	}
	return tx.appendPOHistory(ctx, po, 0, 0)
}

// PurchaseOrder returns one purchase order with its lines and date changes.
func (tx *Tx) PurchaseOrder(ctx context.Context, id int64) (*backorder.PurchaseOrder, error) {
	pos, err := tx.purchaseOrders(ctx, `WHERE id = $1`, id)
	if err != nil {
		return nil, err
	} else if len(pos) == 0 {
		return nil, backorder.NotFound(fmt.Sprintf("purchase order %d", id))
	}
	return pos[0], nil
}

// ListPurchaseOrders returns purchase orders in ID order after the cursor.
func (tx *Tx) ListPurchaseOrders(ctx context.Context, f backorder.POFilter) ([]*backorder.PurchaseOrder, error) {
	var w where
	w.add("id > ?", f.After)
	if f.SupplierID != "" {
		w.add("supplier_id = ?", f.SupplierID)
	}
	if f.Status != "" {
		w.add("status = ?", f.Status)
	}
	if f.SKU != "" {
		w.add("id IN (SELECT po_id FROM purchase_order_lines WHERE sku = ?)", f.SKU)
	}
	return tx.purchaseOrders(ctx, `WHERE `+w.sql()+` ORDER BY id LIMIT `+w.arg(limit(f.Limit)), w.args...)
}

// SavePurchaseOrder writes a purchase order's state and its lines' units,
// and appends the date changes beyond those stored.
func (tx *Tx) SavePurchaseOrder(ctx context.Context, po *backorder.PurchaseOrder) error {
	subject := fmt.Sprintf("purchase order %d", po.ID)
	tag, err := tx.tx.Exec(ctx, `UPDATE purchase_orders SET expected_at = $2::date, status = $3, updated_at = $4 WHERE id = $1`,
		po.ID, po.ExpectedAt, po.Status, po.UpdatedAt)
	if err != nil {
		return FormatError(err, "save purchase order", subject)
	} else if tag.RowsAffected() == 0 {
		return backorder.NotFound(subject)
	}
	for _, l := range po.Lines {
		if _, err := tx.tx.Exec(ctx, `UPDATE purchase_order_lines SET received = $3, cancelled = $4 WHERE id = $1 AND po_id = $2`,
			l.ID, po.ID, l.Received, l.Cancelled); err != nil {
			return FormatError(err, "save purchase order", subject)
		}
	}
	var changes, deliveries int
	if err := tx.tx.QueryRow(ctx, `SELECT (SELECT count(*) FROM purchase_order_date_changes WHERE po_id = $1),
			(SELECT count(*) FROM purchase_order_deliveries WHERE po_id = $1)`, po.ID).Scan(&changes, &deliveries); err != nil {
		return FormatError(err, "save purchase order", subject)
	}
	return tx.appendPOHistory(ctx, po, changes, deliveries)
}

// appendPOHistory stores po's date changes from the changes-th on and its
// deliveries from the deliveries-th on.
func (tx *Tx) appendPOHistory(ctx context.Context, po *backorder.PurchaseOrder, changes, deliveries int) error {
	for n := changes; n < len(po.DateChanges); n++ {
		c := po.DateChanges[n]
		if _, err := tx.tx.Exec(ctx, `INSERT INTO purchase_order_date_changes (po_id, n, at, from_date, to_date)
			VALUES ($1, $2, $3, $4::date, $5::date)`, po.ID, n+1, c.At, c.From, c.To); err != nil {
			return FormatError(err, "purchase order date change", fmt.Sprintf("date change %d of purchase order %d", n+1, po.ID))
		}
	}
	for n := deliveries; n < len(po.Deliveries); n++ {
		d := po.Deliveries[n]
		if _, err := tx.tx.Exec(ctx, `INSERT INTO purchase_order_deliveries (po_id, n, at, sku, quantity)
			VALUES ($1, $2, $3, $4, $5)`, po.ID, n+1, d.At, d.SKU, d.Quantity); err != nil {
			return FormatError(err, "purchase order delivery", fmt.Sprintf("delivery %d of purchase order %d", n+1, po.ID))
		}
	}
	return nil
}

// purchaseOrders reads the purchase orders a condition selects, then their
// lines and date changes, one query each.
func (tx *Tx) purchaseOrders(ctx context.Context, where string, args ...any) ([]*backorder.PurchaseOrder, error) {
	out := []*backorder.PurchaseOrder{}
	byID := map[int64]*backorder.PurchaseOrder{}
	var ids []int64
	var po backorder.PurchaseOrder
	err := collect(ctx, tx.tx, `SELECT id, reference, supplier_id, to_char(expected_at, 'YYYY-MM-DD'), status, created_at, updated_at
		FROM purchase_orders `+where, args,
		[]any{&po.ID, &po.Reference, &po.SupplierID, &po.ExpectedAt, &po.Status, &po.CreatedAt, &po.UpdatedAt}, func() error {
			c := po
			c.Lines, c.DateChanges, c.Deliveries = []backorder.POLine{}, []backorder.PODateChange{}, []backorder.PODelivery{}
			out = append(out, &c)
			byID[c.ID] = &c
			ids = append(ids, c.ID)
			return nil
		})
	if err != nil {
		return nil, FormatError(err, "purchase orders", "")
	}
	if len(ids) == 0 {
		return out, nil
	}
	var poID int64
	var l backorder.POLine
	err = collect(ctx, tx.tx, `SELECT po_id, id, sku, quantity, received, cancelled FROM purchase_order_lines
		WHERE po_id = ANY($1) ORDER BY po_id, id`, []any{ids},
		[]any{&poID, &l.ID, &l.SKU, &l.Quantity, &l.Received, &l.Cancelled}, func() error {
			byID[poID].Lines = append(byID[poID].Lines, l)
			return nil
		})
	if err != nil {
		return nil, FormatError(err, "purchase order lines", "")
	}
	var at time.Time
	var from, to string
	err = collect(ctx, tx.tx, `SELECT po_id, at, to_char(from_date, 'YYYY-MM-DD'), to_char(to_date, 'YYYY-MM-DD')
		FROM purchase_order_date_changes WHERE po_id = ANY($1) ORDER BY po_id, n`, []any{ids},
		[]any{&poID, &at, &from, &to}, func() error {
			byID[poID].DateChanges = append(byID[poID].DateChanges, backorder.PODateChange{At: at, From: from, To: to})
			return nil
		})
	if err != nil {
		return nil, FormatError(err, "purchase order date changes", "")
	}
	var d backorder.PODelivery
	err = collect(ctx, tx.tx, `SELECT po_id, at, sku, quantity FROM purchase_order_deliveries WHERE po_id = ANY($1) ORDER BY po_id, n`,
		[]any{ids}, []any{&poID, &d.At, &d.SKU, &d.Quantity}, func() error {
			byID[poID].Deliveries = append(byID[poID].Deliveries, d)
			return nil
		})
	if err != nil {
		return nil, FormatError(err, "purchase order deliveries", "")
	}
	return out, nil
}
