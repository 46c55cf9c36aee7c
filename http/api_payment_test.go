package http_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/backorder/backorder"
)

// TestShip_Partial ships part of a request over HTTP, then the remainder,
// and checks the 4xx answers of the ship route.
func TestShip_Partial(t *testing.T) {
	t.Parallel()
	s := MustOpenServer(t)
	s.MustPutProduct(t, "W")
	s.MustReceive(t, "W", 10)
	o := s.MustPlaceOrder(t, order("p1", "c", "W", 5))
	var ready Page[backorder.Fulfillment]
	s.MustDo(t, http.StatusOK, "GET", "/v1/fulfillments?order_id=p1", nil, &ready)
	path := fmt.Sprintf("/v1/fulfillments/%d/ship", ready.Data[0].ID)
	ship := func(lines ...map[string]any) map[string]any {
		return map[string]any{"carrier": "UPS", "tracking": "1Z", "lines": lines}
	}
	for _, tt := range []struct {
		name  string
		body  any
		field string
	}{
		{"ErrTooMany", ship(map[string]any{"sku": "W", "quantity": 6}), "lines[0].quantity"},
		{"ErrZero", ship(map[string]any{"sku": "W", "quantity": 0}), "lines[0].quantity"},
		{"ErrNegative", ship(map[string]any{"line_id": o.Lines[0].ID, "quantity": -1}), "lines[0].quantity"},
		{"ErrUnknownLine", ship(map[string]any{"line_id": 424242, "quantity": 1}), "lines[0].line_id"},
		{"ErrUnknownSKU", ship(map[string]any{"sku": "X", "quantity": 1}), "lines[0].sku"},
		{"ErrNoLineNamed", ship(map[string]any{"quantity": 1}), "lines[0].line_id"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp := s.Do(t, "POST", path, tt.body)
			if e := resp.Error(t); resp.Status != http.StatusUnprocessableEntity || e.Code != backorder.EINVALID || e.Field != tt.field {
				t.Fatalf("status=%d error=%+v, want 422 on %s", resp.Status, e, tt.field)
			}
		})
	}
	if resp := s.Do(t, "POST", path, `{"carrier": "UPS", "tracking": "1Z", "lines": [{"sku": "W", "quantity": "two"}]}`); resp.Status != http.StatusUnprocessableEntity || resp.Error(t).Field != "lines[0].quantity" {
		t.Fatalf("mistyped quantity: status=%d, want 422 on lines[0].quantity", resp.Status)
	}
	var shipped backorder.Fulfillment
	s.MustDo(t, http.StatusOK, "POST", path, ship(map[string]any{"line_id": o.Lines[0].ID, "quantity": 2}), &shipped)
	if shipped.Lines[0].Quantity != 2 || shipped.RemainderID == 0 {
		t.Fatalf("shipped=%+v", shipped)
	}
	if resp := s.Do(t, "POST", path, ship()); resp.Status != http.StatusConflict {
		t.Fatalf("second ship: status=%d, want 409", resp.Status)
	}
	var rest backorder.Fulfillment
	s.MustDo(t, http.StatusOK, "GET", fmt.Sprintf("/v1/fulfillments/%d", shipped.RemainderID), nil, &rest)
	if rest.Status != backorder.FulfillmentReady || rest.SplitFrom != shipped.ID || rest.Lines[0].Quantity != 3 {
		t.Fatalf("remainder=%+v", rest)
	}
	var got backorder.Order
	s.MustDo(t, http.StatusOK, "GET", "/v1/orders/p1", nil, &got)
	if got.Status != backorder.OrderPartiallyShipped || got.Lines[0].Shipped != 2 || got.Lines[0].Allocated != 3 {
		t.Fatalf("order=%s %+v", got.Status, got.Lines[0])
	}
	s.MustDo(t, http.StatusOK, "POST", fmt.Sprintf("/v1/fulfillments/%d/ship", rest.ID), map[string]any{"carrier": "UPS", "tracking": "1Z2"}, nil)
	s.MustDo(t, http.StatusOK, "GET", "/v1/orders/p1", nil, &got)
	if got.Status != backorder.OrderShipped {
		t.Fatalf("order=%s", got.Status)
	}
	if resp := s.Do(t, "POST", "/v1/fulfillments/999999/ship", ship()); resp.Status != http.StatusNotFound {
		t.Fatalf("unknown request: status=%d, want 404", resp.Status)
	}
	s.MustCheck(t)
}

