package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/backorder/backorder"
)

// testPostgresURL returns the cluster the PostgreSQL tests run against.
// Without one the test skips, except in CI, where nothing may skip silently.
func testPostgresURL(t *testing.T) string {
	t.Helper()
	u := os.Getenv("BACKORDER_TEST_POSTGRES_URL")
	if u == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("BACKORDER_TEST_POSTGRES_URL is not set; CI must run the PostgreSQL tests (eval \"$(scripts/pgtest.sh start)\")")
		}
		t.Skip("set BACKORDER_TEST_POSTGRES_URL to run the PostgreSQL tests; eval \"$(scripts/pgtest.sh start)\" starts a throwaway server and sets it")
	}
	return u
}

// mustBuild builds this command into a temporary folder and returns the
// binary's path.
func mustBuild(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "backorder")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// mustCreateDatabase creates an empty database on the cluster at base, drops
// it when the test ends, and returns its URL.
func mustCreateDatabase(t *testing.T, base string) string {
	t.Helper()
	ctx := context.Background()
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		t.Fatalf("BACKORDER_TEST_POSTGRES_URL must be a postgres:// URL: %q", base)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "bo_" + hex.EncodeToString(b)
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Error(err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP DATABASE "+name+" WITH (FORCE)"); err != nil {
			t.Error(err)
		}
	})
	u.Path = "/" + name
	return u.String()
}

// process is a `backorder serve` running as a child process.
type process struct {
	cmd    *exec.Cmd
	base   string
	stderr *lockedWriter
	exited chan struct{} // closed once Wait returned
	err    error         // Wait's result, set before exited closes
	// stopped is set by the first stop; the test and its cleanup call stop
	// from the test goroutine only.
	stopped bool
}

// mustStart starts bin serve on a free port with env added to the test's
// environment, waits for /healthz, and stops the process when the test ends.
func mustStart(t *testing.T, bin string, env ...string) *process {
	t.Helper()
	addr := freeAddr(t)
	p := &process{base: "http://" + addr, stderr: &lockedWriter{w: &bytes.Buffer{}}, exited: make(chan struct{})}
	p.cmd = exec.Command(bin, "serve", "--addr", addr)
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.Stdout = io.Discard
	p.cmd.Stderr = p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		if err := p.stop(); err != nil {
			t.Errorf("%s: %v\n%s", p.base, err, p.logs())
		}
	})
	for start := time.Now(); ; time.Sleep(20 * time.Millisecond) {
		select {
		case <-p.exited:
			t.Fatalf("%s exited before it served: %v\n%s", p.base, p.err, p.logs())
		default:
		}
		resp, err := http.Get(p.base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p
			}
		}
		if time.Since(start) > 30*time.Second {
			t.Fatalf("%s did not become healthy: %v\n%s", p.base, err, p.logs())
		}
	}
}

// stop sends SIGTERM and waits for the process to exit; it reports an exit
// other than 0, and kills a process that does not stop within 30 seconds.
// Only the first call acts; later ones report nothing.
func (p *process) stop() error {
	if p.stopped {
		return nil
	}
	p.stopped = true
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("SIGTERM: %w", err)
	}
	select {
	case <-p.exited:
		if p.err != nil {
			return fmt.Errorf("exit after SIGTERM: %w", p.err)
		}
		return nil
	case <-time.After(30 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.exited
		return errors.New("did not stop within 30s of SIGTERM; killed")
	}
}

func (p *process) logs() string {
	p.stderr.mu.Lock()
	defer p.stderr.mu.Unlock()
	return p.stderr.w.(*bytes.Buffer).String()
}

// send is do for goroutines other than the test's: it returns a failure to
// reach the server rather than ending the test.
func (c *client) send(method, path string, body any, headers ...string) (int, []byte, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return 0, nil, err
	}
	req, err := http.NewRequest(method, c.base+path, bytes.NewReader(b))
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

