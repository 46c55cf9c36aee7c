package backorder

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
)

// Avoid rules: "avoid backorders when". Each is off until named in the
// shop's or the product's avoid_rules, is judged at intake only for a
// product that would put units on backorder (after the policy rules of
// backorderRule), and a refusal names the rule (see the Rule* constants in
// error.go):
//
//   - no_restock_date: the SKU has no open purchase order units and no
//     lead time (its own lead_time_days, else its supplier's): the
//     promise basis would be none.
//   - lead_time: the backordered units, at the back of the SKU's queue,
//     would be promised (Promiser) after today + max_days. A promise with
//     no date is left to no_restock_date.
//   - supplier_reliability: the product's supplier has delivered at least
//     min_sample purchase order lines in full and the share of them on
//     time (SupplierReliability) is below min_on_time_share. A product
//     with no supplier is not judged by it.
//   - cancel_risk: of the SKU's order lines put on backorder at intake in
//     the window_days before now (BackorderStats), at least min_sample,
//     the share with any unit cancelled since is above max_cancel_rate.
//
// The boundaries pass: a promise exactly max_days away, an on-time share
// exactly at the minimum, a cancel rate exactly at the maximum.
//
// Thresholds left out take these defaults.
const (
	DefaultAvoidMaxDays        = 30   // lead_time: promise at most 30 days from today
	DefaultAvoidMinOnTimeShare = 0.8  // supplier_reliability: 80% of lines on time
	DefaultAvoidSupplierSample = 5    // supplier_reliability: lines received in full
	DefaultAvoidWindowDays     = 90   // cancel_risk: backordered lines of the last 90 days
	DefaultAvoidMaxCancelRate  = 0.2  // cancel_risk: the source document's 20% target
	DefaultAvoidCancelSample   = 10   // cancel_risk: backordered lines in the window
	MaxAvoidDays               = 3650 // bound on max_days and window_days
	MaxAvoidSample             = 1_000_000
)

// AvoidRule is one entry of avoid_rules: a rule name and its thresholds. A
// nil threshold takes its default; a threshold the rule does not use is
// invalid. Enabled false (in a product's list) turns the shop's rule of
// that name off for the product; nil means on.
type AvoidRule struct {
	Rule           string   `json:"rule"`
	Enabled        *bool    `json:"enabled,omitempty"`
	MaxDays        *int     `json:"max_days,omitempty"`
	MinOnTimeShare *float64 `json:"min_on_time_share,omitempty"`
	MinSample      *int     `json:"min_sample,omitempty"`
	WindowDays     *int     `json:"window_days,omitempty"`
	MaxCancelRate  *float64 `json:"max_cancel_rate,omitempty"`
}

// AvoidRules is a list of avoid rules; an empty list is written as [].
type AvoidRules []AvoidRule

// MarshalJSON writes nil as an empty list.
func (rs AvoidRules) MarshalJSON() ([]byte, error) {
	if rs == nil {
		return []byte("[]"), nil
	}
	return json.Marshal([]AvoidRule(rs))
}

// UnmarshalJSON reads a list, refusing fields an entry does not have; an
// empty list or null is nil, so that a list without rules has one form.
func (rs *AvoidRules) UnmarshalJSON(b []byte) error {
	var l []AvoidRule
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(&l); err != nil {
		return err
	}
	if len(l) == 0 {
		l = nil
	}
	*rs = l
	return nil
}

// on reports whether the entry turns its rule on.
func (r AvoidRule) on() bool { return r.Enabled == nil || *r.Enabled }

