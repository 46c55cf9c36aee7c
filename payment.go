package backorder

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"time"
)

// Payment kinds: what the service asks of the shop's payment system, and
// what that system reports it did.
const (
	PaymentAuthorization   = "authorization"
	PaymentCapture         = "capture"
	PaymentRefund          = "refund"
	PaymentRelease         = "release" // of part of an authorization
	PaymentReauthorization = "reauthorization"
)

// Payment statuses: a request of the service, or an outcome reported.
const (
	PaymentRequested = "requested"
	PaymentSucceeded = "succeeded"
	PaymentFailed    = "failed"
)

// DefaultAuthorizationValidityDays is how long an authorization holds before
// the service asks for a re-authorization, unless the settings say.
const DefaultAuthorizationValidityDays = 7

// MaxPaymentAmount bounds an amount reported: the value of the largest order
// (MaxPriceCents).
const MaxPaymentAmount = MaxOrderLines * MaxLineQuantity * MaxPriceCents

// Payment is one entry of an order's payment ledger, in integer minor units
// of its currency. Entries of status requested are what the service asked
// for (each also an outbox event); succeeded and failed entries are what the
// payment system reported, each under its own reference. Timing is the
// payment timing of the lines the entry is for.
type Payment struct {
	ID            int64     `json:"id"`
	OrderID       string    `json:"order_id"`
	At            time.Time `json:"at"`
	Kind          string    `json:"kind"`
	Status        string    `json:"status"`
	Timing        string    `json:"timing"`
	Amount        int64     `json:"amount"`
	Currency      string    `json:"currency"`
	FulfillmentID int64     `json:"fulfillment_id,omitempty"`
	Reference     string    `json:"reference,omitempty"`
}

// PaymentSettings are the shop's payment settings.
type PaymentSettings struct {
	// AuthorizationValidityDays is how long a card authorization holds
	// (0: DefaultAuthorizationValidityDays).
	AuthorizationValidityDays int `json:"authorization_validity_days"`
}

// AuthorizationValidity is how long an authorization holds.
func (p PaymentSettings) AuthorizationValidity() time.Duration {
	d := p.AuthorizationValidityDays
	if d == 0 {
		d = DefaultAuthorizationValidityDays
	}
	return time.Duration(d) * 24 * time.Hour
}

func (p PaymentSettings) validate() error {
	if p.AuthorizationValidityDays < 0 || p.AuthorizationValidityDays > 365 {
		return FieldErrorf(EINVALID, "payments.authorization_validity_days", "Authorization validity must be between 1 and 365 days (0: %d).", DefaultAuthorizationValidityDays)
	}
	return nil
}

// PaymentOutcome is the body of POST /v1/orders/{id}/payments: what the
// payment system reports it did, under its own reference.
type PaymentOutcome struct {
	Kind     string `json:"kind"`
	Status   string `json:"status"`
	Amount   int64  `json:"amount"`
	Currency string `json:"currency,omitempty"`
	// Timing names the payment timing the outcome is for when the order has
	// lines of both; otherwise it is the order's.
	Timing        string `json:"timing,omitempty"`
	Reference     string `json:"reference"`
	FulfillmentID int64  `json:"fulfillment_id,omitempty"`
}

// Validate checks the shape of an outcome.
func (o *PaymentOutcome) Validate() error {
	switch o.Kind {
	case PaymentAuthorization, PaymentCapture, PaymentRefund, PaymentRelease, PaymentReauthorization:
	default:
		return FieldErrorf(EINVALID, "kind", "Kind must be authorization, capture, refund, release or reauthorization.")
	}
	if o.Status != PaymentSucceeded && o.Status != PaymentFailed {
		return FieldErrorf(EINVALID, "status", "Status must be succeeded or failed.")
	}
	if o.Amount < 0 || o.Amount > MaxPaymentAmount {
		return FieldErrorf(EINVALID, "amount", "Amount must be between 0 and %d minor units.", int64(MaxPaymentAmount))
	}
	if o.Currency != "" && !validCurrency(o.Currency) {
		return FieldErrorf(EINVALID, "currency", "Currency must be a three-letter ISO 4217 code such as USD.")
	}
	if o.Timing != "" && o.Timing != PaymentAtOrder && o.Timing != PaymentAtShip {
		return FieldErrorf(EINVALID, "timing", "Timing must be at_order or at_ship.")
	}
	if o.FulfillmentID < 0 {
		return FieldErrorf(EINVALID, "fulfillment_id", "Fulfillment ID must be positive.")
	}
	return validateID("reference", o.Reference)
}

