package postgres_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/backorder/backorder"
	"github.com/backorder/backorder/postgres"
)

var t0 = time.Date(2026, 11, 28, 9, 30, 0, 123456000, time.UTC)

func ptr[T any](v T) *T { return &v }

// MustPutProduct stores a product with stock.
func MustPutProduct(tb testing.TB, tx backorder.Tx, sku string, st backorder.Stock) *backorder.Product {
	tb.Helper()
	ctx := context.Background()
	p := &backorder.Product{SKU: sku, Name: "Product " + sku, PriceCents: 1250, Currency: "USD", Status: backorder.StatusActive, CreatedAt: t0, UpdatedAt: t0}
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

// MustInsertOrder stores an order of one customer with lines of the given
// SKUs and quantities, each fully backordered.
func MustInsertOrder(tb testing.TB, tx backorder.Tx, id, customer string, at time.Time, lines ...any) *backorder.Order {
	tb.Helper()
	o := &backorder.Order{ID: id, Customer: backorder.Customer{ID: customer, Email: customer + "@example.com", Name: "Ann"},
		Shipping: backorder.ShippingStandard, SplitPolicy: backorder.SplitShipAvailable, AcceptedAt: at}
	for i := 0; i < len(lines); i += 2 {
		q := int64(lines[i+1].(int))
		o.Lines = append(o.Lines, &backorder.Line{LineNo: len(o.Lines) + 1, SKU: lines[i].(string), Quantity: q, Backordered: q,
			PriceCents: 1250, Currency: "USD", PaymentTiming: backorder.PaymentAtOrder})
		o.Units += q
	}
	o.LineCount = len(o.Lines)
	if err := tx.InsertOrders(context.Background(), []*backorder.Order{o}); err != nil {
		tb.Fatal(err)
	}
	return o
}

func code(err error) string { return backorder.ErrorCode(err) }

func TestTx_Settings(t *testing.T) {
	t.Parallel()
	db := MustOpenDB(t)
	ctx := context.Background()
	tx := MustBeginWrite(t, db)
	if s, err := tx.Settings(ctx); err != nil {
		t.Fatal(err)
	} else if got, want := *s, backorder.DefaultSettings(); !reflect.DeepEqual(got, want) {
		t.Fatalf("Settings=%+v, want defaults %+v", got, want)
	}
	s := backorder.DefaultSettings()
	s.Defaults.AcceptBackorders = false
	s.Defaults.BackorderLimit = ptr(int64(50))
	s.Priority.VIP.Enabled = true
	if err := tx.PutSettings(ctx, &s); err != nil {
		t.Fatal(err)
	}
	s.Priority.Expedited.Weight = 7
	if err := tx.PutSettings(ctx, &s); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	rx := MustBeginRead(t, db)
	if got, err := rx.Settings(ctx); err != nil {
		t.Fatal(err)
	} else if !reflect.DeepEqual(*got, s) {
		t.Fatalf("Settings=%+v, want %+v", *got, s)
	}
}

func TestTx_Meta(t *testing.T) {
	t.Parallel()
	db := MustOpenDB(t)
	ctx := context.Background()
	tx := MustBeginWrite(t, db)
	if _, err := tx.Meta(ctx, "admin"); code(err) != backorder.ENOTFOUND {
		t.Fatalf("Meta unset: err=%v, want ENOTFOUND", err)
	}
	for _, v := range []string{"one", "two"} {
		if err := tx.SetMeta(ctx, "admin", v); err != nil {
			t.Fatal(err)
		}
		if got, err := tx.Meta(ctx, "admin"); err != nil {
			t.Fatal(err)
		} else if got != v {
			t.Fatalf("Meta=%q, want %q", got, v)
		}
	}
}

func TestTx_Product(t *testing.T) {
	t.Parallel()
	db := MustOpenDB(t)
	ctx := context.Background()
	tx := MustBeginWrite(t, db)

	t.Run("OK", func(t *testing.T) {
		p := &backorder.Product{SKU: "B-1", Name: "Bolt", PriceCents: 99, Currency: "EUR", Status: backorder.StatusPreorder,
			ReleaseDate: "2027-01-15", Policy: backorder.Policy{AcceptBackorders: ptr(false), MaxBackorderPerCustomer: ptr(int64(3)),
				SplitPolicy: backorder.SplitShipComplete}, CreatedAt: t0, UpdatedAt: t0}
		if err := tx.PutProduct(ctx, p); err != nil {
			t.Fatal(err)
		}
		if err := tx.SaveStock(ctx, []backorder.Stock{{SKU: "B-1", OnHand: 10, Allocated: 4, Backordered: 2}}); err != nil {
			t.Fatal(err)
		}
		// Replacing keeps stock and creation time.
		p2 := &backorder.Product{SKU: "B-1", Name: "Bolt 2", PriceCents: 100, Currency: "EUR", Status: backorder.StatusActive,
			CreatedAt: t0.Add(time.Hour), UpdatedAt: t0.Add(time.Hour)}
		if err := tx.PutProduct(ctx, p2); err != nil {
			t.Fatal(err)
		}
		if got, want := p2.Stock, (backorder.Stock{SKU: "B-1", OnHand: 10, Allocated: 4, Backordered: 2}); got != want {
			t.Fatalf("PutProduct Stock=%+v, want %+v", got, want)
		} else if !p2.CreatedAt.Equal(t0) {
			t.Fatalf("CreatedAt=%v, want %v", p2.CreatedAt, t0)
		}
		got, err := tx.Product(ctx, "B-1")
		if err != nil {
			t.Fatal(err)
		}
		want := *p2
		if !reflect.DeepEqual(*got, want) {
			t.Fatalf("Product=%+v, want %+v", *got, want)
		}
		if got.CreatedAt.Location() != time.UTC {
			t.Fatalf("CreatedAt location %v, want UTC", got.CreatedAt.Location())
		}
		if err := tx.PutProduct(ctx, p); err != nil {
			t.Fatal(err)
		}
		got, err = tx.Product(ctx, "B-1")
		if err != nil {
			t.Fatal(err)
		} else if got.ReleaseDate != "2027-01-15" || *got.AcceptBackorders != false || *got.MaxBackorderPerCustomer != 3 ||
			got.BackorderLimit != nil || got.SplitPolicy != backorder.SplitShipComplete || got.PaymentTiming != "" {
			t.Fatalf("Product policy=%+v release=%q", got.Policy, got.ReleaseDate)
		}
	})

	t.Run("ErrNotFound", func(t *testing.T) {
		if _, err := tx.Product(ctx, "nope"); code(err) != backorder.ENOTFOUND {
			t.Fatalf("err=%v, want ENOTFOUND", err)
		}
		if err := tx.SaveStock(ctx, []backorder.Stock{{SKU: "nope", OnHand: 1}}); code(err) != backorder.ENOTFOUND {
			t.Fatalf("SaveStock err=%v, want ENOTFOUND", err)
		}
	})

	t.Run("ListAndProducts", func(t *testing.T) {
		for _, sku := range []string{"a", "B", "c-2", "Z", "b"} {
			MustPutProduct(t, tx, sku, backorder.Stock{OnHand: 1})
		}
		var skus []string
		after := ""
		for {
			ps, err := tx.ListProducts(ctx, backorder.ProductFilter{After: after, Limit: 2, Status: backorder.StatusActive})
			if err != nil {
				t.Fatal(err)
			}
			if len(ps) == 0 {
				break
			}
			for _, p := range ps {
				skus = append(skus, p.SKU)
			}
			after = ps[len(ps)-1].SKU
		}
		// Bytewise order, as in SQLite and Go; B-1 is a pre-order now.
		if got, want := skus, []string{"B", "Z", "a", "b", "c-2"}; !reflect.DeepEqual(got, want) {
			t.Fatalf("ListProducts=%v, want %v", got, want)
		}
		m, err := tx.Products(ctx, []string{"a", "Z", "missing"})
		if err != nil {
			t.Fatal(err)
		} else if len(m) != 2 || m["a"] == nil || m["Z"] == nil {
			t.Fatalf("Products=%v", m)
		}
		all, err := tx.AllStock(ctx)
		if err != nil {
			t.Fatal(err)
		} else if got, want := len(all), 6; got != want {
			t.Fatalf("AllStock len=%d, want %d", got, want)
		}
	})

	t.Run("SaveStockLastWins", func(t *testing.T) {
		if err := tx.SaveStock(ctx, []backorder.Stock{{SKU: "a", OnHand: 5}, {SKU: "b", OnHand: 6}, {SKU: "a", OnHand: 7, Allocated: 7}}); err != nil {
			t.Fatal(err)
		}
		if p, err := tx.Product(ctx, "a"); err != nil {
			t.Fatal(err)
		} else if p.OnHand != 7 || p.Allocated != 7 {
			t.Fatalf("stock=%+v, want on_hand 7 allocated 7", p.Stock)
		}
	})

	t.Run("ErrOversell", func(t *testing.T) {
		// A CHECK constraint refuses allocated > on_hand; the savepoint
		// recovers the transaction.
		if err := tx.Savepoint(ctx, "s"); err != nil {
			t.Fatal(err)
		}
		err := tx.SaveStock(ctx, []backorder.Stock{{SKU: "a", OnHand: 1, Allocated: 2}})
		if err == nil || code(err) != backorder.EINTERNAL {
			t.Fatalf("err=%v, want internal error", err)
		}
		if err := tx.RollbackTo(ctx, "s"); err != nil {
			t.Fatal(err)
		}
		if err := tx.Release(ctx, "s"); err != nil {
			t.Fatal(err)
		}
		if p, err := tx.Product(ctx, "a"); err != nil {
			t.Fatal(err)
		} else if p.OnHand != 7 {
			t.Fatalf("on_hand=%d, want 7", p.OnHand)
		}
	})
}

func TestTx_Order(t *testing.T) {
	t.Parallel()
	db := MustOpenDB(t)
	ctx := context.Background()
	tx := MustBeginWrite(t, db)
	MustPutProduct(t, tx, "X", backorder.Stock{OnHand: 0, Backordered: 0})
	MustPutProduct(t, tx, "Y", backorder.Stock{})

	o1 := MustInsertOrder(t, tx, "O-1", "c1", t0, "X", 2, "Y", 3)
	o2 := MustInsertOrder(t, tx, "O-2", "c2", t0.Add(time.Second), "X", 5)
	o3 := MustInsertOrder(t, tx, "O-3", "c1", t0.Add(2*time.Second), "Y", 1)

	t.Run("SeqAndIDs", func(t *testing.T) {
		if !(o1.Seq > 0 && o2.Seq > o1.Seq && o3.Seq > o2.Seq) {
			t.Fatalf("seqs %d %d %d not increasing", o1.Seq, o2.Seq, o3.Seq)
		}
		if !(o1.Lines[0].ID > 0 && o1.Lines[1].ID > o1.Lines[0].ID && o2.Lines[0].ID > o1.Lines[1].ID) {
			t.Fatalf("line IDs not increasing")
		}
		if o1.Lines[1].OrderID != "O-1" {
			t.Fatalf("OrderID=%q", o1.Lines[1].OrderID)
		}
	})

	t.Run("ErrConflict", func(t *testing.T) {
		// The transaction stays usable after the conflict.
		dup := &backorder.Order{ID: "O-1", Customer: backorder.Customer{ID: "c9"}, Shipping: "standard", SplitPolicy: "ship_available", AcceptedAt: t0,
			Lines: []*backorder.Line{{LineNo: 1, SKU: "X", Quantity: 1, Backordered: 1, Currency: "USD", PaymentTiming: "at_order"}}}
		if err := tx.InsertOrders(ctx, []*backorder.Order{dup}); code(err) != backorder.ECONFLICT {
			t.Fatalf("err=%v, want ECONFLICT", err)
		}
		if _, err := tx.Order(ctx, "O-1"); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("Order", func(t *testing.T) {
		got, err := tx.Order(ctx, "O-1")
		if err != nil {
			t.Fatal(err)
		}
		want := *o1
		if !reflect.DeepEqual(*got, want) {
			t.Fatalf("Order=%+v, want %+v", *got, want)
		}
		if _, err := tx.Order(ctx, "nope"); code(err) != backorder.ENOTFOUND {
			t.Fatalf("err=%v, want ENOTFOUND", err)
		}
	})

	t.Run("ListOrders", func(t *testing.T) {
		ids := func(f backorder.OrderFilter) []string {
			t.Helper()
			os, err := tx.ListOrders(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, o := range os {
				if len(o.Lines) != o.LineCount {
					t.Fatalf("order %s has %d lines, want %d", o.ID, len(o.Lines), o.LineCount)
				}
				out = append(out, o.ID)
			}
			return out
		}
		if got, want := ids(backorder.OrderFilter{}), []string{"O-1", "O-2", "O-3"}; !reflect.DeepEqual(got, want) {
			t.Fatalf("all=%v, want %v", got, want)
		}
		if got, want := ids(backorder.OrderFilter{CustomerID: "c1"}), []string{"O-1", "O-3"}; !reflect.DeepEqual(got, want) {
			t.Fatalf("c1=%v, want %v", got, want)
		}
		if got, want := ids(backorder.OrderFilter{SKU: "X", After: o1.Seq}), []string{"O-2"}; !reflect.DeepEqual(got, want) {
			t.Fatalf("X after O-1=%v, want %v", got, want)
		}
		if got, want := ids(backorder.OrderFilter{Limit: 1}), []string{"O-1"}; !reflect.DeepEqual(got, want) {
			t.Fatalf("limit 1=%v, want %v", got, want)
		}
	})

	t.Run("SetSplitChoice", func(t *testing.T) {
		if err := tx.SetSplitChoice(ctx, "O-2", backorder.SplitShipComplete); err != nil {
			t.Fatal(err)
		}
		if o, err := tx.Order(ctx, "O-2"); err != nil {
			t.Fatal(err)
		} else if o.SplitChoice != backorder.SplitShipComplete {
			t.Fatalf("SplitChoice=%q", o.SplitChoice)
		}
		if err := tx.SetSplitChoice(ctx, "nope", "x"); code(err) != backorder.ENOTFOUND {
			t.Fatalf("err=%v, want ENOTFOUND", err)
		}
	})

	t.Run("WaitingAndSaveLines", func(t *testing.T) {
		q, err := tx.WaitingLines(ctx, backorder.QueueQuery{SKU: "X", Limit: 10})
		if err != nil {
			t.Fatal(err)
		} else if got, want := len(q), 2; got != want {
			t.Fatalf("waiting=%d, want %d", got, want)
		}
		for _, e := range q {
			if e.Line.SKU != "X" || e.Order.ID != e.Line.OrderID || e.Order.Lines != nil {
				t.Fatalf("entry %+v %+v", e.Order, e.Line)
			}
		}
		l := o1.Lines[0]
		l.Backordered, l.Allocated, l.Fulfilling = 0, 2, 1
		if err := tx.SaveLines(ctx, []*backorder.Line{l}); err != nil {
			t.Fatal(err)
		}
		if q, err := tx.WaitingLines(ctx, backorder.QueueQuery{SKU: "X", Limit: 10}); err != nil {
			t.Fatal(err)
		} else if len(q) != 1 || q[0].Order.ID != "O-2" {
			t.Fatalf("waiting after fill=%v", q)
		}
		ls, err := tx.Lines(ctx, []string{"O-1", "O-3", "nope"})
		if err != nil {
			t.Fatal(err)
		} else if len(ls["O-1"]) != 2 || len(ls["O-3"]) != 1 || !reflect.DeepEqual(ls["O-1"][0], l) {
			t.Fatalf("Lines=%v", ls)
		}
		if err := tx.SaveLines(ctx, []*backorder.Line{{ID: 999999, Quantity: 1}}); code(err) != backorder.ENOTFOUND {
			t.Fatalf("err=%v, want ENOTFOUND", err)
		}
		all, err := tx.AllLines(ctx)
		if err != nil {
			t.Fatal(err)
		} else if got, want := len(all), 4; got != want {
			t.Fatalf("AllLines=%d, want %d", got, want)
		}
	})

	t.Run("ErrNotConserved", func(t *testing.T) {
		if err := tx.Savepoint(ctx, "s"); err != nil {
			t.Fatal(err)
		}
		bad := *o2.Lines[0]
		bad.Allocated = 1 // quantity 5 = 1 + 5 breaks conservation
		if err := tx.SaveLines(ctx, []*backorder.Line{&bad}); code(err) != backorder.EINTERNAL {
			t.Fatalf("err=%v, want internal", err)
		}
		if err := tx.RollbackTo(ctx, "s"); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("CustomerBackordered", func(t *testing.T) {
		m, err := tx.CustomerBackordered(ctx, "c1", []string{"X", "Y"})
		if err != nil {
			t.Fatal(err)
		} else if got, want := m, map[string]int64{"Y": 4}; !reflect.DeepEqual(got, want) {
			t.Fatalf("CustomerBackordered=%v, want %v", got, want)
		}
	})
}

func TestTx_Movements(t *testing.T) {
	t.Parallel()
	db := MustOpenDB(t)
	ctx := context.Background()
	tx := MustBeginWrite(t, db)
	ms := []backorder.Movement{
		{At: t0, Kind: backorder.MoveReceipt, SKU: "X", Quantity: 10, Reference: "PO-1"},
		{At: t0, Kind: backorder.MoveAllocate, SKU: "X", Quantity: 3, OrderID: "O-1", LineID: 7, Reason: backorder.ReasonInStock},
		{At: t0, Kind: backorder.MoveAdjustment, SKU: "Y", Quantity: -2, Reason: "damaged"},
	}
	if err := tx.AppendMovements(ctx, ms); err != nil {
		t.Fatal(err)
	}
	if !(ms[0].ID > 0 && ms[1].ID > ms[0].ID && ms[2].ID > ms[1].ID) {
		t.Fatalf("IDs %d %d %d", ms[0].ID, ms[1].ID, ms[2].ID)
	}
	got, err := tx.Movements(ctx, backorder.MovementFilter{})
	if err != nil {
		t.Fatal(err)
	} else if !reflect.DeepEqual(got, ms) {
		t.Fatalf("Movements=%+v, want %+v", got, ms)
	}
	for _, tt := range []struct {
		f    backorder.MovementFilter
		want []backorder.Movement
	}{
		{backorder.MovementFilter{SKU: "X"}, ms[:2]},
		{backorder.MovementFilter{OrderID: "O-1", Kind: backorder.MoveAllocate}, ms[1:2]},
		{backorder.MovementFilter{After: ms[0].ID, Limit: 1}, ms[1:2]},
		{backorder.MovementFilter{Kind: backorder.MoveShip}, nil},
	} {
		if got, err := tx.Movements(ctx, tt.f); err != nil {
			t.Fatal(err)
		} else if !reflect.DeepEqual(got, tt.want) {
			t.Fatalf("Movements(%+v)=%+v, want %+v", tt.f, got, tt.want)
		}
	}

	t.Run("ErrAppendOnly", func(t *testing.T) {
		pool := db.Pool()
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		if _, err := pool.Exec(ctx, `UPDATE movements SET quantity = 0`); err == nil {
			t.Fatal("update of a movement succeeded")
		}
		if _, err := pool.Exec(ctx, `DELETE FROM movements`); err == nil {
			t.Fatal("delete of a movement succeeded")
		}
	})
}

func TestTx_Fulfillments(t *testing.T) {
	t.Parallel()
	db := MustOpenDB(t)
	ctx := context.Background()
	tx := MustBeginWrite(t, db)
	MustPutProduct(t, tx, "X", backorder.Stock{})
	MustPutProduct(t, tx, "Y", backorder.Stock{})
	o := MustInsertOrder(t, tx, "O-1", "c1", t0, "X", 2, "Y", 3)
	lx, ly := o.Lines[0], o.Lines[1]

	fs := []*backorder.Fulfillment{
		{OrderID: "O-1", State: backorder.FulfillmentOpen, CreatedAt: t0,
			Lines: []backorder.FulfillmentLine{{LineID: lx.ID, SKU: "X", Quantity: 2}, {LineID: ly.ID, SKU: "Y", Quantity: 1}}},
		{OrderID: "O-1", State: backorder.FulfillmentOpen, HoldUntil: "2026-12-01", CreatedAt: t0,
			Lines: []backorder.FulfillmentLine{{LineID: ly.ID, SKU: "Y", Quantity: 2}}},
	}
	if err := tx.InsertFulfillments(ctx, fs); err != nil {
		t.Fatal(err)
	}
	if !(fs[0].ID > 0 && fs[1].ID > fs[0].ID) {
		t.Fatalf("IDs %d %d", fs[0].ID, fs[1].ID)
	}

	t.Run("Fulfillment", func(t *testing.T) {
		got, err := tx.Fulfillment(ctx, fs[0].ID)
		if err != nil {
			t.Fatal(err)
		} else if !reflect.DeepEqual(got, fs[0]) {
			t.Fatalf("Fulfillment=%+v, want %+v", got, fs[0])
		}
		if _, err := tx.Fulfillment(ctx, 999999); code(err) != backorder.ENOTFOUND {
			t.Fatalf("err=%v, want ENOTFOUND", err)
		}
	})

	t.Run("OpenRequests", func(t *testing.T) {
		m, err := tx.OpenRequests(ctx)
		if err != nil {
			t.Fatal(err)
		} else if got, want := m, map[int64]int64{lx.ID: 2, ly.ID: 3}; !reflect.DeepEqual(got, want) {
			t.Fatalf("OpenRequests=%v, want %v", got, want)
		}
	})

	t.Run("Save", func(t *testing.T) {
		f := fs[0]
		shipped := t0.Add(time.Hour)
		f.State, f.ShippedAt, f.Carrier, f.Tracking, f.EstimatedDelivery = backorder.FulfillmentShipped, &shipped, "UPS", "1Z", "2026-12-03"
		f.Lines[1].Quantity = 0 // dropped
		f.Lines[0].Quantity = 1
		if err := tx.SaveFulfillment(ctx, f); err != nil {
			t.Fatal(err)
		}
		got, err := tx.Fulfillment(ctx, f.ID)
		if err != nil {
			t.Fatal(err)
		}
		f.Lines = f.Lines[:1]
		if !reflect.DeepEqual(got, f) {
			t.Fatalf("Fulfillment=%+v, want %+v", got, f)
		}
		m, err := tx.OpenRequests(ctx)
		if err != nil {
			t.Fatal(err)
		} else if got, want := m, map[int64]int64{ly.ID: 2}; !reflect.DeepEqual(got, want) {
			t.Fatalf("OpenRequests=%v, want %v", got, want)
		}
		if err := tx.SaveFulfillment(ctx, &backorder.Fulfillment{ID: 999999, State: "open"}); code(err) != backorder.ENOTFOUND {
			t.Fatalf("err=%v, want ENOTFOUND", err)
		}
	})
}

func TestTx_EventsLostDemandIdempotency(t *testing.T) {
	t.Parallel()
	db := MustOpenDB(t)
	ctx := context.Background()
	tx := MustBeginWrite(t, db)

	t.Run("Events", func(t *testing.T) {
		es := []backorder.Event{
			{At: t0, Kind: backorder.EventOrderAccepted, OrderID: "O-1", Payload: json.RawMessage(`{"status":"backordered",  "reason":""}`)},
			{At: t0, Kind: backorder.EventOrderAllocated, SKU: "X"},
		}
		if err := tx.AppendEvents(ctx, es); err != nil {
			t.Fatal(err)
		}
		got, err := tx.Events(ctx, 0, 0)
		if err != nil {
			t.Fatal(err)
		} else if !reflect.DeepEqual(got, es) {
			t.Fatalf("Events=%+v, want %+v (payload kept byte for byte)", got, es)
		}
		if got, err := tx.Events(ctx, es[0].ID, 10); err != nil {
			t.Fatal(err)
		} else if len(got) != 1 || got[0].ID != es[1].ID {
			t.Fatalf("Events after=%+v", got)
		}
	})

	t.Run("LostDemand", func(t *testing.T) {
		ls := []backorder.LostDemand{
			{At: t0, OrderID: "O-9", CustomerID: "c", SKU: "X", Quantity: 2, ValueCents: 500, Currency: "USD", Rule: backorder.RuleDiscontinued},
			{At: t0.Add(time.Hour), OrderID: "O-9", CustomerID: "c", SKU: "Y", Quantity: 1, ValueCents: 10, Currency: "USD", Rule: backorder.RuleOrderRefused},
		}
		if err := tx.InsertLostDemand(ctx, ls); err != nil {
			t.Fatal(err)
		}
		got, err := tx.ListLostDemand(ctx, t0.Add(time.Minute))
		if err != nil {
			t.Fatal(err)
		} else if len(got) != 1 || got[0].ID == 0 {
			t.Fatalf("ListLostDemand=%+v", got)
		}
		got[0].ID = 0
		if !reflect.DeepEqual(got, ls[1:]) {
			t.Fatalf("ListLostDemand=%+v, want %+v", got, ls[1:])
		}
	})

	t.Run("Idempotency", func(t *testing.T) {
		if recs, err := tx.IdempotencyRecords(ctx, []string{"k1"}); err != nil || len(recs) != 0 {
			t.Fatalf("IdempotencyRecords=%v, %v, want none", recs, err)
		}
		r1 := &backorder.IdempotencyRecord{Key: "k1", RequestHash: "h", Result: []byte(`{"id": "O-1"}`), CreatedAt: t0}
		r2 := &backorder.IdempotencyRecord{Key: "k2", RequestHash: "h2", Error: &backorder.Error{Code: backorder.EREFUSED, Message: "No.", Rule: backorder.RuleDiscontinued}, CreatedAt: t0}
		for _, r := range []*backorder.IdempotencyRecord{r1, r2} {
			if err := tx.PutIdempotencyRecords(ctx, []*backorder.IdempotencyRecord{r}); err != nil {
				t.Fatal(err)
			}
			if got, err := tx.IdempotencyRecords(ctx, []string{r.Key}); err != nil {
				t.Fatal(err)
			} else if !reflect.DeepEqual(got[r.Key], r) {
				t.Fatalf("IdempotencyRecord=%+v, want %+v", got, r)
			}
		}
		// A duplicate is ECONFLICT and leaves the transaction usable.
		if err := tx.PutIdempotencyRecords(ctx, []*backorder.IdempotencyRecord{r1}); code(err) != backorder.ECONFLICT {
			t.Fatalf("err=%v, want ECONFLICT", err)
		}
		if recs, err := tx.IdempotencyRecords(ctx, []string{"k1"}); err != nil || recs["k1"] == nil {
			t.Fatalf("IdempotencyRecords=%v, %v, want k1", recs, err)
		}
	})
}

func TestTx_LedgerTotals(t *testing.T) {
	t.Parallel()
	db := MustOpenDB(t)
	ctx := context.Background()
	tx := MustBeginWrite(t, db)
	MustPutProduct(t, tx, "X", backorder.Stock{OnHand: 5, Allocated: 5, Backordered: 2})
	o := MustInsertOrder(t, tx, "O-1", "c", t0, "X", 7)
	l := o.Lines[0]
	l.Allocated, l.Backordered, l.Fulfilling = 5, 2, 5
	if err := tx.SaveLines(ctx, []*backorder.Line{l}); err != nil {
		t.Fatal(err)
	}
	ms := []backorder.Movement{
		{At: t0, Kind: backorder.MoveReceipt, SKU: "X", Quantity: 7},
		{At: t0, Kind: backorder.MoveAdjustment, SKU: "X", Quantity: -2, Reason: "lost"},
		{At: t0, Kind: backorder.MoveAllocate, SKU: "X", Quantity: 3, OrderID: "O-1", LineID: l.ID, Reason: backorder.ReasonInStock},
		{At: t0, Kind: backorder.MoveBackorder, SKU: "X", Quantity: 4, OrderID: "O-1", LineID: l.ID},
		{At: t0, Kind: backorder.MoveAllocate, SKU: "X", Quantity: 2, OrderID: "O-1", LineID: l.ID, Reason: backorder.ReasonFIFO},
	}
	if err := tx.AppendMovements(ctx, ms); err != nil {
		t.Fatal(err)
	}
	if err := tx.InsertFulfillments(ctx, []*backorder.Fulfillment{{OrderID: "O-1", State: "open", CreatedAt: t0,
		Lines: []backorder.FulfillmentLine{{LineID: l.ID, SKU: "X", Quantity: 5}}}}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	rx := MustBeginRead(t, db)
	s, err := rx.LedgerTotals(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := backorder.LedgerTotals{Received: 7, Adjusted: -2, Allocated: 5, Backordered: 4}
	if got := s.SKUTotals["X"]; got != want {
		t.Fatalf("SKUTotals=%+v, want %+v", got, want)
	}
	if got, want := s.LineTotals[l.ID], (backorder.LedgerTotals{Allocated: 5, Backordered: 4}); got != want {
		t.Fatalf("LineTotals=%+v, want %+v", got, want)
	}
	if s.SKUInStock["X"] != 3 || s.LineInStock[l.ID] != 3 || s.OpenRequests[l.ID] != 5 || len(s.Stock) != 1 || len(s.Lines) != 1 {
		t.Fatalf("snapshot %+v", s)
	}
	if v := backorder.CheckSnapshot(s); len(v) != 0 {
		t.Fatalf("violations %+v", v)
	}
}

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

	t.Run("ReadOnly", func(t *testing.T) {
		rx := MustBeginRead(t, db)
		if err := rx.SetMeta(ctx, "k", "v"); err == nil {
			t.Fatal("write in a read transaction succeeded")
		}
	})
}

func TestFormatError(t *testing.T) {
	t.Parallel()
	if err := postgres.FormatError(nil, "op", "x"); err != nil {
		t.Fatal(err)
	}
	app := backorder.Errorf(backorder.EINVALID, "Bad.")
	if err := postgres.FormatError(app, "op", "x"); err != app {
		t.Fatalf("application error changed: %v", err)
	}
	err := postgres.FormatError(fmt.Errorf("boom"), "save", "x")
	if code(err) != backorder.EINTERNAL || err.Error() != "postgres: save: boom" {
		t.Fatalf("err=%v", err)
	}
}
