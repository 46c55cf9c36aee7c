package backorder

import (
	"fmt"
	"time"
)

// IntakeInput is everything the available-to-promise rule needs to decide an
// order: the request, the products it names with their live stock, the
// settings, the units the customer already has waiting per SKU, and the time.
type IntakeInput struct {
	Request             *OrderRequest
	Products            map[string]*Product
	Settings            *Settings
	CustomerBackordered map[string]int64
	// Avoid holds, per SKU with an avoid rule on, what the rules judge;
	// a SKU without an entry is judged by none.
	Avoid map[string]*AvoidFacts
	Now   time.Time
}

// IntakePlan is the decision on an order: the lines to create with what each
// takes from stock, the refused lines, and the split policy fixed for the order.
// Accepted is empty when the whole order is refused.
type IntakePlan struct {
	Accepted    []*Line
	Refused     []Refusal
	SplitPolicy string
}

// PlanIntake applies available-to-promise to an order. Each line takes what is
// available; the rest is backordered if the product's policy allows it. Lines
// of the same SKU are summed for every check. By default one refused line
// refuses the whole order; with partial acceptance the promisable lines are
// accepted. It returns an EREFUSED error naming the first refused line and its
// rule when nothing is accepted. Unknown SKUs are an ENOTFOUND error.
func PlanIntake(in IntakeInput) (*IntakePlan, error) {
	req, s := in.Request, in.Settings
	plan := &IntakePlan{}

	// Sum quantities per SKU, keeping the first line index of each.
	type group struct {
		sku   string
		first int
		qty   int64
		idx   []int
	}
	var groups []*group
	bySKU := map[string]*group{}
	for i, l := range req.Lines {
		if in.Products[l.SKU] == nil {
			return nil, FieldErrorf(ENOTFOUND, linesField(i, "sku"), "Line %d: unknown SKU %q.", i+1, l.SKU)
		}
		g := bySKU[l.SKU]
		if g == nil {
			g = &group{sku: l.SKU, first: i}
			bySKU[l.SKU] = g
			groups = append(groups, g)
		}
		g.qty += l.Quantity
		g.idx = append(g.idx, i)
	}

	type decision struct {
		alloc, back int64
		rule, msg   string
	}
	decided := map[string]decision{}
	for _, g := range groups {
		p := in.Products[g.sku]
		pol := s.Effective(p.Policy)
		avail := max(p.Stock.Available(), 0)
		alloc := min(avail, g.qty)
		back := g.qty - alloc
		d := decision{alloc: alloc, back: back}
		if back > 0 {
			d.rule, d.msg = backorderRule(p, pol, back, in.CustomerBackordered[g.sku], in.Now)
			if d.rule == "" && len(pol.AvoidRules) > 0 {
				d.rule, d.msg = avoidRule(pol.AvoidRules, p, in.Avoid[g.sku], back, in.Now)
			}
		}
		decided[g.sku] = d
	}

	for _, g := range groups {
		d := decided[g.sku]
		if d.rule == "" {
			continue
		}
		p := in.Products[g.sku]
		for _, i := range g.idx {
			q := req.Lines[i].Quantity
			plan.Refused = append(plan.Refused, Refusal{
				LineIndex: i, SKU: g.sku, Quantity: q, ValueCents: q * p.PriceCents, Currency: p.Currency,
				Rule: d.rule, Message: fmt.Sprintf("Line %d (%s): %s", i+1, g.sku, d.msg),
			})
		}
	}
	if len(plan.Refused) > 0 && !req.PartialAcceptance {
		// All or nothing: every requested line becomes lost demand; lines that
		// were promisable on their own carry the rule order_refused.
		first := plan.Refused[0]
		plan.Refused = plan.Refused[:0]
		for i, l := range req.Lines {
			p := in.Products[l.SKU]
			r := Refusal{LineIndex: i, SKU: l.SKU, Quantity: l.Quantity, ValueCents: l.Quantity * p.PriceCents, Currency: p.Currency, Rule: RuleOrderRefused,
				Message: fmt.Sprintf("Line %d (%s): refused with the rest of the order.", i+1, l.SKU)}
			if d := decided[l.SKU]; d.rule != "" {
				r.Rule, r.Message = d.rule, fmt.Sprintf("Line %d (%s): %s", i+1, l.SKU, d.msg)
			}
			plan.Refused = append(plan.Refused, r)
		}
		return plan, &Error{Code: EREFUSED, Field: linesField(first.LineIndex, "quantity"), Rule: first.Rule, Message: first.Message}
	}

	// Spread each SKU's allocation over its lines in request order.
	split := ""
	for _, g := range groups {
		d := decided[g.sku]
		if d.rule != "" {
			continue
		}
		p := in.Products[g.sku]
		pol := s.Effective(p.Policy)
		split = strongerSplit(split, pol.SplitPolicy)
		left := d.alloc
		for _, i := range g.idx {
			q := req.Lines[i].Quantity
			a := min(left, q)
			left -= a
			l := &Line{
				LineNo: i + 1, SKU: g.sku, Quantity: q, Allocated: a, Backordered: q - a,
				PriceCents: p.PriceCents, Currency: p.Currency, PaymentTiming: pol.PaymentTiming,
			}
			if p.IsPreorder(in.Now) {
				l.AvailableFrom = p.ReleaseDate
			}
			plan.Accepted = append(plan.Accepted, l)
		}
	}
	if len(plan.Accepted) == 0 {
		first := plan.Refused[0]
		return plan, &Error{Code: EREFUSED, Field: linesField(first.LineIndex, "quantity"), Rule: first.Rule, Message: first.Message}
	}
	// Keep the lines in request order.
	sortLines(plan.Accepted)
	plan.SplitPolicy = split
	return plan, nil
}

