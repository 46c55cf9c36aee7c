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

func TestReduceFulfillments(t *testing.T) {
	mk := func() []*backorder.Fulfillment {
		return []*backorder.Fulfillment{
			{ID: 1, State: backorder.FulfillmentOpen, Lines: []backorder.FulfillmentLine{{LineID: 1, Quantity: 2}, {LineID: 2, Quantity: 1}}},
			{ID: 2, State: backorder.FulfillmentOpen, Lines: []backorder.FulfillmentLine{{LineID: 1, Quantity: 1}}},
			{ID: 3, State: backorder.FulfillmentShipped, Lines: []backorder.FulfillmentLine{{LineID: 1, Quantity: 5}}},
		}
	}
	show := func(fs []*backorder.Fulfillment) string {
		var out []string
		for _, f := range fs {
			var ls []string
			for _, l := range f.Lines {
				ls = append(ls, fmt.Sprintf("%d×%d", l.LineID, l.Quantity))
			}
			out = append(out, fmt.Sprintf("%d:%s%v", f.ID, f.State, ls))
		}
		return fmt.Sprint(out)
	}
	tests := []struct {
		name    string
		n       int64
		changed string
		all     string
	}{
		// The newest open request first; the shipped one is never touched.
		{"NewestFirst", 1, "[2:cancelled[]]", "[1:open[1×2 2×1] 2:cancelled[] 3:shipped[1×5]]"},
		{"IntoTheOlder", 2, "[2:cancelled[] 1:open[1×1 2×1]]", "[1:open[1×1 2×1] 2:cancelled[] 3:shipped[1×5]]"},
		// A line left with no units is dropped, not kept at zero.
		{"LineDropped", 3, "[2:cancelled[] 1:open[2×1]]", "[1:open[2×1] 2:cancelled[] 3:shipped[1×5]]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := mk()
			changed := backorder.ReduceFulfillments(fs, 1, tt.n)
			if got := show(changed); got != tt.changed {
				t.Fatalf("changed=%s, want %s", got, tt.changed)
			} else if got := show(fs); got != tt.all {
				t.Fatalf("requests=%s, want %s", got, tt.all)
			}
		})
	}
}
