package postgres

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/backorder/backorder"
)

const orderColumns = `o.id, o.seq, o.customer_id, o.customer_email, o.customer_name, o.vip, o.wholesale,
	o.shipping, coalesce(o.need_by, ''), o.split_policy, coalesce(o.split_choice, ''),
	o.accepted_at, o.units, o.line_count`

func orderDest(o *backorder.Order) []any {
	return []any{&o.ID, &o.Seq, &o.Customer.ID, &o.Customer.Email, &o.Customer.Name, &o.Customer.VIP, &o.Customer.Wholesale,
		&o.Shipping, &o.NeedBy, &o.SplitPolicy, &o.SplitChoice, &o.AcceptedAt, &o.Units, &o.LineCount}
}

const lineColumns = `l.id, l.order_id, l.line_no, l.sku, l.quantity, l.allocated, l.backordered,
	l.shipped, l.cancelled, l.fulfilling, l.price_cents, l.currency, l.payment_timing,
	coalesce(l.available_from, ''),
	coalesce(l.eta_basis, '') || '|' || coalesce(l.eta_date, '') || '|' || coalesce(l.eta_po_id, 0)::text,
	coalesce(l.first_promise, '')`

func lineDest(l *backorder.Line) []any {
	return []any{&l.ID, &l.OrderID, &l.LineNo, &l.SKU, &l.Quantity, &l.Allocated, &l.Backordered,
		&l.Shipped, &l.Cancelled, &l.Fulfilling, &l.PriceCents, &l.Currency, &l.PaymentTiming, &l.AvailableFrom,
		promiseDest{l}, &l.FirstPromise}
}

// promiseDest scans a line's promise, selected as one text
// "basis|date|purchase order" (lineColumns), into its ETA: nil for a line
// never dated, and a new ETA for each row otherwise.
type promiseDest struct{ l *backorder.Line }

func (d promiseDest) Scan(src any) error {
	s, ok := src.(string)
	if !ok {
		return fmt.Errorf("promise: %T, want text", src)
	}
	parts := strings.SplitN(s, "|", 3)
	if len(parts) != 3 {
		return fmt.Errorf("promise: %q", s)
	}
	d.l.ETA = nil
	if parts[0] == "" {
		return nil
	}
	po, err := strconv.ParseInt(parts[2], 10, 64)
	if err != nil {
		return fmt.Errorf("promise: %q: %w", s, err)
	}
	d.l.ETA = backorder.StoredETA(parts[1], parts[0], po)
	return nil
}

// promiseArrays are the promise columns of lines, as arrays for unnest.
func promiseArrays(lines []*backorder.Line) (date, basis []*string, po []*int64, first []*string) {
	date, basis, po, first = make([]*string, len(lines)), make([]*string, len(lines)), make([]*int64, len(lines)), make([]*string, len(lines))
	for i, l := range lines {
		if e := l.ETA; e != nil {
			basis[i] = &e.Basis
			if e.Date != "" {
				date[i] = &e.Date
			}
			if e.PurchaseOrderID != 0 {
				po[i] = &e.PurchaseOrderID
			}
		}
		if l.FirstPromise != "" {
			first[i] = &l.FirstPromise
		}
	}
	return date, basis, po, first
}

