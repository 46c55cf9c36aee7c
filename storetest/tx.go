// Package storetest is the conformance suite of backorder.Store: every store
// (sqlite, postgres) runs it, so the service can rely on one contract.
package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/backorder/backorder"
)

// Run tests the Tx contract of the stores open returns: every method's round
// trip, the error codes, cursors and limits, savepoints and rollbacks, and the
// CHECK constraints that keep stock and lines sound. open must return a
// fresh, empty store each time; each subtest opens its own.
func Run(t *testing.T, open func(t *testing.T) backorder.Store) {
	for _, tc := range []struct {
		name string
		fn   func(*testing.T, func(t *testing.T) backorder.Store)
	}{
		{"Settings", testTxSettings},
		{"Meta", testTxMeta},
		{"Product", testTxProduct},
		{"ListProducts", testTxListProducts},
		{"Stock", testTxStock},
		{"Order", testTxOrder},
		{"ListOrders", testTxListOrders},
		{"SaveLines", testTxSaveLines},
		{"WaitingLines", testTxWaitingLines},
		{"CustomerBackordered", testTxCustomerBackordered},
		{"Movements", testTxMovements},
		{"Fulfillments", testTxFulfillments},
		{"ListFulfillments", testTxListFulfillments},
		{"LostDemand", testTxLostDemand},
		{"Events", testTxEvents},
		{"Idempotency", testTxIdempotency},
		{"LedgerTotals", testTxLedgerTotals},
		{"Savepoint", testTxSavepoint},
		{"Rollback", testTxRollback},
		{"Read", testTxRead},
		{"Time", testTxTime},
		{"LockSKUs", testTxLockSKUs},
		{"Retryable", testTxRetryable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, open)
		})
	}
}

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

