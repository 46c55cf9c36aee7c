package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/backorder/backorder"
)

// testAtRisk: through the real service, the open purchase orders that are
// overdue or whose supplier's record says late are listed, ranked by the
// value of the backorders whose stored promise names them, with the orders
// affected; an on-time purchase order, and received ones, are not; pages
// follow the ranking.
func testAtRisk(t *testing.T, open Opener, writers int) {
	svc, clock := MustService(t, open(t), writers)
	ctx := context.Background()
	for _, s := range []backorder.SupplierInput{{ID: "GOOD", Name: "Good", LeadTimeDays: 14}, {ID: "LATE", Name: "Late", LeadTimeDays: 14}} {
		if _, _, err := svc.PutSupplier(ctx, &s); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []struct{ sku, supplier string }{{"R", "GOOD"}, {"S", "LATE"}, {"H", "LATE"}} {
		if _, _, err := svc.PutProduct(ctx, &backorder.ProductInput{SKU: p.sku, Name: p.sku, PriceCents: 2500, Currency: "USD",
			Status: backorder.StatusActive, Supply: backorder.Supply{SupplierID: p.supplier}}); err != nil {
			t.Fatal(err)
		}
	}
	po := func(ref, supplier, sku string, qty int64, expected string) int64 {
		t.Helper()
		p, err := svc.CreatePurchaseOrder(ctx, &backorder.PurchaseOrderRequest{Reference: ref, SupplierID: supplier, ExpectedAt: expected,
			Lines: []backorder.POLineRequest{{SKU: sku, Quantity: qty}}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return p.ID
	}
	// LATE's history: 5 lines promised for 01-06, all received on 01-08.
	var history []int64
	for i := range backorder.MinReliabilitySample {
		history = append(history, po(fmt.Sprint("H", i), "LATE", "H", 1, "2026-01-06"))
	}
	poR := po("PO-R", "GOOD", "R", 10, "2026-01-07")  // will be overdue
	poS := po("PO-S", "LATE", "S", 10, "2026-02-01")  // its supplier is late
	poOK := po("PO-OK", "GOOD", "R", 5, "2026-03-01") // neither
	MustOrder(t, svc, "o1", "R", 3)
	MustOrder(t, svc, "o2", "S", 1)
	if _, err := svc.PlaceOrder(ctx, &backorder.OrderRequest{ID: "o3", Customer: backorder.Customer{ID: "c3", Email: "c3@example.com", Name: "c3"},
		Lines: []backorder.LineRequest{{SKU: "R", Quantity: 2}, {SKU: "S", Quantity: 2}}, Shipping: backorder.ShippingStandard}, nil); err != nil {
		t.Fatal(err)
	}
	clock.Advance(72 * time.Hour) // 2026-01-08
	for _, id := range history {
		if _, err := svc.ReceivePurchaseOrder(ctx, id, &backorder.POReceiptRequest{Lines: []backorder.POLineRequest{{SKU: "H", Quantity: 1}}}, nil); err != nil {
			t.Fatal(err)
		}
	}
	o3, err := svc.Order(ctx, "o3")
	if err != nil {
		t.Fatal(err)
	}
	o1 := MustOrderLine(t, svc, "o1")
	o2 := MustOrderLine(t, svc, "o2")
	if o1.ETA == nil || o1.ETA.PurchaseOrderID != poR || o2.ETA == nil || o2.ETA.PurchaseOrderID != poS {
		t.Fatalf("promises: o1 %+v, o2 %+v; want PO %d and %d", o1.ETA, o2.ETA, poR, poS)
	}

	all, next, err := svc.AtRiskPurchaseOrders(ctx, nil, 10)
	if err != nil {
		t.Fatal(err)
	}
	if next != nil {
		t.Fatalf("one page holds them all, but next=%v", next)
	}
	share := 0.0
	checkEqual(t, "at risk", all, []backorder.AtRiskPO{
		{PurchaseOrderID: poR, Reference: "PO-R", SupplierID: "GOOD", ExpectedAt: "2026-01-07", PredictedArrival: "2026-01-08", OpenUnits: 10,
			Reasons:             []backorder.RiskReason{{Code: backorder.RiskOverdue, DaysOverdue: 1}},
			BackorderValueCents: 5 * 2500, WaitingUnits: 5, WaitingLines: 2, OrderCount: 2,
			Orders: []backorder.AffectedOrder{
				{OrderID: "o1", Units: 3, ValueCents: 7500, Lines: []backorder.AffectedLine{{LineID: o1.ID, SKU: "R", Units: 3, ValueCents: 7500}}},
				{OrderID: "o3", Units: 2, ValueCents: 5000, Lines: []backorder.AffectedLine{{LineID: o3.Lines[0].ID, SKU: "R", Units: 2, ValueCents: 5000}}},
			}},
		{PurchaseOrderID: poS, Reference: "PO-S", SupplierID: "LATE", ExpectedAt: "2026-02-01", PredictedArrival: "2026-02-03", OpenUnits: 10,
			Reasons:             []backorder.RiskReason{{Code: backorder.RiskSupplierLate, ExpectedLatenessDays: 2, OnTimeShare: &share, Sample: 5}},
			BackorderValueCents: 3 * 2500, WaitingUnits: 3, WaitingLines: 2, OrderCount: 2,
			Orders: []backorder.AffectedOrder{
				{OrderID: "o3", Units: 2, ValueCents: 5000, Lines: []backorder.AffectedLine{{LineID: o3.Lines[1].ID, SKU: "S", Units: 2, ValueCents: 5000}}},
				{OrderID: "o2", Units: 1, ValueCents: 2500, Lines: []backorder.AffectedLine{{LineID: o2.ID, SKU: "S", Units: 1, ValueCents: 2500}}},
			}},
	})
	for _, a := range all {
		if a.PurchaseOrderID == poOK {
			t.Fatalf("PO-OK (due 03-01, reliable supplier) is listed at risk")
		}
	}

	// Pages of one follow the ranking.
	first, next, err := svc.AtRiskPurchaseOrders(ctx, nil, 1)
	if err != nil {
		t.Fatal(err)
	} else if len(first) != 1 || first[0].PurchaseOrderID != poR || next == nil {
		t.Fatalf("page 1: %s next=%v", dump(first), next)
	}
	second, next, err := svc.AtRiskPurchaseOrders(ctx, next, 1)
	if err != nil {
		t.Fatal(err)
	} else if len(second) != 1 || second[0].PurchaseOrderID != poS || next != nil {
		t.Fatalf("page 2: %s next=%v", dump(second), next)
	}
	_, _, err = svc.AtRiskPurchaseOrders(ctx, nil, backorder.MaxPageLimit+1)
	checkCode(t, err, backorder.EINVALID)

	// Receiving PO-R in full takes it off the list.
	if _, err := svc.ReceivePurchaseOrder(ctx, poR, &backorder.POReceiptRequest{Lines: []backorder.POLineRequest{{SKU: "R", Quantity: 10}}}, nil); err != nil {
		t.Fatal(err)
	}
	if all, _, err = svc.AtRiskPurchaseOrders(ctx, nil, 10); err != nil {
		t.Fatal(err)
	} else if len(all) != 1 || all[0].PurchaseOrderID != poS {
		t.Fatalf("after receiving PO-R: %s", dump(all))
	}
}

// testForecast: through the real service, a SKU's demand over a window of
// days comes from the orders accepted in it, its cover from the units
// available, and its suggested order from its queue, its inbound supply and
// the lead time with its source.
func testForecast(t *testing.T, open Opener, writers int) {
	svc, clock := MustService(t, open(t), writers)
	ctx := context.Background()
	if _, _, err := svc.PutSupplier(ctx, &backorder.SupplierInput{ID: "GOOD", Name: "Good", LeadTimeDays: 14}); err != nil {
		t.Fatal(err)
	}
	put := func(sku string, supply backorder.Supply, stock int64) {
		t.Helper()
		if _, _, err := svc.PutProduct(ctx, &backorder.ProductInput{SKU: sku, Name: sku, PriceCents: 2500, Currency: "USD",
			Status: backorder.StatusActive, Supply: supply}); err != nil {
			t.Fatal(err)
		}
		if stock > 0 {
			if _, err := svc.Receive(ctx, &backorder.ReceiptRequest{SKU: sku, Quantity: stock}, nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	put("R", backorder.Supply{SupplierID: "GOOD"}, 0)
	put("T", backorder.Supply{LeadTimeDays: ptr(10)}, 4)
	put("U", backorder.Supply{}, 10)
	if _, err := svc.CreatePurchaseOrder(ctx, &backorder.PurchaseOrderRequest{Reference: "PO", SupplierID: "GOOD", ExpectedAt: "2026-02-01",
		Lines: []backorder.POLineRequest{{SKU: "R", Quantity: 15}}}, nil); err != nil {
		t.Fatal(err)
	}
	MustOrder(t, svc, "r1", "R", 3)
	MustOrder(t, svc, "r2", "R", 2)
	MustOrder(t, svc, "t1", "T", 6)
	MustOrder(t, svc, "u1", "U", 2)
	clock.Advance(72 * time.Hour) // 2026-01-08

	get := func(sku string, days int) *backorder.Forecast {
		t.Helper()
		f, err := svc.Forecast(ctx, sku, days)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	// R: 5 units in 28 days, none available, 5 waiting, 15 inbound. The
	// supplier's 14 days plus the default buffer (no history): 17 days,
	// ceil(5/28 × 17) = 4 units. 5 + 4 - 15 is below 0: order nothing.
	f := get("R", 28)
	checkEqual(t, "R", f, &backorder.Forecast{SKU: "R", Days: 28, Since: "2025-12-12", UnitsOrdered: 5, DailyRate: 5.0 / 28,
		Backordered: 5, Inbound: 15, StockOut: backorder.StockOutNow, LeadTimeDays: ptr(14), LeadTimeSource: backorder.LeadTimeFromSupplier,
		BufferDays: backorder.DefaultBufferDays, CoverDays: 17, DemandOverLead: 4, DaysOfCover: ptr(0.0)})
	// T: 6 ordered, 4 of them allocated; its own 10 days plus the default
	// buffer, 13 days: ceil(6/28 × 13) = 3, plus 2 waiting = 5.
	f = get("T", 28)
	checkEqual(t, "T", f, &backorder.Forecast{SKU: "T", Days: 28, Since: "2025-12-12", UnitsOrdered: 6, DailyRate: 6.0 / 28,
		OnHand: 4, Backordered: 2, StockOut: backorder.StockOutNow, LeadTimeDays: ptr(10), LeadTimeSource: backorder.LeadTimeFromProduct,
		BufferDays: backorder.DefaultBufferDays, CoverDays: 13, DemandOverLead: 3, SuggestedOrder: 5, DaysOfCover: ptr(0.0)})
	// U: 8 available at 2/28 a day last 112 days, to 2026-04-30; no lead
	// time known, nothing waits: nothing to order.
	f = get("U", 28)
	checkEqual(t, "U", f, &backorder.Forecast{SKU: "U", Days: 28, Since: "2025-12-12", UnitsOrdered: 2, DailyRate: 2.0 / 28,
		OnHand: 10, Available: 8, StockOut: backorder.StockOutProjected, StockOutDate: ptr("2026-04-30"), DaysOfCover: ptr(112.0),
		LeadTimeSource: backorder.LeadTimeUnknown})
	// A window of 3 days (01-06 to 01-08) misses the orders of 01-05.
	if f = get("U", 3); f.UnitsOrdered != 0 || f.DaysOfCover != nil || f.StockOut != backorder.StockOutNoDemand || f.StockOutDate != nil {
		t.Fatalf("U over 3 days: %s", dump(f))
	}
	if f = get("U", 4); f.UnitsOrdered != 2 || f.Since != "2026-01-05" {
		t.Fatalf("U over 4 days: %s", dump(f))
	}
	_, err := svc.Forecast(ctx, "missing", 28)
	checkCode(t, err, backorder.ENOTFOUND)
	_, err = svc.Forecast(ctx, "U", 0)
	checkCode(t, err, backorder.EINVALID)
}
