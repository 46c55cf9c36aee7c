package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/backorder/backorder"
)

// testBackorders lists the waiting lines of every SKU with each filter of
// the shop-wide listing, page by page, and orders by status.
func testBackorders(t *testing.T, open Opener, writers int) {
	ctx := context.Background()
	svc, clock := MustService(t, open(t), writers)
	lead := 5
	if _, _, err := svc.PutProduct(ctx, &backorder.ProductInput{SKU: "A", Name: "A", PriceCents: 250, Currency: "USD", Status: backorder.StatusActive, Supply: backorder.Supply{LeadTimeDays: &lead}}); err != nil {
		t.Fatal(err)
	}
	MustProduct(t, svc, "B", 0, backorder.Policy{})
	set, err := svc.Settings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	set.Priority.VIP.Enabled = true
	if _, err := svc.PutSettings(ctx, set); err != nil {
		t.Fatal(err)
	}
	place := func(id, customer string, vip bool, lines ...backorder.LineRequest) {
		t.Helper()
		req := orderReq(id, customer, lines[0].SKU, lines[0].Quantity)
		req.Lines, req.Customer.VIP = lines, vip
		if _, err := svc.PlaceOrder(ctx, req, nil); err != nil {
			t.Fatal(err)
		}
	}
	place("o1", "c1", false, backorder.LineRequest{SKU: "A", Quantity: 2})
	place("o2", "c2", true, backorder.LineRequest{SKU: "B", Quantity: 1})
	clock.Advance(2 * 24 * time.Hour)
	place("o3", "c1", false, backorder.LineRequest{SKU: "A", Quantity: 1}, backorder.LineRequest{SKU: "B", Quantity: 1})
	clock.Advance(3 * 24 * time.Hour)
	place("o4", "c3", false, backorder.LineRequest{SKU: "B", Quantity: 2})

	list := func(f backorder.BackorderFilter) []string {
		t.Helper()
		var out []string
		for page := 0; ; page++ {
			f.Limit = 2
			ls, err := svc.Backorders(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			if len(ls) == 0 {
				return out
			}
			if page > 10 {
				t.Fatal("listing does not end")
			}
			for _, l := range ls {
				out = append(out, l.OrderID+l.SKU)
			}
			f.After = ls[len(ls)-1].Cursor()
		}
	}
	all, err := svc.Backorders(ctx, backorder.BackorderFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 5 || all[0].OrderID != "o1" || all[0].ValueCents != 500 || all[0].AgeSeconds != 5*86400 || all[0].CustomerName != "c1" {
		t.Fatalf("first line %s", dump(all[0]))
	}
	var dateA string
	for _, l := range all {
		if l.SKU == "A" && l.ETA != nil {
			dateA = l.ETA.Date
		}
		if l.SKU == "B" && l.ETA != nil && l.ETA.Date != "" {
			t.Fatalf("B line promised %s without supply", l.ETA.Date)
		}
	}
	if dateA == "" {
		t.Fatalf("A lines without a promise date: %s", dump(all))
	}
	for _, tt := range []struct {
		name string
		f    backorder.BackorderFilter
		want []string
	}{
		{"all", backorder.BackorderFilter{}, []string{"o1A", "o2B", "o3A", "o3B", "o4B"}},
		{"sku", backorder.BackorderFilter{SKU: "B"}, []string{"o2B", "o3B", "o4B"}},
		{"customer", backorder.BackorderFilter{CustomerID: "c1"}, []string{"o1A", "o3A", "o3B"}},
		{"min age", backorder.BackorderFilter{MinAgeDays: 3}, []string{"o1A", "o2B", "o3A", "o3B"}},
		{"min age 4", backorder.BackorderFilter{MinAgeDays: 4}, []string{"o1A", "o2B"}},
		{"max age", backorder.BackorderFilter{MaxAgeDays: 3}, []string{"o4B"}},
		{"age band", backorder.BackorderFilter{MinAgeDays: 1, MaxAgeDays: 4}, []string{"o3A", "o3B"}},
		{"vip", backorder.BackorderFilter{Priority: "vip"}, []string{"o2B"}},
		{"no rule", backorder.BackorderFilter{Priority: backorder.PriorityClassNone}, []string{"o1A", "o3A", "o3B", "o4B"}},
		{"promised by", backorder.BackorderFilter{PromisedBy: dateA}, []string{"o1A", "o3A"}},
		{"promised after", backorder.BackorderFilter{PromisedFrom: dateA, SKU: "A", CustomerID: "c1"}, []string{"o3A"}},
		{"none", backorder.BackorderFilter{SKU: "A", CustomerID: "c2"}, nil},
	} {
		if got := list(tt.f); fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("%s: lines %v, want %v", tt.name, got, tt.want)
		}
	}
	var e *backorder.Error
	for _, f := range []backorder.BackorderFilter{{MinAgeDays: -1}, {MaxAgeDays: 2, MinAgeDays: 2}, {Priority: "gold"}, {PromisedBy: "soon"}, {After: "1.2"}} {
		if _, err := svc.Backorders(ctx, f); !errors.As(err, &e) || e.Code != backorder.EINVALID {
			t.Errorf("filter %+v: %v, want EINVALID", f, err)
		}
	}

	// Orders by status.
	if _, err := svc.Receive(ctx, &backorder.ReceiptRequest{SKU: "A", Quantity: 3}, nil); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ status, want string }{
		{backorder.OrderAllocated, "[o1]"},
		{backorder.OrderBackordered, "[o2 o4]"},
		{backorder.OrderPartiallyBackordered, "[o3]"},
		{backorder.OrderShipped, "[]"},
	} {
		var got []string
		for after := int64(0); ; {
			os, err := svc.Orders(ctx, backorder.OrderFilter{Status: tt.status, After: after, Limit: 1})
			if err != nil {
				t.Fatal(err)
			}
			if len(os) == 0 {
				break
			}
			got = append(got, os[0].ID)
			after = os[0].Seq
		}
		if fmt.Sprint(got) != tt.want && !(got == nil && tt.want == "[]") {
			t.Errorf("status %s: orders %v, want %s", tt.status, got, tt.want)
		}
	}
	if _, err := svc.Orders(ctx, backorder.OrderFilter{Status: "lost"}); !errors.As(err, &e) || e.Field != "status" {
		t.Errorf("status lost: %v, want EINVALID on status", err)
	}
	MustCheck(t, svc)
}
