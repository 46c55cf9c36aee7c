package backorder

import (
	"net/mail"
	"strconv"
	"strings"
	"time"
)

// Order statuses. They are derived from the line quantities, never stored.
const (
	OrderAllocated            = "allocated"             // every open unit is allocated
	OrderBackordered          = "backordered"           // every open unit waits for stock
	OrderPartiallyBackordered = "partially_backordered" // some units allocated, some waiting
	OrderPartiallyShipped     = "partially_shipped"     // some units shipped, some still open
	OrderShipped              = "shipped"               // every unit not cancelled has shipped
	OrderCancelled            = "cancelled"             // every unit was cancelled
)

// Shipping speeds.
const (
	ShippingStandard  = "standard"
	ShippingExpedited = "expedited"
)

// Customer is the buyer of an order, as the storefront knows them.
type Customer struct {
	ID        string `json:"id"`
	Email     string `json:"email"`
	Name      string `json:"name"`
	VIP       bool   `json:"vip,omitempty"`
	Wholesale bool   `json:"wholesale,omitempty"`
}

// OrderRequest is the body of an order placement.
type OrderRequest struct {
	ID                string        `json:"id"`
	Customer          Customer      `json:"customer"`
	Lines             []LineRequest `json:"lines"`
	Shipping          string        `json:"shipping"`
	NeedBy            string        `json:"need_by,omitempty"`
	PartialAcceptance bool          `json:"partial_acceptance,omitempty"`
}

// LineRequest is one requested line of an order.
type LineRequest struct {
	SKU      string `json:"sku"`
	Quantity int64  `json:"quantity"`
}

// Validate checks the shape of an order request; it knows nothing of stock.
func (r *OrderRequest) Validate() error {
	if err := validateID("id", r.ID); err != nil {
		return err
	}
	if err := validateID("customer.id", r.Customer.ID); err != nil {
		return err
	}
	if r.Customer.Email == "" {
		return FieldErrorf(EINVALID, "customer.email", "Email is required.")
	} else if a, err := mail.ParseAddress(r.Customer.Email); err != nil || a.Address != r.Customer.Email || len(r.Customer.Email) > 254 {
		return FieldErrorf(EINVALID, "customer.email", "Email must be a plain address such as ann@example.com.")
	}
	if strings.TrimSpace(r.Customer.Name) == "" {
		return FieldErrorf(EINVALID, "customer.name", "Name is required.")
	} else if len(r.Customer.Name) > MaxTextLength {
		return FieldErrorf(EINVALID, "customer.name", "Name must be at most %d bytes.", MaxTextLength)
	}
	switch r.Shipping {
	case "":
		r.Shipping = ShippingStandard
	case ShippingStandard, ShippingExpedited:
	default:
		return FieldErrorf(EINVALID, "shipping", "Shipping must be standard or expedited.")
	}
	if r.NeedBy != "" {
		if _, err := time.Parse(DateLayout, r.NeedBy); err != nil {
			return FieldErrorf(EINVALID, "need_by", "Need-by must be a date as YYYY-MM-DD.")
		}
	}
	if len(r.Lines) == 0 {
		return FieldErrorf(EINVALID, "lines", "An order needs at least one line.")
	} else if len(r.Lines) > MaxOrderLines {
		return FieldErrorf(EINVALID, "lines", "An order may have at most %d lines.", MaxOrderLines)
	}
	for i, l := range r.Lines {
		if err := validateID(linesField(i, "sku"), l.SKU); err != nil {
			return err
		}
		if l.Quantity < 1 || l.Quantity > MaxLineQuantity {
			return FieldErrorf(EINVALID, linesField(i, "quantity"), "Quantity must be between 1 and %d.", MaxLineQuantity)
		}
	}
	return nil
}

func linesField(i int, name string) string {
	return "lines[" + strconv.Itoa(i) + "]." + name
}

// Order is an accepted order with its lines.
type Order struct {
	ID          string    `json:"id"`
	Seq         int64     `json:"seq"`
	Customer    Customer  `json:"customer"`
	Shipping    string    `json:"shipping"`
	NeedBy      string    `json:"need_by,omitempty"`
	SplitPolicy string    `json:"split_policy"`
	SplitChoice string    `json:"split_choice,omitempty"`
	Status      string    `json:"status"`
	AcceptedAt  time.Time `json:"accepted_at"`
	Units       int64     `json:"units"`
	// ETA is the order's promise date from its waiting lines (OrderETA).
	ETA         *ETA         `json:"eta,omitempty"`
	LineCount   int          `json:"-"`
	Lines       []*Line      `json:"lines"`
	Refused     []Refusal    `json:"refused,omitempty"`
	Allocations []Allocation `json:"allocations,omitempty"`

	// SplitDecision is the auto split policy's decision and its reason
	// (DecideSplit), on orders under that policy.
	SplitDecision *SplitDecision `json:"split_decision,omitempty"`
}

