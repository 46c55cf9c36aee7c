package backorder_test

import (
	"math"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/backorder/backorder"
)

func f64(v float64) *float64 { return &v }

func TestStatus(t *testing.T) {
	for _, tt := range []struct {
		name   string
		v      *float64
		target float64
		lower  bool
		want   string
	}{
		{"nothing measured", nil, 0.05, true, backorder.StatusOK},
		{"well under", f64(0.02), 0.05, true, backorder.StatusOK},
		{"under, within margin", f64(0.045), 0.05, true, backorder.StatusWarning},
		{"at the margin", f64(0.04), 0.05, true, backorder.StatusWarning},
		{"at the target", f64(0.05), 0.05, true, backorder.StatusBreached},
		{"over", f64(0.3), 0.05, true, backorder.StatusBreached},
		{"share well over", f64(0.99), 0.8, false, backorder.StatusOK},
		{"share over, within margin", f64(0.9), 0.8, false, backorder.StatusWarning},
		{"share at the target", f64(0.8), 0.8, false, backorder.StatusWarning},
		{"share under", f64(0.79), 0.8, false, backorder.StatusBreached},
	} {
		if got := backorder.Status(tt.v, tt.target, 0.2, tt.lower); got != tt.want {
			t.Errorf("%s: Status = %s; want %s", tt.name, got, tt.want)
		}
	}
}

func TestFillBucket(t *testing.T) {
	day := 24 * time.Hour
	for _, tt := range []struct {
		wait time.Duration
		want int
	}{{-time.Hour, 0}, {0, 0}, {day - time.Second, 0}, {day, 1}, {3*day + 5*time.Hour, 3}, {365 * day, 365}, {900 * day, 365}} {
		if got := backorder.FillBucket(tt.wait); got != tt.want {
			t.Errorf("FillBucket(%v) = %d; want %d", tt.wait, got, tt.want)
		}
	}
}

func TestFillStatsOf(t *testing.T) {
	for _, tt := range []struct {
		name          string
		buckets       map[int]int64
		seconds       int64
		mean, p50, p9 float64
		none          bool
	}{
		{name: "empty", buckets: map[int]int64{}, none: true},
		{name: "one unit", buckets: map[int]int64{3: 1}, seconds: 3*86400 + 43200, mean: 3.5, p50: 3.5, p9: 3.9},
		{name: "two buckets", buckets: map[int]int64{3: 2, 10: 1}, seconds: 16 * 86400, mean: 16.0 / 3, p50: 3.75, p9: 10.7},
		{name: "ten spread", buckets: map[int]int64{0: 5, 1: 4, 20: 1}, seconds: 0, mean: 0, p50: 1, p9: 2},
		{name: "empty bucket skipped", buckets: map[int]int64{0: 0, 2: 2}, seconds: 4 * 86400, mean: 2, p50: 2.5, p9: 2.9},
	} {
		got := backorder.FillStatsOf(tt.buckets, tt.seconds)
		if tt.none {
			if got.Mean != nil || got.P50 != nil || got.P90 != nil || got.Units != 0 {
				t.Errorf("%s: FillStatsOf = %+v; want nothing", tt.name, got)
			}
			continue
		}
		for _, c := range []struct {
			what string
			got  *float64
			want float64
		}{{"mean", got.Mean, tt.mean}, {"p50", got.P50, tt.p50}, {"p90", got.P90, tt.p9}} {
			if c.got == nil || math.Abs(*c.got-c.want) > 1e-9 {
				t.Errorf("%s: %s = %v; want %v", tt.name, c.what, c.got, c.want)
			}
		}
	}
}

