package backorder

import (
	"cmp"
	"context"
	"maps"
	"slices"
	"strings"
	"time"
)

// metricsTx is the part of a batch's transaction (writeTx) that keeps the
// metrics' aggregates: the writes that count (InsertOrders,
// AppendMovements, AppendQueueFills, InsertLostDemand) keep their lines'
// state at once and add their counters to deltas, which the commit writes in one statement per
// table, sorted by key, so that concurrent batches lock the counter rows in
// one order. A request rolled back to its savepoint drops its deltas.
type metricsTx struct {
	off    bool
	deltas []*MetricDelta
}

func (w *writeTx) InsertOrders(ctx context.Context, os []*Order) error {
	if err := w.Tx.InsertOrders(ctx, os); err != nil || w.off {
		return err
	}
	// The store keeps each line's backordered units as those put on
	// backorder at intake: the lines Intake returns need no write of their own.
	d := &MetricDelta{}
	for _, o := range os {
		d.Intake(o, func(l *Line) int64 { return l.Backordered })
	}
	w.deltas = append(w.deltas, d)
	return nil
}

func (w *writeTx) InsertLostDemand(ctx context.Context, ls []LostDemand) error {
	if err := w.Tx.InsertLostDemand(ctx, ls); err != nil || w.off {
		return err
	}
	d := &MetricDelta{}
	for i := range ls {
		d.Lost(&ls[i])
	}
	w.deltas = append(w.deltas, d)
	return nil
}

func (w *writeTx) AppendMovements(ctx context.Context, ms []Movement) error {
	if err := w.Tx.AppendMovements(ctx, ms); err != nil || w.off {
		return err
	}
	var orders []string
	var ids []int64
	cancels := false
	for i := range ms {
		m := &ms[i]
		if m.OrderID != "" && (m.Kind == MoveShip || m.Kind == MoveCancel || m.Kind == MoveAllocate && m.Reason != ReasonInStock) {
			orders = append(orders, m.OrderID)
			ids = append(ids, m.LineID)
			cancels = cancels || m.Kind == MoveCancel
		}
	}
	if len(orders) == 0 {
		return nil
	}
	// A cancellation counts once per order (MetricMovements), so it needs
	// every kept line of its order; fills and shipments need only their
	// own lines, read by their keys: a receipt's are a whole queue.
	var kept []MetricLine
	var err error
	if cancels {
		slices.Sort(orders)
		kept, err = w.Tx.MetricLines(ctx, slices.Compact(orders))
	} else {
		slices.Sort(ids)
		kept, err = w.Tx.MetricLinesByID(ctx, slices.Compact(ids))
	}
	if err != nil {
		return err
	}
	lines := make(map[int64]*MetricLine, len(kept))
	for i := range kept {
		lines[kept[i].LineID] = &kept[i]
	}
	d := &MetricDelta{}
	changed := d.MetricMovements(ms, lines)
	w.deltas = append(w.deltas, d)
	if len(changed) == 0 {
		return nil
	}
	return w.Tx.SaveMetricLines(ctx, changed)
}

// AppendQueueFills appends allocations from a queue page, ms[i] allocating
// the line of entries[i]. The metrics count them from the entries, which
// carry what they need (QueueFills), instead of reading the kept lines back
// as AppendMovements does: a receipt's are a whole queue.
func (w *writeTx) AppendQueueFills(ctx context.Context, ms []Movement, entries []QueueEntry) error {
	if err := w.Tx.AppendMovements(ctx, ms); err != nil || w.off {
		return err
	}
	d := &MetricDelta{}
	fills, err := d.QueueFills(ms, entries)
	if err != nil {
		return err
	}
	w.deltas = append(w.deltas, d)
	if len(fills) == 0 {
		return nil
	}
	return w.Tx.AddMetricFills(ctx, fills)
}

