package backorder_test

import (
	"testing"

	"github.com/backorder/backorder"
)

func ptr[T any](v T) *T { return &v }

func product(sku string, onHand, allocated, backordered int64, pol backorder.Policy) *backorder.Product {
	return &backorder.Product{
		SKU: sku, Name: sku, PriceCents: 2500, Currency: "USD", Status: backorder.StatusActive, Policy: pol,
		Stock: backorder.Stock{SKU: sku, OnHand: onHand, Allocated: allocated, Backordered: backordered},
	}
}

func order(lines ...backorder.LineRequest) *backorder.OrderRequest {
	return &backorder.OrderRequest{ID: "100", Customer: backorder.Customer{ID: "c1", Email: "ann@example.com", Name: "Ann"}, Lines: lines, Shipping: "standard"}
}

func TestPlanIntake(t *testing.T) {
	s := backorder.DefaultSettings()

	t.Run("SourceDocumentSplit", func(t *testing.T) {
		// 5 ordered with 3 in stock: 3 allocated, 2 backordered.
		plan, err := backorder.PlanIntake(backorder.IntakeInput{
			Request:  order(backorder.LineRequest{SKU: "W", Quantity: 5}),
			Products: map[string]*backorder.Product{"W": product("W", 3, 0, 0, backorder.Policy{})},
			Settings: &s, Now: day0,
		})
		if err != nil {
			t.Fatal(err)
		} else if got, want := len(plan.Accepted), 1; got != want {
			t.Fatalf("accepted=%d, want %d", got, want)
		} else if l := plan.Accepted[0]; l.Allocated != 3 || l.Backordered != 2 || l.Quantity != 5 {
			t.Fatalf("line=%+v, want allocated 3 backordered 2", l)
		}
	})

	t.Run("SameSKULinesSummed", func(t *testing.T) {
		// Two lines of 3 with 4 in stock and a per-customer limit of 2 waiting:
		// the sum (6) leaves 2 to wait, within the limit; the first line takes 3.
		plan, err := backorder.PlanIntake(backorder.IntakeInput{
			Request:  order(backorder.LineRequest{SKU: "W", Quantity: 3}, backorder.LineRequest{SKU: "W", Quantity: 3}),
			Products: map[string]*backorder.Product{"W": product("W", 4, 0, 0, backorder.Policy{MaxBackorderPerCustomer: ptr[int64](2)})},
			Settings: &s, Now: day0,
		})
		if err != nil {
			t.Fatal(err)
		}
		if a, b := plan.Accepted[0], plan.Accepted[1]; a.Allocated != 3 || a.Backordered != 0 || b.Allocated != 1 || b.Backordered != 2 {
			t.Fatalf("lines=%+v %+v", a, b)
		}
	})

	refusals := []struct {
		name string
		p    *backorder.Product
		qty  int64
		wait int64
		rule string
	}{
		{"ErrNotBackorderable", product("W", 1, 0, 0, backorder.Policy{AcceptBackorders: ptr(false)}), 2, 0, backorder.RuleNotBackorderable},
		{"ErrDiscontinued", func() *backorder.Product {
			p := product("W", 1, 0, 0, backorder.Policy{})
			p.Status = backorder.StatusDiscontinued
			return p
		}(), 2, 0, backorder.RuleDiscontinued},
		{"ErrCustomerLimit", product("W", 0, 0, 0, backorder.Policy{MaxBackorderPerCustomer: ptr[int64](3)}), 2, 2, backorder.RuleCustomerLimit},
		{"ErrBackorderLimit", product("W", 0, 0, 9, backorder.Policy{BackorderLimit: ptr[int64](10)}), 2, 0, backorder.RuleBackorderLimit},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			plan, err := backorder.PlanIntake(backorder.IntakeInput{
				Request:             order(backorder.LineRequest{SKU: "W", Quantity: tt.qty}),
				Products:            map[string]*backorder.Product{"W": tt.p},
				Settings:            &s,
				CustomerBackordered: map[string]int64{"W": tt.wait},
				Now:                 day0,
			})
			e := backorder.AsError(err)
			if e.Code != backorder.EREFUSED || e.Rule != tt.rule || e.Field != "lines[0].quantity" {
				t.Fatalf("err=%+v, want refused with rule %s", e, tt.rule)
			}
			if got, want := plan.Refused[0].ValueCents, tt.qty*2500; got != want {
				t.Fatalf("lost value=%d, want %d", got, want)
			}
		})
	}

	t.Run("AllOrNothing", func(t *testing.T) {
		plan, err := backorder.PlanIntake(backorder.IntakeInput{
			Request: order(backorder.LineRequest{SKU: "OK", Quantity: 1}, backorder.LineRequest{SKU: "NO", Quantity: 2}),
			Products: map[string]*backorder.Product{
				"OK": product("OK", 5, 0, 0, backorder.Policy{}),
				"NO": product("NO", 0, 0, 0, backorder.Policy{AcceptBackorders: ptr(false)}),
			},
			Settings: &s, Now: day0,
		})
		if backorder.ErrorCode(err) != backorder.EREFUSED || backorder.AsError(err).Field != "lines[1].quantity" {
			t.Fatalf("err=%v", err)
		} else if len(plan.Accepted) != 0 {
			t.Fatalf("accepted %d lines of a refused order", len(plan.Accepted))
		} else if got, want := len(plan.Refused), 2; got != want {
			t.Fatalf("lost lines=%d, want %d (the whole order)", got, want)
		} else if plan.Refused[0].Rule != backorder.RuleOrderRefused || plan.Refused[1].Rule != backorder.RuleNotBackorderable {
			t.Fatalf("rules=%s,%s", plan.Refused[0].Rule, plan.Refused[1].Rule)
		}
	})

	t.Run("PartialAcceptance", func(t *testing.T) {
		req := order(backorder.LineRequest{SKU: "OK", Quantity: 1}, backorder.LineRequest{SKU: "NO", Quantity: 2})
		req.PartialAcceptance = true
		plan, err := backorder.PlanIntake(backorder.IntakeInput{
			Request: req,
			Products: map[string]*backorder.Product{
				"OK": product("OK", 5, 0, 0, backorder.Policy{}),
				"NO": product("NO", 0, 0, 0, backorder.Policy{AcceptBackorders: ptr(false)}),
			},
			Settings: &s, Now: day0,
		})
		if err != nil {
			t.Fatal(err)
		} else if len(plan.Accepted) != 1 || plan.Accepted[0].SKU != "OK" || len(plan.Refused) != 1 || plan.Refused[0].SKU != "NO" {
			t.Fatalf("plan=%+v", plan)
		}
	})

	t.Run("PreorderBackordersUpToCap", func(t *testing.T) {
		p := product("NEW", 0, 0, 0, backorder.Policy{AcceptBackorders: ptr(false), BackorderLimit: ptr[int64](5)})
		p.Status, p.ReleaseDate = backorder.StatusPreorder, "2026-02-01"
		in := backorder.IntakeInput{Request: order(backorder.LineRequest{SKU: "NEW", Quantity: 5}), Products: map[string]*backorder.Product{"NEW": p}, Settings: &s, Now: day0}
		plan, err := backorder.PlanIntake(in)
		if err != nil {
			t.Fatal(err)
		} else if l := plan.Accepted[0]; l.Backordered != 5 || l.AvailableFrom != "2026-02-01" {
			t.Fatalf("line=%+v", l)
		}
		in.Request = order(backorder.LineRequest{SKU: "NEW", Quantity: 6})
		if _, err := backorder.PlanIntake(in); backorder.AsError(err).Rule != backorder.RuleBackorderLimit {
			t.Fatalf("err=%v, want backorder_limit", err)
		}
	})

	t.Run("ErrUnknownSKU", func(t *testing.T) {
		_, err := backorder.PlanIntake(backorder.IntakeInput{Request: order(backorder.LineRequest{SKU: "X", Quantity: 1}), Products: map[string]*backorder.Product{}, Settings: &s, Now: day0})
		if e := backorder.AsError(err); e.Code != backorder.ENOTFOUND || e.Field != "lines[0].sku" {
			t.Fatalf("err=%+v", e)
		}
	})
}
