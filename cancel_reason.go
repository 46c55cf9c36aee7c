package backorder

import (
	"cmp"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Cancellation reason codes of a new shop. ReasonOther is what a
// cancellation without a reason code records; ReasonStale is what the stale
// policy's cancellations record.
const (
	ReasonFoundElsewhere = "found_elsewhere"
	ReasonTooSlow        = "too_slow"
	ReasonChangedMind    = "changed_mind"
	ReasonPrice          = "price"
	ReasonStale          = "stale"
	ReasonOther          = "other"
)

// DefaultCancelReasons is the list of reason codes when the settings give none.
func DefaultCancelReasons() []string {
	return []string{ReasonFoundElsewhere, ReasonTooSlow, ReasonChangedMind, ReasonPrice, ReasonStale, ReasonOther}
}

// MaxCancelReasons bounds the configurable list of reason codes.
const MaxCancelReasons = 50

var reasonCodePattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)

// CancelReasonCodes is the list of reason codes a cancellation may take:
// the settings' own, or the defaults when it has none.
func (s *Settings) CancelReasonCodes() []string {
	if len(s.CancelReasons) == 0 {
		return DefaultCancelReasons()
	}
	return s.CancelReasons
}

// validateCancelReasons checks the configurable list: codes of lowercase
// letters, digits and underscores, each once; other must be in it (a
// cancellation without a code records other), and stale too while the stale
// policy cancels. An empty list is the defaults.
func (s *Settings) validateCancelReasons() error {
	if len(s.CancelReasons) == 0 {
		return nil
	}
	if len(s.CancelReasons) > MaxCancelReasons {
		return FieldErrorf(EINVALID, "cancel_reasons", "At most %d reason codes.", MaxCancelReasons)
	}
	seen := map[string]bool{}
	for i, c := range s.CancelReasons {
		if !reasonCodePattern.MatchString(c) {
			return FieldErrorf(EINVALID, "cancel_reasons["+itoa(int64(i))+"]", "A reason code is 1 to 40 lowercase letters, digits or underscores, starting with a letter.")
		}
		if seen[c] {
			return FieldErrorf(EINVALID, "cancel_reasons["+itoa(int64(i))+"]", "Reason code %q is listed twice.", c)
		}
		seen[c] = true
	}
	if !seen[ReasonOther] {
		return FieldErrorf(EINVALID, "cancel_reasons", "The list must include other: a cancellation without a reason code records it.")
	}
	if s.Stale.EffectiveAction() == StaleCancel && s.Stale.On() && !seen[ReasonStale] {
		return FieldErrorf(EINVALID, "cancel_reasons", "The list must include stale while the stale policy cancels.")
	}
	return nil
}

// ResolveReasonCode is the reason code a cancellation records: code, or
// other when it is empty. Returns EINVALID (field "reason_code") listing the
// allowed codes when code is not among them.
func ResolveReasonCode(code string, allowed []string) (string, error) {
	if code == "" {
		code = ReasonOther
	}
	if !slices.Contains(allowed, code) {
		return "", FieldErrorf(EINVALID, "reason_code", "Reason code must be one of %s.", strings.Join(allowed, ", "))
	}
	return code, nil
}

// Cancellation is the record of the units one cancellation took from one
// order line, with the reason code, kept for the cancellation report.
type Cancellation struct {
	At         time.Time
	OrderID    string
	LineID     int64
	SKU        string
	Units      int64
	ValueCents int64
	Currency   string
	ReasonCode string
}

// Cancellations are the records of the units a cancellation plan takes, at
// at with the reason code.
func Cancellations(plan []LineCancel, orderID, code string, at time.Time) []Cancellation {
	out := make([]Cancellation, 0, len(plan))
	for _, c := range plan {
		units := c.Backordered + c.Allocated
		if units == 0 {
			continue
		}
		out = append(out, Cancellation{At: at, OrderID: orderID, LineID: c.Line.ID, SKU: c.Line.SKU, Units: units,
			ValueCents: units * c.Line.PriceCents, Currency: c.Line.Currency, ReasonCode: code})
	}
	return out
}

// CancellationSum is what the store sums of the cancellation records in a
// window, per reason code, SKU and currency: the records (one per line
// per cancellation), the units and their value.
type CancellationSum struct {
	ReasonCode string
	SKU        string
	Currency   string
	Lines      int64
	Units      int64
	ValueCents int64
}