func TestMetricTargetsValidate(t *testing.T) {
	neg, zero := -1.0, int64(0)
	for _, tt := range []struct {
		name  string
		edit  func(*backorder.MetricTargets)
		field string
	}{
		{"defaults", func(*backorder.MetricTargets) {}, ""},
		{"rate over 1", func(m *backorder.MetricTargets) { m.BackorderRate = 5 }, "metric_targets.backorder_rate"},
		{"negative share", func(m *backorder.MetricTargets) { m.SalesSaved = -0.1 }, "metric_targets.sales_saved"},
		{"fill time", func(m *backorder.MetricTargets) { m.FillTimeDays = 5000 }, "metric_targets.fill_time_days"},
		{"oldest age", func(m *backorder.MetricTargets) { m.OldestAgeDays = &neg }, "metric_targets.oldest_age_days"},
		{"value", func(m *backorder.MetricTargets) { m.ValueOnBackorder = &zero }, "metric_targets.value_on_backorder"},
		{"margin", func(m *backorder.MetricTargets) { m.WarningMargin = 1 }, "metric_targets.warning_margin"},
	} {
		m := backorder.DefaultMetricTargets()
		tt.edit(&m)
		err := m.Validate("metric_targets.")
		var field string
		if e, ok := err.(*backorder.Error); ok {
			field = e.Field
		} else if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if field != tt.field {
			t.Errorf("%s: Validate field = %q; want %q", tt.name, field, tt.field)
		}
	}
	if got := (backorder.MetricTargets{}).Filled(); got != backorder.DefaultMetricTargets() {
		t.Errorf("zero targets filled = %+v; want the defaults", got)
	}
}

// TestMetricMovements follows one line through a fill, a partial cancel
// and shipments.
func TestMetricMovements(t *testing.T) {
	day0 := time.Date(2026, 1, 5, 12, 0, 0, 0, time.UTC)
	o := &backorder.Order{ID: "O", AcceptedAt: day0, Lines: []*backorder.Line{
		{ID: 1, SKU: "A", Quantity: 5, Allocated: 1, Backordered: 4, PriceCents: 300, Currency: "EUR"},
		{ID: 2, SKU: "B", Quantity: 1, Backordered: 1, PriceCents: 100, Currency: "EUR"},
	}}
	var d backorder.MetricDelta
	kept := d.Intake(o, func(l *backorder.Line) int64 { return l.Backordered })
	if len(kept) != 2 || kept[0].Waiting != 4 || kept[1].Waiting != 1 {
		t.Fatalf("kept = %+v", kept)
	}
	lines := map[int64]*backorder.MetricLine{1: &kept[0], 2: &kept[1]}
	at := func(days int) time.Time { return day0.Add(time.Duration(days) * 24 * time.Hour) }
	changed := d.MetricMovements([]backorder.Movement{
		{Kind: backorder.MoveShip, LineID: 1, Quantity: 1, At: at(0)}, // the unit from stock: not a waiting one
		{Kind: backorder.MoveAllocate, LineID: 1, Quantity: 2, At: at(2), Reason: "fifo"},
		{Kind: backorder.MoveCancel, LineID: 1, Quantity: 1, At: at(3)},
		{Kind: backorder.MoveCancel, LineID: 2, Quantity: 1, At: at(3)},                   // the order's second cancelled line
		{Kind: backorder.MoveCancel, LineID: 1, Quantity: 1, At: at(3)},                   // the line's second cancellation
		{Kind: backorder.MoveShip, LineID: 1, Quantity: 3, At: at(4)},                     // 2 of them waited
		{Kind: backorder.MoveAllocate, LineID: 9, Quantity: 1, At: at(4), Reason: "fifo"}, // a line not kept
	}, lines)
	if len(changed) != 2 {
		t.Fatalf("changed %d lines, want 2", len(changed))
	}
	if l := lines[1]; l.Waiting != 0 || l.Filled != 2 || l.Shipped != 2 || !l.Cancelled {
		t.Errorf("line 1 = %+v", l)
	}
	days, fills := d.MetricRows()
	want := map[backorder.MetricDayKey]backorder.MetricDay{
		{SKU: "", Day: "2026-01-05"}:                   {Day: "2026-01-05", Orders: 1, Backordered: 1, Cancelled: 1},
		{SKU: "A", Day: "2026-01-05", Currency: "EUR"}: {SKU: "A", Day: "2026-01-05", Currency: "EUR", Orders: 1, Backordered: 1, Cancelled: 1, BackorderedUnits: 4, BackorderedValue: 1200},
		{SKU: "B", Day: "2026-01-05", Currency: "EUR"}: {SKU: "B", Day: "2026-01-05", Currency: "EUR", Orders: 1, Backordered: 1, Cancelled: 1, BackorderedUnits: 1, BackorderedValue: 100},
	}
	if len(days) != len(want) {
		t.Fatalf("days = %+v", days)
	}
	for _, r := range days {
		if r != want[r.Key()] {
			t.Errorf("day %+v; want %+v", r, want[r.Key()])
		}
	}
	wantFills := []backorder.FillCount{
		{SKU: "A", Day: "2026-01-07", Kind: backorder.FillAllocated, Bucket: 2, Units: 2, Seconds: 2 * 2 * 86400},
		{SKU: "A", Day: "2026-01-09", Kind: backorder.FillShipped, Bucket: 4, Units: 2, Seconds: 2 * 4 * 86400},
	}
	if len(fills) != 2 || fills[0] != wantFills[0] || fills[1] != wantFills[1] {
		t.Errorf("fills = %+v; want %+v", fills, wantFills)
	}
}

