package http_test

import (
	"net/http"
	"testing"

	"github.com/backorder/backorder"
)

func TestProducts(t *testing.T) {
	t.Parallel()
	s := MustOpenServer(t)

	t.Run("OK", func(t *testing.T) {
		var p backorder.Product
		s.MustDo(t, http.StatusCreated, "PUT", "/v1/products/WIDGET-PRO", product("Widget Pro", "sku", "WIDGET-PRO", "max_backorder_per_customer", 10), &p)
		if got, want := p.SKU, "WIDGET-PRO"; got != want {
			t.Fatalf("SKU=%q, want %q", got, want)
		} else if got, want := p.Name, "Widget Pro"; got != want {
			t.Fatalf("Name=%q, want %q", got, want)
		} else if got, want := p.PriceCents, int64(4999); got != want {
			t.Fatalf("PriceCents=%d, want %d", got, want)
		} else if p.AcceptBackorders != nil {
			t.Fatalf("AcceptBackorders=%v, want nil (shop default)", *p.AcceptBackorders)
		} else if !p.Effective.AcceptBackorders || p.Effective.SplitPolicy != backorder.SplitShipAvailable {
			t.Fatalf("Effective=%+v, want the shop defaults", p.Effective)
		} else if p.Effective.MaxBackorderPerCustomer == nil || *p.Effective.MaxBackorderPerCustomer != 10 {
			t.Fatalf("Effective.MaxBackorderPerCustomer=%v, want 10", p.Effective.MaxBackorderPerCustomer)
		}

		// Replacing answers 200 and keeps the stock.
		s.MustReceive(t, "WIDGET-PRO", 7)
		s.MustDo(t, http.StatusOK, "PUT", "/v1/products/WIDGET-PRO", product("Widget Pro 2", "accept_backorders", false), &p)
		if got, want := p.Name, "Widget Pro 2"; got != want {
			t.Fatalf("Name=%q, want %q", got, want)
		} else if p.AcceptBackorders == nil || *p.AcceptBackorders || p.Effective.AcceptBackorders {
			t.Fatalf("AcceptBackorders=%v, Effective=%v, want false", p.AcceptBackorders, p.Effective.AcceptBackorders)
		}

		var got backorder.Product
		s.MustDo(t, http.StatusOK, "GET", "/v1/products/WIDGET-PRO", nil, &got)
		if got.OnHand != 7 || got.Allocated != 0 || got.AvailableQty != 7 || got.Backordered != 0 {
			t.Fatalf("quantities on_hand=%d allocated=%d available=%d backordered=%d, want 7 0 7 0", got.OnHand, got.Allocated, got.AvailableQty, got.Backordered)
		}
	})

	t.Run("ListWithCursor", func(t *testing.T) {
		s := MustOpenServer(t)
		s.MustPutProduct(t, "A")
		s.MustPutProduct(t, "B", "status", "discontinued")
		s.MustPutProduct(t, "C")
		s.MustPutProduct(t, "D", "status", "preorder", "release_date", "2024-06-01")

		var p1, p2, p3 Page[backorder.Product]
		s.MustDo(t, http.StatusOK, "GET", "/v1/products?limit=2", nil, &p1)
		if got, want := skus(p1.Data), "A,B"; got != want {
			t.Fatalf("page 1=%s, want %s", got, want)
		} else if got, want := p1.NextCursor, "B"; got != want {
			t.Fatalf("next_cursor=%q, want %q", got, want)
		}
		s.MustDo(t, http.StatusOK, "GET", "/v1/products?limit=2&after="+p1.NextCursor, nil, &p2)
		if got, want := skus(p2.Data), "C,D"; got != want {
			t.Fatalf("page 2=%s, want %s", got, want)
		} else if p2.NextCursor != "" {
			// Exactly limit items left: the server looked one further and found none.
			t.Fatalf("next_cursor=%q, want none", p2.NextCursor)
		}
		s.MustDo(t, http.StatusOK, "GET", "/v1/products?status=active", nil, &p3)
		if got, want := skus(p3.Data), "A,C"; got != want {
			t.Fatalf("active=%s, want %s", got, want)
		}
		resp := s.MustDo(t, http.StatusOK, "GET", "/v1/products?after=Z", nil, nil)
		if got, want := string(resp.Body), "{\"data\":[]}\n"; got != want {
			t.Fatalf("empty page=%q, want %q", got, want)
		}
	})
}

func skus(ps []backorder.Product) string {
	var out string
	for i, p := range ps {
		if i > 0 {
			out += ","
		}
		out += p.SKU
	}
	return out
}

func TestSettings(t *testing.T) {
	t.Parallel()
	s := MustOpenServer(t)
	t.Run("OK", func(t *testing.T) {
		var got backorder.Settings
		s.MustDo(t, http.StatusOK, "GET", "/v1/settings", nil, &got)
		if want := backorder.DefaultSettings(); got.Defaults.SplitPolicy != want.Defaults.SplitPolicy || got.Defaults.AcceptBackorders != want.Defaults.AcceptBackorders {
			t.Fatalf("settings=%+v, want the defaults", got)
		}
		got.Defaults.AcceptBackorders = false
		got.Priority.VIP.Enabled = true
		var put, again backorder.Settings
		s.MustDo(t, http.StatusOK, "PUT", "/v1/settings", got, &put)
		s.MustDo(t, http.StatusOK, "GET", "/v1/settings", nil, &again)
		if again.Defaults.AcceptBackorders || !again.Priority.VIP.Enabled || again.Priority.VIP.Weight != 10 {
			t.Fatalf("settings after PUT=%+v", again)
		}
		// The product default follows.
		p := s.MustPutProduct(t, "W")
		if p.Effective.AcceptBackorders {
			t.Fatal("effective accept_backorders=true, want the new default false")
		}
	})
}
