package backorder

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// WaitingQuery selects waiting lines (backordered > 0) across SKUs for
// Tx.AllWaitingLines, in acceptance order (the order's AcceptedAt, then its
// Seq, then the line ID) after the cursor After. Empty fields select
// everything: SKU and CustomerID match exactly; a line's order was accepted
// at or after AcceptedFrom and before AcceptedBefore; its stored promise
// date is on or after PromisedFrom and on or before PromisedBy (a line
// without a promise date matches neither).
type WaitingQuery struct {
	SKU            string
	CustomerID     string
	AcceptedFrom   time.Time
	AcceptedBefore time.Time
	PromisedFrom   string
	PromisedBy     string
	After          QueueCursor
	Limit          int
}

// WaitingTx reads the waiting lines of every SKU.
type WaitingTx interface {
	// AllWaitingLines returns up to q.Limit waiting lines matching q, each
	// with its order's header (no Lines). An empty page is the end; a
	// shorter one need not be.
	AllWaitingLines(ctx context.Context, q WaitingQuery) ([]QueueEntry, error)
}

// Priority classes a listing of backorders filters on: the lines that meet
// no priority rule, or those that meet a given one.
const PriorityClassNone = "none"

// PriorityClasses are the classes BackorderFilter.Priority accepts.
var PriorityClasses = []string{PriorityClassNone, "vip", "expedited", "wholesale", "need_by"}

// BackorderFilter selects the shop-wide listing of waiting lines
// (Service.Backorders): by SKU, customer, age (MinAgeDays ≤ age <
// MaxAgeDays, in whole days; 0 is no bound), priority class (a rule the line
// meets, or PriorityClassNone), and stored promise date (PromisedFrom ≤
// date ≤ PromisedBy, YYYY-MM-DD). After is a cursor from
// BackorderLine.Cursor.
type BackorderFilter struct {
	SKU          string
	CustomerID   string
	MinAgeDays   int
	MaxAgeDays   int
	Priority     string
	PromisedFrom string
	PromisedBy   string
	After        string
	Limit        int
}

// MaxAgeFilterDays bounds the age filters.
const MaxAgeFilterDays = 36500

// Validate checks the filter; fields are named as the API's parameters.
func (f *BackorderFilter) Validate() error {
	if f.SKU != "" {
		if err := validateID("sku", f.SKU); err != nil {
			return err
		}
	}
	if f.CustomerID != "" {
		if err := validateID("customer_id", f.CustomerID); err != nil {
			return err
		}
	}
	if f.MinAgeDays < 0 || f.MinAgeDays > MaxAgeFilterDays {
		return FieldErrorf(EINVALID, "min_age_days", "min_age_days must be between 0 and %d.", MaxAgeFilterDays)
	}
	if f.MaxAgeDays < 0 || f.MaxAgeDays > MaxAgeFilterDays {
		return FieldErrorf(EINVALID, "max_age_days", "max_age_days must be between 0 and %d.", MaxAgeFilterDays)
	}
	if f.MaxAgeDays > 0 && f.MaxAgeDays <= f.MinAgeDays {
		return FieldErrorf(EINVALID, "max_age_days", "max_age_days must be more than min_age_days.")
	}
	if f.Priority != "" && !slices.Contains(PriorityClasses, f.Priority) {
		return FieldErrorf(EINVALID, "priority", "priority must be one of %s.", strings.Join(PriorityClasses, ", "))
	}
	for _, d := range []struct{ name, v string }{{"promised_from", f.PromisedFrom}, {"promised_by", f.PromisedBy}} {
		if d.v == "" {
			continue
		}
		if _, err := time.Parse(DateLayout, d.v); err != nil {
			return FieldErrorf(EINVALID, d.name, "%s must be a date as YYYY-MM-DD.", d.name)
		}
	}
	if f.After != "" {
		if _, err := ParseWaitingCursor(f.After); err != nil {
			return err
		}
	}
	return nil
}

