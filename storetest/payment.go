package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/backorder/backorder"
	"pgregory.net/rapid"
)

// testPayments runs the partial shipments' and the payment ledgers' flows.
func testPayments(t *testing.T, open Opener, writers int) {
	t.Run("PartialShipments", func(t *testing.T) { t.Parallel(); testPartialShipments(t, open, writers) })
	t.Run("CancelAfterPartialShipment", func(t *testing.T) { t.Parallel(); testCancelAfterPartialShipment(t, open, writers) })
	t.Run("AtShip", func(t *testing.T) { t.Parallel(); testPaymentAtShip(t, open, writers) })
	t.Run("AuthorizationExpiry", func(t *testing.T) { t.Parallel(); testAuthorizationExpiry(t, open, writers) })
	t.Run("CheckCatches", func(t *testing.T) { t.Parallel(); testPaymentCheckCatches(t, open, writers) })
	t.Run("Properties", func(t *testing.T) { testPaymentProperties(t, open, writers) })
}

// testPaymentCheckCatches writes a ledger entry behind the service's back
// and asserts that Check reports the order out of balance.
func testPaymentCheckCatches(t *testing.T, open Opener, writers int) {
	store := open(t)
	svc, _ := MustService(t, store, writers)
	MustProduct(t, svc, "W", 0, backorder.Policy{})
	MustOrder(t, svc, "K", "W", 2)
	MustCheck(t, svc)
	mustWrite(t, store, func(tx backorder.Tx) {
		if err := tx.InsertPayments(context.Background(), []backorder.Payment{{OrderID: "K", At: epoch, Kind: backorder.PaymentCapture,
			Status: backorder.PaymentRequested, Timing: backorder.PaymentAtOrder, Amount: 100, Currency: "USD"}}); err != nil {
			t.Fatal(err)
		}
	})
	rep, err := svc.Check(context.Background())
	if err != nil {
		t.Fatal(err)
	} else if rep.OK || len(rep.Violations) != 1 || rep.Violations[0].Invariant != "payment_balance" {
		t.Fatalf("check=%+v, want one payment_balance violation", rep)
	}
}

