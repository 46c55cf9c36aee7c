package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/backorder/backorder"
)

// testTxWaitingOnPurchaseOrders: the waiting lines whose stored promise
// names a purchase order are read by that purchase order, and only they: not
// a line promised from another purchase order, by lead time, or never dated,
// nor one with nothing left waiting.
func testTxWaitingOnPurchaseOrders(t *testing.T, open func(t *testing.T) backorder.Store) {
	ctx := context.Background()
	s := open(t)
	var o1, o2 *backorder.Order
	mustWrite(t, s, func(tx backorder.Tx) {
		MustPutProduct(t, tx, "A", backorder.Stock{})
		MustPutProduct(t, tx, "B", backorder.Stock{})
		o1 = newOrder("ORD-1", "cust", t0, waiting("A", 5), waiting("B", 2), waiting("A", 1), line{sku: "A", allocated: 3})
		o1.Lines[0].ETA = backorder.StoredETA("2026-12-03", backorder.BasisPurchaseOrder, 7)
		o1.Lines[1].ETA = backorder.StoredETA("2026-12-04", backorder.BasisPurchaseOrder, 8)
		o1.Lines[2].ETA = backorder.StoredETA("2026-12-20", backorder.BasisLeadTime, 0)
		// Allocated in full: its old promise names PO 7, but nothing waits.
		o1.Lines[3].ETA = backorder.StoredETA("2026-12-03", backorder.BasisPurchaseOrder, 7)
		o2 = newOrder("ORD-2", "cust2", t0.Add(time.Second), waiting("A", 4), waiting("B", 1))
		o2.Lines[0].ETA = backorder.StoredETA("2026-12-03", backorder.BasisPurchaseOrder, 7)
		if err := tx.InsertOrders(ctx, []*backorder.Order{o1, o2}); err != nil {
			t.Fatal(err)
		}
	})
	r := mustRead(t, s)
	defer r.Rollback()
	got, err := r.WaitingOnPurchaseOrders(ctx, []int64{7, 8, 9})
	if err != nil {
		t.Fatal(err)
	}
	checkEqual(t, "waiting on 7, 8, 9", got, []backorder.WaitingOnPO{
		{PurchaseOrderID: 7, OrderID: "ORD-1", LineID: o1.Lines[0].ID, SKU: "A", Backordered: 5, PriceCents: 1250},
		{PurchaseOrderID: 7, OrderID: "ORD-2", LineID: o2.Lines[0].ID, SKU: "A", Backordered: 4, PriceCents: 1250},
		{PurchaseOrderID: 8, OrderID: "ORD-1", LineID: o1.Lines[1].ID, SKU: "B", Backordered: 2, PriceCents: 1250},
	})
	if got, err = r.WaitingOnPurchaseOrders(ctx, []int64{8}); err != nil {
		t.Fatal(err)
	} else if len(got) != 1 || got[0].LineID != o1.Lines[1].ID {
		t.Fatalf("waiting on 8: %s", dump(got))
	}
	for _, ids := range [][]int64{nil, {9}} {
		if got, err = r.WaitingOnPurchaseOrders(ctx, ids); err != nil {
			t.Fatal(err)
		} else if got == nil || len(got) != 0 {
			t.Fatalf("waiting on %v: %s, want an empty list", ids, dump(got))
		}
	}
}

// testTxDemand: the units ordered of a SKU on lines of orders accepted at or
// after an instant, whatever became of them since (allocated, waiting,
// shipped, cancelled).
func testTxDemand(t *testing.T, open func(t *testing.T) backorder.Store) {
	ctx := context.Background()
	s := open(t)
	mustWrite(t, s, func(tx backorder.Tx) {
		MustPutProduct(t, tx, "A", backorder.Stock{})
		MustPutProduct(t, tx, "B", backorder.Stock{})
		mustInsertOrder(t, tx, "old", "c", t0.Add(-48*time.Hour), waiting("A", 100))
		mustInsertOrder(t, tx, "edge", "c", t0, waiting("A", 2), line{sku: "B", allocated: 7})
		mustInsertOrder(t, tx, "new", "c", t0.Add(time.Hour), line{sku: "A", allocated: 1, shipped: 2, cancel: 3}, waiting("A", 4))
	})
	r := mustRead(t, s)
	defer r.Rollback()
	for _, tc := range []struct {
		sku   string
		since time.Time
		want  int64
	}{
		{"A", t0, 2 + 6 + 4},                    // "edge" counts: at since is in the window
		{"A", t0.Add(time.Microsecond), 6 + 4},  // one microsecond later it does not
		{"A", t0.Add(-72 * time.Hour), 112},     // everything
		{"B", t0, 7},                            // another SKU of the same order
		{"A", t0.Add(2 * time.Hour), 0},         // nothing since
		{"missing", t0.Add(-72 * time.Hour), 0}, // an unknown SKU has none
	} {
		got, err := r.Demand(ctx, tc.sku, tc.since)
		if err != nil {
			t.Fatal(err)
		}
		if got != tc.want {
			t.Fatalf("Demand(%s, %v)=%d, want %d", tc.sku, tc.since, got, tc.want)
		}
	}
}
