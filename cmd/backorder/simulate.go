package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/backorder/backorder"
	"github.com/backorder/backorder/sqlite"
)

// runSimulate runs a year (by default) of a shop through the real service on
// a test clock and an embedded SQLite store, and prints how often the
// promise dates were kept, against a naive baseline that promises the
// purchase order's date with no buffer.
func runSimulate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("simulate", stderr)
	cfg := simConfig{}
	fs.IntVar(&cfg.days, "days", 365, "days of trading to simulate")
	fs.Uint64Var(&cfg.seed, "seed", 1, "seed of the random demand, lead times and lateness")
	fs.IntVar(&cfg.skus, "skus", 24, "products, spread over the suppliers")
	fs.IntVar(&cfg.warmup, "warmup", 60, "days traded first and not measured, so that the suppliers have a history")
	fs.IntVar(&cfg.percentile, "buffer-percentile", 0, "settings.promises.buffer_percentile for the run (default: the shop default)")
	asJSON := fs.Bool("json", false, "print one JSON object")
	dir := fs.String("dir", "", "folder for the SQLite file (default: a temporary folder, removed after)")
	if err := parse(fs, args, getenv); err != nil {
		return err
	}
	if cfg.days < 1 || cfg.days > 3650 {
		return fmt.Errorf("--days must be between 1 and 3650")
	}
	if cfg.warmup < 0 || cfg.warmup > 3650 {
		return fmt.Errorf("--warmup must be between 0 and 3650")
	}
	if cfg.skus < 1 || cfg.skus > 1000 {
		return fmt.Errorf("--skus must be between 1 and 1000")
	}
	folder := *dir
	if folder == "" {
		d, err := os.MkdirTemp("", "backorder-simulate-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		folder = d
	}
	store, err := sqlite.Open(filepath.Join(folder, fmt.Sprintf("simulate-%d.db", cfg.seed)))
	if err != nil {
		return err
	}
	defer store.Close()
	started := time.Now()
	res, err := simulate(ctx, store, cfg)
	if err != nil {
		return err
	}
	res.Seconds = math.Round(time.Since(started).Seconds()*10) / 10
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	printSimulation(stdout, res)
	return nil
}

type simConfig struct {
	days       int
	seed       uint64
	skus       int
	percentile int
	warmup     int
}

// simSupplier is how a simulated supplier behaves: its stated lead time and
// the days late each delivery comes, drawn by late.
type simSupplier struct {
	id   string
	lead int
	late func(r *rand.Rand) int
	// warns is the chance that a supplier running late moves the purchase
	// order's date (PATCH) a few days before it was due.
	warns float64
}

// The suppliers: one reliable, one always a few days late (history
// teaches the buffer), one erratic with a long tail, one slow and a little
// late.
var simSuppliers = []simSupplier{
	{id: "reliable", lead: 14, late: func(r *rand.Rand) int {
		if r.Float64() < 0.9 {
			return 0
		}
		return 1
	}},
	{id: "steady-late", lead: 21, late: func(r *rand.Rand) int { return 3 + r.IntN(3) }},
	{id: "erratic", lead: 28, warns: 0.5, late: func(r *rand.Rand) int {
		switch p := r.Float64(); {
		case p < 0.6:
			return 0
		case p < 0.85:
			return 1 + r.IntN(5)
		default:
			return 6 + r.IntN(9)
		}
	}},
	{id: "slow", lead: 45, late: func(r *rand.Rand) int { return r.IntN(4) }},
}

// simLine is what the simulation learns of one backordered line.
type simLine struct {
	quantity  int64
	shipped   int64
	promise   string // the first promise ("" when it had no date)
	baseline  string // the naive promise: the PO's date, or today + lead time
	shippedOn string
	cancelled bool
	supplier  string
	basis     string
	day       string // the day it was ordered
}

