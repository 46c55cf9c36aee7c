package backorder

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The backorder metrics answer from aggregates the writes keep in their own
// transactions (writeTx): per-day counters (MetricDay), a fill-time
// histogram with fixed one-day buckets (FillCount), and one row per line put
// on backorder at intake (MetricLine). Every day's counters and histogram
// also add to their month's rows (WithMonths), so that a range of many days
// reads each whole month as one row (MetricRange.Spans). This file holds the
// rules that build and read them; the same rules rebuild them from the
// history for the check (RecomputeMetrics).

// Fill kinds: what a fill-time histogram measures from the order's acceptance.
const (
	FillAllocated = "allocated" // to the allocation of a waiting unit
	FillShipped   = "shipped"   // to the shipment of a unit that waited
)

// MaxFillBucket is the last bucket of a fill-time histogram: bucket b holds
// the units filled after b to b+1 days, and MaxFillBucket those filled after
// MaxFillBucket days or more.
const MaxFillBucket = 365

// MetricDay holds the counters of one SKU, one UTC day and one currency.
// The row of SKU "" (currency "") counts orders for the whole shop; a SKU's
// rows count that SKU's order lines.
//
// Orders, Backordered and Cancelled are counted on the day the order was
// accepted (its cohort): the orders (lines) accepted, those of them with
// units put on backorder at intake, and those of these with any waiting unit
// cancelled since. BackorderedUnits and BackorderedValue (minor units) are
// the units put on backorder at intake that day, LostUnits and LostValue the
// demand refused that day (LostDemand).
type MetricDay struct {
	SKU              string `json:"sku"`
	Day              string `json:"day"`
	Currency         string `json:"currency"`
	Orders           int64  `json:"orders"`
	Backordered      int64  `json:"backordered"`
	Cancelled        int64  `json:"cancelled"`
	BackorderedUnits int64  `json:"backordered_units"`
	BackorderedValue int64  `json:"backordered_value"`
	LostUnits        int64  `json:"lost_units"`
	LostValue        int64  `json:"lost_value"`
}

// MetricDayKey identifies a MetricDay row.
type MetricDayKey struct{ SKU, Day, Currency string }

// Key is the row's identity.
func (d *MetricDay) Key() MetricDayKey { return MetricDayKey{d.SKU, d.Day, d.Currency} }

func (d *MetricDay) add(o *MetricDay) {
	d.Orders += o.Orders
	d.Backordered += o.Backordered
	d.Cancelled += o.Cancelled
	d.BackorderedUnits += o.BackorderedUnits
	d.BackorderedValue += o.BackorderedValue
	d.LostUnits += o.LostUnits
	d.LostValue += o.LostValue
}

func (d *MetricDay) zero() bool {
	return *d == MetricDay{SKU: d.SKU, Day: d.Day, Currency: d.Currency}
}

// FillCount is one bucket of a fill-time histogram: the units of a SKU whose
// fill of Kind happened on Day, Bucket days after their order was accepted,
// and the sum of those waits in seconds (for the mean).
type FillCount struct {
	SKU     string `json:"sku"`
	Day     string `json:"day"`
	Kind    string `json:"kind"`
	Bucket  int    `json:"bucket"`
	Units   int64  `json:"units"`
	Seconds int64  `json:"seconds"`
}

// FillKey identifies a FillCount row.
type FillKey struct {
	SKU, Day, Kind string
	Bucket         int
}

// Key is the row's identity.
func (f *FillCount) Key() FillKey { return FillKey{f.SKU, f.Day, f.Kind, f.Bucket} }

// MetricLine is what the metrics keep of an order line put on backorder at
// intake: its order's acceptance, its price, the units backordered at
// intake, those still waiting, those filled from the queue, those of the
// filled that shipped, and whether any waiting unit was cancelled.
type MetricLine struct {
	LineID      int64     `json:"line_id"`
	OrderID     string    `json:"order_id"`
	SKU         string    `json:"sku"`
	AcceptedAt  time.Time `json:"accepted_at"`
	PriceCents  int64     `json:"price_cents"`
	Currency    string    `json:"currency"`
	Backordered int64     `json:"backordered"`
	Waiting     int64     `json:"waiting"`
	Filled      int64     `json:"filled"`
	Shipped     int64     `json:"shipped"`
	Cancelled   bool      `json:"cancelled"`
}