// writeMetrics adds the batch's deltas to the stored counters.
func (w *writeTx) writeMetrics(ctx context.Context) error {
	if len(w.deltas) == 0 {
		return nil
	}
	var all MetricDelta
	for _, d := range w.deltas {
		all.Add(d)
	}
	w.deltas = nil
	days, fills := WithMonths(all.MetricRows())
	if len(days) == 0 && len(fills) == 0 {
		return nil
	}
	return w.Tx.AddMetrics(ctx, days, fills)
}

// MetricsQuery selects the backorder metrics: the days From to To
// (YYYY-MM-DD, both included; by default the 30 days ending today), one SKU
// or all, and a page of the per-SKU breakdown sorted by Sort (SKU by
// default; Desc reverses it), Limit rows after Offset.
type MetricsQuery struct {
	From   string
	To     string
	SKU    string
	Sort   string
	Desc   bool
	Offset int
	Limit  int
	// All lists every SKU of the breakdown in one page (the CSV export).
	All bool
}

// The per-SKU breakdown's sort keys.
var metricSorts = []string{"sku", "orders", "backorder_rate", "cancel_rate", "fill_time", "waiting_units", "waiting_value", "oldest_age", "sales_saved"}

// MaxMetricSKUs bounds the offset of a page of the per-SKU breakdown.
const MaxMetricSKUs = 1 << 30

// MaxMetricDays bounds the days of a metrics query.
const MaxMetricDays = 3660

// Validate fills the defaults of a query against today and checks it.
func (q *MetricsQuery) Validate(today time.Time) error {
	if q.To == "" {
		q.To = today.Format(DateLayout)
	}
	to, err := time.Parse(DateLayout, q.To)
	if err != nil {
		return FieldErrorf(EINVALID, "to", "To must be a date as YYYY-MM-DD.")
	}
	if q.From == "" {
		q.From = to.AddDate(0, 0, -29).Format(DateLayout)
	}
	from, err := time.Parse(DateLayout, q.From)
	if err != nil {
		return FieldErrorf(EINVALID, "from", "From must be a date as YYYY-MM-DD.")
	}
	if from.After(to) {
		return FieldErrorf(EINVALID, "from", "From must be on or before to.")
	}
	if to.Sub(from) > MaxMetricDays*24*time.Hour {
		return FieldErrorf(EINVALID, "from", "A range may span at most %d days.", MaxMetricDays)
	}
	if q.SKU != "" {
		if err := validateID("sku", q.SKU); err != nil {
			return err
		}
	}
	if q.Sort == "" {
		q.Sort = "sku"
	} else if !slices.Contains(metricSorts, q.Sort) {
		return FieldErrorf(EINVALID, "sort", "Sort must be one of %s.", strings.Join(metricSorts, ", "))
	}
	if q.Offset < 0 {
		return FieldErrorf(EINVALID, "cursor", "Cursor is not one this listing gave.")
	}
	q.Limit = min(PageLimit(q.Limit), MaxPageLimit)
	return nil
}

// Metric is one figure with its target and its status against it (Status);
// Value and Target are null when nothing was measured or no target is set.
type Metric struct {
	Value  *float64 `json:"value"`
	Target *float64 `json:"target"`
	Status string   `json:"status"`
}

// MoneyMetric is an amount per currency with a target per currency.
type MoneyMetric struct {
	Values []Money `json:"values"`
	Target *int64  `json:"target"`
	Status string  `json:"status"`
}

// FillTimes are the fill times in days of units that waited: to their
// allocation and to their shipment.
type FillTimes struct {
	ToAllocated FillStats `json:"to_allocated"`
	ToShipped   FillStats `json:"to_shipped"`
}

// CurrentBackorders is the source document's tracking dashboard: what
// waits now.
type CurrentBackorders struct {
	Orders int64 `json:"orders"`
	Lines  int64 `json:"lines"`
	Units  int64 `json:"units"`
	// Oldest is the acceptance of the oldest waiting line, null with none.
	Oldest        *time.Time  `json:"oldest"`
	OldestAgeDays Metric      `json:"oldest_age_days"`
	Value         MoneyMetric `json:"value"`
	// ExpectedWithin7Days is the share of waiting lines promised to ship
	// within 7 days, from their stored promise dates.
	ExpectedWithin7Days Metric `json:"expected_within_7_days"`
}