func TestSortMetrics(t *testing.T) {
	mk := func(sku string, rate *float64) backorder.SKUMetrics {
		m := backorder.SKUMetrics{SKU: sku}
		m.BackorderRate.Value = rate
		return m
	}
	all := []backorder.SKUMetrics{mk("A", f64(0.1)), mk("B", nil), mk("C", f64(0.3)), mk("D", f64(0.1))}
	page, next := backorder.SortMetrics(all, "backorder_rate", true, 0, 3)
	got := []string{}
	for _, m := range page {
		got = append(got, m.SKU)
	}
	if want := []string{"C", "A", "D"}; len(got) != 3 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] || next != 3 {
		t.Errorf("page = %v next %d; want %v next 3", got, next, want)
	}
	page, next = backorder.SortMetrics(all, "backorder_rate", true, 3, 3)
	if len(page) != 1 || page[0].SKU != "B" || next != 0 {
		t.Errorf("last page = %+v next %d; want B (no value, last)", page, next)
	}
	if page, next = backorder.SortMetrics(all, "sku", false, 9, 3); len(page) != 0 || next != 0 {
		t.Errorf("past the end = %+v next %d", page, next)
	}
}

func TestFormatMajor(t *testing.T) {
	for _, tt := range []struct {
		amount   int64
		currency string
		want     string
	}{
		{123456, "USD", "1234.56"}, {5, "USD", "0.05"}, {-5, "EUR", "-0.05"}, {0, "USD", "0.00"}, {100, "GBP", "1.00"},
		{500, "JPY", "500"}, {1234, "KWD", "1.234"}, {7, "KWD", "0.007"}, {-9223372036854775808, "USD", "-92233720368547758.08"},
	} {
		if got := backorder.FormatMajor(tt.amount, tt.currency); got != tt.want {
			t.Errorf("FormatMajor(%d, %s) = %s; want %s", tt.amount, tt.currency, got, tt.want)
		}
	}
	if got := backorder.MajorUnits(backorder.Money{Currency: "USD", Amount: 2500}); got != 25 {
		t.Errorf("MajorUnits = %v; want 25", got)
	}
}

