package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/backorder/backorder"
	"pgregory.net/rapid"
)

// TB is the part of testing.TB the helpers use; *rapid.T has it too.
type TB interface {
	Helper()
	Fatal(args ...any)
	Fatalf(format string, args ...any)
}

// Opener opens a fresh, empty store for one test.
type Opener func(t *testing.T) backorder.Store

// RunService runs the business flows against a store: the same rules must
// give the same results on every store. It covers the source document's
// examples, refusals kept as lost demand, cancellation handing units to the
// next in line, idempotency under racing retries, a property test of random
// operation sequences checking every invariant after each step, and a
// concurrent load checked from the recorded history.
func RunService(t *testing.T, open Opener, writers int) {
	t.Run("SourceDocumentFIFO", func(t *testing.T) { t.Parallel(); testSourceDocumentFIFO(t, open, writers) })
	t.Run("SplitShipment", func(t *testing.T) { t.Parallel(); testSplitShipment(t, open, writers) })
	t.Run("Refusal", func(t *testing.T) { t.Parallel(); testRefusal(t, open, writers) })
	t.Run("CancelReleasesToNext", func(t *testing.T) { t.Parallel(); testCancelReleases(t, open, writers) })
	t.Run("Idempotency", func(t *testing.T) { t.Parallel(); testIdempotency(t, open, writers) })
	t.Run("PreorderHeldUntilRelease", func(t *testing.T) { t.Parallel(); testPreorder(t, open, writers) })
	t.Run("Properties", func(t *testing.T) { testProperties(t, open, writers) })
	t.Run("Concurrent", func(t *testing.T) { t.Parallel(); testConcurrent(t, open, writers) })
	t.Run("ConcurrentPriority", func(t *testing.T) { t.Parallel(); testConcurrentPriority(t, open, writers) })
	t.Run("IntakeRun", func(t *testing.T) { t.Parallel(); testIntakeRun(t, open) })
	t.Run("ManyRequestsOneLine", func(t *testing.T) { t.Parallel(); testManyRequests(t, open, writers) })
	t.Run("EventPayloads", func(t *testing.T) { t.Parallel(); testEventPayloads(t, open, writers) })
	t.Run("CancelSameSKULines", func(t *testing.T) { t.Parallel(); testCancelSameSKULines(t, open, writers) })
	t.Run("LargeReceipt", func(t *testing.T) { t.Parallel(); testLargeReceipt(t, open, writers) })
	t.Run("QueuePages", func(t *testing.T) { t.Parallel(); testQueuePages(t, open, writers) })
	t.Run("Quote", func(t *testing.T) { t.Parallel(); testQuote(t, open, writers) })
	t.Run("QuoteDates", func(t *testing.T) { t.Parallel(); testQuoteDates(t, open, writers) })
	t.Run("PurchaseOrderFlow", func(t *testing.T) { t.Parallel(); testPurchaseOrderFlow(t, open, writers) })
	t.Run("QueueETA", func(t *testing.T) { t.Parallel(); testQueueETA(t, open, writers) })
	t.Run("Promises", func(t *testing.T) { t.Parallel(); testPromises(t, open, writers) })
	t.Run("PromiseMargins", func(t *testing.T) { t.Parallel(); testPromiseMargins(t, open, writers) })
	t.Run("QueueUndated", func(t *testing.T) { t.Parallel(); testQueueUndated(t, open, writers) })
	t.Run("AtRisk", func(t *testing.T) { t.Parallel(); testAtRisk(t, open, writers) })
	t.Run("Forecast", func(t *testing.T) { t.Parallel(); testForecast(t, open, writers) })
	t.Run("AvoidRules", func(t *testing.T) { t.Parallel(); testAvoidRules(t, open, writers) })
	t.Run("AuditTrail", func(t *testing.T) { t.Parallel(); testAuditTrail(t, open, writers) })
	t.Run("Deliveries", func(t *testing.T) { t.Parallel(); testDeliveries(t, open, writers) })
	t.Run("Templates", func(t *testing.T) { t.Parallel(); testTemplates(t, open, writers) })
	t.Run("BackorderEnd", func(t *testing.T) { t.Parallel(); testBackorderEnd(t, open, writers) })
	t.Run("Payments", func(t *testing.T) { t.Parallel(); testPayments(t, open, writers) })
	t.Run("Dashboard", func(t *testing.T) { t.Parallel(); testDashboard(t, open, writers) })
	t.Run("Backorders", func(t *testing.T) { t.Parallel(); testBackorders(t, open, writers) })
	t.Run("Metrics", func(t *testing.T) { t.Parallel(); testMetrics(t, open, writers); testMetricsCheck(t, open, writers) })
}

var epoch = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)

// testQueuePage is the allocation run's page in the conformance tests:
// small, so that fills cross pages (an order's lines on two pages, a page
// that ends mid-class) in every flow the suite runs.
const testQueuePage = 3

// MustService opens a store and a service over it on a fixed clock.
func MustService(t testing.TB, store backorder.Store, writers int) (*backorder.Service, *backorder.FixedClock) {
	t.Helper()
	clock := backorder.NewFixedClock(epoch)
	svc := backorder.NewService(backorder.Config{Store: store, Clock: clock, Writers: writers, QueuePage: testQueuePage})
	t.Cleanup(func() { svc.Close() })
	return svc, clock
}

// MustProduct creates an active USD product with the given policy and stock.
func MustProduct(t testing.TB, svc *backorder.Service, sku string, stock int64, pol backorder.Policy) {
	t.Helper()
	ctx := context.Background()
	if _, _, err := svc.PutProduct(ctx, &backorder.ProductInput{SKU: sku, Name: sku, PriceCents: 2500, Currency: "USD", Status: backorder.StatusActive, Policy: pol}); err != nil {
		t.Fatal(err)
	}
	if stock > 0 {
		if _, err := svc.Receive(ctx, &backorder.ReceiptRequest{SKU: sku, Quantity: stock}, nil); err != nil {
			t.Fatal(err)
		}
	}
}

// MustOrder places a one-line order and fails the test on error.
func MustOrder(t testing.TB, svc *backorder.Service, id, sku string, qty int64) *backorder.Order {
	t.Helper()
	o, err := svc.PlaceOrder(context.Background(), orderReq(id, "cust-"+id, sku, qty), nil)
	if err != nil {
		t.Fatalf("order %s: %v", id, err)
	}
	return o
}

