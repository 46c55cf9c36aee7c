package backorder

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"time"
)

// PlaceOrder accepts an order under available-to-promise. Each line takes
// what is available and the rest is backordered where the policy allows; a
// refused order is kept only as lost demand.
// Returns EINVALID for a bad field, ENOTFOUND for an unknown SKU, ECONFLICT if
// the order ID exists, and EREFUSED (naming the line and rule) for an order
// that cannot be promised.
func (s *Service) PlaceOrder(ctx context.Context, req *OrderRequest, idem *Idempotency) (*Order, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	skus := sortedUnique(req.Lines, func(l LineRequest) string { return l.SKU })
	it := &intakeOp{req: req, skus: skus, idem: idem}
	if err := s.c.submitOp(&writeOp{skus: skus, kind: s.intake, arg: it}); err != nil {
		return nil, err
	}
	return it.res, it.err
}

// intakeOp is one order request in the committer, with its outcome.
type intakeOp struct {
	req  *OrderRequest
	skus []string
	idem *Idempotency

	res  *Order
	err  error
	keep bool // the outcome is stored for the Idempotency-Key
	fs   []*Fulfillment
	pre  *intakePre // read before the locks for this op's run, if any
}

// errRunOverlap makes a run of order requests fall back to one by one: two
// of them share an order ID or an Idempotency-Key, and the second must see
// the first's outcome.
var errRunOverlap = errors.New("backorder: two order requests of one run share an order ID or an Idempotency-Key")