// SalesSaved compares the demand for unavailable units captured as
// backorders with the demand refused (LostDemand), in units and in value.
type SalesSaved struct {
	Metric
	CapturedUnits int64   `json:"captured_units"`
	LostUnits     int64   `json:"lost_units"`
	CapturedValue []Money `json:"captured_value"`
	LostValue     []Money `json:"lost_value"`
}

// BackorderFigures are the metrics of the shop or of one SKU. For a SKU,
// Orders counts its order lines.
type BackorderFigures struct {
	Orders            int64             `json:"orders"`
	BackorderedOrders int64             `json:"backordered_orders"`
	CancelledOrders   int64             `json:"cancelled_orders"`
	BackorderRate     Metric            `json:"backorder_rate"`
	CancelRate        Metric            `json:"cancel_rate"`
	FillTime          Metric            `json:"fill_time"`
	FillTimes         FillTimes         `json:"fill_times"`
	SalesSaved        SalesSaved        `json:"sales_saved"`
	Current           CurrentBackorders `json:"current"`
}

// SKUMetrics are the figures of one SKU.
type SKUMetrics struct {
	SKU string `json:"sku"`
	BackorderFigures
}

// BackorderMetrics answers GET /v1/metrics/backorders: the figures over a
// range of days (the current ones as of now), shop-wide or of one SKU, with
// a page of the per-SKU breakdown. NextOffset is the offset of the next
// page, 0 on the last.
type BackorderMetrics struct {
	From    string        `json:"from"`
	To      string        `json:"to"`
	SKU     string        `json:"sku,omitempty"`
	At      time.Time     `json:"at"`
	Targets MetricTargets `json:"targets"`
	BackorderFigures
	SKUs       []SKUMetrics `json:"skus"`
	NextOffset int          `json:"-"`
}

// BackorderMetrics reads the backorder metrics from the aggregates. Returns
// EINVALID for a bad field of the query.
func (s *Service) BackorderMetrics(ctx context.Context, q MetricsQuery) (*BackorderMetrics, error) {
	if err := q.Validate(s.Now()); err != nil {
		return nil, err
	}
	return read(ctx, s, func(tx Tx, now time.Time) (*BackorderMetrics, error) {
		set, err := tx.Settings(ctx)
		if err != nil {
			return nil, err
		}
		r := MetricRange{From: q.From, To: q.To, SKU: q.SKU}
		days, err := tx.MetricDays(ctx, r)
		if err != nil {
			return nil, err
		}
		fills, err := tx.FillCounts(ctx, r)
		if err != nil {
			return nil, err
		}
		waiting, err := tx.WaitingTotals(ctx, q.SKU)
		if err != nil {
			return nil, err
		}
		orders, err := tx.WaitingOrders(ctx, q.SKU)
		if err != nil {
			return nil, err
		}
		promised, err := tx.Promised(ctx, ProjectionHorizon(now, 7))
		if err != nil {
			return nil, err
		}
		in := MetricsInput{Targets: set.Metrics.Filled(), Now: now, Days: days, Fills: fills, Waiting: waiting, WaitingOrders: orders, Promised: promised}
		m := &BackorderMetrics{From: q.From, To: q.To, SKU: q.SKU, At: now, Targets: in.Targets}
		m.BackorderFigures, m.SKUs = ComputeMetrics(in, q.SKU)
		limit := q.Limit
		if q.All {
			limit = len(m.SKUs)
		}
		m.SKUs, m.NextOffset = SortMetrics(m.SKUs, q.Sort, q.Desc, q.Offset, limit)
		return m, nil
	})
}