// CancellationReport gives the cancellations of a window [From, To) by
// reason code and by SKU.
type CancellationReport struct {
	From     time.Time         `json:"from"`
	To       time.Time         `json:"to"`
	Total    CancellationTotal `json:"total"`
	ByReason []CancellationRow `json:"by_reason"`
	BySKU    []CancellationRow `json:"by_sku"`
}

// CancellationTotal is the cancellations of the window, per currency for
// the value.
type CancellationTotal struct {
	Lines  int64            `json:"count"`
	Units  int64            `json:"units"`
	Values []CurrencyAmount `json:"values"`
}

// CurrencyAmount is an amount in one currency's minor units.
type CurrencyAmount struct {
	Currency   string `json:"currency"`
	ValueCents int64  `json:"value_cents"`
}

// CancellationRow is one reason code's, or one SKU's, cancellations: the
// line records (one per line per cancellation), the units and their value
// per currency.
type CancellationRow struct {
	ReasonCode string           `json:"reason_code,omitempty"`
	SKU        string           `json:"sku,omitempty"`
	Lines      int64            `json:"count"`
	Units      int64            `json:"units"`
	Values     []CurrencyAmount `json:"values"`
}

// MaxReportDays bounds a cancellation report's window.
const MaxReportDays = 366

// ReportWindow checks a report's window: from before to, at most
// MaxReportDays days. Returns EINVALID naming the field.
func ReportWindow(from, to time.Time) error {
	if !from.Before(to) {
		return FieldErrorf(EINVALID, "to", "to must be after from.")
	}
	if to.Sub(from) > MaxReportDays*24*time.Hour {
		return FieldErrorf(EINVALID, "to", "The window may be at most %d days.", MaxReportDays)
	}
	return nil
}

// BuildCancellationReport folds the store's sums into the report: rows by
// reason code (in the settings' order of codes, then any other code
// alphabetically) and by SKU (most units first, then SKU).
func BuildCancellationReport(from, to time.Time, sums []CancellationSum, codes []string) *CancellationReport {
	r := &CancellationReport{From: from, To: to, ByReason: []CancellationRow{}, BySKU: []CancellationRow{}}
	byReason, bySKU := map[string]*CancellationRow{}, map[string]*CancellationRow{}
	total := CancellationRow{}
	add := func(row *CancellationRow, s CancellationSum) {
		row.Lines += s.Lines
		row.Units += s.Units
		for i := range row.Values {
			if row.Values[i].Currency == s.Currency {
				row.Values[i].ValueCents += s.ValueCents
				return
			}
		}
		row.Values = append(row.Values, CurrencyAmount{Currency: s.Currency, ValueCents: s.ValueCents})
		slices.SortFunc(row.Values, func(a, b CurrencyAmount) int { return cmp.Compare(a.Currency, b.Currency) })
	}
	for _, s := range sums {
		if byReason[s.ReasonCode] == nil {
			byReason[s.ReasonCode] = &CancellationRow{ReasonCode: s.ReasonCode}
		}
		if bySKU[s.SKU] == nil {
			bySKU[s.SKU] = &CancellationRow{SKU: s.SKU}
		}
		add(byReason[s.ReasonCode], s)
		add(bySKU[s.SKU], s)
		add(&total, s)
	}
	rank := func(code string) int {
		if i := slices.Index(codes, code); i >= 0 {
			return i
		}
		return len(codes)
	}
	for _, row := range byReason {
		r.ByReason = append(r.ByReason, *row)
	}
	slices.SortFunc(r.ByReason, func(a, b CancellationRow) int {
		return cmp.Or(cmp.Compare(rank(a.ReasonCode), rank(b.ReasonCode)), cmp.Compare(a.ReasonCode, b.ReasonCode))
	})
	for _, row := range bySKU {
		r.BySKU = append(r.BySKU, *row)
	}
	slices.SortFunc(r.BySKU, func(a, b CancellationRow) int {
		return cmp.Or(cmp.Compare(b.Units, a.Units), cmp.Compare(a.SKU, b.SKU))
	})
	r.Total = CancellationTotal{Lines: total.Lines, Units: total.Units, Values: total.Values}
	if r.Total.Values == nil {
		r.Total.Values = []CurrencyAmount{}
	}
	return r
}