func orderReq(id, customer, sku string, qty int64) *backorder.OrderRequest {
	return &backorder.OrderRequest{
		ID: id, Customer: backorder.Customer{ID: customer, Email: customer + "@example.com", Name: customer},
		Lines: []backorder.LineRequest{{SKU: sku, Quantity: qty}}, Shipping: backorder.ShippingStandard,
	}
}

// MustCheck fails the test if the invariant check finds anything.
func MustCheck(t TB, svc *backorder.Service) {
	t.Helper()
	rep, err := svc.Check(context.Background())
	if err != nil {
		t.Fatal(err)
	} else if !rep.OK {
		t.Fatalf("invariants broken: %+v", rep.Violations)
	}
}

// MustFair replays the whole history and fails on any fairness violation
// under the settings given (nil: strict FIFO).
func MustFair(t TB, svc *backorder.Service, s *backorder.Settings) {
	t.Helper()
	if v := fairness(t, svc, s, &backorder.FairnessReplay{}, 0); len(v) > 0 {
		t.Fatalf("fairness broken %d times, first: %+v", len(v), v[:min(len(v), 5)])
	}
}

// fairness replays the movements after `after` and returns violations.
func fairness(t TB, svc *backorder.Service, s *backorder.Settings, r *backorder.FairnessReplay, after int64) []backorder.Violation {
	t.Helper()
	ctx := context.Background()
	lines := map[int64]*backorder.QueueEntry{}
	var cursor int64
	for {
		os, err := svc.Orders(ctx, backorder.OrderFilter{After: cursor, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range os {
			for _, l := range o.Lines {
				lines[l.ID] = &backorder.QueueEntry{Order: o, Line: l}
			}
			cursor = o.Seq
		}
		if len(os) < 1000 {
			break
		}
	}
	var moves []backorder.Movement
	for {
		ms, err := svc.Movements(ctx, backorder.MovementFilter{After: after, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		moves = append(moves, ms...)
		if len(ms) < 1000 {
			break
		}
		after = ms[len(ms)-1].ID
	}
	rank := func(o *backorder.Order, at time.Time) int { return 0 }
	if s != nil {
		rank = func(o *backorder.Order, at time.Time) int {
			return s.PriorityOf(&backorder.QueueEntry{Order: o}, at).Score
		}
	}
	return r.Apply(moves, lines, rank)
}

func testSourceDocumentFIFO(t *testing.T, open Opener, writers int) {
	svc, clock := MustService(t, open(t), writers)
	ctx := context.Background()
	MustProduct(t, svc, "WIDGET-PRO-BLUE", 0, backorder.Policy{})
	for _, id := range []string{"100", "101", "102"} {
		if o := MustOrder(t, svc, id, "WIDGET-PRO-BLUE", 20); o.Status != backorder.OrderBackordered {
			t.Fatalf("order %s status=%s, want backordered", id, o.Status)
		}
		clock.Advance(24 * time.Hour)
	}
	q, err := svc.Queue(ctx, backorder.QueueFilter{SKU: "WIDGET-PRO-BLUE"})
	if err != nil {
		t.Fatal(err)
	} else if len(q) != 3 || q[0].OrderID != "100" || q[2].OrderID != "102" || q[0].Position != 1 {
		t.Fatalf("queue=%+v", q)
	}
	r, err := svc.Receive(ctx, &backorder.ReceiptRequest{SKU: "WIDGET-PRO-BLUE", Quantity: 50, Reference: "PO-1"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range r.Allocations {
		got = append(got, fmt.Sprintf("%s:%d:%s", a.OrderID, a.Quantity, a.Reason))
	}
	if want := "[100:20:fifo 101:20:fifo 102:10:fifo]"; fmt.Sprint(got) != want {
		t.Fatalf("allocations=%v, want %s", got, want)
	}
	if r.Available != 0 || r.Backordered != 10 || r.OnHand != 50 || r.Allocated != 50 {
		t.Fatalf("stock after receipt=%+v", r)
	}
	o, err := svc.Order(ctx, "102")
	if err != nil {
		t.Fatal(err)
	} else if o.Status != backorder.OrderPartiallyBackordered || o.Lines[0].Allocated != 10 || o.Lines[0].Backordered != 10 {
		t.Fatalf("order 102=%+v", o.Lines[0])
	} else if len(o.Allocations) != 1 || o.Allocations[0].Reason != backorder.ReasonFIFO {
		t.Fatalf("order 102 allocations=%+v", o.Allocations)
	}
	ready, err := svc.Fulfillments(ctx, backorder.FulfillmentFilter{Status: backorder.FulfillmentReady})
	if err != nil {
		t.Fatal(err)
	} else if len(ready) != 3 {
		t.Fatalf("ready fulfillments=%d, want 3 (ship what is available)", len(ready))
	}
	// One outbox event per order and change: three accepted, three allocated.
	events, err := svc.Events(ctx, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for i, e := range events {
		kinds[e.Kind]++
		if i > 0 && e.ID <= events[i-1].ID {
			t.Fatalf("event IDs out of order: %d after %d", e.ID, events[i-1].ID)
		}
	}
	// And a capture asked for at intake of each (charged at order).
	if kinds[backorder.EventOrderAccepted] != 3 || kinds[backorder.EventOrderAllocated] != 3 || kinds[backorder.EventPaymentCaptureRequested] != 3 || len(events) != 9 {
		t.Fatalf("events=%v", kinds)
	}
	MustCheck(t, svc)
	MustFair(t, svc, nil)
}

func testSplitShipment(t *testing.T, open Opener, writers int) {
	svc, _ := MustService(t, open(t), writers)
	ctx := context.Background()
	MustProduct(t, svc, "W", 3, backorder.Policy{})
	MustProduct(t, svc, "C", 3, backorder.Policy{SplitPolicy: backorder.SplitShipComplete})
	MustProduct(t, svc, "CH", 3, backorder.Policy{SplitPolicy: backorder.SplitCustomerChoice})

	// 5 ordered, 3 in stock: 3 allocated and ready to ship, 2 backordered.
	o := MustOrder(t, svc, "A", "W", 5)
	if l := o.Lines[0]; l.Allocated != 3 || l.Backordered != 2 || o.Status != backorder.OrderPartiallyBackordered {
		t.Fatalf("order=%+v status %s", l, o.Status)
	}
	fs, _ := svc.Fulfillments(ctx, backorder.FulfillmentFilter{OrderID: "A"})
	if len(fs) != 1 || fs[0].Lines[0].Quantity != 3 {
		t.Fatalf("ship_available fulfillments=%+v", fs)
	}
	// Ship complete: nothing ships until all 5 are there.
	MustOrder(t, svc, "B", "C", 5)
	if fs, _ := svc.Fulfillments(ctx, backorder.FulfillmentFilter{OrderID: "B"}); len(fs) != 0 {
		t.Fatalf("ship_complete made %d requests before the order was complete", len(fs))
	}
	if _, err := svc.Receive(ctx, &backorder.ReceiptRequest{SKU: "C", Quantity: 2}, nil); err != nil {
		t.Fatal(err)
	}
	if fs, _ := svc.Fulfillments(ctx, backorder.FulfillmentFilter{OrderID: "B"}); len(fs) != 1 || fs[0].Lines[0].Quantity != 5 {
		t.Fatalf("ship_complete after fill=%+v", fs)
	}
	// Customer choice: waits until the customer chooses.
	MustOrder(t, svc, "C1", "CH", 5)
	if fs, _ := svc.Fulfillments(ctx, backorder.FulfillmentFilter{OrderID: "C1"}); len(fs) != 0 {
		t.Fatalf("customer_choice made requests before the choice")
	}
	if _, err := svc.ChooseSplit(ctx, "A", backorder.SplitShipComplete, nil); backorder.ErrorCode(err) != backorder.ECONFLICT {
		t.Fatalf("choice on a ship_available order: err=%v, want conflict", err)
	}
	if _, err := svc.ChooseSplit(ctx, "C1", backorder.SplitShipAvailable, nil); err != nil {
		t.Fatal(err)
	}
	fs, _ = svc.Fulfillments(ctx, backorder.FulfillmentFilter{OrderID: "C1", Status: backorder.FulfillmentReady})
	if len(fs) != 1 || fs[0].Lines[0].Quantity != 3 {
		t.Fatalf("after choice=%+v", fs)
	}
	// Shipping takes the units out of on_hand and allocated.
	f, err := svc.ShipFulfillment(ctx, fs[0].ID, &backorder.Shipment{Carrier: "UPS", Tracking: "1Z999AA1012345678", EstimatedDelivery: "2026-02-18"}, nil)
	if err != nil {
		t.Fatal(err)
	} else if f.Status != backorder.FulfillmentShipped || f.Tracking != "1Z999AA1012345678" {
		t.Fatalf("shipped=%+v", f)
	}
	if _, err := svc.ShipFulfillment(ctx, fs[0].ID, &backorder.Shipment{Carrier: "UPS", Tracking: "x"}, nil); backorder.ErrorCode(err) != backorder.ECONFLICT {
		t.Fatalf("second ship err=%v, want conflict", err)
	}
	p, _ := svc.Product(ctx, "CH")
	if p.OnHand != 0 || p.Allocated != 0 || p.Backordered != 2 {
		t.Fatalf("stock after ship=%+v", p.Stock)
	}
	if o, _ := svc.Order(ctx, "C1"); o.Status != backorder.OrderPartiallyShipped || o.Lines[0].Shipped != 3 {
		t.Fatalf("order after ship=%s %+v", o.Status, o.Lines[0])
	}
	MustCheck(t, svc)
}

func testRefusal(t *testing.T, open Opener, writers int) {
	svc, _ := MustService(t, open(t), writers)
	ctx := context.Background()
	no := false
	MustProduct(t, svc, "NO", 1, backorder.Policy{AcceptBackorders: &no})
	MustProduct(t, svc, "OK", 0, backorder.Policy{})
	req := orderReq("R1", "c", "OK", 2)
	req.Lines = append(req.Lines, backorder.LineRequest{SKU: "NO", Quantity: 3})
	_, err := svc.PlaceOrder(ctx, req, nil)
	if e := backorder.AsError(err); e.Code != backorder.EREFUSED || e.Rule != backorder.RuleNotBackorderable || e.Field != "lines[1].quantity" {
		t.Fatalf("err=%+v", e)
	}
	if _, err := svc.Order(ctx, "R1"); backorder.ErrorCode(err) != backorder.ENOTFOUND {
		t.Fatalf("refused order stored: err=%v", err)
	}
	lost, err := svc.LostDemand(ctx, backorder.LostDemandFilter{})
	if err != nil {
		t.Fatal(err)
	} else if len(lost) != 2 || lost[0].Quantity+lost[1].Quantity != 5 {
		t.Fatalf("lost demand=%+v", lost)
	}
	if p, _ := svc.Product(ctx, "OK"); p.Backordered != 0 {
		t.Fatalf("refused order left %d backordered", p.Backordered)
	}
	// Partial acceptance keeps the promisable line.
	req.ID, req.PartialAcceptance = "R2", true
	o, err := svc.PlaceOrder(ctx, req, nil)
	if err != nil {
		t.Fatal(err)
	} else if len(o.Lines) != 1 || o.Lines[0].SKU != "OK" || len(o.Refused) != 1 {
		t.Fatalf("partial order=%+v", o)
	}
	if _, err := svc.PlaceOrder(ctx, orderReq("R2", "c", "OK", 1), nil); backorder.ErrorCode(err) != backorder.ECONFLICT {
		t.Fatalf("duplicate id err=%v", err)
	}
	if _, err := svc.PlaceOrder(ctx, orderReq("R3", "c", "NOPE", 1), nil); backorder.ErrorCode(err) != backorder.ENOTFOUND {
		t.Fatalf("unknown sku err=%v", err)
	}
	MustCheck(t, svc)
}

func testCancelReleases(t *testing.T, open Opener, writers int) {
	svc, clock := MustService(t, open(t), writers)
	ctx := context.Background()
	MustProduct(t, svc, "W", 4, backorder.Policy{})
	MustOrder(t, svc, "A", "W", 4) // takes all stock
	clock.Advance(time.Hour)
	MustOrder(t, svc, "B", "W", 3)
	clock.Advance(time.Hour)
	MustOrder(t, svc, "C", "W", 3)
	o, err := svc.CancelOrder(ctx, "A", &backorder.CancelRequest{Reason: "customer request", Lines: []backorder.CancelLine{{SKU: "W", Quantity: 4}}}, nil)
	if err != nil {
		t.Fatal(err)
	} else if o.Status != backorder.OrderCancelled || o.Lines[0].Cancelled != 4 {
		t.Fatalf("cancelled order=%s %+v", o.Status, o.Lines[0])
	}
	b, _ := svc.Order(ctx, "B")
	c, _ := svc.Order(ctx, "C")
	if b.Lines[0].Allocated != 3 || c.Lines[0].Allocated != 1 || c.Lines[0].Backordered != 2 {
		t.Fatalf("after release: B=%+v C=%+v", b.Lines[0], c.Lines[0])
	}
	if _, err := svc.CancelOrder(ctx, "A", &backorder.CancelRequest{Reason: "again"}, nil); backorder.ErrorCode(err) != backorder.ECONFLICT {
		t.Fatalf("second cancel err=%v, want conflict", err)
	}
	// Cancelling C's waiting units first keeps its allocated unit.
	c, err = svc.CancelOrder(ctx, "C", &backorder.CancelRequest{Reason: "too slow", Lines: []backorder.CancelLine{{LineID: c.Lines[0].ID, Quantity: 2}}}, nil)
	if err != nil {
		t.Fatal(err)
	} else if l := c.Lines[0]; l.Backordered != 0 || l.Allocated != 1 || l.Cancelled != 2 {
		t.Fatalf("partial cancel=%+v", l)
	}
	if _, err := svc.CancelOrder(ctx, "nope", &backorder.CancelRequest{Reason: "x"}, nil); backorder.ErrorCode(err) != backorder.ENOTFOUND {
		t.Fatalf("unknown order err=%v", err)
	}
	// A ship-complete order whose only waiting units are cancelled is
	// complete: what it holds becomes ready to ship at once.
	MustProduct(t, svc, "SC", 3, backorder.Policy{SplitPolicy: backorder.SplitShipComplete})
	MustProduct(t, svc, "NONE", 0, backorder.Policy{})
	req := orderReq("SC1", "c", "SC", 3)
	req.Lines = append(req.Lines, backorder.LineRequest{SKU: "NONE", Quantity: 2})
	if _, err := svc.PlaceOrder(ctx, req, nil); err != nil {
		t.Fatal(err)
	}
	if fs, _ := svc.Fulfillments(ctx, backorder.FulfillmentFilter{OrderID: "SC1"}); len(fs) != 0 {
		t.Fatalf("ship_complete order with units waiting has %d requests", len(fs))
	}
	if _, err := svc.CancelOrder(ctx, "SC1", &backorder.CancelRequest{Reason: "drop it", Lines: []backorder.CancelLine{{SKU: "NONE"}}}, nil); err != nil {
		t.Fatal(err)
	}
	if fs, _ := svc.Fulfillments(ctx, backorder.FulfillmentFilter{OrderID: "SC1", Status: backorder.FulfillmentReady}); len(fs) != 1 || fs[0].Lines[0].Quantity != 3 {
		t.Fatalf("after cancelling the waiting line: %+v", fs)
	}
	MustCheck(t, svc)
	MustFair(t, svc, nil)
}

func testIdempotency(t *testing.T, open Opener, writers int) {
	svc, _ := MustService(t, open(t), writers)
	ctx := context.Background()
	MustProduct(t, svc, "W", 10, backorder.Policy{})
	const n = 50
	var wg sync.WaitGroup
	ids := make([]string, n)
	errs := make([]error, n)
	replayed := make([]bool, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			idem := &backorder.Idempotency{Key: "key-1", Hash: "h1"}
			o, err := svc.PlaceOrder(ctx, orderReq("I1", "c", "W", 3), idem)
			errs[i], replayed[i] = err, idem.Replayed
			if o != nil {
				ids[i] = o.ID
			}
		}()
	}
	wg.Wait()
	var fresh int
	for i := range n {
		if errs[i] != nil || ids[i] != "I1" {
			t.Fatalf("request %d: id=%q err=%v", i, ids[i], errs[i])
		}
		if !replayed[i] {
			fresh++
		}
	}
	if fresh != 1 {
		t.Fatalf("%d requests took effect, want exactly 1", fresh)
	}
	if p, _ := svc.Product(ctx, "W"); p.Allocated != 3 {
		t.Fatalf("allocated=%d after 50 retries, want 3", p.Allocated)
	}
	if _, err := svc.PlaceOrder(ctx, orderReq("I2", "c", "W", 3), &backorder.Idempotency{Key: "key-1", Hash: "other"}); backorder.ErrorCode(err) != backorder.EIDEMPOTENCY {
		t.Fatalf("reused key err=%v, want idempotency", err)
	}
	// A refusal is an outcome too: its retry is refused again without a second lost-demand row.
	no := false
	MustProduct(t, svc, "NO", 0, backorder.Policy{AcceptBackorders: &no})
	for range 3 {
		if _, err := svc.PlaceOrder(ctx, orderReq("I3", "c", "NO", 1), &backorder.Idempotency{Key: "key-3", Hash: "h3"}); backorder.ErrorCode(err) != backorder.EREFUSED {
			t.Fatalf("err=%v", err)
		}
	}
	if lost, _ := svc.LostDemand(ctx, backorder.LostDemandFilter{}); len(lost) != 1 {
		t.Fatalf("lost demand rows=%d after 3 retries, want 1", len(lost))
	}

	// Any request the state refuses keeps its refusal under its key: a
	// retry gets the same refusal, marked replayed, and the key cannot be
	// spent on another request afterwards. W has 10 on hand, 3 allocated.
	refused := []struct {
		name  string
		code  string
		first func(*backorder.Idempotency) error
		other func(*backorder.Idempotency) error
	}{
		{"adjustment below allocated", backorder.EINVALID,
			func(idem *backorder.Idempotency) error {
				_, err := svc.Adjust(ctx, &backorder.AdjustmentRequest{SKU: "W", Delta: -9, Reason: "count"}, idem)
				return err
			},
			func(idem *backorder.Idempotency) error {
				_, err := svc.Adjust(ctx, &backorder.AdjustmentRequest{SKU: "W", Delta: 5, Reason: "found"}, idem)
				return err
			}},
		{"cancel of more than is open", backorder.ECONFLICT,
			func(idem *backorder.Idempotency) error {
				_, err := svc.CancelOrder(ctx, "I1", &backorder.CancelRequest{Reason: "x", Lines: []backorder.CancelLine{{SKU: "W", Quantity: 9}}}, idem)
				return err
			},
			func(idem *backorder.Idempotency) error {
				_, err := svc.CancelOrder(ctx, "I1", &backorder.CancelRequest{Reason: "x"}, idem)
				return err
			}},
		{"order ID taken", backorder.ECONFLICT,
			func(idem *backorder.Idempotency) error {
				_, err := svc.PlaceOrder(ctx, orderReq("I1", "c", "W", 1), idem)
				return err
			},
			func(idem *backorder.Idempotency) error {
				_, err := svc.PlaceOrder(ctx, orderReq("I9", "c", "W", 1), idem)
				return err
			}},
		{"unknown SKU", backorder.ENOTFOUND,
			func(idem *backorder.Idempotency) error {
				_, err := svc.PlaceOrder(ctx, orderReq("I10", "c", "NOPE", 1), idem)
				return err
			},
			func(idem *backorder.Idempotency) error {
				_, err := svc.PlaceOrder(ctx, orderReq("I10", "c", "W", 1), idem)
				return err
			}},
	}
	for i, r := range refused {
		key := fmt.Sprintf("refused-%d", i)
		for try := range 2 {
			idem := &backorder.Idempotency{Key: key, Hash: "first"}
			if err := r.first(idem); backorder.ErrorCode(err) != r.code {
				t.Fatalf("%s, try %d: err=%v, want %s", r.name, try, err, r.code)
			} else if idem.Replayed != (try > 0) {
				t.Fatalf("%s, try %d: replayed=%v", r.name, try, idem.Replayed)
			}
		}
		if err := r.other(&backorder.Idempotency{Key: key, Hash: "other"}); backorder.ErrorCode(err) != backorder.EIDEMPOTENCY {
			t.Fatalf("%s: key reused for another request: err=%v, want %s", r.name, err, backorder.EIDEMPOTENCY)
		}
	}
	if p, _ := svc.Product(ctx, "W"); p.OnHand != 10 || p.Allocated != 3 {
		t.Fatalf("W on_hand=%d allocated=%d after refused requests, want 10 and 3", p.OnHand, p.Allocated)
	}
	if o, err := svc.Order(ctx, "I1"); err != nil || o.Status == backorder.OrderCancelled {
		t.Fatalf("I1 after refused cancels: %+v, %v", o, err)
	}
	for _, id := range []string{"I9", "I10"} {
		if _, err := svc.Order(ctx, id); backorder.ErrorCode(err) != backorder.ENOTFOUND {
			t.Fatalf("order %s placed under a spent key: err=%v", id, err)
		}
	}
	MustCheck(t, svc)
}

// testManyRequests fills one line by more small receipts than a store lists
// in one call: the order shows every allocation, and cancelling it cancels
// every open fulfillment request, not only the first page of them.
func testManyRequests(t *testing.T, open Opener, writers int) {
	svc, _ := MustService(t, open(t), writers)
	ctx := context.Background()
	const n = 1001
	MustProduct(t, svc, "DRIP", 0, backorder.Policy{})
	if _, err := svc.PlaceOrder(ctx, orderReq("BIG", "c", "DRIP", n+5), nil); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += 8 {
				if _, err := svc.Receive(ctx, &backorder.ReceiptRequest{SKU: "DRIP", Quantity: 1}, nil); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		t.Fatal(err)
	}
	o, err := svc.Order(ctx, "BIG")
	if err != nil {
		t.Fatal(err)
	} else if len(o.Allocations) != n {
		t.Fatalf("order shows %d allocations, want %d", len(o.Allocations), n)
	}
	if _, err := svc.CancelOrder(ctx, "BIG", &backorder.CancelRequest{Reason: "changed mind"}, nil); err != nil {
		t.Fatal(err)
	}
	left, err := svc.Fulfillments(ctx, backorder.FulfillmentFilter{OrderID: "BIG", Status: backorder.FulfillmentReady, Limit: 10})
	if err != nil {
		t.Fatal(err)
	} else if len(left) != 0 {
		t.Fatalf("%d fulfillment requests still ready after the order was cancelled, first %+v", len(left), left[0])
	}
	if p, _ := svc.Product(ctx, "DRIP"); p.OnHand != n || p.Allocated != 0 || p.Backordered != 0 {
		t.Fatalf("DRIP on_hand=%d allocated=%d backordered=%d, want %d, 0, 0", p.OnHand, p.Allocated, p.Backordered, n)
	}
	MustCheck(t, svc)
}

func testPreorder(t *testing.T, open Opener, writers int) {
	svc, clock := MustService(t, open(t), writers)
	ctx := context.Background()
	no, limit := false, int64(5)
	if _, _, err := svc.PutProduct(ctx, &backorder.ProductInput{SKU: "NEW", Name: "New", PriceCents: 100, Currency: "EUR", Status: backorder.StatusPreorder, ReleaseDate: "2026-01-20", Policy: backorder.Policy{AcceptBackorders: &no, BackorderLimit: &limit}}); err != nil {
		t.Fatal(err)
	}
	MustOrder(t, svc, "P1", "NEW", 3)
	if _, err := svc.PlaceOrder(ctx, orderReq("P2", "c2", "NEW", 3), nil); backorder.AsError(err).Rule != backorder.RuleBackorderLimit {
		t.Fatalf("over the pre-order cap: err=%v", err)
	}
	if _, err := svc.Receive(ctx, &backorder.ReceiptRequest{SKU: "NEW", Quantity: 10}, nil); err != nil {
		t.Fatal(err)
	}
	fs, _ := svc.Fulfillments(ctx, backorder.FulfillmentFilter{OrderID: "P1"})
	if len(fs) != 1 || fs[0].Status != backorder.FulfillmentHeld || fs[0].HoldUntil != "2026-01-20" {
		t.Fatalf("before release=%+v", fs)
	}
	if _, err := svc.ShipFulfillment(ctx, fs[0].ID, &backorder.Shipment{Carrier: "DHL", Tracking: "T1"}, nil); backorder.ErrorCode(err) != backorder.ECONFLICT {
		t.Fatalf("shipping a held pre-order: err=%v", err)
	}
	// The release slips: units and requests already made follow the new date.
	put := func(status, release string) {
		t.Helper()
		if _, _, err := svc.PutProduct(ctx, &backorder.ProductInput{SKU: "NEW", Name: "New", PriceCents: 100, Currency: "EUR", Status: status, ReleaseDate: release, Policy: backorder.Policy{AcceptBackorders: &no, BackorderLimit: &limit}}); err != nil {
			t.Fatal(err)
		}
	}
	put(backorder.StatusPreorder, "2026-02-10")
	clock.Advance(15 * 24 * time.Hour)
	if fs, _ := svc.Fulfillments(ctx, backorder.FulfillmentFilter{OrderID: "P1"}); len(fs) != 1 || fs[0].Status != backorder.FulfillmentHeld || fs[0].HoldUntil != "2026-02-10" {
		t.Fatalf("after the release slipped=%+v", fs)
	}
	if o, _ := svc.Order(ctx, "P1"); o.Lines[0].AvailableFrom != "2026-02-10" {
		t.Fatalf("line ships from %q, want 2026-02-10", o.Lines[0].AvailableFrom)
	}
	// Released early: what was held is ready now.
	put(backorder.StatusActive, "")
	if fs, _ := svc.Fulfillments(ctx, backorder.FulfillmentFilter{Status: backorder.FulfillmentReady}); len(fs) != 1 || fs[0].HoldUntil != "" {
		t.Fatalf("after release ready=%+v, want 1", fs)
	}

	// One request with units of two pre-orders of one date waits for the
	// later of the two once either date moves.
	preorder := func(sku, release string) {
		t.Helper()
		if _, _, err := svc.PutProduct(ctx, &backorder.ProductInput{SKU: sku, Name: sku, PriceCents: 100, Currency: "EUR", Status: backorder.StatusPreorder, ReleaseDate: release}); err != nil {
			t.Fatal(err)
		}
	}
	for _, sku := range []string{"X", "Y"} {
		preorder(sku, "2026-03-01")
		if _, err := svc.Receive(ctx, &backorder.ReceiptRequest{SKU: sku, Quantity: 5}, nil); err != nil {
			t.Fatal(err)
		}
	}
	req := orderReq("XY", "c3", "X", 1)
	req.Lines = append(req.Lines, backorder.LineRequest{SKU: "Y", Quantity: 1})
	if _, err := svc.PlaceOrder(ctx, req, nil); err != nil {
		t.Fatal(err)
	}
	for _, step := range []struct{ x, hold string }{{"2026-03-01", "2026-03-01"}, {"2026-04-01", "2026-04-01"}, {"2026-02-01", "2026-03-01"}} {
		preorder("X", step.x)
		fs, err := svc.Fulfillments(ctx, backorder.FulfillmentFilter{OrderID: "XY"})
		if err != nil {
			t.Fatal(err)
		} else if len(fs) != 1 || len(fs[0].Lines) != 2 || fs[0].HoldUntil != step.hold {
			t.Fatalf("X released %s, Y 2026-03-01: requests %+v, want one of both lines held until %s", step.x, fs, step.hold)
		}
	}
	MustCheck(t, svc)
}

// testProperties runs random sequences of operations, checking every
// invariant and fairness after each step.
func testProperties(t *testing.T, open Opener, writers int) {
	rapid.Check(t, Operations(func() backorder.Store { return open(t) }, writers))
}

// Operations is the property of random operation sequences: on a fresh
// store from open, products (policies, pre-orders, limits), orders, receipts,
// adjustments, cancels, split choices, shipments, settings (priority rules),
// retries of keyed requests and clock moves, in an order drawn by rapid,
// with every invariant of DESIGN.md checked after each step: the ledger
// check (no oversell, conservation, no idle stock, quantities recomputed
// from the history), promise dates, shipping what may ship, fairness
// replayed from the history, and one effect per Idempotency-Key. A fuzz
// target runs it with rapid.MakeFuzz, the fuzzer's bytes drawing the sequence.
func Operations(open func() backorder.Store, writers int) func(*rapid.T) {
	return func(rt *rapid.T) {
		store := open()
		clock := backorder.NewFixedClock(epoch)
		svc := backorder.NewService(backorder.Config{Store: store, Clock: clock, Writers: writers})
		defer svc.Close()
		ctx := context.Background()
		skus := []string{"A", "B", "C"}
		settings := backorder.DefaultSettings()
		replay := &backorder.FairnessReplay{}
		var lastMove int64
		var orders []string
		n := 0
		for _, sku := range skus {
			if _, _, err := svc.PutProduct(ctx, &backorder.ProductInput{SKU: sku, Name: sku, PriceCents: 100, Currency: "USD", Status: backorder.StatusActive}); err != nil {
				rt.Fatal(err)
			}
		}
		expect := func(err error, allowed ...string) {
			if err == nil {
				return
			}
			code := backorder.ErrorCode(err)
			for _, a := range allowed {
				if code == a {
					return
				}
			}
			rt.Fatalf("unexpected error %v", err)
		}
		// Half the writes carry an Idempotency-Key; "retry" sends one of
		// them again and wants its first outcome back with no second effect.
		type keyed struct {
			key, hash string
			call      func(*backorder.Idempotency) (any, error)
			res       []byte
			code      string
		}
		var sent []*keyed
		do := func(rt *rapid.T, call func(*backorder.Idempotency) (any, error)) error {
			if !rapid.Bool().Draw(rt, "keyed") {
				_, err := call(nil)
				return err
			}
			k := &keyed{key: fmt.Sprintf("key-%d", len(sent)), hash: fmt.Sprintf("body-%d", len(sent)), call: call}
			res, err := call(&backorder.Idempotency{Key: k.key, Hash: k.hash})
			k.res, _ = json.Marshal(res)
			k.code = backorder.ErrorCode(err)
			sent = append(sent, k)
			return err
		}
		stock := func() []backorder.Stock {
			var out []backorder.Stock
			for _, sku := range skus {
				p, err := svc.Product(ctx, sku)
				if err != nil {
					rt.Fatal(err)
				}
				out = append(out, p.Stock)
			}
			return out
		}
		rt.Repeat(map[string]func(*rapid.T){
			"product": func(rt *rapid.T) {
				sku := rapid.SampledFrom(skus).Draw(rt, "sku")
				in := &backorder.ProductInput{SKU: sku, Name: sku, PriceCents: 100, Currency: "USD",
					Status: rapid.SampledFrom([]string{"active", "active", "preorder", "discontinued"}).Draw(rt, "status")}
				if in.Status == backorder.StatusPreorder {
					in.ReleaseDate = clock.Now().AddDate(0, 0, rapid.IntRange(-1, 4).Draw(rt, "release")).Format(backorder.DateLayout)
				}
				accept := rapid.Bool().Draw(rt, "accept")
				in.AcceptBackorders = &accept
				if rapid.Bool().Draw(rt, "limit") {
					l := int64(rapid.IntRange(0, 15).Draw(rt, "backorder_limit"))
					in.BackorderLimit = &l
				}
				if rapid.Bool().Draw(rt, "per_customer") {
					l := int64(rapid.IntRange(1, 6).Draw(rt, "max_per_customer"))
					in.MaxBackorderPerCustomer = &l
				}
				in.SplitPolicy = rapid.SampledFrom([]string{"", "ship_available", "ship_complete", "customer_choice"}).Draw(rt, "split")
				_, _, err := svc.PutProduct(ctx, in)
				expect(err)
			},
			"order": func(rt *rapid.T) {
				n++
				id := fmt.Sprintf("o%d", n)
				req := &backorder.OrderRequest{
					ID:                id,
					Customer:          backorder.Customer{ID: rapid.SampledFrom([]string{"c1", "c2", "c3"}).Draw(rt, "customer"), Email: "c@example.com", Name: "C", VIP: rapid.Bool().Draw(rt, "vip"), Wholesale: rapid.Bool().Draw(rt, "wholesale")},
					Shipping:          rapid.SampledFrom([]string{"standard", "expedited"}).Draw(rt, "shipping"),
					PartialAcceptance: rapid.Bool().Draw(rt, "partial"),
				}
				if rapid.Bool().Draw(rt, "has_need_by") {
					req.NeedBy = clock.Now().AddDate(0, 0, rapid.IntRange(0, 20).Draw(rt, "need_by")).Format(backorder.DateLayout)
				}
				for range rapid.IntRange(1, 3).Draw(rt, "lines") {
					req.Lines = append(req.Lines, backorder.LineRequest{SKU: rapid.SampledFrom(skus).Draw(rt, "line_sku"), Quantity: int64(rapid.IntRange(1, 6).Draw(rt, "qty"))})
				}
				err := do(rt, func(idem *backorder.Idempotency) (any, error) { return svc.PlaceOrder(ctx, req, idem) })
				expect(err, backorder.EREFUSED)
				if err == nil {
					orders = append(orders, id)
				}
			},
			"receipt": func(rt *rapid.T) {
				req := &backorder.ReceiptRequest{SKU: rapid.SampledFrom(skus).Draw(rt, "sku"), Quantity: int64(rapid.IntRange(1, 12).Draw(rt, "qty"))}
				err := do(rt, func(idem *backorder.Idempotency) (any, error) { return svc.Receive(ctx, req, idem) })
				expect(err)
			},
			"adjust": func(rt *rapid.T) {
				d := int64(rapid.IntRange(-6, 6).Filter(func(v int) bool { return v != 0 }).Draw(rt, "delta"))
				req := &backorder.AdjustmentRequest{SKU: rapid.SampledFrom(skus).Draw(rt, "sku"), Delta: d, Reason: "count"}
				err := do(rt, func(idem *backorder.Idempotency) (any, error) { return svc.Adjust(ctx, req, idem) })
				expect(err, backorder.EINVALID)
			},
			"cancel": func(rt *rapid.T) {
				if len(orders) == 0 {
					rt.Skip("no orders")
				}
				id := rapid.SampledFrom(orders).Draw(rt, "order")
				req := &backorder.CancelRequest{Reason: "test"}
				if rapid.Bool().Draw(rt, "partial") {
					req.Lines = []backorder.CancelLine{{SKU: rapid.SampledFrom(skus).Draw(rt, "sku"), Quantity: int64(rapid.IntRange(1, 3).Draw(rt, "qty"))}}
				}
				err := do(rt, func(idem *backorder.Idempotency) (any, error) { return svc.CancelOrder(ctx, id, req, idem) })
				expect(err, backorder.ECONFLICT, backorder.ENOTFOUND)
			},
			"choose": func(rt *rapid.T) {
				if len(orders) == 0 {
					rt.Skip("no orders")
				}
				id, choice := rapid.SampledFrom(orders).Draw(rt, "order"), rapid.SampledFrom([]string{"ship_available", "ship_complete"}).Draw(rt, "choice")
				err := do(rt, func(idem *backorder.Idempotency) (any, error) { return svc.ChooseSplit(ctx, id, choice, idem) })
				expect(err, backorder.ECONFLICT)
			},
			"ship": func(rt *rapid.T) {
				fs, err := svc.Fulfillments(ctx, backorder.FulfillmentFilter{Status: backorder.FulfillmentReady})
				expect(err)
				if len(fs) == 0 {
					rt.Skip("nothing ready")
				}
				f := rapid.SampledFrom(fs).Draw(rt, "fulfillment")
				err = do(rt, func(idem *backorder.Idempotency) (any, error) {
					return svc.ShipFulfillment(ctx, f.ID, &backorder.Shipment{Carrier: "UPS", Tracking: "T"}, idem)
				})
				expect(err)
			},
			"settings": func(rt *rapid.T) {
				s := backorder.DefaultSettings()
				s.Defaults.AcceptBackorders = rapid.Bool().Draw(rt, "accept")
				s.Priority.VIP.Enabled = rapid.Bool().Draw(rt, "vip")
				s.Priority.Expedited.Enabled = rapid.Bool().Draw(rt, "expedited")
				s.Priority.Wholesale.Enabled = rapid.Bool().Draw(rt, "wholesale")
				s.Priority.NeedBy.Enabled = rapid.Bool().Draw(rt, "need_by")
				_, err := svc.PutSettings(ctx, &s)
				expect(err)
				settings = s
			},
			"retry": func(rt *rapid.T) {
				if len(sent) == 0 {
					rt.Skip("no keyed request yet")
				}
				k := rapid.SampledFrom(sent).Draw(rt, "request")
				before := stock()
				idem := &backorder.Idempotency{Key: k.key, Hash: k.hash}
				res, err := k.call(idem)
				got, _ := json.Marshal(res)
				if code := backorder.ErrorCode(err); code != k.code || string(got) != string(k.res) || !idem.Replayed {
					rt.Fatalf("retry of %s: %s %s (replayed %v), first answered %s %s", k.key, code, got, idem.Replayed, k.code, k.res)
				}
				if _, err := k.call(&backorder.Idempotency{Key: k.key, Hash: "another request"}); backorder.ErrorCode(err) != backorder.EIDEMPOTENCY {
					rt.Fatalf("%s reused for another request: err=%v", k.key, err)
				}
				if after := stock(); !slices.Equal(before, after) {
					rt.Fatalf("retry of %s changed stock: %+v, then %+v", k.key, before, after)
				}
			},
			"advance": func(rt *rapid.T) {
				clock.Advance(time.Duration(rapid.IntRange(1, 72).Draw(rt, "hours")) * time.Hour)
			},
			"": func(rt *rapid.T) {
				MustCheck(rt, svc)
				MustDated(rt, svc)
				mustShipWhatMay(rt, svc)
				if v := fairness(rt, svc, &settings, replay, lastMove); len(v) > 0 {
					rt.Fatalf("fairness broken %d times, first: %+v", len(v), v[:min(len(v), 5)])
				}
				ms, err := svc.Movements(ctx, backorder.MovementFilter{After: lastMove, Limit: 1000})
				if err != nil {
					rt.Fatal(err)
				}
				for len(ms) > 0 {
					lastMove = ms[len(ms)-1].ID
					if ms, err = svc.Movements(ctx, backorder.MovementFilter{After: lastMove, Limit: 1000}); err != nil {
						rt.Fatal(err)
					}
				}
			},
		})
	}
}

// testConcurrent has 32 workers place and cancel orders on a few hot SKUs
// while receipts and adjustments arrive, then checks every invariant and
// replays the history for fairness.
func testConcurrent(t *testing.T, open Opener, writers int) {
	svc, _ := MustService(t, open(t), writers)
	skus := []string{"H1", "H2", "H3"}
	for _, s := range skus {
		MustProduct(t, svc, s, 5, backorder.Policy{})
	}
	MustRunWorkload(t, []*backorder.Service{svc}, skus, 32, 40)
	MustCheck(t, svc)
	MustDated(t, svc)
	MustFair(t, svc, nil)
}

// testConcurrentPriority is testConcurrent with the VIP and expedited rules
// on: every fill must go to the first waiting line of the highest priority
// class, oldest first within it, however the writes interleave.
func testConcurrentPriority(t *testing.T, open Opener, writers int) {
	svc, _ := MustService(t, open(t), writers)
	settings := backorder.DefaultSettings()
	settings.Priority.VIP.Enabled = true
	settings.Priority.Expedited.Enabled = true
	if _, err := svc.PutSettings(context.Background(), &settings); err != nil {
		t.Fatal(err)
	}
	skus := []string{"P1", "P2"}
	for _, s := range skus {
		MustProduct(t, svc, s, 3, backorder.Policy{})
	}
	MustRunWorkload(t, []*backorder.Service{svc}, skus, 32, 40)
	MustCheck(t, svc)
	MustDated(t, svc)
	MustFair(t, svc, &settings)
}

// MustRunWorkload has workers concurrent workers, worker w using
// svcs[w%len(svcs)], each make perWorker requests on the SKUs: place orders
// (a third with a second line, often of another SKU), cancel their own
// orders, receive stock and adjust it. Conflicts and refused adjustments are
// expected answers; any other error fails the test. Several services over
// one database stand for several API processes.
func MustRunWorkload(t *testing.T, svcs []*backorder.Service, skus []string, workers, perWorker int) {
	t.Helper()
	ctx := context.Background()
	var wg sync.WaitGroup
	errc := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			svc := svcs[w%len(svcs)]
			rng := rand.New(rand.NewPCG(uint64(w), 1))
			var mine []string
			for i := range perWorker {
				var err error
				switch r := rng.IntN(10); {
				case r < 6:
					id := fmt.Sprintf("w%d-%d", w, i)
					req := orderReq(id, fmt.Sprintf("c%d", w), skus[rng.IntN(len(skus))], int64(1+rng.IntN(4)))
					// Some customers are VIPs and some orders go expedited:
					// classes that count only where their rules are on.
					req.Customer.VIP = w%4 == 0
					if rng.IntN(4) == 0 {
						req.Shipping = backorder.ShippingExpedited
					}
					if rng.IntN(3) == 0 {
						req.Lines = append(req.Lines, backorder.LineRequest{SKU: skus[rng.IntN(len(skus))], Quantity: int64(1 + rng.IntN(3))})
					}
					if _, err = svc.PlaceOrder(ctx, req, nil); err == nil {
						mine = append(mine, id)
					}
				case r < 8 && len(mine) > 0:
					_, err = svc.CancelOrder(ctx, mine[rng.IntN(len(mine))], &backorder.CancelRequest{Reason: "changed mind"}, nil)
				case r < 9:
					_, err = svc.Receive(ctx, &backorder.ReceiptRequest{SKU: skus[rng.IntN(len(skus))], Quantity: int64(1 + rng.IntN(8))}, nil)
				default:
					_, err = svc.Adjust(ctx, &backorder.AdjustmentRequest{SKU: skus[rng.IntN(len(skus))], Delta: int64(rng.IntN(7) - 3), Reason: "recount"}, nil)
				}
				if c := backorder.ErrorCode(err); err != nil && c != backorder.ECONFLICT && c != backorder.EINVALID {
					errc <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Fatal(err)
	}
}

// mustShipWhatMay checks that no allocated unit sits unrequested when it may
// ship: under ship_available every allocated unit is in a fulfillment
// request, and under any policy once nothing of the order waits.
func mustShipWhatMay(t TB, svc *backorder.Service) {
	t.Helper()
	os, err := svc.Orders(context.Background(), backorder.OrderFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range os {
		var waiting int64
		for _, l := range o.Lines {
			waiting += l.Backordered
		}
		if o.EffectiveSplit() != backorder.SplitShipAvailable && waiting > 0 {
			continue
		}
		for _, l := range o.Lines {
			if l.Fulfilling != l.Allocated {
				t.Fatalf("order %s (%s) line %d: %d allocated but %d requested for shipping", o.ID, o.EffectiveSplit(), l.ID, l.Allocated, l.Fulfilling)
			}
		}
	}
}
