package backorder

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"time"
)

// The bases of a promise date.
const (
	BasisPurchaseOrder = "purchase_order" // open inbound supply covers the line
	BasisLeadTime      = "lead_time"      // no open supply covers it; the product's or supplier's lead time
	BasisNone          = "none"           // neither: the date is unknown
)

// The margins of a promise, unless the settings say otherwise
// (PromiseSettings).
const (
	// DefaultBufferDays is a supplier's buffer while it has delivered too
	// few lines in full to measure (fewer than MinReliabilitySample).
	DefaultBufferDays    = 3
	MinReliabilitySample = 5
	// BufferPercentile is the share, in percent, of a supplier's lines
	// whose lateness its buffer covers.
	BufferPercentile = 85
	// HandlingDays is the days from arrival to shipping.
	HandlingDays = 1
)

// PromiseSettings are the shop's margins on a promise date: a supplier's
// buffer (BufferDays: the lateness that BufferPercentile percent of its
// lines came within, once it has delivered MinReliabilitySample lines in
// full, and DefaultBufferDays before that), and the handling days from
// arrival to shipping. A field left out takes the package default.
type PromiseSettings struct {
	DefaultBufferDays    *int `json:"default_buffer_days"`
	MinReliabilitySample *int `json:"min_reliability_sample"`
	BufferPercentile     *int `json:"buffer_percentile"`
	HandlingDays         *int `json:"handling_days"`
}

// Margins are PromiseSettings with every default applied.
type Margins struct {
	DefaultBufferDays, MinReliabilitySample, BufferPercentile, HandlingDays int
}

// Margins returns the settings with each field left out defaulted.
func (p PromiseSettings) Margins() Margins {
	or := func(v *int, d int) int {
		if v == nil {
			return d
		}
		return *v
	}
	return Margins{
		DefaultBufferDays:    or(p.DefaultBufferDays, DefaultBufferDays),
		MinReliabilitySample: or(p.MinReliabilitySample, MinReliabilitySample),
		BufferPercentile:     or(p.BufferPercentile, BufferPercentile),
		HandlingDays:         or(p.HandlingDays, HandlingDays),
	}
}

// Filled is p with every field set (Margins).
func (p PromiseSettings) Filled() PromiseSettings {
	m := p.Margins()
	return PromiseSettings{DefaultBufferDays: &m.DefaultBufferDays, MinReliabilitySample: &m.MinReliabilitySample,
		BufferPercentile: &m.BufferPercentile, HandlingDays: &m.HandlingDays}
}

// MaxPromiseMarginDays bounds the buffer and the handling days.
const MaxPromiseMarginDays = 365

func (p PromiseSettings) validate() error {
	for _, f := range []struct {
		name     string
		v        *int
		min, max int
	}{
		{"promises.default_buffer_days", p.DefaultBufferDays, 0, MaxPromiseMarginDays},
		{"promises.min_reliability_sample", p.MinReliabilitySample, 1, 10000},
		{"promises.buffer_percentile", p.BufferPercentile, 1, 100},
		{"promises.handling_days", p.HandlingDays, 0, MaxPromiseMarginDays},
	} {
		if f.v != nil && (*f.v < f.min || *f.v > f.max) {
			return FieldErrorf(EINVALID, f.name, "Must be between %d and %d.", f.min, f.max)
		}
	}
	return nil
}

// ETA is the date a waiting line is promised to ship, and what the promise
// rests on. Date is empty when it is unknown, and Reason then says why.
type ETA struct {
	Date            string `json:"date,omitempty"`
	Basis           string `json:"basis"`
	PurchaseOrderID int64  `json:"purchase_order_id,omitempty"`
	Reason          string `json:"reason,omitempty"`
}

// Inbound is open supply of one SKU: the units still to arrive on one
// purchase order line, when they are expected, and the days of margin the
// promise adds for its supplier (Buffer).
type Inbound struct {
	PurchaseOrderID int64
	ExpectedAt      string
	Units           int64
	BufferDays      int
}

// BufferDays is the margin a promise adds for a supplier: the lateness
// that m.BufferPercentile percent of its lines came within
// (LatenessPercentile), rounded up, once it has delivered at least
// m.MinReliabilitySample lines in full. Before that it is
// m.DefaultBufferDays, or the most the supplier has been late so far if
// that is more: a few deliveries cannot show it to be reliable, but one can
// show it late.
func BufferDays(r Reliability, m Margins) int {
	if r.Sample < m.MinReliabilitySample {
		if worst := r.LatenessPercentile(100); worst != nil {
			return max(m.DefaultBufferDays, int(math.Ceil(*worst)))
		}
		return m.DefaultBufferDays
	}
	late := r.LatenessPercentile(m.BufferPercentile)
	return int(math.Ceil(*late))
}