// TestMultiInstance_Postgres is TestAPI_Concurrent spread over three
// `backorder serve` processes on one PostgreSQL database: 32 HTTP clients,
// each talking to one of the three, place orders (a third of them with lines
// on two SKUs, so batches lock several SKUs), cancel them, and post receipts
// on three hot SKUs. Then it proves from the history read back over the API,
// not from the service's counters, that nothing was oversold, every line
// adds up, and every queue fill went to the oldest waiting line.
func TestMultiInstance_Postgres(t *testing.T) {
	base := testPostgresURL(t)
	bin := mustBuild(t)
	dbURL := mustCreateDatabase(t, base)
	var procs []*process
	var clients []*client
	hc := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 32}}
	for range 3 {
		p := mustStart(t, bin, "BACKORDER_DB="+dbURL, "BACKORDER_ADMIN_TOKEN="+testToken)
		procs = append(procs, p)
		clients = append(clients, &client{t: t, base: p.base, hc: hc})
	}

	skus := []string{"HOT-1", "HOT-2", "HOT-3"}
	for i, s := range skus {
		if st := clients[i%3].do("PUT", "/v1/products/"+s, map[string]any{"name": s, "price_cents": 1000, "currency": "USD", "status": "active"}, nil); st != 201 {
			t.Fatalf("PUT product: %d", st)
		}
	}

	const nclients, perClient = 32, 30
	var wg sync.WaitGroup
	var mu sync.Mutex
	var received int64
	statuses := map[int]int{}
	var failures []string
	start := time.Now()
	for w := range nclients {
		wg.Go(func() {
			c := clients[w%3]
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
	elapsed := time.Since(start)
	if len(failures) > 0 {
		t.Fatalf("%d requests failed (statuses %v); first: %s", len(failures), statuses, strings.Join(failures[:min(len(failures), 5)], "\n"))
	}
	if statuses[201] == 0 {
		t.Fatalf("no request succeeded: %v", statuses)
	}

	// Each instance counts its own batches; a retried batch is invisible to
	// its requests, which all got their one answer above.
	var total backorder.CommitStats
	for _, c := range clients {
		var s backorder.CommitStats
		if st := c.do("GET", "/v1/stats", nil, &s); st != 200 {
			t.Fatalf("GET %s/v1/stats: %d", c.base, st)
		}
		t.Logf("%s: %+v", c.base, s)
		total.Batches += s.Batches
		total.Writes += s.Writes
		total.Retries += s.Retries
	}
	t.Logf("workload: %d requests in %s, statuses %v; %d writes in %d batches on 3 instances; %d batches retried after a deadlock or serialization failure, transparently",
		nclients*perClient, elapsed.Round(time.Millisecond), statuses, total.Writes, total.Batches, total.Retries)

	// Every instance reads the same history; check through a different one
	// than the one that pages it.
	var rep backorder.CheckReport
	if st := clients[1].do("GET", "/v1/check", nil, &rep); st != 200 || !rep.OK {
		t.Fatalf("check: %d %+v", st, rep.Violations)
	}
	mustHistoryAddsUp(t, clients[2], received)

	for _, p := range procs {
		if err := p.stop(); err != nil {
			t.Errorf("%s: %v\n%s", p.base, err, p.logs())
		}
		if logs := p.logs(); strings.Contains(logs, "level=ERROR") {
			t.Errorf("%s logged errors:\n%s", p.base, logs)
		}
	}
}

// mustHistoryAddsUp reads every movement and order over the API and proves
// from them alone: the receipts are those the clients saw accepted, every
// line's quantities are its history's and add up, nothing was allocated or
// shipped beyond what was received, and every fill from a queue went to the
// line first in FIFO order (CheckFIFO, no priority rules).
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
	var got, shipped, adjusted int64
	perLine := map[int64]*backorder.LedgerTotals{}
	for i := range moves {
		m := &moves[i]
		if i > 0 && m.ID <= moves[i-1].ID {
			t.Fatalf("movements out of ID order at %d: %d after %d", i, m.ID, moves[i-1].ID)
		}
		switch m.Kind {
		case backorder.MoveReceipt:
			got += m.Quantity
		case backorder.MoveAdjustment:
			adjusted += m.Quantity
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
	if held+shipped > got+adjusted {
		t.Fatalf("oversold: %d allocated and shipped from %d received and %d adjusted", held+shipped, got, adjusted)
	}
	if v := backorder.CheckFIFO(moves, lines, func(*backorder.Order, time.Time) int { return 0 }); len(v) > 0 {
		t.Fatalf("FIFO broken: %+v", v[:min(len(v), 5)])
	}
	t.Logf("history: %d movements, %d orders, %d lines; %d units received, %d allocated now, %d shipped", len(moves), len(orders), len(lines), got, held, shipped)
}
