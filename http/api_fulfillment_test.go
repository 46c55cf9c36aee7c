package http_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/backorder/backorder"
)

func TestFulfillments(t *testing.T) {
	t.Parallel()
	s := MustOpenServer(t)
	s.MustPutProduct(t, "W")
	s.MustReceive(t, "W", 10)
	for i := range 3 {
		s.MustPlaceOrder(t, order(fmt.Sprintf("o%d", i), "c", "W", 2))
	}

	t.Run("OK", func(t *testing.T) {
		var ready Page[backorder.Fulfillment]
		s.MustDo(t, http.StatusOK, "GET", "/v1/fulfillments?status=ready&limit=2", nil, &ready)
		if len(ready.Data) != 2 || ready.NextCursor == "" {
			t.Fatalf("page=%+v, want 2 and a cursor", ready)
		}
		f := ready.Data[0]
		if f.Status != backorder.FulfillmentReady || f.OrderID != "o0" || len(f.Lines) != 1 || f.Lines[0].SKU != "W" || f.Lines[0].Quantity != 2 {
			t.Fatalf("fulfillment=%+v", f)
		}
		var rest Page[backorder.Fulfillment]
		s.MustDo(t, http.StatusOK, "GET", "/v1/fulfillments?status=ready&limit=2&after="+ready.NextCursor, nil, &rest)
		if len(rest.Data) != 1 || rest.NextCursor != "" || rest.Data[0].OrderID != "o2" {
			t.Fatalf("page 2=%+v", rest)
		}

		var shipped backorder.Fulfillment
		s.MustDo(t, http.StatusOK, "POST", fmt.Sprintf("/v1/fulfillments/%d/ship", f.ID), backorder.Shipment{Carrier: "UPS", Tracking: "1Z999", EstimatedDelivery: "2024-05-04"}, &shipped)
		if shipped.Status != backorder.FulfillmentShipped || shipped.Carrier != "UPS" || shipped.Tracking != "1Z999" || shipped.ShippedAt == nil {
			t.Fatalf("shipped=%+v", shipped)
		}
		var got backorder.Fulfillment
		s.MustDo(t, http.StatusOK, "GET", fmt.Sprintf("/v1/fulfillments/%d", f.ID), nil, &got)
		if got.Status != backorder.FulfillmentShipped || got.EstimatedDelivery != "2024-05-04" {
			t.Fatalf("fulfillment=%+v", got)
		}
		var o backorder.Order
		s.MustDo(t, http.StatusOK, "GET", "/v1/orders/o0", nil, &o)
		if o.Status != backorder.OrderShipped || o.Lines[0].Shipped != 2 {
			t.Fatalf("order=%+v", o)
		}
		var p backorder.Product
		s.MustDo(t, http.StatusOK, "GET", "/v1/products/W", nil, &p)
		if p.OnHand != 8 || p.Allocated != 4 {
			t.Fatalf("on_hand=%d allocated=%d, want 8 4", p.OnHand, p.Allocated)
		}
		var left Page[backorder.Fulfillment]
		s.MustDo(t, http.StatusOK, "GET", "/v1/fulfillments?status=ready", nil, &left)
		if len(left.Data) != 2 {
			t.Fatalf("ready after shipping=%d, want 2", len(left.Data))
		}
		s.MustCheck(t)

		resp := s.Do(t, "POST", fmt.Sprintf("/v1/fulfillments/%d/ship", f.ID), backorder.Shipment{Carrier: "UPS", Tracking: "again"})
		if got, want := resp.Status, http.StatusConflict; got != want {
			t.Fatalf("second ship: status=%d, want %d", got, want)
		}
	})
}

