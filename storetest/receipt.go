package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/backorder/backorder"
)

// testLargeReceipt: a receipt that fills more lines than a reply lists
// answers with totals and the first allocations, keyed or not; every
// allocation is listed, page by page, from the history under the receipt.
func testLargeReceipt(t *testing.T, open Opener, writers int) {
	svc, clock := MustService(t, open(t), writers)
	ctx := context.Background()
	MustProduct(t, svc, "BIG", 0, backorder.Policy{})
	const n = 130
	for i := range n {
		MustOrder(t, svc, fmt.Sprintf("B%03d", i), "BIG", 1)
		clock.Advance(time.Minute)
	}
	idem := &backorder.Idempotency{Key: "big-receipt", Hash: "h1"}
	r, err := svc.Receive(ctx, &backorder.ReceiptRequest{SKU: "BIG", Quantity: n - 5}, idem)
	if err != nil {
		t.Fatal(err)
	}
	if r.UnitsAllocated != n-5 || r.LinesFilled != n-5 || r.OrdersFilled != n-5 || r.FulfillmentsCreated != n-5 {
		t.Fatalf("totals: units=%d lines=%d orders=%d requests=%d, want %d each", r.UnitsAllocated, r.LinesFilled, r.OrdersFilled, r.FulfillmentsCreated, n-5)
	} else if len(r.Allocations) != 100 || len(r.Fulfillments) != 100 {
		t.Fatalf("reply lists %d allocations and %d requests, want the first 100 of each", len(r.Allocations), len(r.Fulfillments))
	} else if r.Allocations[0].OrderID != "B000" || r.Allocations[99].OrderID != "B099" {
		t.Fatalf("reply lists %s..%s, want B000..B099 (fill order)", r.Allocations[0].OrderID, r.Allocations[99].OrderID)
	} else if r.Backordered != 5 || r.Available != 0 {
		t.Fatalf("stock after=%+v", r)
	}
	// The replay answers the same small reply.
	again, err := svc.Receive(ctx, &backorder.ReceiptRequest{SKU: "BIG", Quantity: n - 5}, idem)
	if err != nil {
		t.Fatal(err)
	} else if !idem.Replayed || again.UnitsAllocated != r.UnitsAllocated || len(again.Allocations) != 100 {
		t.Fatalf("replay=%v units=%d listed=%d", idem.Replayed, again.UnitsAllocated, len(again.Allocations))
	}

	// Every allocation, from the history, 40 at a time.
	var got []string
	var after int64
	for range 10 {
		ms, err := svc.Allocations(ctx, r.Movement.ID, after, 40)
		if err != nil {
			t.Fatal(err)
		}
		if len(ms) == 0 {
			break
		}
		for _, m := range ms {
			if m.Kind != backorder.MoveAllocate || m.CauseID != r.Movement.ID || m.SKU != "BIG" {
				t.Fatalf("movement=%+v, want an allocation caused by %d", m, r.Movement.ID)
			}
			got = append(got, m.OrderID)
		}
		after = ms[len(ms)-1].ID
	}
	if len(got) != n-5 || got[0] != "B000" || got[n-6] != fmt.Sprintf("B%03d", n-6) {
		t.Fatalf("allocations listed=%d (%v...), want %d in fill order", len(got), got[:min(3, len(got))], n-5)
	}
	if _, err := svc.Allocations(ctx, r.Movement.ID+1_000_000, 0, 10); backorder.ErrorCode(err) != backorder.ENOTFOUND {
		t.Fatalf("unknown receipt: err=%v, want not found", err)
	}
	MustCheck(t, svc)
	MustFair(t, svc, nil)
}

// testQueuePages: the queue listed a page at a time gives every waiting line
// once, in fill order, with positions that run on across pages and across
// priority classes.
func testQueuePages(t *testing.T, open Opener, writers int) {
	svc, clock := MustService(t, open(t), writers)
	ctx := context.Background()
	s := backorder.DefaultSettings()
	s.Priority.VIP = backorder.PriorityRule{Enabled: true, Weight: 10}
	if _, err := svc.PutSettings(ctx, &s); err != nil {
		t.Fatal(err)
	}
	MustProduct(t, svc, "Q", 0, backorder.Policy{})
	var want []string
	var vips []string
	for i := range 11 {
		req := orderReq(fmt.Sprintf("Q%02d", i), fmt.Sprintf("c%d", i), "Q", 1)
		if req.Customer.VIP = i%4 == 3; req.Customer.VIP {
			vips = append(vips, req.ID)
		} else {
			want = append(want, req.ID)
		}
		if _, err := svc.PlaceOrder(ctx, req, nil); err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Minute)
	}
	want = append(vips, want...) // VIPs first, each class in FIFO order
	for _, size := range []int{1, 2, 4, 20} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			var got []string
			after := ""
			for range 20 {
				page, err := svc.Queue(ctx, backorder.QueueFilter{SKU: "Q", After: after, Limit: size})
				if err != nil {
					t.Fatal(err)
				}
				for _, p := range page {
					if p.Position != len(got)+1 {
						t.Fatalf("%s at position %d, want %d", p.OrderID, p.Position, len(got)+1)
					}
					got = append(got, p.OrderID)
				}
				if len(page) < size {
					break
				}
				after = page[len(page)-1].Cursor()
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("queue=%v, want %v", got, want)
			}
		})
	}
	if _, err := svc.Queue(ctx, backorder.QueueFilter{SKU: "Q", After: "nonsense"}); backorder.ErrorCode(err) != backorder.EINVALID {
		t.Fatalf("bad cursor: err=%v, want invalid", err)
	}
}
