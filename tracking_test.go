package backorder_test

import (
	"testing"
	"time"

	"github.com/backorder/backorder"
)

func TestAgeDays(t *testing.T) {
	now := time.Date(2026, 3, 10, 15, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		day  string
		want int
	}{
		{"2026-03-10", 0},
		{"2026-03-09", 1},
		{"2026-02-28", 10},
		{"2026-03-11", 0},
		{"not a day", 0},
	} {
		if got := backorder.AgeDays(tc.day, now); got != tc.want {
			t.Errorf("AgeDays(%q) = %d, want %d", tc.day, got, tc.want)
		}
	}
}

func TestTrack(t *testing.T) {
	now := time.Date(2026, 3, 10, 15, 0, 0, 0, time.UTC)
	at := func(day string) time.Time {
		d, _ := time.Parse(backorder.DateLayout, day)
		return d.Add(9 * time.Hour)
	}
	days := []backorder.BacklogDay{
		{SKU: "A", Currency: "USD", Day: "2026-03-10", Lines: 2, Units: 5, ValueCents: 500, Oldest: at("2026-03-10")},
		{SKU: "A", Currency: "USD", Day: "2026-03-01", Lines: 1, Units: 1, ValueCents: 100, Oldest: at("2026-03-01")},
		{SKU: "B", Currency: "EUR", Day: "2026-01-01", Lines: 1, Units: 3, ValueCents: 900, Oldest: at("2026-01-01")},
		{SKU: "C", Currency: "USD", Day: "2026-03-06", Lines: 4, Units: 4, ValueCents: 40, Oldest: at("2026-03-06")},
	}
	tr := backorder.Track(days, backorder.Projection{Days: 7, Lines: 8, LinesWithin: 6}, now)
	if tr.Lines != 8 || tr.Units != 13 {
		t.Fatalf("lines, units = %d, %d; want 8, 13", tr.Lines, tr.Units)
	}
	if tr.Oldest == nil || !tr.Oldest.Equal(at("2026-01-01")) || tr.OldestDays != 68 {
		t.Fatalf("oldest = %v (%d days), want 2026-01-01 (68)", tr.Oldest, tr.OldestDays)
	}
	if got := tr.Value; len(got) != 2 || got[0] != (backorder.Money{Amount: 900, Currency: "EUR"}) || got[1] != (backorder.Money{Amount: 640, Currency: "USD"}) {
		t.Fatalf("value = %+v", got)
	}
	want := []backorder.AgeBucket{
		{FromDays: 0, ToDays: 3, Lines: 2, Units: 5},
		{FromDays: 3, ToDays: 7, Lines: 4, Units: 4},
		{FromDays: 7, ToDays: 14, Lines: 1, Units: 1},
		{FromDays: 14, ToDays: 30},
		{FromDays: 30, ToDays: 60},
		{FromDays: 60, ToDays: 0, Lines: 1, Units: 3},
	}
	for i, b := range tr.Aging {
		if b != want[i] {
			t.Errorf("aging[%d] = %+v, want %+v", i, b, want[i])
		}
	}
	var order []string
	for _, s := range tr.SKUs {
		order = append(order, s.SKU)
	}
	if got := order; len(got) != 3 || got[0] != "A" || got[1] != "C" || got[2] != "B" {
		t.Fatalf("SKUs by units = %v, want [A C B]", got)
	}
	if a := tr.SKUs[0]; a.Lines != 3 || a.OldestDays != 9 || a.Value[0].Amount != 600 {
		t.Fatalf("A = %+v", a)
	}
	if empty := backorder.Track(nil, backorder.Projection{}, now); empty.Oldest != nil || empty.Lines != 0 || len(empty.Aging) != len(backorder.AgingBuckets) {
		t.Fatalf("empty = %+v", empty)
	}
}