// TestPreorder checks that a pre-order's units are held until the release
// date and ready once the test clock passes it.
func TestPreorder(t *testing.T) {
	t.Parallel()
	s := MustOpenServerWithTestClock(t)
	release := testStart.AddDate(0, 0, 3).Format(backorder.DateLayout)
	s.MustPutProduct(t, "NEXT", "status", "preorder", "release_date", release, "backorder_limit", 100)
	o := s.MustPlaceOrder(t, order("pre1", "c", "NEXT", 2))
	if o.Status != backorder.OrderBackordered || o.Lines[0].AvailableFrom != release {
		t.Fatalf("order=%+v", o)
	}
	res := s.MustReceive(t, "NEXT", 2)
	if len(res.Fulfillments) != 1 || res.Fulfillments[0].Status != backorder.FulfillmentHeld || res.Fulfillments[0].HoldUntil != release {
		t.Fatalf("fulfillments=%+v, want one held until %s", res.Fulfillments, release)
	}
	id := res.Fulfillments[0].ID

	t.Run("ErrHeld", func(t *testing.T) {
		var ready, held Page[backorder.Fulfillment]
		s.MustDo(t, http.StatusOK, "GET", "/v1/fulfillments?status=ready", nil, &ready)
		s.MustDo(t, http.StatusOK, "GET", "/v1/fulfillments?status=held", nil, &held)
		if len(ready.Data) != 0 || len(held.Data) != 1 {
			t.Fatalf("ready=%d held=%d, want 0 1", len(ready.Data), len(held.Data))
		}
		resp := s.Do(t, "POST", fmt.Sprintf("/v1/fulfillments/%d/ship", id), backorder.Shipment{Carrier: "UPS", Tracking: "1Z"})
		if got, want := resp.Status, http.StatusConflict; got != want {
			t.Fatalf("ship before release: status=%d, want %d", got, want)
		}
	})
	t.Run("OK", func(t *testing.T) {
		var now struct{ Now time.Time }
		s.MustDo(t, http.StatusOK, "POST", "/v1/test-clock/advance", map[string]string{"duration": "72h"}, &now)
		if want := testStart.Add(72 * time.Hour); !now.Now.Equal(want) {
			t.Fatalf("now=%v, want %v", now.Now, want)
		}
		var ready Page[backorder.Fulfillment]
		s.MustDo(t, http.StatusOK, "GET", "/v1/fulfillments?status=ready", nil, &ready)
		if len(ready.Data) != 1 || ready.Data[0].ID != id {
			t.Fatalf("ready=%+v, want fulfillment %d", ready.Data, id)
		}
		s.MustDo(t, http.StatusOK, "POST", fmt.Sprintf("/v1/fulfillments/%d/ship", id), backorder.Shipment{Carrier: "UPS", Tracking: "1Z"}, nil)
		s.MustCheck(t)
	})
}

func TestTestClock(t *testing.T) {
	t.Parallel()
	s := MustOpenServerWithTestClock(t)

	t.Run("OK", func(t *testing.T) {
		var now struct{ Now string }
		s.MustDo(t, http.StatusOK, "GET", "/v1/test-clock", nil, &now)
		if got, want := now.Now, testStart.Format(time.RFC3339Nano); got != want {
			t.Fatalf("now=%s, want %s", got, want)
		}
		s.MustDo(t, http.StatusOK, "POST", "/v1/test-clock/advance", map[string]int{"days": 7}, &now)
		if got, want := now.Now, testStart.AddDate(0, 0, 7).Format(time.RFC3339Nano); got != want {
			t.Fatalf("now=%s, want %s", got, want)
		}
		// The service runs on the same clock.
		if got, want := s.Service.Now(), testStart.AddDate(0, 0, 7); !got.Equal(want) {
			t.Fatalf("service now=%v, want %v", got, want)
		}
	})
	t.Run("OKIdempotent", func(t *testing.T) {
		before := s.TestClock.Now()
		body := map[string]string{"duration": "1h"}
		first := s.MustDo(t, http.StatusOK, "POST", "/v1/test-clock/advance", body, nil, "Idempotency-Key", "tick")
		again := s.MustDo(t, http.StatusOK, "POST", "/v1/test-clock/advance", body, nil, "Idempotency-Key", "tick")
		if string(first.Body) != string(again.Body) || again.Header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("replay=%s %v, want %s replayed", again.Body, again.Header, first.Body)
		} else if got, want := s.TestClock.Now().Sub(before), time.Hour; got != want {
			t.Fatalf("clock moved %v, want %v", got, want)
		}
		resp := s.Do(t, "POST", "/v1/test-clock/advance", map[string]string{"duration": "2h"}, "Idempotency-Key", "tick")
		if got, want := resp.Status, http.StatusUnprocessableEntity; got != want {
			t.Fatalf("status=%d, want %d", got, want)
		}
	})
	for _, tt := range []struct {
		name, body, field string
	}{
		{"ErrBadDuration", `{"duration":"a week"}`, "duration"},
		{"ErrNegative", `{"duration":"-1h"}`, "duration"},
		{"ErrTooFar", `{"days":100000}`, "days"},
		{"ErrBoth", `{"duration":"1h","days":1}`, "days"},
		{"ErrNeither", `{}`, "duration"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp := s.Do(t, "POST", "/v1/test-clock/advance", tt.body)
			if got, want := resp.Status, http.StatusUnprocessableEntity; got != want {
				t.Fatalf("status=%d, want %d", got, want)
			} else if got, want := resp.Error(t).Field, tt.field; got != want {
				t.Fatalf("field=%q, want %q", got, want)
			}
		})
	}
}
