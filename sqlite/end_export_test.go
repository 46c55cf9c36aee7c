package sqlite

import "testing"

// ExplainEndReads returns the query plans of StaleLines and
// CancellationSums.
func (db *DB) ExplainEndReads(tb testing.TB) (staleLines, cancellationSums string) {
	tb.Helper()
	return db.explain(tb, staleLinesQuery, 0, 0, 0, 100), db.explain(tb, cancellationSumsQuery, 0, 1)
}