// AsAtIntake reports whether the line is as intake left it: all its units
// backordered at intake still waiting, none filled, shipped or cancelled.
// The stores keep a line's state only once it is no longer so.
func (l *MetricLine) AsAtIntake() bool {
	return l.Waiting == l.Backordered && l.Filled == 0 && l.Shipped == 0 && !l.Cancelled
}

// FillBucket is the histogram bucket of a wait.
func FillBucket(wait time.Duration) int {
	if wait < 0 {
		return 0
	}
	return min(int(wait/(24*time.Hour)), MaxFillBucket)
}

// MetricDelta accumulates changes to the counters. The writes add one to
// the stored counters; RecomputeMetrics folds the whole history into one.
type MetricDelta struct {
	Days  map[MetricDayKey]*MetricDay
	Fills map[FillKey]*FillCount
}

func (d *MetricDelta) day(sku, day, currency string) *MetricDay {
	if d.Days == nil {
		d.Days = map[MetricDayKey]*MetricDay{}
	}
	k := MetricDayKey{sku, day, currency}
	r := d.Days[k]
	if r == nil {
		r = &MetricDay{SKU: sku, Day: day, Currency: currency}
		d.Days[k] = r
	}
	return r
}

func (d *MetricDelta) fill(sku, kind string, at, accepted time.Time, units int64) {
	if d.Fills == nil {
		d.Fills = map[FillKey]*FillCount{}
	}
	wait := at.Sub(accepted)
	k := FillKey{sku, dayOf(at), kind, FillBucket(wait)}
	r := d.Fills[k]
	if r == nil {
		r = &FillCount{SKU: k.SKU, Day: k.Day, Kind: kind, Bucket: k.Bucket}
		d.Fills[k] = r
	}
	r.Units += units
	r.Seconds += units * int64(max(wait, 0)/time.Second)
}

func dayOf(t time.Time) string { return t.UTC().Format(DateLayout) }

// MonthKey is the key of the month rows that a day's counters also add to:
// "M" and the month as YYYY-MM. It sorts after every day key (a digit
// first), so a span of day keys never holds a month row, nor a span of
// month keys a day row.
func MonthKey(day string) string { return "M" + day[:7] }

// isDayKey reports whether a row's key is a day (YYYY-MM-DD).
func isDayKey(k string) bool { return len(k) == len(DateLayout) && k[0] != 'M' }

// WithMonths returns the rows of day keys with, added, the month rows they
// sum to (MonthKey), all sorted by key as MetricRows sorts them. Rows of
// other keys are left out.
func WithMonths(days []MetricDay, fills []FillCount) ([]MetricDay, []FillCount) {
	var d MetricDelta
	for i := range days {
		if r := &days[i]; isDayKey(r.Day) {
			d.day(r.SKU, r.Day, r.Currency).add(r)
			d.day(r.SKU, MonthKey(r.Day), r.Currency).add(r)
		}
	}
	for i := range fills {
		if f := fills[i]; isDayKey(f.Day) {
			d.addFill(f)
			f.Day = MonthKey(f.Day)
			d.addFill(f)
		}
	}
	return d.MetricRows()
}

func (d *MetricDelta) addFill(r FillCount) {
	if d.Fills == nil {
		d.Fills = map[FillKey]*FillCount{}
	}
	f := d.Fills[r.Key()]
	if f == nil {
		d.Fills[r.Key()] = &r
		return
	}
	f.Units += r.Units
	f.Seconds += r.Seconds
}

