package backorder_test

import (
	"fmt"
	"testing"

	"github.com/backorder/backorder"
)

// TestPlanCancel_SameSKULines: a cancellation that names a SKU the order
// has on several lines, or the whole order, takes the waiting units of all
// those lines before any allocated unit, and unrequested allocated units
// before requested ones.
func TestPlanCancel_SameSKULines(t *testing.T) {
	// Line 1: 3 allocated (1 of them requested for shipping); line 2: 2
	// waiting; line 3: 1 allocated and 1 waiting; line 4 another SKU.
	mk := func() *backorder.Order {
		return &backorder.Order{ID: "100", Lines: []*backorder.Line{
			{ID: 1, SKU: "A", Quantity: 3, Allocated: 3, Fulfilling: 1},
			{ID: 2, SKU: "A", Quantity: 2, Backordered: 2},
			{ID: 3, SKU: "A", Quantity: 2, Allocated: 1, Backordered: 1},
			{ID: 4, SKU: "B", Quantity: 1, Backordered: 1},
		}}
	}
	tests := []struct {
		name  string
		lines []backorder.CancelLine
		want  string // per line taken: id:backordered/allocated/fromFulfilling
	}{
		{"OneWaitingUnit", []backorder.CancelLine{{SKU: "A", Quantity: 1}}, "[2:1/0/0]"},
		{"AllWaitingUnits", []backorder.CancelLine{{SKU: "A", Quantity: 3}}, "[2:2/0/0 3:1/0/0]"},
		{"ThenUnrequested", []backorder.CancelLine{{SKU: "A", Quantity: 5}}, "[2:2/0/0 3:1/0/0 1:0/2/0]"},
		{"ThenRequested", []backorder.CancelLine{{SKU: "A", Quantity: 7}}, "[2:2/0/0 3:1/1/0 1:0/3/1]"},
		{"EveryOpenUnitOfSKU", []backorder.CancelLine{{SKU: "A"}}, "[2:2/0/0 3:1/1/0 1:0/3/1]"},
		{"WholeOrder", nil, "[1:0/3/1 2:2/0/0 3:1/1/0 4:1/0/0]"},
		// A line named by ID keeps to that line; a SKU after it takes what
		// is left of the SKU's waiting units first.
		{"LineThenSKU", []backorder.CancelLine{{LineID: 1, Quantity: 1}, {SKU: "A", Quantity: 2}}, "[1:0/1/0 2:2/0/0]"},
		{"SKUTwice", []backorder.CancelLine{{SKU: "A", Quantity: 2}, {SKU: "A", Quantity: 2}}, "[2:2/0/0 3:1/0/0 1:0/1/0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := mk()
			plan, err := backorder.PlanCancel(o, &backorder.CancelRequest{Reason: "x", Lines: tt.lines})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range plan {
				got = append(got, fmt.Sprintf("%d:%d/%d/%d", c.Line.ID, c.Backordered, c.Allocated, c.FromFulfilling))
				c.Apply()
				if !c.Line.Conserved() || c.Line.Fulfilling > c.Line.Allocated || c.Line.Backordered < 0 {
					t.Fatalf("line after=%+v", c.Line)
				}
			}
			if fmt.Sprint(got) != tt.want {
				t.Fatalf("plan=%v, want %s", got, tt.want)
			}
		})
	}
	t.Run("ErrTooMany", func(t *testing.T) {
		_, err := backorder.PlanCancel(mk(), &backorder.CancelRequest{Reason: "x", Lines: []backorder.CancelLine{{SKU: "A", Quantity: 3}, {SKU: "A", Quantity: 5}}})
		if e := backorder.AsError(err); e.Code != backorder.ECONFLICT || e.Field != "lines[1].quantity" {
			t.Fatalf("err=%+v, want a conflict on lines[1].quantity (7 open, 3 taken)", e)
		}
	})
}
