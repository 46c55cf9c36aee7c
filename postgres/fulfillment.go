package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/backorder/backorder"
)

const fulfillmentColumns = `f.id, f.order_id, f.state, coalesce(f.hold_until, ''), f.created_at, f.shipped_at,
	coalesce(f.carrier, ''), coalesce(f.tracking, ''), coalesce(f.estimated_delivery, ''),
	coalesce(f.hold_reason, ''), coalesce(f.split_from, 0)`

func fulfillmentDest(f *backorder.Fulfillment) []any {
	return []any{&f.ID, &f.OrderID, &f.State, &f.HoldUntil, &f.CreatedAt, &f.ShippedAt,
		&f.Carrier, &f.Tracking, &f.EstimatedDelivery, &f.HoldReason, &f.SplitFrom}
}

// InsertFulfillments stores new fulfillment requests and their lines,
// setting their IDs in slice order: one INSERT statement for a few, COPY for
// many. Lines of quantity 0 are dropped, as SaveFulfillment drops them.
func (tx *Tx) InsertFulfillments(ctx context.Context, fs []*backorder.Fulfillment) error {
	if len(fs) == 0 {
		return nil
	}
	n := len(fs)
	var ids []int64
	var err error
	if n >= copyThreshold {
		ids, err = tx.copyFulfillments(ctx, fs)
	} else {
		ids, err = tx.insertFulfillments(ctx, fs)
	}
	if err != nil {
		return FormatError(err, "insert fulfillments", "")
	}
	for i, f := range fs {
		f.ID = ids[i]
	}
	return nil
}

// insertFulfillments writes fs and their lines with one INSERT statement.
func (tx *Tx) insertFulfillments(ctx context.Context, fs []*backorder.Fulfillment) ([]int64, error) {
	n := len(fs)
	order := make([]string, n)
	state := make([]string, n)
	hold := make([]string, n)
	created := make([]time.Time, n)
	shipped := make([]*time.Time, n)
	carrier := make([]string, n)
	tracking := make([]string, n)
	delivery := make([]string, n)
	var lf []int32 // the fulfillment of each line, by position (1-based)
	var lineID, qty []int64
	var sku []string
	for i, f := range fs {
		order[i], state[i], hold[i], created[i], shipped[i] = f.OrderID, f.State, f.HoldUntil, f.CreatedAt, f.ShippedAt
		carrier[i], tracking[i], delivery[i] = f.Carrier, f.Tracking, f.EstimatedDelivery
		for _, l := range f.Lines {
			lf = append(lf, int32(i+1))
			lineID = append(lineID, l.LineID)
			sku = append(sku, l.SKU)
			qty = append(qty, l.Quantity)
		}
	}
	return tx.insertNumbered(ctx, "fulfillments_id_seq", n, false,
		`INSERT INTO fulfillments (id, order_id, state, hold_until, created_at, shipped_at,
			carrier, tracking, estimated_delivery)
		SELECT ids.a[u.g], u.order_id, u.state, nullif(u.hold_until, ''), u.created_at, u.shipped_at,
			nullif(u.carrier, ''), nullif(u.tracking, ''), nullif(u.estimated_delivery, '')
		FROM ids CROSS JOIN unnest($2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::timestamptz[],
			$7::text[], $8::text[], $9::text[])
			WITH ORDINALITY AS u (order_id, state, hold_until, created_at, shipped_at,
				carrier, tracking, estimated_delivery, g)
		), lines AS (
		INSERT INTO fulfillment_lines (fulfillment_id, line_id, sku, quantity)
		SELECT ids.a[v.g], v.line_id, v.sku, v.quantity
		FROM ids CROSS JOIN unnest($10::int[], $11::bigint[], $12::text[], $13::bigint[]) AS v (g, line_id, sku, quantity)`,
		order, state, hold, created, shipped, carrier, tracking, delivery, lf, lineID, sku, qty)
}

