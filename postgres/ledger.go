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

// insertNumbered runs a bulk INSERT whose rows are numbered from the sequence
// seq, in one statement and one round trip whatever the row count, and
// returns the IDs in row order. The CTE ids holds the n new IDs as one array,
// ids.a; insert is an INSERT ... SELECT that takes row g's ID as ids.a[g],
// with g the ordinality of its unnest, and its parameters start at $2. So IDs
// map to rows by position, with neither a join nor any trust in the order
// RETURNING gives rows back. insert may close its CTE and open more
// ("INSERT ...), more AS (INSERT ...") to write child rows that use the same
// IDs in the same statement.
//
// With lock set, the advisory lock that numbers outbox events is taken first,
// in the same round trip.
func (tx *Tx) insertNumbered(ctx context.Context, seq string, n int, lock bool, insert string, args ...any) ([]int64, error) {
	q := `WITH ids AS MATERIALIZED (
			SELECT array_agg(nextval('` + seq + `') ORDER BY g) AS a FROM generate_series(1, $1::int) AS g
		), ins AS (` + insert + `)
		SELECT a FROM ids`
	args = append([]any{n}, args...)
	var ids []int64
	if lock {
		b := &pgx.Batch{}
		b.Queue(`SELECT pg_advisory_xact_lock($1::int, 0)`, lockEvents)
		b.Queue(q, args...)
		br := tx.tx.SendBatch(ctx, b)
		if _, err := br.Exec(); err != nil {
			br.Close()
			return nil, err
		}
		if err := br.QueryRow().Scan(&ids); err != nil {
			br.Close()
			return nil, err
		}
		if err := br.Close(); err != nil {
			return nil, err
		}
	} else if err := tx.tx.QueryRow(ctx, q, args...).Scan(&ids); err != nil {
		return nil, err
	}
	if len(ids) != n {
		return nil, fmt.Errorf("%d IDs for %d rows", len(ids), n)
	}
	return ids, nil
}

// copyThreshold is the row count from which a bulk insert goes by COPY: it
// then costs a round trip more (the IDs are taken first), but PostgreSQL
// writes COPY rows a page at a time, and pgx streams them without building
// one array per column; for 100,000 rows that is about a third faster.
const copyThreshold = 1000

