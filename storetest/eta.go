package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/backorder/backorder"
)

// testQueueETA: the queue shows each waiting line's promise date from the
// SKU's open purchase orders, earliest first, then from the supplier's lead
// time; a page goes on from the units waiting before it.
func testQueueETA(t *testing.T, open Opener, writers int) {
	svc, clock := MustService(t, open(t), writers)
	ctx := context.Background()
	if _, _, err := svc.PutSupplier(ctx, &backorder.SupplierInput{ID: "ACME", Name: "Acme", LeadTimeDays: 30}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.PutProduct(ctx, &backorder.ProductInput{SKU: "E", Name: "E", PriceCents: 100, Currency: "USD", Status: backorder.StatusActive,
		Supply: backorder.Supply{SupplierID: "ACME"}}); err != nil {
		t.Fatal(err)
	}
	for i := range 4 {
		MustOrder(t, svc, fmt.Sprint("E", i), "E", 2)
		clock.Advance(time.Minute)
	}
	for _, po := range []backorder.PurchaseOrderRequest{
		{Reference: "LATER", SupplierID: "ACME", ExpectedAt: "2026-03-01", Lines: []backorder.POLineRequest{{SKU: "E", Quantity: 3}}},
		{Reference: "SOONER", SupplierID: "ACME", ExpectedAt: "2026-02-01", Lines: []backorder.POLineRequest{{SKU: "E", Quantity: 3}}},
	} {
		if _, err := svc.CreatePurchaseOrder(ctx, &po, nil); err != nil {
			t.Fatal(err)
		}
	}
	// 8 units wait in 4 lines of 2; 6 come in: 3 on 02-01, 3 on 03-01. The
	// buffer is the default 3 days (no deliveries yet) and handling 1 day.
	// The second line's last unit is the 4th: only the later purchase order
	// covers it. Past the supply, the supplier's 30 days from today
	// (2026-01-05), plus buffer and handling.
	want := []string{"2026-02-05", "2026-03-05", "2026-03-05", "2026-02-08"}
	for _, size := range []int{4, 1} {
		var got []string
		after := ""
		for range 6 {
			page, err := svc.Queue(ctx, backorder.QueueFilter{SKU: "E", After: after, Limit: size})
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range page {
				got = append(got, p.ETA.Date)
			}
			if len(page) < size {
				break
			}
			after = page[len(page)-1].Cursor()
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("pages of %d: dates=%v, want %v", size, got, want)
		}
	}
	// The product: 6 units inbound; a 9th unit ordered now falls past the
	// supply, on the lead time; a storefront shows a backorder with it.
	p, err := svc.Product(ctx, "E")
	if err != nil {
		t.Fatal(err)
	} else if p.Inbound != 6 || p.NextETA == nil || p.NextETA.Date != "2026-02-08" || p.NextETA.Basis != backorder.BasisLeadTime {
		t.Fatalf("product supply: inbound=%d next=%+v", p.Inbound, p.NextETA)
	} else if a := p.Availability; a == nil || a.Status != backorder.AvailableBackorder || a.ETA == nil || a.ETA.Date != "2026-02-08" {
		t.Fatalf("availability=%+v", p.Availability)
	}
}

// MustDated fails unless every waiting line of every order has a promise.
func MustDated(t TB, svc *backorder.Service) {
	t.Helper()
	ctx := context.Background()
	var after int64
	for {
		os, err := svc.Orders(ctx, backorder.OrderFilter{After: after, Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		if len(os) == 0 {
			return
		}
		for _, o := range os {
			for _, l := range o.Lines {
				if l.Backordered > 0 && l.ETA == nil {
					t.Fatalf("order %s line %d waits for %d units with no promise", o.ID, l.ID, l.Backordered)
				}
			}
		}
		after = os[len(os)-1].Seq
	}
}

// etaEvents returns the eta.changed events after the event ID after, by
// line, and the ID of the last event.
func etaEvents(t *testing.T, svc *backorder.Service, after int64) (map[int64]*backorder.ETAChangedPayload, int64) {
	t.Helper()
	out := map[int64]*backorder.ETAChangedPayload{}
	es, err := svc.Events(context.Background(), after, 1000)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		after = e.ID
		if e.Kind != backorder.EventETAChanged {
			continue
		}
		p, err := backorder.DecodePayload(e)
		if err != nil {
			t.Fatal(err)
		}
		c := p.(*backorder.ETAChangedPayload)
		if out[c.LineID] != nil {
			t.Fatalf("two eta.changed events for line %d in one step", c.LineID)
		}
		out[c.LineID] = c
	}
	return out, after
}

// testPromises: each waiting line keeps a promise date: dated at intake,
// moved by a purchase order's new date, a short delivery, a cancellation
// and a priority rule, each move an eta.changed event with the old and
// the new date, and its first promise kept.
func testPromises(t *testing.T, open Opener, writers int) {
	svc, _ := MustService(t, open(t), writers)
	ctx := context.Background()
	if _, _, err := svc.PutSupplier(ctx, &backorder.SupplierInput{ID: "ACME", Name: "Acme", LeadTimeDays: 30}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.PutProduct(ctx, &backorder.ProductInput{SKU: "P", Name: "P", PriceCents: 100, Currency: "USD", Status: backorder.StatusActive,
		Supply: backorder.Supply{SupplierID: "ACME"}}); err != nil {
		t.Fatal(err)
	}
	po, err := svc.CreatePurchaseOrder(ctx, &backorder.PurchaseOrderRequest{Reference: "PO-1", SupplierID: "ACME", ExpectedAt: "2026-01-20",
		Lines: []backorder.POLineRequest{{SKU: "P", Quantity: 4}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, last := etaEvents(t, svc, 0)
	// Three orders of 2: the PO's 4 units cover the first two (2026-01-20
	// +3 days' default buffer +1 handling); the third falls on the
	// supplier's lead time from today, 2026-01-05 (+30 +3 +1).
	var lines []int64
	for i, want := range []string{"2026-01-24", "2026-01-24", "2026-02-08"} {
		o := MustOrder(t, svc, fmt.Sprint("O", i), "P", 2)
		l := o.Lines[0]
		if l.ETA == nil || l.ETA.Date != want || l.FirstPromise != want || o.ETA == nil || o.ETA.Date != want {
			t.Fatalf("order %d: line eta=%+v first=%q order eta=%+v, want %s", i, l.ETA, l.FirstPromise, o.ETA, want)
		}
		lines = append(lines, l.ID)
	}
	if basis := MustOrderLine(t, svc, "O2").ETA.Basis; basis != backorder.BasisLeadTime {
		t.Fatalf("third line's basis %s, want lead_time", basis)
	}
	if evs, _ := etaEvents(t, svc, last); len(evs) != 0 {
		t.Fatalf("a first promise is no change: %+v", evs)
	}

	step := func(name string, do func() error, want map[int64][2]string) {
		t.Helper()
		if err := do(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		evs, next := etaEvents(t, svc, last)
		last = next
		got := map[int64][2]string{}
		for id, e := range evs {
			got[id] = [2]string{e.Old.Date, e.New.Date}
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("%s: eta.changed %v, want %v", name, got, want)
		}
		MustDated(t, svc)
	}
	// The PO slips ten days: the two lines it covers move with it.
	step("reschedule", func() error {
		_, err := svc.ReschedulePurchaseOrder(ctx, po.ID, "2026-01-30")
		return err
	}, map[int64][2]string{lines[0]: {"2026-01-24", "2026-02-03"}, lines[1]: {"2026-01-24", "2026-02-03"}})
	// A second PO covers the third line.
	var po2 *backorder.PurchaseOrder
	step("second purchase order", func() (err error) {
		po2, err = svc.CreatePurchaseOrder(ctx, &backorder.PurchaseOrderRequest{Reference: "PO-2", SupplierID: "ACME", ExpectedAt: "2026-02-01",
			Lines: []backorder.POLineRequest{{SKU: "P", Quantity: 2}}}, nil)
		return err
	}, map[int64][2]string{lines[2]: {"2026-02-08", "2026-02-05"}})
	// Only 1 of PO-1's 4 units comes, 25 days early: the first line gets it
	// and waits for one more; the second line's last unit now rests on
	// PO-1's remaining 3 and so unchanged; the third line still on PO-2.
	step("short delivery", func() error {
		_, err := svc.ReceivePurchaseOrder(ctx, po.ID, &backorder.POReceiptRequest{Lines: []backorder.POLineRequest{{SKU: "P", Quantity: 1}}}, nil)
		return err
	}, map[int64][2]string{})
	// PO-2 is cancelled: the third line falls back on the lead time.
	step("cancelled purchase order", func() error {
		_, err := svc.CancelPurchaseOrder(ctx, po2.ID, nil)
		return err
	}, map[int64][2]string{lines[2]: {"2026-02-05", "2026-02-08"}})
	// The first order is cancelled: the third line moves up onto PO-1.
	step("cancellation", func() error {
		_, err := svc.CancelOrder(ctx, "O0", &backorder.CancelRequest{Reason: "changed mind"}, nil)
		return err
	}, map[int64][2]string{lines[2]: {"2026-02-08", "2026-02-03"}})
	// A VIP order, with the VIP rule on, takes the PO's units first: the
	// third line falls back on the lead time (the second still fits).
	settings := backorder.DefaultSettings()
	settings.Priority.VIP.Enabled = true
	step("settings", func() error {
		_, err := svc.PutSettings(ctx, &settings)
		return err
	}, map[int64][2]string{})
	var vip int64
	step("priority", func() error {
		req := orderReq("V", "vip", "P", 1)
		req.Customer.VIP = true
		o, err := svc.PlaceOrder(ctx, req, nil)
		if err == nil {
			vip = o.Lines[0].ID
			if o.Lines[0].ETA == nil || o.Lines[0].ETA.Date != "2026-02-03" {
				t.Errorf("VIP line eta=%+v, want 2026-02-03 on PO-1", o.Lines[0].ETA)
			}
		}
		return err
	}, map[int64][2]string{lines[2]: {"2026-02-03", "2026-02-08"}})
	_ = vip
	if l := MustOrderLine(t, svc, "O2"); l.FirstPromise != "2026-02-08" {
		t.Fatalf("first promise %q, want it kept as 2026-02-08", l.FirstPromise)
	}
	// Two of four waiting lines are promised within 30 days of today.
	rep, err := svc.Project(ctx, 30)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Shop.Lines != 3 || rep.Shop.LinesWithin != 2 || len(rep.SKUs) != 1 || rep.SKUs[0].SKU != "P" {
		t.Fatalf("projection %+v %+v", rep.Shop, rep.SKUs)
	}
}

// MustOrderLine returns the first line of an order.
func MustOrderLine(t TB, svc *backorder.Service, id string) *backorder.Line {
	t.Helper()
	o, err := svc.Order(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return o.Lines[0]
}

// testPromiseMargins: the settings' buffer and handling days date the
// promises; changing them re-dates the waiting lines, each move an event.
func testPromiseMargins(t *testing.T, open Opener, writers int) {
	svc, _ := MustService(t, open(t), writers)
	ctx := context.Background()
	if set, err := svc.Settings(ctx); err != nil {
		t.Fatal(err)
	} else if m := set.Promises.Margins(); m != (backorder.Margins{DefaultBufferDays: backorder.DefaultBufferDays, MinReliabilitySample: backorder.MinReliabilitySample,
		BufferPercentile: backorder.BufferPercentile, HandlingDays: backorder.HandlingDays}) || set.Promises.HandlingDays == nil {
		t.Fatalf("default margins: %+v", set.Promises)
	}
	if _, _, err := svc.PutSupplier(ctx, &backorder.SupplierInput{ID: "ACME", Name: "Acme", LeadTimeDays: 30}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.PutProduct(ctx, &backorder.ProductInput{SKU: "M", Name: "M", PriceCents: 100, Currency: "USD", Status: backorder.StatusActive,
		Supply: backorder.Supply{SupplierID: "ACME"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreatePurchaseOrder(ctx, &backorder.PurchaseOrderRequest{Reference: "PO-1", SupplierID: "ACME", ExpectedAt: "2026-01-20",
		Lines: []backorder.POLineRequest{{SKU: "M", Quantity: 4}}}, nil); err != nil {
		t.Fatal(err)
	}
	l := MustOrder(t, svc, "M1", "M", 2).Lines[0]
	if l.ETA.Date != "2026-01-24" { // +3 buffer +1 handling
		t.Fatalf("default margins: eta=%+v", l.ETA)
	}
	_, last := etaEvents(t, svc, 0)
	set := backorder.DefaultSettings()
	set.Promises.DefaultBufferDays, set.Promises.HandlingDays = ptr(0), ptr(2)
	if _, err := svc.PutSettings(ctx, &set); err != nil {
		t.Fatal(err)
	}
	if got := MustOrderLine(t, svc, "M1"); got.ETA.Date != "2026-01-22" || got.FirstPromise != "2026-01-24" {
		t.Fatalf("after the margins changed: eta=%+v first=%s", got.ETA, got.FirstPromise)
	}
	if evs, _ := etaEvents(t, svc, last); evs[l.ID] == nil || evs[l.ID].Old.Date != "2026-01-24" || evs[l.ID].New.Date != "2026-01-22" {
		t.Fatalf("eta.changed: %+v", evs)
	}
	// Left out, a margin takes its default; out of range, it is refused.
	set.Promises = backorder.PromiseSettings{}
	if got, err := svc.PutSettings(ctx, &set); err != nil || got.Promises.HandlingDays == nil || *got.Promises.HandlingDays != backorder.HandlingDays {
		t.Fatalf("margins left out: %+v, %v", got, err)
	}
	set.Promises.HandlingDays = ptr(-1)
	if _, err := svc.PutSettings(ctx, &set); backorder.ErrorCode(err) != backorder.EINVALID || backorder.AsError(err).Field != "promises.handling_days" {
		t.Fatalf("negative handling days: %v", err)
	}
	MustDated(t, svc)
}

// testQueueUndated: a line stored without a promise (before lines carried
// one) is dated on the queue from the supply as it stands; a dated line
// shows its stored promise.
func testQueueUndated(t *testing.T, open Opener, writers int) {
	store := open(t)
	svc, _ := MustService(t, store, writers)
	ctx := context.Background()
	if _, _, err := svc.PutSupplier(ctx, &backorder.SupplierInput{ID: "ACME", Name: "Acme", LeadTimeDays: 30}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.PutProduct(ctx, &backorder.ProductInput{SKU: "U", Name: "U", PriceCents: 100, Currency: "USD", Status: backorder.StatusActive,
		Supply: backorder.Supply{SupplierID: "ACME"}}); err != nil {
		t.Fatal(err)
	}
	mustWrite(t, store, func(tx backorder.Tx) { mustInsertOrder(t, tx, "OLD", "cust", epoch.Add(-time.Hour), waiting("U", 2)) })
	MustOrder(t, svc, "NEW", "U", 1)
	page, err := svc.Queue(ctx, backorder.QueueFilter{SKU: "U", Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	// Today is 2026-01-05: the lead time's 30 days, 3 days' buffer, 1 handling.
	if len(page) != 2 || page[0].OrderID != "OLD" || page[0].ETA.Date != "2026-02-08" || page[0].ETA.Basis != backorder.BasisLeadTime ||
		page[1].ETA != *MustOrderLine(t, svc, "NEW").ETA {
		t.Fatalf("queue: %+v", page)
	}
}
