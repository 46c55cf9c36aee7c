package http_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/backorder/backorder"
)

// putSettings replaces the settings with the defaults changed by edit.
func putSettings(t *testing.T, s *Server, edit func(set map[string]any)) {
	t.Helper()
	var set map[string]any
	s.MustDo(t, http.StatusOK, "GET", "/v1/settings", nil, &set)
	edit(set)
	s.MustDo(t, http.StatusOK, "PUT", "/v1/settings", set, nil)
}

// TestAutoSplitHTTP: the auto policy is accepted on a product and in the
// settings; its decision and reason show on the order; bad thresholds are
// 422s naming the field.
func TestAutoSplitHTTP(t *testing.T) {
	t.Parallel()
	s := MustOpenServer(t) // 2024-05-01
	var set map[string]any
	s.MustDo(t, http.StatusOK, "GET", "/v1/settings", nil, &set)
	if a := set["auto_split"].(map[string]any); a["wait_days"] != float64(7) || a["shipment_cost_cents"] != float64(500) || a["max_cost_percent"] != float64(10) {
		t.Fatalf("auto_split defaults = %v", a)
	}
	s.MustDo(t, http.StatusCreated, "PUT", "/v1/suppliers/ACME", map[string]any{"name": "Acme", "lead_time_days": 30}, nil)
	s.MustPutProduct(t, "A", "split_policy", "auto", "price_cents", 1000)
	s.MustPutProduct(t, "B", "split_policy", "auto", "price_cents", 1000, "supplier_id", "ACME")
	s.MustReceive(t, "A", 10)
	var o backorder.Order
	s.MustDo(t, http.StatusCreated, "POST", "/v1/orders", order("1001", "ann", "A", 2, "B", 1), &o)
	s.MustDo(t, http.StatusOK, "GET", "/v1/orders/1001", nil, &o)
	// B is 34 days away, but one more shipment (500) is not less than 10 %
	// of the order's 3 000: wait.
	if d := o.SplitDecision; d == nil || d.Choice != backorder.SplitShipComplete || d.Reason != backorder.AutoShipmentCost || o.SplitPolicy != "auto" {
		t.Fatalf("order = policy %s, decision %+v; want ship_complete, shipment_too_costly", o.SplitPolicy, o.SplitDecision)
	}
	s.MustDo(t, http.StatusCreated, "POST", "/v1/orders", order("1002", "bob", "A", 8, "B", 1), &o)
	s.MustDo(t, http.StatusOK, "GET", "/v1/orders/1002", nil, &o)
	if d := o.SplitDecision; d == nil || d.Choice != backorder.SplitShipAvailable || d.Reason != backorder.AutoShipNow || d.ValueCents != 9000 || o.Lines[0].Fulfilling != 8 {
		t.Fatalf("order = %+v, decision %+v; want ship_available, A requested", o.Lines[0], o.SplitDecision)
	}
	// The customer has no choice to make on an auto order.
	resp := s.Do(t, "POST", "/v1/orders/1002/split-choice", map[string]string{"choice": "ship_complete"})
	if resp.Status != http.StatusConflict {
		t.Fatalf("split choice on an auto order: %d, want 409", resp.Status)
	}
	for _, tt := range []struct {
		field string
		value any
	}{
		{"wait_days", -1},
		{"shipment_cost_cents", -5},
		{"max_cost_percent", 101},
	} {
		s.MustDo(t, http.StatusOK, "GET", "/v1/settings", nil, &set)
		set["auto_split"].(map[string]any)[tt.field] = tt.value
		resp := s.Do(t, "PUT", "/v1/settings", set)
		if e := resp.Error(t); resp.Status != http.StatusUnprocessableEntity || e.Field != "auto_split."+tt.field {
			t.Fatalf("%s=%v: status=%d error=%+v; want 422 on auto_split.%s", tt.field, tt.value, resp.Status, e, tt.field)
		}
	}
	resp = s.Do(t, "PUT", "/v1/products/C", product("C", "split_policy", "sometimes"))
	if e := resp.Error(t); resp.Status != http.StatusUnprocessableEntity || e.Field != "split_policy" || !strings.Contains(e.Message, "auto") {
		t.Fatalf("bad split policy: status=%d error=%+v", resp.Status, e)
	}
	s.MustCheck(t)
}

