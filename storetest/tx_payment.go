package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/backorder/backorder"
)

// testTxPayments: the payment ledger's round trip in ID order per order,
// references unique within an order, the authorization dates the sweep
// reads, and the hold reasons and split links of fulfillments.
func testTxPayments(t *testing.T, open func(t *testing.T) backorder.Store) {
	ctx := context.Background()
	s := open(t)
	pay := func(order, kind, status, ref string, amount, fid int64) backorder.Payment {
		return backorder.Payment{OrderID: order, At: t0, Kind: kind, Status: status, Timing: backorder.PaymentAtShip, Amount: amount, Currency: "USD", FulfillmentID: fid, Reference: ref}
	}
	ps := []backorder.Payment{
		pay("A", "authorization", "requested", "", 500, 0),
		pay("B", "capture", "requested", "", 100, 7),
		pay("A", "capture", "failed", "ch_1", 200, 3),
	}
	mustWrite(t, s, func(tx backorder.Tx) {
		if err := tx.InsertPayments(ctx, ps[:1]); err != nil {
			t.Fatal(err)
		}
		if err := tx.InsertPayments(ctx, ps[1:]); err != nil {
			t.Fatal(err)
		}
	})
	if ps[0].ID <= 0 || ps[1].ID <= ps[0].ID || ps[2].ID <= ps[1].ID {
		t.Fatalf("IDs=%d %d %d, want increasing", ps[0].ID, ps[1].ID, ps[2].ID)
	}
	tx := mustRead(t, s)
	got, err := tx.Payments(ctx, "A")
	if err != nil {
		t.Fatal(err)
	} else if len(got) != 2 || got[0] != withAt(ps[0], got[0].At) || got[1] != withAt(ps[2], got[1].At) {
		t.Fatalf("Payments(A)=%+v, want %+v", got, []backorder.Payment{ps[0], ps[2]})
	}
	checkTime(t, "At", got[0].At, t0)
	if all, err := tx.AllPayments(ctx); err != nil || len(all) != 3 || all[1].OrderID != "B" || all[1].FulfillmentID != 7 {
		t.Fatalf("AllPayments=%+v, %v", all, err)
	}
	if none, err := tx.Payments(ctx, "Z"); err != nil || len(none) != 0 {
		t.Fatalf("Payments(Z)=%+v, %v", none, err)
	}
	// A reference is unique within its order.
	tw := mustBegin(t, s)
	if err := tw.InsertPayments(ctx, []backorder.Payment{pay("A", "capture", "succeeded", "ch_1", 200, 0)}); backorder.ErrorCode(err) != backorder.ECONFLICT {
		t.Fatalf("same reference twice: err=%v, want conflict", err)
	}
	_ = tw.Rollback()
	mustWrite(t, s, func(tx backorder.Tx) {
		if err := tx.InsertPayments(ctx, []backorder.Payment{pay("B", "capture", "succeeded", "ch_1", 200, 0)}); err != nil {
			t.Fatalf("a reference of another order: %v", err)
		}
	})

	// Authorization dates, oldest first, and cleared.
	mustWrite(t, s, func(tx backorder.Tx) {
		for i, id := range []string{"C", "A", "B"} {
			if err := tx.SetAuthorizedAt(ctx, id, t0.Add(time.Duration(i)*time.Hour)); err != nil {
				t.Fatal(err)
			}
		}
		if err := tx.SetAuthorizedAt(ctx, "C", t0.Add(5*time.Hour)); err != nil { // moved
			t.Fatal(err)
		}
		if err := tx.SetAuthorizedAt(ctx, "B", time.Time{}); err != nil { // cleared
			t.Fatal(err)
		}
		if err := tx.SetAuthorizedAt(ctx, "Z", time.Time{}); err != nil { // clearing nothing
			t.Fatal(err)
		}
	})
	tx = mustRead(t, s)
	for _, tt := range []struct {
		through time.Duration
		limit   int
		want    string
	}{
		{10 * time.Hour, 10, "[A C]"},
		{10 * time.Hour, 1, "[A]"},
		{2 * time.Hour, 10, "[A]"},
		{time.Hour, 10, "[A]"}, // at the instant counts
		{time.Hour - time.Microsecond, 10, "[]"},
	} {
		ids, err := tx.AuthorizedThrough(ctx, t0.Add(tt.through), tt.limit)
		if err != nil {
			t.Fatal(err)
		} else if fmt.Sprint(ids) != tt.want {
			t.Fatalf("AuthorizedThrough(t0+%s, %d)=%v, want %s", tt.through, tt.limit, ids, tt.want)
		}
	}

	// Hold reasons and split links.
	fs := []*backorder.Fulfillment{
		{OrderID: "A", State: backorder.FulfillmentOpen, CreatedAt: t0, Lines: []backorder.FulfillmentLine{{LineID: 1, SKU: "X", Quantity: 2}}},
		{OrderID: "A", State: backorder.FulfillmentOpen, CreatedAt: t0, Lines: []backorder.FulfillmentLine{{LineID: 1, SKU: "X", Quantity: 1}}},
	}
	mustWrite(t, s, func(tx backorder.Tx) {
		if err := tx.InsertFulfillments(ctx, fs); err != nil {
			t.Fatal(err)
		}
		fs[0].HoldReason = backorder.HoldPaymentFailed
		if err := tx.SaveHoldReasons(ctx, fs[:1]); err != nil {
			t.Fatal(err)
		}
		if err := tx.LinkSplit(ctx, fs[1].ID, fs[0].ID); err != nil {
			t.Fatal(err)
		}
	})
	tx = mustRead(t, s)
	f0, err := tx.Fulfillment(ctx, fs[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	f1, err := tx.Fulfillment(ctx, fs[1].ID)
	if err != nil {
		t.Fatal(err)
	}
	if f0.HoldReason != backorder.HoldPaymentFailed || f0.SplitFrom != 0 || f1.HoldReason != "" || f1.SplitFrom != f0.ID {
		t.Fatalf("fulfillments=%+v %+v", f0, f1)
	}
	today := t0.Format(backorder.DateLayout)
	ready, err := tx.ListFulfillments(ctx, backorder.FulfillmentQuery{State: backorder.FulfillmentOpen, HeldThrough: today, Limit: 10})
	if err != nil || len(ready) != 1 || ready[0].ID != f1.ID {
		t.Fatalf("ready=%+v, %v: want only the request without a hold reason", ready, err)
	}
	held, err := tx.ListFulfillments(ctx, backorder.FulfillmentQuery{State: backorder.FulfillmentOpen, HeldAfter: today, Limit: 10})
	if err != nil || len(held) != 1 || held[0].ID != f0.ID {
		t.Fatalf("held=%+v, %v: want the request with a hold reason", held, err)
	}
	mustWrite(t, s, func(tx backorder.Tx) {
		f0.HoldReason = ""
		if err := tx.SaveHoldReasons(ctx, []*backorder.Fulfillment{f0}); err != nil {
			t.Fatal(err)
		}
	})
	if f, _ := mustRead(t, s).Fulfillment(ctx, f0.ID); f.HoldReason != "" {
		t.Fatalf("hold reason after clearing=%q", f.HoldReason)
	}
	tw = mustBegin(t, s)
	if err := tw.SaveHoldReasons(ctx, []*backorder.Fulfillment{{ID: 999999, HoldReason: "x"}}); backorder.ErrorCode(err) != backorder.ENOTFOUND {
		t.Fatalf("SaveHoldReasons of an unknown request: err=%v", err)
	}
	if err := tw.LinkSplit(ctx, 999999, f0.ID); backorder.ErrorCode(err) != backorder.ENOTFOUND {
		t.Fatalf("LinkSplit of an unknown request: err=%v", err)
	}
}

// withAt is p read back at another instant (the store's precision).
func withAt(p backorder.Payment, at time.Time) backorder.Payment {
	p.At = at
	return p
}
