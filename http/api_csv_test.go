package http_test

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"strings"
	"testing"
)

// mustCSV gets a CSV export and parses it.
func (s *Server) mustCSV(t *testing.T, path string) [][]string {
	t.Helper()
	resp := s.Do(t, "GET", path, nil)
	if resp.Status != http.StatusOK {
		t.Fatalf("%s: status %d: %s", path, resp.Status, resp.Body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Fatalf("%s: Content-Type %q", path, ct)
	}
	if cd := resp.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment; filename=") {
		t.Fatalf("%s: Content-Disposition %q", path, cd)
	}
	rows, err := csv.NewReader(bytes.NewReader(resp.Body)).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v\n%s", path, err, resp.Body)
	}
	return rows
}

func TestCSV(t *testing.T) {
	t.Parallel()
	s := MustOpenServer(t)
	s.MustPutProduct(t, "W")
	s.MustPutProduct(t, "N", "accept_backorders", false, "price_cents", 1000, "currency", "JPY")
	req := order("o1", "c1", "W", 2)
	req.Customer.Name = "=HYPERLINK(\"x\")"
	s.MustPlaceOrder(t, req)
	s.MustPlaceOrder(t, order("o2", "c2", "W", 1))
	s.Do(t, "POST", "/v1/orders", order("o3", "c3", "N", 3))

	t.Run("Backorders", func(t *testing.T) {
		rows := s.mustCSV(t, "/v1/backorders.csv")
		if len(rows) != 3 || rows[0][0] != "order_id" || rows[0][14] != "promise_basis" {
			t.Fatalf("rows %q", rows)
		}
		r := rows[1]
		if r[0] != "o1" || r[2] != "W" || r[4] != "'=HYPERLINK(\"x\")" || r[5] != "2" || r[6] != "49.99" || r[7] != "99.98" || r[8] != "USD" || r[9] != "2024-05-01T10:00:00Z" || r[10] != "0.00" {
			t.Fatalf("row %q", r)
		}
		if rows := s.mustCSV(t, "/v1/backorders.csv?customer_id=c2"); len(rows) != 2 || rows[1][0] != "o2" {
			t.Fatalf("filtered %q", rows)
		}
		if rows := s.mustCSV(t, "/v1/backorders.csv?sku=N"); len(rows) != 1 {
			t.Fatalf("no rows: %q, want the header only", rows)
		}
	})
	t.Run("LostDemand", func(t *testing.T) {
		rows := s.mustCSV(t, "/v1/lost-demand.csv")
		if len(rows) != 2 || strings.Join(rows[0], ",") != "id,at,order_id,customer_id,sku,quantity,value,currency,rule" {
			t.Fatalf("rows %q", rows)
		}
		if r := rows[1]; r[2] != "o3" || r[5] != "3" || r[6] != "3000" || r[7] != "JPY" {
			t.Fatalf("row %q", r)
		}
	})
	t.Run("Metrics", func(t *testing.T) {
		rows := s.mustCSV(t, "/v1/metrics/backorders.csv?sort=waiting_units&order=desc")
		if len(rows) != 3 || rows[0][0] != "sku" {
			t.Fatalf("rows %q", rows)
		}
		col := map[string]int{}
		for i, h := range rows[0] {
			col[h] = i
		}
		w, n := rows[1], rows[2]
		if w[0] != "W" || w[col["orders"]] != "2" || w[col["backorder_rate"]] != "1.0000" || w[col["backorder_rate_status"]] != "breached" ||
			w[col["waiting_units"]] != "3" || w[col["currency"]] != "USD" || w[col["value_on_backorder"]] != "149.97" || w[col["from"]] != "2024-04-02" {
			t.Fatalf("W row %q", w)
		}
		if n[0] != "N" || n[col["lost_units"]] != "3" || n[col["lost_value"]] != "3000" || n[col["currency"]] != "JPY" || n[col["sales_saved"]] != "0.0000" {
			t.Fatalf("N row %q", n)
		}
	})
	for _, tt := range []struct{ path, field string }{
		{"/v1/backorders.csv?priority=gold", "priority"},
		{"/v1/backorders.csv?min_age_days=x", "min_age_days"},
		{"/v1/lost-demand.csv?since=yesterday", "since"},
		{"/v1/metrics/backorders.csv?from=2024-05-09&to=2024-05-01", "from"},
		{"/v1/metrics/backorders.csv?sort=price", "sort"},
	} {
		resp := s.Do(t, "GET", tt.path, nil)
		if resp.Status != http.StatusUnprocessableEntity || resp.Error(t).Field != tt.field {
			t.Errorf("%s: %d %s, want 422 on %s", tt.path, resp.Status, resp.Body, tt.field)
		}
	}
	if resp := s.Do(t, "GET", "/v1/backorders.csv", nil, "Authorization", ""); resp.Status != http.StatusUnauthorized {
		t.Errorf("no token: %d, want 401", resp.Status)
	}
}