// Intake counts an accepted order: backordered gives the units of each line
// put on backorder at intake. It returns the lines to keep (MetricLine) for
// those that have any.
func (d *MetricDelta) Intake(o *Order, backordered func(*Line) int64) []MetricLine {
	day := dayOf(o.AcceptedAt)
	shop := d.day("", day, "")
	shop.Orders++
	var out []MetricLine
	for _, l := range o.Lines {
		r := d.day(l.SKU, day, l.Currency)
		r.Orders++
		b := backordered(l)
		if b <= 0 {
			continue
		}
		r.Backordered++
		r.BackorderedUnits += b
		r.BackorderedValue += b * l.PriceCents
		out = append(out, MetricLine{LineID: l.ID, OrderID: o.ID, SKU: l.SKU, AcceptedAt: o.AcceptedAt, PriceCents: l.PriceCents, Currency: l.Currency, Backordered: b, Waiting: b})
	}
	if len(out) > 0 {
		shop.Backordered++
	}
	return out
}

// Lost counts refused demand on the day it was refused.
func (d *MetricDelta) Lost(l *LostDemand) {
	r := d.day(l.SKU, dayOf(l.At), l.Currency)
	r.LostUnits += l.Quantity
	r.LostValue += l.ValueCents
}

// Movement counts a movement of the history against the line it moves, if
// that line was put on backorder at intake (ml; nil otherwise, and the
// movement counts nothing). orderCancelled says whether any line of the
// order had a waiting unit cancelled before. It updates ml and reports
// whether it changed.
//
//   - an allocation from the queue (any reason but in_stock) fills waiting
//     units: the allocated fill-time histogram counts them on the day filled;
//   - a shipment counts the line's filled units not counted shipped yet, up
//     to its quantity, in the shipped histogram;
//   - a cancellation of waiting units marks the line, and on its first
//     cancellation counts it (and, on the order's first, the order) as
//     cancelled on its acceptance day.
func (d *MetricDelta) Movement(m *Movement, ml *MetricLine, orderCancelled bool) bool {
	if ml == nil {
		return false
	}
	switch m.Kind {
	case MoveAllocate:
		if !fromQueue(m) {
			return false
		}
		ml.Waiting -= m.Quantity
		ml.Filled += m.Quantity
		d.fill(ml.SKU, FillAllocated, m.At, ml.AcceptedAt, m.Quantity)
		return true
	case MoveShip:
		n := min(m.Quantity, ml.Filled-ml.Shipped)
		if n <= 0 {
			return false
		}
		ml.Shipped += n
		d.fill(ml.SKU, FillShipped, m.At, ml.AcceptedAt, n)
		return true
	case MoveCancel:
		ml.Waiting -= m.Quantity
		if !ml.Cancelled {
			ml.Cancelled = true
			day := dayOf(ml.AcceptedAt)
			d.day(ml.SKU, day, ml.Currency).Cancelled++
			if !orderCancelled {
				d.day("", day, "").Cancelled++
			}
		}
		return true
	}
	return false
}

// fromQueue reports whether an allocation filled waiting units: any reason
// but in_stock.
func fromQueue(m *Movement) bool { return m.Kind == MoveAllocate && m.Reason != ReasonInStock }

// MetricFill is units filled from the queue on a line put on backorder at
// intake: they move from its waiting units to its filled ones
// (Tx.AddMetricFills). Intake is the units it put on backorder at intake,
// all waiting while the line has no state kept.
type MetricFill struct {
	LineID int64
	Intake int64
	Units  int64
}

// QueueFills counts allocations from a queue page, ms[i] allocating the
// line of entries[i], as Movement counts them against kept lines, without
// the kept lines: the allocated fill-time histogram counts the units of
// lines put on backorder at intake (IntakeBackordered > 0). It returns those
// units per line, in line ID order, for the store to move from waiting to
// filled. An error if a movement is not the allocation from the queue of
// its entry's line.
func (d *MetricDelta) QueueFills(ms []Movement, entries []QueueEntry) ([]MetricFill, error) {
	if len(ms) != len(entries) {
		return nil, fmt.Errorf("queue fills: %d movements for %d entries", len(ms), len(entries))
	}
	byLine := map[int64]*MetricFill{}
	for i := range ms {
		m, e := &ms[i], &entries[i]
		if !fromQueue(m) || m.LineID != e.Line.ID {
			return nil, fmt.Errorf("queue fills: movement %d (%s of line %d) is not the allocation from the queue of line %d", i, m.Kind, m.LineID, e.Line.ID)
		}
		if e.IntakeBackordered <= 0 {
			continue
		}
		d.fill(m.SKU, FillAllocated, m.At, e.Order.AcceptedAt, m.Quantity)
		f := byLine[m.LineID]
		if f == nil {
			f = &MetricFill{LineID: m.LineID, Intake: e.IntakeBackordered}
			byLine[m.LineID] = f
		}
		f.Units += m.Quantity
	}
	out := make([]MetricFill, 0, len(byLine))
	for _, id := range slices.Sorted(maps.Keys(byLine)) {
		out = append(out, *byLine[id])
	}
	return out, nil
}

