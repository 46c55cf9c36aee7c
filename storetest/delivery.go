package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/backorder/backorder"
)

// testDeliveries runs the delivery machinery through the service: the
// fan-out of committed events (and of nothing rolled back), claims and
// leases, backoff, dead deliveries and their retry, an endpoint disabled
// after failing for DisableAfter, the periodic update on the clock, and
// claims and fan-outs racing from several services on one store.
func testDeliveries(t *testing.T, open Opener, writers int) {
	t.Run("FanoutAndClaims", func(t *testing.T) { t.Parallel(); testDeliveryFanout(t, open, writers) })
	t.Run("PeriodicUpdate", func(t *testing.T) { t.Parallel(); testDeliveryPeriodic(t, open, writers) })
	t.Run("Racing", func(t *testing.T) { t.Parallel(); testDeliveryRacing(t, open, writers) })
	t.Run("Tx", func(t *testing.T) { t.Parallel(); testDeliveryTx(t, open) })
}

// testDeliveryTx: the store keeps each delivery key and each order's
// scheduled moment once, and round-trips what it is given.
func testDeliveryTx(t *testing.T, open Opener) {
	store := open(t)
	ctx := context.Background()
	at := epoch.Add(time.Hour)
	mustWrite(t, store, func(tx backorder.Tx) {
		if c, err := tx.LockFanoutCursor(ctx); err != nil || c != 0 {
			t.Fatalf("cursor=%d, %v; want 0", c, err)
		}
		if err := tx.SetFanoutCursor(ctx, 42); err != nil {
			t.Fatal(err)
		}
		ds := []*backorder.Delivery{
			{Key: "k1", Channel: backorder.ChannelEmail, EventID: 7, OrderID: "A", Moment: backorder.MomentShipped, Recipient: "a@example.com", Status: backorder.DeliveryPending, NextAt: at, CreatedAt: at},
			{Key: "k2", Channel: backorder.ChannelWebhook, EventID: 7, OrderID: "A", Type: backorder.WebhookOrderShipped, EndpointID: 3, Recipient: "http://x.invalid/", Status: backorder.DeliveryPending, NextAt: at, CreatedAt: at},
		}
		if err := tx.InsertDeliveries(ctx, ds); err != nil || ds[0].ID == 0 || ds[1].ID <= ds[0].ID {
			t.Fatalf("insert: ids %d %d, %v", ds[0].ID, ds[1].ID, err)
		}
		dup := []*backorder.Delivery{{Key: "k1", Channel: backorder.ChannelEmail, Recipient: "b@example.com", Status: backorder.DeliveryPending, NextAt: at, CreatedAt: at}}
		if err := tx.InsertDeliveries(ctx, dup); err != nil || dup[0].ID != 0 {
			t.Fatalf("insert of a stored key: id %d, %v; want skipped", dup[0].ID, err)
		}
		got, err := tx.Delivery(ctx, ds[1].ID)
		if err != nil {
			t.Fatal(err)
		}
		checkEqual(t, "delivery", dump(got), dump(ds[1]))
		got.Status, got.Attempts, got.LastError, got.Code, got.Subject, got.Text, got.HTML = backorder.DeliveryDead, 3, "gone", 410, "s", "t", "h"
		sent := at.Add(time.Minute)
		got.SentAt = &sent
		if err := tx.SaveDelivery(ctx, got); err != nil {
			t.Fatal(err)
		}
		again, err := tx.Delivery(ctx, got.ID)
		if err != nil {
			t.Fatal(err)
		}
		checkEqual(t, "saved delivery", dump(again), dump(got))
		if _, err := tx.Delivery(ctx, 9999); backorder.ErrorCode(err) != backorder.ENOTFOUND {
			t.Fatalf("unknown delivery: %v", err)
		}
		for _, m := range []backorder.ScheduledMessage{
			{OrderID: "A", Moment: backorder.MomentPeriodicUpdate, DueAt: at.Add(2 * time.Hour)},
			{OrderID: "A", Moment: backorder.MomentPeriodicUpdate, DueAt: at}, // kept: A has one
			{OrderID: "B", Moment: backorder.MomentPeriodicUpdate, DueAt: at.Add(time.Hour)},
			{OrderID: "C", Moment: backorder.MomentPeriodicUpdate, DueAt: at.Add(5 * time.Hour)},
		} {
			if err := tx.PutScheduledMessage(ctx, m); err != nil {
				t.Fatal(err)
			}
		}
	})
	mustWrite(t, store, func(tx backorder.Tx) {
		if c, err := tx.LockFanoutCursor(ctx); err != nil || c != 42 {
			t.Fatalf("cursor=%d, %v; want 42", c, err)
		}
		due, err := tx.DueScheduledMessages(ctx, at.Add(3*time.Hour), 10)
		if err != nil {
			t.Fatal(err)
		}
		checkEqual(t, "due", dump(due), dump([]backorder.ScheduledMessage{
			{OrderID: "B", Moment: backorder.MomentPeriodicUpdate, DueAt: at.Add(time.Hour)},
			{OrderID: "A", Moment: backorder.MomentPeriodicUpdate, DueAt: at.Add(2 * time.Hour)},
		}))
		due[0].Seq, due[0].DueAt = 1, at.Add(9*time.Hour)
		if err := tx.SaveScheduledMessage(ctx, due[0]); err != nil {
			t.Fatal(err)
		}
		if err := tx.DeleteScheduledMessage(ctx, "A", backorder.MomentPeriodicUpdate); err != nil {
			t.Fatal(err)
		}
		due, err = tx.DueScheduledMessages(ctx, at.Add(10*time.Hour), 10)
		if err != nil {
			t.Fatal(err)
		}
		checkEqual(t, "due later", dump(due), dump([]backorder.ScheduledMessage{
			{OrderID: "C", Moment: backorder.MomentPeriodicUpdate, DueAt: at.Add(5 * time.Hour)},
			{OrderID: "B", Moment: backorder.MomentPeriodicUpdate, DueAt: at.Add(9 * time.Hour), Seq: 1},
		}))
	})
}

