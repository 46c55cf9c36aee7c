package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/backorder/backorder"
)

func testTxSavepoint(t *testing.T, open func(t *testing.T) backorder.Store) {
	ctx := context.Background()
	// meta reads a value in a transaction of its own, ended at once: the
	// store's read connections are few.
	meta := func(t *testing.T, s backorder.Store, key string) (string, error) {
		t.Helper()
		tx, err := s.BeginRead(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		return tx.Meta(ctx, key)
	}
	t.Run("RollbackTo", func(t *testing.T) {
		s := open(t)
		tx := mustBegin(t, s)
		if err := tx.SetMeta(ctx, "before", "1"); err != nil {
			t.Fatal(err)
		}
		if err := tx.Savepoint(ctx, "op"); err != nil {
			t.Fatal(err)
		}
		if err := tx.SetMeta(ctx, "inside", "2"); err != nil {
			t.Fatal(err)
		}
		MustPutProduct(t, tx, "A", backorder.Stock{OnHand: 1})
		if err := tx.RollbackTo(ctx, "op"); err != nil {
			t.Fatal(err)
		}
		if err := tx.Release(ctx, "op"); err != nil {
			t.Fatal(err)
		}
		if err := tx.SetMeta(ctx, "after", "3"); err != nil {
			t.Fatal(err)
		}
		mustCommit(t, tx)
		for _, k := range []string{"before", "after"} {
			if _, err := meta(t, s, k); err != nil {
				t.Fatalf("Meta(%s): %v", k, err)
			}
		}
		_, err := meta(t, s, "inside")
		checkCode(t, err, backorder.ENOTFOUND)
		_, err = mustRead(t, s).Product(ctx, "A")
		checkCode(t, err, backorder.ENOTFOUND)
	})
	t.Run("Release", func(t *testing.T) {
		s := open(t)
		tx := mustBegin(t, s)
		if err := tx.Savepoint(ctx, "op"); err != nil {
			t.Fatal(err)
		}
		if err := tx.SetMeta(ctx, "inside", "1"); err != nil {
			t.Fatal(err)
		}
		if err := tx.Release(ctx, "op"); err != nil {
			t.Fatal(err)
		}
		mustCommit(t, tx)
		if got, err := meta(t, s, "inside"); err != nil || got != "1" {
			t.Fatalf("Meta=%q, %v, want 1", got, err)
		}
	})
	// The group commit's pattern: one savepoint name, reused per request; a
	// failed request rolls back alone, even after a database error.
	t.Run("GroupCommit", func(t *testing.T) {
		s := open(t)
		mustWrite(t, s, func(tx backorder.Tx) {
			MustPutProduct(t, tx, "A", backorder.Stock{})
			mustInsertOrder(t, tx, "ORD-1", "cust", t0, waiting("A", 1))
		})
		tx := mustBegin(t, s)
		ops := []func() error{
			func() error { return tx.SetMeta(ctx, "op1", "ok") },
			func() error { // fails on a duplicate key after a write
				if err := tx.SetMeta(ctx, "op2", "lost"); err != nil {
					return err
				}
				o := &backorder.Order{ID: "ORD-1", Customer: backorder.Customer{ID: "c", Email: "c@example.com", Name: "C"},
					Shipping: backorder.ShippingStandard, SplitPolicy: backorder.SplitShipAvailable, AcceptedAt: t0, Units: 1, LineCount: 1,
					Lines: []*backorder.Line{{LineNo: 1, SKU: "A", Quantity: 1, Backordered: 1, Currency: "USD", PaymentTiming: backorder.PaymentAtOrder}}}
				return tx.InsertOrders(ctx, []*backorder.Order{o})
			},
			func() error { // fails on a CHECK constraint
				if err := tx.SetMeta(ctx, "op3", "lost"); err != nil {
					return err
				}
				return tx.SaveStock(ctx, []backorder.Stock{{SKU: "A", OnHand: 1, Allocated: 2}})
			},
			func() error { return tx.SetMeta(ctx, "op4", "ok") },
		}
		for i, op := range ops {
			if err := tx.Savepoint(ctx, "op"); err != nil {
				t.Fatal(err)
			}
			if err := op(); err != nil {
				if i != 1 && i != 2 {
					t.Fatalf("op %d: %v", i+1, err)
				}
				if err := tx.RollbackTo(ctx, "op"); err != nil {
					t.Fatal(err)
				}
			} else if i == 1 || i == 2 {
				t.Fatalf("op %d succeeded, want an error", i+1)
			}
			if err := tx.Release(ctx, "op"); err != nil {
				t.Fatal(err)
			}
		}
		mustCommit(t, tx)
		for _, k := range []string{"op1", "op4"} {
			if got, err := meta(t, s, k); err != nil || got != "ok" {
				t.Fatalf("Meta(%s)=%q, %v, want ok", k, got, err)
			}
		}
		for _, k := range []string{"op2", "op3"} {
			_, err := meta(t, s, k)
			checkCode(t, err, backorder.ENOTFOUND)
		}
		p, err := mustRead(t, s).Product(ctx, "A")
		if err != nil {
			t.Fatal(err)
		}
		checkEqual(t, "Stock", p.Stock, backorder.Stock{SKU: "A"})
	})
}

func testTxRollback(t *testing.T, open func(t *testing.T) backorder.Store) {
	ctx := context.Background()
	s := open(t)
	tx := mustBegin(t, s)
	MustPutProduct(t, tx, "A", backorder.Stock{OnHand: 3})
	o := mustInsertOrder(t, tx, "ORD-1", "cust", t0, line{sku: "A", allocated: 1})
	if err := tx.AppendMovements(ctx, []backorder.Movement{{At: t0, Kind: backorder.MoveReceipt, SKU: "A", Quantity: 3}}); err != nil {
		t.Fatal(err)
	}
	if err := tx.AppendEvents(ctx, []backorder.Event{{At: t0, Kind: backorder.EventOrderAccepted, OrderID: "ORD-1"}}); err != nil {
		t.Fatal(err)
	}
	if err := tx.InsertFulfillments(ctx, []*backorder.Fulfillment{{OrderID: "ORD-1", State: backorder.FulfillmentOpen, CreatedAt: t0,
		Lines: []backorder.FulfillmentLine{{LineID: o.Lines[0].ID, SKU: "A", Quantity: 1}}}}); err != nil {
		t.Fatal(err)
	}
	if err := tx.SetMeta(ctx, "k", "v"); err != nil {
		t.Fatal(err)
	}
	if err := tx.PutIdempotencyRecords(ctx, []*backorder.IdempotencyRecord{{Key: "k", RequestHash: "h", CreatedAt: t0}}); err != nil {
		t.Fatal(err)
	}
	if err := tx.InsertLostDemand(ctx, []backorder.LostDemand{{At: t0, OrderID: "ORD-9", CustomerID: "c", SKU: "A", Quantity: 1, Currency: "USD", Rule: backorder.RuleDiscontinued}}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}

	r := mustRead(t, s)
	_, err := r.Product(ctx, "A")
	checkCode(t, err, backorder.ENOTFOUND)
	_, err = r.Order(ctx, "ORD-1")
	checkCode(t, err, backorder.ENOTFOUND)
	_, err = r.Meta(ctx, "k")
	checkCode(t, err, backorder.ENOTFOUND)
	if recs, err := r.IdempotencyRecords(ctx, []string{"k"}); err != nil || len(recs) != 0 {
		t.Fatalf("IdempotencyRecords=%s, %v, want none", dump(recs), err)
	}
	if ms, err := r.Movements(ctx, backorder.MovementFilter{}); err != nil || len(ms) != 0 {
		t.Fatalf("Movements=%v, %v, want none", ms, err)
	}
	if es, err := r.Events(ctx, 0, 0); err != nil || len(es) != 0 {
		t.Fatalf("Events=%v, %v, want none", es, err)
	}
	if fs, err := r.ListFulfillments(ctx, backorder.FulfillmentQuery{}); err != nil || len(fs) != 0 {
		t.Fatalf("Fulfillments=%v, %v, want none", fs, err)
	}
	if ls, err := r.ListLostDemand(ctx, backorder.LostDemandFilter{Limit: 10}); err != nil || len(ls) != 0 {
		t.Fatalf("LostDemand=%v, %v, want none", ls, err)
	}
	if st, err := r.AllStock(ctx); err != nil || len(st) != 0 {
		t.Fatalf("AllStock=%v, %v, want none", st, err)
	}
	if ls, err := r.AllLines(ctx); err != nil || len(ls) != 0 {
		t.Fatalf("AllLines=%v, %v, want none", ls, err)
	}
}

func testTxRead(t *testing.T, open func(t *testing.T) backorder.Store) {
	ctx := context.Background()
	t.Run("Snapshot", func(t *testing.T) {
		s := open(t)
		mustWrite(t, s, func(tx backorder.Tx) { MustPutProduct(t, tx, "A", backorder.Stock{OnHand: 1}) })
		r := mustRead(t, s)
		if p, err := r.Product(ctx, "A"); err != nil {
			t.Fatal(err)
		} else if p.OnHand != 1 {
			t.Fatalf("OnHand=%d, want 1", p.OnHand)
		}
		mustWrite(t, s, func(tx backorder.Tx) {
			if err := tx.SaveStock(ctx, []backorder.Stock{{SKU: "A", OnHand: 5}}); err != nil {
				t.Fatal(err)
			}
		})
		// The open read transaction keeps its snapshot.
		if p, err := r.Product(ctx, "A"); err != nil {
			t.Fatal(err)
		} else if p.OnHand != 1 {
			t.Fatalf("OnHand=%d in the old snapshot, want 1", p.OnHand)
		}
		if p, err := mustRead(t, s).Product(ctx, "A"); err != nil {
			t.Fatal(err)
		} else if p.OnHand != 5 {
			t.Fatalf("OnHand=%d in a new transaction, want 5", p.OnHand)
		}
	})
	t.Run("ErrWrite", func(t *testing.T) {
		r := mustRead(t, open(t))
		if err := r.SetMeta(ctx, "k", "v"); err == nil {
			t.Fatal("SetMeta in a read transaction succeeded, want an error")
		}
	})
	t.Run("Uncommitted", func(t *testing.T) {
		s := open(t)
		w := mustBegin(t, s)
		MustPutProduct(t, w, "A", backorder.Stock{})
		_, err := mustRead(t, s).Product(ctx, "A")
		checkCode(t, err, backorder.ENOTFOUND)
		mustCommit(t, w)
		if _, err := mustRead(t, s).Product(ctx, "A"); err != nil {
			t.Fatal(err)
		}
	})
}

func testTxTime(t *testing.T, open func(t *testing.T) backorder.Store) {
	ctx := context.Background()
	// A time in another zone, with microseconds: it comes back as the same
	// instant in UTC.
	zone := time.FixedZone("UTC-7", -7*3600)
	at := time.Date(2026, 3, 8, 23, 59, 58, 999999000, zone)
	s := open(t)
	var o *backorder.Order
	var ms []backorder.Movement
	mustWrite(t, s, func(tx backorder.Tx) {
		p := &backorder.Product{SKU: "A", Name: "A", Currency: "USD", Status: backorder.StatusActive, CreatedAt: at, UpdatedAt: at.Add(time.Microsecond)}
		if err := tx.PutProduct(ctx, p); err != nil {
			t.Fatal(err)
		}
		o = mustInsertOrder(t, tx, "ORD-1", "cust", at, waiting("A", 1))
		ms = []backorder.Movement{{At: at, Kind: backorder.MoveBackorder, SKU: "A", Quantity: 1, OrderID: "ORD-1", LineID: o.Lines[0].ID}}
		if err := tx.AppendMovements(ctx, ms); err != nil {
			t.Fatal(err)
		}
		if err := tx.AppendEvents(ctx, []backorder.Event{{At: at, Kind: backorder.EventOrderAccepted}}); err != nil {
			t.Fatal(err)
		}
	})
	r := mustRead(t, s)
	p, err := r.Product(ctx, "A")
	if err != nil {
		t.Fatal(err)
	}
	checkTime(t, "Product.CreatedAt", p.CreatedAt, at)
	checkTime(t, "Product.UpdatedAt", p.UpdatedAt, at.Add(time.Microsecond))
	got, err := r.Order(ctx, "ORD-1")
	if err != nil {
		t.Fatal(err)
	}
	checkTime(t, "Order.AcceptedAt", got.AcceptedAt, at)
	if m, err := r.Movements(ctx, backorder.MovementFilter{}); err != nil {
		t.Fatal(err)
	} else {
		checkTime(t, "Movement.At", m[0].At, at)
	}
	if e, err := r.Events(ctx, 0, 0); err != nil {
		t.Fatal(err)
	} else {
		checkTime(t, "Event.At", e[0].At, at)
	}
	q, err := r.WaitingLines(ctx, backorder.QueueQuery{SKU: "A", Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	checkTime(t, "QueueEntry.Order.AcceptedAt", q[0].Order.AcceptedAt, at)
}

func testTxLockSKUs(t *testing.T, open func(t *testing.T) backorder.Store) {
	ctx := context.Background()
	setup := func(t *testing.T) backorder.Store { return mustOpenWith(t, open, "A", "B") }
	t.Run("OK", func(t *testing.T) {
		tx := mustBegin(t, setup(t))
		if err := tx.LockSKUs(ctx, []string{"A", "B", "missing"}); err != nil {
			t.Fatal(err)
		}
		if err := tx.SaveStock(ctx, []backorder.Stock{{SKU: "A", OnHand: 2}}); err != nil {
			t.Fatal(err)
		}
		mustCommit(t, tx)
	})
	// A second writer of a SKU waits, in LockSKUs or already in BeginWrite,
	// until the first commits, and then reads what the first wrote.
	t.Run("Serializes", func(t *testing.T) {
		s := setup(t)
		tx1 := mustBegin(t, s)
		if err := tx1.LockSKUs(ctx, []string{"A", "B"}); err != nil {
			t.Fatal(err)
		}
		if err := tx1.SaveStock(ctx, []backorder.Stock{{SKU: "B", OnHand: 1}}); err != nil {
			t.Fatal(err)
		}
		mustWaitFor(t, s, tx1, "the second writer's LockSKUs", func(tx2 backorder.Tx, committed func() bool) error {
			if err := tx2.LockSKUs(ctx, []string{"B"}); err != nil {
				return err
			}
			if !committed() {
				return errors.New("the second writer took the lock before the first committed")
			}
			if p, err := tx2.Product(ctx, "B"); err != nil {
				return err
			} else if p.OnHand != 1 {
				return fmt.Errorf("the second writer read on_hand %d, want the first writer's 1", p.OnHand)
			}
			return nil
		})
	})
	// A SKU whose product is being created: a second writer locking it
	// waits for the creator, then holds it, so a third waits in turn.
	t.Run("NewSKU", func(t *testing.T) {
		s := setup(t)
		tx1 := mustBegin(t, s)
		if err := tx1.LockSKUs(ctx, []string{"N"}); err != nil {
			t.Fatal(err)
		}
		MustPutProduct(t, tx1, "N", backorder.Stock{OnHand: 1})
		var committed1, released2 atomic.Bool
		locked2, release2 := make(chan error, 1), make(chan struct{})
		var once sync.Once
		release := func() { once.Do(func() { close(release2) }) }
		defer release()
		go func() {
			tx2, err := s.BeginWrite(ctx)
			if err != nil {
				locked2 <- err
				return
			}
			defer tx2.Rollback()
			if err := tx2.LockSKUs(ctx, []string{"A", "N"}); err != nil {
				locked2 <- err
				return
			}
			if !committed1.Load() {
				locked2 <- errors.New("the second writer took N's lock before its creator committed")
				return
			}
			locked2 <- nil
			<-release2
		}()
		mustStillWait(t, locked2, "LockSKUs of a SKU being created")
		committed1.Store(true)
		mustCommit(t, tx1)
		if err := <-locked2; err != nil {
			t.Fatal(err)
		}
		locked3 := make(chan error, 1)
		go func() {
			locked3 <- func() error {
				tx3, err := s.BeginWrite(ctx)
				if err != nil {
					return err
				}
				defer tx3.Rollback()
				if err := tx3.LockSKUs(ctx, []string{"N"}); err != nil {
					return err
				}
				if !released2.Load() {
					return errors.New("the third writer took N's lock while the second held it")
				}
				return nil
			}()
		}()
		mustStillWait(t, locked3, "LockSKUs of a SKU another writer holds")
		released2.Store(true)
		release()
		if err := <-locked3; err != nil {
			t.Fatal(err)
		}
	})
}

func testTxRetryable(t *testing.T, open func(t *testing.T) backorder.Store, conflict func(t *testing.T, s backorder.Store) error) {
	t.Run("ErrOther", func(t *testing.T) {
		s := open(t)
		// Errors that only read like a conflict are not one either.
		for _, err := range []error{nil, errors.New("boom"), backorder.Errorf(backorder.ECONFLICT, "Conflict."), context.Canceled,
			errors.New("SQLITE_BUSY: database is locked"), errors.New("ERROR: deadlock detected (SQLSTATE 40P01)")} {
			if s.Retryable(err) {
				t.Fatalf("Retryable(%v)=true, want false", err)
			}
		}
	})
	t.Run("Conflict", func(t *testing.T) {
		s := open(t)
		if conflict == nil {
			conflict = deadlock
		}
		err := conflict(t, s)
		if err == nil {
			t.Fatal("no conflict: err=nil")
		} else if !s.Retryable(err) {
			t.Fatalf("Retryable(%v)=false, want true", err)
		} else if !s.Retryable(fmt.Errorf("wrapped: %w", err)) {
			t.Fatalf("Retryable of the wrapped %v=false, want true", err)
		}
	})
}

// deadlock makes two write transactions each lock one SKU and then each the
// other's. The store must fail one of them, and the other then goes on; it
// returns the failure.
func deadlock(t *testing.T, s backorder.Store) error {
	ctx := context.Background()
	mustWrite(t, s, func(tx backorder.Tx) {
		MustPutProduct(t, tx, "A", backorder.Stock{})
		MustPutProduct(t, tx, "B", backorder.Stock{})
	})
	tx1, tx2 := mustBegin(t, s), mustBegin(t, s)
	if err := tx1.LockSKUs(ctx, []string{"A"}); err != nil {
		t.Fatal(err)
	}
	if err := tx2.LockSKUs(ctx, []string{"B"}); err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 2)
	for _, c := range []struct {
		tx  backorder.Tx
		sku string
	}{{tx1, "B"}, {tx2, "A"}} {
		go func() {
			err := c.tx.LockSKUs(ctx, []string{c.sku})
			if err != nil {
				c.tx.Rollback() // lets the other one go on
			}
			errs <- err
		}()
	}
	var failed []error
	for range 2 {
		if err := <-errs; err != nil {
			failed = append(failed, err)
		}
	}
	if len(failed) != 1 {
		t.Fatalf("crossing LockSKUs failed %d times (%v), want once", len(failed), failed)
	}
	return failed[0]
}