// copyNumbered inserts n rows into table by COPY, numbered from the sequence
// seq, and returns the IDs in row order. row returns row i's values for cols,
// given its ID. With lock set it first takes the advisory lock that numbers
// outbox events.
func (tx *Tx) copyNumbered(ctx context.Context, seq string, n int, lock bool, table string, cols []string, row func(i int, id int64) []any) ([]int64, error) {
	if lock {
		if _, err := tx.tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1::int, 0)`, lockEvents); err != nil {
			return nil, err
		}
	}
	ids, err := tx.nextIDs(ctx, seq, n)
	if err != nil {
		return nil, err
	}
	got, err := tx.tx.CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromSlice(n, func(i int) ([]any, error) {
		return row(i, ids[i]), nil
	}))
	if err != nil {
		return nil, err
	}
	if got != int64(n) {
		return nil, fmt.Errorf("copied %d of %d rows into %s", got, n, table)
	}
	return ids, nil
}

// nullInt stores 0 as NULL, for optional references such as a movement's line.
func nullInt(v int64) any {
	if v == 0 {
		return nil
	}
	return v
}

// AppendMovements adds movements to the history, setting their IDs in slice
// order: one INSERT statement for a few, COPY for many, never a round trip
// per row.
func (tx *Tx) AppendMovements(ctx context.Context, ms []backorder.Movement) error {
	if len(ms) == 0 {
		return nil
	}
	n := len(ms)
	var ids []int64
	var err error
	if n >= copyThreshold {
		ids, err = tx.copyNumbered(ctx, "movements_id_seq", n, false, "movements",
			[]string{"id", "at", "kind", "sku", "quantity", "order_id", "line_id", "reason", "reference", "cause_id"},
			func(i int, id int64) []any {
				m := &ms[i]
				return []any{id, m.At, m.Kind, m.SKU, m.Quantity, nullStr(m.OrderID), nullInt(m.LineID), nullStr(m.Reason), nullStr(m.Reference), nullInt(m.CauseID)}
			})
	} else {
		ids, err = tx.insertNumbered(ctx, "movements_id_seq", n, false,
			`INSERT INTO movements (id, at, kind, sku, quantity, order_id, line_id, reason, reference, cause_id)
			SELECT ids.a[u.g], u.at, u.kind, u.sku, u.quantity, nullif(u.order_id, ''), nullif(u.line_id, 0),
				nullif(u.reason, ''), nullif(u.reference, ''), nullif(u.cause_id, 0)
			FROM ids CROSS JOIN unnest($2::timestamptz[], $3::text[], $4::text[], $5::bigint[], $6::text[], $7::bigint[], $8::text[], $9::text[], $10::bigint[])
				WITH ORDINALITY AS u (at, kind, sku, quantity, order_id, line_id, reason, reference, cause_id, g)`,
			movementArrays(ms)...)
	}
	if err != nil {
		return FormatError(err, "append movements", "")
	}
	for i := range ms {
		ms[i].ID = ids[i]
	}
	return nil
}

// movementArrays returns the columns of ms as arrays, for unnest.
func movementArrays(ms []backorder.Movement) []any {
	n := len(ms)
	at := make([]time.Time, n)
	kind := make([]string, n)
	sku := make([]string, n)
	qty := make([]int64, n)
	order := make([]string, n)
	line := make([]int64, n)
	reason := make([]string, n)
	ref := make([]string, n)
	cause := make([]int64, n)
	for i := range ms {
		m := &ms[i]
		at[i], kind[i], sku[i], qty[i], order[i], line[i], reason[i], ref[i], cause[i] =
			m.At, m.Kind, m.SKU, m.Quantity, m.OrderID, m.LineID, m.Reason, m.Reference, m.CauseID
	}
	return []any{at, kind, sku, qty, order, line, reason, ref, cause}
}

// Movements returns movements in ID order after the filter's cursor. Each
// combination of filters is its own statement, so each gets a plan that
// uses its index.
func (tx *Tx) Movements(ctx context.Context, f backorder.MovementFilter) ([]backorder.Movement, error) {
	var w where
	w.add("id > ?", f.After)
	if f.SKU != "" {
		w.add("sku = ?", f.SKU)
	}
	if f.OrderID != "" {
		w.add("order_id = ?", f.OrderID)
	}
	if f.Kind != "" {
		w.add("kind = ?", f.Kind)
	}
	if f.CauseID != 0 {
		w.add("cause_id = ?", f.CauseID)
	}
	q := `SELECT id, at, kind, sku, quantity, coalesce(order_id, ''), coalesce(line_id, 0),
		coalesce(reason, ''), coalesce(reference, ''), coalesce(cause_id, 0)
		FROM movements WHERE ` + w.sql() + ` ORDER BY id LIMIT ` + w.arg(limit(f.Limit))
	var out []backorder.Movement
	var m backorder.Movement
	err := collect(ctx, tx.tx, q, w.args,
		[]any{&m.ID, &m.At, &m.Kind, &m.SKU, &m.Quantity, &m.OrderID, &m.LineID, &m.Reason, &m.Reference, &m.CauseID},
		func() error {
			out = append(out, m)
			return nil
		})
	if err != nil {
		return nil, FormatError(err, "movements", "")
	}
	return out, nil
}

// AppendEvents adds outbox events, setting their IDs in slice order: one
// INSERT statement for a few, COPY for many.
//
// It first takes a transaction-level advisory lock, held until commit, so
// transactions number their events one after another and commit them in ID
// order: a reader of the outbox that has read every event up to ID n can never later see
// a smaller ID appear. Writers reach it after their SKU locks, so it makes no
// cycle with them; a cycle with a line lock (see the package comment) ends
// in deadlock_detected and a retry.
func (tx *Tx) AppendEvents(ctx context.Context, es []backorder.Event) error {
	if len(es) == 0 {
		return nil
	}
	n := len(es)
	var ids []int64
	var err error
	if n >= copyThreshold {
		ids, err = tx.copyNumbered(ctx, "events_id_seq", n, true, "events",
			[]string{"id", "at", "kind", "order_id", "sku", "payload"},
			func(i int, id int64) []any {
				e := &es[i]
				var payload any
				if len(e.Payload) > 0 {
					payload = []byte(e.Payload)
				}
				return []any{id, e.At, e.Kind, nullStr(e.OrderID), nullStr(e.SKU), payload}
			})
	} else {
		at := make([]time.Time, n)
		kind := make([]string, n)
		order := make([]string, n)
		sku := make([]string, n)
		payload := make([]string, n)
		for i := range es {
			e := &es[i]
			at[i], kind[i], order[i], sku[i], payload[i] = e.At, e.Kind, e.OrderID, e.SKU, string(e.Payload)
		}
		ids, err = tx.insertNumbered(ctx, "events_id_seq", n, true,
			`INSERT INTO events (id, at, kind, order_id, sku, payload)
			SELECT ids.a[u.g], u.at, u.kind, nullif(u.order_id, ''), nullif(u.sku, ''), nullif(u.payload, '')::json
			FROM ids CROSS JOIN unnest($2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[])
				WITH ORDINALITY AS u (at, kind, order_id, sku, payload, g)`,
			at, kind, order, sku, payload)
	}
	if err != nil {
		return FormatError(err, "append events", "")
	}
	for i := range es {
		es[i].ID = ids[i]
	}
	return nil
}

// Events returns outbox events after the given ID, oldest first; limit 0
// means 100, and at most 1000 are returned.
func (tx *Tx) Events(ctx context.Context, after int64, n int) ([]backorder.Event, error) {
	var out []backorder.Event
	var e backorder.Event
	var payload []byte
	err := collect(ctx, tx.tx, `SELECT id, at, kind, coalesce(order_id, ''), coalesce(sku, ''), payload
		FROM events WHERE id > $1 ORDER BY id LIMIT $2`, []any{after, limit(n)},
		[]any{&e.ID, &e.At, &e.Kind, &e.OrderID, &e.SKU, &payload}, func() error {
			c := e
			if payload != nil {
				c.Payload = append([]byte(nil), payload...)
			}
			out = append(out, c)
			return nil
		})
	if err != nil {
		return nil, FormatError(err, "events", "")
	}
	return out, nil
}

// InsertLostDemand records refused order lines in one statement. It leaves
// their IDs unset (the store contract allows it): nothing reads lost demand
// by ID before it is listed.
func (tx *Tx) InsertLostDemand(ctx context.Context, ls []backorder.LostDemand) error {
	if len(ls) == 0 {
		return nil
	}
	n := len(ls)
	at := make([]time.Time, n)
	order := make([]string, n)
	customer := make([]string, n)
	sku := make([]string, n)
	qty := make([]int64, n)
	value := make([]int64, n)
	currency := make([]string, n)
	rule := make([]string, n)
	for i := range ls {
		l := &ls[i]
		at[i], order[i], customer[i], sku[i], qty[i], value[i], currency[i], rule[i] =
			l.At, l.OrderID, l.CustomerID, l.SKU, l.Quantity, l.ValueCents, l.Currency, l.Rule
	}
	_, err := tx.tx.Exec(ctx, `INSERT INTO lost_demand (at, order_id, customer_id, sku, quantity, value_cents, currency, rule)
		SELECT * FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::bigint[], $7::text[], $8::text[])`,
		at, order, customer, sku, qty, value, currency, rule)
	return FormatError(err, "insert lost demand", "")
}

// ListLostDemand returns a page of lost demand in ID order, recorded at or
// after f.Since.
func (tx *Tx) ListLostDemand(ctx context.Context, f backorder.LostDemandFilter) ([]backorder.LostDemand, error) {
	var out []backorder.LostDemand
	var l backorder.LostDemand
	err := collect(ctx, tx.tx, `SELECT id, at, order_id, customer_id, sku, quantity, value_cents, currency, rule
		FROM lost_demand WHERE id > $1 AND at >= $2 ORDER BY id LIMIT $3`, []any{f.After, f.Since, limit(f.Limit)},
		[]any{&l.ID, &l.At, &l.OrderID, &l.CustomerID, &l.SKU, &l.Quantity, &l.ValueCents, &l.Currency, &l.Rule},
		func() error {
			out = append(out, l)
			return nil
		})
	if err != nil {
		return nil, FormatError(err, "list lost demand", "")
	}
	return out, nil
}

// LedgerSums sums the history per SKU, line, kind and allocation reason, in
// one pass over it (GROUP BY).
func (tx *Tx) LedgerSums(ctx context.Context) ([]backorder.LedgerSum, error) {
	var out []backorder.LedgerSum
	var m backorder.LedgerSum
	err := collect(ctx, tx.tx, `SELECT sku, coalesce(line_id, 0), kind,
			CASE WHEN kind = 'allocate' THEN coalesce(reason, '') ELSE '' END, sum(quantity)::bigint
		FROM movements GROUP BY 1, 2, 3, 4`, nil,
		[]any{&m.SKU, &m.LineID, &m.Kind, &m.Reason, &m.Quantity}, func() error {
			out = append(out, m)
			return nil
		})
	if err != nil {
		return nil, FormatError(err, "ledger sums", "")
	}
	return out, nil
}

// where builds the conditions of a listing with numbered parameters.
type where struct {
	conds []string
	args  []any
}

// add appends a condition whose one "?" stands for v.
func (w *where) add(cond string, v any) {
	w.conds = append(w.conds, strings.Replace(cond, "?", w.arg(v), 1))
}

// arg appends v and returns its placeholder.
func (w *where) arg(v any) string {
	w.args = append(w.args, v)
	return "$" + strconv.Itoa(len(w.args))
}

func (w *where) sql() string {
	if len(w.conds) == 0 {
		return "true"
	}
	return strings.Join(w.conds, " AND ")
}