// MetricsInput is what the metrics are computed from: the targets, the
// time, the counters summed over the range (MetricDays), the fill
// histograms (FillCounts), the waiting lines' totals, the count of waiting
// orders, and the promise counts at 7 days (Tx.Promised).
type MetricsInput struct {
	Targets       MetricTargets
	Now           time.Time
	Days          []MetricDay
	Fills         []FillCount
	Waiting       []WaitingTotal
	WaitingOrders int64
	Promised      []PromiseCount
}

// ComputeMetrics computes the figures of the shop (or of the one SKU sku)
// and those of each SKU that has any, in SKU order.
func ComputeMetrics(in MetricsInput, sku string) (BackorderFigures, []SKUMetrics) {
	per := map[string]*figureSums{}
	get := func(k string) *figureSums {
		f := per[k]
		if f == nil {
			f = &figureSums{alloc: map[int]int64{}, ship: map[int]int64{}, captured: map[string]int64{}, lost: map[string]int64{}, value: map[string]int64{}}
			per[k] = f
		}
		return f
	}
	total := get("\x00")
	for _, d := range in.Days {
		if d.SKU == "" {
			total.orders += d.Orders
			total.backordered += d.Backordered
			total.cancelled += d.Cancelled
			continue
		}
		for _, f := range []*figureSums{get(d.SKU), total} {
			if f != total || sku != "" {
				f.orders += d.Orders
				f.backordered += d.Backordered
				f.cancelled += d.Cancelled
			}
			f.capturedUnits += d.BackorderedUnits
			f.captured[d.Currency] += d.BackorderedValue
			f.lostUnits += d.LostUnits
			f.lost[d.Currency] += d.LostValue
		}
	}
	for _, c := range in.Fills {
		for _, f := range []*figureSums{get(c.SKU), total} {
			if c.Kind == FillAllocated {
				f.alloc[c.Bucket] += c.Units
				f.allocSeconds += c.Seconds
			} else {
				f.ship[c.Bucket] += c.Units
				f.shipSeconds += c.Seconds
			}
		}
	}
	for _, w := range in.Waiting {
		for _, f := range []*figureSums{get(w.SKU), total} {
			f.lines += w.Lines
			f.units += w.Units
			f.value[w.Currency] += w.Value
			if f.oldest.IsZero() || w.Oldest.Before(f.oldest) {
				f.oldest = w.Oldest
			}
		}
		get(w.SKU).waitingOrders += w.Lines
	}
	total.waitingOrders = in.WaitingOrders
	for _, p := range in.Promised {
		if sku != "" && p.SKU != sku {
			continue
		}
		for _, f := range []*figureSums{get(p.SKU), total} {
			f.promisedLines += p.Lines
			f.promisedWithin += p.LinesBy
		}
	}
	shop := total.figures(in)
	var out []SKUMetrics
	for _, k := range slices.Sorted(maps.Keys(per)) {
		if k != "\x00" {
			out = append(out, SKUMetrics{SKU: k, BackorderFigures: per[k].figures(in)})
		}
	}
	return shop, out
}

type figureSums struct {
	orders, backordered, cancelled int64
	capturedUnits, lostUnits       int64
	captured, lost, value          map[string]int64
	alloc, ship                    map[int]int64
	allocSeconds, shipSeconds      int64
	lines, units, waitingOrders    int64
	oldest                         time.Time
	promisedLines, promisedWithin  int64
}

