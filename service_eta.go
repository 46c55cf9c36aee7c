package backorder

import (
	"context"
	"time"
)

// readSupply reads what product p's promise dates rest on (SupplyPlan): its
// open purchase orders, each with its supplier's buffer, its lead time (its
// own, or its supplier's) with that supplier's buffer, its available units
// (p.Stock as given) and the settings' handling days. It also returns the
// units on the open purchase orders (inbound).
func readSupply(ctx context.Context, tx Tx, p *Product, set *Settings) (SupplyPlan, int64, error) {
	m := set.Promises.Margins()
	plan := SupplyPlan{Available: p.Stock.Available(), LeadTimeDays: p.LeadTimeDays, LeadBufferDays: m.DefaultBufferDays, HandlingDays: m.HandlingDays}
	pos, err := every(func(after int64) ([]*PurchaseOrder, error) {
		return tx.ListPurchaseOrders(ctx, POFilter{SKU: p.SKU, Status: POOpen, After: after, Limit: readPage})
	}, func(po *PurchaseOrder) int64 { return po.ID })
	if err != nil {
		return plan, 0, err
	}
	buffers := map[string]int{} // supplier ID → buffer days
	buffer := func(supplierID string) (int, error) {
		if b, ok := buffers[supplierID]; ok {
			return b, nil
		}
		sup := &Supplier{ID: supplierID}
		if err := measure(ctx, tx, sup); err != nil {
			return 0, err
		}
		buffers[supplierID] = BufferDays(*sup.Reliability, m)
		return buffers[supplierID], nil
	}
	var units int64
	for _, po := range pos {
		for _, l := range po.Lines {
			if l.SKU != p.SKU || l.Open() == 0 {
				continue
			}
			b, err := buffer(po.SupplierID)
			if err != nil {
				return plan, 0, err
			}
			plan.Inbound = append(plan.Inbound, Inbound{PurchaseOrderID: po.ID, ExpectedAt: po.ExpectedAt, Units: l.Open(), BufferDays: b})
			units += l.Open()
		}
	}
	if p.SupplierID != "" {
		sup, err := tx.Supplier(ctx, p.SupplierID)
		if err != nil {
			return plan, 0, err
		}
		if plan.LeadTimeDays == nil {
			plan.LeadTimeDays = &sup.LeadTimeDays
		}
		if plan.LeadBufferDays, err = buffer(p.SupplierID); err != nil {
			return plan, 0, err
		}
	}
	return plan, units, nil
}

// today is the calendar day of now, in UTC, that promise dates count from.
func today(now time.Time) time.Time { return now.UTC().Truncate(24 * time.Hour) }

// promiseDates dates the waiting lines of product p, given in fill order as
// the units each waits for (PromiseDates), from its supply (readSupply). It
// also returns the units on the open purchase orders (inbound).
func promiseDates(ctx context.Context, tx Tx, p *Product, set *Settings, waiting []int64, now time.Time) ([]ETA, int64, error) {
	plan, units, err := readSupply(ctx, tx, p, set)
	if err != nil {
		return nil, 0, err
	}
	return PromiseDates(waiting, plan.Available, plan.Inbound, plan.LeadTimeDays, plan.LeadBufferDays, plan.HandlingDays, today(now)), units, nil
}

// redate re-dates the waiting lines of product p (whose Stock is current)
// in fill order against its supply: each line gets the promise Repromise
// gives it, the promises that differ from those stored are saved, and each
// line whose promised date moved gets an eta.changed event. Unless all is
// set, the walk stops at the first line past every unit of supply that was
// not promised from a purchase order: the lines after it were dated by the
// lead time, which stands (Repromise). all re-dates every line, for a
// change that may move any of them (the product's lead time, the priority
// rules).
func (s *Service) redate(ctx context.Context, tx *writeTx, p *Product, all bool, now time.Time) error {
	_, err := s.redatePromiser(ctx, tx, p, all, now)
	return err
}

