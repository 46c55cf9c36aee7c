package sqlite_test

import (
	"strings"
	"testing"
)

// TestEndReadsPlan checks that the review list and the stale sweep read
// the waiting lines through the partial index order_lines_waiting_all (the
// waiting lines in acceptance order: no walk of the history, and a sort of
// only the lines that share an acceptance time, not of the whole page), and
// that the cancellation report reads its window through cancellations_at.
func TestEndReadsPlan(t *testing.T) {
	db := MustOpenDB(t)
	stale, sums := db.ExplainEndReads(t)
	t.Logf("StaleLines:\n%sCancellationSums:\n%s", stale, sums)
	if !strings.Contains(stale, "order_lines_waiting_all") {
		t.Fatalf("StaleLines plan=%s, want the partial index order_lines_waiting_all", stale)
	} else if strings.Contains(stale, "TEMP B-TREE FOR ORDER BY") {
		t.Fatalf("StaleLines plan=%s, want no sort of the whole page", stale)
	}
	if !strings.Contains(sums, "cancellations_at") {
		t.Fatalf("CancellationSums plan=%s, want the index cancellations_at", sums)
	}
}