func (f *figureSums) figures(in MetricsInput) BackorderFigures {
	t := in.Targets
	m := t.WarningMargin
	out := BackorderFigures{Orders: f.orders, BackorderedOrders: f.backordered, CancelledOrders: f.cancelled}
	out.BackorderRate = metric(ratio(f.backordered, f.orders), &t.BackorderRate, m, true)
	out.CancelRate = metric(ratio(f.cancelled, f.backordered), &t.CancelRate, m, true)
	out.FillTimes = FillTimes{ToAllocated: FillStatsOf(f.alloc, f.allocSeconds), ToShipped: FillStatsOf(f.ship, f.shipSeconds)}
	out.FillTime = metric(out.FillTimes.ToAllocated.Mean, &t.FillTimeDays, m, true)
	out.SalesSaved = SalesSaved{
		Metric:        metric(ratio(f.capturedUnits, f.capturedUnits+f.lostUnits), &t.SalesSaved, m, false),
		CapturedUnits: f.capturedUnits, LostUnits: f.lostUnits, CapturedValue: moneyOf(f.captured), LostValue: moneyOf(f.lost),
	}
	c := CurrentBackorders{Orders: f.waitingOrders, Lines: f.lines, Units: f.units}
	var age *float64
	if !f.oldest.IsZero() {
		o := f.oldest
		c.Oldest = &o
		a := max(in.Now.Sub(o), 0).Hours() / 24
		age = &a
	}
	c.OldestAgeDays = metric(age, t.OldestAgeDays, m, true)
	c.Value = MoneyMetric{Values: moneyOf(f.value), Target: t.ValueOnBackorder, Status: StatusOK}
	if t.ValueOnBackorder != nil {
		worst := 0
		rank := map[string]int{StatusOK: 0, StatusWarning: 1, StatusBreached: 2}
		for _, v := range c.Value.Values {
			a := float64(v.Amount)
			worst = max(worst, rank[Status(&a, float64(*t.ValueOnBackorder), m, true)])
		}
		c.Value.Status = []string{StatusOK, StatusWarning, StatusBreached}[worst]
	}
	c.ExpectedWithin7Days = metric(ratio(f.promisedWithin, f.promisedLines), &t.ExpectedWithin7Days, m, false)
	out.Current = c
	return out
}

func metric(v, target *float64, margin float64, lowerIsBetter bool) Metric {
	if target == nil {
		return Metric{Value: v, Status: StatusOK}
	}
	t := *target
	return Metric{Value: v, Target: &t, Status: Status(v, t, margin, lowerIsBetter)}
}

// moneyOf lists amounts by currency, in currency order, leaving out none
// (a currency with a zero amount still shows).
func moneyOf(m map[string]int64) []Money {
	out := []Money{}
	for _, c := range slices.Sorted(maps.Keys(m)) {
		out = append(out, Money{Currency: c, Amount: m[c]})
	}
	return out
}

// SortMetrics sorts the per-SKU figures by a key (metricSorts; ties and
// missing values by SKU, missing values last) and returns limit of them
// from offset, with the offset of the next page (0 at the end).
func SortMetrics(skus []SKUMetrics, by string, desc bool, offset, limit int) ([]SKUMetrics, int) {
	key := func(m *SKUMetrics) *float64 {
		f := func(v int64) *float64 { x := float64(v); return &x }
		switch by {
		case "orders":
			return f(m.Orders)
		case "backorder_rate":
			return m.BackorderRate.Value
		case "cancel_rate":
			return m.CancelRate.Value
		case "fill_time":
			return m.FillTime.Value
		case "waiting_units":
			return f(m.Current.Units)
		case "waiting_value":
			var v int64
			for _, x := range m.Current.Value.Values {
				v += x.Amount
			}
			return f(v)
		case "oldest_age":
			return m.Current.OldestAgeDays.Value
		case "sales_saved":
			return m.SalesSaved.Value
		}
		return nil
	}
	slices.SortStableFunc(skus, func(a, b SKUMetrics) int {
		if by != "sku" {
			ka, kb := key(&a), key(&b)
			switch {
			case ka == nil && kb != nil:
				return 1
			case ka != nil && kb == nil:
				return -1
			case ka != nil && kb != nil && *ka != *kb:
				if desc {
					return cmp.Compare(*kb, *ka)
				}
				return cmp.Compare(*ka, *kb)
			}
		} else if desc {
			return cmp.Compare(b.SKU, a.SKU)
		}
		return cmp.Compare(a.SKU, b.SKU)
	})
	if offset >= len(skus) {
		return []SKUMetrics{}, 0
	}
	end := min(offset+limit, len(skus))
	next := 0
	if end < len(skus) {
		next = end
	}
	return skus[offset:end], next
}

