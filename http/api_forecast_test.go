package http_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/backorder/backorder"
)

// TestAtRisk: an overdue purchase order is listed with the value of the
// backorders promised from it and the orders affected; one due later from a
// supplier with no record is not. The route is not taken for a purchase
// order ID.
func TestAtRisk(t *testing.T) {
	t.Parallel()
	s := MustOpenServer(t) // 2024-05-01
	s.MustDo(t, http.StatusCreated, "PUT", "/v1/suppliers/ACME", map[string]any{"name": "Acme", "lead_time_days": 14}, nil)
	s.MustPutProduct(t, "A", "supplier_id", "ACME", "price_cents", 1000)
	s.MustPutProduct(t, "B", "supplier_id", "ACME", "price_cents", 300)
	var late, later backorder.PurchaseOrder
	s.MustDo(t, http.StatusCreated, "POST", "/v1/purchase-orders", map[string]any{"reference": "PO-LATE", "supplier_id": "ACME", "expected_at": "2024-04-28",
		"lines": []map[string]any{{"sku": "A", "quantity": 10}}}, &late)
	s.MustDo(t, http.StatusCreated, "POST", "/v1/purchase-orders", map[string]any{"reference": "PO-LATER", "supplier_id": "ACME", "expected_at": "2024-06-01",
		"lines": []map[string]any{{"sku": "B", "quantity": 10}}}, &later)
	var late2 backorder.PurchaseOrder
	s.MustDo(t, http.StatusCreated, "POST", "/v1/purchase-orders", map[string]any{"reference": "PO-LATE2", "supplier_id": "ACME", "expected_at": "2024-04-30",
		"lines": []map[string]any{{"sku": "B", "quantity": 1}}}, &late2)
	s.MustDo(t, http.StatusCreated, "POST", "/v1/orders", order("1001", "ann", "A", 2, "B", 1), nil)
	s.MustDo(t, http.StatusCreated, "POST", "/v1/orders", order("1002", "bob", "A", 3), nil)

	var p Page[backorder.AtRiskPO]
	s.MustDo(t, http.StatusOK, "GET", "/v1/purchase-orders/at-risk", nil, &p)
	if len(p.Data) != 2 || p.NextCursor != "" || p.Data[1].PurchaseOrderID != late2.ID || p.Data[1].BackorderValueCents != 300 {
		t.Fatalf("at risk=%+v, want PO-LATE then PO-LATE2 (not PO-LATER, due in June)", p)
	}
	a := p.Data[0]
	if a.PurchaseOrderID != late.ID || a.PredictedArrival != "2024-05-01" || a.BackorderValueCents != 5000 || a.WaitingUnits != 5 ||
		a.OrderCount != 2 || len(a.Orders) != 2 || a.Orders[0].OrderID != "1002" || a.Orders[0].ValueCents != 3000 || a.Orders[1].Lines[0].SKU != "A" {
		t.Fatalf("at risk=%+v", a)
	}
	if len(a.Reasons) != 1 || a.Reasons[0].Code != backorder.RiskOverdue || a.Reasons[0].DaysOverdue != 3 {
		t.Fatalf("reasons=%+v, want overdue by 3 days", a.Reasons)
	}
	var first, second Page[backorder.AtRiskPO]
	s.MustDo(t, http.StatusOK, "GET", "/v1/purchase-orders/at-risk?limit=1", nil, &first)
	if len(first.Data) != 1 || first.Data[0].PurchaseOrderID != late.ID || first.NextCursor != fmt.Sprintf("5000:2024-04-28:%d", late.ID) {
		t.Fatalf("limit=1: %+v", first)
	}
	s.MustDo(t, http.StatusOK, "GET", "/v1/purchase-orders/at-risk?limit=1&after="+first.NextCursor, nil, &second)
	if len(second.Data) != 1 || second.Data[0].PurchaseOrderID != late2.ID || second.NextCursor != "" {
		t.Fatalf("page 2: %+v", second)
	}
	for _, tt := range []struct{ query, field string }{
		{"limit=0", "limit"},
		{"limit=1001", "limit"},
		{"after=7", "after"},
		{"after=1:2024-13-01:1", "after"},
	} {
		resp := s.Do(t, "GET", "/v1/purchase-orders/at-risk?"+tt.query, nil)
		if e := resp.Error(t); resp.Status != http.StatusUnprocessableEntity || e.Field != tt.field {
			t.Fatalf("%s: status=%d error=%+v, want 422 on %s", tt.query, resp.Status, e, tt.field)
		}
	}
}

// TestForecast: a SKU's demand over a window, its cover and the units to
// order; a bad window is a 422 naming days, an unknown SKU a 404.
func TestForecast(t *testing.T) {
	t.Parallel()
	s := MustOpenServer(t) // 2024-05-01
	s.MustDo(t, http.StatusCreated, "PUT", "/v1/suppliers/ACME", map[string]any{"name": "Acme", "lead_time_days": 11}, nil)
	s.MustPutProduct(t, "A", "supplier_id", "ACME")
	s.MustReceive(t, "A", 3)
	s.MustDo(t, http.StatusCreated, "POST", "/v1/orders", order("1001", "ann", "A", 7), nil)

	// 7 ordered over 7 days: 1 a day. None available, 4 waiting. 11 days
	// lead time plus the default 3 days' buffer: 14 units, plus 4 waiting.
	var f backorder.Forecast
	resp := s.MustDo(t, http.StatusOK, "GET", "/v1/products/A/forecast?days=7", nil, &f)
	if f.UnitsOrdered != 7 || f.DailyRate != 1 || f.Available != 0 || f.Backordered != 4 || f.StockOut != backorder.StockOutNow ||
		f.LeadTimeSource != backorder.LeadTimeFromSupplier || f.CoverDays != 14 || f.SuggestedOrder != 18 || f.Since != "2024-04-25" {
		t.Fatalf("forecast=%+v", f)
	}
	var raw map[string]any
	if err := json.Unmarshal(resp.Body, &raw); err != nil {
		t.Fatal(err)
	} else if v, ok := raw["stock_out_date"]; !ok || v != nil {
		t.Fatalf("stock_out_date=%v, want null", v)
	}
	s.MustDo(t, http.StatusOK, "GET", "/v1/products/A/forecast", nil, &f)
	if f.Days != backorder.DefaultForecastDays || f.UnitsOrdered != 7 {
		t.Fatalf("default window: %+v", f)
	}
	for _, q := range []string{"days=0", "days=366", "days=abc", "days=-3"} {
		resp := s.Do(t, "GET", "/v1/products/A/forecast?"+q, nil)
		if e := resp.Error(t); resp.Status != http.StatusUnprocessableEntity || e.Field != "days" {
			t.Fatalf("%s: status=%d error=%+v, want 422 on days", q, resp.Status, e)
		}
	}
	if resp := s.Do(t, "GET", "/v1/products/NOPE/forecast", nil); resp.Status != http.StatusNotFound {
		t.Fatalf("unknown SKU: status=%d: %s", resp.Status, resp.Body)
	}
}
