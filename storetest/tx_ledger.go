package storetest

import (
	"context"
	"testing"

	"github.com/backorder/backorder"
)

func testTxLedgerTotals(t *testing.T, open func(t *testing.T) backorder.Store) {
	t.Run("Totals", func(t *testing.T) { testLedgerTotals(t, open) })
	t.Run("Consistent", func(t *testing.T) { testLedgerConsistent(t, open) })
}

func testLedgerTotals(t *testing.T, open func(t *testing.T) backorder.Store) {
	ctx := context.Background()
	s := open(t)
	var l1, l2 int64
	mustWrite(t, s, func(tx backorder.Tx) {
		MustPutProduct(t, tx, "A", backorder.Stock{})
		MustPutProduct(t, tx, "B", backorder.Stock{})
		o := mustInsertOrder(t, tx, "ORD-1", "cust", t0, line{sku: "A", allocated: 1, shipped: 1, cancel: 1}, line{sku: "A", allocated: 2, backordered: 1, cancel: 1})
		l1, l2 = o.Lines[0].ID, o.Lines[1].ID
		m := func(kind string, sku string, q int64, lineID int64, reason string) backorder.Movement {
			mv := backorder.Movement{At: t0, Kind: kind, SKU: sku, Quantity: q, LineID: lineID, Reason: reason}
			if lineID != 0 {
				mv.OrderID = "ORD-1"
			}
			return mv
		}
		ms := []backorder.Movement{
			m(backorder.MoveReceipt, "A", 10, 0, ""),
			m(backorder.MoveAdjustment, "A", -2, 0, "damaged"),
			m(backorder.MoveAllocate, "A", 3, l1, backorder.ReasonInStock),
			m(backorder.MoveBackorder, "A", 4, l2, ""),
			m(backorder.MoveAllocate, "A", 2, l2, backorder.ReasonFIFO),
			m(backorder.MoveRelease, "A", 1, l1, ""),
			m(backorder.MoveShip, "A", 1, l1, ""),
			m(backorder.MoveCancel, "A", 1, l2, ""),
			m(backorder.MoveReceipt, "B", 5, 0, ""),
			m(backorder.MoveAdjustment, "B", 1, 0, "found"),
		}
		if err := tx.AppendMovements(ctx, ms); err != nil {
			t.Fatal(err)
		}
	})
	snap, err := backorder.ReadSnapshot(ctx, mustRead(t, s))
	if err != nil {
		t.Fatal(err)
	}
	checkEqual(t, "SKUTotals", snap.SKUTotals, map[string]backorder.LedgerTotals{
		"A": {Received: 10, Adjusted: -2, Allocated: 5, Released: 1, Shipped: 1, Backordered: 4, Cancelled: 1},
		"B": {Received: 5, Adjusted: 1},
	})
	if got := snap.SKUInStock["A"]; got != 3 {
		t.Fatalf("SKUInStock[A]=%d, want 3", got)
	} else if got := snap.SKUInStock["B"]; got != 0 {
		t.Fatalf("SKUInStock[B]=%d, want 0", got)
	}
	checkEqual(t, "LineTotals", snap.LineTotals, map[int64]backorder.LedgerTotals{
		l1: {Allocated: 3, Released: 1, Shipped: 1},
		l2: {Allocated: 2, Backordered: 4, Cancelled: 1},
	})
	if got := snap.LineInStock[l1]; got != 3 {
		t.Fatalf("LineInStock[l1]=%d, want 3", got)
	} else if got := snap.LineInStock[l2]; got != 0 {
		t.Fatalf("LineInStock[l2]=%d, want 0", got)
	}
}

// testLedgerConsistent stores quantities that the history explains, and an
// open request for the allocated units: the snapshot carries all of them, and
// CheckSnapshot finds nothing wrong in it.
func testLedgerConsistent(t *testing.T, open func(t *testing.T) backorder.Store) {
	ctx := context.Background()
	s := open(t)
	var l *backorder.Line
	mustWrite(t, s, func(tx backorder.Tx) {
		MustPutProduct(t, tx, "A", backorder.Stock{OnHand: 5, Allocated: 5, Backordered: 2})
		o := mustInsertOrder(t, tx, "ORD-1", "cust", t0, waiting("A", 7))
		l = o.Lines[0]
		l.Allocated, l.Backordered, l.Fulfilling = 5, 2, 5
		if err := tx.SaveLines(ctx, []*backorder.Line{l}); err != nil {
			t.Fatal(err)
		}
		ms := []backorder.Movement{
			{At: t0, Kind: backorder.MoveReceipt, SKU: "A", Quantity: 7},
			{At: t0, Kind: backorder.MoveAdjustment, SKU: "A", Quantity: -2, Reason: "lost"},
			{At: t0, Kind: backorder.MoveAllocate, SKU: "A", Quantity: 3, OrderID: "ORD-1", LineID: l.ID, Reason: backorder.ReasonInStock},
			{At: t0, Kind: backorder.MoveBackorder, SKU: "A", Quantity: 4, OrderID: "ORD-1", LineID: l.ID},
			{At: t0, Kind: backorder.MoveAllocate, SKU: "A", Quantity: 2, OrderID: "ORD-1", LineID: l.ID, Reason: backorder.ReasonFIFO},
		}
		if err := tx.AppendMovements(ctx, ms); err != nil {
			t.Fatal(err)
		}
		f := &backorder.Fulfillment{OrderID: "ORD-1", State: backorder.FulfillmentOpen, CreatedAt: t0,
			Lines: []backorder.FulfillmentLine{{LineID: l.ID, SKU: "A", Quantity: 5}}}
		if err := tx.InsertFulfillments(ctx, []*backorder.Fulfillment{f}); err != nil {
			t.Fatal(err)
		}
	})
	snap, err := backorder.ReadSnapshot(ctx, mustRead(t, s))
	if err != nil {
		t.Fatal(err)
	}
	checkEqual(t, "SKUTotals", snap.SKUTotals, map[string]backorder.LedgerTotals{"A": {Received: 7, Adjusted: -2, Allocated: 5, Backordered: 4}})
	checkEqual(t, "LineTotals", snap.LineTotals, map[int64]backorder.LedgerTotals{l.ID: {Allocated: 5, Backordered: 4}})
	checkEqual(t, "SKUInStock", snap.SKUInStock, map[string]int64{"A": 3})
	checkEqual(t, "LineInStock", snap.LineInStock, map[int64]int64{l.ID: 3})
	checkEqual(t, "OpenRequests", snap.OpenRequests, map[int64]int64{l.ID: 5})
	checkEqual(t, "Stock", snap.Stock, []backorder.Stock{{SKU: "A", OnHand: 5, Allocated: 5, Backordered: 2}})
	checkEqual(t, "Lines", snap.Lines, []*backorder.Line{l})
	if v := backorder.CheckSnapshot(snap); len(v) != 0 {
		t.Fatalf("CheckSnapshot=%s, want no violations", dump(v))
	}
}
