package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/backorder/backorder"
)

// runDemo loads a demo into a database: first months of trading history
// (loadHistory), then the source document's example: Widget Pro - Blue out
// of stock for two weeks, orders 100, 101 and 102 waiting, 50 units arriving
// and filling them in FIFO order, a split shipment, a refusal kept as lost
// demand, a pre-order and a shipment with tracking. It ends by creating a
// dashboard user and printing its credentials.
func runDemo(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	db, err := openFromArgs(ctx, "demo", args, getenv, stderr)
	if err != nil {
		return err
	}
	defer db.close()
	// The history starts historyDays before the story, which starts 14 days
	// ago; both move forward a day at a time.
	clock := backorder.NewFixedClock(time.Now().UTC().AddDate(0, 0, -14-historyDays).Truncate(time.Hour))
	svc := backorder.NewService(backorder.Config{Store: db.store, Clock: clock, Writers: db.writers})
	defer svc.Close()
	if err := loadHistory(ctx, svc, clock, stdout); err != nil {
		if backorder.ErrorCode(err) == backorder.ECONFLICT {
			return fmt.Errorf("the database already holds demo data (%s); use a fresh --db", backorder.ErrorMessage(err))
		}
		return err
	}
	if err := loadDemo(ctx, svc, clock, stdout); err != nil {
		return err
	}
	return addDemoUser(ctx, svc, stdout)
}

func loadDemo(ctx context.Context, svc *backorder.Service, clock *backorder.FixedClock, out io.Writer) error {
	no := false
	cap200 := int64(200)
	release := clock.Now().AddDate(0, 0, 21).Format(backorder.DateLayout)
	products := []backorder.ProductInput{
		{SKU: "WIDGET-PRO-BLUE", Name: "Widget Pro - Blue", PriceCents: 2500, Currency: "USD", Status: backorder.StatusActive},
		{SKU: "WIDGET-PRO-RED", Name: "Widget Pro - Red", PriceCents: 2500, Currency: "USD", Status: backorder.StatusActive},
		{SKU: "GADGET-X", Name: "Gadget X", PriceCents: 9900, Currency: "USD", Status: backorder.StatusActive, Policy: backorder.Policy{AcceptBackorders: &no}},
		{SKU: "WIDGET-ULTRA", Name: "Widget Ultra (pre-order)", PriceCents: 4900, Currency: "USD", Status: backorder.StatusPreorder, ReleaseDate: release, Policy: backorder.Policy{BackorderLimit: &cap200}},
	}
	for i := range products {
		if _, _, err := svc.PutProduct(ctx, &products[i]); err != nil {
			return fmt.Errorf("product %s: %w", products[i].SKU, err)
		}
	}
	if _, err := svc.Receive(ctx, &backorder.ReceiptRequest{SKU: "WIDGET-PRO-RED", Quantity: 3, Reference: "opening stock"}, nil); err != nil {
		return err
	}
	if _, err := svc.Receive(ctx, &backorder.ReceiptRequest{SKU: "GADGET-X", Quantity: 2, Reference: "opening stock"}, nil); err != nil {
		return err
	}

	customer := func(n int) backorder.Customer {
		return backorder.Customer{ID: fmt.Sprintf("cust-%d", n), Email: fmt.Sprintf("customer%d@example.com", n), Name: fmt.Sprintf("Customer %d", n)}
	}
	place := func(id string, c backorder.Customer, lines ...backorder.LineRequest) error {
		o, err := svc.PlaceOrder(ctx, &backorder.OrderRequest{ID: id, Customer: c, Lines: lines, Shipping: backorder.ShippingStandard}, nil)
		if err != nil {
			if backorder.ErrorCode(err) == backorder.EREFUSED {
				fmt.Fprintf(out, "%s  order %s refused: %s\n", clock.Now().Format(backorder.DateLayout), id, backorder.ErrorMessage(err))
				return nil
			}
			return fmt.Errorf("order %s: %w", id, err)
		}
		fmt.Fprintf(out, "%s  order %s accepted: %s\n", clock.Now().Format(backorder.DateLayout), id, o.Status)
		return nil
	}
	steps := []struct {
		days int
		do   func() error
	}{
		{0, func() error {
			return place("100", customer(1), backorder.LineRequest{SKU: "WIDGET-PRO-BLUE", Quantity: 20})
		}},
		{1, func() error {
			return place("101", customer(2), backorder.LineRequest{SKU: "WIDGET-PRO-BLUE", Quantity: 20})
		}},
		{2, func() error {
			return place("102", customer(3), backorder.LineRequest{SKU: "WIDGET-PRO-BLUE", Quantity: 20})
		}},
		{0, func() error {
			return place("103", customer(4), backorder.LineRequest{SKU: "WIDGET-PRO-RED", Quantity: 5})
		}},
		{0, func() error { return place("104", customer(5), backorder.LineRequest{SKU: "GADGET-X", Quantity: 10}) }},
		{1, func() error {
			return place("105", customer(6), backorder.LineRequest{SKU: "WIDGET-ULTRA", Quantity: 2})
		}},
		{1, func() error {
			return place("106", customer(7), backorder.LineRequest{SKU: "WIDGET-PRO-BLUE", Quantity: 5})
		}},
		{2, func() error {
			_, err := svc.CancelOrder(ctx, "106", &backorder.CancelRequest{Reason: "found it elsewhere"}, nil)
			fmt.Fprintf(out, "%s  order 106 cancelled by the customer\n", clock.Now().Format(backorder.DateLayout))
			return err
		}},
		{5, func() error {
			r, err := svc.Receive(ctx, &backorder.ReceiptRequest{SKU: "WIDGET-PRO-BLUE", Quantity: 50, Reference: "PO-2041"}, nil)
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "%s  received 50 WIDGET-PRO-BLUE:", clock.Now().Format(backorder.DateLayout))
			for _, a := range r.Allocations {
				fmt.Fprintf(out, " order %s +%d (%s);", a.OrderID, a.Quantity, a.Reason)
			}
			fmt.Fprintln(out)
			return nil
		}},
		{1, func() error {
			fs, err := svc.Fulfillments(ctx, backorder.FulfillmentFilter{OrderID: "100", Status: backorder.FulfillmentReady})
			if err != nil || len(fs) == 0 {
				return fmt.Errorf("no ready fulfillment for order 100: %v", err)
			}
			_, err = svc.ShipFulfillment(ctx, fs[0].ID, &backorder.Shipment{Carrier: "UPS", Tracking: "1Z999AA1012345678", EstimatedDelivery: clock.Now().AddDate(0, 0, 3).Format(backorder.DateLayout)}, nil)
			fmt.Fprintf(out, "%s  order 100 shipped, tracking 1Z999AA1012345678\n", clock.Now().Format(backorder.DateLayout))
			return err
		}},
	}
	for _, s := range steps {
		clock.Advance(time.Duration(s.days) * 24 * time.Hour)
		if err := s.do(); err != nil {
			if backorder.ErrorCode(err) == backorder.ECONFLICT {
				return fmt.Errorf("the database already holds demo data (%s); use a fresh --db", backorder.ErrorMessage(err))
			}
			return err
		}
	}
	rep, err := svc.Check(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "loaded; invariant check ok=%v over %d SKUs and %d lines\n", rep.OK, rep.SKUs, rep.Lines)
	return nil
}
