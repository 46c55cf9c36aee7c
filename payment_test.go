package backorder_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/backorder/backorder"
	"pgregory.net/rapid"
)

var payNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func req(kind, timing string, amount int64) backorder.Payment {
	return backorder.Payment{OrderID: "O", At: payNow, Kind: kind, Status: backorder.PaymentRequested, Timing: timing, Amount: amount, Currency: "USD"}
}

func showPayments(ps []backorder.Payment) string {
	out := ""
	for _, p := range ps {
		out += fmt.Sprintf("%s:%s:%d ", p.Kind, p.Timing, p.Amount)
	}
	return out
}

func TestPlanPayments(t *testing.T) {
	const o, s = backorder.PaymentAtOrder, backorder.PaymentAtShip
	line := func(timing string, qty, shipped, cancelled int64) *backorder.Line {
		return &backorder.Line{OrderID: "O", SKU: "A", Quantity: qty, Shipped: shipped, Cancelled: cancelled, Backordered: qty - shipped - cancelled,
			PriceCents: 100, Currency: "USD", PaymentTiming: timing}
	}
	for _, tt := range []struct {
		name   string
		lines  []*backorder.Line
		ledger []backorder.Payment
		want   string
	}{
		{"AtOrderIntakeCaptures", []*backorder.Line{line(o, 5, 0, 0)}, nil, "capture:at_order:500 "},
		{"AtOrderCancelRefunds", []*backorder.Line{line(o, 5, 0, 2)}, []backorder.Payment{req("capture", o, 500)}, "refund:at_order:200 "},
		{"AtOrderShipAsksNothing", []*backorder.Line{line(o, 5, 3, 2)}, []backorder.Payment{req("capture", o, 500), req("refund", o, 200)}, ""},
		{"AtShipIntakeAuthorizes", []*backorder.Line{line(s, 5, 0, 0)}, nil, "authorization:at_ship:500 "},
		{"AtShipShipCaptures", []*backorder.Line{line(s, 5, 2, 0)}, []backorder.Payment{req("authorization", s, 500)}, "capture:at_ship:200 "},
		{"AtShipCancelReleases", []*backorder.Line{line(s, 5, 2, 1)}, []backorder.Payment{req("authorization", s, 500), req("capture", s, 200)}, "release:at_ship:100 "},
		{"AtShipReauthorizationChangesNothing", []*backorder.Line{line(s, 5, 0, 0)}, []backorder.Payment{req("authorization", s, 500), req("reauthorization", s, 500)}, ""},
		{"OutcomesChangeNothing", []*backorder.Line{line(o, 5, 0, 0)}, []backorder.Payment{req("capture", o, 500), {Kind: "capture", Status: "failed", Timing: o, Amount: 500, Currency: "USD"}}, ""},
		{"BothTimings", []*backorder.Line{line(o, 2, 0, 0), line(s, 3, 1, 0)}, nil, "capture:at_order:200 capture:at_ship:100 authorization:at_ship:300 "},
		{"FreeLinesAskNothing", []*backorder.Line{{OrderID: "O", Quantity: 3, Backordered: 3, Currency: "USD", PaymentTiming: o}}, nil, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			plan := backorder.PlanPayments("O", tt.lines, tt.ledger, 9, payNow)
			if got := showPayments(plan); got != tt.want {
				t.Fatalf("plan=%q, want %q", got, tt.want)
			}
			after := append(append([]backorder.Payment(nil), tt.ledger...), plan...)
			if v := backorder.CheckPayments(tt.lines, after); len(v) != 0 {
				t.Fatalf("after the plan: %+v", v)
			}
			for _, p := range plan {
				if p.Kind == backorder.PaymentCapture && p.Timing == s && p.FulfillmentID != 9 {
					t.Fatalf("capture at ship without its shipment: %+v", p)
				}
			}
		})
	}
}