func TestMetricRangeSpans(t *testing.T) {
	type span = backorder.KeySpan
	for _, tt := range []struct {
		name     string
		from, to string
		want     [3]span
	}{
		{"one day", "2026-11-07", "2026-11-07", [3]span{{"2026-11-07", "2026-11-07"}}},
		{"30 days across a month's end", "2026-11-07", "2026-12-06", [3]span{{"2026-11-07", "2026-12-06"}}},
		{"a whole month", "2026-11-01", "2026-11-30", [3]span{{}, {"M2026-11", "M2026-11"}, {}}},
		{"a month but its last day", "2026-11-01", "2026-11-29", [3]span{{"2026-11-01", "2026-11-29"}}},
		{"a month but its first day", "2026-11-02", "2026-11-30", [3]span{{"2026-11-02", "2026-11-30"}}},
		{"February of a leap year", "2028-02-01", "2028-02-29", [3]span{{}, {"M2028-02", "M2028-02"}, {}}},
		{"February but the 28th of a leap year", "2028-02-01", "2028-02-28", [3]span{{"2028-02-01", "2028-02-28"}}},
		{"days, months, days", "2025-12-07", "2026-12-06", [3]span{{"2025-12-07", "2025-12-31"}, {"M2026-01", "M2026-11"}, {"2026-12-01", "2026-12-06"}}},
		{"months, then days", "2026-01-01", "2026-03-15", [3]span{{}, {"M2026-01", "M2026-02"}, {"2026-03-01", "2026-03-15"}}},
		{"days, then months", "2026-01-20", "2026-03-31", [3]span{{"2026-01-20", "2026-01-31"}, {"M2026-02", "M2026-03"}, {}}},
		{"across a year", "2025-11-15", "2026-02-27", [3]span{{"2025-11-15", "2025-11-30"}, {"M2025-12", "M2026-01"}, {"2026-02-01", "2026-02-27"}}},
		{"to the end of February", "2025-11-15", "2026-02-28", [3]span{{"2025-11-15", "2025-11-30"}, {"M2025-12", "M2026-02"}, {}}},
		{"not dates", "x", "y", [3]span{{"x", "y"}}},
		{"backwards", "2026-12-01", "2026-11-01", [3]span{{"2026-12-01", "2026-11-01"}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := (backorder.MetricRange{From: tt.from, To: tt.to}).Spans(); got != tt.want {
				t.Fatalf("Spans(%s, %s) = %v, want %v", tt.from, tt.to, got, tt.want)
			}
		})
	}
}

// TestMetricRangeSpans_Cover: for every range of up to 800 days starting on
// any day of two years, the spans' keys hold each day of the range exactly
// once, either as its day key or in its month's key, and nothing else.
func TestMetricRangeSpans_Cover(t *testing.T) {
	base := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	for start := 0; start < 730; start += 7 {
		for n := 1; n <= 800; n += 13 {
			from := base.AddDate(0, 0, start)
			to := from.AddDate(0, 0, n-1)
			spans := (backorder.MetricRange{From: from.Format(backorder.DateLayout), To: to.Format(backorder.DateLayout)}).Spans()
			in := func(k string) int {
				c := 0
				for _, s := range spans {
					if s != (backorder.KeySpan{}) && s.From <= k && k <= s.To {
						c++
					}
				}
				return c
			}
			for d := from.AddDate(0, 0, -40); !d.After(to.AddDate(0, 0, 40)); d = d.AddDate(0, 0, 1) {
				day := d.Format(backorder.DateLayout)
				month := backorder.MonthKey(day)
				got := in(day) + in(month)
				inside := !d.Before(from) && !d.After(to)
				switch {
				case inside && got != 1:
					t.Fatalf("%s..%s %v: day %s held %d times", from.Format(backorder.DateLayout), to.Format(backorder.DateLayout), spans, day, got)
				case !inside && in(day) != 0:
					t.Fatalf("%s..%s %v: day %s outside held", from.Format(backorder.DateLayout), to.Format(backorder.DateLayout), spans, day)
				case !inside && in(month) != 0 && (d.Month() == from.Month() && d.Year() == from.Year() || d.Month() == to.Month() && d.Year() == to.Year() || d.Before(from) || d.After(to)):
					t.Fatalf("%s..%s %v: month %s of a day outside held", from.Format(backorder.DateLayout), to.Format(backorder.DateLayout), spans, month)
				}
			}
		}
	}
}