// Entry resolves an outcome against the order's lines into the ledger entry
// it records: the currency and timing default to the order's own when it has
// one of each. Returns EINVALID naming the field when the order has several
// or none matches.
func (o *PaymentOutcome) Entry(orderID string, lines []*Line, now time.Time) (Payment, error) {
	p := Payment{OrderID: orderID, At: now, Kind: o.Kind, Status: o.Status, Amount: o.Amount,
		Currency: o.Currency, Timing: o.Timing, FulfillmentID: o.FulfillmentID, Reference: o.Reference}
	var currencies, timings []string
	for _, l := range lines {
		currencies = append(currencies, l.Currency)
		timings = append(timings, l.PaymentTiming)
	}
	slices.Sort(currencies)
	slices.Sort(timings)
	currencies, timings = slices.Compact(currencies), slices.Compact(timings)
	pick := func(field, v string, have []string) (string, error) {
		if v == "" && len(have) == 1 {
			return have[0], nil
		}
		if v == "" {
			return "", FieldErrorf(EINVALID, field, "Order %s has lines of %v: name one.", orderID, have)
		}
		if !slices.Contains(have, v) {
			return "", FieldErrorf(EINVALID, field, "Order %s has no lines of %s (it has %v).", orderID, v, have)
		}
		return v, nil
	}
	var err error
	if p.Currency, err = pick("currency", p.Currency, currencies); err != nil {
		return p, err
	}
	if p.Timing, err = pick("timing", p.Timing, timings); err != nil {
		return p, err
	}
	return p, nil
}

// SameOutcome reports whether two outcomes of one reference say the same.
func SameOutcome(a, b Payment) bool {
	return a.Kind == b.Kind && a.Status == b.Status && a.Amount == b.Amount && a.Currency == b.Currency &&
		a.Timing == b.Timing && a.FulfillmentID == b.FulfillmentID
}

// PaymentBalance is an order's ledger summed for one currency and payment
// timing. The balance equation: CapturesRequested - RefundsRequested equals
// Due, the value of the units not cancelled (at_order) or of those shipped
// (at_ship); and, at_ship, the authorization still held
// (AuthorizationsRequested - ReleasesRequested - CapturesRequested) equals
// OpenValue, the value of the units neither shipped nor cancelled.
type PaymentBalance struct {
	Currency                string `json:"currency"`
	Timing                  string `json:"timing"`
	AuthorizationsRequested int64  `json:"authorizations_requested"`
	ReleasesRequested       int64  `json:"releases_requested"`
	CapturesRequested       int64  `json:"captures_requested"`
	RefundsRequested        int64  `json:"refunds_requested"`
	// Captured and Refunded are what the payment system reported done.
	Captured          int64 `json:"captured"`
	Refunded          int64 `json:"refunded"`
	Due               int64 `json:"due"`
	AuthorizationHeld int64 `json:"authorization_held"`
	OpenValue         int64 `json:"open_value"`
	Balanced          bool  `json:"balanced"`
}

