package storetest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/backorder/backorder"
)

// gatedStore holds the next write transaction until released, so that a
// test can queue requests behind it and have them run as one batch.
type gatedStore struct {
	backorder.Store
	mu      sync.Mutex
	gate    chan struct{}
	entered chan struct{}
}

func (g *gatedStore) BeginWrite(ctx context.Context) (backorder.Tx, error) {
	g.mu.Lock()
	gate, entered := g.gate, g.entered
	g.gate = nil
	g.mu.Unlock()
	if gate != nil {
		close(entered)
		<-gate
	}
	return g.Store.BeginWrite(ctx)
}

// oneBatch runs reqs so that they reach the committer in order while a
// write holds it, and so commit together in the next batch. It fails unless
// they took exactly one batch.
func oneBatch(t *testing.T, svc *backorder.Service, g *gatedStore, reqs ...func()) {
	t.Helper()
	gate, entered := make(chan struct{}), make(chan struct{})
	g.mu.Lock()
	g.gate, g.entered = gate, entered
	g.mu.Unlock()
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := svc.SetMeta(context.Background(), "gate", "held"); err != nil {
			t.Error(err)
		}
	})
	<-entered
	before := svc.CommitStats()
	for i, req := range reqs {
		wg.Go(req)
		deadline := time.Now().Add(10 * time.Second)
		for svc.CommitStats().Queued != int64(i+1) {
			if time.Now().After(deadline) {
				close(gate)
				t.Fatalf("request %d did not queue (queued %d)", i, svc.CommitStats().Queued)
			}
			time.Sleep(100 * time.Microsecond)
		}
	}
	close(gate)
	wg.Wait()
	if got := svc.CommitStats().Batches - before.Batches; got != 1 {
		t.Fatalf("the requests took %d batches, want 1", got)
	}
}

