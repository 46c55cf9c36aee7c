package backorder

import (
	"fmt"
	"time"
)

// SplitAuto is the split policy that decides by cost and wait (DecideSplit):
// ship what is there now when the rest is far off and one more shipment is
// cheap against the order's value; otherwise wait and ship complete. The
// decision is stored as the order's split choice, so every flow that plans
// fulfillment requests follows it.
const SplitAuto = "auto"

// The reasons of an auto split decision.
const (
	AutoNothingWaits = "nothing_waits"       // no unit waits: the order ships whole either way
	AutoWaitShort    = "wait_short"          // the rest is promised within wait_days: wait for it
	AutoShipmentCost = "shipment_too_costly" // the rest is far off, but one more shipment costs too much
	AutoShipNow      = "wait_long_cheap"     // the rest is far off (or undated) and one more shipment is cheap
)

// Defaults of the auto split thresholds.
const (
	DefaultAutoWaitDays          = 7
	DefaultAutoShipmentCostCents = 500
	DefaultAutoMaxCostPercent    = 10
)

// AutoSplitSettings are the thresholds of the auto split policy: WaitDays
// is how far off the rest's promise date must be (more than it, or unknown)
// to ship in parts; ShipmentCostCents is what one shipment costs, in minor
// units; MaxCostPercent the share of the order's value one more shipment
// must cost less than. A field left out takes its default.
type AutoSplitSettings struct {
	WaitDays          *int   `json:"wait_days"`
	ShipmentCostCents *int64 `json:"shipment_cost_cents"`
	MaxCostPercent    *int   `json:"max_cost_percent"`
}

// AutoThresholds are AutoSplitSettings with every default applied.
type AutoThresholds struct {
	WaitDays          int
	ShipmentCostCents int64
	MaxCostPercent    int
}

// Thresholds returns the settings with each field left out defaulted.
func (a AutoSplitSettings) Thresholds() AutoThresholds {
	t := AutoThresholds{WaitDays: DefaultAutoWaitDays, ShipmentCostCents: DefaultAutoShipmentCostCents, MaxCostPercent: DefaultAutoMaxCostPercent}
	if a.WaitDays != nil {
		t.WaitDays = *a.WaitDays
	}
	if a.ShipmentCostCents != nil {
		t.ShipmentCostCents = *a.ShipmentCostCents
	}
	if a.MaxCostPercent != nil {
		t.MaxCostPercent = *a.MaxCostPercent
	}
	return t
}

// Filled is a with every field set (Thresholds).
func (a AutoSplitSettings) Filled() AutoSplitSettings {
	t := a.Thresholds()
	return AutoSplitSettings{WaitDays: &t.WaitDays, ShipmentCostCents: &t.ShipmentCostCents, MaxCostPercent: &t.MaxCostPercent}
}

// MaxAutoWaitDays bounds wait_days.
const MaxAutoWaitDays = 3650

func (a AutoSplitSettings) validate() error {
	if a.WaitDays != nil && (*a.WaitDays < 0 || *a.WaitDays > MaxAutoWaitDays) {
		return FieldErrorf(EINVALID, "auto_split.wait_days", "Wait days must be between 0 and %d.", MaxAutoWaitDays)
	}
	if a.ShipmentCostCents != nil && (*a.ShipmentCostCents < 0 || *a.ShipmentCostCents > MaxPriceCents) {
		return FieldErrorf(EINVALID, "auto_split.shipment_cost_cents", "Shipment cost must be between 0 and %d minor units.", int64(MaxPriceCents))
	}
	if a.MaxCostPercent != nil && (*a.MaxCostPercent < 0 || *a.MaxCostPercent > 100) {
		return FieldErrorf(EINVALID, "auto_split.max_cost_percent", "Max cost percent must be between 0 and 100.")
	}
	return nil
}