// MetricMovements counts a batch of movements in order against the lines
// (by line ID; those of the movements' orders that were put on backorder).
// It returns the lines it changed, in the order first changed.
func (d *MetricDelta) MetricMovements(ms []Movement, lines map[int64]*MetricLine) []*MetricLine {
	var changed []*MetricLine
	seen := map[int64]bool{}
	cancelled := map[string]bool{}
	for _, ml := range lines {
		if ml.Cancelled {
			cancelled[ml.OrderID] = true
		}
	}
	for i := range ms {
		m := &ms[i]
		ml := lines[m.LineID]
		if ml == nil {
			continue
		}
		if d.Movement(m, ml, cancelled[ml.OrderID]) && !seen[ml.LineID] {
			seen[ml.LineID] = true
			changed = append(changed, ml)
		}
		if ml.Cancelled {
			cancelled[ml.OrderID] = true
		}
	}
	return changed
}

// MetricRows returns the delta's counters sorted by key (the order the
// stores take the rows' locks in), leaving out rows that add nothing.
func (d *MetricDelta) MetricRows() ([]MetricDay, []FillCount) {
	days := make([]MetricDay, 0, len(d.Days))
	for _, k := range slices.SortedFunc(maps.Keys(d.Days), compareDayKey) {
		if r := d.Days[k]; !r.zero() {
			days = append(days, *r)
		}
	}
	fills := make([]FillCount, 0, len(d.Fills))
	for _, k := range slices.SortedFunc(maps.Keys(d.Fills), compareFillKey) {
		if r := d.Fills[k]; r.Units != 0 || r.Seconds != 0 {
			fills = append(fills, *r)
		}
	}
	return days, fills
}

// Add adds another delta's counters to d.
func (d *MetricDelta) Add(o *MetricDelta) {
	for _, r := range o.Days {
		d.day(r.SKU, r.Day, r.Currency).add(r)
	}
	for _, r := range o.Fills {
		d.addFill(*r)
	}
}

func compareDayKey(a, b MetricDayKey) int {
	return cmp.Or(cmp.Compare(a.SKU, b.SKU), cmp.Compare(a.Day, b.Day), cmp.Compare(a.Currency, b.Currency))
}

func compareFillKey(a, b FillKey) int {
	return cmp.Or(cmp.Compare(a.SKU, b.SKU), cmp.Compare(a.Day, b.Day), cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Bucket, b.Bucket))
}

// MetricAggregates are the stored aggregates, or those recomputed from the
// history: the counters and the kept lines.
type MetricAggregates struct {
	Days  []MetricDay
	Fills []FillCount
	Lines []MetricLine
}

// RecomputeMetrics rebuilds the aggregates from the history: the accepted
// orders with their lines, every movement in ID order, and the lost demand.
// The units a line put on backorder at intake are its backorder movements.
func RecomputeMetrics(orders []*Order, moves []Movement, lost []LostDemand) MetricAggregates {
	atIntake := map[int64]int64{}
	for i := range moves {
		if moves[i].Kind == MoveBackorder {
			atIntake[moves[i].LineID] += moves[i].Quantity
		}
	}
	var d MetricDelta
	lines := map[int64]*MetricLine{}
	for _, o := range orders {
		for _, ml := range d.Intake(o, func(l *Line) int64 { return atIntake[l.ID] }) {
			lines[ml.LineID] = &ml
		}
	}
	d.MetricMovements(moves, lines)
	for i := range lost {
		d.Lost(&lost[i])
	}
	days, fills := WithMonths(d.MetricRows())
	out := MetricAggregates{Days: days, Fills: fills}
	for _, id := range slices.Sorted(maps.Keys(lines)) {
		out.Lines = append(out.Lines, *lines[id])
	}
	return out
}

