package http_test

import (
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/backorder/backorder"
)

func TestLedger(t *testing.T) {
	t.Parallel()
	s := MustOpenServer(t)
	s.MustPutProduct(t, "W")
	s.MustPutProduct(t, "NOBO", "accept_backorders", false)
	s.MustReceive(t, "W", 2)
	s.MustPlaceOrder(t, order("o1", "c", "W", 3))
	s.MustReceive(t, "W", 1)
	if resp := s.Do(t, "POST", "/v1/orders", order("lost", "c", "NOBO", 4)); resp.Status != http.StatusConflict {
		t.Fatalf("refusal: status=%d: %s", resp.Status, resp.Body)
	}

	t.Run("Movements", func(t *testing.T) {
		var all []backorder.Movement
		after := ""
		for pages := 0; ; pages++ {
			if pages > 10 {
				t.Fatal("cursor does not end")
			}
			var p Page[backorder.Movement]
			s.MustDo(t, http.StatusOK, "GET", "/v1/movements?limit=2"+after, nil, &p)
			all = append(all, p.Data...)
			if p.NextCursor == "" {
				break
			}
			after = "&after=" + p.NextCursor
		}
		// receipt 2, allocate 2, backorder 1, receipt 1, allocate 1.
		var kinds []string
		for i, m := range all {
			kinds = append(kinds, m.Kind)
			if i > 0 && m.ID <= all[i-1].ID {
				t.Fatalf("movements out of order: %+v", all)
			}
		}
		want := []string{"receipt", "allocate", "backorder", "receipt", "allocate"}
		if len(kinds) != len(want) {
			t.Fatalf("kinds=%v, want %v", kinds, want)
		}
		for i := range want {
			if kinds[i] != want[i] {
				t.Fatalf("kinds=%v, want %v", kinds, want)
			}
		}
		var receipts Page[backorder.Movement]
		s.MustDo(t, http.StatusOK, "GET", "/v1/movements?sku=W&kind=receipt", nil, &receipts)
		if len(receipts.Data) != 2 {
			t.Fatalf("receipts=%+v", receipts.Data)
		}
	})
	t.Run("Events", func(t *testing.T) {
		var p Page[backorder.Event]
		s.MustDo(t, http.StatusOK, "GET", "/v1/events", nil, &p)
		if len(p.Data) == 0 || p.Data[0].Kind != backorder.EventOrderAccepted || p.Data[0].OrderID != "o1" {
			t.Fatalf("events=%+v", p.Data)
		}
		var rest Page[backorder.Event]
		s.MustDo(t, http.StatusOK, "GET", "/v1/events?after="+itoa(p.Data[0].ID), nil, &rest)
		if len(rest.Data) != len(p.Data)-1 {
			t.Fatalf("events after the first=%d, want %d", len(rest.Data), len(p.Data)-1)
		}
	})
	t.Run("LostDemand", func(t *testing.T) {
		var p Page[backorder.LostDemand]
		s.MustDo(t, http.StatusOK, "GET", "/v1/lost-demand?since="+url.QueryEscape(testStart.Format(time.RFC3339)), nil, &p)
		if len(p.Data) != 1 || p.Data[0].OrderID != "lost" || p.Data[0].Quantity != 4 || p.Data[0].ValueCents != 4*4999 {
			t.Fatalf("lost demand=%+v", p.Data)
		}
		s.MustDo(t, http.StatusOK, "GET", "/v1/lost-demand?since="+url.QueryEscape(testStart.Add(time.Second).Format(time.RFC3339)), nil, &p)
		if len(p.Data) != 0 {
			t.Fatalf("lost demand since later=%+v, want none", p.Data)
		}
		// Paged: a second refusal, one at a time.
		if resp := s.Do(t, "POST", "/v1/orders", order("lost2", "c", "NOBO", 1)); resp.Status != http.StatusConflict {
			t.Fatalf("refusal: status=%d: %s", resp.Status, resp.Body)
		}
		var first, second Page[backorder.LostDemand]
		s.MustDo(t, http.StatusOK, "GET", "/v1/lost-demand?limit=1", nil, &first)
		if len(first.Data) != 1 || first.Data[0].OrderID != "lost" || first.NextCursor == "" {
			t.Fatalf("first page=%+v", first)
		}
		s.MustDo(t, http.StatusOK, "GET", "/v1/lost-demand?limit=1&after="+first.NextCursor, nil, &second)
		if len(second.Data) != 1 || second.Data[0].OrderID != "lost2" || second.NextCursor != "" {
			t.Fatalf("second page=%+v", second)
		}
	})
	t.Run("Check", func(t *testing.T) {
		var rep backorder.CheckReport
		s.MustDo(t, http.StatusOK, "GET", "/v1/check", nil, &rep)
		if !rep.OK || rep.SKUs != 2 || rep.Lines != 1 || rep.Violations == nil {
			t.Fatalf("report=%+v", rep)
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestMovements_FullPage pages through more movements than the largest page.
func TestMovements_FullPage(t *testing.T) {
	t.Parallel()
	s := MustOpenServer(t)
	s.MustPutProduct(t, "W")
	// 11 orders of 100 lines: 1,100 backorder movements.
	for i := range 11 {
		req := order("big-"+strconv.Itoa(i), "c")
		for range backorder.MaxOrderLines {
			req.Lines = append(req.Lines, backorder.LineRequest{SKU: "W", Quantity: 1})
		}
		s.MustPlaceOrder(t, req)
	}

	t.Run("OK", func(t *testing.T) {
		var p1, p2 Page[backorder.Movement]
		s.MustDo(t, http.StatusOK, "GET", "/v1/movements?limit=1000", nil, &p1)
		if len(p1.Data) != 1000 || p1.NextCursor != itoa(p1.Data[999].ID) {
			t.Fatalf("page 1: %d movements, next_cursor=%q", len(p1.Data), p1.NextCursor)
		}
		s.MustDo(t, http.StatusOK, "GET", "/v1/movements?limit=1000&after="+p1.NextCursor, nil, &p2)
		if len(p2.Data) != 100 || p2.NextCursor != "" {
			t.Fatalf("page 2: %d movements, next_cursor=%q, want 100 and none", len(p2.Data), p2.NextCursor)
		}
	})
}