func TestWithMonths(t *testing.T) {
	days := []backorder.MetricDay{
		{SKU: "A", Day: "2026-11-30", Currency: "USD", Orders: 2, Backordered: 1, BackorderedUnits: 3, BackorderedValue: 300},
		{SKU: "A", Day: "2026-11-02", Currency: "USD", Orders: 1, LostUnits: 1, LostValue: 100},
		{SKU: "A", Day: "2026-12-01", Currency: "USD", Orders: 4, Cancelled: 1},
		{SKU: "", Day: "2026-11-02", Currency: "", Orders: 3},
		{SKU: "A", Day: "M2026-10", Currency: "USD", Orders: 99}, // not a day: left out
	}
	fills := []backorder.FillCount{
		{SKU: "A", Day: "2026-11-03", Kind: backorder.FillAllocated, Bucket: 1, Units: 2, Seconds: 200000},
		{SKU: "A", Day: "2026-11-20", Kind: backorder.FillAllocated, Bucket: 1, Units: 1, Seconds: 90000},
		{SKU: "A", Day: "2026-11-20", Kind: backorder.FillShipped, Bucket: 2, Units: 1, Seconds: 190000},
	}
	gotDays, gotFills := backorder.WithMonths(days, fills)
	wantDays := []backorder.MetricDay{
		{SKU: "", Day: "2026-11-02", Currency: "", Orders: 3},
		{SKU: "", Day: "M2026-11", Currency: "", Orders: 3},
		{SKU: "A", Day: "2026-11-02", Currency: "USD", Orders: 1, LostUnits: 1, LostValue: 100},
		{SKU: "A", Day: "2026-11-30", Currency: "USD", Orders: 2, Backordered: 1, BackorderedUnits: 3, BackorderedValue: 300},
		{SKU: "A", Day: "2026-12-01", Currency: "USD", Orders: 4, Cancelled: 1},
		{SKU: "A", Day: "M2026-11", Currency: "USD", Orders: 3, Backordered: 1, BackorderedUnits: 3, BackorderedValue: 300, LostUnits: 1, LostValue: 100},
		{SKU: "A", Day: "M2026-12", Currency: "USD", Orders: 4, Cancelled: 1},
	}
	wantFills := []backorder.FillCount{
		{SKU: "A", Day: "2026-11-03", Kind: backorder.FillAllocated, Bucket: 1, Units: 2, Seconds: 200000},
		{SKU: "A", Day: "2026-11-20", Kind: backorder.FillAllocated, Bucket: 1, Units: 1, Seconds: 90000},
		{SKU: "A", Day: "2026-11-20", Kind: backorder.FillShipped, Bucket: 2, Units: 1, Seconds: 190000},
		{SKU: "A", Day: "M2026-11", Kind: backorder.FillAllocated, Bucket: 1, Units: 3, Seconds: 290000},
		{SKU: "A", Day: "M2026-11", Kind: backorder.FillShipped, Bucket: 2, Units: 1, Seconds: 190000},
	}
	if !slices.Equal(gotDays, wantDays) {
		t.Errorf("days:\n got %+v\nwant %+v", gotDays, wantDays)
	}
	if !slices.Equal(gotFills, wantFills) {
		t.Errorf("fills:\n got %+v\nwant %+v", gotFills, wantFills)
	}
}

