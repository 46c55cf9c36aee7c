package backorder_test

import (
	"errors"
	"testing"

	"github.com/backorder/backorder"
)

// TestAvoidRules runs each avoid rule through PlanIntake on facts given
// directly: each refusing and naming itself, and the boundaries.
func TestAvoidRules(t *testing.T) {
	// day0 is 2026-01-05; a lead time of 20 days, no buffer and 1 handling
	// day promises 2026-01-26, 21 days from today.
	lead := func(days int) *backorder.SupplyPlan {
		return &backorder.SupplyPlan{LeadTimeDays: &days, HandlingDays: 1}
	}
	po := func(units int64, expected string) *backorder.SupplyPlan {
		return &backorder.SupplyPlan{Inbound: []backorder.Inbound{{PurchaseOrderID: 7, ExpectedAt: expected, Units: units}}, HandlingDays: 1}
	}
	rel := func(share float64, sample int) *backorder.Reliability {
		return &backorder.Reliability{OnTimeShare: &share, Sample: sample}
	}
	rule := func(name string) backorder.AvoidRule { return backorder.AvoidRule{Rule: name} }
	off := backorder.AvoidRule{Rule: backorder.RuleNoRestockDate, Enabled: ptr(false)}

	tests := []struct {
		name        string
		shop, own   backorder.AvoidRules
		backordered int64 // units already waiting
		qty         int64 // ordered, with 2 in stock
		facts       *backorder.AvoidFacts
		want        string // the refusing rule, or "" for accepted
	}{
		{"NoRestockDate", nil, backorder.AvoidRules{rule(backorder.RuleNoRestockDate)}, 0, 5, &backorder.AvoidFacts{Supply: &backorder.SupplyPlan{}}, backorder.RuleNoRestockDate},
		{"NoRestockDateWithPO", nil, backorder.AvoidRules{rule(backorder.RuleNoRestockDate)}, 0, 5, &backorder.AvoidFacts{Supply: po(1, "2026-01-10")}, ""},
		{"NoRestockDateWithLeadTime", nil, backorder.AvoidRules{rule(backorder.RuleNoRestockDate)}, 0, 5, &backorder.AvoidFacts{Supply: lead(20)}, ""},
		{"NoRestockDateShopWide", backorder.AvoidRules{rule(backorder.RuleNoRestockDate)}, nil, 0, 5, &backorder.AvoidFacts{Supply: &backorder.SupplyPlan{}}, backorder.RuleNoRestockDate},
		{"NoRestockDateOffForProduct", backorder.AvoidRules{rule(backorder.RuleNoRestockDate)}, backorder.AvoidRules{off}, 0, 5, &backorder.AvoidFacts{Supply: &backorder.SupplyPlan{}}, ""},
		{"NothingBackordered", nil, backorder.AvoidRules{rule(backorder.RuleNoRestockDate)}, 0, 2, &backorder.AvoidFacts{Supply: &backorder.SupplyPlan{}}, ""},

		{"LeadTimeBeyond", nil, backorder.AvoidRules{{Rule: backorder.RuleLeadTime, MaxDays: ptr(20)}}, 0, 5, &backorder.AvoidFacts{Supply: lead(20)}, backorder.RuleLeadTime},
		{"LeadTimeExactlyAt", nil, backorder.AvoidRules{{Rule: backorder.RuleLeadTime, MaxDays: ptr(21)}}, 0, 5, &backorder.AvoidFacts{Supply: lead(20)}, ""},
		{"LeadTimeDefault30", nil, backorder.AvoidRules{rule(backorder.RuleLeadTime)}, 0, 5, &backorder.AvoidFacts{Supply: lead(29)}, ""},
		{"LeadTimeDefault30Beyond", nil, backorder.AvoidRules{rule(backorder.RuleLeadTime)}, 0, 5, &backorder.AvoidFacts{Supply: lead(30)}, backorder.RuleLeadTime},
		// A PO of 3 on 2026-01-10 covers 3 backordered units (promised
		// 2026-01-11, 6 days): within 10 days.
		{"LeadTimeCoveredByPO", nil, backorder.AvoidRules{{Rule: backorder.RuleLeadTime, MaxDays: ptr(10)}}, 0, 5, &backorder.AvoidFacts{Supply: po(3, "2026-01-10")}, ""},
		// The same PO is taken by the 3 units already waiting: the order's
		// units come after it, with no lead time: no date, not this rule's.
		{"LeadTimeBehindQueueNoDate", nil, backorder.AvoidRules{{Rule: backorder.RuleLeadTime, MaxDays: ptr(10)}}, 3, 5, &backorder.AvoidFacts{Supply: po(3, "2026-01-10")}, ""},
		{"LeadTimeBehindQueue", nil, backorder.AvoidRules{{Rule: backorder.RuleLeadTime, MaxDays: ptr(10)}}, 3, 5,
			&backorder.AvoidFacts{Supply: &backorder.SupplyPlan{Inbound: po(3, "2026-01-10").Inbound, LeadTimeDays: ptr(20), HandlingDays: 1}}, backorder.RuleLeadTime},
		{"LeadTimeProductOverridesShop", backorder.AvoidRules{{Rule: backorder.RuleLeadTime, MaxDays: ptr(5)}}, backorder.AvoidRules{{Rule: backorder.RuleLeadTime, MaxDays: ptr(25)}}, 0, 5, &backorder.AvoidFacts{Supply: lead(20)}, ""},

		{"SupplierUnreliable", nil, backorder.AvoidRules{rule(backorder.RuleSupplierReliability)}, 0, 5, &backorder.AvoidFacts{Reliability: rel(0.6, 5)}, backorder.RuleSupplierReliability},
		{"SupplierExactlyAtShare", nil, backorder.AvoidRules{rule(backorder.RuleSupplierReliability)}, 0, 5, &backorder.AvoidFacts{Reliability: rel(0.8, 5)}, ""},
		{"SupplierBelowSample", nil, backorder.AvoidRules{rule(backorder.RuleSupplierReliability)}, 0, 5, &backorder.AvoidFacts{Reliability: rel(0.1, 4)}, ""},
		{"SupplierOwnSample", nil, backorder.AvoidRules{{Rule: backorder.RuleSupplierReliability, MinOnTimeShare: ptr(0.5), MinSample: ptr(2)}}, 0, 5, &backorder.AvoidFacts{Reliability: rel(0.25, 4)}, backorder.RuleSupplierReliability},
		{"SupplierNone", nil, backorder.AvoidRules{rule(backorder.RuleSupplierReliability)}, 0, 5, &backorder.AvoidFacts{}, ""},

		{"CancelRisk", nil, backorder.AvoidRules{rule(backorder.RuleCancelRisk)}, 0, 5, &backorder.AvoidFacts{Cancels: &backorder.BackorderStats{Lines: 10, Cancelled: 3}}, backorder.RuleCancelRisk},
		{"CancelRiskExactlyAt", nil, backorder.AvoidRules{rule(backorder.RuleCancelRisk)}, 0, 5, &backorder.AvoidFacts{Cancels: &backorder.BackorderStats{Lines: 10, Cancelled: 2}}, ""},
		{"CancelRiskBelowSample", nil, backorder.AvoidRules{rule(backorder.RuleCancelRisk)}, 0, 5, &backorder.AvoidFacts{Cancels: &backorder.BackorderStats{Lines: 9, Cancelled: 9}}, ""},
		{"CancelRiskOffForProduct", backorder.AvoidRules{rule(backorder.RuleCancelRisk)}, backorder.AvoidRules{{Rule: backorder.RuleCancelRisk, Enabled: ptr(false)}}, 0, 5, &backorder.AvoidFacts{Cancels: &backorder.BackorderStats{Lines: 10, Cancelled: 9}}, ""},

		// The first rule in order that refuses names itself.
		{"FirstRuleWins", backorder.AvoidRules{rule(backorder.RuleCancelRisk)}, backorder.AvoidRules{rule(backorder.RuleNoRestockDate)}, 0, 5,
			&backorder.AvoidFacts{Supply: &backorder.SupplyPlan{}, Cancels: &backorder.BackorderStats{Lines: 10, Cancelled: 9}}, backorder.RuleCancelRisk},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := backorder.DefaultSettings()
			s.AvoidRules = tt.shop
			p := product("W", 2, 0, tt.backordered, backorder.Policy{AvoidRules: tt.own})
			plan, err := backorder.PlanIntake(backorder.IntakeInput{
				Request:  order(backorder.LineRequest{SKU: "W", Quantity: tt.qty}),
				Products: map[string]*backorder.Product{"W": p},
				Settings: &s, Avoid: map[string]*backorder.AvoidFacts{"W": tt.facts}, Now: day0,
			})
			if tt.want == "" {
				if err != nil {
					t.Fatalf("err=%v, want accepted", err)
				}
				return
			}
			var e *backorder.Error
			if !errors.As(err, &e) || e.Code != backorder.EREFUSED || e.Rule != tt.want || e.Field != "lines[0].quantity" {
				t.Fatalf("err=%#v, want EREFUSED rule %s on lines[0].quantity", err, tt.want)
			}
			if len(plan.Refused) != 1 || plan.Refused[0].Rule != tt.want || plan.Refused[0].Quantity != tt.qty {
				t.Fatalf("refused=%+v, want one line of %d by %s", plan.Refused, tt.qty, tt.want)
			}
		})
	}
}

