package http_test

import (
	"bytes"
	"net/http"
	"sync"
	"testing"

	"github.com/backorder/backorder"
)

func TestIdempotency(t *testing.T) {
	t.Parallel()
	s := MustOpenServer(t)
	s.MustPutProduct(t, "W")
	s.MustPutProduct(t, "NOBO", "accept_backorders", false)
	s.MustReceive(t, "W", 3)

	t.Run("OK", func(t *testing.T) {
		req := order("o1", "c", "W", 5)
		first := s.MustDo(t, http.StatusCreated, "POST", "/v1/orders", req, nil, "Idempotency-Key", "order-o1")
		again := s.MustDo(t, http.StatusCreated, "POST", "/v1/orders", req, nil, "Idempotency-Key", "order-o1")
		if got := again.Header.Get("Idempotent-Replayed"); got != "true" {
			t.Fatalf("Idempotent-Replayed=%q, want true", got)
		} else if !bytes.Equal(first.Body, again.Body) {
			t.Fatalf("replay body=%s, want %s", again.Body, first.Body)
		}
		// One order, one set of movements.
		var ms Page[backorder.Movement]
		s.MustDo(t, http.StatusOK, "GET", "/v1/movements?order_id=o1", nil, &ms)
		if got, want := len(ms.Data), 2; got != want { // allocate 3, backorder 2
			t.Fatalf("movements=%d, want %d: %+v", got, want, ms.Data)
		}
	})
	t.Run("OKReceipt", func(t *testing.T) {
		body := backorder.ReceiptRequest{SKU: "W", Quantity: 4, Reference: "PO-1"}
		first := s.MustDo(t, http.StatusCreated, "POST", "/v1/receipts", body, nil, "Idempotency-Key", "po-1")
		again := s.MustDo(t, http.StatusCreated, "POST", "/v1/receipts", body, nil, "Idempotency-Key", "po-1")
		if again.Header.Get("Idempotent-Replayed") != "true" || !bytes.Equal(first.Body, again.Body) {
			t.Fatalf("replay=%s, want %s", again.Body, first.Body)
		}
		var p backorder.Product
		s.MustDo(t, http.StatusOK, "GET", "/v1/products/W", nil, &p)
		if got, want := p.OnHand, int64(7); got != want {
			t.Fatalf("on_hand=%d, want %d (received once)", got, want)
		}
	})
	t.Run("OKRefusalReplayed", func(t *testing.T) {
		req := order("o2", "c", "NOBO", 1)
		first := s.Do(t, "POST", "/v1/orders", req, "Idempotency-Key", "order-o2")
		again := s.Do(t, "POST", "/v1/orders", req, "Idempotency-Key", "order-o2")
		if first.Status != http.StatusConflict || again.Status != http.StatusConflict {
			t.Fatalf("status=%d then %d, want 409 twice", first.Status, again.Status)
		} else if again.Header.Get("Idempotent-Replayed") != "true" || !bytes.Equal(first.Body, again.Body) {
			t.Fatalf("replay=%s, want %s", again.Body, first.Body)
		}
		var lost Page[backorder.LostDemand]
		s.MustDo(t, http.StatusOK, "GET", "/v1/lost-demand", nil, &lost)
		if got, want := len(lost.Data), 1; got != want {
			t.Fatalf("lost demand=%d, want %d (recorded once)", got, want)
		} else if l := lost.Data[0]; l.OrderID != "o2" || l.Rule != backorder.RuleNotBackorderable || l.Quantity != 1 || l.ValueCents != 4999 {
			t.Fatalf("lost demand=%+v", l)
		}
	})
	t.Run("ErrOtherBody", func(t *testing.T) {
		resp := s.Do(t, "POST", "/v1/orders", order("o3", "c", "W", 1), "Idempotency-Key", "order-o1")
		if got, want := resp.Status, http.StatusUnprocessableEntity; got != want {
			t.Fatalf("status=%d, want %d", got, want)
		} else if e := resp.Error(t); e.Code != backorder.EIDEMPOTENCY || e.Field != "Idempotency-Key" {
			t.Fatalf("error=%+v", e)
		}
	})
	t.Run("ErrNoKeyDuplicate", func(t *testing.T) {
		// Without a key, a retry is a second request: a conflict, not a replay.
		resp := s.Do(t, "POST", "/v1/orders", order("o1", "c", "W", 5))
		if got, want := resp.Status, http.StatusConflict; got != want {
			t.Fatalf("status=%d, want %d", got, want)
		}
	})
	s.MustCheck(t)
}

// TestIdempotency_Race sends one POST with one Idempotency-Key 50 times at
// once: exactly one order exists, and every reply is the same 201.
func TestIdempotency_Race(t *testing.T) {
	t.Parallel()
	s := MustOpenServer(t)
	s.MustPutProduct(t, "W")
	s.MustReceive(t, "W", 3)

	const n = 50
	req := order("race-1", "c", "W", 5)
	resps := make([]*Response, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			resps[i] = s.Do(t, "POST", "/v1/orders", req, "Idempotency-Key", "race-key")
		})
	}
	close(start)
	wg.Wait()

	replayed := 0
	for i, r := range resps {
		if r.Status != http.StatusCreated {
			t.Fatalf("response %d: status=%d, want 201: %s", i, r.Status, r.Body)
		}
		var o backorder.Order
		r.Decode(t, &o)
		if o.ID != "race-1" || o.Lines[0].Allocated != 3 || o.Lines[0].Backordered != 2 {
			t.Fatalf("response %d: order=%+v", i, o)
		}
		if !bytes.Equal(r.Body, resps[0].Body) {
			t.Fatalf("response %d differs:\n%s\n%s", i, r.Body, resps[0].Body)
		}
		if r.Header.Get("Idempotent-Replayed") == "true" {
			replayed++
		}
	}
	if got, want := replayed, n-1; got != want {
		t.Fatalf("replayed=%d, want %d", got, want)
	}

	var orders Page[backorder.Order]
	s.MustDo(t, http.StatusOK, "GET", "/v1/orders", nil, &orders)
	if got, want := len(orders.Data), 1; got != want {
		t.Fatalf("orders=%d, want %d", got, want)
	}
	var ms Page[backorder.Movement]
	s.MustDo(t, http.StatusOK, "GET", "/v1/movements?order_id=race-1", nil, &ms)
	var alloc, back int64
	for _, m := range ms.Data {
		switch m.Kind {
		case backorder.MoveAllocate:
			alloc += m.Quantity
		case backorder.MoveBackorder:
			back += m.Quantity
		}
	}
	if len(ms.Data) != 2 || alloc != 3 || back != 2 {
		t.Fatalf("movements=%+v, want one allocate of 3 and one backorder of 2", ms.Data)
	}
	var p backorder.Product
	s.MustDo(t, http.StatusOK, "GET", "/v1/products/W", nil, &p)
	if p.Allocated != 3 || p.Backordered != 2 {
		t.Fatalf("allocated=%d backordered=%d, want 3 2", p.Allocated, p.Backordered)
	}
	s.MustCheck(t)
}