// redatePromiser is redate, answering the SKU's promiser where the walk
// stopped (nil when nothing waits): the promise of any line after that point
// that has none yet comes from it.
func (s *Service) redatePromiser(ctx context.Context, tx *writeTx, p *Product, all bool, now time.Time) (*Promiser, error) {
	if p.Stock.Backordered <= 0 {
		return nil, nil
	}
	settings, err := tx.Settings(ctx)
	if err != nil {
		return nil, err
	}
	plan, _, err := readSupply(ctx, tx, p, settings)
	if err != nil {
		return nil, err
	}
	day := today(now)
	pr := NewPromiser(plan, day)
	page := waitingPage(ctx, tx, settings, p.SKU)
	var save []*Line
	var events []Event
	var auto []string // orders under the auto split policy whose lines were re-dated
	flush := func() error {
		if len(save) > 0 {
			if err := tx.SavePromises(ctx, save); err != nil {
				return err
			}
		}
		for _, e := range events {
			if err := tx.Emit(ctx, e); err != nil {
				return err
			}
		}
		save, events = save[:0], events[:0]
		return nil
	}
	err = WalkFillOrder(settings, now, s.queuePage, page, nil, func(e RankedEntry) (bool, error) {
		l := e.Line
		had := l.ETA
		promise, moved := Repromise(had, pr.Next(l.Backordered, l.AvailableFrom), day)
		if had == nil || *had != promise {
			l.ETA = &promise
			if l.FirstPromise == "" {
				l.FirstPromise = promise.Date
			}
			save = append(save, l)
			if e.Order.SplitPolicy == SplitAuto {
				auto = append(auto, e.Order.ID)
			}
		}
		if moved && had != nil {
			ev, err := NewEvent(now, e.Order.ID, p.SKU, &ETAChangedPayload{LineID: l.ID, Old: *had, New: promise, FirstPromise: l.FirstPromise})
			if err != nil {
				return false, err
			}
			events = append(events, ev)
		}
		if len(save) >= s.queuePage {
			if err := flush(); err != nil {
				return false, err
			}
		}
		return all || !pr.Exhausted() || (had != nil && had.Basis == BasisPurchaseOrder), nil
	})
	if err != nil {
		return nil, err
	}
	if err := flush(); err != nil {
		return nil, err
	}
	// An auto split decision rests on the promise dates: take it again.
	return pr, s.resplit(ctx, tx, auto, now)
}

// redateSKUs re-dates the waiting lines of the given SKUs (redate), each
// from its stored product and stock.
func (s *Service) redateSKUs(ctx context.Context, tx *writeTx, skus []string, all bool, now time.Time) error {
	products, err := tx.ProductsBySKU(ctx, skus)
	if err != nil {
		return err
	}
	for _, sku := range skus {
		if p := products[sku]; p != nil {
			if err := s.redate(ctx, tx, p, all, now); err != nil {
				return err
			}
		}
	}
	return nil
}

// intakeDates dates the lines an intake run puts on backorder, as it
// decides them. A line whose priority score is 0 (every line, with the
// priority rules off) is the last of its SKU's fill order, so its date
// follows from the units waiting before it and the SKU's supply, without
// reading the queue; the SKU's promiser carries on from it to the next such
// line of the run. A line that a priority rule puts ahead of others moves
// them: its SKU is re-dated whole (redate) once the run's lines are stored.
type intakeDates struct {
	settings *Settings
	now      time.Time
	plans    map[string]SupplyPlan // read once per run
	promiser map[string]*Promiser
	walk     map[string]bool // SKUs to re-date once stored
	quote    bool            // nothing is stored: date a priority line in place
}

func newIntakeDates(settings *Settings, now time.Time) *intakeDates {
	return &intakeDates{settings: settings, now: now, plans: map[string]SupplyPlan{}, promiser: map[string]*Promiser{}, walk: map[string]bool{}}
}

