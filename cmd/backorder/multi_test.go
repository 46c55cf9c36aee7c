package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
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
	return mustStartOn(t, bin, freeAddr(t), env...)
}

// mustStartOn is mustStart on a given address.
func mustStartOn(t *testing.T, bin, addr string, env ...string) *process {
	t.Helper()
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

	skus := mustHotSKUs(t, clients[0], 3)

	const nclients, perClient = 32, 30
	start := time.Now()
	received, statuses := runWorkload(t, clients, skus, nclients, perClient)
	elapsed := time.Since(start)

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
		total.KeyRaces += s.KeyRaces
	}
	t.Logf("workload: %d requests in %s, statuses %v; %d writes in %d batches on 3 instances; %d batches retried after a deadlock or serialization failure and %d after an Idempotency-Key race, transparently",
		nclients*perClient, elapsed.Round(time.Millisecond), statuses, total.Writes, total.Batches, total.Retries, total.KeyRaces)

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