// InsertOrders stores new orders with their lines in one statement. It sets
// each order's Seq from order_seq, taken inside the transaction and in slice
// order: writers of a SKU hold its lock until commit, so Seq increases in
// commit order among the orders of a SKU. It numbers the lines in slice order
// and sets their IDs and OrderID. ECONFLICT if an order ID exists; the
// transaction stays usable, since the duplicate is found with ON CONFLICT DO
// NOTHING rather than by an error, and the caller rolls back to its savepoint.
func (tx *Tx) InsertOrders(ctx context.Context, os []*backorder.Order) error {
	if len(os) == 0 {
		return nil
	}
	no := len(os)
	oid := make([]string, no)
	cust := make([]string, no)
	email := make([]string, no)
	name := make([]string, no)
	vip := make([]bool, no)
	wholesale := make([]bool, no)
	shipping := make([]string, no)
	needBy := make([]string, no)
	split := make([]string, no)
	choice := make([]string, no)
	at := make([]time.Time, no)
	units := make([]int64, no)
	count := make([]int32, no)
	var lines []*backorder.Line
	for i, o := range os {
		for _, l := range o.Lines {
			l.OrderID = o.ID
		}
		lines = append(lines, o.Lines...)
		oid[i], cust[i], email[i], name[i], vip[i], wholesale[i] = o.ID, o.Customer.ID, o.Customer.Email, o.Customer.Name, o.Customer.VIP, o.Customer.Wholesale
		shipping[i], needBy[i], split[i], choice[i], at[i], units[i], count[i] = o.Shipping, o.NeedBy, o.SplitPolicy, o.SplitChoice, o.AcceptedAt, o.Units, int32(o.LineCount)
	}
	n := len(lines)
	lineOrder := make([]string, n)
	lineNo := make([]int32, n)
	skus := make([]string, n)
	currency := make([]string, n)
	timing := make([]string, n)
	from := make([]string, n)
	qty := make([]int64, n)
	alloc := make([]int64, n)
	back := make([]int64, n)
	shipped := make([]int64, n)
	cancelled := make([]int64, n)
	fulfilling := make([]int64, n)
	price := make([]int64, n)
	etaDate, etaBasis, etaPO, firstPromise := promiseArrays(lines)
	for i, l := range lines {
		lineOrder[i], lineNo[i], skus[i], currency[i], timing[i], from[i] = l.OrderID, int32(l.LineNo), l.SKU, l.Currency, l.PaymentTiming, l.AvailableFrom
		qty[i], alloc[i], back[i], shipped[i], cancelled[i], fulfilling[i], price[i] =
			l.Quantity, l.Allocated, l.Backordered, l.Shipped, l.Cancelled, l.Fulfilling, l.PriceCents
	}
	var inserted int64
	var seqs, ids []int64
	err := tx.tx.QueryRow(ctx, `WITH seqs AS MATERIALIZED (
			SELECT array_agg(nextval('order_seq') ORDER BY g) AS a FROM generate_series(1, $1::int) AS g
		), ids AS MATERIALIZED (
			SELECT array_agg(nextval('order_lines_id_seq') ORDER BY g) AS a FROM generate_series(1, $2::int) AS g
		), o AS (
			INSERT INTO orders (id, seq, customer_id, customer_email, customer_name, vip, wholesale,
				shipping, need_by, split_policy, split_choice, accepted_at, units, line_count)
			SELECT u.id, seqs.a[u.g], u.customer_id, u.customer_email, u.customer_name, u.vip, u.wholesale,
				u.shipping, nullif(u.need_by, ''), u.split_policy, nullif(u.split_choice, ''), u.accepted_at, u.units, u.line_count
			FROM seqs CROSS JOIN unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::boolean[], $8::boolean[],
				$9::text[], $10::text[], $11::text[], $12::text[], $13::timestamptz[], $14::bigint[], $15::int[])
				WITH ORDINALITY AS u (id, customer_id, customer_email, customer_name, vip, wholesale,
					shipping, need_by, split_policy, split_choice, accepted_at, units, line_count, g)
			ON CONFLICT (id) DO NOTHING
			RETURNING id, accepted_at, seq
		), l AS (
			INSERT INTO order_lines (id, order_id, line_no, sku, quantity, allocated, backordered,
				shipped, cancelled, fulfilling, price_cents, currency, payment_timing, available_from, accepted_at, seq,
				eta_date, eta_basis, eta_po_id, first_promise, intake_backordered)
			SELECT ids.a[u.g], u.order_id, u.line_no, u.sku, u.quantity, u.allocated, u.backordered,
				u.shipped, u.cancelled, u.fulfilling, u.price_cents, u.currency, u.payment_timing, nullif(u.available_from, ''),
				o.accepted_at, o.seq, u.eta_date, u.eta_basis, u.eta_po_id, u.first_promise, u.backordered
			FROM ids CROSS JOIN unnest($16::text[], $17::int[], $18::text[], $19::bigint[], $20::bigint[], $21::bigint[],
				$22::bigint[], $23::bigint[], $24::bigint[], $25::bigint[], $26::text[], $27::text[], $28::text[],
				$29::text[], $30::text[], $31::bigint[], $32::text[])
				WITH ORDINALITY AS u (order_id, line_no, sku, quantity, allocated, backordered,
					shipped, cancelled, fulfilling, price_cents, currency, payment_timing, available_from,
					eta_date, eta_basis, eta_po_id, first_promise, g)
			JOIN o ON o.id = u.order_id
		)
		SELECT (SELECT count(*) FROM o), (SELECT a FROM seqs), (SELECT coalesce(a, '{}') FROM ids)`,
		no, n, oid, cust, email, name, vip, wholesale, shipping, needBy, split, choice, at, units, count,
		lineOrder, lineNo, skus, qty, alloc, back, shipped, cancelled, fulfilling, price, currency, timing, from,
		etaDate, etaBasis, etaPO, firstPromise,
	).Scan(&inserted, &seqs, &ids)
	subject := fmt.Sprintf("order %q", os[0].ID)
	if no > 1 {
		subject = "one of the orders"
	}
	if err != nil {
		return FormatError(err, "insert orders", subject)
	}
	if inserted != int64(no) {
		return backorder.Exists(subject)
	}
	if len(seqs) != no || len(ids) != n {
		return fmt.Errorf("postgres: insert orders: %d seqs and %d line IDs for %d orders and %d lines", len(seqs), len(ids), no, n)
	}
	for i, o := range os {
		o.Seq = seqs[i]
	}
	for i, l := range lines {
		l.ID = ids[i]
	}
	return nil
}