// Line is one line of an order. Always:
// Quantity = Allocated + Backordered + Shipped + Cancelled, and
// Fulfilling <= Allocated (units of Allocated already in an open fulfillment request).
type Line struct {
	ID            int64  `json:"id"`
	OrderID       string `json:"-"`
	LineNo        int    `json:"line_no"`
	SKU           string `json:"sku"`
	Quantity      int64  `json:"quantity"`
	Allocated     int64  `json:"allocated"`
	Backordered   int64  `json:"backordered"`
	Shipped       int64  `json:"shipped"`
	Cancelled     int64  `json:"cancelled"`
	Fulfilling    int64  `json:"fulfilling"`
	PriceCents    int64  `json:"price_cents"`
	Currency      string `json:"currency"`
	PaymentTiming string `json:"payment_timing"`
	// AvailableFrom is a pre-order's release date: its units do not ship before it.
	AvailableFrom string `json:"available_from,omitempty"`
	// ETA is the line's promise date while units wait (Repromise);
	// FirstPromise is the first date it was promised, kept to measure how
	// often promises are kept.
	ETA          *ETA   `json:"eta,omitempty"`
	FirstPromise string `json:"first_promise,omitempty"`
	// Raised is whether an operator raised the line's priority (only the
	// queue's readers set it, with the manual rule on: waitingPage).
	Raised bool `json:"-"`
}

// Open is the number of units neither shipped nor cancelled.
func (l *Line) Open() int64 { return l.Allocated + l.Backordered }

// Tally sets an order's Units and LineCount from its lines, as they are
// stored with it: the wholesale rule reads the units, and the allocation run
// the line count, without loading the lines.
func (o *Order) Tally() {
	o.Units, o.LineCount = 0, len(o.Lines)
	for _, l := range o.Lines {
		o.Units += l.Quantity
	}
}

// Conserved reports whether the line's quantities add up.
func (l *Line) Conserved() bool {
	return l.Quantity == l.Allocated+l.Backordered+l.Shipped+l.Cancelled &&
		l.Allocated >= 0 && l.Backordered >= 0 && l.Shipped >= 0 && l.Cancelled >= 0 &&
		l.Fulfilling >= 0 && l.Fulfilling <= l.Allocated
}

// Status derives an order's status from its lines.
func (o *Order) DeriveStatus() string {
	var alloc, back, shipped, open int64
	for _, l := range o.Lines {
		alloc += l.Allocated
		back += l.Backordered
		shipped += l.Shipped
	}
	open = alloc + back
	switch {
	case open == 0 && shipped > 0:
		return OrderShipped
	case open == 0:
		return OrderCancelled
	case shipped > 0:
		return OrderPartiallyShipped
	case back == 0:
		return OrderAllocated
	case alloc == 0:
		return OrderBackordered
	default:
		return OrderPartiallyBackordered
	}
}

// Derive sets what an order shows that is derived from its lines: its
// status, and its promise date (OrderETA) from the lines that wait, the
// only lines that show one.
func (o *Order) Derive() {
	o.Status = o.DeriveStatus()
	for _, l := range o.Lines {
		if l.Backordered == 0 {
			l.ETA = nil
		}
	}
	o.ETA = OrderETA(o)
}

// EffectiveSplit is the split policy that governs the order now: the
// customer's choice when made, otherwise the policy fixed at acceptance.
func (o *Order) EffectiveSplit() string {
	if o.SplitChoice != "" {
		return o.SplitChoice
	}
	return o.SplitPolicy
}

// Refusal says why an order line could not be promised. It is kept as lost
// demand.
type Refusal struct {
	LineIndex  int    `json:"line_index"`
	SKU        string `json:"sku"`
	Quantity   int64  `json:"quantity"`
	ValueCents int64  `json:"value_cents"`
	Currency   string `json:"currency"`
	Rule       string `json:"rule"`
	Message    string `json:"message"`
}

// LostDemand is a refused order line, kept for the sales-saved metric.
type LostDemand struct {
	ID         int64     `json:"id"`
	At         time.Time `json:"at"`
	OrderID    string    `json:"order_id"`
	CustomerID string    `json:"customer_id"`
	SKU        string    `json:"sku"`
	Quantity   int64     `json:"quantity"`
	ValueCents int64     `json:"value_cents"`
	Currency   string    `json:"currency"`
	Rule       string    `json:"rule"`
}

// LostDemandFilter selects lost demand for a listing, in ID order (the
// order it was recorded in): recorded at or after Since, after the cursor
// After (the ID of the last of the previous page), Limit of it.
type LostDemandFilter struct {
	Since time.Time
	After int64
	Limit int
}

// OrderFilter selects orders for a listing. After is a cursor: the Seq of the
// last order of the previous page.
type OrderFilter struct {
	CustomerID string
	SKU        string
	// Status keeps the orders of one status (OrderStatuses). Statuses are
	// derived from the lines, so the service applies it, not the store.
	Status string
	After  int64
	Limit  int
}

// OrderStatuses are the statuses an order may show.
var OrderStatuses = []string{OrderAllocated, OrderBackordered, OrderPartiallyBackordered, OrderPartiallyShipped, OrderShipped, OrderCancelled}

// ProductFilter selects products for a listing. After is a cursor: the SKU of
// the last product of the previous page.
type ProductFilter struct {
	Status string
	After  string
	Limit  int
}