// Query is the store query of the filter at now, after its cursor.
func (f *BackorderFilter) Query(now time.Time, limit int) WaitingQuery {
	q := WaitingQuery{SKU: f.SKU, CustomerID: f.CustomerID, PromisedFrom: f.PromisedFrom, PromisedBy: f.PromisedBy, Limit: limit}
	if f.MinAgeDays > 0 {
		q.AcceptedBefore = now.Add(-time.Duration(f.MinAgeDays) * 24 * time.Hour).Add(time.Microsecond)
	}
	if f.MaxAgeDays > 0 {
		q.AcceptedFrom = now.Add(-time.Duration(f.MaxAgeDays) * 24 * time.Hour).Add(time.Microsecond)
	}
	if f.After != "" {
		q.After, _ = ParseWaitingCursor(f.After)
	}
	return q
}

// InClass reports whether a line of priority p is in the priority class
// (PriorityClasses; "" is every class).
func InClass(p Priority, class string) bool {
	switch class {
	case "":
		return true
	case PriorityClassNone:
		return len(p.Rules) == 0
	}
	return slices.Contains(p.Rules, class)
}

// ParseWaitingCursor decodes a cursor of the shop-wide listing
// ("acceptance in microseconds.seq.line ID"). Returns EINVALID (field
// "after") for anything else.
func ParseWaitingCursor(s string) (QueueCursor, error) {
	bad := FieldErrorf(EINVALID, "after", "after must be a next_cursor of this listing.")
	parts := strings.Split(s, ".")
	if len(parts) != 3 {
		return QueueCursor{}, bad
	}
	var n [3]int64
	for i, p := range parts {
		v, err := strconv.ParseInt(p, 10, 64)
		if err != nil {
			return QueueCursor{}, bad
		}
		n[i] = v
	}
	if n[1] < 0 || n[2] < 1 {
		return QueueCursor{}, bad
	}
	return QueueCursor{AcceptedAt: time.UnixMicro(n[0]).UTC(), Seq: n[1], LineID: n[2]}, nil
}

// BackorderLine is one waiting line of the shop-wide listing: its order,
// SKU, units waiting and their value, acceptance and age, priority,
// customer and stored promise.
type BackorderLine struct {
	OrderID      string    `json:"order_id"`
	LineID       int64     `json:"line_id"`
	SKU          string    `json:"sku"`
	Quantity     int64     `json:"quantity"`
	PriceCents   int64     `json:"price_cents"`
	ValueCents   int64     `json:"value_cents"`
	Currency     string    `json:"currency"`
	AcceptedAt   time.Time `json:"accepted_at"`
	AgeSeconds   int64     `json:"age_seconds"`
	Age          string    `json:"age"`
	Priority     Priority  `json:"priority"`
	CustomerID   string    `json:"customer_id"`
	CustomerName string    `json:"customer_name"`
	ETA          *ETA      `json:"eta"`

	cursor QueueCursor
}

// Cursor is the line's place in the listing, for a next_cursor.
func (b BackorderLine) Cursor() string {
	return fmt.Sprintf("%d.%d.%d", b.cursor.AcceptedAt.UnixMicro(), b.cursor.Seq, b.cursor.LineID)
}

// NewBackorderLine makes the listing's row of a waiting line at now.
func NewBackorderLine(e *QueueEntry, p Priority, now time.Time) BackorderLine {
	age := max(now.Sub(e.Order.AcceptedAt), 0)
	return BackorderLine{
		OrderID: e.Order.ID, LineID: e.Line.ID, SKU: e.Line.SKU, Quantity: e.Line.Backordered,
		PriceCents: e.Line.PriceCents, ValueCents: e.Line.Backordered * e.Line.PriceCents, Currency: e.Line.Currency,
		AcceptedAt: e.Order.AcceptedAt, AgeSeconds: int64(age / time.Second), Age: FormatAge(age), Priority: p,
		CustomerID: e.Order.Customer.ID, CustomerName: e.Order.Customer.Name, ETA: e.Line.ETA, cursor: CursorOf(e),
	}
}
