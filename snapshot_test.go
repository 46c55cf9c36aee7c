package backorder_test

import (
	"reflect"
	"testing"

	"github.com/backorder/backorder"
)

// TestSnapshot_AddSum: sums of the history fold into totals per SKU and per
// line, with allocations at intake from stock kept apart from those from the
// queue, whatever order the sums come in.
func TestSnapshot_AddSum(t *testing.T) {
	sums := []backorder.LedgerSum{
		{SKU: "A", Kind: backorder.MoveReceipt, Quantity: 10},
		{SKU: "A", LineID: 1, Kind: backorder.MoveAllocate, Reason: backorder.ReasonInStock, Quantity: 3},
		{SKU: "A", LineID: 1, Kind: backorder.MoveAllocate, Reason: backorder.ReasonFIFO, Quantity: 2},
		{SKU: "A", LineID: 2, Kind: backorder.MoveAllocate, Reason: "priority:vip", Quantity: 1},
		{SKU: "A", LineID: 2, Kind: backorder.MoveBackorder, Quantity: 4},
		{SKU: "A", LineID: 2, Kind: backorder.MoveCancel, Quantity: 1},
		{SKU: "B", Kind: backorder.MoveAdjustment, Quantity: -2},
		{SKU: "B", LineID: 3, Kind: backorder.MoveAllocate, Reason: backorder.ReasonInStock, Quantity: 1},
		{SKU: "B", LineID: 3, Kind: backorder.MoveShip, Quantity: 1},
	}
	for _, order := range [][]int{{0, 1, 2, 3, 4, 5, 6, 7, 8}, {8, 7, 6, 5, 4, 3, 2, 1, 0}} {
		var s backorder.Snapshot
		for _, i := range order {
			s.AddSum(sums[i])
		}
		if want := map[string]backorder.LedgerTotals{
			"A": {Received: 10, Allocated: 6, Backordered: 4, Cancelled: 1},
			"B": {Adjusted: -2, Allocated: 1, Shipped: 1},
		}; !reflect.DeepEqual(s.SKUTotals, want) {
			t.Fatalf("SKUTotals=%v, want %v", s.SKUTotals, want)
		}
		if want := map[string]int64{"A": 3, "B": 1}; !reflect.DeepEqual(s.SKUInStock, want) {
			t.Fatalf("SKUInStock=%v, want %v", s.SKUInStock, want)
		}
		if want := map[int64]int64{1: 3, 3: 1}; !reflect.DeepEqual(s.LineInStock, want) {
			t.Fatalf("LineInStock=%v, want %v", s.LineInStock, want)
		}
		if got := s.LineTotals[2]; got != (backorder.LedgerTotals{Allocated: 1, Backordered: 4, Cancelled: 1}) {
			t.Fatalf("LineTotals[2]=%+v", got)
		}
	}
}
