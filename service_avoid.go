package backorder

import (
	"context"
	"time"
)

// avoidFacts reads what the avoid rules judge (AvoidFacts), only for the
// products with a rule on and only what those rules use: intake with no
// avoid rule on reads nothing more. The supply is read by readSupply, as
// intake's dating reads it.
func avoidFacts(ctx context.Context, tx Tx, settings *Settings, products map[string]*Product, now time.Time) (map[string]*AvoidFacts, error) {
	var out map[string]*AvoidFacts
	for sku, p := range products {
		rules := EffectiveAvoidRules(settings.AvoidRules, p.AvoidRules)
		if len(rules) == 0 {
			continue
		}
		f, err := avoidFactsOf(ctx, tx, settings, p, rules, now)
		if err != nil {
			return nil, err
		}
		if out == nil {
			out = map[string]*AvoidFacts{}
		}
		out[sku] = f
	}
	return out, nil
}

// avoidFactsOf reads what the avoid rules on for product p judge.
func avoidFactsOf(ctx context.Context, tx Tx, settings *Settings, p *Product, rules AvoidRules, now time.Time) (*AvoidFacts, error) {
	f := &AvoidFacts{}
	_, restock := rules.Find(RuleNoRestockDate)
	_, lead := rules.Find(RuleLeadTime)
	if restock || lead {
		plan, _, err := readSupply(ctx, tx, p, settings)
		if err != nil {
			return nil, err
		}
		f.Supply = &plan
	}
	if _, ok := rules.Find(RuleSupplierReliability); ok && p.SupplierID != "" {
		sup := &Supplier{ID: p.SupplierID}
		if err := measure(ctx, tx, sup); err != nil {
			return nil, err
		}
		f.Reliability = sup.Reliability
	}
	if r, ok := rules.Find(RuleCancelRisk); ok {
		st, err := tx.BackorderStats(ctx, p.SKU, now.AddDate(0, 0, -*r.WindowDays))
		if err != nil {
			return nil, err
		}
		f.Cancels = &st
	}
	return f, nil
}
