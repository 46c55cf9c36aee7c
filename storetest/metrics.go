package storetest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/backorder/backorder"
)

// metricsHistory builds the fixed history the metrics tests compute by hand,
// on the test clock from epoch (day 0, 2026-01-05 09:00 UTC):
//
//	day 0:  A has 2 in stock and takes backorders (USD 25.00); B has 1 and
//	        refuses them (USD 10.00).
//	        O1 A×2 allocated; O2 A×3 waits; O3 A×1 waits and B×1 allocated;
//	        O4 B×2 refused (lost demand: 2 units, USD 20.00).
//	day 3:  2 of A received: O2 gets 2 after 3 days.
//	day 5:  O3's waiting unit of A cancelled.
//	day 10: 1 of A received: O2 gets its last after 10 days; then O5 A×4 waits.
//	day 11: O2's requests ship (3 units, 11 days after acceptance).
func metricsHistory(t *testing.T, open Opener, writers int) (*backorder.Service, backorder.Store, *backorder.FixedClock) {
	t.Helper()
	ctx := context.Background()
	store := open(t)
	svc, clock := MustService(t, store, writers)
	MustProduct(t, svc, "A", 2, backorder.Policy{})
	no := false
	if _, _, err := svc.PutProduct(ctx, &backorder.ProductInput{SKU: "B", Name: "B", PriceCents: 1000, Currency: "USD", Status: backorder.StatusActive, Policy: backorder.Policy{AcceptBackorders: &no}}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Receive(ctx, &backorder.ReceiptRequest{SKU: "B", Quantity: 1}, nil); err != nil {
		t.Fatal(err)
	}
	MustOrder(t, svc, "O1", "A", 2)
	MustOrder(t, svc, "O2", "A", 3)
	req := orderReq("O3", "cust-O3", "A", 1)
	req.Lines = append(req.Lines, backorder.LineRequest{SKU: "B", Quantity: 1})
	if _, err := svc.PlaceOrder(ctx, req, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.PlaceOrder(ctx, orderReq("O4", "cust-O4", "B", 2), nil); err == nil {
		t.Fatal("O4 accepted, want refused")
	}
	clock.Advance(3 * 24 * time.Hour)
	if _, err := svc.Receive(ctx, &backorder.ReceiptRequest{SKU: "A", Quantity: 2}, nil); err != nil {
		t.Fatal(err)
	}
	clock.Advance(2 * 24 * time.Hour)
	if _, err := svc.CancelOrder(ctx, "O3", &backorder.CancelRequest{Reason: "customer", Lines: []backorder.CancelLine{{SKU: "A", Quantity: 1}}}, nil); err != nil {
		t.Fatal(err)
	}
	clock.Advance(5 * 24 * time.Hour)
	if _, err := svc.Receive(ctx, &backorder.ReceiptRequest{SKU: "A", Quantity: 1}, nil); err != nil {
		t.Fatal(err)
	}
	MustOrder(t, svc, "O5", "A", 4)
	clock.Advance(24 * time.Hour)
	fs, err := svc.Fulfillments(ctx, backorder.FulfillmentFilter{OrderID: "O2"})
	if err != nil {
		t.Fatal(err)
	}
	shipped := 0
	for _, f := range fs {
		if f.State != backorder.FulfillmentOpen {
			continue
		}
		if _, err := svc.ShipFulfillment(ctx, f.ID, &backorder.Shipment{Carrier: "UPS", Tracking: "T"}, nil); err != nil {
			t.Fatal(err)
		}
		for _, l := range f.Lines {
			shipped += int(l.Quantity)
		}
	}
	if shipped != 3 {
		t.Fatalf("shipped %d units of O2, want 3", shipped)
	}
	return svc, store, clock
}

// testMetrics checks every metric of the fixed history against the values
// computed by hand, shop-wide, per SKU and for one SKU.
func testMetrics(t *testing.T, open Opener, writers int) {
	ctx := context.Background()
	svc, store, _ := metricsHistory(t, open, writers)
	MustCheck(t, svc)
	// The trend: day 0 (2026-01-05) O1, O2, O3 with O2's 3 and O3's 1 units
	// waiting; day 10 O5's 4; the cancellation on one of the days; today is day 11.
	trend, err := svc.BackorderTrend(ctx, 12)
	if err != nil {
		t.Fatal(err)
	}
	if len(trend) != 12 || trend[0].Day != "2026-01-05" || trend[11].Day != "2026-01-16" {
		t.Fatalf("trend days = %s", dump(trend))
	}
	checkEqual(t, "trend day 0", trend[0], backorder.TrendDay{Day: "2026-01-05", Orders: 3, Backordered: 2, BackorderedUnits: 4, Cancelled: trend[0].Cancelled})
	checkEqual(t, "trend day 10", trend[10], backorder.TrendDay{Day: "2026-01-15", Orders: 1, Backordered: 1, BackorderedUnits: 4, Cancelled: trend[10].Cancelled})
	var orders, cancelled int64
	for _, d := range trend {
		orders += d.Orders
		cancelled += d.Cancelled
	}
	if orders != 4 || cancelled != 1 {
		t.Fatalf("trend totals: %d orders, %d cancelled; want 4 and 1", orders, cancelled)
	}
	// The store's daily sums: day 0 the shop's 3 orders (2 with units put
	// on backorder, O3's cancelled since) and the SKUs' 4 lines (A×3,
	// B×1: A's 4 units of O2 and O3 on backorder at 25.00, B's 2 refused at
	// 10.00); day 10 O5 alone.
	mustWrite(t, store, func(tx backorder.Tx) {
		got, err := tx.DailyMetrics(ctx, backorder.MetricRange{From: "2026-01-04", To: "2026-01-15"})
		if err != nil {
			t.Fatal(err)
		}
		checkEqual(t, "daily metrics", got, []backorder.MetricDay{
			{Day: "2026-01-05", SKU: "", Orders: 3, Backordered: 2, Cancelled: 1},
			{Day: "2026-01-05", SKU: "*", Orders: 4, Backordered: 2, Cancelled: 1, BackorderedUnits: 4, BackorderedValue: 10000, LostUnits: 2, LostValue: 2000},
			{Day: "2026-01-15", SKU: "", Orders: 1, Backordered: 1},
			{Day: "2026-01-15", SKU: "*", Orders: 1, Backordered: 1, BackorderedUnits: 4, BackorderedValue: 10000},
		})
	})
	if _, err := svc.BackorderTrend(ctx, 0); backorder.ErrorCode(err) != backorder.EINVALID {
		t.Fatalf("BackorderTrend(0): %v, want invalid", err)
	}
	m, err := svc.BackorderMetrics(ctx, backorder.MetricsQuery{From: "2026-01-01", To: "2026-01-31"})
	if err != nil {
		t.Fatal(err)
	}
	num := func(name string, got *float64, want float64) {
		t.Helper()
		if got == nil || math.Abs(*got-want) > 1e-9 {
			t.Errorf("%s = %v, want %v", name, dump(got), want)
		}
	}
	status := func(name, got, want string) {
		t.Helper()
		if got != want {
			t.Errorf("%s status = %s, want %s", name, got, want)
		}
	}
	checkEqual(t, "orders", []int64{m.Orders, m.BackorderedOrders, m.CancelledOrders}, []int64{4, 3, 1})
	num("backorder rate", m.BackorderRate.Value, 0.75)
	num("backorder rate target", m.BackorderRate.Target, 0.05)
	status("backorder rate", m.BackorderRate.Status, backorder.StatusBreached)
	num("cancel rate", m.CancelRate.Value, 1.0/3)
	status("cancel rate", m.CancelRate.Status, backorder.StatusBreached)
	a := m.FillTimes.ToAllocated
	checkEqual(t, "units filled", a.Units, int64(3))
	num("fill mean", a.Mean, 16.0/3)
	num("fill p50", a.P50, 3.75)
	num("fill p90", a.P90, 10.7)
	num("fill time", m.FillTime.Value, 16.0/3)
	status("fill time", m.FillTime.Status, backorder.StatusOK)
	s := m.FillTimes.ToShipped
	checkEqual(t, "units shipped", s.Units, int64(3))
	num("ship mean", s.Mean, 11)
	num("ship p50", s.P50, 11.5)
	num("ship p90", s.P90, 11.9)
	num("sales saved", m.SalesSaved.Value, 0.8)
	status("sales saved", m.SalesSaved.Status, backorder.StatusWarning)
	checkEqual(t, "captured/lost", []int64{m.SalesSaved.CapturedUnits, m.SalesSaved.LostUnits}, []int64{8, 2})
	checkEqual(t, "captured value", m.SalesSaved.CapturedValue, []backorder.Money{{Currency: "USD", Amount: 20000}})
	checkEqual(t, "lost value", m.SalesSaved.LostValue, []backorder.Money{{Currency: "USD", Amount: 2000}})
	c := m.Current
	checkEqual(t, "current", []int64{c.Orders, c.Lines, c.Units}, []int64{1, 1, 4})
	checkEqual(t, "current value", c.Value.Values, []backorder.Money{{Currency: "USD", Amount: 10000}})
	if c.Oldest == nil || !c.Oldest.Equal(epoch.Add(10*24*time.Hour)) {
		t.Errorf("oldest = %v, want day 10", c.Oldest)
	}
	num("oldest age", c.OldestAgeDays.Value, 1)
	num("expected within 7 days", c.ExpectedWithin7Days.Value, 0)
	status("expected within 7 days", c.ExpectedWithin7Days.Status, backorder.StatusBreached)

	if len(m.SKUs) != 2 || m.SKUs[0].SKU != "A" || m.SKUs[1].SKU != "B" {
		t.Fatalf("skus = %s, want A and B", dump(m.SKUs))
	}
	sa, sb := m.SKUs[0], m.SKUs[1]
	checkEqual(t, "A orders", []int64{sa.Orders, sa.BackorderedOrders, sa.CancelledOrders}, []int64{4, 3, 1})
	num("A fill p90", sa.FillTimes.ToAllocated.P90, 10.7)
	checkEqual(t, "B orders", []int64{sb.Orders, sb.BackorderedOrders, sb.SalesSaved.LostUnits}, []int64{1, 0, 2})
	num("B sales saved", sb.SalesSaved.Value, 0)
	if sb.FillTime.Value != nil || sb.CancelRate.Value != nil {
		t.Errorf("B fill time %v cancel rate %v, want none", sb.FillTime.Value, sb.CancelRate.Value)
	}

	// The same history read through other ranges: days on both sides of
	// the whole month of January, many whole months, days only.
	for _, r := range [][2]string{{"2025-12-15", "2026-02-10"}, {"2025-11-01", "2026-03-31"}, {"2026-01-05", "2026-01-16"}, {"2025-12-31", "2026-01-31"}} {
		o, err := svc.BackorderMetrics(ctx, backorder.MetricsQuery{From: r[0], To: r[1]})
		if err != nil {
			t.Fatal(err)
		}
		o.From, o.To = m.From, m.To
		checkEqual(t, "metrics "+r[0]+" to "+r[1], o, m)
	}

	// One SKU, and a range that leaves out day 10 and after.
	one, err := svc.BackorderMetrics(ctx, backorder.MetricsQuery{From: "2026-01-05", To: "2026-01-09", SKU: "A"})
	if err != nil {
		t.Fatal(err)
	}
	checkEqual(t, "A early orders", []int64{one.Orders, one.BackorderedOrders, one.CancelledOrders}, []int64{3, 2, 1})
	checkEqual(t, "A early fills", one.FillTimes.ToAllocated.Units, int64(2))
	num("A early fill p50", one.FillTimes.ToAllocated.P50, 3.5)
	checkEqual(t, "A early shipped", one.FillTimes.ToShipped.Units, int64(0))

	// Sorted by backorder rate, highest first, one per page.
	p1, err := svc.BackorderMetrics(ctx, backorder.MetricsQuery{From: "2026-01-01", To: "2026-01-31", Sort: "backorder_rate", Desc: true, Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(p1.SKUs) != 1 || p1.SKUs[0].SKU != "A" || p1.NextOffset != 1 {
		t.Fatalf("page 1 = %s next %d, want A then 1", dump(p1.SKUs), p1.NextOffset)
	}
	p2, err := svc.BackorderMetrics(ctx, backorder.MetricsQuery{From: "2026-01-01", To: "2026-01-31", Sort: "backorder_rate", Desc: true, Limit: 1, Offset: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(p2.SKUs) != 1 || p2.SKUs[0].SKU != "B" || p2.NextOffset != 0 {
		t.Fatalf("page 2 = %s next %d, want B and the end", dump(p2.SKUs), p2.NextOffset)
	}

	// Targets edited in the settings change the statuses.
	set, err := svc.Settings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	set.Metrics.BackorderRate = 0.95
	set.Metrics.FillTimeDays = 6
	if _, err := svc.PutSettings(ctx, set); err != nil {
		t.Fatal(err)
	}
	m, err = svc.BackorderMetrics(ctx, backorder.MetricsQuery{From: "2026-01-01", To: "2026-01-31"})
	if err != nil {
		t.Fatal(err)
	}
	status("backorder rate at 95%", m.BackorderRate.Status, backorder.StatusOK)
	status("fill time at 6 days", m.FillTime.Status, backorder.StatusWarning)
	set.Metrics.CancelRate = 1.5
	var e *backorder.Error
	if _, err := svc.PutSettings(ctx, set); !errors.As(err, &e) || e.Code != backorder.EINVALID || e.Field != "metric_targets.cancel_rate" {
		t.Fatalf("cancel rate target 1.5: %v, want EINVALID on metric_targets.cancel_rate", err)
	}
}

// testMetricsCheck shows the check catching aggregates that disagree with
// the history: a counter, a histogram bucket and a kept line each broken.
func testMetricsCheck(t *testing.T, open Opener, writers int) {
	ctx := context.Background()
	svc, store, _ := metricsHistory(t, open, writers)
	MustCheck(t, svc)
	breaks := []func(tx backorder.Tx) error{
		func(tx backorder.Tx) error {
			return tx.AddMetrics(ctx, []backorder.MetricDay{{Day: "2026-01-05", Orders: 1}}, nil)
		},
		func(tx backorder.Tx) error {
			return tx.AddMetrics(ctx, nil, []backorder.FillCount{{SKU: "A", Day: "2026-01-08", Kind: backorder.FillAllocated, Bucket: 3, Units: -1, Seconds: -3 * 86400}})
		},
		func(tx backorder.Tx) error {
			ls, err := tx.MetricLines(ctx, []string{"O5"})
			if err != nil || len(ls) != 1 {
				t.Fatalf("O5 kept lines %+v, %v", ls, err)
			}
			// By ID: O5's line, and nothing for an ID that is not kept.
			byID, err := tx.MetricLinesByID(ctx, []int64{ls[0].LineID, ls[0].LineID + 1000})
			if err != nil {
				t.Fatal(err)
			}
			checkEqual(t, "O5's kept line by ID", byID, ls)
			ls[0].Waiting--
			return tx.SaveMetricLines(ctx, []*backorder.MetricLine{&ls[0]})
		},
		func(tx backorder.Tx) error {
			// A state kept for O3's line of B, which was in stock at intake.
			lines, err := tx.Lines(ctx, []string{"O3"})
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range lines["O3"] {
				if l.SKU == "B" {
					return tx.SaveMetricLines(ctx, []*backorder.MetricLine{{LineID: l.ID, Filled: 1}})
				}
			}
			t.Fatalf("O3 has no line of B: %s", dump(lines))
			return nil
		},
	}
	ensure := func(want bool) {
		t.Helper()
		if built, err := svc.EnsureMetrics(ctx); err != nil || built != want {
			t.Fatalf("EnsureMetrics = %v, %v; want %v", built, err, want)
		}
	}
	ensure(false) // a store made empty keeps them from its start
	for i, b := range breaks {
		mustWrite(t, store, func(tx backorder.Tx) {
			if err := b(tx); err != nil {
				t.Fatal(err)
			}
		})
		rep, err := svc.Check(ctx)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, v := range rep.Violations {
			if v.Invariant == "metrics" {
				n++
			}
		}
		if rep.OK || n != i+1 {
			t.Fatalf("after break %d: report %s, want %d metrics violations", i, dump(rep), i+1)
		}
	}
	// A store whose aggregates were never built (its history began before
	// them) builds them from the history, once.
	mustWrite(t, store, func(tx backorder.Tx) {
		if err := tx.SetMeta(ctx, "metrics_aggregates_built", ""); err != nil {
			t.Fatal(err)
		}
	})
	ensure(true)
	ensure(false)
	MustCheck(t, svc)
}

// MustMonthRows runs the migration that builds the month rows of the
// metrics' aggregates (redo: rolled back, which deletes them, and applied
// again) over the fixed history, whose writes kept them: the rows it builds
// from the day rows are those the check recomputes from the history, and
// the metrics of January, read from its month rows, are unchanged.
func MustMonthRows(t *testing.T, store backorder.Store, redo func(ctx context.Context) error) {
	ctx := context.Background()
	svc, _, _ := metricsHistory(t, func(*testing.T) backorder.Store { return store }, 1)
	MustCheck(t, svc)
	q := backorder.MetricsQuery{From: "2026-01-01", To: "2026-01-31"}
	before, err := svc.BackorderMetrics(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if err := redo(ctx); err != nil {
		t.Fatal(err)
	}
	MustCheck(t, svc)
	after, err := svc.BackorderMetrics(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	checkEqual(t, "January after the migration", after, before)
}

// MustKeptLinesSurvive runs the metrics' fixed history, redoes a migration
// (redo) and shows that every kept line (MetricLine) reads as before, that
// the history has lines both as intake left them and changed since, and
// that the check still passes.
func MustKeptLinesSurvive(t *testing.T, store backorder.Store, redo func(ctx context.Context) error) {
	ctx := context.Background()
	svc, _, _ := metricsHistory(t, func(*testing.T) backorder.Store { return store }, 1)
	MustCheck(t, svc)
	kept := func() []backorder.MetricLine {
		t.Helper()
		// Rolled back at once: the migration alters the tables it read.
		tx, err := store.BeginRead(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		a, err := tx.AllMetrics(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return a.Lines
	}
	before := kept()
	asAtIntake, changed := 0, 0
	for i := range before {
		if before[i].AsAtIntake() {
			asAtIntake++
		} else {
			changed++
		}
	}
	if asAtIntake == 0 || changed == 0 {
		t.Fatalf("kept lines %s: want some as at intake and some changed since", dump(before))
	}
	// A rebuild's kept line must exist as an order line.
	tx, err := store.BeginWrite(ctx)
	if err != nil {
		t.Fatal(err)
	}
	missing := before[0]
	missing.LineID += 1_000_000
	if err := tx.InsertMetricLines(ctx, []backorder.MetricLine{missing}); err == nil {
		t.Error("InsertMetricLines of a line that does not exist: no error")
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	if err := redo(ctx); err != nil {
		t.Fatal(err)
	}
	checkEqual(t, "kept lines after the migration", kept(), before)
	MustCheck(t, svc)
}

// testTxMetricFills: AddMetricFills moves filled units of kept lines from
// waiting to filled, starting from intake's state for a line with none kept
// and adding to the state of one that has.
func testTxMetricFills(t *testing.T, open func(t *testing.T) backorder.Store) {
	ctx := context.Background()
	s := open(t)
	var o1, o2 *backorder.Order
	mustWrite(t, s, func(tx backorder.Tx) {
		MustPutProduct(t, tx, "A", backorder.Stock{Backordered: 9})
		o1 = mustInsertOrder(t, tx, "O1", "ann", t0, waiting("A", 5))
		o2 = mustInsertOrder(t, tx, "O2", "bob", t0.Add(time.Minute), waiting("A", 4))
	})
	l1, l2 := o1.Lines[0].ID, o2.Lines[0].ID
	// O2's line has a state kept already: one unit cancelled.
	mustWrite(t, s, func(tx backorder.Tx) {
		if err := tx.SaveMetricLines(ctx, []*backorder.MetricLine{{LineID: l2, Backordered: 4, Waiting: 3, Cancelled: true}}); err != nil {
			t.Fatal(err)
		}
	})
	for round, fills := range [][]backorder.MetricFill{
		{{LineID: l1, Intake: 5, Units: 2}, {LineID: l2, Intake: 4, Units: 1}},
		{{LineID: l1, Intake: 5, Units: 3}},
	} {
		mustWrite(t, s, func(tx backorder.Tx) {
			if err := tx.AddMetricFills(ctx, fills); err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
		})
	}
	tx := mustRead(t, s)
	got, err := tx.MetricLinesByID(ctx, []int64{l1, l2})
	if err != nil {
		t.Fatal(err)
	}
	want := []backorder.MetricLine{
		{LineID: l1, OrderID: "O1", SKU: "A", Backordered: 5, Waiting: 0, Filled: 5},
		{LineID: l2, OrderID: "O2", SKU: "A", Backordered: 4, Waiting: 2, Filled: 1, Cancelled: true},
	}
	if len(got) != 2 {
		t.Fatalf("kept lines %s, want 2", dump(got))
	}
	for i := range want {
		g, w := got[i], want[i]
		checkTime(t, "AcceptedAt", g.AcceptedAt, []time.Time{t0, t0.Add(time.Minute)}[i])
		g.AcceptedAt, g.PriceCents, g.Currency = time.Time{}, 0, ""
		checkEqual(t, fmt.Sprintf("kept line %d", i), g, w)
	}
}
