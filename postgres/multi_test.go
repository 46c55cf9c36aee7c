package postgres_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/backorder/backorder"
	"github.com/backorder/backorder/storetest"
)

// TestMultiInstance runs three services, each with its own connection pool,
// on one database, as three stateless API processes would: orders,
// cancellations, receipts and adjustments race on a few hot SKUs, some orders
// span two SKUs, and afterwards every invariant holds and the history replays
// as fair.
func TestMultiInstance(t *testing.T) {
	t.Parallel()
	url, schema := MustCreateSchema(t)
	var svcs []*backorder.Service
	for range 3 {
		svc, _ := storetest.MustService(t, MustOpenSchema(t, url, schema), 2)
		svcs = append(svcs, svc)
	}
	skus := []string{"H1", "H2", "H3"}
	for _, s := range skus {
		storetest.MustProduct(t, svcs[0], s, 5, backorder.Policy{})
	}
	storetest.MustRunWorkload(t, svcs, skus, 24, 30)
	storetest.MustCheck(t, svcs[1])
	storetest.MustFair(t, svcs[2], nil)
}

// TestMultiInstance_AddMeta has instances on one database store a value
// under one key at once, as serve does with a new admin token hash on a
// first start: one value wins, and every instance gets that one back.
func TestMultiInstance_AddMeta(t *testing.T) {
	t.Parallel()
	url, schema := MustCreateSchema(t)
	const n = 6
	var svcs []*backorder.Service
	for range n {
		svc, _ := storetest.MustService(t, MustOpenSchema(t, url, schema), 1)
		svcs = append(svcs, svc)
	}
	got := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i, svc := range svcs {
		wg.Go(func() {
			got[i], errs[i] = svc.AddMeta(context.Background(), "admin_token_hash", fmt.Sprint("hash-", i))
		})
	}
	wg.Wait()
	stored, err := svcs[0].Meta(context.Background(), "admin_token_hash")
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if errs[i] != nil || got[i] != stored {
			t.Fatalf("instance %d: %q, %v; stored %q", i, got[i], errs[i], stored)
		}
	}
}

// TestTx_LocksSharedOrderLines checks the lock that guards a line reachable
// from two SKUs: a write transaction that reads the waiting lines of X holds
// the line of a two-SKU order, so another writer reading that order's lines
// (as an allocation run on Y does) waits until the first commits, and then
// sees its write.
func TestTx_LocksSharedOrderLines(t *testing.T) {
	t.Parallel()
	db := MustOpenDB(t)
	ctx := context.Background()
	setup := MustBeginWrite(t, db)
	storetest.MustPutProduct(t, setup, "X", backorder.Stock{})
	storetest.MustPutProduct(t, setup, "Y", backorder.Stock{})
	o := MustInsertOrder(t, setup, "O-1", "c", t0, "X", 1, "Y", 1)
	if err := setup.Commit(); err != nil {
		t.Fatal(err)
	}

	tx1 := MustBeginWrite(t, db)
	q, err := tx1.WaitingLines(ctx, backorder.QueueQuery{SKU: "X", Limit: 10})
	if err != nil {
		t.Fatal(err)
	} else if len(q) != 1 {
		t.Fatalf("waiting=%d, want 1", len(q))
	}
	l := q[0].Line
	l.Allocated, l.Backordered = 1, 0
	if err := tx1.SaveLines(ctx, []*backorder.Line{l}); err != nil {
		t.Fatal(err)
	}

	type result struct {
		lines map[string][]*backorder.Line
		err   error
	}
	done := make(chan result, 1)
	go func() {
		tx2, err := db.BeginWrite(ctx)
		if err != nil {
			done <- result{err: err}
			return
		}
		defer tx2.Rollback()
		ls, err := tx2.Lines(ctx, []string{"O-1"})
		done <- result{ls, err}
	}()
	select {
	case r := <-done:
		t.Fatalf("Lines returned (%v) while another writer held the order's line", r.err)
	case <-time.After(200 * time.Millisecond):
	}
	if err := tx1.Commit(); err != nil {
		t.Fatal(err)
	}
	r := <-done
	if r.err != nil {
		t.Fatal(r.err)
	}
	for _, got := range r.lines["O-1"] {
		if got.ID == o.Lines[0].ID && got.Allocated != 1 {
			t.Fatalf("line read after the wait is stale: %+v", got)
		}
	}

	// A read transaction never waits.
	rx := MustBeginRead(t, db)
	tx3 := MustBeginWrite(t, db)
	if _, err := tx3.Lines(ctx, []string{"O-1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := rx.Lines(ctx, []string{"O-1"}); err != nil {
		t.Fatal(err)
	}
}

// TestKeyRace makes the race of one Idempotency-Key between two instances
// happen for certain: another writer stores the key, with another request's
// hash, after the service has looked for it and before the service stores
// it. The service's insert of the key waits for that writer and then finds
// the key taken; the answer must be the key's real outcome (here: used with
// another request, EIDEMPOTENCY), not a bare conflict.
func TestKeyRace(t *testing.T) {
	t.Parallel()
	url, schema := MustCreateSchema(t)
	db := MustOpenSchema(t, url, schema)
	svc, _ := storetest.MustService(t, db, 1)
	storetest.MustProduct(t, svc, "K", 1, backorder.Policy{})
	ctx := context.Background()

	other := MustBeginWrite(t, db)
	if err := other.PutIdempotencyRecords(ctx, []*backorder.IdempotencyRecord{{Key: "key", RequestHash: "theirs", Result: []byte(`{}`), CreatedAt: t0}}); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		req := &backorder.OrderRequest{ID: "R-1", Customer: backorder.Customer{ID: "c", Email: "c@example.com", Name: "C"},
			Lines: []backorder.LineRequest{{SKU: "K", Quantity: 1}}, Shipping: backorder.ShippingStandard}
		_, err := svc.PlaceOrder(ctx, req, &backorder.Idempotency{Key: "key", Hash: "mine"})
		done <- err
	}()
	// Wait until the service's insert of the key waits for the other writer.
	mustWaitForKeyInsert(t, url)
	if err := other.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; backorder.ErrorCode(err) != backorder.EIDEMPOTENCY {
		t.Fatalf("err=%v, want %s", err, backorder.EIDEMPOTENCY)
	}
	if _, err := svc.Order(ctx, "R-1"); backorder.ErrorCode(err) != backorder.ENOTFOUND {
		t.Fatalf("order R-1: err=%v, want none stored", err)
	}
	if st := svc.CommitStats(); st.KeyRaces != 1 || st.Retries != 0 {
		t.Fatalf("key_races=%d retries=%d, want the race counted as one key race", st.KeyRaces, st.Retries)
	}
	storetest.MustCheck(t, svc)
}

// mustWaitForKeyInsert waits until some backend of the test database waits
// for a lock held by another transaction in an insert of an idempotency key.
func mustWaitForKeyInsert(tb testing.TB, url string) {
	tb.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		tb.Fatal(err)
	}
	defer conn.Close(ctx)
	deadline := time.Now().Add(10 * time.Second)
	for {
		var n int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%INSERT INTO idempotency%'`).Scan(&n); err != nil {
			tb.Fatal(err)
		}
		if n > 0 {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatal("no backend came to wait for a lock")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