// testIntakeRun checks that order requests committed together in one batch
// (the set-based intake run) have the outcomes they would have one by one.
func testIntakeRun(t *testing.T, open Opener) {
	ctx := context.Background()
	setup := func(t *testing.T) (*backorder.Service, *gatedStore) {
		g := &gatedStore{Store: open(t)}
		svc, _ := MustService(t, g, 1)
		return svc, g
	}

	t.Run("FIFO", func(t *testing.T) {
		svc, g := setup(t)
		MustProduct(t, svc, "A", 5, backorder.Policy{})
		orders := make([]*backorder.Order, 8)
		var reqs []func()
		for i := range orders {
			reqs = append(reqs, func() { orders[i] = MustOrder(t, svc, "R-"+string(rune('0'+i)), "A", 1) })
		}
		oneBatch(t, svc, g, reqs...)
		for i, o := range orders {
			if o == nil {
				t.Fatalf("order %d failed", i)
			}
			want := int64(0)
			if i < 5 {
				want = 1
			}
			if o.Lines[0].Allocated != want || o.Lines[0].Backordered != 1-want {
				t.Fatalf("order %d: allocated %d backordered %d, want %d allocated in arrival order", i, o.Lines[0].Allocated, o.Lines[0].Backordered, want)
			}
			if i > 0 && o.Seq <= orders[i-1].Seq {
				t.Fatalf("order %d: seq %d after %d, want arrival order", i, o.Seq, orders[i-1].Seq)
			}
			stored, err := svc.Order(ctx, o.ID)
			if err != nil || stored.Lines[0].Allocated != want || stored.Status != o.Status {
				t.Fatalf("stored order %s=%+v, %v; returned %+v", o.ID, stored, err, o)
			}
		}
		if p, _ := svc.Product(ctx, "A"); p.Allocated != 5 || p.Backordered != 3 || p.Available() != 0 {
			t.Fatalf("A=%+v, want 5 allocated and 3 backordered", p.Stock)
		}
		if es, _ := svc.Events(ctx, 0, 100); countKind(es, backorder.EventOrderAccepted) != 8 {
			t.Fatalf("events=%+v, want 8 order.accepted", es)
		}
		if st := svc.CommitStats(); st.Fallbacks != 0 {
			t.Fatalf("fallbacks=%d, want 0", st.Fallbacks)
		}
		MustCheck(t, svc)
		MustFair(t, svc, nil)
	})

	t.Run("Outcomes", func(t *testing.T) {
		svc, g := setup(t)
		no, limit := false, int64(2)
		MustProduct(t, svc, "A", 2, backorder.Policy{})
		MustProduct(t, svc, "NO", 0, backorder.Policy{AcceptBackorders: &no})
		MustProduct(t, svc, "M", 0, backorder.Policy{MaxBackorderPerCustomer: &limit})
		MustOrder(t, svc, "OLD", "A", 0+1)
		if _, err := svc.Receive(ctx, &backorder.ReceiptRequest{SKU: "A", Quantity: 1}, nil); err != nil {
			t.Fatal(err)
		}
		k2, err := svc.PlaceOrder(ctx, orderReq("K2", "c", "M", 1), &backorder.Idempotency{Key: "k2", Hash: "h2"})
		if err != nil {
			t.Fatal(err)
		}

		type outcome struct {
			o        *backorder.Order
			err      error
			replayed bool
		}
		got := map[string]*outcome{}
		var mu sync.Mutex
		place := func(name string, req *backorder.OrderRequest, idem *backorder.Idempotency) func() {
			return func() {
				o, err := svc.PlaceOrder(ctx, req, idem)
				mu.Lock()
				defer mu.Unlock()
				got[name] = &outcome{o, err, idem != nil && idem.Replayed}
			}
		}
		oneBatch(t, svc, g,
			place("ok", orderReq("B-1", "c1", "A", 3), nil),
			place("unknown", orderReq("B-2", "c1", "ZZ", 1), nil),
			place("refused", orderReq("B-3", "c1", "NO", 1), &backorder.Idempotency{Key: "k3", Hash: "h3"}),
			place("exists", orderReq("OLD", "c1", "A", 1), nil),
			place("replay", orderReq("K2", "c", "M", 1), &backorder.Idempotency{Key: "k2", Hash: "h2"}),
			place("reused", orderReq("X", "c", "A", 1), &backorder.Idempotency{Key: "k2", Hash: "other"}),
			place("limit-ok", orderReq("B-7", "cm", "M", 2), nil),
			place("limit", orderReq("B-8", "cm", "M", 1), nil),
			place("after", orderReq("B-9", "c2", "A", 1), nil),
		)
		want := map[string]string{"unknown": backorder.ENOTFOUND, "refused": backorder.EREFUSED, "exists": backorder.ECONFLICT,
			"reused": backorder.EIDEMPOTENCY, "limit": backorder.EREFUSED}
		for name, out := range got {
			if code := backorder.ErrorCode(out.err); code != want[name] && !(want[name] == "" && out.err == nil) {
				t.Errorf("%s: err=%v, want code %q", name, out.err, want[name])
			}
		}
		if len(got) != 9 {
			t.Fatalf("%d outcomes, want 9", len(got))
		}
		if o := got["ok"].o; o == nil || o.Lines[0].Allocated != 2 || o.Lines[0].Backordered != 1 {
			t.Fatalf("B-1=%+v, want 2 allocated and 1 backordered", o)
		}
		if r := got["replay"]; !r.replayed || r.o == nil || r.o.Seq != k2.Seq {
			t.Fatalf("replay=%+v, want K2 (seq %d) replayed", r, k2.Seq)
		}
		if e := backorder.AsError(got["limit"].err); e.Rule != backorder.RuleCustomerLimit {
			t.Fatalf("B-8 refused for %q, want %q: the run's own B-7 counts", e.Rule, backorder.RuleCustomerLimit)
		}
		if o := got["after"].o; o == nil || o.Lines[0].Backordered != 1 {
			t.Fatalf("B-9=%+v, want backordered: B-1 took the stock before it", o)
		}
		if st := svc.CommitStats(); st.Fallbacks != 0 {
			t.Fatalf("fallbacks=%d, want 0", st.Fallbacks)
		}
		// The refusal was kept with its key: a retry replays it, with no
		// second lost-demand row.
		idem := &backorder.Idempotency{Key: "k3", Hash: "h3"}
		if _, err := svc.PlaceOrder(ctx, orderReq("B-3", "c1", "NO", 1), idem); backorder.ErrorCode(err) != backorder.EREFUSED || !idem.Replayed {
			t.Fatalf("retry of B-3: err=%v replayed=%v, want the refusal replayed", err, idem.Replayed)
		}
		lost, err := svc.LostDemand(ctx, backorder.LostDemandFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(lost) != 2 || lost[0].OrderID != "B-3" || lost[1].OrderID != "B-8" {
			t.Fatalf("lost demand=%+v, want B-3 and B-8", lost)
		}
		for _, id := range []string{"B-2", "B-3", "B-8", "X"} {
			if _, err := svc.Order(ctx, id); backorder.ErrorCode(err) != backorder.ENOTFOUND {
				t.Fatalf("order %s: err=%v, want none stored", id, err)
			}
		}
		MustCheck(t, svc)
		MustFair(t, svc, nil)
	})

	t.Run("OverlapFallsBack", func(t *testing.T) {
		svc, g := setup(t)
		MustProduct(t, svc, "A", 1, backorder.Policy{})
		var c0, first, retry, c2, dup *backorder.Order
		var retryErr, dupErr error
		var retried bool
		oneBatch(t, svc, g,
			func() { c0 = MustOrder(t, svc, "C-0", "A", 1) },
			func() {
				idem := &backorder.Idempotency{Key: "kc", Hash: "hc"}
				first, _ = svc.PlaceOrder(ctx, orderReq("C-1", "c", "A", 1), idem)
			},
			func() {
				idem := &backorder.Idempotency{Key: "kc", Hash: "hc"}
				retry, retryErr = svc.PlaceOrder(ctx, orderReq("C-1", "c", "A", 1), idem)
				retried = idem.Replayed
			},
			func() { c2 = MustOrder(t, svc, "C-2", "A", 1) },
			func() { dup, dupErr = svc.PlaceOrder(ctx, orderReq("C-2", "c", "A", 1), nil) },
		)
		if st := svc.CommitStats(); st.Fallbacks != 1 {
			t.Fatalf("fallbacks=%d, want 1", st.Fallbacks)
		}
		if c0 == nil || first == nil || retryErr != nil || !retried || retry.Seq != first.Seq {
			t.Fatalf("retry=%+v, %v, replayed %v; want the first C-1 replayed", retry, retryErr, retried)
		}
		if c2 == nil || dup != nil || backorder.ErrorCode(dupErr) != backorder.ECONFLICT {
			t.Fatalf("second C-2: %+v, %v, want ECONFLICT", dup, dupErr)
		}
		if p, _ := svc.Product(ctx, "A"); p.Allocated+p.Backordered != 3 {
			t.Fatalf("A=%+v, want 3 units ordered (C-0, C-1 once, C-2 once)", p.Stock)
		}
		MustCheck(t, svc)
		MustFair(t, svc, nil)
	})
}

func countKind(es []backorder.Event, kind string) int {
	n := 0
	for _, e := range es {
		if e.Kind == kind {
			n++
		}
	}
	return n
}
