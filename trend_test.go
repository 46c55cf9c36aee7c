package backorder_test

import (
	"testing"

	"github.com/backorder/backorder"
)

func TestTrendOf(t *testing.T) {
	rows := []backorder.MetricDay{
		{SKU: "", Currency: "USD", Orders: 5, Backordered: 2, Cancelled: 1},
		{SKU: "", Currency: "EUR", Orders: 1, Backordered: 1},
		// The SKUs' rows count their lines as orders, and the units.
		{SKU: "W", Currency: "USD", Orders: 4, Backordered: 2, BackorderedUnits: 7, Cancelled: 1},
		{SKU: "G", Currency: "EUR", Orders: 1, Backordered: 1, BackorderedUnits: 3},
	}
	got := backorder.TrendOf("2026-12-01", rows)
	want := backorder.TrendDay{Day: "2026-12-01", Orders: 6, Backordered: 3, BackorderedUnits: 10, Cancelled: 1}
	if got != want {
		t.Fatalf("TrendOf = %+v, want %+v", got, want)
	}
	if got := backorder.TrendOf("2026-12-02", nil); got != (backorder.TrendDay{Day: "2026-12-02"}) {
		t.Fatalf("TrendOf of no rows = %+v, want an empty day", got)
	}
}