// checkMetrics recomputes the metrics' aggregates from the history (every
// order, movement and lost demand) and reports where the stored ones differ.
func checkMetrics(ctx context.Context, tx Tx) ([]Violation, error) {
	want, err := recomputeMetrics(ctx, tx)
	if err != nil {
		return nil, err
	}
	stored, err := tx.AllMetrics(ctx)
	if err != nil {
		return nil, err
	}
	return CompareMetrics(stored, want), nil
}

// recomputeMetrics reads the whole history and rebuilds the aggregates
// from it (RecomputeMetrics).
func recomputeMetrics(ctx context.Context, tx Tx) (MetricAggregates, error) {
	orders, err := every(func(after int64) ([]*Order, error) {
		return tx.ListOrders(ctx, OrderFilter{After: after, Limit: readPage})
	}, func(o *Order) int64 { return o.Seq })
	if err != nil {
		return MetricAggregates{}, err
	}
	moves, err := every(func(after int64) ([]Movement, error) {
		return tx.Movements(ctx, MovementFilter{After: after, Limit: readPage})
	}, func(m Movement) int64 { return m.ID })
	if err != nil {
		return MetricAggregates{}, err
	}
	lost, err := every(func(after int64) ([]LostDemand, error) {
		return tx.ListLostDemand(ctx, LostDemandFilter{After: after, Limit: readPage})
	}, func(l LostDemand) int64 { return l.ID })
	if err != nil {
		return MetricAggregates{}, err
	}
	return RecomputeMetrics(orders, moves, lost), nil
}

// BatchSizes reports the group committer's batches by size since the
// service started: sizes[i] counts those of up to groupcommit.SizeBound(i)
// writes (and more than the bound before), writes the writes in all of them.
func (s *Service) BatchSizes() (sizes []int64, writes int64) {
	st := s.committer.Stats()
	return st.Sizes[:], st.Writes
}

// OutboxEvents is the number of events written to the outbox: the newest
// event's ID.
func (s *Service) OutboxEvents(ctx context.Context) (int64, error) {
	return read(ctx, s, func(tx Tx, now time.Time) (int64, error) { return tx.LastEventID(ctx) })
}

// metaMetricsBuilt is the meta key set once the metrics' aggregates were
// built from the history (EnsureMetrics), or by the migration that made
// them on a store with no orders yet; unset or empty, they are to build.
const metaMetricsBuilt = "metrics_aggregates_built"

// EnsureMetrics builds the metrics' aggregates from the history once, for a
// store whose history began before the writes kept them (its aggregates
// are then empty); afterwards the writes keep them. It reports whether it
// built them. Run it before serving: it holds the write batch while it
// reads the whole history.
func (s *Service) EnsureMetrics(ctx context.Context) (bool, error) {
	return write(ctx, s, nil, nil, func(ctx context.Context, tx *writeTx, now time.Time) (bool, error) {
		if v, err := tx.Meta(ctx, metaMetricsBuilt); err == nil && v != "" {
			return false, nil
		} else if err != nil && ErrorCode(err) != ENOTFOUND {
			return false, err
		}
		if err := rebuildMetrics(ctx, tx); err != nil {
			return false, err
		}
		return true, tx.SetMeta(ctx, metaMetricsBuilt, now.Format(time.RFC3339))
	})
}

// rebuildMetrics replaces the stored aggregates with those recomputed from
// the history.
func rebuildMetrics(ctx context.Context, tx *writeTx) error {
	want, err := recomputeMetrics(ctx, tx)
	if err != nil {
		return err
	}
	if err := tx.Tx.ClearMetrics(ctx); err != nil {
		return err
	}
	if err := tx.Tx.AddMetrics(ctx, want.Days, want.Fills); err != nil {
		return err
	}
	return tx.Tx.InsertMetricLines(ctx, want.Lines)
}
