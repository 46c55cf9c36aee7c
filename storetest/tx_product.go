package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/backorder/backorder"
)

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
			Supply:    backorder.Supply{SupplierID: "ACME", LeadTimeDays: ptr(0)}, // zero days is a lead time, not "unset"
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
		p := full()
		mustWrite(t, s, func(tx backorder.Tx) {
			if err := tx.PutProduct(ctx, p); err != nil {
				t.Fatal(err)
			}
		})
		// PutProduct fills p's stock: zero for a new product.
		checkEqual(t, "PutProduct Stock", p.Stock, backorder.Stock{SKU: "SKU-1"})
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
		p.CreatedAt, p.UpdatedAt = t0.Add(time.Hour), t0.Add(time.Hour)
		mustWrite(t, s, func(tx backorder.Tx) {
			if err := tx.PutProduct(ctx, p); err != nil {
				t.Fatal(err)
			}
		})
		// PutProduct fills p from the stored row: the stock and the first
		// creation time.
		checkEqual(t, "PutProduct Stock", p.Stock, backorder.Stock{SKU: "SKU-1", OnHand: 10, Allocated: 4})
		if !p.CreatedAt.Equal(t0) {
			t.Fatalf("PutProduct CreatedAt=%v, want the first %v", p.CreatedAt, t0)
		}
		got, err := mustRead(t, s).Product(ctx, "SKU-1")
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != "Green widget" || got.Status != backorder.StatusActive || got.ReleaseDate != "" || got.AcceptBackorders != nil {
			t.Fatalf("Product=%+v, want the replaced fields", got)
		}
		checkEqual(t, "Stock", got.Stock, backorder.Stock{SKU: "SKU-1", OnHand: 10, Allocated: 4})
		checkTime(t, "CreatedAt", got.CreatedAt, t0)
		checkTime(t, "UpdatedAt", got.UpdatedAt, t0.Add(time.Hour))
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		_, err := mustRead(t, open(t)).Product(ctx, "missing")
		checkCode(t, err, backorder.ENOTFOUND)
	})
	t.Run("Products", func(t *testing.T) {
		s := open(t)
		mustWrite(t, s, func(tx backorder.Tx) {
			MustPutProduct(t, tx, "A", backorder.Stock{OnHand: 5, Allocated: 2, Backordered: 0})
			MustPutProduct(t, tx, "B", backorder.Stock{Backordered: 7})
			MustPutProduct(t, tx, "C", backorder.Stock{})
		})
		tx := mustRead(t, s)
		got, err := tx.ProductsBySKU(ctx, []string{"A", "B", "missing"})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got["A"] == nil || got["B"] == nil {
			t.Fatalf("Products=%v, want A and B", got)
		}
		checkEqual(t, "A.Stock", got["A"].Stock, backorder.Stock{SKU: "A", OnHand: 5, Allocated: 2})
		checkEqual(t, "B.Stock", got["B"].Stock, backorder.Stock{SKU: "B", Backordered: 7})
		if got, err := tx.ProductsBySKU(ctx, nil); err != nil {
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
				MustPutProduct(t, tx, sku, backorder.Stock{OnHand: 3})
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
	// SKUs sort bytewise, as Go compares strings, whatever the database's
	// collation: upper case before lower case, "-" before digits.
	t.Run("Bytewise", func(t *testing.T) {
		s := open(t)
		mustWrite(t, s, func(tx backorder.Tx) {
			for _, sku := range []string{"a", "B", "c-2", "Z", "b", "c2"} {
				MustPutProduct(t, tx, sku, backorder.Stock{})
			}
		})
		tx := mustRead(t, s)
		var got []string
		for after := ""; ; {
			ps, err := tx.ListProducts(ctx, backorder.ProductFilter{After: after, Limit: 2})
			if err != nil {
				t.Fatal(err)
			} else if len(ps) == 0 {
				break
			}
			got = append(got, skus(ps)...)
			after = ps[len(ps)-1].SKU
		}
		checkEqual(t, "SKUs", got, []string{"B", "Z", "a", "b", "c-2", "c2"})
	})
	t.Run("Limits", func(t *testing.T) {
		s := open(t)
		mustWrite(t, s, func(tx backorder.Tx) {
			for i := range backorder.MaxPageLimit + 2 {
				MustPutProduct(t, tx, fmt.Sprintf("SKU-%04d", i), backorder.Stock{})
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
		} else if got, want := len(ps), backorder.PageLimit(5000); got != want {
			t.Fatalf("capped limit: len=%d, want %d (the page rule)", got, want)
		}
	})
}

func testTxStock(t *testing.T, open func(t *testing.T) backorder.Store) {
	ctx := context.Background()
	setup := func(t *testing.T) backorder.Store { return mustOpenWith(t, open, "A", "B") }
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
	t.Run("LastWins", func(t *testing.T) {
		s := setup(t)
		mustWrite(t, s, func(tx backorder.Tx) {
			st := []backorder.Stock{{SKU: "A", OnHand: 5}, {SKU: "B", OnHand: 6}, {SKU: "A", OnHand: 7, Allocated: 7}}
			if err := tx.SaveStock(ctx, st); err != nil {
				t.Fatal(err)
			}
		})
		p, err := mustRead(t, s).Product(ctx, "A")
		if err != nil {
			t.Fatal(err)
		}
		checkEqual(t, "Stock", p.Stock, backorder.Stock{SKU: "A", OnHand: 7, Allocated: 7})
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		tx := mustBegin(t, setup(t))
		checkCode(t, tx.SaveStock(ctx, []backorder.Stock{{SKU: "A", OnHand: 1}, {SKU: "missing", OnHand: 1}}), backorder.ENOTFOUND)
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
			checkCode(t, tx.SaveStock(ctx, []backorder.Stock{tc.st}), backorder.EINTERNAL)
		})
	}
}