// Validate checks a list of avoid rules; field is its name in the request
// (avoid_rules), and an error names the entry's field path and its rule
// (for an unknown rule name, the message quotes the name).
func (rs AvoidRules) Validate(field string) error {
	seen := map[string]bool{}
	for i, r := range rs {
		at := fmt.Sprintf("%s[%d].", field, i)
		bad := func(name, format string, args ...any) error {
			return &Error{Code: EINVALID, Field: at + name, Rule: r.Rule, Message: fmt.Sprintf(format, args...)}
		}
		var uses map[string]bool
		switch r.Rule {
		case RuleNoRestockDate:
			uses = map[string]bool{}
		case RuleLeadTime:
			uses = map[string]bool{"max_days": true}
		case RuleSupplierReliability:
			uses = map[string]bool{"min_on_time_share": true, "min_sample": true}
		case RuleCancelRisk:
			uses = map[string]bool{"window_days": true, "max_cancel_rate": true, "min_sample": true}
		case "":
			return FieldErrorf(EINVALID, at+"rule", "Rule is required: no_restock_date, lead_time, supplier_reliability or cancel_risk.")
		default:
			// An unknown name is not a rule: the message quotes it.
			return FieldErrorf(EINVALID, at+"rule", "Unknown rule %q: must be no_restock_date, lead_time, supplier_reliability or cancel_risk.", r.Rule)
		}
		if seen[r.Rule] {
			return bad("rule", "Rule %s is listed twice.", r.Rule)
		}
		seen[r.Rule] = true
		for name, set := range map[string]bool{
			"max_days": r.MaxDays != nil, "min_on_time_share": r.MinOnTimeShare != nil, "min_sample": r.MinSample != nil,
			"window_days": r.WindowDays != nil, "max_cancel_rate": r.MaxCancelRate != nil,
		} {
			if set && !uses[name] {
				return bad(name, "Rule %s has no threshold %s.", r.Rule, name)
			}
		}
		switch {
		case r.MaxDays != nil && (*r.MaxDays < 0 || *r.MaxDays > MaxAvoidDays):
			return bad("max_days", "Max days must be between 0 and %d.", MaxAvoidDays)
		case r.WindowDays != nil && (*r.WindowDays < 1 || *r.WindowDays > MaxAvoidDays):
			return bad("window_days", "Window days must be between 1 and %d.", MaxAvoidDays)
		case r.MinSample != nil && (*r.MinSample < 1 || *r.MinSample > MaxAvoidSample):
			return bad("min_sample", "Min sample must be between 1 and %d.", MaxAvoidSample)
		case r.MinOnTimeShare != nil && !(*r.MinOnTimeShare >= 0 && *r.MinOnTimeShare <= 1):
			return bad("min_on_time_share", "Min on-time share must be between 0 and 1.")
		case r.MaxCancelRate != nil && !(*r.MaxCancelRate >= 0 && *r.MaxCancelRate <= 1):
			return bad("max_cancel_rate", "Max cancel rate must be between 0 and 1.")
		}
	}
	return nil
}

// EffectiveAvoidRules merges the shop's avoid rules with a product's: a
// product entry replaces the shop's entry of the same rule, and one with
// enabled false turns it off. The result holds the rules that are on, in
// the shop's order then the product's, each with every threshold it uses
// filled in. Nil when no rule is on.
func EffectiveAvoidRules(shop, product AvoidRules) AvoidRules {
	if len(shop) == 0 && len(product) == 0 {
		return nil
	}
	var out AvoidRules
	own := map[string]AvoidRule{}
	for _, r := range product {
		own[r.Rule] = r
	}
	add := func(r AvoidRule) {
		if r.on() {
			out = append(out, r.withDefaults())
		}
	}
	for _, r := range shop {
		if p, ok := own[r.Rule]; ok {
			r = p
			delete(own, p.Rule)
		}
		add(r)
	}
	for _, r := range product {
		if _, ok := own[r.Rule]; ok {
			add(r)
		}
	}
	return out
}

func (r AvoidRule) withDefaults() AvoidRule {
	intp := func(p *int, d int) *int {
		if p != nil {
			return p
		}
		return &d
	}
	floatp := func(p *float64, d float64) *float64 {
		if p != nil {
			return p
		}
		return &d
	}
	out := AvoidRule{Rule: r.Rule}
	switch r.Rule {
	case RuleLeadTime:
		out.MaxDays = intp(r.MaxDays, DefaultAvoidMaxDays)
	case RuleSupplierReliability:
		out.MinOnTimeShare = floatp(r.MinOnTimeShare, DefaultAvoidMinOnTimeShare)
		out.MinSample = intp(r.MinSample, DefaultAvoidSupplierSample)
	case RuleCancelRisk:
		out.WindowDays = intp(r.WindowDays, DefaultAvoidWindowDays)
		out.MaxCancelRate = floatp(r.MaxCancelRate, DefaultAvoidMaxCancelRate)
		out.MinSample = intp(r.MinSample, DefaultAvoidCancelSample)
	}
	return out
}

