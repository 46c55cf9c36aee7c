package backorder

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"time"
)

// Delivery is one message to one recipient: an email to the customer of an
// order for one moment, or an event posted to one webhook endpoint. The
// outbox fan-out (Service.Fanout) makes deliveries from committed events,
// so a change that rolled back delivers nothing; the notify worker sends
// them at least once. A delivery's ID is stable across its tries: emails
// carry it in their Message-ID, webhooks in the event's id, so a recipient
// can drop duplicates.
type Delivery struct {
	ID      int64  `json:"id"`
	Channel string `json:"channel"`
	// EventID is the outbox event the delivery tells of; 0 for a periodic
	// update, which no event causes.
	EventID int64  `json:"event_id,omitempty"`
	OrderID string `json:"order_id,omitempty"`
	// Moment is an email's moment (MomentBackorderConfirmation…).
	Moment string `json:"moment,omitempty"`
	// Type is a webhook's event type (WebhookOrderBackordered…).
	Type       string `json:"type,omitempty"`
	EndpointID int64  `json:"endpoint_id,omitempty"`
	// Recipient is the email address or the endpoint's URL.
	Recipient string `json:"recipient"`
	Status    string `json:"status"`
	// Attempts counts the tries so far; NextAt is when the next is due.
	Attempts  int        `json:"attempts"`
	NextAt    time.Time  `json:"next_at"`
	LastError string     `json:"last_error,omitempty"`
	Code      int        `json:"response_code,omitempty"` // a webhook's last HTTP status
	Subject   string     `json:"subject,omitempty"`
	Text      string     `json:"text,omitempty"`
	HTML      string     `json:"html,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
	SentAt    *time.Time `json:"sent_at,omitempty"`
	// Key identifies what the delivery is for (event, channel, recipient,
	// moment or type): the fan-out writes each key once.
	Key string `json:"-"`
	// LeaseUntil is when a claim of the delivery (status sending) lapses
	// and another worker may take it again.
	LeaseUntil time.Time `json:"-"`
}

// Delivery channels.
const (
	ChannelEmail   = "email"
	ChannelWebhook = "webhook"
)

// Delivery statuses.
const (
	DeliveryPending = "pending" // waiting for its first try or a retry at NextAt
	DeliverySending = "sending" // claimed by a worker until LeaseUntil
	DeliverySent    = "sent"    // the SMTP server or the endpoint took it
	DeliveryKept    = "kept"    // no SMTP server is configured: rendered and kept
	DeliveryDead    = "dead"    // failed for good; POST /v1/deliveries/{id}/retry requeues it
)

// DeliveryStatuses lists every delivery status.
var DeliveryStatuses = []string{DeliveryPending, DeliverySending, DeliverySent, DeliveryKept, DeliveryDead}

// Email moments: when the customer of an order is written to.
const (
	MomentBackorderConfirmation = "backorder_confirmation"
	MomentPeriodicUpdate        = "periodic_update"
	MomentPromiseDate           = "promise_date"
	MomentStockArrived          = "stock_arrived"
	MomentPartlyShipped         = "partly_shipped"
	MomentShipped               = "shipped"
	MomentCancelled             = "cancelled"
	MomentSplitChoice           = "split_choice"
	MomentPreorderReleased      = "preorder_released"
)

// Moments lists every email moment.
var Moments = []string{MomentBackorderConfirmation, MomentPeriodicUpdate, MomentPromiseDate, MomentStockArrived,
	MomentPartlyShipped, MomentShipped, MomentCancelled, MomentSplitChoice, MomentPreorderReleased}

// Webhook event types.
const (
	WebhookOrderAccepted    = "order.accepted"
	WebhookOrderBackordered = "order.backordered"
	WebhookOrderAllocated   = "order.allocated"
	WebhookFulfillmentReady = "fulfillment.ready"
	WebhookOrderShipped     = "order.shipped"
	WebhookOrderCancelled   = "order.cancelled"
	WebhookOrderSplitChosen = "order.split_chosen"
	WebhookETAChanged       = "eta.changed"
)

// WebhookTypes lists every webhook event type.
var WebhookTypes = []string{WebhookOrderAccepted, WebhookOrderBackordered, WebhookOrderAllocated, WebhookFulfillmentReady,
	WebhookOrderShipped, WebhookOrderCancelled, WebhookOrderSplitChosen, WebhookETAChanged}

// EmailMoments is the rule of which emails an event calls for. p is the
// event's decoded payload; o is the order as it stands now (nil if the
// event names none), read for what the payload does not say: whether a
// shipment left anything open, and the split choice.
//
//   - order.accepted with units waiting: backorder_confirmation; and
//     split_choice too when the order's policy is customer_choice, no
//     choice is made, and part of it could ship now;
//   - order.allocated that leaves every open unit allocated: stock_arrived;
//   - order.shipped: shipped when every unit not cancelled has shipped,
//     partly_shipped otherwise;
//   - order.cancelled: cancelled;
//   - eta.changed to a known date other than the one promised: promise_date.
//
// periodic_update and preorder_released come from time, not events
// (ScheduledMessage).
func EmailMoments(p Payload, o *Order) []string {
	switch p := p.(type) {
	case *OrderAcceptedPayload:
		var waiting, allocated int64
		for _, l := range p.Lines {
			waiting += l.Backordered
			allocated += l.Allocated
		}
		if waiting == 0 {
			return nil
		}
		out := []string{MomentBackorderConfirmation}
		if o != nil && o.SplitPolicy == SplitCustomerChoice && o.SplitChoice == "" && allocated > 0 {
			out = append(out, MomentSplitChoice)
		}
		return out
	case *OrderAllocatedPayload:
		if p.Status == OrderAllocated {
			return []string{MomentStockArrived}
		}
	case *OrderShippedPayload:
		if o != nil && o.DeriveStatus() != OrderShipped {
			return []string{MomentPartlyShipped}
		}
		return []string{MomentShipped}
	case *OrderCancelledPayload:
		return []string{MomentCancelled}
	case *ETAChangedPayload:
		if p.New.Date != "" && p.New.Date != p.Old.Date {
			return []string{MomentPromiseDate}
		}
	}
	return nil
}

// WebhookEventTypes is the rule of which webhook event types an event is
// posted as: every kind as itself, and beside it order.backordered for an
// accepted order with units waiting, and fulfillment.ready for a change
// that made fulfillment requests.
func WebhookEventTypes(p Payload) []string {
	var out []string
	ready := func(ids []int64) {
		if len(ids) > 0 {
			out = append(out, WebhookFulfillmentReady)
		}
	}
	switch p := p.(type) {
	case *OrderAcceptedPayload:
		out = append(out, WebhookOrderAccepted)
		for _, l := range p.Lines {
			if l.Backordered > 0 {
				out = append(out, WebhookOrderBackordered)
				break
			}
		}
		ready(p.FulfillmentIDs)
	case *OrderAllocatedPayload:
		out = append(out, WebhookOrderAllocated)
		ready(p.FulfillmentIDs)
	case *OrderShippedPayload:
		out = append(out, WebhookOrderShipped)
	case *OrderCancelledPayload:
		out = append(out, WebhookOrderCancelled)
		ready(p.FulfillmentIDs)
	case *OrderSplitChosenPayload:
		out = append(out, WebhookOrderSplitChosen)
		ready(p.FulfillmentIDs)
	case *ETAChangedPayload:
		out = append(out, WebhookETAChanged)
	}
	return out
}

// WebhookEvent is the JSON body of a webhook delivery.
type WebhookEvent struct {
	// ID is the same on every try and every endpoint: evt_<event ID>.<type>.
	ID      string      `json:"id"`
	Type    string      `json:"type"`
	Created int64       `json:"created"` // Unix seconds of the event
	Data    WebhookData `json:"data"`
}

// WebhookData is a webhook event's data: the order and SKU it is about,
// and the event's payload (event.go documents one type per kind).
type WebhookData struct {
	OrderID string  `json:"order_id,omitempty"`
	SKU     string  `json:"sku,omitempty"`
	Kind    string  `json:"kind"`
	Object  Payload `json:"object"`
}

// NewWebhookEvent builds the webhook body of event e as type typ, from its
// typed payload.
func NewWebhookEvent(e Event, typ string) (WebhookEvent, error) {
	p, err := DecodePayload(e)
	if err != nil {
		return WebhookEvent{}, err
	}
	return WebhookEvent{ID: WebhookEventID(e.ID, typ), Type: typ, Created: e.At.Unix(),
		Data: WebhookData{OrderID: e.OrderID, SKU: e.SKU, Kind: e.Kind, Object: p}}, nil
}

// WebhookEventID is the id of the webhook event made of event eventID as typ.
func WebhookEventID(eventID int64, typ string) string {
	return "evt_" + strconv.FormatInt(eventID, 10) + "." + typ
}

// Delivery retries: the wait after try n (1-based) doubles from
// FirstRetryDelay up to MaxRetryDelay; MaxDeliveryAttempts tries span more
// than three days (RetrySpan).
const (
	FirstRetryDelay     = 30 * time.Second
	MaxRetryDelay       = 6 * time.Hour
	MaxDeliveryAttempts = 22
)

// RetryDelay is the wait after the attempt-th failed try.
func RetryDelay(attempt int) time.Duration {
	d := FirstRetryDelay
	for i := 1; i < attempt && d < MaxRetryDelay; i++ {
		d *= 2
	}
	return min(d, MaxRetryDelay)
}

// RetrySpan is the time from the first try to the last when every try fails.
func RetrySpan() time.Duration {
	var span time.Duration
	for n := 1; n < MaxDeliveryAttempts; n++ {
		span += RetryDelay(n)
	}
	return span
}

// DeliveryFailure is the rule of what a failed try leads to: the
// delivery's next status and when it is tried again. A permanent failure
// (a bad address, a 4xx other than 408 and 429) or the last attempt makes
// it dead.
func DeliveryFailure(attempts int, permanent bool, now time.Time) (status string, next time.Time) {
	if permanent || attempts >= MaxDeliveryAttempts {
		return DeliveryDead, now
	}
	return DeliveryPending, now.Add(RetryDelay(attempts))
}

// PermanentHTTPStatus reports whether a webhook endpoint's answer code
// means that trying again will not help: a 4xx other than 408 (timeout)
// and 429 (too many requests).
func PermanentHTTPStatus(code int) bool {
	return code >= 400 && code < 500 && code != 408 && code != 429
}

// DisableAfter is how long a webhook endpoint fails, without one success,
// before it is disabled.
const DisableAfter = 72 * time.Hour

// EndpointFailed is the rule of a failed delivery to a webhook endpoint:
// the time it has been failing since (kept from before, or now), and
// whether it is now to be disabled.
func EndpointFailed(failingSince *time.Time, now time.Time) (since time.Time, disable bool) {
	if failingSince == nil {
		return now, false
	}
	return *failingSince, now.Sub(*failingSince) >= DisableAfter
}

// WebhookEndpoint is a URL the shop's systems receive events at.
type WebhookEndpoint struct {
	ID     int64    `json:"id"`
	URL    string   `json:"url"`
	Events []string `json:"events"`
	// Secret signs each delivery; the API shows it once, at creation.
	Secret string `json:"secret,omitempty"`
	Status string `json:"status"`
	// FailingSince is the time of the first failure since the last success.
	FailingSince   *time.Time `json:"failing_since,omitempty"`
	DisabledAt     *time.Time `json:"disabled_at,omitempty"`
	DisabledReason string     `json:"disabled_reason,omitempty"`
	CreatedAt      time.Time  `json:"created_at"`
}

// Webhook endpoint statuses.
const (
	EndpointEnabled  = "enabled"
	EndpointDisabled = "disabled"
)

// Wants reports whether the endpoint takes events of type typ.
func (e *WebhookEndpoint) Wants(typ string) bool {
	return e.Status == EndpointEnabled && (slices.Contains(e.Events, "*") || slices.Contains(e.Events, typ))
}

// WebhookEndpointRequest is the body of POST /v1/webhook-endpoints.
type WebhookEndpointRequest struct {
	URL    string   `json:"url"`
	Events []string `json:"events"`
}

// Validate checks the URL (http or https, absolute) and the event types
// (known ones, or "*" for all).
func (r *WebhookEndpointRequest) Validate() error {
	u, err := url.Parse(r.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(r.URL) > 2048 {
		return FieldErrorf(EINVALID, "url", "URL must be an absolute http or https URL of at most 2048 bytes.")
	}
	if len(r.Events) == 0 {
		return FieldErrorf(EINVALID, "events", "Events must name at least one event type, or \"*\" for all.")
	}
	for i, t := range r.Events {
		if t != "*" && !slices.Contains(WebhookTypes, t) {
			return FieldErrorf(EINVALID, "events["+strconv.Itoa(i)+"]", "Unknown event type %q; known: %v.", t, WebhookTypes)
		}
	}
	return nil
}

// ScheduledMessage is a message due at a time rather than on an event: the
// periodic "still awaiting inventory" update of a waiting order, and the
// pre-order release. One row per order and moment; Seq counts the
// messages it made so far.
type ScheduledMessage struct {
	OrderID string
	Moment  string
	DueAt   time.Time
	Seq     int
}

// NotificationSettings say which moments email the customer and how often
// a waiting order gets its update.
type NotificationSettings struct {
	// EmailMoments are the moments that send an email; all by default.
	EmailMoments []string `json:"email_moments"`
	// UpdateEveryDays is the days between periodic updates of an order
	// that waits (the first comes that many days after acceptance).
	UpdateEveryDays int `json:"update_every_days"`
}

// DefaultUpdateEveryDays is the default of UpdateEveryDays.
const DefaultUpdateEveryDays = 7

// Filled is n with the defaults applied to what is left out.
func (n NotificationSettings) Filled() NotificationSettings {
	if n.EmailMoments == nil {
		n.EmailMoments = slices.Clone(Moments)
	}
	if n.UpdateEveryDays == 0 {
		n.UpdateEveryDays = DefaultUpdateEveryDays
	}
	return n
}

// Emails reports whether a moment sends an email.
func (n NotificationSettings) Emails(moment string) bool {
	return slices.Contains(n.Filled().EmailMoments, moment)
}

func (n NotificationSettings) validate() error {
	for i, m := range n.EmailMoments {
		if !slices.Contains(Moments, m) {
			return FieldErrorf(EINVALID, "notifications.email_moments["+strconv.Itoa(i)+"]", "Unknown moment %q; known: %v.", m, Moments)
		}
	}
	if n.UpdateEveryDays < 0 || n.UpdateEveryDays > 365 {
		return FieldErrorf(EINVALID, "notifications.update_every_days", "Update every days must be between 1 and 365 (0 for the default, %d).", DefaultUpdateEveryDays)
	}
	return nil
}

// DeliveryFilter selects deliveries for a listing, in ID order after the
// cursor After.
type DeliveryFilter struct {
	Status     string
	Channel    string
	OrderID    string
	EndpointID int64
	After      int64
	Limit      int
}

// DeliveryTx is the part of Tx that keeps deliveries, webhook endpoints and
// scheduled messages.
type DeliveryTx interface {
	// LockFanoutCursor returns the fan-out cursor: the ID of the last event
	// fanned out, 0 at first. In a write transaction it locks the cursor
	// until the transaction ends, so writers of it queue.
	LockFanoutCursor(ctx context.Context) (int64, error)
	// SetFanoutCursor moves the fan-out cursor.
	SetFanoutCursor(ctx context.Context, eventID int64) error
	// InsertDeliveries stores new deliveries, setting their IDs, and skips
	// those whose Key is stored already (their ID stays 0).
	InsertDeliveries(ctx context.Context, ds []*Delivery) error
	// ClaimDeliveries takes up to n deliveries due at now (pending with
	// NextAt <= now, or sending with a lapsed lease), oldest due first,
	// skipping those another transaction holds; it marks them sending
	// until lease, with one more attempt, and returns them so.
	ClaimDeliveries(ctx context.Context, now, lease time.Time, n int) ([]*Delivery, error)
	// Delivery returns one delivery; ENOTFOUND if unknown.
	Delivery(ctx context.Context, id int64) (*Delivery, error)
	// SaveDelivery writes a delivery's status, attempts, times, last error,
	// response code and rendered content.
	SaveDelivery(ctx context.Context, d *Delivery) error
	// ListDeliveries returns deliveries in ID order after the cursor.
	ListDeliveries(ctx context.Context, f DeliveryFilter) ([]*Delivery, error)

	// InsertWebhookEndpoint stores a new endpoint, setting its ID.
	InsertWebhookEndpoint(ctx context.Context, e *WebhookEndpoint) error
	// WebhookEndpoint returns one endpoint with its secret; ENOTFOUND if unknown.
	WebhookEndpoint(ctx context.Context, id int64) (*WebhookEndpoint, error)
	// ListWebhookEndpoints returns endpoints (with their secrets) in ID
	// order after the cursor.
	ListWebhookEndpoints(ctx context.Context, after int64, limit int) ([]*WebhookEndpoint, error)
	// SaveWebhookEndpoint writes an endpoint's status, failing and disabled times and reason.
	SaveWebhookEndpoint(ctx context.Context, e *WebhookEndpoint) error
	// DeleteWebhookEndpoint removes an endpoint; ENOTFOUND if unknown.
	DeleteWebhookEndpoint(ctx context.Context, id int64) error

	// PutScheduledMessage stores m unless its order has one of its moment already.
	PutScheduledMessage(ctx context.Context, m ScheduledMessage) error
	// DueScheduledMessages returns up to n messages due at now, oldest
	// first, locking them and skipping those another transaction holds.
	DueScheduledMessages(ctx context.Context, now time.Time, n int) ([]ScheduledMessage, error)
	// SaveScheduledMessage writes a message's due time and Seq.
	SaveScheduledMessage(ctx context.Context, m ScheduledMessage) error
	// DeleteScheduledMessage removes the message of an order and moment.
	DeleteScheduledMessage(ctx context.Context, orderID, moment string) error
}

// deliveryKey is the Key of a delivery made of an event.
func deliveryKey(eventID int64, channel, to, what string) string {
	return fmt.Sprintf("e%d/%s/%s/%s", eventID, channel, to, what)
}
