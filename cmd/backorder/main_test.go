package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/backorder/backorder"
)

const testToken = "test-admin-token"

// client talks to a running server as an integrator would.
type client struct {
	t    testing.TB
	base string
	hc   *http.Client
}

func (c *client) do(method, path string, body any, out any, headers ...string) int {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			c.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+testToken)
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil && len(b) > 0 {
		if err := json.Unmarshal(b, out); err != nil {
			c.t.Fatalf("%s %s: %d %s: %v", method, path, resp.StatusCode, b, err)
		}
	}
	return resp.StatusCode
}

// freeAddr returns a loopback address nobody listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// mustRun starts `backorder serve` through run() on a free port with a fresh
// SQLite file, waits for /healthz, and stops it when the test ends.
func mustRun(t *testing.T, extra ...string) *client {
	t.Helper()
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	env := map[string]string{"BACKORDER_ADMIN_TOKEN": testToken}
	args := append([]string{"serve", "--addr", addr, "--db", filepath.Join(t.TempDir(), "backorder.db")}, extra...)
	done := make(chan error, 1)
	var stderr bytes.Buffer
	go func() {
		done <- run(ctx, args, func(k string) string { return env[k] }, io.Discard, &lockedWriter{w: &stderr})
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	c := &client{t: t, base: "http://" + addr, hc: &http.Client{Timeout: 30 * time.Second}}
	for start := time.Now(); ; time.Sleep(20 * time.Millisecond) {
		resp, err := http.Get(c.base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return c
			}
		}
		if time.Since(start) > 20*time.Second {
			t.Fatalf("server did not become healthy: %v", err)
		}
	}
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func TestRun_Version(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"version"}, func(string) string { return "" }, &out, io.Discard); err != nil {
		t.Fatal(err)
	} else if !strings.HasPrefix(out.String(), "backorder ") {
		t.Fatalf("version printed %q", out.String())
	}
	if err := run(context.Background(), []string{"frobnicate"}, func(string) string { return "" }, io.Discard, io.Discard); err == nil {
		t.Fatal("unknown command: no error")
	}
}

func TestRun_GeneratedTokenShownOnce(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "b.db")
	start := func() (string, error) {
		addr := freeAddr(t)
		ctx, cancel := context.WithCancel(context.Background())
		var out bytes.Buffer
		lw := &lockedWriter{w: &out}
		done := make(chan error, 1)
		go func() {
			done <- run(ctx, []string{"serve", "--addr", addr, "--db", dbPath}, func(string) string { return "" }, lw, io.Discard)
		}()
		for i := 0; i < 500; i++ {
			if resp, err := http.Get("http://" + addr + "/healthz"); err == nil {
				resp.Body.Close()
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		// The printed token works; no token does not.
		lw.mu.Lock()
		printed := out.String()
		lw.mu.Unlock()
		token := ""
		for _, f := range strings.Fields(printed) {
			if strings.HasPrefix(f, "bo_") {
				token = f
			}
		}
		if token != "" {
			req, _ := http.NewRequest("GET", "http://"+addr+"/v1/settings", nil)
			req.Header.Set("Authorization", "Bearer "+token)
			resp, err := http.DefaultClient.Do(req)
			if err != nil || resp.StatusCode != 200 {
				t.Errorf("generated token refused: %v %v", err, resp)
			}
			resp.Body.Close()
		}
		resp, err := http.Get("http://" + addr + "/v1/settings")
		if err == nil {
			if resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("no token: status %d, want 401", resp.StatusCode)
			}
			resp.Body.Close()
		}
		cancel()
		return token, <-done
	}
	first, err := start()
	if err != nil {
		t.Fatal(err)
	} else if first == "" {
		t.Fatal("first start printed no token")
	}
	second, err := start()
	if err != nil {
		t.Fatal(err)
	} else if second != "" {
		t.Fatal("second start printed a token again")
	}
}

func TestRun_Demo(t *testing.T) {
	db := filepath.Join(t.TempDir(), "demo.db")
	var out bytes.Buffer
	if err := run(context.Background(), []string{"demo", "--db", db}, func(string) string { return "" }, &out, io.Discard); err != nil {
		t.Fatalf("demo: %v\n%s", err, out.String())
	}
	for _, want := range []string{"order 100 accepted: backordered", "order 100 +20 (fifo); order 101 +20 (fifo); order 102 +10 (fifo)", "order 104 refused", "invariant check ok=true"} {
		if !strings.Contains(out.String(), want) {
			t.Fatalf("demo output lacks %q:\n%s", want, out.String())
		}
	}
	if err := run(context.Background(), []string{"check", "--db", db}, func(string) string { return "" }, io.Discard, io.Discard); err != nil {
		t.Fatalf("check after demo: %v", err)
	}
	if err := run(context.Background(), []string{"demo", "--db", db}, func(string) string { return "" }, io.Discard, io.Discard); err == nil {
		t.Fatal("a second demo into the same database: no error")
	}
}