// PaymentBalances sums an order's ledger against its lines, per currency
// and timing, in that order.
func PaymentBalances(lines []*Line, ps []Payment) []PaymentBalance {
	type key struct{ currency, timing string }
	m := map[key]*PaymentBalance{}
	get := func(c, t string) *PaymentBalance {
		k := key{c, t}
		if m[k] == nil {
			m[k] = &PaymentBalance{Currency: c, Timing: t}
		}
		return m[k]
	}
	for _, l := range lines {
		b := get(l.Currency, l.PaymentTiming)
		if l.PaymentTiming == PaymentAtShip {
			b.Due += l.Shipped * l.PriceCents
			b.OpenValue += l.Open() * l.PriceCents
		} else {
			b.Due += (l.Quantity - l.Cancelled) * l.PriceCents
		}
	}
	for _, p := range ps {
		b := get(p.Currency, p.Timing)
		switch {
		case p.Status == PaymentRequested && p.Kind == PaymentAuthorization:
			b.AuthorizationsRequested += p.Amount
		case p.Status == PaymentRequested && p.Kind == PaymentRelease:
			b.ReleasesRequested += p.Amount
		case p.Status == PaymentRequested && p.Kind == PaymentCapture:
			b.CapturesRequested += p.Amount
		case p.Status == PaymentRequested && p.Kind == PaymentRefund:
			b.RefundsRequested += p.Amount
		case p.Status == PaymentSucceeded && p.Kind == PaymentCapture:
			b.Captured += p.Amount
		case p.Status == PaymentSucceeded && p.Kind == PaymentRefund:
			b.Refunded += p.Amount
		}
	}
	out := make([]PaymentBalance, 0, len(m))
	for _, b := range m {
		if b.Timing == PaymentAtShip {
			b.AuthorizationHeld = b.AuthorizationsRequested - b.ReleasesRequested - b.CapturesRequested
		}
		b.Balanced = b.CapturesRequested-b.RefundsRequested == b.Due && b.AuthorizationHeld == b.OpenValue
		out = append(out, *b)
	}
	slices.SortFunc(out, func(a, b PaymentBalance) int {
		return cmp.Or(cmp.Compare(a.Currency, b.Currency), cmp.Compare(a.Timing, b.Timing))
	})
	return out
}

// PlanPayments returns the requests that bring an order's ledger back to
// the balance equation (PaymentBalance) after its lines changed: a capture
// or a refund for the difference between what was asked and what is due,
// and, at_ship, an authorization or a release for the difference between
// what is held and the value still open. A capture at_ship is for the
// shipment fulfillmentID. Requests have no IDs yet.
func PlanPayments(orderID string, lines []*Line, ps []Payment, fulfillmentID int64, now time.Time) []Payment {
	var out []Payment
	add := func(b PaymentBalance, kind string, amount, fid int64) {
		out = append(out, Payment{OrderID: orderID, At: now, Kind: kind, Status: PaymentRequested, Timing: b.Timing,
			Amount: amount, Currency: b.Currency, FulfillmentID: fid})
	}
	for _, b := range PaymentBalances(lines, ps) {
		d := b.Due - (b.CapturesRequested - b.RefundsRequested)
		held := b.AuthorizationHeld
		switch {
		case d > 0 && b.Timing == PaymentAtShip:
			add(b, PaymentCapture, d, fulfillmentID)
			held -= d
		case d > 0:
			add(b, PaymentCapture, d, 0)
		case d < 0:
			add(b, PaymentRefund, -d, 0)
		}
		switch h := b.OpenValue - held; {
		case h > 0:
			add(b, PaymentAuthorization, h, 0)
		case h < 0:
			add(b, PaymentRelease, -h, 0)
		}
	}
	return out
}

// authorizedAt is when the authorization of a currency's at_ship lines was
// last asked for (an authorization or re-authorization request).
func authorizedAt(ps []Payment, currency string) time.Time {
	var at time.Time
	for _, p := range ps {
		if p.Status == PaymentRequested && p.Timing == PaymentAtShip && p.Currency == currency &&
			(p.Kind == PaymentAuthorization || p.Kind == PaymentReauthorization) && p.At.After(at) {
			at = p.At
		}
	}
	return at
}