// CompareMetrics reports every difference between stored aggregates and
// those recomputed from the history, as violations of the invariant
// "metrics". Rows that count nothing are the same as missing rows.
func CompareMetrics(stored, want MetricAggregates) []Violation {
	var out []Violation
	norm := func(a MetricAggregates) MetricDelta {
		var d MetricDelta
		for i := range a.Days {
			d.day(a.Days[i].SKU, a.Days[i].Day, a.Days[i].Currency).add(&a.Days[i])
		}
		for i := range a.Fills {
			d.addFill(a.Fills[i])
		}
		return d
	}
	s, w := norm(stored), norm(want)
	sd, sf := s.MetricRows()
	wd, wf := w.MetricRows()
	sdm, wdm := map[MetricDayKey]MetricDay{}, map[MetricDayKey]MetricDay{}
	for _, r := range sd {
		sdm[r.Key()] = r
	}
	for _, r := range wd {
		wdm[r.Key()] = r
	}
	for _, k := range slices.SortedFunc(maps.Keys(union(sdm, wdm)), compareDayKey) {
		if a, b := sdm[k], wdm[k]; a != b {
			out = append(out, Violation{Invariant: "metrics", SKU: k.SKU, Detail: fmt.Sprintf("counters of %s %s: stored %+v, history says %+v", k.Day, k.Currency, a, b)})
		}
	}
	sfm, wfm := map[FillKey]FillCount{}, map[FillKey]FillCount{}
	for _, r := range sf {
		sfm[r.Key()] = r
	}
	for _, r := range wf {
		wfm[r.Key()] = r
	}
	for _, k := range slices.SortedFunc(maps.Keys(union(sfm, wfm)), compareFillKey) {
		if a, b := sfm[k], wfm[k]; a != b {
			out = append(out, Violation{Invariant: "metrics", SKU: k.SKU, Detail: fmt.Sprintf("fill %s %s bucket %d: stored %d units %ds, history says %d units %ds", k.Day, k.Kind, k.Bucket, a.Units, a.Seconds, b.Units, b.Seconds)})
		}
	}
	slm, wlm := map[int64]MetricLine{}, map[int64]MetricLine{}
	for _, l := range stored.Lines {
		slm[l.LineID] = l
	}
	for _, l := range want.Lines {
		wlm[l.LineID] = l
	}
	for _, id := range slices.Sorted(maps.Keys(union(slm, wlm))) {
		a, b := slm[id], wlm[id]
		if !a.AcceptedAt.Equal(b.AcceptedAt) || a.PriceCents != b.PriceCents || a.Currency != b.Currency || a.SKU != b.SKU || a.OrderID != b.OrderID ||
			a.Backordered != b.Backordered || a.Waiting != b.Waiting || a.Filled != b.Filled || a.Shipped != b.Shipped || a.Cancelled != b.Cancelled {
			out = append(out, Violation{Invariant: "metrics", SKU: cmp.Or(a.SKU, b.SKU), LineID: id, Detail: fmt.Sprintf("line: stored %+v, history says %+v", a, b)})
		}
	}
	return out
}

func union[K comparable, V any](a, b map[K]V) map[K]bool {
	out := make(map[K]bool, len(a)+len(b))
	for k := range a {
		out[k] = true
	}
	for k := range b {
		out[k] = true
	}
	return out
}

// Metric statuses against a target.
const (
	StatusOK       = "ok"       // the target is met, with room
	StatusWarning  = "warning"  // the target is met, within the warning margin of it
	StatusBreached = "breached" // the target is missed
)

