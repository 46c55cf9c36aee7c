package sqlite

import (
	"context"
	"strings"
	"testing"

	"github.com/backorder/backorder"
)

// ExplainWaitingLines returns the query plan of WaitingLines.
func (db *DB) ExplainWaitingLines(tb testing.TB) string {
	tb.Helper()
	return db.explain(tb, waitingLinesQuery, "A", 0, 0, 0, 100)
}

// ExplainForecastReads returns the query plans of WaitingOnPurchaseOrders
// and Demand.
func (db *DB) ExplainForecastReads(tb testing.TB) (waitingOnPOs, demand string) {
	tb.Helper()
	return db.explain(tb, waitingOnPOsQuery, "[1,2]"), db.explain(tb, demandQuery, "A", 0)
}

func (db *DB) explain(tb testing.TB, query string, args ...any) string {
	tb.Helper()
	rows, err := db.read.Query(`EXPLAIN QUERY PLAN `+query, args...)
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			tb.Fatal(err)
		}
		b.WriteString(detail + "\n")
	}
	return b.String()
}

// ExecTx runs a statement in tx.
func (db *DB) ExecTx(ctx context.Context, tx backorder.Tx, query string) error {
	_, err := tx.(*Tx).tx.ExecContext(ctx, query)
	return err
}

// Missed returns the statements tx prepared because the cache lacked them.
func (db *DB) Missed(tx backorder.Tx) []string { return tx.(*Tx).missed }

// Cached reports whether the write connection keeps query prepared.
func (db *DB) Cached(query string) bool { return db.stmts.get(query) != nil }

// CachedRead reports whether the read connections keep query prepared.
func (db *DB) CachedRead(query string) bool { return db.reads.get(query) != nil }

// File returns the path of the database file.
func (db *DB) File(tb testing.TB) string {
	tb.Helper()
	var file string
	if err := db.read.QueryRow(`SELECT file FROM pragma_database_list WHERE name = 'main'`).Scan(&file); err != nil {
		tb.Fatal(err)
	}
	return file
}

// ExplainWaitingOrders returns the query plan of WaitingOrders.
func (db *DB) ExplainWaitingOrders(tb testing.TB) string {
	tb.Helper()
	return db.explain(tb, waitingOrdersQuery, "", "")
}
