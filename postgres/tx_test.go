package postgres_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/backorder/backorder"
)

func TestTx_Locking(t *testing.T) {
	t.Parallel()
	db := MustOpenDB(t)
	ctx := context.Background()
	setup := MustBeginWrite(t, db)
	MustPutProduct(t, setup, "A", backorder.Stock{})
	MustPutProduct(t, setup, "B", backorder.Stock{})
	if err := setup.Commit(); err != nil {
		t.Fatal(err)
	}

	t.Run("LockSKUsWaits", func(t *testing.T) {
		tx1 := MustBeginWrite(t, db)
		if err := tx1.LockSKUs(ctx, []string{"A", "B"}); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() {
			tx2, err := db.BeginWrite(ctx)
			if err != nil {
				done <- err
				return
			}
			defer tx2.Rollback()
			done <- tx2.LockSKUs(ctx, []string{"B"})
		}()
		select {
		case err := <-done:
			t.Fatalf("second LockSKUs returned %v while the first held the lock", err)
		case <-time.After(200 * time.Millisecond):
		}
		if err := tx1.Commit(); err != nil {
			t.Fatal(err)
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	})

	t.Run("DeadlockRetryable", func(t *testing.T) {
		// Locks taken in two separate calls in opposite orders: PostgreSQL
		// detects the cycle and fails one of them with a retryable error.
		tx1 := MustBeginWrite(t, db)
		tx2 := MustBeginWrite(t, db)
		if err := tx1.LockSKUs(ctx, []string{"A"}); err != nil {
			t.Fatal(err)
		}
		if err := tx2.LockSKUs(ctx, []string{"B"}); err != nil {
			t.Fatal(err)
		}
		errs := make(chan error, 2)
		go func() {
			err := tx1.LockSKUs(ctx, []string{"B"})
			if err != nil {
				tx1.Rollback()
			}
			errs <- err
		}()
		go func() {
			err := tx2.LockSKUs(ctx, []string{"A"})
			if err != nil {
				tx2.Rollback()
			}
			errs <- err
		}()
		var failed error
		for range 2 {
			if err := <-errs; err != nil {
				failed = err
			}
		}
		if failed == nil {
			t.Fatal("no deadlock reported")
		} else if !db.Retryable(failed) {
			t.Fatalf("Retryable(%v)=false", failed)
		}
		if db.Retryable(errors.New("other")) || db.Retryable(backorder.Errorf(backorder.ECONFLICT, "x")) {
			t.Fatal("Retryable true for a non-conflict")
		}
	})

	t.Run("EventsCommitInIDOrder", func(t *testing.T) {
		// tx1 numbers events first; tx2 must wait for it to commit, so a
		// reader never sees tx2's larger IDs while tx1's may still appear.
		tx1 := MustBeginWrite(t, db)
		if err := tx1.AppendEvents(ctx, []backorder.Event{{At: t0, Kind: "a"}}); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() {
			tx2, err := db.BeginWrite(ctx)
			if err != nil {
				done <- err
				return
			}
			if err := tx2.AppendEvents(ctx, []backorder.Event{{At: t0, Kind: "b"}}); err != nil {
				tx2.Rollback()
				done <- err
				return
			}
			done <- tx2.Commit()
		}()
		select {
		case err := <-done:
			t.Fatalf("second AppendEvents finished (%v) before the first committed", err)
		case <-time.After(200 * time.Millisecond):
		}
		if err := tx1.Commit(); err != nil {
			t.Fatal(err)
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		rx := MustBeginRead(t, db)
		es, err := rx.Events(ctx, 0, 10)
		if err != nil {
			t.Fatal(err)
		} else if len(es) != 2 || es[0].Kind != "a" || es[1].Kind != "b" {
			t.Fatalf("events %+v", es)
		}
	})

	t.Run("NewSKU", func(t *testing.T) {
		// tx1 creates product N; tx2 locks N meanwhile. It must wait for
		// tx1 and then hold N's row, so a third writer waits for it in turn.
		tx1 := MustBeginWrite(t, db)
		if err := tx1.LockSKUs(ctx, []string{"N"}); err != nil {
			t.Fatal(err)
		}
		MustPutProduct(t, tx1, "N", backorder.Stock{OnHand: 1})
		locked2 := make(chan error, 1)
		release2 := make(chan struct{})
		var once sync.Once
		release := func() { once.Do(func() { close(release2) }) }
		defer release()
		go func() {
			tx2, err := db.BeginWrite(ctx)
			if err != nil {
				locked2 <- err
				return
			}
			defer tx2.Rollback()
			locked2 <- tx2.LockSKUs(ctx, []string{"A", "N"})
			<-release2
		}()
		select {
		case err := <-locked2:
			t.Fatalf("LockSKUs of a product being created returned %v before its creator committed", err)
		case <-time.After(200 * time.Millisecond):
		}
		if err := tx1.Commit(); err != nil {
			t.Fatal(err)
		}
		if err := <-locked2; err != nil {
			t.Fatal(err)
		}
		locked3 := make(chan error, 1)
		go func() {
			tx3, err := db.BeginWrite(ctx)
			if err != nil {
				locked3 <- err
				return
			}
			defer tx3.Rollback()
			locked3 <- tx3.LockSKUs(ctx, []string{"N"})
		}()
		select {
		case err := <-locked3:
			t.Fatalf("LockSKUs returned %v while another writer held the new SKU", err)
		case <-time.After(200 * time.Millisecond):
		}
		release()
		if err := <-locked3; err != nil {
			t.Fatal(err)
		}
	})

}