// ExistingOrders returns which of the given order IDs exist.
func (tx *Tx) ExistingOrders(ctx context.Context, ids []string) (map[string]bool, error) {
	out := make(map[string]bool)
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := tx.tx.Query(ctx, `SELECT id FROM orders WHERE id = ANY($1)`, ids)
	if err != nil {
		return nil, FormatError(err, "existing orders", "")
	}
	found, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, FormatError(err, "existing orders", "")
	}
	for _, id := range found {
		out[id] = true
	}
	return out, nil
}

// Order returns an order with its lines; ENOTFOUND if unknown. Both queries
// go in one round trip.
func (tx *Tx) Order(ctx context.Context, id string) (*backorder.Order, error) {
	b := &pgx.Batch{}
	b.Queue(`SELECT `+orderColumns+` FROM orders o WHERE o.id = $1`, id)
	b.Queue(`SELECT `+lineColumns+` FROM order_lines l WHERE l.order_id = $1 ORDER BY l.line_no, l.id`, id)
	br := tx.tx.SendBatch(ctx, b)
	defer br.Close()
	o := &backorder.Order{}
	if err := br.QueryRow().Scan(orderDest(o)...); err != nil {
		return nil, FormatError(err, "order", fmt.Sprintf("order %q", id))
	}
	rows, err := br.Query()
	if err != nil {
		return nil, FormatError(err, "order", "")
	}
	var l backorder.Line
	if _, err := pgx.ForEachRow(rows, lineDest(&l), func() error {
		c := l
		o.Lines = append(o.Lines, &c)
		return nil
	}); err != nil {
		return nil, FormatError(err, "order", "")
	}
	if err := br.Close(); err != nil {
		return nil, FormatError(err, "order", "")
	}
	return o, nil
}

// ListOrders returns orders with their lines in Seq order after the cursor.
// Each combination of filters is its own statement, so each gets a plan that
// uses its index.
func (tx *Tx) ListOrders(ctx context.Context, f backorder.OrderFilter) ([]*backorder.Order, error) {
	var w where
	w.add("o.seq > ?", f.After)
	if f.CustomerID != "" {
		w.add("o.customer_id = ?", f.CustomerID)
	}
	if f.SKU != "" {
		w.add("EXISTS (SELECT 1 FROM order_lines l WHERE l.order_id = o.id AND l.sku = ?)", f.SKU)
	}
	q := `SELECT ` + orderColumns + ` FROM orders o WHERE ` + w.sql() + ` ORDER BY o.seq LIMIT ` + w.arg(limit(f.Limit))
	var out []*backorder.Order
	var o backorder.Order
	err := collect(ctx, tx.tx, q, w.args, orderDest(&o), func() error {
		c := o
		out = append(out, &c)
		return nil
	})
	if err != nil {
		return nil, FormatError(err, "list orders", "")
	}
	if len(out) == 0 {
		return out, nil
	}
	ids := make([]string, len(out))
	for i, o := range out {
		ids[i] = o.ID
	}
	lines, err := tx.lines(ctx, ids, false)
	if err != nil {
		return nil, err
	}
	for _, o := range out {
		o.Lines = lines[o.ID]
	}
	return out, nil
}

