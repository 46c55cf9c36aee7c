package backorder

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Actions of the stale backorder policy.
const (
	StaleReview = "review" // list the line for review (GET /v1/backorders/review)
	StaleCancel = "cancel" // cancel its waiting units with the reason code stale
)

// Reasons a waiting line is stale.
const (
	StaleOld       = "older_than_after_days" // accepted more than after_days ago
	StaleNoPromise = "no_promise_date"       // without a promise date, accepted more than no_promise_days ago
)

// StaleSettings are the stale backorder policy: a waiting line accepted
// more than AfterDays days ago, or one without a promise date accepted more
// than NoPromiseDays days ago, is stale (0: that test is off). Action says
// what happens to a stale line: review (listed for a decision) or cancel
// (its waiting units cancelled with the reason code stale). Off by default.
type StaleSettings struct {
	AfterDays     int    `json:"after_days"`
	NoPromiseDays int    `json:"no_promise_days"`
	Action        string `json:"action"`
}

// MaxStaleDays bounds the stale policy's days.
const MaxStaleDays = 3650

// On reports whether any stale test is on.
func (s StaleSettings) On() bool { return s.AfterDays > 0 || s.NoPromiseDays > 0 }

// EffectiveAction is the action, review when unset.
func (s StaleSettings) EffectiveAction() string {
	if s.Action == "" {
		return StaleReview
	}
	return s.Action
}

func (s StaleSettings) validate() error {
	if s.AfterDays < 0 || s.AfterDays > MaxStaleDays {
		return FieldErrorf(EINVALID, "stale.after_days", "After days must be between 0 (off) and %d.", MaxStaleDays)
	}
	if s.NoPromiseDays < 0 || s.NoPromiseDays > MaxStaleDays {
		return FieldErrorf(EINVALID, "stale.no_promise_days", "No-promise days must be between 0 (off) and %d.", MaxStaleDays)
	}
	switch s.Action {
	case "", StaleReview, StaleCancel:
	default:
		return FieldErrorf(EINVALID, "stale.action", "Action must be review or cancel.")
	}
	return nil
}

// StaleCutoffs are the acceptance times the stale tests compare with at
// now: a waiting line accepted at or before Old is stale, and one without a
// promise date accepted at or before Undated. A zero time is a test that is
// off.
type StaleCutoffs struct {
	Old     time.Time
	Undated time.Time
}

// Cutoffs returns the acceptance times at now past which a line is stale.
func (s StaleSettings) Cutoffs(now time.Time) StaleCutoffs {
	var c StaleCutoffs
	if s.AfterDays > 0 {
		c.Old = now.Add(-time.Duration(s.AfterDays) * 24 * time.Hour)
	}
	if s.NoPromiseDays > 0 {
		c.Undated = now.Add(-time.Duration(s.NoPromiseDays) * 24 * time.Hour)
	}
	return c
}

// Latest is the later of the two cutoffs: no stale line was accepted after it.
func (c StaleCutoffs) Latest() time.Time {
	if c.Old.After(c.Undated) {
		return c.Old
	}
	return c.Undated
}

// StaleReason says why a waiting line is stale at the cutoffs, or "" when
// it is not: older than after_days first, then without a promise date for
// no_promise_days. acceptedAt is its order's acceptance time.
func StaleReason(l *Line, acceptedAt time.Time, c StaleCutoffs) string {
	if l.Backordered <= 0 {
		return ""
	}
	if !c.Old.IsZero() && !acceptedAt.After(c.Old) {
		return StaleOld
	}
	if !c.Undated.IsZero() && (l.ETA == nil || l.ETA.Date == "") && !acceptedAt.After(c.Undated) {
		return StaleNoPromise
	}
	return ""
}

// StaleQuery selects the waiting lines that may be stale: accepted at or
// before Before, after the cursor, oldest first (acceptance time, then line
// ID).
type StaleQuery struct {
	Before time.Time
	After  ReviewCursor
	Limit  int
}

// ReviewCursor is a place in the review list: the acceptance time and line
// ID of the last line listed.
type ReviewCursor struct {
	AcceptedAt time.Time
	LineID     int64
}

// String encodes the cursor for a next_cursor.
func (c ReviewCursor) String() string {
	return fmt.Sprintf("%d.%d", c.AcceptedAt.UnixMicro(), c.LineID)
}

