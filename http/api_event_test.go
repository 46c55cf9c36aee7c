package http_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/backorder/backorder"
)

// TestEvents_Payloads runs every flow that writes an event and reads the
// outbox back: each reply is checked against the OpenAPI document, payloads
// included, and each payload decodes into its kind's type.
func TestEvents_Payloads(t *testing.T) {
	t.Parallel()
	s := MustOpenServerWithTestClock(t)
	s.MustPutProduct(t, "E")
	s.MustPutProduct(t, "CH", "split_policy", backorder.SplitCustomerChoice)
	s.MustReceive(t, "E", 2)
	s.MustReceive(t, "CH", 1)
	s.MustPlaceOrder(t, order("e1", "c", "E", 2))
	s.MustPlaceOrder(t, order("e2", "c", "E", 3))
	s.MustPlaceOrder(t, order("ch", "c", "CH", 2))
	s.MustReceive(t, "E", 1)
	// A purchase order dates e2's waiting units; moving it moves them.
	s.MustDo(t, http.StatusCreated, "PUT", "/v1/suppliers/S", map[string]any{"name": "S", "lead_time_days": 10}, nil)
	var po backorder.PurchaseOrder
	s.MustDo(t, http.StatusCreated, "POST", "/v1/purchase-orders", map[string]any{"reference": "PO-1", "supplier_id": "S", "expected_at": "2026-03-01",
		"lines": []map[string]any{{"sku": "E", "quantity": 5}}}, &po)
	s.MustDo(t, http.StatusOK, "PATCH", fmt.Sprintf("/v1/purchase-orders/%d", po.ID), map[string]any{"expected_at": "2026-03-09"}, nil)
	var ready Page[backorder.Fulfillment]
	s.MustDo(t, http.StatusOK, "GET", "/v1/fulfillments?order_id=e1", nil, &ready)
	s.MustDo(t, http.StatusOK, "POST", fmt.Sprintf("/v1/fulfillments/%d/ship", ready.Data[0].ID),
		backorder.Shipment{Carrier: "UPS", Tracking: "1Z1", EstimatedDelivery: "2026-02-18"}, nil)
	// An operator raises e2's waiting line (the manual rule on first).
	var settings map[string]any
	s.MustDo(t, http.StatusOK, "GET", "/v1/settings", nil, &settings)
	settings["priority"].(map[string]any)["manual"] = map[string]any{"enabled": true, "weight": 20}
	s.MustDo(t, http.StatusOK, "PUT", "/v1/settings", settings, nil)
	var e2 backorder.Order
	s.MustDo(t, http.StatusOK, "GET", "/v1/orders/e2", nil, &e2)
	s.MustDo(t, http.StatusOK, "POST", fmt.Sprintf("/v1/orders/e2/lines/%d/priority", e2.Lines[0].ID), map[string]any{"raised": true, "why": "a gift"}, nil)
	s.MustDo(t, http.StatusOK, "POST", "/v1/orders/e2/cancel", map[string]any{"reason": "too slow"}, nil)
	s.MustDo(t, http.StatusOK, "POST", "/v1/orders/ch/split-choice", map[string]string{"choice": "ship_available"}, nil)
	// Charged at ship: authorized at intake, released in part on a
	// cancellation, re-authorized once the authorization lapses.
	s.MustPutProduct(t, "SH", "payment_timing", backorder.PaymentAtShip)
	s.MustPlaceOrder(t, order("sh", "c", "SH", 2))
	s.MustDo(t, http.StatusOK, "POST", "/v1/orders/sh/cancel", map[string]any{"reason": "one less", "lines": []map[string]any{{"sku": "SH", "quantity": 1}}}, nil)
	s.MustDo(t, http.StatusOK, "POST", "/v1/test-clock/advance", map[string]any{"days": 8}, nil)
	if n, err := s.Service.SweepAuthorizations(t.Context()); err != nil || n != 1 {
		t.Fatalf("sweep=%d, %v", n, err)
	}

	var p Page[backorder.Event]
	s.MustDo(t, http.StatusOK, "GET", "/v1/events?limit=100", nil, &p)
	kinds := map[string]int{}
	for _, e := range p.Data {
		if _, err := backorder.DecodePayload(e); err != nil {
			t.Fatal(err)
		}
		kinds[e.Kind]++
	}
	for _, k := range backorder.EventKinds {
		if kinds[k] == 0 {
			t.Fatalf("no %s event among %v", k, kinds)
		}
	}
}