// backorderRule returns the rule that refuses backordering back more units of
// the product, or "" when the policy allows it.
func backorderRule(p *Product, pol EffectivePolicy, back, customerWaiting int64, now time.Time) (rule, msg string) {
	preorder := p.IsPreorder(now)
	switch {
	case p.Status == StatusDiscontinued:
		return RuleDiscontinued, fmt.Sprintf("the product is discontinued and only %d units are available.", max(p.Stock.Available(), 0))
	case !preorder && !pol.AcceptBackorders:
		return RuleNotBackorderable, fmt.Sprintf("the product does not accept backorders and only %d units are available.", max(p.Stock.Available(), 0))
	case pol.BackorderLimit != nil && p.Stock.Backordered+back > *pol.BackorderLimit:
		return RuleBackorderLimit, fmt.Sprintf("backordering %d units would exceed the product's backorder limit of %d (%d already waiting).", back, *pol.BackorderLimit, p.Stock.Backordered)
	case pol.MaxBackorderPerCustomer != nil && customerWaiting+back > *pol.MaxBackorderPerCustomer:
		return RuleCustomerLimit, fmt.Sprintf("backordering %d units would exceed the limit of %d per customer (%d already waiting).", back, *pol.MaxBackorderPerCustomer, customerWaiting)
	}
	return "", ""
}

// strongerSplit combines the split policies of an order's products: one product
// that ships complete makes the order ship complete; one that leaves the choice
// to the customer makes the order wait for it; one that decides by cost and
// wait (auto) makes the order decide; otherwise ship what is available.
func strongerSplit(a, b string) string {
	rank := map[string]int{"": 0, SplitShipAvailable: 1, SplitAuto: 2, SplitCustomerChoice: 3, SplitShipComplete: 4}
	if rank[b] > rank[a] {
		return b
	}
	return a
}

func sortLines(ls []*Line) {
	for i := 1; i < len(ls); i++ {
		for j := i; j > 0 && ls[j].LineNo < ls[j-1].LineNo; j-- {
			ls[j], ls[j-1] = ls[j-1], ls[j]
		}
	}
}