// SupplyPlan is what one SKU's promise dates rest on: its open inbound supply
// (taken earliest expected first; it need not be sorted), the units arrived
// but not yet allocated (Available), which cover the first lines today, the
// lead time that dates a line no supply covers (nil: unknown) with its
// buffer, and the handling days from arrival to shipping.
type SupplyPlan struct {
	Inbound        []Inbound
	Available      int64
	LeadTimeDays   *int
	LeadBufferDays int
	HandlingDays   int
}

// Promiser dates the waiting lines of one SKU one after another in fill
// order, so that a queue of any length is dated a page at a time.
type Promiser struct {
	plan    SupplyPlan
	today   time.Time
	supply  []Inbound
	covered int64 // units covered so far, cumulatively
	need    int64 // units waiting so far, cumulatively
	next    int   // the next supply to take
}

// NewPromiser starts dating a SKU's queue from its first line.
func NewPromiser(plan SupplyPlan, today time.Time) *Promiser {
	supply := make([]Inbound, 0, len(plan.Inbound))
	for _, in := range plan.Inbound {
		if in.Units > 0 {
			supply = append(supply, in)
		}
	}
	sortInbound(supply)
	return &Promiser{plan: plan, today: today, supply: supply, covered: max(plan.Available, 0)}
}

// Next dates the next line of the queue, waiting for units: the day the
// supply that covers its last unit is expected (today when units already
// here cover it, and never before today), plus that supply's buffer and the
// handling days. A line no supply covers is dated from today by the lead
// time and its buffer, or has no date. A pre-order line (availableFrom, a
// release date) never ships before its release.
func (p *Promiser) Next(units int64, availableFrom string) ETA {
	e := p.next1(units)
	if availableFrom != "" && e.Date != "" && availableFrom > e.Date {
		e.Date = availableFrom
	}
	return e
}

func (p *Promiser) next1(units int64) ETA {
	p.need += units
	for p.covered < p.need && p.next < len(p.supply) {
		p.covered += p.supply[p.next].Units
		p.next++
	}
	switch {
	case p.covered >= p.need && p.next == 0:
		// Units already here: ships as soon as it is handled.
		return ETA{Date: addDays(p.today, p.plan.HandlingDays), Basis: BasisPurchaseOrder}
	case p.covered >= p.need:
		in := p.supply[p.next-1]
		d, err := time.Parse(DateLayout, in.ExpectedAt)
		if err != nil {
			return ETA{Basis: BasisNone, Reason: "The purchase order's expected date is not a date."}
		}
		if d.Before(p.today) {
			d = p.today // overdue supply is promised from today, never in the past
		}
		return ETA{Date: addDays(d, in.BufferDays+p.plan.HandlingDays), Basis: BasisPurchaseOrder, PurchaseOrderID: in.PurchaseOrderID}
	case p.plan.LeadTimeDays != nil:
		return ETA{Date: addDays(p.today, *p.plan.LeadTimeDays+p.plan.LeadBufferDays+p.plan.HandlingDays), Basis: BasisLeadTime}
	default:
		return ETA{Basis: BasisNone, Reason: ReasonNoSupply}
	}
}

// Exhausted reports whether every unit of supply has been counted against
// the lines dated so far and the last of them was left uncovered: every
// line after it is dated by the lead time or not at all.
func (p *Promiser) Exhausted() bool { return p.next == len(p.supply) && p.covered < p.need }

// ReasonNoSupply is why a line no supply covers, of a product with no lead
// time, has no date.
const ReasonNoSupply = "No open purchase order covers it and no lead time is known."

// PromiseDates dates the waiting lines of one SKU, given in fill order as
// the units each waits for (Promiser.Next, with no pre-orders).
func PromiseDates(waiting []int64, available int64, inbound []Inbound, leadTimeDays *int, leadBufferDays, handlingDays int, today time.Time) []ETA {
	p := NewPromiser(SupplyPlan{Inbound: inbound, Available: available, LeadTimeDays: leadTimeDays, LeadBufferDays: leadBufferDays, HandlingDays: handlingDays}, today)
	out := make([]ETA, len(waiting))
	for i, w := range waiting {
		out[i] = p.Next(w, "")
	}
	return out
}

