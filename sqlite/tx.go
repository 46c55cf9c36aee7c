package sqlite

import (
	"context"
	"database/sql"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math/bits"
	"strconv"
	"strings"
	"sync"

	"github.com/backorder/backorder"
)

var _ backorder.Tx = (*Tx)(nil)

// Tx is one SQLite transaction. It is not safe for concurrent use, as
// database/sql transactions are not.
type Tx struct {
	tx *sql.Tx
	// stmts holds the statements prepared in this transaction, by SQL text.
	// A group commit runs the same few statements for many requests, and a
	// bulk write runs the same multi-row statement for every chunk, so each is
	// prepared once per transaction rather than once per use.
	stmts map[string]*sql.Stmt
	// cache keeps statements across transactions of one pool (the write
	// connection, or the read connections); missed are the statements this
	// transaction prepared that it lacked.
	cache  *stmtCache
	missed []string
	// lastIDs holds, per table, the largest ID handed out in this
	// transaction (see reserve).
	lastIDs map[string]int64
}

func newTx(tx *sql.Tx, cache *stmtCache) *Tx {
	return &Tx{tx: tx, stmts: map[string]*sql.Stmt{}, cache: cache}
}

// Commit commits the transaction; once it returns, the data is on disk.
func (tx *Tx) Commit() error {
	err := tx.tx.Commit()
	tx.warm()
	if err != nil {
		return fmt.Errorf("sqlite: commit: %w", err)
	}
	return nil
}

// Rollback discards the transaction. Rolling back a transaction that has
// already ended does nothing, so a deferred Rollback after Commit is harmless.
func (tx *Tx) Rollback() error {
	err := tx.tx.Rollback()
	tx.warm()
	if err != nil && !errors.Is(err, sql.ErrTxDone) {
		return fmt.Errorf("sqlite: rollback: %w", err)
	}
	return nil
}

// warm hands the statements this transaction lacked to the cache, now that
// the connection is free to prepare them.
func (tx *Tx) warm() {
	if tx.cache != nil && len(tx.missed) > 0 {
		tx.cache.add(tx.missed)
		tx.missed = nil
	}
}

// Savepoint starts a savepoint named name.
func (tx *Tx) Savepoint(ctx context.Context, name string) error {
	return tx.savepoint(ctx, "SAVEPOINT ", name)
}

// RollbackTo discards what was done since the savepoint; the savepoint stays.
func (tx *Tx) RollbackTo(ctx context.Context, name string) error {
	return tx.savepoint(ctx, "ROLLBACK TO ", name)
}

// Release keeps what was done since the savepoint and ends it.
func (tx *Tx) Release(ctx context.Context, name string) error {
	return tx.savepoint(ctx, "RELEASE ", name)
}

func (tx *Tx) savepoint(ctx context.Context, verb, name string) error {
	if name == "" {
		return fmt.Errorf("sqlite: %s: empty savepoint name", strings.ToLower(strings.TrimSpace(verb)))
	}
	if _, err := tx.tx.ExecContext(ctx, verb+quoteIdent(name)); err != nil {
		return fmt.Errorf("sqlite: %s%s: %w", strings.ToLower(verb), name, err)
	}
	return nil
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// LockSKUs does nothing: the single write connection and BEGIN IMMEDIATE
// already serialize every write transaction.
func (tx *Tx) LockSKUs(ctx context.Context, skus []string) error { return nil }

// prepare returns the transaction's prepared statement for query.
func (tx *Tx) prepare(ctx context.Context, query string) (*sql.Stmt, error) {
	if s := tx.stmts[query]; s != nil {
		return s, nil
	}
	if tx.cache != nil {
		if cs := tx.cache.get(query); cs != nil {
			s := tx.tx.StmtContext(ctx, cs)
			tx.stmts[query] = s
			return s, nil
		}
	}
	s, err := tx.tx.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	tx.stmts[query] = s
	if tx.cache != nil {
		tx.missed = append(tx.missed, query)
	}
	return s, nil
}

func (tx *Tx) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	s, err := tx.prepare(ctx, query)
	if err != nil {
		return nil, err
	}
	return s.ExecContext(ctx, args...)
}

func (tx *Tx) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	s, err := tx.prepare(ctx, query)
	if err != nil {
		return nil, err
	}
	return s.QueryContext(ctx, args...)
}

func (tx *Tx) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	s, err := tx.prepare(ctx, query)
	if err != nil {
		// sql.Row cannot carry an error of ours: let the transaction report it.
		return tx.tx.QueryRowContext(ctx, query, args...)
	}
	return s.QueryRowContext(ctx, args...)
}