// TestStaleHTTP: on the test clock, an undated backorder is listed for
// review after no_promise_days; with the cancel action, the next advance
// cancels it with the reason code stale; bad settings and cursors are 422s.
func TestStaleHTTP(t *testing.T) {
	t.Parallel()
	s := MustOpenServerWithTestClock(t)
	s.MustPutProduct(t, "U", "price_cents", 300) // no supply: no promise date
	s.MustPutProduct(t, "V", "price_cents", 100)
	s.MustDo(t, http.StatusCreated, "POST", "/v1/orders", order("1001", "ann", "U", 2), nil)
	s.MustDo(t, http.StatusCreated, "POST", "/v1/orders", order("1002", "bob", "V", 1), nil)
	var p Page[backorder.ReviewItem]
	s.MustDo(t, http.StatusOK, "GET", "/v1/backorders/review", nil, &p)
	if len(p.Data) != 0 {
		t.Fatalf("review with the policy off = %+v", p)
	}
	putSettings(t, s, func(set map[string]any) {
		set["stale"] = map[string]any{"after_days": 0, "no_promise_days": 5, "action": "review"}
	})
	s.MustDo(t, http.StatusOK, "POST", "/v1/test-clock/advance", map[string]int{"days": 5}, nil)
	s.MustDo(t, http.StatusOK, "GET", "/v1/backorders/review?limit=1", nil, &p)
	if len(p.Data) != 1 || p.NextCursor == "" || p.Data[0].OrderID != "1001" || p.Data[0].Reason != backorder.StaleNoPromise || p.Data[0].AgeDays != 5 || p.Data[0].ValueCents != 600 {
		t.Fatalf("review page 1 = %+v", p)
	}
	after := p.NextCursor
	p = Page[backorder.ReviewItem]{}
	s.MustDo(t, http.StatusOK, "GET", "/v1/backorders/review?limit=1&after="+after, nil, &p)
	if len(p.Data) != 1 || p.NextCursor != "" || p.Data[0].OrderID != "1002" {
		t.Fatalf("review page 2 = %+v", p)
	}
	for _, tt := range []struct{ query, field string }{
		{"limit=0", "limit"},
		{"after=nope", "after"},
		{"after=1.0", "after"},
	} {
		resp := s.Do(t, "GET", "/v1/backorders/review?"+tt.query, nil)
		if e := resp.Error(t); resp.Status != http.StatusUnprocessableEntity || e.Field != tt.field {
			t.Fatalf("%s: status=%d error=%+v, want 422 on %s", tt.query, resp.Status, e, tt.field)
		}
	}
	for _, tt := range []struct {
		stale map[string]any
		field string
	}{
		{map[string]any{"after_days": -1}, "stale.after_days"},
		{map[string]any{"no_promise_days": 4000}, "stale.no_promise_days"},
		{map[string]any{"action": "delete"}, "stale.action"},
	} {
		var set map[string]any
		s.MustDo(t, http.StatusOK, "GET", "/v1/settings", nil, &set)
		set["stale"] = tt.stale
		resp := s.Do(t, "PUT", "/v1/settings", set)
		if e := resp.Error(t); resp.Status != http.StatusUnprocessableEntity || e.Field != tt.field {
			t.Fatalf("stale %v: status=%d error=%+v, want 422 on %s", tt.stale, resp.Status, e, tt.field)
		}
	}
	putSettings(t, s, func(set map[string]any) {
		set["stale"] = map[string]any{"no_promise_days": 5, "action": "cancel"}
	})
	s.MustDo(t, http.StatusOK, "POST", "/v1/test-clock/advance", map[string]string{"duration": "1s"}, nil)
	p = Page[backorder.ReviewItem]{}
	s.MustDo(t, http.StatusOK, "GET", "/v1/backorders/review", nil, &p)
	if len(p.Data) != 0 {
		t.Fatalf("review after the cancel sweep = %+v", p)
	}
	var o backorder.Order
	s.MustDo(t, http.StatusOK, "GET", "/v1/orders/1001", nil, &o)
	if o.Status != backorder.OrderCancelled {
		t.Fatalf("order 1001 status %s; want cancelled", o.Status)
	}
	var rep backorder.CancellationReport
	s.MustDo(t, http.StatusOK, "GET", "/v1/reports/cancellations?from=2024-05-01&to=2024-06-01", nil, &rep)
	if len(rep.ByReason) != 1 || rep.ByReason[0].ReasonCode != backorder.ReasonStale || rep.ByReason[0].Units != 3 {
		t.Fatalf("report = %+v; want 3 stale units", rep.ByReason)
	}
	s.MustCheck(t)
}