// placeOrders is intake, set-based: it runs a run of order requests of one
// batch (or one request alone) as if one after another, but reads the
// idempotency records, the existing order IDs, the settings and the products
// once, decides each order in memory against the stock the ones before it
// left, and writes each table once. One order's outcome is its order, or a
// refusal (kept with its lost demand), or an error that writes nothing.
func (s *Service) placeOrders(ctx context.Context, tx Tx, ops []*writeOp) error {
	now := s.Now()
	its := intakeOps(ops)
	pre := its[0].pre
	for _, it := range its {
		if it.pre != pre || len(ops) == 1 {
			pre = nil
		}
		it.res, it.err, it.keep, it.fs, it.pre = nil, nil, false, nil, nil
	}
	if pre == nil {
		var err error
		if pre, err = intakeReads(ctx, tx, its); err != nil {
			return err
		}
	}
	recs := pre.recs
	var todo []*intakeOp
	var skus []string
	seenKey := map[string]bool{}
	seenID := map[string]bool{}
	for _, it := range its {
		if it.idem != nil {
			if replayed, err := replay(recs[it.idem.Key], it.idem, &it.res, &it.err); err != nil {
				return err
			} else if replayed {
				continue
			}
			if seenKey[it.idem.Key] {
				return errRunOverlap
			}
			seenKey[it.idem.Key] = true
		}
		if seenID[it.req.ID] {
			return errRunOverlap
		}
		seenID[it.req.ID] = true
		todo = append(todo, it)
		skus = append(skus, it.skus...)
	}
	if len(todo) == 0 {
		return nil
	}
	slices.Sort(skus)
	skus = slices.Compact(skus)
	exist := pre.exist
	settings, err := tx.Settings(ctx)
	if err != nil {
		return err
	}
	products, err := tx.Products(ctx, skus)
	if err != nil {
		return err
	}

	// Decide each order in turn; the stock in products moves as they go.
	var lost []LostDemand
	var orders []*Order
	run := map[string]map[string]int64{} // customer → SKU → units backordered in this run
	changed := map[string]bool{}
	for _, it := range todo {
		req := it.req
		if exist[req.ID] {
			it.err, it.keep = FieldErrorf(ECONFLICT, "id", "Order %s already exists.", req.ID), true
			continue
		}
		waiting, err := customerWaiting(ctx, tx, settings, products, req, it.skus, run[req.Customer.ID])
		if err != nil {
			return err
		}
		plan, planErr := PlanIntake(IntakeInput{Request: req, Products: products, Settings: settings, CustomerBackordered: waiting, Now: now})
		if plan == nil {
			it.err, it.keep = planErr, refusal(planErr)
			continue
		}
		for _, r := range plan.Refused {
			lost = append(lost, LostDemand{At: now, OrderID: req.ID, CustomerID: req.Customer.ID, SKU: r.SKU, Quantity: r.Quantity, ValueCents: r.ValueCents, Currency: r.Currency, Rule: r.Rule})
		}
		if planErr != nil {
			// A refusal is an outcome: its lost demand is kept.
			it.err, it.keep = AsError(planErr), true
			continue
		}
		o := &Order{
			ID: req.ID, Customer: req.Customer, Shipping: req.Shipping, NeedBy: req.NeedBy,
			SplitPolicy: plan.SplitPolicy, AcceptedAt: now, Lines: plan.Accepted, LineCount: len(plan.Accepted),
			Refused: plan.Refused,
		}
		for _, l := range o.Lines {
			o.Units += l.Quantity
			st := &products[l.SKU].Stock
			st.Allocated += l.Allocated
			st.Backordered += l.Backordered
			if l.Allocated > 0 || l.Backordered > 0 {
				changed[l.SKU] = true
			}
			if l.Backordered > 0 {
				if run[req.Customer.ID] == nil {
					run[req.Customer.ID] = map[string]int64{}
				}
				run[req.Customer.ID][l.SKU] += l.Backordered
			}
		}
		it.res, it.keep = o, true
		it.fs = PlanFulfillment(o, now)
		orders = append(orders, o)
	}

	// Write each table once.
	if len(lost) > 0 {
		if err := tx.InsertLostDemand(ctx, lost); err != nil {
			return err
		}
	}
	if len(orders) > 0 {
		if err := tx.InsertOrders(ctx, orders); err != nil {
			return err
		}
		var fs []*Fulfillment
		for _, it := range todo {
			for _, f := range it.fs {
				f.relink()
			}
			fs = append(fs, it.fs...)
		}
		if len(fs) > 0 {
			if err := tx.InsertFulfillments(ctx, fs); err != nil {
				return err
			}
		}
		var moves []Movement
		for _, o := range orders {
			for _, l := range o.Lines {
				if l.Allocated > 0 {
					a := Allocation{OrderID: o.ID, LineID: l.ID, SKU: l.SKU, Quantity: l.Allocated, Reason: ReasonInStock, At: now}
					o.Allocations = append(o.Allocations, a)
					moves = append(moves, Movement{At: now, Kind: MoveAllocate, SKU: l.SKU, Quantity: l.Allocated, OrderID: o.ID, LineID: l.ID, Reason: ReasonInStock})
				}
				if l.Backordered > 0 {
					moves = append(moves, Movement{At: now, Kind: MoveBackorder, SKU: l.SKU, Quantity: l.Backordered, OrderID: o.ID, LineID: l.ID})
				}
			}
		}
		if err := tx.AppendMovements(ctx, moves); err != nil {
			return err
		}
		if err := saveStock(ctx, tx, products, changed); err != nil {
			return err
		}
		events := make([]Event, 0, len(orders))
		for _, it := range todo {
			if o := it.res; o != nil {
				o.Status = o.DeriveStatus()
				events = append(events, orderEvent(now, EventOrderAccepted, o, "", it.fs))
			}
		}
		if err := tx.AppendEvents(ctx, events); err != nil {
			return err
		}
	}
	var outcomes []*IdempotencyRecord
	for _, it := range todo {
		if it.idem == nil || !it.keep {
			continue
		}
		rec, err := idempotencyRecord(it.idem, now, it.res, it.err)
		if err != nil {
			return err
		}
		outcomes = append(outcomes, rec)
	}
	if len(outcomes) > 0 {
		return putOutcomes(ctx, tx, outcomes)
	}
	return nil
}

// intakePre is what intake reads before it decides: the stored outcomes of
// the requests' Idempotency-Keys, and which of their order IDs exist. Both
// may be read before the SKU locks are taken: a key or an order stored
// meanwhile by another writer makes the run's insert fail with ECONFLICT, and
// the run falls back to one by one, which reads again.
type intakePre struct {
	recs  map[string]*IdempotencyRecord
	exist map[string]bool
}

