package storetest

import (
	"context"
	"testing"

	"github.com/backorder/backorder"
)

// testTxPromises: a line's promise is stored with it at insert, read back
// by every read of lines (the order, the lines, the queue), rewritten by
// SavePromises alone, and counted by Promised.
func testTxPromises(t *testing.T, open func(t *testing.T) backorder.Store) {
	ctx := context.Background()
	s := open(t)
	po := backorder.StoredETA("2026-02-03", backorder.BasisPurchaseOrder, 7)
	var o, o2 *backorder.Order
	mustWrite(t, s, func(tx backorder.Tx) {
		MustPutProduct(t, tx, "A", backorder.Stock{})
		MustPutProduct(t, tx, "B", backorder.Stock{})
		o = newOrder("ORD-1", "cust", t0, waiting("A", 5), waiting("A", 2), line{sku: "B", allocated: 1})
		o.Lines[0].ETA, o.Lines[0].FirstPromise = po, "2026-02-03"
		o.Lines[1].ETA = backorder.StoredETA("", backorder.BasisNone, 0)
		if err := tx.InsertOrders(ctx, []*backorder.Order{o}); err != nil {
			t.Fatal(err)
		}
		o2 = mustInsertOrder(t, tx, "ORD-2", "cust", t0.Add(1), waiting("B", 3))
	})
	r := mustRead(t, s)
	got, err := r.Order(ctx, "ORD-1")
	if err != nil {
		t.Fatal(err)
	}
	checkEqual(t, "inserted lines", got.Lines, o.Lines)
	if o.Lines[2].ETA != nil {
		t.Fatal("a line never dated reads back with a promise")
	}
	_ = r.Rollback()

	// Save a lead-time promise on the second line and move the first; the
	// quantities stay as they are.
	l0, l1 := *got.Lines[0], *got.Lines[1]
	l0.ETA = backorder.StoredETA("2026-02-10", backorder.BasisPurchaseOrder, 9)
	l1.ETA, l1.FirstPromise = backorder.StoredETA("2026-03-01", backorder.BasisLeadTime, 0), "2026-03-01"
	l0.Allocated, l0.Backordered = 5, 0 // not saved by SavePromises
	mustWrite(t, s, func(tx backorder.Tx) {
		if err := tx.SavePromises(ctx, []*backorder.Line{&l0, &l1}); err != nil {
			t.Fatal(err)
		}
	})
	r = mustRead(t, s)
	lines, err := r.Lines(ctx, []string{"ORD-1"})
	if err != nil {
		t.Fatal(err)
	}
	l0.Allocated, l0.Backordered = 0, 5
	checkEqual(t, "saved lines", lines["ORD-1"], []*backorder.Line{&l0, &l1, o.Lines[2]})
	queue, err := r.WaitingLines(ctx, backorder.QueueQuery{SKU: "A", Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(queue) != 2 || *queue[0].Line.ETA != *l0.ETA || *queue[1].Line.ETA != *l1.ETA || queue[1].Line.FirstPromise != "2026-03-01" {
		t.Fatalf("queue promises: %s", dump(queue))
	}

	// By 2026-02-10: A's first line (5 units) of its two (7 units); none
	// of B's (ORD-2's line was never dated).
	counts, err := r.Promised(ctx, "2026-02-10")
	if err != nil {
		t.Fatal(err)
	}
	checkEqual(t, "promised", counts, []backorder.PromiseCount{
		{SKU: "A", Lines: 2, Units: 7, LinesBy: 1, UnitsBy: 5},
		{SKU: "B", Lines: 1, Units: 3},
	})
	if counts, err = r.Promised(ctx, "2026-03-01"); err != nil {
		t.Fatal(err)
	} else if counts[0].LinesBy != 2 || counts[0].UnitsBy != 7 {
		t.Fatalf("promised by 2026-03-01: %+v", counts)
	}

	_ = r.Rollback()
	missing := l0
	missing.ID = o2.Lines[0].ID + 100
	tx := mustBegin(t, s)
	if err := tx.SavePromises(ctx, nil); err != nil {
		t.Fatal(err)
	}
	checkCode(t, tx.SavePromises(ctx, []*backorder.Line{&missing}), backorder.ENOTFOUND)
}