func TestAvoidRulesValidate(t *testing.T) {
	tests := []struct {
		name       string
		rules      backorder.AvoidRules
		field, why string // want field and rule; "" for valid
	}{
		{"Valid", backorder.AvoidRules{{Rule: "lead_time", MaxDays: ptr(21)}, {Rule: "no_restock_date"}, {Rule: "supplier_reliability", MinOnTimeShare: ptr(1.0), MinSample: ptr(1)}, {Rule: "cancel_risk", WindowDays: ptr(30), MaxCancelRate: ptr(0.0), MinSample: ptr(3)}}, "", ""},
		{"Unknown", backorder.AvoidRules{{Rule: "lead_time"}, {Rule: "weather"}}, "avoid_rules[1].rule", ""},
		{"Missing", backorder.AvoidRules{{}}, "avoid_rules[0].rule", ""},
		{"Duplicate", backorder.AvoidRules{{Rule: "lead_time"}, {Rule: "lead_time", MaxDays: ptr(3)}}, "avoid_rules[1].rule", "lead_time"},
		{"MaxDaysNegative", backorder.AvoidRules{{Rule: "no_restock_date"}, {Rule: "lead_time", MaxDays: ptr(-1)}}, "avoid_rules[1].max_days", "lead_time"},
		{"MaxDaysTooLarge", backorder.AvoidRules{{Rule: "lead_time", MaxDays: ptr(3651)}}, "avoid_rules[0].max_days", "lead_time"},
		{"ShareAboveOne", backorder.AvoidRules{{Rule: "supplier_reliability", MinOnTimeShare: ptr(1.01)}}, "avoid_rules[0].min_on_time_share", "supplier_reliability"},
		{"SampleZero", backorder.AvoidRules{{Rule: "cancel_risk", MinSample: ptr(0)}}, "avoid_rules[0].min_sample", "cancel_risk"},
		{"WindowZero", backorder.AvoidRules{{Rule: "cancel_risk", WindowDays: ptr(0)}}, "avoid_rules[0].window_days", "cancel_risk"},
		{"RateNegative", backorder.AvoidRules{{Rule: "cancel_risk", MaxCancelRate: ptr(-0.1)}}, "avoid_rules[0].max_cancel_rate", "cancel_risk"},
		{"ForeignThreshold", backorder.AvoidRules{{Rule: "no_restock_date", MaxDays: ptr(3)}}, "avoid_rules[0].max_days", "no_restock_date"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.rules.Validate("avoid_rules")
			if tt.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var e *backorder.Error
			if !errors.As(err, &e) || e.Code != backorder.EINVALID || e.Field != tt.field || e.Rule != tt.why {
				t.Fatalf("err=%#v, want EINVALID on %s naming %q", err, tt.field, tt.why)
			}
		})
	}

	// Through a product and the settings, with their own prefixes.
	in := backorder.ProductInput{SKU: "W", Name: "W", Currency: "USD", Status: backorder.StatusActive,
		Policy: backorder.Policy{AvoidRules: backorder.AvoidRules{{Rule: "lead_time", MaxDays: ptr(-5)}}}}
	var e *backorder.Error
	if err := in.Validate(); !errors.As(err, &e) || e.Field != "avoid_rules[0].max_days" || e.Rule != "lead_time" {
		t.Fatalf("product: err=%#v", err)
	}
	s := backorder.DefaultSettings()
	s.AvoidRules = backorder.AvoidRules{{Rule: "cancel_risk"}, {Rule: "nope"}}
	if err := s.Validate(); !errors.As(err, &e) || e.Field != "avoid_rules[1].rule" || e.Rule != "" {
		t.Fatalf("settings: err=%#v", err)
	}
}

