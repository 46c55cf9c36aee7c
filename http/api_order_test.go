package http_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/backorder/backorder"
)

// TestOrders_Intake is the source document's example: 5 ordered with 3 in
// stock gives 3 allocated and 2 backordered.
func TestOrders_Intake(t *testing.T) {
	t.Parallel()
	s := MustOpenServer(t)
	s.MustPutProduct(t, "WIDGET-PRO")
	s.MustReceive(t, "WIDGET-PRO", 3)

	t.Run("OK", func(t *testing.T) {
		var o backorder.Order
		resp := s.MustDo(t, http.StatusCreated, "POST", "/v1/orders", order("1001", "ann", "WIDGET-PRO", 5), &o)
		if resp.Header.Get("Idempotent-Replayed") != "" {
			t.Fatal("Idempotent-Replayed set on a first request")
		}
		if got, want := o.ID, "1001"; got != want {
			t.Fatalf("ID=%q, want %q", got, want)
		} else if got, want := o.Status, backorder.OrderPartiallyBackordered; got != want {
			t.Fatalf("Status=%q, want %q", got, want)
		} else if got, want := len(o.Lines), 1; got != want {
			t.Fatalf("len(Lines)=%d, want %d", got, want)
		}
		l := o.Lines[0]
		if l.ID == 0 || l.SKU != "WIDGET-PRO" || l.Quantity != 5 || l.Allocated != 3 || l.Backordered != 2 || l.Shipped != 0 || l.Cancelled != 0 {
			t.Fatalf("line=%+v, want 5 ordered, 3 allocated, 2 backordered", l)
		}

		var got backorder.Order
		s.MustDo(t, http.StatusOK, "GET", "/v1/orders/1001", nil, &got)
		if got.Status != o.Status || len(got.Lines) != 1 || got.Lines[0].Allocated != 3 {
			t.Fatalf("GET order=%+v", got)
		} else if len(got.Allocations) != 1 || got.Allocations[0].Quantity != 3 || got.Allocations[0].Reason != backorder.ReasonInStock || got.Allocations[0].At.IsZero() {
			t.Fatalf("allocations=%+v, want 3 in_stock", got.Allocations)
		}

		var p backorder.Product
		s.MustDo(t, http.StatusOK, "GET", "/v1/products/WIDGET-PRO", nil, &p)
		if p.OnHand != 3 || p.Allocated != 3 || p.AvailableQty != 0 || p.Backordered != 2 {
			t.Fatalf("quantities on_hand=%d allocated=%d available=%d backordered=%d, want 3 3 0 2", p.OnHand, p.Allocated, p.AvailableQty, p.Backordered)
		}

		var q Page[backorder.QueuePosition]
		s.MustDo(t, http.StatusOK, "GET", "/v1/backorders?sku=WIDGET-PRO", nil, &q)
		if len(q.Data) != 1 || q.Data[0].OrderID != "1001" || q.Data[0].Quantity != 2 || q.Data[0].Position != 1 || q.Data[0].LineID != l.ID {
			t.Fatalf("queue=%+v", q.Data)
		}
		s.MustCheck(t)
	})
}

func TestOrders_List(t *testing.T) {
	t.Parallel()
	s := MustOpenServer(t)
	s.MustPutProduct(t, "A")
	s.MustPutProduct(t, "B")
	for i := range 5 {
		sku := "A"
		if i%2 == 1 {
			sku = "B"
		}
		s.MustPlaceOrder(t, order(fmt.Sprintf("o%d", i), fmt.Sprintf("c%d", i%2), sku, 1))
	}

	t.Run("OK", func(t *testing.T) {
		var ids []string
		after := ""
		for pages := 0; ; pages++ {
			if pages > 5 {
				t.Fatal("cursor does not end")
			}
			var p Page[backorder.Order]
			s.MustDo(t, http.StatusOK, "GET", "/v1/orders?limit=2"+after, nil, &p)
			for _, o := range p.Data {
				ids = append(ids, o.ID)
				if o.Status != backorder.OrderBackordered || len(o.Lines) != 1 {
					t.Fatalf("order=%+v", o)
				}
			}
			if p.NextCursor == "" {
				break
			}
			after = "&after=" + p.NextCursor
		}
		if got, want := fmt.Sprint(ids), "[o0 o1 o2 o3 o4]"; got != want {
			t.Fatalf("orders=%s, want %s", got, want)
		}
	})
	t.Run("Filters", func(t *testing.T) {
		var bySKU, byCustomer Page[backorder.Order]
		s.MustDo(t, http.StatusOK, "GET", "/v1/orders?sku=B", nil, &bySKU)
		s.MustDo(t, http.StatusOK, "GET", "/v1/orders?customer_id=c0", nil, &byCustomer)
		if got, want := len(bySKU.Data), 2; got != want {
			t.Fatalf("orders of B=%d, want %d", got, want)
		} else if got, want := len(byCustomer.Data), 3; got != want {
			t.Fatalf("orders of c0=%d, want %d", got, want)
		}
	})
}

