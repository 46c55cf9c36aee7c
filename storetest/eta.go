package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/backorder/backorder"
)

// testQueueETA: the queue shows each waiting line's promise date from the
// SKU's open purchase orders, earliest first, then from the supplier's lead
// time; a page goes on from the units waiting before it.
func testQueueETA(t *testing.T, open Opener, writers int) {
	svc, clock := MustService(t, open(t), writers)
	ctx := context.Background()
	if _, _, err := svc.PutSupplier(ctx, &backorder.SupplierInput{ID: "ACME", Name: "Acme", LeadTimeDays: 30}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.PutProduct(ctx, &backorder.ProductInput{SKU: "E", Name: "E", PriceCents: 100, Currency: "USD", Status: backorder.StatusActive,
		Supply: backorder.Supply{SupplierID: "ACME"}}); err != nil {
		t.Fatal(err)
	}
	for i := range 4 {
		MustOrder(t, svc, fmt.Sprint("E", i), "E", 2)
		clock.Advance(time.Minute)
	}
	for _, po := range []backorder.PurchaseOrderRequest{
		{Reference: "LATER", SupplierID: "ACME", ExpectedAt: "2026-03-01", Lines: []backorder.POLineRequest{{SKU: "E", Quantity: 3}}},
		{Reference: "SOONER", SupplierID: "ACME", ExpectedAt: "2026-02-01", Lines: []backorder.POLineRequest{{SKU: "E", Quantity: 3}}},
	} {
		if _, err := svc.CreatePurchaseOrder(ctx, &po, nil); err != nil {
			t.Fatal(err)
		}
	}
	// 8 units wait in 4 lines of 2; 6 come in: 3 on 02-01, 3 on 03-01. The
	// buffer is the default 3 days (no deliveries yet) and handling 1 day.
	// The second line's last unit is the 4th: only the later purchase order
	// covers it. Past the supply, the supplier's 30 days from today
	// (2026-01-05), plus buffer and handling.
	want := []string{"2026-02-05", "2026-03-05", "2026-03-05", "2026-02-08"}
	for _, size := range []int{4, 1} {
		var got []string
		after := ""
		for range 6 {
			page, err := svc.Queue(ctx, backorder.QueueFilter{SKU: "E", After: after, Limit: size})
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range page {
				got = append(got, p.ETA.Date)
			}
			if len(page) < size {
				break
			}
			after = page[len(page)-1].Cursor()
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("pages of %d: dates=%v, want %v", size, got, want)
		}
	}
	// The product: 6 units inbound; a 9th unit ordered now falls past the
	// supply, on the lead time; a storefront shows a backorder with it.
	p, err := svc.Product(ctx, "E")
	if err != nil {
		t.Fatal(err)
	} else if p.Inbound != 6 || p.NextETA == nil || p.NextETA.Date != "2026-02-08" || p.NextETA.Basis != backorder.BasisLeadTime {
		t.Fatalf("product supply: inbound=%d next=%+v", p.Inbound, p.NextETA)
	} else if a := p.Availability; a == nil || a.Status != backorder.AvailableBackorder || a.ETA == nil || a.ETA.Date != "2026-02-08" {
		t.Fatalf("availability=%+v", p.Availability)
	}
}
