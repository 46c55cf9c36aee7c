package backorder

import (
	"slices"
	"time"
)

// Fulfillment states as stored. On the wire an open request is "ready" once
// its hold date has passed and "held" before it.
const (
	FulfillmentOpen      = "open"
	FulfillmentReady     = "ready"
	FulfillmentHeld      = "held"
	FulfillmentShipped   = "shipped"
	FulfillmentCancelled = "cancelled"
)

// Fulfillment is a request to the warehouse to ship allocated units of one
// order. Once shipped it carries the carrier, tracking and estimated delivery.
type Fulfillment struct {
	ID        int64  `json:"id"`
	OrderID   string `json:"order_id"`
	State     string `json:"-"`
	Status    string `json:"status"`
	HoldUntil string `json:"hold_until,omitempty"`
	// HoldReason holds an open request whatever its date (HoldPaymentFailed).
	HoldReason string `json:"hold_reason,omitempty"`
	// SplitFrom is the request this one is the remainder of, when part of
	// that one shipped.
	SplitFrom int64 `json:"split_from,omitempty"`
	// RemainderID is, in the answer of a partial shipment, the new request
	// that holds what did not ship.
	RemainderID       int64             `json:"remainder_id,omitempty"`
	CreatedAt         time.Time         `json:"created_at"`
	ShippedAt         *time.Time        `json:"shipped_at,omitempty"`
	Carrier           string            `json:"carrier,omitempty"`
	Tracking          string            `json:"tracking,omitempty"`
	EstimatedDelivery string            `json:"estimated_delivery,omitempty"`
	Lines             []FulfillmentLine `json:"lines"`
}

// FulfillmentLine is the part of one order line a fulfillment ships.
type FulfillmentLine struct {
	LineID   int64  `json:"line_id"`
	SKU      string `json:"sku"`
	Quantity int64  `json:"quantity"`

	line *Line // set by PlanFulfillment, for lines not yet stored
}

// relink copies line IDs into a planned fulfillment once its lines are stored.
func (f *Fulfillment) relink() {
	for i := range f.Lines {
		if l := f.Lines[i].line; l != nil {
			f.Lines[i].LineID = l.ID
		}
	}
}

// DeriveStatus is the wire status of a fulfillment at now: an open request
// is held while it has a hold reason or its hold date is after today, and
// ready otherwise.
func (f *Fulfillment) DeriveStatus(now time.Time) string {
	if f.State != FulfillmentOpen {
		return f.State
	}
	if f.HoldReason != "" {
		return FulfillmentHeld
	}
	if f.HoldUntil > now.Format(DateLayout) { // "" (no hold) is before every date
		return FulfillmentHeld
	}
	return FulfillmentReady
}

// FulfillmentFilter selects fulfillments by what a caller sees: Status is a
// wire status (ready, held, shipped, cancelled; "" for all).
type FulfillmentFilter struct {
	OrderID string
	Status  string
	After   int64
	Limit   int
}

// query is the filter as stored values at now: the ready and held statuses
// become hold dates on or before, or after, today, as Resolve decides them.
func (f FulfillmentFilter) query(now time.Time) (FulfillmentQuery, error) {
	q := FulfillmentQuery{OrderID: f.OrderID, After: f.After, Limit: f.Limit}
	today := now.Format(DateLayout)
	switch f.Status {
	case "":
	case FulfillmentReady:
		q.State, q.HeldThrough = FulfillmentOpen, today
	case FulfillmentHeld:
		q.State, q.HeldAfter = FulfillmentOpen, today
	case FulfillmentShipped, FulfillmentCancelled:
		q.State = f.Status
	default:
		return q, FieldErrorf(EINVALID, "status", "Status must be ready, held, shipped or cancelled.")
	}
	return q, nil
}

// FulfillmentQuery selects stored fulfillments; a zero field selects all.
type FulfillmentQuery struct {
	OrderID string
	SKU     string // requests with a line of this SKU
	State   string // open, shipped or cancelled
	// HeldThrough selects requests without a hold reason whose hold date is
	// empty or on or before this date; HeldAfter those with a hold reason or
	// whose hold date is after it (YYYY-MM-DD).
	HeldThrough string
	HeldAfter   string
	After       int64
	Limit       int
}

// Shipment is the body that marks a fulfillment shipped.
type Shipment struct {
	Carrier           string `json:"carrier"`
	Tracking          string `json:"tracking"`
	EstimatedDelivery string `json:"estimated_delivery,omitempty"`
	// Lines are the units that shipped when fewer than requested
	// (SplitShipment); none ships the whole request.
	Lines []ShipLine `json:"lines,omitempty"`
}

// Validate checks a shipment.
func (s *Shipment) Validate() error {
	if s.Carrier == "" || len(s.Carrier) > MaxIDLength {
		return FieldErrorf(EINVALID, "carrier", "Carrier is required, at most %d bytes.", MaxIDLength)
	}
	if s.Tracking == "" || len(s.Tracking) > MaxIDLength {
		return FieldErrorf(EINVALID, "tracking", "Tracking is required, at most %d bytes.", MaxIDLength)
	}
	if s.EstimatedDelivery != "" {
		if _, err := time.Parse(DateLayout, s.EstimatedDelivery); err != nil {
			return FieldErrorf(EINVALID, "estimated_delivery", "Estimated delivery must be a date as YYYY-MM-DD.")
		}
	}
	return validateShipLines(s.Lines)
}

// PlanFulfillment returns the fulfillment requests an order should gain now:
// the allocated units not yet requested, as the order's split policy allows.
// Ship-available requests them at once; ship-complete, and customer-choice
// before the customer chooses, wait until no unit of the order is backordered.
// Units with different release dates (pre-orders) go in separate requests, each
// held until its date. It sets Fulfilling on the lines it requests.
func PlanFulfillment(o *Order, now time.Time) []*Fulfillment {
	var pending, backordered int64
	for _, l := range o.Lines {
		pending += l.Allocated - l.Fulfilling
		backordered += l.Backordered
	}
	if pending == 0 {
		return nil
	}
	if o.EffectiveSplit() != SplitShipAvailable && backordered > 0 {
		return nil
	}
	var out []*Fulfillment // one per hold date; an order has few
	for _, l := range o.Lines {
		q := l.Allocated - l.Fulfilling
		if q <= 0 {
			continue
		}
		var f *Fulfillment
		for _, g := range out {
			if g.HoldUntil == l.AvailableFrom {
				f = g
				break
			}
		}
		if f == nil {
			f = &Fulfillment{OrderID: o.ID, State: FulfillmentOpen, HoldUntil: l.AvailableFrom, CreatedAt: now}
			out = append(out, f)
		}
		f.Lines = append(f.Lines, FulfillmentLine{LineID: l.ID, SKU: l.SKU, Quantity: q, line: l})
		l.Fulfilling += q
	}
	slices.SortFunc(out, func(a, b *Fulfillment) int {
		if a.HoldUntil < b.HoldUntil {
			return -1
		} else if a.HoldUntil > b.HoldUntil {
			return 1
		}
		return 0
	})
	for _, f := range out {
		f.Status = f.DeriveStatus(now)
	}
	return out
}

// HoldUntil returns the date a fulfillment request of these lines ships from:
// the latest ship-from date among them, given by line ID in from ("": none is
// held, it may ship now). Dates are YYYY-MM-DD, so the latest is the greatest.
func HoldUntil(lines []FulfillmentLine, from map[int64]string) string {
	var hold string
	for _, l := range lines {
		hold = max(hold, from[l.LineID])
	}
	return hold
}