func mustFanout(t *testing.T, svc *backorder.Service) {
	t.Helper()
	for {
		n, err := svc.Fanout(context.Background(), 0)
		if err != nil {
			t.Fatal(err)
		} else if n == 0 {
			return
		}
	}
}

func mustDeliveries(t *testing.T, svc *backorder.Service, f backorder.DeliveryFilter) []*backorder.Delivery {
	t.Helper()
	f.Limit = backorder.MaxPageLimit
	ds, err := svc.Deliveries(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

// what names a delivery: channel, recipient or endpoint, moment or type.
func what(d *backorder.Delivery) string {
	if d.Channel == backorder.ChannelEmail {
		return fmt.Sprintf("email %s %s %s", d.OrderID, d.Recipient, d.Moment)
	}
	return fmt.Sprintf("webhook %s %d %s", d.OrderID, d.EndpointID, d.Type)
}

func testDeliveryFanout(t *testing.T, open Opener, writers int) {
	store := open(t)
	svc, clock := MustService(t, store, writers)
	ctx := context.Background()
	ep, err := svc.CreateWebhookEndpoint(ctx, &backorder.WebhookEndpointRequest{URL: "http://hooks.invalid/in", Events: []string{"order.backordered", "order.shipped"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(ep.Secret) < 20 {
		t.Fatalf("secret=%q", ep.Secret)
	}
	if got, err := svc.WebhookEndpoint(ctx, ep.ID); err != nil || got.Secret != "" || !slices.Equal(got.Events, ep.Events) {
		t.Fatalf("WebhookEndpoint=%+v, %v; want it without its secret", got, err)
	}
	MustProduct(t, svc, "W", 1, backorder.Policy{})
	MustProduct(t, svc, "NO", 0, backorder.Policy{AcceptBackorders: ptr(false)})

	// A change that rolls back writes no event, and so delivers nothing.
	tx := mustBegin(t, store)
	e, err := backorder.NewEvent(clock.Now(), "GHOST", "", &backorder.OrderAcceptedPayload{Lines: []backorder.EventLine{{SKU: "W", Quantity: 1, Backordered: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.AppendEvents(ctx, []backorder.Event{e}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	// A refused order commits nothing either.
	if _, err := svc.PlaceOrder(ctx, orderReq("REFUSED", "c-r", "NO", 1), nil); backorder.ErrorCode(err) != backorder.EREFUSED {
		t.Fatalf("refused order: %v", err)
	}
	MustOrder(t, svc, "A", "W", 3) // 1 from stock, 2 wait
	mustFanout(t, svc)
	mustFanout(t, svc) // the cursor moved: nothing twice

	var got []string
	for _, d := range mustDeliveries(t, svc, backorder.DeliveryFilter{}) {
		got = append(got, what(d))
		if d.Status != backorder.DeliveryPending || d.Attempts != 0 {
			t.Errorf("%s: status=%s attempts=%d, want pending 0", what(d), d.Status, d.Attempts)
		}
	}
	want := []string{"email A cust-A@example.com backorder_confirmation", fmt.Sprintf("webhook A %d order.backordered", ep.ID)}
	checkEqual(t, "deliveries", got, want)

	// Claims: each due delivery once, until its lease lapses.
	claims, err := svc.ClaimDeliveries(ctx, 10, time.Minute)
	if err != nil || len(claims) != 2 {
		t.Fatalf("claim=%d, %v; want 2", len(claims), err)
	}
	for _, c := range claims {
		if c.Order == nil || c.Order.ID != "A" || c.Event == nil || c.Event.Kind != backorder.EventOrderAccepted || c.Delivery.Attempts != 1 {
			t.Fatalf("claim %+v: want order A, its event, attempt 1", c)
		}
		if c.Delivery.Channel == backorder.ChannelWebhook && (c.Endpoint == nil || c.Endpoint.Secret != ep.Secret) {
			t.Fatalf("webhook claim endpoint=%+v, want it with its secret", c.Endpoint)
		}
	}
	if again, err := svc.ClaimDeliveries(ctx, 10, time.Minute); err != nil || len(again) != 0 {
		t.Fatalf("second claim=%d, %v; want 0 while leased", len(again), err)
	}
	clock.Advance(time.Minute)
	retaken, err := svc.ClaimDeliveries(ctx, 10, time.Minute)
	if err != nil || len(retaken) != 2 || retaken[0].Delivery.Attempts != 2 {
		t.Fatalf("claim after the lease=%d, %v; want 2 at attempt 2", len(retaken), err)
	}
	// The lapsed claim's worker finishing late records nothing.
	if err := svc.FinishDelivery(ctx, claims[0], backorder.DeliveryResult{}); err != nil {
		t.Fatal(err)
	}
	email, hook := retaken[0], retaken[1]
	if email.Delivery.Channel != backorder.ChannelEmail {
		email, hook = hook, email
	}
	if d := mustDeliveries(t, svc, backorder.DeliveryFilter{Status: backorder.DeliverySending}); len(d) != 2 {
		t.Fatalf("sending=%d, want 2: a lapsed claim finished", len(d))
	}
	if err := svc.FinishDelivery(ctx, email, backorder.DeliveryResult{Kept: true, Subject: "S", Text: "T 2026-02-20", HTML: "<p>H</p>"}); err != nil {
		t.Fatal(err)
	}
	msgs, err := svc.OrderMessages(ctx, "A", 0, 10)
	if err != nil || len(msgs) != 1 || msgs[0].Status != backorder.DeliveryKept || msgs[0].Subject != "S" || msgs[0].Text != "T 2026-02-20" ||
		msgs[0].HTML != "<p>H</p>" || msgs[0].SentAt == nil {
		t.Fatalf("messages of A=%s, %v", dump(msgs), err)
	}
	if _, err := svc.OrderMessages(ctx, "NOPE", 0, 10); backorder.ErrorCode(err) != backorder.ENOTFOUND {
		t.Fatalf("messages of an unknown order: %v", err)
	}

	// The webhook fails every try: backoff, the endpoint disabled after
	// DisableAfter, the delivery dead after the last try.
	start := clock.Now()
	c := hook
	for {
		if err := svc.FinishDelivery(ctx, c, backorder.DeliveryResult{Err: errors.New("503 from endpoint"), Code: 503}); err != nil {
			t.Fatal(err)
		}
		d, _ := svc.Deliveries(ctx, backorder.DeliveryFilter{Channel: backorder.ChannelWebhook})
		if d[0].Status == backorder.DeliveryDead {
			break
		}
		if wantNext := clock.Now().Add(backorder.RetryDelay(c.Delivery.Attempts)); !d[0].NextAt.Equal(wantNext) {
			t.Fatalf("attempt %d: next_at=%v, want %v", c.Delivery.Attempts, d[0].NextAt, wantNext)
		}
		if early, _ := svc.ClaimDeliveries(ctx, 10, time.Minute); len(early) != 0 {
			t.Fatalf("attempt %d: claimed before its backoff ended", c.Delivery.Attempts)
		}
		clock.Advance(backorder.RetryDelay(c.Delivery.Attempts))
		cs, err := svc.ClaimDeliveries(ctx, 10, time.Minute)
		if err != nil || len(cs) != 1 {
			t.Fatalf("claim after backoff=%d, %v", len(cs), err)
		}
		c = cs[0]
	}
	if c.Delivery.Attempts != backorder.MaxDeliveryAttempts || clock.Now().Sub(start) < 72*time.Hour {
		t.Fatalf("dead after %d attempts and %v; want %d attempts and 3 days", c.Delivery.Attempts, clock.Now().Sub(start), backorder.MaxDeliveryAttempts)
	}
	dead := mustDeliveries(t, svc, backorder.DeliveryFilter{Status: backorder.DeliveryDead})
	if len(dead) != 1 || dead[0].LastError != "503 from endpoint" || dead[0].Code != 503 {
		t.Fatalf("dead=%s", dump(dead))
	}
	got2, err := svc.WebhookEndpoint(ctx, ep.ID)
	if err != nil || got2.Status != backorder.EndpointDisabled || got2.DisabledAt == nil || got2.DisabledReason == "" || got2.FailingSince == nil {
		t.Fatalf("endpoint after 3 days of failures=%+v, %v; want disabled with a reason", got2, err)
	}
	// Disabled: new events are not posted to it.
	MustOrder(t, svc, "B", "W", 1)
	mustFanout(t, svc)
	if ds := mustDeliveries(t, svc, backorder.DeliveryFilter{Channel: backorder.ChannelWebhook}); len(ds) != 1 {
		t.Fatalf("webhook deliveries=%d after disabling, want 1", len(ds))
	}
	// Retry: pending again, due now, the endpoint enabled again.
	if _, err := svc.RetryDelivery(ctx, dead[0].ID+1000, nil); backorder.ErrorCode(err) != backorder.ENOTFOUND {
		t.Fatalf("retry unknown: %v", err)
	}
	if _, err := svc.RetryDelivery(ctx, msgs[0].ID, nil); backorder.ErrorCode(err) != backorder.ECONFLICT {
		t.Fatalf("retry a kept delivery: %v", err)
	}
	r, err := svc.RetryDelivery(ctx, dead[0].ID, nil)
	if err != nil || r.Status != backorder.DeliveryPending || r.Attempts != 0 || !r.NextAt.Equal(clock.Now()) {
		t.Fatalf("retry=%+v, %v", r, err)
	}
	if got3, _ := svc.WebhookEndpoint(ctx, ep.ID); got3.Status != backorder.EndpointEnabled || got3.FailingSince != nil {
		t.Fatalf("endpoint after retry=%+v, want enabled", got3)
	}
	cs, err := svc.ClaimDeliveries(ctx, 10, time.Minute)
	if err != nil || len(cs) != 2 { // the retried webhook and B's confirmation
		t.Fatalf("claim after retry=%d, %v", len(cs), err)
	}
	log, err := svc.EndpointDeliveries(ctx, ep.ID, 0, 10)
	if err != nil || len(log) != 1 || log[0].ID != dead[0].ID {
		t.Fatalf("endpoint log=%s, %v", dump(log), err)
	}
	if err := svc.DeleteWebhookEndpoint(ctx, ep.ID); err != nil {
		t.Fatal(err)
	}
	if err := svc.DeleteWebhookEndpoint(ctx, ep.ID); backorder.ErrorCode(err) != backorder.ENOTFOUND {
		t.Fatalf("delete twice: %v", err)
	}
	if _, err := svc.Deliveries(ctx, backorder.DeliveryFilter{Status: "lost"}); backorder.ErrorCode(err) != backorder.EINVALID {
		t.Fatalf("unknown status: %v", err)
	}
}

// testDeliveryPeriodic: the day-7 update of a waiting order and its
// repeats are rows that follow the clock, and stop once the order no
// longer waits; the settings choose the interval and the moments.
func testDeliveryPeriodic(t *testing.T, open Opener, writers int) {
	svc, clock := MustService(t, open(t), writers)
	ctx := context.Background()
	set, err := svc.Settings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	set.Notifications.UpdateEveryDays = 5
	set.Notifications.EmailMoments = slices.DeleteFunc(set.Notifications.EmailMoments, func(m string) bool { return m == backorder.MomentStockArrived })
	if _, err := svc.PutSettings(ctx, set); err != nil {
		t.Fatal(err)
	}
	MustProduct(t, svc, "W", 0, backorder.Policy{})
	MustOrder(t, svc, "A", "W", 2)
	MustOrder(t, svc, "B", "W", 1)
	mustFanout(t, svc)
	updates := func() []string {
		t.Helper()
		for {
			n, err := svc.RunScheduled(ctx, 1)
			if err != nil {
				t.Fatal(err)
			} else if n == 0 {
				break
			}
		}
		var out []string
		for _, d := range mustDeliveries(t, svc, backorder.DeliveryFilter{Channel: backorder.ChannelEmail}) {
			if d.Moment == backorder.MomentPeriodicUpdate {
				out = append(out, d.OrderID)
			}
		}
		return out
	}
	clock.Advance(5*24*time.Hour - time.Second)
	checkEqual(t, "updates before day 5", updates(), []string(nil))
	clock.Advance(time.Second)
	checkEqual(t, "updates on day 5", updates(), []string{"A", "B"})
	checkEqual(t, "updates on day 5, run again", updates(), []string{"A", "B"})
	// A (first in line) is filled: it no longer waits, and its updates stop.
	if _, err := svc.Receive(ctx, &backorder.ReceiptRequest{SKU: "W", Quantity: 2}, nil); err != nil {
		t.Fatal(err)
	}
	mustFanout(t, svc)
	clock.Advance(5 * 24 * time.Hour)
	checkEqual(t, "updates on day 10", updates(), []string{"A", "B", "B"})
	// A jump of a month sends one update, not six.
	clock.Advance(30 * 24 * time.Hour)
	checkEqual(t, "updates after a month", updates(), []string{"A", "B", "B", "B"})
	// stock_arrived is not a moment that emails here.
	for _, d := range mustDeliveries(t, svc, backorder.DeliveryFilter{}) {
		if d.Moment == backorder.MomentStockArrived {
			t.Fatalf("stock_arrived emailed though switched off: %+v", d)
		}
	}
}

// testDeliveryRacing: three services on one store fan out and claim at
// once; every event is fanned out once and every delivery claimed once.
func testDeliveryRacing(t *testing.T, open Opener, writers int) {
	store := open(t)
	var svcs []*backorder.Service
	for range 3 {
		svc, _ := MustService(t, store, writers)
		svcs = append(svcs, svc)
	}
	ctx := context.Background()
	MustProduct(t, svcs[0], "W", 0, backorder.Policy{})
	if _, err := svcs[0].CreateWebhookEndpoint(ctx, &backorder.WebhookEndpointRequest{URL: "http://hooks.invalid/a", Events: []string{"*"}}, nil); err != nil {
		t.Fatal(err)
	}
	const orders = 40
	for i := range orders {
		MustOrder(t, svcs[i%3], fmt.Sprintf("O%02d", i), "W", 1)
	}
	var mu sync.Mutex
	claimed := map[int64]int{}
	var wg sync.WaitGroup
	errs := make(chan error, 6)
	for i := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			svc := svcs[i%3]
			for {
				if _, err := svc.Fanout(ctx, 7); err != nil {
					errs <- err
					return
				}
				cs, err := svc.ClaimDeliveries(ctx, 5, time.Hour)
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				for _, c := range cs {
					claimed[c.Delivery.ID]++
				}
				n := len(claimed)
				mu.Unlock()
				for _, c := range cs {
					if err := svc.FinishDelivery(ctx, c, backorder.DeliveryResult{}); err != nil {
						errs <- err
						return
					}
				}
				if n == orders*3 && len(cs) == 0 {
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	// Each order: its confirmation, order.accepted and order.backordered.
	ds := mustDeliveries(t, svcs[0], backorder.DeliveryFilter{})
	if len(ds) != orders*3 {
		t.Fatalf("deliveries=%d, want %d", len(ds), orders*3)
	}
	for _, d := range ds {
		if claimed[d.ID] != 1 || d.Status != backorder.DeliverySent {
			t.Errorf("delivery %d (%s): claimed %d times, status %s", d.ID, what(d), claimed[d.ID], d.Status)
		}
	}
}