// SetSplitChoice records the customer's split choice; ENOTFOUND if the order
// does not exist.
func (tx *Tx) SetSplitChoice(ctx context.Context, orderID, choice string) error {
	tag, err := tx.tx.Exec(ctx, `UPDATE orders SET split_choice = nullif($2, '') WHERE id = $1`, orderID, choice)
	if err != nil {
		return FormatError(err, "set split choice", fmt.Sprintf("order %q", orderID))
	} else if tag.RowsAffected() == 0 {
		return backorder.NotFound(fmt.Sprintf("order %q", orderID))
	}
	return nil
}

// Lines returns every line of the given orders, by order ID, in line order.
// In a write transaction it locks the lines (see the package comment).
func (tx *Tx) Lines(ctx context.Context, orderIDs []string) (map[string][]*backorder.Line, error) {
	return tx.lines(ctx, orderIDs, tx.write)
}

func (tx *Tx) lines(ctx context.Context, orderIDs []string, lock bool) (map[string][]*backorder.Line, error) {
	out := make(map[string][]*backorder.Line, len(orderIDs))
	if len(orderIDs) == 0 {
		return out, nil
	}
	q := `SELECT ` + lineColumns + ` FROM order_lines l WHERE l.order_id = ANY($1) ORDER BY l.order_id, l.line_no, l.id`
	if lock {
		q += tx.lockRows("l")
	}
	var l backorder.Line
	err := collect(ctx, tx.tx, q, []any{orderIDs}, lineDest(&l), func() error {
		c := l
		out[c.OrderID] = append(out[c.OrderID], &c)
		return nil
	})
	if err != nil {
		return nil, FormatError(err, "lines", "")
	}
	return out, nil
}

// SaveLines writes the quantities of existing lines in one statement;
// ENOTFOUND if a line does not exist. The CHECK constraints refuse a line
// whose quantities do not add up.
func (tx *Tx) SaveLines(ctx context.Context, lines []*backorder.Line) error {
	if len(lines) == 0 {
		return nil
	}
	n := len(lines)
	ids := make([]int64, n)
	alloc := make([]int64, n)
	back := make([]int64, n)
	shipped := make([]int64, n)
	cancelled := make([]int64, n)
	fulfilling := make([]int64, n)
	for i, l := range lines {
		ids[i], alloc[i], back[i], shipped[i], cancelled[i], fulfilling[i] =
			l.ID, l.Allocated, l.Backordered, l.Shipped, l.Cancelled, l.Fulfilling
	}
	tag, err := tx.tx.Exec(ctx, `UPDATE order_lines l
		SET allocated = v.allocated, backordered = v.backordered, shipped = v.shipped,
			cancelled = v.cancelled, fulfilling = v.fulfilling
		FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[])
			AS v (id, allocated, backordered, shipped, cancelled, fulfilling)
		WHERE l.id = v.id`, ids, alloc, back, shipped, cancelled, fulfilling)
	if err != nil {
		return FormatError(err, "save lines", "")
	}
	if got := tag.RowsAffected(); got != int64(n) {
		// A line named twice is updated once; only a shortfall past the
		// duplicates means a missing line.
		uniq := make(map[int64]bool, n)
		for _, id := range ids {
			uniq[id] = true
		}
		if got != int64(len(uniq)) {
			return backorder.NotFound(fmt.Sprintf("%d of %d order lines", int64(len(uniq))-got, len(uniq)))
		}
	}
	return nil
}

// SavePromises writes the promise of existing lines (ETA and
// FirstPromise) in one statement, nothing else; ENOTFOUND if a line does
// not exist.
func (tx *Tx) SavePromises(ctx context.Context, lines []*backorder.Line) error {
	if len(lines) == 0 {
		return nil
	}
	ids := make([]int64, len(lines))
	for i, l := range lines {
		ids[i] = l.ID
	}
	date, basis, po, first := promiseArrays(lines)
	tag, err := tx.tx.Exec(ctx, `UPDATE order_lines l
		SET eta_date = v.eta_date, eta_basis = v.eta_basis, eta_po_id = v.eta_po_id, first_promise = v.first_promise
		FROM unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[], $5::text[])
			AS v (id, eta_date, eta_basis, eta_po_id, first_promise)
		WHERE l.id = v.id`, ids, date, basis, po, first)
	if err != nil {
		return FormatError(err, "save promises", "")
	}
	if tag.RowsAffected() != int64(len(lines)) {
		return backorder.NotFound("order line")
	}
	return nil
}