// SimulationResult is what `backorder simulate` prints.
type SimulationResult struct {
	Days                     int      `json:"days"`
	WarmupDays               int      `json:"warmup_days"`
	Seed                     uint64   `json:"seed"`
	Orders                   int      `json:"orders"`
	BackorderedLines         int      `json:"backordered_lines"`
	Measured                 int      `json:"measured_lines"`
	Undated                  int      `json:"undated_lines"`
	PurchaseOrders           int      `json:"purchase_orders"`
	DateChanges              int      `json:"po_date_changes"`
	PromiseKeptShare         *float64 `json:"promise_kept_share"`
	MedianSlackDays          *float64 `json:"median_slack_days"`
	BaselinePromiseKeptShare *float64 `json:"baseline_promise_kept_share"`
	BaselineMedianSlackDays  *float64 `json:"baseline_median_slack_days"`
	Seconds                  float64  `json:"seconds"`
	// Suppliers are the same figures per supplier, in the order listed.
	Suppliers []SimulatedSupplier `json:"suppliers"`
}

// SimulatedSupplier is a simulation's figures for the lines one supplier's
// purchase orders were to fill.
type SimulatedSupplier struct {
	ID                       string   `json:"id"`
	LeadTimeDays             int      `json:"lead_time_days"`
	Measured                 int      `json:"measured_lines"`
	BufferDays               int      `json:"buffer_days"`
	PromiseKeptShare         *float64 `json:"promise_kept_share"`
	MedianSlackDays          *float64 `json:"median_slack_days"`
	BaselinePromiseKeptShare *float64 `json:"baseline_promise_kept_share"`
	BaselineMedianSlackDays  *float64 `json:"baseline_median_slack_days"`
}

// simPO is a purchase order the simulation placed, with when it will
// really come.
type simPO struct {
	id       int64
	sku      string
	supplier *simSupplier
	quantity int64
	expected string
	arrives  string // the day the (first) delivery comes
	rest     string // the day the rest comes, for a split delivery
	warned   bool
}

