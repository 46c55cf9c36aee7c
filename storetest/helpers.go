package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"github.com/backorder/backorder"
)

// t0 has whole microseconds: every store keeps at least that precision.
var t0 = time.Date(2026, 11, 28, 9, 30, 0, 123456000, time.UTC)

func ptr[T any](v T) *T { return &v }

// mustBegin starts a write transaction, rolled back at the end of the test
// unless committed.
func mustBegin(tb testing.TB, s backorder.Store) backorder.Tx {
	tb.Helper()
	tx, err := s.BeginWrite(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = tx.Rollback() })
	return tx
}

// mustRead starts a read transaction, rolled back at the end of the test.
func mustRead(tb testing.TB, s backorder.Store) backorder.Tx {
	tb.Helper()
	tx, err := s.BeginRead(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = tx.Rollback() })
	return tx
}

func mustCommit(tb testing.TB, tx backorder.Tx) {
	tb.Helper()
	if err := tx.Commit(); err != nil {
		tb.Fatal(err)
	}
}

// mustWrite runs fn in a write transaction and commits it.
func mustWrite(tb testing.TB, s backorder.Store, fn func(tx backorder.Tx)) {
	tb.Helper()
	tx := mustBegin(tb, s)
	fn(tx)
	mustCommit(tb, tx)
}

// MustPutProduct stores an active product with the given stock in tx.
func MustPutProduct(tb testing.TB, tx backorder.Tx, sku string, st backorder.Stock) *backorder.Product {
	tb.Helper()
	ctx := context.Background()
	p := &backorder.Product{SKU: sku, Name: "Product " + sku, PriceCents: 1250, Currency: "USD",
		Status: backorder.StatusActive, CreatedAt: t0, UpdatedAt: t0}
	if err := tx.PutProduct(ctx, p); err != nil {
		tb.Fatal(err)
	}
	st.SKU = sku
	if err := tx.SaveStock(ctx, []backorder.Stock{st}); err != nil {
		tb.Fatal(err)
	}
	p.Stock = st
	return p
}

// line describes an order line for mustInsertOrder: its SKU and how its
// quantity splits.
type line struct {
	sku                                     string
	allocated, backordered, shipped, cancel int64
}

// waiting is a line of qty units, all backordered.
func waiting(sku string, qty int64) line { return line{sku: sku, backordered: qty} }

// mustInsertOrder stores an order of customer with the given lines.
func mustInsertOrder(tb testing.TB, tx backorder.Tx, id, customer string, at time.Time, lines ...line) *backorder.Order {
	tb.Helper()
	o := newOrder(id, customer, at, lines...)
	if err := tx.InsertOrders(context.Background(), []*backorder.Order{o}); err != nil {
		tb.Fatal(err)
	}
	return o
}

// newOrder is an order of customer with the given lines, not yet stored.
func newOrder(id, customer string, at time.Time, lines ...line) *backorder.Order {
	o := &backorder.Order{ID: id, Customer: backorder.Customer{ID: customer, Email: customer + "@example.com", Name: "Ann Example"},
		Shipping: backorder.ShippingStandard, SplitPolicy: backorder.SplitShipAvailable, AcceptedAt: at}
	for _, l := range lines {
		q := l.allocated + l.backordered + l.shipped + l.cancel
		o.Lines = append(o.Lines, &backorder.Line{LineNo: len(o.Lines) + 1, SKU: l.sku, Quantity: q,
			Allocated: l.allocated, Backordered: l.backordered, Shipped: l.shipped, Cancelled: l.cancel,
			PriceCents: 1250, Currency: "USD", PaymentTiming: backorder.PaymentAtOrder})
		o.Units += q
	}
	o.LineCount = len(o.Lines)
	return o
}

// mustStillWait fails if done delivers within a short while: whatever sends
// on it must still be waiting for a lock. A store that does not make it wait
// is caught here, or, if the wait is too short for the goroutine to get that
// far, by the check the goroutine makes itself after the lock.
func mustStillWait(tb testing.TB, done <-chan error, what string) {
	tb.Helper()
	select {
	case err := <-done:
		tb.Fatalf("%s returned (err=%v) while another writer held the lock", what, err)
	case <-time.After(100 * time.Millisecond):
	}
}

// checkCode fails unless err carries the application error code want.
func checkCode(tb testing.TB, err error, want string) {
	tb.Helper()
	if err == nil {
		tb.Fatalf("err=nil, want code %q", want)
	} else if got := backorder.ErrorCode(err); got != want {
		tb.Fatalf("ErrorCode=%q, want %q (err=%v)", got, want, err)
	}
}

// checkTime fails unless got is the instant want, in UTC.
func checkTime(tb testing.TB, name string, got, want time.Time) {
	tb.Helper()
	if !got.Equal(want) {
		tb.Fatalf("%s=%v, want %v", name, got, want)
	} else if got.Location() != time.UTC {
		tb.Fatalf("%s location=%v, want UTC", name, got.Location())
	}
}

// checkEqual fails unless got and want are deeply equal.
func checkEqual(tb testing.TB, name string, got, want any) {
	tb.Helper()
	if !reflect.DeepEqual(got, want) {
		tb.Fatalf("%s=\n%s\nwant\n%s", name, dump(got), dump(want))
	}
}

func dump(v any) string {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Sprintf("%+v", v)
	}
	return string(b)
}

// mustOpenWith opens a store holding products of the given SKUs, with no stock.
func mustOpenWith(t *testing.T, open func(t *testing.T) backorder.Store, skus ...string) backorder.Store {
	t.Helper()
	s := open(t)
	mustWrite(t, s, func(tx backorder.Tx) {
		for _, sku := range skus {
			MustPutProduct(t, tx, sku, backorder.Stock{})
		}
	})
	return s
}

// mustWaitFor runs second in a write transaction of its own, in a goroutine,
// while tx1 is open: second must block in its first statement until tx1
// commits. It fails if second gets that far too early (mustStillWait; and
// second itself reports it, through the committed function it is given,
// if its wait was too short to catch), then commits tx1 and the second.
func mustWaitFor(t *testing.T, s backorder.Store, tx1 backorder.Tx, what string, second func(tx backorder.Tx, committed func() bool) error) {
	t.Helper()
	ctx := context.Background()
	var committing atomic.Bool
	done := make(chan error, 1)
	go func() {
		done <- func() error {
			tx2, err := s.BeginWrite(ctx)
			if err != nil {
				return err
			}
			defer tx2.Rollback()
			if err := second(tx2, committing.Load); err != nil {
				return err
			}
			return tx2.Commit()
		}()
	}()
	mustStillWait(t, done, what)
	committing.Store(true)
	mustCommit(t, tx1)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