// MetricTargets are the targets of the backorder metrics, editable in the
// settings. Rates and shares are fractions (0.05 is 5%). A zero value means
// the default (the source document's, DefaultMetricTargets); OldestAgeDays
// and ValueOnBackorder are only watched (null) unless set.
type MetricTargets struct {
	// BackorderRate: share of orders with a backordered unit, at most (< 5%).
	BackorderRate float64 `json:"backorder_rate"`
	// FillTimeDays: mean days from backorder to allocation, at most (< 14).
	FillTimeDays float64 `json:"fill_time_days"`
	// CancelRate: share of backordered orders cancelled, at most (< 20%).
	CancelRate float64 `json:"cancel_rate"`
	// ExpectedWithin7Days: share of waiting lines promised within 7 days,
	// at least (80%).
	ExpectedWithin7Days float64 `json:"expected_within_7_days"`
	// SalesSaved: share of demand for unavailable units captured as
	// backorders rather than refused, at least (71%).
	SalesSaved float64 `json:"sales_saved"`
	// OldestAgeDays: age of the oldest waiting line, at most.
	OldestAgeDays *float64 `json:"oldest_age_days"`
	// ValueOnBackorder: value of the waiting units in minor units of each
	// currency, at most.
	ValueOnBackorder *int64 `json:"value_on_backorder"`
	// WarningMargin: a met target within this fraction of it warns (0.2).
	WarningMargin float64 `json:"warning_margin"`
}

// DefaultMetricTargets are the source document's targets.
func DefaultMetricTargets() MetricTargets {
	return MetricTargets{BackorderRate: 0.05, FillTimeDays: 14, CancelRate: 0.20, ExpectedWithin7Days: 0.80, SalesSaved: 0.71, WarningMargin: 0.2}
}

// Filled returns the targets with every zero value set to its default.
func (t MetricTargets) Filled() MetricTargets {
	d := DefaultMetricTargets()
	t.BackorderRate = cmp.Or(t.BackorderRate, d.BackorderRate)
	t.FillTimeDays = cmp.Or(t.FillTimeDays, d.FillTimeDays)
	t.CancelRate = cmp.Or(t.CancelRate, d.CancelRate)
	t.ExpectedWithin7Days = cmp.Or(t.ExpectedWithin7Days, d.ExpectedWithin7Days)
	t.SalesSaved = cmp.Or(t.SalesSaved, d.SalesSaved)
	t.WarningMargin = cmp.Or(t.WarningMargin, d.WarningMargin)
	return t
}

// Validate checks the targets; prefix names their place in the settings.
func (t *MetricTargets) Validate(prefix string) error {
	for _, f := range []struct {
		name string
		v    float64
	}{{"backorder_rate", t.BackorderRate}, {"cancel_rate", t.CancelRate}, {"expected_within_7_days", t.ExpectedWithin7Days}, {"sales_saved", t.SalesSaved}} {
		if f.v < 0 || f.v > 1 {
			return FieldErrorf(EINVALID, prefix+f.name, "A rate target must be between 0 and 1 (0.05 is 5%%).")
		}
	}
	if t.FillTimeDays < 0 || t.FillTimeDays > 3650 {
		return FieldErrorf(EINVALID, prefix+"fill_time_days", "Fill time target must be between 0 and 3650 days.")
	}
	if t.OldestAgeDays != nil && (*t.OldestAgeDays <= 0 || *t.OldestAgeDays > 3650) {
		return FieldErrorf(EINVALID, prefix+"oldest_age_days", "Oldest age target must be more than 0 and at most 3650 days.")
	}
	if t.ValueOnBackorder != nil && (*t.ValueOnBackorder <= 0 || *t.ValueOnBackorder > MaxPriceCents*MaxStockQuantity) {
		return FieldErrorf(EINVALID, prefix+"value_on_backorder", "Value target must be a positive amount in minor units.")
	}
	if t.WarningMargin < 0 || t.WarningMargin >= 1 {
		return FieldErrorf(EINVALID, prefix+"warning_margin", "Warning margin must be at least 0 and less than 1.")
	}
	return nil
}

// Status rates a value against a target: with lowerIsBetter, a value at or
// above the target is breached, and one within margin×target below it
// warns; otherwise a value below the target is breached, and one within
// margin×target above it warns. A value of nil (nothing measured) is ok.
func Status(value *float64, target, margin float64, lowerIsBetter bool) string {
	if value == nil {
		return StatusOK
	}
	v := *value
	if lowerIsBetter {
		switch {
		case v >= target:
			return StatusBreached
		case v >= target-margin*target:
			return StatusWarning
		}
		return StatusOK
	}
	switch {
	case v < target:
		return StatusBreached
	case v < target+margin*target:
		return StatusWarning
	}
	return StatusOK
}

