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

// testQuoteDates: a quote's lines carry the promise PlaceOrder would give
// them now: nothing when the stock covers them, the purchase order that
// covers their last unit, the lead time past every open PO; a priority
// line's promise counts only the lines it would wait behind.
func testQuoteDates(t *testing.T, open Opener, writers int) {
	svc, _ := MustService(t, open(t), writers)
	ctx := context.Background()
	if _, _, err := svc.PutSupplier(ctx, &backorder.SupplierInput{ID: "ACME", Name: "Acme", LeadTimeDays: 30}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.PutProduct(ctx, &backorder.ProductInput{SKU: "Q", Name: "Q", PriceCents: 100, Currency: "USD", Status: backorder.StatusActive,
		Supply: backorder.Supply{SupplierID: "ACME"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Receive(ctx, &backorder.ReceiptRequest{SKU: "Q", Quantity: 2}, nil); err != nil {
		t.Fatal(err)
	}
	var pos []int64
	for _, po := range []backorder.PurchaseOrderRequest{
		{Reference: "PO-1", SupplierID: "ACME", ExpectedAt: "2026-01-20", Lines: []backorder.POLineRequest{{SKU: "Q", Quantity: 3}}},
		{Reference: "PO-2", SupplierID: "ACME", ExpectedAt: "2026-02-01", Lines: []backorder.POLineRequest{{SKU: "Q", Quantity: 3}}},
	} {
		got, err := svc.CreatePurchaseOrder(ctx, &po, nil)
		if err != nil {
			t.Fatal(err)
		}
		pos = append(pos, got.ID)
	}
	quote := func(customer string, vip bool, qty int64) *backorder.Quote {
		t.Helper()
		req := orderReq("", customer, "Q", qty)
		req.Customer.VIP = vip
		q, err := svc.Quote(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		return q
	}
	// Today is 2026-01-05; a PO's promise is its date + 3 days' default
	// buffer + 1 day's handling; the lead time's is today + 30 + 3 + 1.
	for _, tt := range []struct {
		name  string
		qty   int64
		date  string
		basis string
		po    int64
	}{
		{"exactly available", 2, "", "", 0},
		{"one more", 3, "2026-01-24", backorder.BasisPurchaseOrder, pos[0]},
		{"the first PO's last unit", 5, "2026-01-24", backorder.BasisPurchaseOrder, pos[0]},
		{"covered by the second PO", 6, "2026-02-05", backorder.BasisPurchaseOrder, pos[1]},
		{"not covered", 9, "2026-02-08", backorder.BasisLeadTime, 0},
	} {
		q := quote("bob", false, tt.qty)
		l := q.Lines[0]
		if tt.date == "" {
			if l.ETA != nil || q.ETA != nil {
				t.Fatalf("%s: eta=%+v order eta=%+v, want none", tt.name, l.ETA, q.ETA)
			}
			continue
		}
		if l.ETA == nil || l.ETA.Date != tt.date || l.ETA.Basis != tt.basis || l.ETA.PurchaseOrderID != tt.po || q.ETA == nil || q.ETA.Date != tt.date {
			t.Fatalf("%s: eta=%+v order eta=%+v, want %s %s PO %d", tt.name, l.ETA, q.ETA, tt.date, tt.basis, tt.po)
		}
	}

	// Ann's 5 take the 2 on hand and wait for 3: PO-1's. A VIP would wait
	// behind no one; anyone else behind Ann. Each order placed gets the
	// date its quote gave.
	settings := backorder.DefaultSettings()
	settings.Priority.VIP.Enabled = true
	if _, err := svc.PutSettings(ctx, &settings); err != nil {
		t.Fatal(err)
	}
	MustOrder(t, svc, "ANN", "Q", 5)
	for _, tt := range []struct {
		customer string
		vip      bool
		date     string
	}{{"bob", false, "2026-02-05"}, {"vip", true, "2026-01-24"}} {
		q := quote(tt.customer, tt.vip, 3)
		if q.Lines[0].ETA == nil || q.Lines[0].ETA.Date != tt.date {
			t.Fatalf("%s's quote: eta=%+v, want %s", tt.customer, q.Lines[0].ETA, tt.date)
		}
		req := orderReq("O-"+tt.customer, tt.customer, "Q", 3)
		req.Customer.VIP = tt.vip
		o, err := svc.PlaceOrder(ctx, req, nil)
		if err != nil {
			t.Fatal(err)
		}
		if *o.Lines[0].ETA != *q.Lines[0].ETA {
			t.Fatalf("%s's order: eta=%+v, quoted %+v", tt.customer, o.Lines[0].ETA, q.Lines[0].ETA)
		}
	}
	// The VIP went ahead of Ann: her 3 now fall on PO-2.
	if l := MustOrderLine(t, svc, "ANN"); l.ETA == nil || l.ETA.Date != "2026-02-05" {
		t.Fatalf("Ann's line after the VIP: eta=%+v", l.ETA)
	}
	MustDated(t, svc)
	MustCheck(t, svc)
}