// TestPayments_Routes reads an order's ledger and records outcomes: a
// failed capture holds the order's requests, the same reference twice has
// one effect, and bad reports are 4xx naming the field.
func TestPayments_Routes(t *testing.T) {
	t.Parallel()
	s := MustOpenServer(t)
	s.MustPutProduct(t, "S", "payment_timing", backorder.PaymentAtShip)
	s.MustReceive(t, "S", 2)
	s.MustPlaceOrder(t, order("a", "c", "S", 3))
	var l backorder.PaymentLedger
	s.MustDo(t, http.StatusOK, "GET", "/v1/orders/a/payments", nil, &l)
	if len(l.Payments) != 1 || l.Payments[0].Kind != backorder.PaymentAuthorization || len(l.Balances) != 1 || !l.Balances[0].Balanced || l.AuthorizationDue == nil {
		t.Fatalf("ledger=%+v", l)
	}
	var ready Page[backorder.Fulfillment]
	s.MustDo(t, http.StatusOK, "GET", "/v1/fulfillments?order_id=a", nil, &ready)
	var shipped backorder.Fulfillment
	s.MustDo(t, http.StatusOK, "POST", fmt.Sprintf("/v1/fulfillments/%d/ship", ready.Data[0].ID),
		map[string]any{"carrier": "UPS", "tracking": "1Z", "lines": []map[string]any{{"sku": "S", "quantity": 1}}}, &shipped)

	failed := map[string]any{"kind": "capture", "status": "failed", "amount": l.Payments[0].Amount / 3, "reference": "ch_1", "fulfillment_id": shipped.ID}
	s.MustDo(t, http.StatusOK, "POST", "/v1/orders/a/payments", failed, &l)
	if !l.CaptureFailed || len(l.Payments) != 3 {
		t.Fatalf("after the failure=%+v", l)
	}
	var rest backorder.Fulfillment
	s.MustDo(t, http.StatusOK, "GET", fmt.Sprintf("/v1/fulfillments/%d", shipped.RemainderID), nil, &rest)
	if rest.Status != backorder.FulfillmentHeld || rest.HoldReason != backorder.HoldPaymentFailed {
		t.Fatalf("remainder=%+v", rest)
	}
	if resp := s.Do(t, "POST", fmt.Sprintf("/v1/fulfillments/%d/ship", rest.ID), map[string]any{"carrier": "UPS", "tracking": "1Z"}); resp.Status != http.StatusConflict {
		t.Fatalf("ship while held: status=%d, want 409", resp.Status)
	}
	s.MustDo(t, http.StatusOK, "POST", "/v1/orders/a/payments", failed, &l)
	if len(l.Payments) != 3 {
		t.Fatalf("the same report twice recorded %d entries, want 3", len(l.Payments))
	}
	for _, tt := range []struct {
		name   string
		body   any
		status int
		field  string
	}{
		{"ErrSameReferenceOtherContent", map[string]any{"kind": "capture", "status": "succeeded", "amount": 1, "reference": "ch_1"}, http.StatusConflict, "reference"},
		{"ErrKind", map[string]any{"kind": "charge", "status": "succeeded", "amount": 1, "reference": "x"}, http.StatusUnprocessableEntity, "kind"},
		{"ErrStatus", map[string]any{"kind": "capture", "status": "pending", "amount": 1, "reference": "x"}, http.StatusUnprocessableEntity, "status"},
		{"ErrAmount", map[string]any{"kind": "capture", "status": "failed", "amount": -5, "reference": "x"}, http.StatusUnprocessableEntity, "amount"},
		{"ErrReference", map[string]any{"kind": "capture", "status": "failed", "amount": 1}, http.StatusUnprocessableEntity, "reference"},
		{"ErrCurrency", map[string]any{"kind": "capture", "status": "failed", "amount": 1, "reference": "x", "currency": "EUR"}, http.StatusUnprocessableEntity, "currency"},
		{"ErrFulfillment", map[string]any{"kind": "capture", "status": "failed", "amount": 1, "reference": "x", "fulfillment_id": 999999}, http.StatusUnprocessableEntity, "fulfillment_id"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp := s.Do(t, "POST", "/v1/orders/a/payments", tt.body)
			if e := resp.Error(t); resp.Status != tt.status || e.Field != tt.field {
				t.Fatalf("status=%d error=%+v, want %d on %s", resp.Status, e, tt.status, tt.field)
			}
		})
	}
	if resp := s.Do(t, "POST", "/v1/orders/a/payments", `{"kind": "capture",`); resp.Status != http.StatusBadRequest {
		t.Fatalf("malformed: status=%d, want 400", resp.Status)
	}
	if resp := s.Do(t, "GET", "/v1/orders/nope/payments", nil); resp.Status != http.StatusNotFound {
		t.Fatalf("unknown order: status=%d, want 404", resp.Status)
	}
	if resp := s.Do(t, "POST", "/v1/orders/nope/payments", failed); resp.Status != http.StatusNotFound {
		t.Fatalf("unknown order: status=%d, want 404", resp.Status)
	}
	s.MustDo(t, http.StatusOK, "POST", "/v1/orders/a/payments", map[string]any{"kind": "capture", "status": "succeeded", "amount": 1, "reference": "ch_2"}, &l)
	if l.CaptureFailed {
		t.Fatalf("after success=%+v", l)
	}
	s.MustDo(t, http.StatusOK, "POST", fmt.Sprintf("/v1/fulfillments/%d/ship", rest.ID), map[string]any{"carrier": "UPS", "tracking": "1Z"}, nil)
	s.MustCheck(t)
}