// TestQueueFills: allocations from a queue page count as MetricMovements
// counts them against the kept lines, from the entries alone; the fills
// moved per line are what those lines' states gain.
func TestQueueFills(t *testing.T) {
	day0 := time.Date(2026, 1, 5, 12, 0, 0, 0, time.UTC)
	filled := day0.Add(50 * time.Hour) // bucket 2
	o1 := &backorder.Order{ID: "O1", AcceptedAt: day0}
	o2 := &backorder.Order{ID: "O2", AcceptedAt: day0.Add(-30 * time.Hour)} // bucket 3
	entries := []backorder.QueueEntry{
		{Order: o1, Line: &backorder.Line{ID: 7, SKU: "A"}, IntakeBackordered: 4},
		{Order: o2, Line: &backorder.Line{ID: 3, SKU: "A"}, IntakeBackordered: 2},
		{Order: o2, Line: &backorder.Line{ID: 5, SKU: "A"}},                       // backordered after intake: not kept
		{Order: o1, Line: &backorder.Line{ID: 7, SKU: "A"}, IntakeBackordered: 4}, // its line again
	}
	ms := []backorder.Movement{
		{Kind: backorder.MoveAllocate, SKU: "A", LineID: 7, Quantity: 1, At: filled, Reason: "fifo"},
		{Kind: backorder.MoveAllocate, SKU: "A", LineID: 3, Quantity: 2, At: filled, Reason: "vip"},
		{Kind: backorder.MoveAllocate, SKU: "A", LineID: 5, Quantity: 1, At: filled, Reason: "fifo"},
		{Kind: backorder.MoveAllocate, SKU: "A", LineID: 7, Quantity: 2, At: filled, Reason: "fifo"},
	}
	var got backorder.MetricDelta
	fills, err := got.QueueFills(ms, entries)
	if err != nil {
		t.Fatal(err)
	}
	want := []backorder.MetricFill{{LineID: 3, Intake: 2, Units: 2}, {LineID: 7, Intake: 4, Units: 3}}
	if !reflect.DeepEqual(fills, want) {
		t.Fatalf("fills = %+v, want %+v", fills, want)
	}

	// The same movements against the kept lines, the way AppendMovements
	// counts them, give the same counters and the same states.
	var ref backorder.MetricDelta
	lines := map[int64]*backorder.MetricLine{
		7: {LineID: 7, OrderID: "O1", SKU: "A", AcceptedAt: o1.AcceptedAt, Backordered: 4, Waiting: 4},
		3: {LineID: 3, OrderID: "O2", SKU: "A", AcceptedAt: o2.AcceptedAt, Backordered: 2, Waiting: 2},
	}
	ref.MetricMovements(ms, lines)
	gd, gf := got.MetricRows()
	rd, rf := ref.MetricRows()
	if !reflect.DeepEqual(gd, rd) || !reflect.DeepEqual(gf, rf) || len(gf) != 2 {
		t.Fatalf("queue fills count %+v %+v; kept lines count %+v %+v", gd, gf, rd, rf)
	}
	for _, f := range fills {
		if l := lines[f.LineID]; l.Filled != f.Units || l.Waiting != f.Intake-f.Units {
			t.Errorf("line %d: kept state %+v, fill %+v", f.LineID, l, f)
		}
	}

	// A movement that is not the allocation from the queue of its entry's
	// line is refused, and counts nothing.
	for name, m := range map[string]backorder.Movement{
		"in stock":   {Kind: backorder.MoveAllocate, SKU: "A", LineID: 7, Quantity: 1, At: filled, Reason: backorder.ReasonInStock},
		"cancel":     {Kind: backorder.MoveCancel, SKU: "A", LineID: 7, Quantity: 1, At: filled},
		"other line": {Kind: backorder.MoveAllocate, SKU: "A", LineID: 8, Quantity: 1, At: filled, Reason: "fifo"},
	} {
		var d backorder.MetricDelta
		if _, err := d.QueueFills([]backorder.Movement{m}, entries[:1]); err == nil {
			t.Errorf("%s: no error", name)
		}
		if days, fills := d.MetricRows(); len(days)+len(fills) != 0 {
			t.Errorf("%s: counted %+v %+v", name, days, fills)
		}
	}
	var d backorder.MetricDelta
	if _, err := d.QueueFills(ms, entries[:2]); err == nil {
		t.Error("4 movements for 2 entries: no error")
	}
}
