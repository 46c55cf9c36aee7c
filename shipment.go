package backorder

import "fmt"

// ShipLine names units of a fulfillment request that shipped: a line by ID
// or the request's lines of a SKU, and the units that left.
type ShipLine struct {
	LineID   int64  `json:"line_id,omitempty"`
	SKU      string `json:"sku,omitempty"`
	Quantity int64  `json:"quantity"`
}

// HoldPaymentFailed is the hold reason of a request held because a capture
// of its order failed; it is lifted when a capture succeeds.
const HoldPaymentFailed = "payment_failed"

// validateShipLines checks the shape of the lines of a shipment.
func validateShipLines(ls []ShipLine) error {
	if len(ls) > MaxOrderLines {
		return FieldErrorf(EINVALID, "lines", "A shipment may name at most %d lines.", MaxOrderLines)
	}
	for i, l := range ls {
		f := fmt.Sprintf("lines[%d]", i)
		if (l.LineID == 0) == (l.SKU == "") {
			return FieldErrorf(EINVALID, f+".line_id", "Name exactly one of line_id or sku.")
		}
		if l.LineID < 0 {
			return FieldErrorf(EINVALID, f+".line_id", "Line ID must be positive.")
		}
		if l.Quantity < 1 || l.Quantity > MaxLineQuantity {
			return FieldErrorf(EINVALID, f+".quantity", "Quantity must be between 1 and %d.", MaxLineQuantity)
		}
	}
	return nil
}

// SplitShipment divides a fulfillment request's lines into the units that
// shipped, as the warehouse names them, and the remainder that did not.
// No lines ship the whole request. A SKU named for a request that holds it
// on several lines takes their units in the request's line order. Returns
// EINVALID naming the field for a line or SKU the request does not hold and
// for more units than it holds.
func SplitShipment(f *Fulfillment, ls []ShipLine) (shipped, remainder []FulfillmentLine, err error) {
	if len(ls) == 0 {
		return append([]FulfillmentLine(nil), f.Lines...), nil, nil
	}
	left := make([]int64, len(f.Lines))
	for i, fl := range f.Lines {
		left[i] = fl.Quantity
	}
	for i, s := range ls {
		field := fmt.Sprintf("lines[%d]", i)
		var idx []int
		for j, fl := range f.Lines {
			if (s.LineID != 0 && fl.LineID == s.LineID) || (s.LineID == 0 && fl.SKU == s.SKU) {
				idx = append(idx, j)
			}
		}
		if len(idx) == 0 {
			if s.LineID != 0 {
				return nil, nil, FieldErrorf(EINVALID, field+".line_id", "Fulfillment %d holds no units of line %d.", f.ID, s.LineID)
			}
			return nil, nil, FieldErrorf(EINVALID, field+".sku", "Fulfillment %d holds no units of SKU %q.", f.ID, s.SKU)
		}
		var holds int64
		for _, j := range idx {
			holds += left[j]
		}
		if s.Quantity > holds {
			return nil, nil, FieldErrorf(EINVALID, field+".quantity", "Cannot ship %d units: the request holds %d not named already.", s.Quantity, holds)
		}
		q := s.Quantity
		for _, j := range idx {
			take := min(q, left[j])
			left[j] -= take
			q -= take
		}
	}
	for i, fl := range f.Lines {
		if n := fl.Quantity - left[i]; n > 0 {
			shipped = append(shipped, FulfillmentLine{LineID: fl.LineID, SKU: fl.SKU, Quantity: n})
		}
		if left[i] > 0 {
			remainder = append(remainder, FulfillmentLine{LineID: fl.LineID, SKU: fl.SKU, Quantity: left[i]})
		}
	}
	return shipped, remainder, nil
}
