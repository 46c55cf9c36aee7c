package mail

import (
	"fmt"
	"strings"
	"time"

	"github.com/backorder/backorder"
)

// Links are the customer's signed links of one order, as full URLs (see
// NewLinks). An empty link is left out of the message.
type Links struct {
	View   string
	Cancel string
	Choose string
}

// NewLinks signs the View, Cancel and Choose links of an order under secret,
// each valid until expires, at base (the service's public address,
// BACKORDER_BASE_URL) followed by CustomerPath and the token.
func NewLinks(base string, secret []byte, orderID string, expires time.Time) Links {
	u := func(purpose string) string {
		return strings.TrimRight(base, "/") + CustomerPath + backorder.SignLink(secret, backorder.LinkClaim{OrderID: orderID, Purpose: purpose, Expires: expires})
	}
	return Links{View: u(backorder.LinkView), Cancel: u(backorder.LinkCancel), Choose: u(backorder.LinkChoose)}
}

// Linker makes the customer links of orders: signed under Secret, valid
// for TTL from the time they are made, at BaseURL.
type Linker struct {
	BaseURL string
	Secret  []byte
	TTL     time.Duration
}

// DefaultLinkTTL is how long a customer link works: a backorder can wait
// months, and each mail brings fresh links.
const DefaultLinkTTL = 90 * 24 * time.Hour

// Links returns the links of an order made at now.
func (l *Linker) Links(orderID string, now time.Time) Links {
	ttl := l.TTL
	if ttl <= 0 {
		ttl = DefaultLinkTTL
	}
	return NewLinks(l.BaseURL, l.Secret, orderID, now.Add(ttl))
}

// CustomerPath is the path of the customer page; a link is
// base + CustomerPath + token.
const CustomerPath = "/c/"

// Data is what a template renders: an order as its customer reads it, and
// the details of the event the message tells of. Dates are written out
// ("February 15, 2026"); an empty date is unknown.
type Data struct {
	// Shop is the shop's name as mails sign it (ShopName when empty).
	Shop          string
	OrderID       string
	CustomerName  string
	CustomerEmail string
	// Status is the order's status in plain words ("On backorder").
	Status string
	// ETA is the order's promise date (backorder.OrderETA).
	ETA   string
	Lines []Line
	// Shipment is set for an order.shipped event.
	Shipment *Shipment
	// Cancellation is set for an order.cancelled event.
	Cancellation *Cancellation
	// DateChange is set for an eta.changed event.
	DateChange *DateChange
	Links      Links
	Now        time.Time
	// Today is Now's date, written out.
	Today string
}

// Line is an order line as the customer reads it.
type Line struct {
	SKU         string
	Name        string
	Quantity    int64
	Allocated   int64
	Backordered int64
	Shipped     int64
	Cancelled   int64
	// Status is the line's state in plain words ("On backorder").
	Status string
	// ETA is the line's promise date while units wait; ETAShort is the
	// same as "Feb 20".
	ETA      string
	ETAShort string
	// Payment is when the line is paid, in plain words.
	Payment       string
	PaymentTiming string
	// Release is a pre-order's release date.
	Release string
}

// Shipment is a shipment as the customer reads it.
type Shipment struct {
	Carrier           string
	Tracking          string
	EstimatedDelivery string
	Lines             []ShippedLine
}

// ShippedLine is the units of one item in a shipment.
type ShippedLine struct {
	SKU      string
	Name     string
	Quantity int64
}

// Cancellation is a cancellation as the customer reads it.
type Cancellation struct {
	Reason string
	// Lines are the lines with cancelled units, as they are after it.
	Lines []Line
	// Money says what happens to the customer's money, in plain words.
	Money string
}

// DateChange is a moved promise date. Old is empty when the line had no
// date before (the date is now known).
type DateChange struct {
	SKU      string
	Name     string
	Old      string
	New      string
	NewShort string
}

// ShopName is the shop's name in a mail when none is configured.
const ShopName = "The shop"

// NoDate is what a mail says of a promise date not known yet.
const NoDate = "we will email you the date as soon as we know it"

// ShopOrDefault is Shop, or ShopName when empty.
func (d Data) ShopOrDefault() string {
	if d.Shop == "" {
		return ShopName
	}
	return d.Shop
}

// Waiting are the lines with units on backorder.
func (d Data) Waiting() []Line { return d.filter(func(l Line) bool { return l.Backordered > 0 }) }

// Ready are the lines with units allocated, waiting to ship.
func (d Data) Ready() []Line { return d.filter(func(l Line) bool { return l.Allocated > 0 }) }

// Open are the lines with units neither shipped nor cancelled.
func (d Data) Open() []Line {
	return d.filter(func(l Line) bool { return l.Allocated+l.Backordered > 0 })
}

func (d Data) filter(keep func(Line) bool) []Line {
	var out []Line
	for _, l := range d.Lines {
		if keep(l) {
			out = append(out, l)
		}
	}
	return out
}

