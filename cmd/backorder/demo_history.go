package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"sync"
	"time"

	"github.com/backorder/backorder"
)

// historyDays is how far back the demo's trading history starts before the
// source document's story.
const historyDays = 75

// demoSKU is a product of the demo's history with how it sells and restocks.
type demoSKU struct {
	in        backorder.ProductInput
	perDay    int   // most orders on one day
	maxQty    int64 // most units in one order
	restock   int   // days between purchase orders
	poUnits   int64
	lateDays  int // most days a delivery arrives after its expected date
	supplier  string
	leadDays  int
	openStock int64
}

// loadHistory trades for historyDays on the demo clock before the story
// starts: orders every day across SKUs with different policies (backorders
// taken, capped per SKU or per customer, refused), purchase orders placed,
// rescheduled and received late or on time, shipments of what is ready,
// customers cancelling some of what waits, and at its end one line raised
// by an operator (the manual priority rule on). It is seeded, so every demo
// database holds the same history.
func loadHistory(ctx context.Context, svc *backorder.Service, clock *backorder.FixedClock, out io.Writer) error {
	rng := mrand.New(mrand.NewPCG(13, 2026))
	no := false
	limit40, perCustomer3 := int64(40), int64(3)
	suppliers := []backorder.SupplierInput{
		{ID: "ACME-CERAMICS", Name: "Acme Ceramics", ContactEmail: "orders@acme-ceramics.example", LeadTimeDays: 10},
		{ID: "LUMEN", Name: "Lumen Lighting", ContactEmail: "sales@lumen.example", LeadTimeDays: 21},
		{ID: "NORDWOOD", Name: "Nordwood Furniture", LeadTimeDays: 28},
	}
	for i := range suppliers {
		if _, _, err := svc.PutSupplier(ctx, &suppliers[i]); err != nil {
			return fmt.Errorf("supplier %s: %w", suppliers[i].ID, err)
		}
	}
	skus := []demoSKU{
		{in: backorder.ProductInput{SKU: "MUG-CLASSIC", Name: "Classic Mug", PriceCents: 1200, Currency: "USD", Status: backorder.StatusActive,
			Supply: backorder.Supply{SupplierID: "ACME-CERAMICS"}}, perDay: 4, maxQty: 4, restock: 12, poUnits: 60, lateDays: 3, supplier: "ACME-CERAMICS", leadDays: 10, openStock: 20},
		{in: backorder.ProductInput{SKU: "LAMP-ARC", Name: "Arc Floor Lamp", PriceCents: 8900, Currency: "USD", Status: backorder.StatusActive,
			Policy: backorder.Policy{BackorderLimit: &limit40}, Supply: backorder.Supply{SupplierID: "LUMEN"}}, perDay: 2, maxQty: 2, restock: 21, poUnits: 30, lateDays: 9, supplier: "LUMEN", leadDays: 21, openStock: 6},
		{in: backorder.ProductInput{SKU: "CHAIR-OAK", Name: "Oak Dining Chair", PriceCents: 24900, Currency: "USD", Status: backorder.StatusActive,
			Policy: backorder.Policy{MaxBackorderPerCustomer: &perCustomer3}, Supply: backorder.Supply{SupplierID: "NORDWOOD"}}, perDay: 2, maxQty: 4, restock: 28, poUnits: 40, lateDays: 6, supplier: "NORDWOOD", leadDays: 28, openStock: 8},
		{in: backorder.ProductInput{SKU: "KETTLE-STEEL", Name: "Steel Kettle (no backorders)", PriceCents: 4500, Currency: "USD", Status: backorder.StatusActive,
			Policy: backorder.Policy{AcceptBackorders: &no}, Supply: backorder.Supply{SupplierID: "ACME-CERAMICS"}}, perDay: 2, maxQty: 2, restock: 15, poUnits: 25, lateDays: 2, supplier: "ACME-CERAMICS", leadDays: 10, openStock: 10},
	}
	for i := range skus {
		if _, _, err := svc.PutProduct(ctx, &skus[i].in); err != nil {
			return fmt.Errorf("product %s: %w", skus[i].in.SKU, err)
		}
		if _, err := svc.Receive(ctx, &backorder.ReceiptRequest{SKU: skus[i].in.SKU, Quantity: skus[i].openStock, Reference: "opening stock"}, nil); err != nil {
			return err
		}
	}
	type duePO struct {
		id     int64
		sku    string
		units  int64
		arrive time.Time
	}
	var due []duePO
	var orders, refused, cancelled, received, shipped int
	next := 0
	start := clock.Now()
	for day := 0; day < historyDays; day++ {
		today := clock.Now()
		// Purchase orders: each SKU restocks on its own rhythm; the last
		// ones are still open when the story ends, expected after today.
		for i, s := range skus {
			if (day+i*3)%s.restock != 0 {
				continue
			}
			expected := today.AddDate(0, 0, s.leadDays)
			ref := fmt.Sprintf("PO-%s-%03d", s.in.SKU[:3], day)
			po, err := svc.CreatePurchaseOrder(ctx, &backorder.PurchaseOrderRequest{Reference: ref, SupplierID: s.supplier,
				ExpectedAt: expected.Format(backorder.DateLayout), Lines: []backorder.POLineRequest{{SKU: s.in.SKU, Quantity: s.poUnits}}}, nil)
			if err != nil {
				return fmt.Errorf("purchase order %s: %w", ref, err)
			}
			late := rng.IntN(s.lateDays + 1)
			if late > s.lateDays/2 && late > 0 {
				// The supplier warns of the delay: the expected date moves.
				if _, err := svc.ReschedulePurchaseOrder(ctx, po.ID, expected.AddDate(0, 0, late).Format(backorder.DateLayout)); err != nil {
					return err
				}
			}
			due = append(due, duePO{id: po.ID, sku: s.in.SKU, units: s.poUnits, arrive: expected.AddDate(0, 0, late)})
		}
		// Deliveries that arrive today.
		rest := due[:0]
		for _, d := range due {
			if d.arrive.After(today) {
				rest = append(rest, d)
				continue
			}
			if _, err := svc.ReceivePurchaseOrder(ctx, d.id, &backorder.POReceiptRequest{Lines: []backorder.POLineRequest{{SKU: d.sku, Quantity: d.units}}}, nil); err != nil {
				return fmt.Errorf("receive purchase order %d: %w", d.id, err)
			}
			received++
		}
		due = rest
		// The day's orders: drawn in turn, then placed one SKU per
		// goroutine (each SKU's in order), so the group committer writes
		// a day in few transactions and every SKU's queue is the same on
		// every run.
		reqs := make([][]*backorder.OrderRequest, len(skus))
		for i, s := range skus {
			for n := rng.IntN(s.perDay + 1); n > 0; n-- {
				next++
				c := rng.IntN(60) + 1
				req := &backorder.OrderRequest{ID: fmt.Sprintf("H-%05d", next),
					Customer: backorder.Customer{ID: fmt.Sprintf("cust-h%02d", c), Email: fmt.Sprintf("buyer%02d@example.com", c), Name: fmt.Sprintf("Buyer %02d", c), VIP: c <= 5},
					Lines:    []backorder.LineRequest{{SKU: s.in.SKU, Quantity: 1 + rng.Int64N(s.maxQty)}}, Shipping: backorder.ShippingStandard}
				if rng.IntN(8) == 0 {
					req.Shipping = backorder.ShippingExpedited
				}
				reqs[i] = append(reqs[i], req)
			}
		}
		accepted, refusals, errs := make([]int, len(skus)), make([]int, len(skus)), make([]error, len(skus))
		var wg sync.WaitGroup
		for i := range skus {
			wg.Go(func() {
				for _, req := range reqs[i] {
					_, err := svc.PlaceOrder(ctx, req, nil)
					switch {
					case backorder.ErrorCode(err) == backorder.EREFUSED:
						refusals[i]++
					case backorder.ErrorCode(err) == backorder.ECONFLICT:
						errs[i] = err // a database that holds the demo already
						return
					case err != nil:
						errs[i] = fmt.Errorf("order %s: %w", req.ID, err)
						return
					default:
						accepted[i]++
					}
				}
			})
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			if backorder.ErrorCode(err) == backorder.ECONFLICT {
				return backorder.AsError(err)
			}
			return err
		}
		for i := range skus {
			orders += accepted[i]
			refused += refusals[i]
		}
		// Some customers tire of waiting: the last in a queue cancels.
		if rng.IntN(4) == 0 {
			s := skus[rng.IntN(len(skus))]
			q, err := svc.Queue(ctx, backorder.QueueFilter{SKU: s.in.SKU, Limit: 200})
			if err != nil {
				return err
			}
			if len(q) > 0 {
				last := q[len(q)-1]
				if _, err := svc.CancelOrder(ctx, last.OrderID, &backorder.CancelRequest{Reason: "customer found it elsewhere",
					Lines: []backorder.CancelLine{{LineID: last.LineID, Quantity: last.Quantity}}}, nil); err != nil {
					return fmt.Errorf("cancel %s: %w", last.OrderID, err)
				}
				cancelled++
			}
		}
		// The warehouse ships what is ready every other day.
		if day%2 == 1 {
			n, err := shipReady(ctx, svc, today)
			if err != nil {
				return err
			}
			shipped += n
		}
		if day%30 == 29 {
			fmt.Fprintf(out, "%s  history so far: %d orders, %d refused, %d cancelled, %d deliveries, %d shipments\n",
				today.Format(backorder.DateLayout), orders, refused, cancelled, received, shipped)
		}
		clock.Advance(24 * time.Hour)
	}
	// The purchase orders still open are confirmed by their suppliers for
	// dates after the story's end, a few days apart.
	for i, d := range due {
		expected := clock.Now().AddDate(0, 0, 14+3+2*i+rng.IntN(4))
		if _, err := svc.ReschedulePurchaseOrder(ctx, d.id, expected.Format(backorder.DateLayout)); err != nil {
			return err
		}
	}
	// The shop lets operators raise a line; one waiting chair is raised.
	settings, err := svc.Settings(ctx)
	if err != nil {
		return err
	}
	settings.Priority.Manual.Enabled = true
	if _, err := svc.PutSettings(ctx, settings); err != nil {
		return err
	}
	if q, err := svc.Queue(ctx, backorder.QueueFilter{SKU: "CHAIR-OAK", Limit: 10}); err != nil {
		return err
	} else if len(q) > 2 {
		last := q[len(q)-1]
		if _, err := svc.SetLinePriority(ctx, last.OrderID, last.LineID, &backorder.PriorityRequest{Raised: true, Why: "replacement for a chair that arrived broken"}, "ops-lead@example.com", nil); err != nil {
			return err
		}
		fmt.Fprintf(out, "%s  order %s raised in the CHAIR-OAK queue: replacement for a broken chair\n", clock.Now().Format(backorder.DateLayout), last.OrderID)
	}
	fmt.Fprintf(out, "history %s to %s: %d orders accepted, %d refused, %d cancellations, %d deliveries received, %d shipments\n",
		start.Format(backorder.DateLayout), clock.Now().Format(backorder.DateLayout), orders, refused, cancelled, received, shipped)
	return nil
}

