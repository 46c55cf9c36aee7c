package backorder

import (
	"fmt"
	"strings"
	"time"
)

// The states of a purchase order.
const (
	POOpen      = "open"      // units may still arrive
	POReceived  = "received"  // every line arrived in full (or more)
	POCancelled = "cancelled" // what was still open will not come
)

// PurchaseOrder is inbound supply: units of SKUs ordered from a supplier,
// expected on a date, received in one or more deliveries.
type PurchaseOrder struct {
	ID          int64          `json:"id"`
	Reference   string         `json:"reference"`
	SupplierID  string         `json:"supplier_id"`
	ExpectedAt  string         `json:"expected_at"`
	Status      string         `json:"status"`
	Lines       []POLine       `json:"lines"`
	DateChanges []PODateChange `json:"date_changes"`
	Deliveries  []PODelivery   `json:"deliveries"`
	CreatedAt   time.Time      `json:"created_at"`
	UpdatedAt   time.Time      `json:"updated_at"`
}

// POLine is one SKU of a purchase order: the units ordered, received so far
// (more than ordered when the supplier over-delivers) and cancelled.
type POLine struct {
	ID        int64  `json:"id"`
	SKU       string `json:"sku"`
	Quantity  int64  `json:"quantity"`
	Received  int64  `json:"received"`
	Cancelled int64  `json:"cancelled"`
}

// Open is the units of the line still to arrive.
func (l POLine) Open() int64 { return max(l.Quantity-l.Received-l.Cancelled, 0) }

// PODateChange is one move of a purchase order's expected date.
type PODateChange struct {
	At   time.Time `json:"at"`
	From string    `json:"from"`
	To   string    `json:"to"`
}

// PODelivery is units of one SKU that arrived on a purchase order.
type PODelivery struct {
	At       time.Time `json:"at"`
	SKU      string    `json:"sku"`
	Quantity int64     `json:"quantity"`
}

// PromisedAt is the date the supplier first promised: the expected date
// before any move.
func (po *PurchaseOrder) PromisedAt() string {
	if len(po.DateChanges) > 0 {
		return po.DateChanges[0].From
	}
	return po.ExpectedAt
}

// PurchaseOrderRequest is the body of POST /v1/purchase-orders.
type PurchaseOrderRequest struct {
	Reference  string          `json:"reference"`
	SupplierID string          `json:"supplier_id"`
	ExpectedAt string          `json:"expected_at"`
	Lines      []POLineRequest `json:"lines"`
}

// POLineRequest is one SKU of a new purchase order, or of a delivery.
type POLineRequest struct {
	SKU      string `json:"sku"`
	Quantity int64  `json:"quantity"`
}

// Validate checks a new purchase order: a reference, a supplier, an
// expected date, and lines of distinct SKUs with positive quantities.
func (r *PurchaseOrderRequest) Validate() error {
	if strings.TrimSpace(r.Reference) == "" {
		return FieldErrorf(EINVALID, "reference", "Reference is required.")
	} else if len(r.Reference) > MaxTextLength {
		return FieldErrorf(EINVALID, "reference", "Reference must be at most %d bytes.", MaxTextLength)
	}
	if err := validateID("supplier_id", r.SupplierID); err != nil {
		return err
	}
	if _, err := time.Parse(DateLayout, r.ExpectedAt); err != nil {
		return FieldErrorf(EINVALID, "expected_at", "Expected date must be a date such as 2026-02-20.")
	}
	return validatePOLines(r.Lines, "A purchase order")
}

