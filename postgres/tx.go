package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/backorder/backorder"
)

var _ backorder.Tx = (*Tx)(nil)

// Tx is one PostgreSQL transaction. Like a pgx.Tx it is not safe for
// concurrent use.
type Tx struct {
	tx pgx.Tx
	// write is set on read-write transactions: their reads of order lines
	// lock the rows they return (see the package comment).
	write bool
	// serialPages is set once a queue page read has turned parallel query
	// off for the rest of the transaction (waitingPage).
	serialPages bool
}

// Commit commits the transaction; once it returns, the data is durable. It
// runs without the caller's context: a commit abandoned half-way would leave
// the caller not knowing whether it happened.
func (tx *Tx) Commit() error {
	if err := tx.tx.Commit(context.Background()); err != nil {
		return fmt.Errorf("postgres: commit: %w", err)
	}
	return nil
}

// Rollback discards the transaction. Rolling back a transaction that has
// already ended does nothing, so a deferred Rollback after Commit is harmless.
func (tx *Tx) Rollback() error {
	if err := tx.tx.Rollback(context.Background()); err != nil && !errors.Is(err, pgx.ErrTxClosed) {
		return fmt.Errorf("postgres: rollback: %w", err)
	}
	return nil
}

// Savepoint starts a savepoint named name.
func (tx *Tx) Savepoint(ctx context.Context, name string) error {
	return tx.savepoint(ctx, "SAVEPOINT ", name)
}

// RollbackTo discards what was done since the savepoint; the savepoint stays.
// It also clears the aborted state an error leaves a PostgreSQL transaction
// in, so the next request of a group commit can run.
func (tx *Tx) RollbackTo(ctx context.Context, name string) error {
	return tx.savepoint(ctx, "ROLLBACK TO SAVEPOINT ", name)
}

// Release keeps what was done since the savepoint and ends it.
func (tx *Tx) Release(ctx context.Context, name string) error {
	return tx.savepoint(ctx, "RELEASE SAVEPOINT ", name)
}

func (tx *Tx) savepoint(ctx context.Context, verb, name string) error {
	if name == "" {
		return fmt.Errorf("postgres: %sempty savepoint name", verb)
	}
	if _, err := tx.tx.Exec(ctx, verb+pgx.Identifier{name}.Sanitize()); err != nil {
		return fmt.Errorf("postgres: %s%s: %w", verb, name, err)
	}
	return nil
}

// LockSKUs locks the products rows of the SKUs until the transaction ends,
// in bytewise SKU order whatever order they are given in: two writers that
// lock overlapping sets always queue in the same order.
//
// The lock is FOR NO KEY UPDATE rather than FOR UPDATE: it excludes other
// writers of the SKU just the same, but not the KEY SHARE locks that foreign
// key checks (an order line naming the SKU) take.
//
// A SKU without a row yet (a product being created) has no row to lock, and
// under READ COMMITTED its row could appear, committed by another writer,
// between this call and a later read. So for such SKUs LockSKUs takes a
// transaction-level advisory lock instead, keyed by the SKU, which the
// writer creating the product holds too (it locked the same SKU first), and
// once it has it, locks the row if it now exists.
func (tx *Tx) LockSKUs(ctx context.Context, skus []string) error {
	if len(skus) == 0 {
		return nil
	}
	found, err := tx.lockProducts(ctx, skus)
	if err != nil {
		return FormatError(err, "lock skus", "")
	}
	var missing []string
	for _, s := range skus {
		if !found[s] {
			missing = append(missing, s)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	// Advisory locks in key order, so two writers never take them in
	// opposite orders. A hash collision only serializes two SKUs more.
	if _, err := tx.tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1::int, k)
		FROM (SELECT DISTINCT hashtext(s) AS k FROM unnest($2::text[]) AS s ORDER BY k) AS keys`,
		lockSKU, missing); err != nil {
		return FormatError(err, "lock skus", "")
	}
	if _, err := tx.lockProducts(ctx, missing); err != nil {
		return FormatError(err, "lock skus", "")
	}
	return nil
}

// lockProducts locks the rows of the SKUs that exist and returns them.
func (tx *Tx) lockProducts(ctx context.Context, skus []string) (map[string]bool, error) {
	found := make(map[string]bool, len(skus))
	var sku string
	err := collect(ctx, tx.tx, `SELECT sku FROM products WHERE sku = ANY($1) ORDER BY sku FOR NO KEY UPDATE`,
		[]any{skus}, []any{&sku}, func() error {
			found[sku] = true
			return nil
		})
	return found, err
}

// lockRows is the locking clause of reads of order lines in a write
// transaction, "" in a read transaction.
func (tx *Tx) lockRows(tables string) string {
	if !tx.write {
		return ""
	}
	return " FOR NO KEY UPDATE OF " + tables
}

// nextIDs takes n values of the sequence seq, in one query returning one
// array, so a bulk insert can number its rows before it sends them. The
// values are returned in increasing order. The server aggregates them in the
// order it drew them, but nothing in SQL promises that short of an ORDER BY,
// which costs a sort of n rows (about a third of the query for 100,000); so
// the sort happens here, where it is a check on an already sorted slice.
func (tx *Tx) nextIDs(ctx context.Context, seq string, n int) ([]int64, error) {
	var ids []int64
	err := tx.tx.QueryRow(ctx, `SELECT coalesce(array_agg(nextval($1::regclass)), '{}')
		FROM generate_series(1, $2::int) AS g`, seq, n).Scan(&ids)
	if err != nil {
		return nil, err
	}
	if len(ids) != n {
		return nil, fmt.Errorf("%d values of %s for %d rows", len(ids), seq, n)
	}
	slices.Sort(ids)
	return ids, nil
}

// limit is the page size of a listing: the service's rule (PageLimit).
func limit(n int) int64 { return int64(backorder.PageLimit(n)) }

// nullStr stores "" as NULL: optional dates and texts read back as "".
func nullStr(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// collect runs a query and calls scan for each row, with the row's values
// scanned into dest.
func collect(ctx context.Context, tx pgx.Tx, query string, args []any, dest []any, each func() error) error {
	rows, err := tx.Query(ctx, query, args...)
	if err != nil {
		return err
	}
	_, err = pgx.ForEachRow(rows, dest, each)
	return err
}