func intakeReads(ctx context.Context, tx Tx, its []*intakeOp) (*intakePre, error) {
	var keys, ids []string
	for _, it := range its {
		if it.idem != nil {
			keys = append(keys, it.idem.Key)
		}
		ids = append(ids, it.req.ID)
	}
	recs, err := tx.IdempotencyRecords(ctx, keys)
	if err != nil {
		return nil, err
	}
	exist, err := tx.ExistingOrders(ctx, ids)
	if err != nil {
		return nil, err
	}
	return &intakePre{recs: recs, exist: exist}, nil
}

// intakeOps returns the order requests of a run.
func intakeOps(ops []*writeOp) []*intakeOp {
	its := make([]*intakeOp, len(ops))
	for i, op := range ops {
		its[i] = op.arg.(*intakeOp)
	}
	return its
}

// prefetchOrders reads for a run of order requests before the batch takes
// its locks (see opKind).
func (s *Service) prefetchOrders(ctx context.Context, tx Tx, ops []*writeOp) error {
	its := intakeOps(ops)
	pre, err := intakeReads(ctx, tx, its)
	if err != nil {
		return err
	}
	for _, it := range its {
		it.pre = pre
	}
	// The settings too: the batch keeps them until a write of them.
	_, err = tx.Settings(ctx)
	return err
}

// customerWaiting returns the units the customer has waiting per SKU of the
// request (skus, sorted), counting those of this run (run), when a product of the request
// limits backorders per customer; otherwise nil, without a read.
func customerWaiting(ctx context.Context, tx Tx, settings *Settings, products map[string]*Product, req *OrderRequest, skus []string, run map[string]int64) (map[string]int64, error) {
	limited := false
	for _, l := range req.Lines {
		if p := products[l.SKU]; p != nil && settings.Effective(p.Policy).MaxBackorderPerCustomer != nil {
			limited = true
			break
		}
	}
	if !limited {
		return nil, nil
	}
	waiting, err := tx.CustomerBackordered(ctx, req.Customer.ID, skus)
	if err != nil {
		return nil, err
	}
	if waiting == nil {
		waiting = map[string]int64{}
	}
	for sku, n := range run {
		waiting[sku] += n
	}
	return waiting, nil
}

// Order returns an order with its lines, status and allocations.
// Returns ENOTFOUND if the order does not exist.
func (s *Service) Order(ctx context.Context, id string) (*Order, error) {
	return read(ctx, s, func(tx Tx, now time.Time) (*Order, error) {
		o, err := tx.Order(ctx, id)
		if err != nil {
			return nil, err
		}
		moves, err := every(func(after int64) ([]Movement, error) {
			return tx.Movements(ctx, MovementFilter{OrderID: id, Kind: MoveAllocate, After: after, Limit: pageLimit})
		}, func(m Movement) int64 { return m.ID })
		if err != nil {
			return nil, err
		}
		for _, m := range moves {
			o.Allocations = append(o.Allocations, Allocation{OrderID: m.OrderID, LineID: m.LineID, SKU: m.SKU, Quantity: m.Quantity, Reason: m.Reason, At: m.At})
		}
		o.Status = o.DeriveStatus()
		return o, nil
	})
}

// Orders lists orders in acceptance order.
func (s *Service) Orders(ctx context.Context, f OrderFilter) ([]*Order, error) {
	return read(ctx, s, func(tx Tx, now time.Time) ([]*Order, error) {
		os, err := tx.ListOrders(ctx, f)
		for _, o := range os {
			o.Status = o.DeriveStatus()
		}
		return os, err
	})
}

// orderSKUs reads the SKUs of an order, to know which locks a write on it
// needs. An order's SKUs never change, so reading them before the write is safe.
func (s *Service) orderSKUs(ctx context.Context, id string) ([]string, error) {
	return read(ctx, s, func(tx Tx, now time.Time) ([]string, error) {
		o, err := tx.Order(ctx, id)
		if err != nil {
			return nil, err
		}
		return sortedUnique(o.Lines, func(l *Line) string { return l.SKU }), nil
	})
}

