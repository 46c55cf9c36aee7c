package backorder_test

import (
	"testing"

	"github.com/backorder/backorder"
)

func TestPlanCancel(t *testing.T) {
	mk := func() *backorder.Order {
		return &backorder.Order{ID: "100", Lines: []*backorder.Line{
			{ID: 1, SKU: "A", Quantity: 5, Allocated: 3, Fulfilling: 2, Backordered: 2},
			{ID: 2, SKU: "B", Quantity: 2, Shipped: 2},
		}}
	}
	t.Run("BackorderedFirstThenUnrequestedThenRequested", func(t *testing.T) {
		o := mk()
		plan, err := backorder.PlanCancel(o, &backorder.CancelRequest{Reason: "changed mind", Lines: []backorder.CancelLine{{LineID: 1, Quantity: 4}}})
		if err != nil {
			t.Fatal(err)
		}
		c := plan[0]
		if c.Backordered != 2 || c.Allocated != 2 || c.FromFulfilling != 1 {
			t.Fatalf("plan=%+v, want 2 backordered, 2 allocated of which 1 requested", c)
		}
		c.Apply()
		if l := o.Lines[0]; !l.Conserved() || l.Cancelled != 4 || l.Allocated != 1 || l.Fulfilling != 1 {
			t.Fatalf("line after=%+v", l)
		}
	})
	t.Run("WholeOrderSkipsShipped", func(t *testing.T) {
		plan, err := backorder.PlanCancel(mk(), &backorder.CancelRequest{Reason: "x"})
		if err != nil {
			t.Fatal(err)
		} else if len(plan) != 1 || plan[0].Line.ID != 1 || plan[0].Backordered+plan[0].Allocated != 5 {
			t.Fatalf("plan=%+v", plan)
		}
	})
	t.Run("ErrNothingOpen", func(t *testing.T) {
		o := mk()
		plan, _ := backorder.PlanCancel(o, &backorder.CancelRequest{Reason: "x"})
		for _, c := range plan {
			c.Apply()
		}
		if _, err := backorder.PlanCancel(o, &backorder.CancelRequest{Reason: "x"}); backorder.ErrorCode(err) != backorder.ECONFLICT {
			t.Fatalf("second cancel err=%v, want conflict", err)
		}
	})
	t.Run("ErrTooMany", func(t *testing.T) {
		_, err := backorder.PlanCancel(mk(), &backorder.CancelRequest{Reason: "x", Lines: []backorder.CancelLine{{SKU: "A", Quantity: 6}}})
		if e := backorder.AsError(err); e.Code != backorder.ECONFLICT || e.Field != "lines[0].quantity" {
			t.Fatalf("err=%+v", e)
		}
	})
	t.Run("ErrUnknownLine", func(t *testing.T) {
		_, err := backorder.PlanCancel(mk(), &backorder.CancelRequest{Reason: "x", Lines: []backorder.CancelLine{{LineID: 9}}})
		if backorder.ErrorCode(err) != backorder.ENOTFOUND {
			t.Fatalf("err=%v", err)
		}
	})
}

func TestPlanFulfillment(t *testing.T) {
	mk := func(split string) *backorder.Order {
		return &backorder.Order{ID: "1", SplitPolicy: split, Lines: []*backorder.Line{
			{ID: 1, SKU: "A", Quantity: 3, Allocated: 3},
			{ID: 2, SKU: "B", Quantity: 2, Backordered: 2},
		}}
	}
	if fs := backorder.PlanFulfillment(mk(backorder.SplitShipAvailable), day0); len(fs) != 1 || fs[0].Lines[0].Quantity != 3 || fs[0].Status != backorder.FulfillmentReady {
		t.Fatalf("ship_available: %+v", fs)
	}
	if fs := backorder.PlanFulfillment(mk(backorder.SplitShipComplete), day0); len(fs) != 0 {
		t.Fatalf("ship_complete with units waiting made %d requests", len(fs))
	}
	o := mk(backorder.SplitCustomerChoice)
	if fs := backorder.PlanFulfillment(o, day0); len(fs) != 0 {
		t.Fatalf("customer_choice before the choice made %d requests", len(fs))
	}
	o.SplitChoice = backorder.SplitShipAvailable
	if fs := backorder.PlanFulfillment(o, day0); len(fs) != 1 || o.Lines[0].Fulfilling != 3 {
		t.Fatalf("after choice: %+v", fs)
	}
	if fs := backorder.PlanFulfillment(o, day0); len(fs) != 0 {
		t.Fatalf("a second plan requested the same units again: %+v", fs)
	}
	pre := &backorder.Order{ID: "2", SplitPolicy: backorder.SplitShipAvailable, Lines: []*backorder.Line{{ID: 3, SKU: "N", Quantity: 1, Allocated: 1, AvailableFrom: "2026-02-01"}}}
	if fs := backorder.PlanFulfillment(pre, day0); len(fs) != 1 || fs[0].Status != backorder.FulfillmentHeld || fs[0].HoldUntil != "2026-02-01" {
		t.Fatalf("pre-order: %+v", fs)
	}
}

func TestValidate(t *testing.T) {
	good := func() *backorder.OrderRequest {
		return &backorder.OrderRequest{ID: "1", Customer: backorder.Customer{ID: "c", Email: "a@example.com", Name: "A"}, Lines: []backorder.LineRequest{{SKU: "W", Quantity: 1}}}
	}
	tests := []struct {
		name  string
		edit  func(r *backorder.OrderRequest)
		field string
	}{
		{"ErrIDRequired", func(r *backorder.OrderRequest) { r.ID = "" }, "id"},
		{"ErrIDSlash", func(r *backorder.OrderRequest) { r.ID = "a/b" }, "id"},
		{"ErrEmail", func(r *backorder.OrderRequest) { r.Customer.Email = "nope" }, "customer.email"},
		{"ErrNoLines", func(r *backorder.OrderRequest) { r.Lines = nil }, "lines"},
		{"ErrZeroQuantity", func(r *backorder.OrderRequest) { r.Lines[0].Quantity = 0 }, "lines[0].quantity"},
		{"ErrNegativeQuantity", func(r *backorder.OrderRequest) { r.Lines[0].Quantity = -1 }, "lines[0].quantity"},
		{"ErrAbsurdQuantity", func(r *backorder.OrderRequest) { r.Lines[0].Quantity = backorder.MaxLineQuantity + 1 }, "lines[0].quantity"},
		{"ErrShipping", func(r *backorder.OrderRequest) { r.Shipping = "teleport" }, "shipping"},
		{"ErrNeedBy", func(r *backorder.OrderRequest) { r.NeedBy = "tomorrow" }, "need_by"},
	}
	if err := good().Validate(); err != nil {
		t.Fatalf("good order: %v", err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := good()
			tt.edit(r)
			e := backorder.AsError(r.Validate())
			if e.Code != backorder.EINVALID || e.Field != tt.field {
				t.Fatalf("err=%+v, want invalid %s", e, tt.field)
			}
		})
	}
}
