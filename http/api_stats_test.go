package http_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"sort"
	"testing"

	"github.com/backorder/backorder"
)

func TestStats(t *testing.T) {
	t.Parallel()
	s := MustOpenServer(t)

	t.Run("OK", func(t *testing.T) {
		var before, after backorder.CommitStats
		s.MustDo(t, http.StatusOK, "GET", "/v1/stats", nil, &before)
		s.MustPutProduct(t, "W")
		s.MustReceive(t, "W", 1)
		s.MustPlaceOrder(t, order("o1", "c", "W", 2))
		resp := s.MustDo(t, http.StatusOK, "GET", "/v1/stats", nil, &after)
		if got, want := after.Writes-before.Writes, int64(3); got != want {
			t.Fatalf("writes went up by %d, want %d (before %+v, after %+v)", got, want, before, after)
		} else if got := after.Batches - before.Batches; got < 1 || got > 3 {
			t.Fatalf("batches went up by %d, want 1 to 3", got)
		} else if got, want := after.Retries, int64(0); got != want {
			t.Fatalf("retries=%d, want %d", got, want)
		}
		// The wire names are the API's, whatever the Go fields are called.
		var raw map[string]json.RawMessage
		resp.Decode(t, &raw)
		var keys []string
		for k := range raw {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		if want := []string{"abandoned", "batches", "fallbacks", "key_races", "queued", "retries", "writes"}; !slices.Equal(keys, want) {
			t.Fatalf("fields=%v, want %v", keys, want)
		}
	})
	t.Run("ErrUnauthorized", func(t *testing.T) {
		resp := s.Do(t, "GET", "/v1/stats", nil, "Authorization", "")
		if got, want := resp.Status, http.StatusUnauthorized; got != want {
			t.Fatalf("status=%d, want %d", got, want)
		}
	})
}