// FillStats are the fill times of a histogram, in days: nil with nothing filled.
type FillStats struct {
	Units int64    `json:"units"`
	Mean  *float64 `json:"mean"`
	P50   *float64 `json:"p50"`
	P90   *float64 `json:"p90"`
}

// FillStatsOf reads the mean and the 50th and 90th percentiles from a
// histogram's buckets (units by bucket) and the sum of the waits in seconds.
// A percentile interpolates linearly within its bucket: with units n in
// bucket b and r of the ranked units before it, the unit of rank p×total
// sits at b + (p×total − r)/n days. The open last bucket counts as one day
// wide.
func FillStatsOf(buckets map[int]int64, seconds int64) FillStats {
	var total int64
	for _, n := range buckets {
		total += n
	}
	if total == 0 {
		return FillStats{}
	}
	mean := float64(seconds) / float64(total) / 86400
	return FillStats{Units: total, Mean: &mean, P50: percentile(buckets, total, 0.5), P90: percentile(buckets, total, 0.9)}
}

func percentile(buckets map[int]int64, total int64, p float64) *float64 {
	rank := p * float64(total)
	var before int64
	for _, b := range slices.Sorted(maps.Keys(buckets)) {
		n := buckets[b]
		if n <= 0 {
			continue
		}
		if float64(before+n) >= rank {
			v := float64(b) + (rank-float64(before))/float64(n)
			return &v
		}
		before += n
	}
	return nil
}

// Money is an amount in minor units of a currency.
type Money struct {
	Currency string `json:"currency"`
	Amount   int64  `json:"amount"`
}

// MetricRange selects the days From to To (YYYY-MM-DD, both included) of
// the counters, of one SKU or, with SKU "", of every SKU and the shop.
type MetricRange struct {
	From, To string
	SKU      string
}

// KeySpan is the keys From to To of the counters' rows, both included;
// the zero span holds none (no row's key is "").
type KeySpan struct{ From, To string }

// Spans splits the range into the row keys that sum to it: the days before
// its first whole month, its whole months (month keys, MonthKey), and the
// days after its last whole month. A range with no whole month is one span
// of days. A range that is not two dates is read as one span of keys.
func (r MetricRange) Spans() [3]KeySpan {
	from, err1 := time.Parse(DateLayout, r.From)
	to, err2 := time.Parse(DateLayout, r.To)
	if err1 != nil || err2 != nil || to.Before(from) {
		return [3]KeySpan{{r.From, r.To}}
	}
	first := time.Date(from.Year(), from.Month(), 1, 0, 0, 0, 0, time.UTC)
	if !first.Equal(from) {
		first = first.AddDate(0, 1, 0)
	}
	last := time.Date(to.Year(), to.Month(), 1, 0, 0, 0, 0, time.UTC) // the first of the last whole month
	if !last.AddDate(0, 1, -1).Equal(to) {
		last = last.AddDate(0, -1, 0)
	}
	if last.Before(first) {
		return [3]KeySpan{{r.From, r.To}}
	}
	var out [3]KeySpan
	if from.Before(first) {
		out[0] = KeySpan{r.From, dayOf(first.AddDate(0, 0, -1))}
	}
	out[1] = KeySpan{MonthKey(dayOf(first)), MonthKey(dayOf(last))}
	if end := last.AddDate(0, 1, 0); !end.After(to) {
		out[2] = KeySpan{dayOf(end), r.To}
	}
	return out
}

// WaitingTotal sums the waiting lines of one SKU in one currency: lines,
// units, their value (minor units) and the oldest acceptance among them.
type WaitingTotal struct {
	SKU      string
	Currency string
	Lines    int64
	Units    int64
	Value    int64
	Oldest   time.Time
}

