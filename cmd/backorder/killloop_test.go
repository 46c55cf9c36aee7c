package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/backorder/backorder"
)

// killLoopConfig is how hard a kill loop is: BACKORDER_CRASH_KILLS kills
// (default 20), each after a random pause of up to twice
// BACKORDER_CRASH_INTERVAL (default 300ms) of load.
func killLoopConfig(t *testing.T) (kills int, interval time.Duration) {
	kills, interval = 20, 300*time.Millisecond
	if v := os.Getenv("BACKORDER_CRASH_KILLS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("BACKORDER_CRASH_KILLS=%q: want a positive number", v)
		}
		kills = n
	}
	if v := os.Getenv("BACKORDER_CRASH_INTERVAL"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			t.Fatalf("BACKORDER_CRASH_INTERVAL=%q: want a positive duration", v)
		}
		interval = d
	}
	return kills, interval
}

// TestKillLoop_SQLite runs the load tool's workload against `backorder
// serve` on one SQLite file and kills the process with SIGKILL at random
// moments, starting it again each time; see mustSurviveKills.
func TestKillLoop_SQLite(t *testing.T) {
	bin := mustBuild(t)
	env := []string{"BACKORDER_DB=" + filepath.Join(t.TempDir(), "kill.db"), "BACKORDER_ADMIN_TOKEN=" + testToken}
	mustSurviveKills(t, bin, 1, env)
}

// TestKillLoop_Postgres is TestKillLoop_SQLite with three instances on one
// PostgreSQL database: one is killed at a time while the other two serve.
func TestKillLoop_Postgres(t *testing.T) {
	base := testPostgresURL(t)
	bin := mustBuild(t)
	env := []string{"BACKORDER_DB=" + mustCreateDatabase(t, base), "BACKORDER_ADMIN_TOKEN=" + testToken}
	mustSurviveKills(t, bin, 3, env)
}