// maxParams is SQLite's bound on the parameters of one statement.
const maxParams = 32766

// maxBatchRows bounds the rows of one multi-row statement. Past a few hundred
// rows a longer statement saves nothing and costs more to compile.
const maxBatchRows = 1000

// execBatch runs a statement over n rows in chunks, each chunk one execution
// with the rows' values as parameters, and returns the rows affected. build
// returns the statement for a chunk given its VALUES list; row appends row
// i's width values to args.
//
// Each bound value costs a few calls into SQLite, each taking the
// connection's mutex, and those calls, not SQLite's own work, dominated the
// cost of writing 100,000 rows one value at a time. So a column whose value
// is the same in every row (the SKU, the time, the kind of an allocation
// run's movements) is bound once per chunk and referred to by number from
// every row, and a column that counts up by one (the IDs a bulk insert
// assigns) is bound once per chunk as its first value, each row adding its
// offset.
func (tx *Tx) execBatch(ctx context.Context, width, n int, build func(values string) string, row func(i int, args []any) []any) (int64, error) {
	if n == 0 {
		return 0, nil
	}
	all := make([]any, 0, n*width)
	for i := range n {
		all = row(i, all)
		if len(all) != (i+1)*width {
			return 0, fmt.Errorf("batch: row %d has %d values, want %d", i, len(all)-i*width, width)
		}
	}
	cols := make([]batchColumn, width)
	k := 0 // parameters bound once per chunk
	for c := range width {
		switch {
		case constantColumn(all, width, c):
			cols[c].kind = columnConstant
		case sequenceColumn(all, width, c):
			cols[c].kind = columnSequence
		default:
			continue
		}
		k++
		cols[c].param = k
	}
	varying := width - k
	per := maxBatchRows
	if varying > 0 {
		per = min(per, (maxParams-k)/varying)
	}
	args := make([]any, 0, k+min(per, n)*varying)
	var affected int64
	for start := 0; start < n; {
		// Full chunks, then the rest in chunks of powers of two: a few
		// statement shapes, each prepared once and kept (stmtCache), rather
		// than a new statement for every batch size.
		size := per
		if rest := n - start; rest < per {
			size = 1 << (bits.Len(uint(rest)) - 1)
		}
		end := start + size
		args = args[:0]
		for c := range cols {
			if cols[c].kind != columnVarying {
				args = append(args, all[start*width+c])
			}
		}
		for i := start; i < end; i++ {
			for c, v := range all[i*width : (i+1)*width] {
				if cols[c].kind == columnVarying {
					args = append(args, v)
				}
			}
		}
		res, err := tx.exec(ctx, build(keptValuesList(cols, k, end-start)), args...)
		if err != nil {
			return affected, err
		}
		if c, err := res.RowsAffected(); err == nil {
			affected += c
		}
		start = end
	}
	return affected, nil
}

// batchColumn is how execBatch binds one column.
type batchColumn struct {
	kind  int
	param int // the parameter of a constant or sequence column
}

const (
	columnVarying  = iota // one parameter per row
	columnConstant        // one parameter per chunk, the same in every row
	columnSequence        // one parameter per chunk, the first row's value; row r adds r
)

// constantColumn reports whether column c holds the same value in every row.
func constantColumn(all []any, width, c int) bool {
	v := all[c]
	switch v.(type) {
	case nil, int64, string:
	default:
		return false // []byte and others are not comparable with ==
	}
	for i := c + width; i < len(all); i += width {
		if all[i] != v {
			return false
		}
	}
	return true
}

// sequenceColumn reports whether column c holds integers that count up by one.
func sequenceColumn(all []any, width, c int) bool {
	first, ok := all[c].(int64)
	if !ok {
		return false
	}
	for i, r := c+width, int64(1); i < len(all); i, r = i+width, r+1 {
		if v, ok := all[i].(int64); !ok || v != first+r {
			return false
		}
	}
	return true
}

// valuesLists keeps the VALUES lists execBatch has made, by shape (the
// columns' kinds and parameters, and the row count). A batch is a few shapes
// used over and over (full chunks, and powers of two for the rest), and
// writing a 1,000-row list afresh for every chunk was a quarter of
// execBatch's own time outside SQLite in a 100,000-line receipt.
var valuesLists = struct {
	sync.Mutex
	m map[string]string
}{m: map[string]string{}}

// maxValuesLists bounds valuesLists; past it, lists are made and not kept.
const maxValuesLists = 512

