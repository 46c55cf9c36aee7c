package backorder_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/backorder/backorder"
	"github.com/backorder/backorder/sqlite"
)

// TestWriteTx_Events: a batch that emits more events than it holds back
// writes them as it goes; a savepoint rolled back drops what was emitted
// after it, written or held; the rest commit once each, in emit order.
func TestWriteTx_Events(t *testing.T) {
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "w.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	inner, err := db.BeginWrite(ctx)
	if err != nil {
		t.Fatal(err)
	}
	w := backorder.NewWriteTx(inner, 2)
	at := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	emit := func(names ...string) {
		t.Helper()
		for _, n := range names {
			if err := w.Emit(ctx, backorder.Event{At: at, Kind: backorder.EventOrderAccepted, OrderID: n}); err != nil {
				t.Fatal(err)
			}
		}
	}
	emit("a", "b", "c") // a and b written, c held
	if err := w.Savepoint(ctx, "s1"); err != nil {
		t.Fatal(err)
	}
	emit("x", "y", "z") // c, x written; y, z held
	if err := w.RollbackTo(ctx, "s1"); err != nil {
		t.Fatal(err)
	}
	if err := w.Release(ctx, "s1"); err != nil {
		t.Fatal(err)
	}
	if err := w.Savepoint(ctx, "s2"); err != nil {
		t.Fatal(err)
	}
	emit("d")
	if err := w.RollbackTo(ctx, "s2"); err != nil { // drops d, held
		t.Fatal(err)
	}
	emit("e")
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	r, err := db.BeginRead(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Rollback()
	es, err := r.Events(ctx, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range es {
		got = append(got, e.OrderID)
	}
	if want := "[a b c e]"; fmt.Sprint(got) != want {
		t.Fatalf("events=%v, want %s", got, want)
	}
}
