package storetest

import (
	"context"
	"testing"

	"github.com/backorder/backorder"
)

// testCancelSameSKULines: an order with two lines of one SKU, one filled and
// one waiting, cancels some units of the SKU. The waiting line's units go;
// the filled line keeps its allocation, so nothing is released and handed to
// the next customer in line.
func testCancelSameSKULines(t *testing.T, open Opener, writers int) {
	svc, clock := MustService(t, open(t), writers)
	ctx := context.Background()
	MustProduct(t, svc, "S", 3, backorder.Policy{})
	req := orderReq("TWO", "cust-two", "S", 3)
	req.Lines = append(req.Lines, backorder.LineRequest{SKU: "S", Quantity: 2})
	o, err := svc.PlaceOrder(ctx, req, nil)
	if err != nil {
		t.Fatal(err)
	} else if l0, l1 := o.Lines[0], o.Lines[1]; l0.Allocated != 3 || l1.Backordered != 2 {
		t.Fatalf("lines=%+v %+v, want the first filled and the second waiting", l0, l1)
	}
	clock.Advance(1)
	MustOrder(t, svc, "NEXT", "S", 1) // waits behind TWO's second line

	o, err = svc.CancelOrder(ctx, "TWO", &backorder.CancelRequest{Reason: "too slow", Lines: []backorder.CancelLine{{SKU: "S", Quantity: 2}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if l0, l1 := o.Lines[0], o.Lines[1]; l0.Allocated != 3 || l0.Cancelled != 0 || l1.Backordered != 0 || l1.Cancelled != 2 {
		t.Fatalf("lines after=%+v %+v, want the waiting line's 2 units cancelled, the filled line kept", l0, l1)
	}
	next, err := svc.Order(ctx, "NEXT")
	if err != nil {
		t.Fatal(err)
	} else if next.Lines[0].Backordered != 1 || len(next.Allocations) != 0 {
		t.Fatalf("NEXT=%+v allocations %+v: no unit was released, so it still waits", next.Lines[0], next.Allocations)
	}
	releases, err := svc.Movements(ctx, backorder.MovementFilter{SKU: "S", Kind: backorder.MoveRelease})
	if err != nil {
		t.Fatal(err)
	} else if len(releases) != 0 {
		t.Fatalf("releases=%+v, want none", releases)
	}
	MustCheck(t, svc)
	MustFair(t, svc, nil)
}