// mustSurviveKills starts n instances, drives the load tool's mixed keyed
// workload at them (every write retried with its key, on the next instance,
// until answered), and meanwhile kills a random instance with SIGKILL the
// configured number of times, starting it again on its address each time.
// A reader follows the outbox (GET /v1/events) throughout. At the end every
// write left unanswered is sent again with its key, and it checks:
//
//   - every acknowledged order is there, exactly once, and no order is there
//     that was not acknowledged;
//   - every write sent more than once, sent again, gets its first answer
//     back (one effect per key); and the units received in the history are
//     exactly those of the acknowledged receipts;
//   - the check finds no violation;
//   - every event the reader saw is still there, unchanged, and every
//     acknowledged order has its order.accepted event.
func mustSurviveKills(t *testing.T, bin string, n int, env []string) {
	kills, interval := killLoopConfig(t)
	var procs []*process
	var urls []string
	for range n {
		p := mustStart(t, bin, env...)
		procs = append(procs, p)
		urls = append(urls, p.base)
	}
	l := newLoad(loadConfig{urls: urls, token: testToken, concurrency: 8, seed: 11, hot: 2, cold: 6, timeout: 5 * time.Second, run: "kl"})
	ctx := context.Background()
	if err := l.setup(ctx); err != nil {
		t.Fatal(err)
	}

	stop, stopLoad := context.WithCancel(ctx)
	var wg sync.WaitGroup
	var rep *loadReport
	wg.Go(func() { rep = l.runUntil(stop, ctx) })
	seen := map[int64]backorder.Event{} // events read while the kills went on
	wg.Go(func() {
		var after int64
		for stop.Err() == nil {
			var page struct{ Data []backorder.Event }
			if l.get(stop, fmt.Sprintf("/v1/events?limit=500&after=%d", after), &page) {
				for _, e := range page.Data {
					seen[e.ID] = e
					after = e.ID
				}
			}
			time.Sleep(50 * time.Millisecond)
		}
	})
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 5))
	for range kills {
		time.Sleep(time.Duration(rng.Int64N(int64(2 * interval))))
		i := rng.IntN(len(procs))
		p := procs[i]
		p.stopped = true
		if err := p.cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		<-p.exited
		// Back on its address, where its clients look for it.
		procs[i] = mustStartOn(t, bin, strings.TrimPrefix(p.base, "http://"), env...)
	}
	time.Sleep(interval)
	stopLoad()
	wg.Wait()

	// Every write answered: those cut off are sent again with their key.
	var inDoubt, answered []*loadOp
	for _, op := range l.ops {
		if op.Status == 0 {
			inDoubt = append(inDoubt, op)
		} else {
			answered = append(answered, op)
		}
	}
	l.ops = answered
	for _, op := range inDoubt {
		op.Attempts++ // the cut off attempt counts: this is a retry
		op.Status = 0
		l.send(ctx, op)
		if op.Status == 0 {
			t.Fatalf("%s %s (key %s) unanswered after the kills", op.Method, op.Path, op.Key)
		}
	}

	c := &client{t: t, base: urls[0], hc: l.hc}
	var violations []string
	bad := func(format string, args ...any) { violations = append(violations, fmt.Sprintf(format, args...)) }

	// One effect per key: a write sent more than once, sent again, is
	// answered as the first time.
	retried := 0
	for _, op := range l.ops {
		if op.Attempts < 2 || op.Key == "" || op.Method != "POST" {
			continue
		}
		retried++
		st, body, hdr, err := l.attempt(ctx, urls[retried%len(urls)], op.Method, op.Path, op.Body, op.Key)
		if err != nil {
			t.Fatal(err)
		}
		if st != op.Status || (st < 300 && hdr.Get("Idempotent-Replayed") != "true") || !sameID(body, op.Reply) {
			bad("key %s sent again: %d %s (replayed %q), first answered %d %s", op.Key, st, bytes.TrimSpace(body), hdr.Get("Idempotent-Replayed"), op.Status, bytes.TrimSpace(op.Reply))
		}
	}

	// Orders: those acknowledged, each once, and nothing else of the run.
	acked := map[string]bool{}
	received := map[string]int64{}
	for _, op := range l.ops {
		if op.Status < 200 || op.Status > 299 {
			continue
		}
		switch {
		case op.Kind == "order":
			var o struct{ ID string }
			json.Unmarshal(op.Body, &o)
			acked[o.ID] = true
		case op.Path == "/v1/receipts":
			var r backorder.ReceiptRequest
			json.Unmarshal(op.Body, &r)
			received[r.SKU] += r.Quantity
		case op.Kind == "po_receipt":
			var r backorder.POReceiptRequest
			json.Unmarshal(op.Body, &r)
			for _, ln := range r.Lines {
				received[ln.SKU] += ln.Quantity
			}
		}
	}
	found, duplicates := 0, 0
	count := map[string]int{}
	for _, o := range listAll[backorder.Order](c, "/v1/orders") {
		count[o.ID]++
	}
	for id, k := range count {
		switch {
		case !acked[id]:
			duplicates++
			bad("order %s is there, but was never acknowledged", id)
		case k > 1:
			duplicates += k - 1
			bad("order %s is there %d times", id, k)
		}
	}
	for id := range acked {
		if count[id] == 0 {
			bad("acknowledged order %s is missing", id)
		} else {
			found++
		}
	}
	got := map[string]int64{}
	for _, m := range listAll[backorder.Movement](c, "/v1/movements") {
		if m.Kind == backorder.MoveReceipt {
			got[m.SKU] += m.Quantity
		}
	}
	for _, sku := range l.skus {
		if got[sku] != received[sku] {
			if got[sku] > received[sku] {
				duplicates++
			}
			bad("%s: %d units received in the history, %d in acknowledged receipts", sku, got[sku], received[sku])
		}
	}

	var check backorder.CheckReport
	if st := c.do("GET", "/v1/check", nil, &check); st != 200 {
		t.Fatalf("GET /v1/check: %d", st)
	}
	for _, v := range check.Violations {
		bad("check: %+v", v)
	}

	// The outbox: nothing committed is lost.
	events := map[int64]backorder.Event{}
	accepted := map[string]bool{}
	for _, e := range listAll[backorder.Event](c, "/v1/events") {
		events[e.ID] = e
		if e.Kind == backorder.EventOrderAccepted {
			accepted[e.OrderID] = true
		}
	}
	for id, e := range seen {
		if g, ok := events[id]; !ok || g.Kind != e.Kind || g.OrderID != e.OrderID || !bytes.Equal(g.Payload, e.Payload) {
			bad("event %d (%s %s) read during the load is gone or changed: %+v", id, e.Kind, e.OrderID, g)
		}
	}
	for id := range acked {
		if !accepted[id] {
			bad("acknowledged order %s has no order.accepted event", id)
		}
	}

	ackedWrites := 0
	for _, op := range l.ops {
		if op.Status >= 200 && op.Status < 300 {
			ackedWrites++
		}
	}
	t.Logf("kills %d, acknowledged writes %d (orders %d), found %d, duplicates %d, violations %d (check: %d); %d writes retried with their key, %d cut off and sent again; %d events followed, %d in the outbox; load: %s",
		kills, ackedWrites, len(acked), found, duplicates, len(violations), len(check.Violations), retried, len(inDoubt), len(seen), len(events), fmtCounts(rep.ByOp))
	if len(violations) > 0 {
		t.Fatalf("%d violations; first: %s", len(violations), strings.Join(violations[:min(len(violations), 10)], "\n"))
	}
	if len(acked) == 0 || retried == 0 {
		t.Fatalf("%d orders acknowledged, %d writes retried: the kills did not land mid-load", len(acked), retried)
	}
	for _, p := range procs {
		if err := p.stop(); err != nil {
			t.Errorf("%s: %v\n%s", p.base, err, p.logs())
		}
	}
}

// sameID says whether two replies name the same thing: equal, or JSON
// objects with the same id.
func sameID(a, b []byte) bool {
	if bytes.Equal(a, b) {
		return true
	}
	var x, y struct{ ID any }
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return x.ID != nil && fmt.Sprint(x.ID) == fmt.Sprint(y.ID)
}