// TestCheckPaymentsCatches feeds the checker ledgers that break the
// balance equation and asserts it reports each.
func TestCheckPaymentsCatches(t *testing.T) {
	const o, s = backorder.PaymentAtOrder, backorder.PaymentAtShip
	lo := &backorder.Line{OrderID: "O", Quantity: 4, Allocated: 4, PriceCents: 100, Currency: "USD", PaymentTiming: o}
	ls := &backorder.Line{OrderID: "O", Quantity: 4, Shipped: 1, Allocated: 3, PriceCents: 100, Currency: "USD", PaymentTiming: s}
	for _, tt := range []struct {
		name   string
		lines  []*backorder.Line
		ledger []backorder.Payment
		broken bool
	}{
		{"Balanced", []*backorder.Line{lo}, []backorder.Payment{req("capture", o, 400)}, false},
		{"MissingCapture", []*backorder.Line{lo}, nil, true},
		{"CapturedTwice", []*backorder.Line{lo}, []backorder.Payment{req("capture", o, 400), req("capture", o, 400)}, true},
		{"RefundNotDue", []*backorder.Line{lo}, []backorder.Payment{req("capture", o, 400), req("refund", o, 100)}, true},
		{"AtShipBalanced", []*backorder.Line{ls}, []backorder.Payment{req("authorization", s, 400), req("capture", s, 100)}, false},
		{"AtShipCapturedAtIntake", []*backorder.Line{ls}, []backorder.Payment{req("capture", s, 400)}, true},
		{"AtShipAuthorizationNotReleased", []*backorder.Line{ls}, []backorder.Payment{req("authorization", s, 500), req("capture", s, 100)}, true},
		{"WrongCurrency", []*backorder.Line{lo}, []backorder.Payment{{OrderID: "O", Kind: "capture", Status: "requested", Timing: o, Amount: 400, Currency: "EUR"}}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			v := backorder.CheckPayments(tt.lines, tt.ledger)
			if tt.broken != (len(v) > 0) {
				t.Fatalf("violations=%+v, want broken=%v", v, tt.broken)
			}
			for _, x := range v {
				if x.Invariant != "payment_balance" {
					t.Fatalf("violation=%+v", x)
				}
			}
		})
	}
}

func TestReauthorization(t *testing.T) {
	const s = backorder.PaymentAtShip
	week := 7 * 24 * time.Hour
	l := &backorder.Line{OrderID: "O", Quantity: 4, Shipped: 1, Allocated: 3, PriceCents: 100, Currency: "USD", PaymentTiming: s}
	auth := req("authorization", s, 400)
	cap1 := req("capture", s, 100)
	ledger := []backorder.Payment{auth, cap1}
	at, ok := backorder.AuthorizedAt([]*backorder.Line{l}, ledger)
	if !ok || !at.Equal(payNow) {
		t.Fatalf("authorized at %v %v", at, ok)
	}
	if p := backorder.PlanReauthorization("O", []*backorder.Line{l}, ledger, week, payNow.Add(week-time.Microsecond)); len(p) != 0 {
		t.Fatalf("before the validity: %v", showPayments(p))
	}
	p := backorder.PlanReauthorization("O", []*backorder.Line{l}, ledger, week, payNow.Add(week))
	if got := showPayments(p); got != "reauthorization:at_ship:300 " {
		t.Fatalf("at the validity: %q", got)
	}
	ledger = append(ledger, p...)
	if at, _ := backorder.AuthorizedAt([]*backorder.Line{l}, ledger); !at.Equal(payNow.Add(week)) {
		t.Fatalf("after re-authorization authorized at %v", at)
	}
	// Everything shipped: nothing is held, nothing lapses.
	l.Shipped, l.Allocated = 4, 0
	ledger = append(ledger, req("capture", s, 300))
	if _, ok := backorder.AuthorizedAt([]*backorder.Line{l}, ledger); ok {
		t.Fatal("an authorization holding nothing has a date")
	}
	if p := backorder.PlanReauthorization("O", []*backorder.Line{l}, ledger, week, payNow.Add(10*week)); len(p) != 0 {
		t.Fatalf("nothing held: %v", showPayments(p))
	}
}

