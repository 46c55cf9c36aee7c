package mail

import (
	"time"

	"github.com/backorder/backorder"
)

// sampleNow is the time of the sample order's messages.
var sampleNow = time.Date(2026, 1, 12, 9, 0, 0, 0, time.UTC)

// sampleLinks are the links of the sample order's messages.
var sampleLinks = Links{
	View:   "https://shop.example/c/sample-view",
	Cancel: "https://shop.example/c/sample-cancel",
	Choose: "https://shop.example/c/sample-choose",
}

// SampleOrder is the order every template is checked against and the
// preview shows when no order is given, in the state its moment finds it:
// two lines from the source document's example, one with a promise date and
// one without.
func SampleOrder(moment string) (*backorder.Order, map[string]*backorder.Product) {
	eta := &backorder.ETA{Date: "2026-02-15", Basis: backorder.BasisPurchaseOrder, PurchaseOrderID: 1}
	o := &backorder.Order{
		ID:          "1001",
		Customer:    backorder.Customer{ID: "C-1", Email: "alex@example.com", Name: "Alex Doe"},
		Shipping:    backorder.ShippingStandard,
		SplitPolicy: backorder.SplitShipAvailable,
		AcceptedAt:  time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC),
		Lines: []*backorder.Line{
			{ID: 1, LineNo: 1, SKU: "WIDGET-PRO-BLUE", Quantity: 2, Backordered: 2, PriceCents: 4999, Currency: "USD", PaymentTiming: backorder.PaymentAtOrder, ETA: eta},
			{ID: 2, LineNo: 2, SKU: "GADGET-MINI", Quantity: 1, Backordered: 1, PriceCents: 1999, Currency: "USD", PaymentTiming: backorder.PaymentAtShip},
		},
	}
	a, b := o.Lines[0], o.Lines[1]
	switch moment {
	case StockArrived:
		a.Allocated, a.Backordered, a.ETA = 2, 0, nil
	case PartlyShipped:
		a.Shipped, a.Backordered, a.ETA = 2, 0, nil
	case Shipped:
		a.Shipped, a.Backordered, a.ETA = 2, 0, nil
		b.Shipped, b.Backordered = 1, 0
	case Cancelled:
		b.Cancelled, b.Backordered = 1, 0
	case SplitChoice:
		o.SplitPolicy = backorder.SplitCustomerChoice
		a.Allocated, a.Backordered, a.ETA = 2, 0, nil
	case PreorderReleased:
		b.AvailableFrom, b.Allocated, b.Backordered = "2026-01-12", 1, 0
		o.Lines = o.Lines[1:]
	case PromiseDate:
		a.ETA = &backorder.ETA{Date: "2026-02-20", Basis: backorder.BasisPurchaseOrder, PurchaseOrderID: 1}
	}
	o.Status = o.DeriveStatus()
	o.ETA = backorder.OrderETA(o)
	products := map[string]*backorder.Product{
		"WIDGET-PRO-BLUE": {SKU: "WIDGET-PRO-BLUE", Name: "Widget Pro - Blue"},
		"GADGET-MINI":     {SKU: "GADGET-MINI", Name: "Gadget Mini"},
	}
	return o, products
}

// Sample is the data of the sample order for a moment (SampleOrder, with
// PreviewEvent's details).
func Sample(moment string) Data {
	o, products := SampleOrder(moment)
	d, err := NewData(o, products, PreviewEvent(moment, o, sampleNow), sampleLinks, sampleNow)
	if err != nil {
		panic("mail: sample data: " + err.Error())
	}
	if moment == PromiseDate && d.DateChange != nil {
		d.DateChange.Old = formatDate("2026-02-15", longDate)
	}
	return d
}

// PreviewEvent makes up the event a moment tells of for an order, so a
// preview shows the moment's details on a real order: a shipment of what
// the order holds (sample carrier and tracking), a cancellation of what it
// has cancelled, a promise date newly known for its first dated line. A
// moment without details has no event.
func PreviewEvent(moment string, o *backorder.Order, now time.Time) backorder.Event {
	var p backorder.Payload
	switch moment {
	case Shipped, PartlyShipped:
		s := &backorder.OrderShippedPayload{Carrier: "UPS", Tracking: "1Z999AA1012345678", EstimatedDelivery: now.AddDate(0, 0, 3).Format(backorder.DateLayout)}
		for _, l := range o.Lines {
			if q := l.Shipped; q > 0 {
				s.Lines = append(s.Lines, backorder.FulfillmentLine{LineID: l.ID, SKU: l.SKU, Quantity: q})
			}
		}
		p = s
	case Cancelled:
		c := &backorder.OrderCancelledPayload{Reason: "I found it elsewhere", Status: o.DeriveStatus()}
		for _, l := range o.Lines {
			if l.Cancelled > 0 {
				c.Cancelled = append(c.Cancelled, backorder.EventLine{LineID: l.ID, SKU: l.SKU, Quantity: l.Quantity, Allocated: l.Allocated, Backordered: l.Backordered, Shipped: l.Shipped, Cancelled: l.Cancelled})
			}
		}
		p = c
	case PromiseDate:
		for _, l := range o.Lines {
			if l.Backordered > 0 && l.ETA != nil && l.ETA.Date != "" {
				p = &backorder.ETAChangedPayload{LineID: l.ID, Old: backorder.ETA{Basis: backorder.BasisNone}, New: *l.ETA}
				break
			}
		}
	}
	if p == nil {
		return backorder.Event{}
	}
	e, err := backorder.NewEvent(now, o.ID, "", p)
	if err != nil {
		panic("mail: preview event: " + err.Error())
	}
	return e
}
