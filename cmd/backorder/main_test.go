package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
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
	st, b, err := c.send(method, path, body, headers...)
	if err != nil {
		c.t.Fatal(err)
	}
	if out != nil && len(b) > 0 {
		if err := json.Unmarshal(b, out); err != nil {
			c.t.Fatalf("%s %s: %d %s: %v", method, path, st, b, err)
		}
	}
	return st
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
	skus := mustHotSKUs(t, c, 3)
	received, _ := runWorkload(t, []*client{c}, skus, 32, 30)
	var rep backorder.CheckReport
	if st := c.do("GET", "/v1/check", nil, &rep); st != 200 || !rep.OK {
		t.Fatalf("check: %d %+v", st, rep.Violations)
	}
	mustHistoryAddsUp(t, c, received)
}

// TestSimulate runs a short simulation through the real service and checks
// that it measured promises and that its buffered promises beat the naive
// baseline on the same lines.
func TestSimulate(t *testing.T) {
	var out, errOut bytes.Buffer
	args := []string{"simulate", "--days", "30", "--warmup", "20", "--skus", "8", "--seed", "3", "--json", "--dir", t.TempDir()}
	if err := run(context.Background(), args, func(string) string { return "" }, &out, &errOut); err != nil {
		t.Fatalf("simulate: %v\n%s", err, errOut.String())
	}
	var res SimulationResult
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	if res.Orders == 0 || res.Measured == 0 || res.PromiseKeptShare == nil || res.BaselinePromiseKeptShare == nil || res.MedianSlackDays == nil || len(res.Suppliers) != 4 {
		t.Fatalf("nothing measured: %s", out.String())
	}
	if *res.PromiseKeptShare <= *res.BaselinePromiseKeptShare {
		t.Fatalf("kept %.3f, baseline %.3f: the buffer kept no more promises", *res.PromiseKeptShare, *res.BaselinePromiseKeptShare)
	}
	for _, key := range []string{"promise_kept_share", "median_slack_days", "baseline_promise_kept_share", "baseline_median_slack_days"} {
		if !bytes.Contains(out.Bytes(), []byte(`"`+key+`"`)) {
			t.Fatalf("no %s in %s", key, out.String())
		}
	}
	if err := run(context.Background(), []string{"simulate", "--days", "0"}, func(string) string { return "" }, &out, &errOut); err == nil {
		t.Fatal("--days 0 accepted")
	}
}