// mustPutProduct stores an active product with the given stock.
func mustPutProduct(tb testing.TB, tx backorder.Tx, sku string, st backorder.Stock) *backorder.Product {
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

func testTxSettings(t *testing.T, open func(t *testing.T) backorder.Store) {
	ctx := context.Background()
	t.Run("Default", func(t *testing.T) {
		s := open(t)
		got, err := mustRead(t, s).Settings(ctx)
		if err != nil {
			t.Fatal(err)
		}
		checkEqual(t, "Settings", *got, backorder.DefaultSettings())
	})
	t.Run("OK", func(t *testing.T) {
		s := open(t)
		want := backorder.DefaultSettings()
		want.Defaults.AcceptBackorders = false
		want.Defaults.MaxBackorderPerCustomer = ptr[int64](5)
		want.Defaults.SplitPolicy = backorder.SplitShipComplete
		want.Priority.VIP = backorder.PriorityRule{Enabled: true, Weight: 20}
		mustWrite(t, s, func(tx backorder.Tx) {
			if err := tx.PutSettings(ctx, &want); err != nil {
				t.Fatal(err)
			}
		})
		got, err := mustRead(t, s).Settings(ctx)
		if err != nil {
			t.Fatal(err)
		}
		checkEqual(t, "Settings", *got, want)

		// Putting again replaces.
		want.Defaults.MaxBackorderPerCustomer = nil
		want.Priority.NeedBy.Enabled = true
		mustWrite(t, s, func(tx backorder.Tx) {
			if err := tx.PutSettings(ctx, &want); err != nil {
				t.Fatal(err)
			}
		})
		got, err = mustRead(t, s).Settings(ctx)
		if err != nil {
			t.Fatal(err)
		}
		checkEqual(t, "Settings", *got, want)
	})
}

func testTxMeta(t *testing.T, open func(t *testing.T) backorder.Store) {
	ctx := context.Background()
	t.Run("OK", func(t *testing.T) {
		s := open(t)
		mustWrite(t, s, func(tx backorder.Tx) {
			if err := tx.SetMeta(ctx, "admin_token_hash", "abc"); err != nil {
				t.Fatal(err)
			}
			if err := tx.SetMeta(ctx, "admin_token_hash", "def"); err != nil {
				t.Fatal(err)
			}
			if err := tx.SetMeta(ctx, "other", ""); err != nil {
				t.Fatal(err)
			}
		})
		tx := mustRead(t, s)
		if got, err := tx.Meta(ctx, "admin_token_hash"); err != nil {
			t.Fatal(err)
		} else if want := "def"; got != want {
			t.Fatalf("Meta=%q, want %q", got, want)
		}
		if got, err := tx.Meta(ctx, "other"); err != nil {
			t.Fatal(err)
		} else if got != "" {
			t.Fatalf("Meta=%q, want empty", got)
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		_, err := mustRead(t, open(t)).Meta(ctx, "missing")
		checkCode(t, err, backorder.ENOTFOUND)
	})
	t.Run("Add", func(t *testing.T) {
		s := open(t)
		mustWrite(t, s, func(tx backorder.Tx) {
			for _, v := range []string{"first", "second"} {
				if got, err := tx.AddMeta(ctx, "admin_token_hash", v); err != nil {
					t.Fatal(err)
				} else if got != "first" {
					t.Fatalf("AddMeta(%q)=%q, want the value stored first", v, got)
				}
			}
		})
		if got, err := mustRead(t, s).Meta(ctx, "admin_token_hash"); err != nil || got != "first" {
			t.Fatalf("Meta=%q, %v, want first", got, err)
		}
	})
}

func testTxProduct(t *testing.T, open func(t *testing.T) backorder.Store) {
	ctx := context.Background()
	full := func() *backorder.Product {
		return &backorder.Product{
			SKU: "SKU-1", Name: "Blue widget", PriceCents: 1999, Currency: "EUR",
			Status: backorder.StatusPreorder, ReleaseDate: "2026-12-24",
			Policy: backorder.Policy{
				AcceptBackorders:        ptr(false),
				MaxBackorderPerCustomer: ptr[int64](3),
				BackorderLimit:          ptr[int64](0), // zero is a limit, not "unset"
				SplitPolicy:             backorder.SplitCustomerChoice,
				PaymentTiming:           backorder.PaymentAtShip,
			},
			CreatedAt: t0, UpdatedAt: t0.Add(time.Second),
		}
	}
	// checkProduct compares everything but the derived fields, which stores
	// do not fill.
	checkProduct := func(t *testing.T, got, want *backorder.Product) {
		t.Helper()
		checkTime(t, "CreatedAt", got.CreatedAt, want.CreatedAt)
		checkTime(t, "UpdatedAt", got.UpdatedAt, want.UpdatedAt)
		g, w := *got, *want
		g.CreatedAt, g.UpdatedAt, w.CreatedAt, w.UpdatedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
		checkEqual(t, "Product", g, w)
	}

	t.Run("OK", func(t *testing.T) {
		s := open(t)
		mustWrite(t, s, func(tx backorder.Tx) {
			if err := tx.PutProduct(ctx, full()); err != nil {
				t.Fatal(err)
			}
		})
		got, err := mustRead(t, s).Product(ctx, "SKU-1")
		if err != nil {
			t.Fatal(err)
		}
		want := full()
		want.Stock.SKU = "SKU-1"
		checkProduct(t, got, want)
	})
	t.Run("DefaultPolicy", func(t *testing.T) {
		s := open(t)
		p := &backorder.Product{SKU: "SKU-2", Name: "Plain", PriceCents: 0, Currency: "USD", Status: backorder.StatusActive, CreatedAt: t0, UpdatedAt: t0}
		mustWrite(t, s, func(tx backorder.Tx) {
			if err := tx.PutProduct(ctx, p); err != nil {
				t.Fatal(err)
			}
		})
		got, err := mustRead(t, s).Product(ctx, "SKU-2")
		if err != nil {
			t.Fatal(err)
		}
		if got.AcceptBackorders != nil || got.MaxBackorderPerCustomer != nil || got.BackorderLimit != nil {
			t.Fatalf("Policy=%+v, want nil pointers", got.Policy)
		} else if got.SplitPolicy != "" || got.PaymentTiming != "" || got.ReleaseDate != "" {
			t.Fatalf("Product=%+v, want empty policy strings and release date", got)
		}
	})
	t.Run("ReplaceKeepsStock", func(t *testing.T) {
		s := open(t)
		mustWrite(t, s, func(tx backorder.Tx) {
			if err := tx.PutProduct(ctx, full()); err != nil {
				t.Fatal(err)
			}
			if err := tx.SaveStock(ctx, []backorder.Stock{{SKU: "SKU-1", OnHand: 10, Allocated: 4, Backordered: 0}}); err != nil {
				t.Fatal(err)
			}
		})
		p := full()
		p.Name, p.Status, p.ReleaseDate, p.Policy = "Green widget", backorder.StatusActive, "", backorder.Policy{}
		p.UpdatedAt = t0.Add(time.Hour)
		mustWrite(t, s, func(tx backorder.Tx) {
			if err := tx.PutProduct(ctx, p); err != nil {
				t.Fatal(err)
			}
		})
		got, err := mustRead(t, s).Product(ctx, "SKU-1")
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != "Green widget" || got.Status != backorder.StatusActive || got.ReleaseDate != "" || got.AcceptBackorders != nil {
			t.Fatalf("Product=%+v, want the replaced fields", got)
		}
		checkEqual(t, "Stock", got.Stock, backorder.Stock{SKU: "SKU-1", OnHand: 10, Allocated: 4})
		checkTime(t, "UpdatedAt", got.UpdatedAt, t0.Add(time.Hour))
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		_, err := mustRead(t, open(t)).Product(ctx, "missing")
		checkCode(t, err, backorder.ENOTFOUND)
	})
	t.Run("Products", func(t *testing.T) {
		s := open(t)
		mustWrite(t, s, func(tx backorder.Tx) {
			mustPutProduct(t, tx, "A", backorder.Stock{OnHand: 5, Allocated: 2, Backordered: 0})
			mustPutProduct(t, tx, "B", backorder.Stock{Backordered: 7})
			mustPutProduct(t, tx, "C", backorder.Stock{})
		})
		tx := mustRead(t, s)
		got, err := tx.Products(ctx, []string{"A", "B", "missing"})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got["A"] == nil || got["B"] == nil {
			t.Fatalf("Products=%v, want A and B", got)
		}
		checkEqual(t, "A.Stock", got["A"].Stock, backorder.Stock{SKU: "A", OnHand: 5, Allocated: 2})
		checkEqual(t, "B.Stock", got["B"].Stock, backorder.Stock{SKU: "B", Backordered: 7})
		if got, err := tx.Products(ctx, nil); err != nil {
			t.Fatal(err)
		} else if len(got) != 0 {
			t.Fatalf("Products(nil)=%v, want none", got)
		}
	})
}

func testTxListProducts(t *testing.T, open func(t *testing.T) backorder.Store) {
	ctx := context.Background()
	skus := func(ps []*backorder.Product) []string {
		out := []string{}
		for _, p := range ps {
			out = append(out, p.SKU)
		}
		return out
	}
	t.Run("OK", func(t *testing.T) {
		s := open(t)
		mustWrite(t, s, func(tx backorder.Tx) {
			for _, sku := range []string{"D", "B", "E", "A", "C"} {
				mustPutProduct(t, tx, sku, backorder.Stock{OnHand: 3})
			}
			p := &backorder.Product{SKU: "B", Name: "B", Currency: "USD", Status: backorder.StatusDiscontinued, CreatedAt: t0, UpdatedAt: t0}
			if err := tx.PutProduct(ctx, p); err != nil {
				t.Fatal(err)
			}
		})
		tx := mustRead(t, s)
		for _, tc := range []struct {
			name string
			f    backorder.ProductFilter
			want []string
		}{
			{"All", backorder.ProductFilter{}, []string{"A", "B", "C", "D", "E"}},
			{"After", backorder.ProductFilter{After: "B"}, []string{"C", "D", "E"}},
			{"Limit", backorder.ProductFilter{Limit: 2}, []string{"A", "B"}},
			{"AfterLimit", backorder.ProductFilter{After: "B", Limit: 2}, []string{"C", "D"}},
			{"Status", backorder.ProductFilter{Status: backorder.StatusDiscontinued}, []string{"B"}},
			{"StatusAfter", backorder.ProductFilter{Status: backorder.StatusActive, After: "A"}, []string{"C", "D", "E"}},
			{"End", backorder.ProductFilter{After: "E"}, []string{}},
		} {
			ps, err := tx.ListProducts(ctx, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			checkEqual(t, tc.name, skus(ps), tc.want)
		}
		ps, err := tx.ListProducts(ctx, backorder.ProductFilter{Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		checkEqual(t, "Stock", ps[0].Stock, backorder.Stock{SKU: "A", OnHand: 3})
	})
	t.Run("Limits", func(t *testing.T) {
		s := open(t)
		mustWrite(t, s, func(tx backorder.Tx) {
			for i := range 1001 {
				mustPutProduct(t, tx, fmt.Sprintf("SKU-%04d", i), backorder.Stock{})
			}
		})
		tx := mustRead(t, s)
		if ps, err := tx.ListProducts(ctx, backorder.ProductFilter{}); err != nil {
			t.Fatal(err)
		} else if got, want := len(ps), 100; got != want {
			t.Fatalf("default limit: len=%d, want %d", got, want)
		}
		if ps, err := tx.ListProducts(ctx, backorder.ProductFilter{Limit: 5000}); err != nil {
			t.Fatal(err)
		} else if got, want := len(ps), 1000; got != want {
			t.Fatalf("capped limit: len=%d, want %d", got, want)
		}
	})
}

func testTxStock(t *testing.T, open func(t *testing.T) backorder.Store) {
	ctx := context.Background()
	setup := func(t *testing.T) backorder.Store {
		s := open(t)
		mustWrite(t, s, func(tx backorder.Tx) {
			mustPutProduct(t, tx, "A", backorder.Stock{})
			mustPutProduct(t, tx, "B", backorder.Stock{})
		})
		return s
	}
	t.Run("OK", func(t *testing.T) {
		s := setup(t)
		want := map[string]backorder.Stock{
			"A": {SKU: "A", OnHand: 10, Allocated: 10, Backordered: 5},
			"B": {SKU: "B", OnHand: 3, Allocated: 1},
		}
		mustWrite(t, s, func(tx backorder.Tx) {
			if err := tx.SaveStock(ctx, []backorder.Stock{want["A"], want["B"]}); err != nil {
				t.Fatal(err)
			}
		})
		all, err := mustRead(t, s).AllStock(ctx)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]backorder.Stock{}
		for _, st := range all {
			got[st.SKU] = st
		}
		checkEqual(t, "AllStock", got, want)
		p, err := mustRead(t, s).Product(ctx, "A")
		if err != nil {
			t.Fatal(err)
		}
		checkEqual(t, "Product.Stock", p.Stock, want["A"])
	})
	// The database itself refuses stock that breaks the no-oversell bounds.
	for _, tc := range []struct {
		name string
		st   backorder.Stock
	}{
		{"ErrAllocatedOverOnHand", backorder.Stock{SKU: "A", OnHand: 5, Allocated: 6}},
		{"ErrNegativeOnHand", backorder.Stock{SKU: "A", OnHand: -1}},
		{"ErrNegativeAllocated", backorder.Stock{SKU: "A", OnHand: 1, Allocated: -1}},
		{"ErrNegativeBackordered", backorder.Stock{SKU: "A", Backordered: -1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := setup(t)
			tx := mustBegin(t, s)
			if err := tx.SaveStock(ctx, []backorder.Stock{tc.st}); err == nil {
				t.Fatalf("SaveStock(%+v) succeeded, want an error", tc.st)
			}
		})
	}
}

func testTxOrder(t *testing.T, open func(t *testing.T) backorder.Store) {
	ctx := context.Background()
	setup := func(t *testing.T) backorder.Store {
		s := open(t)
		mustWrite(t, s, func(tx backorder.Tx) {
			mustPutProduct(t, tx, "A", backorder.Stock{})
			mustPutProduct(t, tx, "B", backorder.Stock{})
		})
		return s
	}
	t.Run("OK", func(t *testing.T) {
		s := setup(t)
		o := &backorder.Order{
			// A name with characters that need quoting or escaping anywhere.
			ID: "ORD-1", Customer: backorder.Customer{ID: "cust-1", Email: "ann@example.com", Name: "Ann \"Nan\" O'Brien \\ Ünï ☃\n\t\x01", VIP: true, Wholesale: true},
			Shipping: backorder.ShippingExpedited, NeedBy: "2026-12-20", SplitPolicy: backorder.SplitCustomerChoice,
			AcceptedAt: t0, Units: 7, LineCount: 2,
			Lines: []*backorder.Line{
				{LineNo: 1, SKU: "A", Quantity: 4, Allocated: 1, Backordered: 2, Shipped: 1, Cancelled: 0, Fulfilling: 1,
					PriceCents: 1250, Currency: "USD", PaymentTiming: backorder.PaymentAtShip},
				{LineNo: 2, SKU: "B", Quantity: 3, Backordered: 3, PriceCents: 990, Currency: "USD",
					PaymentTiming: backorder.PaymentAtOrder, AvailableFrom: "2026-12-24"},
			},
		}
		mustWrite(t, s, func(tx backorder.Tx) {
			if err := tx.InsertOrders(ctx, []*backorder.Order{o}); err != nil {
				t.Fatal(err)
			}
		})
		if o.Seq <= 0 {
			t.Fatalf("Seq=%d, want > 0", o.Seq)
		} else if o.Lines[0].ID <= 0 || o.Lines[1].ID <= 0 || o.Lines[0].ID == o.Lines[1].ID {
			t.Fatalf("line IDs=%d,%d, want distinct and > 0", o.Lines[0].ID, o.Lines[1].ID)
		}
		got, err := mustRead(t, s).Order(ctx, "ORD-1")
		if err != nil {
			t.Fatal(err)
		}
		checkTime(t, "AcceptedAt", got.AcceptedAt, t0)
		if got.Seq != o.Seq || got.Customer != o.Customer || got.Shipping != o.Shipping || got.NeedBy != o.NeedBy ||
			got.SplitPolicy != o.SplitPolicy || got.SplitChoice != "" || got.Units != 7 || got.LineCount != 2 {
			t.Fatalf("Order=%s\nwant %s", dump(got), dump(o))
		}
		for _, l := range o.Lines {
			l.OrderID = "ORD-1"
		}
		checkEqual(t, "Lines", got.Lines, o.Lines)
	})
	t.Run("SeqIncreases", func(t *testing.T) {
		s := setup(t)
		var seqs []int64
		for i := range 3 {
			mustWrite(t, s, func(tx backorder.Tx) {
				o := mustInsertOrder(t, tx, fmt.Sprintf("ORD-%d", i), "cust", t0, waiting("A", 1))
				seqs = append(seqs, o.Seq)
				o = mustInsertOrder(t, tx, fmt.Sprintf("ORD-%db", i), "cust", t0, waiting("A", 1))
				seqs = append(seqs, o.Seq)
			})
		}
		for i := 1; i < len(seqs); i++ {
			if seqs[i] <= seqs[i-1] {
				t.Fatalf("Seqs=%v, want increasing", seqs)
			}
		}
	})
	t.Run("ErrConflict", func(t *testing.T) {
		s := setup(t)
		mustWrite(t, s, func(tx backorder.Tx) {
			mustInsertOrder(t, tx, "ORD-1", "cust", t0, waiting("A", 1))
		})
		tx := mustBegin(t, s)
		o := &backorder.Order{ID: "ORD-1", Customer: backorder.Customer{ID: "cust", Email: "b@example.com", Name: "B"},
			Shipping: backorder.ShippingStandard, SplitPolicy: backorder.SplitShipAvailable, AcceptedAt: t0, Units: 1, LineCount: 1,
			Lines: []*backorder.Line{{LineNo: 1, SKU: "A", Quantity: 1, Backordered: 1, Currency: "USD", PaymentTiming: backorder.PaymentAtOrder}}}
		checkCode(t, tx.InsertOrders(ctx, []*backorder.Order{o}), backorder.ECONFLICT)
	})
	t.Run("Many", func(t *testing.T) {
		s := setup(t)
		mustWrite(t, s, func(tx backorder.Tx) {
			mustInsertOrder(t, tx, "ORD-0", "cust", t0, waiting("A", 1))
		})
		var os []*backorder.Order
		for i := range 1200 { // more than one statement's worth of rows
			os = append(os, newOrder(fmt.Sprintf("ORD-%d", i+1), fmt.Sprintf("c%d", i%7), t0, waiting("B", 1), waiting("A", int64(i%3+1))))
		}
		mustWrite(t, s, func(tx backorder.Tx) {
			if err := tx.InsertOrders(ctx, os); err != nil {
				t.Fatal(err)
			}
		})
		ids := map[int64]bool{}
		for i, o := range os {
			if i > 0 && o.Seq <= os[i-1].Seq {
				t.Fatalf("order %d: Seq=%d after %d, want increasing in slice order", i, o.Seq, os[i-1].Seq)
			}
			for _, l := range o.Lines {
				if l.ID <= 0 || ids[l.ID] || l.OrderID != o.ID {
					t.Fatalf("order %s: line ID=%d OrderID=%q, want a new ID > 0 and the order's ID", o.ID, l.ID, l.OrderID)
				}
				ids[l.ID] = true
			}
		}
		r := mustRead(t, s)
		for _, i := range []int{0, 599, 1199} {
			got, err := r.Order(ctx, os[i].ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Seq != os[i].Seq || got.Units != os[i].Units || got.LineCount != 2 || got.Customer != os[i].Customer {
				t.Fatalf("Order=%s\nwant %s", dump(got), dump(os[i]))
			}
			checkEqual(t, "Lines", got.Lines, os[i].Lines)
		}
		exist, err := r.ExistingOrders(ctx, []string{"ORD-0", "ORD-1200", "ORD-9999", "ORD-7"})
		if err != nil {
			t.Fatal(err)
		}
		checkEqual(t, "ExistingOrders", exist, map[string]bool{"ORD-0": true, "ORD-1200": true, "ORD-7": true})
	})
	t.Run("ErrConflictInMany", func(t *testing.T) {
		s := setup(t)
		mustWrite(t, s, func(tx backorder.Tx) {
			mustInsertOrder(t, tx, "ORD-2", "cust", t0, waiting("A", 1))
		})
		tx := mustBegin(t, s)
		os := []*backorder.Order{
			newOrder("ORD-1", "cust", t0, waiting("A", 1)),
			newOrder("ORD-2", "cust", t0, waiting("A", 1)),
			newOrder("ORD-3", "cust", t0, waiting("A", 1)),
		}
		checkCode(t, tx.InsertOrders(ctx, os), backorder.ECONFLICT)
	})
	t.Run("ErrConflictWithin", func(t *testing.T) {
		tx := mustBegin(t, setup(t))
		os := []*backorder.Order{newOrder("ORD-1", "cust", t0, waiting("A", 1)), newOrder("ORD-1", "cust", t0, waiting("B", 1))}
		checkCode(t, tx.InsertOrders(ctx, os), backorder.ECONFLICT)
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		_, err := mustRead(t, setup(t)).Order(ctx, "missing")
		checkCode(t, err, backorder.ENOTFOUND)
	})
	t.Run("SetSplitChoice", func(t *testing.T) {
		s := setup(t)
		mustWrite(t, s, func(tx backorder.Tx) {
			mustInsertOrder(t, tx, "ORD-1", "cust", t0, waiting("A", 1))
			if err := tx.SetSplitChoice(ctx, "ORD-1", backorder.SplitShipComplete); err != nil {
				t.Fatal(err)
			}
		})
		got, err := mustRead(t, s).Order(ctx, "ORD-1")
		if err != nil {
			t.Fatal(err)
		} else if got.SplitChoice != backorder.SplitShipComplete {
			t.Fatalf("SplitChoice=%q, want %q", got.SplitChoice, backorder.SplitShipComplete)
		}
	})
	t.Run("SetSplitChoiceErrNotFound", func(t *testing.T) {
		tx := mustBegin(t, setup(t))
		checkCode(t, tx.SetSplitChoice(ctx, "missing", backorder.SplitShipComplete), backorder.ENOTFOUND)
	})
	t.Run("Lines", func(t *testing.T) {
		s := setup(t)
		var o1, o2 *backorder.Order
		mustWrite(t, s, func(tx backorder.Tx) {
			o1 = mustInsertOrder(t, tx, "ORD-1", "cust", t0, waiting("B", 1), waiting("A", 2), waiting("B", 3))
			o2 = mustInsertOrder(t, tx, "ORD-2", "cust", t0, waiting("A", 4))
			mustInsertOrder(t, tx, "ORD-3", "cust", t0, waiting("A", 5))
		})
		tx := mustRead(t, s)
		got, err := tx.Lines(ctx, []string{"ORD-1", "ORD-2", "missing"})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 {
			t.Fatalf("Lines has %d orders, want 2", len(got))
		}
		checkEqual(t, "ORD-1", got["ORD-1"], o1.Lines)
		checkEqual(t, "ORD-2", got["ORD-2"], o2.Lines)

		all, err := tx.AllLines(ctx)
		if err != nil {
			t.Fatal(err)
		} else if len(all) != 5 {
			t.Fatalf("AllLines has %d lines, want 5", len(all))
		}
	})
}

func testTxListOrders(t *testing.T, open func(t *testing.T) backorder.Store) {
	ctx := context.Background()
	ids := func(os []*backorder.Order) []string {
		out := []string{}
		for _, o := range os {
			out = append(out, o.ID)
		}
		return out
	}
	s := open(t)
	var orders []*backorder.Order
	mustWrite(t, s, func(tx backorder.Tx) {
		mustPutProduct(t, tx, "A", backorder.Stock{})
		mustPutProduct(t, tx, "B", backorder.Stock{})
		// IDs sort unlike their acceptance order, so a store listing by ID fails.
		orders = append(orders,
			mustInsertOrder(t, tx, "Z-1", "ann", t0, waiting("A", 1)),
			mustInsertOrder(t, tx, "Y-2", "bob", t0, waiting("B", 1), waiting("A", 2)),
			mustInsertOrder(t, tx, "X-3", "ann", t0, waiting("B", 1)),
			mustInsertOrder(t, tx, "W-4", "ann", t0, waiting("A", 3)),
			mustInsertOrder(t, tx, "V-5", "bob", t0, waiting("B", 2)),
		)
	})
	tx := mustRead(t, s)
	for _, tc := range []struct {
		name string
		f    backorder.OrderFilter
		want []string
	}{
		{"All", backorder.OrderFilter{}, []string{"Z-1", "Y-2", "X-3", "W-4", "V-5"}},
		{"After", backorder.OrderFilter{After: orders[1].Seq}, []string{"X-3", "W-4", "V-5"}},
		{"Limit", backorder.OrderFilter{Limit: 2}, []string{"Z-1", "Y-2"}},
		{"Customer", backorder.OrderFilter{CustomerID: "ann"}, []string{"Z-1", "X-3", "W-4"}},
		{"CustomerAfter", backorder.OrderFilter{CustomerID: "ann", After: orders[0].Seq, Limit: 1}, []string{"X-3"}},
		{"SKU", backorder.OrderFilter{SKU: "A"}, []string{"Z-1", "Y-2", "W-4"}},
		{"CustomerSKU", backorder.OrderFilter{CustomerID: "bob", SKU: "B"}, []string{"Y-2", "V-5"}},
		{"None", backorder.OrderFilter{CustomerID: "nobody"}, []string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			os, err := tx.ListOrders(ctx, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			checkEqual(t, "IDs", ids(os), tc.want)
		})
	}
	t.Run("WithLines", func(t *testing.T) {
		os, err := tx.ListOrders(ctx, backorder.OrderFilter{SKU: "A"})
		if err != nil {
			t.Fatal(err)
		}
		// The SKU filter selects orders, not lines: Y-2 keeps its B line.
		checkEqual(t, "Y-2 lines", os[1].Lines, orders[1].Lines)
		if got, want := os[1].Seq, orders[1].Seq; got != want {
			t.Fatalf("Seq=%d, want %d", got, want)
		}
	})
}

func testTxSaveLines(t *testing.T, open func(t *testing.T) backorder.Store) {
	ctx := context.Background()
	setup := func(t *testing.T) (backorder.Store, *backorder.Order) {
		s := open(t)
		var o *backorder.Order
		mustWrite(t, s, func(tx backorder.Tx) {
			mustPutProduct(t, tx, "A", backorder.Stock{})
			o = mustInsertOrder(t, tx, "ORD-1", "cust", t0, waiting("A", 5), waiting("A", 2))
		})
		return s, o
	}
	t.Run("OK", func(t *testing.T) {
		s, o := setup(t)
		l0, l1 := *o.Lines[0], *o.Lines[1]
		l0.Allocated, l0.Backordered, l0.Shipped, l0.Cancelled, l0.Fulfilling = 2, 1, 1, 1, 2
		l1.Backordered, l1.Cancelled = 0, 2
		mustWrite(t, s, func(tx backorder.Tx) {
			if err := tx.SaveLines(ctx, []*backorder.Line{&l0, &l1}); err != nil {
				t.Fatal(err)
			}
		})
		got, err := mustRead(t, s).Order(ctx, "ORD-1")
		if err != nil {
			t.Fatal(err)
		}
		checkEqual(t, "Lines", got.Lines, []*backorder.Line{&l0, &l1})
	})
	t.Run("Empty", func(t *testing.T) {
		s, _ := setup(t)
		if err := mustBegin(t, s).SaveLines(ctx, nil); err != nil {
			t.Fatal(err)
		}
	})
	// The database itself refuses a line whose quantities do not add up.
	for _, tc := range []struct {
		name string
		edit func(l *backorder.Line)
	}{
		{"ErrNotConserved", func(l *backorder.Line) { l.Allocated = 1 }},                // 1+5 != 5
		{"ErrLost", func(l *backorder.Line) { l.Backordered = 4 }},                      // 4 != 5
		{"ErrNegative", func(l *backorder.Line) { l.Allocated, l.Backordered = -1, 6 }}, // adds up, but negative
		{"ErrFulfillingOverAllocated", func(l *backorder.Line) { l.Allocated, l.Backordered, l.Fulfilling = 2, 3, 3 }},
		{"ErrNegativeFulfilling", func(l *backorder.Line) { l.Fulfilling = -1 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, o := setup(t)
			good, bad := *o.Lines[1], *o.Lines[0]
			tc.edit(&bad)
			tx := mustBegin(t, s)
			if err := tx.SaveLines(ctx, []*backorder.Line{&good, &bad}); err == nil {
				t.Fatalf("SaveLines(%+v) succeeded, want an error", bad)
			}
		})
	}
	t.Run("ErrInsertNotConserved", func(t *testing.T) {
		s, _ := setup(t)
		tx := mustBegin(t, s)
		o := &backorder.Order{ID: "ORD-2", Customer: backorder.Customer{ID: "cust", Email: "a@example.com", Name: "A"},
			Shipping: backorder.ShippingStandard, SplitPolicy: backorder.SplitShipAvailable, AcceptedAt: t0, Units: 3, LineCount: 1,
			Lines: []*backorder.Line{{LineNo: 1, SKU: "A", Quantity: 3, Allocated: 1, Backordered: 1, Currency: "USD", PaymentTiming: backorder.PaymentAtOrder}}}
		if err := tx.InsertOrders(ctx, []*backorder.Order{o}); err == nil {
			t.Fatal("InsertOrder of a line that does not add up succeeded, want an error")
		}
	})
}

func testTxWaitingLines(t *testing.T, open func(t *testing.T) backorder.Store) {
	ctx := context.Background()
	s := open(t)
	var a, b, c *backorder.Order
	mustWrite(t, s, func(tx backorder.Tx) {
		mustPutProduct(t, tx, "A", backorder.Stock{})
		mustPutProduct(t, tx, "B", backorder.Stock{})
		a = &backorder.Order{ID: "ORD-A", Customer: backorder.Customer{ID: "ann", Email: "ann@example.com", Name: "Ann", VIP: true},
			Shipping: backorder.ShippingExpedited, NeedBy: "2026-12-01", SplitPolicy: backorder.SplitShipComplete,
			AcceptedAt: t0, Units: 3, LineCount: 2,
			Lines: []*backorder.Line{
				{LineNo: 1, SKU: "A", Quantity: 2, Backordered: 2, PriceCents: 500, Currency: "USD", PaymentTiming: backorder.PaymentAtShip, AvailableFrom: "2026-12-24"},
				{LineNo: 2, SKU: "B", Quantity: 1, Backordered: 1, PriceCents: 700, Currency: "USD", PaymentTiming: backorder.PaymentAtShip},
			}}
		if err := tx.InsertOrders(ctx, []*backorder.Order{a}); err != nil {
			t.Fatal(err)
		}
		b = mustInsertOrder(t, tx, "ORD-B", "bob", t0.Add(time.Minute), line{sku: "A", allocated: 3})
		c = mustInsertOrder(t, tx, "ORD-C", "cy", t0.Add(2*time.Minute), line{sku: "A", allocated: 2, backordered: 1})
	})
	_ = b
	tx := mustRead(t, s)

	t.Run("OK", func(t *testing.T) {
		q, err := tx.WaitingLines(ctx, "A")
		if err != nil {
			t.Fatal(err)
		}
		slices.SortFunc(q, func(x, y backorder.QueueEntry) int { return int(x.Line.ID - y.Line.ID) })
		if len(q) != 2 {
			t.Fatalf("WaitingLines has %d entries, want 2 (ORD-A and ORD-C)", len(q))
		}
		for i, want := range []*backorder.Order{a, c} {
			e := q[i]
			if e.Order == nil || e.Line == nil {
				t.Fatalf("entry %d=%+v, want order and line", i, e)
			}
			checkTime(t, "AcceptedAt", e.Order.AcceptedAt, want.AcceptedAt)
			h := *e.Order
			h.AcceptedAt = want.AcceptedAt
			w := *want
			w.Lines = nil
			checkEqual(t, "Order", h, w)
			wl := *want.Lines[0]
			wl.OrderID = want.ID
			checkEqual(t, "Line", *e.Line, wl)
		}
	})
	t.Run("OtherSKU", func(t *testing.T) {
		q, err := tx.WaitingLines(ctx, "B")
		if err != nil {
			t.Fatal(err)
		} else if len(q) != 1 || q[0].Line.ID != a.Lines[1].ID || q[0].Order.ID != "ORD-A" {
			t.Fatalf("WaitingLines(B)=%s, want ORD-A's second line", dump(q))
		}
	})
	t.Run("None", func(t *testing.T) {
		q, err := tx.WaitingLines(ctx, "missing")
		if err != nil {
			t.Fatal(err)
		} else if len(q) != 0 {
			t.Fatalf("WaitingLines(missing)=%s, want none", dump(q))
		}
	})
	t.Run("AfterSaveLines", func(t *testing.T) {
		mustWrite(t, s, func(tx backorder.Tx) {
			l := *c.Lines[0]
			l.Allocated, l.Backordered = 3, 0
			if err := tx.SaveLines(ctx, []*backorder.Line{&l}); err != nil {
				t.Fatal(err)
			}
		})
		q, err := mustRead(t, s).WaitingLines(ctx, "A")
		if err != nil {
			t.Fatal(err)
		} else if len(q) != 1 || q[0].Order.ID != "ORD-A" {
			t.Fatalf("WaitingLines=%s, want only ORD-A", dump(q))
		}
	})
}

func testTxCustomerBackordered(t *testing.T, open func(t *testing.T) backorder.Store) {
	ctx := context.Background()
	s := open(t)
	mustWrite(t, s, func(tx backorder.Tx) {
		for _, sku := range []string{"A", "B", "C"} {
			mustPutProduct(t, tx, sku, backorder.Stock{})
		}
		mustInsertOrder(t, tx, "ORD-1", "ann", t0, waiting("A", 2), waiting("B", 1))
		mustInsertOrder(t, tx, "ORD-2", "ann", t0, line{sku: "A", allocated: 4, backordered: 3}, line{sku: "C", allocated: 1})
		mustInsertOrder(t, tx, "ORD-3", "bob", t0, waiting("A", 7))
	})
	got, err := mustRead(t, s).CustomerBackordered(ctx, "ann", []string{"A", "B", "C", "D"})
	if err != nil {
		t.Fatal(err)
	}
	for sku, want := range map[string]int64{"A": 5, "B": 1, "C": 0, "D": 0} {
		if got[sku] != want {
			t.Fatalf("CustomerBackordered[%s]=%d, want %d (all: %v)", sku, got[sku], want, got)
		}
	}
	if got, err := mustRead(t, s).CustomerBackordered(ctx, "ann", []string{"B"}); err != nil {
		t.Fatal(err)
	} else if got["A"] != 0 || got["B"] != 1 {
		t.Fatalf("CustomerBackordered(B)=%v, want only B:1", got)
	}
}

func testTxMovements(t *testing.T, open func(t *testing.T) backorder.Store) {
	ctx := context.Background()
	setup := func(t *testing.T) (backorder.Store, *backorder.Order, []backorder.Movement) {
		s := open(t)
		var o *backorder.Order
		var ms []backorder.Movement
		mustWrite(t, s, func(tx backorder.Tx) {
			mustPutProduct(t, tx, "A", backorder.Stock{})
			mustPutProduct(t, tx, "B", backorder.Stock{})
			o = mustInsertOrder(t, tx, "ORD-1", "cust", t0, waiting("A", 2))
			ms = []backorder.Movement{
				{At: t0, Kind: backorder.MoveReceipt, SKU: "A", Quantity: 10, Reference: "PO-1"},
				{At: t0.Add(time.Second), Kind: backorder.MoveAllocate, SKU: "A", Quantity: 2, OrderID: "ORD-1", LineID: o.Lines[0].ID, Reason: backorder.ReasonFIFO},
				{At: t0.Add(2 * time.Second), Kind: backorder.MoveAdjustment, SKU: "B", Quantity: -3, Reason: "damaged"},
			}
			if err := tx.AppendMovements(ctx, ms); err != nil {
				t.Fatal(err)
			}
			more := []backorder.Movement{{At: t0.Add(3 * time.Second), Kind: backorder.MoveShip, SKU: "A", Quantity: 1, OrderID: "ORD-1", LineID: o.Lines[0].ID}}
			if err := tx.AppendMovements(ctx, more); err != nil {
				t.Fatal(err)
			}
			ms = append(ms, more...)
		})
		return s, o, ms
	}
	t.Run("OK", func(t *testing.T) {
		s, _, ms := setup(t)
		for i := range ms {
			if ms[i].ID <= 0 || i > 0 && ms[i].ID <= ms[i-1].ID {
				t.Fatalf("IDs not increasing: %s", dump(ms))
			}
		}
		got, err := mustRead(t, s).Movements(ctx, backorder.MovementFilter{})
		if err != nil {
			t.Fatal(err)
		} else if len(got) != len(ms) {
			t.Fatalf("Movements has %d, want %d", len(got), len(ms))
		}
		for i := range got {
			checkTime(t, "At", got[i].At, ms[i].At)
			g, w := got[i], ms[i]
			g.At, w.At = time.Time{}, time.Time{}
			checkEqual(t, "Movement", g, w)
		}
	})
	t.Run("Filter", func(t *testing.T) {
		s, _, ms := setup(t)
		tx := mustRead(t, s)
		for _, tc := range []struct {
			name string
			f    backorder.MovementFilter
			want []int64
		}{
			{"SKU", backorder.MovementFilter{SKU: "A"}, []int64{ms[0].ID, ms[1].ID, ms[3].ID}},
			{"Order", backorder.MovementFilter{OrderID: "ORD-1"}, []int64{ms[1].ID, ms[3].ID}},
			{"Kind", backorder.MovementFilter{Kind: backorder.MoveAdjustment}, []int64{ms[2].ID}},
			{"After", backorder.MovementFilter{After: ms[1].ID}, []int64{ms[2].ID, ms[3].ID}},
			{"Limit", backorder.MovementFilter{Limit: 2}, []int64{ms[0].ID, ms[1].ID}},
			{"SKUAfterLimit", backorder.MovementFilter{SKU: "A", After: ms[0].ID, Limit: 1}, []int64{ms[1].ID}},
			{"None", backorder.MovementFilter{SKU: "missing"}, []int64{}},
		} {
			got, err := tx.Movements(ctx, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			ids := []int64{}
			for _, m := range got {
				ids = append(ids, m.ID)
			}
			checkEqual(t, tc.name, ids, tc.want)
		}
	})
	t.Run("Limits", func(t *testing.T) {
		s := open(t)
		mustWrite(t, s, func(tx backorder.Tx) {
			mustPutProduct(t, tx, "A", backorder.Stock{})
			ms := make([]backorder.Movement, 1001)
			for i := range ms {
				ms[i] = backorder.Movement{At: t0, Kind: backorder.MoveReceipt, SKU: "A", Quantity: 1}
			}
			if err := tx.AppendMovements(ctx, ms); err != nil {
				t.Fatal(err)
			}
		})
		tx := mustRead(t, s)
		if got, err := tx.Movements(ctx, backorder.MovementFilter{}); err != nil {
			t.Fatal(err)
		} else if len(got) != 100 {
			t.Fatalf("default limit: len=%d, want 100", len(got))
		}
		if got, err := tx.Movements(ctx, backorder.MovementFilter{Limit: 5000}); err != nil {
			t.Fatal(err)
		} else if len(got) != 1000 {
			t.Fatalf("capped limit: len=%d, want 1000", len(got))
		}
	})
}

// fulfillmentSetup stores an order of two allocated lines.
func fulfillmentSetup(t *testing.T, open func(t *testing.T) backorder.Store) (backorder.Store, *backorder.Order) {
	t.Helper()
	s := open(t)
	var o *backorder.Order
	mustWrite(t, s, func(tx backorder.Tx) {
		mustPutProduct(t, tx, "A", backorder.Stock{OnHand: 10, Allocated: 5})
		mustPutProduct(t, tx, "B", backorder.Stock{OnHand: 10, Allocated: 3})
		o = mustInsertOrder(t, tx, "ORD-1", "cust", t0, line{sku: "A", allocated: 5}, line{sku: "B", allocated: 3})
	})
	return s, o
}

func testTxFulfillments(t *testing.T, open func(t *testing.T) backorder.Store) {
	ctx := context.Background()
	t.Run("OK", func(t *testing.T) {
		s, o := fulfillmentSetup(t, open)
		fs := []*backorder.Fulfillment{
			{OrderID: "ORD-1", State: backorder.FulfillmentOpen, CreatedAt: t0,
				Lines: []backorder.FulfillmentLine{{LineID: o.Lines[0].ID, SKU: "A", Quantity: 2}, {LineID: o.Lines[1].ID, SKU: "B", Quantity: 3}}},
			{OrderID: "ORD-1", State: backorder.FulfillmentOpen, HoldUntil: "2026-12-24", CreatedAt: t0,
				Lines: []backorder.FulfillmentLine{{LineID: o.Lines[0].ID, SKU: "A", Quantity: 3}}},
		}
		mustWrite(t, s, func(tx backorder.Tx) {
			if err := tx.InsertFulfillments(ctx, fs); err != nil {
				t.Fatal(err)
			}
		})
		if fs[0].ID <= 0 || fs[1].ID <= fs[0].ID {
			t.Fatalf("IDs=%d,%d, want increasing and > 0", fs[0].ID, fs[1].ID)
		}
		tx := mustRead(t, s)
		for _, want := range fs {
			got, err := tx.Fulfillment(ctx, want.ID)
			if err != nil {
				t.Fatal(err)
			}
			checkTime(t, "CreatedAt", got.CreatedAt, want.CreatedAt)
			g := *got
			g.CreatedAt, g.Status = want.CreatedAt, want.Status
			checkEqual(t, "Fulfillment", g, *want)
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		s, _ := fulfillmentSetup(t, open)
		_, err := mustRead(t, s).Fulfillment(ctx, 424242)
		checkCode(t, err, backorder.ENOTFOUND)
	})
	t.Run("Save", func(t *testing.T) {
		s, o := fulfillmentSetup(t, open)
		f := &backorder.Fulfillment{OrderID: "ORD-1", State: backorder.FulfillmentOpen, CreatedAt: t0,
			Lines: []backorder.FulfillmentLine{{LineID: o.Lines[0].ID, SKU: "A", Quantity: 2}, {LineID: o.Lines[1].ID, SKU: "B", Quantity: 3}}}
		mustWrite(t, s, func(tx backorder.Tx) {
			if err := tx.InsertFulfillments(ctx, []*backorder.Fulfillment{f}); err != nil {
				t.Fatal(err)
			}
		})
		shipped := t0.Add(48 * time.Hour)
		f.State, f.ShippedAt, f.Carrier, f.Tracking, f.EstimatedDelivery = backorder.FulfillmentShipped, &shipped, "UPS", "1Z999", "2026-12-03"
		f.Lines[1].Quantity = 0 // taken out by a cancellation: dropped
		mustWrite(t, s, func(tx backorder.Tx) {
			if err := tx.SaveFulfillment(ctx, f); err != nil {
				t.Fatal(err)
			}
		})
		got, err := mustRead(t, s).Fulfillment(ctx, f.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.ShippedAt == nil {
			t.Fatal("ShippedAt=nil, want the shipment time")
		}
		checkTime(t, "ShippedAt", *got.ShippedAt, shipped)
		if got.State != backorder.FulfillmentShipped || got.Carrier != "UPS" || got.Tracking != "1Z999" || got.EstimatedDelivery != "2026-12-03" {
			t.Fatalf("Fulfillment=%s, want shipped by UPS", dump(got))
		}
		checkEqual(t, "Lines", got.Lines, []backorder.FulfillmentLine{{LineID: o.Lines[0].ID, SKU: "A", Quantity: 2}})
	})
	t.Run("SaveErrNotFound", func(t *testing.T) {
		s, _ := fulfillmentSetup(t, open)
		tx := mustBegin(t, s)
		f := &backorder.Fulfillment{ID: 424242, OrderID: "ORD-1", State: backorder.FulfillmentCancelled, CreatedAt: t0}
		checkCode(t, tx.SaveFulfillment(ctx, f), backorder.ENOTFOUND)
	})
	t.Run("OpenRequests", func(t *testing.T) {
		s, o := fulfillmentSetup(t, open)
		a, b := o.Lines[0].ID, o.Lines[1].ID
		fs := []*backorder.Fulfillment{
			{OrderID: "ORD-1", State: backorder.FulfillmentOpen, CreatedAt: t0, Lines: []backorder.FulfillmentLine{{LineID: a, SKU: "A", Quantity: 1}, {LineID: b, SKU: "B", Quantity: 2}}},
			{OrderID: "ORD-1", State: backorder.FulfillmentOpen, HoldUntil: "2027-01-01", CreatedAt: t0, Lines: []backorder.FulfillmentLine{{LineID: a, SKU: "A", Quantity: 2}}},
			{OrderID: "ORD-1", State: backorder.FulfillmentOpen, CreatedAt: t0, Lines: []backorder.FulfillmentLine{{LineID: a, SKU: "A", Quantity: 2}, {LineID: b, SKU: "B", Quantity: 1}}},
		}
		mustWrite(t, s, func(tx backorder.Tx) {
			if err := tx.InsertFulfillments(ctx, fs); err != nil {
				t.Fatal(err)
			}
			fs[2].State = backorder.FulfillmentShipped
			fs[2].ShippedAt = ptr(t0)
			if err := tx.SaveFulfillment(ctx, fs[2]); err != nil {
				t.Fatal(err)
			}
		})
		got, err := mustRead(t, s).OpenRequests(ctx)
		if err != nil {
			t.Fatal(err)
		}
		checkEqual(t, "OpenRequests", got, map[int64]int64{a: 3, b: 2})
	})
	t.Run("SaveHoldsAndListBySKU", func(t *testing.T) {
		s, o := fulfillmentSetup(t, open)
		a, b := o.Lines[0].ID, o.Lines[1].ID
		fs := []*backorder.Fulfillment{
			{OrderID: "ORD-1", State: backorder.FulfillmentOpen, CreatedAt: t0, Lines: []backorder.FulfillmentLine{{LineID: a, SKU: "A", Quantity: 1}, {LineID: b, SKU: "B", Quantity: 2}}},
			{OrderID: "ORD-1", State: backorder.FulfillmentOpen, HoldUntil: "2027-01-01", CreatedAt: t0, Lines: []backorder.FulfillmentLine{{LineID: a, SKU: "A", Quantity: 2}}},
		}
		mustWrite(t, s, func(tx backorder.Tx) {
			if err := tx.InsertFulfillments(ctx, fs); err != nil {
				t.Fatal(err)
			}
			fs[0].HoldUntil, fs[1].HoldUntil = "2027-02-01", ""
			if err := tx.SaveHolds(ctx, fs); err != nil {
				t.Fatal(err)
			}
		})
		tx := mustRead(t, s)
		for _, f := range fs {
			got, err := tx.Fulfillment(ctx, f.ID)
			if err != nil {
				t.Fatal(err)
			} else if got.HoldUntil != f.HoldUntil || got.State != backorder.FulfillmentOpen || len(got.Lines) != len(f.Lines) {
				t.Fatalf("after SaveHolds: %s, want hold %q and nothing else changed", dump(got), f.HoldUntil)
			}
		}
		for sku, want := range map[string][]int64{"A": {fs[0].ID, fs[1].ID}, "B": {fs[0].ID}, "C": {}} {
			got, err := tx.ListFulfillments(ctx, backorder.FulfillmentQuery{SKU: sku, State: backorder.FulfillmentOpen})
			if err != nil {
				t.Fatal(err)
			}
			ids := []int64{}
			for _, f := range got {
				ids = append(ids, f.ID)
			}
			checkEqual(t, "requests with a line of "+sku, ids, want)
		}
		w := mustBegin(t, s)
		checkCode(t, w.SaveHolds(ctx, []*backorder.Fulfillment{{ID: 424242, HoldUntil: "2027-01-01"}}), backorder.ENOTFOUND)
	})
}

func testTxListFulfillments(t *testing.T, open func(t *testing.T) backorder.Store) {
	ctx := context.Background()
	s, o := fulfillmentSetup(t, open)
	var o2 *backorder.Order
	a := o.Lines[0].ID
	fs := []*backorder.Fulfillment{
		{OrderID: "ORD-1", State: backorder.FulfillmentOpen, CreatedAt: t0},                          // ready
		{OrderID: "ORD-1", State: backorder.FulfillmentOpen, HoldUntil: "2026-12-10", CreatedAt: t0}, // held until the 10th
		{OrderID: "ORD-1", State: backorder.FulfillmentOpen, CreatedAt: t0},                          // shipped below
		{OrderID: "ORD-2", State: backorder.FulfillmentOpen, HoldUntil: "2026-12-01", CreatedAt: t0}, // ready from the 1st
		{OrderID: "ORD-1", State: backorder.FulfillmentOpen, CreatedAt: t0},                          // cancelled below
	}
	mustWrite(t, s, func(tx backorder.Tx) {
		o2 = mustInsertOrder(t, tx, "ORD-2", "cust", t0, line{sku: "A", allocated: 1})
		for i, f := range fs {
			lid := a
			if f.OrderID == "ORD-2" {
				lid = o2.Lines[0].ID
			}
			f.Lines = []backorder.FulfillmentLine{{LineID: lid, SKU: "A", Quantity: int64(i + 1)}}
		}
		if err := tx.InsertFulfillments(ctx, fs); err != nil {
			t.Fatal(err)
		}
		fs[2].State, fs[2].ShippedAt, fs[2].Carrier, fs[2].Tracking = backorder.FulfillmentShipped, ptr(t0), "UPS", "1Z"
		fs[4].State = backorder.FulfillmentCancelled
		for _, f := range []*backorder.Fulfillment{fs[2], fs[4]} {
			if err := tx.SaveFulfillment(ctx, f); err != nil {
				t.Fatal(err)
			}
		}
	})
	tx := mustRead(t, s)
	id := func(i ...int) []int64 {
		out := []int64{}
		for _, j := range i {
			out = append(out, fs[j].ID)
		}
		return out
	}
	for _, tc := range []struct {
		name string
		f    backorder.FulfillmentQuery
		want []int64
	}{
		{"All", backorder.FulfillmentQuery{}, id(0, 1, 2, 3, 4)},
		{"Open", backorder.FulfillmentQuery{State: backorder.FulfillmentOpen}, id(0, 1, 3)},
		{"HeldThrough", backorder.FulfillmentQuery{State: backorder.FulfillmentOpen, HeldThrough: "2026-12-01"}, id(0, 3)},
		{"HeldThroughBefore", backorder.FulfillmentQuery{State: backorder.FulfillmentOpen, HeldThrough: "2026-11-30"}, id(0)},
		{"HeldThroughHoldDate", backorder.FulfillmentQuery{State: backorder.FulfillmentOpen, HeldThrough: "2026-12-10"}, id(0, 1, 3)},
		{"HeldAfter", backorder.FulfillmentQuery{State: backorder.FulfillmentOpen, HeldAfter: "2026-12-01"}, id(1)},
		{"HeldAfterBefore", backorder.FulfillmentQuery{State: backorder.FulfillmentOpen, HeldAfter: "2026-11-30"}, id(1, 3)},
		{"HeldAfterNone", backorder.FulfillmentQuery{State: backorder.FulfillmentOpen, HeldAfter: "2026-12-10"}, id()},
		{"Shipped", backorder.FulfillmentQuery{State: backorder.FulfillmentShipped}, id(2)},
		{"Cancelled", backorder.FulfillmentQuery{State: backorder.FulfillmentCancelled}, id(4)},
		{"Order", backorder.FulfillmentQuery{OrderID: "ORD-2"}, id(3)},
		{"OrderHeldThrough", backorder.FulfillmentQuery{OrderID: "ORD-1", State: backorder.FulfillmentOpen, HeldThrough: "2026-12-01"}, id(0)},
		{"After", backorder.FulfillmentQuery{After: fs[1].ID}, id(2, 3, 4)},
		{"Limit", backorder.FulfillmentQuery{Limit: 2}, id(0, 1)},
		{"AfterLimit", backorder.FulfillmentQuery{After: fs[0].ID, Limit: 2}, id(1, 2)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tx.ListFulfillments(ctx, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			ids := []int64{}
			for _, f := range got {
				ids = append(ids, f.ID)
			}
			checkEqual(t, "IDs", ids, tc.want)
		})
	}
	t.Run("WithLines", func(t *testing.T) {
		got, err := tx.ListFulfillments(ctx, backorder.FulfillmentQuery{OrderID: "ORD-2"})
		if err != nil {
			t.Fatal(err)
		} else if len(got) != 1 {
			t.Fatalf("got %d fulfillments, want 1", len(got))
		}
		checkEqual(t, "Lines", got[0].Lines, fs[3].Lines)
		if got[0].HoldUntil != "2026-12-01" || got[0].State != backorder.FulfillmentOpen {
			t.Fatalf("Fulfillment=%s, want open, held until 2026-12-01", dump(got[0]))
		}
	})
}

func testTxLostDemand(t *testing.T, open func(t *testing.T) backorder.Store) {
	ctx := context.Background()
	s := open(t)
	ls := []backorder.LostDemand{
		{At: t0, OrderID: "ORD-1", CustomerID: "ann", SKU: "A", Quantity: 2, ValueCents: 2500, Currency: "USD", Rule: backorder.RuleNotBackorderable},
		{At: t0.Add(time.Hour), OrderID: "ORD-2", CustomerID: "bob", SKU: "B", Quantity: 1, ValueCents: 900, Currency: "EUR", Rule: backorder.RuleDiscontinued},
		{At: t0.Add(2 * time.Hour), OrderID: "ORD-2", CustomerID: "bob", SKU: "C", Quantity: 4, ValueCents: 100, Currency: "EUR", Rule: backorder.RuleOrderRefused},
	}
	mustWrite(t, s, func(tx backorder.Tx) {
		if err := tx.InsertLostDemand(ctx, ls[:1]); err != nil {
			t.Fatal(err)
		}
		if err := tx.InsertLostDemand(ctx, ls[1:]); err != nil {
			t.Fatal(err)
		}
	})
	tx := mustRead(t, s)
	got, err := tx.ListLostDemand(ctx, t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	} else if len(got) != 2 {
		t.Fatalf("ListLostDemand has %d, want 2", len(got))
	}
	for i, want := range ls[1:] {
		checkTime(t, "At", got[i].At, want.At)
		if got[i].ID <= 0 {
			t.Fatalf("ID=%d, want > 0", got[i].ID)
		}
		g := got[i]
		g.ID, g.At, want.ID, want.At = 0, time.Time{}, 0, time.Time{}
		checkEqual(t, "LostDemand", g, want)
	}
	if all, err := tx.ListLostDemand(ctx, time.Time{}); err != nil {
		t.Fatal(err)
	} else if len(all) != 3 {
		t.Fatalf("ListLostDemand(zero) has %d, want 3", len(all))
	}
	if none, err := tx.ListLostDemand(ctx, t0.Add(3*time.Hour)); err != nil {
		t.Fatal(err)
	} else if len(none) != 0 {
		t.Fatalf("ListLostDemand(later) has %d, want 0", len(none))
	}
}

func testTxEvents(t *testing.T, open func(t *testing.T) backorder.Store) {
	ctx := context.Background()
	// samePayload compares JSON by value: a store may reformat it.
	samePayload := func(t *testing.T, got, want json.RawMessage) {
		t.Helper()
		if len(want) == 0 {
			if len(got) != 0 && string(got) != "null" {
				t.Fatalf("Payload=%s, want none", got)
			}
			return
		}
		var g, w any
		if err := json.Unmarshal(got, &g); err != nil {
			t.Fatalf("Payload=%q: %v", got, err)
		}
		if err := json.Unmarshal(want, &w); err != nil {
			t.Fatal(err)
		}
		checkEqual(t, "Payload", g, w)
	}
	t.Run("OK", func(t *testing.T) {
		s := open(t)
		es := []backorder.Event{
			{At: t0, Kind: backorder.EventOrderAccepted, OrderID: "ORD-1", SKU: "A", Payload: json.RawMessage(`{"status":"backordered","eta":"2026-12-24"}`)},
			{At: t0.Add(time.Second), Kind: backorder.EventOrderSplitChosen, OrderID: "ORD-1"},
			{At: t0.Add(2 * time.Second), Kind: backorder.EventOrderAllocated, SKU: "B", Payload: json.RawMessage(`{"n":[1,2,3],"s":"caf\u00e9 \"quoted\""}`)},
		}
		mustWrite(t, s, func(tx backorder.Tx) {
			if err := tx.AppendEvents(ctx, es[:2]); err != nil {
				t.Fatal(err)
			}
			if err := tx.AppendEvents(ctx, es[2:]); err != nil {
				t.Fatal(err)
			}
		})
		for i := range es {
			if es[i].ID <= 0 || i > 0 && es[i].ID <= es[i-1].ID {
				t.Fatalf("IDs not increasing: %s", dump(es))
			}
		}
		tx := mustRead(t, s)
		got, err := tx.Events(ctx, 0, 0)
		if err != nil {
			t.Fatal(err)
		} else if len(got) != 3 {
			t.Fatalf("Events has %d, want 3", len(got))
		}
		for i, want := range es {
			checkTime(t, "At", got[i].At, want.At)
			samePayload(t, got[i].Payload, want.Payload)
			g, w := got[i], want
			g.At, w.At, g.Payload, w.Payload = time.Time{}, time.Time{}, nil, nil
			checkEqual(t, "Event", g, w)
		}
		if got, err := tx.Events(ctx, es[0].ID, 0); err != nil {
			t.Fatal(err)
		} else if len(got) != 2 || got[0].ID != es[1].ID {
			t.Fatalf("Events(after first)=%s, want the last two", dump(got))
		}
		if got, err := tx.Events(ctx, 0, 1); err != nil {
			t.Fatal(err)
		} else if len(got) != 1 || got[0].ID != es[0].ID {
			t.Fatalf("Events(limit 1)=%s, want the first", dump(got))
		}
		if got, err := tx.Events(ctx, es[2].ID, 0); err != nil {
			t.Fatal(err)
		} else if len(got) != 0 {
			t.Fatalf("Events(after last)=%s, want none", dump(got))
		}
	})
	t.Run("Limits", func(t *testing.T) {
		s := open(t)
		mustWrite(t, s, func(tx backorder.Tx) {
			es := make([]backorder.Event, 1001)
			for i := range es {
				es[i] = backorder.Event{At: t0, Kind: backorder.EventOrderAllocated, OrderID: fmt.Sprintf("ORD-%d", i)}
			}
			if err := tx.AppendEvents(ctx, es); err != nil {
				t.Fatal(err)
			}
		})
		tx := mustRead(t, s)
		if got, err := tx.Events(ctx, 0, 0); err != nil {
			t.Fatal(err)
		} else if len(got) != 100 {
			t.Fatalf("default limit: len=%d, want 100", len(got))
		}
		if got, err := tx.Events(ctx, 0, 5000); err != nil {
			t.Fatal(err)
		} else if len(got) != 1000 {
			t.Fatalf("capped limit: len=%d, want 1000", len(got))
		}
	})
}

func testTxIdempotency(t *testing.T, open func(t *testing.T) backorder.Store) {
	ctx := context.Background()
	t.Run("OK", func(t *testing.T) {
		s := open(t)
		recs := []*backorder.IdempotencyRecord{
			{Key: "key-1", RequestHash: "h1", Result: []byte(`{"id":"ORD-1"}`), CreatedAt: t0},
			{Key: "key-2", RequestHash: "h2", CreatedAt: t0.Add(time.Second),
				Error: &backorder.Error{Code: backorder.EREFUSED, Message: "Line 1 (A): refused.", Field: "lines[0].quantity", Rule: backorder.RuleNotBackorderable}},
		}
		mustWrite(t, s, func(tx backorder.Tx) {
			if err := tx.PutIdempotencyRecords(ctx, recs[:1]); err != nil {
				t.Fatal(err)
			}
			if err := tx.PutIdempotencyRecords(ctx, recs[1:]); err != nil {
				t.Fatal(err)
			}
			if err := tx.PutIdempotencyRecords(ctx, nil); err != nil {
				t.Fatal(err)
			}
		})
		got, err := mustRead(t, s).IdempotencyRecords(ctx, []string{"key-2", "missing", "key-1"})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 {
			t.Fatalf("IdempotencyRecords=%s, want key-1 and key-2", dump(got))
		}
		for _, want := range recs {
			got := got[want.Key]
			if got == nil {
				t.Fatalf("IdempotencyRecords has no %s", want.Key)
			}
			checkTime(t, "CreatedAt", got.CreatedAt, want.CreatedAt)
			if got.Key != want.Key || got.RequestHash != want.RequestHash || string(got.Result) != string(want.Result) {
				t.Fatalf("IdempotencyRecord=%s, want %s", dump(got), dump(want))
			}
			checkEqual(t, "Error", got.Error, want.Error)
		}
	})
	t.Run("Many", func(t *testing.T) {
		s := open(t)
		var recs []*backorder.IdempotencyRecord
		var keys []string
		for i := range 1500 { // more than one statement's worth of rows
			k := fmt.Sprintf("key-%d", i)
			keys = append(keys, k)
			recs = append(recs, &backorder.IdempotencyRecord{Key: k, RequestHash: "h" + k, Result: []byte(`{"i":` + fmt.Sprint(i) + `}`), CreatedAt: t0})
		}
		mustWrite(t, s, func(tx backorder.Tx) {
			if err := tx.PutIdempotencyRecords(ctx, recs); err != nil {
				t.Fatal(err)
			}
		})
		got, err := mustRead(t, s).IdempotencyRecords(ctx, keys)
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range recs {
			if g := got[want.Key]; g == nil || g.RequestHash != want.RequestHash || string(g.Result) != string(want.Result) {
				t.Fatalf("IdempotencyRecords[%s]=%s, want %s", want.Key, dump(g), dump(want))
			}
		}
	})
	t.Run("None", func(t *testing.T) {
		got, err := mustRead(t, open(t)).IdempotencyRecords(ctx, []string{"missing"})
		if err != nil || len(got) != 0 {
			t.Fatalf("IdempotencyRecords=%s, %v, want none", dump(got), err)
		}
	})
	t.Run("ErrConflict", func(t *testing.T) {
		s := open(t)
		r := &backorder.IdempotencyRecord{Key: "key-1", RequestHash: "h1", Result: []byte(`{}`), CreatedAt: t0}
		mustWrite(t, s, func(tx backorder.Tx) {
			if err := tx.PutIdempotencyRecords(ctx, []*backorder.IdempotencyRecord{r}); err != nil {
				t.Fatal(err)
			}
		})
		tx := mustBegin(t, s)
		other := &backorder.IdempotencyRecord{Key: "key-0", RequestHash: "h0", CreatedAt: t0}
		dup := &backorder.IdempotencyRecord{Key: "key-1", RequestHash: "h2", CreatedAt: t0}
		checkCode(t, tx.PutIdempotencyRecords(ctx, []*backorder.IdempotencyRecord{dup}), backorder.ECONFLICT)
		checkCode(t, tx.PutIdempotencyRecords(ctx, []*backorder.IdempotencyRecord{other, dup}), backorder.ECONFLICT)
	})
	t.Run("ErrConflictWithin", func(t *testing.T) {
		tx := mustBegin(t, open(t))
		a := &backorder.IdempotencyRecord{Key: "key-1", RequestHash: "h1", CreatedAt: t0}
		b := &backorder.IdempotencyRecord{Key: "key-1", RequestHash: "h2", CreatedAt: t0}
		checkCode(t, tx.PutIdempotencyRecords(ctx, []*backorder.IdempotencyRecord{a, b}), backorder.ECONFLICT)
	})
}

func testTxLedgerTotals(t *testing.T, open func(t *testing.T) backorder.Store) {
	ctx := context.Background()
	s := open(t)
	var l1, l2 int64
	mustWrite(t, s, func(tx backorder.Tx) {
		mustPutProduct(t, tx, "A", backorder.Stock{})
		mustPutProduct(t, tx, "B", backorder.Stock{})
		o := mustInsertOrder(t, tx, "ORD-1", "cust", t0, line{sku: "A", allocated: 1, shipped: 1, cancel: 1}, line{sku: "A", allocated: 2, backordered: 1, cancel: 1})
		l1, l2 = o.Lines[0].ID, o.Lines[1].ID
		m := func(kind string, sku string, q int64, lineID int64, reason string) backorder.Movement {
			mv := backorder.Movement{At: t0, Kind: kind, SKU: sku, Quantity: q, LineID: lineID, Reason: reason}
			if lineID != 0 {
				mv.OrderID = "ORD-1"
			}
			return mv
		}
		ms := []backorder.Movement{
			m(backorder.MoveReceipt, "A", 10, 0, ""),
			m(backorder.MoveAdjustment, "A", -2, 0, "damaged"),
			m(backorder.MoveAllocate, "A", 3, l1, backorder.ReasonInStock),
			m(backorder.MoveBackorder, "A", 4, l2, ""),
			m(backorder.MoveAllocate, "A", 2, l2, backorder.ReasonFIFO),
			m(backorder.MoveRelease, "A", 1, l1, ""),
			m(backorder.MoveShip, "A", 1, l1, ""),
			m(backorder.MoveCancel, "A", 1, l2, ""),
			m(backorder.MoveReceipt, "B", 5, 0, ""),
			m(backorder.MoveAdjustment, "B", 1, 0, "found"),
		}
		if err := tx.AppendMovements(ctx, ms); err != nil {
			t.Fatal(err)
		}
	})
	snap, err := mustRead(t, s).LedgerTotals(ctx)
	if err != nil {
		t.Fatal(err)
	}
	checkEqual(t, "SKUTotals", snap.SKUTotals, map[string]backorder.LedgerTotals{
		"A": {Received: 10, Adjusted: -2, Allocated: 5, Released: 1, Shipped: 1, Backordered: 4, Cancelled: 1},
		"B": {Received: 5, Adjusted: 1},
	})
	if got := snap.SKUInStock["A"]; got != 3 {
		t.Fatalf("SKUInStock[A]=%d, want 3", got)
	} else if got := snap.SKUInStock["B"]; got != 0 {
		t.Fatalf("SKUInStock[B]=%d, want 0", got)
	}
	checkEqual(t, "LineTotals", snap.LineTotals, map[int64]backorder.LedgerTotals{
		l1: {Allocated: 3, Released: 1, Shipped: 1},
		l2: {Allocated: 2, Backordered: 4, Cancelled: 1},
	})
	if got := snap.LineInStock[l1]; got != 3 {
		t.Fatalf("LineInStock[l1]=%d, want 3", got)
	} else if got := snap.LineInStock[l2]; got != 0 {
		t.Fatalf("LineInStock[l2]=%d, want 0", got)
	}
}

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
		mustPutProduct(t, tx, "A", backorder.Stock{OnHand: 1})
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
			mustPutProduct(t, tx, "A", backorder.Stock{})
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
	mustPutProduct(t, tx, "A", backorder.Stock{OnHand: 3})
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
	if ls, err := r.ListLostDemand(ctx, time.Time{}); err != nil || len(ls) != 0 {
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
		mustWrite(t, s, func(tx backorder.Tx) { mustPutProduct(t, tx, "A", backorder.Stock{OnHand: 1}) })
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
	t.Run("Uncommitted", func(t *testing.T) {
		s := open(t)
		w := mustBegin(t, s)
		mustPutProduct(t, w, "A", backorder.Stock{})
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
	q, err := r.WaitingLines(ctx, "A")
	if err != nil {
		t.Fatal(err)
	}
	checkTime(t, "QueueEntry.Order.AcceptedAt", q[0].Order.AcceptedAt, at)
}

func testTxLockSKUs(t *testing.T, open func(t *testing.T) backorder.Store) {
	ctx := context.Background()
	s := open(t)
	mustWrite(t, s, func(tx backorder.Tx) {
		mustPutProduct(t, tx, "A", backorder.Stock{})
		mustPutProduct(t, tx, "B", backorder.Stock{})
	})
	tx := mustBegin(t, s)
	if err := tx.LockSKUs(ctx, []string{"A", "B", "missing"}); err != nil {
		t.Fatal(err)
	}
	if err := tx.SaveStock(ctx, []backorder.Stock{{SKU: "A", OnHand: 2}}); err != nil {
		t.Fatal(err)
	}
	mustCommit(t, tx)
}

func testTxRetryable(t *testing.T, open func(t *testing.T) backorder.Store) {
	s := open(t)
	for _, err := range []error{nil, errors.New("boom"), backorder.Errorf(backorder.ECONFLICT, "Conflict."), context.Canceled} {
		if s.Retryable(err) {
			t.Fatalf("Retryable(%v)=true, want false", err)
		}
	}
}