// SplitDecision is an auto split decision as recorded on the order: the
// choice (ship_available or ship_complete), why, the rest's promise date it
// read ("" when unknown or nothing waits), the order's value and when it
// was taken.
type SplitDecision struct {
	Choice     string    `json:"choice"`
	Reason     string    `json:"reason"`
	RestETA    string    `json:"rest_eta,omitempty"`
	ValueCents int64     `json:"value_cents"`
	DecidedAt  time.Time `json:"decided_at"`
	Message    string    `json:"message"`
}

// OrderValue is the value of an order's units not cancelled, in minor
// units: each line's price (taken from the product at intake) times its
// units.
func OrderValue(o *Order) int64 {
	var v int64
	for _, l := range o.Lines {
		v += (l.Quantity - l.Cancelled) * l.PriceCents
	}
	return v
}

// restETA is the promise date of an order's waiting units: the latest of
// its waiting lines' dates, unknown ("", false) when one of them has none,
// and ("", true) when nothing waits.
func restETA(o *Order) (date string, known bool, waits bool) {
	known = true
	for _, l := range o.Lines {
		if l.Backordered == 0 {
			continue
		}
		waits = true
		if l.ETA == nil || l.ETA.Date == "" {
			known = false
			continue
		}
		date = max(date, l.ETA.Date)
	}
	if !known {
		date = ""
	}
	return date, known, waits
}

// DecideSplit decides how an order under the auto split policy ships, on
// day (the store clock's calendar day): ship what is there now
// (ship_available) when the rest's promise date is more than t.WaitDays
// days after day, or unknown, and one more shipment costs less than
// t.MaxCostPercent percent of the order's value (OrderValue); otherwise
// wait and ship complete. An order with nothing waiting ships whole.
func DecideSplit(o *Order, t AutoThresholds, day time.Time) SplitDecision {
	d := SplitDecision{ValueCents: OrderValue(o)}
	date, known, waits := restETA(o)
	d.RestETA = date
	if !waits {
		d.Choice, d.Reason, d.Message = SplitShipAvailable, AutoNothingWaits, "No unit waits: the order ships whole."
		return d
	}
	far := !known
	wait := "an unknown date"
	if known {
		due, err := time.Parse(DateLayout, date)
		days := 0
		if err == nil {
			days = int(due.Sub(day.UTC().Truncate(24*time.Hour)).Hours() / 24)
		}
		far = days > t.WaitDays
		wait = fmt.Sprintf("%s, %d days away", date, days)
	}
	if !far {
		d.Choice, d.Reason = SplitShipComplete, AutoWaitShort
		d.Message = fmt.Sprintf("The rest is promised for %s, within %d days: wait and ship complete.", wait, t.WaitDays)
		return d
	}
	// cost < percent% of value, in integers: cost×100 < percent×value.
	if t.ShipmentCostCents*100 >= int64(t.MaxCostPercent)*d.ValueCents {
		d.Choice, d.Reason = SplitShipComplete, AutoShipmentCost
		d.Message = fmt.Sprintf("The rest waits for %s, but one more shipment (%d) costs at least %d%% of the order's value (%d): wait and ship complete.", wait, t.ShipmentCostCents, t.MaxCostPercent, d.ValueCents)
		return d
	}
	d.Choice, d.Reason = SplitShipAvailable, AutoShipNow
	d.Message = fmt.Sprintf("The rest waits for %s, and one more shipment (%d) costs less than %d%% of the order's value (%d): ship what is there now.", wait, t.ShipmentCostCents, t.MaxCostPercent, d.ValueCents)
	return d
}

// SameDecision reports whether two decisions would read the same on the
// order: the same choice, reason, promise date and value.
func SameDecision(a, b *SplitDecision) bool {
	return a != nil && b != nil && a.Choice == b.Choice && a.Reason == b.Reason && a.RestETA == b.RestETA && a.ValueCents == b.ValueCents
}

// fillEnd sets what settings stored before the auto split thresholds, the
// stale policy and the reason codes were read as: their defaults.
func (s *Settings) fillEnd() {
	s.AutoSplit = s.AutoSplit.Filled()
	if s.Stale.Action == "" {
		s.Stale.Action = StaleReview
	}
	if len(s.CancelReasons) == 0 {
		s.CancelReasons = DefaultCancelReasons()
	}
}
