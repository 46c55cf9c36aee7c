package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/backorder/backorder"
)

// testAuditTrail places and cancels orders concurrently, each as one of
// several actors, some of them refused: the audit log ends with exactly one
// entry per change that committed, recorded as its actor's, and none for a
// refusal, a replay or a write without an actor.
func testAuditTrail(t *testing.T, open Opener, writers int) {
	svc, _ := MustService(t, open(t), writers)
	bg := context.Background()
	MustProduct(t, svc, "HOT", 5, backorder.Policy{BackorderLimit: ptr(int64(20))})
	actors := []backorder.Actor{
		{Kind: backorder.ActorAPIKey, ID: "key_shop", Name: "Shop"},
		{Kind: backorder.ActorUser, ID: "ops@example.com", Name: "Ops"},
	}
	const n = 40
	var mu sync.Mutex
	placed := map[string]string{} // order ID → actor ID, for each accepted order
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			a := actors[i%len(actors)]
			a.Action, a.Path = "POST /v1/orders", "/v1/orders"
			ctx := backorder.WithActor(bg, a)
			id := fmt.Sprintf("O-%02d", i)
			idem := &backorder.Idempotency{Key: "k-" + id, Hash: "h-" + id}
			o, err := svc.PlaceOrder(ctx, orderReq(id, "cust-"+id, "HOT", 1), idem)
			if err != nil {
				if backorder.ErrorCode(err) != backorder.EREFUSED {
					t.Errorf("order %s: %v", id, err)
				}
				return
			}
			// The same key again is a replay: no second change.
			if _, err := svc.PlaceOrder(ctx, orderReq(id, "cust-"+id, "HOT", 1), &backorder.Idempotency{Key: "k-" + id, Hash: "h-" + id}); err != nil {
				t.Errorf("replay %s: %v", id, err)
			}
			mu.Lock()
			placed[o.ID] = a.ID
			mu.Unlock()
		})
	}
	wg.Wait()
	if got, want := len(placed), 25; got != want { // 5 from stock, 20 up to the backorder limit
		t.Fatalf("accepted %d orders, want %d", got, want)
	}
	// A cancel with an actor is a change; one without an actor is not recorded.
	cancelled := 0
	for id, actorID := range placed {
		a := actors[0]
		if actorID != a.ID {
			a = actors[1]
		}
		a.Action, a.Path = "POST /v1/orders/{id}/cancel", "/v1/orders/"+id+"/cancel"
		ctx := backorder.WithActor(bg, a)
		if cancelled%2 == 1 {
			ctx = bg
		}
		if _, err := svc.CancelOrder(ctx, id, &backorder.CancelRequest{Reason: "test"}, nil); err != nil {
			t.Fatal(err)
		}
		cancelled++
		if cancelled == 6 {
			break
		}
	}
	if _, err := svc.CancelOrder(backorder.WithActor(bg, actors[0]), "nope", &backorder.CancelRequest{Reason: "x"}, nil); backorder.ErrorCode(err) != backorder.ENOTFOUND {
		t.Fatalf("cancel of an unknown order: %v", err)
	}

	var entries []backorder.AuditEntry
	f := backorder.AuditFilter{Limit: 7}
	for {
		page, err := svc.AuditLog(bg, f)
		if err != nil {
			t.Fatal(err)
		} else if len(page) == 0 {
			break
		}
		entries = append(entries, page...)
		f.Before = page[len(page)-1].ID
	}
	orders, cancels := map[string]int{}, 0
	for i, e := range entries {
		if i > 0 && e.ID >= entries[i-1].ID {
			t.Fatalf("entries not newest first: %d after %d", e.ID, entries[i-1].ID)
		}
		switch e.Action {
		case "POST /v1/orders":
			orders[e.Subject]++
			if want := placed[e.Subject]; e.Actor.ID != want {
				t.Errorf("order %s recorded as %q's, placed by %q", e.Subject, e.Actor.ID, want)
			}
			if e.IdempotencyKey != "k-"+e.Subject {
				t.Errorf("order %s: idempotency key %q", e.Subject, e.IdempotencyKey)
			}
		case "POST /v1/orders/{id}/cancel":
			cancels++
		default:
			t.Errorf("unexpected entry %s", dump(e))
		}
	}
	for id := range placed {
		if orders[id] != 1 {
			t.Errorf("order %s has %d entries, want 1", id, orders[id])
		}
	}
	if len(orders) != len(placed) || cancels != 3 {
		t.Fatalf("entries for %d orders and %d cancels, want %d and 3 (refusals, replays and actorless writes unrecorded)", len(orders), cancels, len(placed))
	}
	MustCheck(t, svc)
}