// Promised counts, per SKU with waiting lines, the waiting lines and units
// and those promised to ship on or before date.
func (tx *Tx) Promised(ctx context.Context, date string) ([]backorder.PromiseCount, error) {
	out := []backorder.PromiseCount{}
	var c backorder.PromiseCount
	err := collect(ctx, tx.tx, `SELECT sku, count(*), sum(backordered)::bigint,
			count(*) FILTER (WHERE eta_date <= $1), coalesce(sum(backordered) FILTER (WHERE eta_date <= $1), 0)::bigint
		FROM order_lines WHERE backordered > 0 GROUP BY sku ORDER BY sku COLLATE "C"`, []any{date},
		[]any{&c.SKU, &c.Lines, &c.Units, &c.LinesBy, &c.UnitsBy}, func() error {
			out = append(out, c)
			return nil
		})
	if err != nil {
		return nil, FormatError(err, "promised", "")
	}
	return out, nil
}

// WaitingOnPurchaseOrders returns the waiting lines promised from the given
// purchase orders, through the partial index order_lines_eta_po.
func (tx *Tx) WaitingOnPurchaseOrders(ctx context.Context, poIDs []int64) ([]backorder.WaitingOnPO, error) {
	out := []backorder.WaitingOnPO{}
	if len(poIDs) == 0 {
		return out, nil
	}
	var w backorder.WaitingOnPO
	err := collect(ctx, tx.tx, `SELECT eta_po_id, order_id, id, sku, backordered, price_cents FROM order_lines
		WHERE eta_basis = 'purchase_order' AND backordered > 0 AND eta_po_id = ANY($1)
		ORDER BY eta_po_id, id`, []any{poIDs},
		[]any{&w.PurchaseOrderID, &w.OrderID, &w.LineID, &w.SKU, &w.Backordered, &w.PriceCents}, func() error {
			out = append(out, w)
			return nil
		})
	if err != nil {
		return nil, FormatError(err, "waiting on purchase orders", "")
	}
	return out, nil
}

// Demand sums the units of a SKU's lines accepted at or after since,
// through the index order_lines_demand.
func (tx *Tx) Demand(ctx context.Context, sku string, since time.Time) (int64, error) {
	var n int64
	err := tx.tx.QueryRow(ctx, `SELECT coalesce(sum(quantity), 0)::bigint FROM order_lines WHERE sku = $1 AND accepted_at >= $2`,
		sku, since).Scan(&n)
	if err != nil {
		return 0, FormatError(err, "demand", "")
	}
	return n, nil
}

// AllLines returns every order line, in ID order.
func (tx *Tx) AllLines(ctx context.Context) ([]*backorder.Line, error) {
	var out []*backorder.Line
	var l backorder.Line
	err := collect(ctx, tx.tx, `SELECT `+lineColumns+` FROM order_lines l ORDER BY l.id`, nil, lineDest(&l), func() error {
		c := l
		out = append(out, &c)
		return nil
	})
	if err != nil {
		return nil, FormatError(err, "all lines", "")
	}
	return out, nil
}

// WaitingLines returns a page of the lines of a SKU with backordered units,
// in FIFO order after the query's cursor, each with its order's header,
// through the partial index order_lines_queue, which holds them in that
// order: the read costs the page, not the queue.
//
// In a write transaction it then locks, and reads again, the lines of the
// page that belong to orders with more than one line (see the package
// comment): only those can be written by a writer that does not hold this
// SKU's lock. The line of a single-line order is written only under its
// SKU's lock, which the caller holds, so locking it again would cost a WAL
// record per row for nothing; a 100,000-line queue is usually made of such
// lines. A line another writer filled meanwhile drops out of the page, which
// may so be shorter than the limit; only an empty page ends the queue.
func (tx *Tx) WaitingLines(ctx context.Context, q backorder.QueueQuery) ([]backorder.QueueEntry, error) {
	for {
		page, last, err := tx.waitingPage(ctx, q)
		// A page whose every line was filled meanwhile is not the end of
		// the queue: read on from its last line.
		if err != nil || len(page) > 0 || last == nil {
			return page, err
		}
		q.After = *last
	}
}

