package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/backorder/backorder"
)

// testTxBackorderStats: BackorderStats counts a SKU's lines with a
// backorder movement at or after since, and those with a unit cancelled;
// a product's avoid rules are stored as given.
func testTxBackorderStats(t *testing.T, open func(t *testing.T) backorder.Store) {
	s := open(t)
	ctx := context.Background()
	day := 24 * time.Hour
	mustWrite(t, s, func(tx backorder.Tx) {
		MustPutProduct(t, tx, "A", backorder.Stock{Backordered: 5})
		MustPutProduct(t, tx, "B", backorder.Stock{Backordered: 1})
		old := mustInsertOrder(t, tx, "OLD", "c", t0, line{sku: "A", cancel: 2})
		kept := mustInsertOrder(t, tx, "KEPT", "c", t0.Add(10*day), waiting("A", 3), waiting("B", 1))
		gone := mustInsertOrder(t, tx, "GONE", "c", t0.Add(11*day), line{sku: "A", backordered: 2, cancel: 1})
		stock := mustInsertOrder(t, tx, "STOCK", "c", t0.Add(12*day), line{sku: "A", allocated: 0, cancel: 4})
		ms := []backorder.Movement{
			{At: t0, Kind: backorder.MoveBackorder, SKU: "A", Quantity: 2, OrderID: "OLD", LineID: old.Lines[0].ID},
			{At: t0.Add(10 * day), Kind: backorder.MoveBackorder, SKU: "A", Quantity: 3, OrderID: "KEPT", LineID: kept.Lines[0].ID},
			{At: t0.Add(10 * day), Kind: backorder.MoveBackorder, SKU: "B", Quantity: 1, OrderID: "KEPT", LineID: kept.Lines[1].ID},
			{At: t0.Add(11 * day), Kind: backorder.MoveBackorder, SKU: "A", Quantity: 3, OrderID: "GONE", LineID: gone.Lines[0].ID},
			// Allocated from stock and cancelled: never backordered, not counted.
			{At: t0.Add(12 * day), Kind: backorder.MoveAllocate, SKU: "A", Quantity: 4, OrderID: "STOCK", LineID: stock.Lines[0].ID, Reason: backorder.ReasonInStock},
		}
		if err := tx.AppendMovements(ctx, ms); err != nil {
			t.Fatal(err)
		}
	})
	tx := mustRead(t, s)
	defer tx.Rollback()
	for _, c := range []struct {
		sku   string
		since time.Time
		want  backorder.BackorderStats
	}{
		{"A", t0, backorder.BackorderStats{Lines: 3, Cancelled: 2}},
		{"A", t0.Add(time.Microsecond), backorder.BackorderStats{Lines: 2, Cancelled: 1}},
		{"A", t0.Add(10 * day), backorder.BackorderStats{Lines: 2, Cancelled: 1}},
		{"A", t0.Add(11*day + time.Second), backorder.BackorderStats{}},
		{"B", t0, backorder.BackorderStats{Lines: 1}},
		{"NONE", t0, backorder.BackorderStats{}},
	} {
		got, err := tx.BackorderStats(ctx, c.sku, c.since)
		if err != nil {
			t.Fatal(err)
		}
		checkEqual(t, "BackorderStats("+c.sku+", "+c.since.Format(time.RFC3339Nano)+")", got, c.want)
	}
	tx.Rollback()

	rules := backorder.AvoidRules{{Rule: backorder.RuleLeadTime, MaxDays: ptr(21)}, {Rule: backorder.RuleNoRestockDate, Enabled: ptr(false)},
		{Rule: backorder.RuleCancelRisk, WindowDays: ptr(30), MaxCancelRate: ptr(0.25), MinSample: ptr(4)}}
	mustWrite(t, s, func(tx backorder.Tx) {
		p := &backorder.Product{SKU: "R", Name: "R", PriceCents: 1, Currency: "USD", Status: backorder.StatusActive,
			Policy: backorder.Policy{AvoidRules: rules}, CreatedAt: t0, UpdatedAt: t0}
		if err := tx.PutProduct(ctx, p); err != nil {
			t.Fatal(err)
		}
	})
	r := mustRead(t, s)
	defer r.Rollback()
	p, err := r.Product(ctx, "R")
	if err != nil {
		t.Fatal(err)
	}
	checkEqual(t, "AvoidRules", p.AvoidRules, rules)
	if a, err := r.Product(ctx, "A"); err != nil {
		t.Fatal(err)
	} else if a.AvoidRules != nil {
		t.Fatalf("A avoid rules=%+v, want none", a.AvoidRules)
	}
}

