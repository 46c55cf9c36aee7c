package http_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/backorder/backorder"
)

// poReceiptReply is a delivery's reply as the API sends it.
type poReceiptReply struct {
	PurchaseOrder backorder.PurchaseOrder `json:"purchase_order"`
	Receipts      []stockReply            `json:"receipts"`
}

func TestPurchaseOrders(t *testing.T) {
	t.Parallel()
	s := MustOpenServer(t)
	s.MustDo(t, http.StatusCreated, "PUT", "/v1/suppliers/ACME", map[string]any{"name": "Acme", "lead_time_days": 14}, nil)
	s.MustPutProduct(t, "A")
	s.MustPutProduct(t, "B")
	s.MustPlaceOrder(t, order("w1", "c", "A", 3)) // waits for A
	body := map[string]any{"reference": "PO-2041", "supplier_id": "ACME", "expected_at": "2026-02-20",
		"lines": []map[string]any{{"sku": "A", "quantity": 10}, {"sku": "B", "quantity": 4}}}
	var po backorder.PurchaseOrder
	s.MustDo(t, http.StatusCreated, "POST", "/v1/purchase-orders", body, &po, "Idempotency-Key", "po-2041")
	if po.ID < 1 || po.Status != backorder.POOpen || len(po.Lines) != 2 || po.Lines[0].Quantity != 10 || len(po.DateChanges) != 0 {
		t.Fatalf("created=%+v", po)
	}
	path := fmt.Sprintf("/v1/purchase-orders/%d", po.ID)

	t.Run("Reschedule", func(t *testing.T) {
		var got backorder.PurchaseOrder
		s.MustDo(t, http.StatusOK, "PATCH", path, map[string]any{"expected_at": "2026-02-27"}, &got)
		if got.ExpectedAt != "2026-02-27" || len(got.DateChanges) != 1 || got.DateChanges[0].From != "2026-02-20" || got.DateChanges[0].To != "2026-02-27" {
			t.Fatalf("rescheduled=%+v", got)
		}
		if resp := s.Do(t, "PATCH", path, map[string]any{"expected_at": "soon"}); resp.Status != http.StatusUnprocessableEntity || resp.Error(t).Field != "expected_at" {
			t.Fatalf("bad date: %d %s", resp.Status, resp.Body)
		}
		if resp := s.Do(t, "PATCH", path, map[string]any{}); resp.Status != http.StatusUnprocessableEntity || resp.Error(t).Field != "expected_at" {
			t.Fatalf("no date: %d %s", resp.Status, resp.Body)
		}
	})
	t.Run("Receive", func(t *testing.T) {
		var r poReceiptReply
		s.MustDo(t, http.StatusCreated, "POST", path+"/receipts", map[string]any{"lines": []map[string]any{{"sku": "A", "quantity": 6}}}, &r, "Idempotency-Key", "po-2041-d1")
		if r.PurchaseOrder.Lines[0].Received != 6 || r.PurchaseOrder.Status != backorder.POOpen || len(r.Receipts) != 1 {
			t.Fatalf("after the first delivery=%+v", r)
		}
		rc := r.Receipts[0]
		if rc.SKU != "A" || rc.UnitsAllocated != 3 || rc.Allocations[0].OrderID != "w1" || rc.OnHand != 6 || rc.Movement.Reference != "PO-2041" || rc.AllocationsURL == "" {
			t.Fatalf("receipt=%+v: the waiting order filled, the movement naming the purchase order", rc.StockResult)
		}
		// The replay answers the same; nothing is received twice.
		var again poReceiptReply
		resp := s.MustDo(t, http.StatusCreated, "POST", path+"/receipts", map[string]any{"lines": []map[string]any{{"sku": "A", "quantity": 6}}}, &again, "Idempotency-Key", "po-2041-d1")
		if resp.Header.Get("Idempotent-Replayed") != "true" || again.PurchaseOrder.Lines[0].Received != 6 {
			t.Fatalf("replay=%+v", again)
		}
		// The rest of A and more than ordered of B: an over-receipt is kept.
		s.MustDo(t, http.StatusCreated, "POST", path+"/receipts", map[string]any{"lines": []map[string]any{{"sku": "A", "quantity": 4}, {"sku": "B", "quantity": 5}}}, &r)
		if l := r.PurchaseOrder.Lines; l[0].Received != 10 || l[1].Received != 5 || r.PurchaseOrder.Status != backorder.POReceived {
			t.Fatalf("after the second delivery=%+v", r.PurchaseOrder)
		}
		if resp := s.Do(t, "POST", path+"/receipts", map[string]any{"lines": []map[string]any{{"sku": "A", "quantity": 1}}}); resp.Status != http.StatusConflict {
			t.Fatalf("delivery to a received order: %d %s", resp.Status, resp.Body)
		}
		if n := len(r.PurchaseOrder.Deliveries); n != 3 {
			t.Fatalf("deliveries=%d, want 3", n)
		}
		// Both lines arrived in full before the date first promised.
		var sup backorder.Supplier
		s.MustDo(t, http.StatusOK, "GET", "/v1/suppliers/ACME", nil, &sup)
		if rel := sup.Reliability; rel == nil || rel.Sample != 2 || rel.OnTimeShare == nil || *rel.OnTimeShare != 1 || *rel.P80LatenessDays != 0 {
			t.Fatalf("reliability=%+v", rel)
		}
		s.MustCheck(t)
	})
	t.Run("Cancel", func(t *testing.T) {
		var p2 backorder.PurchaseOrder
		s.MustDo(t, http.StatusCreated, "POST", "/v1/purchase-orders", map[string]any{"reference": "PO-2042", "supplier_id": "ACME", "expected_at": "2026-03-01",
			"lines": []map[string]any{{"sku": "A", "quantity": 8}}}, &p2)
		p2path := fmt.Sprintf("/v1/purchase-orders/%d", p2.ID)
		var r poReceiptReply
		s.MustDo(t, http.StatusCreated, "POST", p2path+"/receipts", map[string]any{"lines": []map[string]any{{"sku": "A", "quantity": 3}}}, &r)
		// The body may be empty; whitespace alone, or a byte JSON does
		// not allow, is malformed and cancels nothing.
		for _, body := range []string{" ", "\v", "\r\n", "\f{}"} {
			if resp := s.Do(t, "POST", p2path+"/cancel", body); resp.Status != http.StatusBadRequest {
				t.Fatalf("cancel with body %q: %d %s, want 400", body, resp.Status, resp.Body)
			}
		}
		var got backorder.PurchaseOrder
		s.MustDo(t, http.StatusOK, "POST", p2path+"/cancel", nil, &got)
		if got.Status != backorder.POCancelled || got.Lines[0].Cancelled != 5 || got.Lines[0].Received != 3 {
			t.Fatalf("cancelled=%+v, want the 5 still open cancelled", got)
		}
		if resp := s.Do(t, "POST", p2path+"/cancel", nil); resp.Status != http.StatusConflict {
			t.Fatalf("second cancel: %d %s", resp.Status, resp.Body)
		}
		if resp := s.Do(t, "PATCH", p2path, map[string]any{"expected_at": "2026-03-05"}); resp.Status != http.StatusConflict {
			t.Fatalf("reschedule a cancelled order: %d %s", resp.Status, resp.Body)
		}
		var open Page[backorder.PurchaseOrder]
		s.MustDo(t, http.StatusOK, "GET", "/v1/purchase-orders?supplier_id=ACME&status=cancelled", nil, &open)
		if len(open.Data) != 1 || open.Data[0].ID != p2.ID {
			t.Fatalf("cancelled list=%+v", open.Data)
		}
	})
	for _, tt := range []struct {
		name   string
		body   map[string]any
		status int
		field  string
	}{
		{"ErrSupplier", map[string]any{"reference": "X", "supplier_id": "NOPE", "expected_at": "2026-02-20", "lines": []map[string]any{{"sku": "A", "quantity": 1}}}, 404, "supplier_id"},
		{"ErrSKU", map[string]any{"reference": "X", "supplier_id": "ACME", "expected_at": "2026-02-20", "lines": []map[string]any{{"sku": "NOPE", "quantity": 1}}}, 404, "lines[0].sku"},
		{"ErrSKUTwice", map[string]any{"reference": "X", "supplier_id": "ACME", "expected_at": "2026-02-20", "lines": []map[string]any{{"sku": "A", "quantity": 1}, {"sku": "A", "quantity": 2}}}, 422, "lines[1].sku"},
		{"ErrDate", map[string]any{"reference": "X", "supplier_id": "ACME", "expected_at": "Feb 20", "lines": []map[string]any{{"sku": "A", "quantity": 1}}}, 422, "expected_at"},
		{"ErrNoLines", map[string]any{"reference": "X", "supplier_id": "ACME", "expected_at": "2026-02-20", "lines": []map[string]any{}}, 422, "lines"},
		{"ErrQuantity", map[string]any{"reference": "X", "supplier_id": "ACME", "expected_at": "2026-02-20", "lines": []map[string]any{{"sku": "A", "quantity": 0}}}, 422, "lines[0].quantity"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp := s.Do(t, "POST", "/v1/purchase-orders", tt.body)
			if e := resp.Error(t); resp.Status != tt.status || e.Field != tt.field {
				t.Fatalf("status=%d error=%+v, want %d on %s", resp.Status, e, tt.status, tt.field)
			}
		})
	}
	t.Run("ErrNotFound", func(t *testing.T) {
		if resp := s.Do(t, "GET", "/v1/purchase-orders/999999", nil); resp.Status != http.StatusNotFound {
			t.Fatalf("status=%d", resp.Status)
		}
		if resp := s.Do(t, "POST", path+"/receipts", map[string]any{"lines": []map[string]any{{"sku": "NOPE", "quantity": 1}}}); resp.Status != http.StatusConflict && resp.Status != http.StatusNotFound {
			t.Fatalf("SKU not on the order: status=%d", resp.Status)
		}
	})
}