// waitingPage reads one page for WaitingLines; last is the cursor of the
// page's last line before any dropped out, nil for an empty page.
func (tx *Tx) waitingPage(ctx context.Context, q backorder.QueueQuery) ([]backorder.QueueEntry, *backorder.QueueCursor, error) {
	const cols = `SELECT ` + orderColumns + `, ` + lineColumns + `, l.intake_backordered
		FROM order_lines l JOIN orders o ON o.id = l.order_id `
	after := q.After.AcceptedAt // the zero cursor's, year 1, is before every acceptance time
	out := make([]backorder.QueueEntry, 0, q.Limit)
	var o backorder.Order
	var l backorder.Line
	var intake int64
	dest := append(append(orderDest(&o), lineDest(&l)...), &intake)
	var multi []int64 // lines of orders with several lines, to lock
	// A page is read in key order through the index and stops at its
	// limit: a parallel worker only adds its start-up and the merge of its
	// rows. The planner still chose one for a page of 16,384 of 100,000
	// waiting lines (104 ms against 31 ms without, EXPLAIN ANALYZE), so the
	// transaction that fills a queue turns parallel query off, once.
	if !tx.serialPages {
		if _, err := tx.tx.Exec(ctx, `SET LOCAL max_parallel_workers_per_gather = 0`); err != nil {
			return nil, nil, FormatError(err, "waiting lines", "")
		}
		tx.serialPages = true
	}
	err := collect(ctx, tx.tx, cols+`WHERE l.sku = $1 AND l.backordered > 0 AND (l.accepted_at, l.seq, l.id) > ($2, $3, $4)
		ORDER BY l.accepted_at, l.seq, l.id LIMIT $5`, []any{q.SKU, after, q.After.Seq, q.After.LineID, q.Limit}, dest, func() error {
		oc, lc := o, l
		out = append(out, backorder.QueueEntry{Order: &oc, Line: &lc, IntakeBackordered: intake})
		if oc.LineCount != 1 {
			multi = append(multi, lc.ID)
		}
		return nil
	})
	if err != nil {
		return nil, nil, FormatError(err, "waiting lines", "")
	}
	if len(out) == 0 {
		return out, nil, nil
	}
	last := backorder.CursorOf(&out[len(out)-1])
	if !tx.write || len(multi) == 0 {
		return out, &last, nil
	}
	fresh := make(map[int64]backorder.Line, len(multi))
	err = collect(ctx, tx.tx, cols+`WHERE l.id = ANY($1) AND l.backordered > 0 ORDER BY l.id`+tx.lockRows("l"), []any{multi}, dest, func() error {
		fresh[l.ID] = l
		return nil
	})
	if err != nil {
		return nil, nil, FormatError(err, "waiting lines", "")
	}
	kept := out[:0]
	for _, e := range out {
		if e.Order.LineCount != 1 {
			f, ok := fresh[e.Line.ID]
			if !ok {
				continue
			}
			*e.Line = f
		}
		kept = append(kept, e)
	}
	return kept, &last, nil
}

// CustomerBackordered returns, per SKU, the units a customer has waiting.
func (tx *Tx) CustomerBackordered(ctx context.Context, customerID string, skus []string) (map[string]int64, error) {
	out := make(map[string]int64, len(skus))
	if len(skus) == 0 {
		return out, nil
	}
	var sku string
	var n int64
	err := collect(ctx, tx.tx, `SELECT l.sku, sum(l.backordered)::bigint
		FROM orders o JOIN order_lines l ON l.order_id = o.id
		WHERE o.customer_id = $1 AND l.sku = ANY($2) AND l.backordered > 0
		GROUP BY l.sku`, []any{customerID, skus}, []any{&sku, &n}, func() error {
		out[sku] = n
		return nil
	})
	if err != nil {
		return nil, FormatError(err, "customer backordered", "")
	}
	return out, nil
}

// BackorderStats counts the SKU's lines put on backorder at intake at or
// after since, and those of them with any unit cancelled.
func (tx *Tx) BackorderStats(ctx context.Context, sku string, since time.Time) (backorder.BackorderStats, error) {
	var st backorder.BackorderStats
	err := tx.tx.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE l.cancelled > 0)
		FROM movements m JOIN order_lines l ON l.id = m.line_id
		WHERE m.sku = $1 AND m.kind = 'backorder' AND m.at >= $2`, sku, since).Scan(&st.Lines, &st.Cancelled)
	return st, FormatError(err, "backorder stats", "")
}

// SetReleaseDate moves the ship-from date of a SKU's open pre-order units.
func (tx *Tx) SetReleaseDate(ctx context.Context, sku, date string) error {
	if _, err := tx.tx.Exec(ctx, `UPDATE order_lines SET available_from = nullif($2, '')
		WHERE sku = $1 AND available_from IS NOT NULL AND allocated + backordered > 0`, sku, date); err != nil {
		return FormatError(err, "set release date", "")
	}
	return nil
}
