package notify

import (
	"fmt"
	"html"
	"strings"

	"github.com/backorder/backorder"
)

// NoDate is what an email says of a line that waits without a promise date.
const NoDate = "we will email you the date as soon as we know it"

// Plain is a plain default Renderer: a subject per moment and a body that
// lists the order's lines with what ships now, what waits and until when.
type Plain struct{}

var subjects = map[string]string{
	backorder.MomentBackorderConfirmation: "Your order %s is confirmed: some items are on backorder",
	backorder.MomentPeriodicUpdate:        "Order %s: still awaiting inventory",
	backorder.MomentPromiseDate:           "Order %s: your expected ship date",
	backorder.MomentStockArrived:          "Order %s: your items have arrived and are being prepared",
	backorder.MomentPartlyShipped:         "Order %s: part of your order has shipped",
	backorder.MomentShipped:               "Your order %s has shipped!",
	backorder.MomentCancelled:             "Order %s: cancellation confirmed",
	backorder.MomentSplitChoice:           "Order %s: ship what is ready now, or all together?",
	backorder.MomentPreorderReleased:      "Order %s: your pre-order is released",
}

// Render renders m.
func (Plain) Render(m Message) (Content, error) {
	subj, ok := subjects[m.Moment]
	if !ok {
		return Content{}, fmt.Errorf("unknown moment %q", m.Moment)
	}
	o := m.Order
	var b strings.Builder
	name := o.Customer.Name
	if name == "" {
		name = "there"
	}
	fmt.Fprintf(&b, "Hello %s,\n\n", name)
	var p backorder.Payload
	if m.Event != nil {
		var err error
		if p, err = backorder.DecodePayload(*m.Event); err != nil {
			return Content{}, err
		}
	}
	switch m.Moment {
	case backorder.MomentBackorderConfirmation:
		b.WriteString("Thank you for your order. Some items are not in stock yet; we have reserved your place in line and will ship them as soon as they arrive.\n")
	case backorder.MomentPeriodicUpdate:
		fmt.Fprintf(&b, "As of %s your order is still awaiting inventory. You keep your place in line.\n", m.At.Format("January 2, 2006"))
	case backorder.MomentPromiseDate:
		b.WriteString("We have an expected ship date for the items you are waiting for.\n")
	case backorder.MomentStockArrived:
		b.WriteString("The stock you were waiting for has arrived, and your order is being prepared.\n")
	case backorder.MomentPartlyShipped, backorder.MomentShipped:
		if s, ok := p.(*backorder.OrderShippedPayload); ok {
			fmt.Fprintf(&b, "Carrier: %s\nTracking: %s\n", s.Carrier, s.Tracking)
			if s.EstimatedDelivery != "" {
				fmt.Fprintf(&b, "Estimated delivery: %s\n", s.EstimatedDelivery)
			}
		}
	case backorder.MomentCancelled:
		if c, ok := p.(*backorder.OrderCancelledPayload); ok && c.Reason != "" {
			fmt.Fprintf(&b, "Reason: %s\n", c.Reason)
		}
		b.WriteString("Anything you paid for the cancelled items is refunded, and any authorization for them is released.\n")
	case backorder.MomentSplitChoice:
		b.WriteString("Part of your order is ready. Tell us whether to ship it now and the rest when it arrives, or everything together.\n")
	case backorder.MomentPreorderReleased:
		b.WriteString("The item you pre-ordered is released and will ship as soon as it is allocated.\n")
	}
	b.WriteString("\nYour order:\n")
	for _, l := range o.Lines {
		fmt.Fprintf(&b, "- %s x %d: %s\n", l.SKU, l.Quantity, lineState(l))
	}
	if m.Moment == backorder.MomentBackorderConfirmation || m.Moment == backorder.MomentPeriodicUpdate {
		b.WriteString("\nYou may cancel the items still waiting at any time before they ship.\n")
	}
	text := b.String()
	return Content{Subject: fmt.Sprintf(subj, o.ID), Text: text,
		HTML: "<html><body><pre style=\"font-family:sans-serif;white-space:pre-wrap\">" + html.EscapeString(text) + "</pre></body></html>"}, nil
}

// lineState says where a line stands, with its promise date while units wait.
func lineState(l *backorder.Line) string {
	var parts []string
	if l.Shipped > 0 {
		parts = append(parts, fmt.Sprintf("%d shipped", l.Shipped))
	}
	if l.Allocated > 0 {
		parts = append(parts, fmt.Sprintf("%d ready to ship", l.Allocated))
	}
	if l.Backordered > 0 {
		date := NoDate
		if l.ETA != nil && l.ETA.Date != "" {
			date = "expected to ship by " + l.ETA.Date
		}
		parts = append(parts, fmt.Sprintf("%d on backorder, %s", l.Backordered, date))
	}
	if l.Cancelled > 0 {
		parts = append(parts, fmt.Sprintf("%d cancelled", l.Cancelled))
	}
	return strings.Join(parts, "; ")
}