// Find returns the rule of that name, if on.
func (rs AvoidRules) Find(rule string) (AvoidRule, bool) {
	for _, r := range rs {
		if r.Rule == rule {
			return r, true
		}
	}
	return AvoidRule{}, false
}

// BackorderStats counts a SKU's backordered lines since a time: Lines is
// the order lines that had units put on backorder at intake (a backorder
// movement) at or after it, and Cancelled those of them with any unit
// cancelled since, by the customer, the shop or a stale-backorder run.
type BackorderStats struct {
	Lines     int64 `json:"lines"`
	Cancelled int64 `json:"cancelled"`
}

// AvoidFacts is what the avoid rules of one SKU judge, read by the service
// only for the rules that are on: the SKU's supply (readSupply: open
// inbound and lead time, for no_restock_date and lead_time), its
// supplier's reliability (nil when the product names no supplier), and its
// backorder cancellations over the cancel_risk window.
type AvoidFacts struct {
	Supply      *SupplyPlan
	Reliability *Reliability
	Cancels     *BackorderStats
}

// avoidRule returns the first avoid rule (in rules' order) that refuses
// putting back more units of product p on backorder, or "" when none does.
// p.Stock is the stock before this order takes any of it.
func avoidRule(rules AvoidRules, p *Product, f *AvoidFacts, back int64, now time.Time) (rule, msg string) {
	if f == nil {
		return "", ""
	}
	for _, r := range rules {
		switch r.Rule {
		case RuleNoRestockDate:
			if f.Supply != nil && len(f.Supply.Inbound) == 0 && f.Supply.LeadTimeDays == nil {
				return r.Rule, "no restock date is known: no purchase order is open and the product has no lead time."
			}
		case RuleLeadTime:
			if f.Supply == nil {
				continue
			}
			// The units would wait at the back of the SKU's queue: behind
			// the units already waiting and those this order takes from
			// stock, dated by the same Promiser that dates the lines once
			// accepted (intakeDates). A priority rule may later move them
			// up, never further back than this. A line with no date is
			// no_restock_date's to refuse, not this rule's.
			plan := *f.Supply
			plan.Available = max(p.Stock.Available(), 0)
			pr := NewPromiser(plan, today(now))
			pr.Next(p.Stock.Backordered+plan.Available, "")
			from := ""
			if p.IsPreorder(now) {
				from = p.ReleaseDate
			}
			e := pr.Next(back, from)
			if e.Date == "" {
				continue
			}
			limit := addDays(today(now), *r.MaxDays)
			if e.Date > limit {
				return r.Rule, fmt.Sprintf("the backordered units would ship on %s, more than %d days from today (after %s).", e.Date, *r.MaxDays, limit)
			}
		case RuleSupplierReliability:
			rel := f.Reliability
			if rel == nil || rel.OnTimeShare == nil || rel.Sample < *r.MinSample {
				continue
			}
			if *rel.OnTimeShare < *r.MinOnTimeShare {
				return r.Rule, fmt.Sprintf("the supplier delivered %.0f%% of %d lines on time, below the minimum of %.0f%%.", *rel.OnTimeShare*100, rel.Sample, *r.MinOnTimeShare*100)
			}
		case RuleCancelRisk:
			c := f.Cancels
			if c == nil || c.Lines == 0 || c.Lines < int64(*r.MinSample) {
				continue
			}
			rate := float64(c.Cancelled) / float64(c.Lines)
			if rate > *r.MaxCancelRate {
				return r.Rule, fmt.Sprintf("%d of the %d lines backordered in the last %d days were cancelled (%.0f%%), above the maximum of %.0f%%.", c.Cancelled, c.Lines, *r.WindowDays, rate*100, *r.MaxCancelRate*100)
			}
		}
	}
	return "", ""
}

// AvoidAvailability is a product's availability a under its avoid rules
// (p resolved, f read for them): a backorder one of them would refuse for
// one more unit is unavailable, naming the rule.
func AvoidAvailability(a Availability, p *Product, f *AvoidFacts, now time.Time) Availability {
	if a.Status != AvailableBackorder {
		return a
	}
	if rule, _ := avoidRule(p.Effective.AvoidRules, p, f, 1, now); rule != "" {
		return Availability{Status: AvailableUnavailable, Label: "Unavailable", Rule: rule}
	}
	return a
}