// listAll pages through a list endpoint.
func listAll[T any](c *client, path string) []T {
	var all []T
	cursor := ""
	for {
		var page struct {
			Data       []T    `json:"data"`
			NextCursor string `json:"next_cursor"`
		}
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		if st := c.do("GET", path+sep+"limit=1000&after="+cursor, nil, &page); st != 200 {
			c.t.Fatalf("GET %s: %d", path, st)
		}
		all = append(all, page.Data...)
		if page.NextCursor == "" || len(page.Data) == 0 {
			return all
		}
		cursor = page.NextCursor
	}
}

// TestAPI_Concurrent has 32 HTTP clients place and cancel orders on a few hot
// SKUs while receipts arrive, then proves from the recorded history, not
// from the service's own counters, that nothing was oversold, every line
// adds up, and every queue fill went to the oldest waiting line.
func TestAPI_Concurrent(t *testing.T) {
	c := mustRun(t)
	skus := []string{"HOT-1", "HOT-2", "HOT-3"}
	for _, s := range skus {
		if st := c.do("PUT", "/v1/products/"+s, map[string]any{"name": s, "price_cents": 1000, "currency": "USD", "status": "active"}, nil); st != 201 {
			t.Fatalf("PUT product: %d", st)
		}
	}
	const clients, perClient = 32, 30
	var wg sync.WaitGroup
	var mu sync.Mutex
	var received int64
	statuses := map[int]int{}
	for w := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cc := &client{t: t, base: c.base, hc: c.hc}
			rng := rand.New(rand.NewPCG(uint64(w), 2))
			var mine []string
			for i := range perClient {
				var st int
				switch r := rng.IntN(10); {
				case r < 6:
					id := fmt.Sprintf("o-%d-%d", w, i)
					lines := []map[string]any{{"sku": skus[rng.IntN(3)], "quantity": 1 + rng.IntN(4)}}
					if rng.IntN(3) == 0 {
						lines = append(lines, map[string]any{"sku": skus[rng.IntN(3)], "quantity": 1 + rng.IntN(3)})
					}
					st = cc.do("POST", "/v1/orders", map[string]any{"id": id, "customer": map[string]any{"id": fmt.Sprintf("c%d", w), "email": "c@example.com", "name": "C"}, "lines": lines}, nil,
						"Idempotency-Key", "order-"+id)
					if st == 201 {
						mine = append(mine, id)
					}
				case r < 8 && len(mine) > 0:
					st = cc.do("POST", "/v1/orders/"+mine[rng.IntN(len(mine))]+"/cancel", map[string]any{"reason": "changed mind"}, nil)
				default:
					q := 1 + rng.IntN(6)
					st = cc.do("POST", "/v1/receipts", map[string]any{"sku": skus[rng.IntN(3)], "quantity": q}, nil)
					if st == 201 {
						mu.Lock()
						received += int64(q)
						mu.Unlock()
					}
				}
				mu.Lock()
				statuses[st]++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	for st, n := range statuses {
		if st != 200 && st != 201 && st != 409 {
			t.Fatalf("%d responses with status %d (all: %v)", n, st, statuses)
		}
	}

	var rep backorder.CheckReport
	if c.do("GET", "/v1/check", nil, &rep); !rep.OK {
		t.Fatalf("check: %+v", rep.Violations)
	}
	// Recompute from the history over the API.
	moves := listAll[backorder.Movement](c, "/v1/movements")
	orders := listAll[*backorder.Order](c, "/v1/orders")
	lines := map[int64]*backorder.QueueEntry{}
	for _, o := range orders {
		for _, l := range o.Lines {
			lines[l.ID] = &backorder.QueueEntry{Order: o, Line: l}
		}
	}
	var got, shipped int64
	perLine := map[int64]*backorder.LedgerTotals{}
	for i := range moves {
		m := &moves[i]
		if m.Kind == backorder.MoveReceipt {
			got += m.Quantity
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
	var held int64
	for id, l := range lines {
		tot := perLine[id]
		if tot == nil {
			t.Fatalf("line %d has no history", id)
		}
		if l.Line.Allocated != tot.AllocatedNow() || l.Line.Quantity != l.Line.Allocated+l.Line.Backordered+l.Line.Shipped+l.Line.Cancelled {
			t.Fatalf("line %d=%+v, history %+v", id, l.Line, tot)
		}
		held += tot.AllocatedNow()
		shipped += tot.Shipped
	}
	if held+shipped > got {
		t.Fatalf("oversold: %d allocated and shipped from %d received", held+shipped, got)
	}
	if v := backorder.CheckFIFO(moves, lines, func(*backorder.Order, time.Time) int { return 0 }); len(v) > 0 {
		t.Fatalf("FIFO broken: %+v", v[:min(len(v), 5)])
	}
	if statuses[201] == 0 {
		t.Fatalf("no request succeeded: %v", statuses)
	}
}