// date dates line l of order o, just decided: p.Stock already counts it.
func (d *intakeDates) date(ctx context.Context, tx Tx, o *Order, l *Line, p *Product) error {
	if l.Allocated > 0 {
		delete(d.promiser, l.SKU) // the units available moved: start again from the stock
	}
	if l.Backordered == 0 {
		return nil
	}
	if d.walk[l.SKU] {
		return nil
	}
	if score := d.settings.PriorityOf(&QueueEntry{Order: o, Line: l}, d.now).Score; score > 0 {
		if !d.quote {
			d.walk[l.SKU] = true
			return nil
		}
		// A quote writes nothing to walk: count the stored units a line of
		// this score would wait behind, and the quote's own earlier lines.
		ahead, stored, err := unitsAhead(ctx, tx, d.settings, d.now, l.SKU, score)
		if err != nil {
			return err
		}
		pr, err := d.newPromiser(ctx, tx, p)
		if err != nil {
			return err
		}
		pr.Next(ahead+p.Stock.Backordered-l.Backordered-stored, "")
		e := pr.Next(l.Backordered, l.AvailableFrom)
		l.ETA, l.FirstPromise = &e, e.Date
		return nil
	}
	pr := d.promiser[l.SKU]
	if pr == nil {
		var err error
		if pr, err = d.newPromiser(ctx, tx, p); err != nil {
			return err
		}
		pr.Next(p.Stock.Backordered-l.Backordered, "") // the lines waiting before it
		d.promiser[l.SKU] = pr
	}
	e := pr.Next(l.Backordered, l.AvailableFrom)
	l.ETA, l.FirstPromise = &e, e.Date
	return nil
}

// newPromiser starts a promiser on p's supply (read once per run) and its
// stock as it stands.
func (d *intakeDates) newPromiser(ctx context.Context, tx Tx, p *Product) (*Promiser, error) {
	plan, ok := d.plans[p.SKU]
	if !ok {
		var err error
		if plan, _, err = readSupply(ctx, tx, p, d.settings); err != nil {
			return nil, err
		}
		d.plans[p.SKU] = plan
	}
	plan.Available = p.Stock.Available()
	return NewPromiser(plan, today(d.now)), nil
}

// unitsAhead reads a SKU's stored queue and answers the units a new line of
// priority score would wait behind (those of lines scoring at least as
// much: FillOrder puts it after them, being the latest) and the units of
// the whole queue.
func unitsAhead(ctx context.Context, tx Tx, s *Settings, now time.Time, sku string, score int) (ahead, all int64, err error) {
	page := waitingPage(ctx, tx, s, sku)
	err = eachPage(QueueCursor{}, DefaultQueuePage, page, func(es []QueueEntry) (bool, error) {
		for i := range es {
			all += es[i].Line.Backordered
			if s.PriorityOf(&es[i], now).Score >= score {
				ahead += es[i].Line.Backordered
			}
		}
		return true, nil
	})
	return ahead, all, err
}

// ProjectionReport is the share of current backorders expected within a
// number of days, shop-wide and per SKU with waiting lines.
type ProjectionReport struct {
	Shop Projection      `json:"shop"`
	SKUs []SKUProjection `json:"skus"`
}

// MaxProjectionDays bounds a projection's window.
const MaxProjectionDays = 365

// Project reports the share of current backorders whose promise date is
// within days of today (Project), from the promises stored on the lines.
// Returns EINVALID (field "days") for a window outside 1–365.
func (s *Service) Project(ctx context.Context, days int) (*ProjectionReport, error) {
	if days < 1 || days > MaxProjectionDays {
		return nil, FieldErrorf(EINVALID, "days", "days must be between 1 and %d.", MaxProjectionDays)
	}
	return read(ctx, s, func(tx Tx, now time.Time) (*ProjectionReport, error) {
		by := ProjectionHorizon(today(now), days)
		counts, err := tx.Promised(ctx, by)
		if err != nil {
			return nil, err
		}
		shop, per := Project(counts, days, by)
		return &ProjectionReport{Shop: shop, SKUs: per}, nil
	})
}