// AuthorizedAt returns when the oldest authorization of an order that still
// holds some was last asked for; it lapses a validity later. ok is false
// when no authorization holds anything.
func AuthorizedAt(lines []*Line, ps []Payment) (at time.Time, ok bool) {
	for _, b := range PaymentBalances(lines, ps) {
		if b.Timing != PaymentAtShip || b.AuthorizationHeld <= 0 {
			continue
		}
		a := authorizedAt(ps, b.Currency)
		if !ok || a.Before(at) {
			at, ok = a, true
		}
	}
	return at, ok
}

// PlanReauthorization returns a re-authorization request for each
// authorization of the order that still holds some and was asked for
// validity or longer before now, for what it holds.
func PlanReauthorization(orderID string, lines []*Line, ps []Payment, validity time.Duration, now time.Time) []Payment {
	var out []Payment
	for _, b := range PaymentBalances(lines, ps) {
		if b.Timing != PaymentAtShip || b.AuthorizationHeld <= 0 || now.Before(authorizedAt(ps, b.Currency).Add(validity)) {
			continue
		}
		out = append(out, Payment{OrderID: orderID, At: now, Kind: PaymentReauthorization, Status: PaymentRequested,
			Timing: PaymentAtShip, Amount: b.AuthorizationHeld, Currency: b.Currency})
	}
	return out
}

// CaptureFailed reports whether the last capture the payment system
// reported for the order failed: the order's requests are held
// (HoldPaymentFailed) until one succeeds.
func CaptureFailed(ps []Payment) bool {
	failed := false
	for _, p := range ps {
		if p.Kind == PaymentCapture && p.Status != PaymentRequested {
			failed = p.Status == PaymentFailed
		}
	}
	return failed
}

// CheckPayments checks the balance equation (PaymentBalance) of every order
// that has lines, from all lines and all ledger entries: one violation per
// order, currency and timing out of balance.
func CheckPayments(lines []*Line, ps []Payment) []Violation {
	byOrder := map[string][]*Line{}
	for _, l := range lines {
		byOrder[l.OrderID] = append(byOrder[l.OrderID], l)
	}
	pays := map[string][]Payment{}
	for _, p := range ps {
		pays[p.OrderID] = append(pays[p.OrderID], p)
	}
	var out []Violation
	for _, id := range slices.Sorted(maps.Keys(byOrder)) {
		for _, b := range PaymentBalances(byOrder[id], pays[id]) {
			if !b.Balanced {
				out = append(out, Violation{Invariant: "payment_balance", Detail: fmt.Sprintf(
					"order %s %s %s: captures %d - refunds %d = %d, due %d; authorization held %d, open value %d",
					id, b.Currency, b.Timing, b.CapturesRequested, b.RefundsRequested, b.CapturesRequested-b.RefundsRequested,
					b.Due, b.AuthorizationHeld, b.OpenValue)})
			}
		}
	}
	return out
}

// PaymentLedger is an order's payment ledger with its balances.
type PaymentLedger struct {
	OrderID  string           `json:"order_id"`
	Payments []Payment        `json:"payments"`
	Balances []PaymentBalance `json:"balances"`
	// CaptureFailed: the last capture reported failed; the order's open
	// requests are held (HoldPaymentFailed).
	CaptureFailed bool `json:"capture_failed"`
	// AuthorizationDue is when an authorization that still holds lapses.
	AuthorizationDue *time.Time `json:"authorization_due,omitempty"`
}

// PaymentRequest is what every payment event carries: the ledger entry
// requested.
type PaymentRequest struct {
	PaymentID     int64  `json:"payment_id"`
	Amount        int64  `json:"amount"`
	Currency      string `json:"currency"`
	Timing        string `json:"timing"`
	FulfillmentID int64  `json:"fulfillment_id,omitempty"`
}

// PaymentCaptureRequestedPayload (payment.capture_requested): capture
// Amount: at intake for an order charged at order, at a shipment for what
// shipped of one charged at ship.
type PaymentCaptureRequestedPayload struct {
	Versioned
	PaymentRequest
}

