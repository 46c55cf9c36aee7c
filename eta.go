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

// The margins of a promise.
const (
	// DefaultBufferDays is a supplier's buffer while it has delivered too
	// few lines in full to measure (fewer than MinReliabilitySample).
	DefaultBufferDays    = 3
	MinReliabilitySample = 5
	// HandlingDays is the days from arrival to shipping.
	HandlingDays = 1
)

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

// BufferDays is the margin a promise adds for a supplier: its 80th
// percentile lateness, rounded up, once it has delivered at least
// minSample lines in full, and defaultDays before that.
func BufferDays(r Reliability, minSample, defaultDays int) int {
	if r.Sample < minSample || r.P80LatenessDays == nil {
		return defaultDays
	}
	return int(math.Ceil(*r.P80LatenessDays))
}

// PromiseDates dates the waiting lines of one SKU, given in fill order as
// the units each waits for. Inbound supply is taken earliest expected first
// (it need not be sorted); a line's date is the day the supply that covers
// its last unit is expected, plus that supply's buffer and handlingDays.
// Units arrived but not yet allocated (available) cover the first lines
// today. A line no supply covers is dated from today by leadTimeDays (nil:
// no lead time known, and the date is unknown).
func PromiseDates(waiting []int64, available int64, inbound []Inbound, leadTimeDays *int, leadBufferDays, handlingDays int, today time.Time) []ETA {
	supply := make([]Inbound, 0, len(inbound))
	for _, in := range inbound {
		if in.Units > 0 {
			supply = append(supply, in)
		}
	}
	sortInbound(supply)
	out := make([]ETA, len(waiting))
	covered := max(available, 0) // units covered so far, cumulatively
	var need int64
	next := 0
	for i, w := range waiting {
		need += w
		for covered < need && next < len(supply) {
			covered += supply[next].Units
			next++
		}
		switch {
		case covered >= need && next == 0:
			// Units already here: ships as soon as it is handled.
			out[i] = ETA{Date: addDays(today, handlingDays), Basis: BasisPurchaseOrder}
		case covered >= need:
			in := supply[next-1]
			d, err := time.Parse(DateLayout, in.ExpectedAt)
			if err != nil {
				out[i] = ETA{Basis: BasisNone, Reason: "The purchase order's expected date is not a date."}
				continue
			}
			if d.Before(today) {
				d = today // overdue supply is promised from today, never in the past
			}
			out[i] = ETA{Date: addDays(d, in.BufferDays+handlingDays), Basis: BasisPurchaseOrder, PurchaseOrderID: in.PurchaseOrderID}
		case leadTimeDays != nil:
			out[i] = ETA{Date: addDays(today, *leadTimeDays+leadBufferDays+handlingDays), Basis: BasisLeadTime}
		default:
			out[i] = ETA{Basis: BasisNone, Reason: "No open purchase order covers it and no lead time is known."}
		}
	}
	return out
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