// testAvoidRules: each avoid rule refuses through the service, naming
// itself; the refusal is kept as lost demand and a quote shows it; a
// product turns a shop-wide rule off.
func testAvoidRules(t *testing.T, open Opener, writers int) {
	svc, clock := MustService(t, open(t), writers)
	ctx := context.Background()
	for _, sup := range []backorder.SupplierInput{{ID: "SLOW", Name: "Slow", LeadTimeDays: 40}, {ID: "LATE", Name: "Late", LeadTimeDays: 5}} {
		if _, _, err := svc.PutSupplier(ctx, &sup); err != nil {
			t.Fatal(err)
		}
	}
	put := func(sku, supplier string, rules backorder.AvoidRules) {
		t.Helper()
		if _, _, err := svc.PutProduct(ctx, &backorder.ProductInput{SKU: sku, Name: sku, PriceCents: 100, Currency: "USD", Status: backorder.StatusActive,
			Supply: backorder.Supply{SupplierID: supplier}, Policy: backorder.Policy{AvoidRules: rules}}); err != nil {
			t.Fatal(err)
		}
	}
	// LATE delivered its one purchase order line 4 days after the date it promised.
	put("HIST", "LATE", nil)
	po, err := svc.CreatePurchaseOrder(ctx, &backorder.PurchaseOrderRequest{Reference: "P1", SupplierID: "LATE", ExpectedAt: "2026-01-06",
		Lines: []backorder.POLineRequest{{SKU: "HIST", Quantity: 1}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(5 * 24 * time.Hour) // 2026-01-10
	if _, err := svc.ReceivePurchaseOrder(ctx, po.ID, &backorder.POReceiptRequest{Lines: []backorder.POLineRequest{{SKU: "HIST", Quantity: 1}}}, nil); err != nil {
		t.Fatal(err)
	}
	// CR had 2 lines backordered, one of them cancelled: a cancel rate of 0.5.
	put("CR", "", nil)
	MustOrder(t, svc, "CR-1", "CR", 1)
	MustOrder(t, svc, "CR-2", "CR", 1)
	if _, err := svc.CancelOrder(ctx, "CR-1", &backorder.CancelRequest{Reason: "customer"}, nil); err != nil {
		t.Fatal(err)
	}

	put("NR", "", backorder.AvoidRules{{Rule: backorder.RuleNoRestockDate}})
	put("LT", "SLOW", backorder.AvoidRules{{Rule: backorder.RuleLeadTime, MaxDays: ptr(30)}})
	put("LT-OK", "SLOW", backorder.AvoidRules{{Rule: backorder.RuleLeadTime, MaxDays: ptr(60)}})
	put("SR", "LATE", backorder.AvoidRules{{Rule: backorder.RuleSupplierReliability, MinSample: ptr(1)}})
	put("SR-FEW", "LATE", backorder.AvoidRules{{Rule: backorder.RuleSupplierReliability}}) // default sample of 5: too little history
	put("CR", "", backorder.AvoidRules{{Rule: backorder.RuleCancelRisk, MaxCancelRate: ptr(0.4), MinSample: ptr(2)}})

	for _, c := range []struct{ sku, rule string }{
		{"NR", backorder.RuleNoRestockDate},
		{"LT", backorder.RuleLeadTime},
		{"SR", backorder.RuleSupplierReliability},
		{"CR", backorder.RuleCancelRisk},
		{"LT-OK", ""},
		{"SR-FEW", ""},
	} {
		q, err := svc.Quote(ctx, orderReq("", "ann", c.sku, 1))
		if err != nil {
			t.Fatal(err)
		}
		_, err = svc.PlaceOrder(ctx, orderReq("O-"+c.sku, "ann", c.sku, 1), nil)
		if c.rule == "" {
			if err != nil || q.Status != backorder.OrderBackordered {
				t.Fatalf("%s: err=%v quote=%+v, want backordered", c.sku, err, q)
			}
			continue
		}
		if e := backorder.AsError(err); e.Code != backorder.EREFUSED || e.Rule != c.rule || e.Field != "lines[0].quantity" {
			t.Fatalf("%s: err=%#v, want EREFUSED by %s", c.sku, err, c.rule)
		}
		if q.Status != backorder.QuoteRefused || len(q.Refused) != 1 || q.Refused[0].Rule != c.rule {
			t.Fatalf("%s: quote=%+v, want refused by %s", c.sku, q, c.rule)
		}
	}
	// A storefront shows what the rules would refuse as unavailable.
	for sku, want := range map[string]string{"NR": backorder.RuleNoRestockDate, "LT": backorder.RuleLeadTime, "SR": backorder.RuleSupplierReliability, "CR": backorder.RuleCancelRisk, "LT-OK": ""} {
		p, err := svc.Product(ctx, sku)
		if err != nil {
			t.Fatal(err)
		}
		if a := p.Availability; want == "" && a.Status != backorder.AvailableBackorder || want != "" && (a.Status != backorder.AvailableUnavailable || a.Rule != want) {
			t.Fatalf("%s availability=%+v, want rule %q", sku, a, want)
		}
	}
	lost, err := svc.LostDemand(ctx, backorder.LostDemandFilter{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, l := range lost {
		got[l.SKU] = l.Rule
	}
	checkEqual(t, "lost demand", got, map[string]string{"NR": backorder.RuleNoRestockDate, "LT": backorder.RuleLeadTime, "SR": backorder.RuleSupplierReliability, "CR": backorder.RuleCancelRisk})

	// Shop-wide: no_restock_date refuses every product without supply,
	// except one that turns it off.
	s, err := svc.Settings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	s.AvoidRules = backorder.AvoidRules{{Rule: backorder.RuleNoRestockDate}}
	if _, err := svc.PutSettings(ctx, s); err != nil {
		t.Fatal(err)
	}
	put("SHOP", "", nil)
	put("SHOP-OFF", "", backorder.AvoidRules{{Rule: backorder.RuleNoRestockDate, Enabled: ptr(false)}})
	if _, err := svc.PlaceOrder(ctx, orderReq("O-SHOP", "ann", "SHOP", 1), nil); backorder.AsError(err).Rule != backorder.RuleNoRestockDate {
		t.Fatalf("shop-wide rule: err=%v", err)
	}
	if _, err := svc.PlaceOrder(ctx, orderReq("O-SHOP-OFF", "ann", "SHOP-OFF", 1), nil); err != nil {
		t.Fatalf("rule off for the product: err=%v", err)
	}
	if p, err := svc.Product(ctx, "SHOP-OFF"); err != nil {
		t.Fatal(err)
	} else if len(p.Effective.AvoidRules) != 0 {
		t.Fatalf("SHOP-OFF effective avoid rules=%+v, want none", p.Effective.AvoidRules)
	}
	s.AvoidRules = backorder.AvoidRules{{Rule: backorder.RuleLeadTime, MaxDays: ptr(-1)}}
	if _, err := svc.PutSettings(ctx, s); backorder.ErrorCode(err) != backorder.EINVALID || backorder.AsError(err).Field != "avoid_rules[0].max_days" {
		t.Fatalf("bad settings: err=%v", err)
	}
	MustCheck(t, svc)
}
