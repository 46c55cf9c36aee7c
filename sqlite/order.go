package sqlite

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/backorder/backorder"
)

const orderColumns = `o.id, o.seq, o.customer_id, o.customer_email, o.customer_name, o.vip, o.wholesale,
	o.shipping, o.need_by, o.split_policy, o.split_choice, o.accepted_at, o.units, o.line_count`

// scanOrder decodes the order columns starting at column c.
func scanOrder(r *row, c int) backorder.Order {
	return backorder.Order{
		ID:  r.str(c),
		Seq: r.int(c + 1),
		Customer: backorder.Customer{
			ID:        r.str(c + 2),
			Email:     r.str(c + 3),
			Name:      r.str(c + 4),
			VIP:       r.bool(c + 5),
			Wholesale: r.bool(c + 6),
		},
		Shipping:    r.str(c + 7),
		NeedBy:      r.str(c + 8),
		SplitPolicy: r.str(c + 9),
		SplitChoice: r.str(c + 10),
		AcceptedAt:  fromMicros(r.int(c + 11)),
		Units:       r.int(c + 12),
		LineCount:   int(r.int(c + 13)),
	}
}

const lineColumns = `l.id, l.order_id, l.line_no, l.sku, l.quantity, l.allocated, l.backordered, l.shipped,
	l.cancelled, l.fulfilling, l.price_cents, l.currency, l.payment_timing, l.available_from,
	l.eta_date, l.eta_basis, l.eta_po_id, l.first_promise`

// scanLine decodes the line columns starting at column c.
func scanLine(r *row, c int) *backorder.Line {
	l := &backorder.Line{
		ID:            r.int(c),
		OrderID:       r.str(c + 1),
		LineNo:        int(r.int(c + 2)),
		SKU:           r.str(c + 3),
		Quantity:      r.int(c + 4),
		Allocated:     r.int(c + 5),
		Backordered:   r.int(c + 6),
		Shipped:       r.int(c + 7),
		Cancelled:     r.int(c + 8),
		Fulfilling:    r.int(c + 9),
		PriceCents:    r.int(c + 10),
		Currency:      r.str(c + 11),
		PaymentTiming: r.str(c + 12),
		AvailableFrom: r.str(c + 13),
	}
	scanPromise(r, c+14, l)
	return l
}

// scanPromise decodes the four promise columns starting at column c
// (eta_date, eta_basis, eta_po_id, first_promise) into l.
func scanPromise(r *row, c int, l *backorder.Line) {
	l.FirstPromise = r.str(c + 3)
	if basis := r.str(c + 1); basis != "" {
		l.ETA = backorder.StoredETA(r.str(c), basis, r.int(c+2))
	}
}

// promiseArgs are a line's promise columns as stored.
func promiseArgs(l *backorder.Line) (date, basis, po, first any) {
	if l.ETA != nil {
		date, basis = nullStr(l.ETA.Date), l.ETA.Basis
		if l.ETA.PurchaseOrderID != 0 {
			po = l.ETA.PurchaseOrderID
		}
	}
	return date, basis, po, nullStr(l.FirstPromise)
}

var lineInsertColumns = []string{"id", "order_id", "line_no", "sku", "quantity", "allocated", "backordered",
	"shipped", "cancelled", "fulfilling", "price_cents", "currency", "payment_timing", "available_from", "accepted_at", "seq",
	"eta_date", "eta_basis", "eta_po_id", "first_promise", "intake_backordered"}

var orderInsertColumns = []string{"id", "seq", "customer_id", "customer_email", "customer_name", "vip", "wholesale",
	"shipping", "need_by", "split_policy", "split_choice", "accepted_at", "units", "line_count"}