// copyFulfillments writes fs and their lines by COPY, for large counts.
func (tx *Tx) copyFulfillments(ctx context.Context, fs []*backorder.Fulfillment) ([]int64, error) {
	ids, err := tx.copyNumbered(ctx, "fulfillments_id_seq", len(fs), false, "fulfillments",
		[]string{"id", "order_id", "state", "hold_until", "created_at", "shipped_at", "carrier", "tracking", "estimated_delivery"},
		func(i int, id int64) []any {
			f := fs[i]
			return []any{id, f.OrderID, f.State, nullStr(f.HoldUntil), f.CreatedAt, f.ShippedAt,
				nullStr(f.Carrier), nullStr(f.Tracking), nullStr(f.EstimatedDelivery)}
		})
	if err != nil {
		return nil, err
	}
	type ref struct{ f, l int }
	var lines []ref
	for i, f := range fs {
		for j := range f.Lines {
			lines = append(lines, ref{i, j})
		}
	}
	_, err = tx.tx.CopyFrom(ctx, pgx.Identifier{"fulfillment_lines"}, []string{"fulfillment_id", "line_id", "sku", "quantity"},
		pgx.CopyFromSlice(len(lines), func(k int) ([]any, error) {
			r := lines[k]
			l := &fs[r.f].Lines[r.l]
			return []any{ids[r.f], l.LineID, l.SKU, l.Quantity}, nil
		}))
	if err != nil {
		return nil, err
	}
	return ids, nil
}

// Fulfillment returns one fulfillment with its lines; ENOTFOUND if unknown.
// Both queries go in one round trip.
func (tx *Tx) Fulfillment(ctx context.Context, id int64) (*backorder.Fulfillment, error) {
	b := &pgx.Batch{}
	b.Queue(`SELECT `+fulfillmentColumns+` FROM fulfillments f WHERE f.id = $1`, id)
	b.Queue(`SELECT line_id, sku, quantity FROM fulfillment_lines WHERE fulfillment_id = $1 ORDER BY line_id`, id)
	br := tx.tx.SendBatch(ctx, b)
	defer br.Close()
	f := &backorder.Fulfillment{}
	if err := br.QueryRow().Scan(fulfillmentDest(f)...); err != nil {
		return nil, FormatError(err, "fulfillment", fmt.Sprintf("fulfillment %d", id))
	}
	rows, err := br.Query()
	if err != nil {
		return nil, FormatError(err, "fulfillment", "")
	}
	f.Lines = []backorder.FulfillmentLine{}
	var l backorder.FulfillmentLine
	if _, err := pgx.ForEachRow(rows, []any{&l.LineID, &l.SKU, &l.Quantity}, func() error {
		f.Lines = append(f.Lines, l)
		return nil
	}); err != nil {
		return nil, FormatError(err, "fulfillment", "")
	}
	if err := br.Close(); err != nil {
		return nil, FormatError(err, "fulfillment", "")
	}
	return f, nil
}

// ListFulfillments returns fulfillments with their lines in ID order after
// the cursor. Status is a wire status: ready is an open request whose hold
// date is unset or not after Today, held one whose hold date is after Today.
func (tx *Tx) ListFulfillments(ctx context.Context, ff backorder.FulfillmentQuery) ([]*backorder.Fulfillment, error) {
	var w where
	w.add("f.id > ?", ff.After)
	for _, c := range []struct {
		cond, arg string
	}{
		{"f.order_id = ?", ff.OrderID},
		// Paging through a SKU's requests reads the lines from the cursor
		// on ($1, repeated for the lines so their key scan starts there),
		// not every line again per page.
		{"EXISTS (SELECT 1 FROM fulfillment_lines fl WHERE fl.fulfillment_id = f.id AND fl.fulfillment_id > $1 AND fl.sku = ?)", ff.SKU},
		{"f.state = ?", ff.State},
		{"(f.hold_until IS NULL OR f.hold_until <= ?) AND f.hold_reason IS NULL", ff.HeldThrough},
		{"(f.hold_until > ? OR f.hold_reason IS NOT NULL)", ff.HeldAfter},
	} {
		if c.arg != "" {
			w.add(c.cond, c.arg)
		}
	}
	q := `SELECT ` + fulfillmentColumns + ` FROM fulfillments f WHERE ` + w.sql() + ` ORDER BY f.id LIMIT ` + w.arg(limit(ff.Limit))
	var out []*backorder.Fulfillment
	byID := map[int64]*backorder.Fulfillment{}
	var f backorder.Fulfillment
	err := collect(ctx, tx.tx, q, w.args, fulfillmentDest(&f), func() error {
		c := f
		c.Lines = []backorder.FulfillmentLine{}
		out = append(out, &c)
		byID[c.ID] = &c
		return nil
	})
	if err != nil {
		return nil, FormatError(err, "list fulfillments", "")
	}
	if len(out) == 0 {
		return out, nil
	}
	ids := make([]int64, len(out))
	for i, f := range out {
		ids[i] = f.ID
	}
	var fid int64
	var l backorder.FulfillmentLine
	err = collect(ctx, tx.tx, `SELECT fulfillment_id, line_id, sku, quantity FROM fulfillment_lines
		WHERE fulfillment_id = ANY($1) ORDER BY fulfillment_id, line_id`, []any{ids},
		[]any{&fid, &l.LineID, &l.SKU, &l.Quantity}, func() error {
			f := byID[fid]
			f.Lines = append(f.Lines, l)
			return nil
		})
	if err != nil {
		return nil, FormatError(err, "list fulfillments", "")
	}
	return out, nil
}