// shipReady ships every fulfillment ready now, one page at a time; a
// page's shipments are sent at once, so the group committer writes them in
// few transactions.
func shipReady(ctx context.Context, svc *backorder.Service, now time.Time) (int, error) {
	n := 0
	for {
		fs, err := svc.Fulfillments(ctx, backorder.FulfillmentFilter{Status: backorder.FulfillmentReady, Limit: 100})
		if err != nil || len(fs) == 0 {
			return n, err
		}
		errs := make([]error, len(fs))
		var wg sync.WaitGroup
		for i, f := range fs {
			wg.Go(func() {
				sh := &backorder.Shipment{Carrier: "UPS", Tracking: fmt.Sprintf("1ZDEMO%08d", f.ID), EstimatedDelivery: now.AddDate(0, 0, 3).Format(backorder.DateLayout)}
				if _, err := svc.ShipFulfillment(ctx, f.ID, sh, nil); err != nil {
					errs[i] = fmt.Errorf("ship fulfillment %d: %w", f.ID, err)
				}
			})
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			return n, err
		}
		n += len(fs)
	}
}

// demoUserEmail is the dashboard user the demo creates.
const demoUserEmail = "demo@example.com"

// addDemoUser creates the demo's dashboard user with a random password and
// prints both.
func addDemoUser(ctx context.Context, svc *backorder.Service, out io.Writer) error {
	raw := make([]byte, 12)
	if _, err := rand.Read(raw); err != nil {
		return err
	}
	password := base64.RawURLEncoding.EncodeToString(raw)
	if _, err := svc.CreateUser(ctx, &backorder.UserRequest{Email: demoUserEmail, Name: "Demo operator", Password: password}, nil); err != nil {
		return fmt.Errorf("demo user: %w", err)
	}
	fmt.Fprintf(out, "\nDashboard user (run `backorder serve` on this database and open http://localhost:8080/):\n  email:    %s\n  password: %s\n", demoUserEmail, password)
	return nil
}