func TestAvoidAvailability(t *testing.T) {
	s := backorder.DefaultSettings()
	p := product("W", 0, 0, 0, backorder.Policy{AvoidRules: backorder.AvoidRules{{Rule: backorder.RuleNoRestockDate}}})
	p.Resolve(&s)
	backordered := backorder.Availability{Status: backorder.AvailableBackorder, Label: "Backorder – ship date to follow"}
	if a := backorder.AvoidAvailability(backordered, p, &backorder.AvoidFacts{Supply: &backorder.SupplyPlan{}}, day0); a.Status != backorder.AvailableUnavailable || a.Rule != backorder.RuleNoRestockDate {
		t.Fatalf("no supply: %+v", a)
	}
	if a := backorder.AvoidAvailability(backordered, p, &backorder.AvoidFacts{Supply: &backorder.SupplyPlan{LeadTimeDays: ptr(3)}}, day0); a != backordered {
		t.Fatalf("lead time: %+v", a)
	}
	inStock := backorder.Availability{Status: backorder.AvailableInStock, Label: "In stock"}
	if a := backorder.AvoidAvailability(inStock, p, &backorder.AvoidFacts{Supply: &backorder.SupplyPlan{}}, day0); a != inStock {
		t.Fatalf("in stock: %+v", a)
	}
}