// simulate trades cfg.days days: each day purchase orders due arrive (some
// late, some split in two deliveries, some announced late beforehand), what
// was allocated ships the next day, customers order (Poisson) and a few
// cancel what still waits, and each SKU below its reorder point gets a
// purchase order.
func simulate(ctx context.Context, store backorder.Store, cfg simConfig) (*SimulationResult, error) {
	rng := rand.New(rand.NewPCG(cfg.seed, 0x5eed))
	start := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	clock := backorder.NewFixedClock(start)
	svc := backorder.NewService(backorder.Config{Store: store, Clock: clock})
	defer svc.Close()

	set := backorder.DefaultSettings()
	if cfg.percentile != 0 {
		set.Promises.BufferPercentile = &cfg.percentile
	}
	if _, err := svc.PutSettings(ctx, &set); err != nil {
		return nil, err
	}
	handling := set.Promises.Margins().HandlingDays
	for _, s := range simSuppliers {
		if _, _, err := svc.PutSupplier(ctx, &backorder.SupplierInput{ID: s.id, Name: s.id, LeadTimeDays: s.lead}); err != nil {
			return nil, err
		}
	}
	type simSKU struct {
		sku      string
		supplier *simSupplier
		rate     float64 // orders a day
	}
	skus := make([]simSKU, cfg.skus)
	for i := range skus {
		skus[i] = simSKU{sku: fmt.Sprintf("SKU-%03d", i), supplier: &simSuppliers[i%len(simSuppliers)], rate: 0.5 + 3*rng.Float64()}
		in := &backorder.ProductInput{SKU: skus[i].sku, Name: skus[i].sku, PriceCents: 1000 + int64(rng.IntN(9000)), Currency: "USD",
			Status: backorder.StatusActive, Supply: backorder.Supply{SupplierID: skus[i].supplier.id}}
		if _, _, err := svc.PutProduct(ctx, in); err != nil {
			return nil, err
		}
		// A week's stock to start: the first purchase orders come too late
		// for some of the demand.
		if _, err := svc.Receive(ctx, &backorder.ReceiptRequest{SKU: skus[i].sku, Quantity: int64(math.Ceil(skus[i].rate * 2 * 7))}, nil); err != nil {
			return nil, err
		}
	}

	res := &SimulationResult{Days: cfg.days, WarmupDays: cfg.warmup, Seed: cfg.seed}
	lines := map[int64]*simLine{}
	waiting := map[string]bool{} // orders with lines waiting
	var pos []*simPO
	expected := map[int64]string{} // PO → its date as the buffer-free baseline sees it
	orderNo := 0
	at := func(day int, hour int) time.Time {
		return start.AddDate(0, 0, day).Add(time.Duration(hour) * time.Hour)
	}
	setClock := func(t time.Time) { clock.Advance(t.Sub(clock.Now())) }

	for day := range cfg.warmup + cfg.days {
		measured := day >= cfg.warmup
		today := at(day, 0).Format(backorder.DateLayout)

		// 07:00: suppliers running late may say so, a few days ahead.
		setClock(at(day, 7))
		for _, po := range pos {
			if po.warned || po.supplier.warns == 0 || po.arrives <= po.expected || po.arrives <= today {
				continue
			}
			if due, _ := time.Parse(backorder.DateLayout, po.expected); today >= due.AddDate(0, 0, -3).Format(backorder.DateLayout) {
				po.warned = true
				if rng.Float64() < po.supplier.warns {
					if _, err := svc.ReschedulePurchaseOrder(ctx, po.id, po.arrives); err != nil {
						return nil, err
					}
					res.DateChanges++
				}
			}
		}

		// 08:00: deliveries.
		setClock(at(day, 8))
		open := pos[:0]
		for _, po := range pos {
			var qty int64
			switch {
			case po.arrives == today && po.rest != "":
				qty = po.quantity / 2
			case po.arrives == today:
				qty = po.quantity
			case po.rest == today:
				qty = po.quantity - po.quantity/2
			}
			if qty > 0 {
				req := &backorder.POReceiptRequest{Lines: []backorder.POLineRequest{{SKU: po.sku, Quantity: qty}}}
				if _, err := svc.ReceivePurchaseOrder(ctx, po.id, req, nil); err != nil {
					return nil, fmt.Errorf("receive PO %d: %w", po.id, err)
				}
			}
			if (po.rest == "" && po.arrives > today) || po.rest > today {
				open = append(open, po)
			}
		}
		pos = open

		// 10:00: ship what was allocated before today (one handling day).
		setClock(at(day, 10))
		if err := simShip(ctx, svc, at(day, 0), today, lines); err != nil {
			return nil, err
		}

		// 11:00–19:00: orders.
		for _, s := range skus {
			for n := poisson(rng, s.rate); n > 0; n-- {
				orderNo++
				setClock(at(day, 11).Add(time.Duration(rng.IntN(8*3600)) * time.Second))
				id := fmt.Sprintf("SIM-%06d", orderNo)
				req := &backorder.OrderRequest{ID: id, Customer: backorder.Customer{ID: fmt.Sprintf("c%d", rng.IntN(5000)), Email: "c@example.com", Name: "C"},
					Lines: []backorder.LineRequest{{SKU: s.sku, Quantity: 1 + int64(rng.IntN(3))}}, Shipping: backorder.ShippingStandard}
				o, err := svc.PlaceOrder(ctx, req, nil)
				if err != nil {
					return nil, fmt.Errorf("order %s: %w", id, err)
				}
				res.Orders++
				for _, l := range o.Lines {
					if l.Backordered == 0 || !measured {
						continue
					}
					waiting[o.ID] = true
					sl := &simLine{quantity: l.Quantity, promise: l.FirstPromise, supplier: s.supplier.id, day: today}
					if l.ETA != nil {
						sl.basis = l.ETA.Basis
						sl.baseline = naivePromise(l.ETA, expected, s.supplier.lead, handling, clock.Now())
					}
					lines[l.ID] = sl
				}
			}
		}
		setClock(at(day, 19))

		// 20:00: one in a hundred waiting orders is cancelled.
		setClock(at(day, 20))
		for _, id := range slices.Sorted(maps.Keys(waiting)) {
			if rng.Float64() >= 0.01 {
				continue
			}
			o, err := svc.CancelOrder(ctx, id, &backorder.CancelRequest{Reason: "customer"}, nil)
			if backorder.ErrorCode(err) == backorder.ECONFLICT || backorder.ErrorCode(err) == backorder.EINVALID {
				delete(waiting, id)
				continue
			} else if err != nil {
				return nil, fmt.Errorf("cancel %s: %w", id, err)
			}
			delete(waiting, id)
			for _, l := range o.Lines {
				if sl := lines[l.ID]; sl != nil && sl.shippedOn == "" {
					sl.cancelled = true
				}
			}
		}

		// 21:00: the buyer reviews stock and orders from the suppliers.
		setClock(at(day, 21))
		for _, s := range skus {
			p, err := svc.Product(ctx, s.sku)
			if err != nil {
				return nil, err
			}
			daily := s.rate * 2 // units a day: orders of 1–3
			position := p.Stock.OnHand - p.Stock.Allocated + p.Inbound - p.Stock.Backordered
			reorderAt := int64(math.Ceil(daily * float64(s.supplier.lead) * 0.8))
			if position >= reorderAt {
				continue
			}
			qty := reorderAt - position + int64(math.Ceil(daily*14))
			due := at(day, 0).AddDate(0, 0, s.supplier.lead)
			po, err := svc.CreatePurchaseOrder(ctx, &backorder.PurchaseOrderRequest{Reference: fmt.Sprintf("R-%d-%s", day, s.sku), SupplierID: s.supplier.id,
				ExpectedAt: due.Format(backorder.DateLayout), Lines: []backorder.POLineRequest{{SKU: s.sku, Quantity: qty}}}, nil)
			if err != nil {
				return nil, err
			}
			res.PurchaseOrders++
			sp := &simPO{id: po.ID, sku: s.sku, supplier: s.supplier, quantity: qty, expected: po.ExpectedAt,
				arrives: due.AddDate(0, 0, s.supplier.late(rng)).Format(backorder.DateLayout)}
			if rng.Float64() < 0.15 {
				a, _ := time.Parse(backorder.DateLayout, sp.arrives)
				sp.rest = a.AddDate(0, 0, 2+rng.IntN(5)).Format(backorder.DateLayout)
			}
			pos = append(pos, sp)
			expected[po.ID] = po.ExpectedAt
		}
		// The baseline sees a PO's date as it is when it promises.
		for _, po := range pos {
			if p, err := svc.PurchaseOrder(ctx, po.id); err == nil {
				expected[po.id] = p.ExpectedAt
			} else {
				return nil, err
			}
		}
	}
	end := at(cfg.warmup+cfg.days, 0).Format(backorder.DateLayout)
	m := set.Promises.Margins()
	for _, sp := range simSuppliers {
		sup, err := svc.Supplier(ctx, sp.id)
		if err != nil {
			return nil, err
		}
		res.Suppliers = append(res.Suppliers, SimulatedSupplier{ID: sp.id, LeadTimeDays: sp.lead, BufferDays: backorder.BufferDays(*sup.Reliability, m)})
	}
	scoreSimulation(res, lines, end)
	return res, nil
}