func TestCaptureFailed(t *testing.T) {
	out := func(kind, status string) backorder.Payment {
		return backorder.Payment{Kind: kind, Status: status}
	}
	for _, tt := range []struct {
		name   string
		ledger []backorder.Payment
		want   bool
	}{
		{"None", nil, false},
		{"Failed", []backorder.Payment{out("capture", "failed")}, true},
		{"FailedThenRequested", []backorder.Payment{out("capture", "failed"), out("capture", "requested")}, true},
		{"FailedThenSucceeded", []backorder.Payment{out("capture", "failed"), out("capture", "succeeded")}, false},
		{"SucceededThenFailed", []backorder.Payment{out("capture", "succeeded"), out("capture", "failed")}, true},
		{"OtherKindFailed", []backorder.Payment{out("refund", "failed"), out("authorization", "failed")}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := backorder.CaptureFailed(tt.ledger); got != tt.want {
				t.Fatalf("CaptureFailed=%v, want %v", got, tt.want)
			}
		})
	}
}

func TestPaymentOutcome(t *testing.T) {
	lines := []*backorder.Line{{Currency: "USD", PaymentTiming: "at_order"}, {Currency: "EUR", PaymentTiming: "at_order"}}
	for _, tt := range []struct {
		name  string
		in    backorder.PaymentOutcome
		field string
		want  string
	}{
		{"OK", backorder.PaymentOutcome{Kind: "capture", Status: "succeeded", Amount: 5, Currency: "EUR", Reference: "r"}, "", "EUR at_order"},
		{"ErrKind", backorder.PaymentOutcome{Kind: "charge", Status: "succeeded", Currency: "EUR", Reference: "r"}, "kind", ""},
		{"ErrStatus", backorder.PaymentOutcome{Kind: "capture", Status: "requested", Currency: "EUR", Reference: "r"}, "status", ""},
		{"ErrAmount", backorder.PaymentOutcome{Kind: "capture", Status: "failed", Amount: -1, Currency: "EUR", Reference: "r"}, "amount", ""},
		{"ErrAmountHuge", backorder.PaymentOutcome{Kind: "capture", Status: "failed", Amount: backorder.MaxPaymentAmount + 1, Currency: "EUR", Reference: "r"}, "amount", ""},
		{"ErrCurrencyShape", backorder.PaymentOutcome{Kind: "capture", Status: "failed", Currency: "euro", Reference: "r"}, "currency", ""},
		{"ErrCurrencyAmbiguous", backorder.PaymentOutcome{Kind: "capture", Status: "failed", Reference: "r"}, "currency", ""},
		{"ErrCurrencyNotOnOrder", backorder.PaymentOutcome{Kind: "capture", Status: "failed", Currency: "GBP", Reference: "r"}, "currency", ""},
		{"ErrTiming", backorder.PaymentOutcome{Kind: "capture", Status: "failed", Currency: "EUR", Timing: "later", Reference: "r"}, "timing", ""},
		{"ErrTimingNotOnOrder", backorder.PaymentOutcome{Kind: "capture", Status: "failed", Currency: "EUR", Timing: "at_ship", Reference: "r"}, "timing", ""},
		{"ErrReference", backorder.PaymentOutcome{Kind: "capture", Status: "failed", Currency: "EUR"}, "reference", ""},
		{"ErrFulfillment", backorder.PaymentOutcome{Kind: "capture", Status: "failed", Currency: "EUR", Reference: "r", FulfillmentID: -1}, "fulfillment_id", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.in.Validate()
			var p backorder.Payment
			if err == nil {
				p, err = tt.in.Entry("O", lines, payNow)
			}
			if tt.field != "" {
				if e := backorder.AsError(err); e.Code != backorder.EINVALID || e.Field != tt.field {
					t.Fatalf("err=%+v, want invalid %s", e, tt.field)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			} else if got := p.Currency + " " + p.Timing; got != tt.want {
				t.Fatalf("entry=%s, want %s", got, tt.want)
			}
		})
	}
}