func TestEffectiveAvoidRules(t *testing.T) {
	shop := backorder.AvoidRules{{Rule: "lead_time", MaxDays: ptr(10)}, {Rule: "no_restock_date"}, {Rule: "cancel_risk"}}
	own := backorder.AvoidRules{{Rule: "no_restock_date", Enabled: ptr(false)}, {Rule: "lead_time", MaxDays: ptr(40)}, {Rule: "supplier_reliability", MinSample: ptr(3)}}
	got := backorder.EffectiveAvoidRules(shop, own)
	if len(got) != 3 || got[0].Rule != "lead_time" || *got[0].MaxDays != 40 ||
		got[1].Rule != "cancel_risk" || *got[1].WindowDays != backorder.DefaultAvoidWindowDays || *got[1].MaxCancelRate != backorder.DefaultAvoidMaxCancelRate || *got[1].MinSample != backorder.DefaultAvoidCancelSample ||
		got[2].Rule != "supplier_reliability" || *got[2].MinSample != 3 || *got[2].MinOnTimeShare != backorder.DefaultAvoidMinOnTimeShare {
		t.Fatalf("effective=%+v", got)
	}
	if got := backorder.EffectiveAvoidRules(nil, nil); got != nil {
		t.Fatalf("no rules: %+v", got)
	}
}