// testPartialShipments ships a request in part, the remainder later, and
// refuses a second shipment and bad lines.
func testPartialShipments(t *testing.T, open Opener, writers int) {
	svc, _ := MustService(t, open(t), writers)
	ctx := context.Background()
	MustProduct(t, svc, "W", 10, backorder.Policy{})
	MustProduct(t, svc, "V", 10, backorder.Policy{})
	req := orderReq("P", "cust-p", "W", 6)
	req.Lines = append(req.Lines, backorder.LineRequest{SKU: "V", Quantity: 3})
	o, err := svc.PlaceOrder(ctx, req, nil)
	if err != nil {
		t.Fatal(err)
	}
	fs, _ := svc.Fulfillments(ctx, backorder.FulfillmentFilter{OrderID: "P"})
	if len(fs) != 1 || len(fs[0].Lines) != 2 {
		t.Fatalf("requests=%+v, want one of both lines", fs)
	}
	f := fs[0]
	sh := func(lines ...backorder.ShipLine) *backorder.Shipment {
		return &backorder.Shipment{Carrier: "UPS", Tracking: "1Z", Lines: lines}
	}
	for _, tt := range []struct {
		name  string
		lines []backorder.ShipLine
		field string
	}{
		{"ErrTooMany", []backorder.ShipLine{{SKU: "W", Quantity: 7}}, "lines[0].quantity"},
		{"ErrTooManyAcross", []backorder.ShipLine{{SKU: "W", Quantity: 4}, {LineID: o.Lines[0].ID, Quantity: 3}}, "lines[1].quantity"},
		{"ErrUnknownLine", []backorder.ShipLine{{LineID: 999999, Quantity: 1}}, "lines[0].line_id"},
		{"ErrUnknownSKU", []backorder.ShipLine{{SKU: "NOPE", Quantity: 1}}, "lines[0].sku"},
		{"ErrZero", []backorder.ShipLine{{SKU: "W", Quantity: 0}}, "lines[0].quantity"},
		{"ErrNegative", []backorder.ShipLine{{SKU: "W", Quantity: -2}}, "lines[0].quantity"},
		{"ErrBoth", []backorder.ShipLine{{SKU: "W", LineID: o.Lines[0].ID, Quantity: 1}}, "lines[0].line_id"},
	} {
		_, err := svc.ShipFulfillment(ctx, f.ID, sh(tt.lines...), nil)
		if e := backorder.AsError(err); e.Code != backorder.EINVALID || e.Field != tt.field {
			t.Fatalf("%s: err=%+v, want invalid %s", tt.name, e, tt.field)
		}
	}
	// 4 of 6 W and none of V leave; 2 W and 3 V stay allocated in a new
	// request linked to the first.
	got, err := svc.ShipFulfillment(ctx, f.ID, sh(backorder.ShipLine{SKU: "W", Quantity: 4}), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != backorder.FulfillmentShipped || len(got.Lines) != 1 || got.Lines[0].Quantity != 4 || got.RemainderID == 0 {
		t.Fatalf("shipped=%+v", got)
	}
	rest, err := svc.Fulfillment(ctx, got.RemainderID)
	if err != nil {
		t.Fatal(err)
	} else if rest.Status != backorder.FulfillmentReady || rest.SplitFrom != f.ID || fmt.Sprint(qtys(rest)) != "[W:2 V:3]" {
		t.Fatalf("remainder=%+v %v", rest, qtys(rest))
	}
	if f2, _ := svc.Fulfillment(ctx, f.ID); fmt.Sprint(qtys(f2)) != "[W:4]" {
		t.Fatalf("shipped request lines=%v, want what shipped", qtys(f2))
	}
	o, _ = svc.Order(ctx, "P")
	if o.Status != backorder.OrderPartiallyShipped || o.Lines[0].Shipped != 4 || o.Lines[0].Allocated != 2 || o.Lines[0].Fulfilling != 2 || o.Lines[1].Allocated != 3 {
		t.Fatalf("order=%s %+v %+v", o.Status, o.Lines[0], o.Lines[1])
	}
	if p, _ := svc.Product(ctx, "W"); p.OnHand != 6 || p.Allocated != 2 {
		t.Fatalf("W stock=%+v, want on_hand 6 allocated 2", p.Stock)
	}
	// Shipping the same request twice is a conflict, in part or whole.
	if _, err := svc.ShipFulfillment(ctx, f.ID, sh(), nil); backorder.ErrorCode(err) != backorder.ECONFLICT {
		t.Fatalf("second ship err=%v, want conflict", err)
	}
	if _, err := svc.ShipFulfillment(ctx, f.ID, sh(backorder.ShipLine{SKU: "W", Quantity: 1}), nil); backorder.ErrorCode(err) != backorder.ECONFLICT {
		t.Fatalf("second partial ship err=%v, want conflict", err)
	}
	// The remainder, by line ID, then in full.
	got, err = svc.ShipFulfillment(ctx, rest.ID, sh(backorder.ShipLine{LineID: o.Lines[1].ID, Quantity: 3}), nil)
	if err != nil {
		t.Fatal(err)
	}
	last, err := svc.ShipFulfillment(ctx, got.RemainderID, sh(), nil)
	if err != nil {
		t.Fatal(err)
	} else if last.RemainderID != 0 || fmt.Sprint(qtys(last)) != "[W:2]" {
		t.Fatalf("last=%+v", last)
	}
	o, _ = svc.Order(ctx, "P")
	if o.Status != backorder.OrderShipped || o.Lines[0].Shipped != 6 || o.Lines[1].Shipped != 3 {
		t.Fatalf("order=%s %+v", o.Status, o.Lines)
	}
	if p, _ := svc.Product(ctx, "W"); p.OnHand != 4 || p.Allocated != 0 {
		t.Fatalf("W stock=%+v", p.Stock)
	}
	MustCheck(t, svc)
}

func qtys(f *backorder.Fulfillment) []string {
	var out []string
	for _, l := range f.Lines {
		out = append(out, fmt.Sprintf("%s:%d", l.SKU, l.Quantity))
	}
	return out
}

// testCancelAfterPartialShipment: a cancellation after part of a request
// shipped takes only the units that did not ship, and refunds them.
func testCancelAfterPartialShipment(t *testing.T, open Opener, writers int) {
	svc, _ := MustService(t, open(t), writers)
	ctx := context.Background()
	MustProduct(t, svc, "W", 6, backorder.Policy{})
	MustOrder(t, svc, "C", "W", 8) // 6 allocated, 2 wait
	fs, _ := svc.Fulfillments(ctx, backorder.FulfillmentFilter{OrderID: "C"})
	got, err := svc.ShipFulfillment(ctx, fs[0].ID, &backorder.Shipment{Carrier: "UPS", Tracking: "1Z", Lines: []backorder.ShipLine{{SKU: "W", Quantity: 4}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CancelOrder(ctx, "C", &backorder.CancelRequest{Reason: "r", Lines: []backorder.CancelLine{{SKU: "W", Quantity: 5}}}, nil); backorder.ErrorCode(err) != backorder.ECONFLICT {
		t.Fatalf("cancel of 5 with 4 open: err=%v, want conflict", err)
	}
	o, err := svc.CancelOrder(ctx, "C", &backorder.CancelRequest{Reason: "r"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if l := o.Lines[0]; l.Shipped != 4 || l.Cancelled != 4 || l.Allocated != 0 || l.Backordered != 0 || o.Status != backorder.OrderShipped {
		t.Fatalf("after cancel %s %+v, want 4 shipped and 4 cancelled", o.Status, l)
	}
	if rest, _ := svc.Fulfillment(ctx, got.RemainderID); rest.Status != backorder.FulfillmentCancelled {
		t.Fatalf("remainder=%+v, want cancelled", rest)
	}
	if _, err := svc.CancelOrder(ctx, "C", &backorder.CancelRequest{Reason: "r"}, nil); backorder.ErrorCode(err) != backorder.ECONFLICT {
		t.Fatalf("cancel of a shipped order: err=%v, want conflict", err)
	}
	led, err := svc.Payments(ctx, "C")
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(entries(led)) != "[capture:20000 refund:10000]" || led.Balances[0].Due != 10000 || !led.Balances[0].Balanced {
		t.Fatalf("ledger=%v %+v", entries(led), led.Balances)
	}
	MustCheck(t, svc)
}

func entries(l *backorder.PaymentLedger) []string {
	var out []string
	for _, p := range l.Payments {
		s := fmt.Sprintf("%s:%d", p.Kind, p.Amount)
		if p.Status != backorder.PaymentRequested {
			s += ":" + p.Status
		}
		out = append(out, s)
	}
	return out
}

// testPaymentAtShip follows an order charged at ship: authorized at intake,
// captured per shipment, released for what is cancelled; a failed capture
// holds the order's requests until one succeeds; outcomes are recorded once
// per reference.
func testPaymentAtShip(t *testing.T, open Opener, writers int) {
	svc, _ := MustService(t, open(t), writers)
	ctx := context.Background()
	MustProduct(t, svc, "S", 4, backorder.Policy{PaymentTiming: backorder.PaymentAtShip})
	MustOrder(t, svc, "A", "S", 6) // 4 allocated, 2 wait; 6 × 2500
	ledger := func(want string) *backorder.PaymentLedger {
		t.Helper()
		l, err := svc.Payments(ctx, "A")
		if err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprint(entries(l)); got != want {
			t.Fatalf("ledger=%s, want %s", got, want)
		}
		for _, b := range l.Balances {
			if !b.Balanced {
				t.Fatalf("out of balance: %+v", b)
			}
		}
		MustCheck(t, svc)
		return l
	}
	l := ledger("[authorization:15000]")
	if l.AuthorizationDue == nil || !l.AuthorizationDue.Equal(epoch.Add(7*24*time.Hour)) {
		t.Fatalf("authorization due=%v", l.AuthorizationDue)
	}
	fs, _ := svc.Fulfillments(ctx, backorder.FulfillmentFilter{OrderID: "A"})
	f, err := svc.ShipFulfillment(ctx, fs[0].ID, &backorder.Shipment{Carrier: "UPS", Tracking: "1Z", Lines: []backorder.ShipLine{{SKU: "S", Quantity: 1}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	l = ledger("[authorization:15000 capture:2500]")
	if l.Payments[1].FulfillmentID != f.ID || l.Balances[0].AuthorizationHeld != 12500 {
		t.Fatalf("capture=%+v balance %+v", l.Payments[1], l.Balances[0])
	}
	if _, err := svc.CancelOrder(ctx, "A", &backorder.CancelRequest{Reason: "r", Lines: []backorder.CancelLine{{SKU: "S", Quantity: 2}}}, nil); err != nil {
		t.Fatal(err)
	}
	ledger("[authorization:15000 capture:2500 release:5000]")

	// The payment system reports the capture failed: the rest is held.
	fail := &backorder.PaymentOutcome{Kind: backorder.PaymentCapture, Status: backorder.PaymentFailed, Amount: 2500, Reference: "ch_1", FulfillmentID: f.ID}
	if _, err := svc.RecordPayment(ctx, "A", fail, nil); err != nil {
		t.Fatal(err)
	}
	l = ledger("[authorization:15000 capture:2500 release:5000 capture:2500:failed]")
	if !l.CaptureFailed {
		t.Fatal("capture_failed=false after a failed capture")
	}
	rest, _ := svc.Fulfillment(ctx, f.RemainderID)
	if rest.Status != backorder.FulfillmentHeld || rest.HoldReason != backorder.HoldPaymentFailed {
		t.Fatalf("remainder=%+v, want held for payment_failed", rest)
	}
	if held, _ := svc.Fulfillments(ctx, backorder.FulfillmentFilter{Status: backorder.FulfillmentHeld}); len(held) != 1 || held[0].ID != rest.ID {
		t.Fatalf("held=%+v", held)
	}
	if ready, _ := svc.Fulfillments(ctx, backorder.FulfillmentFilter{Status: backorder.FulfillmentReady}); len(ready) != 0 {
		t.Fatalf("ready=%+v, want none", ready)
	}
	if _, err := svc.ShipFulfillment(ctx, rest.ID, &backorder.Shipment{Carrier: "UPS", Tracking: "1Z"}, nil); backorder.ErrorCode(err) != backorder.ECONFLICT {
		t.Fatalf("ship while held: err=%v, want conflict", err)
	}
	// The same report again has no second effect; the same reference
	// saying something else is a conflict.
	if _, err := svc.RecordPayment(ctx, "A", fail, nil); err != nil {
		t.Fatal(err)
	}
	ledger("[authorization:15000 capture:2500 release:5000 capture:2500:failed]")
	other := *fail
	other.Amount = 2400
	if _, err := svc.RecordPayment(ctx, "A", &other, nil); backorder.AsError(err).Field != "reference" || backorder.ErrorCode(err) != backorder.ECONFLICT {
		t.Fatalf("same reference, other amount: err=%v, want conflict on reference", err)
	}
	for _, tt := range []struct {
		in    backorder.PaymentOutcome
		field string
	}{
		{backorder.PaymentOutcome{Kind: "charge", Status: "succeeded", Reference: "x"}, "kind"},
		{backorder.PaymentOutcome{Kind: "capture", Status: "pending", Reference: "x"}, "status"},
		{backorder.PaymentOutcome{Kind: "capture", Status: "failed", Amount: -1, Reference: "x"}, "amount"},
		{backorder.PaymentOutcome{Kind: "capture", Status: "failed", Reference: ""}, "reference"},
		{backorder.PaymentOutcome{Kind: "capture", Status: "failed", Reference: "x", Currency: "EUR"}, "currency"},
		{backorder.PaymentOutcome{Kind: "capture", Status: "failed", Reference: "x", Timing: backorder.PaymentAtOrder}, "timing"},
		{backorder.PaymentOutcome{Kind: "capture", Status: "failed", Reference: "x", FulfillmentID: 999999}, "fulfillment_id"},
	} {
		if _, err := svc.RecordPayment(ctx, "A", &tt.in, nil); backorder.AsError(err).Field != tt.field || backorder.ErrorCode(err) != backorder.EINVALID {
			t.Fatalf("%+v: err=%v, want invalid %s", tt.in, err, tt.field)
		}
	}
	if _, err := svc.RecordPayment(ctx, "NOPE", fail, nil); backorder.ErrorCode(err) != backorder.ENOTFOUND {
		t.Fatalf("unknown order: err=%v", err)
	}
	// A capture succeeds: the hold is lifted and the rest ships.
	ok := &backorder.PaymentOutcome{Kind: backorder.PaymentCapture, Status: backorder.PaymentSucceeded, Amount: 2500, Reference: "ch_2"}
	if _, err := svc.RecordPayment(ctx, "A", ok, nil); err != nil {
		t.Fatal(err)
	}
	if rest, _ = svc.Fulfillment(ctx, rest.ID); rest.Status != backorder.FulfillmentReady || rest.HoldReason != "" {
		t.Fatalf("remainder after success=%+v", rest)
	}
	if _, err := svc.ShipFulfillment(ctx, rest.ID, &backorder.Shipment{Carrier: "UPS", Tracking: "1Z"}, nil); err != nil {
		t.Fatal(err)
	}
	l = ledger("[authorization:15000 capture:2500 release:5000 capture:2500:failed capture:2500:succeeded capture:7500]")
	if l.AuthorizationDue != nil || l.Balances[0].AuthorizationHeld != 0 || l.Balances[0].Due != 10000 || l.Balances[0].Captured != 2500 {
		t.Fatalf("after the last shipment: due %v, balance %+v", l.AuthorizationDue, l.Balances[0])
	}
}

// testAuthorizationExpiry: an authorization still holding some is
// re-authorized once it is older than the validity on the store's clock,
// by a sweep that reads what is stored (a new service over the same store
// finds it), and again a validity later; a shorter validity takes effect at
// once; one that holds nothing lapses unnoticed.
func testAuthorizationExpiry(t *testing.T, open Opener, writers int) {
	store := open(t)
	svc, clock := MustService(t, store, writers)
	ctx := context.Background()
	MustProduct(t, svc, "S", 0, backorder.Policy{PaymentTiming: backorder.PaymentAtShip})
	MustOrder(t, svc, "A", "S", 2)
	clock.Advance(time.Hour)
	MustOrder(t, svc, "B", "S", 1)
	sweep := func(svc *backorder.Service, want int) {
		t.Helper()
		if n, err := svc.SweepAuthorizations(ctx); err != nil {
			t.Fatal(err)
		} else if n != want {
			t.Fatalf("sweep at %s asked for %d re-authorizations, want %d", svc.Now(), n, want)
		}
	}
	clock.Advance(7*24*time.Hour - 2*time.Hour)
	sweep(svc, 0)
	clock.Advance(time.Hour) // A's authorization is 7 days old
	sweep(svc, 1)
	sweep(svc, 0)
	// A new service over the same store, its clock later: B has lapsed.
	clock2 := backorder.NewFixedClock(clock.Now().Add(time.Hour))
	svc2 := backorder.NewService(backorder.Config{Store: store, Clock: clock2, Writers: writers, QueuePage: testQueuePage})
	t.Cleanup(func() { svc2.Close() })
	sweep(svc2, 1)
	l, err := svc2.Payments(ctx, "A")
	if err != nil {
		t.Fatal(err)
	} else if fmt.Sprint(entries(l)) != "[authorization:5000 reauthorization:5000]" || !l.AuthorizationDue.Equal(clock.Now().Add(7*24*time.Hour)) {
		t.Fatalf("A ledger=%v due %v", entries(l), l.AuthorizationDue)
	}
	events, err := svc2.Events(ctx, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var reauth []string
	for _, e := range events {
		if e.Kind != backorder.EventPaymentReauthorizationRequired {
			continue
		}
		p, err := backorder.DecodePayload(e)
		if err != nil {
			t.Fatal(err)
		}
		r := p.(*backorder.PaymentReauthorizationRequiredPayload)
		reauth = append(reauth, fmt.Sprintf("%s:%d:%s", e.OrderID, r.Amount, r.AuthorizedAt.Sub(epoch)))
	}
	if fmt.Sprint(reauth) != "[A:5000:0s B:2500:1h0m0s]" {
		t.Fatalf("reauthorization events=%v", reauth)
	}
	// A shorter validity applies to what is stored at once.
	s, _ := svc2.Settings(ctx)
	s.Payments.AuthorizationValidityDays = 3
	if _, err := svc2.PutSettings(ctx, s); err != nil {
		t.Fatal(err)
	}
	clock2.Advance(3 * 24 * time.Hour)
	sweep(svc2, 2)
	// Cancelled in full, A's authorization holds nothing: it is not asked again.
	if _, err := svc2.CancelOrder(ctx, "A", &backorder.CancelRequest{Reason: "r"}, nil); err != nil {
		t.Fatal(err)
	}
	clock2.Advance(3 * 24 * time.Hour)
	sweep(svc2, 1)
	MustCheck(t, svc2)
}

// testPaymentProperties runs random sequences of intake, receipts,
// cancellations, partial shipments, payment outcomes, setting changes and
// the clock moving on, over products charged at order and at ship, and
// checks after every step that every order's ledger balances (the balances
// CheckPayments checks) and that every request has its outbox event. The
// stock invariants after every step are testProperties' to check.
func testPaymentProperties(t *testing.T, open Opener, writers int) {
	rapid.Check(t, func(rt *rapid.T) {
		store := open(t)
		clock := backorder.NewFixedClock(epoch)
		svc := backorder.NewService(backorder.Config{Store: store, Clock: clock, Writers: writers, QueuePage: testQueuePage})
		defer svc.Close()
		ctx := context.Background()
		skus := []string{"O1", "O2", "S1", "S2"}
		for i, sku := range skus {
			in := &backorder.ProductInput{SKU: sku, Name: sku, PriceCents: int64(100 * (i + 1)), Currency: "USD", Status: backorder.StatusActive}
			if sku[0] == 'S' {
				in.PaymentTiming = backorder.PaymentAtShip
			} else {
				in.PaymentTiming = backorder.PaymentAtOrder
			}
			if sku == "S2" {
				in.Currency = "EUR"
			}
			if _, _, err := svc.PutProduct(ctx, in); err != nil {
				rt.Fatal(err)
			}
		}
		var orders []string
		refs := 0
		expect := func(err error, allowed ...string) {
			if err == nil {
				return
			}
			for _, a := range allowed {
				if backorder.ErrorCode(err) == a {
					return
				}
			}
			rt.Fatalf("unexpected error %v", err)
		}
		rt.Repeat(map[string]func(*rapid.T){
			"order": func(rt *rapid.T) {
				id := fmt.Sprintf("o%d", len(orders)+1)
				req := orderReq(id, "c", rapid.SampledFrom(skus).Draw(rt, "sku"), int64(rapid.IntRange(1, 5).Draw(rt, "qty")))
				if rapid.Bool().Draw(rt, "second") {
					req.Lines = append(req.Lines, backorder.LineRequest{SKU: rapid.SampledFrom(skus).Draw(rt, "sku2"), Quantity: int64(rapid.IntRange(1, 5).Draw(rt, "qty2"))})
				}
				_, err := svc.PlaceOrder(ctx, req, nil)
				expect(err)
				orders = append(orders, id)
			},
			"receipt": func(rt *rapid.T) {
				_, err := svc.Receive(ctx, &backorder.ReceiptRequest{SKU: rapid.SampledFrom(skus).Draw(rt, "sku"), Quantity: int64(rapid.IntRange(1, 8).Draw(rt, "qty"))}, nil)
				expect(err)
			},
			"cancel": func(rt *rapid.T) {
				if len(orders) == 0 {
					rt.Skip("no orders")
				}
				req := &backorder.CancelRequest{Reason: "r"}
				if rapid.Bool().Draw(rt, "partial") {
					req.Lines = []backorder.CancelLine{{SKU: rapid.SampledFrom(skus).Draw(rt, "sku"), Quantity: int64(rapid.IntRange(1, 3).Draw(rt, "qty"))}}
				}
				_, err := svc.CancelOrder(ctx, rapid.SampledFrom(orders).Draw(rt, "order"), req, nil)
				expect(err, backorder.ECONFLICT, backorder.ENOTFOUND)
			},
			"ship": func(rt *rapid.T) {
				fs, err := svc.Fulfillments(ctx, backorder.FulfillmentFilter{Status: backorder.FulfillmentReady})
				expect(err)
				if len(fs) == 0 {
					rt.Skip("nothing ready")
				}
				f := rapid.SampledFrom(fs).Draw(rt, "fulfillment")
				sh := &backorder.Shipment{Carrier: "UPS", Tracking: "T"}
				if rapid.Bool().Draw(rt, "partial") {
					l := rapid.SampledFrom(f.Lines).Draw(rt, "line")
					sh.Lines = []backorder.ShipLine{{LineID: l.LineID, Quantity: int64(rapid.IntRange(1, int(l.Quantity)).Draw(rt, "qty"))}}
				}
				_, err = svc.ShipFulfillment(ctx, f.ID, sh, nil)
				expect(err, backorder.ECONFLICT) // the order's last capture failed
			},
			"outcome": func(rt *rapid.T) {
				if len(orders) == 0 {
					rt.Skip("no orders")
				}
				id := rapid.SampledFrom(orders).Draw(rt, "order")
				l, err := svc.Payments(ctx, id)
				expect(err)
				if len(l.Balances) == 0 {
					rt.Skip("no ledger")
				}
				b := rapid.SampledFrom(l.Balances).Draw(rt, "balance")
				in := &backorder.PaymentOutcome{
					Kind:     rapid.SampledFrom([]string{"capture", "capture", "refund", "authorization", "release", "reauthorization"}).Draw(rt, "kind"),
					Status:   rapid.SampledFrom([]string{"succeeded", "failed"}).Draw(rt, "status"),
					Amount:   int64(rapid.IntRange(0, 2000).Draw(rt, "amount")),
					Currency: b.Currency, Timing: b.Timing,
				}
				if refs > 0 && rapid.Bool().Draw(rt, "reuse") {
					in.Reference = fmt.Sprintf("ref-%d", rapid.IntRange(1, refs).Draw(rt, "ref"))
				} else {
					refs++
					in.Reference = fmt.Sprintf("ref-%d", refs)
				}
				_, err = svc.RecordPayment(ctx, id, in, nil)
				expect(err, backorder.ECONFLICT)
			},
			"settings": func(rt *rapid.T) {
				s, err := svc.Settings(ctx)
				expect(err)
				s.Payments.AuthorizationValidityDays = rapid.IntRange(1, 10).Draw(rt, "validity")
				s.Defaults.SplitPolicy = rapid.SampledFrom([]string{"ship_available", "ship_complete"}).Draw(rt, "split")
				_, err = svc.PutSettings(ctx, s)
				expect(err)
			},
			"advance": func(rt *rapid.T) {
				clock.Advance(time.Duration(rapid.IntRange(1, 96).Draw(rt, "hours")) * time.Hour)
				_, err := svc.SweepAuthorizations(ctx)
				expect(err)
			},
			"": func(rt *rapid.T) {
				requested := 0
				for _, id := range orders {
					l, err := svc.Payments(ctx, id)
					if err != nil {
						rt.Fatal(err)
					}
					for _, b := range l.Balances {
						if !b.Balanced || b.AuthorizationHeld < 0 {
							rt.Fatalf("order %s out of balance: %+v", id, b)
						}
					}
					for _, p := range l.Payments {
						if p.Status == backorder.PaymentRequested {
							requested++
						}
					}
				}
				events, err := svc.Events(ctx, 0, 10000)
				if err != nil {
					rt.Fatal(err)
				}
				n := 0
				for _, e := range events {
					if len(e.Kind) > 8 && e.Kind[:8] == "payment." {
						n++
					}
				}
				if n != requested {
					rt.Fatalf("%d payment events for %d requests", n, requested)
				}
			},
		})
	})
}

// MustOpeningBalance places, cancels and ships orders of both payment
// timings and two currencies on store, has redo run migration 00010 again
// over them (dropping the ledgers and rebuilding them from the lines, as on
// an upgrade), and checks the opening balances it writes and that Check
// finds every ledger balanced.
func MustOpeningBalance(t *testing.T, store backorder.Store, redo func(ctx context.Context) error) {
	ctx := context.Background()
	svc := backorder.NewService(backorder.Config{Store: store})
	t.Cleanup(func() { svc.Close() })
	for _, p := range []*backorder.ProductInput{
		{SKU: "P", Name: "P", PriceCents: 2500, Currency: "USD", Status: backorder.StatusActive},
		{SKU: "Q", Name: "Q", PriceCents: 1000, Currency: "EUR", Status: backorder.StatusActive, Policy: backorder.Policy{PaymentTiming: backorder.PaymentAtShip}},
	} {
		if _, _, err := svc.PutProduct(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := svc.Receive(ctx, &backorder.ReceiptRequest{SKU: "Q", Quantity: 2}, nil); err != nil {
		t.Fatal(err)
	}
	place := func(id string, lines ...backorder.LineRequest) {
		t.Helper()
		if _, err := svc.PlaceOrder(ctx, &backorder.OrderRequest{ID: id, Customer: backorder.Customer{ID: "c", Email: "c@example.com", Name: "C"}, Lines: lines}, nil); err != nil {
			t.Fatal(err)
		}
	}
	place("A", backorder.LineRequest{SKU: "P", Quantity: 3})
	place("B", backorder.LineRequest{SKU: "Q", Quantity: 4}, backorder.LineRequest{SKU: "P", Quantity: 1})
	if _, err := svc.CancelOrder(ctx, "A", &backorder.CancelRequest{Reason: "r", Lines: []backorder.CancelLine{{SKU: "P", Quantity: 1}}}, nil); err != nil {
		t.Fatal(err)
	}
	fs, err := svc.Fulfillments(ctx, backorder.FulfillmentFilter{OrderID: "B"})
	if err != nil || len(fs) != 1 {
		t.Fatalf("fulfillments=%v, %v", fs, err)
	}
	if _, err := svc.ShipFulfillment(ctx, fs[0].ID, &backorder.Shipment{Carrier: "UPS", Tracking: "1Z", Lines: []backorder.ShipLine{{SKU: "Q", Quantity: 1}}}, nil); err != nil {
		t.Fatal(err)
	}

	if err := redo(ctx); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]string{
		"A": "[capture:requested:at_order:USD:5000]",
		"B": "[capture:requested:at_ship:EUR:1000 capture:requested:at_order:USD:2500 authorization:requested:at_ship:EUR:4000]",
	} {
		l, err := svc.Payments(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, p := range l.Payments {
			got = append(got, fmt.Sprintf("%s:%s:%s:%s:%d", p.Kind, p.Status, p.Timing, p.Currency, p.Amount))
		}
		if fmt.Sprint(got) != want {
			t.Fatalf("%s ledger=%v, want %s", id, got, want)
		}
		if id == "B" && l.AuthorizationDue == nil {
			t.Fatal("B's authorization has no due date")
		}
	}
	rep, err := svc.Check(ctx)
	if err != nil {
		t.Fatal(err)
	} else if !rep.OK {
		t.Fatalf("check after the opening balance: %+v", rep.Violations)
	}
}