// TestReceipts_FIFO is the source document's other example: orders 100, 101
// and 102 wait; 50 units arrive and fill them in that order, 102 partially.
func TestReceipts_FIFO(t *testing.T) {
	t.Parallel()
	s := MustOpenServer(t)
	s.MustPutProduct(t, "W")
	for _, id := range []string{"100", "101", "102"} {
		s.MustPlaceOrder(t, order(id, "c"+id, "W", 20))
	}

	t.Run("OK", func(t *testing.T) {
		var res backorder.StockResult
		s.MustDo(t, http.StatusCreated, "POST", "/v1/receipts", map[string]any{"sku": "W", "quantity": 50, "reference": "PO-7"}, &res)
		if res.SKU != "W" || res.OnHand != 50 || res.Allocated != 50 || res.Available != 0 || res.Backordered != 10 {
			t.Fatalf("result=%+v", res)
		} else if res.Movement.Kind != backorder.MoveReceipt || res.Movement.Quantity != 50 || res.Movement.Reference != "PO-7" {
			t.Fatalf("movement=%+v", res.Movement)
		}
		var got []string
		for _, a := range res.Allocations {
			got = append(got, fmt.Sprintf("%s:%d:%s", a.OrderID, a.Quantity, a.Reason))
		}
		if want := "[100:20:fifo 101:20:fifo 102:10:fifo]"; fmt.Sprint(got) != want {
			t.Fatalf("allocations=%v, want %s", got, want)
		}
		if got, want := len(res.Fulfillments), 3; got != want {
			t.Fatalf("fulfillments=%d, want %d (ship what is available)", got, want)
		}

		var q Page[backorder.QueuePosition]
		s.MustDo(t, http.StatusOK, "GET", "/v1/backorders?sku=W", nil, &q)
		if len(q.Data) != 1 || q.Data[0].OrderID != "102" || q.Data[0].Quantity != 10 {
			t.Fatalf("queue=%+v, want 102 waiting for 10", q.Data)
		}
		var o backorder.Order
		s.MustDo(t, http.StatusOK, "GET", "/v1/orders/102", nil, &o)
		if o.Status != backorder.OrderPartiallyBackordered || o.Lines[0].Allocated != 10 || o.Lines[0].Backordered != 10 {
			t.Fatalf("order 102=%+v", o)
		}
		s.MustCheck(t)
	})
	t.Run("Queue", func(t *testing.T) {
		s := MustOpenServer(t)
		s.MustPutProduct(t, "W")
		for _, id := range []string{"a", "b", "c"} {
			s.MustPlaceOrder(t, order(id, "c", "W", 2))
		}
		var q Page[backorder.QueuePosition]
		s.MustDo(t, http.StatusOK, "GET", "/v1/backorders?sku=W&limit=2", nil, &q)
		if len(q.Data) != 2 || q.Data[0].OrderID != "a" || q.Data[0].Position != 1 || q.Data[1].OrderID != "b" || q.Data[1].Position != 2 {
			t.Fatalf("queue=%+v, want a then b", q.Data)
		}
	})
	// A VIP line waits ahead of an older plain one, and is filled with the
	// rule as the reason: the replies show the priority the document
	// describes.
	t.Run("Priority", func(t *testing.T) {
		s := MustOpenServer(t)
		var set backorder.Settings
		s.MustDo(t, http.StatusOK, "GET", "/v1/settings", nil, &set)
		set.Priority.VIP.Enabled = true
		s.MustDo(t, http.StatusOK, "PUT", "/v1/settings", set, nil)
		s.MustPutProduct(t, "W")
		s.MustPlaceOrder(t, order("plain", "p", "W", 2))
		vip := order("vip", "v", "W", 2)
		vip.Customer.VIP = true
		s.MustPlaceOrder(t, vip)

		var q Page[backorder.QueuePosition]
		s.MustDo(t, http.StatusOK, "GET", "/v1/backorders?sku=W", nil, &q)
		if len(q.Data) != 2 || q.Data[0].OrderID != "vip" || fmt.Sprint(q.Data[0].Priority.Rules) != "[vip]" {
			t.Fatalf("queue=%+v, want vip first by the vip rule", q.Data)
		}
		res := s.MustReceive(t, "W", 2)
		if len(res.Allocations) != 1 || res.Allocations[0].OrderID != "vip" || res.Allocations[0].Reason != "priority:vip" {
			t.Fatalf("allocations=%+v, want vip filled by priority:vip", res.Allocations)
		}
		s.MustCheck(t)
	})
}

func TestAdjustments(t *testing.T) {
	t.Parallel()
	s := MustOpenServer(t)
	s.MustPutProduct(t, "W")
	s.MustPlaceOrder(t, order("o1", "c", "W", 4))

	t.Run("OK", func(t *testing.T) {
		var res backorder.StockResult
		s.MustDo(t, http.StatusCreated, "POST", "/v1/adjustments", backorder.AdjustmentRequest{SKU: "W", Delta: 6, Reason: "found in the back"}, &res)
		if res.OnHand != 6 || res.Allocated != 4 || res.Available != 2 || res.Backordered != 0 || len(res.Allocations) != 1 || res.Allocations[0].OrderID != "o1" {
			t.Fatalf("result=%+v", res)
		}
		s.MustDo(t, http.StatusCreated, "POST", "/v1/adjustments", backorder.AdjustmentRequest{SKU: "W", Delta: -2, Reason: "damaged"}, &res)
		if res.OnHand != 4 || res.Available != 0 || res.Movement.Quantity != -2 || len(res.Allocations) != 0 {
			t.Fatalf("result=%+v", res)
		}
		s.MustCheck(t)
	})
}