// TestPaymentsProperty runs random sequences of what changes an order's
// lines (intake of lines of both timings and two currencies, receipts,
// cancellations, partial shipments) and of what the payment system reports
// and the clock does, keeps the ledger with PlanPayments and
// PlanReauthorization as the service does, and checks the balance equation
// after every step.
func TestPaymentsProperty(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		var lines []*backorder.Line
		var ledger []backorder.Payment
		now := payNow
		validity := 7 * 24 * time.Hour
		settle := func() {
			ledger = append(ledger, backorder.PlanPayments("O", lines, ledger, 1, now)...)
		}
		pick := func(rt *rapid.T, ok func(l *backorder.Line) bool) *backorder.Line {
			var c []*backorder.Line
			for _, l := range lines {
				if ok(l) {
					c = append(c, l)
				}
			}
			if len(c) == 0 {
				rt.Skip("no line")
			}
			return rapid.SampledFrom(c).Draw(rt, "line")
		}
		rt.Repeat(map[string]func(*rapid.T){
			"intake": func(rt *rapid.T) {
				q := int64(rapid.IntRange(1, 9).Draw(rt, "qty"))
				a := min(q, int64(rapid.IntRange(0, 9).Draw(rt, "in_stock")))
				lines = append(lines, &backorder.Line{OrderID: "O", Quantity: q, Allocated: a, Backordered: q - a,
					PriceCents: int64(rapid.IntRange(0, 5000).Draw(rt, "price")), Currency: rapid.SampledFrom([]string{"USD", "EUR"}).Draw(rt, "currency"),
					PaymentTiming: rapid.SampledFrom([]string{backorder.PaymentAtOrder, backorder.PaymentAtShip}).Draw(rt, "timing")})
				settle()
			},
			"receipt": func(rt *rapid.T) {
				l := pick(rt, func(l *backorder.Line) bool { return l.Backordered > 0 })
				n := int64(rapid.IntRange(1, int(l.Backordered)).Draw(rt, "n"))
				l.Backordered, l.Allocated = l.Backordered-n, l.Allocated+n
				settle()
			},
			"cancel": func(rt *rapid.T) {
				l := pick(rt, func(l *backorder.Line) bool { return l.Open() > 0 })
				n := int64(rapid.IntRange(1, int(l.Open())).Draw(rt, "n"))
				b := min(n, l.Backordered)
				l.Backordered, l.Allocated, l.Cancelled = l.Backordered-b, l.Allocated-(n-b), l.Cancelled+n
				settle()
			},
			"ship": func(rt *rapid.T) {
				l := pick(rt, func(l *backorder.Line) bool { return l.Allocated > 0 })
				n := int64(rapid.IntRange(1, int(l.Allocated)).Draw(rt, "n"))
				l.Allocated, l.Shipped = l.Allocated-n, l.Shipped+n
				settle()
			},
			"outcome": func(rt *rapid.T) {
				ledger = append(ledger, backorder.Payment{OrderID: "O", At: now,
					Kind:   rapid.SampledFrom([]string{"capture", "refund", "authorization", "release", "reauthorization"}).Draw(rt, "kind"),
					Status: rapid.SampledFrom([]string{"succeeded", "failed"}).Draw(rt, "status"), Amount: int64(rapid.IntRange(0, 9999).Draw(rt, "amount")),
					Currency: "USD", Timing: backorder.PaymentAtShip, Reference: fmt.Sprint(len(ledger))})
			},
			"settings": func(rt *rapid.T) {
				validity = time.Duration(rapid.IntRange(1, 10).Draw(rt, "days")) * 24 * time.Hour
			},
			"advance": func(rt *rapid.T) {
				now = now.Add(time.Duration(rapid.IntRange(1, 96).Draw(rt, "hours")) * time.Hour)
				ledger = append(ledger, backorder.PlanReauthorization("O", lines, ledger, validity, now)...)
				if at, ok := backorder.AuthorizedAt(lines, ledger); ok && !now.Before(at.Add(validity)) {
					rt.Fatalf("authorized at %v, lapsed at %v, still not re-authorized", at, now)
				}
			},
			"": func(rt *rapid.T) {
				if v := backorder.CheckPayments(lines, ledger); len(v) > 0 {
					rt.Fatalf("%+v", v)
				}
				for _, p := range ledger {
					if p.Status == backorder.PaymentRequested && p.Amount <= 0 {
						rt.Fatalf("request of nothing: %+v", p)
					}
				}
				for _, b := range backorder.PaymentBalances(lines, ledger) {
					if b.AuthorizationHeld < 0 || b.CapturesRequested < b.RefundsRequested {
						rt.Fatalf("balance %+v", b)
					}
				}
			},
		})
	})
}
