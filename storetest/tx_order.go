package storetest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/backorder/backorder"
)

func testTxOrder(t *testing.T, open func(t *testing.T) backorder.Store) {
	ctx := context.Background()
	setup := func(t *testing.T) backorder.Store { return mustOpenWith(t, open, "A", "B") }
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
		} else if o.Lines[0].ID <= 0 || o.Lines[1].ID <= o.Lines[0].ID {
			t.Fatalf("line IDs=%d,%d, want increasing in line order and > 0", o.Lines[0].ID, o.Lines[1].ID)
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
		// The transaction stays usable: the caller rolls back to its
		// savepoint and goes on.
		if got, err := tx.Order(ctx, "ORD-1"); err != nil {
			t.Fatalf("Order after the conflict: %v", err)
		} else if got.Customer.Email != "cust@example.com" {
			t.Fatalf("Order=%s, want the first one", dump(got))
		}
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
		var last int64
		for i, o := range os {
			if i > 0 && o.Seq <= os[i-1].Seq {
				t.Fatalf("order %d: Seq=%d after %d, want increasing in slice order", i, o.Seq, os[i-1].Seq)
			}
			for _, l := range o.Lines {
				if l.ID <= 0 || ids[l.ID] || l.OrderID != o.ID {
					t.Fatalf("order %s: line ID=%d OrderID=%q, want a new ID > 0 and the order's ID", o.ID, l.ID, l.OrderID)
				} else if l.ID <= last {
					t.Fatalf("order %s: line ID=%d after %d, want increasing in slice and line order", o.ID, l.ID, last)
				}
				ids[l.ID] = true
				last = l.ID
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
	t.Run("SaveLinesErrNotFound", func(t *testing.T) {
		tx := mustBegin(t, setup(t))
		checkCode(t, tx.SaveLines(ctx, []*backorder.Line{{ID: 424242, SKU: "A", Quantity: 1, Backordered: 1}}), backorder.ENOTFOUND)
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
		MustPutProduct(t, tx, "A", backorder.Stock{})
		MustPutProduct(t, tx, "B", backorder.Stock{})
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
		os, err := tx.ListOrders(ctx, backorder.OrderFilter{})
		if err != nil {
			t.Fatal(err)
		}
		for i, o := range os {
			if len(o.Lines) != o.LineCount {
				t.Fatalf("order %s has %d lines, LineCount %d", o.ID, len(o.Lines), o.LineCount)
			}
			checkEqual(t, o.ID+" lines", o.Lines, orders[i].Lines)
		}
		os, err = tx.ListOrders(ctx, backorder.OrderFilter{SKU: "A"})
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
			MustPutProduct(t, tx, "A", backorder.Stock{})
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
			checkCode(t, tx.SaveLines(ctx, []*backorder.Line{&good, &bad}), backorder.EINTERNAL)
		})
	}
	t.Run("ErrInsertNotConserved", func(t *testing.T) {
		s, _ := setup(t)
		tx := mustBegin(t, s)
		o := &backorder.Order{ID: "ORD-2", Customer: backorder.Customer{ID: "cust", Email: "a@example.com", Name: "A"},
			Shipping: backorder.ShippingStandard, SplitPolicy: backorder.SplitShipAvailable, AcceptedAt: t0, Units: 3, LineCount: 1,
			Lines: []*backorder.Line{{LineNo: 1, SKU: "A", Quantity: 3, Allocated: 1, Backordered: 1, Currency: "USD", PaymentTiming: backorder.PaymentAtOrder}}}
		checkCode(t, tx.InsertOrders(ctx, []*backorder.Order{o}), backorder.EINTERNAL)
	})
}

func testTxWaitingLines(t *testing.T, open func(t *testing.T) backorder.Store) {
	ctx := context.Background()
	s := open(t)
	var a, b, c *backorder.Order
	mustWrite(t, s, func(tx backorder.Tx) {
		MustPutProduct(t, tx, "A", backorder.Stock{})
		MustPutProduct(t, tx, "B", backorder.Stock{})
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
		q, err := tx.WaitingLines(ctx, backorder.QueueQuery{SKU: "A", Limit: 10})
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
			// What InsertOrders kept as backordered at intake.
			if e.IntakeBackordered != wl.Backordered {
				t.Errorf("entry %d IntakeBackordered=%d, want %d", i, e.IntakeBackordered, wl.Backordered)
			}
		}
	})
	t.Run("OtherSKU", func(t *testing.T) {
		q, err := tx.WaitingLines(ctx, backorder.QueueQuery{SKU: "B", Limit: 10})
		if err != nil {
			t.Fatal(err)
		} else if len(q) != 1 || q[0].Line.ID != a.Lines[1].ID || q[0].Order.ID != "ORD-A" {
			t.Fatalf("WaitingLines(B)=%s, want ORD-A's second line", dump(q))
		}
	})
	t.Run("None", func(t *testing.T) {
		q, err := tx.WaitingLines(ctx, backorder.QueueQuery{SKU: "missing", Limit: 10})
		if err != nil {
			t.Fatal(err)
		} else if len(q) != 0 {
			t.Fatalf("WaitingLines(missing)=%s, want none", dump(q))
		}
	})
	t.Run("Paged", func(t *testing.T) { testWaitingLinesPaged(t, open) })
	t.Run("AfterSaveLines", func(t *testing.T) {
		mustWrite(t, s, func(tx backorder.Tx) {
			l := *c.Lines[0]
			l.Allocated, l.Backordered = 3, 0
			if err := tx.SaveLines(ctx, []*backorder.Line{&l}); err != nil {
				t.Fatal(err)
			}
		})
		q, err := mustRead(t, s).WaitingLines(ctx, backorder.QueueQuery{SKU: "A", Limit: 10})
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
			MustPutProduct(t, tx, sku, backorder.Stock{})
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

// testWaitingLinesPaged: WaitingLines reads a SKU's queue in FIFO order
// (acceptance time, then sequence, then line) a page at a time, whatever
// order the lines were stored in.
func testWaitingLinesPaged(t *testing.T, open func(t *testing.T) backorder.Store) {
	ctx := context.Background()
	s := open(t)
	var want []string
	mustWrite(t, s, func(tx backorder.Tx) {
		MustPutProduct(t, tx, "Q", backorder.Stock{})
		// Stored newest first; two orders share an acceptance time (their
		// sequence decides) and one order has two lines of the SKU.
		mustInsertOrder(t, tx, "LATE", "c1", t0.Add(3*time.Hour), line{sku: "Q", backordered: 1})
		mustInsertOrder(t, tx, "TIE-1", "c2", t0.Add(time.Hour), line{sku: "Q", backordered: 1})
		mustInsertOrder(t, tx, "TIE-2", "c3", t0.Add(time.Hour), line{sku: "Q", backordered: 2})
		mustInsertOrder(t, tx, "FIRST", "c4", t0, line{sku: "Q", backordered: 1}, line{sku: "Q", backordered: 3})
		mustInsertOrder(t, tx, "FILLED", "c5", t0, line{sku: "Q", allocated: 1})
		want = []string{"FIRST/1", "FIRST/2", "TIE-1/1", "TIE-2/1", "LATE/1"}
	})
	for _, size := range []int{1, 2, 5, 10} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			tx := mustRead(t, s)
			var got []string
			var after backorder.QueueCursor
			for range 10 {
				page, err := tx.WaitingLines(ctx, backorder.QueueQuery{SKU: "Q", After: after, Limit: size})
				if err != nil {
					t.Fatal(err)
				} else if len(page) > size {
					t.Fatalf("page of %d, want at most %d", len(page), size)
				}
				if len(page) == 0 {
					break
				}
				for _, e := range page {
					got = append(got, fmt.Sprintf("%s/%d", e.Order.ID, e.Line.LineNo))
				}
				after = backorder.CursorOf(&page[len(page)-1])
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("queue=%v, want %v", got, want)
			}
		})
	}
}