// InsertOrders stores new orders with their lines, each table in one
// multi-row statement per chunk. It sets each order's Seq, and each line's
// ID and OrderID. ECONFLICT if an order ID exists.
func (tx *Tx) InsertOrders(ctx context.Context, os []*backorder.Order) error {
	if len(os) == 0 {
		return nil
	}
	subject := fmt.Sprintf("order %q", os[0].ID)
	if len(os) > 1 {
		subject = "one of the orders"
	}
	seq, err := tx.reserve(ctx, "orders.seq", `SELECT COALESCE(MAX(seq), 0) FROM orders`, len(os))
	if err != nil {
		return FormatError(err, "insert orders", subject)
	}
	var lines []*backorder.Line
	at := make(map[string]*backorder.Order, len(os)) // order ID → order, for its lines' FIFO keys
	for i, o := range os {
		at[o.ID] = o
		o.Seq = seq + int64(i) + 1
		for _, l := range o.Lines {
			l.OrderID = o.ID
		}
		lines = append(lines, o.Lines...)
	}
	_, err = tx.execBatch(ctx, len(orderInsertColumns), len(os), insertBuilder("orders", orderInsertColumns),
		func(i int, args []any) []any {
			o := os[i]
			return append(args, o.ID, o.Seq, o.Customer.ID, o.Customer.Email, o.Customer.Name, boolInt(o.Customer.VIP), boolInt(o.Customer.Wholesale),
				o.Shipping, nullStr(o.NeedBy), o.SplitPolicy, nullStr(o.SplitChoice), micros(o.AcceptedAt), o.Units, int64(o.LineCount))
		})
	if err != nil {
		return FormatError(err, "insert orders", subject)
	}
	base, err := tx.nextID(ctx, "order_lines", false, len(lines))
	if err != nil {
		return FormatError(err, "insert orders", subject)
	}
	_, err = tx.execBatch(ctx, len(lineInsertColumns), len(lines), insertBuilder("order_lines", lineInsertColumns),
		func(i int, args []any) []any {
			l := lines[i]
			o := at[l.OrderID]
			date, basis, po, first := promiseArgs(l)
			return append(args, base+int64(i)+1, l.OrderID, int64(l.LineNo), l.SKU, l.Quantity, l.Allocated, l.Backordered,
				l.Shipped, l.Cancelled, l.Fulfilling, l.PriceCents, l.Currency, l.PaymentTiming, nullStr(l.AvailableFrom),
				micros(o.AcceptedAt), o.Seq, date, basis, po, first, l.Backordered)
		})
	if err != nil {
		return FormatError(err, "insert order lines", "line of "+subject)
	}
	for i, l := range lines {
		l.ID = base + int64(i) + 1
	}
	return nil
}

// ExistingOrders returns which of the given order IDs exist.
func (tx *Tx) ExistingOrders(ctx context.Context, ids []string) (map[string]bool, error) {
	out := make(map[string]bool)
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := tx.query(ctx, `SELECT id FROM orders WHERE id IN (SELECT value FROM json_each(?))`, jsonList(ids))
	if err != nil {
		return nil, FormatError(err, "existing orders", "")
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, FormatError(err, "existing orders", "")
		}
		out[id] = true
	}
	return out, FormatError(rows.Err(), "existing orders", "")
}

