package backorder

import (
	"encoding/json"
	"fmt"
	"time"
)

// Event is an outbox entry, written in the transaction of the change it
// tells of, so that no event exists for a change that did not commit.
// GET /v1/events lists them; Payload is the JSON of the payload type of its
// Kind (DecodePayload), the wire format outside systems parse.
type Event struct {
	ID      int64           `json:"id"`
	At      time.Time       `json:"at"`
	Kind    string          `json:"kind"`
	OrderID string          `json:"order_id,omitempty"`
	SKU     string          `json:"sku,omitempty"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// Event kinds, each with its payload type.
const (
	EventOrderAccepted    = "order.accepted"     // OrderAcceptedPayload
	EventOrderAllocated   = "order.allocated"    // OrderAllocatedPayload
	EventOrderCancelled   = "order.cancelled"    // OrderCancelledPayload
	EventOrderShipped     = "order.shipped"      // OrderShippedPayload
	EventOrderSplitChosen = "order.split_chosen" // OrderSplitChosenPayload
	EventETAChanged       = "eta.changed"        // ETAChangedPayload

	EventPaymentCaptureRequested        = "payment.capture_requested"        // PaymentCaptureRequestedPayload
	EventPaymentRefundRequested         = "payment.refund_requested"         // PaymentRefundRequestedPayload
	EventPaymentAuthorizationRequested  = "payment.authorization_requested"  // PaymentAuthorizationRequestedPayload
	EventPaymentAuthorizationReleased   = "payment.authorization_released"   // PaymentAuthorizationReleasedPayload
	EventPaymentReauthorizationRequired = "payment.reauthorization_required" // PaymentReauthorizationRequiredPayload

	// EventLinePriorityChanged is in priority.go with its payload.
	EventLinePriorityChanged = "line.priority_changed" // LinePriorityChangedPayload
)

// EventKinds lists every event kind.
var EventKinds = []string{EventETAChanged, EventLinePriorityChanged, EventOrderAccepted, EventOrderAllocated, EventOrderCancelled, EventOrderShipped, EventOrderSplitChosen,
	EventPaymentAuthorizationReleased, EventPaymentAuthorizationRequested, EventPaymentCaptureRequested, EventPaymentReauthorizationRequired, EventPaymentRefundRequested}

// PayloadVersion is the version every payload carries in its "version"
// field. Fields are only ever added within a version; a change that removes,
// renames or retypes a field makes a new version.
const PayloadVersion = 1

// Payload is the data of one kind of event.
type Payload interface {
	// EventKind is the kind of event the payload belongs to.
	EventKind() string
	stamp()
}

// Versioned is the part every payload shares: its version.
type Versioned struct {
	Version int `json:"version"`
}

func (v *Versioned) stamp() { v.Version = PayloadVersion }

// EventLine is an order line as an event shows it: its quantities after the
// change.
type EventLine struct {
	LineID      int64  `json:"line_id"`
	SKU         string `json:"sku"`
	Quantity    int64  `json:"quantity"`
	Allocated   int64  `json:"allocated"`
	Backordered int64  `json:"backordered"`
	Shipped     int64  `json:"shipped"`
	Cancelled   int64  `json:"cancelled"`
	// ETA is the line's promise date while units wait.
	ETA *ETA `json:"eta,omitempty"`
}

// OrderAcceptedPayload (order.accepted): an order was placed. Lines have
// their units allocated from stock and backordered; FulfillmentIDs are the
// requests made at once for what may ship now.
type OrderAcceptedPayload struct {
	Versioned
	Status         string      `json:"status"`
	Lines          []EventLine `json:"lines"`
	FulfillmentIDs []int64     `json:"fulfillment_ids,omitempty"`
}

// OrderAllocatedPayload (order.allocated): stock that arrived or was
// released went to waiting lines of the order: Units of the event's SKU in
// all (GET /v1/orders/{id} lists each allocation with its reason). Status is
// the order's status after it when the allocation saw all of the order's
// lines, and absent otherwise (an order of several lines that ships what is
// available is filled line by line). The payload stays small: a large
// restock writes one per order filled.
type OrderAllocatedPayload struct {
	Versioned
	Status         string  `json:"status,omitempty"`
	Units          int64   `json:"units"`
	FulfillmentIDs []int64 `json:"fulfillment_ids,omitempty"`
}

// OrderCancelledPayload (order.cancelled): units of the order were
// cancelled before they shipped. Lines is what was asked (empty: the whole
// order), Cancelled the lines whose units were cancelled, with their
// quantities after it. FulfillmentIDs are requests made because the
// cancellation let what the order holds ship.
type OrderCancelledPayload struct {
	Versioned
	Reason         string       `json:"reason"`
	ReasonCode     string       `json:"reason_code"`
	Lines          []CancelLine `json:"lines,omitempty"`
	Cancelled      []EventLine  `json:"cancelled"`
	Status         string       `json:"status"`
	FulfillmentIDs []int64      `json:"fulfillment_ids,omitempty"`
}

// OrderShippedPayload (order.shipped): a fulfillment request shipped,
// Lines as they left. RemainderID is the new request holding what the
// request asked for but did not ship (a partial shipment).
type OrderShippedPayload struct {
	Versioned
	FulfillmentID     int64             `json:"fulfillment_id"`
	Carrier           string            `json:"carrier"`
	Tracking          string            `json:"tracking"`
	EstimatedDelivery string            `json:"estimated_delivery,omitempty"`
	Lines             []FulfillmentLine `json:"lines"`
	RemainderID       int64             `json:"remainder_id,omitempty"`
}

// OrderSplitChosenPayload (order.split_chosen): the customer chose how an
// order of the customer_choice policy ships; FulfillmentIDs are the requests
// the choice let ship at once.
type OrderSplitChosenPayload struct {
	Versioned
	Choice         string  `json:"choice"`
	Status         string  `json:"status"`
	FulfillmentIDs []int64 `json:"fulfillment_ids,omitempty"`
}

// ETAChangedPayload (eta.changed): the promise date of a waiting line moved
// (a purchase order's date moved, a receipt fell short, a cancellation
// moved lines up, a priority rule moved one down). Old is the promise it
// had, New the one it has; FirstPromise is the date first promised.
type ETAChangedPayload struct {
	Versioned
	LineID       int64  `json:"line_id"`
	Old          ETA    `json:"old"`
	New          ETA    `json:"new"`
	FirstPromise string `json:"first_promise,omitempty"`
}

func (*OrderAcceptedPayload) EventKind() string    { return EventOrderAccepted }
func (*OrderAllocatedPayload) EventKind() string   { return EventOrderAllocated }
func (*OrderCancelledPayload) EventKind() string   { return EventOrderCancelled }
func (*OrderShippedPayload) EventKind() string     { return EventOrderShipped }
func (*OrderSplitChosenPayload) EventKind() string { return EventOrderSplitChosen }
func (*ETAChangedPayload) EventKind() string       { return EventETAChanged }

// NewEvent makes the event of payload p about an order (and a SKU, where
// the event is about one), stamping p with PayloadVersion.
func NewEvent(at time.Time, orderID, sku string, p Payload) (Event, error) {
	p.stamp()
	b, err := json.Marshal(p)
	if err != nil {
		return Event{}, fmt.Errorf("encode %s event: %w", p.EventKind(), err)
	}
	return Event{At: at, Kind: p.EventKind(), OrderID: orderID, SKU: sku, Payload: b}, nil
}

// NewPayload returns an empty payload of an event kind; ok is false for an
// unknown kind.
func NewPayload(kind string) (p Payload, ok bool) {
	switch kind {
	case EventOrderAccepted:
		return &OrderAcceptedPayload{}, true
	case EventOrderAllocated:
		return &OrderAllocatedPayload{}, true
	case EventOrderCancelled:
		return &OrderCancelledPayload{}, true
	case EventOrderShipped:
		return &OrderShippedPayload{}, true
	case EventOrderSplitChosen:
		return &OrderSplitChosenPayload{}, true
	case EventETAChanged:
		return &ETAChangedPayload{}, true
	case EventPaymentCaptureRequested:
		return &PaymentCaptureRequestedPayload{}, true
	case EventPaymentRefundRequested:
		return &PaymentRefundRequestedPayload{}, true
	case EventPaymentAuthorizationRequested:
		return &PaymentAuthorizationRequestedPayload{}, true
	case EventPaymentAuthorizationReleased:
		return &PaymentAuthorizationReleasedPayload{}, true
	case EventPaymentReauthorizationRequired:
		return &PaymentReauthorizationRequiredPayload{}, true
	case EventLinePriorityChanged:
		return &LinePriorityChangedPayload{}, true
	}
	return nil, false
}

// DecodePayload decodes an event's payload into the type of its kind.
func DecodePayload(e Event) (Payload, error) {
	p, ok := NewPayload(e.Kind)
	if !ok {
		return nil, fmt.Errorf("decode event %d: unknown kind %q", e.ID, e.Kind)
	}
	if err := json.Unmarshal(e.Payload, p); err != nil {
		return nil, fmt.Errorf("decode %s event %d: %w", e.Kind, e.ID, err)
	}
	return p, nil
}

// eventLines are the lines of an order as events show them.
func eventLines(lines []*Line) []EventLine {
	out := make([]EventLine, len(lines))
	for i, l := range lines {
		out[i] = EventLine{LineID: l.ID, SKU: l.SKU, Quantity: l.Quantity, Allocated: l.Allocated, Backordered: l.Backordered, Shipped: l.Shipped, Cancelled: l.Cancelled}
		if l.Backordered > 0 {
			out[i].ETA = l.ETA
		}
	}
	return out
}

// fulfillmentIDs are the IDs of fulfillment requests, for a payload.
func fulfillmentIDs(fs []*Fulfillment) []int64 {
	if len(fs) == 0 {
		return nil
	}
	ids := make([]int64, len(fs))
	for i, f := range fs {
		ids[i] = f.ID
	}
	return ids
}
