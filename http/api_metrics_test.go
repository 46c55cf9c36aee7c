package http_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/backorder/backorder"
)

func TestBackorderMetrics(t *testing.T) {
	t.Parallel()
	s := MustOpenServer(t)
	s.MustPutProduct(t, "W")
	s.MustPutProduct(t, "X")
	s.MustReceive(t, "W", 1)
	s.MustPlaceOrder(t, order("o1", "c1", "W", 3))
	s.MustPlaceOrder(t, order("o2", "c2", "X", 1))

	t.Run("OK", func(t *testing.T) {
		var m backorder.BackorderMetrics
		s.MustDo(t, http.StatusOK, "GET", "/v1/metrics/backorders", nil, &m)
		if m.From != "2024-04-02" || m.To != "2024-05-01" {
			t.Fatalf("range %s..%s, want the 30 days to today", m.From, m.To)
		}
		if got, want := [3]int64{m.Orders, m.BackorderedOrders, m.Current.Units}, [3]int64{2, 2, 3}; got != want {
			t.Fatalf("orders, backordered, waiting units = %v, want %v", got, want)
		}
		if m.BackorderRate.Value == nil || *m.BackorderRate.Value != 1 || m.BackorderRate.Status != backorder.StatusBreached {
			t.Fatalf("backorder rate %+v, want 1 breached", m.BackorderRate)
		}
		if got, want := m.Current.Value.Values, []backorder.Money{{Currency: "USD", Amount: 3 * 4999}}; len(got) != 1 || got[0] != want[0] {
			t.Fatalf("value %+v, want %+v", got, want)
		}
		if len(m.SKUs) != 2 {
			t.Fatalf("skus %+v, want W and X", m.SKUs)
		}
	})
	t.Run("SortedPaged", func(t *testing.T) {
		var p1, p2 struct {
			SKUs       []backorder.SKUMetrics `json:"skus"`
			NextCursor string                 `json:"next_cursor"`
		}
		s.MustDo(t, http.StatusOK, "GET", "/v1/metrics/backorders?sort=waiting_units&order=desc&limit=1", nil, &p1)
		if len(p1.SKUs) != 1 || p1.SKUs[0].SKU != "W" || p1.NextCursor != "1" {
			t.Fatalf("page 1 %+v next %q, want W then 1", p1.SKUs, p1.NextCursor)
		}
		s.MustDo(t, http.StatusOK, "GET", "/v1/metrics/backorders?sort=waiting_units&order=desc&limit=1&after="+p1.NextCursor, nil, &p2)
		if len(p2.SKUs) != 1 || p2.SKUs[0].SKU != "X" || p2.NextCursor != "" {
			t.Fatalf("page 2 %+v next %q, want X and the end", p2.SKUs, p2.NextCursor)
		}
	})
	t.Run("OneSKU", func(t *testing.T) {
		var m backorder.BackorderMetrics
		s.MustDo(t, http.StatusOK, "GET", "/v1/metrics/backorders?sku=X&from=2024-05-01&to=2024-05-01", nil, &m)
		if m.Orders != 1 || m.Current.Units != 1 || len(m.SKUs) != 1 {
			t.Fatalf("X: %+v", m.BackorderFigures)
		}
	})
	for _, tt := range []struct{ query, field string }{
		{"from=2024-13-01", "from"},
		{"to=yesterday", "to"},
		{"from=2024-05-02&to=2024-05-01", "from"},
		{"from=1990-01-01&to=2024-05-01", "from"},
		{"sort=price", "sort"},
		{"order=up", "order"},
		{"limit=0", "limit"},
		{"after=-1", "after"},
		{"after=99999999999", "after"},
		{"sku=" + strings.Repeat("s", 200), "sku"},
	} {
		t.Run("ErrInvalid/"+tt.field, func(t *testing.T) {
			resp := s.Do(t, "GET", "/v1/metrics/backorders?"+tt.query, nil)
			if resp.Status != http.StatusUnprocessableEntity {
				t.Fatalf("%s: status %d, want 422; %s", tt.query, resp.Status, resp.Body)
			}
			if e := resp.Error(t); e.Field != tt.field {
				t.Fatalf("%s: field %q, want %q", tt.query, e.Field, tt.field)
			}
		})
	}
	t.Run("ErrTarget", func(t *testing.T) {
		var set map[string]any
		s.MustDo(t, http.StatusOK, "GET", "/v1/settings", nil, &set)
		set["metric_targets"].(map[string]any)["fill_time_days"] = -3
		resp := s.Do(t, "PUT", "/v1/settings", set)
		if resp.Status != http.StatusUnprocessableEntity || resp.Error(t).Field != "metric_targets.fill_time_days" {
			t.Fatalf("status %d body %s, want 422 on metric_targets.fill_time_days", resp.Status, resp.Body)
		}
		set["metric_targets"].(map[string]any)["fill_time_days"] = 7
		s.MustDo(t, http.StatusOK, "PUT", "/v1/settings", set, nil)
		var m backorder.BackorderMetrics
		s.MustDo(t, http.StatusOK, "GET", "/v1/metrics/backorders", nil, &m)
		if m.FillTime.Target == nil || *m.FillTime.Target != 7 {
			t.Fatalf("fill time target %v, want 7", m.FillTime.Target)
		}
	})
	s.MustCheck(t)
}
