package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/backorder/backorder"
)

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
	got, err := tx.ListLostDemand(ctx, backorder.LostDemandFilter{Since: t0.Add(time.Hour), Limit: 10})
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
	if all, err := tx.ListLostDemand(ctx, backorder.LostDemandFilter{Limit: 10}); err != nil {
		t.Fatal(err)
	} else if len(all) != 3 {
		t.Fatalf("ListLostDemand(zero) has %d, want 3", len(all))
	}
	if none, err := tx.ListLostDemand(ctx, backorder.LostDemandFilter{Since: t0.Add(3 * time.Hour), Limit: 10}); err != nil {
		t.Fatal(err)
	} else if len(none) != 0 {
		t.Fatalf("ListLostDemand(later) has %d, want 0", len(none))
	}
	// Paged in ID order: two, then the one after the cursor.
	first, err := tx.ListLostDemand(ctx, backorder.LostDemandFilter{Limit: 2})
	if err != nil {
		t.Fatal(err)
	} else if len(first) != 2 || first[0].OrderID != "ORD-1" || first[1].SKU != "B" || first[0].ID >= first[1].ID {
		t.Fatalf("first page=%s, want ORD-1 then ORD-2/B", dump(first))
	}
	rest, err := tx.ListLostDemand(ctx, backorder.LostDemandFilter{After: first[1].ID, Limit: 2})
	if err != nil {
		t.Fatal(err)
	} else if len(rest) != 1 || rest[0].SKU != "C" {
		t.Fatalf("second page=%s, want ORD-2/C", dump(rest))
	}
}

func testTxEvents(t *testing.T, open func(t *testing.T) backorder.Store) {
	ctx := context.Background()
	// samePayload compares JSON byte for byte: a store keeps the payload as
	// written, spacing and escapes included.
	samePayload := func(t *testing.T, got, want json.RawMessage) {
		t.Helper()
		if len(want) == 0 {
			if len(got) != 0 && string(got) != "null" {
				t.Fatalf("Payload=%s, want none", got)
			}
			return
		}
		if string(got) != string(want) {
			t.Fatalf("Payload=%s, want %s", got, want)
		}
	}
	t.Run("OK", func(t *testing.T) {
		s := open(t)
		es := []backorder.Event{
			{At: t0, Kind: backorder.EventOrderAccepted, OrderID: "ORD-1", SKU: "A", Payload: json.RawMessage(`{"status":"backordered","eta":"2026-12-24"}`)},
			{At: t0.Add(time.Second), Kind: backorder.EventOrderSplitChosen, OrderID: "ORD-1"},
			{At: t0.Add(2 * time.Second), Kind: backorder.EventOrderAllocated, SKU: "B", Payload: json.RawMessage(`{"n": [1, 2,3],  "s":"caf\u00e9 \"quoted\"", "a":""}`)},
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
	// Events commit in ID order: a second writer's AppendEvents waits for
	// the first writer to commit, so a reader that has seen an ID never sees
	// a smaller one appear later.
	t.Run("CommitInIDOrder", func(t *testing.T) {
		s := open(t)
		tx1 := mustBegin(t, s)
		if err := tx1.AppendEvents(ctx, []backorder.Event{{At: t0, Kind: backorder.EventOrderAccepted, OrderID: "ORD-1"}}); err != nil {
			t.Fatal(err)
		}
		mustWaitFor(t, s, tx1, "the second writer's AppendEvents", func(tx2 backorder.Tx, committed func() bool) error {
			if err := tx2.AppendEvents(ctx, []backorder.Event{{At: t0, Kind: backorder.EventOrderAccepted, OrderID: "ORD-2"}}); err != nil {
				return err
			}
			if !committed() {
				return errors.New("the second writer appended events before the first committed")
			}
			return nil
		})
		es, err := mustRead(t, s).Events(ctx, 0, 0)
		if err != nil {
			t.Fatal(err)
		} else if len(es) != 2 || es[0].OrderID != "ORD-1" || es[1].OrderID != "ORD-2" {
			t.Fatalf("Events=%s, want ORD-1's then ORD-2's", dump(es))
		}
	})
	t.Run("Limits", func(t *testing.T) {
		s := open(t)
		mustWrite(t, s, func(tx backorder.Tx) {
			es := make([]backorder.Event, backorder.MaxPageLimit+2)
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
		} else if want := backorder.PageLimit(5000); len(got) != want {
			t.Fatalf("capped limit: len=%d, want %d (the page rule)", len(got), want)
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
		// The transaction stays usable: the caller rolls back to its
		// savepoint and goes on.
		if got, err := tx.IdempotencyRecords(ctx, []string{"key-1"}); err != nil {
			t.Fatalf("IdempotencyRecords after the conflict: %v", err)
		} else if got["key-1"] == nil || got["key-1"].RequestHash != "h1" {
			t.Fatalf("IdempotencyRecords=%s, want the first record", dump(got))
		}
	})
	t.Run("ErrConflictWithin", func(t *testing.T) {
		tx := mustBegin(t, open(t))
		a := &backorder.IdempotencyRecord{Key: "key-1", RequestHash: "h1", CreatedAt: t0}
		b := &backorder.IdempotencyRecord{Key: "key-1", RequestHash: "h2", CreatedAt: t0}
		checkCode(t, tx.PutIdempotencyRecords(ctx, []*backorder.IdempotencyRecord{a, b}), backorder.ECONFLICT)
	})
}