// CancelOrder cancels the whole order, or some units of some lines, before
// they ship. Waiting units go first; released allocations go straight to the
// next in line in the same transaction. Returns ENOTFOUND for an unknown order
// or line, EINVALID for a bad field, and ECONFLICT when fewer units are open
// than asked (a repeated cancellation releases nothing twice).
func (s *Service) CancelOrder(ctx context.Context, id string, req *CancelRequest, idem *Idempotency) (*Order, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	skus, err := s.orderSKUs(ctx, id)
	if err != nil {
		return nil, err
	}
	return write(s, skus, idem, func(ctx context.Context, tx Tx, now time.Time) (*Order, error) {
		o, err := tx.Order(ctx, id)
		if err != nil {
			return nil, err
		}
		plan, err := PlanCancel(o, req)
		if err != nil {
			return nil, err
		}
		products, err := tx.Products(ctx, skus)
		if err != nil {
			return nil, err
		}
		var open []*Fulfillment
		for _, c := range plan {
			if c.FromFulfilling > 0 && open == nil {
				if open, err = openFulfillments(ctx, tx, o.ID); err != nil {
					return nil, err
				}
			}
		}
		var moves []Movement
		var lines []*Line
		changedFs := map[*Fulfillment]bool{}
		changed := map[string]bool{}  // SKUs whose stock row changes
		released := map[string]bool{} // SKUs with allocations released
		for _, c := range plan {
			l := c.Line
			st := &products[l.SKU].Stock
			if c.Backordered > 0 {
				moves = append(moves, Movement{At: now, Kind: MoveCancel, SKU: l.SKU, Quantity: c.Backordered, OrderID: o.ID, LineID: l.ID, Reason: req.Reason})
				st.Backordered -= c.Backordered
				changed[l.SKU] = true
			}
			if c.Allocated > 0 {
				moves = append(moves, Movement{At: now, Kind: MoveRelease, SKU: l.SKU, Quantity: c.Allocated, OrderID: o.ID, LineID: l.ID, Reason: req.Reason})
				st.Allocated -= c.Allocated
				changed[l.SKU], released[l.SKU] = true, true
			}
			if c.FromFulfilling > 0 {
				for _, f := range ReduceFulfillments(open, l.ID, c.FromFulfilling) {
					changedFs[f] = true
				}
			}
			c.Apply()
			lines = append(lines, l)
		}
		for _, f := range open {
			if changedFs[f] {
				if err := tx.SaveFulfillment(ctx, f); err != nil {
					return nil, err
				}
			}
		}
		// Cancelling the units an order waited for can complete it: a
		// ship-complete order (or one awaiting the customer's choice) whose
		// last waiting units went may now ship what it holds.
		before := fulfillingOf(o.Lines)
		fs := PlanFulfillment(o, now)
		for _, l := range changedLines(o.Lines, before) {
			if !slices.Contains(lines, l) {
				lines = append(lines, l)
			}
		}
		if err := tx.SaveLines(ctx, lines); err != nil {
			return nil, err
		}
		if len(fs) > 0 {
			if err := tx.InsertFulfillments(ctx, fs); err != nil {
				return nil, err
			}
		}
		if err := tx.AppendMovements(ctx, moves); err != nil {
			return nil, err
		}
		fids := make([]int64, len(fs))
		for i, f := range fs {
			fids[i] = f.ID
		}
		payload, _ := json.Marshal(map[string]any{"reason": req.Reason, "lines": req.Lines, "fulfillment_ids": fids})
		if err := tx.AppendEvents(ctx, []Event{{At: now, Kind: EventOrderCancelled, OrderID: o.ID, Payload: payload}}); err != nil {
			return nil, err
		}
		for _, sku := range skus {
			if released[sku] {
				if _, _, err := s.fill(ctx, tx, now, &products[sku].Stock); err != nil {
					return nil, err
				}
			}
		}
		if err := saveStock(ctx, tx, products, changed); err != nil {
			return nil, err
		}
		o, err = tx.Order(ctx, id)
		if err != nil {
			return nil, err
		}
		o.Status = o.DeriveStatus()
		return o, nil
	})
}