// TestCancellationReasonsHTTP: a cancellation takes a reason code beside
// its reason; an unknown one is a 422 listing the allowed ones; the report
// counts by reason and SKU and refuses a bad window.
func TestCancellationReasonsHTTP(t *testing.T) {
	t.Parallel()
	s := MustOpenServer(t) // 2024-05-01
	s.MustPutProduct(t, "A", "price_cents", 1000)
	s.MustDo(t, http.StatusCreated, "POST", "/v1/orders", order("1001", "ann", "A", 3), nil)
	s.MustDo(t, http.StatusCreated, "POST", "/v1/orders", order("1002", "bob", "A", 1), nil)
	resp := s.Do(t, "POST", "/v1/orders/1001/cancel", map[string]any{"reason": "no", "reason_code": "bored"})
	if e := resp.Error(t); resp.Status != http.StatusUnprocessableEntity || e.Field != "reason_code" || !strings.Contains(e.Message, "found_elsewhere, too_slow, changed_mind, price, stale, other") {
		t.Fatalf("unknown reason code: status=%d error=%+v", resp.Status, e)
	}
	s.MustDo(t, http.StatusOK, "POST", "/v1/orders/1001/cancel", map[string]any{"reason": "found it cheaper", "reason_code": "found_elsewhere", "lines": []map[string]any{{"sku": "A", "quantity": 2}}}, nil)
	s.MustDo(t, http.StatusOK, "POST", "/v1/orders/1002/cancel", map[string]any{"reason": "just because"}, nil) // other
	var rep backorder.CancellationReport
	s.MustDo(t, http.StatusOK, "GET", "/v1/reports/cancellations?from=2024-05-01T00:00:00Z&to=2024-05-02", nil, &rep)
	if len(rep.ByReason) != 2 || rep.ByReason[0].ReasonCode != "found_elsewhere" || rep.ByReason[0].Units != 2 || rep.ByReason[0].Values[0].ValueCents != 2000 ||
		rep.ByReason[1].ReasonCode != "other" || rep.Total.Units != 3 || len(rep.BySKU) != 1 || rep.BySKU[0].Lines != 2 {
		t.Fatalf("report = %+v", rep)
	}
	for _, tt := range []struct{ query, field string }{
		{"to=2024-05-02", "from"},
		{"from=2024-05-01", "to"},
		{"from=yesterday&to=2024-05-02", "from"},
		{"from=2024-05-02&to=2024-05-01", "to"},
		{"from=2023-01-01&to=2024-05-01", "to"},
	} {
		resp := s.Do(t, "GET", "/v1/reports/cancellations?"+tt.query, nil)
		if e := resp.Error(t); resp.Status != http.StatusUnprocessableEntity || e.Field != tt.field {
			t.Fatalf("%s: status=%d error=%+v, want 422 on %s", tt.query, resp.Status, e, tt.field)
		}
	}
	var set map[string]any
	s.MustDo(t, http.StatusOK, "GET", "/v1/settings", nil, &set)
	set["cancel_reasons"] = []string{"price"}
	resp = s.Do(t, "PUT", "/v1/settings", set)
	if e := resp.Error(t); resp.Status != http.StatusUnprocessableEntity || e.Field != "cancel_reasons" {
		t.Fatalf("reasons without other: status=%d error=%+v", resp.Status, e)
	}
}
