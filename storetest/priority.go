package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/backorder/backorder"
)

// testLinePriority covers an operator raising a waiting line: refused while
// the manual rule is off; once on, the raised line moves ahead of the
// source document's FIFO queue, fills first ("priority:manual"), the history
// keeps who and why, an event tells of it; lowering it puts it back.
func testLinePriority(t *testing.T, open Opener, writers int) {
	svc, clock := MustService(t, open(t), writers)
	ctx := context.Background()
	MustProduct(t, svc, "WIDGET-PRO-BLUE", 0, backorder.Policy{})
	lines := map[string]int64{}
	for _, id := range []string{"100", "101", "102"} {
		lines[id] = MustOrder(t, svc, id, "WIDGET-PRO-BLUE", 20).Lines[0].ID
		clock.Advance(24 * time.Hour)
	}
	queue := func() string {
		t.Helper()
		q, err := svc.Queue(ctx, backorder.QueueFilter{SKU: "WIDGET-PRO-BLUE"})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, p := range q {
			out = append(out, fmt.Sprintf("%s:%s", p.OrderID, p.Priority.Reason()))
		}
		return fmt.Sprint(out)
	}
	raise := &backorder.PriorityRequest{Raised: true, Why: "the customer's wedding is on Saturday"}
	_, err := svc.SetLinePriority(ctx, "102", lines["102"], raise, "ops@example.com", nil)
	checkCode(t, err, backorder.ECONFLICT)

	settings, err := svc.Settings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	settings.Priority.Manual.Enabled = true
	if _, err := svc.PutSettings(ctx, settings); err != nil {
		t.Fatal(err)
	}
	checkEqual(t, "queue before", queue(), "[100:fifo 101:fifo 102:fifo]")
	_, err = svc.SetLinePriority(ctx, "102", lines["102"], &backorder.PriorityRequest{Raised: true}, "ops@example.com", nil)
	checkCode(t, err, backorder.EINVALID)
	_, err = svc.SetLinePriority(ctx, "102", lines["100"], raise, "ops@example.com", nil)
	checkCode(t, err, backorder.ENOTFOUND)
	_, err = svc.SetLinePriority(ctx, "nope", lines["102"], raise, "ops@example.com", nil)
	checkCode(t, err, backorder.ENOTFOUND)

	c, err := svc.SetLinePriority(ctx, "102", lines["102"], raise, "ops@example.com", nil)
	if err != nil {
		t.Fatal(err)
	}
	checkEqual(t, "change", fmt.Sprintf("%s %d %v %s %s", c.OrderID, c.LineID, c.Raised, c.By, c.Why),
		fmt.Sprintf("102 %d true ops@example.com the customer's wedding is on Saturday", lines["102"]))
	checkEqual(t, "queue raised", queue(), "[102:priority:manual 100:fifo 101:fifo]")
	_, err = svc.SetLinePriority(ctx, "102", lines["102"], raise, "ops@example.com", nil)
	checkCode(t, err, backorder.ECONFLICT)

	events, err := svc.Events(ctx, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var found *backorder.LinePriorityChangedPayload
	for _, e := range events {
		if e.Kind == backorder.EventLinePriorityChanged {
			p, err := backorder.DecodePayload(e)
			if err != nil {
				t.Fatal(err)
			}
			found = p.(*backorder.LinePriorityChangedPayload)
		}
	}
	if found == nil || found.LineID != lines["102"] || !found.Raised || found.By != "ops@example.com" {
		t.Fatalf("line.priority_changed event = %+v", found)
	}

	r, err := svc.Receive(ctx, &backorder.ReceiptRequest{SKU: "WIDGET-PRO-BLUE", Quantity: 30, Reference: "PO-1"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range r.Allocations {
		got = append(got, fmt.Sprintf("%s:%d:%s", a.OrderID, a.Quantity, a.Reason))
	}
	checkEqual(t, "allocations", fmt.Sprint(got), "[102:20:priority:manual 100:10:fifo]")

	// Lowering 100 fails (it was never raised); a second line is raised
	// and lowered again, and the history keeps both changes in order.
	lower := &backorder.PriorityRequest{Raised: false, Why: "raised by mistake"}
	_, err = svc.SetLinePriority(ctx, "100", lines["100"], lower, "ops@example.com", nil)
	checkCode(t, err, backorder.ECONFLICT)
	if _, err := svc.SetLinePriority(ctx, "101", lines["101"], raise, "ann@example.com", nil); err != nil {
		t.Fatal(err)
	}
	checkEqual(t, "queue 101 raised", queue(), "[101:priority:manual 100:fifo]")
	if _, err := svc.SetLinePriority(ctx, "101", lines["101"], lower, "bob@example.com", nil); err != nil {
		t.Fatal(err)
	}
	checkEqual(t, "queue lowered", queue(), "[100:fifo 101:fifo]")
	hist, err := svc.PriorityChanges(ctx, "101")
	if err != nil {
		t.Fatal(err)
	} else if len(hist) != 2 || !hist[0].Raised || hist[0].By != "ann@example.com" || hist[1].Raised || hist[1].By != "bob@example.com" || hist[1].Why != "raised by mistake" {
		t.Fatalf("history of 101 = %s", dump(hist))
	}
	checkTime(t, "history at", hist[1].At, clock.Now().Truncate(time.Microsecond))
}
