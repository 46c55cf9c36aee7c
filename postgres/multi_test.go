package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/backorder/backorder"
	"github.com/backorder/backorder/storetest"
)

// TestMultiInstance runs three services, each with its own connection pool,
// on one database, as three stateless API processes would: orders,
// cancellations, receipts and adjustments race on a few hot SKUs, some orders
// span two SKUs, and afterwards every invariant holds and the history replays
// as fair.
func TestMultiInstance(t *testing.T) {
	t.Parallel()
	url, schema := MustCreateSchema(t)
	var svcs []*backorder.Service
	for range 3 {
		svc, _ := storetest.MustService(t, MustOpenSchema(t, url, schema), 2)
		svcs = append(svcs, svc)
	}
	skus := []string{"H1", "H2", "H3"}
	for _, s := range skus {
		storetest.MustProduct(t, svcs[0], s, 5, backorder.Policy{})
	}
	storetest.MustRunWorkload(t, svcs, skus, 24, 30)
	storetest.MustCheck(t, svcs[1])
	storetest.MustFair(t, svcs[2], nil)
}

// TestTx_LocksSharedOrderLines checks the lock that guards a line reachable
// from two SKUs: a write transaction that reads the waiting lines of X holds
// the line of a two-SKU order, so another writer reading that order's lines
// (as an allocation run on Y does) waits until the first commits, and then
// sees its write.
func TestTx_LocksSharedOrderLines(t *testing.T) {
	t.Parallel()
	db := MustOpenDB(t)
	ctx := context.Background()
	setup := MustBeginWrite(t, db)
	MustPutProduct(t, setup, "X", backorder.Stock{})
	MustPutProduct(t, setup, "Y", backorder.Stock{})
	o := MustInsertOrder(t, setup, "O-1", "c", t0, "X", 1, "Y", 1)
	if err := setup.Commit(); err != nil {
		t.Fatal(err)
	}

	tx1 := MustBeginWrite(t, db)
	q, err := tx1.WaitingLines(ctx, "X")
	if err != nil {
		t.Fatal(err)
	} else if len(q) != 1 {
		t.Fatalf("waiting=%d, want 1", len(q))
	}
	l := q[0].Line
	l.Allocated, l.Backordered = 1, 0
	if err := tx1.SaveLines(ctx, []*backorder.Line{l}); err != nil {
		t.Fatal(err)
	}

	type result struct {
		lines map[string][]*backorder.Line
		err   error
	}
	done := make(chan result, 1)
	go func() {
		tx2, err := db.BeginWrite(ctx)
		if err != nil {
			done <- result{err: err}
			return
		}
		defer tx2.Rollback()
		ls, err := tx2.Lines(ctx, []string{"O-1"})
		done <- result{ls, err}
	}()
	select {
	case r := <-done:
		t.Fatalf("Lines returned (%v) while another writer held the order's line", r.err)
	case <-time.After(200 * time.Millisecond):
	}
	if err := tx1.Commit(); err != nil {
		t.Fatal(err)
	}
	r := <-done
	if r.err != nil {
		t.Fatal(r.err)
	}
	for _, got := range r.lines["O-1"] {
		if got.ID == o.Lines[0].ID && got.Allocated != 1 {
			t.Fatalf("line read after the wait is stale: %+v", got)
		}
	}

	// A read transaction never waits.
	rx := MustBeginRead(t, db)
	tx3 := MustBeginWrite(t, db)
	if _, err := tx3.Lines(ctx, []string{"O-1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := rx.Lines(ctx, []string{"O-1"}); err != nil {
		t.Fatal(err)
	}
}
