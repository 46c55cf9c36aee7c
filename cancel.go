package backorder

import (
	"fmt"
	"strings"
)

// CancelRequest is the body of a cancellation: the whole order when Lines is
// empty, otherwise some units of some lines. ReasonCode is one of the
// settings' reason codes (CancelReasonCodes); empty records other.
type CancelRequest struct {
	Reason     string       `json:"reason"`
	ReasonCode string       `json:"reason_code,omitempty"`
	Lines      []CancelLine `json:"lines,omitempty"`

	// waitingOnly limits each named line to its units still waiting when
	// the cancellation runs, and drops the lines with none (the stale
	// policy cancels waiting units only).
	waitingOnly bool
}

// CancelLine names units to cancel: a line by ID or the order's lines of a
// SKU, and a quantity (0 or omitted: every open unit).
type CancelLine struct {
	LineID   int64  `json:"line_id,omitempty"`
	SKU      string `json:"sku,omitempty"`
	Quantity int64  `json:"quantity,omitempty"`
}

// Validate checks the shape of a cancellation.
func (r *CancelRequest) Validate() error {
	if strings.TrimSpace(r.Reason) == "" {
		return FieldErrorf(EINVALID, "reason", "Reason is required.")
	} else if len(r.Reason) > MaxTextLength {
		return FieldErrorf(EINVALID, "reason", "Reason must be at most %d bytes.", MaxTextLength)
	}
	if len(r.Lines) > MaxOrderLines {
		return FieldErrorf(EINVALID, "lines", "A cancellation may name at most %d lines.", MaxOrderLines)
	}
	for i, l := range r.Lines {
		f := fmt.Sprintf("lines[%d]", i)
		if (l.LineID == 0) == (l.SKU == "") {
			return FieldErrorf(EINVALID, f+".line_id", "Name exactly one of line_id or sku.")
		}
		if l.LineID < 0 {
			return FieldErrorf(EINVALID, f+".line_id", "Line ID must be positive.")
		}
		if l.Quantity < 0 || l.Quantity > MaxLineQuantity {
			return FieldErrorf(EINVALID, f+".quantity", "Quantity must be between 1 and %d, or omitted for every open unit.", MaxLineQuantity)
		}
	}
	return nil
}

// LineCancel is what a cancellation takes from one line: waiting units, and
// allocated units (of which FromFulfilling were in open fulfillment requests).
type LineCancel struct {
	Line           *Line
	Backordered    int64
	Allocated      int64
	FromFulfilling int64
}

// PlanCancel decides which units of an order a cancellation takes. Backordered
// units go first, then allocated units not yet requested for shipping, then
// units in open fulfillment requests, across all the lines a cancellation
// names at once (an order may have several lines of one SKU). Shipped units
// are never cancelled.
// Returns ECONFLICT when the order (or a named line) has fewer open units than
// asked for, and ENOTFOUND for a line or SKU that is not on the order.
func PlanCancel(o *Order, r *CancelRequest) ([]LineCancel, error) {
	want := map[int64]int64{} // line ID -> units to cancel
	var order []int64
	add := func(l *Line, q int64) {
		if _, ok := want[l.ID]; !ok {
			order = append(order, l.ID)
		}
		want[l.ID] += q
	}
	byID := map[int64]*Line{}
	for _, l := range o.Lines {
		byID[l.ID] = l
	}
	if len(r.Lines) == 0 {
		for _, l := range o.Lines {
			if l.Open() > 0 {
				add(l, l.Open())
			}
		}
		if len(order) == 0 {
			return nil, Errorf(ECONFLICT, "Order %s has no open units to cancel (status %s).", o.ID, o.DeriveStatus())
		}
	}
	for i, c := range r.Lines {
		field := fmt.Sprintf("lines[%d]", i)
		var lines []*Line
		if c.LineID != 0 {
			l := byID[c.LineID]
			if l == nil {
				return nil, FieldErrorf(ENOTFOUND, field+".line_id", "Order %s has no line %d.", o.ID, c.LineID)
			}
			lines = []*Line{l}
		} else {
			for _, l := range o.Lines {
				if l.SKU == c.SKU {
					lines = append(lines, l)
				}
			}
			if len(lines) == 0 {
				return nil, FieldErrorf(ENOTFOUND, field+".sku", "Order %s has no line for SKU %q.", o.ID, c.SKU)
			}
		}
		var open int64
		for _, l := range lines {
			open += l.Open() - want[l.ID]
		}
		q := c.Quantity
		if q == 0 {
			q = open
		}
		if q == 0 || q > open {
			return nil, FieldErrorf(ECONFLICT, field+".quantity", "Cannot cancel %d units: only %d are open (not shipped or cancelled).", max(q, 1), open)
		}
		// Tier by tier across all the named lines: every waiting unit of
		// them before any allocated one, and allocated units not yet
		// requested before requested ones. So cancelling some units of a SKU
		// the order has on several lines releases no allocation while one of
		// those lines still waits (the release would only be allocated
		// again, perhaps to another customer).
		for _, tier := range cancelTiers {
			for _, l := range lines {
				if take := min(q, tier(l)-want[l.ID]); take > 0 {
					add(l, take)
					q -= take
				}
			}
		}
	}
	out := make([]LineCancel, 0, len(order))
	for _, id := range order {
		l, q := byID[id], want[id]
		c := LineCancel{Line: l}
		c.Backordered = min(q, l.Backordered)
		q -= c.Backordered
		c.Allocated = q
		c.FromFulfilling = max(0, q-(l.Allocated-l.Fulfilling))
		out = append(out, c)
	}
	return out, nil
}

// cancelTiers are the order in which a cancellation takes a line's open
// units, each as the units of the line it may have taken once its tier is
// done: waiting units, then allocated units not yet requested for shipping,
// then units in open fulfillment requests. LineCancel splits a line's units
// the same way.
var cancelTiers = []func(l *Line) int64{
	func(l *Line) int64 { return l.Backordered },
	func(l *Line) int64 { return l.Backordered + l.Allocated - l.Fulfilling },
	func(l *Line) int64 { return l.Open() },
}

// Apply moves the planned units to Cancelled on the line.
func (c LineCancel) Apply() {
	c.Line.Backordered -= c.Backordered
	c.Line.Allocated -= c.Allocated
	c.Line.Fulfilling -= c.FromFulfilling
	c.Line.Cancelled += c.Backordered + c.Allocated
}

// ReduceFulfillments takes n units of a line out of open fulfillment requests,
// newest first, and returns the requests it changed. A request line left with
// no units is dropped, and a request left with no lines is cancelled.
func ReduceFulfillments(open []*Fulfillment, lineID, n int64) []*Fulfillment {
	var changed []*Fulfillment
	for i := len(open) - 1; i >= 0 && n > 0; i-- {
		f := open[i]
		if f.State != FulfillmentOpen {
			continue
		}
		touched := false
		kept := f.Lines[:0]
		for _, fl := range f.Lines {
			if fl.LineID == lineID && n > 0 {
				q := min(fl.Quantity, n)
				fl.Quantity -= q
				n -= q
				touched = true
			}
			if fl.Quantity > 0 {
				kept = append(kept, fl)
			}
		}
		f.Lines = kept
		if touched {
			if len(kept) == 0 {
				f.State = FulfillmentCancelled
			}
			changed = append(changed, f)
		}
	}
	return changed
}