// MetricsTx is what the stores keep for the backorder metrics.
type MetricsTx interface {
	// AddMetrics adds the counters to the stored rows of the same keys,
	// creating those missing; the rows come sorted by key.
	AddMetrics(ctx context.Context, days []MetricDay, fills []FillCount) error
	// InsertMetricLines keeps lines put on backorder at intake, after
	// ClearMetrics (a rebuild): each line's Backordered and its state.
	// Intake needs no call: InsertOrders keeps each line's Backordered as
	// its units backordered at intake. ECONFLICT if a line's state is kept
	// already; an error if a line does not exist.
	InsertMetricLines(ctx context.Context, ls []MetricLine) error
	// SaveMetricLines writes the Waiting, Filled, Shipped and Cancelled of kept lines.
	SaveMetricLines(ctx context.Context, ls []*MetricLine) error
	// AddMetricFills moves each fill's Units of its kept line from Waiting
	// to Filled, the line's state being intake's (Intake units waiting)
	// while none is kept; one fill per line.
	AddMetricFills(ctx context.Context, fs []MetricFill) error
	// MetricLines returns the kept lines of the given orders.
	MetricLines(ctx context.Context, orderIDs []string) ([]MetricLine, error)
	// MetricLinesByID returns the kept lines of those IDs (lines not kept
	// are left out).
	MetricLinesByID(ctx context.Context, lineIDs []int64) ([]MetricLine, error)
	// MetricDays sums the counters of the rows whose keys are in the
	// range's spans (MetricRange.Spans: days and whole months), per SKU and
	// currency (Day ""), the shop's row (SKU "") included when the range
	// is not of one SKU.
	MetricDays(ctx context.Context, r MetricRange) ([]MetricDay, error)
	// FillCounts sums the fill-time histograms of the rows whose keys are
	// in the range's spans, per SKU, kind and bucket (Day "").
	FillCounts(ctx context.Context, r MetricRange) ([]FillCount, error)
	// DailyMetrics sums the counters of each day From to To of the range
	// (its SKU is not read) over the currencies: per day, the shop's row
	// (SKU "") and the sum of every SKU's rows (SKU "*"), in day order.
	DailyMetrics(ctx context.Context, r MetricRange) ([]MetricDay, error)
	// WaitingTotals sums the waiting lines (backordered > 0) per SKU and
	// currency, in that order; of one SKU unless sku is "".
	WaitingTotals(ctx context.Context, sku string) ([]WaitingTotal, error)
	// WaitingOrders counts the orders with a waiting line (of the SKU unless "").
	WaitingOrders(ctx context.Context, sku string) (int64, error)
	// AllMetrics returns every stored counter and kept line, for the check.
	AllMetrics(ctx context.Context) (MetricAggregates, error)
	// ClearMetrics deletes every counter and kept line (before a rebuild).
	ClearMetrics(ctx context.Context) error
	// LastEventID is the ID of the newest outbox event, 0 with none.
	LastEventID(ctx context.Context) (int64, error)
}

// minorDigits are the ISO 4217 currencies whose minor unit is not a
// hundredth: the digits after the decimal point of their major unit.
var minorDigits = map[string]int{
	"BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0, "PYG": 0,
	"RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
	"BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3, "CLF": 4, "UYW": 4,
}

// MinorDigits is the number of decimal digits of a currency's minor unit
// (2 unless ISO 4217 says otherwise).
func MinorDigits(currency string) int {
	if d, ok := minorDigits[currency]; ok {
		return d
	}
	return 2
}

// FormatMajor writes an amount in minor units as a decimal number of major
// units, exactly (no floating point): 123456 USD is "1234.56", -5 USD
// "-0.05", 500 JPY "500".
func FormatMajor(amount int64, currency string) string {
	d := MinorDigits(currency)
	neg := amount < 0
	u := uint64(amount)
	if neg {
		u = -u
	}
	s := strconv.FormatUint(u, 10)
	if d > 0 {
		if len(s) <= d {
			s = strings.Repeat("0", d-len(s)+1) + s
		}
		s = s[:len(s)-d] + "." + s[len(s)-d:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// MajorUnits is an amount in major units as a float, for gauges only.
func MajorUnits(m Money) float64 {
	f, _ := strconv.ParseFloat(FormatMajor(m.Amount, m.Currency), 64)
	return f
}
