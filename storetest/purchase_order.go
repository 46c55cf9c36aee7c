package storetest

import (
	"context"
	"testing"

	"github.com/backorder/backorder"
)

// testPurchaseOrderFlow: a delivery against a purchase order is a receipt
// of each SKU (the waiting queue is filled in the same transaction), the
// purchase order follows, and the history checks out.
func testPurchaseOrderFlow(t *testing.T, open Opener, writers int) {
	svc, clock := MustService(t, open(t), writers)
	ctx := context.Background()
	if _, _, err := svc.PutSupplier(ctx, &backorder.SupplierInput{ID: "ACME", Name: "Acme", LeadTimeDays: 14}); err != nil {
		t.Fatal(err)
	}
	MustProduct(t, svc, "A", 0, backorder.Policy{})
	MustProduct(t, svc, "B", 0, backorder.Policy{})
	MustOrder(t, svc, "W1", "A", 2)
	clock.Advance(1)
	MustOrder(t, svc, "W2", "A", 2)
	po, err := svc.CreatePurchaseOrder(ctx, &backorder.PurchaseOrderRequest{Reference: "PO-1", SupplierID: "ACME", ExpectedAt: "2026-02-20",
		Lines: []backorder.POLineRequest{{SKU: "A", Quantity: 5}, {SKU: "B", Quantity: 2}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.ReschedulePurchaseOrder(ctx, po.ID, "2026-02-25"); err != nil {
		t.Fatal(err)
	}
	r, err := svc.ReceivePurchaseOrder(ctx, po.ID, &backorder.POReceiptRequest{Lines: []backorder.POLineRequest{{SKU: "A", Quantity: 3}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rc := r.Receipts[0]; rc.UnitsAllocated != 3 || rc.OrdersFilled != 2 || rc.Backordered != 1 {
		t.Fatalf("receipt=%+v: W1 filled, W2 partly", rc)
	}
	po, err = svc.CancelPurchaseOrder(ctx, po.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := svc.PurchaseOrder(ctx, po.ID)
	if err != nil {
		t.Fatal(err)
	} else if got.Status != backorder.POCancelled || got.Lines[0].Received != 3 || got.Lines[0].Cancelled != 2 || got.Lines[1].Cancelled != 2 ||
		len(got.DateChanges) != 1 || got.ExpectedAt != "2026-02-25" {
		t.Fatalf("purchase order=%s", dump(got))
	}
	if _, err := svc.ReceivePurchaseOrder(ctx, po.ID, &backorder.POReceiptRequest{Lines: []backorder.POLineRequest{{SKU: "A", Quantity: 1}}}, nil); backorder.ErrorCode(err) != backorder.ECONFLICT {
		t.Fatalf("delivery to a cancelled order: err=%v", err)
	}
	MustCheck(t, svc)
	MustFair(t, svc, nil)
}
