package http_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/backorder/backorder"
)

// TestAvoidRules: avoid_rules on a product and in the settings, an order
// refused by one with 409 EREFUSED naming the line and the rule, the
// refusal in lost demand and in a quote, and bad rules refused with
// EINVALID naming the field path and the rule.
func TestAvoidRules(t *testing.T) {
	t.Parallel()
	s := MustOpenServer(t)
	rules := []map[string]any{{"rule": "lead_time", "max_days": 21}, {"rule": "no_restock_date"}}
	p := s.MustPutProduct(t, "AV", "avoid_rules", rules)
	if len(p.AvoidRules) != 2 || p.AvoidRules[0].Rule != backorder.RuleLeadTime || *p.AvoidRules[0].MaxDays != 21 {
		t.Fatalf("avoid_rules=%+v", p.AvoidRules)
	}
	if e := p.Effective.AvoidRules; len(e) != 2 || e[1].Rule != backorder.RuleNoRestockDate {
		t.Fatalf("effective avoid_rules=%+v", e)
	}

	// AV has no purchase order and no lead time: no restock date.
	s.MustDo(t, http.StatusOK, "GET", "/v1/products/AV", nil, p)
	if a := p.Availability; a == nil || a.Status != backorder.AvailableUnavailable || a.Rule != backorder.RuleNoRestockDate {
		t.Fatalf("availability=%+v", a)
	}
	resp := s.Do(t, "POST", "/v1/quotes", order("", "c", "AV", 1))
	var q backorder.Quote
	resp.Decode(t, &q)
	if resp.Status != http.StatusOK || q.Status != backorder.QuoteRefused || q.Refused[0].Rule != backorder.RuleNoRestockDate {
		t.Fatalf("quote: %d %s", resp.Status, resp.Body)
	}
	resp = s.Do(t, "POST", "/v1/orders", order("AV-1", "c", "AV", 1))
	if e := resp.Error(t); resp.Status != http.StatusConflict || e.Code != backorder.EREFUSED || e.Rule != backorder.RuleNoRestockDate || e.Field != "lines[0].quantity" {
		t.Fatalf("order: %d %s", resp.Status, resp.Body)
	}
	var lost Page[backorder.LostDemand]
	s.MustDo(t, http.StatusOK, "GET", "/v1/lost-demand", nil, &lost)
	if len(lost.Data) != 1 || lost.Data[0].Rule != backorder.RuleNoRestockDate || lost.Data[0].SKU != "AV" {
		t.Fatalf("lost demand=%+v", lost.Data)
	}

	// Shop-wide, turned off by a product.
	var set map[string]any
	s.MustDo(t, http.StatusOK, "GET", "/v1/settings", nil, &set)
	if got, _ := json.Marshal(set["avoid_rules"]); string(got) != "[]" {
		t.Fatalf("default avoid_rules=%s, want []", got)
	}
	set["avoid_rules"] = []map[string]any{{"rule": "cancel_risk", "window_days": 30}, {"rule": "no_restock_date"}}
	var saved backorder.Settings
	s.MustDo(t, http.StatusOK, "PUT", "/v1/settings", set, &saved)
	if len(saved.AvoidRules) != 2 || *saved.AvoidRules[0].WindowDays != 30 {
		t.Fatalf("saved avoid_rules=%+v", saved.AvoidRules)
	}
	s.MustPutProduct(t, "OFF", "avoid_rules", []map[string]any{{"rule": "no_restock_date", "enabled": false}})
	s.MustPlaceOrder(t, order("OFF-1", "c", "OFF", 1))
	s.MustPutProduct(t, "ON")
	if resp := s.Do(t, "POST", "/v1/orders", order("ON-1", "c", "ON", 1)); resp.Status != http.StatusConflict {
		t.Fatalf("shop-wide rule: %d %s", resp.Status, resp.Body)
	}

	for _, c := range []struct {
		name        string
		rules       any
		field, rule string
	}{
		{"Unknown", []map[string]any{{"rule": "lead_time"}, {"rule": "moon_phase"}}, "avoid_rules[1].rule", ""},
		{"Duplicate", []map[string]any{{"rule": "lead_time"}, {"rule": "lead_time"}}, "avoid_rules[1].rule", "lead_time"},
		{"OutOfRange", []map[string]any{{"rule": "no_restock_date"}, {"rule": "lead_time", "max_days": -3}}, "avoid_rules[1].max_days", "lead_time"},
		{"ShareOutOfRange", []map[string]any{{"rule": "supplier_reliability", "min_on_time_share": 1.5}}, "avoid_rules[0].min_on_time_share", "supplier_reliability"},
		{"NotItsThreshold", []map[string]any{{"rule": "cancel_risk", "max_days": 3}}, "avoid_rules[0].max_days", "cancel_risk"},
	} {
		for _, target := range []struct{ method, path string }{{"PUT", "/v1/products/BAD"}, {"PUT", "/v1/settings"}} {
			body := product("Bad", "avoid_rules", c.rules)
			if target.path == "/v1/settings" {
				body = map[string]any{"defaults": set["defaults"], "priority": set["priority"], "avoid_rules": c.rules}
			}
			resp := s.Do(t, target.method, target.path, body)
			if e := resp.Error(t); resp.Status != http.StatusUnprocessableEntity || e.Code != backorder.EINVALID || e.Field != c.field || e.Rule != c.rule {
				t.Fatalf("%s %s: %d %s, want 422 on %s naming %s", c.name, target.path, resp.Status, resp.Body, c.field, c.rule)
			}
		}
	}

	// Not the shape of a list of rules: a 4xx naming the field, never a 500.
	for _, bad := range []any{
		map[string]any{"rule": "lead_time"},
		[]map[string]any{{"rule": "lead_time", "max_days": "soon"}},
		[]map[string]any{{"rule": "lead_time", "max_weeks": 3}},
	} {
		resp := s.Do(t, "PUT", "/v1/products/BAD", product("Bad", "avoid_rules", bad))
		if e := resp.Error(t); resp.Status/100 != 4 || e.Field == "" {
			t.Fatalf("%v: %d %s, want a 4xx naming the field", bad, resp.Status, resp.Body)
		}
	}
}