// TestCancel checks that a cancellation releases units to the next in line.
func TestCancel(t *testing.T) {
	t.Parallel()
	s := MustOpenServer(t)
	s.MustPutProduct(t, "W")
	s.MustReceive(t, "W", 5)
	s.MustPlaceOrder(t, order("first", "a", "W", 5))
	s.MustPlaceOrder(t, order("second", "b", "W", 3))
	s.MustPlaceOrder(t, order("third", "c", "W", 4))

	t.Run("OK", func(t *testing.T) {
		var o backorder.Order
		s.MustDo(t, http.StatusOK, "POST", "/v1/orders/first/cancel", backorder.CancelRequest{Reason: "customer changed their mind"}, &o)
		if o.Status != backorder.OrderCancelled || o.Lines[0].Cancelled != 5 || o.Lines[0].Allocated != 0 {
			t.Fatalf("cancelled order=%+v", o)
		}
		var second, third backorder.Order
		s.MustDo(t, http.StatusOK, "GET", "/v1/orders/second", nil, &second)
		s.MustDo(t, http.StatusOK, "GET", "/v1/orders/third", nil, &third)
		if second.Status != backorder.OrderAllocated || second.Lines[0].Allocated != 3 {
			t.Fatalf("second=%+v, want 3 allocated", second.Lines[0])
		} else if third.Status != backorder.OrderPartiallyBackordered || third.Lines[0].Allocated != 2 || third.Lines[0].Backordered != 2 {
			t.Fatalf("third=%+v, want 2 allocated, 2 waiting", third.Lines[0])
		}
		var rel Page[backorder.Movement]
		s.MustDo(t, http.StatusOK, "GET", "/v1/movements?order_id=first&kind=release", nil, &rel)
		if len(rel.Data) != 1 || rel.Data[0].Quantity != 5 || rel.Data[0].Reason != "customer changed their mind" {
			t.Fatalf("release movements=%+v", rel.Data)
		}
		s.MustCheck(t)
	})
	t.Run("OKPartial", func(t *testing.T) {
		var o backorder.Order
		s.MustDo(t, http.StatusOK, "POST", "/v1/orders/third/cancel", map[string]any{"reason": "fewer", "lines": []map[string]any{{"sku": "W", "quantity": 1}}}, &o)
		// Waiting units go first.
		if l := o.Lines[0]; l.Cancelled != 1 || l.Backordered != 1 || l.Allocated != 2 {
			t.Fatalf("line=%+v, want 1 cancelled from the waiting units", l)
		}
	})
	t.Run("ErrAlreadyCancelled", func(t *testing.T) {
		resp := s.Do(t, "POST", "/v1/orders/first/cancel", backorder.CancelRequest{Reason: "again"})
		if got, want := resp.Status, http.StatusConflict; got != want {
			t.Fatalf("status=%d, want %d", got, want)
		} else if got, want := resp.Error(t).Code, backorder.ECONFLICT; got != want {
			t.Fatalf("code=%q, want %q", got, want)
		}
		s.MustCheck(t)
	})
}

func TestSplitChoice(t *testing.T) {
	t.Parallel()
	s := MustOpenServer(t)
	s.MustPutProduct(t, "W", "split_policy", "customer_choice")
	s.MustReceive(t, "W", 2)
	o := s.MustPlaceOrder(t, order("o1", "c", "W", 5))
	if o.SplitPolicy != backorder.SplitCustomerChoice {
		t.Fatalf("SplitPolicy=%q", o.SplitPolicy)
	}

	t.Run("OK", func(t *testing.T) {
		var ready Page[backorder.Fulfillment]
		s.MustDo(t, http.StatusOK, "GET", "/v1/fulfillments?order_id=o1", nil, &ready)
		if len(ready.Data) != 0 {
			t.Fatalf("fulfillments before the choice=%+v, want none", ready.Data)
		}
		var got backorder.Order
		s.MustDo(t, http.StatusOK, "POST", "/v1/orders/o1/split-choice", map[string]string{"choice": "ship_available"}, &got)
		if got.SplitChoice != backorder.SplitShipAvailable || got.Lines[0].Fulfilling != 2 {
			t.Fatalf("order=%+v", got)
		}
		s.MustDo(t, http.StatusOK, "GET", "/v1/fulfillments?order_id=o1&status=ready", nil, &ready)
		if len(ready.Data) != 1 || ready.Data[0].Lines[0].Quantity != 2 {
			t.Fatalf("fulfillments after the choice=%+v, want 2 units ready", ready.Data)
		}
		s.MustCheck(t)
	})
}