// ParseReviewCursor decodes a cursor made by String; "" is the start.
// Returns EINVALID (field "after") for anything else.
func ParseReviewCursor(s string) (ReviewCursor, error) {
	if s == "" {
		return ReviewCursor{}, nil
	}
	bad := FieldErrorf(EINVALID, "after", "after must be a next_cursor of this listing.")
	a, b, ok := strings.Cut(s, ".")
	if !ok {
		return ReviewCursor{}, bad
	}
	at, err1 := strconv.ParseInt(a, 10, 64)
	id, err2 := strconv.ParseInt(b, 10, 64)
	if err1 != nil || err2 != nil || id < 1 {
		return ReviewCursor{}, bad
	}
	return ReviewCursor{AcceptedAt: time.UnixMicro(at).UTC(), LineID: id}, nil
}

// StaleLine is a waiting line with what the review shows of it: its order's
// acceptance time and customer, and its product's supplier.
type StaleLine struct {
	Line       *Line
	AcceptedAt time.Time
	CustomerID string
	SupplierID string
}

// ReviewItem is a waiting line that needs a decision: how old it is, what
// its waiting units are worth, its promise date, its product's supplier and
// why it is listed.
type ReviewItem struct {
	OrderID     string    `json:"order_id"`
	LineID      int64     `json:"line_id"`
	SKU         string    `json:"sku"`
	CustomerID  string    `json:"customer_id"`
	Backordered int64     `json:"backordered"`
	AcceptedAt  time.Time `json:"accepted_at"`
	AgeDays     int       `json:"age_days"`
	ValueCents  int64     `json:"value_cents"`
	Currency    string    `json:"currency"`
	ETA         *ETA      `json:"eta,omitempty"`
	SupplierID  string    `json:"supplier_id,omitempty"`
	Reason      string    `json:"reason"`
}

// Cursor is the item's place in the review list.
func (r ReviewItem) Cursor() string {
	return ReviewCursor{AcceptedAt: r.AcceptedAt, LineID: r.LineID}.String()
}

// ReviewItemOf is the review entry of a line stale for reason at now.
func ReviewItemOf(s StaleLine, reason string, now time.Time) ReviewItem {
	l := s.Line
	return ReviewItem{
		OrderID: l.OrderID, LineID: l.ID, SKU: l.SKU, CustomerID: s.CustomerID, Backordered: l.Backordered,
		AcceptedAt: s.AcceptedAt, AgeDays: int(now.Sub(s.AcceptedAt) / (24 * time.Hour)),
		ValueCents: l.Backordered * l.PriceCents, Currency: l.Currency, ETA: l.ETA, SupplierID: s.SupplierID, Reason: reason,
	}
}

// StaleCancels groups the stale lines to cancel by order, in the order
// given (oldest first): each order's waiting units of its stale lines, in
// one cancellation with the reason code stale.
func StaleCancels(items []ReviewItem) (orderIDs []string, reqs map[string]*CancelRequest) {
	reqs = map[string]*CancelRequest{}
	for _, it := range items {
		r := reqs[it.OrderID]
		if r == nil {
			r = &CancelRequest{Reason: "Stale backorder: " + it.Reason + ".", ReasonCode: ReasonStale}
			reqs[it.OrderID] = r
			orderIDs = append(orderIDs, it.OrderID)
		}
		r.Lines = append(r.Lines, CancelLine{LineID: it.LineID, Quantity: it.Backordered})
	}
	return orderIDs, reqs
}

// waitingUnits limits a cancellation's named lines to their units waiting
// on o as it stands (0 or more than wait: every waiting unit), dropping the
// lines with none waiting and lines not on o.
func waitingUnits(o *Order, r *CancelRequest) *CancelRequest {
	byID := make(map[int64]*Line, len(o.Lines))
	for _, l := range o.Lines {
		byID[l.ID] = l
	}
	out := *r
	out.Lines = nil
	for _, c := range r.Lines {
		l := byID[c.LineID]
		if l == nil || l.Backordered == 0 {
			continue
		}
		q := c.Quantity
		if q <= 0 || q > l.Backordered {
			q = l.Backordered
		}
		out.Lines = append(out.Lines, CancelLine{LineID: l.ID, Quantity: q})
	}
	return &out
}