// SaveFulfillment writes a fulfillment's state, shipment details and lines
// in one statement: lines of quantity 0 are dropped, the others replace the
// stored ones. ENOTFOUND if the fulfillment does not exist.
func (tx *Tx) SaveFulfillment(ctx context.Context, f *backorder.Fulfillment) error {
	lineID := make([]int64, len(f.Lines))
	qty := make([]int64, len(f.Lines))
	sku := make([]string, len(f.Lines))
	for i, l := range f.Lines {
		lineID[i], sku[i], qty[i] = l.LineID, l.SKU, l.Quantity
	}
	// The DELETE and the upsert touch different rows, so they may run in
	// one statement, which sees one snapshot.
	var found int64
	err := tx.tx.QueryRow(ctx, `WITH f AS (
			UPDATE fulfillments SET state = $2, hold_until = nullif($3, ''), shipped_at = $4,
				carrier = nullif($5, ''), tracking = nullif($6, ''), estimated_delivery = nullif($7, '')
			WHERE id = $1
			RETURNING id
		), v AS (
			SELECT * FROM unnest($8::bigint[], $9::text[], $10::bigint[]) AS v (line_id, sku, quantity)
		), d AS (
			DELETE FROM fulfillment_lines fl USING f
			WHERE fl.fulfillment_id = f.id AND fl.line_id NOT IN (SELECT line_id FROM v)
		), i AS (
			INSERT INTO fulfillment_lines (fulfillment_id, line_id, sku, quantity)
			SELECT f.id, v.line_id, v.sku, v.quantity FROM f CROSS JOIN v
			ON CONFLICT (fulfillment_id, line_id) DO UPDATE SET sku = excluded.sku, quantity = excluded.quantity
		)
		SELECT count(*) FROM f`,
		f.ID, f.State, f.HoldUntil, f.ShippedAt, f.Carrier, f.Tracking, f.EstimatedDelivery, lineID, sku, qty,
	).Scan(&found)
	if err != nil {
		return FormatError(err, "save fulfillment", fmt.Sprintf("fulfillment %d", f.ID))
	} else if found == 0 {
		return backorder.NotFound(fmt.Sprintf("fulfillment %d", f.ID))
	}
	return nil
}

// OpenRequests returns, per line, the units in open fulfillment requests.
func (tx *Tx) OpenRequests(ctx context.Context) (map[int64]int64, error) {
	out := map[int64]int64{}
	var line, n int64
	err := collect(ctx, tx.tx, `SELECT fl.line_id, sum(fl.quantity)::bigint
		FROM fulfillment_lines fl JOIN fulfillments f ON f.id = fl.fulfillment_id
		WHERE f.state = 'open'
		GROUP BY fl.line_id`, nil, []any{&line, &n}, func() error {
		out[line] = n
		return nil
	})
	if err != nil {
		return nil, FormatError(err, "open requests", "")
	}
	return out, nil
}

// SaveHolds writes the hold dates of existing fulfillments.
func (tx *Tx) SaveHolds(ctx context.Context, fs []*backorder.Fulfillment) error {
	if len(fs) == 0 {
		return nil
	}
	ids := make([]int64, len(fs))
	holds := make([]string, len(fs))
	for i, f := range fs {
		ids[i], holds[i] = f.ID, f.HoldUntil
	}
	tag, err := tx.tx.Exec(ctx, `UPDATE fulfillments f SET hold_until = nullif(v.hold, '')
		FROM unnest($1::bigint[], $2::text[]) AS v (id, hold) WHERE f.id = v.id`, ids, holds)
	if err != nil {
		return FormatError(err, "save holds", "")
	} else if n := tag.RowsAffected(); n != int64(len(fs)) {
		return backorder.NotFound(fmt.Sprintf("%d of %d fulfillments", int64(len(fs))-n, len(fs)))
	}
	return nil
}
