package backorder_test

import (
	"strings"
	"testing"
	"time"

	"github.com/backorder/backorder"
)

// TestResolveReasonCode: absent means other; an unknown code is EINVALID
// on reason_code, listing the allowed ones.
func TestResolveReasonCode(t *testing.T) {
	allowed := backorder.DefaultCancelReasons()
	if got, err := backorder.ResolveReasonCode("", allowed); err != nil || got != backorder.ReasonOther {
		t.Fatalf(`ResolveReasonCode("") = %q, %v; want other`, got, err)
	}
	if got, err := backorder.ResolveReasonCode("price", allowed); err != nil || got != "price" {
		t.Fatalf(`ResolveReasonCode("price") = %q, %v`, got, err)
	}
	_, err := backorder.ResolveReasonCode("bored", allowed)
	e := backorder.AsError(err)
	if e.Code != backorder.EINVALID || e.Field != "reason_code" || !strings.Contains(e.Message, "found_elsewhere, too_slow, changed_mind, price, stale, other") {
		t.Fatalf(`ResolveReasonCode("bored") = %v`, err)
	}
	if _, err := backorder.ResolveReasonCode("price", []string{"other"}); backorder.ErrorCode(err) != backorder.EINVALID {
		t.Fatalf("a code left out of the settings' list = %v; want EINVALID", err)
	}
}

// TestCancellations: a record per line the plan takes units from, valued
// at the line's price.
func TestCancellations(t *testing.T) {
	at := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	a := &backorder.Line{ID: 1, SKU: "A", PriceCents: 300, Currency: "USD"}
	b := &backorder.Line{ID: 2, SKU: "B", PriceCents: 50, Currency: "USD"}
	cs := backorder.Cancellations([]backorder.LineCancel{{Line: a, Backordered: 2, Allocated: 1}, {Line: b}}, "O", "price", at)
	want := backorder.Cancellation{At: at, OrderID: "O", LineID: 1, SKU: "A", Units: 3, ValueCents: 900, Currency: "USD", ReasonCode: "price"}
	if len(cs) != 1 || cs[0] != want {
		t.Fatalf("Cancellations = %+v; want [%+v]", cs, want)
	}
}

// TestBuildCancellationReport: rows by reason in the settings' order
// (codes no longer listed last), by SKU most units first, values per
// currency, and totals.
func TestBuildCancellationReport(t *testing.T) {
	from, to := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	sums := []backorder.CancellationSum{
		{ReasonCode: "legacy", SKU: "A", Currency: "USD", Lines: 1, Units: 1, ValueCents: 100},
		{ReasonCode: "other", SKU: "A", Currency: "USD", Lines: 2, Units: 3, ValueCents: 300},
		{ReasonCode: "price", SKU: "A", Currency: "EUR", Lines: 1, Units: 2, ValueCents: 180},
		{ReasonCode: "price", SKU: "B", Currency: "USD", Lines: 1, Units: 10, ValueCents: 50},
	}
	r := backorder.BuildCancellationReport(from, to, sums, backorder.DefaultCancelReasons())
	var reasons []string
	for _, row := range r.ByReason {
		reasons = append(reasons, row.ReasonCode)
	}
	if got := strings.Join(reasons, ","); got != "price,other,legacy" {
		t.Fatalf("reasons = %s; want price,other,legacy", got)
	}
	price := r.ByReason[0]
	if price.Lines != 2 || price.Units != 12 || len(price.Values) != 2 || price.Values[0] != (backorder.CurrencyAmount{Currency: "EUR", ValueCents: 180}) || price.Values[1] != (backorder.CurrencyAmount{Currency: "USD", ValueCents: 50}) {
		t.Fatalf("price row = %+v", price)
	}
	if len(r.BySKU) != 2 || r.BySKU[0].SKU != "B" || r.BySKU[1].SKU != "A" || r.BySKU[1].Units != 6 || r.BySKU[1].Lines != 4 {
		t.Fatalf("by SKU = %+v", r.BySKU)
	}
	if r.Total.Lines != 5 || r.Total.Units != 16 || len(r.Total.Values) != 2 || r.Total.Values[1].ValueCents != 450 {
		t.Fatalf("total = %+v", r.Total)
	}
	empty := backorder.BuildCancellationReport(from, to, nil, nil)
	if empty.ByReason == nil || empty.BySKU == nil || empty.Total.Values == nil {
		t.Fatalf("an empty report must list empty rows, not null: %+v", empty)
	}
}

// TestReportWindow: from before to, at most MaxReportDays days.
func TestReportWindow(t *testing.T) {
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		to time.Time
		ok bool
	}{
		{from, false},
		{from.Add(-time.Hour), false},
		{from.Add(time.Microsecond), true},
		{from.Add(backorder.MaxReportDays * 24 * time.Hour), true},
		{from.Add(backorder.MaxReportDays*24*time.Hour + time.Second), false},
	} {
		if err := backorder.ReportWindow(from, tt.to); (err == nil) != tt.ok {
			t.Errorf("ReportWindow(%v, %v) = %v; want ok=%v", from, tt.to, err, tt.ok)
		}
	}
}