// ChooseSplit records the customer's choice of how an order with the
// customer_choice split policy ships: ship_available or ship_complete. Units
// the choice frees to ship become fulfillment requests at once. Returns
// EINVALID for another choice, ENOTFOUND for an unknown order, and ECONFLICT
// when the order's policy leaves no choice or nothing is open.
func (s *Service) ChooseSplit(ctx context.Context, id, choice string, idem *Idempotency) (*Order, error) {
	if choice != SplitShipAvailable && choice != SplitShipComplete {
		return nil, FieldErrorf(EINVALID, "choice", "Choice must be ship_available or ship_complete.")
	}
	skus, err := s.orderSKUs(ctx, id)
	if err != nil {
		return nil, err
	}
	return write(s, skus, idem, func(ctx context.Context, tx Tx, now time.Time) (*Order, error) {
		o, err := tx.Order(ctx, id)
		if err != nil {
			return nil, err
		}
		if o.SplitPolicy != SplitCustomerChoice {
			return nil, FieldErrorf(ECONFLICT, "choice", "Order %s ships by the policy %s; it has no split choice.", o.ID, o.SplitPolicy)
		}
		if st := o.DeriveStatus(); st == OrderShipped || st == OrderCancelled {
			return nil, Errorf(ECONFLICT, "Order %s is %s; nothing is left to ship.", o.ID, st)
		}
		if err := tx.SetSplitChoice(ctx, o.ID, choice); err != nil {
			return nil, err
		}
		o.SplitChoice = choice
		before := fulfillingOf(o.Lines)
		fs := PlanFulfillment(o, now)
		if len(fs) > 0 {
			if err := tx.InsertFulfillments(ctx, fs); err != nil {
				return nil, err
			}
			if err := tx.SaveLines(ctx, changedLines(o.Lines, before)); err != nil {
				return nil, err
			}
			if err := tx.AppendEvents(ctx, []Event{orderEvent(now, EventOrderSplitChosen, o, "", fs)}); err != nil {
				return nil, err
			}
		}
		o.Status = o.DeriveStatus()
		return o, nil
	})
}

// openFulfillments returns every open fulfillment request of an order, however
// many there are: a line filled by many small receipts has one per receipt.
func openFulfillments(ctx context.Context, tx Tx, orderID string) ([]*Fulfillment, error) {
	return every(func(after int64) ([]*Fulfillment, error) {
		return tx.ListFulfillments(ctx, FulfillmentQuery{OrderID: orderID, State: FulfillmentOpen, After: after, Limit: pageLimit})
	}, func(f *Fulfillment) int64 { return f.ID })
}

// pageLimit is the most rows a store returns from one listing call.
const pageLimit = 1000

// every reads a listing to its end, page by page: page returns up to
// pageLimit items after a cursor, and id gives an item's cursor.
func every[T any](page func(after int64) ([]T, error), id func(T) int64) ([]T, error) {
	var all []T
	var after int64
	for {
		items, err := page(after)
		if err != nil {
			return nil, err
		}
		all = append(all, items...)
		if len(items) < pageLimit {
			return all, nil
		}
		after = id(items[len(items)-1])
	}
}

func fulfillingOf(lines []*Line) map[int64]int64 {
	m := make(map[int64]int64, len(lines))
	for _, l := range lines {
		m[l.ID] = l.Fulfilling
	}
	return m
}

func changedLines(lines []*Line, before map[int64]int64) []*Line {
	var out []*Line
	for _, l := range lines {
		if l.Fulfilling != before[l.ID] {
			out = append(out, l)
		}
	}
	return out
}

func saveStock(ctx context.Context, tx Tx, products map[string]*Product, changed map[string]bool) error {
	var st []Stock
	for sku := range changed {
		s := products[sku].Stock
		s.SKU = sku
		st = append(st, s)
	}
	if len(st) == 0 {
		return nil
	}
	return tx.SaveStock(ctx, st)
}

// orderEvent is the one outbox event of a change to an order: what
// happened, the status after it (when all the order's lines are at hand), and
// the fulfillment requests it created.
func orderEvent(now time.Time, kind string, o *Order, sku string, fs []*Fulfillment) Event {
	ids := make([]int64, len(fs))
	for i, f := range fs {
		ids[i] = f.ID
	}
	status := ""
	if len(o.Lines) == o.LineCount {
		status = o.DeriveStatus()
	}
	b, _ := json.Marshal(struct {
		Status         string  `json:"status,omitempty"`
		FulfillmentIDs []int64 `json:"fulfillment_ids,omitempty"`
	}{status, ids})
	return Event{At: now, Kind: kind, OrderID: o.ID, SKU: sku, Payload: b}
}
