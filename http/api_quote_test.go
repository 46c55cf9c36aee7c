package http_test

import (
	"net/http"
	"testing"

	"github.com/backorder/backorder"
)

func TestQuote(t *testing.T) {
	t.Parallel()
	s := MustOpenServer(t)
	s.MustPutProduct(t, "Q")
	s.MustPutProduct(t, "NOBO", "accept_backorders", false)
	s.MustReceive(t, "Q", 3)
	quote := func(sku string, qty int) backorder.Quote {
		t.Helper()
		req := order("", "c", sku, qty)
		var q backorder.Quote
		s.MustDo(t, http.StatusOK, "POST", "/v1/quotes", req, &q)
		return q
	}
	if q := quote("Q", 3); q.Status != backorder.OrderAllocated || q.Lines[0].Allocated != 3 || q.Lines[0].Backordered != 0 {
		t.Fatalf("exactly available: %+v", q)
	}
	if q := quote("Q", 4); q.Status != backorder.OrderPartiallyBackordered || q.Lines[0].Allocated != 3 || q.Lines[0].Backordered != 1 {
		t.Fatalf("one more: %+v", q)
	}
	if q := quote("NOBO", 1); q.Status != backorder.QuoteRefused || len(q.Lines) != 0 || len(q.Refused) != 1 || q.Refused[0].Rule != backorder.RuleNotBackorderable {
		t.Fatalf("not backorderable: %+v", q)
	}
	// Nothing was written: the stock is whole, no order, no lost demand.
	var p backorder.Product
	s.MustDo(t, http.StatusOK, "GET", "/v1/products/Q", nil, &p)
	var orders Page[backorder.Order]
	s.MustDo(t, http.StatusOK, "GET", "/v1/orders", nil, &orders)
	var lost Page[backorder.LostDemand]
	s.MustDo(t, http.StatusOK, "GET", "/v1/lost-demand", nil, &lost)
	if p.Available() != 3 || len(orders.Data) != 0 || len(lost.Data) != 0 {
		t.Fatalf("after quotes: available=%d orders=%d lost=%d, want 3, 0, 0", p.Available(), len(orders.Data), len(lost.Data))
	}
	if resp := s.Do(t, "POST", "/v1/quotes", order("", "c", "NOPE", 1)); resp.Status != http.StatusNotFound {
		t.Fatalf("unknown SKU: status=%d %s", resp.Status, resp.Body)
	}
	if resp := s.Do(t, "POST", "/v1/quotes", order("", "c", "Q", 0)); resp.Status != http.StatusUnprocessableEntity {
		t.Fatalf("zero quantity: status=%d %s", resp.Status, resp.Body)
	}
}
