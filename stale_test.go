package backorder_test

import (
	"testing"
	"time"

	"github.com/backorder/backorder"
)

// TestStaleReason: a waiting line is stale once accepted after_days ago
// (at the cutoff exactly, not a microsecond later), or once accepted
// no_promise_days ago without a promise date; a line with nothing waiting
// never is, and a test at 0 is off.
func TestStaleReason(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	dated := &backorder.ETA{Date: "2026-07-01", Basis: backorder.BasisLeadTime}
	undated := &backorder.ETA{Basis: backorder.BasisNone}
	both := backorder.StaleSettings{AfterDays: 30, NoPromiseDays: 10}.Cutoffs(now)
	for _, tt := range []struct {
		name     string
		l        backorder.Line
		accepted time.Time
		c        backorder.StaleCutoffs
		want     string
	}{
		{"OldExactly", backorder.Line{Backordered: 1, ETA: dated}, now.Add(-30 * day), both, backorder.StaleOld},
		{"OldNotYet", backorder.Line{Backordered: 1, ETA: dated}, now.Add(-30*day + time.Microsecond), both, ""},
		{"UndatedExactly", backorder.Line{Backordered: 1, ETA: undated}, now.Add(-10 * day), both, backorder.StaleNoPromise},
		{"UndatedNotYet", backorder.Line{Backordered: 1, ETA: undated}, now.Add(-10*day + time.Microsecond), both, ""},
		{"NeverDated", backorder.Line{Backordered: 1}, now.Add(-11 * day), both, backorder.StaleNoPromise},
		{"DatedNotOld", backorder.Line{Backordered: 1, ETA: dated}, now.Add(-20 * day), both, ""},
		{"OldBeatsUndated", backorder.Line{Backordered: 1, ETA: undated}, now.Add(-40 * day), both, backorder.StaleOld},
		{"NothingWaits", backorder.Line{Allocated: 1}, now.Add(-40 * day), both, ""},
		{"Off", backorder.Line{Backordered: 1}, now.Add(-400 * day), backorder.StaleSettings{}.Cutoffs(now), ""},
		{"OnlyUndatedOn", backorder.Line{Backordered: 1, ETA: dated}, now.Add(-400 * day), backorder.StaleSettings{NoPromiseDays: 5}.Cutoffs(now), ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := backorder.StaleReason(&tt.l, tt.accepted, tt.c); got != tt.want {
				t.Errorf("StaleReason = %q; want %q", got, tt.want)
			}
		})
	}
	if got, want := both.Latest(), now.Add(-10*day); !got.Equal(want) {
		t.Errorf("Latest = %v; want %v", got, want)
	}
}

// TestReviewItemOf: age in whole days, value of the waiting units.
func TestReviewItemOf(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	l := &backorder.Line{ID: 7, OrderID: "O", SKU: "A", Quantity: 5, Allocated: 2, Backordered: 3, PriceCents: 250, Currency: "EUR"}
	it := backorder.ReviewItemOf(backorder.StaleLine{Line: l, AcceptedAt: now.Add(-(45*24 + 23) * time.Hour), CustomerID: "c", SupplierID: "S"}, backorder.StaleOld, now)
	if it.AgeDays != 45 || it.ValueCents != 750 || it.Currency != "EUR" || it.SupplierID != "S" || it.Backordered != 3 || it.Reason != backorder.StaleOld {
		t.Fatalf("ReviewItemOf = %+v", it)
	}
	c, err := backorder.ParseReviewCursor(it.Cursor())
	if err != nil || !c.AcceptedAt.Equal(it.AcceptedAt) || c.LineID != 7 {
		t.Fatalf("ParseReviewCursor(%q) = %+v, %v", it.Cursor(), c, err)
	}
	for _, bad := range []string{"x", "1.x", "1", "1.0", "a.2"} {
		if _, err := backorder.ParseReviewCursor(bad); backorder.ErrorCode(err) != backorder.EINVALID {
			t.Errorf("ParseReviewCursor(%q) = %v; want EINVALID", bad, err)
		}
	}
}

// TestStaleCancels: one cancellation per order, in the order listed, each
// naming its stale lines' waiting units, with the reason code stale.
func TestStaleCancels(t *testing.T) {
	ids, reqs := backorder.StaleCancels([]backorder.ReviewItem{
		{OrderID: "B", LineID: 3, Backordered: 2, Reason: backorder.StaleOld},
		{OrderID: "A", LineID: 1, Backordered: 1, Reason: backorder.StaleNoPromise},
		{OrderID: "B", LineID: 4, Backordered: 5, Reason: backorder.StaleOld},
	})
	if len(ids) != 2 || ids[0] != "B" || ids[1] != "A" {
		t.Fatalf("order IDs = %v; want [B A]", ids)
	}
	b := reqs["B"]
	if b.ReasonCode != backorder.ReasonStale || len(b.Lines) != 2 || b.Lines[1] != (backorder.CancelLine{LineID: 4, Quantity: 5}) {
		t.Fatalf("B = %+v", b)
	}
	if err := b.Validate(); err != nil {
		t.Fatalf("B.Validate() = %v", err)
	}
}