func (tx *Tx) orders(ctx context.Context, op, query string, args ...any) ([]*backorder.Order, error) {
	rows, err := tx.query(ctx, query, args...)
	if err != nil {
		return nil, FormatError(err, op, "")
	}
	defer rows.Close()
	out := []*backorder.Order{}
	err = eachPacked(rows, 14, func(r *row) error {
		o := scanOrder(r, 0)
		out = append(out, &o)
		return nil
	})
	if err != nil {
		return nil, FormatError(err, op, "")
	}
	rows.Close()
	if len(out) == 0 {
		return out, nil
	}
	ids := make([]string, len(out))
	for i, o := range out {
		ids[i] = o.ID
	}
	lines, err := tx.Lines(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, o := range out {
		o.Lines = lines[o.ID]
	}
	return out, nil
}

// Order returns an order with its lines; ENOTFOUND if unknown.
func (tx *Tx) Order(ctx context.Context, id string) (*backorder.Order, error) {
	os, err := tx.orders(ctx, "order", `SELECT `+packed(orderColumns)+` FROM orders o WHERE o.id = ?`, id)
	if err != nil {
		return nil, err
	} else if len(os) == 0 {
		return nil, backorder.NotFound(fmt.Sprintf("order %q", id))
	}
	return os[0], nil
}

// ListOrders returns orders with their lines in Seq order after the cursor,
// optionally of one customer and with a line of one SKU.
func (tx *Tx) ListOrders(ctx context.Context, f backorder.OrderFilter) ([]*backorder.Order, error) {
	q := `SELECT ` + packed(orderColumns) + ` FROM orders o WHERE o.seq > ?`
	args := []any{f.After}
	if f.CustomerID != "" {
		q += ` AND o.customer_id = ?`
		args = append(args, f.CustomerID)
	}
	if f.SKU != "" {
		q += ` AND EXISTS (SELECT 1 FROM order_lines l WHERE l.order_id = o.id AND l.sku = ?)`
		args = append(args, f.SKU)
	}
	q += ` ORDER BY o.seq LIMIT ?`
	args = append(args, limit(f.Limit))
	return tx.orders(ctx, "list orders", q, args...)
}

// SetSplitChoice records the customer's split choice; ENOTFOUND if no order.
func (tx *Tx) SetSplitChoice(ctx context.Context, orderID, choice string) error {
	res, err := tx.exec(ctx, `UPDATE orders SET split_choice = ? WHERE id = ?`, nullStr(choice), orderID)
	if err != nil {
		return FormatError(err, "set split choice", "")
	}
	if n, err := res.RowsAffected(); err != nil {
		return FormatError(err, "set split choice", "")
	} else if n == 0 {
		return backorder.NotFound(fmt.Sprintf("order %q", orderID))
	}
	return nil
}

func (tx *Tx) lines(ctx context.Context, op, query string, args ...any) ([]*backorder.Line, error) {
	rows, err := tx.query(ctx, query, args...)
	if err != nil {
		return nil, FormatError(err, op, "")
	}
	defer rows.Close()
	out := []*backorder.Line{}
	err = eachPacked(rows, 18, func(r *row) error {
		out = append(out, scanLine(r, 0))
		return nil
	})
	if err != nil {
		return nil, FormatError(err, op, "")
	}
	return out, nil
}

// Lines returns every line of the given orders, by order ID, in line order.
func (tx *Tx) Lines(ctx context.Context, orderIDs []string) (map[string][]*backorder.Line, error) {
	out := make(map[string][]*backorder.Line, len(orderIDs))
	if len(orderIDs) == 0 {
		return out, nil
	}
	ls, err := tx.lines(ctx, "lines", `SELECT `+packed(lineColumns)+` FROM order_lines l
		WHERE l.order_id IN (SELECT value FROM json_each(?)) ORDER BY l.order_id, l.line_no`, jsonList(orderIDs))
	if err != nil {
		return nil, err
	}
	for _, l := range ls {
		out[l.OrderID] = append(out[l.OrderID], l)
	}
	return out, nil
}

// AllLines returns every order line, in ID order.
func (tx *Tx) AllLines(ctx context.Context) ([]*backorder.Line, error) {
	return tx.lines(ctx, "all lines", `SELECT `+packed(lineColumns)+` FROM order_lines l ORDER BY l.id`)
}

// SaveLines writes the quantities of existing lines; ENOTFOUND if a line does
// not exist. The CHECK constraints refuse a line whose quantities do not add
// up, so a faulty caller cannot commit one.
func (tx *Tx) SaveLines(ctx context.Context, lines []*backorder.Line) error {
	// The last entry of a line wins, as it would with one UPDATE per entry.
	idx := make(map[int64]int, len(lines))
	uniq := make([]*backorder.Line, 0, len(lines))
	for _, l := range lines {
		if i, ok := idx[l.ID]; ok {
			uniq[i] = l
			continue
		}
		idx[l.ID] = len(uniq)
		uniq = append(uniq, l)
	}
	n, err := tx.execBatch(ctx, 6, len(uniq),
		func(values string) string {
			return `UPDATE order_lines SET allocated = v.column2, backordered = v.column3, shipped = v.column4,
					cancelled = v.column5, fulfilling = v.column6
				FROM (VALUES ` + values + `) AS v WHERE order_lines.id = v.column1`
		},
		func(i int, args []any) []any {
			l := uniq[i]
			return append(args, l.ID, l.Allocated, l.Backordered, l.Shipped, l.Cancelled, l.Fulfilling)
		})
	if err != nil {
		return FormatError(err, "save lines", "")
	}
	if n != int64(len(uniq)) {
		ids := make([]int64, len(uniq))
		for i, l := range uniq {
			ids[i] = l.ID
		}
		var missing int64
		err := tx.queryRow(ctx, `SELECT value FROM json_each(?) WHERE value NOT IN (SELECT id FROM order_lines) LIMIT 1`,
			jsonList(ids)).Scan(&missing)
		if err != nil {
			return FormatError(err, "save lines", "")
		}
		return backorder.NotFound(fmt.Sprintf("order line %d", missing))
	}
	return nil
}

// SavePromises writes the promise of existing lines (ETA and
// FirstPromise), nothing else; ENOTFOUND if a line does not exist.
func (tx *Tx) SavePromises(ctx context.Context, lines []*backorder.Line) error {
	n, err := tx.execBatch(ctx, 5, len(lines),
		func(values string) string {
			return `UPDATE order_lines SET eta_date = v.column2, eta_basis = v.column3, eta_po_id = v.column4,
					first_promise = v.column5
				FROM (VALUES ` + values + `) AS v WHERE order_lines.id = v.column1`
		},
		func(i int, args []any) []any {
			date, basis, po, first := promiseArgs(lines[i])
			return append(args, lines[i].ID, date, basis, po, first)
		})
	if err != nil {
		return FormatError(err, "save promises", "")
	}
	if n != int64(len(lines)) {
		return backorder.NotFound("order line")
	}
	return nil
}

// Promised sums the waiting lines and units per SKU, and those promised
// to ship on or before date.
func (tx *Tx) Promised(ctx context.Context, date string) ([]backorder.PromiseCount, error) {
	rows, err := tx.query(ctx, `SELECT sku, COUNT(*), SUM(backordered),
			COUNT(*) FILTER (WHERE eta_date <= ?), COALESCE(SUM(backordered) FILTER (WHERE eta_date <= ?), 0)
		FROM order_lines WHERE backordered > 0 GROUP BY sku ORDER BY sku`, date, date)
	if err != nil {
		return nil, FormatError(err, "promised", "")
	}
	defer rows.Close()
	out := []backorder.PromiseCount{}
	for rows.Next() {
		var c backorder.PromiseCount
		if err := rows.Scan(&c.SKU, &c.Lines, &c.Units, &c.LinesBy, &c.UnitsBy); err != nil {
			return nil, FormatError(err, "promised", "")
		}
		out = append(out, c)
	}
	return out, FormatError(rows.Err(), "promised", "")
}

// waitingOnPOsQuery reads the waiting lines promised from a JSON list of
// purchase order IDs; demandQuery sums a SKU's units ordered since an
// instant (micros).
const (
	waitingOnPOsQuery = `SELECT eta_po_id, order_id, id, sku, backordered, price_cents FROM order_lines
		WHERE eta_basis = 'purchase_order' AND backordered > 0 AND eta_po_id IN (SELECT value FROM json_each(?))
		ORDER BY eta_po_id, id`
	demandQuery = `SELECT COALESCE(SUM(quantity), 0) FROM order_lines WHERE sku = ? AND accepted_at >= ?`
)

// WaitingOnPurchaseOrders returns the waiting lines promised from the given
// purchase orders, through the partial index order_lines_eta_po.
func (tx *Tx) WaitingOnPurchaseOrders(ctx context.Context, poIDs []int64) ([]backorder.WaitingOnPO, error) {
	out := []backorder.WaitingOnPO{}
	if len(poIDs) == 0 {
		return out, nil
	}
	rows, err := tx.query(ctx, waitingOnPOsQuery, jsonList(poIDs))
	if err != nil {
		return nil, FormatError(err, "waiting on purchase orders", "")
	}
	defer rows.Close()
	for rows.Next() {
		var w backorder.WaitingOnPO
		if err := rows.Scan(&w.PurchaseOrderID, &w.OrderID, &w.LineID, &w.SKU, &w.Backordered, &w.PriceCents); err != nil {
			return nil, FormatError(err, "waiting on purchase orders", "")
		}
		out = append(out, w)
	}
	return out, FormatError(rows.Err(), "waiting on purchase orders", "")
}

// Demand sums the units of a SKU's lines accepted at or after since,
// through the index order_lines_demand.
func (tx *Tx) Demand(ctx context.Context, sku string, since time.Time) (int64, error) {
	var n int64
	err := tx.queryRow(ctx, demandQuery, sku, micros(since)).Scan(&n)
	return n, FormatError(err, "demand", "")
}

// waitingLinesQuery reads a page of a SKU's queue in FIFO order, through
// the partial index order_lines_queue, each line with its order's header.
var waitingLinesQuery = `SELECT ` + packed(orderColumns+`, l.id, l.line_no, l.quantity, l.allocated, l.backordered,
		l.shipped, l.cancelled, l.fulfilling, l.price_cents, l.currency, l.payment_timing, l.available_from,
		l.eta_date, l.eta_basis, l.eta_po_id, l.first_promise, l.intake_backordered`) + `
	FROM order_lines l JOIN orders o ON o.id = l.order_id
	WHERE l.sku = ? AND l.backordered > 0 AND (l.accepted_at, l.seq, l.id) > (?, ?, ?)
	ORDER BY l.accepted_at, l.seq, l.id LIMIT ?`

// WaitingLines returns a page of the lines of a SKU with backordered units,
// in FIFO order after the query's cursor, each with its order's header
// (without lines). The partial index order_lines_queue holds exactly these
// lines in this order, so the read costs the page, not the queue or the
// history.
func (tx *Tx) WaitingLines(ctx context.Context, q backorder.QueueQuery) ([]backorder.QueueEntry, error) {
	sku := q.SKU
	after := int64(math.MinInt64) // before every acceptance time, the zero cursor's too
	if !q.After.AcceptedAt.IsZero() {
		after = micros(q.After.AcceptedAt)
	}
	rows, err := tx.query(ctx, waitingLinesQuery, sku, after, q.After.Seq, q.After.LineID, q.Limit)
	if err != nil {
		return nil, FormatError(err, "waiting lines", "")
	}
	defer rows.Close()
	out := make([]backorder.QueueEntry, 0, q.Limit)
	const c = 14 // the order columns come first
	err = eachPacked(rows, c+17, func(r *row) error {
		// One allocation for the pair: the queue may be long.
		e := &struct {
			o backorder.Order
			l backorder.Line
		}{o: scanOrder(r, 0)}
		o := &e.o
		l := &e.l
		*l = backorder.Line{
			ID:            r.int(c),
			OrderID:       o.ID,
			LineNo:        int(r.int(c + 1)),
			SKU:           sku,
			Quantity:      r.int(c + 2),
			Allocated:     r.int(c + 3),
			Backordered:   r.int(c + 4),
			Shipped:       r.int(c + 5),
			Cancelled:     r.int(c + 6),
			Fulfilling:    r.int(c + 7),
			PriceCents:    r.int(c + 8),
			Currency:      r.str(c + 9),
			PaymentTiming: r.str(c + 10),
			AvailableFrom: r.str(c + 11),
		}
		scanPromise(r, c+12, l)
		out = append(out, backorder.QueueEntry{Order: o, Line: l, IntakeBackordered: r.int(c + 16)})
		return nil
	})
	if err != nil {
		return nil, FormatError(err, "waiting lines", "")
	}
	return out, nil
}

// CustomerBackordered returns, per SKU, the units a customer has waiting.
// SKUs with none are absent.
func (tx *Tx) CustomerBackordered(ctx context.Context, customerID string, skus []string) (map[string]int64, error) {
	out := map[string]int64{}
	if len(skus) == 0 {
		return out, nil
	}
	rows, err := tx.query(ctx, `SELECT l.sku, SUM(l.backordered) FROM orders o JOIN order_lines l ON l.order_id = o.id
		WHERE o.customer_id = ? AND l.backordered > 0 AND l.sku IN (SELECT value FROM json_each(?))
		GROUP BY l.sku`, customerID, jsonList(skus))
	if err != nil {
		return nil, FormatError(err, "customer backordered", "")
	}
	defer rows.Close()
	for rows.Next() {
		var sku string
		var n int64
		if err := rows.Scan(&sku, &n); err != nil {
			return nil, FormatError(err, "customer backordered", "")
		}
		out[sku] = n
	}
	return out, FormatError(rows.Err(), "customer backordered", "")
}

// BackorderStats counts the SKU's lines put on backorder at intake at or
// after since, and those of them with any unit cancelled.
func (tx *Tx) BackorderStats(ctx context.Context, sku string, since time.Time) (backorder.BackorderStats, error) {
	var st backorder.BackorderStats
	err := tx.queryRow(ctx, `SELECT count(*), coalesce(sum(l.cancelled > 0), 0)
		FROM movements m JOIN order_lines l ON l.id = m.line_id
		WHERE m.sku = ? AND m.kind = 'backorder' AND m.at >= ?`, sku, micros(since)).Scan(&st.Lines, &st.Cancelled)
	return st, FormatError(err, "backorder stats", "")
}

// SetReleaseDate moves the ship-from date of a SKU's open pre-order units.
func (tx *Tx) SetReleaseDate(ctx context.Context, sku, date string) error {
	if _, err := tx.exec(ctx, `UPDATE order_lines SET available_from = ?
		WHERE sku = ? AND available_from IS NOT NULL AND allocated + backordered > 0`, nullStr(date), sku); err != nil {
		return FormatError(err, "set release date", "")
	}
	return nil
}
