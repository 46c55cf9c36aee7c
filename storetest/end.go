package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/backorder/backorder"
)

// testBackorderEnd runs the auto split, stale backorder and cancellation
// reason tests: the Tx methods they store through, and their flows.
func testBackorderEnd(t *testing.T, open Opener, writers int) {
	t.Run("TxSplitDecision", func(t *testing.T) { t.Parallel(); testTxSplitDecision(t, open) })
	t.Run("TxStaleLines", func(t *testing.T) { t.Parallel(); testTxStaleLines(t, open) })
	t.Run("TxCancellations", func(t *testing.T) { t.Parallel(); testTxCancellations(t, open) })
	t.Run("AutoSplit", func(t *testing.T) { t.Parallel(); testAutoSplit(t, open, writers) })
	t.Run("StalePolicy", func(t *testing.T) { t.Parallel(); testStalePolicy(t, open, writers) })
	t.Run("CancellationReasons", func(t *testing.T) { t.Parallel(); testCancellationReasons(t, open, writers) })
	t.Run("Concurrent", func(t *testing.T) { t.Parallel(); testBackorderEndConcurrent(t, open, writers) })
}

// testBackorderEndConcurrent: auto split orders, receipts, purchase order
// date moves (re-taking decisions), cancellations with reason codes and
// stale sweeps, all at once; then every invariant holds, each auto order's
// split choice is its recorded decision, and every cancelled unit has its
// record.
func testBackorderEndConcurrent(t *testing.T, open Opener, writers int) {
	svc, clock := MustService(t, open(t), writers)
	ctx := context.Background()
	set := backorder.DefaultSettings()
	set.AutoSplit = backorder.AutoSplitSettings{WaitDays: ptr(7), ShipmentCostCents: ptr(int64(300)), MaxCostPercent: ptr(10)}
	set.Stale = backorder.StaleSettings{AfterDays: 3, Action: backorder.StaleCancel}
	if _, err := svc.PutSettings(ctx, &set); err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.PutSupplier(ctx, &backorder.SupplierInput{ID: "ACME", Name: "Acme", LeadTimeDays: 20}); err != nil {
		t.Fatal(err)
	}
	putProduct(t, svc, "A", 1000, "ACME", backorder.SplitAuto, 5)
	putProduct(t, svc, "B", 1000, "ACME", backorder.SplitAuto, 0)
	po, err := svc.CreatePurchaseOrder(ctx, &backorder.PurchaseOrderRequest{Reference: "PO", SupplierID: "ACME", ExpectedAt: "2026-01-07",
		Lines: []backorder.POLineRequest{{SKU: "B", Quantity: 1000}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	const n = 24
	errs := make(chan error, 4*n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(4)
		go func() {
			defer wg.Done()
			req := orderReq(fmt.Sprint("C", i), "c", "A", int64(1+i%3))
			req.Lines = append(req.Lines, backorder.LineRequest{SKU: "B", Quantity: int64(1 + i%2)})
			if _, err := svc.PlaceOrder(ctx, req, nil); err != nil {
				errs <- err
				return
			}
			if i%3 == 0 {
				_, err := svc.CancelOrder(ctx, fmt.Sprint("C", i), &backorder.CancelRequest{Reason: "r", ReasonCode: backorder.ReasonTooSlow, Lines: []backorder.CancelLine{{SKU: "B", Quantity: 1}}}, nil)
				if err != nil && backorder.ErrorCode(err) != backorder.ECONFLICT {
					errs <- err
				}
			}
		}()
		go func() {
			defer wg.Done()
			if _, err := svc.Receive(ctx, &backorder.ReceiptRequest{SKU: "A", Quantity: 1}, nil); err != nil {
				errs <- err
			}
		}()
		go func() {
			defer wg.Done()
			date := "2026-01-07"
			if i%2 == 0 {
				date = "2026-03-01"
			}
			if _, err := svc.ReschedulePurchaseOrder(ctx, po.ID, date); err != nil {
				errs <- err
			}
		}()
		go func() {
			defer wg.Done()
			if i%4 == 0 {
				clock.Advance(24 * time.Hour)
			}
			if _, err := svc.SweepStale(ctx); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	MustCheck(t, svc)
	os, err := svc.Orders(ctx, backorder.OrderFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var cancelled int64
	for _, o := range os {
		full, err := svc.Order(ctx, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		if full.SplitDecision == nil || full.SplitChoice != full.SplitDecision.Choice {
			t.Fatalf("order %s: choice %q, decision %+v", o.ID, full.SplitChoice, full.SplitDecision)
		}
		for _, l := range full.Lines {
			cancelled += l.Cancelled
		}
	}
	rep, err := svc.CancellationReport(ctx, epoch, clock.Now().Add(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Total.Units != cancelled {
		t.Fatalf("report: %d units cancelled; the lines say %d", rep.Total.Units, cancelled)
	}
}

// testTxSplitDecision: a decision is stored, read back as stored, and
// replaced; an order without one reads nil.
func testTxSplitDecision(t *testing.T, open Opener) {
	s := open(t)
	ctx := context.Background()
	d1 := &backorder.SplitDecision{Choice: backorder.SplitShipComplete, Reason: backorder.AutoWaitShort, RestETA: "2026-01-10", ValueCents: 2500, Message: "wait", DecidedAt: t0}
	d2 := &backorder.SplitDecision{Choice: backorder.SplitShipAvailable, Reason: backorder.AutoShipNow, ValueCents: 2500, Message: "ship", DecidedAt: t0.Add(time.Hour)}
	mustWrite(t, s, func(tx backorder.Tx) {
		MustPutProduct(t, tx, "A", backorder.Stock{Backordered: 2})
		mustInsertOrder(t, tx, "O1", "c", t0, waiting("A", 1))
		mustInsertOrder(t, tx, "O2", "c", t0, waiting("A", 1))
		if err := tx.PutSplitDecision(ctx, "O1", d1); err != nil {
			t.Fatal(err)
		}
	})
	tx := mustRead(t, s)
	got, err := tx.SplitDecision(ctx, "O1")
	if err != nil {
		t.Fatal(err)
	}
	checkEqual(t, "SplitDecision(O1)", got, d1)
	if none, err := tx.SplitDecision(ctx, "O2"); err != nil || none != nil {
		t.Fatalf("SplitDecision(O2) = %+v, %v; want nil", none, err)
	}
	tx.Rollback()
	mustWrite(t, s, func(tx backorder.Tx) {
		if err := tx.PutSplitDecision(ctx, "O1", d2); err != nil {
			t.Fatal(err)
		}
	})
	tx = mustRead(t, s)
	defer tx.Rollback()
	got, err = tx.SplitDecision(ctx, "O1")
	if err != nil {
		t.Fatal(err)
	}
	checkEqual(t, "SplitDecision(O1) replaced", got, d2)
}

// testTxStaleLines: the waiting lines of orders accepted at or before the
// time given, oldest first (acceptance time, then line ID), with the
// order's acceptance time and customer and the product's supplier; lines
// with nothing waiting are left out; pages go on from the cursor.
func testTxStaleLines(t *testing.T, open Opener) {
	s := open(t)
	ctx := context.Background()
	day := 24 * time.Hour
	mustWrite(t, s, func(tx backorder.Tx) {
		if err := tx.PutSupplier(ctx, &backorder.Supplier{ID: "ACME", Name: "Acme", LeadTimeDays: 10, CreatedAt: t0, UpdatedAt: t0}); err != nil {
			t.Fatal(err)
		}
		MustPutProduct(t, tx, "A", backorder.Stock{OnHand: 1, Allocated: 1, Backordered: 6})
		p := MustPutProduct(t, tx, "S", backorder.Stock{Backordered: 1})
		p.SupplierID = "ACME"
		if err := tx.PutProduct(ctx, p); err != nil {
			t.Fatal(err)
		}
		// Stored out of acceptance order: the later order first.
		mustInsertOrder(t, tx, "LATE", "c2", t0.Add(2*day), waiting("A", 1))
		mustInsertOrder(t, tx, "EARLY", "c1", t0, waiting("A", 2), line{sku: "A", allocated: 1}, waiting("S", 1))
		mustInsertOrder(t, tx, "MID", "c3", t0.Add(day), waiting("A", 3))
		mustInsertOrder(t, tx, "NEW", "c4", t0.Add(10*day), waiting("A", 1))
	})
	tx := mustRead(t, s)
	defer tx.Rollback()
	read := func(q backorder.StaleQuery) []string {
		t.Helper()
		ls, err := tx.StaleLines(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, l := range ls {
			out = append(out, fmt.Sprintf("%s/%s/%d/%s/%s/%s", l.Line.OrderID, l.Line.SKU, l.Line.Backordered, l.CustomerID, l.SupplierID, l.AcceptedAt.Sub(t0)))
		}
		return out
	}
	all := read(backorder.StaleQuery{Before: t0.Add(2 * day), Limit: 10})
	want := []string{"EARLY/A/2/c1//0s", "EARLY/S/1/c1/ACME/0s", "MID/A/3/c3//24h0m0s", "LATE/A/1/c2//48h0m0s"}
	checkEqual(t, "StaleLines", all, want)
	checkEqual(t, "StaleLines before MID", read(backorder.StaleQuery{Before: t0.Add(day - time.Microsecond), Limit: 10}), want[:2])
	// Page by page from the cursor.
	var paged []string
	var after backorder.ReviewCursor
	for range 10 {
		ls, err := tx.StaleLines(ctx, backorder.StaleQuery{Before: t0.Add(2 * day), After: after, Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		if len(ls) == 0 {
			break
		}
		paged = append(paged, ls[0].Line.OrderID+"/"+ls[0].Line.SKU)
		after = backorder.ReviewCursor{AcceptedAt: ls[0].AcceptedAt, LineID: ls[0].Line.ID}
	}
	checkEqual(t, "StaleLines paged", paged, []string{"EARLY/A", "EARLY/S", "MID/A", "LATE/A"})
}

// testTxCancellations: the records are summed per reason code, SKU and
// currency over [from, to).
func testTxCancellations(t *testing.T, open Opener) {
	s := open(t)
	ctx := context.Background()
	rec := func(at time.Time, sku string, units, value int64, cur, code string) backorder.Cancellation {
		return backorder.Cancellation{At: at, OrderID: "O", LineID: 1, SKU: sku, Units: units, ValueCents: value, Currency: cur, ReasonCode: code}
	}
	mustWrite(t, s, func(tx backorder.Tx) {
		if err := tx.InsertCancellations(ctx, []backorder.Cancellation{
			rec(t0.Add(-time.Microsecond), "A", 9, 900, "USD", "price"), // before the window
			rec(t0, "A", 1, 100, "USD", "price"),
			rec(t0.Add(time.Hour), "A", 2, 200, "USD", "price"),
			rec(t0.Add(time.Hour), "A", 1, 90, "EUR", "price"),
			rec(t0.Add(2*time.Hour), "B", 4, 40, "USD", "other"),
			rec(t0.Add(24*time.Hour), "A", 5, 500, "USD", "price"), // at to: outside
		}); err != nil {
			t.Fatal(err)
		}
		if err := tx.InsertCancellations(ctx, nil); err != nil {
			t.Fatal(err)
		}
	})
	tx := mustRead(t, s)
	defer tx.Rollback()
	got, err := tx.CancellationSums(ctx, t0, t0.Add(24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	checkEqual(t, "CancellationSums", got, []backorder.CancellationSum{
		{ReasonCode: "other", SKU: "B", Currency: "USD", Lines: 1, Units: 4, ValueCents: 40},
		{ReasonCode: "price", SKU: "A", Currency: "EUR", Lines: 1, Units: 1, ValueCents: 90},
		{ReasonCode: "price", SKU: "A", Currency: "USD", Lines: 2, Units: 3, ValueCents: 300},
	})
	if none, err := tx.CancellationSums(ctx, t0.Add(48*time.Hour), t0.Add(72*time.Hour)); err != nil || len(none) != 0 {
		t.Fatalf("CancellationSums of an empty window = %+v, %v", none, err)
	}
}

// putProduct creates an active USD product at a price, with a supplier and
// a split policy, and receives stock units.
func putProduct(t *testing.T, svc *backorder.Service, sku string, price int64, supplier, split string, stock int64) {
	t.Helper()
	ctx := context.Background()
	if _, _, err := svc.PutProduct(ctx, &backorder.ProductInput{SKU: sku, Name: sku, PriceCents: price, Currency: "USD", Status: backorder.StatusActive,
		Supply: backorder.Supply{SupplierID: supplier}, Policy: backorder.Policy{SplitPolicy: split}}); err != nil {
		t.Fatal(err)
	}
	if stock > 0 {
		if _, err := svc.Receive(ctx, &backorder.ReceiptRequest{SKU: sku, Quantity: stock}, nil); err != nil {
			t.Fatal(err)
		}
	}
}

// placeLines places an order of the given SKU → units lines.
func placeLines(t *testing.T, svc *backorder.Service, id string, lines ...backorder.LineRequest) *backorder.Order {
	t.Helper()
	req := orderReq(id, "cust-"+id, lines[0].SKU, lines[0].Quantity)
	req.Lines = lines
	o, err := svc.PlaceOrder(context.Background(), req, nil)
	if err != nil {
		t.Fatalf("order %s: %v", id, err)
	}
	return o
}

// mustDecision reads an order and checks its auto split decision, its
// split choice and the units it has in fulfillment requests.
func mustDecision(t *testing.T, svc *backorder.Service, id, choice, reason string, fulfilling int64) *backorder.Order {
	t.Helper()
	o, err := svc.Order(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	d := o.SplitDecision
	if d == nil || d.Choice != choice || d.Reason != reason || o.SplitChoice != choice || o.SplitPolicy != backorder.SplitAuto {
		t.Fatalf("order %s: policy %s choice %q decision %+v; want %s/%s", id, o.SplitPolicy, o.SplitChoice, d, choice, reason)
	}
	var f int64
	for _, l := range o.Lines {
		f += l.Fulfilling
	}
	if f != fulfilling {
		t.Fatalf("order %s: %d units in fulfillment requests, want %d", id, f, fulfilling)
	}
	return o
}

// testAutoSplit: the auto policy ships what is there now when the rest is
// far off and one more shipment is cheap, and waits otherwise; the decision
// is taken again when the rest's promise date moves, both ways.
func testAutoSplit(t *testing.T, open Opener, writers int) {
	svc, _ := MustService(t, open(t), writers)
	ctx := context.Background()
	set := backorder.DefaultSettings()
	set.AutoSplit = backorder.AutoSplitSettings{WaitDays: ptr(7), ShipmentCostCents: ptr(int64(400)), MaxCostPercent: ptr(10)}
	if _, err := svc.PutSettings(ctx, &set); err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.PutSupplier(ctx, &backorder.SupplierInput{ID: "ACME", Name: "Acme", LeadTimeDays: 30}); err != nil {
		t.Fatal(err)
	}
	putProduct(t, svc, "A", 1000, "", backorder.SplitAuto, 20)
	putProduct(t, svc, "B", 1000, "ACME", backorder.SplitAuto, 0)
	line := func(sku string, q int64) backorder.LineRequest { return backorder.LineRequest{SKU: sku, Quantity: q} }

	// B waits on the supplier's lead time: 2026-01-05 + 30 + buffer 3 +
	// handling 1 = 2026-02-08, 34 days away (more than 7).
	// Worth 5 000: 400 is less than 10 % of it (500): ship A now.
	placeLines(t, svc, "CHEAP", line("A", 3), line("B", 2))
	o := mustDecision(t, svc, "CHEAP", backorder.SplitShipAvailable, backorder.AutoShipNow, 3)
	if o.SplitDecision.RestETA != "2026-02-08" || o.SplitDecision.ValueCents != 5000 {
		t.Fatalf("decision %+v; want rest 2026-02-08, value 5000", o.SplitDecision)
	}
	// Worth 4 000: 400 is exactly 10 %, not less: wait.
	placeLines(t, svc, "EVEN", line("A", 2), line("B", 2))
	mustDecision(t, svc, "EVEN", backorder.SplitShipComplete, backorder.AutoShipmentCost, 0)
	// Worth 2 000: wait.
	placeLines(t, svc, "COSTLY", line("A", 1), line("B", 1))
	mustDecision(t, svc, "COSTLY", backorder.SplitShipComplete, backorder.AutoShipmentCost, 0)

	// A purchase order brings B on 2026-01-07: promised 2026-01-11, 6 days
	// away (7 or fewer): every order waits; CHEAP's request stays.
	po, err := svc.CreatePurchaseOrder(ctx, &backorder.PurchaseOrderRequest{Reference: "PO1", SupplierID: "ACME", ExpectedAt: "2026-01-07",
		Lines: []backorder.POLineRequest{{SKU: "B", Quantity: 20}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	o = mustDecision(t, svc, "CHEAP", backorder.SplitShipComplete, backorder.AutoWaitShort, 3)
	if o.SplitDecision.RestETA != "2026-01-11" {
		t.Fatalf("decision %+v; want rest 2026-01-11", o.SplitDecision)
	}
	mustDecision(t, svc, "COSTLY", backorder.SplitShipComplete, backorder.AutoWaitShort, 0)
	// At intake too: the rest is near, so wait.
	placeLines(t, svc, "NEAR", line("A", 3), line("B", 2))
	mustDecision(t, svc, "NEAR", backorder.SplitShipComplete, backorder.AutoWaitShort, 0)
	// The wait threshold exactly: 6 days away is not more than 6 (wait),
	// and is more than 5 (ship now).
	set.AutoSplit.WaitDays = ptr(6)
	if _, err := svc.PutSettings(ctx, &set); err != nil {
		t.Fatal(err)
	}
	placeLines(t, svc, "SIX", line("A", 3), line("B", 2))
	mustDecision(t, svc, "SIX", backorder.SplitShipComplete, backorder.AutoWaitShort, 0)
	set.AutoSplit.WaitDays = ptr(5)
	if _, err := svc.PutSettings(ctx, &set); err != nil {
		t.Fatal(err)
	}
	placeLines(t, svc, "FIVE", line("A", 3), line("B", 2))
	mustDecision(t, svc, "FIVE", backorder.SplitShipAvailable, backorder.AutoShipNow, 3)
	set.AutoSplit.WaitDays = ptr(7)
	if _, err := svc.PutSettings(ctx, &set); err != nil {
		t.Fatal(err)
	}

	// The purchase order slips to 2026-03-01: the rest is far again. NEAR
	// (cheap) ships its A units now; COSTLY and EVEN still wait.
	if _, err := svc.ReschedulePurchaseOrder(ctx, po.ID, "2026-03-01"); err != nil {
		t.Fatal(err)
	}
	mustDecision(t, svc, "NEAR", backorder.SplitShipAvailable, backorder.AutoShipNow, 3)
	mustDecision(t, svc, "COSTLY", backorder.SplitShipComplete, backorder.AutoShipmentCost, 0)
	mustDecision(t, svc, "EVEN", backorder.SplitShipComplete, backorder.AutoShipmentCost, 0)
	fs, err := svc.Fulfillments(ctx, backorder.FulfillmentFilter{OrderID: "NEAR"})
	if err != nil {
		t.Fatal(err)
	} else if len(fs) != 1 || fs[0].Lines[0].SKU != "A" || fs[0].Lines[0].Quantity != 3 {
		t.Fatalf("NEAR fulfillments = %+v; want one of 3 A", fs)
	}
	// When B arrives, the orders that waited ship complete.
	if _, err := svc.ReceivePurchaseOrder(ctx, po.ID, &backorder.POReceiptRequest{Lines: []backorder.POLineRequest{{SKU: "B", Quantity: 20}}}, nil); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"COSTLY", "EVEN", "SIX"} {
		o, err := svc.Order(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range o.Lines {
			if l.Fulfilling != l.Quantity {
				t.Fatalf("order %s line %s: %d of %d units requested after B arrived", id, l.SKU, l.Fulfilling, l.Quantity)
			}
		}
	}
	MustCheck(t, svc)
}

// testStalePolicy: on the store clock, a waiting line without a promise
// date is listed for review after no_promise_days, every waiting line
// after after_days, oldest first; the review action cancels nothing; the
// cancel action cancels the waiting units (never allocated ones) with the
// reason code stale, through the cancellation flow (its events), once,
// and a service started afresh on the same store finds the same lines.
func testStalePolicy(t *testing.T, open Opener, writers int) {
	store := open(t)
	svc, clock := MustService(t, store, writers)
	ctx := context.Background()
	day := 24 * time.Hour
	set := backorder.DefaultSettings()
	set.Stale = backorder.StaleSettings{AfterDays: 30, NoPromiseDays: 10, Action: backorder.StaleReview}
	if _, err := svc.PutSettings(ctx, &set); err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.PutSupplier(ctx, &backorder.SupplierInput{ID: "ACME", Name: "Acme", LeadTimeDays: 60}); err != nil {
		t.Fatal(err)
	}
	putProduct(t, svc, "U", 700, "", backorder.SplitShipAvailable, 0)     // no supply: undated
	putProduct(t, svc, "D", 900, "ACME", backorder.SplitShipAvailable, 1) // dated by the lead time
	MustOrder(t, svc, "OU", "U", 2)
	clock.Advance(time.Minute)
	MustOrder(t, svc, "OM", "D", 3) // 1 allocated, 2 wait
	clock.Advance(time.Minute)
	MustOrder(t, svc, "OD", "D", 1)

	review := func(limit int) []backorder.ReviewItem {
		t.Helper()
		var all []backorder.ReviewItem
		after := ""
		for range 20 {
			page, err := svc.Review(ctx, backorder.ReviewFilter{After: after, Limit: limit})
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, page...)
			if len(page) < limit {
				return all
			}
			after = page[len(page)-1].Cursor()
		}
		t.Fatal("review did not end")
		return nil
	}
	summary := func(items []backorder.ReviewItem) []string {
		var out []string
		for _, it := range items {
			out = append(out, fmt.Sprintf("%s/%d/%s/%d", it.OrderID, it.Backordered, it.Reason, it.AgeDays))
		}
		return out
	}
	clock.Advance(10*day - 3*time.Minute)
	if got := review(10); len(got) != 0 {
		t.Fatalf("review a minute before no_promise_days = %v; want none", summary(got))
	}
	clock.Advance(time.Minute)
	got := review(10)
	checkEqual(t, "review at no_promise_days", summary(got), []string{"OU/2/no_promise_date/10"})
	if it := got[0]; it.ValueCents != 1400 || it.Currency != "USD" || it.SupplierID != "" || it.SKU != "U" || (it.ETA != nil && it.ETA.Date != "") {
		t.Fatalf("review item = %+v", it)
	}
	clock.Advance(20*day + 2*time.Minute) // OD, the last, 30 days old
	got = review(1)
	checkEqual(t, "review at after_days, a page of 1 at a time", summary(got),
		[]string{"OU/2/older_than_after_days/30", "OM/2/older_than_after_days/30", "OD/1/older_than_after_days/30"})
	if it := got[1]; it.SupplierID != "ACME" || it.ValueCents != 1800 || it.ETA == nil || it.ETA.Date == "" {
		t.Fatalf("review item = %+v; want supplier ACME, value 1800, a promise date", it)
	}
	if res, err := svc.SweepStale(ctx); err != nil || res != (backorder.StaleSweep{}) {
		t.Fatalf("sweep with the review action = %+v, %v; want nothing", res, err)
	}

	// A service started afresh on the same store, with the cancel action.
	svc.Close()
	svc = backorder.NewService(backorder.Config{Store: store, Clock: clock, Writers: writers, QueuePage: testQueuePage})
	t.Cleanup(func() { svc.Close() })
	set.Stale.Action = backorder.StaleCancel
	if _, err := svc.PutSettings(ctx, &set); err != nil {
		t.Fatal(err)
	}
	events, err := svc.Events(ctx, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	lastEvent := events[len(events)-1].ID
	res, err := svc.SweepStale(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res != (backorder.StaleSweep{Orders: 3, Lines: 3}) {
		t.Fatalf("sweep = %+v; want 3 orders, 3 lines", res)
	}
	if got := review(10); len(got) != 0 {
		t.Fatalf("review after the sweep = %v; want none", summary(got))
	}
	om, err := svc.Order(ctx, "OM")
	if err != nil {
		t.Fatal(err)
	}
	if l := om.Lines[0]; l.Allocated != 1 || l.Backordered != 0 || l.Cancelled != 2 {
		t.Fatalf("OM line = %+v; want 1 allocated kept, 2 cancelled", l)
	}
	events, err = svc.Events(ctx, lastEvent, 1000)
	if err != nil {
		t.Fatal(err)
	}
	cancelled := map[string]string{}
	var moneyBack int64 // refunds and released authorizations the sweep asked for
	for _, e := range events {
		switch e.Kind {
		case backorder.EventPaymentRefundRequested, backorder.EventPaymentAuthorizationReleased:
			p, err := backorder.DecodePayload(e)
			if err != nil {
				t.Fatal(err)
			}
			switch p := p.(type) {
			case *backorder.PaymentRefundRequestedPayload:
				moneyBack += p.Amount
			case *backorder.PaymentAuthorizationReleasedPayload:
				moneyBack += p.Amount
			}
		}
		if e.Kind != backorder.EventOrderCancelled {
			continue
		}
		p, err := backorder.DecodePayload(e)
		if err != nil {
			t.Fatal(err)
		}
		cancelled[e.OrderID] = p.(*backorder.OrderCancelledPayload).ReasonCode
	}
	checkEqual(t, "order.cancelled reason codes", cancelled, map[string]string{"OU": "stale", "OM": "stale", "OD": "stale"})
	if want := int64(2*700 + 3*900); moneyBack != want { // the money follows the cancellation
		t.Fatalf("refunds and releases asked by the sweep = %d; want %d", moneyBack, want)
	}
	if res, err := svc.SweepStale(ctx); err != nil || res != (backorder.StaleSweep{}) {
		t.Fatalf("second sweep = %+v, %v; want nothing", res, err)
	}
	rep, err := svc.CancellationReport(ctx, epoch, clock.Now().Add(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.ByReason) != 1 || rep.ByReason[0].ReasonCode != "stale" || rep.ByReason[0].Units != 5 || rep.ByReason[0].Values[0].ValueCents != 2*700+3*900 {
		t.Fatalf("report = %+v; want 5 stale units worth 4100", rep.ByReason)
	}
	MustCheck(t, svc)
}

// testCancellationReasons: a cancellation records its reason code (other
// when absent) beside its free-text reason, in the history the report reads
// and in the order.cancelled event; an unknown code is refused and writes
// nothing; the report over a fixed history counts, sums units and values
// by reason and by SKU, within its window only.
func testCancellationReasons(t *testing.T, open Opener, writers int) {
	svc, clock := MustService(t, open(t), writers)
	ctx := context.Background()
	putProduct(t, svc, "A", 1000, "", backorder.SplitShipAvailable, 2)
	putProduct(t, svc, "B", 250, "", backorder.SplitShipAvailable, 0)
	for i := range 5 {
		placeLines(t, svc, fmt.Sprint("O", i), backorder.LineRequest{SKU: "A", Quantity: 2}, backorder.LineRequest{SKU: "B", Quantity: 4})
	}
	cancel := func(id, code string, lines ...backorder.CancelLine) {
		t.Helper()
		if _, err := svc.CancelOrder(ctx, id, &backorder.CancelRequest{Reason: "asked by " + id, ReasonCode: code, Lines: lines}, nil); err != nil {
			t.Fatalf("cancel %s: %v", id, err)
		}
	}
	_, err := svc.CancelOrder(ctx, "O0", &backorder.CancelRequest{Reason: "x", ReasonCode: "bored"}, nil)
	if e := backorder.AsError(err); e.Code != backorder.EINVALID || e.Field != "reason_code" {
		t.Fatalf("unknown reason code = %v; want EINVALID on reason_code", err)
	}
	start := clock.Now()
	cancel("O0", "too_slow")                                      // A 2 (allocated) + B 4: 2 000 + 1 000
	cancel("O1", "", backorder.CancelLine{SKU: "B", Quantity: 1}) // other: B 1, 250
	cancel("O2", "price", backorder.CancelLine{SKU: "A"})         // A 2 (waiting, O0's went to O1): 2 000
	clock.Advance(time.Hour)
	mid := clock.Now()
	cancel("O3", "too_slow", backorder.CancelLine{SKU: "B", Quantity: 2}) // B 2, 500
	clock.Advance(time.Hour)
	end := clock.Now()
	cancel("O4", "price") // after the window

	rep, err := svc.CancellationReport(ctx, start, end)
	if err != nil {
		t.Fatal(err)
	}
	row := func(r backorder.CancellationRow) string {
		v := ""
		for _, a := range r.Values {
			v += fmt.Sprintf("%s%d", a.Currency, a.ValueCents)
		}
		return fmt.Sprintf("%s%s:%d/%d/%s", r.ReasonCode, r.SKU, r.Lines, r.Units, v)
	}
	var by []string
	for _, r := range rep.ByReason {
		by = append(by, row(r))
	}
	checkEqual(t, "by reason", by, []string{"too_slow:3/8/USD3500", "price:1/2/USD2000", "other:1/1/USD250"})
	by = nil
	for _, r := range rep.BySKU {
		by = append(by, row(r))
	}
	checkEqual(t, "by SKU", by, []string{"B:3/7/USD1750", "A:2/4/USD4000"})
	if rep.Total.Lines != 5 || rep.Total.Units != 11 || rep.Total.Values[0].ValueCents != 5750 {
		t.Fatalf("total = %+v", rep.Total)
	}
	late, err := svc.CancellationReport(ctx, mid, end.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if late.Total.Units != 2+2+4 {
		t.Fatalf("report from mid: %d units; want 8 (O3, O4)", late.Total.Units)
	}
	if _, err := svc.CancellationReport(ctx, end, start); backorder.ErrorCode(err) != backorder.EINVALID {
		t.Fatalf("reversed window = %v; want EINVALID", err)
	}
	// The free-text reason and the code, both in the event.
	events, err := svc.Events(ctx, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]string{}
	for _, e := range events {
		if e.Kind == backorder.EventOrderCancelled {
			p, err := backorder.DecodePayload(e)
			if err != nil {
				t.Fatal(err)
			}
			c := p.(*backorder.OrderCancelledPayload)
			seen[e.OrderID] = c.Reason + "/" + c.ReasonCode
		}
	}
	checkEqual(t, "cancel events", seen, map[string]string{"O0": "asked by O0/too_slow", "O1": "asked by O1/other", "O2": "asked by O2/price", "O3": "asked by O3/too_slow", "O4": "asked by O4/price"})

	// A shop's own list: price leaves it, and is refused from then on.
	set := backorder.DefaultSettings()
	set.CancelReasons = []string{"other", "late"}
	if _, err := svc.PutSettings(ctx, &set); err != nil {
		t.Fatal(err)
	}
	placeLines(t, svc, "O5", backorder.LineRequest{SKU: "B", Quantity: 1})
	if _, err := svc.CancelOrder(ctx, "O5", &backorder.CancelRequest{Reason: "x", ReasonCode: "price"}, nil); backorder.ErrorCode(err) != backorder.EINVALID {
		t.Fatalf("code left out of the list = %v; want EINVALID", err)
	}
	cancel("O5", "late")
	MustCheck(t, svc)
}