// naivePromise is what a system that copies the purchase order's date (or
// adds the lead time to today) with no buffer for the supplier would
// promise, handling days included, for a line the service dated e.
func naivePromise(e *backorder.ETA, expected map[int64]string, lead, handling int, now time.Time) string {
	day := now.UTC().Truncate(24 * time.Hour)
	switch e.Basis {
	case backorder.BasisPurchaseOrder:
		if d, err := time.Parse(backorder.DateLayout, expected[e.PurchaseOrderID]); err == nil && d.After(day) {
			day = d
		}
	case backorder.BasisLeadTime:
		day = day.AddDate(0, 0, lead)
	default:
		return ""
	}
	return day.AddDate(0, 0, handling).Format(backorder.DateLayout)
}

// simShip ships every fulfillment ready and created before the day began,
// noting the day each backordered line shipped in full.
func simShip(ctx context.Context, svc *backorder.Service, dayStart time.Time, today string, lines map[int64]*simLine) error {
	var after int64
	for {
		fs, err := svc.Fulfillments(ctx, backorder.FulfillmentFilter{Status: backorder.FulfillmentReady, After: after, Limit: 500})
		if err != nil {
			return err
		}
		if len(fs) == 0 {
			return nil
		}
		for _, f := range fs {
			after = f.ID
			if !f.CreatedAt.Before(dayStart) {
				continue
			}
			if _, err := svc.ShipFulfillment(ctx, f.ID, &backorder.Shipment{Carrier: "sim", Tracking: fmt.Sprint("T", f.ID)}, nil); err != nil {
				return fmt.Errorf("ship %d: %w", f.ID, err)
			}
			for _, fl := range f.Lines {
				if sl := lines[fl.LineID]; sl != nil {
					sl.shipped += fl.Quantity
					if sl.shipped >= sl.quantity {
						sl.shippedOn = today
					}
				}
			}
		}
	}
}

