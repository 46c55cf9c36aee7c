package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/backorder/backorder"
)

// send is do for goroutines other than the test's: it returns a failure to
// reach the server rather than ending the test.
func (c *client) send(method, path string, body any, headers ...string) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+testToken)
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("%s %s%s: %w", method, c.base, path, err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	return resp.StatusCode, out, err
}

// mustHotSKUs creates n active products with no stock and returns their SKUs.
func mustHotSKUs(t *testing.T, c *client, n int) []string {
	t.Helper()
	var skus []string
	for i := range n {
		s := fmt.Sprintf("HOT-%d", i+1)
		if st := c.do("PUT", "/v1/products/"+s, map[string]any{"name": s, "price_cents": 1000, "currency": "USD", "status": "active"}, nil); st != 201 {
			t.Fatalf("PUT product: %d", st)
		}
		skus = append(skus, s)
	}
	return skus
}

// runWorkload has nclients concurrent HTTP clients, client w talking to
// clients[w%len(clients)], each make perClient requests: place orders (a third
// with lines on two SKUs, so batches lock several SKUs), cancel their own
// orders, and post receipts. Any answer but 200, 201 or 409 fails the test.
// It returns the units the clients saw received and the count per status.
func runWorkload(t *testing.T, clients []*client, skus []string, nclients, perClient int) (int64, map[int]int) {
	t.Helper()
	var wg sync.WaitGroup
	var mu sync.Mutex
	var received int64
	statuses := map[int]int{}
	var failures []string
	for w := range nclients {
		wg.Go(func() {
			c := clients[w%len(clients)]
			rng := mrand.New(mrand.NewPCG(uint64(w), 3))
			var mine []string
			for i := range perClient {
				var (
					st   int
					body []byte
					err  error
					op   string
				)
				switch r := rng.IntN(10); {
				case r < 6:
					id := fmt.Sprintf("o-%d-%d", w, i)
					first := rng.IntN(3)
					lines := []map[string]any{{"sku": skus[first], "quantity": 1 + rng.IntN(4)}}
					if rng.IntN(3) == 0 {
						second := (first + 1 + rng.IntN(2)) % 3
						lines = append(lines, map[string]any{"sku": skus[second], "quantity": 1 + rng.IntN(3)})
					}
					op = "POST /v1/orders " + id
					st, body, err = c.send("POST", "/v1/orders", map[string]any{"id": id, "customer": map[string]any{"id": fmt.Sprintf("c%d", w), "email": "c@example.com", "name": "C"}, "lines": lines},
						"Idempotency-Key", "order-"+id)
					if st == 201 {
						mine = append(mine, id)
					}
				case r < 8 && len(mine) > 0:
					id := mine[rng.IntN(len(mine))]
					op = "POST /v1/orders/" + id + "/cancel"
					st, body, err = c.send("POST", "/v1/orders/"+id+"/cancel", map[string]any{"reason": "changed mind"})
				default:
					q := 1 + rng.IntN(6)
					op = "POST /v1/receipts"
					st, body, err = c.send("POST", "/v1/receipts", map[string]any{"sku": skus[rng.IntN(3)], "quantity": q})
					if st == 201 {
						mu.Lock()
						received += int64(q)
						mu.Unlock()
					}
				}
				mu.Lock()
				statuses[st]++
				if err != nil || (st != 200 && st != 201 && st != 409) {
					failures = append(failures, fmt.Sprintf("%s via %s: %d %s %v", op, c.base, st, bytes.TrimSpace(body), err))
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(failures) > 0 {
		t.Fatalf("%d requests failed (statuses %v); first: %s", len(failures), statuses, strings.Join(failures[:min(len(failures), 5)], "\n"))
	}
	if statuses[201] == 0 {
		t.Fatalf("no request succeeded: %v", statuses)
	}

	if len(failures) > 0 {
		t.Fatalf("%d requests failed (statuses %v); first: %s", len(failures), statuses, strings.Join(failures[:min(len(failures), 5)], "\n"))
	}
	if statuses[201] == 0 {
		t.Fatalf("no request succeeded: %v", statuses)
	}
	return received, statuses
}

// mustHistoryAddsUp reads every movement and order over the API and proves
// from them alone: the receipts are those the clients saw accepted, every
// line's quantities are its history's and add up, no SKU ever had more units
// held for lines than on hand at any point of the history, and every fill
// from a queue went to the line first in FIFO order (CheckFIFO, no priority
// rules).
func mustHistoryAddsUp(t *testing.T, c *client, received int64) {
	t.Helper()
	moves := listAll[backorder.Movement](c, "/v1/movements")
	orders := listAll[*backorder.Order](c, "/v1/orders")
	lines := map[int64]*backorder.QueueEntry{}
	for _, o := range orders {
		for _, l := range o.Lines {
			lines[l.ID] = &backorder.QueueEntry{Order: o, Line: l}
		}
	}
	var got int64
	perLine := map[int64]*backorder.LedgerTotals{}
	// Per SKU, in commit order: units on hand and units held for lines
	// (allocated, not yet shipped). Held may never exceed on hand, at any
	// point of the history: that would be a unit sold twice.
	onHand, held := map[string]int64{}, map[string]int64{}
	for i := range moves {
		m := &moves[i]
		if i > 0 && m.ID <= moves[i-1].ID {
			t.Fatalf("movements out of ID order at %d: %d after %d", i, m.ID, moves[i-1].ID)
		}
		switch m.Kind {
		case backorder.MoveReceipt:
			got += m.Quantity
			onHand[m.SKU] += m.Quantity
		case backorder.MoveAdjustment:
			onHand[m.SKU] += m.Quantity
		case backorder.MoveAllocate:
			held[m.SKU] += m.Quantity
		case backorder.MoveRelease:
			held[m.SKU] -= m.Quantity
		case backorder.MoveShip:
			held[m.SKU] -= m.Quantity
			onHand[m.SKU] -= m.Quantity
		}
		if held[m.SKU] > onHand[m.SKU] || held[m.SKU] < 0 {
			t.Fatalf("oversold at movement %d (%s %d of %s): %d units held for lines, %d on hand", m.ID, m.Kind, m.Quantity, m.SKU, held[m.SKU], onHand[m.SKU])
		}
		if m.LineID != 0 {
			if perLine[m.LineID] == nil {
				perLine[m.LineID] = &backorder.LedgerTotals{}
			}
			perLine[m.LineID].Add(m)
		}
	}
	if got != received {
		t.Fatalf("receipts in history=%d, clients saw %d accepted", got, received)
	}
	var allocated, shipped int64
	for id, l := range lines {
		tot := perLine[id]
		if tot == nil {
			t.Fatalf("line %d has no history", id)
		}
		if l.Line.Allocated != tot.AllocatedNow() || l.Line.Quantity != l.Line.Allocated+l.Line.Backordered+l.Line.Shipped+l.Line.Cancelled {
			t.Fatalf("line %d=%+v, history %+v", id, l.Line, tot)
		}
		allocated += tot.AllocatedNow()
		shipped += tot.Shipped
	}
	if v := backorder.CheckFIFO(moves, lines, func(*backorder.Order, time.Time) int { return 0 }); len(v) > 0 {
		t.Fatalf("FIFO broken: %+v", v[:min(len(v), 5)])
	}
	t.Logf("history: %d movements, %d orders, %d lines; %d units received, %d allocated now, %d shipped", len(moves), len(orders), len(lines), got, allocated, shipped)
}
