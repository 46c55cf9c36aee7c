package http_test

import (
	"net/http"
	"testing"

	"github.com/backorder/backorder"
)

func TestBackorderList(t *testing.T) {
	t.Parallel()
	s := MustOpenServer(t)
	s.MustPutProduct(t, "W")
	s.MustPutProduct(t, "X")
	s.MustPlaceOrder(t, order("o1", "c1", "W", 2))
	s.MustPlaceOrder(t, order("o2", "c2", "X", 1, "W", 1))
	s.MustReceive(t, "X", 1)

	t.Run("AllSKUs", func(t *testing.T) {
		var p1, p2 Page[backorder.BackorderLine]
		s.MustDo(t, http.StatusOK, "GET", "/v1/backorders?limit=1", nil, &p1)
		if len(p1.Data) != 1 || p1.Data[0].OrderID != "o1" || p1.Data[0].Quantity != 2 || p1.Data[0].ValueCents != 2*4999 || p1.NextCursor == "" {
			t.Fatalf("page 1 %+v", p1)
		}
		s.MustDo(t, http.StatusOK, "GET", "/v1/backorders?limit=5&after="+p1.NextCursor, nil, &p2)
		if len(p2.Data) != 1 || p2.Data[0].OrderID != "o2" || p2.Data[0].SKU != "W" || p2.NextCursor != "" {
			t.Fatalf("page 2 %+v", p2)
		}
	})
	t.Run("Filtered", func(t *testing.T) {
		var p Page[backorder.BackorderLine]
		s.MustDo(t, http.StatusOK, "GET", "/v1/backorders?sku=W&customer_id=c2&priority=none&min_age_days=0", nil, &p)
		if len(p.Data) != 1 || p.Data[0].OrderID != "o2" {
			t.Fatalf("filtered %+v", p)
		}
	})
	t.Run("SKUQueueUnchanged", func(t *testing.T) {
		var p Page[backorder.QueuePosition]
		s.MustDo(t, http.StatusOK, "GET", "/v1/backorders?sku=W", nil, &p)
		if len(p.Data) != 2 || p.Data[0].Position != 1 || p.Data[1].OrderID != "o2" {
			t.Fatalf("queue %+v", p)
		}
	})
	t.Run("OrdersByStatus", func(t *testing.T) {
		var p Page[backorder.Order]
		s.MustDo(t, http.StatusOK, "GET", "/v1/orders?status=partially_backordered", nil, &p)
		if len(p.Data) != 1 || p.Data[0].ID != "o2" {
			t.Fatalf("partially backordered %+v", p)
		}
		s.MustDo(t, http.StatusOK, "GET", "/v1/orders?status=backordered", nil, &p)
		if len(p.Data) != 1 || p.Data[0].ID != "o1" {
			t.Fatalf("backordered %+v", p)
		}
	})
}