// validatePOLines checks the lines of a purchase order or of a delivery.
func validatePOLines(lines []POLineRequest, what string) error {
	if len(lines) == 0 {
		return FieldErrorf(EINVALID, "lines", "%s needs at least one line.", what)
	} else if len(lines) > MaxOrderLines {
		return FieldErrorf(EINVALID, "lines", "%s may have at most %d lines.", what, MaxOrderLines)
	}
	seen := map[string]bool{}
	for i, l := range lines {
		f := fmt.Sprintf("lines[%d]", i)
		if err := validateID(f+".sku", l.SKU); err != nil {
			return err
		}
		if seen[l.SKU] {
			return FieldErrorf(EINVALID, f+".sku", "SKU %q is on an earlier line; name each SKU once.", l.SKU)
		}
		seen[l.SKU] = true
		if l.Quantity < 1 || l.Quantity > MaxStockQuantity {
			return FieldErrorf(EINVALID, f+".quantity", "Quantity must be between 1 and %d.", MaxStockQuantity)
		}
	}
	return nil
}

// POReceiptRequest is the body of POST /v1/purchase-orders/{id}/receipts: a
// delivery against the purchase order.
type POReceiptRequest struct {
	Lines []POLineRequest `json:"lines"`
}

// Validate checks a delivery's shape.
func (r *POReceiptRequest) Validate() error { return validatePOLines(r.Lines, "A delivery") }

// Receive records a delivery on the purchase order: each SKU must be one of
// its lines, and more than ordered is allowed and kept (an over-receipt).
// A purchase order with nothing left open is received. Returns ECONFLICT
// when the order is not open and ENOTFOUND for a SKU it does not have.
func (po *PurchaseOrder) Receive(lines []POLineRequest, now time.Time) error {
	if po.Status != POOpen {
		return Errorf(ECONFLICT, "Purchase order %d is %s; it takes no deliveries.", po.ID, po.Status)
	}
	idx := map[string]int{}
	for i, l := range po.Lines {
		idx[l.SKU] = i
	}
	for i, l := range lines {
		if _, ok := idx[l.SKU]; !ok {
			return FieldErrorf(ENOTFOUND, fmt.Sprintf("lines[%d].sku", i), "Purchase order %d has no line for SKU %q.", po.ID, l.SKU)
		}
	}
	open := int64(0)
	for _, l := range lines {
		po.Lines[idx[l.SKU]].Received += l.Quantity
		po.Deliveries = append(po.Deliveries, PODelivery{At: now, SKU: l.SKU, Quantity: l.Quantity})
	}
	for _, l := range po.Lines {
		open += l.Open()
	}
	if open == 0 {
		po.Status = POReceived
	}
	po.UpdatedAt = now
	return nil
}

// Cancel cancels what is still open on the purchase order. Returns
// ECONFLICT when the order is not open.
func (po *PurchaseOrder) Cancel(now time.Time) error {
	if po.Status != POOpen {
		return Errorf(ECONFLICT, "Purchase order %d is %s; nothing is left to cancel.", po.ID, po.Status)
	}
	for i := range po.Lines {
		po.Lines[i].Cancelled += po.Lines[i].Open()
	}
	po.Status, po.UpdatedAt = POCancelled, now
	return nil
}

// Reschedule moves the expected date, keeping the move in DateChanges, and
// reports whether the date changed. Returns EINVALID for a bad date and
// ECONFLICT when the order is not open.
func (po *PurchaseOrder) Reschedule(date string, now time.Time) (bool, error) {
	if _, err := time.Parse(DateLayout, date); err != nil {
		return false, FieldErrorf(EINVALID, "expected_at", "Expected date must be a date such as 2026-02-20.")
	}
	if po.Status != POOpen {
		return false, Errorf(ECONFLICT, "Purchase order %d is %s; its date no longer moves.", po.ID, po.Status)
	}
	if date == po.ExpectedAt {
		return false, nil
	}
	po.DateChanges = append(po.DateChanges, PODateChange{At: now, From: po.ExpectedAt, To: date})
	po.ExpectedAt, po.UpdatedAt = date, now
	return true, nil
}

// POFilter selects purchase orders for a listing, in ID order after the
// cursor After.
type POFilter struct {
	SupplierID string
	Status     string
	SKU        string // purchase orders with a line of this SKU
	After      int64
	Limit      int
}
