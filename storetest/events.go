package storetest

import (
	"context"
	"fmt"
	"testing"

	"github.com/backorder/backorder"
)

// testEventPayloads runs every flow that writes an outbox event and checks
// that each event's payload decodes into the type of its kind, carries its
// version, and says what happened.
func testEventPayloads(t *testing.T, open Opener, writers int) {
	svc, _ := MustService(t, open(t), writers)
	ctx := context.Background()
	MustProduct(t, svc, "W", 3, backorder.Policy{})
	MustProduct(t, svc, "CH", 1, backorder.Policy{SplitPolicy: backorder.SplitCustomerChoice})

	MustOrder(t, svc, "A", "W", 2)       // accepted: 2 from stock
	MustOrder(t, svc, "B", "W", 4)       // accepted: 1 from stock, 3 wait
	MustOrder(t, svc, "CHOOSE", "CH", 3) // accepted: 1 held for the choice, 2 wait
	if _, err := svc.Receive(ctx, &backorder.ReceiptRequest{SKU: "W", Quantity: 2}, nil); err != nil {
		t.Fatal(err) // allocated: 2 to B
	}
	fs, err := svc.Fulfillments(ctx, backorder.FulfillmentFilter{OrderID: "A"})
	if err != nil || len(fs) != 1 {
		t.Fatalf("fulfillments of A=%v, %v", fs, err)
	}
	sh := &backorder.Shipment{Carrier: "UPS", Tracking: "1Z999", EstimatedDelivery: "2026-02-18"}
	if _, err := svc.ShipFulfillment(ctx, fs[0].ID, sh, nil); err != nil {
		t.Fatal(err) // shipped
	}
	if _, err := svc.CancelOrder(ctx, "B", &backorder.CancelRequest{Reason: "found it elsewhere"}, nil); err != nil {
		t.Fatal(err) // cancelled: 1 waiting, 3 allocated
	}
	if _, err := svc.ChooseSplit(ctx, "CHOOSE", backorder.SplitShipAvailable, nil); err != nil {
		t.Fatal(err) // split chosen: the 1 held ships
	}

	events, err := svc.Events(ctx, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range events {
		p, err := backorder.DecodePayload(e)
		if err != nil {
			t.Fatal(err)
		}
		var version int
		var what string
		switch p := p.(type) {
		case *backorder.OrderAcceptedPayload:
			version = p.Version
			l := p.Lines[0]
			what = fmt.Sprintf("%s %s alloc=%d back=%d ful=%d", p.Status, l.SKU, l.Allocated, l.Backordered, len(p.FulfillmentIDs))
		case *backorder.OrderAllocatedPayload:
			version = p.Version
			what = fmt.Sprintf("%s %s units=%d ful=%d", p.Status, e.SKU, p.Units, len(p.FulfillmentIDs))
		case *backorder.OrderShippedPayload:
			version = p.Version
			what = fmt.Sprintf("%d %s %s %s %s:%d", p.FulfillmentID-fs[0].ID, p.Carrier, p.Tracking, p.EstimatedDelivery, p.Lines[0].SKU, p.Lines[0].Quantity)
		case *backorder.OrderCancelledPayload:
			version = p.Version
			l := p.Cancelled[0]
			what = fmt.Sprintf("%s %q cancelled=%d alloc=%d back=%d", p.Status, p.Reason, l.Cancelled, l.Allocated, l.Backordered)
		case *backorder.OrderSplitChosenPayload:
			version = p.Version
			what = fmt.Sprintf("%s %s ful=%d", p.Choice, p.Status, len(p.FulfillmentIDs))
		case *backorder.PaymentCaptureRequestedPayload:
			version = p.Version
			what = fmt.Sprintf("%d %s %s", p.Amount, p.Currency, p.Timing)
		case *backorder.PaymentRefundRequestedPayload:
			version = p.Version
			what = fmt.Sprintf("%d %s %s", p.Amount, p.Currency, p.Timing)
		default:
			t.Fatalf("event %d: payload %T", e.ID, p)
		}
		if version != backorder.PayloadVersion {
			t.Fatalf("event %d (%s): version=%d, want %d", e.ID, e.Kind, version, backorder.PayloadVersion)
		}
		got = append(got, e.Kind+" "+e.OrderID+": "+what)
	}
	want := []string{
		"order.accepted A: allocated W alloc=2 back=0 ful=1",
		"payment.capture_requested A: 5000 USD at_order",
		"order.accepted B: partially_backordered W alloc=1 back=3 ful=1",
		"payment.capture_requested B: 10000 USD at_order",
		"order.accepted CHOOSE: partially_backordered CH alloc=1 back=2 ful=0",
		"payment.capture_requested CHOOSE: 7500 USD at_order",
		"order.allocated B: partially_backordered W units=2 ful=1",
		"order.shipped A: 0 UPS 1Z999 2026-02-18 W:2",
		`order.cancelled B: cancelled "found it elsewhere" cancelled=4 alloc=0 back=0`,
		"payment.refund_requested B: 10000 USD at_order",
		"order.split_chosen CHOOSE: ship_available partially_backordered ful=1",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("events:\n%s\nwant:\n%s", indent(got), indent(want))
	}
}

func indent(ss []string) string {
	out := ""
	for _, s := range ss {
		out += "  " + s + "\n"
	}
	return out
}
