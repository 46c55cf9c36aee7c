package http_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/backorder/backorder"
)

// stockReply is a receipt's reply as the API sends it.
type stockReply struct {
	backorder.StockResult
	AllocationsURL string `json:"allocations_url"`
}

func TestReceiptAllocations(t *testing.T) {
	t.Parallel()
	s := MustOpenServer(t)
	s.MustPutProduct(t, "R")
	for i := range 5 {
		s.MustPlaceOrder(t, order(fmt.Sprint("r", i), "c", "R", 1))
	}
	var r stockReply
	s.MustDo(t, http.StatusCreated, "POST", "/v1/receipts", map[string]any{"sku": "R", "quantity": 4}, &r, "Idempotency-Key", "rcpt-1")
	if r.UnitsAllocated != 4 || r.LinesFilled != 4 || r.OrdersFilled != 4 || r.FulfillmentsCreated != 4 || len(r.Allocations) != 4 {
		t.Fatalf("reply=%+v", r.StockResult)
	} else if want := fmt.Sprintf("/v1/receipts/%d/allocations", r.Movement.ID); r.AllocationsURL != want {
		t.Fatalf("allocations_url=%q, want %q", r.AllocationsURL, want)
	}
	t.Run("OK", func(t *testing.T) {
		var got []string
		path := r.AllocationsURL + "?limit=3"
		for range 5 {
			var p Page[backorder.Movement]
			s.MustDo(t, http.StatusOK, "GET", path, nil, &p)
			for _, m := range p.Data {
				got = append(got, m.OrderID)
			}
			if p.NextCursor == "" {
				break
			}
			path = r.AllocationsURL + "?limit=3&after=" + p.NextCursor
		}
		if want := "[r0 r1 r2 r3]"; fmt.Sprint(got) != want {
			t.Fatalf("allocations=%v, want %s", got, want)
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		for _, id := range []string{"999999", "abc", "0"} {
			if resp := s.Do(t, "GET", "/v1/receipts/"+id+"/allocations", nil); resp.Status != http.StatusNotFound {
				t.Fatalf("%s: status=%d, want 404: %s", id, resp.Status, resp.Body)
			}
		}
	})
	t.Run("ErrLimit", func(t *testing.T) {
		resp := s.Do(t, "GET", r.AllocationsURL+"?limit=1001", nil)
		if e := resp.Error(t); resp.Status != http.StatusUnprocessableEntity || e.Field != "limit" || !strings.Contains(e.Message, "1000") {
			t.Fatalf("status=%d error=%+v, want 422 naming the limit and its maximum", resp.Status, e)
		}
	})
}

func TestBackorderQueuePages(t *testing.T) {
	t.Parallel()
	s := MustOpenServer(t)
	s.MustPutProduct(t, "P")
	for i := range 5 {
		s.MustPlaceOrder(t, order(fmt.Sprint("p", i), "c", "P", 2))
	}
	var got []string
	path := "/v1/backorders?sku=P&limit=2"
	for range 5 {
		var p Page[backorder.QueuePosition]
		s.MustDo(t, http.StatusOK, "GET", path, nil, &p)
		for _, q := range p.Data {
			got = append(got, fmt.Sprint(q.Position, q.OrderID))
		}
		if p.NextCursor == "" {
			break
		}
		path = "/v1/backorders?sku=P&limit=2&after=" + p.NextCursor
	}
	if want := "[1p0 2p1 3p2 4p3 5p4]"; fmt.Sprint(got) != want {
		t.Fatalf("queue=%v, want %s", got, want)
	}
	if resp := s.Do(t, "GET", "/v1/backorders?sku=P&after=x.y", nil); resp.Status != http.StatusUnprocessableEntity || resp.Error(t).Field != "after" {
		t.Fatalf("bad cursor: status=%d %s", resp.Status, resp.Body)
	}
}
