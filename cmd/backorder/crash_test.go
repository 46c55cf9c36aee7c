package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/backorder/backorder"
)

// TestCrash_SQLite kills `backorder serve` with SIGKILL while 16 clients
// place keyed orders, starts it again on the same SQLite file, and checks
// that a 2xx meant the order was on disk: every acknowledged order is there,
// the invariants hold, and a retry of any request with its key, acknowledged
// or cut off by the kill, has at most one effect.
func TestCrash_SQLite(t *testing.T) {
	bin := mustBuild(t)
	env := []string{"BACKORDER_DB=" + filepath.Join(t.TempDir(), "crash.db"), "BACKORDER_ADMIN_TOKEN=" + testToken}
	p := mustStart(t, bin, env...)
	hc := &http.Client{Timeout: 30 * time.Second}
	c := &client{t: t, base: p.base, hc: hc}
	skus := mustHotSKUs(t, c, 2)

	const clients = 16
	order := func(id string) map[string]any {
		return map[string]any{
			"id":       id,
			"customer": map[string]any{"id": "c-" + id, "email": "c@example.com", "name": "C"},
			"lines":    []map[string]any{{"sku": skus[len(id)%2], "quantity": 2}},
			"shipping": "standard",
		}
	}
	var (
		mu    sync.Mutex
		acked []string // answered 201
		cut   []string // sent, no answer: the kill came first
		sent  atomic.Int64
		wg    sync.WaitGroup
	)
	for w := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				id := fmt.Sprintf("K%d-%d", w, i)
				sent.Add(1)
				st, body, err := c.send("POST", "/v1/orders", order(id), "Idempotency-Key", "key-"+id)
				mu.Lock()
				switch {
				case err != nil:
					cut = append(cut, id)
				case st == http.StatusCreated:
					acked = append(acked, id)
				default:
					t.Errorf("order %s: %d %s", id, st, body)
				}
				mu.Unlock()
				if err != nil || st != http.StatusCreated {
					return
				}
			}
		}()
	}
	for sent.Load() < 400 {
		time.Sleep(5 * time.Millisecond)
	}
	p.stopped = true // killed here; the cleanup has nothing left to stop
	if err := p.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-p.exited
	wg.Wait()
	if len(acked) == 0 || len(cut) == 0 {
		t.Fatalf("%d orders acknowledged, %d cut off: the kill did not land mid-load", len(acked), len(cut))
	}
	t.Logf("killed with %d orders acknowledged and %d in flight", len(acked), len(cut))

	p = mustStart(t, bin, env...)
	c = &client{t: t, base: p.base, hc: hc}
	for _, id := range acked {
		if st := c.do("GET", "/v1/orders/"+id, nil, nil); st != http.StatusOK {
			t.Fatalf("acknowledged order %s after restart: %d", id, st)
		}
	}
	// Every request again with its key: an acknowledged one is replayed, one
	// cut off is replayed if it committed and placed now if it did not.
	retry := func(id string) {
		st, body, err := c.send("POST", "/v1/orders", order(id), "Idempotency-Key", "key-"+id)
		if err != nil || st != http.StatusCreated {
			t.Fatalf("retry of %s: %d %s %v", id, st, body, err)
		}
		var o backorder.Order
		if err := json.Unmarshal(body, &o); err != nil || o.ID != id {
			t.Fatalf("retry of %s answered %s", id, body)
		}
	}
	for _, id := range append(append([]string{}, acked...), cut...) {
		retry(id)
	}
	var rep backorder.CheckReport
	if st := c.do("GET", "/v1/check", nil, &rep); st != 200 || !rep.OK {
		t.Fatalf("check after restart: %d %+v", st, rep.Violations)
	}
	// One effect each: the SKUs hold exactly two units per order.
	var total int64
	for _, s := range skus {
		var prod struct {
			Backordered int64 `json:"backordered"`
		}
		if st := c.do("GET", "/v1/products/"+s, nil, &prod); st != 200 {
			t.Fatalf("GET product %s: %d", s, st)
		}
		total += prod.Backordered
	}
	if want := int64(2 * (len(acked) + len(cut))); total != want {
		t.Fatalf("%d units backordered for %d orders of 2, want %d", total, len(acked)+len(cut), want)
	}
}