// PaymentRefundRequestedPayload (payment.refund_requested): refund Amount
// for units cancelled after they were charged.
type PaymentRefundRequestedPayload struct {
	Versioned
	PaymentRequest
}

// PaymentAuthorizationRequestedPayload (payment.authorization_requested):
// authorize Amount at intake of an order charged at ship.
type PaymentAuthorizationRequestedPayload struct {
	Versioned
	PaymentRequest
}

// PaymentAuthorizationReleasedPayload (payment.authorization_released):
// release Amount of the authorization, for units cancelled.
type PaymentAuthorizationReleasedPayload struct {
	Versioned
	PaymentRequest
}

// PaymentReauthorizationRequiredPayload (payment.reauthorization_required):
// the authorization asked for at AuthorizedAt has lapsed; authorize again
// what it holds, Amount.
type PaymentReauthorizationRequiredPayload struct {
	Versioned
	PaymentRequest
	AuthorizedAt time.Time `json:"authorized_at"`
}

func (*PaymentCaptureRequestedPayload) EventKind() string { return EventPaymentCaptureRequested }
func (*PaymentRefundRequestedPayload) EventKind() string  { return EventPaymentRefundRequested }
func (*PaymentAuthorizationRequestedPayload) EventKind() string {
	return EventPaymentAuthorizationRequested
}
func (*PaymentAuthorizationReleasedPayload) EventKind() string {
	return EventPaymentAuthorizationReleased
}
func (*PaymentReauthorizationRequiredPayload) EventKind() string {
	return EventPaymentReauthorizationRequired
}

// paymentEvent is the outbox event of a stored payment request; since is
// when a lapsed authorization was asked for (re-authorizations only).
func paymentEvent(p Payment, since time.Time) (Event, error) {
	r := PaymentRequest{PaymentID: p.ID, Amount: p.Amount, Currency: p.Currency, Timing: p.Timing, FulfillmentID: p.FulfillmentID}
	var pl Payload
	switch p.Kind {
	case PaymentCapture:
		pl = &PaymentCaptureRequestedPayload{PaymentRequest: r}
	case PaymentRefund:
		pl = &PaymentRefundRequestedPayload{PaymentRequest: r}
	case PaymentAuthorization:
		pl = &PaymentAuthorizationRequestedPayload{PaymentRequest: r}
	case PaymentRelease:
		pl = &PaymentAuthorizationReleasedPayload{PaymentRequest: r}
	case PaymentReauthorization:
		pl = &PaymentReauthorizationRequiredPayload{PaymentRequest: r, AuthorizedAt: since}
	default:
		return Event{}, fmt.Errorf("payment event: unknown kind %q", p.Kind)
	}
	return NewEvent(p.At, p.OrderID, "", pl)
}

// PaymentTx is the part of a transaction that keeps payment ledgers and
// the partial shipments' links.
type PaymentTx interface {
	// InsertPayments appends ledger entries, setting their IDs in order.
	// ECONFLICT if a reported outcome's reference exists for its order.
	InsertPayments(ctx context.Context, ps []Payment) error
	// Payments returns an order's ledger in ID order.
	Payments(ctx context.Context, orderID string) ([]Payment, error)
	// AllPayments returns every ledger entry in ID order.
	AllPayments(ctx context.Context) ([]Payment, error)
	// SetAuthorizedAt records when an order's authorization that still
	// holds some was last asked for; a zero time clears it.
	SetAuthorizedAt(ctx context.Context, orderID string, at time.Time) error
	// AuthorizedThrough returns up to limit order IDs whose authorization
	// was last asked for at or before through, oldest first.
	AuthorizedThrough(ctx context.Context, through time.Time, limit int) ([]string, error)
	// SaveHoldReasons writes the hold reason (HoldReason) of existing
	// fulfillments, nothing else.
	SaveHoldReasons(ctx context.Context, fs []*Fulfillment) error
	// LinkSplit records that fulfillment id is the remainder of from.
	LinkSplit(ctx context.Context, id, from int64) error
}
