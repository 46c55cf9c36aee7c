package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/backorder/backorder"
)

// fulfillmentSetup stores an order of two allocated lines.
func fulfillmentSetup(t *testing.T, open func(t *testing.T) backorder.Store) (backorder.Store, *backorder.Order) {
	t.Helper()
	s := open(t)
	var o *backorder.Order
	mustWrite(t, s, func(tx backorder.Tx) {
		MustPutProduct(t, tx, "A", backorder.Stock{OnHand: 10, Allocated: 5})
		MustPutProduct(t, tx, "B", backorder.Stock{OnHand: 10, Allocated: 3})
		o = mustInsertOrder(t, tx, "ORD-1", "cust", t0, line{sku: "A", allocated: 5}, line{sku: "B", allocated: 3})
	})
	return s, o
}

func testTxFulfillments(t *testing.T, open func(t *testing.T) backorder.Store) {
	ctx := context.Background()
	t.Run("OK", func(t *testing.T) {
		s, o := fulfillmentSetup(t, open)
		fs := []*backorder.Fulfillment{
			{OrderID: "ORD-1", State: backorder.FulfillmentOpen, CreatedAt: t0,
				Lines: []backorder.FulfillmentLine{{LineID: o.Lines[0].ID, SKU: "A", Quantity: 2}, {LineID: o.Lines[1].ID, SKU: "B", Quantity: 3}}},
			{OrderID: "ORD-1", State: backorder.FulfillmentOpen, HoldUntil: "2026-12-24", CreatedAt: t0,
				Lines: []backorder.FulfillmentLine{{LineID: o.Lines[0].ID, SKU: "A", Quantity: 3}}},
		}
		mustWrite(t, s, func(tx backorder.Tx) {
			if err := tx.InsertFulfillments(ctx, fs); err != nil {
				t.Fatal(err)
			}
		})
		if fs[0].ID <= 0 || fs[1].ID <= fs[0].ID {
			t.Fatalf("IDs=%d,%d, want increasing and > 0", fs[0].ID, fs[1].ID)
		}
		tx := mustRead(t, s)
		for _, want := range fs {
			got, err := tx.Fulfillment(ctx, want.ID)
			if err != nil {
				t.Fatal(err)
			}
			checkTime(t, "CreatedAt", got.CreatedAt, want.CreatedAt)
			g := *got
			g.CreatedAt, g.Status = want.CreatedAt, want.Status
			checkEqual(t, "Fulfillment", g, *want)
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		s, _ := fulfillmentSetup(t, open)
		_, err := mustRead(t, s).Fulfillment(ctx, 424242)
		checkCode(t, err, backorder.ENOTFOUND)
	})
	t.Run("Save", func(t *testing.T) {
		s, o := fulfillmentSetup(t, open)
		f := &backorder.Fulfillment{OrderID: "ORD-1", State: backorder.FulfillmentOpen, CreatedAt: t0,
			Lines: []backorder.FulfillmentLine{{LineID: o.Lines[0].ID, SKU: "A", Quantity: 2}, {LineID: o.Lines[1].ID, SKU: "B", Quantity: 3}}}
		mustWrite(t, s, func(tx backorder.Tx) {
			if err := tx.InsertFulfillments(ctx, []*backorder.Fulfillment{f}); err != nil {
				t.Fatal(err)
			}
		})
		shipped := t0.Add(48 * time.Hour)
		f.State, f.ShippedAt, f.Carrier, f.Tracking, f.EstimatedDelivery = backorder.FulfillmentShipped, &shipped, "UPS", "1Z999", "2026-12-03"
		f.Lines = f.Lines[:1] // the second taken out by a cancellation (ReduceFulfillments): removed
		mustWrite(t, s, func(tx backorder.Tx) {
			if err := tx.SaveFulfillment(ctx, f); err != nil {
				t.Fatal(err)
			}
		})
		got, err := mustRead(t, s).Fulfillment(ctx, f.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.ShippedAt == nil {
			t.Fatal("ShippedAt=nil, want the shipment time")
		}
		checkTime(t, "ShippedAt", *got.ShippedAt, shipped)
		if got.State != backorder.FulfillmentShipped || got.Carrier != "UPS" || got.Tracking != "1Z999" || got.EstimatedDelivery != "2026-12-03" {
			t.Fatalf("Fulfillment=%s, want shipped by UPS", dump(got))
		}
		checkEqual(t, "Lines", got.Lines, []backorder.FulfillmentLine{{LineID: o.Lines[0].ID, SKU: "A", Quantity: 2}})
	})
	t.Run("SaveErrNotFound", func(t *testing.T) {
		s, _ := fulfillmentSetup(t, open)
		tx := mustBegin(t, s)
		f := &backorder.Fulfillment{ID: 424242, OrderID: "ORD-1", State: backorder.FulfillmentCancelled, CreatedAt: t0}
		checkCode(t, tx.SaveFulfillment(ctx, f), backorder.ENOTFOUND)
	})
	t.Run("OpenRequests", func(t *testing.T) {
		s, o := fulfillmentSetup(t, open)
		a, b := o.Lines[0].ID, o.Lines[1].ID
		fs := []*backorder.Fulfillment{
			{OrderID: "ORD-1", State: backorder.FulfillmentOpen, CreatedAt: t0, Lines: []backorder.FulfillmentLine{{LineID: a, SKU: "A", Quantity: 1}, {LineID: b, SKU: "B", Quantity: 2}}},
			{OrderID: "ORD-1", State: backorder.FulfillmentOpen, HoldUntil: "2027-01-01", CreatedAt: t0, Lines: []backorder.FulfillmentLine{{LineID: a, SKU: "A", Quantity: 2}}},
			{OrderID: "ORD-1", State: backorder.FulfillmentOpen, CreatedAt: t0, Lines: []backorder.FulfillmentLine{{LineID: a, SKU: "A", Quantity: 2}, {LineID: b, SKU: "B", Quantity: 1}}},
		}
		mustWrite(t, s, func(tx backorder.Tx) {
			if err := tx.InsertFulfillments(ctx, fs); err != nil {
				t.Fatal(err)
			}
			fs[2].State = backorder.FulfillmentShipped
			fs[2].ShippedAt = ptr(t0)
			if err := tx.SaveFulfillment(ctx, fs[2]); err != nil {
				t.Fatal(err)
			}
		})
		got, err := mustRead(t, s).OpenRequests(ctx)
		if err != nil {
			t.Fatal(err)
		}
		checkEqual(t, "OpenRequests", got, map[int64]int64{a: 3, b: 2})
	})
	t.Run("SaveHoldsAndListBySKU", func(t *testing.T) {
		s, o := fulfillmentSetup(t, open)
		a, b := o.Lines[0].ID, o.Lines[1].ID
		fs := []*backorder.Fulfillment{
			{OrderID: "ORD-1", State: backorder.FulfillmentOpen, CreatedAt: t0, Lines: []backorder.FulfillmentLine{{LineID: a, SKU: "A", Quantity: 1}, {LineID: b, SKU: "B", Quantity: 2}}},
			{OrderID: "ORD-1", State: backorder.FulfillmentOpen, HoldUntil: "2027-01-01", CreatedAt: t0, Lines: []backorder.FulfillmentLine{{LineID: a, SKU: "A", Quantity: 2}}},
		}
		mustWrite(t, s, func(tx backorder.Tx) {
			if err := tx.InsertFulfillments(ctx, fs); err != nil {
				t.Fatal(err)
			}
			fs[0].HoldUntil, fs[1].HoldUntil = "2027-02-01", ""
			if err := tx.SaveHolds(ctx, fs); err != nil {
				t.Fatal(err)
			}
		})
		tx := mustRead(t, s)
		for _, f := range fs {
			got, err := tx.Fulfillment(ctx, f.ID)
			if err != nil {
				t.Fatal(err)
			} else if got.HoldUntil != f.HoldUntil || got.State != backorder.FulfillmentOpen || len(got.Lines) != len(f.Lines) {
				t.Fatalf("after SaveHolds: %s, want hold %q and nothing else changed", dump(got), f.HoldUntil)
			}
		}
		for sku, want := range map[string][]int64{"A": {fs[0].ID, fs[1].ID}, "B": {fs[0].ID}, "C": {}} {
			got, err := tx.ListFulfillments(ctx, backorder.FulfillmentQuery{SKU: sku, State: backorder.FulfillmentOpen})
			if err != nil {
				t.Fatal(err)
			}
			ids := []int64{}
			for _, f := range got {
				ids = append(ids, f.ID)
			}
			checkEqual(t, "requests with a line of "+sku, ids, want)
		}
		w := mustBegin(t, s)
		checkCode(t, w.SaveHolds(ctx, []*backorder.Fulfillment{{ID: 424242, HoldUntil: "2027-01-01"}}), backorder.ENOTFOUND)
	})
}

func testTxListFulfillments(t *testing.T, open func(t *testing.T) backorder.Store) {
	ctx := context.Background()
	s, o := fulfillmentSetup(t, open)
	var o2 *backorder.Order
	a := o.Lines[0].ID
	fs := []*backorder.Fulfillment{
		{OrderID: "ORD-1", State: backorder.FulfillmentOpen, CreatedAt: t0},                          // ready
		{OrderID: "ORD-1", State: backorder.FulfillmentOpen, HoldUntil: "2026-12-10", CreatedAt: t0}, // held until the 10th
		{OrderID: "ORD-1", State: backorder.FulfillmentOpen, CreatedAt: t0},                          // shipped below
		{OrderID: "ORD-2", State: backorder.FulfillmentOpen, HoldUntil: "2026-12-01", CreatedAt: t0}, // ready from the 1st
		{OrderID: "ORD-1", State: backorder.FulfillmentOpen, CreatedAt: t0},                          // cancelled below
	}
	mustWrite(t, s, func(tx backorder.Tx) {
		o2 = mustInsertOrder(t, tx, "ORD-2", "cust", t0, line{sku: "A", allocated: 1})
		for i, f := range fs {
			lid := a
			if f.OrderID == "ORD-2" {
				lid = o2.Lines[0].ID
			}
			f.Lines = []backorder.FulfillmentLine{{LineID: lid, SKU: "A", Quantity: int64(i + 1)}}
		}
		if err := tx.InsertFulfillments(ctx, fs); err != nil {
			t.Fatal(err)
		}
		fs[2].State, fs[2].ShippedAt, fs[2].Carrier, fs[2].Tracking = backorder.FulfillmentShipped, ptr(t0), "UPS", "1Z"
		fs[4].State = backorder.FulfillmentCancelled
		for _, f := range []*backorder.Fulfillment{fs[2], fs[4]} {
			if err := tx.SaveFulfillment(ctx, f); err != nil {
				t.Fatal(err)
			}
		}
	})
	tx := mustRead(t, s)
	id := func(i ...int) []int64 {
		out := []int64{}
		for _, j := range i {
			out = append(out, fs[j].ID)
		}
		return out
	}
	for _, tc := range []struct {
		name string
		f    backorder.FulfillmentQuery
		want []int64
	}{
		{"All", backorder.FulfillmentQuery{}, id(0, 1, 2, 3, 4)},
		{"Open", backorder.FulfillmentQuery{State: backorder.FulfillmentOpen}, id(0, 1, 3)},
		{"HeldThrough", backorder.FulfillmentQuery{State: backorder.FulfillmentOpen, HeldThrough: "2026-12-01"}, id(0, 3)},
		{"HeldThroughBefore", backorder.FulfillmentQuery{State: backorder.FulfillmentOpen, HeldThrough: "2026-11-30"}, id(0)},
		{"HeldThroughHoldDate", backorder.FulfillmentQuery{State: backorder.FulfillmentOpen, HeldThrough: "2026-12-10"}, id(0, 1, 3)},
		{"HeldAfter", backorder.FulfillmentQuery{State: backorder.FulfillmentOpen, HeldAfter: "2026-12-01"}, id(1)},
		{"HeldAfterBefore", backorder.FulfillmentQuery{State: backorder.FulfillmentOpen, HeldAfter: "2026-11-30"}, id(1, 3)},
		{"HeldAfterNone", backorder.FulfillmentQuery{State: backorder.FulfillmentOpen, HeldAfter: "2026-12-10"}, id()},
		{"Shipped", backorder.FulfillmentQuery{State: backorder.FulfillmentShipped}, id(2)},
		{"Cancelled", backorder.FulfillmentQuery{State: backorder.FulfillmentCancelled}, id(4)},
		{"Order", backorder.FulfillmentQuery{OrderID: "ORD-2"}, id(3)},
		{"OrderHeldThrough", backorder.FulfillmentQuery{OrderID: "ORD-1", State: backorder.FulfillmentOpen, HeldThrough: "2026-12-01"}, id(0)},
		{"After", backorder.FulfillmentQuery{After: fs[1].ID}, id(2, 3, 4)},
		{"Limit", backorder.FulfillmentQuery{Limit: 2}, id(0, 1)},
		{"AfterLimit", backorder.FulfillmentQuery{After: fs[0].ID, Limit: 2}, id(1, 2)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tx.ListFulfillments(ctx, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			ids := []int64{}
			for _, f := range got {
				ids = append(ids, f.ID)
			}
			checkEqual(t, "IDs", ids, tc.want)
		})
	}
	t.Run("WithLines", func(t *testing.T) {
		got, err := tx.ListFulfillments(ctx, backorder.FulfillmentQuery{OrderID: "ORD-2"})
		if err != nil {
			t.Fatal(err)
		} else if len(got) != 1 {
			t.Fatalf("got %d fulfillments, want 1", len(got))
		}
		checkEqual(t, "Lines", got[0].Lines, fs[3].Lines)
		if got[0].HoldUntil != "2026-12-01" || got[0].State != backorder.FulfillmentOpen {
			t.Fatalf("Fulfillment=%s, want open, held until 2026-12-01", dump(got[0]))
		}
	})
}