// NewData builds the data of a message about order o from event ev (its
// typed payload: backorder.DecodePayload), names items from products (by
// SKU; the SKU where a product is missing), and stamps it with now. A zero
// ev (a periodic update, a release) adds no event details. The order is as
// it is now; the event says what changed.
func NewData(o *backorder.Order, products map[string]*backorder.Product, ev backorder.Event, links Links, now time.Time) (Data, error) {
	name := func(sku string) string {
		if p := products[sku]; p != nil && p.Name != "" {
			return p.Name
		}
		return sku
	}
	d := Data{
		OrderID:       o.ID,
		CustomerName:  o.Customer.Name,
		CustomerEmail: o.Customer.Email,
		Status:        statusWords(o.DeriveStatus()),
		Links:         links,
		Now:           now,
		Today:         now.Format(longDate),
	}
	if o.ETA != nil {
		d.ETA = formatDate(o.ETA.Date, longDate)
	}
	byID := map[int64]*backorder.Line{}
	for _, l := range o.Lines {
		byID[l.ID] = l
		d.Lines = append(d.Lines, newLine(l, name(l.SKU)))
	}
	if ev.Kind == "" {
		return d, nil
	}
	p, err := backorder.DecodePayload(ev)
	if err != nil {
		return Data{}, err
	}
	switch p := p.(type) {
	case *backorder.OrderShippedPayload:
		s := &Shipment{Carrier: p.Carrier, Tracking: p.Tracking, EstimatedDelivery: formatDate(p.EstimatedDelivery, longDate)}
		for _, fl := range p.Lines {
			s.Lines = append(s.Lines, ShippedLine{SKU: fl.SKU, Name: name(fl.SKU), Quantity: fl.Quantity})
		}
		d.Shipment = s
	case *backorder.OrderCancelledPayload:
		c := &Cancellation{Reason: p.Reason}
		timings := map[string]bool{}
		for _, el := range p.Cancelled {
			l := newLine(&backorder.Line{SKU: el.SKU, Quantity: el.Quantity, Allocated: el.Allocated, Backordered: el.Backordered, Shipped: el.Shipped, Cancelled: el.Cancelled}, name(el.SKU))
			if ol := byID[el.LineID]; ol != nil {
				l.PaymentTiming, l.Payment = ol.PaymentTiming, paymentWords(ol.PaymentTiming)
			}
			timings[l.PaymentTiming] = true
			c.Lines = append(c.Lines, l)
		}
		c.Money = MoneyOnCancel(timings[backorder.PaymentAtOrder], timings[backorder.PaymentAtShip])
		d.Cancellation = c
	case *backorder.ETAChangedPayload:
		dc := &DateChange{Old: formatDate(p.Old.Date, longDate), New: formatDate(p.New.Date, longDate), NewShort: formatDate(p.New.Date, shortDate)}
		if l := byID[p.LineID]; l != nil {
			dc.SKU, dc.Name = l.SKU, name(l.SKU)
		}
		d.DateChange = dc
	}
	return d, nil
}

func newLine(l *backorder.Line, name string) Line {
	out := Line{SKU: l.SKU, Name: name, Quantity: l.Quantity, Allocated: l.Allocated, Backordered: l.Backordered,
		Shipped: l.Shipped, Cancelled: l.Cancelled, PaymentTiming: l.PaymentTiming, Payment: paymentWords(l.PaymentTiming),
		Release: formatDate(l.AvailableFrom, longDate)}
	if l.Backordered > 0 && l.ETA != nil {
		out.ETA, out.ETAShort = formatDate(l.ETA.Date, longDate), formatDate(l.ETA.Date, shortDate)
	}
	out.Status = LineStatus(l)
	return out
}

// LineStatus is a line's state in the customer's words.
func LineStatus(l *backorder.Line) string {
	open := l.Allocated + l.Backordered
	switch {
	case open == 0 && l.Shipped > 0:
		return "Shipped"
	case open == 0:
		return "Cancelled"
	case l.AvailableFrom != "" && l.Allocated == 0 && l.Shipped == 0:
		return "Pre-order"
	case l.Backordered == 0 && l.Shipped > 0:
		return fmt.Sprintf("%d of %d shipped, the rest is being prepared", l.Shipped, l.Shipped+open)
	case l.Backordered == 0:
		return "In stock, being prepared"
	case l.Allocated == 0 && l.Shipped == 0:
		return "On backorder"
	default:
		return fmt.Sprintf("%d of %d on backorder", l.Backordered, l.Shipped+open)
	}
}

func statusWords(s string) string {
	switch s {
	case backorder.OrderBackordered:
		return "On backorder"
	case backorder.OrderPartiallyBackordered:
		return "Partly on backorder"
	case backorder.OrderAllocated:
		return "Being prepared"
	case backorder.OrderPartiallyShipped:
		return "Partly shipped"
	case backorder.OrderShipped:
		return "Shipped"
	case backorder.OrderCancelled:
		return "Cancelled"
	}
	return s
}

// paymentWords says when a line is paid.
func paymentWords(timing string) string {
	switch timing {
	case backorder.PaymentAtOrder:
		return "charged when you placed the order"
	case backorder.PaymentAtShip:
		return "charged only when it ships"
	}
	return ""
}

// MoneyOnCancel says what happens to the money of cancelled units: those
// paid at order are refunded, those paid at shipment were never charged.
func MoneyOnCancel(paidAtOrder, paidAtShip bool) string {
	const refund = "The amount you paid for the cancelled items will be refunded to your original payment method."
	const void = "You were not charged for the cancelled items: payment was to be taken only when they shipped, and any hold on your card is released."
	switch {
	case paidAtOrder && paidAtShip:
		return refund + " " + void
	case paidAtShip:
		return void
	case paidAtOrder:
		return refund
	}
	return "You will not be charged for the cancelled items."
}

const (
	longDate  = "January 2, 2006"
	shortDate = "Jan 2"
)

// formatDate writes a YYYY-MM-DD date out; "" stays "" and a date that
// does not parse is kept as it is.
func formatDate(s, layout string) string {
	if s == "" {
		return ""
	}
	t, err := time.Parse(backorder.DateLayout, s)
	if err != nil {
		return s
	}
	return t.Format(layout)
}

// Open is the number of the line's units neither shipped nor cancelled.
func (l Line) Open() int64 { return l.Allocated + l.Backordered }
