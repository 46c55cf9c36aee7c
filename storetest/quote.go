package storetest

import (
	"context"
	"testing"

	"github.com/backorder/backorder"
)

// testQuote: a quote is the intake decision on the stock, the policies and
// the customer's waiting units of the moment, and writes nothing.
func testQuote(t *testing.T, open Opener, writers int) {
	svc, _ := MustService(t, open(t), writers)
	ctx := context.Background()
	MustProduct(t, svc, "A", 2, backorder.Policy{})
	MustProduct(t, svc, "LIM", 0, backorder.Policy{MaxBackorderPerCustomer: ptr[int64](2)})
	if _, err := svc.PlaceOrder(ctx, orderReq("FIRST", "ann", "LIM", 2), nil); err != nil {
		t.Fatal(err)
	}
	quote := func(customer, sku string, qty int64) *backorder.Quote {
		t.Helper()
		req := orderReq("", customer, sku, qty)
		q, err := svc.Quote(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		return q
	}
	if q := quote("bob", "A", 2); q.Status != backorder.OrderAllocated || q.Lines[0].Allocated != 2 {
		t.Fatalf("exactly available: %+v", q)
	}
	if q := quote("bob", "A", 3); q.Status != backorder.OrderPartiallyBackordered || q.Lines[0].Backordered != 1 {
		t.Fatalf("one more: %+v", q)
	}
	// Ann already waits for 2 of LIM, her limit; Bob does not.
	if q := quote("ann", "LIM", 1); q.Status != backorder.QuoteRefused || q.Refused[0].Rule != backorder.RuleCustomerLimit {
		t.Fatalf("over the customer's limit: %+v", q)
	}
	if q := quote("bob", "LIM", 1); q.Status != backorder.OrderBackordered {
		t.Fatalf("within the limit: %+v", q)
	}
	if _, err := svc.Quote(ctx, orderReq("", "bob", "MISSING", 1)); backorder.ErrorCode(err) != backorder.ENOTFOUND {
		t.Fatalf("unknown SKU: err=%v", err)
	}
	// Nothing written: A's stock is whole, no lost demand, one order.
	p, err := svc.Product(ctx, "A")
	if err != nil {
		t.Fatal(err)
	} else if p.Stock.Available() != 2 {
		t.Fatalf("A available=%d after quotes, want 2", p.Stock.Available())
	}
	if lost, err := svc.LostDemand(ctx, backorder.LostDemandFilter{}); err != nil || len(lost) != 0 {
		t.Fatalf("lost demand=%v, %v; want none", lost, err)
	}
	if os, err := svc.Orders(ctx, backorder.OrderFilter{}); err != nil || len(os) != 1 {
		t.Fatalf("orders=%d, %v; want 1", len(os), err)
	}
	MustCheck(t, svc)
}