// Repromise decides a waiting line's promise from the one it has (nil:
// none yet) and the date its place in the queue gives it today (computed).
// A lead-time estimate stands while no purchase order covers the line and
// its date has not passed: it was made when the line was dated, and sliding
// it a day each day would be no promise at all. Otherwise the computed date
// is the promise. changed reports whether the promised date moved (or the
// line had none).
func Repromise(had *ETA, computed ETA, today time.Time) (promise ETA, changed bool) {
	if had != nil && had.Basis == BasisLeadTime && computed.Basis == BasisLeadTime && had.Date >= today.Format(DateLayout) {
		return *had, false
	}
	return computed, had == nil || had.Date != computed.Date
}

// OrderETA is an order's promise date from its waiting lines' (those with
// backordered units): with ship_available, the next shipment's (the
// earliest); an order that ships complete, or waits for the customer's
// choice, ships with its last line (the latest, and unknown if any is).
// Nil when no line waits.
func OrderETA(o *Order) *ETA {
	var out *ETA
	complete := o.EffectiveSplit() != SplitShipAvailable
	for _, l := range o.Lines {
		if l.Backordered == 0 || l.ETA == nil {
			continue
		}
		e := l.ETA
		switch {
		case out == nil:
			out = e
		case complete && (out.Date == "" || e.Date == ""):
			if e.Date == "" {
				out = e
			}
		case complete && e.Date > out.Date, !complete && e.Date != "" && (out.Date == "" || e.Date < out.Date):
			out = e
		}
	}
	if out == nil {
		return nil
	}
	c := *out
	return &c
}

// sortInbound orders supply earliest expected first, then by purchase
// order, so that equal inputs give equal promises.
func sortInbound(in []Inbound) {
	slices.SortFunc(in, func(a, b Inbound) int {
		return cmp.Or(cmp.Compare(a.ExpectedAt, b.ExpectedAt), cmp.Compare(a.PurchaseOrderID, b.PurchaseOrderID))
	})
}

func addDays(t time.Time, days int) string { return t.AddDate(0, 0, days).Format(DateLayout) }

// The availability a storefront shows for a product.
const (
	AvailableInStock     = "in_stock"
	AvailableBackorder   = "backorder"
	AvailablePreorder    = "preorder"
	AvailableUnavailable = "unavailable"
)

// Availability is what a storefront can print for a product as it is: in
// stock; on backorder with the date the next unit ordered would ship; a
// pre-order with its release date; or unavailable, with the rule that
// stops a backorder.
type Availability struct {
	Status      string `json:"status"`
	Label       string `json:"label"`
	ETA         *ETA   `json:"eta,omitempty"`
	ReleaseDate string `json:"release_date,omitempty"`
	Rule        string `json:"rule,omitempty"`
}

// ProductAvailability decides a product's availability for one more unit:
// next is the promise date such a unit would get on backorder. p must be
// resolved (Product.Resolve).
func ProductAvailability(p *Product, next ETA, now time.Time) Availability {
	if p.IsPreorder(now) {
		return Availability{Status: AvailablePreorder, Label: "Pre-order – ships from " + p.ReleaseDate, ReleaseDate: p.ReleaseDate}
	}
	if p.Stock.Available() > 0 {
		return Availability{Status: AvailableInStock, Label: "In stock"}
	}
	if rule, _ := backorderRule(p, p.Effective, 1, 0, now); rule != "" {
		return Availability{Status: AvailableUnavailable, Label: "Unavailable", Rule: rule}
	}
	a := Availability{Status: AvailableBackorder, Label: "Backorder – ship date to follow", ETA: &next}
	if d, err := time.Parse(DateLayout, next.Date); err == nil {
		a.Label = "Backorder – ships " + shipsIn(d.Sub(now.UTC().Truncate(24*time.Hour)))
	}
	return a
}

// shipsIn words a wait as a shop would: "in about 3 weeks".
func shipsIn(d time.Duration) string {
	days := int(math.Round(d.Hours() / 24))
	switch {
	case days <= 1:
		return "tomorrow"
	case days < 14:
		return fmt.Sprintf("in about %d days", days)
	case days < 60:
		return fmt.Sprintf("in about %d weeks", int(math.Round(float64(days)/7)))
	default:
		return fmt.Sprintf("in about %d months", int(math.Round(float64(days)/30)))
	}
}

// StoredETA is a promise as a store keeps it: its date ("" when unknown),
// basis and purchase order (0 for none), with the reason an unknown date
// has.
func StoredETA(date, basis string, purchaseOrderID int64) *ETA {
	e := &ETA{Date: date, Basis: basis, PurchaseOrderID: purchaseOrderID}
	if date == "" {
		e.Reason = ReasonNoSupply
	}
	return e
}