// scoreSimulation measures the promises: a line is kept when it shipped in
// full on or before its promise, broken when it shipped later or had not
// shipped by a promise already past at the end; a line still waiting for a
// promise not yet due, or cancelled, is not counted. Slack is promise minus
// ship day, over the lines that shipped.
func scoreSimulation(res *SimulationResult, lines map[int64]*simLine, end string) {
	ids := slices.Sorted(maps.Keys(lines))
	measure := func(supplier string, promise func(*simLine) string) (*float64, *float64, int) {
		var kept, counted int
		var slack []float64
		for _, id := range ids {
			l := lines[id]
			p := promise(l)
			if p == "" || l.cancelled || (supplier != "" && l.supplier != supplier) {
				continue
			}
			switch {
			case l.shippedOn != "":
				counted++
				if l.shippedOn <= p {
					kept++
				}
				slack = append(slack, daysBetween(l.shippedOn, p))
			case p < end:
				counted++
			}
		}
		return share(kept, counted), median(slack), counted
	}
	ours := func(l *simLine) string { return l.promise }
	naive := func(l *simLine) string { return l.baseline }
	res.BackorderedLines = len(lines)
	for _, l := range lines {
		if l.promise == "" {
			res.Undated++
		}
	}
	res.PromiseKeptShare, res.MedianSlackDays, res.Measured = measure("", ours)
	res.BaselinePromiseKeptShare, res.BaselineMedianSlackDays, _ = measure("", naive)
	for i := range res.Suppliers {
		s := &res.Suppliers[i]
		s.PromiseKeptShare, s.MedianSlackDays, s.Measured = measure(s.ID, ours)
		s.BaselinePromiseKeptShare, s.BaselineMedianSlackDays, _ = measure(s.ID, naive)
	}
}

func printSimulation(w io.Writer, r *SimulationResult) {
	f := func(v *float64, format string) string {
		if v == nil {
			return "n/a"
		}
		return fmt.Sprintf(format, *v)
	}
	fmt.Fprintf(w, "simulate: %d days after %d of warm-up, seed %d, %d orders, %d purchase orders (%d dates moved), %.1fs\n", r.Days, r.WarmupDays, r.Seed, r.Orders, r.PurchaseOrders, r.DateChanges, r.Seconds)
	fmt.Fprintf(w, "backordered lines: %d (%d measured, %d with no date)\n", r.BackorderedLines, r.Measured, r.Undated)
	fmt.Fprintf(w, "promise_kept_share           %s\n", f(r.PromiseKeptShare, "%.3f"))
	fmt.Fprintf(w, "median_slack_days            %s\n", f(r.MedianSlackDays, "%.1f"))
	fmt.Fprintf(w, "baseline_promise_kept_share  %s\n", f(r.BaselinePromiseKeptShare, "%.3f"))
	fmt.Fprintf(w, "baseline_median_slack_days   %s\n", f(r.BaselineMedianSlackDays, "%.1f"))
	fmt.Fprintf(w, "\n%-12s %5s %7s %6s %7s %6s %9s %9s\n", "supplier", "lead", "buffer", "lines", "kept", "slack", "base kept", "base slack")
	for _, s := range r.Suppliers {
		fmt.Fprintf(w, "%-12s %5d %7d %6d %7s %6s %9s %9s\n", s.ID, s.LeadTimeDays, s.BufferDays, s.Measured,
			f(s.PromiseKeptShare, "%.3f"), f(s.MedianSlackDays, "%.1f"), f(s.BaselinePromiseKeptShare, "%.3f"), f(s.BaselineMedianSlackDays, "%.1f"))
	}
}

// poisson draws from a Poisson distribution of mean lambda (Knuth).
func poisson(r *rand.Rand, lambda float64) int {
	l, k, p := math.Exp(-lambda), 0, 1.0
	for {
		p *= r.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

func daysBetween(from, to string) float64 {
	a, _ := time.Parse(backorder.DateLayout, from)
	b, _ := time.Parse(backorder.DateLayout, to)
	return b.Sub(a).Hours() / 24
}

func share(n, of int) *float64 {
	if of == 0 {
		return nil
	}
	v := float64(n) / float64(of)
	return &v
}

func median(xs []float64) *float64 {
	if len(xs) == 0 {
		return nil
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	m := s[len(s)/2]
	if len(s)%2 == 0 {
		m = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return &m
}
