package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/backorder/backorder"
)

func testTxMovements(t *testing.T, open func(t *testing.T) backorder.Store) {
	ctx := context.Background()
	setup := func(t *testing.T) (backorder.Store, *backorder.Order, []backorder.Movement) {
		s := open(t)
		var o *backorder.Order
		var ms []backorder.Movement
		mustWrite(t, s, func(tx backorder.Tx) {
			MustPutProduct(t, tx, "A", backorder.Stock{})
			MustPutProduct(t, tx, "B", backorder.Stock{})
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
			{"OrderKind", backorder.MovementFilter{OrderID: "ORD-1", Kind: backorder.MoveShip}, []int64{ms[3].ID}},
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
	// More rows than one statement takes, with values that vary and repeat:
	// each movement gets the ID of its own row.
	t.Run("Many", func(t *testing.T) {
		s := open(t)
		ms := make([]backorder.Movement, 2500)
		for i := range ms {
			ms[i] = backorder.Movement{At: t0.Add(time.Duration(i%7) * time.Second), Kind: backorder.MoveReceipt, SKU: "A", Quantity: int64(i), Reference: fmt.Sprint(i % 3)}
		}
		mustWrite(t, s, func(tx backorder.Tx) {
			MustPutProduct(t, tx, "A", backorder.Stock{})
			if err := tx.AppendMovements(ctx, ms); err != nil {
				t.Fatal(err)
			}
		})
		for i := 1; i < len(ms); i++ {
			if ms[i].ID <= ms[i-1].ID {
				t.Fatalf("movement %d: ID=%d after %d, want increasing in slice order", i, ms[i].ID, ms[i-1].ID)
			}
		}
		got, err := mustRead(t, s).Movements(ctx, backorder.MovementFilter{Limit: 1000, After: ms[1499].ID})
		if err != nil {
			t.Fatal(err)
		} else if len(got) != 1000 {
			t.Fatalf("Movements has %d, want 1000", len(got))
		}
		for i, m := range got {
			want := ms[1500+i]
			if m.ID != want.ID || m.Quantity != want.Quantity || m.Reference != want.Reference || !m.At.Equal(want.At) {
				t.Fatalf("movement %d=%+v, want %+v", 1500+i, m, want)
			}
		}
	})
	t.Run("Limits", func(t *testing.T) {
		s := open(t)
		mustWrite(t, s, func(tx backorder.Tx) {
			MustPutProduct(t, tx, "A", backorder.Stock{})
			ms := make([]backorder.Movement, backorder.MaxPageLimit+2)
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
		} else if want := backorder.PageLimit(5000); len(got) != want {
			t.Fatalf("capped limit: len=%d, want %d (the page rule)", len(got), want)
		}
	})
}