// keptValuesList returns valuesList(cols, k, rows), kept in valuesLists.
func keptValuesList(cols []batchColumn, k, rows int) string {
	key := make([]byte, 0, 2*len(cols)+8)
	key = binary.AppendUvarint(key, uint64(k))
	key = binary.AppendUvarint(key, uint64(rows))
	for _, c := range cols {
		key = binary.AppendUvarint(key, uint64(c.kind))
		key = binary.AppendUvarint(key, uint64(c.param))
	}
	valuesLists.Lock()
	list, ok := valuesLists.m[string(key)]
	valuesLists.Unlock()
	if ok {
		return list
	}
	list = valuesList(cols, k, rows)
	valuesLists.Lock()
	if len(valuesLists.m) < maxValuesLists {
		valuesLists.m[string(key)] = list
	}
	valuesLists.Unlock()
	return list
}

// valuesList returns the VALUES list of rows rows, such as
// "(?1,?2,?3),(?1+1,?2,?)": constant and sequence columns use their
// parameter (a sequence adding the row's offset), and varying columns take
// numbers after the k parameters of those.
func valuesList(cols []batchColumn, k, rows int) string {
	var b strings.Builder
	b.Grow(rows * len(cols) * 7)
	next := k + 1
	for r := range rows {
		if r > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('(')
		for c, col := range cols {
			if c > 0 {
				b.WriteByte(',')
			}
			b.WriteByte('?')
			switch col.kind {
			case columnVarying:
				// Only the first varying parameter is numbered: a bare "?"
				// takes the number after the largest so far, and SQLite
				// looks a numbered parameter's name up by a linear search,
				// which the driver does for every parameter it binds.
				if next == k+1 {
					b.WriteString(strconv.Itoa(next))
				}
				next++
			case columnConstant:
				b.WriteString(strconv.Itoa(col.param))
			case columnSequence:
				b.WriteString(strconv.Itoa(col.param))
				if r > 0 {
					b.WriteByte('+')
					b.WriteString(strconv.Itoa(r))
				}
			}
		}
		b.WriteByte(')')
	}
	return b.String()
}

// insertBuilder returns the build function of a multi-row INSERT.
func insertBuilder(table string, cols []string) func(string) string {
	head := "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES "
	return func(values string) string { return head + values }
}

// nextID returns the last ID used in table, so that a bulk insert can number
// its rows itself: the write connection is exclusive, so nobody else takes an
// ID meanwhile. For an AUTOINCREMENT table it also counts IDs of rows since
// deleted, which SQLite never hands out again.
func (tx *Tx) nextID(ctx context.Context, table string, autoincrement bool, n int) (int64, error) {
	q := "SELECT COALESCE(MAX(id), 0) FROM " + table
	if autoincrement {
		q = "SELECT max(COALESCE((SELECT MAX(id) FROM " + table + "), 0), COALESCE((SELECT seq FROM sqlite_sequence WHERE name = '" + table + "'), 0))"
	}
	return tx.reserve(ctx, table, q, n)
}

// reserve returns the largest ID in use under key and counts n more as used.
// The largest is read once per transaction, with query; after that it is
// counted in memory, because the write connection is exclusive for the whole
// transaction. IDs of rows rolled back to a savepoint are skipped, never
// handed out twice, so gaps are possible and duplicates are not.
func (tx *Tx) reserve(ctx context.Context, key, query string, n int) (int64, error) {
	last, ok := tx.lastIDs[key]
	if !ok {
		if err := tx.queryRow(ctx, query).Scan(&last); err != nil {
			return 0, err
		}
	}
	if tx.lastIDs == nil {
		tx.lastIDs = map[string]int64{}
	}
	tx.lastIDs[key] = last + int64(n)
	return last, nil
}

// jsonList encodes a list of keys as a JSON array, to pass a whole list as
// one parameter: `IN (SELECT value FROM json_each(?))` needs one statement for
// any length.
func jsonList[T any](vs []T) string {
	b, err := json.Marshal(vs)
	if err != nil {
		// A slice of strings or integers always encodes.
		panic(err)
	}
	return string(b)
}

// nullStr stores "" as NULL: optional dates and texts read back as "".
func nullStr(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func nullInt(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

func nullBool(p *bool) any {
	if p == nil {
		return nil
	}
	return boolInt(*p)
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// limit is the page size of a listing: the service's rule (PageLimit).
func limit(n int) int64 { return int64(backorder.PageLimit(n)) }
